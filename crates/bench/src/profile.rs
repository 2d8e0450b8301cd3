//! `--profile DIR`: a perf profile of each measurement window, one file per operation
//! (`DIR/<operation>.data`), sampled with call graphs from this process while the operation
//! is measured (not during its warm-up). `scripts/profile` runs the benchmark so and says where
//! each operation's CPU went. Sampling costs CPU of its own: the figures of a profiled run are
//! lower than those of a plain one and are not the ones to record.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// The directory of the profiles, once `--profile` set it.
static DIR: OnceLock<PathBuf> = OnceLock::new();

/// Profiles every measurement window from now on into `dir` (created if missing).
pub fn enable(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    // Set once per process; a second call keeps the first directory.
    let _ = DIR.set(dir.to_owned());
    Ok(())
}

/// A profile being taken.
pub struct Recording(tokio::process::Child);

impl Recording {
    /// Waits for perf to write its file.
    pub async fn finish(mut self) {
        if let Err(e) = self.0.wait().await {
            eprintln!("bench: perf did not finish: {e}");
        }
    }
}

/// Starts sampling this process for `window` into the file of `operation`, if profiles were
/// asked for.
pub fn start(operation: &str, window: Duration) -> Option<Recording> {
    let dir = DIR.get()?;
    let file = dir.join(format!("{}.data", file_name(operation)));
    let spawned = tokio::process::Command::new("perf")
        .args([
            "record",
            "-q",
            "-F",
            "199",
            "--call-graph",
            "dwarf,16384",
            "-p",
        ])
        .arg(std::process::id().to_string())
        .arg("-o")
        .arg(&file)
        .args(["--", "sleep"])
        .arg(format!("{:.3}", window.as_secs_f64()))
        .stdout(std::process::Stdio::null())
        .spawn();
    match spawned {
        Ok(child) => Some(Recording(child)),
        Err(e) => {
            eprintln!("bench: cannot start perf for {operation}: {e}");
            None
        }
    }
}

/// `operation` as a file name: letters, digits and `-` only.
fn file_name(operation: &str) -> String {
    let mut name = String::with_capacity(operation.len());
    for c in operation.chars() {
        match c {
            c if c.is_ascii_alphanumeric() => name.push(c.to_ascii_lowercase()),
            _ if !name.ends_with('-') && !name.is_empty() => name.push('-'),
            _ => {}
        }
    }
    name.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn operations_become_plain_file_names() {
        assert_eq!(
            file_name("GetEntry (access log on)"),
            "getentry-access-log-on"
        );
        assert_eq!(
            file_name("Health/Check (govshare)"),
            "health-check-govshare"
        );
        assert_eq!(
            file_name("etcd Range (linearizable)"),
            "etcd-range-linearizable"
        );
    }
}
