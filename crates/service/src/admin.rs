//! The administration's use cases: departments, credentials, and who the caller is.
//!
//! As in [`crate::catalogue`], inputs name their fields as the requests do, and violations
//! carry those names.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use govshare_model::{FieldReason, RegionCode, Role, Violations, text};
use govshare_store::{DepartmentRecord, IdentityStore, Page, TokenRecord};

use crate::authz;
use crate::error::{ServiceError, ServiceResult, check, checked};
use crate::fields;
use crate::note::Note;
use crate::principal::Principal;
use crate::tokens;

/// The longest department or credential name, in characters.
const NAME_MAX: usize = 100;

/// The administration's use cases, over the identity store.
#[derive(Debug, Clone)]
pub struct Admin {
    store: Arc<dyn IdentityStore>,
}

/// CreateDepartment's input, as the request gives it.
#[derive(Debug, Clone, Default)]
pub struct NewDepartment {
    /// The department's unified social credit code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its 6-digit region code.
    pub region_code: String,
    /// The credit code of its parent department; empty for none.
    pub parent_code: String,
}

/// IssueToken's input, as the request gives it.
#[derive(Debug, Clone, Default)]
pub struct NewToken {
    /// The credit code of the credential's department; empty for a platform credential.
    pub department_code: String,
    /// The roles, by their contract codes.
    pub roles: Vec<i32>,
    /// The credential's name.
    pub name: String,
    /// When it expires: `None` never, `Some(None)` a time the transport could not read.
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

/// A credential just issued.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The secret, shown this once.
    pub token: String,
    /// The stored record (its digest, never the secret).
    pub record: TokenRecord,
}

/// Who the caller is.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The credential's principal.
    pub principal: Principal,
    /// The credential's department, if it has one.
    pub department: Option<DepartmentRecord>,
}

impl Admin {
    /// The administration over `store`.
    pub fn new(store: Arc<dyn IdentityStore>) -> Self {
        Admin { store }
    }

    /// CreateDepartment: the platform administrator registers a department.
    pub async fn create_department(
        &self,
        p: &Principal,
        note: &dyn Note,
        input: NewDepartment,
    ) -> ServiceResult<DepartmentRecord> {
        authz::administer(p)?;
        let NewDepartment {
            code,
            name,
            region_code,
            parent_code,
        } = input;
        note.target(&code);
        let mut v = Violations::default();
        let code = fields::credit_code("code", &code, &mut v);
        fields::required_text("name", &name, NAME_MAX, "部门名称", &mut v);
        let region = if region_code.is_empty() {
            v.add(
                "region_code",
                FieldReason::Required,
                text!("必填：6位行政区划代码", "required: 6-digit region code"),
            );
            None
        } else {
            RegionCode::parse(&region_code)
                .map_err(|e| fields::malformed("region_code", e, &mut v))
                .ok()
        };
        let parent = if parent_code.is_empty() {
            None
        } else {
            fields::credit_code("parent_code", &parent_code, &mut v)
        };
        if let Some(p) = &parent
            && self.store.get_department(p).await?.is_none()
        {
            v.add(
                "parent_code",
                FieldReason::NotAllowed,
                text!(
                    "上级部门 {p} 未登记",
                    "parent department {p} is not registered"
                ),
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
        Ok(self.store.create_department(record).await?)
    }

    /// ListDepartments: a page of the departments after `after`, for anyone signed in.
    pub async fn list_departments(
        &self,
        p: &Principal,
        after: Option<&str>,
        limit: usize,
    ) -> ServiceResult<Page<DepartmentRecord>> {
        authz::read_directory(p)?;
        Ok(self.store.list_departments(after, limit).await?)
    }

    /// IssueToken: the platform administrator issues a credential. ADMIN and AUDITOR are
    /// platform credentials, alone on theirs and without a department; the other roles
    /// belong to a registered department (GB/T 39477's separation of duties).
    pub async fn issue_token(&self, p: &Principal, input: NewToken) -> ServiceResult<IssuedToken> {
        authz::administer(p)?;
        let NewToken {
            department_code,
            roles,
            name,
            expires_at,
        } = input;
        let mut v = Violations::default();
        let now = Utc::now();
        let mut parsed_roles = Vec::new();
        if roles.is_empty() {
            v.add(
                "roles",
                FieldReason::Required,
                text!("至少需要一个角色", "at least one role is required"),
            );
        }
        // Each role once at most: a longer list is refused before its elements are read.
        let max_roles = Role::ALL.len();
        if roles.len() > max_roles {
            let n = roles.len();
            return Err(ServiceError::field(
                "roles",
                FieldReason::TooMany,
                text!(
                    "角色不能超过{max_roles}个，实际为{n}个",
                    "at most {max_roles} roles, got {n}"
                ),
            ));
        }
        for (i, code) in roles.iter().enumerate() {
            match Role::from_code(*code) {
                Some(r) if !parsed_roles.contains(&r) => parsed_roles.push(r),
                Some(r) => v.add(
                    format!("roles[{i}]"),
                    FieldReason::Duplicate,
                    text!("角色 {} 重复", "duplicate role {}", r.name()),
                ),
                None => v.add(
                    format!("roles[{i}]"),
                    FieldReason::UnknownValue,
                    text!(
                        "未知角色代码 {code}",
                        "unknown role; expected ADMIN, CATALOGUER, APPROVER, CONSUMER or AUDITOR"
                    ),
                ),
            }
        }
        if parsed_roles.len() > 1 && parsed_roles.iter().any(|r| r.is_platform()) {
            v.add(
                "roles",
                FieldReason::Inconsistent,
                text!(
                    "平台管理员、审计员须与其他角色分离，不能合用一个凭证（GB/T 39477 三员分立）",
                    "ADMIN and AUDITOR cannot be combined with any other role on one credential"
                ),
            );
        }
        let platform_level = parsed_roles.iter().all(|r| r.is_platform());
        if !department_code.is_empty() && parsed_roles.iter().any(|r| r.is_platform()) {
            // A department's own administrator or auditor would approve and audit itself.
            v.add(
                "department_code",
                FieldReason::Inconsistent,
                text!(
                    "平台管理员、审计员是平台级凭证，不能属于部门，请留空 department_code\
                     （GB/T 39477 三员分立）",
                    "ADMIN and AUDITOR are platform credentials: leave department_code empty"
                ),
            );
        }
        let department = if department_code.is_empty() {
            if !platform_level {
                v.add(
                    "department_code",
                    FieldReason::Required,
                    text!(
                        "目录编制员、共享审核员和数据使用方的凭证必须属于某个部门",
                        "CATALOGUER, APPROVER and CONSUMER credentials need a department"
                    ),
                );
            }
            None
        } else {
            fields::credit_code("department_code", &department_code, &mut v)
        };
        if let Some(d) = &department
            && self.store.get_department(d).await?.is_none()
        {
            v.add(
                "department_code",
                FieldReason::NotAllowed,
                text!("部门 {d} 未登记", "department {d} is not registered"),
            );
        }
        fields::required_text("name", &name, NAME_MAX, "凭证名称", &mut v);
        let expires_at = match expires_at {
            None => None,
            Some(Some(t)) if t > now => Some(t),
            Some(_) => {
                v.add(
                    "expires_at",
                    FieldReason::OutOfRange,
                    text!(
                        "过期时间必须晚于当前时间",
                        "expires_at must be in the future"
                    ),
                );
                None
            }
        };
        check(v)?;
        let (token, token_id) = tokens::new_token();
        let record = TokenRecord {
            id: token_id,
            digest: tokens::token_digest(&token),
            department,
            roles: parsed_roles,
            name: name.trim().to_owned(),
            created_at: now,
            expires_at,
            revoked_at: None,
        };
        self.store.insert_token(record.clone()).await?;
        Ok(IssuedToken { token, record })
    }

    /// RevokeToken: the platform administrator revokes credential `token_id`; it
    /// authenticates nothing from then on.
    pub async fn revoke_token(
        &self,
        p: &Principal,
        note: &dyn Note,
        token_id: &str,
    ) -> ServiceResult<TokenRecord> {
        authz::administer(p)?;
        note.target(token_id);
        if token_id.trim().is_empty() {
            return Err(ServiceError::field(
                "token_id",
                FieldReason::Required,
                text!("必填：凭证编号", "required: the token id"),
            ));
        }
        Ok(self.store.revoke_token(token_id, Utc::now()).await?)
    }

    /// WhoAmI: the caller's credential and department.
    pub async fn who_am_i(&self, p: &Principal) -> ServiceResult<Identity> {
        authz::read_directory(p)?;
        let department = match &p.department {
            Some(code) => self.store.get_department(code).await?,
            None => None,
        };
        Ok(Identity {
            principal: p.clone(),
            department,
        })
    }
}
