//! How records become sled keys and values: JSON values, big-endian integer keys.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::transaction::ConflictableTransactionError;

use crate::StoreError;

pub(super) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(format!("encoding a record: {e}")))
}

pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Corrupt(format!("decoding a record: {e}")))
}

/// Key of one version: the entry code, a 0 byte (never in a code), the version big-endian.
pub(super) fn version_key(code: &str, version: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(code.len() + 9);
    key.extend_from_slice(code.as_bytes());
    key.push(0);
    key.extend_from_slice(&version.to_be_bytes());
    key
}

pub(super) fn u64_from(bytes: &[u8]) -> Result<u64, StoreError> {
    let array: [u8; 8] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a counter is not 8 bytes".into()))?;
    Ok(u64::from_be_bytes(array))
}

/// Wraps a store error so that it aborts a sled transaction.
pub(super) fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

/// Unwraps the outcome of a sled transaction.
pub(super) fn finish<T>(
    result: Result<T, sled::transaction::TransactionError<StoreError>>,
) -> Result<T, StoreError> {
    result.map_err(|e| match e {
        sled::transaction::TransactionError::Abort(e) => e,
        sled::transaction::TransactionError::Storage(e) => e.into(),
    })
}
