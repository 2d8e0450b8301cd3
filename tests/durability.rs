//! Acknowledged writes survive `kill -9`: a burst of concurrent registrations and updates is
//! cut short by SIGKILL, the server restarts on the same directory, and every acknowledged
//! version is there with its digest.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};

use govshare::proto::admin_service_client::AdminServiceClient;
use govshare::proto::catalog_service_client::CatalogServiceClient;
use govshare::proto::{
    CreateDepartmentRequest, GetEntryRequest, IssueTokenRequest, RegisterEntryRequest, Role,
    UpdateEntryRequest,
};
use tonic::Request;
use tonic::transport::Channel;

fn with_token<T>(token: &str, message: T) -> Request<T> {
    let mut r = Request::new(message);
    r.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    r
}

async fn connect(addr: &str) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = common::spawn_server(dir.path());
    let admin_token = std::fs::read_to_string(dir.path().join("admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    let channel = connect(&addr).await;
    let mut admin = AdminServiceClient::new(channel.clone());
    let department = govshare_model::testing::valid_credit_code(7);
    admin
        .create_department(with_token(
            &admin_token,
            CreateDepartmentRequest {
                code: department.clone(),
                name: "市统计局".into(),
                region_code: "110000".into(),
                parent_code: String::new(),
            },
        ))
        .await
        .unwrap();
    let token = admin
        .issue_token(with_token(
            &admin_token,
            IssueTokenRequest {
                department_code: department.clone(),
                roles: vec![Role::Cataloguer as i32],
                name: "durability".into(),
                expires_at: None,
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .token;

    // (code, version, digest) of every acknowledged write.
    let acked: Arc<Mutex<Vec<(String, u64, String)>>> = Arc::default();
    let mut writers = Vec::new();
    for worker in 0..32u32 {
        let channel = channel.clone();
        let token = token.clone();
        let acked = acked.clone();
        writers.push(tokio::spawn(async move {
            let mut catalog = CatalogServiceClient::new(channel);
            let mut metadata =
                govshare::convert::input_message(govshare_model::testing::sample_input());
            metadata.provider_code.clear();
            metadata.classification.as_mut().unwrap().subitem = format!("{:03}", worker % 4);
            for round in 0.. {
                metadata.name = format!("人口基础信息 {worker}-{round}");
                let Ok(entry) = catalog
                    .register_entry(with_token(
                        &token,
                        RegisterEntryRequest {
                            metadata: Some(metadata.clone()),
                            note: String::new(),
                            validate_only: false,
                        },
                    ))
                    .await
                else {
                    return;
                };
                let entry = entry.into_inner();
                let version = entry.version.unwrap();
                acked
                    .lock()
                    .unwrap()
                    .push((entry.code.clone(), version.version, version.digest));
                metadata.summary = format!("第 {round} 次修订");
                let Ok(updated) = catalog
                    .update_entry(with_token(
                        &token,
                        UpdateEntryRequest {
                            code: entry.code,
                            expected_version: 1,
                            metadata: Some(metadata.clone()),
                            note: "修订".into(),
                        },
                    ))
                    .await
                else {
                    return;
                };
                let updated = updated.into_inner();
                let version = updated.version.unwrap();
                acked
                    .lock()
                    .unwrap()
                    .push((updated.code, version.version, version.digest));
            }
        }));
    }
    // Let the burst run, then kill the server in the middle of it.
    while acked.lock().unwrap().len() < 600 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 600);

    let (mut child, addr) = common::spawn_server(dir.path());
    let mut catalog = CatalogServiceClient::new(connect(&addr).await);
    for (code, version, digest) in &acked {
        let entry = catalog
            .get_entry(with_token(
                &token,
                GetEntryRequest {
                    code: code.clone(),
                    version: *version,
                },
            ))
            .await
            .unwrap_or_else(|e| panic!("acknowledged {code} v{version} lost: {e}"))
            .into_inner();
        assert_eq!(&entry.version.unwrap().digest, digest, "{code} v{version}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
