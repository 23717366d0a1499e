//! The index schema (one documented field per column) and koda's text analysers.

use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, TextAnalyzer,
};

/// Name of the fast field holding each turn's document sequence number.
pub const DOC_SEQ: &str = "doc_seq";

/// Words longer than this (in bytes) are left out of the index, as no one searches for them.
pub const LONGEST_WORD: usize = 60;

/// Tokenizer name: words, lower-cased, Norwegian (bokmål) Snowball stemming.
pub const TOK_NO: &str = "koda_no";
/// Tokenizer name: words, lower-cased, English Snowball stemming.
pub const TOK_EN: &str = "koda_en";
/// Tokenizer name: words, lower-cased, diacritics folded (`bølge` -> `bolge`), no stemming.
pub const TOK_FOLD: &str = "koda_fold";
/// Tokenizer name: the whole value as one lower-cased term (speaker, code path, attribute).
pub const TOK_RAW: &str = "koda_raw";
/// Tokenizer name: words, lower-cased, nothing more (the words [`TOK_PARTS`] cuts).
pub const TOK_LOWER: &str = "koda_lower";
/// Tokenizer name: the cuts of every word long enough to be a compound into a lead and a rest (see
/// [`super::compounds`]).
pub const TOK_PARTS: &str = "koda_parts";

/// A stemming language of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Norwegian (bokmål and nynorsk projects use the bokmål stemmer).
    No,
    /// English.
    En,
}

impl Lang {
    /// Whether the language writes compounds as one word, so that a word searched for also
    /// finds the compounds it is part of.
    pub fn compounds(self) -> bool {
        matches!(self, Lang::No)
    }

    /// The languages to index for a project's language codes (unknown codes are ignored).
    pub fn from_codes(codes: &[String]) -> Vec<Lang> {
        let mut out = Vec::new();
        for c in codes {
            let l = match c.as_str() {
                "no" | "nb" | "nn" => Lang::No,
                "en" => Lang::En,
                _ => continue,
            };
            if !out.contains(&l) {
                out.push(l);
            }
        }
        if out.is_empty() {
            out.push(Lang::No);
        }
        out
    }
}

/// Every field of the index. One index document is one turn (or one paragraph of notes).
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Document id (stored; also the key for deleting a document's turns).
    pub doc: Field,
    /// Document title (stored only), so a hit needs no document metadata.
    pub title: Field,
    /// Turn number within the document (stored).
    pub turn: Field,
    /// The document's import sequence number (a fast field, for counting documents; stored,
    /// for ordering hits of equal score).
    pub doc_seq: Field,
    /// Where the turn's text starts in the document (chars; stored only).
    pub start: Field,
    /// Where the turn's text ends (chars; stored only).
    pub end: Field,
    /// The 1-based line where the turn starts (stored only).
    pub line: Field,
    /// Document type: `interview`, `focus-group`, `field-note`, `other` (stored).
    pub kind: Field,
    /// Speaker label, lower-cased, whole (stored as written).
    pub speaker: Field,
    /// The turn's case (its speaker's, else the document's), lower-cased, whole (stored as
    /// written).
    pub case: Field,
    /// `key=value` for every case attribute and document metadata entry, lower-cased.
    pub attr: Field,
    /// Every code path applied to (part of) the turn, with all its ancestors, lower-cased.
    pub code: Field,
    /// Every coder with a coding on (part of) the turn, lower-cased.
    pub coder: Field,
    /// The turn's text, Norwegian-stemmed.
    pub text_no: Field,
    /// The turn's text, English-stemmed.
    pub text_en: Field,
    /// The turn's text, folded and unstemmed (for diacritic-free search, prefixes and fuzzy
    /// terms); stored, so that snippets come from the index without reading the transcripts.
    pub text_fold: Field,
    /// The cuts of the turn's words into a lead and a rest, `rest|lead` (lower case,
    /// diacritics kept), for finding words inside words: compounds, `*lærer`,
    /// `*koordinator*` (see [`super::compounds`]).
    pub text_parts: Field,
}

fn text_field(
    b: &mut tantivy::schema::SchemaBuilder,
    name: &str,
    tokenizer: &str,
    stored: bool,
) -> Field {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(tokenizer)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let mut opts = TextOptions::default().set_indexing_options(indexing);
    if stored {
        opts = opts | STORED;
    }
    b.add_text_field(name, opts)
}

fn raw_field(b: &mut tantivy::schema::SchemaBuilder, name: &str, stored: bool) -> Field {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(TOK_RAW)
        .set_index_option(IndexRecordOption::Basic);
    let mut opts = TextOptions::default().set_indexing_options(indexing);
    if stored {
        opts = opts | STORED;
    }
    b.add_text_field(name, opts)
}

/// Builds the schema and its fields.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        doc: raw_field(&mut b, "doc", true),
        title: b.add_text_field("title", STORED),
        turn: b.add_u64_field("turn", STORED),
        doc_seq: b.add_u64_field(DOC_SEQ, FAST | STORED),
        start: b.add_u64_field("start", STORED),
        end: b.add_u64_field("end", STORED),
        line: b.add_u64_field("line", STORED),
        kind: raw_field(&mut b, "type", true),
        speaker: raw_field(&mut b, "speaker", true),
        case: raw_field(&mut b, "case", true),
        attr: raw_field(&mut b, "attr", false),
        code: raw_field(&mut b, "code", false),
        coder: raw_field(&mut b, "coder", false),
        text_no: text_field(&mut b, "text_no", TOK_NO, false),
        text_en: text_field(&mut b, "text_en", TOK_EN, false),
        text_fold: text_field(&mut b, "text_fold", TOK_FOLD, true),
        text_parts: {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer(TOK_PARTS)
                .set_index_option(IndexRecordOption::Basic);
            b.add_text_field(
                "text_parts",
                TextOptions::default().set_indexing_options(indexing),
            )
        },
    };
    (b.build(), fields)
}

/// A fresh analyser for one of koda's tokenizer names.
pub fn analyzer(name: &str) -> TextAnalyzer {
    match name {
        TOK_NO => TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(LONGEST_WORD))
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::Norwegian))
            .build(),
        TOK_EN => TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(LONGEST_WORD))
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::English))
            .build(),
        TOK_RAW => TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
        TOK_LOWER => TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(LONGEST_WORD))
            .filter(LowerCaser)
            .build(),
        TOK_PARTS => TextAnalyzer::from(super::compounds::PartsTokenizer::default()),
        _ => TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(LONGEST_WORD))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build(),
    }
}

/// Registers koda's analysers on an index.
pub fn register(index: &tantivy::Index) {
    for name in [TOK_NO, TOK_EN, TOK_FOLD, TOK_RAW, TOK_PARTS] {
        index.tokenizers().register(name, analyzer(name));
    }
}

/// A token of a text with its byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    /// The term as indexed.
    pub term: String,
    /// Byte offset where the word starts in the analysed text.
    pub from: usize,
    /// Byte offset just past it.
    pub to: usize,
}

/// Runs an analyser over a text.
pub fn tokens(name: &str, text: &str) -> Vec<Tok> {
    let mut a = analyzer(name);
    let mut stream = a.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let t = stream.token();
        out.push(Tok {
            term: t.text.clone(),
            from: t.offset_from,
            to: t.offset_to,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(name: &str, text: &str) -> Vec<String> {
        tokens(name, text).into_iter().map(|t| t.term).collect()
    }

    #[test]
    fn norwegian_stems_meet() {
        assert_eq!(terms(TOK_NO, "tillit"), terms(TOK_NO, "Tilliten"));
        let b = terms(TOK_NO, "barnehage");
        assert_eq!(b, terms(TOK_NO, "barnehagen"));
        assert_eq!(b, terms(TOK_NO, "barnehager"));
    }

    #[test]
    fn english_stems_meet() {
        assert_eq!(terms(TOK_EN, "trusting"), terms(TOK_EN, "trust"));
        assert_eq!(terms(TOK_EN, "waited"), terms(TOK_EN, "waiting"));
    }

    #[test]
    fn folding_drops_diacritics_and_keeps_offsets() {
        let t = tokens(TOK_FOLD, "Bølge 2: «Tillit»");
        let ts: Vec<&str> = t.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(ts, vec!["bolge", "2", "tillit"]);
        assert_eq!(&"Bølge 2: «Tillit»"[t[0].from..t[0].to], "Bølge");
        assert_eq!(terms(TOK_FOLD, "blåbær"), vec!["blabaer"]);
        assert_eq!(terms(TOK_RAW, "Deltaker 1"), vec!["deltaker 1"]);
    }

    #[test]
    fn languages_from_codes() {
        assert_eq!(
            Lang::from_codes(&["nb".into(), "en".into(), "no".into()]),
            vec![Lang::No, Lang::En]
        );
        assert_eq!(Lang::from_codes(&[]), vec![Lang::No]);
    }
}
