//! `govshare-bench --etcd PATH`: govshare against etcd 3.4 on the same machine, in the same
//! run, with the same load generator ([`super::drive`]), the same concurrency and connection
//! model (every request over one HTTP/2 connection) and values of the same size.
//!
//! Order: etcd Put of distinct keys, each value as large as the encoded RegisterEntryRequest;
//! etcd is then stopped and started again on the same data (etcd 3.4 reads run about 3x
//! slower right after a write burst than after a restart), and Range reads keys written
//! before, linearizable (etcd's default) then serializable; etcd is stopped. Then govshare:
//! durable RegisterEntry, durable UpdateEntry (one draft per worker, updated again and again
//! with the head version as precondition), and GetEntry of the entries registered before,
//! each worker reading its own, as etcd's Range does. Durable means the same for both: the
//! reply is sent only after the write is fdatasynced (etcd's WAL, govshare's group commit and
//! access-log record). govshare's own Health/Check is measured in the same run too: the cost
//! of the transport and the load generator with next to no server work, a ceiling for any RPC.
//! So is WhoAmI: authenticated and access-logged like every API call (its record fdatasynced
//! before the reply) with one store read besides, a ceiling for GetEntry and the writes. And
//! so is the floor of a read: a bare unary call on a plain tonic server in this process
//! ([`crate::stream`]: no authentication, no record, no store) whose reply is as large as
//! GetEntry's. No GetEntry can be faster than it, so where it runs below the read target, the
//! target is out of reach on this transport whatever the server does; the verdict says so.
//!
//! Each row also gives the CPU time per request of client and server together (this process,
//! plus the etcd process for etcd's rows): both share the machine's cores.
//!
//! The verdicts: GetEntry at least 2× etcd's linearizable Range; durable RegisterEntry and
//! UpdateEntry at least 1× etcd's Put with a p99 no worse than Put's; a recorded call (WhoAmI)
//! at most 1.3× the CPU per request of Health/Check.

mod client;
mod server;

use std::fmt::Write as _;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use prost::Message as _;
use tonic::transport::Channel;

use super::entries::{self, Load};
use super::{
    Measurement, bearer, cells, cpu_ratio, drive, health_check, ms, per_request, process_cpu,
    registration, who_am_i,
};
use client::{Kv, PutRequest, RangeRequest};
use govshare_proto::ResourceMetadata;
use govshare_proto::catalog_service_client::CatalogServiceClient;
use server::Etcd;

use crate::stream::PlainServer;
use crate::stream::pb::ReplyRequest;
use crate::stream::pb::plain_stream_client::PlainStreamClient;

/// GetEntry's throughput must reach this multiple of etcd's linearizable Range.
const READ_RATIO: f64 = 2.0;
/// Durable RegisterEntry's and UpdateEntry's must reach this multiple of etcd's Put, with a
/// p99 no worse than Put's.
const WRITE_RATIO: f64 = 1.0;
/// A recorded call (WhoAmI) may cost at most this multiple of Health/Check's CPU per request.
const RECORDED_CPU_RATIO: f64 = 1.3;

/// What the comparison needs of the in-process govshare server.
#[derive(Debug)]
pub struct Setup {
    /// The etcd binary (3.4).
    pub binary: PathBuf,
    /// One connection to the govshare server.
    pub channel: Channel,
    /// A cataloguer's token: registers, updates and reads its own entries.
    pub cataloguer: String,
    /// The metadata every registration sends.
    pub metadata: ResourceMetadata,
    pub concurrency: usize,
    pub warmup: Duration,
    pub measure: Duration,
}

/// Runs the comparison and returns its report (a Markdown table and the verdicts).
pub async fn run(s: Setup) -> anyhow::Result<String> {
    let version = server::version(&s.binary).await?;
    if !version.contains("3.4") {
        eprintln!("bench: warning: the comparison is meant for etcd 3.4; {version}");
    }
    let value = registration(&s.metadata, 0).encode_to_vec();
    eprintln!(
        "bench: {version}; values of {} bytes (an encoded RegisterEntryRequest); {} concurrent \
         requests over one connection, {} s each (+{} s warm-up)",
        value.len(),
        s.concurrency,
        s.measure.as_secs(),
        s.warmup.as_secs()
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();

    let mut etcd = Etcd::start(&s.binary).await?;
    eprintln!(
        "bench: etcd on {} (log {})",
        etcd.endpoint(),
        etcd.log_path().display()
    );
    let written: Arc<Vec<AtomicU64>> = Arc::new((0..s.concurrency).map(|_| 0.into()).collect());
    let put = etcd_put(&s, &etcd, value.clone(), written.clone()).await?;
    eprintln!("bench: restarting etcd before reading");
    etcd.restart().await?;
    let range = etcd_range(&s, &etcd, &written, false).await?;
    let range_serializable = etcd_range(&s, &etcd, &written, true).await?;
    etcd.stop().await?;

    let health = health_check(
        "Health/Check (govshare)",
        &s.channel,
        s.concurrency,
        s.warmup,
        s.measure,
    )
    .await;
    let whoami = who_am_i(
        "WhoAmI (govshare, access-logged)",
        &s.channel,
        &s.cataloguer,
        s.concurrency,
        s.warmup,
        s.measure,
    )?
    .await;
    let writes = Load {
        clients: Arc::new([CatalogServiceClient::with_interceptor(
            s.channel.clone(),
            bearer(&s.cataloguer)?,
        )]),
        metadata: s.metadata.clone(),
        concurrency: s.concurrency,
        warmup: s.warmup,
        measure: s.measure,
    };
    let (register, codes) = entries::register(&writes).await;
    let drafts = entries::drafts(&writes).await?;
    let update = entries::update(&writes, drafts).await;
    let reply_bytes = entries::reply_bytes(&writes, &codes).await?;
    let floor = read_floor(&s, reply_bytes).await?;
    let get = entries::get(&writes, codes).await;

    let mut out = format!(
        "etcd: {version}, WAL fsync on (defaults), restarted before its reads; value size {} \
         bytes; load average at start: {}\n\n",
        value.len(),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    out.push_str(
        "| operation | requests | errors | req/s | p50 | p99 | steal | CPU/req | govshare/etcd | target |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---|---|\n",
    );
    row(&mut out, &put, "", "");
    row(&mut out, &range, "", "");
    row(&mut out, &range_serializable, "", "");
    row(
        &mut out,
        &health,
        &format!("{:.2}× of linearizable Range", ratio(&health, &range)),
        "(ceiling)",
    );
    row(
        &mut out,
        &whoami,
        &format!(
            "{:.2}× of linearizable Range, {:.2}× of Put",
            ratio(&whoami, &range),
            ratio(&whoami, &put)
        ),
        &recorded_verdict(&whoami, &health),
    );
    for m in [&register, &update] {
        let (ratio, met) = verdict(m, &put, WRITE_RATIO, true);
        row(&mut out, m, &ratio, &met);
    }
    row(
        &mut out,
        &floor,
        &format!(
            "{:.2}× of linearizable Range; {reply_bytes} bytes",
            ratio(&floor, &range)
        ),
        "(floor of GetEntry)",
    );
    let (times, mut met) = verdict(&get, &range, READ_RATIO, false);
    if floor.errors == 0 && floor.requests > 0 && ratio(&floor, &range) < READ_RATIO {
        met.push_str(": out of reach here, the floor runs below it");
    }
    row(
        &mut out,
        &get,
        &format!(
            "{times} ({:.2}× of serializable)",
            ratio(&get, &range_serializable)
        ),
        &met,
    );
    Ok(out)
}

/// The floor of a read: a bare unary call on the plain baseline server whose reply is
/// `reply_bytes` bytes (GetEntry's), over one connection of its own.
async fn read_floor(s: &Setup, reply_bytes: usize) -> anyhow::Result<Measurement> {
    let server = PlainServer::start(PathBuf::new()).await?;
    let channel = Channel::from_shared(format!("http://{}", server.addr))?
        .connect()
        .await?;
    let client = PlainStreamClient::new(channel);
    let request = ReplyRequest {
        size_bytes: u32::try_from(reply_bytes)?,
    };
    let m = drive(
        "Bare call, GetEntry's reply size (plain tonic)",
        s.concurrency,
        s.warmup,
        s.measure,
        move |_, _| {
            let mut c = client.clone();
            async move { c.reply(request).await.is_ok() }
        },
    )
    .await;
    server.stop().await?;
    Ok(m)
}

/// Throughput ratio of `ours` to `theirs`, and whether the target is met: at least `target`
/// times the throughput, and for writes a p99 no worse than etcd's.
fn verdict(
    ours: &Measurement,
    theirs: &Measurement,
    target: f64,
    p99_too: bool,
) -> (String, String) {
    let ratio = ratio(ours, theirs);
    let fast = ratio >= target;
    let p99 = !p99_too || ours.p99 <= theirs.p99;
    let failed = ours.errors > 0 || theirs.errors > 0 || ours.requests == 0;
    let met = match (fast && p99 && !failed, p99_too) {
        (true, _) => format!("met (≥ {target}× {})", theirs.name),
        (false, true) => format!(
            "NOT met (≥ {target}× {}, p99 ≤ {})",
            theirs.name,
            ms(theirs.p99)
        ),
        (false, false) => format!("NOT met (≥ {target}× {})", theirs.name),
    };
    (format!("{ratio:.2}×"), met)
}

/// Whether a recorded call costs at most [`RECORDED_CPU_RATIO`] times the CPU of a bare one
/// (Health/Check), both per request.
fn recorded_verdict(recorded: &Measurement, bare: &Measurement) -> String {
    let failed = recorded.errors > 0 || bare.errors > 0;
    match cpu_ratio(recorded, Some(bare)).filter(|_| !failed) {
        Some(times) => {
            let met = if times <= RECORDED_CPU_RATIO {
                "met"
            } else {
                "NOT met"
            };
            format!("{met} (CPU {times:.2}× Health/Check's, ≤ {RECORDED_CPU_RATIO}×)")
        }
        None => format!("unknown (CPU ≤ {RECORDED_CPU_RATIO}× Health/Check's)"),
    }
}

/// Throughput of `ours` as a multiple of `theirs`.
fn ratio(ours: &Measurement, theirs: &Measurement) -> f64 {
    ours.per_second / theirs.per_second.max(f64::MIN_POSITIVE)
}

fn row(out: &mut String, m: &Measurement, ratio: &str, target: &str) {
    let _ = writeln!(
        out,
        "| {} | {} | {ratio} | {target} |",
        cells(m),
        per_request(m.cpu, m.requests),
    );
}

fn etcd_key(worker: usize, n: u64) -> Vec<u8> {
    format!("bench/{worker:03}/{n:010}").into_bytes()
}

async fn connect(etcd: &Etcd) -> anyhow::Result<Kv> {
    Ok(Kv::new(
        Channel::from_shared(etcd.endpoint())?.connect().await?,
    ))
}

/// Runs `measurement` (a [`drive`] of etcd) and adds the CPU time etcd used meanwhile.
async fn with_etcd_cpu(
    s: &Setup,
    etcd: &Etcd,
    measurement: impl Future<Output = Measurement>,
) -> Measurement {
    let pid = etcd.pid().map(|p| p.to_string());
    let (warmup, measure) = (s.warmup, s.measure);
    let sampler = tokio::spawn(async move {
        tokio::time::sleep(warmup).await;
        let pid = pid?;
        let before = process_cpu(&pid)?;
        tokio::time::sleep(measure).await;
        Some(process_cpu(&pid)?.saturating_sub(before))
    });
    let mut m = measurement.await;
    let etcd_cpu = sampler.await.ok().flatten();
    m.cpu = m.cpu.zip(etcd_cpu).map(|(ours, etcd)| ours + etcd);
    m
}

/// etcd Put of distinct keys; `written[worker]` ends as the number of keys that worker wrote.
async fn etcd_put(
    s: &Setup,
    etcd: &Etcd,
    value: Vec<u8>,
    written: Arc<Vec<AtomicU64>>,
) -> anyhow::Result<Measurement> {
    let kv = connect(etcd).await?;
    let value = Arc::new(value);
    let put = drive(
        "etcd Put",
        s.concurrency,
        s.warmup,
        s.measure,
        move |worker, n| {
            let mut kv = kv.clone();
            let value = value.clone();
            let written = written.clone();
            async move {
                let put = PutRequest {
                    key: etcd_key(worker, n),
                    value: value.to_vec(),
                    ..PutRequest::default()
                };
                let ok = kv.put(put).await.is_ok();
                if ok {
                    written[worker].fetch_max(n + 1, Ordering::Relaxed);
                }
                ok
            }
        },
    );
    Ok(with_etcd_cpu(s, etcd, put).await)
}

/// etcd Range of one key each, every worker cycling through the keys it wrote.
async fn etcd_range(
    s: &Setup,
    etcd: &Etcd,
    written: &Arc<Vec<AtomicU64>>,
    serializable: bool,
) -> anyhow::Result<Measurement> {
    let kv = connect(etcd).await?;
    let written = written.clone();
    let name = if serializable {
        "etcd Range (serializable)"
    } else {
        "etcd Range (linearizable)"
    };
    Ok(drive(
        name,
        s.concurrency,
        s.warmup,
        s.measure,
        move |worker, n| {
            let mut kv = kv.clone();
            let count = written[worker].load(Ordering::Relaxed).max(1);
            async move {
                let range = RangeRequest {
                    key: etcd_key(worker, n % count),
                    serializable,
                    ..RangeRequest::default()
                };
                kv.range(range)
                    .await
                    .is_ok_and(|r| r.into_inner().kvs.len() == 1)
            }
        },
    )
    .await)
}
