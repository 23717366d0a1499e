//! `koda cases`, `koda attr` and `koda speakers`: cases, their attributes, and speaker labels mapped to cases.

use super::args::{CasesAction, CasesArgs, SpeakersArgs};
use super::ctx::Ctx;
use super::output::table;
use crate::model::case::parse_attr;
use crate::{Error, import};
use anyhow::{Result, bail};
use serde_json::json;
use std::io::Write;

pub(super) fn speakers(
    ctx: &Ctx,
    a: SpeakersArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    let changes = !a.map.is_empty() || !a.unset.is_empty();
    if changes {
        let maps = a
            .map
            .iter()
            .map(|s| import::speakers::parse_pair(s))
            .collect::<Result<Vec<_>, _>>()?;
        let mut session = ctx.session()?;
        for m in &maps {
            let label = session.map_speaker(&a.doc, &m.label, Some(&m.case))?;
            writeln!(err, "mapped {label:?} to case {}", m.case)?;
        }
        for l in &a.unset {
            let label = session.map_speaker(&a.doc, l, None)?;
            writeln!(err, "unmapped {label:?}")?;
        }
        ctx.after_change(session.project(), err)?;
    }
    let project = ctx.load(None, err)?;
    let d = project.find_doc(&a.doc)?;
    let turn_table = project.turns(&d.id)?;
    let turns = |s: &str| {
        turn_table
            .iter()
            .filter(|t| t.speaker.as_deref() == Some(s))
            .count()
    };
    if a.json {
        let v: Vec<_> = d
            .speakers
            .iter()
            .map(|s| json!({"speaker": s, "turns": turns(s), "case": d.speaker_cases.get(s).or(d.case.as_ref())}))
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    } else if d.speakers.is_empty() {
        writeln!(out, "{} has no speaker labels", d.id)?;
    } else {
        let rows: Vec<Vec<String>> = d
            .speakers
            .iter()
            .map(|s| {
                vec![
                    s.clone(),
                    turns(s).to_string(),
                    match (d.speaker_cases.get(s), &d.case) {
                        (Some(c), _) => c.clone(),
                        (None, Some(c)) => format!("{c} (the document's)"),
                        (None, None) => "-".into(),
                    },
                ]
            })
            .collect();
        write!(out, "{}", table(&["speaker", "turns", "case"], &rows))?;
    }
    Ok(())
}

pub(super) fn cases(
    ctx: &Ctx,
    a: CasesArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    match a.action {
        None => {
            let p = ctx.load(None, err)?;
            if a.json {
                let v: Vec<_> = p
                    .cases
                    .cases
                    .values()
                    .map(|c| {
                        let docs: Vec<&str> = p
                            .documents()
                            .iter()
                            .filter(|d| d.all_cases().contains(c.name.as_str()))
                            .map(|d| d.id.as_str())
                            .collect();
                        json!({"name": c.name, "attributes": c.attributes, "documents": docs})
                    })
                    .collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                let rows: Vec<Vec<String>> = p
                    .cases
                    .cases
                    .values()
                    .map(|c| {
                        vec![
                            c.name.clone(),
                            p.docs
                                .values()
                                .filter(|d| d.all_cases().contains(c.name.as_str()))
                                .count()
                                .to_string(),
                            c.attributes
                                .iter()
                                .map(|(k, v)| format!("{k}={v}"))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ]
                    })
                    .collect();
                write!(out, "{}", table(&["case", "docs", "attributes"], &rows))?;
            }
        }
        Some(CasesAction::Import { file }) => {
            let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
            let text = crate::import::decode::decode(&bytes)
                .map_err(|msg| Error::Import {
                    path: file.clone(),
                    msg: msg.0,
                })?
                .text;
            let tsv = file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
            let mut r = csv::ReaderBuilder::new()
                .delimiter(if tsv { b'\t' } else { b',' })
                .from_reader(text.as_bytes());
            let header: Vec<String> = r
                .headers()
                .map_err(|e| Error::Import {
                    path: file.clone(),
                    msg: format!("line 1: {e}"),
                })?
                .iter()
                .map(|h| h.trim().to_string())
                .collect();
            let name_col = header
                .iter()
                .position(|h| h.eq_ignore_ascii_case("case"))
                .unwrap_or(0);
            let mut rows = Vec::new();
            for (i, rec) in r.records().enumerate() {
                let rec = rec.map_err(|e| Error::Import {
                    path: file.clone(),
                    msg: format!("line {}: {e}", i + 2),
                })?;
                let name = rec.get(name_col).unwrap_or("").trim().to_string();
                if name.is_empty() {
                    return Err(Error::Import {
                        path: file.clone(),
                        msg: format!("line {}: the case has no name", i + 2),
                    }
                    .into());
                }
                let attrs: Vec<(String, String)> = header
                    .iter()
                    .enumerate()
                    .filter(|(c, h)| *c != name_col && !h.is_empty())
                    .filter_map(|(c, h)| {
                        rec.get(c)
                            .map(|v| (h.replace(char::is_whitespace, "_"), v.trim().to_string()))
                    })
                    .filter(|(_, v)| !v.is_empty())
                    .collect();
                rows.push((name, attrs));
            }
            let mut s = ctx.session()?;
            let n = rows.len();
            s.group("import cases", |s| {
                for (name, attrs) in &rows {
                    s.set_case_attrs(name, attrs)?;
                }
                Ok(())
            })?;
            writeln!(out, "{n} cases read from {}", file.display())?;
            ctx.after_change(s.project(), err)?;
        }
        Some(CasesAction::Unset { case, keys }) => {
            let mut s = ctx.session()?;
            let mut cases = s.project().cases.clone();
            let c = cases
                .cases
                .get_mut(&case)
                .ok_or_else(|| Error::invalid(format!("no case {case:?}; see `koda cases`")))?;
            for k in &keys {
                if c.attributes.remove(k).is_none() {
                    bail!(Error::invalid(format!(
                        "case {case} has no attribute {k:?}"
                    )));
                }
            }
            s.replace_cases(cases)?;
            writeln!(out, "case {case} updated")?;
            ctx.after_change(s.project(), err)?;
        }
        Some(CasesAction::Set { case, attrs }) => {
            let attrs = attrs
                .iter()
                .map(|s| parse_attr(s))
                .collect::<Result<Vec<_>, _>>()?;
            let mut s = ctx.session()?;
            s.set_case_attrs(&case, &attrs)?;
            writeln!(out, "case {case} updated")?;
            ctx.after_change(s.project(), err)?;
        }
    }
    Ok(())
}
