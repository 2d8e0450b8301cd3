//! FetchData: the exchange's use cases pick the caller's active grants and the snapshot and
//! work out the columns the grants allow together (the union of their items, bounded by what
//! was shareable under the version the snapshot was published against); this streams a header, the projected chunks (from a
//! blocking thread reading the blob) and a trailer with the sha256 and size of exactly the
//! bytes sent. The blob is checked against its recorded sha256 and size as it is read; the
//! last chunk and the trailer follow only once it passed, and damage ends the stream with
//! DATA_LOSS. Before each chunk the grants used are read again, so a grant revoked or expired
//! mid-stream stops the stream there, and so does the caller's credential (see
//! `StreamCredential`). A client that takes no message for the idle timeout is given up on,
//! and the thread is freed. A blob this server's directory lacks is downloaded from the bucket
//! first (checked against its sha256; a damaged one is refused as DATA_LOSS and not kept).

use std::fs::File;
use std::io;

use bytes::Bytes;
use chrono::Utc;
use govshare_exchange::{BlobBucket, BlobStore, DeliverError, MediaKind, Recorded, deliver};
use govshare_model::{Text, Violations, text};
use govshare_sharing::SnapshotId;
use govshare_store::SnapshotRecord;
use tokio::sync::mpsc;
use tonic::{Request, Status};

use super::ExchangeApi;
use super::streams::{self, Abort, idle_download};
use crate::auth::{StreamCredential, principal};
use crate::error::{Reason, ServiceError, ServiceResult};
use crate::observe::note;
use crate::proto::fetch_data_response::Part;
use crate::proto::{FetchDataRequest, FetchDataResponse, FetchHeader, FetchTrailer};
use crate::request::{self as field, checked};
use govshare_service::exchange::Delivery;

/// Messages in flight between the blocking thread and the stream.
const QUEUE: usize = 8;

type Reply = Result<FetchDataResponse, Status>;

fn message(part: Part) -> FetchDataResponse {
    FetchDataResponse { part: Some(part) }
}

/// The blob of `snapshot`, downloaded from `bucket` into `blobs` and opened.
async fn downloaded(
    bucket: Option<BlobBucket>,
    blobs: &BlobStore,
    snapshot: &SnapshotRecord,
) -> ServiceResult<File> {
    let id = snapshot.id;
    let (zh, en) = (format!("快照 {id} "), format!("snapshot {id}"));
    let Some(bucket) = bucket else {
        return Err(ServiceError::internal(format_args!(
            "the data of {en} is not in the blob directory"
        )));
    };
    let path = bucket
        .download(blobs, &snapshot.sha256)
        .await
        .map_err(|e| super::bucket_error(e, &zh, &en))?;
    tracing::info!(snapshot = %id, sha256 = %snapshot.sha256, "downloaded from the bucket");
    File::open(&path)
        .map_err(|e| ServiceError::internal(format_args!("the data of {en} is unreadable: {e}")))
}

impl ExchangeApi {
    pub(super) async fn fetch_data(
        &self,
        request: Request<FetchDataRequest>,
    ) -> ServiceResult<super::BoxStream<FetchDataResponse>> {
        let p = principal(&request)?;
        let note = note(&request);
        let slot = self.streams.admit(&p)?;
        let idle = self.streams.idle_timeout();
        let mut credential = StreamCredential::of(&request, &self.state.credentials).await?;
        let FetchDataRequest {
            entry_code,
            snapshot_id,
        } = request.into_inner();
        note.target(&entry_code);
        let mut v = Violations::default();
        let code = field::resource_code("entry_code", &entry_code, &mut v);
        let id = if snapshot_id.trim().is_empty() {
            None
        } else {
            snapshot_id
                .parse::<SnapshotId>()
                .map_err(|e| govshare_service::fields::malformed("snapshot_id", e, &mut v))
                .ok()
        };
        let code = checked(v, code)?;
        let access = self.exchange.fetch_access(&p, &note, &code).await?;
        if let Some(newest) = access.grants.as_ref().and_then(|g| g.last()) {
            note.grant(newest.id);
        }
        let Delivery {
            snapshot,
            columns,
            grants,
        } = self.exchange.delivery(&note, &access, id).await?;
        let grant_ids: Vec<String> = grants.iter().map(|g| g.id.to_string()).collect();
        if !grant_ids.is_empty() {
            // The record names every grant the delivery is made under.
            note.grant(grant_ids.join(","));
        }
        // A blob missing here comes from the bucket, after the header: a large one takes
        // longer than a reply may take to start.
        let local = match self.state.blobs.open_blob(&snapshot.sha256) {
            Ok(file) => Some(file),
            Err(e) if e.kind() == io::ErrorKind::NotFound && self.state.bucket.is_some() => None,
            Err(e) => {
                return Err(ServiceError::internal(format_args!(
                    "the data of snapshot {} is unreadable: {e}",
                    snapshot.id
                )));
            }
        };
        let bucket = self.state.bucket.clone();
        let blobs = self.state.blobs.clone();

        let (tx, rx) = mpsc::channel::<Reply>(QUEUE);
        let header = message(Part::Header(FetchHeader {
            snapshot: Some(super::snapshot(&snapshot)),
            columns: columns.clone(),
            grant_id: grant_ids.first().cloned().unwrap_or_default(),
            grant_ids,
        }));
        let chunk = self.state.config.exchange.chunk_bytes;
        let max_record = self.state.config.exchange.max_record_bytes;
        let exchange = self.exchange.clone();
        let runtime = tokio::runtime::Handle::current();
        let abort = Abort::default();
        let gave_up = abort.clone();
        tokio::task::spawn_blocking(move || {
            // The stream's slot is free once this thread is.
            let _slot = slot;
            // False once the client went away or took nothing for the idle timeout; then
            // nothing more is sent.
            let stopped = std::cell::Cell::new(false);
            let send = |reply: Reply| -> bool {
                if stopped.get() {
                    return false;
                }
                let sent = match runtime.block_on(tokio::time::timeout(idle, tx.send(reply))) {
                    Ok(sent) => sent.is_ok(),
                    Err(_) => {
                        gave_up.set(idle_download(idle));
                        false
                    }
                };
                stopped.set(!sent);
                sent
            };
            if !send(Ok(header)) {
                return;
            }
            let blob = match local {
                Some(file) => file,
                None => match runtime.block_on(downloaded(bucket, &blobs, &snapshot)) {
                    Ok(file) => file,
                    Err(e) => {
                        send(Err(crate::error::status(e)));
                        return;
                    }
                },
            };
            let kind = MediaKind::of(&snapshot.media_type);
            // Before each chunk: is every grant used still in force?
            let still_granted = || -> Result<(), Status> {
                runtime
                    .block_on(exchange.still_granted(&grants, Utc::now()))
                    .map_err(crate::error::status)
            };
            let mut refused = None;
            let emit = |bytes: Bytes| -> io::Result<()> {
                if let Err(status) = credential
                    .check_blocking(&runtime)
                    .and_then(|()| still_granted())
                {
                    refused = Some(status);
                    return Err(io::Error::other("stopped"));
                }
                // Counted as handed to the stream, before a client that goes away can end
                // the call's record.
                note.add_bytes(bytes.len() as u64);
                if send(Ok(message(Part::Chunk(bytes)))) {
                    Ok(())
                } else {
                    Err(io::Error::other(
                        "the receiver went away or stopped reading",
                    ))
                }
            };
            let recorded = Recorded {
                sha256: &snapshot.sha256,
                size: snapshot.size_bytes,
            };
            let outcome = deliver(blob, kind, &columns, chunk, max_record, recorded, emit);
            let id = snapshot.id;
            let last = match (refused, outcome) {
                (Some(status), _) => Err(status),
                (None, Err(DeliverError::Damaged { read, longer })) => {
                    let (read_zh, read_en) = if longer {
                        (format!("多于 {read}"), format!("more than {read}"))
                    } else {
                        (read.to_string(), read.to_string())
                    };
                    let (sha256, size) = (&snapshot.sha256, snapshot.size_bytes);
                    tracing::error!(
                        snapshot = %id,
                        sha256 = %snapshot.sha256,
                        "the stored data of a snapshot is damaged"
                    );
                    Err(crate::error::status(
                        ServiceError::new(
                            Reason::DataDamaged,
                            text!(
                                "快照 {id} 的数据已损坏：存储的数据（读到 {read_zh} 字节）与记录的 \
                                 sha256 {sha256} 和大小 {size} 字节不符，传输已停止，已收到的数据\
                                 不可使用",
                                "snapshot {id} is damaged: the stored data ({read_en} bytes read) \
                                 does not match its recorded sha256 {sha256} and size of {size} \
                                 bytes; the transfer was stopped and what was received must not \
                                 be used"
                            ),
                        )
                        .with("snapshot_id", id),
                    ))
                }
                (None, Err(DeliverError::RecordTooLarge(e))) => {
                    let cause = Text::from_fused(&e.to_string());
                    let (zh, en) = (cause.zh, cause.en);
                    Err(crate::error::status(
                        ServiceError::new(
                            Reason::RecordTooLarge,
                            text!(
                                "快照 {id} 中有{zh}，无法交付",
                                "snapshot {id} cannot be delivered: {en}"
                            ),
                        )
                        .with("snapshot_id", id),
                    ))
                }
                (None, Err(DeliverError::Io(e))) => Err(crate::error::status(
                    ServiceError::internal(format_args!("reading snapshot {id} failed: {e}")),
                )),
                (None, Ok(delivered)) if kind.is_tabular() => {
                    Ok(message(Part::Trailer(FetchTrailer {
                        sha256: delivered.sha256,
                        size_bytes: delivered.size,
                        rows: delivered.rows,
                    })))
                }
                (None, Ok(delivered)) => Ok(message(Part::Trailer(FetchTrailer {
                    sha256: snapshot.sha256.clone(),
                    size_bytes: delivered.size,
                    rows: snapshot.rows,
                }))),
            };
            // The receiver may be gone already; there is no one left to tell.
            send(last);
        });
        Ok(streams::download(rx, abort))
    }
}
