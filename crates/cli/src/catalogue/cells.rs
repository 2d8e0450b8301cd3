//! The value of one template cell: enum labels (as metadata files read them), digit codes,
//! yes/no, lengths and dates. Errors are told in Chinese, then in English.

use crate::enums;

/// An enum cell: the value's name, short name (any case), Chinese label or number; the error
/// names the enum and what may be written, e.g. `未知数据类型 “字符” (unknown data type;
/// expected C, N, … (or 字符型, 数值型, …))`.
pub fn enum_value(full_name: &str, what: (&str, &str), text: &str) -> Result<i32, String> {
    let desc = enums::descriptor(full_name).map_err(|e| e.to_string())?;
    let text = text.trim();
    if let Ok(value) = enums::resolve(&desc, text)
        && value.number() != 0
    {
        return Ok(value.number());
    }
    if let Ok(number) = text.parse::<i32>()
        && number != 0
        && desc.get_value(number).is_some()
    {
        return Ok(number);
    }
    let (zh, en) = what;
    Err(format!(
        "未知{zh} “{text}” (unknown {en}; expected {})",
        enums::expected(&desc)
    ))
}

/// A fixed-width digit code (分类 项 and 目): a spreadsheet program drops the leading zeros of
/// `01`, so shorter digit strings are padded back.
pub fn digits(text: &str, width: usize) -> String {
    let text = text.trim();
    if !text.is_empty() && text.len() < width && text.bytes().all(|b| b.is_ascii_digit()) {
        format!("{text:0>width$}")
    } else {
        text.to_string()
    }
}

/// A yes/no cell; empty is no.
pub fn yes_no(text: &str) -> Result<bool, String> {
    const YES: &[&str] = &[
        "是",
        "y",
        "yes",
        "true",
        "1",
        "√",
        "开放",
        "向社会开放",
        "无条件开放",
        "有条件开放",
        "涉密",
    ];
    const NO: &[&str] = &[
        "",
        "否",
        "n",
        "no",
        "false",
        "0",
        "×",
        "不开放",
        "不向社会开放",
        "不予开放",
        "非涉密",
        "不涉密",
    ];
    let folded = text.trim().to_lowercase();
    if YES.contains(&folded.as_str()) {
        Ok(true)
    } else if NO.contains(&folded.as_str()) {
        Ok(false)
    } else {
        Err(format!(
            "应填“是”或“否”，实际为 “{}” (expected yes or no (是/否), got {:?})",
            text.trim(),
            text.trim()
        ))
    }
}

/// 数据长度: a whole number (validation then checks its range).
pub fn length(text: &str) -> Result<u32, String> {
    let text = text.trim();
    text.parse::<u32>().map_err(|_| {
        format!(
            "数据长度应为正整数，实际为 “{text}” (the length must be a whole number, got {text:?})"
        )
    })
}

/// 发布日期: `2024-03-15`, also written `2024/3/15`, `2024.3.15` or `2024年3月15日`, becomes
/// `2024-03-15`; anything else is left for validation to refuse.
pub fn date(text: &str) -> String {
    let text = text.trim();
    let parts: Vec<&str> = text
        .trim_end_matches('日')
        .split(['-', '/', '.', '年', '月'])
        .collect();
    match parts.as_slice() {
        [y, m, d]
            if y.len() == 4
                && (1..=2).contains(&m.len())
                && (1..=2).contains(&d.len())
                && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) =>
        {
            format!("{y}-{m:0>2}-{d:0>2}")
        }
        _ => text.to_string(),
    }
}

/// 提供方代码: a credit code is written in capitals.
pub fn credit_code(text: &str) -> String {
    text.trim().to_ascii_uppercase()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::proto::{Category, DataType, ShareMode, ShareType, UpdateCycle};

    const DATA_TYPE: (&str, &str) = ("数据类型", "data type");

    #[test]
    fn enums_take_names_short_names_labels_and_numbers() {
        let dt = |t| enum_value("govshare.v1.DataType", DATA_TYPE, t);
        assert_eq!(dt("字符型"), Ok(DataType::C as i32));
        assert_eq!(dt(" c "), Ok(DataType::C as i32));
        assert_eq!(dt("DATA_TYPE_N"), Ok(DataType::N as i32));
        let what = ("共享方式", "share mode");
        assert_eq!(
            enum_value("govshare.v1.ShareMode", what, "共享平台(接口)"),
            Ok(ShareMode::PlatformInterface as i32)
        );
        let what = ("类", "category");
        assert_eq!(
            enum_value("govshare.v1.Category", what, "3"),
            Ok(Category::Department as i32)
        );
        let what = ("共享类型", "share type");
        assert_eq!(
            enum_value("govshare.v1.ShareType", what, "有条件共享"),
            Ok(ShareType::Conditional as i32)
        );
        let what = ("更新周期", "update cycle");
        assert_eq!(
            enum_value("govshare.v1.UpdateCycle", what, "每季度"),
            Ok(UpdateCycle::Quarterly as i32)
        );
    }

    #[test]
    fn unknown_enum_value_tells_what_to_write() {
        let err = enum_value("govshare.v1.DataType", DATA_TYPE, "字符").unwrap_err();
        assert!(
            err.starts_with("未知数据类型 “字符” (unknown data type; expected C, N, Y, D, T"),
            "{err}"
        );
        assert!(err.contains("字符型, 数值型"), "{err}");
        // UNSPECIFIED and 0 are not values a person may write.
        assert!(enum_value("govshare.v1.DataType", DATA_TYPE, "unspecified").is_err());
        assert!(enum_value("govshare.v1.DataType", DATA_TYPE, "0").is_err());
    }

    #[test]
    fn digit_codes_get_their_leading_zeros_back() {
        assert_eq!(digits("1", 2), "01");
        assert_eq!(digits("12", 3), "012");
        assert_eq!(digits("001", 3), "001");
        assert_eq!(digits("1a", 3), "1a");
        assert_eq!(digits("", 2), "");
    }

    #[test]
    fn yes_no_reads_chinese_and_english() {
        assert_eq!(yes_no("是"), Ok(true));
        assert_eq!(yes_no("Yes"), Ok(true));
        assert_eq!(yes_no(""), Ok(false));
        assert_eq!(yes_no("否"), Ok(false));
        assert!(yes_no("也许").unwrap_err().contains("expected yes or no"));
    }

    #[test]
    fn lengths_are_whole_numbers() {
        assert_eq!(length(" 18 "), Ok(18));
        assert!(length("18.5").unwrap_err().contains("whole number"));
        assert!(length("-1").is_err());
    }

    #[test]
    fn dates_are_normalized() {
        assert_eq!(date("2024/3/5"), "2024-03-05");
        assert_eq!(date("2024年3月15日"), "2024-03-15");
        assert_eq!(date("2024-03-15"), "2024-03-15");
        assert_eq!(date("15/03/2024"), "15/03/2024");
    }
}
