//! The web console's port: one origin for the console's files and its gRPC-Web calls. A call
//! (a POST with a `application/grpc-web*` content type) goes through tonic-web into the same
//! services behind the same tower stack as native gRPC; anything else is a static file (see
//! [`serve`]). HTTP/1.1 and h2; HTTPS with the server certificate of `[tls]`.

pub mod assets;
pub mod serve;
mod tls;

use std::convert::Infallible;
use std::future::Future;
use std::task::{Context, Poll};

use futures::future::{BoxFuture, FutureExt as _};
use http::{Request, Response, header};
use tokio::net::TcpListener;
use tonic::body::Body;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic_web::{GrpcWebLayer, GrpcWebService};
use tower::{Layer as _, Service, ServiceExt as _};

use crate::config::TlsConfig;

/// Whether a request is a gRPC-Web call: `application/grpc-web`, `application/grpc-web+proto`,
/// `application/grpc-web-text` or `application/grpc-web-text+proto`.
fn is_grpc_web<B>(request: &Request<B>) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc-web"))
}

/// The service of the console's port: gRPC-Web calls to `api`, the rest to the static files.
#[derive(Debug, Clone)]
pub(crate) struct ConsoleService<S> {
    api: GrpcWebService<S>,
}

impl<S> ConsoleService<S> {
    /// `api`: the gRPC services behind the API's tower stack.
    pub(crate) fn new(api: S) -> Self {
        ConsoleService {
            api: GrpcWebLayer::new().layer(api),
        }
    }
}

impl<S> Service<Request<Body>> for ConsoleService<S>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Static replies are always ready; a call drives its own clone of the API to readiness.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        if is_grpc_web(&request) {
            return self.api.clone().oneshot(request).boxed();
        }
        let reply = serve::reply(&request);
        futures::future::ready(Ok(reply)).boxed()
    }
}

/// Serves `service` on `listener` (HTTPS when `tls` names a certificate) until `shutdown`
/// resolves, then until the open connections have closed.
pub(crate) fn spawn<S>(
    listener: TcpListener,
    tls: &TlsConfig,
    service: ConsoleService<S>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<tokio::task::JoinHandle<()>>
where
    ConsoleService<S>: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    <ConsoleService<S> as Service<Request<Body>>>::Future: Send + 'static,
{
    let server = Server::builder().accept_http1(true);
    // The two kinds of connection differ in type, so each branch makes its own future.
    let task = match tls::acceptor(tls)? {
        Some(acceptor) => {
            let incoming = tls::incoming(listener, acceptor);
            spawn_logged(server.serve_with_incoming_shutdown(service, incoming, shutdown))
        }
        None => {
            let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
            spawn_logged(server.serve_with_incoming_shutdown(service, incoming, shutdown))
        }
    };
    Ok(task)
}

/// Runs the console's server, logging why it stopped if it failed.
fn spawn_logged(
    served: impl Future<Output = Result<(), tonic::transport::Error>> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = served.await {
            tracing::error!(error = %e, "the console listener failed");
        }
    })
}
