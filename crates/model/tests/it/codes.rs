//! The code newtypes: credit codes, region codes, classification and resource codes.

use govshare_model::testing::valid_credit_code;
use govshare_model::{
    Category, ClassificationCode, CodeError, CreditCode, CreditCodeError, MAX_SEQUENCE, RegionCode,
    ResourceCode, check_char,
};

#[test]
fn guideline_credit_code_vectors() {
    assert!(CreditCode::parse("91110000600037341L").is_ok());
    assert!(CreditCode::parse("91350100M000100Y43").is_ok());
    assert!(CreditCode::parse("91350100M000100Y4Z").is_err());
}

#[test]
fn wrong_check_character_names_the_right_one() {
    let err = CreditCode::parse("91110000600037341Z").expect_err("wrong check");
    assert_eq!(
        err.to_string(),
        "校验码应为L，实际为Z (check character should be L, got Z)"
    );
}

#[test]
fn credit_code_length_is_counted_in_characters() {
    let err = CreditCode::parse("91110000600037341").expect_err("short");
    assert_eq!(
        err.to_string(),
        "统一社会信用代码应为18位，实际为17位 (credit code must be 18 characters, got 17)"
    );
    assert_eq!(
        CreditCode::parse("9111000060003734中L"),
        Err(CreditCodeError::InvalidCharacter {
            position: 17,
            found: '中'
        })
    );
}

#[test]
fn lowercase_credit_code_is_rejected_with_a_clear_message() {
    let err = CreditCode::parse("91350100m000100Y43").expect_err("lowercase");
    assert_eq!(
        err,
        CreditCodeError::Lowercase {
            position: 9,
            found: 'm'
        }
    );
    assert!(err.to_string().contains("upper case"));
}

#[test]
fn credit_code_letters_outside_the_alphabet_are_rejected() {
    let err = CreditCode::parse("91350100I000100Y43").expect_err("I");
    assert_eq!(
        err,
        CreditCodeError::InvalidCharacter {
            position: 9,
            found: 'I'
        }
    );
}

#[test]
fn credit_code_region_must_be_digits() {
    let first17 = "9111A000600037341";
    let code = format!("{first17}{}", check_char(first17).expect("check"));
    let err = CreditCode::parse(&code).expect_err("letter in region");
    assert_eq!(
        err,
        CreditCodeError::RegionNotDigits {
            position: 5,
            found: 'A'
        }
    );
    assert!(err.to_string().contains("行政区划码"));
}

#[test]
fn credit_code_surrounding_whitespace_is_rejected() {
    assert!(CreditCode::parse(" 91110000600037341L").is_err());
    assert!(CreditCode::parse("91110000600037341L\n").is_err());
}

#[test]
fn credit_code_region_is_positions_three_to_eight() {
    let code = CreditCode::parse("91350100M000100Y43").expect("valid");
    assert_eq!(code.region(), "350100");
    assert_eq!(code.as_str(), "91350100M000100Y43");
    assert_eq!(code.to_string(), "91350100M000100Y43");
}

#[test]
fn credit_code_serializes_as_its_text_and_validates_when_read() {
    let code: CreditCode = "91110000600037341L".parse().expect("valid");
    let json = serde_json::to_string(&code).expect("serialize");
    assert_eq!(json, "\"91110000600037341L\"");
    assert_eq!(
        serde_json::from_str::<CreditCode>(&json).expect("read"),
        code
    );
    assert!(serde_json::from_str::<CreditCode>("\"91110000600037341Z\"").is_err());
}

#[test]
fn valid_credit_codes_are_valid_and_distinct() {
    let codes: Vec<String> = [0, 1, 2, 30, 31, 1000, u32::MAX]
        .into_iter()
        .map(valid_credit_code)
        .collect();
    for c in &codes {
        assert!(CreditCode::parse(c).is_ok(), "{c}");
    }
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), codes.len());
}

#[test]
fn region_code_is_six_digits_not_starting_with_00() {
    assert_eq!(
        RegionCode::parse("110000").expect("valid").as_str(),
        "110000"
    );
    for bad in [
        "11000",
        "1100000",
        "11000a",
        "001100",
        " 11000",
        "１１００００",
    ] {
        assert!(RegionCode::parse(bad).is_err(), "{bad}");
    }
    let err = RegionCode::parse("001100").expect_err("00");
    assert!(err.to_string().contains("00"));
}

#[test]
fn region_code_serializes_as_its_text() {
    let r = RegionCode::parse("350100").expect("valid");
    let json = serde_json::to_string(&r).expect("serialize");
    assert_eq!(json, "\"350100\"");
    assert_eq!(serde_json::from_str::<RegionCode>(&json).expect("read"), r);
    assert!(serde_json::from_str::<RegionCode>("\"000000\"").is_err());
}

#[test]
fn classification_code_has_six_to_eighteen_digits() {
    assert!(ClassificationCode::parse("101001").is_ok());
    assert!(ClassificationCode::parse("101001123456789012").is_ok());
    assert!(ClassificationCode::parse("10100").is_err());
    assert!(ClassificationCode::parse("1010011234567890123").is_err());
    assert!(ClassificationCode::parse("10100a").is_err());
}

#[test]
fn classification_code_starts_with_a_category() {
    assert!(matches!(
        ClassificationCode::parse("401001"),
        Err(CodeError::Category(_))
    ));
    assert!(ClassificationCode::parse("001001").is_err());
}

#[test]
fn classification_code_splits_into_its_parts() {
    let c = ClassificationCode::parse("303084122704").expect("valid");
    assert_eq!(c.category(), Category::Department);
    assert_eq!((c.item(), c.subitem(), c.detail()), ("03", "084", "122704"));
}

#[test]
fn resource_code_parses_and_displays() {
    let code = ResourceCode::parse("303084122704/000001").expect("valid");
    assert_eq!(code.classification().as_str(), "303084122704");
    assert_eq!(code.sequence(), 1);
    assert_eq!(code.to_string(), "303084122704/000001");
    let same: ResourceCode = "303084122704/000001".parse().expect("valid");
    assert_eq!(same, code);
}

#[test]
fn resource_code_sequence_is_six_digits_from_one() {
    for bad in [
        "101001/00001",
        "101001/0000001",
        "101001/000000",
        "101001/00000a",
        "101001/+00001",
        "101001",
        "101001/000001/000002",
        "101001 /000001",
    ] {
        assert!(ResourceCode::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(
        ResourceCode::parse("101001/999999")
            .expect("max")
            .sequence(),
        MAX_SEQUENCE
    );
}

#[test]
fn resource_code_is_built_from_a_classification_and_a_sequence() {
    let c = ClassificationCode::parse("101001").expect("valid");
    let code = ResourceCode::new(c.clone(), 42);
    assert_eq!(code.to_string(), "101001/000042");
    assert!(ResourceCode::try_new(c.clone(), 0).is_err());
    assert!(ResourceCode::try_new(c, MAX_SEQUENCE + 1).is_err());
}

#[test]
fn resource_codes_order_by_classification_then_sequence() {
    let a = ResourceCode::parse("101001/000002").expect("a");
    let b = ResourceCode::parse("101001/000010").expect("b");
    let c = ResourceCode::parse("101002/000001").expect("c");
    assert!(a < b && b < c);
}

#[test]
fn resource_code_serializes_as_its_text() {
    let code = ResourceCode::parse("101001/000007").expect("valid");
    let json = serde_json::to_string(&code).expect("serialize");
    assert_eq!(json, "\"101001/000007\"");
    assert_eq!(
        serde_json::from_str::<ResourceCode>(&json).expect("read"),
        code
    );
    assert!(serde_json::from_str::<ResourceCode>("\"101001/000000\"").is_err());
}

#[test]
fn code_errors_are_bilingual() {
    let err = ResourceCode::parse("101001/0").expect_err("short");
    let text = err.to_string();
    assert!(
        text.contains("顺序码") && text.contains("sequence"),
        "{text}"
    );
    // Each language on its own, and the message is both, Chinese first.
    let text = err.text();
    assert_eq!(text.zh, "顺序码应为000001至999999之间的6位数字，实际为“0”");
    assert_eq!(
        text.en,
        "sequence must be 6 digits from 000001 to 999999, got \"0\""
    );
    assert_eq!(err.to_string(), format!("{} ({})", text.zh, text.en));
    let err = RegionCode::parse("001100").expect_err("00");
    assert_eq!(err.text().zh, "行政区划代码不能以00开头，实际为“001100”");
    assert_eq!(
        err.text().en,
        "region code cannot start with 00, got \"001100\""
    );
    let err = CreditCode::parse("9111").expect_err("short");
    assert_eq!(err.text().zh, "统一社会信用代码应为18位，实际为4位");
    assert_eq!(err.text().en, "credit code must be 18 characters, got 4");
}
