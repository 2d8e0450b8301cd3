//! `govshare entry export`: the catalogue as the caller sees it (ListEntries, every page) in
//! the template layout (XLSX or CSV, which `entry import` reads back to the same metadata
//! under new codes) or as DCAT-AP JSON-LD with a distribution per data snapshot; and, with
//! `--template`, the empty template with its worked example.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use futures::StreamExt as _;
use govshare_client::{Client, ExchangeClient, Pager};

use super::write::{self, EntryOut};
use super::{dcat, example, progress};
use crate::connect::{self, ClientOpts};
use crate::entry::EntryFilterArgs;
use crate::output::{self, OutputFormat};
use crate::proto::{
    CatalogEntry, DataSnapshot, EntryState, ListEntriesRequest, ListSnapshotsRequest,
};

/// Entries asked for per ListEntries page (the server caps it).
const PAGE_SIZE: i32 = 500;
/// ListSnapshots calls in flight while building DCAT.
const SNAPSHOT_CALLS: usize = 16;

/// What `entry export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// The catalogue template as an Excel workbook (merged cells per entry).
    Xlsx,
    /// The catalogue template as CSV (UTF-8 with a byte-order mark).
    Csv,
    /// DCAT-AP JSON-LD, with each entry's data snapshots as distributions.
    Dcat,
}

/// `govshare entry export` options.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// xlsx and csv use the template layout that `entry import` reads; dcat is DCAT-AP JSON-LD.
    #[arg(long, value_enum, default_value_t = ExportFormat::Xlsx)]
    pub format: ExportFormat,
    /// Where to write (replaced only once complete); `-` or none: stdout.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write the empty template with one worked example entry instead (no server is asked).
    #[arg(long)]
    pub template: bool,
    /// Entries in every state the caller may read (its own department's at their latest
    /// version) instead of the published catalogue only.
    #[arg(long, conflicts_with = "state")]
    pub all_states: bool,
    #[command(flatten)]
    pub filter: EntryFilterArgs,
}

pub async fn run(args: ExportArgs, opts: &ClientOpts) -> anyhow::Result<()> {
    let ExportArgs {
        format,
        out,
        template,
        all_states,
        filter,
    } = args;
    let out = out.filter(|p| p != Path::new("-"));
    if format == ExportFormat::Xlsx && out.is_none() && std::io::stdout().is_terminal() {
        anyhow::bail!(
            "xlsx 是二进制文件，请用 -o FILE 指定输出文件 (xlsx is binary: write it to a file with -o FILE)"
        );
    }
    if template {
        let example = example::entry();
        let entries = [EntryOut {
            code: "",
            metadata: &example,
        }];
        let bytes = match format {
            ExportFormat::Xlsx => write::xlsx(&entries)?,
            ExportFormat::Csv => write::csv(&entries)?,
            ExportFormat::Dcat => anyhow::bail!(
                "模板只有 xlsx 和 csv 格式 (the template is written as xlsx or csv only)"
            ),
        };
        return deliver(out.as_deref(), &bytes, opts.output, 1, format);
    }

    let mut request = filter.request();
    if !all_states && request.state == 0 {
        request.state = EntryState::Published as i32;
    }
    let connection = connect::open(opts).await?;
    let entries = list_all(&connection, request).await?;
    let count = entries.len();
    let bytes = match format {
        ExportFormat::Xlsx | ExportFormat::Csv => {
            tokio::task::spawn_blocking(move || {
                let out: Vec<EntryOut<'_>> = entries
                    .iter()
                    .filter_map(|e| {
                        e.metadata.as_ref().map(|metadata| EntryOut {
                            code: &e.code,
                            metadata,
                        })
                    })
                    .collect();
                match format {
                    ExportFormat::Csv => write::csv(&out),
                    _ => write::xlsx(&out),
                }
            })
            .await??
        }
        ExportFormat::Dcat => {
            let datasets = datasets(&connection, &entries).await?;
            let catalog = dcat::catalog(datasets, chrono::Utc::now());
            let mut text = serde_json::to_vec_pretty(&catalog)?;
            text.push(b'\n');
            text
        }
    };
    deliver(out.as_deref(), &bytes, opts.output, count, format)
}

/// Every entry ListEntries gives for `request`, page after page.
async fn list_all(
    connection: &Client,
    mut request: ListEntriesRequest,
) -> anyhow::Result<Vec<CatalogEntry>> {
    let catalog = connection.catalog();
    let bar = progress::counter(true, "读取目录 listing");
    request.page_size = PAGE_SIZE;
    let first = std::mem::take(&mut request.page_token);
    let mut pager = Pager::new(first, |page_token| {
        let mut catalog = catalog.clone();
        let request = ListEntriesRequest {
            page_token,
            ..request.clone()
        };
        async move {
            let page = catalog.list_entries(request).await?.into_inner();
            Ok::<_, tonic::Status>((page.entries, page.next_page_token))
        }
    });
    let mut entries = Vec::new();
    while let Some(page) = pager.next_page().await {
        let page = page?;
        bar.inc(page.len() as u64);
        entries.extend(page);
    }
    bar.finish_and_clear();
    Ok(entries)
}

/// The datasets of the entries, in order, each with the snapshots the caller may list.
async fn datasets(
    connection: &Client,
    entries: &[CatalogEntry],
) -> anyhow::Result<Vec<serde_json::Value>> {
    let bar = progress::bar(true, entries.len(), "读取数据快照 snapshots");
    let exchange = connection.exchange();
    let calls = entries.iter().map(|entry| {
        let exchange = exchange.clone();
        async move {
            let snapshots = snapshots_of(exchange, &entry.code).await?;
            anyhow::Ok(dcat::dataset(entry, &snapshots))
        }
    });
    let datasets: Vec<anyhow::Result<serde_json::Value>> = futures::stream::iter(calls)
        .buffered(SNAPSHOT_CALLS)
        .inspect(|_| bar.inc(1))
        .collect()
        .await;
    bar.finish_and_clear();
    datasets.into_iter().collect()
}

/// Every snapshot of `code`; none when the caller may not list them (only the provider, the
/// administrator and departments with a grant may).
async fn snapshots_of(exchange: ExchangeClient, code: &str) -> anyhow::Result<Vec<DataSnapshot>> {
    let listed = Pager::new("", |page_token| {
        let mut exchange = exchange.clone();
        let request = ListSnapshotsRequest {
            entry_code: code.to_string(),
            page_size: PAGE_SIZE,
            page_token,
        };
        async move {
            let page = exchange.list_snapshots(request).await?.into_inner();
            Ok::<_, tonic::Status>((page.snapshots, page.next_page_token))
        }
    })
    .collect_all()
    .await;
    match listed {
        Ok(snapshots) => Ok(snapshots),
        Err(status)
            if matches!(
                status.code(),
                tonic::Code::PermissionDenied | tonic::Code::NotFound
            ) =>
        {
            Ok(Vec::new())
        }
        Err(status) => Err(anyhow::Error::new(status).context(format!(
            "无法列出 {code} 的数据快照 (cannot list the snapshots of {code})"
        ))),
    }
}

/// Writes `bytes` to `out` (complete or not at all) or to stdout, and tells what was written.
fn deliver(
    out: Option<&Path>,
    bytes: &[u8],
    format: OutputFormat,
    entries: usize,
    kind: ExportFormat,
) -> anyhow::Result<()> {
    let Some(path) = out else {
        let mut stdout = std::io::stdout().lock();
        return match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other?),
        };
    };
    write_file(path, bytes)?;
    let kind = match kind {
        ExportFormat::Xlsx => "xlsx",
        ExportFormat::Csv => "csv",
        ExportFormat::Dcat => "dcat",
    };
    match format {
        OutputFormat::Json => {
            output::print_stdout(&serde_json::to_string_pretty(&serde_json::json!({
                "file": path.display().to_string(),
                "format": kind,
                "entries": entries,
                "bytes": bytes.len(),
            }))?)
        }
        OutputFormat::Table => output::print_stdout(&format!(
            "已导出 {entries} 个目录到 {} ({kind}, entries exported: {entries})",
            path.display()
        )),
    }
}

/// Writes `path.part` next to `path` and renames it, so that `path` is never half written.
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let shown = path.display();
    let Some(name) = path.file_name() else {
        anyhow::bail!("-o {shown} 不是文件路径 (-o {shown} does not name a file)");
    };
    let mut part_name = name.to_owned();
    part_name.push(".part");
    let part = path.with_file_name(part_name);
    let written = std::fs::File::create(&part)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&part, path));
    if let Err(e) = written {
        // Nothing half written stays behind; the first error is the one to tell.
        let _ = std::fs::remove_file(&part);
        return Err(
            anyhow::Error::new(e).context(format!("无法写入 {shown} (cannot write {shown})"))
        );
    }
    Ok(())
}
