//! Rows of a filled-in template to catalogue entries: finds each sheet's header row, groups
//! the item rows of each entry (see [`super::columns`] for the rules), reads every cell, and
//! remembers where each value came from so that any violation, the model's or the server's,
//! is told at its cell.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::cells;
use super::columns::{Column, Level, column_of, known_headers, split_list};
use super::problem::{Problem, SheetInfo};
use super::read::{Row, Sheet};
use crate::proto;

/// Rows searched for the header: a title or notes may sit above it.
const HEADER_SEARCH_ROWS: usize = 20;

/// The entries of a file and the problems that belong to no entry (headers, stray rows).
#[derive(Debug)]
pub struct Parsed {
    pub entries: Vec<ParsedEntry>,
    pub problems: Vec<Problem>,
}

/// One entry read from the file.
#[derive(Debug)]
pub struct ParsedEntry {
    pub sheet: Arc<SheetInfo>,
    /// The row the entry starts on.
    pub first_row: u32,
    pub metadata: proto::ResourceMetadata,
    /// Every problem found so far; the entry is imported only without any.
    pub problems: Vec<Problem>,
    places: Places,
}

/// Where the values of an entry came from.
#[derive(Debug, Default)]
struct Places {
    /// The row of each entry value.
    entry: HashMap<Column, u32>,
    /// The row of each item, related code and keyword, in order.
    items: Vec<u32>,
    related_codes: Vec<u32>,
    keywords: Vec<u32>,
    /// Cells whose text could not be read: their problem is told already.
    unreadable: HashSet<(u32, Column)>,
}

impl ParsedEntry {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// Adds a violation of the metadata field `field` (`items[2].data_type`, with or without
    /// the server's `metadata.` prefix) at the cell its value came from. A cell whose text
    /// could not be read was told already and is not told again.
    pub fn add_violation(&mut self, field: &str, message: String) {
        let (row, column) = self.locate(field);
        let problem = match column {
            Some(column) if self.places.unreadable.contains(&(row, column)) => return,
            Some(column) => Problem::at(&self.sheet, row, column, message),
            None => {
                let mut problem = Problem::row(&self.sheet, row, None, message);
                problem.field = Some(field.to_string());
                problem
            }
        };
        self.problems.push(problem);
    }

    /// Adds a problem with the entry's provider (e.g. a refusal to register for another
    /// department).
    pub fn add_provider_problem(&mut self, message: String) {
        let row = self.entry_row(Column::ProviderCode);
        self.problems
            .push(Problem::at(&self.sheet, row, Column::ProviderCode, message));
    }

    fn entry_row(&self, column: Column) -> u32 {
        self.places
            .entry
            .get(&column)
            .copied()
            .unwrap_or(self.first_row)
    }

    /// The row and column of a metadata field path.
    fn locate(&self, field: &str) -> (u32, Option<Column>) {
        let path = field.strip_prefix("metadata.").unwrap_or(field);
        let (head, rest) = path.split_once('.').unwrap_or((path, ""));
        let (name, index) = match head.split_once('[') {
            Some((name, index)) => (name, index.trim_end_matches(']').parse::<usize>().ok()),
            None => (head, None),
        };
        let entry = |column: Column| (self.entry_row(column), Some(column));
        let listed = |rows: &[u32], column: Column| {
            let row = index.and_then(|i| rows.get(i).copied());
            (row.unwrap_or_else(|| self.entry_row(column)), Some(column))
        };
        match (name, rest) {
            ("classification", "item") => entry(Column::Item),
            ("classification", "subitem") => entry(Column::Subitem),
            ("classification", "detail") => entry(Column::Detail),
            ("classification", _) => entry(Column::Category),
            ("name", _) => entry(Column::Name),
            ("provider_code", _) => entry(Column::ProviderCode),
            ("summary", _) => entry(Column::Summary),
            ("format", "kind") => entry(Column::FormatKind),
            ("format", _) => entry(Column::FormatDetail),
            ("items", rest) => {
                let column = match rest {
                    "data_type" => Column::DataType,
                    "length" => Column::Length,
                    "share_type" => Column::ItemShareType,
                    "description" => Column::ItemDescription,
                    _ => Column::ItemName,
                };
                match index.and_then(|i| self.places.items.get(i).copied()) {
                    Some(row) => (row, Some(column)),
                    None => (self.first_row, Some(Column::ItemName)),
                }
            }
            ("sharing", "condition") => entry(Column::ShareCondition),
            ("sharing", "mode") => entry(Column::ShareMode),
            ("sharing", "basis") => entry(Column::NotSharedBasis),
            ("sharing", _) => entry(Column::ShareType),
            ("open", "condition") => entry(Column::OpenCondition),
            ("open", _) => entry(Column::OpenToPublic),
            ("update_cycle", _) => entry(Column::UpdateCycle),
            ("publish_date", _) => entry(Column::PublishDate),
            ("related_codes", _) => listed(&self.places.related_codes, Column::RelatedCodes),
            ("keywords", _) => listed(&self.places.keywords, Column::Keywords),
            ("classified", _) => entry(Column::Classified),
            _ => (self.first_row, None),
        }
    }
}

/// Reads the entries of every sheet that has a header row; sheets without one (notes,
/// instructions) are passed over.
pub fn parse(sheets: &[Sheet]) -> anyhow::Result<Parsed> {
    let mut parsed = Parsed {
        entries: Vec::new(),
        problems: Vec::new(),
    };
    let mut found = false;
    for (index, sheet) in sheets.iter().enumerate() {
        let Some(header) = find_header(sheet) else {
            continue;
        };
        found = true;
        let (info, layout) = layout(index, sheet.name.clone(), &sheet.rows[header], &mut parsed);
        read_entries(&info, &layout, &sheet.rows[header + 1..], &mut parsed);
    }
    anyhow::ensure!(
        found,
        "找不到表头行：表头应含“信息资源名称”“信息项名称”“数据类型”等列名 (no header row: it \
         names the columns, e.g. 信息资源名称, 信息项名称, 数据类型); see \
         deploy/examples/catalogue-template.xlsx"
    );
    Ok(parsed)
}

/// The header row: the first to name 信息资源名称 and at least two more columns.
fn find_header(sheet: &Sheet) -> Option<usize> {
    sheet.rows.iter().take(HEADER_SEARCH_ROWS).position(|row| {
        let columns: Vec<Column> = row.cells.iter().filter_map(|c| column_of(c)).collect();
        columns.contains(&Column::Name) && columns.len() >= 3
    })
}

/// The column of each position of a sheet; unknown, repeated and missing columns are told.
fn layout(
    index: usize,
    name: Option<String>,
    header: &Row,
    parsed: &mut Parsed,
) -> (Arc<SheetInfo>, Vec<Option<Column>>) {
    let mut headers = HashMap::new();
    let mut layout = Vec::with_capacity(header.cells.len());
    // Problems wait for the sheet's description, which they refer to.
    let mut unknown = Vec::new();
    let mut repeated = Vec::new();
    for (position, text) in header.cells.iter().enumerate() {
        let text = text.trim();
        let column = column_of(text);
        match column {
            Some(column) if headers.contains_key(&column) => {
                repeated.push((position, text.to_string(), column));
                layout.push(None);
            }
            Some(column) => {
                headers.insert(column, (position, text.to_string()));
                layout.push(Some(column));
            }
            None => {
                if !text.is_empty() {
                    unknown.push((position, text.to_string()));
                }
                layout.push(None);
            }
        }
    }
    let info = Arc::new(SheetInfo {
        index,
        name,
        headers,
    });
    for (position, text) in unknown {
        parsed.problems.push(Problem::row(
            &info,
            header.number,
            Some((position, text)),
            format!(
                "未知的列；可用的列：{} (unknown column; the template's columns are listed \
                 in deploy/examples/README.md)",
                known_headers()
            ),
        ));
    }
    for (position, text, column) in repeated {
        let (_, first) = info.header(column);
        parsed.problems.push(Problem::row(
            &info,
            header.number,
            Some((position, text)),
            format!("与列 “{first}” 重复 (the column appears twice)"),
        ));
    }
    for spec in super::columns::COLUMNS {
        if spec.required && !info.headers.contains_key(&spec.column) {
            parsed.problems.push(Problem::at(
                &info,
                header.number,
                spec.column,
                "缺少必需的列 (the file lacks this required column)".into(),
            ));
        }
    }
    (info, layout)
}

/// Groups the rows under the header into entries.
fn read_entries(
    info: &Arc<SheetInfo>,
    layout: &[Option<Column>],
    rows: &[Row],
    parsed: &mut Parsed,
) {
    let position = |column: Column| layout.iter().position(|c| *c == Some(column));
    let key_positions = [Column::Seq, Column::Code, Column::Name].map(position);
    let mut current: Option<Builder> = None;
    for row in rows {
        if row.is_blank() {
            continue;
        }
        let keys = key_positions.map(|p| {
            p.and_then(|p| row.cells.get(p))
                .map(|c| c.trim().to_string())
                .unwrap_or_default()
        });
        let continues = current.as_ref().is_some_and(|b| {
            keys.iter()
                .zip(&b.keys)
                .all(|(key, first)| key.is_empty() || key == first)
        });
        if !continues {
            if keys.iter().all(String::is_empty) {
                parsed.problems.push(Problem::at(
                    info,
                    row.number,
                    Column::Name,
                    "此行不属于任何目录：请填写信息资源名称 (this row belongs to no entry: give \
                     its 信息资源名称)"
                        .into(),
                ));
                continue;
            }
            parsed.entries.extend(current.take().map(Builder::finish));
            current = Some(Builder::new(info, row.number, keys));
        }
        if let Some(builder) = current.as_mut() {
            builder.add_row(row, layout);
        }
    }
    parsed.entries.extend(current.map(Builder::finish));
}

/// A cell's text and its row.
#[derive(Debug, Clone)]
struct Value {
    text: String,
    row: u32,
}

/// An entry being read, row by row.
#[derive(Debug)]
struct Builder {
    sheet: Arc<SheetInfo>,
    first_row: u32,
    /// 序号, 信息资源代码, 信息资源名称 of the first row.
    keys: [String; 3],
    values: HashMap<Column, Value>,
    related_codes: Vec<Value>,
    keywords: Vec<Value>,
    /// Each item row: its number and item cells.
    items: Vec<(u32, HashMap<Column, String>)>,
    problems: Vec<Problem>,
}

impl Builder {
    fn new(sheet: &Arc<SheetInfo>, first_row: u32, keys: [String; 3]) -> Builder {
        Builder {
            sheet: Arc::clone(sheet),
            first_row,
            keys,
            values: HashMap::new(),
            related_codes: Vec::new(),
            keywords: Vec::new(),
            items: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn add_row(&mut self, row: &Row, layout: &[Option<Column>]) {
        let mut item = HashMap::new();
        for (position, column) in layout.iter().enumerate() {
            let (Some(column), Some(text)) = (column, row.cells.get(position)) else {
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            match (column.level(), column) {
                (Level::Item, _) => {
                    item.insert(*column, text.clone());
                }
                (_, Column::RelatedCodes) => add_listed(&mut self.related_codes, text, row.number),
                (_, Column::Keywords) => add_listed(&mut self.keywords, text, row.number),
                (Level::Entry, _) | (Level::Key, Column::Name) => {
                    self.set(*column, text, row.number);
                }
                (Level::Key | Level::Informative, _) => {}
            }
        }
        if !item.is_empty() {
            self.items.push((row.number, item));
        }
    }

    /// An entry value: given once, then left empty or repeated on the entry's other rows.
    fn set(&mut self, column: Column, text: &str, row: u32) {
        match self.values.get(&column) {
            None => {
                self.values.insert(
                    column,
                    Value {
                        text: text.to_string(),
                        row,
                    },
                );
            }
            Some(first) if first.text.trim() == text.trim() => {}
            Some(first) => {
                let message = format!(
                    "与本目录第{first_row}行的 “{first_text}” 不同；续行须留空或重复同一值，新目录须填写\
                     新的信息资源名称或序号 (differs from {first_text:?} on row {first_row} of the \
                     same entry: leave it empty or repeat it, or start a new entry with its own \
                     信息资源名称 or 序号)",
                    first_row = first.row,
                    first_text = first.text.trim(),
                );
                self.problems
                    .push(Problem::at(&self.sheet, row, column, message));
            }
        }
    }

    fn finish(self) -> ParsedEntry {
        let Builder {
            sheet,
            first_row,
            keys: _,
            values,
            related_codes,
            keywords,
            items,
            problems,
        } = self;
        let mut reader = CellReader {
            sheet: &sheet,
            problems,
            unreadable: HashSet::new(),
        };
        let text = |column: Column| {
            values
                .get(&column)
                .map(|v| v.text.clone())
                .unwrap_or_default()
        };
        let trimmed = |column: Column| text(column).trim().to_string();
        let value = |column: Column| values.get(&column);

        let classification = proto::Classification {
            category: reader.enum_cell(
                value(Column::Category),
                Column::Category,
                "govshare.v1.Category",
                ("类", "category"),
            ),
            item: cells::digits(&text(Column::Item), 2),
            subitem: cells::digits(&text(Column::Subitem), 3),
            detail: trimmed(Column::Detail),
        };
        let format = proto::ResourceFormat {
            kind: reader.enum_cell(
                value(Column::FormatKind),
                Column::FormatKind,
                "govshare.v1.FormatKind",
                ("格式类型", "format kind"),
            ),
            detail: text(Column::FormatDetail),
        };
        let sharing = proto::SharingAttributes {
            share_type: reader.enum_cell(
                value(Column::ShareType),
                Column::ShareType,
                "govshare.v1.ShareType",
                ("共享类型", "share type"),
            ),
            condition: text(Column::ShareCondition),
            mode: reader.enum_cell(
                value(Column::ShareMode),
                Column::ShareMode,
                "govshare.v1.ShareMode",
                ("共享方式", "share mode"),
            ),
            basis: text(Column::NotSharedBasis),
        };
        let open = proto::OpenAttributes {
            open_to_public: reader.yes_no_cell(value(Column::OpenToPublic), Column::OpenToPublic),
            condition: text(Column::OpenCondition),
        };
        let update_cycle = reader.enum_cell(
            value(Column::UpdateCycle),
            Column::UpdateCycle,
            "govshare.v1.UpdateCycle",
            ("更新周期", "update cycle"),
        );
        let classified = reader.yes_no_cell(value(Column::Classified), Column::Classified);
        let mut item_rows = Vec::with_capacity(items.len());
        let mut info_items = Vec::with_capacity(items.len());
        for (row, item) in &items {
            let at = |column: Column| {
                item.get(&column).map(|text| Value {
                    text: text.clone(),
                    row: *row,
                })
            };
            let item_text = |column: Column| item.get(&column).cloned().unwrap_or_default();
            info_items.push(proto::InfoItem {
                name: item_text(Column::ItemName),
                data_type: reader.enum_cell(
                    at(Column::DataType).as_ref(),
                    Column::DataType,
                    "govshare.v1.DataType",
                    ("数据类型", "data type"),
                ),
                length: reader.length_cell(at(Column::Length).as_ref()),
                share_type: reader.enum_cell(
                    at(Column::ItemShareType).as_ref(),
                    Column::ItemShareType,
                    "govshare.v1.ShareType",
                    ("共享类型", "share type"),
                ),
                description: item_text(Column::ItemDescription),
            });
            item_rows.push(*row);
        }
        let metadata = proto::ResourceMetadata {
            classification: Some(classification),
            name: text(Column::Name),
            provider_code: cells::credit_code(&text(Column::ProviderCode)),
            provider_name: String::new(),
            summary: text(Column::Summary),
            format: Some(format),
            items: info_items,
            sharing: Some(sharing),
            open: Some(open),
            update_cycle,
            publish_date: cells::date(&text(Column::PublishDate)),
            related_codes: related_codes.iter().map(|v| v.text.clone()).collect(),
            keywords: keywords.iter().map(|v| v.text.clone()).collect(),
            classified,
        };
        let CellReader {
            problems,
            unreadable,
            ..
        } = reader;
        let places = Places {
            entry: values.iter().map(|(c, v)| (*c, v.row)).collect(),
            items: item_rows,
            related_codes: related_codes.iter().map(|v| v.row).collect(),
            keywords: keywords.iter().map(|v| v.row).collect(),
            unreadable,
        };
        ParsedEntry {
            sheet,
            first_row,
            metadata,
            problems,
            places,
        }
    }
}

/// Adds the values of a multi-value cell that the entry does not have yet.
fn add_listed(list: &mut Vec<Value>, text: &str, row: u32) {
    for part in split_list(text) {
        if !list.iter().any(|v| v.text == part) {
            list.push(Value {
                text: part.to_string(),
                row,
            });
        }
    }
}

/// Reads typed cells, telling each unreadable one once.
struct CellReader<'a> {
    sheet: &'a Arc<SheetInfo>,
    problems: Vec<Problem>,
    unreadable: HashSet<(u32, Column)>,
}

impl CellReader<'_> {
    fn fail(&mut self, value: &Value, column: Column, message: String) {
        self.problems
            .push(Problem::at(self.sheet, value.row, column, message));
        self.unreadable.insert((value.row, column));
    }

    /// An enum cell; empty is 0 (unspecified), which validation tells when it is required.
    fn enum_cell(
        &mut self,
        value: Option<&Value>,
        column: Column,
        full_name: &str,
        what: (&str, &str),
    ) -> i32 {
        let Some(value) = value else {
            return 0;
        };
        match cells::enum_value(full_name, what, &value.text) {
            Ok(number) => number,
            Err(message) => {
                self.fail(value, column, message);
                0
            }
        }
    }

    fn yes_no_cell(&mut self, value: Option<&Value>, column: Column) -> bool {
        let Some(value) = value else {
            return false;
        };
        cells::yes_no(&value.text).unwrap_or_else(|message| {
            self.fail(value, column, message);
            false
        })
    }

    /// 数据长度; empty is 0, which validation refuses.
    fn length_cell(&mut self, value: Option<&Value>) -> u32 {
        let Some(value) = value else {
            return 0;
        };
        cells::length(&value.text).unwrap_or_else(|message| {
            self.fail(value, Column::Length, message);
            0
        })
    }
}
