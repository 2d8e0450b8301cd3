//! Enum values of the contract for people: the Chinese labels (one table), lenient parsing of
//! names, short names and labels, and display in tables.

use std::sync::OnceLock;

use prost_reflect::{DescriptorPool, EnumDescriptor, EnumValueDescriptor};

use crate::proto::FILE_DESCRIPTOR_SET;

/// The Chinese label of each enum value, as written in the comments of the enums in
/// `proto/govshare/v1/` (a unit test keeps the two in step).
const LABELS: &[(&str, &str)] = &[
    ("ROLE_ADMIN", "平台管理员"),
    ("ROLE_CATALOGUER", "目录编制员"),
    ("ROLE_APPROVER", "共享审核员"),
    ("ROLE_CONSUMER", "数据使用方"),
    ("ROLE_AUDITOR", "审计员"),
    ("CATEGORY_BASE", "基础"),
    ("CATEGORY_THEME", "主题"),
    ("CATEGORY_DEPARTMENT", "部门"),
    ("SHARE_TYPE_UNCONDITIONAL", "无条件共享"),
    ("SHARE_TYPE_CONDITIONAL", "有条件共享"),
    ("SHARE_TYPE_NOT_SHARED", "不予共享"),
    ("SHARE_MODE_PLATFORM_DATABASE", "共享平台（数据库）"),
    ("SHARE_MODE_PLATFORM_INTERFACE", "共享平台（接口）"),
    ("SHARE_MODE_PLATFORM_FILE", "共享平台（文件）"),
    ("SHARE_MODE_EMAIL", "邮件"),
    ("SHARE_MODE_DISK", "拷盘"),
    ("SHARE_MODE_MEDIA", "介质交换"),
    ("FORMAT_KIND_ELECTRONIC_FILE", "电子文件"),
    ("FORMAT_KIND_SPREADSHEET", "电子表格"),
    ("FORMAT_KIND_DATABASE", "数据库"),
    ("FORMAT_KIND_IMAGE", "图形图像"),
    ("FORMAT_KIND_STREAMING_MEDIA", "流媒体"),
    ("FORMAT_KIND_SELF_DESCRIBING", "自描述格式"),
    ("FORMAT_KIND_OTHER", "其他"),
    ("DATA_TYPE_C", "字符型"),
    ("DATA_TYPE_N", "数值型"),
    ("DATA_TYPE_Y", "货币型"),
    ("DATA_TYPE_D", "日期型"),
    ("DATA_TYPE_T", "日期时间型"),
    ("DATA_TYPE_L", "逻辑型"),
    ("DATA_TYPE_M", "备注型"),
    ("DATA_TYPE_G", "通用型"),
    ("DATA_TYPE_B", "双精度型"),
    ("DATA_TYPE_I", "整型"),
    ("DATA_TYPE_F", "浮点型"),
    ("UPDATE_CYCLE_REALTIME", "实时"),
    ("UPDATE_CYCLE_DAILY", "每日"),
    ("UPDATE_CYCLE_WEEKLY", "每周"),
    ("UPDATE_CYCLE_MONTHLY", "每月"),
    ("UPDATE_CYCLE_QUARTERLY", "每季度"),
    ("UPDATE_CYCLE_HALF_YEARLY", "每半年"),
    ("UPDATE_CYCLE_YEARLY", "每年"),
    ("UPDATE_CYCLE_IRREGULAR", "不定期"),
    ("ENTRY_STATE_DRAFT", "已创建"),
    ("ENTRY_STATE_PENDING_PUBLISH", "发布待审核"),
    ("ENTRY_STATE_PUBLISHED", "已发布"),
    ("ENTRY_STATE_PUBLISH_REJECTED", "发布已驳回"),
    ("ENTRY_STATE_PENDING_REVOKE", "撤销待审核"),
    ("ENTRY_STATE_REVOKED", "已撤销"),
    ("REQUEST_STATE_PENDING", "待答复"),
    ("REQUEST_STATE_APPROVED", "已同意"),
    ("REQUEST_STATE_REJECTED", "已拒绝"),
    ("REQUEST_STATE_WITHDRAWN", "已撤回"),
    ("GRANT_STATE_ACTIVE", "有效"),
    ("GRANT_STATE_EXPIRED", "已过期"),
    ("GRANT_STATE_REVOKED", "已撤销"),
    ("DIRECTION_OUTGOING", "本部门申请"),
    ("DIRECTION_INCOMING", "向本部门申请"),
    ("GRANT_FLAG_KIND_ITEM_REMOVED", "信息项已删除"),
    ("GRANT_FLAG_KIND_ITEM_RETYPED", "信息项类型已变更"),
    ("GRANT_FLAG_KIND_ITEM_NOT_SHARED", "信息项已改为不予共享"),
    ("GRANT_FLAG_KIND_ENTRY_WITHDRAWN", "目录已撤销或不予共享"),
    ("GRANT_EVENT_KIND_ISSUED", "授权"),
    ("GRANT_EVENT_KIND_REVOKED", "撤销授权"),
    ("CATALOG_EVENT_KIND_REGISTERED", "已登记"),
    ("CATALOG_EVENT_KIND_UPDATED", "已修改"),
    ("CATALOG_EVENT_KIND_SUBMITTED", "已提交审核"),
    ("CATALOG_EVENT_KIND_PUBLISHED", "已发布"),
    ("CATALOG_EVENT_KIND_PUBLISH_REJECTED", "发布已驳回"),
    ("CATALOG_EVENT_KIND_REVOCATION_REQUESTED", "已申请撤销"),
    ("CATALOG_EVENT_KIND_REVOKED", "已撤销"),
    ("CATALOG_EVENT_KIND_REVOCATION_REJECTED", "撤销已驳回"),
];

/// The contract's descriptors, decoded once.
pub fn pool() -> anyhow::Result<&'static DescriptorPool> {
    static POOL: OnceLock<Result<DescriptorPool, String>> = OnceLock::new();
    POOL.get_or_init(|| DescriptorPool::decode(FILE_DESCRIPTOR_SET).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| anyhow::anyhow!("the built-in descriptor set is unreadable: {e}"))
}

/// The descriptor of the enum `full_name` (e.g. `govshare.v1.Role`).
pub fn descriptor(full_name: &str) -> anyhow::Result<EnumDescriptor> {
    pool()?
        .get_enum_by_name(full_name)
        .ok_or_else(|| anyhow::anyhow!("enum {full_name} is not in the contract"))
}

/// The Chinese label of an enum value name such as `SHARE_TYPE_CONDITIONAL`.
pub fn label(value_name: &str) -> Option<&'static str> {
    LABELS
        .iter()
        .find(|(name, _)| *name == value_name)
        .map(|(_, label)| *label)
}

/// The prefix protobuf style puts on every value: `ShareType` → `SHARE_TYPE_`.
fn prefix(desc: &EnumDescriptor) -> String {
    let mut out = String::new();
    for (i, c) in desc.name().chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_uppercase());
    }
    out.push('_');
    out
}

/// `SHARE_TYPE_CONDITIONAL` → `CONDITIONAL`.
pub fn short_name(desc: &EnumDescriptor, value_name: &str) -> String {
    let prefix = prefix(desc);
    value_name
        .strip_prefix(prefix.as_str())
        .unwrap_or(value_name)
        .to_string()
}

/// Folds the spellings people use: ASCII case, surrounding blanks, full-width parentheses.
fn fold(text: &str) -> String {
    text.trim()
        .replace('（', "(")
        .replace('）', ")")
        .to_uppercase()
}

/// Resolves `text` to a value of `desc`: the exact name, the short name (`CONDITIONAL`, `c`), or
/// the Chinese label (`有条件共享`). The error says what was expected.
pub fn resolve(desc: &EnumDescriptor, text: &str) -> Result<EnumValueDescriptor, String> {
    if let Some(value) = desc.get_value_by_name(text) {
        return Ok(value);
    }
    let folded = fold(text).replace(['-', ' '], "_");
    let prefixed = format!("{}{folded}", prefix(desc));
    let found = desc
        .get_value_by_name(&folded)
        .or_else(|| desc.get_value_by_name(&prefixed))
        .or_else(|| {
            desc.values()
                .find(|v| label(v.name()).is_some_and(|l| fold(l) == fold(text)))
        });
    found.ok_or_else(|| format!("unknown value {text:?}; expected one of {}", expected(desc)))
}

/// `C, N, Y, … (or 字符型, 数值型, …)`: the values a person may write, without UNSPECIFIED.
pub fn expected(desc: &EnumDescriptor) -> String {
    let values: Vec<EnumValueDescriptor> = desc.values().filter(|v| v.number() != 0).collect();
    let shorts: Vec<String> = values.iter().map(|v| short_name(desc, v.name())).collect();
    let labels: Vec<&str> = values.iter().filter_map(|v| label(v.name())).collect();
    if labels.is_empty() {
        shorts.join(", ")
    } else {
        format!("{} (or {})", shorts.join(", "), labels.join(", "))
    }
}

/// For tables: the Chinese label of value `number` of enum `full_name`, else its short name;
/// `-` for UNSPECIFIED.
pub fn display(full_name: &str, number: i32) -> String {
    let Ok(desc) = descriptor(full_name) else {
        return number.to_string();
    };
    match desc.get_value(number) {
        Some(_) if number == 0 => "-".to_string(),
        Some(value) => label(value.name())
            .map(str::to_string)
            .unwrap_or_else(|| short_name(&desc, value.name())),
        None => number.to_string(),
    }
}

/// For tables: the short name (`ADMIN`) of value `number` of enum `full_name`.
pub fn short(full_name: &str, number: i32) -> String {
    match descriptor(full_name) {
        Ok(desc) => desc
            .get_value(number)
            .map(|v| short_name(&desc, v.name()))
            .unwrap_or_else(|| number.to_string()),
        Err(_) => number.to_string(),
    }
}

/// A clap value parser for a command-line enum value; UNSPECIFIED is refused.
fn parse_arg(full_name: &str, text: &str) -> Result<i32, String> {
    let desc = descriptor(full_name).map_err(|e| e.to_string())?;
    let value = resolve(&desc, text)?;
    if value.number() == 0 {
        return Err(format!("expected one of {}", expected(&desc)));
    }
    Ok(value.number())
}

/// `--role`: ADMIN, CATALOGUER, APPROVER, CONSUMER, AUDITOR (any case) or the Chinese label.
pub fn parse_role(text: &str) -> Result<i32, String> {
    parse_arg("govshare.v1.Role", text)
}

/// `--category`: BASE, THEME, DEPARTMENT or 基础, 主题, 部门.
pub fn parse_category(text: &str) -> Result<i32, String> {
    parse_arg("govshare.v1.Category", text)
}

/// `--share-type`: UNCONDITIONAL, CONDITIONAL, NOT_SHARED or the Chinese label.
pub fn parse_share_type(text: &str) -> Result<i32, String> {
    parse_arg("govshare.v1.ShareType", text)
}

/// `--state`: DRAFT, PENDING_PUBLISH, PUBLISHED, … or the Chinese label.
pub fn parse_state(text: &str) -> Result<i32, String> {
    parse_arg("govshare.v1.EntryState", text)
}

/// `--update-cycle`: DAILY, MONTHLY, … or 每日, 每月, ….
pub fn parse_update_cycle(text: &str) -> Result<i32, String> {
    parse_arg("govshare.v1.UpdateCycle", text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::proto::Role;

    /// Each model state the CLI prints has the model's own Chinese label.
    #[test]
    fn labels_match_the_model() {
        use govshare_model::{GrantFlagKind, GrantState, RequestState};
        macro_rules! check {
            ($($model:ty => $prefix:literal);+ $(;)?) => {$(
                for &value in <$model>::ALL {
                    let name = format!("{}_{}", $prefix, value.name());
                    assert_eq!(label(&name), Some(value.label_zh()), "{name}");
                }
            )+};
        }
        check! {
            RequestState => "REQUEST_STATE";
            GrantState => "GRANT_STATE";
            GrantFlagKind => "GRANT_FLAG_KIND";
        }
    }

    #[test]
    fn roles_parse_case_insensitively() {
        assert_eq!(parse_role("ADMIN"), Ok(Role::Admin as i32));
        assert_eq!(parse_role("cataloguer"), Ok(Role::Cataloguer as i32));
        assert_eq!(parse_role("Approver"), Ok(Role::Approver as i32));
        assert_eq!(parse_role("ROLE_CONSUMER"), Ok(Role::Consumer as i32));
        assert_eq!(parse_role("审计员"), Ok(Role::Auditor as i32));
    }

    #[test]
    fn unknown_and_unspecified_roles_are_refused_with_the_choices() {
        let err = parse_role("superuser").unwrap_err();
        assert!(
            err.contains("ADMIN, CATALOGUER, APPROVER, CONSUMER, AUDITOR"),
            "{err}"
        );
        assert!(parse_role("unspecified").is_err());
    }

    #[test]
    fn share_modes_accept_half_width_parentheses() {
        let desc = descriptor("govshare.v1.ShareMode").unwrap();
        assert_eq!(
            resolve(&desc, "共享平台(接口)").unwrap().name(),
            "SHARE_MODE_PLATFORM_INTERFACE"
        );
        assert_eq!(
            resolve(&desc, "platform-file").unwrap().name(),
            "SHARE_MODE_PLATFORM_FILE"
        );
    }

    #[test]
    fn display_prefers_the_chinese_label() {
        assert_eq!(display("govshare.v1.EntryState", 3), "已发布");
        assert_eq!(short("govshare.v1.Role", 1), "ADMIN");
    }

    /// The label table and the comments of common.proto say the same thing. The reasons of
    /// refusals (ErrorReason) are no values a user picks, and have no labels.
    #[test]
    fn labels_match_the_proto_comments() {
        let pool = pool().unwrap();
        let mut checked = 0;
        for desc in pool
            .all_enums()
            .filter(|e| e.package_name() == "govshare.v1" && e.name() != "ErrorReason")
        {
            for value in desc.values().filter(|v| v.number() != 0) {
                let file = value.parent_file();
                let info = file
                    .file_descriptor_proto()
                    .source_code_info
                    .clone()
                    .unwrap();
                let location = info
                    .location
                    .iter()
                    .find(|l| l.path == value.path())
                    .unwrap();
                let comment = location.trailing_comments().trim();
                assert_eq!(label(value.name()), Some(comment), "{}", value.name());
                checked += 1;
            }
        }
        assert_eq!(checked, LABELS.len());
    }
}
