//! Server wiring: open the store, create the first administrator credential, build the tower
//! stack and the gRPC services, serve until shut down.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{Datelike as _, Utc};
use govshare_audit::{AccessLog, CommitHook, CommitStats, LogOptions, PgAccessLog};
use govshare_exchange::BlobStore;
use govshare_service::versions::Versions;
use govshare_sharing::{SharingPolicy, WorkingCalendar};
use govshare_store::postgres::{PgOptions, PgStore};
use govshare_store::sled::{SledOptions, SledStore};
use govshare_store::{OperationsStore, Store};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::server::NamedService;
use tonic::service::Routes;
use tonic::transport::server::TcpIncoming;
use tower::layer::util::{Identity, Stack};
use tower::{Layer as _, ServiceBuilder};

use crate::access_log::AccessLogHandle;
use crate::admin::AdminApi;
use crate::audit::AuditApi;
use crate::auth::AuthLayer;
use crate::catalog::CatalogApi;
use crate::config::{Config, LogFormat, ServeArgs, SharingConfig};
use crate::console::ConsoleService;
use crate::exchange::ExchangeApi;
use crate::limits::LimitLayer;
use crate::metrics::Metrics;
use crate::observe::{MethodTable, ObserveLayer};
use crate::proto::admin_service_server::AdminServiceServer;
use crate::proto::audit_service_server::AuditServiceServer;
use crate::proto::catalog_service_server::CatalogServiceServer;
use crate::proto::exchange_service_server::ExchangeServiceServer;
use crate::proto::report_service_server::ReportServiceServer;
use crate::proto::sharing_service_server::SharingServiceServer;
use crate::report::ReportApi;
use crate::sharing::SharingApi;

mod bootstrap;

/// What every service shares.
#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) config: Config,
    /// Decoded versions; they are immutable, so never stale.
    pub(crate) versions: Arc<Versions>,
    pub(crate) policy: SharingPolicy,
    pub(crate) calendar: WorkingCalendar,
    /// Snapshot data, content-addressed.
    pub(crate) blobs: BlobStore,
    /// The bucket every server shares the blobs through, if one is configured.
    pub(crate) bucket: Option<govshare_exchange::BlobBucket>,
    /// The access log: one hash-chained record per call.
    pub(crate) audit: AccessLogHandle,
    pub(crate) metrics: Arc<Metrics>,
    /// The full-text index of the published catalogue, kept up to date by the indexer.
    pub(crate) search: Arc<govshare_search::SearchIndex>,
    /// The identity store with credentials and departments held in memory: every call
    /// authenticates, and every credential is revoked, through it.
    pub(crate) credentials: Arc<crate::auth::Credentials>,
}

/// The calendar shipped in deploy/calendar/cn.toml, built in.
const BUILT_IN_CALENDAR: &str = include_str!("../../../deploy/calendar/cn.toml");

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
    /// The bound address of `/metrics`, `/healthz` and `/readyz`, if it was given a listener.
    pub metrics_addr: Option<SocketAddr>,
    /// The bound address of the web console, if it was given a listener.
    pub console_addr: Option<SocketAddr>,
    /// The administrator's token, on the first start only.
    pub admin_token: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
    /// The web console: its shutdown signal and its task.
    console: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
    /// The HTTP endpoints and the periodic verification of the access log.
    background: Vec<JoinHandle<()>>,
    audit: AccessLogHandle,
}

impl Drop for Running {
    fn drop(&mut self) {
        for task in &self.background {
            task.abort();
        }
        if let Some((_, task)) = &self.console {
            task.abort();
        }
    }
}

impl Running {
    /// Stops accepting calls, lets running calls finish and waits for the server to end.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let console = self.console.take().map(|(tx, task)| {
            let _ = tx.send(());
            task
        });
        let result = (&mut self.task).await.context("server task panicked")?;
        if let Some(task) = console {
            task.await.context("console task panicked")?;
        }
        // Then nothing holds the store or the log any more: they can be opened again at once.
        for task in self.background.drain(..) {
            task.abort();
            let _ = task.await;
        }
        self.audit.close().await.context("closing the access log")?;
        result
    }

    /// Waits for the server to end on its own (it ends on shutdown or failure).
    pub async fn wait(&mut self) -> anyhow::Result<()> {
        (&mut self.task).await.context("server task panicked")?
    }
}

/// Opens the configured store: sled in the data directory, or the PostgreSQL database
/// `store.url` names (its schema brought up to date).
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    bootstrap::data_directory(&config.data_dir)?;
    if config.store.is_postgres() {
        let url = config
            .store
            .url
            .as_deref()
            .context("store.url is not set")?;
        let options = PgOptions {
            pool_size: config.store.pool_size,
        };
        let store = PgStore::connect(url, &options)
            .await
            .context("opening the PostgreSQL store (store.url)")?;
        tracing::info!(database = store.target(), "records in PostgreSQL");
        return Ok(Arc::new(store));
    }
    let options = SledOptions {
        sync_data: config.store.sync_data,
        cache_capacity: config.store.cache_capacity_bytes,
    };
    let store = SledStore::open(&config.data_dir, &options)
        .with_context(|| format!("opening the store in {}", config.data_dir.display()))?;
    Ok(Arc::new(store))
}

/// Opens the access log, feeding its commits to `metrics`: in the PostgreSQL database the
/// servers share when `store.backend` is "postgres" (with `store.url` and `store.pool_size`),
/// otherwise in the audit directory.
pub(crate) async fn open_access_log(
    config: &Config,
    metrics: &Arc<Metrics>,
) -> anyhow::Result<AccessLogHandle> {
    let observer = metrics.clone();
    let on_commit: CommitHook = Arc::new(move |stats: CommitStats| {
        observer.audit_records.inc_by(stats.records as u64);
        observer.audit_commit_seconds.observe(stats.seconds);
    });
    if config.store.is_postgres() {
        let url = (config.store.url.as_deref())
            .context("缺少数据库连接地址 (store.url is needed for the access log in PostgreSQL)")?;
        // The error never holds the URL's password.
        let log = PgAccessLog::connect(url, config.store.pool_size, Some(on_commit))
            .await
            .context("opening the access log in PostgreSQL")?;
        return Ok(AccessLogHandle::Postgres(log));
    }
    let dir = config.audit_dir();
    let options = LogOptions {
        sync: config.audit.sync,
        segment_bytes: config.audit.segment_bytes,
        on_commit: Some(on_commit),
    };
    AccessLog::open(&dir, options)
        .map(AccessLogHandle::Files)
        .with_context(|| format!("opening the access log in {}", dir.display()))
}

/// Verifies the whole access log now and then every `interval` (none: only now), and reports
/// the result in the metrics and, on failure, in the server log.
fn spawn_verifier(
    log: AccessLogHandle,
    metrics: Arc<Metrics>,
    interval: Option<std::time::Duration>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match log.verify(None, None).await {
                Ok(v) => {
                    metrics.verified(v.ok);
                    if v.ok {
                        tracing::info!(
                            records = v.records_checked,
                            head_seq = v.head_seq,
                            head_hash = %hex::encode(v.head_hash),
                            "access log verified"
                        );
                    } else {
                        tracing::error!(
                            first_bad_seq = v.first_bad_seq.unwrap_or(0),
                            problem = v.problem.as_deref().unwrap_or_default(),
                            "the access log failed verification: a record was changed, removed \
                             or reordered"
                        );
                    }
                }
                Err(e) => tracing::error!(error = %e, "verifying the access log failed"),
            }
            let Some(interval) = interval else { return };
            tokio::time::sleep(interval).await;
        }
    })
}

/// The listeners of one server.
#[derive(Debug)]
pub struct Listeners {
    pub grpc: TcpListener,
    /// `/metrics`, `/healthz`, `/readyz`; none: not served.
    pub metrics: Option<TcpListener>,
    /// The web console and its gRPC-Web calls; none (or `[console] enabled = false`): not
    /// served.
    pub console: Option<TcpListener>,
}

impl From<TcpListener> for Listeners {
    fn from(grpc: TcpListener) -> Self {
        Listeners {
            grpc,
            metrics: None,
            console: None,
        }
    }
}

/// The tower stack every API call passes, native gRPC and gRPC-Web alike.
pub(crate) type ApiLayers = Stack<LimitLayer, Stack<AuthLayer, Stack<ObserveLayer, Identity>>>;

fn api_layers(observe: ObserveLayer, auth: AuthLayer, limits: LimitLayer) -> ApiLayers {
    ServiceBuilder::new()
        // Outermost first: every call is observed (request id, metrics, access log, log
        // line), then every call but health and reflection needs a credential.
        .layer(observe)
        .layer(auth)
        // Then each credential's quotas and the time limit of a reply.
        .layer(limits)
        .into_inner()
}

/// The contract's services, by the names health checks ask for.
const SERVICES: [&str; 6] = [
    <AdminServiceServer<AdminApi> as NamedService>::NAME,
    <CatalogServiceServer<CatalogApi> as NamedService>::NAME,
    <SharingServiceServer<SharingApi> as NamedService>::NAME,
    <ExchangeServiceServer<ExchangeApi> as NamedService>::NAME,
    <AuditServiceServer<AuditApi> as NamedService>::NAME,
    <ReportServiceServer<ReportApi> as NamedService>::NAME,
];

/// Sets the health of every service of the contract to `status`.
async fn report_every_service(
    reporter: &tonic_health::server::HealthReporter,
    status: tonic_health::ServingStatus,
) {
    for service in SERVICES {
        reporter.set_service_status(service, status).await;
    }
}

/// gRPC server reflection in both versions clients speak: v1, and v1alpha for grpcio-reflection
/// (Python) and older tools.
struct Reflection<V1, V1Alpha> {
    v1: tonic_reflection::server::v1::ServerReflectionServer<V1>,
    v1alpha: tonic_reflection::server::v1alpha::ServerReflectionServer<V1Alpha>,
}

/// Reflection over the contract and the health service.
fn reflection() -> anyhow::Result<
    Reflection<
        impl tonic_reflection::server::v1::ServerReflection,
        impl tonic_reflection::server::v1alpha::ServerReflection,
    >,
> {
    let builder = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(crate::proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    Ok(Reflection {
        v1: builder()
            .build_v1()
            .context("building the reflection service (v1)")?,
        v1alpha: builder()
            .build_v1alpha()
            .context("building the reflection service (v1alpha)")?,
    })
}

/// The gRPC services, each with the message-size limit of `[api]`; served on the gRPC port and
/// to the web console's gRPC-Web calls.
fn api_routes(
    state: &Arc<AppState>,
    health: tonic_health::pb::health_server::HealthServer<
        impl tonic_health::pb::health_server::Health,
    >,
    reflection: Reflection<
        impl tonic_reflection::server::v1::ServerReflection,
        impl tonic_reflection::server::v1alpha::ServerReflection,
    >,
) -> Routes {
    let max_message = state.config.api.max_message_bytes;
    Routes::new(health)
        .add_service(reflection.v1)
        .add_service(reflection.v1alpha)
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
        )
        .add_service(
            AuditServiceServer::new(AuditApi::new(state.clone()))
                .max_decoding_message_size(max_message),
        )
        .add_service(
            ReportServiceServer::new(ReportApi::new(state.clone()))
                .max_decoding_message_size(max_message),
        )
}

/// Starts serving gRPC (and the HTTP endpoints, given their listener) with `store`.
pub async fn start(
    config: Config,
    store: Arc<dyn Store>,
    listeners: impl Into<Listeners>,
) -> anyhow::Result<Running> {
    let Listeners {
        grpc: listener,
        metrics: metrics_listener,
        console: console_listener,
    } = listeners.into();
    let addr = listener.local_addr()?;
    let metrics_addr = metrics_listener
        .as_ref()
        .map(TcpListener::local_addr)
        .transpose()?;
    // `[console] enabled = false` wins over a listener given for it.
    let console_listener = console_listener.filter(|_| config.console.enabled);
    let console_addr = console_listener
        .as_ref()
        .map(TcpListener::local_addr)
        .transpose()?;
    let admin_token = bootstrap::bootstrap_admin(store.as_ref(), &config.data_dir).await?;
    let calendar = load_calendar(&config.sharing)?;
    let blob_dir = config.blob_dir();
    let blobs = BlobStore::open(&blob_dir)
        .with_context(|| format!("opening the blob directory {}", blob_dir.display()))?;
    let bucket = crate::exchange::open_bucket(&config.exchange)?;
    let methods = MethodTable::served();
    let metrics = Arc::new(Metrics::new(&methods).context("registering the metrics")?);
    let versions = Arc::new(Versions::with_budget(
        store.clone(),
        usize::try_from(config.catalog.versions_cache_bytes).unwrap_or(usize::MAX),
    ));
    let audit = open_access_log(&config, &metrics).await?;
    let verify_interval = (config.audit.verify_interval_secs > 0)
        .then(|| std::time::Duration::from_secs(config.audit.verify_interval_secs));
    let mut background = vec![spawn_verifier(
        audit.clone(),
        metrics.clone(),
        verify_interval,
    )];
    if let Some(listener) = metrics_listener {
        background.push(crate::http::spawn(
            listener,
            crate::http::HttpState {
                store: store.clone(),
                metrics: metrics.clone(),
                log: audit.clone(),
                versions: versions.clone(),
            },
        ));
    }
    // Search: the index follows the store's catalogue events from here on.
    let search = crate::search::open_index(&config).await?;
    background.push(crate::search::indexer::spawn(store.clone(), search.clone()));
    let observe = ObserveLayer::new(&methods, metrics.clone(), audit.clone());
    let limits = LimitLayer::new(
        &methods,
        config.api.quotas(),
        config.api.request_timeout(),
        config.api.max_message_bytes,
        &metrics,
    );
    let running_log = audit.clone();
    let state = Arc::new(AppState {
        store: store.clone(),
        policy: config.sharing.policy(),
        calendar,
        versions: versions.clone(),
        blobs,
        bucket,
        audit,
        metrics,
        search,
        credentials: Arc::new(crate::auth::Credentials::new(store.clone())),
        config,
    });

    let (health_reporter, health) = tonic_health::server::health_reporter();
    report_every_service(&health_reporter, tonic_health::ServingStatus::Serving).await;
    let reflection = reflection()?;

    let routes = api_routes(&state, health, reflection);
    let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
    // TLS, and mutual TLS, as [tls] configures; plain gRPC when it names no certificate.
    // Pings find peers that vanished without closing their connection.
    let router = crate::tls::server_builder(&state.config.tls)?
        .http2_keepalive_interval(state.config.api.http2_keepalive_interval())
        .http2_keepalive_timeout(state.config.api.http2_keepalive_timeout())
        .layer(api_layers(
            observe.clone(),
            AuthLayer::new(state.credentials.clone()).with_tls(&state.config.tls),
            limits.clone(),
        ))
        .add_routes(routes.clone());
    // Spawned once nothing else can fail.
    let console = match console_listener {
        Some(listener) => {
            if state.config.tls.client_ca_file.is_some() {
                tracing::warn!(
                    "the web console asks for no client certificate: under mutual TLS its \
                     callers sign in with a bearer token alone ([console] enabled = false \
                     turns it off)"
                );
            }
            // The same services behind the same stack; the console signs in with a token,
            // never a client certificate.
            let auth = AuthLayer::new(state.credentials.clone());
            let api = api_layers(observe, auth, limits).layer(routes.prepare());
            let (tx, rx) = oneshot::channel::<()>();
            let task = crate::console::spawn(
                listener,
                &state.config.tls,
                ConsoleService::new(api),
                async move {
                    let _ = rx.await;
                },
            )?;
            Some((tx, task))
        }
        None => None,
    };
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let task = tokio::spawn(async move {
        router
            // Without TCP_NODELAY, small replies wait for delayed ACKs (tens of milliseconds).
            .serve_with_incoming_shutdown(incoming, async move {
                let _ = shutdown_rx.await;
                // Every service, not only the server as a whole: balancers that check one
                // service stop sending it calls before the port closes.
                health_reporter
                    .set_service_status("", tonic_health::ServingStatus::NotServing)
                    .await;
                report_every_service(&health_reporter, tonic_health::ServingStatus::NotServing)
                    .await;
            })
            .await
            .context("gRPC server failed")
    });
    Ok(Running {
        addr,
        metrics_addr,
        console_addr,
        admin_token,
        shutdown: Some(shutdown_tx),
        task,
        console,
        background,
        audit: running_log,
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
        // Fields carry caller input: escaped, so that it cannot forge or break lines.
        LogFormat::Text => builder.fmt_fields(crate::observe::EscapedFields).try_init(),
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
    let store = open_store(&config).await?;
    let listener = TcpListener::bind(config.grpc_addr)
        .await
        .with_context(|| format!("binding the gRPC address {}", config.grpc_addr))?;
    let metrics_listener = TcpListener::bind(config.metrics_addr)
        .await
        .with_context(|| format!("binding the metrics address {}", config.metrics_addr))?;
    let metrics_addr = metrics_listener.local_addr()?;
    let console_listener = if config.console.enabled {
        let listener = TcpListener::bind(config.console_addr)
            .await
            .with_context(|| format!("binding the console address {}", config.console_addr))?;
        Some(listener)
    } else {
        None
    };
    let console_scheme = if config.tls.cert_file.is_some() {
        "https"
    } else {
        "http"
    };
    let data_dir = config.data_dir.clone();
    let listeners = Listeners {
        grpc: listener,
        metrics: Some(metrics_listener),
        console: console_listener,
    };
    let mut running = start(config, store.clone(), listeners).await?;
    println!("govshare: gRPC listening on {}", running.addr);
    println!("govshare: metrics on http://{metrics_addr}/metrics");
    println!("govshare: probes on http://{metrics_addr}/healthz and /readyz");
    if let Some(addr) = running.console_addr {
        println!("govshare: web console on {console_scheme}://{addr}/");
    }
    println!("govshare: data directory {}", data_dir.display());
    if let Some(token) = &running.admin_token {
        println!(
            "govshare: platform administrator token (shown once, also in {}):\n{token}",
            data_dir.join("admin.token").display()
        );
    }
    std::io::stdout().flush()?;
    tracing::info!(addr = %running.addr, "serving");
    let log = running.audit.clone();
    tokio::select! {
        result = running.wait() => result,
        () = shutdown_signal() => {
            tracing::info!("shutting down");
            running.shutdown().await
        }
        reason = stopped_for_good(store, log) => {
            tracing::error!(
                reason,
                "服务无法继续写入，退出以便重启 (the server cannot write any more; exiting so that \
                 its supervisor restarts it)"
            );
            if let Err(e) = running.shutdown().await {
                tracing::warn!(error = %e, "shutting down after the failure");
            }
            Err(anyhow::anyhow!(
                "服务已停止，需要重启 (stopped for good, restart needed): {reason}"
            ))
        }
    }
}

/// Resolves once the store or the access log stopped for good (a failed write neither can
/// recover from while the process runs): `serve` then exits with an error, for systemd's
/// `Restart=on-failure` or the container runtime to start it again. `/healthz` fails
/// meanwhile, for a liveness probe.
async fn stopped_for_good(store: Arc<dyn OperationsStore>, log: AccessLogHandle) -> String {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        every.tick().await;
        if let Err(e) = store.check_alive() {
            return format!("the store: {e}");
        }
        if let Err(e) = log.check_alive() {
            return format!("the access log: {e}");
        }
    }
}
