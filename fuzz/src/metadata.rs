//! Catalogue metadata as a client sends it ([`MetadataInput`]), built from fuzzer bytes, and
//! the input that gives a validated entry back.

use arbitrary::Arbitrary;
use govshare_model::testing::valid_credit_code;
use govshare_model::{
    Category, ClassificationInput, DataType, FormatInput, FormatKind, InfoItemInput, MetadataInput,
    OpenInput, ResourceMetadata, ShareMode, ShareType, SharingInput, UpdateCycle,
};

use crate::text::{Code, Digits, Text};

/// The parts of a [`MetadataInput`].
#[derive(Arbitrary, Debug)]
pub struct MetadataSpec {
    category: Code,
    item: Digits,
    subitem: Digits,
    detail: Digits,
    name: Text,
    provider_code: CreditText,
    summary: Text,
    format_kind: Code,
    format_detail: FormatDetail,
    items: Vec<ItemSpec>,
    share_type: Code,
    condition: Text,
    mode: Code,
    basis: Text,
    open_to_public: bool,
    open_condition: Text,
    update_cycle: Code,
    publish_date: DateText,
    related_codes: Vec<RelatedCode>,
    keywords: Vec<Text>,
    classified: bool,
}

#[derive(Arbitrary, Debug)]
struct ItemSpec {
    name: Text,
    data_type: Code,
    length: Length,
    share_type: Code,
    description: String,
}

/// An item's length: small, or any number.
#[derive(Arbitrary, Debug)]
enum Length {
    Small(u16),
    Any(u32),
}

/// A 统一社会信用代码: a valid one (the `n`th of the test fixtures) or any text.
#[derive(Arbitrary, Debug)]
enum CreditText {
    Valid(u32),
    Text(String),
}

/// A format detail: one the guideline lists for some kind (in any letter case, maybe padded)
/// or any text.
#[derive(Arbitrary, Debug)]
enum FormatDetail {
    /// One of the entry's format kind.
    Listed {
        index: u8,
        upper: bool,
        padded: bool,
    },
    Text(String),
}

/// A 发布日期: `YYYY-MM-DD` with numbers that may or may not make a day, or any text.
#[derive(Arbitrary, Debug)]
enum DateText {
    Day { year: u16, month: u8, day: u8 },
    Text(String),
}

/// A 信息资源代码: classification digits and a sequence number, or any text.
#[derive(Arbitrary, Debug)]
enum RelatedCode {
    Code {
        category: u8,
        classification: Digits,
        sequence: u32,
    },
    Text(String),
}

impl MetadataSpec {
    pub fn input(&self) -> MetadataInput {
        let format_kind = self.format_kind.value(known(FormatKind::ALL));
        MetadataInput {
            classification: ClassificationInput {
                category: self.category.value(known(Category::ALL)),
                item: self.item.text(2),
                subitem: self.subitem.text(3),
                detail: self.detail.text(0),
            },
            name: self.name.text(),
            provider_code: self.provider_code.text(),
            summary: self.summary.text(),
            format: FormatInput {
                kind: format_kind,
                detail: self.format_detail.text(format_kind),
            },
            items: self.items.iter().map(ItemSpec::input).collect(),
            sharing: SharingInput {
                share_type: self.share_type.value(known(ShareType::ALL)),
                condition: self.condition.text(),
                mode: self.mode.value(known(ShareMode::ALL)),
                basis: self.basis.text(),
            },
            open: OpenInput {
                open_to_public: self.open_to_public,
                condition: self.open_condition.text(),
            },
            update_cycle: self.update_cycle.value(known(UpdateCycle::ALL)),
            publish_date: self.publish_date.text(),
            related_codes: self.related_codes.iter().map(RelatedCode::text).collect(),
            keywords: self.keywords.iter().map(Text::text).collect(),
            classified: self.classified,
        }
    }
}

impl ItemSpec {
    fn input(&self) -> InfoItemInput {
        InfoItemInput {
            name: self.name.text(),
            data_type: self.data_type.value(known(DataType::ALL)),
            length: match self.length {
                Length::Small(n) => u32::from(n),
                Length::Any(n) => n,
            },
            share_type: self.share_type.value(known(ShareType::ALL)),
            description: self.description.clone(),
        }
    }
}

/// How many values an enum knows, for [`Code::value`].
fn known<T>(all: &[T]) -> u8 {
    u8::try_from(all.len()).unwrap_or(u8::MAX)
}

impl CreditText {
    fn text(&self) -> String {
        match self {
            CreditText::Valid(n) => valid_credit_code(*n),
            CreditText::Text(s) => s.clone(),
        }
    }
}

impl FormatDetail {
    fn text(&self, kind: i32) -> String {
        match self {
            FormatDetail::Listed {
                index,
                upper,
                padded,
            } => {
                let allowed = FormatKind::from_code(kind).map_or(&[][..], |k| k.allowed_details());
                let Some(detail) = allowed.get(usize::from(*index) % allowed.len().max(1)) else {
                    return String::new();
                };
                let detail = if *upper {
                    detail.to_ascii_uppercase()
                } else {
                    detail.to_ascii_lowercase()
                };
                if *padded {
                    format!(" {detail} ")
                } else {
                    detail
                }
            }
            FormatDetail::Text(s) => s.clone(),
        }
    }
}

impl DateText {
    fn text(&self) -> String {
        match self {
            DateText::Day { year, month, day } => {
                format!("{:04}-{:02}-{:02}", year % 10_000, month % 14, day % 33)
            }
            DateText::Text(s) => s.clone(),
        }
    }
}

impl RelatedCode {
    fn text(&self) -> String {
        match self {
            RelatedCode::Code {
                category,
                classification,
                sequence,
            } => format!(
                "{}{}/{:06}",
                category % 5,
                classification.text(5),
                sequence % 1_000_001
            ),
            RelatedCode::Text(s) => s.clone(),
        }
    }
}

/// The input a client would send to get `metadata` back from validation: every field as
/// validation left it, each item with its effective share type.
pub fn input_of(metadata: &ResourceMetadata) -> MetadataInput {
    let ResourceMetadata {
        classification,
        name,
        provider_code,
        provider_name: _,
        summary,
        format,
        items,
        sharing,
        open,
        update_cycle,
        publish_date,
        related_codes,
        keywords,
    } = metadata;
    MetadataInput {
        classification: ClassificationInput {
            category: classification.category.code(),
            item: classification.item.clone(),
            subitem: classification.subitem.clone(),
            detail: classification.detail.clone(),
        },
        name: name.clone(),
        provider_code: provider_code.to_string(),
        summary: summary.clone(),
        format: FormatInput {
            kind: format.kind.code(),
            detail: format.detail.clone(),
        },
        items: items
            .iter()
            .map(|item| InfoItemInput {
                name: item.name.clone(),
                data_type: item.data_type.code(),
                length: item.length,
                share_type: item.share_type.code(),
                description: item.description.clone(),
            })
            .collect(),
        sharing: SharingInput {
            share_type: sharing.share_type.code(),
            condition: sharing.condition.clone(),
            mode: sharing.mode.map_or(0, |m| m.code()),
            basis: sharing.basis.clone(),
        },
        open: OpenInput {
            open_to_public: open.open_to_public,
            condition: open.condition.clone(),
        },
        update_cycle: update_cycle.code(),
        publish_date: publish_date.format("%Y-%m-%d").to_string(),
        related_codes: related_codes.iter().map(ToString::to_string).collect(),
        keywords: keywords.clone(),
        classified: false,
    }
}
