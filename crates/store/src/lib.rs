//! Storage for govshare: the [`Store`] trait every backend implements, the records it keeps,
//! the pure entry lifecycle shared by all backends, and two backends: [`sled`], embedded (the
//! default), and [`postgres`], a database speaking the PostgreSQL protocol that several
//! servers share. Sharing requests and grants are the records of `govshare_sharing`, whose
//! transitions every backend applies inside its own write.
//!
//! Every write method returns only after the write is durable: sled groups concurrent writers
//! into one flush, PostgreSQL commits each write's transaction (and groups the commits).
//! `tests/suite` is the behaviour both must show, run against each.

mod codec;
mod error;
mod exchange;
pub mod lifecycle;
pub mod postgres;
mod records;
mod sharing;
pub mod sled;
mod stats;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use govshare_model::{CreditCode, ResourceCode};
use govshare_sharing::{
    Actor, Decision, GrantId, GrantRecord, NewRequest, RequestId, RequestRecord, SnapshotId,
};

pub use error::StoreError;
pub use exchange::{NewSnapshot, SnapshotRecord};
pub use records::{
    CatalogEvent, CatalogEventKind, DepartmentRecord, EntryFilter, EntryHeader, EntrySummary,
    NewEntry, NewVersion, TokenRecord, VersionRecord, Visibility,
};
pub use sharing::{GrantFilter, Party, RequestFilter};
pub use stats::StoreStats;

/// The result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A page of results and the key to continue after, if there is more.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// Everything govshare keeps. Implementations must make each write atomic and durable before
/// returning, and must never overwrite an immutable version.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    // --- departments -------------------------------------------------------------------
    /// Inserts a department; [`StoreError::AlreadyExists`] if the code is taken.
    async fn create_department(&self, department: DepartmentRecord) -> Result<DepartmentRecord>;
    async fn get_department(&self, code: &CreditCode) -> Result<Option<DepartmentRecord>>;
    /// Departments ordered by code, strictly after `after`.
    async fn list_departments(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<DepartmentRecord>>;

    // --- credentials -------------------------------------------------------------------
    /// Stores a credential keyed by the sha256 digest of its secret.
    async fn insert_token(&self, token: TokenRecord) -> Result<()>;
    /// Stores the platform administrator's first credential unless one was stored before;
    /// returns whether it was stored.
    async fn bootstrap_admin_token(&self, token: TokenRecord) -> Result<bool>;
    /// Whether the platform administrator's first credential was stored.
    async fn admin_bootstrapped(&self) -> Result<bool>;
    /// `Ok` unless the store stopped for good: a failed write it cannot recover from while
    /// the process runs (only a restart brings it back).
    fn check_alive(&self) -> Result<()> {
        Ok(())
    }
    /// Looks a credential up by the digest of the presented secret.
    async fn token_by_digest(&self, digest: &str) -> Result<Option<TokenRecord>>;
    /// Marks a credential revoked; [`StoreError::NotFound`] if there is no such id.
    async fn revoke_token(&self, token_id: &str, at: DateTime<Utc>) -> Result<TokenRecord>;

    // --- catalogue ---------------------------------------------------------------------
    /// Assigns the next 顺序码 under the entry's 分类码 and stores version 1 as a DRAFT.
    async fn register_entry(&self, entry: NewEntry) -> Result<(EntryHeader, VersionRecord)>;
    /// Appends a new head version if `expected_version` is still the head.
    async fn update_entry(
        &self,
        code: &ResourceCode,
        expected_version: u64,
        version: NewVersion,
    ) -> Result<(EntryHeader, VersionRecord)>;
    /// Sends the head version to review.
    async fn submit_entry(
        &self,
        code: &ResourceCode,
        expected_version: u64,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<EntryHeader>;
    /// Asks for a published entry's revocation.
    async fn request_revocation(
        &self,
        code: &ResourceCode,
        reason: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<EntryHeader>;
    /// Decides the pending review of `version`.
    async fn review_entry(
        &self,
        code: &ResourceCode,
        version: u64,
        approve: bool,
        comment: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<EntryHeader>;
    async fn get_entry(&self, code: &ResourceCode) -> Result<Option<EntryHeader>>;
    async fn get_version(&self, code: &ResourceCode, version: u64)
    -> Result<Option<VersionRecord>>;
    /// Versions in ascending order, strictly after `after`.
    async fn list_versions(
        &self,
        code: &ResourceCode,
        after: u64,
        limit: usize,
    ) -> Result<Vec<VersionRecord>>;
    /// Entry headers ordered by code, strictly after `after`, that `filter` accepts.
    async fn list_entries(
        &self,
        filter: &EntryFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<EntryHeader>>;
    /// Catalogue change events with a sequence number greater than `after`, in order.
    async fn catalog_events(&self, after: u64, limit: usize) -> Result<Vec<CatalogEvent>>;

    // --- sharing -----------------------------------------------------------------------
    /// Numbers and stores a request the policy accepted, with its grant when it was granted
    /// at once. Refused if the entry's published version is no longer the one evaluated
    /// ([`StoreError::VersionConflict`]) or the entry was revoked meanwhile.
    async fn create_request(&self, new: NewRequest)
    -> Result<(RequestRecord, Option<GrantRecord>)>;
    async fn get_request(&self, id: RequestId) -> Result<Option<RequestRecord>>;
    /// Requests ordered by number, strictly after `after`, that `filter` accepts.
    async fn list_requests(
        &self,
        filter: &RequestFilter,
        after: Option<RequestId>,
        limit: usize,
    ) -> Result<Page<RequestRecord>>;
    /// Applies a checked decision if the request is still pending and, for an approval, the
    /// entry's published version is still the one checked; an approval stores the grant.
    async fn decide_request(
        &self,
        id: RequestId,
        decision: Decision,
    ) -> Result<(RequestRecord, Option<GrantRecord>)>;
    /// The requester takes back a pending request.
    async fn withdraw_request(
        &self,
        id: RequestId,
        reason: &str,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<RequestRecord>;
    async fn get_grant(&self, id: GrantId) -> Result<Option<GrantRecord>>;
    /// Grants ordered by number, strictly after `after`, that `filter` accepts.
    async fn list_grants(
        &self,
        filter: &GrantFilter,
        after: Option<GrantId>,
        limit: usize,
    ) -> Result<Page<GrantRecord>>;
    /// Ends an active grant from `at` on.
    async fn revoke_grant(
        &self,
        id: GrantId,
        reason: &str,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<GrantRecord>;

    // --- exchange ----------------------------------------------------------------------
    /// Numbers and records a snapshot whose blob is already durable.
    async fn create_snapshot(&self, new: NewSnapshot) -> Result<SnapshotRecord>;
    async fn get_snapshot(&self, id: SnapshotId) -> Result<Option<SnapshotRecord>>;
    /// Snapshots of one entry, newest first, strictly older than `before`.
    async fn list_snapshots(
        &self,
        entry: &ResourceCode,
        before: Option<SnapshotId>,
        limit: usize,
    ) -> Result<Page<SnapshotRecord>>;

    // --- operations --------------------------------------------------------------------
    /// Counts by state at `now`, and the size on disk.
    async fn stats(&self, now: DateTime<Utc>) -> Result<StoreStats>;
}
