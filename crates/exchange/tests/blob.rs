//! The content-addressed blob store: where committed blobs live, that identical content is
//! stored once, and that nothing temporary outlives its writer or a restart.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use govshare_exchange::BlobStore;
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

fn tmp_entries(root: &Path) -> Vec<PathBuf> {
    fs::read_dir(root.join("tmp"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

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
    assert!(tmp_entries(dir.path()).is_empty(), "tmp/ must be empty");
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
        tmp_entries(dir.path()).is_empty(),
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
        tmp_entries(dir.path()).len(),
        1,
        "the temp blob is written under tmp/"
    );
    drop(blob);

    assert!(tmp_entries(dir.path()).is_empty());
    assert!(files_under(&dir.path().join("sha256")).is_empty());
}

#[test]
fn open_removes_leftovers_in_tmp_but_keeps_committed_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    let (sha, path) = store_bytes(&store, b"committed before the crash");

    // What a crash leaves: a temp blob that was never committed or removed, and a stray file.
    let mut interrupted = store.temp().unwrap();
    interrupted.write_all(b"interrupted").unwrap();
    std::mem::forget(interrupted);
    fs::write(dir.path().join("tmp").join("stray"), b"stray").unwrap();
    assert_eq!(tmp_entries(dir.path()).len(), 2);

    let reopened = BlobStore::open(dir.path()).unwrap();

    assert!(tmp_entries(dir.path()).is_empty(), "open must sweep tmp/");
    assert!(reopened.contains(&sha));
    assert_eq!(fs::read(&path).unwrap(), b"committed before the crash");
    assert_eq!(files_under(&dir.path().join("sha256")), vec![path]);
}

#[test]
fn open_creates_the_directories_of_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("new").join("blobs");

    let store = BlobStore::open(&root).unwrap();

    assert_eq!(store.root(), root);
    assert!(root.join("sha256").is_dir());
    assert!(root.join("tmp").is_dir());
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
