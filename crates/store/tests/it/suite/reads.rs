//! Reading an entry's header while it changes: whatever a store keeps in memory, a read or a
//! listing after a change is acknowledged returns the changed header, and no reader sees an
//! older header after a newer one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Utc;
use govshare_model::{EntryState, ResourceCode};
use govshare_store::{EntryFilter, EntryHeader};

use super::fixtures::{
    APPROVER, CATALOGUER, DynStore, Shape, credit, edit, entry, new_entry, resource_code,
};

/// Reads and lists the entry twice each (the second time may be answered from memory) and
/// checks every answer against the header the change returned.
async fn reads_back(store: &DynStore, changed: &EntryHeader, state: EntryState) {
    assert_eq!(changed.state, state);
    for _ in 0..2 {
        assert_eq!(&entry(store, &changed.code).await, changed, "{state:?}");
        let listed = store
            .list_entries(&EntryFilter::default(), None, 10)
            .await
            .expect("list_entries");
        assert_eq!(listed.items, std::slice::from_ref(changed), "{state:?}");
    }
}

async fn submit(store: &DynStore, h: &EntryHeader) -> EntryHeader {
    store
        .submit_entry(&h.code, h.head_version, CATALOGUER, Utc::now())
        .await
        .expect("submit_entry")
}

async fn review(store: &DynStore, code: &ResourceCode, version: u64, approve: bool) -> EntryHeader {
    store
        .review_entry(code, version, approve, "审核意见", APPROVER, Utc::now())
        .await
        .expect("review_entry")
}

async fn request_revocation(store: &DynStore, code: &ResourceCode) -> EntryHeader {
    store
        .request_revocation(code, "职能调整", CATALOGUER, Utc::now())
        .await
        .expect("request_revocation")
}

pub async fn a_read_entry_reads_back_changed_by_every_kind_of_change(store: DynStore) {
    let code = resource_code("101001/000001");
    assert_eq!(store.get_entry(&code).await.expect("get_entry"), None);
    let (h, _) = store
        .register_entry(new_entry("101001", &credit(1), &Shape::sample()))
        .await
        .expect("register_entry");
    assert_eq!(h.code, code);
    reads_back(&store, &h, EntryState::Draft).await;

    let h = edit(&store, &h, &Shape::sample()).await;
    reads_back(&store, &h, EntryState::Draft).await;
    let h = submit(&store, &h).await;
    reads_back(&store, &h, EntryState::PendingPublish).await;
    let h = review(&store, &code, h.head_version, false).await;
    reads_back(&store, &h, EntryState::PublishRejected).await;
    let h = submit(&store, &h).await;
    reads_back(&store, &h, EntryState::PendingPublish).await;
    let h = review(&store, &code, h.head_version, true).await;
    reads_back(&store, &h, EntryState::Published).await;
    assert_eq!(h.published_version, Some(2));

    // An edit of the published entry, refused.
    let h = edit(&store, &h, &Shape::sample()).await;
    reads_back(&store, &h, EntryState::Published).await;
    assert_eq!((h.head_version, h.published_version), (3, Some(2)));
    let h = submit(&store, &h).await;
    reads_back(&store, &h, EntryState::PendingPublish).await;
    let h = review(&store, &code, 3, false).await;
    reads_back(&store, &h, EntryState::Published).await;

    // A revocation refused, then one approved.
    let h = request_revocation(&store, &code).await;
    reads_back(&store, &h, EntryState::PendingRevoke).await;
    let h = review(&store, &code, 2, false).await;
    reads_back(&store, &h, EntryState::Published).await;
    let h = request_revocation(&store, &code).await;
    reads_back(&store, &h, EntryState::PendingRevoke).await;
    let h = review(&store, &code, 2, true).await;
    reads_back(&store, &h, EntryState::Revoked).await;
}

pub async fn readers_of_an_entry_changing_never_go_back_and_end_on_the_last_change(
    store: DynStore,
) {
    const READERS: usize = 8;
    const EDITS: u64 = 40;
    let (registered, _) = store
        .register_entry(new_entry("101001", &credit(1), &Shape::sample()))
        .await
        .expect("register_entry");
    let code = registered.code.clone();
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let store = store.clone();
            let code = code.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let mut last = 0;
                let mut reads = 0u64;
                while !done.load(Ordering::Acquire) {
                    let head = entry(&store, &code).await.head_version;
                    assert!(head >= last, "read version {head} after {last}");
                    last = head;
                    reads += 1;
                    tokio::task::yield_now().await;
                }
                reads
            })
        })
        .collect();
    let mut header = registered;
    for _ in 0..EDITS {
        header = edit(&store, &header, &Shape::sample()).await;
        // Acknowledged: every read from now on has it.
        assert_eq!(entry(&store, &code).await, header);
    }
    done.store(true, Ordering::Release);
    for reader in readers {
        let reads = reader.await.expect("reading task");
        assert!(reads > 0);
    }
    assert_eq!(header.head_version, EDITS + 1);
    assert_eq!(entry(&store, &code).await, header);
}
