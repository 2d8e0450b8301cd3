//! Uploads on their way in: what is accepted and stored, what is refused (with the line that
//! went wrong), and that a refusal leaves nothing in the blob store.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use govshare_exchange::{
    BlobStore, Bounds, Column, IngestError, Ingested, MediaKind, ingest, ingest_bounded,
};
use govshare_model::DataType;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

const NO_LIMIT: u64 = u64::MAX;

fn column(name: &str, data_type: DataType, length: u32) -> Column {
    Column {
        name: name.to_owned(),
        data_type,
        length,
    }
}

/// The entry's 信息项 used by most tests.
fn people() -> Vec<Column> {
    vec![
        column("姓名", DataType::C, 4),
        column("年龄", DataType::I, 0),
        column("出生日期", DataType::D, 0),
    ]
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn new_store() -> (TempDir, BlobStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(dir.path()).unwrap();
    (dir, store)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if !dir.exists() {
        return found;
    }
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

fn assert_nothing_stored(store: &BlobStore) {
    let blobs = files_under(&store.root().join("sha256"));
    assert!(blobs.is_empty(), "no blob may be stored: {blobs:?}");
    let tmp: Vec<_> = fs::read_dir(store.temp_dir()).unwrap().collect();
    assert!(
        tmp.is_empty(),
        "the temporary directory must be empty: {tmp:?}"
    );
}

/// Ingests `data`, expects it accepted, and checks the blob holds exactly `data`.
fn accepted(kind: MediaKind, columns: &[Column], data: &[u8]) -> Ingested {
    let (_dir, store) = new_store();
    let ingested = ingest(&store, data, kind, columns, NO_LIMIT, None)
        .unwrap_or_else(|e| panic!("refused: {e}"));
    assert_eq!(ingested.sha256, sha256_hex(data));
    assert_eq!(ingested.size, data.len() as u64);
    assert_eq!(fs::read(store.path(&ingested.sha256)).unwrap(), data);
    let blobs = files_under(&store.root().join("sha256"));
    assert_eq!(blobs.len(), 1, "{blobs:?}");
    assert!(fs::read_dir(store.temp_dir()).unwrap().next().is_none());
    ingested
}

/// Ingests from `source`, expects a refusal and that nothing was stored.
fn refused_from(
    kind: MediaKind,
    columns: &[Column],
    source: impl Read,
    max_bytes: u64,
    expected_sha256: Option<&str>,
) -> IngestError {
    let (_dir, store) = new_store();
    let error = match ingest(&store, source, kind, columns, max_bytes, expected_sha256) {
        Ok(ingested) => panic!("accepted: {ingested:?}"),
        Err(e) => e,
    };
    assert_nothing_stored(&store);
    error
}

fn refused(kind: MediaKind, columns: &[Column], data: &[u8]) -> IngestError {
    refused_from(kind, columns, data, NO_LIMIT, None)
}

/// The line of a `Malformed` refusal.
fn malformed_line(error: IngestError) -> u64 {
    match error {
        IngestError::Malformed { line, .. } => line,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

fn columns_message(error: IngestError) -> String {
    match error {
        IngestError::Columns(message) => message,
        other => panic!("expected Columns, got {other:?}"),
    }
}

/// A source that yields its bytes a few at a time.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// A source that yields `data` and then fails instead of ending.
struct FailsAfter<'a> {
    data: &'a [u8],
}

impl Read for FailsAfter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.data.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "peer went away",
            ));
        }
        let n = buf.len().min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------
// CSV accepted

#[test]
fn csv_with_the_entrys_items_is_stored_with_its_rows_columns_hash_and_size() {
    let data = "姓名,年龄,出生日期\n张三,30,1996-02-14\n欧阳修文,,20000101\n".as_bytes();

    let ingested = accepted(MediaKind::Csv, &people(), data);

    assert_eq!(ingested.rows, 2);
    assert_eq!(ingested.columns, ["姓名", "年龄", "出生日期"]);
}

#[test]
fn csv_header_in_another_order_is_accepted_and_columns_follow_the_header() {
    let data = "出生日期,姓名,年龄\n1996-02-14,张三,30\n".as_bytes();

    let ingested = accepted(MediaKind::Csv, &people(), data);

    assert_eq!(ingested.rows, 1);
    assert_eq!(ingested.columns, ["出生日期", "姓名", "年龄"]);
}

#[test]
fn csv_values_are_checked_against_their_header_column_when_reordered() {
    // 年龄 is first here: "张三" under it is not an integer, even though 姓名 is first in the entry.
    let data = "年龄,姓名,出生日期\n张三,30,1996-02-14\n".as_bytes();

    assert_eq!(malformed_line(refused(MediaKind::Csv, &people(), data)), 2);
}

#[test]
fn csv_with_crlf_line_endings_is_accepted() {
    let data = "姓名,年龄,出生日期\r\n张三,30,1996-02-14\r\n李四,41,1985-07-01\r\n".as_bytes();

    let ingested = accepted(MediaKind::Csv, &people(), data);

    assert_eq!(ingested.rows, 2);
    assert_eq!(ingested.columns, ["姓名", "年龄", "出生日期"]);
}

#[test]
fn csv_quoted_fields_with_commas_newlines_and_quotes_are_accepted() {
    let columns = [
        column("名称", DataType::C, 0),
        column("备注", DataType::M, 0),
    ];
    let data = "名称,备注\n\"甲,乙\",\"第一行\n第二行\"\n\"他说\"\"好\"\"\",\"\"\n".as_bytes();

    let ingested = accepted(MediaKind::Csv, &columns, data);

    assert_eq!(ingested.rows, 2);
}

#[test]
fn csv_with_only_a_header_has_no_rows() {
    let ingested = accepted(MediaKind::Csv, &people(), "姓名,年龄,出生日期\n".as_bytes());

    assert_eq!(ingested.rows, 0);
}

#[test]
fn csv_header_names_are_trimmed() {
    let data = " 姓名 , 年龄,出生日期 \n张三,30,1996-02-14\n".as_bytes();

    let ingested = accepted(MediaKind::Csv, &people(), data);

    assert_eq!(ingested.columns, ["姓名", "年龄", "出生日期"]);
}

#[test]
fn csv_empty_values_fit_every_data_type() {
    let columns: Vec<Column> = DataType::ALL
        .iter()
        .map(|&t| column(t.name(), t, 1))
        .collect();
    let header: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let data = format!("{}\n{}\n", header.join(","), ",".repeat(columns.len() - 1));

    let ingested = accepted(MediaKind::Csv, &columns, data.as_bytes());

    assert_eq!(ingested.rows, 1);
}

// ---------------------------------------------------------------------------------------------
// CSV refused, by line

#[test]
fn csv_short_row_is_refused_at_its_line() {
    let data = "姓名,年龄,出生日期\n张三,30,1996-02-14\n李四,41\n王五,50,1976-01-01\n".as_bytes();

    assert_eq!(malformed_line(refused(MediaKind::Csv, &people(), data)), 3);
}

#[test]
fn csv_long_row_is_refused_at_its_line() {
    let data =
        "姓名,年龄,出生日期\n张三,30,1996-02-14\n李四,41,1985-07-01\n王五,50,1976-01-01,多余\n"
            .as_bytes();

    assert_eq!(malformed_line(refused(MediaKind::Csv, &people(), data)), 4);
}

#[test]
fn csv_line_numbers_count_the_lines_inside_quoted_fields() {
    let columns = [
        column("名称", DataType::C, 0),
        column("数量", DataType::I, 0),
    ];
    // The record on lines 2–3 holds a newline; the bad value is on line 4.
    let data = "名称,数量\n\"第一行\n第二行\",1\n丙,三\n".as_bytes();

    assert_eq!(malformed_line(refused(MediaKind::Csv, &columns, data)), 4);
}

#[test]
fn csv_line_numbers_count_crlf_lines() {
    let data = "姓名,年龄,出生日期\r\n张三,30,1996-02-14\r\n李四,四十,1985-07-01\r\n".as_bytes();

    assert_eq!(malformed_line(refused(MediaKind::Csv, &people(), data)), 3);
}

#[test]
fn csv_short_row_with_crlf_endings_is_refused_at_its_line() {
    let data = "姓名,年龄,出生日期\r\n张三,30\r\n".as_bytes();

    assert_eq!(malformed_line(refused(MediaKind::Csv, &people(), data)), 2);
}

#[test]
fn csv_line_numbers_count_blank_lines_before_a_bad_record() {
    let data = "姓名,年龄,出生日期\n张三,30,1996-02-14\n\n\n李四,四十,1985-07-01\n".as_bytes();

    assert_eq!(malformed_line(refused(MediaKind::Csv, &people(), data)), 5);
}

/// A one-column CSV whose row 3 (line 3) holds `bad`.
fn single_column_refusal(data_type: DataType, good: &str, bad: &str) {
    let columns = [column("值", data_type, 0)];
    let data = format!("值\n{good}\n{bad}\n{good}\n");
    let error = refused(MediaKind::Csv, &columns, data.as_bytes());
    let line = match error {
        IngestError::Malformed { line, message } => {
            assert!(
                message.contains("值"),
                "the message names the item: {message}"
            );
            line
        }
        other => panic!("{data_type:?} {bad:?}: expected Malformed, got {other:?}"),
    };
    assert_eq!(line, 3, "{data_type:?} {bad:?}");
    // And the good value alone is accepted.
    let fine = format!("值\n{good}\n");
    accepted(MediaKind::Csv, &columns, fine.as_bytes());
}

#[test]
fn csv_number_items_n_y_b_f_refuse_non_numbers() {
    for t in [DataType::N, DataType::Y, DataType::B, DataType::F] {
        for bad in ["12,5", "abc", "NaN", "inf", "1e999"] {
            let quoted = format!("\"{bad}\"");
            single_column_refusal(t, "-12.5", &quoted);
        }
    }
}

#[test]
fn csv_integer_items_refuse_fractions_and_text() {
    for bad in ["1.5", "十", "9223372036854775808"] {
        single_column_refusal(DataType::I, "-42", bad);
    }
}

#[test]
fn csv_date_items_refuse_other_formats_and_impossible_dates() {
    for bad in ["2026/02/14", "2026-02-30", "14.02.2026", "昨天"] {
        single_column_refusal(DataType::D, "2026-02-14", bad);
    }
    single_column_refusal(DataType::D, "20260214", "20261314");
}

#[test]
fn csv_date_time_items_refuse_dates_alone_and_text() {
    for bad in ["2026-02-14", "yesterday", "2026-02-14 25:00:00"] {
        single_column_refusal(DataType::T, "2026-02-14 08:30:00", bad);
    }
    single_column_refusal(DataType::T, "2026-02-14T08:30:00+08:00", "08:30");
}

#[test]
fn csv_logical_items_refuse_other_words() {
    for bad in ["maybe", "对", "2"] {
        single_column_refusal(DataType::L, "是", bad);
    }
    single_column_refusal(DataType::L, "true", "真");
}

#[test]
fn csv_memo_and_general_items_accept_any_text_within_their_length() {
    for t in [DataType::M, DataType::G] {
        let columns = [column("值", t, 22)];
        let data = "值\n任意的很长的文字 with ASCII\n\"1,2\"\n".as_bytes();
        assert_eq!(accepted(MediaKind::Csv, &columns, data).rows, 2);
    }
}

#[test]
fn csv_memo_and_general_text_longer_than_the_item_is_refused_naming_its_line() {
    for t in [DataType::M, DataType::G] {
        let columns = [column("备注", t, 100)];
        let data = format!("备注\n短\n{}\n", "长".repeat(3 * 1024 * 1024));
        match refused(MediaKind::Csv, &columns, data.as_bytes()) {
            IngestError::Malformed { line, message } => {
                assert_eq!(line, 3);
                assert!(message.contains("备注"), "{message}");
                assert!(message.contains("100"), "{message}");
                assert!(message.len() < 500, "the value is not echoed");
            }
            other => panic!("{other:?}"),
        }
    }
}

/// A source that never ends, counting what it handed out.
struct Endless<'a> {
    prefix: &'a [u8],
    fill: u8,
    handed_out: u64,
}

impl Read for Endless<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = if self.prefix.is_empty() {
            buf.fill(self.fill);
            buf.len()
        } else {
            let n = buf.len().min(self.prefix.len());
            buf[..n].copy_from_slice(&self.prefix[..n]);
            self.prefix = &self.prefix[n..];
            n
        };
        self.handed_out += n as u64;
        Ok(n)
    }
}

const BOUND: u64 = 1024 * 1024;

fn bounded_refusal(kind: MediaKind, prefix: &[u8]) -> (IngestError, u64) {
    let (_dir, store) = new_store();
    let columns = [
        column("备注", DataType::M, 1_000_000),
        column("编号", DataType::I, 9),
    ];
    let mut source = Endless {
        prefix,
        fill: b'x',
        handed_out: 0,
    };
    let bounds = Bounds {
        max_bytes: NO_LIMIT,
        max_record_bytes: BOUND,
    };
    let error = ingest_bounded(&store, &mut source, kind, &columns, bounds, None).unwrap_err();
    assert_nothing_stored(&store);
    (error, source.handed_out)
}

#[test]
fn an_endless_csv_field_is_refused_at_the_record_bound_without_being_read_whole() {
    let (error, read) = bounded_refusal(MediaKind::Csv, "备注,编号\n".as_bytes());
    match error {
        IngestError::Malformed { line, message } => {
            assert_eq!(line, 2);
            assert!(message.contains(&BOUND.to_string()), "{message}");
            assert!(message.contains("exchange.max_record_bytes"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        read <= 2 * BOUND,
        "{read} bytes were read for a bound of {BOUND}"
    );
}

#[test]
fn an_endless_csv_header_is_refused_at_the_record_bound() {
    let (error, read) = bounded_refusal(MediaKind::Csv, b"");
    assert_eq!(malformed_line(error), 1);
    assert!(
        read <= 2 * BOUND,
        "{read} bytes were read for a bound of {BOUND}"
    );
}

#[test]
fn an_endless_csv_record_after_good_ones_is_refused_naming_its_line() {
    let (error, read) = bounded_refusal(MediaKind::Csv, "备注,编号\n甲,1\n乙,2\n\"".as_bytes());
    match error {
        IngestError::Malformed { line, message } => {
            assert_eq!(line, 4);
            assert!(message.contains(&BOUND.to_string()), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        read <= 2 * BOUND,
        "{read} bytes were read for a bound of {BOUND}"
    );
}

#[test]
fn an_endless_ndjson_line_is_refused_at_the_record_bound_naming_its_line() {
    let (error, read) = bounded_refusal(MediaKind::Ndjson, "{\"编号\":1}\n{\"备注\":\"".as_bytes());
    match error {
        IngestError::Malformed { line, message } => {
            assert_eq!(line, 2);
            assert!(message.contains(&BOUND.to_string()), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        read <= 2 * BOUND,
        "{read} bytes were read for a bound of {BOUND}"
    );
}

#[test]
fn a_record_of_exactly_the_bound_is_accepted() {
    let (_dir, store) = new_store();
    let columns = [column("备注", DataType::M, 1_000_000)];
    let record = "x".repeat(64 * 1024);
    let data = format!("备注\n{record}\n短\n");
    let bounds = Bounds {
        max_bytes: NO_LIMIT,
        max_record_bytes: record.len() as u64,
    };
    let ingested = ingest_bounded(
        &store,
        data.as_bytes(),
        MediaKind::Csv,
        &columns,
        bounds,
        None,
    )
    .unwrap();
    assert_eq!(ingested.rows, 2);
}

#[test]
fn csv_text_longer_than_a_c_item_is_refused_counting_characters_not_bytes() {
    let columns = [column("姓名", DataType::C, 3)];
    // "张三丰" is 3 characters (9 bytes) and fits; "欧阳修文" is 4 characters and does not.
    let data = "姓名\n张三丰\n欧阳修文\n".as_bytes();

    let error = refused(MediaKind::Csv, &columns, data);

    match error {
        IngestError::Malformed { line, message } => {
            assert_eq!(line, 3);
            assert!(
                message.contains('4'),
                "the message gives the length 4: {message}"
            );
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn csv_text_exactly_as_long_as_a_c_item_is_accepted() {
    let columns = [column("姓名", DataType::C, 4)];

    accepted(MediaKind::Csv, &columns, "姓名\n欧阳修文\n".as_bytes());
}

#[test]
fn csv_invalid_utf8_in_a_record_is_refused_at_its_line() {
    let mut data = "姓名,年龄,出生日期\n张三,30,1996-02-14\n"
        .as_bytes()
        .to_vec();
    data.extend_from_slice(b"\xff\xfe,41,1985-07-01\n");
    data.extend_from_slice("王五,50,1976-01-01\n".as_bytes());

    assert_eq!(malformed_line(refused(MediaKind::Csv, &people(), &data)), 3);
}

#[test]
fn csv_invalid_utf8_after_blank_lines_is_refused_at_its_own_line() {
    let mut data = "姓名,年龄,出生日期\n张三,30,1996-02-14\n\n\n"
        .as_bytes()
        .to_vec();
    data.extend_from_slice(b"\xff,41,1985-07-01\n");

    assert_eq!(malformed_line(refused(MediaKind::Csv, &people(), &data)), 5);
}

#[test]
fn csv_invalid_utf8_in_the_header_is_refused_at_line_1() {
    let data = b"\xff\xfe,\xe5\xb9\xb4\n1,2\n";

    assert_eq!(malformed_line(refused(MediaKind::Csv, &people(), data)), 1);
}

// ---------------------------------------------------------------------------------------------
// CSV header refused

#[test]
fn csv_header_with_unknown_and_missing_items_is_refused_naming_both() {
    let data = "姓名,年龄,住址\n张三,30,北京\n".as_bytes();

    let message = columns_message(refused(MediaKind::Csv, &people(), data));

    assert!(
        message.contains("住址"),
        "names the unknown column: {message}"
    );
    assert!(
        message.contains("出生日期"),
        "names the missing item: {message}"
    );
}

#[test]
fn csv_header_missing_an_item_is_refused_naming_it() {
    let data = "姓名,年龄\n张三,30\n".as_bytes();

    let message = columns_message(refused(MediaKind::Csv, &people(), data));

    assert!(message.contains("出生日期"), "{message}");
    assert!(!message.contains("not items of the entry"), "{message}");
}

#[test]
fn csv_header_with_an_extra_column_is_refused_naming_it() {
    let data = "姓名,年龄,出生日期,住址\n张三,30,1996-02-14,北京\n".as_bytes();

    let message = columns_message(refused(MediaKind::Csv, &people(), data));

    assert!(message.contains("住址"), "{message}");
    assert!(!message.contains("missing items"), "{message}");
}

#[test]
fn csv_header_with_a_duplicate_column_is_refused_naming_it() {
    let data = "姓名,年龄,年龄,出生日期\n张三,30,30,1996-02-14\n".as_bytes();

    let message = columns_message(refused(MediaKind::Csv, &people(), data));

    assert!(message.contains("年龄"), "{message}");
}

#[test]
fn csv_without_any_header_is_refused() {
    let error = refused(MediaKind::Csv, &people(), b"");

    assert!(matches!(error, IngestError::Columns(_)), "{error:?}");
}

// ---------------------------------------------------------------------------------------------
// NDJSON

fn ndjson_items() -> Vec<Column> {
    vec![
        column("姓名", DataType::C, 4),
        column("年龄", DataType::I, 0),
        column("在职", DataType::L, 0),
    ]
}

#[test]
fn ndjson_objects_keyed_by_items_are_accepted_and_blank_lines_are_not_rows() {
    let data = concat!(
        "{\"姓名\":\"张三\",\"年龄\":30,\"在职\":true}\n",
        "\n",
        "   \n",
        "{\"年龄\":\"41\",\"姓名\":\"欧阳修文\"}\r\n",
        "{\"姓名\":null,\"年龄\":null,\"在职\":\"否\"}\n",
        "\n",
    )
    .as_bytes();

    let ingested = accepted(MediaKind::Ndjson, &ndjson_items(), data);

    assert_eq!(ingested.rows, 3);
    assert_eq!(ingested.columns, ["姓名", "年龄", "在职"]);
}

#[test]
fn ndjson_without_a_final_newline_is_accepted() {
    let data = "{\"姓名\":\"张三\"}\n{\"姓名\":\"李四\"}".as_bytes();

    assert_eq!(accepted(MediaKind::Ndjson, &ndjson_items(), data).rows, 2);
}

#[test]
fn ndjson_line_that_is_not_json_is_refused_at_its_line() {
    let data = "{\"姓名\":\"张三\"}\n\n{\"姓名\": 张三}\n".as_bytes();

    assert_eq!(
        malformed_line(refused(MediaKind::Ndjson, &ndjson_items(), data)),
        3
    );
}

#[test]
fn ndjson_line_that_is_an_array_is_refused_at_its_line() {
    let data = "{\"姓名\":\"张三\"}\n[\"张三\",30]\n".as_bytes();

    assert_eq!(
        malformed_line(refused(MediaKind::Ndjson, &ndjson_items(), data)),
        2
    );
}

#[test]
fn ndjson_line_that_is_a_scalar_is_refused_at_its_line() {
    let data = "\"张三\"\n".as_bytes();

    assert_eq!(
        malformed_line(refused(MediaKind::Ndjson, &ndjson_items(), data)),
        1
    );
}

#[test]
fn ndjson_unknown_key_is_refused_at_its_line_naming_it() {
    let data = "{\"姓名\":\"张三\"}\n\n\n{\"姓名\":\"李四\",\"住址\":\"北京\"}\n".as_bytes();

    match refused(MediaKind::Ndjson, &ndjson_items(), data) {
        IngestError::Malformed { line, message } => {
            assert_eq!(line, 4);
            assert!(message.contains("住址"), "{message}");
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn ndjson_value_of_the_wrong_type_is_refused_at_its_line() {
    let cases = [
        "{\"年龄\":30.5}",
        "{\"年龄\":\"三十\"}",
        "{\"年龄\":true}",
        "{\"在职\":\"maybe\"}",
        "{\"在职\":1.5}",
        "{\"姓名\":{\"姓\":\"张\"}}",
        "{\"姓名\":[\"张三\"]}",
        "{\"姓名\":\"欧阳修文长\"}",
    ];
    for bad in cases {
        let data = format!("{{\"姓名\":\"张三\"}}\n{bad}\n{{\"姓名\":\"李四\"}}\n");
        let line = malformed_line(refused(MediaKind::Ndjson, &ndjson_items(), data.as_bytes()));
        assert_eq!(line, 2, "{bad}");
    }
}

#[test]
fn ndjson_invalid_utf8_is_refused_at_its_line() {
    let mut data = "{\"姓名\":\"张三\"}\n".as_bytes().to_vec();
    data.extend_from_slice(b"{\"\xe5\xa7\x93\xe5\x90\x8d\":\"\xff\"}\n");

    assert_eq!(
        malformed_line(refused(MediaKind::Ndjson, &ndjson_items(), &data)),
        2
    );
}

// ---------------------------------------------------------------------------------------------
// Opaque

#[test]
fn opaque_bytes_of_any_content_are_accepted_with_no_rows_or_columns() {
    let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();

    let ingested = accepted(MediaKind::Opaque, &people(), &data);

    assert_eq!(ingested.rows, 0);
    assert!(ingested.columns.is_empty());
}

#[test]
fn opaque_empty_upload_is_accepted() {
    let ingested = accepted(MediaKind::Opaque, &[], b"");

    assert_eq!(ingested.size, 0);
    assert_eq!(ingested.rows, 0);
}

// ---------------------------------------------------------------------------------------------
// Size limit, checksum, failing source

fn too_large_limit(error: IngestError) -> u64 {
    match error {
        IngestError::TooLarge { limit } => limit,
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

fn valid_upload(kind: MediaKind) -> (Vec<Column>, Vec<u8>) {
    match kind {
        MediaKind::Csv => (
            people(),
            "姓名,年龄,出生日期\n张三,30,1996-02-14\n李四,41,1985-07-01\n"
                .as_bytes()
                .to_vec(),
        ),
        MediaKind::Ndjson => (
            ndjson_items(),
            "{\"姓名\":\"张三\",\"年龄\":30}\n{\"姓名\":\"李四\"}\n"
                .as_bytes()
                .to_vec(),
        ),
        MediaKind::Opaque => (Vec::new(), (0..200u8).collect()),
    }
}

const KINDS: [MediaKind; 3] = [MediaKind::Csv, MediaKind::Ndjson, MediaKind::Opaque];

#[test]
fn an_upload_one_byte_over_max_bytes_is_too_large_for_every_kind() {
    for kind in KINDS {
        let (columns, data) = valid_upload(kind);
        let limit = data.len() as u64 - 1;
        let error = refused_from(kind, &columns, data.as_slice(), limit, None);
        assert_eq!(too_large_limit(error), limit, "{kind:?}");
    }
}

#[test]
fn an_upload_of_exactly_max_bytes_is_accepted_for_every_kind() {
    for kind in KINDS {
        let (columns, data) = valid_upload(kind);
        let (_dir, store) = new_store();
        let ingested = ingest(
            &store,
            data.as_slice(),
            kind,
            &columns,
            data.len() as u64,
            None,
        )
        .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(ingested.size, data.len() as u64);
    }
}

#[test]
fn an_upload_far_over_max_bytes_is_too_large_for_every_kind_when_read_in_pieces() {
    for kind in KINDS {
        let (columns, data) = valid_upload(kind);
        for step in [1, 3, 64] {
            let source = Trickle { data: &data, step };
            let error = refused_from(kind, &columns, source, 10, None);
            assert_eq!(too_large_limit(error), 10, "{kind:?} step {step}");
        }
    }
}

#[test]
fn csv_limit_falling_in_the_middle_of_a_quoted_record_is_too_large() {
    let columns = [
        column("名称", DataType::C, 0),
        column("备注", DataType::C, 0),
    ];
    let head = "名称,备注\n甲,乙\n".as_bytes();
    let data = [head, "\"丙,丁\",\"很长的\n多行\n备注\"\n".as_bytes()].concat();
    // The limit cuts the last record inside its quoted, multi-line field.
    let limit = head.len() as u64 + 12;

    for step in [1, 5, data.len()] {
        let source = Trickle { data: &data, step };
        let error = refused_from(MediaKind::Csv, &columns, source, limit, None);
        assert_eq!(too_large_limit(error), limit, "step {step}");
    }
}

#[test]
fn csv_limit_falling_in_the_middle_of_an_unquoted_record_is_too_large() {
    let (columns, data) = valid_upload(MediaKind::Csv);
    // Ends in the middle of "李四,41,…" where the cut-off prefix would be a short row.
    let limit = data.len() as u64 - 8;

    let error = refused_from(MediaKind::Csv, &columns, data.as_slice(), limit, None);

    assert_eq!(too_large_limit(error), limit);
}

#[test]
fn csv_larger_than_the_reader_buffers_is_too_large_when_over_the_limit() {
    let mut data = "姓名,年龄,出生日期\n".as_bytes().to_vec();
    for i in 0..20_000 {
        data.extend_from_slice(format!("张三,{i},1996-02-14\n").as_bytes());
    }
    let limit = data.len() as u64 - 100;

    let error = refused_from(MediaKind::Csv, &people(), data.as_slice(), limit, None);

    assert_eq!(too_large_limit(error), limit);
}

#[test]
fn an_announced_sha256_that_does_not_match_is_a_checksum_refusal() {
    for kind in KINDS {
        let (columns, data) = valid_upload(kind);
        let wrong = sha256_hex(b"something else");
        let error = refused_from(kind, &columns, data.as_slice(), NO_LIMIT, Some(&wrong));
        match error {
            IngestError::Checksum { expected, actual } => {
                assert_eq!(expected, wrong);
                assert_eq!(actual, sha256_hex(&data));
            }
            other => panic!("{kind:?}: expected Checksum, got {other:?}"),
        }
    }
}

#[test]
fn an_announced_sha256_that_matches_is_accepted_in_any_case() {
    let (columns, data) = valid_upload(MediaKind::Csv);
    let (_dir, store) = new_store();
    let announced = sha256_hex(&data).to_uppercase();

    let ingested = ingest(
        &store,
        data.as_slice(),
        MediaKind::Csv,
        &columns,
        NO_LIMIT,
        Some(&announced),
    )
    .unwrap();

    assert_eq!(ingested.sha256, sha256_hex(&data));
    assert!(store.contains(&ingested.sha256));
}

#[test]
fn a_source_failing_midway_is_an_io_refusal_for_every_kind() {
    for kind in KINDS {
        let (columns, data) = valid_upload(kind);
        let source = FailsAfter {
            data: &data[..data.len() / 2],
        };
        match refused_from(kind, &columns, source, NO_LIMIT, None) {
            IngestError::Io(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{kind:?}"),
            other => panic!("{kind:?}: expected Io, got {other:?}"),
        }
    }
}

#[test]
fn a_source_failing_after_all_complete_records_is_an_io_refusal() {
    // The data before the failure is a complete, valid upload; the failure must still count.
    for kind in KINDS {
        let (columns, data) = valid_upload(kind);
        let source = FailsAfter { data: &data };
        match refused_from(kind, &columns, source, NO_LIMIT, None) {
            IngestError::Io(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{kind:?}"),
            other => panic!("{kind:?}: expected Io, got {other:?}"),
        }
    }
}

#[test]
fn every_refusal_leaves_an_existing_store_as_it_was() {
    // A store already holding a blob keeps exactly it after refusals of every kind.
    let (_dir, store) = new_store();
    let (columns, good) = valid_upload(MediaKind::Csv);
    let kept = ingest(
        &store,
        good.as_slice(),
        MediaKind::Csv,
        &columns,
        NO_LIMIT,
        None,
    )
    .unwrap();

    let bad_csv = "姓名,年龄,出生日期\n张三,三十,1996-02-14\n".as_bytes();
    assert!(ingest(&store, bad_csv, MediaKind::Csv, &columns, NO_LIMIT, None).is_err());
    assert!(ingest(&store, good.as_slice(), MediaKind::Csv, &columns, 5, None).is_err());
    let wrong = sha256_hex(b"x");
    let other = b"other bytes".as_slice();
    assert!(
        ingest(
            &store,
            other,
            MediaKind::Opaque,
            &[],
            NO_LIMIT,
            Some(&wrong)
        )
        .is_err()
    );

    let blobs = files_under(&store.root().join("sha256"));
    assert_eq!(blobs, vec![store.path(&kept.sha256)]);
    assert!(fs::read_dir(store.temp_dir()).unwrap().next().is_none());
}
