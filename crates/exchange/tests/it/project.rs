//! Column projection: CSV and NDJSON cut down to the delivered columns, in chunks, with the
//! hash and size of exactly what was emitted; opaque bytes passed through unchanged.

#![allow(clippy::unwrap_used)]

use std::io::{self, Read};

use bytes::Bytes;
use govshare_exchange::{
    BlobStore, Column, DeliverError, Delivered, MediaKind, RecordTooLarge, Recorded, deliver,
    ingest, project, project_bounded,
};
use govshare_model::DataType;
use proptest::prelude::*;
use sha2::{Digest, Sha256};

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn keep(names: &[&str]) -> Vec<String> {
    names.iter().map(|&n| n.to_owned()).collect()
}

/// Projects `data` and returns the emitted chunks with what `project` reported.
fn run(kind: MediaKind, data: &[u8], keep: &[String], chunk: usize) -> (Vec<Bytes>, Delivered) {
    let mut chunks = Vec::new();
    let delivered = project(data, kind, keep, chunk, |b| {
        chunks.push(b);
        Ok(())
    })
    .unwrap();
    (chunks, delivered)
}

fn concat(chunks: &[Bytes]) -> Vec<u8> {
    chunks.iter().flat_map(|c| c.iter().copied()).collect()
}

/// Projects `data` and returns the whole output as text, checking hash and size.
fn output(kind: MediaKind, data: &[u8], keep: &[String]) -> (String, Delivered) {
    let (chunks, delivered) = run(kind, data, keep, 1 << 16);
    let bytes = concat(&chunks);
    assert_eq!(delivered.size, bytes.len() as u64);
    assert_eq!(delivered.sha256, sha256_hex(&bytes));
    (String::from_utf8(bytes).unwrap(), delivered)
}

/// Parses CSV (RFC 4180: quoted fields, doubled quotes, LF or CRLF endings) into records.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                in_quotes = true;
                at_field_start = false;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                at_field_start = true;
            }
            other => {
                assert_ne!(
                    other, '"',
                    "a bare quote inside an unquoted field: {text:?}"
                );
                field.push(other);
                at_field_start = false;
            }
        }
    }
    assert!(!in_quotes, "unterminated quoted field: {text:?}");
    if !at_field_start || !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// Writes one CSV record, every field quoted with inner quotes doubled.
fn write_csv_record(out: &mut String, fields: impl IntoIterator<Item = impl AsRef<str>>) {
    let quoted: Vec<String> = fields
        .into_iter()
        .map(|f| format!("\"{}\"", f.as_ref().replace('"', "\"\"")))
        .collect();
    out.push_str(&quoted.join(","));
    out.push('\n');
}

fn rows(records: &[&[&str]]) -> Vec<Vec<String>> {
    records
        .iter()
        .map(|r| r.iter().map(|&f| f.to_owned()).collect())
        .collect()
}

const FIVE_COLUMNS: &str = "编号,姓名,年龄,住址,备注\n\
1,张三,30,北京,无\n\
2,李四,41,上海,有\n\
3,欧阳修文,57,吉安,\n";

// ---------------------------------------------------------------------------------------------
// CSV

#[test]
fn csv_keeps_two_of_five_columns_with_a_header_and_counts_rows() {
    let (text, delivered) = output(
        MediaKind::Csv,
        FIVE_COLUMNS.as_bytes(),
        &keep(&["姓名", "住址"]),
    );

    assert_eq!(
        parse_csv(&text),
        rows(&[
            &["姓名", "住址"],
            &["张三", "北京"],
            &["李四", "上海"],
            &["欧阳修文", "吉安"],
        ])
    );
    assert_eq!(delivered.rows, 3);
}

#[test]
fn csv_columns_come_out_in_the_requested_order_not_the_datas() {
    let (text, delivered) = output(
        MediaKind::Csv,
        FIVE_COLUMNS.as_bytes(),
        &keep(&["备注", "编号"]),
    );

    assert_eq!(
        parse_csv(&text),
        rows(&[&["备注", "编号"], &["无", "1"], &["有", "2"], &["", "3"],])
    );
    assert_eq!(delivered.rows, 3);
}

#[test]
fn csv_with_only_a_header_emits_the_header_and_no_rows() {
    let (text, delivered) = output(
        MediaKind::Csv,
        "编号,姓名,年龄\n".as_bytes(),
        &keep(&["年龄"]),
    );

    assert_eq!(parse_csv(&text), rows(&[&["年龄"]]));
    assert_eq!(delivered.rows, 0);
}

#[test]
fn csv_fields_with_commas_quotes_and_newlines_stay_quoted() {
    let data = "编号,名称,备注\n\
1,\"甲,乙\",\"他说\"\"好\"\"\"\n\
2,\"第一行\n第二行\",\"a\r\nb\"\n";

    let (text, delivered) = output(MediaKind::Csv, data.as_bytes(), &keep(&["备注", "名称"]));

    assert_eq!(
        parse_csv(&text),
        rows(&[
            &["备注", "名称"],
            &["他说\"好\"", "甲,乙"],
            &["a\r\nb", "第一行\n第二行"],
        ])
    );
    assert!(text.contains("\"甲,乙\""), "{text}");
    assert!(text.contains("\"他说\"\"好\"\"\""), "{text}");
    assert!(text.contains("\"第一行\n第二行\""), "{text}");
    assert_eq!(delivered.rows, 2);
}

#[test]
fn csv_reads_crlf_input() {
    let data = "编号,姓名\r\n1,张三\r\n2,李四\r\n";

    let (text, delivered) = output(MediaKind::Csv, data.as_bytes(), &keep(&["姓名"]));

    assert_eq!(parse_csv(&text), rows(&[&["姓名"], &["张三"], &["李四"]]));
    assert_eq!(delivered.rows, 2);
}

#[test]
fn csv_kept_column_missing_from_the_data_is_an_error_and_nothing_is_emitted() {
    let mut chunks = 0;
    let result = project(
        FIVE_COLUMNS.as_bytes(),
        MediaKind::Csv,
        &keep(&["姓名", "电话"]),
        7,
        |_| {
            chunks += 1;
            Ok(())
        },
    );

    let error = result.unwrap_err();
    assert!(error.to_string().contains("电话"), "{error}");
    assert_eq!(chunks, 0);
}

// ---------------------------------------------------------------------------------------------
// NDJSON

#[test]
fn ndjson_keeps_two_keys_of_every_object() {
    let data = concat!(
        "{\"编号\":1,\"姓名\":\"张三\",\"年龄\":30,\"住址\":\"北京\"}\n",
        "\n",
        "{\"住址\":\"上海\",\"年龄\":null,\"编号\":2}\r\n",
        "{\"姓名\":\"欧阳修文\",\"编号\":3,\"备注\":\"a,\\\"b\\\"\\n\"}",
    );

    let (text, delivered) = output(MediaKind::Ndjson, data.as_bytes(), &keep(&["姓名", "编号"]));

    let objects: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        objects,
        [
            serde_json::json!({"编号": 1, "姓名": "张三"}),
            serde_json::json!({"编号": 2}),
            serde_json::json!({"编号": 3, "姓名": "欧阳修文"}),
        ]
    );
    assert!(text.ends_with('\n'));
    assert_eq!(text.lines().count(), 3);
    assert_eq!(delivered.rows, 3);
}

// ---------------------------------------------------------------------------------------------
// Chunks, hash and size

/// A CSV big enough for many chunks.
fn many_rows() -> String {
    let mut data = String::from("编号,姓名,备注\n");
    for i in 0..500 {
        data.push_str(&format!("{i},张{i},\"第{i}行,有逗号\"\n"));
    }
    data
}

fn many_ndjson() -> String {
    (0..500)
        .map(|i| format!("{{\"编号\":{i},\"姓名\":\"张{i}\",\"备注\":\"x\"}}\n"))
        .collect()
}

#[test]
fn every_chunk_but_the_last_is_at_least_the_chunk_size_and_together_they_are_the_output() {
    let small = many_rows();
    let ndjson = many_ndjson();
    let opaque: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let cases: [(MediaKind, &[u8]); 4] = [
        (MediaKind::Csv, FIVE_COLUMNS.as_bytes()),
        (MediaKind::Csv, small.as_bytes()),
        (MediaKind::Ndjson, ndjson.as_bytes()),
        (MediaKind::Opaque, &opaque),
    ];
    for (kind, data) in cases {
        let kept = keep(&["姓名", "编号"]);
        let (whole, _) = run(kind, data, &kept, 1 << 20);
        assert_eq!(
            whole.len(),
            1,
            "{kind:?}: one chunk when the chunk size is large"
        );
        let whole = concat(&whole);

        let (chunks, delivered) = run(kind, data, &kept, 7);

        assert!(!chunks.is_empty());
        for (i, c) in chunks.iter().enumerate().take(chunks.len() - 1) {
            assert!(c.len() >= 7, "{kind:?}: chunk {i} has {} bytes", c.len());
        }
        assert!(
            !chunks.last().unwrap().is_empty(),
            "{kind:?}: no empty chunk"
        );
        assert_eq!(concat(&chunks), whole, "{kind:?}");
        assert_eq!(delivered.size, whole.len() as u64, "{kind:?}");
    }
}

#[test]
fn opaque_chunks_are_exactly_the_chunk_size_except_the_last() {
    let data: Vec<u8> = (0..100u8).collect();

    let (chunks, _) = run(MediaKind::Opaque, &data, &[], 7);

    let sizes: Vec<usize> = chunks.iter().map(Bytes::len).collect();
    assert_eq!(sizes.len(), 15);
    assert!(sizes[..14].iter().all(|&s| s == 7), "{sizes:?}");
    assert_eq!(sizes[14], 2);
}

#[test]
fn sha256_and_size_are_those_of_the_concatenated_output() {
    let data = many_rows();
    for chunk in [1, 7, 100, 1 << 20] {
        let (chunks, delivered) = run(MediaKind::Csv, data.as_bytes(), &keep(&["备注"]), chunk);
        let emitted = concat(&chunks);
        assert_eq!(delivered.sha256, sha256_hex(&emitted), "chunk {chunk}");
        assert_eq!(delivered.size, emitted.len() as u64, "chunk {chunk}");
        assert_eq!(delivered.rows, 500);
    }
    let ndjson = many_ndjson();
    let (chunks, delivered) = run(MediaKind::Ndjson, ndjson.as_bytes(), &keep(&["姓名"]), 7);
    let emitted = concat(&chunks);
    assert_eq!(delivered.sha256, sha256_hex(&emitted));
    assert_eq!(delivered.size, emitted.len() as u64);
}

#[test]
fn a_chunk_size_of_zero_still_emits_everything() {
    let (chunks, delivered) = run(MediaKind::Csv, FIVE_COLUMNS.as_bytes(), &keep(&["姓名"]), 0);

    let emitted = concat(&chunks);
    assert_eq!(delivered.size, emitted.len() as u64);
    assert_eq!(parse_csv(std::str::from_utf8(&emitted).unwrap()).len(), 4);
}

// ---------------------------------------------------------------------------------------------
// Opaque

#[test]
fn opaque_bytes_are_emitted_unchanged_with_an_empty_sha256_and_their_size() {
    let data: Vec<u8> = (0..=255u8).cycle().take(12_345).collect();

    let (chunks, delivered) = run(MediaKind::Opaque, &data, &keep(&["姓名"]), 1000);

    assert_eq!(concat(&chunks), data);
    assert_eq!(delivered.sha256, "");
    assert_eq!(delivered.size, data.len() as u64);
    assert_eq!(delivered.rows, 0);
}

#[test]
fn opaque_empty_source_emits_nothing() {
    let (chunks, delivered) = run(MediaKind::Opaque, b"", &[], 7);

    assert!(chunks.is_empty());
    assert_eq!(delivered.size, 0);
}

/// A source that yields a few bytes per read.
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

#[test]
fn opaque_bytes_read_in_small_pieces_are_gathered_into_full_chunks() {
    let data: Vec<u8> = (0..50u8).collect();
    let mut chunks = Vec::new();

    let delivered = project(
        Trickle {
            data: &data,
            step: 3,
        },
        MediaKind::Opaque,
        &[],
        7,
        |b| {
            chunks.push(b);
            Ok(())
        },
    )
    .unwrap();

    assert_eq!(concat(&chunks), data);
    assert!(chunks[..chunks.len() - 1].iter().all(|c| c.len() == 7));
    assert_eq!(delivered.size, 50);
}

// ---------------------------------------------------------------------------------------------
// emit failing

/// Projects with an `emit` that fails with BrokenPipe on its `fail_at`-th call (1-based);
/// returns the result and how many times `emit` was called.
fn failing_emit(
    kind: MediaKind,
    data: &[u8],
    chunk: usize,
    fail_at: usize,
) -> (io::Result<Delivered>, usize) {
    let mut calls = 0;
    let result = project(data, kind, &keep(&["姓名", "编号"]), chunk, |_| {
        calls += 1;
        if calls >= fail_at {
            Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "receiver went away",
            ))
        } else {
            Ok(())
        }
    });
    (result, calls)
}

#[test]
fn an_emit_error_stops_projection_with_that_error() {
    let rows = many_rows();
    let ndjson = many_ndjson();
    let opaque: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    // The small CSV goes out in one write (the csv writer buffers it): its only emit fails.
    let cases: [(MediaKind, &[u8], &[usize]); 3] = [
        (MediaKind::Csv, rows.as_bytes(), &[1]),
        (MediaKind::Ndjson, ndjson.as_bytes(), &[1, 2, 50]),
        (MediaKind::Opaque, &opaque, &[1, 2, 50]),
    ];
    for (kind, data, fail_ats) in cases {
        for &fail_at in fail_ats {
            let (result, _) = failing_emit(kind, data, 7, fail_at);
            let error = result.unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::BrokenPipe, "{kind:?}: {error}");
            assert!(error.to_string().contains("receiver went away"), "{kind:?}");
        }
    }
}

#[test]
fn emit_is_not_called_again_after_it_failed() {
    let ndjson = many_ndjson();
    let opaque: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let cases: [(MediaKind, &[u8]); 2] = [
        (MediaKind::Ndjson, ndjson.as_bytes()),
        (MediaKind::Opaque, &opaque),
    ];
    for (kind, data) in cases {
        let (result, calls) = failing_emit(kind, data, 7, 2);
        assert!(result.is_err());
        assert_eq!(calls, 2, "{kind:?}");
    }
}

#[test]
fn csv_emit_is_not_called_again_after_it_failed() {
    let rows = many_rows();

    let (result, calls) = failing_emit(MediaKind::Csv, rows.as_bytes(), 7, 1);

    assert!(result.is_err());
    assert_eq!(calls, 1, "emit was called again after it returned an error");
}

/// A CSV larger than the projection's 64 KiB writer buffer, so that emit runs while records
/// are still being written.
fn large_csv() -> String {
    let mut data = String::from("编号,姓名,备注\n");
    for i in 0..10_000 {
        data.push_str(&format!("{i},张{i},第{i}行的备注文字\n"));
    }
    assert!(data.len() > 1 << 17);
    data
}

#[test]
fn a_large_csv_emit_error_stops_projection_with_that_error() {
    let data = large_csv();

    let (result, _) = failing_emit(MediaKind::Csv, data.as_bytes(), 7, 1);

    let error = result.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::BrokenPipe, "{error}");
}

#[test]
fn a_large_csv_emit_error_stops_projection() {
    let data = large_csv();

    let (result, calls) = failing_emit(MediaKind::Csv, data.as_bytes(), 7, 1);

    let error = result.unwrap_err();
    assert!(error.to_string().contains("receiver went away"), "{error}");
    // One more call than the failing one is the known csv::Writer drop bug (see
    // csv_emit_is_not_called_again_after_it_failed); the rest of the data must not go out.
    assert!(
        calls <= 2,
        "projection went on after the error: {calls} calls"
    );
}

// ---------------------------------------------------------------------------------------------
// Property: ingest accepts what a CSV writer writes, and projection keeps exactly the cells

/// Cell text: commas, quotes, newlines, carriage returns, spaces, Chinese and ASCII.
fn cell() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(','),
            Just('"'),
            Just('\n'),
            Just('\r'),
            Just(' '),
            Just('张'),
            Just('欧'),
            Just('阳'),
            Just('，'),
            proptest::char::range('a', 'z'),
            proptest::char::range('0', '9'),
        ],
        0..8,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// A table: column count 1–6, 0–8 rows; then a non-empty subset of its columns in random order.
fn table_and_subset() -> impl Strategy<Value = (usize, Vec<Vec<String>>, Vec<usize>)> {
    (1usize..=6)
        .prop_flat_map(|width| {
            (
                proptest::collection::vec(proptest::collection::vec(cell(), width), 0..8),
                Just((0..width).collect::<Vec<usize>>()).prop_shuffle(),
                1..=width,
            )
        })
        .prop_map(|(table, order, count)| (order.len(), table, order[..count].to_vec()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn ingest_accepts_written_csv_and_projection_keeps_exactly_the_chosen_cells(
        (width, table, subset) in table_and_subset()
    ) {
        let names: Vec<String> = (0..width).map(|i| format!("列{i}")).collect();
        let columns: Vec<Column> = names
            .iter()
            .map(|n| Column { name: n.clone(), data_type: DataType::C, length: 0 })
            .collect();
        let mut csv = String::new();
        write_csv_record(&mut csv, &names);
        for row in &table {
            write_csv_record(&mut csv, row);
        }

        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let ingested = ingest(&store, csv.as_bytes(), MediaKind::Csv, &columns, u64::MAX, None);
        let ingested = match ingested {
            Ok(i) => i,
            Err(e) => return Err(TestCaseError::fail(format!("refused: {e}\n{csv:?}"))),
        };
        prop_assert_eq!(ingested.rows, table.len() as u64);
        prop_assert_eq!(&ingested.columns, &names);
        prop_assert_eq!(&ingested.sha256, &sha256_hex(csv.as_bytes()));

        let kept: Vec<String> = subset.iter().map(|&i| names[i].clone()).collect();
        let mut emitted = Vec::new();
        let delivered = project(
            store.open_blob(&ingested.sha256).unwrap(),
            MediaKind::Csv,
            &kept,
            7,
            |b| { emitted.extend_from_slice(&b); Ok(()) },
        ).unwrap();
        prop_assert_eq!(delivered.rows, table.len() as u64);
        prop_assert_eq!(delivered.size, emitted.len() as u64);
        prop_assert_eq!(&delivered.sha256, &sha256_hex(&emitted));

        let mut expected = vec![kept.clone()];
        for row in &table {
            expected.push(subset.iter().map(|&i| row[i].clone()).collect());
        }
        let parsed = parse_csv(std::str::from_utf8(&emitted).unwrap());
        prop_assert_eq!(parsed, expected);
    }
}

#[test]
fn the_test_csv_parser_reads_what_the_test_csv_writer_writes() {
    let fields = ["", "a,b", "他说\"好\"", "x\ny", "a\r\nb", " 空格 "];
    let mut text = String::new();
    write_csv_record(&mut text, fields);
    write_csv_record(&mut text, [""]);

    assert_eq!(
        parse_csv(&text),
        vec![
            fields.iter().map(|&f| f.to_owned()).collect::<Vec<_>>(),
            vec![String::new()],
        ]
    );
}

// --- deliveries of stored blobs ---------------------------------------------------------------

/// `rows` records of three columns, each line the same length.
fn numbered_csv(rows: usize) -> Vec<u8> {
    let mut csv = String::from("姓名,编号,备注\n");
    for i in 0..rows {
        csv.push_str(&format!("人员{i:05},{i:08},无\n"));
    }
    csv.into_bytes()
}

/// Delivers `stored` as if recorded as `original`, in chunks of 4 KiB: the chunks emitted and
/// the outcome.
fn delivered(
    kind: MediaKind,
    original: &[u8],
    stored: &[u8],
) -> (Vec<Bytes>, Result<Delivered, DeliverError>) {
    let sha256 = sha256_hex(original);
    let recorded = Recorded {
        sha256: &sha256,
        size: original.len() as u64,
    };
    let mut chunks = Vec::new();
    let outcome = deliver(
        stored,
        kind,
        &keep(&["姓名", "编号"]),
        4096,
        1024 * 1024,
        recorded,
        |b| {
            chunks.push(b);
            Ok(())
        },
    );
    (chunks, outcome)
}

#[test]
fn an_intact_blob_is_delivered_whole_with_its_last_chunk() {
    let data = numbered_csv(1000);
    let (chunks, outcome) = delivered(MediaKind::Csv, &data, &data);
    let outcome = outcome.unwrap();
    let (expected, _) = run(MediaKind::Csv, &data, &keep(&["姓名", "编号"]), 4096);
    assert_eq!(concat(&chunks), concat(&expected));
    assert_eq!(outcome.rows, 1000);
    assert_eq!(outcome.size, concat(&chunks).len() as u64);
}

#[test]
fn changed_bytes_are_damage_found_before_the_last_chunk_is_emitted() {
    let data = numbered_csv(1000);
    let mut stored = data.clone();
    let at = stored.len() - 20;
    stored[at..at + 3].copy_from_slice(b"999");
    let (chunks, outcome) = delivered(MediaKind::Csv, &data, &stored);
    match outcome {
        Err(DeliverError::Damaged { read, longer }) => {
            assert_eq!(read, data.len() as u64);
            assert!(!longer);
        }
        other => panic!("{other:?}"),
    }
    let (whole, _) = run(MediaKind::Csv, &stored, &keep(&["姓名", "编号"]), 4096);
    assert_eq!(chunks.len(), whole.len() - 1, "the last chunk was withheld");
}

#[test]
fn a_truncated_or_extended_blob_is_damage_for_every_kind() {
    let data = numbered_csv(1000);
    let half = &data[..data.len() / 2];
    let mut longer = data.clone();
    longer.extend_from_slice("人员99999,99999999,无\n".as_bytes());
    for kind in [MediaKind::Csv, MediaKind::Opaque] {
        let (_, outcome) = delivered(kind, &data, half);
        assert!(
            matches!(outcome, Err(DeliverError::Damaged { read, longer: false }) if read == half.len() as u64),
            "{kind:?} {outcome:?}"
        );
        let (_, outcome) = delivered(kind, &data, &longer);
        assert!(
            matches!(outcome, Err(DeliverError::Damaged { longer: true, .. })),
            "{kind:?} {outcome:?}"
        );
    }
}

#[test]
fn data_mangled_beyond_parsing_is_reported_as_damage_not_as_a_parse_error() {
    let data =
        b"{\"\xe5\xa7\x93\xe5\x90\x8d\":\"a\"}\n{\"\xe5\xa7\x93\xe5\x90\x8d\":\"b\"}\n".to_vec();
    let mut stored = data.clone();
    stored[1] = b'{';
    let (chunks, outcome) = delivered(MediaKind::Ndjson, &data, &stored);
    assert!(
        matches!(outcome, Err(DeliverError::Damaged { .. })),
        "{outcome:?}"
    );
    assert!(chunks.is_empty());
}

#[test]
fn a_record_over_the_bound_is_refused_in_projection_having_read_only_the_bound() {
    struct Counting<R>(R, u64);
    impl<R: Read> Read for Counting<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1 += n as u64;
            Ok(n)
        }
    }
    let bound = 256 * 1024;
    for (kind, prefix) in [
        (MediaKind::Csv, &b"a,b\n1,"[..]),
        (MediaKind::Ndjson, &b"{\"a\":\""[..]),
    ] {
        let mut source = Counting(io::Cursor::new(prefix).chain(io::repeat(b'x')), 0);
        let error =
            project_bounded(&mut source, kind, &keep(&["a"]), 4096, bound, |_| Ok(())).unwrap_err();
        assert_eq!(
            RecordTooLarge::of(&error),
            Some(RecordTooLarge { limit: bound }),
            "{kind:?} {error}"
        );
        assert!(source.1 <= 2 * bound, "{kind:?}: {} bytes read", source.1);
    }
}
