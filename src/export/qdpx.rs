//! REFI-QDA exchange, export side: `.qdpx` projects and `.qdc` codebooks that NVivo, ATLAS.ti,
//! MAXQDA and QualCoder open.
//!
//! GUIDs are derived from koda's ids (a SHA-256 of kind and id shaped as 8-4-4-4-12), so
//! exporting the same project twice gives the same GUIDs. Text positions are Unicode code
//! points of the exported plain text, which is koda's normalised text. The XML is written with
//! quick-xml, which escapes every value.

use super::xml::Xml;
use crate::model::text::char_len;
use crate::model::{Code, MemoTarget};
use crate::store::Project;
use crate::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

/// The namespace of `.qde` project files.
pub const PROJECT_NS: &str = "urn:QDA-XML:project:1.0";
/// The namespace of `.qdc` codebook files.
pub const CODEBOOK_NS: &str = "urn:QDA-XML:codebook:1.0";

pub use crate::model::ids::refi_guid as guid;

/// How an export counts text positions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Positions {
    /// Unicode code points, as the standard says.
    #[default]
    CodePoints,
    /// UTF-16 code units, as NVivo and several other readers count.
    Utf16,
}

impl std::str::FromStr for Positions {
    type Err = Error;
    fn from_str(s: &str) -> Result<Positions> {
        match s.trim().to_ascii_lowercase().as_str() {
            "codepoints" | "code-points" | "chars" | "unicode" => Ok(Positions::CodePoints),
            "utf16" | "utf-16" => Ok(Positions::Utf16),
            _ => Err(Error::invalid(format!(
                "--positions {s:?}: give codepoints (the standard) or utf16"
            ))),
        }
    }
}

/// The GUIDs things are exported under: their own where an import kept one, else derived
/// from their koda ids.
struct Guids<'a> {
    project: &'a Project,
}

impl Guids<'_> {
    fn code(&self, id: &str) -> String {
        self.project
            .codebook
            .get(id)
            .and_then(|c| c.guid.clone())
            .unwrap_or_else(|| guid("code", id))
    }
    fn source(&self, id: &str) -> String {
        self.project
            .docs
            .get(id)
            .and_then(|d| d.guid.clone())
            .unwrap_or_else(|| guid("source", id))
    }
    fn selection(&self, c: &crate::model::Coding) -> String {
        c.refi
            .as_ref()
            .map(|r| r.selection.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| guid("selection", &c.id))
    }
    fn coding(&self, c: &crate::model::Coding) -> String {
        c.refi
            .as_ref()
            .map(|r| r.coding.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| guid("coding", &c.id))
    }
    fn memo(&self, m: &crate::model::Memo) -> String {
        m.guid.clone().unwrap_or_else(|| guid("memo", &m.id))
    }
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
        let g = c.guid.clone().unwrap_or_else(|| guid("code", &c.id));
        let name = privacy.text(&c.name);
        let codable = if c.codable { "true" } else { "false" };
        let mut attrs: Vec<(&str, &str)> =
            vec![("guid", &g), ("name", &name), ("isCodable", codable)];
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
    positions: Positions,
) -> Result<Vec<u8>> {
    let user = |name: &str| guid("user", name);
    let ids = Guids { project };
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
        let g = ids.memo(m);
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
            let g = c.guid.clone().unwrap_or_else(|| guid("case", &c.name));
            let shown = privacy.case(&c.name);
            x.open("Case", &[("guid", &g), ("name", &shown)])?;
            if !c.description.is_empty() {
                x.text("Description", &privacy.text(&c.description))?;
            }
            for code in c.codes.iter().filter_map(|id| project.codebook.resolve(id)) {
                x.empty("CodeRef", &[("targetGUID", &ids.code(&code))])?;
            }
            for (k, v) in &c.attributes {
                value(&mut x, k, v)?;
            }
            for d in project
                .documents()
                .iter()
                .filter(|d| d.case.as_deref() == Some(c.name.as_str()))
            {
                x.empty("SourceRef", &[("targetGUID", &ids.source(&d.id))])?;
            }
            for coding in c.codings.iter().filter_map(|id| project.codings.get(id)) {
                x.empty("SelectionRef", &[("targetGUID", &ids.selection(coding))])?;
            }
            x.close("Case")?;
        }
        x.close("Cases")?;
    }
    let mut files: Vec<(String, String)> = Vec::new();
    if !project.docs.is_empty() {
        x.open("Sources", &[])?;
        for d in project.documents() {
            let g = ids.source(&d.id);
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
            // UTF-16 offsets of each character, where the reader counts that way.
            let utf16: Vec<usize> = match positions {
                Positions::CodePoints => Vec::new(),
                Positions::Utf16 => std::iter::once(0)
                    .chain(text.chars().scan(0, |n, ch| {
                        *n += ch.len_utf16();
                        Some(*n)
                    }))
                    .collect(),
            };
            let at = |i: usize| -> String {
                match positions {
                    Positions::CodePoints => i.to_string(),
                    Positions::Utf16 => utf16.get(i).copied().unwrap_or(i).to_string(),
                }
            };
            // Codings that came from one selection of another tool go back as one.
            let mut groups: Vec<(String, Vec<&crate::model::Coding>)> = Vec::new();
            for c in project.codings_of_doc(&d.id) {
                let sel = ids.selection(c);
                match groups.iter_mut().find(|(g, _)| *g == sel) {
                    Some((_, list)) => list.push(c),
                    None => groups.push((sel, vec![c])),
                }
            }
            for (sel, list) in groups {
                let first = list[0];
                let (s, e) = texts
                    .spans
                    .get(&first.id)
                    .copied()
                    .unwrap_or((first.start, first.end));
                let (s, e) = (s.min(len), e.min(len));
                let coder = user(&first.coder);
                let (ss, es) = (at(s), at(e));
                let quote: String = ix.slice(&text, s, e).chars().take(60).collect();
                x.open(
                    "PlainTextSelection",
                    &[
                        ("guid", &sel),
                        ("name", &privacy.text(&quote)),
                        ("startPosition", &ss),
                        ("endPosition", &es),
                        ("creatingUser", &coder),
                        ("creationDateTime", &first.at),
                    ],
                )?;
                let memos: Vec<String> = list
                    .iter()
                    .filter_map(|c| c.memo.as_ref())
                    .map(|m| privacy.text(m))
                    .collect();
                if !memos.is_empty() {
                    x.text("Description", &memos.join("\n\n"))?;
                }
                for c in &list {
                    let cg = ids.coding(c);
                    let coder = user(&c.coder);
                    x.open(
                        "Coding",
                        &[
                            ("guid", &cg),
                            ("creatingUser", &coder),
                            ("creationDateTime", &c.at),
                        ],
                    )?;
                    x.empty("CodeRef", &[("targetGUID", &ids.code(&c.code))])?;
                    x.close("Coding")?;
                }
                for c in &list {
                    for n in notes_by
                        .get(&format!("coding:{}", c.id))
                        .into_iter()
                        .flatten()
                    {
                        x.empty("NoteRef", &[("targetGUID", n)])?;
                    }
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
    let relations = project.codebook.live_relations();
    let relation_notes: Vec<(String, &crate::model::sets::Relation)> = relations
        .iter()
        .filter(|r| !r.memo.trim().is_empty())
        .map(|r| (guid("relation-note", &r.id), r))
        .collect();
    if !project.memos.is_empty() || !relation_notes.is_empty() {
        x.open("Notes", &[])?;
        let mut memos: Vec<_> = project.memos.values().collect();
        memos.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
        for m in memos {
            let g = ids.memo(m);
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
        for (g, r) in &relation_notes {
            x.open("Note", &[("guid", g), ("name", &privacy.text(&r.label))])?;
            x.text("PlainTextContent", &privacy.text(&r.memo))?;
            x.close("Note")?;
        }
        x.close("Notes")?;
    }
    if !relations.is_empty() {
        x.open("Links", &[])?;
        for r in &relations {
            let g = r.guid.clone().unwrap_or_else(|| guid("relation", &r.id));
            let label = privacy.text(&r.label);
            let (from, to) = (ids.code(&r.from), ids.code(&r.to));
            x.open(
                "Link",
                &[
                    ("guid", &g),
                    ("name", &label),
                    ("direction", r.direction.refi()),
                    ("originGUID", &from),
                    ("targetGUID", &to),
                ],
            )?;
            for (n, _) in relation_notes.iter().filter(|(_, x)| x.id == r.id) {
                x.empty("NoteRef", &[("targetGUID", n)])?;
            }
            x.close("Link")?;
        }
        x.close("Links")?;
    }
    if !project.codebook.sets.is_empty() {
        x.open("Sets", &[])?;
        for s in &project.codebook.sets {
            let g = s.guid.clone().unwrap_or_else(|| guid("set", &s.id));
            x.open("Set", &[("guid", &g), ("name", &privacy.text(&s.name))])?;
            if !s.description.is_empty() {
                x.text("Description", &privacy.text(&s.description))?;
            }
            for c in project.codebook.set_codes(s) {
                x.empty("MemberCode", &[("targetGUID", &ids.code(&c))])?;
            }
            for d in s.docs.iter().filter(|d| project.docs.contains_key(*d)) {
                x.empty("MemberSource", &[("targetGUID", &ids.source(d))])?;
            }
            x.close("Set")?;
        }
        x.close("Sets")?;
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
