//! Choosing the report's quotes: pinning excerpts (in the order the report quotes them),
//! unpinning them, and trimming a pinned quote to a report form. Both front ends pin through
//! here.

use crate::Result;
use crate::model::Pin;
use crate::store::Session;

/// Which excerpts a change is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Excerpts {
    /// These, by coding id, in this order.
    Ids(Vec<String>),
    /// Those with this very code (not its sub-codes), in this document, that take in this
    /// turn; each part left out means any.
    At {
        /// The code (path, name or id).
        code: Option<String>,
        /// The document (id, title or part).
        doc: Option<String>,
        /// A turn number the excerpt starts in, ends in or spans.
        turn: Option<usize>,
    },
}

impl Excerpts {
    /// The coding ids meant, in document order for [`Excerpts::At`]; none is an error that says
    /// where to look.
    pub fn resolve(&self, project: &crate::store::Project) -> Result<Vec<String>> {
        let (code, doc, turn) = match self {
            Excerpts::Ids(ids) if ids.is_empty() => {
                return Err(crate::Error::invalid(
                    "name the excerpts by id (as `koda excerpts` shows them) or by --code, --doc and --turn",
                ));
            }
            Excerpts::Ids(ids) => return Ok(ids.clone()),
            Excerpts::At { code, doc, turn } => (code, doc, turn),
        };
        if code.is_none() && doc.is_none() {
            return Err(crate::Error::invalid(
                "name the excerpts by id, or give --code or --doc (with --turn) to say where they are",
            ));
        }
        let filter = crate::analysis::ExcerptFilter {
            codes: project.codebook.find_ids(code.as_slice())?,
            docs: project.find_doc_ids(doc.as_slice())?,
            ..Default::default()
        };
        let mut found = crate::analysis::excerpts(project, &filter)?;
        found.retain(|e| turn.is_none_or(|t| e.turn <= t && t <= e.turn_end));
        found.sort_by_key(|e| (e.doc.clone(), e.start, e.end));
        if found.is_empty() {
            return Err(crate::Error::NotFound(format!(
                "no excerpt{}{}{}; `koda excerpts` lists them with their ids",
                code.as_ref()
                    .map(|c| format!(" of {c}"))
                    .unwrap_or_default(),
                doc.as_ref().map(|d| format!(" in {d}")).unwrap_or_default(),
                turn.map(|t| format!(" at turn {t}")).unwrap_or_default(),
            )));
        }
        Ok(found.into_iter().map(|e| e.coding).collect())
    }
}

/// A change to the pinned excerpts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Pin these, in this order, after those pinned already.
    Pin(Excerpts),
    /// Unpin these.
    Unpin(Excerpts),
    /// Pin the coding if it is not pinned, else unpin it (a key in the TUI).
    Toggle(String),
    /// Give one excerpt this report form (it is pinned too), or take its form away.
    Form(Excerpts, Option<String>),
}

/// What a change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The pins made or changed.
    pub pinned: Vec<Pin>,
    /// The pins taken away.
    pub unpinned: Vec<Pin>,
}

impl Report {
    /// The change in words, for a status line or the terminal.
    pub fn describe(&self) -> String {
        let n = |k: usize| {
            if k == 1 {
                "an excerpt".to_string()
            } else {
                format!("{k} excerpts")
            }
        };
        match (self.pinned.as_slice(), self.unpinned.len()) {
            ([one], 0) if one.form.is_some() => {
                format!(
                    "excerpt {} has a report form: {}",
                    one.coding,
                    one.form.as_deref().unwrap_or("")
                )
            }
            (pinned, 0) => format!("pinned {} for the report", n(pinned.len())),
            ([], k) => format!("unpinned {}", n(k)),
            (pinned, k) => format!("pinned {}, unpinned {}", n(pinned.len()), n(k)),
        }
    }
}

/// Makes a change to the pinned excerpts (one step `koda undo` takes back).
pub fn change(session: &mut Session, change: &Change) -> Result<Report> {
    let (pinned, unpinned) = match change {
        Change::Pin(which) => (session.pin(&which.resolve(session.project())?)?, Vec::new()),
        Change::Unpin(which) => (
            Vec::new(),
            session.unpin(&which.resolve(session.project())?)?,
        ),
        Change::Toggle(id) => {
            let on = session.project().pinned().iter().any(|p| p.coding == *id);
            let ids = std::slice::from_ref(id);
            if on {
                (Vec::new(), session.unpin(ids)?)
            } else {
                (session.pin(ids)?, Vec::new())
            }
        }
        Change::Form(which, form) => {
            let id = match which.resolve(session.project())?.as_slice() {
                [one] => one.clone(),
                many => {
                    return Err(crate::Error::invalid(format!(
                        "a report form is for one excerpt; {} are there ({}): give its id",
                        many.len(),
                        many.join(", ")
                    )));
                }
            };
            (
                vec![session.set_report_form(&id, form.as_deref())?],
                Vec::new(),
            )
        }
    };
    Ok(Report { pinned, unpinned })
}
