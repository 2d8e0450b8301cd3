//! The integration tests of govshare-audit, as one test binary: the access log on real
//! segment files (and in a real PostgreSQL database), one module per area. `common` holds the
//! helpers they share; `bench` holds the measurements, ignored by default.

mod common;

mod append;
mod bench;
mod codec;
#[cfg(feature = "postgres")]
mod postgres;
mod query;
mod reopen;
mod tamper;
