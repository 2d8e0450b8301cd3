//! The bulk-import part of `govshare-bench`: `entry import` of a generated catalogue template
//! against the in-process server, as the command line runs it (read the XLSX, check every
//! entry on the client and with RegisterEntry `validate_only`, then register them all,
//! concurrently over one connection).
//!
//! The template holds `entries` complete entries of three 信息项 each (the model's sample
//! entry under distinct names, spread over 100 classifications); writing it is timed apart.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Instant;

use govshare_cli::catalogue::import::{ImportOptions, import};
use govshare_cli::catalogue::write::{self, EntryOut};
use govshare_cli::connect::{self, ClientOpts};
use govshare_cli::output::OutputFormat;

/// Writes a template of `entries` entries, imports it as `cataloguer` with `concurrency`
/// calls in flight, and reports as a Markdown table.
pub(super) async fn run(
    addr: SocketAddr,
    cataloguer: &str,
    entries: usize,
    concurrency: usize,
) -> anyhow::Result<String> {
    let metadata: Vec<_> = (0..entries)
        .map(|i| {
            let mut input = govshare_model::testing::sample_input();
            input.provider_code.clear(); // the importing department
            input.name = format!("人口基础信息（{i:06}）");
            input.classification.subitem = format!("{:03}", i % 100);
            govshare_server::convert::input_message(input)
        })
        .collect();
    let out: Vec<EntryOut<'_>> = metadata
        .iter()
        .map(|m| EntryOut {
            code: "",
            metadata: m,
        })
        .collect();
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("catalogue.xlsx");
    let started = Instant::now();
    let bytes = write::xlsx(&out)?;
    let written = started.elapsed();
    std::fs::write(&path, &bytes)?;

    let opts = ClientOpts {
        server: format!("http://{addr}"),
        token: Some(cataloguer.to_string()),
        token_file: None,
        ca_cert: None,
        client_cert: None,
        client_key: None,
        output: OutputFormat::Table,
    };
    let connection = connect::open(&opts).await?;
    let options = ImportOptions {
        skip_invalid: false,
        submit: false,
        dry_run: false,
        concurrency,
        note: None,
        progress: false,
    };
    eprintln!("bench: importing {entries} entries ({concurrency} calls in flight)");
    let started = Instant::now();
    let report = import(&path, &options, &connection).await?;
    let took = started.elapsed();
    anyhow::ensure!(
        report.imported.len() == entries && report.problems.is_empty(),
        "bench import: {} of {entries} imported, {} problems, {} failures",
        report.imported.len(),
        report.problems.len(),
        report.failures.len()
    );

    let mut table = String::from(
        "| entries | items | XLSX | write XLSX | import (read, check, register) | entries/s |\n\
         |---:|---:|---:|---:|---:|---:|\n",
    );
    writeln!(
        table,
        "| {entries} | {} | {:.1} MiB | {:.2} s | {:.2} s | {:.0} |",
        entries * 3,
        bytes.len() as f64 / (1024.0 * 1024.0),
        written.as_secs_f64(),
        took.as_secs_f64(),
        entries as f64 / took.as_secs_f64()
    )?;
    Ok(table)
}
