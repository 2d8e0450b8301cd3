//! The client options of every command (`--server`, `--token`, `--token-file`, the TLS files,
//! `--output`) and their mapping to the configuration of govshare-client, which connects.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use govshare_client::{Client, Config, Credential};

use crate::output::OutputFormat;

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
    /// The credential to send: `--token-file` wins over `--token` / `GOVSHARE_TOKEN`.
    fn credential(&self) -> anyhow::Result<Credential> {
        Ok(match &self.token_file {
            Some(path) => Credential::from_file(path)?,
            None => self
                .token
                .as_deref()
                .map(Credential::token)
                .unwrap_or_default(),
        })
    }

    /// The client configuration of these options: TLS for an https:// URL, with the CA and
    /// client certificate given.
    pub fn config(&self) -> anyhow::Result<Config> {
        let mut config = Config::new(self.server.clone()).credential(self.credential()?);
        // An unparsable URL is told by the connection (`invalid --server URL`).
        let Ok(uri) = self.server.parse::<http::Uri>() else {
            return Ok(config);
        };
        let tls_files = [&self.ca_cert, &self.client_cert, &self.client_key];
        if uri.scheme_str() != Some("https") {
            anyhow::ensure!(
                tls_files.iter().all(|f| f.is_none()),
                "--ca-cert, --client-cert and --client-key are for TLS: give the server as \
                 https://{}",
                uri.authority().map_or("HOST:PORT", |a| a.as_str())
            );
            return Ok(config);
        }
        if let Some(path) = &self.ca_cert {
            config = config.ca_pem(read_pem("--ca-cert", path)?);
        }
        match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => {
                config = config.identity_pem(
                    read_pem("--client-cert", cert)?,
                    read_pem("--client-key", key)?,
                );
            }
            (None, None) => {}
            _ => anyhow::bail!("--client-cert and --client-key go together: give both"),
        }
        Ok(config)
    }
}

/// Connects to `--server` with the options given; fails early when the server is
/// unreachable.
pub async fn open(opts: &ClientOpts) -> anyhow::Result<Client> {
    let config = opts.config()?;
    Client::connect(config).await.map_err(|error| match error {
        govshare_client::Error::InvalidServer { source, .. } => {
            anyhow::Error::new(source).context(format!("invalid --server URL {:?}", opts.server))
        }
        error @ govshare_client::Error::Connect { .. } => {
            plain_server_hint(&opts.server, anyhow::Error::new(error))
        }
        error => error.into(),
    })
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::Parser as _;

    use super::*;

    fn opts(args: &[&str]) -> ClientOpts {
        crate::Cli::try_parse_from([&["govshare"], args, &["whoami"]].concat())
            .unwrap()
            .client
    }

    #[test]
    fn the_token_file_wins_over_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin.token");
        std::fs::write(&path, "gs_abc123\nignored\n").unwrap();
        let file = path.display().to_string();
        let both = opts(&["--token", "other", "--token-file", &file]);
        assert_eq!(both.credential().unwrap(), Credential::token("gs_abc123"));
        assert!(!format!("{both:?}").contains("other"));
        let token = opts(&["--token", " t0ken "]);
        assert_eq!(token.credential().unwrap(), Credential::token("t0ken"));
    }

    #[test]
    fn tls_files_need_an_https_server_and_go_in_pairs() {
        let plain = opts(&["--server", "http://10.0.0.1:1", "--ca-cert", "ca.pem"]);
        let err = plain.config().unwrap_err().to_string();
        assert!(err.contains("https://10.0.0.1:1"), "{err}");
        let half = opts(&["--server", "https://10.0.0.1:1", "--client-cert", "c.pem"]);
        let err = half.config().unwrap_err().to_string();
        assert!(err.contains("--client-key"), "{err}");
        let missing = opts(&[
            "--server",
            "https://10.0.0.1:1",
            "--ca-cert",
            "/none/ca.pem",
        ]);
        let err = format!("{:#}", missing.config().unwrap_err());
        assert!(
            err.starts_with("--ca-cert: cannot read /none/ca.pem"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn an_invalid_url_is_told_with_the_option() {
        let err = open(&opts(&["--server", "http://a b"])).await.unwrap_err();
        assert!(
            err.to_string().starts_with("invalid --server URL"),
            "{err:#}"
        );
    }
}
