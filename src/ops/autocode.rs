//! Autocoding: code every hit of a search with one code, by the unit the researcher chose.
//!
//! One implementation for both front ends. [`plan`] runs the query over *all* hits (or the
//! hits the researcher marked), widens each to its unit (the matched words, joined when a phrase;
//! the sentence; the turn), snaps it to whole graphemes and leaves out passages this coder has
//! already coded with this code; [`apply`] codes the plan in one durable, undoable write.

use crate::Result;
use crate::index::{Hit, SearchIndex, Unit, spans_for};
use crate::store::{Project, Session};
use std::collections::HashSet;

/// Which hits of the query to code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every hit of the query.
    All,
    /// Only these hits (the ones marked in a result list), each named by document and turn.
    Turns(Vec<(String, usize)>),
}

/// What autocoding is asked to do.
#[derive(Debug, Clone)]
pub struct Request {
    /// The query, as for search.
    pub query: String,
    /// The code's id.
    pub code: String,
    /// How much around each hit to code.
    pub unit: Unit,
    /// Which hits.
    pub scope: Scope,
}

/// One passage a plan would code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// Document id.
    pub doc: String,
    /// Start (chars).
    pub start: usize,
    /// End (chars).
    pub end: usize,
    /// The turn it lies in.
    pub turn: usize,
    /// The words it codes.
    pub text: String,
}

/// What autocoding would do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The code's id.
    pub code: String,
    /// The code's path, for messages.
    pub code_path: String,
    /// Turns the query matched (before the scope was applied).
    pub hits: usize,
    /// Passages to code, in document order.
    pub passages: Vec<Passage>,
    /// Passages left out because this coder already coded them with this code.
    pub already: usize,
}

/// What an applied plan did.
#[derive(Debug, Clone)]
pub struct Report {
    /// Codings made.
    pub coded: usize,
    /// Documents they lie in.
    pub documents: usize,
    /// The run's batch id (`koda uncode --batch` removes it).
    pub run: String,
    /// Passages already coded and left alone.
    pub already: usize,
}

/// Plans an autocoding run over the current index of `project` for `coder`.
pub fn plan(project: &Project, index: &SearchIndex, coder: &str, req: &Request) -> Result<Plan> {
    let code_path = project.codebook.path(&req.code);
    let res = index.search(project, &req.query, None)?;
    let chosen: Vec<&Hit> = match &req.scope {
        Scope::All => res.hits.iter().collect(),
        Scope::Turns(turns) => {
            let wanted: HashSet<(&str, usize)> =
                turns.iter().map(|(d, t)| (d.as_str(), *t)).collect();
            res.hits
                .iter()
                .filter(|h| wanted.contains(&(h.doc.as_str(), h.turn)))
                .collect()
        }
    };
    let mut seen: HashSet<(String, usize, usize)> = project
        .codings
        .values()
        .filter(|c| c.code == req.code && c.coder == coder)
        .map(|c| (c.doc.clone(), c.start, c.end))
        .collect();
    let mut passages = Vec::new();
    let mut already = 0;
    for h in chosen {
        let text = project.text(&h.doc)?;
        let ix = project.char_index(&h.doc)?;
        for (x, y) in spans_for(h, req.unit, &text, &ix) {
            let (x, y) = ix.snap(&text, x, y);
            if x >= y {
                continue;
            }
            if seen.insert((h.doc.clone(), x, y)) {
                passages.push(Passage {
                    doc: h.doc.clone(),
                    start: x,
                    end: y,
                    turn: h.turn,
                    // Through the text's index: walking from its start for every passage made
                    // planning quadratic in a document's length.
                    text: ix.slice(&text, x, y).to_string(),
                });
            } else {
                already += 1;
            }
        }
    }
    passages.sort_by_key(|p| (project.docs.get(&p.doc).map_or(0, |d| d.seq), p.start));
    Ok(Plan {
        code: req.code.clone(),
        code_path,
        hits: res.total,
        passages,
        already,
    })
}

/// Codes a plan's passages in one durable write, as one undoable step.
pub fn apply(session: &mut Session, plan: &Plan, memo: Option<&str>) -> Result<Report> {
    let spans: Vec<(String, usize, usize)> = plan
        .passages
        .iter()
        .map(|p| (p.doc.clone(), p.start, p.end))
        .collect();
    let run = crate::model::ids::new_id("a");
    let label = format!("autocode {}", plan.code_path);
    let made = session.group(&label, |s| {
        s.add_codings_in(&plan.code, &spans, memo, Some(&run))
    })?;
    let docs: HashSet<&str> = made.iter().map(|c| c.doc.as_str()).collect();
    Ok(Report {
        coded: made.len(),
        documents: docs.len(),
        run,
        already: plan.already,
    })
}
