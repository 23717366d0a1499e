//! Memos: on the project, a document, a code or a coding; written, rewritten and removed the
//! same way from both front ends.

use crate::model::{Memo, MemoTarget};
use crate::store::{Project, Session};
use crate::{Error, Result};

/// What a memo is about, as the user names it (the first one given wins; none: the project).
#[derive(Debug, Clone, Default)]
pub struct About {
    /// A document (id, title or part).
    pub doc: Option<String>,
    /// A code (path, name or id).
    pub code: Option<String>,
    /// A coding, by id.
    pub coding: Option<String>,
}

/// Resolves what a memo is about.
pub fn target(project: &Project, about: &About) -> Result<MemoTarget> {
    Ok(if let Some(d) = &about.doc {
        MemoTarget::Document(project.find_doc(d)?.id.clone())
    } else if let Some(c) = &about.code {
        MemoTarget::Code(project.codebook.find(c)?.id.clone())
    } else if let Some(c) = &about.coding {
        if !project.codings.contains_key(c) {
            return Err(Error::NotFound(format!(
                "no coding {c:?} in the project; see the ids in `koda excerpts`"
            )));
        }
        MemoTarget::Coding(c.clone())
    } else {
        MemoTarget::Project
    })
}

/// Writes a memo: a new one (`id` `None`) or the memo `id` rewritten, about `target`.
pub fn save(
    session: &mut Session,
    id: Option<&str>,
    target: MemoTarget,
    text: &str,
) -> Result<Memo> {
    session.set_memo(id, target, text)
}

/// Writes a new memo.
pub fn add(session: &mut Session, target: MemoTarget, text: &str) -> Result<Memo> {
    session.set_memo(None, target, text)
}

/// Rewrites a memo's text, keeping what it is about.
pub fn edit(session: &mut Session, id: &str, text: &str) -> Result<Memo> {
    let target = session
        .project()
        .memos
        .get(id)
        .map(|m| m.target.clone())
        .ok_or_else(|| Error::NotFound(format!("no memo {id:?}; see `koda memos`")))?;
    session.set_memo(Some(id), target, text)
}

/// Removes a memo.
pub fn remove(session: &mut Session, id: &str) -> Result<Memo> {
    session.remove_memo(id)
}

/// What a memo's target is called in lists: `document X`, `code a/b`, `coding ID`, `project`.
pub fn target_label(p: &Project, t: &MemoTarget) -> String {
    match t {
        MemoTarget::Document(d) => format!("document {d}"),
        MemoTarget::Code(c) => match p.codebook.get(c) {
            Some(_) => format!("code {}", p.codebook.path(c)),
            None => format!("code {c} (deleted)"),
        },
        MemoTarget::Coding(c) => format!("coding {c}"),
        MemoTarget::Project => "project".into(),
    }
}
