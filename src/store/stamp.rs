//! A cheap fingerprint of the files a project's derived state (the search index) depends on.
//!
//! A [`Stamp`] hashes the length and modification time of `koda.json`, `codebook.json`,
//! `cases.json` and every journal, and the modification time of the `sources/` and `journal/`
//! folders, without reading any of them. koda writes the snapshots and every document's
//! metadata whole through a temp file and a rename (a new time for the file and its folder),
//! and appends to journals (a new length), so any change it makes gives a different stamp, and
//! so does any copy, checkout or sync tool that replaces, adds or removes files. Taking a stamp
//! costs a dozen `stat` calls however large the project is, against the second or more that
//! parsing every document's turn table and replaying every journal takes on a big project.
//!
//! Not seen: a document's metadata rewritten *in place* by another program (an editor that
//! writes into the file rather than replacing it); `koda doctor` and any change made through
//! koda bring the index back in line.
//!
//! A file changed twice within one tick of the file system's clock can keep its time and
//! length; the stamp is only *settled*, and only then trusted, when every file it covers is
//! older than that tick (git's racy-index rule).

use crate::store::{CASES_FILE, CODEBOOK_FILE, CONFIG_FILE, JOURNAL_DIR, SOURCES_DIR};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The stat-level fingerprint of a project's files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// SHA-256 over every covered file's name, length and modification time.
    pub digest: String,
    /// Every covered file was older than the file system's clock tick when the stamp was
    /// taken, so a later change cannot keep the same time.
    pub settled: bool,
}

/// How far a file's time must lie in the past for a stamp to be settled: file systems with
/// nanosecond times tick at most every 10 ms; those with whole seconds (FAT keeps two) get 2 s.
const FINE_TICK: Duration = Duration::from_millis(100);
const COARSE_TICK: Duration = Duration::from_secs(2);

struct Entry {
    name: String,
    len: u64,
    mtime: Duration,
}

fn entry(name: String, meta: &fs::Metadata) -> Entry {
    Entry {
        name,
        len: meta.len(),
        mtime: meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .unwrap_or_default(),
    }
}

fn stat(root: &Path, name: &str, out: &mut Vec<Entry>) -> Result<()> {
    let path = root.join(name);
    match fs::metadata(&path) {
        Ok(meta) => out.push(entry(name.to_string(), &meta)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(&path, e)),
    }
    Ok(())
}

fn dir_entries(root: &Path, dir: &str, ext: &str, out: &mut Vec<Entry>) -> Result<()> {
    let path = root.join(dir);
    let rd = match fs::read_dir(&path) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let mut found = Vec::new();
    for e in rd {
        let e = e.map_err(|e| Error::io(&path, e))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(ext) || name.starts_with('.') {
            continue;
        }
        let meta = e.metadata().map_err(|err| Error::io(e.path(), err))?;
        found.push(entry(format!("{dir}/{name}"), &meta));
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    out.extend(found);
    Ok(())
}

/// Takes the stamp of the project in `root` as its files are now.
pub fn take(root: &Path) -> Result<Stamp> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut entries = Vec::new();
    for name in [
        CONFIG_FILE,
        CODEBOOK_FILE,
        CASES_FILE,
        SOURCES_DIR,
        JOURNAL_DIR,
    ] {
        stat(root, name, &mut entries)?;
    }
    dir_entries(root, JOURNAL_DIR, ".jsonl", &mut entries)?;
    let mut h = Sha256::new();
    for e in &entries {
        h.update(e.name.as_bytes());
        h.update([0]);
        h.update(e.len.to_le_bytes());
        h.update(e.mtime.as_secs().to_le_bytes());
        h.update(e.mtime.subsec_nanos().to_le_bytes());
    }
    let coarse = entries.iter().all(|e| e.mtime.subsec_nanos() == 0);
    let tick = if coarse { COARSE_TICK } else { FINE_TICK };
    let newest = entries.iter().map(|e| e.mtime).max().unwrap_or_default();
    let digest = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Stamp {
        digest,
        settled: newest + tick < now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Moves a file's or a folder's modification time a minute back.
    fn age(path: &Path) {
        let old = SystemTime::now() - Duration::from_secs(60);
        fs::File::open(path).unwrap().set_modified(old).unwrap();
    }

    fn settle(root: &Path) -> Stamp {
        for f in [
            "koda.json",
            "codebook.json",
            "sources",
            "journal",
            "journal/a.jsonl",
        ] {
            age(&root.join(f));
        }
        let s = take(root).unwrap();
        assert!(s.settled, "every file is a minute old");
        s
    }

    #[test]
    fn any_change_to_a_covered_file_changes_the_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("sources")).unwrap();
        fs::create_dir_all(root.join("journal")).unwrap();
        for f in [
            "koda.json",
            "codebook.json",
            "sources/d1.json",
            "journal/a.jsonl",
        ] {
            fs::write(root.join(f), "{}").unwrap();
        }
        let first = settle(root);
        assert_eq!(take(root).unwrap(), first, "nothing changed");

        // An append to a journal, even with its old time put back, changes the length.
        fs::write(root.join("journal/a.jsonl"), "{}\n{}").unwrap();
        let appended = settle(root);
        assert_ne!(appended, first);

        // A snapshot rewritten in place with the same length has a new time, and a file
        // written just now is not settled.
        fs::write(root.join("codebook.json"), "[]").unwrap();
        let rewritten = take(root).unwrap();
        assert_ne!(rewritten.digest, appended.digest);
        assert!(
            !rewritten.settled,
            "a file written just now may change again in its tick"
        );

        // A document's metadata replaced through a rename, as koda writes it, changes the
        // folder's time; so do new documents and new journals.
        let before = settle(root);
        fs::write(root.join("sources/.d1.json.tmp"), "{\"t\":1}").unwrap();
        fs::rename(
            root.join("sources/.d1.json.tmp"),
            root.join("sources/d1.json"),
        )
        .unwrap();
        assert_ne!(take(root).unwrap().digest, before.digest);
        let before = settle(root);
        fs::write(root.join("sources/d2.json"), "{}").unwrap();
        assert_ne!(take(root).unwrap().digest, before.digest);
        let before = settle(root);
        fs::write(root.join("journal/b.jsonl"), "").unwrap();
        assert_ne!(take(root).unwrap().digest, before.digest);
    }
}
