//! How a record is laid out in a row of `access_log_records`, and back.

use crate::record::AccessRecord;

/// Bytes of a chain hash.
const HASH_LEN: usize = 32;

/// The filter columns of a record's row: fields of the record, repeated beside its canonical
/// bytes so that queries can filter in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Columns {
    pub time_micros: i64,
    pub department_code: String,
    pub method: String,
    pub method_name: String,
    pub target: String,
    pub owner_code: String,
    pub outcome: i64,
}

impl Columns {
    /// The columns of a stored (bounded) record.
    pub fn of(record: &AccessRecord) -> Columns {
        Columns {
            time_micros: record.time.timestamp_micros(),
            department_code: column_text(&record.department_code),
            method: column_text(&record.method),
            method_name: column_text(method_name(&record.method)),
            target: column_text(&record.target),
            owner_code: column_text(&record.owner_code),
            outcome: i64::from(record.outcome),
        }
    }

    /// The first column whose value is not `other`'s, by name.
    pub fn differs_from(&self, other: &Columns) -> Option<&'static str> {
        [
            ("time_micros", self.time_micros == other.time_micros),
            (
                "department_code",
                self.department_code == other.department_code,
            ),
            ("method", self.method == other.method),
            ("method_name", self.method_name == other.method_name),
            ("target", self.target == other.target),
            ("owner_code", self.owner_code == other.owner_code),
            ("outcome", self.outcome == other.outcome),
        ]
        .into_iter()
        .find(|(_, same)| !same)
        .map(|(name, _)| name)
    }
}

/// The part of a gRPC path after its last `/`, which a method filter may name instead of the
/// full path.
pub(crate) fn method_name(method: &str) -> &str {
    method.rsplit('/').next().unwrap_or(method)
}

/// A field as a text column holds it: PostgreSQL text cannot contain NUL, so each NUL becomes
/// U+FFFD (filter values are mapped the same way; the record itself keeps its NULs in its
/// canonical bytes).
pub(crate) fn column_text(s: &str) -> String {
    s.replace('\0', "\u{FFFD}")
}

/// A seq as the `BIGINT` column holds it.
pub(crate) fn seq_column(seq: u64) -> Option<i64> {
    i64::try_from(seq).ok()
}

/// A stored hash, which must be 32 bytes.
pub(crate) fn hash_of(bytes: &[u8]) -> Result<[u8; HASH_LEN], String> {
    <[u8; HASH_LEN]>::try_from(bytes)
        .map_err(|_| format!("its hash is {} bytes, not {HASH_LEN}", bytes.len()))
}
