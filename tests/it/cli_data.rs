//! `govshare data` against a real server: publishing files, fetching them under grants and
//! listing snapshots, as scripts and people see it on stdout, stderr, in the exit code and on
//! disk.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use crate::common::{
    Clients, TestServer, create_request, metadata_shared_as, published_entry, request_for,
};
use govshare_server::proto::{Role, ShareType};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// What one run of the binary left behind.
#[derive(Debug)]
struct Outcome {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Outcome {
    fn stdout(&self) -> String {
        String::from_utf8(self.stdout.clone()).unwrap()
    }

    /// Stdout parsed as JSON, after checking that the command succeeded.
    fn json(&self) -> Value {
        assert_eq!(self.code, 0, "command failed: {self:#?}");
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout()))
    }

    fn success(&self) -> String {
        assert_eq!(self.code, 0, "command failed: {self:#?}");
        self.stdout()
    }

    fn failure(&self) -> &str {
        assert_eq!(self.code, 1, "expected exit code 1: {self:#?}");
        &self.stderr
    }
}

/// The value cell of the key/value row labelled `label` in a printed record
/// (`│ label ┆ value │`).
fn row(text: &str, label: &str) -> String {
    let cells = |line: &str| -> Vec<String> {
        line.trim_matches('│')
            .split('┆')
            .map(|c| c.trim().to_string())
            .collect()
    };
    text.lines()
        .map(cells)
        .find(|c| c.len() == 2 && c[0] == label)
        .map(|c| c[1].clone())
        .unwrap_or_else(|| panic!("no row {label} in\n{text}"))
}

fn sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `count` bytes no compressor or projection would leave unchanged by accident.
fn noise(count: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

const CSV: &str = "姓名,公民身份号码,出生日期\n\
                   张三,110101199003071234,1990-03-07\n\
                   李四,110101198512121234,1985-12-12\n";

/// A providing department A with a cataloguer (sample entry 姓名, 公民身份号码, 出生日期) and a
/// requesting department B with a consumer; a scratch directory for files.
struct World {
    server: TestServer,
    provider: String,
    cataloguer: String,
    cataloguer_clients: Clients,
    consumer: String,
    consumer_clients: Clients,
    files: tempfile::TempDir,
}

impl World {
    async fn new() -> World {
        let server = TestServer::start().await;
        let provider = server.department(1, "市公安局").await;
        let requester = server.department(2, "市民政局").await;
        let cataloguer = server.token_secret(&provider, &[Role::Cataloguer]).await;
        let consumer = server.token_secret(&requester, &[Role::Consumer]).await;
        World {
            cataloguer_clients: server.clients(&cataloguer),
            consumer_clients: server.clients(&consumer),
            server,
            provider,
            cataloguer,
            consumer,
            files: tempfile::tempdir().unwrap(),
        }
    }

    /// A published 无条件共享 entry of A; returns its code.
    async fn entry(&self) -> String {
        published_entry(
            &self.server,
            &self.cataloguer_clients,
            metadata_shared_as(&self.provider, ShareType::Unconditional),
        )
        .await
    }

    /// Writes `data` to the scratch file `name`.
    fn file(&self, name: &str, data: &[u8]) -> PathBuf {
        let path = self.files.path().join(name);
        std::fs::write(&path, data).unwrap();
        path
    }

    fn path(&self, name: &str) -> String {
        self.files.path().join(name).to_str().unwrap().to_owned()
    }

    /// Runs `govshare --server <url> --token T <args>` with nothing from the environment.
    async fn run(&self, token: &str, args: &[&str]) -> Outcome {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_govshare"))
            .env_remove("GOVSHARE_TOKEN")
            .env_remove("GOVSHARE_SERVER")
            .arg("--server")
            .arg(format!("http://{}", self.server.addr))
            .arg("--token")
            .arg(token)
            .args(args)
            .output()
            .await
            .unwrap();
        Outcome {
            code: output
                .status
                .code()
                .expect("the binary was killed by a signal"),
            stdout: output.stdout,
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// `data publish FILE --entry CODE` by A's cataloguer, with `extra`.
    async fn publish(&self, file: &Path, code: &str, extra: &[&str]) -> Outcome {
        let args = [
            &["data", "publish", file.to_str().unwrap(), "--entry", code][..],
            extra,
        ]
        .concat();
        self.run(&self.cataloguer, &args).await
    }

    /// `data fetch --entry CODE -o OUT` by B's consumer, with `extra`.
    async fn fetch(&self, code: &str, out: &str, extra: &[&str]) -> Outcome {
        let args = [&["data", "fetch", "--entry", code, "-o", out][..], extra].concat();
        self.run(&self.consumer, &args).await
    }

    /// B asks for `items` of `code` (none: every item); 无条件共享 is granted at once.
    async fn grant(&self, code: &str, items: &[&str]) -> String {
        let request = create_request(&self.consumer_clients, request_for(code, items))
            .await
            .unwrap();
        assert!(!request.grant_id.is_empty(), "not granted: {request:?}");
        request.grant_id
    }
}

#[tokio::test]
async fn publishing_a_csv_prints_the_snapshot_for_people_and_scripts() {
    let world = World::new().await;
    let code = world.entry().await;
    let file = world.file("人口.csv", CSV.as_bytes());

    let printed = world
        .publish(&file, &code, &["--note", "2024 年第一季度"])
        .await;
    let text = printed.success();
    assert_eq!(row(&text, "快照编号"), "SNP-000001");
    assert_eq!(row(&text, "信息资源代码"), code);
    assert_eq!(row(&text, "媒体类型"), "text/csv");
    assert_eq!(row(&text, "行数"), "2");
    assert_eq!(row(&text, "列"), "姓名、公民身份号码、出生日期");
    assert_eq!(row(&text, "sha256"), sha256(CSV.as_bytes()));
    assert_eq!(row(&text, "大小"), format!("{} 字节", CSV.len()));
    assert_eq!(row(&text, "目录版本"), "1");
    assert_eq!(row(&text, "说明"), "2024 年第一季度");
    assert!(
        printed.stderr.is_empty(),
        "no progress bar without a terminal: {:?}",
        printed.stderr
    );

    let json = world
        .publish(&file, &code, &["--output", "json"])
        .await
        .json();
    assert_eq!(json["id"], "SNP-000002");
    assert_eq!(json["entry_code"], code.as_str());
    assert_eq!(json["rows"], "2");
    assert_eq!(json["size_bytes"], CSV.len().to_string());
    assert_eq!(json["sha256"], sha256(CSV.as_bytes()));
    assert_eq!(json["media_type"], "text/csv");
    assert_eq!(
        json["columns"],
        serde_json::json!(["姓名", "公民身份号码", "出生日期"])
    );
    assert_eq!(json["note"], "");
}

#[tokio::test]
async fn a_binary_file_of_several_mib_comes_back_byte_identical_to_a_grantee() {
    let world = World::new().await;
    let code = world.entry().await;
    let data = noise(3 * 1024 * 1024 + 12_345);
    let file = world.file("archive.bin", &data);

    let published = world
        .publish(&file, &code, &["--output", "json"])
        .await
        .json();
    assert_eq!(published["media_type"], "application/octet-stream");
    assert_eq!(published["size_bytes"], data.len().to_string());
    assert_eq!(published["sha256"], sha256(&data));
    assert_eq!(published["rows"], "0");

    let grant = world.grant(&code, &[]).await;
    let out = world.path("received.bin");
    let fetched = world.fetch(&code, &out, &[]).await;
    assert_eq!(fetched.code, 0, "{fetched:#?}");
    assert!(fetched.stdout.is_empty(), "the summary goes to stderr");
    assert_eq!(std::fs::read(&out).unwrap(), data);
    assert_eq!(row(&fetched.stderr, "快照编号"), "SNP-000001");
    assert_eq!(row(&fetched.stderr, "授权编号"), grant);
    assert_eq!(
        row(&fetched.stderr, "sha256"),
        format!("{} 已校验 (verified)", sha256(&data))
    );
    assert_eq!(
        names(world.files.path()),
        ["archive.bin", "received.bin"],
        "no partial file is left"
    );

    // For scripts: the header and the trailer.
    let again = world.path("again.bin");
    let json = world
        .fetch(&code, &again, &["--output", "json"])
        .await
        .json();
    assert_eq!(json["header"]["grant_id"], grant.as_str());
    assert_eq!(json["header"]["snapshot"]["id"], "SNP-000001");
    assert_eq!(json["header"]["columns"], serde_json::json!([]));
    assert_eq!(json["trailer"]["sha256"], sha256(&data));
    assert_eq!(json["trailer"]["size_bytes"], data.len().to_string());
    assert_eq!(std::fs::read(&again).unwrap(), data);
}

#[tokio::test]
async fn a_grantee_of_two_items_receives_exactly_those_columns() {
    let world = World::new().await;
    let code = world.entry().await;
    let file = world.file("人口.csv", CSV.as_bytes());
    world.publish(&file, &code, &[]).await.success();
    world.grant(&code, &["姓名", "出生日期"]).await;

    let out = world.path("cut.csv");
    let fetched = world.fetch(&code, &out, &[]).await;
    assert_eq!(fetched.code, 0, "{fetched:#?}");
    let expected = "姓名,出生日期\n张三,1990-03-07\n李四,1985-12-12\n";
    assert_eq!(std::fs::read_to_string(&out).unwrap(), expected);
    assert_eq!(row(&fetched.stderr, "交付列"), "姓名、出生日期");
    assert_eq!(row(&fetched.stderr, "行数"), "2");
    assert_eq!(
        row(&fetched.stderr, "sha256"),
        format!("{} 已校验 (verified)", sha256(expected.as_bytes()))
    );
}

#[tokio::test]
async fn a_fetch_without_a_grant_fails_and_leaves_no_file() {
    let world = World::new().await;
    let code = world.entry().await;
    let file = world.file("人口.csv", CSV.as_bytes());
    world.publish(&file, &code, &[]).await.success();

    let out = world.path("denied.csv");
    let refused = world.fetch(&code, &out, &[]).await;
    let stderr = refused.failure();
    assert!(stderr.contains("PERMISSION_DENIED"), "{stderr}");
    assert!(stderr.contains("no active grant"), "{stderr}");
    assert!(stderr.contains(&code), "{stderr}");
    assert!(refused.stdout.is_empty());
    assert_eq!(names(world.files.path()), ["人口.csv"]);
}

#[tokio::test]
async fn snapshots_are_listed_newest_first() {
    let world = World::new().await;
    let code = world.entry().await;
    let file = world.file("人口.csv", CSV.as_bytes());
    for note in ["一月", "二月", "三月"] {
        world
            .publish(&file, &code, &["--note", note])
            .await
            .success();
    }

    let json = world
        .run(
            &world.cataloguer,
            &["data", "snapshots", "--entry", &code, "--output", "json"],
        )
        .await
        .json();
    let ids: Vec<&str> = json["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["SNP-000003", "SNP-000002", "SNP-000001"]);

    let table = world
        .run(&world.cataloguer, &["data", "snapshots", "--entry", &code])
        .await
        .success();
    let at = |text: &str| {
        table
            .find(text)
            .unwrap_or_else(|| panic!("{text} in\n{table}"))
    };
    assert!(at("SNP-000003") < at("SNP-000002") && at("SNP-000002") < at("SNP-000001"));
    assert!(at("三月") < at("一月"));
    assert!(table.contains(&sha256(CSV.as_bytes())[..12]), "{table}");
    assert!(table.contains("text/csv"), "{table}");

    // One page at a time, or all of them.
    let first = world
        .run(
            &world.cataloguer,
            &["data", "snapshots", "--entry", &code, "--page-size", "1"],
        )
        .await;
    assert!(first.success().contains("SNP-000003"));
    assert!(!first.stdout().contains("SNP-000002"));
    assert!(first.stderr.contains("--page-token"), "{first:#?}");
    let all = world
        .run(
            &world.cataloguer,
            &[
                "data",
                "snapshots",
                "--entry",
                &code,
                "--page-size",
                "1",
                "--all",
                "--output",
                "json",
            ],
        )
        .await
        .json();
    assert_eq!(all["snapshots"].as_array().unwrap().len(), 3);
    assert_eq!(all["next_page_token"], "");
}

#[tokio::test]
async fn a_malformed_csv_is_refused_with_its_line_number() {
    let world = World::new().await;
    let code = world.entry().await;
    let bad = "姓名,公民身份号码,出生日期\n\
               张三,110101199003071234,1990-03-07\n\
               李四,110101198512121234,某年某月\n";
    let file = world.file("bad.csv", bad.as_bytes());

    let refused = world.publish(&file, &code, &[]).await;
    let stderr = refused.failure();
    assert!(stderr.contains("INVALID_ARGUMENT"), "{stderr}");
    assert!(stderr.contains("第 3 行"), "{stderr}");
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(refused.stdout.is_empty());

    let listed = world
        .run(
            &world.cataloguer,
            &["data", "snapshots", "--entry", &code, "--output", "json"],
        )
        .await
        .json();
    assert_eq!(
        listed["snapshots"],
        serde_json::json!([]),
        "nothing is kept"
    );
}

#[tokio::test]
async fn dash_writes_the_data_to_stdout() {
    let world = World::new().await;
    let code = world.entry().await;
    let file = world.file("人口.csv", CSV.as_bytes());
    world.publish(&file, &code, &[]).await.success();

    // The provider receives every column.
    let fetched = world
        .run(
            &world.cataloguer,
            &[
                "data", "fetch", "--entry", &code, "-o", "-", "--output", "json",
            ],
        )
        .await;
    assert_eq!(fetched.code, 0, "{fetched:#?}");
    assert_eq!(fetched.stdout(), CSV);
    assert!(
        fetched.stderr.contains("已校验 (verified)"),
        "{}",
        fetched.stderr
    );
    assert!(
        fetched.stderr.contains("标准输出 (stdout)"),
        "{}",
        fetched.stderr
    );
    assert_eq!(names(world.files.path()), ["人口.csv"]);
}

#[tokio::test]
async fn an_earlier_snapshot_is_fetched_by_number() {
    let world = World::new().await;
    let code = world.entry().await;
    let first = world.file("first.csv", CSV.as_bytes());
    world.publish(&first, &code, &[]).await.success();
    let later = format!("{CSV}王五,110101197001011234,1970-01-01\n");
    let second = world.file("second.csv", later.as_bytes());
    world.publish(&second, &code, &[]).await.success();
    world.grant(&code, &[]).await;

    let latest = world.path("latest.csv");
    world.fetch(&code, &latest, &[]).await;
    assert_eq!(std::fs::read_to_string(&latest).unwrap(), later);
    let earlier = world.path("earlier.csv");
    let fetched = world
        .fetch(&code, &earlier, &["--snapshot", "SNP-000001"])
        .await;
    assert_eq!(fetched.code, 0, "{fetched:#?}");
    assert_eq!(std::fs::read_to_string(&earlier).unwrap(), CSV);

    let missing = world
        .fetch(
            &code,
            &world.path("none.csv"),
            &["--snapshot", "SNP-000009"],
        )
        .await;
    assert!(missing.failure().contains("NOT_FOUND"), "{missing:#?}");
    assert!(
        !names(world.files.path())
            .iter()
            .any(|n| n.starts_with("none"))
    );
}

#[tokio::test]
async fn the_media_type_flag_wins_over_the_extension_and_a_missing_file_is_told() {
    let world = World::new().await;
    let code = world.entry().await;
    let ndjson = "{\"姓名\":\"张三\",\"出生日期\":\"1990-03-07\"}\n";
    let file = world.file("export.txt", ndjson.as_bytes());
    let json = world
        .publish(
            &file,
            &code,
            &["--media-type", "application/x-ndjson", "--output", "json"],
        )
        .await
        .json();
    assert_eq!(json["media_type"], "application/x-ndjson");
    assert_eq!(json["rows"], "1");

    let jsonl = world.file("export.jsonl", ndjson.as_bytes());
    let json = world
        .publish(&jsonl, &code, &["--output", "json"])
        .await
        .json();
    assert_eq!(json["media_type"], "application/x-ndjson");

    let missing = world
        .publish(&world.files.path().join("absent.csv"), &code, &[])
        .await;
    let stderr = missing.failure();
    assert!(stderr.contains("cannot open"), "{stderr}");
    assert!(stderr.contains("absent.csv"), "{stderr}");
}
