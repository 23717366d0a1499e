//! Bringing a REFI-QDA project into a koda project (the reading side is in
//! [`crate::import::qdpx`]).

use crate::import::qdpx::{RefiCode, RefiProject, to_code_points};
use crate::model::codebook::parse_color;
use crate::model::text::{char_len, normalise, quote_hash, sha256_hex, slice_chars};
use crate::model::{Coding, DocKind, MemoTarget, Origin, ids, now, validate_coder};
use crate::store::Session;
use crate::store::journal::Event;
use crate::store::project::ImportOptions;
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// What an import of a REFI-QDA project brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefiReport {
    /// Documents added.
    pub documents: usize,
    /// Documents already in the project (same text), reused.
    pub reused: usize,
    /// Codes added.
    pub codes: usize,
    /// Codings added.
    pub codings: usize,
    /// Memos added.
    pub memos: usize,
    /// Cases added or given attributes.
    pub cases: usize,
    /// Sources that could not be brought over, by name.
    pub skipped: Vec<String>,
    /// Codings that could not be placed (unknown code, empty span), with why.
    pub dropped: Vec<String>,
}

fn coder_name(users: &BTreeMap<String, String>, guid: Option<&String>) -> String {
    let raw = guid
        .and_then(|g| users.get(g))
        .cloned()
        .unwrap_or_else(|| "imported".to_string());
    let cleaned: String = raw
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches(|c| c == '-' || c == '.').to_string();
    if validate_coder(&cleaned).is_ok() {
        cleaned
    } else {
        "imported".into()
    }
}

impl Session {
    /// Adds codes from REFI-QDA, matching existing ones by path; returns GUID → code id.
    pub fn import_refi_codes(
        &mut self,
        codes: &[RefiCode],
    ) -> Result<(BTreeMap<String, String>, usize)> {
        self.atomically(|s| s.import_refi_codes_now(codes))
    }

    /// The change itself, inside the transaction its public form opens.
    fn import_refi_codes_now(
        &mut self,
        codes: &[RefiCode],
    ) -> Result<(BTreeMap<String, String>, usize)> {
        let mut map: BTreeMap<String, String> = BTreeMap::new();
        let mut paths: BTreeMap<String, String> = BTreeMap::new();
        let mut added = 0;
        for c in codes {
            let name = c.name.replace('/', "-").trim().to_string();
            let name = if name.is_empty() {
                "code".to_string()
            } else {
                name
            };
            let path = match c.parent.as_ref().and_then(|p| paths.get(p)) {
                Some(pp) => format!("{pp}/{name}"),
                None => name,
            };
            paths.insert(c.guid.clone(), path.clone());
            let existing = self
                .project()
                .codebook
                .find(&path)
                .ok()
                .filter(|x| {
                    self.project()
                        .codebook
                        .path(&x.id)
                        .eq_ignore_ascii_case(&path)
                })
                .map(|x| x.id.clone());
            let id = match existing {
                Some(id) => id,
                None => {
                    let color = c.color.as_deref().and_then(|col| parse_color(col).ok());
                    added += 1;
                    self.add_code(&path, &c.description, color)?
                }
            };
            map.insert(c.guid.clone(), id);
        }
        Ok((map, added))
    }

    /// Imports a whole REFI-QDA project: sources, codebook, cases and variables, codings by
    /// their coders, and memos.
    pub fn import_refi(&mut self, p: &RefiProject, file: &Path) -> Result<RefiReport> {
        self.atomically(|s| s.import_refi_now(p, file))
    }

    /// The change itself, inside the transaction its public form opens.
    fn import_refi_now(&mut self, p: &RefiProject, file: &Path) -> Result<RefiReport> {
        let mut report = RefiReport {
            skipped: p.skipped.clone(),
            ..RefiReport::default()
        };
        let units = p.units();
        // Check every source's text before writing anything.
        for s in &p.sources {
            if normalise(&s.text).trim().is_empty() && !s.selections.is_empty() {
                return Err(Error::Import {
                    path: file.to_path_buf(),
                    msg: format!("source {:?} has codings but no text", s.name),
                });
            }
        }
        let var = |g: &str| p.variables.get(g).cloned().unwrap_or_else(|| g.to_string());
        // Cases per source.
        let mut case_of: BTreeMap<String, String> = BTreeMap::new();
        let mut case_attrs: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for (i, c) in p.cases.iter().enumerate() {
            let name = c.name.clone().unwrap_or_else(|| format!("case-{}", i + 1));
            for s in &c.sources {
                case_of.insert(s.clone(), name.clone());
            }
            case_attrs.push((
                name,
                c.values.iter().map(|(g, v)| (var(g), v.clone())).collect(),
            ));
        }
        for (name, attrs) in &case_attrs {
            self.set_case_attrs(name, attrs)?;
            report.cases += 1;
        }
        let (code_map, added) = self.import_refi_codes(&p.codes)?;
        report.codes = added;
        // Documents.
        let mut doc_of: BTreeMap<String, String> = BTreeMap::new();
        for s in &p.sources {
            let text = normalise(&s.text);
            if text.trim().is_empty() {
                report.skipped.push(format!("{} (no text)", s.name));
                continue;
            }
            let sha = sha256_hex(text.as_bytes());
            if let Some(d) = self.project().docs.values().find(|d| d.text_sha256 == sha) {
                doc_of.insert(s.guid.clone(), d.id.clone());
                report.reused += 1;
                continue;
            }
            let parsed = crate::import::text::parse(&text);
            let values: BTreeMap<String, String> =
                s.values.iter().map(|(g, v)| (var(g), v.clone())).collect();
            let kind = values
                .get("type")
                .and_then(|t| t.parse::<DocKind>().ok())
                .unwrap_or_else(|| {
                    crate::import::guess_kind(std::path::Path::new(""), &parsed.speakers)
                });
            let prepared = crate::import::Prepared::new(
                file,
                crate::import::qdpx::source_title(&s.name, &s.guid, &text),
                (kind, false),
                parsed,
                Origin {
                    file: format!(
                        "{} ({})",
                        file.file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        s.name
                    ),
                    format: "refi-qda".into(),
                    sha256: sha256_hex(s.text.as_bytes()),
                },
            );
            let opts = ImportOptions {
                case: case_of.get(&s.guid).cloned(),
                metadata: values.into_iter().filter(|(k, _)| k != "type").collect(),
                ..ImportOptions::default()
            };
            let ids = self.import(vec![prepared], &opts)?;
            if let Some(id) = ids.first() {
                doc_of.insert(s.guid.clone(), id.clone());
                report.documents += 1;
            }
        }
        // Codings and memos, each in the journal of the coder who made it.
        let mut events: BTreeMap<String, Vec<Event>> = BTreeMap::new();
        let mut coding_of_selection: BTreeMap<String, String> = BTreeMap::new();
        let at_default = now();
        for s in &p.sources {
            let Some(doc_id) = doc_of.get(&s.guid) else {
                continue;
            };
            let norm = self.project().text(doc_id)?.to_string();
            let raw_spans: Vec<(usize, usize)> = s
                .selections
                .iter()
                .map(|sel| {
                    let a = to_code_points(&s.text, sel.start, units);
                    let b = to_code_points(&s.text, sel.end, units);
                    (a.min(b), a.max(b))
                })
                .collect();
            let raw_chars: String = s.text.clone();
            let mapped = if raw_chars == norm {
                raw_spans.iter().map(|&(a, b)| (a, b, false)).collect()
            } else {
                crate::store::edit::map_spans(&raw_chars, &norm, &raw_spans)
            };
            let len = char_len(&norm);
            for (sel, (a, b, _)) in s.selections.iter().zip(mapped) {
                let (a, b) = crate::model::text::trim_span(&norm, a.min(len), b.min(len));
                if b <= a {
                    report
                        .dropped
                        .push(format!("an empty selection in {:?}", s.name));
                    continue;
                }
                for (k, c) in sel.codings.iter().enumerate() {
                    let Some(code) = code_map.get(&c.code) else {
                        report.dropped.push(format!(
                            "a coding in {:?} refers to an unknown code {}",
                            s.name, c.code
                        ));
                        continue;
                    };
                    let coder = coder_name(&p.users, c.user.as_ref().or(sel.user.as_ref()));
                    let id = ids::new_id("x");
                    if k == 0 {
                        coding_of_selection.insert(sel.guid.clone(), id.clone());
                    }
                    let coding = Coding {
                        id,
                        doc: doc_id.clone(),
                        start: a,
                        end: b,
                        hash: quote_hash(slice_chars(&norm, a, b)),
                        code: code.clone(),
                        coder: coder.clone(),
                        at: c
                            .at
                            .clone()
                            .or(sel.at.clone())
                            .unwrap_or_else(|| at_default.clone()),
                        memo: (!sel.description.is_empty()).then(|| sel.description.clone()),
                        batch: None,
                        rev: self.project().docs.get(doc_id).map_or(0, |d| d.revision),
                        stale: false,
                    };
                    events
                        .entry(coder)
                        .or_default()
                        .push(Event::CodingAdd(coding));
                    report.codings += 1;
                }
            }
        }
        let memo = |note_guid: &str,
                    target: MemoTarget,
                    events: &mut BTreeMap<String, Vec<Event>>,
                    report: &mut RefiReport| {
            if let Some(n) = p.notes.get(note_guid)
                && !n.text.trim().is_empty()
            {
                let coder = coder_name(&p.users, n.user.as_ref());
                events
                    .entry(coder.clone())
                    .or_default()
                    .push(Event::MemoSet {
                        id: ids::new_id("m"),
                        target,
                        text: n.text.trim().to_string(),
                        coder,
                        at: n.at.clone().unwrap_or_else(|| at_default.clone()),
                    });
                report.memos += 1;
            }
        };
        for c in &p.codes {
            if let Some(id) = code_map.get(&c.guid) {
                for n in &c.notes {
                    memo(n, MemoTarget::Code(id.clone()), &mut events, &mut report);
                }
            }
        }
        for s in &p.sources {
            if let Some(d) = doc_of.get(&s.guid) {
                for n in &s.notes {
                    memo(n, MemoTarget::Document(d.clone()), &mut events, &mut report);
                }
                for sel in &s.selections {
                    if let Some(c) = coding_of_selection.get(&sel.guid) {
                        for n in &sel.notes {
                            memo(n, MemoTarget::Coding(c.clone()), &mut events, &mut report);
                        }
                    }
                }
            }
        }
        for n in &p.project_notes {
            memo(n, MemoTarget::Project, &mut events, &mut report);
        }
        self.append_as_coders(&events, &[])?;
        Ok(report)
    }
}
