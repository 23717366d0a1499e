//! Durable file writes: atomic snapshot replacement and fsync of files and folders.

use crate::{Error, Result};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Replaces `path` with `bytes` atomically: the bytes go to a temp file in the same folder,
/// which is fsynced and renamed over `path`, and the folder is fsynced. A crash at any instant
/// leaves either the old file or the new one, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    super::txn::before_replace(path)?;
    let result = (|| {
        let mut f = private_options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| Error::io(&tmp, e))?;
        f.write_all(bytes).map_err(|e| Error::io(&tmp, e))?;
        f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        drop(f);
        crash_point("temp file written");
        fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
        crash_point("renamed");
        sync_dir(dir)?;
        crash_point("folder synced");
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes a file durably (within a transaction, so that it can come back).
pub fn remove(path: &Path) -> Result<()> {
    super::txn::before_replace(path)?;
    fs::remove_file(path).map_err(|e| Error::io(path, e))?;
    crash_point("removed");
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => sync_dir(d),
        _ => Ok(()),
    }
}

/// A forced crash point for the crash harness. In test builds (debug assertions on), the
/// environment can make the process stop dead at the n-th point (`KODA_CRASH_AT=n`), or list
/// the points it passes on stderr (`KODA_CRASH_TRACE=1`); release builds compile it away.
pub fn crash_point(what: &str) {
    if would_crash(what) {
        die();
    }
}

/// Counts a crash point; true when the process is to stop at it (the caller may first leave a
/// half-done write, then calls [`die`]).
pub fn would_crash(what: &str) -> bool {
    #[cfg(debug_assertions)]
    {
        use std::sync::OnceLock;
        use std::sync::atomic::{AtomicU64, Ordering};
        static AT: OnceLock<(Option<u64>, bool)> = OnceLock::new();
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let (at, trace) = *AT.get_or_init(|| {
            (
                std::env::var("KODA_CRASH_AT")
                    .ok()
                    .and_then(|v| v.parse().ok()),
                std::env::var_os("KODA_CRASH_TRACE").is_some(),
            )
        });
        if at.is_none() && !trace {
            return false;
        }
        let n = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
        if trace {
            eprintln!("koda-crash-point {n}: {what}");
        }
        at == Some(n)
    }
    #[cfg(not(debug_assertions))]
    {
        let _ = what;
        false
    }
}

/// Ends the process at once, as a crash would: no destructor runs, nothing more is written.
pub fn die() -> ! {
    std::process::exit(86)
}

/// The bytes [`write_json`] writes for `value` at `path`: pretty JSON with a final newline.
pub fn json_bytes<T: serde::Serialize>(path: &Path, value: &T) -> Result<Vec<u8>> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::invalid(format!("cannot serialise {}: {e}", path.display())))?;
    text.push('\n');
    // The snapshot files carry checksums (see store::check), decided by the file's kind.
    super::check::seal(path, text.into_bytes())
}

/// Serialises `value` as pretty JSON with a final newline (and, for the snapshot files, their
/// checksums) and writes it with [`write_atomic`].
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, &json_bytes(path, value)?)
}

/// Reads and parses a JSON file, naming the file, line and column when it is damaged, and
/// refusing a snapshot whose checksums do not hold (see [`super::check`]).
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let value = serde_json::from_str(&text).map_err(|e| Error::Corrupt {
        path: path.to_path_buf(),
        msg: format!("line {}, column {}: {e}", e.line(), e.column()),
    })?;
    super::check::verify(path, text.as_bytes())?;
    Ok(value)
}

/// Fsyncs a folder so that a rename or a newly created file in it survives a crash.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let d = File::open(dir).map_err(|e| Error::io(dir, e))?;
        d.sync_all().map_err(|e| Error::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Creates a folder (and its parents) if missing; new folders are owner-only (0700).
pub fn ensure_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    // The folders about to be made, innermost first.
    let mut made: Vec<&Path> = Vec::new();
    let mut d = dir;
    while !d.exists() {
        made.push(d);
        match d.parent() {
            Some(p) if !p.as_os_str().is_empty() => d = p,
            _ => break,
        }
    }
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(|e| Error::io(dir, e))?;
    // A new folder survives a crash once its parent's entry for it is on disk.
    for m in made.iter().rev() {
        if let Some(p) = m.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(p)?;
        }
    }
    Ok(())
}

/// Refuses to write through a symbolic link inside a project: the link would carry the write
/// to a file elsewhere.
pub fn refuse_link(path: &Path) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(Error::invalid(format!(
            "{} is a symbolic link; koda does not write through links inside a project (replace it with the file it points to)",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// Open options whose new files are owner-only (0600): transcripts and codings are confidential.
pub fn private_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o
}

/// Whether others can enter the project folder itself (one `stat`): what a command warns of;
/// `koda doctor` lists every file.
pub fn folder_too_open(root: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(root).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = root;
        false
    }
}

/// The project's own files and folders (the folder itself, koda's snapshots, `sources/`,
/// `journal/`, `.koda/`; not what else the researcher keeps there) that others can read.
pub fn project_too_open(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if fs::symlink_metadata(root).is_ok_and(|m| m.permissions().mode() & 0o077 != 0) {
            out.push(root.to_path_buf());
        }
    }
    for name in [
        super::CONFIG_FILE,
        super::CODEBOOK_FILE,
        super::CASES_FILE,
        super::NAMES_FILE,
        super::SOURCES_DIR,
        super::JOURNAL_DIR,
        super::PRIVATE_DIR,
    ] {
        out.extend(too_open(&root.join(name)));
    }
    out
}

/// Makes the project's own files and folders owner-only; returns how many it changed.
pub fn tighten_project(root: &Path) -> Result<usize> {
    let open = project_too_open(root);
    set_private(&open)?;
    Ok(open.len())
}

/// Files and folders under `dir` (itself included, links not followed) that others can read:
/// a folder wider than 0700 or a file wider than 0600.
pub fn too_open(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fn walk(p: &Path, out: &mut Vec<PathBuf>) {
            let Ok(m) = fs::symlink_metadata(p) else {
                return;
            };
            if m.file_type().is_symlink() {
                return;
            }
            if m.permissions().mode() & 0o077 != 0 {
                out.push(p.to_path_buf());
            }
            if m.is_dir()
                && let Ok(rd) = fs::read_dir(p)
            {
                for e in rd.flatten() {
                    walk(&e.path(), out);
                }
            }
        }
        walk(dir, &mut out);
    }
    #[cfg(not(unix))]
    let _ = dir;
    out
}

/// Makes every file and folder under `dir` owner-only (folders 0700, files 0600); returns how
/// many it changed.
pub fn tighten(dir: &Path) -> Result<usize> {
    let open = too_open(dir);
    set_private(&open)?;
    Ok(open.len())
}

fn set_private(paths: &[PathBuf]) -> Result<()> {
    #[cfg(unix)]
    for p in paths {
        use std::os::unix::fs::PermissionsExt;
        let mode = if p.is_dir() { 0o700 } else { 0o600 };
        fs::set_permissions(p, fs::Permissions::from_mode(mode)).map_err(|e| Error::io(p, e))?;
    }
    #[cfg(not(unix))]
    let _ = paths;
    Ok(())
}

/// Makes an existing folder owner-only (0700).
pub fn make_private(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        write_json(&p, &vec![1, 2]).unwrap();
        write_json(&p, &vec![3]).unwrap();
        let back: Vec<i32> = read_json(&p).unwrap();
        assert_eq!(back, vec![3]);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn damaged_json_names_file_and_place() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("codebook.json");
        fs::write(&p, "{\n  \"codes\": [\n}").unwrap();
        let err = read_json::<serde_json::Value>(&p).unwrap_err().to_string();
        assert!(err.contains("codebook.json"), "{err}");
        assert!(err.contains("line 3"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn files_and_folders_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        ensure_dir(&sub).unwrap();
        assert_eq!(
            fs::metadata(&sub).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let f = sub.join("x.json");
        write_json(&f, &1).unwrap();
        assert_eq!(
            fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn failed_write_leaves_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("missing-dir").join("x.json");
        assert!(write_json(&p, &1).is_err());
        assert!(!p.exists());
    }
}
