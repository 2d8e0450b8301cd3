//! Metadata validation and canonical bytes.
//!
//! The bytes are read twice: as canonical bytes (what the store keeps), which decode only to
//! metadata that encodes to bytes decoding to itself; and, through `arbitrary`, as the
//! metadata a client sends, which validation turns into an entry or a list of violations
//! without panicking. A validated entry has the guideline's shape, validates again to itself
//! from the input it implies, and its canonical bytes and digest are a function of it.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use govshare_fuzz::metadata::{MetadataSpec, input_of};
use govshare_model::validate::{MAX_ITEM_LENGTH, MAX_ITEM_NAME_CHARS, MAX_ITEMS, MAX_KEYWORDS};
use govshare_model::{ResourceMetadata, ShareType, Violations, diff, digest_of, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(stored) = ResourceMetadata::from_canonical_bytes(data) {
        check_canonical(&stored);
    }
    if let Ok(spec) = MetadataSpec::arbitrary(&mut Unstructured::new(data)) {
        let input = spec.input();
        match validate(&input) {
            Ok(metadata) => check_valid(&metadata),
            Err(violations) => check_violations(&violations),
        }
    }
});

/// Canonical bytes are deterministic, decode to the same metadata, and name it by digest.
fn check_canonical(metadata: &ResourceMetadata) {
    let bytes = metadata.canonical_bytes();
    assert_eq!(bytes, metadata.clone().canonical_bytes());
    assert_eq!(metadata.digest(), digest_of(&bytes));
    let decoded = ResourceMetadata::from_canonical_bytes(&bytes)
        .unwrap_or_else(|e| panic!("canonical bytes do not decode: {e}"));
    assert_eq!(&decoded, metadata);
    assert_eq!(decoded.canonical_bytes(), bytes);
    assert!(diff(metadata, &decoded).is_empty());
}

fn check_valid(metadata: &ResourceMetadata) {
    check_canonical(metadata);
    assert!(metadata.provider_name.is_empty());
    assert_eq!(metadata.name, metadata.name.trim());
    assert!(!metadata.name.is_empty());
    assert!(!metadata.items.is_empty() && metadata.items.len() <= MAX_ITEMS);
    for (i, item) in metadata.items.iter().enumerate() {
        assert_eq!(item.name, item.name.trim());
        assert!(!item.name.is_empty() && item.name.chars().count() <= MAX_ITEM_NAME_CHARS);
        assert!((1..=MAX_ITEM_LENGTH).contains(&item.length));
        assert!(
            metadata.items[..i]
                .iter()
                .all(|other| other.name != item.name),
            "item name {:?} repeated",
            item.name
        );
        assert_eq!(metadata.item(&item.name), Some(item));
    }
    assert!(metadata.keywords.len() <= MAX_KEYWORDS);
    let entry = metadata.sharing.share_type;
    assert_eq!(
        ShareType::most_open(metadata.items.iter().map(|i| i.share_type)),
        Some(entry),
        "the entry's share type is not the most open of its items'"
    );
    assert!(entry == ShareType::NotShared || metadata.sharing.mode.is_some());
    assert!(
        metadata
            .classification_code()
            .as_str()
            .starts_with(&metadata.classification.category.code().to_string())
    );

    // What validation produced is what it accepts, unchanged, with the entry's share type
    // given or left to be derived from the items.
    let mut input = input_of(metadata);
    assert_eq!(validate(&input).as_ref(), Ok(metadata));
    input.sharing.share_type = 0;
    assert_eq!(validate(&input).as_ref(), Ok(metadata));
}

/// Every violation names a field and says what is wrong in Chinese and in English.
fn check_violations(violations: &Violations) {
    assert!(!violations.is_empty());
    for v in violations {
        assert!(!v.field.is_empty());
        assert!(!v.text.zh.is_empty() && !v.text.en.is_empty(), "{v}");
    }
}
