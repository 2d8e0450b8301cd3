//! What list calls over requests and grants select: which side of the exchange the reader is
//! on, and the state filters.

use chrono::{DateTime, Utc};
use govshare_model::{CreditCode, GrantState, RequestState, ResourceCode};
use govshare_sharing::{GrantRecord, RequestRecord};

/// Which requests or grants a department sees, by its side of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Party {
    /// Every record (the platform administrator, the auditor).
    #[default]
    Any,
    /// Records where the department asks or receives (OUTGOING).
    Receiving(CreditCode),
    /// Records where the department provides (INCOMING).
    Providing(CreditCode),
    /// Either side.
    Either(CreditCode),
}

impl Party {
    fn accepts(&self, receiver: &CreditCode, provider: &CreditCode) -> bool {
        match self {
            Party::Any => true,
            Party::Receiving(d) => d == receiver,
            Party::Providing(d) => d == provider,
            Party::Either(d) => d == receiver || d == provider,
        }
    }
}

/// Which requests a list call returns. `None` accepts anything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFilter {
    pub party: Party,
    pub state: Option<RequestState>,
    pub entry_code: Option<ResourceCode>,
    /// Only requests still pending after their deadline at this instant.
    pub overdue_at: Option<DateTime<Utc>>,
}

impl RequestFilter {
    pub fn accepts(&self, r: &RequestRecord) -> bool {
        self.party.accepts(&r.requester_code, &r.provider_code)
            && self.state.is_none_or(|s| s == r.state)
            && self.entry_code.as_ref().is_none_or(|c| *c == r.entry_code)
            && self.overdue_at.is_none_or(|now| r.is_overdue_at(now))
    }
}

/// Which grants a list call returns. `None` accepts anything.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantFilter {
    pub party: Party,
    pub entry_code: Option<ResourceCode>,
    pub state: Option<GrantState>,
    /// The instant grant states are judged at.
    pub at: DateTime<Utc>,
}

impl GrantFilter {
    pub fn accepts(&self, g: &GrantRecord) -> bool {
        self.party.accepts(&g.consumer_code, &g.provider_code)
            && self.entry_code.as_ref().is_none_or(|c| *c == g.entry_code)
            && self.state.is_none_or(|s| s == g.state_at(self.at))
    }
}
