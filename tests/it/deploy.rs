//! The deployment files under `deploy/` checked against each other and against the real
//! binary: the Prometheus configuration, alerts and alert unit tests (promtool), the metric
//! names the alerts and the Grafana dashboard query (every one must be exported by
//! `govshare serve` on `/metrics`), the Kubernetes manifests (the single server, and the
//! stateless servers in front of PostgreSQL), the Dockerfile and the systemd unit.
//!
//! promtool is required: `scripts/test` installs it (Debian package `prometheus`). Without it
//! the promtool tests fail rather than pass unchecked.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value as Json;
use serde_yaml::Value as Yaml;

// --- files -------------------------------------------------------------------------------

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read(relative: &str) -> String {
    let path = repo_path(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Every YAML document of a file (`---`-separated), empty documents left out.
fn yaml_documents(relative: &str) -> Vec<Yaml> {
    let text = read(relative);
    serde_yaml::Deserializer::from_str(&text)
        .map(|document| {
            serde::Deserialize::deserialize(document)
                .unwrap_or_else(|e| panic!("{relative} is not valid YAML: {e}"))
        })
        .filter(|document: &Yaml| !document.is_null())
        .collect()
}

fn yaml_str<'a>(value: &'a Yaml, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {value:?}"))
}

fn yaml_seq<'a>(value: &'a Yaml, what: &str) -> &'a [Yaml] {
    value
        .as_sequence()
        .unwrap_or_else(|| panic!("{what} is not a list: {value:?}"))
}

/// The port of a `HOST:PORT` address.
fn port_of(addr: &str) -> u16 {
    addr.parse::<SocketAddr>()
        .unwrap_or_else(|e| panic!("{addr:?} is not HOST:PORT: {e}"))
        .port()
}

// --- promtool ----------------------------------------------------------------------------

/// `promtool`, after checking that it can be run.
fn promtool() -> Command {
    let available = Command::new("promtool")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        available,
        "promtool is not installed or not on PATH: run `scripts/test`, which installs it \
         (Debian package `prometheus`), or put Prometheus's promtool on PATH"
    );
    Command::new("promtool")
}

/// Runs `promtool ARGS` (with `stdin` piped in, if any) and asserts that it succeeds.
fn promtool_succeeds(args: &[&str], stdin: Option<&str>) {
    let mut command = promtool();
    command
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "promtool {args:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

// --- the server ----------------------------------------------------------------------------

/// A `govshare serve` process; killed when dropped.
struct Server {
    child: Child,
    grpc_addr: String,
    /// The metrics address (`/metrics`, `/healthz`, `/readyz`).
    http_addr: String,
    /// From the line `govshare: metrics on http://ADDR/metrics`, once it has been printed.
    metrics_url: Option<String>,
    lines: mpsc::Receiver<String>,
    printed: Vec<String>,
    /// `--data-dir`: `data` in `_dir`.
    data_dir: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    /// `govshare serve` on ephemeral ports over a fresh data directory, with `extra` flags.
    fn start(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut args: Vec<OsString> = ["serve", "--grpc-addr", "127.0.0.1:0"]
            .into_iter()
            .chain([
                "--metrics-addr",
                "127.0.0.1:0",
                "--console-addr",
                "127.0.0.1:0",
            ])
            .chain(["--data-dir"])
            .map(OsString::from)
            .collect();
        args.push(dir.path().join("data").into());
        args.extend(extra.iter().map(OsString::from));
        Server::spawn(args, &[], dir)
    }

    /// Runs the binary with exactly `args` (whose `--data-dir` is `data` in `dir`) and `env`
    /// (plus `GOVSHARE_LOG=warn`) and waits until it has printed its gRPC and metrics
    /// addresses.
    fn spawn(args: Vec<OsString>, env: &[(String, String)], dir: tempfile::TempDir) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_govshare"))
            .args(&args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("GOVSHARE_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        // Forwards every line, and keeps draining stdout so the server never blocks on it.
        std::thread::spawn(move || {
            for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            grpc_addr: String::new(),
            http_addr: String::new(),
            metrics_url: None,
            lines,
            printed: Vec::new(),
            data_dir: dir.path().join("data"),
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while server.grpc_addr.is_empty() || server.http_addr.is_empty() {
            if !server.next_line(deadline) {
                let status = server.child.try_wait().ok().flatten();
                panic!(
                    "govshare {args:?} did not print its gRPC and metrics addresses \
                     (exit status {status:?}); it printed {:#?}",
                    server.printed
                );
            }
        }
        server
    }

    /// Reads one line printed by the server (until `deadline`); false if none came.
    fn next_line(&mut self, deadline: Instant) -> bool {
        let wait = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = self.lines.recv_timeout(wait) else {
            return false;
        };
        if let Some(addr) = line.strip_prefix("govshare: gRPC listening on ") {
            self.grpc_addr = addr.trim().to_owned();
        } else if let Some(rest) = line.strip_prefix("govshare: metrics on http://") {
            let addr = rest.trim().trim_end_matches("/metrics");
            self.http_addr = addr.to_owned();
            self.metrics_url = Some(format!("http://{addr}/metrics"));
        } else if let Some(rest) = line.strip_prefix("govshare: probes listening on http://") {
            // The probes share the metrics address.
            if self.http_addr.is_empty() {
                self.http_addr = rest.split_whitespace().next().unwrap_or("").to_owned();
            }
        }
        self.printed.push(line);
        true
    }

    /// The scrape address, from the line `govshare: metrics on http://ADDR/metrics`.
    fn metrics_addr(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.metrics_url.is_none() {
            if !self.next_line(deadline) {
                panic!(
                    "govshare serve did not print `govshare: metrics on http://ADDR/metrics`; \
                     it printed {:#?}",
                    self.printed
                );
            }
        }
        self.http_addr.clone()
    }

    /// Makes an authenticated gRPC call (`govshare whoami` with the administrator's token), so
    /// that the metrics of calls and of the access log have series.
    fn exercise(&self) {
        let output = Command::new(env!("CARGO_BIN_EXE_govshare"))
            .arg("--server")
            .arg(format!("http://{}", self.grpc_addr))
            .arg("--token-file")
            .arg(self.data_dir.join("admin.token"))
            .arg("whoami")
            .env_remove("GOVSHARE_TOKEN")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "govshare whoami failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// The body of `GET /metrics`, after checking that it answered 200.
    fn scrape(&mut self) -> String {
        let addr = self.metrics_addr();
        let (status, body) = http_get(&addr, "/metrics");
        assert_eq!(status, 200, "GET http://{addr}/metrics answered: {body}");
        body
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.1 `GET`; returns the status code and the body.
fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut stream =
        TcpStream::connect(addr).unwrap_or_else(|e| panic!("connecting to {addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/plain\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP header in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    (status, String::from_utf8(body).unwrap())
}

/// The payload of a `Transfer-Encoding: chunked` body.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let end = raw.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_line = String::from_utf8_lossy(&raw[..end]).into_owned();
        let size_hex = size_line.split(';').next().unwrap().trim();
        let size = usize::from_str_radix(size_hex, 16).unwrap();
        raw = &raw[end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

// --- metric names --------------------------------------------------------------------------

/// The names of the series a Prometheus text exposition holds: every sample's name, and the
/// names a `# TYPE` line implies (`x_bucket`, `x_sum`, `x_count` of a histogram `x`).
fn exported_names(exposition: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in exposition.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut words = rest.split_whitespace();
            let (Some(name), Some(kind)) = (words.next(), words.next()) else {
                continue;
            };
            names.insert(name.to_owned());
            let suffixes: &[&str] = match kind {
                "histogram" => &["_bucket", "_sum", "_count"],
                "summary" => &["_sum", "_count"],
                "counter" if !name.ends_with("_total") => &["_total"],
                _ => &[],
            };
            names.extend(suffixes.iter().map(|s| format!("{name}{s}")));
        } else if !line.starts_with('#') && !line.trim().is_empty() {
            let end = line.find(['{', ' ']).unwrap_or(line.len());
            names.insert(line[..end].to_owned());
        }
    }
    names
}

/// Keywords followed by a parenthesised list of label names.
const LABEL_LIST_KEYWORDS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

/// Keywords and literals that stand alone (functions and aggregations are recognised by the
/// `(` that follows them).
const BARE_KEYWORDS: &[&str] = &[
    "and", "or", "unless", "bool", "offset", "atan2", "inf", "nan",
];

/// The index just past the string literal that starts at `start`.
fn skip_string(chars: &[char], start: usize) -> usize {
    let quote = chars[start];
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if quote != '`' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// The index just past the bracketed group (`{…}`, `[…]`, `(…)`) that starts at `start`.
fn skip_group(chars: &[char], start: usize) -> usize {
    let (open, close) = (chars[start], closing(chars[start]));
    let mut depth = 0;
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            '"' | '\'' | '`' => {
                i = skip_string(chars, i);
                continue;
            }
            c if c == open => depth += 1,
            c if c == close => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

fn closing(open: char) -> char {
    match open {
        '{' => '}',
        '[' => ']',
        '(' => ')',
        other => panic!("not an opening bracket: {other}"),
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// The metric names a PromQL expression selects: identifiers outside label matchers (`{…}`),
/// ranges (`[…]`) and strings that are neither functions or aggregations (followed by `(`,
/// `by` or `without`), nor keywords, nor the label lists of `by`, `without`, `on`, `ignoring`, `group_left` and
/// `group_right`.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut names = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '"' | '\'' | '`') {
            i = skip_string(&chars, i);
        } else if matches!(c, '{' | '[') {
            i = skip_group(&chars, i);
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            // A number or a duration (0.99, 5m, 1e3).
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len() && is_name_char(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let mut next = i;
            while next < chars.len() && chars[next].is_whitespace() {
                next += 1;
            }
            let followed_by_paren = chars.get(next) == Some(&'(');
            // `sum by (…) (…)`, `max without (…) (…)`: an aggregation.
            let next_word: String = chars[next..]
                .iter()
                .take_while(|c| is_name_char(**c))
                .collect();
            let aggregation = matches!(next_word.to_ascii_lowercase().as_str(), "by" | "without");
            if LABEL_LIST_KEYWORDS.contains(&word.to_ascii_lowercase().as_str()) {
                if followed_by_paren {
                    i = skip_group(&chars, next);
                }
            } else if !followed_by_paren
                && !aggregation
                && !BARE_KEYWORDS.contains(&word.to_ascii_lowercase().as_str())
            {
                names.insert(word);
            }
        } else {
            i += 1;
        }
    }
    names
}

#[test]
fn promql_metric_names_are_told_apart_from_functions_keywords_and_labels() {
    let expr = r#"histogram_quantile(0.99, sum by (job, le) (rate(a_bucket{job=~"$job", x="}b"}[5m])))
        / ignoring (grpc_code) group_left sum without(instance) (irate(b_total[1m] offset 1h))
        + max by(x) (f_total) + count(g)
        > bool 0.1 and on(instance) c:recorded or time() - d unless e == inf"#;
    let expected: BTreeSet<String> = [
        "a_bucket",
        "b_total",
        "c:recorded",
        "d",
        "e",
        "f_total",
        "g",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(metric_names(expr), expected);
}

#[test]
fn exported_names_expand_histograms_and_read_samples() {
    let text = "# HELP h_seconds H.\n# TYPE h_seconds histogram\n\
                h_seconds_bucket{le=\"+Inf\"} 1\n# TYPE c_total counter\nc_total 2\n\
                g{state=\"x\"} 3\n";
    let names = exported_names(text);
    for name in [
        "h_seconds",
        "h_seconds_bucket",
        "h_seconds_sum",
        "h_seconds_count",
        "c_total",
        "g",
    ] {
        assert!(names.contains(name), "{name} missing from {names:?}");
    }
}

// --- the Grafana dashboard and the alerts -------------------------------------------------

const DASHBOARD: &str = "deploy/grafana/govshare-dashboard.json";
const ALERTS: &str = "deploy/prometheus/alerts.yml";

fn dashboard() -> Json {
    serde_json::from_str(&read(DASHBOARD))
        .unwrap_or_else(|e| panic!("{DASHBOARD} is not valid JSON: {e}"))
}

/// Every panel of the dashboard, those nested in collapsed rows included.
fn panels(dashboard: &Json) -> Vec<&Json> {
    let mut all = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        all.push(panel);
        if let Some(nested) = panel["panels"].as_array() {
            all.extend(nested);
        }
    }
    all
}

/// (where, expression) of every query of the dashboard: panel targets and the queries of its
/// variables.
fn dashboard_queries(dashboard: &Json) -> Vec<(String, String)> {
    let mut queries = Vec::new();
    for panel in panels(dashboard) {
        for target in panel["targets"].as_array().into_iter().flatten() {
            if let Some(expr) = target["expr"].as_str() {
                let title = panel["title"].as_str().unwrap_or("");
                queries.push((format!("panel {title:?}"), expr.to_owned()));
            }
        }
    }
    for variable in dashboard["templating"]["list"]
        .as_array()
        .expect("templating")
    {
        if variable["type"] == "query" {
            let query = variable["query"]["query"]
                .as_str()
                .or(variable["query"].as_str())
                .expect("a query variable has a query");
            let name = variable["name"].as_str().unwrap_or("");
            queries.push((format!("variable {name:?}"), query.to_owned()));
        }
    }
    queries
}

/// The metric names a dashboard query selects; `label_values(METRIC, label)` is a Grafana
/// function whose first argument is a series selector.
fn query_metric_names(query: &str) -> BTreeSet<String> {
    match query.trim().strip_prefix("label_values(") {
        Some(args) => {
            let selector = args.rsplit_once(',').map_or(args, |(s, _)| s);
            metric_names(selector)
        }
        None => metric_names(query),
    }
}

/// (alert, expression) of every rule of alerts.yml.
fn alert_exprs() -> Vec<(String, String)> {
    let documents = yaml_documents(ALERTS);
    let mut exprs = Vec::new();
    for group in yaml_seq(&documents[0]["groups"], "groups") {
        for rule in yaml_seq(&group["rules"], "rules") {
            let name = rule["alert"].as_str().or(rule["record"].as_str()).unwrap();
            exprs.push((name.to_owned(), yaml_str(&rule["expr"], "expr").to_owned()));
        }
    }
    exprs
}

#[test]
fn dashboard_has_a_datasource_variable_and_a_query_in_every_panel() {
    let dashboard = dashboard();
    assert_eq!(dashboard["uid"], "govshare");
    assert!(dashboard["schemaVersion"].as_u64().unwrap() >= 36);
    let variables = dashboard["templating"]["list"].as_array().unwrap();
    let datasource = variables
        .iter()
        .find(|v| v["name"] == "datasource")
        .expect("a `datasource` variable");
    assert_eq!(datasource["type"], "datasource");
    assert_eq!(datasource["query"], "prometheus");

    let mut ids = BTreeSet::new();
    let mut titles = Vec::new();
    for panel in panels(&dashboard) {
        let title = panel["title"].as_str().unwrap_or("");
        assert!(
            ids.insert(panel["id"].as_u64().unwrap()),
            "duplicate id of {title}"
        );
        assert!(panel["gridPos"].is_object(), "{title} has no gridPos");
        if panel["type"] == "row" {
            continue;
        }
        titles.push(title.to_owned());
        let targets = panel["targets"].as_array().map_or(&[][..], Vec::as_slice);
        assert!(!targets.is_empty(), "panel {title:?} has no target");
        for target in targets {
            let expr = target["expr"].as_str().unwrap_or("");
            assert!(
                !expr.trim().is_empty(),
                "panel {title:?} has an empty query"
            );
            let source = if target["datasource"].is_null() {
                &panel["datasource"]
            } else {
                &target["datasource"]
            };
            assert_eq!(
                source["uid"], "${datasource}",
                "panel {title:?} does not query the `datasource` variable"
            );
        }
    }
    assert!(titles.len() >= 15, "{titles:?}");
}

#[test]
fn dashboard_queries_are_valid_promql() {
    let dashboard = dashboard();
    let rules: Vec<Yaml> = dashboard_queries(&dashboard)
        .into_iter()
        .filter(|(_, q)| !q.trim_start().starts_with("label_values("))
        .enumerate()
        .map(|(n, (_, expr))| {
            let mut rule = serde_yaml::Mapping::new();
            rule.insert("record".into(), format!("dashboard:query_{n}").into());
            rule.insert("expr".into(), expr.into());
            Yaml::Mapping(rule)
        })
        .collect();
    let mut group = serde_yaml::Mapping::new();
    group.insert("name".into(), "dashboard".into());
    group.insert("rules".into(), Yaml::Sequence(rules));
    let mut file = serde_yaml::Mapping::new();
    file.insert("groups".into(), Yaml::Sequence(vec![Yaml::Mapping(group)]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dashboard-queries.yml");
    std::fs::write(&path, serde_yaml::to_string(&file).unwrap()).unwrap();
    promtool_succeeds(&["check", "rules", path.to_str().unwrap()], None);
}

#[test]
fn dashboard_and_alerts_query_only_metrics_the_server_exports() {
    let mut server = Server::start(&[]);
    server.exercise();
    let exported = exported_names(&server.scrape());
    let mut unknown = Vec::new();
    for (place, query) in dashboard_queries(&dashboard()) {
        let names = query_metric_names(&query);
        assert!(!names.is_empty(), "{place} selects no metric: {query}");
        for name in names.into_iter().filter(|n| !exported.contains(n)) {
            unknown.push(format!("{DASHBOARD}: {place}: {name}"));
        }
    }
    for (alert, expr) in alert_exprs() {
        for name in metric_names(&expr) {
            // `up` is written by Prometheus itself.
            if name != "up" && !exported.contains(&name) {
                unknown.push(format!("{ALERTS}: {alert}: {name}"));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "metrics queried but not exported on /metrics:\n{}\nexported: {exported:#?}",
        unknown.join("\n")
    );
}

#[test]
fn metrics_pass_promtool_check_metrics() {
    let mut server = Server::start(&[]);
    server.exercise();
    let body = server.scrape();
    promtool_succeeds(&["check", "metrics"], Some(&body));
}

// --- Prometheus ----------------------------------------------------------------------------

#[test]
fn prometheus_config_is_valid_and_scrapes_the_metrics_port() {
    let config = "deploy/prometheus/prometheus.yml";
    promtool_succeeds(
        &["check", "config", repo_path(config).to_str().unwrap()],
        None,
    );

    let documents = yaml_documents(config);
    let rule_files = yaml_seq(&documents[0]["rule_files"], "rule_files");
    assert!(rule_files.iter().any(|f| f.as_str() == Some("alerts.yml")));
    let job = yaml_seq(&documents[0]["scrape_configs"], "scrape_configs")
        .iter()
        .find(|j| j["job_name"].as_str() == Some("govshare"))
        .expect("a scrape job named govshare (the alerts select job=\"govshare\")");
    let default_port = port_of(example_config()["metrics_addr"].as_str().unwrap());
    let targets: Vec<&str> = yaml_seq(&job["static_configs"], "static_configs")
        .iter()
        .flat_map(|c| yaml_seq(&c["targets"], "targets"))
        .map(|t| yaml_str(t, "target"))
        .collect();
    assert!(!targets.is_empty());
    for target in targets {
        assert_eq!(port_of(target), default_port, "target {target}");
    }
}

#[test]
fn alert_rules_are_valid() {
    promtool_succeeds(
        &["check", "rules", repo_path(ALERTS).to_str().unwrap()],
        None,
    );
    let alerts: BTreeSet<String> = alert_exprs().into_iter().map(|(a, _)| a).collect();
    for expected in [
        "GovshareDown",
        "GovshareRequestsOverdue",
        "GovshareAuditChainBroken",
        "GovshareAuditVerifyFailures",
        "GovshareHighErrorRatio",
        "GovshareAuditCommitSlow",
        "GovshareDataDamaged",
        "GovshareCredentialsRefused",
    ] {
        assert!(alerts.contains(expected), "{expected} missing: {alerts:?}");
    }
}

#[test]
fn alert_rule_unit_tests_pass() {
    let tests = repo_path("deploy/prometheus/alerts_test.yml");
    promtool_succeeds(&["test", "rules", tests.to_str().unwrap()], None);
}

// --- Kubernetes ----------------------------------------------------------------------------

const KUBERNETES: &str = "deploy/kubernetes";
/// The stateless layout: a Deployment of several servers in front of PostgreSQL.
const KUBERNETES_STATELESS: &str = "deploy/kubernetes/stateless";

/// Every manifest of `dir` by file name, kustomization.yaml left out.
fn kubernetes_manifests_in(dir: &str) -> BTreeMap<String, Vec<Yaml>> {
    let mut manifests = BTreeMap::new();
    for entry in std::fs::read_dir(repo_path(dir)).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if (name.ends_with(".yaml") || name.ends_with(".yml")) && name != "kustomization.yaml" {
            let documents = yaml_documents(&format!("{dir}/{name}"));
            manifests.insert(name, documents);
        }
    }
    manifests
}

/// Every manifest of deploy/kubernetes (the single server) by file name.
fn kubernetes_manifests() -> BTreeMap<String, Vec<Yaml>> {
    kubernetes_manifests_in(KUBERNETES)
}

/// The only object of `kind` among the manifests.
fn object_of_kind(manifests: &BTreeMap<String, Vec<Yaml>>, kind: &str) -> Yaml {
    let found: Vec<&Yaml> = manifests
        .values()
        .flatten()
        .filter(|d| d["kind"].as_str() == Some(kind))
        .collect();
    assert_eq!(found.len(), 1, "expected one {kind}");
    found[0].clone()
}

/// The govshare.toml of the ConfigMap, as text.
fn configmap_config_text(manifests: &BTreeMap<String, Vec<Yaml>>) -> String {
    let configmap = object_of_kind(manifests, "ConfigMap");
    yaml_str(
        &configmap["data"]["govshare.toml"],
        "data.\"govshare.toml\"",
    )
    .to_owned()
}

fn example_config() -> toml::Table {
    toml::from_str(&read("deploy/govshare.example.toml")).unwrap()
}

/// The container port a probe or a Service's targetPort names (by name or number).
fn container_port(container: &Yaml, port: &Yaml) -> u64 {
    let ports = yaml_seq(&container["ports"], "container ports");
    let found = match port {
        Yaml::Number(n) => ports
            .iter()
            .find(|p| p["containerPort"].as_u64() == n.as_u64()),
        Yaml::String(name) => ports.iter().find(|p| p["name"].as_str() == Some(name)),
        other => panic!("a port is a name or a number, not {other:?}"),
    };
    found.unwrap_or_else(|| panic!("no container port {port:?}"))["containerPort"]
        .as_u64()
        .unwrap()
}

/// `selector` (a label map) is a subset of `labels`.
fn selects(selector: &Yaml, labels: &Yaml) -> bool {
    let selector = selector.as_mapping().expect("a selector is a map");
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// Checks that every manifest of `dir` holds objects with an apiVersion, a kind and a name, and
/// that `dir/kustomization.yaml` lists exactly the manifests that are not examples
/// (`*.example.yaml`: templates to copy and fill in, never applied as they are).
fn check_manifests_and_kustomization(dir: &str) {
    let manifests = kubernetes_manifests_in(dir);
    for (file, documents) in &manifests {
        assert!(!documents.is_empty(), "{dir}/{file} holds no object");
        for document in documents {
            for key in ["apiVersion", "kind"] {
                assert!(
                    document[key].is_string(),
                    "{dir}/{file}: an object without {key}"
                );
            }
            assert!(
                document["metadata"]["name"].is_string(),
                "{dir}/{file}: an object without metadata.name"
            );
        }
    }
    let kustomization = yaml_documents(&format!("{dir}/kustomization.yaml"));
    let listed: BTreeSet<String> = yaml_seq(&kustomization[0]["resources"], "resources")
        .iter()
        .map(|r| yaml_str(r, "resource").to_owned())
        .collect();
    let files: BTreeSet<String> = manifests
        .keys()
        .filter(|f| !f.ends_with(".example.yaml"))
        .cloned()
        .collect();
    assert_eq!(
        listed, files,
        "{dir}/kustomization.yaml resources vs the files of {dir}"
    );
}

#[test]
fn kubernetes_manifests_parse_and_the_kustomization_lists_them() {
    check_manifests_and_kustomization(KUBERNETES);
}

#[test]
fn kubernetes_stateless_manifests_parse_and_the_kustomization_lists_them_but_the_example() {
    check_manifests_and_kustomization(KUBERNETES_STATELESS);
    let manifests = kubernetes_manifests_in(KUBERNETES_STATELESS);
    assert!(
        manifests.contains_key("secret.example.yaml"),
        "an example of the Secret holding the database URL"
    );
}

/// The ports of a layout's govshare.toml (its ConfigMap's).
struct ConfiguredPorts {
    grpc: u64,
    metrics: u64,
    console: u64,
}

impl ConfiguredPorts {
    fn of(config: &toml::Table) -> ConfiguredPorts {
        ConfiguredPorts {
            grpc: u64::from(port_of(config["grpc_addr"].as_str().unwrap())),
            metrics: u64::from(port_of(config["metrics_addr"].as_str().unwrap())),
            console: u64::from(port_of(config["console_addr"].as_str().unwrap())),
        }
    }
}

/// Checks the server pod of a layout (the template of `workload`, a StatefulSet or a
/// Deployment) against the layout's ConfigMap and Services: the workload selects the pod; the
/// container's ports are the configured ones; liveness and startup probes ask `/healthz` and
/// readiness `/readyz` on the metrics port; Prometheus annotations; no root, the image's uid, a
/// read-only root filesystem; the `--config` file is the ConfigMap's govshare.toml; every
/// `GOVSHARE_*` variable set is a documented one; every Service selects the pod and reaches
/// its ports. Returns the mount path of each mounted volume, by volume name.
fn check_server_pod(
    manifests: &BTreeMap<String, Vec<Yaml>>,
    workload: &Yaml,
    ports: &ConfiguredPorts,
) -> BTreeMap<String, String> {
    let spec = &workload["spec"];
    let pod = &spec["template"];
    let labels = &pod["metadata"]["labels"];
    assert!(selects(&spec["selector"]["matchLabels"], labels));

    let containers = yaml_seq(&pod["spec"]["containers"], "containers");
    assert_eq!(containers.len(), 1);
    let container = &containers[0];
    assert_eq!(container_port(container, &"grpc".into()), ports.grpc);
    assert_eq!(container_port(container, &"metrics".into()), ports.metrics);
    assert_eq!(container_port(container, &"console".into()), ports.console);
    for (probe, path) in [
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
        ("startupProbe", "/healthz"),
    ] {
        let get = &container[probe]["httpGet"];
        if probe == "startupProbe" && get.is_null() {
            continue;
        }
        assert_eq!(get["path"].as_str(), Some(path), "{probe}");
        assert_eq!(
            container_port(container, &get["port"]),
            ports.metrics,
            "{probe}"
        );
    }
    let annotations = &pod["metadata"]["annotations"];
    assert_eq!(annotations["prometheus.io/scrape"].as_str(), Some("true"));
    assert_eq!(
        annotations["prometheus.io/port"].as_str(),
        Some(ports.metrics.to_string().as_str())
    );
    assert_eq!(annotations["prometheus.io/path"].as_str(), Some("/metrics"));

    // Security: the image's uid, no root, a read-only root filesystem.
    let security = &pod["spec"]["securityContext"];
    assert_eq!(security["runAsNonRoot"].as_bool(), Some(true));
    assert_eq!(security["runAsUser"].as_u64(), Some(dockerfile_uid()));
    assert!(security["fsGroup"].as_u64().is_some());
    assert_eq!(
        container["securityContext"]["readOnlyRootFilesystem"].as_bool(),
        Some(true)
    );

    let mounts: BTreeMap<String, String> = yaml_seq(&container["volumeMounts"], "volumeMounts")
        .iter()
        .map(|m| {
            (
                yaml_str(&m["name"], "volume name").to_owned(),
                yaml_str(&m["mountPath"], "mountPath").to_owned(),
            )
        })
        .collect();

    // The --config file is the ConfigMap's govshare.toml.
    let args: Vec<&str> = yaml_seq(&container["args"], "args")
        .iter()
        .map(|a| yaml_str(a, "arg"))
        .collect();
    assert_eq!(args.first(), Some(&"serve"));
    let config_arg = args
        .iter()
        .position(|a| *a == "--config")
        .map(|i| Path::new(args[i + 1]))
        .expect("--config");
    let volume = yaml_seq(&pod["spec"]["volumes"], "volumes")
        .iter()
        .find(|v| !v["configMap"].is_null())
        .expect("a ConfigMap volume");
    let configmap = object_of_kind(manifests, "ConfigMap");
    assert_eq!(volume["configMap"]["name"], configmap["metadata"]["name"]);
    let config_mount = &mounts[yaml_str(&volume["name"], "volume name")];
    assert_eq!(Path::new(config_mount), config_arg.parent().unwrap());
    assert_eq!(config_arg.file_name().unwrap(), "govshare.toml");

    // The variables set are configuration keys documented in the example (GOVSHARE_LOG is
    // the log filter, not a key).
    let example = read("deploy/govshare.example.toml");
    for variable in container["env"].as_sequence().into_iter().flatten() {
        let name = yaml_str(&variable["name"], "env name");
        if name.starts_with("GOVSHARE_") && name != "GOVSHARE_LOG" {
            assert!(
                example.contains(&format!("Env: {name}")),
                "{name} is not a documented variable of deploy/govshare.example.toml"
            );
        }
    }

    // The Services select the pod and reach its ports.
    let services: Vec<&Yaml> = manifests
        .values()
        .flatten()
        .filter(|d| d["kind"].as_str() == Some("Service"))
        .collect();
    assert!(!services.is_empty());
    for service in &services {
        let name = yaml_str(&service["metadata"]["name"], "service name");
        assert!(
            selects(&service["spec"]["selector"], labels),
            "{name} does not select the pod"
        );
        for port in yaml_seq(&service["spec"]["ports"], "service ports") {
            let target = if port["targetPort"].is_null() {
                &port["port"]
            } else {
                &port["targetPort"]
            };
            let reached = container_port(container, target);
            if port["name"].as_str() == Some("grpc") {
                assert_eq!(reached, ports.grpc, "{name}");
                assert_eq!(port["appProtocol"].as_str(), Some("grpc"), "{name}");
            }
            if port["name"].as_str() == Some("metrics") {
                assert_eq!(reached, ports.metrics, "{name}");
            }
            if port["name"].as_str() == Some("console") {
                assert_eq!(reached, ports.console, "{name}");
            }
        }
    }
    assert!(
        services
            .iter()
            .any(|s| s["spec"]["clusterIP"].is_null()
                && s["spec"]["type"].as_str() == Some("ClusterIP")),
        "a ClusterIP Service for clients"
    );
    mounts
}

#[test]
fn kubernetes_statefulset_probes_ports_and_service_agree_with_the_config() {
    let manifests = kubernetes_manifests();
    let config: toml::Table = toml::from_str(&configmap_config_text(&manifests)).unwrap();
    let data_dir = config["data_dir"].as_str().unwrap();

    let statefulset = object_of_kind(&manifests, "StatefulSet");
    let spec = &statefulset["spec"];
    assert_eq!(
        spec["replicas"].as_u64(),
        Some(1),
        "the store is single-writer"
    );
    let mounts = check_server_pod(&manifests, &statefulset, &ConfiguredPorts::of(&config));

    // The data volume is mounted where the configuration keeps the data.
    let claims = yaml_seq(&spec["volumeClaimTemplates"], "volumeClaimTemplates");
    assert_eq!(claims.len(), 1);
    let claim = &claims[0];
    assert_eq!(
        claim["spec"]["resources"]["requests"]["storage"].as_str(),
        Some("20Gi")
    );
    let claim_name = yaml_str(&claim["metadata"]["name"], "claim name");
    assert_eq!(mounts.get(claim_name).map(String::as_str), Some(data_dir));

    // The StatefulSet's governing Service is headless.
    let governing = manifests
        .values()
        .flatten()
        .find(|d| {
            d["kind"].as_str() == Some("Service") && d["metadata"]["name"] == spec["serviceName"]
        })
        .expect("the StatefulSet's serviceName is one of the Services");
    assert_eq!(governing["spec"]["clusterIP"].as_str(), Some("None"));
}

#[test]
fn kubernetes_stateless_deployment_runs_replicas_on_postgres_and_a_shared_blob_volume() {
    let manifests = kubernetes_manifests_in(KUBERNETES_STATELESS);
    let config_text = configmap_config_text(&manifests);
    assert!(
        !config_text.contains("postgres://") && !config_text.contains("url ="),
        "the database URL holds a password: it belongs in the Secret, not the ConfigMap"
    );
    let table: toml::Table = toml::from_str(&config_text).unwrap();

    let deployment = object_of_kind(&manifests, "Deployment");
    let spec = &deployment["spec"];
    assert_eq!(
        spec["replicas"].as_u64(),
        Some(2),
        "stateless: several servers"
    );
    let mounts = check_server_pod(&manifests, &deployment, &ConfiguredPorts::of(&table));
    let pod_spec = &spec["template"]["spec"];
    let container = &pod_spec["containers"][0];

    // The backend is chosen in the environment, and the URL comes from the Secret.
    let env = yaml_seq(&container["env"], "env");
    let variable = |name: &str| {
        env.iter()
            .find(|v| v["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("the container does not set {name}"))
    };
    assert_eq!(
        variable("GOVSHARE_STORE_BACKEND")["value"].as_str(),
        Some("postgres")
    );
    let url_ref = &variable("GOVSHARE_STORE_URL")["valueFrom"]["secretKeyRef"];
    let secret = yaml_documents(&format!("{KUBERNETES_STATELESS}/secret.example.yaml"));
    assert_eq!(secret.len(), 1);
    let secret = &secret[0];
    assert_eq!(secret["kind"].as_str(), Some("Secret"));
    assert_eq!(url_ref["name"], secret["metadata"]["name"]);
    let url = yaml_str(
        &secret["stringData"][yaml_str(&url_ref["key"], "secretKeyRef.key")],
        "the Secret's URL",
    );
    assert!(url.starts_with("postgres://"), "{url}");

    // The ConfigMap's file with the container's environment (the example URL standing in for
    // the Secret's) is a valid configuration of the PostgreSQL backend.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("govshare.toml");
    std::fs::write(&file, &config_text).unwrap();
    let mut environment: Vec<(String, String)> = env
        .iter()
        .filter_map(|v| {
            let value = v["value"].as_str()?;
            Some((
                yaml_str(&v["name"], "env name").to_owned(),
                value.to_owned(),
            ))
        })
        .collect();
    environment.push(("GOVSHARE_STORE_URL".into(), url.to_owned()));
    let args = govshare_server::config::ServeArgs {
        config: Some(file),
        ..Default::default()
    };
    let config = govshare_server::config::Config::load(&args, environment)
        .unwrap_or_else(|e| panic!("the stateless configuration is refused: {e}"));
    assert!(config.store.is_postgres());
    assert_eq!(config.store.url.as_deref(), Some(url));

    // Snapshot data lives on the ReadWriteMany claim every pod mounts; the data directory
    // (search index, admin.token) is each pod's own.
    let volumes = yaml_seq(&pod_spec["volumes"], "volumes");
    let volume = |name: &str| {
        volumes
            .iter()
            .find(|v| v["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("no volume {name}"))
    };
    let mounted_at = |path: &Path| {
        mounts
            .iter()
            .find(|(_, mount)| Path::new(mount) == path)
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| panic!("nothing is mounted at {}", path.display()))
    };
    let claim = object_of_kind(&manifests, "PersistentVolumeClaim");
    let blobs = volume(&mounted_at(&config.blob_dir()));
    assert_eq!(
        blobs["persistentVolumeClaim"]["claimName"],
        claim["metadata"]["name"]
    );
    let modes: Vec<&str> = yaml_seq(&claim["spec"]["accessModes"], "accessModes")
        .iter()
        .map(|m| yaml_str(m, "access mode"))
        .collect();
    assert_eq!(modes, ["ReadWriteMany"], "every pod writes the blobs");
    let data = volume(&mounted_at(&config.data_dir));
    assert!(
        data["emptyDir"].is_mapping(),
        "the data directory is the pod's own: {data:?}"
    );
    assert!(config.search_dir().starts_with(&config.data_dir));
    assert!(!config.blob_dir().starts_with(&config.data_dir));
}

#[test]
fn kubernetes_configmap_config_starts_the_server_and_its_probes_answer() {
    let manifests = kubernetes_manifests();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("govshare.toml");
    std::fs::write(&config, configmap_config_text(&manifests)).unwrap();
    // Flags win over the file: ephemeral ports and a temporary data directory.
    let server = Server::start(&["--config", config.to_str().unwrap()]);
    let statefulset = object_of_kind(&manifests, "StatefulSet");
    let container = &statefulset["spec"]["template"]["spec"]["containers"][0];
    for probe in ["livenessProbe", "readinessProbe"] {
        let path = yaml_str(&container[probe]["httpGet"]["path"], "probe path");
        let (status, body) = http_get(&server.http_addr, path);
        assert_eq!(status, 200, "{probe} GET {path}: {body}");
    }
}

// --- the Dockerfile --------------------------------------------------------------------------

/// The instructions of deploy/Dockerfile: (INSTRUCTION, arguments), continuation lines joined
/// and comments left out.
fn dockerfile() -> Vec<(String, String)> {
    let text = read("deploy/Dockerfile");
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(part) = trimmed.strip_suffix('\\') {
            current.push_str(part);
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        let (instruction, args) = current.split_once(char::is_whitespace).unwrap();
        instructions.push((instruction.to_ascii_uppercase(), args.trim().to_owned()));
        current.clear();
    }
    instructions
}

fn dockerfile_args(instruction: &str) -> Vec<String> {
    dockerfile()
        .into_iter()
        .filter(|(i, _)| i == instruction)
        .map(|(_, a)| a)
        .collect()
}

/// The `ENV` variables of the runtime image.
fn dockerfile_env() -> BTreeMap<String, String> {
    dockerfile_args("ENV")
        .iter()
        .flat_map(|args| {
            args.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .map(|pair| {
            let (k, v) = pair.split_once('=').expect("ENV KEY=VALUE");
            (k.to_owned(), v.trim_matches('"').to_owned())
        })
        .collect()
}

/// The uid of the Dockerfile's `USER`.
fn dockerfile_uid() -> u64 {
    let user = dockerfile_args("USER").pop().expect("a USER");
    user.split(':')
        .next()
        .unwrap()
        .parse()
        .expect("USER is numeric")
}

fn exec_form(args: &str) -> Vec<String> {
    serde_json::from_str(args).unwrap_or_else(|e| panic!("{args} is not an exec-form list: {e}"))
}

#[test]
fn dockerfile_builds_the_binary_and_runs_it_unprivileged_on_its_volume() {
    let froms = dockerfile_args("FROM");
    assert!(froms[0].starts_with("rust:1-bookworm"), "{froms:?}");
    assert!(
        froms.last().unwrap().starts_with("debian:bookworm-slim"),
        "{froms:?}"
    );
    assert!(
        dockerfile_args("RUN")
            .iter()
            .any(|r| r.contains("cargo build --release --locked --bin govshare"))
    );

    let env = dockerfile_env();
    let example = read("deploy/govshare.example.toml");
    for name in env.keys().filter(|n| n.starts_with("GOVSHARE_")) {
        assert!(
            example.contains(&format!("Env: {name}")),
            "{name} is not a documented variable of deploy/govshare.example.toml"
        );
    }
    let volume = dockerfile_args("VOLUME").pop().expect("a VOLUME");
    assert_eq!(
        env["GOVSHARE_DATA_DIR"],
        volume.trim_matches(['[', ']', '"'])
    );
    let exposed: BTreeSet<u16> = dockerfile_args("EXPOSE")
        .iter()
        .flat_map(|e| {
            e.split_whitespace()
                .map(|p| p.trim_end_matches("/tcp").parse().unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    for key in [
        "GOVSHARE_GRPC_ADDR",
        "GOVSHARE_METRICS_ADDR",
        "GOVSHARE_CONSOLE_ADDR",
    ] {
        let addr: SocketAddr = env[key].parse().unwrap();
        assert!(
            addr.ip().is_unspecified(),
            "{key}={addr} is not reachable from outside"
        );
        assert!(
            exposed.contains(&addr.port()),
            "{key}={addr} is not EXPOSEd"
        );
    }
    assert_eq!(dockerfile_uid(), 10001);
    assert_eq!(
        exec_form(&dockerfile_args("ENTRYPOINT").pop().unwrap()),
        ["govshare"]
    );
    assert_eq!(
        exec_form(&dockerfile_args("CMD").pop().unwrap())[0],
        "serve"
    );
}

#[test]
fn dockerfile_settings_start_the_server_and_its_healthcheck_passes() {
    let env: Vec<(String, String)> = dockerfile_env().into_iter().collect();
    let cmd = exec_form(&dockerfile_args("CMD").pop().unwrap());
    // The image's CMD and environment; flags (which win) move it to ephemeral ports and a
    // temporary data directory.
    let dir = tempfile::tempdir().unwrap();
    let mut args: Vec<OsString> = cmd.iter().map(OsString::from).collect();
    args.extend(
        [
            "--grpc-addr",
            "127.0.0.1:0",
            "--metrics-addr",
            "127.0.0.1:0",
            "--console-addr",
            "127.0.0.1:0",
            "--data-dir",
        ]
        .map(OsString::from),
    );
    args.push(dir.path().join("data").into());
    let server = Server::spawn(args, &env, dir);

    let healthcheck = dockerfile_args("HEALTHCHECK").pop().expect("a HEALTHCHECK");
    let command = exec_form(&healthcheck[healthcheck.find("CMD ").unwrap() + 4..]);
    let port = port_of(&server.http_addr);
    let run = |metrics_addr: String| {
        Command::new(&command[0])
            .args(&command[1..])
            .env("GOVSHARE_METRICS_ADDR", metrics_addr)
            .stderr(Stdio::null())
            .status()
            .unwrap()
    };
    assert!(
        run(format!("0.0.0.0:{port}")).success(),
        "{command:?} failed"
    );
    // And it does fail when nothing answers.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    assert!(!run(format!("0.0.0.0:{closed_port}")).success());
}

// --- the systemd unit ------------------------------------------------------------------------

const UNIT: &str = "deploy/systemd/govshare.service";

/// The `Key=Value` settings of one section of the unit (repeated keys keep every value).
fn unit_section(section: &str) -> BTreeMap<String, Vec<String>> {
    let mut settings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = String::new();
    for line in read(UNIT).lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            current = line.trim_matches(['[', ']']).to_owned();
        } else if current == section {
            let (key, value) = line.split_once('=').unwrap();
            settings
                .entry(key.trim().to_owned())
                .or_default()
                .push(value.trim().to_owned());
        }
    }
    settings
}

#[test]
fn systemd_unit_runs_the_server_sandboxed_in_its_state_directory() {
    let service = unit_section("Service");
    let one = |key: &str| -> &str {
        service
            .get(key)
            .and_then(|v| v.last())
            .unwrap_or_else(|| panic!("{UNIT}: no {key}="))
    };
    assert_eq!(one("Type"), "simple");
    assert_eq!(one("User"), "govshare");
    assert_eq!(one("Restart"), "on-failure");
    for (key, value) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
    ] {
        assert_eq!(one(key), value, "{key}");
    }
    assert!(one("LimitNOFILE").parse::<u64>().unwrap() >= 4096);
    let stop_timeout: u64 = one("TimeoutStopSec").trim_end_matches('s').parse().unwrap();
    assert!(stop_timeout >= 30, "TimeoutStopSec={stop_timeout}");

    let exec: Vec<&str> = one("ExecStart").split_whitespace().collect();
    assert_eq!(exec[..2], ["/usr/local/bin/govshare", "serve"]);
    let flag = |name: &str| {
        exec.iter()
            .position(|a| *a == name)
            .map(|i| exec[i + 1])
            .unwrap_or_else(|| panic!("ExecStart has no {name}"))
    };
    assert_eq!(
        Path::new(flag("--data-dir")),
        Path::new("/var/lib").join(one("StateDirectory")),
        "the data directory is the StateDirectory (the only writable path)"
    );

    // The binary accepts the unit's command line: the same flags, with the data directory and
    // the configuration file (the example) moved, on ephemeral ports.
    let dir = tempfile::tempdir().unwrap();
    let mut args: Vec<OsString> = Vec::new();
    let mut i = 1;
    while i < exec.len() {
        match exec[i] {
            "--data-dir" => {
                args.push("--data-dir".into());
                args.push(dir.path().join("data").into());
                i += 2;
            }
            "--config" => {
                args.push("--config".into());
                args.push(repo_path("deploy/govshare.example.toml").into());
                i += 2;
            }
            other => {
                args.push(other.into());
                i += 1;
            }
        }
    }
    args.extend(
        [
            "--grpc-addr",
            "127.0.0.1:0",
            "--metrics-addr",
            "127.0.0.1:0",
            "--console-addr",
            "127.0.0.1:0",
        ]
        .map(OsString::from),
    );
    let server = Server::spawn(args, &[], dir);
    let (status, _) = http_get(&server.http_addr, "/readyz");
    assert_eq!(status, 200);

    // `systemd-analyze verify` where systemd is installed, with ExecStart pointing at the
    // binary under test.
    let analyze_available = Command::new("systemd-analyze")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if analyze_available {
        let unit_dir = tempfile::tempdir().unwrap();
        let unit = unit_dir.path().join("govshare.service");
        std::fs::write(
            &unit,
            read(UNIT).replace("/usr/local/bin/govshare", env!("CARGO_BIN_EXE_govshare")),
        )
        .unwrap();
        let output = Command::new("systemd-analyze")
            .arg("verify")
            .arg(&unit)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "systemd-analyze verify: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    } else {
        eprintln!("systemd-analyze is not installed: `systemd-analyze verify` skipped");
    }
}
