//! The HTTP side of the server, on the metrics address: `/healthz` (the process is alive) and
//! `/readyz` (the store is open and answering).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use govshare_store::Store;
use tokio::net::TcpListener;

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(store): State<Arc<dyn Store>>) -> (StatusCode, String) {
    match store.admin_bootstrapped().await {
        Ok(_) => (StatusCode::OK, "ready\n".into()),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("store not ready: {e}\n"),
        ),
    }
}

/// Serves the probes on `listener` until the task is dropped.
pub fn spawn(listener: TcpListener, store: Arc<dyn Store>) -> tokio::task::JoinHandle<()> {
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(store);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "metrics listener failed");
        }
    })
}
