//! Bringing a REFI-QDA project into a koda project (the reading side is in
//! [`crate::import::qdpx`]).
//!
//! An import is one transaction and one undoable step: the codebook (codes, categories, sets,
//! relations) and the cases are written once each, documents one at a time with their texts
//! read out of the archive as they are needed, codings and memos appended to their coders'
//! journals last. An error or a crash at any point leaves the project as it was.
//!
//! Identity: the GUIDs of codes, sources, selections, codings, cases, notes, sets and links are
//! kept on the things they became, and a thing is found again by its GUID (or by the GUID koda
//! derives from its id, for koda's own exports), so importing a file again updates and adds,
//! never duplicates.

use crate::import::qdpx::{Dropped, Qdpx, RefiCoding, RefiProject, SourceKind, all_to_code_points};
use crate::model::codebook::{MAX_CODE_NAME, parse_color};
use crate::model::ids::{refi_guid, same_guid};
use crate::model::sets::{Direction, Relation, Set};
use crate::model::text::{
    char_len, normalise, normalised_offsets, quote_hash, sha256_hex, slice_chars,
};
use crate::model::{
    Codebook, Coding, DocKind, MemoTarget, Origin, RefiIds, ids, now, validate_coder,
};
use crate::store::Session;
use crate::store::history::Op;
use crate::store::journal::Event;
use crate::store::project::ImportOptions;
use crate::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What an import of a REFI-QDA project brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefiReport {
    /// Documents added.
    pub documents: usize,
    /// Documents already in the project (same GUID or same text), reused.
    pub reused: usize,
    /// Codes added.
    pub codes: usize,
    /// Codes already in the project that the file renamed, described or recoloured.
    pub codes_updated: usize,
    /// Codings added.
    pub codings: usize,
    /// Codings already in the project (same GUID, or the same passage and code).
    pub codings_known: usize,
    /// Memos added.
    pub memos: usize,
    /// Memos already in the project whose text the file changed.
    pub memos_updated: usize,
    /// Cases added or given attributes, descriptions or links.
    pub cases: usize,
    /// Sets added or given members.
    pub sets: usize,
    /// Relations between codes added.
    pub relations: usize,
    /// What koda could not keep, by kind.
    pub dropped: Dropped,
    /// What koda changed to keep something (a renamed code, a repaired selection).
    pub changes: Vec<String>,
}

/// How to import a REFI-QDA project.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefiOptions {
    /// Refuse the file when anything in it would be dropped.
    pub strict: bool,
}

fn coder_name(users: &BTreeMap<String, String>, guid: Option<&String>) -> String {
    let raw = guid
        .and_then(|g| users.get(g))
        .cloned()
        .unwrap_or_else(|| "imported".to_string());
    let cleaned: String = raw
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches(|c| c == '-' || c == '.').to_string();
    if validate_coder(&cleaned).is_ok() {
        cleaned
    } else {
        "imported".into()
    }
}

/// A code name koda can hold: at most [`MAX_CODE_NAME`] characters (cut at a word, and said
/// so), no control characters, no spaces around it.
fn holdable_name(name: &str, changes: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string();
    if clean.chars().count() <= MAX_CODE_NAME {
        return if clean.is_empty() {
            "code".into()
        } else {
            clean
        };
    }
    let mut cut: String = clean.chars().take(MAX_CODE_NAME - 1).collect();
    if let Some(i) = cut.rfind(' ')
        && i > MAX_CODE_NAME / 2
    {
        cut.truncate(i);
    }
    let cut = format!("{}…", cut.trim_end());
    changes.push(format!(
        "a code name of {} characters was shortened to {MAX_CODE_NAME}: {:?}",
        clean.chars().count(),
        cut.chars().take(60).collect::<String>()
    ));
    cut
}

/// The code a GUID names: one that keeps it, or one koda exported under it.
fn code_by_guid(cb: &Codebook, g: &str) -> Option<String> {
    cb.codes
        .iter()
        .find(|c| {
            c.guid.as_deref().is_some_and(|x| same_guid(x, g))
                || same_guid(&refi_guid("code", &c.id), g)
        })
        .map(|c| c.id.clone())
}

/// Adds or updates the codes of a REFI-QDA file in `cb`; returns GUID → code id, and counts
/// (added, updated).
pub fn merge_codes(
    cb: &mut Codebook,
    p: &RefiProject,
    changes: &mut Vec<String>,
) -> Result<(BTreeMap<String, String>, usize, usize)> {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    let (mut added, mut updated) = (0, 0);
    for c in &p.codes {
        let name = holdable_name(&c.name, changes);
        let parent = c.parent.as_ref().and_then(|g| map.get(g)).cloned();
        let color = c.color.as_deref().and_then(|col| parse_color(col).ok());
        let found = code_by_guid(cb, &c.guid).and_then(|id| cb.get(&id).cloned());
        let id = if let Some(code) = found {
            // The same code: the file may have moved, renamed, described or recoloured it.
            let id = code.id.clone();
            let mut changed = false;
            if code.parent != parent {
                match cb.move_to(&id, parent.as_deref()) {
                    Ok(()) => changed = true,
                    Err(e) => changes.push(format!(
                        "code {:?} stands elsewhere in the file, but kept its place: {e}",
                        cb.path(&id)
                    )),
                }
            }
            if code.name != name {
                match cb.rename(&id, &name) {
                    Ok(()) => changed = true,
                    Err(e) => changes.push(format!(
                        "code {:?} is named {name:?} in the file, but kept its name: {e}",
                        cb.path(&id)
                    )),
                }
            }
            if !c.description.is_empty() && code.description != c.description {
                cb.describe(&id, &c.description)?;
                changed = true;
            }
            if color.is_some() && code.color != color {
                cb.set_color(&id, color)?;
                changed = true;
            }
            updated += usize::from(changed);
            id
        } else {
            let path = match &parent {
                Some(pp) => format!("{}/{name}", cb.path(pp)),
                None => name.clone(),
            };
            let existing = cb
                .find(&path)
                .ok()
                .filter(|x| cb.path(&x.id).eq_ignore_ascii_case(&path))
                .map(|x| x.id.clone());
            match existing {
                Some(id) => id,
                None => {
                    added += 1;
                    cb.add(&path, &c.description, color)?
                        .pop()
                        .unwrap_or_default()
                }
            }
        };
        if let Some(code) = cb.codes.iter_mut().find(|x| x.id == id) {
            if code.guid.is_none() && !same_guid(&refi_guid("code", &id), &c.guid) {
                code.guid = Some(c.guid.clone()).filter(|g| !g.is_empty());
            }
            code.codable = c.codable;
        }
        map.insert(c.guid.clone(), id);
    }
    Ok((map, added, updated))
}

/// A coding to make: the file's coding, its selection's GUID (none for a coding of a whole
/// source), the span in the document, the selection's memo, user and time.
type Planned<'a> = (
    &'a RefiCoding,
    Option<&'a str>,
    (usize, usize),
    Option<String>,
    Option<&'a String>,
    Option<&'a String>,
);

/// A memo to write, by the coder who wrote the note.
struct NoteFor<'a> {
    guid: &'a str,
    target: MemoTarget,
}

impl Session {
    /// Adds the codes of a REFI-QDA codebook (`.qdc`) or project, matching existing ones by
    /// GUID and then by path; returns (added, updated, changes).
    pub fn import_refi_codes(&mut self, p: &RefiProject) -> Result<(usize, usize, Vec<String>)> {
        self.atomically(|s| {
            let mut cb = s.project().codebook.clone();
            let mut changes = p.changes.clone();
            let (_, added, updated) = merge_codes(&mut cb, p, &mut changes)?;
            if cb != s.project().codebook {
                s.save_codebook_as(cb, "import codes")?;
            }
            Ok((added, updated, changes))
        })
    }

    /// Imports a whole REFI-QDA project: sources, codebook (categories, sets, relations), cases
    /// and variables, codings by their coders, and memos, as one undoable step.
    pub fn import_refi(
        &mut self,
        q: &mut Qdpx,
        file: &Path,
        opts: RefiOptions,
    ) -> Result<RefiReport> {
        self.group(&label_of(file), |s| s.import_refi_now(q, file, opts))
    }

    /// The change itself, inside the group its public form opens.
    fn import_refi_now(
        &mut self,
        q: &mut Qdpx,
        file: &Path,
        opts: RefiOptions,
    ) -> Result<RefiReport> {
        let p = &q.project;
        // Importing documents files them under cases; the undo puts the cases back as they
        // were before any of it.
        let cases_before = self.project().cases.clone();
        let mut report = RefiReport {
            dropped: p.dropped.clone(),
            changes: p.changes.clone(),
            ..RefiReport::default()
        };
        let refuse = |msg: String| Error::Import {
            path: file.to_path_buf(),
            msg,
        };
        let known_codes: BTreeSet<&str> = p.codes.iter().map(|c| c.guid.as_str()).collect();
        let known_sources: BTreeSet<&str> = p.sources.iter().map(|s| s.guid.as_str()).collect();
        let selections: BTreeSet<&str> = p
            .sources
            .iter()
            .flat_map(|s| s.selections.iter().map(|x| x.guid.as_str()))
            .collect();
        // Decide what is dropped before anything is written, so --strict can refuse.
        let mut kept_links = Vec::new();
        let mut link_notes: Vec<(&str, &str)> = Vec::new();
        for l in &p.links {
            let is_code = |g: &str| known_codes.contains(g);
            let is_note = |g: &str| p.notes.contains_key(g);
            let holds_notes =
                |g: &str| is_code(g) || known_sources.contains(g) || selections.contains(g);
            if is_code(&l.origin) && is_code(&l.target) {
                kept_links.push(l);
            } else if is_note(&l.target) && holds_notes(&l.origin) {
                link_notes.push((l.origin.as_str(), l.target.as_str()));
            } else if is_note(&l.origin) && holds_notes(&l.target) {
                link_notes.push((l.target.as_str(), l.origin.as_str()));
            } else {
                report
                    .dropped
                    .add("links between things other than codes and notes", &l.name);
            }
        }
        for s in &p.sources {
            for sel in &s.selections {
                for c in &sel.codings {
                    if !known_codes.contains(c.code.as_str()) {
                        report
                            .dropped
                            .add("codings of codes the file does not have", &c.code);
                    }
                }
            }
        }
        if opts.strict && !report.dropped.is_empty() {
            return Err(refuse(format!(
                "--strict: the file holds what koda cannot keep: {}; nothing was imported",
                report.dropped.lines().join("; ")
            )));
        }

        // The codebook: codes, categories, sets and relations, written once.
        let mut cb = self.project().codebook.clone();
        let (code_map, added, updated) = merge_codes(&mut cb, p, &mut report.changes)?;
        report.codes = added;
        report.codes_updated = updated;
        // A category the file has codings on stays codable, and says so.
        for s in &p.sources {
            for c in s.selections.iter().flat_map(|x| &x.codings).chain(&s.whole) {
                if let Some(id) = code_map.get(&c.code)
                    && let Some(code) = cb.codes.iter_mut().find(|x| &x.id == id)
                    && !code.codable
                {
                    code.codable = true;
                    report.changes.push(format!(
                        "code {:?} is not codable in the file but has codings there: it was kept codable",
                        code.name
                    ));
                }
            }
        }
        for l in kept_links {
            let (Some(from), Some(to)) = (code_map.get(&l.origin), code_map.get(&l.target)) else {
                continue;
            };
            let memo: Vec<String> = l
                .notes
                .iter()
                .filter_map(|n| p.notes.get(n))
                .map(|n| n.text.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect();
            let direction = match l.direction.as_deref() {
                Some("Bidirectional") => Direction::Bidirectional,
                Some("Associative") => Direction::Associative,
                _ => Direction::OneWay,
            };
            let found = cb.relations.iter().position(|r| {
                r.guid.as_deref().is_some_and(|g| same_guid(g, &l.guid))
                    || same_guid(&refi_guid("relation", &r.id), &l.guid)
                    || (&r.from == from && &r.to == to && r.label == l.name.trim())
            });
            if found.is_none() && from != to {
                let id = ids::new_id("r");
                cb.relations.push(Relation {
                    guid: (!same_guid(&refi_guid("relation", &id), &l.guid))
                        .then(|| l.guid.clone()),
                    id,
                    from: from.clone(),
                    to: to.clone(),
                    label: l.name.trim().to_string(),
                    direction,
                    memo: memo.join("\n\n"),
                });
                report.relations += 1;
            }
        }

        // Documents, one text in memory at a time; codings are planned while it is there.
        let units = p.units();
        let var = |g: &str| p.variables.get(g).cloned().unwrap_or_else(|| g.to_string());
        let mut case_names: Vec<String> = Vec::new();
        let mut case_of: BTreeMap<String, String> = BTreeMap::new();
        for (i, c) in p.cases.iter().enumerate() {
            let name = c
                .name
                .clone()
                .or_else(|| {
                    self.project()
                        .cases
                        .cases
                        .values()
                        .find(|x| x.guid.as_deref().is_some_and(|g| same_guid(g, &c.guid)))
                        .map(|x| x.name.clone())
                })
                .unwrap_or_else(|| format!("case-{}", i + 1));
            for s in &c.sources {
                case_of.insert(s.clone(), name.clone());
            }
            case_names.push(name);
        }
        let mut doc_of: BTreeMap<String, String> = BTreeMap::new();
        let mut events: BTreeMap<String, Vec<Event>> = BTreeMap::new();
        let mut new_codings: Vec<String> = Vec::new();
        let mut coding_of_selection: BTreeMap<String, String> = BTreeMap::new();
        let mut coding_of_guid: BTreeMap<String, String> = BTreeMap::new();
        let at_default = now();
        let sources = p.sources.clone();
        for s in &sources {
            let raw = q.archive.text(s)?;
            let text = normalise(&raw);
            if text.trim().is_empty() {
                if !s.selections.is_empty() {
                    return Err(refuse(format!(
                        "source {:?} has codings but no text",
                        s.name
                    )));
                }
                report.dropped.add("sources without text", &s.name);
                continue;
            }
            let sha = sha256_hex(text.as_bytes());
            let found = self
                .project()
                .docs
                .values()
                .find(|d| {
                    d.guid.as_deref().is_some_and(|g| same_guid(g, &s.guid))
                        || same_guid(&refi_guid("source", &d.id), &s.guid)
                })
                .or_else(|| self.project().docs.values().find(|d| d.text_sha256 == sha))
                .map(|d| d.id.clone());
            // Kept for a document found again; a new one takes it.
            let mut text = Some(text);
            let doc_id = match found {
                Some(id) => {
                    report.reused += 1;
                    id
                }
                None => {
                    let text = text.take().unwrap_or_default();
                    let id = self.import_refi_source(s, &raw, text, &case_of, &var, file, units)?;
                    report.documents += 1;
                    id
                }
            };
            doc_of.insert(s.guid.clone(), doc_id.clone());
            // Selections, from the file's units to code points of its text, then through
            // koda's normalisation to the document's text as it is now.
            // One pass over the text for all positions, then one beside the normalisation: no
            // diff of the whole text, which for a large source would cost many times its size.
            let mut ends: Vec<usize> = s
                .selections
                .iter()
                .flat_map(|sel| [sel.start.max(0) as usize, sel.end.max(0) as usize])
                .collect();
            ends.extend([0, usize::MAX]);
            let ends = all_to_code_points(&raw, &ends, units);
            let fresh: Vec<(usize, usize)> = normalised_offsets(&raw, &ends)
                .chunks(2)
                .map(|p| (p[0], p[1]))
                .collect();
            drop(raw);
            let norm = self.project().text(&doc_id)?.to_string();
            // A document found again by its GUID may have been corrected in koda since: the
            // spans are carried on to its words as they are now.
            let mapped: Vec<(usize, usize, bool)> = match text.take() {
                Some(t) if t != norm => crate::store::edit::map_spans(&t, &norm, &fresh),
                _ => fresh.iter().map(|&(a, b)| (a, b, false)).collect(),
            };
            let len = char_len(&norm);
            let rev = self.project().docs.get(&doc_id).map_or(0, |d| d.revision);
            let whole = mapped.last().map(|&(a, b, _)| (a, b)).unwrap_or((0, len));
            let mut plan: Vec<Planned> = Vec::new();
            for (sel, &(a, b, _)) in s.selections.iter().zip(&mapped) {
                let memo = (!sel.description.is_empty()).then(|| sel.description.clone());
                for c in &sel.codings {
                    plan.push((
                        c,
                        Some(sel.guid.as_str()),
                        (a, b),
                        memo.clone(),
                        sel.user.as_ref(),
                        sel.at.as_ref(),
                    ));
                }
            }
            for c in &s.whole {
                plan.push((c, None, whole, None, None, None));
            }
            for (c, sel_guid, (a, b), memo, sel_user, sel_at) in plan {
                let Some(code) = code_map.get(&c.code) else {
                    continue;
                };
                let (a, b) = crate::model::text::trim_span(&norm, a.min(len), b.min(len));
                if b <= a {
                    report.dropped.add(
                        "selections of nothing but spaces",
                        sel_guid.unwrap_or(&s.name),
                    );
                    continue;
                }
                let existing = self.project().codings.values().find(|x| {
                    x.refi
                        .as_ref()
                        .is_some_and(|r| same_guid(&r.coding, &c.guid))
                        || same_guid(&refi_guid("coding", &x.id), &c.guid)
                        || (x.doc == doc_id && x.start == a && x.end == b && &x.code == code)
                });
                if let Some(x) = existing {
                    report.codings_known += 1;
                    if let Some(g) = sel_guid {
                        coding_of_selection
                            .entry(g.to_string())
                            .or_insert(x.id.clone());
                    }
                    coding_of_guid.insert(c.guid.clone(), x.id.clone());
                    continue;
                }
                let coder = coder_name(&p.users, c.user.as_ref().or(sel_user));
                let id = ids::new_id("x");
                if let Some(g) = sel_guid {
                    coding_of_selection
                        .entry(g.to_string())
                        .or_insert(id.clone());
                }
                coding_of_guid.insert(c.guid.clone(), id.clone());
                let selection = sel_guid.unwrap_or_default().to_string();
                let keeps =
                    |kind: &str, g: &str| !g.is_empty() && !same_guid(&refi_guid(kind, &id), g);
                let refi =
                    (keeps("coding", &c.guid) || keeps("selection", &selection)).then(|| RefiIds {
                        selection: selection.clone(),
                        coding: c.guid.clone(),
                    });
                new_codings.push(id.clone());
                events
                    .entry(coder.clone())
                    .or_default()
                    .push(Event::CodingAdd(Coding {
                        id,
                        doc: doc_id.clone(),
                        start: a,
                        end: b,
                        hash: quote_hash(slice_chars(&norm, a, b)),
                        code: code.clone(),
                        coder,
                        at: c
                            .at
                            .clone()
                            .or(sel_at.cloned())
                            .unwrap_or_else(|| at_default.clone()),
                        memo,
                        batch: None,
                        rev,
                        stale: false,
                        refi,
                    }));
                report.codings += 1;
            }
        }

        // Sets: found by GUID or name; members added.
        let code_ids = |gs: &[String]| -> Vec<String> {
            gs.iter().filter_map(|g| code_map.get(g).cloned()).collect()
        };
        for set in &p.sets {
            let codes = code_ids(&set.codes);
            let docs: Vec<String> = set
                .sources
                .iter()
                .filter_map(|g| doc_of.get(g).cloned())
                .collect();
            let missing = set.codes.len() + set.sources.len() - codes.len() - docs.len();
            for _ in 0..missing {
                report
                    .dropped
                    .add("set members koda did not import", &set.name);
            }
            let i = cb.sets.iter().position(|x| {
                x.guid.as_deref().is_some_and(|g| same_guid(g, &set.guid))
                    || same_guid(&refi_guid("set", &x.id), &set.guid)
                    || x.name.eq_ignore_ascii_case(set.name.trim())
            });
            let i = match i {
                Some(i) => i,
                None => {
                    let name = if set.name.trim().is_empty() {
                        "set"
                    } else {
                        set.name.trim()
                    };
                    let id = cb.add_set(name, &set.description)?;
                    let i = cb.sets.len() - 1;
                    if !same_guid(&refi_guid("set", &id), &set.guid) && !set.guid.is_empty() {
                        cb.sets[i].guid = Some(set.guid.clone());
                    }
                    i
                }
            };
            let before: Set = cb.sets[i].clone();
            let id = before.id.clone();
            cb.add_to_set(&id, &codes, &docs)?;
            if cb.sets[i] != before || before.codes.is_empty() && before.docs.is_empty() {
                report.sets += 1;
            }
        }
        if cb != self.project().codebook {
            self.save_codebook_as(cb, "import a codebook")?;
        }

        // Cases: attributes, descriptions, GUIDs and links to codes and passages.
        let mut cases = self.project().cases.clone();
        for (c, name) in p.cases.iter().zip(&case_names) {
            let attrs: Vec<(String, String)> =
                c.values.iter().map(|(g, v)| (var(g), v.clone())).collect();
            let before = cases.cases.get(name).cloned();
            cases.upsert(name, &attrs);
            let Some(case) = cases.cases.get_mut(name) else {
                continue;
            };
            if !c.description.is_empty() {
                case.description = c.description.clone();
            }
            if case.guid.is_none()
                && !c.guid.is_empty()
                && !same_guid(&refi_guid("case", name), &c.guid)
            {
                case.guid = Some(c.guid.clone());
            }
            for g in &c.codes {
                match code_map.get(g) {
                    Some(id) if !case.codes.contains(id) => case.codes.push(id.clone()),
                    Some(_) => {}
                    None => report
                        .dropped
                        .add("case links to codes the file does not have", name),
                }
            }
            for g in &c.selections {
                match coding_of_selection.get(g) {
                    Some(id) if !case.codings.contains(id) => case.codings.push(id.clone()),
                    Some(_) => {}
                    None => report
                        .dropped
                        .add("case links to passages koda did not import", name),
                }
            }
            if before.as_ref() != Some(&*case) {
                report.cases += 1;
            }
        }
        if cases != cases_before {
            self.save_cases_since(cases, cases_before, &label_of(file))?;
        }

        // Memos, each in the journal of the coder who wrote it; a note already in the
        // project (by GUID) gets the file's text.
        let mut notes: Vec<NoteFor> = Vec::new();
        for c in &p.codes {
            if let Some(id) = code_map.get(&c.guid) {
                notes.extend(c.notes.iter().map(|n| NoteFor {
                    guid: n,
                    target: MemoTarget::Code(id.clone()),
                }));
            }
        }
        for s in &p.sources {
            let Some(d) = doc_of.get(&s.guid) else {
                continue;
            };
            notes.extend(s.notes.iter().map(|n| NoteFor {
                guid: n,
                target: MemoTarget::Document(d.clone()),
            }));
            for sel in &s.selections {
                if let Some(c) = coding_of_selection.get(&sel.guid) {
                    notes.extend(sel.notes.iter().map(|n| NoteFor {
                        guid: n,
                        target: MemoTarget::Coding(c.clone()),
                    }));
                }
                for coding in &sel.codings {
                    if let Some(c) = coding_of_guid.get(&coding.guid) {
                        notes.extend(coding.notes.iter().map(|n| NoteFor {
                            guid: n,
                            target: MemoTarget::Coding(c.clone()),
                        }));
                    }
                }
            }
        }
        for (holder, note) in &link_notes {
            let target = if let Some(id) = code_map.get(*holder) {
                MemoTarget::Code(id.clone())
            } else if let Some(d) = doc_of.get(*holder) {
                MemoTarget::Document(d.clone())
            } else if let Some(c) = coding_of_selection.get(*holder) {
                MemoTarget::Coding(c.clone())
            } else {
                continue;
            };
            notes.push(NoteFor { guid: note, target });
        }
        notes.extend(p.project_notes.iter().map(|n| NoteFor {
            guid: n,
            target: MemoTarget::Project,
        }));
        let mut written: BTreeSet<&str> = BTreeSet::new();
        let mut memo_ops: Vec<Op> = Vec::new();
        for n in &notes {
            let Some(note) = p.notes.get(n.guid) else {
                report
                    .dropped
                    .add("references to notes the file does not have", n.guid);
                continue;
            };
            let text = note.text.trim();
            if text.is_empty() || !written.insert(n.guid) {
                continue;
            }
            let existing = self.project().memos.values().find(|m| {
                m.guid.as_deref().is_some_and(|g| same_guid(g, &note.guid))
                    || same_guid(&refi_guid("memo", &m.id), &note.guid)
                    || (m.target == n.target && m.text == text)
            });
            let coder = coder_name(&p.users, note.user.as_ref());
            let (id, guid) = match existing {
                Some(m) if m.text == text => continue,
                Some(m) => {
                    memo_ops.push(Op::SetMemo {
                        id: m.id.clone(),
                        target: m.target.clone(),
                        text: m.text.clone(),
                    });
                    report.memos_updated += 1;
                    (m.id.clone(), m.guid.clone())
                }
                None => {
                    let id = ids::new_id("m");
                    memo_ops.push(Op::RemoveMemo { id: id.clone() });
                    report.memos += 1;
                    let keep =
                        !note.guid.is_empty() && !same_guid(&refi_guid("memo", &id), &note.guid);
                    (id, keep.then(|| note.guid.clone()))
                }
            };
            events
                .entry(coder.clone())
                .or_default()
                .push(Event::MemoSet {
                    id,
                    target: n.target.clone(),
                    text: text.to_string(),
                    coder,
                    at: note.at.clone().unwrap_or_else(|| at_default.clone()),
                    guid,
                });
        }
        // Source descriptions become document memos (once).
        for s in &p.sources {
            let Some(d) = doc_of.get(&s.guid) else {
                continue;
            };
            let text = s.description.trim();
            let target = MemoTarget::Document(d.clone());
            if text.is_empty()
                || text.starts_with("koda document ")
                || self
                    .project()
                    .memos
                    .values()
                    .any(|m| m.target == target && m.text == text)
            {
                continue;
            }
            let id = ids::new_id("m");
            memo_ops.push(Op::RemoveMemo { id: id.clone() });
            report.memos += 1;
            events
                .entry("imported".into())
                .or_default()
                .push(Event::MemoSet {
                    id,
                    target,
                    text: text.to_string(),
                    coder: "imported".into(),
                    at: at_default.clone(),
                    guid: None,
                });
        }
        self.append_as_coders(&events, &[])?;
        if !new_codings.is_empty() {
            self.record(&label_of(file), Op::RemoveCodings { ids: new_codings });
        }
        for op in memo_ops {
            self.record(&label_of(file), op);
        }
        // What only writing found out (a source without text, a set member or a case link
        // left without its object) refuses too: the transaction takes every write back.
        if opts.strict && !report.dropped.is_empty() {
            return Err(refuse(format!(
                "--strict: the file holds what koda cannot keep: {}; nothing was imported",
                report.dropped.lines().join("; ")
            )));
        }
        Ok(report)
    }

    /// Imports one source as a new document: its text normalised and divided into turns, its
    /// variables as metadata, a transcript's sync points as its turns' times.
    #[allow(clippy::too_many_arguments)]
    fn import_refi_source(
        &mut self,
        s: &crate::import::qdpx::RefiSource,
        raw: &str,
        text: String,
        case_of: &BTreeMap<String, String>,
        var: &dyn Fn(&str) -> String,
        file: &Path,
        units: crate::import::qdpx::Units,
    ) -> Result<String> {
        let mut parsed = crate::import::text::parse_owned(text);
        if s.kind == SourceKind::Transcript && !s.sync.is_empty() {
            let points: Vec<usize> = s.sync.iter().map(|(pos, _)| *pos as usize).collect();
            let points = normalised_offsets(raw, &all_to_code_points(raw, &points, units));
            let mut times: Vec<(usize, u64)> = points
                .iter()
                .zip(&s.sync)
                .map(|(&a, (_, ms))| (a, *ms))
                .collect();
            times.sort();
            // A turn takes the time of the first sync point between the end of the turn
            // before it and its own end.
            let mut prev_end = 0;
            for t in &mut parsed.turns {
                if t.timestamp_ms.is_none() {
                    t.timestamp_ms = times
                        .iter()
                        .find(|(at, _)| *at >= prev_end && *at < t.end.max(t.start + 1))
                        .map(|(_, ms)| *ms);
                }
                prev_end = t.end;
            }
        }
        let values: BTreeMap<String, String> =
            s.values.iter().map(|(g, v)| (var(g), v.clone())).collect();
        let kind = values
            .get("type")
            .and_then(|t| t.parse::<DocKind>().ok())
            .unwrap_or_else(|| crate::import::guess_kind(Path::new(""), &parsed.speakers));
        let title = crate::import::qdpx::source_title(&s.name, &s.guid, &parsed.text);
        let mut prepared = crate::import::Prepared::new(
            file,
            title,
            (kind, false),
            parsed,
            Origin {
                file: format!(
                    "{} ({})",
                    file.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    s.name
                ),
                format: match s.kind {
                    SourceKind::Text => "refi-qda",
                    SourceKind::Pdf => "refi-qda pdf",
                    SourceKind::Transcript => "refi-qda transcript",
                }
                .into(),
                sha256: sha256_hex(raw.as_bytes()),
            },
        );
        prepared.guid = (!s.guid.is_empty()).then(|| s.guid.clone());
        let opts = ImportOptions {
            case: case_of.get(&s.guid).cloned(),
            metadata: values.into_iter().filter(|(k, _)| k != "type").collect(),
            ..ImportOptions::default()
        };
        let ids = self.import(vec![prepared], &opts)?;
        let id = ids.into_iter().next().ok_or_else(|| Error::Import {
            path: file.to_path_buf(),
            msg: format!("source {:?} gave no document", s.name),
        })?;
        self.record(&label_of(file), Op::RemoveDocument { doc: id.clone() });
        Ok(id)
    }
}

fn label_of(file: &Path) -> String {
    format!(
        "import {}",
        file.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    )
}
