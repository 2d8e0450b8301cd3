//! The PostgreSQL backend: records in tables of a database speaking the PostgreSQL protocol,
//! shared by any number of govshare servers.
//!
//! Each write is one transaction at READ COMMITTED that locks what it decides on (`FOR
//! UPDATE` on the entry, request or grant row; a counter row for numbers) and applies the same
//! pure transitions as every backend ([`crate::lifecycle`], `govshare_sharing`). Two servers
//! changing one record therefore queue on its row and the second decides on the first's
//! outcome. A write returns after its commit, which PostgreSQL makes durable
//! (`synchronous_commit`) and groups with concurrent commits.
//!
//! - `migrate.rs`: the schema, embedded and applied at connect.
//! - `identity.rs`, `catalog.rs`, `sharing.rs`, `exchange.rs`, `operations.rs`: the records,
//!   each file implementing its role trait for [`PgStore`].
//! - `paging.rs`: pages of records filtered partly in Rust.
//! - `schema.rs`: several installations in one database, one schema each.

mod catalog;
mod exchange;
mod identity;
mod migrate;
mod operations;
mod paging;
mod schema;
mod sharing;

use std::str::FromStr as _;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use crate::{Result, StoreError};

pub use schema::{create_schema, drop_schema, url_with_schema};

/// Options of the PostgreSQL backend.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Connections kept open at most.
    pub pool_size: usize,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions { pool_size: 16 }
    }
}

/// The PostgreSQL-backed [`crate::Store`]; clones share the pool.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    /// Where the database is, without the password: for messages.
    target: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db`, with
    /// `?options=-csearch_path%3Dschema` to use another schema than `public`) and brings its
    /// schema up to date.
    pub async fn connect(url: &str, options: &PgOptions) -> Result<PgStore> {
        let config = tokio_postgres::Config::from_str(url).map_err(|e| {
            StoreError::Backend(format!(
                "数据库连接地址无效 the PostgreSQL connection URL is not valid: {e}"
            ))
        })?;
        let target = describe(&config);
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .build()
            .map_err(|e| StoreError::Backend(format!("building the connection pool: {e}")))?;
        let store = PgStore { pool, target };
        let mut client = store.client().await?;
        migrate::apply(&mut client).await?;
        Ok(store)
    }

    /// Where the database is (host, port, database, user), without the password.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// A pooled connection.
    pub(crate) async fn client(&self) -> Result<Object> {
        self.pool.get().await.map_err(|e| {
            StoreError::Backend(format!(
                "无法连接数据库 cannot reach PostgreSQL at {}: {e}",
                self.target
            ))
        })
    }
}

/// `user@host:port/db`, from the parsed configuration (never the password).
fn describe(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect::<Vec<_>>()
        .join(",");
    let port = config
        .get_ports()
        .first()
        .map_or_else(|| "5432".to_owned(), u16::to_string);
    format!(
        "{}@{}:{}/{}",
        config.get_user().unwrap_or("?"),
        if host.is_empty() { "localhost" } else { &host },
        port,
        config.get_dbname().unwrap_or("")
    )
}

/// A database failure, as an outage. PostgreSQL's messages never hold the password.
pub(crate) fn backend(e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => StoreError::Backend(format!(
            "PostgreSQL: {} ({})",
            db.message(),
            db.code().code()
        )),
        None => StoreError::Backend(format!("PostgreSQL: {e}")),
    }
}

/// A stored number as the u64 records use.
pub(crate) fn number(n: i64) -> Result<u64> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("a stored number is negative: {n}")))
}

/// A record number as a BIGINT parameter.
pub(crate) fn param(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| StoreError::Backend(format!("number {n} exceeds BIGINT")))
}
