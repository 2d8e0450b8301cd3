//! The client side of a command: global options, the bearer credential, TLS and the gRPC
//! clients.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use tonic::metadata::{AsciiMetadataValue, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

use crate::output::OutputFormat;
use crate::proto::admin_service_client::AdminServiceClient;
use crate::proto::audit_service_client::AuditServiceClient;
use crate::proto::catalog_service_client::CatalogServiceClient;
use crate::proto::exchange_service_client::ExchangeServiceClient;
use crate::proto::report_service_client::ReportServiceClient;
use crate::proto::sharing_service_client::SharingServiceClient;

/// Largest response a client accepts (a full page of entries with many items).
const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Options of every client command; they may be given before or after the subcommand.
#[derive(Clone, clap::Args)]
#[command(next_help_heading = "Client options")]
pub struct ClientOpts {
    /// URL of the govshare gRPC server.
    #[arg(
        long,
        global = true,
        env = "GOVSHARE_SERVER",
        hide_env_values = true,
        default_value = "http://127.0.0.1:50051",
        value_name = "URL"
    )]
    pub server: String,
    /// Bearer token of the caller.
    #[arg(long, global = true, env = "GOVSHARE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Read the token from the first line of a file, e.g. govshare-data/admin.token (wins over
    /// --token).
    #[arg(long, global = true, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// CA certificates (PEM) that sign the certificate of an https:// server (default: the
    /// system's trusted roots).
    #[arg(long, global = true, env = "GOVSHARE_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Client certificate (PEM) for a server that requires mutual TLS; with --client-key.
    #[arg(long, global = true, env = "GOVSHARE_CLIENT_CERT", value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// Private key (PEM) of --client-cert.
    #[arg(long, global = true, env = "GOVSHARE_CLIENT_KEY", value_name = "FILE")]
    pub client_key: Option<PathBuf>,
    /// How to print results.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

impl fmt::Debug for ClientOpts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOpts")
            .field("server", &self.server)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("token_file", &self.token_file)
            .field("ca_cert", &self.ca_cert)
            .field("client_cert", &self.client_cert)
            .field("client_key", &self.client_key)
            .field("output", &self.output)
            .finish()
    }
}

impl ClientOpts {
    /// The token to send: `--token-file` wins over `--token` / `GOVSHARE_TOKEN`.
    fn token(&self) -> anyhow::Result<Option<String>> {
        match &self.token_file {
            Some(path) => read_token_file(path).map(Some),
            None => Ok(self.token.as_deref().map(str::trim).map(str::to_string)),
        }
    }

    /// The endpoint of `--server`: TLS for an https:// URL, with the CA and client certificate
    /// given.
    fn endpoint(&self) -> anyhow::Result<Endpoint> {
        let endpoint = Endpoint::from_shared(self.server.clone())
            .with_context(|| format!("invalid --server URL {:?}", self.server))?
            .connect_timeout(Duration::from_secs(10));
        let tls_files = [&self.ca_cert, &self.client_cert, &self.client_key];
        if endpoint.uri().scheme_str() != Some("https") {
            anyhow::ensure!(
                tls_files.iter().all(|f| f.is_none()),
                "--ca-cert, --client-cert and --client-key are for TLS: give the server as \
                 https://{}",
                endpoint
                    .uri()
                    .authority()
                    .map_or("HOST:PORT", |a| a.as_str())
            );
            return Ok(endpoint);
        }
        // ring as rustls's process-wide provider, as tonic's TLS uses; an earlier install
        // (Err) is what we want too.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut tls = match &self.ca_cert {
            Some(path) => ClientTlsConfig::new()
                .ca_certificate(Certificate::from_pem(read_pem("--ca-cert", path)?)),
            None => ClientTlsConfig::new().with_native_roots(),
        };
        match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => {
                tls = tls.identity(Identity::from_pem(
                    read_pem("--client-cert", cert)?,
                    read_pem("--client-key", key)?,
                ));
            }
            (None, None) => {}
            _ => anyhow::bail!("--client-cert and --client-key go together: give both"),
        }
        endpoint
            .tls_config(tls)
            .context("the TLS options cannot be used")
    }
}

/// The content of a PEM file named by `option`.
fn read_pem(option: &str, path: &Path) -> anyhow::Result<Vec<u8>> {
    let bytes =
        std::fs::read(path).with_context(|| format!("{option}: cannot read {}", path.display()))?;
    anyhow::ensure!(
        String::from_utf8_lossy(&bytes).contains("-----BEGIN "),
        "{option}: {} is not a PEM file",
        path.display()
    );
    Ok(bytes)
}

/// A failed TLS connection whose peer answered with something other than TLS (rustls calls it a
/// corrupt message) is told as a server without TLS.
fn plain_server_hint(server: &str, error: anyhow::Error) -> anyhow::Error {
    if server.starts_with("https://") && format!("{error:#}").contains("corrupt message") {
        let plain = server.replacen("https://", "http://", 1);
        error.context(format!(
            "the server does not use TLS: give it as {plain}, without --ca-cert, \
             --client-cert and --client-key"
        ))
    } else {
        error
    }
}

fn read_token_file(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the token file {}", path.display()))?;
    let token = text.lines().next().unwrap_or("").trim();
    anyhow::ensure!(
        !token.is_empty(),
        "the token file {} is empty",
        path.display()
    );
    Ok(token.to_string())
}

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone)]
pub struct Bearer(Option<AsciiMetadataValue>);

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Bearer(<redacted>)"
        } else {
            "Bearer(none)"
        })
    }
}

impl Bearer {
    fn new(token: Option<&str>) -> anyhow::Result<Bearer> {
        let value = match token {
            Some(token) => {
                let mut value: AsciiMetadataValue =
                    MetadataValue::try_from(format!("Bearer {token}"))
                        .context("the token holds characters that cannot be sent in a header")?;
                value.set_sensitive(true);
                Some(value)
            }
            None => None,
        };
        Ok(Bearer(value))
    }
}

impl Interceptor for Bearer {
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

/// The channel every client of one command shares.
pub type AuthChannel = InterceptedService<Channel, Bearer>;

/// An open connection to the server with the caller's credential.
#[derive(Debug, Clone)]
pub struct Connection {
    channel: Channel,
    /// For data transfers: no overall deadline, since a large snapshot may take long.
    data_channel: Channel,
    bearer: Bearer,
}

impl Connection {
    /// Connects to `--server`; fails early when the server is unreachable.
    pub async fn open(opts: &ClientOpts) -> anyhow::Result<Connection> {
        let bearer = Bearer::new(opts.token()?.as_deref())?;
        let data_endpoint = opts.endpoint()?;
        let endpoint = data_endpoint.clone().timeout(Duration::from_secs(120));
        let channel = endpoint
            .connect()
            .await
            .with_context(|| format!("cannot connect to {}", opts.server))
            .map_err(|e| plain_server_hint(&opts.server, e))?;
        Ok(Connection {
            channel,
            data_channel: data_endpoint.connect_lazy(),
            bearer,
        })
    }

    pub fn admin(&self) -> AdminServiceClient<AuthChannel> {
        AdminServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
            .max_decoding_message_size(MAX_RESPONSE_BYTES)
    }

    pub fn catalog(&self) -> CatalogServiceClient<AuthChannel> {
        CatalogServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
            .max_decoding_message_size(MAX_RESPONSE_BYTES)
    }

    pub fn sharing(&self) -> SharingServiceClient<AuthChannel> {
        SharingServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
            .max_decoding_message_size(MAX_RESPONSE_BYTES)
    }

    pub fn audit(&self) -> AuditServiceClient<AuthChannel> {
        AuditServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
            .max_decoding_message_size(MAX_RESPONSE_BYTES)
    }

    pub fn report(&self) -> ReportServiceClient<AuthChannel> {
        ReportServiceClient::with_interceptor(self.channel.clone(), self.bearer.clone())
            .max_decoding_message_size(MAX_RESPONSE_BYTES)
    }

    /// The exchange client: data chunks of about 1 MiB (`exchange.chunk_bytes`, at most 4 MiB)
    /// and pages of snapshots fit well within 16 MiB.
    pub fn exchange(&self) -> ExchangeServiceClient<AuthChannel> {
        ExchangeServiceClient::with_interceptor(self.data_channel.clone(), self.bearer.clone())
            .max_decoding_message_size(16 * 1024 * 1024)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn token_file_gives_its_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin.token");
        std::fs::write(&path, "gs_abc123\nignored\n").unwrap();
        assert_eq!(read_token_file(&path).unwrap(), "gs_abc123");
    }

    #[test]
    fn interceptor_sends_the_bearer_token() {
        let mut bearer = Bearer::new(Some("t0ken")).unwrap();
        let request = bearer.call(tonic::Request::new(())).unwrap();
        let value = request.metadata().get("authorization").unwrap();
        assert_eq!(value.to_str().unwrap(), "Bearer t0ken");
        assert!(!format!("{bearer:?}").contains("t0ken"));
    }
}
