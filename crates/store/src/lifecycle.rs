//! The entry lifecycle, as pure functions of the current header: every backend applies the
//! same rules inside its own transaction.
//!
//! DRAFT → PENDING_PUBLISH → PUBLISHED, or PUBLISH_REJECTED (editable again, then DRAFT).
//! PUBLISHED → PENDING_REVOKE → REVOKED, or back to PUBLISHED when refused.
//! A published entry keeps serving its published version while a newer head is edited and
//! reviewed; a refused edit leaves it PUBLISHED with the refused version at the head.

use chrono::{DateTime, Utc};
use govshare_model::{EntryState, ResourceCode};

use crate::{CatalogEventKind, EntryHeader, EntrySummary, NewEntry, NewVersion, StoreError};

/// Who made a change and why: the catalogue event's actor, comment and time.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    pub actor: String,
    pub comment: String,
    pub at: DateTime<Utc>,
}

impl Cause {
    pub fn new(actor: &str, comment: &str, at: DateTime<Utc>) -> Cause {
        Cause {
            actor: actor.to_owned(),
            comment: comment.to_owned(),
            at,
        }
    }

    /// The cause of writing `version`: its author, note and time.
    pub fn of_version(version: &NewVersion) -> Cause {
        Cause::new(&version.author, &version.note, version.created_at)
    }
}

/// A new entry numbered `sequence` under its 分类码: version 1 as a DRAFT.
pub fn register(new: &NewEntry, sequence: u32) -> Transition {
    let at = new.version.created_at;
    Transition {
        header: EntryHeader {
            code: ResourceCode::new(new.classification.clone(), sequence),
            provider_code: new.provider_code.clone(),
            state: EntryState::Draft,
            head_version: 1,
            published_version: None,
            head: new.version.summary.clone(),
            published: None,
            review_comment: String::new(),
            created_at: at,
            updated_at: at,
        },
        kind: CatalogEventKind::Registered,
        version: 1,
    }
}

/// Whether a request may rest on `header` as published at `version`: the entry still
/// publishes that version and is not revoked.
pub fn still_publishes(header: &EntryHeader, version: u64) -> Result<(), StoreError> {
    let code = &header.code;
    if header.state == EntryState::Revoked {
        return Err(StoreError::InvalidState {
            code: code.to_string(),
            state: header.state,
            action: "sharing",
        });
    }
    match header.published_version {
        Some(published) if published == version => Ok(()),
        actual => Err(StoreError::VersionConflict {
            code: code.to_string(),
            expected: version,
            actual: actual.unwrap_or(0),
        }),
    }
}

/// The outcome of an action: the new header, what happened, and the version it concerns
/// (the reviewed, submitted or new version; for revocations, the published one).
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub header: EntryHeader,
    pub kind: CatalogEventKind,
    pub version: u64,
}

fn invalid(header: &EntryHeader, action: &'static str) -> StoreError {
    StoreError::InvalidState {
        code: header.code.to_string(),
        state: header.state,
        action,
    }
}

fn check_head(header: &EntryHeader, expected: u64) -> Result<(), StoreError> {
    if header.head_version == expected {
        Ok(())
    } else {
        Err(StoreError::VersionConflict {
            code: header.code.to_string(),
            expected,
            actual: header.head_version,
        })
    }
}

/// A new head version written over `expected`.
pub fn update(
    header: &EntryHeader,
    expected: u64,
    summary: EntrySummary,
    at: DateTime<Utc>,
) -> Result<Transition, StoreError> {
    check_head(header, expected)?;
    let state = match header.state {
        EntryState::Draft | EntryState::PublishRejected => EntryState::Draft,
        EntryState::Published => EntryState::Published,
        EntryState::PendingPublish | EntryState::PendingRevoke | EntryState::Revoked => {
            return Err(invalid(header, "editing"));
        }
    };
    let next = EntryHeader {
        state,
        head_version: header.head_version + 1,
        head: summary,
        updated_at: at,
        ..header.clone()
    };
    Ok(Transition {
        version: next.head_version,
        header: next,
        kind: CatalogEventKind::Updated,
    })
}

/// The head version sent to review.
pub fn submit(
    header: &EntryHeader,
    expected: u64,
    at: DateTime<Utc>,
) -> Result<Transition, StoreError> {
    check_head(header, expected)?;
    match header.state {
        EntryState::Draft | EntryState::PublishRejected => {}
        EntryState::Published if header.published_version < Some(header.head_version) => {}
        _ => return Err(invalid(header, "submitting for review")),
    }
    let next = EntryHeader {
        state: EntryState::PendingPublish,
        updated_at: at,
        ..header.clone()
    };
    Ok(Transition {
        version: next.head_version,
        header: next,
        kind: CatalogEventKind::Submitted,
    })
}

/// A published entry's revocation asked for.
pub fn request_revocation(
    header: &EntryHeader,
    reason: &str,
    at: DateTime<Utc>,
) -> Result<Transition, StoreError> {
    if header.state != EntryState::Published {
        return Err(invalid(header, "requesting revocation"));
    }
    let next = EntryHeader {
        state: EntryState::PendingRevoke,
        review_comment: reason.to_owned(),
        updated_at: at,
        ..header.clone()
    };
    Ok(Transition {
        version: next.published_version.unwrap_or(next.head_version),
        header: next,
        kind: CatalogEventKind::RevocationRequested,
    })
}

/// The pending review of `version` decided.
pub fn review(
    header: &EntryHeader,
    version: u64,
    approve: bool,
    comment: &str,
    at: DateTime<Utc>,
) -> Result<Transition, StoreError> {
    let (reviewed, state, kind) = match (header.state, approve) {
        (EntryState::PendingPublish, true) => (
            header.head_version,
            EntryState::Published,
            CatalogEventKind::Published,
        ),
        (EntryState::PendingPublish, false) => {
            let back = if header.published_version.is_some() {
                EntryState::Published
            } else {
                EntryState::PublishRejected
            };
            (header.head_version, back, CatalogEventKind::PublishRejected)
        }
        (EntryState::PendingRevoke, true) => (
            header.published_version.unwrap_or(0),
            EntryState::Revoked,
            CatalogEventKind::Revoked,
        ),
        (EntryState::PendingRevoke, false) => (
            header.published_version.unwrap_or(0),
            EntryState::Published,
            CatalogEventKind::RevocationRejected,
        ),
        _ => return Err(invalid(header, "reviewing")),
    };
    if version != reviewed {
        return Err(StoreError::VersionConflict {
            code: header.code.to_string(),
            expected: version,
            actual: reviewed,
        });
    }
    let mut next = EntryHeader {
        state,
        review_comment: comment.to_owned(),
        updated_at: at,
        ..header.clone()
    };
    if kind == CatalogEventKind::Published {
        next.published_version = Some(version);
        next.published = Some(header.head.clone());
    }
    Ok(Transition {
        header: next,
        kind,
        version,
    })
}

#[cfg(test)]
mod tests {
    use govshare_model::{Category, CreditCode, ResourceCode, ShareType, UpdateCycle};

    use super::*;

    fn header(state: EntryState, head: u64, published: Option<u64>) -> EntryHeader {
        let summary = EntrySummary {
            name: "人口基础信息".into(),
            category: Category::Base,
            share_type: ShareType::Conditional,
            update_cycle: UpdateCycle::Daily,
        };
        EntryHeader {
            code: ResourceCode::parse("101001/000001").expect("code"),
            provider_code: CreditCode::parse("91110000600037341L").expect("credit code"),
            state,
            head_version: head,
            published_version: published,
            published: published.map(|_| summary.clone()),
            head: summary,
            review_comment: String::new(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn summary(h: &EntryHeader) -> EntrySummary {
        h.head.clone()
    }

    #[test]
    fn stale_version_is_a_conflict() {
        let h = header(EntryState::Draft, 3, None);
        let err = update(&h, 2, summary(&h), Utc::now()).expect_err("stale");
        assert!(matches!(
            err,
            StoreError::VersionConflict {
                expected: 2,
                actual: 3,
                ..
            }
        ));
    }

    #[test]
    fn editing_a_rejected_entry_makes_it_a_draft_again() {
        let h = header(EntryState::PublishRejected, 2, None);
        let next = update(&h, 2, summary(&h), Utc::now())
            .expect("update")
            .header;
        assert_eq!((next.state, next.head_version), (EntryState::Draft, 3));
    }

    #[test]
    fn editing_a_published_entry_keeps_the_published_version() {
        let h = header(EntryState::Published, 1, Some(1));
        let next = update(&h, 1, summary(&h), Utc::now())
            .expect("update")
            .header;
        assert_eq!(next.state, EntryState::Published);
        assert_eq!((next.head_version, next.published_version), (2, Some(1)));
    }

    #[test]
    fn nothing_is_editable_under_review_or_after_revocation() {
        for state in [
            EntryState::PendingPublish,
            EntryState::PendingRevoke,
            EntryState::Revoked,
        ] {
            let h = header(state, 1, Some(1));
            assert!(matches!(
                update(&h, 1, summary(&h), Utc::now()),
                Err(StoreError::InvalidState { .. })
            ));
        }
    }

    #[test]
    fn a_published_entry_without_new_edits_cannot_be_submitted() {
        let h = header(EntryState::Published, 2, Some(2));
        assert!(matches!(
            submit(&h, 2, Utc::now()),
            Err(StoreError::InvalidState { .. })
        ));
        let h = header(EntryState::Published, 3, Some(2));
        assert_eq!(
            submit(&h, 3, Utc::now()).expect("submit").header.state,
            EntryState::PendingPublish
        );
    }

    #[test]
    fn approval_publishes_the_submitted_version() {
        let h = header(EntryState::PendingPublish, 2, None);
        let t = review(&h, 2, true, "", Utc::now()).expect("review");
        assert_eq!(t.kind, CatalogEventKind::Published);
        let next = t.header;
        assert_eq!(
            (next.state, next.published_version),
            (EntryState::Published, Some(2))
        );
    }

    #[test]
    fn reviewing_another_version_than_the_submitted_one_is_a_conflict() {
        let h = header(EntryState::PendingPublish, 2, None);
        assert!(matches!(
            review(&h, 1, true, "", Utc::now()),
            Err(StoreError::VersionConflict { .. })
        ));
    }

    #[test]
    fn refusal_of_a_first_publication_rejects_it() {
        let h = header(EntryState::PendingPublish, 1, None);
        let next = review(&h, 1, false, "摘要不完整", Utc::now())
            .expect("review")
            .header;
        assert_eq!(next.state, EntryState::PublishRejected);
        assert_eq!(next.review_comment, "摘要不完整");
    }

    #[test]
    fn refusal_of_an_edit_keeps_the_entry_published() {
        let h = header(EntryState::PendingPublish, 3, Some(2));
        let next = review(&h, 3, false, "no", Utc::now())
            .expect("review")
            .header;
        assert_eq!(
            (next.state, next.published_version),
            (EntryState::Published, Some(2))
        );
    }

    #[test]
    fn revocation_goes_through_review() {
        let h = header(EntryState::Published, 1, Some(1));
        let pending = request_revocation(&h, "职能调整", Utc::now()).expect("request");
        assert_eq!(pending.header.state, EntryState::PendingRevoke);
        assert_eq!(pending.version, 1);
        let revoked = review(&pending.header, 1, true, "", Utc::now()).expect("approve");
        assert_eq!(revoked.header.state, EntryState::Revoked);
        let kept = review(&pending.header, 1, false, "仍需共享", Utc::now()).expect("refuse");
        assert_eq!(kept.header.state, EntryState::Published);
    }

    #[test]
    fn drafts_cannot_be_revoked_or_reviewed() {
        let h = header(EntryState::Draft, 1, None);
        assert!(request_revocation(&h, "x", Utc::now()).is_err());
        assert!(review(&h, 1, true, "", Utc::now()).is_err());
    }
}
