//! Confidentiality of exports: pseudonymising what goes out, and the leak check.
//!
//! By default every export replaces registered names (with their aliases and inflections) in
//! every text it holds, and shows speakers and cases by their pseudonyms. Before anything is
//! written, the finished bytes are searched for every registered name; one hit fails the export
//! with the place named, and no file is written. `--no-pseudonymise` turns both off and marks
//! the export as not pseudonymised at its top.

use super::summary::Summary;
use super::tables::Table;
use crate::model::names::{Names, Pseudonymiser};
use crate::store::Project;
use crate::{Error, Result};
use std::io::Read;

/// The note at the top of an export made with `--no-pseudonymise`.
pub const NOT_PSEUDONYMISED: &str =
    "NOT PSEUDONYMISED: this export may contain names (made with --no-pseudonymise).";

/// Pseudonyms and replacements for one export.
#[derive(Debug, Clone)]
pub struct Privacy {
    /// Whether pseudonymisation is on.
    pub on: bool,
    pz: Pseudonymiser,
    names: Names,
    speakers: Vec<String>,
    cases: Vec<(String, Option<String>)>,
}

impl Privacy {
    /// The privacy settings of a project; `on` is false only for `--no-pseudonymise`.
    pub fn new(project: &Project, on: bool) -> Privacy {
        let mut speakers: Vec<String> = Vec::new();
        for d in project.documents() {
            for s in &d.speakers {
                if !speakers.contains(s) {
                    speakers.push(s.clone());
                }
            }
        }
        let cases = project
            .cases
            .cases
            .values()
            .map(|c| (c.name.clone(), c.attributes.get("role").cloned()))
            .collect();
        Privacy {
            on,
            pz: Pseudonymiser::new(&project.names),
            names: project.names.clone(),
            speakers,
            cases,
        }
    }

    /// The register's matcher.
    pub fn pseudonymiser(&self) -> &Pseudonymiser {
        &self.pz
    }

    /// Text with names replaced (unchanged when off).
    pub fn text(&self, s: &str) -> String {
        if self.on {
            self.pz.apply(s)
        } else {
            s.to_string()
        }
    }

    /// A speaker label as exports show it.
    pub fn speaker(&self, label: &str) -> String {
        if self.on && !label.is_empty() {
            self.names.speaker(label, &self.speakers, &self.pz)
        } else {
            label.to_string()
        }
    }

    /// A case name as exports show it.
    pub fn case(&self, name: &str) -> String {
        if self.on && !name.is_empty() {
            self.names.case(name, &self.cases)
        } else {
            name.to_string()
        }
    }

    /// Pseudonymises a table: speaker and case columns by pseudonym, every other cell by text.
    pub fn table(&self, t: &mut Table) {
        if !self.on {
            return;
        }
        let kinds: Vec<u8> = t
            .header
            .iter()
            .map(|h| match h.as_str() {
                "speaker" => 1,
                "case" => 2,
                _ => 0,
            })
            .collect();
        for row in &mut t.rows {
            for (cell, kind) in row.iter_mut().zip(&kinds) {
                *cell = match kind {
                    1 => self.speaker(cell),
                    2 => self.case(cell),
                    _ => self.text(cell),
                };
            }
        }
    }

    /// Pseudonymises every text of a summary.
    pub fn summary(&self, s: &mut Summary) {
        s.pseudonymised = self.on;
        if !self.on {
            return;
        }
        s.project = self.text(&s.project);
        for t in &mut s.themes {
            t.code = self.text(&t.code);
            t.name = self.text(&t.name);
            t.description = self.text(&t.description);
            for m in &mut t.memos {
                *m = self.text(m);
            }
            for b in &mut t.breakdown {
                b.value = self.text(&b.value);
            }
            for q in &mut t.quotes {
                q.text = self.text(&q.text);
                q.attribution = self.text(&q.attribution);
                q.doc = self.text(&q.doc);
                for m in &mut q.memos {
                    *m = self.text(m);
                }
            }
        }
    }
}

/// The readable text of an export: the bytes as UTF-8, or for a ZIP-based file (DOCX, QDPX) the
/// text of its XML, `.qde` and `.txt` parts.
pub fn export_text(bytes: &[u8], what: &str) -> Result<String> {
    if bytes.starts_with(b"PK") {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| Error::invalid(format!("{what}: not a readable DOCX/ZIP file ({e})")))?;
        let mut out = String::new();
        let names: Vec<String> = z.file_names().map(str::to_string).collect();
        let texty = |n: &str| {
            let l = n.to_lowercase();
            [".xml", ".qde", ".qdc", ".txt"]
                .iter()
                .any(|x| l.ends_with(x))
        };
        for name in names.iter().filter(|n| texty(n)) {
            let f = z
                .by_name(name)
                .map_err(|e| Error::invalid(format!("{what}: {name}: {e}")))?;
            let mut part = String::new();
            f.take(64 * 1024 * 1024)
                .read_to_string(&mut part)
                .map_err(|e| Error::invalid(format!("{what}: {name}: {e}")))?;
            out.push_str(&part);
            out.push('\n');
        }
        return Ok(out);
    }
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Error::invalid(format!("{what} is not a text file koda can check")))
}

/// Searches an export for registered names; an error lists every place found.
pub fn leak_check(bytes: &[u8], what: &str, pz: &Pseudonymiser) -> Result<()> {
    if pz.is_empty() {
        return Ok(());
    }
    let text = export_text(bytes, what)?;
    let hits = pz.find(&text);
    if hits.is_empty() {
        return Ok(());
    }
    let places: Vec<String> = hits
        .iter()
        .take(20)
        .map(|(l, c, m)| format!("  {what}:{l}:{c}: «{m}»"))
        .collect();
    Err(Error::invalid(format!(
        "registered names are still in the export, so it was not written:\n{}{}\nCheck the replacements in `koda names` (a replacement must not contain the name).",
        places.join("\n"),
        if hits.len() > 20 {
            format!("\n  … and {} more", hits.len() - 20)
        } else {
            String::new()
        }
    )))
}
