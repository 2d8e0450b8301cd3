//! PublishData: the upload stream feeds a blocking thread that writes, hashes and checks the
//! bytes as they come (`govshare_exchange::ingest`); the snapshot is recorded only once its
//! blob is complete and durable, and, with a bucket configured, only once the bucket holds it
//! too. An upload that ends early, breaks a rule or grows past the limit leaves nothing
//! behind; one the bucket cannot take leaves no record (its blob stays in the local
//! directory, a cache, where the next upload of the same bytes finds it).

use std::io::{self, Read};

use bytes::{Buf, Bytes};
use chrono::Utc;
use govshare_exchange::{BucketError, Column, IngestError, MediaKind, ingest};
use govshare_model::Violations;
use govshare_store::NewSnapshot;
use tokio::sync::mpsc;
use tonic::{Request, Streaming};

use super::{ExchangeApi, snapshot};
use crate::auth::principal;
use crate::authz;
use crate::error::{ApiError, ApiResult};
use crate::observe::note;
use crate::proto::publish_data_request::Part;
use crate::proto::{DataSnapshot, PublishDataRequest, PublishHeader};
use crate::request::{self as field, checked};

const MEDIA_TYPE_MAX: usize = 200;
const NOTE_MAX: usize = 1000;
/// Chunks in flight between the stream and the blocking thread.
const QUEUE: usize = 16;

/// What the upload stream hands the blocking thread.
enum Piece {
    Data(Bytes),
    /// The client ended the stream: the upload is complete.
    End,
    Fail(String),
}

/// The upload as a blocking `Read`. A channel closed without [`Piece::End`] is an interrupted
/// upload, never a complete one.
struct Pieces {
    rx: mpsc::Receiver<Piece>,
    current: Bytes,
    ended: bool,
}

impl Read for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            if self.ended {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Piece::Data(bytes)) => self.current = bytes,
                Some(Piece::End) => self.ended = true,
                Some(Piece::Fail(why)) => return Err(io::Error::other(why)),
                None => return Err(io::Error::other("the upload was interrupted")),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current.advance(n);
        Ok(n)
    }
}

fn ingest_error(e: IngestError) -> ApiError {
    let message = e.to_string();
    match e {
        IngestError::TooLarge { .. } => ApiError::ResourceExhausted(message),
        IngestError::Malformed { .. } | IngestError::Columns(_) => {
            ApiError::field("chunk", message)
        }
        IngestError::Checksum { .. } => ApiError::field("header.sha256", message),
        IngestError::Io(e) if crate::error::is_disk_full(&e) => {
            ApiError::ResourceExhausted(crate::error::disk_full_message(
                "存储上传的数据（未保存任何内容）",
                "storing the upload (nothing was kept)",
            ))
        }
        IngestError::Io(_) => ApiError::Cancelled(message),
    }
}

impl ExchangeApi {
    pub(super) async fn publish_data(
        &self,
        request: Request<Streaming<PublishDataRequest>>,
    ) -> ApiResult<DataSnapshot> {
        let p = principal(&request)?;
        let call = note(&request);
        let mut stream = request.into_inner();
        let first = stream
            .message()
            .await
            .map_err(|s| ApiError::Cancelled(format!("upload interrupted: {}", s.message())))?;
        let Some(PublishDataRequest {
            part: Some(Part::Header(header)),
        }) = first
        else {
            return Err(ApiError::field(
                "header",
                "第一条消息必须是数据头（目录代码、媒体类型） \
                 (the first message must be the header: entry code and media type)",
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
            v.push(
                "header.sha256",
                "应为 64 位十六进制 sha256 (must be a sha256 in 64 hex digits)",
            );
        }
        let code = checked(v, code)?;
        if size_bytes > max {
            return Err(ApiError::ResourceExhausted(format!(
                "数据大小 {size_bytes} 字节超过上限 {max} 字节 \
                 (the snapshot of {size_bytes} bytes is larger than the limit of {max} bytes)"
            )));
        }
        let entry = self.header(&code).await?;
        call.owner(&entry.provider_code);
        authz::write_entry(&p, &entry.provider_code)?;
        let Some(version) = entry
            .published_version
            .filter(|_| entry.is_visible_to_all())
        else {
            return Err(ApiError::FailedPrecondition {
                kind: "STATE",
                subject: code.to_string(),
                message: format!(
                    "目录 {code} 尚未发布或已撤销，不能发布数据：数据按已发布版本的信息项校验 \
                     (entry {code} is not published: data is checked against the items of \
                     its published version)"
                ),
            });
        };
        let metadata = self.state.version(&code, version).await?;
        let columns: Vec<Column> = metadata.model.items.iter().map(Column::from).collect();

        let (tx, rx) = mpsc::channel(QUEUE);
        let blobs = self.state.blobs.clone();
        let kind = MediaKind::of(&media_type);
        let expected = (!sha256.is_empty()).then_some(sha256);
        let ingesting = tokio::task::spawn_blocking(move || {
            let source = Pieces {
                rx,
                current: Bytes::new(),
                ended: false,
            };
            ingest(&blobs, source, kind, &columns, max, expected.as_deref())
        });
        let mut refused = None;
        let mut received = 0u64;
        loop {
            let piece = match stream.message().await {
                Ok(Some(PublishDataRequest {
                    part: Some(Part::Chunk(bytes)),
                })) => {
                    received += bytes.len() as u64;
                    call.add_bytes(bytes.len() as u64);
                    Piece::Data(bytes)
                }
                Ok(Some(PublishDataRequest {
                    part: Some(Part::End(_)),
                })) if size_bytes != 0 && size_bytes != received => {
                    refused = Some(ApiError::field(
                        "header.size_bytes",
                        format!(
                            "声明 {size_bytes} 字节，实际收到 {received} 字节，数据未保存 \
                             ({size_bytes} bytes announced, {received} received: nothing was kept)"
                        ),
                    ));
                    Piece::Fail("the size differs from the announced one".into())
                }
                Ok(Some(PublishDataRequest {
                    part: Some(Part::End(_)),
                })) => Piece::End,
                Ok(Some(PublishDataRequest {
                    part: Some(Part::Header(_)),
                })) => {
                    refused = Some(ApiError::field(
                        "header",
                        "数据头只能发送一次 (the header is sent once, first)",
                    ));
                    Piece::Fail("a second header".into())
                }
                Ok(Some(PublishDataRequest { part: None })) => continue,
                // A dropped call also ends the stream cleanly on the server's side: only the
                // end message tells a complete upload from an interrupted one.
                Ok(None) => {
                    refused = Some(ApiError::field(
                        "end",
                        "上传未以结束消息收尾，视为中断，数据未保存 \
                         (the upload stopped without its end message: it is treated as \
                         interrupted and nothing was kept)",
                    ));
                    Piece::Fail("the upload stopped without its end message".into())
                }
                Err(status) => Piece::Fail(format!("upload interrupted: {}", status.message())),
            };
            let last = !matches!(piece, Piece::Data(_));
            // A closed channel means the checks already failed: their error is the answer.
            if tx.send(piece).await.is_err() || last {
                break;
            }
        }
        drop(tx);
        let ingested = ingesting
            .await
            .map_err(|e| ApiError::Internal(format!("the upload check failed: {e}")))?;
        // A rule the data broke says more than how the stream ended.
        if let (Err(IngestError::Io(_)) | Ok(_), Some(refused)) = (&ingested, refused) {
            return Err(refused);
        }
        let ingested = ingested.map_err(ingest_error)?;
        // Every server fetches from the bucket: no record may name a blob it lacks.
        if let Some(bucket) = &self.state.bucket {
            bucket
                .upload(&self.state.blobs, &ingested.sha256, ingested.size)
                .await
                .map_err(|e| match e {
                    BucketError::Unavailable { .. } => ApiError::Unavailable(format!(
                        "共享存储桶不可用，快照未记录，请稍后重试 (the bucket is unavailable: \
                         {e}; no snapshot was recorded, try again later)"
                    )),
                    e => super::bucket_error(e, "本次上传", "this upload"),
                })?;
        }
        let record = self
            .state
            .store
            .create_snapshot(NewSnapshot {
                entry_code: code,
                entry_version: version,
                provider_code: entry.provider_code,
                sha256: ingested.sha256,
                size_bytes: ingested.size,
                rows: ingested.rows,
                media_type: media_type.trim().to_owned(),
                columns: ingested.columns,
                note: note.trim().to_owned(),
                author: p.token_id.clone(),
                created_at: Utc::now(),
            })
            .await?;
        call.detail(format!(
            "{} {} bytes {} rows",
            record.id, record.size_bytes, record.rows
        ));
        Ok(snapshot(&record))
    }
}
