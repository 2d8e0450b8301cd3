//! The embedded sled backend: one sled tree holding every record under a key prefix (see
//! [`keys`]), and one writer thread that decides the changes queued so far in order, applies
//! them as one atomic sled batch and makes them durable together (see [`commit`]).
//!
//! Each role trait is implemented in the file of its records (`identity.rs`, `catalog.rs`,
//! `sharing.rs`, `exchange.rs`, `operations.rs`): a write hands the writer thread a change and
//! waits for its group to be durable; a read reads the tree at once.
//!
//! sled's multi-tree transactions, and one batch per change under an async writer lock, were
//! measured at a fraction of this design's throughput.

mod catalog;
mod commit;
mod exchange;
mod identity;
mod keys;
mod operations;
mod sharing;

use std::path::{Path, PathBuf};

use commit::GroupApply;

use crate::codec::decode;
use crate::{Page, Result};

/// Options of the sled backend.
#[derive(Debug, Clone)]
pub struct SledOptions {
    /// fdatasync sled's log after each group flush, for power-loss durability.
    pub sync_data: bool,
    /// sled's page cache size in bytes.
    pub cache_capacity: u64,
}

impl Default for SledOptions {
    fn default() -> Self {
        SledOptions {
            sync_data: true,
            cache_capacity: 256 * 1024 * 1024,
        }
    }
}

/// The sled-backed [`crate::Store`]; clones share the database and its writer thread.
#[derive(Debug, Clone)]
pub struct SledStore {
    dir: PathBuf,
    db: sled::Db,
    tree: sled::Tree,
    /// Last: dropping the last handle closes the writer thread after the fields above.
    writer: GroupApply,
}

impl SledStore {
    /// Opens (or creates) the store in `dir` and starts its writer thread.
    pub fn open(dir: &Path, options: &SledOptions) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let db = sled::Config::new()
            .path(dir.join("sled"))
            .cache_capacity(options.cache_capacity)
            .mode(sled::Mode::HighThroughput)
            .open()?;
        let log_file = if options.sync_data {
            Some(std::fs::File::open(dir.join("sled").join("db"))?)
        } else {
            None
        };
        let tree = db.open_tree("govshare")?;
        Ok(SledStore {
            dir: dir.to_owned(),
            writer: GroupApply::start(db.clone(), tree.clone(), log_file)?,
            tree,
            db,
        })
    }

    /// The directory the store lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Bytes the store occupies on disk.
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk()?)
    }

    /// Records under `prefix` after `after`, that `accept` takes, at most `limit`.
    fn page<T: serde::de::DeserializeOwned>(
        &self,
        prefix: &[u8],
        after: Option<&str>,
        limit: usize,
        accept: impl Fn(&T) -> bool,
        id: impl Fn(&T) -> String,
    ) -> Result<Page<T>> {
        let start = match after {
            Some(after) => keys::after(prefix, after),
            None => prefix.to_vec(),
        };
        let mut items: Vec<T> = Vec::new();
        let mut next = None;
        for kv in self.tree.range(start..) {
            let (key, value) = kv?;
            if !key.starts_with(prefix) {
                break;
            }
            let record: T = decode(&value)?;
            if !accept(&record) {
                continue;
            }
            if items.len() == limit {
                next = items.last().map(&id);
                break;
            }
            items.push(record);
        }
        Ok(Page { items, next })
    }
}
