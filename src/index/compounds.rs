//! Words inside words: Norwegian compounds, and the explicit `*lærer` and `*koordinator*`.
//!
//! Norwegian writes a compound as one word (*familiekoordinatoren*, *tillitsforhold*,
//! *samarbeidspartnere*), and a researcher searches for the part. Beside each word the index
//! keeps every cut of it into a *lead* and a *rest* of at least [`MIN_INSIDE`] letters, as
//! terms `rest|lead` of the field `text_parts` (lower case, diacritics kept): the words that
//! hold a part anywhere are the terms that start with it, found by walking one branch of the
//! term dictionary rather than scanning every term.
//!
//! A word found that way is a compound of the query word only when what surrounds the query
//! word is made of the project's own words ([`Vocabulary`]): a lead such as *familie* or
//! *tillits* (a word, or a word and the linking `s` or `e`, or several such parts), and after
//! the query word either nothing but an inflection (*koordinatoren*, through the Norwegian
//! stemmer) or a linking letter and more parts (*samarbeid|s|partnere*). No licensed
//! dictionary is needed, and a part of fewer than [`MIN_PART`] letters never counts, nor does
//! a query word of fewer than [`MIN_INSIDE`] (no *og* in *skog*).

use super::automata::Prefix;
use super::schema::{Fields, TOK_FOLD, TOK_NO, analyzer};
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{Searcher, Term};

/// The fewest letters a query word needs to be found inside other words, and the fewest a
/// word's rest has in the index.
pub const MIN_INSIDE: usize = 4;
/// The fewest letters of any other part of a compound.
pub const MIN_PART: usize = 3;
/// Words this long (a part of [`MIN_INSIDE`] and one of [`MIN_PART`]) also keep themselves
/// whole, lead empty, so that a query word at their start is found with the rest.
const WHOLE_FROM: usize = MIN_INSIDE + MIN_PART;
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

/// The analyser of `text_parts`: every cut of every word (lower case, no digits) into a lead
/// and a rest of at least [`MIN_INSIDE`] letters, as `rest|lead`.
#[derive(Clone)]
pub struct PartsTokenizer {
    words: TextAnalyzer,
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
    each_cut(word, |t| out.push(t.to_string()));
    out
}

fn each_cut(word: &str, mut emit: impl FnMut(&str)) {
    if word.bytes().any(|b| b.is_ascii_digit()) {
        return;
    }
    let bounds: Vec<usize> = word.char_indices().map(|(i, _)| i).collect();
    let len = bounds.len();
    if len < MIN_INSIDE + 1 {
        return;
    }
    let first = if len >= WHOLE_FROM { 0 } else { 1 };
    let mut term = String::with_capacity(word.len() + 1);
    for &at in &bounds[first..=len - MIN_INSIDE] {
        term.clear();
        term.push_str(&word[at..]);
        term.push(SEP);
        term.push_str(&word[..at]);
        emit(&term);
    }
}

impl Tokenizer for PartsTokenizer {
    type TokenStream<'a> = PartsStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PartsStream<'a> {
        self.tokens.clear();
        let mut words = self.words.token_stream(text);
        while words.advance() {
            let w = words.token();
            each_cut(&w.text, |t| {
                self.tokens.push(Token {
                    text: t.to_string(),
                    ..w.clone()
                });
            });
        }
        PartsStream {
            tokens: &self.tokens,
            at: None,
        }
    }
}

/// The cuts of a text, one token each.
pub struct PartsStream<'a> {
    tokens: &'a [Token],
    at: Option<usize>,
}

impl TokenStream for PartsStream<'_> {
    fn advance(&mut self) -> bool {
        let next = self.at.map_or(0, |a| a + 1);
        self.at = Some(next);
        next < self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.at.unwrap_or(0)]
    }

    fn token_mut(&mut self) -> &mut Token {
        unreachable!("the cuts are read, never changed, by the indexer")
    }
}

/// Words that are never a part of a compound, nor found inside one (folded): the function
/// words and prefixes that begin many words without being what the word is about
/// (*for-klare*, *til-liten*, *hver-dagen*), in Norwegian and English.
const NOT_PARTS: [&str; 72] = [
    "all", "alle", "andre", "av", "bak", "bare", "ble", "blir", "deg", "dem", "den", "der", "dere",
    "det", "eller", "ellers", "etter", "for", "fra", "fram", "frem", "gjennom", "han", "har",
    "her", "hun", "hva", "hver", "hvis", "ikke", "inn", "inne", "jeg", "kan", "man", "med", "meg",
    "mellom", "men", "mis", "mot", "ned", "noe", "nar", "ingen", "oss", "ogsa", "opp", "over",
    "pa", "sam", "seg", "selv", "skal", "som", "til", "under", "uten", "var", "vil", "and", "any",
    "every", "out", "some", "that", "the", "this", "what", "where", "with", "vaere",
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

/// The project's vocabulary as the index knows it: whether a piece of a word is a word of
/// the project (in any inflection), asked of every segment's term dictionaries and
/// remembered for the query.
pub(crate) struct Vocabulary<'s> {
    searcher: &'s Searcher,
    fields: &'s Fields,
    fold: TextAnalyzer,
    stem: TextAnalyzer,
    known: FxHashMap<String, bool>,
    seen: FxHashMap<String, bool>,
    joined: FxHashMap<(String, u8), bool>,
}

fn first_token(a: &mut TextAnalyzer, text: &str) -> Option<String> {
    let mut s = a.token_stream(text);
    s.advance().then(|| s.token().text.clone())
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

impl<'s> Vocabulary<'s> {
    pub(crate) fn new(searcher: &'s Searcher, fields: &'s Fields) -> Vocabulary<'s> {
        Vocabulary {
            searcher,
            fields,
            fold: analyzer(TOK_FOLD),
            stem: analyzer(TOK_NO),
            known: FxHashMap::default(),
            seen: FxHashMap::default(),
            joined: FxHashMap::default(),
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
        if let Some(&k) = self.known.get(piece) {
            return k;
        }
        let k = !self.not_a_part(piece)
            && (self.has_form(piece)
                || ENDINGS.iter().any(|e| {
                    piece.strip_suffix(e).is_some_and(|base| {
                        chars(base) >= MIN_PART && !self.not_a_part(base) && self.has_form(base)
                    })
                }));
        self.known.insert(piece.to_string(), k);
        k
    }

    /// Whether `word` (lower case) is one of [`NOT_PARTS`].
    fn not_a_part(&mut self, word: &str) -> bool {
        NOT_PARTS.contains(
            &first_token(&mut self.fold, word)
                .unwrap_or_default()
                .as_str(),
        )
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

    /// Whether the project has the word `form` (lower case) as written: a word of five
    /// letters or more through its first cut (`ørst|f` for *først*, which `text_fold` would
    /// confuse with *forst*), a shorter one folded.
    fn exists(&mut self, form: &str) -> bool {
        if let Some(&e) = self.seen.get(form) {
            return e;
        }
        let first = form.chars().next().map_or(0, char::len_utf8);
        let (field, term) = if chars(form) > MIN_INSIDE {
            (
                self.fields.text_parts,
                format!("{}{SEP}{}", &form[first..], &form[..first]),
            )
        } else {
            (
                self.fields.text_fold,
                first_token(&mut self.fold, form).unwrap_or_default(),
            )
        };
        let e = self.searcher.segment_readers().iter().any(|seg| {
            seg.inverted_index(field)
                .ok()
                .and_then(|ix| ix.terms().get(term.as_bytes()).ok().flatten())
                .is_some()
        });
        self.seen.insert(form.to_string(), e);
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
        if let Some(&j) = self.joined.get(&key) {
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
        self.joined.insert(key, j);
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
            if !lead.is_empty() && !self.joins(lead, 2) {
                continue;
            }
            let at = chars(lead);
            let inflects = |base: &str| {
                rest.strip_prefix(base)
                    .is_some_and(|e| e.is_empty() || ENDINGS.contains(&e))
            };
            let head = inflects(word) || (stem_part && inflects(&stem));
            let stemmed_alike = rest == word || (!stem.is_empty() && self.stem(rest) == stem);
            let inflection = head && lead.is_empty();
            let part = if head {
                // The word itself and the inflections the stemmer brings together are found
                // by the plain search.
                if inflection && stemmed_alike {
                    continue;
                }
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
            if let Some(part) = part {
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
        for seg in self.searcher.segment_readers() {
            let Ok(ix) = seg.inverted_index(self.fields.text_parts) else {
                continue;
            };
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
            vec![
                "møteplass|",
                "øteplass|m",
                "teplass|mø",
                "eplass|møt",
                "plass|møte",
                "lass|møtep"
            ]
        );
        // Short words keep only cuts with a lead; words of four letters and numbers none.
        assert_eq!(cuts("lærer"), vec!["ærer|l"]);
        assert_eq!(cuts("ringte"), vec!["ingte|r", "ngte|ri"]);
        assert!(cuts("skog").is_empty());
        assert!(cuts("2024abcdef").is_empty());
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
        assert!(got.contains(&("ngte|ri".into(), 21)), "{got:?}");
        assert!(
            !got.iter().any(|(t, _)| t == "gte|rin"),
            "a rest has four letters"
        );
        assert!(
            got.iter()
                .all(|(t, _)| !t.starts_with("og") && !t.contains("2024"))
        );
    }
}
