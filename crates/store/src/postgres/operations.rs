//! [`OperationsStore`] for [`PgStore`]: [`StoreStats`] in one pass over headers, requests and
//! grants, with the database's size; never stopped for good.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use govshare_sharing::{GrantRecord, RequestRecord};

use super::{PgStore, backend, number};
use crate::codec::decode;
use crate::{EntryHeader, OperationsStore, Result, StoreStats};

#[async_trait]
impl OperationsStore for PgStore {
    async fn stats(&self, now: DateTime<Utc>) -> Result<StoreStats> {
        let client = self.client().await?;
        let size: i64 = client
            .query_one("SELECT pg_database_size(current_database())", &[])
            .await
            .map_err(backend)?
            .get(0);
        let mut stats = StoreStats {
            size_bytes: number(size)?,
            ..StoreStats::default()
        };
        for row in client
            .query("SELECT record FROM entries", &[])
            .await
            .map_err(backend)?
        {
            let header: EntryHeader = decode(row.get::<_, &[u8]>(0))?;
            *stats.entries.entry(header.state).or_default() += 1;
        }
        for row in client
            .query("SELECT record FROM requests", &[])
            .await
            .map_err(backend)?
        {
            let request: RequestRecord = decode(row.get::<_, &[u8]>(0))?;
            *stats.requests.entry(request.state).or_default() += 1;
            if request.is_overdue_at(now) {
                stats.overdue_requests += 1;
            }
        }
        for row in client
            .query("SELECT record FROM grants", &[])
            .await
            .map_err(backend)?
        {
            let grant: GrantRecord = decode(row.get::<_, &[u8]>(0))?;
            *stats.grants.entry(grant.state_at(now)).or_default() += 1;
        }
        Ok(stats)
    }

    /// A failed statement fails only its own call: the pool opens new connections once the
    /// database answers again, so nothing here needs a restart.
    fn check_alive(&self) -> Result<()> {
        Ok(())
    }
}
