//! govshare: the catalogue-and-exchange service of a government data-sharing platform.
//!
//! The API layer: generated gRPC contract, authentication and authorization, the services,
//! configuration and server wiring. Domain rules live in `govshare-model` (catalogue) and
//! `govshare-sharing` (requests and grants), storage in `govshare-store`.

pub mod access_log;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod catalog;
pub mod config;
pub mod console;
pub mod convert;
pub mod error;
pub mod exchange;
pub mod http;
pub mod limits;
pub mod metrics;
pub mod observe;
pub mod report;
pub mod request;
pub mod search;
pub mod server;
pub mod sharing;
pub mod tls;
pub mod version_cache;
pub mod watch;

pub use govshare_proto as proto;
pub use server::AppState;
