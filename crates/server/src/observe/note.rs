//! The request-scoped context of one call: the observe layer puts a [`CallNote`] in the
//! request's extensions, the auth layer writes the caller into it, and handlers add what the
//! call was about (target, owning department, grant, bytes moved, a detail). The layer reads it
//! when the call ends and writes the access-log record, so a handler can add to the record but
//! never skip it.

use std::sync::{Arc, Mutex, MutexGuard};

use govshare_model::CreditCode;
use prometheus::IntCounter;

use govshare_service::Principal;

/// The longest target a record keeps, in characters: longer ones are a client's bad input.
pub(super) const MAX_TARGET_CHARS: usize = 200;

/// What the call's record says beyond the transport's facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NoteFields {
    pub department_code: String,
    pub token_id: String,
    pub target: String,
    pub owner_code: String,
    pub grant_id: String,
    pub detail: String,
    pub bytes: u64,
}

/// A shared handle on one call's [`NoteFields`]; clones write to the same call.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallNote(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    fields: Mutex<NoteFields>,
    /// The exchange byte counter of a data-moving method, counted as bytes move.
    bytes_counter: Option<IntCounter>,
}

impl CallNote {
    /// A note whose bytes also count in `counter`.
    pub(crate) fn with_counter(counter: Option<IntCounter>) -> Self {
        CallNote(Arc::new(Inner {
            fields: Mutex::default(),
            bytes_counter: counter,
        }))
    }

    fn fields(&self) -> MutexGuard<'_, NoteFields> {
        // A panic while holding this lock leaves plain data behind; keep using it.
        self.0
            .fields
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The caller, as its credential says (set by the auth layer).
    pub(crate) fn caller(&self, principal: &Principal) {
        let mut f = self.fields();
        f.department_code = principal
            .department
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        f.token_id.clone_from(&principal.token_id);
    }

    /// A credential that was presented but refused (revoked or expired).
    pub(crate) fn refused_credential(&self, token_id: &str, department: Option<&CreditCode>) {
        let mut f = self.fields();
        f.token_id = token_id.to_owned();
        f.department_code = department.map(ToString::to_string).unwrap_or_default();
    }

    /// What the call is about: an entry code, request id, grant id, snapshot id, department
    /// code or token id. As the client sent it, so cut to [`MAX_TARGET_CHARS`] with "…".
    pub(crate) fn target(&self, target: impl ToString) -> &Self {
        let mut target = target.to_string();
        if let Some((end, _)) = target.char_indices().nth(MAX_TARGET_CHARS) {
            target.truncate(end);
            target.push('…');
        }
        self.fields().target = target;
        self
    }

    /// The department whose resource the target is (the provider of an entry).
    pub(crate) fn owner(&self, owner: &CreditCode) -> &Self {
        self.fields().owner_code = owner.to_string();
        self
    }

    /// The grant a fetch is served under.
    pub(crate) fn grant(&self, grant: impl ToString) -> &Self {
        self.fields().grant_id = grant.to_string();
        self
    }

    /// What was done, in a few words.
    pub(crate) fn detail(&self, detail: impl Into<String>) -> &Self {
        self.fields().detail = detail.into();
        self
    }

    /// Data bytes moved so far (added as they move).
    pub(crate) fn add_bytes(&self, n: u64) {
        let mut f = self.fields();
        f.bytes = f.bytes.saturating_add(n);
        if let Some(counter) = &self.0.bytes_counter {
            counter.inc_by(n);
        }
    }

    /// The fields as they are now, moved out (the call's record is built once, when it
    /// ends): what is written after goes nowhere.
    pub(crate) fn take(&self) -> NoteFields {
        std::mem::take(&mut *self.fields())
    }
}

/// What a use case adds to the call's record.
impl govshare_service::Note for CallNote {
    fn target(&self, target: &str) {
        CallNote::target(self, target);
    }

    fn owner(&self, owner: &CreditCode) {
        CallNote::owner(self, owner);
    }

    fn detail(&self, detail: String) {
        CallNote::detail(self, detail);
    }
}

/// The note of a call. Outside the layer (a handler called directly) it is a detached note
/// that nothing reads.
pub(crate) fn note<T>(request: &tonic::Request<T>) -> CallNote {
    request
        .extensions()
        .get::<CallNote>()
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_write_to_the_same_call() {
        let note = CallNote::default();
        let handle = note.clone();
        handle.target("101001/000001").detail("version 2");
        handle.add_bytes(10);
        note.add_bytes(5);
        let fields = note.take();
        assert_eq!(fields.target, "101001/000001");
        assert_eq!(fields.detail, "version 2");
        assert_eq!(fields.bytes, 15);
    }
}
