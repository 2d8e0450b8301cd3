//! The plain baseline of the exchange bench: a minimal tonic service with one server-streaming
//! RPC (`proto/bench/stream.proto`, not part of the public contract) that moves bytes and
//! does nothing else — no authentication layer, no grant, no store.
//!
//! It moves the bytes the way FetchData does, so that the difference is FetchData's own
//! work: a blocking thread cuts the source into `chunk_bytes` [`Bytes`] and sends them
//! through a tokio mpsc of the same depth (8) to the response stream. The source is either
//! the very blob file FetchData reads (read into a zeroed buffer per chunk, as
//! `govshare_exchange::project` does for opaque data), or clones of one pre-made buffer,
//! which leaves out the file read and shows what the transport alone costs.
//!
//! Its unary `Reply` answers with a slice of one pre-made buffer: the floor of any unary call
//! with a reply of that size on this transport (`--etcd` sets it beside GetEntry).

use std::fs::File;
use std::io::{self, Read};
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use bytes::{Bytes, BytesMut};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::ReceiverStream;
use tonic::codegen::BoxStream;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

/// The generated code of `govshare.bench`.
pub mod pb {
    #![allow(
        missing_docs,
        clippy::all,
        clippy::pedantic,
        missing_debug_implementations
    )]

    tonic::include_proto!("govshare.bench");
}

use pb::plain_stream_server::{PlainStream, PlainStreamServer};
use pb::{Chunk, DownloadRequest, ReplyRequest};

/// Messages in flight between the blocking thread and the stream, as in FetchData.
const QUEUE: usize = 8;

/// The largest reply `Reply` sends.
const MAX_REPLY: usize = 64 * 1024;

/// The service: streams `file`, or a pre-made buffer.
#[derive(Debug, Clone)]
struct Plain {
    file: PathBuf,
    /// What `Reply` answers with, sliced to the size asked for.
    reply: Bytes,
}

type Reply = Result<Chunk, Status>;

/// Reads `source` in chunks of `chunk` bytes, each read straight into a fresh zeroed buffer,
/// as `govshare_exchange::project` reads opaque data.
fn send_file(mut source: impl Read, chunk: usize, tx: &mpsc::Sender<Reply>) {
    loop {
        // As `copy_opaque` does: allocate, then zero-fill (a plain allocation, not calloc).
        let mut buffer = BytesMut::with_capacity(chunk);
        buffer.resize(chunk, 0);
        let mut filled = 0;
        while filled < chunk {
            match source.read(&mut buffer[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let _ = tx.blocking_send(Err(Status::internal(format!("reading: {e}"))));
                    return;
                }
            }
        }
        if filled == 0 {
            return;
        }
        buffer.truncate(filled);
        let data = buffer.freeze();
        if tx.blocking_send(Ok(Chunk { data })).is_err() || filled < chunk {
            return;
        }
    }
}

/// Sends `size` bytes as clones (no copy) of one pre-made buffer of `chunk` bytes.
fn send_memory(size: u64, chunk: usize, tx: &mpsc::Sender<Reply>) {
    let block = Bytes::from(vec![0x5a_u8; chunk]);
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk as u64) as usize;
        left -= n as u64;
        if tx
            .blocking_send(Ok(Chunk {
                data: block.slice(..n),
            }))
            .is_err()
        {
            return;
        }
    }
}

#[tonic::async_trait]
impl PlainStream for Plain {
    type DownloadStream = BoxStream<Chunk>;

    async fn download(
        &self,
        request: Request<DownloadRequest>,
    ) -> Result<Response<Self::DownloadStream>, Status> {
        let DownloadRequest {
            size_bytes,
            chunk_bytes,
            from_file,
        } = request.into_inner();
        let chunk = (chunk_bytes as usize).max(1);
        let file = if from_file {
            Some(
                File::open(&self.file)
                    .map_err(|e| Status::internal(format!("{}: {e}", self.file.display())))?,
            )
        } else {
            None
        };
        let (tx, rx) = mpsc::channel::<Reply>(QUEUE);
        tokio::task::spawn_blocking(move || match file {
            Some(file) => send_file(file.take(size_bytes), chunk, &tx),
            None => send_memory(size_bytes, chunk, &tx),
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn reply(&self, request: Request<ReplyRequest>) -> Result<Response<Chunk>, Status> {
        let size = (request.into_inner().size_bytes as usize).min(MAX_REPLY);
        Ok(Response::new(Chunk {
            data: self.reply.slice(..size),
        }))
    }
}

/// The baseline server, on its own ephemeral loopback port in this process.
#[derive(Debug)]
pub struct PlainServer {
    pub addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<Result<(), tonic::transport::Error>>,
}

impl PlainServer {
    /// Serves `file` (for `Download`) on 127.0.0.1:0, with the transport settings of
    /// `server::start` (tonic's defaults and TCP_NODELAY).
    pub async fn start(file: PathBuf) -> anyhow::Result<PlainServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
        let (shutdown, stop) = oneshot::channel::<()>();
        let router =
            tonic::transport::Server::builder().add_service(PlainStreamServer::new(Plain {
                file,
                reply: Bytes::from(vec![0x5a_u8; MAX_REPLY]),
            }));
        let task = tokio::spawn(router.serve_with_incoming_shutdown(incoming, async move {
            let _ = stop.await;
        }));
        Ok(PlainServer {
            addr,
            shutdown,
            task,
        })
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        self.task
            .await
            .context("baseline server task panicked")?
            .context("baseline server failed")
    }
}

#[cfg(test)]
mod tests {
    use super::pb::plain_stream_client::PlainStreamClient;
    use super::*;

    /// `Reply` answers with the size asked for, and never more than [`MAX_REPLY`].
    #[tokio::test]
    async fn replies_with_the_size_asked_for() -> anyhow::Result<()> {
        let server = PlainServer::start(PathBuf::new()).await?;
        let mut client = PlainStreamClient::connect(format!("http://{}", server.addr)).await?;
        for (asked, got) in [(0, 0), (527, 527), (70_000, MAX_REPLY)] {
            let reply = client
                .reply(ReplyRequest { size_bytes: asked })
                .await?
                .into_inner();
            assert_eq!(reply.data.len(), got, "asked for {asked} bytes");
        }
        server.stop().await
    }
}
