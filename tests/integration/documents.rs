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
