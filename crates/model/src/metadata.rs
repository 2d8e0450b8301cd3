//! The validated catalogue entry (the 13 core elements), its canonical bytes and digest.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::code::{ClassificationCode, ResourceCode};
use crate::credit_code::CreditCode;
use crate::enums::{Category, DataType, FormatKind, ShareMode, ShareType, UpdateCycle};

/// A catalogue entry's metadata that passed [`crate::validate`]. Field order is the canonical
/// order: changing it changes every digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceMetadata {
    pub classification: Classification,
    pub name: String,
    pub provider_code: CreditCode,
    /// Element 4, 信息资源提供方: filled by the server from the department record; validation
    /// leaves it empty.
    pub provider_name: String,
    pub summary: String,
    pub format: ResourceFormat,
    pub items: Vec<InfoItem>,
    pub sharing: Sharing,
    pub open: OpenAttributes,
    pub update_cycle: UpdateCycle,
    #[serde(with = "crate::date")]
    pub publish_date: NaiveDate,
    pub related_codes: Vec<ResourceCode>,
    pub keywords: Vec<String>,
}

/// 信息资源分类. Decoding checks the digit rules, so [`Classification::code`] is well formed
/// for any decoded or validated value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "ClassificationRepr")]
pub struct Classification {
    pub category: Category,
    /// 项: 2 digits.
    pub item: String,
    /// 目: 3 digits.
    pub subitem: String,
    /// 细目: 0–12 digits.
    pub detail: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassificationRepr {
    category: Category,
    item: String,
    subitem: String,
    detail: String,
}

impl TryFrom<ClassificationRepr> for Classification {
    type Error = String;
    fn try_from(r: ClassificationRepr) -> Result<Self, String> {
        let digits = |s: &str, range: std::ops::RangeInclusive<usize>| {
            range.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(&r.item, 2..=2) || !digits(&r.subitem, 3..=3) || !digits(&r.detail, 0..=12) {
            return Err(format!(
                "invalid classification {}/{}/{}",
                r.item, r.subitem, r.detail
            ));
        }
        Ok(Self {
            category: r.category,
            item: r.item,
            subitem: r.subitem,
            detail: r.detail,
        })
    }
}

impl Classification {
    /// The 分类码 these parts spell.
    pub fn code(&self) -> ClassificationCode {
        ClassificationCode::from_parts(self.category, &self.item, &self.subitem, &self.detail)
    }

    /// The parts of a 分类码.
    pub fn from_code(code: &ClassificationCode) -> Self {
        Self {
            category: code.category(),
            item: code.item().to_owned(),
            subitem: code.subitem().to_owned(),
            detail: code.detail().to_owned(),
        }
    }
}

/// 信息资源格式.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceFormat {
    pub kind: FormatKind,
    /// One of `kind.allowed_details()` in its spelling, or free text for 自描述格式 / 其他.
    pub detail: String,
}

/// 信息项.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InfoItem {
    pub name: String,
    pub data_type: DataType,
    pub length: u32,
    /// Effective: the item's own type, or the entry's when the item had none.
    pub share_type: ShareType,
    pub description: String,
}

/// 共享属性.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sharing {
    pub share_type: ShareType,
    /// 共享条件: required for 有条件共享.
    pub condition: String,
    /// 共享方式: required unless 不予共享.
    pub mode: Option<ShareMode>,
    /// 不予共享的依据: required for 不予共享.
    pub basis: String,
}

/// 开放属性.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenAttributes {
    pub open_to_public: bool,
    /// 开放条件: empty unless open to the public.
    pub condition: String,
}

/// Canonical bytes that cannot be read back as metadata.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("元数据无法解码：{0} (metadata cannot be decoded: {0})")]
pub struct DecodeError(String);

/// Lowercase hex SHA-256 of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl ResourceMetadata {
    /// Compact JSON, fields in declaration order: the same metadata always gives the same bytes.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("metadata has only string keys and finite values")
    }

    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        serde_json::from_slice(bytes).map_err(|e| DecodeError(e.to_string()))
    }

    /// Lowercase hex SHA-256 of the canonical bytes.
    pub fn digest(&self) -> String {
        digest_of(&self.canonical_bytes())
    }

    /// The items that may be delivered: every one not marked 不予共享.
    pub fn shareable_items(&self) -> impl Iterator<Item = &InfoItem> {
        self.items
            .iter()
            .filter(|i| i.share_type != ShareType::NotShared)
    }

    pub fn item(&self, name: &str) -> Option<&InfoItem> {
        self.items.iter().find(|i| i.name == name)
    }

    /// The 分类码 of the entry.
    pub fn classification_code(&self) -> ClassificationCode {
        self.classification.code()
    }
}
