//! The yearly report over a year of activity with known counts: the record is written with the
//! dates of 2025 straight into a store and an access log, then a real server opens them and
//! GetAnnualReport must give back exactly those counts — for the whole platform and for one
//! department, with a request answered across the National Day holiday week counted in
//! working days by the shipped calendar — and the command line writes the same figures in
//! every format. A past year's figures no longer change, whatever the test calls meanwhile.

#![allow(clippy::unwrap_used)]

use crate::common;

use crate::common::{TestServer, issue_token};
use chrono::{DateTime, FixedOffset, TimeZone as _, Utc};
use govshare_audit::{AccessLog, LogOptions, NewRecord};
use govshare_model::{Classification, ClassificationCode, CreditCode, ResourceCode, ShareType};
use govshare_server::proto::report_service_client::ReportServiceClient;
use govshare_server::proto::{AnnualReport, GetAnnualReportRequest, Role};
use govshare_sharing::{Actor, Decision, NewRequest, RequestId};
use govshare_store::sled::{SledOptions, SledStore};
use govshare_store::{
    CatalogueStore, DepartmentRecord, EntrySummary, ExchangeStore, IdentityStore, NewEntry,
    NewSnapshot, NewVersion, SharingStore,
};
use tonic::Code;

/// 2025-MM-DD hh:00 in Beijing time.
fn bj(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2025, month, day, hour, 0, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn credit(n: u32) -> CreditCode {
    CreditCode::parse(&govshare_model::testing::valid_credit_code(n)).unwrap()
}

/// The departments of the year.
struct Departments {
    /// 市公安局: provides e1, e2, e3.
    p1: CreditCode,
    /// 市民政局: provides e4, e5, e6.
    p2: CreditCode,
    /// 市卫健委: requests.
    r: CreditCode,
}

fn version(
    class: &str,
    provider: &CreditCode,
    name: &str,
    share_type: ShareType,
    at: DateTime<Utc>,
    note: &str,
) -> NewVersion {
    let mut m = govshare_model::testing::sample_metadata();
    m.classification = Classification::from_code(&ClassificationCode::parse(class).unwrap());
    m.provider_code = provider.clone();
    m.name = name.into();
    m.summary = format!("{name}（{note}）");
    m.sharing.share_type = share_type;
    if share_type == ShareType::NotShared {
        m.sharing.condition.clear();
        m.sharing.basis = "《中华人民共和国居民身份证法》第十九条".into();
    }
    NewVersion {
        canonical: m.canonical_bytes(),
        digest: m.digest(),
        summary: EntrySummary {
            name: m.name.clone(),
            category: m.classification.category,
            share_type,
            update_cycle: m.update_cycle,
        },
        author: "tok_seed".into(),
        created_at: at,
        note: note.into(),
    }
}

/// One entry's life: registered, then published at each of `publications` (a later one after
/// an edit made at `edits`).
struct Life<'a> {
    class: &'a str,
    provider: &'a CreditCode,
    name: &'a str,
    share_type: ShareType,
    registered: DateTime<Utc>,
    /// (edited at, published at): the first publication has no edit.
    publications: &'a [(Option<DateTime<Utc>>, DateTime<Utc>)],
    /// (revocation requested, revoked).
    revoked: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

async fn live(store: &SledStore, life: Life<'_>) -> ResourceCode {
    let v = |at: DateTime<Utc>, note: &str| -> NewVersion {
        version(
            life.class,
            life.provider,
            life.name,
            life.share_type,
            at,
            note,
        )
    };
    let (header, _) = store
        .register_entry(NewEntry {
            classification: ClassificationCode::parse(life.class).unwrap(),
            provider_code: life.provider.clone(),
            version: v(life.registered, "首次编目"),
        })
        .await
        .unwrap();
    let code = header.code;
    let mut head = 1;
    for (n, (edited, published)) in life.publications.iter().enumerate() {
        if let Some(edited) = edited {
            store
                .update_entry(&code, head, v(*edited, &format!("第{n}次修订")))
                .await
                .unwrap();
            head += 1;
        }
        let submitted = *published - chrono::Duration::hours(1);
        store
            .submit_entry(&code, head, "tok_seed", submitted)
            .await
            .unwrap();
        store
            .review_entry(&code, head, true, "", "tok_admin", *published)
            .await
            .unwrap();
    }
    if let Some((asked, revoked)) = life.revoked {
        store
            .request_revocation(&code, "职能调整", "tok_seed", asked)
            .await
            .unwrap();
        store
            .review_entry(&code, head, true, "", "tok_admin", revoked)
            .await
            .unwrap();
    }
    code
}

/// A request of R for `code` (published at version `version`) submitted at `at`.
async fn request(
    store: &SledStore,
    d: &Departments,
    code: &ResourceCode,
    version: u64,
    share_type: ShareType,
    at: DateTime<Utc>,
) -> RequestId {
    let calendar = govshare_server::server::load_calendar(&Default::default()).unwrap();
    let conditional = share_type == ShareType::Conditional;
    let provider = store.get_entry(code).await.unwrap().unwrap().provider_code;
    let (record, _) = store
        .create_request(NewRequest {
            entry_code: code.clone(),
            entry_version: version,
            provider_code: provider,
            requester_code: d.r.clone(),
            items: vec!["姓名".into()],
            share_type,
            purpose: "核验身份".into(),
            use_scope: "本局".into(),
            business_system: "卫健信息系统".into(),
            requested_until: None,
            submitted_at: at,
            due_at: conditional.then(|| calendar.deadline(at, 10)),
            grant_until: (!conditional).then(|| at + chrono::Duration::days(365)),
            actor: Actor {
                token_id: "tok_r".into(),
                department: Some(d.r.clone()),
            },
        })
        .await
        .unwrap();
    record.id
}

async fn decide(
    store: &SledStore,
    id: RequestId,
    provider: &CreditCode,
    approve: bool,
    reason: &str,
    at: DateTime<Utc>,
) {
    let entry_version = store.get_request(id).await.unwrap().unwrap().entry_version;
    store
        .decide_request(
            id,
            Decision {
                approve,
                reason: reason.into(),
                items: vec!["姓名".into()],
                valid_until: at + chrono::Duration::days(180),
                entry_version,
                actor: Actor {
                    token_id: "tok_approver".into(),
                    department: Some(provider.clone()),
                },
                at,
            },
        )
        .await
        .unwrap();
}

fn call(
    at: DateTime<Utc>,
    caller: &CreditCode,
    method: &str,
    owner: &CreditCode,
    outcome: Code,
    detail: &str,
    bytes: u64,
) -> NewRecord {
    NewRecord {
        time: at,
        request_id: format!("req-{}", at.timestamp_micros()),
        department_code: caller.to_string(),
        token_id: "tok_seed".into(),
        method: format!("/govshare.v1.{method}"),
        target: detail.into(),
        owner_code: owner.to_string(),
        grant_id: String::new(),
        outcome: outcome as u32,
        detail: detail.into(),
        duration_micros: 1500,
        bytes,
    }
}

/// Writes the year into `dir`; returns the departments and the chain hash of the last record.
async fn seed(dir: &std::path::Path) -> (Departments, String) {
    let d = Departments {
        p1: credit(101),
        p2: credit(102),
        r: credit(103),
    };
    let store = SledStore::open(dir, &SledOptions::default()).unwrap();
    for (code, name) in [(&d.p1, "市公安局"), (&d.p2, "市民政局"), (&d.r, "市卫健委")] {
        store
            .create_department(DepartmentRecord {
                code: code.clone(),
                name: name.into(),
                region_code: "110000".parse().unwrap(),
                parent_code: None,
                created_at: bj(1, 1, 9) - chrono::Duration::days(30),
            })
            .await
            .unwrap();
    }
    use ShareType::{Conditional, NotShared, Unconditional};
    // e5 registered in 2024 (not counted), first published in 2025.
    let prior = bj(1, 1, 0) - chrono::Duration::days(12);
    let e1 = live(
        &store,
        Life {
            class: "101001",
            provider: &d.p1,
            name: "人口基础信息",
            share_type: Unconditional,
            registered: bj(1, 10, 10),
            publications: &[(None, bj(1, 12, 10))],
            revoked: None,
        },
    )
    .await;
    // e2: an edit on 3 March (due 15 working days later, 24 March) published on 21 April: late.
    let e2 = live(
        &store,
        Life {
            class: "201001",
            provider: &d.p1,
            name: "社会救助对象信息",
            share_type: Conditional,
            registered: bj(2, 2, 10),
            publications: &[(None, bj(2, 5, 10)), (Some(bj(3, 3, 10)), bj(4, 21, 10))],
            revoked: None,
        },
    )
    .await;
    let _e3 = live(
        &store,
        Life {
            class: "301001",
            provider: &d.p1,
            name: "内部值班信息",
            share_type: NotShared,
            registered: bj(3, 3, 10),
            publications: &[(None, bj(3, 5, 10))],
            revoked: Some((bj(6, 1, 10), bj(6, 3, 10))),
        },
    )
    .await;
    // e4: an edit on 6 May published on 8 May: on time.
    let e4 = live(
        &store,
        Life {
            class: "101002",
            provider: &d.p2,
            name: "低保家庭信息",
            share_type: Conditional,
            registered: bj(4, 1, 10),
            publications: &[(None, bj(4, 2, 10)), (Some(bj(5, 6, 10)), bj(5, 8, 10))],
            revoked: None,
        },
    )
    .await;
    let _e5 = live(
        &store,
        Life {
            class: "201002",
            provider: &d.p2,
            name: "养老服务机构信息",
            share_type: Unconditional,
            registered: prior,
            publications: &[(None, bj(1, 5, 10))],
            revoked: None,
        },
    )
    .await;
    let _e6 = store
        .register_entry(NewEntry {
            classification: ClassificationCode::parse("201003").unwrap(),
            provider_code: d.p2.clone(),
            version: version(
                "201003",
                &d.p2,
                "殡葬服务信息",
                Conditional,
                bj(7, 1, 10),
                "首次编目",
            ),
        })
        .await
        .unwrap();

    // Requests of R: r1 granted at once; r2 answered across the National Day week
    // (29 September → 10 October: 3 working days); r3 refused in 2 working days; r4 refused
    // after its deadline (17 working days); r5 withdrawn; r6 still pending after its deadline.
    let _r1 = request(&store, &d, &e1, 1, Unconditional, bj(3, 10, 10)).await;
    let r2 = request(&store, &d, &e2, 2, Conditional, bj(9, 29, 9)).await;
    decide(&store, r2, &d.p1, true, "", bj(10, 10, 16)).await;
    let r3 = request(&store, &d, &e2, 2, Conditional, bj(5, 12, 9)).await;
    decide(&store, r3, &d.p1, false, "用途与职责不符", bj(5, 14, 16)).await;
    let r4 = request(&store, &d, &e4, 2, Conditional, bj(6, 3, 9)).await;
    decide(&store, r4, &d.p2, false, "用途与职责不符", bj(6, 26, 16)).await;
    let r5 = request(&store, &d, &e4, 2, Conditional, bj(7, 7, 9)).await;
    store
        .withdraw_request(
            r5,
            "已通过其他渠道获取",
            Actor {
                token_id: "tok_r".into(),
                department: Some(d.r.clone()),
            },
            bj(7, 8, 9),
        )
        .await
        .unwrap();
    let _r6 = request(&store, &d, &e2, 2, Conditional, bj(11, 3, 9)).await;

    // Snapshots: two of P1 in 2025, one of P2 in 2024.
    let snapshot = |code: &ResourceCode, provider: &CreditCode, size, rows, at| NewSnapshot {
        entry_code: code.clone(),
        entry_version: 1,
        provider_code: provider.clone(),
        sha256: format!("{:064x}", size),
        size_bytes: size,
        rows,
        media_type: "text/csv".into(),
        columns: vec!["姓名".into()],
        note: String::new(),
        author: "tok_seed".into(),
        created_at: at,
    };
    let s1 = store
        .create_snapshot(snapshot(&e1, &d.p1, 1000, 10, bj(3, 1, 10)))
        .await
        .unwrap();
    let s2 = store
        .create_snapshot(snapshot(&e2, &d.p1, 2000, 20, bj(4, 1, 10)))
        .await
        .unwrap();
    let _s3 = store
        .create_snapshot(snapshot(&e4, &d.p2, 4000, 40, prior))
        .await
        .unwrap();
    drop(store);

    // The access log: one record of 2024, then seven of 2025.
    let log = AccessLog::open(&dir.join("audit"), LogOptions::default()).unwrap();
    let records = [
        call(
            prior,
            &d.r,
            "CatalogService/GetEntry",
            &d.p2,
            Code::Ok,
            "",
            0,
        ),
        call(
            bj(3, 15, 10),
            &d.r,
            "ExchangeService/FetchData",
            &d.p1,
            Code::Ok,
            &s1.id.to_string(),
            800,
        ),
        call(
            bj(10, 12, 10),
            &d.r,
            "ExchangeService/FetchData",
            &d.p1,
            Code::Ok,
            &s2.id.to_string(),
            1500,
        ),
        call(
            bj(10, 13, 10),
            &d.p2,
            "ExchangeService/FetchData",
            &d.p1,
            Code::PermissionDenied,
            &s2.id.to_string(),
            0,
        ),
        call(
            bj(2, 1, 10),
            &d.r,
            "CatalogService/GetEntry",
            &d.p1,
            Code::Ok,
            "",
            0,
        ),
        call(
            bj(2, 2, 10),
            &d.r,
            "CatalogService/GetEntry",
            &d.p2,
            Code::Ok,
            "",
            0,
        ),
        call(
            bj(2, 3, 10),
            &d.p2,
            "CatalogService/GetEntry",
            &d.p2,
            Code::NotFound,
            "",
            0,
        ),
        call(
            bj(2, 4, 10),
            &d.r,
            "CatalogService/ListEntries",
            &d.r,
            Code::Unauthenticated,
            "",
            0,
        ),
    ];
    let mut last = None;
    for record in records {
        last = Some(log.append(record).await.unwrap());
    }
    log.close();
    (d, hex::encode(last.unwrap().hash))
}

async fn report(
    server: &TestServer,
    token: &str,
    department: &str,
) -> Result<AnnualReport, tonic::Status> {
    let mut client =
        ReportServiceClient::with_interceptor(server.channel.clone(), common::Bearer::token(token));
    client
        .get_annual_report(GetAnnualReportRequest {
            year: 2025,
            department_code: department.into(),
        })
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_counts_the_year_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let (d, head_hash) = seed(dir.path()).await;
    let server = TestServer::start_in(dir).await;

    // The platform's report.
    let all = report(&server, &server.admin_token, "").await.unwrap();
    assert_eq!(all.year, 2025);
    assert_eq!(all.utc_offset, "+08:00");
    assert!(all.year_complete);

    let c = all.catalogue.as_ref().unwrap();
    assert_eq!(
        (
            c.registered,
            c.published,
            c.republished,
            c.revoked,
            c.published_at_year_end
        ),
        (5, 5, 2, 1, 4)
    );
    let rows: Vec<(&str, u64, u64, u64, u64)> = c
        .by_category
        .iter()
        .map(|r| {
            (
                r.key.as_str(),
                r.registered,
                r.published,
                r.revoked,
                r.published_at_year_end,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("CATEGORY_BASE", 2, 2, 0, 2),
            ("CATEGORY_THEME", 2, 2, 0, 2),
            ("CATEGORY_DEPARTMENT", 1, 1, 1, 0),
        ]
    );
    let rows: Vec<(&str, &str, u64, u64)> = c
        .by_share_type
        .iter()
        .map(|r| (r.key.as_str(), r.label.as_str(), r.registered, r.published))
        .collect();
    assert_eq!(
        rows,
        [
            ("SHARE_TYPE_UNCONDITIONAL", "无条件共享", 1, 2),
            ("SHARE_TYPE_CONDITIONAL", "有条件共享", 3, 2),
            ("SHARE_TYPE_NOT_SHARED", "不予共享", 1, 1),
        ]
    );
    assert_eq!(
        (c.update_working_days, c.updates_due, c.updated_late),
        (15, 2, 1)
    );
    let late = &c.late_updates[0];
    assert_eq!(late.entry_name, "社会救助对象信息");
    assert_eq!(late.provider_code, d.p1.to_string());
    // 3 March → 21 April: March 4–31 has 20 working days, April 1–21 has 14 (清明 takes
    // Friday 4 April).
    assert_eq!(late.working_days, 34);

    let s = all.sharing.as_ref().unwrap();
    assert_eq!(
        (
            s.received,
            s.approved,
            s.refused,
            s.withdrawn,
            s.pending,
            s.overdue
        ),
        (6, 2, 2, 1, 1, 2)
    );
    let rows: Vec<(&str, u64, u64, u64, u64, u64, u64)> = s
        .by_share_type
        .iter()
        .map(|r| {
            (
                r.key.as_str(),
                r.received,
                r.approved,
                r.refused,
                r.withdrawn,
                r.pending,
                r.overdue,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("SHARE_TYPE_UNCONDITIONAL", 1, 1, 0, 0, 0, 0),
            ("SHARE_TYPE_CONDITIONAL", 5, 1, 2, 1, 1, 2),
        ]
    );
    assert_eq!(s.refusal_reasons.len(), 1);
    assert_eq!(
        (
            s.refusal_reasons[0].reason.as_str(),
            s.refusal_reasons[0].count
        ),
        ("用途与职责不符", 2)
    );
    // Answer times 2 (r3), 3 (r2, across the holiday week) and 17 (r4) working days.
    assert_eq!(s.answered, 3);
    assert_eq!(s.median_answer_working_days, 3.0);
    assert_eq!(s.p90_answer_working_days, 17.0);
    assert_eq!(s.answer_working_days_limit, 10);

    let x = all.exchange.as_ref().unwrap();
    assert_eq!(
        (x.snapshots_published, x.bytes_published, x.rows_published),
        (2, 3000, 30)
    );
    assert_eq!(
        (x.deliveries, x.bytes_delivered, x.rows_delivered),
        (2, 2300, 30)
    );
    assert_eq!(x.by_provider.len(), 1);
    let p1 = &x.by_provider[0];
    assert_eq!(
        (
            p1.department_name.as_str(),
            p1.snapshots_published,
            p1.deliveries,
            p1.bytes_delivered,
            p1.rows_delivered
        ),
        ("市公安局", 2, 2, 2300, 30)
    );
    let r = &x.by_receiver[0];
    assert_eq!(
        (r.department_code.clone(), r.deliveries, r.bytes_delivered),
        (d.r.to_string(), 2, 2300)
    );

    let a = all.access.as_ref().unwrap();
    assert_eq!((a.calls, a.refused_calls), (7, 2));
    let outcomes: Vec<(&str, u64)> = a
        .by_outcome
        .iter()
        .map(|o| (o.outcome.as_str(), o.count))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("OK", 4),
            ("NOT_FOUND", 1),
            ("PERMISSION_DENIED", 1),
            ("UNAUTHENTICATED", 1)
        ]
    );
    assert!(a.chain_verified, "{a:?}");
    assert_eq!((a.records_checked, a.head_seq), (8, 8));
    assert_eq!(a.head_hash, head_hash);

    // One department's report, as the administrator asks for it.
    let p1 = report(&server, &server.admin_token, d.p1.as_str())
        .await
        .unwrap();
    assert_eq!(p1.department_name, "市公安局");
    let c = p1.catalogue.unwrap();
    assert_eq!(
        (c.registered, c.published, c.republished, c.revoked),
        (3, 3, 1, 1)
    );
    let s = p1.sharing.unwrap();
    assert_eq!(
        (
            s.received,
            s.approved,
            s.refused,
            s.pending,
            s.overdue,
            s.requests_made
        ),
        (4, 2, 1, 1, 1, 0)
    );
    assert_eq!(
        (s.median_answer_working_days, s.p90_answer_working_days),
        (2.5, 3.0)
    );
    let a = p1.access.unwrap();
    // The fetches of its data (two delivered, one refused) and R's GetEntry of its entry.
    assert_eq!((a.calls, a.refused_calls), (4, 1));
    let r = report(&server, &server.admin_token, d.r.as_str())
        .await
        .unwrap();
    assert_eq!(r.sharing.unwrap().requests_made, 6);

    the_command_line_writes_the_same_figures_in_every_format(&server, &all).await;

    // A department gets its own report only; the auditor any.
    let own = issue_token(&server.admin(), d.p2.as_str(), &[Role::Cataloguer]).await;
    let mine = report(&server, &own, "").await.unwrap();
    assert_eq!(mine.department_code, d.p2.to_string());
    let refused = report(&server, &own, d.p1.as_str()).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    let auditor = issue_token(&server.admin(), "", &[Role::Auditor]).await;
    assert!(report(&server, &auditor, d.p1.as_str()).await.is_ok());
    // Bad input changes nothing and names the field.
    let bad = report(&server, &server.admin_token, "not-a-code")
        .await
        .unwrap_err();
    assert_eq!(common::violated_fields(&bad), ["department_code"]);
    let mut client = ReportServiceClient::with_interceptor(
        server.channel.clone(),
        common::Bearer::token(&server.admin_token),
    );
    let bad = client
        .get_annual_report(GetAnnualReportRequest {
            year: 1999,
            department_code: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(common::violated_fields(&bad), ["year"]);
    let unknown = report(
        &server,
        &server.admin_token,
        &govshare_model::testing::valid_credit_code(999),
    )
    .await
    .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound, "{unknown:?}");
}

/// `govshare report annual` in each format shows exactly the figures the RPC gave: the JSON is
/// the same message (but for when it was made), and Markdown, HTML and the workbook hold every
/// number of it.
async fn the_command_line_writes_the_same_figures_in_every_format(
    server: &TestServer,
    expected: &AnnualReport,
) {
    use crate::annual_fixture::numbers::{Number, all_numbers, appears};
    let run = |format: &'static str, out: Option<String>| async move {
        let mut args = vec!["report", "annual", "--year", "2025", "--format", format];
        let out_arg;
        if let Some(path) = out {
            out_arg = path;
            args.extend(["--out", out_arg.as_str()]);
        }
        common::cli::govshare_with(server, &server.admin_token, &args).await
    };
    let without_time = |mut json: serde_json::Value| {
        json.as_object_mut().unwrap().remove("generated_at");
        json
    };
    let json = run("json", None).await.json();
    let rpc: serde_json::Value =
        serde_json::from_str(&govshare_cli::annual::json(expected).unwrap()).unwrap();
    assert_eq!(without_time(json), without_time(rpc));

    let numbers = all_numbers(expected);
    assert!(numbers.len() > 50, "{numbers:?}");
    let markdown = run("md", None).await;
    let html = tempfile::NamedTempFile::new().unwrap();
    run("html", Some(html.path().display().to_string()))
        .await
        .success();
    let html = std::fs::read_to_string(html.path()).unwrap();
    for (path, n) in &numbers {
        assert!(
            appears(markdown.success(), *n),
            "Markdown lacks {path} = {n:?}"
        );
        assert!(appears(&html, *n), "HTML lacks {path} = {n:?}");
    }
    assert!(html.contains("<svg"), "the HTML report has charts");

    let book = tempfile::NamedTempFile::new().unwrap();
    run("xlsx", Some(book.path().display().to_string()))
        .await
        .success();
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(book.path()).unwrap();
    use calamine::Reader as _;
    let mut cells: Vec<f64> = Vec::new();
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name).unwrap();
        cells.extend(range.cells().filter_map(|(_, _, c)| match c {
            calamine::Data::Int(i) => Some(*i as f64),
            calamine::Data::Float(f) => Some(*f),
            _ => None,
        }));
    }
    // Every count, size and working-day figure of the report is a number cell somewhere
    // (the year and offsets aside).
    for (path, n) in &numbers {
        if path == ".year" {
            continue;
        }
        let value = match n {
            Number::Int(i) => *i as f64,
            Number::Float(f) => *f,
        };
        assert!(
            cells.contains(&value),
            "the workbook lacks {path} = {value}"
        );
    }
}
