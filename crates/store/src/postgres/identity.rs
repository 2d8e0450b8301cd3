//! Departments and credentials in PostgreSQL: [`IdentityStore`] for [`PgStore`].

use crate::Named;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use govshare_model::CreditCode;

use super::{PgStore, backend, paging};
use crate::codec::{decode, encode};
use crate::{DepartmentRecord, IdentityStore, Page, Result, StoreError, TokenRecord};

#[async_trait]
impl IdentityStore for PgStore {
    async fn create_department(&self, d: DepartmentRecord) -> Result<DepartmentRecord> {
        let client = self.client().await?;
        let inserted = client
            .execute(
                "INSERT INTO departments (code, record) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&d.code.as_str(), &encode(&d)?],
            )
            .await
            .map_err(backend)?;
        if inserted == 0 {
            return Err(StoreError::AlreadyExists(Named::Department(
                d.code.to_string(),
            )));
        }
        Ok(d)
    }

    async fn get_department(&self, code: &CreditCode) -> Result<Option<DepartmentRecord>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT record FROM departments WHERE code = $1",
                &[&code.as_str()],
            )
            .await
            .map_err(backend)?;
        row.map(|r| decode(r.get::<_, &[u8]>(0))).transpose()
    }

    async fn list_departments(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<DepartmentRecord>> {
        let client = self.client().await?;
        paging::page(
            &client,
            "SELECT code, record FROM departments WHERE code > $1 ORDER BY code LIMIT $2",
            after.unwrap_or_default().to_owned(),
            &[],
            limit,
            |_: &DepartmentRecord| true,
            |d| d.code.to_string(),
        )
        .await
    }

    async fn insert_token(&self, token: TokenRecord) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        put_new_token(&tx, &token).await?;
        tx.commit().await.map_err(backend)
    }

    async fn bootstrap_admin_token(&self, token: TokenRecord) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        // A concurrent bootstrap waits on the row until this one ends, then inserts nothing.
        let claimed = tx
            .execute(
                "INSERT INTO admin_bootstrap (token_id) VALUES ($1) ON CONFLICT DO NOTHING",
                &[&token.id],
            )
            .await
            .map_err(backend)?;
        if claimed == 0 {
            return Ok(false);
        }
        put_new_token(&tx, &token).await?;
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }

    async fn admin_bootstrapped(&self) -> Result<bool> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT 1 FROM admin_bootstrap", &[])
            .await
            .map_err(backend)?;
        Ok(row.is_some())
    }

    async fn token_by_digest(&self, digest: &str) -> Result<Option<TokenRecord>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached("SELECT record FROM tokens WHERE digest = $1")
            .await
            .map_err(backend)?;
        let row = client
            .query_opt(&statement, &[&digest])
            .await
            .map_err(backend)?;
        row.map(|r| decode(r.get::<_, &[u8]>(0))).transpose()
    }

    async fn revoke_token(&self, token_id: &str, at: DateTime<Utc>) -> Result<TokenRecord> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        let row = tx
            .query_opt(
                "SELECT record FROM tokens WHERE id = $1 FOR UPDATE",
                &[&token_id],
            )
            .await
            .map_err(backend)?
            .ok_or_else(|| StoreError::NotFound(Named::Token(token_id.to_string())))?;
        let mut record: TokenRecord = decode(row.get::<_, &[u8]>(0))?;
        if record.revoked_at.is_none() {
            record.revoked_at = Some(at);
            tx.execute(
                "UPDATE tokens SET record = $2 WHERE id = $1",
                &[&token_id, &encode(&record)?],
            )
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(record)
    }

    /// Other servers write to the same database.
    fn is_exclusive(&self) -> bool {
        false
    }
}

/// Inserts a credential inside `tx`; [`StoreError::AlreadyExists`] if its id or digest is
/// taken.
async fn put_new_token(tx: &deadpool_postgres::Transaction<'_>, token: &TokenRecord) -> Result<()> {
    let inserted = tx
        .execute(
            "INSERT INTO tokens (digest, id, record) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
            &[&token.digest, &token.id, &encode(token)?],
        )
        .await
        .map_err(backend)?;
    if inserted == 0 {
        return Err(StoreError::AlreadyExists(Named::Token(token.id.clone())));
    }
    Ok(())
}
