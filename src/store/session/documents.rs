//! Fixing a document after import: its title, type, case, metadata and the cases of its
//! speakers.

use super::*;

/// What a document is called and filed as: the fields `koda docs rename` and `koda docs set`
/// change, and undo puts back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DocumentLabel {
    /// The title.
    pub title: String,
    /// The document type.
    pub kind: crate::model::DocKind,
    /// The case, if any.
    pub case: Option<String>,
    /// The metadata.
    pub metadata: std::collections::BTreeMap<String, String>,
    /// Speaker labels mapped to cases.
    pub speaker_cases: std::collections::BTreeMap<String, String>,
}

impl DocumentLabel {
    /// A document's label as it is.
    pub fn of(d: &Document) -> DocumentLabel {
        DocumentLabel {
            title: d.title.clone(),
            kind: d.kind,
            case: d.case.clone(),
            metadata: d.metadata.clone(),
            speaker_cases: d.speaker_cases.clone(),
        }
    }
}

impl Session {
    /// Gives a document a new title, type, case or metadata (a new case is created), as one
    /// undoable step and one atomic write of its metadata. Its text, turns and codings do not
    /// change. A title another document has, or that names another document, is refused.
    pub fn relabel_document(&mut self, doc: &str, label: DocumentLabel) -> Result<()> {
        let id = self.project.find_doc(doc)?.id.clone();
        // A new case is a change of the cases too: one step with the document's.
        self.group(&format!("change document {id}"), |s| {
            s.relabel_document_now(&id, label)
        })
    }

    /// The change itself, inside the transaction its public form opens.
    pub(super) fn relabel_document_now(&mut self, doc: &str, label: DocumentLabel) -> Result<()> {
        let mut d = self.project.find_doc(doc)?.clone();
        let title = label.title.trim();
        if title.is_empty() {
            return Err(Error::invalid(format!("{}: a title cannot be empty", d.id)));
        }
        // Only a new title is checked: documents imported under one title keep it.
        if title != d.title
            && let Some(other) = self
                .project
                .docs
                .values()
                .find(|o| o.id != d.id && (o.title == title || o.id == title))
        {
            return Err(Error::invalid(format!(
                "document {} is already called {title:?}: choose another title",
                other.id
            )));
        }
        if label.case.as_deref().is_some_and(|c| c.trim().is_empty()) {
            return Err(Error::invalid("the case needs a name"));
        }
        if let Some((k, _)) = label.metadata.iter().find(|(k, _)| k.trim().is_empty()) {
            return Err(Error::invalid(format!(
                "metadata needs a key: {k:?} is empty"
            )));
        }
        let old = DocumentLabel::of(&d);
        let new = DocumentLabel {
            title: title.to_string(),
            ..label
        };
        if old == new {
            return Ok(());
        }
        let mut cases = self.project.cases.clone();
        let mut added = false;
        for c in new.case.iter().chain(new.speaker_cases.values()) {
            added |= cases.upsert(c, &[]);
        }
        if added {
            self.save_cases(cases)?;
        }
        d.title = new.title;
        d.kind = new.kind;
        d.case = new.case;
        d.metadata = new.metadata;
        d.speaker_cases = new.speaker_cases;
        let turns = self.project.turns(&d.id)?;
        self.write_meta(&d, &turns)?;
        let id = d.id.clone();
        self.project.docs.insert(id.clone(), d);
        self.record(
            &format!("change document {id}"),
            Op::Label {
                doc: id,
                label: old,
            },
        );
        Ok(())
    }
}

impl Session {
    /// Removes a document with its codings and the memos on it and on its codings, as one
    /// undoable step: `koda undo` brings back its files byte for byte, its codings (same
    /// spans, codes, coders, memos) and its memos. Returns the document's id and how many
    /// codings went with it.
    pub fn remove_document(&mut self, doc: &str) -> Result<(String, usize)> {
        let id = self.project.find_doc(doc)?.id.clone();
        self.group(&format!("remove document {id}"), |s| {
            s.remove_document_now(&id)
        })
    }

    /// The change itself, inside the transaction its public form opens.
    fn remove_document_now(&mut self, id: &str) -> Result<(String, usize)> {
        let d = self.project.find_doc(id)?.clone();
        let codings: Vec<String> = self
            .project
            .codings
            .values()
            .filter(|c| c.doc == d.id)
            .map(|c| c.id.clone())
            .collect();
        let memos: Vec<String> = self
            .project
            .memos
            .values()
            .filter(|m| match &m.target {
                MemoTarget::Document(x) => *x == d.id,
                MemoTarget::Coding(c) => codings.contains(c),
                _ => false,
            })
            .map(|m| m.id.clone())
            .collect();
        // Recorded in this order, undone in the other: the document, then its codings, then
        // the memos on them.
        for m in &memos {
            self.remove_memo(m)?;
        }
        if !codings.is_empty() {
            self.remove_codings(&codings)?;
        }
        let mut files = Vec::new();
        for path in self.project.source_files(&d) {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            files.push((name, text));
        }
        for path in self.project.source_files(&d) {
            fsio::remove(&path)?;
        }
        self.project.forget_turns(&d.id);
        self.project.docs.remove(&d.id);
        self.record(
            &format!("remove document {}", d.id),
            Op::RestoreDocument {
                doc: Box::new(d.clone()),
                files,
            },
        );
        Ok((d.id, codings.len()))
    }

    /// Puts a removed document's files back (undo of [`Session::remove_document`]).
    pub(crate) fn restore_document(
        &mut self,
        d: Document,
        files: &[(String, String)],
    ) -> Result<()> {
        self.atomically(|s| {
            if s.project.docs.contains_key(&d.id) {
                return Err(Error::invalid(format!(
                    "a document {} is in the project again; the removed one cannot come back",
                    d.id
                )));
            }
            let dir = s.project.root.join(SOURCES_DIR);
            for (name, text) in files {
                fsio::write_atomic(&dir.join(name), text.as_bytes())?;
            }
            // The history keeps no turn count (it is the turn table's length): count the
            // turns of the metadata file that came back.
            let mut d = d;
            let meta = format!("{}.json", d.id);
            if let Some((_, text)) = files.iter().find(|(name, _)| *name == meta) {
                let table: crate::model::TurnTable = serde_json::from_str(text).map_err(|e| {
                    Error::invalid(format!(
                        "the undo history's copy of {meta} is unreadable: {e}"
                    ))
                })?;
                d.turn_count = table.turns.len();
            }
            let id = d.id.clone();
            s.project.docs.insert(id.clone(), d);
            s.project.forget_turns(&id);
            s.record(
                &format!("remove document {id}"),
                Op::RemoveDocument { doc: id },
            );
            Ok(())
        })
    }
}
