//! Request and grant records: their transitions and history, grant states over time, the
//! flags a republished entry raises on a grant, and request and grant numbers.
#![allow(clippy::unwrap_used)]

use std::cell::Cell;

use chrono::{DateTime, Duration, Utc};
use govshare_model::testing::{sample_metadata, valid_credit_code};
use govshare_model::{
    CreditCode, DataType, GrantFlagKind, GrantState, InfoItem, RequestState, ResourceCode,
    ResourceMetadata, ShareMode, ShareType,
};
use govshare_sharing::{
    Actor, Decision, GrantEventKind, GrantFlag, GrantId, GrantRecord, NewRequest, RequestEvent,
    RequestId, RequestRecord, SharingError, grant_flags,
};
use proptest::prelude::*;

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn now() -> DateTime<Utc> {
    instant("2026-03-02T09:30:00+08:00")
}

fn hours(n: i64) -> Duration {
    Duration::hours(n)
}

fn code() -> ResourceCode {
    ResourceCode::parse("101001/000001").unwrap()
}

fn provider() -> CreditCode {
    CreditCode::parse(&valid_credit_code(1)).unwrap()
}

fn requester() -> CreditCode {
    CreditCode::parse(&valid_credit_code(2)).unwrap()
}

fn requester_actor() -> Actor {
    Actor {
        token_id: "token-requester".into(),
        department: Some(requester()),
    }
}

fn approver() -> Actor {
    Actor {
        token_id: "token-approver".into(),
        department: Some(provider()),
    }
}

fn request_id(n: u64) -> RequestId {
    RequestId::new(n).unwrap()
}

fn grant_id(n: u64) -> GrantId {
    GrantId::new(n).unwrap()
}

/// A conditional request for version 1, due in a week.
fn conditional() -> NewRequest {
    NewRequest {
        entry_code: code(),
        entry_version: 1,
        provider_code: provider(),
        requester_code: requester(),
        items: vec!["姓名".into(), "公民身份号码".into(), "出生日期".into()],
        share_type: ShareType::Conditional,
        purpose: "办理户籍迁移业务时核验申请人身份".into(),
        use_scope: "本部门政务服务窗口".into(),
        business_system: "一网通办受理系统".into(),
        requested_until: Some(now() + Duration::days(90)),
        submitted_at: now(),
        due_at: Some(now() + Duration::days(7)),
        grant_until: None,
        actor: requester_actor(),
    }
}

/// An unconditional request for version 1, granted at once for a year.
fn unconditional() -> NewRequest {
    NewRequest {
        share_type: ShareType::Unconditional,
        requested_until: None,
        due_at: None,
        grant_until: Some(now() + Duration::days(365)),
        ..conditional()
    }
}

fn pending() -> RequestRecord {
    let (request, grant) = RequestRecord::submit(request_id(1), conditional(), || {
        panic!("a pending request takes no grant number")
    });
    assert!(grant.is_none());
    request
}

/// A grant issued at [`now`], valid for a day, for every item of the sample.
fn granted() -> GrantRecord {
    let new = NewRequest {
        grant_until: Some(now() + hours(24)),
        ..unconditional()
    };
    RequestRecord::submit(request_id(1), new, || grant_id(1))
        .1
        .unwrap()
}

fn approval(at: DateTime<Utc>) -> Decision {
    Decision {
        approve: true,
        reason: "同意".into(),
        items: vec!["姓名".into(), "出生日期".into()],
        valid_until: now() + Duration::days(30),
        entry_version: 2,
        actor: approver(),
        at,
    }
}

fn refusal(at: DateTime<Utc>) -> Decision {
    Decision {
        approve: false,
        reason: "申请事由与本部门职责无关".into(),
        items: Vec::new(),
        valid_until: at,
        entry_version: 1,
        actor: approver(),
        at,
    }
}

fn assert_not_pending<T: std::fmt::Debug>(
    outcome: Result<T, SharingError>,
    id: RequestId,
    state: RequestState,
    action: &str,
) {
    match outcome {
        Err(SharingError::RequestNotPending {
            id: i,
            state: s,
            action: a,
            ..
        }) => assert_eq!((i, s, a), (id, state, action)),
        other => panic!("expected RequestNotPending, got {other:?}"),
    }
}

// --- submit ----------------------------------------------------------------------------------

#[test]
fn a_conditional_request_is_stored_pending_without_a_grant() {
    let request = pending();
    let new = conditional();
    assert_eq!(request.id, request_id(1));
    assert_eq!(request.state, RequestState::Pending);
    assert_eq!(request.grant_id, None);
    assert_eq!(request.decided_at, None);
    assert_eq!(request.reason, "");
    assert_eq!(request.due_at, new.due_at);
    assert_eq!(request.submitted_at, now());
    assert_eq!(request.items, new.items);
    assert_eq!(request.entry_code, new.entry_code);
    assert_eq!(request.entry_version, 1);
    assert_eq!(request.provider_code, provider());
    assert_eq!(request.requester_code, requester());
    assert_eq!(request.share_type, ShareType::Conditional);
    assert_eq!(request.purpose, new.purpose);
    assert_eq!(request.use_scope, new.use_scope);
    assert_eq!(request.business_system, new.business_system);
    assert_eq!(request.requested_until, new.requested_until);
    assert_eq!(
        request.history,
        [RequestEvent {
            at: now(),
            actor: requester_actor(),
            state: RequestState::Pending,
            reason: String::new(),
        }]
    );
}

#[test]
fn an_unconditional_request_is_approved_at_once_by_the_platform() {
    let calls = Cell::new(0);
    let (request, grant) = RequestRecord::submit(request_id(4), unconditional(), || {
        calls.set(calls.get() + 1);
        grant_id(9)
    });
    assert_eq!(calls.get(), 1, "the grant number is taken once");
    let grant = grant.unwrap();

    assert_eq!(request.state, RequestState::Approved);
    assert_eq!(request.grant_id, Some(grant_id(9)));
    assert_eq!(request.decided_at, Some(now()));
    assert!(!request.reason.is_empty());
    assert_eq!(request.history.len(), 2);
    assert_eq!(request.history[0].state, RequestState::Pending);
    assert_eq!(request.history[0].actor, requester_actor());
    assert_eq!(request.history[1].state, RequestState::Approved);
    assert_eq!(request.history[1].actor, Actor::platform());
    assert_eq!(request.history[1].at, now());

    assert_eq!(grant.id, grant_id(9));
    assert_eq!(grant.request_id, request_id(4));
    assert_eq!(grant.entry_code, code());
    assert_eq!(grant.entry_version, 1);
    assert_eq!(grant.provider_code, provider());
    assert_eq!(grant.consumer_code, requester());
    assert_eq!(grant.items, request.items);
    assert_eq!(grant.purpose, request.purpose);
    assert_eq!(grant.valid_from, now());
    assert_eq!(grant.valid_until, now() + Duration::days(365));
    assert_eq!(grant.revoked_at, None);
    assert_eq!(grant.history.len(), 1);
    assert_eq!(grant.history[0].kind, GrantEventKind::Issued);
    assert_eq!(grant.history[0].actor, Actor::platform());
    assert_eq!(grant.history[0].at, now());
    assert_eq!(grant.state_at(now()), GrantState::Active);
}

#[test]
fn the_platform_is_an_actor_of_no_department() {
    let platform = Actor::platform();
    assert_eq!(platform.token_id, "platform");
    assert_eq!(platform.department, None);
}

// --- decide ----------------------------------------------------------------------------------

#[test]
fn an_approval_issues_a_grant_of_the_decided_items_and_end() {
    let request = pending();
    let at = now() + hours(5);
    let calls = Cell::new(0);
    let (approved, grant) = request
        .decide(&approval(at), || {
            calls.set(calls.get() + 1);
            grant_id(3)
        })
        .unwrap();
    assert_eq!(calls.get(), 1);
    let grant = grant.unwrap();

    assert_eq!(approved.state, RequestState::Approved);
    assert_eq!(approved.reason, "同意");
    assert_eq!(approved.decided_at, Some(at));
    assert_eq!(approved.grant_id, Some(grant_id(3)));
    assert_eq!(
        approved.entry_version, 2,
        "the version the decision was checked against"
    );
    assert_eq!(
        approved.items, request.items,
        "the request keeps what was asked"
    );
    assert_eq!(approved.history.len(), 2);
    assert_eq!(approved.history[0], request.history[0]);
    assert_eq!(
        approved.history[1],
        RequestEvent {
            at,
            actor: approver(),
            state: RequestState::Approved,
            reason: "同意".into(),
        }
    );

    assert_eq!(grant.id, grant_id(3));
    assert_eq!(grant.request_id, request.id);
    assert_eq!(grant.items, ["姓名", "出生日期"]);
    assert_eq!(grant.valid_from, at);
    assert_eq!(grant.valid_until, now() + Duration::days(30));
    assert_eq!(grant.entry_version, 2);
    assert_eq!(grant.consumer_code, requester());
    assert_eq!(grant.history.len(), 1);
    assert_eq!(grant.history[0].kind, GrantEventKind::Issued);
    assert_eq!(grant.history[0].actor, approver());
    assert_eq!(grant.history[0].reason, "同意");

    // The record decided on is left as it was.
    assert_eq!(request, pending());
}

#[test]
fn a_refusal_rejects_the_request_with_its_reason() {
    let request = pending();
    let at = now() + hours(5);
    let (rejected, grant) = request
        .decide(&refusal(at), || panic!("a refusal takes no grant number"))
        .unwrap();
    assert!(grant.is_none());
    assert_eq!(rejected.state, RequestState::Rejected);
    assert_eq!(rejected.reason, "申请事由与本部门职责无关");
    assert_eq!(rejected.decided_at, Some(at));
    assert_eq!(rejected.grant_id, None);
    assert_eq!(rejected.history.len(), 2);
    assert_eq!(
        rejected.history[1],
        RequestEvent {
            at,
            actor: approver(),
            state: RequestState::Rejected,
            reason: "申请事由与本部门职责无关".into(),
        }
    );
}

#[test]
fn a_decided_request_cannot_be_decided_again() {
    let request = pending();
    let (approved, _) = request.decide(&approval(now()), || grant_id(1)).unwrap();
    let (rejected, _) = request.decide(&refusal(now()), || grant_id(1)).unwrap();
    let withdrawn = request
        .withdraw(requester_actor(), now(), "不再需要")
        .unwrap();
    let (at_once, _) = RequestRecord::submit(request_id(2), unconditional(), || grant_id(2));
    for (record, state) in [
        (&approved, RequestState::Approved),
        (&rejected, RequestState::Rejected),
        (&withdrawn, RequestState::Withdrawn),
        (&at_once, RequestState::Approved),
    ] {
        for decision in [approval(now()), refusal(now())] {
            assert_not_pending(
                record.decide(&decision, || panic!("no grant number when refused")),
                record.id,
                state,
                "decided",
            );
        }
    }
}

#[test]
fn the_refusal_message_names_the_request_and_its_state() {
    let (approved, _) = pending().decide(&approval(now()), || grant_id(1)).unwrap();
    let message = approved
        .decide(&refusal(now()), || grant_id(2))
        .unwrap_err()
        .to_string();
    assert!(message.contains("REQ-000001"), "{message}");
    assert!(message.contains("APPROVED"), "{message}");
    assert!(message.contains("已同意"), "{message}");
}

// --- withdraw --------------------------------------------------------------------------------

#[test]
fn a_pending_request_can_be_withdrawn() {
    let request = pending();
    let at = now() + hours(1);
    let withdrawn = request.withdraw(requester_actor(), at, "业务调整").unwrap();
    assert_eq!(withdrawn.state, RequestState::Withdrawn);
    assert_eq!(withdrawn.decided_at, Some(at));
    assert_eq!(withdrawn.grant_id, None);
    assert_eq!(withdrawn.history.len(), 2);
    assert_eq!(
        withdrawn.history[1],
        RequestEvent {
            at,
            actor: requester_actor(),
            state: RequestState::Withdrawn,
            reason: "业务调整".into(),
        }
    );
}

#[test]
fn only_a_pending_request_can_be_withdrawn() {
    let request = pending();
    let (approved, _) = request.decide(&approval(now()), || grant_id(1)).unwrap();
    let (rejected, _) = request.decide(&refusal(now()), || grant_id(1)).unwrap();
    let withdrawn = request.withdraw(requester_actor(), now(), "").unwrap();
    for (record, state) in [
        (approved, RequestState::Approved),
        (rejected, RequestState::Rejected),
        (withdrawn, RequestState::Withdrawn),
    ] {
        assert_not_pending(
            record.withdraw(requester_actor(), now(), "再次撤回"),
            record.id,
            state,
            "withdrawn",
        );
    }
}

// --- overdue ---------------------------------------------------------------------------------

#[test]
fn a_pending_request_is_overdue_only_after_its_due_instant() {
    let request = pending();
    let due = request.due_at.unwrap();
    assert!(!request.is_overdue_at(now()));
    assert!(!request.is_overdue_at(due - Duration::seconds(1)));
    assert!(
        !request.is_overdue_at(due),
        "the due instant itself is still in time"
    );
    assert!(request.is_overdue_at(due + Duration::nanoseconds(1)));
    assert!(request.is_overdue_at(due + Duration::days(30)));
}

#[test]
fn a_request_no_longer_pending_is_never_overdue() {
    let request = pending();
    let late = request.due_at.unwrap() + Duration::days(1);
    let (approved, _) = request.decide(&approval(late), || grant_id(1)).unwrap();
    let (rejected, _) = request.decide(&refusal(late), || grant_id(1)).unwrap();
    let withdrawn = request.withdraw(requester_actor(), late, "").unwrap();
    for record in [approved, rejected, withdrawn] {
        assert!(!record.is_overdue_at(late), "{:?}", record.state);
    }
    let (at_once, _) = RequestRecord::submit(request_id(2), unconditional(), || grant_id(1));
    assert_eq!(at_once.due_at, None);
    assert!(!at_once.is_overdue_at(now() + Duration::days(1000)));
}

// --- grant states ----------------------------------------------------------------------------

#[test]
fn a_grant_is_active_until_valid_until_and_expired_from_it() {
    let grant = granted();
    let until = grant.valid_until;
    assert_eq!(grant.state_at(now()), GrantState::Active);
    assert_eq!(
        grant.state_at(until - Duration::nanoseconds(1)),
        GrantState::Active
    );
    assert_eq!(grant.state_at(until), GrantState::Expired);
    assert_eq!(grant.state_at(until + hours(1)), GrantState::Expired);
    assert!(grant.authorizes(now()));
    assert!(!grant.authorizes(until));
}

#[test]
fn a_revoked_grant_is_revoked_from_the_revocation_on() {
    let grant = granted();
    let at = now() + hours(2);
    let revoked = grant.revoke("发现超范围使用", approver(), at).unwrap();
    assert_eq!(
        revoked.state_at(at - Duration::seconds(1)),
        GrantState::Active
    );
    assert_eq!(revoked.state_at(at), GrantState::Revoked);
    assert_eq!(revoked.state_at(at + hours(1)), GrantState::Revoked);
    assert!(!revoked.authorizes(at));
    // Revoked wins over expired.
    assert_eq!(
        revoked.state_at(grant.valid_until + Duration::days(1)),
        GrantState::Revoked
    );
}

#[test]
fn a_revocation_is_recorded_in_the_history() {
    let grant = granted();
    let at = now() + hours(2);
    let revoked = grant.revoke("发现超范围使用", approver(), at).unwrap();
    assert_eq!(revoked.revoked_at, Some(at));
    assert_eq!(revoked.revoke_reason, "发现超范围使用");
    assert_eq!(revoked.history.len(), 2);
    assert_eq!(revoked.history[0], grant.history[0]);
    assert_eq!(revoked.history[1].kind, GrantEventKind::Revoked);
    assert_eq!(revoked.history[1].actor, approver());
    assert_eq!(revoked.history[1].at, at);
    assert_eq!(revoked.history[1].reason, "发现超范围使用");
    assert_eq!(revoked.valid_until, grant.valid_until);
    assert_eq!(
        grant.revoked_at, None,
        "the record revoked is left as it was"
    );
}

#[test]
fn only_an_active_grant_can_be_revoked() {
    let grant = granted();
    let revoked = grant.revoke("第一次", approver(), now()).unwrap();
    let outcome = revoked.revoke("第二次", approver(), now() + hours(1));
    assert_eq!(
        outcome,
        Err(SharingError::GrantNotActive {
            id: grant.id,
            state: GrantState::Revoked,
        })
    );
    let message = outcome.unwrap_err().to_string();
    assert!(message.contains("GRT-000001"), "{message}");

    assert_eq!(
        grant.revoke("过期后撤销", approver(), grant.valid_until),
        Err(SharingError::GrantNotActive {
            id: grant.id,
            state: GrantState::Expired,
        })
    );
}

// --- flags and deliverable items ---------------------------------------------------------

fn item(name: &str, data_type: DataType, length: u32, share_type: ShareType) -> InfoItem {
    InfoItem {
        name: name.to_owned(),
        data_type,
        length,
        share_type,
        description: String::new(),
    }
}

/// Version 1: the sample's items, unconditional.
fn version_1() -> ResourceMetadata {
    let mut m = sample_metadata();
    m.sharing.share_type = ShareType::Unconditional;
    for i in &mut m.items {
        i.share_type = ShareType::Unconditional;
    }
    m
}

fn with_items(items: Vec<InfoItem>) -> ResourceMetadata {
    ResourceMetadata {
        items,
        ..version_1()
    }
}

/// A grant of 姓名 and 出生日期 against version 1.
fn grant_of_two() -> GrantRecord {
    GrantRecord {
        items: vec!["姓名".into(), "出生日期".into()],
        ..granted()
    }
}

fn kinds(flags: &[GrantFlag]) -> Vec<(&str, GrantFlagKind, u64)> {
    flags
        .iter()
        .map(|f| (f.item.as_str(), f.kind, f.version))
        .collect()
}

#[test]
fn the_version_granted_raises_no_flag() {
    let grant = grant_of_two();
    assert!(grant_flags(&grant, &version_1(), Some((1, &version_1()))).is_empty());
    assert_eq!(grant.deliverable_items(&[]), ["姓名", "出生日期"]);
}

#[test]
fn a_new_version_without_changes_to_granted_items_raises_no_flag() {
    let grant = grant_of_two();
    let mut v2 = version_1();
    v2.summary = "新的摘要".into();
    v2.items[0].description = "新的说明".into();
    // An item not granted may change freely.
    v2.items[1].length = 20;
    v2.items[1].share_type = ShareType::NotShared;
    assert!(grant_flags(&grant, &version_1(), Some((2, &v2))).is_empty());
}

#[test]
fn a_removed_item_is_flagged_and_not_delivered() {
    let grant = grant_of_two();
    let v2 = with_items(vec![
        item("姓名", DataType::C, 50, ShareType::Unconditional),
        item("公民身份号码", DataType::C, 18, ShareType::Unconditional),
    ]);
    let flags = grant_flags(&grant, &version_1(), Some((2, &v2)));
    assert_eq!(kinds(&flags), [("出生日期", GrantFlagKind::ItemRemoved, 2)]);
    assert!(flags[0].detail.contains("出生日期"), "{}", flags[0].detail);
    assert_eq!(grant.deliverable_items(&flags), ["姓名"]);
}

#[test]
fn a_retyped_item_is_flagged_by_data_type_or_length() {
    let grant = grant_of_two();
    let v2 = with_items(vec![
        item("姓名", DataType::C, 100, ShareType::Unconditional),
        item("公民身份号码", DataType::C, 18, ShareType::Unconditional),
        item("出生日期", DataType::T, 8, ShareType::Unconditional),
    ]);
    let flags = grant_flags(&grant, &version_1(), Some((3, &v2)));
    assert_eq!(
        kinds(&flags),
        [
            ("姓名", GrantFlagKind::ItemRetyped, 3),
            ("出生日期", GrantFlagKind::ItemRetyped, 3),
        ]
    );
    assert!(flags[0].detail.contains("C(50)"), "{}", flags[0].detail);
    assert!(flags[0].detail.contains("C(100)"), "{}", flags[0].detail);
    assert!(flags[1].detail.contains("D(8)"), "{}", flags[1].detail);
    assert!(flags[1].detail.contains("T(8)"), "{}", flags[1].detail);
    assert!(grant.deliverable_items(&flags).is_empty());
}

#[test]
fn an_item_made_not_shared_is_flagged_and_not_delivered() {
    let grant = grant_of_two();
    let mut v2 = version_1();
    v2.items[2].share_type = ShareType::NotShared;
    let flags = grant_flags(&grant, &version_1(), Some((2, &v2)));
    assert_eq!(
        kinds(&flags),
        [("出生日期", GrantFlagKind::ItemNotShared, 2)]
    );
    assert_eq!(grant.deliverable_items(&flags), ["姓名"]);
}

#[test]
fn an_item_made_conditional_is_not_flagged() {
    // The grant was decided; a stricter type for later requests does not undo it.
    let grant = grant_of_two();
    let mut v2 = version_1();
    v2.items[0].share_type = ShareType::Conditional;
    assert!(grant_flags(&grant, &version_1(), Some((2, &v2))).is_empty());
}

#[test]
fn a_revoked_entry_withdraws_the_whole_grant() {
    let grant = grant_of_two();
    let flags = grant_flags(&grant, &version_1(), None);
    assert_eq!(kinds(&flags), [("", GrantFlagKind::EntryWithdrawn, 1)]);
    assert!(grant.deliverable_items(&flags).is_empty());
}

#[test]
fn an_entry_made_not_shared_withdraws_the_whole_grant() {
    let grant = grant_of_two();
    let mut v2 = version_1();
    v2.sharing.share_type = ShareType::NotShared;
    v2.sharing.mode = None;
    v2.sharing.basis = "《政务数据共享条例》第十一条".into();
    for i in &mut v2.items {
        i.share_type = ShareType::NotShared;
    }
    let flags = grant_flags(&grant, &version_1(), Some((4, &v2)));
    assert_eq!(kinds(&flags), [("", GrantFlagKind::EntryWithdrawn, 4)]);
    assert!(flags[0].detail.contains("第十一条"), "{}", flags[0].detail);
    assert!(grant.deliverable_items(&flags).is_empty());
}

#[test]
fn an_item_added_later_is_never_delivered_under_an_old_grant() {
    let grant = grant_of_two();
    let mut v2 = version_1();
    v2.items
        .push(item("户籍地址", DataType::C, 200, ShareType::Unconditional));
    v2.sharing.mode = Some(ShareMode::PlatformDatabase);
    let flags = grant_flags(&grant, &version_1(), Some((2, &v2)));
    assert!(flags.is_empty());
    let delivered = grant.deliverable_items(&flags);
    assert_eq!(delivered, ["姓名", "出生日期"]);
    assert!(!delivered.iter().any(|i| i == "户籍地址"));
    // Even a grant of every item at the time does not grow with the entry.
    let whole = granted();
    let delivered = whole.deliverable_items(&grant_flags(&whole, &version_1(), Some((2, &v2))));
    assert_eq!(delivered, ["姓名", "公民身份号码", "出生日期"]);
}

#[test]
fn deliverable_items_drop_every_flagged_item() {
    let grant = granted();
    let flag = |item: &str, kind| GrantFlag {
        item: item.into(),
        kind,
        version: 2,
        detail: String::new(),
    };
    assert_eq!(
        grant.deliverable_items(&[
            flag("公民身份号码", GrantFlagKind::ItemRemoved),
            flag("出生日期", GrantFlagKind::ItemNotShared),
        ]),
        ["姓名"]
    );
    assert_eq!(
        grant.deliverable_items(&[flag("姓名", GrantFlagKind::ItemRetyped)]),
        ["公民身份号码", "出生日期"]
    );
    assert!(
        grant
            .deliverable_items(&[flag("", GrantFlagKind::EntryWithdrawn)])
            .is_empty()
    );
}

// --- numbers ---------------------------------------------------------------------------------

#[test]
fn numbers_read_as_six_digits_at_least() {
    assert_eq!(request_id(1).to_string(), "REQ-000001");
    assert_eq!(grant_id(42).to_string(), "GRT-000042");
    assert_eq!(request_id(999_999).to_string(), "REQ-999999");
    assert_eq!(request_id(1_000_000).to_string(), "REQ-1000000");
    assert_eq!(grant_id(12_345_678).to_string(), "GRT-12345678");
    assert_eq!(
        request_id(u64::MAX).to_string(),
        format!("REQ-{}", u64::MAX)
    );
}

#[test]
fn numbers_parse_back() {
    assert_eq!("REQ-000001".parse::<RequestId>(), Ok(request_id(1)));
    assert_eq!("GRT-000001".parse::<GrantId>(), Ok(grant_id(1)));
    assert_eq!(
        "REQ-1000000".parse::<RequestId>(),
        Ok(request_id(1_000_000))
    );
    assert_eq!(
        format!("GRT-{}", u64::MAX).parse::<GrantId>(),
        Ok(grant_id(u64::MAX))
    );
}

#[test]
fn malformed_numbers_are_refused() {
    for bad in [
        "REQ-1",
        "REQ-00001",
        "REQ-0000001",
        "REQ-0001000000",
        "REQ-000000",
        "REQ-0000000",
        "GRT-000001",
        "req-000001",
        "REQ000001",
        "REQ_000001",
        "REQ-",
        "",
        "000001",
        "REQ-00000a",
        "REQ-+00001",
        "REQ--00001",
        "REQ-000001-",
        "REQ-99999999999999999999",
    ] {
        assert!(bad.parse::<RequestId>().is_err(), "{bad:?} was accepted");
    }
    assert!("REQ-000001".parse::<GrantId>().is_err());
}

#[test]
fn the_refusal_names_the_value_and_the_expected_form() {
    let message = "REQ-0000001".parse::<RequestId>().unwrap_err().to_string();
    assert!(message.contains("REQ-0000001"), "{message}");
    assert!(message.contains("REQ-000001"), "{message}");
    assert!(message.contains("申请"), "{message}");
    let message = "GRT-1".parse::<GrantId>().unwrap_err().to_string();
    assert!(message.contains("GRT-1"), "{message}");
    assert!(message.contains("授权"), "{message}");
    let message = "GRT-000001".parse::<RequestId>().unwrap_err().to_string();
    assert!(message.contains("GRT-000001"), "{message}");
    assert!(
        message.contains("REQ-000001"),
        "names the form expected: {message}"
    );
    let text = "GRT-1".parse::<GrantId>().unwrap_err().text();
    assert_eq!(text.zh, "“GRT-1”不是有效的授权编号，应为 GRT-000001 的形式");
    assert_eq!(
        text.en,
        "\"GRT-1\" is not a grant number such as GRT-000001"
    );
}

#[test]
fn numbers_start_at_one_and_follow_each_other() {
    assert_eq!(RequestId::new(0), None);
    assert_eq!(GrantId::new(0), None);
    assert_eq!(request_id(1).get(), 1);
    assert_eq!(request_id(1).next(), request_id(2));
    assert_eq!(grant_id(999_999).next().to_string(), "GRT-1000000");
    assert!(request_id(2) > request_id(1));
    assert_eq!(RequestId::PREFIX, "REQ");
    assert_eq!(GrantId::PREFIX, "GRT");
}

proptest! {
    #[test]
    fn every_number_reads_back(n in 1u64..) {
        let request = request_id(n);
        prop_assert_eq!(request.to_string().parse::<RequestId>(), Ok(request));
        let grant = grant_id(n);
        prop_assert_eq!(grant.to_string().parse::<GrantId>(), Ok(grant));
        prop_assert!(request.to_string().parse::<GrantId>().is_err());
        prop_assert!(grant.to_string().parse::<RequestId>().is_err());
    }

    /// One number, one spelling: an extra leading zero is refused.
    #[test]
    fn a_padded_number_is_refused(n in 1u64..10_000_000_000) {
        let padded = format!("REQ-0{:06}", n);
        prop_assert!(padded.parse::<RequestId>().is_err(), "{} was accepted", padded);
    }

    /// A number is only ever spelled with at least six digits.
    #[test]
    fn short_numbers_are_refused(n in 1u64..100_000) {
        let short = format!("GRT-{n}");
        prop_assert!(short.parse::<GrantId>().is_err(), "{} was accepted", short);
    }

    /// Expiry and revocation as the clock moves: exactly one state at any instant.
    #[test]
    fn a_grant_s_state_follows_the_clock(
        valid_hours in 1i64..1000,
        revoked_after in proptest::option::of(0i64..2000),
        probe in -10i64..3000,
    ) {
        let mut grant = granted();
        grant.valid_until = now() + hours(valid_hours);
        grant.revoked_at = revoked_after.map(|h| now() + hours(h));
        let at = now() + hours(probe);
        let expected = match grant.revoked_at {
            Some(r) if at >= r => GrantState::Revoked,
            _ if at >= grant.valid_until => GrantState::Expired,
            _ => GrantState::Active,
        };
        prop_assert_eq!(grant.state_at(at), expected);
    }
}
