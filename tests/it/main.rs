//! The end-to-end tests of the `govshare` package, as one test binary: a real server (in
//! process on 127.0.0.1:0, or the `govshare` binary itself) driven from outside, one module
//! per area. Run one area with `cargo test --test it catalog::`, one test with its full path.
//!
//! `common` is the harness every module shares; `annual_fixture` is the annual report's data.

// Tests unwrap: a failure is a panic with the error in it.
#![allow(clippy::unwrap_used)]

mod annual_fixture;
mod common;

mod admin;
mod audit;
mod authorization;
mod bucket;
mod catalog;
mod catalog_review;
mod cli;
mod cli_data;
mod cli_import;
mod cli_sharing;
mod client_examples;
mod cluster;
mod console_e2e;
mod console_http;
mod crash;
mod deploy;
mod errors;
mod exchange;
mod exchange_authorization;
mod limits;
mod metrics;
mod python_client;
mod reflection;
mod report;
mod report_formats;
mod report_render;
mod search;
mod sharing;
mod sharing_authorization;
mod smoke;
mod tls;
mod watch;
