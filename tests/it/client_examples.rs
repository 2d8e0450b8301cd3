//! The examples of crates/client/examples against `govshare serve` (the binary, on
//! 127.0.0.1:0 over a temporary data directory): departments and credentials are set up with
//! govshare-client itself, then each example's `run` is called and its outcome checked against
//! what the server holds and what was published.

#[path = "../../crates/client/examples/register_and_publish.rs"]
mod register_and_publish;
#[path = "../../crates/client/examples/request_and_fetch.rs"]
mod request_and_fetch;

use std::time::Duration;

use futures::TryStreamExt as _;
use govshare_client::proto::{
    CreateDepartmentRequest, DecideRequestRequest, Direction, EntryState, IssueTokenRequest,
    ListRequestsRequest, ListSnapshotsRequest, RequestState, Role,
};
use govshare_client::{Client, Config, Credential, Pager};
use sha2::{Digest as _, Sha256};

use crate::common::{Killed, spawn_server};

/// `govshare serve` on ephemeral ports over its own data directory; killed when dropped.
struct Server {
    _process: Killed,
    addr: String,
    dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let (child, addr) = spawn_server(dir.path());
        Server {
            _process: Killed(child),
            addr,
            dir,
        }
    }

    /// The configuration of a client of this server with `credential`.
    fn config(&self, credential: Credential) -> Config {
        Config::new(format!("http://{}", self.addr)).credential(credential)
    }

    /// The platform administrator, whose credential the server wrote at its first start.
    fn admin_credential(&self) -> Credential {
        Credential::from_file(self.dir.path().join("admin.token")).unwrap()
    }
}

/// Registers department number `n` and returns its credit code.
async fn department(admin: &Client, n: u32, name: &str) -> String {
    let code = govshare_model::testing::valid_credit_code(n);
    admin
        .admin()
        .create_department(CreateDepartmentRequest {
            code: code.clone(),
            name: name.into(),
            region_code: "110000".into(),
            parent_code: String::new(),
        })
        .await
        .unwrap();
    code
}

/// Issues a credential of `department` with `role`.
async fn credential(admin: &Client, department: &str, role: Role) -> Credential {
    let issued = admin
        .admin()
        .issue_token(IssueTokenRequest {
            department_code: department.into(),
            roles: vec![role as i32],
            name: format!("{role:?}"),
            expires_at: None,
        })
        .await
        .unwrap()
        .into_inner();
    Credential::token(issued.token)
}

/// The sample CSV without its last column (联系电话, not shared): what a grantee receives.
fn without_phone(csv: &str) -> String {
    csv.lines()
        .map(|line| format!("{}\n", &line[..line.rfind(',').unwrap()]))
        .collect()
}

#[tokio::test]
async fn the_examples_register_publish_request_and_fetch() {
    let server = Server::start();
    let admin = Client::connect(server.config(server.admin_credential()))
        .await
        .unwrap();
    let police = department(&admin, 1, "市公安局").await;
    let welfare = department(&admin, 2, "市民政局").await;
    let cataloguer = credential(&admin, &police, Role::Cataloguer).await;
    let approver = credential(&admin, &police, Role::Approver).await;
    let consumer = credential(&admin, &welfare, Role::Consumer).await;

    // A cataloguer of 市公安局 registers, has the administrator approve, and publishes.
    let published = register_and_publish::run(register_and_publish::Settings {
        config: server.config(cataloguer.clone()),
        reviewer: Some(server.admin_credential()),
        wait: Duration::from_secs(30),
        csv: None,
    })
    .await
    .unwrap();
    let code = published.entry.code.clone();
    assert_eq!(published.entry.state, EntryState::Published as i32);
    assert_eq!(published.entry.provider_code, police);
    let metadata = published.entry.metadata.as_ref().unwrap();
    assert_eq!(metadata.items.len(), 7);
    assert_eq!(metadata.related_codes, ["101002/000001"]);
    let sample = register_and_publish::SAMPLE_CSV;
    let snapshot = &published.snapshot;
    assert_eq!(snapshot.rows, 3);
    assert_eq!(snapshot.size_bytes, sample.len() as u64);
    assert_eq!(snapshot.sha256, hex::encode(Sha256::digest(sample)));

    // The provider lists the snapshot (with the pager) and fetches exactly what it published.
    let provider = Client::connect(server.config(cataloguer)).await.unwrap();
    let exchange = provider.exchange();
    let listed: Vec<_> = Pager::new("", |page_token| {
        let mut exchange = exchange.clone();
        let request = ListSnapshotsRequest {
            entry_code: code.clone(),
            page_size: 1,
            page_token,
        };
        async move {
            let page = exchange.list_snapshots(request).await?.into_inner();
            Ok::<_, govshare_client::Error>((page.snapshots, page.next_page_token))
        }
    })
    .items()
    .try_collect()
    .await
    .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, snapshot.id);
    let files = tempfile::tempdir().unwrap();
    let whole = files.path().join("whole.csv");
    provider.fetch_to_path(&code, None, &whole).await.unwrap();
    assert_eq!(std::fs::read_to_string(&whole).unwrap(), sample);

    // Without a grant the consumer is refused, and no file appears.
    let consumer_client = Client::connect(server.config(consumer.clone()))
        .await
        .unwrap();
    let refused_path = files.path().join("refused.csv");
    let refused = consumer_client
        .fetch_to_path(&code, None, &refused_path)
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        Some(tonic::Code::PermissionDenied),
        "{refused}"
    );
    assert!(!refused_path.exists());

    // 市公安局's approver approves the request once it arrives, while the example waits.
    let approver = Client::connect(server.config(approver)).await.unwrap();
    let deciding = tokio::spawn(async move {
        loop {
            let pending = approver
                .sharing()
                .list_requests(ListRequestsRequest {
                    direction: Direction::Incoming as i32,
                    state: RequestState::Pending as i32,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner()
                .requests;
            if let Some(request) = pending.first() {
                return approver
                    .sharing()
                    .decide_request(DecideRequestRequest {
                        id: request.id.clone(),
                        approve: true,
                        reason: "符合共享条件".into(),
                        items: Vec::new(),
                        valid_until: None,
                    })
                    .await
                    .unwrap()
                    .into_inner();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });

    // 市民政局's consumer asks for every shareable item, waits, and fetches under the grant.
    let out = files.path().join("people.csv");
    let mut settings = request_and_fetch::Settings::new(server.config(consumer), &code);
    settings.out = out.clone();
    settings.wait = Duration::from_secs(30);
    let fetched = request_and_fetch::run(settings).await.unwrap();
    let decided = deciding.await.unwrap();
    assert_eq!(fetched.request.id, decided.id);
    assert_eq!(fetched.request.state, RequestState::Approved as i32);
    assert!(!fetched.request.grant_id.is_empty());
    assert_eq!(fetched.fetched.header.grant_id, fetched.request.grant_id);
    assert_eq!(
        fetched.fetched.header.columns,
        [
            "公民身份号码",
            "姓名",
            "性别",
            "民族",
            "出生日期",
            "户籍地址"
        ]
    );
    // The file holds the published rows without the column that is not shared, as verified
    // against the trailer; nothing else is left beside it.
    let expected = without_phone(sample);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), expected);
    assert_eq!(fetched.fetched.trailer.size_bytes, expected.len() as u64);
    assert_eq!(
        fetched.fetched.trailer.sha256,
        hex::encode(Sha256::digest(&expected))
    );
    assert_eq!(fetched.fetched.trailer.rows, 3);
    let mut names: Vec<_> = std::fs::read_dir(files.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["people.csv", "whole.csv"]);
}
