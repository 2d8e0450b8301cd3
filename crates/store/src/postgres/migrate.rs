//! The schema, as numbered SQL files embedded in the binary and applied in order at connect.
//! Servers starting together take a transaction-scoped advisory lock, so each migration runs
//! once; a database migrated by a newer govshare is refused rather than written wrongly.

use deadpool_postgres::Object;

use super::backend;
use crate::{Result, StoreError};

/// (number, SQL), in order. Applied migrations are never edited: a change is a new file.
const MIGRATIONS: &[(i32, &str)] = &[(1, include_str!("migrations/0001_records.sql"))];

/// The advisory lock key of migrations ("govshare" in ASCII).
const LOCK_KEY: i64 = 0x676f_7673_6861_7265;

/// Brings the schema of the connection's current schema up to date.
pub(super) async fn apply(client: &mut Object) -> Result<()> {
    let tx = client.transaction().await.map_err(backend)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .await
        .map_err(backend)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS store_migrations (
             version INT PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .await
    .map_err(backend)?;
    let applied: Option<i32> = tx
        .query_one("SELECT max(version) FROM store_migrations", &[])
        .await
        .map_err(backend)?
        .get(0);
    let applied = applied.unwrap_or(0);
    let known = MIGRATIONS.last().map_or(0, |(n, _)| *n);
    if applied > known {
        return Err(StoreError::Backend(format!(
            "数据库结构版本过新 the database schema is at version {applied}, newer than this \
             govshare knows ({known}): upgrade govshare"
        )));
    }
    for (number, sql) in MIGRATIONS.iter().filter(|(n, _)| *n > applied) {
        tx.batch_execute(sql).await.map_err(backend)?;
        tx.execute(
            "INSERT INTO store_migrations (version) VALUES ($1)",
            &[number],
        )
        .await
        .map_err(backend)?;
        tracing::info!(migration = number, "applied a store migration");
    }
    tx.commit().await.map_err(backend)
}
