//! Named sets of codes and documents ("wave 1 interviews", "codes for the report"): made,
//! filled, emptied and removed, each change one undoable step. A set narrows excerpts,
//! summaries, reports and tables through `--where set=NAME` (see [`crate::analysis`]).

use crate::Result;
use crate::model::sets::Set;
use crate::store::{Project, Session};

/// A set as listed: its members by path and document id, as they stand now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Listed {
    /// The set's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Member codes, by path.
    pub codes: Vec<String>,
    /// Member documents, by id.
    pub docs: Vec<String>,
}

/// Every set, members resolved (merged codes followed; deleted codes and removed documents
/// left out).
pub fn list(p: &Project) -> Vec<Listed> {
    p.codebook
        .sets
        .iter()
        .map(|s: &Set| Listed {
            id: s.id.clone(),
            name: s.name.clone(),
            description: s.description.clone(),
            codes: p
                .codebook
                .set_codes(s)
                .iter()
                .map(|c| p.codebook.path(c))
                .collect(),
            docs: s
                .docs
                .iter()
                .filter(|d| p.docs.contains_key(*d))
                .cloned()
                .collect(),
        })
        .collect()
}

/// Makes an empty set; returns its id.
pub fn add(session: &mut Session, name: &str, description: &str) -> Result<String> {
    session.edit_codebook("add a set", |cb| cb.add_set(name, description))
}

fn members(
    session: &Session,
    codes: &[String],
    docs: &[String],
) -> Result<(Vec<String>, Vec<String>)> {
    let p = session.project();
    Ok((p.codebook.find_ids(codes)?, p.find_doc_ids(docs)?))
}

/// Puts codes (paths or ids) and documents (ids or titles) into a set; returns how many were
/// not in it before.
pub fn put(session: &mut Session, set: &str, codes: &[String], docs: &[String]) -> Result<usize> {
    let (codes, docs) = members(session, codes, docs)?;
    session.edit_codebook("fill a set", |cb| cb.add_to_set(set, &codes, &docs))
}

/// Takes codes and documents out of a set; returns how many were in it.
pub fn take(session: &mut Session, set: &str, codes: &[String], docs: &[String]) -> Result<usize> {
    let (codes, docs) = members(session, codes, docs)?;
    session.edit_codebook("empty a set", |cb| cb.remove_from_set(set, &codes, &docs))
}

/// Removes a set; its codes and documents stay.
pub fn remove(session: &mut Session, set: &str) -> Result<()> {
    session.edit_codebook("remove a set", |cb| cb.remove_set(set).map(|_| ()))
}
