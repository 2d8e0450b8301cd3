//! The integration tests of govshare-sharing, as one test binary, one module per area.

mod calendar;
mod policy;
mod records;
