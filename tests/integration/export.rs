//! Exports and stats on a small fixture project whose counts are known by hand.

use crate::util::TestProject;

const F1: &str = "Intervjuer: Hvordan var det?\nForelder: Hun ringte tilbake samme dag. Det betydde alt for meg.\nIntervjuer: Og NAV?\nForelder: Der venter vi fortsatt, og det er tungt.\n";
const K1: &str = "Intervjuer: Hva gjør du?\nKoordinator: Jeg lover lite og holder alt. Det bygger tillit.\nIntervjuer: Og ventetid?\nKoordinator: Ventetid er den største fienden.\n";

/// Two cases (a parent in wave 1, a coordinator in wave 2), codes trust/personal and timing,
/// five codings and memos.
/// Two coded interviews in a Norwegian project whose reports are written in English.
fn fixture() -> TestProject {
    let p = TestProject::new();
    p.koda(&["settings", "--report-lang", "en"]).ok();
    let a = p.write("forelder.txt", F1);
    let b = p.write("koordinator.txt", K1);
    p.koda(&[
        "import",
        a.to_str().unwrap(),
        "--title",
        "Foreldreintervju 1",
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
        "--title",
        "Koordinatorintervju 1",
        "--case",
        "K1",
        "--attr",
        "role=coordinator",
        "--meta",
        "wave=2",
    ])
    .ok();
    p.koda(&[
        "codes",
        "add",
        "trust/personal",
        "-d",
        "Trust in the coordinator.",
        "--color",
        "blue",
    ])
    .ok();
    p.koda(&["codes", "add", "timing", "-d", "Waiting and timing."])
        .ok();
    p.koda(&[
        "code",
        "foreldreintervju-1",
        "--code",
        "trust/personal",
        "--match",
        "ringte tilbake samme dag",
        "--memo",
        "Key quote.",
    ])
    .ok();
    p.koda(&[
        "code",
        "foreldreintervju-1",
        "--code",
        "timing",
        "--match",
        "Der venter vi fortsatt",
    ])
    .ok();
    p.koda(&[
        "code",
        "foreldreintervju-1",
        "--code",
        "timing",
        "--turn",
        "2",
    ])
    .ok();
    p.koda(&[
        "code",
        "koordinatorintervju-1",
        "--code",
        "trust/personal",
        "--match",
        "Jeg lover lite og holder alt.",
    ])
    .ok();
    p.koda(&[
        "code",
        "koordinatorintervju-1",
        "--code",
        "timing",
        "--match",
        "Ventetid er den største fienden.",
    ])
    .ok();
    p.koda(&["memo", "add", "Trust is personal first.", "--code", "trust"])
        .ok();
    p
}

#[test]
fn summary_markdown_golden() {
    let p = fixture();
    let md = p
        .koda(&["export", "summary", "-o", "-", "--by", "role", "--memos"])
        .ok()
        .to_string();
    let expected = "# Theme summary: Test study

## trust

2 excerpts in 2 documents from 2 cases.

| role | excerpts | cases |
| --- | ---: | ---: |
| coordinator | 1 | 1 |
| parent | 1 | 1 |

**Memo:** Trust is personal first.

### trust/personal

*Trust in the coordinator.*

2 excerpts in 2 documents from 2 cases.

| role | excerpts | cases |
| --- | ---: | ---: |
| coordinator | 1 | 1 |
| parent | 1 | 1 |

> «(...) ringte tilbake samme dag (...)» (parent, Foreldreintervju 1, turn 2, wave 1)
>
> *Memo: Key quote.*

> «Jeg lover lite og holder alt.» (coordinator, Koordinatorintervju 1, turn 2, wave 2)

## timing

*Waiting and timing.*

3 excerpts in 2 documents from 2 cases.

| role | excerpts | cases |
| --- | ---: | ---: |
| coordinator | 1 | 1 |
| parent | 2 | 1 |

> «Hun ringte tilbake samme dag. Det betydde alt for meg.» (parent, Foreldreintervju 1, turn 2, wave 1)

> «Der venter vi fortsatt (...)» (parent, Foreldreintervju 1, turn 4, wave 1)

> «Ventetid er den største fienden.» (coordinator, Koordinatorintervju 1, turn 4, wave 2)
";
    assert_eq!(md, expected);
}

#[test]
fn summary_options_html_json_and_docx() {
    let p = fixture();
    let one = p
        .koda(&[
            "export",
            "summary",
            "-o",
            "-",
            "--code",
            "timing",
            "--max-quotes",
            "1",
            "--order",
            "length",
        ])
        .ok()
        .to_string();
    assert!(
        one.contains("«Hun ringte tilbake samme dag. Det betydde alt for meg.»"),
        "{one}"
    );
    assert!(
        one.contains("*2 more excerpts not shown.*") && !one.contains("trust"),
        "{one}"
    );
    let ctx = p
        .koda(&[
            "export",
            "summary",
            "-o",
            "-",
            "--code",
            "trust",
            "--context",
            "sentence",
        ])
        .ok()
        .to_string();
    assert!(
        ctx.contains("«Hun ringte tilbake samme dag.» (parent"),
        "{ctx}"
    );
    let turn = p
        .koda(&[
            "export",
            "summary",
            "-o",
            "-",
            "--code",
            "trust",
            "--context",
            "turn",
        ])
        .ok()
        .to_string();
    assert!(
        turn.contains("«Hun ringte tilbake samme dag. Det betydde alt for meg.»"),
        "{turn}"
    );
    let r1 = p
        .koda(&[
            "export", "summary", "-o", "-", "--order", "random", "--seed", "7",
        ])
        .ok()
        .to_string();
    let r2 = p
        .koda(&[
            "export", "summary", "-o", "-", "--order", "random", "--seed", "7",
        ])
        .ok()
        .to_string();
    assert_eq!(r1, r2, "the same seed gives the same order");

    p.koda(&["export", "summary", "-o", "summary.html"]).ok();
    let html = std::fs::read_to_string(p.path().join("summary.html")).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>")
            && html.contains(
                "<h3><span class=\"swatch\" style=\"background:#4575b4\"></span>trust/personal</h3>"
            ),
        "{html}"
    );
    assert!(html.contains("<blockquote><p>«Jeg lover lite og holder alt.»</p><p class=\"attr\">(coordinator, Koordinatorintervju 1, turn 2, wave 2)</p></blockquote>"));

    p.koda(&["export", "summary", "-o", "summary.json"]).ok();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(v["themes"][1]["code"], "trust/personal");
    assert_eq!(
        v["themes"][1]["quotes"][1]["text"],
        "Jeg lover lite og holder alt."
    );
    assert_eq!(v["themes"][2]["excerpts"], 3);

    p.koda(&["export", "summary", "-o", "summary.docx"]).ok();
    let f = std::fs::File::open(p.path().join("summary.docx")).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
    assert!(
        xml.contains("Jeg lover lite og holder alt.") && xml.contains("Heading3"),
        "docx holds the quotes and headings"
    );
}

#[test]
fn excerpt_table_reads_back_as_csv_and_json() {
    let p = fixture();
    p.koda(&["export", "excerpts", "-o", "excerpts.csv", "--bom"])
        .ok();
    let bytes = std::fs::read(p.path().join("excerpts.csv")).unwrap();
    assert!(bytes.starts_with(b"\xef\xbb\xbf"), "BOM for Excel");
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        header,
        [
            "code_path",
            "level_1",
            "level_2",
            "doc",
            "doc_title",
            "doc_type",
            "turn",
            "turn_end",
            "line",
            "line_end",
            "speaker",
            "case",
            "role",
            "wave",
            "start",
            "end",
            "text",
            "coder",
            "memo",
            "created",
            "coding"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    let first = &rows[0];
    assert_eq!(&first[0], "trust/personal");
    assert_eq!((&first[1], &first[2]), ("trust", "personal"));
    assert_eq!(&first[4], "Foreldreintervju 1");
    assert_eq!(&first[8], "2", "line for citing");
    assert_eq!(&first[10], "Forelder");
    assert_eq!((&first[12], &first[13]), ("parent", "1"));
    assert_eq!(&first[16], "ringte tilbake samme dag");
    assert_eq!(&first[18], "Key quote.");

    let v = p
        .koda(&[
            "export", "excerpts", "-o", "-", "--format", "json", "--code", "timing",
        ])
        .json();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(v[0]["level_1"], "timing");
    assert_eq!(v[2]["role"], "coordinator");
    let md = p
        .koda(&["export", "excerpts", "-o", "-", "--format", "md"])
        .ok()
        .to_string();
    assert!(
        md.contains("| code_path | level_1 |")
            && md.contains("| trust/personal | trust | personal |"),
        "{md}"
    );
    let html = p
        .koda(&["export", "excerpts", "-o", "-", "--format", "html"])
        .ok()
        .to_string();
    assert!(html.contains("<td>ringte tilbake samme dag</td>"));
}

#[test]
fn matrix_memos_and_codebook() {
    let p = fixture();
    let csv_text = p.koda(&["export", "matrix", "-o", "-"]).ok().to_string();
    // Cases show by pseudonym (role and number) unless --no-pseudonymise.
    assert_eq!(
        csv_text,
        "case,role,trust,trust/personal,timing\nParent 1,parent,0,1,2\nCoordinator 1,coordinator,0,1,1\n"
    );
    let real = p
        .koda(&["export", "matrix", "-o", "-", "--no-pseudonymise"])
        .ok()
        .to_string();
    assert_eq!(
        real,
        "case,role,trust,trust/personal,timing\nF1,parent,0,1,2\nK1,coordinator,0,1,1\n"
    );
    let presence = p
        .koda(&["export", "matrix", "-o", "-", "--presence"])
        .ok()
        .to_string();
    assert_eq!(presence.lines().nth(1), Some("Parent 1,parent,0,1,1"));
    let memos = p.koda(&["export", "memos", "-o", "-"]).ok().to_string();
    assert!(
        memos.contains("## code trust\n\nTrust is personal first."),
        "{memos}"
    );
    let memos_csv = p
        .koda(&["export", "memos", "-o", "-", "--format", "csv"])
        .ok()
        .to_string();
    assert!(memos_csv.starts_with("memo,attached_to,about,coder,at,text\n"));
    let cb = p.koda(&["export", "codebook", "-o", "-"]).ok().to_string();
    assert!(
        cb.contains("  - **personal** (2 codings, 2 with sub-codes): Trust in the coordinator."),
        "{cb}"
    );
    let cbj = p
        .koda(&["export", "codebook", "-o", "-", "--format", "json"])
        .json();
    assert_eq!(cbj[2]["path"], "timing");
    assert_eq!(cbj[2]["codings"], 3);
}

#[test]
fn stats_counted_by_hand() {
    let p = fixture();
    let f = p
        .koda(&["stats", "frequencies", "--by", "wave", "--json"])
        .json();
    // trust rolls up trust/personal: one excerpt in each wave.
    assert_eq!(f[0]["code"], "trust");
    assert_eq!(
        (
            f[0]["excerpts"].as_u64(),
            f[0]["documents"].as_u64(),
            f[0]["cases"].as_u64()
        ),
        (Some(2), Some(2), Some(2))
    );
    assert_eq!(f[2]["by"]["1"]["excerpts"], 2);
    assert_eq!(f[2]["by"]["1"]["cases"], 1);
    assert_eq!(f[2]["by"]["2"]["excerpts"], 1);
    let c = p.koda(&["stats", "cooccurrence", "--json"]).json();
    // trust/personal and timing overlap once (turn 2 of the parent) and share that turn; their
    // turn sets are {F1#2, K1#2} and {F1#2, F1#4, K1#4}: Jaccard 1/4.
    let pair = c
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["a"] == "trust/personal" && x["b"] == "timing")
        .unwrap();
    assert_eq!(pair["overlaps"], 1);
    assert_eq!(pair["shared_turns"], 1);
    assert!((pair["jaccard"].as_f64().unwrap() - 0.25).abs() < 1e-9);
    let m = p
        .koda(&[
            "stats", "matrix", "--cols", "role", "--count", "cases", "--csv",
        ])
        .ok()
        .to_string();
    assert_eq!(
        m,
        "code,role=coordinator,role=parent\ntrust,1,1\ntrust/personal,1,1\ntiming,1,1\n"
    );
    let table = p.koda(&["stats", "frequencies"]).ok().to_string();
    assert!(
        table.starts_with(
            "code            excerpts  documents  cases\ntrust           2         2          2"
        ),
        "{table}"
    );
    p.koda(&["stats", "frequencies", "--by", "rolle"])
        .fails_with(&["no attribute \"rolle\""]);
}

#[test]
fn failed_exports_leave_nothing_behind() {
    let p = fixture();
    p.koda(&["export", "summary", "-o", "no/such/folder/s.md"])
        .fails_with(&["does not exist"]);
    p.koda(&["export", "summary", "-o", "s.md"]).ok();
    let before = std::fs::read(p.path().join("s.md")).unwrap();
    p.koda(&["export", "codebook", "-o", "s.md"])
        .fails_with(&["--force"]);
    assert_eq!(std::fs::read(p.path().join("s.md")).unwrap(), before);
    p.koda(&["export", "summary", "-o", "s.csv"])
        .fails_with(&["cannot be exported as csv"]);
    p.koda(&["export", "summary", "-o", "s.txt"])
        .fails_with(&["give --format"]);
    // A read-only folder: the write fails and leaves no temp file.
    let ro = p.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let mut perm = std::fs::metadata(&ro).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o555);
    std::fs::set_permissions(&ro, perm).unwrap();
    let r = p.koda(&["export", "summary", "-o", "ro/s.md"]);
    if r.code == 1 {
        assert_eq!(
            std::fs::read_dir(&ro).unwrap().count(),
            0,
            "nothing left in the folder"
        );
    } else {
        // Running as root ignores the mode; the export then simply worked.
        assert!(ro.join("s.md").exists());
    }
}

#[test]
fn the_html_report_is_one_self_contained_file() {
    let p = fixture();
    p.koda(&["export", "report", "-o", "report.html"]).ok();
    let html = std::fs::read_to_string(p.path().join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for part in [
        "<nav><h2>Contents</h2>",
        "<h2 id=\"frequencies\">",
        "aria-label=\"Excerpts per code, sub-codes included.\"",
        "aria-label=\"Codes that occur together\"",
        "<h2 id=\"matrix\">Codes by role</h2>",
        "<h2 id=\"themes\">Theme summary</h2>",
        "«Jeg lover lite og holder alt.»",
        // trust/personal's bar in its own colour, timing in the default grey.
        "fill=\"#4575b4\"",
        "<title>trust/personal + timing: Jaccard 0.25, 1 shared turns</title>",
    ] {
        assert!(html.contains(part), "missing {part}");
    }
    // Opens offline: no external resources.
    for external in ["http://", "https://", "<script", "<link"] {
        let hits: Vec<&str> = html.matches(external).collect();
        let allowed = if external == "http://" {
            html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
        } else {
            0
        };
        assert_eq!(hits.len(), allowed, "{external} in the report");
    }
    p.koda(&["export", "report", "-o", "r.md"])
        .fails_with(&["cannot be exported as md"]);
}

#[test]
fn cooccurrence_counts_each_overlapping_pair_once_and_not_codings_that_only_touch() {
    let p = TestProject::with_interview();
    p.koda(&["codes", "add", "venting"]).ok();
    p.koda(&["codes", "add", "tillit"]).ok();
    // "Der venter vi fortsatt. Vi venter og venter.": three codings of venting, one per word.
    p.koda(&[
        "code", "i", "--code", "venting", "--match", "venter", "--all",
    ])
    .ok();
    for words in ["Der venter vi", "og venter", "fortsatt. Vi", "Hun kom"] {
        p.koda(&["code", "i", "--code", "tillit", "--match", words])
            .ok();
    }
    let c = p.koda(&["stats", "cooccurrence", "--json"]).json();
    let pair = c
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["a"] == "venting" && x["b"] == "tillit")
        .unwrap_or_else(|| panic!("{c}"));
    // The first and the last "venter" lie inside a coding of tillit; the middle one starts
    // after "fortsatt. Vi" ends.
    assert_eq!(pair["overlaps"], 2, "{pair}");
    // venting is on turn 4 only, tillit on turns 2 and 4.
    assert_eq!(pair["shared_turns"], 1, "{pair}");
    assert!(
        (pair["jaccard"].as_f64().unwrap() - 0.5).abs() < 1e-9,
        "{pair}"
    );
}
