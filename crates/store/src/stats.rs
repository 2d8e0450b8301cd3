//! Counts over the whole store, for the metrics endpoint.

use std::collections::BTreeMap;

use govshare_model::{EntryState, GrantState, RequestState};

/// What the store holds at one instant, counted by state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreStats {
    pub entries: BTreeMap<EntryState, u64>,
    pub requests: BTreeMap<RequestState, u64>,
    /// Pending requests past their answer deadline.
    pub overdue_requests: u64,
    pub grants: BTreeMap<GrantState, u64>,
    /// Bytes the store occupies on disk (snapshot blobs not included).
    pub size_bytes: u64,
}
