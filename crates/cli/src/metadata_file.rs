//! Reads an entry's metadata file: YAML or JSON in the proto3 JSON mapping of
//! `govshare.v1.ResourceMetadata`, with enum values also written as short names or Chinese labels.

use std::io::Read as _;
use std::path::Path;

use anyhow::Context as _;
use prost::Message as _;
use prost_reflect::{DynamicMessage, Kind, MessageDescriptor};
use serde_json::Value;

use crate::enums;
use crate::proto::ResourceMetadata;

const METADATA: &str = "govshare.v1.ResourceMetadata";

/// The syntax of a metadata file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    /// YAML, which also reads JSON.
    Yaml,
}

impl Syntax {
    /// `.json` is JSON; anything else (`.yaml`, `.yml`, stdin) is read as YAML.
    pub fn of(path: &Path) -> Syntax {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Syntax::Json,
            _ => Syntax::Yaml,
        }
    }
}

/// Reads the metadata file at `path` (`-`: stdin).
pub fn load(path: &Path) -> anyhow::Result<ResourceMetadata> {
    let text = if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the metadata from stdin")?;
        text
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the metadata file {}", path.display()))?
    };
    parse(&text, Syntax::of(path)).with_context(|| format!("in {}", path.display()))
}

/// Parses metadata text.
pub fn parse(text: &str, syntax: Syntax) -> anyhow::Result<ResourceMetadata> {
    let mut value: Value = match syntax {
        Syntax::Json => serde_json::from_str(text).context("not valid JSON")?,
        Syntax::Yaml => serde_yaml::from_str(text).context("not valid YAML")?,
    };
    let desc = enums::pool()?
        .get_message_by_name(METADATA)
        .ok_or_else(|| anyhow::anyhow!("message {METADATA} is not in the contract"))?;
    anyhow::ensure!(
        value.is_object(),
        "expected a mapping of metadata fields (classification, name, summary, …)"
    );
    // Paths read as in the server's field violations: `metadata.items[2].data_type`.
    normalize_message(&mut value, &desc, "metadata")?;
    let dynamic = DynamicMessage::deserialize(desc, value)?;
    Ok(ResourceMetadata::decode(
        dynamic.encode_to_vec().as_slice(),
    )?)
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Checks a JSON object against `desc` field by field, naming the path of the first problem,
/// and rewrites friendly enum values to their proto names.
fn normalize_message(
    value: &mut Value,
    desc: &MessageDescriptor,
    path: &str,
) -> anyhow::Result<()> {
    let Value::Object(fields) = value else {
        anyhow::bail!("{}: expected a mapping", or_root(path));
    };
    for (key, field_value) in fields.iter_mut() {
        let field = desc
            .get_field_by_name(key)
            .or_else(|| desc.get_field_by_json_name(key))
            .ok_or_else(|| {
                let names: Vec<String> = desc.fields().map(|f| f.name().to_string()).collect();
                anyhow::anyhow!(
                    "{}: unknown field; expected one of {}",
                    join(path, key),
                    names.join(", ")
                )
            })?;
        let field_path = join(path, field.name());
        if field.is_list() {
            match field_value {
                Value::Null => {}
                Value::Array(elements) => {
                    for (i, element) in elements.iter_mut().enumerate() {
                        normalize_value(element, &field.kind(), &format!("{field_path}[{i}]"))?;
                    }
                }
                _ => anyhow::bail!("{field_path}: expected a list"),
            }
        } else {
            normalize_value(field_value, &field.kind(), &field_path)?;
        }
    }
    Ok(())
}

fn normalize_value(value: &mut Value, kind: &Kind, path: &str) -> anyhow::Result<()> {
    if value.is_null() {
        return Ok(());
    }
    match kind {
        Kind::Message(desc) => normalize_message(value, desc, path),
        Kind::Enum(desc) => {
            if let Value::String(text) = value {
                let resolved =
                    enums::resolve(desc, text).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
                *value = Value::String(resolved.name().to_string());
            }
            Ok(())
        }
        Kind::String => match value {
            Value::String(_) => Ok(()),
            // YAML reads `item: 12` as a number; an integer keeps its digits as text.
            Value::Number(n) if n.is_u64() || n.is_i64() => {
                *value = Value::String(n.to_string());
                Ok(())
            }
            other => anyhow::bail!("{path}: expected text, found {other}; quote it in YAML"),
        },
        Kind::Bool => match value {
            Value::Bool(_) => Ok(()),
            other => anyhow::bail!("{path}: expected true or false, found {other}"),
        },
        Kind::Bytes => Ok(()),
        _ => match value {
            Value::Number(_) | Value::String(_) => Ok(()),
            other => anyhow::bail!("{path}: expected a number, found {other}"),
        },
    }
}

fn or_root(path: &str) -> &str {
    if path.is_empty() { "metadata" } else { path }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::proto::{Category, DataType, FormatKind, ShareMode, ShareType, UpdateCycle};

    const EXAMPLE: &str = include_str!("../../../deploy/examples/entry.yaml");

    #[test]
    fn example_file_parses_with_all_thirteen_elements() {
        let m = parse(EXAMPLE, Syntax::Yaml).unwrap();
        let classification = m.classification.clone().unwrap();
        assert_eq!(classification.category, Category::Base as i32);
        assert_eq!(classification.item, "01");
        assert!(!m.name.is_empty());
        assert!(!m.summary.is_empty());
        assert_eq!(m.format.clone().unwrap().kind, FormatKind::Database as i32);
        assert!(m.items.len() >= 3);
        assert!(
            m.items
                .iter()
                .all(|i| i.data_type != 0 && !i.name.is_empty())
        );
        let sharing = m.sharing.clone().unwrap();
        assert_eq!(sharing.share_type, ShareType::Conditional as i32);
        assert_eq!(sharing.mode, ShareMode::PlatformInterface as i32);
        assert!(!sharing.condition.is_empty());
        assert!(m.open.is_some());
        assert_eq!(m.update_cycle, UpdateCycle::Daily as i32);
        assert_eq!(m.publish_date.len(), 10);
        assert!(!m.related_codes.is_empty());
        assert!(!m.keywords.is_empty());
    }

    #[test]
    fn example_file_passes_the_guideline_checks() {
        let mut m = parse(EXAMPLE, Syntax::Yaml).unwrap();
        // The server fills in the caller's department when the file leaves it out.
        m.provider_code = "111100000000134122".into();
        let checked = govshare_model::validate(&govshare_proto::convert::metadata_input(m));
        assert!(checked.is_ok(), "{checked:?}");
    }

    #[test]
    fn chinese_labels_are_accepted() {
        let yaml = "classification: {category: 主题}\nformat: {kind: 电子表格}\n\
                    sharing: {share_type: 不予共享, mode: 共享平台（文件）}\nupdate_cycle: 每季度\n\
                    items: [{name: 金额, data_type: 货币型}]\n";
        let m = parse(yaml, Syntax::Yaml).unwrap();
        assert_eq!(m.classification.unwrap().category, Category::Theme as i32);
        assert_eq!(m.format.unwrap().kind, FormatKind::Spreadsheet as i32);
        let sharing = m.sharing.unwrap();
        assert_eq!(sharing.share_type, ShareType::NotShared as i32);
        assert_eq!(sharing.mode, ShareMode::PlatformFile as i32);
        assert_eq!(m.update_cycle, UpdateCycle::Quarterly as i32);
        assert_eq!(m.items[0].data_type, DataType::Y as i32);
    }

    #[test]
    fn short_names_and_full_names_are_accepted_in_any_case() {
        let yaml = "sharing: {share_type: conditional, mode: SHARE_MODE_EMAIL}\n\
                    items: [{name: a, data_type: c}, {name: b, data_type: DATA_TYPE_N}]\n\
                    update_cycle: half_yearly\n";
        let m = parse(yaml, Syntax::Yaml).unwrap();
        let sharing = m.sharing.unwrap();
        assert_eq!(sharing.share_type, ShareType::Conditional as i32);
        assert_eq!(sharing.mode, ShareMode::Email as i32);
        assert_eq!(m.items[0].data_type, DataType::C as i32);
        assert_eq!(m.items[1].data_type, DataType::N as i32);
        assert_eq!(m.update_cycle, UpdateCycle::HalfYearly as i32);
    }

    #[test]
    fn unknown_enum_value_names_its_path_and_the_choices() {
        let yaml = "items:\n  - {name: a, data_type: C}\n  - {name: b, data_type: N}\n  - {name: c, data_type: X}\n";
        let err = parse(yaml, Syntax::Yaml).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "metadata.items[2].data_type: unknown value \"X\"; expected one of C, N, Y, D"
            ),
            "{err}"
        );
        assert!(err.contains("字符型"), "{err}");
    }

    #[test]
    fn yaml_and_json_give_the_same_metadata() {
        let json = serde_json::to_string(&serde_yaml::from_str::<Value>(EXAMPLE).unwrap()).unwrap();
        assert_eq!(
            parse(&json, Syntax::Json).unwrap(),
            parse(EXAMPLE, Syntax::Yaml).unwrap()
        );
        assert_eq!(Syntax::of(Path::new("entry.JSON")), Syntax::Json);
        assert_eq!(Syntax::of(Path::new("entry.yml")), Syntax::Yaml);
        assert_eq!(Syntax::of(Path::new("-")), Syntax::Yaml);
    }

    #[test]
    fn json_camel_case_names_are_accepted() {
        let json = r#"{"updateCycle": "每月", "items": [{"name": "a", "dataType": "I", "shareType": "无条件共享"}]}"#;
        let m = parse(json, Syntax::Json).unwrap();
        assert_eq!(m.update_cycle, UpdateCycle::Monthly as i32);
        assert_eq!(m.items[0].share_type, ShareType::Unconditional as i32);
    }

    #[test]
    fn yaml_integers_in_text_fields_keep_their_digits() {
        let m = parse("classification: {item: 01, subitem: 123}\n", Syntax::Yaml).unwrap();
        let classification = m.classification.unwrap();
        assert_eq!(
            (
                classification.item.as_str(),
                classification.subitem.as_str()
            ),
            ("01", "123")
        );
    }

    #[test]
    fn other_scalars_in_text_fields_are_refused_with_their_path() {
        let err = parse("open: {condition: 1.5}\n", Syntax::Yaml)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("metadata.open.condition: expected text, found 1.5"),
            "{err}"
        );
        let err = parse("open: {open_to_public: 是}\n", Syntax::Yaml)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("metadata.open.open_to_public: expected true or false"),
            "{err}"
        );
    }

    #[test]
    fn unknown_field_is_refused_with_its_path() {
        let err = parse("items: [{name: a, typ: C}]\n", Syntax::Yaml)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("metadata.items[0].typ: unknown field"),
            "{err}"
        );
    }

    #[test]
    fn unquoted_yaml_date_is_text() {
        let m = parse("publish_date: 2024-03-15\n", Syntax::Yaml).unwrap();
        assert_eq!(m.publish_date, "2024-03-15");
    }
}
