//! The records of exchanged data: one per published snapshot. The bytes live in the blob
//! store, named by their sha256; the record says whose data they are and what they hold.

use chrono::{DateTime, Utc};
use govshare_model::{CreditCode, ResourceCode};
use govshare_sharing::SnapshotId;
use serde::{Deserialize, Serialize};

/// A published snapshot of an entry's data. Immutable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRecord {
    pub id: SnapshotId,
    pub entry_code: ResourceCode,
    /// The published version whose 信息项 the data was checked against.
    pub entry_version: u64,
    pub provider_code: CreditCode,
    /// sha256 (hex) of the bytes: the blob's name.
    pub sha256: String,
    pub size_bytes: u64,
    /// Data rows (0 for opaque bytes).
    pub rows: u64,
    pub media_type: String,
    /// The columns in the data's order (empty for opaque bytes).
    pub columns: Vec<String>,
    pub note: String,
    /// The token id of the uploader.
    pub author: String,
    pub created_at: DateTime<Utc>,
}

impl NewSnapshot {
    /// The record of this snapshot numbered `id`.
    pub fn numbered(self, id: SnapshotId) -> SnapshotRecord {
        let NewSnapshot {
            entry_code,
            entry_version,
            provider_code,
            sha256,
            size_bytes,
            rows,
            media_type,
            columns,
            note,
            author,
            created_at,
        } = self;
        SnapshotRecord {
            id,
            entry_code,
            entry_version,
            provider_code,
            sha256,
            size_bytes,
            rows,
            media_type,
            columns,
            note,
            author,
            created_at,
        }
    }
}

/// A snapshot about to be recorded; the store numbers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSnapshot {
    pub entry_code: ResourceCode,
    pub entry_version: u64,
    pub provider_code: CreditCode,
    pub sha256: String,
    pub size_bytes: u64,
    pub rows: u64,
    pub media_type: String,
    pub columns: Vec<String>,
    pub note: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
}
