//! Tampering is found, at the right record: an edited payload or hash, a frame deleted or
//! moved, a segment deleted, cut short or renamed. Rewriting the whole chain after an edit is
//! not (there is no secret): only the head hash kept elsewhere shows it.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;

use govshare_audit::{AccessRecord, AuditError, GENESIS, Verification, chain_hash, verify_dir};

use crate::common::{edit, fill, frame, frames, open, segments};

/// A closed log of 200 records in segments of about 12 records.
fn log() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), 3500);
    fill(&log, 0, 200);
    log.close();
    let v = verify_dir(dir.path(), None, None).unwrap();
    assert!(v.ok && v.records_checked == 200, "{v:?}");
    dir
}

/// Verifies all of `dir`: when it fails, every record before the bad one was checked.
fn verify(dir: &Path) -> Verification {
    let v = verify_dir(dir, None, None).unwrap();
    if let Some(bad) = v.first_bad_seq {
        assert_eq!(v.records_checked, bad - 1, "{v:?}");
    }
    v
}

/// Asserts that verification fails first at `seq` with a problem containing `words`.
fn assert_bad(v: &Verification, seq: u64, words: &str) {
    assert!(!v.ok, "{v:?}");
    assert_eq!(v.first_bad_seq, Some(seq), "{v:?}");
    let problem = v.problem.as_deref().unwrap();
    assert!(problem.contains(words), "{problem:?} lacks {words:?}");
    assert_eq!(v.head_seq, seq - 1, "{v:?}");
}

/// A record that is neither first nor last in its segment.
fn middle(dir: &Path) -> u64 {
    let all = frames(dir);
    let i = (40..all.len() - 1)
        .find(|&i| all[i - 1].path == all[i].path && all[i + 1].path == all[i].path)
        .unwrap();
    all[i].seq
}

#[test]
fn an_edited_payload_byte() {
    let dir = log();
    let seq = middle(dir.path());
    let f = frame(dir.path(), seq);
    // The last byte of the payload is the last character of `detail`.
    edit(&f.path, |b| b[f.payload_range().end - 1] = b'X');
    assert_bad(
        &verify(dir.path()),
        seq,
        &format!("record {seq}: hash does not match"),
    );
}

#[test]
fn an_edited_stored_hash() {
    let dir = log();
    let seq = middle(dir.path());
    let f = frame(dir.path(), seq);
    edit(&f.path, |b| b[f.hash_range().start + 7] ^= 0x80);
    assert_bad(&verify(dir.path()), seq, "hash does not match");
}

#[test]
fn an_undecodable_record() {
    let dir = log();
    let f = frame(dir.path(), 77);
    edit(&f.path, |b| b[f.payload_range().start] = 9);
    assert_bad(
        &verify(dir.path()),
        77,
        "record 77 cannot be decoded: unknown format version 9",
    );
    let dir = log();
    let f = frame(dir.path(), 78);
    // The department code's first byte becomes an invalid UTF-8 byte.
    let at = f.payload_range().start + 37 + 2 + 26 + 2;
    edit(&f.path, |b| b[at] = 0xff);
    assert_bad(&verify(dir.path()), 78, "record 78 cannot be decoded");
}

#[test]
fn a_deleted_frame() {
    let dir = log();
    let seq = middle(dir.path());
    let f = frame(dir.path(), seq);
    edit(&f.path, |b| {
        b.drain(f.start..f.end());
    });
    let v = verify(dir.path());
    assert_bad(
        &v,
        seq,
        &format!("record {seq} is missing: the next record is {}", seq + 1),
    );
}

#[test]
fn two_swapped_frames() {
    let dir = log();
    let seq = middle(dir.path());
    let (a, b) = (frame(dir.path(), seq), frame(dir.path(), seq + 1));
    assert_eq!(a.path, b.path);
    edit(&a.path, |bytes| {
        let first = bytes[a.start..a.end()].to_vec();
        let second = bytes[b.start..b.end()].to_vec();
        bytes.splice(a.start..b.end(), second.into_iter().chain(first));
    });
    assert_bad(
        &verify(dir.path()),
        seq,
        &format!("record {seq} is out of order"),
    );
}

#[test]
fn a_deleted_middle_segment() {
    let dir = log();
    let segs = segments(dir.path());
    let gone = &segs[segs.len() / 2];
    let first_gone = frames(dir.path())
        .iter()
        .find(|f| &f.path == gone)
        .unwrap()
        .seq;
    let next = frames(dir.path())
        .iter()
        .find(|f| f.path == segs[segs.len() / 2 + 1])
        .unwrap()
        .seq;
    fs::remove_file(gone).unwrap();
    let v = verify(dir.path());
    assert_bad(
        &v,
        first_gone,
        &format!("record {first_gone} is missing: the next record is {next}"),
    );
}

#[test]
fn a_middle_segment_cut_short() {
    // Inside a frame.
    let dir = log();
    let seg = segments(dir.path())[5].clone();
    let in_seg: Vec<_> = frames(dir.path())
        .into_iter()
        .filter(|f| f.path == seg)
        .collect();
    let cut = &in_seg[in_seg.len() - 2];
    edit(&seg, |b| b.truncate(cut.start + 10));
    assert_bad(&verify(dir.path()), cut.seq, "is cut short");
    // At a frame boundary.
    let dir = log();
    let seg = segments(dir.path())[5].clone();
    let in_seg: Vec<_> = frames(dir.path())
        .into_iter()
        .filter(|f| f.path == seg)
        .collect();
    let cut = &in_seg[in_seg.len() - 3];
    edit(&seg, |b| b.truncate(cut.start));
    assert_bad(
        &verify(dir.path()),
        cut.seq,
        &format!("record {} is missing", cut.seq),
    );
}

#[test]
fn a_renamed_segment() {
    let dir = log();
    let seg = segments(dir.path())[3].clone();
    let first = frames(dir.path())
        .iter()
        .find(|f| f.path == seg)
        .unwrap()
        .seq;
    fs::rename(&seg, dir.path().join(format!("{:020}.seg", first + 1))).unwrap();
    assert_bad(&verify(dir.path()), first, "is named for record");
}

#[test]
fn a_damaged_log_still_opens_and_queries_report_it() {
    let dir = log();
    let f = frame(dir.path(), 50);
    edit(&f.path, |b| b[f.payload_range().start] = 9);
    let log = open(dir.path(), 3500);
    let v = log.verify(None, None).unwrap();
    assert_eq!(v.first_bad_seq, Some(50));
    let q = govshare_audit::Query {
        limit: 1000,
        ..Default::default()
    };
    assert!(matches!(log.query(&q), Err(AuditError::Corrupt { .. })));
    let newer = log
        .query(&govshare_audit::Query {
            limit: 150,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(newer.records.len(), 150);
}

#[test]
fn ranges_check_from_the_stored_predecessor() {
    let dir = log();
    let v = verify_dir(dir.path(), Some(120), Some(150)).unwrap();
    assert!(
        v.ok && v.records_checked == 31 && v.head_seq == 150,
        "{v:?}"
    );
    let v = verify_dir(dir.path(), Some(200), None).unwrap();
    assert!(v.ok && v.records_checked == 1 && v.head_seq == 200, "{v:?}");
    let v = verify_dir(dir.path(), Some(201), None).unwrap();
    assert!(v.ok && v.records_checked == 0 && v.head_seq == 200, "{v:?}");
    assert!(matches!(
        verify_dir(dir.path(), Some(202), None),
        Err(AuditError::Range(_))
    ));
    assert!(matches!(
        verify_dir(dir.path(), Some(5), Some(4)),
        Err(AuditError::Range(_))
    ));

    let f = frame(dir.path(), 100);
    edit(&f.path, |b| b[f.payload_range().end - 1] = b'X');
    let v = verify_dir(dir.path(), Some(60), None).unwrap();
    assert_bad(&v, 100, "hash");
    assert_eq!(v.records_checked, 40);
    // Before the damage, or after it (the stored hash of 100 is taken as given).
    assert!(verify_dir(dir.path(), None, Some(99)).unwrap().ok);
    assert!(verify_dir(dir.path(), Some(101), None).unwrap().ok);
}

#[test]
fn rewriting_the_whole_chain_is_only_caught_by_the_anchored_head() {
    let dir = log();
    let anchored = verify(dir.path()).head_hash;
    // Change record 10 and recompute every later hash: verification cannot tell.
    let mut prev = GENESIS;
    for f in frames(dir.path()) {
        edit(&f.path, |b| {
            if f.seq == 10 {
                let mut r = AccessRecord::decode(&b[f.payload_range()]).unwrap();
                r.detail = "rows=0 columns=12 projection=name,code".into();
                let bytes = r.canonical_bytes();
                assert_eq!(bytes.len(), f.payload_len);
                b[f.payload_range()].copy_from_slice(&bytes);
            }
            prev = chain_hash(&prev, &b[f.payload_range()]);
            b[f.hash_range()].copy_from_slice(&prev);
        });
    }
    let v = verify(dir.path());
    assert!(v.ok, "{v:?}");
    assert_ne!(v.head_hash, anchored);
}

#[test]
fn large_segments_are_checked_in_parallel_chunks() {
    // One segment of 30,000 records: several chunks per thread, read in several pieces.
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), 64 << 20);
    fill(&log, 0, 30_000);
    log.close();
    assert_eq!(segments(dir.path()).len(), 1);
    let v = verify(dir.path());
    assert!(v.ok && v.records_checked == 30_000, "{v:?}");
    let all = frames(dir.path());
    let seg = all[0].path.clone();
    let pristine = fs::read(&seg).unwrap();
    let damage = |b: &mut Vec<u8>, seq: u64| b[all[seq as usize - 1].payload_range().end - 1] ^= 1;

    for bad in [
        [25_000, 0],
        [20_000, 25_000],
        [9_000, 29_000],
        [1, 30_000],
        [30_000, 0],
    ] {
        edit(&seg, |b| {
            b.copy_from_slice(&pristine);
            for seq in bad.into_iter().filter(|&s| s > 0) {
                damage(b, seq);
            }
        });
        assert_bad(&verify(dir.path()), bad[0], "hash does not match");
    }

    // An impossible length deep in the segment, and a torn tail after the last frame.
    let f = &all[14_999];
    edit(&seg, |b| {
        b.copy_from_slice(&pristine);
        b[f.start..f.start + 4].copy_from_slice(&[0xff; 4]);
    });
    assert_bad(&verify(dir.path()), 15_000, "impossible frame length");
    edit(&seg, |b| {
        b.copy_from_slice(&pristine);
        b.extend_from_slice(&pristine[..100]);
    });
    let v = verify(dir.path());
    assert!(
        v.ok && v.torn_tail_bytes == 100 && v.records_checked == 30_000,
        "{v:?}"
    );
}

#[test]
fn an_empty_last_segment_named_for_a_stored_record() {
    let dir = log();
    let last = segments(dir.path()).pop().unwrap();
    let first_of_last = frames(dir.path())
        .iter()
        .find(|f| f.path == last)
        .unwrap()
        .seq;
    assert!(first_of_last + 2 < 200);
    // What a crash right after starting a segment leaves (nothing, or zeros), but named for
    // a stored record.
    let named = first_of_last + 1;
    let empty = dir.path().join(format!("{named:020}.seg"));
    fs::write(&empty, [0; 40]).unwrap();
    assert_bad(&verify(dir.path()), 201, "is named for record");
    fs::write(&empty, []).unwrap();
    assert_bad(&verify(dir.path()), 201, "is named for record");
    // A range starting past the name finds its predecessor in the segment that holds it.
    let v = verify_dir(dir.path(), Some(named + 1), None).unwrap();
    assert_bad(&v, 201, "is named for record");
    assert_eq!(v.records_checked, 200 - named);

    // Named for the next record, it is what a crash leaves: not a problem.
    fs::rename(&empty, dir.path().join(format!("{:020}.seg", 201))).unwrap();
    assert!(verify(dir.path()).ok);
    let v = verify_dir(dir.path(), Some(named + 1), None).unwrap();
    assert!(v.ok && v.records_checked == 200 - named, "{v:?}");
    assert!(matches!(
        verify_dir(dir.path(), Some(202), None),
        Err(AuditError::Range(_))
    ));
}
