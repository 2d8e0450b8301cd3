//! FetchData: picks the snapshot and the grant, works out the columns the grant allows, then
//! streams a header, the projected chunks (from a blocking thread reading the blob) and a
//! trailer with the sha256 and size of exactly the bytes sent. Before each chunk the grant is
//! read again, so a grant revoked or expired mid-stream stops the stream there. A blob this
//! server's directory lacks is downloaded from the bucket first (checked against its sha256;
//! a damaged one is refused as DATA_LOSS and not kept).

use std::fs::File;
use std::io;

use bytes::Bytes;
use chrono::Utc;
use govshare_exchange::{BlobBucket, BlobStore, MediaKind, project};
use govshare_model::Violations;
use govshare_sharing::{GrantRecord, SnapshotId};
use govshare_store::SnapshotRecord;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Status};

use super::ExchangeApi;
use crate::auth::principal;
use crate::authz::{self, DataReader};
use crate::error::{ApiError, ApiResult};
use crate::observe::note;
use crate::proto::fetch_data_response::Part;
use crate::proto::{FetchDataRequest, FetchDataResponse, FetchHeader, FetchTrailer};
use crate::request::{self as field, checked};

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
) -> ApiResult<File> {
    let id = snapshot.id;
    let (zh, en) = (format!("快照 {id} "), format!("snapshot {id}"));
    let Some(bucket) = bucket else {
        return Err(ApiError::Internal(format!(
            "the data of {en} is not in the blob directory"
        )));
    };
    let path = bucket
        .download(blobs, &snapshot.sha256)
        .await
        .map_err(|e| super::bucket_error(e, &zh, &en))?;
    tracing::info!(snapshot = %id, sha256 = %snapshot.sha256, "downloaded from the bucket");
    File::open(&path)
        .map_err(|e| ApiError::Internal(format!("the data of {en} is unreadable: {e}")))
}

impl ExchangeApi {
    /// The snapshot asked for: by number (of this entry), or the latest.
    async fn chosen_snapshot(
        &self,
        code: &govshare_model::ResourceCode,
        id: Option<SnapshotId>,
    ) -> ApiResult<SnapshotRecord> {
        let found = match id {
            Some(id) => self
                .state
                .store
                .get_snapshot(id)
                .await?
                .filter(|s| &s.entry_code == code),
            None => self
                .state
                .store
                .list_snapshots(code, None, 1)
                .await?
                .items
                .into_iter()
                .next(),
        };
        found.ok_or_else(|| match id {
            Some(id) => ApiError::NotFound(format!(
                "目录 {code} 没有数据快照 {id} (entry {code} has no snapshot {id})"
            )),
            None => ApiError::NotFound(format!(
                "目录 {code} 尚未发布数据 (no data has been published for entry {code})"
            )),
        })
    }

    /// The columns of `snapshot` that `grant` delivers, in the data's order. Opaque data
    /// cannot be cut down, so it goes only to a grant covering every item of the entry.
    async fn granted_columns(
        &self,
        grant: &GrantRecord,
        snapshot: &SnapshotRecord,
    ) -> ApiResult<Vec<String>> {
        let flags = self.state.grant_flags(grant).await?;
        let deliverable = grant.deliverable_items(&flags);
        let code = &snapshot.entry_code;
        if !MediaKind::of(&snapshot.media_type).is_tabular() {
            let entry = self.header(code).await?;
            let items = match entry.published_version {
                Some(n) => self.state.version(code, n).await?.model.items.clone(),
                None => Vec::new(),
            };
            let uncovered: Vec<&str> = items
                .iter()
                .map(|i| i.name.as_str())
                .filter(|name| !deliverable.iter().any(|d| d == name))
                .collect();
            if items.is_empty() || !uncovered.is_empty() {
                return Err(ApiError::PermissionDenied(format!(
                    "快照 {} 为不可拆分的 {} 数据，授权 {} 未覆盖信息项：{} \
                     (snapshot {} is opaque {} data that cannot be cut down to the grant; \
                     grant {} does not cover: {})",
                    snapshot.id,
                    snapshot.media_type,
                    grant.id,
                    uncovered.join("、"),
                    snapshot.id,
                    snapshot.media_type,
                    grant.id,
                    uncovered.join(", ")
                )));
            }
            return Ok(Vec::new());
        }
        let columns: Vec<String> = snapshot
            .columns
            .iter()
            .filter(|c| deliverable.contains(c))
            .cloned()
            .collect();
        if columns.is_empty() {
            return Err(ApiError::PermissionDenied(format!(
                "授权 {} 的信息项都不在快照 {} 中或已不可提供 \
                 (none of the items of grant {} can be delivered from snapshot {})",
                grant.id, snapshot.id, grant.id, snapshot.id
            )));
        }
        Ok(columns)
    }

    pub(super) async fn fetch_data(
        &self,
        request: Request<FetchDataRequest>,
    ) -> ApiResult<super::BoxStream<FetchDataResponse>> {
        let p = principal(&request)?;
        let note = note(&request);
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
                .map_err(|e| v.push("snapshot_id", e.to_string()))
                .ok()
        };
        let code = checked(v, code)?;
        let entry = self.header(&code).await?;
        note.owner(&entry.provider_code);
        // Without an active grant, an entry the caller may not see does not exist for it.
        let visible = authz::sees_entry(&p, &entry);
        let hidden = |refusal: ApiError| {
            if visible {
                refusal
            } else {
                authz::no_such_entry(&code)
            }
        };
        let grant = match authz::read_data(&p, &entry.provider_code).map_err(hidden)? {
            DataReader::Provider => None,
            DataReader::Grantee(department) => Some(
                self.active_grant(&department, &code)
                    .await?
                    .ok_or_else(|| {
                        hidden(ApiError::PermissionDenied(format!(
                            "本部门没有目录 {code} 的有效授权，请先申请共享 \
                         (your department holds no active grant for entry {code}: request it first)"
                        )))
                    })?,
            ),
        };
        if let Some(grant) = &grant {
            note.grant(grant.id);
        }
        let snapshot = self.chosen_snapshot(&code, id).await?;
        note.detail(snapshot.id.to_string());
        let columns = match &grant {
            Some(grant) => self.granted_columns(grant, &snapshot).await?,
            None => snapshot.columns.clone(),
        };
        // A blob missing here comes from the bucket, after the header: a large one takes
        // longer than a reply may take to start.
        let local = match self.state.blobs.open_blob(&snapshot.sha256) {
            Ok(file) => Some(file),
            Err(e) if e.kind() == io::ErrorKind::NotFound && self.state.bucket.is_some() => None,
            Err(e) => {
                return Err(ApiError::Internal(format!(
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
            grant_id: grant.as_ref().map(|g| g.id.to_string()).unwrap_or_default(),
        }));
        let chunk = self.state.config.exchange.chunk_bytes;
        let store = self.state.store.clone();
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            if tx.blocking_send(Ok(header)).is_err() {
                return;
            }
            let blob = match local {
                Some(file) => file,
                None => match runtime.block_on(downloaded(bucket, &blobs, &snapshot)) {
                    Ok(file) => file,
                    Err(e) => {
                        let _ = tx.blocking_send(Err(e.into()));
                        return;
                    }
                },
            };
            let kind = MediaKind::of(&snapshot.media_type);
            // Before each chunk: is the grant still in force?
            let still_granted = || -> Result<(), Status> {
                let Some(grant) = &grant else { return Ok(()) };
                let current = runtime
                    .block_on(store.get_grant(grant.id))
                    .map_err(|e| Status::unavailable(format!("checking the grant: {e}")))?;
                match current {
                    Some(g) if g.authorizes(Utc::now()) => Ok(()),
                    _ => Err(Status::permission_denied(format!(
                        "授权 {} 已撤销或过期，传输已停止 (grant {} was revoked or expired: the \
                         transfer was stopped)",
                        grant.id, grant.id
                    ))),
                }
            };
            let mut refused = None;
            let emit = |bytes: Bytes| -> io::Result<()> {
                if let Err(status) = still_granted() {
                    refused = Some(status);
                    return Err(io::Error::other("stopped"));
                }
                // Counted as handed to the stream, before a client that goes away can end
                // the call's record.
                note.add_bytes(bytes.len() as u64);
                tx.blocking_send(Ok(message(Part::Chunk(bytes))))
                    .map_err(|_| io::Error::other("the receiver went away"))
            };
            let outcome = project(blob, kind, &columns, chunk, emit);
            let last = match (refused, outcome) {
                (Some(status), _) => Err(status),
                (None, Err(e)) => Err(Status::internal(format!(
                    "reading snapshot {} failed: {e}",
                    snapshot.id
                ))),
                (None, Ok(delivered)) if kind.is_tabular() => {
                    Ok(message(Part::Trailer(FetchTrailer {
                        sha256: delivered.sha256,
                        size_bytes: delivered.size,
                        rows: delivered.rows,
                    })))
                }
                (None, Ok(delivered)) if delivered.size != snapshot.size_bytes => {
                    Err(Status::data_loss(format!(
                        "snapshot {} holds {} bytes on disk, not {}",
                        snapshot.id, delivered.size, snapshot.size_bytes
                    )))
                }
                (None, Ok(delivered)) => Ok(message(Part::Trailer(FetchTrailer {
                    sha256: snapshot.sha256.clone(),
                    size_bytes: delivered.size,
                    rows: snapshot.rows,
                }))),
            };
            // The receiver may be gone already; there is no one left to tell.
            let _ = tx.blocking_send(last);
        });
        Ok(Box::pin(ReceiverStream::new(rx)))
    }
}
