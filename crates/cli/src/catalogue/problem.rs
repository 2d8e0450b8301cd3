//! What is wrong, and where: a problem found in a template file, located at the sheet, the
//! row as a spreadsheet program numbers it, and the column header as the file writes it.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::columns::Column;

/// A sheet of the file and its header row.
#[derive(Debug)]
pub struct SheetInfo {
    /// The sheet's position in the workbook, for ordering.
    pub index: usize,
    /// None for CSV.
    pub name: Option<String>,
    /// Each column present: its position and its header as written.
    pub headers: HashMap<Column, (usize, String)>,
}

impl SheetInfo {
    /// The position (for ordering) and header text of `column`: as the file writes it, or the
    /// template's header when the file lacks the column.
    pub fn header(&self, column: Column) -> (usize, String) {
        self.headers
            .get(&column)
            .cloned()
            .unwrap_or_else(|| (usize::MAX, column.header().to_string()))
    }
}

/// One problem of the file.
#[derive(Debug, Clone)]
pub struct Problem {
    pub sheet: Arc<SheetInfo>,
    pub row: u32,
    /// The column's position in its sheet (`usize::MAX`: absent or none).
    pub position: usize,
    /// The header of the column, as the file writes it.
    pub header: Option<String>,
    /// The metadata field the server or the model named, when there is no column for it.
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    /// A problem with the cell of `column` in `row`.
    pub fn at(sheet: &Arc<SheetInfo>, row: u32, column: Column, message: String) -> Problem {
        let (position, header) = sheet.header(column);
        Problem {
            sheet: Arc::clone(sheet),
            row,
            position,
            header: Some(header),
            field: None,
            message,
        }
    }

    /// A problem with a whole row, or with a header cell that names no column.
    pub fn row(
        sheet: &Arc<SheetInfo>,
        row: u32,
        header: Option<(usize, String)>,
        message: String,
    ) -> Problem {
        let (position, header) = match header {
            Some((position, text)) => (position, Some(text)),
            None => (usize::MAX, None),
        };
        Problem {
            sheet: Arc::clone(sheet),
            row,
            position,
            header,
            field: None,
            message,
        }
    }

    /// Sheet order, then row, then column: the order a person reads the file in.
    pub fn sort_key(&self) -> (usize, u32, usize) {
        (self.sheet.index, self.row, self.position)
    }

    /// `户籍人口.xlsx 目录!第7行 “数据类型”: 未知数据类型 “字符” (…)`.
    pub fn describe(&self, file: &str) -> String {
        let sheet = match &self.sheet.name {
            Some(name) => format!("{name}!"),
            None => String::new(),
        };
        let what = match (&self.header, &self.field) {
            (Some(header), _) => format!(" “{header}”"),
            (None, Some(field)) => format!(" [{field}]"),
            (None, None) => String::new(),
        };
        format!(
            "{file} {sheet}第{row}行{what}: {message}",
            row = self.row,
            message = self.message
        )
    }

    /// The problem for `--output json`.
    pub fn to_json(&self) -> ProblemJson {
        ProblemJson {
            sheet: self.sheet.name.clone(),
            row: self.row,
            column: self.header.clone(),
            field: self.field.clone(),
            message: self.message.clone(),
        }
    }
}

/// A problem in the JSON summary of an import.
#[derive(Debug, Serialize)]
pub struct ProblemJson {
    pub sheet: Option<String>,
    pub row: u32,
    pub column: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_names_file_sheet_row_and_column() {
        let sheet = Arc::new(SheetInfo {
            index: 0,
            name: Some("目录".into()),
            headers: HashMap::from([(Column::DataType, (24, "数据类型".into()))]),
        });
        let problem = Problem::at(&sheet, 7, Column::DataType, "未知数据类型 “字符”".into());
        assert_eq!(
            problem.describe("户籍人口.xlsx"),
            "户籍人口.xlsx 目录!第7行 “数据类型”: 未知数据类型 “字符”"
        );
        assert_eq!(problem.sort_key(), (0, 7, 24));
        // A column the file lacks is named by the template's header.
        let missing = Problem::at(&sheet, 3, Column::Length, "x".into());
        assert_eq!(
            missing.describe("a.xlsx"),
            "a.xlsx 目录!第3行 “数据长度”: x"
        );
    }

    #[test]
    fn a_csv_problem_has_no_sheet() {
        let sheet = Arc::new(SheetInfo {
            index: 0,
            name: None,
            headers: HashMap::new(),
        });
        let problem = Problem::row(&sheet, 2, None, "m".into());
        assert_eq!(problem.describe("a.csv"), "a.csv 第2行: m");
    }
}
