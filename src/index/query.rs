//! koda's query language: parsing, checking against the project, and building tantivy queries.
//!
//! ```text
//! tillit koordinator          both words (AND is implied)
//! tillit OR trust             either
//! tillit -nav, tillit NOT nav without the second
//! "ringe tilbake"             an exact phrase (stemmed, so "ringer tilbake" matches too)
//! barneha*                    a prefix (diacritics folded)
//! *lærer                      words ending in it (barnehagelærer)
//! *koordinator*               words containing it (familiekoordinatorrollen)
//! =koordinator                the word and its inflections only, no compounds
//! koordinatorn~1              fuzzy: one edit away (~2 for two)
//! (tillit OR trust) speaker:forelder type:interview code:trust role:parent wave:2 doc:ID case:F01
//! ```
//! In a Norwegian project a word also finds the compounds it is part of (`koordinator` finds
//! *familiekoordinatoren*, ranked below the word itself; see [`super::compounds`]).
//! Operators are upper-case `AND`, `OR`, `NOT`; `NOT` binds tightest, then `AND`, then `OR`.
//! Field names are `speaker`, `type`, `code`, `coder`, `doc`, `case` and every attribute or metadata key
//! the project has. Errors name the column of the problem.

use super::automata::{Automata, AutomatonQuery, Fuzzy, Prefix};
use super::compounds::{self, MIN_INSIDE, SEP, Vocabulary};
use super::schema::{Fields, Lang, TOK_EN, TOK_FOLD, TOK_LOWER, TOK_NO, TOK_RAW, tokens};
use crate::model::Codebook;
use crate::store::Project;
use crate::{Error, Result};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// All of these.
    And(Vec<Node>),
    /// Any of these.
    Or(Vec<Node>),
    /// Not this.
    Not(Box<Node>),
    /// Words in the text.
    Text(TextTerm),
    /// A field filter such as `speaker:forelder`.
    Field {
        /// Field name, lower-cased.
        name: String,
        /// The value.
        value: String,
        /// True for `field:value*`.
        prefix: bool,
        /// Column of the filter in the query (1-based), for messages.
        col: usize,
    },
}

/// A search in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextTerm {
    /// A word (several tokens, such as `NAV-veileder`, act as a phrase); in a Norwegian
    /// project also the compounds it is part of.
    Word(String),
    /// `=word`: the word and its inflections, no compounds.
    Whole(String),
    /// `*word`: words ending in it.
    Suffix(String),
    /// `*word*`: words containing it.
    Infix(String),
    /// An exact phrase.
    Phrase(String),
    /// Words starting with this.
    Prefix(String),
    /// Words within this many edits.
    Fuzzy(String, u8),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Minus,
    Word(String),
    Phrase(String),
    /// `name:` directly followed by a phrase.
    FieldPhrase(String, String),
}

fn err_at(query: &str, col: usize, msg: &str) -> Error {
    let caret = format!("{}^", " ".repeat(col.saturating_sub(1)));
    Error::Query(format!("{msg} (column {col})\n  {query}\n  {caret}"))
}

fn lex(q: &str) -> Result<Vec<(Tok, usize)>> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                out.push((Tok::LParen, col));
                i += 1;
            }
            ')' => {
                out.push((Tok::RParen, col));
                i += 1;
            }
            '"' | '“' | '”' | '«' | '»' => {
                let (text, next) = read_phrase(&chars, i)
                    .ok_or_else(|| err_at(q, col, "this quote is never closed"))?;
                out.push((Tok::Phrase(text), col));
                i = next;
            }
            '-' if i + 1 < chars.len()
                && !chars[i + 1].is_whitespace()
                && (i == 0 || chars[i - 1].is_whitespace() || chars[i - 1] == '(') =>
            {
                out.push((Tok::Minus, col));
                i += 1;
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(chars[i], '(' | ')' | '"' | '“' | '”' | '«' | '»')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if word.ends_with(':') && i < chars.len() && matches!(chars[i], '"' | '“' | '«')
                {
                    let (text, next) = read_phrase(&chars, i)
                        .ok_or_else(|| err_at(q, i + 1, "this quote is never closed"))?;
                    out.push((
                        Tok::FieldPhrase(word.trim_end_matches(':').to_string(), text),
                        col,
                    ));
                    i = next;
                    continue;
                }
                let tok = match word.as_str() {
                    "AND" | "&&" => Tok::And,
                    "OR" | "||" => Tok::Or,
                    "NOT" => Tok::Not,
                    _ => Tok::Word(word),
                };
                out.push((tok, col));
            }
        }
    }
    Ok(out)
}

fn read_phrase(chars: &[char], open: usize) -> Option<(String, usize)> {
    let closing = |c: char| matches!(c, '"' | '“' | '”' | '«' | '»');
    let mut j = open + 1;
    while j < chars.len() && !closing(chars[j]) {
        j += 1;
    }
    if j >= chars.len() {
        return None;
    }
    Some((chars[open + 1..j].iter().collect(), j + 1))
}

/// How deep groups and NOTs may nest: far beyond any query a person writes, and far short of
/// what would exhaust the stack of the recursive parser and of what runs the tree.
pub const MAX_NESTING: usize = 32;
/// The longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 2_000;
/// The most words, phrases and filters one query may hold.
pub const MAX_TERMS: usize = 100;

struct Parser<'a> {
    query: &'a str,
    toks: Vec<(Tok, usize)>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn col(&self) -> usize {
        self.toks
            .get(self.pos)
            .map_or(self.query.chars().count() + 1, |t| t.1)
    }

    fn or(&mut self) -> Result<Node> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            if matches!(self.peek(), None | Some(Tok::RParen | Tok::Or | Tok::And)) {
                return Err(err_at(
                    self.query,
                    self.col(),
                    "OR needs something after it",
                ));
            }
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Node::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Node> {
        let mut parts = vec![self.unary()?];
        loop {
            match self.peek() {
                None | Some(Tok::Or | Tok::RParen) => break,
                Some(Tok::And) => {
                    self.pos += 1;
                    if matches!(self.peek(), None | Some(Tok::RParen | Tok::Or | Tok::And)) {
                        return Err(err_at(
                            self.query,
                            self.col(),
                            "AND needs something after it",
                        ));
                    }
                }
                _ => {}
            }
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Node::And(parts)
        })
    }

    /// Enters one more level of nesting, refusing past [`MAX_NESTING`].
    fn deeper(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(err_at(
                self.query,
                self.col(),
                &format!(
                    "groups and NOTs nest more than {MAX_NESTING} deep here; write the query flatter"
                ),
            ));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Node> {
        match self.peek() {
            Some(Tok::Not | Tok::Minus) => {
                self.pos += 1;
                self.deeper()?;
                if matches!(self.peek(), None | Some(Tok::RParen | Tok::Or | Tok::And)) {
                    return Err(err_at(
                        self.query,
                        self.col(),
                        "NOT (or -) needs a word or group after it",
                    ));
                }
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Node::Not(Box::new(inner)))
            }
            _ => self.atom(),
        }
    }

    fn atom(&mut self) -> Result<Node> {
        let col = self.col();
        let Some((tok, _)) = self.toks.get(self.pos).cloned() else {
            return Err(err_at(
                self.query,
                col,
                "the query ends where a word was expected",
            ));
        };
        self.pos += 1;
        match tok {
            Tok::LParen => {
                if self.peek() == Some(&Tok::RParen) {
                    return Err(err_at(self.query, col, "empty parentheses"));
                }
                self.deeper()?;
                let inner = self.or()?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(err_at(self.query, col, "this parenthesis is never closed"));
                }
                self.pos += 1;
                Ok(inner)
            }
            Tok::RParen => Err(err_at(
                self.query,
                col,
                "a closing parenthesis without an opening one",
            )),
            Tok::And | Tok::Or => Err(err_at(self.query, col, "AND/OR need something before them")),
            Tok::Not | Tok::Minus => Err(err_at(self.query, col, "misplaced NOT")),
            Tok::Phrase(p) => {
                if p.trim().is_empty() {
                    return Err(err_at(self.query, col, "empty phrase"));
                }
                Ok(Node::Text(TextTerm::Phrase(p)))
            }
            Tok::FieldPhrase(name, value) => Ok(Node::Field {
                name: name.to_lowercase(),
                value,
                prefix: false,
                col,
            }),
            Tok::Word(w) => word_node(self.query, &w, col),
        }
    }
}

fn word_node(query: &str, w: &str, col: usize) -> Result<Node> {
    if let Some((name, value)) = w.split_once(':')
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphabetic() || c == '_' || c == '-')
    {
        if value.is_empty() {
            return Err(err_at(
                query,
                col,
                &format!("{name}: needs a value, e.g. {name}:something"),
            ));
        }
        let (value, prefix) = match value.strip_suffix('*') {
            Some(v) if !v.is_empty() => (v.to_string(), true),
            _ => (value.to_string(), false),
        };
        return Ok(Node::Field {
            name: name.to_lowercase(),
            value,
            prefix,
            col,
        });
    }
    if let Some(inner) = w.strip_prefix('*') {
        let (inner, infix) = match inner.strip_suffix('*') {
            Some(i) => (i, true),
            None => (inner, false),
        };
        if inner.is_empty() {
            return Err(err_at(
                query,
                col,
                "* needs letters beside it: barneha* (starting with), *lærer (ending in), *koordinator* (containing)",
            ));
        }
        if inner.contains('*') {
            return Err(err_at(
                query,
                col,
                "* is only allowed at the start or the end of a word",
            ));
        }
        if !inner.chars().all(char::is_alphabetic) {
            return Err(err_at(
                query,
                col,
                &format!("*{inner}: a search inside words takes letters only, one word"),
            ));
        }
        if inner.chars().count() < MIN_INSIDE {
            return Err(err_at(
                query,
                col,
                &format!(
                    "*{inner}: a search inside words needs at least {MIN_INSIDE} letters (so that og does not find skog)"
                ),
            ));
        }
        return Ok(Node::Text(if infix {
            TextTerm::Infix(inner.to_string())
        } else {
            TextTerm::Suffix(inner.to_string())
        }));
    }
    if let Some(stem) = w.strip_suffix('*') {
        if stem.is_empty() || stem.contains('*') {
            return Err(err_at(
                query,
                col,
                "a prefix search needs letters before *, e.g. barneha*",
            ));
        }
        return Ok(Node::Text(TextTerm::Prefix(stem.to_string())));
    }
    if let Some(word) = w.strip_prefix('=') {
        if word.is_empty() || word.contains(['*', '~', '=']) {
            return Err(err_at(
                query,
                col,
                "=word searches the word without its compounds, e.g. =koordinator",
            ));
        }
        return Ok(Node::Text(TextTerm::Whole(word.to_string())));
    }
    if let Some((stem, n)) = w.rsplit_once('~') {
        let n: u8 = if n.is_empty() {
            1
        } else {
            n.parse()
                .map_err(|_| err_at(query, col, "fuzzy search is word~1 or word~2"))?
        };
        if stem.is_empty() || !(1..=2).contains(&n) {
            return Err(err_at(query, col, "fuzzy search is word~1 or word~2"));
        }
        return Ok(Node::Text(TextTerm::Fuzzy(stem.to_string(), n)));
    }
    if w.contains('*') {
        return Err(err_at(query, col, "* is only allowed at the end of a word"));
    }
    Ok(Node::Text(TextTerm::Word(w.to_string())))
}

/// Parses a query into its syntax tree.
pub fn parse(query: &str) -> Result<Node> {
    if query.trim().is_empty() {
        return Err(Error::Query(
            "the query is empty: give words to search for".into(),
        ));
    }
    let chars = query.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(Error::Query(format!(
            "the query is {chars} characters long; koda takes at most {MAX_QUERY_CHARS}: split it into several searches"
        )));
    }
    let toks = lex(query)?;
    let terms = toks
        .iter()
        .filter(|(t, _)| {
            !matches!(
                t,
                Tok::And | Tok::Or | Tok::Not | Tok::Minus | Tok::LParen | Tok::RParen
            )
        })
        .count();
    if terms > MAX_TERMS {
        return Err(Error::Query(format!(
            "the query holds {terms} words and filters; koda takes at most {MAX_TERMS}: split it into several searches"
        )));
    }
    let mut p = Parser {
        query,
        toks,
        pos: 0,
        depth: 0,
    };
    let node = p.or()?;
    if p.pos < p.toks.len() {
        return Err(err_at(query, p.col(), "unexpected closing parenthesis"));
    }
    Ok(node)
}

/// What the snippet highlighter looks for in a turn's text.
#[derive(Debug, Clone, Default)]
pub struct Highlight {
    /// Exact terms per analyser (tokenizer name, term).
    pub terms: BTreeSet<(String, String)>,
    /// Folded prefixes.
    pub prefixes: Vec<String>,
    /// The automata of folded words within their edit distance.
    pub(crate) fuzzy: Vec<Arc<Fuzzy>>,
    /// Compounds a query word was found in: the word in lower case, and the chars of it the
    /// query word covers (the part marked).
    pub compounds: HashMap<String, (usize, usize)>,
    /// `*lærer`: the endings, in lower case and folded.
    pub ends: Vec<(String, String)>,
    /// `*koordinator*`: what the words contain, in lower case and folded.
    pub inside: Vec<(String, String)>,
}

impl Highlight {
    /// Whether the query finds words inside words, which highlighting marks in part.
    pub fn finds_inside(&self) -> bool {
        !self.compounds.is_empty() || !self.ends.is_empty() || !self.inside.is_empty()
    }
}

/// How [`Builder::one_word`]'s message names a search inside words.
const INSIDE: &str = "a search inside words works";

/// The score of a turn holding the query word itself, on top of its BM25 score, and of one
/// holding only a compound of it: a turn with the word ranks above every turn with only its
/// compounds.
const WORD_SCORE: f32 = 1.0;
const COMPOUND_SCORE: f32 = 0.5;

/// What a query needs to know of the project: documents by title, the codebook, and the
/// attribute names. A loaded [`Project`] answers it, and so does the index's own catalog, so
/// that a search can run without loading the project.
pub trait Lookup {
    /// The id of the document `key` names (an id, a title or a unique id prefix).
    fn doc_id(&self, key: &str) -> Result<String>;
    /// The code tree.
    fn codebook(&self) -> &Codebook;
    /// Attribute names known to the project (case attributes and document metadata keys),
    /// lower-cased.
    fn attribute_names(&self) -> BTreeSet<String>;
    /// Whether `name` (lower-cased) is one of them.
    fn has_attribute(&self, name: &str) -> bool {
        self.attribute_names().contains(name)
    }
}

impl Lookup for Project {
    fn doc_id(&self, key: &str) -> Result<String> {
        self.find_doc(key).map(|d| d.id.clone())
    }

    fn codebook(&self) -> &Codebook {
        &self.codebook
    }

    fn attribute_names(&self) -> BTreeSet<String> {
        Project::attribute_names(self)
    }

    fn has_attribute(&self, name: &str) -> bool {
        let is = |k: &String| k.to_lowercase() == name;
        self.cases
            .cases
            .values()
            .any(|c| c.attributes.keys().any(is))
            || self.docs.values().any(|d| d.metadata.keys().any(is))
    }
}

/// Turns a parsed query into a tantivy query over the given fields.
pub(crate) struct Builder<'a> {
    /// The index fields.
    pub fields: &'a Fields,
    /// The fuzzy words' automata, each built once per open index.
    pub automata: &'a Automata,
    /// The stemming languages in the index.
    pub langs: &'a [Lang],
    /// The project (or the index's catalog of it), to resolve codes and documents and to know
    /// attribute names.
    pub lookup: &'a dyn Lookup,
    /// The original query, for messages.
    pub query: &'a str,
    /// The index's term dictionaries, for the compounds of a word.
    pub searcher: &'a Searcher,
    /// What the open index remembers of its vocabulary.
    pub(crate) memo: &'a std::sync::Mutex<compounds::Memo>,
}

impl Builder<'_> {
    fn text_fields(&self) -> Vec<(Field, &'static str)> {
        let mut v: Vec<(Field, &'static str)> = self
            .langs
            .iter()
            .map(|l| match l {
                Lang::No => (self.fields.text_no, TOK_NO),
                Lang::En => (self.fields.text_en, TOK_EN),
            })
            .collect();
        v.push((self.fields.text_fold, TOK_FOLD));
        v
    }

    /// Builds the query and the highlighter.
    pub fn build(&self, node: &Node) -> Result<(Box<dyn Query>, Highlight)> {
        let mut hl = Highlight::default();
        let q = self.node(node, true, &mut hl)?;
        Ok((q, hl))
    }

    fn node(&self, node: &Node, positive: bool, hl: &mut Highlight) -> Result<Box<dyn Query>> {
        match node {
            Node::And(parts) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for p in parts {
                    match p {
                        Node::Not(inner) => {
                            clauses.push((Occur::MustNot, self.node(inner, !positive, hl)?))
                        }
                        other => clauses.push((Occur::Must, self.node(other, positive, hl)?)),
                    }
                }
                if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Ok(Box::new(BooleanQuery::new(clauses)))
            }
            Node::Or(parts) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for p in parts {
                    clauses.push((Occur::Should, self.node(p, positive, hl)?));
                }
                Ok(Box::new(BooleanQuery::new(clauses)))
            }
            Node::Not(inner) => Ok(Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                (Occur::MustNot, self.node(inner, !positive, hl)?),
            ]))),
            Node::Text(t) => self.text(t, positive, hl),
            Node::Field {
                name,
                value,
                prefix,
                col,
            } => self.field(name, value, *prefix, *col),
        }
    }

    fn text(&self, t: &TextTerm, positive: bool, hl: &mut Highlight) -> Result<Box<dyn Query>> {
        let mut per_field: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        match t {
            TextTerm::Word(w) | TextTerm::Whole(w) | TextTerm::Phrase(w) => {
                for (field, tok) in self.text_fields() {
                    let toks = tokens(tok, w);
                    if positive {
                        for t in &toks {
                            hl.terms.insert((tok.to_string(), t.term.clone()));
                        }
                    }
                    let terms: Vec<Term> = toks
                        .iter()
                        .map(|t| Term::from_field_text(field, &t.term))
                        .collect();
                    match terms.len() {
                        0 => {}
                        1 => per_field.push((
                            Occur::Should,
                            Box::new(TermQuery::new(
                                terms[0].clone(),
                                IndexRecordOption::WithFreqs,
                            )),
                        )),
                        _ => per_field.push((Occur::Should, Box::new(PhraseQuery::new(terms)))),
                    }
                }
                if per_field.is_empty() {
                    return Err(Error::Query(format!("{w:?} holds no word to search for")));
                }
                if let TextTerm::Word(w) = t
                    && self.langs.iter().any(|l| l.compounds())
                {
                    return Ok(self.with_compounds(w, per_field, positive, hl));
                }
            }
            TextTerm::Suffix(w) | TextTerm::Infix(w) => {
                let lower = self.one_word(TOK_LOWER, w, INSIDE)?;
                let folded = self.one_word(TOK_FOLD, w, INSIDE)?;
                let (fold, parts) = (self.fields.text_fold, self.fields.text_parts);
                let (word, within): (Box<dyn Query>, Box<dyn Query>) = match t {
                    TextTerm::Suffix(_) => (
                        Box::new(TermQuery::new(
                            Term::from_field_text(fold, &folded),
                            IndexRecordOption::WithFreqs,
                        )),
                        Box::new(AutomatonQuery::new(
                            parts,
                            Arc::new(Prefix::new(&format!("{lower}{SEP}"))),
                        )),
                    ),
                    _ => (
                        Box::new(AutomatonQuery::new(fold, Arc::new(Prefix::new(&folded)))),
                        Box::new(AutomatonQuery::new(parts, Arc::new(Prefix::new(&lower)))),
                    ),
                };
                if positive {
                    let list = match t {
                        TextTerm::Suffix(_) => &mut hl.ends,
                        _ => &mut hl.inside,
                    };
                    list.push((lower, folded));
                }
                per_field.push((Occur::Should, word));
                per_field.push((Occur::Should, within));
            }
            TextTerm::Prefix(p) | TextTerm::Fuzzy(p, _) => {
                let folded = self.one_word(TOK_FOLD, p, "prefix and fuzzy search work")?;
                let (field, word) = (self.fields.text_fold, folded.as_str());
                let q: Box<dyn Query> = match t {
                    TextTerm::Fuzzy(_, n) => {
                        let fuzzy = self.automata.fuzzy(word, *n);
                        if positive {
                            hl.fuzzy.push(fuzzy.clone());
                        }
                        Box::new(AutomatonQuery::new(field, fuzzy))
                    }
                    _ => {
                        if positive {
                            hl.prefixes.push(word.to_string());
                        }
                        Box::new(AutomatonQuery::new(field, Arc::new(Prefix::new(word))))
                    }
                };
                per_field.push((Occur::Should, q));
            }
        }
        Ok(if per_field.len() == 1 {
            per_field.remove(0).1
        } else {
            Box::new(BooleanQuery::new(per_field))
        })
    }

    /// The one token `analyser` makes of `w`, or an error saying the search takes one word.
    /// `what` names the search in the message (`a search inside words works`).
    fn one_word(&self, analyser: &str, w: &str, what: &str) -> Result<String> {
        let toks = tokens(analyser, w);
        match &toks[..] {
            [one] => Ok(one.term.clone()),
            _ => Err(Error::Query(format!("{w:?}: {what} on one word at a time"))),
        }
    }

    /// A word's query (`per_field`, one clause per analysed field) widened to the compounds
    /// that hold it, which rank below the word itself.
    fn with_compounds(
        &self,
        w: &str,
        mut per_field: Vec<(Occur, Box<dyn Query>)>,
        positive: bool,
        hl: &mut Highlight,
    ) -> Box<dyn Query> {
        let word: Box<dyn Query> = if per_field.len() == 1 {
            per_field.remove(0).1
        } else {
            Box::new(BooleanQuery::new(per_field))
        };
        let found = match self.one_word(TOK_LOWER, w, INSIDE) {
            Ok(lower) => {
                Vocabulary::new(self.searcher, self.fields, Some(self.memo)).compounds(&lower)
            }
            Err(_) => Vec::new(),
        };
        if found.is_empty() {
            return word;
        }
        let set = |inflections: bool| -> Option<Box<dyn Query>> {
            let terms = compounds::terms_of(self.fields, &found, inflections);
            (!terms.is_empty()).then(|| Box::new(TermSetQuery::new(terms)) as Box<dyn Query>)
        };
        let (inflected, within) = (set(true), set(false));
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if positive {
            clauses.push((Occur::Should, word.box_clone()));
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(word, WORD_SCORE)),
            ));
            if let Some(q) = inflected {
                clauses.push((Occur::Should, Box::new(ConstScoreQuery::new(q, WORD_SCORE))));
            }
            if let Some(q) = within {
                clauses.push((
                    Occur::Should,
                    Box::new(ConstScoreQuery::new(q, COMPOUND_SCORE)),
                ));
            }
            hl.compounds
                .extend(found.into_iter().map(|f| (f.word, f.part)));
        } else {
            clauses.push((Occur::Should, word));
            clauses.extend(
                inflected
                    .into_iter()
                    .chain(within)
                    .map(|q| (Occur::Should, q)),
            );
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn field(&self, name: &str, value: &str, prefix: bool, col: usize) -> Result<Box<dyn Query>> {
        let f = self.fields;
        let (field, term_text) = match name {
            "speaker" => (f.speaker, value.to_string()),
            "coder" => (f.coder, value.to_string()),
            "case" => (f.case, value.to_string()),
            "type" => {
                let kind: crate::model::DocKind = value
                    .parse()
                    .map_err(|e: String| err_at(self.query, col, &e))?;
                (f.kind, kind.as_str().to_string())
            }
            "doc" => {
                if prefix {
                    (f.doc, value.to_string())
                } else {
                    let id = self
                        .lookup
                        .doc_id(value)
                        .map_err(|e| err_at(self.query, col, &e.to_string()))?;
                    (f.doc, id)
                }
            }
            "code" => {
                if prefix {
                    (f.code, value.to_string())
                } else {
                    let cb = self.lookup.codebook();
                    let c = cb
                        .find(value)
                        .map_err(|e| err_at(self.query, col, &e.to_string()))?;
                    (f.code, cb.path(&c.id))
                }
            }
            other => {
                if !self.lookup.has_attribute(other) {
                    let names = self.lookup.attribute_names();
                    let mut known: Vec<String> =
                        ["speaker", "type", "code", "coder", "doc", "case"]
                            .iter()
                            .map(|s| (*s).to_string())
                            .collect();
                    known.extend(names);
                    return Err(err_at(
                        self.query,
                        col,
                        &format!("unknown field {other:?}; fields are {}", known.join(", ")),
                    ));
                }
                (f.attr, format!("{other}={value}"))
            }
        };
        let norm = tokens(TOK_RAW, &term_text)
            .into_iter()
            .next()
            .map(|t| t.term)
            .unwrap_or_default();
        Ok(if prefix {
            Box::new(AutomatonQuery::new(field, Arc::new(Prefix::new(&norm))))
        } else {
            let term = Term::from_field_text(field, &norm);
            Box::new(TermQuery::new(term, IndexRecordOption::Basic))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Node {
        Node::Text(TextTerm::Word(s.into()))
    }

    #[test]
    fn precedence_and_implicit_and() {
        assert_eq!(
            parse("a b OR c").unwrap(),
            Node::Or(vec![Node::And(vec![w("a"), w("b")]), w("c")])
        );
        assert_eq!(
            parse("a -b NOT c").unwrap(),
            Node::And(vec![
                w("a"),
                Node::Not(Box::new(w("b"))),
                Node::Not(Box::new(w("c")))
            ])
        );
        assert_eq!(
            parse("(a OR b) AND c").unwrap(),
            Node::And(vec![Node::Or(vec![w("a"), w("b")]), w("c")])
        );
        assert_eq!(parse("NAV-veileder").unwrap(), w("NAV-veileder"));
    }

    #[test]
    fn phrases_prefixes_fuzzy_and_fields() {
        assert_eq!(
            parse("\"ringe tilbake\"").unwrap(),
            Node::Text(TextTerm::Phrase("ringe tilbake".into()))
        );
        assert_eq!(
            parse("«ringe tilbake»").unwrap(),
            Node::Text(TextTerm::Phrase("ringe tilbake".into()))
        );
        assert_eq!(
            parse("barneha*").unwrap(),
            Node::Text(TextTerm::Prefix("barneha".into()))
        );
        assert_eq!(
            parse("koordinatorn~1").unwrap(),
            Node::Text(TextTerm::Fuzzy("koordinatorn".into(), 1))
        );
        assert_eq!(
            parse("*lærer").unwrap(),
            Node::Text(TextTerm::Suffix("lærer".into()))
        );
        assert_eq!(
            parse("*koordinator*").unwrap(),
            Node::Text(TextTerm::Infix("koordinator".into()))
        );
        assert_eq!(
            parse("=koordinator -*lærer").unwrap(),
            Node::And(vec![
                Node::Text(TextTerm::Whole("koordinator".into())),
                Node::Not(Box::new(Node::Text(TextTerm::Suffix("lærer".into()))))
            ])
        );
        assert_eq!(
            parse("tillit~").unwrap(),
            Node::Text(TextTerm::Fuzzy("tillit".into(), 1))
        );
        assert_eq!(
            parse("speaker:\"Deltaker 1\"").unwrap(),
            Node::Field {
                name: "speaker".into(),
                value: "Deltaker 1".into(),
                prefix: false,
                col: 1
            }
        );
        assert_eq!(
            parse("x Role:parent*").unwrap(),
            Node::And(vec![
                w("x"),
                Node::Field {
                    name: "role".into(),
                    value: "parent".into(),
                    prefix: true,
                    col: 3
                }
            ])
        );
        assert_eq!(
            parse("kl 10:15").unwrap(),
            Node::And(vec![w("kl"), w("10:15")])
        );
    }

    #[test]
    fn hostile_queries_get_a_clear_error_not_a_crash() {
        let nested = format!("{}tillit{}", "(".repeat(10_000), ")".repeat(10_000));
        let e = parse(&nested).unwrap_err().to_string();
        assert!(e.contains("characters long"), "{e}");
        let nested = format!("{}tillit{}", "(".repeat(500), ")".repeat(500));
        let e = parse(&nested).unwrap_err().to_string();
        assert!(e.contains("nest more than 32 deep"), "{e}");
        let nots = format!("{}tillit", "NOT ".repeat(400));
        let e = parse(&nots).unwrap_err().to_string();
        assert!(e.contains("nest more than 32 deep"), "{e}");
        let many = vec!["ord~"; 150].join(" ");
        let e = parse(&many).unwrap_err().to_string();
        assert!(e.contains("150 words and filters"), "{e}");
        let fine = format!("{}tillit{}", "(".repeat(30), ")".repeat(30));
        assert!(parse(&fine).is_ok());
        assert!(parse(&format!("{}tillit", "NOT ".repeat(30))).is_ok());
    }

    #[test]
    fn malformed_queries_point_at_the_problem() {
        let cases = [
            ("", "empty"),
            ("(tillit", "never closed"),
            ("tillit)", "closing parenthesis"),
            ("\"ringe tilbake", "never closed"),
            ("tillit OR", "OR needs"),
            ("AND tillit", "need something before"),
            ("tillit NOT", "NOT (or -) needs"),
            ("*", "needs letters beside it"),
            ("*og", "at least 4 letters"),
            ("*ko*ord", "start or the end"),
            ("*nav-kontor", "letters only"),
            ("=", "without its compounds"),
            ("ti*llit", "only allowed at the end"),
            ("tillit~3", "word~1 or word~2"),
            ("speaker:", "needs a value"),
            ("()", "empty parentheses"),
            ("\"\"", "empty phrase"),
        ];
        for (q, want) in cases {
            let e = parse(q).unwrap_err().to_string();
            assert!(e.contains(want), "{q:?}: {e}");
        }
        let e = parse("tillit OR").unwrap_err().to_string();
        assert!(
            e.contains("(column 10)") && e.contains("\n  tillit OR\n           ^"),
            "{e}"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]
        #[test]
        fn no_query_makes_the_parser_panic(q in "[a-zæøå0-9 :*~\"()«»\\-]{0,40}|(AND|OR|NOT|-|\\(|\\)|\"|\\*|~|:| |tillit|speaker:|code:x)*") {
            let _ = parse(&q);
        }
    }
}
