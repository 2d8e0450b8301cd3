//! The `govshare` binary against a real server: what scripts see on stdout, stderr and in the
//! exit code of each client command.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use crate::common::TestServer;
use crate::common::cli::{Outcome, govshare_url as govshare_at};
use govshare_server::proto::Role;
use serde_json::Value;

/// The example metadata file shipped for operators.
fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/examples/entry.yaml")
}

fn example_text() -> String {
    std::fs::read_to_string(example_path()).unwrap()
}

/// The example file with `from` replaced by `to` (which must occur), written to `dir`.
fn edited_example(dir: &Path, edits: &[(&str, &str)]) -> PathBuf {
    let mut text = example_text();
    for (from, to) in edits {
        assert!(text.contains(from), "the example no longer holds {from:?}");
        text = text.replacen(from, to, 1);
    }
    let path = dir.join("entry.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

async fn govshare(server: &TestServer, token: Option<&str>, args: &[&str]) -> Outcome {
    govshare_at(&format!("http://{}", server.addr), token, args).await
}

/// A department and a cataloguer token of it.
async fn cataloguer(server: &TestServer) -> (String, String) {
    let dept = server.department(1, "市公安局").await;
    let token = server.token_secret(&dept, &[Role::Cataloguer]).await;
    (dept, token)
}

/// Registers the example file through the binary and returns the new entry's code.
async fn register_example(server: &TestServer, token: &str) -> String {
    let file = example_path();
    let entry = govshare(
        server,
        Some(token),
        &[
            "entry",
            "register",
            "--file",
            file.to_str().unwrap(),
            "--output",
            "json",
        ],
    )
    .await
    .json();
    entry["code"].as_str().unwrap().to_string()
}

/// Updates `code` from version 1 with the example's 更新周期 changed from 每日 to 每周.
async fn update_cycle_to_weekly(server: &TestServer, token: &str, code: &str) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let file = edited_example(dir.path(), &[("update_cycle: 每日", "update_cycle: 每周")]);
    govshare(
        server,
        Some(token),
        &[
            "entry",
            "update",
            code,
            "--expected-version",
            "1",
            "--file",
            file.to_str().unwrap(),
            "--note",
            "改为每周更新",
            "--output",
            "json",
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn created_department_appears_in_the_json_list() {
    let server = TestServer::start().await;
    let code = govshare_model::testing::valid_credit_code(7);
    let admin = Some(server.admin_token.as_str());
    govshare(
        &server,
        admin,
        &[
            "dept",
            "create",
            "--code",
            &code,
            "--name",
            "市民政局",
            "--region",
            "110000",
        ],
    )
    .await
    .success();

    let list = govshare(&server, admin, &["dept", "list", "--output", "json"])
        .await
        .json();

    let departments = list["departments"].as_array().unwrap();
    let created = departments
        .iter()
        .find(|d| d["code"] == code.as_str())
        .unwrap_or_else(|| panic!("{code} missing from {list:#}"));
    assert_eq!(created["name"], "市民政局");
    assert_eq!(created["region_code"], "110000");
    assert_eq!(created["parent_code"], "");
}

#[tokio::test(flavor = "multi_thread")]
async fn issued_cataloguer_token_is_recognised_by_whoami() {
    let server = TestServer::start().await;
    let dept = server.department(1, "市公安局").await;

    let issued = govshare(
        &server,
        Some(&server.admin_token),
        &[
            "token",
            "issue",
            "--dept",
            &dept,
            "--role",
            "CATALOGUER",
            "--name",
            "编目系统",
            "--output",
            "json",
        ],
    )
    .await
    .json();
    let token = issued["token"].as_str().unwrap();
    assert!(!token.is_empty(), "{issued:#}");

    let me = govshare(&server, Some(token), &["whoami", "--output", "json"])
        .await
        .json();

    assert_eq!(me["department"]["code"], dept.as_str());
    assert_eq!(me["department"]["name"], "市公安局");
    assert_eq!(me["roles"], serde_json::json!(["ROLE_CATALOGUER"]));
    assert_eq!(me["token_id"], issued["token_id"]);
    assert_eq!(me["token_name"], "编目系统");
}

#[tokio::test(flavor = "multi_thread")]
async fn example_file_registers_a_draft_at_version_one() {
    let server = TestServer::start().await;
    let (dept, token) = cataloguer(&server).await;
    let file = example_path();

    let entry = govshare(
        &server,
        Some(&token),
        &[
            "entry",
            "register",
            "--file",
            file.to_str().unwrap(),
            "--output",
            "json",
        ],
    )
    .await
    .json();

    let code = entry["code"].as_str().unwrap();
    assert!(code.starts_with("101001/"), "{code}");
    assert!(code.ends_with("/000001"), "{code}");
    assert_eq!(entry["state"], "ENTRY_STATE_DRAFT");
    assert_eq!(entry["head_version"], "1");
    assert_eq!(entry["published_version"], "0");
    assert_eq!(entry["provider_code"], dept.as_str());
    assert_eq!(entry["metadata"]["name"], "人口基础信息");
    assert_eq!(entry["metadata"]["provider_code"], dept.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn entry_get_prints_the_metadata_as_proto_json() {
    let server = TestServer::start().await;
    let (_, token) = cataloguer(&server).await;
    let code = register_example(&server, &token).await;

    let entry = govshare(
        &server,
        Some(&token),
        &["entry", "get", &code, "--output", "json"],
    )
    .await
    .json();

    assert_eq!(entry["code"], code.as_str());
    assert_eq!(entry["version"]["version"], "1");
    let metadata = &entry["metadata"];
    assert_eq!(metadata["classification"]["category"], "CATEGORY_BASE");
    assert_eq!(metadata["sharing"]["share_type"], "SHARE_TYPE_CONDITIONAL");
    assert_eq!(metadata["update_cycle"], "UPDATE_CYCLE_DAILY");
    assert_eq!(metadata["publish_date"], "2024-03-15");
    let items = metadata["items"].as_array().unwrap();
    assert_eq!(items.len(), 7);
    assert_eq!(items[0]["name"], "公民身份号码");
    assert_eq!(items[0]["data_type"], "DATA_TYPE_C");
    assert_eq!(items[4]["data_type"], "DATA_TYPE_D");
    assert_eq!(items[6]["share_type"], "SHARE_TYPE_NOT_SHARED");
}

#[tokio::test(flavor = "multi_thread")]
async fn update_adds_a_version_that_history_and_diff_show() {
    let server = TestServer::start().await;
    let (_, token) = cataloguer(&server).await;
    let code = register_example(&server, &token).await;

    let updated = update_cycle_to_weekly(&server, &token, &code).await.json();
    assert_eq!(updated["head_version"], "2");

    let history = govshare(
        &server,
        Some(&token),
        &["entry", "history", &code, "--output", "json"],
    )
    .await
    .json();
    let versions = history["versions"].as_array().unwrap();
    let numbers: Vec<&Value> = versions.iter().map(|v| &v["version"]).collect();
    assert_eq!(numbers, ["1", "2"], "{history:#}");
    assert_eq!(versions[1]["note"], "改为每周更新");
    assert_ne!(versions[0]["digest"], versions[1]["digest"]);

    let diff = govshare(
        &server,
        Some(&token),
        &["entry", "diff", &code, "1", "2", "--output", "json"],
    )
    .await
    .json();
    let paths: Vec<&Value> = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["path"])
        .collect();
    assert_eq!(paths, ["update_cycle"], "{diff:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn submitted_entry_approved_by_the_admin_is_published() {
    let server = TestServer::start().await;
    let (_, token) = cataloguer(&server).await;
    let code = register_example(&server, &token).await;

    let submitted = govshare(
        &server,
        Some(&token),
        &[
            "entry",
            "submit",
            &code,
            "--expected-version",
            "1",
            "--output",
            "json",
        ],
    )
    .await
    .json();
    assert_eq!(submitted["state"], "ENTRY_STATE_PENDING_PUBLISH");

    let reviewed = govshare(
        &server,
        Some(&server.admin_token),
        &[
            "entry",
            "review",
            &code,
            "--version",
            "1",
            "--approve",
            "--output",
            "json",
        ],
    )
    .await
    .json();

    assert_eq!(reviewed["state"], "ENTRY_STATE_PUBLISHED");
    assert_eq!(reviewed["published_version"], "1");
}

#[tokio::test(flavor = "multi_thread")]
async fn update_from_a_stale_version_fails_with_aborted() {
    let server = TestServer::start().await;
    let (_, token) = cataloguer(&server).await;
    let code = register_example(&server, &token).await;
    update_cycle_to_weekly(&server, &token, &code).await.json();

    // The same edit again, still claiming to start from version 1.
    let stale = update_cycle_to_weekly(&server, &token, &code).await;

    assert_eq!(stale.code, 1, "{stale:#?}");
    assert!(stale.stdout.is_empty(), "{stale:#?}");
    assert!(stale.stderr.contains("ABORTED"), "{}", stale.stderr);
    assert!(
        stale.stderr.contains("is at version 2, not 1"),
        "{}",
        stale.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn metadata_refused_by_the_server_lists_every_failing_field() {
    let server = TestServer::start().await;
    let (_, token) = cataloguer(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let file = edited_example(
        dir.path(),
        &[
            ("\nname: 人口基础信息\n", "\nname: \"\"\n"),
            (
                "publish_date: \"2024-03-15\"",
                "publish_date: \"2024-13-45\"",
            ),
        ],
    );

    let refused = govshare(
        &server,
        Some(&token),
        &["entry", "register", "--file", file.to_str().unwrap()],
    )
    .await;

    assert_eq!(refused.code, 1, "{refused:#?}");
    assert!(
        refused.stderr.contains("INVALID_ARGUMENT"),
        "{}",
        refused.stderr
    );
    for field in ["metadata.name", "metadata.publish_date"] {
        assert!(
            refused.stderr.contains(&format!("  - {field}: ")),
            "{field} missing from\n{}",
            refused.stderr
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_enum_label_is_refused_before_contacting_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let file = edited_example(
        dir.path(),
        &[("share_type: 有条件共享", "share_type: 随便")],
    );

    // Nothing listens on port 1: the file must be judged without a round trip.
    let refused = govshare_at(
        "http://127.0.0.1:1",
        Some("unused"),
        &["entry", "register", "--file", file.to_str().unwrap()],
    )
    .await;

    assert_eq!(refused.code, 1, "{refused:#?}");
    assert!(
        refused
            .stderr
            .contains("sharing.share_type: unknown value \"随便\""),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("有条件共享"), "{}", refused.stderr);
    assert!(
        !refused.stderr.contains("cannot connect"),
        "{}",
        refused.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn entry_list_table_shows_the_chinese_name() {
    let server = TestServer::start().await;
    let (_, token) = cataloguer(&server).await;
    let code = register_example(&server, &token).await;

    let listed = govshare(&server, Some(&token), &["entry", "list"]).await;

    let table = listed.success();
    assert!(table.contains(&code), "{table}");
    assert!(table.contains("人口基础信息"), "{table}");
    assert!(table.contains("已创建"), "{table}");
}

#[tokio::test(flavor = "multi_thread")]
async fn command_without_a_token_fails_unauthenticated() {
    let server = TestServer::start().await;

    let refused = govshare(&server, None, &["whoami"]).await;

    assert_eq!(refused.code, 1, "{refused:#?}");
    assert!(refused.stdout.is_empty(), "{refused:#?}");
    assert!(
        refused.stderr.contains("UNAUTHENTICATED"),
        "{}",
        refused.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn token_file_in_the_data_dir_authenticates_the_admin() {
    let server = TestServer::start().await;
    let token_file = server.dir.path().join("admin.token");

    let me = govshare(
        &server,
        None,
        &[
            "--token-file",
            token_file.to_str().unwrap(),
            "whoami",
            "--output",
            "json",
        ],
    )
    .await
    .json();

    assert_eq!(me["roles"], serde_json::json!(["ROLE_ADMIN"]));
}
