//! How records become stored bytes (sled values, PostgreSQL `bytea` columns): JSON, except
//! versions, which are a JSON head followed by the canonical bytes as they are (no escaping,
//! no second parse).

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{StoreError, VersionRecord};

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(format!("encoding a record: {e}")))
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Corrupt(format!("decoding a record: {e}")))
}

/// The fields of a version other than its canonical bytes.
#[derive(Serialize, Deserialize)]
struct VersionHead<'a> {
    version: u64,
    #[serde(borrow)]
    digest: Cow<'a, str>,
    #[serde(borrow)]
    author: Cow<'a, str>,
    created_at: chrono::DateTime<chrono::Utc>,
    #[serde(borrow)]
    note: Cow<'a, str>,
}

/// `[head length u32 BE][head JSON][canonical bytes]`.
pub(crate) fn encode_version(v: &VersionRecord) -> Result<Vec<u8>, StoreError> {
    let head = encode(&VersionHead {
        version: v.version,
        digest: Cow::Borrowed(&v.digest),
        author: Cow::Borrowed(&v.author),
        created_at: v.created_at,
        note: Cow::Borrowed(&v.note),
    })?;
    let len = u32::try_from(head.len())
        .map_err(|_| StoreError::Corrupt("version head too large".into()))?;
    let mut out = Vec::with_capacity(4 + head.len() + v.canonical.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(&v.canonical);
    Ok(out)
}

pub(crate) fn decode_version(bytes: &[u8]) -> Result<VersionRecord, StoreError> {
    let corrupt = || StoreError::Corrupt("a version record is truncated".into());
    let len: [u8; 4] = bytes
        .get(..4)
        .ok_or_else(corrupt)?
        .try_into()
        .map_err(|_| corrupt())?;
    let len = u32::from_be_bytes(len) as usize;
    let head_bytes = bytes.get(4..4 + len).ok_or_else(corrupt)?;
    let head: VersionHead<'_> = serde_json::from_slice(head_bytes)
        .map_err(|e| StoreError::Corrupt(format!("decoding a version: {e}")))?;
    Ok(VersionRecord {
        version: head.version,
        digest: head.digest.into_owned(),
        author: head.author.into_owned(),
        created_at: head.created_at,
        note: head.note.into_owned(),
        canonical: bytes[4 + len..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_round_trip_with_their_bytes_untouched() {
        let v = VersionRecord {
            version: 3,
            digest: "ab".repeat(32),
            author: "tok_1".into(),
            created_at: chrono::Utc::now(),
            note: "补充\"信息项\"".into(),
            canonical: br#"{"name":"\u4eba\"x"}"#.to_vec(),
        };
        assert_eq!(
            decode_version(&encode_version(&v).expect("encode")).expect("decode"),
            v
        );
    }

    #[test]
    fn truncated_versions_are_corrupt_not_panics() {
        assert!(decode_version(&[0, 0, 0, 9, b'{']).is_err());
        assert!(decode_version(&[]).is_err());
    }
}
