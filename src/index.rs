//! The search index: a tantivy index of every turn, derived from the project and never the truth.
//!
//! The index lives in `.koda/index/`. Beside tantivy's files it keeps `koda-index.json` (the
//! index schema version, the languages and a fingerprint of every indexed document: its text,
//! title, case, attributes, metadata and codings), `koda-current.json` (the [stamp] of the
//! project files it was brought up to date with, and the attribute names) and
//! `koda-catalog.json` (document ids and titles). Bringing the index up to date compares fingerprints and re-indexes only
//! the documents that changed; a missing, unreadable or outdated index is rebuilt from the
//! project. Index writes take `.koda/index.lock`, separate from the project's writer lock, so a
//! search never keeps anyone from coding.
//!
//! Every hit carries what a result line shows (title, type, turn, speaker, case, span, line,
//! text) in the index's stored fields, so when the project's stamp still matches,
//! [`SearchIndex::open_current`] searches without loading the project at all: no document's
//! turn table is parsed and no journal replayed.
//!
//! Nothing here changes the project; parsing queries lives in [`query`], the schema and the
//! analysers in [`schema`].

mod automata;
pub mod compounds;
mod highlight;
pub mod query;
pub mod schema;
mod search;
mod stored;
mod sync;
mod units;

use highlight::*;
use search::*;
pub use search::{Hit, SearchResults};
pub use sync::{Feed, IndexedProject, PIECE, Rebuild, SyncReport, index_dir, refresh};
pub use units::{Unit, span_is_valid, spans_for};

use crate::model::text::{CharIndex, char_len, char_to_byte, sha256_hex, slice_chars};
use crate::model::{Codebook, Document, SCHEMA_VERSION};
use crate::store::stamp::{self, Stamp};
use crate::store::{CODEBOOK_FILE, CONFIG_FILE, PRIVATE_DIR, Project, fsio};
use crate::{Error, Result};
use schema::{Fields, Lang, TOK_EN, TOK_FOLD, TOK_NO};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use stored::StoredTurn;
use tantivy::collector::{Count, TopDocs};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Version of the index layout; an index of another version is rebuilt.
pub const INDEX_SCHEMA_VERSION: u32 = 6;
const STATE_FILE: &str = "koda-index.json";
/// The stamp the index is current with and the attribute names (small, read by every search).
const CURRENT_FILE: &str = "koda-current.json";
/// Document ids and titles (read only by a search that names a document).
const CATALOG_FILE: &str = "koda-catalog.json";
const WRITER_MEMORY: usize = 50_000_000;

/// An open search index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    langs: Vec<Lang>,
    /// Where each document's turns lie per segment, for counting documents; kept only by an
    /// index opened to stay (not by [`SearchIndex::open_current`]'s one-shot searches, for
    /// which building them would cost more than it saves).
    runs: Option<RunCache>,
    /// Words' analysed forms for highlighting (see [`WordForms`]).
    forms: std::sync::Mutex<WordForms>,
    /// The fuzzy words' automata, for matching and highlighting.
    automata: automata::Automata,
    /// What searches learnt of the vocabulary, for finding compounds.
    vocabulary: std::sync::Mutex<compounds::Memo>,
}

fn ix_err(dir: &Path, e: impl std::fmt::Display) -> Error {
    Error::Index {
        path: dir.to_path_buf(),
        msg: e.to_string(),
    }
}

impl SearchIndex {
    pub(super) fn from_index(index: Index, langs: Vec<Lang>, dir: &Path) -> Result<SearchIndex> {
        schema::register(&index);
        let (_, fields) = schema::build();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| ix_err(dir, e))?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            langs,
            runs: Some(RunCache::default()),
            forms: Default::default(),
            automata: Default::default(),
            vocabulary: Default::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::text::byte_to_char;

    /// Highlighting word by word through the cache finds what each analyser finds over the
    /// whole text.
    #[test]
    fn highlights_match_the_analysers_over_the_whole_text() {
        let body = "Tilliten til NAV-veilederen? «Tillit» er alt, sa Koordinatoren: \
                    barnehagen/Barnehager, koordinatorn 2024 TRUSTING trusted, blåbær bølge \
                    ÆØÅ-ord og et altfor-langt-ordddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd.";
        let langs = [Lang::No, Lang::En];
        let mut hl = query::Highlight::default();
        for (tok, w) in [(TOK_NO, "tillit"), (TOK_EN, "trust"), (TOK_FOLD, "bolge")] {
            for t in schema::tokens(tok, w) {
                hl.terms.insert((tok.to_string(), t.term));
            }
        }
        hl.prefixes.push("barneh".into());
        let koordinatoren = std::sync::Arc::new(automata::Fuzzy::new("koordinatoren", 1));
        hl.fuzzy.push(koordinatoren.clone());
        let mut want: Vec<(usize, usize)> = Vec::new();
        for tok in [TOK_FOLD, TOK_NO, TOK_EN] {
            for t in schema::tokens(tok, body) {
                let exact = hl.terms.contains(&(tok.to_string(), t.term.clone()));
                let loose = tok == TOK_FOLD
                    && (t.term.starts_with("barneh") || koordinatoren.within(&t.term));
                if exact || loose {
                    want.push((byte_to_char(body, t.from), byte_to_char(body, t.to)));
                }
            }
        }
        want.sort_unstable();
        want.dedup();
        let forms: std::sync::Mutex<WordForms> = Default::default();
        let got = char_ranges(body, Highlighter::new(&hl, &langs, &forms).ranges(body), 0);
        assert_eq!(got, want);
        assert!(got.len() >= 8, "{got:?}");
        // A second pass, with the forms from the cache, finds the same.
        let mut again = Highlighter::new(&hl, &langs, &forms);
        assert_eq!(char_ranges(body, again.ranges(body), 0), want);
        let memory = forms.lock().unwrap();
        assert!(memory.forms.contains_key("Barnehager"));
        drop(memory);

        // With only loose words (a prefix or fuzzy search), ASCII words are matched in lower
        // case without their analysed forms; the words with letters beyond ASCII still are.
        let loose = query::Highlight {
            prefixes: vec!["barneh".into(), "bolg".into()],
            fuzzy: vec![
                koordinatoren.clone(),
                std::sync::Arc::new(automata::Fuzzy::new("trusting", 2)),
            ],
            ..Default::default()
        };
        let mut want: Vec<(usize, usize)> = schema::tokens(TOK_FOLD, body)
            .into_iter()
            .filter(|t| {
                ["barneh", "bolg"].iter().any(|p| t.term.starts_with(p))
                    || loose.fuzzy.iter().any(|f| f.within(&t.term))
            })
            .map(|t| (byte_to_char(body, t.from), byte_to_char(body, t.to)))
            .collect();
        want.dedup();
        let fresh: std::sync::Mutex<WordForms> = Default::default();
        let got = char_ranges(
            body,
            Highlighter::new(&loose, &langs, &fresh).ranges(body),
            0,
        );
        assert_eq!(got, want);
        // Koordinatoren, barnehagen, Barnehager, koordinatorn, TRUSTING, bølge ("trusted" is
        // three edits from "trusting").
        assert_eq!(got.len(), 6, "{got:?}");
        let memory = fresh.lock().unwrap();
        assert!(memory.forms.contains_key("bølge"), "not ASCII: analysed");
        assert!(
            !memory.forms.contains_key("Barnehager"),
            "ASCII: not analysed"
        );
    }

    #[test]
    fn documents_are_counted_once_across_segments() {
        use tantivy::collector::Collector;
        let distinct = DistinctDocs { cache: None };
        let (total, mut docs) = distinct
            .merge_fruits(vec![(4, vec![7, 2]), (0, vec![]), (3, vec![2, 9, 130])])
            .unwrap();
        docs.sort_unstable();
        assert_eq!((total, docs), (7, vec![2, 7, 9, 130]));
        let (total, docs) = distinct.merge_fruits(vec![(2, vec![5])]).unwrap();
        assert_eq!((total, docs), (2, vec![5]));
        // Sequence numbers too large for a bitset are sorted instead.
        let (_, mut docs) = distinct
            .merge_fruits(vec![(1, vec![u64::MAX]), (2, vec![1, u64::MAX])])
            .unwrap();
        docs.sort_unstable();
        assert_eq!(docs, vec![1, u64::MAX]);
    }

    /// What a bulk writer wrote ends as one segment, and the segments from before are kept.
    #[test]
    fn a_bulk_write_settles_into_one_segment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let (idx, _) = SearchIndex::create(&path, vec![Lang::No]).unwrap();
        let add = |w: &IndexWriter<TantivyDocument>, id: &str| {
            let mut d = TantivyDocument::default();
            d.add_text(idx.fields.doc, id);
            d.add_text(idx.fields.text_fold, "tillit og tid");
            w.add_document(d).unwrap();
        };
        let mut w = idx.writer(&path).unwrap();
        add(&w, "old");
        w.commit().unwrap();
        w.wait_merging_threads().unwrap();
        let old = idx.index.searchable_segment_ids().unwrap();
        assert_eq!(old.len(), 1);

        let (mut w, before) = idx.bulk_writer(&path).unwrap();
        assert_eq!(before, old.iter().copied().collect());
        for (i, id) in ["a", "b", "c"].into_iter().enumerate() {
            add(&w, id);
            if i < 2 {
                // A flush mid-import (the writer's memory filled up) makes a segment.
                w.commit().unwrap();
            }
        }
        assert_eq!(idx.index.searchable_segment_ids().unwrap().len(), 3);
        idx.settle(w, &before, &path).unwrap();
        let after = idx.index.searchable_segment_ids().unwrap();
        assert_eq!(after.len(), 2, "{after:?}");
        assert!(after.contains(&old[0]), "the old segment is left alone");
        let metas = idx.index.searchable_segment_metas().unwrap();
        let docs: Vec<u32> = metas.iter().map(|m| m.num_docs()).collect();
        assert_eq!(docs.iter().sum::<u32>(), 4);
        assert!(docs.contains(&3), "{docs:?}");
    }

    /// The snippet cut as first written, in chars: the byte-offset version must cut the same.
    fn snippet_in_chars(body: &str, ranges: &[(usize, usize)]) -> (String, Vec<(usize, usize)>) {
        use crate::model::text::slice_chars;
        let len = char_len(body);
        let (mut from, mut to) = (0, len);
        if len > SNIPPET_CHARS {
            let first = ranges.first().map_or(0, |r| r.0);
            from = first.saturating_sub(SNIPPET_LEAD);
            to = (from + SNIPPET_CHARS).min(len);
            from = to.saturating_sub(SNIPPET_CHARS).min(from);
            let chars: Vec<char> = body.chars().collect();
            while from > 0 && from < first && !chars[from - 1].is_whitespace() {
                from += 1;
            }
            while to < len && to > from && !chars[to].is_whitespace() {
                to -= 1;
            }
        }
        let lead = if from > 0 { "… " } else { "" };
        let tail = if to < len { " …" } else { "" };
        let inner = slice_chars(body, from, to).replace('\n', " ");
        let shift = char_len(lead);
        let highlights = ranges
            .iter()
            .filter(|(a, b)| *a >= from && *b <= to)
            .map(|(a, b)| (a - from + shift, b - from + shift))
            .collect();
        (format!("{lead}{inner}{tail}"), highlights)
    }

    proptest::proptest! {
        #[test]
        fn words_split_as_the_analysers_tokenizer_does(
            text in "([a-zA-Z0-9æøåÆØÅéü]{1,70}|[ ,.\n«»'’-]{1,3}|\u{301}|🙂|\u{a0}|½|٣){0,40}",
        ) {
            let mut tokenizer = tantivy::tokenizer::TextAnalyzer::builder(
                tantivy::tokenizer::SimpleTokenizer::default(),
            )
            .filter(tantivy::tokenizer::RemoveLongFilter::limit(schema::LONGEST_WORD))
            .build();
            let mut stream = tokenizer.token_stream(&text);
            let mut want = Vec::new();
            while stream.advance() {
                want.push((stream.token().offset_from, stream.token().offset_to));
            }
            let got: Vec<(usize, usize)> = Words::of(&text).collect();
            proptest::prop_assert_eq!(got, want);
        }

        #[test]
        fn snippets_cut_where_the_char_version_cuts(
            body in "([a-zøæå]{1,9}[ \n,.]{1,2}|ÆØÅ |🙂 ){0,120}",
            picks in proptest::collection::vec(proptest::num::usize::ANY, 0..6),
        ) {
            let words: Vec<(usize, usize)> = Words::of(&body).collect();
            let mut bytes: Vec<(usize, usize)> = if words.is_empty() {
                Vec::new()
            } else {
                picks.iter().map(|p| words[p % words.len()]).collect()
            };
            bytes.sort_unstable();
            bytes.dedup();
            let chars = char_ranges(&body, &bytes, 0);
            let got = snippet(&body, &bytes, &chars, 0);
            // Char ranges counted from where the turn starts in its document cut the same.
            let shifted: Vec<(usize, usize)> =
                chars.iter().map(|&(a, b)| (a + 1000, b + 1000)).collect();
            let moved = snippet(&body, &bytes, &shifted, 1000);
            proptest::prop_assert_eq!(&moved.highlights, &got.highlights);
            let (text, highlights) = snippet_in_chars(&body, &chars);
            proptest::prop_assert_eq!(&got.text, &text);
            proptest::prop_assert_eq!(&got.highlights, &highlights);
            proptest::prop_assert!(char_len(&got.text) <= SNIPPET_CHARS + 4);
            // Marking adds the stars around each highlight and changes nothing else.
            let hit = Hit {
                doc: String::new(),
                doc_title: String::new(),
                doc_type: String::new(),
                turn: 0,
                speaker: None,
                case: None,
                score: 0.0,
                start: 0,
                end: 0,
                line: 0,
                snippet: got.text.clone(),
                highlights: got.highlights.clone(),
                matches: Vec::new(),
            };
            let marked = hit.marked();
            proptest::prop_assert_eq!(marked.replace("**", ""), text.replace("**", ""));
            proptest::prop_assert_eq!(marked.matches("**").count(), 2 * highlights.len());
            let starred: Vec<&str> = marked.split("**").skip(1).step_by(2).collect();
            let words: Vec<&str> = highlights
                .iter()
                .map(|&(a, b)| crate::model::text::slice_chars(&text, a, b))
                .collect();
            proptest::prop_assert_eq!(starred, words);
        }
    }

    proptest::proptest! {
        #[test]
        fn loose_words_match_as_their_folded_forms_do(
            text in "([a-cA-CæåÆéß]{1,9}[ ,.]){0,30}",
            word in "[a-c]{1,7}",
            distance in 0u8..=2,
            prefix in proptest::option::of("[a-c]{1,3}|ae|ss"),
        ) {
            let hl = query::Highlight {
                fuzzy: vec![std::sync::Arc::new(automata::Fuzzy::new(&word, distance))],
                prefixes: prefix.iter().cloned().collect(),
                ..Default::default()
            };
            let dfa = &hl.fuzzy[0];
            let want: Vec<(usize, usize)> = schema::tokens(TOK_FOLD, &text)
                .into_iter()
                .filter(|t| {
                    dfa.within(&t.term) || prefix.as_ref().is_some_and(|p| t.term.starts_with(p))
                })
                .map(|t| (t.from, t.to))
                .collect();
            let forms: std::sync::Mutex<WordForms> = Default::default();
            let mut marker = Highlighter::new(&hl, &[Lang::No], &forms);
            proptest::prop_assert_eq!(marker.ranges(&text), &want[..]);
        }
    }

    #[test]
    fn latin_letters_are_known_without_unicode_tables() {
        for c in ('\u{80}'..='\u{2ff}').chain(['ß', 'Æ', 'ø', '×', '÷', '\u{a0}', '²']) {
            let mut text = String::new();
            text.push(c);
            assert_eq!(
                Words::of(&text).wide_alnum_at(0),
                (c.is_alphanumeric(), c.len_utf8()),
                "{c:?} (U+{:04X})",
                c as u32
            );
        }
    }
}
