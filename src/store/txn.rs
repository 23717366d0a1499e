//! Changes that touch several files are all-or-nothing, through an undo log.
//!
//! While a transaction is open on a thread, every durable write that [`super::fsio`] and the
//! journal make inside the project first records, durably, how to take it back: a file about
//! to be replaced or removed is hard-linked into `.koda/txn/` (its old bytes stay there under a
//! number), a journal about to grow has its length written down, a file about to be created is
//! noted. Only then is the write made. Committing removes the log (that unlink is the commit
//! point) and then the kept copies.
//!
//! If the change fails, or the process dies at any instant before the commit point, the log is
//! played backwards (in the process itself, or by the next process that opens the project):
//! kept copies are renamed back, created files removed, journals cut back to their length.
//! Rolling back never needs free space, so a full disk cannot stop it. A change is only
//! acknowledged after its commit, so what a crash leaves is the state before the change or the
//! state after it, never another.
//!
//! The log is a JSON line per step, each fsynced before the step it describes; a torn last line
//! describes a step that was never made and is ignored.

use crate::store::{PRIVATE_DIR, fsio};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The folder of the open (or interrupted) transaction, inside `.koda/`.
const TXN_DIR: &str = "txn";
/// The undo log inside it.
const LOG_FILE: &str = "log.jsonl";

/// One step of the undo log: how to take one write back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Step {
    /// `path` was replaced or removed; its old bytes are kept as copy number `keep`.
    Replace { path: String, keep: usize },
    /// `path` did not exist and was created.
    Create { path: String },
    /// `path` (a journal) was `len` bytes long before it was appended to.
    Append { path: String, len: u64 },
}

struct Open {
    root: PathBuf,
    dir: PathBuf,
    log: Option<File>,
    kept: usize,
    /// The steps logged so far, each with the log's length before it.
    steps: Vec<(Step, u64)>,
    /// Where each open savepoint (a transaction joined inside this one) starts in `steps`.
    savepoints: Vec<usize>,
    /// Paths recorded, with the step that recorded them: a path needs recording again only
    /// after a savepoint newer than its record, so that rolling back to that savepoint can
    /// restore it as it was there.
    seen: std::collections::HashMap<PathBuf, usize>,
}

thread_local! {
    static ACTIVE: RefCell<Option<Open>> = const { RefCell::new(None) };
}

/// An open transaction; dropping it without [`Txn::commit`] rolls it back.
#[must_use]
pub struct Txn {
    /// False for a transaction begun inside an outer one (a savepoint): only the outer one
    /// commits, but it rolls back on its own to where it began.
    outer: bool,
    done: bool,
}

fn txn_dir(root: &Path) -> PathBuf {
    root.join(PRIVATE_DIR).join(TXN_DIR)
}

/// Opens a transaction over the project at `root`, or, when one is already open on this
/// thread, a savepoint inside it. The caller must hold the project's write lock.
pub fn begin(root: &Path) -> Result<Txn> {
    let joined = ACTIVE.with(|a| {
        let mut a = a.borrow_mut();
        match a.as_mut() {
            Some(open) => {
                open.savepoints.push(open.steps.len());
                true
            }
            None => false,
        }
    });
    if joined {
        return Ok(Txn {
            outer: false,
            done: false,
        });
    }
    // A log left by a process that died is rolled back before anything new is written.
    recover(root)?;
    let dir = txn_dir(root);
    ACTIVE.with(|a| {
        *a.borrow_mut() = Some(Open {
            root: root.to_path_buf(),
            dir,
            log: None,
            kept: 0,
            steps: Vec::new(),
            savepoints: Vec::new(),
            seen: Default::default(),
        })
    });
    Ok(Txn {
        outer: true,
        done: false,
    })
}

impl Txn {
    /// Makes every write of the transaction final.
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        if !self.outer {
            // The savepoint's steps now belong to the transaction around it.
            ACTIVE.with(|a| {
                if let Some(open) = a.borrow_mut().as_mut() {
                    open.savepoints.pop();
                }
            });
            return Ok(());
        }
        let Some(open) = ACTIVE.with(|a| a.borrow_mut().take()) else {
            return Ok(());
        };
        if open.log.is_none() {
            return Ok(());
        }
        let log = open.dir.join(LOG_FILE);
        fs::remove_file(&log).map_err(|e| Error::io(&log, e))?;
        fsio::crash_point("txn: log removed");
        fsio::sync_dir(&open.dir)?;
        fsio::crash_point("txn: committed");
        // The kept copies are garbage now; a crash here leaves them for the next cleanup.
        clear(&open.dir);
        Ok(())
    }

    /// Takes every write of the transaction back.
    pub fn rollback(mut self) -> Result<()> {
        self.done = true;
        self.roll_back()
    }

    fn roll_back(&mut self) -> Result<()> {
        if !self.outer {
            return ACTIVE.with(|a| match a.borrow_mut().as_mut() {
                Some(open) => open.back_to_savepoint(),
                None => Ok(()),
            });
        }
        let Some(open) = ACTIVE.with(|a| a.borrow_mut().take()) else {
            return Ok(());
        };
        drop(open.log);
        recover(&open.root).map(|_| ())
    }
}

impl Drop for Txn {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.roll_back();
        }
    }
}

/// Runs `f` as one transaction: its writes all stay, or (on an error) none does.
pub fn atomically<T>(root: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let txn = begin(root)?;
    match f() {
        Ok(v) => {
            txn.commit()?;
            Ok(v)
        }
        Err(e) => {
            txn.rollback()?;
            Err(e)
        }
    }
}

/// Whether a transaction is open on this thread (a write now is part of it).
pub fn active() -> bool {
    ACTIVE.with(|a| a.borrow().is_some())
}

/// Records, before it happens, that `path` is about to be replaced or removed (or created,
/// when it does not exist). Does nothing outside a transaction or outside its project.
pub fn before_replace(path: &Path) -> Result<()> {
    with_open(path, |open, rel| {
        if path.exists() {
            fsio::ensure_dir(&open.dir)?;
            let keep = open.kept;
            open.kept += 1;
            let copy = open.dir.join(keep.to_string());
            let _ = fs::remove_file(&copy);
            if fs::hard_link(path, &copy).is_err() {
                // A file system without hard links: a copy, made durable, does the same.
                fs::copy(path, &copy).map_err(|e| Error::io(&copy, e))?;
                File::open(&copy)
                    .and_then(|f| f.sync_all())
                    .map_err(|e| Error::io(&copy, e))?;
            }
            fsio::sync_dir(&open.dir)?;
            fsio::crash_point("txn: old copy kept");
            log(open, &Step::Replace { path: rel, keep })
        } else {
            log(open, &Step::Create { path: rel })
        }
    })
}

/// Records, before it happens, that the journal at `path` is about to grow.
pub fn before_append(path: &Path) -> Result<()> {
    with_open(path, |open, rel| match fs::metadata(path) {
        Ok(m) => log(
            open,
            &Step::Append {
                path: rel,
                len: m.len(),
            },
        ),
        Err(_) => log(open, &Step::Create { path: rel }),
    })
}

fn with_open(path: &Path, f: impl FnOnce(&mut Open, String) -> Result<()>) -> Result<()> {
    ACTIVE.with(|a| {
        let mut a = a.borrow_mut();
        let Some(open) = a.as_mut() else {
            return Ok(());
        };
        let Ok(rel) = path.strip_prefix(&open.root) else {
            return Ok(());
        };
        if rel.starts_with(PRIVATE_DIR) && !rel.starts_with(Path::new(PRIVATE_DIR).join("history"))
        {
            // Machine-local state (the index, the lock) is not part of the project's state;
            // the undo history is.
            return Ok(());
        }
        let since = open.savepoints.last().copied().unwrap_or(0);
        if open.seen.get(path).is_some_and(|&at| at >= since) {
            return Ok(());
        }
        let at = open.steps.len();
        open.seen.insert(path.to_path_buf(), at);
        let rel = rel.to_string_lossy().into_owned();
        f(open, rel)
    })
}

fn log(open: &mut Open, step: &Step) -> Result<()> {
    let path = open.dir.join(LOG_FILE);
    if open.log.is_none() {
        fsio::ensure_dir(&open.dir)?;
        let f = fsio::private_options()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        fsio::sync_dir(&open.dir)?;
        open.log = Some(f);
    }
    let mut line = serde_json::to_string(step)
        .map_err(|e| Error::invalid(format!("cannot serialise a log step: {e}")))?;
    line.push('\n');
    let Some(f) = open.log.as_mut() else {
        return Ok(());
    };
    let len = f.metadata().map_err(|e| Error::io(&path, e))?.len();
    f.write_all(line.as_bytes())
        .and_then(|()| f.sync_data())
        .map_err(|e| Error::io(&path, e))?;
    open.steps.push((step.clone(), len));
    fsio::crash_point("txn: step logged");
    Ok(())
}

impl Open {
    /// Takes back the steps of the newest savepoint and forgets them (the log is cut back to
    /// where the savepoint began, so a crash later does not take them back twice).
    fn back_to_savepoint(&mut self) -> Result<()> {
        let Some(from) = self.savepoints.pop() else {
            return Ok(());
        };
        for (step, _) in self.steps[from..].iter().rev() {
            undo_step(&self.root, &self.dir, step)?;
        }
        if let Some(&(_, len)) = self.steps.get(from)
            && let Some(f) = self.log.as_mut()
        {
            let path = self.dir.join(LOG_FILE);
            f.set_len(len)
                .and_then(|()| f.sync_data())
                .map_err(|e| Error::io(&path, e))?;
        }
        self.steps.truncate(from);
        self.seen.retain(|_, at| *at < from);
        Ok(())
    }
}

/// What [`recover`] found and did.
#[derive(Debug, Default, PartialEq)]
pub struct Recovered {
    /// Writes taken back (steps whose write had been made).
    pub steps: usize,
}

/// Rolls back a transaction that a process left unfinished (the caller holds the write lock,
/// or no writer is running), and removes what a finished one left. `None` when no file had
/// to change.
pub fn recover(root: &Path) -> Result<Option<Recovered>> {
    let dir = txn_dir(root);
    let log_path = dir.join(LOG_FILE);
    if !log_path.exists() {
        if dir.exists() {
            clear(&dir);
        }
        return Ok(None);
    }
    let bytes = fs::read(&log_path).map_err(|e| Error::io(&log_path, e))?;
    let mut steps = Vec::new();
    for line in bytes.split(|&b| b == b'\n') {
        // A line that does not parse was cut off while being written: its step never ran.
        if let Ok(step) = serde_json::from_slice::<Step>(line) {
            steps.push(step);
        }
    }
    let mut undone = 0;
    for step in steps.iter().rev() {
        undone += usize::from(undo_step(root, &dir, step)?);
        fsio::crash_point("txn: step rolled back");
    }
    fs::remove_file(&log_path).map_err(|e| Error::io(&log_path, e))?;
    fsio::sync_dir(&dir)?;
    clear(&dir);
    Ok((undone > 0).then_some(Recovered { steps: undone }))
}

/// Whether the project at `root` holds an unfinished transaction.
pub fn pending(root: &Path) -> bool {
    txn_dir(root).join(LOG_FILE).exists()
}

fn inside(root: &Path, rel: &str) -> Result<PathBuf> {
    let rel = Path::new(rel);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(Error::Corrupt {
            path: txn_dir(root).join(LOG_FILE),
            msg: format!("a step names {} outside the project", rel.display()),
        });
    }
    Ok(root.join(rel))
}

/// Takes one step back; whether a file changed.
fn undo_step(root: &Path, dir: &Path, step: &Step) -> Result<bool> {
    match step {
        Step::Replace { path, keep } => {
            let target = inside(root, path)?;
            let copy = dir.join(keep.to_string());
            if copy.exists() {
                let same = same_file(&copy, &target);
                fs::rename(&copy, &target).map_err(|e| Error::io(&target, e))?;
                sync_parent(&target)?;
                return Ok(!same);
            }
        }
        Step::Create { path } => {
            let target = inside(root, path)?;
            match fs::remove_file(&target) {
                Ok(()) => {
                    sync_parent(&target)?;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&target, e)),
            }
        }
        Step::Append { path, len } => {
            let target = inside(root, path)?;
            match OpenOptions::new().write(true).open(&target) {
                Ok(f) => {
                    let now = f.metadata().map_err(|e| Error::io(&target, e))?.len();
                    if now > *len {
                        f.set_len(*len).map_err(|e| Error::io(&target, e))?;
                        f.sync_all().map_err(|e| Error::io(&target, e))?;
                        return Ok(true);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&target, e)),
            }
        }
    }
    Ok(false)
}

/// Whether two paths are one file (a kept copy still linked to its target: no write was made).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::metadata(a), fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

fn sync_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(d) => fsio::sync_dir(d),
        None => Ok(()),
    }
}

/// Removes what a finished or rolled-back transaction left (kept copies); best-effort.
fn clear(dir: &Path) {
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_name() != LOG_FILE {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join(PRIVATE_DIR)).unwrap();
        fs::create_dir_all(d.path().join("journal")).unwrap();
        fs::write(d.path().join("a.json"), "old a").unwrap();
        fs::write(d.path().join("journal/j.jsonl"), "line 1\n").unwrap();
        d
    }

    fn append(path: &Path, s: &str) {
        before_append(path).unwrap();
        let mut f = OpenOptions::new().append(true).open(path).unwrap();
        f.write_all(s.as_bytes()).unwrap();
    }

    fn state(root: &Path) -> (String, String, bool) {
        (
            fs::read_to_string(root.join("a.json")).unwrap(),
            fs::read_to_string(root.join("journal/j.jsonl")).unwrap(),
            root.join("b.json").exists(),
        )
    }

    #[test]
    fn a_failed_transaction_takes_every_write_back() {
        let d = project();
        let root = d.path();
        let before = state(root);
        let r: Result<()> = atomically(root, || {
            fsio::write_atomic(&root.join("a.json"), b"new a")?;
            fsio::write_atomic(&root.join("b.json"), b"new b")?;
            append(&root.join("journal/j.jsonl"), "line 2\n");
            // A second write of the same file is taken back to the first state, not the middle.
            fsio::write_atomic(&root.join("a.json"), b"newer a")?;
            Err(Error::invalid("refused"))
        });
        assert!(r.is_err());
        assert_eq!(state(root), before);
        assert!(!pending(root));
        assert!(!active());
    }

    #[test]
    fn a_committed_transaction_keeps_every_write_and_leaves_nothing_behind() {
        let d = project();
        let root = d.path();
        atomically(root, || {
            fsio::write_atomic(&root.join("a.json"), b"new a")?;
            append(&root.join("journal/j.jsonl"), "line 2\n");
            Ok(())
        })
        .unwrap();
        assert_eq!(
            state(root),
            ("new a".into(), "line 1\nline 2\n".into(), false)
        );
        let left: Vec<_> = fs::read_dir(txn_dir(root))
            .map(|r| r.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn a_log_left_by_a_dead_process_is_rolled_back_on_the_next_open() {
        let d = project();
        let root = d.path();
        let before = state(root);
        let txn = begin(root).unwrap();
        fsio::write_atomic(&root.join("a.json"), b"new a").unwrap();
        fsio::write_atomic(&root.join("b.json"), b"new b").unwrap();
        append(&root.join("journal/j.jsonl"), "line 2\n");
        // The process "dies": the transaction is forgotten without rolling back.
        std::mem::forget(txn);
        ACTIVE.with(|a| a.borrow_mut().take());
        // A torn last line (a step being logged when it died) is ignored.
        let mut f = OpenOptions::new()
            .append(true)
            .open(txn_dir(root).join(LOG_FILE))
            .unwrap();
        f.write_all(b"{\"op\":\"repl").unwrap();
        assert!(pending(root));
        assert_eq!(recover(root).unwrap(), Some(Recovered { steps: 3 }));
        assert_eq!(state(root), before);
        // Recovery twice is harmless.
        assert_eq!(recover(root).unwrap(), None);
    }

    #[test]
    fn a_joined_transaction_commits_with_its_outer_one() {
        let d = project();
        let root = d.path();
        let r: Result<()> = atomically(root, || {
            atomically(root, || fsio::write_atomic(&root.join("a.json"), b"inner"))?;
            Err(Error::invalid("outer fails"))
        });
        assert!(r.is_err());
        assert_eq!(fs::read_to_string(root.join("a.json")).unwrap(), "old a");
    }

    #[test]
    fn a_failed_savepoint_takes_back_its_own_writes_and_the_outer_change_goes_on() {
        let d = project();
        let root = d.path();
        atomically(root, || {
            fsio::write_atomic(&root.join("a.json"), b"first")?;
            let inner: Result<()> = atomically(root, || {
                fsio::write_atomic(&root.join("a.json"), b"second")?;
                fsio::write_atomic(&root.join("b.json"), b"new b")?;
                append(&root.join("journal/j.jsonl"), "line 2\n");
                Err(Error::invalid("this file is refused"))
            });
            assert!(inner.is_err());
            assert_eq!(state(root), ("first".into(), "line 1\n".into(), false));
            append(&root.join("journal/j.jsonl"), "line 3\n");
            Ok(())
        })
        .unwrap();
        assert_eq!(
            state(root),
            ("first".into(), "line 1\nline 3\n".into(), false)
        );
        // And a failed outer change after a kept savepoint takes everything back.
        let r: Result<()> = atomically(root, || {
            atomically(root, || fsio::write_atomic(&root.join("a.json"), b"third"))?;
            fsio::write_atomic(&root.join("b.json"), b"b")?;
            Err(Error::invalid("refused"))
        });
        assert!(r.is_err());
        assert_eq!(
            state(root),
            ("first".into(), "line 1\nline 3\n".into(), false)
        );
    }

    #[test]
    fn a_log_naming_a_path_outside_the_project_is_refused() {
        let d = project();
        let root = d.path();
        fs::create_dir_all(txn_dir(root)).unwrap();
        fs::write(
            txn_dir(root).join(LOG_FILE),
            "{\"op\":\"create\",\"path\":\"../outside\"}\n",
        )
        .unwrap();
        let err = recover(root).unwrap_err().to_string();
        assert!(err.contains("outside the project"), "{err}");
    }
}
