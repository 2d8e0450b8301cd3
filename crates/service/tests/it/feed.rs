//! The change feed: each reader sees the changes of what exists for it.

use govshare_model::Role;
use govshare_store::CatalogEventKind as Kind;

use crate::fixtures::{of, platform, world};

#[tokio::test]
async fn each_reader_sees_the_changes_of_what_exists_for_it() {
    let w = world().await;
    // Registered, submitted and published; then a draft that is never published.
    let published = w.published().await;
    let draft = w.draft().await;
    let every = [
        (&published.header.code, Kind::Registered),
        (&published.header.code, Kind::Submitted),
        (&published.header.code, Kind::Published),
        (&draft.header.code, Kind::Registered),
    ];
    for (reader, expected) in [
        (of(&w.a, &[Role::Consumer]), every.to_vec()),
        (platform(Role::Admin), every.to_vec()),
        (platform(Role::Auditor), vec![every[2]]),
        (of(&w.b, &[Role::Cataloguer]), vec![every[2]]),
    ] {
        let mut feed = w.catalogue.feed(reader.clone(), 0);
        let batch = feed.next(100).await.expect("read");
        assert!(batch.caught_up);
        let seen: Vec<_> = batch
            .events
            .iter()
            .map(|e| (&e.event.code, e.event.kind))
            .collect();
        assert_eq!(seen, expected, "{reader:?}");
        assert!(batch.events.iter().all(|e| e.provider == w.a));
        // The position moved past everything read, seen or not.
        let batch = feed.next(100).await.expect("read again");
        assert!(batch.events.is_empty() && batch.caught_up, "{reader:?}");
    }
    // A small batch is not caught up, and the next one goes on after it.
    let mut feed = w.catalogue.feed(platform(Role::Admin), 0);
    let first = feed.next(3).await.expect("read");
    assert!(!first.caught_up);
    assert_eq!(first.events.len(), 3);
    let rest = feed.next(3).await.expect("read");
    assert_eq!(
        rest.events.iter().map(|e| e.event.seq).collect::<Vec<_>>(),
        [first.events[2].event.seq + 1]
    );
}
