//! Whether a value fits its column's 数据类型. Empty values (and JSON null) are always
//! accepted: a missing value is not a malformed one.

use chrono::{NaiveDate, NaiveDateTime};
use govshare_model::DataType;

use crate::Column;

/// Why `text` does not fit `column`, if it does not.
pub(crate) fn check_text(column: &Column, text: &str) -> Option<String> {
    let value = text.trim();
    if value.is_empty() {
        return None;
    }
    let fits = match column.data_type {
        DataType::C => {
            let n = value.chars().count();
            if column.length > 0 && n > column.length as usize {
                return Some(format!(
                    "信息项“{}”长度为 {}，值有 {n} 个字符 (item {:?} is {} characters long; \
                     the value has {n})",
                    column.name, column.length, column.name, column.length
                ));
            }
            true
        }
        DataType::M | DataType::G => true,
        DataType::N | DataType::Y | DataType::B | DataType::F => {
            value.parse::<f64>().is_ok_and(f64::is_finite)
        }
        DataType::I => value.parse::<i64>().is_ok(),
        DataType::D => is_date(value),
        DataType::T => is_date_time(value),
        DataType::L => is_logical(value),
    };
    (!fits).then(|| mismatch(column, text))
}

/// Why the JSON `value` does not fit `column`, if it does not.
pub(crate) fn check_json(column: &Column, value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match (value, column.data_type) {
        (Value::Null, _) => None,
        (_, DataType::G) => None,
        (Value::String(s), _) => check_text(column, s),
        (Value::Number(_), DataType::N | DataType::Y | DataType::B | DataType::F) => None,
        (Value::Number(n), DataType::I) if n.is_i64() || n.is_u64() => None,
        (Value::Number(_) | Value::Bool(_), DataType::C | DataType::M) => None,
        (Value::Bool(_), DataType::L) => None,
        (other, _) => Some(mismatch(column, &other.to_string())),
    }
}

fn mismatch(column: &Column, value: &str) -> String {
    let shown: String = value.chars().take(40).collect();
    format!(
        "信息项“{}”为{}，值 {shown:?} 不符合 ({}: {shown:?} is not a valid {} value; {})",
        column.name,
        column.data_type.label_zh(),
        column.name,
        column.data_type.name(),
        expected(column.data_type)
    )
}

fn expected(t: DataType) -> &'static str {
    match t {
        DataType::N | DataType::Y | DataType::B | DataType::F => "expected a number",
        DataType::I => "expected an integer",
        DataType::D => "expected a date YYYY-MM-DD or YYYYMMDD",
        DataType::T => "expected a date and time YYYY-MM-DD HH:MM:SS",
        DataType::L => "expected true/false, 1/0 or 是/否",
        DataType::C | DataType::M | DataType::G => "expected text",
    }
}

fn is_date(s: &str) -> bool {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
        || NaiveDate::parse_from_str(s, "%Y%m%d").is_ok()
}

fn is_date_time(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
        || ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
            .iter()
            .any(|f| NaiveDateTime::parse_from_str(s, f).is_ok())
}

fn is_logical(s: &str) -> bool {
    matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "1" | "0" | "t" | "f" | "y" | "n" | "yes" | "no" | "是" | "否"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(data_type: DataType, length: u32) -> Column {
        Column {
            name: "项".into(),
            data_type,
            length,
        }
    }

    #[test]
    fn values_are_checked_by_data_type() {
        let ok = [
            (DataType::N, "12.5"),
            (DataType::I, "-42"),
            (DataType::D, "2026-02-14"),
            (DataType::D, "20260214"),
            (DataType::T, "2026-02-14 08:30:00"),
            (DataType::T, "2026-02-14T08:30:00+08:00"),
            (DataType::L, "是"),
            (DataType::C, "张三"),
            (DataType::N, ""),
        ];
        for (t, v) in ok {
            assert_eq!(check_text(&column(t, 0), v), None, "{t:?} {v}");
        }
        let bad = [
            (DataType::N, "12,5"),
            (DataType::N, "NaN"),
            (DataType::I, "1.5"),
            (DataType::D, "2026-02-30"),
            (DataType::T, "yesterday"),
            (DataType::L, "maybe"),
        ];
        for (t, v) in bad {
            assert!(check_text(&column(t, 0), v).is_some(), "{t:?} {v}");
        }
    }

    #[test]
    fn text_longer_than_the_item_is_refused_in_characters() {
        assert_eq!(check_text(&column(DataType::C, 2), "张三"), None);
        let message = check_text(&column(DataType::C, 2), "欧阳修文").expect("too long");
        assert!(message.contains('4'), "{message}");
    }

    #[test]
    fn json_values_are_checked_by_data_type() {
        use serde_json::json;
        assert_eq!(check_json(&column(DataType::I, 0), &json!(7)), None);
        assert_eq!(check_json(&column(DataType::L, 0), &json!(true)), None);
        assert_eq!(check_json(&column(DataType::D, 0), &json!(null)), None);
        assert!(check_json(&column(DataType::I, 0), &json!(7.5)).is_some());
        assert!(check_json(&column(DataType::N, 0), &json!({"a": 1})).is_some());
        assert!(check_json(&column(DataType::D, 0), &json!("2026/02/14")).is_some());
    }
}
