//! govshare's use cases without a transport.
//!
//! Every operation takes the caller's [`Principal`] (built by the server from the credential,
//! never from a request field) and typed input, and answers with model or store types, or a
//! [`ServiceError`] a transport maps to its own status. Every decision about who may do what
//! is made by [`authz`]; which catalogue entries and versions a reader sees is the one rule in
//! [`authz::visibility`].
//!
//! - [`catalogue::Catalogue`]: registering, editing, reviewing and reading catalogue entries;
//! - [`feed::Feed`]: the catalogue's changes as one reader sees them;
//! - [`admin::Admin`]: departments, credentials and the caller's own identity;
//! - [`sharing::Sharing`]: requests for entries, the providers' decisions, and grants;
//! - [`exchange::Exchange`]: who publishes, lists and fetches an entry's data snapshots, and
//!   the columns a fetch delivers;
//! - [`versions::Versions`] and [`departments::DepartmentNames`]: the caches of decoded
//!   versions and of department names that these use cases share.

pub mod admin;
pub mod authz;
pub mod catalogue;
pub mod departments;
pub mod error;
pub mod exchange;
pub mod feed;
pub mod fields;
mod note;
mod principal;
pub mod reason;
pub mod sharing;
pub mod tokens;
pub mod versions;

pub use error::{Refusal, ServiceError, ServiceResult};
pub use note::Note;
pub use principal::{Caller, Principal};
pub use reason::{Code, Reason};
