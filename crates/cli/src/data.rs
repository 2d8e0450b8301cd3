//! `govshare data`: publishing a file as a snapshot of an entry, fetching a snapshot under a
//! grant, and listing snapshots (数据, ExchangeService).
//!
//! The transfers are govshare-client's ([`Client::publish`], [`Client::fetch`]): both
//! stream in chunks and hash as they go; an upload that fails leaves nothing on the server,
//! and a download goes to `FILE.part` and becomes `FILE` only when the trailer's sha256 and
//! size match what was received. This module adds the progress bar and the summary.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use govshare_client::{Client, Fetched, Publish, Upload};
use indicatif::ProgressBar;

use crate::connect::{self, ClientOpts};
use crate::output::{self, OutputFormat};
use crate::proto::{FetchHeader, FetchTrailer, ListSnapshotsRequest, ListSnapshotsResponse};
use crate::{PageArgs, data_view, pages};

// The fetch header and trailer are printed by `data fetch --output json`.
impl output::ProtoMessage for FetchHeader {
    const FULL_NAME: &'static str = "govshare.v1.FetchHeader";
}

impl output::ProtoMessage for FetchTrailer {
    const FULL_NAME: &'static str = "govshare.v1.FetchTrailer";
}

#[derive(Debug, clap::Subcommand)]
pub enum DataCommand {
    /// Publish a file as a new snapshot of an entry of my department (CATALOGUER). CSV and
    /// NDJSON are checked against the entry's 信息项 row by row; other types are opaque bytes.
    Publish {
        /// The file to upload.
        file: PathBuf,
        /// Entry code, e.g. 101001/000001.
        #[arg(long, value_name = "CODE")]
        entry: String,
        /// Media type. Default from the extension: .csv text/csv, .ndjson/.jsonl
        /// application/x-ndjson, otherwise application/octet-stream.
        #[arg(long, value_name = "TYPE")]
        media_type: Option<String>,
        /// A note kept with the snapshot (说明).
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Fetch a snapshot, cut down to the items my department is granted (CONSUMER), or all of
    /// it for the provider. Received into FILE.part and renamed to FILE once its sha256 and
    /// size match the server's trailer.
    Fetch {
        /// Entry code, e.g. 101001/000001.
        #[arg(long, value_name = "CODE")]
        entry: String,
        /// Snapshot number, e.g. SNP-000001; default: the latest.
        #[arg(long, value_name = "SNP")]
        snapshot: Option<String>,
        /// Where to write the data; `-` writes it to stdout.
        #[arg(short = 'o', long = "out", value_name = "FILE")]
        out: String,
    },
    /// List the snapshots of an entry, newest first.
    Snapshots {
        /// Entry code, e.g. 101001/000001.
        #[arg(long, value_name = "CODE")]
        entry: String,
        #[command(flatten)]
        page: PageArgs,
    },
}

pub async fn run(cmd: DataCommand, opts: &ClientOpts) -> anyhow::Result<()> {
    match cmd {
        DataCommand::Publish {
            file,
            entry,
            media_type,
            note,
        } => publish(opts, &file, entry, media_type, note).await,
        DataCommand::Fetch {
            entry,
            snapshot,
            out,
        } => fetch(opts, entry, snapshot, &out).await,
        DataCommand::Snapshots { entry, page } => snapshots(opts, entry, page).await,
    }
}

// ---------------------------------------------------------------------------------------------
// publish
// ---------------------------------------------------------------------------------------------

/// A transfer's progress, shown on a progress bar.
struct Shown(ProgressBar);

impl govshare_client::Progress for Shown {
    fn advanced(&self, bytes: u64) {
        self.0.inc(bytes);
    }

    fn discarded(&self, partial: &Path) {
        self.0.finish_and_clear();
        eprintln!(
            "未完成的文件 {} 已删除 (the partial file was removed)",
            partial.display()
        );
    }
}

async fn publish(
    opts: &ClientOpts,
    file: &Path,
    entry_code: String,
    media_type: Option<String>,
    note: Option<String>,
) -> anyhow::Result<()> {
    // The file is opened first: a missing file is told before any connection.
    let upload = Upload::file(file).await?;
    let client = connect::open(opts).await?;
    let bar = data_view::progress(upload.size());
    let mut publish = Publish::new(entry_code).progress(Arc::new(Shown(bar.clone())));
    if let Some(media_type) = media_type {
        publish = publish.media_type(media_type);
    }
    if let Some(note) = note {
        publish = publish.note(note);
    }
    let outcome = client.publish(upload, publish).await;
    bar.finish_and_clear();
    output::emit(opts.output, &outcome?, data_view::snapshot)
}

// ---------------------------------------------------------------------------------------------
// fetch
// ---------------------------------------------------------------------------------------------

/// Where fetched data goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Stdout,
    /// A file, received next to it into `FILE.part` first.
    File(PathBuf),
}

impl Target {
    fn parse(out: &str) -> anyhow::Result<Target> {
        if out == "-" {
            return Ok(Target::Stdout);
        }
        let path = PathBuf::from(out);
        anyhow::ensure!(
            path.file_name().is_some(),
            "-o {out} 不是文件路径 (-o {out} does not name a file)"
        );
        Ok(Target::File(path))
    }

    fn describe(&self) -> String {
        match self {
            Target::Stdout => "标准输出 (stdout)".to_string(),
            Target::File(path) => path.display().to_string(),
        }
    }
}

/// A failed write to stdout, told as such.
fn stdout_error(error: govshare_client::Error) -> anyhow::Error {
    match error {
        govshare_client::Error::Io { source, .. } => {
            let context = if source.kind() == io::ErrorKind::BrokenPipe {
                "标准输出在数据写完之前被关闭，数据不完整 (stdout was closed before all the data was \
                 written: the data is incomplete)"
            } else {
                "写入标准输出失败 (writing to stdout failed)"
            };
            anyhow::Error::new(source).context(context)
        }
        error => error.into(),
    }
}

/// Receives a whole download into `target`, with a progress bar.
async fn download(
    client: &Client,
    entry_code: String,
    snapshot: Option<String>,
    target: &Target,
) -> anyhow::Result<Fetched> {
    // Refusals (no grant, no snapshot) come here, before any file is created.
    let download = client.fetch(entry_code, snapshot.as_deref()).await?;
    let snapshot = download.header().snapshot.clone().unwrap_or_default();
    let tabular = govshare_exchange::MediaKind::of(&snapshot.media_type).is_tabular();
    // The projected size of CSV or NDJSON is unknown until the trailer.
    let bar = data_view::progress((!tabular).then_some(snapshot.size_bytes));
    let shown = Shown(bar.clone());
    let outcome = match target {
        Target::Stdout => download
            .to_writer(&mut tokio::io::stdout(), &shown)
            .await
            .map_err(stdout_error),
        Target::File(path) => download.to_path(path, &shown).await.map_err(Into::into),
    };
    bar.finish_and_clear();
    outcome
}

async fn fetch(
    opts: &ClientOpts,
    entry_code: String,
    snapshot: Option<String>,
    out: &str,
) -> anyhow::Result<()> {
    let target = Target::parse(out)?;
    let client = connect::open(opts).await?;
    let Fetched { header, trailer } = tokio::select! {
        received = download(&client, entry_code, snapshot, &target) => received?,
        _ = tokio::signal::ctrl_c() => anyhow::bail!(
            "已中断，未完成的文件已删除 (interrupted: the partial file was removed)"
        ),
    };
    if opts.output == OutputFormat::Json && target != Target::Stdout {
        let json = serde_json::json!({
            "header": output::to_json(&header)?,
            "trailer": output::to_json(&trailer)?,
        });
        output::print_stdout(&serde_json::to_string_pretty(&json)?)
    } else {
        eprintln!(
            "{}",
            data_view::fetched(&header, &trailer, &target.describe())
        );
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// snapshots
// ---------------------------------------------------------------------------------------------

async fn snapshots(opts: &ClientOpts, entry_code: String, page: PageArgs) -> anyhow::Result<()> {
    let out = opts.output;
    let exchange = connect::open(opts).await?.exchange();
    let first = page.page_token.unwrap_or_default();
    let (snapshots, next_page_token) = pages(page.all, first, |page_token| {
        let mut exchange = exchange.clone();
        let request = ListSnapshotsRequest {
            entry_code: entry_code.clone(),
            page_size: page.page_size,
            page_token,
        };
        async move {
            let response = exchange.list_snapshots(request).await?.into_inner();
            Ok((response.snapshots, response.next_page_token))
        }
    })
    .await?;
    let all = ListSnapshotsResponse {
        snapshots,
        next_page_token,
    };
    output::emit(out, &all, data_view::snapshot_list)?;
    output::note_next_page(out, &all.next_page_token);
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::{Cli, Command};

    fn parse(args: &[&str]) -> Result<DataCommand, clap::Error> {
        let cli = Cli::try_parse_from([&["govshare", "data"], args].concat())?;
        let Command::Data(cmd) = cli.command else {
            panic!("not a data command");
        };
        Ok(cmd)
    }

    #[test]
    fn fetch_needs_a_destination_and_takes_stdout() {
        assert_eq!(
            parse(&["fetch", "--entry", "101001/000001"])
                .unwrap_err()
                .exit_code(),
            2
        );
        let cmd = parse(&["fetch", "--entry", "101001/000001", "-o", "-"]).unwrap();
        let DataCommand::Fetch { out, snapshot, .. } = cmd else {
            panic!("not fetch");
        };
        assert_eq!(out, "-");
        assert_eq!(snapshot, None);
        assert_eq!(Target::parse(&out).unwrap(), Target::Stdout);
    }

    #[test]
    fn fetch_output_format_and_destination_are_distinct() {
        let cli = Cli::try_parse_from([
            "govshare",
            "data",
            "fetch",
            "--entry",
            "101001/000001",
            "--out",
            "people.csv",
            "--output",
            "json",
        ])
        .unwrap();
        assert_eq!(cli.client.output, OutputFormat::Json);
    }

    #[test]
    fn the_destination_names_a_file() {
        assert_eq!(
            Target::parse("dir/人口.csv").unwrap(),
            Target::File(PathBuf::from("dir/人口.csv"))
        );
        let err = Target::parse("dir/..").unwrap_err().to_string();
        assert!(err.contains("-o dir/.. does not name a file"), "{err}");
    }

    #[test]
    fn a_broken_stdout_is_told_as_incomplete_data() {
        let error = govshare_client::Error::Io {
            context: String::new(),
            source: io::Error::from(io::ErrorKind::BrokenPipe),
        };
        let told = format!("{:#}", stdout_error(error));
        assert!(told.starts_with("标准输出在数据写完之前被关闭"), "{told}");
    }
}
