//! The web console end to end: headless Chromium (Debian's `chromium`), driven by Playwright's
//! `playwright-core` (console/node_modules, installed by `scripts/console`, which
//! `scripts/test` runs), works through the console served by a real server: a registration
//! through the form with a validation error, submission, review by the administrator, a
//! request by another department, the decision and the grant, the grant's revocation, the
//! access log and the yearly report. `console/e2e/flow.mjs` holds
//! the browser's steps; this test starts the server, issues the credentials, runs the flow and
//! then checks through the native gRPC API that what the browser did is really stored.
//!
//! Run alone with `cargo test --test it console_e2e::`. Screenshots of each step are kept under
//! `target/test-artifacts/console/`.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::common::TestServer;
use govshare_model::{CreditCode, ResourceCode, ShareType};
use govshare_server::proto::{self, Role};
use govshare_sharing::{Actor, NewRequest};
use govshare_store::SharingStore as _;
use govshare_store::sled::{SledOptions, SledStore};

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

fn console_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("console")
}

/// `target/test-artifacts/console`, emptied.
fn artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("test-artifacts")
        .join("console");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A stopped server's data directory holding a published entry of the provider and a
/// conditional request for it from the consumer, submitted six weeks ago and never answered:
/// overdue.
struct Overdue {
    dir: tempfile::TempDir,
    request_id: String,
}

async fn seed_overdue_request(
    server: TestServer,
    provider_token: &str,
    consumer_code: &str,
) -> Overdue {
    let provider = server.clients(provider_token);
    let entry = common::register_entry(&provider, common::sample_metadata("")).await;
    let entry = common::publish_entry(&server, &provider, &entry.code).await;
    let dir = server.stop().await;

    let store = SledStore::open(dir.path(), &SledOptions::default()).unwrap();
    let calendar = govshare_server::server::load_calendar(&Default::default()).unwrap();
    let submitted = chrono::Utc::now() - chrono::Duration::weeks(6);
    let consumer = CreditCode::parse(consumer_code).unwrap();
    let (record, _) = store
        .create_request(NewRequest {
            entry_code: ResourceCode::parse(&entry.code).unwrap(),
            entry_version: entry.published_version,
            provider_code: CreditCode::parse(&entry.provider_code).unwrap(),
            requester_code: consumer.clone(),
            items: vec!["姓名".into()],
            share_type: ShareType::Conditional,
            purpose: "核验身份".into(),
            use_scope: "本局".into(),
            business_system: "社保经办系统".into(),
            requested_until: None,
            submitted_at: submitted,
            due_at: Some(calendar.deadline(submitted, 10)),
            grant_until: None,
            actor: Actor {
                token_id: "tok_consumer".into(),
                department: Some(consumer),
            },
        })
        .await
        .unwrap();
    drop(store);
    Overdue {
        dir,
        request_id: record.id.to_string(),
    }
}

/// What the browser reports having made.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Made {
    entry_code: String,
    request_id: String,
    grant_id: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_registers_publishes_requests_and_grants_through_the_console() {
    let node = on_path("node").expect("Node.js is not installed: run scripts/test");
    let chromium = ["chromium", "chromium-browser"]
        .iter()
        .find_map(|name| on_path(name))
        .expect("chromium is not installed: run scripts/test, or apt-get install chromium");
    assert!(
        console_dir().join("node_modules/playwright-core").is_dir(),
        "console/node_modules is missing: run scripts/console (scripts/test does)"
    );

    let server = TestServer::start().await;
    let provider_code = server.department(1, "市市场监督管理局").await;
    let consumer_code = server.department(2, "市人力资源和社会保障局").await;
    let provider = server
        .token_secret(&provider_code, &[Role::Cataloguer, Role::Approver])
        .await;
    let consumer = server.token_secret(&consumer_code, &[Role::Consumer]).await;
    let overdue = seed_overdue_request(server, &provider, &consumer_code).await;
    // The same data directory, with the request that has been waiting six weeks.
    let server = TestServer::start_in(overdue.dir).await;
    let console = server
        .console_addr
        .expect("the console is served by default");

    let artifacts = artifacts_dir();
    let run = tokio::process::Command::new(node)
        .arg(console_dir().join("e2e/flow.mjs"))
        .current_dir(console_dir())
        .env("GOVSHARE_CONSOLE_URL", format!("http://{console}/"))
        .env("GOVSHARE_CHROMIUM", chromium)
        .env("GOVSHARE_E2E_ARTIFACTS", &artifacts)
        .env("GOVSHARE_E2E_ADMIN_TOKEN", &server.admin_token)
        .env("GOVSHARE_E2E_PROVIDER_TOKEN", &provider)
        .env("GOVSHARE_E2E_CONSUMER_TOKEN", &consumer)
        .env("GOVSHARE_E2E_OVERDUE_REQUEST", &overdue.request_id)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .expect("the browser flow took more than five minutes")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the browser flow failed ({}); screenshots in {}\n{}\n{}",
        output.status,
        artifacts.display(),
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    let made: Made = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("the flow's last line is not its result ({e}): {stdout}"));

    // What the browser did is in the store, as the native API reads it.
    let admin = server.admin();
    let entry = common::get_entry(&admin, &made.entry_code, 0)
        .await
        .unwrap();
    assert_eq!(entry.state, proto::EntryState::Published as i32);
    assert_eq!(entry.provider_code, provider_code);
    let metadata = entry.metadata.unwrap();
    assert_eq!(metadata.name, "企业登记基本信息（端到端）");
    assert_eq!(metadata.classification.unwrap().item, "02");
    let items: Vec<_> = metadata.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(items, ["统一社会信用代码", "企业名称"]);
    // The refused first attempt stored nothing: besides the seeded entry, the department has
    // only the one the browser registered.
    let codes = common::listed_codes(
        &admin,
        proto::ListEntriesRequest {
            provider_code: provider_code.clone(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(codes.len(), 2, "{codes:?}");
    assert!(codes.contains(&made.entry_code), "{codes:?}");

    let request = common::get_request(&admin, &made.request_id).await.unwrap();
    assert_eq!(request.state, proto::RequestState::Approved as i32);
    assert_eq!(request.requester_code, consumer_code);
    assert_eq!(request.entry_code, made.entry_code);
    assert_eq!(request.grant_id, made.grant_id);
    // Revoked in the browser, once a reason was given.
    let grant = common::grant_by_id(&server, &made.grant_id).await;
    assert_eq!(grant.state, proto::GrantState::Revoked as i32);
    assert_eq!(grant.revoke_reason, "业务系统已停用");
    assert_eq!(grant.consumer_code, consumer_code);

    // Every console call is in the access log like any other: the decision among them.
    let records = admin
        .audit
        .clone()
        .query_access_log(proto::QueryAccessLogRequest {
            method: "DecideRequest".into(),
            target: made.request_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .records;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].department_code, provider_code);

    for step in [
        "entry-form-validation-error",
        "review-approved",
        "grant-visible",
    ] {
        assert!(
            std::fs::read_dir(&artifacts).unwrap().any(|f| f
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(step)),
            "no screenshot of {step} in {}",
            artifacts.display()
        );
    }
    server.stop().await;
}
