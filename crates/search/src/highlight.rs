//! Highlights: for each text field of a hit that contains a query word, a fragment of the field
//! with the words marked `<em>…</em>` and the rest of the text HTML-escaped.
//!
//! The marks are placed where the query's words (as the analyzer segments them) occur in the
//! stored text. Unlike tantivy's `SnippetGenerator`, this does not segment every field of every
//! hit again with jieba, which cost a third of a query's time; English words are only marked
//! whole.

use crate::analyzer::QueryPiece;
use crate::document::TextField;

/// The longest fragment, in bytes of UTF-8 (about 80 Chinese characters).
const FRAGMENT_BYTES: usize = 240;
/// Context kept before the first mark of a fragment cut from a longer text, in bytes.
const LEAD_BYTES: usize = 30;

/// One highlighted fragment of a hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Highlight {
    pub field: TextField,
    /// HTML: the text escaped, the matched words in `<em>…</em>`.
    pub fragment: String,
}

/// Marks the words of one query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Highlighter {
    /// Lower case, without duplicates.
    words: Vec<String>,
}

impl Highlighter {
    /// The highlighter of the words of `pieces`.
    pub fn new(pieces: &[QueryPiece]) -> Self {
        let mut words: Vec<String> = pieces
            .iter()
            .flat_map(|p| &p.words)
            .flat_map(|w| std::iter::once(&w.whole).chain(&w.parts))
            .cloned()
            .collect();
        words.sort();
        words.dedup();
        Highlighter { words }
    }

    /// Whether no text can have a mark.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The highlight of `text` in `field`, if a word occurs in it.
    pub fn highlight(&self, field: TextField, text: &str) -> Option<Highlight> {
        let marks = self.marks(text);
        let (first, last) = (marks.first()?, marks.last()?);
        let (from, to) = if text.len() <= FRAGMENT_BYTES {
            (0, text.len())
        } else {
            window(text, first.0, last.1)
        };
        let mut fragment = String::with_capacity(to - from + 32);
        if from > 0 {
            fragment.push('…');
        }
        let mut at = from;
        for &(start, end) in marks.iter().filter(|(s, e)| *s >= from && *e <= to) {
            escape_into(&mut fragment, &text[at..start]);
            fragment.push_str("<em>");
            escape_into(&mut fragment, &text[start..end]);
            fragment.push_str("</em>");
            at = end;
        }
        escape_into(&mut fragment, &text[at..to]);
        if to < text.len() {
            fragment.push('…');
        }
        Some(Highlight { field, fragment })
    }

    /// The byte ranges of the words in `text`, in order, overlapping and adjacent ones merged.
    fn marks(&self, text: &str) -> Vec<(usize, usize)> {
        // ASCII lower-casing keeps byte offsets; the words are lower case already.
        let lower = text.to_ascii_lowercase();
        let mut ranges = Vec::new();
        for word in &self.words {
            for (start, _) in lower.match_indices(word.as_str()) {
                let end = start + word.len();
                if whole_word(&lower, start, end) {
                    ranges.push((start, end));
                }
            }
        }
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
        for (start, end) in ranges {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
    }
}

/// An English word or number is marked only where it is not part of a longer one.
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let alnum = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    let bytes = text.as_bytes();
    let word_is_ascii = bytes[start..end].iter().all(u8::is_ascii_alphanumeric);
    !word_is_ascii
        || (!alnum(start.checked_sub(1).and_then(|i| bytes.get(i))) && !alnum(bytes.get(end)))
}

/// A window of at most [`FRAGMENT_BYTES`] of `text` starting a little before the first mark
/// (`first`) and reaching as far towards the last (`last`) as it can, on character boundaries.
fn window(text: &str, first: usize, last: usize) -> (usize, usize) {
    let mut from = first.saturating_sub(LEAD_BYTES);
    if last > from + FRAGMENT_BYTES {
        // The marks do not all fit: start at the first one.
        from = first;
    }
    let from = floor_boundary(text, from);
    let to = floor_boundary(text, (from + FRAGMENT_BYTES).min(text.len()));
    (from, to.max(floor_boundary(text, first)))
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::query_pieces;

    fn mark(query: &str, text: &str) -> Option<String> {
        Highlighter::new(&query_pieces(query))
            .highlight(TextField::Summary, text)
            .map(|h| h.fragment)
    }

    #[test]
    fn adjacent_words_are_one_mark() {
        assert_eq!(
            mark("户籍 人口", "户籍人口基本信息").as_deref(),
            Some("<em>户籍人口</em>基本信息")
        );
    }

    #[test]
    fn english_words_are_marked_whole_in_any_case() {
        assert_eq!(
            mark("api", "通过 API 接口，不是 rapid").as_deref(),
            Some("通过 <em>API</em> 接口，不是 rapid")
        );
    }

    #[test]
    fn text_without_the_words_has_no_highlight() {
        assert_eq!(mark("人口", "企业登记信息"), None);
    }

    #[test]
    fn a_long_text_is_cut_around_the_marks() {
        let text = format!("{}户籍人口{}", "前文".repeat(100), "后文".repeat(100));
        let fragment = mark("人口", &text).expect("a mark");
        assert!(
            fragment.starts_with('…') && fragment.ends_with('…'),
            "{fragment}"
        );
        assert!(fragment.contains("户籍<em>人口</em>"), "{fragment}");
        assert!(fragment.len() <= FRAGMENT_BYTES + 2 * '…'.len_utf8() + 9);
    }

    #[test]
    fn the_text_around_the_marks_is_escaped() {
        assert_eq!(
            mark("人口", "人口<b>&\"'").as_deref(),
            Some("<em>人口</em>&lt;b&gt;&amp;&quot;&#39;")
        );
    }
}
