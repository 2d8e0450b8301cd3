//! Text analysis, shared by indexing and querying so that both see the same words: jieba word
//! segmentation in search mode (a compound such as 常住人口 is indexed whole and as 常住, 人口),
//! no HMM guessing of unknown words (the same characters always split the same way),
//! lower-cased letters, punctuation and a few function words dropped; and the tokenizer of
//! resource codes, which makes `101001/000001` findable whole and by either part.

use std::sync::LazyLock;

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the text fields' tokenizer is registered under.
pub(crate) const JIEBA_TOKENIZER: &str = "govshare_jieba";
/// The name the code field's tokenizer is registered under.
pub(crate) const CODE_TOKENIZER: &str = "govshare_code";

/// The dictionary is loaded once per process (it takes a few hundred milliseconds).
static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Loads the dictionary now rather than on the first document or query.
pub(crate) fn warm() {
    LazyLock::force(&JIEBA);
}

/// Words that mean nothing on their own in a catalogue search.
const STOP_WORDS: &[&str] = &[
    "的", "了", "和", "与", "及", "或", "等", "之", "其", "并", "a", "an", "and", "of", "or",
    "the", "to",
];

/// The indexed form of a word: lower case; `None` for punctuation, spaces and stop words.
fn normalize(word: &str) -> Option<String> {
    if !word.chars().any(char::is_alphanumeric) {
        return None;
    }
    let word = if word.chars().any(char::is_uppercase) {
        word.to_lowercase()
    } else {
        word.to_owned()
    };
    (!STOP_WORDS.contains(&word.as_str())).then_some(word)
}

/// The words of `text` as the index stores them, in order.
pub fn index_words(text: &str) -> Vec<String> {
    JIEBA
        .cut_for_search(text, false)
        .into_iter()
        .filter_map(|t| normalize(t.word))
        .collect()
}

/// The tokens of `text`, numbered from `position`.
pub(crate) fn tokens(text: &str, position: usize) -> Vec<Token> {
    let mut tokens = Vec::new();
    for t in JIEBA.cut_for_search(text, false) {
        if let Some(word) = normalize(t.word) {
            tokens.push(Token {
                offset_from: t.byte_start,
                offset_to: t.byte_end,
                position: position + tokens.len(),
                text: word,
                position_length: 1,
            });
        }
    }
    tokens
}

/// A token stream over tokens computed up front.
#[derive(Debug)]
pub(crate) struct VecTokenStream {
    tokens: std::vec::IntoIter<Token>,
    current: Token,
}

impl VecTokenStream {
    fn new(tokens: Vec<Token>) -> Self {
        VecTokenStream {
            tokens: tokens.into_iter(),
            current: Token::default(),
        }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(token) => {
                self.current = token;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

/// Chinese and mixed text: jieba's search-mode segmentation.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct JiebaTokenizer;

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(tokens(text, 0))
    }
}

/// Resource codes: the whole code, then its 分类码 and 顺序码.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CodeTokenizer;

impl Tokenizer for CodeTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let text = text.trim();
        let mut tokens = Vec::new();
        let mut push = |from: usize, to: usize| {
            let word = &text[from..to];
            if !word.is_empty() {
                tokens.push(Token {
                    offset_from: from,
                    offset_to: to,
                    position: tokens.len(),
                    text: word.to_lowercase(),
                    position_length: 1,
                });
            }
        };
        push(0, text.len());
        if let Some(slash) = text.find('/') {
            push(0, slash);
            push(slash + 1, text.len());
        }
        VecTokenStream::new(tokens)
    }
}

/// One word of a query: it matches an entry that has the word itself or, when the dictionary
/// splits the word further, every one of its parts (the same text may be segmented otherwise
/// inside a longer sentence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryWord {
    pub whole: String,
    pub parts: Vec<String>,
    /// Whether the word segments as itself, so that any text segmented to it has the parts.
    pub parts_implied: bool,
}

/// What one blank-separated piece of a query asks for: all of its words, or the code it spells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryPiece {
    pub words: Vec<QueryWord>,
    /// Set when the piece looks like a resource code or a part of one (digits and `/`).
    pub code: Option<String>,
}

/// The pieces of a query that can match anything; empty when the text has no words.
pub(crate) fn query_pieces(text: &str) -> Vec<QueryPiece> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
        .filter(|piece| !piece.is_empty())
        .filter_map(|piece| {
            let words: Vec<QueryWord> = JIEBA
                .cut(piece, false)
                .into_iter()
                .filter_map(|t| normalize(t.word))
                .map(|whole| {
                    let mut parts: Vec<String> = index_words(&whole)
                        .into_iter()
                        .filter(|p| *p != whole)
                        .collect();
                    parts.sort();
                    parts.dedup();
                    let parts_implied = JIEBA.cut(&whole, false).len() == 1;
                    QueryWord {
                        whole,
                        parts,
                        parts_implied,
                    }
                })
                .collect();
            let code = (piece.bytes().any(|b| b.is_ascii_digit())
                && piece.bytes().all(|b| b.is_ascii_digit() || b == b'/'))
            .then(|| piece.to_owned());
            (!words.is_empty() || code.is_some()).then_some(QueryPiece { words, code })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_tokens(text: &str) -> Vec<String> {
        let mut tokenizer = CodeTokenizer;
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn compounds_are_indexed_whole_and_by_their_parts() {
        let words = index_words("常住人口基础信息");
        for w in ["常住", "人口", "常住人口", "基础", "信息"] {
            assert!(words.contains(&w.to_owned()), "{w} in {words:?}");
        }
    }

    #[test]
    fn letters_are_lower_cased_and_punctuation_dropped() {
        assert_eq!(
            index_words("KingbaseES数据库，API接口。"),
            ["kingbasees", "数据", "据库", "数据库", "api", "接口"]
        );
        assert_eq!(index_words("人口的信息"), ["人口", "信息"]);
    }

    #[test]
    fn codes_are_indexed_whole_and_by_their_parts() {
        assert_eq!(
            code_tokens("101001/000001"),
            ["101001/000001", "101001", "000001"]
        );
    }

    #[test]
    fn a_query_word_knows_its_parts() {
        let pieces = query_pieces("社会保险 101001");
        assert_eq!(pieces.len(), 2);
        assert_eq!(
            pieces[0].words,
            [QueryWord {
                whole: "社会保险".into(),
                parts: vec!["保险".into(), "社会".into()],
                parts_implied: true,
            }]
        );
        assert_eq!(pieces[0].code, None);
        assert_eq!(pieces[1].code.as_deref(), Some("101001"));
    }

    #[test]
    fn a_query_of_punctuation_and_stop_words_has_no_pieces() {
        assert!(query_pieces(" 的，、 ").is_empty());
    }
}
