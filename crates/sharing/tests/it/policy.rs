//! The sharing rules of DOMAIN.md as `evaluate`, `review_decision` and `shareable_items`
//! apply them, at a fixed instant against the shipped China calendar (deploy/calendar/cn.toml).
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use govshare_model::testing::{sample_metadata, valid_credit_code};
use govshare_model::{
    CreditCode, DataType, EntryState, FieldReason, InfoItem, RequestState, ResourceCode,
    ResourceMetadata, ShareMode, ShareType, Violations,
};
use govshare_sharing::{
    Actor, DecisionInput, EntryView, NewRequest, RequestId, RequestInput, RequestRecord,
    SharingError, SharingPolicy, WorkingCalendar, evaluate, review_decision, shareable_items,
};
use proptest::prelude::*;

use ShareType::{Conditional, NotShared, Unconditional};

const BASIS: &str = "《中华人民共和国个人信息保护法》第二十八条";

fn calendar() -> WorkingCalendar {
    WorkingCalendar::from_toml(include_str!("../../../../deploy/calendar/cn.toml")).unwrap()
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// Thursday 24 September 2026, 10:00 in Beijing: the next day starts the 中秋 holiday and
/// 国庆 follows, so a deadline in working days is far from ten calendar days.
fn now() -> DateTime<Utc> {
    instant("2026-09-24T10:00:00+08:00")
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

fn item(name: &str, share_type: ShareType) -> InfoItem {
    InfoItem {
        name: name.to_owned(),
        data_type: DataType::C,
        length: 20,
        share_type,
        description: String::new(),
    }
}

/// The sample entry with these items; the entry's share type is the most open of theirs,
/// with the condition or basis that type requires.
fn metadata_with(items: &[(&str, ShareType)]) -> ResourceMetadata {
    let mut m = sample_metadata();
    m.provider_code = provider();
    m.items = items.iter().map(|(n, t)| item(n, *t)).collect();
    let entry = ShareType::most_open(items.iter().map(|(_, t)| *t)).unwrap();
    m.sharing.share_type = entry;
    match entry {
        Unconditional => {
            m.sharing.condition = String::new();
            m.sharing.mode = Some(ShareMode::PlatformInterface);
        }
        Conditional => {
            m.sharing.condition = "仅限履行法定职责的部门用于身份核验".into();
            m.sharing.mode = Some(ShareMode::PlatformInterface);
        }
        NotShared => {
            m.sharing.condition = String::new();
            m.sharing.mode = None;
            m.sharing.basis = BASIS.into();
        }
    }
    m
}

/// Every item of the entry of this type.
fn metadata_of(share_type: ShareType) -> ResourceMetadata {
    metadata_with(&[
        ("姓名", share_type),
        ("公民身份号码", share_type),
        ("出生日期", share_type),
    ])
}

/// 姓名 and 出生日期 unconditional, 公民身份号码 conditional, 内部编号 not shared.
fn mixed() -> ResourceMetadata {
    metadata_with(&[
        ("姓名", Unconditional),
        ("公民身份号码", Conditional),
        ("出生日期", Unconditional),
        ("内部编号", NotShared),
    ])
}

struct Entry {
    code: ResourceCode,
    provider: CreditCode,
    state: EntryState,
    version: u64,
    metadata: Option<ResourceMetadata>,
}

impl Entry {
    fn published(version: u64, metadata: ResourceMetadata) -> Self {
        Entry {
            code: code(),
            provider: provider(),
            state: EntryState::Published,
            version,
            metadata: Some(metadata),
        }
    }

    fn view(&self) -> EntryView<'_> {
        EntryView {
            code: &self.code,
            provider_code: &self.provider,
            state: self.state,
            published: self.metadata.as_ref().map(|m| (self.version, m)),
        }
    }
}

fn input(items: &[&str]) -> RequestInput {
    RequestInput {
        items: items.iter().map(|s| (*s).to_owned()).collect(),
        purpose: "办理户籍迁移业务时核验申请人身份".into(),
        use_scope: "本部门政务服务窗口".into(),
        business_system: "一网通办受理系统".into(),
        requested_until: None,
    }
}

fn ask(entry: &Entry, input: &RequestInput) -> Result<NewRequest, SharingError> {
    ask_with(&SharingPolicy::default(), entry, input)
}

fn ask_with(
    policy: &SharingPolicy,
    entry: &Entry,
    input: &RequestInput,
) -> Result<NewRequest, SharingError> {
    evaluate(
        policy,
        &calendar(),
        &requester(),
        &entry.view(),
        input,
        requester_actor(),
        now(),
    )
}

fn violations(outcome: Result<NewRequest, SharingError>) -> Violations {
    match outcome {
        Err(SharingError::Invalid(v)) => v,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn fields(v: &Violations) -> Vec<&str> {
    v.iter().map(|f| f.field.as_str()).collect()
}

fn reasons(v: &Violations) -> Vec<FieldReason> {
    v.iter().map(|f| f.reason).collect()
}

/// Every violation explains itself in Chinese and in English, each on its own.
fn assert_bilingual(v: &Violations) {
    for f in v {
        let (zh, en) = (&f.text.zh, &f.text.en);
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{f}: no Chinese in {zh:?}"
        );
        assert!(
            en.starts_with(|c: char| c.is_ascii_alphabetic() || c == '"'),
            "{f}: English {en:?}"
        );
        assert!(!zh.contains(en.as_str()), "{f}: fused {zh:?}");
    }
}

fn names(items: &[String]) -> Vec<&str> {
    items.iter().map(String::as_str).collect()
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

// --- evaluate: what happens to a request -------------------------------------------------

#[test]
fn an_unconditional_request_is_granted_at_once_for_the_default_period() {
    let entry = Entry::published(3, metadata_of(Unconditional));
    let new = ask(&entry, &input(&[])).unwrap();
    assert_eq!(new.share_type, Unconditional);
    assert_eq!(new.due_at, None, "nothing is due from the provider");
    assert_eq!(new.grant_until, Some(now() + days(365)));
    assert_eq!(new.requested_until, None);
    assert_eq!(new.entry_code, code());
    assert_eq!(new.entry_version, 3);
    assert_eq!(new.provider_code, provider());
    assert_eq!(new.requester_code, requester());
    assert_eq!(new.submitted_at, now());
    assert_eq!(new.actor, requester_actor());
    assert_eq!(new.purpose, "办理户籍迁移业务时核验申请人身份");
    assert_eq!(new.use_scope, "本部门政务服务窗口");
    assert_eq!(new.business_system, "一网通办受理系统");
}

#[test]
fn a_conditional_request_is_due_from_the_provider_in_working_days() {
    let entry = Entry::published(1, metadata_of(Conditional));
    let new = ask(&entry, &input(&["姓名"])).unwrap();
    assert_eq!(new.share_type, Conditional);
    assert_eq!(
        new.grant_until, None,
        "nothing is granted before the provider answers"
    );
    assert_eq!(new.due_at, Some(calendar().deadline(now(), 10)));
    // 中秋 (25–27 Sep) and 国庆 (1–7 Oct) do not count; Saturday 10 Oct is a make-up day.
    assert_eq!(new.due_at, Some(instant("2026-10-15T23:59:59+08:00")));
}

#[test]
fn the_answer_period_is_the_policy_s() {
    let policy = SharingPolicy {
        answer_working_days: 5,
        ..SharingPolicy::default()
    };
    let entry = Entry::published(1, metadata_of(Conditional));
    let new = ask_with(&policy, &entry, &input(&[])).unwrap();
    assert_eq!(new.due_at, Some(calendar().deadline(now(), 5)));
    assert_eq!(new.due_at, Some(instant("2026-10-09T23:59:59+08:00")));
}

#[test]
fn one_conditional_item_makes_a_request_of_an_unconditional_entry_conditional() {
    let entry = Entry::published(1, mixed());
    assert_eq!(
        entry.metadata.as_ref().unwrap().sharing.share_type,
        Unconditional
    );
    let new = ask(&entry, &input(&["姓名", "公民身份号码"])).unwrap();
    assert_eq!(new.share_type, Conditional);
    assert_eq!(new.due_at, Some(calendar().deadline(now(), 10)));
    assert_eq!(new.grant_until, None);
}

#[test]
fn the_unconditional_items_of_a_mixed_entry_are_granted_at_once() {
    let entry = Entry::published(1, mixed());
    let new = ask(&entry, &input(&["出生日期", "姓名"])).unwrap();
    assert_eq!(new.share_type, Unconditional);
    assert_eq!(names(&new.items), ["姓名", "出生日期"]);
    assert_eq!(new.due_at, None);
    assert_eq!(new.grant_until, Some(now() + days(365)));
}

#[test]
fn every_shareable_item_of_a_mixed_entry_is_conditional() {
    let entry = Entry::published(1, mixed());
    let new = ask(&entry, &input(&[])).unwrap();
    assert_eq!(names(&new.items), ["姓名", "公民身份号码", "出生日期"]);
    assert_eq!(new.share_type, Conditional);
    assert!(new.due_at.is_some());
}

// --- evaluate: entries that cannot be requested ------------------------------------------

#[test]
fn a_not_shared_entry_is_refused_with_its_basis() {
    let entry = Entry::published(1, metadata_of(NotShared));
    let outcome = ask(&entry, &input(&[]));
    assert_eq!(
        outcome,
        Err(SharingError::NotShared {
            code: code(),
            basis: BASIS.into(),
        })
    );
    let message = outcome.unwrap_err().to_string();
    assert!(message.contains(BASIS), "{message}");
    assert!(message.contains("101001/000001"), "{message}");
}

#[test]
fn an_entry_never_published_is_unavailable() {
    for state in [
        EntryState::Draft,
        EntryState::PendingPublish,
        EntryState::PublishRejected,
    ] {
        let entry = Entry {
            state,
            metadata: None,
            ..Entry::published(1, metadata_of(Unconditional))
        };
        assert_eq!(
            ask(&entry, &input(&[])),
            Err(SharingError::EntryUnavailable {
                code: code(),
                state
            }),
            "{state:?}"
        );
    }
}

#[test]
fn a_revoked_entry_is_unavailable() {
    let entry = Entry {
        state: EntryState::Revoked,
        ..Entry::published(2, metadata_of(Unconditional))
    };
    let outcome = ask(&entry, &input(&[]));
    assert_eq!(
        outcome,
        Err(SharingError::EntryUnavailable {
            code: code(),
            state: EntryState::Revoked,
        })
    );
    assert!(outcome.unwrap_err().to_string().contains("已撤销"));
}

#[test]
fn an_entry_being_edited_or_pending_revocation_serves_its_published_version() {
    for state in [EntryState::PendingPublish, EntryState::PendingRevoke] {
        let entry = Entry {
            state,
            ..Entry::published(2, metadata_of(Unconditional))
        };
        let new = ask(&entry, &input(&[])).unwrap();
        assert_eq!(new.entry_version, 2, "{state:?}");
    }
}

#[test]
fn a_department_does_not_request_its_own_entry() {
    let entry = Entry {
        provider: requester(),
        ..Entry::published(1, metadata_of(Unconditional))
    };
    assert_eq!(
        ask(&entry, &input(&[])),
        Err(SharingError::OwnEntry { code: code() })
    );
}

// --- evaluate: bad input -----------------------------------------------------------------

#[test]
fn unknown_not_shared_and_duplicate_items_are_reported_by_position() {
    let entry = Entry::published(1, mixed());
    let v = violations(ask(
        &entry,
        &input(&["姓名", "户籍地址", "内部编号", "姓名", "出生日期"]),
    ));
    assert_eq!(fields(&v), ["items[1]", "items[2]", "items[3]"], "{v}");
    let text = |field: &str| v.on(field).next().unwrap().description();
    assert!(text("items[1]").contains("户籍地址"), "{v}");
    assert!(
        text("items[1]").contains("公民身份号码"),
        "lists the items there are: {v}"
    );
    assert!(text("items[2]").contains("不予共享"), "{v}");
    assert!(text("items[3]").contains("重复"), "{v}");
    use FieldReason::{Duplicate, NotAllowed};
    assert_eq!(reasons(&v), [NotAllowed, NotAllowed, Duplicate], "{v}");
    assert_bilingual(&v);
}

#[test]
fn a_not_shared_item_is_refused_with_the_entry_s_basis() {
    let mut m = mixed();
    m.sharing.basis = BASIS.into();
    let entry = Entry::published(1, m);
    let v = violations(ask(&entry, &input(&["内部编号"])));
    assert_eq!(fields(&v), ["items[0]"]);
    let f = &v.0[0];
    assert_eq!(f.reason, FieldReason::NotAllowed);
    assert_eq!(
        f.text.zh,
        format!("信息项“内部编号”为不予共享，不能申请。依据：{BASIS}")
    );
    assert_eq!(
        f.text.en,
        "item \"内部编号\" is not shared and cannot be requested"
    );
}

#[test]
fn an_entry_without_a_shareable_item_is_refused_on_items() {
    let mut m = metadata_of(Conditional);
    for item in &mut m.items {
        item.share_type = NotShared;
    }
    let v = violations(ask(&Entry::published(1, m), &input(&[])));
    assert_eq!(fields(&v), ["items"], "{v}");
    assert_eq!(reasons(&v), [FieldReason::NotAllowed], "{v}");
    assert_bilingual(&v);
}

#[test]
fn item_names_are_trimmed() {
    let entry = Entry::published(1, metadata_of(Unconditional));
    let new = ask(&entry, &input(&[" 出生日期 ", "姓名\t"])).unwrap();
    assert_eq!(names(&new.items), ["姓名", "出生日期"]);
    // A trimmed duplicate is still a duplicate.
    let v = violations(ask(&entry, &input(&["姓名", " 姓名 "])));
    assert_eq!(fields(&v), ["items[1]"]);
}

#[test]
fn blank_texts_are_all_reported_at_once() {
    let entry = Entry::published(1, metadata_of(Conditional));
    let v = violations(ask(
        &entry,
        &RequestInput {
            purpose: "  ".into(),
            use_scope: String::new(),
            business_system: "\n".into(),
            ..input(&[])
        },
    ));
    assert_eq!(
        fields(&v),
        ["purpose", "use_scope", "business_system"],
        "{v}"
    );
    assert_eq!(reasons(&v), [FieldReason::Required; 3], "{v}");
    assert_eq!(v.0[1].text.zh, "使用范围不能为空");
    assert_eq!(v.0[1].text.en, "use scope is required");
}

#[test]
fn texts_too_long_are_all_reported_at_once() {
    let entry = Entry::published(1, metadata_of(Conditional));
    let v = violations(ask(
        &entry,
        &RequestInput {
            purpose: "事".repeat(2001),
            use_scope: "围".repeat(1001),
            business_system: "统".repeat(201),
            ..input(&[])
        },
    ));
    assert_eq!(
        fields(&v),
        ["purpose", "use_scope", "business_system"],
        "{v}"
    );
    assert_eq!(reasons(&v), [FieldReason::TooLong; 3], "{v}");
    assert!(
        v.on("purpose")
            .next()
            .unwrap()
            .description()
            .contains("2000")
    );
    assert!(
        v.on("use_scope")
            .next()
            .unwrap()
            .description()
            .contains("1000")
    );
    assert!(
        v.on("business_system")
            .next()
            .unwrap()
            .description()
            .contains("200")
    );
}

#[test]
fn texts_at_their_limit_in_characters_are_accepted_and_trimmed() {
    let entry = Entry::published(1, metadata_of(Conditional));
    let new = ask(
        &entry,
        &RequestInput {
            purpose: format!(" {} ", "事".repeat(2000)),
            use_scope: format!("{}\n", "围".repeat(1000)),
            business_system: format!("\t{}", "统".repeat(200)),
            ..input(&[])
        },
    )
    .unwrap();
    assert_eq!(new.purpose, "事".repeat(2000));
    assert_eq!(new.use_scope, "围".repeat(1000));
    assert_eq!(new.business_system, "统".repeat(200));
}

#[test]
fn every_wrong_field_is_reported_at_once() {
    let entry = Entry::published(1, mixed());
    let v = violations(ask(
        &entry,
        &RequestInput {
            items: vec!["姓名".into(), "无此项".into()],
            purpose: String::new(),
            use_scope: "围".repeat(1001),
            business_system: " ".into(),
            requested_until: Some(now() - days(1)),
        },
    ));
    assert_eq!(
        fields(&v),
        [
            "purpose",
            "use_scope",
            "business_system",
            "items[1]",
            "requested_until"
        ],
        "{v}"
    );
    use FieldReason::*;
    assert_eq!(
        reasons(&v),
        [Required, TooLong, Required, NotAllowed, OutOfRange],
        "{v}"
    );
    assert_bilingual(&v);
}

// --- evaluate: the grant period ----------------------------------------------------------

#[test]
fn a_requested_end_in_the_past_or_now_is_refused() {
    let entry = Entry::published(1, metadata_of(Unconditional));
    for until in [now() - days(1), now()] {
        let v = violations(ask(
            &entry,
            &RequestInput {
                requested_until: Some(until),
                ..input(&[])
            },
        ));
        assert_eq!(fields(&v), ["requested_until"], "{until}: {v}");
        assert_eq!(reasons(&v), [FieldReason::OutOfRange], "{v}");
    }
}

#[test]
fn a_requested_end_beyond_the_longest_grant_is_refused() {
    let entry = Entry::published(1, metadata_of(Unconditional));
    let latest = now() + days(3 * 365);
    let v = violations(ask(
        &entry,
        &RequestInput {
            requested_until: Some(latest + Duration::seconds(1)),
            ..input(&[])
        },
    ));
    assert_eq!(fields(&v), ["requested_until"], "{v}");
    assert_eq!(reasons(&v), [FieldReason::OutOfRange], "{v}");
    assert!(v.0[0].text.zh.contains("1095"), "{v}");
    assert!(v.0[0].text.en.contains("1095"), "{v}");
    assert_bilingual(&v);

    let new = ask(
        &entry,
        &RequestInput {
            requested_until: Some(latest),
            ..input(&[])
        },
    )
    .unwrap();
    assert_eq!(
        new.grant_until,
        Some(latest),
        "the longest grant itself is accepted"
    );
}

#[test]
fn the_longest_grant_is_the_policy_s() {
    let policy = SharingPolicy {
        max_grant_days: 30,
        default_grant_days: 10,
        ..SharingPolicy::default()
    };
    let entry = Entry::published(1, metadata_of(Unconditional));
    let v = violations(ask_with(
        &policy,
        &entry,
        &RequestInput {
            requested_until: Some(now() + days(31)),
            ..input(&[])
        },
    ));
    assert_eq!(fields(&v), ["requested_until"]);
    let new = ask_with(&policy, &entry, &input(&[])).unwrap();
    assert_eq!(
        new.grant_until,
        Some(now() + days(10)),
        "the policy's default period"
    );
}

#[test]
fn a_requested_end_is_the_grant_s_end_and_is_kept_on_the_request() {
    let until = now() + days(90);
    let unconditional = Entry::published(1, metadata_of(Unconditional));
    let asked = RequestInput {
        requested_until: Some(until),
        ..input(&[])
    };
    let new = ask(&unconditional, &asked).unwrap();
    assert_eq!(
        (new.grant_until, new.requested_until),
        (Some(until), Some(until))
    );

    let conditional = Entry::published(1, metadata_of(Conditional));
    let new = ask(&conditional, &asked).unwrap();
    assert_eq!((new.grant_until, new.requested_until), (None, Some(until)));
}

// --- evaluate: which items ---------------------------------------------------------------

#[test]
fn no_items_asks_for_every_shareable_item_in_the_entry_s_order() {
    let entry = Entry::published(1, mixed());
    let new = ask(&entry, &input(&[])).unwrap();
    assert_eq!(names(&new.items), shareable_items(&mixed()));
    assert!(!new.items.iter().any(|i| i == "内部编号"));
}

#[test]
fn items_come_back_in_the_entry_s_order_whatever_order_they_were_asked_in() {
    let entry = Entry::published(1, metadata_of(Conditional));
    for asked in [
        ["出生日期", "姓名", "公民身份号码"],
        ["公民身份号码", "出生日期", "姓名"],
        ["姓名", "公民身份号码", "出生日期"],
    ] {
        let new = ask(&entry, &input(&asked)).unwrap();
        assert_eq!(names(&new.items), ["姓名", "公民身份号码", "出生日期"]);
    }
    let new = ask(&entry, &input(&["出生日期", "姓名"])).unwrap();
    assert_eq!(names(&new.items), ["姓名", "出生日期"]);
}

#[test]
fn shareable_items_leave_out_not_shared_ones_in_the_entry_s_order() {
    assert_eq!(
        shareable_items(&mixed()),
        ["姓名", "公民身份号码", "出生日期"]
    );
    assert_eq!(
        shareable_items(&sample_metadata()),
        ["姓名", "公民身份号码", "出生日期"]
    );
    assert!(shareable_items(&metadata_of(NotShared)).is_empty());
    let m = metadata_with(&[
        ("甲", NotShared),
        ("乙", Conditional),
        ("丙", NotShared),
        ("丁", Unconditional),
    ]);
    assert_eq!(shareable_items(&m), ["乙", "丁"]);
}

// --- review_decision ----------------------------------------------------------------------

/// A request submitted a day before [`now`] for `asked` of a version 1 entry of `metadata`.
fn pending_request(
    metadata: ResourceMetadata,
    asked: &[&str],
    requested_until: Option<DateTime<Utc>>,
) -> RequestRecord {
    let entry = Entry::published(1, metadata);
    let new = evaluate(
        &SharingPolicy::default(),
        &calendar(),
        &requester(),
        &entry.view(),
        &RequestInput {
            requested_until,
            ..input(asked)
        },
        requester_actor(),
        now() - days(1),
    )
    .unwrap();
    assert!(
        new.due_at.is_some(),
        "a conditional request waits for the provider"
    );
    let (request, grant) =
        RequestRecord::submit(RequestId::new(7).unwrap(), new, || panic!("no grant"));
    assert!(grant.is_none());
    request
}

fn decide(
    request: &RequestRecord,
    entry: &Entry,
    input: &DecisionInput,
) -> Result<govshare_sharing::Decision, SharingError> {
    decide_with(&SharingPolicy::default(), request, entry, input)
}

fn decide_with(
    policy: &SharingPolicy,
    request: &RequestRecord,
    entry: &Entry,
    input: &DecisionInput,
) -> Result<govshare_sharing::Decision, SharingError> {
    review_decision(policy, request, &entry.view(), input, approver(), now())
}

fn approve(items: &[&str], valid_until: Option<DateTime<Utc>>) -> DecisionInput {
    DecisionInput {
        approve: true,
        reason: "同意，仅限申请事由范围内使用".into(),
        items: items.iter().map(|s| (*s).to_owned()).collect(),
        valid_until,
    }
}

fn refuse(reason: &str) -> DecisionInput {
    DecisionInput {
        approve: false,
        reason: reason.into(),
        ..DecisionInput::default()
    }
}

fn decision_violations(outcome: Result<govshare_sharing::Decision, SharingError>) -> Violations {
    match outcome {
        Err(SharingError::Invalid(v)) => v,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn a_refusal_needs_a_reason() {
    let request = pending_request(metadata_of(Conditional), &[], None);
    let entry = Entry::published(1, metadata_of(Conditional));
    for reason in ["", "   ", "\n\t"] {
        let v = decision_violations(decide(&request, &entry, &refuse(reason)));
        assert_eq!(fields(&v), ["reason"], "{reason:?}: {v}");
        assert_eq!(reasons(&v), [FieldReason::Required], "{v}");
        assert_bilingual(&v);
    }
}

#[test]
fn a_refusal_keeps_its_reason_trimmed() {
    let request = pending_request(metadata_of(Conditional), &[], None);
    let entry = Entry::published(1, metadata_of(Conditional));
    let decision = decide(&request, &entry, &refuse("  申请事由与本部门职责无关 \n")).unwrap();
    assert!(!decision.approve);
    assert_eq!(decision.reason, "申请事由与本部门职责无关");
    assert!(decision.items.is_empty());
    assert_eq!(decision.entry_version, request.entry_version);
    assert_eq!(decision.actor, approver());
    assert_eq!(decision.at, now());
}

#[test]
fn a_reason_too_long_is_refused() {
    let request = pending_request(metadata_of(Conditional), &[], None);
    let entry = Entry::published(1, metadata_of(Conditional));
    let v = decision_violations(decide(&request, &entry, &refuse(&"理".repeat(2001))));
    assert_eq!(fields(&v), ["reason"]);
    assert_eq!(reasons(&v), [FieldReason::TooLong], "{v}");
    assert_eq!(v.0[0].text.zh, "理由不能超过 2000 个字符");
    assert_eq!(v.0[0].text.en, "reason is longer than 2000 characters");
    let v = decision_violations(decide(
        &request,
        &entry,
        &DecisionInput {
            reason: "理".repeat(2001),
            ..approve(&[], None)
        },
    ));
    assert_eq!(fields(&v), ["reason"]);
    assert!(decide(&request, &entry, &refuse(&"理".repeat(2000))).is_ok());
}

#[test]
fn a_refusal_needs_no_available_entry() {
    // The provider may still refuse a request whose entry was revoked meanwhile.
    let request = pending_request(metadata_of(Conditional), &[], None);
    let entry = Entry {
        state: EntryState::Revoked,
        ..Entry::published(1, metadata_of(Conditional))
    };
    let decision = decide(&request, &entry, &refuse("资源已撤销")).unwrap();
    assert!(!decision.approve);
}

#[test]
fn an_approval_grants_every_requested_item_until_the_requested_end() {
    let until = now() + days(100);
    let request = pending_request(metadata_of(Conditional), &["出生日期", "姓名"], Some(until));
    let entry = Entry::published(1, metadata_of(Conditional));
    let decision = decide(&request, &entry, &approve(&[], None)).unwrap();
    assert!(decision.approve);
    assert_eq!(names(&decision.items), ["姓名", "出生日期"]);
    assert_eq!(decision.valid_until, until);
    assert_eq!(decision.entry_version, 1);
    assert_eq!(decision.reason, "同意，仅限申请事由范围内使用");
    assert_eq!((decision.actor, decision.at), (approver(), now()));
}

#[test]
fn an_approval_without_a_requested_end_lasts_the_default_period_from_the_decision() {
    let request = pending_request(metadata_of(Conditional), &[], None);
    let entry = Entry::published(1, metadata_of(Conditional));
    let decision = decide(&request, &entry, &approve(&[], None)).unwrap();
    assert_eq!(decision.valid_until, now() + days(365));
}

#[test]
fn an_approval_may_narrow_the_items_keeping_the_entry_s_order() {
    let request = pending_request(metadata_of(Conditional), &[], None);
    let entry = Entry::published(1, metadata_of(Conditional));
    let decision = decide(&request, &entry, &approve(&["出生日期", " 姓名 "], None)).unwrap();
    assert_eq!(names(&decision.items), ["姓名", "出生日期"]);
    let decision = decide(&request, &entry, &approve(&["公民身份号码"], None)).unwrap();
    assert_eq!(names(&decision.items), ["公民身份号码"]);
}

#[test]
fn an_approval_may_not_widen_the_items() {
    let request = pending_request(metadata_of(Conditional), &["姓名"], None);
    let entry = Entry::published(1, metadata_of(Conditional));
    let v = decision_violations(decide(
        &request,
        &entry,
        &approve(&["姓名", "出生日期"], None),
    ));
    assert_eq!(fields(&v), ["items[1]"], "{v}");
    assert!(v.iter().next().unwrap().description().contains("出生日期"));
    assert_eq!(reasons(&v), [FieldReason::NotAllowed], "{v}");
    assert_bilingual(&v);
}

#[test]
fn an_approval_may_not_list_an_item_twice() {
    let request = pending_request(metadata_of(Conditional), &[], None);
    let entry = Entry::published(1, metadata_of(Conditional));
    let v = decision_violations(decide(
        &request,
        &entry,
        &approve(&["姓名", "出生日期", "姓名"], None),
    ));
    assert_eq!(fields(&v), ["items[2]"], "{v}");
    assert_eq!(reasons(&v), [FieldReason::Duplicate], "{v}");
    assert_eq!(v.0[0].text.zh, "信息项“姓名”重复");
    assert_eq!(v.0[0].text.en, "item \"姓名\" is listed twice");
}

/// Version 2 of the conditional entry: 出生日期 removed, 公民身份号码 made 不予共享.
fn narrowed_version() -> ResourceMetadata {
    metadata_with(&[("姓名", Conditional), ("公民身份号码", NotShared)])
}

#[test]
fn an_approval_refuses_items_the_current_version_no_longer_shares() {
    let request = pending_request(metadata_of(Conditional), &[], None);
    let entry = Entry::published(2, narrowed_version());
    // Named by the approver: reported by position.
    let v = decision_violations(decide(
        &request,
        &entry,
        &approve(&["姓名", "公民身份号码", "出生日期"], None),
    ));
    assert_eq!(fields(&v), ["items[1]", "items[2]"], "{v}");
    assert!(
        v.on("items[1]")
            .next()
            .unwrap()
            .description()
            .contains("不予共享")
    );
    assert!(
        v.on("items[2]")
            .next()
            .unwrap()
            .description()
            .contains("出生日期")
    );
    // Every requested item, implicitly: reported on `items`.
    let v = decision_violations(decide(&request, &entry, &approve(&[], None)));
    assert_eq!(fields(&v), ["items", "items"], "{v}");
    assert_eq!(reasons(&v), [FieldReason::NotAllowed; 2], "{v}");
    assert_bilingual(&v);
    // What the current version still shares may be granted, against that version.
    let decision = decide(&request, &entry, &approve(&["姓名"], None)).unwrap();
    assert_eq!(names(&decision.items), ["姓名"]);
    assert_eq!(decision.entry_version, 2);
}

#[test]
fn an_approval_refuses_an_entry_revoked_or_no_longer_shared() {
    let request = pending_request(metadata_of(Conditional), &[], None);
    let revoked = Entry {
        state: EntryState::Revoked,
        ..Entry::published(1, metadata_of(Conditional))
    };
    assert_eq!(
        decide(&request, &revoked, &approve(&[], None)),
        Err(SharingError::EntryUnavailable {
            code: code(),
            state: EntryState::Revoked,
        })
    );
    let not_shared = Entry::published(2, metadata_of(NotShared));
    assert_eq!(
        decide(&request, &not_shared, &approve(&[], None)),
        Err(SharingError::NotShared {
            code: code(),
            basis: BASIS.into(),
        })
    );
}

#[test]
fn the_granted_end_must_be_in_the_future() {
    let request = pending_request(metadata_of(Conditional), &[], None);
    let entry = Entry::published(1, metadata_of(Conditional));
    for until in [now(), now() - Duration::seconds(1)] {
        let v = decision_violations(decide(&request, &entry, &approve(&[], Some(until))));
        assert_eq!(fields(&v), ["valid_until"], "{until}: {v}");
        assert_eq!(reasons(&v), [FieldReason::OutOfRange], "{v}");
        assert_bilingual(&v);
    }
}

#[test]
fn the_granted_end_may_shorten_but_not_extend_the_requested_one() {
    let requested = now() + days(100);
    let request = pending_request(metadata_of(Conditional), &[], Some(requested));
    let entry = Entry::published(1, metadata_of(Conditional));
    let shorter = now() + days(30);
    let decision = decide(&request, &entry, &approve(&[], Some(shorter))).unwrap();
    assert_eq!(decision.valid_until, shorter);
    let decision = decide(&request, &entry, &approve(&[], Some(requested))).unwrap();
    assert_eq!(decision.valid_until, requested);
    let v = decision_violations(decide(
        &request,
        &entry,
        &approve(&[], Some(requested + Duration::seconds(1))),
    ));
    assert_eq!(fields(&v), ["valid_until"], "{v}");
    assert_eq!(reasons(&v), [FieldReason::OutOfRange], "{v}");
    assert_bilingual(&v);
}

#[test]
fn without_a_requested_end_the_granted_end_is_at_most_the_default_period() {
    let request = pending_request(metadata_of(Conditional), &[], None);
    let entry = Entry::published(1, metadata_of(Conditional));
    let latest = now() + days(365);
    assert_eq!(
        decide(&request, &entry, &approve(&[], Some(latest)))
            .unwrap()
            .valid_until,
        latest
    );
    let v = decision_violations(decide(
        &request,
        &entry,
        &approve(&[], Some(latest + Duration::seconds(1))),
    ));
    assert_eq!(fields(&v), ["valid_until"], "{v}");
}

#[test]
fn the_granted_end_is_capped_by_the_longest_grant() {
    // Requested under a 3-year policy; decided after the province shortened it to 200 days.
    let requested = now() + days(1000);
    let request = pending_request(metadata_of(Conditional), &[], Some(requested));
    let entry = Entry::published(1, metadata_of(Conditional));
    let policy = SharingPolicy {
        default_grant_days: 100,
        max_grant_days: 200,
        ..SharingPolicy::default()
    };
    let decision = decide_with(&policy, &request, &entry, &approve(&[], None)).unwrap();
    assert_eq!(decision.valid_until, now() + days(200));
    let v = decision_violations(decide_with(
        &policy,
        &request,
        &entry,
        &approve(&[], Some(now() + days(201))),
    ));
    assert_eq!(fields(&v), ["valid_until"], "{v}");
}

#[test]
fn a_requested_end_that_passed_before_the_decision_must_be_asked_again() {
    let request = pending_request(
        metadata_of(Conditional),
        &[],
        Some(now() - Duration::hours(1)),
    );
    let entry = Entry::published(1, metadata_of(Conditional));
    let v = decision_violations(decide(&request, &entry, &approve(&[], None)));
    assert_eq!(fields(&v), ["valid_until"], "{v}");
    assert_eq!(reasons(&v), [FieldReason::OutOfRange], "{v}");
    assert_bilingual(&v);
}

#[test]
fn a_decided_request_is_not_pending() {
    let entry = Entry::published(1, metadata_of(Conditional));
    let pending = pending_request(metadata_of(Conditional), &[], None);
    for state in [
        RequestState::Approved,
        RequestState::Rejected,
        RequestState::Withdrawn,
    ] {
        let request = RequestRecord {
            state,
            ..pending.clone()
        };
        for input in [approve(&[], None), refuse("不同意")] {
            let outcome = decide(&request, &entry, &input);
            assert!(
                matches!(
                    outcome,
                    Err(SharingError::RequestNotPending { id, state: s, .. })
                        if id == request.id && s == state
                ),
                "{state:?}: {outcome:?}"
            );
        }
    }
}

// --- properties ----------------------------------------------------------------------------

fn share_type() -> impl Strategy<Value = ShareType> {
    prop_oneof![Just(Unconditional), Just(Conditional), Just(NotShared)]
}

const NAMES: [&str; 6] = ["甲", "乙", "丙", "丁", "戊", "己"];

proptest! {
    /// Whatever is asked, an accepted request holds only shareable items of the entry, once
    /// each, in the entry's order, and is granted at once exactly when all are unconditional.
    #[test]
    fn evaluate_never_returns_items_outside_the_shareable_ones(
        types in prop::collection::vec(share_type(), 1..=5),
        asked in prop::collection::vec(0usize..NAMES.len(), 0..6),
    ) {
        let items: Vec<(&str, ShareType)> =
            NAMES.iter().copied().zip(types.iter().copied()).collect();
        let metadata = metadata_with(&items);
        let entry = Entry::published(1, metadata.clone());
        let asked: Vec<&str> = asked.iter().map(|i| NAMES[*i]).collect();
        let outcome = ask(&entry, &input(&asked));
        let shareable = shareable_items(&metadata);
        if metadata.sharing.share_type == NotShared {
            let refused = matches!(outcome, Err(SharingError::NotShared { .. }));
            prop_assert!(refused);
            return Ok(());
        }
        let mut distinct = asked.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let acceptable = distinct.len() == asked.len()
            && asked.iter().all(|a| shareable.iter().any(|s| s == a));
        match outcome {
            Ok(new) => {
                prop_assert!(acceptable, "accepted {asked:?} of {items:?}");
                let expected: Vec<String> = if asked.is_empty() {
                    shareable.clone()
                } else {
                    shareable.iter().filter(|s| asked.contains(&s.as_str())).cloned().collect()
                };
                prop_assert_eq!(&new.items, &expected);
                let unconditional = new.items.iter().all(|n| {
                    metadata.items.iter().any(|i| &i.name == n && i.share_type == Unconditional)
                });
                prop_assert_eq!(new.share_type == Unconditional, unconditional);
                prop_assert_eq!(new.grant_until.is_some(), unconditional);
                prop_assert_eq!(new.due_at.is_some(), !unconditional);
            }
            Err(SharingError::Invalid(v)) => {
                prop_assert!(!acceptable, "refused {asked:?} of {items:?}: {v}");
                prop_assert!(v.iter().all(|f| f.field.starts_with("items[")), "{v}");
            }
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    /// An approval grants a subset of the requested items, in their order.
    #[test]
    fn an_approval_grants_only_requested_items(
        picked in prop::collection::vec(0usize..3, 0..4),
    ) {
        let all = ["姓名", "公民身份号码", "出生日期"];
        let request = pending_request(metadata_of(Conditional), &["姓名", "出生日期"], None);
        let entry = Entry::published(1, metadata_of(Conditional));
        let picked: Vec<&str> = picked.iter().map(|i| all[*i]).collect();
        if let Ok(decision) = decide(&request, &entry, &approve(&picked, None)) {
            prop_assert!(decision.items.iter().all(|i| request.items.contains(i)));
            let positions: Vec<usize> = decision
                .items
                .iter()
                .map(|i| request.items.iter().position(|r| r == i).unwrap())
                .collect();
            prop_assert!(positions.windows(2).all(|w| w[0] < w[1]));
            if picked.is_empty() {
                prop_assert_eq!(&decision.items, &request.items);
            }
        } else {
            let mut distinct = picked.clone();
            distinct.sort_unstable();
            distinct.dedup();
            let duplicated = distinct.len() != picked.len();
            prop_assert!(picked.contains(&"公民身份号码") || duplicated);
        }
    }
}

// --- bounds -------------------------------------------------------------------------------

#[test]
fn a_request_naming_more_items_than_an_entry_may_have_is_refused_on_the_count_alone() {
    let entry = Entry::published(1, metadata_of(Unconditional));
    let names: Vec<String> = (0..100_000).map(|i| format!("项{}", i % 7)).collect();
    let v = violations(ask(
        &entry,
        &RequestInput {
            items: names.clone(),
            ..input(&[])
        },
    ));
    assert_eq!(fields(&v), ["items"]);
    assert_eq!(reasons(&v), [FieldReason::TooMany], "{v}");
    assert_eq!(v.0[0].text.zh, "信息项不能超过1000个，实际为100000个");
    assert_eq!(v.0[0].text.en, "at most 1000 items, got 100000");

    let request = pending_request(metadata_of(Conditional), &["姓名"], None);
    let outcome = decide(
        &request,
        &Entry::published(1, metadata_of(Conditional)),
        &DecisionInput {
            items: names,
            ..approve(&[], None)
        },
    );
    assert_eq!(fields(&decision_violations(outcome)), ["items"]);
}

#[test]
fn an_unknown_item_name_is_quoted_short_and_the_entry_s_names_listed_in_part() {
    let many: Vec<(String, ShareType)> = (0..100)
        .map(|i| (format!("项{i}"), Unconditional))
        .collect();
    let items: Vec<(&str, ShareType)> = many.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let entry = Entry::published(1, metadata_with(&items));
    let long = "名".repeat(100_000);
    let v = violations(ask(&entry, &input(&[&long, &long])));
    assert_eq!(fields(&v), ["items[0]", "items[1]"]);
    for violation in &v {
        assert!(violation.description().len() < 2000, "{violation}");
    }
    assert!(v.0[0].description().contains("项19、…"), "{v}");
}
