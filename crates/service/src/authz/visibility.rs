//! Which catalogue entries exist for a reader, and which version of each it sees: the one rule
//! behind GetEntry, ListEntries, SearchEntries, WatchCatalog, the search index, sharing
//! requests and the data exchange.
//!
//! The providing department and the platform administrator see every version of an entry,
//! drafts and entries under review included. Everyone else — another department, and the
//! auditor, whose part is the access log (API.md; GB/T 39477 keeps audit apart from
//! operation) — sees the published catalogue only: an entry that is not in it (never
//! published, or revoked) does not exist for them, and of one that is they read the published
//! version, never the edits made since. Of the catalogue's changes they see those of the
//! published catalogue: publications and revocations.

use govshare_model::{CreditCode, Role};
use govshare_store::{CatalogEventKind, EntryHeader, Visibility};

use crate::Principal;
use crate::ServiceError;

/// Whether `p` sees every version of the entries `provider` provides: the providing
/// department itself and the platform administrator.
pub fn reads_every_version(p: &Principal, provider: &CreditCode) -> bool {
    p.has(Role::Admin) || p.is_of(provider)
}

/// The entry's version in the published catalogue, the one everybody sees: none before its
/// first publication and once it is revoked.
pub fn public_version(header: &EntryHeader) -> Option<u64> {
    header
        .published_version
        .filter(|_| header.is_visible_to_all())
}

/// What a reader sees of an entry that exists for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryView {
    /// Every version (the provider and the administrator). `default`: the published version,
    /// or the head before the first publication.
    Every { default: u64 },
    /// The published version only (everyone else).
    Published(u64),
}

impl EntryView {
    /// The version shown when the caller names none (GetEntry, ListEntries).
    pub fn default_version(self) -> u64 {
        match self {
            EntryView::Every { default } => default,
            EntryView::Published(version) => version,
        }
    }

    /// Whether the reader may read version `version`.
    pub fn reads(self, version: u64) -> bool {
        match self {
            EntryView::Every { .. } => true,
            EntryView::Published(published) => version == published,
        }
    }
}

/// What `p` sees of the entry; `None`: for `p` it does not exist.
pub fn entry_view(p: &Principal, header: &EntryHeader) -> Option<EntryView> {
    if reads_every_version(p, &header.provider_code) {
        Some(EntryView::Every {
            default: header.published_version.unwrap_or(header.head_version),
        })
    } else {
        public_version(header).map(EntryView::Published)
    }
}

/// What `p` sees of the entry, or the answer for an entry that does not exist
/// ([`super::no_such_entry`]) when `p` may not know of it.
pub fn view_of(p: &Principal, header: &EntryHeader) -> Result<EntryView, ServiceError> {
    entry_view(p, header).ok_or_else(|| super::no_such_entry(&header.code))
}

/// Whether the entry exists for `p`.
pub fn sees_entry(p: &Principal, header: &EntryHeader) -> bool {
    entry_view(p, header).is_some()
}

/// The store's list filter for `p` (ListEntries): exactly the entries [`entry_view`] shows
/// `p`, each judged on the version it sees.
pub fn listing(p: &Principal) -> Visibility {
    if p.has(Role::Admin) {
        Visibility::Everything
    } else {
        Visibility::PublishedAndOwn(p.department.clone())
    }
}

/// Whether a change of `kind` changes the published catalogue: a publication or a revocation.
/// The search index follows these changes, and readers outside the provider see only these.
pub fn changes_published_catalogue(kind: CatalogEventKind) -> bool {
    matches!(
        kind,
        CatalogEventKind::Published | CatalogEventKind::Revoked
    )
}

/// WatchCatalog: whether `p` sees a change of `kind` to an entry `provider` provides: every
/// change when it reads every version of the entry, otherwise the changes of the published
/// catalogue.
pub fn sees_event(p: &Principal, kind: CatalogEventKind, provider: &CreditCode) -> bool {
    reads_every_version(p, provider) || changes_published_catalogue(kind)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use govshare_model::{Category, EntryState, ResourceCode, ShareType, UpdateCycle};
    use govshare_store::{EntryFilter, EntrySummary};

    use super::*;
    use crate::Caller;

    const A: &str = "91110000600037341L";
    const B: &str = "91350100M000100Y43";

    fn code(s: &str) -> CreditCode {
        CreditCode::parse(s).expect("code")
    }

    fn principal(department: Option<&str>, roles: &[Role]) -> Principal {
        Principal::from(Caller {
            token_id: "tok_test".into(),
            token_name: "test".into(),
            department: department.map(code),
            roles: roles.to_vec(),
        })
    }

    /// Every kind of reader: the provider's own roles, another department, the two platform
    /// roles, and a stored platform role bound to a department (which counts for nothing).
    fn readers() -> Vec<Principal> {
        vec![
            principal(Some(A), &[Role::Cataloguer]),
            principal(Some(A), &[Role::Consumer]),
            principal(Some(B), &[Role::Cataloguer, Role::Approver, Role::Consumer]),
            principal(None, &[Role::Admin]),
            principal(None, &[Role::Auditor]),
            principal(Some(B), &[Role::Admin]),
            principal(Some(B), &[Role::Auditor]),
        ]
    }

    /// An entry of department A, version `head`, with `published` as its published version.
    fn header(state: EntryState, head: u64, published: Option<u64>) -> EntryHeader {
        let summary = EntrySummary {
            name: "人口基础信息".into(),
            category: Category::Base,
            share_type: ShareType::Conditional,
            update_cycle: UpdateCycle::Daily,
        };
        EntryHeader {
            code: ResourceCode::parse("101001/000001").expect("code"),
            provider_code: code(A),
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

    /// An entry in every state of its life.
    fn entries() -> Vec<EntryHeader> {
        vec![
            header(EntryState::Draft, 1, None),
            header(EntryState::PendingPublish, 2, None),
            header(EntryState::PublishRejected, 2, None),
            header(EntryState::Published, 1, Some(1)),
            // Published, then edited: the edits are the provider's until published again.
            header(EntryState::Published, 3, Some(1)),
            header(EntryState::PendingPublish, 3, Some(1)),
            header(EntryState::PendingRevoke, 2, Some(2)),
            header(EntryState::Revoked, 2, Some(2)),
        ]
    }

    #[test]
    fn the_provider_and_the_administrator_see_every_version() {
        for p in [
            principal(Some(A), &[Role::Cataloguer]),
            principal(Some(A), &[Role::Approver]),
            principal(None, &[Role::Admin]),
        ] {
            let draft = header(EntryState::Draft, 2, None);
            assert_eq!(
                entry_view(&p, &draft),
                Some(EntryView::Every { default: 2 }),
                "{p:?}"
            );
            let edited = header(EntryState::Published, 3, Some(1));
            let view = entry_view(&p, &edited).expect("visible");
            assert_eq!(view, EntryView::Every { default: 1 }, "{p:?}");
            assert!(view.reads(1) && view.reads(3), "{p:?}");
            let revoked = header(EntryState::Revoked, 2, Some(2));
            assert_eq!(
                entry_view(&p, &revoked),
                Some(EntryView::Every { default: 2 })
            );
        }
    }

    #[test]
    fn outside_the_provider_an_unpublished_entry_does_not_exist() {
        for p in [
            principal(Some(B), &[Role::Cataloguer, Role::Approver, Role::Consumer]),
            principal(None, &[Role::Auditor]),
            // Platform roles bound to a department are no platform roles.
            principal(Some(B), &[Role::Admin]),
        ] {
            for state in [
                EntryState::Draft,
                EntryState::PendingPublish,
                EntryState::PublishRejected,
            ] {
                let h = header(state, 2, None);
                assert_eq!(entry_view(&p, &h), None, "{p:?} {state:?}");
                assert!(!sees_entry(&p, &h));
                let err = view_of(&p, &h).expect_err("hidden");
                assert_eq!(
                    err.to_string(),
                    super::super::no_such_entry(&h.code).to_string()
                );
            }
            let revoked = header(EntryState::Revoked, 2, Some(2));
            assert_eq!(entry_view(&p, &revoked), None, "{p:?}");
        }
    }

    #[test]
    fn without_a_grant_an_unpublished_entry_still_does_not_exist() {
        let reader = principal(Some(B), &[Role::Consumer]);
        for h in entries() {
            let err = super::super::without_grant(&reader, &h);
            if sees_entry(&reader, &h) {
                assert_eq!(err.reason(), crate::Reason::NoActiveGrant, "{h:?}");
            } else {
                assert_eq!(
                    err.to_string(),
                    super::super::no_such_entry(&h.code).to_string()
                );
            }
        }
    }

    #[test]
    fn outside_the_provider_only_the_published_version_is_read() {
        let p = principal(None, &[Role::Auditor]);
        for h in [
            header(EntryState::Published, 3, Some(1)),
            header(EntryState::PendingPublish, 3, Some(1)),
            header(EntryState::PendingRevoke, 1, Some(1)),
        ] {
            let view = entry_view(&p, &h).expect("published");
            assert_eq!(view, EntryView::Published(1));
            assert_eq!(view.default_version(), 1);
            assert!(view.reads(1));
            assert!(!view.reads(h.head_version.max(2)));
        }
    }

    #[test]
    fn the_public_version_is_the_published_one_until_revoked() {
        assert_eq!(public_version(&header(EntryState::Draft, 1, None)), None);
        assert_eq!(
            public_version(&header(EntryState::Published, 3, Some(2))),
            Some(2)
        );
        assert_eq!(
            public_version(&header(EntryState::PendingRevoke, 2, Some(2))),
            Some(2)
        );
        assert_eq!(
            public_version(&header(EntryState::Revoked, 2, Some(2))),
            None
        );
    }

    #[test]
    fn the_list_filter_lists_exactly_the_entries_that_exist_for_the_reader() {
        for p in readers() {
            let filter = EntryFilter {
                visibility: listing(&p),
                ..EntryFilter::default()
            };
            for h in entries() {
                assert_eq!(
                    filter.accepts(&h),
                    sees_entry(&p, &h),
                    "{p:?} {:?} head {} published {:?}",
                    h.state,
                    h.head_version,
                    h.published_version
                );
            }
        }
    }

    #[test]
    fn a_watcher_sees_the_changes_of_what_exists_for_it() {
        let kinds = [
            CatalogEventKind::Registered,
            CatalogEventKind::Updated,
            CatalogEventKind::Submitted,
            CatalogEventKind::Published,
            CatalogEventKind::PublishRejected,
            CatalogEventKind::RevocationRequested,
            CatalogEventKind::Revoked,
            CatalogEventKind::RevocationRejected,
        ];
        // Whether each reader sees every change of department A's entries.
        for (p, every) in [
            (principal(Some(A), &[Role::Cataloguer]), true),
            (principal(Some(A), &[Role::Consumer]), true),
            (principal(None, &[Role::Admin]), true),
            (
                principal(Some(B), &[Role::Cataloguer, Role::Approver]),
                false,
            ),
            // The auditor reads the published catalogue, as in ListEntries.
            (principal(None, &[Role::Auditor]), false),
            (principal(Some(B), &[Role::Admin]), false),
        ] {
            for kind in kinds {
                let published = matches!(
                    kind,
                    CatalogEventKind::Published | CatalogEventKind::Revoked
                );
                assert_eq!(
                    sees_event(&p, kind, &code(A)),
                    every || published,
                    "{p:?} {kind:?}"
                );
            }
        }
    }
}
