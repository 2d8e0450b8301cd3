//! Reads a filled-in template into rows of text cells: XLSX (and the other workbooks calamine
//! reads: xlsm, xlsb, xls, ods) or CSV in UTF-8, with or without a byte-order mark.
//!
//! Every row keeps the number a spreadsheet program shows for it (1-based), so messages point
//! at the cell a person sees. Merged cells read as empty except their top-left cell.

use std::path::Path;

use anyhow::Context as _;
use calamine::{Data, DataType as _, Reader as _};

/// A row with the number a spreadsheet program shows for it, and the text of its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub number: u32,
    pub cells: Vec<String>,
}

impl Row {
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// One worksheet (a CSV file is a single sheet without a name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub name: Option<String>,
    pub rows: Vec<Row>,
}

/// The kinds of file import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Workbook,
}

impl FileKind {
    /// From the extension, in any case.
    pub fn of(path: &Path) -> anyhow::Result<FileKind> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("csv") => Ok(FileKind::Csv),
            Some("xlsx" | "xlsm" | "xlsb" | "xls" | "ods") => Ok(FileKind::Workbook),
            _ => anyhow::bail!(
                "无法识别 {} 的文件类型：应为 .xlsx 或 .csv ({} is neither .xlsx nor .csv)",
                path.display(),
                path.display()
            ),
        }
    }
}

/// Reads every sheet of the file at `path`.
pub fn read(path: &Path) -> anyhow::Result<Vec<Sheet>> {
    match FileKind::of(path)? {
        FileKind::Csv => {
            let bytes = std::fs::read(path).with_context(|| {
                format!(
                    "无法读取 {} (cannot read {})",
                    path.display(),
                    path.display()
                )
            })?;
            Ok(vec![csv_sheet(&bytes)?])
        }
        FileKind::Workbook => workbook(path),
    }
}

/// Parses CSV bytes: UTF-8, a leading byte-order mark ignored, rows of any length.
pub fn csv_sheet(bytes: &[u8]) -> anyhow::Result<Sheet> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        anyhow::bail!(
            "CSV 文件不是 UTF-8 编码（第 {} 字节起）；Excel 请另存为“CSV UTF-8（逗号分隔）” \
             (the CSV file is not UTF-8 from byte {}; save it as \"CSV UTF-8\")",
            e.valid_up_to() + 1,
            e.valid_up_to() + 1
        );
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let number = u32::try_from(i + 1).context("too many rows")?;
        let record = record
            .with_context(|| format!("CSV 第{number}行无法解析 (row {number} is not valid CSV)"))?;
        rows.push(Row {
            number,
            cells: record.iter().map(str::to_string).collect(),
        });
    }
    Ok(Sheet { name: None, rows })
}

fn workbook(path: &Path) -> anyhow::Result<Vec<Sheet>> {
    let shown = path.display();
    let mut workbook = calamine::open_workbook_auto(path)
        .with_context(|| format!("无法打开工作簿 {shown} (cannot open the workbook {shown})"))?;
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name).with_context(|| {
            format!("无法读取工作表“{name}” (cannot read the sheet {name:?} of {shown})")
        })?;
        let Some((first_row, first_col)) = range.start() else {
            continue;
        };
        let lead = vec![String::new(); first_col as usize];
        let rows = range
            .rows()
            .zip(first_row..)
            .map(|(cells, index)| Row {
                number: index + 1,
                cells: lead.iter().cloned().chain(cells.iter().map(cell)).collect(),
            })
            .collect();
        sheets.push(Sheet {
            name: Some(name),
            rows,
        });
    }
    Ok(sheets)
}

/// The text of a workbook cell as a person sees it: whole numbers without a decimal point,
/// dates as YYYY-MM-DD, booleans as 是/否.
fn cell(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // Whole numbers up to 2^53 are exact in a float.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(_) | Data::DateTimeIso(_) => match data.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => {
                t.date().format("%Y-%m-%d").to_string()
            }
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => data.to_string(),
        },
        Data::Error(e) => e.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn texts(sheet: &Sheet) -> Vec<Vec<&str>> {
        sheet
            .rows
            .iter()
            .map(|r| r.cells.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn csv_with_and_without_bom_reads_the_same() {
        let plain = "信息资源名称,数据类型\n人口,C\n";
        let with_bom = format!("\u{feff}{plain}");
        let a = csv_sheet(plain.as_bytes()).unwrap();
        let b = csv_sheet(with_bom.as_bytes()).unwrap();
        assert_eq!(a, b);
        assert_eq!(texts(&a), [["信息资源名称", "数据类型"], ["人口", "C"]]);
        assert_eq!(a.rows[1].number, 2);
        assert_eq!(a.name, None);
    }

    #[test]
    fn csv_rows_count_records_not_lines() {
        let sheet = csv_sheet("a,b\n\"多行\n说明\",x\nc,d\n".as_bytes()).unwrap();
        assert_eq!(sheet.rows[2].number, 3);
        assert_eq!(sheet.rows[1].cells[0], "多行\n说明");
    }

    #[test]
    fn csv_in_gbk_is_refused_with_a_hint() {
        // “人口” in GBK.
        let err = csv_sheet(b"\xc8\xcb\xbf\xda,C\n").unwrap_err().to_string();
        assert!(err.contains("UTF-8"), "{err}");
    }

    #[test]
    fn workbook_cells_read_as_people_see_them() {
        assert_eq!(cell(&Data::Float(18.0)), "18");
        assert_eq!(cell(&Data::Float(1.5)), "1.5");
        assert_eq!(cell(&Data::Int(7)), "7");
        assert_eq!(cell(&Data::Bool(true)), "是");
        assert_eq!(cell(&Data::Empty), "");
        let date = Data::DateTime(calamine::ExcelDateTime::new(
            45366.0,
            calamine::ExcelDateTimeType::DateTime,
            false,
        ));
        assert_eq!(cell(&date), "2024-03-15");
        assert_eq!(
            cell(&Data::DateTimeIso("2024-03-15T00:00:00".into())),
            "2024-03-15"
        );
    }

    #[test]
    fn file_kind_follows_the_extension() {
        assert_eq!(
            FileKind::of(Path::new("目录.XLSX")).unwrap(),
            FileKind::Workbook
        );
        assert_eq!(FileKind::of(Path::new("目录.csv")).unwrap(), FileKind::Csv);
        assert!(FileKind::of(Path::new("目录.txt")).is_err());
    }
}
