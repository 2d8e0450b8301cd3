//! What a store holds after it is closed and opened again. The backend's test writes with
//! [`write_before_reopen`], closes the store, opens the same data again and hands the new store
//! to [`check_after_reopen`].

use chrono::Utc;
use govshare_model::EntryState;
use govshare_store::{
    CatalogEvent, DepartmentRecord, EntryFilter, EntryHeader, TokenRecord, VersionRecord,
};
use serde::{Deserialize, Serialize};

use super::fixtures::{
    DynStore, Shape, admin_token, credit, department, edit, entry, publish, register, revoke, token,
};

/// Everything [`write_before_reopen`] wrote, as the store acknowledged it. Serializable, for
/// backends that check it in another process.
#[derive(Debug, Serialize, Deserialize)]
pub struct Written {
    departments: Vec<DepartmentRecord>,
    tokens: Vec<TokenRecord>,
    entries: Vec<(EntryHeader, Vec<VersionRecord>)>,
    events: Vec<CatalogEvent>,
}

pub async fn write_before_reopen(store: DynStore) -> Written {
    let mut departments = Vec::new();
    for n in [1, 2] {
        departments.push(
            store
                .create_department(department(n))
                .await
                .expect("create_department"),
        );
    }

    let admin = admin_token("admin-1", "digest-admin");
    assert!(
        store
            .bootstrap_admin_token(admin.clone())
            .await
            .expect("bootstrap_admin_token")
    );
    let kept = token("tok-kept", "digest-kept");
    store
        .insert_token(kept.clone())
        .await
        .expect("insert_token");
    store
        .insert_token(token("tok-revoked", "digest-revoked"))
        .await
        .expect("insert_token");
    let revoked = store
        .revoke_token("tok-revoked", Utc::now())
        .await
        .expect("revoke_token");

    let provider = credit(1);
    let draft = register(&store, "101001", &provider).await;
    let edited = register(&store, "101001", &provider).await;
    let published = publish(&store, &edited.code).await;
    edit(&store, &published, &Shape::sample()).await;
    let gone = register(&store, "201001", &credit(2)).await;
    publish(&store, &gone.code).await;
    revoke(&store, &gone.code).await;

    let mut entries = Vec::new();
    for code in [&draft.code, &edited.code, &gone.code] {
        let header = entry(&store, code).await;
        let versions = store
            .list_versions(code, 0, 100)
            .await
            .expect("list_versions");
        entries.push((header, versions));
    }
    assert_eq!(entries[1].0.state, EntryState::Published);
    assert_eq!(entries[2].0.state, EntryState::Revoked);

    Written {
        departments,
        tokens: vec![admin, kept, revoked],
        entries,
        events: store.catalog_events(0, 1000).await.expect("catalog_events"),
    }
}

pub async fn check_after_reopen(store: DynStore, written: Written) {
    assert_eq!(
        store
            .list_departments(None, 100)
            .await
            .expect("list_departments")
            .items,
        written.departments
    );
    for department in &written.departments {
        assert_eq!(
            store
                .get_department(&department.code)
                .await
                .expect("get_department")
                .as_ref(),
            Some(department)
        );
    }

    for token in &written.tokens {
        assert_eq!(
            store
                .token_by_digest(&token.digest)
                .await
                .expect("token_by_digest")
                .as_ref(),
            Some(token)
        );
    }
    assert!(
        store
            .admin_bootstrapped()
            .await
            .expect("admin_bootstrapped")
    );
    assert!(
        !store
            .bootstrap_admin_token(admin_token("admin-2", "digest-admin-2"))
            .await
            .expect("bootstrap_admin_token"),
        "the bootstrap is remembered"
    );

    for (header, versions) in &written.entries {
        assert_eq!(&entry(&store, &header.code).await, header);
        assert_eq!(
            &store
                .list_versions(&header.code, 0, 100)
                .await
                .expect("list_versions"),
            versions
        );
    }
    let listed = store
        .list_entries(&EntryFilter::default(), None, 100)
        .await
        .expect("list_entries");
    let headers: Vec<EntryHeader> = written.entries.iter().map(|(h, _)| h.clone()).collect();
    assert_eq!(listed.items, headers);

    assert_eq!(
        store.catalog_events(0, 1000).await.expect("catalog_events"),
        written.events
    );

    // Counters carry on where they stopped: no 顺序码 or event seq is issued twice.
    let next = register(&store, "101001", &credit(1)).await;
    assert_eq!(next.code.to_string(), "101001/000003");
    let last_seq = written.events.last().expect("events were written").seq;
    let new_events = store
        .catalog_events(last_seq, 10)
        .await
        .expect("catalog_events");
    assert_eq!(new_events.len(), 1);
    assert!(new_events[0].seq > last_seq);
    assert_eq!(new_events[0].code, next.code);
}
