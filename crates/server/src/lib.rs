//! govshare: the catalogue-and-exchange service of a government data-sharing platform.
//!
//! The API layer: authentication, the gRPC services, configuration and server wiring. Who
//! may do what, and what a reader sees, is decided in `govshare-service` (with the use cases'
//! error, whose one mapping to a status is here); domain rules live in `govshare-model`
//! (catalogue) and `govshare-sharing` (requests and grants), storage in `govshare-store`, the
//! contract in `govshare-proto`.
//!
//! The public surface is what the `govshare` binary, the benchmark and the end-to-end tests
//! use:
//! - [`config`]: [`config::Config`] (and its sections) and [`config::ServeArgs`];
//! - [`server`]: [`server::run`] (`govshare serve`), [`server::start`] with
//!   [`server::open_store`] and [`server::Listeners`], the [`server::Running`] handle,
//!   [`server::load_calendar`];
//! - [`auth::new_token`] and [`auth::token_digest`], to make a credential as the server does;
//! - [`convert`]: the proto ⇄ model conversions of `govshare-proto`;
//! - [`console::assets`] and [`console::serve::CONTENT_SECURITY_POLICY`], the console's files
//!   and headers;
//! - [`tls::install_crypto_provider`];
//! - [`proto`], the generated contract.
//!
//! Everything else is private to the crate: `pub(crate)` at most, which the lint below keeps
//! so, and which lets rustc report what nothing uses.

#![warn(unreachable_pub)]

mod access_log;
mod admin;
mod audit;
pub mod auth;
mod catalog;
pub mod config;
pub mod console;
pub mod convert;
mod error;
mod exchange;
mod http;
mod limits;
mod metrics;
mod observe;
mod report;
mod request;
mod search;
pub mod server;
mod sharing;
pub mod tls;
mod watch;

pub use govshare_proto as proto;
pub(crate) use server::AppState;
