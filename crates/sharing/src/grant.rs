//! A grant (授权): which items of which entry a consumer department may receive, from when
//! until when, for which purpose. Its state is computed from the clock, so a grant expires at
//! `valid_until` without anything having to run. Revocation appends to its history.
//!
//! A grant names the published version it was issued against. When a later published version
//! removes, retypes or stops sharing a granted item, the grant is flagged (see
//! [`grant_flags`]) instead of silently widening to new items or breaking on changed ones.

use chrono::{DateTime, Utc};
use govshare_model::{
    CreditCode, GrantFlagKind, GrantState, InfoItem, ResourceCode, ResourceMetadata, ShareType,
};
use serde::{Deserialize, Serialize};

use crate::{Actor, GrantId, RequestId, SharingError};

/// What happened to a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantEventKind {
    Issued,
    Revoked,
}

/// One step of a grant's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantEvent {
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub kind: GrantEventKind,
    pub reason: String,
}

/// A grant as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRecord {
    pub id: GrantId,
    pub request_id: RequestId,
    pub entry_code: ResourceCode,
    /// The published version the grant was issued against.
    pub entry_version: u64,
    pub provider_code: CreditCode,
    pub consumer_code: CreditCode,
    /// The granted items, by name, in the entry's order.
    pub items: Vec<String>,
    /// The purpose the data may be used for (申请事由).
    pub purpose: String,
    pub valid_from: DateTime<Utc>,
    /// The first instant the grant no longer authorizes anything.
    pub valid_until: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: String,
    pub history: Vec<GrantEvent>,
}

impl GrantRecord {
    /// The grant's state at `now`.
    pub fn state_at(&self, now: DateTime<Utc>) -> GrantState {
        if self.revoked_at.is_some_and(|at| at <= now) {
            GrantState::Revoked
        } else if now >= self.valid_until {
            GrantState::Expired
        } else {
            GrantState::Active
        }
    }

    /// Whether the grant authorizes anything at `now`.
    pub fn authorizes(&self, now: DateTime<Utc>) -> bool {
        self.state_at(now) == GrantState::Active
    }

    /// The provider takes the grant back; it authorizes nothing from `at` on.
    pub fn revoke(
        &self,
        reason: &str,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<GrantRecord, SharingError> {
        let state = self.state_at(at);
        if state != GrantState::Active {
            return Err(SharingError::GrantNotActive { id: self.id, state });
        }
        let mut grant = self.clone();
        grant.revoked_at = Some(at);
        grant.revoke_reason = reason.to_owned();
        grant.history.push(GrantEvent {
            at,
            actor,
            kind: GrantEventKind::Revoked,
            reason: reason.to_owned(),
        });
        Ok(grant)
    }

    /// The granted items that may still be delivered given the grant's `flags`: none once the
    /// entry is withdrawn, and never an item that was removed, retyped or stopped sharing.
    pub fn deliverable_items(&self, flags: &[GrantFlag]) -> Vec<String> {
        if flags
            .iter()
            .any(|f| f.kind == GrantFlagKind::EntryWithdrawn)
        {
            return Vec::new();
        }
        self.items
            .iter()
            .filter(|item| !flags.iter().any(|f| &f.item == *item))
            .cloned()
            .collect()
    }
}

/// How the entry's current published version departs from the grant's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantFlag {
    /// The granted item concerned; empty for the whole entry.
    pub item: String,
    pub kind: GrantFlagKind,
    /// The published version that made the change (the grant's own version when the
    /// entry was revoked: a revocation publishes no version).
    pub version: u64,
    /// What changed, for a person.
    pub detail: String,
}

/// The flags of `grant`, comparing the version it was issued against (`granted`) with the
/// entry's current published version. `current` is `None` once the entry is revoked.
pub fn grant_flags(
    grant: &GrantRecord,
    granted: &ResourceMetadata,
    current: Option<(u64, &ResourceMetadata)>,
) -> Vec<GrantFlag> {
    let Some((version, current)) = current else {
        return vec![GrantFlag {
            item: String::new(),
            kind: GrantFlagKind::EntryWithdrawn,
            version: grant.entry_version,
            detail: "目录已撤销 (the entry was revoked)".into(),
        }];
    };
    if current.sharing.share_type == ShareType::NotShared {
        return vec![GrantFlag {
            item: String::new(),
            kind: GrantFlagKind::EntryWithdrawn,
            version,
            detail: format!(
                "目录已改为不予共享，依据：{} (the entry is no longer shared; basis: {})",
                current.sharing.basis, current.sharing.basis
            ),
        }];
    }
    if version == grant.entry_version {
        return Vec::new();
    }
    grant
        .items
        .iter()
        .filter_map(|name| {
            let now = find(current, name);
            let then = find(granted, name);
            let (kind, detail) = match (then, now) {
                (_, None) => (
                    GrantFlagKind::ItemRemoved,
                    format!(
                        "版本 {version} 删除了信息项“{name}” (version {version} removed {name:?})"
                    ),
                ),
                (_, Some(now)) if now.share_type == ShareType::NotShared => (
                    GrantFlagKind::ItemNotShared,
                    format!(
                        "版本 {version} 将信息项“{name}”改为不予共享 \
                         (version {version} stopped sharing {name:?})"
                    ),
                ),
                (Some(then), Some(now))
                    if then.data_type != now.data_type || then.length != now.length =>
                {
                    (
                        GrantFlagKind::ItemRetyped,
                        format!(
                            "版本 {version} 将信息项“{name}”由 {} 改为 {} \
                             (version {version} changed {name:?} from {} to {})",
                            shape(then),
                            shape(now),
                            shape(then),
                            shape(now)
                        ),
                    )
                }
                _ => return None,
            };
            Some(GrantFlag {
                item: name.clone(),
                kind,
                version,
                detail,
            })
        })
        .collect()
}

fn find<'m>(metadata: &'m ResourceMetadata, name: &str) -> Option<&'m InfoItem> {
    metadata.items.iter().find(|i| i.name == name)
}

/// "C(20)": an item's data type and length.
fn shape(item: &InfoItem) -> String {
    format!("{}({})", item.data_type.name(), item.length)
}
