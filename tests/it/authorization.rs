//! Who may do what, over real gRPC: administrative methods are the administrator's, entries are
//! written only by their own department's cataloguer, history is the provider's and the
//! administrator's, and nothing is served without a valid credential. A denied call changes
//! nothing.

#![allow(clippy::unwrap_used)]

mod catalogue_readers;
mod disclosure;
mod log_injection;
mod platform_roles;

use crate::common::{
    Clients, TestServer, clients_with_authorization, publish_entry, register_entry, sample_metadata,
};
use govshare_model::testing::valid_credit_code;
use govshare_server::proto::{
    CatalogEntry, CreateDepartmentRequest, DiffVersionsRequest, GetEntryRequest, IssueTokenRequest,
    ListDepartmentsRequest, ListEntriesRequest, ListVersionsRequest, RegisterEntryRequest,
    RequestRevocationRequest, ReviewEntryRequest, RevokeTokenRequest, Role, SubmitEntryRequest,
    UpdateEntryRequest, WhoAmIRequest,
};
use tonic::Code;

/// Department A (市公安局) with a cataloguer and an entry of its own, and department B
/// (市民政局) with a cataloguer.
struct World {
    server: TestServer,
    a: String,
    a_cataloguer: Clients,
    b: String,
    b_cataloguer: Clients,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let a = server.department(1, "市公安局").await;
    let a_cataloguer = server.token(&a, &[Role::Cataloguer]).await;
    let b = server.department(2, "市民政局").await;
    let b_cataloguer = server.token(&b, &[Role::Cataloguer]).await;
    World {
        server,
        a,
        a_cataloguer,
        b,
        b_cataloguer,
    }
}

impl World {
    /// Credentials of every role but ADMIN: department B's cataloguer, approver and consumer,
    /// and a platform auditor.
    async fn non_admins(&self) -> Vec<(Role, Clients)> {
        let mut out = Vec::new();
        for role in [Role::Cataloguer, Role::Approver, Role::Consumer] {
            out.push((role, self.server.token(&self.b, &[role]).await));
        }
        out.push((Role::Auditor, self.server.token("", &[Role::Auditor]).await));
        out
    }

    async fn a_entry(&self) -> CatalogEntry {
        register_entry(&self.a_cataloguer, sample_metadata(&self.a)).await
    }

    /// An entry of A in the published catalogue: other departments see it, so they are told
    /// they may not change it (another department's draft does not exist for them).
    async fn a_published_entry(&self) -> CatalogEntry {
        let entry = self.a_entry().await;
        publish_entry(&self.server, &self.a_cataloguer, &entry.code).await
    }

    async fn head_of(&self, code: &str) -> CatalogEntry {
        self.a_cataloguer
            .catalog
            .clone()
            .get_entry(GetEntryRequest {
                code: code.into(),
                version: 0,
            })
            .await
            .unwrap()
            .into_inner()
    }
}

fn assert_denied<T: std::fmt::Debug>(result: Result<T, tonic::Status>, what: &str) {
    let status = result.expect_err(what);
    assert_eq!(status.code(), Code::PermissionDenied, "{what}: {status:?}");
}

fn assert_unauthenticated<T: std::fmt::Debug>(result: Result<T, tonic::Status>, what: &str) {
    let status = result.expect_err(what);
    assert_eq!(status.code(), Code::Unauthenticated, "{what}: {status:?}");
}

#[tokio::test]
async fn only_the_administrator_creates_departments() {
    let w = world().await;
    for (role, clients) in w.non_admins().await {
        let result = clients
            .admin
            .clone()
            .create_department(CreateDepartmentRequest {
                code: valid_credit_code(40),
                name: "市卫健委".into(),
                region_code: "110000".into(),
                parent_code: String::new(),
            })
            .await;
        assert_denied(result, role.as_str_name());
    }
    let departments = w
        .server
        .admin()
        .admin
        .list_departments(ListDepartmentsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .departments;
    assert_eq!(departments.len(), 2, "no department was created");
}

#[tokio::test]
async fn only_the_administrator_issues_tokens() {
    let w = world().await;
    for (role, clients) in w.non_admins().await {
        let result = clients
            .admin
            .clone()
            .issue_token(IssueTokenRequest {
                department_code: w.b.clone(),
                roles: vec![Role::Cataloguer as i32],
                name: "自己签发".into(),
                expires_at: None,
            })
            .await;
        assert_denied(result, role.as_str_name());
    }
}

#[tokio::test]
async fn only_the_administrator_revokes_tokens() {
    let w = world().await;
    let victim = w
        .server
        .admin()
        .admin
        .issue_token(IssueTokenRequest {
            department_code: w.a.clone(),
            roles: vec![Role::Consumer as i32],
            name: "受害者".into(),
            expires_at: None,
        })
        .await
        .unwrap()
        .into_inner();
    for (role, clients) in w.non_admins().await {
        let result = clients
            .admin
            .clone()
            .revoke_token(RevokeTokenRequest {
                token_id: victim.token_id.clone(),
            })
            .await;
        assert_denied(result, role.as_str_name());
    }
    w.server
        .clients(&victim.token)
        .admin
        .who_am_i(WhoAmIRequest {})
        .await
        .expect("the token still authenticates");
}

#[tokio::test]
async fn only_the_administrator_reviews_entries() {
    let w = world().await;
    let entry = w.a_entry().await;
    w.a_cataloguer
        .catalog
        .clone()
        .submit_entry(SubmitEntryRequest {
            code: entry.code.clone(),
            expected_version: 1,
        })
        .await
        .unwrap();
    let mut reviewers = w.non_admins().await;
    // The provider's own staff may not publish their entry either.
    reviewers.push((
        Role::Approver,
        w.server
            .token(&w.a, &[Role::Cataloguer, Role::Approver])
            .await,
    ));
    for (role, clients) in reviewers {
        let result = clients
            .catalog
            .clone()
            .review_entry(ReviewEntryRequest {
                code: entry.code.clone(),
                version: 1,
                approve: true,
                comment: String::new(),
            })
            .await;
        assert_denied(result, role.as_str_name());
    }
    let current = w.head_of(&entry.code).await;
    assert_eq!(current.published_version, 0, "nothing was published");
}

#[tokio::test]
async fn consumers_and_approvers_cannot_register_entries() {
    let w = world().await;
    for role in [Role::Consumer, Role::Approver] {
        let clients = w.server.token(&w.a, &[role]).await;
        let result = clients
            .catalog
            .clone()
            .register_entry(RegisterEntryRequest {
                metadata: Some(sample_metadata(&w.a)),
                note: String::new(),
                validate_only: false,
            })
            .await;
        assert_denied(result, role.as_str_name());
    }
    let listed = w
        .server
        .admin()
        .catalog
        .list_entries(ListEntriesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .entries;
    assert!(listed.is_empty(), "{listed:?}");
}

#[tokio::test]
async fn cataloguer_cannot_register_for_another_department() {
    let w = world().await;
    let result = w
        .b_cataloguer
        .catalog
        .clone()
        .register_entry(RegisterEntryRequest {
            metadata: Some(sample_metadata(&w.a)),
            note: String::new(),
            validate_only: false,
        })
        .await;
    assert_denied(result, "B registering as A");
}

#[tokio::test]
async fn cataloguer_cannot_update_another_departments_entry() {
    let w = world().await;
    let entry = w.a_published_entry().await;
    let result = w
        .b_cataloguer
        .catalog
        .clone()
        .update_entry(UpdateEntryRequest {
            code: entry.code.clone(),
            expected_version: 1,
            metadata: Some(sample_metadata(&w.a)),
            note: String::new(),
        })
        .await;
    assert_denied(result, "B updating A's entry");
}

#[tokio::test]
async fn cataloguer_cannot_submit_another_departments_entry() {
    let w = world().await;
    let entry = w.a_published_entry().await;
    let result = w
        .b_cataloguer
        .catalog
        .clone()
        .submit_entry(SubmitEntryRequest {
            code: entry.code.clone(),
            expected_version: 1,
        })
        .await;
    assert_denied(result, "B submitting A's entry");
    assert_eq!(
        w.head_of(&entry.code).await.state,
        govshare_server::proto::EntryState::Published as i32
    );
}

#[tokio::test]
async fn cataloguer_cannot_request_revocation_of_another_departments_entry() {
    let w = world().await;
    let entry = w.a_entry().await;
    publish_entry(&w.server, &w.a_cataloguer, &entry.code).await;
    let result = w
        .b_cataloguer
        .catalog
        .clone()
        .request_revocation(RequestRevocationRequest {
            code: entry.code.clone(),
            reason: "不需要了".into(),
        })
        .await;
    assert_denied(result, "B revoking A's entry");
    assert_eq!(
        w.head_of(&entry.code).await.state,
        govshare_server::proto::EntryState::Published as i32
    );
}

#[tokio::test]
async fn administrator_without_a_department_cannot_register_entries() {
    let w = world().await;
    let result = w
        .server
        .admin()
        .catalog
        .register_entry(RegisterEntryRequest {
            metadata: Some(sample_metadata(&w.a)),
            note: String::new(),
            validate_only: false,
        })
        .await;
    assert_denied(result, "ADMIN registering");
}

#[tokio::test]
async fn version_history_is_denied_to_other_departments() {
    let w = world().await;
    let entry = w.a_entry().await;
    publish_entry(&w.server, &w.a_cataloguer, &entry.code).await;
    let b_consumer = w.server.token(&w.b, &[Role::Consumer]).await;
    for clients in [&w.b_cataloguer, &b_consumer] {
        let result = clients
            .catalog
            .clone()
            .list_versions(ListVersionsRequest {
                code: entry.code.clone(),
                ..Default::default()
            })
            .await;
        assert_denied(result, "ListVersions by B");
        let result = clients
            .catalog
            .clone()
            .diff_versions(DiffVersionsRequest {
                code: entry.code.clone(),
                from_version: 1,
                to_version: 1,
            })
            .await;
        assert_denied(result, "DiffVersions by B");
    }
}

#[tokio::test]
async fn another_departments_unpublished_history_is_not_found() {
    let w = world().await;
    let entry = w.a_entry().await;
    let status = w
        .b_cataloguer
        .catalog
        .clone()
        .list_versions(ListVersionsRequest {
            code: entry.code.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
    let status = w
        .b_cataloguer
        .catalog
        .clone()
        .diff_versions(DiffVersionsRequest {
            code: entry.code.clone(),
            from_version: 1,
            to_version: 1,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
}

#[tokio::test]
async fn version_history_is_open_to_the_administrator() {
    let w = world().await;
    let entry = w.a_entry().await;
    let mut admin = w.server.admin().catalog;
    let versions = admin
        .list_versions(ListVersionsRequest {
            code: entry.code.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .versions;
    assert_eq!(versions.len(), 1);
    admin
        .diff_versions(DiffVersionsRequest {
            code: entry.code.clone(),
            from_version: 1,
            to_version: 1,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn every_admin_method_needs_a_credential() {
    let w = world().await;
    let mut admin = w.server.anonymous().admin;
    assert_unauthenticated(
        admin
            .create_department(CreateDepartmentRequest {
                code: valid_credit_code(40),
                name: "市卫健委".into(),
                region_code: "110000".into(),
                parent_code: String::new(),
            })
            .await,
        "CreateDepartment",
    );
    assert_unauthenticated(
        admin
            .list_departments(ListDepartmentsRequest::default())
            .await,
        "ListDepartments",
    );
    assert_unauthenticated(
        admin
            .issue_token(IssueTokenRequest {
                department_code: w.a.clone(),
                roles: vec![Role::Consumer as i32],
                name: "匿名".into(),
                expires_at: None,
            })
            .await,
        "IssueToken",
    );
    assert_unauthenticated(
        admin
            .revoke_token(RevokeTokenRequest {
                token_id: "tok_0000000000000000".into(),
            })
            .await,
        "RevokeToken",
    );
    assert_unauthenticated(admin.who_am_i(WhoAmIRequest {}).await, "WhoAmI");
}

#[tokio::test]
async fn every_catalog_method_needs_a_credential() {
    let w = world().await;
    let entry = w.a_entry().await;
    let code = entry.code.clone();
    let mut catalog = w.server.anonymous().catalog;
    assert_unauthenticated(
        catalog
            .register_entry(RegisterEntryRequest {
                metadata: Some(sample_metadata(&w.a)),
                note: String::new(),
                validate_only: false,
            })
            .await,
        "RegisterEntry",
    );
    assert_unauthenticated(
        catalog
            .update_entry(UpdateEntryRequest {
                code: code.clone(),
                expected_version: 1,
                metadata: Some(sample_metadata(&w.a)),
                note: String::new(),
            })
            .await,
        "UpdateEntry",
    );
    assert_unauthenticated(
        catalog
            .get_entry(GetEntryRequest {
                code: code.clone(),
                version: 0,
            })
            .await,
        "GetEntry",
    );
    assert_unauthenticated(
        catalog.list_entries(ListEntriesRequest::default()).await,
        "ListEntries",
    );
    assert_unauthenticated(
        catalog
            .list_versions(ListVersionsRequest {
                code: code.clone(),
                ..Default::default()
            })
            .await,
        "ListVersions",
    );
    assert_unauthenticated(
        catalog
            .diff_versions(DiffVersionsRequest {
                code: code.clone(),
                from_version: 1,
                to_version: 1,
            })
            .await,
        "DiffVersions",
    );
    assert_unauthenticated(
        catalog
            .submit_entry(SubmitEntryRequest {
                code: code.clone(),
                expected_version: 1,
            })
            .await,
        "SubmitEntry",
    );
    assert_unauthenticated(
        catalog
            .request_revocation(RequestRevocationRequest {
                code: code.clone(),
                reason: "匿名".into(),
            })
            .await,
        "RequestRevocation",
    );
    assert_unauthenticated(
        catalog
            .review_entry(ReviewEntryRequest {
                code: code.clone(),
                version: 1,
                approve: true,
                comment: String::new(),
            })
            .await,
        "ReviewEntry",
    );
    assert_eq!(w.head_of(&code).await.head_version, 1);
}

#[tokio::test]
async fn garbage_bearer_value_is_unauthenticated() {
    let w = world().await;
    for value in ["Bearer ", "Bearer not-a-token", "Bearer gst_!!!", "Bearer"] {
        let clients = clients_with_authorization(&w.server, value);
        assert_unauthenticated(
            clients.admin.clone().who_am_i(WhoAmIRequest {}).await,
            value,
        );
        assert_unauthenticated(
            clients
                .catalog
                .clone()
                .list_entries(ListEntriesRequest::default())
                .await,
            value,
        );
    }
}

#[tokio::test]
async fn valid_token_under_another_scheme_is_unauthenticated() {
    let w = world().await;
    let clients = clients_with_authorization(&w.server, &format!("Basic {}", w.server.admin_token));
    assert_unauthenticated(
        clients.admin.clone().who_am_i(WhoAmIRequest {}).await,
        "Basic scheme",
    );
}

#[tokio::test]
async fn denied_update_changes_nothing() {
    let w = world().await;
    let entry = w.a_published_entry().await;
    let mut hijacked = sample_metadata(&w.a);
    hijacked.name = "被篡改的名称".into();
    let result = w
        .b_cataloguer
        .catalog
        .clone()
        .update_entry(UpdateEntryRequest {
            code: entry.code.clone(),
            expected_version: 1,
            metadata: Some(hijacked),
            note: String::new(),
        })
        .await;
    assert_denied(result, "B updating A's entry");

    let current = w.head_of(&entry.code).await;
    assert_eq!(current.head_version, 1);
    assert_eq!(current.metadata.unwrap().name, "人口基础信息");
    let versions = w
        .a_cataloguer
        .catalog
        .clone()
        .list_versions(ListVersionsRequest {
            code: entry.code.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .versions;
    assert_eq!(versions.len(), 1);
}
