//! Access records built from fuzzer bytes: any numbers, a time anywhere in the range the log
//! can store (with a sub-microsecond part the log drops), and strings that may cross their
//! limits, cut inside a multi-byte character.

use arbitrary::Arbitrary;
use chrono::{DateTime, Duration, Utc};
use govshare_audit::{AccessRecord, NewRecord};

use crate::text::Text;

#[derive(Arbitrary, Debug, Clone)]
pub struct RecordSpec {
    seq: u64,
    micros: i64,
    nanos: u16,
    strings: [Text; 8],
    outcome: u32,
    duration_micros: u64,
    bytes: u64,
}

impl RecordSpec {
    /// The record as a caller hands it to the log (before `seq` is assigned).
    pub fn new_record(&self) -> NewRecord {
        let min = DateTime::<Utc>::MIN_UTC.timestamp_micros();
        let max = DateTime::<Utc>::MAX_UTC.timestamp_micros() - 1;
        let micros = self.micros.clamp(min, max);
        let time = DateTime::from_timestamp_micros(micros).unwrap_or_default()
            + Duration::nanoseconds(i64::from(self.nanos % 1000));
        let [
            request_id,
            department_code,
            token_id,
            method,
            target,
            owner_code,
            grant_id,
            detail,
        ] = self.strings.clone().map(|t| t.text());
        NewRecord {
            time,
            request_id,
            department_code,
            token_id,
            method,
            target,
            owner_code,
            grant_id,
            outcome: self.outcome,
            detail,
            duration_micros: self.duration_micros,
            bytes: self.bytes,
        }
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The record as given, not cut to its limits.
    pub fn record(&self) -> AccessRecord {
        self.new_record().unbounded_at(self.seq)
    }
}
