//! The Rust client of govshare (政务信息资源共享交换平台) for department systems.
//!
//! - **Connect** ([`Client::connect`] with a [`Config`]): plain `http://`, TLS `https://`
//!   (the CA from PEM bytes or a file, else the system's roots) and mutual TLS (a client
//!   certificate and key); a connect timeout, a deadline per call, and none for data
//!   transfers.
//! - **Credentials** ([`Credential`]): a bearer token from a value, from `GOVSHARE_TOKEN` or
//!   from a token file; [`Bearer`] sends it and never shows it in `Debug`.
//! - **The six services**: [`Client::admin`], [`Client::catalog`], [`Client::sharing`],
//!   [`Client::exchange`], [`Client::audit`], [`Client::report`] give the generated tonic
//!   clients of [`proto`] over the one connection.
//! - **Retries** ([`retry::on_pushback`]): a call refused by a quota (RESOURCE_EXHAUSTED
//!   with `grpc-retry-pushback-ms`) is tried again after the wait the server names.
//! - **Paging** ([`Pager`]): every List call, page after page or item by item.
//! - **Data** ([`Client::publish`], [`Client::fetch`]): snapshots stream in chunks, and their
//!   sha256 and size are checked; a fetched file appears only once verified.
//! - **Errors** ([`Error`]): the server's status with its google.rpc details
//!   ([`StatusError`]: field violations, precondition failures, error info, retry info), or
//!   what failed on this side.
//!
//! ```no_run
//! use govshare_client::proto::{ListEntriesRequest, WhoAmIRequest};
//! use govshare_client::{Client, Config, Credential, Error, Pager};
//!
//! # async fn example() -> Result<(), Error> {
//! let config = Config::new("https://govshare.example.gov.cn:50051")
//!     .ca_file("/etc/govshare/ca.pem")?
//!     .credential(Credential::from_env()?);
//! let client = Client::connect(config).await?;
//!
//! let me = client.admin().who_am_i(WhoAmIRequest {}).await?.into_inner();
//! println!("calling as {:?}", me.department.map(|d| d.name));
//!
//! // Every published entry, page after page.
//! let catalog = client.catalog();
//! let entries = Pager::new("", |page_token| {
//!     let mut catalog = catalog.clone();
//!     async move {
//!         let page = catalog
//!             .list_entries(ListEntriesRequest { page_token, ..Default::default() })
//!             .await?
//!             .into_inner();
//!         Ok::<_, Error>((page.entries, page.next_page_token))
//!     }
//! })
//! .collect_all()
//! .await?;
//!
//! // The latest snapshot of the first one, verified, to a file.
//! if let Some(entry) = entries.first() {
//!     let fetched = client.fetch_to_path(&entry.code, None, "people.csv").await?;
//!     println!("{} bytes, sha256 {}", fetched.trailer.size_bytes, fetched.trailer.sha256);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The examples in `crates/client/examples` register, publish, request and fetch against a
//! running server.

#![warn(missing_docs)]

mod connection;
mod credential;
mod error;
mod fetch;
mod paging;
mod publish;
pub mod retry;
mod transfer;

pub use connection::{
    AdminClient, AuditClient, AuthChannel, CatalogClient, Client, Config, DEFAULT_SERVER,
    ExchangeClient, ReportClient, SERVER_ENV, SharingClient, install_crypto_provider,
};
pub use credential::{Bearer, Credential, TOKEN_ENV};
pub use error::{Error, StatusError, code_name};
pub use fetch::{Download, Fetched};
pub use paging::Pager;
pub use publish::{CHUNK_BYTES, Publish, Upload};
pub use transfer::{CSV, NDJSON, NoProgress, OPAQUE, Progress, media_type_of};

/// The govshare gRPC contract: messages, enums and the tonic clients.
pub use govshare_proto as proto;
/// The google.rpc details a [`StatusError`] carries.
pub use tonic_types;
