//! The store suite against the embedded sled backend, each test on a fresh directory.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use govshare_store::sled::{SledOptions, SledStore};

use crate::suite;
use crate::suite::fixtures::DynStore;

/// Opens the store in `dir`; must run inside a tokio runtime.
fn open(dir: &Path) -> DynStore {
    Arc::new(SledStore::open(dir, &SledOptions::default()).expect("open the sled store"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// One `#[tokio::test]` per suite function, named after it.
macro_rules! sled_suite {
    ($($module:ident :: $name:ident),+ $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $name() {
            let dir = tempfile::tempdir().expect("a temporary directory");
            suite::$module::$name(open(dir.path())).await;
        }
    )+};
}

every_suite_test!(sled_suite);

#[test]
fn everything_survives_closing_and_reopening() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // Each phase has its own runtime: dropping it ends the group-commit task, the last holder
    // of the database, so the second phase can open the directory again.
    let written = runtime()
        .block_on(async { suite::durability::write_before_reopen(open(dir.path())).await });
    runtime().block_on(async {
        suite::durability::check_after_reopen(open(dir.path()), written).await;
    });
}

#[test]
fn sharing_records_survive_closing_and_reopening() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let written =
        runtime().block_on(async { suite::sharing::write_before_reopen(open(dir.path())).await });
    runtime().block_on(async {
        suite::sharing::check_after_reopen(open(dir.path()), written).await;
    });
}

/// Set in the child process of [`acknowledged_writes_survive_exit_without_close`].
const CHILD_DIR: &str = "GOVSHARE_STORE_TEST_CHILD_DIR";
const WRITTEN_FILE: &str = "written.json";

/// Every write the store acknowledged is durable then, not when it is closed: a process that
/// exits straight after, without dropping the store, loses nothing.
#[test]
fn acknowledged_writes_survive_exit_without_close() {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        let dir = Path::new(&dir);
        runtime().block_on(async {
            let store = open(dir);
            let written = suite::durability::write_before_reopen(store.clone()).await;
            let json = serde_json::to_vec(&written).expect("encode what was written");
            std::fs::write(dir.join(WRITTEN_FILE), json).expect("record what was written");
            // Exit with the store, the runtime and its tasks still alive: no destructor gets a
            // chance to flush on the way out.
            std::process::exit(0)
        });
    }

    let dir = tempfile::tempdir().expect("a temporary directory");
    // The test's name in the test binary: its module path without the crate's name.
    let (_, module) = module_path!()
        .split_once("::")
        .expect("a module of the test binary");
    let name = format!("{module}::acknowledged_writes_survive_exit_without_close");
    let status = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", &name, "--test-threads=1", "--nocapture"])
        .env(CHILD_DIR, dir.path())
        .status()
        .expect("run the writing child");
    assert!(status.success(), "the writing child failed: {status}");
    let json = std::fs::read(dir.path().join(WRITTEN_FILE)).expect("the child's record");
    let written = serde_json::from_slice(&json).expect("decode what was written");
    runtime().block_on(async {
        suite::durability::check_after_reopen(open(dir.path()), written).await;
    });
}
