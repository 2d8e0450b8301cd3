//! The Python client (clients/python) against `govshare serve` (the binary, on 127.0.0.1:0 over
//! a temporary data directory): its walkthrough example goes through the whole flow of a
//! department integrator, and grpcio-reflection's default client lists the services.
//!
//! The python is `GOVSHARE_TEST_PYTHON`, else the environment `scripts/python` sets up
//! (`target/tools/python/venv`); the package generated from proto/ is `target/python`, which
//! `scripts/python` writes. `scripts/test` runs `scripts/python` first; without the python or
//! the package these tests fail rather than pass unchecked.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use govshare_client::proto::{EntryState, GetEntryRequest};
use govshare_client::{Client, Config, Credential};
use sha2::{Digest as _, Sha256};

use crate::common::{Killed, spawn_server};

/// The longest a Python example may run before the test gives up on it.
const EXAMPLE_TIMEOUT: Duration = Duration::from_secs(120);

/// The data the walkthrough publishes (its `SAMPLE_CSV`).
const PUBLISHED_CSV: &str = "公民身份号码,姓名,性别,民族,出生日期,户籍地址,联系电话\n\
110101199003071234,张三,1,01,1990-03-07,北京市东城区东华门街道,13800000001\n\
110101198512121234,李四,2,01,1985-12-12,北京市西城区西长安街街道,13800000002\n\
110101200001011234,王五,1,03,2000-01-01,北京市朝阳区建外街道,13800000003\n";

/// The repository's root.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The python with the generated package and clients/python importable, run from the
/// repository's root. Fails when either is missing.
fn python() -> Command {
    let python = std::env::var_os("GOVSHARE_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/tools/python/venv/bin/python"));
    assert!(
        python.is_file(),
        "{} is missing: run the tests with scripts/test, or run scripts/python (which sets up \
         the Python client) and point GOVSHARE_TEST_PYTHON at the python it prints",
        python.display()
    );
    let generated = root().join("target/python");
    assert!(
        generated.join("govshare/v1/exchange_pb2_grpc.py").is_file(),
        "the generated package is missing from {}: run scripts/python",
        generated.display()
    );
    let path = std::env::join_paths([generated, root().join("clients/python")]).unwrap();
    let mut command = Command::new(python);
    command
        .current_dir(root())
        .env("PYTHONPATH", path)
        .env("PYTHONUTF8", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("GOVSHARE_ADDR")
        .env_remove("GOVSHARE_ADMIN_TOKEN")
        .env_remove("GOVSHARE_ADMIN_TOKEN_FILE")
        .env_remove("GOVSHARE_CA_CERT");
    command
}

/// Runs the example `name` of clients/python/examples with `args`, killed after
/// [`EXAMPLE_TIMEOUT`].
fn example(name: &str, args: &[&str]) -> Output {
    let mut child = python()
        .arg(root().join("clients/python/examples").join(name))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Both pipes are drained as the example runs, so it never blocks on a full one.
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).unwrap();
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let until = Instant::now() + EXAMPLE_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= until {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{name} did not finish within {}s; it printed:\n{}",
                EXAMPLE_TIMEOUT.as_secs(),
                String::from_utf8_lossy(&stdout.join().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// What an example printed, both streams, for failure messages.
fn shown(output: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The line of `stdout` that starts with `prefix`.
fn line<'a>(stdout: &'a str, prefix: &str) -> &'a str {
    stdout
        .lines()
        .find(|line| line.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{stdout}"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test]
async fn the_python_walkthrough_registers_publishes_requests_decides_and_fetches() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = spawn_server(dir.path());
    let _server = Killed(child);
    let token_file = dir.path().join("admin.token");

    let output = example(
        "walkthrough.py",
        &[
            "--addr",
            &addr,
            "--admin-token-file",
            token_file.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", shown(&output));
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();

    // Each step, in order, as the walkthrough tells it.
    let provider = line(&stdout, "departments: provider 市公安局 ")
        .split_whitespace()
        .nth(3)
        .unwrap()
        .trim_end_matches(',')
        .to_owned();
    line(&stdout, "credentials: provider tok_");
    line(
        &stdout,
        "registered 101001/000001 (version 1, ENTRY_STATE_DRAFT)",
    );
    line(&stdout, "submitted 101001/000001 for review");
    line(
        &stdout,
        "reviewed: the administrator approved 101001/000001, now ENTRY_STATE_PUBLISHED",
    );
    let published = line(&stdout, "published snapshot SNP-");
    assert!(
        published.ends_with(&format!(
            ": 3 rows, {} bytes, sha256 {}",
            PUBLISHED_CSV.len(),
            sha256_hex(PUBLISHED_CSV.as_bytes())
        )),
        "{published}"
    );
    line(
        &stdout,
        "requested 101001/000001 as the consumer: request REQ-",
    );
    line(
        &stdout,
        "refused as expected: fetching before the grant exists",
    );
    line(&stdout, "  code: PERMISSION_DENIED");
    // What the refusal carries: the documented reason, with the explanation in each language.
    let error_info = line(&stdout, "  ErrorInfo: ");
    assert!(
        error_info.starts_with(
            "  ErrorInfo: reason NO_ACTIVE_GRANT (ErrorReason 26), domain govshare.v1"
        ),
        "{error_info}"
    );
    assert!(line(&stdout, "  LocalizedMessage zh-CN: ").contains("有效授权"));
    assert!(line(&stdout, "  LocalizedMessage en: ").contains("no active grant"));
    line(&stdout, "decided: the provider approved request REQ-");
    line(&stdout, "approved: request REQ-");
    line(&stdout, "fetched 3 rows, 294 bytes under grant GRT-");
    // What arrived is the published rows without 联系电话, the column that is not shared.
    let granted: String = PUBLISHED_CSV
        .lines()
        .map(|l| format!("{}\n", &l[..l.rfind(',').unwrap()]))
        .collect();
    assert_eq!(granted.len(), 294);
    line(
        &stdout,
        &format!(
            "sha256 {} of the data received matches",
            sha256_hex(granted.as_bytes())
        ),
    );
    line(&stdout, "done: ");

    // The server holds the entry as published, provided by the department the walkthrough
    // registered.
    let admin = Client::connect(
        Config::new(format!("http://{addr}"))
            .credential(Credential::from_file(&token_file).unwrap()),
    )
    .await
    .unwrap();
    let entry = admin
        .catalog()
        .get_entry(GetEntryRequest {
            code: "101001/000001".into(),
            version: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(entry.state, EntryState::Published as i32);
    assert_eq!(entry.provider_code, provider);
}

#[test]
fn the_python_walkthrough_fails_with_the_refusal_when_the_administrator_token_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = spawn_server(dir.path());
    let _server = Killed(child);

    let output = example(
        "walkthrough.py",
        &[
            "--addr",
            &addr,
            "--admin-token",
            "gst_not-a-token-this-server-issued",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", shown(&output));
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert!(
        stderr.starts_with("failed: the server refused a call\n  code: UNAUTHENTICATED\n"),
        "{}",
        shown(&output)
    );
    // Nothing was done, so no step was reported.
    assert!(output.stdout.is_empty(), "{}", shown(&output));
}

#[test]
fn grpcio_reflection_lists_every_service() {
    let dir = tempfile::tempdir().unwrap();
    let (child, addr) = spawn_server(dir.path());
    let _server = Killed(child);

    let output = example("list_services.py", &["--addr", &addr]);
    assert!(output.status.success(), "{}", shown(&output));
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    let listed: Vec<&str> = stdout
        .lines()
        .map(|l| l.split_once(" (").map_or(l, |(name, _)| name))
        .collect();
    for service in [
        "govshare.v1.CatalogService",
        "govshare.v1.SharingService",
        "govshare.v1.ExchangeService",
        "govshare.v1.AdminService",
        "govshare.v1.AuditService",
        "govshare.v1.ReportService",
        "grpc.health.v1.Health",
    ] {
        assert!(
            listed.contains(&service),
            "{service} is not listed:\n{stdout}"
        );
    }
    // Each service's descriptor was resolved: ExchangeService with its three methods.
    line(&stdout, "govshare.v1.ExchangeService (3 methods)");
}
