//! 目录 figures of a year, by replaying the catalogue's change feed: what was registered,
//! published and revoked, what stood published at the year's end, and which changes to
//! published entries were published late.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use govshare_model::{Category, ShareType};
use govshare_sharing::WorkingCalendar;
use govshare_store::CatalogEventKind;

use super::window::Year;
use crate::proto::{CatalogueFigures, CatalogueRow, LateUpdate};
use crate::report::timestamp;

/// One catalogue event with the attributes of the version it concerns.
#[derive(Debug, Clone)]
pub(crate) struct EventFacts {
    pub code: String,
    pub provider_code: String,
    pub kind: CatalogEventKind,
    pub at: DateTime<Utc>,
    /// Of the event's version: for a revocation, the version that was published.
    pub name: String,
    pub category: Category,
    pub share_type: ShareType,
}

pub(super) const CATEGORIES: [Category; 3] =
    [Category::Base, Category::Theme, Category::Department];
pub(super) const SHARE_TYPES: [ShareType; 3] = [
    ShareType::Unconditional,
    ShareType::Conditional,
    ShareType::NotShared,
];

/// A change to a published entry, until its publication.
#[derive(Debug, Clone)]
struct Change {
    code: String,
    name: String,
    provider_code: String,
    changed_at: DateTime<Utc>,
    published_at: Option<DateTime<Utc>>,
    /// The entry was revoked first: the change will never be published, and is no update.
    dropped: bool,
}

/// What the replay knows of one entry.
#[derive(Debug, Default)]
struct EntryState {
    /// The published version's attributes, once published.
    published: Option<(Category, ShareType)>,
    revoked: bool,
    /// The index in `changes` of the change awaiting publication.
    open_change: Option<usize>,
}

/// The figures of `events` (in feed order; only the report's entries) for `year`.
pub(super) fn figures(
    events: &[EventFacts],
    year: &Year,
    calendar: &WorkingCalendar,
    update_working_days: u32,
) -> CatalogueFigures {
    let mut by_category: HashMap<Category, CatalogueRow> = HashMap::new();
    let mut by_share: HashMap<ShareType, CatalogueRow> = HashMap::new();
    let mut f = CatalogueFigures {
        update_working_days,
        ..CatalogueFigures::default()
    };
    let mut entries: HashMap<&str, EntryState> = HashMap::new();
    let mut changes: Vec<Change> = Vec::new();
    for e in events.iter().filter(|e| e.at < year.cutoff) {
        let counted = year.counted(e.at);
        let state = entries.entry(e.code.as_str()).or_default();
        let mut count = |field: fn(&mut CatalogueRow) -> &mut u64| {
            if counted {
                *field(by_category.entry(e.category).or_default()) += 1;
                *field(by_share.entry(e.share_type).or_default()) += 1;
            }
        };
        match e.kind {
            CatalogEventKind::Registered => {
                count(|r| &mut r.registered);
                f.registered += u64::from(counted);
            }
            CatalogEventKind::Published => {
                if state.published.is_none() {
                    count(|r| &mut r.published);
                    f.published += u64::from(counted);
                } else {
                    f.republished += u64::from(counted);
                }
                state.published = Some((e.category, e.share_type));
                if let Some(i) = state.open_change.take() {
                    changes[i].published_at = Some(e.at);
                }
            }
            CatalogEventKind::Revoked => {
                count(|r| &mut r.revoked);
                f.revoked += u64::from(counted);
                state.revoked = true;
                // A revoked entry's pending change will never be published: not an update.
                if let Some(i) = state.open_change.take() {
                    changes[i].dropped = true;
                }
            }
            // The first edit after a publication starts the clock of an update.
            CatalogEventKind::Updated
                if state.published.is_some() && !state.revoked && state.open_change.is_none() =>
            {
                state.open_change = Some(changes.len());
                changes.push(Change {
                    code: e.code.clone(),
                    name: e.name.clone(),
                    provider_code: e.provider_code.clone(),
                    changed_at: e.at,
                    published_at: None,
                    dropped: false,
                });
            }
            _ => {}
        }
    }
    for state in entries.values() {
        if let (Some((category, share_type)), false) = (state.published, state.revoked) {
            f.published_at_year_end += 1;
            by_category
                .entry(category)
                .or_default()
                .published_at_year_end += 1;
            by_share
                .entry(share_type)
                .or_default()
                .published_at_year_end += 1;
        }
    }
    for change in changes.into_iter().filter(|c| !c.dropped) {
        let due = calendar.deadline(change.changed_at, update_working_days);
        if !year.counted(due) {
            continue;
        }
        f.updates_due += 1;
        let late = change.published_at.is_none_or(|p| p > due);
        if late {
            f.updated_late += 1;
            let until = change.published_at.unwrap_or(year.cutoff);
            f.late_updates.push(LateUpdate {
                entry_code: change.code,
                entry_name: change.name,
                provider_code: change.provider_code,
                changed_at: Some(timestamp(change.changed_at)),
                due_at: Some(timestamp(due)),
                published_at: change.published_at.map(timestamp),
                working_days: calendar.working_days_between(change.changed_at, until),
            });
        }
    }
    f.late_updates
        .sort_by(|a, b| (&a.provider_code, &a.entry_code).cmp(&(&b.provider_code, &b.entry_code)));
    f.by_category = CATEGORIES
        .iter()
        .map(|c| CatalogueRow {
            key: format!("CATEGORY_{}", c.name()),
            label: c.label_zh().to_owned(),
            ..by_category.remove(c).unwrap_or_default()
        })
        .collect();
    f.by_share_type = SHARE_TYPES
        .iter()
        .map(|s| CatalogueRow {
            key: format!("SHARE_TYPE_{}", s.name()),
            label: s.label_zh().to_owned(),
            ..by_share.remove(s).unwrap_or_default()
        })
        .collect();
    f
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, TimeZone as _};

    use super::*;

    fn at(month: u32, day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, month, day, 4, 0, 0)
            .single()
            .expect("instant")
    }

    fn event(code: &str, kind: CatalogEventKind, when: DateTime<Utc>) -> EventFacts {
        EventFacts {
            code: code.into(),
            provider_code: "91110000600037341L".into(),
            kind,
            at: when,
            name: format!("资源{code}"),
            category: Category::Base,
            share_type: ShareType::Conditional,
        }
    }

    fn year() -> Year {
        let now = Utc
            .with_ymd_and_hms(2027, 6, 1, 0, 0, 0)
            .single()
            .expect("now");
        Year::new(2026, FixedOffset::east_opt(0).expect("utc"), now).expect("year")
    }

    #[test]
    fn first_publications_republications_and_revocations_are_told_apart() {
        use CatalogEventKind::*;
        let events = vec![
            event("a", Registered, at(1, 5)),
            event("a", Published, at(1, 6)),
            event("a", Updated, at(2, 2)),
            event("a", Published, at(2, 3)),
            event("b", Registered, at(3, 1)),
            event("b", Published, at(3, 2)),
            event("b", Revoked, at(4, 1)),
            event("c", Registered, at(5, 1)),
        ];
        let f = figures(
            &events,
            &year(),
            &WorkingCalendar::weekends_only(FixedOffset::east_opt(0).expect("utc")),
            15,
        );
        assert_eq!(
            (f.registered, f.published, f.republished, f.revoked),
            (3, 2, 1, 1)
        );
        assert_eq!(f.published_at_year_end, 1);
        let base = &f.by_category[0];
        assert_eq!((base.key.as_str(), base.registered), ("CATEGORY_BASE", 3));
        assert_eq!(f.by_category.len(), 3);
        assert_eq!(f.by_share_type[1].published, 2);
        assert_eq!((f.updates_due, f.updated_late), (1, 0));
    }

    #[test]
    fn a_change_published_after_its_deadline_is_late() {
        use CatalogEventKind::*;
        let calendar = WorkingCalendar::weekends_only(FixedOffset::east_opt(0).expect("utc"));
        // Thursday 1 October: 15 working days later is Thursday 22 October.
        let events = vec![
            event("a", Registered, at(9, 1)),
            event("a", Published, at(9, 2)),
            event("a", Updated, at(10, 1)),
            event("a", Updated, at(10, 5)),
            event("a", Published, at(10, 23)),
            event("b", Registered, at(9, 1)),
            event("b", Published, at(9, 2)),
            event("b", Updated, at(10, 1)),
            event("b", Published, at(10, 22)),
        ];
        let f = figures(&events, &year(), &calendar, 15);
        assert_eq!((f.updates_due, f.updated_late), (2, 1));
        let late = &f.late_updates[0];
        assert_eq!(late.entry_code, "a");
        assert_eq!(late.working_days, 16);
    }
}
