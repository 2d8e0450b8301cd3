//! Snapshot blobs shared through an S3-compatible bucket (a real s3s-fs server): published on
//! one server, fetched on another with a blob directory of its own; a lost local blob fetched
//! again from the bucket; a damaged object refused as DATA_LOSS and not kept; a publish the
//! bucket cannot take refused with no snapshot recorded.

#![allow(clippy::unwrap_used)]

use crate::common;

use crate::common::postgres::Schema;
use crate::common::s3::{S3Server, blob_key, configure_bucket};
use crate::common::*;
use govshare_server::proto::{Role, ShareType};
use sha2::{Digest, Sha256};
use tonic::Code;

const CSV: &str = "姓名,公民身份号码,出生日期\n张三,110101199003071234,1990-03-07\n李四,110101198512121234,1985-12-12\n";
const OTHER_CSV: &str = "姓名,公民身份号码,出生日期\n王五,110101197001011234,1970-01-01\n";

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether the blob directory under `data_dir` holds `sha256`, and what its tmp/ holds.
fn local_blob(data_dir: &std::path::Path, sha256: &str) -> (bool, Vec<std::path::PathBuf>) {
    let dir = blob_dir(data_dir);
    let path = dir.join("sha256").join(&sha256[..2]).join(sha256);
    (path.is_file(), files_under(&dir.join("tmp")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_snapshot_published_on_one_server_is_fetched_on_another() {
    let s3 = S3Server::start();
    let schema = Schema::new("bucket_test").await;
    let configure = |config: &mut govshare_server::config::Config| {
        schema.configure(config);
        s3.configure(config, "cluster");
    };
    // Each server keeps its blobs in its own data directory: they share only the bucket.
    let a = TestServer::start_with(tempfile::tempdir().unwrap(), configure).await;
    let mut b = TestServer::start_with(tempfile::tempdir().unwrap(), configure).await;
    b.admin_token = a.admin_token.clone();

    let provider = a.department(1, "市公安局").await;
    let consumer_department = a.department(2, "市人社局").await;
    let cataloguer = a.token(&provider, &[Role::Cataloguer]).await;
    let code = published_entry(
        &a,
        &cataloguer,
        metadata_shared_as(&provider, ShareType::Unconditional),
    )
    .await;
    let snapshot = publish_data(&cataloguer, &code, "text/csv", CSV.as_bytes())
        .await
        .unwrap();
    assert_eq!(snapshot.sha256, sha256(CSV.as_bytes()));
    // In the bucket under its name, byte for byte, before the answer came back.
    let object = s3.object_file(&blob_key("cluster", &snapshot.sha256));
    assert_eq!(std::fs::read(&object).unwrap(), CSV.as_bytes());
    assert!(!local_blob(b.dir.path(), &snapshot.sha256).0);

    // B, which never saw the upload, delivers it: to the provider whole, to a grantee cut
    // down to the granted items.
    let provider_on_b = b.token(&provider, &[Role::Consumer]).await;
    let whole = fetch_delivery(&provider_on_b, &code, "").await.unwrap();
    assert_eq!(whole.data, CSV.as_bytes());
    assert_eq!(whole.trailer.sha256, snapshot.sha256);
    assert_eq!(whole.trailer.size_bytes, CSV.len() as u64);
    let (on_b, tmp) = local_blob(b.dir.path(), &snapshot.sha256);
    assert!(on_b, "B keeps the downloaded blob as its working copy");
    assert!(tmp.is_empty(), "{tmp:?}");

    let consumer = b.token(&consumer_department, &[Role::Consumer]).await;
    create_request(&consumer, request_for(&code, &["姓名", "出生日期"]))
        .await
        .unwrap();
    let granted = fetch_delivery(&consumer, &code, &snapshot.id)
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8(granted.data.clone()).unwrap(),
        "姓名,出生日期\n张三,1990-03-07\n李四,1985-12-12\n"
    );
    assert_eq!(granted.trailer.sha256, sha256(&granted.data));

    a.stop().await;
    b.stop().await;
    schema.drop_now().await;
}

/// One server with a bucket and a published entry; returns the server, the cataloguer (who
/// publishes and, as the provider, fetches whole) and the entry's code.
async fn server_with_entry(
    configure: impl FnOnce(&mut govshare_server::config::Config),
) -> (TestServer, Clients, String) {
    let server = TestServer::start_with(tempfile::tempdir().unwrap(), configure).await;
    let provider = server.department(1, "市公安局").await;
    let cataloguer = server.token(&provider, &[Role::Cataloguer]).await;
    let code = published_entry(
        &server,
        &cataloguer,
        metadata_shared_as(&provider, ShareType::Unconditional),
    )
    .await;
    (server, cataloguer, code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_local_blob_is_fetched_again_and_a_damaged_object_is_refused() {
    let s3 = S3Server::start();
    let (server, cataloguer, code) = server_with_entry(|c| s3.configure(c, "single")).await;
    let first = publish_data(&cataloguer, &code, "text/csv", CSV.as_bytes())
        .await
        .unwrap();

    // The working copy is lost: the bucket still has it.
    let blobs = blob_dir(server.dir.path());
    std::fs::remove_file(
        blobs
            .join("sha256")
            .join(&first.sha256[..2])
            .join(&first.sha256),
    )
    .unwrap();
    let fetched = fetch_delivery(&cataloguer, &code, &first.id).await.unwrap();
    assert_eq!(fetched.data, CSV.as_bytes());
    assert_eq!(fetched.trailer.sha256, first.sha256);
    assert!(local_blob(server.dir.path(), &first.sha256).0);

    // The same bytes published again are not sent again (the object is there); the record
    // is new.
    let again = publish_data(&cataloguer, &code, "text/csv", CSV.as_bytes())
        .await
        .unwrap();
    assert_eq!(again.sha256, first.sha256);
    assert_ne!(again.id, first.id);

    // A damaged object is refused as DATA_LOSS and not kept.
    let second = publish_data(&cataloguer, &code, "text/csv", OTHER_CSV.as_bytes())
        .await
        .unwrap();
    std::fs::remove_file(
        blobs
            .join("sha256")
            .join(&second.sha256[..2])
            .join(&second.sha256),
    )
    .unwrap();
    let object = s3.object_file(&blob_key("single", &second.sha256));
    std::fs::write(&object, OTHER_CSV.replace("王五", "赵六")).unwrap();
    let refused = fetch_delivery(&cataloguer, &code, &second.id)
        .await
        .err()
        .unwrap();
    assert_eq!(refused.code(), Code::DataLoss, "{refused:?}");
    crate::common::refusal::assert_reason(&refused, "DATA_DAMAGED");
    assert!(refused.message().contains("sha256"), "{refused:?}");
    assert!(
        refused
            .message()
            .contains(&blob_key("single", &second.sha256)),
        "the message names the object: {refused:?}"
    );
    let (kept, tmp) = local_blob(server.dir.path(), &second.sha256);
    assert!(!kept, "a damaged download is not kept");
    assert!(tmp.is_empty(), "{tmp:?}");
    // The first snapshot is still delivered.
    let fetched = fetch_delivery(&cataloguer, &code, &first.id).await.unwrap();
    assert_eq!(fetched.data, CSV.as_bytes());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_the_bucket_cannot_take_records_no_snapshot() {
    // A bucket server that is gone: nothing listens at its address any more.
    let s3 = S3Server::start();
    let endpoint = s3.endpoint.clone();
    s3.stop();
    let (server, cataloguer, code) =
        server_with_entry(|c| configure_bucket(c, &endpoint, "gone", common::s3::SECRET_KEY)).await;
    let refused = publish_data(&cataloguer, &code, "text/csv", CSV.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");
    crate::common::refusal::assert_reason(&refused, "BUCKET_UNAVAILABLE");
    assert!(refused.message().contains("bucket"), "{refused:?}");
    assert!(
        refused.message().contains("no snapshot was recorded"),
        "{refused:?}"
    );
    let listed = list_snapshots(&cataloguer, &code, 10, "").await.unwrap();
    assert!(listed.snapshots.is_empty(), "{:?}", listed.snapshots);
    let missing = fetch_refused(&cataloguer, &code).await;
    assert_eq!(missing.code(), Code::NotFound, "{missing:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_with_wrong_credentials_records_no_snapshot() {
    let s3 = S3Server::start();
    let (server, cataloguer, code) =
        server_with_entry(|c| configure_bucket(c, &s3.endpoint, "wrong", "not-the-secret")).await;
    let refused = publish_data(&cataloguer, &code, "text/csv", CSV.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");
    crate::common::refusal::assert_reason(&refused, "BUCKET_UNAVAILABLE");
    assert!(!refused.message().contains("not-the-secret"), "{refused:?}");
    let listed = list_snapshots(&cataloguer, &code, 10, "").await.unwrap();
    assert!(listed.snapshots.is_empty(), "{:?}", listed.snapshots);
    server.stop().await;
}

/// A blob larger than one part goes up in parts, and comes back whole on another server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_larger_than_a_part_is_uploaded_in_parts() {
    let s3 = S3Server::start();
    let (server, cataloguer, code) = server_with_entry(|c| s3.configure(c, "parts")).await;
    let mut csv = String::from("姓名,公民身份号码,出生日期\n");
    let mut n = 0u64;
    while csv.len() < 20 * 1024 * 1024 {
        csv.push_str(&format!("张{n},110101199003071234,1990-03-07\n"));
        n += 1;
    }
    let snapshot = publish_data(&cataloguer, &code, "text/csv", csv.as_bytes())
        .await
        .unwrap();
    let object = s3.object_file(&blob_key("parts", &snapshot.sha256));
    assert_eq!(std::fs::metadata(&object).unwrap().len(), csv.len() as u64);
    assert_eq!(sha256(&std::fs::read(&object).unwrap()), snapshot.sha256);
    let blobs = blob_dir(server.dir.path());
    std::fs::remove_file(
        blobs
            .join("sha256")
            .join(&snapshot.sha256[..2])
            .join(&snapshot.sha256),
    )
    .unwrap();
    let fetched = fetch_delivery(&cataloguer, &code, &snapshot.id)
        .await
        .unwrap();
    assert_eq!(fetched.trailer.sha256, snapshot.sha256);
    assert_eq!(fetched.data.len(), csv.len());
    server.stop().await;
}
