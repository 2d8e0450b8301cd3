//! Credentials of open streams. The auth layer checks a credential once, when a call starts;
//! WatchCatalog and FetchData outlive that check, so they re-read the bearer token they were
//! opened with (through [`Credentials`], like every call): at once when this server revoked a
//! credential since they last looked (a counter they watch, no read otherwise), and at least
//! once a second for a revocation made on another server. Expiry is compared with the clock before every message. Either
//! ends the stream within one message or one second, UNAUTHENTICATED.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use govshare_store::TokenRecord;
use tokio::sync::watch;
use tonic::Status;

use govshare_model::text;

use super::credentials::{Credentials, Digest};
use crate::error::{Reason, ServiceError, status};

/// How often an open stream re-reads its credential when nothing was revoked here.
const RECHECK: Duration = Duration::from_secs(1);

/// Counts the credentials this server revoked; open streams watch it.
#[derive(Debug)]
pub(crate) struct Revocations(watch::Sender<u64>);

impl Default for Revocations {
    fn default() -> Self {
        Revocations(watch::channel(0).0)
    }
}

impl Revocations {
    /// Tells every open stream that a credential was revoked.
    pub(crate) fn revoked(&self) {
        self.0.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Watches the revocations made from now on.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }
}

/// The bearer credential an open stream was authorized with.
#[derive(Debug)]
pub(crate) struct StreamCredential {
    credentials: Arc<Credentials>,
    /// The digest of the bearer token; none for a client certificate alone, which the TLS
    /// handshake vouched for and which has no revocation here.
    digest: Option<Digest>,
    expires_at: Option<DateTime<Utc>>,
    revocations: watch::Receiver<u64>,
    checked: Instant,
}

fn revoked() -> ServiceError {
    ServiceError::new(
        Reason::CredentialRevoked,
        text!(
            "凭证已吊销，数据流已停止",
            "the credential has been revoked: the stream was stopped"
        ),
    )
}

fn expired() -> ServiceError {
    ServiceError::new(
        Reason::CredentialExpired,
        text!(
            "凭证已过期，数据流已停止",
            "the credential has expired: the stream was stopped"
        ),
    )
}

impl StreamCredential {
    /// The credential of `request`, read once now: a stream is opened only with one that is
    /// still valid.
    pub(crate) async fn of<T>(
        request: &tonic::Request<T>,
        credentials: &Arc<Credentials>,
    ) -> Result<StreamCredential, ServiceError> {
        let digest = request
            .metadata()
            .get(http::header::AUTHORIZATION.as_str())
            .and_then(|value| value.to_str().ok())
            .and_then(super::bearer_token)
            .map(govshare_service::tokens::token_digest_bytes);
        let mut credential = StreamCredential {
            credentials: credentials.clone(),
            digest,
            expires_at: None,
            revocations: credentials.revocations().subscribe(),
            checked: Instant::now(),
        };
        if credential.digest.is_some() {
            credential.reread().await?;
        }
        Ok(credential)
    }

    /// Whether the credential still stands; reads the store only after a revocation here or
    /// once a second.
    pub(crate) async fn check(&mut self) -> Result<(), Status> {
        if self.digest.is_none() {
            return Ok(());
        }
        if self.expires_at.is_some_and(|at| at <= Utc::now()) {
            return Err(status(expired()));
        }
        let revoked_here = self.revocations.has_changed().unwrap_or(false);
        if !revoked_here && self.checked.elapsed() < RECHECK {
            return Ok(());
        }
        self.reread().await.map_err(status)
    }

    /// [`check`](Self::check) from a blocking thread.
    pub(crate) fn check_blocking(
        &mut self,
        runtime: &tokio::runtime::Handle,
    ) -> Result<(), Status> {
        runtime.block_on(self.check())
    }

    async fn reread(&mut self) -> Result<(), ServiceError> {
        let Some(digest) = self.digest else {
            return Ok(());
        };
        self.revocations.mark_unchanged();
        self.checked = Instant::now();
        let known = self.credentials.by_digest(digest).await.map_err(|e| {
            govshare_service::error::store_unavailable(format_args!(
                "checking the credential failed: {e}"
            ))
        })?;
        match known.as_deref().map(|k| &k.record) {
            Some(t) if t.is_valid_at(Utc::now()) => {
                self.expires_at = t.expires_at;
                Ok(())
            }
            Some(TokenRecord {
                revoked_at: Some(_),
                ..
            }) => Err(revoked()),
            Some(_) => Err(expired()),
            None => Err(revoked()),
        }
    }
}
