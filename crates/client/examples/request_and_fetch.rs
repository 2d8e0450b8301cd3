//! A consumer department asks for a catalogue entry's data (a sharing request), waits for the
//! providing department's decision, then fetches the latest snapshot under the grant and
//! checks the file it saved.
//!
//! ```sh
//! GOVSHARE_SERVER=http://127.0.0.1:50051 \
//! GOVSHARE_TOKEN=<a CONSUMER credential of the requesting department> \
//! GOVSHARE_ENTRY=101001/000001 \
//! cargo run -p govshare-client --example request_and_fetch
//! ```
//!
//! Settings, from the environment:
//! - `GOVSHARE_SERVER`: the server's URL (default `http://127.0.0.1:50051`); for TLS also
//!   `GOVSHARE_CA_CERT`, and `GOVSHARE_CLIENT_CERT` with `GOVSHARE_CLIENT_KEY`.
//! - `GOVSHARE_TOKEN`: the consumer's credential (CONSUMER of the requesting department).
//! - `GOVSHARE_ENTRY`: the code of the published entry, e.g. `101001/000001`.
//! - `GOVSHARE_ITEMS` (optional): the 信息项 asked for, separated by commas; default: every
//!   shareable item.
//! - `GOVSHARE_OUT` (optional): where to save the data; default `<entry code>.csv` in the
//!   current directory, with `/` as `-`.
//! - `GOVSHARE_WAIT_SECS` (optional, default 600): how long to wait for the decision.
//! - `GOVSHARE_PURPOSE`, `GOVSHARE_USE_SCOPE`, `GOVSHARE_BUSINESS_SYSTEM` (optional): what the
//!   request says about the use of the data.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use govshare_client::proto::{
    CreateRequestRequest, GetRequestRequest, RequestState, SharingRequest,
};
use govshare_client::retry::on_pushback;
use govshare_client::{Client, Config, Fetched};
use sha2::{Digest as _, Sha256};

/// Any error of the example, told as it is.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What the example needs to know.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The server and the consumer's credential.
    pub config: Config,
    /// The entry asked for.
    pub entry_code: String,
    /// The items asked for; empty: every shareable item.
    pub items: Vec<String>,
    /// Where the data is saved.
    pub out: PathBuf,
    /// How long to wait for the decision.
    pub wait: Duration,
    /// 申请事由.
    pub purpose: String,
    /// 使用范围.
    pub use_scope: String,
    /// 业务系统.
    pub business_system: String,
}

impl Settings {
    /// The settings for `entry_code` with the defaults of the environment variables.
    pub fn new(config: Config, entry_code: impl Into<String>) -> Settings {
        let entry_code = entry_code.into();
        Settings {
            config,
            out: PathBuf::from(format!("{}.csv", entry_code.replace('/', "-"))),
            entry_code,
            items: Vec::new(),
            wait: Duration::from_secs(600),
            purpose: "办理社会救助资格审核时核验申请人身份".into(),
            use_scope: "本局社会救助科".into(),
            business_system: "社会救助信息系统".into(),
        }
    }

    /// The settings of the environment (see the top of this file).
    pub fn from_env() -> Result<Settings, BoxError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let entry = var("GOVSHARE_ENTRY").ok_or("set GOVSHARE_ENTRY to the entry's code")?;
        let mut settings = Settings::new(Config::from_env()?, entry);
        if let Some(items) = var("GOVSHARE_ITEMS") {
            settings.items = items.split(',').map(|i| i.trim().to_string()).collect();
        }
        if let Some(out) = var("GOVSHARE_OUT") {
            settings.out = PathBuf::from(out);
        }
        if let Some(secs) = var("GOVSHARE_WAIT_SECS") {
            settings.wait = Duration::from_secs(secs.parse()?);
        }
        if let Some(purpose) = var("GOVSHARE_PURPOSE") {
            settings.purpose = purpose;
        }
        if let Some(scope) = var("GOVSHARE_USE_SCOPE") {
            settings.use_scope = scope;
        }
        if let Some(system) = var("GOVSHARE_BUSINESS_SYSTEM") {
            settings.business_system = system;
        }
        Ok(settings)
    }
}

/// What the example did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The request, as decided.
    pub request: SharingRequest,
    /// The header and the verified trailer of the download.
    pub fetched: Fetched,
    /// Where the data was saved.
    pub path: PathBuf,
}

/// Asks for the entry, waits for the decision, fetches the data under the grant and checks
/// the saved file against the trailer.
pub async fn run(settings: Settings) -> Result<Outcome, BoxError> {
    let client = Client::connect(settings.config.clone()).await?;
    let sharing = client.sharing();
    let asked = CreateRequestRequest {
        entry_code: settings.entry_code.clone(),
        items: settings.items.clone(),
        purpose: settings.purpose.clone(),
        use_scope: settings.use_scope.clone(),
        business_system: settings.business_system.clone(),
        requested_until: None,
    };
    let request = on_pushback(|| {
        let mut sharing = sharing.clone();
        let asked = asked.clone();
        async move { sharing.create_request(asked).await }
    })
    .await?
    .into_inner();
    println!("sent request {} for {}", request.id, request.entry_code);

    let request = wait_for_decision(&client, request, settings.wait).await?;
    if request.state != RequestState::Approved as i32 {
        return Err(format!(
            "request {} was not approved: {:?} ({})",
            request.id,
            RequestState::try_from(request.state).unwrap_or_default(),
            request.reason
        )
        .into());
    }
    println!(
        "request {} approved: grant {}",
        request.id, request.grant_id
    );

    // Received into OUT.part next to OUT, which appears only once verified.
    let fetched = client
        .fetch_to_path(&settings.entry_code, None, &settings.out)
        .await?;
    let saved = tokio::fs::read(&settings.out).await?;
    let sha256 = hex::encode(Sha256::digest(&saved));
    if sha256 != fetched.trailer.sha256 || saved.len() as u64 != fetched.trailer.size_bytes {
        return Err(format!(
            "{} does not hold what was delivered",
            settings.out.display()
        )
        .into());
    }
    println!(
        "saved {} rows ({} bytes, sha256 {}) of the columns {} to {}",
        fetched.trailer.rows,
        fetched.trailer.size_bytes,
        fetched.trailer.sha256,
        fetched.header.columns.join(", "),
        settings.out.display()
    );
    Ok(Outcome {
        request,
        fetched,
        path: settings.out,
    })
}

/// Polls `request` until it leaves PENDING, for at most `wait`.
async fn wait_for_decision(
    client: &Client,
    mut request: SharingRequest,
    wait: Duration,
) -> Result<SharingRequest, BoxError> {
    let until = Instant::now() + wait;
    if request.state == RequestState::Pending as i32 {
        println!(
            "request {} is pending: waiting up to {}s for the provider's decision",
            request.id,
            wait.as_secs()
        );
    }
    while request.state == RequestState::Pending as i32 {
        if Instant::now() >= until {
            return Err(format!("request {} is still pending", request.id).into());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        request = client
            .sharing()
            .get_request(GetRequestRequest {
                id: request.id.clone(),
            })
            .await?
            .into_inner();
    }
    Ok(request)
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let outcome = run(Settings::from_env()?).await?;
    println!("{} holds the data", outcome.path.display());
    Ok(())
}
