//! The integration tests of govshare-search, as one test binary: a real index on disk, one
//! module per area. `common` holds the helpers they share.

mod common;

mod lifecycle;
mod search;
