//! SharingService: requests for catalogue entries, the providers' decisions, and grants. The
//! rules are `govshare_sharing`'s; this layer parses, authorizes, reads the entry as the
//! catalogue holds it now, and stores the outcome.

mod convert;

use std::sync::Arc;

use chrono::Utc;
use govshare_model::{GrantState, RequestState, ResourceCode, Violations};
use govshare_sharing::{
    Actor, DecisionInput, EntryView, GrantFlag, GrantId, GrantRecord, RequestId, RequestInput,
};
use govshare_store::{EntryHeader, GrantFilter, Party, RequestFilter};
use prost::Message as _;
use tonic::{Request, Response, Status};

use govshare_service::Principal;

use crate::auth::principal;
use crate::error::{ServiceError, ServiceResult};
use crate::observe::{CallNote, note};
use crate::proto::sharing_service_server::SharingService;
use crate::proto::{
    CreateRequestRequest, DecideRequestRequest, Direction, GetRequestRequest, Grant,
    ListGrantsRequest, ListGrantsResponse, ListRequestsRequest, ListRequestsResponse,
    RevokeGrantRequest, SharingRequest, WithdrawRequestRequest,
};
use crate::request::{self as field, check, checked};
use govshare_service::authz;
use govshare_service::versions::Version;

use crate::AppState;

const REASON_MAX: usize = 2000;

/// The SharingService implementation.
#[derive(Debug, Clone)]
pub(crate) struct SharingApi {
    state: Arc<AppState>,
}

fn actor(p: &Principal) -> Actor {
    Actor {
        token_id: p.token_id.clone(),
        department: p.department.clone(),
    }
}

fn parse_id<T: std::str::FromStr>(field: &str, text: &str, v: &mut Violations) -> Option<T>
where
    T::Err: std::fmt::Display,
{
    if text.trim().is_empty() {
        v.push(field, "必填：编号 (required: the number)");
        return None;
    }
    text.parse()
        .map_err(|e: T::Err| v.push(field, e.to_string()))
        .ok()
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

/// The records a caller lists: by the side of its department it asks for.
fn party(p: &Principal, direction: i32, v: &mut Violations) -> ServiceResult<Party> {
    let direction = match Direction::try_from(direction) {
        Ok(d) => d,
        Err(_) => {
            v.push(
                "direction",
                format!("未知方向 {direction}，应为 1 OUTGOING 或 2 INCOMING (unknown direction {direction}: expected 1 OUTGOING or 2 INCOMING)"),
            );
            return Ok(Party::Any);
        }
    };
    let department = authz::list_sharing(p)?;
    Ok(match (department, direction) {
        (None, Direction::Unspecified) => Party::Any,
        (None, _) => {
            v.push(
                "direction",
                "平台级凭证没有所属部门，请不指定方向以查看全部 (a platform credential has no department: leave direction unset to see everything)",
            );
            Party::Any
        }
        (Some(d), Direction::Unspecified) => Party::Either(d.clone()),
        (Some(d), Direction::Outgoing) => Party::Receiving(d.clone()),
        (Some(d), Direction::Incoming) => Party::Providing(d.clone()),
    })
}

impl AppState {
    /// The grant's flags: how the entry's current published version departs from the one
    /// the grant was issued against.
    pub(crate) async fn grant_flags(&self, grant: &GrantRecord) -> ServiceResult<Vec<GrantFlag>> {
        let header = self
            .store
            .get_entry(&grant.entry_code)
            .await?
            .ok_or_else(|| {
                ServiceError::Internal(format!("grant {} names a missing entry", grant.id))
            })?;
        let granted = self
            .versions
            .get(&grant.entry_code, grant.entry_version)
            .await?;
        let current = match authz::public_version(&header) {
            Some(n) => Some((n, self.versions.get(&header.code, n).await?)),
            None => None,
        };
        Ok(govshare_sharing::grant_flags(
            grant,
            &granted.metadata,
            current.as_ref().map(|(n, v)| (*n, &v.metadata)),
        ))
    }
}

impl SharingApi {
    pub(crate) fn new(state: Arc<AppState>) -> Self {
        SharingApi { state }
    }

    async fn header(&self, code: &ResourceCode) -> ServiceResult<EntryHeader> {
        self.state
            .store
            .get_entry(code)
            .await?
            .ok_or_else(|| authz::no_such_entry(code))
    }

    /// The entry's published version, if it has one.
    async fn published(&self, header: &EntryHeader) -> ServiceResult<Option<(u64, Arc<Version>)>> {
        match header.published_version {
            Some(n) => Ok(Some((n, self.state.versions.get(&header.code, n).await?))),
            None => Ok(None),
        }
    }

    /// The request numbered `id`, if `p` may see it; its provider becomes the owner in the
    /// call's record. One `p` may not see is answered as one that does not exist.
    async fn request_record(
        &self,
        note: &CallNote,
        p: &Principal,
        id: RequestId,
    ) -> ServiceResult<govshare_sharing::RequestRecord> {
        let record = self
            .state
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

    async fn create_request(
        &self,
        request: Request<CreateRequestRequest>,
    ) -> ServiceResult<SharingRequest> {
        let p = principal(&request)?;
        let note = note(&request);
        let CreateRequestRequest {
            entry_code,
            items,
            purpose,
            use_scope,
            business_system,
            requested_until,
        } = request.into_inner();
        note.target(&entry_code);
        govshare_sharing::check_item_count(&items)?;
        let requester = match authz::request_data(&p) {
            Ok(requester) => requester,
            Err(denied) => {
                // The refusal is on the record of the entry's provider too.
                if let Ok(code) = ResourceCode::parse(&entry_code)
                    && let Ok(Some(header)) = self.state.store.get_entry(&code).await
                {
                    note.owner(&header.provider_code);
                }
                return Err(denied);
            }
        };
        let mut v = Violations::default();
        let code = field::resource_code("entry_code", &entry_code, &mut v);
        let requested_until = field::optional_time("requested_until", requested_until, &mut v);
        let code = checked(v, code)?;
        let header = self.header(&code).await?;
        note.owner(&header.provider_code);
        // As in GetEntry: outside the providing department, an entry that is not in the
        // published catalogue does not exist.
        authz::view_of(&p, &header)?;
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
            &self.state.policy,
            &self.state.calendar,
            &requester,
            &view,
            &input,
            actor(&p),
            now,
        )?;
        let (record, grant) = self.state.store.create_request(new).await?;
        note.detail(format!("{} {}", record.id, record.state.name()));
        if let Some(grant) = &grant {
            note.grant(grant.id);
        }
        Ok(convert::request(&record, now))
    }

    async fn get_request(
        &self,
        request: Request<GetRequestRequest>,
    ) -> ServiceResult<SharingRequest> {
        let p = principal(&request)?;
        let note = note(&request);
        let GetRequestRequest { id } = request.into_inner();
        note.target(&id);
        let mut v = Violations::default();
        let id = parse_id::<RequestId>("id", &id, &mut v);
        let id = checked(v, id)?;
        let record = self.request_record(&note, &p, id).await?;
        Ok(convert::request(&record, Utc::now()))
    }

    async fn list_requests(
        &self,
        request: Request<ListRequestsRequest>,
    ) -> ServiceResult<ListRequestsResponse> {
        let p = principal(&request)?;
        let note = note(&request);
        let ListRequestsRequest {
            direction,
            state,
            overdue_only,
            page_size,
            page_token,
            entry_code,
        } = request.into_inner();
        let mut v = Violations::default();
        let party = party(&p, direction, &mut v)?;
        let state = field::enum_filter("state", state, RequestState::from_code, &mut v);
        let entry_code = field::optional_resource_code("entry_code", &entry_code, &mut v);
        let limit = field::page_size(page_size, &self.state.config.api, &mut v);
        let after = self.page_after::<RequestId>(&page_token, &mut v);
        check(v)?;
        let now = Utc::now();
        let filter = RequestFilter {
            party,
            state,
            entry_code,
            overdue_at: overdue_only.then_some(now),
        };
        let page = self
            .state
            .store
            .list_requests(&filter, after, limit)
            .await?;
        let mut bytes = field::PageBytes::new(&self.state.config.api);
        let mut requests = Vec::with_capacity(page.items.len());
        let mut next = page.next;
        for record in &page.items {
            let request = convert::request(record, now);
            if !bytes.admits(request.encoded_len()) {
                // The page is full: the next one starts after the last request listed.
                next = requests
                    .last()
                    .map(|listed: &SharingRequest| listed.id.clone());
                break;
            }
            requests.push(request);
        }
        note.detail(format!("{} requests", requests.len()));
        Ok(ListRequestsResponse {
            requests,
            next_page_token: next
                .map(|n| field::encode_page_token(&n))
                .unwrap_or_default(),
        })
    }

    fn page_after<T: std::str::FromStr>(&self, token: &str, v: &mut Violations) -> Option<T> {
        let after = field::decode_page_token(token, v)?;
        let parsed = after.parse().ok();
        if parsed.is_none() {
            v.push(
                "page_token",
                "分页令牌无效 (page_token is not one this service issued)",
            );
        }
        parsed
    }

    async fn decide_request(
        &self,
        request: Request<DecideRequestRequest>,
    ) -> ServiceResult<SharingRequest> {
        let p = principal(&request)?;
        let note = note(&request);
        let DecideRequestRequest {
            id,
            approve,
            reason,
            items,
            valid_until,
        } = request.into_inner();
        note.target(&id);
        govshare_sharing::check_item_count(&items)?;
        let mut v = Violations::default();
        let id = parse_id::<RequestId>("id", &id, &mut v);
        field::optional_text("reason", &reason, REASON_MAX, &mut v);
        let valid_until = field::optional_time("valid_until", valid_until, &mut v);
        let id = checked(v, id)?;
        let record = self.request_record(&note, &p, id).await?;
        authz::decide_request(&p, &record.provider_code)?;
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
        let decision = govshare_sharing::review_decision(
            &self.state.policy,
            &record,
            &view,
            &input,
            actor(&p),
            now,
        )?;
        let (record, grant) = self.state.store.decide_request(id, decision).await?;
        note.detail(record.state.name());
        if let Some(grant) = &grant {
            note.grant(grant.id);
        }
        Ok(convert::request(&record, now))
    }

    async fn withdraw_request(
        &self,
        request: Request<WithdrawRequestRequest>,
    ) -> ServiceResult<SharingRequest> {
        let p = principal(&request)?;
        let note = note(&request);
        let WithdrawRequestRequest { id, reason } = request.into_inner();
        note.target(&id);
        let mut v = Violations::default();
        let id = parse_id::<RequestId>("id", &id, &mut v);
        field::optional_text("reason", &reason, REASON_MAX, &mut v);
        let id = checked(v, id)?;
        let record = self.request_record(&note, &p, id).await?;
        authz::withdraw_request(&p, &record.requester_code)?;
        let now = Utc::now();
        let record = self
            .state
            .store
            .withdraw_request(id, reason.trim(), actor(&p), now)
            .await?;
        Ok(convert::request(&record, now))
    }

    async fn list_grants(
        &self,
        request: Request<ListGrantsRequest>,
    ) -> ServiceResult<ListGrantsResponse> {
        let p = principal(&request)?;
        let note = note(&request);
        let ListGrantsRequest {
            direction,
            entry_code,
            state,
            page_size,
            page_token,
            flagged_only,
        } = request.into_inner();
        let mut v = Violations::default();
        let party = party(&p, direction, &mut v)?;
        let state = field::enum_filter("state", state, GrantState::from_code, &mut v);
        let entry_code = field::optional_resource_code("entry_code", &entry_code, &mut v);
        let limit = field::page_size(page_size, &self.state.config.api, &mut v);
        let mut after = self.page_after::<GrantId>(&page_token, &mut v);
        check(v)?;
        let now = Utc::now();
        let filter = GrantFilter {
            party,
            entry_code,
            state,
            at: now,
        };
        let mut grants = Vec::new();
        let mut bytes = field::PageBytes::new(&self.state.config.api);
        let mut last_listed: Option<GrantId> = None;
        // Flags are computed, not stored, so `flagged_only` filters here, page after page,
        // until the page is full; the next page starts after the last grant listed.
        let next = loop {
            let page = self.state.store.list_grants(&filter, after, limit).await?;
            let mut full = false;
            for grant in &page.items {
                if grants.len() == limit {
                    full = true;
                    break;
                }
                let flags = self.state.grant_flags(grant).await?;
                if flagged_only && flags.is_empty() {
                    continue;
                }
                let listed = convert::grant(grant, &flags, now);
                if !bytes.admits(listed.encoded_len()) {
                    full = true;
                    break;
                }
                grants.push(listed);
                last_listed = Some(grant.id);
            }
            match page.next {
                Some(_) if full || grants.len() == limit => {
                    break last_listed.map(|id| id.to_string());
                }
                Some(n) => match n.parse::<GrantId>() {
                    Ok(id) => after = Some(id),
                    Err(_) => break None,
                },
                None if full => break last_listed.map(|id| id.to_string()),
                None => break None,
            }
        };
        note.detail(format!("{} grants", grants.len()));
        Ok(ListGrantsResponse {
            grants,
            next_page_token: next
                .map(|n| field::encode_page_token(&n))
                .unwrap_or_default(),
        })
    }

    async fn revoke_grant(&self, request: Request<RevokeGrantRequest>) -> ServiceResult<Grant> {
        let p = principal(&request)?;
        let note = note(&request);
        let RevokeGrantRequest { grant_id, reason } = request.into_inner();
        note.target(&grant_id).grant(&grant_id);
        let mut v = Violations::default();
        let id = parse_id::<GrantId>("grant_id", &grant_id, &mut v);
        field::required_text("reason", &reason, REASON_MAX, "撤销理由", &mut v);
        let id = checked(v, id)?;
        let grant = self
            .state
            .store
            .get_grant(id)
            .await?
            .ok_or_else(|| authz::no_such_grant(id))?;
        note.owner(&grant.provider_code);
        if !authz::sees_sharing(&p, &grant.consumer_code, &grant.provider_code) {
            return Err(authz::no_such_grant(id));
        }
        authz::revoke_grant(&p, &grant.provider_code)?;
        let now = Utc::now();
        let grant = self
            .state
            .store
            .revoke_grant(id, reason.trim(), actor(&p), now)
            .await?;
        let flags = self.state.grant_flags(&grant).await?;
        Ok(convert::grant(&grant, &flags, now))
    }
}

#[tonic::async_trait]
impl SharingService for SharingApi {
    async fn create_request(
        &self,
        r: Request<CreateRequestRequest>,
    ) -> Result<Response<SharingRequest>, Status> {
        Ok(Response::new(
            self.create_request(r).await.map_err(crate::error::status)?,
        ))
    }

    async fn get_request(
        &self,
        r: Request<GetRequestRequest>,
    ) -> Result<Response<SharingRequest>, Status> {
        Ok(Response::new(
            self.get_request(r).await.map_err(crate::error::status)?,
        ))
    }

    async fn list_requests(
        &self,
        r: Request<ListRequestsRequest>,
    ) -> Result<Response<ListRequestsResponse>, Status> {
        Ok(Response::new(
            self.list_requests(r).await.map_err(crate::error::status)?,
        ))
    }

    async fn decide_request(
        &self,
        r: Request<DecideRequestRequest>,
    ) -> Result<Response<SharingRequest>, Status> {
        Ok(Response::new(
            self.decide_request(r).await.map_err(crate::error::status)?,
        ))
    }

    async fn withdraw_request(
        &self,
        r: Request<WithdrawRequestRequest>,
    ) -> Result<Response<SharingRequest>, Status> {
        Ok(Response::new(
            self.withdraw_request(r)
                .await
                .map_err(crate::error::status)?,
        ))
    }

    async fn list_grants(
        &self,
        r: Request<ListGrantsRequest>,
    ) -> Result<Response<ListGrantsResponse>, Status> {
        Ok(Response::new(
            self.list_grants(r).await.map_err(crate::error::status)?,
        ))
    }

    async fn revoke_grant(
        &self,
        r: Request<RevokeGrantRequest>,
    ) -> Result<Response<Grant>, Status> {
        Ok(Response::new(
            self.revoke_grant(r).await.map_err(crate::error::status)?,
        ))
    }
}
