//! `govshare-bench --soak-seconds N`: a bounded soak run. A mixed load runs for N seconds
//! against the in-process server, at `--concurrency` calls in flight over one connection:
//! out of every ten calls of a worker, two durable registrations, two durable updates of the
//! worker's own draft, three GetEntry of a published entry by another department, one GetEntry
//! of the worker's draft, one ListEntries (the cataloguer's first page: its own entries) and
//! one ListRequests (the consumer's sharing requests). Every 30 s it prints the calls made, the errors, and the resident memory of the
//! process (`VmRSS`; the client runs in the same process); at the end it reports the growth
//! of the RSS from the end of the warm-up.
//!
//! With `--soak-reads-only` the registrations and updates are left out (the other calls keep
//! their shares), so the store does not grow: what memory does then is the server's and the
//! client's own.
//!
//! Memory is expected to rise while sled's page cache (`store.cache_capacity_bytes`, 256 MiB
//! by default) and the version cache fill, then stay flat. (The list is the cataloguer's, not
//! the consumer's: a consumer's ListEntries reads every entry header to find the few
//! published ones, so its cost grows with the catalogue and would set the soak's pace.)

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tonic::transport::Channel;

use super::{Catalog, bearer, registration};
use govshare_proto::catalog_service_client::CatalogServiceClient;
use govshare_proto::sharing_service_client::SharingServiceClient;
use govshare_proto::{
    Direction, GetEntryRequest, ListEntriesRequest, ListRequestsRequest, ResourceMetadata,
    UpdateEntryRequest,
};

/// How often the soak prints its progress and RSS.
const REPORT_EVERY: Duration = Duration::from_secs(30);

/// What the soak needs of the in-process server.
#[derive(Debug)]
pub struct Setup {
    pub channel: Channel,
    pub cataloguer: String,
    pub consumer: String,
    /// A published entry of the cataloguer's department.
    pub published: String,
    pub metadata: ResourceMetadata,
    pub concurrency: usize,
    pub warmup: Duration,
    pub duration: Duration,
    /// No registrations or updates: the store does not grow.
    pub reads_only: bool,
}

#[derive(Debug, Default)]
struct Counts {
    calls: AtomicU64,
    errors: AtomicU64,
}

/// The resident set size of this process in KiB (`VmRSS` of /proc/self/status).
pub fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

/// Runs the soak and returns its report.
pub async fn run(s: Setup) -> anyhow::Result<String> {
    let writer: Catalog =
        CatalogServiceClient::with_interceptor(s.channel.clone(), bearer(&s.cataloguer)?);
    let reader: Catalog =
        CatalogServiceClient::with_interceptor(s.channel.clone(), bearer(&s.consumer)?);
    let sharing = SharingServiceClient::with_interceptor(s.channel.clone(), bearer(&s.consumer)?);
    let counts = Arc::new(Counts::default());
    let before = rss_kib();
    let start = Instant::now();
    let end = start + s.warmup + s.duration;
    eprintln!(
        "bench: soak of {} s (+{} s warm-up), {} concurrent calls; RSS before: {}",
        s.duration.as_secs(),
        s.warmup.as_secs(),
        s.concurrency,
        mib(before)
    );

    let mut tasks = Vec::with_capacity(s.concurrency);
    for worker in 0..s.concurrency {
        let mut writer = writer.clone();
        let mut reader = reader.clone();
        let mut sharing = sharing.clone();
        let counts = counts.clone();
        let register = registration(&s.metadata, worker);
        let metadata = register.metadata.clone();
        let published = s.published.clone();
        let reads_only = s.reads_only;
        let draft = writer.register_entry(register.clone()).await?.into_inner();
        tasks.push(tokio::spawn(async move {
            let (code, mut head) = (draft.code, draft.head_version);
            let mut n = 0u64;
            while Instant::now() < end {
                let op = if reads_only { 4 + n % 6 } else { n % 10 };
                let ok = match op {
                    0 | 1 => writer.register_entry(register.clone()).await.is_ok(),
                    2 | 3 => match writer
                        .update_entry(UpdateEntryRequest {
                            code: code.clone(),
                            expected_version: head,
                            metadata: metadata.clone(),
                            note: String::new(),
                        })
                        .await
                    {
                        Ok(reply) => {
                            head = reply.into_inner().head_version;
                            true
                        }
                        Err(_) => false,
                    },
                    4..=6 => reader
                        .get_entry(GetEntryRequest {
                            code: published.clone(),
                            version: 0,
                        })
                        .await
                        .is_ok(),
                    7 => writer
                        .get_entry(GetEntryRequest {
                            code: code.clone(),
                            version: 0,
                        })
                        .await
                        .is_ok(),
                    8 => writer
                        .list_entries(ListEntriesRequest {
                            page_size: 20,
                            ..ListEntriesRequest::default()
                        })
                        .await
                        .is_ok(),
                    _ => sharing
                        .list_requests(ListRequestsRequest {
                            direction: Direction::Outgoing as i32,
                            page_size: 20,
                            ..ListRequestsRequest::default()
                        })
                        .await
                        .is_ok(),
                };
                n += 1;
                counts.calls.fetch_add(1, Ordering::Relaxed);
                counts.errors.fetch_add(u64::from(!ok), Ordering::Relaxed);
            }
        }));
    }

    tokio::time::sleep(s.warmup).await;
    let at_start = rss_kib();
    let mut out = format!(
        "Soak: {} s of {} load after {} s of warm-up, {} concurrent calls over one \
         connection.\n\n| time | calls (interval) | calls/s | errors (total) | RSS |\n\
         |---:|---:|---:|---:|---:|\n| start | - | - | {} | {} |\n",
        s.duration.as_secs(),
        if s.reads_only { "read-only" } else { "mixed" },
        s.warmup.as_secs(),
        s.concurrency,
        counts.errors.load(Ordering::Relaxed),
        mib(at_start)
    );
    eprintln!("bench: soak RSS after warm-up: {}", mib(at_start));
    let measured = Instant::now();
    let mut last = counts.calls.load(Ordering::Relaxed);
    let mut tick = measured;
    while tick < end {
        let next = (tick + REPORT_EVERY).min(end);
        tokio::time::sleep_until(next.into()).await;
        let calls = counts.calls.load(Ordering::Relaxed);
        let secs = next
            .duration_since(tick)
            .as_secs_f64()
            .max(f64::MIN_POSITIVE);
        let line = format!(
            "| {:.0} s | {} | {:.0} | {} | {} |",
            next.duration_since(measured).as_secs_f64(),
            calls - last,
            (calls - last) as f64 / secs,
            counts.errors.load(Ordering::Relaxed),
            mib(rss_kib())
        );
        eprintln!("bench: soak {line}");
        let _ = writeln!(out, "{line}");
        (last, tick) = (calls, next);
    }
    for t in tasks {
        t.await?;
    }
    let at_end = rss_kib();
    let growth = match (at_start, at_end) {
        (Some(a), Some(b)) => format!(
            "{:+.1} MiB ({:+.1}%)",
            (b as f64 - a as f64) / 1024.0,
            100.0 * (b as f64 - a as f64) / a.max(1) as f64
        ),
        _ => "?".into(),
    };
    let _ = writeln!(
        out,
        "\nRSS: {} before the load, {} after the warm-up, {} at the end: {growth}. Calls: {}, \
         errors: {}.",
        mib(before),
        mib(at_start),
        mib(at_end),
        counts.calls.load(Ordering::Relaxed),
        counts.errors.load(Ordering::Relaxed)
    );
    Ok(out)
}
