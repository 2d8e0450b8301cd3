//! What a use case tells the record of the call it serves: the server keeps one access record
//! per call, and only the use case learns some of what it names (the department that owns an
//! entry, the version read), sometimes on a call it then refuses, and some only once it has
//! let the caller in (the target of an administrator's call).

use govshare_model::CreditCode;

/// The record of one call, as a use case fills it in.
pub trait Note: Send + Sync {
    /// What the call is about (a department's code, a credential's id), as the caller gave it.
    fn target(&self, target: &str);
    /// The department whose resource the call is about (the provider of an entry).
    fn owner(&self, owner: &CreditCode);
    /// What was done, in a few words.
    fn detail(&self, detail: String);
}

/// No record: for calls nobody keeps a record of (and tests).
impl Note for () {
    fn target(&self, _: &str) {}
    fn owner(&self, _: &CreditCode) {}
    fn detail(&self, _: String) {}
}
