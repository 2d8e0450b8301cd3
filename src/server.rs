//! Server wiring: open the store, create the first administrator credential, build the tower
//! stack and the gRPC services, serve until shut down.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{Datelike as _, Utc};
use govshare_exchange::BlobStore;
use govshare_model::Role;
use govshare_sharing::{SharingPolicy, WorkingCalendar};
use govshare_store::sled::{SledOptions, SledStore};
use govshare_store::{Store, TokenRecord};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::server::TcpIncoming;

use crate::admin::AdminApi;
use crate::auth::{self, AuthLayer};
use crate::catalog::CatalogApi;
use crate::config::{Config, LogFormat, ServeArgs, SharingConfig};
use crate::exchange::ExchangeApi;
use crate::proto::admin_service_server::AdminServiceServer;
use crate::proto::catalog_service_server::CatalogServiceServer;
use crate::proto::exchange_service_server::ExchangeServiceServer;
use crate::proto::sharing_service_server::SharingServiceServer;
use crate::sharing::SharingApi;
use crate::version_cache::VersionCache;

/// What every service shares.
#[derive(Debug)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Config,
    /// Decoded versions; they are immutable, so never stale.
    pub versions: VersionCache,
    pub policy: SharingPolicy,
    pub calendar: WorkingCalendar,
    /// Snapshot data, content-addressed.
    pub blobs: BlobStore,
}

/// The calendar shipped in deploy/calendar/cn.toml, built in.
const BUILT_IN_CALENDAR: &str = include_str!("../deploy/calendar/cn.toml");

/// The configured working-day calendar: the file named by `sharing.calendar_file`, or the one
/// built in.
pub fn load_calendar(config: &SharingConfig) -> anyhow::Result<WorkingCalendar> {
    let calendar = match &config.calendar_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the calendar file {}", path.display()))?;
            WorkingCalendar::from_toml(&text)
                .with_context(|| format!("calendar file {}", path.display()))?
        }
        None => WorkingCalendar::from_toml(BUILT_IN_CALENDAR).context("the built-in calendar")?,
    };
    let this_year = Utc::now().with_timezone(&calendar.offset()).year();
    for year in [this_year, this_year + 1] {
        if !calendar.covers(year) {
            tracing::warn!(
                year,
                "the working-day calendar has no holiday list for {year}: deadlines in {year} \
                 count weekends only; add the year to the calendar file (sharing.calendar_file)"
            );
        }
    }
    Ok(calendar)
}

/// A server that is accepting calls.
#[derive(Debug)]
pub struct Running {
    /// The bound gRPC address.
    pub addr: SocketAddr,
    /// The administrator's token, on the first start only.
    pub admin_token: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Stops accepting calls, lets running calls finish and waits for the server to end.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.await.context("server task panicked")?
    }

    /// Waits for the server to end on its own (it ends on shutdown or failure).
    pub async fn wait(&mut self) -> anyhow::Result<()> {
        (&mut self.task).await.context("server task panicked")?
    }
}

/// Opens the configured store.
pub fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let options = SledOptions {
        sync_data: config.store.sync_data,
        cache_capacity: config.store.cache_capacity_bytes,
    };
    let store = SledStore::open(&config.data_dir, &options)
        .with_context(|| format!("opening the store in {}", config.data_dir.display()))?;
    Ok(Arc::new(store))
}

/// On the first start, creates the platform administrator's credential and writes it to
/// `DIR/admin.token` (0600) before storing its digest, so it cannot be lost by a crash.
async fn bootstrap_admin(store: &dyn Store, data_dir: &Path) -> anyhow::Result<Option<String>> {
    if store.admin_bootstrapped().await? {
        return Ok(None);
    }
    let (token, id) = auth::new_token();
    write_secret(&data_dir.join("admin.token"), &token)?;
    let record = TokenRecord {
        id,
        digest: auth::token_digest(&token),
        department: None,
        roles: vec![Role::Admin],
        name: "platform administrator".into(),
        created_at: Utc::now(),
        expires_at: None,
        revoked_at: None,
    };
    Ok(store.bootstrap_admin_token(record).await?.then_some(token))
}

fn write_secret(path: &Path, secret: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    writeln!(file, "{secret}")?;
    file.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Starts serving gRPC on `listener` with `store`.
pub async fn start(
    config: Config,
    store: Arc<dyn Store>,
    listener: TcpListener,
) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    let admin_token = bootstrap_admin(store.as_ref(), &config.data_dir).await?;
    let max_message = config.api.max_message_bytes;
    let calendar = load_calendar(&config.sharing)?;
    let blob_dir = config.blob_dir();
    let blobs = BlobStore::open(&blob_dir)
        .with_context(|| format!("opening the blob directory {}", blob_dir.display()))?;
    let state = Arc::new(AppState {
        store: store.clone(),
        policy: config.sharing.policy(),
        calendar,
        versions: VersionCache::default(),
        blobs,
        config,
    });

    let (health_reporter, health) = tonic_health::server::health_reporter();
    health_reporter
        .set_serving::<AdminServiceServer<AdminApi>>()
        .await;
    health_reporter
        .set_serving::<CatalogServiceServer<CatalogApi>>()
        .await;
    health_reporter
        .set_serving::<SharingServiceServer<SharingApi>>()
        .await;
    health_reporter
        .set_serving::<ExchangeServiceServer<ExchangeApi>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .context("building the reflection service")?;

    let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
    let router = tonic::transport::Server::builder()
        // The only layer so far: every call but health and reflection needs a credential.
        .layer(AuthLayer::new(store))
        .add_service(health)
        .add_service(reflection)
        .add_service(
            AdminServiceServer::new(AdminApi::new(state.clone()))
                .max_decoding_message_size(max_message),
        )
        .add_service(
            CatalogServiceServer::new(CatalogApi::new(state.clone()))
                .max_decoding_message_size(max_message),
        )
        .add_service(
            SharingServiceServer::new(SharingApi::new(state.clone()))
                .max_decoding_message_size(max_message),
        )
        .add_service(
            ExchangeServiceServer::new(ExchangeApi::new(state.clone()))
                .max_decoding_message_size(max_message),
        );
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let task = tokio::spawn(async move {
        router
            // Without TCP_NODELAY, small replies wait for delayed ACKs (tens of milliseconds).
            .serve_with_incoming_shutdown(incoming, async move {
                let _ = shutdown_rx.await;
                health_reporter
                    .set_service_status("", tonic_health::ServingStatus::NotServing)
                    .await;
            })
            .await
            .context("gRPC server failed")
    });
    Ok(Running {
        addr,
        admin_token,
        shutdown: Some(shutdown_tx),
        task,
    })
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("GOVSHARE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    // A second initialization (tests) is harmless: the first subscriber stays.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// `govshare serve`: runs until SIGINT or SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(&args, std::env::vars())?;
    init_logging(config.log_format);
    let store = open_store(&config)?;
    let listener = TcpListener::bind(config.grpc_addr)
        .await
        .with_context(|| format!("binding the gRPC address {}", config.grpc_addr))?;
    let metrics_listener = TcpListener::bind(config.metrics_addr)
        .await
        .with_context(|| format!("binding the metrics address {}", config.metrics_addr))?;
    let metrics_addr = metrics_listener.local_addr()?;
    let _probes = crate::probes::spawn(metrics_listener, store.clone());
    let data_dir = config.data_dir.clone();
    let mut running = start(config, store, listener).await?;
    println!("govshare: gRPC listening on {}", running.addr);
    println!("govshare: probes listening on http://{metrics_addr} (/healthz, /readyz)");
    println!("govshare: data directory {}", data_dir.display());
    if let Some(token) = &running.admin_token {
        println!(
            "govshare: platform administrator token (shown once, also in {}):\n{token}",
            data_dir.join("admin.token").display()
        );
    }
    std::io::stdout().flush()?;
    tracing::info!(addr = %running.addr, "serving");
    tokio::select! {
        result = running.wait() => result,
        () = shutdown_signal() => {
            tracing::info!("shutting down");
            running.shutdown().await
        }
    }
}
