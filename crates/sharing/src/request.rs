//! A sharing request (共享申请) and its transitions: submitted, then approved (with a grant),
//! rejected with reasons, or withdrawn by the requester. Every transition appends to the
//! request's history: who, when, why.

use chrono::{DateTime, Utc};
use govshare_model::{CreditCode, RequestState, ResourceCode, ShareType};
use serde::{Deserialize, Serialize};

use crate::grant::{GrantEvent, GrantEventKind, GrantRecord};
use crate::{GrantId, RequestId, SharingError};

/// Who acted: the credential and its department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub token_id: String,
    pub department: Option<CreditCode>,
}

impl Actor {
    /// The platform itself, deciding by rule (无条件共享 granted on request).
    pub fn platform() -> Self {
        Actor {
            token_id: "platform".into(),
            department: None,
        }
    }
}

/// One step of a request's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestEvent {
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// The state the request entered.
    pub state: RequestState,
    pub reason: String,
}

/// A request as the policy accepted it, before the store numbers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub entry_code: ResourceCode,
    /// The published version the request was evaluated against.
    pub entry_version: u64,
    pub provider_code: CreditCode,
    pub requester_code: CreditCode,
    pub items: Vec<String>,
    pub share_type: ShareType,
    pub purpose: String,
    pub use_scope: String,
    pub business_system: String,
    pub requested_until: Option<DateTime<Utc>>,
    pub submitted_at: DateTime<Utc>,
    /// The provider's deadline; `None` when the request is granted at once.
    pub due_at: Option<DateTime<Utc>>,
    /// Granted at once, until this instant (无条件共享).
    pub grant_until: Option<DateTime<Utc>>,
    pub actor: Actor,
}

/// A sharing request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub id: RequestId,
    pub entry_code: ResourceCode,
    pub entry_version: u64,
    pub provider_code: CreditCode,
    pub requester_code: CreditCode,
    pub items: Vec<String>,
    pub share_type: ShareType,
    pub purpose: String,
    pub use_scope: String,
    pub business_system: String,
    pub requested_until: Option<DateTime<Utc>>,
    pub state: RequestState,
    /// Why the request left PENDING: the provider's reason (required for a refusal) or the
    /// requester's for a withdrawal.
    pub reason: String,
    pub submitted_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    /// When the request left PENDING (decided or withdrawn).
    pub decided_at: Option<DateTime<Utc>>,
    pub grant_id: Option<GrantId>,
    pub history: Vec<RequestEvent>,
}

/// The provider's decision on a pending request, checked by [`crate::review_decision`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub approve: bool,
    pub reason: String,
    /// The items granted: the requested ones or fewer.
    pub items: Vec<String>,
    pub valid_until: DateTime<Utc>,
    /// The published version the decision was checked against.
    pub entry_version: u64,
    pub actor: Actor,
    pub at: DateTime<Utc>,
}

const GRANTED_ON_REQUEST: &str =
    "无条件共享，申请即授权 (unconditional sharing: granted on request)";

impl RequestRecord {
    /// The record of a new request numbered `id`, and its grant when granted at once;
    /// `grant_id` is called only then.
    pub fn submit(
        id: RequestId,
        new: NewRequest,
        grant_id: impl FnOnce() -> GrantId,
    ) -> (RequestRecord, Option<GrantRecord>) {
        let NewRequest {
            entry_code,
            entry_version,
            provider_code,
            requester_code,
            items,
            share_type,
            purpose,
            use_scope,
            business_system,
            requested_until,
            submitted_at,
            due_at,
            grant_until,
            actor,
        } = new;
        let mut request = RequestRecord {
            id,
            entry_code,
            entry_version,
            provider_code,
            requester_code,
            items,
            share_type,
            purpose,
            use_scope,
            business_system,
            requested_until,
            state: RequestState::Pending,
            reason: String::new(),
            submitted_at,
            due_at,
            decided_at: None,
            grant_id: None,
            history: vec![RequestEvent {
                at: submitted_at,
                actor,
                state: RequestState::Pending,
                reason: String::new(),
            }],
        };
        let grant = grant_until.map(|until| {
            let grant = request.issue(
                grant_id(),
                request.items.clone(),
                until,
                Actor::platform(),
                submitted_at,
                GRANTED_ON_REQUEST,
            );
            request.approved(&grant, Actor::platform(), GRANTED_ON_REQUEST);
            grant
        });
        (request, grant)
    }

    /// Applies the provider's decision. Only a pending request can be decided.
    pub fn decide(
        &self,
        decision: &Decision,
        grant_id: impl FnOnce() -> GrantId,
    ) -> Result<(RequestRecord, Option<GrantRecord>), SharingError> {
        self.pending("decided", "答复")?;
        let mut request = self.clone();
        request.entry_version = decision.entry_version;
        if !decision.approve {
            request.state = RequestState::Rejected;
            request.reason = decision.reason.clone();
            request.decided_at = Some(decision.at);
            request.history.push(RequestEvent {
                at: decision.at,
                actor: decision.actor.clone(),
                state: RequestState::Rejected,
                reason: decision.reason.clone(),
            });
            return Ok((request, None));
        }
        let grant = request.issue(
            grant_id(),
            decision.items.clone(),
            decision.valid_until,
            decision.actor.clone(),
            decision.at,
            &decision.reason,
        );
        request.approved(&grant, decision.actor.clone(), &decision.reason);
        Ok((request, Some(grant)))
    }

    /// The requester takes back a pending request.
    pub fn withdraw(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<RequestRecord, SharingError> {
        self.pending("withdrawn", "撤回")?;
        let mut request = self.clone();
        request.state = RequestState::Withdrawn;
        request.reason = reason.to_owned();
        request.decided_at = Some(at);
        request.history.push(RequestEvent {
            at,
            actor,
            state: RequestState::Withdrawn,
            reason: reason.to_owned(),
        });
        Ok(request)
    }

    /// Whether the request is still waiting for an answer after its deadline.
    pub fn is_overdue_at(&self, now: DateTime<Utc>) -> bool {
        self.state == RequestState::Pending && self.due_at.is_some_and(|due| now > due)
    }

    pub(crate) fn pending(
        &self,
        action: &'static str,
        action_zh: &'static str,
    ) -> Result<(), SharingError> {
        if self.state == RequestState::Pending {
            Ok(())
        } else {
            Err(SharingError::RequestNotPending {
                id: self.id,
                state: self.state,
                action,
                action_zh,
            })
        }
    }

    fn issue(
        &self,
        id: GrantId,
        items: Vec<String>,
        valid_until: DateTime<Utc>,
        actor: Actor,
        at: DateTime<Utc>,
        reason: &str,
    ) -> GrantRecord {
        GrantRecord {
            id,
            request_id: self.id,
            entry_code: self.entry_code.clone(),
            entry_version: self.entry_version,
            provider_code: self.provider_code.clone(),
            consumer_code: self.requester_code.clone(),
            items,
            purpose: self.purpose.clone(),
            valid_from: at,
            valid_until,
            revoked_at: None,
            revoke_reason: String::new(),
            history: vec![GrantEvent {
                at,
                actor,
                kind: GrantEventKind::Issued,
                reason: reason.to_owned(),
            }],
        }
    }

    fn approved(&mut self, grant: &GrantRecord, actor: Actor, reason: &str) {
        self.state = RequestState::Approved;
        self.reason = reason.to_owned();
        self.decided_at = Some(grant.valid_from);
        self.grant_id = Some(grant.id);
        self.history.push(RequestEvent {
            at: grant.valid_from,
            actor,
            state: RequestState::Approved,
            reason: reason.to_owned(),
        });
    }
}
