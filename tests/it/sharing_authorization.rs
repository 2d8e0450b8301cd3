//! Who may do what in SharingService, over real gRPC: only a consumer requests, for its own
//! department; only the providing department's approver decides and revokes; only the
//! requesting department's consumer withdraws; a request is read by its two departments, the
//! administrator and the auditor, and does not exist for anyone else; nothing is served
//! without a credential. A denied call
//! changes nothing.

#![allow(clippy::unwrap_used)]

use crate::common::{
    Clients, TestServer, all_grant_ids, all_request_ids, clients_with_authorization,
    create_request, decide_request, get_request, grant_by_id, listed_grants, listed_requests,
    metadata_shared_as, published_entry, request_for, revoke_grant,
};
use govshare_server::proto::{
    DecideRequestRequest, GetRequestRequest, Grant, GrantState, ListGrantsRequest,
    ListRequestsRequest, RequestState, RevokeGrantRequest, Role, ShareType, SharingRequest,
    WithdrawRequestRequest,
};
use tonic::Code;

/// Department A (市公安局) provides, department B (市民政局) requests, department C (市卫健委)
/// stands aside; each has credentials of the roles the tests need, and there is a platform
/// auditor.
struct World {
    server: TestServer,
    a: String,
    b: String,
    a_cataloguer: Clients,
    a_approver: Clients,
    a_consumer: Clients,
    b_cataloguer: Clients,
    b_approver: Clients,
    b_consumer: Clients,
    c_approver: Clients,
    c_consumer: Clients,
    auditor: Clients,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let a = server.department(1, "市公安局").await;
    let b = server.department(2, "市民政局").await;
    let c = server.department(3, "市卫健委").await;
    World {
        a_cataloguer: server.token(&a, &[Role::Cataloguer]).await,
        a_approver: server.token(&a, &[Role::Approver]).await,
        a_consumer: server.token(&a, &[Role::Consumer]).await,
        b_cataloguer: server.token(&b, &[Role::Cataloguer]).await,
        b_approver: server.token(&b, &[Role::Approver]).await,
        b_consumer: server.token(&b, &[Role::Consumer]).await,
        c_approver: server.token(&c, &[Role::Approver]).await,
        c_consumer: server.token(&c, &[Role::Consumer]).await,
        auditor: server.token("", &[Role::Auditor]).await,
        server,
        a,
        b,
    }
}

impl World {
    /// A published entry of A shared as `share_type`.
    async fn entry(&self, share_type: ShareType) -> String {
        published_entry(
            &self.server,
            &self.a_cataloguer,
            metadata_shared_as(&self.a, share_type),
        )
        .await
    }

    /// A pending request by B for a 有条件共享 entry of A.
    async fn pending(&self) -> SharingRequest {
        let code = self.entry(ShareType::Conditional).await;
        create_request(&self.b_consumer, request_for(&code, &[]))
            .await
            .unwrap()
    }

    /// An active grant to B of a 无条件共享 entry of A.
    async fn grant(&self) -> Grant {
        let code = self.entry(ShareType::Unconditional).await;
        let request = create_request(&self.b_consumer, request_for(&code, &[]))
            .await
            .unwrap();
        grant_by_id(&self.server, &request.grant_id).await
    }

    /// The request as the administrator reads it now.
    async fn current(&self, id: &str) -> SharingRequest {
        get_request(&self.server.admin(), id).await.unwrap()
    }
}

/// Asserts PERMISSION_DENIED with a message that names `needed` (a role or a department).
fn assert_denied<T: std::fmt::Debug>(result: Result<T, tonic::Status>, who: &str, needed: &str) {
    let status = result.expect_err(who);
    assert_eq!(status.code(), Code::PermissionDenied, "{who}: {status:?}");
    assert!(
        status.message().contains(needed),
        "{who}: the denial names {needed}: {status:?}"
    );
}

/// Asserts NOT_FOUND: a third department is not told that the request or grant exists.
fn assert_not_found<T: std::fmt::Debug>(result: Result<T, tonic::Status>, who: &str) {
    let status = result.expect_err(who);
    assert_eq!(status.code(), Code::NotFound, "{who}: {status:?}");
}

fn assert_unauthenticated<T: std::fmt::Debug>(result: Result<T, tonic::Status>, what: &str) {
    let status = result.expect_err(what);
    assert_eq!(status.code(), Code::Unauthenticated, "{what}: {status:?}");
}

#[tokio::test]
async fn only_a_consumer_creates_requests() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;
    let admin = w.server.admin();
    for (who, clients) in [
        ("B's APPROVER", &w.b_approver),
        ("B's CATALOGUER", &w.b_cataloguer),
        ("C's APPROVER", &w.c_approver),
        ("ADMIN", &admin),
        ("AUDITOR", &w.auditor),
    ] {
        let result = create_request(clients, request_for(&code, &[])).await;
        assert_denied(result, who, "CONSUMER");
    }
    assert!(all_request_ids(&w.server).await.is_empty());
    assert!(all_grant_ids(&w.server).await.is_empty());
    let request = create_request(&w.b_consumer, request_for(&code, &[]))
        .await
        .unwrap();
    assert_eq!(request.requester_code, w.b);
}

#[tokio::test]
async fn a_credential_with_other_roles_besides_consumer_requests_for_its_department() {
    let w = world().await;
    let code = w.entry(ShareType::Conditional).await;
    let both = w
        .server
        .token(&w.b, &[Role::Approver, Role::Consumer])
        .await;
    let request = create_request(&both, request_for(&code, &[]))
        .await
        .unwrap();
    assert_eq!(request.requester_code, w.b);
    assert_eq!(request.provider_code, w.a);
}

#[tokio::test]
async fn only_the_providers_approver_decides() {
    let w = world().await;
    let pending = w.pending().await;
    let admin = w.server.admin();
    for (who, clients, needed) in [
        ("B's APPROVER", &w.b_approver, w.a.as_str()),
        ("A's CONSUMER", &w.a_consumer, "APPROVER"),
        ("A's CATALOGUER", &w.a_cataloguer, "APPROVER"),
        ("B's CONSUMER", &w.b_consumer, "APPROVER"),
        ("ADMIN", &admin, "APPROVER"),
        ("AUDITOR", &w.auditor, "APPROVER"),
    ] {
        for approve in [true, false] {
            let result = decide_request(clients, &pending.id, approve, "越权答复").await;
            assert_denied(result, who, needed);
        }
    }
    for approve in [true, false] {
        let result = decide_request(&w.c_approver, &pending.id, approve, "越权答复").await;
        assert_not_found(result, "C's APPROVER");
    }
    assert_eq!(w.current(&pending.id).await, pending, "nothing changed");
    assert!(all_grant_ids(&w.server).await.is_empty());
    let approved = decide_request(&w.a_approver, &pending.id, true, "同意")
        .await
        .unwrap();
    assert_eq!(approved.state, RequestState::Approved as i32);
}

#[tokio::test]
async fn only_the_requesters_consumer_withdraws() {
    let w = world().await;
    let pending = w.pending().await;
    let admin = w.server.admin();
    for (who, clients, needed) in [
        ("A's CONSUMER", &w.a_consumer, w.b.as_str()),
        ("A's APPROVER", &w.a_approver, "CONSUMER"),
        ("B's APPROVER", &w.b_approver, "CONSUMER"),
        ("ADMIN", &admin, "CONSUMER"),
        ("AUDITOR", &w.auditor, "CONSUMER"),
    ] {
        let result = clients
            .sharing
            .clone()
            .withdraw_request(WithdrawRequestRequest {
                id: pending.id.clone(),
                reason: "越权撤回".into(),
            })
            .await;
        assert_denied(result, who, needed);
    }
    let result = w
        .c_consumer
        .sharing
        .clone()
        .withdraw_request(WithdrawRequestRequest {
            id: pending.id.clone(),
            reason: "越权撤回".into(),
        })
        .await;
    assert_not_found(result, "C's CONSUMER");
    assert_eq!(w.current(&pending.id).await, pending, "nothing changed");
    let withdrawn = w
        .b_consumer
        .sharing
        .clone()
        .withdraw_request(WithdrawRequestRequest {
            id: pending.id.clone(),
            reason: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(withdrawn.state, RequestState::Withdrawn as i32);
}

#[tokio::test]
async fn only_the_providers_approver_revokes_grants() {
    let w = world().await;
    let grant = w.grant().await;
    let admin = w.server.admin();
    for (who, clients, needed) in [
        ("B's APPROVER", &w.b_approver, w.a.as_str()),
        ("B's CONSUMER", &w.b_consumer, "APPROVER"),
        ("A's CONSUMER", &w.a_consumer, "APPROVER"),
        ("A's CATALOGUER", &w.a_cataloguer, "APPROVER"),
        ("ADMIN", &admin, "APPROVER"),
        ("AUDITOR", &w.auditor, "APPROVER"),
    ] {
        let result = revoke_grant(clients, &grant.id, "越权撤销").await;
        assert_denied(result, who, needed);
    }
    let result = revoke_grant(&w.c_approver, &grant.id, "越权撤销").await;
    assert_not_found(result, "C's APPROVER");
    assert_eq!(
        grant_by_id(&w.server, &grant.id).await,
        grant,
        "nothing changed"
    );
    let revoked = revoke_grant(&w.a_approver, &grant.id, "停止共享")
        .await
        .unwrap();
    assert_eq!(revoked.state, GrantState::Revoked as i32);
}

#[tokio::test]
async fn third_department_cannot_read_a_request() {
    let w = world().await;
    let pending = w.pending().await;
    for (who, clients) in [
        ("C's CONSUMER", &w.c_consumer),
        ("C's APPROVER", &w.c_approver),
    ] {
        assert_not_found(get_request(clients, &pending.id).await, who);
    }
}

#[tokio::test]
async fn both_departments_the_administrator_and_the_auditor_read_a_request() {
    let w = world().await;
    let pending = w.pending().await;
    let admin = w.server.admin();
    for (who, clients) in [
        ("A's APPROVER", &w.a_approver),
        ("A's CATALOGUER", &w.a_cataloguer),
        ("B's CONSUMER", &w.b_consumer),
        ("B's CATALOGUER", &w.b_cataloguer),
        ("ADMIN", &admin),
        ("AUDITOR", &w.auditor),
    ] {
        let read = get_request(clients, &pending.id).await;
        assert_eq!(read.as_ref().ok(), Some(&pending), "{who}: {read:?}");
    }
}

#[tokio::test]
async fn auditor_lists_every_request_and_grant() {
    let w = world().await;
    let pending = w.pending().await;
    let grant = w.grant().await;
    let requests = listed_requests(&w.auditor, ListRequestsRequest::default()).await;
    let ids: Vec<&str> = requests.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [pending.id.as_str(), grant.request_id.as_str()]);
    let grants = listed_grants(&w.auditor, ListGrantsRequest::default()).await;
    assert_eq!(grants, [grant]);
}

#[tokio::test]
async fn every_sharing_method_needs_a_credential() {
    let w = world().await;
    let pending = w.pending().await;
    let grant = w.grant().await;
    let before = w.current(&pending.id).await;
    for (name, clients) in [
        ("no credential", w.server.anonymous()),
        (
            "a garbage credential",
            clients_with_authorization(&w.server, "Bearer not-a-token"),
        ),
    ] {
        let mut sharing = clients.sharing.clone();
        assert_unauthenticated(
            sharing
                .create_request(request_for(&pending.entry_code, &[]))
                .await,
            &format!("CreateRequest with {name}"),
        );
        assert_unauthenticated(
            sharing
                .get_request(GetRequestRequest {
                    id: pending.id.clone(),
                })
                .await,
            &format!("GetRequest with {name}"),
        );
        assert_unauthenticated(
            sharing.list_requests(ListRequestsRequest::default()).await,
            &format!("ListRequests with {name}"),
        );
        assert_unauthenticated(
            sharing
                .decide_request(DecideRequestRequest {
                    id: pending.id.clone(),
                    approve: true,
                    ..Default::default()
                })
                .await,
            &format!("DecideRequest with {name}"),
        );
        assert_unauthenticated(
            sharing
                .withdraw_request(WithdrawRequestRequest {
                    id: pending.id.clone(),
                    reason: String::new(),
                })
                .await,
            &format!("WithdrawRequest with {name}"),
        );
        assert_unauthenticated(
            sharing.list_grants(ListGrantsRequest::default()).await,
            &format!("ListGrants with {name}"),
        );
        assert_unauthenticated(
            sharing
                .revoke_grant(RevokeGrantRequest {
                    grant_id: grant.id.clone(),
                    reason: "匿名撤销".into(),
                })
                .await,
            &format!("RevokeGrant with {name}"),
        );
    }
    assert_eq!(w.current(&pending.id).await, before, "nothing changed");
    assert_eq!(grant_by_id(&w.server, &grant.id).await, grant);
    assert_eq!(all_request_ids(&w.server).await.len(), 2);
}
