//! Snapshot records: numbered in order, kept as written, listed newest first per entry.

use std::collections::BTreeSet;

use chrono::{TimeZone, Utc};
use govshare_sharing::SnapshotId;
use govshare_store::{NewSnapshot, SnapshotRecord};

use super::fixtures::{DynStore, credit, resource_code};

fn new_snapshot(entry: &str, n: u8) -> NewSnapshot {
    NewSnapshot {
        entry_code: resource_code(entry),
        entry_version: 2,
        provider_code: credit(1),
        sha256: format!("{n:02x}").repeat(32),
        size_bytes: 1000 + u64::from(n),
        rows: u64::from(n),
        media_type: "text/csv".into(),
        columns: vec!["姓名".into(), "出生日期".into()],
        note: format!("第 {n} 次"),
        author: "token-cataloguer".into(),
        created_at: Utc
            .with_ymd_and_hms(2026, 11, 2, 9, 0, u32::from(n))
            .unwrap(),
    }
}

fn id(n: u64) -> SnapshotId {
    SnapshotId::new(n).expect("a snapshot number")
}

async fn listed(store: &DynStore, entry: &str, page_size: usize) -> Vec<SnapshotRecord> {
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .list_snapshots(&resource_code(entry), before, page_size)
            .await
            .expect("list snapshots");
        assert!(page.items.len() <= page_size);
        all.extend(page.items);
        match page.next {
            Some(next) => before = Some(next.parse().expect("a snapshot number")),
            None => return all,
        }
    }
}

pub async fn snapshots_are_numbered_in_order_and_kept_as_written(store: DynStore) {
    let first = store
        .create_snapshot(new_snapshot("101001/000001", 1))
        .await
        .expect("record");
    let second = store
        .create_snapshot(new_snapshot("101001/000002", 2))
        .await
        .expect("record");
    assert_eq!(first.id.to_string(), "SNP-000001");
    assert_eq!(second.id.to_string(), "SNP-000002");
    let read = store
        .get_snapshot(first.id)
        .await
        .expect("get")
        .expect("stored");
    assert_eq!(read, first);
    let written = new_snapshot("101001/000001", 1);
    assert_eq!(read.sha256, written.sha256);
    assert_eq!(read.columns, written.columns);
    assert_eq!(read.created_at, written.created_at);
    assert_eq!(read.note, "第 1 次");
}

pub async fn unknown_snapshots_are_absent(store: DynStore) {
    assert_eq!(store.get_snapshot(id(1)).await.expect("get"), None);
    store
        .create_snapshot(new_snapshot("101001/000001", 1))
        .await
        .expect("record");
    assert_eq!(store.get_snapshot(id(2)).await.expect("get"), None);
    assert!(listed(&store, "101001/000009", 10).await.is_empty());
}

pub async fn snapshots_list_newest_first_per_entry(store: DynStore) {
    for n in 1..=6 {
        let entry = if n % 2 == 0 {
            "101001/000002"
        } else {
            "101001/000001"
        };
        store
            .create_snapshot(new_snapshot(entry, n))
            .await
            .expect("record");
    }
    let ids =
        |records: Vec<SnapshotRecord>| -> Vec<u64> { records.iter().map(|s| s.id.get()).collect() };
    assert_eq!(ids(listed(&store, "101001/000001", 10).await), [5, 3, 1]);
    assert_eq!(ids(listed(&store, "101001/000002", 10).await), [6, 4, 2]);
}

pub async fn snapshot_pages_walk_every_snapshot_once(store: DynStore) {
    for n in 1..=7 {
        store
            .create_snapshot(new_snapshot("101001/000001", n))
            .await
            .expect("record");
    }
    for page_size in [1, 2, 3, 7, 8] {
        let ids: Vec<u64> = listed(&store, "101001/000001", page_size)
            .await
            .iter()
            .map(|s| s.id.get())
            .collect();
        assert_eq!(ids, [7, 6, 5, 4, 3, 2, 1], "page size {page_size}");
    }
}

pub async fn concurrent_snapshots_get_distinct_consecutive_numbers(store: DynStore) {
    let tasks: Vec<_> = (0..48u8)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .create_snapshot(new_snapshot("101001/000001", n))
                    .await
                    .expect("record")
                    .id
                    .get()
            })
        })
        .collect();
    let mut numbers = BTreeSet::new();
    for task in tasks {
        numbers.insert(task.await.expect("task"));
    }
    assert_eq!(numbers, (1..=48).collect::<BTreeSet<u64>>());
}
