//! AdminService: departments and credentials.

use std::sync::Arc;

use chrono::Utc;
use govshare_model::{RegionCode, Role, Violations};
use govshare_store::{DepartmentRecord, TokenRecord};
use tonic::{Request, Response, Status};

use crate::auth::{self, principal};
use crate::error::{ServiceError, ServiceResult};
use crate::observe::note;
use crate::proto::admin_service_server::AdminService;
use crate::proto::{
    CreateDepartmentRequest, Department, IssueTokenRequest, IssueTokenResponse,
    ListDepartmentsRequest, ListDepartmentsResponse, RevokeTokenRequest, RevokeTokenResponse,
    WhoAmIRequest, WhoAmIResponse,
};
use crate::request::{self as field, check, checked};
use govshare_service::authz;

use crate::{AppState, convert};

/// The AdminService implementation.
#[derive(Debug, Clone)]
pub(crate) struct AdminApi {
    state: Arc<AppState>,
}

impl AdminApi {
    pub(crate) fn new(state: Arc<AppState>) -> Self {
        AdminApi { state }
    }

    async fn create_department(
        &self,
        request: Request<CreateDepartmentRequest>,
    ) -> ServiceResult<Department> {
        let note = note(&request);
        authz::administer(&principal(&request)?)?;
        let CreateDepartmentRequest {
            code,
            name,
            region_code,
            parent_code,
        } = request.into_inner();
        note.target(&code);
        let mut v = Violations::default();
        let code = field::credit_code("code", &code, &mut v);
        field::required_text("name", &name, 100, "部门名称", &mut v);
        let region = if region_code.is_empty() {
            v.push(
                "region_code",
                "必填：6位行政区划代码 (required: 6-digit region code)",
            );
            None
        } else {
            RegionCode::parse(&region_code)
                .map_err(|e| v.push("region_code", e.to_string()))
                .ok()
        };
        let parent = if parent_code.is_empty() {
            None
        } else {
            field::credit_code("parent_code", &parent_code, &mut v)
        };
        if let Some(p) = &parent
            && self.state.store.get_department(p).await?.is_none()
        {
            v.push(
                "parent_code",
                format!("上级部门 {p} 未登记 (parent department {p} is not registered)"),
            );
        }
        let (code, region_code) = checked(v, code.zip(region))?;
        let record = DepartmentRecord {
            code,
            name: name.trim().to_owned(),
            region_code,
            parent_code: parent,
            created_at: Utc::now(),
        };
        let record = self.state.store.create_department(record).await?;
        Ok(convert::department(&record))
    }

    async fn list_departments(
        &self,
        request: Request<ListDepartmentsRequest>,
    ) -> ServiceResult<ListDepartmentsResponse> {
        authz::read_directory(&principal(&request)?)?;
        let ListDepartmentsRequest {
            page_size,
            page_token,
        } = request.into_inner();
        let mut v = Violations::default();
        let limit = field::page_size(page_size, &self.state.config.api, &mut v);
        let after = field::decode_page_token(&page_token, &mut v);
        check(v)?;
        let page = self
            .state
            .store
            .list_departments(after.as_deref(), limit)
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
        authz::administer(&principal(&request)?)?;
        let note = note(&request);
        let IssueTokenRequest {
            department_code,
            roles,
            name,
            expires_at,
        } = request.into_inner();
        let mut v = Violations::default();
        let now = Utc::now();
        let mut parsed_roles = Vec::new();
        if roles.is_empty() {
            v.push("roles", "至少需要一个角色 (at least one role is required)");
        }
        // Each role once at most: a longer list is refused before its elements are read.
        let max_roles = Role::ALL.len();
        if roles.len() > max_roles {
            return Err(ServiceError::field(
                "roles",
                format!(
                    "角色不能超过{max_roles}个，实际为{}个 (at most {max_roles} roles, got {})",
                    roles.len(),
                    roles.len()
                ),
            ));
        }
        for (i, code) in roles.iter().enumerate() {
            match Role::from_code(*code) {
                Some(r) if !parsed_roles.contains(&r) => parsed_roles.push(r),
                Some(r) => v.push(format!("roles[{i}]"), format!("角色重复 (duplicate role {})", r.name())),
                None => v.push(
                    format!("roles[{i}]"),
                    format!("未知角色代码 {code} (unknown role; expected ADMIN, CATALOGUER, APPROVER, CONSUMER or AUDITOR)"),
                ),
            }
        }
        if parsed_roles.len() > 1 && parsed_roles.iter().any(|r| r.is_platform()) {
            v.push(
                "roles",
                "平台管理员、审计员须与其他角色分离，不能合用一个凭证（GB/T 39477 三员分立） \
                 (ADMIN and AUDITOR cannot be combined with any other role on one credential)",
            );
        }
        let platform_level = parsed_roles.iter().all(|r| r.is_platform());
        if !department_code.is_empty() && parsed_roles.iter().any(|r| r.is_platform()) {
            // A department's own administrator or auditor would approve and audit itself.
            v.push(
                "department_code",
                "平台管理员、审计员是平台级凭证，不能属于部门，请留空 department_code（GB/T 39477 \
                 三员分立） (ADMIN and AUDITOR are platform credentials: leave department_code \
                 empty)",
            );
        }
        let department = if department_code.is_empty() {
            if !platform_level {
                v.push(
                    "department_code",
                    "目录编制员、共享审核员和数据使用方的凭证必须属于某个部门 \
                     (CATALOGUER, APPROVER and CONSUMER credentials need a department)",
                );
            }
            None
        } else {
            field::credit_code("department_code", &department_code, &mut v)
        };
        if let Some(d) = &department
            && self.state.store.get_department(d).await?.is_none()
        {
            v.push(
                "department_code",
                format!("部门 {d} 未登记 (department {d} is not registered)"),
            );
        }
        field::required_text("name", &name, 100, "凭证名称", &mut v);
        let expires_at = match expires_at.as_ref().map(convert::from_timestamp) {
            None => None,
            Some(Some(t)) if t > now => Some(t),
            Some(_) => {
                v.push(
                    "expires_at",
                    "过期时间必须晚于当前时间 (expires_at must be in the future)",
                );
                None
            }
        };
        check(v)?;
        let (token, token_id) = auth::new_token();
        let record = TokenRecord {
            id: token_id.clone(),
            digest: auth::token_digest(&token),
            department,
            roles: parsed_roles,
            name: name.trim().to_owned(),
            created_at: now,
            expires_at,
            revoked_at: None,
        };
        self.state.store.insert_token(record.clone()).await?;
        // The new credential's id, never its secret.
        note.target(&token_id);
        if let Some(d) = &record.department {
            note.owner(d);
        }
        Ok(IssueTokenResponse {
            token,
            token_id,
            info: Some(convert::token_info(&record)),
        })
    }

    async fn revoke_token(
        &self,
        request: Request<RevokeTokenRequest>,
    ) -> ServiceResult<RevokeTokenResponse> {
        let note = note(&request);
        authz::administer(&principal(&request)?)?;
        let RevokeTokenRequest { token_id } = request.into_inner();
        note.target(&token_id);
        if token_id.trim().is_empty() {
            return Err(ServiceError::field(
                "token_id",
                "必填：凭证编号 (required: the token id)",
            ));
        }
        self.state.store.revoke_token(&token_id, Utc::now()).await?;
        // Open streams of the credential end at their next message.
        self.state.revocations.revoked();
        Ok(RevokeTokenResponse {})
    }

    async fn who_am_i(&self, request: Request<WhoAmIRequest>) -> ServiceResult<WhoAmIResponse> {
        let p = principal(&request)?;
        authz::read_directory(&p)?;
        let department = match &p.department {
            Some(code) => self
                .state
                .store
                .get_department(code)
                .await?
                .map(|d| convert::department(&d)),
            None => None,
        };
        Ok(WhoAmIResponse {
            department,
            roles: p.roles.iter().map(|r| r.code()).collect(),
            token_id: p.token_id,
            token_name: p.token_name,
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
