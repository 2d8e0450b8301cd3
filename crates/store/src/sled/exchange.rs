//! Snapshot records in sled, numbered from a counter written in the same batch, with an
//! index by entry that is read newest first: [`ExchangeStore`] for [`SledStore`].

use async_trait::async_trait;
use govshare_model::ResourceCode;
use govshare_sharing::SnapshotId;

use super::SledStore;
use super::commit::Change;
use super::keys;
use crate::codec::{decode, encode};
use crate::{ExchangeStore, NewSnapshot, Page, Result, SnapshotRecord, StoreError};

/// The index prefix of one entry's snapshots: a 0 byte (never in a code) ends the code.
fn by_entry(code: &str) -> Vec<u8> {
    let mut k = keys::key(keys::SNAPSHOT_BY_ENTRY, code);
    k.push(0);
    k
}

fn create_snapshot(change: &mut Change<'_, '_>, new: NewSnapshot) -> Result<SnapshotRecord> {
    let last = match change.get(keys::LAST_SNAPSHOT)? {
        Some(v) => keys::u64_from(&v)?,
        None => 0,
    };
    let n = last
        .checked_add(1)
        .ok_or_else(|| StoreError::Corrupt("the snapshot counter overflowed".into()))?;
    let id = SnapshotId::new(n).ok_or_else(|| StoreError::Corrupt("snapshot number 0".into()))?;
    let record = new.numbered(id);
    change.insert(keys::LAST_SNAPSHOT.to_vec(), n.to_be_bytes().to_vec());
    change.insert(keys::numbered(keys::SNAPSHOT, n), encode(&record)?);
    let index = by_entry(&record.entry_code.to_string());
    change.insert(keys::numbered(&index, n), Vec::new());
    Ok(record)
}

#[async_trait]
impl ExchangeStore for SledStore {
    async fn create_snapshot(&self, new: NewSnapshot) -> Result<SnapshotRecord> {
        self.writer
            .write(move |change| create_snapshot(change, new))
            .await
    }

    async fn get_snapshot(&self, id: SnapshotId) -> Result<Option<SnapshotRecord>> {
        self.tree
            .get(keys::numbered(keys::SNAPSHOT, id.get()))?
            .map(|v| decode(&v))
            .transpose()
    }

    async fn list_snapshots(
        &self,
        entry: &ResourceCode,
        before: Option<SnapshotId>,
        limit: usize,
    ) -> Result<Page<SnapshotRecord>> {
        let index = by_entry(&entry.to_string());
        let end = keys::numbered(&index, before.map_or(u64::MAX, SnapshotId::get));
        let mut items = Vec::new();
        let mut next = None;
        for kv in self.tree.range(index.clone()..end).rev() {
            let (key, _) = kv?;
            if items.len() == limit {
                next = items.last().map(|s: &SnapshotRecord| s.id.to_string());
                break;
            }
            let n = keys::trailing_number(&key)?;
            let value = self
                .tree
                .get(keys::numbered(keys::SNAPSHOT, n))?
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("an index names missing snapshot {n}"))
                })?;
            items.push(decode(&value)?);
        }
        Ok(Page { items, next })
    }
}
