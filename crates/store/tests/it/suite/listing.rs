//! `list_entries`: filters, what each reader may see, and pagination.

use std::collections::BTreeSet;

use chrono::Utc;
use govshare_model::{Category, CreditCode, EntryState, ResourceCode, ShareType, UpdateCycle};
use govshare_store::{EntryFilter, EntryHeader, Visibility};

use super::fixtures::{
    APPROVER, CATALOGUER, DynStore, Shape, credit, edit, entry, publish, register_shaped, revoke,
};

/// Eight entries of two departments, one in each interesting place of the lifecycle.
#[derive(Debug)]
struct Catalogue {
    ours: CreditCode,
    theirs: CreditCode,
    /// Ours, DRAFT, 101001/000001: CONDITIONAL, DAILY.
    our_draft: ResourceCode,
    /// Ours, PUBLISHED, 201001/000001: UNCONDITIONAL, MONTHLY.
    our_published: ResourceCode,
    /// Ours, PUBLISH_REJECTED, 301001/000002: CONDITIONAL, IRREGULAR.
    our_rejected: ResourceCode,
    /// Theirs, DRAFT, 101001/000002: CONDITIONAL, DAILY.
    their_draft: ResourceCode,
    /// Theirs, PENDING_PUBLISH, never published, 101001/000003: CONDITIONAL, QUARTERLY.
    their_pending: ResourceCode,
    /// Theirs, REVOKED, 201001/000002: UNCONDITIONAL, MONTHLY.
    their_revoked: ResourceCode,
    /// Theirs, PENDING_PUBLISH with an edit, 201001/000003: published CONDITIONAL, DAILY;
    /// head UNCONDITIONAL, REALTIME.
    their_pending_edit: ResourceCode,
    /// Theirs, PUBLISHED with an unreviewed edit, 301001/000001: published NOT_SHARED,
    /// YEARLY; head UNCONDITIONAL, WEEKLY.
    their_edited: ResourceCode,
}

async fn catalogue(store: &DynStore) -> Catalogue {
    use ShareType::{Conditional, NotShared, Unconditional};
    let ours = credit(1);
    let theirs = credit(2);
    let shape = Shape::new;

    let our_draft = register_shaped(
        store,
        "101001",
        &ours,
        &shape("甲", Conditional, UpdateCycle::Daily),
    )
    .await;
    let our_published = register_shaped(
        store,
        "201001",
        &ours,
        &shape("乙", Unconditional, UpdateCycle::Monthly),
    )
    .await;
    publish(store, &our_published.code).await;
    let their_edited = register_shaped(
        store,
        "301001",
        &theirs,
        &shape("丙", NotShared, UpdateCycle::Yearly),
    )
    .await;
    let published = publish(store, &their_edited.code).await;
    edit(
        store,
        &published,
        &shape("丙（新）", Unconditional, UpdateCycle::Weekly),
    )
    .await;
    let their_draft = register_shaped(
        store,
        "101001",
        &theirs,
        &shape("丁", Conditional, UpdateCycle::Daily),
    )
    .await;
    let their_revoked = register_shaped(
        store,
        "201001",
        &theirs,
        &shape("戊", Unconditional, UpdateCycle::Monthly),
    )
    .await;
    publish(store, &their_revoked.code).await;
    revoke(store, &their_revoked.code).await;
    let their_pending = register_shaped(
        store,
        "101001",
        &theirs,
        &shape("己", Conditional, UpdateCycle::Quarterly),
    )
    .await;
    store
        .submit_entry(&their_pending.code, 1, CATALOGUER, Utc::now())
        .await
        .expect("submit_entry");
    let our_rejected = register_shaped(
        store,
        "301001",
        &ours,
        &shape("庚", Conditional, UpdateCycle::Irregular),
    )
    .await;
    store
        .submit_entry(&our_rejected.code, 1, CATALOGUER, Utc::now())
        .await
        .expect("submit_entry");
    store
        .review_entry(&our_rejected.code, 1, false, "驳回", APPROVER, Utc::now())
        .await
        .expect("review_entry");
    let their_pending_edit = register_shaped(
        store,
        "201001",
        &theirs,
        &shape("辛", Conditional, UpdateCycle::Daily),
    )
    .await;
    let published = publish(store, &their_pending_edit.code).await;
    let edited = edit(
        store,
        &published,
        &shape("辛（新）", Unconditional, UpdateCycle::Realtime),
    )
    .await;
    store
        .submit_entry(&edited.code, edited.head_version, CATALOGUER, Utc::now())
        .await
        .expect("submit_entry");

    let c = Catalogue {
        ours,
        theirs,
        our_draft: our_draft.code,
        our_published: our_published.code,
        our_rejected: our_rejected.code,
        their_draft: their_draft.code,
        their_pending: their_pending.code,
        their_revoked: their_revoked.code,
        their_pending_edit: their_pending_edit.code,
        their_edited: their_edited.code,
    };
    // The fixture is what its documentation says.
    for (code, state) in [
        (&c.our_draft, EntryState::Draft),
        (&c.our_published, EntryState::Published),
        (&c.our_rejected, EntryState::PublishRejected),
        (&c.their_draft, EntryState::Draft),
        (&c.their_pending, EntryState::PendingPublish),
        (&c.their_revoked, EntryState::Revoked),
        (&c.their_pending_edit, EntryState::PendingPublish),
        (&c.their_edited, EntryState::Published),
    ] {
        assert_eq!(
            entry(store, code).await.state,
            state,
            "fixture entry {code}"
        );
    }
    c
}

/// Every entry `filter` lets through, one page at a time of `limit`.
async fn list_all(store: &DynStore, filter: &EntryFilter, limit: usize) -> Vec<EntryHeader> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .list_entries(filter, after.as_deref(), limit)
            .await
            .expect("list_entries");
        assert!(
            page.items.len() <= limit,
            "a page holds at most `limit` items"
        );
        match page.next {
            Some(next) => {
                assert_eq!(page.items.len(), limit, "only the last page may be short");
                assert_eq!(
                    page.items.last().map(|h| h.code.to_string()),
                    Some(next.clone()),
                    "a page continues after its last item"
                );
                all.extend(page.items);
                after = Some(next);
            }
            None => {
                all.extend(page.items);
                return all;
            }
        }
    }
}

async fn listed(store: &DynStore, filter: EntryFilter) -> Vec<ResourceCode> {
    list_all(store, &filter, 100)
        .await
        .into_iter()
        .map(|h| h.code)
        .collect()
}

fn sorted(codes: &[&ResourceCode]) -> Vec<ResourceCode> {
    let mut codes: Vec<ResourceCode> = codes.iter().map(|c| (*c).clone()).collect();
    codes.sort_by_key(|c| c.to_string());
    codes
}

fn readable_by(department: &CreditCode) -> Visibility {
    Visibility::PublishedAndOwn(Some(department.clone()))
}

pub async fn unfiltered_listing_returns_every_entry_in_code_order(store: DynStore) {
    let c = catalogue(&store).await;
    assert_eq!(
        listed(&store, EntryFilter::default()).await,
        sorted(&[
            &c.our_draft,
            &c.our_published,
            &c.our_rejected,
            &c.their_draft,
            &c.their_pending,
            &c.their_revoked,
            &c.their_pending_edit,
            &c.their_edited,
        ])
    );
}

pub async fn listing_filters_by_provider(store: DynStore) {
    let c = catalogue(&store).await;
    let filter = EntryFilter {
        provider_code: Some(c.ours.clone()),
        ..EntryFilter::default()
    };
    assert_eq!(
        listed(&store, filter).await,
        sorted(&[&c.our_draft, &c.our_published, &c.our_rejected])
    );
}

pub async fn listing_filters_by_category(store: DynStore) {
    let c = catalogue(&store).await;
    let filter = EntryFilter {
        category: Some(Category::Theme),
        ..EntryFilter::default()
    };
    assert_eq!(
        listed(&store, filter).await,
        sorted(&[&c.our_published, &c.their_revoked, &c.their_pending_edit])
    );
}

pub async fn listing_filters_by_share_type_of_the_head(store: DynStore) {
    let c = catalogue(&store).await;
    let filter = EntryFilter {
        share_type: Some(ShareType::Unconditional),
        ..EntryFilter::default()
    };
    assert_eq!(
        listed(&store, filter).await,
        sorted(&[
            &c.our_published,
            &c.their_revoked,
            &c.their_pending_edit,
            &c.their_edited,
        ])
    );
}

pub async fn listing_filters_by_state(store: DynStore) {
    let c = catalogue(&store).await;
    let by_state = |state| EntryFilter {
        state: Some(state),
        ..EntryFilter::default()
    };
    assert_eq!(
        listed(&store, by_state(EntryState::Published)).await,
        sorted(&[&c.our_published, &c.their_edited])
    );
    assert_eq!(
        listed(&store, by_state(EntryState::PendingPublish)).await,
        sorted(&[&c.their_pending, &c.their_pending_edit])
    );
    assert_eq!(
        listed(&store, by_state(EntryState::Revoked)).await,
        sorted(&[&c.their_revoked])
    );
    assert!(
        listed(&store, by_state(EntryState::PendingRevoke))
            .await
            .is_empty()
    );
}

pub async fn listing_filters_by_update_cycle(store: DynStore) {
    let c = catalogue(&store).await;
    let by_cycle = |update_cycle| EntryFilter {
        update_cycle: Some(update_cycle),
        ..EntryFilter::default()
    };
    assert_eq!(
        listed(&store, by_cycle(UpdateCycle::Daily)).await,
        sorted(&[&c.our_draft, &c.their_draft])
    );
    assert_eq!(
        listed(&store, by_cycle(UpdateCycle::Weekly)).await,
        sorted(&[&c.their_edited])
    );
}

pub async fn listing_combines_filters(store: DynStore) {
    let c = catalogue(&store).await;
    let filter = EntryFilter {
        provider_code: Some(c.theirs.clone()),
        share_type: Some(ShareType::Unconditional),
        category: Some(Category::Theme),
        ..EntryFilter::default()
    };
    assert_eq!(
        listed(&store, filter).await,
        sorted(&[&c.their_revoked, &c.their_pending_edit])
    );
}

pub async fn readers_see_their_own_entries_and_others_published_ones(store: DynStore) {
    let c = catalogue(&store).await;
    let filter = EntryFilter {
        visibility: readable_by(&c.ours),
        ..EntryFilter::default()
    };
    assert_eq!(
        listed(&store, filter).await,
        sorted(&[
            &c.our_draft,
            &c.our_published,
            &c.our_rejected,
            &c.their_pending_edit,
            &c.their_edited,
        ])
    );
}

pub async fn readers_without_a_department_see_only_published_entries(store: DynStore) {
    let c = catalogue(&store).await;
    let filter = EntryFilter {
        visibility: Visibility::PublishedAndOwn(None),
        ..EntryFilter::default()
    };
    assert_eq!(
        listed(&store, filter).await,
        sorted(&[&c.our_published, &c.their_pending_edit, &c.their_edited])
    );
}

pub async fn revoked_entries_are_hidden_from_other_departments(store: DynStore) {
    let c = catalogue(&store).await;
    let revoked = |visibility| EntryFilter {
        state: Some(EntryState::Revoked),
        visibility,
        ..EntryFilter::default()
    };
    assert!(
        listed(&store, revoked(readable_by(&c.ours)))
            .await
            .is_empty()
    );
    assert!(
        listed(&store, revoked(Visibility::PublishedAndOwn(None)))
            .await
            .is_empty()
    );
    assert_eq!(
        listed(&store, revoked(readable_by(&c.theirs))).await,
        sorted(&[&c.their_revoked])
    );
}

pub async fn others_entries_are_filtered_on_their_published_version(store: DynStore) {
    let c = catalogue(&store).await;
    let as_ours = |share_type: Option<ShareType>, update_cycle: Option<UpdateCycle>| EntryFilter {
        share_type,
        update_cycle,
        visibility: readable_by(&c.ours),
        ..EntryFilter::default()
    };
    // Their edited heads are UNCONDITIONAL, but what they published is not.
    assert_eq!(
        listed(&store, as_ours(Some(ShareType::Unconditional), None)).await,
        sorted(&[&c.our_published])
    );
    assert_eq!(
        listed(&store, as_ours(Some(ShareType::NotShared), None)).await,
        sorted(&[&c.their_edited])
    );
    assert_eq!(
        listed(&store, as_ours(Some(ShareType::Conditional), None)).await,
        sorted(&[&c.our_draft, &c.our_rejected, &c.their_pending_edit])
    );
    assert!(
        listed(&store, as_ours(None, Some(UpdateCycle::Weekly)))
            .await
            .is_empty()
    );
    assert_eq!(
        listed(&store, as_ours(None, Some(UpdateCycle::Yearly))).await,
        sorted(&[&c.their_edited])
    );
}

pub async fn own_entries_are_filtered_on_their_head(store: DynStore) {
    let c = catalogue(&store).await;
    let filter = EntryFilter {
        share_type: Some(ShareType::Unconditional),
        visibility: readable_by(&c.theirs),
        ..EntryFilter::default()
    };
    assert_eq!(
        listed(&store, filter).await,
        sorted(&[
            &c.our_published,
            &c.their_revoked,
            &c.their_pending_edit,
            &c.their_edited,
        ])
    );
}

pub async fn listing_pages_cover_every_match_exactly_once(store: DynStore) {
    let ours = credit(1);
    let theirs = credit(2);
    for n in 0..23u32 {
        let class = ["101001", "2010020", "301003"][n as usize % 3];
        let provider = if n % 2 == 0 { &ours } else { &theirs };
        let header = register_shaped(&store, class, provider, &Shape::sample()).await;
        if n % 5 == 0 {
            publish(&store, &header.code).await;
        }
    }
    let filters = [
        EntryFilter::default(),
        EntryFilter {
            provider_code: Some(ours.clone()),
            ..EntryFilter::default()
        },
        EntryFilter {
            visibility: readable_by(&theirs),
            ..EntryFilter::default()
        },
        EntryFilter {
            state: Some(EntryState::Published),
            ..EntryFilter::default()
        },
    ];
    for filter in &filters {
        let everything = list_all(&store, filter, 1000).await;
        let codes: Vec<String> = everything.iter().map(|h| h.code.to_string()).collect();
        let mut expected = codes.clone();
        expected.sort();
        expected.dedup();
        assert_eq!(
            codes, expected,
            "one listing is ordered and without repeats"
        );
        assert!(!codes.is_empty());
        for limit in [1, 2, 3, 4, 7, 11, codes.len(), codes.len() + 1] {
            let paged = list_all(&store, filter, limit).await;
            assert_eq!(paged, everything, "pages of {limit} under {filter:?}");
        }
    }
    let all = list_all(&store, &EntryFilter::default(), 1000).await;
    assert_eq!(all.len(), 23);
    let distinct: BTreeSet<String> = all.iter().map(|h| h.code.to_string()).collect();
    assert_eq!(distinct.len(), 23);
}

pub async fn listing_after_the_last_entry_is_empty(store: DynStore) {
    let provider = credit(1);
    register_shaped(&store, "101001", &provider, &Shape::sample()).await;
    let last = register_shaped(&store, "101001", &provider, &Shape::sample()).await;
    let page = store
        .list_entries(&EntryFilter::default(), Some(&last.code.to_string()), 10)
        .await
        .expect("list_entries");
    assert!(page.items.is_empty());
    assert_eq!(page.next, None);
    let page = store
        .list_entries(&EntryFilter::default(), Some("101001/000001"), 10)
        .await
        .expect("list_entries");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].code, last.code);
}
