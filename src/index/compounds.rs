//! Words inside words: Norwegian compounds, and the explicit `*lærer` and `*koordinator*`.
//!
//! Norwegian writes a compound as one word (*familiekoordinatoren*, *tillitsforhold*,
//! *samarbeidspartnere*), and a researcher searches for the part. Beside each word long enough
//! to be a compound the index keeps the word whole and every cut of it into a *lead* of at
//! least [`MIN_PART`] letters and a *rest* of at least [`MIN_INSIDE`], as terms `rest|lead`
//! of the field `text_parts` (lower case, diacritics kept): the words that
//! hold a part anywhere are the terms that start with it, found by walking one branch of the
//! term dictionary rather than scanning every term.
//!
//! A word found that way is a compound of the query word only when what surrounds the query
//! word is made of the project's own words (`Vocabulary`): a lead such as *familie* or
//! *tillits* (a word, or a word and the linking `s` or `e`, or several such parts), and after
//! the query word either nothing but an inflection (*koordinatoren*, through the Norwegian
//! stemmer) or a linking letter and more parts (*samarbeid|s|partnere*). No licensed
//! dictionary is needed, and a part of fewer than [`MIN_PART`] letters never counts, nor does
//! a query word of fewer than [`MIN_INSIDE`] (no *og* in *skog*).

use super::automata::Prefix;
use super::schema::{Fields, TOK_FOLD, TOK_NO, analyzer};
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;
use std::sync::Arc;
use tantivy::InvertedIndexReader;
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{Searcher, Term};

/// The fewest letters a query word needs to be found inside other words, and the fewest a
/// word's rest has in the index.
pub const MIN_INSIDE: usize = 4;
/// The fewest letters of any other part of a compound.
pub const MIN_PART: usize = 3;
/// The shortest compound: a part of [`MIN_INSIDE`] letters and one of [`MIN_PART`]. Words
/// this long are cut, and kept whole too (`rest|` with the lead empty), so that a query word
/// at their start is found with the rest.
pub const WHOLE_FROM: usize = MIN_INSIDE + MIN_PART;
/// Between a word's rest and its lead in a `text_parts` term.
pub const SEP: char = '|';
/// The letters that join the parts of a Norwegian compound (*tillit-s-forhold*,
/// *barn-e-hage*).
const LINKS: [char; 2] = ['s', 'e'];
/// The inflectional endings of Norwegian nouns and verbs (bokmål and nynorsk): a compound's
/// head is the query word with one of these or none (*koordinator-ene*, *møte-t*). The
/// stemmer is not asked, as it also cuts endings that make other words (*forsikt-ig* is not
/// a compound of *sikt*) and misses some that do not (it stems *lærer* to *lær* but
/// *læreren* to *lærer*).
const ENDINGS: [&str; 23] = [
    "e", "en", "et", "a", "er", "ar", "ene", "ane", "ens", "ets", "enes", "s", "ne", "nes", "r",
    "n", "t", "te", "de", "es", "ende", "ast", "ers",
];

/// The analyser of `text_parts`: the cuts of every word that can be a compound (lower case,
/// no digits, at least [`WHOLE_FROM`] letters): the word whole, `rest|`, and every cut into a
/// lead of at least [`MIN_PART`] letters and a rest of at least [`MIN_INSIDE`], `rest|lead`.
/// A shorter lead is no part, so it is not cut off; a shorter word is no compound.
#[derive(Clone)]
pub struct PartsTokenizer {
    words: TextAnalyzer,
    /// The cuts of the word being cut: kept from word to word and text to text so that their
    /// strings are reused, not allocated anew for every cut.
    tokens: Vec<Token>,
}

impl Default for PartsTokenizer {
    fn default() -> Self {
        PartsTokenizer {
            words: analyzer(super::schema::TOK_LOWER),
            tokens: Vec::new(),
        }
    }
}

/// The cuts of one word (lower case), as `text_parts` holds them.
pub fn cuts(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_cut(word, |rest, lead| out.push(format!("{rest}{SEP}{lead}")));
    out
}

/// Calls `emit(rest, lead)` for every cut of `word` that `text_parts` keeps.
fn each_cut(word: &str, mut emit: impl FnMut(&str, &str)) {
    // A word of fewer bytes has fewer chars.
    if word.len() < WHOLE_FROM || word.bytes().any(|b| b.is_ascii_digit()) {
        return;
    }
    let len = word.chars().count();
    if len < WHOLE_FROM {
        return;
    }
    emit(word, "");
    for (i, (at, _)) in word.char_indices().enumerate() {
        if i > len - MIN_INSIDE {
            break;
        }
        if i >= MIN_PART {
            emit(&word[at..], &word[..at]);
        }
    }
}

impl Tokenizer for PartsTokenizer {
    type TokenStream<'a> = PartsStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PartsStream<'a> {
        PartsStream {
            words: self.words.token_stream(text),
            cuts: &mut self.tokens,
            used: 0,
            at: 0,
        }
    }
}

/// The cuts of a text, one token each, made word by word as the indexer reads them: a turn of
/// any length holds the cuts of one word at a time, not of all its words.
pub struct PartsStream<'a> {
    words: tantivy::tokenizer::BoxTokenStream<'a>,
    /// The cuts of the current word, the first `used` of them valid (kept from word to word
    /// and text to text so that their strings are reused).
    cuts: &'a mut Vec<Token>,
    used: usize,
    /// The cut being read, plus one (0 before the first).
    at: usize,
}

impl TokenStream for PartsStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            if self.at < self.used {
                self.at += 1;
                return true;
            }
            if !self.words.advance() {
                return false;
            }
            let PartsStream {
                words, cuts, used, ..
            } = self;
            let w = words.token();
            *used = 0;
            each_cut(&w.text, |rest, lead| {
                if *used == cuts.len() {
                    cuts.push(Token::default());
                }
                let t = &mut cuts[*used];
                *used += 1;
                t.offset_from = w.offset_from;
                t.offset_to = w.offset_to;
                t.position = w.position;
                t.position_length = w.position_length;
                t.text.clear();
                t.text.push_str(rest);
                t.text.push(SEP);
                t.text.push_str(lead);
            });
            self.at = 0;
        }
    }

    fn token(&self) -> &Token {
        &self.cuts[self.at.saturating_sub(1)]
    }

    fn token_mut(&mut self) -> &mut Token {
        unreachable!("the cuts are read, never changed, by the indexer")
    }
}

/// Words that are never a part of a compound, nor found inside one (folded): the function
/// words and prefixes that begin many words without being what the word is about
/// (*for-klare*, *til-liten*, *hver-dagen*), in Norwegian and English.
const NOT_PARTS: [&str; 74] = [
    "all", "alle", "andre", "av", "bak", "bare", "ble", "blir", "deg", "dem", "den", "der", "dere",
    "det", "eller", "ellers", "etter", "for", "fra", "fram", "frem", "gjennom", "han", "har",
    "her", "hun", "hva", "hver", "hvis", "ikke", "inn", "inne", "jeg", "kan", "man", "med", "meg",
    "mellom", "men", "mis", "mot", "ned", "noe", "når", "ingen", "oss", "også", "opp", "over",
    "på", "sam", "seg", "selv", "skal", "som", "til", "under", "uten", "var", "vil", "være",
    // *først*, and what `text_fold` takes for it (*fors* + *t*).
    "først", "forst", "and", "any", "every", "out", "some", "that", "the", "this", "what", "where",
    "with",
];

/// A word found for a query word: its `text_parts` term and the chars of the word the query
/// word covers, to highlight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The term of `text_parts` whose turns hold the word.
    pub term: String,
    /// The whole word, lower case.
    pub word: String,
    /// The part of the word the query matched, in chars.
    pub part: (usize, usize),
    /// The word is an inflection of the query word that the stemmer does not bring together
    /// with it (*læreren* for *lærer*), not a compound: it ranks with the word.
    pub inflection: bool,
}

/// What a [`Vocabulary`] learnt of the index's dictionaries: whether a piece is a word,
/// whether a form exists, whether a piece is made of words. An open index keeps it from
/// search to search while its segments stay the same (a session's searches ask about the
/// same pieces again and again: *koordinator* is checked as a lead for every compound it
/// starts), and forgets it when they change or it grows past [`MEMO_MAX`] entries.
#[derive(Default)]
pub(crate) struct Memo {
    segments: Vec<tantivy::index::SegmentId>,
    known: FxHashMap<String, bool>,
    seen: FxHashMap<String, bool>,
    joined: FxHashMap<(String, u8), bool>,
}

/// Past this many answers a [`Memo`] is forgotten and gathered again.
const MEMO_MAX: usize = 200_000;

/// The project's vocabulary as the index knows it: whether a piece of a word is a word of
/// the project (in any inflection), asked of every segment's term dictionaries and
/// remembered (for the query, and in the open index's [`Memo`] when it has one).
pub(crate) struct Vocabulary<'m> {
    fold: TextAnalyzer,
    stem: TextAnalyzer,
    memo: Memo,
    /// Where the memo goes back when the vocabulary is done.
    keep: Option<&'m std::sync::Mutex<Memo>>,
    /// Each segment's dictionaries of `text_fold` and `text_parts`, taken once.
    fold_ix: Vec<Arc<InvertedIndexReader>>,
    parts_ix: Vec<Arc<InvertedIndexReader>>,
}

impl Drop for Vocabulary<'_> {
    fn drop(&mut self) {
        if let Some(keep) = self.keep
            && let Ok(mut kept) = keep.lock()
        {
            let memo = std::mem::take(&mut self.memo);
            let size = memo.known.len() + memo.seen.len() + memo.joined.len();
            if size <= MEMO_MAX {
                *kept = memo;
            }
        }
    }
}

fn first_token(a: &mut TextAnalyzer, text: &str) -> Option<String> {
    let mut s = a.token_stream(text);
    s.advance().then(|| s.token().text.clone())
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

impl<'m> Vocabulary<'m> {
    /// The vocabulary of the searcher's segments, starting from what `keep` remembers of
    /// them (and giving it back, with what it learns, when done).
    pub(crate) fn new(
        searcher: &Searcher,
        fields: &Fields,
        keep: Option<&'m std::sync::Mutex<Memo>>,
    ) -> Vocabulary<'m> {
        let readers = |field| {
            searcher
                .segment_readers()
                .iter()
                .filter_map(|seg| seg.inverted_index(field).ok())
                .collect()
        };
        let segments: Vec<_> = searcher
            .segment_readers()
            .iter()
            .map(|s| s.segment_id())
            .collect();
        let mut memo = keep
            .and_then(|k| k.lock().ok().map(|mut m| std::mem::take(&mut *m)))
            .unwrap_or_default();
        if memo.segments != segments {
            memo = Memo {
                segments,
                ..Memo::default()
            };
        }
        Vocabulary {
            fold: analyzer(TOK_FOLD),
            stem: analyzer(TOK_NO),
            memo,
            keep,
            fold_ix: readers(fields.text_fold),
            parts_ix: readers(fields.text_parts),
        }
    }

    fn stem(&mut self, word: &str) -> String {
        first_token(&mut self.stem, word).unwrap_or_default()
    }

    /// Whether `piece` (lower case) is a word of the project of at least [`MIN_PART`]
    /// letters, and no function word: the project has it as written or inflected (*hage* in
    /// *hagen*), or has what remains when an ending is cut (*partnerne* where the project has
    /// *partner*).
    pub(crate) fn is_word(&mut self, piece: &str) -> bool {
        if chars(piece) < MIN_PART {
            return false;
        }
        if let Some(&k) = self.memo.known.get(piece) {
            return k;
        }
        let k = !self.not_a_part(piece)
            && (self.has_form(piece)
                || ENDINGS.iter().any(|e| {
                    piece.strip_suffix(e).is_some_and(|base| {
                        chars(base) >= MIN_PART && !self.not_a_part(base) && self.has_form(base)
                    })
                }));
        self.memo.known.insert(piece.to_string(), k);
        k
    }

    /// Whether `word` (lower case) is one of [`NOT_PARTS`].
    fn not_a_part(&self, word: &str) -> bool {
        NOT_PARTS.contains(&word)
    }

    /// Whether the project has `base` bare or with one of the [`ENDINGS`], as a word that is
    /// no function word.
    fn has_form(&mut self, base: &str) -> bool {
        let mut form = String::with_capacity(base.len() + 4);
        for e in std::iter::once("").chain(ENDINGS) {
            form.clear();
            form.push_str(base);
            form.push_str(e);
            if self.exists(&form) && !self.not_a_part(&form) {
                return true;
            }
        }
        false
    }

    /// Whether the project has the word `form` (lower case) as written: a word long enough
    /// to be cut through its whole form (`barnehagen|`), a shorter one folded (which takes
    /// *forst* for *først*: [`NOT_PARTS`] holds the short function words that folding
    /// would make of a piece).
    fn exists(&mut self, form: &str) -> bool {
        if let Some(&e) = self.memo.seen.get(form) {
            return e;
        }
        let (readers, term) = if chars(form) >= WHOLE_FROM {
            (&self.parts_ix, format!("{form}{SEP}"))
        } else if form.is_ascii() {
            (&self.fold_ix, form.to_string())
        } else {
            let folded = first_token(&mut self.fold, form).unwrap_or_default();
            (&self.fold_ix, folded)
        };
        let e = readers
            .iter()
            .any(|ix| ix.terms().get(term.as_bytes()).ok().flatten().is_some());
        self.memo.seen.insert(form.to_string(), e);
        e
    }

    /// A word, or a word and a linking letter.
    fn is_linked_word(&mut self, piece: &str) -> bool {
        self.is_word(piece) || piece.strip_suffix(LINKS).is_some_and(|w| self.is_word(w))
    }

    /// Whether `piece` is made of words of the project, each perhaps followed by a linking
    /// letter: at most `depth` more cuts.
    pub(crate) fn joins(&mut self, piece: &str, depth: u8) -> bool {
        if self.is_linked_word(piece) {
            return true;
        }
        if depth == 0 || chars(piece) < 2 * MIN_PART {
            return false;
        }
        let key = (piece.to_string(), depth);
        if let Some(&j) = self.memo.joined.get(&key) {
            return j;
        }
        let bounds: Vec<usize> = piece.char_indices().map(|(i, _)| i).collect();
        let n = bounds.len();
        let mut j = false;
        for &at in &bounds[MIN_PART..=n - MIN_PART] {
            if self.is_linked_word(&piece[..at]) && self.joins(&piece[at..], depth - 1) {
                j = true;
                break;
            }
        }
        self.memo.joined.insert(key, j);
        j
    }

    /// What follows the query word inside a word: a linking letter or none, then parts.
    fn is_tail(&mut self, tail: &str) -> bool {
        self.joins(tail, 2)
            || tail
                .strip_prefix(LINKS)
                .is_some_and(|t| chars(t) >= MIN_PART && self.joins(t, 2))
    }

    /// The compounds of the project that hold `word` (lower case) as a part: as head, its
    /// inflections included (*familiekoordinatoren* for *koordinator*), as modifier
    /// (*samarbeidspartnere* for *samarbeid*) or inside (*familiekoordinatorrollen*); not the
    /// word itself and its own inflections, which the plain search finds.
    pub(crate) fn compounds(&mut self, word: &str) -> Vec<Found> {
        let n = chars(word);
        if n < MIN_INSIDE || word.chars().any(|c| !c.is_alphabetic()) || self.not_a_part(word) {
            return Vec::new();
        }
        let stem = self.stem(word);
        // The stemmer only cuts endings: the word and its stem share their start, and every
        // word found starts a rest with it.
        let common: usize = word
            .chars()
            .zip(stem.chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a.len_utf8())
            .sum();
        let walk = if common == 0 { word } else { &word[..common] };
        // An inflected query word's stem starts a part too (*koordinatoren* finds
        // *koordinatorrollen*), but not where the word's own ending follows it: *lær* and
        // *erik* are not *lærer* and something.
        let stem_part = stem != word
            && chars(&stem) >= MIN_INSIDE
            && word
                .strip_prefix(stem.as_str())
                .is_some_and(|e| ENDINGS.contains(&e));
        let ending = if stem_part { &word[stem.len()..] } else { "" };
        let mut out = Vec::new();
        for term in self.terms_from(walk) {
            let Some((rest, lead)) = term.split_once(SEP) else {
                continue;
            };
            let at = chars(lead);
            let inflects = |base: &str| {
                rest.strip_prefix(base)
                    .is_some_and(|e| e.is_empty() || ENDINGS.contains(&e))
            };
            let head = inflects(word) || (stem_part && inflects(&stem));
            let inflection = head && lead.is_empty();
            // The word itself and the inflections the stemmer brings together are found by
            // the plain search.
            if inflection && (rest == word || self.stem(rest) == stem) {
                continue;
            }
            let part = if head {
                Some((at, at + chars(rest)))
            } else if let Some(tail) = rest.strip_prefix(word)
                && self.is_tail(tail)
            {
                Some((at, at + n))
            } else if stem_part
                && let Some(tail) = rest.strip_prefix(stem.as_str())
                && !tail.starts_with(ending)
                && self.is_tail(tail)
            {
                Some((at, at + chars(&stem)))
            } else {
                None
            };
            // The lead is looked at last: it costs the most.
            if let Some(part) = part
                && (lead.is_empty() || self.joins(lead, 2))
            {
                out.push(Found {
                    word: format!("{lead}{rest}"),
                    term: term.clone(),
                    part,
                    inflection,
                });
            }
        }
        out
    }

    /// Every `text_parts` term of every segment that starts with `prefix`, each once, in order.
    pub(crate) fn terms_from(&self, prefix: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for ix in &self.parts_ix {
            let Ok(mut stream) = ix.terms().search(Prefix::new(prefix)).into_stream() else {
                continue;
            };
            while stream.advance() {
                if let Ok(t) = std::str::from_utf8(stream.key()) {
                    out.insert(t.to_string());
                }
            }
        }
        out
    }
}

/// The `text_parts` terms of the words of `found` that are (`inflections`) or are not
/// inflections of the query word, for a query.
pub(crate) fn terms_of(fields: &Fields, found: &[Found], inflections: bool) -> Vec<Term> {
    found
        .iter()
        .filter(|f| f.inflection == inflections)
        .map(|f| Term::from_field_text(fields.text_parts, &f.term))
        .collect()
}

/// The chars of `word` that a query word's part covers, as a byte range of `word`, when
/// `lower` (the word in lower case) has as many chars as `word`; else the whole word.
pub(crate) fn part_bytes(word: &str, lower: &str, part: (usize, usize)) -> (usize, usize) {
    if chars(word) != chars(lower) {
        return (0, word.len());
    }
    let at = |n: usize| word.char_indices().nth(n).map_or(word.len(), |(i, _)| i);
    (at(part.0), at(part.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_is_cut_into_every_lead_and_rest() {
        assert_eq!(
            cuts("møteplass"),
            vec!["møteplass|", "eplass|møt", "plass|møte", "lass|møtep"]
        );
        assert_eq!(cuts("tillitt"), vec!["tillitt|", "litt|til"]);
        // Words too short to be compounds, and numbers, are not cut.
        assert!(cuts("lærer").is_empty());
        assert!(cuts("ringte").is_empty());
        assert!(cuts("2024abcdef").is_empty());
    }

    /// What a vocabulary remembers is forgotten when the index's segments change: a word
    /// added later makes a part of a compound.
    #[test]
    fn the_memo_follows_the_segments() {
        use crate::index::SearchIndex;
        use crate::index::schema::Lang;
        use tantivy::TantivyDocument;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let (idx, _) = SearchIndex::create(&path, vec![Lang::No]).unwrap();
        let add = |text: &str| {
            let mut w = idx.writer(&path).unwrap();
            let mut d = TantivyDocument::default();
            for f in [
                idx.fields.text_no,
                idx.fields.text_fold,
                idx.fields.text_parts,
            ] {
                d.add_text(f, text);
            }
            w.add_document(d).unwrap();
            w.commit().unwrap();
            w.wait_merging_threads().unwrap();
            idx.reader.reload().unwrap();
        };
        let found = || {
            let searcher = idx.reader.searcher();
            Vocabulary::new(&searcher, &idx.fields, Some(&idx.vocabulary))
                .compounds("koordinator")
                .into_iter()
                .map(|f| f.word)
                .collect::<Vec<_>>()
        };
        add("Familiekoordinatoren ringte, og koordinatoren kom.");
        assert!(found().is_empty(), "familie is no word of the project yet");
        assert!(found().is_empty(), "nor from the memo");
        add("Familien var hjemme.");
        assert_eq!(found(), vec!["familiekoordinatoren"]);
    }

    #[test]
    fn a_part_is_marked_in_the_word_as_written() {
        // «Familiekoordinatoren»: chars 7..20 of the lower-cased word are bytes 7..20.
        let w = "Familiekoordinatoren";
        assert_eq!(part_bytes(w, &w.to_lowercase(), (7, 20)), (7, 20));
        // Letters beyond ASCII are counted as chars, not bytes.
        let w = "Barnehagelærer";
        let (a, b) = part_bytes(w, &w.to_lowercase(), (9, 14));
        assert_eq!(&w[a..b], "lærer");
        // A word whose lower case has other chars is marked whole.
        let w = "İlærer";
        assert_eq!(part_bytes(w, &w.to_lowercase(), (1, 6)), (0, w.len()));
    }

    #[test]
    fn the_tokenizer_cuts_every_word_of_a_text() {
        let mut t = PartsTokenizer::default();
        let mut s = t.token_stream("Familiekoordinatoren ringte. Og 2024.");
        let mut got = Vec::new();
        while s.advance() {
            got.push((s.token().text.clone(), s.token().offset_from));
        }
        assert!(
            got.contains(&("koordinatoren|familie".into(), 0)),
            "{got:?}"
        );
        assert!(got.contains(&("familiekoordinatoren|".into(), 0)));
        assert!(
            !got.iter().any(|(t, _)| t == "amiliekoordinatoren|f"),
            "a lead has three letters"
        );
        assert!(
            got.iter().all(|(_, at)| *at == 0),
            "only the compound is cut: {got:?}"
        );
        assert_eq!(got.len(), cuts("familiekoordinatoren").len());
        drop(s);
        // A second text reuses the tokens' strings and yields only its own cuts.
        let mut s = t.token_stream("Barnehagen");
        let mut again = Vec::new();
        while s.advance() {
            again.push(s.token().text.clone());
        }
        assert_eq!(again, cuts("barnehagen"));
        drop(s);
        // Several long words in a row, a short one between: each word's cuts in turn.
        let mut s = t.token_stream("barnehagen og familiekoordinatoren");
        let mut all = Vec::new();
        while s.advance() {
            all.push(s.token().text.clone());
        }
        let mut want = cuts("barnehagen");
        want.extend(cuts("familiekoordinatoren"));
        assert_eq!(all, want);
    }
}
