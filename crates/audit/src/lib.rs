//! The access log (访问日志): one record per gRPC call, appended to a directory of segment
//! files and chained by sha256 so that any change to a stored record, or a record removed
//! or moved, is found by verification.
//!
//! - `record.rs`: [`AccessRecord`], its canonical bytes and [`chain_hash`].
//! - `frame.rs`, `segment.rs`: the on-disk format: frames in segment files, the lock.
//! - `writer.rs`, `commit.rs`, `recover.rs`: [`AccessLog`], group commit by one writer
//!   thread (durable when `append` returns), and finding the head at open.
//! - `durable.rs`: the durable mark, the last record acknowledged as durable, which tells a
//!   crash's torn tail (repaired) from a cut into acknowledged records (damage).
//! - `state.rs`: the committed state readers see.
//! - `read.rs`: [`Query`], newest first through a sparse index.
//! - `verify.rs`, `links.rs`: [`verify_dir`] and [`AccessLog::verify`].
//! - `postgres/`: [`PgAccessLog`], the same chain kept in a PostgreSQL database that several
//!   servers append to at once.
//!
//! The chain has no secret: whoever can write the files can rewrite a record and recompute
//! every later hash. That is only caught by comparing the head hash ([`AccessLog::head`])
//! with a copy kept outside the log, which is why the server reports it.
//!
//! The files are written and read with Unix file APIs (positioned reads, directory fsync).

mod commit;
mod durable;
mod error;
mod frame;
mod links;
#[cfg(feature = "postgres")]
pub mod postgres;
mod read;
mod record;
mod recover;
mod segment;
mod space;
mod state;
mod verify;
mod writer;

pub use error::AuditError;
#[cfg(feature = "postgres")]
pub use postgres::PgAccessLog;
pub use read::{Query, QueryPage, StoredRecord};
pub use record::{
    AccessRecord, DETAIL_LIMIT, DecodeError, FIELD_LIMIT, FORMAT_VERSION, GENESIS, NewRecord,
    chain_hash,
};
pub use state::Head;
pub use verify::{Verification, verify_dir};
pub use writer::{AccessLog, Appended, CommitHook, CommitStats, LogOptions};
