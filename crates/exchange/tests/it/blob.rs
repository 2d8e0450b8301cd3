//! The content-addressed blob store: where committed blobs live, that identical content is
//! stored once, that nothing temporary outlives its writer or a restart, and that stores
//! sharing one directory leave each other's uploads alone.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use std::time::{Duration, SystemTime};

use govshare_exchange::BlobStore;
use govshare_exchange::blob::STALE_TEMP_AGE;
use sha2::{Digest, Sha256};

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if !dir.exists() {
        return found;
    }
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// The entries of `dir`, sorted.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    found.sort();
    found
}

/// The temporary files under `ROOT/tmp/`, whichever store they belong to.
fn temp_files(root: &Path) -> Vec<PathBuf> {
    files_under(&root.join("tmp"))
}

/// Sets the modification time of `path` back by `age`.
fn age_by(path: &Path, age: Duration) {
    let file = fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

/// Sets the modification time of a directory back by `age`.
fn age_dir_by(path: &Path, age: Duration) {
    let file = fs::File::open(path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

/// Older than the age at which a temporary entry of no live store is removed.
const STALE: Duration = Duration::from_secs(STALE_TEMP_AGE.as_secs() + 3600);

/// Writes `bytes` into a new temporary blob and commits it under their sha256.
fn store_bytes(store: &BlobStore, bytes: &[u8]) -> (String, PathBuf) {
    let sha = sha256_hex(bytes);
    let mut blob = store.temp().unwrap();
    blob.write_all(bytes).unwrap();
    let path = store.commit(blob, &sha).unwrap();
    (sha, path)
}

#[test]
fn commit_places_the_blob_under_its_sha256_in_a_two_character_shard_and_empties_tmp() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    let bytes = "姓名,年龄\n张三,30\n".as_bytes();

    let (sha, path) = store_bytes(&store, bytes);

    let expected = dir.path().join("sha256").join(&sha[..2]).join(&sha);
    assert_eq!(path, expected);
    assert_eq!(store.path(&sha), expected);
    assert_eq!(fs::read(&expected).unwrap(), bytes);
    assert_eq!(files_under(&dir.path().join("sha256")), vec![expected]);
    assert!(temp_files(dir.path()).is_empty(), "tmp/ must be empty");
}

#[test]
fn identical_content_committed_twice_is_stored_once_and_the_copy_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    let bytes = b"the same bytes twice";

    let (sha, first) = store_bytes(&store, bytes);
    let (sha_again, second) = store_bytes(&store, bytes);

    assert_eq!(sha, sha_again);
    assert_eq!(first, second);
    assert_eq!(files_under(&dir.path().join("sha256")), vec![first.clone()]);
    assert_eq!(fs::read(&first).unwrap(), bytes);
    assert!(
        temp_files(dir.path()).is_empty(),
        "the duplicate copy must be removed"
    );
}

#[test]
fn a_dropped_temp_blob_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();

    let mut blob = store.temp().unwrap();
    blob.write_all(b"half an upload").unwrap();
    blob.flush().unwrap();
    assert_eq!(
        temp_files(dir.path()),
        vec![blob.path().to_owned()],
        "the temp blob is written under tmp/"
    );
    assert_eq!(blob.path().parent(), Some(store.temp_dir()));
    assert_eq!(
        store.temp_dir().parent(),
        Some(dir.path().join("tmp").as_path())
    );
    drop(blob);

    assert!(temp_files(dir.path()).is_empty());
    assert!(files_under(&dir.path().join("sha256")).is_empty());
}

/// What a store whose process was killed leaves: its lock file, no longer locked, and its
/// temporary directory with a half-written upload. Returns the directory.
fn leftovers_of_a_killed_store(root: &Path) -> PathBuf {
    let id = "0123456789abcdef0123456789abcdef";
    fs::write(root.join("locks").join(format!("{id}.lock")), b"").unwrap();
    let dir = root.join("tmp").join(id);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("fedcba9876543210fedcba9876543210"), b"interrupted").unwrap();
    dir
}

#[test]
fn open_removes_at_once_what_a_killed_store_left_but_keeps_committed_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    let (sha, path) = store_bytes(&store, b"committed before the crash");
    drop(store);
    let left = leftovers_of_a_killed_store(dir.path());
    assert_eq!(temp_files(dir.path()).len(), 1);

    let reopened = BlobStore::open(dir.path()).unwrap();

    assert!(!left.exists(), "the killed store's directory must be swept");
    assert!(temp_files(dir.path()).is_empty(), "open must sweep tmp/");
    assert_eq!(
        entries(&dir.path().join("tmp")),
        vec![reopened.temp_dir().to_owned()]
    );
    assert_eq!(
        entries(&dir.path().join("locks")).len(),
        1,
        "only the new store's lock"
    );
    assert!(reopened.contains(&sha));
    assert_eq!(fs::read(&path).unwrap(), b"committed before the crash");
    assert_eq!(files_under(&dir.path().join("sha256")), vec![path]);
}

#[test]
fn a_second_store_on_the_same_directory_keeps_the_first_ones_upload_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let first = BlobStore::open(dir.path()).unwrap();
    let bytes = "第一台服务器的上传".as_bytes();
    let mut upload = first.temp().unwrap();
    upload.write_all(bytes).unwrap();
    upload.flush().unwrap();
    // However old it looks: the first store is alive.
    age_by(upload.path(), STALE);
    age_dir_by(first.temp_dir(), STALE);

    let second = BlobStore::open(dir.path()).unwrap();

    assert_ne!(first.temp_dir(), second.temp_dir());
    assert_eq!(temp_files(dir.path()), vec![upload.path().to_owned()]);
    assert_eq!(fs::read(upload.path()).unwrap(), bytes);
    // The first store's upload completes, and the second one stores through the same root.
    let sha = sha256_hex(bytes);
    first.commit(upload, &sha).unwrap();
    assert!(second.contains(&sha));
    let (other, _) = store_bytes(&second, "第二台服务器".as_bytes());
    assert!(first.contains(&other));
    assert!(temp_files(dir.path()).is_empty());
}

#[test]
fn a_dropped_store_removes_its_directory_once_its_temp_blobs_are_gone() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    let own = store.temp_dir().to_owned();
    let mut blob = store.temp().unwrap();
    blob.write_all(b"outlives the store").unwrap();

    drop(store);
    assert!(own.is_dir(), "a temp blob still writes there");
    drop(blob);

    assert!(entries(&dir.path().join("tmp")).is_empty());
    assert!(entries(&dir.path().join("locks")).is_empty());
}

#[test]
fn open_removes_stale_temporary_files_of_no_store_and_keeps_fresh_ones() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    drop(BlobStore::open(dir.path()).unwrap());
    // What older versions wrote straight into tmp/, and a directory nobody holds a lock for.
    let stale_file = tmp.join("00112233445566778899aabbccddeeff");
    fs::write(&stale_file, b"half an upload, a day ago").unwrap();
    age_by(&stale_file, STALE);
    let stale_dir = tmp.join("nested");
    fs::create_dir_all(&stale_dir).unwrap();
    fs::write(stale_dir.join("junk"), b"junk").unwrap();
    age_by(&stale_dir.join("junk"), STALE);
    age_dir_by(&stale_dir, STALE);
    // A directory whose newest file is recent counts as recent.
    let busy_dir = tmp.join("busy");
    fs::create_dir_all(&busy_dir).unwrap();
    fs::write(busy_dir.join("old"), b"old").unwrap();
    age_by(&busy_dir.join("old"), STALE);
    fs::write(busy_dir.join("new"), b"new").unwrap();
    age_dir_by(&busy_dir, STALE);
    // Possibly an upload of a server of an older version, still running.
    let fresh_file = tmp.join("ffeeddccbbaa99887766554433221100");
    fs::write(&fresh_file, b"being written").unwrap();

    let store = BlobStore::open(dir.path()).unwrap();

    assert!(!stale_file.exists());
    assert!(!stale_dir.exists());
    assert!(busy_dir.join("old").exists() && busy_dir.join("new").exists());
    assert_eq!(fs::read(&fresh_file).unwrap(), b"being written");
    let (sha, _) = store_bytes(&store, b"committing still works");
    assert!(store.contains(&sha));
}

#[test]
fn a_temp_blob_is_written_even_after_its_directory_was_removed() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    fs::remove_dir(store.temp_dir()).unwrap();

    let (sha, _) = store_bytes(&store, b"after an overzealous clean-up");

    assert!(store.contains(&sha));
}

#[test]
fn open_creates_the_directories_of_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("new").join("blobs");

    let store = BlobStore::open(&root).unwrap();

    assert_eq!(store.root(), root);
    assert!(root.join("sha256").is_dir());
    assert!(root.join("tmp").is_dir());
    assert!(store.temp_dir().is_dir());
    assert!(store.temp_dir().starts_with(root.join("tmp")));
}

#[test]
fn contains_and_open_blob_find_committed_content_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    let bytes = "欧阳修文,1007\n".as_bytes();
    let absent = sha256_hex(b"never stored");

    let (sha, _) = store_bytes(&store, bytes);

    assert!(store.contains(&sha));
    let mut read = Vec::new();
    store
        .open_blob(&sha)
        .unwrap()
        .read_to_end(&mut read)
        .unwrap();
    assert_eq!(read, bytes);

    assert!(!store.contains(&absent));
    let missing = store.open_blob(&absent).unwrap_err();
    assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn an_uncommitted_temp_blob_is_not_visible_under_its_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    let bytes = b"not yet committed";
    let sha = sha256_hex(bytes);

    let mut blob = store.temp().unwrap();
    blob.write_all(bytes).unwrap();
    blob.flush().unwrap();

    assert!(!store.contains(&sha));
    drop(blob);
    assert!(!store.contains(&sha));
}
