//! AdminService over real gRPC: registering departments, issuing and revoking credentials, and
//! how credentials are kept at rest.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use crate::common::refusal::who_am_i_refused;
use crate::common::{TestServer, violated_fields};
use govshare_model::testing::valid_credit_code;
use govshare_server::proto::{
    CreateDepartmentRequest, IssueTokenRequest, ListDepartmentsRequest, RevokeTokenRequest, Role,
    WhoAmIRequest,
};
use tonic::Code;

fn department_request(code: &str, region_code: &str, parent_code: &str) -> CreateDepartmentRequest {
    CreateDepartmentRequest {
        code: code.into(),
        name: "福州市数据管理局".into(),
        region_code: region_code.into(),
        parent_code: parent_code.into(),
    }
}

fn token_request(department_code: &str, roles: &[i32]) -> IssueTokenRequest {
    IssueTokenRequest {
        department_code: department_code.into(),
        roles: roles.to_vec(),
        name: "业务系统".into(),
        expires_at: None,
    }
}

fn timestamp_in(offset_seconds: i64) -> prost_types::Timestamp {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    prost_types::Timestamp {
        seconds: i64::try_from(now.as_secs()).unwrap() + offset_seconds,
        nanos: 0,
    }
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else if path.is_file() {
            out.push(path);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn create_department_returns_the_registered_department() {
    let server = TestServer::start().await;
    let department = server
        .admin()
        .admin
        .create_department(CreateDepartmentRequest {
            code: "91350100M000100Y43".into(),
            name: "  福州市数据管理局 ".into(),
            region_code: "350100".into(),
            parent_code: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(department.code, "91350100M000100Y43");
    assert_eq!(department.name, "福州市数据管理局");
    assert_eq!(department.region_code, "350100");
    assert_eq!(department.parent_code, "");
    assert!(department.created_at.is_some());
}

#[tokio::test]
async fn department_under_a_registered_parent_records_the_parent() {
    let server = TestServer::start().await;
    let parent = server.department(1, "省数据管理局").await;
    let child = server
        .admin()
        .admin
        .create_department(department_request("91350100M000100Y43", "350100", &parent))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(child.parent_code, parent);
}

#[tokio::test]
async fn bad_check_character_and_bad_region_code_are_reported_together() {
    let server = TestServer::start().await;
    let status = server
        .admin()
        .admin
        .create_department(department_request("91350100M000100Y4Z", "35010", ""))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["code", "region_code"]);
}

#[tokio::test]
async fn credit_codes_are_checked_as_in_gb_32100() {
    let server = TestServer::start().await;
    let mut admin = server.admin().admin;
    for valid in ["91110000600037341L", "91350100M000100Y43"] {
        admin
            .create_department(department_request(valid, "350100", ""))
            .await
            .unwrap_or_else(|s| panic!("{valid} should be accepted: {s:?}"));
    }
    let status = admin
        .create_department(department_request("91350100M000100Y4Z", "350100", ""))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["code"]);
}

#[tokio::test]
async fn registering_a_department_twice_is_already_exists() {
    let server = TestServer::start().await;
    let mut admin = server.admin().admin;
    admin
        .create_department(department_request("91350100M000100Y43", "350100", ""))
        .await
        .unwrap();
    let status = admin
        .create_department(department_request("91350100M000100Y43", "350100", ""))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists, "{status:?}");
}

#[tokio::test]
async fn unregistered_parent_is_a_violation_on_parent_code() {
    let server = TestServer::start().await;
    let status = server
        .admin()
        .admin
        .create_department(department_request(
            "91350100M000100Y43",
            "350100",
            &valid_credit_code(7),
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["parent_code"]);
}

#[tokio::test]
async fn list_departments_pages_chain_without_gaps_or_duplicates() {
    let server = TestServer::start().await;
    let mut registered = Vec::new();
    for n in 1..=5 {
        registered.push(server.department(n, &format!("部门{n}")).await);
    }
    registered.sort();

    let mut admin = server.admin().admin;
    let mut seen = Vec::new();
    let mut page_sizes = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = admin
            .list_departments(ListDepartmentsRequest {
                page_size: 2,
                page_token: page_token.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        page_sizes.push(page.departments.len());
        seen.extend(page.departments.into_iter().map(|d| d.code));
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
        assert!(page_sizes.len() < 10, "page tokens do not terminate");
    }
    assert_eq!(page_sizes, [2, 2, 1]);
    assert_eq!(
        seen, registered,
        "ordered by credit code, each exactly once"
    );
}

#[tokio::test]
async fn issuing_a_token_requires_a_role() {
    let server = TestServer::start().await;
    let department = server.department(1, "市公安局").await;
    let status = server
        .admin()
        .admin
        .issue_token(token_request(&department, &[]))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["roles"]);
}

#[tokio::test]
async fn administrator_and_auditor_roles_stand_alone() {
    let server = TestServer::start().await;
    let department = server.department(1, "市公安局").await;
    for roles in [
        [Role::Admin, Role::Cataloguer],
        [Role::Auditor, Role::Consumer],
        [Role::Admin, Role::Auditor],
    ] {
        let codes: Vec<i32> = roles.iter().map(|r| *r as i32).collect();
        let status = server
            .admin()
            .admin
            .issue_token(token_request(&department, &codes))
            .await
            .unwrap_err();
        // Bound to a department, a platform role is also refused for that (GB/T 39477).
        assert_eq!(
            violated_fields(&status),
            ["roles", "department_code"],
            "{roles:?}"
        );
    }
}

#[tokio::test]
async fn unknown_role_code_is_a_violation_at_its_index() {
    let server = TestServer::start().await;
    let department = server.department(1, "市公安局").await;
    let status = server
        .admin()
        .admin
        .issue_token(token_request(&department, &[99, Role::Consumer as i32]))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["roles[0]"]);
}

#[tokio::test]
async fn consumer_token_needs_a_department() {
    let server = TestServer::start().await;
    let status = server
        .admin()
        .admin
        .issue_token(token_request("", &[Role::Consumer as i32]))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["department_code"]);
}

#[tokio::test]
async fn token_for_an_unregistered_department_is_refused() {
    let server = TestServer::start().await;
    let status = server
        .admin()
        .admin
        .issue_token(token_request(
            &valid_credit_code(9),
            &[Role::Cataloguer as i32],
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["department_code"]);
}

#[tokio::test]
async fn expiry_in_the_past_is_refused() {
    let server = TestServer::start().await;
    let department = server.department(1, "市公安局").await;
    let status = server
        .admin()
        .admin
        .issue_token(IssueTokenRequest {
            expires_at: Some(timestamp_in(-60)),
            ..token_request(&department, &[Role::Consumer as i32])
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["expires_at"]);
}

#[tokio::test]
async fn issued_token_authenticates_as_its_department_and_roles() {
    let server = TestServer::start().await;
    let department = server.department(1, "市公安局").await;
    let issued = server
        .admin()
        .admin
        .issue_token(token_request(
            &department,
            &[Role::Cataloguer as i32, Role::Approver as i32],
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!issued.token.is_empty());
    let me = server
        .clients(&issued.token)
        .admin
        .who_am_i(WhoAmIRequest {})
        .await
        .unwrap()
        .into_inner();
    let me_department = me.department.expect("a department credential");
    assert_eq!(me_department.code, department);
    assert_eq!(me_department.name, "市公安局");
    assert_eq!(me.roles, [Role::Cataloguer as i32, Role::Approver as i32]);
    assert_eq!(me.token_id, issued.token_id);
    assert_eq!(me.token_name, "业务系统");
}

#[tokio::test]
async fn token_stops_authenticating_at_its_expiry() {
    let server = TestServer::start().await;
    let department = server.department(1, "市公安局").await;
    let issued = server
        .admin()
        .admin
        .issue_token(IssueTokenRequest {
            expires_at: Some(timestamp_in(2)),
            ..token_request(&department, &[Role::Consumer as i32])
        })
        .await
        .unwrap()
        .into_inner();
    let mut client = server.clients(&issued.token).admin;
    // The second call finds the credential held in memory: expiry is still checked.
    client.who_am_i(WhoAmIRequest {}).await.unwrap();
    client.who_am_i(WhoAmIRequest {}).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let status = client.who_am_i(WhoAmIRequest {}).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    crate::common::refusal::assert_reason(&status, "CREDENTIAL_EXPIRED");
}

#[tokio::test]
async fn revoked_token_is_unauthenticated_while_others_still_work() {
    let server = TestServer::start().await;
    let department = server.department(1, "市公安局").await;
    let mut admin = server.admin().admin;
    let revoked = admin
        .issue_token(token_request(&department, &[Role::Consumer as i32]))
        .await
        .unwrap()
        .into_inner();
    let kept = server.token_secret(&department, &[Role::Consumer]).await;
    server
        .clients(&revoked.token)
        .admin
        .who_am_i(WhoAmIRequest {})
        .await
        .unwrap();

    admin
        .revoke_token(RevokeTokenRequest {
            token_id: revoked.token_id.clone(),
        })
        .await
        .unwrap();

    who_am_i_refused(&server.clients(&revoked.token), "CREDENTIAL_REVOKED").await;
    server
        .clients(&kept)
        .admin
        .who_am_i(WhoAmIRequest {})
        .await
        .unwrap();
    server
        .admin()
        .admin
        .who_am_i(WhoAmIRequest {})
        .await
        .unwrap();
}

/// A credential in use is held in memory by the server: its revocation must still refuse the
/// very next call, even while calls of the credential race the revocation.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_credential_in_use_is_refused_on_every_call_after_its_revocation() {
    let server = TestServer::start().await;
    let department = server.department(1, "市公安局").await;
    let issued = server
        .admin()
        .admin
        .issue_token(token_request(&department, &[Role::Consumer as i32]))
        .await
        .unwrap()
        .into_inner();
    let clients = server.clients(&issued.token);
    for _ in 0..3 {
        clients
            .admin
            .clone()
            .who_am_i(WhoAmIRequest {})
            .await
            .unwrap();
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let racing: Vec<_> = (0..4)
        .map(|_| {
            let mut client = clients.admin.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let _ = client.who_am_i(WhoAmIRequest {}).await;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    server
        .admin()
        .admin
        .revoke_token(RevokeTokenRequest {
            token_id: issued.token_id.clone(),
        })
        .await
        .unwrap();
    for _ in 0..20 {
        who_am_i_refused(&clients, "CREDENTIAL_REVOKED").await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in racing {
        task.await.unwrap();
    }
    who_am_i_refused(&clients, "CREDENTIAL_REVOKED").await;
}

/// Unknown secrets are not remembered as unknown: a credential issued after a refused
/// attempt authenticates at once.
#[tokio::test]
async fn a_credential_issued_after_a_refused_attempt_authenticates_at_once() {
    let server = TestServer::start().await;
    let department = server.department(1, "市公安局").await;
    let (unknown, _) = govshare_server::auth::new_token();
    for _ in 0..3 {
        who_am_i_refused(&server.clients(&unknown), "CREDENTIAL_INVALID").await;
    }
    let secret = server.token_secret(&department, &[Role::Consumer]).await;
    let me = server
        .clients(&secret)
        .admin
        .who_am_i(WhoAmIRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(me.department.unwrap().code, department);
}

#[tokio::test]
async fn unknown_token_is_unauthenticated() {
    let server = TestServer::start().await;
    who_am_i_refused(
        &server.clients("gst_this-token-was-never-issued"),
        "CREDENTIAL_INVALID",
    )
    .await;
}

#[tokio::test]
async fn revoking_an_unknown_token_id_is_not_found() {
    let server = TestServer::start().await;
    let status = server
        .admin()
        .admin
        .revoke_token(RevokeTokenRequest {
            token_id: "tok_0000000000000000".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
}

#[tokio::test]
async fn tokens_are_stored_only_as_digests() {
    let server = TestServer::start().await;
    let department = server.department(1, "市公安局").await;
    let token = server.token_secret(&department, &[Role::Cataloguer]).await;
    let digest = govshare_server::auth::token_digest(&token);
    let dir = server.stop().await;

    let files = files_under(dir.path());
    assert!(!files.is_empty());
    let mut digest_found = false;
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        assert!(
            !contains(&bytes, token.as_bytes()),
            "the plain token is stored in {}",
            file.display()
        );
        digest_found |= contains(&bytes, digest.as_bytes());
    }
    assert!(digest_found, "the token's sha256 digest is stored nowhere");
}

#[tokio::test]
async fn admin_token_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;

    let server = TestServer::start().await;
    let metadata = std::fs::metadata(server.dir.path().join("admin.token")).unwrap();
    assert!(metadata.is_file());
    assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
}
