//! 交换 and 访问 figures of a year: snapshots published (from the store), data delivered and
//! calls made (from the access log's records of the year).

use std::collections::{BTreeMap, HashMap};

use govshare_audit::AccessRecord;
use govshare_store::SnapshotRecord;

use super::window::Year;
use crate::audit::code_name;
use crate::proto::{AccessFigures, DepartmentFlow, ExchangeFigures, OutcomeCount};

const FETCH_DATA: &str = "/govshare.v1.ExchangeService/FetchData";

/// Outcomes that refuse a caller: no credential, no permission, no quota left.
const REFUSALS: [tonic::Code; 3] = [
    tonic::Code::Unauthenticated,
    tonic::Code::PermissionDenied,
    tonic::Code::ResourceExhausted,
];

/// The 交换 figures: `snapshots` are those the report's department published (or all),
/// `rows_of` gives any snapshot's rows by its number, `records` are the access log's records
/// of the year in the report's scope, `name_of` names departments.
pub(super) fn exchange(
    snapshots: &[SnapshotRecord],
    rows_of: &HashMap<String, u64>,
    records: &[AccessRecord],
    year: &Year,
    name_of: &HashMap<String, String>,
) -> ExchangeFigures {
    let mut f = ExchangeFigures::default();
    let mut providers: BTreeMap<String, DepartmentFlow> = BTreeMap::new();
    let mut receivers: BTreeMap<String, DepartmentFlow> = BTreeMap::new();
    for s in snapshots.iter().filter(|s| year.counted(s.created_at)) {
        f.snapshots_published += 1;
        f.bytes_published += s.size_bytes;
        f.rows_published += s.rows;
        providers
            .entry(s.provider_code.to_string())
            .or_default()
            .snapshots_published += 1;
    }
    for r in records
        .iter()
        .filter(|r| r.method == FETCH_DATA && r.outcome == 0 && year.counted(r.time))
    {
        // A complete delivery sends every row of the snapshot (cut down to granted columns).
        let rows = rows_of.get(&r.detail).copied().unwrap_or(0);
        f.deliveries += 1;
        f.bytes_delivered += r.bytes;
        f.rows_delivered += rows;
        for (map, code) in [
            (&mut providers, &r.owner_code),
            (&mut receivers, &r.department_code),
        ] {
            let flow = map.entry(code.clone()).or_default();
            flow.deliveries += 1;
            flow.bytes_delivered += r.bytes;
            flow.rows_delivered += rows;
        }
    }
    let ranked = |map: BTreeMap<String, DepartmentFlow>| {
        let mut flows: Vec<DepartmentFlow> = map
            .into_iter()
            .map(|(code, flow)| DepartmentFlow {
                department_name: name_of.get(&code).cloned().unwrap_or_default(),
                department_code: code,
                ..flow
            })
            .collect();
        flows.sort_by(|a, b| {
            b.bytes_delivered
                .cmp(&a.bytes_delivered)
                .then_with(|| a.department_code.cmp(&b.department_code))
        });
        flows
    };
    f.by_provider = ranked(providers);
    f.by_receiver = ranked(receivers);
    f
}

/// The 访问 figures of `records` (the year's, in the report's scope); the chain's verification
/// is filled in by the caller.
pub(super) fn access(records: &[AccessRecord], year: &Year) -> AccessFigures {
    let mut counts: BTreeMap<u32, u64> = BTreeMap::new();
    let mut f = AccessFigures::default();
    for r in records.iter().filter(|r| year.counted(r.time)) {
        f.calls += 1;
        *counts.entry(r.outcome).or_default() += 1;
        if REFUSALS.iter().any(|c| *c as u32 == r.outcome) {
            f.refused_calls += 1;
        }
    }
    let mut outcomes: Vec<OutcomeCount> = counts
        .into_iter()
        .map(|(code, count)| OutcomeCount {
            outcome: code_name(code),
            code,
            count,
        })
        .collect();
    outcomes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    f.by_outcome = outcomes;
    f
}
