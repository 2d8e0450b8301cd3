//! Departments and credentials in sled.

use chrono::{DateTime, Utc};
use govshare_model::CreditCode;
use sled::Transactional;

use super::SledStore;
use super::codec::{abort, decode, encode, finish};
use crate::{DepartmentRecord, Page, Result, StoreError, TokenRecord};

const ADMIN_BOOTSTRAPPED: &[u8] = b"admin_bootstrapped";

impl SledStore {
    pub(super) fn create_department_now(&self, d: &DepartmentRecord) -> Result<()> {
        let key = d.code.as_str().as_bytes();
        let value = encode(d)?;
        let previous =
            self.departments
                .compare_and_swap(key, None as Option<&[u8]>, Some(value))?;
        previous.map_err(|_| StoreError::AlreadyExists(format!("department {}", d.code)))
    }

    pub(super) fn get_department_now(&self, code: &CreditCode) -> Result<Option<DepartmentRecord>> {
        self.departments
            .get(code.as_str().as_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    pub(super) fn list_departments_now(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<DepartmentRecord>> {
        let range = match after {
            Some(after) => self.departments.range(after_key(after)..),
            None => self.departments.iter(),
        };
        let mut items = Vec::new();
        let mut next = None;
        for kv in range {
            let (_, value) = kv?;
            let record: DepartmentRecord = decode(&value)?;
            if items.len() == limit {
                next = items.last().map(|d: &DepartmentRecord| d.code.to_string());
                break;
            }
            items.push(record);
        }
        Ok(Page { items, next })
    }

    pub(super) fn insert_token_now(&self, token: &TokenRecord) -> Result<()> {
        let value = encode(token)?;
        finish(
            (&self.tokens, &self.token_ids).transaction(|(tokens, ids)| {
                if ids.get(token.id.as_bytes())?.is_some() {
                    return Err(abort(StoreError::AlreadyExists(format!(
                        "token {}",
                        token.id
                    ))));
                }
                tokens.insert(token.digest.as_bytes(), value.clone())?;
                ids.insert(token.id.as_bytes(), token.digest.as_bytes())?;
                Ok(())
            }),
        )
    }

    pub(super) fn bootstrap_admin_token_now(&self, token: &TokenRecord) -> Result<bool> {
        let value = encode(token)?;
        finish(
            (&self.tokens, &self.token_ids, &self.meta).transaction(|(tokens, ids, meta)| {
                if meta.get(ADMIN_BOOTSTRAPPED)?.is_some() {
                    return Ok(false);
                }
                tokens.insert(token.digest.as_bytes(), value.clone())?;
                ids.insert(token.id.as_bytes(), token.digest.as_bytes())?;
                meta.insert(ADMIN_BOOTSTRAPPED, token.id.as_bytes())?;
                Ok(true)
            }),
        )
    }

    pub(super) fn admin_bootstrapped_now(&self) -> Result<bool> {
        Ok(self.meta.get(ADMIN_BOOTSTRAPPED)?.is_some())
    }

    pub(super) fn token_by_digest_now(&self, digest: &str) -> Result<Option<TokenRecord>> {
        self.tokens
            .get(digest.as_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    pub(super) fn revoke_token_now(
        &self,
        token_id: &str,
        at: DateTime<Utc>,
    ) -> Result<TokenRecord> {
        finish(
            (&self.tokens, &self.token_ids).transaction(|(tokens, ids)| {
                let not_found = || abort(StoreError::NotFound(format!("token {token_id}")));
                let digest = ids.get(token_id.as_bytes())?.ok_or_else(not_found)?;
                let value = tokens.get(&digest)?.ok_or_else(not_found)?;
                let mut record: TokenRecord = decode(&value).map_err(abort)?;
                if record.revoked_at.is_none() {
                    record.revoked_at = Some(at);
                    tokens.insert(&digest, encode(&record).map_err(abort)?)?;
                }
                Ok(record)
            }),
        )
    }
}

/// The smallest key strictly greater than `key`.
pub(super) fn after_key(key: &str) -> Vec<u8> {
    let mut k = key.as_bytes().to_vec();
    k.push(0);
    k
}
