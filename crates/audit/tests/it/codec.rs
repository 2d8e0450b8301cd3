//! The canonical bytes under arbitrary input: decoding never panics and accepts only what
//! encoding produces; encoding then decoding gives the bounded record back; verification
//! of arbitrary segment bytes never panics.

#![allow(clippy::unwrap_used)]

use chrono::DateTime;
use govshare_audit::{AccessRecord, verify_dir};
use proptest::prelude::*;

fn any_record() -> impl Strategy<Value = AccessRecord> {
    let text = || ".{0,40}";
    (
        (
            any::<u64>(),
            -8_000_000_000_000_000i64..8_000_000_000_000_000,
            any::<u32>(),
        ),
        (any::<u64>(), any::<u64>(), 0u32..1000),
        [text(), text(), text(), text(), text(), text(), text()],
        prop_oneof![".{0,100}", ".{600,900}"],
        prop_oneof![Just(0usize), 500usize..3000],
    )
        .prop_map(
            |((seq, micros, outcome), (duration, bytes, nanos), s, detail, long)| {
                let [
                    request_id,
                    department_code,
                    token_id,
                    method,
                    target,
                    owner_code,
                    grant_id,
                ] = s;
                AccessRecord {
                    seq,
                    time: DateTime::from_timestamp_micros(micros).unwrap()
                        + chrono::Duration::nanoseconds(i64::from(nanos)),
                    request_id,
                    department_code,
                    token_id,
                    method,
                    // Some strings over their limits.
                    target: target.repeat(if long > 0 { 20 } else { 1 }),
                    owner_code,
                    grant_id,
                    outcome,
                    detail: detail.repeat(if long > 0 { 4 } else { 1 }),
                    duration_micros: duration,
                    bytes,
                }
            },
        )
}

proptest! {
    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(record) = AccessRecord::decode(&bytes) {
            prop_assert_eq!(record.canonical_bytes(), bytes);
        }
    }

    #[test]
    fn encode_then_decode_is_the_bounded_record(record in any_record()) {
        let bytes = record.canonical_bytes();
        let bounded = record.bounded();
        prop_assert_eq!(&bounded.canonical_bytes(), &bytes);
        prop_assert_eq!(AccessRecord::decode(&bytes), Ok(bounded));
    }

    #[test]
    fn damaged_canonical_bytes_never_panic(
        record in any_record(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let bytes = record.canonical_bytes();
        let cut = cut.index(bytes.len());
        prop_assert!(AccessRecord::decode(&bytes[..cut]).is_err());
        let mut damaged = bytes;
        let i = at.index(damaged.len());
        damaged[i] = byte;
        let _ = AccessRecord::decode(&damaged);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn verifying_arbitrary_segments_never_panics(
        first in proptest::collection::vec(any::<u8>(), 0..300),
        second in proptest::collection::vec(any::<u8>(), 0..300),
        from in 0u64..4,
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("00000000000000000001.seg"), &first).unwrap();
        std::fs::write(dir.path().join("00000000000000000002.seg"), &second).unwrap();
        let _ = verify_dir(dir.path(), Some(from), None);
    }
}
