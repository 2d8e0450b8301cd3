//! The exchange part of `govshare-bench`: FetchData of an opaque snapshot against a plain
//! tonic server-streaming RPC moving the same bytes from the same file (`stream.rs`), and the
//! CSV projection, over gRPC and in-process, all in one run and interleaved.
//!
//! Set-up (not timed, but reported): an unconditional entry whose items are all granted to a
//! consumer of another department, with an opaque snapshot of `opaque_bytes` generated on the
//! fly and streamed through PublishData; an unconditional entry of five columns, three of
//! them granted, with a generated CSV snapshot of about `csv_bytes`. The clients count the
//! bytes they receive and hash nothing in the timed loop.

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use govshare_exchange::{BlobStore, MediaKind, project};
use govshare_model::{DataType, InfoItemInput, ShareType};
use rand::rngs::SmallRng;
use rand::{Rng as _, RngCore as _, SeedableRng as _};
use sha2::{Digest as _, Sha256};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use super::stream::PlainServer;
use super::stream::pb::DownloadRequest;
use super::stream::pb::plain_stream_client::PlainStreamClient;
use super::{Bearer, bearer};
use govshare_proto::catalog_service_client::CatalogServiceClient;
use govshare_proto::exchange_service_client::ExchangeServiceClient;
use govshare_proto::sharing_service_client::SharingServiceClient;
use govshare_proto::{
    CreateRequestRequest, DataSnapshot, FetchDataRequest, PublishDataRequest, PublishEnd,
    PublishHeader, fetch_data_response, publish_data_request,
};

/// The largest message either client accepts (the chunk, at most 4 MiB, plus framing).
const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// The columns of the CSV snapshot, in the data's order.
const CSV_COLUMNS: [(&str, DataType, u32, &str); 5] = [
    ("姓名", DataType::C, 50, "领取人姓名"),
    ("公民身份号码", DataType::C, 18, "18位公民身份号码"),
    ("出生日期", DataType::D, 8, ""),
    ("发放日期", DataType::D, 8, ""),
    ("发放金额", DataType::Y, 12, "元"),
];

/// The columns granted to the consumer, and delivered, in the data's order.
const CSV_GRANTED: [&str; 3] = ["姓名", "公民身份号码", "发放金额"];

type Exchange = ExchangeServiceClient<InterceptedService<Channel, Bearer>>;

/// What the exchange part needs from the bench's set-up.
#[derive(Debug, Clone)]
pub(super) struct Setup {
    pub channel: Channel,
    pub admin_token: String,
    /// A CATALOGUER of the providing department.
    pub cataloguer: String,
    /// A CONSUMER of another department.
    pub consumer: String,
    pub blob_dir: PathBuf,
    /// `exchange.chunk_bytes` of the server, used by the baseline and in-process too.
    pub chunk: usize,
    /// Size of the opaque snapshot; 0 skips FetchData against the plain stream.
    pub opaque_bytes: u64,
    /// About the size of the CSV snapshot; 0 skips the CSV measurements.
    pub csv_bytes: u64,
    pub runs: usize,
}

/// One timed transfer.
#[derive(Debug, Clone, Default)]
struct Sample {
    /// One-minute load average when it started (this process included).
    load: f64,
    /// CPUs this process kept busy during the transfer, on average.
    own_cpus: f64,
    /// CPUs kept busy by everything else (other processes, and time stolen by the
    /// hypervisor): the disturbance.
    other_cpus: f64,
    elapsed: Duration,
    /// Bytes of the snapshot read.
    bytes_in: u64,
    /// Bytes delivered.
    bytes_out: u64,
    rows: u64,
}

impl Sample {
    fn secs(&self) -> f64 {
        self.elapsed.as_secs_f64().max(1e-9)
    }

    fn mb_in(&self) -> f64 {
        self.bytes_in as f64 / 1e6 / self.secs()
    }

    fn mb_out(&self) -> f64 {
        self.bytes_out as f64 / 1e6 / self.secs()
    }

    fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.secs()
    }
}

/// The samples of one measurement, one per run.
#[derive(Debug)]
struct Series {
    name: &'static str,
    samples: Vec<Sample>,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn best(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, f64::max)
}

/// The one-minute load average (Linux), or NaN.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// CPU time counters (clock ticks): the machine's, from `/proc/stat`, and this process's.
#[derive(Debug, Clone, Copy)]
struct CpuMark {
    /// user + nice + system of all CPUs.
    busy: u64,
    steal: u64,
    /// Every state of all CPUs.
    total: u64,
    /// utime + stime of this process (all its threads).
    own: u64,
}

fn cpu_mark() -> CpuMark {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .take(8) // user nice system idle iowait irq softirq steal
        .filter_map(|f| f.parse().ok())
        .collect();
    let at = |i: usize| fields.get(i).copied().unwrap_or(0);
    let own = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after_name: Vec<&str> = s.rsplit_once(')')?.1.split_whitespace().collect();
            let ticks = |i: usize| after_name.get(i)?.parse::<u64>().ok();
            Some(ticks(11)? + ticks(12)?)
        })
        .unwrap_or(0);
    CpuMark {
        busy: at(0) + at(1) + at(2),
        steal: at(7),
        total: fields.iter().sum(),
        own,
    }
}

/// Runs one measurement, noting the load and who kept the CPUs busy meanwhile.
async fn timed(
    measurement: impl Future<Output = anyhow::Result<Sample>>,
) -> anyhow::Result<Sample> {
    let load = load_average();
    let before = cpu_mark();
    let mut sample = measurement.await?;
    let after = cpu_mark();
    let cpus = std::thread::available_parallelism().map_or(1, usize::from) as f64;
    let wall = (after.total.saturating_sub(before.total) as f64 / cpus).max(1.0);
    let own = after.own.saturating_sub(before.own);
    let others = after.busy.saturating_sub(before.busy).saturating_sub(own)
        + after.steal.saturating_sub(before.steal);
    sample.load = load;
    sample.own_cpus = own as f64 / wall;
    sample.other_cpus = others as f64 / wall;
    Ok(sample)
}

/// Registers `items` as an unconditional entry of the cataloguer's department and has the
/// administrator publish it; returns its code.
async fn published_entry(
    setup: &Setup,
    name: &str,
    subitem: &str,
    items: Vec<InfoItemInput>,
) -> anyhow::Result<String> {
    let mut input = govshare_model::testing::sample_input();
    input.provider_code.clear(); // the caller's department
    input.name = name.into();
    input.classification.subitem = subitem.into();
    input.sharing.share_type = ShareType::Unconditional.code();
    input.sharing.condition.clear();
    if !items.is_empty() {
        input.items = items;
    }
    let writer =
        CatalogServiceClient::with_interceptor(setup.channel.clone(), bearer(&setup.cataloguer)?);
    let metadata = govshare_server::convert::input_message(input);
    super::published_entry(&setup.channel, &setup.admin_token, writer, &metadata).await
}

/// The consumer asks for `items` of `code` (empty: all); unconditional, so granted at once.
async fn granted(setup: &Setup, code: &str, items: &[&str]) -> anyhow::Result<String> {
    let request =
        SharingServiceClient::with_interceptor(setup.channel.clone(), bearer(&setup.consumer)?)
            .create_request(CreateRequestRequest {
                entry_code: code.into(),
                items: items.iter().map(|i| (*i).to_owned()).collect(),
                purpose: "性能测试：按授权获取数据".into(),
                use_scope: "基准测试".into(),
                business_system: "govshare-bench".into(),
                requested_until: None,
            })
            .await?
            .into_inner();
    if request.grant_id.is_empty() {
        bail!("the request for {code} was not granted at once: {request:?}");
    }
    Ok(request.grant_id)
}

/// Streams `chunks` to PublishData as the cataloguer; the chunks are made as they are sent.
async fn publish(
    setup: &Setup,
    code: &str,
    media_type: &str,
    size_bytes: u64,
    chunks: impl Iterator<Item = Bytes> + Send + 'static,
) -> anyhow::Result<(DataSnapshot, Duration)> {
    let header = PublishDataRequest {
        part: Some(publish_data_request::Part::Header(PublishHeader {
            entry_code: code.into(),
            media_type: media_type.into(),
            note: "govshare-bench".into(),
            size_bytes,
            sha256: String::new(),
        })),
    };
    let end = PublishDataRequest {
        part: Some(publish_data_request::Part::End(PublishEnd {})),
    };
    let messages = std::iter::once(header)
        .chain(chunks.map(|chunk| PublishDataRequest {
            part: Some(publish_data_request::Part::Chunk(chunk)),
        }))
        .chain(std::iter::once(end));
    let t0 = Instant::now();
    let snapshot =
        ExchangeServiceClient::with_interceptor(setup.channel.clone(), bearer(&setup.cataloguer)?)
            .publish_data(tokio_stream::iter(messages))
            .await?
            .into_inner();
    Ok((snapshot, t0.elapsed()))
}

/// `size` pseudo-random bytes in chunks of `chunk`.
fn opaque_chunks(size: u64, chunk: usize) -> impl Iterator<Item = Bytes> + Send + 'static {
    let mut rng = SmallRng::seed_from_u64(2026);
    let mut left = size;
    std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let n = left.min(chunk as u64) as usize;
        left -= n as u64;
        let mut buffer = vec![0; n];
        rng.fill_bytes(&mut buffer);
        Some(Bytes::from(buffer))
    })
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "欧阳", "司马", "上官", "诸葛",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "霞", "平", "刚", "桂", "兰", "建", "国", "华", "文", "红", "玉", "志", "海",
    "燕", "萍", "鹏", "飞", "宇", "浩", "欣", "怡", "婷", "晨", "思", "佳", "子", "梓", "涵", "轩",
    "博", "辉", "春", "梅", "琳", "鑫", "淑", "慧", "峰", "斌", "波", "荣",
];

/// 6-digit administrative division codes used as the first digits of id numbers.
const REGIONS: &[&str] = &[
    "110101", "110105", "110108", "310104", "310115", "320102", "330106", "340104", "370102",
    "420106", "440106", "440305", "510107", "610113", "500103", "120104",
];

/// Rows of 姓名,公民身份号码,出生日期,发放日期,发放金额 (a header first), in chunks of about
/// `chunk` bytes ending at row boundaries, until about `size` bytes.
struct CsvChunks {
    rng: SmallRng,
    size: u64,
    made: u64,
    chunk: usize,
}

impl CsvChunks {
    fn new(size: u64, chunk: usize) -> Self {
        CsvChunks {
            rng: SmallRng::seed_from_u64(20_261_127),
            size,
            made: 0,
            chunk,
        }
    }

    fn row(&mut self, out: &mut String) {
        let rng = &mut self.rng;
        out.push_str(SURNAMES[rng.random_range(0..SURNAMES.len())]);
        for _ in 0..if rng.random_bool(0.75) { 2 } else { 1 } {
            out.push_str(GIVEN[rng.random_range(0..GIVEN.len())]);
        }
        out.push(',');
        let (year, month, day) = (
            rng.random_range(1940..=2008),
            rng.random_range(1..=12),
            rng.random_range(1..=28),
        );
        let start = out.len();
        let region = REGIONS[rng.random_range(0..REGIONS.len())];
        let sequence = rng.random_range(0..1000);
        let _ = write!(out, "{region}{year:04}{month:02}{day:02}{sequence:03}");
        // GB 11643 check character: ISO 7064 MOD 11-2 over the first 17 digits.
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = out.as_bytes()[start..]
            .iter()
            .zip(WEIGHTS)
            .map(|(digit, weight)| u32::from(digit - b'0') * weight)
            .sum();
        out.push(char::from(b"10X98765432"[(sum % 11) as usize]));
        let _ = writeln!(
            out,
            ",{year:04}-{month:02}-{day:02},2026-{:02}-{:02},{}.{:02}",
            rng.random_range(1..=11),
            rng.random_range(1..=28),
            rng.random_range(300..=6000),
            rng.random_range(0..100),
        );
    }
}

impl Iterator for CsvChunks {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        if self.made >= self.size {
            return None;
        }
        let mut out = String::with_capacity(self.chunk + 256);
        if self.made == 0 {
            let names: Vec<&str> = CSV_COLUMNS.iter().map(|c| c.0).collect();
            out.push_str(&names.join(","));
            out.push('\n');
        }
        while out.len() < self.chunk && self.made + (out.len() as u64) < self.size {
            self.row(&mut out);
        }
        self.made += out.len() as u64;
        Some(Bytes::from(out.into_bytes()))
    }
}

/// FetchData of the latest snapshot of `code`, counting the bytes of the chunks.
async fn fetch(client: &Exchange, code: &str) -> anyhow::Result<Sample> {
    let mut client = client.clone();
    let t0 = Instant::now();
    let mut stream = client
        .fetch_data(FetchDataRequest {
            entry_code: code.into(),
            snapshot_id: String::new(),
        })
        .await?
        .into_inner();
    let (mut header, mut trailer, mut bytes) = (None, None, 0u64);
    while let Some(message) = stream.message().await? {
        match message.part {
            Some(fetch_data_response::Part::Chunk(chunk)) => bytes += chunk.len() as u64,
            Some(fetch_data_response::Part::Header(h)) => header = Some(h),
            Some(fetch_data_response::Part::Trailer(t)) => trailer = Some(t),
            None => {}
        }
    }
    let elapsed = t0.elapsed();
    let snapshot = header
        .and_then(|h| h.snapshot)
        .context("FetchData sent no header")?;
    let trailer = trailer.context("FetchData sent no trailer")?;
    if trailer.size_bytes != bytes {
        bail!(
            "FetchData delivered {bytes} bytes, the trailer says {}",
            trailer.size_bytes
        );
    }
    Ok(Sample {
        elapsed,
        bytes_in: snapshot.size_bytes,
        bytes_out: bytes,
        rows: trailer.rows,
        ..Sample::default()
    })
}

/// The plain stream: `size` bytes in chunks of `chunk`, from the file or from memory.
async fn plain(
    client: &PlainStreamClient<Channel>,
    size: u64,
    chunk: usize,
    from_file: bool,
) -> anyhow::Result<Sample> {
    let mut client = client.clone();
    let t0 = Instant::now();
    let mut stream = client
        .download(DownloadRequest {
            size_bytes: size,
            chunk_bytes: u32::try_from(chunk)?,
            from_file,
        })
        .await?
        .into_inner();
    let mut bytes = 0u64;
    while let Some(chunk) = stream.message().await? {
        bytes += chunk.data.len() as u64;
    }
    let elapsed = t0.elapsed();
    if bytes != size {
        bail!("the plain stream delivered {bytes} bytes, not {size}");
    }
    Ok(Sample {
        elapsed,
        bytes_in: bytes,
        bytes_out: bytes,
        rows: 0,
        ..Sample::default()
    })
}

/// `govshare_exchange::project` of the blob at `path`, in-process on a blocking thread, as
/// FetchData runs it but with no gRPC, no channel and no grant check: the chunks are counted
/// and dropped.
async fn in_process(
    path: PathBuf,
    kind: MediaKind,
    keep: Vec<String>,
    chunk: usize,
) -> anyhow::Result<Sample> {
    tokio::task::spawn_blocking(move || {
        let file = File::open(&path).with_context(|| path.display().to_string())?;
        let size = file.metadata()?.len();
        let mut emitted = 0u64;
        let t0 = Instant::now();
        let delivered = project(file, kind, &keep, chunk, |bytes| {
            emitted += bytes.len() as u64;
            Ok(())
        })?;
        let elapsed = t0.elapsed();
        if emitted != delivered.size {
            bail!(
                "project emitted {emitted} bytes, reported {}",
                delivered.size
            );
        }
        Ok(Sample {
            elapsed,
            bytes_in: size,
            bytes_out: delivered.size,
            rows: delivered.rows,
            ..Sample::default()
        })
    })
    .await?
}

/// sha256 of `size` bytes in pieces of `chunk` (what `project` adds for tabular data).
async fn sha256_alone(size: u64, chunk: usize) -> anyhow::Result<Sample> {
    tokio::task::spawn_blocking(move || {
        let mut piece = vec![0u8; chunk];
        SmallRng::seed_from_u64(7).fill_bytes(&mut piece);
        let mut hasher = Sha256::new();
        let mut left = size;
        let t0 = Instant::now();
        while left > 0 {
            let n = left.min(chunk as u64) as usize;
            hasher.update(&piece[..n]);
            left -= n as u64;
        }
        let digest = hasher.finalize();
        let elapsed = t0.elapsed();
        std::hint::black_box(digest);
        Ok(Sample {
            elapsed,
            bytes_in: size,
            bytes_out: size,
            rows: 0,
            ..Sample::default()
        })
    })
    .await?
}

fn blob_path(blob_dir: &Path, sha256: &str) -> anyhow::Result<PathBuf> {
    // Opened after the uploads are done: nothing is in its tmp/ to sweep.
    let blobs = BlobStore::open(blob_dir)?;
    let path = blobs.path(sha256);
    if !path.is_file() {
        bail!("no blob at {}", path.display());
    }
    Ok(path)
}

fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1e6)
}

fn push_series(all: &mut Vec<Series>, name: &'static str) -> usize {
    all.push(Series {
        name,
        samples: Vec::new(),
    });
    all.len() - 1
}

/// Runs the exchange measurements; returns their report in Markdown.
pub(super) async fn run(setup: Setup) -> anyhow::Result<String> {
    let chunk = setup.chunk;
    let consumer: Exchange =
        ExchangeServiceClient::with_interceptor(setup.channel.clone(), bearer(&setup.consumer)?)
            .max_decoding_message_size(MAX_MESSAGE);
    let mut report = String::new();
    let mut setup_lines = Vec::new();

    // Set-up: entries, grants and snapshots.
    let mut opaque = None;
    if setup.opaque_bytes > 0 {
        let code =
            published_entry(&setup, "人口基础信息（基准测试快照）", "900", Vec::new()).await?;
        let grant = granted(&setup, &code, &[]).await?;
        eprintln!(
            "bench: publishing {} MB of opaque data to {code}",
            mb(setup.opaque_bytes)
        );
        let (snapshot, took) = publish(
            &setup,
            &code,
            "application/octet-stream",
            setup.opaque_bytes,
            opaque_chunks(setup.opaque_bytes, chunk),
        )
        .await?;
        setup_lines.push(format!(
            "- PublishData, opaque, {} MB: {:.1} s ({:.0} MB/s; sha256, write, fsync), \
             entry {code}, {grant} on all items",
            mb(snapshot.size_bytes),
            took.as_secs_f64(),
            snapshot.size_bytes as f64 / 1e6 / took.as_secs_f64()
        ));
        let path = blob_path(&setup.blob_dir, &snapshot.sha256)?;
        opaque = Some((code, snapshot, path));
    }
    let mut csv = None;
    if setup.csv_bytes > 0 {
        let items = CSV_COLUMNS
            .iter()
            .map(|&(name, data_type, length, description)| InfoItemInput {
                name: name.into(),
                data_type: data_type.code(),
                length,
                share_type: 0,
                description: description.into(),
            })
            .collect();
        let code =
            published_entry(&setup, "社会救助资金发放明细（基准测试）", "901", items).await?;
        let grant = granted(&setup, &code, &CSV_GRANTED).await?;
        eprintln!(
            "bench: publishing about {} MB of CSV to {code}",
            mb(setup.csv_bytes)
        );
        let (snapshot, took) = publish(
            &setup,
            &code,
            "text/csv",
            0,
            CsvChunks::new(setup.csv_bytes, chunk),
        )
        .await?;
        setup_lines.push(format!(
            "- PublishData, CSV, {} MB, {} rows: {:.1} s ({:.0} MB/s; every row checked), \
             entry {code}, {grant} on {} of {}",
            mb(snapshot.size_bytes),
            snapshot.rows,
            took.as_secs_f64(),
            snapshot.size_bytes as f64 / 1e6 / took.as_secs_f64(),
            CSV_GRANTED.join("、"),
            snapshot.columns.join("、"),
        ));
        let path = blob_path(&setup.blob_dir, &snapshot.sha256)?;
        csv = Some((code, snapshot, path));
    }

    let plain_server = match &opaque {
        Some((_, _, path)) => Some(PlainServer::start(path.clone()).await?),
        None => None,
    };
    let plain_client = match &plain_server {
        Some(server) => Some(
            PlainStreamClient::new(
                Channel::from_shared(format!("http://{}", server.addr))?
                    .connect()
                    .await?,
            )
            .max_decoding_message_size(MAX_MESSAGE),
        ),
        None => None,
    };

    let mut all = Vec::new();
    let s_plain = push_series(&mut all, "plain stream, same file");
    let s_fetch = push_series(&mut all, "FetchData, opaque");
    let s_memory = push_series(&mut all, "plain stream, pre-made Bytes");
    let s_read = push_series(&mut all, "in-process project, opaque (file read only)");
    let s_csv_fetch = push_series(&mut all, "FetchData, CSV, 3 of 5 columns");
    let s_csv_project = push_series(&mut all, "in-process project, CSV, 3 of 5 columns");
    let s_sha = push_series(&mut all, "in-process sha256 of the projected size");
    for run in 1..=setup.runs {
        eprintln!(
            "bench: exchange run {run}/{} (load {:.2})",
            setup.runs,
            load_average()
        );
        if let (Some((code, snapshot, path)), Some(client)) = (&opaque, &plain_client) {
            let size = snapshot.size_bytes;
            let plain_file = timed(plain(client, size, chunk, true)).await?;
            all[s_plain].samples.push(plain_file);
            let fetched = timed(fetch(&consumer, code)).await?;
            all[s_fetch].samples.push(fetched);
            let memory = timed(plain(client, size, chunk, false)).await?;
            all[s_memory].samples.push(memory);
            let read = in_process(path.clone(), MediaKind::Opaque, Vec::new(), chunk);
            let read = timed(read).await?;
            all[s_read].samples.push(read);
        }
        if let Some((code, _, path)) = &csv {
            let fetched = timed(fetch(&consumer, code)).await?;
            let keep = CSV_GRANTED.iter().map(|c| (*c).to_owned()).collect();
            let projected = timed(in_process(path.clone(), MediaKind::Csv, keep, chunk)).await?;
            let hashed = timed(sha256_alone(projected.bytes_out, chunk)).await?;
            all[s_csv_fetch].samples.push(fetched);
            all[s_csv_project].samples.push(projected);
            all[s_sha].samples.push(hashed);
        }
    }
    if let Some(server) = plain_server {
        server.stop().await?;
    }
    if all.iter().all(|s| s.samples.is_empty()) {
        return Ok("No exchange measurement: --exchange-mib and --csv-mib are both 0.\n".into());
    }

    let _ = writeln!(report, "Set-up (not timed in the table):\n");
    for line in &setup_lines {
        let _ = writeln!(report, "{line}");
    }
    let _ = writeln!(
        report,
        "\nChunks of {} KiB; {} runs, interleaved in the order of the rows; MB = 10^6 bytes. \
         \"in\" is the snapshot read, \"out\" the bytes delivered.\n",
        chunk / 1024,
        setup.runs
    );
    let _ = writeln!(
        report,
        "| measurement | in (MB) | out (MB) | best in MB/s | median in MB/s | best out MB/s \
         | median out MB/s | best rows/s | median rows/s |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for s in &all {
        let Some(first) = s.samples.first() else {
            continue;
        };
        let rows = first.rows > 0;
        let f = |v: f64| {
            if rows {
                format!("{v:.0}")
            } else {
                "–".into()
            }
        };
        let _ = writeln!(
            report,
            "| {} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {} | {} |",
            s.name,
            mb(first.bytes_in),
            mb(first.bytes_out),
            best(s.samples.iter().map(Sample::mb_in)),
            median(s.samples.iter().map(Sample::mb_in).collect()),
            best(s.samples.iter().map(Sample::mb_out)),
            median(s.samples.iter().map(Sample::mb_out).collect()),
            f(best(s.samples.iter().map(Sample::rows_per_second))),
            f(median(
                s.samples.iter().map(Sample::rows_per_second).collect()
            )),
        );
    }

    let _ = writeln!(
        report,
        "\n| run | measurement | load (1 min) | bench CPUs | other CPUs | time (s) | in MB/s \
         | out MB/s | rows/s |\n\
         |---:|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for run in 0..setup.runs {
        for s in &all {
            let Some(x) = s.samples.get(run) else {
                continue;
            };
            let _ = writeln!(
                report,
                "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {:.0} | {} |",
                run + 1,
                s.name,
                x.load,
                x.own_cpus,
                x.other_cpus,
                x.secs(),
                x.mb_in(),
                x.mb_out(),
                if x.rows > 0 {
                    format!("{:.0}", x.rows_per_second())
                } else {
                    "–".into()
                }
            );
        }
    }

    let (plain_file, fetched) = (&all[s_plain], &all[s_fetch]);
    if !fetched.samples.is_empty() {
        let pairs = per_run(plain_file, fetched, |p, f| f.mb_out() / p.mb_out());
        let best_ratio = best(fetched.samples.iter().map(Sample::mb_out))
            / best(plain_file.samples.iter().map(Sample::mb_out));
        let median_ratio = median(fetched.samples.iter().map(Sample::mb_out).collect())
            / median(plain_file.samples.iter().map(Sample::mb_out).collect());
        let verdict = if median_ratio >= 0.6 {
            "met"
        } else {
            "NOT met"
        };
        let _ = writeln!(
            report,
            "\nFetchData / plain stream (same file): best {:.0}%, median {:.0}%, per run {} \
             — target ≥ 60%: {verdict}.",
            100.0 * best_ratio,
            100.0 * median_ratio,
            percents(&pairs)
        );
    }
    let (csv_fetch, csv_project, sha) = (&all[s_csv_fetch], &all[s_csv_project], &all[s_sha]);
    if !csv_fetch.samples.is_empty() {
        let grpc = per_run(csv_project, csv_fetch, |p, f| f.mb_in() / p.mb_in());
        let hashing = per_run(csv_project, sha, |p, h| h.secs() / p.secs());
        let _ = writeln!(
            report,
            "\nCSV: FetchData / in-process project: median {:.0}% (per run {}); sha256 of the \
             delivered bytes alone takes a median {:.0}% of the in-process projection's time \
             (per run {}).",
            100.0 * median(grpc.clone()),
            percents(&grpc),
            100.0 * median(hashing.clone()),
            percents(&hashing)
        );
    }
    Ok(report)
}

/// `f(a, b)` for each run.
fn per_run(a: &Series, b: &Series, f: impl Fn(&Sample, &Sample) -> f64) -> Vec<f64> {
    a.samples
        .iter()
        .zip(&b.samples)
        .map(|(a, b)| f(a, b))
        .collect()
}

fn percents(ratios: &[f64]) -> String {
    ratios
        .iter()
        .map(|r| format!("{:.0}%", 100.0 * r))
        .collect::<Vec<_>>()
        .join(", ")
}
