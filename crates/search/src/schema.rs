//! The index schema: which field holds what, how each is analysed, and the conversion of a
//! [`SearchDoc`] into an index document.
//!
//! The words of all text fields go into one field, each field's words repeated by its weight
//! ([`TextField::weight`]): BM25 over that field is BM25F, the multi-field ranking that weighs
//! a word by where it occurs, and a query word is one posting list rather than one per field.
//! The text fields themselves are only stored, for highlighting.

use tantivy::TantivyDocument;
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, STORED, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{PreTokenizedString, TextAnalyzer, TokenizerManager};

use crate::analyzer::{self, CODE_TOKENIZER, CodeTokenizer, JIEBA_TOKENIZER, JiebaTokenizer};
use crate::document::{SearchDoc, TextField};
use crate::facets::facet_key;

/// The code field: raw, stored and a fast column, for identity (deletes) and for ordering.
pub(crate) const CODE: &str = "code";
const CODE_TEXT: &str = "code_text";
const WORDS: &str = "words";
const PROVIDER_CODE: &str = "provider_code";
/// The provider's code and name, joined by [`PROVIDER_SEPARATOR`]: the provider facet's column.
pub(crate) const PROVIDER: &str = "provider";
/// Cannot occur in a credit code.
pub(crate) const PROVIDER_SEPARATOR: char = '\u{1f}';
const CATEGORY: &str = "category";
const SHARE_TYPE: &str = "share_type";
const UPDATE_CYCLE: &str = "update_cycle";
/// Category, share type and update cycle packed into one column ([`crate::facets::facet_key`]).
pub(crate) const FACET_KEY: &str = "facet_key";

/// The fields of the schema.
#[derive(Debug, Clone)]
pub(crate) struct Fields {
    pub code: Field,
    /// The code as words: whole, 分类码, 顺序码.
    pub code_text: Field,
    /// The weighted words of every text field.
    pub words: Field,
    name: Field,
    keywords: Field,
    items: Field,
    summary: Field,
    provider_name: Field,
    pub provider_code: Field,
    provider: Field,
    pub category: Field,
    pub share_type: Field,
    pub update_cycle: Field,
    facet_key: Field,
}

impl Fields {
    /// The stored field of a text field.
    pub fn text(&self, field: TextField) -> Field {
        match field {
            TextField::Name => self.name,
            TextField::Keywords => self.keywords,
            TextField::Items => self.items,
            TextField::Summary => self.summary,
            TextField::ProviderName => self.provider_name,
        }
    }

    /// The index document of `doc`.
    pub fn document(&self, doc: &SearchDoc) -> TantivyDocument {
        let mut d = TantivyDocument::default();
        d.add_text(self.code, &doc.code);
        d.add_text(self.code_text, &doc.code);
        let mut words = Vec::new();
        for field in TextField::ALL {
            let text = doc.text(field);
            let tokens = analyzer::tokens(&text, 0);
            for _ in 0..field.weight() {
                words.extend(tokens.iter().cloned());
            }
            d.add_text(self.text(field), text);
        }
        for (position, token) in words.iter_mut().enumerate() {
            token.position = position;
        }
        d.add_pre_tokenized_text(
            self.words,
            PreTokenizedString {
                text: String::new(),
                tokens: words,
            },
        );
        d.add_text(self.provider_code, &doc.provider_code);
        d.add_text(
            self.provider,
            format!(
                "{}{PROVIDER_SEPARATOR}{}",
                doc.provider_code, doc.provider_name
            ),
        );
        d.add_u64(self.category, enum_value(doc.category.code()));
        d.add_u64(self.share_type, enum_value(doc.share_type.code()));
        d.add_u64(self.update_cycle, enum_value(doc.update_cycle.code()));
        d.add_u64(
            self.facet_key,
            facet_key(doc.category, doc.share_type, doc.update_cycle),
        );
        d
    }
}

/// Enum codes are small positive numbers.
pub(crate) fn enum_value(code: i32) -> u64 {
    u64::try_from(code).unwrap_or(0)
}

/// The schema and its fields.
pub(crate) fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let raw_indexed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_fieldnorms(false)
            .set_index_option(IndexRecordOption::Basic),
    );
    let raw = raw_indexed.clone().set_fast("raw");
    let filter = NumericOptions::default().set_indexed();
    let code = b.add_text_field(CODE, raw.clone() | STORED);
    let code_text = b.add_text_field(
        CODE_TEXT,
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(CODE_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        ),
    );
    let words = b.add_text_field(
        WORDS,
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(JIEBA_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        ),
    );
    let name = b.add_text_field(TextField::Name.name(), STORED);
    let keywords = b.add_text_field(TextField::Keywords.name(), STORED);
    let items = b.add_text_field(TextField::Items.name(), STORED);
    let summary = b.add_text_field(TextField::Summary.name(), STORED);
    let provider_name = b.add_text_field(TextField::ProviderName.name(), STORED);
    let provider_code = b.add_text_field(PROVIDER_CODE, raw_indexed);
    let provider = b.add_text_field(PROVIDER, TextOptions::default().set_fast("raw"));
    let category = b.add_u64_field(CATEGORY, filter.clone());
    let share_type = b.add_u64_field(SHARE_TYPE, filter.clone());
    let update_cycle = b.add_u64_field(UPDATE_CYCLE, filter);
    let facet_key = b.add_u64_field(FACET_KEY, NumericOptions::default().set_fast());
    let fields = Fields {
        code,
        code_text,
        words,
        name,
        keywords,
        items,
        summary,
        provider_name,
        provider_code,
        provider,
        category,
        share_type,
        update_cycle,
        facet_key,
    };
    (b.build(), fields)
}

/// The tokenizers the schema names, plus tantivy's own (`raw`).
pub(crate) fn tokenizers() -> TokenizerManager {
    let manager = TokenizerManager::default();
    manager.register(JIEBA_TOKENIZER, TextAnalyzer::from(JiebaTokenizer));
    manager.register(CODE_TOKENIZER, TextAnalyzer::from(CodeTokenizer));
    manager
}
