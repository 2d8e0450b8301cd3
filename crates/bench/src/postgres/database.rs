//! What the comparison asks PostgreSQL itself: its version and the settings that make a
//! commit durable, and the CPU time of the backends that serve the bench's servers.

use std::str::FromStr as _;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio_postgres::NoTls;

use super::super::process_cpu;

/// A connection of the bench's own to the database (not one of the servers').
pub struct Database {
    client: tokio_postgres::Client,
    driver: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").finish_non_exhaustive()
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// PostgreSQL's version and the settings a durable commit depends on.
#[derive(Debug, Clone)]
pub struct Settings {
    pub version: String,
    pub synchronous_commit: String,
    pub fsync: String,
    pub wal_sync_method: String,
    pub max_connections: String,
}

impl Database {
    pub async fn connect(url: &str) -> anyhow::Result<Database> {
        let config = tokio_postgres::Config::from_str(url).context("the PostgreSQL URL")?;
        let (client, connection) = config
            .connect(NoTls)
            .await
            .context("connecting to PostgreSQL")?;
        let driver = tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Database { client, driver })
    }

    pub async fn settings(&self) -> anyhow::Result<Settings> {
        let row = self
            .client
            .query_one(
                "SELECT version(), current_setting('synchronous_commit'), \
                 current_setting('fsync'), current_setting('wal_sync_method'), \
                 current_setting('max_connections')",
                &[],
            )
            .await
            .context("asking PostgreSQL for its version and settings")?;
        Ok(Settings {
            version: row.try_get(0)?,
            synchronous_commit: row.try_get(1)?,
            fsync: row.try_get(2)?,
            wal_sync_method: row.try_get(3)?,
            max_connections: row.try_get(4)?,
        })
    }

    /// The process ids of the backends whose connections carry `application_name`.
    async fn backends(&self, application_name: &str) -> anyhow::Result<Vec<i32>> {
        let rows = self
            .client
            .query(
                "SELECT pid FROM pg_stat_activity WHERE application_name = $1",
                &[&application_name],
            )
            .await?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(Into::into))
            .collect()
    }

    /// CPU time the backends of `application_name` used from `start` to `end`: those
    /// connected at `start` (the servers' pools are full by then, after the warm-up). None
    /// if PostgreSQL's processes cannot be read here (another machine, another pid namespace).
    pub async fn backend_cpu(
        &self,
        application_name: &str,
        start: Instant,
        end: Instant,
    ) -> Option<Duration> {
        tokio::time::sleep_until(start.into()).await;
        let pids = self.backends(application_name).await.ok()?;
        let before: Vec<(String, Duration)> = pids
            .iter()
            .filter_map(|p| Some((p.to_string(), process_cpu(&p.to_string())?)))
            .collect();
        if before.is_empty() {
            return None;
        }
        tokio::time::sleep_until(end.into()).await;
        Some(
            before
                .iter()
                .filter_map(|(pid, b)| Some(process_cpu(pid)?.saturating_sub(*b)))
                .sum(),
        )
    }
}
