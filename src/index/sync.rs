//! Keeping the index in step with the project: opening, rebuilding, fingerprints of what was
//! indexed, the index lock, feeding a long import, and the stamp that lets a search skip loading
//! the project.

use super::*;

#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct State {
    pub(super) schema_version: u32,
    pub(super) languages: Vec<String>,
    pub(super) docs: BTreeMap<String, String>,
}

/// What a search needs besides the index to run without loading the project: the stamp of the
/// project files the index was last brought up to date with, and the attribute names. Written
/// last, after the index, the fingerprints and the catalog, so it never vouches for an index
/// older than itself.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Current {
    pub(super) schema_version: u32,
    pub(super) languages: Vec<String>,
    pub(super) stamp: Option<Stamp>,
    /// Attribute names, lower-cased.
    pub(super) attributes: BTreeSet<String>,
}

/// `(id, title)` of every document in import order, for queries that name a document.
pub(super) type Catalog = Vec<(String, String)>;

pub(super) fn catalog_of(project: &Project) -> Catalog {
    project
        .documents()
        .into_iter()
        .map(|d| (d.id.clone(), d.title.clone()))
        .collect()
}

/// The project as the index knows it: enough to build any query without loading the project.
pub struct IndexedProject {
    pub(super) dir: PathBuf,
    pub(super) attributes: BTreeSet<String>,
    pub(super) codebook: Codebook,
    pub(super) catalog: std::cell::OnceCell<Catalog>,
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
    /// The index opened but failed when read or updated (a write cut off by a crash, a
    /// damaged segment).
    #[error("it was damaged ({0})")]
    Damaged(String),
}

/// How segments are merged as the index changes: tantivy's log merge policy, except that a
/// segment holding more than a quarter of deleted turns (after coding many documents at once,
/// say) is merged, since searches otherwise keep stepping over the old copies, and that four
/// segments of a size are merged rather than eight, since each segment costs every search a
/// walk of its term dictionary and a `koda search` process the opening of its files.
pub(super) fn merge_policy() -> Box<dyn tantivy::indexer::MergePolicy> {
    let mut policy = tantivy::indexer::LogMergePolicy::default();
    policy.set_del_docs_ratio_before_merge(0.25);
    policy.set_min_num_segments(4);
    Box::new(policy)
}

/// A sync re-indexing at least this many documents writes as an import does
/// ([`SearchIndex::bulk_writer`]).
pub(super) const BULK_DOCS: usize = 8;

/// The index folder of a project.
pub fn index_dir(project: &Project) -> PathBuf {
    index_dir_of(project.root())
}

pub(super) fn index_dir_of(root: &Path) -> PathBuf {
    root.join(PRIVATE_DIR).join("index")
}

pub(super) fn lang_codes(langs: &[Lang]) -> Vec<String> {
    langs
        .iter()
        .map(|l| match l {
            Lang::No => "no".to_string(),
            Lang::En => "en".to_string(),
        })
        .collect()
}

/// Holds `.koda/index.lock` while the index is written.
pub(super) struct IndexLock {
    pub(super) file: File,
}

impl IndexLock {
    pub(super) fn take(project: &Project, wait: bool) -> Result<Option<IndexLock>> {
        let private = project.root().join(PRIVATE_DIR);
        fsio::ensure_dir(&private)?;
        let path = private.join("index.lock");
        let file = fsio::private_options()
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

/// Each document's codings as they enter its fingerprint.
pub(super) fn coding_prints(project: &Project) -> BTreeMap<&str, Vec<String>> {
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
pub(super) fn fingerprint(
    project: &Project,
    d: &Document,
    langs: &str,
    mut codings: Vec<String>,
) -> String {
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
pub(super) fn fingerprints(project: &Project, langs: &[Lang]) -> BTreeMap<String, String> {
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
    pub(super) idx: SearchIndex,
    pub(super) writer: IndexWriter<TantivyDocument>,
    /// The index's segments before the feed.
    pub(super) before: HashSet<tantivy::index::SegmentId>,
    pub(super) state: State,
    pub(super) dir: PathBuf,
    /// The codings' prints per document when the import started (an import adds none).
    pub(super) codings: BTreeMap<String, Vec<String>>,
    pub(super) _lock: IndexLock,
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

impl SearchIndex {
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

    pub(super) fn open_locked(project: &Project, force: bool) -> Result<(SearchIndex, SyncReport)> {
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
                Self::create(&dir, langs.clone())?
            }
        };
        let (idx, (indexed, removed)) = match idx.sync(project, &mut state, &dir) {
            Ok(counts) => (idx, counts),
            // The index is derived: one that fails to update is built again from the project.
            Err(e @ Error::Index { .. }) if !report.rebuilt => {
                drop(idx);
                report.rebuilt = true;
                report.reason = Some(Rebuild::Damaged(e.to_string()));
                let (idx, mut state) = Self::create(&dir, langs)?;
                let counts = idx.sync(project, &mut state, &dir)?;
                (idx, counts)
            }
            Err(e) => return Err(e),
        };
        report.indexed = indexed;
        report.removed = removed;
        Ok((idx, report))
    }

    /// Creates an empty index in `dir`, replacing whatever is there.
    pub(super) fn create(dir: &Path, langs: Vec<Lang>) -> Result<(SearchIndex, State)> {
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

    pub(super) fn try_open(
        dir: &Path,
        langs: &[Lang],
    ) -> std::result::Result<(SearchIndex, State), Rebuild> {
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
    /// Opens the index folder of the project in `root` as it is, every segment included,
    /// without bringing it up to date: `Err` says why it cannot be used (`koda doctor`).
    pub fn check(root: &Path) -> std::result::Result<(), Rebuild> {
        let config: crate::model::ProjectConfig = fsio::read_json(&root.join(CONFIG_FILE))
            .map_err(|e| Rebuild::StateUnreadable(e.to_string()))?;
        let langs = Lang::from_codes(&config.languages);
        let idx = Self::open_dir(&index_dir_of(root), &langs)?;
        let every_segment = || -> std::result::Result<(), Rebuild> {
            let searcher = idx.reader.searcher();
            for segment in searcher.segment_readers() {
                segment
                    .get_store_reader(0)
                    .map_err(|e| Rebuild::Damaged(e.to_string()))?;
                for (field, _) in idx.index.schema().fields() {
                    segment
                        .inverted_index(field)
                        .map_err(|e| Rebuild::Damaged(e.to_string()))?;
                }
            }
            Ok(())
        };
        crate::contain_panic(every_segment).unwrap_or_else(|| {
            Err(Rebuild::Damaged(
                "reading a segment failed inside the search engine".into(),
            ))
        })
    }

    /// How many turns the index of the project in `root` holds, when it says it is current
    /// with the project's files as they are now (`None` otherwise: the next search brings it up
    /// to date, so a difference says nothing).
    pub fn turns_if_current(root: &Path) -> Option<u64> {
        let (idx, _) = Self::open_current(root).ok().flatten()?;
        crate::contain_panic(|| idx.reader.searcher().num_docs())
    }

    pub(super) fn open_dir(
        dir: &Path,
        langs: &[Lang],
    ) -> std::result::Result<SearchIndex, Rebuild> {
        // A damaged segment can make the search engine panic while opening it: that is the
        // index's damage, and a rebuild mends it.
        crate::contain_panic(|| Self::open_dir_now(dir, langs)).unwrap_or_else(|| {
            Err(Rebuild::Damaged(
                "opening it failed inside the search engine (a damaged segment)".into(),
            ))
        })
    }

    fn open_dir_now(dir: &Path, langs: &[Lang]) -> std::result::Result<SearchIndex, Rebuild> {
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
    pub(super) fn sync(
        &self,
        project: &Project,
        state: &mut State,
        dir: &Path,
    ) -> Result<(usize, usize)> {
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
        // The writer queues documents faster than it indexes them; the text queued is capped,
        // so that the pieces of a very long turn are not all held at once (a commit waits
        // for the queue; the state is recorded only at the end, so a stop part-way is found
        // and indexed again).
        let mut queued = 0usize;
        for id in &changed {
            if let Some(doc) = project.docs.get(id) {
                self.turn_documents(project, doc, &mut |tdoc| {
                    queued += text_bytes(&tdoc);
                    writer.add_document(tdoc).map_err(|e| ix_err(dir, e))?;
                    if queued > QUEUED_TEXT {
                        writer.commit().map_err(|e| ix_err(dir, e))?;
                        queued = 0;
                    }
                    Ok(())
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
    pub(super) fn record_current(&self, project: &Project, dir: &Path) -> Result<()> {
        if !dir.is_dir() {
            return Ok(());
        }
        // tantivy creates its files with the process's default mode; the index holds the
        // transcripts' words, so it is owner-only like everything else.
        fsio::tighten(dir)?;
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
    pub(super) fn turn_documents(
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
        // A turn longer than [`PIECE`] (a source without line breaks) is indexed in pieces cut
        // at a space, each an index document of its own with the turn's number: an import then
        // holds the copies tantivy makes of one piece, not of the whole turn.
        let pieces: Vec<crate::model::Turn> = turns
            .iter()
            .flat_map(|t| pieces_of(&text, &chars, t))
            .collect();
        for t in pieces.iter() {
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
            d.add_text(f.text_parts, body);
            add(d)?;
        }
        Ok(())
    }

    /// A writer with one indexing thread and [`merge_policy`].
    pub(super) fn writer(&self, dir: &Path) -> Result<IndexWriter<TantivyDocument>> {
        self.writer_with(dir, merge_policy())
    }

    /// A writer with one indexing thread and `policy`.
    pub(super) fn writer_with(
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
    pub(super) fn bulk_writer(
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
    pub(super) fn settle(
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
}

/// The longest piece of a turn the index holds as one document, in chars.
pub const PIECE: usize = 1 << 20;

/// A turn as the index holds it: whole, or in pieces of about [`PIECE`] chars cut after a
/// space (a piece without a space in reach is cut where it reaches [`PIECE`]).
fn pieces_of(text: &str, chars: &CharIndex, t: &crate::model::Turn) -> Vec<crate::model::Turn> {
    if t.end - t.start <= PIECE {
        return vec![t.clone()];
    }
    let mut out = Vec::new();
    let mut a = t.start;
    while a < t.end {
        let mut b = (a + PIECE).min(t.end);
        if b < t.end {
            // Back to just after the last space of the piece's last tenth.
            let tail = chars.slice(text, b - PIECE / 10, b);
            if let Some(i) = tail.rfind(char::is_whitespace) {
                b = b - PIECE / 10 + tail[..i].chars().count() + 1;
            }
        }
        out.push(crate::model::Turn {
            start: a,
            end: b,
            ..t.clone()
        });
        a = b;
    }
    out
}

/// The most text the index writer may have queued before an update waits for it (bytes, all
/// fields together).
const QUEUED_TEXT: usize = 128 << 20;

/// The bytes of text a document to index holds.
fn text_bytes(d: &TantivyDocument) -> usize {
    use tantivy::schema::Value;
    d.field_values()
        .filter_map(|(_, v)| v.as_str().map(str::len))
        .sum()
}
