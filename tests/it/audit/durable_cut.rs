//! A record cut after it was acknowledged is damage, not what a crash leaves: records are
//! fdatasynced before their reply, so offline verification fails and `govshare serve` does
//! not start on such a log (nor change it). A torn tail after the acknowledged records, what
//! a crash during an unacknowledged append leaves, is still repaired at start.

use std::time::{Duration, Instant};

use super::*;

/// WhoAmI `n` times, each acknowledged.
async fn calls(server: &TestServer, n: usize) {
    for _ in 0..n {
        server
            .admin()
            .admin
            .clone()
            .who_am_i(proto::WhoAmIRequest {})
            .await
            .unwrap();
    }
}

/// The last segment of the stopped server's log, and its last frame.
fn last_frame(data_dir: &Path) -> (PathBuf, Frame) {
    let last = segments(&data_dir.join("audit")).pop().unwrap();
    let frame = frames(&std::fs::read(&last).unwrap()).pop().unwrap();
    (last, frame)
}

fn set_len(path: &Path, len: u64) {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
}

/// `govshare serve` on `dir`: `Ok(stderr)` if it exited within 20 s, `Err` if it started
/// serving (it is then stopped).
fn serve_outcome(dir: &Path) -> Result<(std::process::ExitStatus, String), String> {
    let mut child = Killed(
        serve_command(dir, &["--console-addr", "127.0.0.1:0"])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.0.stderr.take().unwrap(), &mut stderr)
                .unwrap();
            return Ok((status, stderr));
        }
        if Instant::now() > deadline {
            return Err("the server is still running 20 s after it was started".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn a_record_cut_after_it_was_acknowledged_fails_offline_verification_and_the_server_does_not_start()
 {
    let server = TestServer::start().await;
    calls(&server, 5).await;
    let dir = server.stop().await;
    let (last, frame) = last_frame(dir.path());
    let cut = (frame.start + frame.len / 2) as u64;
    set_len(&last, cut);

    let data_dir = dir.path().to_str().unwrap();
    let cli = govshare(&[
        "--output",
        "json",
        "audit",
        "verify",
        "--data-dir",
        data_dir,
    ])
    .await;
    assert_ne!(cli.code, 0, "{cli:#?}");
    let report = cli.json();
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(
        json_u64(&report["first_bad_seq"]),
        frame.record.seq,
        "{report}"
    );
    let problem = report["problem"].as_str().unwrap();
    assert!(problem.contains("acknowledged"), "{problem}");
    assert!(!cli.stderr.contains("never acknowledged"), "{cli:#?}");

    let (status, stderr) = serve_outcome(dir.path()).unwrap();
    assert!(!status.success(), "{status}: {stderr}");
    assert!(
        stderr.contains("acknowledged") && stderr.contains("DURABLE"),
        "{stderr}"
    );
    // Nothing was changed: the evidence is as it was.
    assert_eq!(std::fs::metadata(&last).unwrap().len(), cut);
}

#[tokio::test]
async fn a_torn_tail_after_the_acknowledged_records_is_still_repaired_at_start() {
    let server = TestServer::start().await;
    calls(&server, 5).await;
    let dir = server.stop().await;
    let (last, frame) = last_frame(dir.path());
    // What a crash in the middle of writing one more, unacknowledged, record leaves.
    let data = std::fs::read(&last).unwrap();
    let whole = data[frame.start..frame.start + frame.len].to_vec();
    let mut with_tail = data.clone();
    with_tail.extend_from_slice(&whole[..whole.len() / 2]);
    std::fs::write(&last, &with_tail).unwrap();

    let data_dir = dir.path().to_str().unwrap();
    let cli = govshare(&[
        "--output",
        "json",
        "audit",
        "verify",
        "--data-dir",
        data_dir,
    ])
    .await;
    assert_eq!(cli.code, 0, "{cli:#?}");
    assert_eq!(cli.json()["ok"], true, "{cli:#?}");

    let server = TestServer::start_in(dir).await;
    calls(&server, 1).await;
    let dir = server.stop().await;
    let v = govshare_audit::verify_dir(&dir.path().join("audit"), None, None).unwrap();
    assert!(v.ok && v.torn_tail_bytes == 0, "{v:?}");
    assert_eq!(v.head_seq, frame.record.seq + 1);
}
