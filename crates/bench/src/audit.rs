//! The access log's offline verification rate: writes N realistic records into a fresh log
//! directory, then times `verify_dir` over them, as `govshare audit verify --data-dir` runs it.

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::Context as _;
use chrono::Utc;
use govshare_audit::{AccessLog, LogOptions, NewRecord, verify_dir};

/// Methods a day of calls is made of, with the targets they name.
const CALLS: [(&str, &str); 4] = [
    ("/govshare.v1.CatalogService/GetEntry", "101001/000001"),
    ("/govshare.v1.ExchangeService/FetchData", "101001/000002"),
    ("/govshare.v1.SharingService/CreateRequest", "203004/000017"),
    ("/govshare.v1.CatalogService/ListEntries", ""),
];

fn record(n: u64) -> NewRecord {
    let (method, target) = CALLS[(n % CALLS.len() as u64) as usize];
    NewRecord {
        time: Utc::now(),
        request_id: format!("{:032x}", u128::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        department_code: "91350100M000100Y43".into(),
        token_id: format!("tok_{:016x}", n % 97),
        method: method.into(),
        target: target.into(),
        owner_code: "91110000600037341L".into(),
        grant_id: if n % 4 == 1 {
            "GRT-000042".into()
        } else {
            String::new()
        },
        outcome: if n.is_multiple_of(50) { 7 } else { 0 },
        detail: "version 3".into(),
        duration_micros: 800 + n % 1000,
        bytes: if n % 4 == 1 { 1_048_576 } else { 0 },
    }
}

/// Writes `records` and verifies them `runs` times; returns the report.
pub fn run(records: u64, runs: u32) -> anyhow::Result<String> {
    let dir = tempfile::tempdir()?;
    // Writing is not what is measured here, so no fdatasync per group.
    let options = LogOptions {
        sync: false,
        ..LogOptions::default()
    };
    let log = AccessLog::open(dir.path(), options).context("opening the bench access log")?;
    eprintln!("bench: writing {records} access-log records");
    let started = Instant::now();
    for n in 0..records {
        log.append_detached(record(n));
    }
    log.close();
    let written = started.elapsed().as_secs_f64();
    let size = log.head().size_bytes;
    anyhow::ensure!(
        log.head().seq == records,
        "the bench log holds {} records, not {records}",
        log.head().seq
    );
    let mut out = format!(
        "Access log: {records} records, {:.0} MB in {} segment(s); written without sync in \
         {written:.2} s ({:.0} records/s)\n\n\
         | verify_dir run | seconds | records/s | MB/s |\n|---:|---:|---:|---:|\n",
        size as f64 / 1e6,
        std::fs::read_dir(dir.path())?
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "seg"))
            })
            .count(),
        records as f64 / written,
    );
    for run in 1..=runs {
        let started = Instant::now();
        let v = verify_dir(dir.path(), None, None)?;
        let seconds = started.elapsed().as_secs_f64();
        anyhow::ensure!(
            v.ok && v.records_checked == records,
            "verification of the bench log failed: {v:?}"
        );
        writeln!(
            out,
            "| {run} | {seconds:.3} | {:.0} | {:.0} |",
            records as f64 / seconds,
            size as f64 / 1e6 / seconds
        )?;
    }
    Ok(out)
}
