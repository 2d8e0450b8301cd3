//! Catalogue entries, their immutable versions and the change feed in sled. Every change is
//! decided on the writer thread and staged as a whole: header, new version (never
//! overwriting one) and event together.

use govshare_model::{MAX_SEQUENCE, ResourceCode};

use super::commit::Change;
use super::{SledStore, keys};
use crate::codec::{decode, decode_version, encode, encode_version};
use crate::lifecycle::{self, Cause, Transition};
use crate::{
    CatalogEvent, EntryFilter, EntryHeader, NewEntry, NewVersion, Page, Result, StoreError,
    VersionRecord,
};

/// Stages a transition: header, new version (never overwriting one) and event.
fn write_transition(
    change: &mut Change<'_, '_>,
    transition: &Transition,
    version: Option<&VersionRecord>,
    cause: Cause,
) -> Result<()> {
    let code = transition.header.code.to_string();
    if let Some(v) = version {
        let key = keys::version(&code, v.version);
        if change.contains(&key)? {
            return Err(StoreError::Corrupt(format!(
                "version {} of {code} already exists",
                v.version
            )));
        }
        change.insert(key, encode_version(v)?);
    }
    change.insert(keys::key(keys::ENTRY, &code), encode(&transition.header)?);
    let seq = change.next_event();
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
    change.insert(keys::event(seq), encode(&event)?);
    Ok(())
}

/// Registers `new` under the next 顺序码 of its 分类码.
pub(super) fn register_entry(
    change: &mut Change<'_, '_>,
    new: NewEntry,
) -> Result<(EntryHeader, VersionRecord)> {
    let class = new.classification.as_str();
    let last = match change.last_sequence(class) {
        Some(last) => last,
        None => last_sequence_stored(change.tree(), class)?,
    };
    let sequence = last
        .checked_add(1)
        .filter(|s| *s <= MAX_SEQUENCE)
        .ok_or_else(|| StoreError::SequenceExhausted(class.to_owned()))?;
    let transition = lifecycle::register(&new, sequence);
    let version = new.version.record(1);
    let cause = Cause::of_version(&new.version);
    write_transition(change, &transition, Some(&version), cause)?;
    change.set_last_sequence(new.classification.as_str(), sequence);
    Ok((transition.header, version))
}

/// The highest 顺序码 stored under a 分类码, 0 if none.
fn last_sequence_stored(tree: &sled::Tree, class: &str) -> Result<u32> {
    let prefix = keys::key(keys::ENTRY, &format!("{class}/"));
    match tree.scan_prefix(&prefix).next_back() {
        Some(kv) => {
            let (key, _) = kv?;
            let code = std::str::from_utf8(&key[keys::ENTRY.len()..])
                .ok()
                .and_then(|c| ResourceCode::parse(c).ok())
                .ok_or_else(|| StoreError::Corrupt("an entry key is not a code".into()))?;
            Ok(code.sequence())
        }
        None => Ok(0),
    }
}

/// Applies `decide` to the current header of `code` and stages the outcome, with
/// `new_version` as the new head if given.
pub(super) fn change_entry(
    change: &mut Change<'_, '_>,
    code: &ResourceCode,
    cause: Cause,
    new_version: Option<&NewVersion>,
    decide: impl FnOnce(&EntryHeader) -> Result<Transition>,
) -> Result<(EntryHeader, Option<VersionRecord>)> {
    let current: EntryHeader = change
        .get(&keys::key(keys::ENTRY, &code.to_string()))?
        .map(|v| decode(&v))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound(format!("entry {code}")))?;
    let transition = decide(&current)?;
    let version = new_version.map(|n| n.record(transition.header.head_version));
    write_transition(change, &transition, version.as_ref(), cause)?;
    Ok((transition.header, version))
}

impl SledStore {
    pub(super) fn get_entry_now(&self, code: &ResourceCode) -> Result<Option<EntryHeader>> {
        self.tree
            .get(keys::key(keys::ENTRY, &code.to_string()))?
            .map(|v| decode(&v))
            .transpose()
    }

    pub(super) fn get_version_now(
        &self,
        code: &ResourceCode,
        version: u64,
    ) -> Result<Option<VersionRecord>> {
        self.tree
            .get(keys::version(&code.to_string(), version))?
            .map(|v| decode_version(&v))
            .transpose()
    }

    pub(super) fn list_versions_now(
        &self,
        code: &ResourceCode,
        after: u64,
        limit: usize,
    ) -> Result<Vec<VersionRecord>> {
        let code = code.to_string();
        let start = keys::version(&code, after.saturating_add(1));
        let end = keys::version(&code, u64::MAX);
        self.tree
            .range(start..=end)
            .take(limit)
            .map(|kv| decode_version(&kv?.1))
            .collect()
    }

    pub(super) fn list_entries_now(
        &self,
        filter: &EntryFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<EntryHeader>> {
        self.page(
            keys::ENTRY,
            after,
            limit,
            |h| filter.accepts(h),
            |h| h.code.to_string(),
        )
    }

    pub(super) fn catalog_events_now(&self, after: u64, limit: usize) -> Result<Vec<CatalogEvent>> {
        self.tree
            .range(keys::event(after.saturating_add(1))..)
            .take_while(|kv| {
                kv.as_ref()
                    .map_or(true, |(k, _)| k.starts_with(keys::EVENT))
            })
            .take(limit)
            .map(|kv| decode(&kv?.1))
            .collect()
    }
}
