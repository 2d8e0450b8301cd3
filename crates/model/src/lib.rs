//! The catalogue guideline's metadata model: the 13 core elements of a catalogue entry, the
//! coded values they use, validation of what arrives from clients, canonical bytes and digest
//! of a validated entry, and a human-readable diff between two versions. No I/O.
//!
//! Raw input ([`MetadataInput`]) becomes a [`ResourceMetadata`] only through [`validate`],
//! which reports every failing field at once, in Chinese first and English in parentheses.

pub mod code;
pub mod credit_code;
mod date;
pub mod diff;
pub mod enums;
pub mod input;
pub mod metadata;
pub mod region;
pub mod revision;
mod serde_str;
pub mod validate;
pub mod violation;

pub mod testing;

pub use code::{ClassificationCode, CodeError, MAX_SEQUENCE, ResourceCode};
pub use credit_code::{CreditCode, CreditCodeError, check_char};
pub use diff::{Change, diff};
pub use enums::{
    Category, DataType, EntryState, FormatKind, GrantFlagKind, GrantState, RequestState, Role,
    ShareMode, ShareType, UpdateCycle,
};
pub use input::{
    ClassificationInput, FormatInput, InfoItemInput, MetadataInput, OpenInput, SharingInput,
};
pub use metadata::{
    Classification, DecodeError, InfoItem, OpenAttributes, ResourceFormat, ResourceMetadata,
    Sharing, digest_of,
};
pub use region::{RegionCode, RegionCodeError};
pub use revision::{check_revision, default_provider};
pub use validate::validate;
pub use violation::{FieldReason, FieldViolation, MAX_QUOTED_CHARS, Text, Violations, excerpt};
