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
