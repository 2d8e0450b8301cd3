//! Catalogue entries, their immutable versions and the change feed in sled.

use chrono::{DateTime, Utc};
use govshare_model::{MAX_SEQUENCE, ResourceCode};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::SledStore;
use super::codec::{abort, decode, encode, finish, u64_from, version_key};
use super::identity::after_key;
use crate::{
    CatalogEvent, CatalogEventKind, EntryFilter, EntryHeader, NewEntry, NewVersion, Page, Result,
    StoreError, VersionRecord,
};

const EVENT_SEQ: &[u8] = b"catalog_event_seq";

type TxResult<T> = std::result::Result<T, ConflictableTransactionError<StoreError>>;

/// What a change does to one entry inside a transaction.
struct Change<'a> {
    header: EntryHeader,
    kind: CatalogEventKind,
    version: Option<VersionRecord>,
    actor: &'a str,
    comment: &'a str,
    at: DateTime<Utc>,
}

fn version_record(version: u64, new: &NewVersion) -> VersionRecord {
    VersionRecord {
        version,
        digest: new.digest.clone(),
        author: new.author.clone(),
        created_at: new.created_at,
        note: new.note.clone(),
        canonical: new.canonical.clone(),
    }
}

/// Writes a change: header, optional version (never overwriting one), and its event.
fn write_change(
    entries: &TransactionalTree,
    versions: &TransactionalTree,
    events: &TransactionalTree,
    meta: &TransactionalTree,
    change: &Change<'_>,
) -> TxResult<()> {
    let code = change.header.code.to_string();
    if let Some(v) = &change.version {
        let key = version_key(&code, v.version);
        if versions.get(&key)?.is_some() {
            return Err(abort(StoreError::Corrupt(format!(
                "version {} of {code} already exists",
                v.version
            ))));
        }
        versions.insert(key, encode(v).map_err(abort)?)?;
    }
    entries.insert(code.as_bytes(), encode(&change.header).map_err(abort)?)?;
    let seq = match meta.get(EVENT_SEQ)? {
        Some(v) => u64_from(&v).map_err(abort)? + 1,
        None => 1,
    };
    meta.insert(EVENT_SEQ, &seq.to_be_bytes())?;
    let event = CatalogEvent {
        seq,
        code: change.header.code.clone(),
        kind: change.kind,
        version: change
            .version
            .as_ref()
            .map_or(change.header.head_version, |v| v.version),
        state: change.header.state,
        actor: change.actor.to_owned(),
        at: change.at,
        comment: change.comment.to_owned(),
    };
    events.insert(&seq.to_be_bytes(), encode(&event).map_err(abort)?)?;
    Ok(())
}

impl SledStore {
    pub(super) fn register_entry_now(
        &self,
        new: &NewEntry,
    ) -> Result<(EntryHeader, VersionRecord)> {
        let trees = (
            &self.sequences,
            &self.entries,
            &self.versions,
            &self.events,
            &self.meta,
        );
        finish(
            trees.transaction(|(sequences, entries, versions, events, meta)| {
                let class = new.classification.as_str();
                let sequence = match sequences.get(class.as_bytes())? {
                    Some(v) => u64_from(&v).map_err(abort)? + 1,
                    None => 1,
                };
                let sequence = u32::try_from(sequence)
                    .ok()
                    .filter(|s| *s <= MAX_SEQUENCE)
                    .ok_or_else(|| abort(StoreError::SequenceExhausted(class.to_owned())))?;
                sequences.insert(class.as_bytes(), &u64::from(sequence).to_be_bytes())?;
                let code = ResourceCode::new(new.classification.clone(), sequence);
                let header = EntryHeader {
                    code,
                    provider_code: new.provider_code.clone(),
                    state: govshare_model::EntryState::Draft,
                    head_version: 1,
                    published_version: None,
                    head: new.version.summary.clone(),
                    published: None,
                    review_comment: String::new(),
                    created_at: new.version.created_at,
                    updated_at: new.version.created_at,
                };
                let version = version_record(1, &new.version);
                let change = Change {
                    header,
                    kind: CatalogEventKind::Registered,
                    version: Some(version.clone()),
                    actor: &new.version.author,
                    comment: &new.version.note,
                    at: new.version.created_at,
                };
                write_change(entries, versions, events, meta, &change)?;
                Ok((change.header, version))
            }),
        )
    }

    /// Applies `decide` to the current header of `code` in one transaction.
    pub(super) fn change_entry_now<F>(
        &self,
        code: &ResourceCode,
        actor: &str,
        comment: &str,
        at: DateTime<Utc>,
        new_version: Option<&NewVersion>,
        decide: F,
    ) -> Result<(EntryHeader, Option<VersionRecord>)>
    where
        F: Fn(&EntryHeader) -> Result<(EntryHeader, CatalogEventKind)>,
    {
        let key = code.to_string();
        let trees = (&self.entries, &self.versions, &self.events, &self.meta);
        finish(trees.transaction(|(entries, versions, events, meta)| {
            let current = entries
                .get(key.as_bytes())?
                .ok_or_else(|| abort(StoreError::NotFound(format!("entry {key}"))))?;
            let current: EntryHeader = decode(&current).map_err(abort)?;
            let (header, kind) = decide(&current).map_err(abort)?;
            let version = new_version.map(|n| version_record(header.head_version, n));
            let change = Change {
                header,
                kind,
                version,
                actor,
                comment,
                at,
            };
            write_change(entries, versions, events, meta, &change)?;
            Ok((change.header, change.version))
        }))
    }

    pub(super) fn get_entry_now(&self, code: &ResourceCode) -> Result<Option<EntryHeader>> {
        self.entries
            .get(code.to_string().as_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    pub(super) fn get_version_now(
        &self,
        code: &ResourceCode,
        version: u64,
    ) -> Result<Option<VersionRecord>> {
        self.versions
            .get(version_key(&code.to_string(), version))?
            .map(|v| decode(&v))
            .transpose()
    }

    pub(super) fn list_versions_now(
        &self,
        code: &ResourceCode,
        after: u64,
        limit: usize,
    ) -> Result<Vec<VersionRecord>> {
        let code = code.to_string();
        let start = version_key(&code, after.saturating_add(1));
        let end = version_key(&code, u64::MAX);
        self.versions
            .range(start..=end)
            .take(limit)
            .map(|kv| decode(&kv?.1))
            .collect()
    }

    pub(super) fn list_entries_now(
        &self,
        filter: &EntryFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<EntryHeader>> {
        let range = match after {
            Some(after) => self.entries.range(after_key(after)..),
            None => self.entries.iter(),
        };
        let mut items: Vec<EntryHeader> = Vec::new();
        let mut next = None;
        for kv in range {
            let header: EntryHeader = decode(&kv?.1)?;
            if !filter.accepts(&header) {
                continue;
            }
            if items.len() == limit {
                next = items.last().map(|h| h.code.to_string());
                break;
            }
            items.push(header);
        }
        Ok(Page { items, next })
    }

    pub(super) fn catalog_events_now(&self, after: u64, limit: usize) -> Result<Vec<CatalogEvent>> {
        self.events
            .range(after.saturating_add(1).to_be_bytes()..)
            .take(limit)
            .map(|kv| decode(&kv?.1))
            .collect()
    }
}
