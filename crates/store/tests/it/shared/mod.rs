//! Several stores on one database, as several servers in front of it: together they behave
//! as one store. Only backends that can be opened twice run these (`postgres.rs`).

use std::collections::BTreeSet;

use govshare_store::StoreError;

use crate::suite::fixtures::{DynStore, Shape, credit, entry, new_entry, register, revision};

/// The store task `n` writes through.
fn pick(stores: &[DynStore; 2], n: u64) -> DynStore {
    stores[(n % 2) as usize].clone()
}

pub async fn concurrent_registrations_across_stores_get_every_sequence_once(
    a: DynStore,
    b: DynStore,
) {
    const TASKS: u64 = 32;
    const EACH: u32 = 10;
    let stores = [a, b];
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let store = pick(&stores, t);
            tokio::spawn(async move {
                let provider = credit(t as u32);
                let mut sequences = Vec::new();
                for _ in 0..EACH {
                    let (header, _) = store
                        .register_entry(new_entry("101001", &provider, &Shape::sample()))
                        .await
                        .expect("register_entry");
                    sequences.push(header.code.sequence());
                }
                sequences
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("registering task"));
    }
    let distinct: BTreeSet<u32> = all.iter().copied().collect();
    assert_eq!(distinct.len(), all.len(), "a 顺序码 was issued twice");
    assert_eq!(distinct, (1..=TASKS as u32 * EACH).collect::<BTreeSet<_>>());

    // The change feed is one feed: consecutive numbers, whichever store wrote.
    for store in &stores {
        let events = store
            .catalog_events(0, 10_000)
            .await
            .expect("catalog_events");
        let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=TASKS * u64::from(EACH)).collect::<Vec<_>>());
    }
}

pub async fn concurrent_updates_across_stores_have_one_winner_per_version(
    a: DynStore,
    b: DynStore,
) {
    const TASKS: u64 = 16;
    const ROUNDS: u64 = 5;
    let stores = [a, b];
    let registered = register(&stores[0], "101001", &credit(1)).await;
    for round in 1..=ROUNDS {
        let tasks: Vec<_> = (0..TASKS)
            .map(|n| {
                let store = pick(&stores, n);
                let registered = registered.clone();
                tokio::spawn(async move {
                    let new = revision(&registered, round * 1000 + n, &Shape::sample());
                    let digest = new.digest.clone();
                    (
                        digest,
                        store.update_entry(&registered.code, round, new).await,
                    )
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            let (digest, outcome) = task.await.expect("updating task");
            match outcome {
                Ok((header, version)) => {
                    assert_eq!(
                        (header.head_version, version.version),
                        (round + 1, round + 1)
                    );
                    winners.push(digest);
                }
                Err(StoreError::VersionConflict {
                    expected, actual, ..
                }) => assert_eq!((expected, actual), (round, round + 1)),
                Err(other) => panic!("expected success or a version conflict, got {other:?}"),
            }
        }
        assert_eq!(
            winners.len(),
            1,
            "exactly one writer of version {}",
            round + 1
        );
        // Either store reads the winner at once.
        for store in &stores {
            assert_eq!(entry(store, &registered.code).await.head_version, round + 1);
            let stored = store
                .get_version(&registered.code, round + 1)
                .await
                .expect("get_version")
                .expect("the new version");
            assert_eq!(stored.digest, winners[0]);
        }
    }
}
