//! The tables of the PostgreSQL log and their embedded migrations, applied at connect under a
//! transaction-scoped advisory lock so that servers starting together do not race. Tables are
//! created in the connection's current schema (the first of its `search_path`).
//!
//! - `access_log_records`: one row per record. `canonical` holds the exact bytes that are
//!   hashed (as in a segment file), `hash` the chain hash; the other columns repeat fields of
//!   the record for the query filters, and verification checks they agree with `canonical`.
//! - `access_log_head`: one row, the last record's seq and hash. The appending transaction
//!   locks it (`FOR UPDATE`), which orders appends from every server into one chain.
//! - `access_log_schema_version`: which migrations have been applied.

use deadpool_postgres::Client;

use crate::error::AuditError;
use crate::postgres::db;

/// The advisory lock held while migrating ("govshare" in ASCII).
const MIGRATION_LOCK: i64 = 0x676f_7673_6861_7265;

/// The migrations, in order; the version of each is its position from 1. Never edit one that
/// has shipped: add another.
const MIGRATIONS: [&str; 1] = [
    // Text columns cannot hold NUL: they hold the field with each NUL replaced (see
    // `column_text`). Times are µs since the epoch, as in the canonical bytes (the range of
    // a record's time is wider than that of `timestamptz`).
    "CREATE TABLE IF NOT EXISTS access_log_records (
         seq             BIGINT PRIMARY KEY CHECK (seq > 0),
         hash            BYTEA  NOT NULL,
         canonical       BYTEA  NOT NULL,
         time_micros     BIGINT NOT NULL,
         department_code TEXT   NOT NULL,
         method          TEXT   NOT NULL,
         method_name     TEXT   NOT NULL,
         target          TEXT   NOT NULL,
         owner_code      TEXT   NOT NULL,
         outcome         BIGINT NOT NULL
     );
     CREATE TABLE IF NOT EXISTS access_log_head (
         one  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
         seq  BIGINT NOT NULL,
         hash BYTEA  NOT NULL
     );
     INSERT INTO access_log_head (one, seq, hash)
         VALUES (TRUE, 0, '\\x0000000000000000000000000000000000000000000000000000000000000000')
         ON CONFLICT DO NOTHING;",
];

/// Brings the tables of the current schema up to date.
pub(crate) async fn migrate(client: &mut Client) -> Result<(), AuditError> {
    let action = "creating the access log tables";
    let tx = client.transaction().await.map_err(db(action))?;
    tx.batch_execute(&format!(
        "SELECT pg_advisory_xact_lock({MIGRATION_LOCK});
         CREATE TABLE IF NOT EXISTS access_log_schema_version (
             version    INTEGER PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         );"
    ))
    .await
    .map_err(db(action))?;
    let row = tx
        .query_one(
            "SELECT COALESCE(max(version), 0) FROM access_log_schema_version",
            &[],
        )
        .await
        .map_err(db(action))?;
    let current: i32 = row.try_get(0).map_err(db(action))?;
    let known = MIGRATIONS.len() as i32;
    if current > known {
        return Err(AuditError::Database {
            action,
            message: format!(
                "数据库中的访问日志版本 {current} 高于本程序支持的 {known} (the access log tables \
                 are at version {current}, newer than this server's {known}: upgrade the server)"
            ),
        });
    }
    for (version, sql) in (1..).zip(MIGRATIONS).skip(current as usize) {
        tx.batch_execute(sql).await.map_err(db(action))?;
        tx.execute(
            "INSERT INTO access_log_schema_version (version) VALUES ($1)",
            &[&version],
        )
        .await
        .map_err(db(action))?;
        tracing::info!(version, "access log tables migrated");
    }
    tx.commit().await.map_err(db(action))
}
