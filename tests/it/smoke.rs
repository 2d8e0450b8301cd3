//! Health and reflection are served without a credential; everything else needs one.

#![allow(clippy::unwrap_used)]

use crate::common::TestServer;
use govshare_server::proto::WhoAmIRequest;

#[tokio::test]
async fn health_reports_serving_without_a_credential() {
    let server = TestServer::start().await;
    let mut health = tonic_health::pb::health_client::HealthClient::new(server.channel.clone());
    let reply = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "govshare.v1.CatalogService".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        reply.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
}

#[tokio::test]
async fn admin_whoami_without_a_token_is_unauthenticated() {
    let server = TestServer::start().await;
    let status = server
        .anonymous()
        .admin
        .who_am_i(WhoAmIRequest {})
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
    let me = server
        .admin()
        .admin
        .who_am_i(WhoAmIRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(me.roles, vec![govshare_server::proto::Role::Admin as i32]);
}
