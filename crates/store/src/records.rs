//! The records a store keeps: departments, credentials, entry headers, immutable versions and
//! catalogue events.

use chrono::{DateTime, Utc};
use govshare_model::{
    Category, ClassificationCode, CreditCode, EntryState, RegionCode, ResourceCode, Role,
    ShareType, UpdateCycle,
};
use serde::{Deserialize, Serialize};

/// A department (部门) known to the platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepartmentRecord {
    pub code: CreditCode,
    pub name: String,
    pub region_code: RegionCode,
    pub parent_code: Option<CreditCode>,
    pub created_at: DateTime<Utc>,
}

/// A credential. Only the sha256 digest of its secret is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub id: String,
    pub digest: String,
    /// `None` for platform-level credentials.
    pub department: Option<CreditCode>,
    pub roles: Vec<Role>,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TokenRecord {
    /// Whether the credential authenticates at `now`.
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }
}

/// The attributes of one version that list filters look at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntrySummary {
    pub name: String,
    pub category: Category,
    pub share_type: ShareType,
    pub update_cycle: UpdateCycle,
}

/// The mutable part of a catalogue entry; its versions are immutable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryHeader {
    pub code: ResourceCode,
    pub provider_code: CreditCode,
    pub state: EntryState,
    pub head_version: u64,
    /// The version readers see, if the entry was ever published.
    pub published_version: Option<u64>,
    pub head: EntrySummary,
    pub published: Option<EntrySummary>,
    /// The last review comment or revocation reason.
    pub review_comment: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl EntryHeader {
    /// Whether readers outside the providing department can see the entry.
    pub fn is_visible_to_all(&self) -> bool {
        self.published_version.is_some() && self.state != EntryState::Revoked
    }
}

/// One immutable version of an entry's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRecord {
    pub version: u64,
    /// sha256 hex of `canonical`.
    pub digest: String,
    /// The token id of the writer.
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub note: String,
    /// The canonical bytes of the metadata.
    #[serde(with = "canonical_as_text")]
    pub canonical: Vec<u8>,
}

/// A version about to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVersion {
    pub canonical: Vec<u8>,
    pub digest: String,
    pub summary: EntrySummary,
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub note: String,
}

impl NewVersion {
    /// The version as stored under number `version`.
    pub fn record(&self, version: u64) -> VersionRecord {
        VersionRecord {
            version,
            digest: self.digest.clone(),
            author: self.author.clone(),
            created_at: self.created_at,
            note: self.note.clone(),
            canonical: self.canonical.clone(),
        }
    }
}

/// An entry about to be registered; the store assigns its 顺序码.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub classification: ClassificationCode,
    pub provider_code: CreditCode,
    pub version: NewVersion,
}

/// Which entries a list call returns. `None` accepts anything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntryFilter {
    pub provider_code: Option<CreditCode>,
    pub category: Option<Category>,
    pub share_type: Option<ShareType>,
    pub state: Option<EntryState>,
    pub update_cycle: Option<UpdateCycle>,
    pub visibility: Visibility,
}

/// Which versions of entries a reader may see.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Visibility {
    /// Every entry, judged on its head version (the platform administrator).
    #[default]
    Everything,
    /// Published entries, judged on their published version, plus the reader's own
    /// department's entries, judged on their head.
    PublishedAndOwn(Option<CreditCode>),
}

impl EntryFilter {
    /// Whether `header` passes the filter.
    pub fn accepts(&self, header: &EntryHeader) -> bool {
        let summary = match &self.visibility {
            Visibility::PublishedAndOwn(own) if own.as_ref() != Some(&header.provider_code) => {
                if !header.is_visible_to_all() {
                    return false;
                }
                match &header.published {
                    Some(s) => s,
                    None => return false,
                }
            }
            _ => &header.head,
        };
        self.provider_code
            .as_ref()
            .is_none_or(|p| *p == header.provider_code)
            && self.category.is_none_or(|c| c == summary.category)
            && self.share_type.is_none_or(|s| s == summary.share_type)
            && self.state.is_none_or(|s| s == header.state)
            && self.update_cycle.is_none_or(|u| u == summary.update_cycle)
    }
}

/// What happened to an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CatalogEventKind {
    Registered,
    Updated,
    Submitted,
    Published,
    PublishRejected,
    RevocationRequested,
    Revoked,
    RevocationRejected,
}

/// One change of the catalogue, in commit order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEvent {
    pub seq: u64,
    pub code: ResourceCode,
    pub kind: CatalogEventKind,
    pub version: u64,
    pub state: EntryState,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub comment: String,
}

/// Canonical bytes are UTF-8 JSON: keep them readable in the stored record.
mod canonical_as_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(bytes) {
            Ok(text) => s.serialize_str(text),
            Err(_) => Err(serde::ser::Error::custom("canonical bytes are not UTF-8")),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Ok(String::deserialize(d)?.into_bytes())
    }
}
