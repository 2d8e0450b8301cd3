//! A search request ([`SearchQuery`]) and its translation into a tantivy query: every piece of
//! the text must match (its words, or the code it spells), and every filter must hold.

use govshare_model::{Category, ShareType, UpdateCycle};
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use crate::analyzer::{QueryPiece, QueryWord};
use crate::schema::{Fields, enum_value};

/// How much a match of the code field counts (a code names one entry or one classification).
const CODE_BOOST: f32 = 4.0;
/// The most words of a query that are used; the rest is ignored.
pub const MAX_QUERY_WORDS: usize = 32;

/// What to search for and which page of the results to return.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    /// Words (Chinese or English) or codes; blank: every entry, ordered by code.
    pub text: String,
    pub filters: Filters,
    /// Hits to skip.
    pub offset: usize,
    /// Hits to return; 0 returns only the total and the facets.
    pub limit: usize,
    /// Leave the hits' highlights to the caller ([`SearchPage::highlights`]), which has the
    /// entries at hand: the hits' codes are then read from a column of the index rather than
    /// from its stored text, which is not read at all.
    pub caller_highlights: bool,
}

/// Conditions every hit meets; `None` accepts anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub provider_code: Option<String>,
    pub category: Option<Category>,
    pub share_type: Option<ShareType>,
    pub update_cycle: Option<UpdateCycle>,
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn any_of(clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        clauses.into_iter().map(|q| (Occur::Should, q)).collect(),
    ))
}

fn all_of(mut clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if clauses.len() == 1
        && let Some(only) = clauses.pop()
    {
        return only;
    }
    Box::new(BooleanQuery::new(
        clauses.into_iter().map(|q| (Occur::Must, q)).collect(),
    ))
}

/// The documents a word matches. A document that has the word also has its parts (search
/// mode indexes them alongside), so when the word segments as itself, requiring its parts
/// finds the same documents, and those whose text segmented otherwise, with a conjunction of
/// posting lists, which tantivy prunes by block-max scores, rather than a union.
fn word_query(fields: &Fields, word: &QueryWord) -> Box<dyn Query> {
    let whole = || term_query(fields.words, &word.whole);
    if word.parts.is_empty() {
        return whole();
    }
    let parts = all_of(
        word.parts
            .iter()
            .map(|p| term_query(fields.words, p))
            .collect(),
    );
    if word.parts_implied {
        parts
    } else {
        any_of(vec![whole(), parts])
    }
}

fn piece_query(fields: &Fields, piece: &QueryPiece, budget: &mut usize) -> Option<Box<dyn Query>> {
    let mut words = Vec::new();
    for word in &piece.words {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        words.push(word_query(fields, word));
    }
    let text = (!words.is_empty()).then(|| all_of(words));
    let code = piece.code.as_deref().map(|c| {
        Box::new(BoostQuery::new(term_query(fields.code_text, c), CODE_BOOST)) as Box<dyn Query>
    });
    match (text, code) {
        (Some(t), Some(c)) => Some(any_of(vec![t, c])),
        (t, c) => t.or(c),
    }
}

/// The query of `pieces`: all of them must match. `None` when they have no words (then every
/// entry matches).
pub(crate) fn text_query(fields: &Fields, pieces: &[QueryPiece]) -> Option<Box<dyn Query>> {
    let mut budget = MAX_QUERY_WORDS;
    let clauses: Vec<Box<dyn Query>> = pieces
        .iter()
        .filter_map(|p| piece_query(fields, p, &mut budget))
        .collect();
    (!clauses.is_empty()).then(|| all_of(clauses))
}

/// A condition that does not change the score.
fn filter(term: Term) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(
        Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
        0.0,
    ))
}

/// `text` (or every entry) restricted by `filters`.
pub(crate) fn with_filters(
    fields: &Fields,
    text: Option<Box<dyn Query>>,
    filters: &Filters,
) -> Box<dyn Query> {
    let Filters {
        provider_code,
        category,
        share_type,
        update_cycle,
    } = filters;
    let mut clauses: Vec<Box<dyn Query>> = Vec::new();
    if let Some(p) = provider_code {
        clauses.push(filter(Term::from_field_text(fields.provider_code, p)));
    }
    if let Some(c) = category {
        clauses.push(filter(Term::from_field_u64(
            fields.category,
            enum_value(c.code()),
        )));
    }
    if let Some(s) = share_type {
        clauses.push(filter(Term::from_field_u64(
            fields.share_type,
            enum_value(s.code()),
        )));
    }
    if let Some(u) = update_cycle {
        clauses.push(filter(Term::from_field_u64(
            fields.update_cycle,
            enum_value(u.code()),
        )));
    }
    match (text, clauses.is_empty()) {
        (Some(text), true) => text,
        (None, true) => Box::new(AllQuery),
        (text, false) => {
            clauses.extend(text);
            all_of(clauses)
        }
    }
}
