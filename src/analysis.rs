//! Retrieval and counting over a loaded project: coded excerpts and code frequencies.
//!
//! Pure functions of a [`Project`]; formatting is left to the callers (CLI, exports).

pub mod agreement;
pub mod names;
pub mod stats;

use crate::model::MemoTarget;
use crate::model::text::quote_hash;
use crate::store::Project;
use crate::{Error, Result};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One coded passage with everything needed to cite it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excerpt {
    /// The coding's id.
    pub coding: String,
    /// The code's id.
    pub code: String,
    /// The code's full path.
    pub code_path: String,
    /// The document's id.
    pub doc: String,
    /// The document's title.
    pub doc_title: String,
    /// The document's type.
    pub doc_type: String,
    /// The document's case, if any.
    pub case: Option<String>,
    /// The turn in which the passage starts.
    pub turn: usize,
    /// The turn in which it ends (equal to `turn` for a passage within one turn).
    pub turn_end: usize,
    /// The speaker of the starting turn.
    pub speaker: Option<String>,
    /// 1-based line of the normalised text on which the passage starts.
    pub line: usize,
    /// Line on which it ends.
    pub line_end: usize,
    /// Start (chars).
    pub start: usize,
    /// End (chars, exclusive).
    pub end: usize,
    /// The quoted text.
    pub text: String,
    /// Who coded it.
    pub coder: String,
    /// When.
    pub at: String,
    /// The memo written with the coding.
    pub memo: Option<String>,
    /// Texts of memos attached to the coding afterwards.
    pub memos: Vec<String>,
    /// True when the text under the span no longer matches the coding's hash.
    pub stale: bool,
    /// Its place among the pinned excerpts (1 for the first), when it is pinned for the report.
    pub pinned: Option<usize>,
    /// The form it takes in the report (parts left out, marked `(...)`), when it has one and
    /// it still fits the coded words.
    pub form: Option<String>,
    /// The case's attributes merged with the document's metadata (metadata wins on a clash).
    pub attributes: BTreeMap<String, String>,
}

/// Which excerpts to retrieve.
#[derive(Debug, Clone, Default)]
pub struct ExcerptFilter {
    /// Code ids; empty means all codes.
    pub codes: Vec<String>,
    /// Include codings of sub-codes of the given codes.
    pub include_subcodes: bool,
    /// Document ids; empty means all documents.
    pub docs: Vec<String>,
    /// Coders; empty means all coders.
    pub coders: Vec<String>,
    /// `KEY=VALUE` conditions each excerpt meets: its coder, document type, document (id or
    /// title), case, speaker or an attribute equals the value, in any case; conditions on one
    /// key are alternatives, on different keys all must hold.
    pub wheres: Vec<(String, String)>,
    /// Only excerpts pinned for the report, by code in the order they were pinned.
    pub pinned_only: bool,
    /// Codes (ids, each with its sub-codes) whose codings an excerpt must overlap, every one
    /// of them: the quote is the passage where they all meet (`--and`).
    pub and: Vec<String>,
    /// Codes (ids, each with its sub-codes) whose codings an excerpt must not overlap (`--not`).
    pub not: Vec<String>,
}

/// Coding spans (start, end, coding id) by document.
type SpansByDoc = BTreeMap<String, Vec<(usize, usize, String)>>;

/// The spans of each document's codings with a code of `codes` or their sub-codes.
fn spans_of(project: &Project, codes: &[String]) -> SpansByDoc {
    let set: BTreeSet<String> = codes
        .iter()
        .flat_map(|c| project.codebook.subtree(c))
        .collect();
    let mut out = SpansByDoc::new();
    for c in project.codings.values().filter(|c| set.contains(&c.code)) {
        out.entry(c.doc.clone())
            .or_default()
            .push((c.start, c.end, c.id.clone()));
    }
    out
}

/// Where `span` meets the other codings in `with` (sorted, overlapping pieces joined).
fn meeting(
    span: (usize, usize),
    own: &str,
    with: &[(usize, usize, String)],
) -> Vec<(usize, usize)> {
    let mut pieces: Vec<(usize, usize)> = with
        .iter()
        .filter(|(s, e, id)| id != own && *s < span.1 && span.0 < *e)
        .map(|(s, e, _)| ((*s).max(span.0), (*e).min(span.1)))
        .collect();
    pieces.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (s, e) in pieces {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// The keys a `--where` condition may name beside the attributes.
pub const WHERE_KEYS: [&str; 6] = ["coder", "type", "doc", "case", "speaker", "set"];

/// Refuses a `--where` key that is neither one of [`WHERE_KEYS`] nor an attribute any case or
/// document has, naming the keys there are.
pub fn check_wheres(project: &Project, wheres: &[(String, String)]) -> Result<()> {
    let names = project.attribute_names();
    for (k, v) in wheres {
        let k = k.to_lowercase();
        if k == "set" {
            project.codebook.set(v)?;
        }
        if !WHERE_KEYS.contains(&k.as_str()) && !names.contains(&k) {
            let mut known: Vec<String> = WHERE_KEYS.iter().map(|s| (*s).to_string()).collect();
            known.extend(names.iter().cloned());
            return Err(Error::invalid(format!(
                "--where {k}=…: no case or document has {k:?}; keys are {}",
                known.join(", ")
            )));
        }
    }
    Ok(())
}

/// `--where` conditions grouped by key, keys and values in lower case: each key with the
/// values it may have.
type Conditions = Vec<(String, Vec<String>)>;

/// Groups `wheres` by key, once per retrieval rather than once per excerpt.
fn conditions(wheres: &[(String, String)]) -> Conditions {
    let mut out: Conditions = Vec::new();
    for (k, v) in wheres {
        let (k, v) = (k.to_lowercase(), v.to_lowercase());
        match out.iter_mut().find(|(key, _)| *key == k) {
            Some((_, values)) => values.push(v),
            None => out.push((k, vec![v])),
        }
    }
    out
}

/// Whether an excerpt meets every condition: its coder, document type, document (id or
/// title), case, speaker or an attribute equals the value, in any case. Conditions on one key
/// are alternatives (`role=parent` or `role=coordinator`); on different keys all must hold.
fn meets(e: &Excerpt, conditions: &Conditions) -> bool {
    conditions.iter().all(|(key, wanted)| {
        let values: [Option<&str>; 2] = match key.as_str() {
            "coder" => [Some(e.coder.as_str()), None],
            "type" => [Some(e.doc_type.as_str()), None],
            "doc" => [Some(e.doc.as_str()), Some(e.doc_title.as_str())],
            "case" => [e.case.as_deref(), None],
            "speaker" => [e.speaker.as_deref(), None],
            // Sets are checked by membership, in [`SetConditions`].
            "set" => return true,
            _ => [
                e.attributes
                    .iter()
                    .find(|(k, _)| k.to_lowercase() == *key)
                    .map(|(_, v)| v.as_str()),
                None,
            ],
        };
        values
            .iter()
            .flatten()
            .any(|v| wanted.contains(&v.to_lowercase()))
    })
}

/// `--where set=NAME` conditions: per condition, the sets it allows, each as (codes with
/// their sub-codes, documents). An excerpt is in a set when its code is among the set's codes
/// (if the set has codes) and its document among the set's documents (if it has documents).
struct SetConditions(Vec<Vec<(BTreeSet<String>, BTreeSet<String>)>>);

impl SetConditions {
    fn of(project: &Project, conditions: &Conditions) -> SetConditions {
        let cb = &project.codebook;
        SetConditions(
            conditions
                .iter()
                .filter(|(k, _)| k == "set")
                .map(|(_, names)| {
                    names
                        .iter()
                        .filter_map(|n| cb.set(n).ok())
                        .map(|s| {
                            let codes =
                                cb.set_codes(s).iter().flat_map(|c| cb.subtree(c)).collect();
                            (codes, s.docs.iter().cloned().collect())
                        })
                        .collect()
                })
                .collect(),
        )
    }

    fn hold(&self, code: &str, doc: &str) -> bool {
        self.0.iter().all(|alternatives| {
            alternatives.iter().any(|(codes, docs)| {
                (codes.is_empty() || codes.contains(code))
                    && (docs.is_empty() || docs.contains(doc))
            })
        })
    }
}

/// The project as `--where` conditions see it: only the codings whose excerpts meet them (see
/// [`ExcerptFilter::wheres`]), so summaries, reports, matrices and statistics count those
/// alone. `None` when there are no conditions.
pub fn narrowed(project: &Project, wheres: &[(String, String)]) -> Result<Option<Project>> {
    if wheres.is_empty() {
        return Ok(None);
    }
    let keep: BTreeSet<String> = excerpts(
        project,
        &ExcerptFilter {
            wheres: wheres.to_vec(),
            ..ExcerptFilter::default()
        },
    )?
    .into_iter()
    .map(|e| e.coding)
    .collect();
    Ok(Some(project.with_codings_only(|c| keep.contains(&c.id))))
}

/// The excerpts matching `filter`, in codebook order, then document order, then position.
pub fn excerpts(project: &Project, filter: &ExcerptFilter) -> Result<Vec<Excerpt>> {
    check_wheres(project, &filter.wheres)?;
    let conditions = conditions(&filter.wheres);
    let sets = SetConditions::of(project, &conditions);
    let cb = &project.codebook;
    let wanted: Option<BTreeSet<String>> = if filter.codes.is_empty() {
        None
    } else {
        let mut set = BTreeSet::new();
        for c in &filter.codes {
            if filter.include_subcodes {
                set.extend(cb.subtree(c));
            } else {
                set.insert(c.clone());
            }
        }
        Some(set)
    };
    let code_order: BTreeMap<&str, usize> = cb
        .walk()
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (c.id.as_str(), i))
        .collect();
    let rank: BTreeMap<&str, usize> = project
        .pinned()
        .iter()
        .enumerate()
        .map(|(i, p)| (p.coding.as_str(), i + 1))
        .collect();
    let and: Vec<SpansByDoc> = filter
        .and
        .iter()
        .map(|code| spans_of(project, std::slice::from_ref(code)))
        .collect();
    let not = spans_of(project, &filter.not);
    let mut out = Vec::new();
    for c in project.codings.values() {
        if (filter.pinned_only && !rank.contains_key(c.id.as_str()))
            || wanted.as_ref().is_some_and(|w| !w.contains(&c.code))
            || (!filter.docs.is_empty() && !filter.docs.contains(&c.doc))
            || (!filter.coders.is_empty() && !filter.coders.contains(&c.coder))
        {
            continue;
        }
        // The passage or passages of the coding that are quoted: where every --and code meets
        // it, none if a --not code touches it.
        let mut spans = vec![(c.start, c.end)];
        for with in &and {
            let others = with.get(&c.doc).map_or(&[][..], Vec::as_slice);
            spans = spans
                .iter()
                .flat_map(|&span| meeting(span, &c.id, others))
                .collect();
        }
        let touched = not
            .get(&c.doc)
            .is_some_and(|v| !meeting((c.start, c.end), &c.id, v).is_empty());
        if spans.is_empty() || touched {
            continue;
        }
        let doc = project
            .docs
            .get(&c.doc)
            .ok_or_else(|| Error::invalid(format!("coding {} has no document", c.id)))?;
        let text = project.text(&c.doc)?;
        let ix = project.char_index(&c.doc)?;
        let quote = ix.slice(&text, c.start, c.end).to_string();
        let turns = project.turns(&c.doc)?;
        let stale = c.stale || quote_hash(&quote) != c.hash;
        let whole = spans == [(c.start, c.end)];
        // A form that no longer fits the words (after a correction of the text) is not used:
        // the report quotes the coding whole rather than words it no longer has.
        let form = project
            .pins
            .get(&c.id)
            .and_then(|p| p.form.as_deref())
            .filter(|f| whole && crate::model::coding::check_form(&quote, f).is_ok())
            .map(str::to_string);
        for (start, end) in spans {
            let first = crate::model::turn_at(&turns, start);
            let last = crate::model::turn_at(&turns, end.saturating_sub(1));
            let e = Excerpt {
                pinned: rank.get(c.id.as_str()).copied(),
                form: form.clone(),
                coding: c.id.clone(),
                code: c.code.clone(),
                code_path: cb.path(&c.code),
                doc: doc.id.clone(),
                doc_title: doc.title.clone(),
                doc_type: doc.kind.to_string(),
                case: doc.case_at(&turns, start).map(str::to_string),
                turn: first.map_or(0, |t| t.number),
                turn_end: last.map_or(0, |t| t.number),
                speaker: first.and_then(|t| t.speaker.clone()),
                line: ix.line(&text, start),
                line_end: ix.line(&text, end.saturating_sub(1).max(start)),
                start,
                end,
                stale,
                text: if whole {
                    quote.clone()
                } else {
                    ix.slice(&text, start, end).to_string()
                },
                coder: c.coder.clone(),
                at: c.at.clone(),
                memo: c.memo.clone(),
                attributes: attributes_of(project, doc, doc.case_at(&turns, start)),
                memos: project
                    .memos_on(&MemoTarget::Coding(c.id.clone()))
                    .iter()
                    .map(|m| m.text.clone())
                    .collect(),
            };
            if meets(&e, &conditions) && sets.hold(&c.code, &c.doc) {
                out.push(e);
            }
        }
    }
    let seq: BTreeMap<&str, u64> = project
        .docs
        .values()
        .map(|d| (d.id.as_str(), d.seq))
        .collect();
    out.sort_by_key(|e| {
        (
            code_order
                .get(e.code.as_str())
                .copied()
                .unwrap_or(usize::MAX),
            e.pinned.filter(|_| filter.pinned_only).unwrap_or(0),
            seq.get(e.doc.as_str()).copied().unwrap_or(u64::MAX),
            e.start,
            e.end,
            e.coding.clone(),
        )
    });
    Ok(out)
}

/// A case's attributes merged with its document's metadata (metadata wins on a clash). The
/// case is the document's, or a mapped speaker's (see [`crate::model::Document::case_at`]).
pub fn attributes_of(
    project: &Project,
    doc: &crate::model::Document,
    case: Option<&str>,
) -> BTreeMap<String, String> {
    let mut out = case
        .and_then(|c| project.cases.cases.get(c))
        .map(|c| c.attributes.clone())
        .unwrap_or_default();
    out.extend(doc.metadata.clone());
    out
}

/// Every attribute name used by cases or document metadata, sorted.
pub fn attribute_names(project: &Project) -> Vec<String> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    for c in project.cases.cases.values() {
        names.extend(c.attributes.keys().cloned());
    }
    for d in project.docs.values() {
        names.extend(d.metadata.keys().cloned());
    }
    names.into_iter().collect()
}

/// How much a code is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeCount {
    /// The code's id.
    pub id: String,
    /// Its full path.
    pub path: String,
    /// Its name (last level of the path).
    pub name: String,
    /// Depth in the tree (0 at the top).
    pub depth: usize,
    /// Its description.
    pub description: String,
    /// Its colour.
    pub color: Option<String>,
    /// False for a category (groups codes, is not applied to text).
    pub codable: bool,
    /// Codings with exactly this code.
    pub codings: usize,
    /// Distinct documents with this code.
    pub documents: usize,
    /// Codings with this code or any sub-code.
    pub codings_with_subcodes: usize,
}

/// Usage counts of every code, in tree order.
pub fn code_counts(project: &Project) -> Vec<CodeCount> {
    let cb = &project.codebook;
    let mut per_code: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for c in project.codings.values() {
        let e = per_code.entry(c.code.as_str()).or_default();
        e.0 += 1;
        e.1.insert(c.doc.as_str());
    }
    cb.walk()
        .iter()
        .map(|(code, depth)| {
            let own = per_code.get(code.id.as_str());
            let with_sub = cb
                .subtree(&code.id)
                .iter()
                .map(|id| per_code.get(id.as_str()).map_or(0, |e| e.0))
                .sum();
            CodeCount {
                id: code.id.clone(),
                path: cb.path(&code.id),
                name: code.name.clone(),
                depth: *depth,
                description: code.description.clone(),
                color: code.color.clone(),
                codable: code.codable,
                codings: own.map_or(0, |e| e.0),
                documents: own.map_or(0, |e| e.1.len()),
                codings_with_subcodes: with_sub,
            }
        })
        .collect()
}
