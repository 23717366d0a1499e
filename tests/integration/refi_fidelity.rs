//! REFI-QDA import fidelity: all or nothing, identity kept through re-imports and round trips,
//! what koda can hold kept (categories, sets, relations, case descriptions and links, notes
//! through links, PDF and transcript sources), what it cannot reported, bombs and bad
//! selections refused.

use crate::util::TestProject;
use koda::store::Project;
use std::io::Write;
use std::path::PathBuf;

/// A `.qdpx` of `qde` and entries given as bytes.
fn archive(qde: &str, files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("project.qde", o).unwrap();
    w.write_all(qde.as_bytes()).unwrap();
    for (n, b) in files {
        w.start_file(*n, o).unwrap();
        w.write_all(b).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// How many entries `koda ARGS --json` lists.
fn listed(p: &TestProject, args: &[&str]) -> usize {
    p.koda(args).json().as_array().map_or(0, Vec::len)
}

fn put(p: &TestProject, name: &str, bytes: &[u8]) -> PathBuf {
    let f = p.path().join("in").join(name);
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    std::fs::write(&f, bytes).unwrap();
    f
}

const LONG_A: &str = "Opplevelse av at tjenestene samarbeider om familien over tid, også når saksbehandler skifter og ansvaret flyttes";
const LONG_B: &str = "Foreldrenes beskrivelse av hvordan de ble møtt første gang de tok kontakt med kommunen om barnets behov for hjelp";

const TEXT_1: &str = "Intervjuer: Hvordan var det første møtet?\nForelder: Hun ringte tilbake samme dag, og da følte jeg meg trygg.\nIntervjuer: Og senere?\nForelder: Etter at saksbehandleren sluttet måtte vi begynne på nytt.\n";
const TEXT_2: &str = "Koordinator: Vi prøver å ha faste møter med skolen.\nKoordinator: Det tar tid før familiene stoler på oss.\n";

fn span(text: &str, words: &str) -> (usize, usize) {
    let b = text.find(words).unwrap();
    let a = text[..b].chars().count();
    (a, a + words.chars().count())
}

/// A MAXQDA-style project: codes with names of 113 and 114 characters under a category, a
/// Set of codes and one of documents, case descriptions with links to a code and a
/// selection, Links between codes (one with a note), a note reachable only through a Link,
/// a graph and a picture koda cannot hold.
fn maxqda_like() -> String {
    assert!(LONG_A.chars().count() > 100 && LONG_B.chars().count() > 100);
    let (a1, b1) = span(TEXT_1, "Hun ringte tilbake samme dag");
    let (a2, b2) = span(TEXT_1, "måtte vi begynne på nytt");
    let (a3, b3) = span(TEXT_2, "Det tar tid før familiene stoler på oss");
    format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Familieprosjekt" origin="MAXQDA 24">
  <Users><User guid="a0000000-0000-4000-8000-000000000001" name="Ingrid"/></Users>
  <CodeBook><Codes>
    <Code guid="c0000000-0000-4000-8000-000000000001" name="Tjenester" isCodable="false">
      <Description>Overordnet kategori</Description>
      <Code guid="c0000000-0000-4000-8000-000000000002" name="{LONG_A}" isCodable="true"/>
      <Code guid="c0000000-0000-4000-8000-000000000003" name="{LONG_B}" isCodable="true" color="#336699"/>
    </Code>
    <Code guid="c0000000-0000-4000-8000-000000000004" name="Tillit" isCodable="true"/>
  </Codes></CodeBook>
  <Variables><Variable guid="b0000000-0000-4000-8000-000000000001" name="rolle" typeOfVariable="Text"/></Variables>
  <Cases>
    <Case guid="e0000000-0000-4000-8000-000000000001" name="Familie 3">
      <Description>Tobarnsfamilie, flyttet i 2024</Description>
      <CodeRef targetGUID="c0000000-0000-4000-8000-000000000004"/>
      <VariableValue><VariableRef targetGUID="b0000000-0000-4000-8000-000000000001"/><TextValue>forelder</TextValue></VariableValue>
      <SourceRef targetGUID="d0000000-0000-4000-8000-000000000001"/>
      <SelectionRef targetGUID="f0000000-0000-4000-8000-000000000001"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="d0000000-0000-4000-8000-000000000001" name="Intervju familie 3" plainTextPath="internal://d0000000-0000-4000-8000-000000000001.txt">
      <PlainTextSelection guid="f0000000-0000-4000-8000-000000000001" startPosition="{a1}" endPosition="{b1}" creatingUser="a0000000-0000-4000-8000-000000000001">
        <Coding guid="90000000-0000-4000-8000-000000000001"><CodeRef targetGUID="c0000000-0000-4000-8000-000000000004"/></Coding>
        <Coding guid="90000000-0000-4000-8000-000000000002"><CodeRef targetGUID="c0000000-0000-4000-8000-000000000003"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="f0000000-0000-4000-8000-000000000002" startPosition="{a2}" endPosition="{b2}">
        <Coding guid="90000000-0000-4000-8000-000000000003"><CodeRef targetGUID="c0000000-0000-4000-8000-000000000002"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="d0000000-0000-4000-8000-000000000002" name="Koordinator Nord">
      <PlainTextContent>{TEXT_2}</PlainTextContent>
      <PlainTextSelection guid="f0000000-0000-4000-8000-000000000003" startPosition="{a3}" endPosition="{b3}">
        <Coding guid="90000000-0000-4000-8000-000000000004"><CodeRef targetGUID="c0000000-0000-4000-8000-000000000004"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <PictureSource guid="d0000000-0000-4000-8000-000000000003" name="Tavle etter workshop" path="internal://d0000000-0000-4000-8000-000000000003.png">
      <PictureSelection guid="f0000000-0000-4000-8000-000000000009" firstX="1" firstY="1" secondX="9" secondY="9">
        <Coding guid="90000000-0000-4000-8000-000000000009"><CodeRef targetGUID="c0000000-0000-4000-8000-000000000004"/></Coding>
      </PictureSelection>
    </PictureSource>
  </Sources>
  <Notes>
    <Note guid="70000000-0000-4000-8000-000000000001" name="Om tillit"><PlainTextContent>Tillit bygges når noen ringer tilbake.</PlainTextContent></Note>
    <Note guid="70000000-0000-4000-8000-000000000002" name="Om relasjonen"><PlainTextContent>Brudd i oppfølgingen svekker tilliten.</PlainTextContent></Note>
  </Notes>
  <Links>
    <Link guid="60000000-0000-4000-8000-000000000001" name="svekkes av" direction="OneWay" originGUID="c0000000-0000-4000-8000-000000000004" targetGUID="c0000000-0000-4000-8000-000000000002">
      <NoteRef targetGUID="70000000-0000-4000-8000-000000000002"/>
    </Link>
    <Link guid="60000000-0000-4000-8000-000000000002" name="notat" direction="Associative" originGUID="c0000000-0000-4000-8000-000000000004" targetGUID="70000000-0000-4000-8000-000000000001"/>
  </Links>
  <Sets>
    <Set guid="50000000-0000-4000-8000-000000000001" name="Koder til rapporten">
      <Description>Det vi skriver om i kapittel 3</Description>
      <MemberCode targetGUID="c0000000-0000-4000-8000-000000000004"/>
      <MemberCode targetGUID="c0000000-0000-4000-8000-000000000002"/>
    </Set>
    <Set guid="50000000-0000-4000-8000-000000000002" name="Bølge 1">
      <MemberSource targetGUID="d0000000-0000-4000-8000-000000000001"/>
    </Set>
  </Sets>
  <Graphs>
    <Graph guid="40000000-0000-4000-8000-000000000001" name="Modell av tillit">
      <Vertex guid="40000000-0000-4000-8000-000000000002" representedGUID="c0000000-0000-4000-8000-000000000004" firstX="0" firstY="0"/>
    </Graph>
  </Graphs>
</Project>"##
    )
}

fn maxqda_file(p: &TestProject) -> PathBuf {
    put(
        p,
        "familie.qdpx",
        &archive(
            &maxqda_like(),
            &[(
                "Sources/d0000000-0000-4000-8000-000000000001.txt",
                TEXT_1.as_bytes().to_vec(),
            )],
        ),
    )
}

#[test]
fn a_maxqda_like_project_keeps_long_names_categories_sets_relations_and_case_links() {
    let p = TestProject::new();
    let f = maxqda_file(&p);
    let v = p.koda(&["import", f.to_str().unwrap(), "--json"]).json();
    let r = &v["imported"][0];
    assert_eq!(r["documents"], 2);
    assert_eq!(r["codes"], 4);
    assert_eq!(r["codings"], 4, "two codings share one selection");
    assert_eq!(r["sets"], 2);
    assert_eq!(r["relations"], 1);
    assert_eq!(
        r["memos"], 1,
        "the note linked to a code (the link's own note is the relation's)"
    );
    let dropped: Vec<(String, u64)> = r["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_string(),
                d["count"].as_u64().unwrap(),
            )
        })
        .collect();
    for kind in [
        "graphs",
        "picture sources",
        "codings of what koda cannot hold",
    ] {
        assert!(
            dropped.iter().any(|(k, n)| k == kind && *n == 1),
            "{kind} in {dropped:?}"
        );
    }
    assert_eq!(r["dropped"][1]["names"][0], "Modell av tillit");

    let codes = p.koda(&["codes", "--json"]).json();
    let paths: Vec<&str> = codes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&format!("Tjenester/{LONG_A}").as_str()),
        "{paths:?}"
    );
    assert!(paths.contains(&format!("Tjenester/{LONG_B}").as_str()));
    // The category is shown and enforced.
    let err = p
        .koda(&[
            "code",
            "intervju-familie-3",
            "--code",
            "Tjenester",
            "--turn",
            "2",
        ])
        .fails()
        .to_string();
    assert!(err.contains("is a category"), "{err}");
    let proj = Project::open(p.path()).unwrap();
    let cat = proj.codebook.find("Tjenester").unwrap();
    assert!(!cat.codable);
    assert_eq!(
        cat.guid.as_deref(),
        Some("c0000000-0000-4000-8000-000000000001")
    );

    let rel = p.koda(&["codes", "relations", "--json"]).json();
    assert_eq!(rel[0]["from"], "Tillit");
    assert_eq!(rel[0]["to"], format!("Tjenester/{LONG_A}"));
    assert_eq!(rel[0]["label"], "svekkes av");
    assert_eq!(rel[0]["memo"], "Brudd i oppfølgingen svekker tilliten.");

    let sets = p.koda(&["sets", "--json"]).json();
    assert_eq!(sets[0]["name"], "Koder til rapporten");
    assert_eq!(sets[0]["codes"][0], "Tillit");
    assert_eq!(sets[1]["docs"][0], "intervju-familie-3");
    // A set narrows excerpts: only the documents of "Bølge 1".
    let ex = p
        .koda(&["excerpts", "--json", "--where", "set=Bølge 1"])
        .json();
    assert_eq!(ex.as_array().unwrap().len(), 3);
    assert!(
        ex.as_array()
            .unwrap()
            .iter()
            .all(|e| e["doc"] == "intervju-familie-3")
    );
    let ex = p
        .koda(&["excerpts", "--json", "--where", "set=koder til rapporten"])
        .json();
    let quotes: Vec<&str> = ex
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(quotes.len(), 3, "{quotes:?}");
    assert!(
        !quotes.contains(&"Hun ringte tilbake samme dag")
            || quotes
                .iter()
                .filter(|q| **q == "Hun ringte tilbake samme dag")
                .count()
                == 1
    );

    let cases = proj.cases.cases.get("Familie 3").unwrap();
    assert_eq!(cases.description, "Tobarnsfamilie, flyttet i 2024");
    assert_eq!(
        cases.codes,
        vec![proj.codebook.find("Tillit").unwrap().id.clone()]
    );
    assert_eq!(cases.codings.len(), 1);
    let linked = &proj.codings[&cases.codings[0]];
    assert_eq!(
        koda::model::text::slice_chars(&proj.text(&linked.doc).unwrap(), linked.start, linked.end),
        "Hun ringte tilbake samme dag"
    );
    let memos = p.koda(&["memos", "--json"]).json();
    assert!(
        memos
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["text"] == "Tillit bygges når noen ringer tilbake."
                && m["about"].as_str().unwrap().contains("Tillit")),
        "{memos}"
    );
}

#[test]
fn strict_refuses_what_would_be_lost_and_one_undo_takes_an_import_back() {
    let p = TestProject::new();
    let f = maxqda_file(&p);
    let err = p.fails_unchanged(
        &["import", f.to_str().unwrap(), "--strict"],
        &[
            "--strict",
            "graphs",
            "picture sources",
            "nothing was imported",
        ],
    );
    assert!(err.contains("familie.qdpx"), "{err}");
    let codes_before = p.koda(&["codes", "--json"]).json();
    p.koda(&["import", f.to_str().unwrap()]).ok();
    let undo = p.koda(&["undo"]).ok().to_string();
    assert!(undo.contains("import familie.qdpx"), "{undo}");
    assert_eq!(p.koda(&["codes", "--json"]).json(), codes_before);
    assert_eq!(listed(&p, &["excerpts", "--json"]), 0);
    assert_eq!(listed(&p, &["memos", "--json"]), 0);
    assert!(listed(&p, &["sets", "--json"]) == 0);
    assert!(
        !Project::open(p.path())
            .unwrap()
            .cases
            .cases
            .contains_key("Familie 3")
    );
    let docs = Project::open(p.path()).unwrap().docs.len();
    assert_eq!(docs, 0, "the documents went with the undo");
}

#[test]
fn importing_a_file_twice_adds_nothing_the_second_time() {
    let p = TestProject::new();
    let f = maxqda_file(&p);
    p.koda(&["import", f.to_str().unwrap()]).ok();
    let count = |p: &TestProject| {
        let pr = Project::open(p.path()).unwrap();
        (
            pr.docs.len(),
            pr.codebook.codes.len(),
            pr.codings.len(),
            pr.memos.len(),
            pr.codebook.sets.len(),
            pr.codebook.relations.len(),
            pr.cases.cases.len(),
        )
    };
    let once = count(&p);
    let v = p.koda(&["import", f.to_str().unwrap(), "--json"]).json();
    assert_eq!(count(&p), once, "the same GUIDs are the same objects");
    let r = &v["imported"][0];
    assert_eq!(
        (r["documents"].as_u64(), r["reused"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(
        (r["codings"].as_u64(), r["codings_known"].as_u64()),
        (Some(0), Some(4))
    );
    assert_eq!(r["memos"], 0);
}

/// The GUIDs of a `.qde` by element kind.
fn guids(qdpx: &std::path::Path) -> Vec<(String, String)> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(qdpx).unwrap()).unwrap();
    let mut qde = String::new();
    std::io::Read::read_to_string(&mut z.by_name("project.qde").unwrap(), &mut qde).unwrap();
    let mut out = Vec::new();
    for el in [
        "Code",
        "TextSource",
        "PlainTextSelection",
        "Coding",
        "Note",
        "Set",
        "Link",
        "Case",
    ] {
        let open = format!("<{el} guid=\"");
        let mut rest = qde.as_str();
        while let Some(i) = rest.find(&open) {
            rest = &rest[i + open.len()..];
            out.push((el.to_string(), rest[..36].to_string()));
        }
    }
    out.sort();
    out
}

#[test]
fn guids_survive_koda_to_koda_to_koda_and_a_file_from_elsewhere_keeps_its_own() {
    let a = TestProject::new();
    let f = maxqda_file(&a);
    a.koda(&["import", f.to_str().unwrap()]).ok();
    a.koda(&[
        "memo",
        "add",
        "Første inntrykk",
        "--doc",
        "koordinator-nord",
    ])
    .ok();
    let ea = a.path().join("in/a.qdpx");
    a.koda(&["export", "qdpx", "-o", ea.to_str().unwrap()]).ok();
    let from_a = guids(&ea);
    // The file's own GUIDs are written back, not koda's.
    for g in [
        "c0000000-0000-4000-8000-000000000002",
        "d0000000-0000-4000-8000-000000000001",
        "f0000000-0000-4000-8000-000000000001",
        "90000000-0000-4000-8000-000000000002",
        "50000000-0000-4000-8000-000000000001",
        "60000000-0000-4000-8000-000000000001",
        "e0000000-0000-4000-8000-000000000001",
    ] {
        assert!(from_a.iter().any(|(_, x)| x == g), "{g} in {from_a:?}");
    }
    assert_eq!(
        from_a
            .iter()
            .filter(
                |(k, x)| k == "PlainTextSelection" && x == "f0000000-0000-4000-8000-000000000001"
            )
            .count(),
        1,
        "two codings of one selection go back as one selection"
    );
    crate::refi::validate("Project-mrt2019.xsd", &{
        let dir = a.path().join("in/qde");
        std::fs::create_dir_all(&dir).unwrap();
        let mut z = zip::ZipArchive::new(std::fs::File::open(&ea).unwrap()).unwrap();
        let mut qde = String::new();
        std::io::Read::read_to_string(&mut z.by_name("project.qde").unwrap(), &mut qde).unwrap();
        let out = dir.join("project.qde");
        std::fs::write(&out, qde).unwrap();
        out
    });
    // Into another project and out again: the same GUIDs.
    let b = TestProject::new();
    b.koda(&["import", ea.to_str().unwrap()]).ok();
    let eb = b.path().join("in/b.qdpx");
    std::fs::create_dir_all(eb.parent().unwrap()).unwrap();
    b.koda(&["export", "qdpx", "-o", eb.to_str().unwrap()]).ok();
    let notes = |g: &[(String, String)]| {
        g.iter()
            .filter(|(k, _)| k != "Note")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(notes(&guids(&eb)), notes(&from_a));
    assert_eq!(
        guids(&eb).iter().filter(|(k, _)| k == "Note").count(),
        from_a.iter().filter(|(k, _)| k == "Note").count()
    );
    // And back into the first: everything is already there.
    let v = a.koda(&["import", eb.to_str().unwrap(), "--json"]).json();
    let r = &v["imported"][0];
    assert_eq!(
        (
            r["documents"].as_u64(),
            r["codings"].as_u64(),
            r["memos"].as_u64()
        ),
        (Some(0), Some(0), Some(0)),
        "{r}"
    );
    assert_eq!(r["codings_known"], 4);
}

#[test]
fn bad_selections_are_refused_by_guid_or_repaired_and_said_so() {
    let qde = |start: i64, end: i64| {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="QualCoder 3.5">
  <CodeBook><Codes><Code guid="c1000000-0000-4000-8000-000000000001" name="Tillit" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="d1000000-0000-4000-8000-000000000001" name="Intervju 5">
    <PlainTextContent>{TEXT_2}</PlainTextContent>
    <PlainTextSelection guid="f1000000-0000-4000-8000-000000000001" startPosition="{start}" endPosition="{end}">
      <Coding guid="91000000-0000-4000-8000-000000000001"><CodeRef targetGUID="c1000000-0000-4000-8000-000000000001"/></Coding>
    </PlainTextSelection>
  </TextSource></Sources>
</Project>"#
        )
    };
    let (a, b) = span(TEXT_2, "faste møter med skolen");
    let len = TEXT_2.chars().count() as i64;
    let p = TestProject::new();
    for (s, e, why) in [
        (b as i64, a as i64, "its start after its end"),
        (a as i64, len + 40, "an end beyond the text"),
        (-3, b as i64, "a negative position"),
    ] {
        let f = put(&p, "bad.qdpx", &archive(&qde(s, e), &[]));
        p.fails_unchanged(
            &["import", f.to_str().unwrap()],
            &[
                "f1000000-0000-4000-8000-000000000001",
                "Intervju 5",
                why,
                "--repair-selections",
            ],
        );
    }
    let f = put(&p, "bad.qdpx", &archive(&qde(b as i64, a as i64), &[]));
    let run = p.koda(&["import", f.to_str().unwrap(), "--repair-selections"]);
    run.ok();
    assert!(
        run.stderr.contains(&format!("{b}..{a} became {a}..{b}")),
        "{}",
        run.stderr
    );
    let ex = p.koda(&["excerpts", "--json"]).json();
    assert_eq!(ex[0]["text"], "faste møter med skolen");
}

#[test]
fn entities_are_refused_never_expanded_or_kept_as_names() {
    let p = TestProject::new();
    let doctype = r#"<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY lol "lol"><!ENTITY lol9 "&lol;&lol;&lol;">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="x"><CodeBook><Codes><Code guid="c2000000-0000-4000-8000-000000000001" name="&lol9;" isCodable="true"/></Codes></CodeBook></Project>"#;
    let f = put(&p, "lol.qdpx", &archive(doctype, &[]));
    p.fails_unchanged(&["import", f.to_str().unwrap()], &["lol.qdpx", "DOCTYPE"]);
    let undeclared = r#"<?xml version="1.0"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="x"><CodeBook><Codes><Code guid="c2000000-0000-4000-8000-000000000001" name="&lol9;" isCodable="true"/></Codes></CodeBook></Project>"#;
    let f = put(&p, "lol2.qdpx", &archive(undeclared, &[]));
    p.fails_unchanged(&["import", f.to_str().unwrap()], &["lol2.qdpx", "entities"]);
    let f = put(&p, "lol.qdc", undeclared.as_bytes());
    p.fails_unchanged(
        &["codes", "import", f.to_str().unwrap()],
        &["lol.qdc", "entities"],
    );
}

#[test]
fn an_archive_that_unpacks_past_its_limit_is_refused_before_anything_is_written() {
    let p = TestProject::new();
    let qde = r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="bomb">
  <Sources><TextSource guid="d3000000-0000-4000-8000-000000000001" name="Stor" plainTextPath="internal://d3000000-0000-4000-8000-000000000001.txt"/></Sources>
</Project>"#;
    // 12 MiB of one letter pack into a few KiB.
    let big = vec![b'a'; 12 << 20];
    let bytes = archive(
        qde,
        &[("sources/d3000000-0000-4000-8000-000000000001.txt", big)],
    );
    assert!(bytes.len() < 200_000, "{}", bytes.len());
    let f = put(&p, "bomb.qdpx", &bytes);
    let err = p.fails_unchanged(
        &["import", f.to_str().unwrap(), "--max-unpacked", "8"],
        &["bomb.qdpx", "ZIP bomb", "--max-unpacked"],
    );
    assert!(err.contains("8 MiB"), "{err}");
}

#[test]
fn pdf_rich_text_and_transcript_sources_become_documents() {
    let pdf_text =
        "Leder: Vi har fått bedre rutiner for samarbeid.\nLeder: Men bemanningen er for lav.\n";
    let (pa, pb) = span(pdf_text, "bedre rutiner for samarbeid");
    let transcript = "Intervjuer: Fortell om overgangen.\nMor: Den var brå.\nIntervjuer: Hvorfor?\nMor: Ingen sa fra på forhånd.\n";
    let (ta, _) = span(transcript, "Mor: Den var brå");
    let (tb, _) = span(transcript, "Intervjuer: Hvorfor?");
    let (tc, _) = span(transcript, "Mor: Ingen sa fra");
    let (sa, sb) = span(transcript, "Den var brå");
    let docx = crate::util::docx(
        r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Far: Vi fikk hjelp til slutt.</w:t></w:r></w:p></w:body></w:document>"#,
        &[],
    );
    let (ra, rb) = span("Far: Vi fikk hjelp til slutt.", "fikk hjelp");
    let qde = format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="media" origin="ATLAS.ti 24">
  <CodeBook><Codes><Code guid="c4000000-0000-4000-8000-000000000001" name="Overgang" isCodable="true"/></Codes></CodeBook>
  <Sources>
    <PDFSource guid="d4000000-0000-4000-8000-000000000001" name="Rapport fra leder.pdf" path="internal://d4000000-0000-4000-8000-000000000001.pdf">
      <PDFSelection guid="f4000000-0000-4000-8000-000000000009" page="1" firstX="0" firstY="0" secondX="5" secondY="5">
        <Coding guid="94000000-0000-4000-8000-000000000009"><CodeRef targetGUID="c4000000-0000-4000-8000-000000000001"/></Coding>
      </PDFSelection>
      <Representation guid="d4000000-0000-4000-8000-000000000002" plainTextPath="internal://d4000000-0000-4000-8000-000000000002.txt">
        <PlainTextSelection guid="f4000000-0000-4000-8000-000000000001" startPosition="{pa}" endPosition="{pb}">
          <Coding guid="94000000-0000-4000-8000-000000000001"><CodeRef targetGUID="c4000000-0000-4000-8000-000000000001"/></Coding>
        </PlainTextSelection>
      </Representation>
    </PDFSource>
    <TextSource guid="d4000000-0000-4000-8000-000000000003" name="Far.docx" richTextPath="internal://d4000000-0000-4000-8000-000000000003.docx">
      <PlainTextSelection guid="f4000000-0000-4000-8000-000000000003" startPosition="{ra}" endPosition="{rb}">
        <Coding guid="94000000-0000-4000-8000-000000000003"><CodeRef targetGUID="c4000000-0000-4000-8000-000000000001"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <AudioSource guid="d4000000-0000-4000-8000-000000000004" name="Intervju mor" path="internal://d4000000-0000-4000-8000-000000000004.m4a">
      <Transcript guid="d4000000-0000-4000-8000-000000000005" name="Intervju mor">
        <PlainTextContent>{transcript}</PlainTextContent>
        <SyncPoint guid="84000000-0000-4000-8000-000000000001" position="0" timeStamp="0"/>
        <SyncPoint guid="84000000-0000-4000-8000-000000000002" position="{ta}" timeStamp="4200"/>
        <SyncPoint guid="84000000-0000-4000-8000-000000000003" position="{tb}" timeStamp="9100"/>
        <SyncPoint guid="84000000-0000-4000-8000-000000000004" position="{tc}" timeStamp="12750"/>
        <SyncPoint guid="84000000-0000-4000-8000-000000000005" position="{sa}" timeStamp="5000"/>
        <SyncPoint guid="84000000-0000-4000-8000-000000000006" position="{sb}" timeStamp="6100"/>
        <TranscriptSelection guid="f4000000-0000-4000-8000-000000000004" fromSyncPoint="84000000-0000-4000-8000-000000000005" toSyncPoint="84000000-0000-4000-8000-000000000006">
          <Coding guid="94000000-0000-4000-8000-000000000004"><CodeRef targetGUID="c4000000-0000-4000-8000-000000000001"/></Coding>
        </TranscriptSelection>
      </Transcript>
    </AudioSource>
  </Sources>
</Project>"##
    );
    let p = TestProject::new();
    let f = put(
        &p,
        "media.qdpx",
        &archive(
            &qde,
            &[
                (
                    "sources/d4000000-0000-4000-8000-000000000002.txt",
                    pdf_text.as_bytes().to_vec(),
                ),
                ("sources/d4000000-0000-4000-8000-000000000003.docx", docx),
                (
                    "sources/d4000000-0000-4000-8000-000000000001.pdf",
                    b"%PDF-1.4".to_vec(),
                ),
            ],
        ),
    );
    let v = p.koda(&["import", f.to_str().unwrap(), "--json"]).json();
    let r = &v["imported"][0];
    assert_eq!(r["documents"], 3, "{r}");
    assert_eq!(r["codings"], 3);
    assert!(
        r["dropped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["kind"] == "PDF area selections")
    );
    let pr = Project::open(p.path()).unwrap();
    let titles: Vec<&str> = pr.docs.values().map(|d| d.title.as_str()).collect();
    assert!(
        titles.contains(&"Rapport fra leder")
            && titles.contains(&"Far")
            && titles.contains(&"Intervju mor"),
        "{titles:?}"
    );
    let quotes: Vec<String> = pr
        .codings
        .values()
        .map(|c| {
            koda::model::text::slice_chars(&pr.text(&c.doc).unwrap(), c.start, c.end).to_string()
        })
        .collect();
    for q in ["bedre rutiner for samarbeid", "fikk hjelp", "Den var brå"] {
        assert!(quotes.iter().any(|x| x == q), "{q} in {quotes:?}");
    }
    let show = p.koda(&["show", "intervju-mor", "--json"]).json();
    let times: Vec<Option<u64>> = show["turns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["timestamp_ms"].as_u64())
        .collect();
    assert_eq!(times, vec![Some(0), Some(4200), Some(9100), Some(12750)]);
}

#[test]
fn exports_count_positions_the_way_the_reader_does_and_codebooks_fit_taguette() {
    let p = TestProject::new();
    let f = put(
        &p,
        "emoji.txt",
        "Forelder: Det var 😀 bra, og hun ringte tilbake.\n".as_bytes(),
    );
    p.koda(&["import", f.to_str().unwrap()]).ok();
    p.koda(&[
        "codes",
        "add",
        "tillit",
        "--description",
        "Tro på at noen følger opp",
    ])
    .ok();
    p.koda(&[
        "code",
        "emoji",
        "--code",
        "tillit",
        "--match",
        "hun ringte tilbake",
    ])
    .ok();
    let read_qde = |name: &str, extra: &[&str]| {
        let out = p.path().join("in").join(name);
        let mut args = vec!["export", "qdpx", "-o", out.to_str().unwrap()];
        args.extend(extra);
        p.koda(&args).ok();
        let mut z = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
        let mut qde = String::new();
        std::io::Read::read_to_string(&mut z.by_name("project.qde").unwrap(), &mut qde).unwrap();
        qde
    };
    let text = "Forelder: Det var 😀 bra, og hun ringte tilbake.";
    let b = text.find("hun").unwrap();
    let cp = text[..b].chars().count();
    let u16 = text[..b].encode_utf16().count();
    assert_eq!(u16, cp + 1);
    assert!(read_qde("a.qdpx", &[]).contains(&format!("startPosition=\"{cp}\"")));
    assert!(
        read_qde("b.qdpx", &["--positions", "utf16"]).contains(&format!("startPosition=\"{u16}\""))
    );
    let out = p.path().join("in/codebook.csv");
    p.koda(&[
        "export",
        "codebook",
        "--format",
        "csv",
        "--taguette",
        "--bom",
        "-o",
        out.to_str().unwrap(),
    ])
    .ok();
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with("\u{feff}path,description\n"), "{csv:?}");
    assert!(csv.contains("tillit,Tro på at noen følger opp"), "{csv}");
}

#[test]
fn sets_and_categories_are_made_and_undone_from_the_command_line() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "rammer"]).ok();
    p.koda(&["codes", "add", "rammer/tid"]).ok();
    p.koda(&["codes", "category", "rammer"]).ok();
    p.koda(&["code", "i", "--code", "rammer/tid", "--turn", "4"])
        .ok();
    p.koda(&["code", "i", "--code", "rammer", "--turn", "2"])
        .fails_with(&["is a category", "koda codes codable"]);
    p.koda(&[
        "codes",
        "relate",
        "rammer/tid",
        "rammer",
        "--label",
        "del av",
        "--direction",
        "associative",
    ])
    .ok();
    assert_eq!(
        p.koda(&["codes", "relations", "--json"]).json()[0]["direction"],
        "associative"
    );
    p.koda(&["sets", "add", "Bølge 2", "--description", "andre runde"])
        .ok();
    p.koda(&[
        "sets",
        "put",
        "Bølge 2",
        "--doc",
        "i",
        "--code",
        "rammer/tid",
    ])
    .ok();
    let ex = p
        .koda(&["excerpts", "--json", "--where", "set=bølge 2"])
        .json();
    assert_eq!(ex.as_array().unwrap().len(), 1);
    p.koda(&["excerpts", "--where", "set=ingen"])
        .fails_with(&["no set", "Bølge 2"]);
    p.koda(&["undo"]).ok();
    assert!(
        p.koda(&["sets", "--json"]).json()[0]["docs"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    p.koda(&["sets", "rm", "Bølge 2"]).ok();
    assert!(listed(&p, &["sets", "--json"]) == 0);
    p.koda(&["codes", "category", "rammer/tid"])
        .fails_with(&["1 codings of its own"]);
}

#[test]
fn a_merged_copy_brings_its_sets_and_relations_once() {
    let a = TestProject::with_interview();
    a.koda(&["codes", "add", "tillit"]).ok();
    a.koda(&["codes", "add", "timing"]).ok();
    let b = TestProject::empty();
    crate::crash_points::copy_dir(a.path(), b.path());
    let _ = std::fs::remove_dir_all(b.path().join(".koda"));
    let bo = |args: &[&str]| {
        let mut v = vec!["--coder", "bo"];
        v.extend_from_slice(args);
        b.koda(&v).ok();
    };
    bo(&["sets", "add", "Bølge 1", "--description", "første runde"]);
    bo(&["sets", "put", "Bølge 1", "--doc", "i", "--code", "tillit"]);
    bo(&[
        "codes",
        "relate",
        "tillit",
        "timing",
        "--label",
        "henger sammen med",
    ]);
    for _ in 0..2 {
        a.koda(&["merge", b.path().to_str().unwrap()]).ok();
        let sets = a.koda(&["sets", "--json"]).json();
        assert_eq!(sets.as_array().unwrap().len(), 1, "{sets}");
        assert_eq!(sets[0]["name"], "Bølge 1");
        assert_eq!(sets[0]["docs"][0], "i");
        assert_eq!(sets[0]["codes"][0], "tillit");
        let rel = a.koda(&["codes", "relations", "--json"]).json();
        assert_eq!(rel.as_array().unwrap().len(), 1, "{rel}");
        assert_eq!(rel[0]["label"], "henger sammen med");
    }
}

#[test]
fn what_belongs_to_a_source_koda_leaves_out_never_lands_on_another() {
    let text = "Mor: Vi fikk en fast kontakt.\n";
    let (a, b) = span(text, "en fast kontakt");
    let qde = format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="blandet" origin="MAXQDA 24">
  <CodeBook><Codes>
    <Code guid="c7000000-0000-4000-8000-000000000001" name="Kontinuitet" isCodable="true"/>
    <Code guid="c7000000-0000-4000-8000-000000000002" name="Skjema" isCodable="true"/>
  </Codes></CodeBook>
  <Variables><Variable guid="b7000000-0000-4000-8000-000000000001" name="bølge" typeOfVariable="Text"/></Variables>
  <Sources>
    <TextSource guid="d7000000-0000-4000-8000-000000000001" name="Mor">
      <PlainTextContent>{text}</PlainTextContent>
      <PlainTextSelection guid="f7000000-0000-4000-8000-000000000001" startPosition="{a}" endPosition="{b}">
        <Coding guid="97000000-0000-4000-8000-000000000001"><CodeRef targetGUID="c7000000-0000-4000-8000-000000000001"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <PDFSource guid="d7000000-0000-4000-8000-000000000002" name="Skjema.pdf" path="internal://d7000000-0000-4000-8000-000000000002.pdf">
      <Coding guid="97000000-0000-4000-8000-000000000002"><CodeRef targetGUID="c7000000-0000-4000-8000-000000000002"/></Coding>
      <VariableValue><VariableRef targetGUID="b7000000-0000-4000-8000-000000000001"/><TextValue>2</TextValue></VariableValue>
    </PDFSource>
    <AudioSource guid="d7000000-0000-4000-8000-000000000003" name="Opptak" path="internal://d7000000-0000-4000-8000-000000000003.m4a">
      <VariableValue><VariableRef targetGUID="b7000000-0000-4000-8000-000000000001"/><TextValue>3</TextValue></VariableValue>
    </AudioSource>
  </Sources>
</Project>"##
    );
    let p = TestProject::new();
    let f = put(&p, "blandet.qdpx", &archive(&qde, &[]));
    let v = p.koda(&["import", f.to_str().unwrap(), "--json"]).json();
    let kinds: Vec<&str> = v["imported"][0]["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    for k in [
        "PDF sources without a text representation",
        "audio sources without a transcript",
        "codings of what koda cannot hold",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let ex = p.koda(&["excerpts", "--json"]).json();
    assert_eq!(ex.as_array().unwrap().len(), 1);
    assert_eq!(
        ex[0]["code_path"], "Kontinuitet",
        "the PDF's code stays off the text"
    );
    let pr = Project::open(p.path()).unwrap();
    assert!(
        pr.docs.values().all(|d| d.metadata.is_empty()),
        "the recording's and the PDF's values stay off the text"
    );
}

#[test]
fn a_codebook_keeps_slashes_and_twin_names_and_says_what_it_changed() {
    let qdc = r#"<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0">
  <Codes>
    <Code guid="c8000000-0000-4000-8000-000000000001" name="Skole/barnehage" isCodable="true"/>
    <Code guid="c8000000-0000-4000-8000-000000000002" name="Tillit" isCodable="false">
      <Code guid="c8000000-0000-4000-8000-000000000003" name="Brutt" isCodable="true"/>
      <Code guid="c8000000-0000-4000-8000-000000000004" name="brutt" isCodable="true" description="Skrevet med liten forbokstav"/>
    </Code>
  </Codes>
</CodeBook>"#;
    let p = TestProject::new();
    let f = put(&p, "kodebok.qdc", qdc.as_bytes());
    let run = p.koda(&["codes", "import", f.to_str().unwrap()]);
    assert!(run.ok().starts_with("4 codes added"), "{}", run.stdout);
    assert!(run.stderr.contains("\"Skole∕barnehage\""), "{}", run.stderr);
    assert!(run.stderr.contains("\"brutt (2)\""), "{}", run.stderr);
    let codes = p.koda(&["codes", "--json"]).json();
    let by_path = |path: &str| {
        codes
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["path"] == path)
            .cloned()
            .unwrap_or_else(|| panic!("{path} in {codes}"))
    };
    assert_eq!(by_path("Tillit")["codable"], false);
    assert_eq!(
        by_path("Tillit/brutt (2)")["description"],
        "Skrevet med liten forbokstav"
    );
    by_path("Skole∕barnehage");
    // Importing it again finds every code by its GUID.
    let again = p
        .koda(&["codes", "import", f.to_str().unwrap()])
        .ok()
        .to_string();
    assert!(again.starts_with("0 codes added"), "{again}");
}

#[test]
fn strict_also_refuses_what_only_writing_finds_and_takes_the_writes_back() {
    let qde = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="tom" origin="QualCoder 3.6">
  <Sources>
    <TextSource guid="d9000000-0000-4000-8000-000000000001" name="Intervju 1"><PlainTextContent>{TEXT_2}</PlainTextContent></TextSource>
    <TextSource guid="d9000000-0000-4000-8000-000000000002" name="Tomt notat"><PlainTextContent>   </PlainTextContent></TextSource>
  </Sources>
</Project>"#
    );
    let p = TestProject::new();
    let f = put(&p, "tom.qdpx", &archive(&qde, &[]));
    p.fails_unchanged(
        &["import", f.to_str().unwrap(), "--strict"],
        &[
            "--strict",
            "sources without text (Tomt notat)",
            "nothing was imported",
        ],
    );
    let v = p.koda(&["import", f.to_str().unwrap(), "--json"]).json();
    assert_eq!(v["imported"][0]["documents"], 1);
}

#[test]
fn a_second_import_moves_and_renames_a_code_the_other_tool_changed() {
    let p = TestProject::new();
    let f = maxqda_file(&p);
    p.koda(&["import", f.to_str().unwrap()]).ok();
    let before = Project::open(p.path()).unwrap();
    let moved = maxqda_like().replace(
        "    </Code>\n    <Code guid=\"c0000000-0000-4000-8000-000000000004\" name=\"Tillit\" isCodable=\"true\"/>",
        "      <Code guid=\"c0000000-0000-4000-8000-000000000004\" name=\"Tillit til tjenestene\" isCodable=\"true\"/>\n    </Code>",
    );
    assert_ne!(moved, maxqda_like(), "the fixture was changed");
    let g = put(
        &p,
        "familie-v2.qdpx",
        &archive(
            &moved,
            &[(
                "Sources/d0000000-0000-4000-8000-000000000001.txt",
                TEXT_1.as_bytes().to_vec(),
            )],
        ),
    );
    let v = p.koda(&["import", g.to_str().unwrap(), "--json"]).json();
    assert_eq!(v["imported"][0]["codes"], 0);
    assert_eq!(v["imported"][0]["codes_updated"], 1);
    let after = Project::open(p.path()).unwrap();
    let id = &before.codebook.find("Tillit").unwrap().id;
    assert_eq!(after.codebook.path(id), "Tjenester/Tillit til tjenestene");
    assert_eq!(after.codings.len(), before.codings.len());
    assert_eq!(
        after.codings.values().filter(|c| &c.code == id).count(),
        before.codings.values().filter(|c| &c.code == id).count(),
        "its codings stay with it"
    );
}

#[test]
fn a_preview_says_what_the_import_would_leave_out_and_writes_nothing() {
    let p = TestProject::new();
    let f = maxqda_file(&p);
    let before = p.snapshot();
    let out = p
        .koda(&["import", "--preview", f.to_str().unwrap()])
        .ok()
        .to_string();
    assert!(
        out.contains("the import would leave out 1 graphs (Modell av tillit)"),
        "{out}"
    );
    assert!(
        out.contains("Intervju familie 3") || out.contains("turns"),
        "{out}"
    );
    assert!(p.snapshot() == before, "a preview writes nothing");
}
