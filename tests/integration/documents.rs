//! Fixing documents after import: renaming one and changing its type, case and metadata,
//! each one undoable step that search follows at once; a refused change changes nothing.

use crate::util::TestProject;
use serde_json::Value;

const INTERVIEW: &str = "\
Intervjuer: Hvordan har det gått med søknaden?
Forelder: Vi venter fortsatt. Koordinatoren ringte NAV for oss i går.
Intervjuer: Og barnehagen?
Forelder: Der fikk vi plass etter to uker.
";

fn project() -> TestProject {
    let p = TestProject::new();
    let a = p.write("SOURCES.md", "Kilder for prosjektet.\n");
    let b = p.write("forelder-7.txt", INTERVIEW);
    p.koda(&["import", a.to_str().unwrap(), b.to_str().unwrap()])
        .ok();
    p
}

/// The document with this id, as `koda docs --json` lists it.
fn doc(p: &TestProject, id: &str) -> Value {
    let all = p.koda(&["docs", "--json"]).json();
    all.as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no document {id} in {all}"))
}

/// The titles and cases of the turns a search finds.
fn found(p: &TestProject, q: &str) -> Vec<(String, String)> {
    let v = p.koda(&["search", q, "--json"]).json();
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["doc_title"].as_str().unwrap_or_default().to_string(),
                h["case"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_renamed_document_is_listed_searched_and_undone_under_its_new_title() {
    let p = project();
    assert_eq!(doc(&p, "forelder-7")["title"], "forelder-7");
    let out = p.koda(&[
        "docs",
        "rename",
        "forelder-7",
        "Foreldreintervju 7, bølge 1",
    ]);
    assert!(
        out.ok().contains("Foreldreintervju 7, bølge 1"),
        "{}",
        out.stdout
    );
    assert_eq!(
        doc(&p, "forelder-7")["title"],
        "Foreldreintervju 7, bølge 1"
    );
    // Search shows the new title at once, and the title names the document.
    let hits = found(&p, "koordinatoren");
    assert_eq!(
        hits,
        vec![("Foreldreintervju 7, bølge 1".into(), String::new())]
    );
    let shown = p.koda(&["show", "Foreldreintervju 7, bølge 1"]);
    assert!(shown.ok().contains("Koordinatoren ringte NAV"));

    p.koda(&["undo"]).ok();
    assert_eq!(doc(&p, "forelder-7")["title"], "forelder-7");
    assert_eq!(found(&p, "koordinatoren")[0].0, "forelder-7");
    p.koda(&["redo"]).ok();
    assert_eq!(
        doc(&p, "forelder-7")["title"],
        "Foreldreintervju 7, bølge 1"
    );
}

#[test]
fn a_document_gets_a_new_type_case_and_metadata_in_one_undoable_step() {
    let p = project();
    p.koda(&["docs", "set", "forelder-7", "--meta", "interviewer=AB"])
        .ok();
    p.koda(&[
        "docs",
        "set",
        "forelder-7",
        "--type",
        "interview",
        "--case",
        "F07",
        "--meta",
        "wave=1",
        "--unmeta",
        "interviewer",
    ])
    .ok();
    let d = doc(&p, "forelder-7");
    assert_eq!(d["case"], "F07");
    assert_eq!(d["type"], "interview");
    assert_eq!(d["metadata"], serde_json::json!({"wave": "1"}));
    // The case exists now, and search filters by the new case, type and metadata.
    let cases = p.koda(&["cases", "--json"]).json();
    assert!(
        cases.as_array().unwrap().iter().any(|c| c["name"] == "F07"),
        "{cases}"
    );
    assert_eq!(found(&p, "søknaden case:F07").len(), 1);
    assert_eq!(found(&p, "søknaden wave:1 type:interview").len(), 1);
    // The removed key is no field any more.
    p.koda(&["search", "søknaden interviewer:AB"])
        .fails_with(&["unknown field \"interviewer\""]);

    // One undo takes back the whole second change; a second the first.
    p.koda(&["undo"]).ok();
    let d = doc(&p, "forelder-7");
    assert_eq!(d["case"], Value::Null);
    assert_eq!(d["metadata"], serde_json::json!({"interviewer": "AB"}));
    assert!(found(&p, "søknaden case:F07").is_empty());
    p.koda(&["undo"]).ok();
    assert_eq!(doc(&p, "forelder-7")["metadata"], serde_json::json!({}));

    // Taking a document out of its case.
    p.koda(&["docs", "set", "forelder-7", "--case", "F07"]).ok();
    p.koda(&["docs", "set", "forelder-7", "--no-case"]).ok();
    assert_eq!(doc(&p, "forelder-7")["case"], Value::Null);
}

#[test]
fn a_refused_change_names_the_problem_and_changes_no_file() {
    let p = project();
    let before = p.snapshot();
    p.koda(&["docs", "rename", "forelder-7", "SOURCES"])
        .fails_with(&["already called \"SOURCES\"", "another title"]);
    p.koda(&["docs", "rename", "forelder-7", "  "])
        .fails_with(&["title cannot be empty"]);
    p.koda(&["docs", "set", "forelder-7", "--type", "podcast"])
        .fails_with(&["podcast"]);
    p.koda(&["docs", "set", "forelder-7", "--unmeta", "wave"])
        .fails_with(&["has no metadata \"wave\""]);
    p.koda(&["docs", "set", "forelder-7", "--meta", "wave"])
        .fails_with(&["KEY=VALUE"]);
    p.koda(&["docs", "rename", "nobody", "X"])
        .fails_with(&["nobody"]);
    assert_eq!(p.snapshot(), before, "a refused change wrote something");
}

#[test]
fn undo_takes_back_a_speaker_mapping_and_the_case_it_made() {
    let p = project();
    let speakers = |p: &TestProject| p.koda(&["speakers", "forelder-7"]).ok().to_string();
    p.koda(&["speakers", "forelder-7", "Forelder=F07"]).ok();
    assert!(speakers(&p).contains("F07"));
    assert_eq!(
        found(&p, "søknaden case:F07").len(),
        0,
        "the interviewer asked"
    );
    assert_eq!(found(&p, "venter case:F07").len(), 1);
    let undid = p.koda(&["undo"]);
    assert!(
        undid.ok().contains("map a speaker of forelder-7"),
        "{}",
        undid.stdout
    );
    assert!(!speakers(&p).contains("F07"), "{}", speakers(&p));
    let cases = p.koda(&["cases", "--json"]).json();
    assert_eq!(
        cases,
        serde_json::json!([]),
        "the case the mapping made is gone too"
    );
    assert!(found(&p, "venter case:F07").is_empty());
    p.koda(&["redo"]).ok();
    assert!(speakers(&p).contains("F07"));
}

/// Every file of `sources/` with its bytes.
fn sources(p: &TestProject) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(p.path().join("sources"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Each coding as (document, start, end, code, coder, memo, memos on it).
fn codings(p: &TestProject) -> Vec<(String, u64, u64, String, String, String, Value)> {
    let v = p.koda(&["excerpts", "--json"]).json();
    let mut out: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["doc"].as_str().unwrap().to_string(),
                e["start"].as_u64().unwrap(),
                e["end"].as_u64().unwrap(),
                e["code_path"].as_str().unwrap().to_string(),
                e["coder"].as_str().unwrap().to_string(),
                e["memo"].as_str().unwrap_or_default().to_string(),
                e["memos"].clone(),
            )
        })
        .collect();
    out.sort_by_key(|c| (c.1, c.2));
    out
}

/// Codes a passage of the interview with *waiting* (`how`: `--turn N`, `--match WORDS`, …).
fn code_waiting(p: &TestProject, how: &[&str]) {
    let mut args = vec!["code", "forelder-7", "--code", "waiting"];
    args.extend_from_slice(how);
    p.koda(&args).ok();
}

#[test]
fn a_removed_document_comes_back_with_its_codings_and_memos_on_undo() {
    let p = project();
    p.koda(&["codes", "add", "waiting"]).ok();
    code_waiting(&p, &["--turn", "2", "--memo", "Venter på NAV."]);
    code_waiting(&p, &["--match", "plass"]);
    let first = p.koda(&["excerpts", "--json"]).json()[0]["coding"]
        .as_str()
        .unwrap()
        .to_string();
    p.koda(&["memo", "add", "Ventetiden går igjen.", "--coding", &first])
        .ok();
    p.koda(&["memo", "add", "Kort intervju.", "--doc", "forelder-7"])
        .ok();
    let (files, coded) = (sources(&p), codings(&p));
    assert_eq!(coded.len(), 2);
    assert_eq!(
        coded[0].6.as_array().map(Vec::len),
        Some(1),
        "{:?}",
        coded[0]
    );
    let memos = p
        .koda(&["memos", "--json"])
        .json()
        .as_array()
        .unwrap()
        .len();

    // Not at a terminal, and without --yes: refused, nothing changed.
    let before = p.snapshot();
    p.koda(&["docs", "rm", "forelder-7"])
        .fails_with(&["2 codings", "--yes"]);
    assert_eq!(p.snapshot(), before);

    let out = p.koda(&["docs", "rm", "forelder-7", "--yes"]);
    assert!(
        out.ok().contains("removed forelder-7 and 2 codings"),
        "{}",
        out.stdout
    );
    let ids: Vec<Value> = p
        .koda(&["docs", "--json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].clone())
        .collect();
    assert_eq!(ids, vec![Value::from("sources")]);
    assert!(
        sources(&p)
            .iter()
            .all(|(n, _)| !n.starts_with("forelder-7"))
    );
    assert!(codings(&p).is_empty());
    assert_eq!(p.koda(&["memos", "--json"]).json(), serde_json::json!([]));
    assert!(found(&p, "venter").is_empty(), "the index follows");

    // Undo: the files byte for byte, the codings with their memos, the document's memo.
    let undid = p.koda(&["undo"]);
    assert!(
        undid.ok().contains("remove document forelder-7"),
        "{}",
        undid.stdout
    );
    assert_eq!(sources(&p), files);
    let back = codings(&p);
    let strip = |v: &[(String, u64, u64, String, String, String, Value)]| -> Vec<_> {
        v.iter()
            .map(|c| {
                let memo_texts: Vec<Value> =
                    c.6.as_array()
                        .unwrap()
                        .iter()
                        .map(|m| m["text"].clone())
                        .collect();
                (
                    c.0.clone(),
                    c.1,
                    c.2,
                    c.3.clone(),
                    c.4.clone(),
                    c.5.clone(),
                    memo_texts,
                )
            })
            .collect()
    };
    assert_eq!(strip(&back), strip(&coded));
    assert_eq!(
        p.koda(&["memos", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        memos
    );
    assert_eq!(found(&p, "venter").len(), 1);
    p.koda(&["show", "forelder-7"]).ok();
    assert_eq!(doc(&p, "forelder-7")["turns"], 4);

    // Redo removes it again.
    p.koda(&["redo"]).ok();
    assert!(codings(&p).is_empty());
    assert!(
        sources(&p)
            .iter()
            .all(|(n, _)| !n.starts_with("forelder-7"))
    );
}

/// The corrected interview as a Word file: one paragraph per turn, one word corrected in the
/// second turn (*i går* was misheard: *i dag*) and a turn added at the end.
fn corrected_docx() -> Vec<u8> {
    let turns = [
        "Intervjuer: Hvordan har det gått med søknaden?",
        "Forelder: Vi venter fortsatt. Koordinatoren ringte NAV for oss i dag.",
        "Intervjuer: Og barnehagen?",
        "Forelder: Der fikk vi plass etter to uker.",
        "Intervjuer: Takk for praten.",
    ];
    let body: String = turns
        .iter()
        .map(|t| format!("<w:p><w:r><w:t xml:space=\"preserve\">{t}</w:t></w:r></w:p>"))
        .collect();
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    crate::util::docx(&document, &[])
}

#[test]
fn a_corrected_file_replaces_the_text_and_codings_follow_their_words() {
    let p = project();
    p.koda(&["codes", "add", "waiting"]).ok();
    code_waiting(&p, &["--match", "Vi venter fortsatt"]);
    code_waiting(&p, &["--turn", "2"]);
    code_waiting(&p, &["--match", "plass etter to uker"]);
    let file = p.path().join("forelder-7-rettet.docx");
    std::fs::write(&file, corrected_docx()).unwrap();

    // Imported beside it, the corrected file is a second document, and koda says so.
    let twice = p.koda(&["import", file.to_str().unwrap()]);
    let warned = twice.stderr.clone();
    twice.ok();
    assert!(
        !warned.contains("docs replace"),
        "another title and name: {warned}"
    );
    let same = p.write("forelder-7.txt", &INTERVIEW.replace("i går", "i dag"));
    let again = p.koda(&["import", same.to_str().unwrap()]);
    again.ok();
    assert!(
        again.stderr.contains("forelder-7, already in the project")
            && again.stderr.contains("koda docs replace forelder-7"),
        "{}",
        again.stderr
    );

    let out = p.koda(&["docs", "replace", "forelder-7", file.to_str().unwrap()]);
    assert!(
        out.ok()
            .contains("revision 1; 2 codings kept their words, 1 flagged for a look"),
        "{}",
        out.stdout
    );
    let coded = codings(&p);
    let texts: Vec<String> = p
        .koda(&["excerpts", "--doc", "forelder-7", "--json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(coded.iter().filter(|c| c.0 == "forelder-7").count(), 3);
    assert!(
        texts.contains(&"Vi venter fortsatt".to_string()),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"plass etter to uker".to_string()),
        "{texts:?}"
    );
    // The turn whose words changed is flagged, never moved silently.
    let stale = p.koda(&["codings", "--stale", "--json"]).json();
    assert_eq!(stale.as_array().unwrap().len(), 1, "{stale}");
    let shown = p.koda(&["show", "forelder-7"]);
    assert!(shown.ok().contains("Takk for praten."));
    assert!(shown.stdout.contains("i dag"));
    // Undo puts the old text back with the codings where they were.
    p.koda(&["undo"]).ok();
    assert!(p.koda(&["show", "forelder-7"]).ok().contains("i går"));
    assert!(
        p.koda(&["codings", "--stale", "--json"])
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
}
