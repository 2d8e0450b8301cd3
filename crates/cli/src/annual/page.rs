//! The annual report as one self-contained HTML5 page: inline CSS, charts as inline SVG,
//! nothing loaded from anywhere, laid out for A4 paper.

use std::fmt::Write as _;

use crate::annual::svg::{BarChart, Group};
use crate::annual::tables::{self, Cell, Section, Table};
use crate::proto::{
    AccessFigures, AnnualReport, CatalogueFigures, ExchangeFigures, SharingFigures,
};

/// The style sheet: black text on white, A4 pages, no table row or chart cut by a page break.
const STYLE: &str = r#"
@page { size: A4; margin: 16mm 14mm; }
html { background: #fff; color: #000; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; box-sizing: border-box; }
body {
  margin: 0 auto; padding: 12mm 0; max-width: 182mm; color: #000;
  font: 10.5pt/1.5 "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
    "Microsoft YaHei", "PingFang SC", sans-serif;
}
h1 { font-size: 18pt; text-align: center; margin: 0 0 2mm; }
p.scope { text-align: center; margin: 0 0 5mm; }
p.note { border: 1pt solid #000; padding: 2mm 3mm; }
h2 { font-size: 14pt; margin: 8mm 0 3mm; border-bottom: 1.5pt solid #000;
  break-after: avoid; page-break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 1.5mm; break-after: avoid; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 0 0 3mm; }
thead { display: table-header-group; }
th, td { border: 0.75pt solid #444; padding: 1mm 2mm; text-align: left; vertical-align: top; }
th { background: #e8e8e8; font-weight: bold; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td { overflow-wrap: break-word; }
tr, figure { break-inside: avoid; page-break-inside: avoid; }
figure { margin: 0 0 4mm; }
svg.chart { display: block; width: 100%; max-width: 680px; height: auto; }
@media print {
  body { max-width: none; padding: 0; }
  h2 { break-before: auto; }
}
"#;

/// The report as an HTML5 document with no external resources.
pub fn html(report: &AnnualReport) -> String {
    let title = tables::title(report);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&title));
    let generated = tables::instant(report, report.generated_at.as_ref()).unwrap_or_default();
    let _ = writeln!(
        out,
        "<p class=\"scope\">范围：{} · 生成时间：{}</p>",
        escape(&tables::scope(report)),
        escape(&generated)
    );
    if !report.year_complete {
        let _ = writeln!(
            out,
            "<p class=\"note\">年度未结束：数据截至 {}。</p>",
            escape(&generated)
        );
    }
    write_table(&mut out, &tables::overview(report));
    let charts = charts(report);
    for (section, charts) in tables::sections(report).iter().zip(charts) {
        write_section(&mut out, section, &charts);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn write_section(out: &mut String, section: &Section, charts: &[String]) {
    let _ = writeln!(out, "<section>\n<h2>{}</h2>", escape(section.heading));
    for chart in charts {
        let _ = writeln!(out, "<figure>{chart}</figure>");
    }
    for table in &section.tables {
        write_table(out, table);
    }
    out.push_str("</section>\n");
}

fn write_table(out: &mut String, table: &Table) {
    let _ = writeln!(out, "<h3>{}</h3>", escape(table.caption));
    if table.rows.is_empty() {
        out.push_str("<p>无 (none)</p>\n");
        return;
    }
    out.push_str("<table>\n<thead><tr>");
    for (column, name) in table.header.iter().enumerate() {
        let class = if tables::is_numeric(table, column) {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(out, "<th{class}>{}</th>", escape(name));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for cell in row {
            let text = escape(&tables::cell_text(cell));
            match cell {
                Cell::Text(_) => {
                    let _ = write!(out, "<td>{text}</td>");
                }
                _ => {
                    let _ = write!(out, "<td class=\"num\">{text}</td>");
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// The charts of each section, in the order of [`tables::sections`].
fn charts(report: &AnnualReport) -> [Vec<String>; 4] {
    let count = |n: u64| tables::grouped(n);
    let bytes = |n: u64| format!("{} 字节", tables::grouped(n));

    let catalogue_default = CatalogueFigures::default();
    let catalogue = report.catalogue.as_ref().unwrap_or(&catalogue_default);
    let catalogue_series = &["编目", "首次发布", "撤销", "年末已发布"];
    let catalogue_groups = |rows: &[crate::proto::CatalogueRow]| {
        rows.iter()
            .map(|r| Group {
                label: r.label.clone(),
                values: vec![
                    r.registered,
                    r.published,
                    r.revoked,
                    r.published_at_year_end,
                ],
            })
            .collect()
    };
    let by_category = BarChart {
        title: "目录按分类",
        series: catalogue_series,
        groups: catalogue_groups(&catalogue.by_category),
        value_text: count,
    };
    let by_share_type = BarChart {
        title: "目录按共享类型",
        series: catalogue_series,
        groups: catalogue_groups(&catalogue.by_share_type),
        value_text: count,
    };

    let sharing_default = SharingFigures::default();
    let sharing = report.sharing.as_ref().unwrap_or(&sharing_default);
    let requests = BarChart {
        title: "共享申请结果（按共享类型）",
        series: &["同意", "拒绝", "撤回", "待办"],
        groups: sharing
            .by_share_type
            .iter()
            .map(|r| Group {
                label: r.label.clone(),
                values: vec![r.approved, r.refused, r.withdrawn, r.pending],
            })
            .collect(),
        value_text: count,
    };

    let exchange_default = ExchangeFigures::default();
    let exchange = report.exchange.as_ref().unwrap_or(&exchange_default);
    let delivered = BarChart {
        title: "交付数据量（按接收部门）",
        series: &["交付数据量"],
        groups: exchange
            .by_receiver
            .iter()
            .map(|f| Group {
                label: if f.department_name.is_empty() {
                    f.department_code.clone()
                } else {
                    f.department_name.clone()
                },
                values: vec![f.bytes_delivered],
            })
            .collect(),
        value_text: bytes,
    };

    let access_default = AccessFigures::default();
    let access = report.access.as_ref().unwrap_or(&access_default);
    let outcomes = BarChart {
        title: "访问日志调用（按结果）",
        series: &["调用"],
        groups: access
            .by_outcome
            .iter()
            .map(|o| Group {
                label: o.outcome.clone(),
                values: vec![o.count],
            })
            .collect(),
        value_text: count,
    };

    [
        vec![by_category.render(), by_share_type.render()],
        vec![requests.render()],
        vec![delivered.render()],
        vec![outcomes.render()],
    ]
}

/// Text made safe in HTML element content and in quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_content_and_attributes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
