//! The store suite against the PostgreSQL backend, each test in a schema of its own on the
//! server named by `GOVSHARE_TEST_POSTGRES_URL` (`scripts/test` starts one and sets it).

use std::sync::Arc;

use govshare_store::postgres::{self, PgOptions, PgStore};

use crate::shared;
use crate::suite;
use crate::suite::fixtures::DynStore;

/// The test database. Without it the PostgreSQL tests cannot run, which is a failure.
fn base_url() -> String {
    std::env::var("GOVSHARE_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "GOVSHARE_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which \
             starts PostgreSQL, or point it at a database whose user may create schemas"
        )
    })
}

/// A fresh, empty schema; dropped by [`Schema::drop_now`] when the test passed (a failed
/// test's schema stays for a look).
struct Schema {
    name: String,
    url: String,
}

impl Schema {
    async fn new() -> Schema {
        let name = format!("store_test_{:016x}", rand_u64());
        let base = base_url();
        postgres::create_schema(&base, &name)
            .await
            .expect("create a test schema");
        Schema {
            url: postgres::url_with_schema(&base, &name),
            name,
        }
    }

    async fn open(&self) -> DynStore {
        Arc::new(
            PgStore::connect(&self.url, &PgOptions { pool_size: 8 })
                .await
                .expect("connect the PostgreSQL store"),
        )
    }

    async fn drop_now(self) {
        postgres::drop_schema(&base_url(), &self.name)
            .await
            .expect("drop the test schema");
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// One `#[tokio::test]` per suite function, named after it.
macro_rules! postgres_suite {
    ($($module:ident :: $name:ident),+ $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $name() {
            let schema = Schema::new().await;
            suite::$module::$name(schema.open().await).await;
            schema.drop_now().await;
        }
    )+};
}

every_suite_test!(postgres_suite);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn everything_survives_reconnecting() {
    let schema = Schema::new().await;
    let written = suite::durability::write_before_reopen(schema.open().await).await;
    suite::durability::check_after_reopen(schema.open().await, written).await;
    schema.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sharing_records_survive_reconnecting() {
    let schema = Schema::new().await;
    let written = suite::sharing::write_before_reopen(schema.open().await).await;
    suite::sharing::check_after_reopen(schema.open().await, written).await;
    schema.drop_now().await;
}

/// Two stores on one schema, as two servers on one database: every concurrent registration
/// gets its own 顺序码, and both see each other's writes at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_schema_behave_as_one() {
    let schema = Schema::new().await;
    let (a, b) = (schema.open().await, schema.open().await);
    shared::concurrent_registrations_across_stores_get_every_sequence_once(a, b).await;
    schema.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_schema_have_one_winner_per_version() {
    let schema = Schema::new().await;
    let (a, b) = (schema.open().await, schema.open().await);
    shared::concurrent_updates_across_stores_have_one_winner_per_version(a, b).await;
    schema.drop_now().await;
}

/// Servers starting together migrate the schema once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_connects_migrate_once() {
    let schema = Schema::new().await;
    let opens = (0..4).map(|_| {
        let url = schema.url.clone();
        tokio::spawn(async move { PgStore::connect(&url, &PgOptions { pool_size: 2 }).await })
    });
    for open in opens {
        open.await
            .expect("join")
            .expect("connect while others migrate");
    }
    schema.drop_now().await;
}

/// A bad URL or an unreachable server is a clear error naming where, without the password.
#[tokio::test]
async fn connection_errors_name_the_server_but_not_the_password() {
    let err = PgStore::connect(
        "postgres://govshare:s3cret-pw@127.0.0.1:1/nowhere",
        &PgOptions::default(),
    )
    .await
    .expect_err("nothing listens on port 1");
    let message = err.to_string();
    assert!(message.contains("127.0.0.1:1/nowhere"), "{message}");
    assert!(!message.contains("s3cret-pw"), "{message}");
    let err = PgStore::connect("mysql://x", &PgOptions::default())
        .await
        .expect_err("not a PostgreSQL URL");
    assert!(err.to_string().contains("URL"), "{err}");
}
