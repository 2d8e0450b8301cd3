//! The server's data streams, PublishData and FetchData together: a cap on how many are in
//! flight at once, and a smaller one for each department (its credentials together), so that
//! one department cannot take every slot (RESOURCE_EXHAUSTED beyond either, counted in
//! `govshare_limit_rejections_total{limit="streams"}`); and the idle timeout after which one
//! that waits for its client is ended (DEADLINE_EXCEEDED), an unread download included.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prometheus::IntCounter;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tonic::codegen::BoxStream;

use govshare_model::{CreditCode, text};

use crate::config::ExchangeConfig;
use crate::error::{Reason, ServiceError};
use crate::metrics::Metrics;
use govshare_service::Principal;

/// The slots of the data streams. Cheap to clone; clones share the slots.
#[derive(Debug, Clone)]
pub(super) struct DataStreams {
    slots: Arc<Semaphore>,
    limit: usize,
    /// Streams in flight per department; platform credentials (none) count together.
    departments: Arc<Mutex<HashMap<Option<CreditCode>, usize>>>,
    per_department: usize,
    idle: Duration,
    refused: IntCounter,
}

/// A data stream in flight; dropping it frees its slots.
#[derive(Debug)]
pub(super) struct StreamSlot {
    _slot: OwnedSemaphorePermit,
    departments: Arc<Mutex<HashMap<Option<CreditCode>, usize>>>,
    department: Option<CreditCode>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut departments = self.departments.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = departments.get_mut(&self.department) {
            *n -= 1;
            if *n == 0 {
                departments.remove(&self.department);
            }
        }
    }
}

impl DataStreams {
    pub(super) fn new(config: &ExchangeConfig, metrics: &Metrics) -> Self {
        DataStreams {
            slots: Arc::new(Semaphore::new(config.max_data_streams)),
            limit: config.max_data_streams,
            departments: Arc::default(),
            per_department: config.max_data_streams_per_department,
            idle: Duration::from_millis(config.stream_idle_timeout_ms),
            refused: metrics.limit_rejections("streams"),
        }
    }

    /// A slot for one more stream of `p`, or RESOURCE_EXHAUSTED when its department's or
    /// every slot is taken.
    pub(super) fn admit(&self, p: &Principal) -> Result<StreamSlot, ServiceError> {
        let mut departments = self.departments.lock().unwrap_or_else(|p| p.into_inner());
        let held = departments.get(&p.department).copied().unwrap_or(0);
        if held >= self.per_department {
            self.refused.inc();
            let limit = self.per_department;
            return Err(ServiceError::new(
                Reason::TooManyTransfers,
                text!(
                    "本部门同时进行的数据传输已达上限 {limit} 个，请稍后重试",
                    "your department already moves data on {limit} streams, the most one \
                     department may at once; retry later"
                ),
            )
            .with("scope", "department"));
        }
        let Ok(slot) = self.slots.clone().try_acquire_owned() else {
            self.refused.inc();
            let limit = self.limit;
            return Err(ServiceError::new(
                Reason::TooManyTransfers,
                text!(
                    "服务器同时进行的数据传输已达上限 {limit} 个，请稍后重试",
                    "the server already moves data on {limit} streams, the most it allows at \
                     once; retry later"
                ),
            )
            .with("scope", "server"));
        };
        departments.insert(p.department.clone(), held + 1);
        Ok(StreamSlot {
            _slot: slot,
            departments: self.departments.clone(),
            department: p.department.clone(),
        })
    }

    /// How long a stream may wait for its client.
    pub(super) fn idle_timeout(&self) -> Duration {
        self.idle
    }
}

/// Why an upload that went quiet for `idle` was ended.
pub(super) fn idle_upload(idle: Duration) -> ServiceError {
    let ms = idle.as_millis();
    ServiceError::new(
        Reason::StreamIdle,
        text!(
            "上传已 {ms} 毫秒未收到消息，视为空闲而终止，数据未保存",
            "no message for {ms} ms: the upload was ended as idle and nothing was kept"
        ),
    )
    .with("limit_ms", ms)
}

/// Why a download whose client took no message for `idle` was ended.
pub(super) fn idle_download(idle: Duration) -> tonic::Status {
    let ms = idle.as_millis();
    crate::error::status(
        ServiceError::new(
            Reason::StreamIdle,
            text!(
                "客户端已 {ms} 毫秒未接收数据，视为空闲而终止传输",
                "the client took no message for {ms} ms: the download was ended as idle"
            ),
        )
        .with("limit_ms", ms),
    )
}

/// Set by a download's sending side when it gives up on its client; the stream then ends with
/// this status instead of the messages still queued.
#[derive(Debug, Clone, Default)]
pub(super) struct Abort(Arc<Mutex<Option<tonic::Status>>>);

impl Abort {
    pub(super) fn set(&self, status: tonic::Status) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(status);
    }

    fn take(&self) -> Option<tonic::Status> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// The messages of `rx` as a reply stream, cut short by `abort`.
pub(super) fn download<T: Send + 'static>(
    rx: mpsc::Receiver<Result<T, tonic::Status>>,
    abort: Abort,
) -> BoxStream<T> {
    Box::pin(futures::stream::unfold(
        Some((rx, abort)),
        |state| async move {
            let (mut rx, abort) = state?;
            if let Some(status) = abort.take() {
                return Some((Err(status), None));
            }
            match rx.recv().await {
                Some(message) => Some((message, Some((rx, abort)))),
                // The sender gave up while nothing was queued.
                None => abort.take().map(|status| (Err(status), None)),
            }
        },
    ))
}
