//! [`Store`] for [`PgStore`]: each write is one transaction (see the module files), each read
//! one statement on a pooled connection.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use govshare_model::{CreditCode, ResourceCode};
use govshare_sharing::{
    Actor, Decision, GrantId, GrantRecord, NewRequest, RequestId, RequestRecord, SnapshotId,
};

use super::PgStore;
use crate::lifecycle::Cause;
use crate::{
    CatalogEvent, DepartmentRecord, EntryFilter, EntryHeader, GrantFilter, NewEntry, NewSnapshot,
    NewVersion, Page, RequestFilter, Result, SnapshotRecord, Store, StoreError, StoreStats,
    TokenRecord, VersionRecord, lifecycle,
};

#[async_trait]
impl Store for PgStore {
    async fn create_department(&self, department: DepartmentRecord) -> Result<DepartmentRecord> {
        self.create_department_now(department).await
    }

    async fn get_department(&self, code: &CreditCode) -> Result<Option<DepartmentRecord>> {
        self.get_department_now(code).await
    }

    async fn list_departments(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<DepartmentRecord>> {
        self.list_departments_now(after, limit).await
    }

    async fn insert_token(&self, token: TokenRecord) -> Result<()> {
        self.insert_token_now(token).await
    }

    async fn bootstrap_admin_token(&self, token: TokenRecord) -> Result<bool> {
        self.bootstrap_admin_token_now(token).await
    }

    async fn admin_bootstrapped(&self) -> Result<bool> {
        self.admin_bootstrapped_now().await
    }

    async fn token_by_digest(&self, digest: &str) -> Result<Option<TokenRecord>> {
        self.token_by_digest_now(digest).await
    }

    async fn revoke_token(&self, token_id: &str, at: DateTime<Utc>) -> Result<TokenRecord> {
        self.revoke_token_now(token_id, at).await
    }

    async fn register_entry(&self, entry: NewEntry) -> Result<(EntryHeader, VersionRecord)> {
        self.register_entry_now(entry).await
    }

    async fn update_entry(
        &self,
        code: &ResourceCode,
        expected_version: u64,
        version: NewVersion,
    ) -> Result<(EntryHeader, VersionRecord)> {
        let cause = Cause::of_version(&version);
        let (header, written) = self
            .change_entry(code, cause, Some(&version), |h| {
                lifecycle::update(
                    h,
                    expected_version,
                    version.summary.clone(),
                    version.created_at,
                )
            })
            .await?;
        let written =
            written.ok_or_else(|| StoreError::Corrupt("update wrote no version".into()))?;
        Ok((header, written))
    }

    async fn submit_entry(
        &self,
        code: &ResourceCode,
        expected_version: u64,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<EntryHeader> {
        let cause = Cause::new(actor, "", at);
        let (header, _) = self
            .change_entry(code, cause, None, |h| {
                lifecycle::submit(h, expected_version, at)
            })
            .await?;
        Ok(header)
    }

    async fn request_revocation(
        &self,
        code: &ResourceCode,
        reason: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<EntryHeader> {
        let cause = Cause::new(actor, reason, at);
        let (header, _) = self
            .change_entry(code, cause, None, |h| {
                lifecycle::request_revocation(h, reason, at)
            })
            .await?;
        Ok(header)
    }

    async fn review_entry(
        &self,
        code: &ResourceCode,
        version: u64,
        approve: bool,
        comment: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<EntryHeader> {
        let cause = Cause::new(actor, comment, at);
        let (header, _) = self
            .change_entry(code, cause, None, |h| {
                lifecycle::review(h, version, approve, comment, at)
            })
            .await?;
        Ok(header)
    }

    async fn get_entry(&self, code: &ResourceCode) -> Result<Option<EntryHeader>> {
        self.get_entry_now(code).await
    }

    async fn get_version(
        &self,
        code: &ResourceCode,
        version: u64,
    ) -> Result<Option<VersionRecord>> {
        self.get_version_now(code, version).await
    }

    async fn list_versions(
        &self,
        code: &ResourceCode,
        after: u64,
        limit: usize,
    ) -> Result<Vec<VersionRecord>> {
        self.list_versions_now(code, after, limit).await
    }

    async fn list_entries(
        &self,
        filter: &EntryFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<EntryHeader>> {
        self.list_entries_now(filter, after, limit).await
    }

    async fn catalog_events(&self, after: u64, limit: usize) -> Result<Vec<CatalogEvent>> {
        self.catalog_events_now(after, limit).await
    }

    async fn create_request(
        &self,
        new: NewRequest,
    ) -> Result<(RequestRecord, Option<GrantRecord>)> {
        self.create_request_now(new).await
    }

    async fn get_request(&self, id: RequestId) -> Result<Option<RequestRecord>> {
        self.get_request_now(id).await
    }

    async fn list_requests(
        &self,
        filter: &RequestFilter,
        after: Option<RequestId>,
        limit: usize,
    ) -> Result<Page<RequestRecord>> {
        self.list_requests_now(filter, after, limit).await
    }

    async fn decide_request(
        &self,
        id: RequestId,
        decision: Decision,
    ) -> Result<(RequestRecord, Option<GrantRecord>)> {
        self.decide_request_now(id, &decision).await
    }

    async fn withdraw_request(
        &self,
        id: RequestId,
        reason: &str,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<RequestRecord> {
        self.withdraw_request_now(id, reason, actor, at).await
    }

    async fn get_grant(&self, id: GrantId) -> Result<Option<GrantRecord>> {
        self.get_grant_now(id).await
    }

    async fn list_grants(
        &self,
        filter: &GrantFilter,
        after: Option<GrantId>,
        limit: usize,
    ) -> Result<Page<GrantRecord>> {
        self.list_grants_now(filter, after, limit).await
    }

    async fn revoke_grant(
        &self,
        id: GrantId,
        reason: &str,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<GrantRecord> {
        self.revoke_grant_now(id, reason, actor, at).await
    }

    async fn create_snapshot(&self, new: NewSnapshot) -> Result<SnapshotRecord> {
        self.create_snapshot_now(new).await
    }

    async fn get_snapshot(&self, id: SnapshotId) -> Result<Option<SnapshotRecord>> {
        self.get_snapshot_now(id).await
    }

    async fn list_snapshots(
        &self,
        entry: &ResourceCode,
        before: Option<SnapshotId>,
        limit: usize,
    ) -> Result<Page<SnapshotRecord>> {
        self.list_snapshots_now(entry, before, limit).await
    }

    async fn stats(&self, now: DateTime<Utc>) -> Result<StoreStats> {
        self.stats_now(now).await
    }
}
