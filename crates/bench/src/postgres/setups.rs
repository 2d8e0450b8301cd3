//! The servers of one set-up, started in this process as `govshare-bench` starts its own:
//! each with a fresh data directory; in PostgreSQL mode all on one schema and one shared blob
//! directory.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use tonic::transport::Channel;

use super::super::{Admin, Catalog, bearer};
use govshare_proto::admin_service_client::AdminServiceClient;
use govshare_proto::catalog_service_client::CatalogServiceClient;
use govshare_proto::{CreateDepartmentRequest, IssueTokenRequest, Role};
use govshare_server::config::Config;
use govshare_server::server::Running;

/// Running servers, one connection to each, and a cataloguer's token valid on all.
#[derive(Debug)]
pub struct Servers {
    running: Vec<Running>,
    pub channels: Vec<Channel>,
    cataloguer: String,
    /// Each server's access-log directory.
    audit_dirs: Vec<PathBuf>,
    /// Whether the access log fdatasyncs each commit (`audit.sync`).
    audit_sync: bool,
    /// Data directories, and the shared blob directory: removed after the servers stop.
    _dirs: Vec<tempfile::TempDir>,
}

impl Servers {
    /// Starts `count` servers: on sled (the default durable configuration) without `url`,
    /// else all on the PostgreSQL database `url` names.
    pub async fn start(count: usize, url: Option<&str>) -> anyhow::Result<Servers> {
        let mut dirs = Vec::new();
        let blobs = tempfile::tempdir()?;
        let blob_dir = blobs.path().to_owned();
        dirs.push(blobs);
        let (mut running, mut channels, mut audit_dirs) = (Vec::new(), Vec::new(), Vec::new());
        let mut audit_sync = true;
        for _ in 0..count {
            let data = tempfile::tempdir()?;
            let mut config = Config {
                data_dir: data.path().to_owned(),
                ..Config::default()
            };
            dirs.push(data);
            if let Some(url) = url {
                config.store.backend = "postgres".into();
                config.store.url = Some(url.to_owned());
                config.exchange.blob_dir = Some(blob_dir.clone());
            }
            audit_dirs.push(config.audit_dir());
            audit_sync &= config.audit.sync;
            let store = govshare_server::server::open_store(&config).await?;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let server = govshare_server::server::start(config, store, listener).await?;
            channels.push(
                Channel::from_shared(format!("http://{}", server.addr))?
                    .connect()
                    .await?,
            );
            running.push(server);
        }
        // The first server created the administrator; the others found it in the database.
        let admin_token = running
            .first()
            .and_then(|r| r.admin_token.clone())
            .context("the bench needs a fresh store")?;
        let cataloguer = cataloguer(&channels[0], &admin_token).await?;
        Ok(Servers {
            running,
            channels,
            cataloguer,
            audit_dirs,
            audit_sync,
            _dirs: dirs,
        })
    }

    /// The cataloguer's clients, one per server (each over its own connection).
    pub fn clients(&self) -> anyhow::Result<Arc<[Catalog]>> {
        self.channels
            .iter()
            .map(|c| {
                Ok(CatalogServiceClient::with_interceptor(
                    c.clone(),
                    bearer(&self.cataloguer)?,
                ))
            })
            .collect()
    }

    /// Where the access log went: files in each server's data directory, or not there.
    pub fn access_log(&self) -> String {
        let files: usize = self
            .audit_dirs
            .iter()
            .map(|d| std::fs::read_dir(d).map_or(0, |e| e.count()))
            .sum();
        let sync = if self.audit_sync { "on" } else { "off" };
        if files > 0 {
            format!(
                "one file log per server (DATA_DIR/audit, fdatasync {sync}; {files} files in all)"
            )
        } else {
            "not in the servers' data directories".into()
        }
    }

    /// Stops the servers and removes their directories.
    pub async fn stop(self) -> anyhow::Result<()> {
        for server in self.running {
            server.shutdown().await?;
        }
        Ok(())
    }
}

/// Creates a department and issues a cataloguer's token for it.
async fn cataloguer(channel: &Channel, admin_token: &str) -> anyhow::Result<String> {
    let mut admin: Admin =
        AdminServiceClient::with_interceptor(channel.clone(), bearer(admin_token)?);
    let code = govshare_model::testing::valid_credit_code(1);
    admin
        .create_department(CreateDepartmentRequest {
            code: code.clone(),
            name: "市数据局".into(),
            region_code: "110000".into(),
            parent_code: String::new(),
        })
        .await?;
    Ok(admin
        .issue_token(IssueTokenRequest {
            department_code: code,
            roles: vec![Role::Cataloguer as i32],
            name: "bench".into(),
            expires_at: None,
        })
        .await?
        .into_inner()
        .token)
}
