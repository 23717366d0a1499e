//! `koda stats`, `koda coders` and `koda agree`: counts, per-coder figures and intercoder agreement.

use super::args::{AgreeArgs, AgreeUnit, CountArg, StatsArgs, StatsTable};
use super::ctx::Ctx;
use super::output::{ellipsize, table};
use crate::Error;
use crate::store::Project;
use anyhow::{Result, bail};
use std::io::Write;

pub(super) fn stats(
    ctx: &Ctx,
    a: StatsArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    use crate::analysis::stats;
    use crate::export::tables::Table;
    let p = ctx.load(None, err)?;
    let narrowed = crate::analysis::narrowed(&p, &crate::model::case::parse_attrs(&a.wheres)?)?;
    let p = narrowed.unwrap_or(p);
    let check_attr = |name: &str| -> Result<()> {
        let names = crate::analysis::attribute_names(&p);
        if names.iter().any(|n| n == name) {
            Ok(())
        } else {
            bail!(Error::invalid(format!(
                "no attribute {name:?} in the project; attributes are {}",
                names.join(", ")
            )))
        }
    };
    let (table, json_value) = match a.table {
        StatsTable::Frequencies { by } => {
            if let Some(b) = &by {
                check_attr(b)?;
            }
            let f = stats::frequencies(&p, by.as_deref(), true)?;
            let values: Vec<String> = {
                let mut v: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
                for x in &f {
                    v.extend(x.by.keys().cloned());
                }
                v.into_iter().collect()
            };
            let mut header: Vec<String> = ["code", "excerpts", "documents", "cases"]
                .iter()
                .map(|s| (*s).to_string())
                .collect();
            header.extend(
                values
                    .iter()
                    .map(|v| format!("{}={v}", by.clone().unwrap_or_default())),
            );
            let rows = f
                .iter()
                .map(|x| {
                    let mut r = vec![
                        x.code.clone(),
                        x.excerpts.to_string(),
                        x.documents.to_string(),
                        x.cases.to_string(),
                    ];
                    r.extend(
                        values
                            .iter()
                            .map(|v| x.by.get(v).map_or(0, |b| b.excerpts).to_string()),
                    );
                    r
                })
                .collect();
            (Table { header, rows }, serde_json::to_value(&f)?)
        }
        StatsTable::Cooccurrence => {
            let c = stats::cooccurrence(&p)?;
            let rows = c
                .iter()
                .map(|x| {
                    vec![
                        x.a.clone(),
                        x.b.clone(),
                        x.overlaps.to_string(),
                        x.shared_turns.to_string(),
                        format!("{:.3}", x.jaccard),
                    ]
                })
                .collect();
            let header = ["code_a", "code_b", "overlaps", "shared_turns", "jaccard"]
                .iter()
                .map(|s| (*s).to_string())
                .collect();
            (Table { header, rows }, serde_json::to_value(&c)?)
        }
        StatsTable::Matrix { rows, cols, count } => {
            if rows != "codes" {
                bail!(Error::invalid(format!(
                    "--rows {rows:?}: only codes can be rows for now"
                )));
            }
            check_attr(&cols)?;
            let m = stats::code_by_attribute(
                &p,
                &cols,
                match count {
                    CountArg::Excerpts => stats::CellCount::Excerpts,
                    CountArg::Cases => stats::CellCount::Cases,
                },
            )?;
            let mut header = vec!["code".to_string()];
            header.extend(m.values.iter().map(|v| format!("{cols}={v}")));
            let body = m
                .rows
                .iter()
                .map(|(code, cells)| {
                    let mut r = vec![code.clone()];
                    r.extend(cells.iter().map(ToString::to_string));
                    r
                })
                .collect();
            (Table { header, rows: body }, serde_json::to_value(&m)?)
        }
    };
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&json_value)?)?;
    } else if a.csv {
        out.write_all(&table.csv(false)?)?;
    } else {
        let header: Vec<&str> = table.header.iter().map(String::as_str).collect();
        write!(out, "{}", super::output::table(&header, &table.rows))?;
    }
    Ok(())
}

pub(super) fn coders(p: &Project, json_out: bool, out: &mut dyn Write) -> Result<()> {
    let list = crate::analysis::stats::coders(p);
    if json_out {
        writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|c| {
            vec![
                format!("{}{}", c.coder, if c.default { " (default)" } else { "" }),
                c.codings.to_string(),
                c.documents.to_string(),
                c.codes.to_string(),
                c.memos.to_string(),
                c.last_coding.clone(),
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        table(
            &[
                "coder",
                "codings",
                "documents",
                "codes",
                "memos",
                "last coding"
            ],
            &rows
        )
    )?;
    Ok(())
}

pub(super) fn fmt_stat(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "n/a".to_string(), |x| format!("{x:.digits$}"))
}

pub(super) fn agree(
    ctx: &Ctx,
    a: AgreeArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    use crate::analysis::agreement;
    let p = ctx.load(None, err)?;
    let mut coders: Vec<String> = Vec::new();
    for c in &a.coders {
        let c = c.trim().to_string();
        if !c.is_empty() && !coders.contains(&c) {
            coders.push(c);
        }
    }
    if coders.len() < 2 {
        bail!(Error::invalid(
            "give at least two coders, e.g. --coders anna,bo"
        ));
    }
    for c in &coders {
        if !p.codings.values().any(|x| &x.coder == c) {
            writeln!(
                err,
                "koda: warning: coder {c:?} has no codings in this project"
            )?;
        }
    }
    let codes = p.codebook.find_ids(&a.code)?;
    let unit = match a.unit {
        AgreeUnit::Char => agreement::Unit::Char,
        AgreeUnit::Turn => agreement::Unit::Turn,
        AgreeUnit::Document => agreement::Unit::Document,
    };
    let r = agreement::agree(&p, &coders, &codes, unit, a.disagreements)?;
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&r)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "agreement of {} over {} document{} all of them coded, unit: {}",
        coders.join(", "),
        r.documents.len(),
        if r.documents.len() == 1 { "" } else { "s" },
        format!("{unit:?}").to_lowercase()
    )?;
    let two = coders.len() == 2;
    let mut header = vec!["code", "units"];
    header.push("coded by each");
    header.push("agree %");
    if two {
        header.push("Cohen κ");
    }
    header.push("Fleiss κ");
    header.push("Krippendorff α");
    let rows: Vec<Vec<String>> = r
        .codes
        .iter()
        .chain(std::iter::once(&r.overall))
        .map(|f| {
            let mut row = vec![
                f.code.clone(),
                f.units.to_string(),
                f.coded
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" / "),
                fmt_stat(f.percent, 1),
            ];
            if two {
                row.push(fmt_stat(f.cohen_kappa, 3));
            }
            row.push(fmt_stat(f.fleiss_kappa, 3));
            row.push(fmt_stat(f.krippendorff_alpha, 3));
            row
        })
        .collect();
    write!(out, "{}", table(&header, &rows))?;
    if a.disagreements {
        writeln!(out)?;
        if r.disagreements.is_empty() {
            writeln!(out, "no disagreements")?;
        }
        for d in &r.disagreements {
            writeln!(
                out,
                "{} · {} · turn {} · {}..{}",
                d.code, d.doc, d.turn, d.start, d.end
            )?;
            writeln!(out, "    «{}»", ellipsize(&d.text.replace('\n', " "), 100))?;
            for (coder, texts) in &d.by_coder {
                if texts.is_empty() {
                    writeln!(out, "    {coder}: (not coded)")?;
                } else {
                    for t in texts {
                        writeln!(
                            out,
                            "    {coder}: «{}»",
                            ellipsize(&t.replace('\n', " "), 100)
                        )?;
                    }
                }
            }
        }
    }
    Ok(())
}
