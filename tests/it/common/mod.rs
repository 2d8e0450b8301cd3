//! Test harness: a real server on 127.0.0.1:0 over a real sled directory, and authenticated
//! gRPC clients.

#![allow(dead_code, clippy::unwrap_used)]

pub mod cli;
pub mod data;
pub mod postgres;
pub mod refusal;
pub mod s3;

use std::net::SocketAddr;

use govshare_server::config::Config;
use govshare_server::proto::admin_service_client::AdminServiceClient;
use govshare_server::proto::audit_service_client::AuditServiceClient;
use govshare_server::proto::catalog_service_client::CatalogServiceClient;
use govshare_server::proto::exchange_service_client::ExchangeServiceClient;
use govshare_server::proto::sharing_service_client::SharingServiceClient;
use govshare_server::proto::{self, CreateDepartmentRequest, IssueTokenRequest, Role};
use govshare_server::server::{self, Running};
use tempfile::TempDir;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone)]
pub struct Bearer(Option<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>);

impl Bearer {
    /// Sends `token` as the bearer credential.
    pub fn token(token: &str) -> Bearer {
        Bearer(Some(format!("Bearer {token}").parse().unwrap()))
    }
}

impl tonic::service::Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// Clients of every service, authenticated with one token.
#[derive(Clone)]
pub struct Clients {
    pub admin: AdminServiceClient<InterceptedService<Channel, Bearer>>,
    pub catalog: CatalogServiceClient<InterceptedService<Channel, Bearer>>,
    pub sharing: SharingServiceClient<InterceptedService<Channel, Bearer>>,
    pub exchange: ExchangeServiceClient<InterceptedService<Channel, Bearer>>,
    pub audit: AuditServiceClient<InterceptedService<Channel, Bearer>>,
}

impl Clients {
    /// Clients over `channel`, sending `token` if there is one.
    pub fn over(channel: &Channel, token: Option<&str>) -> Clients {
        let bearer = Bearer(token.map(|t| format!("Bearer {t}").parse().unwrap()));
        Clients::new(channel, bearer)
    }

    fn new(channel: &Channel, bearer: Bearer) -> Clients {
        Clients {
            admin: AdminServiceClient::with_interceptor(channel.clone(), bearer.clone()),
            catalog: CatalogServiceClient::with_interceptor(channel.clone(), bearer.clone()),
            sharing: SharingServiceClient::with_interceptor(channel.clone(), bearer.clone()),
            exchange: ExchangeServiceClient::with_interceptor(channel.clone(), bearer.clone())
                .max_decoding_message_size(64 * 1024 * 1024),
            audit: AuditServiceClient::with_interceptor(channel.clone(), bearer),
        }
    }
}

pub struct TestServer {
    pub addr: SocketAddr,
    /// Where `/metrics`, `/healthz` and `/readyz` are served.
    pub metrics_addr: SocketAddr,
    /// Where the web console and its gRPC-Web calls are served, unless the configuration
    /// turned it off.
    pub console_addr: Option<SocketAddr>,
    pub admin_token: String,
    pub dir: TempDir,
    pub channel: Channel,
    running: Option<Running>,
}

/// Opens the store of `config`. A store this process closed a moment ago (a server stopped,
/// or a store opened directly and dropped) may still hold its lock while its background
/// threads wind down: the open is retried for up to 10 s while the lock is what refuses it.
async fn open_store_again(config: &Config) -> std::sync::Arc<dyn govshare_store::Store> {
    use std::time::Duration;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match server::open_store(config).await {
            Ok(store) => return store,
            Err(e)
                if format!("{e:#}").contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("opening the store: {e:#}"),
        }
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir).await
    }

    pub async fn start_in(dir: TempDir) -> TestServer {
        Self::start_with(dir, |_| {}).await
    }

    /// Starts a server in `dir` with the default configuration as changed by `configure`.
    pub async fn start_with(dir: TempDir, configure: impl FnOnce(&mut Config)) -> TestServer {
        let plain = |addr| Channel::from_shared(format!("http://{addr}")).unwrap();
        Self::start_reached_by(dir, configure, plain).await
    }

    /// [`start_with`](Self::start_with), its clients connecting through `endpoint` of the
    /// server's address (a TLS endpoint for a TLS server).
    pub async fn start_reached_by(
        dir: TempDir,
        configure: impl FnOnce(&mut Config),
        endpoint: impl FnOnce(SocketAddr) -> tonic::transport::Endpoint,
    ) -> TestServer {
        let mut config = Config {
            data_dir: dir.path().to_owned(),
            ..Config::default()
        };
        configure(&mut config);
        let store = open_store_again(&config).await;
        let listeners = server::Listeners {
            grpc: tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            metrics: Some(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()),
            console: Some(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()),
        };
        let running = server::start(config, store, listeners).await.unwrap();
        // Empty for a server that joined a database another server set up first: that one
        // holds the administrator's token.
        let admin_token = std::fs::read_to_string(dir.path().join("admin.token"))
            .map(|t| t.trim().to_owned())
            .unwrap_or_default();
        let channel = endpoint(running.addr).connect().await.unwrap();
        TestServer {
            addr: running.addr,
            metrics_addr: running.metrics_addr.unwrap(),
            console_addr: running.console_addr,
            admin_token,
            dir,
            channel,
            running: Some(running),
        }
    }

    /// Stops the server and returns its data directory.
    pub async fn stop(mut self) -> TempDir {
        if let Some(r) = self.running.take() {
            r.shutdown().await.unwrap();
        }
        self.dir
    }

    pub fn clients(&self, token: &str) -> Clients {
        let bearer = Bearer(Some(format!("Bearer {token}").parse().unwrap()));
        Clients::new(&self.channel, bearer)
    }

    pub fn anonymous(&self) -> Clients {
        Clients::new(&self.channel, Bearer(None))
    }

    pub fn admin(&self) -> Clients {
        self.clients(&self.admin_token)
    }

    /// Registers department number `n` (a valid, distinct credit code) and returns its code.
    pub async fn department(&self, n: u32, name: &str) -> String {
        create_department(&self.admin(), n, name).await
    }

    /// Issues a token of `department` with `roles` and returns its clients.
    pub async fn token(&self, department: &str, roles: &[Role]) -> Clients {
        let token = self.token_secret(department, roles).await;
        self.clients(&token)
    }

    pub async fn token_secret(&self, department: &str, roles: &[Role]) -> String {
        issue_token(&self.admin(), department, roles).await
    }
}

/// Registers department number `n` (a valid, distinct credit code) as the administrator
/// `admin`; returns its code.
pub async fn create_department(admin: &Clients, n: u32, name: &str) -> String {
    let code = govshare_model::testing::valid_credit_code(n);
    admin
        .admin
        .clone()
        .create_department(CreateDepartmentRequest {
            code: code.clone(),
            name: name.into(),
            region_code: "110000".into(),
            parent_code: String::new(),
        })
        .await
        .unwrap();
    code
}

/// Issues a token of `department` (empty: platform-level) with `roles` as the administrator
/// `admin`; returns its secret.
pub async fn issue_token(admin: &Clients, department: &str, roles: &[Role]) -> String {
    admin
        .admin
        .clone()
        .issue_token(IssueTokenRequest {
            department_code: department.into(),
            roles: roles.iter().map(|r| *r as i32).collect(),
            name: "test".into(),
            expires_at: None,
        })
        .await
        .unwrap()
        .into_inner()
        .token
}

/// The field paths of an INVALID_ARGUMENT status's BadRequest details.
pub fn violated_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt as _;
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .expect("BadRequest details")
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect()
}

/// A complete, valid metadata message for department `provider` (empty: the caller's).
pub fn sample_metadata(provider: &str) -> proto::ResourceMetadata {
    let mut input = govshare_model::testing::sample_input();
    input.provider_code = provider.into();
    govshare_server::convert::input_message(input)
}

/// Clients that send `authorization: <value>` verbatim (a malformed or foreign credential).
pub fn clients_with_authorization(server: &TestServer, value: &str) -> Clients {
    Clients::new(&server.channel, Bearer(Some(value.parse().unwrap())))
}

/// [`sample_metadata`] filed under another 分类: 类 `category`, 项 `item`, 目 `subitem`, 细目
/// `detail`.
pub fn metadata_under(
    provider: &str,
    category: proto::Category,
    item: &str,
    subitem: &str,
    detail: &str,
) -> proto::ResourceMetadata {
    let mut m = sample_metadata(provider);
    m.classification = Some(proto::Classification {
        category: category as i32,
        item: item.into(),
        subitem: subitem.into(),
        detail: detail.into(),
    });
    m
}

/// Registers `metadata` with `clients` (a cataloguer) and returns the new DRAFT entry.
pub async fn register_entry(
    clients: &Clients,
    metadata: proto::ResourceMetadata,
) -> proto::CatalogEntry {
    clients
        .catalog
        .clone()
        .register_entry(proto::RegisterEntryRequest {
            metadata: Some(metadata),
            note: "登记".into(),
            validate_only: false,
        })
        .await
        .unwrap()
        .into_inner()
}

/// Registers `metadata` with `clients` (a cataloguer), expecting a refusal; returns it.
pub async fn register_refused(
    clients: &Clients,
    metadata: proto::ResourceMetadata,
) -> tonic::Status {
    clients
        .catalog
        .clone()
        .register_entry(proto::RegisterEntryRequest {
            metadata: Some(metadata),
            note: String::new(),
            validate_only: false,
        })
        .await
        .unwrap_err()
}

/// Submits the head version of `code` (as `cataloguer`) and has the administrator approve
/// it; returns the entry as the review left it.
pub async fn publish_entry(
    server: &TestServer,
    cataloguer: &Clients,
    code: &str,
) -> proto::CatalogEntry {
    let submitted = cataloguer
        .catalog
        .clone()
        .get_entry(proto::GetEntryRequest {
            code: code.into(),
            version: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let head = submitted.head_version;
    cataloguer
        .catalog
        .clone()
        .submit_entry(proto::SubmitEntryRequest {
            code: code.into(),
            expected_version: head,
        })
        .await
        .unwrap();
    approve_review(server, code, head).await
}

/// The administrator approves the pending publication or revocation of `version` of `code`;
/// returns the entry as the review left it.
pub async fn approve_review(server: &TestServer, code: &str, version: u64) -> proto::CatalogEntry {
    server
        .admin()
        .catalog
        .review_entry(proto::ReviewEntryRequest {
            code: code.into(),
            version,
            approve: true,
            comment: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
}

/// GetEntry of `code` at `version` (0: the default version).
pub async fn get_entry(
    clients: &Clients,
    code: &str,
    version: u64,
) -> Result<proto::CatalogEntry, tonic::Status> {
    clients
        .catalog
        .clone()
        .get_entry(proto::GetEntryRequest {
            code: code.into(),
            version,
        })
        .await
        .map(tonic::Response::into_inner)
}

/// The codes ListEntries returns for `request` (first page).
pub async fn listed_codes(clients: &Clients, request: proto::ListEntriesRequest) -> Vec<String> {
    clients
        .catalog
        .clone()
        .list_entries(request)
        .await
        .unwrap()
        .into_inner()
        .entries
        .into_iter()
        .map(|e| e.code)
        .collect()
}

// --- sharing -------------------------------------------------------------------------------

/// The 不予共享依据 the sharing helpers write.
pub const NOT_SHARED_BASIS: &str = "《中华人民共和国居民身份证法》第十九条";

/// [`sample_metadata`] (姓名 C(50), 公民身份号码 C(18), 出生日期 D(8)) shared as `share_type`:
/// 无条件 with no condition, 有条件 with the sample's condition, 不予共享 with
/// [`NOT_SHARED_BASIS`].
pub fn metadata_shared_as(provider: &str, share_type: proto::ShareType) -> proto::ResourceMetadata {
    let mut m = sample_metadata(provider);
    let sharing = m.sharing.as_mut().unwrap();
    sharing.share_type = share_type as i32;
    match share_type {
        proto::ShareType::Conditional => {}
        proto::ShareType::NotShared => {
            sharing.condition.clear();
            sharing.basis = NOT_SHARED_BASIS.into();
        }
        _ => sharing.condition.clear(),
    }
    m
}

/// [`metadata_shared_as`] with each item given its own share type, in order (`Unspecified`:
/// the entry's). The entry's type must stay the most open of its items' types.
pub fn metadata_with_item_types(
    provider: &str,
    entry: proto::ShareType,
    items: &[proto::ShareType],
) -> proto::ResourceMetadata {
    let mut m = metadata_shared_as(provider, entry);
    for (item, share_type) in m.items.iter_mut().zip(items) {
        item.share_type = *share_type as i32;
    }
    m
}

/// A 无条件共享 entry whose items carry their own types: 姓名 无条件 (the entry's),
/// 公民身份号码 不予共享 (basis [`NOT_SHARED_BASIS`]), 出生日期 有条件.
pub fn mixed_metadata(provider: &str) -> proto::ResourceMetadata {
    let mut m = metadata_with_item_types(
        provider,
        proto::ShareType::Unconditional,
        &[
            proto::ShareType::Unspecified,
            proto::ShareType::NotShared,
            proto::ShareType::Conditional,
        ],
    );
    let sharing = m.sharing.as_mut().unwrap();
    sharing.condition = "出生日期仅限户籍核验".into();
    sharing.basis = NOT_SHARED_BASIS.into();
    m
}

/// Registers `metadata` (as `cataloguer`) and publishes it at version 1; returns its code.
pub async fn published_entry(
    server: &TestServer,
    cataloguer: &Clients,
    metadata: proto::ResourceMetadata,
) -> String {
    let entry = register_entry(cataloguer, metadata).await;
    publish_entry(server, cataloguer, &entry.code).await;
    entry.code
}

/// A complete request for `entry_code` asking for `items` (empty: every shareable item) for
/// the default period.
pub fn request_for(entry_code: &str, items: &[&str]) -> proto::CreateRequestRequest {
    proto::CreateRequestRequest {
        entry_code: entry_code.into(),
        items: items.iter().map(|i| (*i).to_owned()).collect(),
        purpose: "办理低保资格审核时核验申请人身份".into(),
        use_scope: "本局社会救助科".into(),
        business_system: "社会救助信息系统".into(),
        requested_until: None,
    }
}

/// CreateRequest of `request` with `clients` (a consumer).
pub async fn create_request(
    clients: &Clients,
    request: proto::CreateRequestRequest,
) -> Result<proto::SharingRequest, tonic::Status> {
    clients
        .sharing
        .clone()
        .create_request(request)
        .await
        .map(tonic::Response::into_inner)
}

/// GetRequest of `id`.
pub async fn get_request(
    clients: &Clients,
    id: &str,
) -> Result<proto::SharingRequest, tonic::Status> {
    clients
        .sharing
        .clone()
        .get_request(proto::GetRequestRequest { id: id.into() })
        .await
        .map(tonic::Response::into_inner)
}

/// DecideRequest: approve (`reason` kept) or refuse the request `id`, for every requested item
/// and the requested period.
pub async fn decide_request(
    clients: &Clients,
    id: &str,
    approve: bool,
    reason: &str,
) -> Result<proto::SharingRequest, tonic::Status> {
    clients
        .sharing
        .clone()
        .decide_request(proto::DecideRequestRequest {
            id: id.into(),
            approve,
            reason: reason.into(),
            items: Vec::new(),
            valid_until: None,
        })
        .await
        .map(tonic::Response::into_inner)
}

/// RevokeGrant of `grant_id` with `reason`.
pub async fn revoke_grant(
    clients: &Clients,
    grant_id: &str,
    reason: &str,
) -> Result<proto::Grant, tonic::Status> {
    clients
        .sharing
        .clone()
        .revoke_grant(proto::RevokeGrantRequest {
            grant_id: grant_id.into(),
            reason: reason.into(),
        })
        .await
        .map(tonic::Response::into_inner)
}

/// The requests ListRequests returns for `request` (first page).
pub async fn listed_requests(
    clients: &Clients,
    request: proto::ListRequestsRequest,
) -> Vec<proto::SharingRequest> {
    clients
        .sharing
        .clone()
        .list_requests(request)
        .await
        .unwrap()
        .into_inner()
        .requests
}

/// The grants ListGrants returns for `request` (first page).
pub async fn listed_grants(
    clients: &Clients,
    request: proto::ListGrantsRequest,
) -> Vec<proto::Grant> {
    clients
        .sharing
        .clone()
        .list_grants(request)
        .await
        .unwrap()
        .into_inner()
        .grants
}

/// The grant numbered `id`, as the administrator lists it.
pub async fn grant_by_id(server: &TestServer, id: &str) -> proto::Grant {
    listed_grants(&server.admin(), proto::ListGrantsRequest::default())
        .await
        .into_iter()
        .find(|g| g.id == id)
        .unwrap_or_else(|| panic!("grant {id} is not listed"))
}

/// The ids of every request the administrator lists (first page).
pub async fn all_request_ids(server: &TestServer) -> Vec<String> {
    listed_requests(&server.admin(), proto::ListRequestsRequest::default())
        .await
        .into_iter()
        .map(|r| r.id)
        .collect()
}

/// The ids of every grant the administrator lists (first page).
pub async fn all_grant_ids(server: &TestServer) -> Vec<String> {
    listed_grants(&server.admin(), proto::ListGrantsRequest::default())
        .await
        .into_iter()
        .map(|g| g.id)
        .collect()
}

/// The precondition types (`SHARE_TYPE`, `STATE`, `OWN_ENTRY`, `VERSION`) of a
/// FAILED_PRECONDITION or ABORTED status's PreconditionFailure details.
pub fn precondition_types(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt as _;
    status
        .get_details_precondition_failure()
        .expect("PreconditionFailure details")
        .violations
        .into_iter()
        .map(|v| v.r#type)
        .collect()
}

/// The description of the BadRequest violation on `field`.
pub fn violation_of(status: &tonic::Status, field: &str) -> String {
    use tonic_types::StatusExt as _;
    status
        .get_details_bad_request()
        .expect("BadRequest details")
        .field_violations
        .into_iter()
        .find(|v| v.field == field)
        .unwrap_or_else(|| panic!("no violation on {field}: {status:?}"))
        .description
}

/// A proto timestamp as a UTC instant.
pub fn instant(t: Option<&prost_types::Timestamp>) -> chrono::DateTime<chrono::Utc> {
    govshare_server::convert::from_timestamp(t.expect("timestamp set")).expect("valid timestamp")
}

/// A UTC instant as a proto timestamp.
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> prost_types::Timestamp {
    govshare_server::convert::timestamp(t)
}

/// Clients of every service at `addr` (`host:port`), authenticated with `token`.
pub async fn clients_at(addr: &str, token: &str) -> Clients {
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let bearer = Bearer(Some(format!("Bearer {token}").parse().unwrap()));
    Clients::new(&channel, bearer)
}

// --- exchange ------------------------------------------------------------------------------

/// An 信息项 of `data_type` and `length`, shared as `share_type` (`Unspecified`: the entry's).
pub fn info_item(
    name: &str,
    data_type: proto::DataType,
    length: u32,
    share_type: proto::ShareType,
) -> proto::InfoItem {
    proto::InfoItem {
        name: name.into(),
        data_type: data_type as i32,
        length,
        share_type: share_type as i32,
        description: String::new(),
    }
}

/// [`metadata_shared_as`] 无条件共享 with two more items, five in all: 姓名 C(50), 公民身份号码
/// C(18), 出生日期 D(8), 月收入 N(12), 登记时间 T(19).
pub fn five_item_metadata(provider: &str) -> proto::ResourceMetadata {
    let mut m = metadata_shared_as(provider, proto::ShareType::Unconditional);
    m.items.push(info_item(
        "月收入",
        proto::DataType::N,
        12,
        proto::ShareType::Unspecified,
    ));
    m.items.push(info_item(
        "登记时间",
        proto::DataType::T,
        19,
        proto::ShareType::Unspecified,
    ));
    m
}

/// The token id of the credential `clients` carry (WhoAmI).
pub async fn token_id(clients: &Clients) -> String {
    clients
        .admin
        .clone()
        .who_am_i(proto::WhoAmIRequest {})
        .await
        .unwrap()
        .into_inner()
        .token_id
}

/// PublishData of `data` as `media_type` to `entry_code`: the header, then chunks of 64 KiB.
pub async fn publish_data(
    clients: &Clients,
    entry_code: &str,
    media_type: &str,
    data: &[u8],
) -> Result<proto::DataSnapshot, tonic::Status> {
    let mut messages = vec![proto::PublishDataRequest {
        part: Some(proto::publish_data_request::Part::Header(
            proto::PublishHeader {
                entry_code: entry_code.into(),
                media_type: media_type.into(),
                ..Default::default()
            },
        )),
    }];
    messages.extend(data.chunks(64 * 1024).map(|c| proto::PublishDataRequest {
        part: Some(proto::publish_data_request::Part::Chunk(
            bytes::Bytes::copy_from_slice(c),
        )),
    }));
    messages.push(proto::PublishDataRequest {
        part: Some(proto::publish_data_request::Part::End(proto::PublishEnd {})),
    });
    clients
        .exchange
        .clone()
        .publish_data(tokio_stream::iter(messages))
        .await
        .map(tonic::Response::into_inner)
}

/// Everything one FetchData delivered: the header, the bytes of the chunks, the trailer.
pub struct Delivery {
    pub header: proto::FetchHeader,
    pub data: Vec<u8>,
    pub trailer: proto::FetchTrailer,
}

/// FetchData of `snapshot_id` (empty: the latest) of `entry_code`, read to the end.
pub async fn fetch_delivery(
    clients: &Clients,
    entry_code: &str,
    snapshot_id: &str,
) -> Result<Delivery, tonic::Status> {
    use proto::fetch_data_response::Part;
    let mut stream = clients
        .exchange
        .clone()
        .fetch_data(proto::FetchDataRequest {
            entry_code: entry_code.into(),
            snapshot_id: snapshot_id.into(),
        })
        .await?
        .into_inner();
    let (mut header, mut data, mut trailer) = (None, Vec::new(), None);
    while let Some(message) = stream.message().await? {
        match message.part.expect("a message has a part") {
            Part::Header(h) => header = Some(h),
            Part::Chunk(c) => data.extend_from_slice(&c),
            Part::Trailer(t) => trailer = Some(t),
        }
    }
    Ok(Delivery {
        header: header.expect("a header"),
        data,
        trailer: trailer.expect("a trailer"),
    })
}

/// The status of a FetchData of the latest snapshot of `entry_code` that must be refused
/// before anything is delivered: the call fails, or its stream fails at its first message.
pub async fn fetch_refused(clients: &Clients, entry_code: &str) -> tonic::Status {
    let call = clients
        .exchange
        .clone()
        .fetch_data(proto::FetchDataRequest {
            entry_code: entry_code.into(),
            snapshot_id: String::new(),
        })
        .await;
    match call {
        Err(status) => status,
        Ok(response) => match response.into_inner().message().await {
            Err(status) => status,
            Ok(message) => panic!("FetchData delivered {message:?} instead of failing"),
        },
    }
}

/// ListSnapshots of `entry_code`, one page.
pub async fn list_snapshots(
    clients: &Clients,
    entry_code: &str,
    page_size: i32,
    page_token: &str,
) -> Result<proto::ListSnapshotsResponse, tonic::Status> {
    clients
        .exchange
        .clone()
        .list_snapshots(proto::ListSnapshotsRequest {
            entry_code: entry_code.into(),
            page_size,
            page_token: page_token.into(),
        })
        .await
        .map(tonic::Response::into_inner)
}

/// The blob directory of a server started with the default `[exchange]` settings.
pub fn blob_dir(data_dir: &std::path::Path) -> std::path::PathBuf {
    data_dir.join("blobs")
}

/// Every file under `dir`, recursively (none if it does not exist).
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// The stored blobs (`blobs/sha256/…`) of `server`.
pub fn stored_blobs(server: &TestServer) -> Vec<std::path::PathBuf> {
    files_under(&blob_dir(server.dir.path()).join("sha256"))
}

/// Waits up to about 2 s for `blobs/tmp` of `server` to be empty; returns what is left.
pub async fn temp_blobs_after_settling(server: &TestServer) -> Vec<std::path::PathBuf> {
    let tmp = blob_dir(server.dir.path()).join("tmp");
    for _ in 0..40 {
        if files_under(&tmp).is_empty() {
            return Vec::new();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    files_under(&tmp)
}

/// Asserts that a refused upload to `entry_code` kept nothing: `provider` (who may list the
/// entry's snapshots) lists none, no blob is stored, and `blobs/tmp` is (or soon gets) empty.
pub async fn assert_nothing_kept(server: &TestServer, provider: &Clients, entry_code: &str) {
    let listed = list_snapshots(provider, entry_code, 0, "").await.unwrap();
    assert!(listed.snapshots.is_empty(), "{:?}", listed.snapshots);
    assert_eq!(stored_blobs(server), Vec::<std::path::PathBuf>::new());
    assert_eq!(
        temp_blobs_after_settling(server).await,
        Vec::<std::path::PathBuf>::new()
    );
}

// --- the binary ------------------------------------------------------------------------------

/// A child process killed when dropped (a failing test leaves no server behind).
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `govshare serve` over `dir` on ephemeral gRPC and metrics ports with `extra` flags, its
/// standard output piped and its log at `warn`.
pub fn serve_command(dir: &std::path::Path, extra: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_govshare"));
    command
        .args([
            "serve",
            "--grpc-addr",
            "127.0.0.1:0",
            "--metrics-addr",
            "127.0.0.1:0",
        ])
        .args(extra)
        .arg("--data-dir")
        .arg(dir)
        .env("GOVSHARE_LOG", "warn")
        .stdout(std::process::Stdio::piped());
    command
}

/// What a started `govshare serve` printed, through the line naming its data directory; its
/// output goes on being drained, so the server never blocks on a full pipe.
pub fn printed_at_start(child: &mut std::process::Child) -> Vec<String> {
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let mut printed = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let last = line.starts_with("govshare: data directory");
        printed.push(line);
        if last {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    printed
}

/// The gRPC address `govshare serve` printed at start.
pub fn grpc_addr_in(printed: &[String]) -> String {
    printed
        .iter()
        .find_map(|line| line.strip_prefix("govshare: gRPC listening on "))
        .unwrap_or_else(|| panic!("the server did not start listening: {printed:#?}"))
        .trim()
        .to_owned()
}

/// `govshare serve` on ephemeral ports (the console's too) over `dir`, and its gRPC address.
pub fn spawn_server(dir: &std::path::Path) -> (std::process::Child, String) {
    let mut child = serve_command(dir, &["--console-addr", "127.0.0.1:0"])
        .spawn()
        .unwrap();
    let addr = grpc_addr_in(&printed_at_start(&mut child));
    (child, addr)
}

// --- access log and metrics ------------------------------------------------------------------

/// The path of GetEntry, as access-log records and metrics name it.
pub const GET_ENTRY: &str = "/govshare.v1.CatalogService/GetEntry";

/// The `x-request-id` of a reply (a response's metadata, or an error status's).
pub fn request_id_in(metadata: &tonic::metadata::MetadataMap) -> String {
    metadata
        .get("x-request-id")
        .unwrap_or_else(|| panic!("no x-request-id in {metadata:?}"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The `x-request-id` of a finished call, whether it succeeded or failed.
pub fn request_id<T>(result: &Result<tonic::Response<T>, tonic::Status>) -> String {
    match result {
        Ok(response) => request_id_in(response.metadata()),
        Err(status) => request_id_in(status.metadata()),
    }
}

/// Every record QueryAccessLog returns for `request` with `clients`, following
/// `next_page_token` to the end.
pub async fn query_all(
    clients: &Clients,
    mut request: proto::QueryAccessLogRequest,
) -> Result<Vec<proto::AccessRecord>, tonic::Status> {
    let mut records = Vec::new();
    loop {
        let page = clients
            .audit
            .clone()
            .query_access_log(request.clone())
            .await?
            .into_inner();
        records.extend(page.records);
        if page.next_page_token.is_empty() {
            return Ok(records);
        }
        assert_ne!(page.next_page_token, request.page_token, "paging is stuck");
        request.page_token = page.next_page_token;
    }
}

/// The records of the call numbered `request_id` that `clients` may see (one, if the log is
/// right).
pub async fn records_of(clients: &Clients, request_id: &str) -> Vec<proto::AccessRecord> {
    query_all(
        clients,
        proto::QueryAccessLogRequest {
            page_size: 500,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .into_iter()
    .filter(|r| r.request_id == request_id)
    .collect()
}

/// The one record of the call numbered `request_id`.
pub async fn record_of(clients: &Clients, request_id: &str) -> proto::AccessRecord {
    let mut found = records_of(clients, request_id).await;
    assert_eq!(found.len(), 1, "records of {request_id}: {found:#?}");
    found.remove(0)
}

/// A unary call with an empty message to `path` (which the server may not know), as the
/// administrator.
pub async fn call_path(server: &TestServer, path: &'static str) -> tonic::Status {
    let mut grpc = tonic::client::Grpc::new(server.channel.clone());
    grpc.ready().await.unwrap();
    let mut request = tonic::Request::new(());
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {}", server.admin_token).parse().unwrap(),
    );
    grpc.unary::<(), (), _>(
        request,
        http::uri::PathAndQuery::from_static(path),
        tonic_prost::ProstCodec::default(),
    )
    .await
    .expect_err("the call should fail")
}

/// One HTTP reply.
#[derive(Debug)]
pub struct HttpReply {
    pub status: u16,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The value of the sample `series` (name and labels, as written in `/metrics`).
pub async fn metric(server: &TestServer, series: &str) -> f64 {
    let body = http_get(server.metrics_addr, "/metrics").await.body;
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{series} in /metrics:\n{body}"))
        .trim()
        .parse()
        .unwrap()
}

/// A plain HTTP/1.1 GET of `path` at `addr`.
pub async fn http_get(addr: SocketAddr, path: &str) -> HttpReply {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP reply head");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("an HTTP status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        let mut decoded = Vec::new();
        let mut rest = &body[..];
        loop {
            let end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size_text = std::str::from_utf8(&rest[..end]).unwrap();
            let size =
                usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
            rest = &rest[end + 2..];
            if size == 0 {
                break;
            }
            decoded.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
        body = decoded;
    }
    HttpReply {
        status,
        headers,
        body: String::from_utf8(body).unwrap(),
    }
}

/// One sample of the Prometheus text format.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: std::collections::BTreeMap<String, String>,
    pub value: f64,
}

/// A parsed `/metrics` page.
#[derive(Debug, Clone)]
pub struct Scrape {
    pub text: String,
    pub samples: Vec<Sample>,
}

impl Scrape {
    pub fn parse(text: &str) -> Scrape {
        let samples = text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(parse_sample)
            .collect();
        Scrape {
            text: text.to_owned(),
            samples,
        }
    }

    /// The value of the series `name` whose labels are exactly `labels`.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: std::collections::BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.samples
            .iter()
            .find(|s| s.name == name && s.labels == wanted)
            .map(|s| s.value)
    }

    /// [`value`](Self::value), 0 for a series not exported (yet).
    pub fn value_or_zero(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels).unwrap_or(0.0)
    }

    /// Every series of `name`.
    pub fn series(&self, name: &str) -> Vec<&Sample> {
        self.samples.iter().filter(|s| s.name == name).collect()
    }
}

/// `name{a="x",b="y"} value [timestamp]`.
fn parse_sample(line: &str) -> Sample {
    let (name, rest) = match line.find(['{', ' ']) {
        Some(i) => line.split_at(i),
        None => panic!("not a sample line: {line}"),
    };
    let mut labels = std::collections::BTreeMap::new();
    let mut rest = rest;
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices();
        let mut key = String::new();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '}' => {
                    end = Some(i);
                    break;
                }
                ',' => {}
                '=' => {
                    assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "{line}");
                    let mut value = String::new();
                    while let Some((_, c)) = chars.next() {
                        match c {
                            '\\' => match chars.next().map(|(_, c)| c) {
                                Some('n') => value.push('\n'),
                                Some(other) => value.push(other),
                                None => break,
                            },
                            '"' => break,
                            other => value.push(other),
                        }
                    }
                    labels.insert(std::mem::take(&mut key), value);
                }
                other => key.push(other),
            }
        }
        rest = &inner[end.expect("closing brace") + 1..];
    }
    let value = rest.split_whitespace().next().expect("a value");
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        other => other
            .parse()
            .unwrap_or_else(|_| panic!("bad value in {line}")),
    };
    Sample {
        name: name.to_owned(),
        labels,
        value,
    }
}

/// `/metrics` of a server at `metrics_addr`, checked to be the Prometheus text format.
pub async fn scrape_at(metrics_addr: SocketAddr) -> Scrape {
    let reply = http_get(metrics_addr, "/metrics").await;
    assert_eq!(reply.status, 200, "{reply:?}");
    Scrape::parse(&reply.body)
}

/// `/metrics` of `server`.
pub async fn scrape(server: &TestServer) -> Scrape {
    scrape_at(server.metrics_addr).await
}
