//! Reading what a yearly report counts: every catalogue event with the attributes of its
//! version, the requests, the snapshots and the year's access-log records, then verifying the
//! access log's chain up to the year's last record.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use govshare_audit::{AccessRecord, Query};
use govshare_model::CreditCode;
use govshare_sharing::RequestRecord;
use govshare_store::{EntryFilter, EntryHeader, Party, RequestFilter, SnapshotRecord, Visibility};

use super::window::Year;
use super::{EventFacts, catalogue, flows, sharing, timestamp};
use crate::AppState;
use crate::error::{ServiceError, ServiceResult};
use crate::proto::AnnualReport;

/// Records read per store call.
const PAGE: usize = 1000;
/// Access-log records examined per read.
const SCAN: usize = 500_000;

/// The report of `year` for `scope` (`None`: the whole platform).
pub(super) async fn annual_report(
    state: &AppState,
    year: Year,
    scope: Option<&CreditCode>,
    now: DateTime<Utc>,
) -> ServiceResult<AnnualReport> {
    let names = department_names(state).await?;
    let department_name = match scope {
        Some(d) => names
            .get(d.as_str())
            .cloned()
            .ok_or_else(|| govshare_service::error::department_not_found(d.as_str()))?,
        None => String::new(),
    };
    let events = events(state, scope).await?;
    let catalogue = catalogue::figures(
        &events,
        &year,
        &state.calendar,
        state.config.catalog.update_working_days,
    );

    let received = requests(
        state,
        scope.map_or(Party::Any, |d| Party::Providing(d.clone())),
    )
    .await?;
    let requests_made = match scope {
        Some(d) => requests(state, Party::Receiving(d.clone()))
            .await?
            .iter()
            .filter(|r| year.counted(r.submitted_at))
            .count() as u64,
        None => 0,
    };
    let sharing = sharing::figures(
        &received,
        requests_made,
        &year,
        &state.calendar,
        state.config.sharing.answer_working_days,
    );

    let snapshots = snapshots(state).await?;
    let rows_of: HashMap<String, u64> = snapshots
        .iter()
        .map(|s| (s.id.to_string(), s.rows))
        .collect();
    let own: Vec<SnapshotRecord> = snapshots
        .into_iter()
        .filter(|s| scope.is_none_or(|d| s.provider_code == *d))
        .collect();
    let records = access_records(state, &year, scope).await?;
    let exchange = flows::exchange(&own, &rows_of, &records, &year, &names);
    let mut access = flows::access(&records, &year);
    verify_chain(state, &year, &mut access).await?;

    Ok(AnnualReport {
        year: year.year,
        department_code: scope.map(ToString::to_string).unwrap_or_default(),
        department_name,
        generated_at: Some(timestamp(now)),
        utc_offset: state.calendar.offset().to_string(),
        year_complete: year.is_complete(),
        catalogue: Some(catalogue),
        sharing: Some(sharing),
        exchange: Some(exchange),
        access: Some(access),
    })
}

async fn department_names(state: &AppState) -> ServiceResult<HashMap<String, String>> {
    let mut names = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let page = state.store.list_departments(after.as_deref(), PAGE).await?;
        for d in page.items {
            names.insert(d.code.to_string(), d.name);
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(names),
        }
    }
}

/// Every catalogue event of the scope's entries, in feed order, with its version's attributes.
async fn events(state: &AppState, scope: Option<&CreditCode>) -> ServiceResult<Vec<EventFacts>> {
    let mut headers: HashMap<String, Option<EntryHeader>> = HashMap::new();
    let mut facts = Vec::new();
    let mut after = 0;
    loop {
        let batch = state.store.catalog_events(after, PAGE).await?;
        let Some(last) = batch.last() else {
            return Ok(facts);
        };
        after = last.seq;
        for event in batch {
            let code = event.code.to_string();
            if !headers.contains_key(&code) {
                let header = state.store.get_entry(&event.code).await?;
                headers.insert(code.clone(), header);
            }
            let Some(header) = headers.get(&code).and_then(Option::as_ref) else {
                continue;
            };
            if scope.is_some_and(|d| header.provider_code != *d) {
                continue;
            }
            let version = state.versions.get(&event.code, event.version).await?;
            facts.push(EventFacts {
                provider_code: header.provider_code.to_string(),
                code,
                kind: event.kind,
                at: event.at,
                name: version.metadata.name.clone(),
                category: version.metadata.classification.category,
                share_type: version.metadata.sharing.share_type,
            });
        }
    }
}

async fn requests(state: &AppState, party: Party) -> ServiceResult<Vec<RequestRecord>> {
    let filter = RequestFilter {
        party,
        ..RequestFilter::default()
    };
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = state.store.list_requests(&filter, after, PAGE).await?;
        after = page.items.last().map(|r| r.id);
        all.extend(page.items);
        if page.next.is_none() {
            return Ok(all);
        }
    }
}

/// Every snapshot of every entry.
async fn snapshots(state: &AppState) -> ServiceResult<Vec<SnapshotRecord>> {
    let filter = EntryFilter {
        visibility: Visibility::Everything,
        ..EntryFilter::default()
    };
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = state
            .store
            .list_entries(&filter, after.as_deref(), PAGE)
            .await?;
        for header in &page.items {
            let mut before = None;
            loop {
                let snaps = state
                    .store
                    .list_snapshots(&header.code, before, PAGE)
                    .await?;
                before = snaps.items.last().map(|s| s.id);
                all.extend(snaps.items);
                if snaps.next.is_none() {
                    break;
                }
            }
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(all),
        }
    }
}

/// The access log's records of the year, in the scope: the department's calls and the calls
/// about its resources.
async fn access_records(
    state: &AppState,
    year: &Year,
    scope: Option<&CreditCode>,
) -> ServiceResult<Vec<AccessRecord>> {
    let mut all = Vec::new();
    let mut before_seq = None;
    loop {
        let query = Query {
            before_seq,
            limit: SCAN,
            scan_limit: SCAN,
            start: Some(year.start),
            end: Some(year.cutoff),
            scope: scope.map(ToString::to_string),
            ..Query::default()
        };
        let page = query_log(state, query).await.map_err(|e| {
            access_log_unavailable("读取访问日志失败", "reading the access log failed", e)
        })?;
        all.extend(page.records.into_iter().map(|r| r.record));
        match page.next_before_seq {
            Some(next) => before_seq = Some(next),
            None => return Ok(all),
        }
    }
}

/// Verifies the chain from the first record to the year's last one (of any department: the
/// chain is one), and reports it in `access`.
async fn verify_chain(
    state: &AppState,
    year: &Year,
    access: &mut crate::proto::AccessFigures,
) -> ServiceResult<()> {
    let last = Query {
        limit: 1,
        scan_limit: SCAN,
        end: Some(year.cutoff),
        ..Query::default()
    };
    let mut before_seq = None;
    let head = loop {
        let page = query_log(
            state,
            Query {
                before_seq,
                ..last.clone()
            },
        )
        .await
        .map_err(|e| {
            access_log_unavailable("读取访问日志失败", "reading the access log failed", e)
        })?;
        if let Some(r) = page.records.first() {
            break Some(r.record.seq);
        }
        match page.next_before_seq {
            Some(next) => before_seq = Some(next),
            None => break None,
        }
    };
    let Some(head) = head else {
        // No record before the year's end: an empty chain, trivially intact.
        access.chain_verified = true;
        return Ok(());
    };
    let v = verify_log(state, head).await.map_err(|e| {
        access_log_unavailable("校验访问日志失败", "verifying the access log failed", e)
    })?;
    access.chain_verified = v.ok;
    access.records_checked = v.records_checked;
    access.head_seq = v.head_seq;
    access.head_hash = hex::encode(v.head_hash);
    access.chain_problem = v.problem.unwrap_or_default();
    Ok(())
}

async fn query_log(state: &AppState, query: Query) -> Result<govshare_audit::QueryPage, String> {
    state.audit.query(query).await.map_err(|e| e.to_string())
}

async fn verify_log(state: &AppState, to: u64) -> Result<govshare_audit::Verification, String> {
    state
        .audit
        .verify(None, Some(to))
        .await
        .map_err(|e| e.to_string())
}

/// The access log could not be read: `zh` / `en` say what was being done.
fn access_log_unavailable(zh: &str, en: &str, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::new(
        crate::error::Reason::AccessLogUnavailable,
        govshare_model::text!("{zh}：{e}", "{en}: {e}"),
    )
}
