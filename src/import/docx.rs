//! Word documents from transcription services: paragraphs in order, tables as rows of text,
//! bold speaker labels recognised, footnotes and comments kept as notes. Read with zip and
//! quick-xml.

use quick_xml::Reader;
use quick_xml::events::Event;
use std::io::Read;

/// A Word document's text and notes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocxText {
    /// Paragraphs, one per line, blank lines between them.
    pub text: String,
    /// Footnotes and comments.
    pub notes: Vec<String>,
}

fn local(name: &[u8]) -> &[u8] {
    name.rsplit(|b| *b == b':').next().unwrap_or(name)
}

fn is_off(e: &quick_xml::events::BytesStart<'_>) -> bool {
    e.attributes().flatten().any(|a| {
        local(a.key.as_ref()) == b"val" && matches!(a.value.as_ref(), b"0" | b"false" | b"off")
    })
}

/// Paragraphs of a WordprocessingML part: (bold prefix, text) per paragraph; table rows are
/// joined into one paragraph with ` | ` between cells.
fn paragraphs(xml: &str) -> Result<Vec<(String, String)>, String> {
    let mut r = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut para = String::new();
    let mut bold_prefix = String::new();
    let mut prefix_open = true;
    let mut run_bold = false;
    let mut in_text = false;
    let mut row: Option<Vec<String>> = None;
    let mut cell = String::new();
    let mut depth_tc = 0;
    loop {
        let ev = r
            .read_event()
            .map_err(|e| format!("not well-formed XML: {e}"))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                match local(e.name().as_ref()) {
                    b"p" if !empty => {
                        para.clear();
                        bold_prefix.clear();
                        prefix_open = true;
                    }
                    b"r" if !empty => run_bold = false,
                    b"b" => run_bold = !is_off(e),
                    b"t" if !empty => in_text = true,
                    b"tab" => para.push(' '),
                    b"br" | b"cr" => para.push(' '),
                    b"tr" if !empty => row = Some(Vec::new()),
                    b"tc" if !empty => {
                        depth_tc += 1;
                        cell.clear();
                    }
                    _ => {}
                }
            }
            Event::Text(t) if in_text => {
                let s = t.unescape().map_err(|e| format!("bad text: {e}"))?;
                if prefix_open && run_bold {
                    bold_prefix.push_str(&s);
                } else if !s.trim().is_empty() {
                    prefix_open = false;
                }
                para.push_str(&s);
            }
            Event::End(e) => match local(e.name().as_ref()) {
                b"t" => in_text = false,
                b"p" => {
                    if depth_tc > 0 {
                        if !cell.is_empty() {
                            cell.push(' ');
                        }
                        cell.push_str(para.trim());
                    } else {
                        out.push((bold_prefix.trim().to_string(), para.trim().to_string()));
                    }
                    para.clear();
                }
                b"tc" => {
                    depth_tc -= 1;
                    if let Some(r) = &mut row {
                        r.push(cell.trim().to_string());
                    }
                }
                b"tr" => {
                    if let Some(r) = row.take() {
                        let line = r
                            .into_iter()
                            .filter(|c| !c.is_empty())
                            .collect::<Vec<_>>()
                            .join(" | ");
                        out.push((String::new(), line));
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// Turns a paragraph with a bold label into `Label: text`.
fn with_label(bold: &str, text: &str) -> String {
    let label = bold.trim().trim_end_matches(':').trim();
    let words = label.split_whitespace().count();
    if label.is_empty()
        || words > 4
        || label.chars().count() > 40
        || label == text.trim().trim_end_matches(':')
    {
        return text.to_string();
    }
    let rest = text.trim_start()[bold.trim().len().min(text.trim_start().len())..]
        .trim_start()
        .trim_start_matches(':')
        .trim_start();
    if text.trim_start().starts_with(bold.trim()) {
        format!("{label}: {rest}")
    } else {
        text.to_string()
    }
}

/// The most a part of a Word file may unpack to: far beyond any transcript, far below what a
/// ZIP bomb would unpack to.
pub const MAX_PART: u64 = 256 * 1024 * 1024;

fn part(
    z: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>,
    name: &str,
    limit: u64,
) -> Result<Option<String>, String> {
    let Ok(f) = z.by_name(name) else {
        return Ok(None);
    };
    let mut s = String::new();
    f.take(limit + 1)
        .read_to_string(&mut s)
        .map_err(|e| format!("{name}: {e}"))?;
    if s.len() as u64 > limit {
        return Err(format!(
            "{name} unpacks to more than {} MB; refused (a damaged file or a ZIP bomb)",
            limit / (1024 * 1024)
        ));
    }
    Ok(Some(s))
}

/// Reads a `.docx`.
pub fn read(bytes: &[u8]) -> Result<DocxText, super::Malformed> {
    read_limited(bytes, MAX_PART)
}

/// [`read`] with a given limit on each part's unpacked size.
pub fn read_limited(bytes: &[u8], limit: u64) -> Result<DocxText, super::Malformed> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a readable Word file (ZIP): {e}"))?;
    let doc = part(&mut z, "word/document.xml", limit)?
        .ok_or("not a Word document: word/document.xml is missing")?;
    let paras = paragraphs(&doc).map_err(|e| format!("word/document.xml: {e}"))?;
    let lines: Vec<String> = paras
        .iter()
        .filter(|(_, t)| !t.is_empty())
        .map(|(b, t)| with_label(b, t))
        .collect();
    let mut notes = Vec::new();
    if let Some(x) = part(&mut z, "word/footnotes.xml", limit)? {
        for (_, t) in paragraphs(&x).map_err(|e| format!("word/footnotes.xml: {e}"))? {
            if !t.is_empty() {
                notes.push(format!("Footnote: {t}"));
            }
        }
    }
    if let Some(x) = part(&mut z, "word/comments.xml", limit)? {
        for (_, t) in paragraphs(&x).map_err(|e| format!("word/comments.xml: {e}"))? {
            if !t.is_empty() {
                notes.push(format!("Comment: {t}"));
            }
        }
    }
    Ok(DocxText {
        text: lines.join("\n\n"),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn docx(document: &str, extra: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        w.start_file("word/document.xml", o).unwrap();
        w.write_all(document.as_bytes()).unwrap();
        for (n, c) in extra {
            w.start_file(*n, o).unwrap();
            w.write_all(c.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    #[test]
    fn a_part_unpacking_past_the_limit_is_refused() {
        // 3 MB of one repeated paragraph compresses to a few KB: a small ZIP bomb.
        let para = format!("<w:p><w:r><w:t>{}</w:t></w:r></w:p>", "ja ".repeat(100));
        let body = format!(
            "<w:document {W}><w:body>{}</w:body></w:document>",
            para.repeat(10_000)
        );
        let bytes = docx(&body, &[]);
        assert!(bytes.len() < 200_000, "{}", bytes.len());
        let err = read_limited(&bytes, 1024 * 1024).unwrap_err();
        assert!(
            err.0.contains("word/document.xml") && err.0.contains("ZIP bomb"),
            "{err}"
        );
        // Under the limit the same file reads.
        assert!(read_limited(&bytes, 8 * 1024 * 1024).is_ok());
    }

    #[test]
    fn entity_definitions_are_not_expanded() {
        // The "billion laughs": nested entity definitions in a DOCTYPE.
        let mut dtd = String::from("<!DOCTYPE w:document [<!ENTITY l0 \"ha\">");
        for i in 1..10 {
            let prev = format!("&l{};", i - 1);
            dtd.push_str(&format!("<!ENTITY l{i} \"{}\">", prev.repeat(10)));
        }
        dtd.push_str("]>");
        let body = format!(
            "{dtd}<w:document {W}><w:body><w:p><w:r><w:t>Forelder: &l9;</w:t></w:r></w:p></w:body></w:document>"
        );
        match read(&docx(&body, &[])) {
            Ok(d) => assert!(
                d.text.len() < 1000,
                "entities were expanded: {}",
                d.text.len()
            ),
            Err(e) => assert!(e.0.contains("word/document.xml"), "{e}"),
        }
    }

    #[test]
    fn paragraphs_bold_labels_tables_and_notes() {
        let body = format!(
            r#"<w:document {W}><w:body>
<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Intervjuer</w:t></w:r><w:r><w:t xml:space="preserve"> Hvordan gikk det?</w:t></w:r></w:p>
<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Forelder:</w:t></w:r><w:r><w:t xml:space="preserve"> Det gikk fint, </w:t></w:r><w:r><w:rPr><w:b w:val="0"/></w:rPr><w:t>takk.</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Sted</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Tromsø</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:t>Intervjuer: Takk &amp; farvel.</w:t></w:r></w:p>
</w:body></w:document>"#
        );
        let notes = format!(
            r#"<w:footnotes {W}><w:footnote w:id="1"><w:p><w:r><w:t>Navn endret.</w:t></w:r></w:p></w:footnote></w:footnotes>"#
        );
        let comments = format!(
            r#"<w:comments {W}><w:comment w:id="0" w:author="Anna"><w:p><w:r><w:t>Uklart opptak her.</w:t></w:r></w:p></w:comment></w:comments>"#
        );
        let d = read(&docx(
            &body,
            &[
                ("word/footnotes.xml", &notes),
                ("word/comments.xml", &comments),
            ],
        ))
        .unwrap();
        assert_eq!(
            d.text,
            "Intervjuer: Hvordan gikk det?\n\nForelder: Det gikk fint, takk.\n\nSted | Tromsø\n\nIntervjuer: Takk & farvel."
        );
        assert_eq!(
            d.notes,
            vec![
                "Footnote: Navn endret.".to_string(),
                "Comment: Uklart opptak her.".to_string()
            ]
        );
    }

    #[test]
    fn damaged_files_are_refused() {
        assert!(read(b"PK\x03\x04garbage").unwrap_err().0.contains("ZIP"));
        let d = docx("<w:document><w:body><w:p>", &[]);
        let e = read(&d);
        assert!(e.is_ok() || e.unwrap_err().0.contains("document.xml"));
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file("other.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        let bytes = w.finish().unwrap().into_inner();
        assert!(
            read(&bytes)
                .unwrap_err()
                .0
                .contains("document.xml is missing")
        );
    }
}
