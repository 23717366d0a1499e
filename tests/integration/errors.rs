//! Error paths: each gets exit 1, a message naming what is wrong, and no change on disk.

use crate::util::{INTERVIEW, TestProject, koda_cmd};
use std::io::Write;

#[test]
fn a_missing_file_is_reported_and_the_others_import() {
    let p = TestProject::new();
    let good = p.write("good.txt", INTERVIEW);
    let r = p.koda(&["import", good.to_str().unwrap(), "in/nope.txt"]);
    let err = r.fails().to_string();
    assert!(
        err.contains("nope.txt") && err.contains("no such file"),
        "{err}"
    );
    assert!(
        err.contains("1 imported, 0 skipped as duplicates, 1 failed"),
        "{err}"
    );
    assert_eq!(
        p.koda(&["docs", "--json"]).json().as_array().unwrap().len(),
        1
    );
}

#[test]
fn a_bad_file_among_good_ones_fails_alone() {
    let p = TestProject::new();
    let good = p.write("good.txt", INTERVIEW);
    let bad = p.path().join("in/binary.txt");
    std::fs::write(&bad, b"\x00\x01\x02 not text \x00").unwrap();
    let trunc = p.path().join("in/cut.docx");
    std::fs::write(&trunc, b"PK\x03\x04 truncated").unwrap();
    let r = p.koda(&[
        "import",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        trunc.to_str().unwrap(),
        "--case",
        "X",
        "--attr",
        "role=parent",
    ]);
    let err = r.fails().to_string();
    assert!(
        err.contains("binary.txt") && err.contains("binary file"),
        "{err}"
    );
    assert!(err.contains("cut.docx") && err.contains("ZIP"), "{err}");
    let docs = p.koda(&["docs", "--json"]).json();
    assert_eq!(
        docs.as_array().unwrap().len(),
        1,
        "only the good file, whole"
    );
    assert_eq!(docs[0]["id"], "good");
    let pdf = p.write("x.pdf", "%PDF-1.4");
    let err = p
        .koda(&["import", pdf.to_str().unwrap()])
        .fails()
        .to_string();
    assert!(
        err.contains("x.pdf") && err.contains("cannot read the PDF"),
        "{err}"
    );
    let odt = p.write("x.odt", "PK");
    let err = p
        .koda(&["import", odt.to_str().unwrap()])
        .fails()
        .to_string();
    assert!(err.contains("x.odt") && err.contains(".docx"), "{err}");
}

#[test]
fn importing_the_same_text_twice_skips_it() {
    let p = TestProject::new();
    let a = p.write("a.txt", INTERVIEW);
    let b = p.write("b.txt", INTERVIEW);
    p.koda(&["import", a.to_str().unwrap()]).ok();
    let before = p.snapshot();
    let r = p.koda(&["import", b.to_str().unwrap()]);
    r.ok();
    assert!(
        r.stderr.contains("skipped")
            && r.stderr.contains("b.txt")
            && r.stderr
                .contains("already in the project as document \"a\""),
        "{}",
        r.stderr
    );
    assert_eq!(p.snapshot(), before);
}

#[test]
fn unknown_code_missing_match_and_ambiguous_match() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "trust"]).ok();
    let before = p.snapshot();

    p.koda(&["code", "i", "--code", "tillit", "--turn", "2"])
        .fails_with(&["no code \"tillit\""]);
    p.koda(&["code", "i", "--code", "trust", "--match", "ikke her"])
        .fails_with(&["\"ikke her\" not found in \"i\""]);
    p.koda(&["code", "i", "--code", "trust", "--match", "hun kom"])
        .fails_with(&["different capitals"]);
    p.fails_unchanged(
        &["code", "i", "--code", "trust", "--match", "venter"],
        &["occurs 3 times", "turns 5, 5, 5", "--all"],
    );
    p.koda(&["code", "i", "--code", "trust", "--turn", "99"])
        .fails_with(&["turns 1 to 5, not 99"]);
    p.koda(&["code", "i", "--code", "trust", "--range", "10..5"])
        .fails_with(&["empty"]);
    p.koda(&["code", "i", "--code", "trust", "--range", "0..100000"])
        .fails_with(&["past the end"]);
    p.koda(&["code", "nodoc", "--code", "trust", "--turn", "1"])
        .fails_with(&["no document \"nodoc\""]);
    p.fails_unchanged(
        &["uncode", "x000000000000"],
        &["no coding \"x000000000000\""],
    );
    p.fails_unchanged(&["codes", "add", "trust"], &["already exists"]);
    assert_eq!(p.snapshot(), before, "failed commands wrote nothing");
}

#[test]
fn usage_errors_exit_2() {
    let p = TestProject::new();
    let r = p.koda(&[
        "code", "i", "--code", "trust", "--turn", "1", "--range", "1..2",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = p.koda(&["frobnicate"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn a_folder_that_is_not_a_project() {
    let dir = tempfile::tempdir().unwrap();
    let o = koda_cmd()
        .arg("docs")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is not a koda project") && err.contains("koda init"),
        "{err}"
    );
    let o = koda_cmd()
        .arg("-p")
        .arg(dir.path())
        .arg("codes")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let o = koda_cmd()
        .args(["init", "--coder", "anna"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success());
    let o = koda_cmd().args(["init"]).arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "init twice is refused");
}

#[test]
fn a_second_writer_is_refused_and_readers_are_not() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "trust"]).ok();
    // Hold the lock from another process: a `koda batch` waiting on its standard input.
    let mut holder = koda_cmd()
        .args(["-p"])
        .arg(p.path())
        .args(["--coder", "bo", "batch"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = holder.stdin.take().unwrap();
    writeln!(
        stdin,
        r#"{{"op":"code","doc":"i","code":"trust","turn":2}}"#
    )
    .unwrap();
    stdin.flush().unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert!(line.contains("\"ok\":true"), "{line}");

    let err = p
        .koda(&["code", "i", "--code", "trust", "--turn", "3"])
        .fails()
        .to_string();
    assert!(
        err.contains("another koda process") && err.contains("coder bo"),
        "{err}"
    );
    assert!(err.contains(&format!("pid {}", holder.id())), "{err}");
    // Readers see the acknowledged coding while the writer is still running.
    let ex = p.koda(&["excerpts", "--json"]).json();
    assert_eq!(ex.as_array().unwrap().len(), 1);
    drop(stdin);
    assert!(holder.wait().unwrap().success());
    p.koda(&["code", "i", "--code", "trust", "--turn", "3"])
        .ok();
}

#[test]
fn a_truncated_journal_is_reported_and_earlier_codings_kept() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "trust"]).ok();
    p.koda(&["code", "i", "--code", "trust", "--turn", "2"])
        .ok();
    p.koda(&["code", "i", "--code", "trust", "--turn", "3"])
        .ok();
    let journal = p.path().join("journal/anna.jsonl");
    let full = std::fs::read(&journal).unwrap();
    // Cut the last line in half, as a crash during the write would.
    let cut = full.len() - 40;
    std::fs::write(&journal, &full[..cut]).unwrap();
    let r = p.koda(&["excerpts", "--json"]);
    let ex = r.json();
    assert_eq!(ex.as_array().unwrap().len(), 1, "the first coding survives");
    assert!(
        r.stderr.contains("anna.jsonl:2") && r.stderr.contains("incomplete last line"),
        "{}",
        r.stderr
    );
    // The next write sets the torn bytes aside and appends cleanly.
    p.koda(&["code", "i", "--code", "trust", "--turn", "5"])
        .ok();
    let r = p.koda(&["excerpts", "--json"]);
    assert_eq!(r.json().as_array().unwrap().len(), 2);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let kept = std::fs::read_dir(p.path().join(".koda/recovered"))
        .unwrap()
        .count();
    assert_eq!(kept, 1);
}

#[test]
fn a_damaged_codebook_names_file_and_line() {
    let p = TestProject::new();
    std::fs::write(
        p.path().join("codebook.json"),
        "{\n  \"codes\": [ oops ]\n}\n",
    )
    .unwrap();
    let err = p.koda(&["codes"]).fails().to_string();
    assert!(
        err.contains("codebook.json") && err.contains("line 2"),
        "{err}"
    );
}

#[test]
fn doctor_explains_and_repairs_with_backups() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "trust"]).ok();
    p.koda(&["code", "i", "--code", "trust", "--turn", "3"])
        .ok();
    p.koda(&["code", "i", "--code", "trust", "--turn", "5"])
        .ok();
    let out = p.koda(&["doctor"]).ok().to_string();
    assert!(
        out.contains("ok      1 documents") && !out.contains("PROBLEM"),
        "{out}"
    );
    // A flipped byte in the journal, a temp file left behind, a deleted index.
    let journal = p.path().join("journal/anna.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    // One changed letter in the first line: still valid JSON, caught by the line's checksum.
    std::fs::write(
        &journal,
        text.replacen("\"coder\":\"anna\"", "\"coder\":\"anne\"", 1),
    )
    .unwrap();
    std::fs::write(p.path().join("sources/.i.json.tmp-99"), "half").unwrap();
    std::fs::remove_dir_all(p.path().join(".koda/index")).unwrap();
    let r = p.koda(&["doctor"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("PROBLEM")
            && r.stdout.contains("anna.jsonl:1")
            && r.stdout.contains("checksum mismatch"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(".i.json.tmp-99") && r.stdout.contains("search index is missing"),
        "{}",
        r.stdout
    );
    let r = p.koda(&["doctor", "--repair"]);
    let out = r.ok().to_string();
    assert!(
        out.contains("moved 1 damaged lines out") && out.contains("0 problems left"),
        "{out}"
    );
    let backup = out
        .lines()
        .find_map(|l| l.strip_prefix("backups of everything changed: "))
        .unwrap();
    let kept =
        std::fs::read_to_string(std::path::Path::new(backup).join("journal/anna.jsonl")).unwrap();
    assert!(
        kept.contains("\"anne\""),
        "the damaged journal is kept whole in the backup"
    );
    assert!(!p.path().join("sources/.i.json.tmp-99").exists());
    // The repaired project opens clean and keeps the intact coding.
    let r = p.koda(&["excerpts", "--json"]);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    // A source edited by hand is named, with what to do.
    std::fs::write(p.path().join("sources/i.txt"), "Noe helt annet.\n").unwrap();
    let out = p.koda(&["doctor"]).stdout;
    assert!(
        out.contains("changed outside koda") && out.contains("koda edit i --from"),
        "{out}"
    );
}

#[test]
fn a_second_writer_can_wait_for_the_first() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "trust"]).ok();
    let mut holder = p.spawn_batch();
    let mut stdin = holder.stdin.take().unwrap();
    writeln!(
        stdin,
        r#"{{"op":"code","doc":"i","code":"trust","turn":2}}"#
    )
    .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    let waiter = koda_cmd()
        .arg("-p")
        .arg(p.path())
        .args(["--wait", "code", "i", "--code", "trust", "--turn", "3"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    drop(stdin);
    assert!(holder.wait().unwrap().success());
    let out = waiter.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        p.koda(&["excerpts", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn a_project_written_with_schema_version_1_opens_whole() {
    // A copy, so that opening (which may update the index or migrate) never touches the fixture.
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/project-v1");
    let p = TestProject::empty();
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(format!("{}/.", src.display()))
        .arg(p.path())
        .status()
        .unwrap();
    assert!(status.success());
    let project = koda::store::Project::open(p.path()).unwrap();
    // `cp` gives the folder the checkout's mode (0755), which koda rightly warns of.
    let permissions = koda::store::project::WarningAbout::Permissions;
    assert!(
        project.warnings.iter().all(|w| w.about == permissions),
        "{:?}",
        project.warnings
    );
    assert_eq!(project.docs.len(), 9);
    assert_eq!(project.codings.len(), 53);
    assert_eq!(project.memos.len(), 4);
    for d in project.docs.values() {
        project.text(&d.id).unwrap();
    }
    let hits = p.koda(&["search", "koordinatoren", "--json"]).json();
    assert!(hits["total"].as_u64().unwrap() > 0, "{hits}");
    let doctor = p.koda(&["doctor"]);
    doctor.ok();
    // Opening migrated it to the current format, after a backup of what it rewrote.
    let cfg = p.path().join("koda.json");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let current = format!("\"schema_version\": {}", koda::model::SCHEMA_VERSION);
    assert!(text.contains(&current), "{text}");
    let backups: Vec<_> = std::fs::read_dir(p.path().join(".koda/backup"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert!(backups[0].to_string_lossy().ends_with("-format-1"));
    let old = std::fs::read_to_string(backups[0].join("koda.json")).unwrap();
    assert!(old.contains("\"schema_version\": 1"), "{old}");
    // The migrated file also carries its checksum, on line 2.
    assert!(
        text.lines().nth(1).unwrap().starts_with("  \"check\": "),
        "{text}"
    );
    let unsealed = crate::util::without_check(&text);
    assert_eq!(
        old.replace("\"schema_version\": 1", ""),
        unsealed.replace(&current, ""),
        "the migration changed more than the version"
    );
    // A project from a newer koda is refused with a message, not misread.
    std::fs::write(&cfg, text.replace(&current, "\"schema_version\": 99")).unwrap();
    let err = p.koda(&["docs"]).fails().to_string();
    assert!(err.contains("newer than this koda understands"), "{err}");
}

#[test]
fn a_damaged_turn_table_is_named_when_used_and_by_doctor() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "timing"]).ok();
    p.koda(&["code", "i", "--code", "timing", "--turn", "2"])
        .ok();
    let meta = p.path().join("sources/i.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
    v["turns"][1]["start"] = serde_json::json!("not a number");
    std::fs::write(&meta, serde_json::to_vec(&v).unwrap()).unwrap();
    // Opening the project counts the turns and goes on; what needs them says which file.
    let docs = p.koda(&["docs"]).ok().to_string();
    assert!(docs.contains("i "), "{docs}");
    let r = p.koda(&["show", "i"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("sources/i.json"), "{}", r.stderr);
    // Counts that place codings in cases need the table too: they fail rather than leave
    // the coding out.
    for stats in [
        &["stats", "frequencies"][..],
        &["stats", "cooccurrence"],
        &["export", "matrix", "-o", "m.csv"],
    ] {
        let r = p.koda(stats);
        assert_ne!(r.code, 0, "{stats:?}: {}", r.stdout);
        assert!(
            r.stderr.contains("sources/i.json"),
            "{stats:?}: {}",
            r.stderr
        );
    }
    assert!(!p.path().join("m.csv").exists());
    let d = p.koda(&["doctor"]);
    assert_eq!(d.code, 1, "{}", d.stdout);
    assert!(
        d.stdout.contains("PROBLEM") && d.stdout.contains("its turn table"),
        "{}",
        d.stdout
    );
}

#[test]
fn bad_input_is_refused_with_what_is_wrong() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "tillit"]).ok();
    p.koda(&["code", "i", "--code", "tillit", "--turn", "2"])
        .ok();
    p.fails_unchanged(
        &["cases", "set", "", "role=parent"],
        &["a case needs a name"],
    );
    p.fails_unchanged(&["cases", "set", "F1", "=parent"], &["must be one word"]);
    p.fails_unchanged(
        &["agree", "--coders", "anna,nobody", "--unit", "turn"],
        &["no coder \"nobody\"", "coders are anna"],
    );
    // Hostile queries: a clear error, never a crash.
    let nested = format!("{}tillit{}", "(".repeat(10_000), ")".repeat(10_000));
    p.fails_unchanged(&["search", &nested], &["characters long"]);
    let nots = format!("{}tillit", "NOT ".repeat(300));
    p.fails_unchanged(&["search", &nots], &["nest more than 32 deep"]);
    // An OS error is said once.
    let file = p.write("not-a-folder", "x");
    let r = koda_cmd().arg("init").arg(&file).output().unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1));
    assert!(err.contains("is a file, not a folder"), "{err}");
    let missing = p.path().join("no-such.txt");
    let r = p.koda(&["import", missing.to_str().unwrap()]);
    let once = r.stderr.matches("os error").count();
    assert!(once <= 1, "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn a_coder_refused_for_an_unwritable_journal_is_not_added() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "tillit"]).ok();
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("x.jsonl"), "").unwrap();
    std::os::unix::fs::symlink(
        elsewhere.path().join("x.jsonl"),
        p.path().join("journal/nykoder.jsonl"),
    )
    .unwrap();
    p.fails_unchanged(
        &[
            "--coder", "nykoder", "code", "i", "--code", "tillit", "--turn", "2",
        ],
        &["symbolic link"],
    );
    let config = std::fs::read_to_string(p.path().join("koda.json")).unwrap();
    assert!(!config.contains("nykoder"), "{config}");
    let outside = std::fs::read_to_string(elsewhere.path().join("x.jsonl")).unwrap();
    assert!(outside.is_empty(), "{outside}");
}

#[test]
fn batch_reports_a_bad_line_by_number_and_goes_on() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "tillit"]).ok();
    let mut child = p.spawn_batch();
    {
        let stdin = child.stdin.as_mut().unwrap();
        stdin
            .write_all(b"{\"op\":\"code\",\"doc\":\"i\",\"code\":\"tillit\",\"turn\":2}\n")
            .unwrap();
        stdin
            .write_all(b"{\"op\":\"code\",\"doc\":\"i\xff\"}\n")
            .unwrap();
        stdin
            .write_all(b"{\"op\":\"code\",\"doc\":\"i\",\"code\":\"tillit\",\"turn\":4}\r\n")
            .unwrap();
        // A memo too large to be a memo.
        let huge = "notat ".repeat(200_000);
        writeln!(stdin, r#"{{"op":"memo","doc":"i","text":"{huge}"}}"#).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let replies: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(replies.len(), 4, "{replies:?}");
    assert_eq!(replies[0]["ok"], true);
    assert_eq!(replies[1]["ok"], false);
    assert_eq!(replies[1]["line"], 2);
    assert!(replies[1]["error"].as_str().unwrap().contains("not UTF-8"));
    assert_eq!(replies[2]["ok"], true, "the batch goes on after a bad line");
    assert_eq!(replies[3]["ok"], false);
    assert!(
        replies[3]["error"]
            .as_str()
            .unwrap()
            .contains("a memo holds at most 1000 KB"),
        "{}",
        replies[3]
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_document_left_out_for_damage_keeps_its_files() {
    let p = TestProject::with_interview();
    let text = std::fs::read(p.path().join("sources/i.txt")).unwrap();
    std::fs::write(p.path().join("sources/i.json"), "{").unwrap();
    let f = p.write(
        "i.txt",
        "Intervjuer: Et annet intervju.\nForelder: Med samme tittel.\n",
    );
    let r = p.koda(&["import", f.to_str().unwrap()]);
    r.ok();
    assert!(
        r.stderr.contains("i.json"),
        "the damage is reported: {}",
        r.stderr
    );
    assert_eq!(
        std::fs::read(p.path().join("sources/i.txt")).unwrap(),
        text,
        "the damaged document's text is not written over"
    );
    assert!(p.path().join("sources/i-2.txt").is_file());
}

#[test]
fn an_index_left_damaged_by_a_crash_is_rebuilt_not_a_dead_end() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "tillit"]).ok();
    p.koda(&["search", "tillit"]).ok();
    // What a kill in the middle of an index update can leave: deletion files tantivy has
    // not recorded, which its next commit then refuses to create.
    let index = p.path().join(".koda/index");
    let seg = std::fs::read_dir(&index)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|f| f.extension().is_some_and(|x| x == "idx"))
        .unwrap();
    let stem = seg.file_stem().unwrap().to_string_lossy().into_owned();
    for n in 0..64 {
        std::fs::write(index.join(format!("{stem}.{n}.del")), b"").unwrap();
    }
    p.koda(&["code", "i", "--code", "tillit", "--turn", "2"])
        .ok();
    for _ in 0..2 {
        let out = p.koda(&["search", "code:tillit"]).ok().to_string();
        assert!(out.contains("1 turn in 1 document"), "{out}");
    }
    // The meta file damaged: the next search rebuilds and says so.
    std::fs::write(index.join("meta.json"), b"{").unwrap();
    let doctor = p.koda(&["doctor"]);
    assert!(
        doctor
            .stdout
            .contains("PROBLEM the search index cannot be used")
            && doctor.stdout.contains("--repair"),
        "{}",
        doctor.stdout
    );
    let r = p.koda(&["search", "tillit"]);
    r.ok();
    assert!(r.stderr.contains("rebuilt"), "{}", r.stderr);
}

#[test]
fn an_export_that_would_lack_a_document_is_refused() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "tillit"]).ok();
    p.koda(&["code", "i", "--code", "tillit", "--turn", "2"])
        .ok();
    std::fs::remove_file(p.path().join("sources/i.txt")).unwrap();
    for args in [
        &["export", "summary", "-o", "in/s.md"][..],
        &["export", "excerpts", "-o", "in/e.csv"][..],
        &["export", "qdpx", "-o", "in/p.qdpx"][..],
    ] {
        p.fails_unchanged(args, &["would lack documents", "i.txt"]);
        assert!(!p.path().join(args[3]).exists());
    }
}

#[cfg(unix)]
#[test]
fn a_project_others_can_read_is_said_on_every_command_until_repaired() {
    use std::os::unix::fs::PermissionsExt;
    let p = TestProject::with_interview();
    assert!(!p.koda(&["docs"]).stderr.contains("others can read"));
    std::fs::set_permissions(p.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = p.koda(&["docs"]);
    assert!(
        run.stderr.contains("others can read") && run.stderr.contains("doctor --repair"),
        "{}",
        run.stderr
    );
    p.koda(&["doctor", "--repair"]).ok();
    assert_eq!(
        std::fs::metadata(p.path()).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert!(!p.koda(&["docs"]).stderr.contains("others can read"));
}
