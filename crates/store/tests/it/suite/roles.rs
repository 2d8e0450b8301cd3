//! One store handed out by role, as the server hands it to its consumers: each holds only
//! its role, and what one role writes the others read at once.

use std::sync::Arc;

use chrono::{Duration, Utc};
use govshare_model::{EntryState, GrantState, RequestState};
use govshare_store::{
    CatalogueStore, ExchangeStore, GrantFilter, IdentityStore, NewSnapshot, OperationsStore, Party,
    RequestFilter, SharingStore,
};

use super::fixtures::{APPROVER, CATALOGUER, DynStore, Shape, department, new_entry, token};
use super::sharing::{t0, unconditional};

pub async fn each_role_held_alone_reads_what_the_others_wrote(store: DynStore) {
    let identity: Arc<dyn IdentityStore> = store.clone();
    let catalogue: Arc<dyn CatalogueStore> = store.clone();
    let sharing: Arc<dyn SharingStore> = store.clone();
    let exchange: Arc<dyn ExchangeStore> = store.clone();
    let operations: Arc<dyn OperationsStore> = store.clone();
    // From here on only the roles hold the store.
    drop(store);
    operations.check_alive().expect("a fresh store is alive");

    let (provider, requester) = (department(1), department(2));
    for d in [&provider, &requester] {
        identity
            .create_department(d.clone())
            .await
            .expect("create_department");
    }
    identity
        .insert_token(token("token-provider", "digest-provider"))
        .await
        .expect("insert_token");

    let (draft, _) = catalogue
        .register_entry(new_entry("101001", &provider.code, &Shape::sample()))
        .await
        .expect("register_entry");
    catalogue
        .submit_entry(&draft.code, 1, CATALOGUER, Utc::now())
        .await
        .expect("submit_entry");
    let entry = catalogue
        .review_entry(&draft.code, 1, true, "同意发布", APPROVER, Utc::now())
        .await
        .expect("approve publication");

    // The sharing role checks the request against the entry the catalogue role published.
    let (request, grant) = sharing
        .create_request(unconditional(&entry, &requester.code, Duration::days(30)))
        .await
        .expect("create_request");
    let grant = grant.expect("an unconditional request is granted at once");
    let snapshot = exchange
        .create_snapshot(NewSnapshot {
            entry_code: entry.code.clone(),
            entry_version: 1,
            provider_code: provider.code.clone(),
            sha256: "ab".repeat(32),
            size_bytes: 42,
            rows: 1,
            media_type: "text/csv".into(),
            columns: vec!["姓名".into()],
            note: String::new(),
            author: "token-provider".into(),
            created_at: Utc::now(),
        })
        .await
        .expect("create_snapshot");

    let read = identity
        .get_department(&provider.code)
        .await
        .expect("get_department");
    assert_eq!(read, Some(provider.clone()));
    let credential = identity
        .token_by_digest("digest-provider")
        .await
        .expect("token_by_digest")
        .expect("the credential");
    assert_eq!(credential.id, "token-provider");

    let header = catalogue
        .get_entry(&entry.code)
        .await
        .expect("get_entry")
        .expect("the entry");
    assert_eq!(
        (header.state, header.published_version),
        (EntryState::Published, Some(1))
    );

    let requests = sharing
        .list_requests(
            &RequestFilter {
                party: Party::Receiving(requester.code.clone()),
                entry_code: Some(entry.code.clone()),
                ..RequestFilter::default()
            },
            None,
            10,
        )
        .await
        .expect("list_requests");
    assert_eq!(requests.items, vec![request]);
    let grants = sharing
        .list_grants(
            &GrantFilter {
                party: Party::Providing(provider.code.clone()),
                entry_code: Some(entry.code.clone()),
                state: Some(GrantState::Active),
                at: t0(),
            },
            None,
            10,
        )
        .await
        .expect("list_grants");
    assert_eq!(grants.items, vec![grant]);

    let snapshots = exchange
        .list_snapshots(&entry.code, None, 10)
        .await
        .expect("list_snapshots");
    assert_eq!(snapshots.items, vec![snapshot]);

    let stats = operations.stats(t0()).await.expect("stats");
    assert_eq!(stats.entries.get(&EntryState::Published), Some(&1));
    assert_eq!(stats.requests.get(&RequestState::Approved), Some(&1));
    assert_eq!(stats.grants.get(&GrantState::Active), Some(&1));
    operations
        .check_alive()
        .expect("a store after its writes is alive");
}
