//! The integration tests of govshare-exchange, as one test binary, one module per area.

mod blob;
mod ingest;
mod project;
