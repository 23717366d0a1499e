//! Search: stemming and folding, every query form and filter, the index following changes,
//! rebuilding a lost or damaged index, autocoding and its undo, malformed queries.

use crate::util::TestProject;

const PARENT: &str = "Intervjuer: Hva betyr tilliten for deg?\nForelder: Tillit er alt. Barnehagen ringte tilbake samme dag.\nIntervjuer: Og NAV?\nForelder: Der venter vi. Koordinatoren sa at bølge 2 blir bedre.\n";
const COORDINATOR: &str = "INTERVIEWER: What builds trust?\nCOORDINATOR: Trusting takes time. I call back the same day.\nINTERVIEWER: And the kindergartens?\nCOORDINATOR: Barnehager are slow to answer, and families wait.\n";
const NOTES: &str = "Møtet handlet om ventetid i barnehage og skole.\n\nNAV-veilederen kom sent.\n";

fn study() -> TestProject {
    let p = TestProject::empty();
    let o = crate::util::koda_cmd()
        .args(["init", "--coder", "anna", "--lang", "no", "--lang", "en"])
        .arg(p.path())
        .output()
        .unwrap();
    assert!(o.status.success());
    let a = p.write("forelder.txt", PARENT);
    let b = p.write("coordinator.txt", COORDINATOR);
    let c = p.write("feltnotat.txt", NOTES);
    p.koda(&[
        "import",
        a.to_str().unwrap(),
        "--case",
        "F1",
        "--attr",
        "role=parent",
        "--meta",
        "wave=1",
    ])
    .ok();
    p.koda(&[
        "import",
        b.to_str().unwrap(),
        "--case",
        "K1",
        "--attr",
        "role=coordinator",
        "--meta",
        "wave=2",
    ])
    .ok();
    p.koda(&["import", c.to_str().unwrap(), "--type", "field-note"])
        .ok();
    p
}

/// (turn count, document ids of the hits in order) for a query.
fn hits(p: &TestProject, q: &str) -> (u64, Vec<String>) {
    let v = p.koda(&["search", q, "--json"]).json();
    let docs = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| format!("{}#{}", h["doc"].as_str().unwrap(), h["turn"]))
        .collect();
    (v["total"].as_u64().unwrap(), docs)
}

#[test]
fn stemming_and_folding_in_both_languages() {
    let p = study();
    let (n, d) = hits(&p, "tillit");
    assert_eq!(n, 2, "tillit finds Tillit and tilliten: {d:?}");
    let (n, d) = hits(&p, "barnehage");
    assert_eq!(
        n, 3,
        "barnehage finds barnehagen, barnehager and barnehage: {d:?}"
    );
    let (n, _) = hits(&p, "trusting");
    assert_eq!(n, 2, "trusting finds trust");
    let (n, d) = hits(&p, "bolge");
    assert_eq!(
        (n, d),
        (1, vec!["forelder#4".to_string()]),
        "a search without diacritics finds bølge"
    );
    let (n, _) = hits(&p, "motet");
    assert_eq!(n, 1, "motet finds Møtet");
}

#[test]
fn query_forms() {
    let p = study();
    assert_eq!(hits(&p, "\"ringte tilbake\"").0, 1);
    assert_eq!(
        hits(&p, "\"tilbake ringte\"").0,
        0,
        "a phrase keeps its order"
    );
    assert_eq!(hits(&p, "\"call back\"").0, 1);
    assert_eq!(hits(&p, "tillit barnehagen").0, 1, "words are ANDed");
    assert_eq!(hits(&p, "tillit AND barnehagen").0, 1);
    assert_eq!(hits(&p, "tillit OR trust").0, 4);
    assert_eq!(hits(&p, "barnehage -tillit").0, 2);
    assert_eq!(hits(&p, "barnehage NOT tillit").0, 2);
    assert_eq!(hits(&p, "(tillit OR trust) NOT intervjuer").0, 4);
    assert_eq!(hits(&p, "koordinator*").0, 1, "prefix");
    let err = p.koda(&["search", "NAV-veil*"]).fails().to_string();
    assert!(err.contains("one word at a time"), "{err}");
    assert_eq!(hits(&p, "veilederen").0, 1, "compound parts are words");
    assert_eq!(
        hits(&p, "barnehgen~1").0,
        1,
        "fuzzy: one edit finds barnehagen"
    );
    assert_eq!(
        hits(&p, "barnehgen~2").0,
        3,
        "two edits find barnehage and barnehager too"
    );
    assert_eq!(hits(&p, "barnehgen").0, 0);
    assert_eq!(hits(&p, "koordinatroen~2").0, 1);
}

#[test]
fn field_filters() {
    let p = study();
    p.koda(&["codes", "add", "trust/personal"]).ok();
    p.koda(&[
        "code",
        "forelder",
        "--code",
        "trust/personal",
        "--turn",
        "2",
    ])
    .ok();
    assert_eq!(hits(&p, "speaker:forelder").0, 2);
    assert_eq!(hits(&p, "speaker:FORELDER tillit").0, 1);
    assert_eq!(hits(&p, "speaker:\"COORDINATOR\"").0, 2);
    assert_eq!(hits(&p, "speaker:coord*").0, 2);
    assert_eq!(hits(&p, "type:field-note").0, 2);
    assert_eq!(hits(&p, "type:interview barnehage").0, 2);
    assert_eq!(hits(&p, "code:trust").0, 1, "a code includes its sub-codes");
    assert_eq!(hits(&p, "code:trust/personal").0, 1);
    assert_eq!(
        hits(&p, "code:personal").0,
        1,
        "a unique leaf name is enough"
    );
    assert_eq!(hits(&p, "role:parent").0, 4);
    assert_eq!(hits(&p, "role:coordinator trust").0, 2);
    assert_eq!(hits(&p, "wave:2").0, 4);
    assert_eq!(hits(&p, "case:k1").0, 4);
    assert_eq!(hits(&p, "doc:feltnotat").0, 2);
    assert_eq!(hits(&p, "NOT type:interview").0, 2);
}

#[test]
fn hits_carry_citations_and_highlights() {
    let p = study();
    let v = p.koda(&["search", "tillit", "--json"]).json();
    let h = &v["hits"][0];
    assert_eq!(h["doc"], "forelder");
    assert_eq!(h["speaker"], "Forelder");
    assert_eq!(h["case"], "F1");
    assert_eq!(h["doc_type"], "interview");
    assert!(h["score"].as_f64().unwrap() > 0.0);
    assert_eq!(
        h["marked"],
        "**Tillit** er alt. Barnehagen ringte tilbake samme dag."
    );
    assert_eq!(h["highlights"][0], serde_json::json!([0, 6]));
    assert_eq!(v["documents"], 1);
    let text = p
        .koda(&["search", "tillit", "--limit", "1"])
        .ok()
        .to_string();
    assert!(
        text.starts_with("2 turns in 1 document match; showing the best 1"),
        "{text}"
    );
    assert!(
        text.contains("forelder · turn 2 · Forelder · F1 · interview · line 2"),
        "{text}"
    );
    let count = p.koda(&["search", "tillit", "--count"]).ok().to_string();
    assert_eq!(count.trim(), "2 turns in 1 document match");
}

#[test]
fn the_index_follows_imports_codings_and_renames() {
    let p = study();
    assert_eq!(hits(&p, "ventetid").0, 1);
    p.koda(&["codes", "add", "timing/waiting"]).ok();
    assert_eq!(hits(&p, "code:waiting").0, 0);
    let made = p
        .koda(&[
            "code",
            "feltnotat",
            "--code",
            "waiting",
            "--match",
            "ventetid",
            "--json",
        ])
        .json();
    assert_eq!(hits(&p, "code:waiting").0, 1);
    p.koda(&["codes", "rename", "timing", "tid"]).ok();
    assert_eq!(hits(&p, "code:tid/waiting").0, 1);
    p.koda(&["uncode", made[0]["id"].as_str().unwrap()]).ok();
    assert_eq!(hits(&p, "code:waiting").0, 0);
    let more = p.write(
        "ny.txt",
        "Forelder: Ventetid igjen.\nIntervjuer: Hvor lenge?\n",
    );
    p.koda(&["import", more.to_str().unwrap()]).ok();
    assert_eq!(hits(&p, "ventetid").0, 2);
    p.koda(&["cases", "set", "F1", "site=Bergen"]).ok();
    assert_eq!(hits(&p, "site:bergen").0, 4);
}

#[test]
fn a_deleted_or_damaged_index_is_rebuilt() {
    let p = study();
    assert_eq!(hits(&p, "tillit").0, 2);
    let dir = p.path().join(".koda/index");
    assert!(dir.join("meta.json").exists());
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(hits(&p, "tillit").0, 2);
    std::fs::write(dir.join("meta.json"), "{ not json").unwrap();
    let r = p.koda(&["search", "tillit", "--count"]);
    assert_eq!(r.ok().trim(), "2 turns in 1 document match");
    assert!(
        r.stderr.contains("search index was rebuilt"),
        "{}",
        r.stderr
    );
    std::fs::write(
        dir.join("koda-index.json"),
        "{\"schema_version\": 0, \"languages\": [], \"docs\": {}}",
    )
    .unwrap();
    // While the project is unchanged the index answers alone, without its state file; the
    // first search after a change needs the state, finds it damaged and rebuilds.
    let r = p.koda(&["search", "tillit", "--count"]);
    assert_eq!(r.ok().trim(), "2 turns in 1 document match");
    assert!(!r.stderr.contains("rebuilt"), "{}", r.stderr);
    p.koda(&["codes", "add", "trust"]).ok();
    let r = p.koda(&["search", "tillit", "--count"]);
    assert_eq!(r.ok().trim(), "2 turns in 1 document match");
    assert!(r.stderr.contains("index version 0"), "{}", r.stderr);
    let out = p.koda(&["reindex"]).ok().to_string();
    assert!(out.contains("3 documents"), "{out}");
    assert_eq!(hits(&p, "tillit").0, 2);
}

#[test]
fn autocode_dry_run_then_code_then_undo() {
    let p = study();
    p.koda(&["codes", "add", "timing/waiting"]).ok();
    let before = p.snapshot();
    let dry = p
        .koda(&[
            "autocode",
            "vent* OR wait",
            "--code",
            "waiting",
            "--dry-run",
        ])
        .ok()
        .to_string();
    assert!(dry.starts_with("would code 3 passages"), "{dry}");
    assert!(
        dry.contains("«venter»") && dry.contains("«ventetid»") && dry.contains("«wait»"),
        "{dry}"
    );
    assert_eq!(p.snapshot(), before, "a dry run changes nothing");

    let out = p
        .koda(&[
            "autocode",
            "vent* OR wait",
            "--code",
            "waiting",
            "--unit",
            "sentence",
        ])
        .ok()
        .to_string();
    assert!(out.starts_with("coded 3 passages in 3 documents"), "{out}");
    let run = out
        .split("run ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let ex = p.koda(&["excerpts", "--code", "waiting", "--json"]).json();
    let texts: Vec<&str> = ex
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        vec![
            "Der venter vi.",
            "Barnehager are slow to answer, and families wait.",
            "Møtet handlet om ventetid i barnehage og skole."
        ]
    );
    let again = p
        .koda(&[
            "autocode",
            "vent* OR wait",
            "--code",
            "waiting",
            "--unit",
            "sentence",
        ])
        .ok()
        .to_string();
    assert!(
        again.contains("3 already coded"),
        "autocoding twice adds nothing: {again}"
    );
    assert_eq!(hits(&p, "code:waiting").0, 3);

    let undo = p.koda(&["uncode", "--batch", &run]).ok().to_string();
    assert!(undo.contains("removed 3 codings"), "{undo}");
    assert!(
        p.koda(&["excerpts", "--json"])
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(hits(&p, "code:waiting").0, 0);

    let phrase = p
        .koda(&["autocode", "\"ringte tilbake\"", "--code", "waiting"])
        .ok()
        .to_string();
    assert!(
        phrase.starts_with("coded 1 passage in 1 document"),
        "{phrase}"
    );
    let ex = p.koda(&["excerpts", "--json"]).json();
    assert_eq!(
        ex[0]["text"], "ringte tilbake",
        "a phrase is coded as one span"
    );
    p.koda(&["autocode", "trust", "--code", "waiting", "--unit", "turn"])
        .ok();
    let ex = p
        .koda(&["excerpts", "--doc", "coordinator", "--json"])
        .json();
    assert_eq!(ex[0]["text"], "What builds trust?");
}

#[test]
fn malformed_queries_are_explained() {
    let p = study();
    for (q, want) in [
        ("(tillit", "parenthesis is never closed (column 1)"),
        ("tillit OR", "OR needs something after it"),
        (
            "rolle:parent",
            "unknown field \"rolle\"; fields are speaker, type, code, coder, doc, case, role, wave",
        ),
        ("code:nope", "no code \"nope\""),
        ("type:survey", "unknown document type"),
        ("tillit~7", "word~1 or word~2"),
        ("...", "holds no word"),
    ] {
        let err = p.koda(&["search", q]).fails().to_string();
        assert!(err.contains(want), "{q}: {err}");
    }
}

/// Moves the time of every file a project's stamp covers a minute back, as if the last change
/// were a minute old (so the stamp taken next is settled).
fn age(root: &std::path::Path) {
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    let mut paths: Vec<std::path::PathBuf> = [
        "koda.json",
        "codebook.json",
        "cases.json",
        "sources",
        "journal",
    ]
    .iter()
    .map(|f| root.join(f))
    .collect();
    paths.extend(
        std::fs::read_dir(root.join("journal"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    for p in paths.iter().filter(|p| p.exists()) {
        std::fs::File::open(p).unwrap().set_modified(old).unwrap();
    }
}

fn fast_path_taken(p: &TestProject) -> bool {
    koda::index::SearchIndex::open_current(p.path())
        .unwrap()
        .is_some()
}

#[test]
fn a_current_index_answers_without_loading_the_project() {
    let p = study();
    p.koda(&["codes", "add", "trust/personal"]).ok();
    p.koda(&["code", "forelder", "--code", "personal", "--turn", "2"])
        .ok();
    let queries = [
        "tillit",
        "speaker:forelder",
        "code:personal",
        "role:coordinator trust",
        "doc:feltnotat",
        "wave:2 barnehage",
        "barneh*",
        "koordinatorn~1",
        "\"ringte tilbake\"",
        "NOT type:interview",
    ];
    let answer = |q: &str| p.koda(&["search", q, "--json"]).json();
    let loaded: Vec<serde_json::Value> = queries.iter().map(|q| answer(q)).collect();

    age(p.path());
    // The next search loads the project once more and records the settled stamp…
    p.koda(&["search", "tillit"]).ok();
    assert!(fast_path_taken(&p));
    // …after which every query is answered from the index alone, exactly as before.
    for (q, want) in queries.iter().zip(&loaded) {
        assert_eq!(&answer(q), want, "{q}");
    }
    let e = p.koda(&["search", "doc:nosuchdoc"]).fails().to_string();
    assert!(e.contains("no document \"nosuchdoc\""), "{e}");
    let e = p.koda(&["search", "colour:red"]).fails().to_string();
    assert!(
        e.contains("unknown field \"colour\"") && e.contains("role"),
        "{e}"
    );
    let (idx, known) = koda::index::SearchIndex::open_current(p.path())
        .unwrap()
        .unwrap();
    let r = idx.search(&known, "tillit", Some(5)).unwrap();
    // The library's hits are what `--json` shows, which adds each snippet marked up.
    let mut shown = serde_json::to_value(&r.hits).unwrap();
    for (v, h) in shown.as_array_mut().unwrap().iter_mut().zip(&r.hits) {
        v["marked"] = h.marked().into();
    }
    assert_eq!(shown, loaded[0]["hits"]);

    // A change is never answered from an index that has not seen it. (Whether the next search
    // may skip loading depends on how long the change's own index update took: a stamp taken
    // more than a clock tick after the last write is settled. The answer is right either way.)
    p.koda(&["code", "coordinator", "--code", "personal", "--turn", "2"])
        .ok();
    assert_eq!(hits(&p, "code:personal").0, 2);
    age(p.path());
    p.koda(&["search", "tillit"]).ok();
    assert!(fast_path_taken(&p));

    // Nor is a change made by hand to a snapshot, even one that keeps its length.
    let cb = p.path().join("codebook.json");
    let text = std::fs::read_to_string(&cb).unwrap();
    std::fs::write(&cb, text.replace("\"personal\"", "\"personel\"")).unwrap();
    assert!(!fast_path_taken(&p));
    // The snapshot's checksum no longer holds, so the search refuses rather than answer from
    // a file that may be damaged; sealed on purpose, the change is searched.
    let e = p.koda(&["search", "code:personel"]).fails().to_string();
    assert!(
        e.contains("code \"personel\" does not match its checksum"),
        "{e}"
    );
    assert!(
        p.koda(&["doctor", "--accept"])
            .ok()
            .contains("codebook.json")
    );
    assert_eq!(hits(&p, "code:personel").0, 2);
}

#[test]
fn a_project_with_problems_reports_them_on_every_search() {
    let p = study();
    let journal = std::fs::read_dir(p.path().join("journal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|f| f.extension().is_some_and(|x| x == "jsonl"));
    let journal = journal.unwrap_or_else(|| p.path().join("journal/anna.jsonl"));
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&journal)
        .unwrap();
    std::io::Write::write_all(&mut f, b"{not json\n").unwrap();
    drop(f);
    age(p.path());
    for _ in 0..2 {
        let r = p.koda(&["search", "tillit"]);
        r.ok();
        assert!(r.stderr.contains("warning"), "{}", r.stderr);
        assert!(!fast_path_taken(&p));
    }
}

#[test]
fn a_folder_import_indexes_as_it_goes_and_ends_as_a_rebuild_would() {
    let p = TestProject::empty();
    let o = crate::util::koda_cmd()
        .args(["init", "--coder", "anna", "--lang", "no"])
        .arg(p.path())
        .output()
        .unwrap();
    assert!(o.status.success());
    let dir = p.path().join("inn");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.txt"), PARENT).unwrap();
    std::fs::write(
        dir.join("b.txt"),
        "Intervjuer: Hvordan var våren?\nForelder: Vi ventet på svar fra NAV.\nIntervjuer: Lenge?\nForelder: Tre uker. Tilliten ble mindre.\n",
    )
    .unwrap();
    std::fs::write(dir.join("c.txt"), NOTES).unwrap();
    // The same case in two files, with an attribute each: the second file changes the case of
    // a document the import had already indexed.
    let speakers = p.write(
        "talere.csv",
        "speaker,case,file,role,wave\nForelder,P1,a,parent,\nForelder,P1,b,,2\n",
    );
    p.koda(&[
        "import",
        dir.to_str().unwrap(),
        "--speakers",
        speakers.to_str().unwrap(),
    ])
    .ok();
    let queries = [
        "tillit",
        "wave:2",
        "role:parent",
        "case:p1 tillit",
        "ventetid OR venter",
    ];
    let fed: Vec<serde_json::Value> = queries
        .iter()
        .map(|q| p.koda(&["search", q, "--json"]).json())
        .collect();
    assert_eq!(
        (&fed[1]["total"], &fed[1]["documents"]),
        (&serde_json::json!(4), &serde_json::json!(2)),
        "both files' parent turns carry the attribute the second file set: {}",
        fed[1]
    );
    p.koda(&["reindex"]).ok();
    // Scores may differ: a document indexed twice leaves deleted turns in tantivy's term
    // statistics until its segments merge.
    let unscored = |mut v: serde_json::Value| {
        for h in v["hits"].as_array_mut().unwrap() {
            h["score"] = serde_json::Value::Null;
        }
        v
    };
    for (q, want) in queries.iter().zip(fed) {
        let got = p.koda(&["search", q, "--json"]).json();
        assert_eq!(unscored(got), unscored(want), "{q}");
    }
}

#[test]
fn a_search_while_another_koda_writes_the_index_uses_its_last_commit() {
    let p = study();
    p.koda(&["codes", "add", "trust"]).ok();
    // Another process holds the index lock, as a long folder import does.
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(p.path().join(".koda/index.lock"))
        .unwrap();
    lock.lock().unwrap();
    p.koda(&["code", "forelder", "--code", "trust", "--turn", "2"])
        .ok();
    let r = p.koda(&["search", "tillit"]);
    assert!(
        r.ok().starts_with("2 turns in 1 document match"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr
            .contains("another koda is updating the search index"),
        "{}",
        r.stderr
    );
    assert_eq!(
        hits(&p, "code:trust").0,
        0,
        "the coding made while the index was busy is not in its last commit"
    );
    lock.unlock().unwrap();
    let r = p.koda(&["search", "code:trust", "--json"]);
    assert_eq!(r.json()["total"], 1, "once free, the index catches up");
    assert!(!r.stderr.contains("another koda"), "{}", r.stderr);
}

#[test]
fn bit_flips_in_the_index_segments_never_crash_a_search() {
    let p = study();
    let queries = ["tillit", "vent*", "\"ringe tilbake\"", "koordinator~1"];
    let want: Vec<(u64, Vec<String>)> = queries.iter().map(|q| hits(&p, q)).collect();
    let dir = p.path().join(".koda/index");
    // The segment files as they are now (a rebuild writes new ones under new names).
    let segments = || {
        let mut v: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|f| {
                let n = f.file_name().unwrap().to_string_lossy().into_owned();
                !n.starts_with("koda-") && !n.ends_with(".lock") && n != "meta.json"
            })
            .collect();
        v.sort();
        v
    };
    assert!(segments().len() >= 4, "{:?}", segments());
    let (mut right, mut rebuilt, mut refused, mut wrong) = (0, 0, 0, Vec::new());
    let trials = 48;
    for t in 0..trials {
        let files = segments();
        let f = &files[t % files.len()];
        let mut b = std::fs::read(f).unwrap();
        let at = (t / files.len() * b.len() / (trials / files.len() + 1) + t) % b.len();
        b[at] ^= 1 << (t % 8);
        std::fs::write(f, &b).unwrap();
        for (q, want) in queries.iter().zip(&want) {
            let r = p.koda(&["search", q, "--json"]);
            assert_ne!(r.code, 101, "a panic: {}", r.stderr);
            assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
            if r.code != 0 {
                assert!(
                    r.stderr.contains("index") && r.stderr.contains("reindex"),
                    "{}",
                    r.stderr
                );
                refused += 1;
                continue;
            }
            let v = r.json();
            let got: Vec<String> = v["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| format!("{}#{}", h["doc"].as_str().unwrap(), h["turn"]))
                .collect();
            if (v["total"].as_u64().unwrap(), got.clone()) == *want {
                if r.stderr.contains("rebuilt") {
                    rebuilt += 1;
                } else {
                    right += 1;
                }
            } else {
                wrong.push(format!("{}: byte {at}: {q}: {got:?}", f.display()));
            }
        }
        // The next damage starts from a sound index.
        p.koda(&["reindex"]).ok();
    }
    eprintln!(
        "index damage: {right} right, {rebuilt} right after a rebuild, {refused} refused, {} wrong",
        wrong.len()
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn doctor_finds_an_index_that_lacks_turns_though_it_says_it_is_current() {
    let p = study();
    assert_eq!(hits(&p, "tillit").0, 2);
    let index = p.path().join(".koda/index");
    let old = p.path().join("old-index");
    crate::crash_points::copy_dir(&index, &old);
    let f = p.write(
        "ny.txt",
        "Intervjuer: Hva med tillit?\nForelder: Tillit tar tid.\n",
    );
    p.koda(&["import", f.to_str().unwrap()]).ok();
    // The index says it is current only with files older than the clock's tick (a settled
    // stamp): a search records that once the import's files are that old.
    let mut tries = 0;
    while koda::index::SearchIndex::turns_if_current(p.path()).is_none() {
        tries += 1;
        assert!(tries < 20, "the index never says it is current");
        std::thread::sleep(std::time::Duration::from_millis(250));
        assert_eq!(hits(&p, "tillit").0, 4);
    }
    let doctor = p.koda(&["doctor"]).ok().to_string();
    assert!(!doctor.contains("PROBLEM"), "{doctor}");
    // The index of before the import, under the record that it is current with after it.
    let current = std::fs::read(index.join("koda-current.json")).unwrap();
    std::fs::remove_dir_all(&index).unwrap();
    std::fs::rename(&old, &index).unwrap();
    std::fs::write(index.join("koda-current.json"), current).unwrap();
    let doctor = p.koda(&["doctor"]);
    assert!(
        doctor.stdout.contains("PROBLEM")
            && doctor.stdout.contains("though it says it is up to date"),
        "{}",
        doctor.stdout
    );
    p.koda(&["doctor", "--repair"]).ok();
    let doctor = p.koda(&["doctor"]).ok().to_string();
    assert!(!doctor.contains("PROBLEM"), "{doctor}");
    assert_eq!(hits(&p, "tillit").0, 4);
}

#[test]
fn a_turn_longer_than_an_index_piece_is_found_where_its_words_are() {
    // One line of about 2.4 million characters: three index pieces.
    let mut line = String::from("Mor: ");
    let filler = "vi ventet og ventet på et svar som aldri kom ";
    while line.chars().count() < 2 * koda::index::PIECE + 300_000 {
        line.push_str(filler);
    }
    line.push_str("tillitsbrudd til slutt.\n");
    let p = TestProject::new();
    let f = p.write("lang.txt", &line);
    p.koda(&["import", f.to_str().unwrap()]).ok();
    let v = p.koda(&["search", "tillitsbrudd", "--json"]).json();
    assert_eq!(v["total"], 1, "{v}");
    let h = &v["hits"][0];
    assert_eq!(h["turn"], 1);
    let (start, end) = (h["start"].as_u64().unwrap(), h["end"].as_u64().unwrap());
    let len = line.trim_end().chars().count() as u64;
    assert_eq!(end, len, "the last piece runs to the turn's end");
    assert!(start > 2 * koda::index::PIECE as u64 - 200_000, "{start}");
    assert!(end - start <= koda::index::PIECE as u64);
    // The pieces cover the turn: a word in every piece is found in each, as a hit of its own.
    let v = p.koda(&["search", "aldri", "--json"]).json();
    assert_eq!(v["total"], 3, "{}", v["total"]);
    let mut ranges: Vec<(u64, u64)> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["start"].as_u64().unwrap(), h["end"].as_u64().unwrap()))
        .collect();
    ranges.sort();
    assert!(ranges.windows(2).all(|w| w[0].1 == w[1].0), "{ranges:?}");
    assert_eq!(ranges[2].1, len);
}
