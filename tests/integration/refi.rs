//! REFI-QDA: round trip, schema validation, vendor deviations, malformed files.

use crate::util::TestProject;
use koda::store::Project;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus-example")
}

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/refi-qda")
}

/// Validates a file against a REFI-QDA schema: always with koda's own schema check
/// ([`crate::xsd`]), and with xmllint too where it is installed (CI installs it).
pub(crate) fn validate(schema: &str, file: &Path) {
    let xsd = std::fs::read_to_string(shared().join(schema)).unwrap();
    let xml = std::fs::read_to_string(file).unwrap();
    let errors = crate::xsd::Schema::read(&xsd).validate(&xml);
    assert!(
        errors.is_empty(),
        "{} does not validate against {schema}:\n{}",
        file.display(),
        errors.join("\n")
    );
    if let Ok(o) = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(shared().join(schema))
        .arg(file)
        .output()
    {
        assert!(
            o.status.success(),
            "{} does not validate (xmllint):\n{}",
            file.display(),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// Codings as (document title, code path, coder, quoted words).
fn codings(dir: &Path) -> BTreeSet<(String, String, String, String)> {
    let p = Project::open(dir).unwrap();
    p.codings
        .values()
        .map(|c| {
            let t = p.text(&c.doc).unwrap();
            (
                p.docs[&c.doc].title.clone(),
                p.codebook.path(&c.code),
                c.coder.clone(),
                koda::model::text::slice_chars(&t, c.start, c.end).to_string(),
            )
        })
        .collect()
}

#[test]
fn export_validates_and_round_trips() {
    let out = tempfile::tempdir().unwrap();
    let qdpx = out.path().join("study.qdpx");
    let qdc = out.path().join("codebook.qdc");
    let src = TestProject {
        dir: tempfile::tempdir().unwrap(),
    };
    Command::new("cp")
        .arg("-r")
        .arg(format!("{}/.", example().display()))
        .arg(src.path())
        .status()
        .unwrap();
    src.koda(&["export", "qdpx", "-o", qdpx.to_str().unwrap()])
        .ok();
    src.koda(&["export", "qdc", "-o", qdc.to_str().unwrap()])
        .ok();
    // Schema validation of both.
    let f = std::fs::File::open(&qdpx).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut qde = Vec::new();
    std::io::Read::read_to_end(&mut z.by_name("project.qde").unwrap(), &mut qde).unwrap();
    let qde_path = out.path().join("project.qde");
    std::fs::write(&qde_path, &qde).unwrap();
    validate("Project-mrt2019.xsd", &qde_path);
    validate("Codebook-mrt2019.xsd", &qdc);
    // The check reaches into the project: a code without isCodable, or a selection after the
    // codings of its source, is refused.
    let xsd = std::fs::read_to_string(shared().join("Project-mrt2019.xsd")).unwrap();
    let schema = crate::xsd::Schema::read(&xsd);
    let qde_text = String::from_utf8(qde.clone()).unwrap();
    let broken = qde_text.replacen(" isCodable=\"true\"", "", 1);
    assert!(
        schema
            .validate(&broken)
            .iter()
            .any(|e| e.contains("required attribute isCodable")),
        "{:?}",
        schema.validate(&broken)
    );
    let broken = qde_text.replacen("<Sources>", "<Sources><Sets/>", 1);
    assert!(!schema.validate(&broken).is_empty());
    // Stable GUIDs.
    let again = out.path().join("again.qdpx");
    src.koda(&["export", "qdpx", "-o", again.to_str().unwrap()])
        .ok();
    let guids = |b: &[u8]| -> BTreeSet<String> {
        let s = String::from_utf8_lossy(b);
        s.split("guid=\"")
            .skip(1)
            .map(|x| x[..36].to_string())
            .collect()
    };
    let mut z2 = zip::ZipArchive::new(std::fs::File::open(&again).unwrap()).unwrap();
    let mut qde2 = Vec::new();
    std::io::Read::read_to_end(&mut z2.by_name("project.qde").unwrap(), &mut qde2).unwrap();
    assert_eq!(guids(&qde), guids(&qde2));
    // Import into a new project: the same codes, codings, memos, cases.
    let dst = TestProject::new();
    let r = dst
        .koda(&["import", qdpx.to_str().unwrap()])
        .ok()
        .to_string();
    assert!(
        r.contains("9 documents") && r.contains("53 codings") && r.contains("4 memos"),
        "{r}"
    );
    assert_eq!(codings(dst.path()), codings(&example()));
    let a = Project::open(&example()).unwrap();
    let b = Project::open(dst.path()).unwrap();
    let codes = |p: &Project| -> Vec<(String, String, Option<String>)> {
        p.codebook
            .walk()
            .iter()
            .map(|(c, _)| {
                (
                    p.codebook.path(&c.id),
                    c.description.clone(),
                    c.color.clone(),
                )
            })
            .collect()
    };
    assert_eq!(codes(&a), codes(&b));
    let memos =
        |p: &Project| -> BTreeSet<String> { p.memos.values().map(|m| m.text.clone()).collect() };
    assert_eq!(memos(&a), memos(&b));
    for (name, case) in &a.cases.cases {
        assert_eq!(&b.cases.cases[name].attributes, &case.attributes, "{name}");
    }
    // Importing the same file again brings no duplicate documents.
    let r = dst
        .koda(&["import", qdpx.to_str().unwrap()])
        .ok()
        .to_string();
    assert!(r.contains("0 documents (9 already here)"), "{r}");
    // The codebook alone.
    let cb = TestProject::new();
    let r = cb
        .koda(&["codes", "import", qdc.to_str().unwrap()])
        .ok()
        .to_string();
    assert!(r.starts_with("12 codes added"), "{r}");
}

pub(crate) fn make_qdpx(qde_name: &str, qde: &str, files: &[(&str, &str)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    w.start_file(qde_name, o).unwrap();
    w.write_all(qde.as_bytes()).unwrap();
    for (n, t) in files {
        w.start_file(*n, o).unwrap();
        w.write_all(t.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const RAW: &str = "Intervjuer: Hvordan gikk det? 😀\r\nForelder: Blåbær og tillit, sa hun 👍🏽 – ja.\r\nIntervjuer: Takk.\r\n";

fn utf16_pos(text: &str, needle: &str) -> (usize, usize) {
    let b = text.find(needle).unwrap();
    let a = text[..b].encode_utf16().count();
    (a, a + needle.encode_utf16().count())
}

fn crlf_pos(text: &str, needle: &str) -> (usize, usize) {
    let b = text.find(needle).unwrap();
    let count = |s: &str| s.chars().count() - s.matches("\r\n").count();
    (count(&text[..b]), count(&text[..b]) + count(needle))
}

#[test]
fn nvivo_style_utf16_positions_and_sources_folder() {
    let (a, b) = utf16_pos(RAW, "tillit, sa hun 👍🏽");
    let qde = format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="NVivo study" origin="NVivo 14">
  <Users><User guid="11111111-1111-1111-1111-111111111111" name="Kari Forsker"/></Users>
  <CodeBook><Codes>
    <Code guid="22222222-2222-2222-2222-222222222222" name="Tillit" isCodable="true" color="#FF0000">
      <Code guid="33333333-3333-3333-3333-333333333333" name="Personlig" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="44444444-4444-4444-4444-444444444444" name="Intervju A" plainTextPath="internal://44444444-4444-4444-4444-444444444444.txt">
      <PlainTextSelection guid="55555555-5555-5555-5555-555555555555" startPosition="{a}" endPosition="{b}" creatingUser="11111111-1111-1111-1111-111111111111">
        <Coding guid="66666666-6666-6666-6666-666666666666"><CodeRef targetGUID="33333333-3333-3333-3333-333333333333"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <PictureSource guid="77777777-7777-7777-7777-777777777777" name="Foto av tavla" path="internal://77777777-7777-7777-7777-777777777777.jpg"/>
  </Sources>
</Project>"##
    );
    let bytes = make_qdpx(
        "project.qde",
        &qde,
        &[("Sources/44444444-4444-4444-4444-444444444444.txt", RAW)],
    );
    let p = TestProject::new();
    let f = p.path().join("in.qdpx");
    std::fs::write(&f, bytes).unwrap();
    let run = p.koda(&["import", f.to_str().unwrap()]);
    let r = run.ok().to_string();
    assert!(
        r.contains("1 documents") && r.contains("1 codings") && r.contains("(from NVivo 14)"),
        "{r}"
    );
    assert!(
        run.stderr.contains("1 picture sources (Foto av tavla)"),
        "{}",
        run.stderr
    );
    let ex = p.koda(&["excerpts", "--json"]).json();
    assert_eq!(ex[0]["text"], "tillit, sa hun 👍🏽");
    assert_eq!(ex[0]["code_path"], "Tillit/Personlig");
    assert_eq!(ex[0]["coder"], "Kari-Forsker");
    let codes = p.koda(&["codes", "--json"]).json();
    assert_eq!(codes[0]["color"], "#ff0000");
}

#[test]
fn atlas_style_crlf_positions_prefix_namespace_and_memo_in_description() {
    let (a, b) = crlf_pos(RAW, "Takk.");
    let (c, d) = crlf_pos(RAW, "Blåbær og tillit");
    let qde = format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<qda:Project xmlns:qda="urn:QDA-XML:project:1.0" name="ATLAS study" origin="ATLAS.ti 23">
  <qda:CodeBook><qda:Codes>
    <qda:Code guid="A2222222-2222-2222-2222-222222222222" name="Høflighet" isCodable="true">
      <qda:Description>Politeness &amp; thanks</qda:Description>
    </qda:Code>
    <qda:Code guid="B2222222-2222-2222-2222-222222222222" name="Mat" isCodable="true"/>
  </qda:Codes></qda:CodeBook>
  <qda:Sources>
    <qda:TextSource guid="C4444444-4444-4444-4444-444444444444" name="Intervju B" plainTextPath="internal://C4444444-4444-4444-4444-444444444444.txt">
      <qda:PlainTextSelection guid="D5555555-5555-5555-5555-555555555555" startPosition="{a}" endPosition="{b}">
        <qda:Description>Memo: slutten er brå</qda:Description>
        <qda:Coding guid="E6666666-6666-6666-6666-666666666666"><qda:CodeRef targetGUID="A2222222-2222-2222-2222-222222222222"/></qda:Coding>
      </qda:PlainTextSelection>
      <qda:PlainTextSelection guid="F5555555-5555-5555-5555-555555555555" startPosition="{c}" endPosition="{d}">
        <qda:Coding guid="F6666666-6666-6666-6666-666666666666"><qda:CodeRef targetGUID="B2222222-2222-2222-2222-222222222222"/></qda:Coding>
      </qda:PlainTextSelection>
    </qda:TextSource>
  </qda:Sources>
</qda:Project>"##
    );
    let bytes = make_qdpx(
        "ATLAS study.qde",
        &qde,
        &[("sources/C4444444-4444-4444-4444-444444444444.txt", RAW)],
    );
    let p = TestProject::new();
    let f = p.path().join("atlas.qdpx");
    std::fs::write(&f, bytes).unwrap();
    p.koda(&["import", f.to_str().unwrap()]).ok();
    let ex = p.koda(&["excerpts", "--json"]).json();
    let texts: Vec<(&str, &str)> = ex
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["code_path"].as_str().unwrap(),
                e["text"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        texts,
        vec![("Høflighet", "Takk."), ("Mat", "Blåbær og tillit")]
    );
    assert_eq!(ex[0]["memo"], "Memo: slutten er brå");
    let codes = p.koda(&["codes", "--json"]).json();
    assert_eq!(codes[0]["description"], "Politeness & thanks");
}

#[test]
fn maxqda_style_unnamed_cases_and_inline_text() {
    let text = "Moderator: Velkommen.\nDeltaker 1: Hei fra Tromsø.\nModerator: Takk.\n";
    let a = text.chars().position(|c| c == 'H').unwrap();
    let qde = format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="MAXQDA study" origin="MAXQDA 2022">
  <CodeBook><Codes><Code guid="12345678-1234-1234-1234-123456789012" name="Sted" isCodable="true"/></Codes></CodeBook>
  <Variables><Variable guid="aaaaaaaa-1234-1234-1234-123456789012" name="rolle" typeOfVariable="Text"/></Variables>
  <Cases>
    <Case guid="bbbbbbbb-1234-1234-1234-123456789012">
      <VariableValue><VariableRef targetGUID="aaaaaaaa-1234-1234-1234-123456789012"/><TextValue>deltaker</TextValue></VariableValue>
      <SourceRef targetGUID="cccccccc-1234-1234-1234-123456789012"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="cccccccc-1234-1234-1234-123456789012" name="Fokusgruppe">
      <PlainTextContent>{text}</PlainTextContent>
      <PlainTextSelection guid="dddddddd-1234-1234-1234-123456789012" startPosition="{a}" endPosition="{b}">
        <Coding guid="eeeeeeee-1234-1234-1234-123456789012"><CodeRef targetGUID="12345678-1234-1234-1234-123456789012"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"##,
        b = a + "Hei fra Tromsø".chars().count()
    );
    let bytes = make_qdpx("project.qde", &qde, &[]);
    let p = TestProject::new();
    let f = p.path().join("maxqda.qdpx");
    std::fs::write(&f, bytes).unwrap();
    p.koda(&["import", f.to_str().unwrap()]).ok();
    let ex = p.koda(&["excerpts", "--json", "--no-subcodes"]).json();
    assert_eq!(ex[0]["text"], "Hei fra Tromsø");
    assert_eq!(ex[0]["case"], "case-1", "a case without a name gets one");
    let cases = p.koda(&["cases", "--json"]).json();
    assert_eq!(cases[0]["attributes"]["rolle"], "deltaker");
}

#[test]
fn malformed_and_truncated_files_change_nothing() {
    let p = TestProject::new();
    let before = p.snapshot();
    let zipped = make_qdpx(
        "project.qde",
        "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"x\"><Sources><TextSource guid=\"g\" name=\"a\">",
        &[],
    );
    let f = p.path().join("in/trunc.qdpx");
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    std::fs::write(&f, &zipped).unwrap();
    let err = p.koda(&["import", f.to_str().unwrap()]).fails().to_string();
    assert!(
        err.contains("trunc.qdpx") && err.contains("truncated"),
        "{err}"
    );
    std::fs::write(&f, &zipped[..zipped.len() / 2]).unwrap();
    let err = p.koda(&["import", f.to_str().unwrap()]).fails().to_string();
    assert!(err.contains("trunc.qdpx") && err.contains("ZIP"), "{err}");
    let missing = make_qdpx(
        "project.qde",
        "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"x\"><Sources><TextSource guid=\"g\" name=\"a\" plainTextPath=\"internal://g.txt\"/></Sources></Project>",
        &[],
    );
    std::fs::write(&f, missing).unwrap();
    let err = p.koda(&["import", f.to_str().unwrap()]).fails().to_string();
    assert!(
        err.contains("internal://g.txt") && err.contains("not in the archive"),
        "{err}"
    );
    assert_eq!(p.snapshot(), before, "nothing was written");
}

#[test]
fn qualcoder_style_sources_are_titled_by_their_file_names() {
    // QualCoder names a text source by the file it was made from, and keeps the text under
    // the source's GUID; a source without a name is titled by its first words, never a GUID.
    let qde = r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="qc-prosjekt" origin="QualCoder 3.6">
  <Users><User guid="a1a1a1a1-1111-4111-8111-111111111111" name="default"/></Users>
  <Sources>
    <TextSource guid="b2b2b2b2-2222-4222-8222-222222222222" name="Intervju_forelder_3.docx" richTextPath="internal://b2b2b2b2-2222-4222-8222-222222222222.docx" plainTextPath="internal://b2b2b2b2-2222-4222-8222-222222222222.txt" creatingUser="a1a1a1a1-1111-4111-8111-111111111111"/>
    <TextSource guid="c3c3c3c3-3333-4333-8333-333333333333" plainTextPath="internal://c3c3c3c3-3333-4333-8333-333333333333.txt"/>
  </Sources>
</Project>"##;
    let bytes = make_qdpx(
        "project.qde",
        qde,
        &[
            (
                "sources/b2b2b2b2-2222-4222-8222-222222222222.txt",
                "Intervjuer: Hvordan var det?\nForelder: Godt.\n",
            ),
            (
                "sources/c3c3c3c3-3333-4333-8333-333333333333.txt",
                "Notat fra hjemmebesøk hos familien i mars.\n",
            ),
        ],
    );
    let p = TestProject::new();
    let f = p.path().join("qc.qdpx");
    std::fs::write(&f, bytes).unwrap();
    p.koda(&["import", f.to_str().unwrap()]).ok();
    let docs = p.koda(&["docs", "--json"]).json();
    let mut titles: Vec<String> = docs
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["title"].as_str().unwrap().to_string())
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            "Intervju_forelder_3",
            "Notat fra hjemmebesøk hos familien i mars."
        ]
    );
}
