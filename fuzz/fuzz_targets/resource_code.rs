//! 信息资源代码 and 分类码 parsing: any text is accepted or refused without panicking, and an
//! accepted code reads back as exactly the text it came from, part by part.

#![no_main]

use govshare_model::{Classification, ClassificationCode, MAX_SEQUENCE, ResourceCode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check_resource_code(&text);
    check_classification(&text);
    if let Some((classification, _)) = text.split_once('/') {
        check_classification(classification);
    }
});

fn check_resource_code(text: &str) {
    let code = match ResourceCode::parse(text) {
        Ok(code) => code,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    assert_eq!(code.to_string(), text);
    assert_eq!(text.parse::<ResourceCode>().as_ref(), Ok(&code));
    assert!((1..=MAX_SEQUENCE).contains(&code.sequence()));
    assert_eq!(
        ResourceCode::try_new(code.classification().clone(), code.sequence()).as_ref(),
        Ok(&code)
    );
    assert_eq!(
        format!("{}/{:06}", code.classification(), code.sequence()),
        text
    );
    let json = serde_json::to_string(&code).expect("a code serializes");
    assert_eq!(serde_json::from_str::<ResourceCode>(&json).ok(), Some(code));
}

fn check_classification(text: &str) {
    let Ok(code) = ClassificationCode::parse(text) else {
        return;
    };
    assert_eq!(code.as_str(), text);
    let joined = format!(
        "{}{}{}{}",
        code.category().code(),
        code.item(),
        code.subitem(),
        code.detail()
    );
    assert_eq!(joined, text);
    assert_eq!(Classification::from_code(&code).code(), code);
}
