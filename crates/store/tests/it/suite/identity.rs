//! Departments and credentials.

use chrono::{Duration, Utc};
use govshare_store::{DepartmentRecord, StoreError};

use super::fixtures::{DynStore, admin_token, credit, department, token};

pub async fn a_created_department_reads_back(store: DynStore) {
    let mut record = department(1);
    record.parent_code = Some(credit(9));
    let created = store
        .create_department(record.clone())
        .await
        .expect("create_department");
    assert_eq!(created, record);
    assert_eq!(
        store
            .get_department(&record.code)
            .await
            .expect("get_department"),
        Some(record)
    );
}

pub async fn an_unknown_department_is_absent(store: DynStore) {
    store
        .create_department(department(1))
        .await
        .expect("create_department");
    assert_eq!(
        store
            .get_department(&credit(2))
            .await
            .expect("get_department"),
        None
    );
}

pub async fn a_taken_department_code_already_exists(store: DynStore) {
    let first = department(1);
    store
        .create_department(first.clone())
        .await
        .expect("create_department");
    let outcome = store
        .create_department(DepartmentRecord {
            name: "另一个部门".into(),
            ..department(1)
        })
        .await;
    assert!(
        matches!(outcome, Err(StoreError::AlreadyExists(_))),
        "got {outcome:?}"
    );
    assert_eq!(
        store
            .get_department(&first.code)
            .await
            .expect("get_department"),
        Some(first)
    );
}

pub async fn departments_list_in_code_order_page_by_page(store: DynStore) {
    // Created out of order; listed by code.
    let mut records: Vec<_> = [5, 2, 7, 1, 3, 6, 4].into_iter().map(department).collect();
    for record in &records {
        store
            .create_department(record.clone())
            .await
            .expect("create_department");
    }
    records.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));

    let everything = store
        .list_departments(None, 100)
        .await
        .expect("list_departments");
    assert_eq!(everything.items, records);
    assert_eq!(everything.next, None);

    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = store
            .list_departments(after.as_deref(), 3)
            .await
            .expect("list_departments");
        pages += 1;
        match page.next {
            Some(next) => {
                assert_eq!(page.items.len(), 3);
                assert_eq!(
                    page.items.last().map(|d| d.code.to_string()),
                    Some(next.clone())
                );
                paged.extend(page.items);
                after = Some(next);
            }
            None => {
                paged.extend(page.items);
                break;
            }
        }
    }
    assert_eq!(paged, records);
    assert_eq!(pages, 3, "7 departments make pages of 3, 3 and 1");

    let exact = store
        .list_departments(None, 7)
        .await
        .expect("list_departments");
    assert_eq!((exact.items.len(), exact.next), (7, None));
}

pub async fn an_inserted_token_is_found_by_its_digest(store: DynStore) {
    let record = token("tok-1", "digest-1");
    store
        .insert_token(record.clone())
        .await
        .expect("insert_token");
    assert_eq!(
        store
            .token_by_digest("digest-1")
            .await
            .expect("token_by_digest"),
        Some(record)
    );
    assert_eq!(
        store
            .token_by_digest("digest-2")
            .await
            .expect("token_by_digest"),
        None
    );
}

pub async fn a_taken_token_id_already_exists(store: DynStore) {
    let first = token("tok-1", "digest-1");
    store
        .insert_token(first.clone())
        .await
        .expect("insert_token");
    let outcome = store.insert_token(token("tok-1", "digest-2")).await;
    assert!(
        matches!(outcome, Err(StoreError::AlreadyExists(_))),
        "got {outcome:?}"
    );
    assert_eq!(
        store
            .token_by_digest("digest-2")
            .await
            .expect("token_by_digest"),
        None
    );
    assert_eq!(
        store
            .token_by_digest("digest-1")
            .await
            .expect("token_by_digest"),
        Some(first)
    );
}

pub async fn revoking_a_token_records_when(store: DynStore) {
    store
        .insert_token(token("tok-1", "digest-1"))
        .await
        .expect("insert_token");
    store
        .insert_token(token("tok-2", "digest-2"))
        .await
        .expect("insert_token");
    let at = Utc::now();
    let revoked = store.revoke_token("tok-1", at).await.expect("revoke_token");
    assert_eq!(
        (revoked.id.as_str(), revoked.revoked_at),
        ("tok-1", Some(at))
    );
    let stored = store
        .token_by_digest("digest-1")
        .await
        .expect("token_by_digest")
        .expect("the token is kept");
    assert_eq!(stored, revoked);
    assert!(!stored.is_valid_at(at + Duration::seconds(1)));
    let other = store
        .token_by_digest("digest-2")
        .await
        .expect("token_by_digest")
        .expect("the other token");
    assert_eq!(other.revoked_at, None);
}

pub async fn revoking_a_token_twice_keeps_the_first_time(store: DynStore) {
    store
        .insert_token(token("tok-1", "digest-1"))
        .await
        .expect("insert_token");
    let first = Utc::now();
    store
        .revoke_token("tok-1", first)
        .await
        .expect("revoke_token");
    let again = store
        .revoke_token("tok-1", first + Duration::hours(1))
        .await
        .expect("revoking again succeeds");
    assert_eq!(again.revoked_at, Some(first));
    assert_eq!(
        store
            .token_by_digest("digest-1")
            .await
            .expect("token_by_digest")
            .and_then(|t| t.revoked_at),
        Some(first)
    );
}

pub async fn revoking_an_unknown_token_is_not_found(store: DynStore) {
    store
        .insert_token(token("tok-1", "digest-1"))
        .await
        .expect("insert_token");
    let outcome = store.revoke_token("tok-9", Utc::now()).await;
    assert!(
        matches!(outcome, Err(StoreError::NotFound(_))),
        "got {outcome:?}"
    );
    // Neither an id nor a digest of someone else's token names it.
    let outcome = store.revoke_token("digest-1", Utc::now()).await;
    assert!(
        matches!(outcome, Err(StoreError::NotFound(_))),
        "got {outcome:?}"
    );
}

pub async fn the_admin_token_is_bootstrapped_only_once(store: DynStore) {
    assert!(
        !store
            .admin_bootstrapped()
            .await
            .expect("admin_bootstrapped")
    );
    let first = admin_token("admin-1", "digest-admin-1");
    assert!(
        store
            .bootstrap_admin_token(first.clone())
            .await
            .expect("bootstrap_admin_token")
    );
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
        "a second bootstrap stores nothing"
    );
    assert_eq!(
        store
            .token_by_digest("digest-admin-2")
            .await
            .expect("token_by_digest"),
        None
    );
    assert_eq!(
        store
            .token_by_digest("digest-admin-1")
            .await
            .expect("token_by_digest"),
        Some(first)
    );
}

pub async fn the_bootstrapped_admin_token_can_be_revoked(store: DynStore) {
    store
        .bootstrap_admin_token(admin_token("admin-1", "digest-admin-1"))
        .await
        .expect("bootstrap_admin_token");
    let at = Utc::now();
    let revoked = store
        .revoke_token("admin-1", at)
        .await
        .expect("revoke_token");
    assert_eq!(revoked.revoked_at, Some(at));
    assert!(
        store
            .admin_bootstrapped()
            .await
            .expect("admin_bootstrapped"),
        "revocation does not reopen the bootstrap"
    );
    assert!(
        !store
            .bootstrap_admin_token(admin_token("admin-2", "digest-admin-2"))
            .await
            .expect("bootstrap_admin_token")
    );
}

pub async fn concurrent_bootstraps_store_one_admin_token(store: DynStore) {
    let tasks: Vec<_> = (0..16)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .bootstrap_admin_token(admin_token(
                        &format!("admin-{n}"),
                        &format!("digest-{n}"),
                    ))
                    .await
                    .expect("bootstrap_admin_token")
            })
        })
        .collect();
    let mut stored = 0;
    for task in tasks {
        if task.await.expect("bootstrapping task") {
            stored += 1;
        }
    }
    assert_eq!(stored, 1);
    let mut found = 0;
    for n in 0..16 {
        if store
            .token_by_digest(&format!("digest-{n}"))
            .await
            .expect("token_by_digest")
            .is_some()
        {
            found += 1;
        }
    }
    assert_eq!(found, 1);
}
