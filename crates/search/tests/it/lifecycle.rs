//! The index on disk: checkpoints across reopening, one writer at a time, recreating, and
//! refusing directories that hold something else.

#![allow(clippy::unwrap_used)]

use crate::common::*;
use govshare_search::{Checkpoint, IndexOptions, SearchError, SearchIndex};

#[test]
fn a_new_index_has_no_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open_or_create(&dir.path().join("search")).unwrap();
    assert_eq!(index.applied().unwrap(), None);
    assert_eq!(index.num_docs(), 0);
}

#[test]
fn documents_and_checkpoint_survive_reopening() {
    let (dir, index) = index_of(&catalogue());
    index
        .commit(&Checkpoint {
            seq: 42,
            fingerprint: "101001/000001@2026-01-15".into(),
        })
        .unwrap();
    drop(index);
    let index = SearchIndex::open_or_create(&dir.path().join("search")).unwrap();
    assert_eq!(
        index.applied().unwrap(),
        Some(Checkpoint {
            seq: 42,
            fingerprint: "101001/000001@2026-01-15".into(),
        })
    );
    assert_eq!(index.applied_seq().unwrap(), Some(42));
    assert_eq!(found(&index, "户籍"), ["101001/000001"]);
}

#[test]
fn uncommitted_changes_are_lost_on_reopening() {
    let (dir, index) = index_of(&catalogue());
    index.remove("101001/000001").unwrap();
    drop(index);
    let index = SearchIndex::open_or_create(&dir.path().join("search")).unwrap();
    assert_eq!(found(&index, "户籍"), ["101001/000001"]);
    assert_eq!(index.applied_seq().unwrap(), Some(1));
}

#[test]
fn a_rollback_drops_a_half_done_rebuild_so_the_retry_adds_each_document_once() {
    let docs = catalogue();
    let (_dir, index) = index_of(&docs);
    // A rebuild that fails after clearing and adding part of the catalogue.
    index.clear().unwrap();
    index.add(&docs[0]).unwrap();
    index.rollback().unwrap();
    // The retry.
    index.clear().unwrap();
    for doc in &docs {
        index.add(doc).unwrap();
    }
    commit(&index, 2);
    assert_eq!(index.num_docs(), docs.len() as u64);
    assert_eq!(found(&index, "户籍"), ["101001/000001"]);
}

#[test]
fn only_one_index_may_be_open_per_directory() {
    let (dir, index) = index_of(&[]);
    let err = SearchIndex::open_or_create(&dir.path().join("search")).unwrap_err();
    assert!(matches!(err, SearchError::Locked(_)), "{err}");
    drop(index);
    SearchIndex::open_or_create(&dir.path().join("search")).unwrap();
}

#[test]
fn recreate_starts_an_empty_index() {
    let (dir, index) = index_of(&catalogue());
    drop(index);
    let index =
        SearchIndex::recreate(&dir.path().join("search"), &IndexOptions::default()).unwrap();
    assert_eq!(index.num_docs(), 0);
    assert_eq!(index.applied().unwrap(), None);
}

#[test]
fn clear_removes_every_document_at_the_next_commit() {
    let (_dir, index) = index_of(&catalogue());
    index.clear().unwrap();
    commit(&index, 9);
    assert_eq!(index.num_docs(), 0);
    assert_eq!(index.applied_seq().unwrap(), Some(9));
}

#[test]
fn a_directory_holding_other_files_is_never_used_or_emptied() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("precious.txt"), "keep me").unwrap();
    let err = SearchIndex::open_or_create(dir.path()).unwrap_err();
    assert!(matches!(err, SearchError::NotAnIndex(_)), "{err}");
    let err = SearchIndex::recreate(dir.path(), &IndexOptions::default()).unwrap_err();
    assert!(matches!(err, SearchError::NotAnIndex(_)), "{err}");
    assert!(err.to_string().contains("拒绝清空"), "{err}");
    assert!(dir.path().join("precious.txt").exists());
}

#[test]
fn a_damaged_index_fails_to_open_and_can_be_recreated() {
    let (dir, index) = index_of(&catalogue());
    drop(index);
    let path = dir.path().join("search");
    std::fs::write(path.join("meta.json"), "{ not json").unwrap();
    assert!(SearchIndex::open_or_create(&path).is_err());
    let index = SearchIndex::recreate(&path, &IndexOptions::default()).unwrap();
    assert_eq!(index.num_docs(), 0);
}
