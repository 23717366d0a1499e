//! The writing session: holds the project's single-writer lock and carries out changes. Each
//! change validates fully first, then writes durably, then updates the in-memory view, so an
//! error leaves both disk and memory as they were; every change is recorded for undo.

use super::project::*;
use crate::import::Prepared;
use crate::model::text::{char_len, quote_hash, sha256_hex, slice_chars};
use crate::model::{
    Cases, Codebook, Coding, Document, DocumentFile, Memo, MemoTarget, SpeakerMap, Turn, ids, now,
    validate_coder,
};
use crate::store::history::{Entry, History, MAX_ENTRIES, Op};
use crate::store::journal::{Event, JournalWriter};
use crate::store::lock::WriteLock;
use crate::store::txn;
use crate::store::{
    CASES_FILE, CODEBOOK_FILE, CONFIG_FILE, JOURNAL_DIR, PRIVATE_DIR, SOURCES_DIR, fsio,
};
use crate::{Error, Result};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

mod codebook;
mod codings;
mod documents;
mod import;
mod pins;
mod settings;

pub use documents::DocumentLabel;

/// A writing session: the project plus its write lock, the coder's journal and undo history.
#[derive(Debug)]
pub struct Session {
    project: Project,
    coder: String,
    journal: Option<JournalWriter>,
    history: History,
    /// While set, recorded inverse operations go here instead of a new history entry.
    capture: Option<Entry>,
    /// Ids given anew while undoing or redoing (old, new), to rewrite in the history.
    remap: Vec<(String, String)>,
    _lock: WriteLock,
}

/// Where a coder's undo history is kept.
pub(super) fn history_path(root: &Path, coder: &str) -> PathBuf {
    root.join(PRIVATE_DIR)
        .join("history")
        .join(format!("{coder}.json"))
}

#[cfg(test)]
mod undo_tests {
    use super::*;
    use crate::import::prepare;

    pub(super) fn session() -> (tempfile::TempDir, Session) {
        let dir = tempfile::tempdir().unwrap();
        Project::init(dir.path(), "t", &["no".into()], "anna").unwrap();
        let f = dir.path().join("i.txt");
        std::fs::write(&f, "Intervjuer: En to tre.\nForelder: Fire fem seks.\n").unwrap();
        let mut s = Session::open(dir.path(), "anna").unwrap();
        s.import(vec![prepare(&f, None).unwrap()], &ImportOptions::default())
            .unwrap();
        (dir, s)
    }

    fn spans(s: &Session) -> Vec<(usize, usize, String)> {
        let mut v: Vec<_> = s
            .project()
            .codings
            .values()
            .map(|c| (c.start, c.end, s.project().codebook.path(&c.code)))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn every_change_undoes_and_redoes() {
        let (_d, mut s) = session();
        let code = s.add_code("trust", "", None).unwrap();
        let made = s.add_codings("i", &code, &[(12, 22)], None).unwrap();
        assert_eq!(s.undo_label(), Some("code trust"));
        assert_eq!(s.undo().unwrap().as_deref(), Some("code trust"));
        assert!(s.project().codings.is_empty());
        assert_eq!(s.redo().unwrap().as_deref(), Some("code trust"));
        assert_eq!(spans(&s), vec![(12, 22, "trust".into())]);
        // Removing and undoing brings the same passage back (as a new coding).
        let live: Vec<String> = s.project().codings.keys().cloned().collect();
        assert!(!live.contains(&made[0].id), "redo made a fresh coding");
        s.remove_codings(&live).unwrap();
        s.undo().unwrap();
        assert_eq!(spans(&s), vec![(12, 22, "trust".into())]);
        // Renaming and deleting a code undo through the codebook snapshot, codings included.
        s.rename_code(&code, "tillit").unwrap();
        s.delete_code(&code).unwrap();
        assert!(s.project().codings.is_empty());
        assert_eq!(s.undo().unwrap().as_deref(), Some("delete a code"));
        assert_eq!(spans(&s), vec![(12, 22, "tillit".into())]);
        s.undo().unwrap();
        assert_eq!(spans(&s), vec![(12, 22, "trust".into())]);
        // Memos: write, edit, remove, and back.
        let m = s.set_memo(None, MemoTarget::Project, "first").unwrap();
        s.set_memo(Some(&m.id), MemoTarget::Project, "second")
            .unwrap();
        s.remove_memo(&m.id).unwrap();
        s.undo().unwrap();
        assert_eq!(
            s.project().memos.values().next().map(|m| m.text.as_str()),
            Some("second")
        );
        s.undo().unwrap();
        assert_eq!(
            s.project().memos.values().next().map(|m| m.text.as_str()),
            Some("first")
        );
        s.undo().unwrap();
        assert!(s.project().memos.is_empty());
        // A new change clears the redo stack.
        assert!(s.redo_label().is_some());
        s.set_case_attrs("F1", &[("role".into(), "parent".into())])
            .unwrap();
        assert!(s.redo_label().is_none());
        s.undo().unwrap();
        assert!(s.project().cases.cases.is_empty());
    }

    #[test]
    fn history_survives_a_restart_and_groups_are_one_step() {
        let (dir, mut s) = session();
        let code = s.add_code("trust", "", None).unwrap();
        let made = s.add_codings("i", &code, &[(12, 22)], None).unwrap();
        let adjusted = s.adjust_coding(&made[0].id, 12, 15).unwrap();
        assert_eq!((adjusted.start, adjusted.end), (12, 15));
        assert_eq!(s.project().codings.len(), 1);
        drop(s);
        let mut s = Session::open(dir.path(), "anna").unwrap();
        assert_eq!(s.undo().unwrap().as_deref(), Some("adjust coding"));
        assert_eq!(spans(&s), vec![(12, 22, "trust".into())]);
        s.undo().unwrap();
        s.undo().unwrap();
        assert!(s.project().codebook.codes.is_empty());
        assert_eq!(s.undo().unwrap(), None, "nothing left to undo");
        // Reopening the project from disk agrees with the session.
        drop(s);
        let p = Project::open(dir.path()).unwrap();
        assert!(p.codings.is_empty() && p.codebook.codes.is_empty());
    }
}

#[cfg(test)]
mod undo_chain_tests {

    #[test]
    fn undoing_past_a_restore_finds_the_restored_coding() {
        let (_dir, mut s) = super::undo_tests::session();
        let code = s.add_code("trust", "", None).unwrap();
        let made = s.add_codings("i", &code, &[(12, 22)], None).unwrap();
        s.remove_codings(&[made[0].id.clone()]).unwrap();
        s.undo().unwrap(); // the coding comes back under a new id
        assert_eq!(s.project().codings.len(), 1);
        s.undo().unwrap(); // undoing the original coding must remove the restored one
        assert!(s.project().codings.is_empty(), "{:?}", s.project().codings);
        s.redo().unwrap();
        s.redo().unwrap();
        assert!(s.project().codings.is_empty(), "redo of the removal");
        s.undo().unwrap();
        assert_eq!(s.project().codings.len(), 1);
    }
}

impl Drop for Session {
    /// A session that ends records what the project's journals now hold (see
    /// [`crate::store::seen`]).
    fn drop(&mut self) {
        self.project.remember_files();
    }
}

impl Session {
    /// A new coding id, unused in the project and not among `taken` (the ids of a change being
    /// built), which it joins.
    pub(super) fn fresh_coding_id(&self, taken: &mut std::collections::HashSet<String>) -> String {
        let mut id = ids::new_id("x");
        while self.project.codings.contains_key(&id) || taken.contains(&id) {
            id = ids::new_id("x");
        }
        taken.insert(id.clone());
        id
    }

    /// Takes the project's write lock for `coder` and loads the project.
    pub fn open(root: &Path, coder: &str) -> Result<Session> {
        Self::open_with(root, coder, false)
    }

    /// Like [`Session::open`]; with `wait`, waits for another writer to finish.
    pub fn open_with(root: &Path, coder: &str, wait: bool) -> Result<Session> {
        validate_coder(coder)?;
        if !root.join(CONFIG_FILE).is_file() {
            return Err(Error::NotAProject(root.to_path_buf()));
        }
        let private = root.join(PRIVATE_DIR);
        let lock = if wait {
            WriteLock::acquire_waiting(&private, coder)?
        } else {
            WriteLock::acquire(&private, coder)?
        };
        // A change that a killed process left half-made is taken back before anything else.
        let recovered = txn::recover(root).map_err(|e| {
            Error::invalid(format!(
                "an interrupted change could not be taken back: {e}; nothing was changed, fix the cause and run the command again"
            ))
        })?;
        let mut project = Project::open(root)?;
        if let Some(r) = recovered {
            project.warnings.push(interrupted_warning(r.steps));
        }
        project.held = true;
        project.remember_files();
        let history_path = history_path(root, coder);
        let history = if history_path.is_file() {
            // The history is a convenience: a damaged one is set aside with a word, never
            // used to undo (it could undo another change than the one it names).
            fsio::read_json(&history_path).unwrap_or_else(|_| {
                let w = crate::store::project::history_warning(&history_path);
                project.warnings.push(w);
                History::default()
            })
        } else {
            History::default()
        };
        Ok(Session {
            project,
            coder: coder.to_string(),
            journal: None,
            history,
            capture: None,
            remap: Vec::new(),
            _lock: lock,
        })
    }

    pub(crate) fn record(&mut self, label: &str, op: Op) {
        if let Some(c) = &mut self.capture {
            c.ops.insert(0, op);
            return;
        }
        self.history.undo.push(Entry {
            label: label.to_string(),
            ops: vec![op],
        });
        self.history.redo.clear();
        self.save_history();
    }

    pub(super) fn save_history(&mut self) {
        let excess = self.history.undo.len().saturating_sub(MAX_ENTRIES);
        self.history.undo.drain(..excess);
        let path = history_path(&self.project.root, &self.coder);
        if let Some(dir) = path.parent()
            && fsio::ensure_dir(dir).is_ok()
        {
            // The history is a convenience: failing to save it never fails the change itself.
            let _ = fsio::write_json(&path, &self.history);
        }
    }

    /// Runs `f` as one transaction (see [`crate::store::txn`]): every file it writes, the undo
    /// history included, keeps its new bytes, or (on an error, or a crash at any instant) none
    /// does. After an error the session is as it was before `f`, on disk and in memory.
    pub fn atomically<T>(&mut self, f: impl FnOnce(&mut Session) -> Result<T>) -> Result<T> {
        // Inside another transaction this is a savepoint: an error takes back this change
        // alone, and the outer one decides about the rest.
        let t = txn::begin(&self.project.root)?;
        match f(self) {
            Ok(v) => match t.commit() {
                Ok(()) => Ok(v),
                Err(e) => {
                    let _ = txn::recover(&self.project.root);
                    self.reset_after_rollback();
                    Err(e)
                }
            },
            Err(e) => {
                let rolled = t.rollback();
                self.reset_after_rollback();
                match rolled {
                    Ok(()) => Err(e),
                    Err(r) => Err(Error::invalid(format!(
                        "{e}; taking the change back also failed ({r}); the next koda command takes it back"
                    ))),
                }
            }
        }
    }

    /// Reads the project and the undo history again after a transaction was taken back.
    fn reset_after_rollback(&mut self) {
        if let Ok(mut p) = Project::open(&self.project.root) {
            p.held = true;
            self.project = p;
        }
        self.journal = None;
        self.capture = None;
        self.remap.clear();
        let path = history_path(&self.project.root, &self.coder);
        self.history = fsio::read_json(&path).unwrap_or_default();
    }

    /// Runs several changes as one undoable step labelled `label`, all or nothing.
    pub fn group<T>(
        &mut self,
        label: &str,
        f: impl FnOnce(&mut Session) -> Result<T>,
    ) -> Result<T> {
        if self.capture.is_some() {
            return f(self);
        }
        self.atomically(|s| {
            s.capture = Some(Entry {
                label: label.to_string(),
                ops: Vec::new(),
            });
            let r = f(s);
            if let Some(entry) = s.capture.take()
                && !entry.ops.is_empty()
                && r.is_ok()
            {
                s.history.undo.push(entry);
                s.history.redo.clear();
                s.save_history();
            }
            r
        })
    }

    /// What `undo` would undo, if anything.
    pub fn undo_label(&self) -> Option<&str> {
        self.history.undo.last().map(|e| e.label.as_str())
    }

    /// What `redo` would redo, if anything.
    pub fn redo_label(&self) -> Option<&str> {
        self.history.redo.last().map(|e| e.label.as_str())
    }

    /// Undoes the last change; returns its label, or `None` when there is nothing to undo.
    pub fn undo(&mut self) -> Result<Option<String>> {
        self.step(true)
    }

    /// Redoes the last undone change; returns its label, or `None` when there is nothing to redo.
    pub fn redo(&mut self) -> Result<Option<String>> {
        self.step(false)
    }

    /// Applies the newest entry of one stack and pushes its inverse onto the other.
    pub(super) fn step(&mut self, undo: bool) -> Result<Option<String>> {
        self.atomically(|s| s.step_now(undo))
    }

    /// The change itself, inside the transaction its public form opens.
    fn step_now(&mut self, undo: bool) -> Result<Option<String>> {
        let popped = if undo {
            self.history.undo.pop()
        } else {
            self.history.redo.pop()
        };
        let Some(entry) = popped else {
            return Ok(None);
        };
        let (label, result) = self.apply_entry(entry);
        if let Some(inverse) = result.1 {
            if undo {
                self.history.redo.push(inverse);
            } else {
                self.history.undo.push(inverse);
            }
        }
        self.save_history();
        self.reload()?;
        result.0.map(|()| Some(label))
    }

    /// Applies an entry's operations, capturing their inverses.
    pub(super) fn apply_entry(&mut self, entry: Entry) -> (String, (Result<()>, Option<Entry>)) {
        self.capture = Some(Entry {
            label: entry.label.clone(),
            ops: Vec::new(),
        });
        let mut result = Ok(());
        for op in entry.ops {
            if let Err(e) = self.apply_op(op) {
                result = Err(e);
                break;
            }
        }
        let captured = self.capture.take().filter(|c| !c.ops.is_empty());
        // A coding or memo that came back has a new id: older entries must name it by that id.
        let remap = std::mem::take(&mut self.remap);
        if !remap.is_empty() {
            let fix = |id: &mut String| {
                if let Some((_, new)) = remap.iter().find(|(old, _)| old == id) {
                    id.clone_from(new);
                }
            };
            for e in self
                .history
                .undo
                .iter_mut()
                .chain(self.history.redo.iter_mut())
            {
                for op in &mut e.ops {
                    match op {
                        Op::RemoveCodings { ids } => ids.iter_mut().for_each(fix),
                        Op::RestoreCodings { codings } => {
                            codings.iter_mut().for_each(|c| fix(&mut c.id))
                        }
                        Op::SetMemo { id, .. } | Op::RemoveMemo { id } => fix(id),
                        Op::DocText { spans, .. } => spans.iter_mut().for_each(|s| fix(&mut s.0)),
                        Op::ReportSettings { .. } => {}
                        Op::Pins { set, remove } => {
                            set.iter_mut().for_each(|p| fix(&mut p.coding));
                            remove.iter_mut().for_each(fix);
                        }
                        Op::Codebook { .. }
                        | Op::Cases { .. }
                        | Op::Names { .. }
                        | Op::Turns { .. }
                        | Op::Label { .. }
                        | Op::RestoreDocument { .. }
                        | Op::RemoveDocument { .. } => {}
                    }
                }
            }
        }
        (entry.label, (result, captured))
    }

    pub(super) fn apply_op(&mut self, op: Op) -> Result<()> {
        match op {
            Op::RemoveCodings { ids } => {
                let live: Vec<String> = ids
                    .into_iter()
                    .filter(|id| self.project.codings.contains_key(id))
                    .collect();
                if !live.is_empty() {
                    self.remove_codings(&live)?;
                }
            }
            Op::RestoreCodings { codings } => {
                // Idempotent: a step retried after a crash between its journal append and its
                // history write finds the codings back already and does not add them twice.
                let mut missing = Vec::new();
                for c in codings {
                    let back = self.project.codings.values().find(|l| {
                        l.doc == c.doc
                            && l.code == c.code
                            && l.start == c.start
                            && l.end == c.end
                            && l.coder == c.coder
                    });
                    match back {
                        Some(l) if l.id != c.id => self.remap.push((c.id.clone(), l.id.clone())),
                        Some(_) => {}
                        None => missing.push(c),
                    }
                }
                let made = self.restore_codings(&missing)?;
                for (old, new) in missing.iter().zip(&made) {
                    self.remap.push((old.id.clone(), new.id.clone()));
                }
            }
            Op::SetMemo { id, target, text }
                if !self.project.memos.contains_key(&id)
                    && let Some(back) = self
                        .project
                        .memos
                        .values()
                        .find(|m| m.target == target && m.text == text) =>
            {
                // The memo is back already (a retried step): name it by its id.
                let back = back.id.clone();
                self.remap.push((id, back));
            }
            Op::SetMemo { id, target, text } => {
                // A memo on a coding that came back in this same step names its new id.
                let target = match target {
                    MemoTarget::Coding(c) => MemoTarget::Coding(
                        self.remap
                            .iter()
                            .find(|(old, _)| *old == c)
                            .map_or(c, |(_, new)| new.clone()),
                    ),
                    other => other,
                };
                let existing = self.project.memos.contains_key(&id).then_some(id.as_str());
                let m = self.set_memo(existing, target, &text)?;
                if m.id != id {
                    self.remap.push((id, m.id));
                }
            }
            Op::RemoveMemo { id } => {
                if self.project.memos.contains_key(&id) {
                    self.remove_memo(&id)?;
                }
            }
            Op::Codebook { codebook } => {
                self.save_codebook(codebook)?;
            }
            Op::Cases { cases } => {
                self.save_cases(cases)?;
            }
            Op::Names { names } => {
                self.save_names(names)?;
            }
            Op::DocText { doc, text, spans } => {
                self.set_document_text(&doc, &text, Some(&spans))?;
            }
            Op::Turns {
                doc,
                segmentation,
                turns,
            } => {
                self.set_turns(&doc, segmentation, turns)?;
            }
            Op::Label { doc, label } => {
                self.relabel_document(&doc, label)?;
            }
            Op::RestoreDocument { doc, files } => {
                self.restore_document(*doc, &files)?;
            }
            Op::RemoveDocument { doc } => {
                if self.project.docs.contains_key(&doc) {
                    self.remove_document(&doc)?;
                }
            }
            Op::ReportSettings { settings } => {
                self.set_report_settings(settings)?;
            }
            Op::Pins {
                mut set,
                mut remove,
            } => {
                // A coding that came back in this same step names its new id.
                let new_id = |id: &mut String, remap: &[(String, String)]| {
                    if let Some((_, new)) = remap.iter().find(|(old, _)| old == id) {
                        id.clone_from(new);
                    }
                };
                set.iter_mut()
                    .for_each(|p| new_id(&mut p.coding, &self.remap));
                remove.iter_mut().for_each(|id| new_id(id, &self.remap));
                set.retain(|p| self.project.codings.contains_key(&p.coding));
                remove.retain(|id| self.project.pins.contains_key(id));
                self.change_pins("pins", set, remove)?;
            }
        }
        Ok(())
    }

    /// Brings codings back as new codings with the same document, span, code, coder, memo and
    /// run; used by undo and redo.
    pub(super) fn restore_codings(&mut self, codings: &[Coding]) -> Result<Vec<Coding>> {
        self.atomically(|s| s.restore_codings_now(codings))
    }

    /// The change itself, inside the transaction its public form opens.
    fn restore_codings_now(&mut self, codings: &[Coding]) -> Result<Vec<Coding>> {
        let at = now();
        let mut out = Vec::new();
        let mut new_ids: std::collections::HashSet<String> = std::collections::HashSet::new();
        for c in codings {
            let doc = self.project.docs.get(&c.doc).ok_or_else(|| {
                Error::invalid(format!(
                    "document {:?} is gone; the coding cannot come back",
                    c.doc
                ))
            })?;
            if self.project.codebook.resolve(&c.code).is_none() {
                return Err(Error::invalid(format!(
                    "the code of coding {} is gone; undo the code's deletion first",
                    c.id
                )));
            }
            if c.end > doc.chars {
                return Err(Error::invalid(format!(
                    "coding {} no longer fits its document",
                    c.id
                )));
            }
            let text = self.project.text(&c.doc)?;
            let ix = self.project.char_index(&c.doc)?;
            let id = self.fresh_coding_id(&mut new_ids);
            out.push(Coding {
                id,
                hash: quote_hash(ix.slice(&text, c.start, c.end)),
                at: at.clone(),
                rev: doc.revision,
                ..c.clone()
            });
        }
        let mut events: Vec<Event> = out.iter().cloned().map(Event::CodingAdd).collect();
        let pins = self.pins_following(codings, &out);
        events.extend(pins.iter().cloned());
        if !events.is_empty() {
            self.append(&events)?;
        }
        for ev in pins {
            if let Event::PinSet { pin, .. } = ev {
                self.project.pins.insert(pin.coding.clone(), pin);
            }
        }
        for c in &out {
            let mut live = c.clone();
            if let Some(r) = self.project.codebook.resolve(&c.code) {
                live.code = r;
            }
            self.project.codings.insert(c.id.clone(), live);
        }
        let ids: Vec<String> = out.iter().map(|c| c.id.clone()).collect();
        self.record("restore codings", Op::RemoveCodings { ids });
        Ok(out)
    }

    /// Moves a coding's boundaries (a new coding replaces it, as one undoable step).
    pub fn adjust_coding(&mut self, id: &str, start: usize, end: usize) -> Result<Coding> {
        let old = self
            .project
            .codings
            .get(id)
            .cloned()
            .ok_or_else(|| Error::invalid(format!("no coding {id:?}")))?;
        let doc = old.doc.clone();
        let code = old.code.clone();
        self.group("adjust coding", |s| {
            let made = s.add_codings_in(
                &code,
                &[(doc, start, end)],
                old.memo.as_deref(),
                old.batch.as_deref(),
            )?;
            s.remove_codings(std::slice::from_ref(&old.id))?;
            made.into_iter()
                .next()
                .ok_or_else(|| Error::invalid("the coding could not be made"))
        })
    }

    /// The project as it stands after the changes so far.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// Reloads the project from disk (after changes written outside this session's methods).
    pub fn reload(&mut self) -> Result<()> {
        self.project = Project::open(self.project.root())?;
        self.project.held = true;
        self.journal = None;
        Ok(())
    }

    /// The coder this session writes as.
    pub fn coder(&self) -> &str {
        &self.coder
    }

    pub(crate) fn apply_edit_in_memory(
        &mut self,
        doc: Document,
        text: String,
        moved: &[(String, usize, usize, String, bool)],
    ) {
        let rev = doc.revision;
        self.project
            .texts
            .borrow_mut()
            .insert(doc.id.clone(), Rc::from(text));
        // The turns are read again from the file just written (an undone correction may have
        // the text of an earlier revision with turns parsed anew).
        self.project
            .turn_tables
            .borrow_mut()
            .retain(|(id, _), _| *id != doc.id);
        self.project.docs.insert(doc.id.clone(), doc);
        for (id, s, e, hash, stale) in moved {
            if let Some(c) = self.project.codings.get_mut(id) {
                c.start = *s;
                c.end = *e;
                c.hash.clone_from(hash);
                c.rev = rev;
                c.stale = *stale;
            }
        }
    }

    pub(crate) fn mark_confirmed(&mut self, ids: &[String]) {
        for id in ids {
            let text = self
                .project
                .codings
                .get(id)
                .and_then(|c| self.project.text(&c.doc).ok().map(|t| (c.start, c.end, t)));
            if let Some(c) = self.project.codings.get_mut(id) {
                c.stale = false;
                if let Some((s, e, t)) = text {
                    c.hash = quote_hash(slice_chars(&t, s, e));
                }
            }
        }
    }

    /// Appends events to the journals of the coders who made them (merging and importing other
    /// projects' work), adds those coders to the project, and reloads.
    pub(crate) fn append_as_coders(
        &mut self,
        events: &BTreeMap<String, Vec<Event>>,
        also: &[String],
    ) -> Result<()> {
        let root = self.project.root.clone();
        let mut config = self.project.config.clone();
        for coder in events.keys().chain(also) {
            if !config.coders.contains(coder) {
                config.coders.push(coder.clone());
            }
        }
        if config != self.project.config {
            fsio::write_json(&root.join(CONFIG_FILE), &config)?;
        }
        let dir = root.join(JOURNAL_DIR);
        fsio::ensure_dir(&dir)?;
        for (coder, evs) in events {
            validate_coder(coder)?;
            let mut w = JournalWriter::open(
                &dir.join(format!("{coder}.jsonl")),
                &root.join(PRIVATE_DIR).join("recovered"),
            )?;
            w.append(evs)?;
        }
        self.reload()
    }

    pub(crate) fn append(&mut self, events: &[Event]) -> Result<()> {
        if self.journal.is_none() {
            // The journal first: a coder whose journal cannot be written is not added to
            // koda.json, so a refused command changes no file.
            let dir = self.project.root.join(JOURNAL_DIR);
            fsio::ensure_dir(&dir)?;
            let path = dir.join(format!("{}.jsonl", self.coder));
            let recovered = self.project.root.join(PRIVATE_DIR).join("recovered");
            let journal = JournalWriter::open(&path, &recovered)?;
            if !self.project.config.coders.iter().any(|c| c == &self.coder) {
                let mut config = self.project.config.clone();
                config.coders.push(self.coder.clone());
                fsio::write_json(&self.project.root.join(CONFIG_FILE), &config)?;
                self.project.config = config;
            }
            self.journal = Some(journal);
        }
        match &mut self.journal {
            Some(j) => j.append(events),
            None => Err(Error::invalid("journal not open")),
        }
    }
}
