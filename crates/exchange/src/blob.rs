//! Content-addressed blobs on disk: `ROOT/sha256/ab/abcdef…` holds the bytes whose sha256 is
//! `abcdef…`. A blob is written under `ROOT/tmp/` first and renamed into place only when
//! complete and synced, so a reader never sees a partial blob; identical content is stored
//! once. Temporary files are removed when dropped uncommitted, and at open (left by a crash).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The blob directory.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

/// A blob being written; removed on drop unless committed.
#[derive(Debug)]
pub struct TempBlob {
    path: PathBuf,
    file: Option<File>,
}

impl BlobStore {
    /// Opens (or creates) the blob directory and removes what interrupted writes left.
    pub fn open(root: &Path) -> io::Result<BlobStore> {
        let store = BlobStore {
            root: root.to_owned(),
        };
        fs::create_dir_all(store.root.join("sha256"))?;
        let tmp = store.root.join("tmp");
        if tmp.exists() {
            fs::remove_dir_all(&tmp)?;
        }
        fs::create_dir_all(&tmp)?;
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A new temporary blob to write into.
    pub fn temp(&self) -> io::Result<TempBlob> {
        let name = format!("{:032x}", rand::random::<u128>());
        let path = self.root.join("tmp").join(name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(TempBlob {
            path,
            file: Some(file),
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

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
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
            // Nothing more can be done about a failed removal here; open() sweeps tmp/.
            let _ = fs::remove_file(&self.path);
        }
    }
}
