//! Opening, reading and changing a project.
//!
//! [`Project`] is a read-only view loaded from disk; loading never takes the lock and never
//! writes, so any number of readers can look while one writer works. [`Session`] holds the
//! single-writer lock and carries out changes: each validates fully first, then writes durably,
//! then updates the in-memory view, so an error leaves both disk and memory as they were.

use crate::import::Prepared;
use crate::model::text::{
    CharIndex, char_len, quote_hash, sha256_hex, slice_chars, snap_to_graphemes,
};
use crate::model::{
    Cases, Codebook, Coding, DocKind, Document, DocumentFile, Memo, MemoTarget, ProjectConfig,
    SCHEMA_VERSION, SpeakerMap, Turn, ids, now, validate_coder,
};
use crate::store::history::{Entry, History, MAX_ENTRIES, Op};
use crate::store::journal::{self, Event, JournalWriter};
use crate::store::lock::WriteLock;
use crate::store::{
    CASES_FILE, CODEBOOK_FILE, CONFIG_FILE, JOURNAL_DIR, PRIVATE_DIR, SOURCES_DIR, fsio,
};
use crate::{Error, Result};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// A document id with the hash of its current text: caches of what is derived from a text
/// are keyed by both, since a correction gives a document a new text.
type DocAtText = (String, String);

/// The first characters of a hash, to tell texts apart in a message.
fn short_hash(sha: &str) -> String {
    format!("text {}", sha.get(..12).unwrap_or(sha))
}

/// A project loaded from its folder.
#[derive(Debug)]
pub struct Project {
    root: PathBuf,
    /// Settings from `koda.json`.
    pub config: ProjectConfig,
    /// Documents by id.
    pub docs: BTreeMap<String, Document>,
    /// The code tree.
    pub codebook: Codebook,
    /// Cases and their attributes.
    pub cases: Cases,
    /// The name register (names, speaker and case pseudonyms).
    pub names: crate::model::names::Names,
    /// Live codings by id; each coding's `code` is already resolved through merges.
    pub codings: BTreeMap<String, Coding>,
    /// Live memos by id.
    pub memos: BTreeMap<String, Memo>,
    /// Problems found while loading (damaged journal lines, orphaned codings, …).
    pub warnings: Vec<String>,
    texts: RefCell<HashMap<String, Rc<str>>>,
    char_indexes: RefCell<HashMap<DocAtText, Rc<CharIndex>>>,
    /// Turn tables read so far, keyed by document and text hash (a correction re-parses them).
    turn_tables: RefCell<HashMap<DocAtText, Rc<[Turn]>>>,
    /// The files' stamp, taken before any of them was read.
    stamp: Option<crate::store::stamp::Stamp>,
    /// Loaded by a [`Session`] holding the writer lock, so memory follows every change.
    held: bool,
}

/// Options for [`Session::import`].
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The case every imported document belongs to.
    pub case: Option<String>,
    /// Attributes to set on that case.
    pub attrs: Vec<(String, String)>,
    /// A title for the document (only with a single file).
    pub title: Option<String>,
    /// Metadata to record on every imported document.
    pub metadata: Vec<(String, String)>,
    /// Speaker labels mapped to cases.
    pub speakers: Vec<SpeakerMap>,
}

/// What a coding should cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The text of turn N (1-based).
    Turn(usize),
    /// A char range `start..end` of the normalised text.
    Range(usize, usize),
    /// Every place where this exact text occurs (`all`), or its only place.
    Match {
        /// The text to find (normalised to NFC before searching).
        text: String,
        /// Accept several occurrences and select them all.
        all: bool,
    },
}

impl Project {
    /// Finds the project folder: `start` itself or its nearest ancestor holding `koda.json`.
    pub fn discover(start: &Path) -> Result<PathBuf> {
        let abs = if start.is_absolute() {
            start.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| Error::io(start, e))?
                .join(start)
        };
        let mut cur = Some(abs.as_path());
        while let Some(dir) = cur {
            if dir.join(CONFIG_FILE).is_file() {
                return Ok(dir.to_path_buf());
            }
            cur = dir.parent();
        }
        Err(Error::NotAProject(start.to_path_buf()))
    }

    /// Creates a new, empty project in `dir` (created if missing).
    pub fn init(dir: &Path, name: &str, languages: &[String], coder: &str) -> Result<Project> {
        validate_coder(coder)?;
        if dir.join(CONFIG_FILE).exists() {
            return Err(Error::invalid(format!(
                "{} is already a koda project",
                dir.display()
            )));
        }
        for lang in languages {
            if !matches!(lang.as_str(), "no" | "nb" | "nn" | "en") {
                return Err(Error::invalid(format!(
                    "language {lang:?} is not supported: use no (Norwegian) or en (English)"
                )));
            }
        }
        fsio::ensure_dir(dir)?;
        fsio::make_private(dir)?;
        fsio::ensure_dir(&dir.join(SOURCES_DIR))?;
        fsio::ensure_dir(&dir.join(JOURNAL_DIR))?;
        fsio::write_json(&dir.join(CODEBOOK_FILE), &Codebook::default())?;
        fsio::write_json(&dir.join(CASES_FILE), &Cases::default())?;
        let gitignore = dir.join(".gitignore");
        if !gitignore.exists() {
            fsio::write_atomic(
                &gitignore,
                b"# machine-local state of koda (lock, search index)\n.koda/\n",
            )?;
        }
        let config = ProjectConfig {
            schema_version: SCHEMA_VERSION,
            name: name.to_string(),
            languages: languages.to_vec(),
            coders: vec![coder.to_string()],
            default_coder: coder.to_string(),
            created_at: now(),
        };
        // koda.json last: its presence is what makes the folder a project.
        fsio::write_json(&dir.join(CONFIG_FILE), &config)?;
        Project::open(dir)
    }

    /// Loads the project in `root` without locking it.
    pub fn open(root: &Path) -> Result<Project> {
        let config_path = root.join(CONFIG_FILE);
        if !config_path.is_file() {
            return Err(Error::NotAProject(root.to_path_buf()));
        }
        // Taken first: a change made while the files are read gives a stamp that matches
        // neither, so nothing derived from this load is ever mistaken for current.
        let stamp = crate::store::stamp::take(root).ok();
        let mut config: ProjectConfig = fsio::read_json(&config_path)?;
        if config.schema_version > SCHEMA_VERSION {
            return Err(Error::Corrupt {
                path: config_path,
                msg: format!(
                    "schema version {} is newer than this koda understands ({SCHEMA_VERSION}); update koda",
                    config.schema_version
                ),
            });
        }
        super::migrate::migrate(root, &mut config)?;
        let codebook: Codebook = read_json_or_default(&root.join(CODEBOOK_FILE))?;
        let cases: Cases = read_json_or_default(&root.join(CASES_FILE))?;
        let names: crate::model::names::Names =
            read_json_or_default(&root.join(crate::store::NAMES_FILE))?;
        let mut warnings = Vec::new();
        let docs = load_documents(&root.join(SOURCES_DIR), &mut warnings)?;
        let mut project = Project {
            root: root.to_path_buf(),
            config,
            docs,
            codebook,
            cases,
            names,
            codings: BTreeMap::new(),
            memos: BTreeMap::new(),
            warnings,
            texts: RefCell::new(HashMap::new()),
            char_indexes: RefCell::new(HashMap::new()),
            turn_tables: RefCell::new(HashMap::new()),
            stamp,
            held: false,
        };
        project.replay()?;
        Ok(project)
    }

    fn replay(&mut self) -> Result<()> {
        let dir = self.root.join(JOURNAL_DIR);
        let mut files: Vec<PathBuf> = match fs::read_dir(&dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::io(&dir, e)),
        };
        files.sort();
        let mut events: Vec<(String, usize, usize, Event)> = Vec::new();
        for (fi, f) in files.iter().enumerate() {
            let read = journal::read(f)?;
            for issue in &read.issues {
                self.warnings.push(issue.to_string());
            }
            for (li, ev) in read.events.into_iter().enumerate() {
                events.push((ev.at().to_string(), fi, li, ev));
            }
        }
        events.sort_by(|a, b| (&a.0, a.1, a.2).cmp(&(&b.0, b.1, b.2)));
        let mut removed_codings = BTreeSet::new();
        let mut removed_memos = BTreeSet::new();
        let mut codings: BTreeMap<String, Coding> = BTreeMap::new();
        for (_, _, _, ev) in events {
            match ev {
                Event::CodingAdd(c) => {
                    if !removed_codings.contains(&c.id) && !codings.contains_key(&c.id) {
                        codings.insert(c.id.clone(), c);
                    }
                }
                Event::CodingRemove { id, .. } => {
                    codings.remove(&id);
                    removed_codings.insert(id);
                }
                Event::MemoSet {
                    id,
                    target,
                    text,
                    coder,
                    at,
                } => {
                    if !removed_memos.contains(&id) {
                        self.memos.insert(
                            id.clone(),
                            Memo {
                                id,
                                target,
                                text,
                                coder,
                                at,
                            },
                        );
                    }
                }
                Event::MemoRemove { id, .. } => {
                    self.memos.remove(&id);
                    removed_memos.insert(id);
                }
                Event::CodingAnchor {
                    id,
                    start,
                    end,
                    hash,
                    rev,
                    stale,
                    ..
                } => {
                    if let Some(c) = codings.get_mut(&id) {
                        // Anchors of an edit whose document metadata was never written (a crash
                        // mid-edit) refer to a text that does not exist; they are ignored.
                        let committed = self.docs.get(&c.doc).is_some_and(|d| rev <= d.revision);
                        if committed && rev >= c.rev {
                            c.start = start;
                            c.end = end;
                            c.hash = hash;
                            c.rev = rev;
                            c.stale = stale;
                        }
                    }
                }
                Event::DocEdit { .. } => {}
            }
        }
        for (id, mut c) in codings {
            let Some(doc) = self.docs.get(&c.doc) else {
                self.warnings.push(format!(
                    "coding {id} refers to document {:?}, which is not in sources/; it is left out",
                    c.doc
                ));
                continue;
            };
            if c.rev < doc.revision {
                c.stale = true;
                self.warnings.push(format!(
                    "coding {id} was made on revision {} of {:?}, which has since been corrected; it is flagged for a look",
                    c.rev, c.doc
                ));
            }
            if c.end > doc.chars || c.start >= c.end {
                self.warnings.push(format!(
                    "coding {id} has span {}..{} outside document {:?} ({} chars); it is left out",
                    c.start, c.end, c.doc, doc.chars
                ));
                continue;
            }
            match self.codebook.resolve(&c.code) {
                Some(code) => c.code = code,
                None => {
                    if !self.codebook.was_deleted(&c.code) {
                        self.warnings.push(format!(
                            "coding {id} refers to code {:?}, which is not in codebook.json; it is left out",
                            c.code
                        ));
                    }
                    continue;
                }
            }
            self.codings.insert(id, c);
        }
        Ok(())
    }

    /// The project folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The stamp of the files this view reflects (see [`crate::store::stamp`]), for recording
    /// beside what is derived from it; `None` when unknown or when loading found problems
    /// (so that every command keeps reporting them). A view held by a [`Session`] follows
    /// every change it makes under the writer lock, so its stamp is taken afresh.
    pub fn stamp(&self) -> Option<crate::store::stamp::Stamp> {
        if !self.warnings.is_empty() {
            return None;
        }
        if self.held {
            crate::store::stamp::take(&self.root).ok()
        } else {
            self.stamp.clone()
        }
    }

    /// Documents in import order.
    pub fn documents(&self) -> Vec<&Document> {
        let mut v: Vec<&Document> = self.docs.values().collect();
        v.sort_by_key(|d| (d.seq, d.id.clone()));
        v
    }

    /// Finds a document by id, by title (exactly, then ignoring case), or by a unique id prefix.
    pub fn find_doc(&self, key: &str) -> Result<&Document> {
        if let Some(d) = self.docs.get(key) {
            return Ok(d);
        }
        let pairs: Vec<(&str, &str)> = self
            .docs
            .values()
            .map(|d| (d.id.as_str(), d.title.as_str()))
            .collect();
        let id = pick_doc(key, &pairs)?;
        self.docs
            .get(id)
            .ok_or_else(|| Error::invalid(format!("no document {key:?} in the project")))
    }

    /// The normalised text of a document, checked against its recorded fingerprint.
    pub fn text(&self, doc_id: &str) -> Result<Rc<str>> {
        if let Some(t) = self.texts.borrow().get(doc_id) {
            return Ok(Rc::clone(t));
        }
        let rc = self.text_uncached(doc_id)?;
        self.texts
            .borrow_mut()
            .insert(doc_id.to_string(), Rc::clone(&rc));
        Ok(rc)
    }

    /// A document's text (checked against its fingerprint) without keeping it in the cache:
    /// for passes over every document, such as building the index.
    pub fn text_uncached(&self, doc_id: &str) -> Result<Rc<str>> {
        if let Some(t) = self.texts.borrow().get(doc_id) {
            return Ok(Rc::clone(t));
        }
        let doc = self
            .docs
            .get(doc_id)
            .ok_or_else(|| Error::invalid(format!("no document {doc_id:?}")))?;
        let path = self.root.join(SOURCES_DIR).join(doc.text_file());
        let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        if sha256_hex(text.as_bytes()) != doc.text_sha256 {
            return Err(Error::Corrupt {
                path,
                msg: "the text no longer matches its fingerprint in the document's .json (was it edited by hand?); codings on it cannot be trusted until it is restored".into(),
            });
        }
        Ok(Rc::from(text))
    }

    /// Char offsets of a document's current text, for slicing long texts without walking them
    /// from the start (cached per text: keyed by its hash, so a correction, its undo and a new
    /// correction never share an index).
    pub fn char_index(&self, doc_id: &str) -> Result<Rc<CharIndex>> {
        let key = self.text_key(doc_id);
        if let Some(ix) = self.char_indexes.borrow().get(&key) {
            return Ok(Rc::clone(ix));
        }
        let ix = Rc::new(CharIndex::new(&self.text(doc_id)?));
        self.char_indexes.borrow_mut().insert(key, Rc::clone(&ix));
        Ok(ix)
    }

    /// A document's turns, read from its `sources/<id>.json` the first time they are asked
    /// for and kept while the project is open.
    pub fn turns(&self, doc_id: &str) -> Result<Rc<[Turn]>> {
        let key = self.text_key(doc_id);
        if let Some(t) = self.turn_tables.borrow().get(&key) {
            return Ok(Rc::clone(t));
        }
        let t = self.read_turns(doc_id)?;
        self.turn_tables.borrow_mut().insert(key, Rc::clone(&t));
        Ok(t)
    }

    /// A document's turns without keeping them: for passes over every document, such as
    /// building the index, so that memory holds one document's turns at a time.
    pub fn turns_uncached(&self, doc_id: &str) -> Result<Rc<[Turn]>> {
        if let Some(t) = self.turn_tables.borrow().get(&self.text_key(doc_id)) {
            return Ok(Rc::clone(t));
        }
        self.read_turns(doc_id)
    }

    /// A document's turn table read from `sources/<id>.json`, checked against the document.
    fn read_turns(&self, doc_id: &str) -> Result<Rc<[Turn]>> {
        let doc = self
            .docs
            .get(doc_id)
            .ok_or_else(|| Error::invalid(format!("no document {doc_id:?}")))?;
        let path = self.source_meta_path(doc_id);
        let table: crate::model::TurnTable = fsio::read_json(&path)?;
        if table.text_sha256 != doc.text_sha256 || table.turns.len() != doc.turn_count {
            return Err(Error::Corrupt {
                path,
                msg: format!(
                    "it now lists {} turns of {} where it listed {} of {} when the project was opened (was it changed by another program? open the project again)",
                    table.turns.len(),
                    short_hash(&table.text_sha256),
                    doc.turn_count,
                    short_hash(&doc.text_sha256)
                ),
            });
        }
        Ok(Rc::from(table.turns))
    }

    /// The key of what the caches derive from a document's current text.
    fn text_key(&self, doc_id: &str) -> DocAtText {
        let sha = self
            .docs
            .get(doc_id)
            .map(|d| d.text_sha256.clone())
            .unwrap_or_default();
        (doc_id.to_string(), sha)
    }

    fn source_text_path(&self, doc_id: &str) -> PathBuf {
        self.root.join(SOURCES_DIR).join(format!("{doc_id}.txt"))
    }

    fn source_meta_path(&self, doc_id: &str) -> PathBuf {
        self.root.join(SOURCES_DIR).join(format!("{doc_id}.json"))
    }

    /// How many codings each document has (documents without codings are absent).
    pub fn coding_counts(&self) -> HashMap<&str, usize> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for c in self.codings.values() {
            *counts.entry(c.doc.as_str()).or_default() += 1;
        }
        counts
    }

    /// Codings of a document, ordered by position.
    pub fn codings_of_doc(&self, doc_id: &str) -> Vec<&Coding> {
        let mut v: Vec<&Coding> = self.codings.values().filter(|c| c.doc == doc_id).collect();
        v.sort_unstable_by(|a, b| a.by_position(b));
        v
    }

    /// Resolves a selection in a document to grapheme-snapped char spans.
    pub fn resolve_selection(
        &self,
        doc: &Document,
        sel: &Selection,
    ) -> Result<Vec<(usize, usize)>> {
        let text = self.text(&doc.id)?;
        match sel {
            Selection::Turn(n) => {
                let turns = self.turns(&doc.id)?;
                let t = crate::model::turn(&turns, *n).ok_or_else(|| {
                    Error::invalid(format!(
                        "document {:?} has turns 1 to {}, not {n}; see `koda show {}`",
                        doc.id, doc.turn_count, doc.id
                    ))
                })?;
                if t.end <= t.start {
                    return Err(Error::invalid(format!(
                        "turn {n} of {:?} holds no text to code",
                        doc.id
                    )));
                }
                Ok(vec![(t.start, t.end)])
            }
            Selection::Range(a, b) => {
                if a >= b {
                    return Err(Error::invalid(format!(
                        "range {a}..{b} is empty: the end must be after the start"
                    )));
                }
                if *b > doc.chars {
                    return Err(Error::invalid(format!(
                        "range {a}..{b} runs past the end of {:?}, which has {} characters",
                        doc.id, doc.chars
                    )));
                }
                Ok(vec![snap_to_graphemes(&text, *a, *b)])
            }
            Selection::Match { text: needle, all } => {
                let needle: String =
                    unicode_normalization::UnicodeNormalization::nfc(needle.as_str()).collect();
                if needle.trim().is_empty() {
                    return Err(Error::invalid("--match needs some text to find"));
                }
                let hits: Vec<(usize, usize)> = text
                    .match_indices(needle.as_str())
                    .map(|(b, m)| {
                        let s = crate::model::text::byte_to_char(&text, b);
                        snap_to_graphemes(&text, s, s + char_len(m))
                    })
                    .collect();
                if hits.is_empty() {
                    let lower_hit = text.to_lowercase().contains(&needle.to_lowercase());
                    let hint = if lower_hit {
                        " (it occurs with different capitals; --match is exact)"
                    } else {
                        ""
                    };
                    return Err(Error::invalid(format!(
                        "text {needle:?} not found in {:?}{hint}",
                        doc.id
                    )));
                }
                if hits.len() > 1 && !all {
                    let table = self.turns(&doc.id)?;
                    let turns: Vec<String> = hits
                        .iter()
                        .map(|(s, _)| {
                            crate::model::turn_at(&table, *s)
                                .map_or("?".into(), |t| t.number.to_string())
                        })
                        .collect();
                    return Err(Error::invalid(format!(
                        "text {needle:?} occurs {} times in {:?} (turns {}); quote more words to make it unique, or add --all to code every occurrence",
                        hits.len(),
                        doc.id,
                        turns.join(", ")
                    )));
                }
                Ok(hits)
            }
        }
    }

    /// The memos attached to a target.
    pub fn memos_on(&self, target: &MemoTarget) -> Vec<&Memo> {
        let mut v: Vec<&Memo> = self
            .memos
            .values()
            .filter(|m| &m.target == target)
            .collect();
        v.sort_by(|a, b| a.at.cmp(&b.at));
        v
    }
}

/// Picks the document `key` names among `(id, title)` pairs: by id, by title (exactly, then
/// ignoring case), or by a unique id prefix; several candidates are an error naming them.
pub fn pick_doc<'a>(key: &str, docs: &[(&'a str, &'a str)]) -> Result<&'a str> {
    if let Some((id, _)) = docs.iter().find(|(id, _)| *id == key) {
        return Ok(id);
    }
    let by_title: Vec<&str> = docs
        .iter()
        .filter(|(_, t)| *t == key)
        .map(|(id, _)| *id)
        .collect();
    if by_title.len() == 1 {
        return Ok(by_title[0]);
    }
    let lower = key.to_lowercase();
    let ci: Vec<&str> = docs
        .iter()
        .filter(|(_, t)| t.to_lowercase() == lower)
        .map(|(id, _)| *id)
        .collect();
    if ci.len() == 1 {
        return Ok(ci[0]);
    }
    let prefix: Vec<&str> = docs
        .iter()
        .filter(|(id, _)| id.starts_with(&lower))
        .map(|(id, _)| *id)
        .collect();
    if prefix.len() == 1 {
        return Ok(prefix[0]);
    }
    let many = if by_title.len() > 1 {
        by_title
    } else if ci.len() > 1 {
        ci
    } else {
        prefix
    };
    if many.len() > 1 {
        return Err(Error::invalid(format!(
            "document {key:?} is ambiguous: it could be {}; give the id",
            many.join(", ")
        )));
    }
    Err(Error::invalid(format!(
        "no document {key:?} in the project; see `koda docs` for ids and titles"
    )))
}

fn read_json_or_default<T: serde::de::DeserializeOwned + Default>(path: &Path) -> Result<T> {
    if path.exists() {
        fsio::read_json(path)
    } else {
        Ok(T::default())
    }
}

fn load_documents(dir: &Path, warnings: &mut Vec<String>) -> Result<BTreeMap<String, Document>> {
    let mut docs = BTreeMap::new();
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(docs),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut paths: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    for p in paths {
        let doc: Document = match fsio::read_json(&p) {
            Ok(d) => d,
            Err(e) => {
                warnings.push(format!("{e}; the document is left out"));
                continue;
            }
        };
        let text_path = p.with_file_name(doc.text_file());
        if !text_path.is_file() {
            warnings.push(format!(
                "{}: its text {} is missing; the document is left out",
                p.display(),
                text_path.display()
            ));
            continue;
        }
        docs.insert(doc.id.clone(), doc);
    }
    Ok(docs)
}

/// A writing session: the project plus its write lock, the coder's journal and undo history.
#[derive(Debug)]
pub struct Session {
    project: Project,
    coder: String,
    journal: Option<JournalWriter>,
    history: History,
    /// While set, recorded inverse operations go here instead of a new history entry.
    capture: Option<Entry>,
    /// Ids given anew while undoing or redoing (old, new), to rewrite in the history.
    remap: Vec<(String, String)>,
    _lock: WriteLock,
}

impl Session {
    /// Takes the project's write lock for `coder` and loads the project.
    pub fn open(root: &Path, coder: &str) -> Result<Session> {
        Self::open_with(root, coder, false)
    }

    /// Like [`Session::open`]; with `wait`, waits for another writer to finish.
    pub fn open_with(root: &Path, coder: &str, wait: bool) -> Result<Session> {
        validate_coder(coder)?;
        if !root.join(CONFIG_FILE).is_file() {
            return Err(Error::NotAProject(root.to_path_buf()));
        }
        let private = root.join(PRIVATE_DIR);
        let lock = if wait {
            WriteLock::acquire_waiting(&private, coder)?
        } else {
            WriteLock::acquire(&private, coder)?
        };
        let mut project = Project::open(root)?;
        project.held = true;
        let history_path = history_path(root, coder);
        let history = if history_path.is_file() {
            fsio::read_json(&history_path).unwrap_or_default()
        } else {
            History::default()
        };
        Ok(Session {
            project,
            coder: coder.to_string(),
            journal: None,
            history,
            capture: None,
            remap: Vec::new(),
            _lock: lock,
        })
    }

    pub(crate) fn record(&mut self, label: &str, op: Op) {
        if let Some(c) = &mut self.capture {
            c.ops.insert(0, op);
            return;
        }
        self.history.undo.push(Entry {
            label: label.to_string(),
            ops: vec![op],
        });
        self.history.redo.clear();
        self.save_history();
    }

    fn save_history(&mut self) {
        let excess = self.history.undo.len().saturating_sub(MAX_ENTRIES);
        self.history.undo.drain(..excess);
        let path = history_path(&self.project.root, &self.coder);
        if let Some(dir) = path.parent()
            && fsio::ensure_dir(dir).is_ok()
        {
            // The history is a convenience: failing to save it never fails the change itself.
            let _ = fsio::write_json(&path, &self.history);
        }
    }

    /// Runs several changes as one undoable step labelled `label`.
    pub fn group<T>(
        &mut self,
        label: &str,
        f: impl FnOnce(&mut Session) -> Result<T>,
    ) -> Result<T> {
        if self.capture.is_some() {
            return f(self);
        }
        self.capture = Some(Entry {
            label: label.to_string(),
            ops: Vec::new(),
        });
        let r = f(self);
        if let Some(entry) = self.capture.take()
            && !entry.ops.is_empty()
        {
            self.history.undo.push(entry);
            self.history.redo.clear();
            self.save_history();
        }
        r
    }

    /// What `undo` would undo, if anything.
    pub fn undo_label(&self) -> Option<&str> {
        self.history.undo.last().map(|e| e.label.as_str())
    }

    /// What `redo` would redo, if anything.
    pub fn redo_label(&self) -> Option<&str> {
        self.history.redo.last().map(|e| e.label.as_str())
    }

    /// Undoes the last change; returns its label, or `None` when there is nothing to undo.
    pub fn undo(&mut self) -> Result<Option<String>> {
        self.step(true)
    }

    /// Redoes the last undone change; returns its label, or `None` when there is nothing to redo.
    pub fn redo(&mut self) -> Result<Option<String>> {
        self.step(false)
    }

    /// Applies the newest entry of one stack and pushes its inverse onto the other.
    fn step(&mut self, undo: bool) -> Result<Option<String>> {
        let popped = if undo {
            self.history.undo.pop()
        } else {
            self.history.redo.pop()
        };
        let Some(entry) = popped else {
            return Ok(None);
        };
        let (label, result) = self.apply_entry(entry);
        if let Some(inverse) = result.1 {
            if undo {
                self.history.redo.push(inverse);
            } else {
                self.history.undo.push(inverse);
            }
        }
        self.save_history();
        self.reload()?;
        result.0.map(|()| Some(label))
    }

    /// Applies an entry's operations, capturing their inverses.
    fn apply_entry(&mut self, entry: Entry) -> (String, (Result<()>, Option<Entry>)) {
        self.capture = Some(Entry {
            label: entry.label.clone(),
            ops: Vec::new(),
        });
        let mut result = Ok(());
        for op in entry.ops {
            if let Err(e) = self.apply_op(op) {
                result = Err(e);
                break;
            }
        }
        let captured = self.capture.take().filter(|c| !c.ops.is_empty());
        // A coding or memo that came back has a new id: older entries must name it by that id.
        let remap = std::mem::take(&mut self.remap);
        if !remap.is_empty() {
            let fix = |id: &mut String| {
                if let Some((_, new)) = remap.iter().find(|(old, _)| old == id) {
                    id.clone_from(new);
                }
            };
            for e in self
                .history
                .undo
                .iter_mut()
                .chain(self.history.redo.iter_mut())
            {
                for op in &mut e.ops {
                    match op {
                        Op::RemoveCodings { ids } => ids.iter_mut().for_each(fix),
                        Op::RestoreCodings { codings } => {
                            codings.iter_mut().for_each(|c| fix(&mut c.id))
                        }
                        Op::SetMemo { id, .. } | Op::RemoveMemo { id } => fix(id),
                        Op::DocText { spans, .. } => spans.iter_mut().for_each(|s| fix(&mut s.0)),
                        Op::Codebook { .. } | Op::Cases { .. } | Op::Names { .. } => {}
                    }
                }
            }
        }
        (entry.label, (result, captured))
    }

    fn apply_op(&mut self, op: Op) -> Result<()> {
        match op {
            Op::RemoveCodings { ids } => {
                let live: Vec<String> = ids
                    .into_iter()
                    .filter(|id| self.project.codings.contains_key(id))
                    .collect();
                if !live.is_empty() {
                    self.remove_codings(&live)?;
                }
            }
            Op::RestoreCodings { codings } => {
                let made = self.restore_codings(&codings)?;
                for (old, new) in codings.iter().zip(&made) {
                    self.remap.push((old.id.clone(), new.id.clone()));
                }
            }
            Op::SetMemo { id, target, text } => {
                let existing = self.project.memos.contains_key(&id).then_some(id.as_str());
                let m = self.set_memo(existing, target, &text)?;
                if m.id != id {
                    self.remap.push((id, m.id));
                }
            }
            Op::RemoveMemo { id } => {
                if self.project.memos.contains_key(&id) {
                    self.remove_memo(&id)?;
                }
            }
            Op::Codebook { codebook } => {
                self.save_codebook(codebook)?;
            }
            Op::Cases { cases } => {
                self.save_cases(cases)?;
            }
            Op::Names { names } => {
                self.save_names(names)?;
            }
            Op::DocText { doc, text, spans } => {
                self.set_document_text(&doc, &text, Some(&spans))?;
            }
        }
        Ok(())
    }

    /// Brings codings back as new codings with the same document, span, code, coder, memo and
    /// run; used by undo and redo.
    fn restore_codings(&mut self, codings: &[Coding]) -> Result<Vec<Coding>> {
        let at = now();
        let mut out = Vec::new();
        let mut new_ids: std::collections::HashSet<String> = std::collections::HashSet::new();
        for c in codings {
            let doc = self.project.docs.get(&c.doc).ok_or_else(|| {
                Error::invalid(format!(
                    "document {:?} is gone; the coding cannot come back",
                    c.doc
                ))
            })?;
            if self.project.codebook.resolve(&c.code).is_none() {
                return Err(Error::invalid(format!(
                    "the code of coding {} is gone; undo the code's deletion first",
                    c.id
                )));
            }
            if c.end > doc.chars {
                return Err(Error::invalid(format!(
                    "coding {} no longer fits its document",
                    c.id
                )));
            }
            let text = self.project.text(&c.doc)?;
            let ix = self.project.char_index(&c.doc)?;
            let mut id = ids::new_id("x");
            while self.project.codings.contains_key(&id) || new_ids.contains(&id) {
                id = ids::new_id("x");
            }
            new_ids.insert(id.clone());
            out.push(Coding {
                id,
                hash: quote_hash(ix.slice(&text, c.start, c.end)),
                at: at.clone(),
                rev: doc.revision,
                ..c.clone()
            });
        }
        let events: Vec<Event> = out.iter().cloned().map(Event::CodingAdd).collect();
        if !events.is_empty() {
            self.append(&events)?;
        }
        for c in &out {
            let mut live = c.clone();
            if let Some(r) = self.project.codebook.resolve(&c.code) {
                live.code = r;
            }
            self.project.codings.insert(c.id.clone(), live);
        }
        let ids: Vec<String> = out.iter().map(|c| c.id.clone()).collect();
        self.record("restore codings", Op::RemoveCodings { ids });
        Ok(out)
    }

    /// Moves a coding's boundaries (a new coding replaces it, as one undoable step).
    pub fn adjust_coding(&mut self, id: &str, start: usize, end: usize) -> Result<Coding> {
        let old = self
            .project
            .codings
            .get(id)
            .cloned()
            .ok_or_else(|| Error::invalid(format!("no coding {id:?}")))?;
        let doc = old.doc.clone();
        let code = old.code.clone();
        self.group("adjust coding", |s| {
            let made = s.add_codings_in(
                &code,
                &[(doc, start, end)],
                old.memo.as_deref(),
                old.batch.as_deref(),
            )?;
            s.remove_codings(std::slice::from_ref(&old.id))?;
            made.into_iter()
                .next()
                .ok_or_else(|| Error::invalid("the coding could not be made"))
        })
    }

    /// The project as it stands after the changes so far.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// Reloads the project from disk (after changes written outside this session's methods).
    pub fn reload(&mut self) -> Result<()> {
        self.project = Project::open(self.project.root())?;
        self.project.held = true;
        self.journal = None;
        Ok(())
    }

    /// The coder this session writes as.
    pub fn coder(&self) -> &str {
        &self.coder
    }

    pub(crate) fn apply_edit_in_memory(
        &mut self,
        doc: Document,
        text: String,
        moved: &[(String, usize, usize, String, bool)],
    ) {
        let rev = doc.revision;
        self.project
            .texts
            .borrow_mut()
            .insert(doc.id.clone(), Rc::from(text));
        // The turns are read again from the file just written (an undone correction may have
        // the text of an earlier revision with turns parsed anew).
        self.project
            .turn_tables
            .borrow_mut()
            .retain(|(id, _), _| *id != doc.id);
        self.project.docs.insert(doc.id.clone(), doc);
        for (id, s, e, hash, stale) in moved {
            if let Some(c) = self.project.codings.get_mut(id) {
                c.start = *s;
                c.end = *e;
                c.hash.clone_from(hash);
                c.rev = rev;
                c.stale = *stale;
            }
        }
    }

    pub(crate) fn mark_confirmed(&mut self, ids: &[String]) {
        for id in ids {
            let text = self
                .project
                .codings
                .get(id)
                .and_then(|c| self.project.text(&c.doc).ok().map(|t| (c.start, c.end, t)));
            if let Some(c) = self.project.codings.get_mut(id) {
                c.stale = false;
                if let Some((s, e, t)) = text {
                    c.hash = quote_hash(slice_chars(&t, s, e));
                }
            }
        }
    }

    /// Appends events to the journals of the coders who made them (merging and importing other
    /// projects' work), adds those coders to the project, and reloads.
    pub(crate) fn append_as_coders(
        &mut self,
        events: &BTreeMap<String, Vec<Event>>,
        also: &[String],
    ) -> Result<()> {
        let root = self.project.root.clone();
        let mut config = self.project.config.clone();
        for coder in events.keys().chain(also) {
            if !config.coders.contains(coder) {
                config.coders.push(coder.clone());
            }
        }
        if config != self.project.config {
            fsio::write_json(&root.join(CONFIG_FILE), &config)?;
        }
        let dir = root.join(JOURNAL_DIR);
        fsio::ensure_dir(&dir)?;
        for (coder, evs) in events {
            validate_coder(coder)?;
            let mut w = JournalWriter::open(
                &dir.join(format!("{coder}.jsonl")),
                &root.join(PRIVATE_DIR).join("recovered"),
            )?;
            w.append(evs)?;
        }
        self.reload()
    }

    pub(crate) fn append(&mut self, events: &[Event]) -> Result<()> {
        if self.journal.is_none() {
            if !self.project.config.coders.iter().any(|c| c == &self.coder) {
                let mut config = self.project.config.clone();
                config.coders.push(self.coder.clone());
                fsio::write_json(&self.project.root.join(CONFIG_FILE), &config)?;
                self.project.config = config;
            }
            let dir = self.project.root.join(JOURNAL_DIR);
            fsio::ensure_dir(&dir)?;
            let path = dir.join(format!("{}.jsonl", self.coder));
            let recovered = self.project.root.join(PRIVATE_DIR).join("recovered");
            self.journal = Some(JournalWriter::open(&path, &recovered)?);
        }
        match &mut self.journal {
            Some(j) => j.append(events),
            None => Err(Error::invalid("journal not open")),
        }
    }

    /// Imports prepared documents. Either all are added or, on any error, none is.
    /// Returns the new documents' ids in order.
    pub fn import(&mut self, prepared: Vec<Prepared>, opts: &ImportOptions) -> Result<Vec<String>> {
        if opts.title.is_some() && prepared.len() > 1 {
            return Err(Error::invalid(
                "--title can only be given when importing a single file",
            ));
        }
        if let Some(case) = &opts.case
            && case.trim().is_empty()
        {
            return Err(Error::invalid("--case needs a name"));
        }
        // Borrowed, not copied: a folder import calls this once per file.
        let mut hashes: HashMap<String, String> = HashMap::new();
        let known: HashMap<&str, &str> = self
            .project
            .docs
            .values()
            .map(|d| (d.text_sha256.as_str(), d.id.as_str()))
            .collect();
        let mut taken: BTreeSet<String> = BTreeSet::new();
        let first_seq = self.project.docs.values().map(|d| d.seq).max().unwrap_or(0) + 1;
        let mut new_docs: Vec<(Document, Vec<Turn>, String)> = Vec::new();
        let mut file_cases: Vec<(String, Vec<(String, String)>)> = Vec::new();
        let mut notes: Vec<(String, Vec<String>)> = Vec::new();
        for (seq, p) in (first_seq..).zip(prepared) {
            let sha = sha256_hex(p.text.as_bytes());
            if let Some(existing) = known
                .get(sha.as_str())
                .copied()
                .or_else(|| hashes.get(&sha).map(String::as_str))
            {
                return Err(Error::Duplicate {
                    path: p.path.clone(),
                    msg: format!(
                        "the same text is already in the project as document {existing:?}; nothing was imported"
                    ),
                });
            }
            let title = opts.title.clone().unwrap_or_else(|| p.title.clone());
            let base = ids::slug(&title);
            let mut id = base.clone();
            let mut n = 2;
            while taken.contains(&id) || self.project.docs.contains_key(&id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            taken.insert(id.clone());
            hashes.insert(sha.clone(), id.clone());
            if let Some(c) = &p.case {
                file_cases.push((c.clone(), p.attrs.clone()));
            }
            if !p.notes.is_empty() {
                notes.push((id.clone(), p.notes.clone()));
            }
            let mut speaker_cases = BTreeMap::new();
            for m in opts
                .speakers
                .iter()
                .filter(|m| m.applies_to(&p.origin.file))
            {
                if let Some(label) = m.find(&p.speakers) {
                    speaker_cases.insert(label.clone(), m.case.clone());
                    file_cases.push((m.case.clone(), m.attrs.clone()));
                }
            }
            let doc = Document {
                revision: 0,
                id,
                title,
                kind: p.kind,
                case: p.case.clone().or_else(|| opts.case.clone()),
                seq,
                speakers: p.speakers,
                turn_count: p.turns.len(),
                chars: char_len(&p.text),
                text_sha256: sha,
                origin: p.origin,
                imported_at: now(),
                metadata: opts.metadata.iter().cloned().collect(),
                speaker_cases,
            };
            new_docs.push((doc, p.turns, p.text));
        }
        let old_cases = self.project.cases.clone();
        let mut cases = old_cases.clone();
        let mut cases_changed = match &opts.case {
            Some(c) => cases.upsert(c, &opts.attrs),
            None => {
                if !opts.attrs.is_empty() {
                    return Err(Error::invalid(
                        "--attr sets attributes of a case: give the case with --case NAME",
                    ));
                }
                false
            }
        };
        for (c, attrs) in &file_cases {
            cases_changed |= cases.upsert(c, attrs);
        }
        let sources = self.project.root.join(SOURCES_DIR);
        fsio::ensure_dir(&sources)?;
        let mut written: Vec<PathBuf> = Vec::new();
        let result = (|| {
            if cases_changed {
                fsio::write_json(&self.project.root.join(CASES_FILE), &cases)?;
            }
            for (doc, _, text) in &new_docs {
                let tp = self.project.source_text_path(&doc.id);
                fsio::write_atomic(&tp, text.as_bytes())?;
                written.push(tp);
            }
            // Metadata last: a document exists once its .json is there.
            for (doc, turns, _) in &new_docs {
                let mp = self.project.source_meta_path(&doc.id);
                fsio::write_json(&mp, &DocumentFile { doc, turns })?;
                written.push(mp);
            }
            Ok(())
        })();
        if let Err(e) = result {
            for p in written.iter().rev() {
                let _ = fs::remove_file(p);
            }
            if cases_changed {
                let _ = fsio::write_json(&self.project.root.join(CASES_FILE), &old_cases);
            }
            return Err(e);
        }
        self.project.cases = cases;
        let mut out = Vec::new();
        // The texts and turn tables are on disk now; they are read again when needed, so that
        // importing a large folder does not hold every transcript in memory.
        for (doc, _, _) in new_docs {
            out.push(doc.id.clone());
            self.project.docs.insert(doc.id.clone(), doc);
        }
        // Notes found in the files (Word footnotes and comments) become document memos.
        for (doc, texts) in notes {
            for t in texts {
                self.set_memo(None, MemoTarget::Document(doc.clone()), &t)?;
            }
        }
        Ok(out)
    }

    /// Sets attributes on a case (creating it).
    pub fn set_case_attrs(&mut self, case: &str, attrs: &[(String, String)]) -> Result<()> {
        let mut cases = self.project.cases.clone();
        if cases.upsert(case, attrs) {
            self.save_cases(cases)?;
        }
        Ok(())
    }

    /// Maps a speaker label of a document to a case (creating the case), or removes the
    /// mapping with `None`. Returns the label as the transcript spells it.
    pub fn map_speaker(&mut self, doc: &str, label: &str, case: Option<&str>) -> Result<String> {
        let mut d = self.project.find_doc(doc)?.clone();
        let probe = SpeakerMap {
            label: label.to_string(),
            ..SpeakerMap::default()
        };
        let Some(found) = probe.find(&d.speakers).cloned() else {
            return Err(Error::invalid(format!(
                "{} has no speaker {label:?}; its speakers are: {}",
                d.id,
                if d.speakers.is_empty() {
                    "(none)".to_string()
                } else {
                    d.speakers.join(", ")
                }
            )));
        };
        match case {
            Some(c) if c.trim().is_empty() => return Err(Error::invalid("the case needs a name")),
            Some(c) => {
                let mut cases = self.project.cases.clone();
                if cases.upsert(c, &[]) {
                    self.save_cases(cases)?;
                }
                d.speaker_cases.insert(found.clone(), c.to_string());
            }
            None => {
                d.speaker_cases.remove(&found);
            }
        }
        let turns = self.project.turns(&d.id)?;
        fsio::write_json(
            &self.project.source_meta_path(&d.id),
            &DocumentFile {
                doc: &d,
                turns: &turns,
            },
        )?;
        self.project.docs.insert(d.id.clone(), d);
        Ok(found)
    }

    /// Replaces all cases (one undoable step).
    pub fn replace_cases(&mut self, cases: Cases) -> Result<()> {
        self.save_cases(cases)
    }

    fn save_cases(&mut self, cases: Cases) -> Result<()> {
        fsio::write_json(&self.project.root.join(CASES_FILE), &cases)?;
        let old = std::mem::replace(&mut self.project.cases, cases);
        self.record("change cases", Op::Cases { cases: old });
        Ok(())
    }

    /// Replaces the name register (one undoable step).
    pub fn save_names(&mut self, names: crate::model::names::Names) -> Result<()> {
        fsio::write_json(&self.project.root.join(crate::store::NAMES_FILE), &names)?;
        let old = std::mem::replace(&mut self.project.names, names);
        self.record("change the name register", Op::Names { names: old });
        Ok(())
    }

    fn save_codebook(&mut self, cb: Codebook) -> Result<()> {
        self.save_codebook_as(cb, "change the codebook")
    }

    fn save_codebook_as(&mut self, cb: Codebook, label: &str) -> Result<()> {
        fsio::write_json(&self.project.root.join(CODEBOOK_FILE), &cb)?;
        let old = std::mem::replace(&mut self.project.codebook, cb);
        self.record(label, Op::Codebook { codebook: old });
        Ok(())
    }

    /// Adds a code (and any missing parents). Returns the new code's id.
    pub fn add_code(
        &mut self,
        path: &str,
        description: &str,
        color: Option<String>,
    ) -> Result<String> {
        let mut cb = self.project.codebook.clone();
        let created = cb.add(path, description, color)?;
        let id = created.last().cloned().unwrap_or_default();
        self.save_codebook_as(cb, "add a code")?;
        Ok(id)
    }

    /// Renames a code.
    pub fn rename_code(&mut self, id: &str, new_name: &str) -> Result<()> {
        let mut cb = self.project.codebook.clone();
        cb.rename(id, new_name)?;
        self.save_codebook_as(cb, "rename a code")
    }

    /// Moves a code under another (or to the top for `None`).
    pub fn move_code(&mut self, id: &str, parent: Option<&str>) -> Result<()> {
        let mut cb = self.project.codebook.clone();
        cb.move_to(id, parent)?;
        self.save_codebook_as(cb, "move a code")
    }

    /// Merges `from` into `into`; returns how many codings moved.
    pub fn merge_codes(&mut self, from: &str, into: &str) -> Result<usize> {
        let mut cb = self.project.codebook.clone();
        let moved_ids = cb.subtree(from);
        cb.merge(from, into, &now())?;
        self.save_codebook_as(cb, "merge codes")?;
        let mut n = 0;
        let cb = &self.project.codebook;
        for c in self.project.codings.values_mut() {
            if moved_ids.contains(&c.code) {
                if let Some(r) = cb.resolve(&c.code) {
                    c.code = r;
                }
                n += 1;
            }
        }
        Ok(n)
    }

    /// Codings that deleting `id` would remove (the code's and all its sub-codes').
    pub fn codings_under(&self, id: &str) -> usize {
        let sub = self.project.codebook.subtree(id);
        self.project
            .codings
            .values()
            .filter(|c| sub.contains(&c.code))
            .count()
    }

    /// Deletes a code with its sub-codes and their codings. Returns (codes, codings) removed.
    pub fn delete_code(&mut self, id: &str) -> Result<(usize, usize)> {
        let mut cb = self.project.codebook.clone();
        let gone = cb.delete(id, &now());
        self.save_codebook_as(cb, "delete a code")?;
        let before = self.project.codings.len();
        self.project.codings.retain(|_, c| !gone.contains(&c.code));
        Ok((gone.len(), before - self.project.codings.len()))
    }

    /// Sets a code's description.
    pub fn describe_code(&mut self, id: &str, text: &str) -> Result<()> {
        let mut cb = self.project.codebook.clone();
        cb.describe(id, text)?;
        self.save_codebook_as(cb, "describe a code")
    }

    /// Sets a code's colour.
    pub fn color_code(&mut self, id: &str, color: Option<String>) -> Result<()> {
        let mut cb = self.project.codebook.clone();
        cb.set_color(id, color)?;
        self.save_codebook_as(cb, "colour a code")
    }

    /// Codes spans of a document; all spans are journalled in one durable write.
    pub fn add_codings(
        &mut self,
        doc_id: &str,
        code_id: &str,
        spans: &[(usize, usize)],
        memo: Option<&str>,
    ) -> Result<Vec<Coding>> {
        let doc = self.project.find_doc(doc_id)?.id.clone();
        let spans: Vec<(String, usize, usize)> =
            spans.iter().map(|&(a, b)| (doc.clone(), a, b)).collect();
        self.add_codings_in(code_id, &spans, memo, None)
    }

    /// Codes spans in any documents with one code, in one durable write; `batch` marks them as
    /// one autocoding run that [`Session::remove_batch`] can undo.
    pub fn add_codings_in(
        &mut self,
        code_id: &str,
        spans: &[(String, usize, usize)],
        memo: Option<&str>,
        batch: Option<&str>,
    ) -> Result<Vec<Coding>> {
        if self.project.codebook.get(code_id).is_none() {
            return Err(Error::invalid(format!("no code with id {code_id}")));
        }
        let at = now();
        let mut out: Vec<Coding> = Vec::new();
        let mut new_ids: std::collections::HashSet<String> = std::collections::HashSet::new();
        for (doc_id, a, b) in spans {
            let (a, b) = (*a, *b);
            let doc = self
                .project
                .docs
                .get(doc_id)
                .ok_or_else(|| Error::invalid(format!("no document {doc_id:?}")))?;
            if b > doc.chars || a >= b {
                return Err(Error::invalid(format!(
                    "span {a}..{b} is not inside {:?} ({} characters)",
                    doc.id, doc.chars
                )));
            }
            let text = self.project.text(doc_id)?;
            let ix = self.project.char_index(doc_id)?;
            let (start, end) = ix.snap(&text, a, b);
            let mut id = ids::new_id("x");
            while self.project.codings.contains_key(&id) || new_ids.contains(&id) {
                id = ids::new_id("x");
            }
            new_ids.insert(id.clone());
            out.push(Coding {
                id,
                doc: doc_id.clone(),
                start,
                end,
                hash: quote_hash(ix.slice(&text, start, end)),
                code: code_id.to_string(),
                coder: self.coder.clone(),
                at: at.clone(),
                memo: memo.filter(|m| !m.trim().is_empty()).map(str::to_string),
                batch: batch.map(str::to_string),
                rev: doc.revision,
                stale: false,
            });
        }
        let events: Vec<Event> = out.iter().cloned().map(Event::CodingAdd).collect();
        if !events.is_empty() {
            self.append(&events)?;
        }
        for c in &out {
            self.project.codings.insert(c.id.clone(), c.clone());
        }
        if !out.is_empty() {
            let label = format!("code {}", self.project.codebook.path(code_id));
            let ids = out.iter().map(|c| c.id.clone()).collect();
            self.record(&label, Op::RemoveCodings { ids });
        }
        Ok(out)
    }

    /// Removes every live coding made by an autocoding run, in one durable write.
    pub fn remove_batch(&mut self, batch: &str) -> Result<Vec<Coding>> {
        let ids: Vec<String> = self
            .project
            .codings
            .values()
            .filter(|c| c.batch.as_deref() == Some(batch))
            .map(|c| c.id.clone())
            .collect();
        if ids.is_empty() {
            return Err(Error::invalid(format!(
                "no codings of autocoding run {batch:?} are left"
            )));
        }
        self.remove_codings(&ids)
    }

    /// Removes codings by id (made by any coder).
    pub fn remove_codings(&mut self, ids: &[String]) -> Result<Vec<Coding>> {
        let mut gone = Vec::new();
        for id in ids {
            let c = self.project.codings.get(id).ok_or_else(|| {
                Error::invalid(format!(
                    "no coding {id:?} in the project; see the ids in `koda excerpts`"
                ))
            })?;
            gone.push(c.clone());
        }
        let at = now();
        let events: Vec<Event> = gone
            .iter()
            .map(|c| Event::CodingRemove {
                id: c.id.clone(),
                coder: self.coder.clone(),
                at: at.clone(),
            })
            .collect();
        self.append(&events)?;
        for c in &gone {
            self.project.codings.remove(&c.id);
        }
        let label = match gone.as_slice() {
            [one] => format!("uncode {}", self.project.codebook.path(&one.code)),
            many => format!("remove {} codings", many.len()),
        };
        self.record(
            &label,
            Op::RestoreCodings {
                codings: gone.clone(),
            },
        );
        Ok(gone)
    }

    /// Writes a memo (a new one for `id = None`, else an edit that keeps the id).
    pub fn set_memo(&mut self, id: Option<&str>, target: MemoTarget, text: &str) -> Result<Memo> {
        if text.trim().is_empty() {
            return Err(Error::invalid("a memo needs some text"));
        }
        match &target {
            MemoTarget::Document(d) if !self.project.docs.contains_key(d) => {
                return Err(Error::invalid(format!("no document {d:?}")));
            }
            MemoTarget::Code(c) if self.project.codebook.get(c).is_none() => {
                return Err(Error::invalid(format!("no code {c:?}")));
            }
            MemoTarget::Coding(c) if !self.project.codings.contains_key(c) => {
                return Err(Error::invalid(format!("no coding {c:?}")));
            }
            _ => {}
        }
        let id = match id {
            Some(i) => {
                if !self.project.memos.contains_key(i) {
                    return Err(Error::invalid(format!("no memo {i:?}; see `koda memos`")));
                }
                i.to_string()
            }
            None => ids::new_id("m"),
        };
        let previous = self.project.memos.get(&id).cloned();
        let memo = Memo {
            id: id.clone(),
            target,
            text: text.to_string(),
            coder: self.coder.clone(),
            at: now(),
        };
        self.append(&[Event::MemoSet {
            id,
            target: memo.target.clone(),
            text: memo.text.clone(),
            coder: memo.coder.clone(),
            at: memo.at.clone(),
        }])?;
        self.project.memos.insert(memo.id.clone(), memo.clone());
        let op = match previous {
            Some(p) => Op::SetMemo {
                id: p.id,
                target: p.target,
                text: p.text,
            },
            None => Op::RemoveMemo {
                id: memo.id.clone(),
            },
        };
        self.record("write a memo", op);
        Ok(memo)
    }

    /// Removes a memo.
    pub fn remove_memo(&mut self, id: &str) -> Result<Memo> {
        let memo = self
            .project
            .memos
            .get(id)
            .cloned()
            .ok_or_else(|| Error::invalid(format!("no memo {id:?}; see `koda memos`")))?;
        self.append(&[Event::MemoRemove {
            id: id.to_string(),
            coder: self.coder.clone(),
            at: now(),
        }])?;
        self.project.memos.remove(id);
        self.record(
            "remove a memo",
            Op::SetMemo {
                id: memo.id.clone(),
                target: memo.target.clone(),
                text: memo.text.clone(),
            },
        );
        Ok(memo)
    }
}

/// Where a coder's undo history is kept.
fn history_path(root: &Path, coder: &str) -> PathBuf {
    root.join(PRIVATE_DIR)
        .join("history")
        .join(format!("{coder}.json"))
}

/// Parses a document type given on the command line.
pub fn parse_kind(s: &str) -> Result<DocKind> {
    s.parse().map_err(Error::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::prepare;

    fn project_with_doc() -> (tempfile::TempDir, Session) {
        let dir = tempfile::tempdir().unwrap();
        Project::init(dir.path(), "t", &["no".into()], "anna").unwrap();
        let f = dir.path().join("intervju.txt");
        fs::write(
            &f,
            "Intervjuer: Hvordan var det?\nForelder: Hun ringte tilbake samme dag.\nIntervjuer: Og skolen?\nForelder: Skolen svarte aldri.\n",
        )
        .unwrap();
        let mut s = Session::open(dir.path(), "anna").unwrap();
        let opts = ImportOptions {
            case: Some("F1".into()),
            attrs: vec![("role".into(), "parent".into())],
            ..ImportOptions::default()
        };
        s.import(vec![prepare(&f, None).unwrap()], &opts).unwrap();
        (dir, s)
    }

    #[test]
    fn turns_are_read_when_needed_and_a_changed_table_is_refused() {
        let (dir, s) = project_with_doc();
        drop(s);
        let p = Project::open(dir.path()).unwrap();
        let d = p.documents()[0].clone();
        assert_eq!(d.turn_count, 4);
        assert!(p.turn_tables.borrow().is_empty(), "opening reads no turns");
        let turns = p.turns(&d.id).unwrap();
        assert_eq!(turns.len(), 4);
        assert_eq!(turns[1].speaker.as_deref(), Some("Forelder"));
        assert_eq!(p.turn_tables.borrow().len(), 1);
        assert!(
            Rc::ptr_eq(&turns, &p.turns(&d.id).unwrap()),
            "kept once read"
        );
        // A pass over every document does not fill the cache.
        let q = Project::open(dir.path()).unwrap();
        assert_eq!(q.turns_uncached(&d.id).unwrap().len(), 4);
        assert!(q.turn_tables.borrow().is_empty());
        // The file changed under an open project: refused with its name, not misread.
        let path = dir.path().join(SOURCES_DIR).join(format!("{}.json", d.id));
        let mut v: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        v["turns"].as_array_mut().unwrap().pop();
        fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        let e = q.turns(&d.id).unwrap_err().to_string();
        assert!(
            e.contains(&format!("{}.json", d.id)) && e.contains("3 turns"),
            "{e}"
        );
        // As many turns, but of another text (a correction made by another process).
        let r = Project::open(dir.path()).unwrap();
        v["text_sha256"] = serde_json::json!("0123456789abcdef");
        fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        let e = r.turns(&d.id).unwrap_err().to_string();
        assert!(e.contains("text 0123456789ab"), "{e}");
    }

    #[test]
    fn changes_survive_reopening() {
        let (dir, mut s) = project_with_doc();
        let code = s.add_code("trust/personal", "d", None).unwrap();
        let made = s
            .add_codings("intervju", &code, &[(39, 67)], Some("m"))
            .unwrap();
        let memo = s
            .set_memo(None, MemoTarget::Code(code.clone()), "first")
            .unwrap();
        s.set_memo(Some(&memo.id), MemoTarget::Code(code.clone()), "second")
            .unwrap();
        drop(s);
        let p = Project::open(dir.path()).unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let c = &p.codings[&made[0].id];
        assert_eq!(
            slice_chars(&p.text("intervju").unwrap(), c.start, c.end),
            "Hun ringte tilbake samme dag"
        );
        assert_eq!(c.memo.as_deref(), Some("m"));
        assert_eq!(p.memos[&memo.id].text, "second");
        assert_eq!(p.cases.cases["F1"].attributes["role"], "parent");
        assert_eq!(p.docs["intervju"].case.as_deref(), Some("F1"));
    }

    #[test]
    fn merged_codes_resolve_after_reopening_and_deleted_codes_drop_codings() {
        let (dir, mut s) = project_with_doc();
        let a = s.add_code("a", "", None).unwrap();
        let b = s.add_code("b", "", None).unwrap();
        let x = s.add_code("x", "", None).unwrap();
        let ca = s.add_codings("intervju", &a, &[(0, 5)], None).unwrap();
        s.add_codings("intervju", &x, &[(0, 5)], None).unwrap();
        assert_eq!(s.merge_codes(&a, &b).unwrap(), 1);
        assert_eq!(s.delete_code(&x).unwrap(), (1, 1));
        drop(s);
        let p = Project::open(dir.path()).unwrap();
        assert_eq!(p.codings.len(), 1);
        assert_eq!(
            p.codings[&ca[0].id].code, b,
            "the journal still says `a`, the coding counts for `b`"
        );
        assert!(
            p.warnings.is_empty(),
            "deleting on purpose is no warning: {:?}",
            p.warnings
        );
    }

    #[test]
    fn a_removal_wins_whatever_the_order_of_journals() {
        let (dir, mut s) = project_with_doc();
        let a = s.add_code("a", "", None).unwrap();
        let made = s.add_codings("intervju", &a, &[(0, 5)], None).unwrap();
        drop(s);
        // Another coder's journal removes it with a clock that runs behind.
        let remove = Event::CodingRemove {
            id: made[0].id.clone(),
            coder: "bo".into(),
            at: "2000-01-01T00:00:00Z".into(),
        };
        fs::write(
            dir.path().join("journal/bo.jsonl"),
            format!("{}\n", serde_json::to_string(&remove).unwrap()),
        )
        .unwrap();
        let p = Project::open(dir.path()).unwrap();
        assert!(p.codings.is_empty());
    }

    #[test]
    fn duplicate_texts_in_one_import_are_refused_whole() {
        let (dir, mut s) = project_with_doc();
        let f1 = dir.path().join("a.txt");
        let f2 = dir.path().join("b.txt");
        fs::write(&f1, "Feltnotat om ventetid.\n").unwrap();
        fs::write(&f2, "Feltnotat om ventetid.\n").unwrap();
        let err = s
            .import(
                vec![prepare(&f1, None).unwrap(), prepare(&f2, None).unwrap()],
                &ImportOptions::default(),
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("b.txt") && err.contains("\"a\""), "{err}");
        assert_eq!(s.project().docs.len(), 1);
        assert!(!dir.path().join("sources/a.txt").exists());
    }

    #[test]
    fn a_failed_import_write_rolls_back() {
        let (dir, mut s) = project_with_doc();
        let f = dir.path().join("notat.txt");
        fs::write(&f, "Feltnotat.\n").unwrap();
        // A folder where the metadata file should go makes the last write fail.
        fs::create_dir(dir.path().join("sources/notat.json")).unwrap();
        let before_cases = fs::read(dir.path().join("cases.json")).unwrap();
        let opts = ImportOptions {
            case: Some("NEW".into()),
            ..ImportOptions::default()
        };
        assert!(s.import(vec![prepare(&f, None).unwrap()], &opts).is_err());
        assert!(
            !dir.path().join("sources/notat.txt").exists(),
            "text written before the failure is removed"
        );
        assert_eq!(
            fs::read(dir.path().join("cases.json")).unwrap(),
            before_cases
        );
        assert!(!s.project().cases.cases.contains_key("NEW"));
        assert!(!s.project().docs.contains_key("notat"));
    }

    #[test]
    fn selections_resolve_to_snapped_spans() {
        let (_dir, s) = project_with_doc();
        let p = s.project();
        let d = p.find_doc("intervju").unwrap().clone();
        assert_eq!(
            p.resolve_selection(&d, &Selection::Turn(2)).unwrap(),
            vec![(39, 68)]
        );
        let m = Selection::Match {
            text: "Skolen".into(),
            all: false,
        };
        assert_eq!(p.resolve_selection(&d, &m).unwrap().len(), 1);
        let m = Selection::Match {
            text: "e".into(),
            all: true,
        };
        assert!(p.resolve_selection(&d, &m).unwrap().len() > 3);
        assert!(p.resolve_selection(&d, &Selection::Range(5, 5)).is_err());
        assert!(p.find_doc("INTERVJU").is_ok(), "titles match without case");
        assert!(p.find_doc("nope").is_err());
    }

    #[test]
    fn a_second_session_is_refused_while_readers_open() {
        let (dir, s) = project_with_doc();
        let err = Session::open(dir.path(), "bo").unwrap_err();
        assert!(matches!(err, Error::Locked { .. }), "{err}");
        assert!(Project::open(dir.path()).is_ok());
        drop(s);
        assert!(Session::open(dir.path(), "bo").is_ok());
    }
}

#[cfg(test)]
mod undo_tests {
    use super::*;
    use crate::import::prepare;

    fn session() -> (tempfile::TempDir, Session) {
        let dir = tempfile::tempdir().unwrap();
        Project::init(dir.path(), "t", &["no".into()], "anna").unwrap();
        let f = dir.path().join("i.txt");
        fs::write(&f, "Intervjuer: En to tre.\nForelder: Fire fem seks.\n").unwrap();
        let mut s = Session::open(dir.path(), "anna").unwrap();
        s.import(vec![prepare(&f, None).unwrap()], &ImportOptions::default())
            .unwrap();
        (dir, s)
    }

    fn spans(s: &Session) -> Vec<(usize, usize, String)> {
        let mut v: Vec<_> = s
            .project()
            .codings
            .values()
            .map(|c| (c.start, c.end, s.project().codebook.path(&c.code)))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn every_change_undoes_and_redoes() {
        let (_d, mut s) = session();
        let code = s.add_code("trust", "", None).unwrap();
        let made = s.add_codings("i", &code, &[(12, 22)], None).unwrap();
        assert_eq!(s.undo_label(), Some("code trust"));
        assert_eq!(s.undo().unwrap().as_deref(), Some("code trust"));
        assert!(s.project().codings.is_empty());
        assert_eq!(s.redo().unwrap().as_deref(), Some("code trust"));
        assert_eq!(spans(&s), vec![(12, 22, "trust".into())]);
        // Removing and undoing brings the same passage back (as a new coding).
        let live: Vec<String> = s.project().codings.keys().cloned().collect();
        assert!(!live.contains(&made[0].id), "redo made a fresh coding");
        s.remove_codings(&live).unwrap();
        s.undo().unwrap();
        assert_eq!(spans(&s), vec![(12, 22, "trust".into())]);
        // Renaming and deleting a code undo through the codebook snapshot, codings included.
        s.rename_code(&code, "tillit").unwrap();
        s.delete_code(&code).unwrap();
        assert!(s.project().codings.is_empty());
        assert_eq!(s.undo().unwrap().as_deref(), Some("delete a code"));
        assert_eq!(spans(&s), vec![(12, 22, "tillit".into())]);
        s.undo().unwrap();
        assert_eq!(spans(&s), vec![(12, 22, "trust".into())]);
        // Memos: write, edit, remove, and back.
        let m = s.set_memo(None, MemoTarget::Project, "first").unwrap();
        s.set_memo(Some(&m.id), MemoTarget::Project, "second")
            .unwrap();
        s.remove_memo(&m.id).unwrap();
        s.undo().unwrap();
        assert_eq!(
            s.project().memos.values().next().map(|m| m.text.as_str()),
            Some("second")
        );
        s.undo().unwrap();
        assert_eq!(
            s.project().memos.values().next().map(|m| m.text.as_str()),
            Some("first")
        );
        s.undo().unwrap();
        assert!(s.project().memos.is_empty());
        // A new change clears the redo stack.
        assert!(s.redo_label().is_some());
        s.set_case_attrs("F1", &[("role".into(), "parent".into())])
            .unwrap();
        assert!(s.redo_label().is_none());
        s.undo().unwrap();
        assert!(s.project().cases.cases.is_empty());
    }

    #[test]
    fn history_survives_a_restart_and_groups_are_one_step() {
        let (dir, mut s) = session();
        let code = s.add_code("trust", "", None).unwrap();
        let made = s.add_codings("i", &code, &[(12, 22)], None).unwrap();
        let adjusted = s.adjust_coding(&made[0].id, 12, 15).unwrap();
        assert_eq!((adjusted.start, adjusted.end), (12, 15));
        assert_eq!(s.project().codings.len(), 1);
        drop(s);
        let mut s = Session::open(dir.path(), "anna").unwrap();
        assert_eq!(s.undo().unwrap().as_deref(), Some("adjust coding"));
        assert_eq!(spans(&s), vec![(12, 22, "trust".into())]);
        s.undo().unwrap();
        s.undo().unwrap();
        assert!(s.project().codebook.codes.is_empty());
        assert_eq!(s.undo().unwrap(), None, "nothing left to undo");
        // Reopening the project from disk agrees with the session.
        drop(s);
        let p = Project::open(dir.path()).unwrap();
        assert!(p.codings.is_empty() && p.codebook.codes.is_empty());
    }
}

#[cfg(test)]
mod undo_chain_tests {
    use super::*;
    use crate::import::prepare;

    #[test]
    fn undoing_past_a_restore_finds_the_restored_coding() {
        let dir = tempfile::tempdir().unwrap();
        Project::init(dir.path(), "t", &["no".into()], "anna").unwrap();
        let f = dir.path().join("i.txt");
        fs::write(&f, "Intervjuer: En to tre.\nForelder: Fire fem seks.\n").unwrap();
        let mut s = Session::open(dir.path(), "anna").unwrap();
        s.import(vec![prepare(&f, None).unwrap()], &ImportOptions::default())
            .unwrap();
        let code = s.add_code("trust", "", None).unwrap();
        let made = s.add_codings("i", &code, &[(12, 22)], None).unwrap();
        s.remove_codings(&[made[0].id.clone()]).unwrap();
        s.undo().unwrap(); // the coding comes back under a new id
        assert_eq!(s.project().codings.len(), 1);
        s.undo().unwrap(); // undoing the original coding must remove the restored one
        assert!(s.project().codings.is_empty(), "{:?}", s.project().codings);
        s.redo().unwrap();
        s.redo().unwrap();
        assert!(s.project().codings.is_empty(), "redo of the removal");
        s.undo().unwrap();
        assert_eq!(s.project().codings.len(), 1);
    }
}
