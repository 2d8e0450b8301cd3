//! Conversions between the generated protobuf types and the model and store types. Proto
//! messages are destructured field by field, so adding a field breaks the build here until it
//! is handled.

use chrono::{DateTime, Utc};
use govshare_model::input::{
    ClassificationInput, FormatInput, InfoItemInput, MetadataInput, OpenInput, SharingInput,
};
use govshare_model::{Change, ResourceMetadata};
use govshare_store::{DepartmentRecord, EntryHeader, TokenRecord, VersionRecord};

use crate::proto;

pub fn timestamp(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub fn from_timestamp(t: &prost_types::Timestamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).ok()?)
}

/// The unvalidated model input of a metadata message.
pub fn metadata_input(m: proto::ResourceMetadata) -> MetadataInput {
    let proto::ResourceMetadata {
        classification,
        name,
        provider_code,
        provider_name: _, // set by the service from the department record
        summary,
        format,
        items,
        sharing,
        open,
        update_cycle,
        publish_date,
        related_codes,
        keywords,
        classified,
    } = m;
    let proto::Classification {
        category,
        item,
        subitem,
        detail,
    } = classification.unwrap_or_default();
    let proto::ResourceFormat {
        kind,
        detail: format_detail,
    } = format.unwrap_or_default();
    let proto::SharingAttributes {
        share_type,
        condition,
        mode,
        basis,
    } = sharing.unwrap_or_default();
    let proto::OpenAttributes {
        open_to_public,
        condition: open_condition,
    } = open.unwrap_or_default();
    MetadataInput {
        classification: ClassificationInput {
            category,
            item,
            subitem,
            detail,
        },
        name,
        provider_code,
        summary,
        format: FormatInput {
            kind,
            detail: format_detail,
        },
        items: items
            .into_iter()
            .map(|i| {
                let proto::InfoItem {
                    name,
                    data_type,
                    length,
                    share_type,
                    description,
                } = i;
                InfoItemInput {
                    name,
                    data_type,
                    length,
                    share_type,
                    description,
                }
            })
            .collect(),
        sharing: SharingInput {
            share_type,
            condition,
            mode,
            basis,
        },
        open: OpenInput {
            open_to_public,
            condition: open_condition,
        },
        update_cycle,
        publish_date,
        related_codes,
        keywords,
        classified,
    }
}

/// The protobuf form of validated metadata.
pub fn metadata(m: &ResourceMetadata) -> proto::ResourceMetadata {
    proto::ResourceMetadata {
        classification: Some(proto::Classification {
            category: m.classification.category.code(),
            item: m.classification.item.clone(),
            subitem: m.classification.subitem.clone(),
            detail: m.classification.detail.clone(),
        }),
        name: m.name.clone(),
        provider_code: m.provider_code.to_string(),
        provider_name: m.provider_name.clone(),
        summary: m.summary.clone(),
        format: Some(proto::ResourceFormat {
            kind: m.format.kind.code(),
            detail: m.format.detail.clone(),
        }),
        items: m
            .items
            .iter()
            .map(|i| proto::InfoItem {
                name: i.name.clone(),
                data_type: i.data_type.code(),
                length: i.length,
                share_type: i.share_type.code(),
                description: i.description.clone(),
            })
            .collect(),
        sharing: Some(proto::SharingAttributes {
            share_type: m.sharing.share_type.code(),
            condition: m.sharing.condition.clone(),
            mode: m.sharing.mode.map_or(0, |mode| mode.code()),
            basis: m.sharing.basis.clone(),
        }),
        open: Some(proto::OpenAttributes {
            open_to_public: m.open.open_to_public,
            condition: m.open.condition.clone(),
        }),
        update_cycle: m.update_cycle.code(),
        publish_date: m.publish_date.format("%Y-%m-%d").to_string(),
        related_codes: m.related_codes.iter().map(ToString::to_string).collect(),
        keywords: m.keywords.clone(),
        classified: false,
    }
}

pub fn department(d: &DepartmentRecord) -> proto::Department {
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

pub fn token_info(t: &TokenRecord) -> proto::TokenInfo {
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

pub fn version_info(v: &VersionRecord) -> proto::VersionInfo {
    proto::VersionInfo {
        version: v.version,
        digest: v.digest.clone(),
        author: v.author.clone(),
        created_at: Some(timestamp(v.created_at)),
        note: v.note.clone(),
    }
}

/// An entry as seen at one of its versions.
pub fn entry(
    h: &EntryHeader,
    version: &proto::VersionInfo,
    metadata: &proto::ResourceMetadata,
) -> proto::CatalogEntry {
    proto::CatalogEntry {
        code: h.code.to_string(),
        state: h.state.code(),
        head_version: h.head_version,
        published_version: h.published_version.unwrap_or(0),
        metadata: Some(metadata.clone()),
        version: Some(version.clone()),
        provider_code: h.provider_code.to_string(),
        review_comment: h.review_comment.clone(),
        updated_at: Some(timestamp(h.updated_at)),
    }
}

pub fn change(c: Change) -> proto::FieldChange {
    let Change {
        path,
        before,
        after,
    } = c;
    proto::FieldChange {
        path,
        before,
        after,
    }
}

/// The protobuf message of unvalidated input (clients and tests build requests with it).
pub fn input_message(i: MetadataInput) -> proto::ResourceMetadata {
    let MetadataInput {
        classification,
        name,
        provider_code,
        summary,
        format,
        items,
        sharing,
        open,
        update_cycle,
        publish_date,
        related_codes,
        keywords,
        classified,
    } = i;
    proto::ResourceMetadata {
        classification: Some(proto::Classification {
            category: classification.category,
            item: classification.item,
            subitem: classification.subitem,
            detail: classification.detail,
        }),
        name,
        provider_code,
        provider_name: String::new(),
        summary,
        format: Some(proto::ResourceFormat {
            kind: format.kind,
            detail: format.detail,
        }),
        items: items
            .into_iter()
            .map(|it| proto::InfoItem {
                name: it.name,
                data_type: it.data_type,
                length: it.length,
                share_type: it.share_type,
                description: it.description,
            })
            .collect(),
        sharing: Some(proto::SharingAttributes {
            share_type: sharing.share_type,
            condition: sharing.condition,
            mode: sharing.mode,
            basis: sharing.basis,
        }),
        open: Some(proto::OpenAttributes {
            open_to_public: open.open_to_public,
            condition: open.condition,
        }),
        update_cycle,
        publish_date,
        related_codes,
        keywords,
        classified,
    }
}
