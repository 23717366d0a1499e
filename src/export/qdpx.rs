//! REFI-QDA exchange, export side: `.qdpx` projects and `.qdc` codebooks that NVivo, ATLAS.ti,
//! MAXQDA and QualCoder open.
//!
//! GUIDs are derived from koda's ids (a SHA-256 of kind and id shaped as 8-4-4-4-12), so
//! exporting the same project twice gives the same GUIDs. Text positions are Unicode code
//! points of the exported plain text, which is koda's normalised text. The XML is written with
//! quick-xml, which escapes every value.

use super::xml::Xml;
use crate::model::text::{char_len, sha256_hex};
use crate::model::{Code, MemoTarget};
use crate::store::Project;
use crate::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

/// The namespace of `.qde` project files.
pub const PROJECT_NS: &str = "urn:QDA-XML:project:1.0";
/// The namespace of `.qdc` codebook files.
pub const CODEBOOK_NS: &str = "urn:QDA-XML:codebook:1.0";

/// A stable GUID for a kind of thing and its koda id.
pub fn guid(kind: &str, id: &str) -> String {
    let h = sha256_hex(format!("koda:{kind}:{id}").as_bytes());
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn write_codes(
    x: &mut Xml,
    project: &Project,
    parent: Option<&str>,
    notes: &BTreeMap<String, Vec<String>>,
    privacy: &super::privacy::Privacy,
) -> Result<()> {
    let kids: Vec<&Code> = project.codebook.children(parent).collect();
    for c in kids {
        let g = guid("code", &c.id);
        let name = privacy.text(&c.name);
        let mut attrs: Vec<(&str, &str)> =
            vec![("guid", &g), ("name", &name), ("isCodable", "true")];
        if let Some(col) = &c.color {
            attrs.push(("color", col));
        }
        x.open("Code", &attrs)?;
        if !c.description.is_empty() {
            x.text("Description", &privacy.text(&c.description))?;
        }
        for n in notes.get(&c.id).into_iter().flatten() {
            x.empty("NoteRef", &[("targetGUID", n)])?;
        }
        write_codes(x, project, Some(&c.id), notes, privacy)?;
        x.close("Code")?;
    }
    Ok(())
}

/// The variable type REFI-QDA gets for a set of values.
fn variable_type(values: &BTreeSet<String>) -> &'static str {
    let all = |f: fn(&str) -> bool| !values.is_empty() && values.iter().all(|v| f(v));
    if all(|v| v.parse::<i64>().is_ok()) {
        "Integer"
    } else if all(|v| matches!(v, "true" | "false")) {
        "Boolean"
    } else if all(|v| {
        v.len() == 10
            && v.as_bytes().get(4) == Some(&b'-')
            && v.as_bytes().get(7) == Some(&b'-')
            && v.chars().filter(char::is_ascii_digit).count() == 8
    }) {
        "Date"
    } else {
        "Text"
    }
}

fn value_element(kind: &str) -> &'static str {
    match kind {
        "Integer" => "IntegerValue",
        "Boolean" => "BooleanValue",
        "Date" => "DateValue",
        _ => "TextValue",
    }
}

/// Builds the `.qdc` codebook (code names and descriptions as `privacy` shows them).
pub fn qdc(project: &Project, privacy: &super::privacy::Privacy) -> Result<Vec<u8>> {
    let mut x = Xml::new()?;
    x.open("CodeBook", &[("xmlns", CODEBOOK_NS), ("origin", "koda")])?;
    x.open("Codes", &[])?;
    write_codes(&mut x, project, None, &BTreeMap::new(), privacy)?;
    x.close("Codes")?;
    x.close("CodeBook")?;
    Ok(x.finish())
}

/// Texts to export per document (normally the project's; pseudonymised when asked) and the
/// coding spans in those texts.
pub struct Texts {
    /// Text per document id.
    pub text: BTreeMap<String, String>,
    /// (start, end) per coding id.
    pub spans: BTreeMap<String, (usize, usize)>,
}

impl Texts {
    /// The project's texts as they are.
    pub fn of(project: &Project) -> Result<Texts> {
        let mut text = BTreeMap::new();
        for d in project.docs.values() {
            text.insert(d.id.clone(), project.text(&d.id)?.to_string());
        }
        let spans = project
            .codings
            .values()
            .map(|c| (c.id.clone(), (c.start, c.end)))
            .collect();
        Ok(Texts { text, spans })
    }

    /// The texts with registered names replaced, each coding carried to its words in the
    /// replaced text.
    pub fn pseudonymised(project: &Project, privacy: &super::privacy::Privacy) -> Result<Texts> {
        let mut t = Texts::of(project)?;
        for d in project.docs.values() {
            let old = t.text.get(&d.id).cloned().unwrap_or_default();
            let new = privacy.text(&old);
            if new == old {
                continue;
            }
            let codings: Vec<&crate::model::Coding> =
                project.codings.values().filter(|c| c.doc == d.id).collect();
            let spans: Vec<(usize, usize)> = codings.iter().map(|c| (c.start, c.end)).collect();
            for (c, (s, e, _)) in codings
                .iter()
                .zip(crate::store::edit::map_spans(&old, &new, &spans))
            {
                t.spans.insert(c.id.clone(), (s, e));
            }
            t.text.insert(d.id.clone(), new);
        }
        Ok(t)
    }
}

/// Builds the `.qdpx` archive: `project.qde` and `sources/<guid>.txt`.
pub fn qdpx(
    project: &Project,
    texts: &Texts,
    privacy: &super::privacy::Privacy,
) -> Result<Vec<u8>> {
    let user = |name: &str| guid("user", name);
    let mut coders: Vec<String> = project.config.coders.clone();
    for c in project.codings.values() {
        if !coders.contains(&c.coder) {
            coders.push(c.coder.clone());
        }
    }
    for m in project.memos.values() {
        if !coders.contains(&m.coder) {
            coders.push(m.coder.clone());
        }
    }
    // Notes by what they are attached to.
    let mut notes_by: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut project_notes = Vec::new();
    for m in project.memos.values() {
        let g = guid("memo", &m.id);
        match &m.target {
            MemoTarget::Document(d) => notes_by.entry(format!("doc:{d}")).or_default().push(g),
            MemoTarget::Code(c) => notes_by.entry(c.clone()).or_default().push(g),
            MemoTarget::Coding(c) => notes_by.entry(format!("coding:{c}")).or_default().push(g),
            MemoTarget::Project => project_notes.push(g),
        }
    }
    // Variables: case attributes and document metadata, each with the type its values allow.
    let mut values: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in project.cases.cases.values() {
        for (k, v) in &c.attributes {
            values.entry(k.clone()).or_default().insert(v.clone());
        }
    }
    for d in project.docs.values() {
        for (k, v) in &d.metadata {
            values.entry(k.clone()).or_default().insert(v.clone());
        }
        values
            .entry("type".into())
            .or_default()
            .insert(d.kind.to_string());
    }
    let var_type: BTreeMap<String, &'static str> = values
        .iter()
        .map(|(k, v)| (k.clone(), variable_type(v)))
        .collect();

    let mut x = Xml::new()?;
    let now = crate::model::now();
    let name = privacy.text(&project.config.name);
    let creator = user(&project.config.default_coder);
    x.open(
        "Project",
        &[
            ("xmlns", PROJECT_NS),
            ("name", &name),
            ("origin", "koda"),
            ("creatingUserGUID", &creator),
            ("creationDateTime", &project.config.created_at),
            ("modifiedDateTime", &now),
        ],
    )?;
    x.open("Users", &[])?;
    for c in &coders {
        let g = user(c);
        x.empty("User", &[("guid", &g), ("name", c), ("id", c)])?;
    }
    x.close("Users")?;
    if !project.codebook.codes.is_empty() {
        x.open("CodeBook", &[])?;
        x.open("Codes", &[])?;
        write_codes(&mut x, project, None, &notes_by, privacy)?;
        x.close("Codes")?;
        x.close("CodeBook")?;
    }
    if !values.is_empty() {
        x.open("Variables", &[])?;
        for (k, t) in &var_type {
            let g = guid("variable", k);
            x.empty(
                "Variable",
                &[("guid", &g), ("name", k), ("typeOfVariable", t)],
            )?;
        }
        x.close("Variables")?;
    }
    let value = |x: &mut Xml, k: &str, v: &str| -> Result<()> {
        let t = var_type.get(k).copied().unwrap_or("Text");
        x.open("VariableValue", &[])?;
        let g = guid("variable", k);
        x.empty("VariableRef", &[("targetGUID", &g)])?;
        x.text(value_element(t), &privacy.text(v))?;
        x.close("VariableValue")
    };
    if !project.cases.cases.is_empty() {
        x.open("Cases", &[])?;
        for c in project.cases.cases.values() {
            let g = guid("case", &c.name);
            let shown = privacy.case(&c.name);
            x.open("Case", &[("guid", &g), ("name", &shown)])?;
            for (k, v) in &c.attributes {
                value(&mut x, k, v)?;
            }
            for d in project
                .documents()
                .iter()
                .filter(|d| d.case.as_deref() == Some(c.name.as_str()))
            {
                let sg = guid("source", &d.id);
                x.empty("SourceRef", &[("targetGUID", &sg)])?;
            }
            x.close("Case")?;
        }
        x.close("Cases")?;
    }
    let mut files: Vec<(String, String)> = Vec::new();
    if !project.docs.is_empty() {
        x.open("Sources", &[])?;
        for d in project.documents() {
            let g = guid("source", &d.id);
            let path = format!("internal://{g}.txt");
            let title = privacy.text(&d.title);
            let text = texts.text.get(&d.id).cloned().unwrap_or_default();
            let len = char_len(&text);
            x.open(
                "TextSource",
                &[
                    ("guid", &g),
                    ("name", &title),
                    ("plainTextPath", &path),
                    ("creationDateTime", &d.imported_at),
                ],
            )?;
            x.text(
                "Description",
                &format!("koda document {}: {}", privacy.doc(&d.id), d.kind),
            )?;
            // Quotes are cut through an index of the text, not by walking it from its start.
            let ix = crate::model::text::CharIndex::new(&text);
            for c in project.codings_of_doc(&d.id) {
                let (s, e) = texts.spans.get(&c.id).copied().unwrap_or((c.start, c.end));
                let (s, e) = (s.min(len), e.min(len));
                let sel = guid("selection", &c.id);
                let coder = user(&c.coder);
                let (ss, es) = (s.to_string(), e.to_string());
                let quote: String = ix.slice(&text, s, e).chars().take(60).collect();
                x.open(
                    "PlainTextSelection",
                    &[
                        ("guid", &sel),
                        ("name", &quote),
                        ("startPosition", &ss),
                        ("endPosition", &es),
                        ("creatingUser", &coder),
                        ("creationDateTime", &c.at),
                    ],
                )?;
                if let Some(m) = &c.memo {
                    x.text("Description", &privacy.text(m))?;
                }
                let cg = guid("coding", &c.id);
                x.open(
                    "Coding",
                    &[
                        ("guid", &cg),
                        ("creatingUser", &coder),
                        ("creationDateTime", &c.at),
                    ],
                )?;
                let code = guid("code", &c.code);
                x.empty("CodeRef", &[("targetGUID", &code)])?;
                x.close("Coding")?;
                for n in notes_by
                    .get(&format!("coding:{}", c.id))
                    .into_iter()
                    .flatten()
                {
                    x.empty("NoteRef", &[("targetGUID", n)])?;
                }
                x.close("PlainTextSelection")?;
            }
            for n in notes_by.get(&format!("doc:{}", d.id)).into_iter().flatten() {
                x.empty("NoteRef", &[("targetGUID", n)])?;
            }
            value(&mut x, "type", d.kind.as_str())?;
            for (k, v) in &d.metadata {
                value(&mut x, k, v)?;
            }
            x.close("TextSource")?;
            files.push((format!("sources/{g}.txt"), text));
        }
        x.close("Sources")?;
    }
    if !project.memos.is_empty() {
        x.open("Notes", &[])?;
        let mut memos: Vec<_> = project.memos.values().collect();
        memos.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
        for m in memos {
            let g = guid("memo", &m.id);
            let coder = user(&m.coder);
            let first: String = m
                .text
                .lines()
                .next()
                .unwrap_or("memo")
                .chars()
                .take(60)
                .collect();
            x.open(
                "Note",
                &[
                    ("guid", &g),
                    ("name", &privacy.text(&first)),
                    ("creatingUser", &coder),
                    ("creationDateTime", &m.at),
                ],
            )?;
            x.text("PlainTextContent", &privacy.text(&m.text))?;
            x.close("Note")?;
        }
        x.close("Notes")?;
    }
    for n in &project_notes {
        x.empty("NoteRef", &[("targetGUID", n)])?;
    }
    x.close("Project")?;
    let qde = x.finish();

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let zerr =
        |e: zip::result::ZipError| Error::invalid(format!("cannot write the QDPX archive: {e}"));
    zip.start_file("project.qde", opts).map_err(zerr)?;
    zip.write_all(&qde)
        .map_err(|e| Error::invalid(e.to_string()))?;
    for (path, text) in files {
        zip.start_file(path, opts).map_err(zerr)?;
        zip.write_all(text.as_bytes())
            .map_err(|e| Error::invalid(e.to_string()))?;
    }
    let cursor = zip.finish().map_err(zerr)?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_stable_and_well_formed() {
        let g = guid("code", "c123");
        assert_eq!(g, guid("code", "c123"));
        assert_ne!(g, guid("code", "c124"));
        let parts: Vec<usize> = g.split('-').map(str::len).collect();
        assert_eq!(parts, vec![8, 4, 4, 4, 12]);
    }

    #[test]
    fn variable_types_follow_the_values() {
        let set = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<BTreeSet<_>>();
        assert_eq!(variable_type(&set(&["1", "2"])), "Integer");
        assert_eq!(variable_type(&set(&["true", "false"])), "Boolean");
        assert_eq!(variable_type(&set(&["2025-03-14"])), "Date");
        assert_eq!(variable_type(&set(&["parent", "2"])), "Text");
    }
}
