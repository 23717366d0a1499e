//! Opening and reading a project.
//!
//! [`Project`] is a read-only view loaded from disk; loading never takes the lock and never
//! writes, so any number of readers can look while one writer works. Changes go through
//! [`crate::store::Session`] (`store/session.rs`), which holds the single-writer lock.

use crate::model::text::{CharIndex, char_len, sha256_hex, snap_to_graphemes};
use crate::model::{
    Cases, Codebook, Coding, DocKind, Document, Memo, MemoTarget, ProjectConfig, SCHEMA_VERSION,
    SpeakerMap, Turn, now, validate_coder,
};
use crate::store::journal::{self, Event};
use crate::store::{CASES_FILE, CODEBOOK_FILE, CONFIG_FILE, JOURNAL_DIR, SOURCES_DIR, fsio};
use crate::{Error, Result};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// What a problem found while loading a project concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningAbout {
    /// A line of a coder's journal (torn, damaged or not understood); `koda doctor` reports
    /// these with the journal they are in.
    Journal,
    /// A coding that cannot be placed or was made on an earlier revision of its text.
    Coding,
    /// A document whose files cannot be read.
    Document,
    /// A change that a killed process left half-made, which koda took back on opening.
    Interrupted,
    /// A journal, `cases.json` or `codebook.json` deleted or cut short since koda last saw
    /// the project (see [`crate::store::seen`]).
    Lost,
    /// The name register is missing, emptied or changed against its seal (exports stop).
    Register,
    /// `koda.json` was changed outside koda: used as it is, and said until accepted.
    Settings,
    /// A coder's undo history could not be read; it starts afresh.
    History,
    /// Others can read the project folder (copied or cloned with wider permissions).
    Permissions,
}

/// The warning that an interrupted change was taken back (`steps` writes undone).
pub fn interrupted_warning(steps: usize) -> Warning {
    Warning::new(
        WarningAbout::Interrupted,
        format!(
            "a change that was interrupted (the process was killed or the machine stopped) was taken back ({steps} file write(s) undone); the project is as it was before that change, so run it again if it is missing"
        ),
    )
}

/// The warning that a coder's undo history at `path` could not be read.
pub fn history_warning(path: &Path) -> Warning {
    Warning::new(
        WarningAbout::History,
        format!(
            "{} is damaged or was changed outside koda, so it is not used to undo anything: this coder's undo history starts afresh (every coding and memo is still there; only `koda undo` forgets the changes made before now)",
            path.display()
        ),
    )
}

/// A problem found while loading a project; the message names the file or the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What it concerns.
    pub about: WarningAbout,
    /// What is wrong, and what koda did about it.
    pub message: String,
}

impl Warning {
    fn new(about: WarningAbout, message: impl Into<String>) -> Warning {
        Warning {
            about,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

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
    pub(super) root: PathBuf,
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
    /// Pins by coding id, including pins of codings that are gone (an undo that brings a
    /// coding back brings its pin back); [`Project::pinned`] gives the live ones in order.
    pub pins: BTreeMap<String, crate::model::Pin>,
    /// Problems found while loading (damaged journal lines, orphaned codings, …).
    pub warnings: Vec<Warning>,
    pub(super) texts: RefCell<HashMap<String, Rc<str>>>,
    char_indexes: RefCell<HashMap<DocAtText, Rc<CharIndex>>>,
    /// Turn tables read so far, keyed by document and text hash (a correction re-parses them).
    pub(super) turn_tables: RefCell<HashMap<DocAtText, Rc<[Turn]>>>,
    /// The files' stamp, taken before any of them was read.
    stamp: Option<crate::store::stamp::Stamp>,
    /// Loaded by a [`Session`] holding the writer lock, so memory follows every change.
    pub(super) held: bool,
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
        if dir.exists() && !dir.is_dir() {
            return Err(Error::invalid(format!(
                "{} is a file, not a folder: name a new or an empty folder for the project",
                dir.display()
            )));
        }
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
            privacy: Default::default(),
            register: None,
            report: Default::default(),
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
        let mut warnings = Vec::new();
        // An interrupted change is taken back, before any file is read, when no writer holds
        // the lock (a writer that does is in the middle of its change and finishes or takes it
        // back itself).
        if super::txn::pending(root)
            && let Ok(_lock) =
                super::lock::WriteLock::acquire(&root.join(super::PRIVATE_DIR), "reader")
            && let Some(r) = super::txn::recover(root)?
        {
            warnings.push(interrupted_warning(r.steps));
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
            pins: BTreeMap::new(),
            warnings,
            texts: RefCell::new(HashMap::new()),
            char_indexes: RefCell::new(HashMap::new()),
            turn_tables: RefCell::new(HashMap::new()),
            stamp,
            held: false,
        };
        project.replay()?;
        if fsio::folder_too_open(root) {
            project.warnings.push(Warning::new(
                WarningAbout::Permissions,
                format!(
                    "others can read {} (koda keeps a project owner-only, as interviews are confidential): `koda doctor --repair` makes it owner-only",
                    root.display()
                ),
            ));
        }
        if let Some(changed) = super::check::settings_problem(root) {
            project
                .warnings
                .push(Warning::new(WarningAbout::Settings, changed));
        }
        for (_, lost) in super::seen::problems(root) {
            project
                .warnings
                .push(Warning::new(WarningAbout::Lost, lost));
        }
        if let Some(problem) = super::register::problem(root, &project.config) {
            project
                .warnings
                .push(Warning::new(WarningAbout::Register, problem));
        }
        Ok(project)
    }

    /// Records the project's journals and snapshot files as they are now (see
    /// [`crate::store::seen`]), unless something was found lost: that stays said until it is
    /// restored or accepted with `koda doctor --accept`. Best-effort: a project that cannot be
    /// written here loses only this record.
    pub(crate) fn remember_files(&self) {
        if !self.warnings.iter().any(|w| w.about == WarningAbout::Lost) {
            let _ = super::seen::record(&self.root);
        }
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
                self.warnings
                    .push(Warning::new(WarningAbout::Journal, issue.to_string()));
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
                    guid,
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
                                guid,
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
                Event::PinSet { pin, .. } => {
                    self.pins.insert(pin.coding.clone(), pin);
                }
                Event::PinRemove { coding, .. } => {
                    self.pins.remove(&coding);
                }
                Event::DocEdit { .. } => {}
            }
        }
        for (id, mut c) in codings {
            let Some(doc) = self.docs.get(&c.doc) else {
                self.warnings.push(Warning::new(WarningAbout::Coding, format!(
                    "coding {id} refers to document {:?}, which is not in sources/; it is left out",
                    c.doc
                )));
                continue;
            };
            if c.rev < doc.revision {
                c.stale = true;
                self.warnings.push(Warning::new(WarningAbout::Coding, format!(
                    "coding {id} was made on revision {} of {:?}, which has since been corrected; it is flagged for a look",
                    c.rev, c.doc
                )));
            }
            if c.end > doc.chars || c.start >= c.end {
                self.warnings.push(Warning::new(WarningAbout::Coding, format!(
                    "coding {id} has span {}..{} outside document {:?} ({} chars); it is left out",
                    c.start, c.end, c.doc, doc.chars
                )));
                continue;
            }
            match self.codebook.resolve(&c.code) {
                Some(code) => c.code = code,
                None => {
                    if !self.codebook.was_deleted(&c.code) {
                        self.warnings.push(Warning::new(WarningAbout::Coding, format!(
                            "coding {id} refers to code {:?}, which is not in codebook.json; it is left out",
                            c.code
                        )));
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

    /// The ids of documents named as [`Project::find_doc`] finds them, in the order given.
    pub fn find_doc_ids(&self, keys: &[String]) -> Result<Vec<String>> {
        keys.iter()
            .map(|k| self.find_doc(k).map(|d| d.id.clone()))
            .collect()
    }

    /// Finds a document by id, by title (exactly, then ignoring case), or by a unique id prefix.
    pub fn find_doc(&self, key: &str) -> Result<&Document> {
        if let Some(d) = self.docs.get(key) {
            return Ok(d);
        }
        // The key exports show for a document whose id carries a name.
        if key.starts_with("doc-")
            && let Some(d) = self
                .docs
                .values()
                .find(|d| crate::model::document::doc_key(&d.id) == key)
        {
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

    /// Drops a document's cached turn table (after it was replaced over the same text).
    pub(super) fn forget_turns(&self, doc_id: &str) {
        self.turn_tables.borrow_mut().remove(&self.text_key(doc_id));
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

    pub(super) fn source_text_path(&self, doc_id: &str) -> PathBuf {
        self.root.join(SOURCES_DIR).join(format!("{doc_id}.txt"))
    }

    pub(super) fn source_meta_path(&self, doc_id: &str) -> PathBuf {
        self.root.join(SOURCES_DIR).join(format!("{doc_id}.json"))
    }

    /// The names of the case attributes and document metadata keys the project has, in lower
    /// case.
    pub fn attribute_names(&self) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        for c in self.cases.cases.values() {
            names.extend(c.attributes.keys().map(|k| k.to_lowercase()));
        }
        for d in self.docs.values() {
            names.extend(d.metadata.keys().map(|k| k.to_lowercase()));
        }
        names
    }

    /// Every file of a document in `sources/` that exists: its metadata, its text in every
    /// revision, its word times.
    pub(super) fn source_files(&self, d: &Document) -> Vec<PathBuf> {
        let dir = self.root.join(SOURCES_DIR);
        let mut out = vec![self.source_meta_path(&d.id)];
        out.extend((0..=d.revision).map(|r| dir.join(crate::model::document::text_file(&d.id, r))));
        out.push(self.source_words_path(&d.id));
        out.retain(|p| p.exists());
        out
    }

    pub(super) fn source_words_path(&self, doc_id: &str) -> PathBuf {
        self.root
            .join(SOURCES_DIR)
            .join(format!("{doc_id}{WORDS_SUFFIX}"))
    }

    /// The word times a transcription tool gave for a document (empty when it gave none),
    /// with the hash of the text they belong to.
    pub fn word_times(&self, doc_id: &str) -> Result<Option<crate::model::WordTimes>> {
        let p = self.source_words_path(doc_id);
        match std::fs::read(&p) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| Error::Corrupt {
                    path: p.clone(),
                    msg: format!("{e}"),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&p, e)),
        }
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
                // One pass: the char offset of each hit is counted on from the one before.
                let ix = self.char_index(&doc.id)?;
                let (mut at_byte, mut at_char) = (0, 0);
                let hits: Vec<(usize, usize)> = text
                    .match_indices(needle.as_str())
                    .map(|(b, m)| {
                        at_char += char_len(&text[at_byte..b]);
                        at_byte = b;
                        ix.snap(&text, at_char, at_char + char_len(m))
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

    /// A read-only copy of the project that holds only the codings `keep` accepts (with the
    /// memos and pins of the others left out too), so that every count and table over it
    /// counts just those: how `--where` narrows a summary, a report or a statistic.
    pub fn with_codings_only(&self, keep: impl Fn(&Coding) -> bool) -> Project {
        let codings: BTreeMap<String, Coding> = self
            .codings
            .iter()
            .filter(|(_, c)| keep(c))
            .map(|(id, c)| (id.clone(), c.clone()))
            .collect();
        let memos = self
            .memos
            .iter()
            .filter(|(_, m)| match &m.target {
                MemoTarget::Coding(c) => codings.contains_key(c),
                _ => true,
            })
            .map(|(id, m)| (id.clone(), m.clone()))
            .collect();
        Project {
            root: self.root.clone(),
            config: self.config.clone(),
            docs: self.docs.clone(),
            codebook: self.codebook.clone(),
            cases: self.cases.clone(),
            names: self.names.clone(),
            pins: self.pins.clone(),
            codings,
            memos,
            warnings: self.warnings.clone(),
            texts: RefCell::new(self.texts.borrow().clone()),
            char_indexes: RefCell::new(self.char_indexes.borrow().clone()),
            turn_tables: RefCell::new(self.turn_tables.borrow().clone()),
            stamp: None,
            held: false,
        }
    }

    /// The pins of live codings, in the order the researcher gave them.
    pub fn pinned(&self) -> Vec<&crate::model::Pin> {
        let mut v: Vec<&crate::model::Pin> = self
            .pins
            .values()
            .filter(|p| self.codings.contains_key(&p.coding))
            .collect();
        v.sort_by(|a, b| (&a.order, &a.coding).cmp(&(&b.order, &b.coding)));
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
        return Err(Error::Ambiguous(format!(
            "document {key:?} is ambiguous: it could be {}; give the id",
            many.join(", ")
        )));
    }
    Err(Error::NotFound(format!(
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

/// The end of the name of a document's word-times file in `sources/` (`<id>.words.json`).
pub const WORDS_SUFFIX: &str = ".words.json";

fn load_documents(dir: &Path, warnings: &mut Vec<Warning>) -> Result<BTreeMap<String, Document>> {
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
                && !p.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.starts_with('.') || n.ends_with(WORDS_SUFFIX)
                })
        })
        .collect();
    paths.sort();
    for p in paths {
        let doc: Document = match fsio::read_json(&p) {
            Ok(d) => d,
            Err(e) => {
                warnings.push(Warning::new(
                    WarningAbout::Document,
                    format!("{e}; the document is left out"),
                ));
                continue;
            }
        };
        // An id names the document's files: one that is not a plain name, or that differs
        // from the name of the file it is in, would read or write another file.
        let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned());
        if let Err(why) = crate::model::ids::check_doc_id(&doc.id) {
            return Err(Error::Corrupt {
                path: p.clone(),
                msg: format!(
                    "{why}; koda refuses to use it. Remove this file, or set its \"id\" to its file name"
                ),
            });
        }
        if stem.as_deref() != Some(doc.id.as_str()) {
            return Err(Error::Corrupt {
                path: p.clone(),
                msg: format!(
                    "its id {:?} is not its file name; koda refuses to use it. Set \"id\" to {:?}, or rename the file",
                    doc.id,
                    stem.unwrap_or_default()
                ),
            });
        }
        let text_path = p.with_file_name(doc.text_file());
        if !text_path.is_file() {
            warnings.push(Warning::new(
                WarningAbout::Document,
                format!(
                    "{}: its text {} is missing; the document is left out",
                    p.display(),
                    text_path.display()
                ),
            ));
            continue;
        }
        docs.insert(doc.id.clone(), doc);
    }
    Ok(docs)
}

/// Parses a document type given on the command line.
pub fn parse_kind(s: &str) -> Result<DocKind> {
    s.parse().map_err(Error::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::prepare;
    use crate::model::text::slice_chars;
    use crate::store::Session;

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
