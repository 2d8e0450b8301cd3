//! The key layout of the single sled tree: a prefix per record kind.
//!
//! `d/<credit code>` department · `t/<sha256 hex>` credential · `i/<token id>` credential
//! digest · `e/<code>` entry header · `v/<code>\0<version u64 BE>` version ·
//! `c/<seq u64 BE>` catalogue event · `r/<n u64 BE>` sharing request ·
//! `ro/<requester>/<n>` and `ri/<provider>/<n>` request indexes (empty values) ·
//! `g/<n u64 BE>` grant · `go/<consumer>/<n>` and `gi/<provider>/<n>` grant indexes ·
//! `s/<n u64 BE>` data snapshot · `se/<code>\0<n>` snapshots by entry ·
//! `m/<name>` metadata of the store itself, including the last record numbers.

use crate::StoreError;

pub(super) const DEPARTMENT: &[u8] = b"d/";
pub(super) const TOKEN: &[u8] = b"t/";
pub(super) const TOKEN_ID: &[u8] = b"i/";
pub(super) const ENTRY: &[u8] = b"e/";
pub(super) const VERSION: &[u8] = b"v/";
pub(super) const EVENT: &[u8] = b"c/";
pub(super) const REQUEST: &[u8] = b"r/";
pub(super) const REQUEST_BY_REQUESTER: &[u8] = b"ro/";
pub(super) const REQUEST_BY_PROVIDER: &[u8] = b"ri/";
pub(super) const GRANT: &[u8] = b"g/";
pub(super) const GRANT_BY_CONSUMER: &[u8] = b"go/";
pub(super) const GRANT_BY_PROVIDER: &[u8] = b"gi/";
pub(super) const SNAPSHOT: &[u8] = b"s/";
pub(super) const SNAPSHOT_BY_ENTRY: &[u8] = b"se/";
pub(super) const ADMIN_BOOTSTRAPPED: &[u8] = b"m/admin_bootstrapped";
pub(super) const LAST_REQUEST: &[u8] = b"m/last_request";
pub(super) const LAST_GRANT: &[u8] = b"m/last_grant";
pub(super) const LAST_SNAPSHOT: &[u8] = b"m/last_snapshot";

pub(super) fn key(prefix: &[u8], id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(prefix.len() + id.len());
    k.extend_from_slice(prefix);
    k.extend_from_slice(id.as_bytes());
    k
}

/// The smallest key after every key of `prefix` + `id`: where a page after `id` starts.
pub(super) fn after(prefix: &[u8], id: &str) -> Vec<u8> {
    let mut k = key(prefix, id);
    k.push(0);
    k
}

/// Key of one version: a 0 byte (never in a code) separates the code from the number.
pub(super) fn version(code: &str, version: u64) -> Vec<u8> {
    let mut k = key(VERSION, code);
    k.push(0);
    k.extend_from_slice(&version.to_be_bytes());
    k
}

pub(super) fn event(seq: u64) -> Vec<u8> {
    let mut k = EVENT.to_vec();
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

pub(super) fn event_seq(key: &[u8]) -> Result<u64, StoreError> {
    u64_from(key.get(EVENT.len()..).unwrap_or_default())
}

pub(super) fn u64_from(bytes: &[u8]) -> Result<u64, StoreError> {
    let array: [u8; 8] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a counter is not 8 bytes".into()))?;
    Ok(u64::from_be_bytes(array))
}

/// `prefix` + the number, big-endian, so keys sort by number.
pub(super) fn numbered(prefix: &[u8], n: u64) -> Vec<u8> {
    let mut k = prefix.to_vec();
    k.extend_from_slice(&n.to_be_bytes());
    k
}

/// The index prefix of one department: `prefix` + code + `/`.
pub(super) fn index(prefix: &[u8], department: &str) -> Vec<u8> {
    let mut k = key(prefix, department);
    k.push(b'/');
    k
}

/// The number at the end of a numbered or index key.
pub(super) fn trailing_number(key: &[u8]) -> Result<u64, StoreError> {
    u64_from(key.get(key.len().saturating_sub(8)..).unwrap_or_default())
}
