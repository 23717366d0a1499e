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
pub mod query;
pub mod schema;
mod stored;

use crate::model::text::{CharIndex, char_len, char_to_byte, sha256_hex, slice_chars};
use crate::model::{Codebook, Document, SCHEMA_VERSION};
use crate::store::stamp::{self, Stamp};
use crate::store::{CODEBOOK_FILE, CONFIG_FILE, PRIVATE_DIR, Project, fsio};
use crate::{Error, Result};
use schema::{Fields, Lang, TOK_EN, TOK_FOLD, TOK_NO};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use stored::StoredTurn;
use tantivy::collector::{Count, TopDocs};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use unicode_segmentation::UnicodeSegmentation;

/// Version of the index layout; an index of another version is rebuilt.
pub const INDEX_SCHEMA_VERSION: u32 = 4;
const STATE_FILE: &str = "koda-index.json";
/// The stamp the index is current with and the attribute names (small, read by every search).
const CURRENT_FILE: &str = "koda-current.json";
/// Document ids and titles (read only by a search that names a document).
const CATALOG_FILE: &str = "koda-catalog.json";
const WRITER_MEMORY: usize = 50_000_000;

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    schema_version: u32,
    languages: Vec<String>,
    docs: BTreeMap<String, String>,
}

/// What a search needs besides the index to run without loading the project: the stamp of the
/// project files the index was last brought up to date with, and the attribute names. Written
/// last, after the index, the fingerprints and the catalog, so it never vouches for an index
/// older than itself.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Current {
    schema_version: u32,
    languages: Vec<String>,
    stamp: Option<Stamp>,
    /// Attribute names, lower-cased.
    attributes: BTreeSet<String>,
}

/// `(id, title)` of every document in import order, for queries that name a document.
type Catalog = Vec<(String, String)>;

fn catalog_of(project: &Project) -> Catalog {
    project
        .documents()
        .into_iter()
        .map(|d| (d.id.clone(), d.title.clone()))
        .collect()
}

/// The project as the index knows it: enough to build any query without loading the project.
pub struct IndexedProject {
    dir: PathBuf,
    attributes: BTreeSet<String>,
    codebook: Codebook,
    catalog: std::cell::OnceCell<Catalog>,
}

impl query::Lookup for IndexedProject {
    fn doc_id(&self, key: &str) -> Result<String> {
        let catalog = match self.catalog.get() {
            Some(c) => c,
            None => {
                let c: Catalog = fsio::read_json(&self.dir.join(CATALOG_FILE))?;
                self.catalog.get_or_init(|| c)
            }
        };
        let pairs: Vec<(&str, &str)> = catalog
            .iter()
            .map(|(id, title)| (id.as_str(), title.as_str()))
            .collect();
        crate::store::project::pick_doc(key, &pairs).map(str::to_string)
    }

    fn codebook(&self) -> &Codebook {
        &self.codebook
    }

    fn attribute_names(&self) -> BTreeSet<String> {
        self.attributes.clone()
    }

    fn has_attribute(&self, name: &str) -> bool {
        self.attributes.contains(name)
    }
}

/// What bringing the index up to date did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// The index was built from scratch (it was missing, damaged or outdated).
    pub rebuilt: bool,
    /// Why it was rebuilt.
    pub reason: Option<Rebuild>,
    /// Documents (re-)indexed.
    pub indexed: usize,
    /// Documents removed from the index.
    pub removed: usize,
    /// The index was built in memory only (its folder could not be written).
    pub in_memory: bool,
    /// Another koda process was writing the index (a long import), so it was searched as last
    /// committed, without being brought up to date.
    pub busy: bool,
}

/// Why the index was built from scratch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rebuild {
    /// The project had no index (new, or its `.koda/` was deleted): the ordinary case.
    #[error("there was no index yet")]
    NoIndexYet,
    /// koda's state file beside the index could not be read.
    #[error("its state file is unreadable ({0})")]
    StateUnreadable(String),
    /// The index was written by a koda with another index version.
    #[error("it had index version {0}, this koda uses {INDEX_SCHEMA_VERSION}")]
    Version(u32),
    /// The project's languages (and so its stemmers) changed.
    #[error("the project's languages changed")]
    LanguagesChanged,
    /// tantivy could not open or read the index.
    #[error("it could not be opened ({0})")]
    CannotOpen(String),
    /// The index's schema is not this koda's.
    #[error("its schema differs from this koda's")]
    SchemaDiffers,
    /// `koda reindex` asked for it.
    #[error("a rebuild was asked for")]
    Asked,
    /// The index folder cannot be written, so an index was built in memory for this use.
    #[error("the index folder cannot be written")]
    FolderNotWritable,
}

/// How segments are merged as the index changes: tantivy's log merge policy, except that a
/// segment holding more than a quarter of deleted turns (after coding many documents at once,
/// say) is merged, since searches otherwise keep stepping over the old copies, and that four
/// segments of a size are merged rather than eight, since each segment costs every search a
/// walk of its term dictionary and a `koda search` process the opening of its files.
fn merge_policy() -> Box<dyn tantivy::indexer::MergePolicy> {
    let mut policy = tantivy::indexer::LogMergePolicy::default();
    policy.set_del_docs_ratio_before_merge(0.25);
    policy.set_min_num_segments(4);
    Box::new(policy)
}

/// A sync re-indexing at least this many documents writes as an import does
/// ([`SearchIndex::bulk_writer`]).
const BULK_DOCS: usize = 8;

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
}

/// A turn that matched a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// Document id.
    pub doc: String,
    /// Document title.
    pub doc_title: String,
    /// Document type.
    pub doc_type: String,
    /// Turn number.
    pub turn: usize,
    /// The turn's speaker.
    pub speaker: Option<String>,
    /// The document's case.
    pub case: Option<String>,
    /// BM25 score.
    pub score: f32,
    /// Start of the turn's text (chars).
    pub start: usize,
    /// End of the turn's text (chars).
    pub end: usize,
    /// 1-based line where the turn starts.
    pub line: usize,
    /// Keyword-in-context snippet, `…` marking cuts.
    pub snippet: String,
    /// Matched words in the snippet as char ranges `[start, end)`.
    pub highlights: Vec<(usize, usize)>,
    /// Matched words in the document as char ranges.
    pub matches: Vec<(usize, usize)>,
}

impl Hit {
    /// The snippet with its matched words marked `**like this**` (built when asked for, as
    /// only `--json` output shows it).
    pub fn marked(&self) -> String {
        let text = &self.snippet;
        let mut out = String::with_capacity(text.len() + 4 * self.highlights.len());
        let mut last = 0;
        for &(a, b) in &self.highlights {
            out.push_str(slice_chars(text, last, a));
            out.push_str("**");
            out.push_str(slice_chars(text, a, b));
            out.push_str("**");
            last = b;
        }
        out.push_str(slice_chars(text, last, usize::MAX));
        out
    }
}

/// The outcome of a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// Number of matching turns.
    pub total: usize,
    /// Number of documents with a matching turn.
    pub documents: usize,
    /// The best hits, best first.
    pub hits: Vec<Hit>,
}

fn ix_err(dir: &Path, e: impl std::fmt::Display) -> Error {
    Error::Index {
        path: dir.to_path_buf(),
        msg: e.to_string(),
    }
}

/// The index folder of a project.
pub fn index_dir(project: &Project) -> PathBuf {
    index_dir_of(project.root())
}

fn index_dir_of(root: &Path) -> PathBuf {
    root.join(PRIVATE_DIR).join("index")
}

fn lang_codes(langs: &[Lang]) -> Vec<String> {
    langs
        .iter()
        .map(|l| match l {
            Lang::No => "no".to_string(),
            Lang::En => "en".to_string(),
        })
        .collect()
}

/// Holds `.koda/index.lock` while the index is written.
struct IndexLock {
    file: File,
}

impl IndexLock {
    fn take(project: &Project, wait: bool) -> Result<Option<IndexLock>> {
        let private = project.root().join(PRIVATE_DIR);
        fsio::ensure_dir(&private)?;
        let path = private.join("index.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        if wait {
            file.lock().map_err(|e| Error::io(&path, e))?;
            Ok(Some(IndexLock { file }))
        } else {
            match file.try_lock() {
                Ok(()) => Ok(Some(IndexLock { file })),
                Err(fs::TryLockError::WouldBlock) => Ok(None),
                Err(fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
            }
        }
    }
}

impl Drop for IndexLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

impl SearchIndex {
    fn from_index(index: Index, langs: Vec<Lang>, dir: &Path) -> Result<SearchIndex> {
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
        })
    }

    /// Opens the project's index, bringing it up to date (or rebuilding it) first.
    /// When the index folder cannot be written, an index is built in memory for this use.
    pub fn open(project: &Project) -> Result<(SearchIndex, SyncReport)> {
        // While another process writes the index (a folder import feeds it for as long as the
        // import runs), its last commit is searched rather than waited for.
        if let Ok(None) = IndexLock::take(project, false) {
            let langs = Lang::from_codes(&project.config.languages);
            if let Ok((idx, _)) = Self::try_open(&index_dir(project), &langs) {
                let report = SyncReport {
                    busy: true,
                    ..SyncReport::default()
                };
                return Ok((idx, report));
            }
        }
        match IndexLock::take(project, true) {
            Ok(Some(lock)) => {
                let r = Self::open_locked(project, false);
                drop(lock);
                r
            }
            _ => {
                let idx = Self::in_memory(project)?;
                Ok((
                    idx,
                    SyncReport {
                        rebuilt: true,
                        reason: Some(Rebuild::FolderNotWritable),
                        in_memory: true,
                        ..SyncReport::default()
                    },
                ))
            }
        }
    }

    /// Deletes the project's index and builds it again (`koda reindex`).
    pub fn rebuild(project: &Project) -> Result<(SearchIndex, SyncReport)> {
        let _lock = IndexLock::take(project, true)?;
        Self::open_locked(project, true)
    }

    /// Builds a throw-away index of the project in memory.
    pub fn in_memory(project: &Project) -> Result<SearchIndex> {
        let (schema, _) = schema::build();
        let langs = Lang::from_codes(&project.config.languages);
        let idx = Self::from_index(Index::create_in_ram(schema), langs, Path::new("(memory)"))?;
        let mut state = State::default();
        idx.sync(project, &mut state, Path::new("(memory)"))?;
        Ok(idx)
    }

    fn open_locked(project: &Project, force: bool) -> Result<(SearchIndex, SyncReport)> {
        let dir = index_dir(project);
        let langs = Lang::from_codes(&project.config.languages);
        let mut report = SyncReport::default();
        let existing = if force {
            Err(Rebuild::Asked)
        } else {
            Self::try_open(&dir, &langs)
        };
        let (idx, mut state) = match existing {
            Ok(pair) => pair,
            Err(reason) => {
                report.rebuilt = true;
                report.reason = Some(reason);
                Self::create(&dir, langs)?
            }
        };
        let (indexed, removed) = idx.sync(project, &mut state, &dir)?;
        report.indexed = indexed;
        report.removed = removed;
        Ok((idx, report))
    }

    /// Creates an empty index in `dir`, replacing whatever is there.
    fn create(dir: &Path, langs: Vec<Lang>) -> Result<(SearchIndex, State)> {
        if dir.exists() {
            fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        fsio::ensure_dir(dir)?;
        let (schema, _) = schema::build();
        let index = Index::create_in_dir(dir, schema).map_err(|e| ix_err(dir, e))?;
        let state = State {
            schema_version: INDEX_SCHEMA_VERSION,
            languages: lang_codes(&langs),
            docs: BTreeMap::new(),
        };
        Ok((Self::from_index(index, langs, dir)?, state))
    }

    fn try_open(dir: &Path, langs: &[Lang]) -> std::result::Result<(SearchIndex, State), Rebuild> {
        if !dir.join("meta.json").exists() {
            return Err(Rebuild::NoIndexYet);
        }
        let state: State = fsio::read_json(&dir.join(STATE_FILE))
            .map_err(|e| Rebuild::StateUnreadable(e.to_string()))?;
        if state.schema_version != INDEX_SCHEMA_VERSION {
            return Err(Rebuild::Version(state.schema_version));
        }
        if state.languages != lang_codes(langs) {
            return Err(Rebuild::LanguagesChanged);
        }
        Ok((Self::open_dir(dir, langs)?, state))
    }

    /// Opens the tantivy index in `dir` and checks its schema, without reading koda's state
    /// file (whose version and languages the caller has checked, or will).
    fn open_dir(dir: &Path, langs: &[Lang]) -> std::result::Result<SearchIndex, Rebuild> {
        let index = Index::open_in_dir(dir).map_err(|e| Rebuild::CannotOpen(e.to_string()))?;
        let (expected, _) = schema::build();
        if index.schema() != expected {
            return Err(Rebuild::SchemaDiffers);
        }
        Self::from_index(index, langs.to_vec(), dir).map_err(|e| Rebuild::CannotOpen(e.to_string()))
    }

    /// Opens the index of the project in `root` for searching without loading the project,
    /// when the index was brought up to date with the project's files exactly as they are now
    /// (their [stamp] matches and is settled). `None` means the project
    /// must be loaded and the index opened with [`SearchIndex::open`]: the index is missing or
    /// outdated, the project changed since, or its last load reported problems. Takes no lock
    /// and writes nothing.
    pub fn open_current(root: &Path) -> Result<Option<(SearchIndex, IndexedProject)>> {
        let config: crate::model::ProjectConfig = fsio::read_json(&root.join(CONFIG_FILE))?;
        if config.schema_version != SCHEMA_VERSION {
            return Ok(None);
        }
        let dir = index_dir_of(root);
        let Ok(current) = fsio::read_json::<Current>(&dir.join(CURRENT_FILE)) else {
            return Ok(None);
        };
        let langs = Lang::from_codes(&config.languages);
        let Some(recorded) = &current.stamp else {
            return Ok(None);
        };
        if !recorded.settled
            || current.schema_version != INDEX_SCHEMA_VERSION
            || current.languages != lang_codes(&langs)
            || stamp::take(root)?.digest != recorded.digest
        {
            return Ok(None);
        }
        // The stamp file carries the index version and languages; the state file with every
        // document's fingerprint is only needed to bring the index up to date.
        let Ok(mut idx) = Self::open_dir(&dir, &langs) else {
            return Ok(None);
        };
        idx.runs = None;
        let cb_path = root.join(CODEBOOK_FILE);
        let codebook = if cb_path.is_file() {
            fsio::read_json(&cb_path)?
        } else {
            Codebook::default()
        };
        Ok(Some((
            idx,
            IndexedProject {
                dir,
                attributes: current.attributes,
                codebook,
                catalog: std::cell::OnceCell::new(),
            },
        )))
    }

    /// Re-indexes the documents whose fingerprint changed; returns (indexed, removed). Records
    /// the project's stamp and catalog with the fingerprints.
    fn sync(&self, project: &Project, state: &mut State, dir: &Path) -> Result<(usize, usize)> {
        let prints = fingerprints(project, &self.langs);
        let changed: Vec<String> = prints
            .iter()
            .filter(|(id, fp)| state.docs.get(*id) != Some(fp))
            .map(|(id, _)| id.clone())
            .collect();
        let removed: Vec<String> = state
            .docs
            .keys()
            .filter(|id| !prints.contains_key(*id))
            .cloned()
            .collect();
        if changed.is_empty() && removed.is_empty() {
            self.record_current(project, dir)?;
            return Ok((0, 0));
        }
        let bulk = changed.len() >= BULK_DOCS;
        let (mut writer, before) = if bulk {
            self.bulk_writer(dir)?
        } else {
            (self.writer(dir)?, HashSet::new())
        };
        for id in changed.iter().chain(removed.iter()) {
            writer.delete_term(Term::from_field_text(self.fields.doc, id));
        }
        for id in &changed {
            if let Some(doc) = project.docs.get(id) {
                self.turn_documents(project, doc, &mut |tdoc| {
                    writer
                        .add_document(tdoc)
                        .map(|_| ())
                        .map_err(|e| ix_err(dir, e))
                })?;
            }
        }
        if bulk {
            self.settle(writer, &before, dir)?;
        } else {
            writer.commit().map_err(|e| ix_err(dir, e))?;
            writer.wait_merging_threads().map_err(|e| ix_err(dir, e))?;
        }
        self.reader.reload().map_err(|e| ix_err(dir, e))?;
        state.docs = prints;
        if dir.is_dir() {
            fsio::write_json(&dir.join(STATE_FILE), state)?;
        }
        self.record_current(project, dir)?;
        Ok((changed.len(), removed.len()))
    }

    /// Records, once the index holds `project`, the catalog and then the stamp that lets a
    /// search skip loading the project (see [`SearchIndex::open_current`]); rewrites nothing
    /// that is already so.
    fn record_current(&self, project: &Project, dir: &Path) -> Result<()> {
        if !dir.is_dir() {
            return Ok(());
        }
        let current = Current {
            schema_version: INDEX_SCHEMA_VERSION,
            languages: lang_codes(&self.langs),
            stamp: project.stamp(),
            attributes: query::Lookup::attribute_names(project),
        };
        let path = dir.join(CURRENT_FILE);
        if fsio::read_json::<Current>(&path).ok().as_ref() == Some(&current) {
            return Ok(());
        }
        let catalog_path = dir.join(CATALOG_FILE);
        let catalog = catalog_of(project);
        if fsio::read_json::<Catalog>(&catalog_path).ok().as_ref() != Some(&catalog) {
            fsio::write_json(&catalog_path, &catalog)?;
        }
        fsio::write_json(&path, &current)
    }

    /// Hands one index document per turn of `doc` to `add`, one at a time (a long transcript
    /// is never copied whole). Codings are swept in order of their start, so a turn looks only
    /// at the codings that reach it.
    fn turn_documents(
        &self,
        project: &Project,
        doc: &Document,
        add: &mut dyn FnMut(TantivyDocument) -> Result<()>,
    ) -> Result<()> {
        let f = &self.fields;
        let text = project.text_uncached(&doc.id)?;
        let attrs_of = |case: Option<&str>| -> Vec<String> {
            let mut attrs: Vec<String> = Vec::new();
            if let Some(case) = case.and_then(|c| project.cases.cases.get(c)) {
                attrs.extend(case.attributes.iter().map(|(k, v)| format!("{k}={v}")));
            }
            attrs.extend(doc.metadata.iter().map(|(k, v)| format!("{k}={v}")));
            attrs
        };
        let doc_attrs = attrs_of(doc.case.as_deref());
        let codings = project.codings_of_doc(&doc.id);
        // Each coding's code path and its ancestors, computed once.
        let coding_paths: Vec<Vec<String>> = codings
            .iter()
            .map(|c| {
                let path = project.codebook.path(&c.code);
                let mut prefix = String::new();
                path.split('/')
                    .map(|part| {
                        if !prefix.is_empty() {
                            prefix.push('/');
                        }
                        prefix.push_str(part);
                        prefix.clone()
                    })
                    .collect()
            })
            .collect();
        let chars = CharIndex::new(&text);
        let turns = project.turns_uncached(&doc.id)?;
        let mut next = 0;
        let mut active: Vec<usize> = Vec::new();
        for t in turns.iter() {
            while next < codings.len() && codings[next].start < t.end {
                active.push(next);
                next += 1;
            }
            active.retain(|&i| codings[i].end > t.start);
            let mut d = TantivyDocument::default();
            d.add_text(f.doc, &doc.id);
            d.add_text(f.title, &doc.title);
            d.add_u64(f.turn, t.number as u64);
            d.add_u64(f.doc_seq, doc.seq);
            d.add_u64(f.start, t.start as u64);
            d.add_u64(f.end, t.end as u64);
            d.add_u64(f.line, t.line as u64);
            d.add_text(f.kind, doc.kind.as_str());
            if let Some(s) = &t.speaker {
                d.add_text(f.speaker, s);
            }
            let case = doc.case_of_turn(t);
            if let Some(c) = case {
                d.add_text(f.case, c);
            }
            let speaker_attrs;
            let attrs = if case == doc.case.as_deref() {
                &doc_attrs
            } else {
                speaker_attrs = attrs_of(case);
                &speaker_attrs
            };
            for a in attrs {
                d.add_text(f.attr, a);
            }
            let mut paths = BTreeSet::new();
            let mut coders = BTreeSet::new();
            for &i in active
                .iter()
                .filter(|&&i| codings[i].start < t.end && t.start < codings[i].end)
            {
                coders.insert(codings[i].coder.as_str());
                paths.extend(coding_paths[i].iter().map(String::as_str));
            }
            for p in &paths {
                d.add_text(f.code, p);
            }
            for k in &coders {
                d.add_text(f.coder, k);
            }
            let body = chars.slice(&text, t.start, t.end);
            for l in &self.langs {
                match l {
                    Lang::No => d.add_text(f.text_no, body),
                    Lang::En => d.add_text(f.text_en, body),
                }
            }
            d.add_text(f.text_fold, body);
            add(d)?;
        }
        Ok(())
    }

    /// A writer with one indexing thread and [`merge_policy`].
    fn writer(&self, dir: &Path) -> Result<IndexWriter<TantivyDocument>> {
        self.writer_with(dir, merge_policy())
    }

    /// A writer with one indexing thread and `policy`.
    fn writer_with(
        &self,
        dir: &Path,
        policy: Box<dyn tantivy::indexer::MergePolicy>,
    ) -> Result<IndexWriter<TantivyDocument>> {
        let writer = self
            .index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(|e| ix_err(dir, e))?;
        writer.set_merge_policy(policy);
        Ok(writer)
    }

    /// A writer for many documents at once (an import, a rebuild), and the segments the index
    /// had before it: it merges nothing while it writes, and [`SearchIndex::settle`] then
    /// merges what it wrote into one segment. Merging as it went rewrote the same turns level
    /// after level, with heap that grew with the corpus, and still left several segments,
    /// each of which costs every search a walk of its term dictionary (most of a prefix or
    /// fuzzy search). One merge at the end reads each new segment once.
    fn bulk_writer(
        &self,
        dir: &Path,
    ) -> Result<(
        IndexWriter<TantivyDocument>,
        HashSet<tantivy::index::SegmentId>,
    )> {
        let before = self
            .index
            .searchable_segment_ids()
            .map_err(|e| ix_err(dir, e))?
            .into_iter()
            .collect();
        let writer = self.writer_with(dir, Box::new(tantivy::indexer::NoMergePolicy))?;
        Ok((writer, before))
    }

    /// Commits a [`SearchIndex::bulk_writer`]'s work, merges the segments it wrote into one,
    /// lets [`merge_policy`] look at the whole index, and waits for the merges.
    fn settle(
        &self,
        mut writer: IndexWriter<TantivyDocument>,
        before: &HashSet<tantivy::index::SegmentId>,
        dir: &Path,
    ) -> Result<()> {
        writer.commit().map_err(|e| ix_err(dir, e))?;
        let new: Vec<tantivy::index::SegmentId> = self
            .index
            .searchable_segment_ids()
            .map_err(|e| ix_err(dir, e))?
            .into_iter()
            .filter(|id| !before.contains(id))
            .collect();
        writer.set_merge_policy(merge_policy());
        if new.len() > 1 {
            // The end of this merge lets the policy look at the index.
            writer.merge(&new).wait().map_err(|e| ix_err(dir, e))?;
        } else {
            // A commit lets the policy look at the index.
            writer.commit().map_err(|e| ix_err(dir, e))?;
        }
        writer.wait_merging_threads().map_err(|e| ix_err(dir, e))
    }

    fn distinct_docs(&self) -> DistinctDocs<'_> {
        DistinctDocs {
            cache: self.runs.as_ref(),
        }
    }

    /// Runs a query; `limit` caps the hits returned (all when `None`).
    pub fn search(
        &self,
        lookup: &dyn query::Lookup,
        query: &str,
        limit: Option<usize>,
    ) -> Result<SearchResults> {
        self.search_by(lookup, query, limit, &[])
    }

    /// Runs a query on the turns coded by any of `coders` (all turns when empty).
    pub fn search_by(
        &self,
        lookup: &dyn query::Lookup,
        query: &str,
        limit: Option<usize>,
        coders: &[String],
    ) -> Result<SearchResults> {
        let mut node = query::parse(query)?;
        if !coders.is_empty() {
            let filters = coders
                .iter()
                .map(|c| query::Node::Field {
                    name: "coder".into(),
                    value: c.clone(),
                    prefix: false,
                    col: 1,
                })
                .collect();
            node = query::Node::And(vec![node, query::Node::Or(filters)]);
        }
        let builder = query::Builder {
            fields: &self.fields,
            automata: &self.automata,
            langs: &self.langs,
            lookup,
            query,
        };
        let (q, hl) = builder.build(&node)?;
        let searcher = self.reader.searcher();
        let dir = Path::new(".koda/index");
        // One pass counts the turns and documents and keeps the best hits.
        let limit = match limit {
            Some(n) => n,
            None => searcher.search(&q, &Count).map_err(|e| ix_err(dir, e))?,
        };
        if limit == 0 {
            let (total, docs) = searcher
                .search(&q, &self.distinct_docs())
                .map_err(|e| ix_err(dir, e))?;
            return Ok(SearchResults {
                total,
                documents: docs.len(),
                hits: Vec::new(),
            });
        }
        let (top, (total, docs)) = searcher
            .search(
                &q,
                &(
                    TopDocs::with_limit(limit).order_by_score(),
                    self.distinct_docs(),
                ),
            )
            .map_err(|e| ix_err(dir, e))?;
        let documents = docs.len();
        let mut hits: Vec<(u64, Hit)> = Vec::with_capacity(top.len());
        let mut marker = Highlighter::new(&hl, &self.langs, &self.forms);
        for (score, addr) in top {
            let turn: StoredTurn = searcher.doc(addr).map_err(|e| ix_err(dir, e))?;
            hits.push(hit_of(turn, score, &mut marker));
        }
        hits.sort_by(|(sa, a), (sb, b)| {
            b.score
                .total_cmp(&a.score)
                .then(sa.cmp(sb))
                .then(a.turn.cmp(&b.turn))
        });
        let hits = hits.into_iter().map(|(_, h)| h).collect();
        Ok(SearchResults {
            total,
            documents,
            hits,
        })
    }
}

/// Where each document's turns lie in one segment: `(first doc id, doc_seq)` per run, in
/// order. A document's turns are added side by side and merges keep their order, so each
/// document is one run.
type Runs = std::sync::Arc<[(tantivy::DocId, Option<u64>)]>;

/// Per-segment [`Runs`], built on a segment's first search by an index that stays open (the
/// reader, a long session); segments never change, so they stay valid until merged away.
type RunCache = std::sync::Mutex<std::collections::HashMap<tantivy::index::SegmentId, Runs>>;

fn runs_of(reader: &tantivy::SegmentReader) -> tantivy::Result<Runs> {
    let column = reader.fast_fields().u64(schema::DOC_SEQ)?;
    let mut runs = Vec::new();
    let mut last = None;
    for doc in 0..reader.max_doc() {
        let v = column.first(doc);
        if runs.is_empty() || v != last {
            runs.push((doc, v));
            last = v;
        }
    }
    Ok(runs.into())
}

/// Counts the matching turns and collects their distinct documents from the `doc_seq` fast
/// field, without reading any stored document: through a segment's [`Runs`] when the index
/// keeps them (one comparison per match), else by reading the field at each match. One
/// collector does both since every match costs a search one call per collector.
struct DistinctDocs<'a> {
    cache: Option<&'a RunCache>,
}

/// [`DistinctDocs`] in one segment.
struct DistinctInSegment {
    /// Matches counted.
    count: usize,
    /// A match before this doc falls in the run of the last one and adds nothing.
    next: tantivy::DocId,
    source: SeqSource,
    /// The documents' sequence numbers, each once.
    seen: Vec<u64>,
}

/// Where a segment's sequence numbers come from.
enum SeqSource {
    /// The fast field, read at each match; `last` is the value read at the last one.
    Column {
        column: tantivy::columnar::Column<u64>,
        last: Option<u64>,
    },
    /// The segment's runs, and the run the last match fell in.
    Runs { runs: Runs, at: usize },
}

impl tantivy::collector::Collector for DistinctDocs<'_> {
    type Fruit = (usize, Vec<u64>);
    type Child = DistinctInSegment;

    fn for_segment(
        &self,
        _segment: tantivy::SegmentOrdinal,
        reader: &tantivy::SegmentReader,
    ) -> tantivy::Result<DistinctInSegment> {
        let source = match self.cache {
            None => SeqSource::Column {
                column: reader.fast_fields().u64(schema::DOC_SEQ)?,
                last: None,
            },
            Some(cache) => {
                let id = reader.segment_id();
                let cached = cache.lock().ok().and_then(|c| c.get(&id).cloned());
                let runs = match cached {
                    Some(r) => r,
                    None => {
                        let r = runs_of(reader)?;
                        if let Ok(mut c) = cache.lock() {
                            c.insert(id, r.clone());
                        }
                        r
                    }
                };
                SeqSource::Runs { runs, at: 0 }
            }
        };
        Ok(DistinctInSegment {
            count: 0,
            next: 0,
            source,
            seen: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(usize, Vec<u64>)>) -> tantivy::Result<(usize, Vec<u64>)> {
        let total = fruits.iter().map(|f| f.0).sum();
        // Each segment lists a document once, but a document's turns may span segments (the
        // writer can flush between two of its turns).
        let mut lists: Vec<Vec<u64>> = fruits
            .into_iter()
            .map(|f| f.1)
            .filter(|f| !f.is_empty())
            .collect();
        if lists.len() <= 1 {
            return Ok((total, lists.pop().unwrap_or_default()));
        }
        let max = lists.iter().flatten().copied().max().unwrap_or(0);
        let mut all: Vec<u64> = lists.into_iter().flatten().collect();
        // Sequence numbers are dense (one per imported document), so a bitset over them
        // finds the distinct ones in one pass.
        match usize::try_from(max).ok().filter(|m| *m < 1 << 26) {
            Some(max) => {
                let mut seen = vec![0u64; max / 64 + 1];
                all.retain(|&v| {
                    let (word, bit) = ((v / 64) as usize, 1u64 << (v % 64));
                    let new = seen[word] & bit == 0;
                    seen[word] |= bit;
                    new
                });
            }
            None => {
                all.sort_unstable();
                all.dedup();
            }
        }
        Ok((total, all))
    }
}

impl DistinctInSegment {
    /// A match past the last run: finds its run (or reads its value) and notes a new document.
    fn enter(&mut self, doc: tantivy::DocId) {
        match &mut self.source {
            SeqSource::Column { column, last } => {
                // Read at every match: `next` stays 0.
                let v = column.first(doc);
                if v != *last {
                    *last = v;
                    if let Some(v) = v {
                        self.seen.push(v);
                    }
                }
            }
            SeqSource::Runs { runs, at } => {
                // Matches come in ascending order, so the run only moves forward.
                while *at + 1 < runs.len() && runs[*at + 1].0 <= doc {
                    *at += 1;
                }
                if let Some(v) = runs.get(*at).and_then(|r| r.1) {
                    self.seen.push(v);
                }
                self.next = runs.get(*at + 1).map_or(tantivy::DocId::MAX, |r| r.0);
            }
        }
    }
}

impl tantivy::collector::SegmentCollector for DistinctInSegment {
    type Fruit = (usize, Vec<u64>);

    #[inline]
    fn collect(&mut self, doc: tantivy::DocId, _score: tantivy::Score) {
        self.count += 1;
        if doc >= self.next {
            self.enter(doc);
        }
    }

    fn harvest(self) -> (usize, Vec<u64>) {
        (self.count, self.seen)
    }
}

/// Each document's codings as they enter its fingerprint.
fn coding_prints(project: &Project) -> BTreeMap<&str, Vec<String>> {
    let mut per_doc: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for c in project.codings.values() {
        per_doc.entry(c.doc.as_str()).or_default().push(format!(
            "{}:{}-{}:{}",
            c.id,
            c.start,
            c.end,
            project.codebook.path(&c.code)
        ));
    }
    per_doc
}

/// The fingerprint of one document as the index should hold it, given its codings' prints.
fn fingerprint(project: &Project, d: &Document, langs: &str, mut codings: Vec<String>) -> String {
    codings.sort();
    let attrs: Vec<String> = d
        .all_cases()
        .into_iter()
        .filter_map(|c| project.cases.cases.get(c))
        .map(|c| format!("{}:{:?}", c.name, c.attributes))
        .collect();
    let key = format!(
        "{langs}\u{1}{}\u{1}{}\u{1}{}\u{1}{:?}\u{1}{attrs:?}\u{1}{:?}\u{1}{}\u{1}{}",
        d.text_sha256,
        d.title,
        d.kind,
        (&d.case, &d.speaker_cases),
        d.metadata,
        d.turn_count,
        codings.join("\u{2}")
    );
    sha256_hex(key.as_bytes())
}

/// Fingerprints of every document as the index should hold it.
fn fingerprints(project: &Project, langs: &[Lang]) -> BTreeMap<String, String> {
    let mut per_doc = coding_prints(project);
    let langs = lang_codes(langs).join(",");
    project
        .docs
        .values()
        .map(|d| {
            let codings = per_doc.remove(d.id.as_str()).unwrap_or_default();
            (d.id.clone(), fingerprint(project, d, &langs, codings))
        })
        .collect()
}

/// Indexes the documents of a folder import one by one as they are written, so that reading
/// and parsing the next file overlaps with indexing the last (tantivy indexes on its own
/// thread). [`Feed::finish`] commits and then brings the index up to date like any other
/// change, so a document whose case a later file changed is indexed again; until then
/// nothing is committed, and an import that fails half-way leaves the index as it was (the
/// next search brings it up to date with whatever the import wrote).
pub struct Feed {
    idx: SearchIndex,
    writer: IndexWriter<TantivyDocument>,
    /// The index's segments before the feed.
    before: HashSet<tantivy::index::SegmentId>,
    state: State,
    dir: PathBuf,
    /// The codings' prints per document when the import started (an import adds none).
    codings: BTreeMap<String, Vec<String>>,
    _lock: IndexLock,
}

impl Feed {
    /// Starts feeding the project's index; `None` when another process is writing it (the
    /// import then brings it up to date at the end, as any change does).
    pub fn start(project: &Project) -> Result<Option<Feed>> {
        let Some(lock) = IndexLock::take(project, false)? else {
            return Ok(None);
        };
        let dir = index_dir(project);
        let langs = Lang::from_codes(&project.config.languages);
        let (idx, state) = match SearchIndex::try_open(&dir, &langs) {
            Ok(pair) => pair,
            Err(_) => SearchIndex::create(&dir, langs)?,
        };
        let (writer, before) = idx.bulk_writer(&dir)?;
        let codings = coding_prints(project)
            .into_iter()
            .map(|(d, v)| (d.to_string(), v))
            .collect();
        Ok(Some(Feed {
            idx,
            writer,
            before,
            state,
            dir,
            codings,
            _lock: lock,
        }))
    }

    /// Indexes the documents `ids` as the project now holds them.
    pub fn add(&mut self, project: &Project, ids: &[String]) -> Result<()> {
        let langs = lang_codes(&self.idx.langs).join(",");
        let fields = self.idx.fields;
        for id in ids {
            let Some(doc) = project.docs.get(id) else {
                continue;
            };
            self.writer
                .delete_term(Term::from_field_text(fields.doc, id));
            let (writer, dir) = (&self.writer, &self.dir);
            self.idx.turn_documents(project, doc, &mut |tdoc| {
                writer
                    .add_document(tdoc)
                    .map(|_| ())
                    .map_err(|e| ix_err(dir, e))
            })?;
            let codings = self.codings.get(id).cloned().unwrap_or_default();
            self.state
                .docs
                .insert(id.clone(), fingerprint(project, doc, &langs, codings));
        }
        Ok(())
    }

    /// Commits what was fed, then brings the index up to date with `project`.
    pub fn finish(mut self, project: &Project) -> Result<SyncReport> {
        let dir = self.dir.clone();
        self.idx.settle(self.writer, &self.before, &dir)?;
        self.idx.reader.reload().map_err(|e| ix_err(&dir, e))?;
        fsio::write_json(&dir.join(STATE_FILE), &self.state)?;
        let (indexed, removed) = self.idx.sync(project, &mut self.state, &dir)?;
        Ok(SyncReport {
            indexed,
            removed,
            ..SyncReport::default()
        })
    }
}

/// What highlighting keeps across the searches of an open index: the analysed forms of words
/// seen in hits, as written (folded, then one stem per index language), since stemming every
/// word of every hit anew was most of the cost of a search with few matches. Keyed with
/// FxHash: the keys are the project's own words, and SipHash was a tenth of a fuzzy search.
#[derive(Default)]
struct WordForms {
    forms: rustc_hash::FxHashMap<String, Vec<String>>,
}

/// Past this many words the forms are forgotten and gathered again.
const WORD_FORMS_MAX: usize = 200_000;

/// Finds the words a query matched in a hit's text, with each analyser built once per search.
struct Highlighter<'a> {
    hl: &'a query::Highlight,
    /// The folded analyser, then one per index language.
    analysers: Vec<tantivy::tokenizer::TextAnalyzer>,
    /// The query's terms in each analyser's field, in the same order (a handful: a list is
    /// searched faster than a set is hashed).
    terms: Vec<Vec<&'a str>>,
    forms: &'a std::sync::Mutex<WordForms>,
    /// The byte ranges of the hit being built (an allocation reused from hit to hit).
    bytes: Vec<(usize, usize)>,
}

impl<'a> Highlighter<'a> {
    fn new(
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
        }
    }

    /// Byte ranges (relative to `body`) of the matched words, in order, in a buffer the
    /// highlighter reuses from hit to hit: allocating was about a quarter of a fuzzy search's
    /// time in a process whose heap had seen much work, so building a hit allocates only what
    /// the hit keeps.
    fn ranges(&mut self, body: &str) -> &[(usize, usize)] {
        let mut merged = std::mem::take(&mut self.bytes);
        merged.clear();
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
        let loose_only = self.terms.iter().all(Vec::is_empty);
        for (from, to) in Words::of(body) {
            let word = &body[from..to];
            if loose_only {
                match word.bytes().position(|b| !b.is_ascii()) {
                    None => {
                        if self.loose_ascii(word) {
                            merged.push((from, to));
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
            }
        }
        drop(memory);
        self.bytes = merged;
        &self.bytes
    }
}

impl Highlighter<'_> {
    /// Whether an ASCII word, in lower case, starts with a prefix of the query or is within
    /// a fuzzy word's distance. Its folded form is as long as the word, and no word is fewer
    /// edits away than the difference in length, so most words need no automaton.
    fn loose_ascii(&self, word: &str) -> bool {
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
    fn loose_may_start(&self, head: &[u8]) -> bool {
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
struct Words<'t> {
    text: &'t str,
    /// Where the search for the next word starts (a char boundary).
    at: usize,
}

impl<'t> Words<'t> {
    fn of(text: &'t str) -> Words<'t> {
        Words { text, at: 0 }
    }

    /// Whether the char starting at byte `at` (not ASCII) is a letter or digit, and its
    /// length. The Latin letters of Norwegian and other European languages (U+00C0 to
    /// U+024F: all letters but × and ÷) are answered without Unicode's tables.
    #[cold]
    fn wide_alnum_at(&self, at: usize) -> (bool, usize) {
        self.text[at..].chars().next().map_or((false, 1), |c| {
            let latin = ('\u{c0}'..='\u{24f}').contains(&c) && c != '×' && c != '÷';
            (latin || c.is_alphanumeric(), c.len_utf8())
        })
    }

    /// The first byte from `at` on where a char is (`alnum`) or is not (`!alnum`) a letter
    /// or digit, or the text's length. ASCII bytes are looked at directly (a tight loop, as
    /// most bytes are ASCII), other chars decoded.
    #[inline]
    fn skip_to(&self, mut at: usize, alnum: bool) -> usize {
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
fn char_ranges(text: &str, ranges: &[(usize, usize)], base: usize) -> Vec<(usize, usize)> {
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
fn starts_char(b: u8) -> bool {
    b & 0xC0 != 0x80
}

/// The byte offset `n` chars before byte `at` (0 when there are fewer). Counts the bytes
/// that start a char rather than decoding each char.
fn chars_back(text: &str, at: usize, n: usize) -> usize {
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
fn chars_forward(text: &str, at: usize, n: usize) -> Option<usize> {
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

const SNIPPET_CHARS: usize = 220;
const SNIPPET_LEAD: usize = 70;

/// A keyword-in-context cut of a turn around its first match.
struct Snippet {
    /// The cut, `…` marking where it leaves the turn, line breaks as spaces.
    text: String,
    /// The matches inside it as char ranges of the cut.
    highlights: Vec<(usize, usize)>,
}

/// The snippet of `body` from its matches, given both as byte ranges and as char ranges
/// (sorted, not overlapping; the char ranges counted from `base`). At most [`SNIPPET_CHARS`]
/// chars, starting up to [`SNIPPET_LEAD`] chars before the first match, cut at spaces so no
/// word is split.
fn snippet(body: &str, bytes: &[(usize, usize)], chars: &[(usize, usize)], base: usize) -> Snippet {
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
fn push_flat(out: &mut String, s: &str) {
    let mut lines = s.split('\n');
    if let Some(first) = lines.next() {
        out.push_str(first);
    }
    for line in lines {
        out.push(' ');
        out.push_str(line);
    }
}

/// A hit from a turn's stored fields, with its document's sequence number for ordering.
fn hit_of(t: StoredTurn, score: f32, marker: &mut Highlighter) -> (u64, Hit) {
    let num = |n: u64| usize::try_from(n).unwrap_or(0);
    let body = t.text.as_str();
    let start = num(t.start);
    let bytes = marker.ranges(body);
    let matches = char_ranges(body, bytes, start);
    let snippet = snippet(body, bytes, &matches, start);
    let hit = Hit {
        doc: t.doc,
        doc_title: t.title,
        doc_type: t.kind,
        turn: num(t.turn),
        speaker: t.speaker,
        case: t.case,
        score,
        start,
        end: num(t.end),
        line: num(t.line),
        snippet: snippet.text,
        highlights: snippet.highlights,
        matches,
    };
    (t.doc_seq, hit)
}

/// How much of the text around a hit autocoding codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// The matched words (adjacent matches, such as a phrase, form one span).
    Match,
    /// The sentence around each match.
    Sentence,
    /// The whole turn.
    Turn,
}

/// The spans (chars of the document) that autocoding a hit with `unit` would code.
pub fn spans_for(hit: &Hit, unit: Unit, text: &str, ix: &CharIndex) -> Vec<(usize, usize)> {
    match unit {
        Unit::Turn => vec![(hit.start, hit.end)],
        Unit::Match => {
            let mut out: Vec<(usize, usize)> = Vec::new();
            for &(a, b) in &hit.matches {
                match out.last_mut() {
                    Some(last) if ix.slice(text, last.1, a).chars().all(char::is_whitespace) => {
                        last.1 = b
                    }
                    _ => out.push((a, b)),
                }
            }
            out
        }
        Unit::Sentence => {
            let body = ix.slice(text, hit.start, hit.end);
            let mut out: Vec<(usize, usize)> = Vec::new();
            let mut a = hit.start;
            for s in body.split_sentence_bounds() {
                let e = a + char_len(s);
                if hit.matches.iter().any(|&(ms, me)| ms < e && a < me) {
                    let lead = s.chars().take_while(|c| c.is_whitespace()).count();
                    let trail = s.chars().rev().take_while(|c| c.is_whitespace()).count();
                    let (ts, te) = if lead == char_len(s) {
                        (a, a)
                    } else {
                        (a + lead, e - trail)
                    };
                    if te > ts && !out.contains(&(ts, te)) {
                        out.push((ts, te));
                    }
                }
                a = e;
            }
            out
        }
    }
}

/// Brings the project's index up to date if no other process is updating it; used after a
/// change so that the next search finds it current. Returns `None` when it was busy.
pub fn refresh(project: &Project) -> Result<Option<SyncReport>> {
    let Some(lock) = IndexLock::take(project, false)? else {
        return Ok(None);
    };
    let r = SearchIndex::open_locked(project, false).map(|(_, r)| r);
    drop(lock);
    r.map(Some)
}

/// Checks that a char range is valid in `text` (used by tests and callers that build spans).
pub fn span_is_valid(text: &str, start: usize, end: usize) -> bool {
    start < end && char_to_byte(text, end).is_some()
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
