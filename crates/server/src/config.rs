//! Server configuration: defaults → TOML file → `GOVSHARE_*` environment → flags, then one
//! validation step.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

mod tls;
pub use tls::{ClientIdentity, TlsConfig};

/// `govshare serve` flags. Each overrides the file and the environment.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// Data directory (default ./govshare-data).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// gRPC listen address (default 127.0.0.1:50051).
    #[arg(long)]
    pub grpc_addr: Option<SocketAddr>,
    /// Metrics and probes listen address (default 127.0.0.1:9464).
    #[arg(long)]
    pub metrics_addr: Option<SocketAddr>,
    /// Web console listen address (default 127.0.0.1:8080).
    #[arg(long, conflicts_with = "no_console")]
    pub console_addr: Option<SocketAddr>,
    /// Do not serve the web console (`[console] enabled = false`).
    #[arg(long)]
    pub no_console: bool,
    /// Configuration file (TOML); see deploy/govshare.example.toml.
    #[arg(long, env = "GOVSHARE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log format: text or json.
    #[arg(long)]
    pub log_format: Option<LogFormat>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The whole configuration. Every key is documented in deploy/govshare.example.toml.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub data_dir: PathBuf,
    pub grpc_addr: SocketAddr,
    pub metrics_addr: SocketAddr,
    /// The web console and its gRPC-Web calls; served when `console.enabled`.
    pub console_addr: SocketAddr,
    pub log_format: LogFormat,
    pub store: StoreConfig,
    pub catalog: CatalogConfig,
    pub api: ApiConfig,
    pub sharing: SharingConfig,
    pub exchange: ExchangeConfig,
    pub audit: AuditConfig,
    pub search: SearchConfig,
    pub tls: TlsConfig,
    pub console: ConsoleConfig,
}

/// `[console]`: the web console on `console_addr`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// Serve the console (its files and its gRPC-Web calls); false: no console listener.
    pub enabled: bool,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig { enabled: true }
    }
}

/// `[catalog]`: rules of the catalogue.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CatalogConfig {
    /// Working days a department has to publish a change to a published entry (目录更新时限);
    /// later publications count as updated late in the yearly report.
    pub update_working_days: u32,
    /// Bytes of decoded versions kept in memory for reads (GetEntry, ListEntries, sharing);
    /// a version counts as its canonical size plus a little. Reads beyond it go to the store.
    pub versions_cache_bytes: u64,
}

impl Default for CatalogConfig {
    fn default() -> Self {
        CatalogConfig {
            update_working_days: 15,
            versions_cache_bytes: govshare_service::versions::DEFAULT_BUDGET_BYTES as u64,
        }
    }
}

/// `[search]`: the full-text index of the published catalogue.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {
    /// The index directory; unset: `DATA_DIR/search`. The index is derived from the store and
    /// rebuilt when missing.
    pub dir: Option<PathBuf>,
}

/// `[audit]`: the access log.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// The access-log directory; unset: `DATA_DIR/audit`.
    pub dir: Option<PathBuf>,
    /// fdatasync each group of records before the calls they record are answered.
    pub sync: bool,
    /// A new segment file starts at this size.
    pub segment_bytes: u64,
    /// Seconds between background verifications of the whole hash chain; 0: never.
    pub verify_interval_secs: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            dir: None,
            sync: true,
            segment_bytes: 64 * 1024 * 1024,
            verify_interval_secs: 3600,
        }
    }
}

/// `[store]`: where records live: the embedded sled store (the default) or a database
/// speaking the PostgreSQL protocol, shared by any number of servers.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// "sled" (embedded, in the data directory) or "postgres".
    pub backend: String,
    /// sled: fdatasync after each group flush (power-loss durability).
    pub sync_data: bool,
    /// sled: the page cache size.
    pub cache_capacity_bytes: u64,
    /// postgres: the connection URL, e.g. `postgres://govshare:SECRET@db:5432/govshare`. It
    /// holds a password: it is never logged.
    pub url: Option<String>,
    /// postgres: connections each server keeps open at most.
    pub pool_size: usize,
}

/// The backends `store.backend` may name.
pub(crate) const STORE_BACKENDS: &[&str] = &["sled", "postgres"];

impl StoreConfig {
    /// Whether records live in PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.backend == "postgres"
    }
}

/// The connection URL carries a password: Debug shows only whether one is set.
impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreConfig")
            .field("backend", &self.backend)
            .field("sync_data", &self.sync_data)
            .field("cache_capacity_bytes", &self.cache_capacity_bytes)
            .field("url", &self.url.as_ref().map(|_| "<set>"))
            .field("pool_size", &self.pool_size)
            .finish()
    }
}

/// `[api]`: limits of the gRPC API.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    pub default_page_size: usize,
    /// Larger page sizes are served as this many.
    pub max_page_size: usize,
    /// A page ends before the row that would take its reply over this many bytes.
    pub max_page_bytes: usize,
    pub max_message_bytes: usize,
    /// Calls one credential may have in flight at once, streams until they end; 0: no limit.
    pub per_token_concurrency: usize,
    /// Calls one credential may start per second, on average; 0: no limit.
    pub per_token_rate: f64,
    /// Calls one credential may start at once after a quiet spell; 0: the rate, rounded up.
    pub per_token_burst: u32,
    /// The server's time limit for a reply, in milliseconds (unary calls; server streams until
    /// their first message; not uploads, watches' later messages or VerifyAccessLog); 0: none.
    pub request_timeout_ms: u64,
    /// Seconds between HTTP/2 pings on a quiet connection; 0: none.
    pub http2_keepalive_interval_secs: u64,
    /// Seconds a ping may go unanswered before the connection is closed.
    pub http2_keepalive_timeout_secs: u64,
}

/// `[exchange]`: where snapshot data lives and how it moves.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExchangeConfig {
    /// The blob directory; unset: `DATA_DIR/blobs`. With a bucket it is this server's working
    /// copy of the bucket.
    pub blob_dir: Option<PathBuf>,
    /// The largest snapshot accepted, in bytes.
    pub max_snapshot_bytes: u64,
    /// The longest CSV record or NDJSON line PublishData accepts and FetchData delivers, in
    /// bytes: what one upload or fetch holds of one record at most.
    pub max_record_bytes: u64,
    /// The size of the data chunks FetchData sends, in bytes.
    pub chunk_bytes: usize,
    /// PublishData and FetchData streams the server serves at once, every credential together.
    pub max_data_streams: usize,
    /// Of those, the most one department's credentials may have at once.
    pub max_data_streams_per_department: usize,
    /// How long, in milliseconds, an upload may wait for its next message, or a download for
    /// its client to take the next one, before it is ended as idle.
    pub stream_idle_timeout_ms: u64,
    /// `s3://bucket[/prefix]`: an S3-compatible bucket holding every published blob, for
    /// servers that share no blob directory. Region and credentials come from the standard
    /// `AWS_*` environment variables.
    pub bucket_url: Option<String>,
    /// The bucket's endpoint, for S3-compatible servers other than AWS, e.g.
    /// `https://minio.internal:9000` (`http://` is allowed); unset: `AWS_ENDPOINT` or AWS.
    pub bucket_endpoint: Option<String>,
    /// The `AWS_*` variables of the environment, as [`Config::load`] found them: region and
    /// credentials of the bucket. Never read from the file, never shown by Debug.
    #[serde(skip)]
    pub bucket_env: Vec<(String, String)>,
}

/// `exchange.max_record_bytes` may not be lower: a CSV header of the most items.
const MIN_RECORD_BYTES: u64 = 64 * 1024;
/// `exchange.max_record_bytes` may not be higher: one record is held whole in memory.
const MAX_RECORD_BYTES: u64 = 1024 * 1024 * 1024;

impl Default for ExchangeConfig {
    fn default() -> Self {
        ExchangeConfig {
            blob_dir: None,
            max_snapshot_bytes: 4 * 1024 * 1024 * 1024,
            max_record_bytes: govshare_exchange::DEFAULT_MAX_RECORD_BYTES,
            chunk_bytes: 1024 * 1024,
            max_data_streams: 128,
            max_data_streams_per_department: 32,
            stream_idle_timeout_ms: 30_000,
            bucket_url: None,
            bucket_endpoint: None,
            bucket_env: Vec::new(),
        }
    }
}

impl ExchangeConfig {
    /// The bucket, if one is configured (checked by validation).
    pub(crate) fn bucket(&self) -> Option<govshare_exchange::BucketUrl> {
        self.bucket_url
            .as_deref()
            .and_then(|u| govshare_exchange::BucketUrl::parse(u.trim()).ok())
    }
}

/// The `AWS_*` variables hold credentials: Debug shows only their names.
impl std::fmt::Debug for ExchangeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.bucket_env.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("ExchangeConfig")
            .field("blob_dir", &self.blob_dir)
            .field("max_snapshot_bytes", &self.max_snapshot_bytes)
            .field("max_record_bytes", &self.max_record_bytes)
            .field("chunk_bytes", &self.chunk_bytes)
            .field("max_data_streams", &self.max_data_streams)
            .field(
                "max_data_streams_per_department",
                &self.max_data_streams_per_department,
            )
            .field("stream_idle_timeout_ms", &self.stream_idle_timeout_ms)
            .field("bucket_url", &self.bucket_url)
            .field("bucket_endpoint", &self.bucket_endpoint)
            .field("bucket_env", &names)
            .finish()
    }
}

/// `[sharing]`: the periods of the sharing rules and the working-day calendar.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SharingConfig {
    /// Working days a provider has to answer a conditional request.
    pub answer_working_days: u32,
    /// Days a grant lasts when the requester names no end.
    pub default_grant_days: u32,
    /// The longest a grant may last, in days.
    pub max_grant_days: u32,
    /// A calendar file (deploy/calendar/cn.toml format); unset: the calendar built in.
    pub calendar_file: Option<PathBuf>,
}

impl Default for SharingConfig {
    fn default() -> Self {
        let policy = govshare_sharing::SharingPolicy::default();
        SharingConfig {
            answer_working_days: policy.answer_working_days,
            default_grant_days: policy.default_grant_days,
            max_grant_days: policy.max_grant_days,
            calendar_file: None,
        }
    }
}

impl Config {
    /// Where snapshot blobs live.
    pub fn blob_dir(&self) -> PathBuf {
        self.exchange
            .blob_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("blobs"))
    }
}

impl Config {
    /// Where the full-text index lives.
    pub fn search_dir(&self) -> PathBuf {
        self.search
            .dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("search"))
    }
}

impl Config {
    /// Where the access log lives.
    pub fn audit_dir(&self) -> PathBuf {
        self.audit
            .dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit"))
    }
}

impl SharingConfig {
    pub(crate) fn policy(&self) -> govshare_sharing::SharingPolicy {
        govshare_sharing::SharingPolicy {
            answer_working_days: self.answer_working_days,
            default_grant_days: self.default_grant_days,
            max_grant_days: self.max_grant_days,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./govshare-data"),
            grpc_addr: SocketAddr::from(([127, 0, 0, 1], 50051)),
            metrics_addr: SocketAddr::from(([127, 0, 0, 1], 9464)),
            console_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            log_format: LogFormat::Text,
            store: StoreConfig::default(),
            catalog: CatalogConfig::default(),
            api: ApiConfig::default(),
            sharing: SharingConfig::default(),
            exchange: ExchangeConfig::default(),
            audit: AuditConfig::default(),
            search: SearchConfig::default(),
            tls: TlsConfig::default(),
            console: ConsoleConfig::default(),
        }
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            backend: "sled".into(),
            sync_data: true,
            cache_capacity_bytes: 256 * 1024 * 1024,
            url: None,
            pool_size: 16,
        }
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            default_page_size: 50,
            max_page_size: 500,
            max_page_bytes: 1024 * 1024,
            max_message_bytes: 4 * 1024 * 1024,
            per_token_concurrency: 256,
            per_token_rate: 0.0,
            per_token_burst: 0,
            request_timeout_ms: 30_000,
            http2_keepalive_interval_secs: 30,
            http2_keepalive_timeout_secs: 10,
        }
    }
}

/// A configuration problem, naming the key or variable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {name}={value:?}: {message}")]
    Env {
        name: String,
        value: String,
        message: String,
    },
    #[error("configuration key {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

impl Config {
    /// Parses a TOML document.
    pub(crate) fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    /// Builds the configuration: defaults, then the file, then `env`, then `args`.
    pub fn load(
        args: &ServeArgs,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut config = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                Config::from_toml(&text, path)?
            }
            None => Config::default(),
        };
        for (name, value) in env {
            config.apply_env(&name, &value)?;
        }
        if let Some(v) = &args.data_dir {
            config.data_dir = v.clone();
        }
        if let Some(v) = args.grpc_addr {
            config.grpc_addr = v;
        }
        if let Some(v) = args.metrics_addr {
            config.metrics_addr = v;
        }
        if let Some(v) = args.console_addr {
            config.console_addr = v;
        }
        if args.no_console {
            config.console.enabled = false;
        }
        if let Some(v) = args.log_format {
            config.log_format = v;
        }
        config.validate()?;
        Ok(config)
    }

    /// Applies one `GOVSHARE_*` variable; other variables are ignored.
    fn apply_env(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        fn parsed<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.parse().map_err(|e: T::Err| ConfigError::Env {
                name: name.to_owned(),
                value: value.to_owned(),
                message: e.to_string(),
            })
        }
        match name {
            "GOVSHARE_DATA_DIR" => self.data_dir = PathBuf::from(value),
            "GOVSHARE_GRPC_ADDR" => self.grpc_addr = parsed(name, value)?,
            "GOVSHARE_METRICS_ADDR" => self.metrics_addr = parsed(name, value)?,
            "GOVSHARE_CONSOLE_ADDR" => self.console_addr = parsed(name, value)?,
            "GOVSHARE_CONSOLE_ENABLED" => self.console.enabled = parsed(name, value)?,
            "GOVSHARE_LOG_FORMAT" => {
                self.log_format = match value {
                    "text" => LogFormat::Text,
                    "json" => LogFormat::Json,
                    _ => {
                        return Err(ConfigError::Env {
                            name: name.into(),
                            value: value.into(),
                            message: "expected text or json".into(),
                        });
                    }
                }
            }
            "GOVSHARE_STORE_BACKEND" => self.store.backend = value.to_owned(),
            "GOVSHARE_STORE_URL" => self.store.url = Some(value.to_owned()),
            "GOVSHARE_STORE_POOL_SIZE" => self.store.pool_size = parsed(name, value)?,
            "GOVSHARE_STORE_SYNC_DATA" => self.store.sync_data = parsed(name, value)?,
            "GOVSHARE_STORE_CACHE_CAPACITY_BYTES" => {
                self.store.cache_capacity_bytes = parsed(name, value)?
            }
            "GOVSHARE_API_DEFAULT_PAGE_SIZE" => self.api.default_page_size = parsed(name, value)?,
            "GOVSHARE_API_MAX_PAGE_SIZE" => self.api.max_page_size = parsed(name, value)?,
            "GOVSHARE_API_MAX_PAGE_BYTES" => self.api.max_page_bytes = parsed(name, value)?,
            "GOVSHARE_API_MAX_MESSAGE_BYTES" => self.api.max_message_bytes = parsed(name, value)?,
            "GOVSHARE_API_PER_TOKEN_CONCURRENCY" => {
                self.api.per_token_concurrency = parsed(name, value)?
            }
            "GOVSHARE_API_PER_TOKEN_RATE" => self.api.per_token_rate = parsed(name, value)?,
            "GOVSHARE_API_PER_TOKEN_BURST" => self.api.per_token_burst = parsed(name, value)?,
            "GOVSHARE_API_REQUEST_TIMEOUT_MS" => self.api.request_timeout_ms = parsed(name, value)?,
            "GOVSHARE_API_HTTP2_KEEPALIVE_INTERVAL_SECS" => {
                self.api.http2_keepalive_interval_secs = parsed(name, value)?
            }
            "GOVSHARE_API_HTTP2_KEEPALIVE_TIMEOUT_SECS" => {
                self.api.http2_keepalive_timeout_secs = parsed(name, value)?
            }
            "GOVSHARE_CATALOG_UPDATE_WORKING_DAYS" => {
                self.catalog.update_working_days = parsed(name, value)?
            }
            "GOVSHARE_CATALOG_VERSIONS_CACHE_BYTES" => {
                self.catalog.versions_cache_bytes = parsed(name, value)?
            }
            "GOVSHARE_SHARING_ANSWER_WORKING_DAYS" => {
                self.sharing.answer_working_days = parsed(name, value)?
            }
            "GOVSHARE_SHARING_DEFAULT_GRANT_DAYS" => {
                self.sharing.default_grant_days = parsed(name, value)?
            }
            "GOVSHARE_SHARING_MAX_GRANT_DAYS" => self.sharing.max_grant_days = parsed(name, value)?,
            "GOVSHARE_EXCHANGE_BLOB_DIR" => self.exchange.blob_dir = Some(PathBuf::from(value)),
            "GOVSHARE_EXCHANGE_MAX_SNAPSHOT_BYTES" => {
                self.exchange.max_snapshot_bytes = parsed(name, value)?
            }
            "GOVSHARE_EXCHANGE_MAX_RECORD_BYTES" => {
                self.exchange.max_record_bytes = parsed(name, value)?
            }
            "GOVSHARE_EXCHANGE_CHUNK_BYTES" => self.exchange.chunk_bytes = parsed(name, value)?,
            "GOVSHARE_EXCHANGE_MAX_DATA_STREAMS" => {
                self.exchange.max_data_streams = parsed(name, value)?
            }
            "GOVSHARE_EXCHANGE_MAX_DATA_STREAMS_PER_DEPARTMENT" => {
                self.exchange.max_data_streams_per_department = parsed(name, value)?
            }
            "GOVSHARE_EXCHANGE_STREAM_IDLE_TIMEOUT_MS" => {
                self.exchange.stream_idle_timeout_ms = parsed(name, value)?
            }
            "GOVSHARE_EXCHANGE_BUCKET_URL" => self.exchange.bucket_url = Some(value.to_owned()),
            "GOVSHARE_EXCHANGE_BUCKET_ENDPOINT" => {
                self.exchange.bucket_endpoint = Some(value.to_owned())
            }
            // The bucket's region and credentials, as the AWS tools read them.
            _ if name.starts_with("AWS_") => {
                self.exchange
                    .bucket_env
                    .push((name.to_owned(), value.to_owned()));
            }
            "GOVSHARE_AUDIT_DIR" => self.audit.dir = Some(PathBuf::from(value)),
            "GOVSHARE_AUDIT_SYNC" => self.audit.sync = parsed(name, value)?,
            "GOVSHARE_AUDIT_SEGMENT_BYTES" => self.audit.segment_bytes = parsed(name, value)?,
            "GOVSHARE_AUDIT_VERIFY_INTERVAL_SECS" => {
                self.audit.verify_interval_secs = parsed(name, value)?
            }
            "GOVSHARE_SEARCH_DIR" => self.search.dir = Some(PathBuf::from(value)),
            "GOVSHARE_SHARING_CALENDAR_FILE" => {
                self.sharing.calendar_file = Some(PathBuf::from(value))
            }
            _ => self.tls.apply_env(name, value)?,
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !STORE_BACKENDS.contains(&self.store.backend.as_str()) {
            return Err(ConfigError::Invalid {
                key: "store.backend",
                message: format!(
                    "未知的存储后端 unknown backend {:?}; supported: \"sled\" (embedded, the \
                     default) or \"postgres\"",
                    self.store.backend
                ),
            });
        }
        if self.store.is_postgres() {
            if self
                .store
                .url
                .as_deref()
                .is_none_or(|u| u.trim().is_empty())
            {
                return Err(ConfigError::Invalid {
                    key: "store.url",
                    message:
                        "缺少数据库连接地址 backend \"postgres\" needs a connection URL, e.g. \
                              postgres://govshare:SECRET@db:5432/govshare (or GOVSHARE_STORE_URL)"
                            .into(),
                });
            }
            if self.store.pool_size == 0 {
                return Err(ConfigError::Invalid {
                    key: "store.pool_size",
                    message: "must be at least 1".into(),
                });
            }
        }
        if self.api.default_page_size == 0 || self.api.default_page_size > self.api.max_page_size {
            return Err(ConfigError::Invalid {
                key: "api.default_page_size",
                message: "must be at least 1 and at most api.max_page_size".into(),
            });
        }
        if self.api.max_page_bytes < 1024 {
            return Err(ConfigError::Invalid {
                key: "api.max_page_bytes",
                message: "must be at least 1024 (and well under the clients' 4 MiB limit on a \
                          reply)"
                    .into(),
            });
        }
        if self.api.max_message_bytes < 1024 {
            return Err(ConfigError::Invalid {
                key: "api.max_message_bytes",
                message: "must be at least 1024".into(),
            });
        }
        if !(self.api.per_token_rate.is_finite() && self.api.per_token_rate >= 0.0) {
            return Err(ConfigError::Invalid {
                key: "api.per_token_rate",
                message: "must be a number of calls per second, 0 or more (0: no limit)".into(),
            });
        }
        if !(4096..=2 * 1024 * 1024).contains(&self.exchange.chunk_bytes) {
            return Err(ConfigError::Invalid {
                key: "exchange.chunk_bytes",
                message: "must be between 4096 and 2097152 bytes (a chunk may overshoot by one \
                          CSV record, and gRPC clients refuse messages over 4 MiB by default)"
                    .into(),
            });
        }
        // The blocking pool holds 512 threads; a stream uses one while it moves bytes.
        if !(1..=256).contains(&self.exchange.max_data_streams) {
            return Err(ConfigError::Invalid {
                key: "exchange.max_data_streams",
                message: "must be between 1 and 256 (each stream may use one of the 512 blocking \
                          threads while it moves bytes; the rest serve everything else)"
                    .into(),
            });
        }
        if self.exchange.max_data_streams_per_department == 0 {
            return Err(ConfigError::Invalid {
                key: "exchange.max_data_streams_per_department",
                message: "must be at least 1 (keep it below max_data_streams, so that one \
                          department cannot take every slot)"
                    .into(),
            });
        }
        if !(100..=3_600_000).contains(&self.exchange.stream_idle_timeout_ms) {
            return Err(ConfigError::Invalid {
                key: "exchange.stream_idle_timeout_ms",
                message: "must be between 100 and 3600000 milliseconds".into(),
            });
        }
        if self.api.http2_keepalive_interval_secs > 0
            && !(1..=3600).contains(&self.api.http2_keepalive_timeout_secs)
        {
            return Err(ConfigError::Invalid {
                key: "api.http2_keepalive_timeout_secs",
                message: "must be between 1 and 3600 seconds".into(),
            });
        }
        if self.exchange.max_snapshot_bytes == 0 {
            return Err(ConfigError::Invalid {
                key: "exchange.max_snapshot_bytes",
                message: "must be at least 1".into(),
            });
        }
        if !(MIN_RECORD_BYTES..=MAX_RECORD_BYTES).contains(&self.exchange.max_record_bytes) {
            return Err(ConfigError::Invalid {
                key: "exchange.max_record_bytes",
                message: format!(
                    "must be between {MIN_RECORD_BYTES} and {MAX_RECORD_BYTES} bytes (each \
                     upload and fetch holds up to one record of this size in memory)"
                ),
            });
        }
        if let Some(url) = &self.exchange.bucket_url
            && let Err(why) = govshare_exchange::BucketUrl::parse(url.trim())
        {
            return Err(ConfigError::Invalid {
                key: "exchange.bucket_url",
                message: format!(
                    "存储桶地址应为 s3://桶名[/前缀] must be s3://bucket[/prefix]: {why}"
                ),
            });
        }
        if let Some(endpoint) = &self.exchange.bucket_endpoint {
            let endpoint = endpoint.trim();
            let valid = ["http://", "https://"]
                .iter()
                .any(|s| endpoint.strip_prefix(s).is_some_and(|h| !h.is_empty()))
                && !endpoint.contains('@');
            if !valid {
                return Err(ConfigError::Invalid {
                    key: "exchange.bucket_endpoint",
                    message: "存储桶服务地址应为 http(s)://主机[:端口] must be \
                              http(s)://host[:port], without credentials (they come from \
                              AWS_* variables)"
                        .into(),
                });
            }
            if self.exchange.bucket_url.is_none() {
                return Err(ConfigError::Invalid {
                    key: "exchange.bucket_endpoint",
                    message: "只在设置 exchange.bucket_url 时有效 is used only with \
                              exchange.bucket_url"
                        .into(),
                });
            }
        }
        if !(1024 * 1024..=1024 * 1024 * 1024).contains(&self.audit.segment_bytes) {
            return Err(ConfigError::Invalid {
                key: "audit.segment_bytes",
                message: "must be between 1 MiB and 1 GiB".into(),
            });
        }
        if !(1..=60).contains(&self.catalog.update_working_days) {
            return Err(ConfigError::Invalid {
                key: "catalog.update_working_days",
                message: "must be between 1 and 60 working days".into(),
            });
        }
        if !(1024 * 1024..=64 * 1024 * 1024 * 1024).contains(&self.catalog.versions_cache_bytes) {
            return Err(ConfigError::Invalid {
                key: "catalog.versions_cache_bytes",
                message: "must be between 1 MiB and 64 GiB".into(),
            });
        }
        if !(1..=60).contains(&self.sharing.answer_working_days) {
            return Err(ConfigError::Invalid {
                key: "sharing.answer_working_days",
                message: "must be between 1 and 60 working days".into(),
            });
        }
        if self.sharing.max_grant_days == 0 || self.sharing.max_grant_days > 36_500 {
            return Err(ConfigError::Invalid {
                key: "sharing.max_grant_days",
                message: "must be between 1 and 36500 days".into(),
            });
        }
        if self.sharing.default_grant_days == 0
            || self.sharing.default_grant_days > self.sharing.max_grant_days
        {
            return Err(ConfigError::Invalid {
                key: "sharing.default_grant_days",
                message: "must be at least 1 and at most sharing.max_grant_days".into(),
            });
        }
        self.tls.validate()?;
        self.validate_console()
    }

    /// The console needs a port of its own.
    fn validate_console(&self) -> Result<(), ConfigError> {
        if !self.console.enabled {
            return Ok(());
        }
        let taken = [
            ("grpc_addr", self.grpc_addr),
            ("metrics_addr", self.metrics_addr),
        ];
        for (key, addr) in taken {
            if addr.port() != 0 && addr == self.console_addr {
                return Err(ConfigError::Invalid {
                    key: "console_addr",
                    message: format!(
                        "控制台地址 {addr} 与 {key} 相同，请另选端口，或以 [console] enabled = \
                         false（--no-console）关闭控制台 (the console address {addr} is also \
                         {key}: choose another port, or turn the console off with [console] \
                         enabled = false or --no-console)"
                    ),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = Config::load(&ServeArgs::default(), []).expect("defaults");
        assert_eq!(c.data_dir, PathBuf::from("./govshare-data"));
        assert_eq!(c.grpc_addr.to_string(), "127.0.0.1:50051");
        assert_eq!(c.metrics_addr.to_string(), "127.0.0.1:9464");
        assert_eq!(c.console_addr.to_string(), "127.0.0.1:8080");
        assert!(c.console.enabled);
        assert!(c.store.sync_data);
    }

    #[test]
    fn the_console_is_set_by_file_environment_and_flags() {
        let (_dir, file) =
            config_file("console_addr = \"0.0.0.0:8443\"\n[console]\nenabled = false\n");
        let from_file = ServeArgs {
            config: Some(file),
            ..ServeArgs::default()
        };
        let c = Config::load(&from_file, []).expect("file");
        assert_eq!(c.console_addr.to_string(), "0.0.0.0:8443");
        assert!(!c.console.enabled);
        let c = Config::load(
            &from_file,
            env(&[
                ("GOVSHARE_CONSOLE_ENABLED", "true"),
                ("GOVSHARE_CONSOLE_ADDR", "127.0.0.1:9000"),
            ]),
        )
        .expect("environment");
        assert_eq!(c.console_addr.to_string(), "127.0.0.1:9000");
        assert!(c.console.enabled);
        let flags = ServeArgs {
            console_addr: Some("127.0.0.1:9001".parse().expect("addr")),
            ..ServeArgs::default()
        };
        let c = Config::load(&flags, env(&[("GOVSHARE_CONSOLE_ADDR", "127.0.0.1:9000")]))
            .expect("flag");
        assert_eq!(c.console_addr.to_string(), "127.0.0.1:9001");
        let off = ServeArgs {
            no_console: true,
            ..ServeArgs::default()
        };
        assert!(!Config::load(&off, []).expect("off").console.enabled);

        let err = Config::load(
            &ServeArgs::default(),
            env(&[("GOVSHARE_CONSOLE_ENABLED", "no")]),
        )
        .expect_err("not a boolean");
        assert!(
            err.to_string().contains("GOVSHARE_CONSOLE_ENABLED"),
            "{err}"
        );
    }

    #[test]
    fn a_console_on_another_listeners_address_is_refused_naming_the_key() {
        let pairs = [("GOVSHARE_CONSOLE_ADDR", "127.0.0.1:9464")];
        let err = Config::load(&ServeArgs::default(), env(&pairs)).expect_err("same as metrics");
        let err = err.to_string();
        assert!(err.contains("console_addr"), "{err}");
        assert!(err.contains("metrics_addr"), "{err}");
        let pairs = [
            ("GOVSHARE_CONSOLE_ADDR", "127.0.0.1:9464"),
            ("GOVSHARE_CONSOLE_ENABLED", "false"),
        ];
        Config::load(&ServeArgs::default(), env(&pairs)).expect("no console, no conflict");
    }

    #[test]
    fn example_file_parses_to_the_defaults() {
        // deploy/ is at the top of the workspace, two levels above this package.
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/govshare.example.toml");
        let text = std::fs::read_to_string(&path).expect("example config");
        assert_eq!(
            Config::from_toml(&text, &path).expect("parse"),
            Config::default()
        );
    }

    #[test]
    fn flags_override_environment_which_overrides_the_file() {
        let (_dir, file) = config_file("grpc_addr = \"127.0.0.1:1\"\ndata_dir = \"/from/file\"\n");
        let args = ServeArgs {
            config: Some(file),
            data_dir: Some("/from/flag".into()),
            ..ServeArgs::default()
        };
        let env = [
            ("GOVSHARE_GRPC_ADDR".to_owned(), "127.0.0.1:2".to_owned()),
            ("GOVSHARE_DATA_DIR".to_owned(), "/from/env".to_owned()),
        ];
        let c = Config::load(&args, env).expect("load");
        assert_eq!(c.grpc_addr.to_string(), "127.0.0.1:2");
        assert_eq!(c.data_dir, PathBuf::from("/from/flag"));
    }

    #[test]
    fn sharing_periods_are_checked_naming_the_key() {
        let env = [(
            "GOVSHARE_SHARING_DEFAULT_GRANT_DAYS".to_owned(),
            "5000".to_owned(),
        )];
        let err = Config::load(&ServeArgs::default(), env).expect_err("default above max");
        assert!(
            err.to_string().contains("sharing.default_grant_days"),
            "{err}"
        );
        let env = [(
            "GOVSHARE_SHARING_ANSWER_WORKING_DAYS".to_owned(),
            "5".to_owned(),
        )];
        let c = Config::load(&ServeArgs::default(), env).expect("five working days");
        assert_eq!(c.sharing.policy().answer_working_days, 5);
    }

    #[test]
    fn per_credential_limits_load_and_a_bad_rate_is_refused_naming_the_key() {
        let env = [
            ("GOVSHARE_API_PER_TOKEN_RATE".to_owned(), "12.5".to_owned()),
            ("GOVSHARE_API_PER_TOKEN_BURST".to_owned(), "20".to_owned()),
            (
                "GOVSHARE_API_PER_TOKEN_CONCURRENCY".to_owned(),
                "8".to_owned(),
            ),
            ("GOVSHARE_API_REQUEST_TIMEOUT_MS".to_owned(), "0".to_owned()),
        ];
        let c = Config::load(&ServeArgs::default(), env).expect("limits");
        assert_eq!(c.api.per_token_rate, 12.5);
        assert_eq!(c.api.per_token_burst, 20);
        assert_eq!(c.api.per_token_concurrency, 8);
        assert_eq!(c.api.request_timeout(), None);
        for rate in ["-1", "NaN", "inf"] {
            let env = [("GOVSHARE_API_PER_TOKEN_RATE".to_owned(), rate.to_owned())];
            let err = Config::load(&ServeArgs::default(), env).expect_err(rate);
            assert!(
                err.to_string().contains("api.per_token_rate"),
                "{rate}: {err}"
            );
        }
    }

    #[test]
    fn the_page_byte_budget_loads_and_a_tiny_one_is_refused_naming_the_key() {
        assert_eq!(Config::default().api.max_page_bytes, 1024 * 1024);
        let c = Config::load(
            &ServeArgs::default(),
            env(&[("GOVSHARE_API_MAX_PAGE_BYTES", "262144")]),
        )
        .expect("page bytes");
        assert_eq!(c.api.max_page_bytes, 262_144);
        let err = Config::load(
            &ServeArgs::default(),
            env(&[("GOVSHARE_API_MAX_PAGE_BYTES", "100")]),
        )
        .expect_err("too small");
        assert!(err.to_string().contains("api.max_page_bytes"), "{err}");
    }

    #[test]
    fn the_versions_cache_budget_loads_and_one_out_of_range_is_refused_naming_the_key() {
        assert_eq!(
            Config::default().catalog.versions_cache_bytes,
            128 * 1024 * 1024
        );
        let c = Config::load(
            &ServeArgs::default(),
            env(&[("GOVSHARE_CATALOG_VERSIONS_CACHE_BYTES", "16777216")]),
        )
        .expect("cache bytes");
        assert_eq!(c.catalog.versions_cache_bytes, 16 * 1024 * 1024);
        for bytes in ["1000", "100000000000"] {
            let err = Config::load(
                &ServeArgs::default(),
                env(&[("GOVSHARE_CATALOG_VERSIONS_CACHE_BYTES", bytes)]),
            )
            .expect_err(bytes);
            assert!(
                err.to_string().contains("catalog.versions_cache_bytes"),
                "{bytes}: {err}"
            );
        }
    }

    /// A configuration file holding `text`; it lives as long as the returned directory.
    fn config_file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("c.toml");
        std::fs::write(&file, text).expect("write");
        (dir, file)
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const PG_URL: &str = "postgres://govshare:s3cr3t-Pa55@db.example:5432/govshare";

    #[test]
    fn the_postgres_backend_without_a_url_is_refused_naming_store_url() {
        let err = Config::from_toml("[store]\nbackend = \"postgres\"\n", Path::new("c.toml"))
            .expect("parses")
            .validate()
            .expect_err("no url");
        assert!(err.to_string().contains("store.url"), "{err}");
        for url in [None, Some(""), Some("  ")] {
            let mut pairs = vec![("GOVSHARE_STORE_BACKEND", "postgres")];
            pairs.extend(url.map(|u| ("GOVSHARE_STORE_URL", u)));
            let err = Config::load(&ServeArgs::default(), env(&pairs)).expect_err("no url");
            assert!(err.to_string().contains("store.url"), "{url:?}: {err}");
        }
        // sled needs none.
        let c = Config::load(&ServeArgs::default(), []).expect("sled");
        assert!(!c.store.is_postgres());
        assert_eq!(c.store.url, None);
    }

    #[test]
    fn an_unknown_backend_is_refused_naming_store_backend() {
        let text = "[store]\nbackend = \"mysql\"\nurl = \"mysql://db\"\n";
        let err = Config::from_toml(text, Path::new("c.toml"))
            .expect("parses")
            .validate()
            .expect_err("mysql");
        assert!(err.to_string().contains("store.backend"), "{err}");
        for backend in ["Postgres", "pg", ""] {
            let pairs = [
                ("GOVSHARE_STORE_BACKEND", backend),
                ("GOVSHARE_STORE_URL", PG_URL),
            ];
            let err = Config::load(&ServeArgs::default(), env(&pairs)).expect_err(backend);
            assert!(
                err.to_string().contains("store.backend"),
                "{backend}: {err}"
            );
        }
    }

    #[test]
    fn the_postgres_store_loads_from_the_environment() {
        let pairs = [
            ("GOVSHARE_STORE_BACKEND", "postgres"),
            ("GOVSHARE_STORE_URL", PG_URL),
            ("GOVSHARE_STORE_POOL_SIZE", "4"),
        ];
        let c = Config::load(&ServeArgs::default(), env(&pairs)).expect("postgres");
        assert!(c.store.is_postgres());
        assert_eq!(c.store.backend, "postgres");
        assert_eq!(c.store.url.as_deref(), Some(PG_URL));
        assert_eq!(c.store.pool_size, 4);

        // The file's choice is overridden by the environment, like every key.
        let (_dir, file) = config_file(
            "[store]\nbackend = \"postgres\"\nurl = \"postgres://file@db/govshare\"\npool_size = 32\n",
        );
        let args = ServeArgs {
            config: Some(file),
            ..ServeArgs::default()
        };
        let c = Config::load(&args, []).expect("from the file");
        assert_eq!(c.store.url.as_deref(), Some("postgres://file@db/govshare"));
        assert_eq!(c.store.pool_size, 32);
        let c = Config::load(&args, env(&pairs)).expect("file and environment");
        assert_eq!(c.store.url.as_deref(), Some(PG_URL));
        assert_eq!(c.store.pool_size, 4);
        let c = Config::load(&args, env(&[("GOVSHARE_STORE_BACKEND", "sled")])).expect("sled");
        assert!(!c.store.is_postgres());

        let bad = [("GOVSHARE_STORE_POOL_SIZE", "many")];
        let err = Config::load(&ServeArgs::default(), env(&bad)).expect_err("not a number");
        assert!(
            err.to_string().contains("GOVSHARE_STORE_POOL_SIZE"),
            "{err}"
        );
    }

    #[test]
    fn debug_output_never_shows_the_database_password() {
        let pairs = [
            ("GOVSHARE_STORE_BACKEND", "postgres"),
            ("GOVSHARE_STORE_URL", PG_URL),
        ];
        let c = Config::load(&ServeArgs::default(), env(&pairs)).expect("postgres");
        for shown in [
            format!("{c:?}"),
            format!("{c:#?}"),
            format!("{:?}", c.store),
        ] {
            assert!(!shown.contains("s3cr3t-Pa55"), "{shown}");
            assert!(!shown.contains(PG_URL), "{shown}");
            assert!(shown.contains("postgres"), "the backend is shown: {shown}");
        }
    }

    #[test]
    fn a_pool_size_of_zero_is_refused_naming_the_key() {
        let pairs = [
            ("GOVSHARE_STORE_BACKEND", "postgres"),
            ("GOVSHARE_STORE_URL", PG_URL),
            ("GOVSHARE_STORE_POOL_SIZE", "0"),
        ];
        let err = Config::load(&ServeArgs::default(), env(&pairs)).expect_err("zero");
        assert!(err.to_string().contains("store.pool_size"), "{err}");
        let text = format!("[store]\nbackend = \"postgres\"\nurl = \"{PG_URL}\"\npool_size = 0\n");
        let err = Config::from_toml(&text, Path::new("c.toml"))
            .expect("parses")
            .validate()
            .expect_err("zero");
        assert!(err.to_string().contains("store.pool_size"), "{err}");
        assert!(!err.to_string().contains("s3cr3t-Pa55"), "{err}");
    }

    #[test]
    fn the_bucket_loads_from_the_environment_and_a_bad_url_is_refused_naming_the_key() {
        let env = [
            (
                "GOVSHARE_EXCHANGE_BUCKET_URL".to_owned(),
                "s3://gov-blobs/snapshots".to_owned(),
            ),
            (
                "GOVSHARE_EXCHANGE_BUCKET_ENDPOINT".to_owned(),
                "http://127.0.0.1:9000".to_owned(),
            ),
            ("AWS_ACCESS_KEY_ID".to_owned(), "key-id".to_owned()),
            ("AWS_SECRET_ACCESS_KEY".to_owned(), "top-secret".to_owned()),
        ];
        let c = Config::load(&ServeArgs::default(), env).expect("bucket");
        let bucket = c.exchange.bucket().expect("a bucket");
        assert_eq!(
            (bucket.bucket.as_str(), bucket.prefix.as_str()),
            ("gov-blobs", "snapshots")
        );
        assert_eq!(
            c.exchange.bucket_endpoint.as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(c.exchange.bucket_env.len(), 2);
        let shown = format!("{c:?}");
        assert!(!shown.contains("top-secret"), "{shown}");
        assert!(shown.contains("AWS_SECRET_ACCESS_KEY"), "{shown}");

        for url in ["gov-blobs", "s3://gov-blobs//x", "s3://id:secret@gov-blobs"] {
            let env = [("GOVSHARE_EXCHANGE_BUCKET_URL".to_owned(), url.to_owned())];
            let err = Config::load(&ServeArgs::default(), env).expect_err(url);
            let err = err.to_string();
            assert!(err.contains("exchange.bucket_url"), "{url}: {err}");
            assert!(!err.contains("secret"), "{url}: {err}");
        }
        let env = [(
            "GOVSHARE_EXCHANGE_BUCKET_ENDPOINT".to_owned(),
            "http://127.0.0.1:9000".to_owned(),
        )];
        let err = Config::load(&ServeArgs::default(), env).expect_err("endpoint alone");
        assert!(
            err.to_string().contains("exchange.bucket_endpoint"),
            "{err}"
        );
        let err = Config::from_toml("[exchange]\nbucket_env = []\n", Path::new("c.toml"))
            .expect_err("not a key of the file");
        assert!(err.to_string().contains("bucket_env"), "{err}");
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        let err = Config::from_toml("grpc_adr = \"x\"", Path::new("c.toml")).expect_err("typo");
        assert!(err.to_string().contains("grpc_adr"), "{err}");
    }

    #[test]
    fn bad_environment_values_name_the_variable() {
        let env = [("GOVSHARE_GRPC_ADDR".to_owned(), "nowhere".to_owned())];
        let err = Config::load(&ServeArgs::default(), env).expect_err("bad addr");
        assert!(err.to_string().contains("GOVSHARE_GRPC_ADDR"), "{err}");
    }
}
