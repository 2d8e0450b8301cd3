//! What a reviewer sees changed between two versions.

use govshare_model::testing::sample_metadata;
use govshare_model::{Change, DataType, InfoItem, ResourceCode, ShareType, diff};

fn change(path: &str, before: &str, after: &str) -> Change {
    Change {
        path: path.into(),
        before: before.into(),
        after: after.into(),
    }
}

#[test]
fn identical_metadata_has_no_changes() {
    let m = sample_metadata();
    assert!(diff(&m, &m.clone()).is_empty());
}

#[test]
fn rename_is_one_change() {
    let a = sample_metadata();
    let mut b = a.clone();
    b.name = "人口基础信息（2026版）".into();
    assert_eq!(
        diff(&a, &b),
        vec![change("name", "人口基础信息", "人口基础信息（2026版）")]
    );
}

#[test]
fn coded_values_read_as_label_and_code() {
    let a = sample_metadata();
    let mut b = a.clone();
    b.sharing.share_type = ShareType::Unconditional;
    b.sharing.mode = None;
    assert_eq!(
        diff(&a, &b),
        vec![
            change("sharing.share_type", "有条件共享(2)", "无条件共享(1)"),
            change("sharing.mode", "共享平台（接口）(2)", ""),
        ]
    );
}

#[test]
fn added_item_is_summarised() {
    let a = sample_metadata();
    let mut b = a.clone();
    b.items.push(InfoItem {
        name: "性别".into(),
        data_type: DataType::C,
        length: 1,
        share_type: ShareType::Conditional,
        description: String::new(),
    });
    assert_eq!(
        diff(&a, &b),
        vec![change("items[性别]", "", "C(1) 有条件共享")]
    );
}

#[test]
fn removed_item_is_summarised() {
    let a = sample_metadata();
    let mut b = a.clone();
    b.items.remove(1);
    assert_eq!(
        diff(&a, &b),
        vec![change(
            "items[公民身份号码]",
            "C(18) 有条件共享，18位公民身份号码",
            ""
        )]
    );
}

#[test]
fn retyped_item_is_matched_by_name() {
    let a = sample_metadata();
    let mut b = a.clone();
    b.items[2].data_type = DataType::T;
    b.items[2].length = 14;
    b.items[2].share_type = ShareType::NotShared;
    assert_eq!(
        diff(&a, &b),
        vec![
            change("items[出生日期].data_type", "日期型(4)", "日期时间型(5)"),
            change("items[出生日期].length", "8", "14"),
            change("items[出生日期].share_type", "有条件共享(2)", "不予共享(3)"),
        ]
    );
}

#[test]
fn reordered_items_are_one_change() {
    let a = sample_metadata();
    let mut b = a.clone();
    b.items.swap(0, 2);
    assert_eq!(
        diff(&a, &b),
        vec![change(
            "items.order",
            "姓名, 公民身份号码, 出生日期",
            "出生日期, 公民身份号码, 姓名"
        )]
    );
}

#[test]
fn adding_an_item_in_the_middle_is_not_a_reorder() {
    let a = sample_metadata();
    let mut b = a.clone();
    let mut extra = b.items[0].clone();
    extra.name = "曾用名".into();
    b.items.insert(1, extra);
    let paths: Vec<_> = diff(&a, &b).into_iter().map(|c| c.path).collect();
    assert_eq!(paths, vec!["items[曾用名]"]);
}

#[test]
fn renamed_item_is_a_removal_and_an_addition() {
    let a = sample_metadata();
    let mut b = a.clone();
    b.items[0].name = "姓名（中文）".into();
    let paths: Vec<_> = diff(&a, &b).into_iter().map(|c| c.path).collect();
    assert_eq!(paths, vec!["items[姓名]", "items[姓名（中文）]"]);
}

#[test]
fn lists_are_compared_as_a_whole() {
    let a = sample_metadata();
    let mut b = a.clone();
    b.keywords.push("户籍".into());
    b.related_codes
        .push(ResourceCode::parse("101002/000001").expect("code"));
    assert_eq!(
        diff(&a, &b),
        vec![
            change("related_codes", "", "101002/000001"),
            change("keywords", "人口, 身份", "人口, 身份, 户籍"),
        ]
    );
}

#[test]
fn changes_follow_field_order() {
    let a = sample_metadata();
    let mut b = a.clone();
    b.keywords.clear();
    b.open.open_to_public = true;
    b.summary = "新摘要".into();
    b.classification.subitem = "002".into();
    let paths: Vec<_> = diff(&a, &b).into_iter().map(|c| c.path).collect();
    assert_eq!(
        paths,
        vec![
            "classification.subitem",
            "summary",
            "open.open_to_public",
            "keywords"
        ]
    );
}
