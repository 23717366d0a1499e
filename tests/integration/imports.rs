//! Importing every format researchers have: subtitles, Word, surveys, legacy encodings, folders.

use crate::util::TestProject;

#[test]
fn subtitles_become_timed_speaker_turns() {
    let p = TestProject::new();
    let vtt = p.write(
        "teams.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Intervjuer>Hvordan gikk det?\n\n00:00:02.500 --> 00:00:04.000\n<v Forelder>Det gikk <i>fint</i>.\n\n00:00:04.100 --> 00:00:06.000\n<v Forelder>Veldig fint.\n",
    );
    let srt = p.write("zoom.srt", "1\n00:00:01,000 --> 00:00:02,000\nIntervjuer: Og NAV?\n\n2\n00:00:03.000 --> 00:00:04,500\nForelder: Der venter vi.\n");
    p.koda(&["import", vtt.to_str().unwrap(), srt.to_str().unwrap()])
        .ok();
    let show = p.koda(&["show", "teams", "--json"]).json();
    assert_eq!(show["turns"][1]["speaker"], "Forelder");
    assert_eq!(show["turns"][1]["text"], "Det gikk fint. Veldig fint.");
    assert_eq!(show["turns"][1]["timestamp_ms"], 2500);
    let show = p.koda(&["show", "zoom", "--json"]).json();
    assert_eq!(show["turns"][1]["text"], "Der venter vi.");
    assert_eq!(show["turns"][1]["timestamp_ms"], 3000);
    let bad = p.write("bad.srt", "1\n00:00:09,000 --> 00:00:02,000\nHei\n");
    let err = p
        .koda(&["import", bad.to_str().unwrap()])
        .fails()
        .to_string();
    assert!(err.contains("bad.srt") && err.contains("line 2"), "{err}");
}

#[test]
fn word_documents_with_labels_tables_and_notes() {
    let p = TestProject::new();
    let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    let doc = format!(
        r#"<w:document {w}><w:body><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Intervjuer:</w:t></w:r><w:r><w:t xml:space="preserve"> Hvordan var møtet?</w:t></w:r></w:p><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Forelder</w:t></w:r><w:r><w:t xml:space="preserve"> Det var godt. 😀</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>Bydel</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Nord</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Intervjuer:</w:t></w:r><w:r><w:t xml:space="preserve"> Takk.</w:t></w:r></w:p></w:body></w:document>"#
    );
    let comments = format!(
        r#"<w:comments {w}><w:comment w:id="1"><w:p><w:r><w:t>Sjekk lydfila her.</w:t></w:r></w:p></w:comment></w:comments>"#
    );
    let bytes = crate::util::docx(&doc, &[("word/comments.xml", &comments)]);
    let f = p.path().join("in/intervju.docx");
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    std::fs::write(&f, bytes).unwrap();
    p.koda(&["import", f.to_str().unwrap()]).ok();
    let show = p.koda(&["show", "intervju", "--json"]).json();
    let speakers: Vec<&str> = show["turns"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["speaker"].as_str())
        .collect();
    assert_eq!(speakers, vec!["Intervjuer", "Forelder", "Intervjuer"]);
    assert_eq!(show["turns"][1]["text"], "Det var godt. 😀\n\nBydel | Nord");
    let memos = p.koda(&["memos", "--json"]).json();
    assert_eq!(memos[0]["text"], "Comment: Sjekk lydfila her.");
}

#[test]
fn a_survey_of_280_respondents_in_one_command() {
    let p = TestProject::new();
    let mut csv = String::from("respondent,role,site,\"What helped most?\"\n");
    for i in 1..=280 {
        let site = if i % 2 == 0 { "Oslo" } else { "Bergen" };
        csv.push_str(&format!(
            "R{i},parent,{site},\"Svar nummer {i}: koordinatoren, og at noen ringte tilbake.\"\n"
        ));
    }
    let f = p.write("survey.csv", &csv);
    let r = p.koda(&[
        "import",
        f.to_str().unwrap(),
        "--text-column",
        "What helped most?",
    ]);
    r.ok();
    assert!(
        r.stderr.is_empty() || !r.stderr.contains("failed"),
        "{}",
        r.stderr
    );
    let docs = p.koda(&["docs", "--json"]).json();
    assert_eq!(docs.as_array().unwrap().len(), 280);
    assert_eq!(docs[279]["case"], "R280");
    let cases = p.koda(&["cases", "--json"]).json();
    let r2 = cases
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "R2")
        .unwrap();
    assert_eq!(r2["attributes"]["site"], "Oslo");
    assert_eq!(r2["attributes"]["role"], "parent");
    let hits = p
        .koda(&["search", "site:bergen ringte", "--count"])
        .ok()
        .to_string();
    assert_eq!(hits.trim(), "140 turns in 140 documents match");
}

#[test]
fn legacy_encodings_and_a_folder_with_a_summary() {
    let p = TestProject::new();
    let dir = p.path().join("in/materiale");
    std::fs::create_dir_all(dir.join("bølge 2")).unwrap();
    std::fs::write(dir.join("latin1.txt"), b"Intervjuer: Hvordan g\xe5r det?\nForelder: Bra, s\xe6rlig med \xf8konomien.\nIntervjuer: Takk.\n").unwrap();
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(
            "Intervjuer: Blåbær?\r\nForelder: Ja.\r\nIntervjuer: Fint.\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    std::fs::write(dir.join("bølge 2/utf16.txt"), utf16).unwrap();
    std::fs::write(
        dir.join("bølge 2/notes.md"),
        "Feltnotat: møtet startet sent.\n",
    )
    .unwrap();
    std::fs::write(dir.join("bølge 2/bilde.jpg"), b"\xff\xd8").unwrap();
    let r = p.koda(&["import", dir.to_str().unwrap()]);
    r.ok();
    assert!(
        r.stderr
            .contains("3 imported, 0 skipped as duplicates, 0 failed"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("latin1.txt: not UTF-8"), "{}", r.stderr);
    let show = p.koda(&["show", "latin1", "--json"]).json();
    assert!(
        show["text"]
            .as_str()
            .unwrap()
            .contains("Bra, særlig med økonomien.")
    );
    let show = p.koda(&["show", "utf16", "--json"]).json();
    assert_eq!(show["turns"][0]["text"], "Blåbær?");
}

#[test]
fn cases_from_a_spreadsheet_and_attributes_removed() {
    let p = TestProject::new();
    let f = p.write(
        "cases.csv",
        "case,role,site,wave\nF01,parent,Oslo,1\nK01,coordinator,Bergen,2\n",
    );
    let out = p
        .koda(&["cases", "import", f.to_str().unwrap()])
        .ok()
        .to_string();
    assert_eq!(out.trim(), format!("2 cases read from {}", f.display()));
    let cases = p.koda(&["cases", "--json"]).json();
    assert_eq!(cases[1]["attributes"]["site"], "Bergen");
    p.koda(&["cases", "unset", "K01", "wave"]).ok();
    let cases = p.koda(&["cases", "--json"]).json();
    assert!(cases[1]["attributes"].get("wave").is_none());
    p.koda(&["cases", "unset", "K01", "nope"])
        .fails_with(&["no attribute \"nope\""]);
    p.koda(&["undo"]).ok();
    assert_eq!(
        p.koda(&["cases", "--json"]).json()[1]["attributes"]["wave"],
        "2"
    );
}

#[test]
fn speakers_map_to_cases_and_their_turns_carry_the_case() {
    let p = TestProject::new();
    let fg = p.write(
        "fokusgruppe-1.txt",
        "Moderator: Hva betyr koordinatoren for dere?\nForelder 2: Hun ringer tilbake. Jeg stoler på henne.\nForelder 3: For oss tok det lang tid.\nKoordinator: Vi prøver å svare samme dag.\n",
    );
    let map = p.write(
        "talere.csv",
        "file,speaker,case,role,site\nfokusgruppe-1,forelder 3,P03,parent,Bergen\n,Koordinator,K01,coordinator,Bergen\n,Finnes ikke,X9,parent,\n",
    );
    let run = p.koda(&[
        "import",
        fg.to_str().unwrap(),
        "--case",
        "FG1",
        "--speaker",
        "Forelder 2=P02",
        "--speakers",
        map.to_str().unwrap(),
    ]);
    let stdout = run.ok();
    assert!(
        stdout.contains("Forelder 2 (case P02)") && stdout.contains("Forelder 3 (case P03)"),
        "{stdout}"
    );
    assert!(
        run.stderr.contains("\"Finnes ikke\" was not found"),
        "{}",
        run.stderr
    );
    p.koda(&["attr", "set", "P02", "role=parent", "site=Bergen"])
        .ok();
    p.koda(&["attr", "set", "FG1", "role=group"]).ok();
    // The mapped speakers' cases exist with the file's attributes; the unknown one was not made.
    let cases = p.koda(&["cases", "--json"]).json();
    let names: Vec<&str> = cases
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["FG1", "K01", "P02", "P03"]);
    assert_eq!(cases[1]["attributes"]["role"], "coordinator");
    assert_eq!(cases[2]["documents"][0], "fokusgruppe-1");

    p.koda(&["codes", "add", "trust"]).ok();
    for turn in ["1", "2", "3", "4"] {
        p.koda(&["code", "fokusgruppe-1", "--turn", turn, "--code", "trust"])
            .ok();
    }
    let ex = p.koda(&["excerpts", "--code", "trust", "--json"]).json();
    let placed: Vec<(String, String)> = ex
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["case"].as_str().unwrap_or("-").to_string(),
                e["attributes"]["role"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    let want = [
        ("FG1", "group"),
        ("P02", "parent"),
        ("P03", "parent"),
        ("K01", "coordinator"),
    ];
    assert_eq!(
        placed,
        want.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    );
    let freq = p
        .koda(&["stats", "frequencies", "--by", "role", "--json"])
        .json();
    let by = &freq[0]["by"];
    assert_eq!(by["parent"]["excerpts"], 2, "{freq}");
    assert_eq!(by["parent"]["cases"], 2, "{freq}");
    assert_eq!(by["coordinator"]["excerpts"], 1, "{freq}");
    // Search filters by the speaker's case and attributes.
    let hits = p.koda(&["search", "role:parent", "--json"]).json();
    let turns: Vec<u64> = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["turn"].as_u64().unwrap())
        .collect();
    assert_eq!(turns, vec![2, 3], "{hits}");

    // Mapping after import, and removing a mapping.
    let err = p
        .koda(&["speakers", "fokusgruppe-1", "Forelder 9=P09"])
        .fails()
        .to_string();
    assert!(
        err.contains("no speaker \"Forelder 9\"") && err.contains("Forelder 2"),
        "{err}"
    );
    p.koda(&[
        "speakers",
        "fokusgruppe-1",
        "--unset",
        "forelder 2",
        "Moderator=M1",
    ])
    .ok();
    let sp = p.koda(&["speakers", "fokusgruppe-1", "--json"]).json();
    assert_eq!(sp[0]["speaker"], "Moderator");
    assert_eq!(sp[0]["case"], "M1");
    assert_eq!(
        sp[1]["case"], "FG1",
        "unmapped speakers fall back to the document's case"
    );
    let ex = p.koda(&["excerpts", "--code", "trust", "--json"]).json();
    assert_eq!(ex[0]["case"], "M1");
    assert_eq!(ex[1]["case"], "FG1");
    let hits = p.koda(&["search", "case:p02", "--json"]).json();
    assert_eq!(hits["hits"].as_array().unwrap().len(), 0, "{hits}");
}

/// A small PDF with one Helvetica text line per input line (WinAnsi encoding, so æøå work).
/// Empty pages stand for scanned pages: no text layer.
fn pdf_bytes(pages: &[&str]) -> Vec<u8> {
    let latin1 = |s: &str| -> Vec<u8> { s.chars().map(|c| c as u32 as u8).collect() };
    let mut objs: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            (0..pages.len())
                .map(|i| format!("{} 0 R", 4 + 2 * i))
                .collect::<Vec<_>>()
                .join(" "),
            pages.len()
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    ];
    for (i, page) in pages.iter().enumerate() {
        objs.push(format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>", 5 + 2 * i).into_bytes());
        let mut content = b"BT /F1 11 Tf 60 800 Td 14 TL\n".to_vec();
        for line in page.lines() {
            content.extend(b"(");
            content.extend(latin1(line));
            content.extend(b") Tj T*\n");
        }
        content.extend(b"ET");
        let mut o = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        o.extend(content);
        o.extend(b"\nendstream");
        objs.push(o);
    }
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).into_bytes());
        out.extend(o);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).into_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").into_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .into_bytes(),
    );
    out
}

#[test]
fn pdfs_are_read_page_by_page_and_scans_are_refused() {
    let p = TestProject::new();
    let dir = p.path().join("in");
    std::fs::create_dir_all(&dir).unwrap();
    let notes = dir.join("feltnotat-mote.pdf");
    std::fs::write(
        &notes,
        pdf_bytes(&[
            "Intervjuer: Hvordan var det med koordi-\nnatoren?\nForelder: Hun ringte tilbake.",
            "",
            "Forelder: Vi fikk hjelp med blåbærturen og søknaden.",
        ]),
    )
    .unwrap();
    let run = p.koda(&["import", notes.to_str().unwrap()]);
    run.ok();
    assert!(
        run.stderr.contains("page(s) 2 hold no text"),
        "{}",
        run.stderr
    );
    let show = p.koda(&["show", "feltnotat-mote", "--json"]).json();
    let turns: Vec<(String, String)> = show["turns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["speaker"].as_str().unwrap_or("").to_string(),
                t["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        turns,
        vec![
            (
                "Intervjuer".to_string(),
                "Hvordan var det med koordinatoren?".to_string()
            ),
            ("Forelder".to_string(), "Hun ringte tilbake.".to_string()),
            (
                "Forelder".to_string(),
                "Vi fikk hjelp med blåbærturen og søknaden.".to_string()
            ),
        ]
    );
    assert_eq!(show["origin"]["format"], "pdf");

    // A scan (pages without a text layer) is refused, and nothing is added.
    let scan = dir.join("skannet.pdf");
    std::fs::write(&scan, pdf_bytes(&["", ""])).unwrap();
    let before = p.snapshot();
    let err = p
        .koda(&["import", scan.to_str().unwrap()])
        .fails()
        .to_string();
    assert!(
        err.contains("skannet.pdf") && err.contains("no text layer") && err.contains("OCR"),
        "{err}"
    );
    // A truncated PDF names the file.
    let bytes = pdf_bytes(&["Forelder: Hei."]);
    let cut = dir.join("avkuttet.pdf");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = p
        .koda(&["import", cut.to_str().unwrap()])
        .fails()
        .to_string();
    assert!(err.contains("avkuttet.pdf") && err.contains("PDF"), "{err}");
    assert!(!err.contains("internal error"), "{err}");
    assert_eq!(before, p.snapshot(), "a failed import changed the project");
}

/// An evaluation survey as exported from a survey tool: respondent id, role, site, wave and two
/// open questions; several respondents gave the same short answer.
const SURVEY_WITH_REPEATS: &str =
    "respondent,role,site,wave,Hva har hjulpet mest?,Hva burde vært annerledes?
R01,forelder,Kristiansand,1,At koordinatoren ringte tilbake samme dag.,Vet ikke.
R02,forelder,Oslo,1,Vet ikke.,Kortere ventetid hos NAV.
R03,koordinator,Oslo,1,Faste møter med skolen.,Vet ikke.
R04,forelder,Kristiansand,2,Vet ikke.,Vet ikke.
R05,forelder,Oslo,2,,Mindre papirarbeid.
";

#[test]
fn survey_answers_that_repeat_are_each_their_respondents_document() {
    let p = TestProject::new();
    let f = p.write("evaluering-2026.csv", SURVEY_WITH_REPEATS);
    let out = p
        .koda(&[
            "import",
            f.to_str().unwrap(),
            "--text-column",
            "Hva har hjulpet mest?",
            "--text-column",
            "Hva burde vært annerledes?",
        ])
        .ok()
        .to_string();
    // Nine answers (R05 left the first question empty), four of them "Vet ikke.".
    assert_eq!(out.matches("imported ").count(), 9, "{out}");
    let docs = p.koda(&["docs", "--json"]).json();
    let docs = docs.as_array().unwrap();
    assert_eq!(docs.len(), 9);
    let by_case = |case: &str| -> Vec<String> {
        docs.iter()
            .filter(|d| d["case"] == case)
            .map(|d| {
                let shown = p
                    .koda(&["show", d["id"].as_str().unwrap(), "--json"])
                    .json();
                shown["turns"][0]["text"].as_str().unwrap().to_string()
            })
            .collect()
    };
    assert_eq!(
        by_case("R01"),
        vec!["At koordinatoren ringte tilbake samme dag.", "Vet ikke."]
    );
    assert_eq!(by_case("R04"), vec!["Vet ikke.", "Vet ikke."]);
    assert_eq!(by_case("R05"), vec!["Mindre papirarbeid."]);
    let cases = p.koda(&["cases", "--json"]).json();
    let r03 = cases
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "R03")
        .unwrap();
    assert_eq!(r03["attributes"]["role"], "koordinator");
    assert_eq!(r03["attributes"]["wave"], "1");
    // The same file again is a duplicate, and nothing changes.
    let before = p.snapshot();
    let again = p.koda(&[
        "import",
        f.to_str().unwrap(),
        "--text-column",
        "Hva har hjulpet mest?",
    ]);
    again.ok();
    assert!(
        again
            .stderr
            .contains("the same file is already in the project"),
        "{}",
        again.stderr
    );
    assert!(p.snapshot() == before, "a duplicate changes nothing");
}

#[test]
fn a_survey_of_280_rows_with_48_distinct_answers_imports_every_row() {
    let p = TestProject::new();
    let mut csv = String::from("id,role,svar\n");
    for i in 1..=280 {
        let role = if i % 3 == 0 {
            "koordinator"
        } else {
            "forelder"
        };
        csv.push_str(&format!(
            "P{i:03},{role},Svar type {} om ventetid.\n",
            i % 48
        ));
    }
    let f = p.write("kort-svar.csv", &csv);
    p.koda(&["import", f.to_str().unwrap(), "--text-column", "svar"])
        .ok();
    let docs = p.koda(&["docs", "--json"]).json();
    assert_eq!(docs.as_array().unwrap().len(), 280);
    assert_eq!(docs[279]["case"], "P280");
}

#[test]
fn a_survey_column_as_one_document_keeps_each_respondent_as_a_case() {
    let p = TestProject::new();
    let f = p.write("evaluering-2026.csv", SURVEY_WITH_REPEATS);
    p.koda(&[
        "import",
        f.to_str().unwrap(),
        "--per",
        "column",
        "--text-column",
        "Hva burde vært annerledes?",
    ])
    .ok();
    let docs = p.koda(&["docs", "--json"]).json();
    let id = docs[0]["id"].as_str().unwrap().to_string();
    let speakers = p.koda(&["speakers", &id, "--json"]).json();
    let speakers = speakers.as_array().unwrap();
    assert_eq!(speakers.len(), 5, "{speakers:?}");
    assert!(
        speakers.iter().all(|s| s["speaker"] == s["case"]),
        "{speakers:?}"
    );
    let cases = p.koda(&["cases", "--json"]).json();
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 5);
    let r02 = cases.iter().find(|c| c["name"] == "R02").unwrap();
    assert_eq!(r02["attributes"]["site"], "Oslo");
    assert_eq!(r02["attributes"]["role"], "forelder");
    // Excerpts of a respondent's turn carry their attributes.
    p.koda(&["codes", "add", "timing/waiting"]).ok();
    p.koda(&[
        "code",
        &id,
        "--code",
        "timing/waiting",
        "--match",
        "Kortere ventetid hos NAV.",
    ])
    .ok();
    let ex = p
        .koda(&["excerpts", "--code", "timing/waiting", "--json"])
        .json();
    assert_eq!(ex[0]["case"], "R02", "{ex}");
}

/// (speaker, text) of every turn of a fixture imported into a fresh project.
fn turns_of_fixture(name: &str) -> Vec<(String, String)> {
    timed_turns_of_fixture(name, &[])
        .0
        .into_iter()
        .map(|(speaker, _, text)| (speaker, text))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn speaker_labels_as_real_transcripts_write_them() {
    assert_eq!(
        turns_of_fixture("fokusgruppe-navn-i-parentes.txt"),
        pairs(&[
            ("", "Fokusgruppe med foreldre, bydel Nord, bølge 2"),
            (
                "Moderator",
                "Velkommen, alle sammen. Kan dere si litt om hvordan det første året har vært?"
            ),
            (
                "Deltaker 1 (Åse)",
                "Det har vært bedre enn jeg trodde. Hun ringer tilbake."
            ),
            (
                "Deltaker 2 (Per)",
                "For oss tok det tid. Vi ventet lenge på svar fra NAV.\nDet var tungt den vinteren."
            ),
            ("Moderator", "Hva var det som hjalp?"),
            ("Deltaker 1 (Åse)", "At hun var der på møtene med skolen."),
        ])
    );
    assert_eq!(
        turns_of_fixture("intervju-kyrillisk.txt"),
        pairs(&[
            ("", "Интервью с семьёй, волна 1"),
            (
                "Ведущий",
                "Расскажите, как вы познакомились с координатором?"
            ),
            (
                "Заря 1 (Каманин)",
                "Через школу. Учительница дала нам её номер."
            ),
            ("Ведущий", "И что было дальше?"),
            ("Заря 1 (Каманин)", "Она пришла к нам домой в ту же неделю."),
        ])
    );
    assert_eq!(
        turns_of_fixture("koder-med-smaa-bokstaver.txt"),
        pairs(&[
            ("int-2", "Hvordan var det første møtet med koordinatoren?"),
            ("p03", "Det var hjemme hos oss. Hun satt ved kjøkkenbordet."),
            ("admin-1", "(noterer at barna var til stede)"),
            ("int-2", "Og etterpå?"),
            ("p03", "Hun ringte tilbake samme dag."),
        ])
    );
    assert_eq!(
        turns_of_fixture("id-i-klammer.txt"),
        pairs(&[
            ("id1", "Hvordan opplever dere samarbeidet med skolen?"),
            (
                "P3",
                "Bedre nå. Før måtte jeg ringe alle selv.\n[inaudible] og så ble det et møte."
            ),
            ("id1", "Hvem tok initiativet til møtet?"),
            ("P3", "Koordinatoren."),
        ])
    );
    assert_eq!(
        turns_of_fixture("interview-tab-aligned.txt"),
        pairs(&[
            ("Max Berg", "Okay, shall we start with the first visit?"),
            (
                "Sue Okafor",
                "She came to our flat the same week.\n  We had not expected that."
            ),
            ("Max Berg", "And the school?"),
            ("Sue Okafor", "They joined the second meeting."),
        ])
    );
    assert_eq!(
        turns_of_fixture("fokusgruppe-kinesisk.txt"),
        pairs(&[
            ("主持人", "大家好，请谈谈你们和协调员的第一次见面。"),
            ("张三", "她来我们家，很认真地听。"),
            ("李四", "我们等了很久才有回音。"),
            ("主持人", "后来呢？"),
            ("张三", "她每次都回电话。"),
        ])
    );
}

#[test]
fn time_stamps_on_their_own_line_frames_countdowns_and_wrapped_markers() {
    let (turns, _) = timed_turns_of_fixture("intervju-tidskoder-egen-linje.txt", &[]);
    let want = timed;
    assert_eq!(
        turns,
        vec![
            // A countdown before the recording starts: a stamp, without a time.
            want("Lydtekniker", None, "Opptaket starter straks."),
            // hh:mm:ss:ff, the frames dropped; the stamp is the time of the turn after it.
            want("P", Some(0), "Da er vi i gang. Takk for at du stiller opp."),
            want("F", Some(6_000), "Bare hyggelig."),
            // A marker wrapped over the line end stays text of its turn.
            want(
                "P",
                Some(9_000),
                "Hvordan var det første møtet? Du sa at det var [inaudible\n00:22:01] og at hun kom hjem til dere."
            ),
            want("F", Some(20_000), "Ja, hun kom hjem til oss."),
        ]
    );
}

/// (speaker, time, text) of every turn of a fixture imported into a fresh project, and what
/// the import said on stderr.
fn timed_turns_of_fixture(
    name: &str,
    extra: &[&str],
) -> (Vec<(String, Option<u64>, String)>, String) {
    let p = TestProject::new();
    let f = fixture(name);
    let mut args = vec!["import", f.to_str().unwrap()];
    args.extend_from_slice(extra);
    let r = p.koda(&args);
    let out = r.ok().to_string();
    let id = out
        .split(" as ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap()
        .to_string();
    let show = p.koda(&["show", &id, "--json"]).json();
    let turns = show["turns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["speaker"].as_str().unwrap_or("").to_string(),
                t["timestamp_ms"].as_u64(),
                t["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (turns, r.stderr.clone())
}

#[test]
fn webvtt_as_captioning_tools_write_it_and_subrip_with_override_tags() {
    let w = |s: &str, t: u64, x: &str| (s.to_string(), Some(t), x.to_string());
    let (turns, warned) = timed_turns_of_fixture("nettmote-autotekst.vtt", &[]);
    assert_eq!(
        turns,
        vec![
            w(
                "Kari Lunde",
                1_000,
                "Velkommen til oppfølgingsmøtet. Vi starter med ventetiden hos NAV."
            ),
            w("Ola Berg", 10_100, "Vi har ventet i tre måneder på svar."),
        ]
    );
    assert!(
        warned.contains("line 19") && warned.contains("the cue was left out"),
        "the broken cue is named: {warned}"
    );
    // --strict refuses the file instead, naming the line.
    let p = TestProject::new();
    let f = fixture("nettmote-autotekst.vtt");
    p.fails_unchanged(&["import", f.to_str().unwrap(), "--strict"], &["line 19"]);

    let (turns, _) = timed_turns_of_fixture("fokusgruppe-undertekster.srt", &[]);
    assert_eq!(
        turns,
        vec![
            w("Moderator", 1_000, "Velkommen, alle sammen."),
            w(
                "",
                3_200,
                "Hide these tags: they are part of the sentence here."
            ),
            w("Deltaker 2", 6_500, "Vi ventet lenge på svar."),
        ]
    );
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/transcripts")
        .join(name)
}

fn timed(s: &str, t: Option<u64>, x: &str) -> (String, Option<u64>, String) {
    (s.to_string(), t, x.to_string())
}

#[test]
fn transcription_tools_json_becomes_timed_turns() {
    // OpenAI Whisper: no speakers, so each segment is a turn with its time.
    let (turns, _) = timed_turns_of_fixture("intervju-whisper.json", &[]);
    assert_eq!(
        turns,
        vec![
            timed("", Some(0), "Da starter vi opptaket."),
            timed(
                "",
                Some(3_100),
                "Hvordan var det første møtet med koordinatoren?"
            ),
            timed(
                "",
                Some(7_000),
                "Det var hjemme hos oss, ved kjøkkenbordet."
            ),
        ]
    );
    // WhisperX: consecutive segments of one speaker are one turn, timed by the first.
    let (turns, _) = timed_turns_of_fixture("fokusgruppe-whisperx.json", &[]);
    assert_eq!(
        turns,
        vec![
            timed(
                "SPEAKER_00",
                Some(31),
                "Velkommen, alle sammen. Vi starter med ventetiden."
            ),
            timed(
                "SPEAKER_01",
                Some(4_200),
                "Vi ventet i tre måneder, fra januar 2023. Det var tungt."
            ),
            timed("SPEAKER_00", Some(10_000), "Og for dere andre?"),
            timed("SPEAKER_02", Some(11_900), "Kortere for oss."),
        ]
    );
    // whisper.cpp: offsets in milliseconds, special tokens are not text.
    let (turns, _) = timed_turns_of_fixture("intervju-whispercpp.json", &[]);
    assert_eq!(
        turns,
        vec![
            timed("", Some(0), "Hun ringte tilbake samme dag."),
            timed("", Some(3_200), "Det hadde ingen gjort før."),
        ]
    );
    // Rev: a speaker without a name is "Speaker N"; one speaker's monologues are one turn.
    let (turns, _) = timed_turns_of_fixture("interview-rev.json", &[]);
    assert_eq!(
        turns,
        vec![
            timed("Interviewer", Some(500), "How did it start?"),
            timed(
                "Speaker 1",
                Some(2_100),
                "With a phone call. <inaudible> Then a visit."
            ),
            timed("Interviewer", Some(5_200), "Thanks."),
        ]
    );
}

#[test]
fn word_times_and_confidences_are_kept_and_survive_a_correction() {
    let p = TestProject::new();
    p.koda(&[
        "import",
        fixture("fokusgruppe-whisperx.json").to_str().unwrap(),
    ])
    .ok();
    let words_file = p.path().join("sources/fokusgruppe-whisperx.words.json");
    let words: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&words_file).unwrap()).unwrap();
    let text = std::fs::read_to_string(p.path().join("sources/fokusgruppe-whisperx.txt")).unwrap();
    let chars: Vec<char> = text.chars().collect();
    let list = words["words"].as_array().unwrap();
    let said = |i: usize| -> (String, u64, f64) {
        let w = &list[i];
        let (s, e) = (
            w["start"].as_u64().unwrap() as usize,
            w["end"].as_u64().unwrap() as usize,
        );
        (
            chars[s..e].iter().collect(),
            w["from_ms"].as_u64().unwrap(),
            w["score"].as_f64().unwrap(),
        )
    };
    assert_eq!(said(0), ("Velkommen,".to_string(), 31, 0.912));
    assert_eq!(said(6), ("ventetiden.".to_string(), 2_620, 0.71));
    // A word WhisperX could not time ("2023.") has no entry; the next one is "Det".
    assert_eq!(said(11), ("måneder,".to_string(), 5_020, 0.9));
    assert_eq!(said(13).0, "januar");
    assert_eq!(said(14), ("Det".to_string(), 8_100, 0.99));
    assert_eq!(list.len(), 24);
    let meta: serde_json::Value = serde_json::from_slice(
        &std::fs::read(p.path().join("sources/fokusgruppe-whisperx.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(words["text_sha256"], meta["text_sha256"]);
    // A correction divides the text the way the import did, so the tool's speakers stay.
    let fixed = text.replace("januar 2023", "februar 2023");
    let f = p.write("rettet.txt", &fixed);
    p.koda(&[
        "edit",
        "fokusgruppe-whisperx",
        "--from",
        f.to_str().unwrap(),
    ])
    .ok();
    let show = p.koda(&["show", "fokusgruppe-whisperx", "--json"]).json();
    let speakers: Vec<&str> = show["turns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["speaker"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        speakers,
        ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00", "SPEAKER_02"]
    );
    assert_eq!(
        show["turns"][1]["text"],
        "Vi ventet i tre måneder, fra februar 2023. Det var tungt."
    );
    // The project reads clean with the word file beside the documents.
    let doctor = p.koda(&["doctor"]).ok().to_string();
    assert!(!doctor.contains("words.json"), "{doctor}");
}

#[test]
fn meeting_tools_name_and_time_lines_teams_otter_zoom() {
    let (turns, _) = timed_turns_of_fixture("otter-samtale.txt", &[]);
    assert_eq!(
        turns,
        vec![
            timed(
                "Speaker 1",
                Some(0),
                "Takk for at du ville snakke med oss. Kan du si litt om hvordan det startet?"
            ),
            timed(
                "Speaker 2",
                Some(7_000),
                "Det startet med en telefon fra skolen.\nEtter det kom koordinatoren hjem til oss."
            ),
            timed("Speaker 1", Some(21_000), "Hvordan var det?"),
            timed("Speaker 2", Some(3_735_000), "Rart i begynnelsen, men bra."),
        ]
    );
    let (turns, _) = timed_turns_of_fixture("zoom-lagret-transkripsjon.txt", &[]);
    assert_eq!(
        turns,
        vec![
            timed(
                "Kari Lunde",
                Some(36_135_000),
                "Velkommen til møtet. Vi går gjennom ventelistene."
            ),
            timed(
                "Ola Berg",
                Some(36_151_000),
                "Vi har sju familier som venter."
            ),
            timed(
                "Kari Lunde",
                Some(36_160_000),
                "Og hvor lenge har den lengste ventet?"
            ),
        ]
    );
    // Otter saved as Word: the same layout in paragraphs; its signature line is in no turn.
    let (turns, _) = timed_turns_of_fixture("otter-koordinator.docx", &[]);
    assert_eq!(
        turns,
        vec![
            timed("", None, "Intervju med koordinator"),
            timed(
                "Speaker 1",
                Some(0),
                "Hvor lenge har du jobbet som koordinator?"
            ),
            timed(
                "Speaker 2",
                Some(4_000),
                "Snart tre år. Først i bydel Nord, nå i hele kommunen."
            ),
            timed("Speaker 1", Some(12_000), "Hva er det viktigste i jobben?"),
            timed("Speaker 2", Some(15_000), "Å ringe tilbake samme dag."),
        ]
    );
    // Zoom's recording transcript: `Name: text` inside the cues, one speaker's cues one turn.
    let (turns, _) = timed_turns_of_fixture("zoom-opptak.vtt", &[]);
    assert_eq!(
        turns,
        vec![
            timed(
                "Kari Lunde",
                Some(1_230),
                "Velkommen, alle sammen. Vi starter med ventelistene."
            ),
            timed("Ola Berg", Some(7_800), "Vi har sju familier som venter."),
        ]
    );
    // Teams: the meeting's title, date and length come first; "… startet/stoppet
    // transkripsjon" is the tool's notice, in no turn.
    let (turns, _) = timed_turns_of_fixture("teams-oppfolgingsmote.docx", &[]);
    assert_eq!(
        turns,
        vec![
            timed("", None, "Oppfølgingsmøte bydel Nord"),
            timed("", None, "5. mars 2026, 10:02AM"),
            timed("", None, "43m 12s"),
            timed(
                "Kari Lunde",
                Some(3_000),
                "Velkommen, alle sammen. Vi starter med ventetiden hos NAV."
            ),
            timed(
                "Ola Berg",
                Some(15_000),
                "Vi har ventet i tre måneder på svar.\n\nDet er for lenge for familiene."
            ),
            timed("Kari Lunde", Some(64_000), "Da noterer vi det."),
        ]
    );
}

#[test]
fn formats_are_told_by_content_and_mixed_encodings_line_by_line() {
    // SubRip saved as .txt is read as SubRip, and the import says so.
    let (turns, warned) = timed_turns_of_fixture("undertekst-lagret-som-txt.txt", &[]);
    assert_eq!(
        turns,
        vec![
            timed("Moderator", Some(1_000), "Velkommen."),
            timed("Deltaker 1", Some(3_500), "Takk."),
        ]
    );
    assert!(
        warned.contains("read as subrip (by its content)"),
        "{warned}"
    );
    // --format decides where given: the same file as plain text keeps its cue numbers.
    let (turns, _) = timed_turns_of_fixture("undertekst-lagret-som-txt.txt", &["--format", "txt"]);
    assert!(turns.iter().any(|t| t.2.contains("-->")), "{turns:?}");
    // UTF-8 with one line from a Windows-1252 program: every line reads right.
    let (turns, warned) = timed_turns_of_fixture("intervju-blandet-koding.txt", &[]);
    assert_eq!(
        turns,
        vec![
            timed("Intervjuer", None, "Hvordan går det med familien nå?"),
            timed(
                "Forelder",
                None,
                "Det går bedre, særlig etter at koordinatoren kom."
            ),
            timed("Intervjuer", None, "Og skolen?"),
            timed("Forelder", None, "Der har vi fått et møte."),
        ]
    );
    assert!(warned.contains("not UTF-8 on line 2:"), "{warned}");
    // A folder: transcription JSON is imported, other JSON is not material.
    let p = TestProject::new();
    let dir = p.path().join("in/opptak");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        fixture("intervju-whisper.json"),
        dir.join("intervju-whisper.json"),
    )
    .unwrap();
    std::fs::write(dir.join("innstillinger.json"), "{\"model\": \"medium\"}").unwrap();
    let out = p.koda(&["import", dir.to_str().unwrap()]).ok().to_string();
    assert!(
        out.contains("intervju-whisper.json as intervju-whisper"),
        "{out}"
    );
    assert!(!out.contains("innstillinger"), "{out}");
}

#[test]
fn preview_shows_what_would_be_made_and_changes_nothing() {
    let p = TestProject::new();
    let before = p.snapshot();
    let r = p.koda(&[
        "import",
        "--preview",
        fixture("fokusgruppe-whisperx.json").to_str().unwrap(),
        fixture("intervju-blandet-koding.txt").to_str().unwrap(),
    ]);
    let out = r.ok().to_string();
    assert_eq!(p.snapshot(), before, "a preview writes nothing");
    assert!(
        out.contains("(whisperx): focus-group (guessed), 4 turns, 3 speakers, 24 timed words"),
        "{out}"
    );
    assert!(
        out.contains("speakers: SPEAKER_00 (2 turns), SPEAKER_01 (1 turn), SPEAKER_02 (1 turn)"),
        "{out}"
    );
    assert!(
        out.contains("2 [00:00:04.200] SPEAKER_01: Vi ventet i tre måneder"),
        "{out}"
    );
    assert!(out.contains("warning: not UTF-8 on line 2"), "{out}");
    assert!(r.stderr.contains("nothing was imported"), "{}", r.stderr);
    assert_eq!(
        p.koda(&["docs", "--json"]).json().as_array().map(Vec::len),
        Some(0)
    );
}

#[test]
fn a_house_style_by_pattern_and_prose_without_speakers() {
    let pattern = "(?P<speaker>[A-ZÆØÅ]{2,3})>";
    let (turns, _) =
        timed_turns_of_fixture("husstil-initialer.txt", &["--speaker-pattern", pattern]);
    assert_eq!(
        turns,
        vec![
            timed("KH", None, "Hvordan har samarbeidet med barnevernet vært?"),
            timed(
                "OL",
                None,
                "Ujevnt. Noen ganger: veldig godt.\nAndre ganger hørte vi ingenting på ukevis."
            ),
            timed("KH", None, "Hva gjorde forskjellen?"),
            timed("OL", None, "Om det var samme saksbehandler."),
        ]
    );
    // Without the pattern koda's rules see no speakers here.
    let (turns, _) = timed_turns_of_fixture("husstil-initialer.txt", &[]);
    assert_eq!(turns.len(), 1, "{turns:?}");
    // Field notes whose `Mor:` and `Far:` are observations, not speakers.
    let (turns, _) = timed_turns_of_fixture("feltnotat-uten-talere.txt", &[]);
    assert!(
        turns.iter().any(|t| t.0 == "Mor"),
        "koda's rules take them for speakers"
    );
    let (turns, _) = timed_turns_of_fixture("feltnotat-uten-talere.txt", &["--no-speakers"]);
    assert_eq!(
        turns,
        vec![
            timed("", None, "Besøk på familiesenteret, tirsdag formiddag."),
            timed(
                "",
                None,
                "Mor: virket sliten, men fortalte gjerne.\nFar: sa lite, men nikket."
            ),
            timed(
                "",
                None,
                "Mor: ville ha et nytt møte.\nFar: ønsket at skolen var med."
            ),
        ]
    );
    // A pattern that cannot be used is refused before anything is read.
    let p = TestProject::new();
    let f = fixture("husstil-initialer.txt");
    p.fails_unchanged(
        &[
            "import",
            f.to_str().unwrap(),
            "--speaker-pattern",
            "([A-Z]+",
        ],
        &["not a regular expression"],
    );
    p.fails_unchanged(
        &[
            "import",
            f.to_str().unwrap(),
            "--speaker-pattern",
            "[A-Z]+>",
        ],
        &["no group named `speaker`"],
    );
}

#[test]
fn resegment_finds_turns_again_without_moving_a_coding_and_undoes() {
    let p = TestProject::new();
    let f = fixture("husstil-initialer.txt");
    p.koda(&["import", f.to_str().unwrap()]).ok();
    let doc = "husstil-initialer";
    p.koda(&["codes", "add", "samarbeid"]).ok();
    p.koda(&[
        "code",
        doc,
        "--code",
        "samarbeid",
        "--match",
        "Om det var samme saksbehandler.",
    ])
    .ok();
    let codings = || -> Vec<(String, u64, u64, String)> {
        p.koda(&["codings", "--doc", doc, "--json"])
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["coding"].as_str().unwrap().to_string(),
                    c["start"].as_u64().unwrap(),
                    c["end"].as_u64().unwrap(),
                    c["text"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let before = codings();
    let text_before = p.koda(&["show", doc, "--json"]).json()["text"].clone();
    let out = p
        .koda(&[
            "resegment",
            doc,
            "--speaker-pattern",
            "(?P<speaker>[A-ZÆØÅ]{2,3})>",
        ])
        .ok()
        .to_string();
    assert!(
        out.contains("4 turns (was 1), speakers: KH (2), OL (2)"),
        "{out}"
    );
    let show = p.koda(&["show", doc, "--json"]).json();
    assert_eq!(show["text"], text_before, "the text does not change");
    assert_eq!(codings(), before, "every coding stays where it was");
    assert_eq!(show["turns"][3]["speaker"], "OL");
    assert_eq!(show["turns"][3]["text"], "Om det var samme saksbehandler.");
    // The coding is now in OL's turn, and search knows the new speakers.
    let ex = p
        .koda(&["excerpts", "--code", "samarbeid", "--json"])
        .json();
    assert_eq!(ex[0]["speaker"], "OL", "{ex}");
    let hits = p
        .koda(&["search", "saksbehandler speaker:OL", "--json"])
        .json();
    assert_eq!(hits["total"], 1, "{hits}");
    assert_eq!(hits["hits"][0]["turn"], 4, "{hits}");
    // Undo brings the one old turn back; redo the four.
    p.koda(&["undo"]).ok();
    assert_eq!(
        p.koda(&["show", doc, "--json"]).json()["turns"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    p.koda(&["redo"]).ok();
    assert_eq!(
        p.koda(&["show", doc, "--json"]).json()["turns"][1]["speaker"],
        "OL"
    );
    // A bad pattern changes nothing.
    p.fails_unchanged(
        &["resegment", doc, "--speaker-pattern", "(unclosed"],
        &["not a regular expression"],
    );
}
