//! A schema of its own on the test PostgreSQL server (`GOVSHARE_TEST_POSTGRES_URL`, which
//! `scripts/test` sets after starting one), for servers in PostgreSQL mode.

use govshare_server::config::Config;
use govshare_store::postgres;

/// The test database. Without it the PostgreSQL tests cannot run, which is a failure.
pub fn base_url() -> String {
    std::env::var("GOVSHARE_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "GOVSHARE_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which \
             starts PostgreSQL, or point it at a database whose user may create schemas"
        )
    })
}

/// A fresh schema; dropped by [`Schema::drop_now`] when the test passed.
pub struct Schema {
    pub name: String,
    /// The connection URL that selects the schema.
    pub url: String,
}

impl Schema {
    pub async fn new(prefix: &str) -> Schema {
        let name = format!("{prefix}_{:016x}", rand::random::<u64>());
        let base = base_url();
        postgres::create_schema(&base, &name).await.unwrap();
        Schema {
            url: postgres::url_with_schema(&base, &name),
            name,
        }
    }

    /// Points `config` at this schema.
    pub fn configure(&self, config: &mut Config) {
        config.store.backend = "postgres".into();
        config.store.url = Some(self.url.clone());
        config.store.pool_size = 8;
    }

    pub async fn drop_now(self) {
        postgres::drop_schema(&base_url(), &self.name)
            .await
            .unwrap();
    }
}
