//! Fixtures for tests here and in other crates: a realistic valid input and valid credit codes.

use crate::credit_code::check_char;
use crate::enums::{Category, DataType, FormatKind, ShareMode, ShareType, UpdateCycle};
use crate::input::{
    ClassificationInput, FormatInput, InfoItemInput, MetadataInput, OpenInput, SharingInput,
};
use crate::metadata::ResourceMetadata;

/// The provider code of [`sample_input`].
pub const SAMPLE_PROVIDER_CODE: &str = "91110000600037341L";

/// 人口基础信息: a fully valid, conditionally shared base resource with three items.
pub fn sample_input() -> MetadataInput {
    let item = |name: &str, data_type: DataType, length: u32, description: &str| InfoItemInput {
        name: name.to_owned(),
        data_type: data_type.code(),
        length,
        share_type: 0,
        description: description.to_owned(),
    };
    MetadataInput {
        classification: ClassificationInput {
            category: Category::Base.code(),
            item: "01".to_owned(),
            subitem: "001".to_owned(),
            detail: String::new(),
        },
        name: "人口基础信息".to_owned(),
        provider_code: SAMPLE_PROVIDER_CODE.to_owned(),
        summary: "本市户籍及常住人口的基础身份信息，用于政务服务身份核验。".to_owned(),
        format: FormatInput {
            kind: FormatKind::Database.code(),
            detail: "KingbaseES".to_owned(),
        },
        items: vec![
            item("姓名", DataType::C, 50, "公民姓名"),
            item("公民身份号码", DataType::C, 18, "18位公民身份号码"),
            item("出生日期", DataType::D, 8, ""),
        ],
        sharing: SharingInput {
            share_type: ShareType::Conditional.code(),
            condition: "仅限履行法定职责的部门用于身份核验".to_owned(),
            mode: ShareMode::PlatformInterface.code(),
            basis: String::new(),
        },
        open: OpenInput {
            open_to_public: false,
            condition: String::new(),
        },
        update_cycle: UpdateCycle::Daily.code(),
        publish_date: "2026-01-15".to_owned(),
        related_codes: Vec::new(),
        keywords: vec!["人口".to_owned(), "身份".to_owned()],
        classified: false,
    }
}

/// [`sample_input`], validated.
pub fn sample_metadata() -> ResourceMetadata {
    crate::validate(&sample_input()).expect("the sample input is valid")
}

/// A valid credit code, distinct for each `n`: region 110000, the subject code spelling `n`
/// in the code's alphabet.
pub fn valid_credit_code(n: u32) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut body = [b'0'; 9];
    let mut rest = n;
    for slot in body.iter_mut().rev() {
        *slot = ALPHABET[(rest % 31) as usize];
        rest /= 31;
    }
    let first17 = format!("91110000{}", String::from_utf8_lossy(&body));
    let check = check_char(&first17).expect("17 characters of the alphabet");
    format!("{first17}{check}")
}
