//! `govshare request` and `govshare grant` against a real server: what scripts and people see
//! on stdout, stderr and in the exit code when asking for data, deciding and revoking.

#![allow(clippy::unwrap_used)]

use crate::common::cli::{Outcome, govshare_url};
use crate::common::{Clients, TestServer, publish_entry, register_entry, sample_metadata};
use chrono::Datelike as _;
use govshare_server::proto::{Role, ShareType};
use serde_json::Value;

/// Runs `govshare --server <url> --token T <args>` with nothing from the environment.
async fn govshare_at(url: &str, token: &str, args: &[&str]) -> Outcome {
    govshare_url(url, Some(token), args).await
}

/// Nothing listens on port 1: a command refused there was judged without a round trip.
const NO_SERVER: &str = "http://127.0.0.1:1";

/// A providing department A with a cataloguer and an approver, and a requesting department B
/// with a consumer.
struct World {
    server: TestServer,
    provider: String,
    requester: String,
    cataloguer: Clients,
    approver: String,
    consumer: String,
}

impl World {
    async fn new() -> World {
        let server = TestServer::start().await;
        let provider = server.department(1, "市公安局").await;
        let requester = server.department(2, "市民政局").await;
        let cataloguer = server.token(&provider, &[Role::Cataloguer]).await;
        let approver = server.token_secret(&provider, &[Role::Approver]).await;
        let consumer = server.token_secret(&requester, &[Role::Consumer]).await;
        World {
            server,
            provider,
            requester,
            cataloguer,
            approver,
            consumer,
        }
    }

    /// Publishes the sample entry (姓名, 公民身份号码, 出生日期; items inherit the entry's
    /// type) of department A as `share_type`; returns its code.
    async fn entry(&self, share_type: ShareType) -> String {
        let mut metadata = sample_metadata(&self.provider);
        let sharing = metadata.sharing.as_mut().unwrap();
        sharing.share_type = share_type as i32;
        if share_type == ShareType::Unconditional {
            sharing.condition.clear();
        }
        let entry = register_entry(&self.cataloguer, metadata).await;
        publish_entry(&self.server, &self.cataloguer, &entry.code).await;
        entry.code
    }

    async fn run(&self, token: &str, args: &[&str]) -> Outcome {
        govshare_at(&format!("http://{}", self.server.addr), token, args).await
    }

    /// `request create` by B's consumer for `code`, with every required text and `extra`.
    async fn create(&self, code: &str, extra: &[&str]) -> Outcome {
        let args = [
            &[
                "request",
                "create",
                "--entry",
                code,
                "--purpose",
                "办理低保资格审核时核验申请人身份",
                "--use-scope",
                "本局社会救助科",
                "--business-system",
                "社会救助信息系统",
            ][..],
            extra,
        ]
        .concat();
        self.run(&self.consumer, &args).await
    }

    /// The number of a new pending request for a 有条件共享 entry.
    async fn pending_request(&self) -> String {
        let code = self.entry(ShareType::Conditional).await;
        let created = self.create(&code, &["--output", "json"]).await.json();
        assert_eq!(created["state"], "REQUEST_STATE_PENDING", "{created:#}");
        created["id"].as_str().unwrap().to_string()
    }

    /// The number of a grant issued at once on a request for a 无条件共享 entry.
    async fn granted_at_once(&self) -> String {
        let code = self.entry(ShareType::Unconditional).await;
        let created = self.create(&code, &["--output", "json"]).await.json();
        created["grant_id"].as_str().unwrap().to_string()
    }

    /// The grants `token` lists, as JSON.
    async fn grants(&self, token: &str, extra: &[&str]) -> Vec<Value> {
        let args = [&["grant", "list", "--output", "json"][..], extra].concat();
        let list = self.run(token, &args).await.json();
        list["grants"].as_array().unwrap().clone()
    }
}

/// June 30 of next year: a date always ahead, within the longest grant period.
fn next_june_30() -> String {
    format!("{}-06-30", chrono::Utc::now().year() + 1)
}

#[tokio::test(flavor = "multi_thread")]
async fn request_for_a_conditional_entry_awaits_an_answer_by_a_due_date() {
    let world = World::new().await;
    let code = world.entry(ShareType::Conditional).await;

    let created = world.create(&code, &[]).await;

    assert_eq!(created.row("状态"), "待答复", "{}", created.stdout);
    assert_eq!(created.row("共享类型"), "有条件共享", "{}", created.stdout);
    let due = created.row("答复期限");
    let date = due.get(..10).unwrap_or("");
    assert!(
        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
        "no due date in\n{}",
        created.stdout
    );
    assert!(!due.contains("已逾期"), "{}", created.stdout);
    assert_eq!(created.row("授权编号"), "-", "{}", created.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn request_for_an_unconditional_entry_is_approved_at_once_with_a_grant() {
    let world = World::new().await;
    let code = world.entry(ShareType::Unconditional).await;

    let created = world.create(&code, &[]).await;

    assert_eq!(created.row("状态"), "已同意", "{}", created.stdout);
    assert_eq!(created.row("授权编号"), "GRT-000001", "{}", created.stdout);
    assert_eq!(created.row("答复期限"), "-", "{}", created.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn request_get_shows_the_parties_and_who_did_what() {
    let world = World::new().await;
    let id = world.pending_request().await;
    let me = world
        .run(&world.consumer, &["whoami", "--output", "json"])
        .await
        .json();
    let consumer_token_id = me["token_id"].as_str().unwrap();

    let shown = world.run(&world.approver, &["request", "get", &id]).await;

    assert_eq!(shown.row("申请编号"), id);
    assert_eq!(
        shown.row("提供方 → 申请方"),
        format!("{} → {}", world.provider, world.requester)
    );
    assert_eq!(shown.row("信息项"), "姓名、公民身份号码、出生日期");
    let history = shown
        .stdout
        .lines()
        .find(|l| l.contains(consumer_token_id))
        .unwrap_or_else(|| panic!("no history line of the consumer in\n{}", shown.stdout));
    assert!(history.contains(&world.requester), "{history}");
    assert!(history.contains("待答复"), "{history}");
}

#[tokio::test(flavor = "multi_thread")]
async fn approval_of_one_item_narrows_the_grant_to_it() {
    let world = World::new().await;
    let id = world.pending_request().await;

    let decided = world
        .run(
            &world.approver,
            &[
                "request",
                "decide",
                &id,
                "--approve",
                "--item",
                "姓名",
                "--output",
                "json",
            ],
        )
        .await
        .json();

    assert_eq!(decided["state"], "REQUEST_STATE_APPROVED", "{decided:#}");
    let grants = world.grants(&world.consumer, &[]).await;
    assert_eq!(grants.len(), 1, "{grants:#?}");
    assert_eq!(grants[0]["id"], decided["grant_id"]);
    assert_eq!(grants[0]["items"], serde_json::json!(["姓名"]));
    assert_eq!(grants[0]["state"], "GRANT_STATE_ACTIVE");
}

#[tokio::test(flavor = "multi_thread")]
async fn refusal_without_a_reason_fails_naming_the_reason_field() {
    let world = World::new().await;
    let id = world.pending_request().await;

    let refused = world
        .run(&world.approver, &["request", "decide", &id, "--refuse"])
        .await;

    assert_eq!(refused.code, 1, "{refused:#?}");
    assert!(refused.stdout.is_empty(), "{refused:#?}");
    assert!(
        refused.stderr.contains("INVALID_ARGUMENT"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("  - reason: "),
        "{}",
        refused.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refusal_with_a_reason_is_recorded() {
    let world = World::new().await;
    let id = world.pending_request().await;

    let refused = world
        .run(
            &world.approver,
            &[
                "request",
                "decide",
                &id,
                "--refuse",
                "--reason",
                "用途超出职责范围",
            ],
        )
        .await;

    assert_eq!(refused.row("状态"), "已拒绝", "{}", refused.stdout);
    assert_eq!(
        refused.row("理由"),
        "用途超出职责范围",
        "{}",
        refused.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn withdrawn_request_is_shown_withdrawn_with_its_reason() {
    let world = World::new().await;
    let id = world.pending_request().await;

    let withdrawn = world
        .run(
            &world.consumer,
            &["request", "withdraw", &id, "--reason", "业务已调整"],
        )
        .await;

    assert_eq!(withdrawn.row("状态"), "已撤回", "{}", withdrawn.stdout);
    assert_eq!(withdrawn.row("理由"), "业务已调整", "{}", withdrawn.stdout);
    let history = withdrawn
        .success()
        .lines()
        .any(|l| l.contains("业务已调整") && l.contains("已撤回"));
    assert!(
        history,
        "no withdrawal in the history:\n{}",
        withdrawn.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn incoming_pending_list_holds_only_the_requests_awaiting_an_answer() {
    let world = World::new().await;
    let pending = world.pending_request().await;
    world.granted_at_once().await;

    let list = world
        .run(
            &world.approver,
            &[
                "request",
                "list",
                "--direction",
                "incoming",
                "--state",
                "待答复",
                "--output",
                "json",
            ],
        )
        .await
        .json();

    let ids: Vec<&Value> = list["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert_eq!(ids, [pending.as_str()], "{list:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn request_list_table_shows_state_and_grant() {
    let world = World::new().await;
    let grant = world.granted_at_once().await;

    let listed = world
        .run(&world.consumer, &["request", "list", "--direction", "out"])
        .await;

    let table = listed.success();
    assert!(table.contains("REQ-000001"), "{table}");
    assert!(table.contains("已同意"), "{table}");
    assert!(table.contains(&grant), "{table}");
}

#[tokio::test(flavor = "multi_thread")]
async fn grant_list_table_shows_items_and_state() {
    let world = World::new().await;
    let grant = world.granted_at_once().await;

    let listed = world
        .run(
            &world.approver,
            &["grant", "list", "--direction", "incoming"],
        )
        .await;

    let table = listed.success();
    assert!(table.contains(&grant), "{table}");
    assert!(table.contains("姓名、公民身份号码、出生日期"), "{table}");
    assert!(table.contains("有效"), "{table}");
}

/// `--direction issued` lists what the department issued (the provider's approver sees the
/// grant, the consumer does not), `received` what it holds (the other way round), in the
/// console's words 本部门发出的授权 / 本部门获得的授权.
#[tokio::test(flavor = "multi_thread")]
async fn grant_list_directions_are_issued_and_received() {
    let world = World::new().await;
    let grant = world.granted_at_once().await;
    let ids = |grants: Vec<Value>| -> Vec<String> {
        grants
            .iter()
            .map(|g| g["id"].as_str().unwrap().to_string())
            .collect()
    };

    let issued_by_provider = ids(world
        .grants(&world.approver, &["--direction", "issued"])
        .await);
    let received_by_provider = ids(world
        .grants(&world.approver, &["--direction", "received"])
        .await);
    let received_by_consumer = ids(world
        .grants(&world.consumer, &["--direction", "received"])
        .await);
    let issued_by_consumer = ids(world
        .grants(&world.consumer, &["--direction", "发出"])
        .await);

    assert_eq!(issued_by_provider, std::slice::from_ref(&grant));
    assert!(received_by_provider.is_empty(), "{received_by_provider:?}");
    assert_eq!(received_by_consumer, [grant]);
    assert!(issued_by_consumer.is_empty(), "{issued_by_consumer:?}");

    let refused = world
        .run(
            &world.consumer,
            &["grant", "list", "--direction", "sideways"],
        )
        .await;
    assert_eq!(refused.code, 2, "{refused:#?}");
    assert!(
        refused.stderr.contains("received") && refused.stderr.contains("issued"),
        "{refused:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn grant_revoke_without_a_reason_is_a_usage_error() {
    let refused = govshare_at(NO_SERVER, "unused", &["grant", "revoke", "GRT-000001"]).await;

    assert_eq!(refused.code, 2, "{refused:#?}");
    assert!(refused.stderr.contains("--reason"), "{}", refused.stderr);
    assert!(
        !refused.stderr.contains("cannot connect"),
        "{}",
        refused.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn grant_revoke_with_a_reason_revokes_the_grant() {
    let world = World::new().await;
    let grant = world.granted_at_once().await;

    let revoked = world
        .run(
            &world.approver,
            &["grant", "revoke", &grant, "--reason", "申请方违规转供数据"],
        )
        .await;

    assert_eq!(revoked.row("状态"), "已撤销", "{}", revoked.stdout);
    assert_eq!(revoked.row("撤销理由"), "申请方违规转供数据");
    let listed = world.grants(&world.consumer, &["--state", "revoked"]).await;
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0]["id"], grant.as_str());
    assert_eq!(listed[0]["revoke_reason"], "申请方违规转供数据");
}

#[tokio::test(flavor = "multi_thread")]
async fn until_a_date_lasts_through_that_day_in_beijing_time() {
    let world = World::new().await;
    let code = world.entry(ShareType::Unconditional).await;
    let day = next_june_30();

    let created = world
        .create(&code, &["--until", &day, "--output", "json"])
        .await
        .json();

    let end = format!("{day}T16:00:00Z");
    assert_eq!(created["requested_until"], end.as_str(), "{created:#}");
    let grants = world.grants(&world.consumer, &[]).await;
    assert_eq!(grants[0]["valid_until"], end.as_str(), "{grants:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn approval_until_a_date_shortens_the_grant_to_that_day() {
    let world = World::new().await;
    let id = world.pending_request().await;
    let day = next_june_30();

    let decided = world
        .run(
            &world.approver,
            &[
                "request",
                "decide",
                &id,
                "--approve",
                "--until",
                &day,
                "--output",
                "json",
            ],
        )
        .await
        .json();

    let grant_id = decided["grant_id"].as_str().unwrap();
    let grants = world.grants(&world.approver, &[]).await;
    let grant = grants.iter().find(|g| g["id"] == grant_id).unwrap();
    assert_eq!(grant["valid_until"], format!("{day}T16:00:00Z").as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_until_is_refused_naming_the_flag_and_the_forms() {
    let refused = govshare_at(
        NO_SERVER,
        "unused",
        &[
            "request",
            "create",
            "--entry",
            "101001/000001",
            "--purpose",
            "p",
            "--use-scope",
            "u",
            "--business-system",
            "b",
            "--until",
            "2027/06/30",
        ],
    )
    .await;

    assert_eq!(refused.code, 2, "{refused:#?}");
    assert!(refused.stderr.contains("--until"), "{}", refused.stderr);
    assert!(refused.stderr.contains("YYYY-MM-DD"), "{}", refused.stderr);
    assert!(refused.stderr.contains("RFC 3339"), "{}", refused.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_state_is_refused_with_the_choices() {
    let refused = govshare_at(
        NO_SERVER,
        "unused",
        &["request", "list", "--state", "已完成"],
    )
    .await;

    assert_eq!(refused.code, 2, "{refused:#?}");
    assert!(refused.stderr.contains("--state"), "{}", refused.stderr);
    assert!(refused.stderr.contains("待答复"), "{}", refused.stderr);
}
