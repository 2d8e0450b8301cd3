//! The columns of the catalogue template (政务信息资源目录编制表), shared by import and export.
//!
//! One row per 信息项 (information item). The entry's own columns come first and are either
//! repeated on every item row of the entry or left empty (merged cells read as empty) on the
//! rows after its first; the item columns come last. In template order:
//!
//! | # | header | English alias | level | value |
//! |---|---|---|---|---|
//! | 1 | 序号 | no | key | the entry's number in the sheet (optional) |
//! | 2 | 信息资源代码 | code | key | 3 信息资源代码; written by export, never imported: the service assigns new codes |
//! | 3 | 信息资源名称 | name | key, required | 2 信息资源名称 |
//! | 4 | 信息资源摘要 | summary | required | 6 信息资源摘要 |
//! | 5 | 信息资源提供方 | provider | | 4 提供方; written by export, never imported: the service fills it in |
//! | 6 | 提供方代码 | provider_code | | 5 统一社会信用代码; empty: the importing department |
//! | 7 | 类 | category | required | 1 分类：基础, 主题, 部门 (or 1, 2, 3) |
//! | 8 | 项 | item | required | 1 分类：2 digits |
//! | 9 | 目 | subitem | required | 1 分类：3 digits |
//! | 10 | 细目 | detail | | 1 分类：digits |
//! | 11 | 格式类型 | format_kind | required | 7 格式：电子文件, 电子表格, 数据库, 图形图像, 流媒体, 自描述格式, 其他 |
//! | 12 | 格式 | format | required | 7 格式：xlsx, Dm, …; free text for 自描述格式 and 其他 |
//! | 13 | 共享类型 | share_type | required | 9 共享：无条件共享, 有条件共享, 不予共享 |
//! | 14 | 共享条件 | share_condition | | 9 共享：required for 有条件共享 |
//! | 15 | 共享方式 | share_mode | required | 9 共享：共享平台（数据库/接口/文件）, 邮件, 拷盘, 介质交换 |
//! | 16 | 不予共享依据 | not_shared_basis | | 9 共享：required for 不予共享 |
//! | 17 | 是否向社会开放 | open_to_public | | 10 开放：是/否 (empty: 否) |
//! | 18 | 开放条件 | open_condition | | 10 开放 |
//! | 19 | 更新周期 | update_cycle | required | 11：实时, 每日, 每周, 每月, 每季度, 每半年, 每年, 不定期 |
//! | 20 | 发布日期 | publish_date | required | 12：YYYY-MM-DD (or a date cell) |
//! | 21 | 关联资源代码 | related_codes | | 13：codes separated by ；, 、 or new lines |
//! | 22 | 关键字 | keywords | | separated like related codes |
//! | 23 | 是否涉密 | classified | | 是/否: a classified resource is refused |
//! | 24 | 信息项名称 | item_name | item, required | 8 信息项 |
//! | 25 | 数据类型 | data_type | item, required | C, N, Y, D, T, L, M, G, B, I, F or 字符型, 数值型, … |
//! | 26 | 数据长度 | length | item, required | a whole number ≥ 1 |
//! | 27 | 信息项共享类型 | item_share_type | item | empty: the entry's 共享类型 |
//! | 28 | 信息项说明 | item_description | item | |
//!
//! Enum cells take the contract's names, short names (any case) or the Chinese labels, as
//! metadata files do. Headers may also be written in English (the aliases, any case, with
//! spaces, `-` or `_`), and a `*` marking a required column is ignored.
//!
//! A row starts a new entry when one of its key cells (序号, 信息资源代码, 信息资源名称) holds a
//! value that differs from the entry above; a row whose key cells are empty or the same
//! continues that entry. On a continuing row an entry cell may be empty, repeat the value,
//! or give one the entry lacked; 关联资源代码 and 关键字 add their values.

/// A column of the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    Seq,
    Code,
    Name,
    Summary,
    ProviderName,
    ProviderCode,
    Category,
    Item,
    Subitem,
    Detail,
    FormatKind,
    FormatDetail,
    ShareType,
    ShareCondition,
    ShareMode,
    NotSharedBasis,
    OpenToPublic,
    OpenCondition,
    UpdateCycle,
    PublishDate,
    RelatedCodes,
    Keywords,
    Classified,
    ItemName,
    DataType,
    Length,
    ItemShareType,
    ItemDescription,
}

/// Where a column's value belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Tells entries apart; 信息资源名称 is also the entry's name.
    Key,
    /// The entry's own metadata.
    Entry,
    /// Written by export for people to read; the service sets it, so import ignores it.
    Informative,
    /// One 信息项 per row.
    Item,
}

/// What the template says about a column.
#[derive(Debug)]
pub struct Spec {
    pub column: Column,
    /// The Chinese header export writes.
    pub header: &'static str,
    /// Other headers import accepts: Chinese variants and English names.
    pub aliases: &'static [&'static str],
    pub level: Level,
    /// A file without this column is refused.
    pub required: bool,
    /// How to fill it in, for the instructions sheet (填写说明).
    pub help: &'static str,
}

const fn spec(
    column: Column,
    header: &'static str,
    aliases: &'static [&'static str],
    level: Level,
    required: bool,
    help: &'static str,
) -> Spec {
    Spec {
        column,
        header,
        aliases,
        level,
        required,
        help,
    }
}

use Level::{Entry, Informative, Item, Key};

/// Every column, in template order.
pub const COLUMNS: &[Spec] = &[
    spec(
        Column::Seq,
        "序号",
        &["编号", "no", "seq", "number", "#"],
        Key,
        false,
        "目录序号，可选；用于区分同名目录 (optional entry number)",
    ),
    spec(
        Column::Code,
        "信息资源代码",
        &["资源代码", "code", "resource_code"],
        Key,
        false,
        "导出时填写；导入时不使用，由服务重新分配 (written by export; import gets new codes)",
    ),
    spec(
        Column::Name,
        "信息资源名称",
        &["资源名称", "name", "title"],
        Key,
        true,
        "必填，不超过200字；新名称开始一条新目录 (required; a new name starts a new entry)",
    ),
    spec(
        Column::Summary,
        "信息资源摘要",
        &["资源摘要", "摘要", "summary", "description"],
        Entry,
        true,
        "必填 (required)",
    ),
    spec(
        Column::ProviderName,
        "信息资源提供方",
        &["提供方", "提供部门", "provider", "provider_name"],
        Informative,
        false,
        "导出时填写；导入时由服务按部门记录填写 (written by export; set by the service)",
    ),
    spec(
        Column::ProviderCode,
        "提供方代码",
        &[
            "信息资源提供方代码",
            "统一社会信用代码",
            "provider_code",
            "credit_code",
        ],
        Entry,
        false,
        "18位统一社会信用代码；留空为导入者所属部门 (credit code; empty: the importing department)",
    ),
    spec(
        Column::Category,
        "类",
        &["分类类", "资源分类类", "category"],
        Entry,
        true,
        "基础、主题、部门（或1、2、3） (BASE, THEME, DEPARTMENT)",
    ),
    spec(
        Column::Item,
        "项",
        &["分类项", "资源分类项", "classification_item"],
        Entry,
        true,
        "2位数字，如01 (2 digits)",
    ),
    spec(
        Column::Subitem,
        "目",
        &["分类目", "资源分类目", "subitem"],
        Entry,
        true,
        "3位数字，如001 (3 digits)",
    ),
    spec(
        Column::Detail,
        "细目",
        &["分类细目", "资源分类细目", "detail"],
        Entry,
        false,
        "数字，可选 (digits, optional)",
    ),
    spec(
        Column::FormatKind,
        "格式类型",
        &["信息资源格式类型", "资源格式类型", "format_kind"],
        Entry,
        true,
        "电子文件、电子表格、数据库、图形图像、流媒体、自描述格式、其他",
    ),
    spec(
        Column::FormatDetail,
        "格式",
        &["具体格式", "信息资源格式", "format", "format_detail"],
        Entry,
        true,
        "如xlsx、Dm、KingbaseES；自描述格式和其他填写说明 (e.g. xlsx, Dm; free text for OTHER)",
    ),
    spec(
        Column::ShareType,
        "共享类型",
        &["资源共享类型", "share_type"],
        Entry,
        true,
        "无条件共享、有条件共享、不予共享",
    ),
    spec(
        Column::ShareCondition,
        "共享条件",
        &["share_condition", "sharing_condition"],
        Entry,
        false,
        "有条件共享时必填 (required for 有条件共享)",
    ),
    spec(
        Column::ShareMode,
        "共享方式",
        &["share_mode", "sharing_mode"],
        Entry,
        true,
        "共享平台（数据库）、共享平台（接口）、共享平台（文件）、邮件、拷盘、介质交换",
    ),
    spec(
        Column::NotSharedBasis,
        "不予共享依据",
        &["不共享依据", "basis", "not_shared_basis"],
        Entry,
        false,
        "不予共享时必填：法律、行政法规或党中央、国务院政策依据 (required for 不予共享)",
    ),
    spec(
        Column::OpenToPublic,
        "是否向社会开放",
        &["开放类型", "是否开放", "open_to_public", "open"],
        Entry,
        false,
        "是/否，留空为否 (yes/no; empty: no)",
    ),
    spec(
        Column::OpenCondition,
        "开放条件",
        &["open_condition"],
        Entry,
        false,
        "向社会开放时可填 (only when open to the public)",
    ),
    spec(
        Column::UpdateCycle,
        "更新周期",
        &["update_cycle", "frequency"],
        Entry,
        true,
        "实时、每日、每周、每月、每季度、每半年、每年、不定期",
    ),
    spec(
        Column::PublishDate,
        "发布日期",
        &["publish_date", "issued"],
        Entry,
        true,
        "YYYY-MM-DD，如2024-03-15 (a date)",
    ),
    spec(
        Column::RelatedCodes,
        "关联资源代码",
        &["related_codes", "related"],
        Entry,
        false,
        "信息资源代码，多个用“；”或换行分隔 (codes, separated by ； or new lines)",
    ),
    spec(
        Column::Keywords,
        "关键字",
        &["关键词", "keywords", "keyword"],
        Entry,
        false,
        "多个用“；”分隔 (separated by ；)",
    ),
    spec(
        Column::Classified,
        "是否涉密",
        &["涉密", "classified"],
        Entry,
        false,
        "是/否，留空为否；涉密资源不得登记 (classified resources are refused)",
    ),
    spec(
        Column::ItemName,
        "信息项名称",
        &["数据项名称", "item_name"],
        Item,
        true,
        "必填，在本目录内唯一；每行一个信息项 (required, unique within the entry; one per row)",
    ),
    spec(
        Column::DataType,
        "数据类型",
        &["信息项数据类型", "data_type", "type"],
        Item,
        true,
        "C字符型、N数值型、Y货币型、D日期型、T日期时间型、L逻辑型、M备注型、G通用型、B双精度型、I整型、F浮点型",
    ),
    spec(
        Column::Length,
        "数据长度",
        &["信息项长度", "长度", "length", "data_length"],
        Item,
        true,
        "正整数 (a whole number ≥ 1)",
    ),
    spec(
        Column::ItemShareType,
        "信息项共享类型",
        &["数据项共享类型", "item_share_type"],
        Item,
        false,
        "留空为目录的共享类型 (empty: the entry's share type)",
    ),
    spec(
        Column::ItemDescription,
        "信息项说明",
        &["信息项描述", "数据项说明", "item_description"],
        Item,
        false,
        "可选 (optional)",
    ),
];

impl Column {
    /// The template's description of this column.
    pub fn spec(self) -> &'static Spec {
        // COLUMNS lists every variant in declaration order (a unit test checks it).
        &COLUMNS[self as usize]
    }

    /// The Chinese header.
    pub fn header(self) -> &'static str {
        self.spec().header
    }

    pub fn level(self) -> Level {
        self.spec().level
    }
}

/// Folds the spellings of a header: blanks, `*`, `-`, `_`, full-width parentheses and ASCII
/// case do not matter.
fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| {
            !c.is_whitespace() && !matches!(c, '*' | '＊' | '-' | '_' | '（' | '）' | '(' | ')')
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The column a header names, if any.
pub fn column_of(header: &str) -> Option<Column> {
    let folded = fold(header);
    if folded.is_empty() {
        return None;
    }
    COLUMNS
        .iter()
        .find(|s| fold(s.header) == folded || s.aliases.iter().any(|a| fold(a) == folded))
        .map(|s| s.column)
}

/// The headers import accepts, for messages: `序号, 信息资源代码, …`.
pub fn known_headers() -> String {
    COLUMNS
        .iter()
        .map(|s| s.header)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Splits a multi-value cell (关联资源代码, 关键字) on ；;，,、 and line breaks.
pub fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(['；', ';', '，', ',', '、', '\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// How export joins a multi-value cell.
pub const LIST_SEPARATOR: &str = "；";

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_listed_in_declaration_order() {
        for (i, spec) in COLUMNS.iter().enumerate() {
            assert_eq!(spec.column as usize, i, "{}", spec.header);
        }
        assert_eq!(COLUMNS.len(), Column::ItemDescription as usize + 1);
    }

    #[test]
    fn headers_and_aliases_name_one_column_each() {
        let mut seen = std::collections::HashMap::new();
        for spec in COLUMNS {
            for name in std::iter::once(&spec.header).chain(spec.aliases) {
                let previous = seen.insert(fold(name), spec.column);
                assert_eq!(previous, None, "{name} names two columns");
                assert_eq!(column_of(name), Some(spec.column), "{name}");
            }
        }
    }

    #[test]
    fn headers_are_read_in_any_spelling() {
        assert_eq!(column_of(" *信息资源名称 "), Some(Column::Name));
        assert_eq!(column_of("Data Type"), Some(Column::DataType));
        assert_eq!(column_of("ITEM-NAME"), Some(Column::ItemName));
        assert_eq!(column_of("分类（类）"), Some(Column::Category));
        assert_eq!(column_of("备注"), None);
        assert_eq!(column_of("  "), None);
    }

    #[test]
    fn list_cells_split_on_chinese_and_ascii_separators() {
        let parts: Vec<&str> = split_list("人口；户籍,身份证、 地址\n出生 ;").collect();
        assert_eq!(parts, ["人口", "户籍", "身份证", "地址", "出生"]);
    }
}
