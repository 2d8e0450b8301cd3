//! The platform administrator's first credential on a shared database: servers that start
//! together on an empty one leave a single `admin.token` between them, the winner's, and it
//! works on every server; a data directory that does not exist yet is made.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use govshare_server::config::Config;
use govshare_server::proto::{Role, WhoAmIRequest};
use govshare_server::server::{self, Running};
use tonic::transport::Channel;

use crate::common::Clients;
use crate::common::postgres::Schema;

/// A server on `schema` with its own data directory `data_dir` and no metrics or console.
async fn started(schema: &Schema, data_dir: PathBuf) -> anyhow::Result<Running> {
    let mut config = Config {
        data_dir,
        ..Config::default()
    };
    schema.configure(&mut config);
    let store = server::open_store(&config).await?;
    let listeners = server::Listeners {
        grpc: tokio::net::TcpListener::bind("127.0.0.1:0").await?,
        metrics: None,
        console: None,
    };
    server::start(config, store, listeners).await
}

/// The files in `dir` whose names begin with "admin".
fn admin_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("admin"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn servers_starting_together_on_an_empty_database_write_one_working_admin_token() {
    const SERVERS: usize = 5;
    let schema = Schema::new("bootstrap_race").await;
    let dirs: Vec<tempfile::TempDir> = (0..SERVERS).map(|_| tempfile::tempdir().unwrap()).collect();
    let starts = dirs.iter().map(|d| started(&schema, d.path().to_owned()));
    let servers: Vec<Running> = futures::future::join_all(starts)
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()
        .unwrap();

    let written: Vec<PathBuf> = dirs.iter().flat_map(|d| admin_files(d.path())).collect();
    assert_eq!(written.len(), 1, "one admin file between them: {written:?}");
    assert_eq!(written[0].file_name().unwrap(), "admin.token");
    let token = std::fs::read_to_string(&written[0]).unwrap();
    let token = token.trim();
    let printed: Vec<&String> = servers
        .iter()
        .filter_map(|s| s.admin_token.as_ref())
        .collect();
    assert_eq!(printed, [token], "only the winner shows the token it wrote");

    for running in &servers {
        let channel = Channel::from_shared(format!("http://{}", running.addr))
            .unwrap()
            .connect()
            .await
            .unwrap();
        let me = Clients::over(&channel, Some(token))
            .admin
            .who_am_i(WhoAmIRequest {})
            .await
            .unwrap()
            .into_inner();
        assert_eq!(me.roles, [Role::Admin as i32]);
        assert!(me.department.is_none());
    }
    for running in servers {
        running.shutdown().await.unwrap();
    }
    schema.drop_now().await;
}

#[tokio::test]
async fn a_server_on_postgres_makes_a_data_directory_that_does_not_exist() {
    let schema = Schema::new("bootstrap_dir").await;
    let parent = tempfile::tempdir().unwrap();
    let data_dir = parent.path().join("var").join("govshare");
    let running = started(&schema, data_dir.clone()).await.unwrap();
    let token = std::fs::read_to_string(data_dir.join("admin.token")).unwrap();
    assert_eq!(running.admin_token.as_deref(), Some(token.trim()));
    let mode = std::fs::metadata(&data_dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o700,
        "the data directory is the server's alone: {mode:o}"
    );
    running.shutdown().await.unwrap();
    schema.drop_now().await;
}

#[tokio::test]
async fn a_first_start_cut_short_before_writing_admin_token_is_finished_at_the_next() {
    let schema = Schema::new("bootstrap_crash").await;
    let dir = tempfile::tempdir().unwrap();
    let first = started(&schema, dir.path().to_owned()).await.unwrap();
    let token = first.admin_token.clone().unwrap();
    first.shutdown().await.unwrap();
    // As a kill between the stored record and the rename leaves it, and a loser's candidate
    // a kill left behind.
    let written = dir.path().join("admin.token");
    std::fs::rename(
        &written,
        dir.path().join("admin.token.tok_0000000000000001.pending"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("admin.token.tok_0000000000000002.pending"),
        "gst_a-candidate-the-database-never-took\n",
    )
    .unwrap();

    let again = started(&schema, dir.path().to_owned()).await.unwrap();
    assert_eq!(again.admin_token, None, "nothing new is made");
    assert_eq!(admin_files(dir.path()), std::slice::from_ref(&written));
    assert_eq!(std::fs::read_to_string(&written).unwrap().trim(), token);
    again.shutdown().await.unwrap();
    schema.drop_now().await;
}
