//! Catalogue entries, their immutable versions and the change feed in sled:
//! [`CatalogueStore`] for [`SledStore`]. Every change is decided on the writer thread and
//! staged as a whole: header, new version (never overwriting one) and event together.

use crate::Named;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use govshare_model::{MAX_SEQUENCE, ResourceCode};

use super::commit::Change;
use super::{SledStore, keys};
use crate::codec::{decode, decode_version, encode, encode_version};
use crate::lifecycle::{self, Cause, Transition};
use crate::{
    CatalogEvent, CatalogueStore, EntryFilter, EntryHeader, NewEntry, NewVersion, Page, Result,
    StoreError, VersionRecord,
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
fn register_entry(
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
fn change_entry(
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
        .ok_or_else(|| StoreError::NotFound(Named::Entry(code.to_string())))?;
    let transition = decide(&current)?;
    let version = new_version.map(|n| n.record(transition.header.head_version));
    write_transition(change, &transition, version.as_ref(), cause)?;
    Ok((transition.header, version))
}

#[async_trait]
impl CatalogueStore for SledStore {
    async fn register_entry(&self, entry: NewEntry) -> Result<(EntryHeader, VersionRecord)> {
        self.writer
            .write(move |change| register_entry(change, entry))
            .await
    }

    async fn update_entry(
        &self,
        code: &ResourceCode,
        expected_version: u64,
        version: NewVersion,
    ) -> Result<(EntryHeader, VersionRecord)> {
        let code = code.clone();
        let cause = Cause::of_version(&version);
        let (header, written) = self
            .writer
            .write(move |change| {
                change_entry(change, &code, cause, Some(&version), |h| {
                    lifecycle::update(
                        h,
                        expected_version,
                        version.summary.clone(),
                        version.created_at,
                    )
                })
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
        let code = code.clone();
        let cause = Cause::new(actor, "", at);
        let (header, _) = self
            .writer
            .write(move |change| {
                change_entry(change, &code, cause, None, |h| {
                    lifecycle::submit(h, expected_version, at)
                })
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
        let code = code.clone();
        let reason = reason.to_owned();
        let cause = Cause::new(actor, &reason, at);
        let (header, _) = self
            .writer
            .write(move |change| {
                change_entry(change, &code, cause, None, |h| {
                    lifecycle::request_revocation(h, &reason, at)
                })
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
        let code = code.clone();
        let cause_comment = comment.to_owned();
        let cause = Cause::new(actor, comment, at);
        let (header, _) = self
            .writer
            .write(move |change| {
                change_entry(change, &code, cause, None, |h| {
                    lifecycle::review(h, version, approve, &cause_comment, at)
                })
            })
            .await?;
        Ok(header)
    }

    async fn get_entry(&self, code: &ResourceCode) -> Result<Option<EntryHeader>> {
        self.tree
            .get(keys::key(keys::ENTRY, &code.to_string()))?
            .map(|v| decode(&v))
            .transpose()
    }

    async fn get_version(
        &self,
        code: &ResourceCode,
        version: u64,
    ) -> Result<Option<VersionRecord>> {
        self.tree
            .get(keys::version(&code.to_string(), version))?
            .map(|v| decode_version(&v))
            .transpose()
    }

    async fn list_versions(
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

    async fn list_entries(
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

    async fn catalog_events(&self, after: u64, limit: usize) -> Result<Vec<CatalogEvent>> {
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
