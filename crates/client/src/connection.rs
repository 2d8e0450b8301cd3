//! Connecting: the server's URL, TLS and mutual TLS, the credential, the timeouts, and the
//! clients of the six services over the one connection.

use std::path::Path;
use std::time::Duration;

use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

use crate::Error;
use crate::credential::{Bearer, Credential};
use crate::proto::admin_service_client::AdminServiceClient;
use crate::proto::audit_service_client::AuditServiceClient;
use crate::proto::catalog_service_client::CatalogServiceClient;
use crate::proto::exchange_service_client::ExchangeServiceClient;
use crate::proto::report_service_client::ReportServiceClient;
use crate::proto::sharing_service_client::SharingServiceClient;

/// Largest response a client accepts (a full page of entries with many items).
const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
/// Largest message the exchange client accepts: data chunks of about 1 MiB
/// (`exchange.chunk_bytes`, at most 4 MiB) and pages of snapshots fit well within it.
const MAX_EXCHANGE_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// The channel every service client of one [`Client`] shares: the connection with the
/// caller's credential.
pub type AuthChannel = InterceptedService<Channel, Bearer>;
/// The AdminService client: departments, credentials, WhoAmI.
pub type AdminClient = AdminServiceClient<AuthChannel>;
/// The CatalogService client: entries, their versions and reviews, search, the catalogue feed.
pub type CatalogClient = CatalogServiceClient<AuthChannel>;
/// The SharingService client: requests and grants.
pub type SharingClient = SharingServiceClient<AuthChannel>;
/// The ExchangeService client: data snapshots (see also [`Client::publish`] and
/// [`Client::fetch`]).
pub type ExchangeClient = ExchangeServiceClient<AuthChannel>;
/// The AuditService client: the access log and its hash chain.
pub type AuditClient = AuditServiceClient<AuthChannel>;
/// The ReportService client: the yearly sharing report.
pub type ReportClient = ReportServiceClient<AuthChannel>;

/// The environment variable [`Config::from_env`] takes the server's URL from.
pub const SERVER_ENV: &str = "GOVSHARE_SERVER";
/// The server [`Config::from_env`] connects to when `GOVSHARE_SERVER` is not set.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:50051";

/// PEM bytes of a certificate or key.
#[derive(Clone)]
struct Pem(Vec<u8>);

impl Pem {
    /// The PEM file at `path`, named `what` in errors.
    fn read(what: &str, path: &Path) -> Result<Pem, Error> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            context: format!("cannot read the {what} {}", path.display()),
            source,
        })?;
        if !String::from_utf8_lossy(&bytes).contains("-----BEGIN ") {
            return Err(Error::Config(format!(
                "the {what} {} is not a PEM file",
                path.display()
            )));
        }
        Ok(Pem(bytes))
    }
}

/// How to reach the server: its URL, the credential, TLS and the timeouts.
///
/// An `http://` URL is a plain connection; an `https://` URL uses TLS, trusting the CA
/// certificates given (else the system's roots), with a client certificate for a server that
/// requires mutual TLS.
#[derive(Clone)]
pub struct Config {
    server: String,
    credential: Credential,
    ca: Option<Pem>,
    identity: Option<(Pem, Pem)>,
    connect_timeout: Duration,
    call_timeout: Duration,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("server", &self.server)
            .field("credential", &self.credential)
            .field("ca", &self.ca.as_ref().map(|_| "<PEM>"))
            .field("identity", &self.identity.as_ref().map(|_| "<PEM>"))
            .field("connect_timeout", &self.connect_timeout)
            .field("call_timeout", &self.call_timeout)
            .finish()
    }
}

impl Config {
    /// The server at `server` (`http://HOST:PORT` or `https://HOST:PORT`), no credential, the
    /// system's trusted roots for TLS, 10 s to connect and 120 s for each call.
    pub fn new(server: impl Into<String>) -> Config {
        Config {
            server: server.into(),
            credential: Credential::none(),
            ca: None,
            identity: None,
            connect_timeout: Duration::from_secs(10),
            call_timeout: Duration::from_secs(120),
        }
    }

    /// The configuration the environment gives, with the names the `govshare` command line
    /// reads: `GOVSHARE_SERVER` (default `http://127.0.0.1:50051`), `GOVSHARE_TOKEN`, and for
    /// TLS `GOVSHARE_CA_CERT` and `GOVSHARE_CLIENT_CERT` with `GOVSHARE_CLIENT_KEY` (PEM
    /// files).
    pub fn from_env() -> Result<Config, Error> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let server = match var(SERVER_ENV) {
            Some(server) => server
                .into_string()
                .map_err(|_| Error::Config(format!("{SERVER_ENV} does not hold a URL")))?,
            None => DEFAULT_SERVER.to_string(),
        };
        let mut config = Config::new(server).credential(Credential::from_env()?);
        if let Some(ca) = var("GOVSHARE_CA_CERT") {
            config = config.ca_file(ca)?;
        }
        match (var("GOVSHARE_CLIENT_CERT"), var("GOVSHARE_CLIENT_KEY")) {
            (Some(cert), Some(key)) => config = config.identity_files(cert, key)?,
            (None, None) => {}
            _ => {
                return Err(Error::Config(
                    "GOVSHARE_CLIENT_CERT and GOVSHARE_CLIENT_KEY go together: set both".into(),
                ));
            }
        }
        Ok(config)
    }

    /// The server's URL.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Sends `credential` with every call.
    pub fn credential(mut self, credential: Credential) -> Config {
        self.credential = credential;
        self
    }

    /// Trusts the CA certificates in `pem` (instead of the system's roots).
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Config {
        self.ca = Some(Pem(pem.into()));
        self
    }

    /// Trusts the CA certificates in the PEM file at `path` (instead of the system's roots).
    pub fn ca_file(self, path: impl AsRef<Path>) -> Result<Config, Error> {
        let pem = Pem::read("CA certificate", path.as_ref())?;
        Ok(self.ca_pem(pem.0))
    }

    /// Presents the client certificate `cert` with its private key `key` (both PEM), for a
    /// server that requires mutual TLS.
    pub fn identity_pem(mut self, cert: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>) -> Config {
        self.identity = Some((Pem(cert.into()), Pem(key.into())));
        self
    }

    /// [`identity_pem`](Self::identity_pem) from the PEM files `cert` and `key`.
    pub fn identity_files(
        self,
        cert: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Config, Error> {
        let cert = Pem::read("client certificate", cert.as_ref())?;
        let key = Pem::read("client key", key.as_ref())?;
        Ok(self.identity_pem(cert.0, key.0))
    }

    /// How long connecting may take (10 s by default).
    pub fn connect_timeout(mut self, timeout: Duration) -> Config {
        self.connect_timeout = timeout;
        self
    }

    /// How long each call may take (120 s by default). Data transfers
    /// ([`Client::exchange`]) have no overall deadline: a large snapshot may take long.
    pub fn call_timeout(mut self, timeout: Duration) -> Config {
        self.call_timeout = timeout;
        self
    }

    /// The endpoint of the server, with TLS for an `https://` URL.
    fn endpoint(&self) -> Result<Endpoint, Error> {
        let endpoint = Endpoint::from_shared(self.server.clone())
            .map_err(|source| Error::InvalidServer {
                server: self.server.clone(),
                source,
            })?
            .connect_timeout(self.connect_timeout);
        if endpoint.uri().scheme_str() != Some("https") {
            if self.ca.is_some() || self.identity.is_some() {
                return Err(Error::Config(format!(
                    "a CA certificate and a client certificate are for TLS: give the server as \
                     https://{}",
                    endpoint
                        .uri()
                        .authority()
                        .map_or("HOST:PORT", |a| a.as_str())
                )));
            }
            return Ok(endpoint);
        }
        install_crypto_provider();
        let mut tls = match &self.ca {
            Some(pem) => ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&pem.0)),
            None => ClientTlsConfig::new().with_native_roots(),
        };
        if let Some((cert, key)) = &self.identity {
            tls = tls.identity(Identity::from_pem(&cert.0, &key.0));
        }
        endpoint.tls_config(tls).map_err(Error::Tls)
    }
}

/// Installs ring as rustls's process-wide crypto provider, as tonic's TLS uses; a provider
/// installed earlier is kept. [`Client::connect`] calls it for `https://` servers.
pub fn install_crypto_provider() {
    // An earlier install (Err) is what we want too.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A connection to the server with the caller's credential: the clients of the six services,
/// publishing and fetching data. Cheap to clone; clones share the connection.
#[derive(Debug, Clone)]
pub struct Client {
    channel: Channel,
    /// For data transfers: no overall deadline, since a large snapshot may take long.
    data_channel: Channel,
    bearer: Bearer,
}

impl Client {
    /// Connects to the server of `config`; fails early when it is unreachable or the TLS
    /// handshake fails.
    pub async fn connect(config: Config) -> Result<Client, Error> {
        let bearer = Bearer::new(&config.credential)?;
        let data_endpoint = config.endpoint()?;
        let endpoint = data_endpoint.clone().timeout(config.call_timeout);
        let channel = endpoint.connect().await.map_err(|source| Error::Connect {
            server: config.server.clone(),
            source,
        })?;
        Ok(Client {
            channel,
            data_channel: data_endpoint.connect_lazy(),
            bearer,
        })
    }

    /// The AdminService client.
    pub fn admin(&self) -> AdminClient {
        AdminServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
            .max_decoding_message_size(MAX_RESPONSE_BYTES)
    }

    /// The CatalogService client.
    pub fn catalog(&self) -> CatalogClient {
        CatalogServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
            .max_decoding_message_size(MAX_RESPONSE_BYTES)
    }

    /// The SharingService client.
    pub fn sharing(&self) -> SharingClient {
        SharingServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
            .max_decoding_message_size(MAX_RESPONSE_BYTES)
    }

    /// The AuditService client.
    pub fn audit(&self) -> AuditClient {
        AuditServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
            .max_decoding_message_size(MAX_RESPONSE_BYTES)
    }

    /// The ReportService client.
    pub fn report(&self) -> ReportClient {
        ReportServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
            .max_decoding_message_size(MAX_RESPONSE_BYTES)
    }

    /// The ExchangeService client, over a channel without an overall deadline per call (a
    /// large snapshot may take long to transfer).
    pub fn exchange(&self) -> ExchangeClient {
        ExchangeServiceClient::with_interceptor(self.data_channel.clone(), self.bearer.clone())
            .max_decoding_message_size(MAX_EXCHANGE_MESSAGE_BYTES)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tls_settings_need_an_https_server() {
        let config =
            Config::new("http://10.0.0.1:50051").ca_pem(b"-----BEGIN CERTIFICATE-----".to_vec());
        let err = config.endpoint().unwrap_err().to_string();
        assert!(err.contains("https://10.0.0.1:50051"), "{err}");
        assert!(Config::new("http://10.0.0.1:50051").endpoint().is_ok());
        let bad = Config::new("not a url").endpoint().unwrap_err();
        assert!(matches!(bad, Error::InvalidServer { .. }), "{bad:?}");
    }

    #[test]
    fn pem_files_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let not_pem = dir.path().join("ca.txt");
        std::fs::write(&not_pem, "hello").unwrap();
        let err = Config::new("https://x:1").ca_file(&not_pem).unwrap_err();
        assert!(err.to_string().contains("is not a PEM file"), "{err}");
        let err = Config::new("https://x:1")
            .ca_file(dir.path().join("missing.pem"))
            .unwrap_err();
        assert!(err.to_string().contains("missing.pem"), "{err}");
    }

    #[test]
    fn debug_shows_no_secret() {
        let config = Config::new("https://x:1")
            .credential(Credential::token("s3cret"))
            .identity_pem(b"CERT".to_vec(), b"KEY".to_vec());
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("KEY"),
            "{shown}"
        );
    }

    #[tokio::test]
    async fn an_unreachable_server_fails_to_connect() {
        // A port that was just free: nothing listens there.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = Client::connect(Config::new(format!("http://{addr}")))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Connect { .. }), "{err:?}");
        assert_eq!(err.to_string(), format!("cannot connect to http://{addr}"));
    }
}
