//! Registration, optimistic updates and the immutable version history of entries.

use std::collections::BTreeSet;

use chrono::Utc;
use govshare_model::{EntryState, ShareType, UpdateCycle};
use govshare_store::{EntryHeader, StoreError};

use super::fixtures::{
    CATALOGUER, DynStore, Shape, credit, entry, metadata, new_entry, publish, register,
    resource_code, revision,
};

pub async fn registration_numbers_each_classification_from_000001(store: DynStore) {
    let provider = credit(1);
    let mut codes = Vec::new();
    for class in [
        "101001",
        "201002",
        "101001",
        "101001",
        "201002",
        "3010031234",
    ] {
        codes.push(register(&store, class, &provider).await.code.to_string());
    }
    assert_eq!(
        codes,
        [
            "101001/000001",
            "201002/000001",
            "101001/000002",
            "101001/000003",
            "201002/000002",
            "3010031234/000001",
        ]
    );
}

pub async fn registration_stores_version_one_as_a_draft(store: DynStore) {
    let provider = credit(1);
    let new = new_entry("101001", &provider, &Shape::sample());
    let (header, version) = store
        .register_entry(new.clone())
        .await
        .expect("register_entry");

    assert_eq!(header.code, resource_code("101001/000001"));
    assert_eq!(header.provider_code, provider);
    assert_eq!(header.state, EntryState::Draft);
    assert_eq!(header.head_version, 1);
    assert_eq!(header.published_version, None);
    assert_eq!(header.head, new.version.summary);
    assert_eq!(header.published, None);
    assert_eq!(header.review_comment, "");

    assert_eq!(version.version, 1);
    assert_eq!(version.digest, new.version.digest);
    assert_eq!(version.author, CATALOGUER);
    assert_eq!(version.note, new.version.note);
    assert_eq!(version.created_at, new.version.created_at);
    assert_eq!(version.canonical, new.version.canonical);

    assert_eq!(entry(&store, &header.code).await, header);
    let stored = store
        .get_version(&header.code, 1)
        .await
        .expect("get_version");
    assert_eq!(stored, Some(version));
}

pub async fn concurrent_registrations_get_every_sequence_exactly_once(store: DynStore) {
    const TASKS: u32 = 64;
    const EACH: u32 = 20;
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                let provider = credit(t);
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
    assert_eq!(distinct, (1..=TASKS * EACH).collect::<BTreeSet<_>>());

    let next = register(&store, "101001", &credit(0)).await;
    assert_eq!(next.code.sequence(), TASKS * EACH + 1);
}

pub async fn update_of_the_head_appends_the_next_version(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    let shape = Shape::new(
        "人口基础信息（扩充）",
        ShareType::Unconditional,
        UpdateCycle::Weekly,
    );
    let new = revision(&registered, 2, &shape);
    let (header, version) = store
        .update_entry(&registered.code, 1, new.clone())
        .await
        .expect("update_entry");

    assert_eq!(header.head_version, 2);
    assert_eq!(header.state, EntryState::Draft);
    assert_eq!(header.head, new.summary);
    assert_eq!(header.created_at, registered.created_at);
    assert_eq!(header.updated_at, new.created_at);
    assert_eq!(version.version, 2);
    assert_eq!(version.digest, new.digest);
    assert_eq!(version.canonical, new.canonical);
    assert_eq!(version.note, new.note);
    assert_eq!(entry(&store, &registered.code).await, header);
    assert_eq!(
        store
            .get_version(&registered.code, 2)
            .await
            .expect("get_version"),
        Some(version)
    );
}

pub async fn update_of_a_stale_version_conflicts_and_changes_nothing(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    let head = store
        .update_entry(
            &registered.code,
            1,
            revision(&registered, 2, &Shape::sample()),
        )
        .await
        .expect("update_entry")
        .0;
    let versions_before = store
        .list_versions(&registered.code, 0, 100)
        .await
        .expect("list_versions");

    let err = store
        .update_entry(
            &registered.code,
            1,
            revision(&registered, 3, &Shape::sample()),
        )
        .await
        .expect_err("version 1 is no longer the head");
    match err {
        StoreError::VersionConflict {
            code,
            expected,
            actual,
        } => {
            assert_eq!(code, registered.code.to_string());
            assert_eq!((expected, actual), (1, 2));
        }
        other => panic!("expected a version conflict, got {other:?}"),
    }
    assert_eq!(entry(&store, &registered.code).await, head);
    assert_eq!(
        store
            .list_versions(&registered.code, 0, 100)
            .await
            .expect("list_versions"),
        versions_before
    );
    assert_eq!(
        store
            .get_version(&registered.code, 3)
            .await
            .expect("get_version"),
        None
    );
}

pub async fn concurrent_updates_of_one_version_have_exactly_one_winner(store: DynStore) {
    const TASKS: u64 = 32;
    let registered = register(&store, "101001", &credit(1)).await;
    let tasks: Vec<_> = (0..TASKS)
        .map(|n| {
            let store = store.clone();
            let registered = registered.clone();
            tokio::spawn(async move {
                // Each writer's bytes differ, so the stored version tells who won.
                let new = revision(&registered, 100 + n, &Shape::sample());
                let digest = new.digest.clone();
                (digest, store.update_entry(&registered.code, 1, new).await)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        let (digest, outcome) = task.await.expect("updating task");
        match outcome {
            Ok((header, version)) => {
                assert_eq!((header.head_version, version.version), (2, 2));
                winners.push(digest);
            }
            Err(StoreError::VersionConflict {
                expected, actual, ..
            }) => assert_eq!((expected, actual), (1, 2)),
            Err(other) => panic!("expected success or a version conflict, got {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one writer of version 2");
    assert_eq!(entry(&store, &registered.code).await.head_version, 2);
    let versions = store
        .list_versions(&registered.code, 0, 100)
        .await
        .expect("list_versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1].digest, winners[0]);
}

pub async fn stored_versions_never_change(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    let first = store
        .get_version(&registered.code, 1)
        .await
        .expect("get_version")
        .expect("version 1");
    let mut header = registered.clone();
    for n in 2..=4 {
        header = store
            .update_entry(
                &header.code,
                header.head_version,
                revision(&header, n, &Shape::sample()),
            )
            .await
            .expect("update_entry")
            .0;
    }
    publish(&store, &registered.code).await;
    let again = store
        .get_version(&registered.code, 1)
        .await
        .expect("get_version")
        .expect("version 1");
    assert_eq!(again, first);
    assert_eq!(again.canonical, registered_bytes(&registered));
    let digests: BTreeSet<String> = store
        .list_versions(&registered.code, 0, 100)
        .await
        .expect("list_versions")
        .into_iter()
        .map(|v| v.digest)
        .collect();
    assert_eq!(digests.len(), 4, "every revision kept its own bytes");
}

fn registered_bytes(header: &EntryHeader) -> Vec<u8> {
    metadata(
        header.code.classification(),
        &header.provider_code,
        &Shape::sample(),
    )
    .canonical_bytes()
}

pub async fn list_versions_pages_in_ascending_order_after_a_version(store: DynStore) {
    let mut header = register(&store, "101001", &credit(1)).await;
    // A neighbour with versions of its own that must not leak into the listing.
    let neighbour = register(&store, "101001", &credit(1)).await;
    for n in 2..=5 {
        header = store
            .update_entry(
                &header.code,
                header.head_version,
                revision(&header, n, &Shape::sample()),
            )
            .await
            .expect("update_entry")
            .0;
    }
    store
        .update_entry(
            &neighbour.code,
            1,
            revision(&neighbour, 2, &Shape::sample()),
        )
        .await
        .expect("update_entry");

    let numbers = |after: u64, limit: usize| {
        let store = store.clone();
        let code = header.code.clone();
        async move {
            store
                .list_versions(&code, after, limit)
                .await
                .expect("list_versions")
                .into_iter()
                .map(|v| v.version)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(numbers(0, 100).await, [1, 2, 3, 4, 5]);
    assert_eq!(numbers(0, 2).await, [1, 2]);
    assert_eq!(numbers(2, 2).await, [3, 4]);
    assert_eq!(numbers(4, 2).await, [5]);
    assert_eq!(numbers(5, 2).await, Vec::<u64>::new());
    assert_eq!(numbers(1, 0).await, Vec::<u64>::new());
}

pub async fn unknown_versions_and_entries_are_absent(store: DynStore) {
    let registered = register(&store, "101001", &credit(1)).await;
    let unknown = resource_code("101001/000002");
    assert_eq!(store.get_entry(&unknown).await.expect("get_entry"), None);
    assert_eq!(
        store.get_version(&unknown, 1).await.expect("get_version"),
        None
    );
    assert!(
        store
            .list_versions(&unknown, 0, 10)
            .await
            .expect("list_versions")
            .is_empty()
    );
    assert_eq!(
        store
            .get_version(&registered.code, 2)
            .await
            .expect("get_version"),
        None
    );
}

pub async fn changes_to_an_unknown_entry_are_not_found(store: DynStore) {
    let known = register(&store, "101001", &credit(1)).await;
    let unknown = resource_code("101001/000002");
    let now = Utc::now();
    let outcomes = [
        store
            .update_entry(&unknown, 1, revision(&known, 2, &Shape::sample()))
            .await
            .map(|_| ()),
        store
            .submit_entry(&unknown, 1, CATALOGUER, now)
            .await
            .map(|_| ()),
        store
            .request_revocation(&unknown, "职能调整", CATALOGUER, now)
            .await
            .map(|_| ()),
        store
            .review_entry(&unknown, 1, true, "", CATALOGUER, now)
            .await
            .map(|_| ()),
    ];
    for outcome in outcomes {
        assert!(
            matches!(outcome, Err(StoreError::NotFound(_))),
            "expected NotFound, got {outcome:?}"
        );
    }
    assert_eq!(store.get_entry(&unknown).await.expect("get_entry"), None);
    assert_eq!(entry(&store, &known.code).await, known);
}
