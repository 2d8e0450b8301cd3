//! The tower layer that applies the limits of `[api]` to every authenticated call: the
//! credential's concurrency and rate quotas (RESOURCE_EXHAUSTED with a retry hint), the size
//! of each message received (RESOURCE_EXHAUSTED), and the server's time limit for producing a
//! reply (DEADLINE_EXCEEDED).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use http::{Request, Response};
use http_body::Frame;
use prometheus::IntCounter;
use tonic::body::Body;
use tower::{Layer, Service};

use super::quota::{Exceeded, Permit, Quotas, Refusal};
use super::size::SizedBody;
use crate::error::{Reason, ServiceError};
use crate::metrics::Metrics;
use crate::observe::{GrpcType, MethodTable};
use govshare_model::text;
use govshare_service::Principal;

/// The trailer gRPC clients read for how long to back off before a retry (gRFC A6).
use govshare_proto::RETRY_PUSHBACK_HEADER;

/// Methods that may legitimately run for long: verifying the whole access log, counting a
/// year for its report.
const LONG_RUNNING: &[&str] = &[
    "/govshare.v1.AuditService/VerifyAccessLog",
    "/govshare.v1.ReportService/GetAnnualReport",
];

#[derive(Debug)]
struct Shared {
    quotas: Quotas,
    /// The time limit of each method that has one: unary calls until their reply, server
    /// streams until their first message. Uploads and bidirectional streams have none.
    timeouts: HashMap<String, Duration>,
    /// The largest message a call may send, in bytes.
    max_message_bytes: usize,
    rejected_concurrency: IntCounter,
    rejected_size: IntCounter,
    rejected_rate: IntCounter,
    timed_out: IntCounter,
}

/// See the module documentation.
#[derive(Debug, Clone)]
pub(crate) struct LimitLayer {
    shared: Arc<Shared>,
}

impl LimitLayer {
    /// `timeout`: `None` for no server-side time limit.
    pub(crate) fn new(
        methods: &MethodTable,
        quotas: Quotas,
        timeout: Option<Duration>,
        max_message_bytes: usize,
        metrics: &Metrics,
    ) -> Self {
        let timeouts = match timeout {
            None => HashMap::new(),
            Some(limit) => methods
                .iter()
                .filter(|(path, info)| {
                    matches!(info.grpc_type, GrpcType::Unary | GrpcType::ServerStream)
                        && !LONG_RUNNING.contains(&path.as_str())
                })
                .map(|(path, _)| (path.clone(), limit))
                .collect(),
        };
        LimitLayer {
            shared: Arc::new(Shared {
                quotas,
                timeouts,
                max_message_bytes,
                rejected_concurrency: metrics.limit_rejections("concurrency"),
                rejected_size: metrics.limit_rejections("message_size"),
                rejected_rate: metrics.limit_rejections("rate"),
                timed_out: metrics.limit_rejections("timeout"),
            }),
        }
    }
}

impl<S> Layer<S> for LimitLayer {
    type Service = LimitService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        LimitService {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// See [`LimitLayer`].
#[derive(Debug, Clone)]
pub(crate) struct LimitService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> Service<Request<Body>> for LimitService<S>
where
    S: Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = self.shared.clone();
        // Calls without a principal need no credential (health, reflection) and have no quota.
        let permit = match request.extensions().get::<Principal>() {
            Some(principal) => match shared.quotas.admit(&principal.token_id) {
                Ok(permit) => Some(permit),
                Err(refusal) => {
                    match refusal.exceeded {
                        Exceeded::Concurrency { .. } => shared.rejected_concurrency.inc(),
                        Exceeded::Rate { .. } => shared.rejected_rate.inc(),
                    }
                    return Box::pin(async move { Ok(refused(&refusal)) });
                }
            },
            None => None,
        };
        let timeout = shared.timeouts.get(request.uri().path()).copied();
        let limit = shared.max_message_bytes;
        let rejected_size = shared.rejected_size.clone();
        let request = request.map(|body| Body::new(SizedBody::new(body, limit, rejected_size)));
        Box::pin(async move {
            let call = inner.call(request);
            let response = match timeout {
                None => call.await?,
                Some(limit) => match tokio::time::timeout(limit, call).await {
                    Ok(response) => response?,
                    Err(_) => {
                        shared.timed_out.inc();
                        return Ok(timed_out(limit));
                    }
                },
            };
            Ok(match permit {
                // A stream holds its slot until its last message.
                Some(permit) if permit.counts() => response.map(|body| {
                    Body::new(PermitBody {
                        inner: body,
                        _permit: permit,
                    })
                }),
                _ => response,
            })
        })
    }
}

/// RESOURCE_EXHAUSTED, with the wait in the message, in `grpc-retry-pushback-ms` and as a
/// `google.rpc.RetryInfo` detail.
fn refused(refusal: &Refusal) -> Response<Body> {
    let millis = refusal.retry_after.as_millis().max(1);
    let (limit, text) = match refusal.exceeded {
        Exceeded::Concurrency { limit } => (
            "concurrency",
            text!(
                "该凭证同时进行的请求已达上限 {limit} 个，请在 {millis} 毫秒后重试",
                "this credential already has {limit} calls in flight, the most allowed; retry \
                 after {millis} ms"
            ),
        ),
        Exceeded::Rate { per_second } => (
            "rate",
            text!(
                "该凭证的请求过于频繁（每秒最多 {per_second} 次），请在 {millis} 毫秒后重试",
                "too many calls with this credential: at most {per_second} per second; retry \
                 after {millis} ms"
            ),
        ),
    };
    let mut status = crate::error::status(
        ServiceError::new(Reason::QuotaExceeded, text)
            .with("limit", limit)
            .retry_after(refusal.retry_after),
    );
    if let Ok(value) = millis.to_string().parse() {
        status.metadata_mut().insert(RETRY_PUSHBACK_HEADER, value);
    }
    status.into_http()
}

fn timed_out(limit: Duration) -> Response<Body> {
    let millis = limit.as_millis();
    crate::error::status(
        ServiceError::new(
            Reason::CallTimedOut,
            text!(
                "服务器未能在 {millis} 毫秒内完成请求，请稍后重试；写入类请求可能已生效，请先查询再重试",
                "the server did not finish the call within its limit of {millis} ms; a write \
                 may still have taken effect, so check before retrying"
            ),
        )
        .with("limit_ms", millis),
    )
    .into_http()
}

/// A reply body that ends the call's concurrency slot when it is dropped.
struct PermitBody {
    inner: Body,
    _permit: Permit,
}

impl http_body::Body for PermitBody {
    type Data = bytes::Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
