//! Transport security of the gRPC port: the server builder with TLS (and mutual TLS) as
//! `[tls]` configures it, and the client certificate of a call.

use std::time::Duration;

use anyhow::Context as _;
use tonic::transport::server::{ServerTlsConfig, TcpConnectInfo, TlsConnectInfo};
use tonic::transport::{Certificate, Identity, Server};

use crate::config::TlsConfig;

/// How long a client has to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Makes ring rustls's process-wide crypto provider, once. rustls picks one by itself only when
/// exactly one is compiled in, and the S3 client of the snapshot bucket brings aws-lc-rs beside
/// the ring that gRPC's TLS uses; without a choice, the first TLS handshake set-up panics.
pub fn install_crypto_provider() {
    // Err: a provider is installed already (by an earlier call), which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A gRPC server builder: plain, or TLS when `tls.cert_file` is set, requiring a client
/// certificate signed by `tls.client_ca_file` when that is set.
pub(crate) fn server_builder(tls: &TlsConfig) -> anyhow::Result<Server> {
    install_crypto_provider();
    let builder = Server::builder();
    let (Some(cert_file), Some(key_file)) = (&tls.cert_file, &tls.key_file) else {
        return Ok(builder);
    };
    let read = |key: &str, path: &std::path::Path| {
        std::fs::read(path).with_context(|| format!("{key}: reading {}", path.display()))
    };
    let identity = Identity::from_pem(
        read("tls.cert_file", cert_file)?,
        read("tls.key_file", key_file)?,
    );
    let mut config = ServerTlsConfig::new()
        .identity(identity)
        .timeout(HANDSHAKE_TIMEOUT);
    if let Some(ca_file) = &tls.client_ca_file {
        config = config.client_ca_root(Certificate::from_pem(read("tls.client_ca_file", ca_file)?));
    }
    tracing::info!(
        client_certificates = tls.client_ca_file.is_some(),
        client_identity = ?tls.client_identity,
        "gRPC over TLS"
    );
    builder.tls_config(config).with_context(|| {
        format!(
            "tls.cert_file, tls.key_file: the certificate {} and the key {} cannot be used \
             together",
            cert_file.display(),
            key_file.display()
        )
    })
}

/// The DER of the client's own certificate (the first of the chain it presented), on a TLS
/// connection where it presented one.
pub(crate) fn peer_certificate(extensions: &http::Extensions) -> Option<Vec<u8>> {
    let info = extensions.get::<TlsConnectInfo<TcpConnectInfo>>()?;
    let chain = info.peer_certs()?;
    chain.first().map(|cert| cert.to_vec())
}
