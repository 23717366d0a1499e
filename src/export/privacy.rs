//! Confidentiality of exports: pseudonymising what goes out, and the gate every export
//! passes.
//!
//! By default every export replaces identifiers (fødselsnummer, phone numbers, e-mail and web
//! addresses) with typed placeholders and registered names (with their aliases and
//! inflections) with their replacements in every text it holds, shows speakers and cases by
//! their pseudonyms, and shows a document whose id carries a registered name by a stable key
//! (`doc-…`). Before anything is written, [`Privacy::gate`] searches the finished bytes with
//! the independent [`leak::Checker`]; one hit fails the export with the place named, and no
//! file is written. `--no-pseudonymise` turns both off and marks the export as not
//! pseudonymised at its top. A register that was deleted, emptied or changed outside koda
//! stops every export ([`crate::store::register`]).

use super::leak::{self, Checker};
use super::summary::Summary;
use super::tables::Table;
use crate::model::identifiers;
use crate::model::names::{Category, NameEntry, Names, Pseudonymiser};
use crate::store::Project;
use crate::{Error, Result};

/// The note at the top of an export made with `--no-pseudonymise`.
pub const NOT_PSEUDONYMISED: &str =
    "NOT PSEUDONYMISED: this export may contain names (made with --no-pseudonymise).";

pub use crate::model::document::doc_key;

/// Pseudonyms and replacements for one export.
#[derive(Debug, Clone)]
pub struct Privacy {
    /// Whether pseudonymisation is on.
    pub on: bool,
    pz: Pseudonymiser,
    checker: Checker,
    identifiers: identifiers::Settings,
    norwegian: bool,
    names: Names,
    speakers: Vec<String>,
    cases: Vec<(String, Option<String>)>,
    /// Document ids that carry a registered name, with their keys, longest first.
    doc_keys: Vec<(String, String)>,
}

impl Privacy {
    /// The privacy settings of a project; `on` is false only for `--no-pseudonymise`. Fails
    /// when the name register was deleted, emptied or changed outside koda, or when the leak
    /// check cannot be built: an export must not go out unchecked.
    pub fn new(project: &Project, on: bool) -> Result<Privacy> {
        if let Some(problem) = crate::store::register::problem(project.root(), &project.config) {
            return Err(Error::invalid(problem));
        }
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
        let identifiers = project.config.privacy.identifiers;
        let mut checker = Checker::new(&project.names, identifiers)?;
        let mut doc_keys: Vec<(String, String)> = project
            .docs
            .keys()
            .filter(|id| checker.mentions(id))
            .map(|id| (id.clone(), doc_key(id)))
            .collect();
        doc_keys.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
        if !doc_keys.is_empty() {
            // The gate also looks for the ids themselves, in any case.
            let mut with_ids = project.names.clone();
            with_ids
                .names
                .extend(doc_keys.iter().map(|(id, key)| NameEntry {
                    name: id.clone(),
                    replacement: key.clone(),
                    aliases: Vec::new(),
                    category: Category::Other,
                    any_case: true,
                }));
            checker = Checker::new(&with_ids, identifiers)?;
        }
        Ok(Privacy {
            on,
            pz: Pseudonymiser::new(&project.names),
            checker,
            identifiers,
            norwegian: project
                .config
                .languages
                .first()
                .is_none_or(|l| l == "no" || l == "nb" || l == "nn"),
            names: project.names.clone(),
            speakers,
            cases,
            doc_keys,
        })
    }

    /// Text with identifiers, document ids that carry names and registered names replaced
    /// (unchanged when off).
    pub fn text(&self, s: &str) -> String {
        if !self.on {
            return s.to_string();
        }
        let s = identifiers::replace(s, &self.identifiers, self.norwegian);
        let s = self.replace_doc_ids(&s);
        self.pz.apply(&s)
    }

    /// A document id as exports show it: its key when the id carries a registered name.
    pub fn doc(&self, id: &str) -> String {
        if !self.on {
            return id.to_string();
        }
        self.doc_keys
            .iter()
            .find(|(d, _)| d == id)
            .map_or_else(|| id.to_string(), |(_, key)| key.clone())
    }

    fn replace_doc_ids(&self, s: &str) -> String {
        let mut out = s.to_string();
        let part = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_');
        for (id, key) in &self.doc_keys {
            let mut from = 0;
            while let Some(i) = out[from..].find(id.as_str()).map(|i| i + from) {
                let end = i + id.len();
                if part(out[..i].chars().last()) || part(out[end..].chars().next()) {
                    from = end;
                    continue;
                }
                out.replace_range(i..end, key);
                from = i + key.len();
            }
        }
        out
    }

    /// The gate: searches finished export bytes (every text part of a DOCX or QDPX) for
    /// registered names, document ids that carry them and identifiers, and refuses with every
    /// place found. Bytes koda cannot read as text are refused too.
    pub fn gate(&self, bytes: &[u8], what: &str) -> Result<()> {
        let leaks = self.checker.check(bytes, what)?;
        if leaks.is_empty() {
            Ok(())
        } else {
            Err(leak::refusal(&leaks))
        }
    }

    /// A speaker label as exports show it.
    pub fn speaker(&self, label: &str) -> String {
        if self.on && !label.is_empty() {
            self.names.speaker(
                label,
                &self.speakers,
                &self.pz,
                if self.norwegian {
                    "Deltaker"
                } else {
                    "Participant"
                },
            )
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
                "doc" => 3,
                _ => 0,
            })
            .collect();
        for row in &mut t.rows {
            for (cell, kind) in row.iter_mut().zip(&kinds) {
                *cell = match kind {
                    1 => self.speaker(cell),
                    2 => self.case(cell),
                    3 => self.doc(cell),
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
                q.doc = self.doc(&q.doc);
                for m in &mut q.memos {
                    *m = self.text(m);
                }
            }
        }
    }
}
