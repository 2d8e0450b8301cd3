//! [`PgAccessLog::verify`]: the chain recomputed from the rows, in seq order, in one snapshot.
//! Each row must be the next seq (a deleted row is a gap), hold the canonical bytes of a
//! record with its own seq (rows swapped or renumbered are caught there), link to its
//! predecessor by its hash (a changed record), and repeat the record's fields in its filter
//! columns; and the chain must end where the head row says, with its hash (records cut off
//! the end are caught there, which the file log cannot do).

use deadpool_postgres::Transaction;
use tokio_postgres::IsolationLevel;

use crate::error::AuditError;
use crate::postgres::PgAccessLog;
use crate::postgres::connect::db;
use crate::postgres::rows::{Columns, hash_of, seq_column};
use crate::record::{AccessRecord, GENESIS, chain_hash};
use crate::verify::Verification;

const ACTION: &str = "verifying the access log";

/// Rows fetched per statement: bounds the memory of a verification.
const CHUNK: i64 = 4096;

const HEAD: &str =
    "SELECT seq, hash, (SELECT max(seq) FROM access_log_records) FROM access_log_head";
const ONE: &str = "SELECT hash FROM access_log_records WHERE seq = $1";
const ROWS: &str = "SELECT seq, hash, canonical, time_micros, department_code, method,
        method_name, target, owner_code, outcome
    FROM access_log_records WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3";

impl PgAccessLog {
    /// Verifies the records from `from_seq` (default 1; its predecessor's stored hash is taken
    /// as given) to `to_seq` (inclusive, default the head), as [`AccessLog::verify`] does.
    /// The first bad seq and the problem are reported in the [`Verification`]; an error means
    /// the check could not be made.
    ///
    /// [`AccessLog::verify`]: crate::AccessLog::verify
    pub async fn verify(
        &self,
        from_seq: Option<u64>,
        to_seq: Option<u64>,
    ) -> Result<Verification, AuditError> {
        let from = from_seq.unwrap_or(1).max(1);
        let to = to_seq.unwrap_or(u64::MAX);
        if from > to {
            return Err(AuditError::Range(format!("from {from} is after to {to}")));
        }
        let mut client = self.pool().get().await.map_err(db(ACTION))?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(db(ACTION))?;
        let result = walk(&tx, from, to).await;
        // Read-only: ending it either way is the same, but it must end before the connection
        // goes back to the pool.
        tx.rollback().await.map_err(db(ACTION))?;
        result
    }
}

/// The walk along the chain.
struct Walk {
    v: Verification,
    /// The seq the next row must have.
    expected: u64,
}

impl Walk {
    fn fail(&mut self, seq: u64, problem: String) -> Verification {
        self.v.ok = false;
        self.v.first_bad_seq = Some(seq);
        self.v.problem = Some(problem);
        self.v.clone()
    }
}

async fn walk(tx: &Transaction<'_>, from: u64, to: u64) -> Result<Verification, AuditError> {
    let head = tx.query_one(HEAD, &[]).await.map_err(db(ACTION))?;
    let head_seq: i64 = head.try_get(0).map_err(db(ACTION))?;
    let head_hash: Vec<u8> = head.try_get(1).map_err(db(ACTION))?;
    let last_row: Option<i64> = head.try_get(2).map_err(db(ACTION))?;
    let head_seq = u64::try_from(head_seq).unwrap_or(0);
    let end = last_row
        .and_then(|s| u64::try_from(s).ok())
        .unwrap_or(0)
        .max(head_seq);
    let mut walk = Walk {
        v: Verification {
            ok: true,
            records_checked: 0,
            head_seq: 0,
            head_hash: GENESIS,
            first_bad_seq: None,
            problem: None,
            torn_tail_bytes: 0,
        },
        expected: from,
    };
    if end == 0 && from > 1 {
        return Err(AuditError::Range(format!(
            "the log is empty: there is no record {from}"
        )));
    }
    if from > 1 {
        let p = from - 1;
        if p > end {
            return Err(AuditError::Range(format!(
                "the log ends before record {from}"
            )));
        }
        let one = tx.prepare_cached(ONE).await.map_err(db(ACTION))?;
        let row = tx
            .query_opt(&one, &[&seq_column(p).unwrap_or(i64::MAX)])
            .await
            .map_err(db(ACTION))?;
        let Some(row) = row else {
            return Ok(walk.fail(
                p,
                format!("record {p}, the one before the first to check, is missing"),
            ));
        };
        let hash: Vec<u8> = row.try_get(0).map_err(db(ACTION))?;
        match hash_of(&hash) {
            Ok(hash) => {
                walk.v.head_seq = p;
                walk.v.head_hash = hash;
            }
            Err(problem) => {
                return Ok(walk.fail(
                    p,
                    format!("record {p}, the one before the first to check: {problem}"),
                ));
            }
        }
    }
    let rows = tx.prepare_cached(ROWS).await.map_err(db(ACTION))?;
    let last = seq_column(to).unwrap_or(i64::MAX);
    loop {
        let chunk = tx
            .query(
                &rows,
                &[
                    &seq_column(walk.expected).unwrap_or(i64::MAX),
                    &last,
                    &CHUNK,
                ],
            )
            .await
            .map_err(db(ACTION))?;
        let full = chunk.len() as i64 >= CHUNK;
        for row in chunk {
            if let Some(problem) = check(&mut walk, &row, head_seq)? {
                let expected = walk.expected;
                return Ok(walk.fail(expected, problem));
            }
        }
        if !full {
            break;
        }
    }
    // The rows ran out: they must have reached the head (or `to`), with the head's hash.
    let expected = walk.expected;
    if expected <= head_seq && expected <= to {
        return Ok(walk.fail(
            expected,
            format!("record {expected} is missing: the head is record {head_seq}"),
        ));
    }
    if walk.v.head_seq == head_seq && head_seq > 0 && walk.v.head_hash[..] != head_hash[..] {
        return Ok(walk.fail(
            head_seq,
            format!("record {head_seq}: its hash is not the one the head row holds"),
        ));
    }
    Ok(walk.v)
}

/// Checks the next row and, if it is good, moves the walk past it; the problem otherwise.
fn check(
    walk: &mut Walk,
    row: &tokio_postgres::Row,
    head_seq: u64,
) -> Result<Option<String>, AuditError> {
    let expected = walk.expected;
    let seq: i64 = row.try_get(0).map_err(db(ACTION))?;
    let hash: Vec<u8> = row.try_get(1).map_err(db(ACTION))?;
    let canonical: Vec<u8> = row.try_get(2).map_err(db(ACTION))?;
    let seq = u64::try_from(seq).unwrap_or(0);
    if seq != expected {
        return Ok(Some(format!(
            "record {expected} is missing: the next record is {seq}"
        )));
    }
    if seq > head_seq {
        return Ok(Some(format!(
            "record {seq} is after the head, record {head_seq}: it was not appended by the log"
        )));
    }
    let record = match AccessRecord::decode(&canonical) {
        Ok(record) => record,
        Err(e) => return Ok(Some(format!("record {seq} cannot be decoded: {e}"))),
    };
    if record.seq != seq {
        return Ok(Some(format!(
            "record {seq} is out of order: its row holds record {}",
            record.seq
        )));
    }
    let hash = match hash_of(&hash) {
        Ok(hash) => hash,
        Err(problem) => return Ok(Some(format!("record {seq}: {problem}"))),
    };
    if chain_hash(&walk.v.head_hash, &canonical) != hash {
        return Ok(Some(format!(
            "record {seq}: hash does not match its content or its predecessor"
        )));
    }
    let stored = Columns {
        time_micros: row.try_get(3).map_err(db(ACTION))?,
        department_code: row.try_get(4).map_err(db(ACTION))?,
        method: row.try_get(5).map_err(db(ACTION))?,
        method_name: row.try_get(6).map_err(db(ACTION))?,
        target: row.try_get(7).map_err(db(ACTION))?,
        owner_code: row.try_get(8).map_err(db(ACTION))?,
        outcome: row.try_get(9).map_err(db(ACTION))?,
    };
    if let Some(column) = stored.differs_from(&Columns::of(&record)) {
        return Ok(Some(format!(
            "record {seq}: its {column} column does not match the record"
        )));
    }
    walk.v.records_checked += 1;
    walk.v.head_seq = seq;
    walk.v.head_hash = hash;
    walk.expected += 1;
    Ok(None)
}
