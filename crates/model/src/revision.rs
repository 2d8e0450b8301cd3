//! What ties an entry's metadata to its writer and to the entry it revises: the provider a
//! registration names when it leaves the field empty, and what a new version of a registered
//! entry may not change.

use crate::code::ResourceCode;
use crate::credit_code::CreditCode;
use crate::input::MetadataInput;
use crate::metadata::ResourceMetadata;
use crate::text;
use crate::violation::{FieldReason, Violations};

/// Fills in a provider that `input` leaves empty with the writer's department. A platform
/// credential (no department) fills in nothing, and validation then reports the empty field.
pub fn default_provider(input: &mut MetadataInput, writer: Option<&CreditCode>) {
    if input.provider_code.is_empty()
        && let Some(department) = writer
    {
        input.provider_code = department.to_string();
    }
}

/// What a new version of the entry `code`, provided by `provider`, may not change: its
/// classification, which is part of the assigned code, and its provider. Each violation names
/// its field in the metadata (`classification`, `provider_code`).
pub fn check_revision(
    code: &ResourceCode,
    provider: &CreditCode,
    revised: &ResourceMetadata,
) -> Violations {
    let mut v = Violations::new();
    if revised.classification.code() != *code.classification() {
        v.add(
            "classification",
            FieldReason::NotAllowed,
            text!(
                "分类决定了已分配的代码 {code}，不能修改；如需改分类请登记新目录",
                "the classification is part of the assigned code {code} and cannot change"
            ),
        );
    }
    if revised.provider_code != *provider {
        v.add(
            "provider_code",
            FieldReason::NotAllowed,
            text!(
                "提供方不能变更，应为 {provider}",
                "the provider cannot change; it is {provider}"
            ),
        );
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{SAMPLE_PROVIDER_CODE, sample_input, sample_metadata, valid_credit_code};

    fn credit(s: &str) -> CreditCode {
        CreditCode::parse(s).expect("credit code")
    }

    /// The code [`sample_metadata`] would be registered under (基础 01 001).
    fn sample_code() -> ResourceCode {
        ResourceCode::parse("101001/000007").expect("code")
    }

    #[test]
    fn an_empty_provider_is_the_writers_department() {
        let writer = credit(&valid_credit_code(3));
        let mut input = sample_input();
        input.provider_code.clear();
        default_provider(&mut input, Some(&writer));
        assert_eq!(input.provider_code, writer.to_string());
    }

    #[test]
    fn a_named_provider_is_kept() {
        let writer = credit(&valid_credit_code(3));
        let mut input = sample_input();
        default_provider(&mut input, Some(&writer));
        assert_eq!(input.provider_code, SAMPLE_PROVIDER_CODE);
    }

    #[test]
    fn a_platform_writer_fills_in_nothing() {
        let mut input = sample_input();
        input.provider_code.clear();
        default_provider(&mut input, None);
        assert_eq!(input.provider_code, "");
        let errors = crate::validate(&input).expect_err("no provider");
        assert_eq!(errors.on("provider_code").count(), 1, "{errors}");
    }

    #[test]
    fn a_revision_may_change_anything_else() {
        let mut revised = sample_metadata();
        revised.name = "人口基础信息（修订）".into();
        revised.summary = "新的摘要".into();
        revised.items.pop();
        let v = check_revision(&sample_code(), &credit(SAMPLE_PROVIDER_CODE), &revised);
        assert!(v.is_empty(), "{v}");
    }

    #[test]
    fn the_classification_cannot_change() {
        let mut revised = sample_metadata();
        revised.classification.subitem = "002".into();
        let v = check_revision(&sample_code(), &credit(SAMPLE_PROVIDER_CODE), &revised);
        let fields: Vec<&str> = v.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["classification"]);
        assert_eq!(v.0[0].reason, FieldReason::NotAllowed);
        assert!(v.0[0].text.zh.contains("101001/000007"), "{v}");
        assert!(v.0[0].text.en.contains("101001/000007"), "{v}");
    }

    #[test]
    fn the_provider_cannot_change() {
        let mut revised = sample_metadata();
        let other = credit(&valid_credit_code(9));
        revised.provider_code = other;
        let v = check_revision(&sample_code(), &credit(SAMPLE_PROVIDER_CODE), &revised);
        let fields: Vec<&str> = v.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["provider_code"]);
        assert_eq!(v.0[0].reason, FieldReason::NotAllowed);
        assert_eq!(
            v.0[0].text.zh,
            format!("提供方不能变更，应为 {SAMPLE_PROVIDER_CODE}")
        );
        assert_eq!(
            v.0[0].text.en,
            format!("the provider cannot change; it is {SAMPLE_PROVIDER_CODE}")
        );
    }

    #[test]
    fn both_changes_are_reported_at_once() {
        let mut revised = sample_metadata();
        revised.classification.item = "02".into();
        revised.provider_code = credit(&valid_credit_code(9));
        let v = check_revision(&sample_code(), &credit(SAMPLE_PROVIDER_CODE), &revised);
        let fields: Vec<&str> = v.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["classification", "provider_code"]);
    }
}
