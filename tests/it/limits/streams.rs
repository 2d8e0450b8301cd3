//! Data streams under attack: idle uploads and unread downloads hold no thread and end after
//! the idle timeout, the server caps the data streams in flight (RESOURCE_EXHAUSTED beyond),
//! and a revoked credential loses its open FetchData at the next chunk.

use std::path::PathBuf;
use std::time::Duration;

use govshare_server::proto::{
    DataSnapshot, FetchDataRequest, FetchDataResponse, PublishDataRequest, QueryAccessLogRequest,
    RevokeTokenRequest, Role, SearchEntriesRequest, ShareType, fetch_data_response,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Streaming};

use super::common::data::upload;
use super::common::{
    Clients, TestServer, create_request, list_snapshots, metadata_shared_as, publish_data,
    published_entry, request_for, stored_blobs, temp_blobs_after_settling, token_id,
};
use super::rejections;

/// The thread name of the runtime that counts its threads (at most 15 bytes: the kernel keeps
/// no more of a thread's name). Unique in the test binary: no other test's threads are counted.
const COUNTED_THREADS: &str = "streams-counted";

/// The thread name of the other runtimes of these tests.
const OTHER_THREADS: &str = "streams-other";

/// A runtime of its own, so that its threads, the in-process server's, can be counted by
/// `thread_name`; its blocking pool is small, as a busy server's would be nearly full.
fn runtime(thread_name: &str, max_blocking_threads: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(max_blocking_threads)
        .thread_name(thread_name)
        .enable_all()
        .build()
        .unwrap()
}

/// The threads of this process named [`COUNTED_THREADS`]: the runtime's workers and its
/// blocking pool.
fn runtime_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim_end() == COUNTED_THREADS)
        .count()
}

/// An upload that sent its header and `first` bytes and then stays silent for as long as the
/// returned sender lives.
fn silent_upload(
    clients: &Clients,
    entry_code: &str,
    first: &[u8],
) -> (
    mpsc::Sender<PublishDataRequest>,
    JoinHandle<Result<DataSnapshot, tonic::Status>>,
) {
    let (tx, rx) = mpsc::channel(4);
    let mut messages = upload(
        entry_code,
        "application/octet-stream",
        first,
        first.len().max(1),
    );
    messages.pop(); // no end message: the upload stalls
    for message in messages {
        tx.try_send(message).unwrap();
    }
    let mut exchange = clients.exchange.clone();
    let call = tokio::spawn(async move {
        exchange
            .publish_data(ReceiverStream::new(rx))
            .await
            .map(tonic::Response::into_inner)
    });
    (tx, call)
}

/// Waits until the client has handed every message queued in `tx` to the transport.
async fn sent(tx: &mpsc::Sender<PublishDataRequest>) {
    for _ in 0..500 {
        if tx.capacity() == tx.max_capacity() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the client never sent the upload's first messages");
}

/// `call` answered within `limit`.
async fn promptly<T>(what: &str, limit: Duration, call: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, call)
        .await
        .unwrap_or_else(|_| panic!("{what} was not answered within {limit:?}"))
}

#[test]
fn idle_uploads_hold_no_thread_are_capped_and_ended_while_other_departments_are_served() {
    // Department A may hold 40 data streams, the server 48.
    const CAP: usize = 40;
    let idle = Duration::from_secs(4);
    runtime(COUNTED_THREADS, 32).block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let server = TestServer::start_with(dir, |c| {
            c.exchange.max_data_streams = CAP + 8;
            c.exchange.max_data_streams_per_department = CAP;
            c.exchange.stream_idle_timeout_ms = idle.as_millis() as u64;
        })
        .await;
        // Department A attacks with three cataloguer credentials; department B works.
        let a = server.department(1, "市公安局").await;
        let attackers = [
            server.token(&a, &[Role::Cataloguer]).await,
            server.token(&a, &[Role::Cataloguer]).await,
            server.token(&a, &[Role::Cataloguer]).await,
        ];
        let target = published_entry(
            &server,
            &attackers[0],
            metadata_shared_as(&a, ShareType::Unconditional),
        )
        .await;
        let b = server.department(2, "市人社局").await;
        let worker = server.token(&b, &[Role::Cataloguer, Role::Consumer]).await;
        let own = published_entry(
            &server,
            &worker,
            metadata_shared_as(&b, ShareType::Unconditional),
        )
        .await;
        let data = vec![7u8; 200 * 1024];
        publish_data(&worker, &own, "application/octet-stream", &data)
            .await
            .unwrap();
        let before = runtime_threads();

        let mut uploads = Vec::new();
        for i in 0..CAP {
            uploads.push(silent_upload(&attackers[i % 3], &target, b"x"));
        }
        for (tx, _) in &uploads {
            sent(tx).await;
        }
        // Let the server take them all in.
        tokio::time::sleep(Duration::from_millis(300)).await;

        // (d) Beyond the department's cap a data stream is refused at once, and counted.
        let (_beyond_tx, beyond) = silent_upload(&attackers[0], &target, b"x");
        let refused = promptly("the upload beyond the cap", Duration::from_secs(3), beyond)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
        crate::common::refusal::assert_reason(&refused, "TOO_MANY_TRANSFERS");
        assert!(refused.message().contains(&CAP.to_string()), "{refused:?}");
        assert_eq!(rejections(&server, "streams").await, 1.0);

        // (b) Meanwhile department B is served promptly: a download, a search, the log.
        assert!(refused.message().contains("your department"), "{refused:?}");
        let limit = Duration::from_secs(2);
        let fetched = promptly("B's FetchData", limit, async {
            let mut stream = worker
                .exchange
                .clone()
                .fetch_data(FetchDataRequest {
                    entry_code: own.clone(),
                    snapshot_id: String::new(),
                })
                .await
                .unwrap()
                .into_inner();
            let mut bytes = 0;
            while let Some(message) = stream.message().await.unwrap() {
                if let Some(fetch_data_response::Part::Chunk(chunk)) = message.part {
                    bytes += chunk.len();
                }
            }
            bytes
        })
        .await;
        assert_eq!(fetched, data.len());
        promptly(
            "B's SearchEntries",
            limit,
            worker.catalog.clone().search_entries(SearchEntriesRequest {
                query: "人口".into(),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
        promptly(
            "QueryAccessLog",
            limit,
            server
                .admin()
                .audit
                .clone()
                .query_access_log(QueryAccessLogRequest::default()),
        )
        .await
        .unwrap();

        // (a) The idle uploads, all still open, hold no thread each.
        assert!(
            uploads.iter().all(|(_, call)| !call.is_finished()),
            "the uploads are still open"
        );
        let grown = runtime_threads().saturating_sub(before);
        assert!(
            grown <= 8,
            "{grown} more threads with {CAP} idle uploads open (before: {before})"
        );

        // (c) The server ends each idle upload after the idle timeout, keeping nothing.
        for (tx, call) in uploads {
            let status = promptly("an idle upload's end", idle * 3, call)
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
            crate::common::refusal::assert_reason(&status, "STREAM_IDLE");
            assert!(status.message().contains("idle"), "{status:?}");
            drop(tx);
        }
        // Of the idle uploads nothing is kept: no snapshot, no blob but B's, no temporary file.
        let listed = list_snapshots(&attackers[0], &target, 0, "").await.unwrap();
        assert!(listed.snapshots.is_empty(), "{:?}", listed.snapshots);
        assert_eq!(
            stored_blobs(&server).len(),
            1,
            "only B's snapshot is stored"
        );
        assert_eq!(
            temp_blobs_after_settling(&server).await,
            Vec::<PathBuf>::new()
        );
        // Their slots came back.
        let snapshot = publish_data(&attackers[1], &target, "application/octet-stream", b"ok")
            .await
            .unwrap();
        assert_eq!(snapshot.size_bytes, 2);
    });
}

/// A FetchData of `entry_code` whose messages are not read.
async fn unread_download(clients: &Clients, entry_code: &str) -> Streaming<FetchDataResponse> {
    clients
        .exchange
        .clone()
        .fetch_data(FetchDataRequest {
            entry_code: entry_code.into(),
            snapshot_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
}

#[test]
fn an_unread_download_is_ended_after_the_idle_timeout_and_gives_its_slot_back() {
    runtime(OTHER_THREADS, 32).block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let server = TestServer::start_with(dir, |c| {
            c.exchange.max_data_streams = 2;
            c.exchange.stream_idle_timeout_ms = 1000;
            c.exchange.chunk_bytes = 4096;
        })
        .await;
        let a = server.department(1, "市公安局").await;
        let cataloguer = server.token(&a, &[Role::Cataloguer, Role::Consumer]).await;
        let code = published_entry(
            &server,
            &cataloguer,
            metadata_shared_as(&a, ShareType::Unconditional),
        )
        .await;
        // More than the transport buffers: the server must wait for the reader.
        let data = vec![1u8; 8 * 1024 * 1024];
        publish_data(&cataloguer, &code, "application/octet-stream", &data)
            .await
            .unwrap();

        let mut first = unread_download(&cataloguer, &code).await;
        let _second = unread_download(&cataloguer, &code).await;
        let third = cataloguer
            .exchange
            .clone()
            .fetch_data(FetchDataRequest {
                entry_code: code.clone(),
                snapshot_id: String::new(),
            })
            .await;
        let Err(refused) = third else {
            panic!("a third download was admitted beside two");
        };
        assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
        crate::common::refusal::assert_reason(&refused, "TOO_MANY_TRANSFERS");
        assert_eq!(rejections(&server, "streams").await, 1.0);

        // After the idle timeout the unread downloads are ended and their slots come back.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let mut delivered = 0;
        let ended = loop {
            match first.message().await {
                Ok(Some(message)) => {
                    assert_ne!(
                        message_part(&message),
                        Some("trailer"),
                        "the unread download was completed"
                    );
                    if let Some(fetch_data_response::Part::Chunk(chunk)) = message.part {
                        delivered += chunk.len();
                    }
                }
                Ok(None) => panic!("the unread download ended without a status"),
                Err(status) => break status,
            }
        };
        assert_eq!(ended.code(), Code::DeadlineExceeded, "{ended:?}");
        crate::common::refusal::assert_reason(&ended, "STREAM_IDLE");
        assert!(ended.message().contains("idle"), "{ended:?}");
        assert!(delivered < data.len(), "{delivered}");
        let third = super::common::fetch_delivery(&cataloguer, &code, "")
            .await
            .unwrap();
        assert_eq!(third.data.len(), data.len());
    });
}

fn message_part(message: &FetchDataResponse) -> Option<&'static str> {
    match message.part.as_ref()? {
        fetch_data_response::Part::Header(_) => Some("header"),
        fetch_data_response::Part::Chunk(_) => Some("chunk"),
        fetch_data_response::Part::Trailer(_) => Some("trailer"),
    }
}

#[tokio::test]
async fn a_revoked_credential_loses_its_open_fetch_data_at_the_next_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(dir, |c| c.exchange.chunk_bytes = 4096).await;
    let a = server.department(1, "市公安局").await;
    let b = server.department(2, "市人社局").await;
    let cataloguer = server.token(&a, &[Role::Cataloguer]).await;
    let consumer = server.token(&b, &[Role::Consumer]).await;
    let code = published_entry(
        &server,
        &cataloguer,
        metadata_shared_as(&a, ShareType::Unconditional),
    )
    .await;
    let data = vec![3u8; 8 * 1024 * 1024];
    publish_data(&cataloguer, &code, "application/octet-stream", &data)
        .await
        .unwrap();
    create_request(&consumer, request_for(&code, &[]))
        .await
        .unwrap();

    let mut stream = unread_download(&consumer, &code).await;
    let mut delivered = 0;
    while delivered == 0 {
        let message = stream.message().await.unwrap().expect("a message");
        if let Some(fetch_data_response::Part::Chunk(chunk)) = message.part {
            delivered += chunk.len();
        }
    }
    server
        .admin()
        .admin
        .clone()
        .revoke_token(RevokeTokenRequest {
            token_id: token_id(&consumer).await,
        })
        .await
        .unwrap();

    // What was already on its way may arrive; then the stream ends, unauthenticated.
    let status = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.message().await {
                Ok(Some(message)) => {
                    assert_ne!(message_part(&message), Some("trailer"), "delivered in full");
                    if let Some(fetch_data_response::Part::Chunk(chunk)) = message.part {
                        delivered += chunk.len();
                    }
                }
                Ok(None) => panic!("the stream ended without a status"),
                Err(status) => break status,
            }
        }
    })
    .await
    .expect("the stream ends");
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    crate::common::refusal::assert_reason(&status, "CREDENTIAL_REVOKED");
    assert!(status.message().contains("revoked"), "{status:?}");
    assert!(
        delivered < data.len() / 2,
        "{delivered} of {} bytes delivered after the revocation",
        data.len()
    );
}
