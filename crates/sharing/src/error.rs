//! Why the sharing policy refuses a request, a decision, a withdrawal or a revocation. Each
//! message names the entry, item or record concerned, Chinese first and English in
//! parentheses.

use std::fmt;

use govshare_model::{EntryState, GrantState, RequestState, ResourceCode, Text, Violations, text};

use crate::{GrantId, RequestId};

/// A refusal by the sharing rules. Nothing is created or changed when one is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharingError {
    /// Bad input: every failing field, with paths of the request message (`items[2]`).
    Invalid(Violations),
    /// The entry is 不予共享: it cannot be requested; the basis says why.
    NotShared { code: ResourceCode, basis: String },
    /// The entry is not in the published catalogue (never published, or revoked).
    EntryUnavailable {
        code: ResourceCode,
        state: EntryState,
    },
    /// A department does not request its own resources.
    OwnEntry { code: ResourceCode },
    /// The request is no longer pending.
    RequestNotPending {
        id: RequestId,
        state: RequestState,
        action: &'static str,
        action_zh: &'static str,
    },
    /// The grant is no longer active.
    GrantNotActive { id: GrantId, state: GrantState },
}

impl SharingError {
    /// What the rule says, in Chinese and in English (bad input: its violations, listed).
    pub fn text(&self) -> Text {
        match self {
            SharingError::Invalid(v) => Text::new(v.to_string(), String::new()),
            SharingError::NotShared { code, basis } => text!(
                "目录 {code} 为不予共享资源，不能申请。依据：{basis}",
                "entry {code} is not shared; basis: {basis}"
            ),
            SharingError::EntryUnavailable { code, state } => {
                let zh = match state {
                    EntryState::Revoked => "已撤销",
                    _ => "尚未发布",
                };
                let en = state.name();
                text!(
                    "目录 {code} {zh}，不能申请或授权",
                    "entry {code} is {en}: it cannot be requested or granted"
                )
            }
            SharingError::OwnEntry { code } => text!(
                "目录 {code} 由本部门提供，无需申请",
                "entry {code} is your own department's: there is nothing to request"
            ),
            SharingError::RequestNotPending {
                id,
                state,
                action,
                action_zh,
            } => {
                let (zh, en) = (state.label_zh(), state.name());
                text!(
                    "申请 {id} 处于“{zh}”状态，不能{action_zh}",
                    "request {id} is {en}: it cannot be {action}"
                )
            }
            SharingError::GrantNotActive { id, state } => {
                let (zh, en) = (state.label_zh(), state.name());
                text!(
                    "授权 {id} 处于“{zh}”状态，不能撤销",
                    "grant {id} is {en}: it cannot be revoked"
                )
            }
        }
    }
}

impl fmt::Display for SharingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SharingError::Invalid(v) => v.fmt(f),
            other => other.text().fmt(f),
        }
    }
}

impl std::error::Error for SharingError {}

impl From<Violations> for SharingError {
    fn from(v: Violations) -> Self {
        SharingError::Invalid(v)
    }
}
