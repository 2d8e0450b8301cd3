//! The store's error type.

use govshare_model::EntryState;

/// Why a store operation failed. Conflicts and invalid states are the caller's to report;
/// `Backend` and `Corrupt` are outages.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(Named),
    #[error("{0} already exists")]
    AlreadyExists(Named),
    /// Optimistic concurrency: the caller edited a version that is no longer the head.
    #[error("entry {code}: expected version {expected}, but the current version is {actual}")]
    VersionConflict {
        code: String,
        expected: u64,
        actual: u64,
    },
    /// The entry's state does not allow the action.
    #[error("entry {code} is {state:?}: {action} is not allowed")]
    InvalidState {
        code: String,
        state: EntryState,
        action: &'static str,
    },
    /// Every 顺序码 under a 分类码 has been issued.
    #[error("all sequence numbers under classification {0} are used")]
    SequenceExhausted(String),
    /// A sharing rule refused the change (a request no longer pending, a grant no longer
    /// active).
    #[error(transparent)]
    Sharing(#[from] govshare_sharing::SharingError),
    #[error("storage failure: {0}")]
    Backend(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// What a store operation found missing or taken: a record by its kind and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// A catalogue entry, by its code.
    Entry(String),
    /// A sharing request, by its id.
    Request(String),
    /// A grant, by its id.
    Grant(String),
    /// A credential, by its id.
    Token(String),
    /// A department, by its unified social credit code.
    Department(String),
}

impl std::fmt::Display for Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Named::Entry(code) => write!(f, "entry {code}"),
            Named::Request(id) => write!(f, "request {id}"),
            Named::Grant(id) => write!(f, "grant {id}"),
            Named::Token(id) => write!(f, "token {id}"),
            Named::Department(code) => write!(f, "department {code}"),
        }
    }
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}
