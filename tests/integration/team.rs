//! Team coding: coders, merging copies (and the same result through git), agreement figures.

use crate::util::{TestProject, koda_cmd};
use koda::store::Project;
use std::path::Path;
use std::process::Command;

const DOC: &str = "Intervjuer: En.\nForelder: To.\nIntervjuer: Tre.\nForelder: Fire.\nIntervjuer: Fem.\nForelder: Seks.\n";

fn koda_at(dir: &Path, args: &[&str]) -> crate::util::Run {
    let o = koda_cmd().arg("-p").arg(dir).args(args).output().unwrap();
    crate::util::Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn base() -> TestProject {
    let p = TestProject::new();
    let f = p.write("i.txt", DOC);
    p.koda(&[
        "import",
        f.to_str().unwrap(),
        "--case",
        "F1",
        "--attr",
        "role=parent",
    ])
    .ok();
    p.koda(&["codes", "add", "x"]).ok();
    p.koda(&["codes", "add", "y"]).ok();
    p
}

fn copy(from: &Path, to: &Path) {
    let ok = Command::new("cp")
        .arg("-r")
        .arg(from)
        .arg(to)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let _ = std::fs::remove_dir_all(to.join(".koda"));
}

/// The state that matters, in a comparable form.
fn state(dir: &Path) -> (Vec<String>, Vec<String>, Vec<String>, String) {
    let p = Project::open(dir).unwrap();
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let mut codings: Vec<String> = p
        .codings
        .values()
        .map(|c| {
            format!(
                "{} {} {}..{} {} {}",
                c.id,
                c.doc,
                c.start,
                c.end,
                p.codebook.path(&c.code),
                c.coder
            )
        })
        .collect();
    codings.sort();
    let mut memos: Vec<String> = p
        .memos
        .values()
        .map(|m| format!("{} {:?} {}", m.id, m.target, m.text))
        .collect();
    memos.sort();
    let mut codes: Vec<String> = p
        .codebook
        .walk()
        .iter()
        .map(|(c, _)| format!("{} {}", c.id, p.codebook.path(&c.id)))
        .collect();
    codes.sort();
    (
        codings,
        memos,
        codes,
        serde_json::to_string(&p.cases).unwrap(),
    )
}

#[test]
fn coders_are_listed_with_their_work() {
    let p = base();
    p.koda(&["code", "i", "--code", "x", "--turn", "1"]).ok();
    p.koda(&["--coder", "bo", "code", "i", "--code", "x", "--turn", "2"])
        .ok();
    p.koda(&["--coder", "bo", "code", "i", "--code", "y", "--turn", "3"])
        .ok();
    let v = p.koda(&["coders", "--json"]).json();
    assert_eq!(v[0]["coder"], "anna");
    assert_eq!(v[0]["default"], true);
    assert_eq!(v[0]["codings"], 1);
    assert_eq!(v[1]["coder"], "bo");
    assert_eq!(v[1]["codings"], 2);
    assert_eq!(v[1]["codes"], 2);
    let only_bo = p.koda(&["--coder", "bo", "excerpts", "--json"]).json();
    assert_eq!(only_bo.as_array().unwrap().len(), 2);
    let search = p
        .koda(&["--coder", "bo", "search", "fire OR to OR tre", "--json"])
        .json();
    assert_eq!(search["total"], 2, "only turns bo coded");
    let summary = p
        .koda(&["--coder", "anna", "export", "summary", "-o", "-"])
        .ok()
        .to_string();
    assert!(
        summary.contains("«En.»") && !summary.contains("«To.»"),
        "{summary}"
    );
}

#[test]
fn merging_copies_is_complete_idempotent_and_equal_to_git() {
    let (root, b0, a, b) = two_copies();
    // anna works in copy a; bo in copy b, adding a code, a memo, a document and an attribute.
    koda_at(&a, &["code", "i", "--code", "x", "--turn", "1"]).ok();
    koda_at(&a, &["code", "i", "--code", "y", "--turn", "2"]).ok();
    koda_at(&b, &["--coder", "bo", "codes", "add", "z/deep"]).ok();
    koda_at(
        &b,
        &[
            "--coder", "bo", "code", "i", "--code", "z/deep", "--turn", "4",
        ],
    )
    .ok();
    koda_at(
        &b,
        &["--coder", "bo", "memo", "add", "Bo's note.", "--code", "z"],
    )
    .ok();
    let extra = b.join("in/notat.txt");
    std::fs::write(&extra, "Feltnotat om ventetid.\n").unwrap();
    koda_at(
        &b,
        &[
            "--coder",
            "bo",
            "import",
            extra.to_str().unwrap(),
            "--case",
            "F2",
            "--attr",
            "role=coordinator",
        ],
    )
    .ok();
    koda_at(
        &b,
        &[
            "--coder", "bo", "code", "notat", "--code", "x", "--turn", "1",
        ],
    )
    .ok();
    koda_at(&b, &["--coder", "bo", "cases", "set", "F1", "site=Bergen"]).ok();

    // Plain git: base commit, one branch per copy, merge.
    let g = root.path().join("g");
    copy(b0.path(), &g);
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.invalid",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(&g)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "base"]);
    git(&["checkout", "-qb", "bo"]);
    sync_tree(&b, &g);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "bo"]);
    git(&["checkout", "-q", "main"]);
    sync_tree(&a, &g);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "anna"]);
    git(&["merge", "-q", "--no-edit", "bo"]);

    let out = koda_at(&a, &["merge", b.to_str().unwrap()])
        .ok()
        .to_string();
    assert!(
        out.contains("documents added: 1")
            && out.contains("codes added: 2 (z, z/deep)")
            && out.contains("bo: 3 journal events"),
        "{out}"
    );
    assert_eq!(state(&a), state(&g), "koda merge and git merge agree");
    let s = state(&a);
    assert_eq!(s.0.len(), 4);
    assert!(s.3.contains("Bergen"));
    let again = koda_at(&a, &["merge", b.to_str().unwrap()])
        .ok()
        .to_string();
    assert!(again.starts_with("nothing to merge"), "{again}");
    assert_eq!(state(&a), s);
}

#[test]
fn a_document_corrected_in_the_other_copy_arrives_with_its_text_and_turns() {
    let (_root, _base, a, b) = two_copies();
    let extra = b.join("in/notat.txt");
    std::fs::write(&extra, "Feltnotat om ventetid.\n\nAndre avsnitt.\n").unwrap();
    koda_at(&b, &["--coder", "bo", "import", extra.to_str().unwrap()]).ok();
    let fixed = b.join("in/fixed.txt");
    std::fs::write(
        &fixed,
        "Feltnotat om ventetida.\n\nAndre avsnitt.\n\nTredje.\n",
    )
    .unwrap();
    koda_at(
        &b,
        &[
            "--coder",
            "bo",
            "edit",
            "notat",
            "--from",
            fixed.to_str().unwrap(),
        ],
    )
    .ok();
    koda_at(&a, &["merge", b.to_str().unwrap()]).ok();
    let shown = koda_at(&a, &["show", "notat", "--json"]).ok().to_string();
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert!(v["text"].as_str().unwrap().contains("ventetida"), "{shown}");
    assert_eq!(v["turns"].as_array().unwrap().len(), 3, "{shown}");
    let check = koda_at(&a, &["doctor"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
}

/// The base project and two copies of it, `a` and `b`, in a temporary folder (kept while it
/// lives).
fn two_copies() -> (
    tempfile::TempDir,
    TestProject,
    std::path::PathBuf,
    std::path::PathBuf,
) {
    let root = tempfile::tempdir().unwrap();
    let b0 = base();
    let a = root.path().join("a");
    let b = root.path().join("b");
    copy(b0.path(), &a);
    copy(b0.path(), &b);
    (root, b0, a, b)
}

/// Copies the project files of `from` over `to` (not .koda, not .git).
fn sync_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name == ".koda" || name == ".git" || name == "in" {
            continue;
        }
        let target = to.join(&name);
        if p.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            sync_tree(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

#[test]
fn clashes_stop_the_merge_until_a_rule_is_chosen() {
    let (root, b0, a, b) = two_copies();
    koda_at(&a, &["codes", "rename", "x", "tillit"]).ok();
    koda_at(&b, &["codes", "rename", "x", "trust"]).ok();
    koda_at(&b, &["cases", "set", "F1", "role=coordinator"]).ok();
    koda_at(
        &b,
        &[
            "--coder", "bo", "code", "i", "--code", "trust", "--turn", "2",
        ],
    )
    .ok();
    let before = std::fs::read(a.join("codebook.json")).unwrap();
    let err = koda_at(&a, &["merge", b.to_str().unwrap()])
        .fails()
        .to_string();
    assert!(
        err.contains("clash")
            && err.contains("\"tillit\" here and \"trust\" there")
            && err.contains("role is \"parent\" here and \"coordinator\" there"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(a.join("codebook.json")).unwrap(),
        before,
        "nothing written"
    );
    assert!(!a.join("journal/bo.jsonl").exists());
    let ours = koda_at(&a, &["merge", b.to_str().unwrap(), "--prefer", "ours"])
        .ok()
        .to_string();
    assert!(ours.contains("clash: code"), "{ours}");
    let p = Project::open(&a).unwrap();
    assert!(p.codebook.find("tillit").is_ok());
    assert_eq!(p.cases.cases["F1"].attributes["role"], "parent");
    assert_eq!(
        p.codings.values().filter(|c| c.coder == "bo").count(),
        1,
        "bo's coding came, on our code"
    );
    let a2 = root.path().join("a2");
    copy(b0.path(), &a2);
    koda_at(&a2, &["codes", "rename", "x", "tillit"]).ok();
    koda_at(&a2, &["merge", b.to_str().unwrap(), "--prefer", "theirs"]).ok();
    let p = Project::open(&a2).unwrap();
    assert!(p.codebook.find("trust").is_ok() && p.codebook.find("tillit").is_err());
    assert_eq!(p.cases.cases["F1"].attributes["role"], "coordinator");
}

/// Coder anna codes x on turns 1-3 and y on turn 5; bo codes x on turns 2-3. Six turns.
fn rated() -> TestProject {
    let p = base();
    for t in ["1", "2", "3"] {
        p.koda(&["code", "i", "--code", "x", "--turn", t]).ok();
    }
    p.koda(&["code", "i", "--code", "y", "--turn", "5"]).ok();
    for t in ["2", "3"] {
        p.koda(&["--coder", "bo", "code", "i", "--code", "x", "--turn", t])
            .ok();
    }
    p
}

fn num(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn agreement_by_turn_matches_hand_computation() {
    let p = rated();
    let v = p
        .koda(&["agree", "--coders", "anna,bo", "--unit", "turn", "--json"])
        .json();
    let x = &v["codes"][0];
    assert_eq!(x["code"], "x");
    assert_eq!(x["units"], 6);
    assert_eq!(x["coded"], serde_json::json!([3, 2]));
    // Ratings (anna, bo): (1,0) (1,1) (1,1) (0,0) (0,0) (0,0).
    // p_o = 5/6; p_e = 1/2·1/3 + 1/2·2/3 = 1/2; Cohen = (5/6 − 1/2)/(1/2) = 2/3.
    assert!((num(&x["percent"]) - 500.0 / 6.0).abs() < 1e-9);
    assert!((num(&x["cohen_kappa"]) - 2.0 / 3.0).abs() < 1e-9);
    // Scott/Fleiss: p = 5/12 and 7/12, p_e = 74/144; (5/6 − 74/144)/(1 − 74/144) = 46/70.
    assert!((num(&x["fleiss_kappa"]) - 46.0 / 70.0).abs() < 1e-9);
    // Krippendorff: n = 12, n_1 = 5, n_0 = 7, D_o = 2, D_e = 2·5·7; alpha = 1 − 11·2/70.
    assert!((num(&x["krippendorff_alpha"]) - (1.0 - 22.0 / 70.0)).abs() < 1e-9);
    // y is used by anna only: agreement on 5 of 6 turns, kappa 0.
    let y = &v["codes"][1];
    assert!((num(&y["percent"]) - 500.0 / 6.0).abs() < 1e-9);
    assert!(num(&y["cohen_kappa"]).abs() < 1e-9);
    // Overall pools the 12 (turn, code) pairs: 10 agree.
    assert!((num(&v["overall"]["percent"]) - 1000.0 / 12.0).abs() < 1e-9);

    let text = p
        .koda(&[
            "agree",
            "--coders",
            "anna,bo",
            "--unit",
            "turn",
            "--disagreements",
        ])
        .ok()
        .to_string();
    assert!(
        text.contains("x · i · turn 1")
            && text.contains("anna: «En.»")
            && text.contains("bo: (not coded)"),
        "{text}"
    );
    assert!(text.contains("y · i · turn 5"), "{text}");
}

#[test]
fn agreement_edge_cases() {
    let p = rated();
    // Perfect agreement on x by documents.
    let v = p
        .koda(&[
            "agree", "--coders", "anna,bo", "--unit", "document", "--code", "x", "--json",
        ])
        .json();
    assert_eq!(v["codes"][0]["percent"], 100.0);
    // Characters: bo's codings lie inside anna's; agreement is over the document's characters.
    let c = p
        .koda(&["agree", "--coders", "anna,bo", "--code", "x", "--json"])
        .json();
    let chars = c["codes"][0]["units"].as_u64().unwrap();
    assert_eq!(chars, DOC.chars().count() as u64);
    let coded = c["codes"][0]["coded"].as_array().unwrap();
    assert!(coded[0].as_u64() > coded[1].as_u64());
    // A coder the project has never seen is a typo: refused, naming the coders there are.
    p.koda(&["agree", "--coders", "anna,carl", "--json"])
        .fails_with(&["no coder \"carl\"", "coders are"]);
    // Three coders: Fleiss and Krippendorff, no Cohen.
    p.koda(&["--coder", "cy", "code", "i", "--code", "x", "--turn", "2"])
        .ok();
    let v = p
        .koda(&[
            "agree",
            "--coders",
            "anna,bo,cy",
            "--unit",
            "turn",
            "--code",
            "x",
            "--json",
        ])
        .json();
    assert!(v["codes"][0]["cohen_kappa"].is_null());
    assert!(
        v["codes"][0]["fleiss_kappa"].is_number()
            && v["codes"][0]["krippendorff_alpha"].is_number()
    );
    let err = p.koda(&["agree", "--coders", "anna"]).fails().to_string();
    assert!(err.contains("at least two coders"), "{err}");
}

#[test]
fn a_copy_whose_document_ids_are_paths_is_refused_and_changes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let ours = base();
    let theirs = root.path().join("theirs");
    copy(ours.path(), &theirs);
    let f = ours.write("j.txt", "Intervjuer: Ny.\nForelder: Samtale.\n");
    koda_at(&theirs, &["import", f.to_str().unwrap()]);
    let meta = theirs.join("sources/j.json");
    let sealed = std::fs::read_to_string(&meta).unwrap();
    // A hostile copy would carry no checksum (a file without one is read as it is).
    let good = crate::util::without_check(&sealed);
    assert!(
        good.len() < sealed.len() && good.contains("\"id\": \"j\""),
        "{good}"
    );
    // One that keeps the checksum of the honest file is refused for it.
    std::fs::write(
        &meta,
        sealed.replace("\"id\": \"j\"", "\"id\": \"../cases\""),
    )
    .unwrap();
    ours.fails_unchanged(
        &["merge", theirs.to_str().unwrap()],
        &["j.json", "checksum"],
    );
    for bad in ["../cases", "../names", "/tmp/x"] {
        std::fs::write(
            &meta,
            good.replace("\"id\": \"j\"", &format!("\"id\": {bad:?}")),
        )
        .unwrap();
        let err = ours.fails_unchanged(
            &["merge", theirs.to_str().unwrap()],
            &["j.json", "koda refuses to use it"],
        );
        assert!(err.contains(bad), "{err}");
    }
    // A file whose own name is not an id is refused too.
    std::fs::write(&meta, &good).unwrap();
    std::fs::rename(&meta, theirs.join("sources/j k.json")).unwrap();
    let spaced = good.replace("\"id\": \"j\"", "\"id\": \"j k\"");
    std::fs::write(theirs.join("sources/j k.json"), spaced).unwrap();
    ours.fails_unchanged(
        &["merge", theirs.to_str().unwrap()],
        &["is not a document id koda accepts"],
    );
    assert!(ours.path().join("cases.json").is_file());
}

#[cfg(unix)]
#[test]
fn a_journal_that_is_a_symbolic_link_is_not_written_through() {
    let p = base();
    p.koda(&["code", "i", "--code", "x", "--turn", "2"]).ok();
    let journal = std::fs::read_dir(p.path().join("journal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("outside.jsonl");
    std::fs::copy(&journal, &target).unwrap();
    let before = std::fs::read(&target).unwrap();
    std::fs::remove_file(&journal).unwrap();
    std::os::unix::fs::symlink(&target, &journal).unwrap();
    p.koda(&["code", "i", "--code", "y", "--turn", "4"])
        .fails_with(&["symbolic link"]);
    assert_eq!(
        std::fs::read(&target).unwrap(),
        before,
        "nothing written through the link"
    );
}
