//! Catalogue entries, their immutable versions and the change feed in PostgreSQL. A change
//! locks the entry's row, decides with [`crate::lifecycle`], writes header, version and event,
//! and takes its event number last, so the feed's numbers follow commit order with no gap a
//! reader could pass over. [`CatalogueStore`] for [`PgStore`].

use crate::Named;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use govshare_model::{MAX_SEQUENCE, ResourceCode};

use super::{PgStore, backend, number, paging, param};
use crate::codec::{decode, decode_version, encode, encode_version};
use crate::lifecycle::{self, Cause, Transition};
use crate::{
    CatalogEvent, CatalogueStore, EntryFilter, EntryHeader, NewEntry, NewVersion, Page, Result,
    StoreError, VersionRecord,
};

/// The next number of counter `name`, locking its row until the transaction ends.
pub(super) async fn next_number(tx: &Transaction<'_>, name: &str) -> Result<u64> {
    let statement = tx
        .prepare_cached(
            "INSERT INTO counters (name, last) VALUES ($1, 1)
             ON CONFLICT (name) DO UPDATE SET last = counters.last + 1
             RETURNING last",
        )
        .await
        .map_err(backend)?;
    let row = tx.query_one(&statement, &[&name]).await.map_err(backend)?;
    number(row.get(0))
}

/// Writes a transition: header, new version (never overwriting one) and event.
async fn write_transition(
    tx: &Transaction<'_>,
    transition: &Transition,
    version: Option<&VersionRecord>,
    cause: Cause,
    new_entry: bool,
) -> Result<()> {
    let code = transition.header.code.to_string();
    if let Some(v) = version {
        let inserted = tx
            .execute(
                "INSERT INTO versions (code, version, record) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&code, &param(v.version)?, &encode_version(v)?],
            )
            .await
            .map_err(backend)?;
        if inserted == 0 {
            return Err(StoreError::Corrupt(format!(
                "version {} of {code} already exists",
                v.version
            )));
        }
    }
    let header = encode(&transition.header)?;
    if new_entry {
        tx.execute(
            "INSERT INTO entries (code, provider, record) VALUES ($1, $2, $3)",
            &[&code, &transition.header.provider_code.as_str(), &header],
        )
        .await
        .map_err(backend)?;
    } else {
        tx.execute(
            "UPDATE entries SET record = $2 WHERE code = $1",
            &[&code, &header],
        )
        .await
        .map_err(backend)?;
    }
    // Last: the feed's counter stays locked only for the commit.
    let seq = next_number(tx, "event").await?;
    let event = CatalogEvent {
        seq,
        code: transition.header.code.clone(),
        kind: transition.kind,
        version: transition.version,
        state: transition.header.state,
        actor: cause.actor,
        at: cause.at,
        comment: cause.comment,
    };
    tx.execute(
        "INSERT INTO catalog_events (seq, record) VALUES ($1, $2)",
        &[&param(seq)?, &encode(&event)?],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

/// The header of `code`, locked until the transaction ends.
pub(super) async fn locked_header(
    tx: &Transaction<'_>,
    code: &ResourceCode,
    lock: &str,
) -> Result<EntryHeader> {
    let sql = format!("SELECT record FROM entries WHERE code = $1 {lock}");
    let row = tx
        .query_opt(&sql, &[&code.to_string()])
        .await
        .map_err(backend)?
        .ok_or_else(|| StoreError::NotFound(Named::Entry(code.to_string())))?;
    decode(row.get::<_, &[u8]>(0))
}

#[async_trait]
impl CatalogueStore for PgStore {
    async fn register_entry(&self, new: NewEntry) -> Result<(EntryHeader, VersionRecord)> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        let class = new.classification.as_str();
        let sequence = next_number(&tx, &format!("sequence:{class}")).await?;
        let sequence = u32::try_from(sequence)
            .ok()
            .filter(|s| *s <= MAX_SEQUENCE)
            .ok_or_else(|| StoreError::SequenceExhausted(class.to_owned()))?;
        let transition = lifecycle::register(&new, sequence);
        let version = new.version.record(1);
        let cause = Cause::of_version(&new.version);
        write_transition(&tx, &transition, Some(&version), cause, true).await?;
        tx.commit().await.map_err(backend)?;
        Ok((transition.header, version))
    }

    async fn update_entry(
        &self,
        code: &ResourceCode,
        expected_version: u64,
        version: NewVersion,
    ) -> Result<(EntryHeader, VersionRecord)> {
        let cause = Cause::of_version(&version);
        let (header, written) = self
            .change_entry(code, cause, Some(&version), |h| {
                lifecycle::update(
                    h,
                    expected_version,
                    version.summary.clone(),
                    version.created_at,
                )
            })
            .await?;
        let written =
            written.ok_or_else(|| StoreError::Corrupt("update wrote no version".into()))?;
        Ok((header, written))
    }

    async fn submit_entry(
        &self,
        code: &ResourceCode,
        expected_version: u64,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<EntryHeader> {
        let cause = Cause::new(actor, "", at);
        let (header, _) = self
            .change_entry(code, cause, None, |h| {
                lifecycle::submit(h, expected_version, at)
            })
            .await?;
        Ok(header)
    }

    async fn request_revocation(
        &self,
        code: &ResourceCode,
        reason: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<EntryHeader> {
        let cause = Cause::new(actor, reason, at);
        let (header, _) = self
            .change_entry(code, cause, None, |h| {
                lifecycle::request_revocation(h, reason, at)
            })
            .await?;
        Ok(header)
    }

    async fn review_entry(
        &self,
        code: &ResourceCode,
        version: u64,
        approve: bool,
        comment: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<EntryHeader> {
        let cause = Cause::new(actor, comment, at);
        let (header, _) = self
            .change_entry(code, cause, None, |h| {
                lifecycle::review(h, version, approve, comment, at)
            })
            .await?;
        Ok(header)
    }

    async fn get_entry(&self, code: &ResourceCode) -> Result<Option<EntryHeader>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached("SELECT record FROM entries WHERE code = $1")
            .await
            .map_err(backend)?;
        let row = client
            .query_opt(&statement, &[&code.to_string()])
            .await
            .map_err(backend)?;
        row.map(|r| decode(r.get::<_, &[u8]>(0))).transpose()
    }

    async fn get_version(
        &self,
        code: &ResourceCode,
        version: u64,
    ) -> Result<Option<VersionRecord>> {
        let Ok(version) = i64::try_from(version) else {
            return Ok(None);
        };
        let client = self.client().await?;
        let statement = client
            .prepare_cached("SELECT record FROM versions WHERE code = $1 AND version = $2")
            .await
            .map_err(backend)?;
        let row = client
            .query_opt(&statement, &[&code.to_string(), &version])
            .await
            .map_err(backend)?;
        row.map(|r| decode_version(r.get::<_, &[u8]>(0)))
            .transpose()
    }

    async fn list_versions(
        &self,
        code: &ResourceCode,
        after: u64,
        limit: usize,
    ) -> Result<Vec<VersionRecord>> {
        let Ok(after) = i64::try_from(after) else {
            return Ok(Vec::new());
        };
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT record FROM versions WHERE code = $1 AND version > $2
                 ORDER BY version LIMIT $3",
                &[&code.to_string(), &after, &limit_param(limit)],
            )
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| decode_version(r.get::<_, &[u8]>(0)))
            .collect()
    }

    async fn list_entries(
        &self,
        filter: &EntryFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<EntryHeader>> {
        let client = self.client().await?;
        let after = after.unwrap_or_default().to_owned();
        match &filter.provider_code {
            Some(provider) => {
                paging::page(
                    &client,
                    "SELECT code, record FROM entries WHERE code > $1 AND provider = $3
                     ORDER BY code LIMIT $2",
                    after,
                    &[&provider.as_str()],
                    limit,
                    |h| filter.accepts(h),
                    |h: &EntryHeader| h.code.to_string(),
                )
                .await
            }
            None => {
                paging::page(
                    &client,
                    "SELECT code, record FROM entries WHERE code > $1 ORDER BY code LIMIT $2",
                    after,
                    &[],
                    limit,
                    |h| filter.accepts(h),
                    |h: &EntryHeader| h.code.to_string(),
                )
                .await
            }
        }
    }

    async fn catalog_events(&self, after: u64, limit: usize) -> Result<Vec<CatalogEvent>> {
        let Ok(after) = i64::try_from(after) else {
            return Ok(Vec::new());
        };
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT record FROM catalog_events WHERE seq > $1 ORDER BY seq LIMIT $2",
            )
            .await
            .map_err(backend)?;
        let rows = client
            .query(&statement, &[&after, &limit_param(limit)])
            .await
            .map_err(backend)?;
        rows.iter().map(|r| decode(r.get::<_, &[u8]>(0))).collect()
    }
}

impl PgStore {
    /// Applies `decide` to the locked header of `code` and writes the outcome, with
    /// `new_version` as the new head if given.
    async fn change_entry(
        &self,
        code: &ResourceCode,
        cause: Cause,
        new_version: Option<&NewVersion>,
        decide: impl FnOnce(&EntryHeader) -> Result<Transition>,
    ) -> Result<(EntryHeader, Option<VersionRecord>)> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        let current = locked_header(&tx, code, "FOR UPDATE").await?;
        let transition = decide(&current)?;
        let version = new_version.map(|n| n.record(transition.header.head_version));
        write_transition(&tx, &transition, version.as_ref(), cause, false).await?;
        tx.commit().await.map_err(backend)?;
        Ok((transition.header, version))
    }
}

/// A page size as a LIMIT parameter.
pub(super) fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}
