//! The annual report as an XLSX workbook: one worksheet per table, a header row, numbers as
//! numbers.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::annual::tables::{self, Cell, Table};
use crate::proto::AnnualReport;

/// Integers above this cannot be held exactly by a spreadsheet number (an f64); they are
/// written as text so that no digit changes.
const EXACT_INTEGER_LIMIT: u64 = 1 << 53;

/// The report as the bytes of an `.xlsx` file: a sheet `概况` with the report's facts, then
/// one sheet per table of the report in order.
pub fn xlsx(report: &AnnualReport) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let formats = Formats {
        header: Format::new().set_bold().set_background_color("#E8E8E8"),
        count: Format::new().set_num_format("#,##0"),
        ratio: Format::new().set_num_format("0.0%"),
    };
    write_sheet(
        workbook.add_worksheet(),
        &tables::overview(report),
        &formats,
    )?;
    for section in tables::sections(report) {
        for table in &section.tables {
            write_sheet(workbook.add_worksheet(), table, &formats)?;
        }
    }
    workbook.save_to_buffer()
}

#[derive(Debug)]
struct Formats {
    header: Format,
    count: Format,
    ratio: Format,
}

fn write_sheet(sheet: &mut Worksheet, table: &Table, formats: &Formats) -> Result<(), XlsxError> {
    sheet.set_name(table.sheet)?;
    for (col, name) in (0u16..).zip(&table.header) {
        sheet.write_string_with_format(0, col, *name, &formats.header)?;
    }
    for (row, cells) in (1u32..).zip(&table.rows) {
        for (col, cell) in (0u16..).zip(cells) {
            match cell {
                Cell::Text(text) => {
                    sheet.write_string(row, col, text)?;
                }
                Cell::Count(n) | Cell::Bytes(n) if *n <= EXACT_INTEGER_LIMIT => {
                    sheet.write_number_with_format(row, col, *n as f64, &formats.count)?;
                }
                Cell::Plain(n) if *n <= EXACT_INTEGER_LIMIT => {
                    sheet.write_number(row, col, *n as f64)?;
                }
                Cell::Count(n) | Cell::Bytes(n) | Cell::Plain(n) => {
                    sheet.write_string(row, col, n.to_string())?;
                }
                Cell::Days(days) => {
                    sheet.write_number(row, col, *days)?;
                }
                Cell::Ratio(Some(share)) => {
                    sheet.write_number_with_format(row, col, *share, &formats.ratio)?;
                }
                Cell::Ratio(None) => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    Ok(())
}
