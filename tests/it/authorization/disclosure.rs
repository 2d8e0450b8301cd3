//! Refusals tell nothing about what the caller may not see: a request or grant between two
//! other departments, and another department's draft, are NOT_FOUND exactly as a number or
//! code that does not exist — same code, same message, same details — and no refusal names
//! the departments involved.

use govshare_server::proto::{
    DiffVersionsRequest, ListVersionsRequest, RequestRevocationRequest, Role, ShareType,
    SubmitEntryRequest, UpdateEntryRequest, WithdrawRequestRequest,
};
use tonic::{Code, Status};

use crate::common::{
    Clients, TestServer, create_request, decide_request, fetch_refused, get_entry, get_request,
    list_snapshots, metadata_shared_as, publish_data, published_entry, register_entry, request_for,
    revoke_grant, sample_metadata,
};

/// Department A provides, B requests, C stands aside.
struct Parties {
    server: TestServer,
    a: String,
    b: String,
    a_cataloguer: Clients,
    b_cataloguer: Clients,
    b_approver: Clients,
    b_consumer: Clients,
    c_approver: Clients,
    c_consumer: Clients,
}

async fn parties() -> Parties {
    let server = TestServer::start().await;
    let a = server.department(1, "市公安局").await;
    let b = server.department(2, "市民政局").await;
    let c = server.department(3, "市卫健委").await;
    Parties {
        a_cataloguer: server.token(&a, &[Role::Cataloguer]).await,
        b_cataloguer: server.token(&b, &[Role::Cataloguer]).await,
        b_approver: server.token(&b, &[Role::Approver]).await,
        b_consumer: server.token(&b, &[Role::Consumer]).await,
        c_approver: server.token(&c, &[Role::Approver]).await,
        c_consumer: server.token(&c, &[Role::Consumer]).await,
        server,
        a,
        b,
    }
}

/// What a refusal tells the caller: its code, its message and its details (the ErrorInfo,
/// the LocalizedMessages, the ResourceInfo) with the caller's own `input` (the number or code
/// asked for) masked. The inputs compared are of one length, so the details' encoding is
/// unchanged by the mask.
fn told(status: &Status, input: &str) -> (Code, String, Vec<u8>) {
    let mask = "#".repeat(input.len());
    let details = status.details().to_vec();
    let mut masked = Vec::with_capacity(details.len());
    let mut rest = details.as_slice();
    while !rest.is_empty() {
        if rest.starts_with(input.as_bytes()) {
            masked.extend_from_slice(mask.as_bytes());
            rest = &rest[input.len()..];
        } else {
            masked.push(rest[0]);
            rest = &rest[1..];
        }
    }
    (
        status.code(),
        status.message().replace(input, "<input>"),
        masked,
    )
}

impl Parties {
    /// Asserts that `hidden` (about `existing`) and `missing` (about `absent`) tell the same,
    /// NOT_FOUND, and that neither names department A or B.
    fn assert_alike(
        &self,
        what: &str,
        (hidden, existing): (Status, &str),
        (missing, absent): (Status, &str),
    ) {
        assert_eq!(hidden.code(), Code::NotFound, "{what}: {hidden:?}");
        assert_eq!(
            told(&hidden, existing),
            told(&missing, absent),
            "{what}: an existing one it may not see must answer like a missing one\n\
             hidden:  {hidden:?}\nmissing: {missing:?}"
        );
        for department in [&self.a, &self.b] {
            assert!(
                !hidden.message().contains(department.as_str()),
                "{what}: the refusal names department {department}: {hidden:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_request_between_other_departments_is_not_found_like_a_missing_one() {
    let w = parties().await;
    let code = published_entry(
        &w.server,
        &w.a_cataloguer,
        metadata_shared_as(&w.a, ShareType::Conditional),
    )
    .await;
    let pending = create_request(&w.b_consumer, request_for(&code, &[]))
        .await
        .unwrap();
    let (id, absent) = (pending.id.as_str(), "REQ-999999");

    let read = |clients: &Clients, id: &str| {
        let (clients, id) = (clients.clone(), id.to_owned());
        async move { get_request(&clients, &id).await.unwrap_err() }
    };
    w.assert_alike(
        "GetRequest by C's consumer",
        (read(&w.c_consumer, id).await, id),
        (read(&w.c_consumer, absent).await, absent),
    );
    for (who, clients) in [
        ("C's approver", &w.c_approver),
        ("C's consumer", &w.c_consumer),
    ] {
        let hidden = decide_request(clients, id, true, "越权答复")
            .await
            .unwrap_err();
        let missing = decide_request(clients, absent, true, "越权答复")
            .await
            .unwrap_err();
        w.assert_alike(
            &format!("DecideRequest by {who}"),
            (hidden, id),
            (missing, absent),
        );
    }
    let withdraw = |id: &str| {
        let (mut sharing, id) = (w.c_consumer.sharing.clone(), id.to_owned());
        async move {
            sharing
                .withdraw_request(WithdrawRequestRequest {
                    id,
                    reason: "越权撤回".into(),
                })
                .await
                .unwrap_err()
        }
    };
    w.assert_alike(
        "WithdrawRequest by C's consumer",
        (withdraw(id).await, id),
        (withdraw(absent).await, absent),
    );
    let current = get_request(&w.b_consumer, id).await.unwrap();
    assert_eq!(current, pending, "nothing changed");
}

#[tokio::test]
async fn a_grant_between_other_departments_is_not_found_like_a_missing_one() {
    let w = parties().await;
    let code = published_entry(
        &w.server,
        &w.a_cataloguer,
        metadata_shared_as(&w.a, ShareType::Unconditional),
    )
    .await;
    let request = create_request(&w.b_consumer, request_for(&code, &[]))
        .await
        .unwrap();
    let (id, absent) = (request.grant_id.as_str(), "GRT-999999");
    assert!(
        !id.is_empty(),
        "an unconditional request is granted at once"
    );
    for (who, clients) in [
        ("C's approver", &w.c_approver),
        ("C's consumer", &w.c_consumer),
    ] {
        let hidden = revoke_grant(clients, id, "越权撤销").await.unwrap_err();
        let missing = revoke_grant(clients, absent, "越权撤销").await.unwrap_err();
        w.assert_alike(
            &format!("RevokeGrant by {who}"),
            (hidden, id),
            (missing, absent),
        );
    }
}

#[tokio::test]
async fn another_departments_draft_is_not_found_like_a_missing_entry() {
    let w = parties().await;
    let draft = register_entry(&w.a_cataloguer, sample_metadata(&w.a)).await;
    let code = draft.code.as_str();
    let (classification, _) = code.split_once('/').unwrap();
    let absent = format!("{classification}/999999");
    let absent = absent.as_str();

    for (who, clients) in [
        ("B's consumer", &w.b_consumer),
        ("B's cataloguer", &w.b_cataloguer),
    ] {
        for version in [0, 1] {
            let hidden = get_entry(clients, code, version).await.unwrap_err();
            let missing = get_entry(clients, absent, version).await.unwrap_err();
            w.assert_alike(
                &format!("GetEntry version {version} by {who}"),
                (hidden, code),
                (missing, absent),
            );
        }
        let versions = |code: &str| {
            let (mut catalog, code) = (clients.catalog.clone(), code.to_owned());
            async move {
                catalog
                    .list_versions(ListVersionsRequest {
                        code,
                        ..Default::default()
                    })
                    .await
                    .unwrap_err()
            }
        };
        w.assert_alike(
            &format!("ListVersions by {who}"),
            (versions(code).await, code),
            (versions(absent).await, absent),
        );
        let diff = |code: &str| {
            let (mut catalog, code) = (clients.catalog.clone(), code.to_owned());
            async move {
                catalog
                    .diff_versions(DiffVersionsRequest {
                        code,
                        from_version: 1,
                        to_version: 1,
                    })
                    .await
                    .unwrap_err()
            }
        };
        w.assert_alike(
            &format!("DiffVersions by {who}"),
            (diff(code).await, code),
            (diff(absent).await, absent),
        );
    }

    for (who, clients) in [
        ("B's cataloguer", &w.b_cataloguer),
        ("B's consumer", &w.b_consumer),
    ] {
        let update = |code: &str| {
            let (mut catalog, code) = (clients.catalog.clone(), code.to_owned());
            let metadata = sample_metadata(&w.a);
            async move {
                catalog
                    .update_entry(UpdateEntryRequest {
                        code,
                        expected_version: 1,
                        metadata: Some(metadata),
                        note: String::new(),
                    })
                    .await
                    .unwrap_err()
            }
        };
        w.assert_alike(
            &format!("UpdateEntry by {who}"),
            (update(code).await, code),
            (update(absent).await, absent),
        );
        let submit = |code: &str| {
            let (mut catalog, code) = (clients.catalog.clone(), code.to_owned());
            async move {
                catalog
                    .submit_entry(SubmitEntryRequest {
                        code,
                        expected_version: 1,
                    })
                    .await
                    .unwrap_err()
            }
        };
        w.assert_alike(
            &format!("SubmitEntry by {who}"),
            (submit(code).await, code),
            (submit(absent).await, absent),
        );
        let revocation = |code: &str| {
            let (mut catalog, code) = (clients.catalog.clone(), code.to_owned());
            async move {
                catalog
                    .request_revocation(RequestRevocationRequest {
                        code,
                        reason: "不需要了".into(),
                    })
                    .await
                    .unwrap_err()
            }
        };
        w.assert_alike(
            &format!("RequestRevocation by {who}"),
            (revocation(code).await, code),
            (revocation(absent).await, absent),
        );
    }

    let hidden = create_request(&w.b_consumer, request_for(code, &[]))
        .await
        .unwrap_err();
    let missing = create_request(&w.b_consumer, request_for(absent, &[]))
        .await
        .unwrap_err();
    w.assert_alike(
        "CreateRequest by B's consumer",
        (hidden, code),
        (missing, absent),
    );

    for (who, clients) in [
        ("B's consumer", &w.b_consumer),
        ("B's approver", &w.b_approver),
    ] {
        w.assert_alike(
            &format!("FetchData by {who}"),
            (fetch_refused(clients, code).await, code),
            (fetch_refused(clients, absent).await, absent),
        );
        let hidden = list_snapshots(clients, code, 0, "").await.unwrap_err();
        let missing = list_snapshots(clients, absent, 0, "").await.unwrap_err();
        w.assert_alike(
            &format!("ListSnapshots by {who}"),
            (hidden, code),
            (missing, absent),
        );
    }

    for (who, clients) in [
        ("B's cataloguer", &w.b_cataloguer),
        ("B's consumer", &w.b_consumer),
    ] {
        let csv = "姓名,公民身份号码,出生日期\n".as_bytes();
        let hidden = publish_data(clients, code, "text/csv", csv)
            .await
            .unwrap_err();
        let missing = publish_data(clients, absent, "text/csv", csv)
            .await
            .unwrap_err();
        w.assert_alike(
            &format!("PublishData by {who}"),
            (hidden, code),
            (missing, absent),
        );
    }

    let unchanged = get_entry(&w.a_cataloguer, code, 0).await.unwrap();
    assert_eq!(
        (unchanged.state, unchanged.head_version),
        (draft.state, draft.head_version),
        "nothing changed"
    );
}
