//! Publishing a snapshot (PublishData): the data streams in chunks, hashed as it goes, and the
//! snapshot the server records is checked against the sha256 and size sent.
//!
//! An upload ends only once the whole input was read and sent: on a read error (or a file
//! that changed size while it was read) the stream is left unfinished, so the server keeps
//! nothing.

use std::path::Path;
use std::sync::Arc;

use bytes::BytesMut;
use futures::{Stream, StreamExt as _};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt as _};
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;

use crate::proto::{
    DataSnapshot, PublishDataRequest, PublishEnd, PublishHeader, publish_data_request,
};
use crate::transfer::{NoProgress, Progress, media_type_of};
use crate::{Client, Error};

/// Bytes per upload message: well under the server's `api.max_message_bytes` (4 MiB).
pub const CHUNK_BYTES: usize = 1024 * 1024;

/// How the input is named in errors: in Chinese (`文件 a.csv `, `数据`) and in English.
#[derive(Debug, Clone)]
struct Named {
    zh: String,
    en: String,
}

/// The data to publish: an open file or any reader, with its size when known.
pub struct Upload {
    reader: Box<dyn AsyncRead + Unpin + Send>,
    size: Option<u64>,
    name: Named,
    media_type: &'static str,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("size", &self.size)
            .field("name", &self.name.en)
            .field("media_type", &self.media_type)
            .finish_non_exhaustive()
    }
}

impl Upload {
    /// The regular file at `path`, opened now; its size is announced to the server and must
    /// not change while it is sent. Its media type defaults to its extension's
    /// ([`media_type_of`]).
    pub async fn file(path: impl AsRef<Path>) -> Result<Upload, Error> {
        let path = path.as_ref();
        let shown = path.display();
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|source| Error::Io {
                context: format!("无法打开文件 {shown} (cannot open {shown})"),
                source,
            })?;
        let metadata = file.metadata().await.map_err(|source| Error::Io {
            context: format!("无法读取文件 {shown} 的信息 (cannot stat {shown})"),
            source,
        })?;
        if !metadata.is_file() {
            return Err(Error::Input(format!(
                "{shown} 不是普通文件 ({shown} is not a regular file)"
            )));
        }
        Ok(Upload {
            reader: Box::new(file),
            size: Some(metadata.len()),
            name: Named {
                zh: format!("文件 {shown} "),
                en: shown.to_string(),
            },
            media_type: media_type_of(path),
        })
    }

    /// The bytes `reader` gives to its end. With `size`, the size is announced and the upload
    /// is abandoned if the reader gives another; without, the server takes what comes. The
    /// media type must be given with [`Publish::media_type`] unless the data is opaque.
    pub fn reader(reader: impl AsyncRead + Unpin + Send + 'static, size: Option<u64>) -> Upload {
        Upload {
            reader: Box::new(reader),
            size,
            name: Named {
                zh: "数据".into(),
                en: "the data".into(),
            },
            media_type: crate::transfer::OPAQUE,
        }
    }

    /// The size announced, if known.
    pub fn size(&self) -> Option<u64> {
        self.size
    }
}

/// Where a snapshot goes and what is said about it.
#[derive(Clone)]
pub struct Publish {
    entry_code: String,
    media_type: Option<String>,
    note: String,
    progress: Arc<dyn Progress>,
}

impl std::fmt::Debug for Publish {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publish")
            .field("entry_code", &self.entry_code)
            .field("media_type", &self.media_type)
            .field("note", &self.note)
            .finish_non_exhaustive()
    }
}

impl Publish {
    /// A new snapshot of the entry `entry_code` (e.g. `101001/000001`).
    pub fn new(entry_code: impl Into<String>) -> Publish {
        Publish {
            entry_code: entry_code.into(),
            media_type: None,
            note: String::new(),
            progress: Arc::new(NoProgress),
        }
    }

    /// The media type (`text/csv`, `application/x-ndjson`, or any other for opaque bytes);
    /// blank keeps the upload's own.
    pub fn media_type(mut self, media_type: impl Into<String>) -> Publish {
        let media_type = media_type.into().trim().to_string();
        self.media_type = (!media_type.is_empty()).then_some(media_type);
        self
    }

    /// A note kept with the snapshot (说明).
    pub fn note(mut self, note: impl Into<String>) -> Publish {
        self.note = note.into();
        self
    }

    /// Tells `progress` of every chunk sent.
    pub fn progress(mut self, progress: Arc<dyn Progress>) -> Publish {
        self.progress = progress;
        self
    }
}

/// What the client sent: the sha256 and size of the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sent {
    sha256: String,
    size: u64,
}

/// Why the upload stopped on the client's side.
#[derive(Debug)]
enum SendFailure {
    /// Reading the input failed, or it changed while being sent.
    Read(Error),
    /// The request stream was closed: the server has answered already.
    Closed,
}

impl Client {
    /// Publishes the file at `path` as a new snapshot ([`Upload::file`], then
    /// [`publish`](Self::publish)).
    pub async fn publish_file(
        &self,
        path: impl AsRef<Path>,
        publish: Publish,
    ) -> Result<DataSnapshot, Error> {
        self.publish(Upload::file(path).await?, publish).await
    }

    /// Streams `upload` as a new snapshot (the caller must be a CATALOGUER of the entry's
    /// department): a header, chunks of [`CHUNK_BYTES`], an end. The sha256 and size are
    /// computed while sending, and the snapshot the server recorded must match them. On any
    /// failure the server keeps nothing.
    pub async fn publish(&self, upload: Upload, publish: Publish) -> Result<DataSnapshot, Error> {
        let Upload {
            reader,
            size,
            name,
            media_type,
        } = upload;
        let header = PublishDataRequest {
            part: Some(publish_data_request::Part::Header(PublishHeader {
                entry_code: publish.entry_code,
                media_type: publish.media_type.unwrap_or_else(|| media_type.to_string()),
                note: publish.note,
                size_bytes: size.unwrap_or(0),
                sha256: String::new(),
            })),
        };
        let mut exchange = self.exchange();
        let (tx, rx) = mpsc::channel(2);
        let (done_tx, done_rx) = oneshot::channel();
        let mut reader = tokio::spawn(send_data(
            reader,
            name,
            size,
            header,
            tx,
            done_tx,
            publish.progress,
        ));
        let call = exchange.publish_data(upload_body(rx, done_rx));
        tokio::pin!(call);
        let (snapshot, sent) = tokio::select! {
            answer = &mut call => match answer {
                Ok(snapshot) => match (&mut reader).await {
                    Ok(Ok(sent)) => (snapshot.into_inner(), sent),
                    Ok(Err(SendFailure::Read(e))) => return Err(e),
                    Ok(Err(SendFailure::Closed)) => return Err(Error::Protocol(
                        "上传在文件读完之前结束 (the upload ended before the whole file was sent)"
                            .into(),
                    )),
                    Err(e) => return Err(Error::Task(e)),
                },
                Err(status) => {
                    reader.abort();
                    return Err(status.into());
                }
            },
            read = &mut reader => match read {
                Ok(Ok(sent)) => (call.await?.into_inner(), sent),
                // The server answered while chunks were still going out: its answer says why.
                Ok(Err(SendFailure::Closed)) => {
                    call.await?;
                    return Err(Error::Protocol(
                        "服务器在文件发送完之前应答 (the server answered before the whole file \
                         was sent)"
                            .into(),
                    ));
                }
                // Dropping the call leaves the upload unfinished: the server keeps nothing.
                Ok(Err(SendFailure::Read(e))) => return Err(e),
                Err(e) => return Err(Error::Task(e)),
            },
        };
        check_recorded(&snapshot, &sent)?;
        Ok(snapshot)
    }
}

/// The request stream: the messages of the reader, then the end of the upload, but only once
/// the reader says the whole input was sent. Without that word the stream never ends, so an
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

/// Sends `header`, then the input in chunks of [`CHUNK_BYTES`], hashing them; says `done` only
/// when the input was read to its end and held the `announced` size.
async fn send_data(
    mut input: Box<dyn AsyncRead + Unpin + Send>,
    name: Named,
    announced: Option<u64>,
    header: PublishDataRequest,
    tx: mpsc::Sender<PublishDataRequest>,
    done: oneshot::Sender<()>,
    progress: Arc<dyn Progress>,
) -> Result<Sent, SendFailure> {
    let Named { zh, en } = &name;
    tx.send(header).await.map_err(|_| SendFailure::Closed)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let mut chunk = BytesMut::with_capacity(CHUNK_BYTES);
        while chunk.len() < CHUNK_BYTES {
            let n = input.read_buf(&mut chunk).await.map_err(|source| {
                SendFailure::Read(Error::Io {
                    context: format!(
                        "读取{zh}失败，上传已中止 (reading {en} failed: the upload was abandoned)"
                    ),
                    source,
                })
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
        progress.advanced(chunk.len() as u64);
        let message = PublishDataRequest {
            part: Some(publish_data_request::Part::Chunk(chunk.freeze())),
        };
        tx.send(message).await.map_err(|_| SendFailure::Closed)?;
    }
    if let Some(announced) = announced.filter(|a| *a != size) {
        return Err(SendFailure::Read(Error::Input(format!(
            "{zh}在发送过程中发生变化（原为 {announced} 字节，读到 {size} 字节），上传已中止 \
             ({en} changed while it was sent: {announced} bytes announced, {size} read; the \
             upload was abandoned)"
        ))));
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
fn check_recorded(snapshot: &DataSnapshot, sent: &Sent) -> Result<(), Error> {
    if snapshot.sha256.eq_ignore_ascii_case(&sent.sha256) && snapshot.size_bytes == sent.size {
        return Ok(());
    }
    Err(Error::Integrity(format!(
        "服务器记录的快照 {id} 为 {got_size} 字节、sha256 {got_sha}，与发送的 {size} 字节、sha256 \
         {sha} 不符，数据可能在传输中损坏，请核对后重新发布 (snapshot {id} was recorded with \
         {got_size} bytes and sha256 {got_sha}, not the {size} bytes and sha256 {sha} sent: the \
         data may have been damaged on the way; check it and publish again)",
        id = snapshot.id,
        got_size = snapshot.size_bytes,
        got_sha = snapshot.sha256,
        size = sent.size,
        sha = sent.sha256,
    )))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn an_upload_ends_only_when_the_reader_says_so() {
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

    /// Sends `upload` with `announced` as its size through [`send_data`]: the chunk sizes sent,
    /// the outcome, and whether the end was said.
    async fn send(
        upload: Upload,
        announced: Option<u64>,
    ) -> (Vec<usize>, Result<Sent, SendFailure>, bool) {
        #[derive(Default)]
        struct Count(std::sync::atomic::AtomicU64);
        impl Progress for Count {
            fn advanced(&self, bytes: u64) {
                self.0
                    .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
            }
        }
        let count = Arc::new(Count::default());
        let (tx, mut rx) = mpsc::channel(8);
        let (done_tx, mut done_rx) = oneshot::channel();
        let sending = tokio::spawn(send_data(
            upload.reader,
            upload.name,
            announced,
            PublishDataRequest::default(),
            tx,
            done_tx,
            count.clone(),
        ));
        let mut sizes = Vec::new();
        while let Some(message) = rx.recv().await {
            if let Some(publish_data_request::Part::Chunk(c)) = message.part {
                sizes.push(c.len());
            }
        }
        let outcome = sending.await.unwrap();
        if let Ok(sent) = &outcome {
            assert_eq!(
                count.0.load(std::sync::atomic::Ordering::Relaxed),
                sent.size
            );
        }
        (sizes, outcome, done_rx.try_recv().is_ok())
    }

    #[tokio::test]
    async fn a_file_is_sent_in_chunks_with_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob.bin");
        let data: Vec<u8> = (0..CHUNK_BYTES * 2 + 10).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let upload = Upload::file(&path).await.unwrap();
        assert_eq!(upload.size(), Some(data.len() as u64));
        let (sizes, sent, done) = send(upload, Some(data.len() as u64)).await;
        let sent = sent.unwrap();
        assert_eq!(sizes, [CHUNK_BYTES, CHUNK_BYTES, 10]);
        assert_eq!(sent.sha256, hex::encode(Sha256::digest(&data)));
        assert_eq!(sent.size, data.len() as u64);
        assert!(done);
    }

    #[tokio::test]
    async fn a_reader_of_unknown_size_is_sent_to_its_end() {
        let data = b"name\nx\n".to_vec();
        let (sizes, sent, done) = send(
            Upload::reader(std::io::Cursor::new(data.clone()), None),
            None,
        )
        .await;
        assert_eq!(sizes, [7]);
        assert_eq!(sent.unwrap().sha256, hex::encode(Sha256::digest(&data)));
        assert!(done);
    }

    #[tokio::test]
    async fn a_file_that_changed_size_is_never_completed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob.bin");
        std::fs::write(&path, b"12345").unwrap();
        let upload = Upload::file(&path).await.unwrap();
        let (_, outcome, done) = send(upload, Some(9)).await;
        let Err(SendFailure::Read(e)) = outcome else {
            panic!("a short file was taken as complete");
        };
        assert!(e.to_string().contains("changed while it was sent"), "{e}");
        assert!(e.to_string().contains("blob.bin"), "{e}");
        assert!(!done);
    }

    #[tokio::test]
    async fn only_regular_files_are_published() {
        let dir = tempfile::tempdir().unwrap();
        let err = Upload::file(dir.path()).await.unwrap_err();
        assert!(err.to_string().contains("is not a regular file"), "{err}");
        let err = Upload::file(dir.path().join("absent.csv"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("cannot open"), "{err}");
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
        let err = check_recorded(&snapshot, &sent).unwrap_err();
        assert!(matches!(err, Error::Integrity(_)));
        let err = err.to_string();
        assert!(err.contains("SNP-000001"), "{err}");
        assert!(err.contains("damaged"), "{err}");
    }
}
