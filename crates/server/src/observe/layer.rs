//! The outermost tower layer: gives every call a request id and a [`CallNote`], counts it in
//! the gRPC metrics, and when the call ends writes its access-log record and its log line and,
//! if it was refused, counts the reason its reply carries. The reply's end (its trailers, or a
//! trailers-only error) waits until the record is durable.

use std::collections::HashMap;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use chrono::Utc;
use futures::future::BoxFuture;
use http::{HeaderValue, Request, Response};
use tonic::body::Body;
use tower::{Layer, Service};

use super::MethodTable;
use super::body::ObservedBody;
use super::call::{Call, Route};
use super::note::CallNote;
use crate::access_log::AccessLogHandle;
use crate::metrics::{Direction, Metrics};

/// The response header that carries the request id.
const REQUEST_ID_HEADER: &str = "x-request-id";

/// What the layer shares between calls.
#[derive(Debug)]
struct Shared {
    routes: HashMap<String, Arc<Route>>,
    unknown: Arc<Route>,
    metrics: Arc<Metrics>,
    log: AccessLogHandle,
}

/// See the module documentation.
#[derive(Debug, Clone)]
pub(crate) struct ObserveLayer {
    shared: Arc<Shared>,
}

impl ObserveLayer {
    pub(crate) fn new(methods: &MethodTable, metrics: Arc<Metrics>, log: AccessLogHandle) -> Self {
        let routes = methods
            .iter()
            .map(|(path, info)| {
                let exchange = match (info.service.as_str(), info.method.as_str()) {
                    ("govshare.v1.ExchangeService", "PublishData") => {
                        Some(metrics.exchange_bytes(Direction::Received))
                    }
                    ("govshare.v1.ExchangeService", "FetchData") => {
                        Some(metrics.exchange_bytes(Direction::Sent))
                    }
                    _ => None,
                };
                let route = Route {
                    metrics: metrics.grpc.method(path).clone(),
                    infrastructure: info.infrastructure,
                    exchange,
                };
                (path.clone(), Arc::new(route))
            })
            .collect();
        let unknown = Arc::new(Route {
            metrics: metrics.grpc.method("").clone(),
            infrastructure: false,
            exchange: None,
        });
        ObserveLayer {
            shared: Arc::new(Shared {
                routes,
                unknown,
                metrics,
                log,
            }),
        }
    }
}

impl<S> Layer<S> for ObserveLayer {
    type Service = ObserveService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ObserveService {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// See [`ObserveLayer`].
#[derive(Debug, Clone)]
pub(crate) struct ObserveService<S> {
    inner: S,
    shared: Arc<Shared>,
}

/// A call whose handler has not answered yet; dropped so (the client cancelled), it records
/// the call as CANCELLED.
struct Unfinished(Option<Call>);

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Some(call) = self.0.take() {
            call.finish_detached(
                tonic::Code::Cancelled,
                "调用方在答复前取消了调用 (the client cancelled the call before it was answered)",
            );
        }
    }
}

fn new_request_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

impl<S> Service<Request<Body>> for ObserveService<S>
where
    S: Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: std::fmt::Display + Send,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        // The clone that was driven to readiness serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = self.shared.clone();
        let path = request.uri().path().to_owned();
        let route = shared
            .routes
            .get(&path)
            .cloned()
            .unwrap_or_else(|| shared.unknown.clone());
        route.metrics.started.inc();
        let request_id = new_request_id();
        let note = CallNote::with_counter(route.exchange.clone());
        request.extensions_mut().insert(note.clone());
        let call = Call {
            log: shared.log.clone(),
            metrics: shared.metrics.clone(),
            route,
            path,
            request_id,
            time: Utc::now(),
            started: Instant::now(),
            note,
        };
        Box::pin(async move {
            // A client that cancels while the handler runs drops this future: the guard still
            // writes the call's record.
            let mut guard = Unfinished(Some(call));
            let mut response = match inner.call(request).await {
                Ok(response) => response,
                Err(e) => {
                    if let Some(call) = guard.0.take() {
                        call.finish_detached(tonic::Code::Unknown, &e.to_string());
                    }
                    return Err(e);
                }
            };
            let Some(call) = guard.0.take() else {
                return Ok(response);
            };
            if let Ok(value) = HeaderValue::from_str(&call.request_id) {
                response.headers_mut().insert(REQUEST_ID_HEADER, value);
            }
            // A trailers-only reply (every error) has ended already: its record goes first.
            if let Some(status) = tonic::Status::from_header_map(response.headers()) {
                let request_id = response.headers().get(REQUEST_ID_HEADER).cloned();
                let reason = crate::error::ensure_described(response.headers_mut());
                if let Err(refusal) = call.finish(status.code(), status.message(), reason).await {
                    let mut refused = refusal.into_http::<Body>();
                    if let Some(id) = request_id {
                        refused.headers_mut().insert(REQUEST_ID_HEADER, id);
                    }
                    return Ok(refused);
                }
                return Ok(response);
            }
            let (parts, body) = response.into_parts();
            Ok(Response::from_parts(
                parts,
                Body::new(ObservedBody::new(body, call)),
            ))
        })
    }
}
