//! The integration tests of govshare-model, as one test binary, one module per area.

mod canonical;
mod codes;
mod diff;
mod enums;
mod validate;
