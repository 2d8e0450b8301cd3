//! `govshare-bench`: measures GetEntry and durable RegisterEntry against the server's own
//! `grpc.health.v1.Health/Check`, in the same run, at a fixed concurrency over one connection;
//! then the exchange (`exchange.rs`): FetchData of an opaque snapshot against a plain tonic
//! stream moving the same bytes (`stream.rs`), and the CSV column projection; then the
//! offline verification rate of the access log (`audit.rs`); with `--import-entries`, a bulk
//! `entry import` of a generated template (`import.rs`); with `--search-entries`, full-text
//! search over a synthetic catalogue (`search/`); with `--etcd PATH`, govshare against etcd 3.4
//! in the same run (`etcd/`); with `--postgres URL`, the embedded store against PostgreSQL
//! with one and with two servers (`postgres/`); with `--soak-seconds N`, a bounded soak run
//! that reports the process's memory (`soak.rs`). `--only` runs just the parts asked for by
//! flag. Every call to the server writes its access-log record, durably, before its reply
//! ends.

mod audit;
mod entries;
mod etcd;
mod exchange;
mod import;
mod postgres;
mod profile;
mod search;
mod soak;
pub mod stream;

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use govshare_proto::admin_service_client::AdminServiceClient;
use govshare_proto::catalog_service_client::CatalogServiceClient;
use govshare_proto::{
    CreateDepartmentRequest, GetEntryRequest, IssueTokenRequest, RegisterEntryRequest,
    ResourceMetadata, ReviewEntryRequest, Role, SubmitEntryRequest, WhoAmIRequest,
};
use govshare_server::config::Config;

/// `govshare-bench` options.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Concurrent requests in flight, all over one HTTP/2 connection.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Seconds of measurement per operation.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Seconds of warm-up per operation (not measured).
    #[arg(long, default_value_t = 2)]
    pub warmup: u64,
    /// Data directory of the in-process server (default: a fresh temporary directory).
    #[arg(long)]
    pub data_dir: Option<std::path::PathBuf>,
    /// MiB of the opaque snapshot FetchData moves, against the plain stream (0: skip).
    #[arg(long, default_value_t = 1024)]
    pub exchange_mib: u64,
    /// About MiB of the CSV snapshot of the projection measurements (0: skip).
    #[arg(long, default_value_t = 300)]
    pub csv_mib: u64,
    /// Runs of each exchange measurement, interleaved.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub exchange_runs: u32,
    /// Data chunk size in KiB, for FetchData (`exchange.chunk_bytes`) and the plain stream.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(4..=4096))]
    pub chunk_kib: u32,
    /// No exchange measurements.
    #[arg(long)]
    pub skip_exchange: bool,
    /// No catalogue measurements (with --skip-exchange: only the access log's).
    #[arg(long)]
    pub skip_catalogue: bool,
    /// Access-log records written, then verified offline (0: skip).
    #[arg(long, default_value_t = 2_000_000)]
    pub audit_records: u64,
    /// Runs of the offline verification.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub audit_runs: u32,
    /// Entries of a generated catalogue template that `entry import` registers, at
    /// --concurrency calls in flight (0: skip).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub import_entries: usize,
    /// Entries of a synthetic catalogue searched through the search index API and the
    /// SearchEntries RPC (0: skip); see src/bench/search.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub search_entries: u64,
    /// Concurrent queries of the search measurements.
    #[arg(long, default_value_t = 16)]
    pub search_concurrency: usize,
    /// Measure search through the index API only, not through the RPC (which first fills a
    /// store with the entries).
    #[arg(long)]
    pub search_skip_rpc: bool,
    /// Also compare with etcd: the etcd 3.4 binary to start on 127.0.0.1 (see src/bench/etcd).
    #[arg(long, value_name = "PATH")]
    pub etcd: Option<std::path::PathBuf>,
    /// Also compare the storage modes: the embedded store against PostgreSQL with one and
    /// with two servers, on fresh schemas of the database at URL, whose user may create
    /// schemas (see src/bench/postgres).
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
    /// Seconds of a soak run (mixed load, memory reported every 30 s; 0: skip).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub soak_seconds: u64,
    /// Seconds of warm-up of the soak run before its starting RSS is taken.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub soak_warmup: u64,
    /// Soak with reads and lists only (no registrations or updates: the store does not grow).
    #[arg(long)]
    pub soak_reads_only: bool,
    /// Run only what --etcd, --postgres, --soak-seconds, --import-entries and
    /// --search-entries ask for: none of the catalogue, exchange and access-log measurements.
    #[arg(long)]
    pub only: bool,
    /// Also take a perf profile of each measurement window into DIR, one file per operation
    /// (see src/profile.rs and `scripts/profile`); needs `perf`.
    #[arg(long, value_name = "DIR")]
    pub profile: Option<std::path::PathBuf>,
}

/// One operation's figures.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub name: &'static str,
    pub requests: usize,
    pub errors: usize,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// The share of CPU time the hypervisor gave to other machines while measuring (steal
    /// time, from /proc/stat), if known: on a shared virtual machine, the figures of a run
    /// with much steal are not comparable.
    pub steal: Option<f64>,
    /// CPU time (user and system) this process used while measuring, client and in-process
    /// server together, if known.
    pub cpu: Option<Duration>,
}

/// CPU time (user + system) used so far by process `pid` (`"self"` for this one), from
/// /proc/PID/stat; Linux counts it in ticks of 1/100 s (`CLK_TCK`).
fn process_cpu(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after it are plain numbers.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Steal and total CPU ticks so far, from the `cpu` line of /proc/stat.
fn cpu_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal
    let steal = *ticks.get(7)?;
    Some((steal, ticks.iter().take(8).sum()))
}

fn steal_between(before: Option<(u64, u64)>, after: Option<(u64, u64)>) -> Option<f64> {
    let ((s0, t0), (s1, t1)) = (before?, after?);
    (t1 > t0).then(|| s1.saturating_sub(s0) as f64 / (t1 - t0) as f64)
}

#[derive(Clone)]
struct Bearer(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

impl tonic::service::Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        Ok(request)
    }
}

type Catalog = CatalogServiceClient<InterceptedService<Channel, Bearer>>;
type Admin = AdminServiceClient<InterceptedService<Channel, Bearer>>;

fn bearer(token: &str) -> anyhow::Result<Bearer> {
    Ok(Bearer(format!("Bearer {token}").parse()?))
}

/// Runs `call` from `concurrency` tasks for `warmup` then `measure`, and reports.
async fn drive<F, Fut>(
    name: &'static str,
    concurrency: usize,
    warmup: Duration,
    measure: Duration,
    call: F,
) -> Measurement
where
    F: Fn(usize, u64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let start = Instant::now() + warmup;
    let end = start + measure;
    let measuring = tokio::spawn(async move {
        tokio::time::sleep_until(start.into()).await;
        let recording = profile::start(name, measure);
        let (before, cpu) = (cpu_ticks(), process_cpu("self"));
        tokio::time::sleep_until(end.into()).await;
        let cpu = process_cpu("self")
            .zip(cpu)
            .map(|(b, a)| b.saturating_sub(a));
        let steal = steal_between(before, cpu_ticks());
        if let Some(recording) = recording {
            recording.finish().await;
        }
        (steal, cpu)
    });
    let mut tasks = Vec::with_capacity(concurrency);
    for worker in 0..concurrency {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut n = 0u64;
            loop {
                let t0 = Instant::now();
                if t0 >= end {
                    break;
                }
                let ok = call(worker, n).await;
                n += 1;
                if t0 >= start {
                    latencies.push(t0.elapsed());
                    errors += usize::from(!ok);
                }
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            all.extend(l);
            errors += e;
        }
    }
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let (steal, cpu) = measuring.await.unwrap_or_default();
    Measurement {
        name,
        requests: all.len(),
        errors,
        per_second: all.len() as f64 / measure.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
        steal,
        cpu,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The cells operation, requests, errors, req/s, p50, p99 and steal of a Markdown table row.
fn cells(m: &Measurement) -> String {
    format!(
        "{} | {} | {} | {:.0} | {} | {} | {}",
        m.name,
        m.requests,
        m.errors,
        m.per_second,
        ms(m.p50),
        ms(m.p99),
        steal_cell(m)
    )
}

/// CPU time per request as a table cell.
fn per_request(cpu: Option<Duration>, requests: usize) -> String {
    cpu.filter(|_| requests > 0).map_or_else(
        || "-".into(),
        |c| format!("{:.0} µs", c.as_secs_f64() * 1e6 / requests as f64),
    )
}

/// CPU per request of `m` as a multiple of `base`'s, if both are known.
fn cpu_ratio(m: &Measurement, base: Option<&Measurement>) -> Option<f64> {
    let per = |m: &Measurement| {
        m.cpu
            .filter(|_| m.requests > 0)
            .map(|c| c.as_secs_f64() / m.requests as f64)
    };
    let base = per(base?)?;
    (base > 0.0).then(|| per(m).map(|p| p / base)).flatten()
}

/// The steal time of a measurement as a table cell.
fn steal_cell(m: &Measurement) -> String {
    m.steal
        .map_or_else(|| "-".into(), |s| format!("{:.0}%", 100.0 * s))
}

/// Prints a Markdown table of the measurements, with throughput relative to the first.
pub fn table(results: &[Measurement]) -> String {
    let base = results
        .first()
        .map_or(1.0, |m| m.per_second.max(f64::MIN_POSITIVE));
    let mut out = String::from(
        "| operation | requests | errors | throughput (req/s) | vs Health/Check | p50 | p99 | steal | CPU/req | CPU vs Health/Check |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for m in results {
        out.push_str(&format!(
            "| {} | {} | {} | {:.0} | {:.0}% | {} | {} | {} | {} | {} |\n",
            m.name,
            m.requests,
            m.errors,
            m.per_second,
            100.0 * m.per_second / base,
            ms(m.p50),
            ms(m.p99),
            steal_cell(m),
            per_request(m.cpu, m.requests),
            cpu_ratio(m, results.first()).map_or_else(|| "-".into(), |r| format!("{r:.2}×")),
        ));
    }
    out
}

/// `govshare-bench`: starts a server in-process on 127.0.0.1:0 and measures it.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if let Some(dir) = &args.profile {
        profile::enable(dir)?;
    }
    let tmp = tempfile::tempdir()?;
    let mut config = Config {
        data_dir: args
            .data_dir
            .clone()
            .unwrap_or_else(|| tmp.path().to_owned()),
        ..Config::default()
    };
    config.exchange.chunk_bytes = args.chunk_kib as usize * 1024;
    let blob_dir = config.blob_dir();
    let chunk = config.exchange.chunk_bytes;
    let store = govshare_server::server::open_store(&config).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let running = govshare_server::server::start(config, store, listener).await?;
    let admin_token = running
        .admin_token
        .clone()
        .context("bench needs a fresh data directory")?;
    let channel = Channel::from_shared(format!("http://{}", running.addr))?
        .connect()
        .await?;
    eprintln!("bench: server on {}", running.addr);

    let mut admin: Admin =
        AdminServiceClient::with_interceptor(channel.clone(), bearer(&admin_token)?);
    let mut departments = Vec::new();
    for (n, name) in [(1, "市数据局"), (2, "市卫生健康委")] {
        let code = govshare_model::testing::valid_credit_code(n);
        admin
            .create_department(CreateDepartmentRequest {
                code: code.clone(),
                name: name.into(),
                region_code: "110000".into(),
                parent_code: String::new(),
            })
            .await?;
        departments.push(code);
    }
    let issue = |dept: String, role: Role| {
        let mut admin = admin.clone();
        async move {
            anyhow::Ok(
                admin
                    .issue_token(IssueTokenRequest {
                        department_code: dept,
                        roles: vec![role as i32],
                        name: "bench".into(),
                        expires_at: None,
                    })
                    .await?
                    .into_inner()
                    .token,
            )
        }
    };
    let cataloguer = issue(departments[0].clone(), Role::Cataloguer).await?;
    let consumer = issue(departments[1].clone(), Role::Consumer).await?;
    let (skip_catalogue, skip_exchange) = (
        args.skip_catalogue || args.only,
        args.skip_exchange || args.only,
    );
    if !skip_catalogue {
        let results = catalogue(&args, &channel, &admin_token, &cataloguer, &consumer).await?;
        println!("{}", table(&results));
    }
    if let Some(binary) = args.etcd.clone() {
        let report = etcd::run(etcd::Setup {
            binary,
            channel: channel.clone(),
            cataloguer: cataloguer.clone(),
            metadata: sample_metadata(),
            concurrency: args.concurrency,
            warmup: Duration::from_secs(args.warmup),
            measure: Duration::from_secs(args.seconds),
        })
        .await?;
        println!("{report}");
    }
    if args.soak_seconds > 0 {
        let metadata = sample_metadata();
        let writer = CatalogServiceClient::with_interceptor(channel.clone(), bearer(&cataloguer)?);
        let published = published_entry(&channel, &admin_token, writer, &metadata).await?;
        let report = soak::run(soak::Setup {
            channel: channel.clone(),
            cataloguer: cataloguer.clone(),
            consumer: consumer.clone(),
            published,
            metadata,
            concurrency: args.concurrency,
            warmup: Duration::from_secs(args.soak_warmup),
            duration: Duration::from_secs(args.soak_seconds),
            reads_only: args.soak_reads_only,
        })
        .await?;
        println!("{report}");
    }
    if args.import_entries > 0 {
        let report = import::run(
            running.addr,
            &cataloguer,
            args.import_entries,
            args.concurrency,
        )
        .await?;
        println!("{report}");
    }
    if !skip_exchange {
        let report = exchange::run(exchange::Setup {
            channel: channel.clone(),
            admin_token: admin_token.clone(),
            cataloguer: cataloguer.clone(),
            consumer: consumer.clone(),
            blob_dir,
            chunk,
            opaque_bytes: args.exchange_mib * 1024 * 1024,
            csv_bytes: args.csv_mib * 1024 * 1024,
            runs: args.exchange_runs as usize,
        })
        .await?;
        println!("{report}");
    }
    running.shutdown().await?;
    if let Some(url) = args.postgres.clone() {
        let report = postgres::run(postgres::Setup {
            url,
            concurrency: args.concurrency,
            warmup: Duration::from_secs(args.warmup),
            measure: Duration::from_secs(args.seconds),
        })
        .await?;
        println!("{report}");
    }
    if args.search_entries > 0 {
        let report = search::run(search::Setup {
            entries: args.search_entries,
            concurrency: args.search_concurrency,
            warmup: Duration::from_secs(args.warmup),
            measure: Duration::from_secs(args.seconds),
            rpc: !args.search_skip_rpc,
        })
        .await?;
        println!("{report}");
    }
    if args.audit_records > 0 && !args.only {
        let (records, runs) = (args.audit_records, args.audit_runs);
        let report = tokio::task::spawn_blocking(move || audit::run(records, runs)).await??;
        println!("{report}");
    }
    Ok(())
}

/// A recorded call (WhoAmI), GetEntry and durable RegisterEntry against Health/Check.
async fn catalogue(
    args: &BenchArgs,
    channel: &Channel,
    admin_token: &str,
    cataloguer: &str,
    consumer: &str,
) -> anyhow::Result<[Measurement; 4]> {
    eprintln!(
        "bench: {} concurrent requests over one connection, {} s each (+{} s warm-up)",
        args.concurrency, args.seconds, args.warmup
    );
    let writer: Catalog =
        CatalogServiceClient::with_interceptor(channel.clone(), bearer(cataloguer)?);
    let reader: Catalog =
        CatalogServiceClient::with_interceptor(channel.clone(), bearer(consumer)?);

    let metadata = sample_metadata();
    let code = published_entry(channel, admin_token, writer.clone(), &metadata).await?;

    let warmup = Duration::from_secs(args.warmup);
    let measure = Duration::from_secs(args.seconds);
    let health = health_check("Health/Check", channel, args.concurrency, warmup, measure).await;
    let whoami = who_am_i(
        "WhoAmI (access log on)",
        channel,
        consumer,
        args.concurrency,
        warmup,
        measure,
    )?
    .await;
    let get = drive(
        "GetEntry (access log on)",
        args.concurrency,
        warmup,
        measure,
        move |_, _| {
            let mut c = reader.clone();
            let code = code.clone();
            async move {
                c.get_entry(GetEntryRequest { code, version: 0 })
                    .await
                    .is_ok()
            }
        },
    )
    .await;
    let register = drive(
        "RegisterEntry (durable)",
        args.concurrency,
        warmup,
        measure,
        move |worker, _| {
            let mut c = writer.clone();
            let request = registration(&metadata, worker);
            async move { c.register_entry(request).await.is_ok() }
        },
    )
    .await;
    Ok([health, whoami, get, register])
}

/// WhoAmI as `token`'s holder: authenticated and access-logged, its record fdatasynced before
/// the reply as every call's is, and otherwise one read (the caller's department) and a small
/// reply. No GetEntry, RegisterEntry or UpdateEntry can be faster: each does as much and more.
fn who_am_i(
    name: &'static str,
    channel: &Channel,
    token: &str,
    concurrency: usize,
    warmup: Duration,
    measure: Duration,
) -> anyhow::Result<impl Future<Output = Measurement>> {
    let client = AdminServiceClient::with_interceptor(channel.clone(), bearer(token)?);
    Ok(drive(name, concurrency, warmup, measure, move |_, _| {
        let mut c = client.clone();
        async move { c.who_am_i(WhoAmIRequest {}).await.is_ok() }
    }))
}

/// The server's own grpc.health.v1.Health/Check: the transport and the load generator with
/// next to no server work.
async fn health_check(
    name: &'static str,
    channel: &Channel,
    concurrency: usize,
    warmup: Duration,
    measure: Duration,
) -> Measurement {
    let client = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    drive(name, concurrency, warmup, measure, move |_, _| {
        let mut c = client.clone();
        async move {
            c.check(tonic_health::pb::HealthCheckRequest::default())
                .await
                .is_ok()
        }
    })
    .await
}

/// The metadata every bench registration sends: a complete 13-element entry (three 信息项,
/// about 1 KiB), registered for the caller's department.
fn sample_metadata() -> ResourceMetadata {
    let mut input = govshare_model::testing::sample_input();
    input.provider_code.clear(); // the caller's department
    govshare_server::convert::input_message(input)
}

/// The RegisterEntry request of `worker`: writers are spread over classifications, as
/// departments registering in parallel are.
fn registration(metadata: &ResourceMetadata, worker: usize) -> RegisterEntryRequest {
    let mut m = metadata.clone();
    if let Some(class) = m.classification.as_mut() {
        class.subitem = format!("{:03}", worker % 1000);
    }
    RegisterEntryRequest {
        metadata: Some(m),
        note: String::new(),
        validate_only: false,
    }
}

/// Registers `metadata` as the writer's department, submits and approves it: the code of a
/// published entry, which another department can read.
async fn published_entry(
    channel: &Channel,
    admin_token: &str,
    mut writer: Catalog,
    metadata: &ResourceMetadata,
) -> anyhow::Result<String> {
    let entry = writer
        .register_entry(RegisterEntryRequest {
            metadata: Some(metadata.clone()),
            note: String::new(),
            validate_only: false,
        })
        .await?
        .into_inner();
    writer
        .submit_entry(SubmitEntryRequest {
            code: entry.code.clone(),
            expected_version: 1,
        })
        .await?;
    CatalogServiceClient::with_interceptor(channel.clone(), bearer(admin_token)?)
        .review_entry(ReviewEntryRequest {
            code: entry.code.clone(),
            version: 1,
            approve: true,
            comment: String::new(),
        })
        .await?;
    Ok(entry.code)
}
