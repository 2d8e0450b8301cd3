//! Why the sharing policy refuses a request, a decision, a withdrawal or a revocation. Each
//! message names the entry, item or record concerned, Chinese first and English in
//! parentheses.

use govshare_model::{EntryState, GrantState, RequestState, ResourceCode, Violations};

use crate::{GrantId, RequestId};

/// A refusal by the sharing rules. Nothing is created or changed when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SharingError {
    /// Bad input: every failing field, with paths of the request message (`items[2]`).
    #[error("{0}")]
    Invalid(Violations),
    /// The entry is 不予共享: it cannot be requested; the basis says why.
    #[error(
        "目录 {code} 为不予共享资源，不能申请。依据：{basis} \
         (entry {code} is not shared; basis: {basis})"
    )]
    NotShared { code: ResourceCode, basis: String },
    /// The entry is not in the published catalogue (never published, or revoked).
    #[error(
        "目录 {code} {}，不能申请或授权 (entry {code} is {}: it cannot be requested or granted)",
        unavailable_zh(*.state), .state.name()
    )]
    EntryUnavailable {
        code: ResourceCode,
        state: EntryState,
    },
    /// A department does not request its own resources.
    #[error(
        "目录 {code} 由本部门提供，无需申请 (entry {code} is your own department's: there is \
         nothing to request)"
    )]
    OwnEntry { code: ResourceCode },
    /// The request is no longer pending.
    #[error(
        "申请 {id} 处于“{}”状态，不能{action_zh} (request {id} is {}: it cannot be {action})",
        .state.label_zh(), .state.name()
    )]
    RequestNotPending {
        id: RequestId,
        state: RequestState,
        action: &'static str,
        action_zh: &'static str,
    },
    /// The grant is no longer active.
    #[error(
        "授权 {id} 处于“{}”状态，不能撤销 (grant {id} is {}: it cannot be revoked)",
        .state.label_zh(), .state.name()
    )]
    GrantNotActive { id: GrantId, state: GrantState },
}

fn unavailable_zh(state: EntryState) -> &'static str {
    match state {
        EntryState::Revoked => "已撤销",
        _ => "尚未发布",
    }
}

impl From<Violations> for SharingError {
    fn from(v: Violations) -> Self {
        SharingError::Invalid(v)
    }
}
