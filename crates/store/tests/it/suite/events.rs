//! The catalogue change feed: one event per change, in commit order, resumable.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use govshare_model::{EntryState, ResourceCode};
use govshare_store::{CatalogEvent, CatalogEventKind, StoreError};

use super::fixtures::{
    APPROVER, CATALOGUER, DynStore, Shape, credit, edit, entry, new_entry, publish, register,
    resource_code, revision,
};

async fn all_events(store: &DynStore) -> Vec<CatalogEvent> {
    store
        .catalog_events(0, 100_000)
        .await
        .expect("catalog_events")
}

/// The (kind, version, state, actor, comment) of each event, for comparison.
type Seen = (CatalogEventKind, u64, EntryState, String, String);

fn seen(events: &[CatalogEvent]) -> Vec<Seen> {
    events
        .iter()
        .map(|e| {
            (
                e.kind,
                e.version,
                e.state,
                e.actor.clone(),
                e.comment.clone(),
            )
        })
        .collect()
}

fn expect(
    kind: CatalogEventKind,
    version: u64,
    state: EntryState,
    actor: &str,
    comment: &str,
) -> Seen {
    (kind, version, state, actor.to_owned(), comment.to_owned())
}

async fn review(
    store: &DynStore,
    code: &ResourceCode,
    version: u64,
    approve: bool,
    comment: &str,
    at: DateTime<Utc>,
) {
    store
        .review_entry(code, version, approve, comment, APPROVER, at)
        .await
        .expect("review_entry");
}

pub async fn every_change_yields_one_event_in_order(store: DynStore) {
    use CatalogEventKind as K;
    use EntryState as S;
    let provider = credit(1);
    let new = new_entry("101001", &provider, &Shape::sample());
    let registered_at = new.version.created_at;
    let (registered, _) = store.register_entry(new).await.expect("register_entry");
    let code = registered.code.clone();
    let update = revision(&registered, 2, &Shape::sample());
    let updated_at = update.created_at;
    store
        .update_entry(&code, 1, update)
        .await
        .expect("update_entry");
    let at: Vec<DateTime<Utc>> = (0..8).map(|_| Utc::now()).collect();
    store
        .submit_entry(&code, 2, CATALOGUER, at[0])
        .await
        .expect("submit_entry");
    review(&store, &code, 2, false, "请补充", at[1]).await;
    store
        .submit_entry(&code, 2, CATALOGUER, at[2])
        .await
        .expect("submit_entry");
    review(&store, &code, 2, true, "同意", at[3]).await;
    store
        .request_revocation(&code, "职能调整", CATALOGUER, at[4])
        .await
        .expect("request_revocation");
    review(&store, &code, 2, false, "仍需共享", at[5]).await;
    store
        .request_revocation(&code, "机构撤并", CATALOGUER, at[6])
        .await
        .expect("request_revocation");
    review(&store, &code, 2, true, "同意撤销", at[7]).await;

    let events = all_events(&store).await;
    assert_eq!(
        seen(&events),
        [
            expect(K::Registered, 1, S::Draft, CATALOGUER, "首次编目"),
            expect(K::Updated, 2, S::Draft, CATALOGUER, "修订2"),
            expect(K::Submitted, 2, S::PendingPublish, CATALOGUER, ""),
            expect(
                K::PublishRejected,
                2,
                S::PublishRejected,
                APPROVER,
                "请补充"
            ),
            expect(K::Submitted, 2, S::PendingPublish, CATALOGUER, ""),
            expect(K::Published, 2, S::Published, APPROVER, "同意"),
            expect(
                K::RevocationRequested,
                2,
                S::PendingRevoke,
                CATALOGUER,
                "职能调整"
            ),
            expect(K::RevocationRejected, 2, S::Published, APPROVER, "仍需共享"),
            expect(
                K::RevocationRequested,
                2,
                S::PendingRevoke,
                CATALOGUER,
                "机构撤并"
            ),
            expect(K::Revoked, 2, S::Revoked, APPROVER, "同意撤销"),
        ]
    );
    assert!(events.iter().all(|e| e.code == code));
    let times: Vec<DateTime<Utc>> = events.iter().map(|e| e.at).collect();
    let mut expected_times = vec![registered_at, updated_at];
    expected_times.extend(at);
    assert_eq!(times, expected_times);
    for pair in events.windows(2) {
        assert!(pair[0].seq < pair[1].seq, "seq increases: {pair:?}");
    }
}

pub async fn refused_changes_yield_no_event(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    let before = all_events(&store).await;
    let now = Utc::now();
    let stale = store
        .update_entry(
            &registered.code,
            7,
            revision(&registered, 2, &Shape::sample()),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::VersionConflict { .. })));
    let invalid = store
        .review_entry(&registered.code, 1, true, "", APPROVER, now)
        .await;
    assert!(matches!(invalid, Err(StoreError::InvalidState { .. })));
    let unknown = store
        .submit_entry(&resource_code("101001/000009"), 1, CATALOGUER, now)
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound(_))));
    assert_eq!(all_events(&store).await, before);
}

pub async fn reading_after_a_seq_resumes_without_loss_or_repetition(store: DynStore) {
    let provider = credit(1);
    for n in 0..10 {
        let header = register(
            &store,
            if n % 2 == 0 { "101001" } else { "201001" },
            &provider,
        )
        .await;
        let edited = edit(&store, &header, &Shape::sample()).await;
        if n % 3 == 0 {
            publish(&store, &edited.code).await;
        }
    }
    let everything = all_events(&store).await;
    assert_eq!(
        everything.len(),
        10 * 2 + 4 * 2,
        "registrations, edits, publications"
    );
    for limit in [1, 2, 5, 7, 64] {
        let mut resumed = Vec::new();
        let mut after = 0;
        loop {
            let batch = store
                .catalog_events(after, limit)
                .await
                .expect("catalog_events");
            assert!(batch.len() <= limit);
            assert!(batch.iter().all(|e| e.seq > after));
            let Some(last) = batch.last() else { break };
            after = last.seq;
            resumed.extend(batch);
        }
        assert_eq!(resumed, everything, "reading {limit} at a time");
    }
    let last = everything.last().expect("events").seq;
    assert!(
        store
            .catalog_events(last, 10)
            .await
            .expect("catalog_events")
            .is_empty()
    );
    let middle = everything[everything.len() / 2].seq;
    let tail = store
        .catalog_events(middle, 100_000)
        .await
        .expect("catalog_events");
    assert_eq!(tail, everything[everything.len() / 2 + 1..]);
}

pub async fn concurrent_changes_get_distinct_seqs(store: DynStore) {
    const TASKS: u32 = 16;
    const EACH: u32 = 10;
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                let provider = credit(t);
                for _ in 0..EACH {
                    let (header, _) = store
                        .register_entry(new_entry("101001", &provider, &Shape::sample()))
                        .await
                        .expect("register_entry");
                    store
                        .update_entry(&header.code, 1, revision(&header, 2, &Shape::sample()))
                        .await
                        .expect("update_entry");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("writing task");
    }
    let events = all_events(&store).await;
    let count = u64::from(TASKS * EACH * 2);
    assert_eq!(events.len() as u64, count);
    let seqs: BTreeSet<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs.len() as u64, count, "no seq is used twice");
    // Each entry's own events are in the order they happened.
    let mut registered = BTreeSet::new();
    for e in &events {
        match e.kind {
            CatalogEventKind::Registered => assert!(registered.insert(e.code.to_string())),
            CatalogEventKind::Updated => assert!(
                registered.contains(&e.code.to_string()),
                "{} updated before it was registered",
                e.code
            ),
            other => panic!("unexpected event {other:?}"),
        }
    }
}

pub async fn a_reader_following_the_feed_misses_nothing_written_meanwhile(store: DynStore) {
    const TASKS: u32 = 8;
    const EACH: u32 = 15;
    let writers: Vec<_> = (0..TASKS)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                let provider = credit(t);
                for _ in 0..EACH {
                    store
                        .register_entry(new_entry("101001", &provider, &Shape::sample()))
                        .await
                        .expect("register_entry");
                }
            })
        })
        .collect();
    let mut followed: Vec<CatalogEvent> = Vec::new();
    let mut after = 0;
    let mut writers_done = false;
    loop {
        let batch = store
            .catalog_events(after, 7)
            .await
            .expect("catalog_events");
        match batch.last() {
            Some(last) => after = last.seq,
            // Drained after the last writer returned: nothing more can arrive.
            None if writers_done => break,
            None => {
                writers_done = writers.iter().all(|w| w.is_finished());
                tokio::task::yield_now().await;
            }
        }
        followed.extend(batch);
    }
    for writer in writers {
        writer.await.expect("writing task");
    }
    assert_eq!(followed.len() as u32, TASKS * EACH);
    assert_eq!(followed, all_events(&store).await);
}

/// A revocation concerns the published version, whatever newer head is being edited.
pub async fn revocation_events_name_the_published_version(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    publish(&store, &registered.code).await;
    let edited = edit(
        &store,
        &entry(&store, &registered.code).await,
        &Shape::sample(),
    )
    .await;
    assert_eq!(
        (edited.head_version, edited.published_version),
        (2, Some(1))
    );
    let before = all_events(&store).await.len();
    store
        .request_revocation(&registered.code, "职能调整", CATALOGUER, Utc::now())
        .await
        .expect("request_revocation");
    review(&store, &registered.code, 1, true, "同意撤销", Utc::now()).await;
    let events = all_events(&store).await;
    let revocation: Vec<(CatalogEventKind, u64)> = events[before..]
        .iter()
        .map(|e| (e.kind, e.version))
        .collect();
    assert_eq!(
        revocation,
        [
            (CatalogEventKind::RevocationRequested, 1),
            (CatalogEventKind::Revoked, 1),
        ],
        "review_entry(version = 1) revoked version 1; the feed must say so"
    );
}
