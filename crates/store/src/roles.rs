//! The store's interface, one trait per role: [`IdentityStore`] (departments and
//! credentials), [`CatalogueStore`] (entries, their versions and the change feed),
//! [`SharingStore`] (requests and grants), [`ExchangeStore`] (snapshot records) and
//! [`OperationsStore`] (counts and liveness). A consumer takes the role it uses;
//! [`crate::Store`] is all of them, for the wiring that opens one store and hands it out.
//!
//! Every method that records a change takes the instant it happens at (`at`, or a
//! `created_at` inside the record) from the caller: no backend reads a clock.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use govshare_model::{CreditCode, ResourceCode};
use govshare_sharing::{
    Actor, Decision, GrantId, GrantRecord, NewRequest, RequestId, RequestRecord, SnapshotId,
};

use crate::{
    CatalogEvent, DepartmentRecord, EntryFilter, EntryHeader, GrantFilter, NewEntry, NewSnapshot,
    NewVersion, Page, RequestFilter, Result, SnapshotRecord, StoreStats, TokenRecord,
    VersionRecord,
};

/// Departments, credentials and the platform administrator's first credential: what
/// authentication and administration read and write.
#[async_trait]
pub trait IdentityStore: Send + Sync + std::fmt::Debug + 'static {
    /// Inserts a department; [`crate::StoreError::AlreadyExists`] if the code is taken.
    async fn create_department(&self, department: DepartmentRecord) -> Result<DepartmentRecord>;
    /// The department with this code, if there is one.
    async fn get_department(&self, code: &CreditCode) -> Result<Option<DepartmentRecord>>;
    /// Departments ordered by code, strictly after `after`.
    async fn list_departments(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<DepartmentRecord>>;
    /// Stores a credential keyed by the sha256 digest of its secret;
    /// [`crate::StoreError::AlreadyExists`] if its id or digest is taken.
    async fn insert_token(&self, token: TokenRecord) -> Result<()>;
    /// Stores the platform administrator's first credential unless one was stored before;
    /// returns whether it was stored.
    async fn bootstrap_admin_token(&self, token: TokenRecord) -> Result<bool>;
    /// Whether the platform administrator's first credential was stored.
    async fn admin_bootstrapped(&self) -> Result<bool>;
    /// Looks a credential up by the digest of the presented secret.
    async fn token_by_digest(&self, digest: &str) -> Result<Option<TokenRecord>>;
    /// Marks a credential revoked from `at` on (a second revocation keeps the first instant);
    /// [`crate::StoreError::NotFound`] if there is no such id.
    async fn revoke_token(&self, token_id: &str, at: DateTime<Utc>) -> Result<TokenRecord>;
    /// Whether this process is the only writer of the store's credentials: true when one
    /// process holds the data (sled locks its directory), false when several servers share it
    /// (PostgreSQL). Only then does a copy held in memory stay exact for as long as this
    /// process's own writes keep it up to date.
    fn is_exclusive(&self) -> bool;
}

/// Catalogue entries, their immutable versions and the catalogue's change feed. Every change
/// applies a transition of [`crate::lifecycle`] and appends one event.
#[async_trait]
pub trait CatalogueStore: Send + Sync + std::fmt::Debug + 'static {
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
    /// The header of the entry with this code, if there is one.
    async fn get_entry(&self, code: &ResourceCode) -> Result<Option<EntryHeader>>;
    /// Version `version` of the entry, if it was written.
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
}

/// Sharing requests and the grants they lead to, changed only by the transitions of
/// `govshare_sharing`, each inside one write with the entry state it depends on.
#[async_trait]
pub trait SharingStore: Send + Sync + std::fmt::Debug + 'static {
    /// Numbers and stores a request the policy accepted, with its grant when it was granted
    /// at once. Refused if the entry's published version is no longer the one evaluated
    /// ([`crate::StoreError::VersionConflict`]) or the entry was revoked meanwhile.
    async fn create_request(&self, new: NewRequest)
    -> Result<(RequestRecord, Option<GrantRecord>)>;
    /// The request with this number, if there is one.
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
    /// The grant with this number, if there is one.
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
}

/// The records of published snapshots (their bytes live in the blob store).
#[async_trait]
pub trait ExchangeStore: Send + Sync + std::fmt::Debug + 'static {
    /// Numbers and records a snapshot whose blob is already durable.
    async fn create_snapshot(&self, new: NewSnapshot) -> Result<SnapshotRecord>;
    /// The snapshot with this number, if there is one.
    async fn get_snapshot(&self, id: SnapshotId) -> Result<Option<SnapshotRecord>>;
    /// Snapshots of one entry, newest first, strictly older than `before`.
    async fn list_snapshots(
        &self,
        entry: &ResourceCode,
        before: Option<SnapshotId>,
        limit: usize,
    ) -> Result<Page<SnapshotRecord>>;
}

/// What operators watch: the counts behind the metrics and whether the store still works.
#[async_trait]
pub trait OperationsStore: Send + Sync + std::fmt::Debug + 'static {
    /// Counts by state at `now`, and the size on disk.
    async fn stats(&self, now: DateTime<Utc>) -> Result<StoreStats>;
    /// `Ok` unless the store stopped for good: a failed write it cannot recover from while
    /// the process runs (only a restart brings it back).
    fn check_alive(&self) -> Result<()>;
}
