//! Coding and uncoding: a passage named by document, code and selection (a turn, a range, the
//! place of some words), or the span a reader selected; removing codings by id, by autocoding
//! run, or by place. Both front ends code through here.

use crate::model::Coding;
use crate::store::Session;
use crate::store::project::Selection;
use crate::{Error, Result};

/// A passage to code.
#[derive(Debug, Clone)]
pub struct Request {
    /// The document: id, title or an unambiguous part of either.
    pub doc: String,
    /// The code: path, name or id.
    pub code: String,
    /// What to code.
    pub selection: Selection,
    /// A memo to keep with each coding.
    pub memo: Option<String>,
}

/// Codes what `req` names; returns the codings made.
pub fn code(session: &mut Session, req: &Request) -> Result<Vec<Coding>> {
    let p = session.project();
    let doc = p.find_doc(&req.doc)?.clone();
    let code = p.codebook.find(&req.code)?.id.clone();
    let spans = p.resolve_selection(&doc, &req.selection)?;
    session.add_codings(&doc.id, &code, &spans, req.memo.as_deref())
}

/// Codes a span (chars) of a document with a code, both named by id, as a reader selects it.
/// A selection never takes in speaker labels or time stamps: it is cut to the text of each
/// turn it touches (one coding per turn, space at either end left out).
pub fn code_span(
    session: &mut Session,
    doc: &str,
    code: &str,
    (start, end): (usize, usize),
) -> Result<Vec<Coding>> {
    let spans = turn_pieces(session.project(), doc, (start, end))?;
    if spans.is_empty() {
        return Err(Error::invalid(
            "the selection holds only speaker labels, time stamps or space: nothing to code",
        ));
    }
    session.add_codings(doc, code, &spans, None)
}

/// The parts of a span that lie in the text of turns (labels and stamps between turns left
/// out), each without the space at its ends.
pub fn turn_pieces(
    p: &crate::store::Project,
    doc: &str,
    (start, end): (usize, usize),
) -> Result<Vec<(usize, usize)>> {
    let text = p.text(doc)?;
    let turns = p.turns(doc)?;
    let mut out = Vec::new();
    for t in turns.iter().filter(|t| t.start < end && start < t.end) {
        let (a, b) = (start.max(t.start), end.min(t.end));
        let (a, b) = crate::model::text::trim_span(&text, a, b);
        if a < b {
            out.push((a, b));
        }
    }
    Ok(out)
}

/// Which codings to remove.
#[derive(Debug, Clone)]
pub enum Uncode {
    /// These codings, by id.
    Ids(Vec<String>),
    /// Every coding an autocoding run made.
    Run(String),
    /// The codings of a code that overlap a selection of a document (the whole document when
    /// `None`), this coder's only unless `any_coder`.
    Place {
        /// The document (id, title or part).
        doc: String,
        /// The code (path, name or id).
        code: String,
        /// Where.
        selection: Option<Selection>,
        /// Other coders' codings too.
        any_coder: bool,
    },
}

/// Removes codings; returns what was removed. Removing nothing is an error that says why.
pub fn uncode(session: &mut Session, what: &Uncode) -> Result<Vec<Coding>> {
    let ids = match what {
        Uncode::Ids(ids) => ids.clone(),
        Uncode::Run(run) => return session.remove_batch(run),
        Uncode::Place {
            doc,
            code,
            selection,
            any_coder,
        } => {
            let p = session.project();
            let doc = p.find_doc(doc)?.clone();
            let code = p.codebook.find(code)?.id.clone();
            let spans = match selection {
                Some(sel) => p.resolve_selection(&doc, sel)?,
                None => vec![(0, doc.chars)],
            };
            let coder = session.coder();
            let ids: Vec<String> = p
                .codings_of_doc(&doc.id)
                .iter()
                .filter(|c| c.code == code && (*any_coder || c.coder == coder))
                .filter(|c| spans.iter().any(|&(st, en)| c.start < en && st < c.end))
                .map(|c| c.id.clone())
                .collect();
            if ids.is_empty() {
                return Err(Error::NotFound(format!(
                    "no coding of {} by {} there in {:?}{}",
                    p.codebook.path(&code),
                    if *any_coder { "anyone" } else { coder },
                    doc.id,
                    if *any_coder {
                        ""
                    } else {
                        " (add --any-coder to include other coders)"
                    }
                )));
            }
            ids
        }
    };
    session.remove_codings(&ids)
}
