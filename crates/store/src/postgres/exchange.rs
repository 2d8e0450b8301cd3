//! Snapshot records in PostgreSQL, numbered from a counter locked until the commit, read
//! newest first per entry through an index: [`ExchangeStore`] for [`PgStore`].

use async_trait::async_trait;
use govshare_model::ResourceCode;
use govshare_sharing::SnapshotId;

use super::catalog::{limit_param, next_number};
use super::{PgStore, backend, param};
use crate::codec::{decode, encode};
use crate::{ExchangeStore, NewSnapshot, Page, Result, SnapshotRecord, StoreError};

#[async_trait]
impl ExchangeStore for PgStore {
    async fn create_snapshot(&self, new: NewSnapshot) -> Result<SnapshotRecord> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        let n = next_number(&tx, "snapshot").await?;
        let id =
            SnapshotId::new(n).ok_or_else(|| StoreError::Corrupt("snapshot number 0".into()))?;
        let record = new.numbered(id);
        tx.execute(
            "INSERT INTO snapshots (id, entry_code, record) VALUES ($1, $2, $3)",
            &[
                &param(n)?,
                &record.entry_code.to_string(),
                &encode(&record)?,
            ],
        )
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(record)
    }

    async fn get_snapshot(&self, id: SnapshotId) -> Result<Option<SnapshotRecord>> {
        self.get_numbered("SELECT record FROM snapshots WHERE id = $1", id.get())
            .await
    }

    async fn list_snapshots(
        &self,
        entry: &ResourceCode,
        before: Option<SnapshotId>,
        limit: usize,
    ) -> Result<Page<SnapshotRecord>> {
        let before = before.map_or(i64::MAX, |b| i64::try_from(b.get()).unwrap_or(i64::MAX));
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT record FROM snapshots WHERE entry_code = $1 AND id < $2
                 ORDER BY id DESC LIMIT $3",
                &[
                    &entry.to_string(),
                    &before,
                    &limit_param(limit).saturating_add(1),
                ],
            )
            .await
            .map_err(backend)?;
        let mut items: Vec<SnapshotRecord> = rows
            .iter()
            .map(|r| decode(r.get::<_, &[u8]>(0)))
            .collect::<Result<_>>()?;
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|s| s.id.to_string())
        } else {
            None
        };
        Ok(Page { items, next })
    }
}
