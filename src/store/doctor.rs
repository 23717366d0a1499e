//! `koda doctor`: what state a project is in, and the repairs that can be made safely.
//!
//! The check reads every file on its own, so one damaged file does not hide the others. A
//! repair changes only what can be mended without judgement (damaged journal lines moved out,
//! leftover temp files cleared, the search index rebuilt), and copies every file it changes into
//! `.koda/backup/<time>/` first.

use crate::model::{Document, ProjectConfig};
use crate::store::journal;
use crate::store::{
    CASES_FILE, CODEBOOK_FILE, CONFIG_FILE, JOURNAL_DIR, NAMES_FILE, PRIVATE_DIR, SOURCES_DIR, fsio,
};
use crate::{Error, Result};
use std::fs;
use std::path::{Path, PathBuf};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Fine.
    Ok,
    /// Worth knowing; nothing is lost.
    Note,
    /// Something is damaged or inconsistent.
    Problem,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How serious.
    pub level: Level,
    /// What was found, naming the file.
    pub what: String,
    /// Whether `--repair` mends it.
    pub repairable: bool,
}

fn finding(level: Level, what: impl Into<String>, repairable: bool) -> Finding {
    Finding {
        level,
        what: what.into(),
        repairable,
    }
}

fn temp_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name == ".koda" || name == ".git" {
            continue;
        }
        if p.is_dir() {
            temp_files(&p, out);
        } else if name.starts_with('.') && name.contains(".tmp-") {
            out.push(p);
        }
    }
}

/// Checks a project folder.
pub fn check(root: &Path) -> Vec<Finding> {
    let mut f = Vec::new();
    match fsio::read_json::<ProjectConfig>(&root.join(CONFIG_FILE)) {
        Ok(c) => {
            f.push(finding(
                Level::Ok,
                format!(
                    "koda.json: project {:?}, schema version {}",
                    c.name, c.schema_version
                ),
                false,
            ));
            if let Some(problem) = super::register::problem(root, &c) {
                f.push(finding(Level::Problem, problem, false));
            } else if super::register::unsealed(root, &c) {
                f.push(finding(
                    Level::Note,
                    format!(
                        "{NAMES_FILE} has no seal in koda.json, so a deleted or emptied register would go unnoticed: run `koda names accept` to seal it"
                    ),
                    false,
                ));
            }
        }
        Err(e) => f.push(finding(Level::Problem, format!("{e}"), false)),
    }
    let open = fsio::project_too_open(root);
    if !open.is_empty() {
        f.push(finding(
            Level::Note,
            format!(
                "{} files or folders of the project can be read by others (koda keeps a project owner-only: folders 0700, files 0600), e.g. {}",
                open.len(),
                open[0].display()
            ),
            true,
        ));
    }
    for file in [CODEBOOK_FILE, CASES_FILE, NAMES_FILE] {
        let p = root.join(file);
        if p.exists()
            && let Err(e) = fsio::read_json::<serde_json::Value>(&p)
        {
            f.push(finding(
                Level::Problem,
                format!("{e} (restore it from a backup or version control)"),
                false,
            ));
        }
    }
    let sources = root.join(SOURCES_DIR);
    let mut docs = 0;
    if let Ok(rd) = fs::read_dir(&sources) {
        let mut names: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        names.sort();
        for p in names
            .iter()
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
        {
            if p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with(super::project::WORDS_SUFFIX))
            {
                continue;
            }
            match fsio::read_json::<Document>(p) {
                Ok(d) => {
                    docs += 1;
                    let tp = sources.join(d.text_file());
                    match fs::read(&tp) {
                        Ok(bytes) if crate::model::text::sha256_hex(&bytes) != d.text_sha256 => f.push(finding(
                            Level::Problem,
                            format!("{}: the text was changed outside koda (its fingerprint differs); codings on it may sit on the wrong words. Restore it, or make the change a correction with `koda edit {} --from FILE`", tp.display(), d.id),
                            false,
                        )),
                        Ok(_) => {}
                        Err(e) => f.push(finding(Level::Problem, format!("{}: {e}", tp.display()), false)),
                    }
                    // Opening a project only counts the turns; their entries are read here.
                    if let Err(e) = fsio::read_json::<crate::model::TurnTable>(p) {
                        f.push(finding(
                            Level::Problem,
                            format!("{e} (its turn table; restore the file from a backup or version control)"),
                            false,
                        ));
                    }
                }
                Err(e) => f.push(finding(Level::Problem, format!("{e}"), false)),
            }
        }
    }
    f.push(finding(Level::Ok, format!("{docs} documents"), false));
    let jdir = root.join(JOURNAL_DIR);
    if let Ok(rd) = fs::read_dir(&jdir) {
        let mut files: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        files.sort();
        for p in files {
            match journal::read(&p) {
                Ok(r) => {
                    for i in &r.issues {
                        f.push(finding(Level::Problem, i.to_string(), true));
                    }
                    f.push(finding(
                        Level::Ok,
                        format!("{}: {} events", p.display(), r.events.len()),
                        false,
                    ));
                }
                Err(e) => f.push(finding(Level::Problem, e.to_string(), false)),
            }
        }
    }
    let mut temps = Vec::new();
    temp_files(root, &mut temps);
    for t in temps {
        f.push(finding(
            Level::Note,
            format!(
                "{}: a temp file left by an interrupted write (never part of the project)",
                t.display()
            ),
            true,
        ));
    }
    if !root
        .join(PRIVATE_DIR)
        .join("index")
        .join("meta.json")
        .exists()
    {
        f.push(finding(
            Level::Note,
            "the search index is missing; it is built on the next search",
            true,
        ));
    }
    let project = crate::store::Project::open(root).ok();
    if let Some(p) = &project {
        let stale = p.codings.values().filter(|c| c.stale).count();
        if stale > 0 {
            f.push(finding(Level::Note, format!("{stale} codings were flagged by corrections of their text: `koda codings --stale`"), false));
        }
        // Journal lines are reported above, with the journal they are in.
        use crate::store::project::WarningAbout;
        let said = [
            WarningAbout::Journal,
            WarningAbout::Register,
            WarningAbout::Permissions,
        ];
        for w in p.warnings.iter().filter(|w| !said.contains(&w.about)) {
            f.push(finding(Level::Problem, w.message.clone(), false));
        }
    }
    // The index is derived from the project: damage loses nothing, and a rebuild mends it.
    if root.join(PRIVATE_DIR).join("index").exists() {
        if let Err(why) = crate::index::SearchIndex::check(root) {
            f.push(finding(
                Level::Problem,
                format!("the search index cannot be used: {why}; it is rebuilt from the project"),
                true,
            ));
        } else if let (Some(indexed), Some(p)) =
            (crate::index::SearchIndex::turns_if_current(root), &project)
        {
            // One entry per turn: an index that says it is current must hold them all.
            let turns: u64 = p.docs.values().map(|d| d.turn_count as u64).sum();
            if indexed != turns {
                f.push(finding(
                    Level::Problem,
                    format!(
                        "the search index holds {indexed} turns where the project has {turns}, though it says it is up to date; `koda doctor --repair` rebuilds it"
                    ),
                    true,
                ));
            }
        }
    }
    f
}

/// A backup folder of its own for one repair, even two in the same second.
fn backup_folder(root: &Path) -> PathBuf {
    let stamp = crate::model::now().replace(':', "");
    let mut backup = root.join(PRIVATE_DIR).join("backup").join(&stamp);
    let mut n = 2;
    while backup.exists() {
        backup = root
            .join(PRIVATE_DIR)
            .join("backup")
            .join(format!("{stamp}-{n}"));
        n += 1;
    }
    backup
}

/// Copies `p` (a file of the project at `root`) into `backup`, at the same relative place.
fn keep_in(root: &Path, backup: &Path, p: &Path) -> Result<()> {
    let bytes = fs::read(p).map_err(|e| Error::io(p, e))?;
    keep_bytes_in(root, backup, p, &bytes)
}

/// Writes `bytes`, what `p` held, into `backup` at `p`'s place relative to `root`.
fn keep_bytes_in(root: &Path, backup: &Path, p: &Path, bytes: &[u8]) -> Result<()> {
    let dest = backup.join(p.strip_prefix(root).unwrap_or(p));
    if let Some(d) = dest.parent() {
        fsio::ensure_dir(d)?;
    }
    fs::write(&dest, bytes).map_err(|e| Error::io(&dest, e))
}

/// Accepts the snapshot files as they now are, after changes made on purpose outside koda (by
/// hand, or a merge in git): each file whose checksums do not hold, or that has none, is sealed
/// again (a copy of it first goes to the backup folder). Returns what was sealed and the
/// backup folder. The caller holds the write lock.
pub fn accept(root: &Path) -> Result<(Vec<String>, PathBuf)> {
    let backup = backup_folder(root);
    let mut files = vec![
        root.join(CONFIG_FILE),
        root.join(CODEBOOK_FILE),
        root.join(CASES_FILE),
    ];
    if let Ok(rd) = fs::read_dir(root.join(SOURCES_DIR)) {
        let mut docs: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        docs.sort();
        files.extend(docs);
    }
    let mut done = Vec::new();
    let lost = super::seen::problems(root);
    super::txn::atomically(root, || {
        for p in &files {
            if !p.is_file() {
                continue;
            }
            let before = fs::read(p).map_err(|e| Error::io(p, e))?;
            if super::check::accept(p)? {
                keep_bytes_in(root, &backup, p, &before)?;
                done.push(format!("{}: sealed as it is now", p.display()));
            }
        }
        Ok(())
    })?;
    super::seen::record(root)?;
    for (p, _) in lost {
        done.push(format!(
            "{}: accepted as it is now (missing or shorter than koda last saw it)",
            p.display()
        ));
    }
    Ok((done, backup))
}

/// Makes the safe repairs; returns what was done and the backup folder.
pub fn repair(root: &Path) -> Result<(Vec<String>, PathBuf)> {
    let backup = backup_folder(root);
    let mut done = Vec::new();
    // A journal this repair shortens is recorded at its new length; one lost before stays said.
    let nothing_lost = super::seen::problems(root).is_empty();
    let keep = |p: &Path| keep_in(root, &backup, p);
    let jdir = root.join(JOURNAL_DIR);
    if let Ok(rd) = fs::read_dir(&jdir) {
        for p in rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        {
            let r = journal::read(&p)?;
            if r.issues.is_empty() {
                continue;
            }
            keep(&p)?;
            let bytes = fs::read(&p).map_err(|e| Error::io(&p, e))?;
            let bad: Vec<usize> = r.issues.iter().map(|i| i.line).collect();
            let mut kept = String::new();
            for (i, line) in String::from_utf8_lossy(&bytes)
                .split_inclusive('\n')
                .enumerate()
            {
                if !bad.contains(&(i + 1)) && line.ends_with('\n') {
                    kept.push_str(line);
                }
            }
            fsio::write_atomic(&p, kept.as_bytes())?;
            done.push(format!(
                "{}: moved {} damaged lines out (the whole file is in the backup)",
                p.display(),
                bad.len()
            ));
        }
    }
    let mut temps = Vec::new();
    temp_files(root, &mut temps);
    for t in temps {
        keep(&t)?;
        fs::remove_file(&t).map_err(|e| Error::io(&t, e))?;
        done.push(format!("{}: removed (kept in the backup)", t.display()));
    }
    let tightened = fsio::tighten_project(root)?;
    if tightened > 0 {
        done.push(format!(
            "made {tightened} files and folders owner-only (folders 0700, files 0600)"
        ));
    }
    let project = crate::store::Project::open(root)?;
    let (_, r) = crate::index::SearchIndex::rebuild(&project)?;
    done.push(format!("search index rebuilt ({} documents)", r.indexed));
    if nothing_lost {
        super::seen::record(root)?;
    }
    Ok((done, backup))
}
