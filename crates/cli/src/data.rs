//! `govshare data`: publishing a file as a snapshot of an entry, fetching a snapshot under a
//! grant, and listing snapshots (数据, ExchangeService).
//!
//! Both transfers stream in chunks and hash as they go; neither holds the data in memory.
//! An upload ends only once the whole file was read and sent: on a read error the stream is
//! left unfinished, so the server keeps nothing. A download goes to `FILE.part` and becomes
//! `FILE` only when the trailer's sha256 and size match what was received.

use std::io;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use bytes::BytesMut;
use futures::{Stream, StreamExt as _};
use indicatif::ProgressBar;
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;

use crate::connect::{ClientOpts, Connection};
use crate::output::{self, OutputFormat};
use crate::proto::{
    DataSnapshot, FetchDataRequest, FetchDataResponse, FetchHeader, FetchTrailer,
    ListSnapshotsRequest, ListSnapshotsResponse, PublishDataRequest, PublishEnd, PublishHeader,
    fetch_data_response, publish_data_request,
};
use crate::{PageArgs, data_view, next_page};

/// Bytes per upload message: well under the server's `api.max_message_bytes` (4 MiB).
const CHUNK_BYTES: usize = 1024 * 1024;

// The fetch header and trailer are printed by `data fetch --output json`.
impl output::ProtoMessage for FetchHeader {
    const FULL_NAME: &'static str = "govshare.v1.FetchHeader";
}

impl output::ProtoMessage for FetchTrailer {
    const FULL_NAME: &'static str = "govshare.v1.FetchTrailer";
}

#[derive(Debug, clap::Subcommand)]
pub enum DataCommand {
    /// Publish a file as a new snapshot of an entry of my department (CATALOGUER). CSV and
    /// NDJSON are checked against the entry's 信息项 row by row; other types are opaque bytes.
    Publish {
        /// The file to upload.
        file: PathBuf,
        /// Entry code, e.g. 101001/000001.
        #[arg(long, value_name = "CODE")]
        entry: String,
        /// Media type. Default from the extension: .csv text/csv, .ndjson/.jsonl
        /// application/x-ndjson, otherwise application/octet-stream.
        #[arg(long, value_name = "TYPE")]
        media_type: Option<String>,
        /// A note kept with the snapshot (说明).
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Fetch a snapshot, cut down to the items my department is granted (CONSUMER), or all of
    /// it for the provider. Received into FILE.part and renamed to FILE once its sha256 and
    /// size match the server's trailer.
    Fetch {
        /// Entry code, e.g. 101001/000001.
        #[arg(long, value_name = "CODE")]
        entry: String,
        /// Snapshot number, e.g. SNP-000001; default: the latest.
        #[arg(long, value_name = "SNP")]
        snapshot: Option<String>,
        /// Where to write the data; `-` writes it to stdout.
        #[arg(short = 'o', long = "out", value_name = "FILE")]
        out: String,
    },
    /// List the snapshots of an entry, newest first.
    Snapshots {
        /// Entry code, e.g. 101001/000001.
        #[arg(long, value_name = "CODE")]
        entry: String,
        #[command(flatten)]
        page: PageArgs,
    },
}

pub async fn run(cmd: DataCommand, opts: &ClientOpts) -> anyhow::Result<()> {
    match cmd {
        DataCommand::Publish {
            file,
            entry,
            media_type,
            note,
        } => publish(opts, &file, entry, media_type, note).await,
        DataCommand::Fetch {
            entry,
            snapshot,
            out,
        } => fetch(opts, entry, snapshot, &out).await,
        DataCommand::Snapshots { entry, page } => snapshots(opts, entry, page).await,
    }
}

// ---------------------------------------------------------------------------------------------
// publish
// ---------------------------------------------------------------------------------------------

/// What the client sent: the sha256 and size of the file's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sent {
    sha256: String,
    size: u64,
}

/// Why the upload stopped on the client's side.
#[derive(Debug)]
enum SendFailure {
    /// Reading the file failed, or it changed while being sent.
    Read(anyhow::Error),
    /// The request stream was closed: the server has answered already.
    Closed,
}

async fn publish(
    opts: &ClientOpts,
    file: &Path,
    entry_code: String,
    media_type: Option<String>,
    note: Option<String>,
) -> anyhow::Result<()> {
    let shown = file.display();
    let media_type = media_type
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| data_view::media_type_of(file).to_string());
    let handle = tokio::fs::File::open(file)
        .await
        .with_context(|| format!("无法打开文件 {shown} (cannot open {shown})"))?;
    let metadata = handle
        .metadata()
        .await
        .with_context(|| format!("无法读取文件 {shown} 的信息 (cannot stat {shown})"))?;
    anyhow::ensure!(
        metadata.is_file(),
        "{shown} 不是普通文件 ({shown} is not a regular file)"
    );
    let size = metadata.len();
    let mut exchange = Connection::open(opts).await?.exchange();

    let header = PublishDataRequest {
        part: Some(publish_data_request::Part::Header(PublishHeader {
            entry_code,
            media_type,
            note: note.unwrap_or_default(),
            size_bytes: size,
            sha256: String::new(),
        })),
    };
    let (tx, rx) = mpsc::channel(2);
    let (done_tx, done_rx) = oneshot::channel();
    let bar = data_view::progress(Some(size));
    let mut reader = tokio::spawn(send_file(
        handle,
        file.to_owned(),
        size,
        header,
        tx,
        done_tx,
        bar.clone(),
    ));
    let call = exchange.publish_data(upload_body(rx, done_rx));
    tokio::pin!(call);
    let outcome: anyhow::Result<(DataSnapshot, Sent)> = tokio::select! {
        answer = &mut call => match answer {
            Ok(snapshot) => match (&mut reader).await {
                Ok(Ok(sent)) => Ok((snapshot.into_inner(), sent)),
                Ok(Err(SendFailure::Read(e))) => Err(e),
                Ok(Err(SendFailure::Closed)) => Err(anyhow::anyhow!(
                    "上传在文件读完之前结束 (the upload ended before the whole file was sent)"
                )),
                Err(e) => Err(e.into()),
            },
            Err(status) => {
                reader.abort();
                Err(status.into())
            }
        },
        read = &mut reader => match read {
            Ok(Ok(sent)) => call.await.map(|r| (r.into_inner(), sent)).map_err(Into::into),
            // The server answered while chunks were still going out: its answer says why.
            Ok(Err(SendFailure::Closed)) => match call.await {
                Ok(_) => Err(anyhow::anyhow!(
                    "服务器在文件发送完之前应答 (the server answered before the whole file was sent)"
                )),
                Err(status) => Err(status.into()),
            },
            // Dropping the call leaves the upload unfinished: the server keeps nothing.
            Ok(Err(SendFailure::Read(e))) => Err(e),
            Err(e) => Err(e.into()),
        },
    };
    bar.finish_and_clear();
    let (snapshot, sent) = outcome?;
    check_recorded(&snapshot, &sent)?;
    output::emit(opts.output, &snapshot, data_view::snapshot)
}

/// The request stream: the messages of the reader, then the end of the upload, but only once
/// the reader says the whole file was sent. Without that word the stream never ends, so an
/// upload cut short by a read error is never taken for a complete one.
fn upload_body(
    rx: mpsc::Receiver<PublishDataRequest>,
    done: oneshot::Receiver<()>,
) -> impl Stream<Item = PublishDataRequest> + Send + 'static {
    let end = futures::stream::once(async move {
        if done.await.is_err() {
            std::future::pending::<()>().await;
        }
    })
    .filter_map(|()| std::future::ready(None));
    ReceiverStream::new(rx).chain(end)
}

/// Sends `header`, then the file in chunks of [`CHUNK_BYTES`], hashing them; says `done` only
/// when the file was read to its end and held the `announced` size.
async fn send_file(
    mut file: tokio::fs::File,
    path: PathBuf,
    announced: u64,
    header: PublishDataRequest,
    tx: mpsc::Sender<PublishDataRequest>,
    done: oneshot::Sender<()>,
    bar: ProgressBar,
) -> Result<Sent, SendFailure> {
    let shown = path.display();
    tx.send(header).await.map_err(|_| SendFailure::Closed)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let mut chunk = BytesMut::with_capacity(CHUNK_BYTES);
        while chunk.len() < CHUNK_BYTES {
            let n = file.read_buf(&mut chunk).await.map_err(|e| {
                SendFailure::Read(anyhow::Error::new(e).context(format!(
                    "读取文件 {shown} 失败，上传已中止 (reading {shown} failed: the upload was \
                     abandoned)"
                )))
            })?;
            if n == 0 {
                break;
            }
        }
        if chunk.is_empty() {
            break;
        }
        hasher.update(&chunk);
        size += chunk.len() as u64;
        bar.inc(chunk.len() as u64);
        let message = PublishDataRequest {
            part: Some(publish_data_request::Part::Chunk(chunk.freeze())),
        };
        tx.send(message).await.map_err(|_| SendFailure::Closed)?;
    }
    if size != announced {
        return Err(SendFailure::Read(anyhow::anyhow!(
            "文件 {shown} 在发送过程中发生变化（原为 {announced} 字节，读到 {size} 字节），上传已中止 \
             ({shown} changed while it was sent: {announced} bytes announced, {size} read; the \
             upload was abandoned)"
        )));
    }
    let end = PublishDataRequest {
        part: Some(publish_data_request::Part::End(PublishEnd {})),
    };
    tx.send(end).await.map_err(|_| SendFailure::Closed)?;
    // The receiver is gone only if the call is: nobody is left to tell.
    let _ = done.send(());
    Ok(Sent {
        sha256: hex::encode(hasher.finalize()),
        size,
    })
}

/// The snapshot the server recorded must hold exactly the bytes sent.
fn check_recorded(snapshot: &DataSnapshot, sent: &Sent) -> anyhow::Result<()> {
    if snapshot.sha256.eq_ignore_ascii_case(&sent.sha256) && snapshot.size_bytes == sent.size {
        return Ok(());
    }
    anyhow::bail!(
        "服务器记录的快照 {id} 为 {got_size} 字节、sha256 {got_sha}，与发送的 {size} 字节、sha256 \
         {sha} 不符，数据可能在传输中损坏，请核对后重新发布 (snapshot {id} was recorded with \
         {got_size} bytes and sha256 {got_sha}, not the {size} bytes and sha256 {sha} sent: the \
         data may have been damaged on the way; check it and publish again)",
        id = snapshot.id,
        got_size = snapshot.size_bytes,
        got_sha = snapshot.sha256,
        size = sent.size,
        sha = sent.sha256,
    )
}

// ---------------------------------------------------------------------------------------------
// fetch
// ---------------------------------------------------------------------------------------------

/// Where fetched data goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Stdout,
    /// `path`, received into `part` (`path` + `.part`, in the same directory).
    File {
        path: PathBuf,
        part: PathBuf,
    },
}

impl Target {
    fn parse(out: &str) -> anyhow::Result<Target> {
        if out == "-" {
            return Ok(Target::Stdout);
        }
        let path = PathBuf::from(out);
        let Some(name) = path.file_name() else {
            anyhow::bail!("-o {out} 不是文件路径 (-o {out} does not name a file)");
        };
        let mut part_name = name.to_os_string();
        part_name.push(".part");
        let part = path.with_file_name(part_name);
        Ok(Target::File { path, part })
    }

    fn describe(&self) -> String {
        match self {
            Target::Stdout => "标准输出 (stdout)".to_string(),
            Target::File { path, .. } => path.display().to_string(),
        }
    }
}

/// The partial file of a download; removed when dropped before [`PartFile::keep`].
#[derive(Debug)]
struct PartFile {
    file: tokio::fs::File,
    part: PathBuf,
    path: PathBuf,
    kept: bool,
}

impl PartFile {
    async fn create(path: &Path, part: &Path) -> anyhow::Result<PartFile> {
        let shown = part.display();
        let file = tokio::fs::File::create(part)
            .await
            .with_context(|| format!("无法创建文件 {shown} (cannot create {shown})"))?;
        Ok(PartFile {
            file,
            part: part.to_owned(),
            path: path.to_owned(),
            kept: false,
        })
    }

    /// Makes the verified data durable, then gives it its name.
    async fn keep(mut self) -> anyhow::Result<()> {
        let shown = self.part.display().to_string();
        self.file
            .flush()
            .await
            .and(self.file.sync_all().await)
            .with_context(|| format!("无法写入文件 {shown} (cannot write {shown})"))?;
        tokio::fs::rename(&self.part, &self.path)
            .await
            .with_context(|| {
                format!(
                    "无法将 {shown} 改名为 {} (cannot rename {shown} to {})",
                    self.path.display(),
                    self.path.display()
                )
            })?;
        self.kept = true;
        sync_parent(&self.path).await;
        Ok(())
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.kept {
            // Nothing more can be done about a partial file that cannot be removed.
            let _ = std::fs::remove_file(&self.part);
        }
    }
}

/// Makes a rename in the directory of `path` durable; best effort.
async fn sync_parent(path: &Path) {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        if let Ok(dir) = tokio::fs::File::open(dir).await {
            let _ = dir.sync_all().await;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Where received chunks are written.
trait Sink: AsyncWrite + Unpin + Send {}
impl<T: AsyncWrite + Unpin + Send> Sink for T {}

/// What a download received and the server vouched for.
#[derive(Debug)]
struct Received {
    header: FetchHeader,
    trailer: FetchTrailer,
}

type Part = fetch_data_response::Part;

/// The next message of `stream` with a part; `None` at the end.
async fn next_part<S>(stream: &mut S) -> anyhow::Result<Option<Part>>
where
    S: Stream<Item = Result<FetchDataResponse, tonic::Status>> + Unpin,
{
    loop {
        match stream.next().await {
            None => return Ok(None),
            Some(Err(status)) => return Err(status.into()),
            Some(Ok(FetchDataResponse { part: None })) => continue,
            Some(Ok(FetchDataResponse { part: Some(part) })) => return Ok(Some(part)),
        }
    }
}

/// The header of a download: the first message.
async fn receive_header<S>(stream: &mut S) -> anyhow::Result<FetchHeader>
where
    S: Stream<Item = Result<FetchDataResponse, tonic::Status>> + Unpin,
{
    match next_part(stream).await? {
        Some(Part::Header(header)) => Ok(header),
        Some(_) => anyhow::bail!("服务器未先发送数据头 (the server did not send the header first)"),
        None => anyhow::bail!("服务器未发送任何数据 (the server sent nothing)"),
    }
}

/// Writes the chunks of `stream` to `sink`, hashing them, up to the trailer, and checks the
/// trailer against what was received. The stream must end right after the trailer.
async fn receive_data<S>(
    stream: &mut S,
    sink: &mut dyn Sink,
    target: &Target,
    bar: &ProgressBar,
) -> anyhow::Result<FetchTrailer>
where
    S: Stream<Item = Result<FetchDataResponse, tonic::Status>> + Unpin,
{
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let trailer = loop {
        match next_part(stream).await? {
            Some(Part::Chunk(bytes)) => {
                hasher.update(&bytes);
                size += bytes.len() as u64;
                sink.write_all(&bytes)
                    .await
                    .map_err(|e| write_error(e, target))?;
                bar.inc(bytes.len() as u64);
            }
            Some(Part::Trailer(trailer)) => break trailer,
            Some(Part::Header(_)) => {
                anyhow::bail!("服务器发送了第二个数据头 (the server sent a second header)")
            }
            None => anyhow::bail!(
                "数据流在校验信息（尾部）之前结束，数据不完整 (the stream ended before its \
                 trailer: the data is incomplete)"
            ),
        }
    };
    anyhow::ensure!(
        next_part(stream).await?.is_none(),
        "服务器在尾部之后仍发送消息 (the server sent more after the trailer)"
    );
    sink.flush().await.map_err(|e| write_error(e, target))?;
    let sha256 = hex::encode(hasher.finalize());
    if !trailer.sha256.eq_ignore_ascii_case(&sha256) || trailer.size_bytes != size {
        anyhow::bail!(
            "校验失败：收到 {size} 字节、sha256 {sha256}，服务器声明 {} 字节、sha256 {}，数据在传输中\
             损坏 (verification failed: received {size} bytes hashing to {sha256}, the server \
             sent {} bytes hashing to {}: the data was damaged on the way)",
            trailer.size_bytes,
            trailer.sha256,
            trailer.size_bytes,
            trailer.sha256
        );
    }
    Ok(trailer)
}

fn write_error(e: io::Error, target: &Target) -> anyhow::Error {
    let context = match target {
        Target::Stdout if e.kind() == io::ErrorKind::BrokenPipe => {
            "标准输出在数据写完之前被关闭，数据不完整 (stdout was closed before all the data was \
             written: the data is incomplete)"
                .to_string()
        }
        Target::Stdout => "写入标准输出失败 (writing to stdout failed)".to_string(),
        Target::File { part, .. } => {
            let shown = part.display();
            format!("写入 {shown} 失败 (writing {shown} failed)")
        }
    };
    anyhow::Error::new(e).context(context)
}

/// Receives a whole download from `stream` into `target`: the header, then the data (into the
/// partial file, renamed once verified). On any failure the partial file is removed.
async fn download<S>(stream: &mut S, target: &Target) -> anyhow::Result<Received>
where
    S: Stream<Item = Result<FetchDataResponse, tonic::Status>> + Unpin,
{
    let header = receive_header(stream).await?;
    let snapshot = header.snapshot.clone().unwrap_or_default();
    let tabular = govshare_exchange::MediaKind::of(&snapshot.media_type).is_tabular();
    // The projected size of CSV or NDJSON is unknown until the trailer.
    let bar = data_view::progress((!tabular).then_some(snapshot.size_bytes));
    let outcome = match target {
        Target::Stdout => {
            let mut stdout = tokio::io::stdout();
            receive_data(stream, &mut stdout, target, &bar).await
        }
        Target::File { path, part } => {
            let mut file = PartFile::create(path, part).await?;
            match receive_data(stream, &mut file.file, target, &bar).await {
                Ok(trailer) => file.keep().await.map(|()| trailer),
                Err(e) => {
                    drop(file);
                    bar.finish_and_clear();
                    eprintln!(
                        "未完成的文件 {} 已删除 (the partial file was removed)",
                        part.display()
                    );
                    return Err(e);
                }
            }
        }
    };
    bar.finish_and_clear();
    Ok(Received {
        header,
        trailer: outcome?,
    })
}

async fn fetch(
    opts: &ClientOpts,
    entry_code: String,
    snapshot: Option<String>,
    out: &str,
) -> anyhow::Result<()> {
    let target = Target::parse(out)?;
    let mut exchange = Connection::open(opts).await?.exchange();
    let request = FetchDataRequest {
        entry_code,
        snapshot_id: snapshot.unwrap_or_default(),
    };
    // Refusals (no grant, no snapshot) come here, before any file is created.
    let mut stream = exchange.fetch_data(request).await?.into_inner();
    let received = tokio::select! {
        received = download(&mut stream, &target) => received?,
        _ = tokio::signal::ctrl_c() => anyhow::bail!(
            "已中断，未完成的文件已删除 (interrupted: the partial file was removed)"
        ),
    };
    let Received { header, trailer } = received;
    if opts.output == OutputFormat::Json && target != Target::Stdout {
        let json = serde_json::json!({
            "header": output::to_json(&header)?,
            "trailer": output::to_json(&trailer)?,
        });
        output::print_stdout(&serde_json::to_string_pretty(&json)?)
    } else {
        eprintln!(
            "{}",
            data_view::fetched(&header, &trailer, &target.describe())
        );
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// snapshots
// ---------------------------------------------------------------------------------------------

async fn snapshots(opts: &ClientOpts, entry_code: String, page: PageArgs) -> anyhow::Result<()> {
    let out = opts.output;
    let mut exchange = Connection::open(opts).await?.exchange();
    let mut request = ListSnapshotsRequest {
        entry_code,
        page_size: page.page_size,
        page_token: page.page_token.unwrap_or_default(),
    };
    let mut all = ListSnapshotsResponse::default();
    loop {
        let response = exchange.list_snapshots(request.clone()).await?.into_inner();
        all.snapshots.extend(response.snapshots);
        match next_page(page.all, &request.page_token, response.next_page_token) {
            ControlFlow::Continue(token) => request.page_token = token,
            ControlFlow::Break(last) => {
                all.next_page_token = last;
                break;
            }
        }
    }
    output::emit(out, &all, data_view::snapshot_list)?;
    output::note_next_page(out, &all.next_page_token);
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use bytes::Bytes;
    use clap::Parser as _;

    use super::*;
    use crate::{Cli, Command};

    fn parse(args: &[&str]) -> Result<DataCommand, clap::Error> {
        let cli = Cli::try_parse_from([&["govshare", "data"], args].concat())?;
        let Command::Data(cmd) = cli.command else {
            panic!("not a data command");
        };
        Ok(cmd)
    }

    #[test]
    fn fetch_needs_a_destination_and_takes_stdout() {
        assert_eq!(
            parse(&["fetch", "--entry", "101001/000001"])
                .unwrap_err()
                .exit_code(),
            2
        );
        let cmd = parse(&["fetch", "--entry", "101001/000001", "-o", "-"]).unwrap();
        let DataCommand::Fetch { out, snapshot, .. } = cmd else {
            panic!("not fetch");
        };
        assert_eq!(out, "-");
        assert_eq!(snapshot, None);
        assert_eq!(Target::parse(&out).unwrap(), Target::Stdout);
    }

    #[test]
    fn fetch_output_format_and_destination_are_distinct() {
        let cli = Cli::try_parse_from([
            "govshare",
            "data",
            "fetch",
            "--entry",
            "101001/000001",
            "--out",
            "people.csv",
            "--output",
            "json",
        ])
        .unwrap();
        assert_eq!(cli.client.output, OutputFormat::Json);
    }

    #[test]
    fn the_partial_file_sits_next_to_the_file() {
        assert_eq!(
            Target::parse("dir/人口.csv").unwrap(),
            Target::File {
                path: PathBuf::from("dir/人口.csv"),
                part: PathBuf::from("dir/人口.csv.part"),
            }
        );
        assert!(Target::parse("dir/..").is_err());
    }

    fn header() -> FetchDataResponse {
        FetchDataResponse {
            part: Some(Part::Header(FetchHeader {
                snapshot: Some(DataSnapshot {
                    id: "SNP-000001".into(),
                    media_type: "text/csv".into(),
                    ..Default::default()
                }),
                columns: vec!["姓名".into()],
                grant_id: "GRT-000001".into(),
                grant_ids: vec!["GRT-000001".into()],
            })),
        }
    }

    fn chunk(data: &'static [u8]) -> FetchDataResponse {
        FetchDataResponse {
            part: Some(Part::Chunk(Bytes::from_static(data))),
        }
    }

    fn trailer(data: &[u8]) -> FetchDataResponse {
        FetchDataResponse {
            part: Some(Part::Trailer(FetchTrailer {
                sha256: hex::encode(Sha256::digest(data)),
                size_bytes: data.len() as u64,
                rows: 1,
            })),
        }
    }

    async fn run_download(
        messages: Vec<Result<FetchDataResponse, tonic::Status>>,
    ) -> (anyhow::Result<Received>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.csv");
        let target = Target::parse(out.to_str().unwrap()).unwrap();
        let mut stream = futures::stream::iter(messages);
        (download(&mut stream, &target).await, dir)
    }

    fn names(dir: &tempfile::TempDir) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn a_verified_download_is_renamed_to_the_file() {
        let (result, dir) = run_download(vec![
            Ok(header()),
            Ok(chunk(b"name\n")),
            Ok(chunk(b"x\n")),
            Ok(trailer(b"name\nx\n")),
        ])
        .await;
        let received = result.unwrap();
        assert_eq!(received.trailer.size_bytes, 7);
        assert_eq!(names(&dir), ["out.csv"]);
        assert_eq!(
            std::fs::read(dir.path().join("out.csv")).unwrap(),
            b"name\nx\n"
        );
    }

    #[tokio::test]
    async fn a_stream_without_trailer_leaves_no_file() {
        let (result, dir) = run_download(vec![Ok(header()), Ok(chunk(b"name\n"))]).await;
        let err = format!("{:#}", result.unwrap_err());
        assert!(err.contains("before its trailer"), "{err}");
        assert!(names(&dir).is_empty(), "{:?}", names(&dir));
    }

    #[tokio::test]
    async fn a_mismatching_trailer_leaves_no_file() {
        let (result, dir) = run_download(vec![
            Ok(header()),
            Ok(chunk(b"name\ny\n")),
            Ok(trailer(b"name\nx\n")),
        ])
        .await;
        let err = format!("{:#}", result.unwrap_err());
        assert!(err.contains("verification failed"), "{err}");
        assert!(names(&dir).is_empty(), "{:?}", names(&dir));
    }

    #[tokio::test]
    async fn an_error_mid_stream_leaves_no_file_and_keeps_the_status() {
        let (result, dir) = run_download(vec![
            Ok(header()),
            Ok(chunk(b"name\n")),
            Err(tonic::Status::permission_denied(
                "grant GRT-000001 was revoked",
            )),
        ])
        .await;
        let err = result.unwrap_err();
        let status = err.downcast_ref::<tonic::Status>().unwrap();
        assert_eq!(status.code(), tonic::Code::PermissionDenied);
        assert!(names(&dir).is_empty(), "{:?}", names(&dir));
    }

    #[tokio::test]
    async fn data_before_the_header_is_refused() {
        let (result, dir) = run_download(vec![Ok(chunk(b"x")), Ok(trailer(b"x"))]).await;
        assert!(result.is_err());
        assert!(names(&dir).is_empty());
    }

    #[tokio::test]
    async fn an_upload_ends_only_when_the_reader_says_so() {
        use std::time::Duration;

        // Completed: the messages, then the end.
        let (tx, rx) = mpsc::channel(4);
        let (done_tx, done_rx) = oneshot::channel();
        tx.send(PublishDataRequest::default()).await.unwrap();
        drop(tx);
        done_tx.send(()).unwrap();
        let sent: Vec<_> = upload_body(rx, done_rx).collect().await;
        assert_eq!(sent.len(), 1);

        // Abandoned: the messages, then never an end.
        let (tx, rx) = mpsc::channel(4);
        let (done_tx, done_rx) = oneshot::channel::<()>();
        tx.send(PublishDataRequest::default()).await.unwrap();
        drop(tx);
        drop(done_tx);
        let mut body = Box::pin(upload_body(rx, done_rx));
        assert!(body.next().await.is_some());
        let end = tokio::time::timeout(Duration::from_millis(100), body.next()).await;
        assert!(end.is_err(), "an abandoned upload must not end");
    }

    #[tokio::test]
    async fn a_file_is_sent_in_chunks_with_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob.bin");
        let data: Vec<u8> = (0..CHUNK_BYTES * 2 + 10).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let file = tokio::fs::File::open(&path).await.unwrap();
        let (tx, mut rx) = mpsc::channel(8);
        let (done_tx, mut done_rx) = oneshot::channel();
        let sending = tokio::spawn(send_file(
            file,
            path,
            data.len() as u64,
            PublishDataRequest::default(),
            tx,
            done_tx,
            ProgressBar::hidden(),
        ));
        let mut sizes = Vec::new();
        while let Some(message) = rx.recv().await {
            if let Some(publish_data_request::Part::Chunk(c)) = message.part {
                sizes.push(c.len());
            }
        }
        let sent = sending.await.unwrap().unwrap();
        assert_eq!(sizes, [CHUNK_BYTES, CHUNK_BYTES, 10]);
        assert_eq!(sent.sha256, hex::encode(Sha256::digest(&data)));
        assert_eq!(sent.size, data.len() as u64);
        assert!(done_rx.try_recv().is_ok());
    }

    #[tokio::test]
    async fn a_file_that_changed_size_is_never_completed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob.bin");
        std::fs::write(&path, b"12345").unwrap();
        let file = tokio::fs::File::open(&path).await.unwrap();
        let (tx, mut rx) = mpsc::channel(8);
        let (done_tx, mut done_rx) = oneshot::channel();
        let sending = tokio::spawn(send_file(
            file,
            path,
            9,
            PublishDataRequest::default(),
            tx,
            done_tx,
            ProgressBar::hidden(),
        ));
        while rx.recv().await.is_some() {}
        let Err(SendFailure::Read(e)) = sending.await.unwrap() else {
            panic!("a short file was taken as complete");
        };
        assert!(e.to_string().contains("changed while it was sent"), "{e}");
        assert!(done_rx.try_recv().is_err());
    }

    #[test]
    fn a_snapshot_recorded_differently_is_an_error() {
        let sent = Sent {
            sha256: "ab".repeat(32),
            size: 10,
        };
        let mut snapshot = DataSnapshot {
            id: "SNP-000001".into(),
            sha256: "AB".repeat(32),
            size_bytes: 10,
            ..Default::default()
        };
        assert!(check_recorded(&snapshot, &sent).is_ok());
        snapshot.size_bytes = 11;
        let err = check_recorded(&snapshot, &sent).unwrap_err().to_string();
        assert!(err.contains("SNP-000001"), "{err}");
        assert!(err.contains("damaged"), "{err}");
    }
}
