//! Full-text search of the published catalogue: opening the index at start-up
//! ([`open_index`]), the indexer that keeps it equal to the store ([`indexer`]), and the
//! SearchEntries handler ([`handler`]). The index itself is `govshare_search`.

pub(crate) mod handler;
pub(crate) mod indexer;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use govshare_search::{IndexOptions, SearchError, SearchIndex};

use crate::config::Config;

/// How long to wait for an index that is still open: a server stopped in this process lets
/// go of it when its last search or commit ends.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// Opens the configured index. A damaged or incompatible index is removed and started anew
/// (the indexer then rebuilds it from the store); an index another process keeps open, or a
/// directory that holds something else, is an error.
pub(crate) async fn open_index(config: &Config) -> anyhow::Result<Arc<SearchIndex>> {
    let dir = config.search_dir();
    let deadline = Instant::now() + LOCK_WAIT;
    let opened = loop {
        match SearchIndex::open_or_create(&dir) {
            Err(SearchError::Locked(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => break other,
        }
    };
    let index = match opened {
        Ok(index) => index,
        Err(e @ (SearchError::Locked(_) | SearchError::NotAnIndex(_))) => {
            return Err(e)
                .with_context(|| format!("opening the search index in {}", dir.display()));
        }
        Err(e) => {
            tracing::warn!(
                error = %e,
                dir = %dir.display(),
                "全文索引无法打开，将重建 (the search index cannot be opened; it is rebuilt)"
            );
            SearchIndex::recreate(&dir, &IndexOptions::default())
                .with_context(|| format!("recreating the search index in {}", dir.display()))?
        }
    };
    Ok(Arc::new(index))
}
