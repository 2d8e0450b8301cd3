//! The catalogue's change feed as one reader sees it (WatchCatalog). Every change appends an
//! event with a sequence number in commit order; a reader receives those after the sequence it
//! names, filtered by the rule GetEntry and ListEntries follow ([`authz::sees_event`]): the
//! providing department and the administrator every change of an entry, anyone else (the
//! auditor included) the changes of the published catalogue.

use std::collections::HashMap;
use std::sync::Arc;

use govshare_model::{CreditCode, ResourceCode};
use govshare_store::{CatalogEvent, CatalogueStore};

use crate::authz;
use crate::error::ServiceResult;
use crate::principal::Principal;

/// One change the reader sees, with the provider of its entry.
#[derive(Debug, Clone)]
pub struct SeenEvent {
    /// The change.
    pub event: CatalogEvent,
    /// The department that provides the changed entry.
    pub provider: CreditCode,
}

/// One read of the feed.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The changes the reader sees, in commit order.
    pub events: Vec<SeenEvent>,
    /// Whether the feed had no more events than these: the reader has caught up.
    pub caught_up: bool,
}

/// A reader's position in the change feed.
#[derive(Debug)]
pub struct Feed {
    store: Arc<dyn CatalogueStore>,
    reader: Principal,
    after: u64,
    /// Entries' providers, which never change, as they are looked up.
    providers: HashMap<ResourceCode, CreditCode>,
}

impl Feed {
    /// The feed of `store` for `reader`, from the change after sequence `after` on.
    pub fn new(store: Arc<dyn CatalogueStore>, reader: Principal, after: u64) -> Self {
        Feed {
            store,
            reader,
            after,
            providers: HashMap::new(),
        }
    }

    /// The next changes the reader sees, reading at most `limit` events of the feed; the
    /// position moves past every event read, seen or not.
    pub async fn next(&mut self, limit: usize) -> ServiceResult<Batch> {
        let events = self
            .store
            .catalog_events(self.after, limit)
            .await
            .map_err(|e| {
                crate::error::store_unavailable(format_args!(
                    "reading the catalogue changes failed: {e}"
                ))
            })?;
        let caught_up = events.len() < limit;
        let mut seen = Vec::with_capacity(events.len());
        for event in events {
            self.after = event.seq;
            let Some(provider) = self.provider(&event.code).await else {
                // Entries are never deleted; an event without one is skipped.
                continue;
            };
            if authz::sees_event(&self.reader, event.kind, &provider) {
                seen.push(SeenEvent { event, provider });
            }
        }
        Ok(Batch {
            events: seen,
            caught_up,
        })
    }

    async fn provider(&mut self, code: &ResourceCode) -> Option<CreditCode> {
        if let Some(provider) = self.providers.get(code) {
            return Some(provider.clone());
        }
        let header = self.store.get_entry(code).await.ok()??;
        self.providers
            .insert(code.clone(), header.provider_code.clone());
        Some(header.provider_code)
    }
}
