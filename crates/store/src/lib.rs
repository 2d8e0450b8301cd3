//! Storage for govshare: the store's interface as one trait per role ([`IdentityStore`],
//! [`CatalogueStore`], [`SharingStore`], [`ExchangeStore`], [`OperationsStore`]) and
//! [`Store`], their union; the records it keeps; the pure entry lifecycle shared by all
//! backends; and two backends: [`sled`], embedded (the default), and [`postgres`], a database
//! speaking the PostgreSQL protocol that several servers share. Sharing requests and grants
//! are the records of `govshare_sharing`, whose transitions every backend applies inside its
//! own write.
//!
//! Every write method returns only after the write is durable: sled groups concurrent writers
//! into one flush, PostgreSQL commits each write's transaction (and groups the commits).
//! `tests/it/suite` is the behaviour both must show, run against each.

mod codec;
mod error;
mod exchange;
pub mod lifecycle;
pub mod postgres;
mod records;
mod roles;
mod sharing;
pub mod sled;
mod stats;

pub use error::{Named, StoreError};
pub use exchange::{NewSnapshot, SnapshotRecord};
pub use records::{
    CatalogEvent, CatalogEventKind, DepartmentRecord, EntryFilter, EntryHeader, EntrySummary,
    NewEntry, NewVersion, TokenRecord, VersionRecord, Visibility,
};
pub use roles::{CatalogueStore, ExchangeStore, IdentityStore, OperationsStore, SharingStore};
pub use sharing::{GrantFilter, Party, RequestFilter};
pub use stats::StoreStats;

/// The result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A page of results and the key to continue after, if there is more.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// Everything govshare keeps: every role at once, for the code that opens the store and
/// hands it to the consumers of each role. Implementations must make each write atomic and
/// durable before returning, and must never overwrite an immutable version.
pub trait Store:
    IdentityStore + CatalogueStore + SharingStore + ExchangeStore + OperationsStore
{
}

impl<T> Store for T where
    T: IdentityStore + CatalogueStore + SharingStore + ExchangeStore + OperationsStore
{
}
