//! AuditService: reading and verifying the access log. The records themselves are written by
//! the observe layer, one per call.

use std::sync::Arc;

use govshare_audit::{Query, StoredRecord};
use govshare_model::{FieldReason, Violations, text};
use tonic::{Code, Request, Response, Status};

use crate::access_log::{AccessLogHandle, LogError};
use crate::auth::principal;
use crate::convert::timestamp;
use crate::error::{Reason, ServiceError, ServiceResult};
use crate::observe::note;
use crate::proto::audit_service_server::AuditService;
use crate::proto::{
    AccessRecord, QueryAccessLogRequest, QueryAccessLogResponse, VerifyAccessLogRequest,
    VerifyAccessLogResponse,
};
use crate::request::{self as field, check};
use govshare_service::authz;

use crate::AppState;

/// Records examined per QueryAccessLog call at most; a rare filter continues on the next page.
const SCAN_LIMIT: usize = 200_000;
/// The longest text filter (department, method, target, owner), in characters.
const FILTER_MAX: usize = 200;

/// The AuditService implementation.
#[derive(Debug, Clone)]
pub(crate) struct AuditApi {
    state: Arc<AppState>,
}

/// The gRPC codes by their canonical names.
const CODES: [(&str, Code); 17] = [
    ("OK", Code::Ok),
    ("CANCELLED", Code::Cancelled),
    ("UNKNOWN", Code::Unknown),
    ("INVALID_ARGUMENT", Code::InvalidArgument),
    ("DEADLINE_EXCEEDED", Code::DeadlineExceeded),
    ("NOT_FOUND", Code::NotFound),
    ("ALREADY_EXISTS", Code::AlreadyExists),
    ("PERMISSION_DENIED", Code::PermissionDenied),
    ("RESOURCE_EXHAUSTED", Code::ResourceExhausted),
    ("FAILED_PRECONDITION", Code::FailedPrecondition),
    ("ABORTED", Code::Aborted),
    ("OUT_OF_RANGE", Code::OutOfRange),
    ("UNIMPLEMENTED", Code::Unimplemented),
    ("INTERNAL", Code::Internal),
    ("UNAVAILABLE", Code::Unavailable),
    ("DATA_LOSS", Code::DataLoss),
    ("UNAUTHENTICATED", Code::Unauthenticated),
];

/// The canonical name of gRPC code `code` ("PERMISSION_DENIED"), or the number for an
/// unknown code.
pub(crate) fn code_name(code: u32) -> String {
    CODES
        .iter()
        .find(|(_, c)| *c as u32 == code)
        .map_or_else(|| code.to_string(), |(name, _)| (*name).to_owned())
}

/// An outcome filter: a code name (any case) or number.
fn outcome(text: &str, v: &mut Violations) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(n) = text.parse::<u32>() {
        if n < 17 {
            return Some(n);
        }
    } else if let Some((_, code)) = CODES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
    {
        return Some(*code as u32);
    }
    v.add(
        "outcome",
        FieldReason::UnknownValue,
        text!(
            "未知结果代码 {text:?}，应为 gRPC 状态码名称或 0–16",
            "unknown outcome: expected a gRPC code name such as OK or PERMISSION_DENIED, or a \
             number 0 to 16"
        ),
    );
    None
}

fn optional(text: String) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn record(stored: &StoredRecord) -> AccessRecord {
    let r = &stored.record;
    AccessRecord {
        seq: r.seq,
        time: Some(timestamp(r.time)),
        request_id: r.request_id.clone(),
        department_code: r.department_code.clone(),
        token_id: r.token_id.clone(),
        method: r.method.clone(),
        target: r.target.clone(),
        outcome: r.outcome,
        detail: r.detail.clone(),
        duration: Some(prost_types::Duration {
            seconds: i64::try_from(r.duration_micros / 1_000_000).unwrap_or(i64::MAX),
            nanos: i32::try_from((r.duration_micros % 1_000_000) * 1000).unwrap_or(0),
        }),
        bytes: r.bytes,
        hash: hex::encode(stored.hash),
        owner_code: r.owner_code.clone(),
        grant_id: r.grant_id.clone(),
    }
}

/// A failed read of the log: the log unavailable, or (a bug) its task gone.
fn log_error(what: &str, e: LogError) -> ServiceError {
    match e {
        LogError::Log(e) => ServiceError::new(
            Reason::AccessLogUnavailable,
            text!(
                "访问日志暂不可用，请稍后重试（{what}）：{e}",
                "the access log is unavailable, try again later ({what}): {e}"
            ),
        ),
        LogError::Task(e) => ServiceError::internal(format_args!("{what}: {e}")),
    }
}

impl AuditApi {
    pub(crate) fn new(state: Arc<AppState>) -> Self {
        AuditApi { state }
    }

    fn log(&self) -> &AccessLogHandle {
        &self.state.audit
    }

    async fn query_access_log(
        &self,
        request: Request<QueryAccessLogRequest>,
    ) -> ServiceResult<QueryAccessLogResponse> {
        let p = principal(&request)?;
        let note = note(&request);
        let scope = authz::query_access_log(&p)?.map(ToString::to_string);
        let QueryAccessLogRequest {
            department_code,
            method,
            target,
            outcome: outcome_text,
            start_time,
            end_time,
            owner_code,
            page_size,
            page_token,
        } = request.into_inner();
        let mut v = Violations::default();
        for (name, text) in [
            ("department_code", &department_code),
            ("method", &method),
            ("target", &target),
            ("owner_code", &owner_code),
        ] {
            field::optional_text(name, text, FILTER_MAX, &mut v);
        }
        let outcome = outcome(&outcome_text, &mut v);
        let start = field::optional_time("start_time", start_time, &mut v);
        let end = field::optional_time("end_time", end_time, &mut v);
        if let (Some(s), Some(e)) = (start, end)
            && s >= e
        {
            v.add(
                "end_time",
                FieldReason::Inconsistent,
                text!(
                    "结束时间必须晚于开始时间",
                    "end_time must be after start_time"
                ),
            );
        }
        let limit = field::page_size(page_size, &self.state.config.api, &mut v);
        let before_seq = match field::decode_page_token(&page_token, &mut v) {
            Some(t) => match t.parse::<u64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    v.add(
                        "page_token",
                        FieldReason::InvalidFormat,
                        text!("分页令牌无效", "page_token is not one this service issued"),
                    );
                    None
                }
            },
            None => None,
        };
        check(v)?;
        note.target(&target);
        let query = Query {
            before_seq,
            limit,
            scan_limit: SCAN_LIMIT,
            department_code: optional(department_code),
            method: optional(method),
            target: optional(target),
            outcome,
            owner_code: optional(owner_code),
            start,
            end,
            scope,
        };
        let page = (self.log().query(query).await)
            .map_err(|e| log_error("reading the access log failed", e))?;
        let mut bytes = field::PageBytes::new(&self.state.config.api);
        let records: Vec<_> = page
            .records
            .iter()
            .map(record)
            .take_while(|r| bytes.admits(prost::Message::encoded_len(r)))
            .collect();
        // A page cut short continues below its last (oldest) record.
        let next = match (page.records.len() > records.len(), records.last()) {
            (true, Some(last)) => Some(last.seq),
            _ => page.next_before_seq,
        };
        note.detail(format!("{} records", records.len()));
        Ok(QueryAccessLogResponse {
            records,
            next_page_token: next
                .map(|n| field::encode_page_token(&n.to_string()))
                .unwrap_or_default(),
        })
    }

    async fn verify_access_log(
        &self,
        request: Request<VerifyAccessLogRequest>,
    ) -> ServiceResult<VerifyAccessLogResponse> {
        let p = principal(&request)?;
        let note = note(&request);
        authz::verify_access_log(&p)?;
        let VerifyAccessLogRequest { from_seq, to_seq } = request.into_inner();
        if from_seq != 0 && to_seq != 0 && from_seq > to_seq {
            return Err(ServiceError::field(
                "to_seq",
                FieldReason::Inconsistent,
                text!(
                    "结束序号不能小于起始序号",
                    "to_seq must not be below from_seq"
                ),
            ));
        }
        let from = (from_seq != 0).then_some(from_seq);
        let to = (to_seq != 0).then_some(to_seq);
        let verification = (self.log().verify(from, to).await)
            .map_err(|e| log_error("verifying the access log failed", e))?;
        if !verification.ok || (from.is_none() && to.is_none()) {
            self.state.metrics.verified(verification.ok);
        }
        note.detail(match verification.first_bad_seq {
            None => format!("ok, {} records", verification.records_checked),
            Some(seq) => format!("FAILED at record {seq}"),
        });
        if let Some(seq) = verification.first_bad_seq {
            tracing::error!(
                first_bad_seq = seq,
                problem = verification.problem.as_deref().unwrap_or_default(),
                "the access log failed verification"
            );
        }
        Ok(VerifyAccessLogResponse {
            ok: verification.ok,
            records_checked: verification.records_checked,
            head_hash: hex::encode(verification.head_hash),
            head_seq: verification.head_seq,
            first_bad_seq: verification.first_bad_seq.unwrap_or(0),
            problem: verification.problem.unwrap_or_default(),
        })
    }
}

#[tonic::async_trait]
impl AuditService for AuditApi {
    async fn query_access_log(
        &self,
        r: Request<QueryAccessLogRequest>,
    ) -> Result<Response<QueryAccessLogResponse>, Status> {
        Ok(Response::new(
            self.query_access_log(r)
                .await
                .map_err(crate::error::status)?,
        ))
    }

    async fn verify_access_log(
        &self,
        r: Request<VerifyAccessLogRequest>,
    ) -> Result<Response<VerifyAccessLogResponse>, Status> {
        Ok(Response::new(
            self.verify_access_log(r)
                .await
                .map_err(crate::error::status)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_names_in_any_case_or_numbers() {
        let mut v = Violations::default();
        assert_eq!(outcome("permission_denied", &mut v), Some(7));
        assert_eq!(outcome("OK", &mut v), Some(0));
        assert_eq!(outcome("16", &mut v), Some(16));
        assert_eq!(outcome("", &mut v), None);
        assert!(v.is_empty());
        assert_eq!(outcome("17", &mut v), None);
        assert_eq!(outcome("DENIED", &mut v), None);
        assert_eq!(v.0.len(), 2);
    }
}
