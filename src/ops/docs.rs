//! Documents after import: renaming one, changing its type, case or metadata, removing one.

use crate::model::DocKind;
use crate::store::{DocumentLabel, Session};
use crate::{Error, Result};

/// What `koda docs set` (or the Documents view) changes; `None` and empty lists leave a field
/// as it is.
#[derive(Debug, Default, Clone)]
pub struct Change {
    /// A new title.
    pub title: Option<String>,
    /// A new type (`interview`, `focus-group`, `field-note`, `other`).
    pub kind: Option<String>,
    /// A new case.
    pub case: Option<String>,
    /// Take the document out of its case.
    pub no_case: bool,
    /// Metadata to set, `KEY=VALUE`.
    pub meta: Vec<(String, String)>,
    /// Metadata keys to remove; each must be set.
    pub unmeta: Vec<String>,
}

/// Changes a document's title, type, case or metadata as one undoable step; returns its id.
pub fn change(session: &mut Session, doc: &str, change: &Change) -> Result<String> {
    let d = session.project().find_doc(doc)?;
    let id = d.id.clone();
    let mut label = DocumentLabel::of(d);
    if let Some(t) = &change.title {
        label.title = t.clone();
    }
    if let Some(k) = &change.kind {
        label.kind = k.parse::<DocKind>().map_err(Error::invalid)?;
    }
    if change.no_case && change.case.is_some() {
        return Err(Error::invalid("--case and --no-case: give one of them"));
    }
    if let Some(c) = &change.case {
        label.case = Some(c.trim().to_string());
    }
    if change.no_case {
        label.case = None;
    }
    for k in &change.unmeta {
        if label.metadata.remove(k).is_none() {
            return Err(Error::NotFound(format!(
                "{id} has no metadata {k:?}; it has: {}",
                if d.metadata.is_empty() {
                    "(none)".to_string()
                } else {
                    d.metadata.keys().cloned().collect::<Vec<_>>().join(", ")
                }
            )));
        }
    }
    for (k, v) in &change.meta {
        label.metadata.insert(k.trim().to_string(), v.clone());
    }
    session.relabel_document(&id, label)?;
    Ok(id)
}

/// What removing a document would take with it: its id, title and how many codings.
pub fn removal(session: &Session, doc: &str) -> Result<(String, String, usize)> {
    let d = session.project().find_doc(doc)?;
    let codings = session
        .project()
        .codings
        .values()
        .filter(|c| c.doc == d.id)
        .count();
    Ok((d.id.clone(), d.title.clone(), codings))
}

/// Removes a document with its codings and the memos on them, as one undoable step; returns
/// its id and how many codings went.
pub fn remove(session: &mut Session, doc: &str) -> Result<(String, usize)> {
    session.remove_document(doc)
}
