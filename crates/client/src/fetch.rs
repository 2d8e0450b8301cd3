//! Fetching a snapshot (FetchData): a header, the data in chunks, a trailer with the sha256
//! and size of exactly the bytes delivered, which the client checks.
//!
//! A download to a path goes to `FILE.part` in the same directory, is flushed to disk, and
//! becomes `FILE` only once its sha256 and size match the trailer; on any failure (or when
//! the future is dropped) the partial file is removed, so no partial `FILE` is ever left.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use futures::{Stream, StreamExt as _};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncWrite, AsyncWriteExt as _};

use crate::proto::{
    FetchDataRequest, FetchDataResponse, FetchHeader, FetchTrailer, fetch_data_response,
};
use crate::transfer::{NoProgress, Progress};
use crate::{Client, Error};

type Part = fetch_data_response::Part;

/// The messages of a FetchData call.
type Messages = Pin<Box<dyn Stream<Item = Result<FetchDataResponse, tonic::Status>> + Send>>;

/// What a download received and the server vouched for.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The snapshot, the columns delivered and the grants they were delivered under.
    pub header: FetchHeader,
    /// The sha256, size and rows of the bytes delivered, as verified.
    pub trailer: FetchTrailer,
}

/// A download whose header has arrived: the data is still to be received, with
/// [`to_path`](Download::to_path) or [`to_writer`](Download::to_writer).
pub struct Download {
    header: FetchHeader,
    messages: Messages,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts fetching the snapshot `snapshot_id` (`None`: the latest) of `entry_code`: the
    /// caller needs an ACTIVE grant (or to be the providing department). Refusals (no grant,
    /// no snapshot) come here, before any data.
    pub async fn fetch(
        &self,
        entry_code: impl Into<String>,
        snapshot_id: Option<&str>,
    ) -> Result<Download, Error> {
        let request = FetchDataRequest {
            entry_code: entry_code.into(),
            snapshot_id: snapshot_id.unwrap_or_default().to_string(),
        };
        let stream = self.exchange().fetch_data(request).await?.into_inner();
        Download::start(Box::pin(stream)).await
    }

    /// Fetches the snapshot `snapshot_id` (`None`: the latest) of `entry_code` to `path`,
    /// verified ([`fetch`](Self::fetch), then [`Download::to_path`]).
    pub async fn fetch_to_path(
        &self,
        entry_code: impl Into<String>,
        snapshot_id: Option<&str>,
        path: impl AsRef<Path>,
    ) -> Result<Fetched, Error> {
        self.fetch(entry_code, snapshot_id)
            .await?
            .to_path(path, &NoProgress)
            .await
    }
}

impl Download {
    /// Receives the header: the first message of `messages`.
    async fn start(mut messages: Messages) -> Result<Download, Error> {
        match next_part(&mut messages).await? {
            Some(Part::Header(header)) => Ok(Download { header, messages }),
            Some(_) => Err(Error::Protocol(
                "服务器未先发送数据头 (the server did not send the header first)".into(),
            )),
            None => Err(Error::Protocol(
                "服务器未发送任何数据 (the server sent nothing)".into(),
            )),
        }
    }

    /// The header: the snapshot, the columns delivered, the grants.
    pub fn header(&self) -> &FetchHeader {
        &self.header
    }

    /// Receives the data into `path`: into `path` + `.part` (in the same directory), flushed
    /// and synced, then renamed to `path` once its sha256 and size match the trailer. On any
    /// failure the partial file is removed (and `progress` told); so it is when this future is
    /// dropped.
    pub async fn to_path(
        mut self,
        path: impl AsRef<Path>,
        progress: &dyn Progress,
    ) -> Result<Fetched, Error> {
        let path = path.as_ref();
        let part = part_path(path)?;
        let mut file = PartFile::create(path, &part).await?;
        let written = |source: io::Error| Error::Io {
            context: {
                let shown = part.display();
                format!("写入 {shown} 失败 (writing {shown} failed)")
            },
            source,
        };
        match receive_data(&mut self.messages, &mut file.file, progress, written).await {
            Ok(trailer) => {
                file.keep().await?;
                Ok(Fetched {
                    header: self.header,
                    trailer,
                })
            }
            Err(e) => {
                drop(file);
                progress.discarded(&part);
                Err(e)
            }
        }
    }

    /// Writes the data to `writer` as it arrives and checks it against the trailer at the
    /// end; what was written before a failure stays written (prefer
    /// [`to_path`](Self::to_path) for files). A failed write is an [`Error::Io`].
    pub async fn to_writer<W>(
        mut self,
        writer: &mut W,
        progress: &dyn Progress,
    ) -> Result<Fetched, Error>
    where
        W: AsyncWrite + Unpin + Send,
    {
        let written = |source| Error::Io {
            context: "写入数据失败 (writing the data failed)".into(),
            source,
        };
        let trailer = receive_data(&mut self.messages, writer, progress, written).await?;
        Ok(Fetched {
            header: self.header,
            trailer,
        })
    }
}

/// `path` + `.part`, in the same directory.
fn part_path(path: &Path) -> Result<PathBuf, Error> {
    let Some(name) = path.file_name() else {
        let shown = path.display();
        return Err(Error::Input(format!(
            "{shown} 不是文件路径 ({shown} does not name a file)"
        )));
    };
    let mut part_name = name.to_os_string();
    part_name.push(".part");
    Ok(path.with_file_name(part_name))
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
    async fn create(path: &Path, part: &Path) -> Result<PartFile, Error> {
        let file = tokio::fs::File::create(part)
            .await
            .map_err(|source| Error::Io {
                context: {
                    let shown = part.display();
                    format!("无法创建文件 {shown} (cannot create {shown})")
                },
                source,
            })?;
        Ok(PartFile {
            file,
            part: part.to_owned(),
            path: path.to_owned(),
            kept: false,
        })
    }

    /// Makes the verified data durable, then gives it its name.
    async fn keep(mut self) -> Result<(), Error> {
        let shown = self.part.display().to_string();
        self.file
            .flush()
            .await
            .and(self.file.sync_all().await)
            .map_err(|source| Error::Io {
                context: format!("无法写入文件 {shown} (cannot write {shown})"),
                source,
            })?;
        tokio::fs::rename(&self.part, &self.path)
            .await
            .map_err(|source| Error::Io {
                context: format!(
                    "无法将 {shown} 改名为 {} (cannot rename {shown} to {})",
                    self.path.display(),
                    self.path.display()
                ),
                source,
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

/// The next message of `stream` with a part; `None` at the end.
async fn next_part(stream: &mut Messages) -> Result<Option<Part>, Error> {
    loop {
        match stream.next().await {
            None => return Ok(None),
            Some(Err(status)) => return Err(status.into()),
            Some(Ok(FetchDataResponse { part: None })) => continue,
            Some(Ok(FetchDataResponse { part: Some(part) })) => return Ok(Some(part)),
        }
    }
}

/// Writes the chunks of `stream` to `sink`, hashing them, up to the trailer, and checks the
/// trailer against what was received. The stream must end right after the trailer. Write
/// failures are told by `written`.
async fn receive_data<W>(
    stream: &mut Messages,
    sink: &mut W,
    progress: &dyn Progress,
    written: impl Fn(io::Error) -> Error,
) -> Result<FetchTrailer, Error>
where
    W: AsyncWrite + Unpin + Send + ?Sized,
{
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let trailer = loop {
        match next_part(stream).await? {
            Some(Part::Chunk(bytes)) => {
                hasher.update(&bytes);
                size += bytes.len() as u64;
                sink.write_all(&bytes).await.map_err(&written)?;
                progress.advanced(bytes.len() as u64);
            }
            Some(Part::Trailer(trailer)) => break trailer,
            Some(Part::Header(_)) => {
                return Err(Error::Protocol(
                    "服务器发送了第二个数据头 (the server sent a second header)".into(),
                ));
            }
            None => {
                return Err(Error::Protocol(
                    "数据流在校验信息（尾部）之前结束，数据不完整 (the stream ended before its \
                     trailer: the data is incomplete)"
                        .into(),
                ));
            }
        }
    };
    if next_part(stream).await?.is_some() {
        return Err(Error::Protocol(
            "服务器在尾部之后仍发送消息 (the server sent more after the trailer)".into(),
        ));
    }
    sink.flush().await.map_err(&written)?;
    let sha256 = hex::encode(hasher.finalize());
    if !trailer.sha256.eq_ignore_ascii_case(&sha256) || trailer.size_bytes != size {
        return Err(Error::Integrity(format!(
            "校验失败：收到 {size} 字节、sha256 {sha256}，服务器声明 {} 字节、sha256 {}，数据在传输中\
             损坏 (verification failed: received {size} bytes hashing to {sha256}, the server \
             sent {} bytes hashing to {}: the data was damaged on the way)",
            trailer.size_bytes, trailer.sha256, trailer.size_bytes, trailer.sha256
        )));
    }
    Ok(trailer)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Mutex;

    use bytes::Bytes;

    use super::*;
    use crate::proto::DataSnapshot;

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

    /// Remembers the partial files it was told of.
    #[derive(Default)]
    struct Discards(Mutex<Vec<PathBuf>>);

    impl Progress for Discards {
        fn discarded(&self, partial: &Path) {
            self.0.lock().unwrap().push(partial.to_owned());
        }
    }

    /// Receives `messages` into `out.csv` of a new directory: the outcome, the directory and
    /// the partial files discarded.
    async fn run_download(
        messages: Vec<Result<FetchDataResponse, tonic::Status>>,
    ) -> (Result<Fetched, Error>, tempfile::TempDir, Vec<PathBuf>) {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.csv");
        let discards = Discards::default();
        let outcome = match Download::start(Box::pin(futures::stream::iter(messages))).await {
            Ok(download) => download.to_path(&out, &discards).await,
            Err(e) => Err(e),
        };
        let discarded = discards.0.into_inner().unwrap();
        (outcome, dir, discarded)
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
        let (result, dir, discarded) = run_download(vec![
            Ok(header()),
            Ok(chunk(b"name\n")),
            Ok(chunk(b"x\n")),
            Ok(trailer(b"name\nx\n")),
        ])
        .await;
        let received = result.unwrap();
        assert_eq!(received.trailer.size_bytes, 7);
        assert_eq!(received.header.grant_id, "GRT-000001");
        assert_eq!(names(&dir), ["out.csv"]);
        assert!(discarded.is_empty());
        assert_eq!(
            std::fs::read(dir.path().join("out.csv")).unwrap(),
            b"name\nx\n"
        );
    }

    #[tokio::test]
    async fn a_stream_without_trailer_leaves_no_file() {
        let (result, dir, discarded) = run_download(vec![Ok(header()), Ok(chunk(b"name\n"))]).await;
        let err = result.unwrap_err().to_string();
        assert!(err.contains("before its trailer"), "{err}");
        assert!(names(&dir).is_empty(), "{:?}", names(&dir));
        assert_eq!(discarded, [dir.path().join("out.csv.part")]);
    }

    #[tokio::test]
    async fn a_mismatching_trailer_leaves_no_file() {
        let (result, dir, _) = run_download(vec![
            Ok(header()),
            Ok(chunk(b"name\ny\n")),
            Ok(trailer(b"name\nx\n")),
        ])
        .await;
        let err = result.unwrap_err();
        assert!(matches!(err, Error::Integrity(_)), "{err:?}");
        assert!(err.to_string().contains("verification failed"), "{err}");
        assert!(names(&dir).is_empty(), "{:?}", names(&dir));
    }

    #[tokio::test]
    async fn an_error_mid_stream_leaves_no_file_and_keeps_the_status() {
        let (result, dir, _) = run_download(vec![
            Ok(header()),
            Ok(chunk(b"name\n")),
            Err(tonic::Status::permission_denied(
                "grant GRT-000001 was revoked",
            )),
        ])
        .await;
        let err = result.unwrap_err();
        assert_eq!(err.code(), Some(tonic::Code::PermissionDenied));
        assert_eq!(
            err.to_string(),
            "PERMISSION_DENIED: grant GRT-000001 was revoked"
        );
        assert!(names(&dir).is_empty(), "{:?}", names(&dir));
    }

    #[tokio::test]
    async fn data_before_the_header_is_refused() {
        let (result, dir, _) = run_download(vec![Ok(chunk(b"x")), Ok(trailer(b"x"))]).await;
        assert!(matches!(result, Err(Error::Protocol(_))));
        assert!(names(&dir).is_empty());
    }

    #[tokio::test]
    async fn a_dropped_download_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.csv");
        // The stream stalls after one chunk; the download is given up on.
        let messages = futures::stream::iter(vec![Ok(header()), Ok(chunk(b"name\n"))])
            .chain(futures::stream::pending());
        let download = Download::start(Box::pin(messages)).await.unwrap();
        let receiving = download.to_path(&out, &NoProgress);
        let gave_up = tokio::time::timeout(std::time::Duration::from_millis(100), receiving).await;
        assert!(gave_up.is_err());
        assert!(names(&dir).is_empty(), "{:?}", names(&dir));
    }

    #[tokio::test]
    async fn a_writer_receives_the_verified_data() {
        let messages = futures::stream::iter(vec![
            Ok(header()),
            Ok(chunk(b"name\n")),
            Ok(trailer(b"name\n")),
        ]);
        let download = Download::start(Box::pin(messages)).await.unwrap();
        let mut out = Vec::new();
        let fetched = download.to_writer(&mut out, &NoProgress).await.unwrap();
        assert_eq!(out, b"name\n");
        assert_eq!(fetched.trailer.size_bytes, 5);
    }

    #[test]
    fn the_partial_file_sits_next_to_the_file() {
        assert_eq!(
            part_path(Path::new("dir/人口.csv")).unwrap(),
            PathBuf::from("dir/人口.csv.part")
        );
        assert!(part_path(Path::new("dir/..")).is_err());
    }
}
