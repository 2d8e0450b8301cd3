//! Canonical bytes, digest and diff over arbitrary valid metadata.

use chrono::NaiveDate;
use govshare_model::testing::{sample_metadata, valid_credit_code};
use govshare_model::{
    Category, Classification, ClassificationCode, DataType, FormatKind, InfoItem, OpenAttributes,
    ResourceCode, ResourceFormat, ResourceMetadata, ShareMode, ShareType, Sharing, UpdateCycle,
    diff, digest_of,
};
use proptest::prelude::*;
use proptest::sample::select;

/// Mixed Chinese and ASCII text, possibly with quotes and escapes JSON must carry.
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!(
        "[\u{4e00}-\u{9fa5}a-zA-Z0-9（）“”、，。 \"\\\\/\n]{{0,{max}}}"
    ))
    .expect("regex")
}

fn non_blank(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[\u{4e00}-\u{9fa5}a-zA-Z0-9]{{1,{max}}}"))
        .expect("regex")
}

fn digits(min: usize, max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[0-9]{{{min},{max}}}")).expect("regex")
}

fn classification() -> impl Strategy<Value = Classification> {
    (
        select(Category::ALL),
        digits(2, 2),
        digits(3, 3),
        digits(0, 12),
    )
        .prop_map(|(category, item, subitem, detail)| Classification {
            category,
            item,
            subitem,
            detail,
        })
}

fn format() -> impl Strategy<Value = ResourceFormat> {
    select(FormatKind::ALL).prop_flat_map(|kind| {
        let detail = match kind.allowed_details() {
            [] => text(30).boxed(),
            list => select(list).prop_map(str::to_owned).boxed(),
        };
        detail.prop_map(move |detail| ResourceFormat { kind, detail })
    })
}

fn items() -> impl Strategy<Value = Vec<InfoItem>> {
    prop::collection::btree_set(non_blank(20), 1..8).prop_flat_map(|names| {
        let n = names.len();
        (
            Just(names),
            prop::collection::vec(
                (
                    select(DataType::ALL),
                    1u32..=1_000_000,
                    select(ShareType::ALL),
                    text(40),
                ),
                n,
            ),
        )
            .prop_map(|(names, fields)| {
                names
                    .into_iter()
                    .zip(fields)
                    .map(
                        |(name, (data_type, length, share_type, description))| InfoItem {
                            name,
                            data_type,
                            length,
                            share_type,
                            description,
                        },
                    )
                    .collect()
            })
    })
}

fn resource_code() -> impl Strategy<Value = ResourceCode> {
    ("[1-3][0-9]{5,17}", 1u32..=999_999).prop_map(|(c, seq)| {
        ResourceCode::new(ClassificationCode::parse(&c).expect("classification"), seq)
    })
}

prop_compose! {
    fn metadata()(
        classification in classification(),
        name in non_blank(200),
        provider in any::<u32>(),
        provider_name in text(30),
        summary in non_blank(300),
        format in format(),
        items in items(),
        (condition, mode, basis) in (text(50), prop::option::of(select(ShareMode::ALL)), text(50)),
        (open_to_public, open_condition) in (any::<bool>(), text(30)),
        update_cycle in select(UpdateCycle::ALL),
        days in 0i64..40_000,
        related_codes in prop::collection::btree_set(resource_code(), 0..4),
        keywords in prop::collection::vec(non_blank(50), 0..20),
    ) -> ResourceMetadata {
        let share_type = ShareType::most_open(items.iter().map(|i| i.share_type))
            .expect("at least one item");
        let epoch = NaiveDate::from_ymd_opt(1950, 1, 1).expect("date");
        ResourceMetadata {
            classification,
            name,
            provider_code: valid_credit_code(provider).parse().expect("credit code"),
            provider_name,
            summary,
            format,
            items,
            sharing: Sharing { share_type, condition, mode, basis },
            open: OpenAttributes {
                open_to_public,
                condition: if open_to_public { open_condition } else { String::new() },
            },
            update_cycle,
            publish_date: epoch + chrono::Duration::days(days),
            related_codes: related_codes.into_iter().collect(),
            keywords,
        }
    }
}

/// Changes one field of `m`, chosen by `which`, so that the result differs.
fn mutate(m: &mut ResourceMetadata, which: u8) {
    match which % 12 {
        0 => m.name.push('改'),
        1 => m.summary.push('改'),
        2 => m.items[0].length = m.items[0].length % 1_000_000 + 1,
        3 => m.items[0].description.push('改'),
        4 => m.keywords.push("新词".into()),
        5 => m.sharing.basis.push('据'),
        6 => m.open.open_to_public = !m.open.open_to_public,
        7 => m.publish_date = m.publish_date.succ_opt().expect("next day"),
        8 => {
            let detail = &mut m.classification.detail;
            if detail.len() < 12 {
                detail.push('9');
            } else {
                detail.pop();
            }
        }
        9 => m.items.reverse(),
        10 => m.provider_name.push('局'),
        _ => {
            m.items.pop();
        }
    }
}

proptest! {
    #[test]
    fn canonical_bytes_decode_to_the_same_metadata(m in metadata()) {
        let bytes = m.canonical_bytes();
        let back = ResourceMetadata::from_canonical_bytes(&bytes).expect("decode");
        prop_assert_eq!(&back, &m);
        prop_assert_eq!(back.canonical_bytes(), bytes);
    }

    #[test]
    fn digest_is_stable_and_is_the_hash_of_the_canonical_bytes(m in metadata()) {
        let digest = m.digest();
        prop_assert_eq!(digest.len(), 64);
        prop_assert!(digest.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        prop_assert_eq!(&m.clone().digest(), &digest);
        prop_assert_eq!(digest_of(&m.canonical_bytes()), digest);
    }

    #[test]
    fn metadata_does_not_differ_from_itself(m in metadata()) {
        prop_assert!(diff(&m, &m.clone()).is_empty());
    }

    #[test]
    fn changing_one_field_shows_in_diff_and_digest(m in metadata(), which in any::<u8>()) {
        let mut changed = m.clone();
        mutate(&mut changed, which);
        prop_assume!(changed != m);
        prop_assert!(!diff(&m, &changed).is_empty());
        prop_assert_ne!(m.digest(), changed.digest());
    }
}

#[test]
fn digest_of_empty_input_is_the_sha256_of_nothing() {
    assert_eq!(
        digest_of(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn canonical_bytes_are_compact_json_in_field_order() {
    let m = sample_metadata();
    let text = String::from_utf8(m.canonical_bytes()).expect("utf-8");
    assert!(text.starts_with(
        r#"{"classification":{"category":"BASE","item":"01","subitem":"001","detail":""},"name":"人口基础信息""#
    ), "{text}");
    assert!(text.contains(r#""publish_date":"2026-01-15""#), "{text}");
    assert!(text.contains(r#""mode":"PLATFORM_INTERFACE""#), "{text}");
    assert!(!text.contains(": ") && !text.contains('\n'));
}

#[test]
fn decoding_rejects_unknown_fields() {
    let mut value: serde_json::Value =
        serde_json::from_slice(&sample_metadata().canonical_bytes()).expect("json");
    value["extra"] = serde_json::Value::Bool(true);
    let bytes = serde_json::to_vec(&value).expect("bytes");
    assert!(ResourceMetadata::from_canonical_bytes(&bytes).is_err());
}

#[test]
fn decoding_rejects_malformed_codes_and_dates() {
    let good = String::from_utf8(sample_metadata().canonical_bytes()).expect("utf-8");
    for (from, to) in [
        ("91110000600037341L", "91110000600037341Z"),
        ("2026-01-15", "2026-1-15"),
        (r#""item":"01""#, r#""item":"1""#),
        ("CONDITIONAL", "有条件共享"),
    ] {
        let bad = good.replace(from, to);
        assert!(
            ResourceMetadata::from_canonical_bytes(bad.as_bytes()).is_err(),
            "{to}"
        );
    }
}
