//! `koda cases`, `koda attr` and `koda speakers`: cases, their attributes, and speaker labels mapped to cases.

use super::args::{CasesAction, CasesArgs, SpeakersArgs};
use super::ctx::Ctx;
use super::output::table;
use crate::import;
use crate::model::case::parse_attrs;
use anyhow::Result;
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
        let mut session = ctx.session(err)?;
        let (mapped, unmapped) =
            crate::ops::cases::map_speakers(&mut session, &a.doc, &maps, &a.unset)?;
        for (label, m) in mapped.iter().zip(&maps) {
            writeln!(err, "mapped {label:?} to case {}", m.case)?;
        }
        for label in &unmapped {
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
            let mut s = ctx.session(err)?;
            let n = crate::ops::cases::import_table(&mut s, &file)?;
            writeln!(out, "{n} cases read from {}", file.display())?;
            ctx.after_change(s.project(), err)?;
        }
        Some(CasesAction::Unset { case, keys }) => {
            let mut s = ctx.session(err)?;
            crate::ops::cases::unset(&mut s, &case, &keys)?;
            writeln!(out, "case {case} updated")?;
            ctx.after_change(s.project(), err)?;
        }
        Some(CasesAction::Set { case, attrs }) => {
            let attrs = parse_attrs(&attrs)?;
            let mut s = ctx.session(err)?;
            crate::ops::cases::set(&mut s, &case, &attrs)?;
            writeln!(out, "case {case} updated")?;
            ctx.after_change(s.project(), err)?;
        }
    }
    Ok(())
}
