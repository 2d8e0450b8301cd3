//! Schemas: one database may hold several govshare installations (or test runs), each in its
//! own schema, chosen by the connection URL's `search_path`.

use std::str::FromStr as _;

use tokio_postgres::NoTls;

use super::backend;
use crate::{Result, StoreError};

/// `url` with `schema` as the connections' `search_path`.
pub fn url_with_schema(url: &str, schema: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-csearch_path%3D{schema}")
}

/// Creates `schema` (letters, digits and `_` only) in the database at `url`, if missing.
pub async fn create_schema(url: &str, schema: &str) -> Result<()> {
    run_on(
        url,
        &format!("CREATE SCHEMA IF NOT EXISTS {}", checked(schema)?),
    )
    .await
}

/// Drops `schema` and everything in it.
pub async fn drop_schema(url: &str, schema: &str) -> Result<()> {
    run_on(
        url,
        &format!("DROP SCHEMA IF EXISTS {} CASCADE", checked(schema)?),
    )
    .await
}

fn checked(schema: &str) -> Result<&str> {
    let valid = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !schema.as_bytes()[0].is_ascii_digit();
    if valid {
        Ok(schema)
    } else {
        Err(StoreError::Backend(format!(
            "schema name {schema:?}: use lower-case letters, digits and _ (not first)"
        )))
    }
}

async fn run_on(url: &str, sql: &str) -> Result<()> {
    let config = tokio_postgres::Config::from_str(url)
        .map_err(|e| StoreError::Backend(format!("the PostgreSQL URL is not valid: {e}")))?;
    let (client, connection) = config.connect(NoTls).await.map_err(backend)?;
    let driver = tokio::spawn(connection);
    let result = client.batch_execute(sql).await.map_err(backend);
    drop(client);
    let _ = driver.await;
    result
}
