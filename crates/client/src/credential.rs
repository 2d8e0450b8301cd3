//! The caller's bearer credential: where it comes from (a value, an environment variable, a
//! token file) and the interceptor that sends it, which never shows it in `Debug`.

use std::fmt;
use std::path::Path;

use tonic::metadata::{AsciiMetadataValue, MetadataValue};
use tonic::service::Interceptor;

use crate::Error;

/// The environment variable [`Credential::from_env`] reads.
pub const TOKEN_ENV: &str = "GOVSHARE_TOKEN";

/// A bearer token issued by the server's administrator (`govshare token issue`), or none
/// (calls without a credential are refused by every service but the health check). `Debug`
/// never shows the token.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credential(Option<String>);

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Credential(<redacted>)"
        } else {
            "Credential(none)"
        })
    }
}

impl Credential {
    /// No credential.
    pub fn none() -> Credential {
        Credential(None)
    }

    /// The token `value`, without surrounding whitespace.
    pub fn token(value: impl AsRef<str>) -> Credential {
        Credential(Some(value.as_ref().trim().to_string()))
    }

    /// The token in [`TOKEN_ENV`] (`GOVSHARE_TOKEN`); none when it is not set.
    pub fn from_env() -> Result<Credential, Error> {
        Credential::from_env_var(TOKEN_ENV)
    }

    /// The token in the environment variable `name`; none when it is not set.
    pub fn from_env_var(name: &str) -> Result<Credential, Error> {
        match std::env::var(name) {
            Ok(value) => Ok(Credential::token(value)),
            Err(std::env::VarError::NotPresent) => Ok(Credential::none()),
            Err(std::env::VarError::NotUnicode(_)) => Err(Error::Config(format!(
                "the environment variable {name} does not hold a token"
            ))),
        }
    }

    /// The first line of the token file at `path`, as the server writes
    /// `govshare-data/admin.token`; an empty first line is an error.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Credential, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            context: format!("cannot read the token file {}", path.display()),
            source,
        })?;
        let token = text.lines().next().unwrap_or("").trim();
        if token.is_empty() {
            return Err(Error::Config(format!(
                "the token file {} is empty",
                path.display()
            )));
        }
        Ok(Credential::token(token))
    }

    /// Whether there is a token.
    pub fn is_some(&self) -> bool {
        self.0.is_some()
    }

    /// The token itself, to hand to another client; mind where it goes.
    pub fn expose(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// Adds `authorization: Bearer <token>` to every call (nothing without a credential). `Debug`
/// shows `Bearer(<redacted>)`, never the token.
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
    /// The interceptor of `credential`; a token that cannot be sent in a header is an error.
    pub fn new(credential: &Credential) -> Result<Bearer, Error> {
        let value = match credential.expose() {
            Some(token) => {
                let mut value: AsciiMetadataValue =
                    MetadataValue::try_from(format!("Bearer {token}"))
                        .map_err(Error::InvalidToken)?;
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn token_file_gives_its_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin.token");
        std::fs::write(&path, "gs_abc123\nignored\n").unwrap();
        assert_eq!(
            Credential::from_file(&path).unwrap(),
            Credential::token("gs_abc123")
        );
        std::fs::write(&path, "\nsecond\n").unwrap();
        let empty = Credential::from_file(&path).unwrap_err().to_string();
        assert!(empty.contains("is empty"), "{empty}");
        let missing = Credential::from_file(dir.path().join("none")).unwrap_err();
        assert!(
            missing.to_string().contains("cannot read the token file"),
            "{missing}"
        );
    }

    #[test]
    fn an_unset_variable_is_no_credential() {
        let credential = Credential::from_env_var("GOVSHARE_TEST_SURELY_UNSET_VARIABLE").unwrap();
        assert!(!credential.is_some());
    }

    #[test]
    fn interceptor_sends_the_bearer_token() {
        let credential = Credential::token(" t0ken\n");
        assert!(!format!("{credential:?}").contains("t0ken"));
        let mut bearer = Bearer::new(&credential).unwrap();
        let request = bearer.call(tonic::Request::new(())).unwrap();
        let value = request.metadata().get("authorization").unwrap();
        assert_eq!(value.to_str().unwrap(), "Bearer t0ken");
        assert!(!format!("{bearer:?}").contains("t0ken"));
        let mut none = Bearer::new(&Credential::none()).unwrap();
        let request = none.call(tonic::Request::new(())).unwrap();
        assert!(request.metadata().get("authorization").is_none());
        assert!(Bearer::new(&Credential::token("a\nb")).is_err());
    }
}
