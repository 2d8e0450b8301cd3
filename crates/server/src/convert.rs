//! Conversions from the store's records to the contract's messages; the model's own
//! conversions are `govshare_proto::convert`.

use govshare_model::ResourceMetadata;
use govshare_store::{DepartmentRecord, EntryHeader, TokenRecord, VersionRecord};

pub use govshare_proto::convert::*;

use crate::proto;

pub(crate) fn department(d: &DepartmentRecord) -> proto::Department {
    proto::Department {
        code: d.code.to_string(),
        name: d.name.clone(),
        region_code: d.region_code.to_string(),
        parent_code: d
            .parent_code
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        created_at: Some(timestamp(d.created_at)),
    }
}

pub(crate) fn token_info(t: &TokenRecord) -> proto::TokenInfo {
    proto::TokenInfo {
        token_id: t.id.clone(),
        department_code: t
            .department
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        roles: t.roles.iter().map(|r| r.code()).collect(),
        name: t.name.clone(),
        created_at: Some(timestamp(t.created_at)),
        expires_at: t.expires_at.map(timestamp),
    }
}

pub(crate) fn version_info(v: &VersionRecord) -> proto::VersionInfo {
    proto::VersionInfo {
        version: v.version,
        digest: v.digest.clone(),
        author: v.author.clone(),
        created_at: Some(timestamp(v.created_at)),
        note: v.note.clone(),
    }
}

/// An entry as seen at one of its versions.
pub(crate) fn entry(
    h: &EntryHeader,
    version: &VersionRecord,
    metadata: &ResourceMetadata,
) -> proto::CatalogEntry {
    proto::CatalogEntry {
        code: h.code.to_string(),
        state: h.state.code(),
        head_version: h.head_version,
        published_version: h.published_version.unwrap_or(0),
        metadata: Some(self::metadata(metadata)),
        version: Some(version_info(version)),
        provider_code: h.provider_code.to_string(),
        review_comment: h.review_comment.clone(),
        updated_at: Some(timestamp(h.updated_at)),
    }
}
