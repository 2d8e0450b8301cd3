//! Data integrity of deliveries: a damaged blob never reaches a client as complete, fields and
//! records are bounded by the item's length and by `exchange.max_record_bytes`, every active
//! grant counts, and a snapshot delivers only what was shareable when it was published.

use super::*;

/// `rows` people, one a line: `姓名,公民身份号码,出生日期`, each line the same length.
fn people_csv(rows: usize) -> String {
    let mut csv = String::from("姓名,公民身份号码,出生日期\n");
    for i in 0..rows {
        csv.push_str(&format!("人员{i:05},1101011990{i:08},1990-03-07\n"));
    }
    csv
}

/// The stored blob of `snapshot` in the server's data directory, made writable.
fn stored_blob(w: &World, snapshot: &proto::DataSnapshot) -> std::path::PathBuf {
    let path = blob_dir(w.server.dir.path())
        .join("sha256")
        .join(&snapshot.sha256[..2])
        .join(&snapshot.sha256);
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&path, permissions).unwrap();
    path
}

/// Reads FetchData of `entry_code` as far as it goes: the bytes received, whether a trailer
/// came, and the status it ended with.
async fn fetch_until_the_end(
    clients: &Clients,
    entry_code: &str,
) -> (Vec<u8>, bool, Result<(), tonic::Status>) {
    let mut data = Vec::new();
    let mut trailer = false;
    let mut stream = match clients
        .exchange
        .clone()
        .fetch_data(FetchDataRequest {
            entry_code: entry_code.into(),
            snapshot_id: String::new(),
        })
        .await
    {
        Ok(r) => r.into_inner(),
        Err(status) => return (data, trailer, Err(status)),
    };
    loop {
        match stream.message().await {
            Ok(Some(message)) => match message.part.unwrap() {
                fetch_data_response::Part::Header(_) => {}
                fetch_data_response::Part::Chunk(c) => data.extend_from_slice(&c),
                fetch_data_response::Part::Trailer(_) => trailer = true,
            },
            Ok(None) => return (data, trailer, Ok(())),
            Err(status) => return (data, trailer, Err(status)),
        }
    }
}

/// A world whose FetchData chunks are small (4 KiB), so a snapshot of 1000 rows takes many.
async fn small_chunk_world() -> World {
    world_with(|c| c.exchange.chunk_bytes = 4096).await
}

/// Publishes 1000 people and grants B every item; returns the entry, the data and the snapshot.
async fn thousand_people(w: &World) -> (String, String, proto::DataSnapshot) {
    let code = w.unconditional_entry().await;
    let csv = people_csv(1000);
    let snapshot = publish(
        &w.cataloguer,
        upload(&code, "text/csv", csv.as_bytes(), 8192),
    )
    .await
    .unwrap();
    assert_eq!(snapshot.rows, 1000);
    w.grant(&code, &[]).await;
    (code, csv, snapshot)
}

fn assert_damaged(
    outcome: &(Vec<u8>, bool, Result<(), tonic::Status>),
    full: usize,
    snapshot: &proto::DataSnapshot,
) {
    let (data, trailer, ended) = outcome;
    let status = ended.as_ref().expect_err("the fetch must fail");
    assert_eq!(status.code(), Code::DataLoss, "{status:?}");
    crate::common::refusal::assert_reason(status, "DATA_DAMAGED");
    assert!(status.message().contains("sha256"), "{status:?}");
    assert!(status.message().contains(&snapshot.id), "{status:?}");
    assert!(!trailer, "a trailer claims a complete delivery");
    assert!(
        data.len() < full,
        "all {} bytes were delivered before the damage was reported",
        data.len()
    );
}

#[tokio::test]
async fn three_bytes_changed_in_a_stored_csv_blob_end_the_fetch_with_data_loss() {
    let w = small_chunk_world().await;
    let (code, csv, snapshot) = thousand_people(&w).await;
    let intact = fetch(&w.consumer, &code).await.unwrap();
    assert_eq!(intact.data, csv.as_bytes());

    // Three digits of a record near the end become other digits: still well-formed CSV.
    let path = stored_blob(&w, &snapshot);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = csv.find("人员00990,").unwrap() + "人员00990,1101011990".len();
    for b in &mut bytes[at..at + 3] {
        *b = if *b == b'9' { b'1' } else { b'9' };
    }
    std::fs::write(&path, &bytes).unwrap();

    let outcome = fetch_until_the_end(&w.consumer, &code).await;
    assert_damaged(&outcome, csv.len(), &snapshot);
    // The provider's own fetch is checked the same way.
    let outcome = fetch_until_the_end(&w.provider_consumer, &code).await;
    assert_damaged(&outcome, csv.len(), &snapshot);
}

#[tokio::test]
async fn a_stored_csv_blob_truncated_to_half_ends_the_fetch_with_data_loss() {
    let w = small_chunk_world().await;
    let (code, csv, snapshot) = thousand_people(&w).await;

    // Cut at a record boundary, so that what is left is well-formed CSV of about 500 rows.
    let path = stored_blob(&w, &snapshot);
    let half = csv[..csv.len() / 2].rfind('\n').unwrap() + 1;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(half as u64)
        .unwrap();

    let outcome = fetch_until_the_end(&w.consumer, &code).await;
    assert_damaged(&outcome, csv.len(), &snapshot);
    let status = outcome.2.unwrap_err();
    assert!(status.message().contains(&half.to_string()), "{status:?}");
}

#[tokio::test]
async fn a_stored_ndjson_blob_with_changed_bytes_ends_the_fetch_with_data_loss() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    let snapshot = publish(
        &w.cataloguer,
        upload(&code, "application/x-ndjson", PEOPLE_NDJSON.as_bytes(), 64),
    )
    .await
    .unwrap();
    w.grant(&code, &["姓名", "出生日期"]).await;

    let path = stored_blob(&w, &snapshot);
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("1990-03-07", "1990-03-08");
    std::fs::write(&path, text).unwrap();

    let outcome = fetch_until_the_end(&w.consumer, &code).await;
    assert_damaged(&outcome, PEOPLE_NDJSON.len(), &snapshot);
}

// --- lengths and record bounds --------------------------------------------------------------

/// [`metadata_shared_as`] 无条件共享 with a fourth item, 备注 备注型 (M) of `length`.
fn metadata_with_memo(provider: &str, length: u32) -> proto::ResourceMetadata {
    let mut m = metadata_shared_as(provider, proto::ShareType::Unconditional);
    m.items.push(info_item(
        "备注",
        proto::DataType::M,
        length,
        proto::ShareType::Unspecified,
    ));
    m
}

/// People with a 备注 column; the second data row's 备注 is `memo`.
fn people_with_memo(memo: &str) -> Vec<u8> {
    format!(
        "姓名,公民身份号码,出生日期,备注\n\
         张三,110101199003071234,1990-03-07,无\n\
         李四,110101198512121234,1985-12-12,{memo}\n\
         王五,,2000-01-01,\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn a_3_mb_field_in_a_memo_column_of_length_100_is_refused_at_publish_naming_its_row_and_column()
 {
    let w = world().await;
    let code = w.entry(metadata_with_memo(&w.a, 100)).await;
    let memo = "备".repeat(1024 * 1024);
    let status = publish(
        &w.cataloguer,
        upload(&code, "text/csv", &people_with_memo(&memo), 256 * 1024),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let message = status.message();
    assert!(message.contains("第 3 行"), "{message}");
    assert!(message.contains("备注"), "{message}");
    assert!(message.contains("100"), "{message}");
    assert!(message.len() < 2000, "the message echoes the value");
    assert_nothing_kept(&w.server, &w.cataloguer, &code).await;

    // Within its length the same column is accepted.
    let snapshot = publish(
        &w.cataloguer,
        upload(
            &code,
            "text/csv",
            &people_with_memo(&"备".repeat(100)),
            4096,
        ),
    )
    .await
    .unwrap();
    assert_eq!(snapshot.rows, 3);
}

#[tokio::test]
async fn an_ndjson_value_longer_than_its_memo_column_is_refused_naming_its_line_and_item() {
    let w = world().await;
    let code = w.entry(metadata_with_memo(&w.a, 100)).await;
    let data = format!(
        "{{\"姓名\":\"张三\"}}\n{{\"姓名\":\"李四\",\"备注\":\"{}\"}}\n",
        "x".repeat(200_000)
    );
    let status = publish(
        &w.cataloguer,
        upload(&code, "application/x-ndjson", data.as_bytes(), 64 * 1024),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let message = status.message();
    assert!(message.contains("第 2 行"), "{message}");
    assert!(message.contains("备注"), "{message}");
}

#[tokio::test]
async fn a_record_beyond_the_record_bound_is_refused_at_publish_naming_its_line_and_the_bound() {
    // The item allows the most a length may say (1,000,000 characters); the record of 20 MB
    // is beyond the default bound on one record (16 MiB) and refused while it is read.
    let w = world().await;
    let code = w.entry(metadata_with_memo(&w.a, 1_000_000)).await;
    let memo = "x".repeat(20 * MIB);
    let status = publish(
        &w.cataloguer,
        upload(&code, "text/csv", &people_with_memo(&memo), MIB),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let message = status.message();
    assert!(message.contains("第 3 行"), "{message}");
    assert!(message.contains("16777216"), "{message}");
    assert!(message.contains("exchange.max_record_bytes"), "{message}");
    assert_nothing_kept(&w.server, &w.cataloguer, &code).await;
}

// --- grants ---------------------------------------------------------------------------------

/// The access-log record of the one FetchData of `code`, polled for up to 10 s (a stream's
/// record is written as it ends).
async fn fetch_record(w: &World, code: &str) -> proto::AccessRecord {
    for _ in 0..200 {
        let records = w
            .server
            .admin()
            .audit
            .query_access_log(proto::QueryAccessLogRequest {
                method: "FetchData".into(),
                target: code.into(),
                page_size: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .records;
        if let Some(record) = records.into_iter().find(|r| r.outcome == 0) {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no record of the fetch of {code}");
}

#[tokio::test]
async fn a_department_holding_two_active_grants_receives_the_union_recorded_under_both() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    publish(
        &w.cataloguer,
        upload(&code, "text/csv", PEOPLE_CSV.as_bytes(), 64),
    )
    .await
    .unwrap();
    let name = w.grant(&code, &["姓名"]).await;
    let birth = w.grant(&code, &["出生日期"]).await;

    let fetched = fetch(&w.consumer, &code).await.unwrap();
    assert_eq!(fetched.header.columns, ["姓名", "出生日期"]);
    let rows = csv_text(&fetched.data);
    assert_eq!(rows[0], ["姓名", "出生日期"]);
    assert_eq!(rows[1], ["张三,又名张叁", "1990-03-07"]);
    let mut used = fetched.header.grant_ids.clone();
    used.sort();
    let mut expected = vec![name.grant_id.clone(), birth.grant_id.clone()];
    expected.sort();
    assert_eq!(used, expected);
    assert!(expected.contains(&fetched.header.grant_id));

    let record = fetch_record(&w, &code).await;
    let mut recorded: Vec<String> = record.grant_id.split(',').map(str::to_owned).collect();
    recorded.sort();
    assert_eq!(recorded, expected, "{record:?}");
}

#[tokio::test]
async fn revoking_one_of_two_grants_leaves_the_others_items() {
    let w = world().await;
    let code = w.unconditional_entry().await;
    publish(
        &w.cataloguer,
        upload(&code, "text/csv", PEOPLE_CSV.as_bytes(), 64),
    )
    .await
    .unwrap();
    let name = w.grant(&code, &["姓名"]).await;
    let birth = w.grant(&code, &["出生日期"]).await;
    revoke_grant(&w.approver, &birth.grant_id, "不再需要")
        .await
        .unwrap();

    let fetched = fetch(&w.consumer, &code).await.unwrap();
    assert_eq!(fetched.header.columns, ["姓名"]);
    assert_eq!(
        fetched.header.grant_ids,
        std::slice::from_ref(&name.grant_id)
    );
    assert_eq!(fetched.header.grant_id, name.grant_id);
}

// --- the share type at publication ----------------------------------------------------------

#[tokio::test]
async fn a_column_not_shared_when_a_snapshot_was_published_is_never_delivered_from_it() {
    let w = world().await;
    // Version 1: 公民身份号码 不予共享.
    let mut v1 = metadata_with_item_types(
        &w.a,
        proto::ShareType::Unconditional,
        &[
            proto::ShareType::Unspecified,
            proto::ShareType::NotShared,
            proto::ShareType::Unspecified,
        ],
    );
    v1.sharing.as_mut().unwrap().basis = NOT_SHARED_BASIS.into();
    let code = w.entry(v1).await;
    let old = publish(
        &w.cataloguer,
        upload(&code, "text/csv", PEOPLE_CSV.as_bytes(), 64),
    )
    .await
    .unwrap();
    assert_eq!(old.entry_version, 1);

    // Version 2: every item 无条件共享.
    let v2 = metadata_shared_as(&w.a, proto::ShareType::Unconditional);
    w.cataloguer
        .catalog
        .clone()
        .update_entry(proto::UpdateEntryRequest {
            code: code.clone(),
            expected_version: 1,
            metadata: Some(v2),
            note: "公民身份号码改为无条件共享".into(),
        })
        .await
        .unwrap();
    publish_entry(&w.server, &w.cataloguer, &code).await;
    let grant = w.grant(&code, &["姓名", "公民身份号码"]).await;
    assert_eq!(grant.items, ["姓名", "公民身份号码"]);

    let fetched = fetch_snapshot(&w.consumer, &code, &old.id).await.unwrap();
    assert_eq!(fetched.header.columns, ["姓名"]);
    let text = String::from_utf8(fetched.data.clone()).unwrap();
    assert!(!text.contains("110101199003071234"), "{text}");
    assert_eq!(csv_text(&fetched.data)[0], ["姓名"]);

    // A snapshot published under version 2 delivers both.
    let new = publish(
        &w.cataloguer,
        upload(&code, "text/csv", PEOPLE_CSV.as_bytes(), 64),
    )
    .await
    .unwrap();
    assert_eq!(new.entry_version, 2);
    let fetched = fetch_snapshot(&w.consumer, &code, &new.id).await.unwrap();
    assert_eq!(fetched.header.columns, ["姓名", "公民身份号码"]);
}
