//! Tables: the tidy excerpt table, the case-by-code matrix, memos and the codebook.

use super::Format;
use super::html::{esc, page, table};
use super::labels::Labels;
use crate::analysis::stats::case_matrix;
use crate::analysis::{ExcerptFilter, attribute_names, code_counts, excerpts};
use crate::model::MemoTarget;
use crate::store::Project;
use crate::{Error, Result};
use serde_json::{Map, Value, json};

/// A table: header and rows of cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Renders as CSV (RFC 4180), optionally with a UTF-8 byte-order mark for Excel.
    pub fn csv(&self, bom: bool) -> Result<Vec<u8>> {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(&self.header)
            .map_err(|e| Error::invalid(e.to_string()))?;
        for r in &self.rows {
            w.write_record(r)
                .map_err(|e| Error::invalid(e.to_string()))?;
        }
        let body = w.into_inner().map_err(|e| Error::invalid(e.to_string()))?;
        let mut out = if bom {
            b"\xef\xbb\xbf".to_vec()
        } else {
            Vec::new()
        };
        out.extend(body);
        Ok(out)
    }

    /// Renders as a Markdown table.
    pub fn markdown(&self) -> String {
        let cell = |s: &str| s.replace('|', "\\|").replace('\n', "<br>");
        let mut out = format!(
            "| {} |\n",
            self.header
                .iter()
                .map(|h| cell(h))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        out.push_str(&format!("|{}\n", " --- |".repeat(self.header.len())));
        for r in &self.rows {
            out.push_str(&format!(
                "| {} |\n",
                r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
            ));
        }
        out
    }

    /// Renders as a JSON array of objects keyed by the header.
    pub fn json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    let mut m = Map::new();
                    for (h, c) in self.header.iter().zip(r) {
                        m.insert(h.clone(), Value::String(c.clone()));
                    }
                    Value::Object(m)
                })
                .collect(),
        )
    }

    /// Renders in a format; `title` heads Markdown and HTML.
    pub fn render(&self, format: Format, title: &str, bom: bool, lang: &str) -> Result<Vec<u8>> {
        Ok(match format {
            Format::Csv | Format::Docx => self.csv(bom)?,
            Format::Markdown => format!("# {title}\n\n{}", self.markdown()).into_bytes(),
            Format::Html => page(
                title,
                lang,
                &format!(
                    "<h1>{}</h1>\n{}",
                    esc(title),
                    table(&self.header, &self.rows, usize::MAX)
                ),
            )
            .into_bytes(),
            Format::Json => {
                let mut s = serde_json::to_string_pretty(&self.json())
                    .map_err(|e| Error::invalid(e.to_string()))?;
                s.push('\n');
                s.into_bytes()
            }
        })
    }
}

const FIXED: &[&str] = &[
    "code_path",
    "doc",
    "doc_title",
    "doc_type",
    "turn",
    "turn_end",
    "line",
    "line_end",
    "speaker",
    "case",
    "start",
    "end",
    "text",
    "coder",
    "memo",
    "created",
    "coding",
];

/// The tidy excerpt table: one row per coding, every field its own column.
pub fn excerpt_table(project: &Project, filter: &ExcerptFilter) -> Result<Table> {
    let list = excerpts(project, filter)?;
    let depth = project
        .codebook
        .walk()
        .iter()
        .map(|(_, d)| d + 1)
        .max()
        .unwrap_or(1);
    let attrs = attribute_names(project);
    let attr_col = |a: &str| {
        if FIXED.contains(&a) || a.starts_with("level_") {
            format!("attr_{a}")
        } else {
            a.to_string()
        }
    };
    let mut header: Vec<String> = vec!["code_path".into()];
    header.extend((1..=depth).map(|i| format!("level_{i}")));
    header.extend(
        [
            "doc",
            "doc_title",
            "doc_type",
            "turn",
            "turn_end",
            "line",
            "line_end",
            "speaker",
            "case",
        ]
        .iter()
        .map(|s| (*s).to_string()),
    );
    header.extend(attrs.iter().map(|a| attr_col(a)));
    header.extend(
        ["start", "end", "text", "coder", "memo", "created", "coding"]
            .iter()
            .map(|s| (*s).to_string()),
    );
    let rows = list
        .iter()
        .map(|e| {
            let mut r = vec![e.code_path.clone()];
            let levels: Vec<&str> = e.code_path.split('/').collect();
            r.extend((0..depth).map(|i| levels.get(i).map_or(String::new(), |s| (*s).to_string())));
            r.extend([
                e.doc.clone(),
                e.doc_title.clone(),
                e.doc_type.clone(),
                e.turn.to_string(),
                e.turn_end.to_string(),
                e.line.to_string(),
                e.line_end.to_string(),
                e.speaker.clone().unwrap_or_default(),
                e.case.clone().unwrap_or_default(),
            ]);
            r.extend(
                attrs
                    .iter()
                    .map(|a| e.attributes.get(a).cloned().unwrap_or_default()),
            );
            let memo: Vec<String> = e.memo.iter().chain(&e.memos).cloned().collect();
            r.extend([
                e.start.to_string(),
                e.end.to_string(),
                e.text.clone(),
                e.coder.clone(),
                memo.join(" | "),
                e.at.clone(),
                e.coding.clone(),
            ]);
            r
        })
        .collect();
    Ok(Table { header, rows })
}

/// The case-by-code matrix with case attributes, counts or 0/1 presence.
pub fn matrix_table(project: &Project, presence: bool) -> Result<Table> {
    let m = case_matrix(project, presence)?;
    let mut header = vec!["case".to_string()];
    header.extend(m.attributes.iter().cloned());
    header.extend(m.codes.iter().cloned());
    let rows = m
        .rows
        .into_iter()
        .map(|(name, attrs, counts)| {
            let mut r = vec![name];
            r.extend(attrs);
            r.extend(counts.iter().map(ToString::to_string));
            r
        })
        .collect();
    Ok(Table { header, rows })
}

/// Every memo with what it is attached to.
pub fn memo_table(project: &Project, l: &Labels) -> Table {
    let mut list: Vec<_> = project.memos.values().collect();
    list.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
    let rows = list
        .iter()
        .map(|m| {
            let (kind, about) = match &m.target {
                MemoTarget::Document(d) => (
                    "document",
                    project.docs.get(d).map_or(d.clone(), |x| x.title.clone()),
                ),
                MemoTarget::Code(c) => (
                    "code",
                    project
                        .codebook
                        .get(c)
                        .map_or(c.clone(), |_| project.codebook.path(c)),
                ),
                MemoTarget::Coding(c) => ("coding", coding_heading(project, c, l)),
                MemoTarget::Project => ("project", String::new()),
            };
            vec![
                m.id.clone(),
                kind.to_string(),
                about,
                m.coder.clone(),
                m.at.clone(),
                m.text.clone(),
            ]
        })
        .collect();
    Table {
        header: ["memo", "attached_to", "about", "coder", "at", "text"]
            .iter()
            .map(|s| (*s).to_string())
            .collect(),
        rows,
    }
}

/// A coding as a reader of memos knows it: its code, its quote (cut at a word after 120
/// characters) and where it is; a coding that is gone by its id.
fn coding_heading(project: &Project, id: &str, l: &Labels) -> String {
    let Some(c) = project.codings.get(id) else {
        return format!("{id} (removed)");
    };
    let quote = project
        .text(&c.doc)
        .ok()
        .map(|t| {
            let words = crate::model::text::slice_chars(&t, c.start, c.end)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let short = super::quote::cut_at_word(&words, 120);
            if short == words {
                short
            } else {
                format!("{short} {}", super::quote::ELISION)
            }
        })
        .unwrap_or_default();
    let doc = project.docs.get(&c.doc);
    let title = doc.map_or(c.doc.as_str(), |d| d.title.as_str());
    let kind = doc.map_or(crate::model::DocKind::Other, |d| d.kind);
    let turn = project
        .turns(&c.doc)
        .ok()
        .and_then(|t| crate::model::turn_at(&t, c.start).map(|t| t.number))
        .map(|n| format!(", {}", l.place(kind, n)))
        .unwrap_or_default();
    format!(
        "{} «{quote}» ({title}{turn})",
        project.codebook.path(&c.code)
    )
}

/// Memos as a Markdown document, grouped by what they are attached to.
pub fn memos_markdown(project: &Project, l: &Labels) -> String {
    let t = memo_table(project, l);
    let mut out = format!("# {}: {}\n", l.memos_title, project.config.name);
    for r in &t.rows {
        let kind = match r[1].as_str() {
            "document" => l.document.0,
            "code" => l.code.0,
            "coding" => l.coding.0,
            _ => l.project,
        };
        let about = if r[2].is_empty() {
            kind.to_string()
        } else {
            format!("{kind} {}", r[2])
        };
        out.push_str(&format!(
            "\n## {about}\n\n{}\n\n*{}, {}*\n",
            r[5].trim(),
            r[3],
            r[4]
        ));
    }
    out
}

/// The codebook with descriptions and counts.
pub fn codebook_table(project: &Project) -> Table {
    let rows = code_counts(project)
        .into_iter()
        .map(|c| {
            vec![
                c.path,
                c.depth.to_string(),
                c.description,
                c.color.unwrap_or_default(),
                c.codings.to_string(),
                c.codings_with_subcodes.to_string(),
                c.documents.to_string(),
            ]
        })
        .collect();
    Table {
        header: [
            "code_path",
            "depth",
            "description",
            "color",
            "codings",
            "codings_with_subcodes",
            "documents",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect(),
        rows,
    }
}

/// The codebook as a Markdown outline.
pub fn codebook_markdown(project: &Project, l: &Labels) -> String {
    let mut out = format!("# {}: {}\n\n", l.codebook_title, project.config.name);
    for c in code_counts(project) {
        out.push_str(&format!(
            "{}- **{}** ({}, {} {}){}\n",
            "  ".repeat(c.depth),
            c.name,
            l.coding.count(c.codings),
            c.codings_with_subcodes,
            l.with_subcodes,
            if c.description.is_empty() {
                String::new()
            } else {
                format!(": {}", c.description)
            }
        ));
    }
    out
}

/// The codebook as JSON (the same records as `koda codes --json`).
pub fn codebook_json(project: &Project) -> Value {
    json!(code_counts(project))
}
