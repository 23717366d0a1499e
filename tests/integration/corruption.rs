//! The corruption suite: every kind of project file, damaged one flipped bit at a time, and
//! removed or cut short, is either refused (the project or the document does not open, with the
//! file named) or said (a warning on every command and in `koda doctor`); never read as if the
//! researcher had made that change. "Silently wrong" (it opens without a word and holds other
//! work than before) must never happen.
//!
//! Each damage is made on a fresh copy of one project made through koda (two coders, a code
//! hierarchy with descriptions and colours, a merged code, cases with attributes, a document
//! with its case and speakers, a name register and memos); outcomes are judged as a researcher
//! reads the project (see `crash_points::read_state`) and its settings.

use crate::crash_points::{copy_dir, read_state};
use crate::util::TestProject;
use koda::store::Project;
use std::collections::BTreeMap;
use std::path::Path;

/// What a damage led to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// The project, or the damaged document when it is read, is refused.
    Refused,
    /// The project opens with a warning about it.
    Said,
    /// The project opens without a word and holds the same work (the flip changed nothing a
    /// reader sees).
    Unchanged,
    /// The project opens without a word and holds other work.
    SilentlyWrong,
}

fn project() -> TestProject {
    let p = TestProject::with_interview();
    let ok = |args: &[&str]| {
        p.koda(args).ok();
    };
    ok(&[
        "codes",
        "add",
        "trust/personal",
        "-d",
        "Tillit til koordinatoren som person",
        "--color",
        "blue",
    ]);
    ok(&[
        "codes",
        "add",
        "trust/institutional",
        "-d",
        "Tillit til NAV",
    ]);
    ok(&["codes", "add", "timing", "--color", "#d73027"]);
    ok(&["codes", "add", "ventetid"]);
    ok(&["code", "i", "--code", "timing", "--turn", "4"]);
    ok(&["code", "i", "--code", "ventetid", "--turn", "4"]);
    ok(&["codes", "merge", "ventetid", "timing"]);
    ok(&["code", "i", "--code", "trust/personal", "--turn", "2"]);
    ok(&[
        "--coder",
        "bo",
        "code",
        "i",
        "--code",
        "trust/institutional",
        "--turn",
        "3",
    ]);
    ok(&["memo", "add", "Første møte er viktig.", "--doc", "i"]);
    ok(&["cases", "set", "F1", "role=parent", "site=Bergen"]);
    ok(&["cases", "set", "K1", "role=coordinator", "site=Tromsø"]);
    ok(&["speakers", "i", "Forelder=F1"]);
    ok(&["names", "add", "Kari Nordmann", "--as", "(navn forelder)"]);
    ok(&["names", "add", "Solvik skole", "--category", "school"]);
    p
}

/// What a researcher sees of the project: its work and its settings.
fn seen_by_reader(root: &Path) -> Result<String, String> {
    let mut s = read_state(root)?;
    let p = Project::open(root).map_err(|e| e.to_string())?;
    let mut config = serde_json::to_value(&p.config).map_err(|e| e.to_string())?;
    if let Some(o) = config.as_object_mut() {
        o.remove("check");
    }
    s.push_str(&format!("config {config}\n"));
    Ok(s)
}

fn outcome(root: &Path, before: &str) -> Outcome {
    match Project::open(root) {
        Err(_) => Outcome::Refused,
        Ok(p) if !p.warnings.is_empty() => Outcome::Said,
        Ok(_) => match seen_by_reader(root) {
            Err(_) => Outcome::Refused,
            Ok(s) if s == before => Outcome::Unchanged,
            Ok(_) => Outcome::SilentlyWrong,
        },
    }
}

/// The project's files that hold work or settings, relative to its folder.
fn damageable(root: &Path) -> Vec<String> {
    let mut files = vec![
        "koda.json".to_string(),
        "codebook.json".to_string(),
        "cases.json".to_string(),
        "names.json".to_string(),
    ];
    for dir in ["sources", "journal"] {
        let mut more: Vec<String> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .flatten()
            .map(|e| format!("{dir}/{}", e.file_name().to_string_lossy()))
            .collect();
        more.sort();
        files.extend(more);
    }
    files
}

/// A file's kind as the counts report it.
fn kind(rel: &str) -> &'static str {
    match rel {
        _ if rel.ends_with(".words.json") => "sources/*.words.json",
        _ if rel.starts_with("sources/") && rel.ends_with(".json") => "sources/*.json",
        _ if rel.starts_with("sources/") => "sources/*.txt",
        _ if rel.starts_with("journal/") => "journal/*.jsonl",
        "koda.json" => "koda.json",
        "codebook.json" => "codebook.json",
        "cases.json" => "cases.json",
        "names.json" => "names.json",
        _ => "other",
    }
}

/// Flips per file: spread evenly over it, each at another bit.
const FLIPS: usize = 48;

#[test]
fn every_damaged_file_is_refused_or_said_never_read_as_the_truth() {
    let p = project();
    let root = p.path();
    let before = seen_by_reader(root).unwrap();
    assert!(
        Project::open(root).unwrap().warnings.is_empty(),
        "the undamaged project opens without a word"
    );
    let files = damageable(root);
    assert!(
        files.iter().any(|f| f.ends_with(".txt")) && files.len() >= 8,
        "{files:?}"
    );
    let work = tempfile::tempdir().unwrap();
    let mut counts: BTreeMap<(&str, Outcome), usize> = BTreeMap::new();
    let mut wrong: Vec<String> = Vec::new();
    let mut trial = 0;
    let mut judge = |rel: &str, what: String, damage: &dyn Fn(&Path)| {
        trial += 1;
        let copy = work.path().join(format!("t{trial}"));
        copy_dir(root, &copy);
        damage(&copy.join(rel));
        let o = outcome(&copy, &before);
        if o == Outcome::SilentlyWrong {
            wrong.push(format!("{rel}: {what}"));
        }
        *counts.entry((kind(rel), o)).or_default() += 1;
        let _ = std::fs::remove_dir_all(&copy);
    };
    for rel in &files {
        let len = std::fs::metadata(root.join(rel)).unwrap().len() as usize;
        for i in 0..FLIPS {
            let at = (i * len / FLIPS + i % 7).min(len - 1);
            let bit = (i * 3) % 8;
            judge(
                rel,
                format!("bit {bit} of byte {at} flipped"),
                &|f: &Path| {
                    let mut b = std::fs::read(f).unwrap();
                    b[at] ^= 1 << bit;
                    std::fs::write(f, b).unwrap();
                },
            );
        }
        judge(rel, "deleted".into(), &|f: &Path| {
            std::fs::remove_file(f).unwrap()
        });
        judge(rel, "emptied".into(), &|f: &Path| {
            std::fs::write(f, "").unwrap()
        });
        judge(rel, "cut to its first half".into(), &|f: &Path| {
            let b = std::fs::read(f).unwrap();
            std::fs::write(f, &b[..b.len() / 2]).unwrap();
        });
    }
    let mut table = String::from("file kind: refused / said / unchanged / silently wrong\n");
    let kinds: std::collections::BTreeSet<&str> = counts.keys().map(|(k, _)| *k).collect();
    for k in &kinds {
        let n = |o: Outcome| counts.get(&(*k, o)).copied().unwrap_or(0);
        table.push_str(&format!(
            "{k}: {} / {} / {} / {}\n",
            n(Outcome::Refused),
            n(Outcome::Said),
            n(Outcome::Unchanged),
            n(Outcome::SilentlyWrong)
        ));
    }
    eprintln!("{trial} damages\n{table}");
    assert!(
        wrong.is_empty(),
        "{} damages were read as the truth:\n{}\n{table}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(trial >= 400, "{trial}");
}

#[test]
fn a_deleted_or_emptied_journal_is_said_on_every_command_until_restored_or_accepted() {
    let p = project();
    let journal = p.path().join("journal/bo.jsonl");
    let kept = std::fs::read(&journal).unwrap();
    std::fs::remove_file(&journal).unwrap();
    let run = p.koda(&["excerpts"]);
    run.ok();
    assert!(
        run.stderr.contains("bo.jsonl is missing") && run.stderr.contains("doctor --accept"),
        "{}",
        run.stderr
    );
    let doctor = p.koda(&["doctor"]);
    assert!(
        doctor.stdout.contains("PROBLEM") && doctor.stdout.contains("bo.jsonl is missing"),
        "{}",
        doctor.stdout
    );
    // A writing command says it too, and does not take the loss as the new normal.
    let run = p.koda(&["code", "i", "--code", "timing", "--turn", "2"]);
    run.ok();
    assert!(run.stderr.contains("bo.jsonl is missing"), "{}", run.stderr);
    assert!(
        p.koda(&["excerpts"]).stderr.contains("bo.jsonl is missing"),
        "still said after a change"
    );
    // Restored: nothing more is said.
    std::fs::write(&journal, &kept).unwrap();
    assert!(!p.koda(&["excerpts"]).stderr.contains("bo.jsonl"));
    // Emptied, then accepted on purpose.
    std::fs::write(&journal, "").unwrap();
    let run = p.koda(&["excerpts"]);
    assert!(
        run.stderr
            .contains("bo.jsonl is shorter than when koda last saw it"),
        "{}",
        run.stderr
    );
    let accepted = p.koda(&["doctor", "--accept"]).ok().to_string();
    assert!(
        accepted.contains("bo.jsonl: accepted as it is now"),
        "{accepted}"
    );
    assert!(!p.koda(&["excerpts"]).stderr.contains("bo.jsonl"));
    // A deleted cases.json is said as well.
    std::fs::remove_file(p.path().join("cases.json")).unwrap();
    let run = p.koda(&["cases"]);
    assert!(
        run.stderr
            .contains("cases.json is missing (every case and its attributes)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_hand_edited_koda_json_is_used_and_said_until_accepted() {
    let p = project();
    let path = p.path().join("koda.json");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.lines().nth(1).unwrap().starts_with("  \"check\": "),
        "{text}"
    );
    let mut config: serde_json::Value = serde_json::from_str(&text).unwrap();
    config["coders"]
        .as_array_mut()
        .unwrap()
        .push("cecilie".into());
    std::fs::write(&path, serde_json::to_string_pretty(&config).unwrap()).unwrap();
    let run = p.koda(&["coders"]);
    assert!(run.ok().contains("cecilie"), "the edit is used");
    assert!(
        run.stderr.contains("koda.json does not match its checksum")
            && run.stderr.contains("doctor --accept"),
        "{}",
        run.stderr
    );
    let accepted = p.koda(&["doctor", "--accept"]).ok().to_string();
    assert!(
        accepted.contains("koda.json: sealed as it is now"),
        "{accepted}"
    );
    let run = p.koda(&["coders"]);
    assert!(run.ok().contains("cecilie") && !run.stderr.contains("koda.json"));
}

#[test]
fn a_changed_undo_history_is_set_aside_with_a_word_and_never_used_to_undo() {
    let p = project();
    let history = p.path().join(".koda/history/anna.json");
    let text = std::fs::read_to_string(&history).unwrap();
    assert!(
        text.lines().nth(1).unwrap().starts_with("  \"check\": "),
        "{text}"
    );
    let before = p.koda(&["excerpts", "--json"]).json();
    // The last step would now claim to be another change than the one it takes back.
    let changed = text.replacen("\"label\": \"", "\"label\": \"x", 1);
    assert_ne!(changed, text);
    std::fs::write(&history, changed).unwrap();
    let run = p.koda(&["undo"]);
    assert!(
        run.stderr
            .contains("anna.json is damaged or was changed outside koda")
            && run.stderr.contains("starts afresh"),
        "{}",
        run.stderr
    );
    assert!(run.ok().contains("nothing to undo"), "{}", run.stdout);
    assert_eq!(
        p.koda(&["excerpts", "--json"]).json(),
        before,
        "nothing was undone"
    );
    // The history goes on from here: a new change can be undone.
    p.koda(&["codes", "add", "ny"]).ok();
    let run = p.koda(&["undo"]);
    assert!(run.ok().contains("add a code"), "{}", run.stdout);
    assert!(!run.stderr.contains("anna.json"), "{}", run.stderr);
}
