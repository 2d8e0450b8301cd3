//! SharingService: the gRPC adapter of the sharing use cases (`govshare_service::sharing`):
//! it reads the request's fields, calls the use case, records what the call was about and
//! converts what it answers.

mod convert;

use govshare_model::{FieldReason, text};
use std::sync::Arc;

use govshare_model::{GrantState, RequestState, Violations};
use govshare_service::sharing::{
    Decide, Direction as Side, GrantQuery, NewRequestInput, RequestOutcome, RequestQuery, Sharing,
};
use govshare_sharing::{GrantId, RequestId};
use prost::Message as _;
use tonic::{Request, Response, Status};

use crate::AppState;
use crate::auth::principal;
use crate::error::ServiceResult;
use crate::observe::{CallNote, note};
use crate::proto::sharing_service_server::SharingService;
use crate::proto::{
    CreateRequestRequest, DecideRequestRequest, Direction, GetRequestRequest, Grant,
    ListGrantsRequest, ListGrantsResponse, ListRequestsRequest, ListRequestsResponse,
    RevokeGrantRequest, SharingRequest, WithdrawRequestRequest,
};
use crate::request::{self as field, checked};

const REASON_MAX: usize = 2000;

/// The SharingService implementation.
#[derive(Debug, Clone)]
pub(crate) struct SharingApi {
    state: Arc<AppState>,
    sharing: Arc<Sharing>,
}

fn parse_id<T: std::str::FromStr>(field: &str, text: &str, v: &mut Violations) -> Option<T>
where
    T::Err: std::fmt::Display,
{
    if text.trim().is_empty() {
        v.add(
            field,
            FieldReason::Required,
            text!("必填：编号", "required: the number"),
        );
        return None;
    }
    text.parse()
        .map_err(|e: T::Err| govshare_service::fields::malformed(field, e, v))
        .ok()
}

/// The side of the records a caller lists; `None` (with its violation) for an unknown one.
fn direction(direction: i32, v: &mut Violations) -> Option<Side> {
    match Direction::try_from(direction) {
        Ok(Direction::Unspecified) => Some(Side::Unspecified),
        Ok(Direction::Outgoing) => Some(Side::Outgoing),
        Ok(Direction::Incoming) => Some(Side::Incoming),
        Err(_) => {
            v.add(
                "direction",
                FieldReason::UnknownValue,
                text!(
                    "未知方向 {direction}，应为 1 OUTGOING 或 2 INCOMING",
                    "unknown direction {direction}: expected 1 OUTGOING or 2 INCOMING"
                ),
            );
            None
        }
    }
}

/// The request a call answers with; the grant it issued is the one the call's record names.
fn outcome(note: &CallNote, outcome: RequestOutcome) -> SharingRequest {
    if let Some(grant) = &outcome.grant {
        note.grant(grant.id);
    }
    convert::request(&outcome.request, outcome.at)
}

impl SharingApi {
    pub(crate) fn new(state: Arc<AppState>) -> Self {
        let sharing = Sharing::new(
            state.store.clone(),
            state.store.clone(),
            state.versions.clone(),
            state.policy.clone(),
            state.calendar.clone(),
        );
        SharingApi {
            state,
            sharing: Arc::new(sharing),
        }
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
        let mut invalid = Violations::default();
        let code = field::resource_code("entry_code", &entry_code, &mut invalid);
        let requested_until =
            field::optional_time("requested_until", requested_until, &mut invalid);
        let input = NewRequestInput {
            entry_code: code,
            items,
            purpose,
            use_scope,
            business_system,
            requested_until,
            invalid,
        };
        let created = self.sharing.create_request(&p, &note, input).await?;
        Ok(outcome(&note, created))
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
        let record = self.sharing.get_request(&p, &note, id).await?;
        Ok(convert::request(&record, chrono::Utc::now()))
    }

    async fn list_requests(
        &self,
        request: Request<ListRequestsRequest>,
    ) -> ServiceResult<ListRequestsResponse> {
        let p = principal(&request)?;
        let note = note(&request);
        let ListRequestsRequest {
            direction: side,
            state,
            overdue_only,
            page_size,
            page_token,
            entry_code,
        } = request.into_inner();
        let mut invalid = Violations::default();
        let direction = direction(side, &mut invalid);
        let state = field::enum_filter("state", state, RequestState::from_code, &mut invalid);
        let entry_code = field::optional_resource_code("entry_code", &entry_code, &mut invalid);
        let limit = field::page_size(page_size, &self.state.config.api, &mut invalid);
        let after = page_after::<RequestId>(&page_token, &mut invalid);
        let query = RequestQuery {
            direction,
            state,
            entry_code,
            overdue_only,
            after,
            limit,
            invalid,
        };
        let page = self.sharing.list_requests(&p, query).await?;
        let mut bytes = field::PageBytes::new(&self.state.config.api);
        let mut requests = Vec::with_capacity(page.requests.len());
        let mut next = page.next;
        for record in &page.requests {
            let request = convert::request(record, page.at);
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
        let mut invalid = Violations::default();
        let id = parse_id::<RequestId>("id", &id, &mut invalid);
        field::optional_text("reason", &reason, REASON_MAX, &mut invalid);
        let valid_until = field::optional_time("valid_until", valid_until, &mut invalid);
        let input = Decide {
            id,
            approve,
            reason,
            items,
            valid_until,
            invalid,
        };
        let decided = self.sharing.decide_request(&p, &note, input).await?;
        Ok(outcome(&note, decided))
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
        let withdrawn = self
            .sharing
            .withdraw_request(&p, &note, id, &reason)
            .await?;
        Ok(outcome(&note, withdrawn))
    }

    async fn list_grants(
        &self,
        request: Request<ListGrantsRequest>,
    ) -> ServiceResult<ListGrantsResponse> {
        let p = principal(&request)?;
        let note = note(&request);
        let ListGrantsRequest {
            direction: side,
            entry_code,
            state,
            page_size,
            page_token,
            flagged_only,
        } = request.into_inner();
        let mut invalid = Violations::default();
        let direction = direction(side, &mut invalid);
        let state = field::enum_filter("state", state, GrantState::from_code, &mut invalid);
        let entry_code = field::optional_resource_code("entry_code", &entry_code, &mut invalid);
        let limit = field::page_size(page_size, &self.state.config.api, &mut invalid);
        let after = page_after::<GrantId>(&page_token, &mut invalid);
        let query = GrantQuery {
            direction,
            entry_code,
            state,
            flagged_only,
            after,
            limit,
            invalid,
        };
        let page = self.sharing.list_grants(&p, query).await?;
        let mut bytes = field::PageBytes::new(&self.state.config.api);
        let mut grants = Vec::with_capacity(page.grants.len());
        let mut next = page.next;
        for (i, listed) in page.grants.iter().enumerate() {
            let grant = convert::grant(&listed.grant, &listed.flags, page.at);
            if !bytes.admits(grant.encoded_len()) {
                // The page is full: the next one starts after the last grant listed.
                next = i.checked_sub(1).map(|last| page.grants[last].grant.id);
                break;
            }
            grants.push(grant);
        }
        note.detail(format!("{} grants", grants.len()));
        Ok(ListGrantsResponse {
            grants,
            next_page_token: next
                .map(|n| field::encode_page_token(&n.to_string()))
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
        let (revoked, at) = self.sharing.revoke_grant(&p, &note, id, &reason).await?;
        Ok(convert::grant(&revoked.grant, &revoked.flags, at))
    }
}

/// The key a page token continues after, parsed; a token this service did not issue is a
/// violation of `page_token`.
fn page_after<T: std::str::FromStr>(token: &str, v: &mut Violations) -> Option<T> {
    let after = field::decode_page_token(token, v)?;
    let parsed = after.parse().ok();
    if parsed.is_none() {
        v.add(
            "page_token",
            FieldReason::InvalidFormat,
            text!("分页令牌无效", "page_token is not one this service issued"),
        );
    }
    parsed
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
