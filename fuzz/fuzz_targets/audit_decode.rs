//! Access record canonical bytes.
//!
//! The bytes are read twice: as a payload, which decodes only if it is exactly the canonical
//! bytes of the record it decodes to; and, through `arbitrary`, as a record, whose canonical
//! bytes decode to the record cut to its limits, whichever way it was encoded.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use govshare_audit::{AccessRecord, DETAIL_LIMIT, FIELD_LIMIT};
use govshare_fuzz::record::RecordSpec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = AccessRecord::decode(data) {
        assert_eq!(record.canonical_bytes(), data);
        assert_eq!(record.clone().bounded(), record);
    }
    if let Ok(spec) = RecordSpec::arbitrary(&mut Unstructured::new(data)) {
        check_encoding(&spec);
    }
});

fn check_encoding(spec: &RecordSpec) {
    let record = spec.record();
    let bounded = record.clone().bounded();
    let bytes = record.canonical_bytes();
    assert_eq!(bytes, bounded.canonical_bytes());
    assert_eq!(AccessRecord::decode(&bytes).as_ref(), Ok(&bounded));
    assert_eq!(bounded.clone().bounded(), bounded);
    assert_eq!(spec.new_record().into_record(spec.seq()), bounded);
    let mut appended = b"kept".to_vec();
    spec.new_record().encode_into(spec.seq(), &mut appended);
    assert_eq!(appended[..4], *b"kept");
    assert_eq!(appended[4..], bytes);

    // Each string is a prefix of what was given, within its limit, and only shorter when it
    // had to be.
    let fields = |r: &AccessRecord| {
        [
            r.request_id.clone(),
            r.department_code.clone(),
            r.token_id.clone(),
            r.method.clone(),
            r.target.clone(),
            r.owner_code.clone(),
            r.grant_id.clone(),
            r.detail.clone(),
        ]
    };
    for (i, (given, kept)) in fields(&record).iter().zip(fields(&bounded)).enumerate() {
        let limit = if i == 7 { DETAIL_LIMIT } else { FIELD_LIMIT };
        assert!(given.starts_with(&kept));
        assert!(kept.len() <= limit);
        assert!(
            given.len() <= limit || kept.len() + 4 > limit,
            "cut too short"
        );
        assert!(given.len() > limit || kept == *given);
    }
    assert_eq!(
        bounded.time.timestamp_micros(),
        record.time.timestamp_micros()
    );
}
