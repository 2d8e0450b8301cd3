//! Running the `govshare` binary against a test server, as a data administrator would.

use serde_json::Value;

use super::TestServer;

/// What one run of the binary left behind.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Stdout parsed as JSON, after checking that the command succeeded.
    pub fn json(&self) -> Value {
        assert_eq!(self.code, 0, "command failed: {self:#?}");
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// Stdout, after checking that the command succeeded.
    pub fn success(&self) -> &str {
        assert_eq!(self.code, 0, "command failed: {self:#?}");
        &self.stdout
    }

    /// The value cell of the key/value row labelled `label` in a printed record
    /// (`│ label ┆ value │`).
    pub fn row(&self, label: &str) -> String {
        let cells = |line: &str| -> Vec<String> {
            line.trim_matches('│')
                .split('┆')
                .map(|c| c.trim().to_string())
                .collect()
        };
        self.success()
            .lines()
            .map(cells)
            .find(|c| c.len() == 2 && c[0] == label)
            .map(|c| c[1].clone())
            .unwrap_or_else(|| panic!("no row {label} in\n{}", self.stdout))
    }
}

/// Runs `govshare --server <url> [--token T] <args>` with no server or credential from the
/// environment, its messages in both languages whatever this machine's locale.
pub async fn govshare_url(url: &str, token: Option<&str>, args: &[&str]) -> Outcome {
    govshare_in("both", url, token, args).await
}

/// [`govshare_url`] with its messages in `language` (`GOVSHARE_LANG`: zh, en or both).
pub async fn govshare_in(language: &str, url: &str, token: Option<&str>, args: &[&str]) -> Outcome {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_govshare"));
    command
        .env("GOVSHARE_LANG", language)
        .env_remove("GOVSHARE_TOKEN")
        .env_remove("GOVSHARE_SERVER")
        .arg("--server")
        .arg(url);
    if let Some(token) = token {
        command.arg("--token").arg(token);
    }
    let output = command.args(args).output().await.unwrap();
    Outcome {
        code: output
            .status
            .code()
            .expect("the binary was killed by a signal"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Runs `govshare --server <server> --token T <args>`.
pub async fn govshare_with(server: &TestServer, token: &str, args: &[&str]) -> Outcome {
    govshare_url(&format!("http://{}", server.addr), Some(token), args).await
}
