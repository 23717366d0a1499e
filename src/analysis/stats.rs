//! Counting: code frequencies, co-occurrence, codes by attribute, and the case-by-code matrix.
//!
//! Conventions, used the same way by the terminal tables, CSV and JSON:
//! - an *excerpt* is one coding; a code's counts include its sub-codes when `rollup` is set;
//! - a *case* is a document's case; documents without a case count as no case;
//! - attribute values come from the case's attributes merged with the document's metadata;
//!   a document without the attribute counts under `(none)`.

use super::attributes_of;
use crate::Result;
use crate::model::Document;
use crate::store::Project;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The value used for a missing attribute.
pub const NONE: &str = "(none)";

/// Usage of one code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frequency {
    /// Code path.
    pub code: String,
    /// Depth in the tree.
    pub depth: usize,
    /// Number of excerpts (codings).
    pub excerpts: usize,
    /// Distinct documents.
    pub documents: usize,
    /// Distinct cases.
    pub cases: usize,
    /// Per value of the `--by` attribute: excerpts and distinct cases.
    pub by: BTreeMap<String, ByValue>,
}

/// Counts for one attribute value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ByValue {
    /// Excerpts.
    pub excerpts: usize,
    /// Distinct cases.
    pub cases: usize,
}

/// The code ids whose codings count for `code`: itself, plus its sub-codes when `rollup`.
fn counted_ids(project: &Project, code: &str, rollup: bool) -> BTreeSet<String> {
    if rollup {
        project.codebook.subtree(code).into_iter().collect()
    } else {
        std::iter::once(code.to_string()).collect()
    }
}

/// The document and case of every coding whose document exists (its speaker's case when the
/// speaker is mapped, else the document's), by coding id. A turn table that cannot be read
/// is an error: a coding silently left out would make every count built on it wrong.
fn placed_codings(project: &Project) -> Result<BTreeMap<&str, (&Document, Option<&str>)>> {
    let mut out = BTreeMap::new();
    for c in project.codings.values() {
        let Some(d) = project.docs.get(&c.doc) else {
            continue;
        };
        let turns = project.turns(&c.doc)?;
        out.insert(c.id.as_str(), (d, d.case_at(&turns, c.start)));
    }
    Ok(out)
}

/// Frequencies of every code in tree order, optionally broken down by an attribute.
pub fn frequencies(project: &Project, by: Option<&str>, rollup: bool) -> Result<Vec<Frequency>> {
    // The case and attributes of each coding: its document's, or its speaker's when mapped.
    let placed: BTreeMap<&str, (Option<String>, BTreeMap<String, String>)> =
        placed_codings(project)?
            .into_iter()
            .map(|(id, (d, case))| {
                (
                    id,
                    (case.map(str::to_string), attributes_of(project, d, case)),
                )
            })
            .collect();
    Ok(project
        .codebook
        .walk()
        .into_iter()
        .map(|(code, depth)| {
            let ids = counted_ids(project, &code.id, rollup);
            let mut docs = BTreeSet::new();
            let mut cases = BTreeSet::new();
            let mut excerpts = 0;
            let mut per: BTreeMap<String, (usize, BTreeSet<String>)> = BTreeMap::new();
            for c in project.codings.values().filter(|c| ids.contains(&c.code)) {
                excerpts += 1;
                docs.insert(c.doc.clone());
                let (case, attrs) = placed.get(c.id.as_str()).cloned().unwrap_or_default();
                if let Some(k) = &case {
                    cases.insert(k.clone());
                }
                if let Some(attr) = by {
                    let value = attrs.get(attr).cloned().unwrap_or_else(|| NONE.to_string());
                    let e = per.entry(value).or_default();
                    e.0 += 1;
                    if let Some(k) = case {
                        e.1.insert(k);
                    }
                }
            }
            Frequency {
                code: project.codebook.path(&code.id),
                depth,
                excerpts,
                documents: docs.len(),
                cases: cases.len(),
                by: per
                    .into_iter()
                    .map(|(v, (n, cs))| {
                        (
                            v,
                            ByValue {
                                excerpts: n,
                                cases: cs.len(),
                            },
                        )
                    })
                    .collect(),
            }
        })
        .collect())
}

/// Two codes used together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cooccurrence {
    /// First code path (tree order).
    pub a: String,
    /// Second code path.
    pub b: String,
    /// Pairs of codings (one of each code) whose spans overlap.
    pub overlaps: usize,
    /// Turns holding codings of both codes.
    pub shared_turns: usize,
    /// Jaccard index of the two codes' sets of turns: shared / turns with either.
    pub jaccard: f64,
}

/// One code's codings in one document: their starts (sorted), their ends (sorted), and the
/// spans themselves.
type CodeSpans = (Vec<usize>, Vec<usize>, Vec<(usize, usize)>);

/// Co-occurrence of every pair of codes that overlap or share a turn, in tree order.
pub fn cooccurrence(project: &Project) -> Result<Vec<Cooccurrence>> {
    let order: Vec<String> = project
        .codebook
        .walk()
        .iter()
        .map(|(c, _)| c.id.clone())
        .collect();
    let mut turns: BTreeMap<&str, BTreeSet<(&str, usize)>> = BTreeMap::new();
    // Each code's spans per document, sorted by start and by end, to count overlaps.
    let mut spans: BTreeMap<(&str, &str), CodeSpans> = BTreeMap::new();
    for c in project.codings.values() {
        let Some(doc) = project.docs.get(&c.doc) else {
            continue;
        };
        let table = project.turns(&c.doc)?;
        let set = turns.entry(c.code.as_str()).or_default();
        // The turns are in text order: the first one the coding reaches is found by halving.
        let first = table.partition_point(|t| t.end.max(t.start + 1) <= c.start);
        for t in table[first..].iter().take_while(|t| t.start < c.end) {
            if c.start < t.end.max(t.start + 1) {
                set.insert((doc.id.as_str(), t.number));
            }
        }
        let e = spans.entry((c.code.as_str(), doc.id.as_str())).or_default();
        e.0.push(c.start);
        e.1.push(c.end);
        e.2.push((c.start, c.end));
    }
    for (starts, ends, _) in spans.values_mut() {
        starts.sort_unstable();
        ends.sort_unstable();
    }
    let mut out = Vec::new();
    for (i, a) in order.iter().enumerate() {
        for b in &order[i + 1..] {
            let (Some(ta), Some(tb)) = (turns.get(a.as_str()), turns.get(b.as_str())) else {
                continue;
            };
            let shared = ta.intersection(tb).count();
            // Pairs x of a and y of b in one document with y.start < x.end and x.start < y.end:
            // those that start before x ends, less those that end by the time x starts.
            let mut overlaps = 0;
            let of_a = spans
                .range((a.as_str(), "")..)
                .take_while(|((k, _), _)| *k == a.as_str());
            for ((_, doc), (_, _, xs)) in of_a {
                let Some((y_starts, y_ends, _)) = spans.get(&(b.as_str(), *doc)) else {
                    continue;
                };
                for &(xs, xe) in xs {
                    overlaps += y_starts.partition_point(|&s| s < xe)
                        - y_ends.partition_point(|&e| e <= xs);
                }
            }
            if shared == 0 && overlaps == 0 {
                continue;
            }
            let union = ta.union(tb).count();
            #[allow(clippy::cast_precision_loss)]
            let jaccard = if union == 0 {
                0.0
            } else {
                shared as f64 / union as f64
            };
            out.push(Cooccurrence {
                a: project.codebook.path(a),
                b: project.codebook.path(b),
                overlaps,
                shared_turns: shared,
                jaccard,
            });
        }
    }
    Ok(out)
}

/// What a cell of a code-by-attribute table counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellCount {
    /// Excerpts.
    Excerpts,
    /// Distinct cases.
    Cases,
}

/// A table of codes (rows, tree order) by the values of an attribute (columns, sorted).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeByAttribute {
    /// The attribute.
    pub attribute: String,
    /// Its values, the columns.
    pub values: Vec<String>,
    /// One row per code: path and one count per value.
    pub rows: Vec<(String, Vec<usize>)>,
}

/// Counts of excerpts (or distinct cases) per code and attribute value; codes roll up sub-codes.
pub fn code_by_attribute(
    project: &Project,
    attribute: &str,
    count: CellCount,
) -> Result<CodeByAttribute> {
    let freq = frequencies(project, Some(attribute), true)?;
    let mut values: BTreeSet<String> = BTreeSet::new();
    for f in &freq {
        values.extend(f.by.keys().cloned());
    }
    let values: Vec<String> = values.into_iter().collect();
    let rows = freq
        .iter()
        .map(|f| {
            let cells = values
                .iter()
                .map(|v| {
                    f.by.get(v).map_or(0, |b| match count {
                        CellCount::Excerpts => b.excerpts,
                        CellCount::Cases => b.cases,
                    })
                })
                .collect();
            (f.code.clone(), cells)
        })
        .collect();
    Ok(CodeByAttribute {
        attribute: attribute.to_string(),
        values,
        rows,
    })
}

/// A case-by-code matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseMatrix {
    /// Attribute names (columns after the case).
    pub attributes: Vec<String>,
    /// Code paths (columns after the attributes), tree order.
    pub codes: Vec<String>,
    /// One row per case: name, attribute values, counts (or 0/1 presence) per code.
    pub rows: Vec<(String, Vec<String>, Vec<usize>)>,
}

/// Excerpts per case and code (own codings only, no roll-up), or 0/1 presence.
pub fn case_matrix(project: &Project, presence: bool) -> Result<CaseMatrix> {
    // Excerpts per (case, code id), counted in one pass over the codings.
    let placed = placed_codings(project)?;
    let mut counted: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for c in project.codings.values() {
        if let Some((_, Some(case))) = placed.get(c.id.as_str()) {
            *counted.entry((*case, c.code.as_str())).or_default() += 1;
        }
    }
    let codes: Vec<(String, String)> = project
        .codebook
        .walk()
        .iter()
        .map(|(c, _)| (c.id.clone(), project.codebook.path(&c.id)))
        .collect();
    let attributes: Vec<String> = {
        let mut s = BTreeSet::new();
        for c in project.cases.cases.values() {
            s.extend(c.attributes.keys().cloned());
        }
        s.into_iter().collect()
    };
    let rows = project
        .cases
        .cases
        .values()
        .map(|case| {
            let attrs = attributes
                .iter()
                .map(|a| case.attributes.get(a).cloned().unwrap_or_default())
                .collect();
            let counts = codes
                .iter()
                .map(|(id, _)| {
                    let n = counted
                        .get(&(case.name.as_str(), id.as_str()))
                        .copied()
                        .unwrap_or(0);
                    if presence { usize::from(n > 0) } else { n }
                })
                .collect();
            (case.name.clone(), attrs, counts)
        })
        .collect();
    Ok(CaseMatrix {
        attributes,
        codes: codes.into_iter().map(|(_, p)| p).collect(),
        rows,
    })
}
/// What one coder has done in the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoderSummary {
    /// The coder's name.
    pub coder: String,
    /// The project's default coder.
    pub default: bool,
    /// Codings made.
    pub codings: usize,
    /// Documents coded.
    pub documents: usize,
    /// Codes used.
    pub codes: usize,
    /// Memos written.
    pub memos: usize,
    /// When the last coding was made (RFC 3339), empty when none.
    pub last_coding: String,
}

/// Every coder of the project (those in its settings, then any other who coded), with what
/// each has done, in one pass over the codings.
pub fn coders(p: &Project) -> Vec<CoderSummary> {
    let mut names: Vec<String> = p.config.coders.clone();
    /// Codings, documents, codes and the last coding's time of one coder.
    #[derive(Default)]
    struct Tally<'a>(usize, BTreeSet<&'a str>, BTreeSet<&'a str>, &'a str);
    let mut per: std::collections::HashMap<&str, Tally> = std::collections::HashMap::new();
    for c in p.codings.values() {
        if !names.contains(&c.coder) {
            names.push(c.coder.clone());
        }
        let e = per.entry(c.coder.as_str()).or_default();
        e.0 += 1;
        e.1.insert(c.doc.as_str());
        e.2.insert(c.code.as_str());
        e.3 = e.3.max(c.at.as_str());
    }
    names
        .iter()
        .map(|k| {
            let Tally(n, docs, codes, last) = per.remove(k.as_str()).unwrap_or_default();
            CoderSummary {
                coder: k.clone(),
                default: *k == p.config.default_coder,
                codings: n,
                documents: docs.len(),
                codes: codes.len(),
                memos: p.memos.values().filter(|m| &m.coder == k).count(),
                last_coding: last.to_string(),
            }
        })
        .collect()
}
