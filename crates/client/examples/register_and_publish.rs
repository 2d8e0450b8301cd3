//! A cataloguer registers a catalogue entry with the 13 core elements of the guideline
//! (《政务信息资源目录编制指南（试行）》), submits it for review, and once it is published
//! publishes a CSV snapshot of its data.
//!
//! ```sh
//! GOVSHARE_SERVER=http://127.0.0.1:50051 \
//! GOVSHARE_TOKEN=<a CATALOGUER credential of the providing department> \
//! GOVSHARE_REVIEWER_TOKEN=<the platform administrator's credential, optional> \
//! cargo run -p govshare-client --example register_and_publish
//! ```
//!
//! Settings, from the environment:
//! - `GOVSHARE_SERVER`: the server's URL (default `http://127.0.0.1:50051`); for TLS also
//!   `GOVSHARE_CA_CERT`, and `GOVSHARE_CLIENT_CERT` with `GOVSHARE_CLIENT_KEY`.
//! - `GOVSHARE_TOKEN`: the cataloguer's credential (CATALOGUER of the providing department).
//! - `GOVSHARE_REVIEWER_TOKEN` (optional): a credential that may review entries (the platform
//!   administrator); the example then approves the entry itself. Without it, the example waits
//!   for a reviewer to approve it.
//! - `GOVSHARE_WAIT_SECS` (optional, default 600): how long to wait for that review.
//! - `GOVSHARE_CSV` (optional): the CSV file to publish, with the columns 公民身份号码, 姓名,
//!   性别, 民族, 出生日期, 户籍地址, 联系电话; default: three sample rows ([`SAMPLE_CSV`]).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use govshare_client::proto::{
    CatalogEntry, Category, Classification, DataSnapshot, DataType, EntryState, FormatKind,
    GetEntryRequest, InfoItem, OpenAttributes, RegisterEntryRequest, ResourceFormat,
    ResourceMetadata, ReviewEntryRequest, ShareMode, ShareType, SharingAttributes,
    SubmitEntryRequest, UpdateCycle,
};
use govshare_client::retry::on_pushback;
use govshare_client::{CSV, Client, Config, Credential, Publish, Upload};

/// Any error of the example, told as it is.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Three people, in the entry's columns.
pub const SAMPLE_CSV: &str = "公民身份号码,姓名,性别,民族,出生日期,户籍地址,联系电话\n\
110101199003071234,张三,1,01,1990-03-07,北京市东城区东华门街道,13800000001\n\
110101198512121234,李四,2,01,1985-12-12,北京市西城区西长安街街道,13800000002\n\
110101200001011234,王五,1,03,2000-01-01,北京市朝阳区建外街道,13800000003\n";

/// What the example needs to know.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The server and the cataloguer's credential.
    pub config: Config,
    /// A credential that may review entries; `None`: wait for someone to review.
    pub reviewer: Option<Credential>,
    /// How long to wait for the review.
    pub wait: Duration,
    /// The CSV file to publish; `None`: [`SAMPLE_CSV`].
    pub csv: Option<PathBuf>,
}

impl Settings {
    /// The settings of the environment (see the top of this file).
    pub fn from_env() -> Result<Settings, BoxError> {
        let reviewer = Credential::from_env_var("GOVSHARE_REVIEWER_TOKEN")?;
        let wait = match std::env::var("GOVSHARE_WAIT_SECS") {
            Ok(secs) => Duration::from_secs(secs.parse()?),
            Err(_) => Duration::from_secs(600),
        };
        Ok(Settings {
            config: Config::from_env()?,
            reviewer: reviewer.is_some().then_some(reviewer),
            wait,
            csv: std::env::var_os("GOVSHARE_CSV").map(PathBuf::from),
        })
    }
}

/// What the example did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The entry, as published.
    pub entry: CatalogEntry,
    /// The snapshot the server recorded (its sha256 and size checked against what was sent).
    pub snapshot: DataSnapshot,
}

/// The entry: 人口基础信息 with the 13 core elements (as deploy/examples/entry.yaml).
pub fn metadata() -> ResourceMetadata {
    let item = |name: &str, data_type: DataType, length: u32, description: &str| InfoItem {
        name: name.into(),
        data_type: data_type as i32,
        length,
        share_type: ShareType::Unspecified as i32,
        description: description.into(),
    };
    let mut phone = item(
        "联系电话",
        DataType::C,
        20,
        "个人联系方式，依《个人信息保护法》不予共享",
    );
    phone.share_type = ShareType::NotShared as i32;
    ResourceMetadata {
        // 1 信息资源分类: 基础类, 01 人口, 001 人口基本信息.
        classification: Some(Classification {
            category: Category::Base as i32,
            item: "01".into(),
            subitem: "001".into(),
            detail: String::new(),
        }),
        // 2 信息资源名称.
        name: "人口基础信息".into(),
        // 3 信息资源代码 is assigned by the server; 4 提供方 comes from the department record;
        // 5 提供方代码: empty, the caller's department.
        provider_code: String::new(),
        provider_name: String::new(),
        // 6 信息资源摘要.
        summary: "本市户籍人口和登记在册的常住人口的基本信息，包括公民身份号码、姓名、性别、民族、\
                  出生日期和户籍地址，由公安机关户籍管理业务产生，每日汇总更新。"
            .into(),
        // 7 信息资源格式.
        format: Some(ResourceFormat {
            kind: FormatKind::Database as i32,
            detail: "Dm".into(),
        }),
        // 8 信息项信息.
        items: vec![
            item(
                "公民身份号码",
                DataType::C,
                18,
                "18 位公民身份号码（GB 11643）",
            ),
            item("姓名", DataType::C, 50, ""),
            item("性别", DataType::C, 1, "GB/T 2261.1 性别代码"),
            item("民族", DataType::C, 2, "GB/T 3304 民族代码"),
            item("出生日期", DataType::D, 8, ""),
            item("户籍地址", DataType::C, 200, ""),
            phone,
        ],
        // 9 共享属性.
        sharing: Some(SharingAttributes {
            share_type: ShareType::Conditional as i32,
            condition:
                "仅限依法履行人口管理、社会保障、公共服务职责的部门使用，需经提供部门审核同意。"
                    .into(),
            mode: ShareMode::PlatformInterface as i32,
            basis: String::new(),
        }),
        // 10 开放属性.
        open: Some(OpenAttributes {
            open_to_public: false,
            condition: String::new(),
        }),
        // 11 更新周期.
        update_cycle: UpdateCycle::Daily as i32,
        // 12 发布日期.
        publish_date: "2024-03-15".into(),
        // 13 关联资源代码.
        related_codes: vec!["101002/000001".into()],
        keywords: vec!["人口".into(), "户籍".into(), "身份证".into()],
        classified: false,
    }
}

/// Registers the entry, submits it, has it approved (or waits for that), and publishes the CSV.
pub async fn run(settings: Settings) -> Result<Outcome, BoxError> {
    let client = Client::connect(settings.config.clone()).await?;
    let catalog = client.catalog();

    // Register and submit; a quota refusal is tried again after the server's pushback.
    let registered = on_pushback(|| {
        let mut catalog = catalog.clone();
        async move {
            catalog
                .register_entry(RegisterEntryRequest {
                    metadata: Some(metadata()),
                    note: "首次编目".into(),
                    validate_only: false,
                })
                .await
        }
    })
    .await?
    .into_inner();
    let code = registered.code.clone();
    println!("registered {code} (version {})", registered.head_version);
    let submitted = catalog
        .clone()
        .submit_entry(SubmitEntryRequest {
            code: code.clone(),
            expected_version: registered.head_version,
        })
        .await?
        .into_inner();
    println!("submitted {code} for review");

    let entry = match &settings.reviewer {
        Some(reviewer) => {
            let config = settings.config.clone().credential(reviewer.clone());
            let reviewer = Client::connect(config).await?;
            let reviewed = reviewer
                .catalog()
                .review_entry(ReviewEntryRequest {
                    code: code.clone(),
                    version: submitted.head_version,
                    approve: true,
                    comment: "元素齐全，同意发布".into(),
                })
                .await?
                .into_inner();
            println!("approved {code}");
            reviewed
        }
        None => wait_for_review(&client, &code, settings.wait).await?,
    };
    if entry.state != EntryState::Published as i32 {
        return Err(format!(
            "{code} was not published: {:?} ({})",
            EntryState::try_from(entry.state).unwrap_or_default(),
            entry.review_comment
        )
        .into());
    }

    let upload = match &settings.csv {
        Some(path) => Upload::file(path).await?,
        None => Upload::reader(
            std::io::Cursor::new(SAMPLE_CSV.as_bytes()),
            Some(SAMPLE_CSV.len() as u64),
        ),
    };
    let publish = Publish::new(code.clone())
        .media_type(CSV)
        .note("户籍人口每日汇总");
    let snapshot = client.publish(upload, publish).await?;
    println!(
        "published {} of {code}: {} rows, {} bytes, sha256 {}",
        snapshot.id, snapshot.rows, snapshot.size_bytes, snapshot.sha256
    );
    Ok(Outcome { entry, snapshot })
}

/// Polls the entry until a reviewer has decided on it, for at most `wait`.
async fn wait_for_review(
    client: &Client,
    code: &str,
    wait: Duration,
) -> Result<CatalogEntry, BoxError> {
    println!(
        "waiting up to {}s for a reviewer to decide on {code}",
        wait.as_secs()
    );
    let until = Instant::now() + wait;
    loop {
        let entry = client
            .catalog()
            .get_entry(GetEntryRequest {
                code: code.into(),
                version: 0,
            })
            .await?
            .into_inner();
        if entry.state != EntryState::PendingPublish as i32 {
            return Ok(entry);
        }
        if Instant::now() >= until {
            return Err(format!("{code} is still waiting for review").into());
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let outcome = run(Settings::from_env()?).await?;
    println!(
        "{} is published with snapshot {}",
        outcome.entry.code, outcome.snapshot.id
    );
    Ok(())
}
