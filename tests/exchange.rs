//! ExchangeService end to end: publishing snapshots and fetching them under grants.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use govshare::proto::{
    self, FetchDataRequest, PublishDataRequest, PublishHeader, fetch_data_response,
    publish_data_request,
};
use sha2::{Digest, Sha256};

/// The messages of one upload: the header, then `data` in chunks of `chunk` bytes.
fn upload(
    entry_code: &str,
    media_type: &str,
    data: &[u8],
    chunk: usize,
) -> Vec<PublishDataRequest> {
    let mut messages = vec![PublishDataRequest {
        part: Some(publish_data_request::Part::Header(PublishHeader {
            entry_code: entry_code.into(),
            media_type: media_type.into(),
            ..Default::default()
        })),
    }];
    messages.extend(data.chunks(chunk).map(|c| PublishDataRequest {
        part: Some(publish_data_request::Part::Chunk(
            bytes::Bytes::copy_from_slice(c),
        )),
    }));
    messages
}

/// What one fetch delivered.
struct Fetched {
    header: proto::FetchHeader,
    data: Vec<u8>,
    trailer: proto::FetchTrailer,
}

async fn fetch(clients: &Clients, entry_code: &str) -> Result<Fetched, tonic::Status> {
    let mut stream = clients
        .exchange
        .clone()
        .fetch_data(FetchDataRequest {
            entry_code: entry_code.into(),
            snapshot_id: String::new(),
        })
        .await?
        .into_inner();
    let mut header = None;
    let mut data = Vec::new();
    let mut trailer = None;
    while let Some(message) = stream.message().await? {
        match message.part.unwrap() {
            fetch_data_response::Part::Header(h) => header = Some(h),
            fetch_data_response::Part::Chunk(c) => data.extend_from_slice(&c),
            fetch_data_response::Part::Trailer(t) => trailer = Some(t),
        }
    }
    Ok(Fetched {
        header: header.unwrap(),
        data,
        trailer: trailer.unwrap(),
    })
}

#[tokio::test]
async fn a_grantee_receives_only_the_granted_columns() {
    let server = TestServer::start().await;
    let a = server.department(1, "市公安局").await;
    let b = server.department(2, "市人社局").await;
    let cataloguer = server.token(&a, &[proto::Role::Cataloguer]).await;
    let consumer = server.token(&b, &[proto::Role::Consumer]).await;
    let code = published_entry(
        &server,
        &cataloguer,
        metadata_shared_as(&a, proto::ShareType::Unconditional),
    )
    .await;
    let csv = "姓名,公民身份号码,出生日期\n张三,110101199003071234,1990-03-07\n李四,110101198512121234,1985-12-12\n";
    let snapshot = cataloguer
        .exchange
        .clone()
        .publish_data(tokio_stream::iter(upload(
            &code,
            "text/csv",
            csv.as_bytes(),
            7,
        )))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(snapshot.rows, 2);
    assert_eq!(snapshot.sha256, hex::encode(Sha256::digest(csv.as_bytes())));

    let denied = fetch(&consumer, &code).await.err().unwrap();
    assert_eq!(denied.code(), tonic::Code::PermissionDenied, "{denied:?}");

    create_request(&consumer, request_for(&code, &["姓名", "出生日期"]))
        .await
        .unwrap();
    let fetched = fetch(&consumer, &code).await.unwrap();
    assert_eq!(fetched.header.columns, ["姓名", "出生日期"]);
    assert_eq!(
        String::from_utf8(fetched.data.clone()).unwrap(),
        "姓名,出生日期\n张三,1990-03-07\n李四,1985-12-12\n"
    );
    assert_eq!(
        fetched.trailer.sha256,
        hex::encode(Sha256::digest(&fetched.data))
    );
    assert_eq!(fetched.trailer.rows, 2);
}
