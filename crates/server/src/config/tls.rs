//! `[tls]`: transport security of the gRPC port — the server's certificate, the client CA that
//! makes it mutual TLS, and whether a department's identity comes from its client certificate.
//! The files are read and checked at start, so a bad path or PEM fails before serving.

use std::path::{Path, PathBuf};

use govshare_model::Role;
use serde::Deserialize;

use super::ConfigError;

/// `[tls]`. No certificate: plain gRPC.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// The server's certificate chain (PEM), leaf first.
    pub cert_file: Option<PathBuf>,
    /// The server's private key (PEM).
    pub key_file: Option<PathBuf>,
    /// CA certificates (PEM bundle); set: every client must present a certificate they signed.
    pub client_ca_file: Option<PathBuf>,
    /// Where a caller's department comes from.
    pub client_identity: ClientIdentity,
    /// The roles of a call that presents a client certificate and no token
    /// (`client_identity = "certificate"` only).
    pub certificate_roles: Vec<Role>,
}

/// Where a caller's identity comes from under mutual TLS.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientIdentity {
    /// The bearer token alone; the client certificate only admits the connection.
    #[default]
    Token,
    /// The client certificate names the department (its subject's serialNumber, else its CN,
    /// is the credit code); a token sent alongside must be of the same department.
    Certificate,
}

/// What a PEM file must hold.
#[derive(Debug, Clone, Copy)]
enum PemKind {
    Certificates,
    PrivateKey,
}

impl TlsConfig {
    /// Applies a `GOVSHARE_TLS_*` variable; other variables are ignored.
    pub(super) fn apply_env(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        let invalid = |message: String| ConfigError::Env {
            name: name.to_owned(),
            value: value.to_owned(),
            message,
        };
        match name {
            "GOVSHARE_TLS_CERT_FILE" => self.cert_file = Some(PathBuf::from(value)),
            "GOVSHARE_TLS_KEY_FILE" => self.key_file = Some(PathBuf::from(value)),
            "GOVSHARE_TLS_CLIENT_CA_FILE" => self.client_ca_file = Some(PathBuf::from(value)),
            "GOVSHARE_TLS_CLIENT_IDENTITY" => {
                self.client_identity = match value {
                    "token" => ClientIdentity::Token,
                    "certificate" => ClientIdentity::Certificate,
                    _ => return Err(invalid("expected token or certificate".into())),
                }
            }
            "GOVSHARE_TLS_CERTIFICATE_ROLES" => {
                self.certificate_roles = value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        Role::parse_label(s).ok_or_else(|| invalid(format!("unknown role {s:?}")))
                    })
                    .collect::<Result<_, _>>()?
            }
            _ => {}
        }
        Ok(())
    }

    /// Checks that the keys fit together and that each file holds what it should.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &'static str, message: &str| ConfigError::Invalid {
            key,
            message: message.to_owned(),
        };
        match (&self.cert_file, &self.key_file) {
            (Some(_), None) => {
                return Err(invalid(
                    "tls.key_file",
                    "设置了 tls.cert_file 却没有私钥文件，两者须同时设置 \
                     (tls.cert_file is set without tls.key_file: set both or neither)",
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "tls.cert_file",
                    "设置了 tls.key_file 却没有证书文件，两者须同时设置 \
                     (tls.key_file is set without tls.cert_file: set both or neither)",
                ));
            }
            _ => {}
        }
        if self.client_ca_file.is_some() && self.cert_file.is_none() {
            return Err(invalid(
                "tls.client_ca_file",
                "双向 TLS 需要服务器自己的证书：请设置 tls.cert_file 和 tls.key_file \
                 (mutual TLS needs the server's own certificate: set tls.cert_file and \
                 tls.key_file)",
            ));
        }
        if self.client_identity == ClientIdentity::Certificate && self.client_ca_file.is_none() {
            return Err(invalid(
                "tls.client_identity",
                "client_identity = \"certificate\" 需要 tls.client_ca_file（双向 TLS） \
                 (client_identity = \"certificate\" needs mutual TLS: set tls.client_ca_file)",
            ));
        }
        if !self.certificate_roles.is_empty() && self.client_identity != ClientIdentity::Certificate
        {
            return Err(invalid(
                "tls.certificate_roles",
                "仅在 client_identity = \"certificate\" 时适用 \
                 (applies only with client_identity = \"certificate\")",
            ));
        }
        if self
            .certificate_roles
            .iter()
            .any(|r| matches!(r, Role::Admin | Role::Auditor))
        {
            return Err(invalid(
                "tls.certificate_roles",
                "客户端证书代表部门，只能授予 CATALOGUER、APPROVER、CONSUMER \
                 (a client certificate stands for a department: only CATALOGUER, APPROVER and \
                 CONSUMER may be granted; ADMIN and AUDITOR are platform roles)",
            ));
        }
        let files = [
            ("tls.cert_file", &self.cert_file, PemKind::Certificates),
            ("tls.key_file", &self.key_file, PemKind::PrivateKey),
            (
                "tls.client_ca_file",
                &self.client_ca_file,
                PemKind::Certificates,
            ),
        ];
        for (key, path, kind) in files {
            if let Some(path) = path {
                check_pem(key, path, kind)?;
            }
        }
        Ok(())
    }
}

/// Reads `path` and checks that it holds PEM of `kind`.
fn check_pem(key: &'static str, path: &Path, kind: PemKind) -> Result<(), ConfigError> {
    let invalid = |message: String| ConfigError::Invalid { key, message };
    let bytes = std::fs::read(path).map_err(|e| {
        invalid(format!(
            "无法读取文件 {path} (cannot read {path}: {e})",
            path = path.display()
        ))
    })?;
    let mut blocks = 0;
    for pem in x509_parser::pem::Pem::iter_from_buffer(&bytes) {
        let pem = pem.map_err(|e| {
            invalid(format!(
                "{path} 不是有效的 PEM 文件 ({path} is not valid PEM: {e})",
                path = path.display()
            ))
        })?;
        let fits = match kind {
            PemKind::Certificates => pem.label == "CERTIFICATE" && pem.parse_x509().is_ok(),
            PemKind::PrivateKey => pem.label.ends_with("PRIVATE KEY"),
        };
        if fits {
            blocks += 1;
        }
    }
    if blocks > 0 {
        return Ok(());
    }
    Err(invalid(match kind {
        PemKind::Certificates => format!(
            "{path} 中没有 PEM 格式的 X.509 证书 ({path} holds no PEM X.509 certificate)",
            path = path.display()
        ),
        PemKind::PrivateKey => format!(
            "{path} 中没有 PEM 格式的私钥 ({path} holds no PEM private key)",
            path = path.display()
        ),
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config(cert: Option<&Path>, key: Option<&Path>) -> TlsConfig {
        TlsConfig {
            cert_file: cert.map(Path::to_owned),
            key_file: key.map(Path::to_owned),
            ..TlsConfig::default()
        }
    }

    fn key_of(err: ConfigError) -> &'static str {
        match err {
            ConfigError::Invalid { key, .. } => key,
            other => panic!("not an invalid key: {other}"),
        }
    }

    #[test]
    fn certificate_and_key_go_together() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.pem");
        let err = config(Some(&file), None).validate().unwrap_err();
        assert_eq!(key_of(err), "tls.key_file");
        let err = config(None, Some(&file)).validate().unwrap_err();
        assert_eq!(key_of(err), "tls.cert_file");
        assert!(TlsConfig::default().validate().is_ok());
    }

    #[test]
    fn files_must_hold_the_right_pem() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let not_pem = dir.path().join("not.pem");
        std::fs::write(&not_pem, "hello\n").unwrap();
        let err = config(Some(&missing), Some(&not_pem))
            .validate()
            .unwrap_err();
        assert_eq!(key_of(err), "tls.cert_file");
        let err = check_pem("tls.key_file", &not_pem, PemKind::PrivateKey).unwrap_err();
        assert!(err.to_string().contains("no PEM private key"), "{err}");
        let key = dir.path().join("key.pem");
        std::fs::write(
            &key,
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        assert!(check_pem("tls.key_file", &key, PemKind::PrivateKey).is_ok());
        let err = check_pem("tls.cert_file", &key, PemKind::Certificates).unwrap_err();
        assert!(
            err.to_string().contains("no PEM X.509 certificate"),
            "{err}"
        );
    }

    #[test]
    fn the_environment_sets_tls_keys_and_loading_checks_them() {
        let load = |name: &str, value: &str| {
            let env = [(name.to_owned(), value.to_owned())];
            crate::config::Config::load(&crate::config::ServeArgs::default(), env)
        };
        let err = load("GOVSHARE_TLS_CLIENT_IDENTITY", "certificate").unwrap_err();
        assert_eq!(key_of(err), "tls.client_identity");
        let err = load("GOVSHARE_TLS_CLIENT_IDENTITY", "both").unwrap_err();
        assert!(
            err.to_string().contains("GOVSHARE_TLS_CLIENT_IDENTITY"),
            "{err}"
        );
        let err = load("GOVSHARE_TLS_CERT_FILE", "/nonexistent/server.pem").unwrap_err();
        assert_eq!(key_of(err), "tls.key_file");
    }

    #[test]
    fn certificate_identity_needs_a_client_ca_and_department_roles() {
        let identity = TlsConfig {
            client_identity: ClientIdentity::Certificate,
            ..TlsConfig::default()
        };
        assert_eq!(
            key_of(identity.validate().unwrap_err()),
            "tls.client_identity"
        );
        let mut env = TlsConfig::default();
        env.apply_env("GOVSHARE_TLS_CERTIFICATE_ROLES", "consumer, CATALOGUER")
            .unwrap();
        assert_eq!(env.certificate_roles, [Role::Consumer, Role::Cataloguer]);
        assert_eq!(key_of(env.validate().unwrap_err()), "tls.certificate_roles");
        assert!(
            env.apply_env("GOVSHARE_TLS_CERTIFICATE_ROLES", "root")
                .is_err()
        );
    }
}
