//! Killing a writing koda process at random moments never loses an acknowledged change.

use crate::util::{TestProject, koda_cmd};
use koda::store::Project;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

/// A small deterministic generator (xorshift64*), so every run kills at the same offsets.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_coding() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "trust/personal"]).ok();
    p.koda(&["codes", "add", "timing"]).ok();
    let mut rng = Rng(0x5eed_2026);
    let mut acked: BTreeSet<String> = BTreeSet::new();
    let mut acked_memos: BTreeSet<String> = BTreeSet::new();
    let rounds = 25;
    for round in 0..rounds {
        let mut child = koda_cmd()
            .arg("-p")
            .arg(p.path())
            .args([
                "--coder",
                if round % 2 == 0 { "anna" } else { "bo" },
                "batch",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        // Requests go in from a thread, acknowledgements are read on another.
        let writer = std::thread::spawn(move || {
            for i in 0..2000 {
                let line = match i % 4 {
                    0 => r#"{"op":"code","doc":"i","code":"trust/personal","turn":3}"#.to_string(),
                    1 => r#"{"op":"code","doc":"i","code":"timing","range":[10,40]}"#.to_string(),
                    2 => r#"{"op":"code","doc":"i","code":"timing","match":"venter","all":true}"#
                        .to_string(),
                    _ => format!(r#"{{"op":"memo","doc":"i","text":"memo {i}"}}"#),
                };
                if writeln!(stdin, "{line}").is_err() {
                    break;
                }
            }
        });
        let (tx, rx) = mpsc::channel::<(bool, Vec<String>)>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let v: serde_json::Value = match serde_json::from_str(&line) {
                    Ok(v) => v,
                    Err(_) => break,
                };
                assert_eq!(v["ok"], true, "{line}");
                let ids: Vec<String> = v["ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect();
                let is_memo = ids.first().is_some_and(|i| i.starts_with('m'));
                if tx.send((is_memo, ids)).is_err() {
                    break;
                }
            }
        });
        std::thread::sleep(Duration::from_millis(5 + rng.next() % 120));
        child.kill().unwrap();
        child.wait().unwrap();
        writer.join().unwrap();
        reader.join().unwrap();
        for (is_memo, ids) in rx.try_iter() {
            if is_memo {
                acked_memos.extend(ids);
            } else {
                acked.extend(ids);
            }
        }
        // Reopen after every kill: everything acknowledged is there, and the project is consistent.
        let project = Project::open(p.path()).unwrap();
        for id in &acked {
            assert!(
                project.codings.contains_key(id),
                "round {round}: acknowledged coding {id} lost"
            );
        }
        for id in &acked_memos {
            assert!(
                project.memos.contains_key(id),
                "round {round}: acknowledged memo {id} lost"
            );
        }
        for c in project.codings.values() {
            assert!(project.docs.contains_key(&c.doc));
            assert!(project.codebook.get(&c.code).is_some());
        }
        for w in &project.warnings {
            assert!(
                w.message.contains("incomplete last line") || w.message.contains("taken back"),
                "round {round}: unexpected warning {w}"
            );
        }
    }
    assert!(
        acked.len() > 50,
        "the test acknowledged too little to prove anything: {}",
        acked.len()
    );
    // A last normal command repairs any torn tail and the project reads clean.
    p.koda(&["code", "i", "--code", "timing", "--turn", "2"])
        .ok();
    p.koda(&[
        "--coder", "bo", "code", "i", "--code", "timing", "--turn", "2",
    ])
    .ok();
    let project = Project::open(p.path()).unwrap();
    assert!(project.warnings.is_empty(), "{:?}", project.warnings);
    assert!(acked.iter().all(|id| project.codings.contains_key(id)));
}

/// The range a command's kill delay is drawn from, in milliseconds. It starts at twice the
/// command's measured time; each interrupted run widens it by a tenth and each finished run
/// narrows it by a twentieth, which settles where about a third of the runs are interrupted.
struct KillWindow(f64);

impl KillWindow {
    fn new(measured_ms: u64) -> KillWindow {
        KillWindow(2.0 * measured_ms.max(1) as f64)
    }

    /// Runs the command, killed after a delay drawn with `r`; whether it finished.
    fn run(&mut self, p: &TestProject, args: &[&str], r: u64) -> bool {
        let finished = run_and_kill(p, args, r % (self.0 as u64).max(2));
        self.0 = if finished {
            (self.0 * 0.95).max(2.0)
        } else {
            self.0 * 1.1
        };
        finished
    }
}

/// Runs a koda command on the project and kills it after `delay_ms` unless it finished first.
/// Returns true when the command finished on its own and succeeded (it was acknowledged).
fn run_and_kill(p: &TestProject, args: &[&str], delay_ms: u64) -> bool {
    let mut child = koda_cmd()
        .arg("-p")
        .arg(p.path())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_millis(delay_ms);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.success();
        }
        if std::time::Instant::now() >= deadline {
            child.kill().unwrap();
            let status = child.wait().unwrap();
            return status.success();
        }
        std::thread::sleep(Duration::from_micros(300));
    }
}

/// The project opens, every coding points at a live document and code, and every document's
/// text matches its fingerprint.
fn assert_consistent(p: &TestProject, round: usize) -> Project {
    let project = Project::open(p.path())
        .unwrap_or_else(|e| panic!("round {round}: the project does not open: {e}"));
    for c in project.codings.values() {
        assert!(
            project.docs.contains_key(&c.doc),
            "round {round}: coding {} lost its document",
            c.id
        );
        assert!(
            project.codebook.get(&c.code).is_some(),
            "round {round}: coding {} lost its code",
            c.id
        );
    }
    for d in project.docs.values() {
        project
            .text(&d.id)
            .unwrap_or_else(|e| panic!("round {round}: document {} unreadable: {e}", d.id));
    }
    project
}

#[test]
fn sigkill_during_imports_code_merges_and_memo_edits_loses_nothing_acknowledged() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "timing"]).ok();
    let added = p.koda(&["memo", "add", "--doc", "i", "first thoughts"]);
    let memo = added.ok().split_whitespace().nth(1).unwrap().to_string();
    // Kill delays start from how long each command takes on this machine and then follow
    // what happens to it, so that some of each kind finish and some are interrupted however
    // fast or loaded the machine is, and however its load changes during the test.
    let timed = |args: &[&str]| {
        let t = std::time::Instant::now();
        p.koda(args).ok();
        KillWindow::new(t.elapsed().as_millis() as u64)
    };
    let warm = p.write("warm-up.txt", "Intervjuer: Klar?\nForelder: Ja.\n");
    let mut imports = timed(&["import", warm.to_str().unwrap()]);
    p.koda(&["codes", "add", "warm-up"]).ok();
    let mut merges = timed(&["codes", "merge", "warm-up", "timing"]);
    let mut memo_edits = timed(&["memo", "edit", &memo, "first thoughts"]);
    let mut rng = Rng(0x0dd_ba11);
    let mut imported: Vec<String> = Vec::new();
    let mut merged: Vec<String> = Vec::new();
    let mut memo_text = "first thoughts".to_string();
    let rounds = 400;
    let mut kills = 0;
    for round in 0..rounds {
        let r = rng.next();
        let acked = match round % 3 {
            0 => {
                let name = format!("import-{round}");
                let file = p.write(
                    &format!("{name}.txt"),
                    &format!("Intervjuer: Runde {round}?\nForelder: Svar nummer {round}.\n"),
                );
                let ok = imports.run(&p, &["import", file.to_str().unwrap()], r);
                if ok {
                    imported.push(name);
                }
                ok
            }
            1 => {
                let code = format!("merge-{round}");
                p.koda(&["codes", "add", &code]).ok();
                p.koda(&["code", "i", "--code", &code, "--turn", "2"]).ok();
                let ok = merges.run(&p, &["codes", "merge", &code, "timing"], r);
                if ok {
                    merged.push(code);
                }
                ok
            }
            _ => {
                let text = format!("memo after round {round}");
                let ok = memo_edits.run(&p, &["memo", "edit", &memo, &text], r);
                let project = assert_consistent(&p, round);
                let now = &project.memos[&memo].text;
                if ok {
                    memo_text = text;
                    assert_eq!(
                        now, &memo_text,
                        "round {round}: acknowledged memo edit lost"
                    );
                } else {
                    assert!(
                        now == &memo_text || now == &text,
                        "round {round}: the memo holds neither the old nor the new text: {now}"
                    );
                    memo_text = now.clone();
                }
                ok
            }
        };
        kills += usize::from(!acked);
        let project = assert_consistent(&p, round);
        for name in &imported {
            assert!(
                project.docs.contains_key(name.as_str()),
                "round {round}: acknowledged import {name} lost"
            );
        }
        for code in &merged {
            assert!(
                project.codebook.find(code).is_err()
                    || project
                        .codebook
                        .find(code)
                        .is_ok_and(|c| c.name == "timing"),
                "round {round}: acknowledged merge of {code} undone"
            );
        }
    }
    assert!(kills >= 60, "too few commands were interrupted: {kills}");
    assert!(
        imported.len() >= 5 && merged.len() >= 5,
        "too few commands finished: {} imports, {} merges",
        imported.len(),
        merged.len()
    );
    // Every merged code's codings now count for timing.
    let project = assert_consistent(&p, rounds);
    let timing = project.codebook.find("timing").unwrap().id.clone();
    assert!(
        project
            .codings
            .values()
            .filter(|c| c.code == timing)
            .count()
            >= merged.len(),
        "merged codings are not under timing"
    );
}

/// Runs koda with a file-size limit of `kb` KiB (`ulimit -f`), with SIGXFSZ ignored so that a
/// write past the limit fails with EFBIG, as a full disk would fail it with ENOSPC.
fn koda_with_size_limit(p: &TestProject, kb: u64, args: &[&str]) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {kb}; exec \"$0\" \"$@\""))
        .arg(crate::util::koda_bin())
        .arg("-p")
        .arg(p.path())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_write_that_fails_half_way_changes_nothing() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "timing"]).ok();
    p.koda(&["code", "i", "--code", "timing", "--turn", "2"])
        .ok();
    let journal = p.path().join("journal/anna.jsonl");
    let size = std::fs::metadata(&journal).unwrap().len();
    let long = "lang tanke om ventetid ".repeat(400);

    // A memo line longer than the room left: the append is cut off half-way, and cut back.
    let before = p.snapshot();
    let limit = size / 1024 + 2;
    let out = koda_with_size_limit(&p, limit, &["memo", "add", "--doc", "i", &long]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("anna.jsonl") && err.contains("size limit was reached"),
        "{err}"
    );
    assert_eq!(before, p.snapshot(), "a failed append left bytes behind");

    // A codebook too large to write: the old codebook stays, no temp file is left.
    let out = koda_with_size_limit(&p, 2, &["codes", "add", "trust", "--description", &long]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("size limit was reached"));
    assert_eq!(
        before,
        p.snapshot(),
        "a failed codebook write changed the project"
    );

    // An import whose text cannot be written adds nothing.
    let big = p.write("stor.txt", &format!("Forelder: {long}\n").repeat(10));
    let out = koda_with_size_limit(&p, 20, &["import", big.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(before, p.snapshot(), "a failed import changed the project");

    // Afterwards the project reads clean and takes the same changes without the limit.
    let project = Project::open(p.path()).unwrap();
    assert!(project.warnings.is_empty(), "{:?}", project.warnings);
    p.koda(&["memo", "add", "--doc", "i", &long]).ok();
    p.koda(&["import", big.to_str().unwrap()]).ok();
}

/// An undo cut off after its journal append and before its history was saved is retried:
/// the retry must find the coding back already, not bring it back twice.
#[test]
fn a_retried_undo_is_idempotent() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "timing"]).ok();
    p.koda(&["code", "i", "--code", "timing", "--turn", "2"])
        .ok();
    p.koda(&["memo", "add", "--doc", "i", "ventetiden"]).ok();
    p.koda(&["memo", "rm", &memo_id(&p)]).ok();
    p.koda(&["uncode", "--doc", "i", "--code", "timing", "--turn", "2"])
        .ok();
    let history = p.path().join(".koda/history/anna.json");
    let crash_and_retry = || {
        let before = std::fs::read(&history).unwrap();
        p.koda(&["undo"]).ok();
        // The crash: the history as it was before the undo.
        std::fs::write(&history, &before).unwrap();
        p.koda(&["undo"]).ok();
    };
    crash_and_retry();
    let codings = p.koda(&["excerpts", "--json"]).json();
    assert_eq!(codings.as_array().unwrap().len(), 1, "{codings}");
    // The same for a memo brought back.
    crash_and_retry();
    let memos = p.koda(&["memos", "--json"]).json();
    assert_eq!(memos.as_array().unwrap().len(), 1, "{memos}");
}

fn memo_id(p: &TestProject) -> String {
    let memos = p.koda(&["memos", "--json"]).json();
    memos[0]["id"].as_str().unwrap().to_string()
}
