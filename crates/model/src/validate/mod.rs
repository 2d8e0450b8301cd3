//! [`validate`]: raw input to [`ResourceMetadata`], reporting every failing field at once.

mod checks;
mod items;
mod sharing;

use crate::code::ResourceCode;
use crate::credit_code::CreditCode;
use crate::date::{self, DateError};
use crate::enums::{Category, FormatKind, UpdateCycle};
use crate::input::{ClassificationInput, FormatInput, MetadataInput, OpenInput};
use crate::metadata::{Classification, OpenAttributes, ResourceFormat, ResourceMetadata};
use crate::text;
use crate::violation::{FieldReason, Violations, excerpt};
use checks::{bounded_text, required_enum, trimmed_text};
use std::collections::HashMap;

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_SUMMARY_CHARS: usize = 4000;
pub const MAX_ITEMS: usize = 1000;
pub const MAX_ITEM_NAME_CHARS: usize = 100;
pub const MAX_ITEM_LENGTH: u32 = 1_000_000;
pub const MAX_KEYWORDS: usize = 20;
pub const MAX_KEYWORD_CHARS: usize = 50;
pub const MAX_ITEM_DESCRIPTION_CHARS: usize = 2000;
/// 共享条件 and 开放条件.
pub const MAX_CONDITION_CHARS: usize = 2000;
pub const MAX_BASIS_CHARS: usize = 2000;
pub const MAX_FORMAT_DETAIL_CHARS: usize = 200;
pub const MAX_RELATED_CODES: usize = 100;

/// Checks every rule of the guideline on `input` and returns the metadata, or every violation
/// found, in field order. Name, summary, item names and keywords are trimmed; other text is
/// kept as given. `provider_name` is left empty for the server to fill.
pub fn validate(input: &MetadataInput) -> Result<ResourceMetadata, Violations> {
    let MetadataInput {
        classification,
        name,
        provider_code,
        summary,
        format,
        items,
        sharing,
        open,
        update_cycle,
        publish_date,
        related_codes,
        keywords,
        classified,
    } = input;
    let v = &mut Violations::new();

    // Counts first: a list over its limit is refused before any of its elements is looked
    // at, so that no call costs more than the limits allow.
    let too_many = [
        items::too_many_items(v, items),
        too_many(
            v,
            "keywords",
            keywords.len(),
            MAX_KEYWORDS,
            ("关键词", "keywords"),
        ),
        too_many(
            v,
            "related_codes",
            related_codes.len(),
            MAX_RELATED_CODES,
            ("关联资源代码", "related codes"),
        ),
    ];
    if too_many.contains(&true) {
        return Err(std::mem::take(v));
    }

    let classification = check_classification(v, classification);
    let name = trimmed_text(v, "name", name, ("信息资源名称", "name"), MAX_NAME_CHARS);
    let provider_code = check_provider_code(v, provider_code);
    let summary = trimmed_text(
        v,
        "summary",
        summary,
        ("信息资源摘要", "summary"),
        MAX_SUMMARY_CHARS,
    );
    let format = check_format(v, format);
    let items = items::check_items(v, items);
    let (sharing, items) = sharing::check_sharing(v, sharing, items);
    let open = check_open(v, open);
    let update_cycle = required_enum::<UpdateCycle>(v, "update_cycle", *update_cycle);
    let publish_date = check_publish_date(v, publish_date);
    let related_codes = check_related_codes(v, related_codes);
    let keywords = check_keywords(v, keywords);
    if *classified {
        v.add(
            "classified",
            FieldReason::NotAllowed,
            text!(
                "涉密信息资源不得在共享平台登记",
                "classified resources cannot be registered on the sharing platform"
            ),
        );
    }

    match (
        classification,
        name,
        provider_code,
        summary,
        format,
        items,
        sharing,
        update_cycle,
        publish_date,
        related_codes,
        keywords,
    ) {
        (
            Some(classification),
            Some(name),
            Some(provider_code),
            Some(summary),
            Some(format),
            Some(items),
            Some(sharing),
            Some(update_cycle),
            Some(publish_date),
            Some(related_codes),
            Some(keywords),
        ) if v.is_empty() => Ok(ResourceMetadata {
            classification,
            name,
            provider_code,
            provider_name: String::new(),
            summary,
            format,
            items,
            sharing,
            open,
            update_cycle,
            publish_date,
            related_codes,
            keywords,
        }),
        _ => {
            debug_assert!(!v.is_empty(), "a missing field must come with a violation");
            Err(std::mem::take(v))
        }
    }
}

/// Reports a list of `count` elements over `max`; true if it is.
pub(super) fn too_many(
    v: &mut Violations,
    field: &str,
    count: usize,
    max: usize,
    (what_zh, what_en): (&str, &str),
) -> bool {
    if count <= max {
        return false;
    }
    v.add(
        field,
        FieldReason::TooMany,
        text!(
            "{what_zh}不能超过{max}个，实际为{count}个",
            "at most {max} {what_en}, got {count}"
        ),
    );
    true
}

fn check_classification(v: &mut Violations, input: &ClassificationInput) -> Option<Classification> {
    let ClassificationInput {
        category,
        item,
        subitem,
        detail,
    } = input;
    let category = required_enum::<Category>(v, "classification.category", *category);
    let item = checks::digits(v, "classification.item", item, 2..=2, ("项", "item"));
    let subitem = checks::digits(
        v,
        "classification.subitem",
        subitem,
        3..=3,
        ("目", "subitem"),
    );
    let detail = checks::digits(
        v,
        "classification.detail",
        detail,
        0..=12,
        ("细目", "detail"),
    );
    Some(Classification {
        category: category?,
        item: item?,
        subitem: subitem?,
        detail: detail?,
    })
}

fn check_provider_code(v: &mut Violations, code: &str) -> Option<CreditCode> {
    if code.is_empty() {
        v.add(
            "provider_code",
            FieldReason::Required,
            text!(
                "提供方代码为必填项，应为18位统一社会信用代码",
                "provider_code is required: the 18-character unified social credit code"
            ),
        );
        return None;
    }
    CreditCode::parse(code)
        .map_err(|e| v.add("provider_code", FieldReason::InvalidFormat, e.text()))
        .ok()
}

fn check_format(v: &mut Violations, input: &FormatInput) -> Option<ResourceFormat> {
    let FormatInput { kind, detail } = input;
    let kind = required_enum::<FormatKind>(v, "format.kind", *kind);
    if !bounded_text(
        v,
        "format.detail",
        detail,
        ("具体格式", "format.detail"),
        MAX_FORMAT_DETAIL_CHARS,
    ) {
        return None;
    }
    let kind = kind?;
    let allowed = kind.allowed_details();
    let detail = match kind {
        FormatKind::SelfDescribing => detail.clone(),
        FormatKind::Other => {
            if detail.trim().is_empty() {
                v.add(
                    "format.detail",
                    FieldReason::Required,
                    text!(
                        "格式类型为其他时须说明具体格式",
                        "format.detail is required for OTHER: describe the format"
                    ),
                );
                return None;
            }
            detail.clone()
        }
        _ => {
            let wanted = detail.trim();
            match allowed.iter().find(|a| a.eq_ignore_ascii_case(wanted)) {
                Some(canonical) => (*canonical).to_owned(),
                None => {
                    let list = allowed.join(", ");
                    let detail = excerpt(detail);
                    let (label, name) = (kind.label_zh(), kind.name());
                    if wanted.is_empty() {
                        v.add(
                            "format.detail",
                            FieldReason::Required,
                            text!(
                                "格式类型为{label}时须填写具体格式，可选：{list}",
                                "format.detail is required for {name}; one of: {list}"
                            ),
                        );
                    } else {
                        v.add(
                            "format.detail",
                            FieldReason::UnknownValue,
                            text!(
                                "“{detail}”不是{label}的格式，可选：{list}",
                                "\"{detail}\" is not a {name} format; expected one of: {list}"
                            ),
                        );
                    }
                    return None;
                }
            }
        }
    };
    Some(ResourceFormat { kind, detail })
}

fn check_open(v: &mut Violations, input: &OpenInput) -> OpenAttributes {
    let OpenInput {
        open_to_public,
        condition,
    } = input;
    bounded_text(
        v,
        "open.condition",
        condition,
        ("开放条件", "open.condition"),
        MAX_CONDITION_CHARS,
    );
    if !open_to_public && !condition.trim().is_empty() {
        v.add(
            "open.condition",
            FieldReason::Inconsistent,
            text!(
                "不向社会开放时不应填写开放条件",
                "open.condition must be empty when the resource is not open to the public"
            ),
        );
    }
    OpenAttributes {
        open_to_public: *open_to_public,
        condition: condition.clone(),
    }
}

fn check_publish_date(v: &mut Violations, s: &str) -> Option<chrono::NaiveDate> {
    if s.is_empty() {
        v.add(
            "publish_date",
            FieldReason::Required,
            text!(
                "发布日期为必填项，格式为YYYY-MM-DD",
                "publish_date is required, as YYYY-MM-DD"
            ),
        );
        return None;
    }
    match date::parse_strict(s) {
        Ok(d) => Some(d),
        Err(DateError::Format) => {
            let s = excerpt(s);
            v.add(
                "publish_date",
                FieldReason::InvalidFormat,
                text!(
                    "发布日期应为YYYY-MM-DD格式，实际为“{s}”",
                    "publish_date must be YYYY-MM-DD, got \"{s}\""
                ),
            );
            None
        }
        Err(DateError::NoSuchDay) => {
            v.add(
                "publish_date",
                FieldReason::InvalidFormat,
                text!(
                    "发布日期“{s}”不是有效日期",
                    "publish_date \"{s}\" is not a real date"
                ),
            );
            None
        }
    }
}

fn check_related_codes(v: &mut Violations, codes: &[String]) -> Option<Vec<ResourceCode>> {
    // Each distinct code, in order, and the position where it first appears.
    let mut distinct: Vec<ResourceCode> = Vec::with_capacity(codes.len());
    let mut first_at: HashMap<ResourceCode, usize> = HashMap::with_capacity(codes.len());
    let mut ok = true;
    for (i, raw) in codes.iter().enumerate() {
        let field = format!("related_codes[{i}]");
        match ResourceCode::parse(raw) {
            Ok(code) => match first_at.get(&code) {
                Some(first) => {
                    let (n, m) = (i + 1, first + 1);
                    v.add(
                        field,
                        FieldReason::Duplicate,
                        text!(
                            "关联资源代码“{raw}”重复（第{n}个与第{m}个相同）",
                            "related code \"{raw}\" at position {n} duplicates position {m}"
                        ),
                    );
                    ok = false;
                }
                None => {
                    first_at.insert(code.clone(), i);
                    distinct.push(code);
                }
            },
            Err(e) => {
                v.add(field, FieldReason::InvalidFormat, e.text());
                ok = false;
            }
        }
    }
    ok.then_some(distinct)
}

fn check_keywords(v: &mut Violations, keywords: &[String]) -> Option<Vec<String>> {
    let mut ok = true;
    let mut out = Vec::with_capacity(keywords.len());
    for (i, k) in keywords.iter().enumerate() {
        let field = format!("keywords[{i}]");
        match trimmed_text(v, &field, k, ("关键词", "keyword"), MAX_KEYWORD_CHARS) {
            Some(k) => out.push(k),
            None => ok = false,
        }
    }
    ok.then_some(out)
}
