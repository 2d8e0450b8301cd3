//! [`PgAccessLog::query`]: the file log's queries, in SQL. A page examines the `scan_limit`
//! records before `before_seq` (newest first) and returns the first `limit` that match; the
//! page token is the seq to continue before, exactly as with the files.

use deadpool_postgres::Transaction;
use tokio_postgres::IsolationLevel;

use crate::error::AuditError;
use crate::postgres::PgAccessLog;
use crate::postgres::connect::db;
use crate::postgres::rows::{column_text, hash_of, seq_column};
use crate::read::{Query, QueryPage, StoredRecord};
use crate::record::AccessRecord;

const ACTION: &str = "querying the access log";

/// The matching records among the `$2` before `$1`, newest first, at most `$11`.
const MATCHING: &str = "SELECT seq, hash, canonical FROM (
        SELECT * FROM access_log_records WHERE seq < $1 ORDER BY seq DESC LIMIT $2
    ) AS scanned
    WHERE ($3::text IS NULL OR department_code = $3)
      AND ($4::text IS NULL OR method = $4 OR method_name = $4)
      AND ($5::text IS NULL OR target = $5)
      AND ($6::int8 IS NULL OR outcome = $6)
      AND ($7::text IS NULL OR owner_code = $7)
      AND ($8::int8 IS NULL OR time_micros >= $8)
      AND ($9::int8 IS NULL OR time_micros < $9)
      AND ($10::text IS NULL OR owner_code = $10 OR department_code = $10)
    ORDER BY seq DESC LIMIT $11";

/// How many records the scan of a page examined, and the oldest of them.
const SCANNED: &str = "SELECT count(*), min(seq) FROM (
        SELECT seq FROM access_log_records WHERE seq < $1 ORDER BY seq DESC LIMIT $2
    ) AS scanned";

/// Whether any record is older than `$1`.
const OLDER: &str = "SELECT EXISTS (SELECT 1 FROM access_log_records WHERE seq < $1)";

impl PgAccessLog {
    /// One page of the records matching `q`, newest first, as [`AccessLog::query`] gives it
    /// (same filters, limits and continuation). A row whose bytes cannot be decoded stops the
    /// query with [`AuditError::CorruptRow`].
    ///
    /// [`AccessLog::query`]: crate::AccessLog::query
    pub async fn query(&self, q: &Query) -> Result<QueryPage, AuditError> {
        let mut client = self.pool().get().await.map_err(db(ACTION))?;
        // One snapshot: the head may move between the statements.
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(db(ACTION))?;
        let result = page(&tx, q).await;
        // Read-only: ending it either way is the same, but it must end before the connection
        // goes back to the pool.
        tx.rollback().await.map_err(db(ACTION))?;
        result
    }
}

async fn page(tx: &Transaction<'_>, q: &Query) -> Result<QueryPage, AuditError> {
    let limit = q.limit.max(1);
    let limit_value = i64::try_from(limit).unwrap_or(i64::MAX);
    let scan_limit = i64::try_from(q.scan_limit.max(1)).unwrap_or(i64::MAX);
    let before = q
        .before_seq
        .map_or(i64::MAX, |b| seq_column(b).unwrap_or(i64::MAX));
    let text = |value: &Option<String>| value.as_deref().map(column_text);
    let outcome = q.outcome.map(i64::from);
    let start = q.start.map(|t| t.timestamp_micros());
    let end = q.end.map(|t| t.timestamp_micros());
    let matching = tx.prepare_cached(MATCHING).await.map_err(db(ACTION))?;
    let rows = tx
        .query(
            &matching,
            &[
                &before,
                &scan_limit,
                &text(&q.department_code),
                &text(&q.method),
                &text(&q.target),
                &outcome,
                &text(&q.owner_code),
                &start,
                &end,
                &text(&q.scope),
                &limit_value,
            ],
        )
        .await
        .map_err(db(ACTION))?;
    let mut page = QueryPage::default();
    for row in rows {
        let seq: i64 = row.try_get(0).map_err(db(ACTION))?;
        let hash: Vec<u8> = row.try_get(1).map_err(db(ACTION))?;
        let canonical: Vec<u8> = row.try_get(2).map_err(db(ACTION))?;
        let seq = u64::try_from(seq).unwrap_or(0);
        let corrupt = |problem: String| AuditError::CorruptRow { seq, problem };
        let record = AccessRecord::decode(&canonical)
            .map_err(|e| corrupt(format!("the record cannot be decoded: {e}")))?;
        if record.seq != seq {
            return Err(corrupt(format!("the row holds record {}", record.seq)));
        }
        let hash = hash_of(&hash).map_err(corrupt)?;
        page.records.push(StoredRecord { record, hash });
    }
    // Where the scan stopped, and whether anything older remains beyond it.
    let stop = match page.records.last() {
        Some(last) if page.records.len() >= limit => Some(last.record.seq),
        _ => {
            let scanned = tx.prepare_cached(SCANNED).await.map_err(db(ACTION))?;
            let row = tx
                .query_one(&scanned, &[&before, &scan_limit])
                .await
                .map_err(db(ACTION))?;
            let count: i64 = row.try_get(0).map_err(db(ACTION))?;
            let oldest: Option<i64> = row.try_get(1).map_err(db(ACTION))?;
            oldest
                .filter(|_| count >= scan_limit)
                .and_then(|s| u64::try_from(s).ok())
        }
    };
    if let Some(stop) = stop {
        let older = tx.prepare_cached(OLDER).await.map_err(db(ACTION))?;
        let stop_value = seq_column(stop).unwrap_or(i64::MAX);
        let row = tx
            .query_one(&older, &[&stop_value])
            .await
            .map_err(db(ACTION))?;
        let older: bool = row.try_get(0).map_err(db(ACTION))?;
        page.next_before_seq = older.then_some(stop);
    }
    Ok(page)
}
