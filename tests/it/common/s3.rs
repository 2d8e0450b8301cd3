//! A real S3-compatible server for the tests: `s3s-fs` (installed by `scripts/test` into
//! `target/tools/bin`, or named by `GOVSHARE_TEST_S3S_FS`) on 127.0.0.1 over a temporary
//! directory, where the bucket `BUCKET` is the directory `root/BUCKET` and each object a file
//! under it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use govshare_server::config::Config;
use tempfile::TempDir;

pub const BUCKET: &str = "govshare-test";
pub const ACCESS_KEY: &str = "govshare-test-key";
pub const SECRET_KEY: &str = "govshare-test-secret";

/// The s3s-fs binary. Without it the bucket tests cannot run, which is a failure.
pub fn binary() -> PathBuf {
    let path = std::env::var_os("GOVSHARE_TEST_S3S_FS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/bin/s3s-fs"));
    assert!(
        path.is_file(),
        "{} is missing: run the tests with scripts/test, which installs s3s-fs, or point \
         GOVSHARE_TEST_S3S_FS at an s3s-fs binary",
        path.display()
    );
    path
}

/// A running s3s-fs, stopped when dropped.
pub struct S3Server {
    pub endpoint: String,
    pub root: TempDir,
    child: Child,
}

impl S3Server {
    /// Starts s3s-fs on a free port of 127.0.0.1 with the bucket [`BUCKET`] and the
    /// credentials [`ACCESS_KEY`] / [`SECRET_KEY`], and waits until it serves.
    pub fn start() -> S3Server {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(BUCKET)).unwrap();
        let mut child = Command::new(binary())
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        // It names its address once listening: "server is running at http://127.0.0.1:PORT".
        // The rest of its output is read and dropped, so it never blocks on a full pipe.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find("http://127.0.0.1:") {
                    let addr: String = line[at..]
                        .chars()
                        .take_while(|c| !c.is_whitespace())
                        .collect();
                    let _ = tx.send(addr);
                }
            }
        });
        let endpoint = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(endpoint) => endpoint,
            Err(_) => {
                let _ = child.kill();
                panic!("s3s-fs did not say where it listens within 30 s");
            }
        };
        S3Server {
            endpoint,
            root,
            child,
        }
    }

    /// Points `config` at the bucket, under `prefix`, with the server's credentials.
    pub fn configure(&self, config: &mut Config, prefix: &str) {
        configure_bucket(config, &self.endpoint, prefix, SECRET_KEY);
    }

    /// The file holding the object `key` of the bucket.
    pub fn object_file(&self, key: &str) -> PathBuf {
        self.root.path().join(BUCKET).join(key)
    }

    /// Stops the server now.
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Points `config` at the bucket [`BUCKET`] of the server at `endpoint`, under `prefix`,
/// with the access key [`ACCESS_KEY`] and `secret`, as the `AWS_*` variables would.
pub fn configure_bucket(config: &mut Config, endpoint: &str, prefix: &str, secret: &str) {
    config.exchange.bucket_url = Some(format!("s3://{BUCKET}/{prefix}"));
    config.exchange.bucket_endpoint = Some(endpoint.to_owned());
    config.exchange.bucket_env = vec![
        ("AWS_ACCESS_KEY_ID".into(), ACCESS_KEY.into()),
        ("AWS_SECRET_ACCESS_KEY".into(), secret.into()),
        ("AWS_REGION".into(), "us-east-1".into()),
    ];
}

/// The object key of the blob `sha256` under `prefix`.
pub fn blob_key(prefix: &str, sha256: &str) -> String {
    format!("{prefix}/sha256/{}/{sha256}", &sha256[..2])
}
