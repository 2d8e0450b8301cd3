//! The grants a delivery is made under: every active grant of the caller's department for the
//! entry counts, and a snapshot delivers the union of their items, bounded by what was
//! shareable under the entry version the snapshot was published against (an item 不予共享 then
//! never leaves that snapshot, whatever a later version says). Each delivered column is
//! recorded under the newest grant covering it.

use std::collections::HashSet;

use chrono::Utc;
use govshare_exchange::MediaKind;
use govshare_model::{CreditCode, GrantState, ResourceCode};
use govshare_sharing::GrantRecord;
use govshare_store::{GrantFilter, Party, SnapshotRecord};

use super::ExchangeApi;
use crate::error::{ServiceError, ServiceResult};

impl ExchangeApi {
    /// Every grant of `consumer` for `entry` that is active now, oldest first.
    pub(super) async fn active_grants(
        &self,
        consumer: &CreditCode,
        entry: &ResourceCode,
    ) -> ServiceResult<Vec<GrantRecord>> {
        let filter = GrantFilter {
            party: Party::Receiving(consumer.clone()),
            entry_code: Some(entry.clone()),
            state: Some(GrantState::Active),
            at: Utc::now(),
        };
        let mut active = Vec::new();
        let mut after = None;
        loop {
            let page = self.state.store.list_grants(&filter, after, 100).await?;
            active.extend(page.items);
            match page.next.and_then(|n| n.parse().ok()) {
                Some(next) => after = Some(next),
                None => return Ok(active),
            }
        }
    }

    /// The columns of `snapshot` that `grants` deliver together, in the data's order, and the
    /// grants used: each column comes under the newest grant that covers it. A column is
    /// delivered only if it was shareable under the entry version the snapshot was published
    /// against. Opaque data cannot be cut down, so it goes only to grants covering together
    /// every item of that version.
    pub(super) async fn granted_columns(
        &self,
        grants: &[GrantRecord],
        snapshot: &SnapshotRecord,
    ) -> ServiceResult<(Vec<String>, Vec<GrantRecord>)> {
        let code = &snapshot.entry_code;
        let published = self
            .state
            .versions
            .get(code, snapshot.entry_version)
            .await?;
        let shareable: HashSet<&str> = published
            .metadata
            .shareable_items()
            .map(|i| i.name.as_str())
            .collect();
        // Newest first: a column covered by several grants comes under the newest.
        let mut covering = Vec::with_capacity(grants.len());
        for grant in grants.iter().rev() {
            let flags = self.state.grant_flags(grant).await?;
            let items: HashSet<String> = grant
                .deliverable_items(&flags)
                .into_iter()
                .filter(|i| shareable.contains(i.as_str()))
                .collect();
            covering.push((grant, items));
        }
        let under = |name: &str| covering.iter().position(|(_, items)| items.contains(name));
        let ids = || grants.iter().map(|g| g.id.to_string()).collect::<Vec<_>>();
        let wanted: Vec<&str> = if MediaKind::of(&snapshot.media_type).is_tabular() {
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
        if !MediaKind::of(&snapshot.media_type).is_tabular() {
            if columns.is_empty() || !uncovered.is_empty() {
                let (zh, en) = (ids().join("、"), ids().join(", "));
                return Err(ServiceError::PermissionDenied(format!(
                    "快照 {} 为不可拆分的 {} 数据，授权 {zh} 未覆盖或该快照发布时不予共享的信息项：{} \
                     (snapshot {} is opaque {} data that cannot be cut down to the grants; \
                     grants {en} do not cover, or the snapshot was published when these were \
                     not shared: {})",
                    snapshot.id,
                    snapshot.media_type,
                    uncovered.join("、"),
                    snapshot.id,
                    snapshot.media_type,
                    uncovered.join(", ")
                )));
            }
            return Ok((Vec::new(), used));
        }
        if columns.is_empty() {
            let (zh, en) = (ids().join("、"), ids().join(", "));
            return Err(ServiceError::PermissionDenied(format!(
                "授权 {zh} 的信息项都不在快照 {} 中、已不可提供或该快照发布时不予共享 \
                 (none of the items of grants {en} can be delivered from snapshot {})",
                snapshot.id, snapshot.id
            )));
        }
        Ok((columns, used))
    }
}
