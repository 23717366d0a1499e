//! Forced crash points: every writing command, stopped dead at each of its durable steps in
//! turn (before and after every temp file, rename, folder sync, journal append and undo-log
//! step), leaves the project as it was before the command or as the command leaves it when it
//! runs to the end, never in another state; and running the command again after the crash
//! gives what running it once gives (no lost memo, no doubled coding).
//!
//! The oracle is the same command run to the end on a copy of the same project. States are
//! compared as a researcher sees them: documents and their turns, codebook, cases, codings,
//! memos, the name register, the coders, the undo history and what a reader is told (damaged
//! journal lines, a register that stops exports), leaving out ids and times that are fresh on
//! every run. A repairing command starts from a copy of the project with what it repairs.

use crate::util::{INTERVIEW, TestProject, koda_cmd};
use koda::store::Project;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;

/// What the project holds, as a researcher reads it; the same text for the same project state.
fn state(root: &Path) -> String {
    read_state(root).unwrap_or_else(|e| panic!("{e}"))
}

/// [`state`], or "refused" where koda refuses to read the project.
fn state_or_refused(root: &Path) -> String {
    read_state(root).unwrap_or_else(|_| "refused".into())
}

/// [`state`], or what koda refused to read.
pub(crate) fn read_state(root: &Path) -> Result<String, String> {
    let p = Project::open(root).map_err(|e| format!("the project does not open: {e}"))?;
    let mut out = String::new();
    for d in p.documents() {
        let turns: Vec<_> = p
            .turns(&d.id)
            .map_err(|e| e.to_string())?
            .iter()
            .map(|t| (t.number, t.speaker.clone(), t.start, t.end, t.timestamp_ms))
            .collect();
        writeln!(
            out,
            "doc {} {:?} {:?} case={:?} rev={} chars={} sha={} speakers={:?} cases={:?} meta={:?} turns={turns:?}",
            d.id,
            d.title,
            d.kind,
            d.case,
            d.revision,
            d.chars,
            d.text_sha256,
            d.speakers,
            d.speaker_cases,
            d.metadata
        )
        .unwrap();
        let text = p.text(&d.id).map_err(|e| e.to_string())?;
        assert_eq!(
            koda::model::text::sha256_hex(text.as_bytes()),
            d.text_sha256,
            "the text of {} is not the text its metadata names",
            d.id
        );
    }
    for c in &p.codebook.codes {
        writeln!(
            out,
            "code {} {:?} {:?} codable={} guid={:?}",
            p.codebook.path(&c.id),
            c.description,
            c.color,
            c.codable,
            c.guid
        )
        .unwrap();
    }
    for s in koda::ops::sets::list(&p) {
        writeln!(
            out,
            "set {:?} {:?} {:?} {:?}",
            s.name, s.description, s.codes, s.docs
        )
        .unwrap();
    }
    for r in p.codebook.live_relations() {
        writeln!(
            out,
            "relation {} {:?} {} {:?} {:?}",
            p.codebook.path(&r.from),
            r.direction,
            p.codebook.path(&r.to),
            r.label,
            r.memo
        )
        .unwrap();
    }
    // A case's linked passages by place (a coding's id is new each time it is made).
    let mut cases = p.cases.clone();
    for c in cases.cases.values_mut() {
        for id in &mut c.codings {
            *id = p
                .codings
                .get(id.as_str())
                .map(|x| format!("{} {}..{}", x.doc, x.start, x.end))
                .unwrap_or_else(|| "a gone coding".into());
        }
    }
    writeln!(out, "cases {cases:?}").unwrap();
    writeln!(out, "report {:?}", p.config.report).unwrap();
    let mut codings: Vec<String> = p
        .codings
        .values()
        .map(|c| {
            format!(
                "coding {} {}..{} {} by {} memo={:?} stale={} run={}",
                c.doc,
                c.start,
                c.end,
                p.codebook.path(&c.code),
                c.coder,
                c.memo,
                c.stale,
                c.batch.is_some()
            )
        })
        .collect();
    codings.sort();
    let mut memos: Vec<String> = p
        .memos
        .values()
        .map(|m| {
            let target = match &m.target {
                koda::model::MemoTarget::Coding(id) => p
                    .codings
                    .get(id)
                    .map(|c| format!("coding {} {}..{}", c.doc, c.start, c.end))
                    .unwrap_or_else(|| "a gone coding".into()),
                koda::model::MemoTarget::Code(id) => format!("code {}", p.codebook.path(id)),
                t => format!("{t:?}"),
            };
            format!("memo on {target} by {}: {:?}", m.coder, m.text)
        })
        .collect();
    memos.sort();
    // Pins in their order, named by the coding's place (ids change when a coding comes back).
    for pin in p.pinned() {
        let c = &p.codings[&pin.coding];
        memos.push(format!(
            "pin {} {}..{} {} form={:?}",
            c.doc,
            c.start,
            c.end,
            p.codebook.path(&c.code),
            pin.form
        ));
    }
    for line in codings.iter().chain(&memos) {
        writeln!(out, "{line}").unwrap();
    }
    let names: Vec<_> = p
        .names
        .names
        .iter()
        .map(|n| serde_json::to_value(n).unwrap())
        .map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                o.retain(|k, _| k != "added" && k != "at");
            }
            v
        })
        .collect();
    writeln!(
        out,
        "names {names:?} {:?} {:?}",
        p.names.speakers, p.names.cases
    )
    .unwrap();
    writeln!(out, "coders {:?}", p.config.coders).unwrap();
    // What a reader is told: damaged journal lines, and whether exports are stopped.
    use koda::store::project::WarningAbout;
    let told = |about: WarningAbout| p.warnings.iter().filter(|w| w.about == about).count();
    writeln!(
        out,
        "journal warnings {}, register problems {}",
        told(WarningAbout::Journal),
        told(WarningAbout::Register)
    )
    .unwrap();
    for coder in &p.config.coders {
        let h = root.join(format!(".koda/history/{coder}.json"));
        if let Ok(text) = std::fs::read_to_string(&h) {
            let v: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", h.display()))?;
            let labels = |k: &str| -> Vec<String> {
                v[k].as_array()
                    .map(|a| {
                        a.iter()
                            .map(|e| e["label"].as_str().unwrap_or("").to_string())
                            .collect()
                    })
                    .unwrap_or_default()
            };
            writeln!(
                out,
                "history {coder} undo={:?} redo={:?}",
                labels("undo"),
                labels("redo")
            )
            .unwrap();
        }
    }
    Ok(out)
}

/// Copies a folder whole (the project's private `.koda/` with its undo history included).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let t = to.join(p.file_name().unwrap());
        let m = std::fs::symlink_metadata(&p).unwrap();
        if m.is_dir() {
            copy_dir(&p, &t);
        } else if m.is_file() {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

/// Runs koda on the project at `root`; `args` may end in `<` and a file, which is then its
/// standard input, as a shell would give it.
fn run(root: &Path, args: &[String], crash_at: Option<usize>, trace: bool) -> Output {
    let mut c = koda_cmd();
    let (args, input) = match args {
        [head @ .., lt, file] if lt == "<" => (head, Some(file)),
        _ => (args, None),
    };
    c.arg("-p").arg(root).args(args).current_dir(root);
    if let Some(f) = input {
        c.stdin(std::fs::File::open(f).unwrap());
    }
    with_crash(&mut c, crash_at, trace).output().unwrap()
}

/// Sets koda's crash controls: stop dead at the `crash_at`-th durable step, or list the steps.
fn with_crash(
    c: &mut std::process::Command,
    crash_at: Option<usize>,
    trace: bool,
) -> &mut std::process::Command {
    c.env_remove("KODA_CRASH_AT").env_remove("KODA_CRASH_TRACE");
    if let Some(k) = crash_at {
        c.env("KODA_CRASH_AT", k.to_string());
    }
    if trace {
        c.env("KODA_CRASH_TRACE", "1");
    }
    c
}

/// The project every scenario starts from, and the files its commands read.
struct Base {
    project: TestProject,
    /// Another copy of the project with a second coder's work, for `merge`.
    other: TestProject,
    /// A REFI-QDA project exported by another koda project, for `import`.
    qdpx: PathBuf,
    _keep: tempfile::TempDir,
}

fn docx_with_comments() -> Vec<u8> {
    let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    let doc = format!(
        r#"<w:document {w}><w:body><w:p><w:r><w:t>Intervjuer: Hvordan har høsten vært?</w:t></w:r></w:p><w:p><w:r><w:t>Koordinator: Travel. Vi fikk tre nye familier i september.</w:t></w:r></w:p></w:body></w:document>"#
    );
    let comments = format!(
        r#"<w:comments {w}><w:comment w:id="1"><w:p><w:r><w:t>Uklart opptak her.</w:t></w:r></w:p></w:comment><w:comment w:id="2"><w:p><w:r><w:t>Sjekk tallet mot rapporten.</w:t></w:r></w:p></w:comment></w:comments>"#
    );
    crate::util::docx(&doc, &[("word/comments.xml", &comments)])
}

/// A REFI-QDA project with a category, a set, a relation with a note, a case with a
/// description and a linked passage, and a note reached only through a link.
fn rich_qdpx() -> Vec<u8> {
    let text = "Intervjuer: Hva skjedde etter flyttingen?\nMor: Vi måtte forklare alt på nytt.\n";
    let a = text[..text.find("Vi måtte").unwrap()].chars().count();
    let b = a + "Vi måtte forklare alt på nytt".chars().count();
    let qde = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="rik" origin="MAXQDA 24">
  <CodeBook><Codes>
    <Code guid="c5000000-0000-4000-8000-000000000001" name="Overganger" isCodable="false">
      <Code guid="c5000000-0000-4000-8000-000000000002" name="Flytting" isCodable="true"/>
    </Code>
    <Code guid="c5000000-0000-4000-8000-000000000003" name="Gjentakelse" isCodable="true"/>
  </Codes></CodeBook>
  <Cases><Case guid="e5000000-0000-4000-8000-000000000001" name="F7"><Description>Flyttet fra Bodø</Description>
    <SourceRef targetGUID="d5000000-0000-4000-8000-000000000001"/><SelectionRef targetGUID="f5000000-0000-4000-8000-000000000001"/></Case></Cases>
  <Sources><TextSource guid="d5000000-0000-4000-8000-000000000001" name="Flytteintervju">
    <PlainTextContent>{text}</PlainTextContent>
    <PlainTextSelection guid="f5000000-0000-4000-8000-000000000001" startPosition="{a}" endPosition="{b}">
      <Coding guid="95000000-0000-4000-8000-000000000001"><CodeRef targetGUID="c5000000-0000-4000-8000-000000000002"/></Coding>
      <Coding guid="95000000-0000-4000-8000-000000000002"><CodeRef targetGUID="c5000000-0000-4000-8000-000000000003"/></Coding>
    </PlainTextSelection>
  </TextSource></Sources>
  <Notes>
    <Note guid="75000000-0000-4000-8000-000000000001"><PlainTextContent>Flytting gir gjentakelse.</PlainTextContent></Note>
    <Note guid="75000000-0000-4000-8000-000000000002"><PlainTextContent>Se også bølge 2.</PlainTextContent></Note>
  </Notes>
  <Links>
    <Link guid="65000000-0000-4000-8000-000000000001" name="fører til" direction="OneWay" originGUID="c5000000-0000-4000-8000-000000000002" targetGUID="c5000000-0000-4000-8000-000000000003"><NoteRef targetGUID="75000000-0000-4000-8000-000000000001"/></Link>
    <Link guid="65000000-0000-4000-8000-000000000002" originGUID="c5000000-0000-4000-8000-000000000003" targetGUID="75000000-0000-4000-8000-000000000002"/>
  </Links>
  <Sets><Set guid="55000000-0000-4000-8000-000000000001" name="Rapport"><MemberCode targetGUID="c5000000-0000-4000-8000-000000000003"/><MemberSource targetGUID="d5000000-0000-4000-8000-000000000001"/></Set></Sets>
</Project>"#
    );
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("project.qde", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut w, qde.as_bytes()).unwrap();
    w.finish().unwrap().into_inner()
}

fn base() -> Base {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "trust/personal"]).ok();
    p.koda(&["codes", "add", "timing"]).ok();
    p.koda(&["codes", "add", "waiting"]).ok();
    p.koda(&["code", "i", "--code", "timing", "--turn", "4"])
        .ok();
    p.koda(&["code", "i", "--code", "trust/personal", "--turn", "2"])
        .ok();
    p.koda(&["memo", "add", "Første møte er viktig.", "--doc", "i"])
        .ok();
    let pinned = p
        .koda(&["excerpts", "--code", "trust/personal", "--json"])
        .json()[0]["coding"]
        .as_str()
        .unwrap()
        .to_string();
    p.koda(&["excerpts", "pin", &pinned]).ok();
    p.koda(&["cases", "set", "F1", "role=parent"]).ok();
    p.koda(&["names", "add", "Ola Hansen", "--as", "(navn lærer)"])
        .ok();
    // A change taken back, for `redo` to bring again.
    p.koda(&["codes", "add", "kladd"]).ok();
    p.koda(&["undo"]).ok();
    p.write(
        "notat.txt",
        "Feltnotat: familien venter fortsatt på svar fra NAV.\n",
    );
    p.write(
        "gruppe.txt",
        "Intervjuer: Hva betyr tillit for dere?\nDeltaker 1: At noen ringer tilbake.\nDeltaker 2: At de husker hvem vi er.\n",
    );
    std::fs::write(p.path().join("in/koordinator.docx"), docx_with_comments()).unwrap();
    p.write(
        "cases.csv",
        "case,role,site\nF1,parent,Bergen\nK1,coordinator,Tromsø\n",
    );
    p.write(
        "rettet.txt",
        &INTERVIEW.replace("Og NAV?", "Og hva med NAV?"),
    );
    p.write(
        "batch.jsonl",
        "{\"op\":\"code\",\"doc\":\"i\",\"code\":\"waiting\",\"turn\":4,\"memo\":\"Venter igjen.\"}\n",
    );
    std::fs::write(p.path().join("in/rik.qdpx"), rich_qdpx()).unwrap();
    std::fs::create_dir_all(p.path().join("in/mappe")).unwrap();
    p.write(
        "mappe/runde-1.txt",
        "Intervjuer: Hvordan gikk oppstarten?\nKoordinator: Tregt, men det løsnet i oktober.\nIntervjuer: Hva løsnet?\nKoordinator: Folk begynte å ringe oss.\n",
    );
    p.write(
        "mappe/runde-2.txt",
        "Feltnotat fra foreldremøtet. Stor oppslutning, mange spørsmål om ventetid.\n",
    );

    let keep = tempfile::tempdir().unwrap();
    let other = TestProject::empty();
    copy_dir(p.path(), other.path());
    let _ = std::fs::remove_dir_all(other.path().join(".koda"));
    let bo = |args: &[&str]| {
        let mut a = vec!["--coder", "bo"];
        a.extend_from_slice(args);
        other.koda(&a).ok();
    };
    bo(&["codes", "add", "roles"]);
    bo(&["code", "i", "--code", "roles", "--turn", "3"]);
    bo(&[
        "memo",
        "add",
        "Bo: spørsmålet om NAV er ledende.",
        "--doc",
        "i",
    ]);
    bo(&[
        "import",
        other.path().join("in/notat.txt").to_str().unwrap(),
        "--case",
        "F2",
    ]);

    let src = TestProject::new();
    let f = src.write(
        "skole.txt",
        "Intervjuer: Hvordan samarbeider dere med skolen?\nLærer: Vi møtes hver måned.\nIntervjuer: Hvem tar kontakt?\nLærer: Som regel jeg.\n",
    );
    src.koda(&["import", f.to_str().unwrap()]).ok();
    src.koda(&["codes", "add", "samarbeid"]).ok();
    src.koda(&["code", "skole", "--code", "samarbeid", "--turn", "2"])
        .ok();
    let qdpx = keep.path().join("skole.qdpx");
    src.koda(&["export", "qdpx", "-o", qdpx.to_str().unwrap()])
        .ok();
    Base {
        project: p,
        other,
        qdpx,
        _keep: keep,
    }
}

/// The writing commands the harness stops, each as its arguments.
/// A writing command: what it does, and its arguments.
type Scenario = (&'static str, Vec<String>);

fn scenarios(b: &Base) -> Vec<Scenario> {
    let memos = b.project.koda(&["memos", "--json"]).json();
    let memo = memos[0]["id"].as_str().unwrap().to_string();
    let p = Project::open(b.project.path()).unwrap();
    let timing = p
        .codings
        .values()
        .find(|c| p.codebook.path(&c.code) == "timing")
        .unwrap()
        .id
        .clone();
    let pinned = p.pinned()[0].coding.clone();
    let inp = |f: &str| b.project.path().join("in").join(f).display().to_string();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let mut out = vec![
        ("pin an excerpt", s(&["excerpts", "pin", &timing])),
        (
            "trim a quote for the report",
            s(&[
                "excerpts",
                "trim",
                &pinned,
                "--form",
                "Hvordan var (...) møtet?",
            ]),
        ),
        ("unpin an excerpt", s(&["excerpts", "unpin", &pinned])),
        (
            "report settings",
            s(&[
                "settings",
                "--report-lang",
                "nn",
                "--attribution",
                "{role}, {type} {number}",
            ]),
        ),
        ("remove a pinned coding", s(&["uncode", &pinned])),
        (
            "code a turn",
            s(&["code", "i", "--code", "waiting", "--turn", "2"]),
        ),
        (
            "code every match",
            s(&[
                "code", "i", "--code", "waiting", "--match", "venter", "--all",
            ]),
        ),
        (
            "a new coder's first coding",
            s(&[
                "--coder", "cato", "code", "i", "--code", "timing", "--turn", "2",
            ]),
        ),
        ("uncode", s(&["uncode", "--doc", "i", "--code", "timing"])),
        (
            "memo",
            s(&["memo", "add", "Ny tanke om ventetid.", "--doc", "i"]),
        ),
        (
            "edit a memo",
            s(&["memo", "edit", &memo, "Første møte var avgjørende."]),
        ),
        ("remove a memo", s(&["memo", "rm", &memo])),
        ("add a code", s(&["codes", "add", "roles/school"])),
        ("move a code", s(&["codes", "move", "timing", "trust"])),
        (
            "describe a code",
            s(&["codes", "describe", "timing", "Når hjelpen kom."]),
        ),
        ("colour a code", s(&["codes", "color", "timing", "#aa3300"])),
        (
            "codes from REFI-QDA",
            s(&["codes", "import", &b.qdpx.display().to_string()]),
        ),
        ("unset an attribute", s(&["cases", "unset", "F1", "role"])),
        ("import a folder", s(&["import", &inp("mappe")])),
        ("rename a code", s(&["codes", "rename", "timing", "tid"])),
        ("merge codes", s(&["codes", "merge", "timing", "waiting"])),
        (
            "delete a code in use",
            s(&["codes", "rm", "timing", "--force"]),
        ),
        ("set attributes", s(&["cases", "set", "F1", "site=Bergen"])),
        ("import cases", s(&["cases", "import", &inp("cases.csv")])),
        ("map speakers", s(&["speakers", "i", "Forelder=F1"])),
        ("undo", s(&["undo"])),
        ("names", s(&["names", "add", "Kari Nordmann"])),
        (
            "import with a case",
            s(&[
                "import",
                &inp("notat.txt"),
                "--case",
                "F3",
                "--attr",
                "role=parent",
            ]),
        ),
        (
            "import a Word file with comments",
            s(&["import", &inp("koordinator.docx")]),
        ),
        (
            "import two files",
            s(&["import", &inp("notat.txt"), &inp("gruppe.txt")]),
        ),
        (
            "import REFI-QDA",
            s(&["import", &b.qdpx.display().to_string()]),
        ),
        (
            "import REFI-QDA with sets, relations and case links",
            s(&["import", &inp("rik.qdpx")]),
        ),
        ("make a set", s(&["sets", "add", "Bølge 1"])),
        ("make a category", s(&["codes", "category", "trust"])),
        (
            "relate codes",
            s(&[
                "codes",
                "relate",
                "timing",
                "waiting",
                "--label",
                "fører til",
            ]),
        ),
        (
            "correct a text",
            s(&["edit", "i", "--from", &inp("rettet.txt")]),
        ),
        ("resegment", s(&["resegment", "i", "--no-speakers"])),
        ("remove a document", s(&["docs", "rm", "i", "--yes"])),
        (
            "replace a document's text",
            s(&["docs", "replace", "i", &inp("rettet.txt")]),
        ),
        (
            "rename a document",
            s(&["docs", "rename", "i", "Foreldreintervju 1"]),
        ),
        (
            "refile a document",
            s(&[
                "docs",
                "set",
                "i",
                "--type",
                "field-note",
                "--case",
                "F9",
                "--meta",
                "wave=2",
            ]),
        ),
        ("redo", s(&["redo"])),
        (
            "confirm a flagged coding",
            s(&["codings", "confirm", &timing]),
        ),
        ("repair a damaged journal", s(&["doctor", "--repair"])),
        ("accept a hand-edited codebook", s(&["doctor", "--accept"])),
        ("seal a hand-edited register", s(&["names", "accept"])),
        ("remove a name", s(&["names", "rm", "Ola Hansen"])),
        (
            "a speaker's pseudonym",
            s(&["names", "speaker", "Forelder", "--as", "Forelder A"]),
        ),
        (
            "a case's pseudonym",
            s(&["names", "case", "F1", "--as", "Familie 1"]),
        ),
        ("a batch line", s(&["batch", "<", &inp("batch.jsonl")])),
        ("autocode", s(&["autocode", "--code", "waiting", "venter"])),
        (
            "merge a copy",
            s(&["merge", &b.other.path().display().to_string()]),
        ),
    ];
    out.retain(|(_, a)| !a.is_empty());
    out
}

/// The crash points a command passes, from a traced run to the end.
fn points(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("koda-crash-point "))
        .map(str::to_string)
        .collect()
}

struct Outcome {
    points: usize,
    old: usize,
    new: usize,
}

/// Puts a copy of the base project in the state a repairing command is for: the change made
/// outside koda that `doctor --repair`, `doctor --accept` or `names accept` takes care of.
fn prepare(name: &str, dir: &Path) {
    let edit = |rel: &str, from: &str, to: &str| {
        let f = dir.join(rel);
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(text.contains(from), "{rel}: {text}");
        std::fs::write(&f, text.replacen(from, to, 1)).unwrap();
    };
    match name {
        // One journal line changed after it was written: its checksum no longer holds.
        "repair a damaged journal" => edit("journal/anna.jsonl", "\"start\":", "\"start\": "),
        // A description written by hand into the codebook: refused until accepted.
        "accept a hand-edited codebook" => edit(
            "codebook.json",
            "\"name\": \"timing\"",
            "\"name\": \"timing\",\n      \"description\": \"Når hjelpen kom\"",
        ),
        // A name added to the register by hand: exports stop until it is sealed.
        "seal a hand-edited register" => edit(
            "names.json",
            "\"names\": [",
            "\"names\": [\n    {\"name\": \"Per Olsen\", \"replacement\": \"(navn)\", \"category\": \"person\"},",
        ),
        // A correction of the coded words flags the coding of "Og NAV?" for a look.
        "confirm a flagged coding" => {
            let rettet = dir.join("in/rettet.txt").display().to_string();
            let o = run(
                dir,
                &["edit".into(), "i".into(), "--from".into(), rettet],
                None,
                false,
            );
            let said = String::from_utf8_lossy(&o.stdout).into_owned();
            assert!(o.status.success() && said.contains("1 flagged"), "{said}");
        }
        _ => {}
    }
}

fn stop_at_every_point(b: &Base, name: &str, args: &[String], work: &Path) -> Outcome {
    let start = work.join("start");
    copy_dir(b.project.path(), &start);
    prepare(name, &start);
    let before = state_or_refused(&start);
    let oracle_dir = work.join("oracle");
    copy_dir(&start, &oracle_dir);
    let traced = run(&oracle_dir, args, None, true);
    assert!(
        traced.status.success(),
        "{name}: koda {args:?} fails on its own: {}",
        String::from_utf8_lossy(&traced.stderr)
    );
    let after = state(&oracle_dir);
    assert_ne!(before, after, "{name}: the command changes nothing");
    let list = points(&traced);
    assert!(list.len() >= 3, "{name}: only {} crash points", list.len());
    let mut outcome = Outcome {
        points: list.len(),
        old: 0,
        new: 0,
    };
    for k in 1..=list.len() {
        let dir = work.join(format!("k{k}"));
        copy_dir(&start, &dir);
        let o = run(&dir, args, Some(k), false);
        let stopped = o.status.code() == Some(86);
        assert!(
            stopped || o.status.success(),
            "{name}: stopped at point {k} ({}) it failed instead: {}",
            list[k - 1],
            String::from_utf8_lossy(&o.stderr)
        );
        let now = state_or_refused(&dir);
        if now == after {
            outcome.new += 1;
        } else if now == before {
            outcome.old += 1;
            // Running it again finishes the change, exactly once.
            let again = run(&dir, args, None, false);
            assert!(
                again.status.success(),
                "{name}: after a stop at point {k} ({}), running it again fails: {}",
                list[k - 1],
                String::from_utf8_lossy(&again.stderr)
            );
            assert_eq!(
                state(&dir),
                after,
                "{name}: after a stop at point {k} ({}), running it again gives another state",
                list[k - 1]
            );
        } else {
            let lines = |t: &str| t.lines().map(str::to_string).collect::<Vec<_>>();
            let (b, a, n) = (lines(&before), lines(&after), lines(&now));
            let odd: Vec<&String> = n
                .iter()
                .filter(|l| !b.contains(l) && !a.contains(l))
                .collect();
            let missing_old: Vec<&String> = b.iter().filter(|l| !n.contains(l)).collect();
            let missing_new: Vec<&String> = a.iter().filter(|l| !n.contains(l)).collect();
            panic!(
                "{name}: stopped at point {k} ({}), the project is in neither state.\nin neither: {odd:#?}\nof the old state, lacks: {missing_old:#?}\nof the new state, lacks: {missing_new:#?}",
                list[k - 1]
            );
        }
        // Every later command works on it: the search index mends itself too.
        if k % 4 == 0 {
            let s = run(&dir, &["search".into(), "venter".into()], None, false);
            assert!(
                s.status.success(),
                "{name}: search after a stop at point {k}: {}",
                String::from_utf8_lossy(&s.stderr)
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    outcome
}

#[test]
fn every_writing_command_stopped_at_every_durable_step_leaves_old_or_new_state() {
    let b = base();
    let list = scenarios(&b);
    let work = tempfile::tempdir().unwrap();
    let results: Vec<(String, Outcome)> = std::thread::scope(|scope| {
        let chunks: Vec<Vec<(usize, &Scenario)>> = {
            let threads = 4;
            let mut c = vec![Vec::new(); threads];
            for (i, sc) in list.iter().enumerate() {
                c[i % threads].push((i, sc));
            }
            c
        };
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let b = &b;
                let work = work.path();
                scope.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|(i, (name, args))| {
                            let dir = work.join(format!("s{i}"));
                            (name.to_string(), stop_at_every_point(b, name, args, &dir))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let total: usize = results.iter().map(|(_, o)| o.points).sum();
    let mut report = String::new();
    for (name, o) in &results {
        writeln!(
            report,
            "{name}: {} points, {} old, {} new",
            o.points, o.old, o.new
        )
        .unwrap();
        assert_eq!(o.old + o.new, o.points);
    }
    eprintln!("{report}total: {total} forced crash points");
    assert!(
        total >= 500,
        "only {total} forced crash points over the writing commands:\n{report}"
    );
}

#[test]
fn init_stopped_at_every_durable_step_leaves_no_project_or_a_whole_one() {
    let work = tempfile::tempdir().unwrap();
    let init = |dir: &Path, crash_at: Option<usize>, trace: bool| {
        let mut c = koda_cmd();
        c.args(["init", "--coder", "anna"]).arg(dir);
        with_crash(&mut c, crash_at, trace).output().unwrap()
    };
    let oracle = work.path().join("oracle");
    let traced = init(&oracle, None, true);
    assert!(traced.status.success());
    let after = state(&oracle);
    let list = points(&traced);
    assert!(list.len() >= 6, "{list:?}");
    for k in 1..=list.len() {
        let dir = work.path().join(format!("k{k}"));
        let o = init(&dir, Some(k), false);
        assert!(
            o.status.code() == Some(86) || o.status.success(),
            "init stopped at point {k} ({}) failed instead: {}",
            list[k - 1],
            String::from_utf8_lossy(&o.stderr)
        );
        // Not yet a project (no koda.json), or the whole one.
        let whole = dir.join("koda.json").is_file();
        if whole {
            assert_eq!(state(&dir), after, "stopped at point {k} ({})", list[k - 1]);
        }
        let again = init(&dir, None, false);
        let err = String::from_utf8_lossy(&again.stderr).into_owned();
        if whole {
            // Already the whole project: init again says so.
            assert!(err.contains("already a koda project"), "{err}");
        } else {
            // Not yet one: init again makes it.
            assert!(
                again.status.success(),
                "after a stop at point {k} ({}), init again fails: {err}",
                list[k - 1]
            );
        }
        assert_eq!(
            state(&dir),
            after,
            "after a stop at point {k} ({})",
            list[k - 1]
        );
    }
}
