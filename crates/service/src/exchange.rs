//! The exchange's decisions, without the bytes: who may publish a snapshot of an entry and
//! against which entry version its data is checked; who may list an entry's snapshots; who may
//! fetch one, under which grants, and which columns those grants deliver together. Moving,
//! hashing and projecting the bytes is the transport's (with `govshare_exchange`).
//!
//! Every active grant of the caller's department for the entry counts for a fetch, and a
//! snapshot delivers the union of their items, bounded by what was shareable under the entry
//! version the snapshot was published against (an item 不予共享 then never leaves that snapshot,
//! whatever a later version says). Each delivered column comes under the newest grant covering
//! it.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use govshare_exchange::MediaKind;
use govshare_model::{CreditCode, GrantState, ResourceCode, text};
use govshare_sharing::{GrantRecord, SnapshotId};
use govshare_store::{
    CatalogueStore, EntryHeader, ExchangeStore, GrantFilter, NewSnapshot, Page, Party,
    SharingStore, SnapshotRecord,
};

use crate::authz::{self, DataReader};
use crate::catalogue::stored_entry;
use crate::error::{ServiceError, ServiceResult, store_unavailable};
use crate::note::Note;
use crate::principal::Principal;
use crate::reason::Reason;
use crate::versions::{Version, Versions};

/// What a snapshot is published as: the entry and its published version, whose items the
/// data is checked against.
#[derive(Debug, Clone)]
pub struct PublishTarget {
    /// The entry.
    pub entry: EntryHeader,
    /// The entry's published version: the snapshot is recorded against it.
    pub version: Arc<Version>,
}

/// An upload that passed its checks and is stored, ready to be recorded as a snapshot.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The sha256 of the bytes, in hex.
    pub sha256: String,
    /// Their size in bytes.
    pub size: u64,
    /// Records in tabular data; 0 for opaque data.
    pub rows: u64,
    /// The media type, as the publisher gave it.
    pub media_type: String,
    /// The columns of tabular data, in the data's order.
    pub columns: Vec<String>,
    /// The publisher's note.
    pub note: String,
}

/// Who fetches an entry's data, as allowed.
#[derive(Debug, Clone)]
pub struct FetchAccess {
    /// The entry.
    pub entry: EntryHeader,
    /// `None` for the providing department, which reads every column; otherwise every grant
    /// of the caller's department for the entry active now, oldest first (never empty).
    pub grants: Option<Vec<GrantRecord>>,
}

/// What a fetch delivers.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The snapshot.
    pub snapshot: SnapshotRecord,
    /// The columns sent, in the data's order (empty for opaque data, sent whole).
    pub columns: Vec<String>,
    /// The grants the delivery is made under, by number (none for the provider).
    pub grants: Vec<GrantRecord>,
}

/// The exchange's use cases, over the catalogue, sharing and exchange stores and the shared
/// cache of versions.
#[derive(Debug, Clone)]
pub struct Exchange {
    catalogue: Arc<dyn CatalogueStore>,
    sharing: Arc<dyn SharingStore>,
    store: Arc<dyn ExchangeStore>,
    versions: Arc<Versions>,
}

impl Exchange {
    /// The exchange over the three stores, with the shared cache of versions.
    pub fn new(
        catalogue: Arc<dyn CatalogueStore>,
        sharing: Arc<dyn SharingStore>,
        store: Arc<dyn ExchangeStore>,
        versions: Arc<Versions>,
    ) -> Self {
        Exchange {
            catalogue,
            sharing,
            store,
            versions,
        }
    }

    /// The entry; its provider becomes the owner in the call's record.
    async fn header(&self, note: &dyn Note, code: &ResourceCode) -> ServiceResult<EntryHeader> {
        let header = stored_entry(self.catalogue.as_ref(), code).await?;
        note.owner(&header.provider_code);
        Ok(header)
    }

    /// The grants `consumer` received for `entry` in `state` (none: in any state), every page.
    async fn grants_received(
        &self,
        consumer: &CreditCode,
        entry: &ResourceCode,
        state: Option<GrantState>,
        at: DateTime<Utc>,
    ) -> ServiceResult<Vec<GrantRecord>> {
        let filter = GrantFilter {
            party: Party::Receiving(consumer.clone()),
            entry_code: Some(entry.clone()),
            state,
            at,
        };
        let mut grants = Vec::new();
        let mut after = None;
        loop {
            let page = self.sharing.list_grants(&filter, after, 100).await?;
            grants.extend(page.items);
            match page.next.and_then(|n| n.parse().ok()) {
                Some(next) => after = Some(next),
                None => return Ok(grants),
            }
        }
    }

    /// Every grant of `consumer` for `entry` that is active now, oldest first.
    async fn active_grants(
        &self,
        consumer: &CreditCode,
        entry: &ResourceCode,
    ) -> ServiceResult<Vec<GrantRecord>> {
        self.grants_received(consumer, entry, Some(GrantState::Active), Utc::now())
            .await
    }

    /// Why a consumer holds no active grant for `entry`: its newest grant was revoked or has
    /// expired, or it never held one.
    async fn without_grant(
        &self,
        consumer: &CreditCode,
        entry: &ResourceCode,
    ) -> ServiceResult<ServiceError> {
        let now = Utc::now();
        let newest = self
            .grants_received(consumer, entry, None, now)
            .await?
            .into_iter()
            .max_by_key(|g| g.id);
        let Some(grant) = newest else {
            return Ok(authz::no_active_grant(entry));
        };
        let id = grant.id;
        let refusal = match grant.state_at(now) {
            GrantState::Revoked => ServiceError::new(
                Reason::GrantRevoked,
                text!(
                    "本部门对目录 {entry} 的授权 {id} 已撤销，请重新申请共享",
                    "grant {id} of entry {entry} to your department was revoked: request it again"
                ),
            ),
            _ => ServiceError::new(
                Reason::GrantExpired,
                text!(
                    "本部门对目录 {entry} 的授权 {id} 已过期，请重新申请共享",
                    "grant {id} of entry {entry} to your department has expired: request it again"
                ),
            ),
        };
        Ok(refusal.with("code", entry).with("grant_id", id))
    }

    /// PublishData, before any byte arrives: a cataloguer of the provider publishes data of an
    /// entry in the published catalogue, checked against its published version.
    pub async fn publish_target(
        &self,
        p: &Principal,
        note: &dyn Note,
        code: &ResourceCode,
    ) -> ServiceResult<PublishTarget> {
        let entry = self.header(note, code).await?;
        if !authz::sees_entry(p, &entry) {
            return Err(authz::no_such_entry(code));
        }
        authz::write_entry(p, &entry.provider_code)?;
        let Some(version) = authz::public_version(&entry) else {
            return Err(ServiceError::new(
                Reason::EntryUnavailable,
                text!(
                    "目录 {code} 尚未发布或已撤销，不能发布数据：数据按已发布版本的信息项校验",
                    "entry {code} is not published: data is checked against the items of its \
                     published version"
                ),
            )
            .with("code", code));
        };
        let version = self.versions.get(code, version).await?;
        Ok(PublishTarget { entry, version })
    }

    /// PublishData, once the bytes are stored: the snapshot's record, authored by `p`.
    pub async fn record_snapshot(
        &self,
        p: &Principal,
        note: &dyn Note,
        target: PublishTarget,
        upload: Upload,
    ) -> ServiceResult<SnapshotRecord> {
        let PublishTarget { entry, version } = target;
        let record = self
            .store
            .create_snapshot(NewSnapshot {
                entry_code: entry.code,
                entry_version: version.record.version,
                provider_code: entry.provider_code,
                sha256: upload.sha256,
                size_bytes: upload.size,
                rows: upload.rows,
                media_type: upload.media_type.trim().to_owned(),
                columns: upload.columns,
                note: upload.note.trim().to_owned(),
                author: p.token_id.clone(),
                created_at: Utc::now(),
            })
            .await?;
        note.detail(format!(
            "{} {} bytes {} rows",
            record.id, record.size_bytes, record.rows
        ));
        Ok(record)
    }

    /// ListSnapshots: the entry's snapshots, newest first, before `before`. The providing
    /// department, the administrator and the auditor see every snapshot; another department
    /// needs an active grant, and without one an entry it may not see does not exist for it.
    pub async fn list_snapshots(
        &self,
        p: &Principal,
        note: &dyn Note,
        code: &ResourceCode,
        before: Option<SnapshotId>,
        limit: usize,
    ) -> ServiceResult<Page<SnapshotRecord>> {
        let header = self.header(note, code).await?;
        if let Some(department) = authz::list_snapshots(p, &header.provider_code)
            && self.active_grants(department, code).await?.is_empty()
        {
            return Err(authz::without_grant(p, &header));
        }
        Ok(self.store.list_snapshots(code, before, limit).await?)
    }

    /// FetchData, who: the provider's cataloguer or consumer reads every column; a consumer of
    /// another department reads under its department's active grants. Without an active
    /// grant, an entry the caller may not see does not exist for it.
    pub async fn fetch_access(
        &self,
        p: &Principal,
        note: &dyn Note,
        code: &ResourceCode,
    ) -> ServiceResult<FetchAccess> {
        let entry = self.header(note, code).await?;
        let visible = authz::sees_entry(p, &entry);
        let hidden = |refusal: ServiceError| {
            if visible {
                refusal
            } else {
                authz::no_such_entry(code)
            }
        };
        let grants = match authz::read_data(p, &entry.provider_code).map_err(hidden)? {
            DataReader::Provider => None,
            DataReader::Grantee(department) => {
                let grants = self.active_grants(&department, code).await?;
                if grants.is_empty() {
                    return Err(hidden(self.without_grant(&department, code).await?));
                }
                Some(grants)
            }
        };
        Ok(FetchAccess { entry, grants })
    }

    /// FetchData, what: the snapshot asked for (by number, of this entry; or the latest) and
    /// the columns `access` delivers from it.
    pub async fn delivery(
        &self,
        note: &dyn Note,
        access: &FetchAccess,
        snapshot: Option<SnapshotId>,
    ) -> ServiceResult<Delivery> {
        let snapshot = self.chosen_snapshot(&access.entry.code, snapshot).await?;
        note.detail(snapshot.id.to_string());
        match &access.grants {
            Some(active) => {
                let (columns, grants) = self.granted_columns(active, &snapshot).await?;
                Ok(Delivery {
                    snapshot,
                    columns,
                    grants,
                })
            }
            None => Ok(Delivery {
                columns: snapshot.columns.clone(),
                snapshot,
                grants: Vec::new(),
            }),
        }
    }

    /// During a fetch, before each chunk: whether every grant used is still in force at `at`.
    pub async fn still_granted(
        &self,
        grants: &[GrantRecord],
        at: DateTime<Utc>,
    ) -> ServiceResult<()> {
        for grant in grants {
            let current = self
                .sharing
                .get_grant(grant.id)
                .await
                .map_err(|e| store_unavailable(format_args!("checking the grant: {e}")))?;
            let id = grant.id;
            let refusal = match current.map(|g| g.state_at(at)) {
                Some(GrantState::Active) => continue,
                Some(GrantState::Expired) => ServiceError::new(
                    Reason::GrantExpired,
                    text!(
                        "授权 {id} 已过期，传输已停止",
                        "grant {id} has expired: the transfer was stopped"
                    ),
                ),
                _ => ServiceError::new(
                    Reason::GrantRevoked,
                    text!(
                        "授权 {id} 已撤销，传输已停止",
                        "grant {id} was revoked: the transfer was stopped"
                    ),
                ),
            };
            return Err(refusal.with("grant_id", id));
        }
        Ok(())
    }

    /// The snapshot asked for: by number (of this entry), or the latest.
    async fn chosen_snapshot(
        &self,
        code: &ResourceCode,
        id: Option<SnapshotId>,
    ) -> ServiceResult<SnapshotRecord> {
        let found = match id {
            Some(id) => self
                .store
                .get_snapshot(id)
                .await?
                .filter(|s| &s.entry_code == code),
            None => self
                .store
                .list_snapshots(code, None, 1)
                .await?
                .items
                .into_iter()
                .next(),
        };
        found.ok_or_else(|| match id {
            Some(id) => ServiceError::new(
                Reason::SnapshotNotFound,
                text!(
                    "目录 {code} 没有数据快照 {id}",
                    "entry {code} has no snapshot {id}"
                ),
            )
            .with("code", code)
            .with("snapshot_id", id),
            None => ServiceError::new(
                Reason::DataNotPublished,
                text!(
                    "目录 {code} 尚未发布数据",
                    "no data has been published for entry {code}"
                ),
            )
            .with("code", code),
        })
    }

    /// The columns of `snapshot` that `grants` deliver together, in the data's order, and the
    /// grants used: each column comes under the newest grant that covers it. A column is
    /// delivered only if it was shareable under the entry version the snapshot was published
    /// against. Opaque data cannot be cut down, so it goes only to grants covering together
    /// every item of that version.
    async fn granted_columns(
        &self,
        grants: &[GrantRecord],
        snapshot: &SnapshotRecord,
    ) -> ServiceResult<(Vec<String>, Vec<GrantRecord>)> {
        let code = &snapshot.entry_code;
        let published = self.versions.get(code, snapshot.entry_version).await?;
        let shareable: HashSet<&str> = published
            .metadata
            .shareable_items()
            .map(|i| i.name.as_str())
            .collect();
        // Newest first: a column covered by several grants comes under the newest.
        let mut covering = Vec::with_capacity(grants.len());
        for grant in grants.iter().rev() {
            let flags =
                crate::sharing::grant_flags(self.catalogue.as_ref(), &self.versions, grant).await?;
            let items: HashSet<String> = grant
                .deliverable_items(&flags)
                .into_iter()
                .filter(|i| shareable.contains(i.as_str()))
                .collect();
            covering.push((grant, items));
        }
        let under = |name: &str| covering.iter().position(|(_, items)| items.contains(name));
        let ids = || grants.iter().map(|g| g.id.to_string()).collect::<Vec<_>>();
        let tabular = MediaKind::of(&snapshot.media_type).is_tabular();
        let wanted: Vec<&str> = if tabular {
            snapshot.columns.iter().map(String::as_str).collect()
        } else {
            published
                .metadata
                .items
                .iter()
                .map(|i| i.name.as_str())
                .collect()
        };
        let mut used = vec![false; covering.len()];
        let mut columns = Vec::new();
        let mut uncovered = Vec::new();
        for name in wanted {
            match under(name) {
                Some(i) => {
                    used[i] = true;
                    columns.push(name.to_owned());
                }
                None => uncovered.push(name),
            }
        }
        let mut used: Vec<GrantRecord> = covering
            .iter()
            .zip(used)
            .filter(|(_, used)| *used)
            .map(|((grant, _), _)| (*grant).clone())
            .collect();
        used.sort_by_key(|g| g.id);
        if !tabular {
            if columns.is_empty() || !uncovered.is_empty() {
                let (zh, en) = (ids().join("、"), ids().join(", "));
                let (id, media) = (snapshot.id, &snapshot.media_type);
                let (items_zh, items_en) = (uncovered.join("、"), uncovered.join(", "));
                return Err(ServiceError::new(
                    Reason::ItemsNotGranted,
                    text!(
                        "快照 {id} 为不可拆分的 {media} 数据，授权 {zh} 未覆盖或该快照发布时不予共享的\
                         信息项：{items_zh}",
                        "snapshot {id} is opaque {media} data that cannot be cut down to the \
                         grants; grants {en} do not cover, or the snapshot was published when \
                         these were not shared: {items_en}"
                    ),
                )
                .with("snapshot_id", id));
            }
            return Ok((Vec::new(), used));
        }
        if columns.is_empty() {
            let (zh, en) = (ids().join("、"), ids().join(", "));
            let id = snapshot.id;
            return Err(ServiceError::new(
                Reason::ItemsNotGranted,
                text!(
                    "授权 {zh} 的信息项都不在快照 {id} 中、已不可提供或该快照发布时不予共享",
                    "none of the items of grants {en} can be delivered from snapshot {id}"
                ),
            )
            .with("snapshot_id", id));
        }
        Ok((columns, used))
    }
}
