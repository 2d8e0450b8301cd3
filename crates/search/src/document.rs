//! What the index holds of one published entry, and the searchable text fields.

use govshare_model::{Category, ResourceCode, ResourceMetadata, ShareType, UpdateCycle};

/// The searchable view of one published entry at its published version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    /// The resource code (`101001/000001`): the document's identity.
    pub code: String,
    pub name: String,
    pub summary: String,
    pub keywords: Vec<String>,
    /// The names of the entry's 信息项.
    pub items: Vec<String>,
    pub provider_code: String,
    pub provider_name: String,
    pub category: Category,
    pub share_type: ShareType,
    pub update_cycle: UpdateCycle,
}

impl SearchDoc {
    /// The document of `metadata` published under `code`.
    pub fn from_metadata(code: &ResourceCode, metadata: &ResourceMetadata) -> SearchDoc {
        SearchDoc {
            code: code.to_string(),
            name: metadata.name.clone(),
            summary: metadata.summary.clone(),
            keywords: metadata.keywords.clone(),
            items: metadata.items.iter().map(|i| i.name.clone()).collect(),
            provider_code: metadata.provider_code.to_string(),
            provider_name: metadata.provider_name.clone(),
            category: metadata.classification.category,
            share_type: metadata.sharing.share_type,
            update_cycle: metadata.update_cycle,
        }
    }

    /// The text of `field`; list fields are joined with 、.
    pub fn text(&self, field: TextField) -> String {
        match field {
            TextField::Name => self.name.clone(),
            TextField::Summary => self.summary.clone(),
            TextField::Keywords => self.keywords.join("、"),
            TextField::Items => self.items.join("、"),
            TextField::ProviderName => self.provider_name.clone(),
        }
    }
}

/// A searchable text field, in the order of its weight in the ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TextField {
    Name,
    Keywords,
    Items,
    Summary,
    ProviderName,
}

impl TextField {
    /// Every text field, heaviest first.
    pub const ALL: [TextField; 5] = [
        TextField::Name,
        TextField::Keywords,
        TextField::Items,
        TextField::Summary,
        TextField::ProviderName,
    ];

    /// The field's name in the index and in highlights.
    pub fn name(self) -> &'static str {
        match self {
            TextField::Name => "name",
            TextField::Keywords => "keywords",
            TextField::Items => "items",
            TextField::Summary => "summary",
            TextField::ProviderName => "provider_name",
        }
    }

    /// How much a word in this field counts: name > keywords > items > summary > provider.
    /// The ranking is BM25F: an occurrence counts this many times in the document's term
    /// frequency and length.
    pub(crate) fn weight(self) -> usize {
        match self {
            TextField::Name => 5,
            TextField::Keywords => 4,
            TextField::Items => 3,
            TextField::Summary => 2,
            TextField::ProviderName => 1,
        }
    }
}
