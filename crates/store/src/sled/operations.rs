//! [`OperationsStore`] for [`SledStore`]: [`StoreStats`] in one pass over headers, requests
//! and grants, off the async threads; alive until the writer thread stopped for good.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use govshare_sharing::{GrantRecord, RequestRecord};

use super::{SledStore, keys};
use crate::codec::decode;
use crate::{EntryHeader, OperationsStore, Result, StoreError, StoreStats};

#[async_trait]
impl OperationsStore for SledStore {
    async fn stats(&self, now: DateTime<Utc>) -> Result<StoreStats> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.count(now))
            .await
            .map_err(|e| StoreError::Backend(format!("counting the store failed: {e}")))?
    }

    fn check_alive(&self) -> Result<()> {
        match self.writer.stopped() {
            None => Ok(()),
            Some(e) => Err(StoreError::Backend(format!(
                "the embedded store stopped after a failed write ({e}); restart the server"
            ))),
        }
    }
}

impl SledStore {
    /// The counts at `now`, reading the whole tree: blocking.
    fn count(&self, now: DateTime<Utc>) -> Result<StoreStats> {
        let mut stats = StoreStats {
            size_bytes: self.size_on_disk()?,
            ..StoreStats::default()
        };
        for kv in self.tree.scan_prefix(keys::ENTRY) {
            let header: EntryHeader = decode(&kv?.1)?;
            *stats.entries.entry(header.state).or_default() += 1;
        }
        for kv in self.tree.scan_prefix(keys::REQUEST) {
            let request: RequestRecord = decode(&kv?.1)?;
            *stats.requests.entry(request.state).or_default() += 1;
            if request.is_overdue_at(now) {
                stats.overdue_requests += 1;
            }
        }
        for kv in self.tree.scan_prefix(keys::GRANT) {
            let grant: GrantRecord = decode(&kv?.1)?;
            *stats.grants.entry(grant.state_at(now)).or_default() += 1;
        }
        Ok(stats)
    }
}
