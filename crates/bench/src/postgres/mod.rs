//! `govshare-bench --postgres URL`: the storage modes compared in one run, with the same load
//! generator ([`super::drive`]), the same concurrency, the same requests and the same
//! connection model (one HTTP/2 connection per server):
//!
//! 1. embedded: one server on sled in a fresh data directory (the default durable
//!    configuration: fdatasync after each group commit);
//! 2. postgres ×1: one server with `store.backend = "postgres"` on a fresh schema of the
//!    database at URL (whose user must be allowed to create schemas);
//! 3. postgres ×2: two servers in this process on one fresh schema, sharing one blob
//!    directory, each with its own data directory; worker `w` calls server `w % 2`, each
//!    server over its own connection.
//!
//! Each set-up: durable RegisterEntry, durable UpdateEntry (one draft per worker, updated with
//! the head version as precondition), GetEntry of the entries registered before (each worker
//! reading its own); Health/Check on the embedded server is the transport's baseline. The
//! schemas are dropped at the end. CPU per request counts this process (client and servers)
//! and, in PostgreSQL mode, the database backends serving the servers' connections (found by
//! the `application_name` the bench gives them).

mod database;
mod setups;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use govshare_store::postgres::{create_schema, drop_schema, url_with_schema};

use super::entries::{self, Load};
use super::{Measurement, health_check, ms, per_request, sample_metadata, steal_cell};
use database::Database;
use setups::Servers;

/// What the comparison needs.
#[derive(Debug, Clone)]
pub struct Setup {
    /// A database whose user may create schemas.
    pub url: String,
    pub concurrency: usize,
    pub warmup: Duration,
    pub measure: Duration,
}

/// One row of the report.
struct Row {
    setup: &'static str,
    m: Measurement,
    /// CPU time of the PostgreSQL backends of the set-up while measuring.
    database_cpu: Option<Duration>,
}

/// What one set-up measured.
struct Measured {
    rows: Vec<Row>,
    access_log: String,
}

const EMBEDDED: &str = "embedded (sled)";
const POSTGRES_1: &str = "postgres ×1";
const POSTGRES_2: &str = "postgres ×2";

/// Runs the three set-ups one after another and returns the report (Markdown).
pub async fn run(s: Setup) -> anyhow::Result<String> {
    let database = Database::connect(&s.url).await?;
    let settings = database.settings().await?;
    let load_before = load_average();
    eprintln!(
        "bench: storage modes, {} concurrent requests, {} s each (+{} s warm-up); {}",
        s.concurrency,
        s.measure.as_secs(),
        s.warmup.as_secs(),
        settings.version
    );

    eprintln!("bench: {EMBEDDED}");
    let embedded = measure(&s, EMBEDDED, 1, None, None).await?;
    eprintln!("bench: {POSTGRES_1}");
    let one = on_fresh_schema(&s, &database, POSTGRES_1, 1).await?;
    eprintln!("bench: {POSTGRES_2}");
    let two = on_fresh_schema(&s, &database, POSTGRES_2, 2).await?;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Machine: nproc {}, load average {} at the start, {} at the end. {}; \
         synchronous_commit = {}, fsync = {}, wal_sync_method = {}, max_connections = {}. \
         {} concurrent requests, {} s measured after {} s of warm-up per row; each server keeps \
         at most {} connections to PostgreSQL.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_before,
        load_average(),
        settings.version,
        settings.synchronous_commit,
        settings.fsync,
        settings.wal_sync_method,
        settings.max_connections,
        s.concurrency,
        s.measure.as_secs(),
        s.warmup.as_secs(),
        govshare_server::config::Config::default().store.pool_size,
    );
    for (setup, measured) in [
        (EMBEDDED, &embedded),
        (POSTGRES_1, &one),
        (POSTGRES_2, &two),
    ] {
        let _ = writeln!(out, "- access log, {setup}: {}", measured.access_log);
    }
    out.push('\n');
    out.push_str(
        "| operation | set-up | requests | errors | req/s | vs embedded | p50 | p99 | steal | CPU/req | of it PostgreSQL |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let all: Vec<&Row> = [&embedded, &one, &two]
        .iter()
        .flat_map(|m| m.rows.iter())
        .collect();
    let mut operations: Vec<&str> = Vec::new();
    for row in &all {
        if !operations.contains(&row.m.name) {
            operations.push(row.m.name);
        }
    }
    for operation in operations {
        let base = embedded
            .rows
            .iter()
            .find(|r| r.m.name == operation)
            .map(|r| r.m.per_second);
        for row in all.iter().filter(|r| r.m.name == operation) {
            let m = &row.m;
            let cpu = m.cpu.map(|c| c + row.database_cpu.unwrap_or_default());
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {} |",
                m.name,
                row.setup,
                m.requests,
                m.errors,
                m.per_second,
                base.map_or_else(
                    || "-".into(),
                    |b| format!("{:.2}×", m.per_second / b.max(f64::MIN_POSITIVE))
                ),
                ms(m.p50),
                ms(m.p99),
                steal_cell(m),
                per_request(cpu, m.requests),
                per_request(row.database_cpu, m.requests),
            );
        }
    }
    Ok(out)
}

/// `count` servers on a fresh schema, measured; the schema is dropped afterwards.
async fn on_fresh_schema(
    s: &Setup,
    database: &Database,
    setup: &'static str,
    count: usize,
) -> anyhow::Result<Measured> {
    let schema = format!("govshare_bench_{:016x}", rand::random::<u64>());
    create_schema(&s.url, &schema)
        .await
        .context("creating the bench's schema (may the user create schemas?)")?;
    // The servers' connections carry the schema's name, so that the CPU time of their
    // backends can be told from any other session's.
    let separator = if s.url.contains('?') { '&' } else { '?' };
    let url = url_with_schema(
        &format!("{}{separator}application_name={schema}", s.url),
        &schema,
    );
    let measured = measure(s, setup, count, Some(&url), Some((database, &schema))).await;
    let dropped = drop_schema(&s.url, &schema).await;
    let measured = measured?;
    dropped.with_context(|| format!("dropping the bench's schema {schema}"))?;
    Ok(measured)
}

/// Starts `count` servers (on `url`, else on sled) and measures them.
async fn measure(
    s: &Setup,
    setup: &'static str,
    count: usize,
    url: Option<&str>,
    backends: Option<(&Database, &str)>,
) -> anyhow::Result<Measured> {
    let servers = Servers::start(count, url).await?;
    let load = Load {
        clients: servers.clients()?,
        metadata: sample_metadata(),
        concurrency: s.concurrency,
        warmup: s.warmup,
        measure: s.measure,
    };
    let row = |m: Measurement, database_cpu| Row {
        setup,
        m,
        database_cpu,
    };
    let mut rows = Vec::new();
    if url.is_none() {
        let health = health_check(
            "Health/Check",
            &servers.channels[0],
            s.concurrency,
            s.warmup,
            s.measure,
        )
        .await;
        rows.push(row(health, None));
    }
    let ((register, codes), cpu) = with_backends(s, backends, entries::register(&load)).await;
    rows.push(row(register, cpu));
    let drafts = entries::drafts(&load).await?;
    let (update, cpu) = with_backends(s, backends, entries::update(&load, drafts)).await;
    rows.push(row(update, cpu));
    let (get, cpu) = with_backends(s, backends, entries::get(&load, codes)).await;
    rows.push(row(get, cpu));
    let access_log = servers.access_log();
    servers.stop().await?;
    Ok(Measured { rows, access_log })
}

/// Runs `measurement` (one [`super::drive`]) and, with `backends`, the CPU time the
/// database's backends of the set-up used over the same window.
async fn with_backends<T>(
    s: &Setup,
    backends: Option<(&Database, &str)>,
    measurement: impl Future<Output = T>,
) -> (T, Option<Duration>) {
    let start = Instant::now() + s.warmup;
    let end = start + s.measure;
    let sampling = async {
        match backends {
            Some((database, application_name)) => {
                database.backend_cpu(application_name, start, end).await
            }
            None => None,
        }
    };
    tokio::join!(measurement, sampling)
}

/// The three load averages of /proc/loadavg.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}
