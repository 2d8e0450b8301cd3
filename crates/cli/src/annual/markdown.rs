//! The annual report as Markdown: a title, then one table per table of the report.

use std::fmt::Write as _;

use crate::annual::tables::{self, Table};
use crate::proto::AnnualReport;

/// The report as a Markdown document (CommonMark with GFM tables).
pub fn markdown(report: &AnnualReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", escape(&tables::title(report)));
    if !report.year_complete {
        let until = tables::instant(report, report.generated_at.as_ref()).unwrap_or_default();
        let _ = writeln!(
            out,
            "> 年度未结束：数据截至 {} (the year is still running)\n",
            escape(&until)
        );
    }
    write_table(&mut out, &tables::overview(report));
    for section in tables::sections(report) {
        let _ = writeln!(out, "## {}\n", section.heading);
        for table in &section.tables {
            write_table(&mut out, table);
        }
    }
    out
}

fn write_table(out: &mut String, table: &Table) {
    let _ = writeln!(out, "### {}\n", table.caption);
    if table.rows.is_empty() {
        out.push_str("无 (none)\n\n");
        return;
    }
    let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    out.push_str(&row(table.header.iter().map(|h| escape(h)).collect()));
    out.push_str(&row((0..table.header.len())
        .map(|i| {
            if tables::is_numeric(table, i) {
                "---:"
            } else {
                "---"
            }
            .to_string()
        })
        .collect()));
    for cells in &table.rows {
        out.push_str(&row(cells
            .iter()
            .map(|c| escape(&tables::cell_text(c)))
            .collect()));
    }
    out.push('\n');
}

/// Text from the report made inert in Markdown: punctuation that could start markup (or HTML,
/// which many renderers pass through) is backslash-escaped, which CommonMark shows as the
/// character itself; line breaks would end a table row, so they become spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_report_text_is_escaped() {
        assert_eq!(escape("a|b<c>&d\ne"), "a\\|b\\<c\\>\\&d e");
    }
}
