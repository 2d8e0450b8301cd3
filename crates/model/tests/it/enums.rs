//! The coded values: codes, names, Chinese labels, parsing and serde.

use govshare_model::{
    Category, DataType, EntryState, FormatKind, GrantFlagKind, GrantState, RequestState, Role,
    ShareMode, ShareType, UpdateCycle,
};

#[test]
fn codes_round_trip_for_every_enum() {
    macro_rules! check {
        ($($ty:ty),+) => {$(
            for &e in <$ty>::ALL {
                assert_eq!(<$ty>::from_code(e.code()), Some(e));
                assert_eq!(<$ty>::parse_label(e.name()), Some(e));
                assert_eq!(<$ty>::parse_label(e.label_zh()), Some(e));
                assert_eq!(<$ty>::parse_label(&e.code().to_string()), Some(e));
                let json = serde_json::to_string(&e).expect("serialize");
                assert_eq!(json, format!("\"{}\"", e.name()));
                assert_eq!(serde_json::from_str::<$ty>(&json).expect("read"), e);
            }
            assert_eq!(<$ty>::from_code(0), None);
            assert_eq!(<$ty>::from_code(-1), None);
        )+};
    }
    check!(
        Category,
        ShareType,
        ShareMode,
        FormatKind,
        DataType,
        UpdateCycle,
        EntryState,
        Role,
        RequestState,
        GrantState,
        GrantFlagKind
    );
}

#[test]
fn codes_match_the_guideline() {
    assert_eq!(Category::Department.code(), 3);
    assert_eq!(ShareType::NotShared.code(), 3);
    assert_eq!(ShareMode::Media.code(), 6);
    assert_eq!(FormatKind::Other.code(), 7);
    assert_eq!(DataType::F.code(), 11);
    assert_eq!(UpdateCycle::Irregular.code(), 8);
    assert_eq!(EntryState::Revoked.code(), 6);
    assert_eq!(Role::Auditor.code(), 5);
    assert_eq!(Category::ALL.len(), 3);
    assert_eq!(DataType::ALL.len(), 11);
}

#[test]
fn parse_label_accepts_code_english_and_chinese() {
    assert_eq!(ShareType::parse_label("2"), Some(ShareType::Conditional));
    assert_eq!(
        ShareType::parse_label("conditional"),
        Some(ShareType::Conditional)
    );
    assert_eq!(
        ShareType::parse_label("Not_Shared"),
        Some(ShareType::NotShared)
    );
    assert_eq!(
        ShareType::parse_label("有条件共享"),
        Some(ShareType::Conditional)
    );
    assert_eq!(DataType::parse_label("c"), Some(DataType::C));
    assert_eq!(DataType::parse_label("日期时间型"), Some(DataType::T));
    assert_eq!(
        UpdateCycle::parse_label("每季度"),
        Some(UpdateCycle::Quarterly)
    );
    assert_eq!(Role::parse_label("审计员"), Some(Role::Auditor));
}

#[test]
fn parse_label_accepts_either_kind_of_parentheses() {
    assert_eq!(
        ShareMode::parse_label("共享平台（接口）"),
        Some(ShareMode::PlatformInterface)
    );
    assert_eq!(
        ShareMode::parse_label("共享平台(接口)"),
        Some(ShareMode::PlatformInterface)
    );
}

#[test]
fn parse_label_rejects_unknown_text_and_codes() {
    assert_eq!(ShareType::parse_label("0"), None);
    assert_eq!(ShareType::parse_label("4"), None);
    assert_eq!(ShareType::parse_label(""), None);
    assert_eq!(ShareType::parse_label("共享"), None);
    assert_eq!(Category::parse_label("99999999999999"), None);
}

#[test]
fn lower_code_is_more_open() {
    assert!(ShareType::Unconditional < ShareType::Conditional);
    assert!(ShareType::Unconditional.openness_rank() < ShareType::NotShared.openness_rank());
    assert_eq!(
        ShareType::most_open([ShareType::NotShared, ShareType::Conditional]),
        Some(ShareType::Conditional)
    );
    assert_eq!(ShareType::most_open([]), None);
}

#[test]
fn format_kinds_list_their_details() {
    assert_eq!(
        FormatKind::Spreadsheet.allowed_details(),
        &["et", "xls", "xlsx"]
    );
    assert!(
        FormatKind::Database
            .allowed_details()
            .contains(&"KingbaseES")
    );
    assert_eq!(FormatKind::ElectronicFile.allowed_details().len(), 9);
    assert!(FormatKind::SelfDescribing.allowed_details().is_empty());
    assert!(FormatKind::Other.allowed_details().is_empty());
}

#[test]
fn deserializing_rejects_labels_and_codes() {
    assert!(serde_json::from_str::<ShareType>("\"有条件共享\"").is_err());
    assert!(serde_json::from_str::<ShareType>("2").is_err());
    assert!(serde_json::from_str::<ShareType>("\"conditional\"").is_err());
}
