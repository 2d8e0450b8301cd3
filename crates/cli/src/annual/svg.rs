//! Bar charts as inline SVG, drawn from figures of the report: horizontal bars (long Chinese
//! labels fit on the left), one bar per series in each group, the exact value at the end of
//! each bar.

use std::fmt::Write as _;

use crate::annual::page::escape;

/// The fill of each series, in order. The first is also the fill of single-series charts, and
/// tests look for it in screenshots.
pub const SERIES_COLOURS: [&str; 5] = ["#1f5fa8", "#e0892b", "#3f9a4e", "#b8404f", "#7a5aa6"];

/// One row of a chart: its label and one value per series.
#[derive(Debug, Clone)]
pub struct Group {
    pub label: String,
    pub values: Vec<u64>,
}

/// A horizontal bar chart.
#[derive(Debug, Clone)]
pub struct BarChart<'a> {
    pub title: &'a str,
    /// Names of the series, shown in a legend when there is more than one.
    pub series: &'a [&'a str],
    pub groups: Vec<Group>,
    /// How a value is written at the end of its bar.
    pub value_text: fn(u64) -> String,
}

const WIDTH: u32 = 680;
const LABEL_WIDTH: u32 = 170;
const VALUE_WIDTH: u32 = 150;
const BAR_HEIGHT: u32 = 16;
const BAR_GAP: u32 = 2;
const GROUP_GAP: u32 = 12;
const TITLE_HEIGHT: u32 = 28;
const LEGEND_HEIGHT: u32 = 22;
/// Labels wider than this are cut (the full text is in the bars' tooltips); the width is
/// counted as 2 for a Chinese character and 1 for an ASCII one, about their share of the
/// label column.
const LABEL_UNITS: usize = 22;

impl BarChart<'_> {
    /// The chart as an `<svg>` element.
    pub fn render(&self) -> String {
        let bars_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
        let legend = if self.series.len() > 1 {
            LEGEND_HEIGHT
        } else {
            0
        };
        let per_group = self.series.len() as u32 * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
        let body = if self.groups.is_empty() {
            BAR_HEIGHT + GROUP_GAP
        } else {
            self.groups.len() as u32 * (per_group + GROUP_GAP)
        };
        let height = TITLE_HEIGHT + legend + body + 4;
        let max = self
            .groups
            .iter()
            .flat_map(|g| g.values.iter().copied())
            .max()
            .unwrap_or(0);

        let mut svg = String::new();
        let _ = write!(
            svg,
            r##"<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" aria-label="{title}">"##,
            title = escape(self.title)
        );
        let _ = write!(
            svg,
            r##"<text x="0" y="18" font-size="15" font-weight="bold" fill="#000">{}</text>"##,
            escape(self.title)
        );
        if legend > 0 {
            let mut x = LABEL_WIDTH;
            for (i, name) in self.series.iter().enumerate() {
                let _ = write!(
                    svg,
                    r##"<rect x="{x}" y="{y}" width="12" height="12" fill="{fill}"/><text x="{tx}" y="{ty}" font-size="12" fill="#000">{name}</text>"##,
                    y = TITLE_HEIGHT,
                    fill = colour(i),
                    tx = x + 16,
                    ty = TITLE_HEIGHT + 11,
                    name = escape(name)
                );
                x += 28 + 13 * name.chars().count() as u32;
            }
        }
        let top = TITLE_HEIGHT + legend;
        let _ = write!(
            svg,
            r##"<line x1="{LABEL_WIDTH}" y1="{top}" x2="{LABEL_WIDTH}" y2="{bottom}" stroke="#000" stroke-width="1"/>"##,
            bottom = height - 4
        );
        if self.groups.is_empty() {
            let _ = write!(
                svg,
                r##"<text x="{x}" y="{y}" font-size="12" fill="#000">无数据 (no data)</text>"##,
                x = LABEL_WIDTH + 8,
                y = top + BAR_HEIGHT
            );
        }
        for (g, group) in self.groups.iter().enumerate() {
            let y0 = top + GROUP_GAP / 2 + g as u32 * (per_group + GROUP_GAP);
            let _ = write!(
                svg,
                r##"<text x="{x}" y="{y}" font-size="12" fill="#000" text-anchor="end">{label}</text>"##,
                x = LABEL_WIDTH - 6,
                y = y0 + per_group / 2 + 4,
                label = escape(&short_label(&group.label))
            );
            for (s, value) in group.values.iter().enumerate() {
                let y = y0 + s as u32 * (BAR_HEIGHT + BAR_GAP);
                let width = bar_width(*value, max, bars_width);
                let series = self.series.get(s).copied().unwrap_or_default();
                let text = (self.value_text)(*value);
                let _ = write!(
                    svg,
                    r##"<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" fill="{fill}"><title>{tip}</title></rect><text x="{tx}" y="{ty}" font-size="11" fill="#000">{text}</text>"##,
                    fill = colour(s),
                    tip = escape(&format!("{} · {series}: {text}", group.label)),
                    tx = LABEL_WIDTH + width + 4,
                    ty = y + BAR_HEIGHT - 4,
                    text = escape(&text)
                );
            }
        }
        svg.push_str("</svg>");
        svg
    }
}

fn colour(series: usize) -> &'static str {
    SERIES_COLOURS[series % SERIES_COLOURS.len()]
}

/// The drawn length of a bar: proportional to the largest value, at least a sliver for a
/// value above zero so it can be seen.
fn bar_width(value: u64, max: u64, full: u32) -> u32 {
    if value == 0 || max == 0 {
        return 0;
    }
    let width = (value as f64 / max as f64 * f64::from(full)).round() as u32;
    width.clamp(2, full)
}

fn short_label(label: &str) -> String {
    let units = |c: char| if c.is_ascii() { 1 } else { 2 };
    if label.chars().map(units).sum::<usize>() <= LABEL_UNITS {
        return label.to_string();
    }
    let mut used = 2; // the ellipsis
    let mut cut = String::new();
    for c in label.chars() {
        used += units(c);
        if used > LABEL_UNITS {
            break;
        }
        cut.push(c);
    }
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value() {
        assert_eq!(bar_width(0, 10, 360), 0);
        assert_eq!(bar_width(10, 10, 360), 360);
        assert_eq!(bar_width(5, 10, 360), 180);
        assert_eq!(bar_width(1, 1_000_000, 360), 2);
    }

    #[test]
    fn labels_are_escaped_and_cut() {
        let chart = BarChart {
            title: "图",
            series: &["一"],
            groups: vec![Group {
                label: "<b>&很长很长很长很长很长的部门名称".into(),
                values: vec![3],
            }],
            value_text: |n| n.to_string(),
        };
        let svg = chart.render();
        assert!(svg.contains("&lt;b&gt;&amp;很长很长很长很长…"));
        assert!(!svg.contains("<b>"));
        assert_eq!(short_label("PERMISSION_DENIED"), "PERMISSION_DENIED");
        assert_eq!(
            short_label("十一个汉字的部门名称啊"),
            "十一个汉字的部门名称啊"
        );
        assert_eq!(
            short_label("十二个汉字的部门名称啊呀"),
            "十二个汉字的部门名称…"
        );
    }
}
