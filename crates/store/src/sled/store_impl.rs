//! [`Store`] for [`SledStore`]: each write is a change run by the writer thread, which
//! replies once the change's group is durable.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use govshare_model::{CreditCode, ResourceCode};
use govshare_sharing::{
    Actor, Decision, GrantId, GrantRecord, NewRequest, RequestId, RequestRecord, SnapshotId,
};

use super::catalog;
use super::{SledStore, exchange, identity, sharing};
use crate::lifecycle::Cause;
use crate::{
    CatalogEvent, DepartmentRecord, EntryFilter, EntryHeader, GrantFilter, NewEntry, NewSnapshot,
    NewVersion, Page, RequestFilter, Result, SnapshotRecord, Store, StoreError, StoreStats,
    TokenRecord, VersionRecord, lifecycle,
};

#[async_trait]
impl Store for SledStore {
    async fn create_department(&self, department: DepartmentRecord) -> Result<DepartmentRecord> {
        self.writer
            .write(move |change| {
                identity::create_department(change, &department)?;
                Ok(department)
            })
            .await
    }

    async fn get_department(&self, code: &CreditCode) -> Result<Option<DepartmentRecord>> {
        self.get_department_now(code)
    }

    async fn list_departments(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<DepartmentRecord>> {
        self.list_departments_now(after, limit)
    }

    async fn insert_token(&self, token: TokenRecord) -> Result<()> {
        self.writer
            .write(move |change| identity::insert_token(change, &token))
            .await
    }

    async fn bootstrap_admin_token(&self, token: TokenRecord) -> Result<bool> {
        self.writer
            .write(move |change| identity::bootstrap_admin_token(change, &token))
            .await
    }

    async fn admin_bootstrapped(&self) -> Result<bool> {
        self.admin_bootstrapped_now()
    }

    fn check_alive(&self) -> Result<()> {
        match self.writer.stopped() {
            None => Ok(()),
            Some(e) => Err(StoreError::Backend(format!(
                "the embedded store stopped after a failed write ({e}); restart the server"
            ))),
        }
    }

    async fn token_by_digest(&self, digest: &str) -> Result<Option<TokenRecord>> {
        self.token_by_digest_now(digest)
    }

    async fn revoke_token(&self, token_id: &str, at: DateTime<Utc>) -> Result<TokenRecord> {
        let token_id = token_id.to_owned();
        self.writer
            .write(move |change| identity::revoke_token(change, &token_id, at))
            .await
    }

    async fn register_entry(&self, entry: NewEntry) -> Result<(EntryHeader, VersionRecord)> {
        self.writer
            .write(move |change| catalog::register_entry(change, entry))
            .await
    }

    async fn update_entry(
        &self,
        code: &ResourceCode,
        expected_version: u64,
        version: NewVersion,
    ) -> Result<(EntryHeader, VersionRecord)> {
        let code = code.clone();
        let cause = Cause::of_version(&version);
        let (header, written) = self
            .writer
            .write(move |change| {
                catalog::change_entry(change, &code, cause, Some(&version), |h| {
                    lifecycle::update(
                        h,
                        expected_version,
                        version.summary.clone(),
                        version.created_at,
                    )
                })
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
        let code = code.clone();
        let cause = Cause::new(actor, "", at);
        let (header, _) = self
            .writer
            .write(move |change| {
                catalog::change_entry(change, &code, cause, None, |h| {
                    lifecycle::submit(h, expected_version, at)
                })
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
        let code = code.clone();
        let reason = reason.to_owned();
        let cause = Cause::new(actor, &reason, at);
        let (header, _) = self
            .writer
            .write(move |change| {
                catalog::change_entry(change, &code, cause, None, |h| {
                    lifecycle::request_revocation(h, &reason, at)
                })
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
        let code = code.clone();
        let cause_comment = comment.to_owned();
        let cause = Cause::new(actor, comment, at);
        let (header, _) = self
            .writer
            .write(move |change| {
                catalog::change_entry(change, &code, cause, None, |h| {
                    lifecycle::review(h, version, approve, &cause_comment, at)
                })
            })
            .await?;
        Ok(header)
    }

    async fn get_entry(&self, code: &ResourceCode) -> Result<Option<EntryHeader>> {
        self.get_entry_now(code)
    }

    async fn get_version(
        &self,
        code: &ResourceCode,
        version: u64,
    ) -> Result<Option<VersionRecord>> {
        self.get_version_now(code, version)
    }

    async fn list_versions(
        &self,
        code: &ResourceCode,
        after: u64,
        limit: usize,
    ) -> Result<Vec<VersionRecord>> {
        self.list_versions_now(code, after, limit)
    }

    async fn list_entries(
        &self,
        filter: &EntryFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<EntryHeader>> {
        self.list_entries_now(filter, after, limit)
    }

    async fn catalog_events(&self, after: u64, limit: usize) -> Result<Vec<CatalogEvent>> {
        self.catalog_events_now(after, limit)
    }

    async fn create_request(
        &self,
        new: NewRequest,
    ) -> Result<(RequestRecord, Option<GrantRecord>)> {
        self.writer
            .write(move |change| sharing::create_request(change, new))
            .await
    }

    async fn get_request(&self, id: RequestId) -> Result<Option<RequestRecord>> {
        self.get_request_now(id)
    }

    async fn list_requests(
        &self,
        filter: &RequestFilter,
        after: Option<RequestId>,
        limit: usize,
    ) -> Result<Page<RequestRecord>> {
        self.list_requests_now(filter, after, limit)
    }

    async fn decide_request(
        &self,
        id: RequestId,
        decision: Decision,
    ) -> Result<(RequestRecord, Option<GrantRecord>)> {
        self.writer
            .write(move |change| sharing::decide_request(change, id, &decision))
            .await
    }

    async fn withdraw_request(
        &self,
        id: RequestId,
        reason: &str,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<RequestRecord> {
        let reason = reason.to_owned();
        self.writer
            .write(move |change| sharing::withdraw_request(change, id, &reason, actor, at))
            .await
    }

    async fn get_grant(&self, id: GrantId) -> Result<Option<GrantRecord>> {
        self.get_grant_now(id)
    }

    async fn list_grants(
        &self,
        filter: &GrantFilter,
        after: Option<GrantId>,
        limit: usize,
    ) -> Result<Page<GrantRecord>> {
        self.list_grants_now(filter, after, limit)
    }

    async fn revoke_grant(
        &self,
        id: GrantId,
        reason: &str,
        actor: Actor,
        at: DateTime<Utc>,
    ) -> Result<GrantRecord> {
        let reason = reason.to_owned();
        self.writer
            .write(move |change| sharing::revoke_grant(change, id, &reason, actor, at))
            .await
    }

    async fn create_snapshot(&self, new: NewSnapshot) -> Result<SnapshotRecord> {
        self.writer
            .write(move |change| exchange::create_snapshot(change, new))
            .await
    }

    async fn get_snapshot(&self, id: SnapshotId) -> Result<Option<SnapshotRecord>> {
        self.get_snapshot_now(id)
    }

    async fn list_snapshots(
        &self,
        entry: &ResourceCode,
        before: Option<SnapshotId>,
        limit: usize,
    ) -> Result<Page<SnapshotRecord>> {
        self.list_snapshots_now(entry, before, limit)
    }

    async fn stats(&self, now: DateTime<Utc>) -> Result<StoreStats> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.stats_now(now))
            .await
            .map_err(|e| StoreError::Backend(format!("counting the store failed: {e}")))?
    }
}
