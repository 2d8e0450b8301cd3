//! WatchCatalog: the catalogue's change feed. Every change appends an event with a sequence
//! number in commit order (`Store::catalog_events`); a watcher receives the events after the
//! sequence it names, then new ones as they are committed, so a client that resumes with the
//! last sequence it received loses and repeats nothing.
//!
//! What a caller sees is decided by the use case, `govshare_service::feed` (by
//! `authz::sees_event`, the rule GetEntry and ListEntries follow): the providing department
//! and ADMIN every change of an entry; anyone else, AUDITOR included, the changes of the
//! published catalogue (publication and revocation).
//!
//! The caller's credential is checked again before every event and at every poll (see
//! `StreamCredential`): a revoked or expired one ends the watch within one event or one
//! second, UNAUTHENTICATED.

use std::time::Duration;

use govshare_model::CreditCode;
use govshare_service::feed::SeenEvent;
use govshare_store::{CatalogEvent as StoredEvent, CatalogEventKind as Kind};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Status};

use crate::auth::principal;
use crate::catalog::CatalogApi;
use crate::convert::timestamp;
use crate::error::ServiceResult;
use crate::observe::note;
use crate::proto::{CatalogEvent, CatalogEventKind, WatchCatalogRequest};

/// How often a watcher that has caught up looks for new events.
const POLL: Duration = Duration::from_millis(100);
/// Events read from the store at a time.
const BATCH: usize = 500;
/// Events in flight to a slow client.
const QUEUE: usize = 256;

pub(crate) type EventStream = tonic::codegen::BoxStream<CatalogEvent>;

fn kind(k: Kind) -> CatalogEventKind {
    match k {
        Kind::Registered => CatalogEventKind::Registered,
        Kind::Updated => CatalogEventKind::Updated,
        Kind::Submitted => CatalogEventKind::Submitted,
        Kind::Published => CatalogEventKind::Published,
        Kind::PublishRejected => CatalogEventKind::PublishRejected,
        Kind::RevocationRequested => CatalogEventKind::RevocationRequested,
        Kind::Revoked => CatalogEventKind::Revoked,
        Kind::RevocationRejected => CatalogEventKind::RevocationRejected,
    }
}

fn message(event: &StoredEvent, provider: &CreditCode) -> CatalogEvent {
    CatalogEvent {
        sequence: event.seq,
        code: event.code.to_string(),
        kind: kind(event.kind) as i32,
        version: event.version,
        state: event.state.code(),
        actor: event.actor.clone(),
        time: Some(timestamp(event.at)),
        comment: event.comment.clone(),
        provider_code: provider.to_string(),
    }
}

impl CatalogApi {
    pub(crate) async fn watch_catalog(
        &self,
        request: Request<WatchCatalogRequest>,
    ) -> ServiceResult<EventStream> {
        let p = principal(&request)?;
        let note = note(&request);
        let mut credential = self.stream_credential(&request).await?;
        let WatchCatalogRequest { after_sequence } = request.into_inner();
        note.target(format!("after {after_sequence}"));
        let mut feed = self.catalogue.feed(p, after_sequence);
        let (tx, rx) = mpsc::channel::<Result<CatalogEvent, Status>>(QUEUE);
        tokio::spawn(async move {
            let mut sent = 0u64;
            loop {
                if let Err(status) = credential.check().await {
                    let _ = tx.send(Err(status)).await;
                    return;
                }
                let batch = match feed.next(BATCH).await {
                    Ok(batch) => batch,
                    Err(e) => {
                        let _ = tx.send(Err(crate::error::status(e))).await;
                        return;
                    }
                };
                for SeenEvent { event, provider } in batch.events {
                    if let Err(status) = credential.check().await {
                        let _ = tx.send(Err(status)).await;
                        return;
                    }
                    if tx.send(Ok(message(&event, &provider))).await.is_err() {
                        return;
                    }
                    sent += 1;
                    note.detail(format!("{sent} events, last {}", event.seq));
                }
                if batch.caught_up {
                    tokio::select! {
                        () = tokio::time::sleep(POLL) => {}
                        () = tx.closed() => return,
                    }
                }
            }
        });
        Ok(Box::pin(ReceiverStream::new(rx)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_kind_has_a_wire_kind() {
        for k in [
            Kind::Registered,
            Kind::Updated,
            Kind::Submitted,
            Kind::Published,
            Kind::PublishRejected,
            Kind::RevocationRequested,
            Kind::Revoked,
            Kind::RevocationRejected,
        ] {
            assert_ne!(kind(k), CatalogEventKind::Unspecified);
        }
    }
}
