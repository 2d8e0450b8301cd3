//! The HTTP side of the server, on the metrics address: `/metrics` (Prometheus text format),
//! `/healthz` (the process is alive; it fails once the store or the access log stopped for
//! good, so that the liveness probe restarts the server) and `/readyz` (the store and the access log are
//! open and answering).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use govshare_store::Store;
use tokio::net::TcpListener;

use crate::access_log::AccessLogHandle;
use crate::metrics::Metrics;

/// What the HTTP endpoints read.
#[derive(Debug, Clone)]
pub(crate) struct HttpState {
    pub store: Arc<dyn Store>,
    pub metrics: Arc<Metrics>,
    pub log: AccessLogHandle,
    pub versions: Arc<govshare_service::versions::Versions>,
}

/// Alive unless the store or the access log stopped for good: then only a restart brings the
/// server back.
async fn healthz(State(state): State<HttpState>) -> (StatusCode, String) {
    if let Err(e) = state.store.check_alive() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("store stopped, restart needed: {e}\n"),
        );
    }
    match state.log.check_alive() {
        Ok(()) => (StatusCode::OK, "ok\n".into()),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("access log stopped, restart needed: {e}\n"),
        ),
    }
}

async fn readyz(State(state): State<HttpState>) -> (StatusCode, String) {
    if let Err(e) = state.store.admin_bootstrapped().await {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("store not ready: {e}\n"),
        );
    }
    if let Err(e) = state.log.check_open().await {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("access log not writable: {e}\n"),
        );
    }
    (StatusCode::OK, "ready\n".into())
}

async fn metrics(State(state): State<HttpState>) -> impl IntoResponse {
    match state.log.head().await {
        Ok(head) => state
            .metrics
            .audit_log_size
            .set(i64::try_from(head.size_bytes).unwrap_or(i64::MAX)),
        Err(e) => tracing::warn!(error = %e, "could not read the access log's size"),
    }
    state.metrics.versions_cache(state.versions.stats());
    let body = state.metrics.render(state.store.as_ref()).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}

/// Serves the endpoints on `listener` until the task is aborted.
pub(crate) fn spawn(listener: TcpListener, state: HttpState) -> tokio::task::JoinHandle<()> {
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "metrics listener failed");
        }
    })
}
