//! ExchangeService: snapshots of an entry's data published by its provider, listed, and
//! fetched under an active grant. Who may publish, list and fetch, under which grants and
//! which columns, is decided by the exchange's use cases (`govshare_service::exchange`); the
//! byte work (hashing, checks, projection) runs on blocking threads in `govshare_exchange`;
//! this layer reads the requests and moves the chunks between the gRPC streams and those
//! threads.

mod fetch;
mod publish;
mod streams;

use std::sync::Arc;

use anyhow::Context as _;
use govshare_exchange::{BlobBucket, BucketError};
use govshare_model::{FieldReason, Violations, text};
use govshare_service::exchange::Exchange;
use govshare_sharing::SnapshotId;
use govshare_store::SnapshotRecord;
pub(crate) use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status, Streaming};

use crate::auth::principal;
use crate::config::ExchangeConfig;
use crate::convert::timestamp;
use crate::error::{Reason, ServiceError, ServiceResult};
use crate::observe::note;
use crate::proto::exchange_service_server::ExchangeService;
use crate::proto::{
    DataSnapshot, FetchDataRequest, FetchDataResponse, ListSnapshotsRequest, ListSnapshotsResponse,
    PublishDataRequest,
};
use crate::request::{self as field, checked};

use crate::AppState;

/// The bucket named by `[exchange] bucket_url`, if any, reached with the `AWS_*` variables
/// the configuration was loaded with.
pub(crate) fn open_bucket(config: &ExchangeConfig) -> anyhow::Result<Option<BlobBucket>> {
    let Some(url) = config.bucket() else {
        return Ok(None);
    };
    let endpoint = config.bucket_endpoint.as_deref().map(str::trim);
    let bucket = BlobBucket::open(&url, endpoint, &config.bucket_env)
        .with_context(|| format!("configuring the bucket {url} (exchange.bucket_url)"))?;
    tracing::info!(bucket = %url, "snapshot blobs are shared through the bucket");
    Ok(Some(bucket))
}

/// A failed transfer between the bucket and the blob directory, as an answer about the data
/// of `zh` / `en` (this upload, a snapshot).
fn bucket_error(e: BucketError, zh: &str, en: &str) -> ServiceError {
    match e {
        BucketError::Corrupt { .. } => ServiceError::new(
            Reason::DataDamaged,
            text!(
                "{zh}的数据未通过 sha256 校验，未予保存",
                "the data of {en} failed its sha256 check and was not kept: {e}"
            ),
        ),
        BucketError::Missing { .. } => ServiceError::new(
            Reason::DataDamaged,
            text!(
                "{zh}的数据不在共享存储桶中",
                "the data of {en} is missing from the bucket: {e}"
            ),
        ),
        BucketError::Unavailable { .. } => ServiceError::new(
            Reason::BucketUnavailable,
            text!(
                "共享存储桶不可用",
                "the bucket is unavailable for {en}: {e}"
            ),
        ),
        BucketError::Io(_) | BucketError::Config(_) => {
            ServiceError::internal(format_args!("moving the data of {en}: {e}"))
        }
    }
}

/// The ExchangeService implementation.
#[derive(Debug, Clone)]
pub(crate) struct ExchangeApi {
    state: Arc<AppState>,
    /// The exchange's use cases.
    exchange: Arc<Exchange>,
    /// The cap and idle timeout of PublishData and FetchData, shared by every clone.
    streams: streams::DataStreams,
}

/// A snapshot record as its message.
pub(crate) fn snapshot(s: &SnapshotRecord) -> DataSnapshot {
    let SnapshotRecord {
        id,
        entry_code,
        entry_version,
        provider_code: _,
        sha256,
        size_bytes,
        rows,
        media_type,
        columns,
        note,
        author,
        created_at,
    } = s;
    DataSnapshot {
        id: id.to_string(),
        entry_code: entry_code.to_string(),
        sha256: sha256.clone(),
        size_bytes: *size_bytes,
        rows: *rows,
        created_at: Some(timestamp(*created_at)),
        media_type: media_type.clone(),
        columns: columns.clone(),
        entry_version: *entry_version,
        note: note.clone(),
        author: author.clone(),
    }
}

impl ExchangeApi {
    pub(crate) fn new(state: Arc<AppState>) -> Self {
        let streams = streams::DataStreams::new(&state.config.exchange, &state.metrics);
        let exchange = Exchange::new(
            state.store.clone(),
            state.store.clone(),
            state.store.clone(),
            state.versions.clone(),
        );
        ExchangeApi {
            state,
            exchange: Arc::new(exchange),
            streams,
        }
    }

    async fn list_snapshots(
        &self,
        request: Request<ListSnapshotsRequest>,
    ) -> ServiceResult<ListSnapshotsResponse> {
        let p = principal(&request)?;
        let note = note(&request);
        let ListSnapshotsRequest {
            entry_code,
            page_size,
            page_token,
        } = request.into_inner();
        note.target(&entry_code);
        let mut v = Violations::default();
        let code = field::resource_code("entry_code", &entry_code, &mut v);
        let limit = field::page_size(page_size, &self.state.config.api, &mut v);
        let before = match field::decode_page_token(&page_token, &mut v) {
            Some(t) => {
                let parsed = t.parse::<SnapshotId>().ok();
                if parsed.is_none() {
                    v.add(
                        "page_token",
                        FieldReason::InvalidFormat,
                        text!("分页令牌无效", "page_token is not one this service issued"),
                    );
                }
                parsed
            }
            None => None,
        };
        let code = checked(v, code)?;
        let page = self
            .exchange
            .list_snapshots(&p, &note, &code, before, limit)
            .await?;
        let mut bytes = field::PageBytes::new(&self.state.config.api);
        let snapshots: Vec<_> = page
            .items
            .iter()
            .map(snapshot)
            .take_while(|s| bytes.admits(prost::Message::encoded_len(s)))
            .collect();
        // A page cut short continues after its last snapshot.
        let next = match page.items.get(snapshots.len()) {
            Some(_) => snapshots
                .len()
                .checked_sub(1)
                .map(|last| page.items[last].id.to_string()),
            None => page.next,
        };
        Ok(ListSnapshotsResponse {
            snapshots,
            next_page_token: next
                .map(|n| field::encode_page_token(&n))
                .unwrap_or_default(),
        })
    }
}

#[tonic::async_trait]
impl ExchangeService for ExchangeApi {
    async fn publish_data(
        &self,
        r: Request<Streaming<PublishDataRequest>>,
    ) -> Result<Response<DataSnapshot>, Status> {
        Ok(Response::new(
            self.publish_data(r).await.map_err(crate::error::status)?,
        ))
    }

    async fn list_snapshots(
        &self,
        r: Request<ListSnapshotsRequest>,
    ) -> Result<Response<ListSnapshotsResponse>, Status> {
        Ok(Response::new(
            self.list_snapshots(r).await.map_err(crate::error::status)?,
        ))
    }

    type FetchDataStream = BoxStream<FetchDataResponse>;

    async fn fetch_data(
        &self,
        r: Request<FetchDataRequest>,
    ) -> Result<Response<Self::FetchDataStream>, Status> {
        Ok(Response::new(
            self.fetch_data(r).await.map_err(crate::error::status)?,
        ))
    }
}
