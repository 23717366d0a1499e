//! A whole day of work through the CLI: init, import, codebook, coding, retrieval, memos.

use crate::util::{INTERVIEW, TestProject, koda_cmd};

#[test]
fn init_import_code_retrieve_and_memo() {
    let p = TestProject::new();
    let f = p.write("foreldreintervju-9.txt", INTERVIEW);
    let out = p
        .koda(&[
            "import",
            f.to_str().unwrap(),
            "--case",
            "F09",
            "--attr",
            "role=parent",
            "--attr",
            "site=Kristiansand",
            "--meta",
            "wave=1",
        ])
        .ok()
        .to_string();
    assert!(
        out.contains("as foreldreintervju-9 (interview, guessed, 5 turns, 2 speakers, case F09)"),
        "{out}"
    );

    let docs = p.koda(&["docs", "--json"]).json();
    assert_eq!(docs[0]["id"], "foreldreintervju-9");
    assert_eq!(docs[0]["case"], "F09");
    assert_eq!(docs[0]["turns"], 5);
    assert_eq!(docs[0]["metadata"]["wave"], "1");

    let show = p.koda(&["show", "foreldreintervju-9", "--json"]).json();
    assert_eq!(show["turns"][2]["speaker"], "Forelder");
    assert_eq!(show["turns"][2]["timestamp_ms"], 9000);
    assert_eq!(
        show["turns"][2]["text"],
        "Hun kom hjem til oss. Jeg visste at hun ville ringe tilbake samme dag.\nDet betydde mye for meg."
    );
    assert_eq!(show["attributes"]["role"], "parent");

    p.koda(&[
        "codes",
        "add",
        "trust/personal",
        "-d",
        "Trust in the coordinator",
        "--color",
        "blue",
    ])
    .ok();
    p.koda(&["codes", "add", "timing/waiting"]).ok();
    let codes = p.koda(&["codes", "--json"]).json();
    let paths: Vec<&str> = codes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        vec!["trust", "trust/personal", "timing", "timing/waiting"]
    );
    assert_eq!(codes[1]["color"], "#4575b4");

    // By quoting, by turn, by range.
    let made = p
        .koda(&[
            "code",
            "foreldreintervju-9",
            "--code",
            "trust/personal",
            "--match",
            "Jeg visste at hun ville ringe tilbake samme dag.",
            "--memo",
            "key quote",
            "--json",
        ])
        .json();
    let by_match = made[0]["id"].as_str().unwrap().to_string();
    p.koda(&[
        "code",
        "Foreldreintervju-9",
        "--code",
        "waiting",
        "--turn",
        "5",
    ])
    .ok();
    let text = show["text"].as_str().unwrap();
    let start = text[..text.find("Hun kom").unwrap()].chars().count();
    let range = format!("{}..{}", start, start + 21);
    let r = p
        .koda(&[
            "code",
            "foreldreintervju-9",
            "--code",
            "trust",
            "--range",
            &range,
        ])
        .ok()
        .to_string();
    assert!(r.contains("«Hun kom hjem til oss.»"), "{r}");

    let ex = p.koda(&["excerpts", "--code", "trust", "--json"]).json();
    let ex = ex.as_array().unwrap();
    assert_eq!(ex.len(), 2, "trust includes its sub-code: {ex:?}");
    assert_eq!(ex[0]["code_path"], "trust");
    assert_eq!(ex[1]["code_path"], "trust/personal");
    assert_eq!(
        ex[1]["text"],
        "Jeg visste at hun ville ringe tilbake samme dag."
    );
    assert_eq!(ex[1]["speaker"], "Forelder");
    assert_eq!(ex[1]["turn"], 3);
    assert_eq!(ex[1]["line"], 4);
    assert_eq!(ex[1]["coder"], "anna");
    assert_eq!(ex[1]["memo"], "key quote");
    assert_eq!(ex[1]["stale"], false);
    let only = p
        .koda(&["excerpts", "--code", "trust", "--no-subcodes", "--json"])
        .json();
    assert_eq!(only.as_array().unwrap().len(), 1);
    let waiting = p
        .koda(&["excerpts", "--code", "timing/waiting"])
        .ok()
        .to_string();
    assert!(
        waiting.contains("«Der venter vi fortsatt. Vi venter og venter.»"),
        "{waiting}"
    );

    // Memos on a document, a code and a coding; edit and remove.
    let m = p
        .koda(&[
            "memo",
            "add",
            "Compare with wave 2.",
            "--doc",
            "foreldreintervju-9",
        ])
        .ok()
        .to_string();
    let memo_id = m.split_whitespace().nth(1).unwrap().to_string();
    p.koda(&[
        "memo",
        "add",
        "Trust attaches to persons.",
        "--code",
        "trust",
    ])
    .ok();
    p.koda(&["memo", "add", "Strong quote.", "--coding", &by_match])
        .ok();
    p.koda(&["memo", "edit", &memo_id, "Compare with wave 2 and 3."])
        .ok();
    let memos = p.koda(&["memos", "--json"]).json();
    let memos = memos.as_array().unwrap();
    assert_eq!(memos.len(), 3);
    assert!(
        memos
            .iter()
            .any(|m| m["text"] == "Compare with wave 2 and 3."
                && m["about"] == "document foreldreintervju-9")
    );
    let ex = p
        .koda(&["excerpts", "--code", "trust/personal", "--json"])
        .json();
    assert_eq!(ex[0]["memos"][0], "Strong quote.");
    p.koda(&["memo", "rm", &memo_id]).ok();
    assert_eq!(
        p.koda(&["memos", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Uncode by id, then by position.
    p.koda(&["uncode", &by_match]).ok();
    let r = p
        .koda(&[
            "uncode",
            "--doc",
            "foreldreintervju-9",
            "--code",
            "timing/waiting",
            "--turn",
            "5",
        ])
        .ok()
        .to_string();
    assert!(r.contains("removed coding"), "{r}");
    let ex = p.koda(&["excerpts", "--json"]).json();
    assert_eq!(ex.as_array().unwrap().len(), 1);
    assert_eq!(ex[0]["code_path"], "trust");

    // The journal is plain JSON lines, one per event.
    let journal = std::fs::read_to_string(p.path().join("journal/anna.jsonl")).unwrap();
    assert!(
        journal
            .lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    );
    assert!(journal.lines().count() >= 9, "{journal}");
}

#[test]
fn codebook_rename_move_merge_and_delete() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "trust/personal"]).ok();
    p.koda(&["codes", "add", "confidence/personal"]).ok();
    p.koda(&["codes", "add", "confidence/system"]).ok();
    p.koda(&["code", "i", "--code", "confidence/personal", "--turn", "3"])
        .ok();
    p.koda(&["code", "i", "--code", "confidence/system", "--turn", "5"])
        .ok();
    p.koda(&["code", "i", "--code", "confidence", "--turn", "2"])
        .ok();

    p.koda(&["codes", "rename", "confidence/system", "institutional"])
        .ok();
    p.koda(&[
        "codes",
        "describe",
        "trust",
        "Whether people rely on others.",
    ])
    .ok();
    p.koda(&["codes", "color", "trust", "#00AA00"]).ok();
    let r = p
        .koda(&["codes", "merge", "confidence", "trust"])
        .ok()
        .to_string();
    assert!(
        r.contains("merged confidence into trust (3 codings moved)"),
        "{r}"
    );
    let ex = p.koda(&["excerpts", "--json"]).json();
    let paths: Vec<&str> = ex
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code_path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        vec!["trust", "trust/personal", "trust/institutional"]
    );

    p.koda(&["codes", "add", "themes"]).ok();
    p.koda(&["codes", "move", "trust/institutional", "themes"])
        .ok();
    p.koda(&["codes", "move", "themes/institutional", "--root"])
        .ok();
    let codes = p.koda(&["codes", "--json"]).json();
    let paths: Vec<&str> = codes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        vec!["trust", "trust/personal", "institutional", "themes"]
    );
    assert_eq!(codes[0]["color"], "#00aa00");
    assert_eq!(codes[0]["description"], "Whether people rely on others.");

    let err = p
        .koda(&["codes", "rm", "institutional"])
        .fails()
        .to_string();
    assert!(
        err.contains("has 1 codings") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        p.koda(&["excerpts", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let r = p
        .koda(&["codes", "rm", "institutional", "--force"])
        .ok()
        .to_string();
    assert!(r.contains("1 codings"), "{r}");
    p.koda(&["codes", "rm", "themes"]).ok();
    assert_eq!(
        p.koda(&["excerpts", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Reopening gives the same state: merged codings stay with trust, deleted ones stay gone.
    let out = p.koda(&[]).ok().to_string();
    assert!(out.contains("2 codes, 2 codings"), "{out}");
    assert!(p.koda(&["excerpts"]).stderr.is_empty());
}

#[test]
fn project_is_found_from_a_subfolder_and_coder_from_env() {
    let p = TestProject::new();
    let f = p.write("i.txt", INTERVIEW);
    let sub = p.path().join("in");
    let run = |args: &[&str], coder: Option<&str>| {
        let mut c = koda_cmd();
        c.args(args).current_dir(&sub);
        if let Some(k) = coder {
            c.env("KODA_CODER", k);
        }
        c.output().unwrap()
    };
    assert!(run(&["import", f.to_str().unwrap()], None).status.success());
    assert!(run(&["codes", "add", "trust"], None).status.success());
    assert!(
        run(&["code", "i", "--code", "trust", "--turn", "3"], Some("bo"))
            .status
            .success()
    );
    assert!(p.path().join("journal/bo.jsonl").exists());
    let o = run(&["excerpts", "--json", "--coder", "bo"], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["coder"], "bo");
    let o = run(&["excerpts", "--json", "--coder", "anna"], None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.as_array().unwrap().is_empty());
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.path().join("koda.json")).unwrap())
            .unwrap();
    assert_eq!(config["coders"], serde_json::json!(["anna", "bo"]));
}

#[test]
fn overview_completions_and_man_page() {
    let p = TestProject::new();
    let f = p.write("fokusgruppe.txt", "Moderator: Velkommen.\nDeltaker 1: Takk.\nDeltaker 2: Hei.\nDeltaker 3: Hei.\nModerator: Da starter vi.\n");
    p.koda(&["import", f.to_str().unwrap()]).ok();
    let o = koda_cmd().arg(p.path()).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    assert!(text.starts_with("Test study: 1 documents"), "{text}");
    assert!(text.contains("focus-group"), "{text}");
    let bash = koda_cmd().args(["completions", "bash"]).output().unwrap();
    assert!(String::from_utf8_lossy(&bash.stdout).contains("excerpts"));
    let man = koda_cmd().arg("man").output().unwrap();
    assert!(String::from_utf8_lossy(&man.stdout).contains(".TH koda"));
}

#[test]
fn code_all_occurrences_and_cases() {
    let p = TestProject::new();
    let f = p.write("i.txt", INTERVIEW);
    p.koda(&["import", f.to_str().unwrap(), "--case", "F1"])
        .ok();
    p.koda(&["codes", "add", "timing/waiting"]).ok();
    let r = p
        .koda(&[
            "code", "i", "--code", "waiting", "--match", "venter", "--all", "--json",
        ])
        .json();
    assert_eq!(r.as_array().unwrap().len(), 3);
    p.koda(&["cases", "set", "F1", "role=parent", "wave=2"])
        .ok();
    let cases = p.koda(&["cases", "--json"]).json();
    assert_eq!(cases[0]["name"], "F1");
    assert_eq!(cases[0]["attributes"]["wave"], "2");
    assert_eq!(cases[0]["documents"][0], "i");
}

#[test]
fn undo_and_redo_from_the_command_line() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "trust"]).ok();
    p.koda(&["code", "i", "--code", "trust", "--turn", "3"])
        .ok();
    assert_eq!(p.koda(&["undo"]).ok().trim(), "undid: code trust");
    assert!(
        p.koda(&["excerpts", "--json"])
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        p.koda(&["search", "code:trust", "--count"]).ok().trim(),
        "0 turns in 0 documents match"
    );
    assert_eq!(p.koda(&["redo"]).ok().trim(), "redid: code trust");
    assert_eq!(
        p.koda(&["excerpts", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(p.koda(&["undo"]).ok().trim(), "undid: code trust");
    assert_eq!(p.koda(&["undo"]).ok().trim(), "undid: add a code");
    assert_eq!(p.koda(&["undo"]).ok().trim(), "nothing to undo");
    assert!(
        p.koda(&["codes", "--json"])
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn correcting_a_transcript_keeps_codings_on_their_words() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "trust"]).ok();
    p.koda(&[
        "code",
        "i",
        "--code",
        "trust",
        "--match",
        "Jeg visste at hun ville ringe tilbake samme dag.",
    ])
    .ok();
    p.koda(&[
        "code",
        "i",
        "--code",
        "trust",
        "--match",
        "Vi venter og venter.",
    ])
    .ok();
    let corrected = INTERVIEW
        .replace(
            "Hvordan var det første møtet?",
            "Hvordan var det aller første møtet med henne?",
        )
        .replace("Vi venter og venter.", "Vi venter og venter og venter.");
    let fixed = p.write("fixed.txt", &corrected);
    let out = p
        .koda(&["edit", "i", "--from", fixed.to_str().unwrap()])
        .ok()
        .to_string();
    assert_eq!(
        out.trim(),
        "i: revision 1; 1 codings kept their words, 1 flagged for a look (`koda codings --stale`)"
    );
    let ex = p.koda(&["excerpts", "--json"]).json();
    assert_eq!(
        ex[0]["text"],
        "Jeg visste at hun ville ringe tilbake samme dag."
    );
    assert_eq!(ex[0]["stale"], false);
    assert_eq!(ex[1]["stale"], true);
    let stale = p.koda(&["codings", "--stale", "--json"]).json();
    assert_eq!(stale.as_array().unwrap().len(), 1);
    let id = stale[0]["coding"].as_str().unwrap().to_string();
    let text = p.koda(&["codings", "--stale"]).ok().to_string();
    assert!(
        text.contains("(stale)") && text.contains("koda codings confirm"),
        "{text}"
    );
    p.koda(&["codings", "confirm", &id]).ok();
    assert!(
        p.koda(&["codings", "--stale", "--json"])
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Exports use the corrected text; undo brings the old text back.
    let md = p
        .koda(&["export", "summary", "-o", "-", "--context", "turn"])
        .ok()
        .to_string();
    assert!(
        md.contains("aller første") || md.contains("venter og venter og venter"),
        "{md}"
    );
    p.koda(&["undo"]).ok(); // the edit (confirming is not an undo step)
    let show = p.koda(&["show", "i", "--json"]).json();
    assert_eq!(show["text"], INTERVIEW.trim_start().to_string());
    let ex = p.koda(&["excerpts", "--json"]).json();
    assert_eq!(ex[1]["text"], "Vi venter og venter.");
    // A bad --from file changes nothing.
    let bad = p.path().join("in/bad.txt");
    std::fs::write(&bad, b"\xff\xfe\x00").unwrap();
    p.koda(&["edit", "i", "--from", bad.to_str().unwrap()])
        .fails_with(&["bad.txt"]);
    let err = p.koda(&["edit", "i"]).fails().to_string();
    assert!(err.contains("$EDITOR") || err.contains("editor"), "{err}");
}

#[test]
fn correcting_through_an_editor() {
    let p = TestProject::with_interview();
    // The "editor" is a script that corrects a word in the file it is given.
    let editor = p.path().join("in/editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nsed -i 's/fortsatt/fremdeles/' \"$1\"\n",
    )
    .unwrap();
    let mut perm = std::fs::metadata(&editor).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(&editor, perm).unwrap();
    let o = crate::util::koda_cmd()
        .arg("-p")
        .arg(p.path())
        .args(["edit", "i"])
        .env("EDITOR", &editor)
        .env_remove("VISUAL")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let show = p.koda(&["show", "i", "--json"]).json();
    assert!(
        show["text"]
            .as_str()
            .unwrap()
            .contains("Der venter vi fremdeles.")
    );
    assert!(
        std::fs::read_dir(p.path().join(".koda/edit"))
            .unwrap()
            .next()
            .is_none(),
        "the draft is removed"
    );
}
