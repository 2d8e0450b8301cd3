//! PublishData: the upload stream is received asynchronously and handed, a batch of chunks
//! at a time, to a blocking thread that writes, hashes and checks the bytes
//! (`govshare_exchange::Ingest`) while the next batch arrives; an upload that waits for the
//! network holds no thread, and one that stays silent for the idle timeout is ended. The
//! snapshot is recorded only once its blob is complete and durable, and, with a bucket
//! configured, only once the bucket holds it too. An upload that ends early, breaks a rule or
//! grows past the limit leaves nothing behind; one the bucket cannot take leaves no record
//! (its blob stays in the local directory, a cache, where the next upload of the same bytes
//! finds it).

use std::time::Duration;

use bytes::Bytes;
use govshare_exchange::{
    BlobStore, Bounds, BucketError, Column, Ingest, IngestError, Ingested, MediaKind,
};
use govshare_model::{FieldReason, Text, Violations, text};
use govshare_service::exchange::Upload;
use tokio::task::{JoinError, JoinHandle};
use tokio::time::Instant;
use tonic::{Request, Streaming};

use super::streams::idle_upload;
use super::{ExchangeApi, snapshot};
use crate::auth::principal;
use crate::error::{Reason, ServiceError, ServiceResult};
use crate::observe::{CallNote, note};
use crate::proto::publish_data_request::Part;
use crate::proto::{DataSnapshot, PublishDataRequest, PublishHeader};
use crate::request::{self as field, checked};

const MEDIA_TYPE_MAX: usize = 200;
const NOTE_MAX: usize = 1000;
/// Bytes gathered before they are handed to a blocking thread, unless the upload ends first.
const BATCH: usize = 1 << 20;
/// Bytes received ahead of the blocking thread before the stream waits for it.
const AHEAD: usize = 4 << 20;

/// What the checks need to start, on the blocking side, with the first bytes.
struct Start {
    blobs: BlobStore,
    kind: MediaKind,
    columns: Vec<Column>,
    bounds: Bounds,
    expected_sha256: Option<String>,
}

/// The upload on the blocking side: not started before its first batch.
enum Side {
    Unstarted(Start),
    Started(Box<Ingest>),
}

/// Runs `pieces` through the checks (on a blocking thread). A refused upload is dropped
/// here, its temporary blob with it.
fn feed(side: Side, pieces: Vec<Bytes>) -> Result<Box<Ingest>, IngestError> {
    let mut ingest = match side {
        Side::Started(ingest) => ingest,
        Side::Unstarted(s) => Box::new(Ingest::new(
            &s.blobs,
            s.kind,
            s.columns,
            s.bounds,
            s.expected_sha256,
        )?),
    };
    for piece in &pieces {
        ingest.feed(piece)?;
    }
    Ok(ingest)
}

/// The batch in flight on the blocking side, once it is done; never, if there is none.
async fn finished<T>(working: &mut Option<JoinHandle<T>>) -> Result<T, JoinError> {
    match working {
        Some(handle) => handle.await,
        None => std::future::pending().await,
    }
}

fn joined(e: JoinError) -> ServiceError {
    ServiceError::internal(format_args!("the upload check failed: {e}"))
}

/// Receives the chunks of `stream` up to its end message and runs them through the checks,
/// a batch at a time on a blocking thread while the next batch arrives. `announced`: the
/// size the header announced (0: none).
async fn receive(
    stream: &mut Streaming<PublishDataRequest>,
    start: Start,
    announced: u64,
    idle: Duration,
    call: &CallNote,
) -> ServiceResult<Ingested> {
    let mut side = Some(Side::Unstarted(start));
    let mut working: Option<JoinHandle<Result<Box<Ingest>, IngestError>>> = None;
    let mut batch: Vec<Bytes> = Vec::new();
    let mut batch_bytes = 0usize;
    let mut received = 0u64;
    let mut deadline = Instant::now() + idle;
    let ended: Result<(), ServiceError> = loop {
        if working.is_none()
            && batch_bytes >= BATCH
            && let Some(ready) = side.take()
        {
            let pieces = std::mem::take(&mut batch);
            batch_bytes = 0;
            working = Some(tokio::task::spawn_blocking(move || feed(ready, pieces)));
        }
        tokio::select! {
            done = finished(&mut working), if working.is_some() => {
                working = None;
                side = Some(Side::Started(done.map_err(joined)?.map_err(ingest_error)?));
                // The stream waited for the checks, not for the client.
                if batch_bytes >= AHEAD {
                    deadline = Instant::now() + idle;
                }
            }
            message = tokio::time::timeout_at(deadline, stream.message()),
                if batch_bytes < AHEAD =>
            {
                deadline = Instant::now() + idle;
                let part = match message {
                    Err(_) => break Err(idle_upload(idle)),
                    Ok(Err(status)) => break Err(interrupted(status)),
                    // A dropped call also ends the stream cleanly on the server's side: only
                    // the end message tells a complete upload from an interrupted one.
                    Ok(Ok(None)) => {
                        break Err(ServiceError::field("end", FieldReason::Required, text!("上传未以结束消息收尾，视为中断，数据未保存", "the upload stopped without its end message: it is treated as interrupted and nothing was kept")));
                    }
                    Ok(Ok(Some(PublishDataRequest { part }))) => part,
                };
                match part {
                    Some(Part::Chunk(bytes)) => {
                        received += bytes.len() as u64;
                        call.add_bytes(bytes.len() as u64);
                        batch_bytes += bytes.len();
                        batch.push(bytes);
                    }
                    Some(Part::End(_)) if announced != 0 && announced != received => {
                        break Err(ServiceError::field(
                            "header.size_bytes",
                            FieldReason::Inconsistent,
                            text!(
                                "声明 {announced} 字节，实际收到 {received} 字节，数据未保存",
                                "{announced} bytes announced, {received} received: nothing was \
                                 kept"
                            ),
                        ));
                    }
                    Some(Part::End(_)) => break Ok(()),
                    Some(Part::Header(_)) => {
                        break Err(ServiceError::field("header", FieldReason::Duplicate, text!("数据头只能发送一次", "the header is sent once, first")));
                    }
                    None => {}
                }
            }
        }
    };
    let side = match working.take() {
        Some(handle) => Side::Started(handle.await.map_err(joined)?.map_err(ingest_error)?),
        None => side.ok_or_else(|| ServiceError::internal("the upload lost its checks"))?,
    };
    // The rest goes through the checks even when the stream ended badly: a rule the data
    // broke says more than how the stream ended.
    let complete = ended.is_ok();
    let checked = tokio::task::spawn_blocking(move || {
        let ingest = feed(side, batch)?;
        if complete {
            ingest.finish().map(Some)
        } else {
            Ok(None)
        }
    })
    .await
    .map_err(joined)?;
    match (checked, ended) {
        (Err(IngestError::Io(_)) | Ok(_), Err(why)) => Err(why),
        (Err(e), _) => Err(ingest_error(e)),
        (Ok(Some(ingested)), Ok(())) => Ok(ingested),
        (Ok(None), Ok(())) => Err(ServiceError::internal("the upload was not finished")),
    }
}

/// A broken upload stream: refused by a limit (a message over api.max_message_bytes), or
/// broken off by the client.
fn interrupted(status: tonic::Status) -> ServiceError {
    match status.code() {
        tonic::Code::ResourceExhausted => {
            crate::error::refusal_of(&status, Reason::MessageTooLarge)
        }
        _ => {
            let cause = Text::from_fused(status.message());
            let (zh, en) = (cause.zh, cause.en);
            ServiceError::new(
                Reason::UploadInterrupted,
                text!(
                    "上传中断，数据未保存：{zh}",
                    "upload interrupted, nothing was kept: {en}"
                ),
            )
        }
    }
}

fn ingest_error(e: IngestError) -> ServiceError {
    let text = Text::from_fused(&e.to_string());
    match e {
        IngestError::TooLarge { limit, .. } => {
            ServiceError::new(Reason::SnapshotTooLarge, text).with("limit_bytes", limit)
        }
        IngestError::Malformed { .. } | IngestError::Columns(_) => {
            ServiceError::field("chunk", FieldReason::InvalidData, text)
        }
        IngestError::Checksum { .. } => {
            ServiceError::field("header.sha256", FieldReason::Inconsistent, text)
        }
        IngestError::Io(e) if crate::error::is_disk_full(&e) => crate::error::disk_full(
            "存储上传的数据（未保存任何内容）",
            "storing the upload (nothing was kept)",
        ),
        IngestError::Io(_) => ServiceError::new(Reason::UploadInterrupted, text),
    }
}

impl ExchangeApi {
    pub(super) async fn publish_data(
        &self,
        request: Request<Streaming<PublishDataRequest>>,
    ) -> ServiceResult<DataSnapshot> {
        let p = principal(&request)?;
        let call = note(&request);
        let _slot = self.streams.admit(&p)?;
        let idle = self.streams.idle_timeout();
        let mut stream = request.into_inner();
        let first = tokio::time::timeout(idle, stream.message())
            .await
            .map_err(|_| idle_upload(idle))?
            .map_err(interrupted)?;
        let Some(PublishDataRequest {
            part: Some(Part::Header(header)),
        }) = first
        else {
            return Err(ServiceError::field(
                "header",
                FieldReason::Required,
                text!(
                    "第一条消息必须是数据头（目录代码、媒体类型）",
                    "the first message must be the header: entry code and media type"
                ),
            ));
        };
        let PublishHeader {
            entry_code,
            media_type,
            note,
            size_bytes,
            sha256,
        } = header;
        call.target(&entry_code);
        let max = self.state.config.exchange.max_snapshot_bytes;
        let mut v = Violations::default();
        let code = field::resource_code("header.entry_code", &entry_code, &mut v);
        field::required_text(
            "header.media_type",
            &media_type,
            MEDIA_TYPE_MAX,
            "媒体类型",
            &mut v,
        );
        field::optional_text("header.note", &note, NOTE_MAX, &mut v);
        let sha256 = sha256.trim().to_ascii_lowercase();
        if !sha256.is_empty()
            && (sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            v.add(
                "header.sha256",
                FieldReason::InvalidFormat,
                text!(
                    "应为 64 位十六进制 sha256",
                    "must be a sha256 in 64 hex digits"
                ),
            );
        }
        let code = checked(v, code)?;
        if size_bytes > max {
            return Err(ServiceError::new(
                Reason::SnapshotTooLarge,
                text!(
                    "数据大小 {size_bytes} 字节超过上限 {max} 字节",
                    "the snapshot of {size_bytes} bytes is larger than the limit of {max} bytes"
                ),
            )
            .with("limit_bytes", max));
        }
        let target = self.exchange.publish_target(&p, &call, &code).await?;
        let columns: Vec<Column> = target
            .version
            .metadata
            .items
            .iter()
            .map(Column::from)
            .collect();

        let start = Start {
            blobs: self.state.blobs.clone(),
            kind: MediaKind::of(&media_type),
            columns,
            bounds: Bounds {
                max_bytes: max,
                max_record_bytes: self.state.config.exchange.max_record_bytes,
            },
            expected_sha256: (!sha256.is_empty()).then_some(sha256),
        };
        let ingested = receive(&mut stream, start, size_bytes, idle, &call).await?;
        // Every server fetches from the bucket: no record may name a blob it lacks.
        if let Some(bucket) = &self.state.bucket {
            bucket
                .upload(&self.state.blobs, &ingested.sha256, ingested.size)
                .await
                .map_err(|e| match e {
                    BucketError::Unavailable { .. } => ServiceError::new(
                        Reason::BucketUnavailable,
                        text!(
                            "共享存储桶不可用，快照未记录，请稍后重试",
                            "the bucket is unavailable: {e}; no snapshot was recorded, try again \
                             later"
                        ),
                    ),
                    e => super::bucket_error(e, "本次上传", "this upload"),
                })?;
        }
        let upload = Upload {
            sha256: ingested.sha256,
            size: ingested.size,
            rows: ingested.rows,
            media_type,
            columns: ingested.columns,
            note,
        };
        let record = self
            .exchange
            .record_snapshot(&p, &call, target, upload)
            .await?;
        Ok(snapshot(&record))
    }
}
