//! The web console's port: its embedded files (types, validators, cache rules, security
//! headers) and gRPC-Web calls into the same services, authorized, limited and access-logged
//! as native calls are; over HTTPS with the server certificate of `[tls]`; and turned off.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::net::SocketAddr;
use std::sync::Arc;

use crate::common::TestServer;
use bytes::Bytes;
use govshare_server::console::assets;
use govshare_server::console::serve::CONTENT_SECURITY_POLICY;
use govshare_server::proto::{Role, WhoAmIRequest, WhoAmIResponse};
use http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use prost::Message as _;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

const WHO_AM_I: &str = "/govshare.v1.AdminService/WhoAmI";

/// An HTTP reply, its body read to the end.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.headers))
            .to_str()
            .unwrap()
    }
}

/// Sends `request` over HTTP/1.1 on `io`.
async fn send_on<IO>(io: IO, request: Request<Full<Bytes>>) -> Reply
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request).await.unwrap();
    let (parts, body) = response.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

/// Sends `request` to `addr` over plain HTTP/1.1.
async fn send(addr: SocketAddr, request: Request<Full<Bytes>>) -> Reply {
    send_on(TcpStream::connect(addr).await.unwrap(), request).await
}

fn request(method: Method, path: &str) -> http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "console.test")
}

async fn get(addr: SocketAddr, path: &str) -> Reply {
    send(
        addr,
        request(Method::GET, path).body(Full::default()).unwrap(),
    )
    .await
}

/// A gRPC-Web reply: the messages of its body and its status.
#[derive(Debug)]
struct WebReply {
    http: Reply,
    messages: Vec<Bytes>,
    /// From the trailer frame, or from the headers of a trailers-only reply.
    status: i32,
    message: String,
    trailers: Vec<(String, String)>,
}

impl WebReply {
    fn request_id(&self) -> String {
        self.http.header("x-request-id").to_owned()
    }

    fn only_message<M: prost::Message + Default>(&self) -> M {
        assert_eq!(self.messages.len(), 1, "{self:?}");
        M::decode(self.messages[0].clone()).unwrap()
    }
}

/// A gRPC-Web request: `message` framed (flag 0, big-endian length, protobuf bytes).
fn web_request(path: &str, token: Option<&str>, message: &[u8]) -> Request<Full<Bytes>> {
    let mut frame = vec![0u8];
    frame.extend_from_slice(&u32::try_from(message.len()).unwrap().to_be_bytes());
    frame.extend_from_slice(message);
    let mut builder = request(Method::POST, path)
        .header(header::CONTENT_TYPE, "application/grpc-web+proto")
        .header(header::ACCEPT, "application/grpc-web+proto")
        .header("x-grpc-web", "1");
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    builder.body(Full::new(Bytes::from(frame))).unwrap()
}

/// Reads the frames of a gRPC-Web reply.
fn web_reply(http: Reply) -> WebReply {
    assert_eq!(http.status, StatusCode::OK, "{http:?}");
    assert!(
        http.header("content-type")
            .starts_with("application/grpc-web"),
        "{http:?}"
    );
    let mut messages = Vec::new();
    let mut trailers = Vec::new();
    let mut rest = &http.body[..];
    while !rest.is_empty() {
        let flag = rest[0];
        let len = u32::from_be_bytes(rest[1..5].try_into().unwrap()) as usize;
        let payload = &rest[5..5 + len];
        if flag & 0x80 != 0 {
            for line in std::str::from_utf8(payload).unwrap().split("\r\n") {
                if let Some((name, value)) = line.split_once(':') {
                    trailers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
                }
            }
        } else {
            messages.push(Bytes::copy_from_slice(payload));
        }
        rest = &rest[5 + len..];
    }
    // A trailers-only reply carries its status in the headers.
    if trailers.is_empty() {
        for name in ["grpc-status", "grpc-message", "grpc-retry-pushback-ms"] {
            if let Some(value) = http.headers.get(name) {
                trailers.push((name.to_owned(), value.to_str().unwrap().to_owned()));
            }
        }
    }
    let find = |name: &str| {
        trailers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let status = find("grpc-status")
        .unwrap_or_else(|| panic!("no grpc-status in {http:?}"))
        .parse()
        .unwrap();
    let message = find("grpc-message").unwrap_or_default();
    WebReply {
        http,
        messages,
        status,
        message,
        trailers,
    }
}

/// A gRPC-Web call over plain HTTP/1.1.
async fn web_call(addr: SocketAddr, path: &str, token: Option<&str>, message: &[u8]) -> WebReply {
    web_reply(send(addr, web_request(path, token, message)).await)
}

async fn who_am_i(addr: SocketAddr, token: Option<&str>) -> WebReply {
    web_call(addr, WHO_AM_I, token, &WhoAmIRequest {}.encode_to_vec()).await
}

fn console(server: &TestServer) -> SocketAddr {
    server.console_addr.expect("the console is served")
}

fn assert_security_headers(reply: &Reply) {
    assert_eq!(
        reply.header("content-security-policy"),
        CONTENT_SECURITY_POLICY
    );
    assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self'"));
    assert_eq!(reply.header("x-content-type-options"), "nosniff");
    assert_eq!(reply.header("referrer-policy"), "no-referrer");
}

/// An embedded file under `/assets/` (a hashed build output).
fn hashed_asset() -> &'static assets::Asset {
    assets::all()
        .iter()
        .find(|a| a.path.starts_with("/assets/") && a.path.ends_with(".js"))
        .expect("a script under /assets/ in console/dist")
}

#[tokio::test]
async fn the_root_serves_index_html_revalidated_with_security_headers() {
    let server = TestServer::start().await;
    let index = assets::find("/index.html").unwrap();
    let root = get(console(&server), "/").await;
    assert_eq!(root.status, StatusCode::OK);
    assert_eq!(root.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(root.header("cache-control"), "no-cache");
    assert_eq!(root.header("etag"), index.etag);
    assert_eq!(&root.body[..], index.body);
    assert_security_headers(&root);

    let named = get(console(&server), "/index.html").await;
    assert_eq!(named.status, StatusCode::OK);
    assert_eq!(named.header("etag"), root.header("etag"));
    assert_eq!(named.body, root.body);
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_typed_by_extension() {
    let server = TestServer::start().await;
    let asset = hashed_asset();
    let reply = get(console(&server), asset.path).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header("content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        reply.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(&reply.body[..], asset.body);
    assert_security_headers(&reply);

    // HEAD: the same headers, no body.
    let head = send(
        console(&server),
        request(Method::HEAD, asset.path)
            .body(Full::default())
            .unwrap(),
    )
    .await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.header("etag"), asset.etag);
    assert_eq!(head.header("content-length"), asset.body.len().to_string());
    assert!(head.body.is_empty());
}

#[tokio::test]
async fn a_known_etag_is_answered_not_modified() {
    let server = TestServer::start().await;
    for path in ["/", hashed_asset().path] {
        let first = get(console(&server), path).await;
        let etag = first.header("etag").to_owned();
        let again = send(
            console(&server),
            request(Method::GET, path)
                .header(header::IF_NONE_MATCH, &etag)
                .body(Full::default())
                .unwrap(),
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag"), etag);
        assert_security_headers(&again);

        let stale = send(
            console(&server),
            request(Method::GET, path)
                .header(header::IF_NONE_MATCH, "\"0000\"")
                .body(Full::default())
                .unwrap(),
        )
        .await;
        assert_eq!(stale.status, StatusCode::OK, "{path}");
        assert_eq!(stale.body, first.body);
    }
}

#[tokio::test]
async fn unknown_paths_are_not_found_and_other_methods_not_allowed() {
    let server = TestServer::start().await;
    for path in [
        "/missing.js",
        "/assets/missing-000000.js",
        "/admin",
        "/../Cargo.toml",
    ] {
        let reply = get(console(&server), path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            std::str::from_utf8(&reply.body)
                .unwrap()
                .contains("not found"),
            "{path}"
        );
        assert_security_headers(&reply);
    }
    // A POST that is not gRPC-Web, a native gRPC call among them, is no API call here.
    for content_type in ["application/json", "application/grpc"] {
        let reply = send(
            console(&server),
            request(Method::POST, WHO_AM_I)
                .header(header::CONTENT_TYPE, content_type)
                .header(
                    header::AUTHORIZATION,
                    format!("Bearer {}", server.admin_token),
                )
                .body(Full::new(Bytes::from_static(&[0, 0, 0, 0, 0])))
                .unwrap(),
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{content_type}"
        );
        assert_eq!(reply.header("allow"), "GET, HEAD");
    }
}

#[tokio::test]
async fn a_grpc_web_call_needs_a_credential_like_a_native_one() {
    let server = TestServer::start().await;
    let anonymous = who_am_i(console(&server), None).await;
    assert_eq!(
        anonymous.status,
        tonic::Code::Unauthenticated as i32,
        "{anonymous:?}"
    );
    assert!(anonymous.messages.is_empty());
    let unknown = who_am_i(console(&server), Some("gst_not-a-token")).await;
    assert_eq!(
        unknown.status,
        tonic::Code::Unauthenticated as i32,
        "{unknown:?}"
    );

    let admin = who_am_i(console(&server), Some(&server.admin_token)).await;
    assert_eq!(admin.status, 0, "{admin:?}");
    let me: WhoAmIResponse = admin.only_message();
    assert_eq!(me.roles, [Role::Admin as i32]);
    assert!(me.department.is_none());

    // A department's token is the same department over gRPC-Web.
    let department = server.department(1, "市公安局").await;
    let secret = server.token_secret(&department, &[Role::Consumer]).await;
    let reply = who_am_i(console(&server), Some(&secret)).await;
    assert_eq!(reply.status, 0, "{reply:?}");
    let me: WhoAmIResponse = reply.only_message();
    assert_eq!(me.roles, [Role::Consumer as i32]);
    assert_eq!(me.department.unwrap().code, department);
}

/// Both ports authenticate through the same credentials held in memory: a credential in use
/// on the console and revoked over native gRPC is refused on its next gRPC-Web call.
#[tokio::test]
async fn a_credential_revoked_over_grpc_is_refused_on_its_next_grpc_web_call() {
    let server = TestServer::start().await;
    let department = server.department(1, "市公安局").await;
    let issued = server
        .admin()
        .admin
        .issue_token(govshare_server::proto::IssueTokenRequest {
            department_code: department,
            roles: vec![Role::Consumer as i32],
            name: "console".into(),
            expires_at: None,
        })
        .await
        .unwrap()
        .into_inner();
    for _ in 0..2 {
        let reply = who_am_i(console(&server), Some(&issued.token)).await;
        assert_eq!(reply.status, 0, "{reply:?}");
    }
    server
        .admin()
        .admin
        .revoke_token(govshare_server::proto::RevokeTokenRequest {
            token_id: issued.token_id,
        })
        .await
        .unwrap();
    let reply = who_am_i(console(&server), Some(&issued.token)).await;
    assert_eq!(
        reply.status,
        tonic::Code::Unauthenticated as i32,
        "{reply:?}"
    );
    assert!(reply.message.contains("revoked"), "{reply:?}");
}

#[tokio::test]
async fn grpc_web_calls_are_access_logged_and_static_files_are_not() {
    let server = TestServer::start().await;
    let admin = server.admin();
    let me = who_am_i(console(&server), Some(&server.admin_token)).await;
    assert_eq!(me.status, 0);
    let me_id = common::token_id(&admin).await;
    let record = common::record_of(&admin, &me.request_id()).await;
    assert_eq!(record.method, WHO_AM_I);
    assert_eq!(record.outcome, 0);
    assert_eq!(record.token_id, me_id);

    let refused = who_am_i(console(&server), None).await;
    let record = common::record_of(&admin, &refused.request_id()).await;
    assert_eq!(record.method, WHO_AM_I);
    assert_eq!(record.outcome, tonic::Code::Unauthenticated as u32);

    let all_records = || async {
        common::query_all(
            &admin,
            govshare_server::proto::QueryAccessLogRequest {
                page_size: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap()
    };
    let before = all_records().await;
    for path in ["/", "/index.html", hashed_asset().path, "/missing.js"] {
        let reply = get(console(&server), path).await;
        assert!(reply.headers.get("x-request-id").is_none(), "{path}");
    }
    let after = all_records().await;
    // The one record more is the first query's own.
    assert_eq!(after.len(), before.len() + 1, "{after:#?}");
    assert_eq!(
        after[0].method, "/govshare.v1.AuditService/QueryAccessLog",
        "{after:#?}"
    );
    assert!(
        after.iter().all(|r| r.method.starts_with("/govshare.v1.")),
        "{after:#?}"
    );
}

#[tokio::test]
async fn an_oversized_grpc_web_message_is_refused_and_the_port_goes_on_serving() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir, |c| c.api.max_message_bytes = 64 * 1024).await;
    // A WhoAmIRequest with 100 KB in an unknown bytes field (number 15): too large to decode.
    let padding = vec![b'x'; 100_000];
    let mut message = vec![15 << 3 | 2];
    let mut len = padding.len();
    while len >= 0x80 {
        message.push((len as u8) | 0x80);
        len >>= 7;
    }
    message.push(len as u8);
    message.extend_from_slice(&padding);
    let reply = web_call(
        console(&server),
        WHO_AM_I,
        Some(&server.admin_token),
        &message,
    )
    .await;
    assert!(
        [
            tonic::Code::ResourceExhausted as i32,
            tonic::Code::OutOfRange as i32
        ]
        .contains(&reply.status),
        "{reply:?}"
    );
    let record = common::record_of(&server.admin(), &reply.request_id()).await;
    assert_eq!(record.outcome, reply.status as u32);

    let within = who_am_i(console(&server), Some(&server.admin_token)).await;
    assert_eq!(within.status, 0, "{within:?}");
}

#[tokio::test]
async fn a_credential_shares_its_rate_quota_between_native_and_grpc_web_calls() {
    let dir = tempfile::tempdir().unwrap();
    // Two calls at once, then one every hundred seconds.
    let server = TestServer::start_with(dir, |c| {
        c.api.per_token_rate = 0.01;
        c.api.per_token_burst = 2;
    })
    .await;
    server
        .admin()
        .admin
        .clone()
        .who_am_i(WhoAmIRequest {})
        .await
        .unwrap();
    let second = who_am_i(console(&server), Some(&server.admin_token)).await;
    assert_eq!(second.status, 0, "{second:?}");
    let third = who_am_i(console(&server), Some(&server.admin_token)).await;
    assert_eq!(
        third.status,
        tonic::Code::ResourceExhausted as i32,
        "{third:?}"
    );
    assert!(
        third
            .trailers
            .iter()
            .any(|(n, v)| n == "grpc-retry-pushback-ms" && v.parse::<u64>().unwrap() > 0),
        "{third:?}"
    );
    assert!(!third.message.is_empty());
    let native = server
        .admin()
        .admin
        .clone()
        .who_am_i(WhoAmIRequest {})
        .await
        .unwrap_err();
    assert_eq!(native.code(), tonic::Code::ResourceExhausted);
}

#[tokio::test]
async fn the_health_service_answers_grpc_web_without_a_credential() {
    let server = TestServer::start().await;
    let request = tonic_health::pb::HealthCheckRequest {
        service: String::new(),
    };
    let reply = web_call(
        console(&server),
        "/grpc.health.v1.Health/Check",
        None,
        &request.encode_to_vec(),
    )
    .await;
    assert_eq!(reply.status, 0, "{reply:?}");
    let health: tonic_health::pb::HealthCheckResponse = reply.only_message();
    assert_eq!(
        health.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
}

#[tokio::test]
async fn the_console_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir, |c| c.console.enabled = false).await;
    assert_eq!(server.console_addr, None);
    let me = server
        .admin()
        .admin
        .clone()
        .who_am_i(WhoAmIRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(me.roles, [Role::Admin as i32]);
    server.stop().await;
}

#[tokio::test]
async fn the_console_stops_with_the_server() {
    let server = TestServer::start().await;
    let addr = console(&server);
    assert_eq!(get(addr, "/").await.status, StatusCode::OK);
    let dir = server.stop().await;
    assert!(TcpStream::connect(addr).await.is_err(), "still listening");
    drop(dir);
}

/// A server certificate for 127.0.0.1 signed by a CA made for the test, as PEM files.
struct Certificates {
    _dir: tempfile::TempDir,
    ca: std::path::PathBuf,
    ca_der: Vec<u8>,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
}

fn certificates() -> Certificates {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let dir = tempfile::tempdir().unwrap();
    let mut params = CertificateParams::default();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let files = Certificates {
        ca: dir.path().join("ca.pem"),
        ca_der: ca.der().to_vec(),
        cert: dir.path().join("server.pem"),
        key: dir.path().join("server.key"),
        _dir: dir,
    };
    std::fs::write(&files.ca, ca.pem()).unwrap();
    std::fs::write(&files.cert, cert.pem()).unwrap();
    std::fs::write(&files.key, key.serialize_pem()).unwrap();
    files
}

/// A TLS connection to `addr` trusting `ca_der`, offering `alpn`, presenting no certificate.
async fn tls_connect(
    addr: SocketAddr,
    ca_der: &[u8],
    alpn: &[&[u8]],
) -> tokio_rustls::client::TlsStream<TcpStream> {
    govshare_server::tls::install_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(ca_der.to_vec()))
        .unwrap();
    let mut config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    connector.connect(name, tcp).await.unwrap()
}

#[tokio::test]
async fn with_a_server_certificate_the_console_is_https_and_asks_for_no_client_certificate() {
    let files = certificates();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, ca) = (files.cert.clone(), files.key.clone(), files.ca.clone());
    let ca_pem = std::fs::read(&files.ca).unwrap();
    let server = TestServer::start_reached_by(
        dir,
        |c| {
            c.tls.cert_file = Some(cert);
            c.tls.key_file = Some(key);
            // Mutual TLS on the gRPC port; the console signs in with a token alone.
            c.tls.client_ca_file = Some(ca);
        },
        |addr| {
            tonic::transport::Endpoint::from_shared(format!("https://{addr}"))
                .unwrap()
                .tls_config(
                    tonic::transport::ClientTlsConfig::new()
                        .ca_certificate(tonic::transport::Certificate::from_pem(&ca_pem))
                        .identity(tonic::transport::Identity::from_pem(
                            std::fs::read(&files.cert).unwrap(),
                            std::fs::read(&files.key).unwrap(),
                        )),
                )
                .unwrap()
        },
    )
    .await;
    let addr = console(&server);

    // HTTP/1.1 by ALPN.
    let stream = tls_connect(addr, &files.ca_der, &[b"http/1.1"]).await;
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let page = send_on(
        stream,
        request(Method::GET, "/").body(Full::default()).unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(&page.body[..], assets::find("/").unwrap().body);
    assert_security_headers(&page);

    let stream = tls_connect(addr, &files.ca_der, &[b"h2", b"http/1.1"]).await;
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    drop(stream);

    let stream = tls_connect(addr, &files.ca_der, &[b"http/1.1"]).await;
    let reply = web_reply(
        send_on(
            stream,
            web_request(WHO_AM_I, Some(&server.admin_token), &[]),
        )
        .await,
    );
    assert_eq!(reply.status, 0, "{reply:?}");
    let me: WhoAmIResponse = reply.only_message();
    assert_eq!(me.roles, [Role::Admin as i32]);

    // Plain HTTP is not served on a TLS console.
    let plain = TcpStream::connect(addr).await.unwrap();
    let attempt = tokio::time::timeout(std::time::Duration::from_secs(5), async move {
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(plain))
            .await
            .unwrap();
        tokio::spawn(connection);
        sender
            .send_request(
                request(Method::GET, "/")
                    .body(Full::<Bytes>::default())
                    .unwrap(),
            )
            .await
    })
    .await;
    assert!(
        !matches!(attempt, Ok(Ok(ref r)) if r.status() == StatusCode::OK),
        "{attempt:?}"
    );
}

/// `govshare serve` on ephemeral ports with `extra` flags: the lines it prints up to its data
/// directory, and the process (killed when dropped).
fn serve(dir: &std::path::Path, extra: &[&str]) -> (Vec<String>, common::Killed) {
    let mut child = common::serve_command(dir, extra).spawn().unwrap();
    let printed = common::printed_at_start(&mut child);
    (printed, common::Killed(child))
}

#[tokio::test]
async fn govshare_serve_prints_the_console_address_and_no_console_opens_none() {
    let dir = tempfile::tempdir().unwrap();
    let (printed, _server) = serve(&dir.path().join("on"), &["--console-addr", "127.0.0.1:0"]);
    let addr = printed
        .iter()
        .find_map(|l| l.strip_prefix("govshare: web console on http://"))
        .unwrap_or_else(|| panic!("no console line in {printed:#?}"));
    let addr: SocketAddr = addr.trim_end_matches('/').parse().unwrap();
    let page = get(addr, "/").await;
    assert_eq!(page.status, StatusCode::OK);

    let (printed, _server) = serve(&dir.path().join("off"), &["--no-console"]);
    assert!(
        printed.iter().all(|l| !l.contains("web console")),
        "{printed:#?}"
    );
}
