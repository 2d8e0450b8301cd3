//! Two govshare servers on one PostgreSQL database behave as one: no 顺序码 issued twice,
//! one winner per version when both take updates of one entry, a request decided on one
//! server seen on the other at once, and one access-log chain that verifies from either.

#![allow(clippy::unwrap_used)]

mod bootstrap;

use std::collections::BTreeSet;

use crate::common::postgres::Schema;
use crate::common::{
    Clients, TestServer, create_department, create_request, decide_request, get_entry, get_request,
    issue_token, listed_grants, metadata_shared_as, published_entry, register_entry, request_for,
    sample_metadata,
};
use govshare_server::proto::{
    IssueTokenRequest, ListGrantsRequest, QueryAccessLogRequest, RequestState, RevokeTokenRequest,
    Role, ShareType, UpdateEntryRequest, VerifyAccessLogRequest, WhoAmIRequest,
};
use tonic::Code;

/// Two servers, each with its own data directory (search index, administrator token file),
/// sharing the database and the blob directory.
struct Cluster {
    schema: Schema,
    a: TestServer,
    b: TestServer,
    _blobs: tempfile::TempDir,
}

impl Cluster {
    async fn start() -> Cluster {
        let schema = Schema::new("cluster_test").await;
        let blobs = tempfile::tempdir().unwrap();
        let configure = |config: &mut govshare_server::config::Config| {
            schema.configure(config);
            config.exchange.blob_dir = Some(blobs.path().to_owned());
        };
        let a = TestServer::start_with(tempfile::tempdir().unwrap(), configure).await;
        let mut b = TestServer::start_with(tempfile::tempdir().unwrap(), configure).await;
        assert!(
            b.admin_token.is_empty(),
            "the second server must not create a second administrator"
        );
        b.admin_token = a.admin_token.clone();
        Cluster {
            schema,
            a,
            b,
            _blobs: blobs,
        }
    }

    /// Both servers, `n` even on A, odd on B.
    fn pick(&self, n: usize) -> &TestServer {
        if n.is_multiple_of(2) {
            &self.a
        } else {
            &self.b
        }
    }

    async fn stop(self) {
        self.a.stop().await;
        self.b.stop().await;
        self.schema.drop_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_database_behave_as_one() {
    let cluster = Cluster::start().await;
    // Departments made on A, credentials issued on B: each sees the other's at once.
    let provider = create_department(&cluster.a.admin(), 1, "市公安局").await;
    let requester = create_department(&cluster.a.admin(), 2, "市民政局").await;
    let roles = [Role::Cataloguer, Role::Approver];
    let provider_secret = issue_token(&cluster.b.admin(), &provider, &roles).await;
    let consumer_secret = issue_token(&cluster.b.admin(), &requester, &[Role::Consumer]).await;
    let on = |server: &TestServer, secret: &str| server.clients(secret);

    registrations_on_both_servers_never_share_a_code(&cluster, &provider_secret, &provider).await;
    updates_on_both_servers_have_one_winner_per_version(&cluster, &provider_secret, &provider)
        .await;

    // A request made on A and decided on B is decided on A at once.
    let code = published_entry(
        &cluster.a,
        &on(&cluster.a, &provider_secret),
        metadata_shared_as(&provider, ShareType::Conditional),
    )
    .await;
    let pending = create_request(&on(&cluster.a, &consumer_secret), request_for(&code, &[]))
        .await
        .unwrap();
    assert_eq!(pending.state, RequestState::Pending as i32);
    let decided = decide_request(&on(&cluster.b, &provider_secret), &pending.id, true, "")
        .await
        .unwrap();
    assert_eq!(decided.state, RequestState::Approved as i32);
    let seen = get_request(&on(&cluster.a, &consumer_secret), &pending.id)
        .await
        .unwrap();
    assert_eq!(seen.state, RequestState::Approved as i32);
    assert_eq!(seen.grant_id, decided.grant_id);
    let grants = listed_grants(
        &on(&cluster.a, &consumer_secret),
        ListGrantsRequest::default(),
    )
    .await;
    assert!(
        grants.iter().any(|g| g.id == decided.grant_id),
        "{grants:?}"
    );
    // Deciding it again on A is refused: B's decision is the state A decides on.
    let again = decide_request(
        &on(&cluster.a, &provider_secret),
        &pending.id,
        false,
        "迟到",
    )
    .await
    .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition, "{again:?}");

    a_credential_revoked_on_one_server_is_refused_on_the_other_at_once(&cluster, &requester).await;
    one_access_log_chain_verifies_from_both_servers(&cluster).await;
    cluster.stop().await;
}

/// Each server reads the shared store for every call's credential: a revocation on A refuses
/// the credential's next call on B, however often B authenticated it before.
async fn a_credential_revoked_on_one_server_is_refused_on_the_other_at_once(
    cluster: &Cluster,
    department: &str,
) {
    let issued = cluster
        .b
        .admin()
        .admin
        .issue_token(IssueTokenRequest {
            department_code: department.into(),
            roles: vec![Role::Consumer as i32],
            name: "revoked on the other server".into(),
            expires_at: None,
        })
        .await
        .unwrap()
        .into_inner();
    let mut on_b = cluster.b.clients(&issued.token).admin;
    for _ in 0..3 {
        on_b.who_am_i(WhoAmIRequest {}).await.unwrap();
    }
    cluster
        .a
        .admin()
        .admin
        .revoke_token(RevokeTokenRequest {
            token_id: issued.token_id,
        })
        .await
        .unwrap();
    let status = on_b.who_am_i(WhoAmIRequest {}).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    crate::common::refusal::assert_reason(&status, "CREDENTIAL_REVOKED");
}

async fn registrations_on_both_servers_never_share_a_code(
    cluster: &Cluster,
    secret: &str,
    provider: &str,
) {
    const TASKS: usize = 16;
    const EACH: usize = 8;
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let clients = cluster.pick(t).clients(secret);
            let metadata = sample_metadata(provider);
            tokio::spawn(async move {
                let mut codes = Vec::new();
                for _ in 0..EACH {
                    codes.push(register_entry(&clients, metadata.clone()).await.code);
                }
                codes
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!(
        distinct.len(),
        all.len(),
        "a resource code was issued twice"
    );
    let sequences: BTreeSet<u32> = all
        .iter()
        .map(|c| c.rsplit('/').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        sequences,
        (1..=(TASKS * EACH) as u32).collect::<BTreeSet<_>>(),
        "the 顺序码 of one 分类码 run from 000001 without a gap"
    );
}

async fn updates_on_both_servers_have_one_winner_per_version(
    cluster: &Cluster,
    secret: &str,
    provider: &str,
) {
    const WRITERS: usize = 8;
    let code = register_entry(&cluster.a.clients(secret), sample_metadata(provider))
        .await
        .code;
    for expected in 1..=4u64 {
        let tasks: Vec<_> = (0..WRITERS)
            .map(|w| {
                let mut clients: Clients = cluster.pick(w).clients(secret);
                let mut metadata = sample_metadata(provider);
                metadata.summary = format!("第{expected}轮 写入者{w}: {}", metadata.summary);
                let code = code.clone();
                tokio::spawn(async move {
                    let outcome = clients
                        .catalog
                        .update_entry(UpdateEntryRequest {
                            code,
                            expected_version: expected,
                            metadata: Some(metadata.clone()),
                            note: String::new(),
                        })
                        .await;
                    (metadata.summary, outcome)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            let (summary, outcome) = task.await.unwrap();
            match outcome {
                Ok(entry) => {
                    assert_eq!(entry.into_inner().head_version, expected + 1);
                    winners.push(summary);
                }
                Err(status) => assert_eq!(status.code(), Code::Aborted, "{status:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "one writer of version {}", expected + 1);
        // Both servers serve the winner's version.
        for server in [&cluster.a, &cluster.b] {
            let entry = get_entry(&server.clients(secret), &code, expected + 1)
                .await
                .unwrap();
            let metadata = entry.metadata.unwrap();
            assert_eq!(metadata.summary, winners[0]);
        }
    }
}

async fn one_access_log_chain_verifies_from_both_servers(cluster: &Cluster) {
    let auditor_a = cluster
        .a
        .clients(&issue_token(&cluster.a.admin(), "", &[Role::Auditor]).await);
    let auditor_b = cluster
        .b
        .clients(&issue_token(&cluster.b.admin(), "", &[Role::Auditor]).await);
    // Records of calls to A and to B interleave in one numbering.
    let page = auditor_a
        .audit
        .clone()
        .query_access_log(QueryAccessLogRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let seqs: Vec<u64> = page.records.iter().map(|r| r.seq).collect();
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), seqs.len(), "a record number appears twice");
    assert_eq!(
        sorted,
        (1..=sorted.len() as u64).collect::<Vec<_>>(),
        "record numbers run without a gap"
    );
    // The decision made on B and the refused one made on A are both in the log A reads.
    let decisions = auditor_a
        .audit
        .clone()
        .query_access_log(QueryAccessLogRequest {
            method: "DecideRequest".into(),
            page_size: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .records;
    let outcomes: BTreeSet<u32> = decisions.iter().map(|r| r.outcome).collect();
    assert_eq!(decisions.len(), 2, "{decisions:?}");
    assert_eq!(outcomes.len(), 2, "{decisions:?}");
    let verify = |mut clients: Clients, to_seq: u64| async move {
        clients
            .audit
            .verify_access_log(VerifyAccessLogRequest {
                from_seq: 0,
                to_seq,
            })
            .await
            .unwrap()
            .into_inner()
    };
    let from_a = verify(auditor_a, 0).await;
    assert!(from_a.ok, "{from_a:?}");
    assert!(from_a.records_checked >= sorted.len() as u64, "{from_a:?}");
    // B verifies the very same chain: the same hash at the same record.
    let from_b = verify(auditor_b, from_a.head_seq).await;
    assert!(from_b.ok, "{from_b:?}");
    assert_eq!(
        (from_b.head_seq, &from_b.head_hash),
        (from_a.head_seq, &from_a.head_hash)
    );
}
