//! `govshare audit`: reading the access log and verifying its hash chain, on a running server
//! (AuditService) or offline on a stopped server's data directory.

use std::path::PathBuf;

use anyhow::Context as _;
use chrono::NaiveDate;

use crate::connect::{self, ClientOpts};
use crate::output::{self, or_dash, time};
use crate::proto::{
    AccessRecord, QueryAccessLogRequest, QueryAccessLogResponse, VerifyAccessLogRequest,
    VerifyAccessLogResponse,
};
use crate::{PageArgs, pages, sharing_view};

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Access-log records, newest first (AUDITOR and ADMIN see all; a department sees the
    /// records about its own entries and its own calls).
    Query(QueryArgs),
    /// Recompute the hash chain: on the server, or with --data-dir on a stopped server's data.
    /// Exit code 1 if a record was changed, removed or reordered.
    Verify(VerifyArgs),
}

/// Filters of `audit query`.
#[derive(Debug, clap::Args)]
pub struct QueryArgs {
    /// Calls made by this department (credit code).
    #[arg(long, value_name = "CODE")]
    dept: Option<String>,
    /// Records about this department's entries, requests and grants (credit code).
    #[arg(long, value_name = "CODE")]
    owner: Option<String>,
    /// The method: a full path or its name, e.g. FetchData.
    #[arg(long)]
    method: Option<String>,
    /// The target: an entry code, request, grant, snapshot, department or token id.
    #[arg(long)]
    target: Option<String>,
    /// The outcome: a gRPC code name (OK, PERMISSION_DENIED, ...) or number.
    #[arg(long)]
    outcome: Option<String>,
    /// From this instant (RFC 3339) or the start of this date (YYYY-MM-DD, Beijing time).
    #[arg(long, value_parser = parse_since, value_name = "WHEN")]
    since: Option<prost_types::Timestamp>,
    /// Before this instant (RFC 3339) or through the end of this date (Beijing time).
    #[arg(long, value_parser = sharing_view::parse_when, value_name = "WHEN")]
    until: Option<prost_types::Timestamp>,
    #[command(flatten)]
    page: PageArgs,
}

/// Range and place of `audit verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// First record to check (default: the first).
    #[arg(long, value_name = "SEQ")]
    from: Option<u64>,
    /// Last record to check (default: the last).
    #[arg(long, value_name = "SEQ")]
    to: Option<u64>,
    /// Verify offline, reading DIR/audit of a stopped server (no server, no token needed).
    #[arg(long, value_name = "DIR", conflicts_with = "audit_dir")]
    data_dir: Option<PathBuf>,
    /// Verify offline, reading this access-log directory (`audit.dir`).
    #[arg(long, value_name = "DIR")]
    audit_dir: Option<PathBuf>,
}

/// `--since`: an RFC 3339 instant, or a date meaning its first instant in Beijing time.
fn parse_since(text: &str) -> Result<prost_types::Timestamp, String> {
    let text = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        // The day before ends where this one starts.
        let before = date
            .pred_opt()
            .ok_or_else(|| format!("{text} 超出可表示的范围 (out of range)"))?;
        return sharing_view::parse_when(&before.format("%Y-%m-%d").to_string());
    }
    sharing_view::parse_when(text)
}

pub async fn run(cmd: AuditCommand, opts: &ClientOpts) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Query(args) => query(args, opts).await,
        AuditCommand::Verify(args) => verify(args, opts).await,
    }
}

async fn query(args: QueryArgs, opts: &ClientOpts) -> anyhow::Result<()> {
    let audit = connect::open(opts).await?.audit();
    let request = QueryAccessLogRequest {
        department_code: args.dept.unwrap_or_default(),
        method: args.method.unwrap_or_default(),
        target: args.target.unwrap_or_default(),
        outcome: args.outcome.unwrap_or_default(),
        start_time: args.since,
        end_time: args.until,
        owner_code: args.owner.unwrap_or_default(),
        page_size: args.page.page_size,
        page_token: String::new(),
    };
    let first = args.page.page_token.unwrap_or_default();
    let (records, next_page_token) = pages(args.page.all, first, |page_token| {
        let mut audit = audit.clone();
        let request = QueryAccessLogRequest {
            page_token,
            ..request.clone()
        };
        async move {
            let response = audit.query_access_log(request).await?.into_inner();
            Ok((response.records, response.next_page_token))
        }
    })
    .await?;
    let all = QueryAccessLogResponse {
        records,
        next_page_token,
    };
    output::emit(opts.output, &all, record_table)?;
    output::note_next_page(opts.output, &all.next_page_token);
    Ok(())
}

/// The short name of a gRPC code.
fn outcome_name(code: u32) -> String {
    i32::try_from(code)
        .map(|c| format!("{:?}", tonic::Code::from_i32(c)))
        .unwrap_or_else(|_| code.to_string())
}

fn method_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn duration_ms(record: &AccessRecord) -> String {
    record.duration.as_ref().map_or_else(
        || "-".into(),
        |d| {
            format!(
                "{:.1}",
                d.seconds as f64 * 1000.0 + f64::from(d.nanos) / 1e6
            )
        },
    )
}

fn record_table(list: &QueryAccessLogResponse) -> String {
    if list.records.is_empty() {
        return "没有符合条件的访问记录 (no matching access-log records)".into();
    }
    let mut table = output::table([
        "序号", "时间", "部门", "方法", "对象", "结果", "字节", "毫秒", "说明",
    ]);
    for r in &list.records {
        table.add_row(vec![
            r.seq.to_string(),
            time(r.time.as_ref()),
            or_dash(&r.department_code),
            method_name(&r.method).to_owned(),
            or_dash(&r.target),
            outcome_name(r.outcome),
            r.bytes.to_string(),
            duration_ms(r),
            or_dash(&r.detail),
        ]);
    }
    table.to_string()
}

fn verification_text(v: &VerifyAccessLogResponse) -> String {
    let mut rows = vec![
        (
            "结果",
            if v.ok {
                "完整 (ok): the hash chain is intact".to_string()
            } else {
                "已被篡改 (FAILED): a record was changed, removed or reordered".to_string()
            },
        ),
        ("检查记录数", v.records_checked.to_string()),
        ("末条序号", v.head_seq.to_string()),
        ("末条哈希", or_dash(&v.head_hash)),
    ];
    if !v.ok {
        rows.push(("首个异常序号", v.first_bad_seq.to_string()));
        rows.push(("问题", or_dash(&v.problem)));
    }
    output::record(rows).to_string()
}

async fn verify(args: VerifyArgs, opts: &ClientOpts) -> anyhow::Result<()> {
    let offline = args
        .audit_dir
        .clone()
        .or_else(|| args.data_dir.as_ref().map(|d| d.join("audit")));
    let response = match offline {
        Some(dir) => verify_offline(dir, args.from, args.to).await?,
        None => {
            let mut audit = connect::open(opts).await?.audit();
            let request = VerifyAccessLogRequest {
                from_seq: args.from.unwrap_or(0),
                to_seq: args.to.unwrap_or(0),
            };
            audit.verify_access_log(request).await?.into_inner()
        }
    };
    output::emit(opts.output, &response, verification_text)?;
    if response.ok {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "访问日志校验失败，首个异常记录 {} (the access log failed verification at record {}: {})",
            response.first_bad_seq,
            response.first_bad_seq,
            response.problem
        ))
    }
}

async fn verify_offline(
    dir: PathBuf,
    from: Option<u64>,
    to: Option<u64>,
) -> anyhow::Result<VerifyAccessLogResponse> {
    if !dir.is_dir() {
        anyhow::bail!(
            "{} 不是访问日志目录 (is not an access-log directory: pass the server's --data-dir, \
             or --audit-dir if audit.dir is set)",
            dir.display()
        );
    }
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        eprintln!("verifying {} ...", dir.display());
    }
    let checked = dir.clone();
    let v = tokio::task::spawn_blocking(move || govshare_audit::verify_dir(&checked, from, to))
        .await
        .context("verification stopped")?
        .with_context(|| format!("reading the access log in {}", dir.display()))?;
    if v.torn_tail_bytes > 0 {
        eprintln!(
            "note: {} bytes at the end of the last segment are an unfinished record left by a \
             crash; it was never acknowledged and is not counted",
            v.torn_tail_bytes
        );
    }
    Ok(VerifyAccessLogResponse {
        ok: v.ok,
        records_checked: v.records_checked,
        head_hash: hex::encode(v.head_hash),
        head_seq: v.head_seq,
        first_bad_seq: v.first_bad_seq.unwrap_or(0),
        problem: v.problem.unwrap_or_default(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::{Cli, Command};

    fn parse(args: &[&str]) -> Result<AuditCommand, clap::Error> {
        let cli = Cli::try_parse_from([&["govshare", "audit"], args].concat())?;
        let Command::Audit(cmd) = cli.command else {
            panic!("not an audit command");
        };
        Ok(cmd)
    }

    #[test]
    fn since_a_date_is_its_first_instant_in_beijing_time() {
        // 2026-11-27T00:00:00+08:00
        assert_eq!(parse_since("2026-11-27").unwrap().seconds, 1_795_708_800);
        assert_eq!(
            parse_since("2026-11-27T00:00:00+08:00").unwrap().seconds,
            1_795_708_800
        );
        assert!(parse_since("2026-02-30").is_err());
    }

    #[test]
    fn offline_verify_takes_one_directory() {
        assert!(parse(&["verify", "--data-dir", "d", "--audit-dir", "a"]).is_err());
        let AuditCommand::Verify(args) =
            parse(&["verify", "--data-dir", "d", "--from", "5"]).unwrap()
        else {
            panic!("verify");
        };
        assert_eq!(args.from, Some(5));
        assert_eq!(args.data_dir, Some(PathBuf::from("d")));
    }

    #[test]
    fn outcome_names_read_well() {
        assert_eq!(outcome_name(7), "PermissionDenied");
        assert_eq!(outcome_name(0), "Ok");
    }
}
