//! The sharing use cases: a department's requests for catalogue entries, the providers'
//! decisions on them, and the grants they lead to. The rules (what may be requested, the
//! deadlines on the working-day calendar, what a decision may narrow) are `govshare_sharing`'s;
//! this module decides who may act and see, reads the entry as the catalogue holds it now, and
//! stores the outcome.
//!
//! Each input names its fields as the request that carries it does. What the transport already
//! found wrong while reading a request comes in as `invalid`, so that one answer lists every
//! failing field, in the order the checks have always run.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use govshare_model::{FieldReason, GrantState, RequestState, ResourceCode, Violations};
use govshare_sharing::{
    Actor, DecisionInput, EntryView, GrantFlag, GrantId, GrantRecord, RequestId, RequestInput,
    RequestRecord, SharingPolicy, WorkingCalendar,
};
use govshare_store::{
    CatalogueStore, EntryHeader, GrantFilter, Party, RequestFilter, SharingStore,
};

use crate::authz;
use crate::catalogue::stored_entry;
use crate::error::{ServiceError, ServiceResult, check, checked};
use crate::note::Note;
use crate::principal::Principal;
use crate::versions::{Version, Versions};

/// The side of the exchange a caller lists the records of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Both sides (the only choice of a platform credential).
    Unspecified,
    /// Records where the caller's department asks or receives.
    Outgoing,
    /// Records where the caller's department provides.
    Incoming,
}

/// CreateRequest's input.
#[derive(Debug, Clone, Default)]
pub struct NewRequestInput {
    /// The entry asked for; `None` when the transport could not read `entry_code`.
    pub entry_code: Option<ResourceCode>,
    /// Item names; empty asks for every shareable item.
    pub items: Vec<String>,
    /// 申请事由
    pub purpose: String,
    /// 使用范围
    pub use_scope: String,
    /// 业务系统
    pub business_system: String,
    /// The end the requester asks for; `None` takes the default period.
    pub requested_until: Option<DateTime<Utc>>,
    /// What the transport already found wrong with the request.
    pub invalid: Violations,
}

/// DecideRequest's input: the provider's answer.
#[derive(Debug, Clone, Default)]
pub struct Decide {
    /// The request; `None` when the transport could not read `id`.
    pub id: Option<RequestId>,
    /// Approve, or reject.
    pub approve: bool,
    /// Why (required to reject).
    pub reason: String,
    /// Fewer items than requested; empty grants every requested item.
    pub items: Vec<String>,
    /// An earlier end than requested; `None` keeps the requested end.
    pub valid_until: Option<DateTime<Utc>>,
    /// What the transport already found wrong with the request.
    pub invalid: Violations,
}

/// ListRequests' input: the filters (each `None` for any) and the page.
#[derive(Debug, Clone, Default)]
pub struct RequestQuery {
    /// The side listed; `None` when the transport could not read it (its violation is then in
    /// `invalid`).
    pub direction: Option<Direction>,
    /// Requests in this state only.
    pub state: Option<RequestState>,
    /// Requests for this entry only.
    pub entry_code: Option<ResourceCode>,
    /// Only requests still pending after their deadline.
    pub overdue_only: bool,
    /// The cursor of the previous page: its last request.
    pub after: Option<RequestId>,
    /// The most requests listed.
    pub limit: usize,
    /// What the transport already found wrong with the request.
    pub invalid: Violations,
}

/// ListGrants' input: the filters (each `None` for any) and the page.
#[derive(Debug, Clone, Default)]
pub struct GrantQuery {
    /// The side listed; `None` when the transport could not read it.
    pub direction: Option<Direction>,
    /// Grants for this entry only.
    pub entry_code: Option<ResourceCode>,
    /// Grants in this state only.
    pub state: Option<GrantState>,
    /// Only grants with a flag: the entry changed since the grant in a way that touches it.
    pub flagged_only: bool,
    /// The cursor of the previous page: its last grant.
    pub after: Option<GrantId>,
    /// The most grants listed.
    pub limit: usize,
    /// What the transport already found wrong with the request.
    pub invalid: Violations,
}

/// A request as it stands after a call, and the grant the call issued, if any.
#[derive(Debug, Clone)]
pub struct RequestOutcome {
    /// The request.
    pub request: RequestRecord,
    /// The grant issued by this call (granted at once, or approved).
    pub grant: Option<GrantRecord>,
    /// When the call acted: the instant the request's `overdue` is judged at.
    pub at: DateTime<Utc>,
}

/// A page of requests.
#[derive(Debug, Clone)]
pub struct RequestPage {
    /// The requests, by number.
    pub requests: Vec<RequestRecord>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
    /// The instant the requests' `overdue` is judged at.
    pub at: DateTime<Utc>,
}

/// A grant with its flags, as seen at an instant.
#[derive(Debug, Clone)]
pub struct FlaggedGrant {
    /// The grant.
    pub grant: GrantRecord,
    /// How the entry's current published version departs from the granted one.
    pub flags: Vec<GrantFlag>,
}

/// A page of grants.
#[derive(Debug, Clone)]
pub struct GrantPage {
    /// The grants, by number.
    pub grants: Vec<FlaggedGrant>,
    /// The last grant listed, when there may be more after it.
    pub next: Option<GrantId>,
    /// The instant the grants' states are judged at.
    pub at: DateTime<Utc>,
}

/// The sharing use cases, over the catalogue and sharing stores, the shared cache of versions,
/// the sharing policy and the working-day calendar.
#[derive(Debug, Clone)]
pub struct Sharing {
    catalogue: Arc<dyn CatalogueStore>,
    store: Arc<dyn SharingStore>,
    versions: Arc<Versions>,
    policy: SharingPolicy,
    calendar: WorkingCalendar,
}

fn actor(p: &Principal) -> Actor {
    Actor {
        token_id: p.token_id.clone(),
        department: p.department.clone(),
    }
}

/// The entry as the sharing rules look at it.
fn view<'a>(header: &'a EntryHeader, published: Option<&'a (u64, Arc<Version>)>) -> EntryView<'a> {
    EntryView {
        code: &header.code,
        provider_code: &header.provider_code,
        state: header.state,
        published: published.map(|(n, v)| (*n, &v.metadata)),
    }
}

/// The records `p` lists on `direction`'s side, and the violations of the query: a platform
/// credential has no side to pick, and its violation comes before those the transport found.
fn party(
    p: &Principal,
    direction: Option<Direction>,
    invalid: Violations,
) -> ServiceResult<(Party, Violations)> {
    let Some(direction) = direction else {
        return Ok((Party::Any, invalid));
    };
    let department = authz::list_sharing(p)?;
    let mut v = Violations::default();
    let party = match (department, direction) {
        (None, Direction::Unspecified) => Party::Any,
        (None, _) => {
            v.add(
                "direction",
                FieldReason::NotAllowed,
                govshare_model::text!(
                    "平台级凭证没有所属部门，请不指定方向以查看全部",
                    "a platform credential has no department: leave direction unset to see \
                     everything"
                ),
            );
            Party::Any
        }
        (Some(d), Direction::Unspecified) => Party::Either(d.clone()),
        (Some(d), Direction::Outgoing) => Party::Receiving(d.clone()),
        (Some(d), Direction::Incoming) => Party::Providing(d.clone()),
    };
    for f in invalid {
        v.add(f.field, f.reason, f.text);
    }
    Ok((party, v))
}

/// The flags of `grant`: how the entry's current published version departs from the one the
/// grant was issued against.
pub(crate) async fn grant_flags(
    catalogue: &dyn CatalogueStore,
    versions: &Versions,
    grant: &GrantRecord,
) -> ServiceResult<Vec<GrantFlag>> {
    let header = catalogue
        .get_entry(&grant.entry_code)
        .await?
        .ok_or_else(|| {
            ServiceError::internal(format_args!("grant {} names a missing entry", grant.id))
        })?;
    let granted = versions.get(&grant.entry_code, grant.entry_version).await?;
    let current = match authz::public_version(&header) {
        Some(n) => Some((n, versions.get(&header.code, n).await?)),
        None => None,
    };
    Ok(govshare_sharing::grant_flags(
        grant,
        &granted.metadata,
        current.as_ref().map(|(n, v)| (*n, &v.metadata)),
    ))
}

impl Sharing {
    /// The sharing use cases over `catalogue` and `store`, with the shared cache of versions,
    /// deciding by `policy` and counting deadlines on `calendar`.
    pub fn new(
        catalogue: Arc<dyn CatalogueStore>,
        store: Arc<dyn SharingStore>,
        versions: Arc<Versions>,
        policy: SharingPolicy,
        calendar: WorkingCalendar,
    ) -> Self {
        Sharing {
            catalogue,
            store,
            versions,
            policy,
            calendar,
        }
    }

    async fn header(&self, code: &ResourceCode) -> ServiceResult<EntryHeader> {
        stored_entry(self.catalogue.as_ref(), code).await
    }

    /// The entry's published version, if it has one.
    async fn published(&self, header: &EntryHeader) -> ServiceResult<Option<(u64, Arc<Version>)>> {
        match header.published_version {
            Some(n) => Ok(Some((n, self.versions.get(&header.code, n).await?))),
            None => Ok(None),
        }
    }

    /// The request numbered `id`, if `p` may see it; its provider becomes the owner in the
    /// call's record. One `p` may not see is answered as one that does not exist.
    async fn visible_request(
        &self,
        p: &Principal,
        note: &dyn Note,
        id: RequestId,
    ) -> ServiceResult<RequestRecord> {
        let record = self
            .store
            .get_request(id)
            .await?
            .ok_or_else(|| authz::no_such_request(id))?;
        note.owner(&record.provider_code);
        if !authz::sees_sharing(p, &record.requester_code, &record.provider_code) {
            return Err(authz::no_such_request(id));
        }
        Ok(record)
    }

    /// The grant's flags: how the entry's current published version departs from the one
    /// the grant was issued against.
    async fn grant_flags(&self, grant: &GrantRecord) -> ServiceResult<Vec<GrantFlag>> {
        grant_flags(self.catalogue.as_ref(), &self.versions, grant).await
    }

    /// CreateRequest: a consumer asks, for its own department, for items of an entry in the
    /// published catalogue. Granted at once when every item asked for is 无条件共享; otherwise
    /// pending, due from the provider within the policy's working days.
    pub async fn create_request(
        &self,
        p: &Principal,
        note: &dyn Note,
        input: NewRequestInput,
    ) -> ServiceResult<RequestOutcome> {
        let NewRequestInput {
            entry_code,
            items,
            purpose,
            use_scope,
            business_system,
            requested_until,
            invalid,
        } = input;
        govshare_sharing::check_item_count(&items)?;
        let requester = match authz::request_data(p) {
            Ok(requester) => requester,
            Err(denied) => {
                // The refusal is on the record of the entry's provider too.
                if let Some(code) = &entry_code
                    && let Ok(Some(header)) = self.catalogue.get_entry(code).await
                {
                    note.owner(&header.provider_code);
                }
                return Err(denied);
            }
        };
        let code = checked(invalid, entry_code)?;
        let header = self.header(&code).await?;
        note.owner(&header.provider_code);
        // As in GetEntry: outside the providing department, an entry that is not in the
        // published catalogue does not exist.
        authz::view_of(p, &header)?;
        let published = self.published(&header).await?;
        let view = view(&header, published.as_ref());
        let input = RequestInput {
            items,
            purpose,
            use_scope,
            business_system,
            requested_until,
        };
        let now = Utc::now();
        let new = govshare_sharing::evaluate(
            &self.policy,
            &self.calendar,
            &requester,
            &view,
            &input,
            actor(p),
            now,
        )?;
        let (request, grant) = self.store.create_request(new).await?;
        note.detail(format!("{} {}", request.id, request.state.name()));
        Ok(RequestOutcome {
            request,
            grant,
            at: now,
        })
    }

    /// GetRequest: a request, for its two departments, the administrator and the auditor.
    pub async fn get_request(
        &self,
        p: &Principal,
        note: &dyn Note,
        id: RequestId,
    ) -> ServiceResult<RequestRecord> {
        self.visible_request(p, note, id).await
    }

    /// ListRequests: the requests of the caller's department, on the side it asks for; every
    /// request for the administrator and the auditor.
    pub async fn list_requests(
        &self,
        p: &Principal,
        query: RequestQuery,
    ) -> ServiceResult<RequestPage> {
        let RequestQuery {
            direction,
            state,
            entry_code,
            overdue_only,
            after,
            limit,
            invalid,
        } = query;
        let (party, v) = party(p, direction, invalid)?;
        check(v)?;
        let now = Utc::now();
        let filter = RequestFilter {
            party,
            state,
            entry_code,
            overdue_at: overdue_only.then_some(now),
        };
        let page = self.store.list_requests(&filter, after, limit).await?;
        Ok(RequestPage {
            requests: page.items,
            next: page.next,
            at: now,
        })
    }

    /// DecideRequest: an approver of the providing department approves (possibly fewer items,
    /// or until an earlier end) or rejects a pending request.
    pub async fn decide_request(
        &self,
        p: &Principal,
        note: &dyn Note,
        input: Decide,
    ) -> ServiceResult<RequestOutcome> {
        let Decide {
            id,
            approve,
            reason,
            items,
            valid_until,
            invalid,
        } = input;
        govshare_sharing::check_item_count(&items)?;
        let id = checked(invalid, id)?;
        let record = self.visible_request(p, note, id).await?;
        authz::decide_request(p, &record.provider_code)?;
        let header = self.header(&record.entry_code).await?;
        let published = self.published(&header).await?;
        let view = view(&header, published.as_ref());
        let input = DecisionInput {
            approve,
            reason,
            items,
            valid_until,
        };
        let now = Utc::now();
        let decision =
            govshare_sharing::review_decision(&self.policy, &record, &view, &input, actor(p), now)?;
        let (request, grant) = self.store.decide_request(id, decision).await?;
        note.detail(request.state.name().to_owned());
        Ok(RequestOutcome {
            request,
            grant,
            at: now,
        })
    }

    /// WithdrawRequest: a consumer of the requesting department withdraws a pending request.
    pub async fn withdraw_request(
        &self,
        p: &Principal,
        note: &dyn Note,
        id: RequestId,
        reason: &str,
    ) -> ServiceResult<RequestOutcome> {
        let record = self.visible_request(p, note, id).await?;
        authz::withdraw_request(p, &record.requester_code)?;
        let now = Utc::now();
        let request = self
            .store
            .withdraw_request(id, reason.trim(), actor(p), now)
            .await?;
        Ok(RequestOutcome {
            request,
            grant: None,
            at: now,
        })
    }

    /// ListGrants: the grants of the caller's department, on the side it asks for (every grant
    /// for the administrator and the auditor), each with its flags. Flags are computed, not
    /// stored, so `flagged_only` filters here, store page after store page, until `limit`
    /// grants are listed.
    pub async fn list_grants(&self, p: &Principal, query: GrantQuery) -> ServiceResult<GrantPage> {
        let GrantQuery {
            direction,
            entry_code,
            state,
            flagged_only,
            mut after,
            limit,
            invalid,
        } = query;
        let (party, v) = party(p, direction, invalid)?;
        check(v)?;
        let now = Utc::now();
        let filter = GrantFilter {
            party,
            entry_code,
            state,
            at: now,
        };
        let mut grants: Vec<FlaggedGrant> = Vec::new();
        let next = loop {
            let page = self.store.list_grants(&filter, after, limit).await?;
            let mut full = false;
            for grant in page.items {
                if grants.len() == limit {
                    full = true;
                    break;
                }
                let flags = self.grant_flags(&grant).await?;
                if flagged_only && flags.is_empty() {
                    continue;
                }
                grants.push(FlaggedGrant { grant, flags });
            }
            let last = || grants.last().map(|g| g.grant.id);
            match page.next {
                Some(_) if full || grants.len() == limit => break last(),
                Some(n) => match n.parse::<GrantId>() {
                    Ok(id) => after = Some(id),
                    Err(_) => break None,
                },
                None if full => break last(),
                None => break None,
            }
        };
        Ok(GrantPage {
            grants,
            next,
            at: now,
        })
    }

    /// RevokeGrant: an approver of the providing department ends a grant before its term.
    /// Returns the revoked grant with its flags, and the instant of the revocation.
    pub async fn revoke_grant(
        &self,
        p: &Principal,
        note: &dyn Note,
        id: GrantId,
        reason: &str,
    ) -> ServiceResult<(FlaggedGrant, DateTime<Utc>)> {
        let grant = self
            .store
            .get_grant(id)
            .await?
            .ok_or_else(|| authz::no_such_grant(id))?;
        note.owner(&grant.provider_code);
        if !authz::sees_sharing(p, &grant.consumer_code, &grant.provider_code) {
            return Err(authz::no_such_grant(id));
        }
        authz::revoke_grant(p, &grant.provider_code)?;
        let now = Utc::now();
        let grant = self
            .store
            .revoke_grant(id, reason.trim(), actor(p), now)
            .await?;
        let flags = self.grant_flags(&grant).await?;
        Ok((FlaggedGrant { grant, flags }, now))
    }
}
