//! Authorization: one function per action, all in one place. Each returns
//! `PERMISSION_DENIED` naming the role or the department the action needs.
//!
//! What a caller may not see does not exist for it: an unpublished entry of another
//! department, a request or grant between two other departments are answered NOT_FOUND in
//! the very words used for a code or number that was never issued ([`no_such_entry`],
//! [`no_such_request`], [`no_such_grant`]), before any other check can tell them apart.
//! Which entries and versions a reader sees is one rule, in [`visibility`].

use govshare_model::{CreditCode, ResourceCode, Role};
use govshare_sharing::{GrantId, RequestId};
use govshare_store::EntryHeader;

use govshare_model::text;

use crate::error::entry_not_found;
use crate::{Principal, Reason, ServiceError};

pub mod visibility;

pub use visibility::{
    EntryView, changes_published_catalogue, entry_view, listing, public_version,
    reads_every_version, sees_entry, sees_event, view_of,
};

/// The answer about an entry that does not exist or that the caller may not see.
pub fn no_such_entry(code: &ResourceCode) -> ServiceError {
    entry_not_found(&code.to_string())
}

/// The answer about a request that does not exist or that the caller may not see.
pub fn no_such_request(id: RequestId) -> ServiceError {
    ServiceError::new(
        Reason::RequestNotFound,
        text!(
            "共享申请 {id} 不存在或无权查看",
            "request {id} does not exist or is not visible to this credential"
        ),
    )
    .with("request_id", id)
}

/// The answer about a grant that does not exist or that the caller may not see.
pub fn no_such_grant(id: GrantId) -> ServiceError {
    ServiceError::new(
        Reason::GrantNotFound,
        text!(
            "授权 {id} 不存在或无权查看",
            "grant {id} does not exist or is not visible to this credential"
        ),
    )
    .with("grant_id", id)
}

/// Whether `p` may know that a request or grant between `receiver` and `provider` exists: its
/// two departments, the platform administrator and the auditor.
pub fn sees_sharing(p: &Principal, receiver: &CreditCode, provider: &CreditCode) -> bool {
    p.has(Role::Admin) || p.has(Role::Auditor) || p.is_of(receiver) || p.is_of(provider)
}

fn require(p: &Principal, role: Role) -> Result<(), ServiceError> {
    if p.has(role) {
        Ok(())
    } else {
        let (zh, en) = (role.label_zh(), role.name());
        Err(ServiceError::new(
            Reason::RoleRequired,
            text!("需要“{zh}”角色", "requires role {en}"),
        )
        .with("role", en))
    }
}

fn own_department(p: &Principal, department: &CreditCode) -> Result<(), ServiceError> {
    if p.is_of(department) {
        Ok(())
    } else {
        Err(ServiceError::new(
            Reason::ProviderOnly,
            text!(
                "只能操作本部门的目录，该目录属于 {department}",
                "only the providing department {department} may do this"
            ),
        )
        .with("department_code", department))
    }
}

/// CreateDepartment, IssueToken, RevokeToken: the platform administrator.
pub fn administer(p: &Principal) -> Result<(), ServiceError> {
    require(p, Role::Admin)
}

/// ListDepartments, WhoAmI, GetEntry and ListEntries (visibility applies): anyone signed in.
pub fn read_directory(_p: &Principal) -> Result<(), ServiceError> {
    Ok(())
}

/// RegisterEntry, UpdateEntry, SubmitEntry, RequestRevocation, PublishData: a cataloguer of
/// the provider.
pub fn write_entry(p: &Principal, provider: &CreditCode) -> Result<(), ServiceError> {
    require(p, Role::Cataloguer)?;
    own_department(p, provider)
}

/// ReviewEntry: the platform administrator.
pub fn review_entry(p: &Principal) -> Result<(), ServiceError> {
    require(p, Role::Admin)
}

/// Unpublished versions, ListVersions, DiffVersions: the provider or the administrator.
pub fn read_all_versions(p: &Principal, provider: &CreditCode) -> Result<(), ServiceError> {
    if reads_every_version(p, provider) {
        return Ok(());
    }
    own_department(p, provider)
}

fn department_of<'p>(
    p: &'p Principal,
    what_zh: &str,
    what_en: &str,
) -> Result<&'p CreditCode, ServiceError> {
    p.department.as_ref().ok_or_else(|| {
        ServiceError::new(
            Reason::DepartmentCredentialRequired,
            text!(
                "{what_zh}需要部门凭证，平台级凭证没有所属部门",
                "{what_en} needs a department's credential; a platform credential has no \
                 department"
            ),
        )
    })
}

/// The two sides of a sharing request.
#[derive(Clone, Copy)]
enum Side {
    Provider,
    Requester,
}

fn side(p: &Principal, department: &CreditCode, side: Side) -> Result<(), ServiceError> {
    if p.is_of(department) {
        return Ok(());
    }
    let (reason, side_zh, side_en) = match side {
        Side::Provider => (Reason::ProviderOnly, "提供方部门", "providing"),
        Side::Requester => (Reason::RequesterOnly, "申请方部门", "requesting"),
    };
    Err(ServiceError::new(
        reason,
        text!(
            "只有{side_zh} {department} 可以这样做",
            "only the {side_en} department {department} may do this"
        ),
    )
    .with("department_code", department))
}

/// CreateRequest: a consumer, for its own department; returns that department.
pub fn request_data(p: &Principal) -> Result<CreditCode, ServiceError> {
    require(p, Role::Consumer)?;
    department_of(p, "申请共享", "requesting data").cloned()
}

/// ListRequests, ListGrants: everything for the platform administrator and the auditor
/// (`None`), the caller's department's otherwise.
pub fn list_sharing(p: &Principal) -> Result<Option<&CreditCode>, ServiceError> {
    if p.has(Role::Admin) || p.has(Role::Auditor) {
        return Ok(None);
    }
    department_of(p, "查看共享申请和授权", "listing requests and grants").map(Some)
}

/// DecideRequest: an approver of the providing department.
pub fn decide_request(p: &Principal, provider: &CreditCode) -> Result<(), ServiceError> {
    require(p, Role::Approver)?;
    side(p, provider, Side::Provider)
}

/// WithdrawRequest: a consumer of the requesting department.
pub fn withdraw_request(p: &Principal, requester: &CreditCode) -> Result<(), ServiceError> {
    require(p, Role::Consumer)?;
    side(p, requester, Side::Requester)
}

/// RevokeGrant: an approver of the providing department.
pub fn revoke_grant(p: &Principal, provider: &CreditCode) -> Result<(), ServiceError> {
    require(p, Role::Approver)?;
    side(p, provider, Side::Provider)
}

/// Who receives an entry's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataReader {
    /// The providing department's own cataloguer or consumer: every column.
    Provider,
    /// A consumer of another department: what its active grant allows.
    Grantee(CreditCode),
}

/// FetchData: the provider's cataloguer or consumer, or a consumer of another department
/// (whose grant is checked by the caller).
pub fn read_data(p: &Principal, provider: &CreditCode) -> Result<DataReader, ServiceError> {
    if p.is_of(provider) && (p.has(Role::Cataloguer) || p.has(Role::Consumer)) {
        return Ok(DataReader::Provider);
    }
    require(p, Role::Consumer)?;
    department_of(p, "获取数据", "fetching data").map(|d| DataReader::Grantee(d.clone()))
}

/// ListSnapshots: the providing department, the administrator and the auditor see every
/// snapshot; other departments need an active grant (checked by the caller).
pub fn list_snapshots<'p>(p: &'p Principal, provider: &CreditCode) -> Option<&'p CreditCode> {
    if p.has(Role::Admin) || p.has(Role::Auditor) || p.is_of(provider) {
        None
    } else {
        p.department.as_ref()
    }
}

/// ListSnapshots, for a caller whose department holds no active grant for the entry of
/// `header` (see [`list_snapshots`]): an entry that does not exist for it is answered as one
/// that was never registered; one that does is refused for want of a grant.
pub fn without_grant(p: &Principal, header: &EntryHeader) -> ServiceError {
    if !sees_entry(p, header) {
        return no_such_entry(&header.code);
    }
    let code = &header.code;
    no_active_grant(code)
}

/// A department that holds no active grant for the entry `code`.
pub fn no_active_grant(code: &ResourceCode) -> ServiceError {
    ServiceError::new(
        Reason::NoActiveGrant,
        text!(
            "本部门没有目录 {code} 的有效授权，请先申请共享",
            "your department holds no active grant for entry {code}: request it first"
        ),
    )
    .with("code", code)
}

/// QueryAccessLog: every record for the platform administrator and the auditor (`None`);
/// otherwise the records about the caller's department (`Some`): its entries, requests and
/// grants, and the calls made with its credentials.
pub fn query_access_log(p: &Principal) -> Result<Option<&CreditCode>, ServiceError> {
    if p.has(Role::Admin) || p.has(Role::Auditor) {
        return Ok(None);
    }
    department_of(p, "查询访问日志", "querying the access log").map(Some)
}

/// GetAnnualReport of `department` (`None`: the whole platform): the platform administrator
/// and the auditor any; a department's credential its own department's only. Returns the
/// department the report is about.
pub fn annual_report(
    p: &Principal,
    department: Option<CreditCode>,
) -> Result<Option<CreditCode>, ServiceError> {
    if p.has(Role::Admin) || p.has(Role::Auditor) {
        return Ok(department);
    }
    let own = department_of(p, "查看年度报告", "reading a yearly report")?;
    match department {
        Some(d) if d != *own => Err(ServiceError::new(
            Reason::OwnReportOnly,
            text!(
                "只能查看本部门的年度报告",
                "a department may get its own yearly report only, not {d}'s"
            ),
        )
        .with("department_code", d)),
        _ => Ok(Some(own.clone())),
    }
}

/// VerifyAccessLog: the platform administrator or the auditor.
pub fn verify_access_log(p: &Principal) -> Result<(), ServiceError> {
    if p.has(Role::Admin) {
        return Ok(());
    }
    require(p, Role::Auditor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Caller;

    fn principal(department: Option<&str>, roles: &[Role]) -> Principal {
        Principal::from(Caller {
            token_id: "tok_test".into(),
            token_name: "test".into(),
            department: department.map(|d| CreditCode::parse(d).expect("code")),
            roles: roles.to_vec(),
        })
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
    fn only_consumers_of_a_department_request_data() {
        assert_eq!(
            request_data(&principal(Some(B), &[Role::Consumer])).expect("consumer"),
            code(B)
        );
        assert!(request_data(&principal(Some(B), &[Role::Approver])).is_err());
        assert!(request_data(&principal(None, &[Role::Admin])).is_err());
    }

    #[test]
    fn requests_are_seen_by_their_two_departments_admin_and_auditor() {
        let c = &govshare_model::testing::valid_credit_code(7);
        for (p, ok) in [
            (principal(Some(A), &[Role::Consumer]), true),
            (principal(Some(B), &[Role::Cataloguer]), true),
            (principal(None, &[Role::Admin]), true),
            (principal(None, &[Role::Auditor]), true),
            (principal(Some(c), &[Role::Approver]), false),
            (principal(Some(c), &[Role::Admin]), false),
        ] {
            assert_eq!(sees_sharing(&p, &code(A), &code(B)), ok, "{p:?}");
        }
    }

    #[test]
    fn only_the_providers_approver_decides_and_revokes() {
        let approver_b = principal(Some(B), &[Role::Approver]);
        assert!(decide_request(&approver_b, &code(B)).is_ok());
        assert!(revoke_grant(&approver_b, &code(B)).is_ok());
        for p in [
            principal(Some(A), &[Role::Approver]),
            principal(Some(B), &[Role::Consumer, Role::Cataloguer]),
            principal(None, &[Role::Admin]),
        ] {
            assert!(decide_request(&p, &code(B)).is_err(), "{p:?}");
            assert!(revoke_grant(&p, &code(B)).is_err(), "{p:?}");
        }
    }

    #[test]
    fn only_the_requesters_consumer_withdraws() {
        assert!(withdraw_request(&principal(Some(A), &[Role::Consumer]), &code(A)).is_ok());
        assert!(withdraw_request(&principal(Some(B), &[Role::Consumer]), &code(A)).is_err());
        assert!(withdraw_request(&principal(Some(A), &[Role::Approver]), &code(A)).is_err());
        assert!(withdraw_request(&principal(None, &[Role::Admin]), &code(A)).is_err());
    }

    #[test]
    fn lists_are_scoped_to_the_department_except_for_admin_and_auditor() {
        assert_eq!(
            list_sharing(&principal(None, &[Role::Admin])).expect("admin"),
            None
        );
        assert_eq!(
            list_sharing(&principal(None, &[Role::Auditor])).expect("auditor"),
            None
        );
        let p = principal(Some(A), &[Role::Consumer]);
        assert_eq!(list_sharing(&p).expect("consumer"), Some(&code(A)));
    }

    #[test]
    fn data_is_read_by_the_provider_or_a_consumer_elsewhere() {
        let provider = code(A);
        assert_eq!(
            read_data(&principal(Some(A), &[Role::Cataloguer]), &provider).expect("own"),
            DataReader::Provider
        );
        assert_eq!(
            read_data(&principal(Some(B), &[Role::Consumer]), &provider).expect("grantee"),
            DataReader::Grantee(code(B))
        );
        assert!(read_data(&principal(Some(B), &[Role::Approver]), &provider).is_err());
        assert!(read_data(&principal(Some(A), &[Role::Approver]), &provider).is_err());
        assert!(read_data(&principal(None, &[Role::Admin]), &provider).is_err());
    }

    #[test]
    fn a_department_credential_never_acts_for_the_platform() {
        for role in [Role::Admin, Role::Auditor] {
            let bound = principal(Some(A), &[role]);
            assert!(administer(&bound).is_err(), "{role:?}");
            assert!(review_entry(&bound).is_err(), "{role:?}");
            assert!(verify_access_log(&bound).is_err(), "{role:?}");
            assert_eq!(
                list_sharing(&bound).expect("its own department's"),
                Some(&code(A))
            );
            assert!(!sees_sharing(&bound, &code(B), &code(B)), "{role:?}");
        }
    }

    #[test]
    fn denial_names_the_missing_role() {
        let err = administer(&principal(Some(A), &[Role::Consumer])).expect_err("denied");
        assert!(err.to_string().contains("ADMIN"), "{err}");
    }
}
