//! Sharing requests and grants in PostgreSQL. A change locks the record's row (and shares the
//! lock of the entry it depends on), applies the transition of `govshare_sharing` and writes
//! the record; numbers come from counter rows locked until the commit. [`SharingStore`] for
//! [`PgStore`].

use crate::Named;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use govshare_model::ResourceCode;
use govshare_sharing::{
    Actor, Decision, GrantId, GrantRecord, NewRequest, RequestId, RequestRecord,
};

use super::catalog::{locked_header, next_number};
use super::{PgStore, backend, number, paging, param};
use crate::codec::{decode, encode};
use crate::lifecycle;
use crate::{GrantFilter, Page, Party, RequestFilter, Result, SharingStore, StoreError};

/// Checks that the entry still publishes `version` and is not revoked, holding a share lock on
/// its row so that no review changes it before the commit.
async fn entry_still_at(tx: &Transaction<'_>, code: &ResourceCode, version: u64) -> Result<()> {
    let header = locked_header(tx, code, "FOR SHARE").await?;
    lifecycle::still_publishes(&header, version)
}

/// The number the next grant will get, locking the counter until the transaction ends. The
/// counter moves only when a grant is written ([`insert_grant`]).
async fn peek_grant_number(tx: &Transaction<'_>) -> Result<GrantId> {
    let row = tx
        .query_one(
            "SELECT last FROM counters WHERE name = 'grant' FOR UPDATE",
            &[],
        )
        .await
        .map_err(backend)?;
    let next = number(row.get(0))?
        .checked_add(1)
        .ok_or_else(|| StoreError::Corrupt("the grant counter overflowed".into()))?;
    id_or_corrupt(GrantId::new(next))
}

fn id_or_corrupt<T>(id: Option<T>) -> Result<T> {
    id.ok_or_else(|| StoreError::Corrupt("a record number is 0".into()))
}

async fn insert_request(tx: &Transaction<'_>, r: &RequestRecord) -> Result<()> {
    tx.execute(
        "INSERT INTO requests (id, requester, provider, record) VALUES ($1, $2, $3, $4)",
        &[
            &param(r.id.get())?,
            &r.requester_code.as_str(),
            &r.provider_code.as_str(),
            &encode(r)?,
        ],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

async fn update_request(tx: &Transaction<'_>, r: &RequestRecord) -> Result<()> {
    tx.execute(
        "UPDATE requests SET record = $2 WHERE id = $1",
        &[&param(r.id.get())?, &encode(r)?],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

async fn insert_grant(tx: &Transaction<'_>, g: &GrantRecord) -> Result<()> {
    let n = param(g.id.get())?;
    tx.execute(
        "INSERT INTO grants (id, consumer, provider, record) VALUES ($1, $2, $3, $4)",
        &[
            &n,
            &g.consumer_code.as_str(),
            &g.provider_code.as_str(),
            &encode(g)?,
        ],
    )
    .await
    .map_err(backend)?;
    tx.execute("UPDATE counters SET last = $1 WHERE name = 'grant'", &[&n])
        .await
        .map_err(backend)?;
    Ok(())
}

async fn locked_request(tx: &Transaction<'_>, id: RequestId) -> Result<RequestRecord> {
    let row = tx
        .query_opt(
            "SELECT record FROM requests WHERE id = $1 FOR UPDATE",
            &[&param(id.get())?],
        )
        .await
        .map_err(backend)?
        .ok_or_else(|| StoreError::NotFound(Named::Request(id.to_string())))?;
    decode(row.get::<_, &[u8]>(0))
}

/// The SQL of a page of `table` for `party`: `$1` the last number read, `$2` the batch size,
/// `$3` the department when the party names one.
fn party_sql(table: &str, receiver: &str, party: &Party) -> String {
    let side = match party {
        Party::Any => String::new(),
        Party::Receiving(_) => format!("AND {receiver} = $3"),
        Party::Providing(_) => "AND provider = $3".to_owned(),
        Party::Either(_) => format!("AND ({receiver} = $3 OR provider = $3)"),
    };
    format!("SELECT id, record FROM {table} WHERE id > $1 {side} ORDER BY id LIMIT $2")
}

fn party_code(party: &Party) -> Option<&str> {
    match party {
        Party::Any => None,
        Party::Receiving(d) | Party::Providing(d) | Party::Either(d) => Some(d.as_str()),
    }
}

#[async_trait]
impl SharingStore for PgStore {
    async fn create_request(
        &self,
        new: NewRequest,
    ) -> Result<(RequestRecord, Option<GrantRecord>)> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        entry_still_at(&tx, &new.entry_code, new.entry_version).await?;
        let id = id_or_corrupt(RequestId::new(next_number(&tx, "request").await?))?;
        let grant_id = peek_grant_number(&tx).await?;
        let (request, grant) = RequestRecord::submit(id, new, || grant_id);
        insert_request(&tx, &request).await?;
        if let Some(grant) = &grant {
            insert_grant(&tx, grant).await?;
        }
        tx.commit().await.map_err(backend)?;
        Ok((request, grant))
    }

    async fn decide_request(
        &self,
        id: RequestId,
        decision: Decision,
    ) -> Result<(RequestRecord, Option<GrantRecord>)> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        let current = locked_request(&tx, id).await?;
        // Locks in the order every write takes them: the entry, then counters.
        let (entry, grant_id) = match decision.approve {
            true => (
                Some(locked_header(&tx, &current.entry_code, "FOR SHARE").await?),
                peek_grant_number(&tx).await?,
            ),
            // A refusal issues no grant; the number is never used.
            false => (None, id_or_corrupt(GrantId::new(u64::MAX))?),
        };
        let (request, grant) = current.decide(&decision, || grant_id)?;
        if let Some(entry) = &entry {
            lifecycle::still_publishes(entry, decision.entry_version)?;
        }
        update_request(&tx, &request).await?;
        if let Some(grant) = &grant {
            insert_grant(&tx, grant).await?;
        }
        tx.commit().await.map_err(backend)?;
        Ok((request, grant))
    }

    async fn withdraw_request(
        &self,
        id: RequestId,
        reason: &str,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<RequestRecord> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        let request = locked_request(&tx, id).await?.withdraw(actor, at, reason)?;
        update_request(&tx, &request).await?;
        tx.commit().await.map_err(backend)?;
        Ok(request)
    }

    async fn revoke_grant(
        &self,
        id: GrantId,
        reason: &str,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<GrantRecord> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        let n = param(id.get())?;
        let row = tx
            .query_opt("SELECT record FROM grants WHERE id = $1 FOR UPDATE", &[&n])
            .await
            .map_err(backend)?
            .ok_or_else(|| StoreError::NotFound(Named::Grant(id.to_string())))?;
        let current: GrantRecord = decode(row.get::<_, &[u8]>(0))?;
        let grant = current.revoke(reason, actor, at)?;
        tx.execute(
            "UPDATE grants SET record = $2 WHERE id = $1",
            &[&n, &encode(&grant)?],
        )
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(grant)
    }

    async fn get_request(&self, id: RequestId) -> Result<Option<RequestRecord>> {
        self.get_numbered("SELECT record FROM requests WHERE id = $1", id.get())
            .await
    }

    async fn get_grant(&self, id: GrantId) -> Result<Option<GrantRecord>> {
        self.get_numbered("SELECT record FROM grants WHERE id = $1", id.get())
            .await
    }

    async fn list_requests(
        &self,
        filter: &RequestFilter,
        after: Option<RequestId>,
        limit: usize,
    ) -> Result<Page<RequestRecord>> {
        let side = ("requests", "requester", &filter.party);
        let after = after.map_or(0, RequestId::get);
        self.party_page(
            side,
            after,
            limit,
            |r| filter.accepts(r),
            |r| r.id.to_string(),
        )
        .await
    }

    async fn list_grants(
        &self,
        filter: &GrantFilter,
        after: Option<GrantId>,
        limit: usize,
    ) -> Result<Page<GrantRecord>> {
        let side = ("grants", "consumer", &filter.party);
        let after = after.map_or(0, GrantId::get);
        self.party_page(
            side,
            after,
            limit,
            |g| filter.accepts(g),
            |g| g.id.to_string(),
        )
        .await
    }
}

impl PgStore {
    /// The record `sql` selects for number `n`, if any.
    pub(super) async fn get_numbered<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        n: u64,
    ) -> Result<Option<T>> {
        let Ok(n) = i64::try_from(n) else {
            return Ok(None);
        };
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await.map_err(backend)?;
        let row = client.query_opt(&statement, &[&n]).await.map_err(backend)?;
        row.map(|r| decode(r.get::<_, &[u8]>(0))).transpose()
    }

    /// A page of the numbered records of `table` (its receiving side in column `receiver`)
    /// that `party` sees and `accept` takes, after number `after`.
    async fn party_page<T: serde::de::DeserializeOwned>(
        &self,
        (table, receiver, party): (&str, &str, &Party),
        after: u64,
        limit: usize,
        accept: impl Fn(&T) -> bool,
        id: impl Fn(&T) -> String,
    ) -> Result<Page<T>> {
        let client = self.client().await?;
        let sql = party_sql(table, receiver, party);
        let code = party_code(party);
        let extra: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = match &code {
            Some(c) => vec![c],
            None => Vec::new(),
        };
        paging::page(&client, &sql, param(after)?, &extra, limit, accept, id).await
    }
}
