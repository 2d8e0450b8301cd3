//! Sharing requests and grants in sled. A change reads the record (and the entry header it
//! depends on) as the group left it, applies the transition of `govshare_sharing`, and stages
//! the record with its indexes; numbers come from counters written in the same batch.
//! [`SharingStore`] for [`SledStore`].

use crate::Named;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use govshare_model::ResourceCode;
use govshare_sharing::{
    Actor, Decision, GrantId, GrantRecord, NewRequest, RequestId, RequestRecord,
};

use super::SledStore;
use super::commit::Change;
use super::keys;
use crate::codec::{decode, encode};
use crate::lifecycle;
use crate::{
    EntryHeader, GrantFilter, Page, Party, RequestFilter, Result, SharingStore, StoreError,
};

/// The number after the counter at `key`; staged only by [`stage_counter`].
fn next_number(change: &Change<'_, '_>, key: &[u8]) -> Result<u64> {
    let last = match change.get(key)? {
        Some(v) => keys::u64_from(&v)?,
        None => 0,
    };
    last.checked_add(1)
        .ok_or_else(|| StoreError::Corrupt("a record counter overflowed".into()))
}

fn stage_counter(change: &mut Change<'_, '_>, key: &[u8], value: u64) {
    change.insert(key.to_vec(), value.to_be_bytes().to_vec());
}

/// Checks that the entry still publishes `version` and is not revoked.
fn entry_still_at(change: &Change<'_, '_>, code: &ResourceCode, version: u64) -> Result<()> {
    let header: EntryHeader = change
        .get(&keys::key(keys::ENTRY, &code.to_string()))?
        .map(|v| decode(&v))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(Named::Entry(code.to_string())))?;
    lifecycle::still_publishes(&header, version)
}

fn stage_request(change: &mut Change<'_, '_>, r: &RequestRecord, new: bool) -> Result<()> {
    let n = r.id.get();
    change.insert(keys::numbered(keys::REQUEST, n), encode(r)?);
    if new {
        let by_requester = keys::index(keys::REQUEST_BY_REQUESTER, r.requester_code.as_str());
        let by_provider = keys::index(keys::REQUEST_BY_PROVIDER, r.provider_code.as_str());
        change.insert(keys::numbered(&by_requester, n), Vec::new());
        change.insert(keys::numbered(&by_provider, n), Vec::new());
    }
    Ok(())
}

fn stage_grant(change: &mut Change<'_, '_>, g: &GrantRecord, new: bool) -> Result<()> {
    let n = g.id.get();
    change.insert(keys::numbered(keys::GRANT, n), encode(g)?);
    if new {
        let by_consumer = keys::index(keys::GRANT_BY_CONSUMER, g.consumer_code.as_str());
        let by_provider = keys::index(keys::GRANT_BY_PROVIDER, g.provider_code.as_str());
        change.insert(keys::numbered(&by_consumer, n), Vec::new());
        change.insert(keys::numbered(&by_provider, n), Vec::new());
        stage_counter(change, keys::LAST_GRANT, n);
    }
    Ok(())
}

fn id_or_corrupt<T>(id: Option<T>) -> Result<T> {
    id.ok_or_else(|| StoreError::Corrupt("a record number is 0".into()))
}

fn create_request(
    change: &mut Change<'_, '_>,
    new: NewRequest,
) -> Result<(RequestRecord, Option<GrantRecord>)> {
    entry_still_at(change, &new.entry_code, new.entry_version)?;
    let n = next_number(change, keys::LAST_REQUEST)?;
    let grant_number = next_number(change, keys::LAST_GRANT)?;
    let id = id_or_corrupt(RequestId::new(n))?;
    let grant_id = id_or_corrupt(GrantId::new(grant_number))?;
    let (request, grant) = RequestRecord::submit(id, new, || grant_id);
    stage_counter(change, keys::LAST_REQUEST, n);
    stage_request(change, &request, true)?;
    if let Some(grant) = &grant {
        stage_grant(change, grant, true)?;
    }
    Ok((request, grant))
}

fn current_request(change: &Change<'_, '_>, id: RequestId) -> Result<RequestRecord> {
    change
        .get(&keys::numbered(keys::REQUEST, id.get()))?
        .map(|v| decode(&v))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(Named::Request(id.to_string())))
}

fn decide_request(
    change: &mut Change<'_, '_>,
    id: RequestId,
    decision: &Decision,
) -> Result<(RequestRecord, Option<GrantRecord>)> {
    let current = current_request(change, id)?;
    let grant_id = id_or_corrupt(GrantId::new(next_number(change, keys::LAST_GRANT)?))?;
    let (request, grant) = current.decide(decision, || grant_id)?;
    if decision.approve {
        entry_still_at(change, &request.entry_code, decision.entry_version)?;
    }
    stage_request(change, &request, false)?;
    if let Some(grant) = &grant {
        stage_grant(change, grant, true)?;
    }
    Ok((request, grant))
}

fn withdraw_request(
    change: &mut Change<'_, '_>,
    id: RequestId,
    reason: &str,
    actor: Actor,
    at: DateTime<Utc>,
) -> Result<RequestRecord> {
    let request = current_request(change, id)?.withdraw(actor, at, reason)?;
    stage_request(change, &request, false)?;
    Ok(request)
}

fn revoke_grant(
    change: &mut Change<'_, '_>,
    id: GrantId,
    reason: &str,
    actor: Actor,
    at: DateTime<Utc>,
) -> Result<GrantRecord> {
    let current: GrantRecord = change
        .get(&keys::numbered(keys::GRANT, id.get()))?
        .map(|v| decode(&v))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(Named::Grant(id.to_string())))?;
    let grant = current.revoke(reason, actor, at)?;
    stage_grant(change, &grant, false)?;
    Ok(grant)
}

#[async_trait]
impl SharingStore for SledStore {
    async fn create_request(
        &self,
        new: NewRequest,
    ) -> Result<(RequestRecord, Option<GrantRecord>)> {
        self.writer
            .write(move |change| create_request(change, new))
            .await
    }

    async fn get_request(&self, id: RequestId) -> Result<Option<RequestRecord>> {
        self.tree
            .get(keys::numbered(keys::REQUEST, id.get()))?
            .map(|v| decode(&v))
            .transpose()
    }

    async fn list_requests(
        &self,
        filter: &RequestFilter,
        after: Option<RequestId>,
        limit: usize,
    ) -> Result<Page<RequestRecord>> {
        let indexes = self.indexes(
            &filter.party,
            keys::REQUEST_BY_REQUESTER,
            keys::REQUEST_BY_PROVIDER,
        );
        self.numbered_page(
            keys::REQUEST,
            &indexes,
            after.map(RequestId::get),
            limit,
            |r: &RequestRecord| filter.accepts(r),
            |r| r.id.to_string(),
        )
    }

    async fn decide_request(
        &self,
        id: RequestId,
        decision: Decision,
    ) -> Result<(RequestRecord, Option<GrantRecord>)> {
        self.writer
            .write(move |change| decide_request(change, id, &decision))
            .await
    }

    async fn withdraw_request(
        &self,
        id: RequestId,
        reason: &str,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<RequestRecord> {
        let reason = reason.to_owned();
        self.writer
            .write(move |change| withdraw_request(change, id, &reason, actor, at))
            .await
    }

    async fn get_grant(&self, id: GrantId) -> Result<Option<GrantRecord>> {
        self.tree
            .get(keys::numbered(keys::GRANT, id.get()))?
            .map(|v| decode(&v))
            .transpose()
    }

    async fn list_grants(
        &self,
        filter: &GrantFilter,
        after: Option<GrantId>,
        limit: usize,
    ) -> Result<Page<GrantRecord>> {
        let indexes = self.indexes(
            &filter.party,
            keys::GRANT_BY_CONSUMER,
            keys::GRANT_BY_PROVIDER,
        );
        self.numbered_page(
            keys::GRANT,
            &indexes,
            after.map(GrantId::get),
            limit,
            |g: &GrantRecord| filter.accepts(g),
            |g| g.id.to_string(),
        )
    }

    async fn revoke_grant(
        &self,
        id: GrantId,
        reason: &str,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<GrantRecord> {
        let reason = reason.to_owned();
        self.writer
            .write(move |change| revoke_grant(change, id, &reason, actor, at))
            .await
    }
}

impl SledStore {
    /// The index prefixes that hold every record `party` can see; none means the records
    /// themselves.
    fn indexes(&self, party: &Party, receiving: &[u8], providing: &[u8]) -> Vec<Vec<u8>> {
        match party {
            Party::Any => Vec::new(),
            Party::Receiving(d) => vec![keys::index(receiving, d.as_str())],
            Party::Providing(d) => vec![keys::index(providing, d.as_str())],
            Party::Either(d) => vec![
                keys::index(receiving, d.as_str()),
                keys::index(providing, d.as_str()),
            ],
        }
    }

    /// Numbered records in ascending order after `after`, found through `indexes` (merged
    /// in number order) or, with no index, by scanning `records`.
    fn numbered_page<T: serde::de::DeserializeOwned>(
        &self,
        records: &[u8],
        indexes: &[Vec<u8>],
        after: Option<u64>,
        limit: usize,
        accept: impl Fn(&T) -> bool,
        id: impl Fn(&T) -> String,
    ) -> Result<Page<T>> {
        let start = after.map_or(1, |a| a.saturating_add(1));
        let scans: Vec<Vec<u8>> = if indexes.is_empty() {
            vec![records.to_vec()]
        } else {
            indexes.to_vec()
        };
        let mut streams: Vec<_> = scans
            .iter()
            .map(|prefix| {
                self.tree
                    .range(keys::numbered(prefix, start)..)
                    .take_while(move |kv| kv.as_ref().map_or(true, |(k, _)| k.starts_with(prefix)))
                    .map(|kv| keys::trailing_number(&kv?.0))
                    .peekable()
            })
            .collect();
        let mut items: Vec<T> = Vec::new();
        let mut next = None;
        let mut last = 0;
        loop {
            // The smallest number at the head of any stream; streams at it move on.
            let mut smallest: Option<u64> = None;
            for stream in &mut streams {
                match stream.peek() {
                    Some(Ok(n)) => smallest = Some(smallest.map_or(*n, |s| s.min(*n))),
                    Some(Err(_)) => {
                        if let Some(Err(e)) = stream.next() {
                            return Err(e);
                        }
                    }
                    None => {}
                }
            }
            let Some(n) = smallest else { break };
            for stream in &mut streams {
                if matches!(stream.peek(), Some(Ok(m)) if *m == n) {
                    stream.next();
                }
            }
            if n == last {
                continue;
            }
            last = n;
            let Some(value) = self.tree.get(keys::numbered(records, n))? else {
                return Err(StoreError::Corrupt(format!(
                    "an index names missing record {n}"
                )));
            };
            let record: T = decode(&value)?;
            if !accept(&record) {
                continue;
            }
            if items.len() == limit {
                next = items.last().map(&id);
                break;
            }
            items.push(record);
        }
        Ok(Page { items, next })
    }
}
