//! Adding documents to a project, and the cases and speaker mappings that come with them.

use super::*;

impl Session {
    /// Imports prepared documents. Either all are added or, on any error, none is.
    /// Returns the new documents' ids in order.
    pub fn import(&mut self, prepared: Vec<Prepared>, opts: &ImportOptions) -> Result<Vec<String>> {
        self.atomically(|s| s.import_now(prepared, opts))
    }

    /// The change itself, inside the transaction its public form opens.
    fn import_now(&mut self, prepared: Vec<Prepared>, opts: &ImportOptions) -> Result<Vec<String>> {
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
        // A file imported before is a duplicate, whatever it holds; so is a document whose text
        // is already in the project or comes from another file of this import (the same
        // transcript saved twice). A respondent's answer is never a duplicate, and documents of
        // one file never duplicate each other: two respondents may give the same answer.
        // Borrowed, not copied: a folder import calls this once per file.
        let known_files: HashMap<&str, &str> = self
            .project
            .docs
            .values()
            .map(|d| (d.origin.sha256.as_str(), d.id.as_str()))
            .collect();
        let known: HashMap<&str, &str> = self
            .project
            .docs
            .values()
            .map(|d| (d.text_sha256.as_str(), d.id.as_str()))
            .collect();
        let mut hashes: HashMap<String, (String, PathBuf)> = HashMap::new();
        let mut taken: BTreeSet<String> = BTreeSet::new();
        let first_seq = self.project.docs.values().map(|d| d.seq).max().unwrap_or(0) + 1;
        let mut new_docs: Vec<(Document, Vec<Turn>, String)> = Vec::new();
        let mut file_cases: Vec<(String, Vec<(String, String)>)> = Vec::new();
        let mut notes: Vec<(String, Vec<String>)> = Vec::new();
        let mut words: Vec<(String, Vec<crate::model::TimedWord>)> = Vec::new();
        for (seq, p) in (first_seq..).zip(prepared) {
            let sha = sha256_hex(p.text.as_bytes());
            if let Some(existing) = known_files.get(p.origin.sha256.as_str()) {
                return Err(Error::Duplicate {
                    path: p.path.clone(),
                    msg: format!(
                        "the same file is already in the project as document {existing:?} (imported before, byte for byte)"
                    ),
                });
            }
            let same_text = known.get(sha.as_str()).copied().or_else(|| {
                hashes
                    .get(&sha)
                    .filter(|(_, file)| *file != p.path)
                    .map(|(id, _)| id.as_str())
            });
            if p.case.is_none()
                && let Some(existing) = same_text
            {
                return Err(Error::Duplicate {
                    path: p.path.clone(),
                    msg: format!(
                        "the same text is already in the project as document {existing:?}"
                    ),
                });
            }
            let title = opts.title.clone().unwrap_or_else(|| p.title.clone());
            let base = ids::slug(&title);
            let mut id = base.clone();
            let mut n = 2;
            // A document left out for damage still owns its files: never write over them.
            let on_disk = |id: &str| {
                let sources = self.project.root.join(SOURCES_DIR);
                sources.join(format!("{id}.txt")).is_file()
                    || sources.join(format!("{id}.json")).is_file()
            };
            while taken.contains(&id) || self.project.docs.contains_key(&id) || on_disk(&id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            taken.insert(id.clone());
            hashes.insert(sha.clone(), (id.clone(), p.path.clone()));
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
            for m in &p.speaker_cases {
                if p.speakers.contains(&m.label) && !speaker_cases.contains_key(&m.label) {
                    speaker_cases.insert(m.label.clone(), m.case.clone());
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
                segmentation: p.segmentation,
                guid: p.guid,
            };
            if !p.words.is_empty() {
                words.push((doc.id.clone(), p.words));
            }
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
        // Inside the import's transaction: an error or a crash part-way takes every file back.
        let result = (|| {
            if cases_changed {
                fsio::write_json(&self.project.root.join(CASES_FILE), &cases)?;
            }
            for (doc, _, text) in &new_docs {
                let tp = self.project.source_text_path(&doc.id);
                fsio::write_atomic(&tp, text.as_bytes())?;
            }
            for (id, list) in &words {
                let Some((doc, _, _)) = new_docs.iter().find(|(d, _, _)| &d.id == id) else {
                    continue;
                };
                let wp = self.project.source_words_path(id);
                fsio::write_json(
                    &wp,
                    &crate::model::WordTimes {
                        text_sha256: doc.text_sha256.clone(),
                        words: list.clone(),
                    },
                )?;
            }
            // Metadata last: a document exists once its .json is there.
            for (doc, turns, _) in &new_docs {
                let mp = self.project.source_meta_path(&doc.id);
                fsio::write_json(&mp, &DocumentFile { doc, turns })?;
            }
            Ok(())
        })();
        result?;
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
        self.atomically(|s| s.set_case_attrs_now(case, attrs))
    }

    /// The change itself, inside the transaction its public form opens.
    fn set_case_attrs_now(&mut self, case: &str, attrs: &[(String, String)]) -> Result<()> {
        if case.trim().is_empty() {
            return Err(Error::invalid("a case needs a name: give one, e.g. F01"));
        }
        if let Some((k, _)) = attrs.iter().find(|(k, _)| k.trim().is_empty()) {
            return Err(Error::invalid(format!(
                "an attribute needs a name before '=' ({k:?} given): write NAME=VALUE"
            )));
        }
        let mut cases = self.project.cases.clone();
        if cases.upsert(case, attrs) {
            self.save_cases(cases)?;
        }
        Ok(())
    }

    /// Maps a speaker label of a document to a case (creating the case), or removes the
    /// mapping with `None`. Returns the label as the transcript spells it.
    pub fn map_speaker(&mut self, doc: &str, label: &str, case: Option<&str>) -> Result<String> {
        let id = self.project.find_doc(doc)?.id.clone();
        // The mapping and a new case are one step: undo takes back both.
        self.group(&format!("map a speaker of {id}"), |s| {
            s.map_speaker_now(&id, label, case)
        })
    }

    /// The change itself, inside the transaction its public form opens.
    fn map_speaker_now(&mut self, doc: &str, label: &str, case: Option<&str>) -> Result<String> {
        let d = self.project.find_doc(doc)?.clone();
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
        let mut label = DocumentLabel::of(&d);
        match case {
            Some(c) if c.trim().is_empty() => return Err(Error::invalid("the case needs a name")),
            Some(c) => {
                label.speaker_cases.insert(found.clone(), c.to_string());
            }
            None => {
                label.speaker_cases.remove(&found);
            }
        }
        self.relabel_document_now(&d.id, label)?;
        Ok(found)
    }

    /// Writes a document's `sources/<id>.json`: its metadata with this turn table (atomically).
    pub(super) fn write_meta(&self, d: &Document, turns: &[Turn]) -> Result<()> {
        fsio::write_json(
            &self.project.source_meta_path(&d.id),
            &DocumentFile { doc: d, turns },
        )
    }

    /// Gives a document a new turn table over the same text (found with `segmentation`); its
    /// text and codings do not change. One undoable step; one atomic write of its metadata.
    pub fn set_turns(
        &mut self,
        doc: &str,
        segmentation: crate::model::Segmentation,
        turns: Vec<Turn>,
    ) -> Result<()> {
        self.atomically(|s| s.set_turns_now(doc, segmentation, turns))
    }

    /// The change itself, inside the transaction its public form opens.
    fn set_turns_now(
        &mut self,
        doc: &str,
        segmentation: crate::model::Segmentation,
        turns: Vec<Turn>,
    ) -> Result<()> {
        let mut d = self.project.find_doc(doc)?.clone();
        if let Some(t) = turns.iter().find(|t| t.end > d.chars || t.start > t.end) {
            return Err(Error::invalid(format!(
                "turn {} does not fit {} ({} chars)",
                t.number, d.id, d.chars
            )));
        }
        let old_turns = self.project.turns(&d.id)?;
        let old_segmentation = std::mem::replace(&mut d.segmentation, segmentation);
        d.speakers = crate::model::speaker_turns(&turns)
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        d.turn_count = turns.len();
        self.write_meta(&d, &turns)?;
        let id = d.id.clone();
        self.project.docs.insert(id.clone(), d);
        self.project.forget_turns(&id);
        self.record(
            &format!("resegment {id}"),
            Op::Turns {
                doc: id,
                segmentation: old_segmentation,
                turns: old_turns.to_vec(),
            },
        );
        Ok(())
    }

    /// Replaces all cases (one undoable step).
    pub fn replace_cases(&mut self, cases: Cases) -> Result<()> {
        self.atomically(|s| s.replace_cases_now(cases))
    }

    /// The change itself, inside the transaction its public form opens.
    fn replace_cases_now(&mut self, cases: Cases) -> Result<()> {
        self.save_cases(cases)
    }

    /// Writes `cases`, recording `before` as what an undo puts back (a change that touched the
    /// cases several times undoes to where it began).
    pub(crate) fn save_cases_since(
        &mut self,
        cases: Cases,
        before: Cases,
        label: &str,
    ) -> Result<()> {
        fsio::write_json(&self.project.root.join(CASES_FILE), &cases)?;
        self.project.cases = cases;
        self.record(label, Op::Cases { cases: before });
        Ok(())
    }

    pub(crate) fn save_cases(&mut self, cases: Cases) -> Result<()> {
        fsio::write_json(&self.project.root.join(CASES_FILE), &cases)?;
        let old = std::mem::replace(&mut self.project.cases, cases);
        self.record("change cases", Op::Cases { cases: old });
        Ok(())
    }

    /// Replaces the name register (one undoable step).
    pub fn save_names(&mut self, names: crate::model::names::Names) -> Result<()> {
        self.atomically(|s| s.save_names_now(names))
    }

    /// The change itself, inside the transaction its public form opens.
    fn save_names_now(&mut self, names: crate::model::names::Names) -> Result<()> {
        let root = self.project.root.clone();
        crate::store::register::write(&root, &mut self.project.config, &names)?;
        let old = std::mem::replace(&mut self.project.names, names);
        self.record("change the name register", Op::Names { names: old });
        Ok(())
    }

    /// Seals `names.json` as it is now, after it was edited, restored or emptied outside koda
    /// and checked by the researcher; returns how many names it holds.
    pub fn accept_names(&mut self) -> Result<usize> {
        self.atomically(|s| s.accept_names_now())
    }

    /// The change itself, inside the transaction its public form opens.
    fn accept_names_now(&mut self) -> Result<usize> {
        let root = self.project.root.clone();
        let n = crate::store::register::accept(&root, &mut self.project.config)?;
        self.project.names = fsio::read_json(&root.join(crate::store::NAMES_FILE))?;
        Ok(n)
    }
}
