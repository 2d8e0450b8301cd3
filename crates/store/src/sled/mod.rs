//! The embedded sled backend: one sled tree holding every record under a key prefix (see
//! [`keys`]), and one writer thread that decides the changes queued so far in order, applies
//! them as one atomic sled batch and makes them durable together (see [`commit`]).
//!
//! sled's multi-tree transactions, and one batch per change under an async writer lock, were
//! measured at a fraction of this design's throughput.

mod catalog;
mod commit;
mod exchange;
mod identity;
mod keys;
mod sharing;
mod stats;
mod store_impl;

use std::path::{Path, PathBuf};

use commit::GroupApply;

use crate::Result;

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

/// The sled-backed [`crate::Store`].
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
}
