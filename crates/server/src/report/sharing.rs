//! 共享 figures of a year: the requests received in it, how each stood at the year's end, the
//! reasons of refusals, and how many working days the providers took to answer.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use govshare_model::{RequestState, ShareType};
use govshare_sharing::{RequestRecord, WorkingCalendar};

use super::window::Year;
use crate::proto::{ReasonCount, SharingFigures, SharingRow};

/// The share types a request can have (不予共享 cannot be requested), in report order.
const REQUESTABLE: [ShareType; 2] = [ShareType::Unconditional, ShareType::Conditional];

/// When and how `r` left PENDING before `until`, if it did.
fn outcome_before(
    r: &RequestRecord,
    until: DateTime<Utc>,
) -> Option<(RequestState, DateTime<Utc>, &str)> {
    r.history
        .iter()
        .find(|e| e.state != RequestState::Pending && e.at < until)
        .map(|e| (e.state, e.at, e.reason.as_str()))
}

/// The figures of `requests` (those the report's department received, or all) for `year`;
/// `requests_made` is the number the department asked for in the year.
pub(super) fn figures(
    requests: &[RequestRecord],
    requests_made: u64,
    year: &Year,
    calendar: &WorkingCalendar,
    answer_working_days: u32,
) -> SharingFigures {
    let mut rows: HashMap<ShareType, SharingRow> = HashMap::new();
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    let mut answer_days: Vec<u32> = Vec::new();
    let mut f = SharingFigures {
        answer_working_days_limit: answer_working_days,
        requests_made,
        ..SharingFigures::default()
    };
    for r in requests {
        let outcome = outcome_before(r, year.cutoff);
        // Answer time: the provider's decisions made in the year, whenever submitted.
        if let Some((RequestState::Approved | RequestState::Rejected, decided, _)) = outcome
            && r.share_type == ShareType::Conditional
            && year.counted(decided)
        {
            answer_days.push(calendar.working_days_between(r.submitted_at, decided));
        }
        if !year.counted(r.submitted_at) {
            continue;
        }
        let row = rows.entry(r.share_type).or_default();
        f.received += 1;
        row.received += 1;
        match outcome {
            Some((RequestState::Approved, _, _)) => {
                f.approved += 1;
                row.approved += 1;
            }
            Some((RequestState::Rejected, _, reason)) => {
                f.refused += 1;
                row.refused += 1;
                *reasons.entry(reason.trim().to_owned()).or_default() += 1;
            }
            Some((RequestState::Withdrawn, _, _)) => {
                f.withdrawn += 1;
                row.withdrawn += 1;
            }
            _ => {
                f.pending += 1;
                row.pending += 1;
            }
        }
        let overdue = r.due_at.is_some_and(|due| match outcome {
            Some((_, left, _)) => left > due,
            None => due < year.cutoff,
        });
        if overdue {
            f.overdue += 1;
            row.overdue += 1;
        }
    }
    f.by_share_type = REQUESTABLE
        .iter()
        .map(|s| SharingRow {
            key: format!("SHARE_TYPE_{}", s.name()),
            label: s.label_zh().to_owned(),
            ..rows.remove(s).unwrap_or_default()
        })
        .collect();
    let mut reasons: Vec<ReasonCount> = reasons
        .into_iter()
        .map(|(reason, count)| ReasonCount { reason, count })
        .collect();
    reasons.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
    f.refusal_reasons = reasons;
    answer_days.sort_unstable();
    f.answered = answer_days.len() as u64;
    f.median_answer_working_days = median(&answer_days);
    f.p90_answer_working_days = nearest_rank(&answer_days, 0.9);
    f
}

/// The median of sorted `v` (the mean of the two middle values for an even count); 0 if empty.
pub(super) fn median(v: &[u32]) -> f64 {
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => f64::from(v[n / 2]),
        n => (f64::from(v[n / 2 - 1]) + f64::from(v[n / 2])) / 2.0,
    }
}

/// The `q` quantile of sorted `v` by the nearest-rank method; 0 if empty.
pub(super) fn nearest_rank(v: &[u32], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let rank = (q * v.len() as f64).ceil() as usize;
    f64::from(v[rank.clamp(1, v.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_p90_follow_their_definitions() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[3]), 3.0);
        assert_eq!(median(&[1, 2, 4, 9]), 3.0);
        let ten: Vec<u32> = (1..=10).collect();
        assert_eq!(nearest_rank(&ten, 0.9), 9.0);
        assert_eq!(nearest_rank(&[5], 0.9), 5.0);
        let eleven: Vec<u32> = (1..=11).collect();
        assert_eq!(nearest_rank(&eleven, 0.9), 10.0);
    }
}
