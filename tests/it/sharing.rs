//! Sharing over real gRPC: requests for published entries (无条件共享 granted at once, 有条件共享
//! waiting for the provider within working days, 不予共享 and bad requests refused with nothing
//! kept), the provider's decisions, withdrawal, the lists each side sees, grants that expire on
//! their own or are revoked, the flags a later published version raises on a grant, and
//! durability of every transition across a restart and a SIGKILL.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::process::Child;

use crate::common::{
    Clients, NOT_SHARED_BASIS, TestServer, all_grant_ids, all_request_ids, clients_at,
    create_department, create_request, decide_request, get_entry, get_request, grant_by_id,
    instant, issue_token, listed_grants, listed_requests, metadata_shared_as,
    metadata_with_item_types, mixed_metadata, precondition_types, publish_entry, published_entry,
    register_entry, request_for, revoke_grant, timestamp, violated_fields, violation_of,
};
use chrono::{DateTime, Duration, Utc};
use govshare_server::proto::{
    CreateRequestRequest, DataType, DecideRequestRequest, Direction, Grant, GrantEventKind,
    GrantFlagKind, GrantState, ListGrantsRequest, ListRequestsRequest, RequestRevocationRequest,
    RequestState, ResourceMetadata, ReviewEntryRequest, Role, ShareType, SharingRequest,
    SubmitEntryRequest, UpdateEntryRequest, WithdrawRequestRequest,
};
use govshare_sharing::{Actor, NewRequest, WorkingCalendar};
use govshare_store::SharingStore as _;
use govshare_store::sled::{SledOptions, SledStore};
use tempfile::TempDir;
use tonic::Code;

/// The secrets of a world's departments and credentials, which outlive a server restart.
struct Keys {
    /// 市公安局, the provider.
    a: String,
    /// 市民政局, the requester.
    b: String,
    /// 市卫健委, a third department.
    c: String,
    a_cataloguer: String,
    a_approver: String,
    b_consumer: String,
    c_consumer: String,
}

/// Department A provides entries (cataloguer, approver), B requests them (consumer), and C is
/// a third department (consumer).
struct World {
    server: TestServer,
    keys: Keys,
    a_cataloguer: Clients,
    a_approver: Clients,
    b_consumer: Clients,
    c_consumer: Clients,
}

async fn world() -> World {
    world_on(TestServer::start().await).await
}

async fn world_on(server: TestServer) -> World {
    let a = server.department(1, "市公安局").await;
    let b = server.department(2, "市民政局").await;
    let c = server.department(3, "市卫健委").await;
    let keys = Keys {
        a_cataloguer: server.token_secret(&a, &[Role::Cataloguer]).await,
        a_approver: server.token_secret(&a, &[Role::Approver]).await,
        b_consumer: server.token_secret(&b, &[Role::Consumer]).await,
        c_consumer: server.token_secret(&c, &[Role::Consumer]).await,
        a,
        b,
        c,
    };
    World::connect(server, keys)
}

impl World {
    fn connect(server: TestServer, keys: Keys) -> World {
        World {
            a_cataloguer: server.clients(&keys.a_cataloguer),
            a_approver: server.clients(&keys.a_approver),
            b_consumer: server.clients(&keys.b_consumer),
            c_consumer: server.clients(&keys.c_consumer),
            server,
            keys,
        }
    }

    /// Stops the server; its directory and the credentials stay usable.
    async fn stop(self) -> (TempDir, Keys) {
        let World { server, keys, .. } = self;
        (server.stop().await, keys)
    }

    /// Stops the server and starts a new one on the same directory.
    async fn restart(self) -> World {
        let (dir, keys) = self.stop().await;
        World::connect(TestServer::start_in(dir).await, keys)
    }

    /// A published entry of A shared as `share_type`.
    async fn entry(&self, share_type: ShareType) -> String {
        published_entry(
            &self.server,
            &self.a_cataloguer,
            metadata_shared_as(&self.keys.a, share_type),
        )
        .await
    }

    /// A published entry of A with 姓名 无条件, 公民身份号码 不予共享, 出生日期 有条件.
    async fn mixed_entry(&self) -> String {
        published_entry(
            &self.server,
            &self.a_cataloguer,
            mixed_metadata(&self.keys.a),
        )
        .await
    }

    /// CreateRequest by B's consumer.
    async fn request(
        &self,
        request: CreateRequestRequest,
    ) -> Result<SharingRequest, tonic::Status> {
        create_request(&self.b_consumer, request).await
    }

    /// A pending request by B for every item of a new 有条件共享 entry of A.
    async fn pending(&self) -> SharingRequest {
        let code = self.entry(ShareType::Conditional).await;
        self.request(request_for(&code, &[])).await.unwrap()
    }

    /// A request by B for `items` of a new 无条件共享 entry of A, granted at once, and its
    /// grant.
    async fn granted(&self, items: &[&str]) -> (SharingRequest, Grant) {
        let code = self.entry(ShareType::Unconditional).await;
        let request = self.request(request_for(&code, items)).await.unwrap();
        let grant = grant_by_id(&self.server, &request.grant_id).await;
        (request, grant)
    }

    /// DecideRequest by A's approver.
    async fn decide(
        &self,
        decision: DecideRequestRequest,
    ) -> Result<SharingRequest, tonic::Status> {
        self.a_approver
            .sharing
            .clone()
            .decide_request(decision)
            .await
            .map(tonic::Response::into_inner)
    }

    /// WithdrawRequest by B's consumer.
    async fn withdraw(&self, id: &str, reason: &str) -> Result<SharingRequest, tonic::Status> {
        self.b_consumer
            .sharing
            .clone()
            .withdraw_request(WithdrawRequestRequest {
                id: id.into(),
                reason: reason.into(),
            })
            .await
            .map(tonic::Response::into_inner)
    }

    /// The request as the administrator reads it now.
    async fn current(&self, id: &str) -> SharingRequest {
        get_request(&self.server.admin(), id).await.unwrap()
    }

    /// UpdateEntry of A's entry `code` by its cataloguer; the entry's new head version.
    async fn edit(&self, code: &str, expected_version: u64, metadata: ResourceMetadata) -> u64 {
        self.a_cataloguer
            .catalog
            .clone()
            .update_entry(UpdateEntryRequest {
                code: code.into(),
                expected_version,
                metadata: Some(metadata),
                note: "修订".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .head_version
    }

    /// Asks for the revocation of A's entry `code` and has the administrator approve it.
    async fn revoke_entry(&self, code: &str) {
        let pending = self
            .a_cataloguer
            .catalog
            .clone()
            .request_revocation(RequestRevocationRequest {
                code: code.into(),
                reason: "职能调整，不再提供".into(),
            })
            .await
            .unwrap()
            .into_inner();
        self.server
            .admin()
            .catalog
            .review_entry(ReviewEntryRequest {
                code: code.into(),
                version: pending.published_version,
                approve: true,
                comment: String::new(),
            })
            .await
            .unwrap();
    }

    /// The grants B holds (OUTGOING), first page.
    async fn b_grants(&self, request: ListGrantsRequest) -> Vec<Grant> {
        listed_grants(
            &self.b_consumer,
            ListGrantsRequest {
                direction: Direction::Outgoing as i32,
                ..request
            },
        )
        .await
    }

    /// Asserts that the platform holds no request and no grant.
    async fn assert_nothing_kept(&self) {
        assert!(
            all_request_ids(&self.server).await.is_empty(),
            "no request is kept"
        );
        assert!(
            all_grant_ids(&self.server).await.is_empty(),
            "no grant is kept"
        );
    }
}

fn calendar() -> WorkingCalendar {
    WorkingCalendar::from_toml(include_str!("../../deploy/calendar/cn.toml")).unwrap()
}

fn states(history: &[govshare_server::proto::RequestEvent]) -> Vec<i32> {
    history.iter().map(|e| e.state).collect()
}

fn ids(requests: &[SharingRequest]) -> Vec<String> {
    requests.iter().map(|r| r.id.clone()).collect()
}

fn grant_ids(grants: &[Grant]) -> Vec<String> {
    grants.iter().map(|g| g.id.clone()).collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|i| (*i).to_owned()).collect()
}

fn assert_precondition(status: &tonic::Status, kind: &str) {
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    assert_eq!(precondition_types(status), [kind], "{status:?}");
}

fn in_days(days: i64) -> DateTime<Utc> {
    Utc::now() + Duration::days(days)
}

/// Sleeps until just after `t`.
async fn sleep_past(t: DateTime<Utc>) {
    let wait = (t - Utc::now() + Duration::milliseconds(300))
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(wait).await;
}

// --- CreateRequest ---------------------------------------------------------------------------

#[tokio::test]
async fn unconditional_request_is_approved_at_once() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;
    let request = w.request(request_for(&code, &[])).await.unwrap();
    assert_eq!(request.state, RequestState::Approved as i32);
    assert!(!request.grant_id.is_empty(), "{request:?}");
    assert_eq!(request.share_type, ShareType::Unconditional as i32);
    assert_eq!(request.due_at, None, "nothing is due when granted at once");
    assert_eq!(request.decided_at, request.submitted_at);
    assert_eq!(request.requester_code, w.keys.b);
    assert_eq!(request.provider_code, w.keys.a);
    assert_eq!(request.entry_version, 1);
}

#[tokio::test]
async fn unconditional_request_issues_an_active_grant_for_the_default_period() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;
    let request = w
        .request(request_for(&code, &["姓名", "出生日期"]))
        .await
        .unwrap();
    let grants = w.b_grants(ListGrantsRequest::default()).await;
    assert_eq!(grant_ids(&grants), [request.grant_id.as_str()]);
    let grant = &grants[0];
    assert_eq!(grant.state, GrantState::Active as i32);
    assert_eq!(grant.items, strings(&["姓名", "出生日期"]));
    assert_eq!(grant.request_id, request.id);
    assert_eq!(grant.entry_code, code);
    assert_eq!(grant.consumer_code, w.keys.b);
    assert_eq!(grant.provider_code, w.keys.a);
    assert_eq!(grant.entry_version, 1);
    assert_eq!(grant.purpose, request.purpose);
    assert!(grant.flags.is_empty(), "{grant:?}");
    let valid_from = instant(grant.valid_from.as_ref());
    let valid_until = instant(grant.valid_until.as_ref());
    assert_eq!(valid_from, instant(request.submitted_at.as_ref()));
    assert_eq!(valid_until - valid_from, Duration::days(365));
    assert!((valid_until - in_days(365)).num_seconds().abs() < 60);
    let kinds: Vec<i32> = grant.history.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [GrantEventKind::Issued as i32]);
}

#[tokio::test]
async fn unconditional_request_history_records_submission_and_approval() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;
    let request = w.request(request_for(&code, &[])).await.unwrap();
    assert_eq!(
        states(&request.history),
        [RequestState::Pending as i32, RequestState::Approved as i32]
    );
    let submitted = &request.history[0];
    assert_eq!(submitted.actor.as_ref().unwrap().department_code, w.keys.b);
    assert_eq!(submitted.at, request.submitted_at);
    let approved = &request.history[1];
    assert_eq!(
        approved.actor.as_ref().unwrap().department_code,
        "",
        "the platform grants 无条件共享 itself"
    );
    assert!(!approved.reason.is_empty());
    assert_eq!(
        w.current(&request.id).await,
        request,
        "the reply is what is kept"
    );
}

#[tokio::test]
async fn conditional_request_waits_for_provider() {
    let w = world().await;
    let code = w.entry(ShareType::Conditional).await;
    let request = w.request(request_for(&code, &[])).await.unwrap();
    assert_eq!(request.state, RequestState::Pending as i32);
    assert_eq!(request.share_type, ShareType::Conditional as i32);
    assert!(request.grant_id.is_empty());
    assert_eq!(request.decided_at, None);
    assert!(!request.overdue);
    assert_eq!(states(&request.history), [RequestState::Pending as i32]);
    let submitted_at = instant(request.submitted_at.as_ref());
    assert_eq!(
        instant(request.due_at.as_ref()),
        calendar().deadline(submitted_at, 10),
        "due at the end of the 10th working day after submission"
    );
    assert!(all_grant_ids(&w.server).await.is_empty());
}

#[tokio::test]
async fn conditional_deadline_follows_the_configured_working_days() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir, |c| c.sharing.answer_working_days = 5).await;
    let w = world_on(server).await;
    let request = w.pending().await;
    let submitted_at = instant(request.submitted_at.as_ref());
    assert_eq!(
        instant(request.due_at.as_ref()),
        calendar().deadline(submitted_at, 5)
    );
}

#[tokio::test]
async fn empty_items_request_every_shareable_item() {
    let w = world().await;
    let code = w.mixed_entry().await;
    let request = w.request(request_for(&code, &[])).await.unwrap();
    assert_eq!(
        request.items,
        strings(&["姓名", "出生日期"]),
        "公民身份号码 is 不予共享"
    );
    assert_eq!(request.share_type, ShareType::Conditional as i32);
    assert_eq!(request.state, RequestState::Pending as i32);
}

#[tokio::test]
async fn request_for_unconditional_items_of_a_mixed_entry_is_granted_at_once() {
    let w = world().await;
    let code = w.mixed_entry().await;
    let request = w.request(request_for(&code, &["姓名"])).await.unwrap();
    assert_eq!(request.state, RequestState::Approved as i32);
    assert_eq!(request.share_type, ShareType::Unconditional as i32);
    let grant = grant_by_id(&w.server, &request.grant_id).await;
    assert_eq!(grant.items, strings(&["姓名"]));
}

#[tokio::test]
async fn requested_items_keep_the_entrys_order() {
    let w = world().await;
    let code = w.entry(ShareType::Conditional).await;
    let request = w
        .request(request_for(&code, &["出生日期", "姓名"]))
        .await
        .unwrap();
    assert_eq!(request.items, strings(&["姓名", "出生日期"]));
}

#[tokio::test]
async fn not_shared_entry_is_refused_with_its_basis() {
    let w = world().await;
    let code = w.entry(ShareType::NotShared).await;
    let status = w.request(request_for(&code, &[])).await.unwrap_err();
    assert_precondition(&status, "SHARE_TYPE");
    assert!(status.message().contains(NOT_SHARED_BASIS), "{status:?}");
    w.assert_nothing_kept().await;
}

#[tokio::test]
async fn unpublished_entry_does_not_exist_for_requesters() {
    let w = world().await;
    let draft = register_entry(
        &w.a_cataloguer,
        metadata_shared_as(&w.keys.a, ShareType::Unconditional),
    )
    .await;
    let status = w.request(request_for(&draft.code, &[])).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
    assert!(status.message().contains(&draft.code), "{status:?}");
    w.assert_nothing_kept().await;
}

#[tokio::test]
async fn revoked_entry_does_not_exist_for_requesters() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;
    w.revoke_entry(&code).await;
    let status = w.request(request_for(&code, &[])).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
    assert!(status.message().contains(&code), "{status:?}");
    w.assert_nothing_kept().await;
}

#[tokio::test]
async fn not_shared_item_is_refused_naming_the_item_and_basis() {
    let w = world().await;
    let code = w.mixed_entry().await;
    let status = w
        .request(request_for(&code, &["姓名", "公民身份号码"]))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["items[1]"]);
    let description = violation_of(&status, "items[1]");
    assert!(description.contains("公民身份号码"), "{description}");
    assert!(description.contains(NOT_SHARED_BASIS), "{description}");
    w.assert_nothing_kept().await;
}

#[tokio::test]
async fn unknown_item_is_refused_naming_it() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;
    let status = w
        .request(request_for(&code, &["姓名", "户籍地址"]))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["items[1]"]);
    assert!(violation_of(&status, "items[1]").contains("户籍地址"));
    w.assert_nothing_kept().await;
}

#[tokio::test]
async fn duplicated_item_is_refused() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;
    let status = w
        .request(request_for(&code, &["姓名", "出生日期", "姓名"]))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["items[2]"]);
    assert!(violation_of(&status, "items[2]").contains("姓名"));
    w.assert_nothing_kept().await;
}

#[tokio::test]
async fn blank_purpose_scope_and_system_are_reported_at_once() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;
    let request = CreateRequestRequest {
        purpose: "  ".into(),
        use_scope: String::new(),
        business_system: "\t".into(),
        ..request_for(&code, &[])
    };
    let status = w.request(request).await.unwrap_err();
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(fields, ["business_system", "purpose", "use_scope"]);
    w.assert_nothing_kept().await;
}

#[tokio::test]
async fn requested_end_in_the_past_is_refused() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;
    let request = CreateRequestRequest {
        requested_until: Some(timestamp(Utc::now() - Duration::hours(1))),
        ..request_for(&code, &[])
    };
    let status = w.request(request).await.unwrap_err();
    assert_eq!(violated_fields(&status), ["requested_until"]);
    w.assert_nothing_kept().await;
}

#[tokio::test]
async fn requested_end_beyond_the_longest_grant_is_refused() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;
    let request = CreateRequestRequest {
        requested_until: Some(timestamp(in_days(3 * 365 + 1))),
        ..request_for(&code, &[])
    };
    let status = w.request(request).await.unwrap_err();
    assert_eq!(violated_fields(&status), ["requested_until"]);
    w.assert_nothing_kept().await;
}

#[tokio::test]
async fn own_departments_entry_cannot_be_requested() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;
    let a_consumer = w.server.token(&w.keys.a, &[Role::Consumer]).await;
    let status = create_request(&a_consumer, request_for(&code, &[]))
        .await
        .unwrap_err();
    assert_precondition(&status, "OWN_ENTRY");
    w.assert_nothing_kept().await;
}

#[tokio::test]
async fn unknown_entry_is_not_found() {
    let w = world().await;
    let status = w
        .request(request_for("101001/000999", &[]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    w.assert_nothing_kept().await;
}

// --- DecideRequest and WithdrawRequest -------------------------------------------------------

#[tokio::test]
async fn approval_by_the_provider_issues_the_grant() {
    let w = world().await;
    let pending = w.pending().await;
    let decided = decide_request(&w.a_approver, &pending.id, true, "同意，限身份核验使用")
        .await
        .unwrap();
    assert_eq!(decided.state, RequestState::Approved as i32);
    assert!(!decided.grant_id.is_empty());
    assert!(decided.decided_at.is_some());
    assert_eq!(decided.reason, "同意，限身份核验使用");
    assert_eq!(
        states(&decided.history),
        [RequestState::Pending as i32, RequestState::Approved as i32]
    );
    let approved = &decided.history[1];
    assert_eq!(approved.actor.as_ref().unwrap().department_code, w.keys.a);
    assert_eq!(approved.reason, "同意，限身份核验使用");

    let grant = grant_by_id(&w.server, &decided.grant_id).await;
    assert_eq!(grant.state, GrantState::Active as i32);
    assert_eq!(grant.items, pending.items);
    assert_eq!(grant.request_id, pending.id);
    assert_eq!(grant.consumer_code, w.keys.b);
    assert_eq!(grant.valid_from, decided.decided_at);
    assert_eq!(
        w.current(&pending.id).await,
        decided,
        "the reply is what is kept"
    );
}

#[tokio::test]
async fn approval_may_narrow_the_items_and_the_period() {
    let w = world().await;
    let pending = w.pending().await;
    assert_eq!(pending.items.len(), 3);
    let until = in_days(30);
    let decided = w
        .decide(DecideRequestRequest {
            id: pending.id.clone(),
            approve: true,
            reason: "仅同意姓名和出生日期，期限一个月".into(),
            items: strings(&["出生日期", "姓名"]),
            valid_until: Some(timestamp(until)),
        })
        .await
        .unwrap();
    let grant = grant_by_id(&w.server, &decided.grant_id).await;
    assert_eq!(grant.items, strings(&["姓名", "出生日期"]));
    assert_eq!(instant(grant.valid_until.as_ref()), until);
    assert_eq!(grant.state, GrantState::Active as i32);
}

#[tokio::test]
async fn approving_an_item_that_was_not_requested_is_refused() {
    let w = world().await;
    let code = w.entry(ShareType::Conditional).await;
    let pending = w.request(request_for(&code, &["姓名"])).await.unwrap();
    let status = w
        .decide(DecideRequestRequest {
            id: pending.id.clone(),
            approve: true,
            reason: String::new(),
            items: strings(&["公民身份号码"]),
            valid_until: None,
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["items[0]"]);
    assert!(violation_of(&status, "items[0]").contains("公民身份号码"));
    assert_eq!(w.current(&pending.id).await, pending, "nothing changed");
    assert!(all_grant_ids(&w.server).await.is_empty());
}

#[tokio::test]
async fn approval_cannot_extend_the_requested_period() {
    let w = world().await;
    let code = w.entry(ShareType::Conditional).await;
    let pending = w
        .request(CreateRequestRequest {
            requested_until: Some(timestamp(in_days(60))),
            ..request_for(&code, &[])
        })
        .await
        .unwrap();
    let status = w
        .decide(DecideRequestRequest {
            id: pending.id.clone(),
            approve: true,
            reason: String::new(),
            items: Vec::new(),
            valid_until: Some(timestamp(in_days(90))),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["valid_until"]);
    assert_eq!(w.current(&pending.id).await, pending, "nothing changed");
    assert!(all_grant_ids(&w.server).await.is_empty());
}

#[tokio::test]
async fn approval_ending_in_the_past_is_refused() {
    let w = world().await;
    let pending = w.pending().await;
    let status = w
        .decide(DecideRequestRequest {
            id: pending.id.clone(),
            approve: true,
            reason: String::new(),
            items: Vec::new(),
            valid_until: Some(timestamp(Utc::now() - Duration::minutes(1))),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["valid_until"]);
    assert_eq!(w.current(&pending.id).await, pending, "nothing changed");
}

#[tokio::test]
async fn approval_without_an_end_keeps_the_requested_end() {
    let w = world().await;
    let code = w.entry(ShareType::Conditional).await;
    let until = in_days(60);
    let pending = w
        .request(CreateRequestRequest {
            requested_until: Some(timestamp(until)),
            ..request_for(&code, &[])
        })
        .await
        .unwrap();
    let decided = decide_request(&w.a_approver, &pending.id, true, "")
        .await
        .unwrap();
    let grant = grant_by_id(&w.server, &decided.grant_id).await;
    assert_eq!(instant(grant.valid_until.as_ref()), until);
}

#[tokio::test]
async fn refusal_requires_a_reason() {
    let w = world().await;
    let pending = w.pending().await;
    let status = decide_request(&w.a_approver, &pending.id, false, "  ")
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["reason"]);
    assert_eq!(w.current(&pending.id).await, pending, "nothing changed");
}

#[tokio::test]
async fn refusal_with_a_reason_rejects_the_request() {
    let w = world().await;
    let pending = w.pending().await;
    let decided = decide_request(&w.a_approver, &pending.id, false, "申请事由与职责不符")
        .await
        .unwrap();
    assert_eq!(decided.state, RequestState::Rejected as i32);
    assert_eq!(decided.reason, "申请事由与职责不符");
    assert!(decided.decided_at.is_some());
    assert!(decided.grant_id.is_empty());
    assert_eq!(
        states(&decided.history),
        [RequestState::Pending as i32, RequestState::Rejected as i32]
    );
    assert_eq!(decided.history[1].reason, "申请事由与职责不符");
    assert!(all_grant_ids(&w.server).await.is_empty());
}

#[tokio::test]
async fn deciding_twice_is_a_failed_precondition() {
    let w = world().await;
    let pending = w.pending().await;
    let approved = decide_request(&w.a_approver, &pending.id, true, "同意")
        .await
        .unwrap();
    for approve in [true, false] {
        let status = decide_request(&w.a_approver, &pending.id, approve, "再次答复")
            .await
            .unwrap_err();
        assert_precondition(&status, "STATE");
    }
    assert_eq!(w.current(&pending.id).await, approved);
    assert_eq!(all_grant_ids(&w.server).await, [approved.grant_id]);
}

#[tokio::test]
async fn requester_withdraws_a_pending_request() {
    let w = world().await;
    let pending = w.pending().await;
    let withdrawn = w.withdraw(&pending.id, "业务调整，不再需要").await.unwrap();
    assert_eq!(withdrawn.state, RequestState::Withdrawn as i32);
    assert_eq!(withdrawn.reason, "业务调整，不再需要");
    assert!(withdrawn.decided_at.is_some());
    assert!(withdrawn.grant_id.is_empty());
    assert_eq!(
        states(&withdrawn.history),
        [RequestState::Pending as i32, RequestState::Withdrawn as i32]
    );
    assert_eq!(withdrawn.history[1].reason, "业务调整，不再需要");
    assert_eq!(
        withdrawn.history[1].actor.as_ref().unwrap().department_code,
        w.keys.b
    );
    assert_eq!(w.current(&pending.id).await, withdrawn);
}

#[tokio::test]
async fn decided_request_cannot_be_withdrawn() {
    let w = world().await;
    let pending = w.pending().await;
    let rejected = decide_request(&w.a_approver, &pending.id, false, "不符合共享条件")
        .await
        .unwrap();
    let status = w.withdraw(&pending.id, "").await.unwrap_err();
    assert_precondition(&status, "STATE");
    assert_eq!(w.current(&pending.id).await, rejected);
}

#[tokio::test]
async fn withdrawn_request_cannot_be_decided() {
    let w = world().await;
    let pending = w.pending().await;
    let withdrawn = w.withdraw(&pending.id, "").await.unwrap();
    let status = decide_request(&w.a_approver, &pending.id, true, "")
        .await
        .unwrap_err();
    assert_precondition(&status, "STATE");
    assert_eq!(w.current(&pending.id).await, withdrawn);
    assert!(all_grant_ids(&w.server).await.is_empty());
}

#[tokio::test]
async fn approval_after_the_entry_was_revoked_is_refused() {
    let w = world().await;
    let pending = w.pending().await;
    w.revoke_entry(&pending.entry_code).await;
    let status = decide_request(&w.a_approver, &pending.id, true, "同意")
        .await
        .unwrap_err();
    assert_precondition(&status, "STATE");
    assert_eq!(w.current(&pending.id).await, pending, "nothing changed");
    assert!(all_grant_ids(&w.server).await.is_empty());
    let rejected = decide_request(&w.a_approver, &pending.id, false, "目录已撤销")
        .await
        .unwrap();
    assert_eq!(
        rejected.state,
        RequestState::Rejected as i32,
        "it can still be refused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_decisions_issue_exactly_one_grant() {
    let w = world().await;
    let pending = w.pending().await;
    let decisions = (0..8).map(|i| {
        let approver = w.a_approver.clone();
        let id = pending.id.clone();
        tokio::spawn(async move { decide_request(&approver, &id, i % 2 == 0, "答复").await })
    });
    let mut decided = Vec::new();
    for result in futures::future::join_all(decisions).await {
        match result.unwrap() {
            Ok(request) => decided.push(request),
            Err(status) => assert_precondition(&status, "STATE"),
        }
    }
    assert_eq!(decided.len(), 1, "{decided:?}");
    assert_eq!(w.current(&pending.id).await, decided[0]);
    assert_eq!(decided[0].history.len(), 2);
    let grants = all_grant_ids(&w.server).await;
    if decided[0].state == RequestState::Approved as i32 {
        assert_eq!(grants, [decided[0].grant_id.clone()]);
    } else {
        assert!(grants.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_are_numbered_apart() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;
    let requests = (0..16).map(|_| {
        let consumer = w.b_consumer.clone();
        let request = request_for(&code, &[]);
        tokio::spawn(async move { create_request(&consumer, request).await.unwrap() })
    });
    let mut request_ids = Vec::new();
    let mut granted = Vec::new();
    for request in futures::future::join_all(requests).await {
        let request = request.unwrap();
        request_ids.push(request.id);
        granted.push(request.grant_id);
    }
    request_ids.sort();
    granted.sort();
    assert_eq!(all_request_ids(&w.server).await, request_ids);
    assert_eq!(all_grant_ids(&w.server).await, granted);
    request_ids.dedup();
    granted.dedup();
    assert_eq!((request_ids.len(), granted.len()), (16, 16));
}

// --- ListRequests ----------------------------------------------------------------------------

fn direction(d: Direction) -> ListRequestsRequest {
    ListRequestsRequest {
        direction: d as i32,
        ..Default::default()
    }
}

#[tokio::test]
async fn each_side_lists_the_request_in_its_direction() {
    let w = world().await;
    let pending = w.pending().await;
    let id = vec![pending.id.clone()];
    assert_eq!(
        ids(&listed_requests(&w.b_consumer, direction(Direction::Outgoing)).await),
        id
    );
    assert_eq!(
        ids(&listed_requests(&w.a_approver, direction(Direction::Incoming)).await),
        id
    );
    assert_eq!(
        ids(&listed_requests(&w.b_consumer, direction(Direction::Unspecified)).await),
        id
    );
    assert_eq!(
        ids(&listed_requests(&w.a_approver, direction(Direction::Unspecified)).await),
        id
    );
    assert!(
        listed_requests(&w.b_consumer, direction(Direction::Incoming))
            .await
            .is_empty()
    );
    assert!(
        listed_requests(&w.a_approver, direction(Direction::Outgoing))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn third_department_lists_neither_side() {
    let w = world().await;
    w.pending().await;
    w.granted(&[]).await;
    for d in [
        Direction::Unspecified,
        Direction::Outgoing,
        Direction::Incoming,
    ] {
        assert!(
            listed_requests(&w.c_consumer, direction(d))
                .await
                .is_empty(),
            "{d:?}"
        );
        let grants = listed_grants(
            &w.c_consumer,
            ListGrantsRequest {
                direction: d as i32,
                ..Default::default()
            },
        )
        .await;
        assert!(grants.is_empty(), "{d:?}");
    }
}

#[tokio::test]
async fn administrator_lists_every_request_without_direction() {
    let w = world().await;
    let code = w.entry(ShareType::Conditional).await;
    let by_b = w.request(request_for(&code, &[])).await.unwrap();
    let by_c = create_request(&w.c_consumer, request_for(&code, &[]))
        .await
        .unwrap();
    assert_eq!(by_c.requester_code, w.keys.c);
    let listed = listed_requests(&w.server.admin(), ListRequestsRequest::default()).await;
    assert_eq!(ids(&listed), [by_b.id, by_c.id]);
}

#[tokio::test]
async fn platform_credential_cannot_ask_for_a_direction() {
    let w = world().await;
    w.pending().await;
    let status = w
        .server
        .admin()
        .sharing
        .list_requests(direction(Direction::Outgoing))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["direction"]);
}

#[tokio::test]
async fn requests_are_filtered_by_state() {
    let w = world().await;
    let pending = w.pending().await;
    let (approved, _) = w.granted(&[]).await;
    let rejected = w.pending().await;
    decide_request(&w.a_approver, &rejected.id, false, "不符合共享条件")
        .await
        .unwrap();
    for (state, expected) in [
        (RequestState::Pending, vec![pending.id.clone()]),
        (RequestState::Approved, vec![approved.id.clone()]),
        (RequestState::Rejected, vec![rejected.id.clone()]),
        (RequestState::Withdrawn, vec![]),
    ] {
        let filter = ListRequestsRequest {
            direction: Direction::Outgoing as i32,
            state: state as i32,
            ..Default::default()
        };
        let listed = listed_requests(&w.b_consumer, filter).await;
        assert_eq!(ids(&listed), expected, "{state:?}");
    }
}

#[tokio::test]
async fn requests_are_filtered_by_entry() {
    let w = world().await;
    let first = w.pending().await;
    let second = w.pending().await;
    assert_ne!(first.entry_code, second.entry_code);
    let filter = ListRequestsRequest {
        entry_code: second.entry_code.clone(),
        ..Default::default()
    };
    assert_eq!(
        ids(&listed_requests(&w.b_consumer, filter).await),
        [second.id]
    );
}

#[tokio::test]
async fn malformed_request_number_is_invalid() {
    let w = world().await;
    let status = get_request(&w.b_consumer, "42").await.unwrap_err();
    assert_eq!(violated_fields(&status), ["id"]);
    let status = get_request(&w.b_consumer, "REQ-000042").await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
}

/// Every request `clients` lists for `filter`, one page of one at a time.
async fn walk_requests(clients: &Clients, filter: ListRequestsRequest) -> Vec<String> {
    let mut seen = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = clients
            .sharing
            .clone()
            .list_requests(ListRequestsRequest {
                page_size: 1,
                page_token: page_token.clone(),
                ..filter.clone()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.requests.len() <= 1, "{page:?}");
        seen.extend(ids(&page.requests));
        if page.next_page_token.is_empty() {
            return seen;
        }
        assert!(seen.len() < 100, "pagination does not end");
        page_token = page.next_page_token;
    }
}

#[tokio::test]
async fn request_pages_walk_every_request_exactly_once() {
    let w = world().await;
    let code = w.entry(ShareType::Conditional).await;
    let mut by_b = Vec::new();
    let mut every = Vec::new();
    for i in 0..5 {
        let requester = if i % 2 == 0 {
            &w.b_consumer
        } else {
            &w.c_consumer
        };
        let id = create_request(requester, request_for(&code, &[]))
            .await
            .unwrap()
            .id;
        if i % 2 == 0 {
            by_b.push(id.clone());
        }
        every.push(id);
    }
    let admin = w.server.admin();
    assert_eq!(
        walk_requests(&admin, ListRequestsRequest::default()).await,
        every
    );
    assert_eq!(
        walk_requests(&w.a_approver, ListRequestsRequest::default()).await,
        every
    );
    assert_eq!(
        walk_requests(&w.b_consumer, direction(Direction::Outgoing)).await,
        by_b
    );
}

#[tokio::test]
async fn overdue_requests_are_listed_for_both_sides_and_the_administrator() {
    let w = world().await;
    let code = w.entry(ShareType::Conditional).await;
    let fresh = w.request(request_for(&code, &[])).await.unwrap();
    let (dir, keys) = w.stop().await;

    // Due dates lie at least a working day ahead: file a request from last month directly.
    let overdue_id = {
        let store = SledStore::open(dir.path(), &SledOptions::default()).unwrap();
        let submitted_at = Utc::now() - Duration::days(30);
        let new = NewRequest {
            entry_code: code.parse().unwrap(),
            entry_version: 1,
            provider_code: keys.a.parse().unwrap(),
            requester_code: keys.b.parse().unwrap(),
            items: strings(&["姓名"]),
            share_type: govshare_model::ShareType::Conditional,
            purpose: "办理低保资格审核时核验申请人身份".into(),
            use_scope: "本局社会救助科".into(),
            business_system: "社会救助信息系统".into(),
            requested_until: None,
            submitted_at,
            due_at: Some(calendar().deadline(submitted_at, 10)),
            grant_until: None,
            actor: Actor {
                token_id: "tok_test".into(),
                department: Some(keys.b.parse().unwrap()),
            },
        };
        let (record, grant) = store.create_request(new).await.unwrap();
        assert!(grant.is_none());
        record.id.to_string()
    };
    let w = World::connect(TestServer::start_in(dir).await, keys);

    let overdue_only = |d: Direction| ListRequestsRequest {
        direction: d as i32,
        overdue_only: true,
        ..Default::default()
    };
    for (who, clients, filter) in [
        ("A", &w.a_approver, overdue_only(Direction::Incoming)),
        ("B", &w.b_consumer, overdue_only(Direction::Outgoing)),
        (
            "ADMIN",
            &w.server.admin(),
            overdue_only(Direction::Unspecified),
        ),
    ] {
        let listed = listed_requests(clients, filter).await;
        assert_eq!(ids(&listed), [overdue_id.as_str()], "{who}");
        assert!(listed[0].overdue, "{who}: {:?}", listed[0]);
        assert_eq!(listed[0].state, RequestState::Pending as i32);
    }
    assert!(!w.current(&fresh.id).await.overdue);
    assert!(w.current(&overdue_id).await.overdue);
    assert!(
        listed_requests(&w.c_consumer, overdue_only(Direction::Unspecified))
            .await
            .is_empty()
    );
}

// --- Grants ----------------------------------------------------------------------------------

#[tokio::test]
async fn provider_revokes_a_grant_with_its_reason() {
    let w = world().await;
    let (_, grant) = w.granted(&[]).await;
    let revoked = revoke_grant(&w.a_approver, &grant.id, "申请方超范围使用")
        .await
        .unwrap();
    assert_eq!(revoked.state, GrantState::Revoked as i32);
    assert_eq!(revoked.revoke_reason, "申请方超范围使用");
    assert!(revoked.revoked_at.is_some());
    let kinds: Vec<i32> = revoked.history.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            GrantEventKind::Issued as i32,
            GrantEventKind::Revoked as i32
        ]
    );
    let event = &revoked.history[1];
    assert_eq!(event.reason, "申请方超范围使用");
    assert_eq!(event.actor.as_ref().unwrap().department_code, w.keys.a);
    assert_eq!(event.at, revoked.revoked_at);
    let listed = w.b_grants(ListGrantsRequest::default()).await;
    assert_eq!(listed, [revoked], "the reply is what is kept");
}

#[tokio::test]
async fn revoking_a_grant_requires_a_reason() {
    let w = world().await;
    let (_, grant) = w.granted(&[]).await;
    let status = revoke_grant(&w.a_approver, &grant.id, " ")
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["reason"]);
    assert_eq!(
        grant_by_id(&w.server, &grant.id).await,
        grant,
        "nothing changed"
    );
}

#[tokio::test]
async fn revoking_a_grant_twice_is_a_failed_precondition() {
    let w = world().await;
    let (_, grant) = w.granted(&[]).await;
    let revoked = revoke_grant(&w.a_approver, &grant.id, "停止共享")
        .await
        .unwrap();
    let status = revoke_grant(&w.a_approver, &grant.id, "再次撤销")
        .await
        .unwrap_err();
    assert_precondition(&status, "STATE");
    assert_eq!(grant_by_id(&w.server, &grant.id).await, revoked);
}

/// A grant of a new 无条件共享 entry to B that ends `seconds` from now.
async fn short_grant(w: &World, seconds: i64) -> Grant {
    let code = w.entry(ShareType::Unconditional).await;
    let until = Utc::now() + Duration::seconds(seconds);
    let request = w
        .request(CreateRequestRequest {
            requested_until: Some(timestamp(until)),
            ..request_for(&code, &[])
        })
        .await
        .unwrap();
    let grant = grant_by_id(&w.server, &request.grant_id).await;
    assert_eq!(instant(grant.valid_until.as_ref()), until);
    grant
}

fn grants_in(state: GrantState) -> ListGrantsRequest {
    ListGrantsRequest {
        state: state as i32,
        ..Default::default()
    }
}

#[tokio::test]
async fn grant_expires_at_its_end_without_anything_running() {
    let w = world().await;
    let grant = short_grant(&w, 2).await;
    assert_eq!(grant.state, GrantState::Active as i32);
    assert_eq!(
        grant_ids(&w.b_grants(grants_in(GrantState::Active)).await),
        [grant.id.as_str()]
    );
    assert!(w.b_grants(grants_in(GrantState::Expired)).await.is_empty());

    sleep_past(instant(grant.valid_until.as_ref())).await;

    let listed = w.b_grants(ListGrantsRequest::default()).await;
    assert_eq!(grant_ids(&listed), [grant.id.as_str()]);
    assert_eq!(listed[0].state, GrantState::Expired as i32);
    assert!(w.b_grants(grants_in(GrantState::Active)).await.is_empty());
    assert_eq!(
        grant_ids(&w.b_grants(grants_in(GrantState::Expired)).await),
        [grant.id.as_str()]
    );
}

#[tokio::test]
async fn expired_grant_cannot_be_revoked() {
    let w = world().await;
    let grant = short_grant(&w, 2).await;
    sleep_past(instant(grant.valid_until.as_ref())).await;
    let status = revoke_grant(&w.a_approver, &grant.id, "停止共享")
        .await
        .unwrap_err();
    assert_precondition(&status, "STATE");
    let now = grant_by_id(&w.server, &grant.id).await;
    assert_eq!(now.state, GrantState::Expired as i32);
    assert!(now.revoke_reason.is_empty());
    assert_eq!(now.revoked_at, None);
}

/// Every grant `clients` lists for `filter`, `page_size` at a time.
async fn walk_grants(clients: &Clients, filter: ListGrantsRequest, page_size: i32) -> Vec<String> {
    let mut seen = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = clients
            .sharing
            .clone()
            .list_grants(ListGrantsRequest {
                page_size,
                page_token: page_token.clone(),
                ..filter.clone()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(
            page.grants.len() <= usize::try_from(page_size).unwrap(),
            "a page holds at most page_size grants: {:?}",
            grant_ids(&page.grants)
        );
        seen.extend(grant_ids(&page.grants));
        if page.next_page_token.is_empty() {
            return seen;
        }
        assert!(seen.len() < 100, "pagination does not end");
        page_token = page.next_page_token;
    }
}

#[tokio::test]
async fn grant_pages_walk_every_grant_exactly_once() {
    let w = world().await;
    let code = w.entry(ShareType::Unconditional).await;
    let mut every = Vec::new();
    for _ in 0..4 {
        every.push(w.request(request_for(&code, &[])).await.unwrap().grant_id);
    }
    assert_eq!(
        walk_grants(&w.server.admin(), ListGrantsRequest::default(), 1).await,
        every
    );
    let outgoing = ListGrantsRequest {
        direction: Direction::Outgoing as i32,
        ..Default::default()
    };
    assert_eq!(walk_grants(&w.b_consumer, outgoing, 1).await, every);
}

// --- Flags -----------------------------------------------------------------------------------

/// A grant to B of 姓名 and 公民身份号码 of a new 无条件共享 entry, and the entry's code.
async fn granted_name_and_id(w: &World) -> (String, Grant) {
    let (request, grant) = w.granted(&["姓名", "公民身份号码"]).await;
    (request.entry_code, grant)
}

/// The entry's metadata without 姓名 and with 公民身份号码 as N(18).
fn without_name_and_id_retyped(provider: &str) -> ResourceMetadata {
    let mut m = metadata_shared_as(provider, ShareType::Unconditional);
    m.items.retain(|i| i.name != "姓名");
    let id = m
        .items
        .iter_mut()
        .find(|i| i.name == "公民身份号码")
        .unwrap();
    id.data_type = DataType::N as i32;
    m
}

fn flags_of(grant: &Grant) -> Vec<(String, i32, u64)> {
    grant
        .flags
        .iter()
        .map(|f| (f.item.clone(), f.kind, f.version))
        .collect()
}

#[tokio::test]
async fn published_change_flags_removed_and_retyped_items() {
    let w = world().await;
    let (code, grant) = granted_name_and_id(&w).await;
    let version = w
        .edit(&code, 1, without_name_and_id_retyped(&w.keys.a))
        .await;
    publish_entry(&w.server, &w.a_cataloguer, &code).await;
    let flagged = grant_by_id(&w.server, &grant.id).await;
    assert_eq!(
        flags_of(&flagged),
        [
            (
                "姓名".to_owned(),
                GrantFlagKind::ItemRemoved as i32,
                version
            ),
            (
                "公民身份号码".to_owned(),
                GrantFlagKind::ItemRetyped as i32,
                version
            ),
        ]
    );
    assert!(flagged.flags.iter().all(|f| !f.detail.is_empty()));
}

#[tokio::test]
async fn flagged_grant_stays_active_with_its_items() {
    let w = world().await;
    let (code, grant) = granted_name_and_id(&w).await;
    w.edit(&code, 1, without_name_and_id_retyped(&w.keys.a))
        .await;
    publish_entry(&w.server, &w.a_cataloguer, &code).await;
    let flagged = &w.b_grants(ListGrantsRequest::default()).await[0];
    assert!(!flagged.flags.is_empty());
    assert_eq!(flagged.state, GrantState::Active as i32);
    assert_eq!(flagged.items, grant.items);
    assert_eq!(flagged.entry_version, 1);
    assert_eq!(flagged.valid_until, grant.valid_until);
}

#[tokio::test]
async fn flagged_only_lists_only_flagged_grants() {
    let w = world().await;
    let (code, flagged) = granted_name_and_id(&w).await;
    let (_, unflagged) = w.granted(&[]).await;
    w.edit(&code, 1, without_name_and_id_retyped(&w.keys.a))
        .await;
    publish_entry(&w.server, &w.a_cataloguer, &code).await;
    let flagged_only = ListGrantsRequest {
        flagged_only: true,
        ..Default::default()
    };
    assert_eq!(
        grant_ids(&w.b_grants(flagged_only.clone()).await),
        [flagged.id.as_str()]
    );
    assert_eq!(
        grant_ids(&listed_grants(&w.a_approver, flagged_only).await),
        [flagged.id.as_str()]
    );
    assert_eq!(
        grant_ids(&w.b_grants(ListGrantsRequest::default()).await),
        [flagged.id, unflagged.id]
    );
}

#[tokio::test]
async fn flagged_only_pages_hold_at_most_page_size_grants() {
    let w = world().await;
    let changed = w.entry(ShareType::Unconditional).await;
    let unchanged = w.entry(ShareType::Unconditional).await;
    let mut flagged = Vec::new();
    // Pages of the store hold [changed, unchanged], then [changed, changed], then [changed].
    for code in [&changed, &unchanged, &changed, &changed, &changed] {
        let grant_id = w.request(request_for(code, &[])).await.unwrap().grant_id;
        if code == &changed {
            flagged.push(grant_id);
        }
    }
    w.edit(&changed, 1, without_name_and_id_retyped(&w.keys.a))
        .await;
    publish_entry(&w.server, &w.a_cataloguer, &changed).await;
    let flagged_only = ListGrantsRequest {
        flagged_only: true,
        ..Default::default()
    };
    for page_size in [1, 2, 3] {
        let walked = walk_grants(&w.server.admin(), flagged_only.clone(), page_size).await;
        assert_eq!(walked, flagged, "page_size {page_size}");
    }
}

#[tokio::test]
async fn drafted_change_raises_no_flags() {
    let w = world().await;
    let (code, grant) = granted_name_and_id(&w).await;
    w.edit(&code, 1, without_name_and_id_retyped(&w.keys.a))
        .await;
    let listed = grant_by_id(&w.server, &grant.id).await;
    assert!(listed.flags.is_empty(), "{:?}", listed.flags);
    let flagged_only = ListGrantsRequest {
        flagged_only: true,
        ..Default::default()
    };
    assert!(w.b_grants(flagged_only).await.is_empty());
}

#[tokio::test]
async fn item_no_longer_shared_is_flagged() {
    let w = world().await;
    let (code, grant) = granted_name_and_id(&w).await;
    let mut m = metadata_with_item_types(
        &w.keys.a,
        ShareType::Unconditional,
        &[ShareType::Unspecified, ShareType::NotShared],
    );
    m.sharing.as_mut().unwrap().basis = NOT_SHARED_BASIS.into();
    let version = w.edit(&code, 1, m).await;
    publish_entry(&w.server, &w.a_cataloguer, &code).await;
    let flagged = grant_by_id(&w.server, &grant.id).await;
    assert_eq!(
        flags_of(&flagged),
        [(
            "公民身份号码".to_owned(),
            GrantFlagKind::ItemNotShared as i32,
            version
        )]
    );
}

#[tokio::test]
async fn revoked_entry_flags_its_grants_as_withdrawn() {
    let w = world().await;
    let (code, grant) = granted_name_and_id(&w).await;
    w.revoke_entry(&code).await;
    let flagged = grant_by_id(&w.server, &grant.id).await;
    let kinds: Vec<(String, i32)> = flagged
        .flags
        .iter()
        .map(|f| (f.item.clone(), f.kind))
        .collect();
    assert_eq!(
        kinds,
        [(String::new(), GrantFlagKind::EntryWithdrawn as i32)]
    );
}

#[tokio::test]
async fn entry_no_longer_shared_flags_its_grants_as_withdrawn() {
    let w = world().await;
    let (code, grant) = granted_name_and_id(&w).await;
    let version = w
        .edit(
            &code,
            1,
            metadata_shared_as(&w.keys.a, ShareType::NotShared),
        )
        .await;
    publish_entry(&w.server, &w.a_cataloguer, &code).await;
    let flagged = grant_by_id(&w.server, &grant.id).await;
    assert_eq!(
        flags_of(&flagged),
        [(String::new(), GrantFlagKind::EntryWithdrawn as i32, version)]
    );
    assert!(flagged.flags[0].detail.contains(NOT_SHARED_BASIS));
}

// --- Durability ------------------------------------------------------------------------------

#[tokio::test]
async fn every_transition_survives_a_restart() {
    let w = world().await;
    let approved = w.pending().await;
    decide_request(&w.a_approver, &approved.id, true, "同意")
        .await
        .unwrap();
    let approved = w.current(&approved.id).await;
    let revoked = revoke_grant(&w.a_approver, &approved.grant_id, "停止共享")
        .await
        .unwrap();
    let rejected = w.pending().await;
    let rejected = decide_request(&w.a_approver, &rejected.id, false, "不符合共享条件")
        .await
        .unwrap();
    let withdrawn = w.pending().await;
    let withdrawn = w.withdraw(&withdrawn.id, "不再需要").await.unwrap();
    let pending = w.pending().await;
    let (at_once, granted) = w.granted(&[]).await;

    let w = w.restart().await;
    for before in [&approved, &rejected, &withdrawn, &pending, &at_once] {
        assert_eq!(&w.current(&before.id).await, before);
    }
    assert_eq!(grant_by_id(&w.server, &revoked.id).await, revoked);
    assert_eq!(grant_by_id(&w.server, &granted.id).await, granted);
    assert_eq!(revoked.history.len(), 2);
    assert_eq!(approved.history.len(), 2);
}

/// A `govshare serve` process, killed with SIGKILL when dropped (also when a test fails).
struct Served(Child);

impl Served {
    /// SIGKILL, then reap.
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `govshare serve` over `dir`, killed when dropped; returns it with its gRPC address.
fn spawn_server(dir: &std::path::Path) -> (Served, String) {
    let (child, addr) = common::spawn_server(dir);
    (Served(child), addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_sharing_transitions_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr) = spawn_server(dir.path());
    let admin_token = std::fs::read_to_string(dir.path().join("admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    let admin = clients_at(&addr, &admin_token).await;
    let departments = [
        create_department(&admin, 1, "市公安局").await,
        create_department(&admin, 2, "市民政局").await,
    ];
    let (a, b) = (&departments[0], &departments[1]);
    let cataloguer = clients_at(&addr, &issue_token(&admin, a, &[Role::Cataloguer]).await).await;
    let approver = clients_at(&addr, &issue_token(&admin, a, &[Role::Approver]).await).await;
    let consumer = clients_at(&addr, &issue_token(&admin, b, &[Role::Consumer]).await).await;

    let entry = register_entry(&cataloguer, metadata_shared_as(a, ShareType::Conditional)).await;
    cataloguer
        .catalog
        .clone()
        .submit_entry(SubmitEntryRequest {
            code: entry.code.clone(),
            expected_version: 1,
        })
        .await
        .unwrap();
    admin
        .catalog
        .clone()
        .review_entry(ReviewEntryRequest {
            code: entry.code.clone(),
            version: 1,
            approve: true,
            comment: String::new(),
        })
        .await
        .unwrap();
    let approved = create_request(&consumer, request_for(&entry.code, &[]))
        .await
        .unwrap();
    let approved = decide_request(&approver, &approved.id, true, "同意")
        .await
        .unwrap();
    let revoked = revoke_grant(&approver, &approved.grant_id, "停止共享")
        .await
        .unwrap();
    let pending = create_request(&consumer, request_for(&entry.code, &[]))
        .await
        .unwrap();

    server.kill();

    let (_server, addr) = spawn_server(dir.path());
    let admin = clients_at(&addr, &admin_token).await;
    assert_eq!(get_request(&admin, &approved.id).await.unwrap(), approved);
    assert_eq!(get_request(&admin, &pending.id).await.unwrap(), pending);
    let grants = listed_grants(&admin, ListGrantsRequest::default()).await;
    assert_eq!(grants, [revoked]);
    let entry_now = get_entry(&admin, &entry.code, 0).await.unwrap();
    assert_eq!(entry_now.published_version, 1);
}
