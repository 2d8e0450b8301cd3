//! `govshare entry import FILE`: registers the entries of a filled-in catalogue template.
//!
//! All or nothing: every entry is checked first, by the model's rules on the client and then
//! by the server (RegisterEntry with `validate_only`, which also checks the caller may
//! register it), and nothing is registered unless every entry passed (`--skip-invalid`
//! registers the valid ones). The registrations then run concurrently over one connection.
//! Each entry is registered by its own call: one that fails after the checks (the network,
//! a concurrent change) is reported with its row, and the others stay registered.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use futures::StreamExt as _;
use govshare_client::{AuthChannel, Client, retry};
use serde::Serialize;
use tonic_types::StatusExt as _;

use super::parse::{self, ParsedEntry};
use super::problem::{Problem, ProblemJson};
use super::{progress, read};
use crate::connect::{self, ClientOpts};
use crate::enums;
use crate::output::{self, OutputFormat, or_dash};
use crate::proto::catalog_service_client::CatalogServiceClient;
use crate::proto::{CatalogEntry, RegisterEntryRequest, SubmitEntryRequest, WhoAmIRequest};

/// Change notes are at most this long on the server.
const NOTE_MAX_CHARS: usize = 1000;

/// `govshare entry import` options.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The filled-in catalogue template: .xlsx (also .xlsm, .xlsb, .xls, .ods) or .csv in
    /// UTF-8; see deploy/examples/catalogue-template.xlsx.
    pub file: PathBuf,
    /// Register the valid entries and report the invalid ones, instead of registering nothing.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Also submit each registered entry for review (发布待审核).
    #[arg(long)]
    pub submit: bool,
    /// Check every entry, on the client and on the server, and register nothing.
    #[arg(long, conflicts_with = "submit")]
    pub dry_run: bool,
    /// Calls in flight at once, over one connection.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 32,
        value_parser = clap::value_parser!(u16).range(1..=512)
    )]
    pub concurrency: u16,
    /// Change note of each registered version (default: the file and row it came from).
    #[arg(long)]
    pub note: Option<String>,
}

/// How an import runs.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub skip_invalid: bool,
    pub submit: bool,
    pub dry_run: bool,
    pub concurrency: usize,
    pub note: Option<String>,
    /// Show progress bars (only ever drawn on a terminal).
    pub progress: bool,
}

/// An entry that was registered.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub sheet: Option<String>,
    pub row: u32,
    pub name: String,
    pub code: String,
    /// The entry's state name, e.g. `ENTRY_STATE_DRAFT`.
    pub state: String,
    #[serde(skip)]
    pub state_number: i32,
}

/// What an import did.
#[derive(Debug)]
pub struct ImportReport {
    /// The file's name, as problems are told with it.
    pub file: String,
    pub dry_run: bool,
    pub skip_invalid: bool,
    /// Entries read from the file.
    pub entries: usize,
    /// Entries that passed every check.
    pub valid: usize,
    pub imported: Vec<Imported>,
    /// Of the imported entries, those submitted for review.
    pub submitted: usize,
    /// Problems of the file itself: none is imported while there are any.
    pub file_problems: usize,
    /// Every problem found, in the order of the file.
    pub problems: Vec<Problem>,
    /// Entries that passed the checks but whose registration or submission failed.
    pub failures: Vec<Problem>,
}

impl ImportReport {
    /// Entries left out because they are invalid.
    pub fn skipped(&self) -> usize {
        self.entries - self.valid
    }

    /// Why the import fails as a whole: nothing was (or, in a dry run, would be) imported.
    fn refusal(&self) -> Option<String> {
        if self.file_problems > 0 {
            let n = self.problems.len();
            return Some(format!(
                "文件有 {n} 处错误，未导入任何目录 ({n} problems in the file: nothing was imported)"
            ));
        }
        let invalid = self.skipped();
        if invalid > 0 && !self.skip_invalid {
            let total = self.entries;
            return Some(format!(
                "{total} 个目录中有 {invalid} 个有错误，未导入任何目录；改正后重新导入，或用 \
                 --skip-invalid 导入其余目录 ({invalid} of {total} entries are invalid: nothing \
                 was imported; fix them, or import the valid ones with --skip-invalid)"
            ));
        }
        None
    }
}

pub async fn run(args: ImportArgs, opts: &ClientOpts) -> anyhow::Result<()> {
    let ImportArgs {
        file,
        skip_invalid,
        submit,
        dry_run,
        concurrency,
        note,
    } = args;
    let options = ImportOptions {
        skip_invalid,
        submit,
        dry_run,
        concurrency: usize::from(concurrency),
        note,
        progress: true,
    };
    let connection = connect::open(opts).await?;
    let report = import(&file, &options, &connection).await?;
    print(opts.output, &report)?;
    if let Some(refusal) = report.refusal() {
        anyhow::bail!(refusal);
    }
    if !report.failures.is_empty() {
        let n = report.failures.len();
        anyhow::bail!(
            "{n} 个目录登记或提交失败，其余已导入 ({n} entries failed to register or submit; the \
             others were imported)"
        );
    }
    Ok(())
}

/// Reads, checks and (unless refused or a dry run) registers the entries of `path`.
pub async fn import(
    path: &Path,
    options: &ImportOptions,
    connection: &Client,
) -> anyhow::Result<ImportReport> {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let owned = path.to_owned();
    let parsed = tokio::task::spawn_blocking(move || {
        let sheets = read::read(&owned)?;
        parse::parse(&sheets)
    })
    .await
    .context("reading the file failed")??;
    let file_problems = parsed.problems.len();
    let mut entries = parsed.entries;
    anyhow::ensure!(
        !entries.is_empty() || file_problems > 0,
        "{file} 中没有目录：表头下方没有填写任何行 ({file} holds no entries below its header)"
    );

    let department = connection
        .admin()
        .who_am_i(WhoAmIRequest {})
        .await?
        .into_inner()
        .department
        .map(|d| d.code);
    check_locally(&mut entries, department.as_deref());
    if file_problems == 0 {
        check_on_server(
            &mut entries,
            options,
            connection,
            department.as_deref(),
            &file,
        )
        .await?;
    }

    let mut problems = parsed.problems;
    problems.extend(entries.iter().flat_map(|e| e.problems.iter().cloned()));
    problems.sort_by_key(Problem::sort_key);
    let valid = entries.iter().filter(|e| e.is_valid()).count();
    let mut report = ImportReport {
        file,
        dry_run: options.dry_run,
        skip_invalid: options.skip_invalid,
        entries: entries.len(),
        valid,
        imported: Vec::new(),
        submitted: 0,
        file_problems,
        problems,
        failures: Vec::new(),
    };
    let refused = file_problems > 0 || (valid < entries.len() && !options.skip_invalid);
    if refused || options.dry_run {
        return Ok(report);
    }
    register(&entries, options, connection, &mut report).await?;
    Ok(report)
}

/// The model's rules, as the server applies them (the provider defaulting to the caller's
/// department).
pub(super) fn check_locally(entries: &mut [ParsedEntry], department: Option<&str>) {
    for entry in entries {
        let mut metadata = entry.metadata.clone();
        if metadata.provider_code.is_empty() {
            metadata.provider_code = department.unwrap_or_default().to_string();
        }
        if let Err(violations) =
            govshare_model::validate(&govshare_proto::convert::metadata_input(metadata))
        {
            for v in violations {
                entry.add_violation(&v.field, v.description());
            }
        }
    }
}

/// The change note of an entry's version.
fn note_of(options: &ImportOptions, file: &str, entry: &ParsedEntry) -> String {
    let note = match &options.note {
        Some(note) => note.clone(),
        None => {
            let sheet = entry
                .sheet
                .name
                .as_ref()
                .map(|n| format!("{n}!"))
                .unwrap_or_default();
            format!(
                "批量导入 {file} {sheet}第{}行 (bulk import)",
                entry.first_row
            )
        }
    };
    note.chars().take(NOTE_MAX_CHARS).collect()
}

/// RegisterEntry with `validate_only` for every entry that passed the local checks: the
/// server's own validation, the caller's right to register for the provider, and that the
/// provider is a registered department.
async fn check_on_server(
    entries: &mut [ParsedEntry],
    options: &ImportOptions,
    connection: &Client,
    department: Option<&str>,
    file: &str,
) -> anyhow::Result<()> {
    // Built first: the answers are written back into `entries`.
    let requests: Vec<(usize, RegisterEntryRequest)> = entries
        .iter()
        .enumerate()
        .filter(|(_, entry)| entry.is_valid())
        .map(|(i, entry)| {
            let request = RegisterEntryRequest {
                metadata: Some(entry.metadata.clone()),
                note: note_of(options, file, entry),
                validate_only: true,
            };
            (i, request)
        })
        .collect();
    let bar = progress::bar(options.progress, requests.len(), "校验 checking");
    let catalog = connection.catalog();
    let calls = requests.into_iter().map(|(i, request)| {
        let catalog = catalog.clone();
        async move { (i, register_entry(&catalog, &request).await) }
    });
    let mut results = futures::stream::iter(calls).buffer_unordered(options.concurrency);
    while let Some((i, result)) = results.next().await {
        bar.inc(1);
        let Err(status) = result else {
            continue;
        };
        let entry = &mut entries[i];
        match status.code() {
            tonic::Code::InvalidArgument => match status.get_details_bad_request() {
                Some(bad) if !bad.field_violations.is_empty() => {
                    for v in bad.field_violations {
                        entry.add_violation(&v.field, v.description);
                    }
                }
                _ => entry.add_violation("metadata", status.message().to_string()),
            },
            // Refused for another department's entry: that entry's problem. Refused for the
            // caller's own department: the credential cannot register at all.
            tonic::Code::PermissionDenied
                if !entry.metadata.provider_code.is_empty()
                    && Some(entry.metadata.provider_code.as_str()) != department =>
            {
                entry.add_provider_problem(status.message().to_string());
            }
            _ => {
                bar.finish_and_clear();
                return Err(anyhow::Error::new(status).context(format!(
                    "校验第{}行的目录时服务器拒绝 (the server refused to check the entry on row {})",
                    entry.first_row, entry.first_row
                )));
            }
        }
    }
    bar.finish_and_clear();
    Ok(())
}

/// One RegisterEntry call, tried again while the credential's quota refuses it.
async fn register_entry(
    catalog: &CatalogServiceClient<AuthChannel>,
    request: &RegisterEntryRequest,
) -> Result<tonic::Response<CatalogEntry>, tonic::Status> {
    retry::on_pushback(|| {
        let mut catalog = catalog.clone();
        let request = request.clone();
        async move { catalog.register_entry(request).await }
    })
    .await
}

/// Registers (and with `--submit` submits) every valid entry, `concurrency` at a time.
async fn register(
    entries: &[ParsedEntry],
    options: &ImportOptions,
    connection: &Client,
    report: &mut ImportReport,
) -> anyhow::Result<()> {
    let valid: Vec<&ParsedEntry> = entries.iter().filter(|e| e.is_valid()).collect();
    let bar = progress::bar(options.progress, valid.len(), "导入 importing");
    let catalog = connection.catalog();
    let calls = valid.iter().map(|entry| {
        let catalog = catalog.clone();
        let request = RegisterEntryRequest {
            metadata: Some(entry.metadata.clone()),
            note: note_of(options, &report.file, entry),
            validate_only: false,
        };
        let submit = options.submit;
        async move {
            let registered = match register_entry(&catalog, &request).await {
                Ok(entry) => entry.into_inner(),
                Err(status) => {
                    return Err(Failure {
                        status,
                        registered: None,
                    });
                }
            };
            if !submit {
                return Ok((registered, false));
            }
            let submitted = retry::on_pushback(|| {
                let mut catalog = catalog.clone();
                let request = SubmitEntryRequest {
                    code: registered.code.clone(),
                    expected_version: registered.head_version,
                };
                async move { catalog.submit_entry(request).await }
            })
            .await;
            match submitted {
                Ok(entry) => Ok((entry.into_inner(), true)),
                Err(status) => Err(Failure {
                    status,
                    registered: Some(registered.code),
                }),
            }
        }
    });
    let mut results: Vec<(usize, Result<_, Failure>)> = futures::stream::iter(calls)
        .enumerate()
        .map(|(i, call)| async move { (i, call.await) })
        .buffer_unordered(options.concurrency)
        .inspect(|_| bar.inc(1))
        .collect()
        .await;
    bar.finish_and_clear();
    results.sort_by_key(|(i, _)| *i);
    for (i, result) in results {
        let entry = valid[i];
        match result {
            Ok((registered, submitted)) => {
                report.submitted += usize::from(submitted);
                report.imported.push(Imported {
                    sheet: entry.sheet.name.clone(),
                    row: entry.first_row,
                    name: entry.metadata.name.trim().to_string(),
                    code: registered.code,
                    state: enums::descriptor("govshare.v1.EntryState")
                        .ok()
                        .and_then(|d| d.get_value(registered.state))
                        .map_or_else(|| registered.state.to_string(), |v| v.name().to_string()),
                    state_number: registered.state,
                });
            }
            Err(failure) => report.failures.push(failure.problem(entry)),
        }
    }
    Ok(())
}

/// A call that failed after the checks: the status, and the code when the entry was
/// registered but not submitted.
#[derive(Debug)]
struct Failure {
    status: tonic::Status,
    registered: Option<String>,
}

impl Failure {
    fn problem(&self, entry: &ParsedEntry) -> Problem {
        let message = match &self.registered {
            Some(code) => format!(
                "已登记为 {code}，但提交审核失败：{} (registered as {code}, but the submission \
                 failed: {:?})",
                self.status.message(),
                self.status.code()
            ),
            None => format!(
                "登记失败：{} (the registration failed: {:?})",
                self.status.message(),
                self.status.code()
            ),
        };
        Problem::row(&entry.sheet, entry.first_row, None, message)
    }
}

/// The JSON summary of an import.
#[derive(Debug, Serialize)]
struct ReportJson<'a> {
    file: &'a str,
    dry_run: bool,
    entries: usize,
    valid: usize,
    imported: usize,
    skipped: usize,
    submitted: usize,
    failed: usize,
    codes: &'a [Imported],
    errors: Vec<ProblemJson>,
    failures: Vec<ProblemJson>,
}

/// Prints the summary: the problems on stderr and a table on stdout, or everything as JSON.
fn print(format: OutputFormat, report: &ImportReport) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => {
            let json = ReportJson {
                file: &report.file,
                dry_run: report.dry_run,
                entries: report.entries,
                valid: report.valid,
                imported: report.imported.len(),
                skipped: report.skipped(),
                submitted: report.submitted,
                failed: report.failures.len(),
                codes: &report.imported,
                errors: report.problems.iter().map(Problem::to_json).collect(),
                failures: report.failures.iter().map(Problem::to_json).collect(),
            };
            output::print_stdout(&serde_json::to_string_pretty(&json)?)
        }
        OutputFormat::Table => {
            for problem in report.problems.iter().chain(&report.failures) {
                eprintln!("{}", problem.describe(&report.file));
            }
            output::print_stdout(&summary_table(report))
        }
    }
}

fn summary_table(report: &ImportReport) -> String {
    let yes = |b: bool| if b { "是" } else { "否" }.to_string();
    let mut text = output::record(vec![
        ("文件 (file)", report.file.clone()),
        ("目录数 (entries)", report.entries.to_string()),
        ("校验通过 (valid)", report.valid.to_string()),
        ("已导入 (imported)", report.imported.len().to_string()),
        ("有错误 (invalid)", report.skipped().to_string()),
        ("已提交审核 (submitted)", report.submitted.to_string()),
        ("失败 (failed)", report.failures.len().to_string()),
        ("仅校验 (dry run)", yes(report.dry_run)),
    ])
    .to_string();
    if !report.imported.is_empty() {
        let mut table = output::table(["位置", "信息资源名称", "信息资源代码", "状态"]);
        for entry in &report.imported {
            let place = match &entry.sheet {
                Some(sheet) => format!("{sheet}!第{}行", entry.row),
                None => format!("第{}行", entry.row),
            };
            let state = enums::display("govshare.v1.EntryState", entry.state_number);
            table.add_row(vec![place, entry.name.clone(), or_dash(&entry.code), state]);
        }
        text.push('\n');
        text.push_str(&table.to_string());
    }
    text
}
