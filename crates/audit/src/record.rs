//! One access record and its canonical bytes, the bytes that are stored and hashed:
//!
//! ```text
//! u8  version (1)
//! u64 seq, i64 time (µs since the epoch), u32 outcome, u64 duration_micros, u64 bytes   (LE)
//! 8 × (u16 LE length, UTF-8): request_id, department_code, token_id, method, target,
//!                             owner_code, grant_id, detail
//! ```
//!
//! A string longer than its limit ([`DETAIL_LIMIT`] for `detail`, [`FIELD_LIMIT`] for the
//! others) is cut at a character boundary before it is encoded, so encoding never fails;
//! decoding is strict and refuses anything the encoder cannot produce, so every payload that
//! decodes re-encodes to the same bytes. The chain: `hash(n) = sha256(hash(n-1) ‖ bytes(n))`
//! with [`GENESIS`] before record 1.

use chrono::{DateTime, Utc};

/// The version byte that starts every payload.
pub const FORMAT_VERSION: u8 = 1;
/// The most bytes `detail` keeps.
pub const DETAIL_LIMIT: usize = 2048;
/// The most bytes every other string field keeps.
pub const FIELD_LIMIT: usize = 512;
/// The chain hash before record 1.
pub const GENESIS: [u8; 32] = [0; 32];

/// The times a `DateTime<Utc>` can hold, in µs since the epoch.
const MIN_MICROS: i64 = DateTime::<Utc>::MIN_UTC.timestamp_micros();
const MAX_MICROS: i64 = DateTime::<Utc>::MAX_UTC.timestamp_micros();
/// Bytes of the fixed-width part: version and the five numbers.
const FIXED_LEN: usize = 1 + 8 + 8 + 4 + 8 + 8;
/// Names of the string fields, in encoding order.
const FIELD_NAMES: [&str; 8] = [
    "request_id",
    "department_code",
    "token_id",
    "method",
    "target",
    "owner_code",
    "grant_id",
    "detail",
];

/// One gRPC call as the log keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessRecord {
    /// Position in the log, assigned by the log from 1.
    pub seq: u64,
    /// When the call was made; kept at microsecond precision.
    pub time: DateTime<Utc>,
    pub request_id: String,
    /// The calling department's code, "" when none.
    pub department_code: String,
    pub token_id: String,
    /// Full gRPC path, e.g. `/govshare.v1.CatalogService/GetEntry`.
    pub method: String,
    pub target: String,
    /// The department owning the target resource, "" if none.
    pub owner_code: String,
    pub grant_id: String,
    /// The gRPC status code.
    pub outcome: u32,
    pub detail: String,
    pub duration_micros: u64,
    pub bytes: u64,
}

/// A record to append: an [`AccessRecord`] before the log gives it its `seq`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewRecord {
    pub time: DateTime<Utc>,
    pub request_id: String,
    pub department_code: String,
    pub token_id: String,
    pub method: String,
    pub target: String,
    pub owner_code: String,
    pub grant_id: String,
    pub outcome: u32,
    pub detail: String,
    pub duration_micros: u64,
    pub bytes: u64,
}

/// Why a payload is not a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown format version {0}")]
    Version(u8),
    #[error("payload ends early, inside {0}")]
    Short(&'static str),
    #[error("{0} is not valid UTF-8")]
    Utf8(&'static str),
    #[error("{field} is {len} bytes, over its limit")]
    TooLong { field: &'static str, len: usize },
    #[error("time {0} µs is out of range")]
    Time(i64),
    #[error("{0} bytes follow the record")]
    Trailing(usize),
}

/// A record borrowed from its fields or from a payload: what encoding and decoding work on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordRef<'a> {
    pub seq: u64,
    pub time_micros: i64,
    pub outcome: u32,
    pub duration_micros: u64,
    pub bytes: u64,
    /// In encoding order, see `FIELD_NAMES`.
    pub strings: [&'a str; 8],
}

impl AccessRecord {
    /// The record with every string cut to its limit and the time to whole microseconds:
    /// exactly what decoding its canonical bytes gives back.
    pub fn bounded(mut self) -> Self {
        for (i, s) in self.strings_mut().into_iter().enumerate() {
            let keep = clip(s, limit(i)).len();
            s.truncate(keep);
        }
        self.time = micros_time(self.time);
        self
    }

    /// Appends the canonical bytes to `out` (strings over their limit are cut, see
    /// [`bounded`](Self::bounded)).
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        self.as_ref().encode_into(out);
    }

    /// The canonical bytes, as stored and hashed.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.as_ref().encoded_len());
        self.encode_into(&mut out);
        out
    }

    /// Parses canonical bytes, refusing anything that is not exactly one record.
    pub fn decode(bytes: &[u8]) -> Result<AccessRecord, DecodeError> {
        RecordRef::parse(bytes)?.to_record()
    }

    fn as_ref(&self) -> RecordRef<'_> {
        RecordRef {
            seq: self.seq,
            time_micros: self.time.timestamp_micros(),
            outcome: self.outcome,
            duration_micros: self.duration_micros,
            bytes: self.bytes,
            strings: [
                &self.request_id,
                &self.department_code,
                &self.token_id,
                &self.method,
                &self.target,
                &self.owner_code,
                &self.grant_id,
                &self.detail,
            ],
        }
    }

    fn strings_mut(&mut self) -> [&mut String; 8] {
        [
            &mut self.request_id,
            &mut self.department_code,
            &mut self.token_id,
            &mut self.method,
            &mut self.target,
            &mut self.owner_code,
            &mut self.grant_id,
            &mut self.detail,
        ]
    }
}

impl NewRecord {
    /// The record as it is stored at `seq`, cut to its limits (see [`AccessRecord::bounded`]).
    pub fn into_record(self, seq: u64) -> AccessRecord {
        self.unbounded_at(seq).bounded()
    }

    /// The record at `seq` exactly as given, not cut to its limits.
    pub fn unbounded_at(self, seq: u64) -> AccessRecord {
        AccessRecord {
            seq,
            time: self.time,
            request_id: self.request_id,
            department_code: self.department_code,
            token_id: self.token_id,
            method: self.method,
            target: self.target,
            owner_code: self.owner_code,
            grant_id: self.grant_id,
            outcome: self.outcome,
            detail: self.detail,
            duration_micros: self.duration_micros,
            bytes: self.bytes,
        }
    }

    /// Appends the canonical bytes of this record at `seq` to `out`, without copying it.
    pub fn encode_into(&self, seq: u64, out: &mut Vec<u8>) {
        RecordRef {
            seq,
            time_micros: self.time.timestamp_micros(),
            outcome: self.outcome,
            duration_micros: self.duration_micros,
            bytes: self.bytes,
            strings: [
                &self.request_id,
                &self.department_code,
                &self.token_id,
                &self.method,
                &self.target,
                &self.owner_code,
                &self.grant_id,
                &self.detail,
            ],
        }
        .encode_into(out);
    }
}

impl<'a> RecordRef<'a> {
    pub fn department_code(&self) -> &'a str {
        self.strings[1]
    }
    pub fn method(&self) -> &'a str {
        self.strings[3]
    }
    pub fn target(&self) -> &'a str {
        self.strings[4]
    }
    pub fn owner_code(&self) -> &'a str {
        self.strings[5]
    }

    fn encoded_len(&self) -> usize {
        let strings: usize = (self.strings.iter().enumerate())
            .map(|(i, s)| 2 + clip(s, limit(i)).len())
            .sum();
        FIXED_LEN + strings
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&self.seq.to_le_bytes());
        out.extend_from_slice(&self.time_micros.to_le_bytes());
        out.extend_from_slice(&self.outcome.to_le_bytes());
        out.extend_from_slice(&self.duration_micros.to_le_bytes());
        out.extend_from_slice(&self.bytes.to_le_bytes());
        for (i, s) in self.strings.iter().enumerate() {
            let s = clip(s, limit(i));
            // Limits are far below u16::MAX.
            out.extend_from_slice(&(s.len() as u16).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
    }

    /// Parses a payload without copying its strings.
    pub fn parse(bytes: &'a [u8]) -> Result<RecordRef<'a>, DecodeError> {
        Self::read(bytes, true)
    }

    /// Checks that a payload decodes, leaving its strings empty: what verification needs,
    /// and faster (ASCII needs no UTF-8 decoding).
    pub fn validate(bytes: &'a [u8]) -> Result<(), DecodeError> {
        Self::read(bytes, false).map(|_| ())
    }

    /// Parses a payload; its strings only if `text`.
    fn read(bytes: &'a [u8], text: bool) -> Result<RecordRef<'a>, DecodeError> {
        let mut r = Reader(bytes);
        let version = r.take::<1>("version")?[0];
        if version != FORMAT_VERSION {
            return Err(DecodeError::Version(version));
        }
        let seq = u64::from_le_bytes(r.take("seq")?);
        let time_micros = i64::from_le_bytes(r.take("time")?);
        let outcome = u32::from_le_bytes(r.take("outcome")?);
        let duration_micros = u64::from_le_bytes(r.take("duration_micros")?);
        let byte_count = u64::from_le_bytes(r.take("bytes")?);
        if !(MIN_MICROS..=MAX_MICROS).contains(&time_micros) {
            return Err(DecodeError::Time(time_micros));
        }
        let mut strings = [""; 8];
        for (i, slot) in strings.iter_mut().enumerate() {
            let field = FIELD_NAMES[i];
            let len = usize::from(u16::from_le_bytes(r.take(field)?));
            if len > limit(i) {
                return Err(DecodeError::TooLong { field, len });
            }
            let raw = r.slice(len, field)?;
            if text || !raw.is_ascii() {
                let s = std::str::from_utf8(raw).map_err(|_| DecodeError::Utf8(field))?;
                if text {
                    *slot = s;
                }
            }
        }
        if !r.0.is_empty() {
            return Err(DecodeError::Trailing(r.0.len()));
        }
        Ok(RecordRef {
            seq,
            time_micros,
            outcome,
            duration_micros,
            bytes: byte_count,
            strings,
        })
    }

    /// The owned record.
    pub fn to_record(self) -> Result<AccessRecord, DecodeError> {
        let time = DateTime::from_timestamp_micros(self.time_micros)
            .ok_or(DecodeError::Time(self.time_micros))?;
        let [
            request_id,
            department_code,
            token_id,
            method,
            target,
            owner_code,
            grant_id,
            detail,
        ] = self.strings.map(|s| s.to_owned());
        Ok(AccessRecord {
            seq: self.seq,
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
        })
    }
}

/// `sha256(prev ‖ canonical)`: the chain hash of a record whose predecessor's hash is `prev`.
///
/// `ring`'s SHA-256 (OpenSSL's assembly, with SSSE3/AVX/AVX2 paths): hashing is most of the
/// cost of verification, and on CPUs without SHA extensions it runs about 1.7× the speed of
/// the `sha2` crate.
pub fn chain_hash(prev: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    context.update(prev);
    context.update(canonical);
    let digest = context.finish();
    let mut hash = [0u8; 32];
    hash.copy_from_slice(digest.as_ref());
    hash
}

/// The byte limit of the string field at `index` in encoding order.
fn limit(index: usize) -> usize {
    if index == 7 {
        DETAIL_LIMIT
    } else {
        FIELD_LIMIT
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends at a character boundary.
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `time` without its sub-microsecond part.
fn micros_time(time: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(time.timestamp_micros()).unwrap_or(time)
}

/// A cursor over a payload that never reads past its end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn slice(&mut self, len: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.0.len() < len {
            return Err(DecodeError::Short(field));
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(head)
    }

    fn take<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let raw = self.slice(N, field)?;
        let mut out = [0; N];
        out.copy_from_slice(raw);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_char_boundaries() {
        let record = AccessRecord {
            detail: "审".repeat(1000),
            target: "x".repeat(600),
            ..AccessRecord::default()
        }
        .bounded();
        assert_eq!(record.detail.len(), 2046);
        assert_eq!(record.target.len(), FIELD_LIMIT);
        assert_eq!(AccessRecord::decode(&record.canonical_bytes()), Ok(record));
    }

    #[test]
    fn time_range_is_chronos() {
        for (micros, valid) in [
            (MIN_MICROS - 1, false),
            (MIN_MICROS, true),
            (MAX_MICROS, true),
            (MAX_MICROS + 1, false),
            (i64::MIN, false),
            (i64::MAX, false),
        ] {
            assert_eq!(DateTime::from_timestamp_micros(micros).is_some(), valid);
            let record = AccessRecord::default().canonical_bytes();
            let mut bytes = record.clone();
            bytes[9..17].copy_from_slice(&micros.to_le_bytes());
            assert_eq!(AccessRecord::decode(&bytes).is_ok(), valid, "{micros}");
        }
    }

    #[test]
    fn layout_is_fixed() {
        let record = AccessRecord {
            seq: 7,
            method: "m".into(),
            ..AccessRecord::default()
        };
        let bytes = record.canonical_bytes();
        assert_eq!(bytes.len(), FIXED_LEN + 16 + 1);
        assert_eq!(bytes[0], 1);
        assert_eq!(bytes[1..9], 7u64.to_le_bytes());
        assert_eq!(bytes[FIXED_LEN + 6..FIXED_LEN + 9], [1, 0, b'm']);
    }
}
