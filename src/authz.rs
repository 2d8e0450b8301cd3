//! Authorization: one function per action, all in one place. Each returns
//! `PERMISSION_DENIED` naming the role or the department the action needs.

use govshare_model::{CreditCode, Role};

use crate::auth::Principal;
use crate::error::ApiError;

fn require(p: &Principal, role: Role) -> Result<(), ApiError> {
    if p.has(role) {
        Ok(())
    } else {
        Err(ApiError::PermissionDenied(format!(
            "需要“{}”角色 (requires role {})",
            role.label_zh(),
            role.name()
        )))
    }
}

fn own_department(p: &Principal, department: &CreditCode) -> Result<(), ApiError> {
    if p.is_of(department) {
        Ok(())
    } else {
        Err(ApiError::PermissionDenied(format!(
            "只能操作本部门的目录，该目录属于 {department} \
             (only the providing department {department} may do this)"
        )))
    }
}

/// CreateDepartment, IssueToken, RevokeToken: the platform administrator.
pub fn administer(p: &Principal) -> Result<(), ApiError> {
    require(p, Role::Admin)
}

/// ListDepartments, WhoAmI, GetEntry and ListEntries (visibility applies): anyone signed in.
pub fn read_directory(_p: &Principal) -> Result<(), ApiError> {
    Ok(())
}

/// RegisterEntry, UpdateEntry, SubmitEntry, RequestRevocation: a cataloguer of the provider.
pub fn write_entry(p: &Principal, provider: &CreditCode) -> Result<(), ApiError> {
    require(p, Role::Cataloguer)?;
    own_department(p, provider)
}

/// ReviewEntry: the platform administrator.
pub fn review_entry(p: &Principal) -> Result<(), ApiError> {
    require(p, Role::Admin)
}

/// Unpublished versions, ListVersions, DiffVersions: the provider or the administrator.
pub fn read_all_versions(p: &Principal, provider: &CreditCode) -> Result<(), ApiError> {
    if p.has(Role::Admin) {
        return Ok(());
    }
    own_department(p, provider)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(department: Option<&str>, roles: &[Role]) -> Principal {
        Principal {
            token_id: "tok_test".into(),
            token_name: "test".into(),
            department: department.map(|d| CreditCode::parse(d).expect("code")),
            roles: roles.to_vec(),
        }
    }

    const A: &str = "91110000600037341L";
    const B: &str = "91350100M000100Y43";

    fn code(s: &str) -> CreditCode {
        CreditCode::parse(s).expect("code")
    }

    #[test]
    fn only_admin_administers() {
        assert!(administer(&principal(None, &[Role::Admin])).is_ok());
        for role in [
            Role::Cataloguer,
            Role::Approver,
            Role::Consumer,
            Role::Auditor,
        ] {
            assert!(
                administer(&principal(Some(A), &[role])).is_err(),
                "{role:?}"
            );
        }
    }

    #[test]
    fn only_the_providers_cataloguer_writes_entries() {
        assert!(write_entry(&principal(Some(A), &[Role::Cataloguer]), &code(A)).is_ok());
        assert!(write_entry(&principal(Some(B), &[Role::Cataloguer]), &code(A)).is_err());
        assert!(write_entry(&principal(Some(A), &[Role::Consumer]), &code(A)).is_err());
        assert!(write_entry(&principal(None, &[Role::Admin]), &code(A)).is_err());
    }

    #[test]
    fn only_admin_reviews() {
        assert!(review_entry(&principal(None, &[Role::Admin])).is_ok());
        assert!(review_entry(&principal(Some(A), &[Role::Cataloguer, Role::Approver])).is_err());
    }

    #[test]
    fn history_is_for_the_provider_and_admin() {
        assert!(read_all_versions(&principal(Some(A), &[Role::Consumer]), &code(A)).is_ok());
        assert!(read_all_versions(&principal(None, &[Role::Admin]), &code(A)).is_ok());
        assert!(read_all_versions(&principal(Some(B), &[Role::Cataloguer]), &code(A)).is_err());
        assert!(read_all_versions(&principal(None, &[Role::Auditor]), &code(A)).is_err());
    }

    #[test]
    fn denial_names_the_missing_role() {
        let err = administer(&principal(Some(A), &[Role::Consumer])).expect_err("denied");
        assert!(err.to_string().contains("ADMIN"), "{err}");
    }
}
