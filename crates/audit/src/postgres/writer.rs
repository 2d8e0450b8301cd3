//! The writer task of a [`PgAccessLog`](super::PgAccessLog) and its group commit. It waits for
//! the first queued record, takes whatever else is queued (up to `MAX_GROUP`) and commits
//! them in one transaction of four round trips, whatever their number: begin; lock the head
//! row; insert every record with one `INSERT ... SELECT FROM UNNEST` pipelined with the head
//! update; commit. Locking the head row orders groups from every server into one chain, and
//! because the records and the head move in one transaction, a failed group leaves no gap:
//! its waiters get the error and the next group carries on from the same head.

use std::time::Instant;

use deadpool_postgres::{Pool, Transaction};
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::types::ToSql;

use crate::commit::MAX_GROUP;
use crate::error::AuditError;
use crate::postgres::connect::db;
use crate::postgres::rows::{Columns, hash_of, seq_column};
use crate::record::{NewRecord, chain_hash};
use crate::writer::{Appended, CommitHook, CommitStats};

type Reply = oneshot::Sender<Result<Appended, AuditError>>;

/// What the handles send the writer task. Nearly every message is an append, so boxing the
/// record would only add an allocation per record.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Msg {
    Append(NewRecord, Option<Reply>),
    /// Commit what is queued, then stop.
    Shutdown,
}

const ACTION: &str = "committing access records";
const LOCK_HEAD: &str = "SELECT seq, hash FROM access_log_head FOR UPDATE";
const INSERT: &str = "INSERT INTO access_log_records
        (seq, hash, canonical, time_micros, department_code, method, method_name, target,
         owner_code, outcome)
    SELECT * FROM UNNEST($1::int8[], $2::bytea[], $3::bytea[], $4::int8[], $5::text[],
                         $6::text[], $7::text[], $8::text[], $9::text[], $10::int8[])";
const MOVE_HEAD: &str = "UPDATE access_log_head SET seq = $1, hash = $2";

/// The writer task's state.
pub(crate) struct Writer {
    pool: Pool,
    on_commit: Option<CommitHook>,
}

/// A group's rows, column by column, as `UNNEST` takes them.
#[derive(Default)]
struct Rows {
    seq: Vec<i64>,
    hash: Vec<Vec<u8>>,
    canonical: Vec<Vec<u8>>,
    time_micros: Vec<i64>,
    department_code: Vec<String>,
    method: Vec<String>,
    method_name: Vec<String>,
    target: Vec<String>,
    owner_code: Vec<String>,
    outcome: Vec<i64>,
}

/// A committed group.
struct Committed {
    first_seq: u64,
    hashes: Vec<[u8; 32]>,
    bytes: u64,
}

impl Writer {
    pub fn new(pool: Pool, on_commit: Option<CommitHook>) -> Writer {
        Writer { pool, on_commit }
    }

    /// The task's body: group commits until shut down or every handle is gone.
    pub async fn run(self, mut rx: mpsc::UnboundedReceiver<Msg>) {
        let mut records = Vec::with_capacity(MAX_GROUP);
        let mut replies = Vec::with_capacity(MAX_GROUP);
        loop {
            let Some(first) = rx.recv().await else { break };
            let mut next = Some(first);
            while let Some(msg) = next {
                match msg {
                    Msg::Append(record, reply) => {
                        records.push(record);
                        replies.push(reply);
                    }
                    // Later sends fail; what is already queued is still received.
                    Msg::Shutdown => rx.close(),
                }
                next = if records.len() < MAX_GROUP {
                    rx.try_recv().ok()
                } else {
                    None
                };
            }
            if !records.is_empty() {
                self.commit(&mut records, &mut replies).await;
            }
        }
    }

    /// Commits one group and answers its waiters.
    async fn commit(&self, records: &mut Vec<NewRecord>, replies: &mut Vec<Option<Reply>>) {
        let started = Instant::now();
        let count = records.len();
        match self.write(records.drain(..)).await {
            Ok(done) => {
                for (i, reply) in replies.drain(..).enumerate() {
                    if let Some(reply) = reply {
                        // The waiter may have gone away; the record is durable anyway.
                        let _ = reply.send(Ok(Appended {
                            seq: done.first_seq + i as u64,
                            hash: done.hashes[i],
                        }));
                    }
                }
                if let Some(hook) = &self.on_commit {
                    hook(CommitStats {
                        records: count,
                        bytes: done.bytes,
                        seconds: started.elapsed().as_secs_f64(),
                    });
                }
            }
            Err(error) => {
                let detached = replies.iter().filter(|r| r.is_none()).count();
                tracing::error!(
                    error = %error,
                    records = count,
                    detached,
                    "访问日志写入数据库失败 (committing access records to the database failed; \
                     waiting calls get the error, detached records are lost)"
                );
                for reply in replies.drain(..).flatten() {
                    let _ = reply.send(Err(error.duplicate()));
                }
            }
        }
    }

    /// One transaction: lock the head, chain and insert the records, move the head, commit.
    async fn write(
        &self,
        records: impl ExactSizeIterator<Item = NewRecord>,
    ) -> Result<Committed, AuditError> {
        let mut client = self.pool.get().await.map_err(db(ACTION))?;
        let tx = client.transaction().await.map_err(db(ACTION))?;
        match insert(&tx, records).await {
            Ok(committed) => {
                tx.commit().await.map_err(db(ACTION))?;
                Ok(committed)
            }
            Err(error) => {
                // Dropping the transaction would roll it back too, but later.
                if let Err(e) = tx.rollback().await {
                    tracing::debug!(error = %e, "rolling back a failed access log group");
                }
                Err(error)
            }
        }
    }
}

/// Chains `records` after the head and inserts them, moving the head, in `tx`.
async fn insert(
    tx: &Transaction<'_>,
    records: impl ExactSizeIterator<Item = NewRecord>,
) -> Result<Committed, AuditError> {
    let lock = tx.prepare_cached(LOCK_HEAD).await.map_err(db(ACTION))?;
    let insert = tx.prepare_cached(INSERT).await.map_err(db(ACTION))?;
    let move_head = tx.prepare_cached(MOVE_HEAD).await.map_err(db(ACTION))?;
    let head = tx.query_one(&lock, &[]).await.map_err(db(ACTION))?;
    let head_seq: i64 = head.try_get(0).map_err(db(ACTION))?;
    let head_hash: Vec<u8> = head.try_get(1).map_err(db(ACTION))?;
    let corrupt = |problem: String| AuditError::CorruptRow {
        seq: u64::try_from(head_seq).unwrap_or(0),
        problem: format!("the head row is damaged: {problem}"),
    };
    let mut hash = hash_of(&head_hash).map_err(corrupt)?;
    let mut seq = u64::try_from(head_seq).map_err(|_| corrupt(format!("seq {head_seq}")))?;
    let first_seq = seq + 1;
    let mut rows = Rows::default();
    let mut hashes = Vec::with_capacity(records.len());
    let mut bytes = 0;
    for record in records {
        seq += 1;
        let seq_value = seq_column(seq).ok_or_else(|| AuditError::Database {
            action: ACTION,
            message: "record numbers are exhausted".to_owned(),
        })?;
        let record = record.into_record(seq);
        let canonical = record.canonical_bytes();
        hash = chain_hash(&hash, &canonical);
        hashes.push(hash);
        bytes += canonical.len() as u64;
        let Columns {
            time_micros,
            department_code,
            method,
            method_name,
            target,
            owner_code,
            outcome,
        } = Columns::of(&record);
        rows.seq.push(seq_value);
        rows.hash.push(hash.to_vec());
        rows.canonical.push(canonical);
        rows.time_micros.push(time_micros);
        rows.department_code.push(department_code);
        rows.method.push(method);
        rows.method_name.push(method_name);
        rows.target.push(target);
        rows.owner_code.push(owner_code);
        rows.outcome.push(outcome);
    }
    let new_head = *rows.seq.last().unwrap_or(&head_seq);
    let new_hash = hash.to_vec();
    let columns: [&(dyn ToSql + Sync); 10] = [
        &rows.seq,
        &rows.hash,
        &rows.canonical,
        &rows.time_micros,
        &rows.department_code,
        &rows.method,
        &rows.method_name,
        &rows.target,
        &rows.owner_code,
        &rows.outcome,
    ];
    let head_values: [&(dyn ToSql + Sync); 2] = [&new_head, &new_hash];
    // Sent together: one round trip for both.
    let (inserted, moved) = tokio::join!(
        tx.execute(&insert, &columns),
        tx.execute(&move_head, &head_values),
    );
    // The insert's error first: when it fails, the update only says the transaction aborted.
    inserted.map_err(db(ACTION))?;
    moved.map_err(db(ACTION))?;
    Ok(Committed {
        first_seq,
        hashes,
        bytes,
    })
}
