//! Structured inputs shared by the fuzz targets in `fuzz_targets/`: text that reaches the
//! limits the validators check, catalogue metadata as a client sends it, and access records.
//! Each is built from the fuzzer's bytes with [`arbitrary`], biased towards values that pass
//! the first checks so that the deeper rules are exercised too.

pub mod metadata;
pub mod record;
pub mod segment;
pub mod text;
