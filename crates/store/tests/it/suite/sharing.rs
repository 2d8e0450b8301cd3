//! Sharing requests and grants through the store: numbering, the transitions of
//! `govshare_sharing` applied inside the store's writes (and refused there when the entry moved
//! on), listing by party and state, concurrency, and reopening.
//!
//! Requests are built by hand as the policy would have accepted them: the store applies the
//! records' transitions, not the policy, so a `NewRequest` with `grant_until` is one the
//! policy granted at once.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use govshare_model::{CreditCode, EntryState, GrantState, RequestState, ShareType};
use govshare_sharing::{
    Actor, Decision, GrantEventKind, GrantId, GrantRecord, NewRequest, RequestId, RequestRecord,
    SharingError,
};
use govshare_store::{EntryHeader, GrantFilter, Party, RequestFilter, StoreError};

use super::fixtures::{DynStore, Shape, credit, edit, publish, register, resource_code, revoke};

/// Monday 2 March 2026, 09:30 in Beijing: when the suite's requests are submitted.
pub(super) fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:30:00+08:00")
        .expect("a valid instant")
        .with_timezone(&Utc)
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn request_id(n: u64) -> RequestId {
    RequestId::new(n).expect("numbers start at 1")
}

fn grant_id(n: u64) -> GrantId {
    GrantId::new(n).expect("numbers start at 1")
}

fn actor_of(department: &CreditCode) -> Actor {
    Actor {
        token_id: format!("token-{department}"),
        department: Some(department.clone()),
    }
}

/// Registers the sample entry under `class` for `provider` and publishes it.
async fn published_entry(store: &DynStore, class: &str, provider: &CreditCode) -> EntryHeader {
    let header = register(store, class, provider).await;
    publish(store, &header.code).await
}

/// A conditional request by `requester` for the published version of `entry`, due in `due`.
fn conditional(entry: &EntryHeader, requester: &CreditCode, due: Duration) -> NewRequest {
    NewRequest {
        entry_code: entry.code.clone(),
        entry_version: entry.published_version.expect("a published entry"),
        provider_code: entry.provider_code.clone(),
        requester_code: requester.clone(),
        items: vec!["姓名".into(), "公民身份号码".into(), "出生日期".into()],
        share_type: ShareType::Conditional,
        purpose: "办理户籍迁移业务时核验申请人身份".into(),
        use_scope: "本部门政务服务窗口".into(),
        business_system: "一网通办受理系统".into(),
        requested_until: Some(t0() + days(90)),
        submitted_at: t0(),
        due_at: Some(t0() + due),
        grant_until: None,
        actor: actor_of(requester),
    }
}

/// An unconditional request by `requester`, granted at once until `t0() + valid`.
pub(super) fn unconditional(
    entry: &EntryHeader,
    requester: &CreditCode,
    valid: Duration,
) -> NewRequest {
    NewRequest {
        share_type: ShareType::Unconditional,
        requested_until: None,
        due_at: None,
        grant_until: Some(t0() + valid),
        ..conditional(entry, requester, days(0))
    }
}

/// The provider of `request` approves two of its items, checked against `entry_version`.
fn approval(request: &RequestRecord, entry_version: u64, at: DateTime<Utc>) -> Decision {
    Decision {
        approve: true,
        reason: "同意，仅限申请事由范围内使用".into(),
        items: vec!["姓名".into(), "出生日期".into()],
        valid_until: t0() + days(30),
        entry_version,
        actor: actor_of(&request.provider_code),
        at,
    }
}

fn refusal(request: &RequestRecord, at: DateTime<Utc>) -> Decision {
    Decision {
        approve: false,
        reason: "申请事由与本部门职责无关".into(),
        items: Vec::new(),
        valid_until: at,
        entry_version: request.entry_version,
        actor: actor_of(&request.provider_code),
        at,
    }
}

async fn create(store: &DynStore, new: NewRequest) -> (RequestRecord, Option<GrantRecord>) {
    store.create_request(new).await.expect("create_request")
}

async fn stored_request(store: &DynStore, id: RequestId) -> RequestRecord {
    store
        .get_request(id)
        .await
        .expect("get_request")
        .expect("the request exists")
}

async fn stored_grant(store: &DynStore, id: GrantId) -> GrantRecord {
    store
        .get_grant(id)
        .await
        .expect("get_grant")
        .expect("the grant exists")
}

fn assert_not_pending<T: std::fmt::Debug>(
    outcome: Result<T, StoreError>,
    id: RequestId,
    state: RequestState,
) {
    match outcome {
        Err(StoreError::Sharing(SharingError::RequestNotPending {
            id: i, state: s, ..
        })) => assert_eq!((i, s), (id, state)),
        other => panic!("expected RequestNotPending in {state:?}, got {other:?}"),
    }
}

fn assert_not_found<T: std::fmt::Debug>(outcome: Result<T, StoreError>) {
    assert!(
        matches!(outcome, Err(StoreError::NotFound(_))),
        "expected NotFound, got {outcome:?}"
    );
}

/// Every request `filter` accepts, `limit` at a time, checking each page.
async fn all_requests(store: &DynStore, filter: &RequestFilter, limit: usize) -> Vec<RequestId> {
    let mut all: Vec<RequestId> = Vec::new();
    let mut after = None;
    for _ in 0..1000 {
        let page = store
            .list_requests(filter, after, limit)
            .await
            .expect("list_requests");
        assert!(
            page.items.len() <= limit,
            "a page holds at most `limit` items"
        );
        all.extend(page.items.iter().map(|r| r.id));
        match page.next {
            Some(next) => {
                assert_eq!(page.items.len(), limit, "only the last page may be short");
                assert_eq!(
                    page.items.last().map(|r| r.id.to_string()),
                    Some(next.clone()),
                    "a page continues after its last item"
                );
                after = Some(next.parse().expect("`next` is a request number"));
            }
            None => return all,
        }
    }
    panic!("listing {filter:?} by {limit} never ended")
}

/// Every grant `filter` accepts, `limit` at a time, checking each page.
async fn all_grants(store: &DynStore, filter: &GrantFilter, limit: usize) -> Vec<GrantId> {
    let mut all: Vec<GrantId> = Vec::new();
    let mut after = None;
    for _ in 0..1000 {
        let page = store
            .list_grants(filter, after, limit)
            .await
            .expect("list_grants");
        assert!(
            page.items.len() <= limit,
            "a page holds at most `limit` items"
        );
        all.extend(page.items.iter().map(|g| g.id));
        match page.next {
            Some(next) => {
                assert_eq!(page.items.len(), limit, "only the last page may be short");
                assert_eq!(
                    page.items.last().map(|g| g.id.to_string()),
                    Some(next.clone()),
                    "a page continues after its last item"
                );
                after = Some(next.parse().expect("`next` is a grant number"));
            }
            None => return all,
        }
    }
    panic!("listing {filter:?} by {limit} never ended")
}

fn request_ids(ns: &[u64]) -> Vec<RequestId> {
    ns.iter().copied().map(request_id).collect()
}

fn grant_ids(ns: &[u64]) -> Vec<GrantId> {
    ns.iter().copied().map(grant_id).collect()
}

// --- numbering and creation ----------------------------------------------------------------

pub async fn request_and_grant_numbers_are_issued_in_order_from_000001(store: DynStore) {
    let entry = published_entry(&store, "101001", &credit(1)).await;
    let requester = credit(2);

    let (first, none) = create(&store, conditional(&entry, &requester, days(10))).await;
    assert_eq!(first.id.to_string(), "REQ-000001");
    assert!(none.is_none(), "a pending request takes no grant number");

    let (second, grant) = create(&store, unconditional(&entry, &requester, days(365))).await;
    assert_eq!(second.id.to_string(), "REQ-000002");
    assert_eq!(grant.expect("granted at once").id.to_string(), "GRT-000001");

    let (third, _) = create(&store, conditional(&entry, &requester, days(10))).await;
    assert_eq!(third.id.to_string(), "REQ-000003");

    // A decision takes the next grant number; a refusal takes none.
    let (_, refused) = store
        .decide_request(third.id, refusal(&third, t0()))
        .await
        .expect("refuse");
    assert!(refused.is_none());
    let (_, approved) = store
        .decide_request(first.id, approval(&first, 1, t0()))
        .await
        .expect("approve");
    assert_eq!(approved.expect("a grant").id.to_string(), "GRT-000002");

    let (fourth, grant) = create(&store, unconditional(&entry, &requester, days(365))).await;
    assert_eq!(fourth.id.to_string(), "REQ-000004");
    assert_eq!(grant.expect("granted at once").id.to_string(), "GRT-000003");
}

pub async fn an_unconditional_request_is_stored_approved_with_its_grant(store: DynStore) {
    let provider = credit(1);
    let requester = credit(2);
    let entry = published_entry(&store, "101001", &provider).await;
    let new = unconditional(&entry, &requester, days(365));
    let (request, grant) = create(&store, new.clone()).await;
    let grant = grant.expect("granted at once");

    assert_eq!(request.id, request_id(1));
    assert_eq!(request.state, RequestState::Approved);
    assert_eq!(request.grant_id, Some(grant.id));
    assert_eq!(request.decided_at, Some(t0()));
    assert_eq!(request.entry_code, entry.code);
    assert_eq!(request.entry_version, 1);
    assert_eq!(request.items, new.items);
    assert_eq!(request.history.len(), 2);
    assert_eq!(request.history[0].state, RequestState::Pending);
    assert_eq!(request.history[0].actor, actor_of(&requester));
    assert_eq!(request.history[1].state, RequestState::Approved);
    assert_eq!(request.history[1].actor, Actor::platform());

    assert_eq!(grant.id, grant_id(1));
    assert_eq!(grant.request_id, request.id);
    assert_eq!(grant.entry_code, entry.code);
    assert_eq!(grant.entry_version, 1);
    assert_eq!(grant.provider_code, provider);
    assert_eq!(grant.consumer_code, requester);
    assert_eq!(grant.items, new.items);
    assert_eq!(grant.valid_from, t0());
    assert_eq!(grant.valid_until, t0() + days(365));
    assert_eq!(grant.history.len(), 1);
    assert_eq!(grant.history[0].kind, GrantEventKind::Issued);

    // Both were stored, as returned.
    assert_eq!(stored_request(&store, request.id).await, request);
    assert_eq!(stored_grant(&store, grant.id).await, grant);
}

pub async fn a_conditional_request_is_stored_pending(store: DynStore) {
    let entry = published_entry(&store, "101001", &credit(1)).await;
    let new = conditional(&entry, &credit(2), days(10));
    let (request, grant) = create(&store, new.clone()).await;
    assert!(grant.is_none());
    assert_eq!(request.state, RequestState::Pending);
    assert_eq!(request.due_at, new.due_at);
    assert_eq!(request.grant_id, None);
    assert_eq!(request.history.len(), 1);
    assert_eq!(stored_request(&store, request.id).await, request);
    assert_eq!(store.get_grant(grant_id(1)).await.expect("get_grant"), None);
}

/// A refused create stores nothing and takes no number: the sled backend checks the entry
/// before numbering, and a failed change writes nothing, so the next accepted request gets the
/// next number without a gap. Numbers are shown to people (REQ-000042), so every backend keeps
/// them gapless: a PostgreSQL backend must take them from a counter row updated in the same
/// transaction, not from a SEQUENCE, which a rolled-back transaction still advances.
pub async fn a_request_against_another_version_than_the_published_one_conflicts(store: DynStore) {
    let requester = credit(2);
    let published = published_entry(&store, "101001", &credit(1)).await;
    let (first, _) = create(&store, unconditional(&published, &requester, days(30))).await;
    assert_eq!(first.id, request_id(1));

    // Evaluated against version 1; version 2 was published meanwhile.
    let stale = unconditional(&published, &requester, days(30));
    edit(&store, &published, &Shape::sample()).await;
    let republished = publish(&store, &published.code).await;
    assert_eq!(republished.published_version, Some(2));
    let outcome = store.create_request(stale.clone()).await;
    assert!(
        matches!(
            outcome,
            Err(StoreError::VersionConflict {
                expected: 1,
                actual: 2,
                ..
            })
        ),
        "got {outcome:?}"
    );

    // A version not yet published (an edit under way) is no better.
    let edited = edit(&store, &republished, &Shape::sample()).await;
    let ahead = NewRequest {
        entry_version: 3,
        ..stale.clone()
    };
    let outcome = store.create_request(ahead).await;
    assert!(
        matches!(
            outcome,
            Err(StoreError::VersionConflict {
                expected: 3,
                actual: 2,
                ..
            })
        ),
        "got {outcome:?}"
    );
    assert_eq!(edited.published_version, Some(2));

    // Nothing was stored, and no number was taken.
    assert_eq!(
        store.get_request(request_id(2)).await.expect("get_request"),
        None
    );
    assert_eq!(store.get_grant(grant_id(2)).await.expect("get_grant"), None);
    let (next, grant) = create(&store, unconditional(&republished, &requester, days(30))).await;
    assert_eq!(next.id, request_id(2));
    assert_eq!(grant.expect("granted at once").id, grant_id(2));
}

pub async fn a_request_for_an_entry_never_published_conflicts(store: DynStore) {
    let draft = register(&store, "101001", &credit(1)).await;
    // As if version 1 had been published.
    let as_published = EntryHeader {
        published_version: Some(1),
        ..draft
    };
    let new = unconditional(&as_published, &credit(2), days(30));
    // No published version to match: a conflict (sled reports the actual version as 0).
    let outcome = store.create_request(new).await;
    assert!(
        matches!(
            outcome,
            Err(StoreError::VersionConflict { expected: 1, .. })
        ),
        "got {outcome:?}"
    );
    assert_eq!(
        store.get_request(request_id(1)).await.expect("get_request"),
        None
    );
}

pub async fn a_request_for_a_revoked_entry_is_refused_and_stores_nothing(store: DynStore) {
    let requester = credit(2);
    let entry = published_entry(&store, "101001", &credit(1)).await;
    let other = published_entry(&store, "101001", &credit(1)).await;
    let new = unconditional(&entry, &requester, days(30));
    let revoked = revoke(&store, &entry.code).await;
    assert_eq!(revoked.state, EntryState::Revoked);
    let outcome = store.create_request(new).await;
    assert!(
        matches!(
            outcome,
            Err(StoreError::InvalidState {
                state: EntryState::Revoked,
                ..
            })
        ),
        "got {outcome:?}"
    );
    let unknown = NewRequest {
        entry_code: resource_code("101001/000099"),
        ..unconditional(&other, &requester, days(30))
    };
    assert_not_found(store.create_request(unknown).await);

    let everything = store
        .list_requests(&RequestFilter::default(), None, 100)
        .await
        .expect("list_requests");
    assert!(everything.items.is_empty(), "{everything:?}");
    let (next, grant) = create(&store, unconditional(&other, &requester, days(30))).await;
    assert_eq!(next.id, request_id(1));
    assert_eq!(grant.expect("granted at once").id, grant_id(1));
}

pub async fn a_request_while_revocation_is_pending_is_accepted(store: DynStore) {
    let entry = published_entry(&store, "101001", &credit(1)).await;
    let pending = store
        .request_revocation(&entry.code, "职能调整", "token-cataloguer", Utc::now())
        .await
        .expect("request_revocation");
    assert_eq!(pending.state, EntryState::PendingRevoke);
    let (request, _) = create(&store, conditional(&entry, &credit(2), days(10))).await;
    assert_eq!(request.state, RequestState::Pending);
}

// --- decisions -----------------------------------------------------------------------------

pub async fn an_approval_stores_the_grant_and_approves_the_request(store: DynStore) {
    let entry = published_entry(&store, "101001", &credit(1)).await;
    let (request, _) = create(&store, conditional(&entry, &credit(2), days(10))).await;
    let at = t0() + Duration::hours(3);
    let (approved, grant) = store
        .decide_request(request.id, approval(&request, 1, at))
        .await
        .expect("decide_request");
    let grant = grant.expect("an approval issues a grant");

    assert_eq!(approved.state, RequestState::Approved);
    assert_eq!(approved.decided_at, Some(at));
    assert_eq!(approved.grant_id, Some(grant.id));
    assert_eq!(approved.reason, "同意，仅限申请事由范围内使用");
    assert_eq!(approved.history.len(), 2);
    assert_eq!(approved.history[1].state, RequestState::Approved);
    assert_eq!(approved.history[1].actor, actor_of(&credit(1)));

    assert_eq!(grant.id, grant_id(1));
    assert_eq!(grant.request_id, request.id);
    assert_eq!(grant.items, ["姓名", "出生日期"]);
    assert_eq!(grant.valid_from, at);
    assert_eq!(grant.valid_until, t0() + days(30));
    assert_eq!(grant.consumer_code, credit(2));
    assert_eq!(grant.provider_code, credit(1));

    assert_eq!(stored_request(&store, request.id).await, approved);
    assert_eq!(stored_grant(&store, grant.id).await, grant);
}

pub async fn a_refusal_rejects_the_request_with_its_reason(store: DynStore) {
    let entry = published_entry(&store, "101001", &credit(1)).await;
    let (request, _) = create(&store, conditional(&entry, &credit(2), days(10))).await;
    let at = t0() + Duration::hours(3);
    let (rejected, grant) = store
        .decide_request(request.id, refusal(&request, at))
        .await
        .expect("decide_request");
    assert!(grant.is_none());
    assert_eq!(rejected.state, RequestState::Rejected);
    assert_eq!(rejected.reason, "申请事由与本部门职责无关");
    assert_eq!(rejected.decided_at, Some(at));
    assert_eq!(rejected.grant_id, None);
    assert_eq!(rejected.history.len(), 2);
    assert_eq!(stored_request(&store, request.id).await, rejected);
    assert_eq!(store.get_grant(grant_id(1)).await.expect("get_grant"), None);
}

pub async fn a_decided_request_cannot_be_decided_again(store: DynStore) {
    let entry = published_entry(&store, "101001", &credit(1)).await;
    let requester = credit(2);
    let mut decided = Vec::new();
    let (r, _) = create(&store, conditional(&entry, &requester, days(10))).await;
    decided.push(
        store
            .decide_request(r.id, approval(&r, 1, t0()))
            .await
            .expect("approve")
            .0,
    );
    let (r, _) = create(&store, conditional(&entry, &requester, days(10))).await;
    decided.push(
        store
            .decide_request(r.id, refusal(&r, t0()))
            .await
            .expect("refuse")
            .0,
    );
    let (r, _) = create(&store, conditional(&entry, &requester, days(10))).await;
    decided.push(
        store
            .withdraw_request(r.id, "不再需要", actor_of(&requester), t0())
            .await
            .expect("withdraw"),
    );
    decided.push(
        create(&store, unconditional(&entry, &requester, days(30)))
            .await
            .0,
    );

    for record in &decided {
        for decision in [approval(record, 1, t0()), refusal(record, t0())] {
            assert_not_pending(
                store.decide_request(record.id, decision).await,
                record.id,
                record.state,
            );
        }
        assert_eq!(&stored_request(&store, record.id).await, record);
    }
    // Two grants were issued (the approval, the request granted at once); no other.
    let granted = store
        .list_grants(&grant_filter(Party::Any, t0()), None, 100)
        .await
        .expect("list_grants");
    assert_eq!(
        granted.items.iter().map(|g| g.id).collect::<Vec<_>>(),
        grant_ids(&[1, 2])
    );
}

pub async fn an_approval_against_a_version_since_replaced_conflicts(store: DynStore) {
    let entry = published_entry(&store, "101001", &credit(1)).await;
    let (request, _) = create(&store, conditional(&entry, &credit(2), days(10))).await;
    // The decision was checked against version 1; version 2 is published before it lands.
    let checked = approval(&request, 1, t0());
    edit(&store, &entry, &Shape::sample()).await;
    publish(&store, &entry.code).await;
    let outcome = store.decide_request(request.id, checked).await;
    assert!(
        matches!(
            outcome,
            Err(StoreError::VersionConflict {
                expected: 1,
                actual: 2,
                ..
            })
        ),
        "got {outcome:?}"
    );
    assert_eq!(stored_request(&store, request.id).await, request);
    assert_eq!(store.get_grant(grant_id(1)).await.expect("get_grant"), None);

    // Checked again against version 2, it lands, and the grant names version 2.
    let (approved, grant) = store
        .decide_request(request.id, approval(&request, 2, t0()))
        .await
        .expect("decide_request");
    let grant = grant.expect("a grant");
    assert_eq!(grant.id, grant_id(1), "the conflict took no grant number");
    assert_eq!((approved.entry_version, grant.entry_version), (2, 2));
}

pub async fn an_approval_for_a_revoked_entry_is_refused_but_a_refusal_lands(store: DynStore) {
    let entry = published_entry(&store, "101001", &credit(1)).await;
    let (request, _) = create(&store, conditional(&entry, &credit(2), days(10))).await;
    revoke(&store, &entry.code).await;
    let outcome = store
        .decide_request(request.id, approval(&request, 1, t0()))
        .await;
    assert!(
        matches!(
            outcome,
            Err(StoreError::InvalidState {
                state: EntryState::Revoked,
                ..
            })
        ),
        "got {outcome:?}"
    );
    assert_eq!(stored_request(&store, request.id).await, request);
    let (rejected, grant) = store
        .decide_request(request.id, refusal(&request, t0()))
        .await
        .expect("a refusal needs no available entry");
    assert!(grant.is_none());
    assert_eq!(rejected.state, RequestState::Rejected);
}

pub async fn concurrent_decisions_of_one_request_have_one_winner(store: DynStore) {
    const TASKS: usize = 16;
    let entry = published_entry(&store, "101001", &credit(1)).await;
    let (request, _) = create(&store, conditional(&entry, &credit(2), days(10))).await;
    let id = request.id;
    let tasks: Vec<_> = (0..TASKS)
        .map(|n| {
            let store = store.clone();
            let decision = if n % 2 == 0 {
                approval(&request, 1, t0())
            } else {
                refusal(&request, t0())
            };
            tokio::spawn(async move { store.decide_request(id, decision).await })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.expect("deciding task") {
            Ok(decided) => winners.push(decided),
            Err(StoreError::Sharing(SharingError::RequestNotPending { .. })) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one decision lands");
    let (decided, grant) = winners.remove(0);
    assert_eq!(stored_request(&store, request.id).await, decided);
    let listed = store
        .list_grants(&grant_filter(Party::Any, t0()), None, 100)
        .await
        .expect("list_grants");
    assert_eq!(listed.items, grant.into_iter().collect::<Vec<_>>());
}

// --- withdrawal and revocation ---------------------------------------------------------------

pub async fn a_pending_request_can_be_withdrawn_once(store: DynStore) {
    let requester = credit(2);
    let entry = published_entry(&store, "101001", &credit(1)).await;
    let (request, _) = create(&store, conditional(&entry, &requester, days(10))).await;
    let at = t0() + Duration::hours(1);
    let withdrawn = store
        .withdraw_request(request.id, "业务调整", actor_of(&requester), at)
        .await
        .expect("withdraw_request");
    assert_eq!(withdrawn.state, RequestState::Withdrawn);
    assert_eq!(withdrawn.decided_at, Some(at));
    assert_eq!(withdrawn.history.len(), 2);
    assert_eq!(withdrawn.history[1].reason, "业务调整");
    assert_eq!(withdrawn.history[1].actor, actor_of(&requester));
    assert_eq!(stored_request(&store, request.id).await, withdrawn);

    assert_not_pending(
        store
            .withdraw_request(request.id, "再次撤回", actor_of(&requester), at)
            .await,
        request.id,
        RequestState::Withdrawn,
    );
    let (granted, _) = create(&store, unconditional(&entry, &requester, days(30))).await;
    assert_not_pending(
        store
            .withdraw_request(granted.id, "撤回", actor_of(&requester), at)
            .await,
        granted.id,
        RequestState::Approved,
    );
    assert_eq!(stored_request(&store, request.id).await, withdrawn);
    assert_eq!(stored_request(&store, granted.id).await, granted);
}

pub async fn an_active_grant_can_be_revoked_once(store: DynStore) {
    let provider = credit(1);
    let entry = published_entry(&store, "101001", &provider).await;
    let (_, grant) = create(&store, unconditional(&entry, &credit(2), days(30))).await;
    let grant = grant.expect("granted at once");
    let at = t0() + days(1);
    let revoked = store
        .revoke_grant(grant.id, "发现超范围使用", actor_of(&provider), at)
        .await
        .expect("revoke_grant");
    assert_eq!(revoked.revoked_at, Some(at));
    assert_eq!(revoked.revoke_reason, "发现超范围使用");
    assert_eq!(revoked.history.len(), 2);
    assert_eq!(revoked.history[1].kind, GrantEventKind::Revoked);
    assert_eq!(revoked.state_at(at), GrantState::Revoked);
    assert_eq!(stored_grant(&store, grant.id).await, revoked);

    let again = store
        .revoke_grant(grant.id, "再次撤销", actor_of(&provider), at + days(1))
        .await;
    assert!(
        matches!(
            again,
            Err(StoreError::Sharing(SharingError::GrantNotActive {
                state: GrantState::Revoked,
                ..
            }))
        ),
        "got {again:?}"
    );
    assert_eq!(stored_grant(&store, grant.id).await, revoked);
}

pub async fn an_expired_grant_cannot_be_revoked(store: DynStore) {
    let provider = credit(1);
    let entry = published_entry(&store, "101001", &provider).await;
    let (_, grant) = create(&store, unconditional(&entry, &credit(2), days(30))).await;
    let grant = grant.expect("granted at once");
    let outcome = store
        .revoke_grant(grant.id, "到期后撤销", actor_of(&provider), t0() + days(30))
        .await;
    assert!(
        matches!(
            outcome,
            Err(StoreError::Sharing(SharingError::GrantNotActive {
                state: GrantState::Expired,
                ..
            }))
        ),
        "got {outcome:?}"
    );
    assert_eq!(stored_grant(&store, grant.id).await, grant);
}

pub async fn unknown_requests_and_grants_are_absent(store: DynStore) {
    let someone = credit(2);
    assert_eq!(
        store.get_request(request_id(1)).await.expect("get_request"),
        None
    );
    assert_eq!(store.get_grant(grant_id(1)).await.expect("get_grant"), None);

    let entry = published_entry(&store, "101001", &credit(1)).await;
    let (request, _) = create(&store, conditional(&entry, &someone, days(10))).await;
    let unknown = request_id(99);
    assert_eq!(store.get_request(unknown).await.expect("get_request"), None);
    assert_not_found(
        store
            .decide_request(unknown, approval(&request, 1, t0()))
            .await,
    );
    assert_not_found(store.decide_request(unknown, refusal(&request, t0())).await);
    assert_not_found(
        store
            .withdraw_request(unknown, "", actor_of(&someone), t0())
            .await,
    );
    assert_not_found(
        store
            .revoke_grant(grant_id(1), "", actor_of(&someone), t0())
            .await,
    );
    assert_eq!(stored_request(&store, request.id).await, request);
}

// --- listing -----------------------------------------------------------------------------

/// Eight requests between three departments over two entries, in every state:
///
/// | # | requester | entry (provider) | kind | outcome | grant |
/// |---|---|---|---|---|---|
/// | 1 | B | ea (A) | conditional, due +1d | pending | |
/// | 2 | C | ea (A) | unconditional | approved | GRT-1 until +10d |
/// | 3 | A | eb (B) | conditional, due +3d | approved | GRT-2 until +30d, revoked at +2d |
/// | 4 | C | eb (B) | conditional, due +1d | rejected | |
/// | 5 | B | ea (A) | conditional, due +5d | withdrawn | |
/// | 6 | C | ea (A) | conditional, due +1d | pending | |
/// | 7 | A | eb (B) | unconditional | approved | GRT-3 until +5d |
/// | 8 | B | ea (A) | unconditional | approved | GRT-4 until +20d |
struct Exchange {
    a: CreditCode,
    b: CreditCode,
    c: CreditCode,
    ea: EntryHeader,
    eb: EntryHeader,
    requests: Vec<RequestRecord>,
    grants: Vec<GrantRecord>,
}

async fn exchange(store: &DynStore) -> Exchange {
    let (a, b, c) = (credit(1), credit(2), credit(3));
    let ea = published_entry(store, "101001", &a).await;
    let eb = published_entry(store, "201002", &b).await;
    let mut requests = Vec::new();
    let mut grants = Vec::new();

    requests.push(create(store, conditional(&ea, &b, days(1))).await.0);
    let (r, g) = create(store, unconditional(&ea, &c, days(10))).await;
    requests.push(r);
    grants.push(g.expect("granted at once"));
    let (r, _) = create(store, conditional(&eb, &a, days(3))).await;
    let (r, g) = store
        .decide_request(r.id, approval(&r, 1, t0() + Duration::hours(1)))
        .await
        .expect("approve #3");
    requests.push(r);
    let revoked = store
        .revoke_grant(
            g.expect("a grant").id,
            "超范围使用",
            actor_of(&b),
            t0() + days(2),
        )
        .await
        .expect("revoke GRT-2");
    grants.push(revoked);
    let (r, _) = create(store, conditional(&eb, &c, days(1))).await;
    requests.push(
        store
            .decide_request(r.id, refusal(&r, t0()))
            .await
            .expect("refuse #4")
            .0,
    );
    let (r, _) = create(store, conditional(&ea, &b, days(5))).await;
    requests.push(
        store
            .withdraw_request(r.id, "不再需要", actor_of(&b), t0())
            .await
            .expect("withdraw #5"),
    );
    requests.push(create(store, conditional(&ea, &c, days(1))).await.0);
    let (r, g) = create(store, unconditional(&eb, &a, days(5))).await;
    requests.push(r);
    grants.push(g.expect("granted at once"));
    let (r, g) = create(store, unconditional(&ea, &b, days(20))).await;
    requests.push(r);
    grants.push(g.expect("granted at once"));

    let ids: Vec<RequestId> = requests.iter().map(|r| r.id).collect();
    assert_eq!(ids, requests_of(1..=8));
    let ids: Vec<GrantId> = grants.iter().map(|g| g.id).collect();
    assert_eq!(ids, grant_ids(&[1, 2, 3, 4]));
    Exchange {
        a,
        b,
        c,
        ea,
        eb,
        requests,
        grants,
    }
}

fn requests_of(range: std::ops::RangeInclusive<u64>) -> Vec<RequestId> {
    range.map(request_id).collect()
}

fn request_filter(party: Party) -> RequestFilter {
    RequestFilter {
        party,
        ..RequestFilter::default()
    }
}

fn grant_filter(party: Party, at: DateTime<Utc>) -> GrantFilter {
    GrantFilter {
        party,
        entry_code: None,
        state: None,
        at,
    }
}

pub async fn requests_list_by_party(store: DynStore) {
    let x = exchange(&store).await;
    let outsider = credit(9);
    let cases: Vec<(Party, Vec<RequestId>)> = vec![
        (Party::Any, requests_of(1..=8)),
        (Party::Receiving(x.a.clone()), request_ids(&[3, 7])),
        (Party::Receiving(x.b.clone()), request_ids(&[1, 5, 8])),
        (Party::Receiving(x.c.clone()), request_ids(&[2, 4, 6])),
        (Party::Providing(x.a.clone()), request_ids(&[1, 2, 5, 6, 8])),
        (Party::Providing(x.b.clone()), request_ids(&[3, 4, 7])),
        (Party::Providing(x.c.clone()), request_ids(&[])),
        (
            Party::Either(x.a.clone()),
            request_ids(&[1, 2, 3, 5, 6, 7, 8]),
        ),
        (Party::Either(x.b.clone()), request_ids(&[1, 3, 4, 5, 7, 8])),
        (Party::Either(x.c.clone()), request_ids(&[2, 4, 6])),
        (Party::Receiving(outsider.clone()), request_ids(&[])),
        (Party::Providing(outsider.clone()), request_ids(&[])),
        (Party::Either(outsider), request_ids(&[])),
    ];
    for (party, expected) in cases {
        let page = store
            .list_requests(&request_filter(party.clone()), None, 100)
            .await
            .expect("list_requests");
        let ids: Vec<RequestId> = page.items.iter().map(|r| r.id).collect();
        assert_eq!(ids, expected, "{party:?}");
        assert_eq!(page.next, None);
        // The listed records are the stored ones.
        for r in &page.items {
            assert_eq!(r, &x.requests[(r.id.get() - 1) as usize]);
        }
    }
}

pub async fn requests_list_by_state_entry_and_deadline(store: DynStore) {
    let x = exchange(&store).await;
    let any = RequestFilter::default;
    let cases: Vec<(RequestFilter, Vec<RequestId>)> = vec![
        (
            RequestFilter {
                state: Some(RequestState::Pending),
                ..any()
            },
            request_ids(&[1, 6]),
        ),
        (
            RequestFilter {
                state: Some(RequestState::Approved),
                ..any()
            },
            request_ids(&[2, 3, 7, 8]),
        ),
        (
            RequestFilter {
                state: Some(RequestState::Rejected),
                ..any()
            },
            request_ids(&[4]),
        ),
        (
            RequestFilter {
                state: Some(RequestState::Withdrawn),
                ..any()
            },
            request_ids(&[5]),
        ),
        (
            RequestFilter {
                entry_code: Some(x.ea.code.clone()),
                ..any()
            },
            request_ids(&[1, 2, 5, 6, 8]),
        ),
        (
            RequestFilter {
                entry_code: Some(x.eb.code.clone()),
                ..any()
            },
            request_ids(&[3, 4, 7]),
        ),
        (
            RequestFilter {
                entry_code: Some(resource_code("101001/000099")),
                ..any()
            },
            request_ids(&[]),
        ),
        // Pending past their deadline: the deadline instant itself is still in time.
        (
            RequestFilter {
                overdue_at: Some(t0() + Duration::hours(12)),
                ..any()
            },
            request_ids(&[]),
        ),
        (
            RequestFilter {
                overdue_at: Some(t0() + days(1)),
                ..any()
            },
            request_ids(&[]),
        ),
        (
            RequestFilter {
                overdue_at: Some(t0() + days(2)),
                ..any()
            },
            request_ids(&[1, 6]),
        ),
        (
            RequestFilter {
                overdue_at: Some(t0() + days(6)),
                ..any()
            },
            request_ids(&[1, 6]),
        ),
        // Combined.
        (
            RequestFilter {
                party: Party::Providing(x.a.clone()),
                state: Some(RequestState::Pending),
                ..any()
            },
            request_ids(&[1, 6]),
        ),
        (
            RequestFilter {
                party: Party::Receiving(x.c.clone()),
                entry_code: Some(x.eb.code.clone()),
                ..any()
            },
            request_ids(&[4]),
        ),
        (
            RequestFilter {
                party: Party::Either(x.b.clone()),
                state: Some(RequestState::Approved),
                ..any()
            },
            request_ids(&[3, 7, 8]),
        ),
        (
            RequestFilter {
                party: Party::Receiving(x.c.clone()),
                overdue_at: Some(t0() + days(2)),
                ..any()
            },
            request_ids(&[6]),
        ),
        (
            RequestFilter {
                party: Party::Providing(x.b.clone()),
                overdue_at: Some(t0() + days(2)),
                ..any()
            },
            request_ids(&[]),
        ),
    ];
    for (filter, expected) in cases {
        let ids: Vec<RequestId> = store
            .list_requests(&filter, None, 100)
            .await
            .expect("list_requests")
            .items
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, expected, "{filter:?}");
    }
}

pub async fn request_pages_cover_every_match_exactly_once(store: DynStore) {
    let x = exchange(&store).await;
    // More records, so pages of every size end at different places.
    for n in 0..13u32 {
        let requester = credit(10 + n % 3);
        let entry = if n % 2 == 0 { &x.ea } else { &x.eb };
        if n % 4 == 0 {
            create(&store, unconditional(entry, &requester, days(30))).await;
        } else {
            create(&store, conditional(entry, &requester, days(1))).await;
        }
    }
    let filters = [
        RequestFilter::default(),
        request_filter(Party::Either(x.a.clone())),
        request_filter(Party::Providing(x.b.clone())),
        request_filter(Party::Receiving(credit(11))),
        RequestFilter {
            state: Some(RequestState::Pending),
            ..RequestFilter::default()
        },
        RequestFilter {
            party: Party::Either(x.c.clone()),
            overdue_at: Some(t0() + days(2)),
            ..RequestFilter::default()
        },
    ];
    for filter in &filters {
        let everything = all_requests(&store, filter, 1000).await;
        let mut sorted = everything.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(everything, sorted, "ascending, without repeats: {filter:?}");
        assert!(!everything.is_empty(), "{filter:?}");
        for limit in [1, 2, 3, 5, 7, everything.len(), everything.len() + 1] {
            assert_eq!(
                all_requests(&store, filter, limit).await,
                everything,
                "pages of {limit} under {filter:?}"
            );
        }
        // Continuing after any number, listed or not, gives what follows it.
        for after in [1, 4, 9, 20, 21, 1000] {
            let page = store
                .list_requests(filter, Some(request_id(after)), 1000)
                .await
                .expect("list_requests");
            let ids: Vec<RequestId> = page.items.iter().map(|r| r.id).collect();
            let expected: Vec<RequestId> = everything
                .iter()
                .copied()
                .filter(|id| id.get() > after)
                .collect();
            assert_eq!(ids, expected, "after {after} under {filter:?}");
        }
    }
    assert_eq!(
        all_requests(&store, &RequestFilter::default(), 4).await,
        requests_of(1..=21)
    );
}

pub async fn grants_list_by_party_entry_and_state_at_an_instant(store: DynStore) {
    let x = exchange(&store).await;
    let at = |d: i64| t0() + days(d);
    let with_state = |state: GrantState, when: DateTime<Utc>| GrantFilter {
        state: Some(state),
        ..grant_filter(Party::Any, when)
    };
    use GrantState::{Active, Expired, Revoked};
    let cases: Vec<(GrantFilter, Vec<GrantId>)> = vec![
        (grant_filter(Party::Any, at(1)), grant_ids(&[1, 2, 3, 4])),
        (
            grant_filter(Party::Receiving(x.a.clone()), at(1)),
            grant_ids(&[2, 3]),
        ),
        (
            grant_filter(Party::Receiving(x.b.clone()), at(1)),
            grant_ids(&[4]),
        ),
        (
            grant_filter(Party::Receiving(x.c.clone()), at(1)),
            grant_ids(&[1]),
        ),
        (
            grant_filter(Party::Providing(x.a.clone()), at(1)),
            grant_ids(&[1, 4]),
        ),
        (
            grant_filter(Party::Providing(x.b.clone()), at(1)),
            grant_ids(&[2, 3]),
        ),
        (
            grant_filter(Party::Providing(x.c.clone()), at(1)),
            grant_ids(&[]),
        ),
        (
            grant_filter(Party::Either(x.a.clone()), at(1)),
            grant_ids(&[1, 2, 3, 4]),
        ),
        (
            grant_filter(Party::Either(x.b.clone()), at(1)),
            grant_ids(&[2, 3, 4]),
        ),
        (
            grant_filter(Party::Either(x.c.clone()), at(1)),
            grant_ids(&[1]),
        ),
        (
            grant_filter(Party::Either(credit(9)), at(1)),
            grant_ids(&[]),
        ),
        (
            GrantFilter {
                entry_code: Some(x.ea.code.clone()),
                ..grant_filter(Party::Any, at(1))
            },
            grant_ids(&[1, 4]),
        ),
        (
            GrantFilter {
                entry_code: Some(x.eb.code.clone()),
                ..grant_filter(Party::Any, at(1))
            },
            grant_ids(&[2, 3]),
        ),
        // GRT-2 is revoked from +2d: active before.
        (with_state(Active, at(1)), grant_ids(&[1, 2, 3, 4])),
        (with_state(Revoked, at(1)), grant_ids(&[])),
        (with_state(Active, at(3)), grant_ids(&[1, 3, 4])),
        (with_state(Revoked, at(3)), grant_ids(&[2])),
        // GRT-3 ends at +5d, GRT-1 at +10d, GRT-4 at +20d; revoked stays revoked.
        (with_state(Expired, at(5)), grant_ids(&[3])),
        (with_state(Active, at(6)), grant_ids(&[1, 4])),
        (with_state(Expired, at(15)), grant_ids(&[1, 3])),
        (with_state(Active, at(15)), grant_ids(&[4])),
        (with_state(Expired, at(40)), grant_ids(&[1, 3, 4])),
        (with_state(Revoked, at(40)), grant_ids(&[2])),
        (with_state(Active, at(40)), grant_ids(&[])),
        // Combined.
        (
            GrantFilter {
                state: Some(Expired),
                ..grant_filter(Party::Providing(x.a.clone()), at(15))
            },
            grant_ids(&[1]),
        ),
        (
            GrantFilter {
                state: Some(Active),
                ..grant_filter(Party::Receiving(x.a.clone()), at(3))
            },
            grant_ids(&[3]),
        ),
        (
            GrantFilter {
                state: Some(Active),
                ..grant_filter(Party::Receiving(x.a.clone()), at(6))
            },
            grant_ids(&[]),
        ),
        (
            GrantFilter {
                state: Some(Revoked),
                entry_code: Some(x.ea.code.clone()),
                ..grant_filter(Party::Any, at(40))
            },
            grant_ids(&[]),
        ),
    ];
    for (filter, expected) in cases {
        let page = store
            .list_grants(&filter, None, 100)
            .await
            .expect("list_grants");
        let ids: Vec<GrantId> = page.items.iter().map(|g| g.id).collect();
        assert_eq!(ids, expected, "{filter:?}");
        for g in &page.items {
            assert_eq!(g, &x.grants[(g.id.get() - 1) as usize]);
            if let Some(state) = filter.state {
                assert_eq!(g.state_at(filter.at), state);
            }
        }
    }
}

pub async fn grant_pages_cover_every_match_exactly_once(store: DynStore) {
    let x = exchange(&store).await;
    for n in 0..11u32 {
        let requester = credit(10 + n % 3);
        let entry = if n % 3 == 0 { &x.eb } else { &x.ea };
        create(
            &store,
            unconditional(entry, &requester, days(i64::from(n) + 1)),
        )
        .await;
    }
    let filters = [
        grant_filter(Party::Any, t0()),
        grant_filter(Party::Providing(x.a.clone()), t0()),
        grant_filter(Party::Either(x.b.clone()), t0()),
        grant_filter(Party::Receiving(credit(10)), t0()),
        GrantFilter {
            state: Some(GrantState::Expired),
            ..grant_filter(Party::Any, t0() + days(6))
        },
        GrantFilter {
            state: Some(GrantState::Active),
            ..grant_filter(Party::Either(x.a.clone()), t0() + days(6))
        },
    ];
    for filter in &filters {
        let everything = all_grants(&store, filter, 1000).await;
        let mut sorted = everything.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(everything, sorted, "ascending, without repeats: {filter:?}");
        assert!(!everything.is_empty(), "{filter:?}");
        for limit in [1, 2, 3, 4, 6, everything.len(), everything.len() + 1] {
            assert_eq!(
                all_grants(&store, filter, limit).await,
                everything,
                "pages of {limit} under {filter:?}"
            );
        }
        for after in [1, 3, 8, 15, 16] {
            let page = store
                .list_grants(filter, Some(grant_id(after)), 1000)
                .await
                .expect("list_grants");
            let ids: Vec<GrantId> = page.items.iter().map(|g| g.id).collect();
            let expected: Vec<GrantId> = everything
                .iter()
                .copied()
                .filter(|id| id.get() > after)
                .collect();
            assert_eq!(ids, expected, "after {after} under {filter:?}");
        }
    }
    assert_eq!(
        all_grants(&store, &grant_filter(Party::Any, t0()), 3).await,
        (1..=15).map(grant_id).collect::<Vec<_>>()
    );
}

// --- concurrency ---------------------------------------------------------------------------

pub async fn concurrent_requests_get_distinct_consecutive_numbers(store: DynStore) {
    const TASKS: u32 = 64;
    let entry = published_entry(&store, "101001", &credit(1)).await;
    let tasks: Vec<_> = (0..TASKS)
        .map(|n| {
            let store = store.clone();
            let requester = credit(100 + n);
            // Every other request is granted at once and takes a grant number too.
            let new = if n % 2 == 0 {
                unconditional(&entry, &requester, days(30))
            } else {
                conditional(&entry, &requester, days(10))
            };
            tokio::spawn(async move { store.create_request(new).await })
        })
        .collect();
    let mut created = Vec::new();
    for task in tasks {
        created.push(
            task.await
                .expect("requesting task")
                .expect("create_request"),
        );
    }
    let numbers: BTreeSet<u64> = created.iter().map(|(r, _)| r.id.get()).collect();
    assert_eq!(
        numbers.len(),
        created.len(),
        "a request number was issued twice"
    );
    assert_eq!(numbers, (1..=u64::from(TASKS)).collect());
    let grant_numbers: BTreeSet<u64> = created
        .iter()
        .filter_map(|(_, g)| g.as_ref().map(|g| g.id.get()))
        .collect();
    assert_eq!(grant_numbers, (1..=u64::from(TASKS / 2)).collect());
    for (request, grant) in &created {
        assert_eq!(request.grant_id, grant.as_ref().map(|g| g.id));
        if let Some(grant) = grant {
            assert_eq!(grant.request_id, request.id);
            assert_eq!(grant.consumer_code, request.requester_code);
            assert_eq!(&stored_grant(&store, grant.id).await, grant);
        }
        assert_eq!(&stored_request(&store, request.id).await, request);
    }

    let (next, grant) = create(&store, unconditional(&entry, &credit(1000), days(30))).await;
    assert_eq!(next.id.get(), u64::from(TASKS) + 1);
    assert_eq!(
        grant.expect("granted at once").id.get(),
        u64::from(TASKS / 2) + 1
    );
}

// --- reopening -----------------------------------------------------------------------------

/// What [`write_before_reopen`] wrote, as the store acknowledged it.
#[derive(Debug)]
pub struct Written {
    entry: EntryHeader,
    requests: Vec<RequestRecord>,
    grants: Vec<GrantRecord>,
}

/// Writes the exchange of [`exchange`]; the backend's test closes the store, opens the same
/// data again and hands it to [`check_after_reopen`].
pub async fn write_before_reopen(store: DynStore) -> Written {
    let x = exchange(&store).await;
    // Read back, not as returned: the records as they stand after every later change.
    let mut requests = Vec::new();
    for r in &x.requests {
        requests.push(stored_request(&store, r.id).await);
    }
    let mut grants = Vec::new();
    for g in &x.grants {
        grants.push(stored_grant(&store, g.id).await);
    }
    assert_eq!(grants, x.grants);
    Written {
        entry: x.ea,
        requests,
        grants,
    }
}

pub async fn check_after_reopen(store: DynStore, written: Written) {
    for r in &written.requests {
        assert_eq!(&stored_request(&store, r.id).await, r);
    }
    for g in &written.grants {
        assert_eq!(&stored_grant(&store, g.id).await, g);
    }
    let listed = store
        .list_requests(&RequestFilter::default(), None, 100)
        .await
        .expect("list_requests");
    assert_eq!(listed.items, written.requests);
    let listed = store
        .list_grants(&grant_filter(Party::Any, t0()), None, 100)
        .await
        .expect("list_grants");
    assert_eq!(listed.items, written.grants);
    // The indexes came back too.
    let providing = store
        .list_requests(&request_filter(Party::Providing(credit(1))), None, 100)
        .await
        .expect("list_requests");
    assert_eq!(
        providing.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        request_ids(&[1, 2, 5, 6, 8])
    );

    // Numbers carry on where they stopped.
    let (next, grant) = create(&store, unconditional(&written.entry, &credit(3), days(30))).await;
    assert_eq!(next.id, request_id(written.requests.len() as u64 + 1));
    assert_eq!(
        grant.expect("granted at once").id,
        grant_id(written.grants.len() as u64 + 1)
    );
    // A pending request can still be decided.
    let pending = &written.requests[0];
    assert_eq!(pending.state, RequestState::Pending);
    let (approved, grant) = store
        .decide_request(pending.id, approval(pending, 1, t0()))
        .await
        .expect("decide_request after reopening");
    assert_eq!(approved.state, RequestState::Approved);
    assert_eq!(
        grant.expect("a grant").id,
        grant_id(written.grants.len() as u64 + 2)
    );
}

/// The counts behind the metrics: entries by state, requests by state and overdue, grants by
/// state at the instant asked for.
pub async fn stats_count_entries_requests_and_grants_by_state(store: DynStore) {
    let empty = store.stats(t0()).await.expect("stats");
    assert!(empty.entries.is_empty() && empty.requests.is_empty() && empty.grants.is_empty());
    assert_eq!(empty.overdue_requests, 0);

    let (provider, requester) = (credit(1), credit(2));
    let entry = published_entry(&store, "101001", &provider).await;
    register(&store, "101002", &provider).await;
    // One pending (due in 10 days), one granted at once (for 30 days), one refused.
    create(&store, conditional(&entry, &requester, days(10))).await;
    let (_, grant) = create(&store, unconditional(&entry, &requester, days(30))).await;
    let (refused, _) = create(&store, conditional(&entry, &requester, days(10))).await;
    store
        .decide_request(refused.id, refusal(&refused, t0() + days(1)))
        .await
        .expect("refusal");
    assert!(grant.is_some());

    let now = store.stats(t0() + days(2)).await.expect("stats");
    assert_eq!(now.entries.get(&EntryState::Published), Some(&1));
    assert_eq!(now.entries.get(&EntryState::Draft), Some(&1));
    assert_eq!(now.requests.get(&RequestState::Pending), Some(&1));
    assert_eq!(now.requests.get(&RequestState::Approved), Some(&1));
    assert_eq!(now.requests.get(&RequestState::Rejected), Some(&1));
    assert_eq!(now.overdue_requests, 0);
    assert_eq!(now.grants.get(&GrantState::Active), Some(&1));
    assert!(now.size_bytes > 0);

    // Past the answer deadline and the grant's end, with nothing written since.
    let later = store.stats(t0() + days(31)).await.expect("stats");
    assert_eq!(later.overdue_requests, 1);
    assert_eq!(later.grants.get(&GrantState::Active), None);
    assert_eq!(later.grants.get(&GrantState::Expired), Some(&1));
}
