//! `govshare report annual`: the yearly sharing report (政务数据共享工作年度报告) fetched from
//! ReportService and written as Markdown, HTML, XLSX or JSON.
//!
//! Each format is a pure function of the `AnnualReport` message. Markdown, HTML and XLSX lay
//! out the same tables ([`tables`]), so every number they show is a field of the message, as in
//! the JSON; the HTML page adds charts ([`svg`]) of the same fields.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::connect::{self, ClientOpts};
use crate::output::{self, OutputFormat};
use crate::proto::{AnnualReport, GetAnnualReportRequest};

mod markdown;
mod page;
pub mod svg;
pub mod tables;
mod workbook;

pub use markdown::markdown;
pub use page::html;
pub use workbook::xlsx;

/// The report as JSON: the proto3 JSON mapping of the message, as `--output json` prints every
/// response (proto field names, 64-bit integers as strings, every field present).
pub fn json(report: &AnnualReport) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(&output::to_json(report)?)?)
}

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// The yearly sharing report of one department or the whole platform: catalogue, sharing
    /// requests, data exchange and the access log. ADMIN and AUDITOR may ask for any
    /// department; other credentials get their own.
    Annual(AnnualArgs),
}

/// Options of `report annual`.
#[derive(Debug, clap::Args)]
pub struct AnnualArgs {
    /// The calendar year, e.g. 2026 (a running year counts up to now).
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(2000..=9999))]
    year: i32,
    /// The department (credit code); default: the whole platform for ADMIN and AUDITOR, the
    /// caller's own department otherwise.
    #[arg(long, value_name = "CODE")]
    department: Option<String>,
    /// md: Markdown tables; html: one printable page with charts; xlsx: a workbook with a sheet
    /// per table; json: the message. Default: md, or json with --output json.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file instead of stdout (required for xlsx unless stdout is redirected).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// `--format` of `report annual`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Md,
    Html,
    Xlsx,
    Json,
}

pub async fn run(cmd: ReportCommand, opts: &ClientOpts) -> anyhow::Result<()> {
    match cmd {
        ReportCommand::Annual(args) => annual(args, opts).await,
    }
}

async fn annual(args: AnnualArgs, opts: &ClientOpts) -> anyhow::Result<()> {
    let format = args.format.unwrap_or(match opts.output {
        OutputFormat::Json => Format::Json,
        OutputFormat::Table => Format::Md,
    });
    // Refuse before asking the server for a report that could not be written.
    if format == Format::Xlsx && args.out.is_none() && std::io::stdout().is_terminal() {
        anyhow::bail!(
            "an XLSX workbook is binary and is not written to a terminal: give --out FILE.xlsx \
             or redirect stdout to a file"
        );
    }
    let request = GetAnnualReportRequest {
        year: args.year,
        department_code: args.department.unwrap_or_default(),
    };
    let report = connect::open(opts)
        .await?
        .report()
        .get_annual_report(request)
        .await?
        .into_inner();
    let bytes = render(&report, format)?;
    match &args.out {
        Some(path) => write_file(path, &bytes),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(&bytes).and_then(|()| stdout.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => Ok(other?),
            }
        }
    }
}

/// The report in `format`, as the bytes of a file.
pub fn render(report: &AnnualReport, format: Format) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Md => markdown(report).into_bytes(),
        Format::Html => html(report).into_bytes(),
        Format::Xlsx => xlsx(report).context("cannot lay out the XLSX workbook")?,
        Format::Json => {
            let mut text = json(report)?;
            text.push('\n');
            text.into_bytes()
        }
    })
}

/// Writes `bytes` to `path` whole or not at all: a temporary file beside it is renamed over it.
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::{Cli, Command};

    fn parse(args: &[&str]) -> Result<AnnualArgs, clap::Error> {
        let cli = Cli::try_parse_from([&["govshare", "report", "annual"], args].concat())?;
        let Command::Report(ReportCommand::Annual(args)) = cli.command else {
            panic!("not report annual");
        };
        Ok(args)
    }

    #[test]
    fn annual_takes_year_department_format_and_file() {
        let args = parse(&[
            "--year",
            "2026",
            "--department",
            "11330100MB1234567X",
            "--format",
            "xlsx",
            "--out",
            "report.xlsx",
        ])
        .unwrap();
        assert_eq!(args.year, 2026);
        assert_eq!(args.department.as_deref(), Some("11330100MB1234567X"));
        assert_eq!(args.format, Some(Format::Xlsx));
        assert_eq!(args.out, Some(PathBuf::from("report.xlsx")));
        assert_eq!(parse(&["--year", "2026"]).unwrap().format, None);
    }

    #[test]
    fn annual_needs_a_plausible_year() {
        assert!(parse(&[]).is_err());
        assert!(parse(&["--year", "1999"]).is_err());
        assert!(parse(&["--year", "26"]).is_err());
        assert!(parse(&["--year", "2026", "--format", "pdf"]).is_err());
    }
}
