//! The key layout of the single sled tree: a prefix per record kind.
//!
//! `d/<credit code>` department · `t/<sha256 hex>` credential · `i/<token id>` credential
//! digest · `e/<code>` entry header · `v/<code>\0<version u64 BE>` version ·
//! `c/<seq u64 BE>` catalogue event · `m/<name>` metadata of the store itself.

use crate::StoreError;

pub(super) const DEPARTMENT: &[u8] = b"d/";
pub(super) const TOKEN: &[u8] = b"t/";
pub(super) const TOKEN_ID: &[u8] = b"i/";
pub(super) const ENTRY: &[u8] = b"e/";
pub(super) const VERSION: &[u8] = b"v/";
pub(super) const EVENT: &[u8] = b"c/";
pub(super) const ADMIN_BOOTSTRAPPED: &[u8] = b"m/admin_bootstrapped";

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
