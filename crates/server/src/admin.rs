//! AdminService: the gRPC adapter of the administration's use cases (`govshare_service::admin`):
//! departments and credentials.

use std::sync::Arc;

use govshare_model::Violations;
use govshare_service::admin::{Admin, NewDepartment, NewToken};
use tonic::{Request, Response, Status};

use crate::auth::principal;
use crate::error::ServiceResult;
use crate::observe::note;
use crate::proto::admin_service_server::AdminService;
use crate::proto::{
    CreateDepartmentRequest, Department, IssueTokenRequest, IssueTokenResponse,
    ListDepartmentsRequest, ListDepartmentsResponse, RevokeTokenRequest, RevokeTokenResponse,
    WhoAmIRequest, WhoAmIResponse,
};
use crate::request::{self as field, check};
use crate::{AppState, convert};

/// The AdminService implementation.
#[derive(Debug, Clone)]
pub(crate) struct AdminApi {
    state: Arc<AppState>,
    admin: Admin,
}

impl AdminApi {
    pub(crate) fn new(state: Arc<AppState>) -> Self {
        AdminApi {
            admin: Admin::new(state.credentials.clone()),
            state,
        }
    }

    async fn create_department(
        &self,
        request: Request<CreateDepartmentRequest>,
    ) -> ServiceResult<Department> {
        let note = note(&request);
        let p = principal(&request)?;
        let CreateDepartmentRequest {
            code,
            name,
            region_code,
            parent_code,
        } = request.into_inner();
        let input = NewDepartment {
            code,
            name,
            region_code,
            parent_code,
        };
        let record = self.admin.create_department(&p, &note, input).await?;
        Ok(convert::department(&record))
    }

    async fn list_departments(
        &self,
        request: Request<ListDepartmentsRequest>,
    ) -> ServiceResult<ListDepartmentsResponse> {
        let p = principal(&request)?;
        let ListDepartmentsRequest {
            page_size,
            page_token,
        } = request.into_inner();
        let mut v = Violations::default();
        let limit = field::page_size(page_size, &self.state.config.api, &mut v);
        let after = field::decode_page_token(&page_token, &mut v);
        check(v)?;
        let page = self
            .admin
            .list_departments(&p, after.as_deref(), limit)
            .await?;
        Ok(ListDepartmentsResponse {
            departments: page.items.iter().map(convert::department).collect(),
            next_page_token: page
                .next
                .map(|n| field::encode_page_token(&n))
                .unwrap_or_default(),
        })
    }

    async fn issue_token(
        &self,
        request: Request<IssueTokenRequest>,
    ) -> ServiceResult<IssueTokenResponse> {
        let p = principal(&request)?;
        let note = note(&request);
        let IssueTokenRequest {
            department_code,
            roles,
            name,
            expires_at,
        } = request.into_inner();
        let input = NewToken {
            department_code,
            roles,
            name,
            expires_at: expires_at.as_ref().map(convert::from_timestamp),
        };
        let issued = self.admin.issue_token(&p, input).await?;
        // The new credential's id, never its secret.
        note.target(&issued.record.id);
        if let Some(d) = &issued.record.department {
            note.owner(d);
        }
        Ok(IssueTokenResponse {
            token: issued.token,
            token_id: issued.record.id.clone(),
            info: Some(convert::token_info(&issued.record)),
        })
    }

    async fn revoke_token(
        &self,
        request: Request<RevokeTokenRequest>,
    ) -> ServiceResult<RevokeTokenResponse> {
        let note = note(&request);
        let p = principal(&request)?;
        let RevokeTokenRequest { token_id } = request.into_inner();
        // Open streams of the credential end at their next message, and its next call is
        // refused: the credentials held in memory see to both.
        self.admin.revoke_token(&p, &note, &token_id).await?;
        Ok(RevokeTokenResponse {})
    }

    async fn who_am_i(&self, request: Request<WhoAmIRequest>) -> ServiceResult<WhoAmIResponse> {
        let p = principal(&request)?;
        let identity = self.admin.who_am_i(&p).await?;
        Ok(WhoAmIResponse {
            department: identity.department.as_ref().map(convert::department),
            roles: identity.principal.roles.iter().map(|r| r.code()).collect(),
            token_id: identity.principal.token_id.clone(),
            token_name: identity.principal.token_name.clone(),
        })
    }
}

#[tonic::async_trait]
impl AdminService for AdminApi {
    async fn create_department(
        &self,
        request: Request<CreateDepartmentRequest>,
    ) -> Result<Response<Department>, Status> {
        Ok(Response::new(
            self.create_department(request)
                .await
                .map_err(crate::error::status)?,
        ))
    }

    async fn list_departments(
        &self,
        request: Request<ListDepartmentsRequest>,
    ) -> Result<Response<ListDepartmentsResponse>, Status> {
        Ok(Response::new(
            self.list_departments(request)
                .await
                .map_err(crate::error::status)?,
        ))
    }

    async fn issue_token(
        &self,
        request: Request<IssueTokenRequest>,
    ) -> Result<Response<IssueTokenResponse>, Status> {
        Ok(Response::new(
            self.issue_token(request)
                .await
                .map_err(crate::error::status)?,
        ))
    }

    async fn revoke_token(
        &self,
        request: Request<RevokeTokenRequest>,
    ) -> Result<Response<RevokeTokenResponse>, Status> {
        Ok(Response::new(
            self.revoke_token(request)
                .await
                .map_err(crate::error::status)?,
        ))
    }

    async fn who_am_i(
        &self,
        request: Request<WhoAmIRequest>,
    ) -> Result<Response<WhoAmIResponse>, Status> {
        Ok(Response::new(
            self.who_am_i(request).await.map_err(crate::error::status)?,
        ))
    }
}
