//! Identity: credentials are bearer tokens, stored only as sha256 digests; a tower layer turns
//! the `authorization` header into a `Principal` before any service method runs. Under mutual
//! TLS the client certificate may name the department instead (see `certificate`). The
//! records behind them are read through [`Credentials`], which holds them in memory when it
//! can do so exactly.

mod certificate;
mod credentials;
mod stream;

use std::sync::Arc;
use std::task::{Context, Poll};

use chrono::Utc;
use futures::future::BoxFuture;
use govshare_model::CreditCode;
use govshare_service::Principal;
use govshare_store::TokenRecord;
use http::{Request, Response};
use tonic::body::Body;
use tower::{Layer, Service};

use crate::config::TlsConfig;
use crate::error::{Reason, ServiceError, refused};
use crate::observe::CallNote;

pub(crate) use credentials::Credentials;
use credentials::Known;
use stream::Revocations;
pub(crate) use stream::StreamCredential;

/// The principal the auth layer attached to a request.
pub(crate) fn principal<T>(request: &tonic::Request<T>) -> Result<Principal, ServiceError> {
    request
        .extensions()
        .get::<Principal>()
        .cloned()
        .ok_or_else(|| {
            ServiceError::new(
                crate::error::Reason::CredentialMissing,
                govshare_model::text!("未认证", "not authenticated"),
            )
        })
}

pub use govshare_service::tokens::{new_token, token_digest};

/// Methods that need no credential: the standard health and reflection services.
fn is_public(path: &str) -> bool {
    path.starts_with("/grpc.health.v1.") || path.starts_with("/grpc.reflection.")
}

fn bearer(headers: &http::HeaderMap) -> Option<&str> {
    bearer_token(headers.get(http::header::AUTHORIZATION)?.to_str().ok()?)
}

/// The token of an `authorization: Bearer <token>` value.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Why a credential was refused, and whose it was if it is known.
struct Refusal {
    reason: Reason,
    /// Why, "中文 (English)".
    message: String,
    /// The id and department of the refused credential, for the access log.
    credential: Option<(String, Option<CreditCode>)>,
}

impl Refusal {
    fn new(reason: Reason, message: impl Into<String>) -> Self {
        Refusal {
            reason,
            message: message.into(),
            credential: None,
        }
    }

    /// A refusal that names the token presented.
    fn of_token(reason: Reason, message: impl Into<String>, token: &TokenRecord) -> Self {
        Refusal {
            reason,
            message: message.into(),
            credential: Some((token.id.clone(), token.department.clone())),
        }
    }
}

/// Resolves the credential of a request to a principal.
async fn authenticate(
    credentials: &Credentials,
    headers: &http::HeaderMap,
) -> Result<Principal, Refusal> {
    let Some(token) = bearer(headers) else {
        return Err(Refusal::new(
            Reason::CredentialMissing,
            "缺少凭证：请在 authorization 元数据中提供 Bearer 令牌 \
             (missing credential: send `authorization: Bearer <token>`)",
        ));
    };
    valid_token(credentials, token)
        .await
        .map(|known| known.principal.clone())
}

/// Why a credential that binds ADMIN or AUDITOR to a department (which servers before the
/// separation of duties issued) authenticates nothing.
const DEPARTMENT_PLATFORM_ROLE: &str = "该凭证把平台管理员或审计员角色绑定到了部门，违反三员分立（GB/T 39477），\
     已停止使用；请平台管理员吊销它并另发无部门的平台级凭证 (this credential binds ADMIN or \
     AUDITOR to a department, against the separation of duties of GB/T 39477, and is no \
     longer honoured: have the platform administrator revoke it and issue a platform \
     credential without a department)";

fn has_platform_role(t: &TokenRecord) -> bool {
    t.roles.iter().any(|r| r.is_platform())
}

/// The credential of a bearer token that is known, unrevoked and unexpired, and whose roles
/// fit its kind (a platform role only without a department). Decided on every call, against
/// the clock, whether or not its record was held in memory.
async fn valid_token(credentials: &Credentials, token: &str) -> Result<Arc<Known>, Refusal> {
    let known = credentials.by_token(token).await.map_err(|e| {
        Refusal::new(
            Reason::StoreUnavailable,
            format!("凭证校验暂不可用，请稍后重试 (credential check failed: {e})"),
        )
    })?;
    let Some(known) = known else {
        return Err(Refusal::new(
            Reason::CredentialInvalid,
            "凭证无效 (unknown credential)",
        ));
    };
    let t = &known.record;
    let now = Utc::now();
    let refusal = if t.is_valid_at(now) {
        if t.department.is_none() || !has_platform_role(t) {
            return Ok(known);
        }
        Refusal::of_token(Reason::CredentialRoleMisbound, DEPARTMENT_PLATFORM_ROLE, t)
    } else if t.revoked_at.is_some() {
        Refusal::of_token(
            Reason::CredentialRevoked,
            "凭证已吊销 (the credential has been revoked)",
            t,
        )
    } else {
        Refusal::of_token(
            Reason::CredentialExpired,
            "凭证已过期 (the credential has expired)",
            t,
        )
    };
    Err(refusal)
}

/// The tower layer that authenticates every call but health and reflection.
#[derive(Debug, Clone)]
pub(crate) struct AuthLayer {
    credentials: Arc<Credentials>,
    /// Set when the client certificate names the caller's department.
    certificates: Option<Arc<certificate::CertificateIdentity>>,
}

impl AuthLayer {
    pub(crate) fn new(credentials: Arc<Credentials>) -> Self {
        AuthLayer {
            credentials,
            certificates: None,
        }
    }

    /// Takes the caller's department from its client certificate when `tls` says so.
    pub(crate) fn with_tls(self, tls: &TlsConfig) -> Self {
        AuthLayer {
            certificates: certificate::CertificateIdentity::configured(tls).map(Arc::new),
            ..self
        }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            credentials: self.credentials.clone(),
            certificates: self.certificates.clone(),
        }
    }
}

/// See [`AuthLayer`].
#[derive(Debug, Clone)]
pub(crate) struct AuthService<S> {
    inner: S,
    credentials: Arc<Credentials>,
    certificates: Option<Arc<certificate::CertificateIdentity>>,
}

impl<S> Service<Request<Body>> for AuthService<S>
where
    S: Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        // The clone that was driven to readiness serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let credentials = self.credentials.clone();
        let certificates = self.certificates.clone();
        Box::pin(async move {
            if !is_public(request.uri().path()) {
                let note = request.extensions().get::<CallNote>().cloned();
                let resolved = match &certificates {
                    Some(identity) => {
                        let (headers, extensions) = (request.headers(), request.extensions());
                        identity
                            .authenticate(&credentials, headers, extensions)
                            .await
                    }
                    None => authenticate(&credentials, request.headers()).await,
                };
                match resolved {
                    Ok(principal) => {
                        if let Some(note) = note {
                            note.caller(&principal);
                        }
                        request.extensions_mut().insert(principal);
                    }
                    Err(refusal) => {
                        // A known but refused credential is named in the record.
                        if let (Some(note), Some((id, department))) = (note, &refusal.credential) {
                            note.refused_credential(id, department.as_ref());
                        }
                        let metadata: Vec<_> = refusal
                            .credential
                            .iter()
                            .filter(|_| refusal.reason != Reason::CertificateRefused)
                            .map(|(id, _)| ("token_id", id.clone()))
                            .collect();
                        let text = govshare_model::Text::from_fused(&refusal.message);
                        return Ok(refused(refusal.reason, text, &metadata).into_http());
                    }
                }
            }
            inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        let mut headers = http::HeaderMap::new();
        headers.insert("authorization", "bearer abc".parse().expect("header"));
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert("authorization", "Basic abc".parse().expect("header"));
        assert_eq!(bearer(&headers), None);
    }
}
