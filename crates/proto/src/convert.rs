//! Conversions between the contract's messages and the model (`govshare-model`): metadata
//! in both directions, changes and timestamps. Proto messages are destructured field by
//! field, so adding a field breaks the build here until it is handled.

use chrono::{DateTime, Utc};
use govshare_model::input::{
    ClassificationInput, FormatInput, InfoItemInput, MetadataInput, OpenInput, SharingInput,
};
use govshare_model::{Change, ResourceMetadata};

use crate as proto;

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
