//! `govshare-bench --search-entries N`: full-text search over a catalogue of N synthetic,
//! realistic entries ([`data`]), at a fixed number of concurrent queries (one or two Chinese
//! words, every third with a filter; 20 hits a page with highlights and all four facets):
//!
//! 1. through the `govshare_search::SearchIndex` API, on an index built directly from the
//!    generated metadata (no gRPC registration), each query on the blocking pool as the
//!    server runs it;
//! 2. through the SearchEntries RPC of an in-process server over one connection, whose store
//!    holds the same N entries published (written through the `Store` trait, not through
//!    RegisterEntry) and whose index its indexer rebuilt from that store at start. Each call
//!    also reads the hits' headers and published versions and writes its durable access-log
//!    record.

mod data;

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::Utc;
use govshare_model::{CreditCode, RegionCode, ResourceCode};
use govshare_search::{Filters, IndexOptions, SearchDoc, SearchIndex, SearchQuery};
use govshare_store::{CatalogueStore, DepartmentRecord, EntrySummary, NewEntry, NewVersion, Store};
use tonic::transport::Channel;

use super::{Measurement, bearer, drive};
use govshare_proto::catalog_service_client::CatalogServiceClient;
use govshare_proto::{IssueTokenRequest, Role, SearchEntriesRequest};
use govshare_server::config::Config;

/// Hits per page, as a search page shows them.
const PAGE: usize = 20;
/// Entries written to the store at once while filling it.
const FILL_CONCURRENCY: usize = 64;

/// What to measure.
#[derive(Debug, Clone)]
pub(super) struct Setup {
    pub entries: u64,
    pub concurrency: usize,
    pub warmup: Duration,
    pub measure: Duration,
    /// Also measure the RPC (it first fills a store with the entries).
    pub rpc: bool,
}

fn filters(f: data::Filter) -> Filters {
    Filters {
        provider_code: f.provider,
        category: f.category,
        share_type: f.share_type,
        update_cycle: f.update_cycle,
    }
}

/// Bytes of the files under `dir`.
fn size_of(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => size_of(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Runs the measurements and returns the report (Markdown).
pub(super) async fn run(setup: Setup) -> anyhow::Result<String> {
    let providers = Arc::new(data::providers());
    let mut report = format!(
        "### SearchEntries: {} entries, {} concurrent queries, {} s each (+{} s warm-up)\n\n",
        setup.entries,
        setup.concurrency,
        setup.measure.as_secs(),
        setup.warmup.as_secs()
    );
    let tmp = tempfile::tempdir()?;
    let (index, built) = build_index(&tmp.path().join("search"), setup.entries, &providers).await?;
    writeln!(
        report,
        "- index built directly through `SearchIndex` (no gRPC registration): {} documents in \
         {:.1} s ({:.0} documents/s), {} segments, {:.0} MiB on disk",
        index.num_docs(),
        built.as_secs_f64(),
        setup.entries as f64 / built.as_secs_f64(),
        index.segments(),
        size_of(index.dir()) as f64 / (1024.0 * 1024.0)
    )?;
    writeln!(report, "- {}", mix_summary(&index).await?)?;
    let mut results = vec![api(&setup, index.clone(), providers.clone()).await];
    drop(index);
    if setup.rpc {
        let (measurement, notes) = rpc(&setup, providers).await?;
        for note in notes {
            writeln!(report, "- {note}")?;
        }
        results.push(measurement);
    }
    report.push('\n');
    report.push_str(&table(&results));
    Ok(report)
}

/// Builds an index of `n` entries in `dir`.
async fn build_index(
    dir: &Path,
    n: u64,
    providers: &Arc<Vec<data::Provider>>,
) -> anyhow::Result<(Arc<SearchIndex>, Duration)> {
    let dir = dir.to_owned();
    let providers = providers.clone();
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let index = SearchIndex::open_with(
            &dir,
            &IndexOptions {
                writer_threads: 2,
                writer_memory_bytes: 256 * 1024 * 1024,
                ..IndexOptions::default()
            },
        )?;
        for number in 1..=n {
            let metadata = data::metadata(number, &providers)?;
            let code =
                ResourceCode::parse(&format!("{}/{:06}", metadata.classification.code(), number))?;
            index.add(&SearchDoc::from_metadata(&code, &metadata))?;
        }
        index.commit(&govshare_search::Checkpoint {
            seq: n,
            fingerprint: "bench".into(),
        })?;
        anyhow::Ok((Arc::new(index), started.elapsed()))
    })
    .await?
}

/// How many entries the queries of the mix match, unfiltered.
async fn mix_summary(index: &Arc<SearchIndex>) -> anyhow::Result<String> {
    let index = index.clone();
    tokio::task::spawn_blocking(move || {
        let mut totals = Vec::new();
        for text in data::query_texts() {
            let page = index.search(&SearchQuery {
                text: (*text).to_owned(),
                limit: 0,
                ..SearchQuery::default()
            })?;
            totals.push(page.total);
        }
        totals.sort_unstable();
        let mean = totals.iter().sum::<u64>() as f64 / totals.len().max(1) as f64;
        anyhow::Ok(format!(
            "query mix: {} texts, unfiltered they match {} to {} entries ({:.0} on average); \
             every third query adds a filter",
            totals.len(),
            totals.first().copied().unwrap_or(0),
            totals.last().copied().unwrap_or(0),
            mean
        ))
    })
    .await?
}

/// Queries through the `SearchIndex` API.
async fn api(
    setup: &Setup,
    index: Arc<SearchIndex>,
    providers: Arc<Vec<data::Provider>>,
) -> Measurement {
    drive(
        "SearchIndex::search (in-process)",
        setup.concurrency,
        setup.warmup,
        setup.measure,
        move |worker, n| {
            let index = index.clone();
            let (text, filter) = data::query(worker, n, &providers);
            let query = SearchQuery {
                text: text.to_owned(),
                filters: filters(filter),
                offset: 0,
                limit: PAGE,
                caller_highlights: false,
            };
            async move {
                tokio::task::spawn_blocking(move || index.search(&query).is_ok())
                    .await
                    .unwrap_or(false)
            }
        },
    )
    .await
}

/// Queries through the SearchEntries RPC of an in-process server; also returns notes on
/// filling its store and rebuilding its index.
async fn rpc(
    setup: &Setup,
    providers: Arc<Vec<data::Provider>>,
) -> anyhow::Result<(Measurement, Vec<String>)> {
    let tmp = tempfile::tempdir()?;
    let mut config = Config {
        data_dir: tmp.path().to_owned(),
        ..Config::default()
    };
    // Filling the store is set-up, not measured: no fdatasync per group of writes.
    config.store.sync_data = false;
    let store = govshare_server::server::open_store(&config).await?;
    let started = Instant::now();
    fill_store(&store, setup.entries, &providers).await?;
    let filled = started.elapsed();
    let mut notes = vec![format!(
        "store of the RPC server filled through the `Store` trait (register, submit, approve; \
         no gRPC): {} entries in {:.1} s",
        setup.entries,
        filled.as_secs_f64()
    )];

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let started = Instant::now();
    let running = govshare_server::server::start(config, store, listener).await?;
    let admin = running
        .admin_token
        .clone()
        .context("the RPC server needs a fresh data directory")?;
    let channel = Channel::from_shared(format!("http://{}", running.addr))?
        .connect()
        .await?;
    let token = govshare_proto::admin_service_client::AdminServiceClient::with_interceptor(
        channel.clone(),
        bearer(&admin)?,
    )
    .issue_token(IssueTokenRequest {
        department_code: providers[0].code.clone(),
        roles: vec![Role::Consumer as i32],
        name: "bench".into(),
        expires_at: None,
    })
    .await?
    .into_inner()
    .token;
    let client = CatalogServiceClient::with_interceptor(channel, bearer(&token)?);
    // The indexer rebuilds the index from the store at start: wait until it is complete.
    loop {
        let total = client
            .clone()
            .search_entries(SearchEntriesRequest {
                page_size: 1,
                ..SearchEntriesRequest::default()
            })
            .await?
            .into_inner()
            .total;
        if total >= setup.entries {
            break;
        }
        if started.elapsed() > Duration::from_secs(600) {
            anyhow::bail!(
                "the index had {total} of {} entries after 10 minutes",
                setup.entries
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    notes.push(format!(
        "the RPC server's indexer rebuilt its index from the store in {:.1} s (start to searchable)",
        started.elapsed().as_secs_f64()
    ));
    let measurement = drive(
        "SearchEntries RPC (in-process server, access log on)",
        setup.concurrency,
        setup.warmup,
        setup.measure,
        move |worker, n| {
            let mut client = client.clone();
            let (text, filter) = data::query(worker, n, &providers);
            let request = SearchEntriesRequest {
                query: text.to_owned(),
                provider_code: filter.provider.unwrap_or_default(),
                category: filter.category.map_or(0, |c| c.code()),
                share_type: filter.share_type.map_or(0, |s| s.code()),
                update_cycle: filter.update_cycle.map_or(0, |u| u.code()),
                page_size: PAGE as i32,
                page_token: String::new(),
            };
            async move { client.search_entries(request).await.is_ok() }
        },
    )
    .await;
    running.shutdown().await?;
    Ok((measurement, notes))
}

/// Registers, submits and approves `n` entries directly in `store`.
async fn fill_store(
    store: &Arc<dyn Store>,
    n: u64,
    providers: &Arc<Vec<data::Provider>>,
) -> anyhow::Result<()> {
    for p in providers.iter() {
        store
            .create_department(DepartmentRecord {
                code: CreditCode::parse(&p.code)?,
                name: p.name.clone(),
                region_code: RegionCode::parse("110000")?,
                parent_code: None,
                created_at: Utc::now(),
            })
            .await?;
    }
    let mut tasks = Vec::with_capacity(FILL_CONCURRENCY);
    for worker in 0..FILL_CONCURRENCY as u64 {
        let store = store.clone();
        let providers = providers.clone();
        tasks.push(tokio::spawn(async move {
            let mut number = 1 + worker;
            while number <= n {
                publish(store.as_ref(), number, &providers).await?;
                number += FILL_CONCURRENCY as u64;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(())
}

/// Entry `number`, registered and published as the service would.
async fn publish(
    store: &dyn CatalogueStore,
    number: u64,
    providers: &[data::Provider],
) -> anyhow::Result<()> {
    let metadata = data::metadata(number, providers)?;
    let canonical = metadata.canonical_bytes();
    let now = Utc::now();
    let (header, _) = store
        .register_entry(NewEntry {
            classification: metadata.classification.code(),
            provider_code: metadata.provider_code.clone(),
            version: NewVersion {
                digest: govshare_model::digest_of(&canonical),
                canonical,
                summary: EntrySummary {
                    name: metadata.name.clone(),
                    category: metadata.classification.category,
                    share_type: metadata.sharing.share_type,
                    update_cycle: metadata.update_cycle,
                },
                author: "bench".into(),
                created_at: now,
                note: String::new(),
            },
        })
        .await?;
    store.submit_entry(&header.code, 1, "bench", now).await?;
    store
        .review_entry(&header.code, 1, true, "", "bench", now)
        .await?;
    Ok(())
}

/// A Markdown table of the measurements.
fn table(results: &[Measurement]) -> String {
    let mut out = String::from(
        "| operation | requests | errors | throughput (req/s) | p50 | p99 | steal |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
    );
    for m in results {
        out.push_str(&format!("| {} |\n", super::cells(m)));
    }
    out
}
