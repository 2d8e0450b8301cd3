//! [`StoreStats`] of the sled store: one pass over headers, requests and grants.

use chrono::{DateTime, Utc};
use govshare_sharing::{GrantRecord, RequestRecord};

use super::{SledStore, keys};
use crate::codec::decode;
use crate::{EntryHeader, Result, StoreStats};

impl SledStore {
    pub(super) fn stats_now(&self, now: DateTime<Utc>) -> Result<StoreStats> {
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
