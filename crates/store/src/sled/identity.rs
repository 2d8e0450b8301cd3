//! Departments and credentials in sled: [`IdentityStore`] for [`SledStore`], each write a
//! change the writer thread decides and makes durable with its group.

use crate::Named;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use govshare_model::CreditCode;

use super::SledStore;
use super::commit::Change;
use super::keys;
use crate::codec::{decode, encode};
use crate::{DepartmentRecord, IdentityStore, Page, Result, StoreError, TokenRecord};

#[async_trait]
impl IdentityStore for SledStore {
    async fn create_department(&self, department: DepartmentRecord) -> Result<DepartmentRecord> {
        self.writer
            .write(move |change| {
                create_department(change, &department)?;
                Ok(department)
            })
            .await
    }

    async fn get_department(&self, code: &CreditCode) -> Result<Option<DepartmentRecord>> {
        self.tree
            .get(keys::key(keys::DEPARTMENT, code.as_str()))?
            .map(|v| decode(&v))
            .transpose()
    }

    async fn list_departments(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<DepartmentRecord>> {
        self.page(
            keys::DEPARTMENT,
            after,
            limit,
            |_: &DepartmentRecord| true,
            |d| d.code.to_string(),
        )
    }

    async fn insert_token(&self, token: TokenRecord) -> Result<()> {
        self.writer
            .write(move |change| insert_token(change, &token))
            .await
    }

    async fn bootstrap_admin_token(&self, token: TokenRecord) -> Result<bool> {
        self.writer
            .write(move |change| bootstrap_admin_token(change, &token))
            .await
    }

    async fn admin_bootstrapped(&self) -> Result<bool> {
        Ok(self.tree.contains_key(keys::ADMIN_BOOTSTRAPPED)?)
    }

    async fn token_by_digest(&self, digest: &str) -> Result<Option<TokenRecord>> {
        self.tree
            .get(keys::key(keys::TOKEN, digest))?
            .map(|v| decode(&v))
            .transpose()
    }

    async fn revoke_token(&self, token_id: &str, at: DateTime<Utc>) -> Result<TokenRecord> {
        let token_id = token_id.to_owned();
        self.writer
            .write(move |change| revoke_token(change, &token_id, at))
            .await
    }

    /// One process holds the data directory's lock.
    fn is_exclusive(&self) -> bool {
        true
    }
}

fn create_department(change: &mut Change<'_, '_>, d: &DepartmentRecord) -> Result<()> {
    let key = keys::key(keys::DEPARTMENT, d.code.as_str());
    if change.contains(&key)? {
        return Err(StoreError::AlreadyExists(Named::Department(
            d.code.to_string(),
        )));
    }
    change.insert(key, encode(d)?);
    Ok(())
}

fn put_token(change: &mut Change<'_, '_>, token: &TokenRecord) -> Result<()> {
    change.insert(keys::key(keys::TOKEN, &token.digest), encode(token)?);
    change.insert(
        keys::key(keys::TOKEN_ID, &token.id),
        token.digest.as_bytes().to_vec(),
    );
    Ok(())
}

fn check_new_token(change: &Change<'_, '_>, token: &TokenRecord) -> Result<()> {
    if change.contains(&keys::key(keys::TOKEN_ID, &token.id))?
        || change.contains(&keys::key(keys::TOKEN, &token.digest))?
    {
        return Err(StoreError::AlreadyExists(Named::Token(token.id.clone())));
    }
    Ok(())
}

fn insert_token(change: &mut Change<'_, '_>, token: &TokenRecord) -> Result<()> {
    check_new_token(change, token)?;
    put_token(change, token)
}

fn bootstrap_admin_token(change: &mut Change<'_, '_>, token: &TokenRecord) -> Result<bool> {
    if change.contains(keys::ADMIN_BOOTSTRAPPED)? {
        return Ok(false);
    }
    check_new_token(change, token)?;
    put_token(change, token)?;
    change.insert(
        keys::ADMIN_BOOTSTRAPPED.to_vec(),
        token.id.as_bytes().to_vec(),
    );
    Ok(true)
}

fn revoke_token(
    change: &mut Change<'_, '_>,
    token_id: &str,
    at: DateTime<Utc>,
) -> Result<TokenRecord> {
    let not_found = || StoreError::NotFound(Named::Token(token_id.to_string()));
    let digest = change
        .get(&keys::key(keys::TOKEN_ID, token_id))?
        .ok_or_else(not_found)?;
    let digest = std::str::from_utf8(&digest)
        .map_err(|_| StoreError::Corrupt(format!("digest of token {token_id}")))?;
    let key = keys::key(keys::TOKEN, digest);
    let mut record: TokenRecord = change
        .get(&key)?
        .map(|v| decode(&v))
        .transpose()?
        .ok_or_else(not_found)?;
    if record.revoked_at.is_none() {
        record.revoked_at = Some(at);
        change.insert(key, encode(&record)?);
    }
    Ok(record)
}
