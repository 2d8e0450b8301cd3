//! Content-addressed blobs on disk: `ROOT/sha256/ab/abcdef…` holds the bytes whose sha256 is
//! `abcdef…`. A blob is written under `ROOT/tmp/` first and renamed into place only when
//! complete and synced, so a reader never sees a partial blob; identical content is stored
//! once.
//!
//! Several servers may share one blob directory (a shared volume), so no server may remove
//! another's upload in progress. Each open [`BlobStore`] writes its temporary files under a
//! directory of its own, `ROOT/tmp/ID/` (ID: 32 random hex digits), and holds an exclusive lock
//! on `ROOT/locks/ID.lock` for as long as it, or one of its temporary blobs, lives. The lock is
//! taken before the directory exists, and the operating system releases it when the process
//! ends, however it ends.
//!
//! Temporary files are removed when dropped uncommitted, a store's directory when the store
//! and its temporary blobs are dropped, and opening a store sweeps `ROOT/tmp/`:
//! - the directory of a store whose lock can be taken is removed at once: that store is gone
//!   (dropped, or its process ended, crashed or was killed), so whatever an earlier run left
//!   is swept as soon as any server opens the directory, the restarted server included;
//! - the directory of a store whose lock is held is kept: it belongs to a live store;
//! - anything else (stray files, the files of older versions, which wrote straight into
//!   `ROOT/tmp/`, and every directory on a filesystem without working locks) is removed once
//!   nothing in it has been modified for [`STALE_TEMP_AGE`].
//!
//! On a network filesystem the locks must be honoured across machines (NFSv4 and CephFS do);
//! where locks are not available only the age rule applies.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How long an entry of `ROOT/tmp/` that belongs to no live store must have gone unmodified
/// before opening a store removes it. Uploads write continuously (a stalled one ends with its
/// call long before), so an entry this old is left over; the margin also absorbs clock skew
/// between the servers sharing the directory.
pub const STALE_TEMP_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// The blob directory.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
    owner: Arc<Owner>,
}

/// A store's own temporary directory and the lock that marks it as in use. Dropped with the
/// last clone of the store and the last of its temporary blobs.
#[derive(Debug)]
struct Owner {
    /// `ROOT/tmp/ID`.
    dir: PathBuf,
    /// `ROOT/locks/ID.lock`.
    lock_path: PathBuf,
    /// Holds the lock while open; `None` where the filesystem has no working locks.
    lock: Option<File>,
}

/// A blob being written; removed on drop unless committed.
#[derive(Debug)]
pub struct TempBlob {
    path: PathBuf,
    file: Option<File>,
    /// Keeps the directory the blob is written in.
    _owner: Arc<Owner>,
}

impl BlobStore {
    /// Opens (or creates) the blob directory, removes what stores that are gone left in
    /// `ROOT/tmp/` (see the module's documentation) and sets up this store's own temporary
    /// directory.
    pub fn open(root: &Path) -> io::Result<BlobStore> {
        fs::create_dir_all(root.join("sha256"))?;
        fs::create_dir_all(root.join("tmp"))?;
        fs::create_dir_all(root.join("locks"))?;
        sweep(root)?;
        let owner = Owner::create(root)?;
        Ok(BlobStore {
            root: root.to_owned(),
            owner: Arc::new(owner),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// This store's temporary directory, `ROOT/tmp/ID`.
    pub fn temp_dir(&self) -> &Path {
        &self.owner.dir
    }

    /// A new temporary blob to write into.
    pub fn temp(&self) -> io::Result<TempBlob> {
        let path = self.owner.dir.join(random_id());
        let create = || OpenOptions::new().write(true).create_new(true).open(&path);
        let file = match create() {
            Ok(file) => file,
            // Someone removed the directory (by hand, or by the age rule on a filesystem
            // without locks, after a long quiet spell): make it again.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(&self.owner.dir)?;
                create()?
            }
            Err(e) => return Err(e),
        };
        Ok(TempBlob {
            path,
            file: Some(file),
            _owner: self.owner.clone(),
        })
    }

    /// Where the blob with this sha256 (lower-case hex) lives.
    pub fn path(&self, sha256: &str) -> PathBuf {
        let shard = sha256.get(..2).unwrap_or("00");
        self.root.join("sha256").join(shard).join(sha256)
    }

    pub fn contains(&self, sha256: &str) -> bool {
        self.path(sha256).is_file()
    }

    /// Opens the blob with this sha256 for reading.
    pub fn open_blob(&self, sha256: &str) -> io::Result<File> {
        File::open(self.path(sha256))
    }

    /// Makes `blob`, whose content hashes to `sha256`, durable under its name. Content
    /// already stored is kept as it is and the copy dropped.
    pub fn commit(&self, mut blob: TempBlob, sha256: &str) -> io::Result<PathBuf> {
        let target = self.path(sha256);
        if let Some(file) = blob.file.take() {
            file.sync_all()?;
        }
        if target.is_file() {
            return Ok(target);
        }
        let shard = target.parent().unwrap_or(&self.root).to_owned();
        fs::create_dir_all(&shard)?;
        fs::rename(&blob.path, &target)?;
        blob.path = PathBuf::new();
        // The rename is durable once the directories holding the new names are synced.
        sync_dir(&shard)?;
        sync_dir(&self.root.join("sha256"))?;
        Ok(target)
    }
}

fn random_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl Owner {
    /// Takes a new id's lock, then makes its directory: a sweeper that finds the directory
    /// finds the lock held. The lock file is made and locked under a name sweepers only age
    /// out, and renamed (the lock follows the file) to the name they test.
    fn create(root: &Path) -> io::Result<Owner> {
        let id = random_id();
        let staging = root.join("locks").join(format!("{id}.new"));
        let lock_path = root.join("locks").join(format!("{id}.lock"));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&staging)?;
        let lock = match file.try_lock() {
            Ok(()) => Some(file),
            // Nobody else knows this name yet; a filesystem without working locks.
            Err(_) => None,
        };
        fs::rename(&staging, &lock_path)?;
        let dir = root.join("tmp").join(&id);
        fs::create_dir(&dir)?;
        Ok(Owner {
            dir,
            lock_path,
            lock,
        })
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        // Nothing more can be done about a failed removal here: a later open sweeps what is
        // left once the lock is released. The lock file goes only after the directory, so a
        // directory never outlives its lock file.
        if remove_entry(&self.dir).is_ok() {
            let _ = remove_entry(&self.lock_path);
        }
        self.lock.take();
    }
}

/// What the lock of a store says about it.
enum Liveness {
    /// Locked by a live store.
    Alive,
    /// Unlocked: the store is gone; its directory has been removed.
    Gone,
    /// The lock cannot be tested here.
    Unknown,
}

/// Removes what stores that are gone left: see the module's documentation. Entries that
/// vanish meanwhile (another server sweeping the same directory) are skipped.
fn sweep(root: &Path) -> io::Result<()> {
    let tmp = root.join("tmp");
    let locks = root.join("locks");
    // Ids whose lock said something definite: their directories are dealt with.
    let mut settled = HashSet::new();
    let mut undecided_locks = Vec::new();
    for path in entries(&locks)? {
        let id = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".lock"))
            .filter(|id| is_id(id))
            .map(str::to_owned);
        let Some(id) = id else {
            undecided_locks.push(path);
            continue;
        };
        match liveness(&path, &tmp.join(&id))? {
            Liveness::Alive | Liveness::Gone => {
                settled.insert(id);
            }
            Liveness::Unknown => undecided_locks.push(path),
        }
    }
    for path in entries(&tmp)? {
        let settled_id = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| settled.contains(n));
        if !settled_id {
            remove_if_stale(&path)?;
        }
    }
    for path in undecided_locks {
        remove_if_stale(&path)?;
    }
    Ok(())
}

/// Tests the lock at `lock_path`; when it is free, removes the store's directory `dir` and
/// then the lock file, holding the lock meanwhile.
fn liveness(lock_path: &Path, dir: &Path) -> io::Result<Liveness> {
    let file = match OpenOptions::new().read(true).write(true).open(lock_path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Liveness::Gone),
        Err(_) => return Ok(Liveness::Unknown),
    };
    match file.try_lock() {
        Ok(()) => {
            remove_entry(dir)?;
            remove_entry(lock_path)?;
            Ok(Liveness::Gone)
        }
        Err(TryLockError::WouldBlock) => Ok(Liveness::Alive),
        Err(TryLockError::Error(_)) => Ok(Liveness::Unknown),
    }
}

fn is_id(name: &str) -> bool {
    name.len() == 32 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The entries of `dir`.
fn entries(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        found.push(entry?.path());
    }
    Ok(found)
}

/// Removes `path` (a file, or a directory with everything in it) if neither it nor anything
/// in it has been modified for [`STALE_TEMP_AGE`].
fn remove_if_stale(path: &Path) -> io::Result<()> {
    let Some(modified) = last_modified(path)? else {
        return Ok(());
    };
    let stale = SystemTime::now()
        .duration_since(modified)
        .is_ok_and(|age| age >= STALE_TEMP_AGE);
    if stale {
        remove_entry(path)?;
    }
    Ok(())
}

/// The latest modification time of `path` and, for a directory, of everything in it; `None`
/// when it is gone.
fn last_modified(path: &Path) -> io::Result<Option<SystemTime>> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut latest = meta.modified()?;
    if meta.is_dir() {
        let children = match entries(path) {
            Ok(children) => children,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        for child in children {
            if let Some(modified) = last_modified(&child)? {
                latest = latest.max(modified);
            }
        }
    }
    Ok(Some(latest))
}

/// Removes a file or a directory with everything in it; what is already gone is no error.
fn remove_entry(path: &Path) -> io::Result<()> {
    let removed = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) => Err(e),
    };
    match removed {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

impl TempBlob {
    /// Where the blob is being written.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Write for TempBlob {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(file) => file.write(buf),
            None => Err(io::Error::other("the blob was committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for TempBlob {
    fn drop(&mut self) {
        self.file.take();
        if !self.path.as_os_str().is_empty() {
            // Nothing more can be done about a failed removal here; a later open sweeps it.
            let _ = fs::remove_file(&self.path);
        }
    }
}
