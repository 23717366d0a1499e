//! `koda merge`: bringing another copy of a project into this one.
//!
//! Documents are matched by the SHA-256 of their text, codes by id and then by path, cases by
//! name. Events (codings, memos) are copied into the journal of the coder who made them, unless
//! this project already has them, so merging the same copy twice changes nothing the second
//! time. Anything that differs on both sides (a code renamed differently, an attribute with two
//! values, a code deleted on one side and used on the other) is a clash: it is reported, and the
//! merge stops without writing unless the user chose a rule (`--prefer ours|theirs`).

use crate::model::{Codebook, Document, MemoTarget, Retired, now};
use crate::store::journal::{self, Event};
use crate::store::{CASES_FILE, CODEBOOK_FILE, JOURNAL_DIR, Project, SOURCES_DIR, Session, fsio};
use crate::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// How clashes are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefer {
    /// Keep this project's version.
    Ours,
    /// Take the other copy's version.
    Theirs,
}

/// What a merge did (or, with clashes and no rule, would have to decide).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Documents added (our ids).
    pub documents_added: Vec<String>,
    /// Codes added (paths).
    pub codes_added: Vec<String>,
    /// Codes whose name, place, description or colour changed.
    pub codes_changed: Vec<String>,
    /// Cases added or given new attributes.
    pub cases_changed: Vec<String>,
    /// Sets added or given new members (names).
    pub sets_changed: Vec<String>,
    /// Relations between codes added.
    pub relations_added: usize,
    /// Events copied, per coder.
    pub events_added: BTreeMap<String, usize>,
    /// Clashes found, each with how it was resolved.
    pub clashes: Vec<String>,
}

impl MergeReport {
    /// True when the merge changed nothing.
    pub fn is_empty(&self) -> bool {
        self.documents_added.is_empty()
            && self.codes_added.is_empty()
            && self.codes_changed.is_empty()
            && self.cases_changed.is_empty()
            && self.sets_changed.is_empty()
            && self.relations_added == 0
            && self.events_added.values().all(|n| *n == 0)
    }
}

fn event_key(ev: &Event, coder_file: &str) -> String {
    match ev {
        Event::CodingAdd(c) => format!("add|{}|{}|{}", c.id, c.at, c.coder),
        Event::CodingRemove { id, at, coder } => format!("rm|{id}|{at}|{coder}"),
        Event::MemoSet {
            id,
            at,
            coder,
            text,
            ..
        } => format!(
            "memo|{id}|{at}|{coder}|{}",
            crate::model::text::quote_hash(text)
        ),
        Event::MemoRemove { id, at, coder } => format!("memorm|{id}|{at}|{coder}|{coder_file}"),
        Event::CodingAnchor {
            id, at, coder, rev, ..
        } => format!("anchor|{id}|{rev}|{at}|{coder}"),
        Event::DocEdit {
            doc,
            rev,
            at,
            coder,
        } => format!("edit|{doc}|{rev}|{at}|{coder}"),
        Event::PinSet { pin, at } => format!(
            "pin|{}|{}|{at}|{}|{}",
            pin.coding,
            pin.order,
            pin.coder,
            pin.form
                .as_deref()
                .map(crate::model::text::quote_hash)
                .unwrap_or_default()
        ),
        Event::PinRemove { coding, at, coder } => format!("unpin|{coding}|{at}|{coder}"),
    }
}

fn journal_files(root: &Path) -> Result<Vec<(String, PathBuf)>> {
    let dir = root.join(JOURNAL_DIR);
    let mut out = Vec::new();
    let rd = match std::fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::io(&dir, e)),
    };
    for e in rd {
        let p = e.map_err(|e| Error::io(&dir, e))?.path();
        if p.extension().is_some_and(|x| x == "jsonl")
            && let Some(stem) = p.file_stem()
        {
            out.push((stem.to_string_lossy().into_owned(), p));
        }
    }
    out.sort();
    Ok(out)
}

impl Session {
    /// Merges the project at `other` into this one (see the module docs).
    pub fn merge_from(&mut self, other: &Path, prefer: Option<Prefer>) -> Result<MergeReport> {
        self.atomically(|s| s.merge_from_now(other, prefer))
    }

    /// The change itself, inside the transaction its public form opens.
    fn merge_from_now(&mut self, other: &Path, prefer: Option<Prefer>) -> Result<MergeReport> {
        let theirs = Project::open(other)?;
        // A document of theirs that cannot be read would be left out of the merge without a
        // word: refuse instead, naming the file.
        if let Some(w) = theirs
            .warnings
            .iter()
            .find(|w| w.about == crate::store::project::WarningAbout::Document)
        {
            return Err(Error::invalid(format!(
                "cannot merge {}: {}. Repair that copy first (run `koda doctor` in it)",
                other.display(),
                w.message.trim_end_matches("; the document is left out")
            )));
        }
        let ours_root = self.project().root().to_path_buf();
        let same = std::fs::canonicalize(other).ok() == std::fs::canonicalize(&ours_root).ok();
        if same {
            return Err(Error::invalid("cannot merge a project into itself"));
        }
        let ours = self.project();
        let mut report = MergeReport::default();
        let clash = |report: &mut MergeReport, what: String| -> bool {
            let how = match prefer {
                Some(Prefer::Ours) => "kept ours",
                Some(Prefer::Theirs) => "took theirs",
                None => "unresolved",
            };
            report.clashes.push(format!("{what} ({how})"));
            prefer == Some(Prefer::Theirs)
        };

        // Documents, by content.
        let by_hash: BTreeMap<&str, &str> = ours
            .docs
            .values()
            .map(|d| (d.text_sha256.as_str(), d.id.as_str()))
            .collect();
        let mut doc_map: BTreeMap<String, String> = BTreeMap::new();
        let mut taken: BTreeSet<String> = ours.docs.keys().cloned().collect();
        let mut next_seq = ours.docs.values().map(|d| d.seq).max().unwrap_or(0) + 1;
        let mut new_docs: Vec<(Document, std::rc::Rc<[crate::model::Turn]>, String)> = Vec::new();
        for d in theirs.documents() {
            if let Some(id) = by_hash.get(d.text_sha256.as_str()) {
                doc_map.insert(d.id.clone(), (*id).to_string());
                continue;
            }
            let mut id = d.id.clone();
            let mut n = 2;
            while taken.contains(&id) {
                id = format!("{}-{n}", d.id);
                n += 1;
            }
            taken.insert(id.clone());
            let mut doc = d.clone();
            doc.id.clone_from(&id);
            doc.seq = next_seq;
            next_seq += 1;
            let text = theirs.text(&d.id)?.to_string();
            let turns = theirs.turns_uncached(&d.id)?;
            doc_map.insert(d.id.clone(), id.clone());
            report.documents_added.push(id);
            new_docs.push((doc, turns, text));
        }

        // Codes: by id, then by path.
        let mut cb: Codebook = ours.codebook.clone();
        let mut code_map: BTreeMap<String, String> = BTreeMap::new();
        for (code, _) in theirs.codebook.walk() {
            let their_path = theirs.codebook.path(&code.id);
            let parent = code.parent.as_ref().and_then(|p| code_map.get(p).cloned());
            if cb.get(&code.id).is_some() {
                code_map.insert(code.id.clone(), code.id.clone());
                let our_path = cb.path(&code.id);
                let mine = cb.get(&code.id).cloned();
                if let Some(mine) = mine {
                    let renamed = our_path.to_lowercase() != their_path.to_lowercase();
                    if renamed
                        && clash(
                            &mut report,
                            format!(
                                "code {} is {our_path:?} here and {their_path:?} there",
                                code.id
                            ),
                        )
                    {
                        cb.rename(&code.id, &code.name)?;
                        cb.move_to(&code.id, parent.as_deref())?;
                        report.codes_changed.push(cb.path(&code.id));
                    }
                    let described =
                        mine.description != code.description && !code.description.is_empty();
                    if described
                        && (mine.description.is_empty()
                            || clash(
                                &mut report,
                                format!("code {their_path:?} has another description there"),
                            ))
                    {
                        cb.describe(&code.id, &code.description)?;
                        report.codes_changed.push(cb.path(&code.id));
                    }
                    let coloured = mine.color != code.color && code.color.is_some();
                    if coloured
                        && (mine.color.is_none()
                            || clash(
                                &mut report,
                                format!("code {their_path:?} has another colour there"),
                            ))
                    {
                        cb.set_color(&code.id, code.color.clone())?;
                        report.codes_changed.push(cb.path(&code.id));
                    }
                }
                continue;
            }
            if let Ok(found) = cb.find(&their_path)
                && cb.path(&found.id).to_lowercase() == their_path.to_lowercase()
            {
                code_map.insert(code.id.clone(), found.id.clone());
                continue;
            }
            if let Some(r) = cb.retired.get(&code.id).cloned() {
                let fate = match &r {
                    Retired::MergedInto { into, .. } => format!("merged into {}", cb.path(into)),
                    Retired::Deleted { .. } => "deleted".to_string(),
                };
                if clash(
                    &mut report,
                    format!("code {their_path:?} is {fate} here but still used there"),
                ) {
                    cb.retired.remove(&code.id);
                } else {
                    code_map.insert(code.id.clone(), code.id.clone());
                    continue;
                }
            }
            let mut c = code.clone();
            c.parent = parent;
            cb.codes.push(c);
            code_map.insert(code.id.clone(), code.id.clone());
            report.codes_added.push(cb.path(&code.id));
        }
        for (id, r) in &theirs.codebook.retired {
            if cb.get(id).is_some() {
                if cb.retired.contains_key(id) {
                    continue;
                }
                let fate = match r {
                    Retired::MergedInto { into, .. } => {
                        format!("merged into {}", theirs.codebook.path(into))
                    }
                    Retired::Deleted { .. } => "deleted".into(),
                };
                if clash(
                    &mut report,
                    format!("code {:?} is {fate} there but still used here", cb.path(id)),
                ) {
                    match r {
                        Retired::MergedInto { into, .. } => {
                            let target =
                                code_map.get(into).cloned().unwrap_or_else(|| into.clone());
                            if cb.get(&target).is_some() {
                                cb.merge(id, &target, &now())?;
                            }
                        }
                        Retired::Deleted { .. } => {
                            cb.delete(id, &now());
                        }
                    }
                    report.codes_changed.push(id.clone());
                }
            } else if !cb.retired.contains_key(id) {
                cb.retired.insert(id.clone(), r.clone());
            }
        }
        // Sets (by id, then name) gain the other copy's members; relations are added once.
        let code_of = |c: &String| code_map.get(c).cloned().unwrap_or_else(|| c.clone());
        for set in &theirs.codebook.sets {
            let codes: Vec<String> = set.codes.iter().map(code_of).collect();
            let docs: Vec<String> = set
                .docs
                .iter()
                .map(|d| doc_map.get(d).cloned().unwrap_or_else(|| d.clone()))
                .collect();
            let known = cb
                .sets
                .iter()
                .find(|s| s.id == set.id || s.name.eq_ignore_ascii_case(&set.name))
                .map(|s| s.id.clone());
            match known {
                Some(id) => {
                    if cb.add_to_set(&id, &codes, &docs)? > 0 {
                        report.sets_changed.push(set.name.clone());
                    }
                }
                None => {
                    cb.sets.push(crate::model::sets::Set {
                        codes,
                        docs,
                        ..set.clone()
                    });
                    report.sets_changed.push(set.name.clone());
                }
            }
        }
        for r in &theirs.codebook.relations {
            let (from, to) = (code_of(&r.from), code_of(&r.to));
            if !cb
                .relations
                .iter()
                .any(|x| x.id == r.id || (x.from == from && x.to == to && x.label == r.label))
            {
                cb.relations.push(crate::model::sets::Relation {
                    from,
                    to,
                    ..r.clone()
                });
                report.relations_added += 1;
            }
        }

        // Cases.
        let mut cases = ours.cases.clone();
        for (name, case) in &theirs.cases.cases {
            match cases.cases.get(name).cloned() {
                None => {
                    cases.cases.insert(name.clone(), case.clone());
                    report.cases_changed.push(name.clone());
                }
                Some(mine) => {
                    let mut changed = false;
                    for (k, v) in &case.attributes {
                        match mine.attributes.get(k) {
                            None => changed = true,
                            Some(x) if x != v => {
                                if !clash(
                                    &mut report,
                                    format!("case {name}: {k} is {x:?} here and {v:?} there"),
                                ) {
                                    continue;
                                }
                                changed = true;
                            }
                            _ => continue,
                        }
                        if let Some(c) = cases.cases.get_mut(name) {
                            c.attributes.insert(k.clone(), v.clone());
                        }
                    }
                    if changed {
                        report.cases_changed.push(name.clone());
                    }
                }
            }
        }

        // Events not yet here, mapped to our ids.
        let mut have: BTreeSet<String> = BTreeSet::new();
        for (coder, path) in journal_files(&ours_root)? {
            for ev in journal::read(&path)?.events {
                have.insert(event_key(&ev, &coder));
            }
        }
        let mut to_add: BTreeMap<String, Vec<Event>> = BTreeMap::new();
        for (coder, path) in journal_files(other)? {
            crate::model::validate_coder(&coder)?;
            let read = journal::read(&path)?;
            for ev in read.events {
                let key = event_key(&ev, &coder);
                if !have.insert(key) {
                    continue;
                }
                let mapped = match ev {
                    Event::CodingAdd(mut c) => {
                        c.doc = doc_map.get(&c.doc).cloned().unwrap_or(c.doc);
                        c.code = code_map.get(&c.code).cloned().unwrap_or(c.code);
                        Event::CodingAdd(c)
                    }
                    Event::MemoSet {
                        id,
                        target,
                        text,
                        coder,
                        at,
                        guid,
                    } => {
                        let target = match target {
                            MemoTarget::Document(d) => {
                                MemoTarget::Document(doc_map.get(&d).cloned().unwrap_or(d))
                            }
                            MemoTarget::Code(c) => {
                                MemoTarget::Code(code_map.get(&c).cloned().unwrap_or(c))
                            }
                            t => t,
                        };
                        Event::MemoSet {
                            id,
                            target,
                            text,
                            coder,
                            at,
                            guid,
                        }
                    }
                    other => other,
                };
                to_add.entry(coder.clone()).or_default().push(mapped);
            }
        }
        for (coder, evs) in &to_add {
            report.events_added.insert(coder.clone(), evs.len());
        }
        report.codes_changed.sort();
        report.codes_changed.dedup();

        if prefer.is_none() && !report.clashes.is_empty() {
            return Err(Error::invalid(format!(
                "the copies clash; nothing was merged. Choose a rule with --prefer ours or --prefer theirs:\n  {}",
                report
                    .clashes
                    .iter()
                    .map(|c| c.trim_end_matches(" (unresolved)"))
                    .collect::<Vec<_>>()
                    .join("\n  ")
            )));
        }
        if report.is_empty() {
            return Ok(report);
        }

        // Write: sources, codebook, cases, coders, then journals.
        let sources = ours_root.join(SOURCES_DIR);
        fsio::ensure_dir(&sources)?;
        for (doc, _, text) in &new_docs {
            fsio::write_atomic(&sources.join(doc.text_file()), text.as_bytes())?;
        }
        for (doc, turns, _) in &new_docs {
            fsio::write_json(
                &sources.join(format!("{}.json", doc.id)),
                &crate::model::DocumentFile { doc, turns },
            )?;
        }
        if cb != self.project().codebook {
            fsio::write_json(&ours_root.join(CODEBOOK_FILE), &cb)?;
        }
        if cases != self.project().cases {
            fsio::write_json(&ours_root.join(CASES_FILE), &cases)?;
        }
        self.append_as_coders(&to_add, &theirs.config.coders)?;
        Ok(report)
    }
}
