//! The integration tests of govshare-store, as one test binary: `suite` is the behaviour
//! every backend must show, run by `sled` against the embedded backend and by `postgres`
//! against a real PostgreSQL database; `shared` holds the tests of several stores on one
//! database.

#[macro_use]
mod suite;
mod shared;

mod postgres;
mod sled;
