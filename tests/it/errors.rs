//! Errors a program can act on (proto/govshare/v1/errors.proto, ERRORS.md): every service is
//! made to fail in each of its ways a caller can bring about, and each refusal must carry a
//! google.rpc.ErrorInfo with the documented reason in domain `govshare.v1`, a LocalizedMessage
//! in zh-CN and one in en, and the details its reason calls for. The contract's ErrorReason,
//! the server's reasons and the table in ERRORS.md must be the same list.

use std::collections::{BTreeMap, BTreeSet};

use govshare_model::FieldReason;
use govshare_server::proto::report_service_client::ReportServiceClient;
use govshare_server::proto::{self, ErrorReason, Role};
use govshare_service::Reason;
use tonic::Code;
use tonic_types::ErrorDetail;

use crate::common::refusal::{Refusal, refusal};
use crate::common::{self, Clients, TestServer};

/// Asserts that `status` is `code` with `reason` (as the contract names it), explained in
/// Chinese and in English apart, the status message being both; returns the refusal.
#[track_caller]
fn refused(status: &tonic::Status, code: Code, reason: &str) -> Refusal {
    assert_eq!(status.code(), code, "{status:?}");
    let r = refusal(status);
    assert_eq!(r.reason, reason, "{status:?}");
    assert_eq!(r.domain, "govshare.v1");
    assert!(
        r.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "the zh-CN message is Chinese: {:?}",
        r.zh
    );
    assert!(
        !r.en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) || reason == "NOT_SHARED",
        "the en message is English: {:?}",
        r.en
    );
    assert!(!r.en.is_empty(), "an English message: {status:?}");
    assert!(
        status.message().contains(&r.zh) || status.message().starts_with("invalid request"),
        "the status message says both: {status:?}"
    );
    r
}

impl Refusal {
    #[track_caller]
    fn about(&self, key: &str, value: &str) -> &Self {
        assert_eq!(
            self.metadata.get(key).map(String::as_str),
            Some(value),
            "metadata {key}: {self:?}"
        );
        self
    }

    /// The ResourceInfo's type and name.
    fn resource(&self) -> Option<(String, String)> {
        self.details.iter().find_map(|d| match d {
            ErrorDetail::ResourceInfo(r) => {
                Some((r.resource_type.clone(), r.resource_name.clone()))
            }
            _ => None,
        })
    }

    /// The PreconditionFailure's violation types.
    fn preconditions(&self) -> Vec<String> {
        self.details
            .iter()
            .filter_map(|d| match d {
                ErrorDetail::PreconditionFailure(p) => Some(p.violations.clone()),
                _ => None,
            })
            .flatten()
            .map(|v| v.r#type)
            .collect()
    }

    /// The field violations' (field, reason) pairs.
    fn fields(&self) -> Vec<(String, String)> {
        self.details
            .iter()
            .filter_map(|d| match d {
                ErrorDetail::BadRequest(b) => Some(b.field_violations.clone()),
                _ => None,
            })
            .flatten()
            .map(|v| (v.field, v.reason))
            .collect()
    }
}

/// The contract's reasons, by name without the prefix.
fn contract_reasons() -> BTreeSet<String> {
    (1..1000)
        .filter_map(|n| ErrorReason::try_from(n).ok())
        .map(|r| {
            r.as_str_name()
                .strip_prefix("ERROR_REASON_")
                .expect("every value has the prefix")
                .to_owned()
        })
        .collect()
}

#[test]
fn the_contract_the_server_and_the_docs_name_the_same_reasons() {
    let contract = contract_reasons();
    let server: BTreeSet<String> = Reason::ALL
        .iter()
        .map(|r| r.as_str().to_owned())
        .chain(FieldReason::ALL.iter().map(|r| r.as_str().to_owned()))
        .collect();
    assert_eq!(contract, server, "errors.proto and the server's reasons");

    // ERRORS.md has one row per reason: | `REASON` | CODE | … |, with the code each comes with.
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ERRORS.md"))
        .expect("ERRORS.md");
    let rows: BTreeMap<String, String> = docs
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let reason = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((reason.to_owned(), cells.get(2)?.to_string()))
        })
        .collect();
    let documented: BTreeSet<String> = rows.keys().cloned().collect();
    assert_eq!(documented, contract, "ERRORS.md lists every reason once");
    for reason in Reason::ALL {
        let code = format!("{:?}", reason.code());
        let expected = code_name(&code);
        assert_eq!(
            rows[reason.as_str()],
            expected,
            "the code of {reason} in ERRORS.md"
        );
    }
    for reason in FieldReason::ALL {
        assert_eq!(rows[reason.as_str()], "INVALID_ARGUMENT", "{reason}");
    }
}

/// `NotFound` → `NOT_FOUND`.
fn code_name(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Two departments, their staff, a published conditional entry of A, and a grant of it to B.
struct World {
    server: TestServer,
    a: String,
    b: String,
    a_cataloguer: Clients,
    a_approver: Clients,
    b_consumer: Clients,
    entry: String,
}

async fn world() -> World {
    let server = TestServer::start().await;
    let a = server.department(1, "甲局").await;
    let b = server.department(2, "乙局").await;
    let a_cataloguer = server.token(&a, &[Role::Cataloguer]).await;
    let a_approver = server.token(&a, &[Role::Approver]).await;
    let b_consumer = server.token(&b, &[Role::Consumer]).await;
    let entry = common::published_entry(
        &server,
        &a_cataloguer,
        common::metadata_shared_as(&a, proto::ShareType::Conditional),
    )
    .await;
    World {
        server,
        a,
        b,
        a_cataloguer,
        a_approver,
        b_consumer,
        entry,
    }
}

#[tokio::test]
async fn credentials_are_refused_with_their_reason() {
    let server = TestServer::start().await;
    let who = |clients: Clients| async move {
        clients
            .admin
            .clone()
            .who_am_i(proto::WhoAmIRequest {})
            .await
            .unwrap_err()
    };
    refused(
        &who(server.anonymous()).await,
        Code::Unauthenticated,
        "CREDENTIAL_MISSING",
    );
    refused(
        &who(server.clients("not-a-token")).await,
        Code::Unauthenticated,
        "CREDENTIAL_INVALID",
    );
    let a = server.department(1, "甲局").await;
    let secret = server.token_secret(&a, &[Role::Consumer]).await;
    let id = common::token_id(&server.clients(&secret)).await;
    server
        .admin()
        .admin
        .revoke_token(proto::RevokeTokenRequest {
            token_id: id.clone(),
        })
        .await
        .unwrap();
    refused(
        &who(server.clients(&secret)).await,
        Code::Unauthenticated,
        "CREDENTIAL_REVOKED",
    )
    .about("token_id", &id);
}

#[tokio::test]
async fn the_admin_service_refuses_with_its_reasons() {
    let w = world().await;
    let admin = w.server.admin();
    let status = w
        .b_consumer
        .admin
        .clone()
        .create_department(proto::CreateDepartmentRequest {
            code: govshare_model::testing::valid_credit_code(9),
            name: "丙局".into(),
            region_code: "110000".into(),
            parent_code: String::new(),
        })
        .await
        .unwrap_err();
    refused(&status, Code::PermissionDenied, "ROLE_REQUIRED").about("role", "ADMIN");
    let status = admin
        .admin
        .clone()
        .create_department(proto::CreateDepartmentRequest {
            code: w.b.clone(),
            name: "乙局".into(),
            region_code: "110000".into(),
            parent_code: String::new(),
        })
        .await
        .unwrap_err();
    let r = refused(&status, Code::AlreadyExists, "DEPARTMENT_EXISTS");
    r.about("department_code", &w.b);
    assert_eq!(
        r.resource(),
        Some(("govshare.v1.Department".into(), w.b.clone()))
    );
    let status = admin
        .admin
        .clone()
        .revoke_token(proto::RevokeTokenRequest {
            token_id: "no-such-token".into(),
        })
        .await
        .unwrap_err();
    refused(&status, Code::NotFound, "TOKEN_NOT_FOUND").about("token_id", "no-such-token");
    // Bad input: each field with its own reason.
    let status = admin
        .admin
        .clone()
        .issue_token(proto::IssueTokenRequest {
            department_code: w.a.clone(),
            roles: vec![Role::Consumer as i32, Role::Consumer as i32, 99],
            name: String::new(),
            expires_at: None,
        })
        .await
        .unwrap_err();
    let fields = refused(&status, Code::InvalidArgument, "INVALID_FIELDS").fields();
    for expected in [
        ("roles[1]", "FIELD_DUPLICATE"),
        ("roles[2]", "FIELD_UNKNOWN_VALUE"),
        ("name", "FIELD_REQUIRED"),
    ] {
        assert!(
            fields.contains(&(expected.0.into(), expected.1.into())),
            "{expected:?} in {fields:?}"
        );
    }
}

#[tokio::test]
async fn the_catalog_service_refuses_with_its_reasons() {
    let w = world().await;
    let missing = "303084122704/999999";
    let status = w
        .b_consumer
        .catalog
        .clone()
        .get_entry(proto::GetEntryRequest {
            code: missing.into(),
            version: 0,
        })
        .await
        .unwrap_err();
    let r = refused(&status, Code::NotFound, "ENTRY_NOT_FOUND");
    r.about("code", missing);
    assert_eq!(
        r.resource(),
        Some(("govshare.v1.CatalogEntry".into(), missing.into()))
    );

    let status = w
        .a_cataloguer
        .catalog
        .clone()
        .get_entry(proto::GetEntryRequest {
            code: w.entry.clone(),
            version: 7,
        })
        .await
        .unwrap_err();
    refused(&status, Code::NotFound, "VERSION_NOT_FOUND").about("version", "7");

    let status = common::register_refused(&w.b_consumer, common::sample_metadata(&w.b)).await;
    refused(&status, Code::PermissionDenied, "ROLE_REQUIRED").about("role", "CATALOGUER");

    let mut nameless = common::sample_metadata(&w.a);
    nameless.name = String::new();
    let status = common::register_refused(&w.a_cataloguer, nameless).await;
    let fields = refused(&status, Code::InvalidArgument, "INVALID_FIELDS").fields();
    assert!(
        fields.contains(&("metadata.name".into(), "FIELD_REQUIRED".into())),
        "{fields:?}"
    );

    // An edit on a stale version, then one the entry's state does not allow.
    let draft = common::register_entry(&w.a_cataloguer, common::sample_metadata(&w.a)).await;
    let status = w
        .a_cataloguer
        .catalog
        .clone()
        .update_entry(proto::UpdateEntryRequest {
            code: draft.code.clone(),
            expected_version: 5,
            metadata: Some(common::sample_metadata(&w.a)),
            note: String::new(),
        })
        .await
        .unwrap_err();
    let r = refused(&status, Code::Aborted, "VERSION_CONFLICT");
    r.about("code", &draft.code)
        .about("expected_version", "5")
        .about("current_version", "1");
    assert_eq!(r.preconditions(), ["VERSION"]);
    let submit = || proto::SubmitEntryRequest {
        code: draft.code.clone(),
        expected_version: 1,
    };
    w.a_cataloguer
        .catalog
        .clone()
        .submit_entry(submit())
        .await
        .unwrap();
    let status = w
        .a_cataloguer
        .catalog
        .clone()
        .submit_entry(submit())
        .await
        .unwrap_err();
    let r = refused(&status, Code::FailedPrecondition, "ENTRY_STATE_DISALLOWS");
    r.about("state", "PENDING_PUBLISH");
    assert_eq!(r.preconditions(), ["STATE"]);

    // Another department reads the published version only, and no history.
    common::approve_review(&w.server, &draft.code, 1).await;
    let mut edited = common::sample_metadata(&w.a);
    edited.name = "人口基础信息（修订）".into();
    w.a_cataloguer
        .catalog
        .clone()
        .update_entry(proto::UpdateEntryRequest {
            code: draft.code.clone(),
            expected_version: 1,
            metadata: Some(edited),
            note: String::new(),
        })
        .await
        .unwrap();
    let status = w
        .b_consumer
        .catalog
        .clone()
        .get_entry(proto::GetEntryRequest {
            code: draft.code.clone(),
            version: 2,
        })
        .await
        .unwrap_err();
    refused(&status, Code::PermissionDenied, "PUBLISHED_VERSION_ONLY").about("version", "1");
    let status = w
        .b_consumer
        .catalog
        .clone()
        .list_versions(proto::ListVersionsRequest {
            code: draft.code.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    refused(&status, Code::PermissionDenied, "PROVIDER_ONLY").about("department_code", &w.a);
}

#[tokio::test]
async fn the_sharing_service_refuses_with_its_reasons() {
    let w = world().await;
    let a_consumer = w.server.token(&w.a, &[Role::Consumer]).await;
    let status = common::create_request(&a_consumer, common::request_for(&w.entry, &[]))
        .await
        .unwrap_err();
    let r = refused(&status, Code::FailedPrecondition, "OWN_ENTRY");
    r.about("code", &w.entry);
    assert_eq!(r.preconditions(), ["OWN_ENTRY"]);

    let closed = common::published_entry(
        &w.server,
        &w.a_cataloguer,
        common::metadata_shared_as(&w.a, proto::ShareType::NotShared),
    )
    .await;
    let status = common::create_request(&w.b_consumer, common::request_for(&closed, &[]))
        .await
        .unwrap_err();
    assert_eq!(
        refused(&status, Code::FailedPrecondition, "NOT_SHARED").preconditions(),
        ["SHARE_TYPE"]
    );

    let status = common::get_request(&w.b_consumer, "REQ-999999")
        .await
        .unwrap_err();
    refused(&status, Code::NotFound, "REQUEST_NOT_FOUND").about("request_id", "REQ-999999");

    let request = common::create_request(&w.b_consumer, common::request_for(&w.entry, &[]))
        .await
        .unwrap();
    let status = w
        .a_approver
        .sharing
        .clone()
        .withdraw_request(proto::WithdrawRequestRequest {
            id: request.id.clone(),
            reason: "不需要了".into(),
        })
        .await
        .unwrap_err();
    refused(&status, Code::PermissionDenied, "ROLE_REQUIRED").about("role", "CONSUMER");
    let status = a_consumer
        .sharing
        .clone()
        .withdraw_request(proto::WithdrawRequestRequest {
            id: request.id.clone(),
            reason: "不需要了".into(),
        })
        .await
        .unwrap_err();
    refused(&status, Code::PermissionDenied, "REQUESTER_ONLY").about("department_code", &w.b);
    let status = common::decide_request(&w.b_consumer, &request.id, true, "")
        .await
        .unwrap_err();
    refused(&status, Code::PermissionDenied, "ROLE_REQUIRED").about("role", "APPROVER");

    let decided = common::decide_request(&w.a_approver, &request.id, true, "同意")
        .await
        .unwrap();
    let status = common::decide_request(&w.a_approver, &request.id, true, "同意")
        .await
        .unwrap_err();
    refused(&status, Code::FailedPrecondition, "REQUEST_NOT_PENDING")
        .about("request_id", &request.id)
        .about("state", "APPROVED");

    let grant = decided.grant_id.clone();
    common::revoke_grant(&w.a_approver, &grant, "越权使用")
        .await
        .unwrap();
    let status = common::revoke_grant(&w.a_approver, &grant, "越权使用")
        .await
        .unwrap_err();
    let r = refused(&status, Code::FailedPrecondition, "GRANT_NOT_ACTIVE");
    r.about("grant_id", &grant).about("state", "REVOKED");
    assert_eq!(
        r.resource(),
        Some(("govshare.v1.Grant".into(), grant.clone()))
    );
    let status = common::revoke_grant(&w.a_approver, "GRT-999999", "越权使用")
        .await
        .unwrap_err();
    refused(&status, Code::NotFound, "GRANT_NOT_FOUND").about("grant_id", "GRT-999999");

    let platform = w
        .server
        .clients(&w.server.token_secret("", &[Role::Auditor]).await);
    let status = platform
        .sharing
        .clone()
        .list_grants(proto::ListGrantsRequest {
            direction: proto::Direction::Incoming as i32,
            ..Default::default()
        })
        .await
        .unwrap_err();
    let fields = refused(&status, Code::InvalidArgument, "INVALID_FIELDS").fields();
    assert_eq!(fields, [("direction".into(), "FIELD_NOT_ALLOWED".into())]);
}

#[tokio::test]
async fn the_exchange_service_refuses_with_its_reasons() {
    let w = world().await;
    let status = common::fetch_refused(&w.a_cataloguer, &w.entry).await;
    refused(&status, Code::NotFound, "DATA_NOT_PUBLISHED").about("code", &w.entry);
    let csv = "姓名,公民身份号码,出生日期\n张三,110101199003071234,1990-03-07\n".as_bytes();
    common::publish_data(&w.a_cataloguer, &w.entry, "text/csv", csv)
        .await
        .unwrap();
    let status = common::fetch_delivery(&w.a_cataloguer, &w.entry, "SNP-999999")
        .await
        .err()
        .expect("no such snapshot");
    refused(&status, Code::NotFound, "SNAPSHOT_NOT_FOUND")
        .about("code", &w.entry)
        .about("snapshot_id", "SNP-999999");

    let status = common::fetch_refused(&w.b_consumer, &w.entry).await;
    refused(&status, Code::PermissionDenied, "NO_ACTIVE_GRANT").about("code", &w.entry);
    let status = common::list_snapshots(&w.b_consumer, &w.entry, 10, "")
        .await
        .unwrap_err();
    refused(&status, Code::PermissionDenied, "NO_ACTIVE_GRANT");

    // Granted, then revoked: the refusal names the grant that was.
    let request = common::create_request(&w.b_consumer, common::request_for(&w.entry, &[]))
        .await
        .unwrap();
    let grant = common::decide_request(&w.a_approver, &request.id, true, "同意")
        .await
        .unwrap()
        .grant_id;
    common::fetch_delivery(&w.b_consumer, &w.entry, "")
        .await
        .expect("granted");
    common::revoke_grant(&w.a_approver, &grant, "越权使用")
        .await
        .unwrap();
    let status = common::fetch_refused(&w.b_consumer, &w.entry).await;
    refused(&status, Code::PermissionDenied, "GRANT_REVOKED")
        .about("grant_id", &grant)
        .about("code", &w.entry);

    let draft = common::register_entry(&w.a_cataloguer, common::sample_metadata(&w.a)).await;
    let status = common::publish_data(&w.a_cataloguer, &draft.code, "text/csv", csv)
        .await
        .unwrap_err();
    refused(&status, Code::FailedPrecondition, "ENTRY_UNAVAILABLE").about("code", &draft.code);
    let status = common::publish_data(&w.a_cataloguer, &w.entry, "text/csv", b"\xff\xfe,\n")
        .await
        .unwrap_err();
    let fields = refused(&status, Code::InvalidArgument, "INVALID_FIELDS").fields();
    assert_eq!(fields, [("chunk".into(), "FIELD_INVALID_DATA".into())]);
}

#[tokio::test]
async fn the_audit_and_report_services_refuse_with_their_reasons() {
    let w = world().await;
    let status = w
        .b_consumer
        .audit
        .clone()
        .verify_access_log(proto::VerifyAccessLogRequest::default())
        .await
        .unwrap_err();
    refused(&status, Code::PermissionDenied, "ROLE_REQUIRED").about("role", "AUDITOR");
    let status = w
        .server
        .admin()
        .audit
        .clone()
        .query_access_log(proto::QueryAccessLogRequest {
            outcome: "MAYBE".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    let fields = refused(&status, Code::InvalidArgument, "INVALID_FIELDS").fields();
    assert_eq!(fields, [("outcome".into(), "FIELD_UNKNOWN_VALUE".into())]);

    let report = |token: &str| {
        ReportServiceClient::with_interceptor(
            w.server.channel.clone(),
            common::Bearer::token(token),
        )
    };
    let b_token = w.server.token_secret(&w.b, &[Role::Consumer]).await;
    let status = report(&b_token)
        .get_annual_report(proto::GetAnnualReportRequest {
            year: 2026,
            department_code: w.a.clone(),
        })
        .await
        .unwrap_err();
    refused(&status, Code::PermissionDenied, "OWN_REPORT_ONLY").about("department_code", &w.a);
    let unknown = govshare_model::testing::valid_credit_code(42);
    let status = report(&w.server.admin_token)
        .get_annual_report(proto::GetAnnualReportRequest {
            year: 2026,
            department_code: unknown.clone(),
        })
        .await
        .unwrap_err();
    refused(&status, Code::NotFound, "DEPARTMENT_NOT_FOUND").about("department_code", &unknown);
}

#[tokio::test]
async fn a_method_the_server_does_not_offer_is_refused_with_its_reason() {
    let server = TestServer::start().await;
    let status = common::call_path(&server, "/govshare.v1.CatalogService/NoSuchMethod").await;
    refused(&status, Code::Unimplemented, "METHOD_NOT_FOUND");
    let status = common::call_path(&server, "/govshare.v1.NoSuchService/Get").await;
    refused(&status, Code::Unimplemented, "METHOD_NOT_FOUND");
}

#[tokio::test]
async fn the_command_line_tells_a_refusal_with_its_reason_in_the_users_language() {
    let server = TestServer::start().await;
    let url = format!("http://{}", server.addr);
    let missing = "303084122704/999999";
    let args = ["entry", "get", missing];
    let token = Some(server.admin_token.as_str());
    let zh = common::cli::govshare_in("zh_CN.UTF-8", &url, token, &args).await;
    let en = common::cli::govshare_in("en", &url, token, &args).await;
    let both = common::cli::govshare_in("both", &url, token, &args).await;
    for outcome in [&zh, &en, &both] {
        assert_ne!(outcome.code, 0, "{outcome:?}");
        assert!(
            outcome
                .stderr
                .starts_with("error: NOT_FOUND [ENTRY_NOT_FOUND]: "),
            "{outcome:?}"
        );
    }
    assert!(zh.stderr.contains("不存在或无权查看"), "{zh:?}");
    assert!(!zh.stderr.contains("does not exist"), "{zh:?}");
    assert!(en.stderr.contains("does not exist"), "{en:?}");
    assert!(!en.stderr.contains("不存在"), "{en:?}");
    assert!(
        both.stderr.contains("不存在或无权查看") && both.stderr.contains("does not exist"),
        "{both:?}"
    );
}
