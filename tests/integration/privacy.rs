//! Confidentiality: pseudonymised exports, the leak check, speaker and case pseudonyms, name
//! suggestions and owner-only permissions.

use crate::util::TestProject;

const TEXT: &str = "Intervjuer: Hvordan gikk det med Kari Nordmann?\nKari: Det var KARI sin mor som ringte, og Karis søster kom.\nIntervjuer: Og Ole?\nKari: Ole har det bra. Kari's friend Ole brought Oleum oil.\nIntervjuer: Takk.\n";

fn fixture() -> TestProject {
    let p = TestProject::new();
    let f = p.write("intervju.txt", TEXT);
    p.koda(&[
        "import",
        f.to_str().unwrap(),
        "--title",
        "Intervju 4",
        "--case",
        "F04",
        "--attr",
        "role=parent",
    ])
    .ok();
    p.koda(&["codes", "add", "family"]).ok();
    p.koda(&["code", "intervju-4", "--code", "family", "--turn", "2"])
        .ok();
    p.koda(&["code", "intervju-4", "--code", "family", "--turn", "4"])
        .ok();
    p.koda(&[
        "names",
        "add",
        "Kari Nordmann",
        "--as",
        "(navn forelder)",
        "--alias",
        "Kari",
    ])
    .ok();
    p.koda(&["names", "add", "Ole", "--as", "(navn barn)"]).ok();
    p
}

#[test]
fn exports_replace_names_inflections_and_speakers() {
    let p = fixture();
    let md = p.koda(&["export", "summary", "-o", "-"]).ok().to_string();
    assert!(
        md.contains("«Det var (navn forelder) sin mor som ringte, og (navn forelder) søster kom.»"),
        "{md}"
    );
    assert!(
        md.contains(
            "«(navn barn) har det bra. (navn forelder)'s friend (navn barn) brought Oleum oil.»"
        ),
        "{md}"
    );
    assert!(
        !md.to_lowercase().contains("kari") && !md.contains("Ole "),
        "{md}"
    );
    let csv = p.koda(&["export", "excerpts", "-o", "-"]).ok().to_string();
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let speaker = h.iter().position(|x| x == "speaker").unwrap();
    let case = h.iter().position(|x| x == "case").unwrap();
    let row = r.records().next().unwrap().unwrap();
    assert_eq!(
        &row[speaker], "(navn forelder)",
        "a speaker label that is a registered name"
    );
    assert_eq!(&row[case], "Parent 1", "cases get pseudonyms by default");
    // A chosen speaker pseudonym wins.
    p.koda(&["names", "speaker", "Kari", "--as", "Mor"]).ok();
    p.koda(&["names", "case", "F04", "--as", "Familie D"]).ok();
    let csv = p.koda(&["export", "excerpts", "-o", "-"]).ok().to_string();
    assert!(csv.contains(",Mor,Familie D,"), "{csv}");
    let listing = p.koda(&["names"]).ok().to_string();
    assert!(
        listing.contains("Kari Nordmann") && listing.contains("Kari        Mor"),
        "{listing}"
    );
    // DOCX and HTML are pseudonymised and checked too.
    p.koda(&["export", "summary", "-o", "s.docx"]).ok();
    let out = p.koda(&["check", "s.docx"]).ok().to_string();
    assert!(
        out.contains("no registered name or identifier found"),
        "{out}"
    );
    p.koda(&["export", "report", "-o", "r.html"]).ok();
    p.koda(&["check", "r.html"]).ok();
}

#[test]
fn a_leak_fails_the_export_and_leaves_no_file() {
    let p = fixture();
    let r = p.koda(&["names", "add", "Ole", "--as", "Ole O."]);
    r.ok();
    assert!(
        r.stderr.contains("itself contains a registered name"),
        "{}",
        r.stderr
    );
    let err = p
        .koda(&["export", "summary", "-o", "s.md"])
        .fails()
        .to_string();
    assert!(
        err.contains("names or identifiers are still in the export") && err.contains("s.md:"),
        "{err}"
    );
    assert!(err.contains("«Ole»"), "{err}");
    assert!(!p.path().join("s.md").exists(), "no file left behind");
    p.koda(&["export", "summary", "-o", "s.docx"])
        .fails_with(&["«Ole»"]);
    assert!(!p.path().join("s.docx").exists());
}

#[test]
fn no_pseudonymise_is_explicit_and_says_so() {
    let p = fixture();
    let r = p.koda(&["export", "summary", "-o", "-", "--no-pseudonymise"]);
    let md = r.ok().to_string();
    // The banner speaks the study's language; the terminal's warning is koda's own.
    assert!(md.starts_with("> **IKKE PSEUDONYMISERT"), "{md}");
    assert!(md.contains("Karis søster"), "{md}");
    assert!(r.stderr.contains("NOT PSEUDONYMISED"), "{}", r.stderr);
    let html = p
        .koda(&[
            "export",
            "summary",
            "-o",
            "-",
            "--format",
            "html",
            "--no-pseudonymise",
        ])
        .ok()
        .to_string();
    assert!(html.contains("<strong>IKKE PSEUDONYMISERT"), "{html}");
    let json = p
        .koda(&[
            "export",
            "summary",
            "-o",
            "-",
            "--format",
            "json",
            "--no-pseudonymise",
        ])
        .json();
    assert_eq!(json["pseudonymised"], false);
}

#[test]
fn check_finds_names_in_any_file() {
    let p = fixture();
    let f = p.write(
        "draft.md",
        "Rapport\n\nSom Kari sa: «det tok tid».\nOleum er ikke et navn.\n",
    );
    let r = p.koda(&["check", f.to_str().unwrap()]);
    let err = r.fails().to_string();
    assert!(
        r.stdout
            .contains("draft.md:3:5: «Kari» (registered name \"Kari\")"),
        "{}",
        r.stdout
    );
    assert!(
        err.contains("1 registered names or identifiers found"),
        "{err}"
    );
    let clean = p.write("clean.md", "Oleum og Kariana.\n");
    p.koda(&["check", clean.to_str().unwrap()]).ok();
}

#[test]
fn suggestions_list_recurring_capitalised_words() {
    let p = TestProject::new();
    let f = p.write("i.txt", "Intervjuer: Hvordan var det med Lise?\nForelder: Jeg ringte Lise og Petter Hansen. Petter Hansen svarte.\nIntervjuer: Og i Bergen?\nForelder: I Bergen var det bra. NAV var treg.\n");
    p.koda(&["import", f.to_str().unwrap()]).ok();
    let v = p.koda(&["names", "suggest", "--json"]).json();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["Bergen", "Lise", "Hansen", "Petter Hansen"],
        "listed names from one mention inside a sentence (the sentence-initial Petter is not); NAV is an acronym"
    );
    let v = p.koda(&["names", "suggest", "--json", "--min", "1"]).json();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Petter Hansen"), "{names:?}");
    assert_eq!(v[0]["count"], 2);
    p.koda(&["names", "add", "Lise", "--as", "(navn)"]).ok();
    let v = p.koda(&["names", "suggest", "--json"]).json();
    assert!(
        !v.as_array().unwrap().iter().any(|s| s["name"] == "Lise"),
        "registered names are not suggested"
    );
}

#[cfg(unix)]
#[test]
fn project_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let p = fixture();
    let mode = |rel: &str| {
        std::fs::metadata(p.path().join(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(""), 0o700);
    for f in [
        "koda.json",
        "codebook.json",
        "cases.json",
        "names.json",
        "journal/anna.jsonl",
        "sources/intervju-4.txt",
    ] {
        assert_eq!(mode(f), 0o600, "{f}");
    }
    assert_eq!(mode("journal"), 0o700);
    assert_eq!(mode(".koda"), 0o700);
    p.koda(&["export", "excerpts", "-o", "e.csv"]).ok();
    assert_eq!(mode("e.csv"), 0o600);
    // The search index and its locks too.
    p.koda(&["search", "mor"]).ok();
    let index: Vec<_> = std::fs::read_dir(p.path().join(".koda/index"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(index.len() > 3, "{index:?}");
    for f in index.iter().chain([&p.path().join(".koda/index.lock")]) {
        let m = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(m, 0o600, "{}", f.display());
    }
}

#[cfg(unix)]
#[test]
fn a_project_opened_to_others_is_reported_and_tightened() {
    use std::os::unix::fs::PermissionsExt;
    let p = fixture();
    let open = |rel: &str, mode: u32| {
        std::fs::set_permissions(p.path().join(rel), std::fs::Permissions::from_mode(mode))
            .unwrap();
    };
    // As a copy or a checkout under the usual umask leaves it.
    open("", 0o755);
    open("sources", 0o755);
    open("koda.json", 0o644);
    open("journal/anna.jsonl", 0o644);
    let r = p.koda(&["doctor"]);
    assert!(
        r.stdout.contains("can be read by others") && r.stdout.contains("--repair"),
        "{}",
        r.stdout
    );
    let fixed = p.koda(&["doctor", "--repair"]).ok().to_string();
    assert!(
        fixed.contains("made 4 files and folders owner-only"),
        "{fixed}"
    );
    let again = p.koda(&["doctor"]).ok().to_string();
    assert!(!again.contains("read by others"), "{again}");
    let m = std::fs::metadata(p.path().join("koda.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(m & 0o777, 0o600);
}

#[test]
fn qdpx_pseudonymised_on_request_with_codings_on_their_words() {
    let p = fixture();
    let out = p.path().join("study.qdpx");
    let r = p.koda(&["export", "qdpx", "-o", out.to_str().unwrap()]);
    r.ok();
    assert!(r.stderr.contains("--pseudonymise"), "{}", r.stderr);
    let err = p
        .koda(&["check", out.to_str().unwrap()])
        .fails()
        .to_string();
    assert!(
        err.contains("registered names or identifiers found"),
        "the real texts hold names: {err}"
    );
    std::fs::remove_file(&out).unwrap();
    p.koda(&[
        "export",
        "qdpx",
        "-o",
        out.to_str().unwrap(),
        "--pseudonymise",
    ])
    .ok();
    p.koda(&["check", out.to_str().unwrap()]).ok();
    let q = TestProject::new();
    q.koda(&["import", out.to_str().unwrap()]).ok();
    let ex = q.koda(&["excerpts", "--json"]).json();
    assert_eq!(
        ex[0]["text"],
        "Det var (navn forelder) sin mor som ringte, og (navn forelder) søster kom."
    );
}

#[test]
fn names_that_are_also_words_keep_the_words_in_every_export() {
    let p = TestProject::new();
    let f = p.write(
        "intervju-per.txt",
        "Intervjuer: Hva koster det?\nForelder: Det er 500 kr per måned. Per Olsen sa at Per betaler.\nIntervjuer: Are you happy?\nForelder: We are happy, and Are Halland says so too. Et godt liv, sa Liv.\n",
    );
    p.koda(&["import", f.to_str().unwrap(), "--title", "Intervju 9"])
        .ok();
    p.koda(&["codes", "add", "kostnad"]).ok();
    for turn in ["2", "4"] {
        p.koda(&["code", "intervju-9", "--code", "kostnad", "--turn", turn])
            .ok();
    }
    for (name, alias, rep) in [
        ("Per Olsen", "Per", "(navn2)"),
        ("Are Halland", "Are", "(navn)"),
        ("Liv Berg", "Liv", "(navn3)"),
    ] {
        let r = p.koda(&["names", "add", name, "--as", rep, "--alias", alias]);
        r.ok();
        // The researcher is told where the alias is also an ordinary word.
        if alias != "Liv" {
            let lower = alias.to_lowercase();
            assert!(
                r.stderr
                    .contains(&format!("{alias:?} also occurs once as an ordinary word"))
                    && r.stderr.contains(&format!(" {lower} ")),
                "{}",
                r.stderr
            );
        }
    }
    let md = p.koda(&["export", "summary", "-o", "-"]).ok().to_string();
    assert!(
        md.contains("«Det er 500 kr per måned. (navn2) sa at (navn2) betaler.»"),
        "{md}"
    );
    assert!(
        md.contains("«We are happy, and (navn) says so too. Et godt liv, sa (navn3).»"),
        "{md}"
    );
    let csv = p.koda(&["export", "excerpts", "-o", "-"]).ok().to_string();
    assert!(
        csv.contains("500 kr per måned") && csv.contains("We are happy") && !csv.contains("Per "),
        "{csv}"
    );
    // Registered to match in any case, the lower-case word goes too.
    p.koda(&["names", "add", "Per Olsen", "--any-case"]).ok();
    let md = p.koda(&["export", "summary", "-o", "-"]).ok().to_string();
    assert!(md.contains("500 kr (navn2) måned"), "{md}");
}

#[test]
fn a_name_pasted_in_nfd_is_stored_and_matched_in_nfc() {
    let p = TestProject::new();
    let f = p.write(
        "intervju-aase.txt",
        "Intervjuer: Hvem kom?\nForelder: Åse kom, og Åses bror.\nIntervjuer: Takk.\n",
    );
    p.koda(&["import", f.to_str().unwrap()]).ok();
    p.koda(&["codes", "add", "familie"]).ok();
    p.koda(&["code", "intervju-aase", "--code", "familie", "--turn", "2"])
        .ok();
    p.koda(&["names", "add", "A\u{30a}se", "--as", "(navn)"])
        .ok();
    let names = std::fs::read_to_string(p.path().join("names.json")).unwrap();
    assert!(
        names.contains("\"Åse\"") && !names.contains('\u{30a}'),
        "{names}"
    );
    let md = p.koda(&["export", "summary", "-o", "-"]).ok().to_string();
    assert!(md.contains("«(navn) kom, og (navn) bror.»"), "{md}");
}
