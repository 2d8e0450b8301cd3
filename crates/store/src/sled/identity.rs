//! Departments and credentials in sled.

use chrono::{DateTime, Utc};
use govshare_model::CreditCode;

use super::SledStore;
use super::commit::Change;
use super::keys;
use crate::codec::{decode, encode};
use crate::{DepartmentRecord, Page, Result, StoreError, TokenRecord};

impl SledStore {
    pub(super) fn get_department_now(&self, code: &CreditCode) -> Result<Option<DepartmentRecord>> {
        self.tree
            .get(keys::key(keys::DEPARTMENT, code.as_str()))?
            .map(|v| decode(&v))
            .transpose()
    }

    pub(super) fn list_departments_now(
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

    /// Records under `prefix` after `after`, that `accept` takes, at most `limit`.
    pub(super) fn page<T: serde::de::DeserializeOwned>(
        &self,
        prefix: &[u8],
        after: Option<&str>,
        limit: usize,
        accept: impl Fn(&T) -> bool,
        id: impl Fn(&T) -> String,
    ) -> Result<Page<T>> {
        let start = match after {
            Some(after) => keys::after(prefix, after),
            None => prefix.to_vec(),
        };
        let mut items: Vec<T> = Vec::new();
        let mut next = None;
        for kv in self.tree.range(start..) {
            let (key, value) = kv?;
            if !key.starts_with(prefix) {
                break;
            }
            let record: T = decode(&value)?;
            if !accept(&record) {
                continue;
            }
            if items.len() == limit {
                next = items.last().map(&id);
                break;
            }
            items.push(record);
        }
        Ok(Page { items, next })
    }

    pub(super) fn admin_bootstrapped_now(&self) -> Result<bool> {
        Ok(self.tree.contains_key(keys::ADMIN_BOOTSTRAPPED)?)
    }

    pub(super) fn token_by_digest_now(&self, digest: &str) -> Result<Option<TokenRecord>> {
        self.tree
            .get(keys::key(keys::TOKEN, digest))?
            .map(|v| decode(&v))
            .transpose()
    }
}

pub(super) fn create_department(change: &mut Change<'_, '_>, d: &DepartmentRecord) -> Result<()> {
    let key = keys::key(keys::DEPARTMENT, d.code.as_str());
    if change.contains(&key)? {
        return Err(StoreError::AlreadyExists(format!("department {}", d.code)));
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
        return Err(StoreError::AlreadyExists(format!("token {}", token.id)));
    }
    Ok(())
}

pub(super) fn insert_token(change: &mut Change<'_, '_>, token: &TokenRecord) -> Result<()> {
    check_new_token(change, token)?;
    put_token(change, token)
}

pub(super) fn bootstrap_admin_token(
    change: &mut Change<'_, '_>,
    token: &TokenRecord,
) -> Result<bool> {
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

pub(super) fn revoke_token(
    change: &mut Change<'_, '_>,
    token_id: &str,
    at: DateTime<Utc>,
) -> Result<TokenRecord> {
    let not_found = || StoreError::NotFound(format!("token {token_id}"));
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
