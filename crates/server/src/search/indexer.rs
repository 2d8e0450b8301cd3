//! The indexer: keeps the full-text index equal to the published catalogue by following the
//! store's catalogue events.
//!
//! At start it checks the index's checkpoint against the store: an index with no checkpoint,
//! of another format, or whose checkpoint names an event the store does not have (a store
//! restored from an older backup, an index copied from elsewhere) is rebuilt from the store's
//! entries; otherwise it catches up from its checkpoint. Then it polls for new events and
//! applies each batch, committing so that a change is searchable within a fraction of a second.
//!
//! Applying an event never trusts the event alone: the entry's current header decides. A
//! publication or revocation indexes the entry as it is now (its published version, or
//! nothing); any other change leaves the published view as it was, unless the entry is no
//! longer visible to all. Replaying an event is therefore harmless, which is what makes
//! catching up and rebuilding while the catalogue changes correct.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use govshare_model::{ResourceCode, ResourceMetadata};
use govshare_search::{Checkpoint, SearchDoc, SearchIndex};
use govshare_store::{CatalogEvent, CatalogueStore, EntryFilter, Visibility};
use tokio::task::JoinHandle;

use govshare_service::authz;

/// How often an indexer that has caught up looks for new events.
const POLL: Duration = Duration::from_millis(100);
/// Events read from the store at a time.
const BATCH: usize = 1000;
/// Entries read from the store at a time while rebuilding.
const REBUILD_PAGE: usize = 500;
/// A batch that changed no document is only committed (to move the checkpoint) this often.
const IDLE_COMMIT: Duration = Duration::from_secs(10);
/// The wait before trying again after a failure, doubled up to [`MAX_BACKOFF`].
const BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Starts the indexer of `index` over `store`. It runs until aborted; failures are logged and
/// retried.
pub(crate) fn spawn(store: Arc<dyn CatalogueStore>, index: Arc<SearchIndex>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let indexer = Indexer { store, index };
        let mut backoff = BACKOFF;
        loop {
            let started = Instant::now();
            let Err(e) = indexer.run().await;
            tracing::error!(
                error = %e,
                "全文索引更新失败，稍后重试 (updating the search index failed; retrying)"
            );
            // What the failed run added but did not commit must not be committed by the next.
            let index = indexer.index.clone();
            match tokio::task::spawn_blocking(move || index.rollback()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "rolling back the search index failed"),
                Err(e) => tracing::error!(error = %e, "rolling back the search index failed"),
            }
            if started.elapsed() > MAX_BACKOFF {
                backoff = BACKOFF;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    })
}

/// What one entry's change does to the index.
enum Change {
    Upsert(Box<SearchDoc>),
    /// Remove the document; `effective` when the entry was visible until this change (a
    /// revocation), as opposed to a precaution for an entry that should not be there anyway.
    Remove {
        code: String,
        effective: bool,
    },
}

struct Indexer {
    store: Arc<dyn CatalogueStore>,
    index: Arc<SearchIndex>,
}

/// Identifies an event beyond its number, so that an index from another catalogue is noticed.
fn fingerprint(event: &CatalogEvent) -> String {
    format!("{}@{}", event.code, event.at.to_rfc3339())
}

impl Indexer {
    /// Brings the index up to date, then follows new events. Returns only on failure.
    async fn run(&self) -> anyhow::Result<std::convert::Infallible> {
        let mut applied = match self.valid_checkpoint().await? {
            Some(seq) => seq,
            None => self.rebuild().await?,
        };
        let mut last_commit = Instant::now();
        let mut uncommitted = false;
        loop {
            let events = self.store.catalog_events(applied, BATCH).await?;
            let Some(last) = events.last().cloned() else {
                if uncommitted && last_commit.elapsed() > IDLE_COMMIT {
                    self.commit(
                        Vec::new(),
                        &last_checkpoint(self.store.as_ref(), applied).await?,
                    )
                    .await?;
                    uncommitted = false;
                    last_commit = Instant::now();
                }
                tokio::time::sleep(POLL).await;
                continue;
            };
            let changes = self.changes(&events).await?;
            let effective = changes.iter().any(|c| {
                matches!(
                    c,
                    Change::Upsert(_)
                        | Change::Remove {
                            effective: true,
                            ..
                        }
                )
            });
            let checkpoint = Checkpoint {
                seq: last.seq,
                fingerprint: fingerprint(&last),
            };
            if effective || last_commit.elapsed() > IDLE_COMMIT {
                self.commit(changes, &checkpoint).await?;
                uncommitted = false;
                last_commit = Instant::now();
            } else {
                // Precautions only: they ride along with the next commit.
                self.apply(changes).await?;
                uncommitted = true;
            }
            applied = last.seq;
        }
    }

    /// The sequence the index reflects, if its checkpoint is one of this store's events.
    async fn valid_checkpoint(&self) -> anyhow::Result<Option<u64>> {
        let index = self.index.clone();
        let checkpoint = match tokio::task::spawn_blocking(move || index.applied()).await? {
            Ok(Some(c)) => c,
            Ok(None) => {
                tracing::info!(
                    "全文索引为空，从目录重建 (the search index is new; building it from the catalogue)"
                );
                return Ok(None);
            }
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    "全文索引不可用，从目录重建 (the search index is unusable; rebuilding it from the catalogue)"
                );
                return Ok(None);
            }
        };
        if checkpoint.seq == 0 {
            return Ok(Some(0));
        }
        let found = self.store.catalog_events(checkpoint.seq - 1, 1).await?;
        match found.first() {
            Some(e) if e.seq == checkpoint.seq && fingerprint(e) == checkpoint.fingerprint => {
                Ok(Some(checkpoint.seq))
            }
            _ => {
                tracing::warn!(
                    applied = checkpoint.seq,
                    "全文索引与目录不一致（来自其他库或更新的备份），从目录重建 \
                     (the search index does not match the catalogue: it was made from another \
                     store or a later state; rebuilding it)"
                );
                Ok(None)
            }
        }
    }

    /// Replaces the index's contents with every published entry; returns the sequence of the
    /// last event it reflects. Until its commit, searches see the previous contents.
    async fn rebuild(&self) -> anyhow::Result<u64> {
        let started = Instant::now();
        // Every change up to `last` is in the entries read below; later ones are applied
        // afterwards, some twice, which is harmless.
        let last = last_seq(self.store.as_ref()).await?;
        let checkpoint = last_checkpoint(self.store.as_ref(), last).await?;
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || index.clear()).await??;
        let filter = EntryFilter {
            visibility: Visibility::Everything,
            ..EntryFilter::default()
        };
        let mut after: Option<String> = None;
        let mut entries = 0u64;
        loop {
            let page = self
                .store
                .list_entries(&filter, after.as_deref(), REBUILD_PAGE)
                .await?;
            let mut docs = Vec::with_capacity(page.items.len());
            for header in &page.items {
                if let Some(version) = authz::public_version(header) {
                    docs.extend(self.document(&header.code, version).await?);
                }
            }
            entries += docs.len() as u64;
            let index = self.index.clone();
            tokio::task::spawn_blocking(move || docs.iter().try_for_each(|d| index.add(d)))
                .await??;
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        self.commit(Vec::new(), &checkpoint).await?;
        tracing::info!(
            entries,
            applied = last,
            seconds = started.elapsed().as_secs_f64(),
            "全文索引已重建 (the search index was rebuilt)"
        );
        Ok(last)
    }

    /// The index document of version `version` of `code`; none, with a warning, when the store
    /// has no such version or it cannot be read as metadata: one such entry is left out of
    /// the index rather than stopping it for every other entry.
    async fn document(
        &self,
        code: &ResourceCode,
        version: u64,
    ) -> anyhow::Result<Option<SearchDoc>> {
        let Some(record) = self.store.get_version(code, version).await? else {
            tracing::warn!(
                %code,
                version,
                "目录的已发布版本缺失，不能检索 (the published version is missing; the entry is left out of the search index)"
            );
            return Ok(None);
        };
        match ResourceMetadata::from_canonical_bytes(&record.canonical) {
            Ok(metadata) => Ok(Some(SearchDoc::from_metadata(code, &metadata))),
            Err(e) => {
                tracing::warn!(
                    %code,
                    version,
                    error = %e,
                    "目录的已发布版本无法读取，不能检索 (the published version cannot be read; the entry is left out of the search index)"
                );
                Ok(None)
            }
        }
    }

    /// What `events` do to the index, one change per entry.
    async fn changes(&self, events: &[CatalogEvent]) -> anyhow::Result<Vec<Change>> {
        // Per entry: whether one of its events changed the published view.
        let mut entries: BTreeMap<&ResourceCode, bool> = BTreeMap::new();
        for e in events {
            *entries.entry(&e.code).or_default() |= authz::changes_published_catalogue(e.kind);
        }
        let mut changes = Vec::with_capacity(entries.len());
        for (code, publishing) in entries {
            let header = self.store.get_entry(code).await?;
            let published = header.as_ref().and_then(authz::public_version);
            match (published, publishing) {
                (Some(version), true) => match self.document(code, version).await? {
                    Some(doc) => changes.push(Change::Upsert(Box::new(doc))),
                    None => changes.push(Change::Remove {
                        code: code.to_string(),
                        effective: true,
                    }),
                },
                (None, effective) => changes.push(Change::Remove {
                    code: code.to_string(),
                    effective,
                }),
                // A draft, a submission or a refused review: the published view is unchanged.
                (Some(_), false) => {}
            }
        }
        Ok(changes)
    }

    async fn apply(&self, changes: Vec<Change>) -> anyhow::Result<()> {
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || apply(&index, &changes)).await??;
        Ok(())
    }

    /// Applies `changes` and commits them with `checkpoint`, off the async threads (a commit
    /// waits for the disk).
    async fn commit(&self, changes: Vec<Change>, checkpoint: &Checkpoint) -> anyhow::Result<()> {
        let index = self.index.clone();
        let checkpoint = checkpoint.clone();
        tokio::task::spawn_blocking(move || {
            apply(&index, &changes)?;
            index.commit(&checkpoint)
        })
        .await??;
        Ok(())
    }
}

fn apply(index: &SearchIndex, changes: &[Change]) -> govshare_search::Result<()> {
    for change in changes {
        match change {
            Change::Upsert(doc) => index.upsert(doc)?,
            Change::Remove { code, .. } => index.remove(code)?,
        }
    }
    Ok(())
}

/// The checkpoint of event `seq` (0: before any event).
async fn last_checkpoint(store: &dyn CatalogueStore, seq: u64) -> anyhow::Result<Checkpoint> {
    let fingerprint = if seq == 0 {
        String::new()
    } else {
        let event = store.catalog_events(seq - 1, 1).await?;
        event
            .first()
            .filter(|e| e.seq == seq)
            .map(fingerprint)
            .ok_or_else(|| anyhow::anyhow!("catalogue event {seq} is missing"))?
    };
    Ok(Checkpoint { seq, fingerprint })
}

/// The sequence of the store's last catalogue event (0: none), found with a logarithmic number
/// of reads: `catalog_events(s - 1, 1)` is non-empty exactly when the last is at least `s`.
async fn last_seq(store: &dyn CatalogueStore) -> anyhow::Result<u64> {
    let at_least = |s: u64| async move {
        anyhow::Ok(s == 0 || !store.catalog_events(s - 1, 1).await?.is_empty())
    };
    let mut low = 0u64; // at_least(low) holds
    let mut high = 1u64; // at_least(high) is unknown until checked
    while at_least(high).await? {
        low = high;
        high = high.saturating_mul(2);
        if high == u64::MAX {
            break;
        }
    }
    // at_least(low) and not at_least(high): the last is in [low, high).
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if at_least(mid).await? {
            low = mid;
        } else {
            high = mid;
        }
    }
    Ok(low)
}
