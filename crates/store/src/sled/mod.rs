//! The embedded sled backend: one sled database in a directory, one tree per record kind,
//! multi-tree transactions for every change, group commit for durability.

mod catalog;
mod codec;
mod commit;
mod identity;
mod store_impl;

use std::path::{Path, PathBuf};

use commit::GroupCommit;

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
    departments: sled::Tree,
    tokens: sled::Tree,
    token_ids: sled::Tree,
    entries: sled::Tree,
    versions: sled::Tree,
    sequences: sled::Tree,
    events: sled::Tree,
    meta: sled::Tree,
    commit: GroupCommit,
}

impl SledStore {
    /// Opens (or creates) the store in `dir`. Must run inside a tokio runtime: it starts the
    /// group-commit task.
    pub fn open(dir: &Path, options: &SledOptions) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let db = sled::Config::new()
            .path(dir.join("sled"))
            .cache_capacity(options.cache_capacity)
            .open()?;
        let log_file = if options.sync_data {
            Some(std::fs::File::open(dir.join("sled").join("db"))?)
        } else {
            None
        };
        let tree = |name: &str| db.open_tree(name);
        Ok(SledStore {
            dir: dir.to_owned(),
            departments: tree("departments")?,
            tokens: tree("tokens")?,
            token_ids: tree("token_ids")?,
            entries: tree("entries")?,
            versions: tree("versions")?,
            sequences: tree("sequences")?,
            events: tree("events")?,
            meta: tree("meta")?,
            commit: GroupCommit::start(db.clone(), log_file),
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

    /// Waits until every write committed so far is durable.
    async fn durable(&self) -> Result<()> {
        self.commit.durable().await
    }
}
