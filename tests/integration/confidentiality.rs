//! The confidentiality gate as a researcher meets it: every export kind and format passes one
//! leak check, names and identifiers in texts, titles and ids never reach an export, names in
//! disguise are caught by `koda check`, and a register that vanishes stops every export.

use crate::util::TestProject;
use koda::export::privacy::doc_key;
use koda::model::identifiers::valid_national_id;
use koda::ops::export::Kind;
use std::io::Read;

/// A fødselsnummer that passes both control digits (born 1 January 1990).
fn valid_fnr() -> String {
    (0..1000)
        .map(|i| format!("010190{i:03}"))
        .flat_map(|nine| (0..100).map(move |c| format!("{nine}{c:02}")))
        .find(|s| valid_national_id(&digits(s)))
        .expect("a valid number exists")
}

fn digits(s: &str) -> Vec<u32> {
    s.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// Eleven digits that fail the control digits (a case number, say).
const CASE_NUMBER: &str = "12345678901";

fn transcript(fnr: &str) -> String {
    format!(
        "Intervjuer: Hvordan kom dere i gang med koordinatoren?\n\
         Forelder 1: Det var Kari Nordmann som ringte, og Karis mann var med på første møte.\n\
         Intervjuer: Hvordan kan vi nå dere senere?\n\
         Forelder 1: Ring 412 34 567 eller skriv til kari.nordmann@example.no, så svarer jeg.\n\
         Intervjuer: Var det noe på skjemaet som var vanskelig?\n\
         Forelder 1: De ville ha fødselsnummeret {fnr}, og saksnummeret {CASE_NUMBER} fra NAV.\n"
    )
}

/// A project whose one document comes from a file named after the parent, with her name in
/// the text, a memo, a code description and a case attribute.
fn fixture() -> TestProject {
    assert!(!valid_national_id(&digits(CASE_NUMBER)));
    let p = TestProject::new();
    let f = p.write("intervju-med-Kari.txt", &transcript(&valid_fnr()));
    p.koda(&[
        "import",
        f.to_str().unwrap(),
        "--case",
        "F01",
        "--attr",
        "role=parent",
        "--attr",
        "kontakt=Kari",
    ])
    .ok();
    p.koda(&[
        "codes",
        "add",
        "familie",
        "--description",
        "Hvordan Kari og andre foreldre beskriver familien",
    ])
    .ok();
    for turn in ["2", "4", "6"] {
        p.koda(&[
            "code",
            "intervju-med-kari",
            "--code",
            "familie",
            "--turn",
            turn,
        ])
        .ok();
    }
    p.koda(&[
        "memo",
        "add",
        "Kari virket lettet etter møtet.",
        "--doc",
        "intervju-med-kari",
    ])
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
    p
}

/// Every export kind in every format it has, as (kind, file name, extra arguments).
fn every_export() -> Vec<(Kind, String, Vec<&'static str>)> {
    let mut out = Vec::new();
    for kind in Kind::ALL {
        match kind {
            Kind::Qdpx => out.push((kind, "in/all.qdpx".into(), vec!["--pseudonymise"])),
            Kind::Qdc => out.push((kind, "in/all.qdc".into(), vec![])),
            _ => {
                assert!(!kind.formats().is_empty(), "{kind:?} has formats");
                for f in kind.formats() {
                    out.push((kind, format!("in/{}.{}", kind.name(), f.name()), vec![]));
                }
            }
        }
    }
    out
}

/// The text of an export: its bytes, or every entry of a ZIP-based file.
fn text_of(bytes: &[u8]) -> String {
    if !bytes.starts_with(b"PK") {
        return String::from_utf8(bytes.to_vec()).expect("UTF-8");
    }
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut out = String::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).expect("entry");
        let mut s = String::new();
        e.read_to_string(&mut s).expect("text entry");
        out.push_str(&s);
        out.push('\n');
    }
    out
}

#[test]
fn every_export_kind_and_format_leaves_out_names_identifiers_and_named_ids() {
    let p = fixture();
    let fnr = valid_fnr();
    let key = doc_key("intervju-med-kari");
    let exports = every_export();
    assert!(exports.len() >= 20, "{exports:?}");
    for (kind, file, extra) in &exports {
        let mut args = vec!["export", kind.name(), "-o", file.as_str()];
        args.extend(extra);
        p.koda(&args).ok();
        let text = text_of(&std::fs::read(p.path().join(file)).unwrap());
        let lower = text.to_lowercase();
        assert!(!lower.contains("kari"), "{file} names the parent:\n{text}");
        for identifier in [fnr.as_str(), "412 34 567", "@example.no"] {
            assert!(
                !text.contains(identifier),
                "{file} holds {identifier}:\n{text}"
            );
        }
        let out = p.koda(&["check", file]).ok().to_string();
        assert!(
            out.contains("no registered name or identifier found"),
            "{out}"
        );
    }
    let md = std::fs::read_to_string(p.path().join("in/summary.md")).unwrap();
    assert!(
        md.contains("Det var (navn forelder) som ringte, og (navn forelder) mann var med"),
        "{md}"
    );
    assert!(
        md.contains("Ring (telefon) eller skriv til (e-post), så svarer jeg."),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "fødselsnummeret (fødselsnummer), og saksnummeret {CASE_NUMBER} fra NAV"
        )),
        "an 11-digit number that fails the control digits is kept: {md}"
    );
    // The document's key joins every export to the project.
    let csv = std::fs::read_to_string(p.path().join("in/excerpts.csv")).unwrap();
    assert!(csv.contains(&format!(",{key},")), "{csv}");
    let qdpx = text_of(&std::fs::read(p.path().join("in/all.qdpx")).unwrap());
    assert!(qdpx.contains(&format!("koda document {key}")), "{qdpx}");
    let shown = p.koda(&["show", &key]).ok().to_string();
    assert!(shown.contains("Kari Nordmann som ringte"), "{shown}");
}

#[test]
fn an_export_that_would_hold_a_name_is_refused_whatever_its_kind() {
    let p = fixture();
    // A replacement that holds the name itself, written by hand and sealed: the pseudonymiser
    // puts the name back, and only the gate stands between it and the file.
    let path = p.path().join("names.json");
    let mut names: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    names["names"][0]["replacement"] = "(Kari)".into();
    std::fs::write(&path, serde_json::to_string_pretty(&names).unwrap()).unwrap();
    p.koda(&["names", "accept"]).ok();
    for (kind, file, extra) in every_export() {
        let mut args = vec!["export", kind.name(), "-o", file.as_str()];
        args.extend(extra);
        let err = p.fails_unchanged(&args, &["still in the export", "«Kari»"]);
        assert!(err.contains(file.as_str()), "{err}");
        assert!(!p.path().join(&file).exists(), "{file} was written");
    }
    // Not pseudonymised, an export goes out, marked as such.
    let r = p.koda(&["export", "summary", "-o", "real.md", "--no-pseudonymise"]);
    r.ok();
    assert!(r.stderr.contains("NOT PSEUDONYMISED"), "{}", r.stderr);
}

#[test]
fn a_register_deleted_emptied_or_changed_outside_koda_stops_every_export() {
    let p = fixture();
    let path = p.path().join("names.json");
    let sealed = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    for (kind, file, extra) in every_export() {
        let mut args = vec!["export", kind.name(), "-o", file.as_str()];
        args.extend(extra);
        p.fails_unchanged(&args, &["names.json is missing", "koda names accept"]);
    }
    p.fails_unchanged(
        &["export", "summary", "-o", "s.md", "--no-pseudonymise"],
        &["names.json is missing"],
    );
    let doctor = p.koda(&["doctor"]);
    assert!(
        doctor.stdout.contains("PROBLEM") && doctor.stdout.contains("names.json is missing"),
        "{}",
        doctor.stdout
    );
    p.koda(&["names", "accept"])
        .fails_with(&["restore it from a backup"]);
    std::fs::write(&path, "{\"names\": []}\n").unwrap();
    p.fails_unchanged(&["export", "summary", "-o", "s.md"], &["was emptied"]);
    std::fs::write(&path, sealed.replace("(navn forelder)", "(forelder)")).unwrap();
    p.fails_unchanged(
        &["export", "summary", "-o", "s.md"],
        &["changed outside koda"],
    );
    // Restored as koda wrote it, the register works again.
    std::fs::write(&path, &sealed).unwrap();
    p.koda(&["export", "summary", "-o", "s.md"]).ok();
    let doctor = p.koda(&["doctor"]).ok().to_string();
    assert!(
        !doctor.contains("PROBLEM") && !doctor.contains("seal"),
        "{doctor}"
    );
}

fn docx_with_runs(runs: &[&str]) -> Vec<u8> {
    let body: String = runs
        .iter()
        .map(|r| format!("<w:r><w:rPr><w:b/></w:rPr><w:t>{r}</w:t></w:r>"))
        .collect();
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p>{body}</w:p></w:body></w:document>"
    );
    crate::util::docx(&document, &[])
}

/// Registers Kari Nordmann with the forms she goes by: first name, handle, initial.
fn register_kari_in_disguise(p: &TestProject) {
    p.koda(&[
        "names",
        "add",
        "Kari Nordmann",
        "--as",
        "(navn)",
        "--alias",
        "Kari",
        "--alias",
        "@kari_n",
        "--alias",
        "Kari N.",
    ])
    .ok();
}

#[test]
fn check_catches_names_in_disguise_and_identifiers() {
    let p = fixture();
    p.koda(&["names", "rm", "Kari Nordmann"]).ok();
    register_kari_in_disguise(&p);
    // Registered as pasted from a Mac: decomposed letters.
    p.koda(&[
        "names",
        "add",
        "Bjo\u{308}rn Ødega\u{30a}rd",
        "--as",
        "(navn)",
        "--alias",
        "Bjo\u{308}rn",
    ])
    .ok();
    let caught = |name: &str, content: &[u8], found: &str| {
        let f = p.path().join("in").join(name);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(&f, content).unwrap();
        let r = p.koda(&["check", f.to_str().unwrap()]);
        r.fails_with(&["found"]);
        assert!(r.stdout.contains(found), "{name}: {}", r.stdout);
        assert!(r.stdout.contains(name), "the place is named: {}", r.stdout);
    };
    caught(
        "handle.md",
        "Hun skrev som @kari_n på forumet.\n".as_bytes(),
        "registered name",
    );
    caught(
        "initial.md",
        "Det var Kari N. som sa det.\n".as_bytes(),
        "«Kari N",
    );
    caught(
        "soft.md",
        "Ka\u{ad}ri kom for sent.\n".as_bytes(),
        "registered name",
    );
    caught(
        "nfc.md",
        "Björn kom også.\n".as_bytes(),
        "registered name \"Björn\"",
    );
    caught(
        "entity.html",
        b"<p>Bj&oslash;rn kom</p>\n",
        "«Bj&oslash;rn»",
    );
    caught(
        "mail.md",
        b"skriv til bjorn.odegard@example.no\n",
        "bjorn.odegard",
    );
    caught(
        "split.docx",
        &docx_with_runs(&["Hilsen fra Ka", "ri og familien"]),
        "split.docx/word/document.xml",
    );
    caught(
        "fnr.md",
        format!("nummer {}\n", valid_fnr()).as_bytes(),
        "national_id",
    );
    caught("phone.md", b"ring +47 412 34 567\n", "phone");
    let clean = p.path().join("in").join("clean.md");
    std::fs::write(
        &clean,
        format!("saksnummer {CASE_NUMBER}, 500 kr per måned, Karina og kari.\n"),
    )
    .unwrap();
    p.koda(&["check", clean.to_str().unwrap()]).ok();
}

#[test]
fn names_in_disguise_in_a_transcript_never_reach_an_export() {
    let p = TestProject::new();
    let f = p.write(
        "i.txt",
        "Intervjuer: Hvem hjalp deg?\nForelder 2: Kari N. hjalp meg, hun heter @kari_n på nett, og Ka\u{ad}ri svarte alltid.\n",
    );
    p.koda(&["import", f.to_str().unwrap()]).ok();
    p.koda(&["codes", "add", "hjelp"]).ok();
    p.koda(&["code", "i", "--code", "hjelp", "--turn", "2"])
        .ok();
    register_kari_in_disguise(&p);
    let md = p.koda(&["export", "summary", "-o", "-"]).ok().to_string();
    assert!(
        md.contains("(navn) hjalp meg, hun heter (navn) på nett, og (navn) svarte alltid."),
        "{md}"
    );
}

#[test]
fn each_identifier_kind_can_be_turned_off() {
    let p = fixture();
    let path = p.path().join("koda.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    config["privacy"] = serde_json::json!({"identifiers": {"phone": false}});
    std::fs::write(&path, serde_json::to_string_pretty(&config).unwrap()).unwrap();
    let md = p.koda(&["export", "summary", "-o", "-"]).ok().to_string();
    assert!(
        md.contains("Ring 412 34 567 eller skriv til (e-post)"),
        "{md}"
    );
    let f = p.write("phone.md", "ring 412 34 567\n");
    p.koda(&["check", f.to_str().unwrap()]).ok();
}

#[test]
fn a_name_mentioned_once_is_suggested_and_ordinary_capitals_are_not() {
    let p = TestProject::new();
    let f = p.write(
        "foreldre-3.txt",
        "Intervjuer: Fortell om familien.\n\
         Forelder 3: Sønnen min Torbjørn går på Lunde skole, og på mandag var vi hos NAV.\n\
         Intervjuer: Hvem hjalp dere?\n\
         Forelder 3: Vi fikk hjelp fra Bufetat og fra Koordinatoren, og vi bor på Vestbyen.\n\
         Intervjuer: Flyttet dere?\n\
         Forelder 3: Nei, vi har bodd på Vestbyen lenge. Familien trives.\n",
    );
    p.koda(&["import", f.to_str().unwrap()]).ok();
    let list = p.koda(&["names", "suggest", "--json"]).json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Torbjørn"),
        "a child's name said once: {names:?}"
    );
    assert!(names.contains(&"Lunde"), "a surname said once: {names:?}");
    assert!(
        names.contains(&"Vestbyen"),
        "an unlisted word that recurs: {names:?}"
    );
    for never in [
        "Bufetat",
        "NAV",
        "Koordinatoren",
        "Familien",
        "Sønnen",
        "Nei",
    ] {
        assert!(!names.contains(&never), "{never} suggested: {names:?}");
    }
    let torbjørn = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Torbjørn")
        .unwrap();
    assert_eq!(torbjørn["count"], 1);
    assert_eq!(torbjørn["listed"], true);
    assert_eq!(torbjørn["first"], "foreldre-3 turn 2");
    let table = p.koda(&["names", "suggest"]).ok().to_string();
    assert!(
        table.contains("name list") && table.contains("recurs"),
        "{table}"
    );
    // With --min 3 an unlisted word that occurs twice is left out; a listed name is not.
    let list = p.koda(&["names", "suggest", "--min", "3", "--json"]).json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Torbjørn") && !names.contains(&"Vestbyen"),
        "{names:?}"
    );
}

#[test]
fn the_readme_confidentiality_example_is_what_koda_does() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let section = readme
        .split("## Confidentiality")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let quote = section
        .lines()
        .find_map(|l| l.trim().strip_prefix("#   "))
        .expect("the example's quote")
        .trim_matches(['«', '»']);
    let p = TestProject::new();
    let f = p.write(
        "intervju-9.txt",
        "Intervjuer: Hva koster det?\n\
         Forelder 9: Det koster 500 kr per måned, sa Per. Ring 412 34 567 eller per.olsen@example.no.\n\
         Intervjuer: Og sønnen?\n\
         Forelder 9: Sønnen min Torbjørn går på skolen på Vestbyen, og vi bor på Vestbyen.\n",
    );
    p.koda(&["import", f.to_str().unwrap()]).ok();
    let suggested = p.koda(&["names", "suggest"]).ok().to_string();
    for line in ["Torbjørn", "Vestbyen"] {
        assert!(suggested.contains(line), "{suggested}");
    }
    assert!(section.contains("Torbjørn (name list, said once), Vestbyen (recurs)"));
    p.koda(&[
        "names",
        "add",
        "Per Olsen",
        "--as",
        "(navn far)",
        "--alias",
        "Per",
    ])
    .ok();
    p.koda(&["codes", "add", "kostnad"]).ok();
    p.koda(&["code", "intervju-9", "--code", "kostnad", "--turn", "2"])
        .ok();
    p.koda(&["export", "summary", "-o", "in/funn.md"]).ok();
    let md = std::fs::read_to_string(p.path().join("in/funn.md")).unwrap();
    assert!(md.contains(quote), "README: {quote}\nexport:\n{md}");
}
