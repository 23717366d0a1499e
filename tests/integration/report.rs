//! Choosing the report's quotes over the example corpus: pinning in order, report forms
//! checked against the words, and `--where` / `--hide-empty` narrowing what is quoted and
//! counted.

use crate::util::TestProject;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn example_copy() -> TestProject {
    let copy = TestProject::empty();
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus-example");
    crate::crash_points::copy_dir(&from, copy.path());
    copy
}

fn ids(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["coding"].as_str().unwrap().to_string())
        .collect()
}

fn theme<'a>(summary: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    summary["themes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == code)
        .unwrap_or_else(|| panic!("no theme {code}"))
}

#[test]
fn pinned_quotes_lead_the_summary_in_the_order_given_and_undo_brings_them_back() {
    let p = example_copy();
    let code = "trust/personal";
    let all = ids(&p.koda(&["excerpts", "--code", code, "--json"]).json());
    assert!(all.len() >= 4);
    let summary = |extra: &[&str]| {
        let mut args = vec![
            "export", "summary", "-o", "-", "--format", "json", "--code", code,
        ];
        args.extend(extra);
        p.koda(&args).json()
    };
    let unpinned = summary(&[]);
    let first_quote = theme(&unpinned, code)["quotes"][0]["coding"].clone();

    // The last excerpt, then the second: the report quotes them in that order, then the rest.
    let (last, second) = (all[all.len() - 1].clone(), all[1].clone());
    let out = p
        .koda(&["excerpts", "pin", &last, &second])
        .ok()
        .to_string();
    assert!(out.contains("pinned 2 excerpts"), "{out}");
    let listed = p.koda(&["excerpts", "--pinned", "--json"]).json();
    assert_eq!(ids(&listed), vec![last.clone(), second.clone()]);
    assert_eq!(listed[0]["pinned"], 1);
    assert_eq!(listed[1]["pinned"], 2);
    let s = summary(&["--pinned", "--max-quotes", "3"]);
    let quotes = theme(&s, code)["quotes"].as_array().unwrap().clone();
    assert_eq!(quotes.len(), 3);
    assert_eq!(quotes[0]["coding"], last.as_str());
    assert_eq!(quotes[1]["coding"], second.as_str());
    assert!(quotes[2]["coding"] != last.as_str() && quotes[2]["coding"] != second.as_str());
    // Without --pinned the summary is as before.
    assert_eq!(
        theme(&summary(&[]), code)["quotes"][0]["coding"],
        first_quote
    );

    // A report form keeps whole words in order; anything else is refused and changes nothing.
    let text = listed[0]["text"].as_str().unwrap().to_string();
    let words: Vec<&str> = text.split_whitespace().collect();
    assert!(words.len() >= 5, "{text}");
    p.fails_unchanged(
        &[
            "excerpts",
            "trim",
            &last,
            "--form",
            &format!("{} (...) ikkeetord", words[0]),
        ],
        &["not whole words of the quote"],
    );
    p.fails_unchanged(
        &["excerpts", "trim", &last, "--form", &words[..2].join(" ")],
        &["(...)"],
    );
    let form = format!("{} (...) {}", words[..2].join(" "), words[words.len() - 1]);
    p.koda(&["excerpts", "trim", &last, "--form", &form]).ok();
    let md = p
        .koda(&["export", "summary", "-o", "-", "--code", code, "--pinned"])
        .ok()
        .to_string();
    assert!(md.contains(&format!("«{form}»")), "{md}");
    // The coding keeps all its words.
    let again = p.koda(&["excerpts", "--pinned", "--json"]).json();
    assert_eq!(again[0]["text"], text.as_str());
    assert_eq!(again[0]["form"], form.as_str());

    // Removing the pinned coding unpins it; undoing the removal brings coding, place and form.
    p.koda(&["uncode", &last]).ok();
    assert_eq!(
        ids(&p.koda(&["excerpts", "--pinned", "--json"]).json()),
        vec![second.clone()]
    );
    p.koda(&["undo"]).ok();
    let back = p.koda(&["excerpts", "--pinned", "--json"]).json();
    assert_eq!(back.as_array().unwrap().len(), 2);
    assert_eq!(back[0]["text"], text.as_str());
    assert_eq!(back[0]["pinned"], 1);
    assert_eq!(back[0]["form"], form.as_str());
    let restored = back[0]["coding"].as_str().unwrap().to_string();

    // Unpinning, then undo, one step each; unpinning what is not pinned is refused.
    p.koda(&["excerpts", "unpin", &restored]).ok();
    p.fails_unchanged(&["excerpts", "unpin", &restored], &["not pinned"]);
    p.koda(&["undo"]).ok();
    assert_eq!(
        p.koda(&["excerpts", "--pinned", "--json"]).json()[0]["form"],
        form.as_str()
    );
    p.koda(&["undo"]).ok(); // the form goes
    assert!(p.koda(&["excerpts", "--pinned", "--json"]).json()[0]["form"].is_null());
    p.koda(&["undo"]).ok();
    assert!(
        p.koda(&["excerpts", "--pinned", "--json"])
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn where_narrows_what_summaries_reports_matrices_and_statistics_count() {
    let p = example_copy();
    let coordinators: BTreeSet<String> = ids(&p
        .koda(&["excerpts", "--where", "role=coordinator", "--json"])
        .json())
    .into_iter()
    .collect();
    assert!(!coordinators.is_empty());
    let s = p
        .koda(&[
            "export",
            "summary",
            "-o",
            "-",
            "--format",
            "json",
            "--where",
            "role=coordinator",
        ])
        .json();
    for t in s["themes"].as_array().unwrap() {
        let code = t["code"].as_str().unwrap();
        let theirs = p
            .koda(&[
                "excerpts",
                "--code",
                code,
                "--where",
                "role=coordinator",
                "--json",
            ])
            .json();
        assert_eq!(t["excerpts"], theirs.as_array().unwrap().len(), "{code}");
        for q in t["quotes"].as_array().unwrap() {
            assert!(
                coordinators.contains(q["coding"].as_str().unwrap()),
                "{code}: {q}"
            );
        }
    }
    // Statistics count the same codings.
    let f = p
        .koda(&[
            "stats",
            "frequencies",
            "--where",
            "role=coordinator",
            "--json",
        ])
        .json();
    let total: u64 = f
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["depth"] == 0)
        .map(|r| r["excerpts"].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, coordinators.len());
    // The case matrix has nothing in the parents' rows.
    let csv = p
        .koda(&["export", "matrix", "-o", "-", "--where", "role=coordinator"])
        .ok()
        .to_string();
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header = r.headers().unwrap().clone();
    let role = header.iter().position(|h| h == "role").unwrap();
    let first_code = header.iter().position(|h| h.starts_with("trust")).unwrap();
    let mut counted = 0;
    for row in r.records() {
        let row = row.unwrap();
        let n: u64 = row
            .iter()
            .skip(first_code)
            .map(|c| c.parse::<u64>().unwrap())
            .sum();
        if &row[role] == "coordinator" {
            counted += n;
        } else {
            assert_eq!(n, 0, "{row:?}");
        }
    }
    assert!(counted > 0);
    // A report under --where is narrowed too: a parent's quote is not in it.
    let parents = p
        .koda(&["excerpts", "--where", "role=parent", "--json"])
        .json();
    let parent_quote = parents[0]["text"].as_str().unwrap().to_string();
    let html = p
        .koda(&["export", "report", "-o", "-", "--where", "role=coordinator"])
        .ok()
        .to_string();
    assert!(html.contains("coordinator") && !html.contains(&parent_quote));
    // Exports that have no codings to narrow refuse --where, changing nothing.
    p.fails_unchanged(
        &["export", "memos", "-o", "m.md", "--where", "role=parent"],
        &["--where", "memos does not take it"],
    );
}

#[test]
fn hide_empty_leaves_out_codes_without_excerpts() {
    let p = example_copy();
    let case = "F01";
    let headings = |extra: &[&str]| -> Vec<String> {
        let mut args = vec![
            "export", "summary", "-o", "-", "--format", "json", "--where",
        ];
        let cond = format!("case={case}");
        args.push(&cond);
        args.extend(extra);
        p.koda(&args).json()["themes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| format!("{}:{}", t["code"].as_str().unwrap(), t["excerpts"]))
            .collect()
    };
    let all = headings(&[]);
    let shown = headings(&["--hide-empty"]);
    assert!(
        all.iter().any(|h| h.ends_with(":0")),
        "F01 leaves some code empty: {all:?}"
    );
    assert!(shown.iter().all(|h| !h.ends_with(":0")), "{shown:?}");
    let kept: Vec<&String> = all.iter().filter(|h| !h.ends_with(":0")).collect();
    assert_eq!(kept, shown.iter().collect::<Vec<_>>());
}

#[test]
fn excerpts_are_named_by_code_document_and_turn() {
    let p = example_copy();
    let code = "trust/personal";
    let all = p.koda(&["excerpts", "--code", code, "--json"]).json();
    // Two coders coded turn 7 of the first parent interview with this code.
    let doc = "foreldreintervju-1-bolge-1";
    let at7: Vec<String> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["doc"] == doc && e["turn"] == 7)
        .map(|e| e["coding"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(at7.len(), 2, "{all}");
    let place = ["--code", code, "--doc", doc, "--turn", "7"];
    let mut args = vec!["excerpts", "pin"];
    args.extend(place);
    p.koda(&args).ok();
    let pinned: BTreeSet<String> = ids(&p.koda(&["excerpts", "--pinned", "--json"]).json())
        .into_iter()
        .collect();
    assert_eq!(pinned, at7.iter().cloned().collect());
    // A report form is for one excerpt: two at the place are refused, naming them.
    let mut trim = vec!["excerpts", "trim"];
    trim.extend(place);
    trim.extend(["--form", "Jeg visste (...)"]);
    let err = p.fails_unchanged(&trim, &["one excerpt", "2 are there"]);
    assert!(at7.iter().all(|id| err.contains(id.as_str())), "{err}");
    // Nothing at the place, ids and a place at once, or nothing named: refused, unchanged.
    p.fails_unchanged(
        &[
            "excerpts", "pin", "--code", code, "--doc", doc, "--turn", "999",
        ],
        &["no excerpt of trust/personal", "at turn 999"],
    );
    p.fails_unchanged(&["excerpts", "pin", &at7[0], "--code", code], &["not both"]);
    p.fails_unchanged(&["excerpts", "pin"], &["name the excerpts"]);
}
