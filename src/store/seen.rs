//! What koda last saw of the files that hold people's work, so that a journal deleted or cut
//! short, or a deleted `cases.json` or `codebook.json`, is said instead of read as "no work".
//!
//! A journal only grows while koda writes it (lines are appended; a change taken back is cut
//! back to the length it had before that change began), so a journal shorter than koda last
//! saw it lost lines that were acknowledged: a coder's codings and memos. A project without its
//! `cases.json` opens as a project without cases, which is how a deleted file would otherwise
//! look. `.koda/seen.json` records, for this copy of the project, the length of each journal
//! and which of these files existed; a writing session records it when it opens and when it
//! ends, and every open compares. Nothing here changes a project file: what is found is a
//! warning (`koda doctor` reports it too), and `koda doctor --accept` records the project as
//! it now is when the change was made on purpose.
//!
//! `.koda/` is private to one copy: a fresh clone has no record and starts one.

use crate::store::{CASES_FILE, CODEBOOK_FILE, JOURNAL_DIR, PRIVATE_DIR, fsio};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The record's file inside `.koda/`.
const FILE: &str = "seen.json";
/// The files whose disappearance is said.
const FILES: [&str; 2] = [CASES_FILE, CODEBOOK_FILE];

/// What koda last saw.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// Each journal's file name and its length in bytes.
    #[serde(default)]
    pub journals: BTreeMap<String, u64>,
    /// The files of [`FILES`] that existed.
    #[serde(default)]
    pub files: Vec<String>,
}

fn record_path(root: &Path) -> PathBuf {
    root.join(PRIVATE_DIR).join(FILE)
}

/// What the project's files are now.
pub fn now(root: &Path) -> Result<Seen> {
    let mut seen = Seen::default();
    let dir = root.join(JOURNAL_DIR);
    match std::fs::read_dir(&dir) {
        Ok(rd) => {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if !name.ends_with(".jsonl") || name.starts_with('.') {
                    continue;
                }
                let len = e.metadata().map_err(|err| Error::io(e.path(), err))?.len();
                seen.journals.insert(name, len);
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(&dir, e)),
    }
    for f in FILES {
        if root.join(f).is_file() {
            seen.files.push(f.to_string());
        }
    }
    Ok(seen)
}

/// The record, if there is a readable one (a damaged record is no record: it only ever makes
/// koda say less).
fn recorded(root: &Path) -> Option<Seen> {
    fsio::read_json(&record_path(root)).ok()
}

/// What was lost since koda last saw the project: each file with a message naming it and
/// what to do.
pub fn problems(root: &Path) -> Vec<(PathBuf, String)> {
    let Some(before) = recorded(root) else {
        return Vec::new();
    };
    let Ok(after) = now(root) else {
        return Vec::new();
    };
    let fix = "restore it from a backup (or from your copy's history), or, if it was changed on purpose, run `koda doctor --accept`";
    let mut out = Vec::new();
    for (name, &was) in &before.journals {
        let path = root.join(JOURNAL_DIR).join(name);
        let coder = name.trim_end_matches(".jsonl");
        match after.journals.get(name) {
            None if was > 0 => {
                let msg = format!(
                    "{} is missing: it held {was} bytes of {coder}'s codings and memos when koda last saw this project; {fix}",
                    path.display()
                );
                out.push((path, msg));
            }
            Some(&len) if len < was => {
                let msg = format!(
                    "{} is shorter than when koda last saw it ({len} bytes, was {was}): {coder}'s codings and memos at its end are gone; {fix}",
                    path.display()
                );
                out.push((path, msg));
            }
            _ => {}
        }
    }
    for f in &before.files {
        if !after.files.contains(f) {
            let what = if f == CASES_FILE {
                "every case and its attributes"
            } else {
                "every code of the codebook"
            };
            let path = root.join(f);
            let msg = format!(
                "{} is missing ({what}); it existed when koda last saw this project; {fix}",
                path.display()
            );
            out.push((path, msg));
        }
    }
    out
}

/// Records the project's files as they are now. Not while a change is under way (a change
/// taken back would leave a record longer than its journal).
pub fn record(root: &Path) -> Result<()> {
    if crate::store::txn::pending(root) {
        return Ok(());
    }
    let seen = now(root)?;
    if recorded(root).as_ref() == Some(&seen) {
        return Ok(());
    }
    fsio::ensure_dir(&root.join(PRIVATE_DIR))?;
    fsio::write_json(&record_path(root), &seen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn project() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("journal")).unwrap();
        fs::write(d.path().join("journal/anna.jsonl"), "line 1\nline 2\n").unwrap();
        fs::write(d.path().join("cases.json"), "{}").unwrap();
        d
    }

    #[test]
    fn a_journal_cut_short_or_deleted_and_a_deleted_cases_file_are_said() {
        let d = project();
        let root = d.path();
        assert!(
            problems(root).is_empty(),
            "no record yet: nothing to compare"
        );
        record(root).unwrap();
        assert!(problems(root).is_empty());
        // Growing is what journals do.
        fs::write(root.join("journal/anna.jsonl"), "line 1\nline 2\nline 3\n").unwrap();
        assert!(problems(root).is_empty());
        record(root).unwrap();
        fs::write(root.join("journal/anna.jsonl"), "").unwrap();
        let p = problems(root);
        assert!(
            p.len() == 1 && p[0].1.contains("anna.jsonl is shorter") && p[0].1.contains("was 21"),
            "{p:?}"
        );
        fs::remove_file(root.join("journal/anna.jsonl")).unwrap();
        fs::remove_file(root.join("cases.json")).unwrap();
        let p = problems(root);
        assert!(
            p.len() == 2
                && p[0].1.contains("anna.jsonl is missing")
                && p[1].1.contains("cases.json is missing"),
            "{p:?}"
        );
        // Accepting the project as it is ends the warnings.
        record(root).unwrap();
        assert!(problems(root).is_empty());
    }

    #[test]
    fn an_empty_journal_that_disappears_lost_nothing() {
        let d = project();
        fs::write(d.path().join("journal/bo.jsonl"), "").unwrap();
        record(d.path()).unwrap();
        fs::remove_file(d.path().join("journal/bo.jsonl")).unwrap();
        assert!(problems(d.path()).is_empty());
    }
}
