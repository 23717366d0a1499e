//! The peers koda is measured against, given the same text: a minimal raw-tantivy index with
//! koda's own analysers and no koda logic, and SQLite FTS5.

use anyhow::{Context, Result};
use koda::index::schema::{TOK_EN, TOK_FOLD, TOK_NO, analyzer};
use std::path::Path;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RegexQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{Index, IndexReader, IndexWriter, TantivyDocument, Term};

/// One turn of a transcript as the peers see it.
pub struct Turn {
    /// File name.
    pub doc: String,
    /// Speaker label, if any.
    pub speaker: Option<String>,
    /// The speaker's role (from the corpus's speaker file).
    pub role: Option<String>,
    /// The spoken text.
    pub text: String,
}

/// The role the corpus's speaker file gives a label.
pub fn role_of(label: &str) -> &'static str {
    let l = label.to_lowercase();
    if l.starts_with("forelder") || l.starts_with("parent") {
        "parent"
    } else if l.starts_with("koordinator") || l.starts_with("coordinator") {
        "coordinator"
    } else {
        "interviewer"
    }
}

/// Splits a generated file into turns: `[hh:mm:ss] Label: text` lines, else paragraphs.
pub fn turns_of(doc: &str, text: &str, out: &mut Vec<Turn>) {
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (speaker, body) = match line
            .strip_prefix('[')
            .and_then(|r| r.split_once("] "))
            .and_then(|(_, r)| r.split_once(": "))
        {
            Some((label, body)) => (Some(label.to_string()), body),
            None => (None, line),
        };
        out.push(Turn {
            doc: doc.to_string(),
            role: speaker.as_deref().map(|s| role_of(s).to_string()),
            speaker,
            text: body.to_string(),
        });
    }
}

/// What a query asks, written once and turned into each engine's language.
#[derive(Debug, Clone)]
pub enum Spec {
    /// All of these words.
    Words(Vec<&'static str>),
    /// These words in this order.
    Phrase(Vec<&'static str>),
    /// Words starting with this.
    Prefix(&'static str),
    /// Words this many edits away.
    Fuzzy(&'static str, u8),
    /// Words spoken by speakers with this role.
    Role(Vec<&'static str>, &'static str),
    /// Words in turns coded with this code (koda only).
    Code(&'static str, &'static str),
    /// A word and the compounds it is part of (koda: the plain word in a Norwegian project;
    /// the baseline: the word or any word containing it, by regex).
    Compound(&'static str),
    /// Words ending in this (`*lærer`; the baseline: a regex).
    Suffix(&'static str),
    /// Words containing this (`*koordinator*`; the baseline: a regex).
    Infix(&'static str),
}

impl Spec {
    /// The plain words of the query (those koda widens to their compounds).
    pub fn words(&self) -> Vec<&'static str> {
        match self {
            Spec::Words(w) | Spec::Role(w, _) => w.clone(),
            Spec::Code(w, _) | Spec::Compound(w) => vec![w],
            _ => Vec::new(),
        }
    }

    /// The query in koda's language.
    pub fn koda(&self) -> String {
        match self {
            Spec::Words(w) => w.join(" "),
            Spec::Phrase(w) => format!("\"{}\"", w.join(" ")),
            Spec::Prefix(p) => format!("{p}*"),
            Spec::Fuzzy(w, n) => format!("{w}~{n}"),
            Spec::Role(w, r) => format!("{} role:{r}", w.join(" ")),
            Spec::Code(w, c) => format!("{w} code:{c}"),
            Spec::Compound(w) => (*w).to_string(),
            Spec::Suffix(w) => format!("*{w}"),
            Spec::Infix(w) => format!("*{w}*"),
        }
    }

    /// The query in FTS5's language (`None`: FTS5 has no such query).
    pub fn fts5(&self) -> Option<String> {
        match self {
            Spec::Words(w) => Some(w.join(" ")),
            Spec::Phrase(w) => Some(format!("\"{}\"", w.join(" "))),
            Spec::Prefix(p) => Some(format!("{p}*")),
            Spec::Fuzzy(..)
            | Spec::Code(..)
            | Spec::Compound(_)
            | Spec::Suffix(_)
            | Spec::Infix(_) => None,
            Spec::Role(w, r) => Some(format!("role : {r} AND body : ({})", w.join(" "))),
        }
    }
}

/// The raw-tantivy baseline: koda's own schema and analysers (`koda::index::schema`), one
/// document per turn, and none of koda's logic (no codings, cases or fingerprints).
pub struct RawTantivy {
    reader: IndexReader,
    /// The role filter lives where koda puts attributes: `role=parent` in the `attr` field.
    attr: Field,
    text: Vec<(Field, &'static str)>,
    fold: Field,
    /// The words koda's search finds beside each query word (its compounds, in a Norwegian
    /// corpus), so that the baseline's word query goes over the same turns: the engine doing
    /// the same search, without the work of finding them.
    compounds: std::collections::HashMap<String, Vec<String>>,
}

impl RawTantivy {
    /// Gives the baseline the words koda's search adds to `word`.
    pub fn set_compounds(&mut self, word: &str, words: Vec<String>) {
        self.compounds.insert(word.to_lowercase(), words);
    }

    /// Builds the index in `dir` with the same writer budget and thread count as koda.
    pub fn build(dir: &Path, turns: &[Turn]) -> Result<RawTantivy> {
        let (schema, f) = koda::index::schema::build();
        std::fs::create_dir_all(dir)?;
        let index = Index::create_in_dir(dir, schema)?;
        koda::index::schema::register(&index);
        let mut w: IndexWriter<TantivyDocument> = index.writer_with_num_threads(1, 50_000_000)?;
        for (i, t) in turns.iter().enumerate() {
            let mut d = TantivyDocument::default();
            d.add_text(f.doc, &t.doc);
            d.add_u64(f.turn, i as u64);
            if let Some(s) = &t.speaker {
                d.add_text(f.speaker, s);
            }
            if let Some(r) = &t.role {
                d.add_text(f.attr, format!("role={r}"));
            }
            d.add_text(f.text_no, &t.text);
            d.add_text(f.text_en, &t.text);
            d.add_text(f.text_fold, &t.text);
            d.add_text(f.text_parts, &t.text);
            w.add_document(d)?;
        }
        w.commit()?;
        w.wait_merging_threads()?;
        Self::of(index)
    }

    /// Opens an index that [`RawTantivy::build`] wrote earlier.
    #[allow(dead_code)]
    pub fn open(dir: &Path) -> Result<RawTantivy> {
        let index = Index::open_in_dir(dir)?;
        koda::index::schema::register(&index);
        Self::of(index)
    }

    fn of(index: Index) -> Result<RawTantivy> {
        // Fields by name, so an index written with an earlier schema still opens.
        let schema = index.schema();
        let field = |name: &str| schema.get_field(name);
        Ok(RawTantivy {
            reader: index.reader()?,
            attr: field("attr")?,
            text: vec![
                (field("text_no")?, TOK_NO),
                (field("text_en")?, TOK_EN),
                (field("text_fold")?, TOK_FOLD),
            ],
            fold: field("text_fold")?,
            compounds: Default::default(),
        })
    }

    fn tokens(&self, tok: &str, text: &str) -> Vec<String> {
        let mut a = analyzer(tok);
        let mut s = a.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            out.push(s.token().text.clone());
        }
        out
    }

    fn word(&self, w: &str) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = self
            .text
            .iter()
            .flat_map(|(f, tok)| {
                self.tokens(tok, w).into_iter().map(move |t| {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(
                            Term::from_field_text(*f, &t),
                            IndexRecordOption::WithFreqs,
                        )) as Box<dyn Query>,
                    )
                })
            })
            .collect();
        if let Some(words) = self.compounds.get(&w.to_lowercase())
            && !words.is_empty()
        {
            let terms = words
                .iter()
                .map(|c| Term::from_field_text(self.fold, &self.folded(c)));
            clauses.push((Occur::Should, Box::new(TermSetQuery::new(terms))));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// `w` folded, as the regexes of the compound class match it.
    fn folded(&self, w: &str) -> String {
        self.tokens(TOK_FOLD, w).concat()
    }

    /// The folded words a regex matches whole, as tantivy's regex query finds them (it walks
    /// the whole term dictionary for a pattern that starts with `.*`).
    fn regex(&self, pattern: &str) -> Box<dyn Query> {
        match RegexQuery::from_pattern(pattern, self.fold) {
            Ok(q) => Box::new(q),
            Err(_) => Box::new(BooleanQuery::new(Vec::new())),
        }
    }

    /// The words within `n` edits of `w` (folded), as tantivy's fuzzy query finds them.
    pub fn fuzzy(&self, w: &str, n: u8) -> Box<dyn Query> {
        Box::new(FuzzyTermQuery::new(
            Term::from_field_text(self.fold, &self.tokens(TOK_FOLD, w).concat()),
            n,
            true,
        ))
    }

    /// The query for a spec (`None`: not expressible without koda's data, such as codes).
    pub fn query(&self, spec: &Spec) -> Option<Box<dyn Query>> {
        let all = |ws: &[&str]| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                ws.iter().map(|w| (Occur::Must, self.word(w))).collect(),
            ))
        };
        Some(match spec {
            Spec::Words(ws) => all(ws),
            Spec::Phrase(ws) => {
                let clauses = self
                    .text
                    .iter()
                    .map(|(f, tok)| {
                        let terms: Vec<Term> = ws
                            .iter()
                            .flat_map(|w| self.tokens(tok, w))
                            .map(|t| Term::from_field_text(*f, &t))
                            .collect();
                        (
                            Occur::Should,
                            Box::new(PhraseQuery::new(terms)) as Box<dyn Query>,
                        )
                    })
                    .collect();
                Box::new(BooleanQuery::new(clauses))
            }
            Spec::Prefix(p) => Box::new(FuzzyTermQuery::new_prefix(
                Term::from_field_text(self.fold, &self.tokens(TOK_FOLD, p).concat()),
                0,
                false,
            )),
            Spec::Fuzzy(w, n) => self.fuzzy(w, *n),
            Spec::Role(ws, r) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, all(ws)),
                (
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(self.attr, &format!("role={r}")),
                        IndexRecordOption::Basic,
                    )),
                ),
            ])),
            Spec::Code(..) => return None,
            Spec::Compound(w) => Box::new(BooleanQuery::new(vec![
                (Occur::Should, self.word(w)),
                (
                    Occur::Should,
                    self.regex(&format!(".+{}.*|{0}.+", self.folded(w))),
                ),
            ])),
            Spec::Suffix(w) => self.regex(&format!(".*{}", self.folded(w))),
            Spec::Infix(w) => self.regex(&format!(".*{}.*", self.folded(w))),
        })
    }

    /// The index's size on disk in MB, and the part of it that the cuts of words for
    /// compounds (`text_parts`) take.
    pub fn space_mb(&self) -> Result<(f64, f64)> {
        let usage = self.reader.searcher().space_usage()?;
        let mb = |b: u64| b as f64 / 1e6;
        let parts: u64 = usage
            .segments()
            .iter()
            .map(|s| {
                [s.termdict(), s.postings(), s.positions()]
                    .iter()
                    .flat_map(|u| u.fields())
                    .filter(|f| f.field_name() == "text_parts")
                    .map(|f| f.total().get_bytes())
                    .sum::<u64>()
            })
            .sum();
        Ok((mb(usage.total().get_bytes()), mb(parts)))
    }

    /// Counts the hits and fetches the best 20 with their stored text, as koda's search does.
    pub fn search(&self, q: &dyn Query) -> Result<(usize, usize)> {
        let searcher = self.reader.searcher();
        let (count, top) =
            searcher.search(q, &(Count, TopDocs::with_limit(20).order_by_score()))?;
        let mut chars = 0;
        for (_, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            chars += d
                .get_first(self.fold)
                .and_then(|v| v.as_str())
                .map_or(0, str::len);
        }
        Ok((count, chars))
    }
}

/// SQLite FTS5 with the unicode61 tokenizer (diacritics folded), one row per turn.
pub struct Fts5 {
    conn: rusqlite::Connection,
}

impl Fts5 {
    /// Builds the database at `path` in one transaction.
    pub fn build(path: &Path, turns: &[Turn]) -> Result<Fts5> {
        let _ = std::fs::remove_file(path);
        let mut conn = rusqlite::Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; CREATE VIRTUAL TABLE turns USING fts5(body, speaker, role, doc UNINDEXED, tokenize='unicode61 remove_diacritics 2');",
        )
        .context("FTS5 is not available in this SQLite")?;
        let tx = conn.transaction()?;
        {
            let mut st =
                tx.prepare("INSERT INTO turns(body, speaker, role, doc) VALUES (?1, ?2, ?3, ?4)")?;
            for t in turns {
                st.execute(rusqlite::params![t.text, t.speaker, t.role, t.doc])?;
            }
        }
        tx.commit()?;
        Ok(Fts5 { conn })
    }

    /// The best 20 hits with a snippet each.
    pub fn search(&self, q: &str) -> Result<usize> {
        let mut st = self.conn.prepare_cached(
            "SELECT doc, snippet(turns, 0, '**', '**', '…', 24) FROM turns WHERE turns MATCH ?1 ORDER BY rank LIMIT 20",
        )?;
        let rows = st.query_map([q], |r| r.get::<_, String>(1))?;
        let mut chars = 0;
        for r in rows {
            chars += r?.len();
        }
        Ok(chars)
    }
}

/// Fuzzy words, each searched once in a row of over a hundred: the fuzzy class's words with
/// one letter changed, in turn.
pub fn fresh_fuzzy_words() -> Vec<(String, u8)> {
    let variants = |word: &str, n: u8| -> Vec<(String, u8)> {
        let chars: Vec<char> = word.chars().collect();
        let mut out = Vec::new();
        for at in 0..chars.len() {
            for c in "aeiorstn".chars().filter(|c| *c != chars[at]) {
                let mut w = chars.clone();
                w[at] = c;
                out.push((w.into_iter().collect(), n));
            }
        }
        out
    };
    let (a, b) = (variants("koordinatorn", 1), variants("barnehgen", 2));
    let mut all = Vec::with_capacity(a.len() + b.len());
    for i in 0..a.len().max(b.len()) {
        all.extend(a.get(i).cloned());
        all.extend(b.get(i).cloned());
    }
    all
}

/// The fresh fuzzy words in turn, starting over after the last: each call gives a word the
/// last hundred calls did not.
pub struct FreshFuzzy {
    words: Vec<(String, u8)>,
    at: usize,
}

impl Default for FreshFuzzy {
    fn default() -> Self {
        FreshFuzzy {
            words: fresh_fuzzy_words(),
            at: 0,
        }
    }
}

impl FreshFuzzy {
    /// The next word and its edit distance.
    pub fn next_word(&mut self) -> (&str, u8) {
        let (w, n) = &self.words[self.at % self.words.len()];
        self.at += 1;
        (w, *n)
    }

    /// How many words there are before they start over.
    pub fn count(&self) -> usize {
        self.words.len()
    }
}

/// The query set: (class, query), the same for every peer.
pub fn queries() -> Vec<(&'static str, Spec)> {
    use Spec::*;
    vec![
        ("one word", Words(vec!["tillit"])),
        ("one word", Words(vec!["koordinatoren"])),
        ("one word", Words(vec!["trust"])),
        ("one word", Words(vec!["og"])),
        ("two words", Words(vec!["koordinatoren", "tillit"])),
        ("two words", Words(vec!["søknaden", "venter"])),
        ("two words", Words(vec!["waiting", "help"])),
        ("phrase", Phrase(vec!["ringte", "tilbake"])),
        ("phrase", Phrase(vec!["samme", "dag"])),
        ("phrase", Phrase(vec!["called", "back"])),
        ("prefix", Prefix("koordinat")),
        ("prefix", Prefix("barneh")),
        ("prefix", Prefix("søkn")),
        ("fuzzy", Fuzzy("koordinatorn", 1)),
        ("fuzzy", Fuzzy("barnehgen", 2)),
        ("attribute filter", Role(vec!["tillit"], "parent")),
        ("attribute filter", Role(vec!["venter"], "coordinator")),
        ("code filter", Code("hjelp", "tillit")),
        ("code filter", Code("venter", "tillit")),
        ("compound", Compound("koordinator")),
        ("compound", Compound("barnehage")),
        ("compound", Suffix("tillit")),
        ("compound", Infix("samarbeid")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_fuzzy_words_are_distinct_and_outnumber_an_automaton_cache() {
        let words = fresh_fuzzy_words();
        let distinct: std::collections::BTreeSet<&(String, u8)> = words.iter().collect();
        assert_eq!(distinct.len(), words.len());
        // Far more than the automata koda keeps (those of the last 16 fuzzy words).
        assert!(words.len() > 128, "{}", words.len());
        let class: Vec<(String, u8)> = queries()
            .into_iter()
            .filter_map(|(_, s)| match s {
                Spec::Fuzzy(w, n) => Some((w.to_string(), n)),
                _ => None,
            })
            .collect();
        assert!(words.iter().all(|w| !class.contains(w)));
    }

    #[test]
    fn fresh_fuzzy_words_come_in_turn_and_start_over() {
        let words = fresh_fuzzy_words();
        let mut fresh = FreshFuzzy::default();
        assert_eq!(fresh.count(), words.len());
        let round: Vec<(String, u8)> = (0..words.len() + 2)
            .map(|_| {
                let (w, n) = fresh.next_word();
                (w.to_string(), n)
            })
            .collect();
        assert_eq!(round[..words.len()], words[..]);
        assert_eq!(round[words.len()..], words[..2]);
    }
}
