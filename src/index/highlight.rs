//! Highlighting: which words of a turn a query matched (stemmed, folded, prefix and fuzzy
//! forms), and the keyword-in-context snippet cut around them.

use super::*;

/// What highlighting keeps across the searches of an open index: the analysed forms of words
/// seen in hits, as written (folded, then one stem per index language), since stemming every
/// word of every hit anew was most of the cost of a search with few matches. Keyed with
/// FxHash: the keys are the project's own words, and SipHash was a tenth of a fuzzy search.
#[derive(Default)]
pub(super) struct WordForms {
    pub(super) forms: rustc_hash::FxHashMap<String, Vec<String>>,
}

/// Past this many words the forms are forgotten and gathered again.
pub(super) const WORD_FORMS_MAX: usize = 200_000;

/// Finds the words a query matched in a hit's text, with each analyser built once per search.
pub(super) struct Highlighter<'a> {
    pub(super) hl: &'a query::Highlight,
    /// The folded analyser, then one per index language.
    pub(super) analysers: Vec<tantivy::tokenizer::TextAnalyzer>,
    /// The query's terms in each analyser's field, in the same order (a handful: a list is
    /// searched faster than a set is hashed).
    pub(super) terms: Vec<Vec<&'a str>>,
    pub(super) forms: &'a std::sync::Mutex<WordForms>,
    /// The byte ranges of the hit being built (an allocation reused from hit to hit): the
    /// words matched.
    pub(super) bytes: Vec<(usize, usize)>,
    /// Beside each of [`Highlighter::bytes`], the part of the word to mark: the whole word,
    /// or the part a query word covers inside it (*koordinator* in *familiekoordinatoren*).
    pub(super) parts: Vec<(usize, usize)>,
}

impl<'a> Highlighter<'a> {
    pub(super) fn new(
        hl: &'a query::Highlight,
        langs: &[Lang],
        forms: &'a std::sync::Mutex<WordForms>,
    ) -> Highlighter<'a> {
        let mut names = vec![TOK_FOLD];
        for l in langs {
            names.push(match l {
                Lang::No => TOK_NO,
                Lang::En => TOK_EN,
            });
        }
        let terms = names
            .iter()
            .map(|n| {
                hl.terms
                    .iter()
                    .filter(|(tok, _)| tok == n)
                    .map(|(_, t)| t.as_str())
                    .collect()
            })
            .collect();
        Highlighter {
            hl,
            analysers: names.into_iter().map(schema::analyzer).collect(),
            terms,
            forms,
            bytes: Vec::new(),
            parts: Vec::new(),
        }
    }

    /// Byte ranges (relative to `body`) of the matched words, in order.
    #[cfg(test)]
    pub(super) fn ranges(&mut self, body: &str) -> &[(usize, usize)] {
        self.mark(body);
        &self.bytes
    }

    /// Finds the matched words of `body` ([`Highlighter::bytes`], byte ranges in order) and
    /// the part of each to mark ([`Highlighter::parts`]), in buffers the highlighter reuses
    /// from hit to hit: allocating was about a quarter of a fuzzy search's time in a process
    /// whose heap had seen much work, so building a hit allocates only what the hit keeps.
    pub(super) fn mark(&mut self, body: &str) {
        let mut merged = std::mem::take(&mut self.bytes);
        merged.clear();
        let mut parts = std::mem::take(&mut self.parts);
        parts.clear();
        let hl = self.hl;
        let has_loose = !hl.prefixes.is_empty() || !hl.fuzzy.is_empty();
        let mut memory = self
            .forms
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let forms = &mut memory.forms;
        // With no exact terms, an ASCII word needs no analysed forms: its folded form is
        // the word in lower case. Another word's folded form starts with its leading ASCII
        // letters in lower case, which rule most words out before they are looked up.
        let inside = hl.finds_inside();
        let loose_only = self.terms.iter().all(Vec::is_empty) && !inside;
        for (from, to) in Words::of(body) {
            let word = &body[from..to];
            if loose_only {
                match word.bytes().position(|b| !b.is_ascii()) {
                    None => {
                        if self.loose_ascii(word) {
                            merged.push((from, to));
                            parts.push((from, to));
                        }
                        continue;
                    }
                    Some(wide) if !self.loose_may_start(&word.as_bytes()[..wide]) => continue,
                    Some(_) => {}
                }
            }
            let f = match forms.get(word) {
                Some(f) => f,
                None => {
                    if forms.len() >= WORD_FORMS_MAX {
                        forms.clear();
                    }
                    // Each analyser sees the word alone as it saw it in the turn: one token.
                    let of_word: Vec<String> = self
                        .analysers
                        .iter_mut()
                        .map(|a| {
                            let mut s = a.token_stream(word);
                            if s.advance() {
                                s.token().text.clone()
                            } else {
                                String::new()
                            }
                        })
                        .collect();
                    forms.entry(word.to_string()).or_insert(of_word)
                }
            };
            let exact = f
                .iter()
                .zip(&self.terms)
                .any(|(form, terms)| terms.contains(&form.as_str()));
            let loose = !exact
                && has_loose
                && (hl.prefixes.iter().any(|p| f[0].starts_with(p.as_str()))
                    || hl.fuzzy.iter().any(|fuzzy| fuzzy.within(&f[0])));
            if exact || loose {
                merged.push((from, to));
                parts.push((from, to));
            } else if inside && let Some((a, b)) = inner_part(hl, word, &f[0]) {
                merged.push((from, to));
                parts.push((from + a, from + b));
            }
        }
        drop(memory);
        self.bytes = merged;
        self.parts = parts;
    }
}

/// The part of `word` (folded: `folded`) that a compound, an ending or a containing search
/// of the query matched, as a byte range of the word.
fn inner_part(hl: &query::Highlight, word: &str, folded: &str) -> Option<(usize, usize)> {
    use super::compounds::part_bytes;
    let lower = word.to_lowercase();
    let n = |s: &str| s.chars().count();
    if let Some(&part) = hl.compounds.get(&lower) {
        return Some(part_bytes(word, &lower, part));
    }
    for (end, folded_end) in &hl.ends {
        if let Some(head) = lower.strip_suffix(end.as_str()) {
            return Some(part_bytes(word, &lower, (n(head), n(&lower))));
        }
        if folded == folded_end {
            return Some((0, word.len()));
        }
    }
    for (within, folded_within) in &hl.inside {
        if let Some(at) = lower.find(within.as_str()) {
            let from = n(&lower[..at]);
            return Some(part_bytes(word, &lower, (from, from + n(within))));
        }
        if folded.starts_with(folded_within.as_str()) {
            return Some((0, word.len()));
        }
    }
    None
}

impl Highlighter<'_> {
    /// Whether an ASCII word, in lower case, starts with a prefix of the query or is within
    /// a fuzzy word's distance. Its folded form is as long as the word, and no word is fewer
    /// edits away than the difference in length, so most words need no automaton.
    pub(super) fn loose_ascii(&self, word: &str) -> bool {
        let w = word.as_bytes();
        self.hl.prefixes.iter().any(|p| {
            let p = p.as_bytes();
            w.len() >= p.len() && w[..p.len()].eq_ignore_ascii_case(p)
        }) || self.hl.fuzzy.iter().any(|fuzzy| {
            fuzzy.may_have_length(w.len())
                && fuzzy.within_bytes(w.iter().map(u8::to_ascii_lowercase))
        })
    }

    /// Whether a word whose folded form starts with `head` (ASCII) in lower case may start
    /// with a prefix of the query or be within a fuzzy word's distance.
    pub(super) fn loose_may_start(&self, head: &[u8]) -> bool {
        self.hl.prefixes.iter().any(|p| {
            let k = p.len().min(head.len());
            head[..k].eq_ignore_ascii_case(&p.as_bytes()[..k])
        }) || self
            .hl
            .fuzzy
            .iter()
            .any(|fuzzy| fuzzy.leads_on(head.iter().map(u8::to_ascii_lowercase)))
    }
}

/// The words of a text as the analysers' tokenizer and long-word filter find them (runs of
/// letters and digits, shorter than [`schema::LONGEST_WORD`] bytes), as byte ranges, without
/// copying each word as a token stream does. Highlighting looks at every word of every hit,
/// so this split is much of its cost; the test
/// `highlights_match_the_analysers_over_the_whole_text` holds it to the analysers.
pub(super) struct Words<'t> {
    pub(super) text: &'t str,
    /// Where the search for the next word starts (a char boundary).
    pub(super) at: usize,
}

impl<'t> Words<'t> {
    pub(super) fn of(text: &'t str) -> Words<'t> {
        Words { text, at: 0 }
    }

    /// Whether the char starting at byte `at` (not ASCII) is a letter or digit, and its
    /// length. The Latin letters of Norwegian and other European languages (U+00C0 to
    /// U+024F: all letters but × and ÷) are answered without Unicode's tables.
    #[cold]
    pub(super) fn wide_alnum_at(&self, at: usize) -> (bool, usize) {
        self.text[at..].chars().next().map_or((false, 1), |c| {
            let latin = ('\u{c0}'..='\u{24f}').contains(&c) && c != '×' && c != '÷';
            (latin || c.is_alphanumeric(), c.len_utf8())
        })
    }

    /// The first byte from `at` on where a char is (`alnum`) or is not (`!alnum`) a letter
    /// or digit, or the text's length. ASCII bytes are looked at directly (a tight loop, as
    /// most bytes are ASCII), other chars decoded.
    #[inline]
    pub(super) fn skip_to(&self, mut at: usize, alnum: bool) -> usize {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(at) {
            if b.is_ascii() {
                if b.is_ascii_alphanumeric() == alnum {
                    return at;
                }
                at += 1;
            } else {
                let (is, n) = self.wide_alnum_at(at);
                if is == alnum {
                    return at;
                }
                at += n;
            }
        }
        at
    }
}

impl Iterator for Words<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        loop {
            let from = self.skip_to(self.at, true);
            if from >= self.text.len() {
                self.at = from;
                return None;
            }
            self.at = self.skip_to(from, false);
            if self.at - from < schema::LONGEST_WORD {
                return Some((from, self.at));
            }
        }
    }
}

/// Char offsets of sorted byte ranges of `text`, counted in one pass, plus `base` (where
/// `text` starts in its document).
pub(super) fn char_ranges(
    text: &str,
    ranges: &[(usize, usize)],
    base: usize,
) -> Vec<(usize, usize)> {
    let (mut at, mut chars) = (0, base);
    ranges
        .iter()
        .map(|&(a, b)| {
            chars += text[at..a].chars().count();
            let from = chars;
            chars += text[a..b].chars().count();
            at = b;
            (from, chars)
        })
        .collect()
}

/// Whether a byte of UTF-8 starts a char (is not a continuation byte).
pub(super) fn starts_char(b: u8) -> bool {
    b & 0xC0 != 0x80
}

/// The byte offset `n` chars before byte `at` (0 when there are fewer). Counts the bytes
/// that start a char rather than decoding each char.
pub(super) fn chars_back(text: &str, at: usize, n: usize) -> usize {
    if n == 0 {
        return at;
    }
    let mut seen = 0;
    for (i, &b) in text.as_bytes()[..at].iter().enumerate().rev() {
        if starts_char(b) {
            seen += 1;
            if seen == n {
                return i;
            }
        }
    }
    0
}

/// The byte offset `n` chars after byte `at`, or `None` when the text ends first.
pub(super) fn chars_forward(text: &str, at: usize, n: usize) -> Option<usize> {
    let mut seen = 0;
    for (i, &b) in text.as_bytes().iter().enumerate().skip(at) {
        if starts_char(b) {
            if seen == n {
                return Some(i);
            }
            seen += 1;
        }
    }
    (seen == n).then_some(text.len())
}

pub(super) const SNIPPET_CHARS: usize = 220;
pub(super) const SNIPPET_LEAD: usize = 70;

/// A keyword-in-context cut of a turn around its first match.
pub(super) struct Snippet {
    /// The cut, `…` marking where it leaves the turn, line breaks as spaces.
    pub(super) text: String,
    /// The matches inside it as char ranges of the cut.
    pub(super) highlights: Vec<(usize, usize)>,
}

/// The snippet of `body` from its matches, given both as byte ranges and as char ranges
/// (sorted, not overlapping; the char ranges counted from `base`). At most [`SNIPPET_CHARS`]
/// chars, starting up to [`SNIPPET_LEAD`] chars before the first match, cut at spaces so no
/// word is split.
pub(super) fn snippet(
    body: &str,
    bytes: &[(usize, usize)],
    chars: &[(usize, usize)],
    base: usize,
) -> Snippet {
    let len = body.len();
    let (mut from, mut to) = (0, len);
    // A text of at most SNIPPET_CHARS bytes has at most as many chars.
    if len > SNIPPET_CHARS {
        let first = bytes.first().map_or(0, |r| r.0);
        from = chars_back(body, first, SNIPPET_LEAD);
        to = match chars_forward(body, from, SNIPPET_CHARS) {
            Some(to) => to,
            None => {
                from = from.min(chars_back(body, len, SNIPPET_CHARS));
                len
            }
        };
        let before = |at: usize| body[..at].chars().next_back();
        while from > 0 && from < first && before(from).is_some_and(|c| !c.is_whitespace()) {
            from += body[from..].chars().next().map_or(1, char::len_utf8);
        }
        while to < len
            && to > from
            && body[to..]
                .chars()
                .next()
                .is_some_and(|c| !c.is_whitespace())
        {
            to -= before(to).map_or(1, char::len_utf8);
        }
    }
    let lead = if from > 0 { "… " } else { "" };
    let tail = if to < len { " …" } else { "" };
    let shift = char_len(lead);
    let from_chars = base + body[..from].chars().count();
    let highlights = bytes
        .iter()
        .zip(chars)
        .filter(|&(&(a, b), _)| a >= from && b <= to)
        .map(|(_, &(ca, cb))| (ca - from_chars + shift, cb - from_chars + shift))
        .collect();
    let mut text = String::with_capacity(to - from + lead.len() + tail.len());
    text.push_str(lead);
    push_flat(&mut text, &body[from..to]);
    text.push_str(tail);
    Snippet { text, highlights }
}

/// Appends `s` with its line breaks as spaces (a snippet is one line).
pub(super) fn push_flat(out: &mut String, s: &str) {
    let mut lines = s.split('\n');
    if let Some(first) = lines.next() {
        out.push_str(first);
    }
    for line in lines {
        out.push(' ');
        out.push_str(line);
    }
}
