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

#[test]
fn and_quotes_where_two_codes_meet_and_not_leaves_out_what_another_touches() {
    let p = example_copy();
    let doc = "foreldreintervju-1-bolge-1";
    let inst = p
        .koda(&["excerpts", "--code", "trust/institutional", "--json"])
        .json();
    let all_inst = ids(&inst);
    let e = inst
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["doc"] == doc)
        .unwrap()
        .clone();
    let (start, end) = (e["start"].as_u64().unwrap(), e["end"].as_u64().unwrap());
    // A waiting coding that begins before the institutional one and ends inside it.
    let cut = start + 30;
    p.koda(&[
        "code",
        doc,
        "--code",
        "timing/waiting",
        "--range",
        &format!("{}..{cut}", start - 20),
    ])
    .ok();
    let both = |a: &str, b: &str| {
        p.koda(&["excerpts", "--code", a, "--and", b, "--doc", doc, "--json"])
            .json()
    };
    let met = both("trust/institutional", "timing/waiting");
    let met = met.as_array().unwrap();
    assert_eq!(met.len(), 1, "{met:?}");
    let whole = e["text"].as_str().unwrap();
    let overlap: String = whole.chars().take((cut - start) as usize).collect();
    assert_eq!(met[0]["start"], start);
    assert_eq!(met[0]["end"], cut);
    assert_eq!(met[0]["text"], overlap.as_str());
    assert_eq!(met[0]["coding"], e["coding"]);
    assert!(end > cut);
    // The other way round: the same passage, from the waiting coding.
    let other = both("timing/waiting", "trust");
    assert_eq!(other[0]["text"], overlap.as_str());
    assert_eq!(other.as_array().unwrap().len(), 1);
    // --not leaves that excerpt out and keeps the others.
    let not = ids(&p
        .koda(&[
            "excerpts",
            "--code",
            "trust/institutional",
            "--not",
            "timing/waiting",
            "--json",
        ])
        .json());
    let mut want = all_inst.clone();
    want.retain(|id| *id != e["coding"].as_str().unwrap());
    assert_eq!(not, want);
    // The excerpt table takes them too; a summary refuses them.
    let csv = p
        .koda(&[
            "export",
            "excerpts",
            "-o",
            "-",
            "--code",
            "trust/institutional",
            "--and",
            "timing/waiting",
        ])
        .ok()
        .to_string();
    assert_eq!(
        csv::Reader::from_reader(csv.as_bytes()).records().count(),
        1
    );
    assert!(csv.contains(&overlap), "{csv}");
    p.fails_unchanged(
        &["export", "summary", "-o", "s.md", "--and", "timing"],
        &["--and and --not", "summary does not take them"],
    );
}

#[test]
fn memos_on_codings_are_headed_by_code_and_quote_in_exports() {
    let p = example_copy();
    let e = p
        .koda(&["excerpts", "--code", "trust/personal", "--json"])
        .json()[0]
        .clone();
    let id = e["coding"].as_str().unwrap();
    p.koda(&[
        "memo",
        "add",
        "Sterkt sitat om tilbakeringing.",
        "--coding",
        id,
    ])
    .ok();
    let md = p.koda(&["export", "memos", "-o", "-"]).ok().to_string();
    let heading = format!(
        "## koding trust/personal «{}» ({}, replikk {})",
        e["text"].as_str().unwrap(),
        e["doc_title"].as_str().unwrap(),
        e["turn"]
    );
    assert!(md.contains(&heading), "{md}");
    assert!(
        !md.contains(id),
        "the memo is headed by its code and quote, not an id:\n{md}"
    );
    // The report and the summary take the memo under the quote with --with-memos.
    for kind in ["summary", "report"] {
        let out = p
            .koda(&["export", kind, "-o", "-", "--with-memos"])
            .ok()
            .to_string();
        assert!(out.contains("Sterkt sitat om tilbakeringing."), "{kind}");
        let plain = p.koda(&["export", kind, "-o", "-"]).ok().to_string();
        assert!(!plain.contains("Sterkt sitat om tilbakeringing."), "{kind}");
    }
}

/// The words a reader sees in an export: HTML without its style sheet and tags (but with the
/// labels read aloud to screen readers), a DOCX's runs of text, or Markdown as it is.
fn visible_words(bytes: &[u8], kind: &str) -> Vec<String> {
    let text = match kind {
        "docx" => {
            let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut xml)
                .unwrap();
            let runs = regex::Regex::new(r"<w:t[^>]*>([^<]*)</w:t>").unwrap();
            runs.captures_iter(&xml)
                .map(|c| c[1].to_string())
                .collect::<Vec<_>>()
                .join(" ")
        }
        "html" => {
            let html = String::from_utf8_lossy(bytes).to_string();
            let html = regex::Regex::new(r"(?s)<style>.*?</style>")
                .unwrap()
                .replace_all(&html, " ")
                .to_string();
            let aria: Vec<String> = regex::Regex::new(r#"aria-label="([^"]*)""#)
                .unwrap()
                .captures_iter(&html)
                .map(|c| c[1].to_string())
                .collect();
            let bare = regex::Regex::new(r"<[^>]*>")
                .unwrap()
                .replace_all(&html, " ");
            format!("{bare} {}", aria.join(" "))
        }
        _ => String::from_utf8_lossy(bytes).to_string(),
    };
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A study in one language: an interview and a field note, coded, with a memo.
fn study(lang: &str, interview: &str, note: &str, codes: [&str; 2], role: &str) -> TestProject {
    let p = TestProject::empty();
    crate::util::koda_cmd()
        .args([
            "init", "--name", "Studie", "--coder", "anna", "--lang", lang,
        ])
        .arg(p.path())
        .output()
        .unwrap();
    let i = p.write("i1.txt", interview);
    let n = p.write("n1.txt", note);
    p.koda(&[
        "import",
        i.to_str().unwrap(),
        "--case",
        "A1",
        "--attr",
        &format!("rolle={role}"),
    ])
    .ok();
    p.koda(&[
        "import",
        n.to_str().unwrap(),
        "--type",
        "field-note",
        "--case",
        "A1",
    ])
    .ok();
    for c in codes {
        p.koda(&["codes", "add", c]).ok();
    }
    p.koda(&[
        "code", "i1", "--code", codes[0], "--turn", "2", "--memo", "Viktig.",
    ])
    .ok();
    p.koda(&["code", "i1", "--code", codes[0], "--turn", "4"])
        .ok();
    p.koda(&["code", "n1", "--code", codes[1], "--turn", "2"])
        .ok();
    p.koda(&["memo", "add", "OK.", "--code", codes[0]]).ok();
    p.koda(&["memo", "add", "OK!"]).ok();
    p
}

fn exports(p: &TestProject, extra: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (kind, file) in [
        ("summary", "s.md"),
        ("summary", "s.html"),
        ("summary", "s.docx"),
        ("report", "r.html"),
        ("memos", "m.md"),
        ("codebook", "c.md"),
    ] {
        let mut args = vec!["export", kind, "-o", file, "--force"];
        if matches!(kind, "summary" | "report") {
            args.extend(["--by", "rolle", "--memos", "--max-quotes", "1"]);
        }
        args.extend(extra);
        p.koda(&args).ok();
        let bytes = std::fs::read(p.path().join(file)).unwrap();
        let ext = file.rsplit('.').next().unwrap();
        out.push((format!("{kind} {file}"), visible_words(&bytes, ext)));
    }
    out
}

#[test]
fn summaries_and_reports_speak_the_study_s_language() {
    let english: BTreeSet<&str> = [
        "theme",
        "summary",
        "report",
        "contents",
        "excerpt",
        "excerpts",
        "documents",
        "cases",
        "codes",
        "codings",
        "from",
        "by",
        "memo",
        "more",
        "shown",
        "turn",
        "paragraph",
        "wave",
        "none",
        "occur",
        "together",
        "often",
        "darker",
        "hover",
        "shared",
        "value",
        "attribute",
        "included",
        "pseudonymised",
        "codebook",
        "memos",
        "sub",
        "project",
    ]
    .into_iter()
    .collect();
    let norwegian: BTreeSet<&str> = [
        "temaoversikt",
        "rapport",
        "innhold",
        "innhald",
        "utdrag",
        "dokumenter",
        "caser",
        "casar",
        "koder",
        "kodar",
        "kodinger",
        "kodingar",
        "fra",
        "frå",
        "notat",
        "vist",
        "viste",
        "ikke",
        "ikkje",
        "replikk",
        "avsnitt",
        "bølge",
        "bølgje",
        "ingen",
        "kodene",
        "kodane",
        "forekommer",
        "førekjem",
        "sammen",
        "saman",
        "mørkere",
        "mørkare",
        "verdi",
        "egenskap",
        "eigenskap",
        "medregnet",
        "medrekna",
        "pseudonymisert",
        "kodebok",
        "notater",
        "underkoder",
        "underkodar",
        "prosjekt",
    ]
    .into_iter()
    .collect();
    let no = study(
        "no",
        "Intervjuer: Hvordan gikk det?\nForelder: Hun ringte tilbake samme dag, hver gang.\nIntervjuer: Og nå?\nForelder: Nå venter vi igjen på svar.\n",
        "Feltnotat fra møtet.\n\nFamilien venter fortsatt på svar fra kommunen.\n",
        ["tillit", "ventetid"],
        "forelder",
    );
    let en = study(
        "en",
        "Interviewer: How did it go?\nParent: She called back the same day, every time.\nInterviewer: And now?\nParent: Now we wait for an answer again.\n",
        "Notes on the meeting.\n\nThe family still waits for an answer from the council.\n",
        ["trust", "waiting"],
        "parent",
    );
    for (p, own, foreign, extra) in [
        (&no, &norwegian, &english, &[][..]),
        (&no, &norwegian, &english, &["--lang", "nn"][..]),
        (&en, &english, &norwegian, &[][..]),
        (&no, &norwegian, &english, &["--no-pseudonymise"][..]),
    ] {
        for (what, words) in exports(p, extra) {
            let wrong: BTreeSet<&String> = words
                .iter()
                .filter(|w| foreign.contains(w.as_str()))
                .collect();
            assert!(wrong.is_empty(), "{what} {extra:?} has {wrong:?}");
            let right = words.iter().filter(|w| own.contains(w.as_str())).count();
            let least = if what.starts_with("summary") || what.starts_with("report") {
                5
            } else {
                2
            };
            assert!(
                right >= least,
                "{what} {extra:?} has only {right} labels: {words:?}"
            );
        }
    }
    // --lang writes one export in another language: English from a Norwegian study.
    for (what, words) in exports(&no, &["--lang", "en"]) {
        let right = words
            .iter()
            .filter(|w| english.contains(w.as_str()))
            .count();
        assert!(right >= 2, "{what} --lang en: {words:?}");
        // (Its quotes stay Norwegian, so only the labels are counted.)
        let title = if what.starts_with("memos") {
            "memos"
        } else if what.starts_with("codebook") {
            "codebook"
        } else {
            "summary"
        };
        assert!(
            words.iter().any(|w| w == title),
            "{what} --lang en: {words:?}"
        );
    }
    // Field notes are cited by paragraph, interviews by turn.
    let md = no.koda(&["export", "summary", "-o", "-"]).ok().to_string();
    assert!(md.contains("replikk 2") && md.contains("avsnitt 2"), "{md}");
    assert!(md.contains("1 utdrag i 1 dokument fra 1 case"), "{md}");
}

#[test]
fn an_attribution_template_cites_as_the_study_does() {
    let p = study(
        "no",
        "Intervjuer: Hvordan gikk det?\nForelder: Hun ringte tilbake samme dag, hver gang.\nIntervjuer: Og nå?\nForelder: Nå venter vi igjen.\n",
        "Feltnotat.\n\nFamilien venter fortsatt.\n",
        ["tillit", "ventetid"],
        "forelder",
    );
    p.koda(&["settings", "--attribution", "{rolle}, {type} {number}"])
        .ok();
    let md = p.koda(&["export", "summary", "-o", "-"]).ok().to_string();
    assert!(
        md.contains("«Hun ringte tilbake samme dag, hver gang.» (forelder, intervju 1)"),
        "{md}"
    );
    // The field note's case has the role too; the template names its type.
    assert!(md.contains("(forelder, feltnotat 1)"), "{md}");
    // A template that would name people, or names no attribute there is, is refused unchanged.
    p.fails_unchanged(
        &["settings", "--attribution", "{case}, {type}"],
        &["would name"],
    );
    p.fails_unchanged(
        &["settings", "--attribution", "{role}, {type}"],
        &["no field or attribute {role}", "rolle"],
    );
    p.fails_unchanged(
        &["settings", "--report-lang", "de"],
        &["no report language"],
    );
    // One undo takes the template back.
    p.koda(&["undo"]).ok();
    let md = p.koda(&["export", "summary", "-o", "-"]).ok().to_string();
    assert!(md.contains(", replikk 2)"), "{md}");
    assert!(!md.contains("intervju 1)"), "{md}");
}

#[test]
fn the_docx_summary_is_built_from_word_styles_and_names_itself() {
    let p = example_copy();
    p.koda(&[
        "export",
        "summary",
        "-o",
        "s.docx",
        "--by",
        "role",
        "--memos",
        "--max-quotes",
        "2",
    ])
    .ok();
    let bytes = std::fs::read(p.path().join("s.docx")).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut part = |name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut z.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let (styles, document, core) = (
        part("word/styles.xml"),
        part("word/document.xml"),
        part("docProps/core.xml"),
    );
    let style = |id: &str| {
        let re = regex::Regex::new(&format!(
            r#"(?s)<w:style [^>]*w:styleId="{id}".*?</w:style>"#
        ))
        .unwrap();
        let found: Vec<String> = re
            .find_iter(&styles)
            .map(|m| m.as_str().to_string())
            .collect();
        assert_eq!(found.len(), 1, "style {id} defined once: {found:?}");
        found[0].clone()
    };
    for id in ["Normal", "Heading1", "Heading2", "Heading3", "Memo"] {
        style(id);
    }
    let quote = style("Quote");
    assert!(
        quote.contains(r#"w:left="720""#) && quote.contains("<w:i />"),
        "{quote}"
    );
    assert!(quote.contains("w:before="), "{quote}");
    let attribution = style("Attribution");
    assert!(
        attribution.contains(r#"<w:jc w:val="right" />"#),
        "{attribution}"
    );
    assert!(style("Caption").contains("<w:i />"));

    // Every quote is a Quote paragraph followed by its attribution as its own paragraph.
    let paras: Vec<&str> = regex::Regex::new(r"(?s)<w:p[ >].*?</w:p>")
        .unwrap()
        .find_iter(&document)
        .map(|m| m.as_str())
        .collect();
    let style_of = |p: &str| {
        regex::Regex::new(r#"<w:pStyle w:val="([^"]*)""#)
            .unwrap()
            .captures(p)
            .map(|c| c[1].to_string())
            .unwrap_or_default()
    };
    let quotes: Vec<usize> = (0..paras.len())
        .filter(|&i| paras[i].contains("«"))
        .collect();
    assert!(quotes.len() >= 10, "{} quotes", quotes.len());
    for &i in &quotes {
        assert_eq!(style_of(paras[i]), "Quote");
        assert_eq!(style_of(paras[i + 1]), "Attribution");
        assert!(paras[i + 1].contains("(parent,") || paras[i + 1].contains("(coordinator,"));
    }
    let headings = paras
        .iter()
        .filter(|p| style_of(p).starts_with("Heading"))
        .count();
    assert!(headings >= 10);
    // A caption above each table, and the numbers in the tables right-aligned.
    let tables = document.matches("<w:tbl>").count();
    assert!(tables > 0);
    assert_eq!(
        paras.iter().filter(|p| style_of(p) == "Caption").count(),
        tables
    );
    let cells: Vec<&str> = regex::Regex::new(r"(?s)<w:tc>.*?</w:tc>")
        .unwrap()
        .find_iter(&document)
        .map(|m| m.as_str())
        .collect();
    let number = regex::Regex::new(r"<w:t[^>]*>\d+</w:t>").unwrap();
    let numeric: Vec<&&str> = cells.iter().filter(|c| number.is_match(c)).collect();
    assert!(!numeric.is_empty());
    assert!(
        numeric
            .iter()
            .all(|c| c.contains(r#"<w:jc w:val="right" />"#))
    );

    // The document's properties: its title, koda as author, and the time it was made.
    assert!(
        core.contains(
            "<dc:title>Temaoversikt: Familiekoordinator-evalueringen (eksempel)</dc:title>"
        ),
        "{core}"
    );
    assert!(core.contains("<dc:creator>koda</dc:creator>") && !core.contains("unknown"));
    let year = regex::Regex::new(r"<dcterms:created[^>]*>(\d{4})-")
        .unwrap()
        .captures(&core)
        .unwrap()[1]
        .parse::<u32>()
        .unwrap();
    assert!(year >= 2025, "{core}");
}
