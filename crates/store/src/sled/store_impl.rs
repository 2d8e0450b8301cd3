//! [`Store`] for [`SledStore`]: each write runs its transaction, then waits for the group
//! commit before it returns.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use govshare_model::{CreditCode, ResourceCode};

use super::SledStore;
use super::catalog::Cause;
use crate::{
    CatalogEvent, DepartmentRecord, EntryFilter, EntryHeader, NewEntry, NewVersion, Page, Result,
    Store, StoreError, TokenRecord, VersionRecord, lifecycle,
};

#[async_trait]
impl Store for SledStore {
    async fn create_department(&self, department: DepartmentRecord) -> Result<DepartmentRecord> {
        self.create_department_now(&department)?;
        self.durable().await?;
        Ok(department)
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
        let _writer = self.writer().await;
        self.insert_token_now(&token)?;
        self.durable().await
    }

    async fn bootstrap_admin_token(&self, token: TokenRecord) -> Result<bool> {
        let stored = {
            let _writer = self.writer().await;
            self.bootstrap_admin_token_now(&token)?
        };
        self.durable().await?;
        Ok(stored)
    }

    async fn admin_bootstrapped(&self) -> Result<bool> {
        self.admin_bootstrapped_now()
    }

    async fn token_by_digest(&self, digest: &str) -> Result<Option<TokenRecord>> {
        self.token_by_digest_now(digest)
    }

    async fn revoke_token(&self, token_id: &str, at: DateTime<Utc>) -> Result<TokenRecord> {
        let record = {
            let _writer = self.writer().await;
            self.revoke_token_now(token_id, at)?
        };
        self.durable().await?;
        Ok(record)
    }

    async fn register_entry(&self, entry: NewEntry) -> Result<(EntryHeader, VersionRecord)> {
        let written = self.register_entry_now(&mut *self.writer().await, &entry)?;
        self.durable().await?;
        Ok(written)
    }

    async fn update_entry(
        &self,
        code: &ResourceCode,
        expected_version: u64,
        version: NewVersion,
    ) -> Result<(EntryHeader, VersionRecord)> {
        let cause = Cause {
            actor: &version.author,
            comment: &version.note,
            at: version.created_at,
        };
        let (header, written) = self.change_entry_now(
            &mut *self.writer().await,
            code,
            &cause,
            Some(&version),
            |h| {
                lifecycle::update(
                    h,
                    expected_version,
                    version.summary.clone(),
                    version.created_at,
                )
            },
        )?;
        self.durable().await?;
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
        let cause = Cause {
            actor,
            comment: "",
            at,
        };
        let (header, _) =
            self.change_entry_now(&mut *self.writer().await, code, &cause, None, |h| {
                lifecycle::submit(h, expected_version, at)
            })?;
        self.durable().await?;
        Ok(header)
    }

    async fn request_revocation(
        &self,
        code: &ResourceCode,
        reason: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<EntryHeader> {
        let cause = Cause {
            actor,
            comment: reason,
            at,
        };
        let (header, _) =
            self.change_entry_now(&mut *self.writer().await, code, &cause, None, |h| {
                lifecycle::request_revocation(h, reason, at)
            })?;
        self.durable().await?;
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
        let cause = Cause { actor, comment, at };
        let (header, _) =
            self.change_entry_now(&mut *self.writer().await, code, &cause, None, |h| {
                lifecycle::review(h, version, approve, comment, at)
            })?;
        self.durable().await?;
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
}
