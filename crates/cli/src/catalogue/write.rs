//! Writes entries in the template layout: one row per 信息项, the entry's own cells merged
//! down its rows in XLSX and repeated on every row in CSV, so that either reads back
//! through import to the same metadata.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook};

use super::columns::{COLUMNS, Column, LIST_SEPARATOR, Level};
use crate::enums;
use crate::proto::ResourceMetadata;

/// The name of the catalogue sheet.
pub const SHEET: &str = "目录";
/// The name of the sheet that explains the columns; import passes over it.
pub const HELP_SHEET: &str = "填写说明";

/// An entry to write: its code (empty for the template's example) and metadata.
#[derive(Debug, Clone)]
pub struct EntryOut<'a> {
    pub code: &'a str,
    pub metadata: &'a ResourceMetadata,
}

/// The label of value `number` of `full_name` as the template writes it (`有条件共享`);
/// empty for unspecified.
fn label(full_name: &str, number: i32) -> String {
    if number == 0 {
        return String::new();
    }
    match enums::descriptor(full_name) {
        Ok(desc) => match desc.get_value(number) {
            Some(value) => enums::label(value.name())
                .map(str::to_string)
                .unwrap_or_else(|| enums::short_name(&desc, value.name())),
            None => number.to_string(),
        },
        Err(_) => number.to_string(),
    }
}

fn yes_no(value: bool) -> String {
    if value { "是" } else { "否" }.to_string()
}

/// The text of an entry's own cell.
fn entry_cell(seq: usize, entry: &EntryOut<'_>, column: Column) -> String {
    let m = entry.metadata;
    let classification = m.classification.clone().unwrap_or_default();
    let format = m.format.clone().unwrap_or_default();
    let sharing = m.sharing.clone().unwrap_or_default();
    let open = m.open.clone().unwrap_or_default();
    match column {
        Column::Seq => seq.to_string(),
        Column::Code => entry.code.to_string(),
        Column::Name => m.name.clone(),
        Column::Summary => m.summary.clone(),
        Column::ProviderName => m.provider_name.clone(),
        Column::ProviderCode => m.provider_code.clone(),
        Column::Category => label("govshare.v1.Category", classification.category),
        Column::Item => classification.item,
        Column::Subitem => classification.subitem,
        Column::Detail => classification.detail,
        Column::FormatKind => label("govshare.v1.FormatKind", format.kind),
        Column::FormatDetail => format.detail,
        Column::ShareType => label("govshare.v1.ShareType", sharing.share_type),
        Column::ShareCondition => sharing.condition,
        Column::ShareMode => label("govshare.v1.ShareMode", sharing.mode),
        Column::NotSharedBasis => sharing.basis,
        Column::OpenToPublic => yes_no(open.open_to_public),
        Column::OpenCondition => open.condition,
        Column::UpdateCycle => label("govshare.v1.UpdateCycle", m.update_cycle),
        Column::PublishDate => m.publish_date.clone(),
        Column::RelatedCodes => m.related_codes.join(LIST_SEPARATOR),
        Column::Keywords => m.keywords.join(LIST_SEPARATOR),
        Column::Classified => yes_no(m.classified),
        Column::ItemName
        | Column::DataType
        | Column::Length
        | Column::ItemShareType
        | Column::ItemDescription => String::new(),
    }
}

/// The text of item `index`'s cell. An item's share type is written only where it differs
/// from the entry's.
fn item_cell(metadata: &ResourceMetadata, index: usize, column: Column) -> String {
    let Some(item) = metadata.items.get(index) else {
        return String::new();
    };
    let entry_share = metadata.sharing.as_ref().map_or(0, |s| s.share_type);
    match column {
        Column::ItemName => item.name.clone(),
        Column::DataType => label("govshare.v1.DataType", item.data_type),
        Column::Length => item.length.to_string(),
        Column::ItemShareType if item.share_type != entry_share => {
            label("govshare.v1.ShareType", item.share_type)
        }
        Column::ItemDescription => item.description.clone(),
        _ => String::new(),
    }
}

/// The rows of one entry (at least one, even without items), every cell filled.
pub fn entry_rows(seq: usize, entry: &EntryOut<'_>) -> Vec<Vec<String>> {
    let rows = entry.metadata.items.len().max(1);
    (0..rows)
        .map(|i| {
            COLUMNS
                .iter()
                .map(|spec| match spec.level {
                    Level::Item => item_cell(entry.metadata, i, spec.column),
                    _ => entry_cell(seq, entry, spec.column),
                })
                .collect()
        })
        .collect()
}

/// The header row.
pub fn header() -> Vec<&'static str> {
    COLUMNS.iter().map(|s| s.header).collect()
}

/// CSV in UTF-8 with a byte-order mark (so that Excel reads the Chinese right), the entry's
/// cells repeated on each of its rows.
pub fn csv(entries: &[EntryOut<'_>]) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(header())?;
    for (i, entry) in entries.iter().enumerate() {
        for row in entry_rows(i + 1, entry) {
            writer.write_record(&row)?;
        }
    }
    writer
        .into_inner()
        .map_err(|e| anyhow::anyhow!("CSV 写入失败 (writing the CSV failed): {}", e.error()))
}

/// Column widths in characters, for people.
fn width(column: Column) -> f64 {
    match column {
        Column::Name | Column::ShareCondition | Column::NotSharedBasis | Column::ItemName => 24.0,
        Column::Summary | Column::ItemDescription | Column::OpenCondition => 36.0,
        Column::ProviderName | Column::ProviderCode | Column::Code | Column::ShareMode => 20.0,
        Column::RelatedCodes | Column::Keywords => 20.0,
        Column::Seq | Column::Category | Column::Item | Column::Subitem | Column::Detail => 7.0,
        _ => 12.0,
    }
}

/// An XLSX workbook: the catalogue sheet, each entry's own cells merged down its item rows,
/// then the sheet explaining the columns. Its document date is fixed, so the same entries
/// always give the same bytes.
pub fn xlsx(entries: &[EntryOut<'_>]) -> anyhow::Result<Vec<u8>> {
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(2024, 1, 1)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title("政务信息资源目录编制表 (government information resource catalogue)")
            .set_creation_datetime(&created),
    );
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let merged = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let plain = Format::new();

    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    for (col, spec) in COLUMNS.iter().enumerate() {
        let col = u16::try_from(col)?;
        sheet.write_string_with_format(0, col, spec.header, &head)?;
        sheet.set_column_width(col, width(spec.column))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let mut first = 1u32;
    for (i, entry) in entries.iter().enumerate() {
        let rows = entry_rows(i + 1, entry);
        let last = first + u32::try_from(rows.len())? - 1;
        for (col, spec) in COLUMNS.iter().enumerate() {
            let col = u16::try_from(col)?;
            for (offset, row) in rows.iter().enumerate() {
                let r = first + u32::try_from(offset)?;
                let text = &row[usize::from(col)];
                let entry_level = spec.level != Level::Item;
                if entry_level && offset > 0 {
                    continue;
                }
                if entry_level && last > first {
                    sheet.merge_range(first, col, last, col, "", &merged)?;
                }
                // Numbers people count with stay numbers; codes stay text (项 "01").
                match (spec.column, text.parse::<u32>()) {
                    (Column::Seq | Column::Length, Ok(n)) => {
                        let format = if entry_level { &merged } else { &plain };
                        sheet.write_number_with_format(r, col, n, format)?;
                    }
                    _ if entry_level => {
                        sheet.write_string_with_format(r, col, text, &merged)?;
                    }
                    _ => {
                        sheet.write_string(r, col, text)?;
                    }
                }
            }
        }
        first = last + 1;
    }

    let help = workbook.add_worksheet();
    help.set_name(HELP_SHEET)?;
    for (col, title) in ["列", "必需", "填写说明 (how to fill it in)"]
        .iter()
        .enumerate()
    {
        help.write_string_with_format(0, u16::try_from(col)?, *title, &head)?;
    }
    help.set_column_width(0, 16.0)?;
    help.set_column_width(1, 6.0)?;
    help.set_column_width(2, 90.0)?;
    for (i, spec) in COLUMNS.iter().enumerate() {
        let row = u32::try_from(i)? + 1;
        help.write_string(row, 0, spec.header)?;
        help.write_string(row, 1, if spec.required { "是" } else { "" })?;
        help.write_string(row, 2, spec.help)?;
    }
    let notes = [
        "每行一个信息项；同一目录的多个信息项占多行，目录本身的各列可合并单元格、留空或逐行重复。",
        "(One row per information item; an entry's own columns may be merged, left empty or repeated on its rows.)",
        "枚举值可填中文（有条件共享）、英文名称（CONDITIONAL）或代码（如数据类型 C）。",
        "(Enum cells take the Chinese label, the English name or the code.)",
        "导入：govshare entry import 文件.xlsx [--dry-run] [--skip-invalid] [--submit]",
    ];
    let base = u32::try_from(COLUMNS.len())? + 2;
    for (i, note) in notes.iter().enumerate() {
        help.write_string(base + u32::try_from(i)?, 0, *note)?;
    }
    Ok(workbook.save_to_buffer()?)
}
