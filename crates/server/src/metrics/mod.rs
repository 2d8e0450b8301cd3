//! The Prometheus metrics of the server: gRPC calls as gRPC servers conventionally export them
//! (`grpc.rs`), the state of the catalogue, requests, grants and store counted at scrape time
//! (`domain.rs`), refused calls by the reason their reply carried (`refusals.rs`), the access
//! log, exchange bytes and the process collector. Every label value comes from a fixed set.

mod domain;
mod grpc;
mod refusals;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use prometheus::{
    Encoder as _, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

pub(crate) use domain::DomainGauges;
pub(crate) use grpc::{GrpcMetrics, MethodMetrics};
pub(crate) use refusals::RefusalCounters;

use crate::observe::MethodTable;

/// Direction of data through the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// PublishData: from the provider into the service.
    Received,
    /// FetchData: from the service to a reader.
    Sent,
}

/// Every metric of one server.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    pub grpc: GrpcMetrics,
    /// Refused calls by reason.
    pub refusals: RefusalCounters,
    exchange_bytes: IntCounterVec,
    limit_rejections: IntCounterVec,
    pub audit_records: IntCounter,
    pub audit_commit_seconds: Histogram,
    pub audit_verify_ok: IntGauge,
    pub audit_verify_failures: IntCounter,
    pub audit_log_size: IntGauge,
    audit_refused: IntCounterVec,
    versions_cache_hits: IntCounter,
    versions_cache_misses: IntCounter,
    versions_cache_bytes: IntGauge,
    /// The cache's counts at the last scrape: the counters grow by what was added since.
    versions_cache_seen: Mutex<(u64, u64)>,
    domain: DomainGauges,
    /// When the domain gauges were last counted; scrapes closer together reuse the counts.
    last_refresh: Mutex<Option<Instant>>,
}

/// Counting the whole store is a scan; at most once per this interval.
const REFRESH_INTERVAL: Duration = Duration::from_secs(5);

fn counter(registry: &Registry, name: &str, help: &str) -> prometheus::Result<IntCounter> {
    let c = IntCounter::new(name, help)?;
    registry.register(Box::new(c.clone()))?;
    Ok(c)
}

fn gauge(registry: &Registry, name: &str, help: &str) -> prometheus::Result<IntGauge> {
    let g = IntGauge::new(name, help)?;
    registry.register(Box::new(g.clone()))?;
    Ok(g)
}

impl Metrics {
    /// Registers every metric; `methods` fixes the gRPC label values.
    pub(crate) fn new(methods: &MethodTable) -> prometheus::Result<Self> {
        let registry = Registry::new();
        let grpc = GrpcMetrics::new(&registry, methods)?;
        let refusals = RefusalCounters::new(&registry)?;
        let exchange_bytes = IntCounterVec::new(
            Opts::new(
                "govshare_exchange_bytes_total",
                "Snapshot data bytes moved: received by PublishData, sent by FetchData.",
            ),
            &["direction"],
        )?;
        registry.register(Box::new(exchange_bytes.clone()))?;
        for direction in ["received", "sent"] {
            exchange_bytes.with_label_values(&[direction]);
        }
        let limit_rejections = IntCounterVec::new(
            Opts::new(
                "govshare_limit_rejections_total",
                "Calls refused by a limit: a credential's concurrency or rate quota, the size \
                 of a message received, or the server's time limit.",
            ),
            &["limit"],
        )?;
        registry.register(Box::new(limit_rejections.clone()))?;
        for limit in ["concurrency", "rate", "message_size", "timeout"] {
            limit_rejections.with_label_values(&[limit]);
        }
        let audit_refused = IntCounterVec::new(
            Opts::new(
                "govshare_audit_refused_total",
                "Calls refused because their access-log record could not be written: the disk \
                 (or a quota) is full, or another write error.",
            ),
            &["reason"],
        )?;
        registry.register(Box::new(audit_refused.clone()))?;
        for reason in ["disk_full", "error"] {
            audit_refused.with_label_values(&[reason]);
        }
        let audit_commit_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "govshare_audit_commit_seconds",
                "Time to write and fdatasync one group of access-log records.",
            )
            .buckets(vec![
                0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                1.0,
            ]),
        )?;
        registry.register(Box::new(audit_commit_seconds.clone()))?;
        let audit_verify_ok = gauge(
            &registry,
            "govshare_audit_verify_ok",
            "1 if the last verification of the access-log hash chain passed, 0 if it failed.",
        )?;
        audit_verify_ok.set(1);
        let build_info = prometheus::IntGaugeVec::new(
            Opts::new(
                "govshare_build_info",
                "The running govshare version; always 1.",
            ),
            &["version"],
        )?;
        registry.register(Box::new(build_info.clone()))?;
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1);
        registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        Ok(Metrics {
            audit_records: counter(
                &registry,
                "govshare_audit_records_total",
                "Access-log records appended.",
            )?,
            audit_verify_failures: counter(
                &registry,
                "govshare_audit_verify_failures_total",
                "Verifications of the access-log hash chain that found a bad record.",
            )?,
            audit_log_size: gauge(
                &registry,
                "govshare_audit_log_size_bytes",
                "Bytes of the access log on disk.",
            )?,
            versions_cache_hits: counter(
                &registry,
                "govshare_catalog_versions_cache_hits_total",
                "Reads of an entry's version answered from memory.",
            )?,
            versions_cache_misses: counter(
                &registry,
                "govshare_catalog_versions_cache_misses_total",
                "Reads of an entry's version that went to the store and were decoded.",
            )?,
            versions_cache_bytes: gauge(
                &registry,
                "govshare_catalog_versions_cache_bytes",
                "Bytes of decoded versions kept in memory ([catalog] versions_cache_bytes bounds it).",
            )?,
            versions_cache_seen: Mutex::new((0, 0)),
            domain: DomainGauges::new(&registry)?,
            grpc,
            refusals,
            exchange_bytes,
            limit_rejections,
            audit_refused,
            audit_commit_seconds,
            audit_verify_ok,
            last_refresh: Mutex::new(None),
            registry,
        })
    }

    /// The counter of data bytes moving in `direction`.
    pub(crate) fn exchange_bytes(&self, direction: Direction) -> IntCounter {
        self.exchange_bytes.with_label_values(&[match direction {
            Direction::Received => "received",
            Direction::Sent => "sent",
        }])
    }

    /// The counter of calls refused by `limit` (concurrency, rate, message_size or timeout).
    pub(crate) fn limit_rejections(&self, limit: &str) -> IntCounter {
        self.limit_rejections.with_label_values(&[limit])
    }

    /// Counts a call refused because its access-log record could not be written.
    pub(crate) fn audit_refused(&self, disk_full: bool) {
        let reason = if disk_full { "disk_full" } else { "error" };
        self.audit_refused.with_label_values(&[reason]).inc();
    }

    /// Records the result of a hash-chain verification.
    pub(crate) fn verified(&self, ok: bool) {
        self.audit_verify_ok.set(i64::from(ok));
        if !ok {
            self.audit_verify_failures.inc();
        }
    }

    /// Takes the versions cache's counts into its metrics.
    pub(crate) fn versions_cache(&self, stats: govshare_service::versions::CacheStats) {
        let mut seen = self
            .versions_cache_seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.versions_cache_hits
            .inc_by(stats.hits.saturating_sub(seen.0));
        self.versions_cache_misses
            .inc_by(stats.misses.saturating_sub(seen.1));
        *seen = (seen.0.max(stats.hits), seen.1.max(stats.misses));
        self.versions_cache_bytes
            .set(i64::try_from(stats.bytes).unwrap_or(i64::MAX));
    }

    /// Whether the domain gauges are due for a recount; marks them counted if so.
    fn refresh_due(&self) -> bool {
        let mut last = self
            .last_refresh
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let due = last.is_none_or(|at| at.elapsed() >= REFRESH_INTERVAL);
        if due {
            *last = Some(Instant::now());
        }
        due
    }

    /// The text exposition of every metric, counting the store first if the counts are stale.
    pub(crate) async fn render(&self, store: &dyn govshare_store::OperationsStore) -> String {
        if self.refresh_due() {
            match store.stats(chrono::Utc::now()).await {
                Ok(stats) => self.domain.set(&stats),
                Err(e) => tracing::warn!(error = %e, "counting the store for /metrics failed"),
            }
        }
        let mut out = Vec::new();
        // Encoding into a Vec fails only on metrics that break the format, which the
        // registration above rules out.
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(error = %e, "encoding /metrics failed");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
