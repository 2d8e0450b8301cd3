//! ADMIN and AUDITOR are platform credentials (GB/T 39477 三员分立): none is issued bound to a
//! department, by the API or the command line, and one stored bound to a department by an
//! older server authenticates nothing.

use chrono::Utc;
use govshare_server::proto::{
    EntryState, IssueTokenRequest, ReviewEntryRequest, Role, SubmitEntryRequest,
};
use govshare_store::TokenRecord;
use govshare_store::sled::{SledOptions, SledStore};
use tonic::Code;

use crate::common::cli::govshare_with;
use crate::common::{TestServer, get_entry, register_entry, sample_metadata, violated_fields};

#[tokio::test]
async fn issue_token_refuses_admin_and_auditor_bound_to_a_department() {
    let server = TestServer::start().await;
    let a = server.department(1, "市公安局").await;
    for role in [Role::Admin, Role::Auditor] {
        let status = server
            .admin()
            .admin
            .issue_token(IssueTokenRequest {
                department_code: a.clone(),
                roles: vec![role as i32],
                name: "部门管理员".into(),
                expires_at: None,
            })
            .await
            .unwrap_err();
        assert_eq!(
            violated_fields(&status),
            ["department_code"],
            "{role:?}: {status:?}"
        );
        assert!(
            status.message().contains("department_code"),
            "{role:?}: the refusal names the field: {status:?}"
        );
    }
}

#[tokio::test]
async fn token_issue_on_the_command_line_refuses_an_admin_of_a_department() {
    let server = TestServer::start().await;
    let a = server.department(1, "市公安局").await;
    let outcome = govshare_with(
        &server,
        &server.admin_token,
        &[
            "token",
            "issue",
            "--dept",
            &a,
            "--role",
            "ADMIN",
            "--name",
            "部门管理员",
        ],
    )
    .await;
    assert_ne!(outcome.code, 0, "{outcome:#?}");
    assert!(
        outcome.stderr.contains("department_code") && outcome.stderr.contains("ADMIN"),
        "the command says which field and why: {outcome:#?}"
    );
    assert!(!outcome.stdout.contains("gst_"), "no token: {outcome:#?}");
}

/// A credential an older server issued: ADMIN or AUDITOR bound to department `department`,
/// written straight into the stopped server's store; returns its secret.
async fn stored_department_credential(
    dir: &std::path::Path,
    department: &str,
    role: govshare_model::Role,
) -> String {
    let store = SledStore::open(dir, &SledOptions::default()).unwrap();
    let (secret, id) = govshare_server::auth::new_token();
    let record = TokenRecord {
        id,
        digest: govshare_server::auth::token_digest(&secret),
        department: Some(department.parse().unwrap()),
        roles: vec![role],
        name: "issued before the upgrade".into(),
        created_at: Utc::now(),
        expires_at: None,
        revoked_at: None,
    };
    govshare_store::IdentityStore::insert_token(&store, record)
        .await
        .unwrap();
    secret
}

#[tokio::test]
async fn a_stored_admin_or_auditor_credential_of_a_department_authenticates_nothing() {
    let server = TestServer::start().await;
    let a = server.department(1, "市公安局").await;
    let cataloguer = server.token(&a, &[Role::Cataloguer]).await;
    let entry = register_entry(&cataloguer, sample_metadata(&a)).await;
    cataloguer
        .catalog
        .clone()
        .submit_entry(SubmitEntryRequest {
            code: entry.code.clone(),
            expected_version: 1,
        })
        .await
        .unwrap();
    let dir = server.stop().await;
    let admin_of_a =
        stored_department_credential(dir.path(), &a, govshare_model::Role::Admin).await;
    let auditor_of_a =
        stored_department_credential(dir.path(), &a, govshare_model::Role::Auditor).await;
    let server = TestServer::start_in(dir).await;

    for secret in [&admin_of_a, &auditor_of_a] {
        let clients = server.clients(secret);
        let status =
            crate::common::refusal::who_am_i_refused(&clients, "CREDENTIAL_ROLE_MISBOUND").await;
        assert!(
            status.message().contains("GB/T 39477"),
            "the refusal says why: {status:?}"
        );
    }
    let own_approval = server
        .clients(&admin_of_a)
        .catalog
        .review_entry(ReviewEntryRequest {
            code: entry.code.clone(),
            version: 1,
            approve: true,
            comment: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        own_approval.code(),
        Code::Unauthenticated,
        "{own_approval:?}"
    );
    let minted = server
        .clients(&admin_of_a)
        .admin
        .issue_token(IssueTokenRequest {
            department_code: String::new(),
            roles: vec![Role::Admin as i32],
            name: "平台管理员".into(),
            expires_at: None,
        })
        .await
        .unwrap_err();
    assert_eq!(minted.code(), Code::Unauthenticated, "{minted:?}");
    let current = get_entry(&cataloguer_of(&server, &a).await, &entry.code, 0)
        .await
        .unwrap();
    assert_eq!(current.state, EntryState::PendingPublish as i32);
}

async fn cataloguer_of(server: &TestServer, department: &str) -> crate::common::Clients {
    server.token(department, &[Role::Cataloguer]).await
}
