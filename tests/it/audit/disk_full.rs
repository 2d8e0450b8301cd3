//! A full disk under a running `govshare serve`: its data directory is a 32 MiB tmpfs, mounted
//! in a private mount namespace (so nothing outside the test sees it, and it goes away with
//! the test), filled up with a filler file and freed again. Needs root, or at least
//! unprivileged user namespaces, to mount; the test fails, saying so, when it cannot.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

/// The tmpfs's size: room for a server's files and a little data.
const TMPFS_SIZE: &str = "32m";

/// A private mount namespace holding a small tmpfs at `mount`, kept alive by a `sleep`
/// (killed, and the tmpfs with it, when dropped); processes join it with `nsenter`.
struct SmallDisk {
    holder: Killed,
    mount: PathBuf,
    /// Joining the namespace also needs its user namespace (no root: `unshare -r`).
    user_ns: bool,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let mount = dir.path().join("disk");
        std::fs::create_dir(&mount).unwrap();
        let script = format!(
            "mount -t tmpfs -o size={TMPFS_SIZE} govshare-test-disk \"$0\" && echo mounted && exec sleep 600"
        );
        let mut failures = Vec::new();
        for (user_ns, flags) in [(false, &["-m"][..]), (true, &["-r", "-m"][..])] {
            let mut child = Command::new("unshare")
                .args(flags)
                .args(["--propagation", "private", "sh", "-c", &script])
                .arg(&mount)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("running unshare(1) (util-linux)");
            let mut line = String::new();
            let stdout = child.stdout.take().unwrap();
            std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
            if line.trim() == "mounted" {
                return SmallDisk {
                    holder: Killed(child),
                    mount,
                    user_ns,
                    _dir: dir,
                };
            }
            let output = child.wait_with_output().unwrap();
            failures.push(format!(
                "unshare {flags:?}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        panic!(
            "this test needs to mount a size-limited tmpfs in a private mount namespace: run it \
             as root (CI does) or allow unprivileged user namespaces. {failures:#?}"
        );
    }

    /// `path` (under the mount) as this process reaches it: through the holder's root.
    fn outside(&self, path: &Path) -> PathBuf {
        let relative = path.strip_prefix("/").unwrap();
        Path::new(&format!("/proc/{}/root", self.holder.0.id())).join(relative)
    }

    /// `command` run inside the namespace.
    fn inside(&self, program: &Path) -> Command {
        let mut command = Command::new("nsenter");
        command.arg("-t").arg(self.holder.0.id().to_string());
        if self.user_ns {
            command.args(["-U", "--preserve-credentials"]);
        }
        command.arg("-m").arg("--").arg(program);
        command
    }

    /// Writes a filler file until the disk refuses even one more byte.
    fn fill(&self) -> PathBuf {
        let path = self.outside(&self.mount.join("filler"));
        let mut file = std::fs::File::create(&path).unwrap();
        for size in [1 << 20, 4096, 1] {
            let chunk = vec![0x5a_u8; size];
            loop {
                match file.write_all(&chunk) {
                    Ok(()) => {}
                    Err(e) if e.raw_os_error() == Some(28) => break,
                    Err(e) => panic!("filling the disk: {e}"),
                }
            }
        }
        path
    }
}

/// `govshare serve` on the small disk.
struct DiskServer {
    process: Killed,
    addr: String,
    metrics: SocketAddr,
    data: PathBuf,
    audit: PathBuf,
}

/// Where a [`DiskServer`] keeps what.
#[derive(Clone, Copy, PartialEq)]
enum OnSmallDisk {
    /// Only the access log and the snapshot blobs: the store is on a disk with room.
    LogAndBlobs,
    /// The whole data directory.
    Everything,
}

impl DiskServer {
    fn start(disk: &SmallDisk, roomy: &Path, on_disk: OnSmallDisk) -> DiskServer {
        let data = match on_disk {
            OnSmallDisk::LogAndBlobs => roomy.to_owned(),
            OnSmallDisk::Everything => disk.mount.join("data"),
        };
        let mut command = disk.inside(Path::new(env!("CARGO_BIN_EXE_govshare")));
        if on_disk == OnSmallDisk::LogAndBlobs {
            command
                .env("GOVSHARE_AUDIT_DIR", disk.mount.join("audit"))
                .env("GOVSHARE_EXCHANGE_BLOB_DIR", disk.mount.join("blobs"));
        }
        let mut child = command
            .args([
                "serve",
                "--grpc-addr",
                "127.0.0.1:0",
                "--metrics-addr",
                "127.0.0.1:0",
                "--console-addr",
                "127.0.0.1:0",
            ])
            .arg("--data-dir")
            .arg(&data)
            .env("GOVSHARE_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let printed = printed_at_start(&mut child);
        let addr = grpc_addr_in(&printed);
        let metrics = printed
            .iter()
            .find_map(|l| l.strip_prefix("govshare: metrics on http://"))
            .and_then(|l| l.strip_suffix("/metrics"))
            .unwrap_or_else(|| panic!("no metrics address in {printed:#?}"))
            .parse()
            .unwrap();
        let audit = match on_disk {
            OnSmallDisk::LogAndBlobs => disk.mount.join("audit"),
            OnSmallDisk::Everything => data.join("audit"),
        };
        DiskServer {
            process: Killed(child),
            addr,
            metrics,
            data,
            audit,
        }
    }
}

async fn who_am_i(clients: &Clients) -> Result<(), tonic::Status> {
    clients
        .admin
        .clone()
        .who_am_i(proto::WhoAmIRequest {})
        .await
        .map(|_| ())
}

async fn register(clients: &Clients, department: &str) -> Result<String, tonic::Status> {
    clients
        .catalog
        .clone()
        .register_entry(proto::RegisterEntryRequest {
            metadata: Some(metadata_shared_as(
                department,
                proto::ShareType::Unconditional,
            )),
            ..Default::default()
        })
        .await
        .map(|r| r.into_inner().code)
}

/// The refusal a full disk must give: RESOURCE_EXHAUSTED, saying so in Chinese first.
fn assert_disk_full(what: &str, status: &tonic::Status) {
    assert_eq!(status.code(), Code::ResourceExhausted, "{what}: {status:?}");
    crate::common::refusal::assert_reason(status, "DISK_FULL");
    assert!(
        status.message().starts_with("磁盘空间不足") && status.message().contains("no space"),
        "{what}: {status:?}"
    );
}

/// The people and the entry of these tests.
struct Set {
    admin_token: String,
    cataloguer_token: String,
    admin: Clients,
    cataloguer: Clients,
    department: String,
    /// A published entry of the department, with one snapshot.
    code: String,
}

async fn set_up(disk: &SmallDisk, server: &DiskServer) -> Set {
    let admin_token = std::fs::read_to_string(disk.outside(&server.data.join("admin.token")))
        .unwrap()
        .trim()
        .to_owned();
    let admin = clients_at(&server.addr, &admin_token).await;
    let department = crate::common::create_department(&admin, 1, "市公安局").await;
    let cataloguer_token = issue_token(&admin, &department, &[Role::Cataloguer]).await;
    let cataloguer = clients_at(&server.addr, &cataloguer_token).await;
    let code = register(&cataloguer, &department).await.unwrap();
    cataloguer
        .catalog
        .clone()
        .submit_entry(proto::SubmitEntryRequest {
            code: code.clone(),
            expected_version: 1,
        })
        .await
        .unwrap();
    admin
        .catalog
        .clone()
        .review_entry(proto::ReviewEntryRequest {
            code: code.clone(),
            version: 1,
            approve: true,
            comment: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(
        publish(&cataloguer, &code, PEOPLE_CSV.as_bytes())
            .await
            .code,
        Code::Ok
    );
    Set {
        admin_token,
        cataloguer_token,
        admin,
        cataloguer,
        department,
        code,
    }
}

/// WhoAmI calls that fill more than the access log's reserved space (a MiB; a record of
/// WhoAmI takes a few hundred bytes).
const WHO_AM_I_ON_A_FULL_DISK: usize = 20_000;

/// A CSV upload of about 1 MiB for the set's entry.
fn big_csv() -> String {
    PEOPLE_CSV.lines().next().unwrap().to_owned()
        + "\n"
        + &"张三,110101199003071234,1990-03-07\n".repeat(30_000)
}

/// Fills the disk, then checks that WhoAmI, RegisterEntry and PublishData are refused with
/// RESOURCE_EXHAUSTED (the space the access log reserved ahead of its last record, up to a
/// MiB, takes records first), and that the server does not ask to be restarted for it;
/// returns the filler.
async fn fill_and_expect_refusals(disk: &SmallDisk, set: &Set) -> PathBuf {
    let filler = disk.fill();
    let mut refused = None;
    for _ in 0..WHO_AM_I_ON_A_FULL_DISK {
        if let Err(status) = who_am_i(&set.admin).await {
            refused = Some(status);
            break;
        }
    }
    let refused = refused.expect("WhoAmI was served again and again on a full disk");
    assert_disk_full("WhoAmI on a full disk", &refused);
    assert_disk_full(
        "WhoAmI again",
        &who_am_i(&set.admin)
            .await
            .expect_err("served on a full disk"),
    );
    assert_disk_full(
        "RegisterEntry",
        &register(&set.cataloguer, &set.department)
            .await
            .expect_err("served on a full disk"),
    );
    let published = set
        .cataloguer
        .exchange
        .clone()
        .publish_data(tokio_stream::iter(super::upload(
            &set.code,
            big_csv().as_bytes(),
        )))
        .await
        .expect_err("PublishData served on a full disk");
    assert_disk_full("PublishData", &published);
    filler
}

/// Once space is back: WhoAmI is served within 10 s, RegisterEntry and PublishData too, the
/// probes pass and the chain verifies online; returns the verified head seq.
async fn expect_served(server: &DiskServer, set: &Set) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    while let Err(status) = who_am_i(&set.admin).await {
        assert!(
            Instant::now() < deadline,
            "still refused 10 s after space returned: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Under load the store has been seen to refuse one more write with DISK_FULL just after
    // space returned: it must be served within the same 10 s.
    while let Err(status) = register(&set.cataloguer, &set.department).await {
        assert!(
            Instant::now() < deadline,
            "RegisterEntry still refused 10 s after space returned: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        publish(&set.cataloguer, &set.code, big_csv().as_bytes())
            .await
            .code,
        Code::Ok
    );
    assert_eq!(http_get(server.metrics, "/readyz").await.status, 200);
    assert_eq!(http_get(server.metrics, "/healthz").await.status, 200);
    let online = set
        .admin
        .audit
        .clone()
        .verify_access_log(VerifyAccessLogRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(online.ok, "{online:?}");
    online.head_seq
}

/// `govshare audit verify` offline on the server's log, once it is stopped.
async fn expect_verified_offline(disk: &SmallDisk, server: DiskServer, online_head: u64) {
    let audit_dir = disk.outside(&server.audit);
    drop(server.process);
    let offline = govshare(&[
        "--output",
        "json",
        "audit",
        "verify",
        "--audit-dir",
        audit_dir.to_str().unwrap(),
    ])
    .await;
    assert_eq!(offline.code, 0, "{offline:#?}");
    let report = offline.json();
    assert_eq!(report["ok"], true, "{report}");
    // VerifyAccessLog's own record follows what it verified.
    assert!(json_u64(&report["head_seq"]) > online_head, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_under_the_access_log_refuses_calls_with_resource_exhausted_and_they_are_served_again_once_space_returns()
 {
    let disk = SmallDisk::mount();
    let roomy = tempfile::tempdir().unwrap();
    let server = DiskServer::start(&disk, roomy.path(), OnSmallDisk::LogAndBlobs);
    let set = set_up(&disk, &server).await;

    let filler = fill_and_expect_refusals(&disk, &set).await;
    // Refusing for want of space is no reason to restart the server.
    assert_eq!(http_get(server.metrics, "/healthz").await.status, 200);
    let metrics = http_get(server.metrics, "/metrics").await.body;
    assert!(
        metrics.lines().any(|l| l
            .starts_with("govshare_audit_refused_total{reason=\"disk_full\"} ")
            && !l.ends_with(" 0")),
        "{metrics}"
    );

    std::fs::remove_file(&filler).unwrap();
    let online_head = expect_served(&server, &set).await;
    expect_verified_offline(&disk, server, online_head).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_data_directory_refuses_calls_with_resource_exhausted_and_the_server_serves_again_once_space_returns()
 {
    let disk = SmallDisk::mount();
    let roomy = tempfile::tempdir().unwrap();
    let mut server = DiskServer::start(&disk, roomy.path(), OnSmallDisk::Everything);
    let set = set_up(&disk, &server).await;

    let filler = fill_and_expect_refusals(&disk, &set).await;
    std::fs::remove_file(&filler).unwrap();
    // The access log recovers by itself; the embedded store (sled) cannot write again once a
    // write of its own failed: then /healthz fails and the server exits with an error within
    // a few seconds, for its supervisor to restart it, which is what this test does.
    if who_am_i(&set.admin).await.is_err() {
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = server.process.0.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "a server refusing calls after space returned neither recovered nor exited"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(!status.success(), "{status}");
        server = DiskServer::start(&disk, roomy.path(), OnSmallDisk::Everything);
    }
    let set = Set {
        admin: clients_at(&server.addr, &set.admin_token).await,
        cataloguer: clients_at(&server.addr, &set.cataloguer_token).await,
        ..set
    };
    let online_head = expect_served(&server, &set).await;
    expect_verified_offline(&disk, server, online_head).await;
}
