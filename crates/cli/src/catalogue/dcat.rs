//! The catalogue as DCAT-AP JSON-LD: a `dcat:Catalog` whose `dcat:dataset` list holds one
//! `dcat:Dataset` per entry, each data snapshot a `dcat:Distribution`.
//!
//! Mapping: 信息资源名称 → dct:title, 摘要 → dct:description, 提供方 → dct:publisher (a
//! foaf:Agent named by the department, its 统一社会信用代码 as dct:identifier) and
//! dcat:contactPoint (vcard:Organization), 信息资源代码 → dct:identifier, 分类 → dcat:theme (a
//! skos:Concept: the 类 label and the 分类码), 关键字 → dcat:keyword, 更新周期 →
//! dct:accrualPeriodicity (the EU frequency vocabulary), 发布日期 → dct:issued; a snapshot →
//! dct:identifier, dcat:mediaType (IANA), dcat:byteSize, spdx:checksum (sha256), dct:issued.

use serde_json::{Value, json};

use crate::enums;
use crate::proto::{CatalogEntry, DataSnapshot, UpdateCycle};
use govshare_proto::convert;

/// The EU publications office's frequency vocabulary.
const FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";

/// The EU frequency of an update cycle; none for unspecified.
pub fn frequency(cycle: i32) -> Option<String> {
    let code = match UpdateCycle::try_from(cycle).ok()? {
        UpdateCycle::Unspecified => return None,
        UpdateCycle::Realtime => "CONT",
        UpdateCycle::Daily => "DAILY",
        UpdateCycle::Weekly => "WEEKLY",
        UpdateCycle::Monthly => "MONTHLY",
        UpdateCycle::Quarterly => "QUARTERLY",
        UpdateCycle::HalfYearly => "ANNUAL_2",
        UpdateCycle::Yearly => "ANNUAL",
        UpdateCycle::Irregular => "IRREG",
    };
    Some(format!("{FREQUENCY}{code}"))
}

fn context() -> Value {
    json!({
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "vcard": "http://www.w3.org/2006/vcard/ns#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "spdx": "http://spdx.org/rdf/terms#",
        "xsd": "http://www.w3.org/2001/XMLSchema#"
    })
}

fn chinese(text: &str) -> Value {
    json!({ "@value": text, "@language": "zh" })
}

fn typed(value: impl Into<Value>, datatype: &str) -> Value {
    json!({ "@value": value.into(), "@type": datatype })
}

/// A snapshot as a distribution.
fn distribution(snapshot: &DataSnapshot) -> Value {
    let mut out = json!({
        "@type": "dcat:Distribution",
        "dct:identifier": snapshot.id,
        "dcat:byteSize": typed(snapshot.size_bytes.to_string(), "xsd:nonNegativeInteger"),
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": { "@id": "spdx:checksumAlgorithm_sha256" },
            "spdx:checksumValue": typed(snapshot.sha256.clone(), "xsd:hexBinary")
        }
    });
    if !snapshot.media_type.is_empty() {
        out["dcat:mediaType"] = json!({
            "@id": format!("https://www.iana.org/assignments/media-types/{}", snapshot.media_type)
        });
    }
    let issued = snapshot
        .created_at
        .as_ref()
        .and_then(convert::from_timestamp);
    if let Some(issued) = issued {
        out["dct:issued"] = typed(issued.to_rfc3339(), "xsd:dateTime");
    }
    out
}

/// An entry (at the version listed) and its snapshots as a dataset.
pub fn dataset(entry: &CatalogEntry, snapshots: &[DataSnapshot]) -> Value {
    let metadata = entry.metadata.clone().unwrap_or_default();
    let classification = metadata.classification.clone().unwrap_or_default();
    let notation = format!(
        "{}{}{}{}",
        classification.category, classification.item, classification.subitem, classification.detail
    );
    let mut out = json!({
        "@id": format!("urn:govshare:entry:{}", entry.code),
        "@type": "dcat:Dataset",
        "dct:identifier": entry.code,
        "dct:title": chinese(&metadata.name),
        "dct:description": chinese(&metadata.summary),
        "dct:publisher": {
            "@type": "foaf:Agent",
            "foaf:name": chinese(&metadata.provider_name),
            "dct:identifier": metadata.provider_code
        },
        "dcat:contactPoint": {
            "@type": "vcard:Organization",
            "vcard:fn": metadata.provider_name
        },
        "dcat:theme": {
            "@type": "skos:Concept",
            "skos:prefLabel": chinese(&enums::display("govshare.v1.Category", classification.category)),
            "skos:notation": notation
        },
        "dcat:keyword": metadata.keywords.iter().map(|k| chinese(k)).collect::<Vec<_>>(),
        "dcat:distribution": snapshots.iter().map(distribution).collect::<Vec<_>>()
    });
    if let Some(uri) = frequency(metadata.update_cycle) {
        out["dct:accrualPeriodicity"] = json!({ "@id": uri });
    }
    if !metadata.publish_date.is_empty() {
        out["dct:issued"] = typed(metadata.publish_date.clone(), "xsd:date");
    }
    out
}

/// The whole catalogue, as of `modified`.
pub fn catalog(datasets: Vec<Value>, modified: chrono::DateTime<chrono::Utc>) -> Value {
    json!({
        "@context": context(),
        "@type": "dcat:Catalog",
        "dct:title": chinese("政务信息资源目录"),
        "dct:description": chinese("政务信息资源共享交换平台的信息资源目录 (government information resource catalogue)"),
        "dct:modified": typed(modified.to_rfc3339(), "xsd:dateTime"),
        "dcat:dataset": datasets
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::proto::{Category, Classification, ResourceMetadata};

    #[test]
    fn every_update_cycle_has_an_eu_frequency() {
        assert_eq!(
            frequency(UpdateCycle::Daily as i32).unwrap(),
            "http://publications.europa.eu/resource/authority/frequency/DAILY"
        );
        assert!(
            frequency(UpdateCycle::HalfYearly as i32)
                .unwrap()
                .ends_with("/ANNUAL_2")
        );
        assert!(
            frequency(UpdateCycle::Realtime as i32)
                .unwrap()
                .ends_with("/CONT")
        );
        assert_eq!(frequency(0), None);
        assert_eq!(frequency(99), None);
        for cycle in 1..=8 {
            assert!(frequency(cycle).is_some(), "{cycle}");
        }
    }

    #[test]
    fn a_dataset_carries_the_entry_and_its_snapshots() {
        let entry = CatalogEntry {
            code: "101001/000001".into(),
            metadata: Some(ResourceMetadata {
                classification: Some(Classification {
                    category: Category::Base as i32,
                    item: "01".into(),
                    subitem: "001".into(),
                    detail: String::new(),
                }),
                name: "人口基础信息".into(),
                provider_code: "91110000600037341L".into(),
                provider_name: "市公安局".into(),
                keywords: vec!["人口".into()],
                update_cycle: UpdateCycle::Monthly as i32,
                publish_date: "2024-03-15".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let snapshot = DataSnapshot {
            id: "SNP-000001".into(),
            media_type: "text/csv".into(),
            sha256: "ab".repeat(32),
            size_bytes: 42,
            created_at: Some(prost_types::Timestamp {
                seconds: 1_700_000_000,
                nanos: 0,
            }),
            ..Default::default()
        };
        let d = dataset(&entry, &[snapshot]);
        assert_eq!(d["dct:identifier"], "101001/000001");
        assert_eq!(d["dct:publisher"]["dct:identifier"], "91110000600037341L");
        assert_eq!(d["dcat:theme"]["skos:notation"], "101001");
        assert_eq!(d["dct:issued"]["@value"], "2024-03-15");
        assert!(
            d["dct:accrualPeriodicity"]["@id"]
                .as_str()
                .unwrap()
                .ends_with("/MONTHLY")
        );
        let dist = &d["dcat:distribution"][0];
        assert_eq!(dist["dcat:byteSize"]["@value"], "42");
        assert_eq!(
            dist["spdx:checksum"]["spdx:checksumValue"]["@value"],
            "ab".repeat(32)
        );
        assert_eq!(
            dist["dcat:mediaType"]["@id"],
            "https://www.iana.org/assignments/media-types/text/csv"
        );
        let c = catalog(vec![d], chrono::Utc::now());
        assert_eq!(c["@type"], "dcat:Catalog");
        assert!(c["@context"]["dcat"].is_string());
        assert_eq!(c["dcat:dataset"].as_array().unwrap().len(), 1);
    }
}
