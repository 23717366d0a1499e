//! Importing every format researchers have: subtitles, Word, surveys, legacy encodings, folders.

use crate::util::TestProject;
use std::io::Write;

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
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    z.start_file("word/document.xml", o).unwrap();
    z.write_all(doc.as_bytes()).unwrap();
    z.start_file("word/comments.xml", o).unwrap();
    z.write_all(comments.as_bytes()).unwrap();
    let bytes = z.finish().unwrap().into_inner();
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
    let err = p
        .koda(&["cases", "unset", "K01", "nope"])
        .fails()
        .to_string();
    assert!(err.contains("no attribute \"nope\""), "{err}");
    p.koda(&["undo"]).ok();
    assert_eq!(
        p.koda(&["cases", "--json"]).json()[1]["attributes"]["wave"],
        "2"
    );
}
