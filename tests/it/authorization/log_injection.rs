//! Caller input cannot forge lines of the text log: control characters in any logged field
//! (here a GetEntry code, logged as the call's target) are written escaped.

use std::io::Read as _;
use std::process::Stdio;

use govshare_server::proto::GetEntryRequest;

use crate::common::{clients_at, grpc_addr_in, printed_at_start, request_id, serve_command};

/// A forged call line, as the text format writes one.
const FORGED: &str = "2026-01-01T00:00:00Z  INFO govshare::call: call method=/forged code=Ok";

/// Characters that end or rewrite a line on a terminal or in a log viewer.
fn is_line_breaking(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

#[tokio::test]
async fn control_characters_in_a_requested_code_cannot_forge_text_log_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = serve_command(dir.path(), &["--log-format", "text", "--no-console"])
        .env("GOVSHARE_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    });
    let addr = grpc_addr_in(&printed_at_start(&mut child));
    let token = std::fs::read_to_string(dir.path().join("admin.token")).unwrap();
    let clients = clients_at(&addr, token.trim()).await;

    let newline = format!("x\n{FORGED}");
    let others = "y\r\u{1b}[2K\t\u{85}\u{2028}\u{2029}\u{7}z";
    let mut ids = Vec::new();
    for code in [newline.as_str(), others] {
        let result = clients
            .catalog
            .clone()
            .get_entry(GetEntryRequest {
                code: code.into(),
                version: 0,
            })
            .await;
        let status = result.as_ref().expect_err("not a resource code");
        assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
        ids.push(request_id(&result));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let log = log.join().unwrap();

    for line in log.lines() {
        assert!(
            !line.starts_with("2026-01-01T00:00:00Z"),
            "a forged line in the log: {line:?}\n{log}"
        );
        assert!(
            !line.chars().any(is_line_breaking),
            "a raw control character in the log: {line:?}"
        );
    }
    let line_of = |id: &str| {
        log.lines()
            .find(|l| l.contains(id) && l.contains("govshare::call"))
            .unwrap_or_else(|| panic!("no call line for request {id} in\n{log}"))
            .to_owned()
    };
    let first = line_of(&ids[0]);
    assert!(
        first.contains(&format!("x\\n{FORGED}")),
        "the code is kept, escaped: {first}"
    );
    let second = line_of(&ids[1]);
    for escaped in [
        "\\r",
        "\\u{1b}[2K",
        "\\t",
        "\\u{85}",
        "\\u{2028}",
        "\\u{2029}",
        "\\u{7}",
    ] {
        assert!(second.contains(escaped), "{escaped} in {second}");
    }
}
