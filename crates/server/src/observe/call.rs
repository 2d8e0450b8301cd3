//! One call in flight and its end: the gRPC metrics, the refusal counted by its reason, the
//! access-log record and the log line.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use govshare_audit::NewRecord;
use prometheus::IntCounter;
use tonic::Code;

use super::note::CallNote;
use crate::access_log::AccessLogHandle;
use crate::error::{Reason, ServiceError};
use crate::metrics::{MethodMetrics, Metrics};
use govshare_model::text;

/// What the layer knows of a path before the call runs.
#[derive(Debug)]
pub(super) struct Route {
    pub metrics: MethodMetrics,
    /// Health and reflection: counted, not logged.
    pub infrastructure: bool,
    /// The exchange byte counter of a data-moving method.
    pub exchange: Option<IntCounter>,
}

/// A call between its arrival and its end.
#[derive(Debug)]
pub(super) struct Call {
    pub log: AccessLogHandle,
    pub metrics: Arc<Metrics>,
    pub route: Arc<Route>,
    pub path: String,
    pub request_id: String,
    pub time: DateTime<Utc>,
    pub started: Instant,
    pub note: CallNote,
}

impl Call {
    /// Counts the call and builds its record; `None` for health and reflection.
    fn end(self, code: Code, message: &str) -> Option<(AccessLogHandle, NewRecord, Arc<Metrics>)> {
        let elapsed = self.started.elapsed();
        self.metrics
            .grpc
            .handled(&self.route.metrics, code, elapsed.as_secs_f64());
        if self.route.infrastructure {
            return None;
        }
        let fields = self.note.take();
        let detail = match (code, fields.detail.is_empty()) {
            (Code::Ok, _) => fields.detail,
            (_, true) => message.to_owned(),
            (_, false) => format!("{}: {message}", fields.detail),
        };
        let record = NewRecord {
            time: self.time,
            request_id: self.request_id,
            department_code: fields.department_code,
            token_id: fields.token_id,
            method: self.path,
            target: fields.target,
            owner_code: fields.owner_code,
            grant_id: fields.grant_id,
            outcome: code as u32,
            detail,
            duration_micros: u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            bytes: fields.bytes,
        };
        log_line(&record, code);
        Some((self.log, record, self.metrics))
    }

    /// Ends the call: counts it and appends its record. The future resolves once the record
    /// is durable, or with the status the reply must carry instead if it cannot be written:
    /// an access that cannot be recorded is not served.
    ///
    /// `reason` is the refusal the reply carries (none for OK): it is counted once, under the
    /// reason of the reply that goes out, which is the access log's own refusal if the record
    /// cannot be written.
    pub(super) fn finish(
        self,
        code: Code,
        message: &str,
        reason: Option<Reason>,
    ) -> impl Future<Output = Result<(), tonic::Status>> + Send + 'static {
        let refusal = Refusal {
            metrics: self.metrics.clone(),
            reason,
        };
        let ended = self.end(code, message);
        async move {
            let Some((log, record, metrics)) = ended else {
                return Ok(());
            };
            let request_id = record.request_id.clone();
            log.append(record).await.map(|_| ()).map_err(|e| {
                tracing::error!(request_id, error = %e, "the access log cannot be written");
                metrics.audit_refused(e.is_disk_full());
                let (reason, status) = refused(&e, &request_id);
                refusal.instead(reason);
                status
            })
        }
    }

    /// Ends a call whose client is gone, or whose reply broke off before its status: the
    /// record is written without waiting. No status reached the client, so no refusal is
    /// counted.
    pub(super) fn finish_detached(self, code: Code, message: &str) {
        if let Some((log, record, _)) = self.end(code, message) {
            log.append_detached(record);
        }
    }
}

/// The refusal a call's reply carries, counted in `govshare_refusals_total` once: when it is
/// dropped, which is when the reply's status is settled (or when the client went away while
/// the record was being written: the reply was still the call's).
struct Refusal {
    metrics: Arc<Metrics>,
    reason: Option<Reason>,
}

impl Refusal {
    /// The reply carries `reason` instead.
    fn instead(mut self, reason: Reason) {
        self.reason = Some(reason);
    }
}

impl Drop for Refusal {
    fn drop(&mut self) {
        if let Some(reason) = self.reason.take() {
            self.metrics.refusals.count(reason);
        }
    }
}

/// The reply of a call whose record could not be written, and its reason: RESOURCE_EXHAUSTED
/// while the disk is full (the log takes records again once space is freed), UNAVAILABLE
/// otherwise.
fn refused(e: &govshare_audit::AuditError, request_id: &str) -> (Reason, tonic::Status) {
    let refusal = if e.is_disk_full() {
        ServiceError::new(
            Reason::DiskFull,
            text!(
                "磁盘空间不足，访问日志暂时无法写入，请求未完成，请稍后重试",
                "no space left on the device: the access log cannot be written for now; \
                 request {request_id} was not completed, try again later"
            ),
        )
    } else {
        ServiceError::new(
            Reason::AccessLogUnavailable,
            text!(
                "访问日志无法写入，请求未完成",
                "the access log cannot be written; request {request_id} was not completed"
            ),
        )
    };
    (refusal.reason(), crate::error::status(refusal))
}

/// The call's line in the server log, with the same request id as its record.
fn log_line(record: &NewRecord, code: Code) {
    let duration_ms = record.duration_micros as f64 / 1000.0;
    if matches!(
        code,
        Code::Unknown | Code::Internal | Code::Unavailable | Code::DataLoss
    ) {
        tracing::warn!(
            target: "govshare::call",
            request_id = %record.request_id,
            method = %record.method,
            code = ?code,
            duration_ms,
            department = %record.department_code,
            token_id = %record.token_id,
            target_id = %record.target,
            bytes = record.bytes,
            detail = %record.detail,
            "call failed"
        );
    } else {
        tracing::info!(
            target: "govshare::call",
            request_id = %record.request_id,
            method = %record.method,
            code = ?code,
            duration_ms,
            department = %record.department_code,
            token_id = %record.token_id,
            target_id = %record.target,
            bytes = record.bytes,
            "call"
        );
    }
}
