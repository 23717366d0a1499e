//! Killing a writing koda process at random moments never loses an acknowledged change.

use crate::util::{INTERVIEW, TestProject, koda_cmd};
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
    let p = TestProject::new();
    let f = p.write("i.txt", INTERVIEW);
    p.koda(&["import", f.to_str().unwrap()]).ok();
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
                w.contains("incomplete last line"),
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
