//! Every validation rule of the guideline, one behaviour per test.

use govshare_model::testing::sample_input;
use std::collections::HashSet;

use govshare_model::{
    Category, DataType, FieldReason, FieldViolation, FormatKind, InfoItemInput, MetadataInput,
    ShareMode, ShareType, UpdateCycle, Violations, validate,
};

fn violations(input: &MetadataInput) -> Violations {
    validate(input).expect_err("input should be rejected")
}

fn fields(v: &Violations) -> Vec<&str> {
    v.iter().map(|f| f.field.as_str()).collect()
}

/// The only violation is on `field`; returns it.
fn only(input: &MetadataInput, field: &str) -> FieldViolation {
    let v = violations(input);
    assert_eq!(fields(&v), vec![field], "{v}");
    v.0[0].clone()
}

/// The only violation is on `field`; returns its description.
fn only_violation(input: &MetadataInput, field: &str) -> String {
    only(input, field).description()
}

/// The text is in both languages, each on its own: Chinese in `zh`, English in `en`.
fn assert_bilingual(f: &FieldViolation) {
    let (zh, en) = (&f.text.zh, &f.text.en);
    assert!(
        zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{f}: no Chinese in {zh:?}"
    );
    assert!(
        en.starts_with(|c: char| c.is_ascii_alphabetic() || c == '"'),
        "{f}: English {en:?}"
    );
    assert!(!zh.contains(en.as_str()), "{f}: fused {zh:?}");
    assert_eq!(f.description(), format!("{zh} ({en})"));
}

fn item(name: &str, share_type: i32) -> InfoItemInput {
    InfoItemInput {
        name: name.into(),
        data_type: DataType::C.code(),
        length: 10,
        share_type,
        description: String::new(),
    }
}

#[test]
fn sample_input_is_valid() {
    let m = validate(&sample_input()).expect("valid");
    assert_eq!(m.name, "人口基础信息");
    assert_eq!(m.classification.code().as_str(), "101001");
    assert_eq!(m.sharing.share_type, ShareType::Conditional);
    assert_eq!(m.sharing.mode, Some(ShareMode::PlatformInterface));
    assert_eq!(m.provider_name, "");
    assert_eq!(m.items.len(), 3);
    assert!(
        m.items
            .iter()
            .all(|i| i.share_type == ShareType::Conditional)
    );
}

#[test]
fn all_violations_reported_at_once() {
    let mut input = sample_input();
    input.classification.category = 0;
    input.name = "  ".into();
    input.provider_code = "91110000600037341X".into();
    input.items[1].length = 0;
    input.sharing.condition = String::new();
    input.update_cycle = 99;
    input.publish_date = "2026/01/15".into();
    input.classified = true;
    let v = violations(&input);
    assert_eq!(
        fields(&v),
        vec![
            "classification.category",
            "name",
            "provider_code",
            "items[1].length",
            "sharing.condition",
            "update_cycle",
            "publish_date",
            "classified",
        ],
        "{v}"
    );
}

#[test]
fn empty_input_reports_every_required_field() {
    let v = violations(&MetadataInput::default());
    assert_eq!(
        fields(&v),
        vec![
            "classification.category",
            "classification.item",
            "classification.subitem",
            "name",
            "provider_code",
            "summary",
            "format.kind",
            "items",
            "sharing.share_type",
            "update_cycle",
            "publish_date",
        ],
        "{v}"
    );
}

#[test]
fn descriptions_are_chinese_then_english() {
    let v = violations(&MetadataInput::default());
    for f in &v {
        assert_bilingual(f);
        let first = f.description().chars().next().expect("non-empty");
        assert!(!first.is_ascii(), "{}: {}", f.field, f.description());
        assert!(
            f.description().ends_with(')'),
            "{}: {}",
            f.field,
            f.description()
        );
    }
}

#[test]
fn category_is_required() {
    let mut input = sample_input();
    input.classification.category = 0;
    let f = only(&input, "classification.category");
    // UNSPECIFIED is a value the field does not accept.
    assert_eq!(f.reason, FieldReason::UnknownValue, "{f}");
    assert!(f.text.zh.contains("必填"), "{f}");
    assert!(f.text.en.contains("required"), "{f}");
}

#[test]
fn unknown_category_code_is_reported() {
    let mut input = sample_input();
    input.classification.category = 9;
    let d = only_violation(&input, "classification.category");
    assert!(d.contains("unknown category code 9"), "{d}");
}

#[test]
fn classification_item_must_be_two_digits() {
    for bad in ["1", "001", "a1", "", "０１"] {
        let mut input = sample_input();
        input.classification.item = bad.into();
        only_violation(&input, "classification.item");
    }
}

#[test]
fn classification_subitem_must_be_three_digits() {
    for bad in ["01", "0001", "00x", ""] {
        let mut input = sample_input();
        input.classification.subitem = bad.into();
        only_violation(&input, "classification.subitem");
    }
}

#[test]
fn classification_detail_is_empty_or_up_to_twelve_digits() {
    for good in ["", "1", "123456789012"] {
        let mut input = sample_input();
        input.classification.detail = good.into();
        let m = validate(&input).expect("valid detail");
        assert_eq!(m.classification.code().as_str(), format!("101001{good}"));
    }
    for bad in ["1234567890123", "12a", " 1"] {
        let mut input = sample_input();
        input.classification.detail = bad.into();
        only_violation(&input, "classification.detail");
    }
}

#[test]
fn name_is_required() {
    let mut input = sample_input();
    input.name = " \t ".into();
    let f = only(&input, "name");
    assert_eq!(f.reason, FieldReason::Required, "{f}");
    assert!(f.text.zh.contains("不能为空"), "{f}");
}

#[test]
fn name_length_counts_characters_not_bytes() {
    let mut input = sample_input();
    input.name = "人".repeat(200);
    assert!(validate(&input).is_ok());
    input.name = "人".repeat(201);
    let f = only(&input, "name");
    assert_eq!(f.reason, FieldReason::TooLong, "{f}");
    assert!(f.text.en.contains("got 201"), "{f}");
    assert!(f.text.zh.contains("实际为201个"), "{f}");
}

#[test]
fn name_summary_item_names_and_keywords_are_trimmed() {
    let mut input = sample_input();
    input.name = "  人口基础信息 ".into();
    input.summary = "\n摘要\n".into();
    input.items[0].name = " 姓名 ".into();
    input.keywords = vec![" 人口 ".into()];
    let m = validate(&input).expect("valid");
    assert_eq!(m.name, "人口基础信息");
    assert_eq!(m.summary, "摘要");
    assert_eq!(m.items[0].name, "姓名");
    assert_eq!(m.keywords, vec!["人口"]);
}

#[test]
fn provider_code_is_required() {
    let mut input = sample_input();
    input.provider_code = String::new();
    let d = only_violation(&input, "provider_code");
    assert!(d.contains("必填"), "{d}");
}

#[test]
fn provider_code_with_wrong_check_character_is_reported() {
    let mut input = sample_input();
    input.provider_code = "91110000600037341X".into();
    let f = only(&input, "provider_code");
    assert_eq!(f.reason, FieldReason::InvalidFormat, "{f}");
    assert_eq!(f.text.zh, "校验码应为L，实际为X");
    assert_eq!(f.text.en, "check character should be L, got X");
}

#[test]
fn provider_code_is_not_trimmed_or_uppercased() {
    for bad in [" 91110000600037341L", "91110000600037341l"] {
        let mut input = sample_input();
        input.provider_code = bad.into();
        only_violation(&input, "provider_code");
    }
}

#[test]
fn summary_is_required() {
    let mut input = sample_input();
    input.summary = String::new();
    only_violation(&input, "summary");
}

#[test]
fn summary_may_hold_four_thousand_characters() {
    let mut input = sample_input();
    input.summary = "摘".repeat(4000);
    assert!(validate(&input).is_ok());
    input.summary.push('要');
    only_violation(&input, "summary");
}

#[test]
fn format_kind_is_required() {
    let mut input = sample_input();
    input.format.kind = 0;
    only_violation(&input, "format.kind");
}

#[test]
fn unknown_format_kind_is_reported() {
    let mut input = sample_input();
    input.format.kind = 42;
    only_violation(&input, "format.kind");
}

#[test]
fn format_detail_is_matched_case_insensitively_and_stored_canonically() {
    let mut input = sample_input();
    input.format.kind = FormatKind::Database.code();
    input.format.detail = "kingbasees".into();
    assert_eq!(validate(&input).expect("valid").format.detail, "KingbaseES");
    input.format.kind = FormatKind::ElectronicFile.code();
    input.format.detail = "ofd".into();
    assert_eq!(validate(&input).expect("valid").format.detail, "OFD");
}

#[test]
fn format_detail_must_be_listed_for_its_kind() {
    let mut input = sample_input();
    input.format.kind = FormatKind::Spreadsheet.code();
    input.format.detail = "pdf".into();
    let d = only_violation(&input, "format.detail");
    assert!(d.contains("et, xls, xlsx"), "{d}");
}

#[test]
fn format_detail_is_required_for_listed_kinds() {
    let mut input = sample_input();
    input.format.kind = FormatKind::Image.code();
    input.format.detail = String::new();
    only_violation(&input, "format.detail");
}

#[test]
fn other_format_requires_a_description() {
    let mut input = sample_input();
    input.format.kind = FormatKind::Other.code();
    input.format.detail = " ".into();
    only_violation(&input, "format.detail");
    input.format.detail = "CAD图纸".into();
    assert_eq!(validate(&input).expect("valid").format.detail, "CAD图纸");
}

#[test]
fn self_describing_format_detail_is_optional_free_text() {
    let mut input = sample_input();
    input.format.kind = FormatKind::SelfDescribing.code();
    input.format.detail = String::new();
    assert!(validate(&input).is_ok());
    input.format.detail = "JSON Schema".into();
    assert_eq!(
        validate(&input).expect("valid").format.detail,
        "JSON Schema"
    );
}

#[test]
fn at_least_one_item_is_required() {
    let mut input = sample_input();
    input.items.clear();
    let d = only_violation(&input, "items");
    assert!(d.contains("至少"), "{d}");
}

#[test]
fn at_most_a_thousand_items() {
    let mut input = sample_input();
    input.items = (0..1001).map(|i| item(&format!("项{i}"), 0)).collect();
    only_violation(&input, "items");
    input.items.pop();
    assert!(validate(&input).is_ok());
}

#[test]
fn item_name_is_required() {
    let mut input = sample_input();
    input.items[2].name = "  ".into();
    only_violation(&input, "items[2].name");
}

#[test]
fn item_name_may_hold_a_hundred_characters() {
    let mut input = sample_input();
    input.items[0].name = "名".repeat(100);
    assert!(validate(&input).is_ok());
    input.items[0].name.push('字');
    only_violation(&input, "items[0].name");
}

#[test]
fn duplicate_item_name_is_reported_once_with_both_positions() {
    let mut input = sample_input();
    input.items[2].name = " 姓名".into();
    let f = only(&input, "items[2].name");
    assert_eq!(f.reason, FieldReason::Duplicate, "{f}");
    assert!(f.text.zh.contains("第3项与第1项相同"), "{f}");
    assert!(f.text.en.contains("item 3 duplicates item 1"), "{f}");
}

#[test]
fn every_later_duplicate_is_reported_against_the_first() {
    let mut input = sample_input();
    input.items = vec![item("甲", 0), item("甲", 0), item("甲", 0)];
    let v = violations(&input);
    assert_eq!(fields(&v), vec!["items[1].name", "items[2].name"]);
    assert!(v.iter().all(|f| f.description().contains("第1项相同")));
}

#[test]
fn item_data_type_is_required() {
    let mut input = sample_input();
    input.items[0].data_type = 0;
    only_violation(&input, "items[0].data_type");
}

#[test]
fn unknown_item_data_type_is_reported() {
    let mut input = sample_input();
    input.items[0].data_type = 12;
    let d = only_violation(&input, "items[0].data_type");
    assert!(d.contains("12"), "{d}");
}

#[test]
fn item_length_must_be_at_least_one() {
    let mut input = sample_input();
    input.items[1].length = 0;
    only_violation(&input, "items[1].length");
}

#[test]
fn item_length_is_at_most_a_million() {
    let mut input = sample_input();
    input.items[1].length = 1_000_000;
    assert!(validate(&input).is_ok());
    input.items[1].length = 1_000_001;
    only_violation(&input, "items[1].length");
}

#[test]
fn unknown_item_share_type_is_reported() {
    let mut input = sample_input();
    input.items[1].share_type = 7;
    only_violation(&input, "items[1].share_type");
}

#[test]
fn item_without_share_type_inherits_the_entry_type() {
    let mut input = sample_input();
    input.items[2].share_type = ShareType::NotShared.code();
    let m = validate(&input).expect("valid");
    let types: Vec<_> = m.items.iter().map(|i| i.share_type).collect();
    assert_eq!(
        types,
        vec![
            ShareType::Conditional,
            ShareType::Conditional,
            ShareType::NotShared
        ]
    );
    let shareable: Vec<_> = m.shareable_items().map(|i| i.name.as_str()).collect();
    assert_eq!(shareable, vec!["姓名", "公民身份号码"]);
}

#[test]
fn entry_share_type_is_derived_when_every_item_has_one() {
    let mut input = sample_input();
    input.sharing.share_type = 0;
    input.items = vec![
        item("甲", ShareType::NotShared.code()),
        item("乙", ShareType::Conditional.code()),
    ];
    let m = validate(&input).expect("valid");
    assert_eq!(m.sharing.share_type, ShareType::Conditional);
}

#[test]
fn entry_share_type_is_required_when_some_item_inherits() {
    let mut input = sample_input();
    input.sharing.share_type = 0;
    input.items[0].share_type = ShareType::Conditional.code();
    let d = only_violation(&input, "sharing.share_type");
    assert!(d.contains("必填"), "{d}");
}

#[test]
fn unknown_entry_share_type_is_reported() {
    let mut input = sample_input();
    input.sharing.share_type = 4;
    only_violation(&input, "sharing.share_type");
}

#[test]
fn entry_share_type_must_be_the_most_open_of_its_items() {
    let mut input = sample_input();
    input.items[1].share_type = ShareType::Unconditional.code();
    let d = only_violation(&input, "sharing.share_type");
    assert!(d.contains("第2项“公民身份号码”"), "{d}");
    assert!(d.contains("UNCONDITIONAL"), "{d}");
}

#[test]
fn entry_share_type_cannot_be_more_open_than_all_its_items() {
    let mut input = sample_input();
    input.sharing.share_type = ShareType::Unconditional.code();
    input.items = vec![
        item("甲", ShareType::Conditional.code()),
        item("乙", ShareType::NotShared.code()),
    ];
    only_violation(&input, "sharing.share_type");
}

#[test]
fn items_may_be_less_open_than_the_entry() {
    let mut input = sample_input();
    input.items[0].share_type = ShareType::Conditional.code();
    input.items[1].share_type = ShareType::NotShared.code();
    assert!(validate(&input).is_ok());
}

#[test]
fn conditional_share_requires_condition() {
    let mut input = sample_input();
    input.sharing.condition = " ".into();
    let d = only_violation(&input, "sharing.condition");
    assert!(d.contains("共享条件"), "{d}");
}

#[test]
fn not_shared_requires_basis() {
    let mut input = sample_input();
    input.sharing.share_type = ShareType::NotShared.code();
    input.sharing.basis = String::new();
    let d = only_violation(&input, "sharing.basis");
    assert!(d.contains("法律、行政法规"), "{d}");
    input.sharing.basis = "《中华人民共和国居民身份证法》第十九条".into();
    assert!(validate(&input).is_ok());
}

#[test]
fn share_mode_is_required_for_shared_resources() {
    for t in [ShareType::Unconditional, ShareType::Conditional] {
        let mut input = sample_input();
        input.sharing.share_type = t.code();
        input.sharing.mode = 0;
        only_violation(&input, "sharing.mode");
    }
}

#[test]
fn share_mode_is_optional_when_not_shared() {
    let mut input = sample_input();
    input.sharing.share_type = ShareType::NotShared.code();
    input.sharing.basis = "依据".into();
    input.sharing.mode = 0;
    assert_eq!(validate(&input).expect("valid").sharing.mode, None);
}

#[test]
fn unknown_share_mode_is_always_reported() {
    let mut input = sample_input();
    input.sharing.share_type = ShareType::NotShared.code();
    input.sharing.basis = "依据".into();
    input.sharing.mode = 7;
    only_violation(&input, "sharing.mode");
}

#[test]
fn open_condition_must_be_empty_when_not_open() {
    let mut input = sample_input();
    input.open.open_to_public = false;
    input.open.condition = "注册后可下载".into();
    only_violation(&input, "open.condition");
    input.open.open_to_public = true;
    assert!(validate(&input).is_ok());
}

#[test]
fn update_cycle_is_required() {
    let mut input = sample_input();
    input.update_cycle = 0;
    only_violation(&input, "update_cycle");
    input.update_cycle = UpdateCycle::Irregular.code();
    assert!(validate(&input).is_ok());
}

#[test]
fn unknown_update_cycle_is_reported() {
    let mut input = sample_input();
    input.update_cycle = 9;
    only_violation(&input, "update_cycle");
}

#[test]
fn publish_date_is_required() {
    let mut input = sample_input();
    input.publish_date = String::new();
    only_violation(&input, "publish_date");
}

#[test]
fn publish_date_must_be_strictly_yyyy_mm_dd() {
    for bad in [
        "2026-1-15",
        "2026/01/15",
        "20260115",
        " 2026-01-15",
        "2026-01-15T00:00",
    ] {
        let mut input = sample_input();
        input.publish_date = bad.into();
        let d = only_violation(&input, "publish_date");
        assert!(d.contains("YYYY-MM-DD"), "{d}");
    }
}

#[test]
fn publish_date_must_be_a_real_date() {
    let mut input = sample_input();
    input.publish_date = "2026-02-29".into();
    let d = only_violation(&input, "publish_date");
    assert!(d.contains("不是有效日期"), "{d}");
    input.publish_date = "2028-02-29".into();
    assert!(validate(&input).is_ok());
}

#[test]
fn related_codes_must_be_well_formed() {
    let mut input = sample_input();
    input.related_codes = vec!["101001/000002".into(), "101001-000003".into()];
    only_violation(&input, "related_codes[1]");
}

#[test]
fn duplicate_related_code_is_reported() {
    let mut input = sample_input();
    input.related_codes = vec!["101001/000002".into(), "101001/000002".into()];
    let d = only_violation(&input, "related_codes[1]");
    assert!(d.contains("重复"), "{d}");
}

#[test]
fn related_codes_are_kept_in_order() {
    let mut input = sample_input();
    input.related_codes = vec!["303084122704/000001".into(), "101001/000002".into()];
    let m = validate(&input).expect("valid");
    let codes: Vec<_> = m.related_codes.iter().map(ToString::to_string).collect();
    assert_eq!(codes, vec!["303084122704/000001", "101001/000002"]);
}

#[test]
fn keyword_must_not_be_blank() {
    let mut input = sample_input();
    input.keywords = vec!["人口".into(), " ".into()];
    only_violation(&input, "keywords[1]");
}

#[test]
fn keyword_may_hold_fifty_characters() {
    let mut input = sample_input();
    input.keywords = vec!["词".repeat(50)];
    assert!(validate(&input).is_ok());
    input.keywords = vec!["词".repeat(51)];
    only_violation(&input, "keywords[0]");
}

#[test]
fn at_most_twenty_keywords() {
    let mut input = sample_input();
    input.keywords = (0..21).map(|i| format!("词{i}")).collect();
    only_violation(&input, "keywords");
    input.keywords.pop();
    assert!(validate(&input).is_ok());
}

#[test]
fn classified_resource_is_refused() {
    let mut input = sample_input();
    input.classified = true;
    let f = only(&input, "classified");
    assert_eq!(f.reason, FieldReason::NotAllowed);
    assert_eq!(f.text.zh, "涉密信息资源不得在共享平台登记");
    assert_eq!(
        f.text.en,
        "classified resources cannot be registered on the sharing platform"
    );
    assert_eq!(
        f.description(),
        "涉密信息资源不得在共享平台登记 (classified resources cannot be registered on the sharing platform)"
    );
}

#[test]
fn text_other_than_trimmed_fields_is_stored_as_given() {
    let mut input = sample_input();
    input.sharing.condition = " 条件 ".into();
    input.items[0].description = " 说明 ".into();
    let m = validate(&input).expect("valid");
    assert_eq!(m.sharing.condition, " 条件 ");
    assert_eq!(m.items[0].description, " 说明 ");
}

#[test]
fn category_of_theme_resources_is_kept() {
    let mut input = sample_input();
    input.classification.category = Category::Theme.code();
    let m = validate(&input).expect("valid");
    assert_eq!(m.classification.category, Category::Theme);
}

#[test]
fn violations_display_lists_every_field() {
    let mut input = sample_input();
    input.name = String::new();
    input.summary = String::new();
    let text = violations(&input).to_string();
    assert!(
        text.contains("name: ") && text.contains("summary: "),
        "{text}"
    );
}

#[test]
fn a_list_over_its_count_is_the_only_thing_reported() {
    // Every other field wrong too: only the count is looked at.
    let mut input = MetadataInput {
        items: (0..100_000).map(|_| item("", 99)).collect(),
        ..MetadataInput::default()
    };
    let d = only_violation(&input, "items");
    assert!(d.contains("1000") && d.contains("100000"), "{d}");
    input.items.clear();
    input.related_codes = vec!["x".into(); 101];
    only_violation(&input, "related_codes");
    input.related_codes.clear();
    input.keywords = vec![String::new(); 21];
    only_violation(&input, "keywords");
}

#[test]
fn duplicate_item_names_among_a_thousand_are_found() {
    let mut input = sample_input();
    input.items = (0..1000).map(|i| item(&format!("项{i}"), 0)).collect();
    input.items[999].name = " 项3 ".into();
    let d = only_violation(&input, "items[999].name");
    assert!(d.contains("第1000项与第4项"), "{d}");
}

#[test]
fn long_descriptions_and_conditions_are_refused() {
    let mut input = sample_input();
    input.items[1].description = "述".repeat(2000);
    input.sharing.condition = "条".repeat(2000);
    input.sharing.basis = "据".repeat(2000);
    assert!(validate(&input).is_ok());
    input.items[1].description.push('述');
    let d = only_violation(&input, "items[1].description");
    assert!(d.contains("2000") && d.contains("2001"), "{d}");
    input.items[1].description.pop();
    input.sharing.condition.push('条');
    only_violation(&input, "sharing.condition");
    input.sharing.condition.pop();
    input.sharing.basis.push('据');
    only_violation(&input, "sharing.basis");
    input.sharing.basis.pop();
    input.open = govshare_model::OpenInput {
        open_to_public: true,
        condition: "开".repeat(2001),
    };
    only_violation(&input, "open.condition");
}

#[test]
fn a_long_format_detail_is_refused_without_being_quoted() {
    let mut input = sample_input();
    input.format.detail = "库".repeat(1_000_000);
    let d = only_violation(&input, "format.detail");
    assert!(d.len() < 300, "{d}");
    // A wrong detail within the limit is quoted, cut short.
    input.format.detail = "库".repeat(200);
    let d = only_violation(&input, "format.detail");
    assert!(d.contains('…') && d.len() < 1000, "{d}");
}

#[test]
fn quoted_input_is_cut_to_64_characters() {
    assert_eq!(govshare_model::excerpt("短"), "短");
    let long = "字".repeat(65);
    assert_eq!(
        govshare_model::excerpt(&long),
        format!("{}…", "字".repeat(64))
    );
    let mut input = sample_input();
    input.publish_date = "9".repeat(10_000);
    let d = only_violation(&input, "publish_date");
    assert!(d.len() < 500, "{d}");
    input.publish_date = "2026-01-15".into();
    input.classification.item = "x".repeat(10_000);
    let d = only_violation(&input, "classification.item");
    assert!(d.len() < 500, "{d}");
}

/// One way to break a valid input: what to change, the field reported and its reason.
type Case = (&'static str, FieldReason, fn(&mut MetadataInput));

/// Every check validation makes, each broken on its own.
const CASES: &[Case] = &[
    ("classification.category", FieldReason::UnknownValue, |i| {
        i.classification.category = 0
    }),
    ("classification.category", FieldReason::UnknownValue, |i| {
        i.classification.category = 9
    }),
    ("classification.item", FieldReason::Required, |i| {
        i.classification.item.clear()
    }),
    ("classification.item", FieldReason::InvalidFormat, |i| {
        i.classification.item = "1".into()
    }),
    ("classification.subitem", FieldReason::Required, |i| {
        i.classification.subitem.clear()
    }),
    ("classification.subitem", FieldReason::InvalidFormat, |i| {
        i.classification.subitem = "0001".into()
    }),
    ("classification.detail", FieldReason::InvalidFormat, |i| {
        i.classification.detail = "12a".into()
    }),
    ("name", FieldReason::Required, |i| i.name = " ".into()),
    ("name", FieldReason::TooLong, |i| i.name = "名".repeat(201)),
    ("provider_code", FieldReason::Required, |i| {
        i.provider_code.clear()
    }),
    ("provider_code", FieldReason::InvalidFormat, |i| {
        i.provider_code = "91110000600037341X".into()
    }),
    ("provider_code", FieldReason::InvalidFormat, |i| {
        i.provider_code = "9111".into()
    }),
    ("provider_code", FieldReason::InvalidFormat, |i| {
        i.provider_code = "91110000600037341l".into()
    }),
    ("provider_code", FieldReason::InvalidFormat, |i| {
        i.provider_code = "9111000060003734IL".into()
    }),
    ("provider_code", FieldReason::InvalidFormat, |i| {
        i.provider_code = "911A0000600037341L".into()
    }),
    ("summary", FieldReason::Required, |i| i.summary.clear()),
    ("summary", FieldReason::TooLong, |i| {
        i.summary = "摘".repeat(4001)
    }),
    ("format.kind", FieldReason::UnknownValue, |i| {
        i.format.kind = 0
    }),
    ("format.kind", FieldReason::UnknownValue, |i| {
        i.format.kind = 42
    }),
    ("format.detail", FieldReason::TooLong, |i| {
        i.format.detail = "库".repeat(201)
    }),
    ("format.detail", FieldReason::UnknownValue, |i| {
        i.format.detail = "pdf".into()
    }),
    ("format.detail", FieldReason::Required, |i| {
        i.format.detail.clear()
    }),
    ("format.detail", FieldReason::Required, |i| {
        i.format.kind = FormatKind::Other.code();
        i.format.detail = " ".into();
    }),
    ("items", FieldReason::Required, |i| i.items.clear()),
    ("items", FieldReason::TooMany, |i| {
        i.items = vec![i.items[0].clone(); 1001]
    }),
    ("items[0].name", FieldReason::Required, |i| {
        i.items[0].name.clear()
    }),
    ("items[0].name", FieldReason::TooLong, |i| {
        i.items[0].name = "名".repeat(101)
    }),
    ("items[1].name", FieldReason::Duplicate, |i| {
        i.items[1].name = "姓名".into()
    }),
    ("items[0].data_type", FieldReason::UnknownValue, |i| {
        i.items[0].data_type = 0
    }),
    ("items[0].data_type", FieldReason::UnknownValue, |i| {
        i.items[0].data_type = 12
    }),
    ("items[0].length", FieldReason::OutOfRange, |i| {
        i.items[0].length = 0
    }),
    ("items[0].length", FieldReason::OutOfRange, |i| {
        i.items[0].length = 1_000_001
    }),
    ("items[0].share_type", FieldReason::UnknownValue, |i| {
        i.items[0].share_type = 7
    }),
    ("items[0].description", FieldReason::TooLong, |i| {
        i.items[0].description = "述".repeat(2001)
    }),
    ("sharing.share_type", FieldReason::UnknownValue, |i| {
        i.sharing.share_type = 0
    }),
    ("sharing.share_type", FieldReason::UnknownValue, |i| {
        i.sharing.share_type = 4
    }),
    ("sharing.share_type", FieldReason::Inconsistent, |i| {
        i.items[1].share_type = ShareType::Unconditional.code();
    }),
    ("sharing.condition", FieldReason::Required, |i| {
        i.sharing.condition.clear()
    }),
    ("sharing.condition", FieldReason::TooLong, |i| {
        i.sharing.condition = "条".repeat(2001)
    }),
    ("sharing.basis", FieldReason::Required, |i| {
        i.sharing.share_type = ShareType::NotShared.code();
    }),
    ("sharing.basis", FieldReason::TooLong, |i| {
        i.sharing.basis = "据".repeat(2001)
    }),
    ("sharing.mode", FieldReason::UnknownValue, |i| {
        i.sharing.mode = 0
    }),
    ("sharing.mode", FieldReason::UnknownValue, |i| {
        i.sharing.mode = 7
    }),
    ("open.condition", FieldReason::Inconsistent, |i| {
        i.open.condition = "注册后可下载".into()
    }),
    ("open.condition", FieldReason::TooLong, |i| {
        i.open.open_to_public = true;
        i.open.condition = "开".repeat(2001);
    }),
    ("update_cycle", FieldReason::UnknownValue, |i| {
        i.update_cycle = 0
    }),
    ("update_cycle", FieldReason::UnknownValue, |i| {
        i.update_cycle = 9
    }),
    ("publish_date", FieldReason::Required, |i| {
        i.publish_date.clear()
    }),
    ("publish_date", FieldReason::InvalidFormat, |i| {
        i.publish_date = "2026/01/15".into()
    }),
    ("publish_date", FieldReason::InvalidFormat, |i| {
        i.publish_date = "2026-02-29".into()
    }),
    ("related_codes", FieldReason::TooMany, |i| {
        i.related_codes = vec!["101001/000002".into(); 101]
    }),
    ("related_codes[0]", FieldReason::InvalidFormat, |i| {
        i.related_codes = vec!["101001-000002".into()]
    }),
    ("related_codes[0]", FieldReason::InvalidFormat, |i| {
        i.related_codes = vec!["1/000002".into()]
    }),
    ("related_codes[0]", FieldReason::InvalidFormat, |i| {
        i.related_codes = vec!["901001/000002".into()]
    }),
    ("related_codes[0]", FieldReason::InvalidFormat, |i| {
        i.related_codes = vec!["101001/0".into()]
    }),
    ("related_codes[1]", FieldReason::Duplicate, |i| {
        i.related_codes = vec!["101001/000002".into(); 2]
    }),
    ("keywords", FieldReason::TooMany, |i| {
        i.keywords = vec!["词".into(); 21]
    }),
    ("keywords[0]", FieldReason::Required, |i| {
        i.keywords = vec![" ".into()]
    }),
    ("keywords[0]", FieldReason::TooLong, |i| {
        i.keywords = vec!["词".repeat(51)]
    }),
    ("classified", FieldReason::NotAllowed, |i| {
        i.classified = true
    }),
];

#[test]
fn each_check_reports_its_reason_and_its_text_in_chinese_and_in_english() {
    let mut seen = HashSet::new();
    for (n, (field, reason, break_it)) in CASES.iter().enumerate() {
        let mut input = sample_input();
        break_it(&mut input);
        let v = violations(&input);
        assert_eq!(fields(&v), vec![*field], "case {n}: {v}");
        let f = &v.0[0];
        assert_eq!(f.reason, *reason, "case {n}: {f}");
        assert_bilingual(f);
        seen.insert(f.reason);
    }
    // Validation reports every reason but the one for uploaded data.
    let all: HashSet<FieldReason> = FieldReason::ALL.into_iter().collect();
    let missing: Vec<_> = all.difference(&seen).collect();
    assert_eq!(missing, [&FieldReason::InvalidData]);
}

#[test]
fn the_required_enum_choices_are_listed_in_each_language() {
    let mut input = sample_input();
    input.update_cycle = 0;
    let f = only(&input, "update_cycle");
    assert!(f.text.zh.contains("、"), "{f}");
    assert!(!f.text.en.contains("、"), "{f}");
    assert!(f.text.en.contains(", "), "{f}");
}
