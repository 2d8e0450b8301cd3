//! Transport security: TLS, mutual TLS, and the department named by the client certificate,
//! against a real server with certificates made for each test.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::common::cli::{Outcome, govshare_url};
use crate::common::{Clients, TestServer};
use govshare_model::Role as ModelRole;
use govshare_server::config::{ClientIdentity, Config};
use govshare_server::proto::{self, Role};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair,
};
use tempfile::TempDir;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

/// A certificate authority made for one test, writing what it signs as PEM files.
struct Pki {
    dir: TempDir,
    ca: CertifiedIssuer<'static, KeyPair>,
    ca_file: PathBuf,
}

/// A certificate and its key, as files.
#[derive(Debug, Clone)]
struct Pem {
    cert: PathBuf,
    key: PathBuf,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let mut params = CertificateParams::default();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, name);
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        Pki { dir, ca, ca_file }
    }

    /// The server's certificate, for 127.0.0.1 and localhost.
    fn server(&self) -> Pem {
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.sign("server", params)
    }

    /// A client certificate whose subject has `attributes` (OID, value).
    fn client(&self, name: &str, attributes: &[(DnType, &str)]) -> Pem {
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        for (kind, value) in attributes {
            params.distinguished_name.push(kind.clone(), *value);
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.sign(name, params)
    }

    /// The client certificate of the department `code`: its subject's serialNumber is the
    /// code, as a CA issuing department certificates would make it.
    fn department(&self, name: &str, code: &str) -> Pem {
        self.client(
            name,
            &[
                (DnType::CommonName, "业务系统 business system"),
                (serial_number(), code),
            ],
        )
    }

    fn sign(&self, name: &str, params: CertificateParams) -> Pem {
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        let pem = Pem {
            cert: self.dir.path().join(format!("{name}.pem")),
            key: self.dir.path().join(format!("{name}.key")),
        };
        std::fs::write(&pem.cert, cert.pem()).unwrap();
        std::fs::write(&pem.key, key.serialize_pem()).unwrap();
        pem
    }
}

/// The subject attribute serialNumber (2.5.4.5).
fn serial_number() -> DnType {
    DnType::CustomDnType(vec![2, 5, 4, 5])
}

/// An https endpoint of `addr` trusting `ca`, presenting `client` if given.
fn https(addr: SocketAddr, ca: &Path, client: Option<&Pem>) -> Endpoint {
    let mut tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read(ca)));
    if let Some(pem) = client {
        tls = tls.identity(Identity::from_pem(read(&pem.cert), read(&pem.key)));
    }
    Endpoint::from_shared(format!("https://{addr}"))
        .unwrap()
        .tls_config(tls)
        .unwrap()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// Clients over `endpoint` sending `token`, if any.
async fn clients_over(endpoint: Endpoint, token: Option<&str>) -> Result<Clients, Failure> {
    let channel: Channel = endpoint
        .connect()
        .await
        .map_err(|e| Failure::Transport(format!("{e:?}")))?;
    Ok(Clients::over(&channel, token))
}

/// Why a call got no answer.
#[derive(Debug)]
enum Failure {
    /// The connection failed: the client made this error, not the server.
    Transport(String),
    /// The server answered with this status.
    Answered(tonic::Status),
}

impl From<tonic::Status> for Failure {
    fn from(status: tonic::Status) -> Self {
        // The client gives the statuses it makes of a failed connection a source; one decoded
        // from the server's reply has none.
        if std::error::Error::source(&status).is_some()
            || status.message().starts_with("h2 protocol error")
        {
            Failure::Transport(format!("{status:?}"))
        } else {
            Failure::Answered(status)
        }
    }
}

/// WhoAmI over `endpoint` with `token`.
async fn who_am_i(
    endpoint: Endpoint,
    token: Option<&str>,
) -> Result<proto::WhoAmIResponse, Failure> {
    let clients = clients_over(endpoint, token).await?;
    Ok(who(&clients).await?.into_inner())
}

/// WhoAmI with `clients`.
async fn who(clients: &Clients) -> Result<tonic::Response<proto::WhoAmIResponse>, tonic::Status> {
    clients
        .admin
        .clone()
        .who_am_i(proto::WhoAmIRequest {})
        .await
}

/// Asserts that the connection was refused, so that no call reached the server, and returns
/// why, as the client tells it.
fn assert_refused_at_handshake(
    result: Result<proto::WhoAmIResponse, Failure>,
    what: &str,
) -> String {
    match result {
        Err(Failure::Transport(why)) => why,
        other => panic!("{what}: expected the connection to be refused, got {other:?}"),
    }
}

/// Starts a server with `[tls]` set by `tls`; the administrator's channel trusts `pki` and
/// presents `admin_cert`, if given.
async fn start(
    pki: &Pki,
    admin_cert: Option<Pem>,
    tls: impl FnOnce(&mut govshare_server::config::TlsConfig),
) -> TestServer {
    let server_pem = pki.server();
    let ca_file = pki.ca_file.clone();
    TestServer::start_reached_by(
        tempfile::tempdir().unwrap(),
        |config: &mut Config| {
            config.tls.cert_file = Some(server_pem.cert.clone());
            config.tls.key_file = Some(server_pem.key.clone());
            tls(&mut config.tls);
        },
        move |addr| https(addr, &ca_file, admin_cert.as_ref()),
    )
    .await
}

#[tokio::test]
async fn tls_serves_clients_that_trust_its_ca_and_no_others() {
    let pki = Pki::new("govshare test CA");
    let server = start(&pki, None, |_| {}).await;
    let code = server.department(1, "市大数据局").await;
    let listed = server
        .admin()
        .admin
        .list_departments(proto::ListDepartmentsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(listed.departments.iter().any(|d| d.code == code));

    let other = Pki::new("another CA");
    let untrusted = who_am_i(
        https(server.addr, &other.ca_file, None),
        Some(&server.admin_token),
    )
    .await;
    let why = assert_refused_at_handshake(untrusted, "a client trusting another CA");
    assert!(why.contains("UnknownIssuer"), "{why}");
    let plain = Endpoint::from_shared(format!("http://{}", server.addr)).unwrap();
    let plaintext = who_am_i(plain, Some(&server.admin_token)).await;
    assert_refused_at_handshake(plaintext, "a plaintext client");

    // The probes stay plain HTTP.
    let probe = common::http_get(server.metrics_addr, "/healthz").await;
    assert_eq!(probe.status, 200, "{}", probe.body);
    server.stop().await;
}

#[tokio::test]
async fn mutual_tls_admits_only_clients_with_a_certificate_of_its_client_ca() {
    let pki = Pki::new("govshare test CA");
    let operator = pki.client("operator", &[(DnType::CommonName, "platform operator")]);
    let ca = pki.ca_file.clone();
    let server = start(&pki, Some(operator), |tls| {
        tls.client_ca_file = Some(ca);
    })
    .await;
    let a = server.department(1, "市大数据局").await;
    let b = server.department(2, "市公安局").await;
    let token = server.token_secret(&a, &[Role::Consumer]).await;

    let bare = who_am_i(https(server.addr, &pki.ca_file, None), Some(&token)).await;
    assert_refused_at_handshake(bare, "no client certificate");
    let other = Pki::new("another CA");
    let foreign = other.department("foreign", &a);
    let refused = who_am_i(
        https(server.addr, &pki.ca_file, Some(&foreign)),
        Some(&token),
    )
    .await;
    assert_refused_at_handshake(refused, "a client certificate of another CA");

    // With token identity the certificate only admits the connection: one naming department
    // B carries A's token, and the call is A's.
    let of_b = pki.department("b", &b);
    let me = who_am_i(https(server.addr, &pki.ca_file, Some(&of_b)), Some(&token))
        .await
        .unwrap();
    assert_eq!(me.department.unwrap().code, a);
    let anonymous = who_am_i(https(server.addr, &pki.ca_file, Some(&of_b)), None).await;
    match anonymous {
        Err(Failure::Answered(status)) => {
            assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status:?}")
        }
        other => panic!("a certificate alone is no credential here: {other:?}"),
    }
    server.stop().await;
}

/// A server whose client certificates name departments, granting CONSUMER to a certificate
/// alone; departments A and B registered.
struct CertificateIdentity {
    pki: Pki,
    server: TestServer,
    a: String,
    b: String,
}

impl CertificateIdentity {
    async fn start() -> CertificateIdentity {
        let pki = Pki::new("govshare test CA");
        let operator = pki.client("operator", &[(DnType::CommonName, "platform operator")]);
        let ca = pki.ca_file.clone();
        let server = start(&pki, Some(operator), |tls| {
            tls.client_ca_file = Some(ca);
            tls.client_identity = ClientIdentity::Certificate;
            tls.certificate_roles = vec![ModelRole::Consumer];
        })
        .await;
        let a = server.department(1, "市大数据局").await;
        let b = server.department(2, "市公安局").await;
        CertificateIdentity { pki, server, a, b }
    }

    /// Clients presenting `cert` and sending `token`, if any.
    async fn clients(&self, cert: &Pem, token: Option<&str>) -> Clients {
        clients_over(
            https(self.server.addr, &self.pki.ca_file, Some(cert)),
            token,
        )
        .await
        .unwrap()
    }
}

/// RegisterEntry of a sample entry of `provider` with `clients`.
async fn register_entry(
    clients: &Clients,
    provider: &str,
) -> Result<tonic::Response<proto::CatalogEntry>, tonic::Status> {
    let request = proto::RegisterEntryRequest {
        metadata: Some(common::sample_metadata(provider)),
        note: "登记".into(),
        validate_only: false,
    };
    clients.catalog.clone().register_entry(request).await
}

#[tokio::test]
async fn the_client_certificate_names_the_department_of_the_call() {
    let f = CertificateIdentity::start().await;
    let cert_a = f.pki.department("a", &f.a);
    let token_a = f.server.token_secret(&f.a, &[Role::Cataloguer]).await;
    let token_b = f.server.token_secret(&f.b, &[Role::Cataloguer]).await;

    // Certificate of A with A's token: the token's roles, recorded as A's call.
    let a = f.clients(&cert_a, Some(&token_a)).await;
    let registered = register_entry(&a, &f.a).await;
    let request_id = common::request_id(&registered);
    let entry = registered.unwrap().into_inner();
    let record = common::record_of(&f.server.admin(), &request_id).await;
    assert_eq!(record.department_code, f.a);
    assert_eq!(record.token_id, common::token_id(&a).await);

    // Certificate of A with B's token: refused, and the record names B's token.
    let mixed = f.clients(&cert_a, Some(&token_b)).await;
    let refused = who(&mixed).await;
    let request_id = common::request_id(&refused);
    let status = refused.unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status:?}");
    crate::common::refusal::assert_reason(&status, "CERTIFICATE_REFUSED");
    assert!(
        status.message().contains("another department"),
        "{status:?}"
    );
    let record = common::record_of(&f.server.admin(), &request_id).await;
    assert_eq!(record.department_code, f.b);

    // Certificate of A alone: A with CONSUMER, which sees A's unpublished entry but cannot
    // register one.
    let alone = f.clients(&cert_a, None).await;
    let me = who(&alone).await.unwrap().into_inner();
    assert_eq!(me.department.as_ref().unwrap().code, f.a);
    assert_eq!(me.roles, vec![Role::Consumer as i32]);
    assert!(me.token_id.starts_with("cert:"), "{me:?}");
    let draft = common::get_entry(&alone, &entry.code, 0).await.unwrap();
    assert_eq!(draft.code, entry.code);
    let of_b = f.clients(&f.pki.department("b", &f.b), None).await;
    let hidden = common::get_entry(&of_b, &entry.code, 0).await.unwrap_err();
    assert_eq!(hidden.code(), tonic::Code::NotFound, "{hidden:?}");
    let denied = register_entry(&alone, &f.a).await;
    let request_id = common::request_id(&denied);
    let status = denied.unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");
    let record = common::record_of(&f.server.admin(), &request_id).await;
    assert_eq!(record.department_code, f.a);
    assert_eq!(record.token_id, me.token_id);
    f.server.stop().await;
}

#[tokio::test]
async fn a_certificate_must_name_a_registered_department() {
    let f = CertificateIdentity::start().await;
    let unregistered = govshare_model::testing::valid_credit_code(3);
    let cases = [
        (
            f.pki.department("unregistered", &unregistered),
            "is not registered",
        ),
        (
            f.pki
                .client("invalid", &[(DnType::CommonName, "91110000600037341X")]),
            "not a valid credit code",
        ),
        (
            f.pki
                .client("nameless", &[(DnType::OrganizationName, "市大数据局")]),
            "no serialNumber and no CN",
        ),
    ];
    let token_a = f.server.token_secret(&f.a, &[Role::Consumer]).await;
    for (cert, why) in &cases {
        for token in [None, Some(token_a.as_str())] {
            let status = who(&f.clients(cert, token).await).await.unwrap_err();
            assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status:?}");
            assert!(status.message().contains(why), "{why}: {status:?}");
        }
    }
    // The CN names the department when the subject has no serialNumber.
    let by_cn = f.pki.client("cn", &[(DnType::CommonName, f.a.as_str())]);
    let me = who(&f.clients(&by_cn, None).await)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(me.department.unwrap().code, f.a);
    f.server.stop().await;
}

/// `govshare --server https://… --ca-cert … [client certificate] <args>`.
async fn govshare_tls(
    server: &TestServer,
    ca: &Path,
    client: Option<&Pem>,
    args: &[&str],
) -> Outcome {
    let mut all: Vec<String> = vec!["--ca-cert".into(), ca.display().to_string()];
    if let Some(pem) = client {
        all.extend([
            "--client-cert".into(),
            pem.cert.display().to_string(),
            "--client-key".into(),
            pem.key.display().to_string(),
        ]);
    }
    all.extend(args.iter().map(|a| a.to_string()));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    govshare_url(&format!("https://{}", server.addr), None, &all).await
}

#[tokio::test]
async fn the_command_line_connects_with_tls_and_a_client_certificate() {
    let f = CertificateIdentity::start().await;
    let cert_a = f.pki.department("a", &f.a);
    let me = govshare_tls(
        &f.server,
        &f.pki.ca_file,
        Some(&cert_a),
        &["whoami", "--output", "json"],
    )
    .await
    .json();
    assert_eq!(me["department"]["code"], f.a.as_str(), "{me}");

    let without = govshare_tls(&f.server, &f.pki.ca_file, None, &["whoami"]).await;
    assert_ne!(without.code, 0, "{without:#?}");
    let half = govshare_tls(
        &f.server,
        &f.pki.ca_file,
        None,
        &[
            "whoami",
            "--client-cert",
            &cert_a.cert.display().to_string(),
        ],
    )
    .await;
    assert_ne!(half.code, 0);
    assert!(half.stderr.contains("--client-key"), "{half:#?}");
    let missing = govshare_url(
        &format!("https://{}", f.server.addr),
        None,
        &["whoami", "--ca-cert", "/nonexistent/ca.pem"],
    )
    .await;
    assert_ne!(missing.code, 0);
    assert!(
        missing.stderr.contains("/nonexistent/ca.pem"),
        "{missing:#?}"
    );
    let plain = govshare_url(
        &format!("http://{}", f.server.addr),
        None,
        &["whoami", "--ca-cert", &f.pki.ca_file.display().to_string()],
    )
    .await;
    assert_ne!(plain.code, 0);
    assert!(plain.stderr.contains("https://"), "{plain:#?}");

    // A client and a server that disagree on TLS are told so.
    let token = f.server.admin_token.as_str();
    let http = format!("http://{}", f.server.addr);
    let plaintext = govshare_url(&http, Some(token), &["whoami"]).await;
    assert_ne!(plaintext.code, 0);
    assert!(
        plaintext.stderr.contains("connection failed"),
        "{plaintext:#?}"
    );
    let plain_server = TestServer::start().await;
    let tls_client = govshare_tls(&plain_server, &f.pki.ca_file, None, &["whoami"]).await;
    assert_ne!(tls_client.code, 0);
    assert!(
        tls_client.stderr.contains("does not use TLS"),
        "{tls_client:#?}"
    );
    plain_server.stop().await;
    f.server.stop().await;
}

#[tokio::test]
async fn a_server_with_an_unreadable_certificate_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new("govshare test CA");
    let server = pki.server();
    let config = dir.path().join("govshare.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\ngrpc_addr = \"127.0.0.1:0\"\nmetrics_addr = \"127.0.0.1:0\"\n\
             [tls]\ncert_file = {:?}\nkey_file = {:?}\n",
            dir.path().join("data"),
            dir.path().join("missing.pem"),
            server.key
        ),
    )
    .unwrap();
    let serve = tokio::process::Command::new(env!("CARGO_BIN_EXE_govshare"))
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .kill_on_drop(true)
        .output();
    // Were the configuration accepted, the server would run until killed.
    let output = tokio::time::timeout(std::time::Duration::from_secs(60), serve)
        .await
        .expect("the server started instead of refusing its configuration")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("tls.cert_file"), "{stderr}");
    assert!(stderr.contains("missing.pem"), "{stderr}");
}
