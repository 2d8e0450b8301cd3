//! Whether a value fits its column's 数据类型 and length. Empty values (and JSON null) are
//! always accepted: a missing value is not a malformed one. The length holds every type that
//! has one: characters for text (字符型 C, 备注型 M, 通用型 G), digits for numbers (N, Y, B, F,
//! I). Dates, date-times and logical values have fixed forms, which bound them; their length
//! (8 for CCYYMMDD) says how the guideline writes them, not how a value is spelled.

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
        DataType::C | DataType::M | DataType::G => return too_long(column, value),
        DataType::N | DataType::Y | DataType::B | DataType::F => {
            value.parse::<f64>().is_ok_and(f64::is_finite)
        }
        DataType::I => value.parse::<i64>().is_ok(),
        DataType::D => is_date(value),
        DataType::T => is_date_time(value),
        DataType::L => is_logical(value),
    };
    if !fits {
        return Some(mismatch(column, text));
    }
    match column.data_type {
        DataType::N | DataType::Y | DataType::B | DataType::F | DataType::I => {
            too_many_digits(column, value)
        }
        _ => None,
    }
}

/// Why text is longer than its item, in characters, if it is (length 0: unbounded).
fn too_long(column: &Column, value: &str) -> Option<String> {
    let limit = column.length as usize;
    // A value of no more bytes than the limit has no more characters: no need to count.
    if limit == 0 || value.len() <= limit {
        return None;
    }
    let n = value.chars().count();
    (n > limit).then(|| {
        format!(
            "信息项“{}”长度为 {}，值有 {n} 个字符 (item {:?} is {} characters long; the value \
             has {n})",
            column.name, column.length, column.name, column.length
        )
    })
}

/// Why a number has more digits than its item's length, if it has (length 0: unbounded).
fn too_many_digits(column: &Column, value: &str) -> Option<String> {
    let limit = column.length as usize;
    if limit == 0 {
        return None;
    }
    let mantissa = value.split(['e', 'E']).next().unwrap_or_default();
    let n = mantissa.bytes().filter(u8::is_ascii_digit).count();
    (n > limit).then(|| {
        format!(
            "信息项“{}”长度为 {} 位，值有 {n} 位数字 (item {:?} is {} digits long; the value \
             has {n})",
            column.name, column.length, column.name, column.length
        )
    })
}

/// Why the JSON `value` does not fit `column`, if it does not.
pub(crate) fn check_json(column: &Column, value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match (value, column.data_type) {
        (Value::Null, _) => None,
        (Value::String(s), _) => check_text(column, s),
        (other, DataType::G) => too_long(column, &other.to_string()),
        (Value::Number(n), DataType::N | DataType::Y | DataType::B | DataType::F) => {
            too_many_digits(column, &n.to_string())
        }
        (Value::Number(n), DataType::I) if n.is_i64() || n.is_u64() => {
            too_many_digits(column, &n.to_string())
        }
        (other @ (Value::Number(_) | Value::Bool(_)), DataType::C | DataType::M) => {
            too_long(column, &other.to_string())
        }
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
    fn memo_and_general_text_longer_than_the_item_is_refused() {
        for t in [DataType::M, DataType::G] {
            assert_eq!(check_text(&column(t, 3), "备注文"), None);
            let message = check_text(&column(t, 3), "备注文字").expect("too long");
            assert!(message.contains("4 个字符"), "{message}");
        }
        let long = serde_json::json!({"a": "0123456789"});
        assert!(check_json(&column(DataType::G, 5), &long).is_some());
    }

    #[test]
    fn numbers_with_more_digits_than_the_item_are_refused() {
        assert_eq!(check_text(&column(DataType::N, 6), "-1234.56"), None);
        assert_eq!(check_text(&column(DataType::F, 3), "1.25e300"), None);
        assert!(check_text(&column(DataType::N, 6), "12345.678").is_some());
        assert!(check_text(&column(DataType::I, 2), "100").is_some());
        let zeros = format!("0.{}1", "0".repeat(1000));
        assert!(check_text(&column(DataType::Y, 12), &zeros).is_some());
        assert!(check_json(&column(DataType::I, 2), &serde_json::json!(100)).is_some());
        assert!(check_json(&column(DataType::C, 2), &serde_json::json!(100)).is_some());
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
