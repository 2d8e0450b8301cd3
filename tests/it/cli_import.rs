//! `govshare entry import` and `entry export` against a real server: the shipped template,
//! all-or-nothing imports, `--skip-invalid`, round trips through XLSX and CSV, DCAT-AP, and an
//! import of a few hundred entries; and RegisterEntry's `validate_only` underneath.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::common::TestServer;
use crate::common::cli::{Outcome, govshare_with as govshare};
use govshare_cli::catalogue::{example, write};
use govshare_server::proto::{self, Role};
use serde_json::Value;

/// Runs `govshare entry import PATH FLAGS…` as the holder of `token`.
async fn import(server: &TestServer, token: &str, path: &str, flags: &[&str]) -> Outcome {
    let args: Vec<&str> = ["entry", "import", path]
        .into_iter()
        .chain(flags.iter().copied())
        .collect();
    govshare(server, token, &args).await
}

/// A department, a cataloguer token of it (secret) and its clients.
async fn cataloguer(server: &TestServer, n: u32) -> (String, String, common::Clients) {
    let dept = server.department(n, "市公安局").await;
    let token = server.token_secret(&dept, &[Role::Cataloguer]).await;
    let clients = server.clients(&token);
    (dept, token, clients)
}

fn template(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy/examples")
        .join(name)
}

/// Every entry `clients` may list (every page, every state).
async fn all_entries(clients: &common::Clients) -> Vec<proto::CatalogEntry> {
    let mut request = proto::ListEntriesRequest {
        page_size: 500,
        ..Default::default()
    };
    let mut entries = Vec::new();
    loop {
        let page = clients
            .catalog
            .clone()
            .list_entries(request.clone())
            .await
            .unwrap()
            .into_inner();
        entries.extend(page.entries);
        if page.next_page_token.is_empty() {
            return entries;
        }
        request.page_token = page.next_page_token;
    }
}

/// Varied metadata of department `provider`: the template's example, mixed item share
/// types, 不予共享, an open resource with a free-text format, and text that needs quoting.
fn varied(provider: &str) -> Vec<proto::ResourceMetadata> {
    let mut example = example::entry();
    example.provider_code = provider.into();
    let mut open = common::five_item_metadata(provider);
    open.name = "公共服务事项目录".into();
    open.summary = "含逗号, \"引号\" 和\n换行的摘要".into();
    open.open = Some(proto::OpenAttributes {
        open_to_public: true,
        condition: "注明来源".into(),
    });
    open.format = Some(proto::ResourceFormat {
        kind: proto::FormatKind::Other as i32,
        detail: "政务外网共享目录服务".into(),
    });
    open.classification = Some(proto::Classification {
        category: proto::Category::Theme as i32,
        item: "03".into(),
        subitem: "084".into(),
        detail: "122704".into(),
    });
    open.related_codes = vec!["101001/000001".into(), "203084/000002".into()];
    open.items[3].description = "月收入，单位：元".into();
    let mut not_shared = common::metadata_shared_as(provider, proto::ShareType::NotShared);
    not_shared.name = "涉及个人隐私的户籍信息".into();
    vec![example, common::mixed_metadata(provider), not_shared, open]
}

/// Writes `metadata` as a template file (`.xlsx` or `.csv` by the name) in `dir`.
fn template_file(dir: &Path, name: &str, metadata: &[proto::ResourceMetadata]) -> PathBuf {
    let entries: Vec<write::EntryOut<'_>> = metadata
        .iter()
        .map(|m| write::EntryOut {
            code: "",
            metadata: m,
        })
        .collect();
    let bytes = if name.ends_with(".csv") {
        write::csv(&entries).unwrap()
    } else {
        write::xlsx(&entries).unwrap()
    };
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn codes_of(summary: &Value) -> Vec<String> {
    summary["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shipped_template_imports_as_one_entry_of_three_items() {
    let server = TestServer::start().await;
    let (dept, token, clients) = cataloguer(&server, 1).await;
    for name in ["catalogue-template.xlsx", "catalogue-template.csv"] {
        let file = template(name);
        let summary = import(
            &server,
            &token,
            file.to_str().unwrap(),
            &["--output", "json"],
        )
        .await
        .json();
        assert_eq!(summary["imported"], 1, "{summary}");
        assert_eq!(summary["skipped"], 0);
        let code = &codes_of(&summary)[0];
        let entry = common::get_entry(&clients, code, 0).await.unwrap();
        let metadata = entry.metadata.unwrap();
        assert_eq!(metadata.name, "人口基础信息");
        assert_eq!(metadata.provider_code, dept);
        let items: Vec<&str> = metadata.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(items, ["公民身份号码", "姓名", "出生日期"]);
        assert_eq!(entry.state, proto::EntryState::Draft as i32);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_bad_row_imports_nothing() {
    let server = TestServer::start().await;
    let (dept, token, clients) = cataloguer(&server, 1).await;
    let dir = tempfile::tempdir().unwrap();
    // 出生日期 of the example (row 4) gets a data type that does not exist.
    let path = template_file(dir.path(), "目录.csv", &varied(&dept));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("日期型", "日期", 1)).unwrap();

    let outcome = import(&server, &token, path.to_str().unwrap(), &[]).await;
    assert_eq!(outcome.code, 1, "{outcome:#?}");
    assert!(
        outcome.stderr.contains(
            "目录.csv 第4行 “数据类型”: 未知数据类型 “日期” (unknown data type; expected C, N,"
        ),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("nothing was imported"),
        "{}",
        outcome.stderr
    );
    assert!(all_entries(&clients).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_without_entries_is_refused() {
    let server = TestServer::start().await;
    let (_, token, _) = cataloguer(&server, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("空.csv");
    let text = std::fs::read_to_string(template("catalogue-template.csv")).unwrap();
    let header = text.lines().next().unwrap();
    std::fs::write(&path, format!("{header}\n")).unwrap();
    let outcome = import(&server, &token, path.to_str().unwrap(), &[]).await;
    assert_eq!(outcome.code, 1, "{outcome:#?}");
    assert!(
        outcome.stderr.contains("holds no entries"),
        "{}",
        outcome.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn skip_invalid_imports_the_valid_entries_and_reports_the_others() {
    let server = TestServer::start().await;
    let (dept, token, clients) = cataloguer(&server, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let mut metadata = varied(&dept);
    // Not shared without a basis: the model refuses it.
    metadata[2].sharing.as_mut().unwrap().basis.clear();
    let path = template_file(dir.path(), "目录.xlsx", &metadata);

    let refused = import(&server, &token, path.to_str().unwrap(), &[]).await;
    assert_eq!(refused.code, 1, "{refused:#?}");
    assert!(
        refused.stderr.contains("目录.xlsx 目录!第"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("“不予共享依据”: 不予共享须填写"),
        "{}",
        refused.stderr
    );
    assert!(all_entries(&clients).await.is_empty());

    let summary = import(
        &server,
        &token,
        path.to_str().unwrap(),
        &["--skip-invalid", "--output", "json"],
    )
    .await
    .json();
    assert_eq!(summary["entries"], 4);
    assert_eq!(summary["imported"], 3);
    assert_eq!(summary["skipped"], 1);
    assert_eq!(summary["errors"][0]["column"], "不予共享依据");
    assert_eq!(summary["errors"][0]["sheet"], "目录");
    let mut listed: Vec<String> = all_entries(&clients)
        .await
        .into_iter()
        .map(|e| e.code)
        .collect();
    let mut imported = codes_of(&summary);
    listed.sort();
    imported.sort();
    assert_eq!(listed, imported);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_refuses_entries_of_other_departments_before_any_is_registered() {
    let server = TestServer::start().await;
    let (dept, token, clients) = cataloguer(&server, 1).await;
    let other = server.department(2, "市卫生健康委").await;
    let unregistered = govshare_model::testing::valid_credit_code(99);
    let dir = tempfile::tempdir().unwrap();
    let mut metadata = varied(&dept);
    metadata[1].provider_code = other;
    metadata[3].provider_code = unregistered.clone();
    let path = template_file(dir.path(), "目录.xlsx", &metadata);

    let outcome = import(
        &server,
        &token,
        path.to_str().unwrap(),
        &["--output", "json"],
    )
    .await;
    assert_eq!(outcome.code, 1, "{outcome:#?}");
    let summary: Value = serde_json::from_str(&outcome.stdout).unwrap();
    let errors = summary["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{summary}");
    assert!(
        errors.iter().all(|e| e["column"] == "提供方代码"),
        "{summary}"
    );
    assert!(
        errors[1]["message"]
            .as_str()
            .unwrap()
            .contains(&unregistered),
        "{summary}"
    );
    assert!(all_entries(&clients).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_checks_and_registers_nothing() {
    let server = TestServer::start().await;
    let (_, token, clients) = cataloguer(&server, 1).await;
    let file = template("catalogue-template.xlsx");
    let summary = import(
        &server,
        &token,
        file.to_str().unwrap(),
        &["--dry-run", "--output", "json"],
    )
    .await
    .json();
    assert_eq!(summary["dry_run"], true);
    assert_eq!(summary["valid"], 1);
    assert_eq!(summary["imported"], 0);
    assert!(all_entries(&clients).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn submit_sends_every_imported_entry_for_review() {
    let server = TestServer::start().await;
    let (dept, token, clients) = cataloguer(&server, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let path = template_file(dir.path(), "目录.xlsx", &varied(&dept));
    let summary = import(
        &server,
        &token,
        path.to_str().unwrap(),
        &["--submit", "--output", "json"],
    )
    .await
    .json();
    assert_eq!(summary["submitted"], 4);
    for entry in all_entries(&clients).await {
        assert_eq!(entry.state, proto::EntryState::PendingPublish as i32);
    }
}

/// Registers varied entries (published when `publish`), exports them as `format` with
/// `extra` arguments, imports the file back, and checks that the new entries hold exactly
/// the metadata of the old ones.
async fn round_trip(format: &str, publish: bool, extra: &[&str]) {
    let server = TestServer::start().await;
    let (dept, token, clients) = cataloguer(&server, 1).await;
    let mut originals = Vec::new();
    for metadata in varied(&dept) {
        let entry = common::register_entry(&clients, metadata).await;
        if publish {
            common::publish_entry(&server, &clients, &entry.code).await;
        }
        originals.push(entry.code);
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("export.{format}"));
    let mut args = vec![
        "entry",
        "export",
        "--format",
        format,
        "-o",
        file.to_str().unwrap(),
    ];
    args.extend(extra);
    let exported = govshare(&server, &token, &args).await;
    assert_eq!(exported.code, 0, "{exported:#?}");

    let summary = import(
        &server,
        &token,
        file.to_str().unwrap(),
        &["--output", "json"],
    )
    .await
    .json();
    assert_eq!(summary["imported"], originals.len(), "{summary}");
    let imported = codes_of(&summary);
    assert!(imported.iter().all(|code| !originals.contains(code)));
    // The same metadata, entry for entry (the codes and versions are new).
    let mut before = Vec::new();
    for code in &originals {
        let entry = common::get_entry(&clients, code, 1).await.unwrap();
        before.push(format!("{:?}", entry.metadata.unwrap()));
    }
    let mut after = Vec::new();
    for code in &imported {
        let entry = common::get_entry(&clients, code, 1).await.unwrap();
        after.push(format!("{:?}", entry.metadata.unwrap()));
    }
    before.sort();
    after.sort();
    assert_eq!(before, after);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_xlsx_export_of_the_published_catalogue_imports_back_to_the_same_metadata() {
    round_trip("xlsx", true, &[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csv_export_of_drafts_imports_back_to_the_same_metadata() {
    round_trip("csv", false, &["--all-states"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dcat_lists_each_published_entry_with_its_snapshots() {
    let server = TestServer::start().await;
    let (dept, token, clients) = cataloguer(&server, 1).await;
    let code = common::published_entry(&server, &clients, common::sample_metadata(&dept)).await;
    let draft = common::register_entry(&clients, common::sample_metadata(&dept)).await;
    let data = b"opaque bytes of the resource";
    let snapshot = common::publish_data(&clients, &code, "application/octet-stream", data)
        .await
        .unwrap();

    let outcome = govshare(&server, &token, &["entry", "export", "--format", "dcat"]).await;
    assert_eq!(outcome.code, 0, "{outcome:#?}");
    let catalog: Value = serde_json::from_str(&outcome.stdout).unwrap();
    for prefix in ["dcat", "dct", "foaf", "vcard"] {
        assert!(catalog["@context"][prefix].is_string(), "{prefix}");
    }
    assert_eq!(catalog["@type"], "dcat:Catalog");
    let datasets = catalog["dcat:dataset"].as_array().unwrap();
    assert_eq!(datasets.len(), 1, "only the published entry: {catalog}");
    assert_ne!(datasets[0]["dct:identifier"], draft.code.as_str());
    let dataset = &datasets[0];
    assert_eq!(dataset["@type"], "dcat:Dataset");
    assert_eq!(dataset["dct:identifier"], code.as_str());
    assert_eq!(dataset["dct:title"]["@value"], "人口基础信息");
    assert_eq!(dataset["dct:publisher"]["@type"], "foaf:Agent");
    assert_eq!(dataset["dct:publisher"]["foaf:name"]["@value"], "市公安局");
    assert_eq!(dataset["dct:publisher"]["dct:identifier"], dept.as_str());
    assert_eq!(
        dataset["dct:accrualPeriodicity"]["@id"],
        "http://publications.europa.eu/resource/authority/frequency/DAILY"
    );
    assert_eq!(dataset["dct:issued"]["@value"], "2026-01-15");
    assert_eq!(dataset["dcat:keyword"][0]["@value"], "人口");
    assert!(dataset["dcat:theme"].is_object());
    let distribution = &dataset["dcat:distribution"][0];
    assert_eq!(distribution["dct:identifier"], snapshot.id.as_str());
    assert_eq!(
        distribution["dcat:byteSize"]["@value"],
        data.len().to_string()
    );
    assert_eq!(
        distribution["spdx:checksum"]["spdx:checksumValue"]["@value"],
        snapshot.sha256.as_str()
    );
    assert!(distribution["dct:issued"]["@value"].is_string());

    // Another department sees the dataset but may not list its snapshots.
    let other = server.department(2, "市卫生健康委").await;
    let consumer = server.token_secret(&other, &[Role::Consumer]).await;
    let outcome = govshare(&server, &consumer, &["entry", "export", "--format", "dcat"]).await;
    assert_eq!(outcome.code, 0, "{outcome:#?}");
    let catalog: Value = serde_json::from_str(&outcome.stdout).unwrap();
    let dataset = &catalog["dcat:dataset"][0];
    assert_eq!(dataset["dct:identifier"], code.as_str());
    assert_eq!(dataset["dcat:distribution"].as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn export_writes_the_template_without_a_server() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["xlsx", "csv"] {
        let file = dir.path().join(format!("template.{format}"));
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_govshare"))
            .env_remove("GOVSHARE_SERVER")
            .args(["--server", "http://127.0.0.1:9"])
            .args(["entry", "export", "--template", "--format", format])
            .arg("-o")
            .arg(&file)
            .output()
            .await
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        assert_eq!(
            std::fs::read(&file).unwrap(),
            std::fs::read(template(&format!("catalogue-template.{format}"))).unwrap()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hundreds_of_entries_import_concurrently() {
    const ENTRIES: usize = 300;
    let server = TestServer::start().await;
    let (dept, token, clients) = cataloguer(&server, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let metadata: Vec<proto::ResourceMetadata> = (0..ENTRIES)
        .map(|i| {
            let mut m = common::sample_metadata(&dept);
            m.name = format!("人口基础信息（第{i}批）");
            m.classification.as_mut().unwrap().subitem = format!("{:03}", i % 7);
            m
        })
        .collect();
    let path = template_file(dir.path(), "批量.xlsx", &metadata);
    let started = Instant::now();
    let summary = import(
        &server,
        &token,
        path.to_str().unwrap(),
        &["--concurrency", "32", "--output", "json"],
    )
    .await
    .json();
    eprintln!("imported {ENTRIES} entries in {:?}", started.elapsed());
    assert_eq!(summary["imported"], ENTRIES);
    let mut codes = codes_of(&summary);
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), ENTRIES);
    assert_eq!(all_entries(&clients).await.len(), ENTRIES);
    // Every row kept its own name.
    let rows: Vec<u64> = summary["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["row"].as_u64().unwrap())
        .collect();
    assert!(rows.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_only_checks_like_a_registration_and_stores_nothing() {
    let server = TestServer::start().await;
    let (dept, _, clients) = cataloguer(&server, 1).await;
    let request = |metadata| proto::RegisterEntryRequest {
        metadata: Some(metadata),
        note: String::new(),
        validate_only: true,
    };
    let entry = clients
        .catalog
        .clone()
        .register_entry(request(common::sample_metadata("")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(entry.code, "");
    assert_eq!(entry.head_version, 0);
    assert_eq!(entry.provider_code, dept);
    assert_eq!(entry.metadata.unwrap().provider_name, "市公安局");

    let mut invalid = common::sample_metadata("");
    invalid.items[0].data_type = 0;
    let status = clients
        .catalog
        .clone()
        .register_entry(request(invalid))
        .await
        .unwrap_err();
    assert_eq!(
        common::violated_fields(&status),
        ["metadata.items[0].data_type"]
    );

    let other = server.department(2, "市卫生健康委").await;
    let status = clients
        .catalog
        .clone()
        .register_entry(request(common::sample_metadata(&other)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied);
    assert!(all_entries(&clients).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_faster_than_the_credential_may_go_waits_and_imports_everything() {
    const ENTRIES: usize = 24;
    // Eight calls at once, then forty a second, for every credential; the import checks
    // and then registers each entry, so it must wait for its quota several times.
    let server = TestServer::start_with(tempfile::tempdir().unwrap(), |c| {
        c.api.per_token_rate = 40.0;
        c.api.per_token_burst = 8;
        c.api.per_token_concurrency = 4;
    })
    .await;
    let (dept, token, _) = cataloguer(&server, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let metadata: Vec<proto::ResourceMetadata> = (0..ENTRIES)
        .map(|i| {
            let mut m = common::sample_metadata(&dept);
            m.name = format!("法人基础信息（第{i}批）");
            m
        })
        .collect();
    let path = template_file(dir.path(), "限流.csv", &metadata);
    let summary = import(
        &server,
        &token,
        path.to_str().unwrap(),
        &["--concurrency", "16", "--submit", "--output", "json"],
    )
    .await
    .json();
    assert_eq!(summary["imported"], ENTRIES, "{summary}");
    assert_eq!(summary["submitted"], ENTRIES, "{summary}");
    // Counted with another credential: the importer's bucket is empty.
    let reader = server.token(&dept, &[Role::Cataloguer]).await;
    assert_eq!(all_entries(&reader).await.len(), ENTRIES);
    // The quota did refuse calls on the way.
    let refused = common::metric(&server, "govshare_limit_rejections_total{limit=\"rate\"}").await
        + common::metric(
            &server,
            "govshare_limit_rejections_total{limit=\"concurrency\"}",
        )
        .await;
    assert!(refused > 0.0);
}
