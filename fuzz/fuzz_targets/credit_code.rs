//! 统一社会信用代码 parsing: any text is accepted or refused without panicking; an accepted code
//! reads back as exactly its text with the check character its first 17 give; a refusal
//! points at the character it names, and a wrong check character names the right one.

#![no_main]

use govshare_model::{CreditCode, CreditCodeError, RegionCode, check_char};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let chars: Vec<char> = text.chars().collect();
    check_parse(&text, &chars);
    check_check_char(&chars);
    if let Ok(region) = RegionCode::parse(&text) {
        assert_eq!(region.as_str(), text);
        assert!(!text.starts_with("00"));
    }
});

fn check_parse(text: &str, chars: &[char]) {
    let at = |position: usize| chars.get(position - 1).copied();
    match CreditCode::parse(text) {
        Ok(code) => {
            assert_eq!(code.to_string(), text);
            assert_eq!(text.parse::<CreditCode>().as_ref(), Ok(&code));
            assert!(code.region().bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(code.region(), &text[2..8]);
            assert_eq!(check_char(&text[..17]), text.chars().last());
            let json = serde_json::to_string(&code).expect("a code serializes");
            assert_eq!(serde_json::from_str::<CreditCode>(&json).ok(), Some(code));
        }
        Err(CreditCodeError::Length { actual }) => {
            assert_eq!(actual, chars.len());
            assert_ne!(actual, 18);
        }
        Err(CreditCodeError::Lowercase { position, found }) => {
            assert_eq!(at(position), Some(found));
            assert!(found.is_lowercase());
        }
        Err(
            CreditCodeError::InvalidCharacter { position, found }
            | CreditCodeError::RegionNotDigits { position, found },
        ) => {
            assert_eq!(at(position), Some(found));
            assert!(position < 18);
        }
        Err(CreditCodeError::CheckCharacter { expected, actual }) => {
            assert_ne!(expected, actual);
            assert_eq!(at(18), Some(actual));
            let mut fixed: String = chars[..17].iter().collect();
            fixed.push(expected);
            assert!(
                CreditCode::parse(&fixed).is_ok(),
                "{fixed} has the check character the error gave"
            );
        }
    }
}

/// A check character exists exactly for 17 characters of the code's alphabet, and completes
/// them to a code whenever positions 3–8 are digits.
fn check_check_char(chars: &[char]) {
    let first17: String = chars.iter().take(17).collect();
    let Some(check) = check_char(&first17) else {
        return;
    };
    assert_eq!(first17.chars().count(), 17);
    let code = format!("{first17}{check}");
    let region_digits = chars[2..8].iter().all(char::is_ascii_digit);
    assert_eq!(CreditCode::parse(&code).is_ok(), region_digits, "{code}");
}
