//! Who may do what in ExchangeService, over real gRPC: only the providing department's
//! cataloguer publishes; the provider's cataloguer and consumer fetch everything, a consumer
//! of another department only under an active grant, nobody else; snapshots are listed for
//! the provider, the administrator and a grantee; nothing is served without a credential. A
//! refused upload keeps nothing.

#![allow(clippy::unwrap_used)]

use crate::common::{
    Clients, TestServer, assert_nothing_kept, create_request, fetch_delivery, fetch_refused,
    list_snapshots, metadata_shared_as, publish_data, published_entry, request_for,
};
use govshare_server::proto::{Role, ShareType};
use tonic::Code;

const CSV: &str = "姓名,公民身份号码,出生日期\n张三,110101199003071234,1990-03-07\n";

/// Department A (市公安局) provides a published 无条件共享 entry, department B (市人社局)
/// consumes it, department C (市卫健委) stands aside; each has the credentials the tests need.
struct World {
    server: TestServer,
    code: String,
    a_cataloguer: Clients,
    a_approver: Clients,
    a_consumer: Clients,
    b_cataloguer: Clients,
    b_consumer: Clients,
    c_consumer: Clients,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let a = server.department(1, "市公安局").await;
    let b = server.department(2, "市人社局").await;
    let c = server.department(3, "市卫健委").await;
    let a_cataloguer = server.token(&a, &[Role::Cataloguer]).await;
    let code = published_entry(
        &server,
        &a_cataloguer,
        metadata_shared_as(&a, ShareType::Unconditional),
    )
    .await;
    World {
        code,
        a_cataloguer,
        a_approver: server.token(&a, &[Role::Approver]).await,
        a_consumer: server.token(&a, &[Role::Consumer]).await,
        b_cataloguer: server.token(&b, &[Role::Cataloguer]).await,
        b_consumer: server.token(&b, &[Role::Consumer]).await,
        c_consumer: server.token(&c, &[Role::Consumer]).await,
        server,
    }
}

/// [`world`] with one CSV snapshot of the entry, and B holding a grant of 姓名 and 出生日期.
async fn world_with_data() -> World {
    let w = world().await;
    publish_data(&w.a_cataloguer, &w.code, "text/csv", CSV.as_bytes())
        .await
        .unwrap();
    create_request(&w.b_consumer, request_for(&w.code, &["姓名", "出生日期"]))
        .await
        .unwrap();
    w
}

/// PublishData by `clients` must be PERMISSION_DENIED and keep nothing.
async fn assert_publish_denied(w: &World, clients: &Clients) {
    let status = publish_data(clients, &w.code, "text/csv", CSV.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    assert_nothing_kept(&w.server, &w.a_cataloguer, &w.code).await;
}

// --- PublishData -----------------------------------------------------------------------------

#[tokio::test]
async fn the_providers_cataloguer_publishes() {
    let w = world().await;
    let snapshot = publish_data(&w.a_cataloguer, &w.code, "text/csv", CSV.as_bytes())
        .await
        .unwrap();
    assert_eq!(snapshot.rows, 1);
}

#[tokio::test]
async fn publish_by_the_providers_consumer_is_denied_and_keeps_nothing() {
    let w = world().await;
    assert_publish_denied(&w, &w.a_consumer).await;
}

#[tokio::test]
async fn publish_by_the_providers_approver_is_denied_and_keeps_nothing() {
    let w = world().await;
    assert_publish_denied(&w, &w.a_approver).await;
}

#[tokio::test]
async fn publish_by_another_departments_cataloguer_is_denied_and_keeps_nothing() {
    let w = world().await;
    assert_publish_denied(&w, &w.b_cataloguer).await;
}

#[tokio::test]
async fn publish_by_the_administrator_is_denied_and_keeps_nothing() {
    let w = world().await;
    assert_publish_denied(&w, &w.server.admin()).await;
}

#[tokio::test]
async fn publish_without_a_credential_is_unauthenticated_and_keeps_nothing() {
    let w = world().await;
    let status = publish_data(&w.server.anonymous(), &w.code, "text/csv", CSV.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    assert_nothing_kept(&w.server, &w.a_cataloguer, &w.code).await;
}

// --- FetchData -------------------------------------------------------------------------------

#[tokio::test]
async fn fetch_by_the_providers_cataloguer_delivers_every_column() {
    let w = world_with_data().await;
    let delivery = fetch_delivery(&w.a_cataloguer, &w.code, "").await.unwrap();
    assert_eq!(
        delivery.header.columns,
        ["姓名", "公民身份号码", "出生日期"]
    );
    assert_eq!(delivery.header.grant_id, "");
    assert_eq!(String::from_utf8(delivery.data).unwrap(), CSV);
    assert_eq!(delivery.trailer.rows, 1);
}

#[tokio::test]
async fn fetch_by_the_providers_consumer_delivers_every_column() {
    let w = world_with_data().await;
    let delivery = fetch_delivery(&w.a_consumer, &w.code, "").await.unwrap();
    assert_eq!(
        delivery.header.columns,
        ["姓名", "公民身份号码", "出生日期"]
    );
    assert_eq!(String::from_utf8(delivery.data).unwrap(), CSV);
}

#[tokio::test]
async fn fetch_by_a_grantee_delivers_the_granted_columns() {
    let w = world_with_data().await;
    let delivery = fetch_delivery(&w.b_consumer, &w.code, "").await.unwrap();
    assert_eq!(delivery.header.columns, ["姓名", "出生日期"]);
    assert!(!delivery.header.grant_id.is_empty());
}

#[tokio::test]
async fn fetch_by_the_providers_approver_is_denied() {
    let w = world_with_data().await;
    let status = fetch_refused(&w.a_approver, &w.code).await;
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
}

#[tokio::test]
async fn fetch_by_the_grantees_cataloguer_is_denied() {
    let w = world_with_data().await;
    let status = fetch_refused(&w.b_cataloguer, &w.code).await;
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
}

#[tokio::test]
async fn fetch_by_a_third_departments_consumer_without_a_grant_is_denied() {
    let w = world_with_data().await;
    let status = fetch_refused(&w.c_consumer, &w.code).await;
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
}

#[tokio::test]
async fn fetch_by_the_administrator_is_denied() {
    let w = world_with_data().await;
    let status = fetch_refused(&w.server.admin(), &w.code).await;
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
}

#[tokio::test]
async fn fetch_without_a_credential_is_unauthenticated() {
    let w = world_with_data().await;
    let status = fetch_refused(&w.server.anonymous(), &w.code).await;
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
}

// --- ListSnapshots ---------------------------------------------------------------------------

/// The ids ListSnapshots shows `clients`.
async fn listed_ids(w: &World, clients: &Clients) -> Vec<String> {
    list_snapshots(clients, &w.code, 0, "")
        .await
        .unwrap()
        .snapshots
        .into_iter()
        .map(|s| s.id)
        .collect()
}

#[tokio::test]
async fn snapshots_are_listed_for_every_role_of_the_provider() {
    let w = world_with_data().await;
    for clients in [&w.a_cataloguer, &w.a_approver, &w.a_consumer] {
        assert_eq!(listed_ids(&w, clients).await, ["SNP-000001"]);
    }
}

#[tokio::test]
async fn snapshots_are_listed_for_the_administrator() {
    let w = world_with_data().await;
    assert_eq!(listed_ids(&w, &w.server.admin()).await, ["SNP-000001"]);
}

#[tokio::test]
async fn snapshots_are_listed_for_a_grantee() {
    let w = world_with_data().await;
    assert_eq!(listed_ids(&w, &w.b_consumer).await, ["SNP-000001"]);
}

#[tokio::test]
async fn snapshots_are_not_listed_for_a_third_department_without_a_grant() {
    let w = world_with_data().await;
    let status = list_snapshots(&w.c_consumer, &w.code, 0, "")
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
}

#[tokio::test]
async fn snapshots_are_not_listed_without_a_credential() {
    let w = world_with_data().await;
    let status = list_snapshots(&w.server.anonymous(), &w.code, 0, "")
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
}
