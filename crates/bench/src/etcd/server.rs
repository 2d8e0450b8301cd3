//! An etcd server that `govshare-bench --etcd` starts itself: one member on 127.0.0.1 with
//! free client and peer ports, a fresh temporary data directory and etcd's default durability
//! (its WAL is fsynced before a write is acknowledged). Its log goes to `etcd.log` in that
//! directory, not to the terminal. It can be stopped and started again on the same data, and
//! is killed when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use tokio::process::{Child, Command};
use tonic::transport::Channel;

use super::client::{Kv, RangeRequest};

/// How long etcd may take to answer after it is started (elects itself leader, replays its WAL).
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a stopped etcd may take to exit after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// A running (or stopped) single-member etcd.
#[derive(Debug)]
pub struct Etcd {
    binary: PathBuf,
    dir: tempfile::TempDir,
    client_port: u16,
    peer_port: u16,
    child: Option<Child>,
}

impl Etcd {
    /// Starts `binary` on a fresh data directory and waits until it serves reads.
    pub async fn start(binary: &Path) -> anyhow::Result<Self> {
        let (client_port, peer_port) = free_ports()?;
        let mut etcd = Self {
            binary: binary.to_owned(),
            dir: tempfile::tempdir()?,
            client_port,
            peer_port,
            child: None,
        };
        etcd.spawn().await?;
        Ok(etcd)
    }

    /// The client URL.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    /// The process id of the running etcd.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref()?.id()
    }

    /// The log file etcd writes (kept until the bench ends).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("etcd.log")
    }

    /// Stops etcd (SIGTERM, as an operator would) and starts it again on the same data.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.stop().await?;
        self.spawn().await
    }

    /// Stops etcd: SIGTERM, then SIGKILL if it has not exited after [`STOP_TIMEOUT`].
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        if let Some(pid) = child.id() {
            // No signal API in the dependencies: kill(1) sends the SIGTERM.
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await;
        }
        if tokio::time::timeout(STOP_TIMEOUT, child.wait())
            .await
            .is_err()
        {
            child.kill().await?;
        }
        Ok(())
    }

    async fn spawn(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())?;
        let client = self.endpoint();
        let peer = format!("http://127.0.0.1:{}", self.peer_port);
        let child = Command::new(&self.binary)
            .arg("--name=bench")
            .arg(format!(
                "--data-dir={}",
                self.dir.path().join("data").display()
            ))
            .arg(format!("--listen-client-urls={client}"))
            .arg(format!("--advertise-client-urls={client}"))
            .arg(format!("--listen-peer-urls={peer}"))
            .arg(format!("--initial-advertise-peer-urls={peer}"))
            .arg(format!("--initial-cluster=bench={peer}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", self.binary.display()))?;
        self.child = Some(child);
        self.wait_ready().await
    }

    /// Waits until a linearizable read succeeds (the member is leader and has applied its log).
    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!("etcd exited ({status}); see {}", self.log_path().display());
            }
            if self.answers().await {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "etcd did not answer within {READY_TIMEOUT:?}; see {}",
                    self.log_path().display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn answers(&self) -> bool {
        let Ok(endpoint) = Channel::from_shared(self.endpoint()) else {
            return false;
        };
        let Ok(channel) = endpoint.connect().await else {
            return false;
        };
        Kv::new(channel)
            .range(RangeRequest {
                key: b"bench-ready".to_vec(),
                ..RangeRequest::default()
            })
            .await
            .is_ok()
    }
}

/// The first line of `binary --version` (e.g. `etcd Version: 3.4.23`).
pub async fn version(binary: &Path) -> anyhow::Result<String> {
    let out = Command::new(binary)
        .arg("--version")
        .output()
        .await
        .with_context(|| format!("running {} --version", binary.display()))?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned())
}

/// Two distinct free TCP ports on 127.0.0.1 (free when asked; etcd binds them just after).
fn free_ports() -> anyhow::Result<(u16, u16)> {
    let a = TcpListener::bind("127.0.0.1:0")?;
    let b = TcpListener::bind("127.0.0.1:0")?;
    Ok((a.local_addr()?.port(), b.local_addr()?.port()))
}
