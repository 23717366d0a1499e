//! REFI-QDA exchange, import side: `.qdpx` projects and `.qdc` codebooks from other QDA tools.
//!
//! The archive is read whole and checked before anything is written. Known vendor deviations
//! are tolerated: positions in UTF-16 code units (NVivo) or with CRLF counted as one character
//! (ATLAS.ti) instead of code points; a `Sources/` folder or a `.qde` file under another name;
//! memos kept as `Description`s; cases without names; element names with a namespace prefix.
//! Every position is converted to code points of the file's text, then carried through koda's
//! normalisation (CRLF, NFC, …) by a character diff, so each coding lands on the same words.

use crate::{Error, Result};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// A code read from REFI-QDA.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefiCode {
    /// GUID.
    pub guid: String,
    /// Name.
    pub name: String,
    /// Parent GUID.
    pub parent: Option<String>,
    /// Description.
    pub description: String,
    /// Colour `#rrggbb`.
    pub color: Option<String>,
    /// Notes attached to the code.
    pub notes: Vec<String>,
}

/// One coding of a selection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefiCoding {
    /// The code's GUID.
    pub code: String,
    /// Who coded (user GUID).
    pub user: Option<String>,
    /// When.
    pub at: Option<String>,
}

/// A text selection with its codings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefiSelection {
    /// GUID.
    pub guid: String,
    /// Start, in the file's units.
    pub start: usize,
    /// End, in the file's units.
    pub end: usize,
    /// Who made it.
    pub user: Option<String>,
    /// When.
    pub at: Option<String>,
    /// Its description (some tools keep memos here).
    pub description: String,
    /// Codings.
    pub codings: Vec<RefiCoding>,
    /// Notes attached to it.
    pub notes: Vec<String>,
}

/// A text source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefiSource {
    /// GUID.
    pub guid: String,
    /// Name (title).
    pub name: String,
    /// The text as stored (before koda's normalisation).
    pub text: String,
    /// Selections.
    pub selections: Vec<RefiSelection>,
    /// Notes attached to it.
    pub notes: Vec<String>,
    /// Variable values (variable GUID, value).
    pub values: Vec<(String, String)>,
}

/// A case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefiCase {
    /// GUID.
    pub guid: String,
    /// Name, if the tool wrote one.
    pub name: Option<String>,
    /// Variable values (variable GUID, value).
    pub values: Vec<(String, String)>,
    /// Sources of the case.
    pub sources: Vec<String>,
}

/// A note (memo).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefiNote {
    /// GUID.
    pub guid: String,
    /// Text.
    pub text: String,
    /// Who wrote it.
    pub user: Option<String>,
    /// When.
    pub at: Option<String>,
}

/// How a file counts text positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// Unicode code points (the standard).
    CodePoints,
    /// UTF-16 code units (NVivo).
    Utf16,
    /// Code points with CRLF counted as one (ATLAS.ti).
    CrlfAsOne,
}

/// Everything read from a `.qdpx`.
#[derive(Debug, Clone, Default)]
pub struct RefiProject {
    /// The project's name.
    pub name: Option<String>,
    /// The tool that wrote it.
    pub origin: Option<String>,
    /// Users by GUID.
    pub users: BTreeMap<String, String>,
    /// Codes, parents before children.
    pub codes: Vec<RefiCode>,
    /// Variable names by GUID.
    pub variables: BTreeMap<String, String>,
    /// Cases.
    pub cases: Vec<RefiCase>,
    /// Text sources.
    pub sources: Vec<RefiSource>,
    /// Notes by GUID.
    pub notes: BTreeMap<String, RefiNote>,
    /// Notes on the project as a whole.
    pub project_notes: Vec<String>,
    /// Sources koda cannot hold (pictures, audio, video, PDF without text), by name.
    pub skipped: Vec<String>,
}

impl RefiProject {
    /// The position units of the tool that wrote the file.
    pub fn units(&self) -> Units {
        let o = self.origin.as_deref().unwrap_or("").to_lowercase();
        if o.contains("nvivo") {
            Units::Utf16
        } else if o.contains("atlas") {
            Units::CrlfAsOne
        } else {
            Units::CodePoints
        }
    }
}

/// Converts a position in `units` to a code-point offset of `text`.
pub fn to_code_points(text: &str, pos: usize, units: Units) -> usize {
    match units {
        Units::CodePoints => pos.min(text.chars().count()),
        Units::Utf16 => {
            let mut n = 0;
            for (i, c) in text.chars().enumerate() {
                if n >= pos {
                    return i;
                }
                n += c.len_utf16();
            }
            text.chars().count()
        }
        Units::CrlfAsOne => {
            let chars: Vec<char> = text.chars().collect();
            let mut n = 0;
            let mut i = 0;
            while i < chars.len() {
                if n >= pos {
                    return i;
                }
                if chars[i] == '\r' && chars.get(i + 1) == Some(&'\n') {
                    i += 2;
                } else {
                    i += 1;
                }
                n += 1;
            }
            chars.len()
        }
    }
}

fn local(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    s.rsplit(':').next().unwrap_or("").to_string()
}

fn attrs(e: &BytesStart<'_>) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for a in e.attributes().flatten() {
        let key = local(a.key.as_ref());
        let value = a
            .unescape_value()
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned());
        m.insert(key, value);
    }
    m
}

fn bad(path: &Path, msg: impl std::fmt::Display) -> Error {
    Error::Import {
        path: path.to_path_buf(),
        msg: msg.to_string(),
    }
}

/// The most a REFI-QDA archive may unpack to, all entries together.
const MAX_UNPACKED: u64 = 2 * 1024 * 1024 * 1024;

/// The title a source gets: its name without a document extension (QualCoder names a source
/// by its file, `Intervju 3.docx`); a source without a name, or named by its GUID or its
/// internal file (`4f1c….txt`), is titled by the first words of its text.
pub fn source_title(name: &str, guid: &str, text: &str) -> String {
    let name = name.trim();
    let stem = match name.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && [
                    "docx", "doc", "txt", "md", "odt", "rtf", "pdf", "htm", "html",
                ]
                .contains(&ext.to_ascii_lowercase().as_str()) =>
        {
            stem
        }
        _ => name,
    };
    let guid_like = |s: &str| {
        let hex: String = s
            .chars()
            .filter(|c| *c != '-' && *c != '{' && *c != '}')
            .collect();
        hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
    };
    if !stem.is_empty() && !guid_like(stem) && !stem.eq_ignore_ascii_case(guid) {
        return stem.to_string();
    }
    let first: String = text
        .split_whitespace()
        .take(8)
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(60)
        .collect();
    if first.is_empty() {
        "source".to_string()
    } else {
        first
    }
}

/// Reads the entries of a REFI-QDA zip: the `.qde` (any name) and the source files by lower-case
/// path.
fn read_zip(bytes: &[u8], path: &Path) -> Result<(String, BTreeMap<String, Vec<u8>>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| bad(path, format!("not a readable QDPX (ZIP) file: {e}")))?;
    let mut qde = None;
    let mut files = BTreeMap::new();
    let mut total: u64 = 0;
    for i in 0..z.len() {
        let mut f = z
            .by_index(i)
            .map_err(|e| bad(path, format!("damaged archive entry {i}: {e}")))?;
        if f.is_dir() {
            continue;
        }
        let name = f.name().to_string();
        // Counted on the bytes actually unpacked, not the sizes the archive declares.
        let mut buf = Vec::new();
        f.by_ref()
            .take(MAX_UNPACKED - total + 1)
            .read_to_end(&mut buf)
            .map_err(|e| bad(path, format!("{name}: {e}")))?;
        total += buf.len() as u64;
        if total > MAX_UNPACKED {
            return Err(bad(
                path,
                "the archive unpacks to more than 2 GiB; refused (a damaged file or a ZIP bomb)",
            ));
        }
        if name.to_lowercase().ends_with(".qde") && qde.is_none() {
            qde = Some(
                String::from_utf8(buf).map_err(|_| bad(path, format!("{name} is not UTF-8")))?,
            );
        } else {
            files.insert(name.to_lowercase(), buf);
        }
    }
    let qde = qde.ok_or_else(|| bad(path, "the archive holds no .qde project file"))?;
    Ok((qde, files))
}

/// Reads a `.qdpx` archive.
pub fn read_qdpx(bytes: &[u8], path: &Path) -> Result<RefiProject> {
    let (qde, files) = read_zip(bytes, path)?;
    parse_qde(&qde, &files, path)
}

/// Parses a `.qde` document, taking source texts from `files` (lower-case paths).
pub fn parse_qde(xml: &str, files: &BTreeMap<String, Vec<u8>>, path: &Path) -> Result<RefiProject> {
    let mut r = Reader::from_str(xml);
    r.config_mut().trim_text(false);
    let mut p = RefiProject::default();
    let mut stack: Vec<String> = Vec::new();
    let mut code_stack: Vec<usize> = Vec::new();
    let mut text = String::new();
    let mut in_skipped_source = 0usize;
    let mut pdf_name: Option<String> = None;
    let mut pdf_has_text = false;
    let mut value_var: Option<String> = None;
    let mut current_note: Option<String> = None;
    loop {
        let pos = r.buffer_position();
        let ev = r.read_event().map_err(|e| {
            bad(
                path,
                format!("the project file is not well-formed XML near byte {pos}: {e}"),
            )
        })?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(ev, Event::Empty(_));
                let name = local(e.name().as_ref());
                let a = attrs(e);
                text.clear();
                let parent = stack.last().cloned().unwrap_or_default();
                match name.as_str() {
                    "Project" => {
                        p.name = a.get("name").cloned();
                        p.origin = a.get("origin").cloned();
                    }
                    "User" => {
                        if let Some(g) = a.get("guid") {
                            p.users.insert(
                                g.clone(),
                                a.get("name")
                                    .or(a.get("id"))
                                    .cloned()
                                    .unwrap_or_else(|| g.clone()),
                            );
                        }
                    }
                    "Code" if in_skipped_source == 0 && parent != "Coding" => {
                        let parent_guid = code_stack.last().map(|i| p.codes[*i].guid.clone());
                        p.codes.push(RefiCode {
                            guid: a.get("guid").cloned().unwrap_or_default(),
                            name: a.get("name").cloned().unwrap_or_else(|| "code".into()),
                            parent: parent_guid,
                            description: String::new(),
                            color: a.get("color").cloned(),
                            notes: Vec::new(),
                        });
                        if !is_empty {
                            code_stack.push(p.codes.len() - 1);
                        }
                    }
                    "Variable" => {
                        if let (Some(g), Some(n)) = (a.get("guid"), a.get("name")) {
                            p.variables.insert(g.clone(), n.clone());
                        }
                    }
                    "Case" => p.cases.push(RefiCase {
                        guid: a.get("guid").cloned().unwrap_or_default(),
                        name: a.get("name").cloned().filter(|n| !n.trim().is_empty()),
                        ..RefiCase::default()
                    }),
                    "VariableRef" => value_var = a.get("targetGUID").cloned(),
                    "SourceRef" if parent == "Case" => {
                        if let (Some(c), Some(g)) = (p.cases.last_mut(), a.get("targetGUID")) {
                            c.sources.push(g.clone());
                        }
                    }
                    "TextSource" | "Representation"
                        if in_skipped_source == 0 || name == "Representation" =>
                    {
                        if name == "Representation" {
                            pdf_has_text = true;
                            in_skipped_source = in_skipped_source.saturating_sub(1);
                        }
                        let guid = a.get("guid").cloned().unwrap_or_default();
                        let src_name = a
                            .get("name")
                            .cloned()
                            .or_else(|| pdf_name.clone())
                            .unwrap_or_else(|| guid.clone());
                        let mut body = String::new();
                        if let Some(pt) = a.get("plainTextPath") {
                            let rel = pt.trim_start_matches("internal://").to_lowercase();
                            let candidates = [format!("sources/{rel}"), rel.clone()];
                            let found =
                                candidates.iter().find_map(|c| files.get(c)).or_else(|| {
                                    files
                                        .iter()
                                        .find(|(k, _)| k.ends_with(&format!("/{rel}")))
                                        .map(|(_, v)| v)
                                });
                            let bytes = found.ok_or_else(|| bad(path, format!("source {src_name:?} refers to {pt}, which is not in the archive")))?;
                            body = crate::import::text::decode_utf8(bytes)
                                .map_err(|m| bad(path, format!("source {src_name:?}: {m}")))?;
                        }
                        p.sources.push(RefiSource {
                            guid,
                            name: src_name,
                            text: body,
                            ..RefiSource::default()
                        });
                    }
                    "PictureSource" | "AudioSource" | "VideoSource" => {
                        p.skipped.push(format!(
                            "{} ({})",
                            a.get("name").cloned().unwrap_or_default(),
                            name.trim_end_matches("Source").to_lowercase()
                        ));
                        if !is_empty {
                            in_skipped_source += 1;
                        }
                    }
                    "PDFSource" => {
                        pdf_name = a.get("name").cloned();
                        pdf_has_text = false;
                        if !is_empty {
                            in_skipped_source += 1;
                        } else {
                            p.skipped.push(format!(
                                "{} (pdf without text)",
                                pdf_name.clone().unwrap_or_default()
                            ));
                        }
                    }
                    "PlainTextSelection" if in_skipped_source == 0 => {
                        let num = |k: &str| -> Result<usize> {
                            a.get(k)
                                .ok_or_else(|| {
                                    bad(path, format!("a PlainTextSelection has no {k}"))
                                })?
                                .trim()
                                .parse()
                                .map_err(|_| {
                                    bad(
                                        path,
                                        format!(
                                            "a PlainTextSelection has a {k} that is not a number"
                                        ),
                                    )
                                })
                        };
                        let sel = RefiSelection {
                            guid: a.get("guid").cloned().unwrap_or_default(),
                            start: num("startPosition")?,
                            end: num("endPosition")?,
                            user: a.get("creatingUser").cloned(),
                            at: a.get("creationDateTime").cloned(),
                            ..RefiSelection::default()
                        };
                        match p.sources.last_mut() {
                            Some(s) => s.selections.push(sel),
                            None => {
                                return Err(bad(
                                    path,
                                    "a PlainTextSelection outside any TextSource",
                                ));
                            }
                        }
                    }
                    "Coding" if in_skipped_source == 0 => {
                        if let Some(sel) =
                            p.sources.last_mut().and_then(|s| s.selections.last_mut())
                        {
                            sel.codings.push(RefiCoding {
                                code: String::new(),
                                user: a.get("creatingUser").cloned(),
                                at: a.get("creationDateTime").cloned(),
                            });
                        }
                    }
                    "CodeRef" if parent == "Coding" && in_skipped_source == 0 => {
                        if let Some(c) = p
                            .sources
                            .last_mut()
                            .and_then(|s| s.selections.last_mut())
                            .and_then(|s| s.codings.last_mut())
                        {
                            c.code = a.get("targetGUID").cloned().unwrap_or_default();
                        }
                    }
                    "NoteRef" => {
                        let g = a.get("targetGUID").cloned().unwrap_or_default();
                        match parent.as_str() {
                            "Code" => {
                                if let Some(i) = code_stack.last() {
                                    p.codes[*i].notes.push(g);
                                }
                            }
                            "PlainTextSelection" => {
                                if let Some(sel) =
                                    p.sources.last_mut().and_then(|s| s.selections.last_mut())
                                {
                                    sel.notes.push(g);
                                }
                            }
                            "TextSource" => {
                                if let Some(s) = p.sources.last_mut() {
                                    s.notes.push(g);
                                }
                            }
                            "Project" => p.project_notes.push(g),
                            _ => {}
                        }
                    }
                    "Note" => {
                        current_note = a.get("guid").cloned();
                        p.notes.insert(
                            a.get("guid").cloned().unwrap_or_default(),
                            RefiNote {
                                guid: a.get("guid").cloned().unwrap_or_default(),
                                text: String::new(),
                                user: a.get("creatingUser").cloned(),
                                at: a.get("creationDateTime").cloned(),
                            },
                        );
                    }
                    _ => {}
                }
                if !is_empty {
                    stack.push(name);
                }
            }
            Event::Text(t) => {
                let s = t
                    .unescape()
                    .map_err(|e| bad(path, format!("bad text near byte {pos}: {e}")))?;
                text.push_str(&s);
            }
            Event::CData(c) => text.push_str(&String::from_utf8_lossy(&c)),
            Event::End(e) => {
                let name = local(e.name().as_ref());
                stack.pop();
                let parent = stack.last().cloned().unwrap_or_default();
                let body = std::mem::take(&mut text);
                match name.as_str() {
                    "Code" if parent != "Coding" && in_skipped_source == 0 => {
                        code_stack.pop();
                    }
                    "Description" => match parent.as_str() {
                        "Code" => {
                            if let Some(i) = code_stack.last() {
                                p.codes[*i].description = body.trim().to_string();
                            }
                        }
                        "PlainTextSelection" => {
                            if let Some(sel) =
                                p.sources.last_mut().and_then(|s| s.selections.last_mut())
                            {
                                sel.description = body.trim().to_string();
                            }
                        }
                        _ => {}
                    },
                    "PlainTextContent" => match parent.as_str() {
                        "Note" => {
                            if let Some(n) = current_note.as_ref().and_then(|g| p.notes.get_mut(g))
                            {
                                n.text = body;
                            }
                        }
                        "TextSource" | "Representation" => {
                            if let Some(s) = p.sources.last_mut()
                                && s.text.is_empty()
                            {
                                s.text = body;
                            }
                        }
                        _ => {}
                    },
                    "TextValue" | "IntegerValue" | "FloatValue" | "BooleanValue" | "DateValue"
                    | "DateTimeValue" => {
                        if let Some(v) = value_var.take() {
                            match stack.iter().rev().nth(1).map(String::as_str) {
                                Some("Case") => {
                                    if let Some(c) = p.cases.last_mut() {
                                        c.values.push((v, body.trim().to_string()));
                                    }
                                }
                                Some("TextSource") => {
                                    if let Some(s) = p.sources.last_mut() {
                                        s.values.push((v, body.trim().to_string()));
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                    "PDFSource" => {
                        in_skipped_source = in_skipped_source.saturating_sub(1);
                        if !pdf_has_text {
                            p.skipped.push(format!(
                                "{} (pdf without text)",
                                pdf_name.clone().unwrap_or_default()
                            ));
                        }
                        pdf_name = None;
                    }
                    "PictureSource" | "AudioSource" | "VideoSource" => {
                        in_skipped_source = in_skipped_source.saturating_sub(1)
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(bad(
            path,
            format!(
                "the project file ends inside <{}>: it is truncated",
                stack.join("><")
            ),
        ));
    }
    if p.name.is_none() && p.codes.is_empty() && p.sources.is_empty() {
        return Err(bad(path, "no REFI-QDA <Project> found in the file"));
    }
    Ok(p)
}

/// Reads a `.qdc` codebook (or the codebook of a `.qde`).
pub fn read_qdc(bytes: &[u8], path: &Path) -> Result<Vec<RefiCode>> {
    let xml = std::str::from_utf8(bytes).map_err(|_| bad(path, "not UTF-8 text"))?;
    let files = BTreeMap::new();
    let wrapped;
    let doc = if xml.contains("CodeBook") && !xml.contains("<Project") {
        // A codebook file: parse it as a project holding only the codebook.
        wrapped = xml.to_string();
        &wrapped
    } else {
        xml
    };
    let mut r = Reader::from_str(doc);
    let mut depth_ok = false;
    loop {
        match r
            .read_event()
            .map_err(|e| bad(path, format!("not well-formed XML: {e}")))?
        {
            Event::Start(e) | Event::Empty(e) => {
                let n = local(e.name().as_ref());
                if n == "CodeBook" || n == "Project" {
                    depth_ok = true;
                    break;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !depth_ok {
        return Err(bad(path, "no REFI-QDA <CodeBook> found"));
    }
    let p = parse_qde(doc, &files, path).or_else(|e| {
        if doc.contains("<Project") {
            Err(e)
        } else {
            parse_codebook_only(doc, path)
        }
    })?;
    Ok(p.codes)
}

fn parse_codebook_only(xml: &str, path: &Path) -> Result<RefiProject> {
    let wrapped = format!(
        "<Project name=\"codebook\">{}</Project>",
        xml.trim_start_matches(|c| c != '<')
            .splitn(2, "?>")
            .last()
            .unwrap_or(xml)
    );
    parse_qde(&wrapped, &BTreeMap::new(), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_titled_by_their_names_never_by_guid() {
        let g = "3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f";
        assert_eq!(source_title("Intervju 3.docx", g, "x"), "Intervju 3");
        assert_eq!(source_title("fokusgruppe.v2", g, "x"), "fokusgruppe.v2");
        assert_eq!(
            source_title(g, g, "Intervjuer: Hvordan var det første møtet?"),
            "Intervjuer: Hvordan var det første møtet?"
        );
        assert_eq!(
            source_title(&format!("{}.txt", g.to_uppercase()), g, "Mor: Bra."),
            "Mor: Bra."
        );
        assert_eq!(source_title("", g, ""), "source");
    }

    #[test]
    fn position_units_convert_to_code_points() {
        let t = "a👍🏽b\r\nc";
        // chars: a, 👍, 🏽, b, \r, \n, c
        assert_eq!(
            to_code_points(t, 5, Units::Utf16),
            3,
            "two surrogate pairs before b"
        );
        assert_eq!(to_code_points(t, 3, Units::CodePoints), 3);
        assert_eq!(
            to_code_points(t, 5, Units::CrlfAsOne),
            6,
            "CRLF counts once: c is at 5"
        );
        assert_eq!(to_code_points(t, 99, Units::Utf16), 7);
    }
}
