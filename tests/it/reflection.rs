//! Generic gRPC tooling (grpcurl, grpcui, load balancers) can discover and probe the server
//! without a credential: reflection describes the contract and health answers for each service.

#![allow(clippy::unwrap_used)]

use crate::common::TestServer;
use prost::Message as _;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

/// Sends one reflection request on a fresh stream, with no `authorization` metadata.
async fn reflect(server: &TestServer, request: MessageRequest) -> MessageResponse {
    let mut client = ServerReflectionClient::new(server.channel.clone());
    let outbound = tokio_stream::iter(vec![ServerReflectionRequest {
        host: String::new(),
        message_request: Some(request),
    }]);
    let mut inbound = client
        .server_reflection_info(outbound)
        .await
        .unwrap()
        .into_inner();
    let reply = inbound.message().await.unwrap().expect("one reply");
    reply.message_response.expect("a message_response")
}

#[tokio::test]
async fn reflection_lists_every_service_without_a_credential() {
    let server = TestServer::start().await;

    let MessageResponse::ListServicesResponse(list) =
        reflect(&server, MessageRequest::ListServices(String::new())).await
    else {
        panic!("not a list_services_response");
    };

    let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
    for expected in [
        "govshare.v1.AdminService",
        "govshare.v1.CatalogService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
}

#[tokio::test]
async fn reflection_describes_catalog_service_and_its_register_entry_method() {
    let server = TestServer::start().await;

    let MessageResponse::FileDescriptorResponse(files) = reflect(
        &server,
        MessageRequest::FileContainingSymbol("govshare.v1.CatalogService".into()),
    )
    .await
    else {
        panic!("not a file_descriptor_response");
    };

    let files: Vec<prost_types::FileDescriptorProto> = files
        .file_descriptor_proto
        .iter()
        .map(|bytes| prost_types::FileDescriptorProto::decode(bytes.as_slice()).unwrap())
        .collect();
    let service = files
        .iter()
        .filter(|f| f.package() == "govshare.v1")
        .flat_map(|f| &f.service)
        .find(|s| s.name() == "CatalogService")
        .unwrap_or_else(|| {
            let names: Vec<&str> = files.iter().map(|f| f.name()).collect();
            panic!("CatalogService is in none of {names:?}")
        });
    let register = service
        .method
        .iter()
        .find(|m| m.name() == "RegisterEntry")
        .expect("RegisterEntry");
    assert_eq!(register.input_type(), ".govshare.v1.RegisterEntryRequest");
    assert_eq!(register.output_type(), ".govshare.v1.CatalogEntry");
}

#[tokio::test]
async fn health_reports_admin_service_serving_without_a_credential() {
    let server = TestServer::start().await;
    let mut health = HealthClient::new(server.channel.clone());

    let reply = health
        .check(HealthCheckRequest {
            service: "govshare.v1.AdminService".into(),
        })
        .await
        .unwrap()
        .into_inner();

    assert_eq!(reply.status, ServingStatus::Serving as i32);
}

/// grpcio-reflection's default client (Python) and older grpcurl speak v1alpha: the same
/// services are listed, without a credential.
#[tokio::test]
async fn reflection_v1alpha_lists_every_service_without_a_credential() {
    use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;

    let server = TestServer::start().await;
    let mut client = ServerReflectionClient::new(server.channel.clone());
    let outbound = tokio_stream::iter(vec![ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    }]);
    let mut inbound = client
        .server_reflection_info(outbound)
        .await
        .unwrap()
        .into_inner();
    let reply = inbound.message().await.unwrap().expect("one reply");
    let Some(MessageResponse::ListServicesResponse(list)) = reply.message_response else {
        panic!("not a list_services_response");
    };
    let names: Vec<&str> = list.service.iter().map(|s| s.name.as_str()).collect();
    for expected in [
        "govshare.v1.AdminService",
        "govshare.v1.CatalogService",
        "govshare.v1.SharingService",
        "govshare.v1.ExchangeService",
        "govshare.v1.AuditService",
        "govshare.v1.ReportService",
        "grpc.health.v1.Health",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
}

/// At shutdown every service reports NOT_SERVING, not only the server as a whole: a load
/// balancer that checks `govshare.v1.CatalogService` stops sending it calls before the port
/// closes.
#[tokio::test]
async fn every_service_reports_not_serving_at_shutdown() {
    let server = TestServer::start().await;
    let services = [
        "",
        "govshare.v1.AdminService",
        "govshare.v1.CatalogService",
        "govshare.v1.SharingService",
        "govshare.v1.ExchangeService",
        "govshare.v1.AuditService",
        "govshare.v1.ReportService",
    ];
    let mut watches = Vec::new();
    for service in services {
        let mut stream = HealthClient::new(server.channel.clone())
            .watch(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner();
        let first = stream.message().await.unwrap().expect("the current status");
        assert_eq!(first.status, ServingStatus::Serving as i32, "{service:?}");
        watches.push(stream);
    }

    let stopping = tokio::spawn(server.stop());
    for (service, mut stream) in services.into_iter().zip(watches) {
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), stream.message())
            .await
            .unwrap_or_else(|_| panic!("{service:?}: no status change within 10 s"));
        let status = next.ok().flatten().map(|reply| reply.status);
        assert_eq!(
            status,
            Some(ServingStatus::NotServing as i32),
            "{service:?} at shutdown"
        );
    }
    tokio::time::timeout(std::time::Duration::from_secs(30), stopping)
        .await
        .expect("the server stops once its watchers are gone")
        .unwrap();
}
