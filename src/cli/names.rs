//! `koda names`: the name register, name suggestions and pseudonyms (the register's rules are in `ops::names`).

use super::args::{NamesAction, NamesArgs};
use super::ctx::Ctx;
use super::output::{ellipsize, table};
use anyhow::Result;
use std::io::Write;

pub(super) fn names(
    ctx: &Ctx,
    a: NamesArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    let Some(action) = a.action else {
        let p = ctx.load(None, err)?;
        if a.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&p.names)?)?;
            return Ok(());
        }
        if p.names.names.is_empty() {
            writeln!(
                out,
                "no names registered yet: `koda names suggest` lists candidates, `koda names add NAME --as REPLACEMENT` registers one"
            )?;
        }
        let rows: Vec<Vec<String>> = p
            .names
            .names
            .iter()
            .map(|n| {
                vec![
                    n.name.clone(),
                    n.replacement.clone(),
                    n.aliases.join(", "),
                    format!("{:?}", n.category).to_lowercase(),
                ]
            })
            .collect();
        if !rows.is_empty() {
            write!(
                out,
                "{}",
                table(&["name", "replacement", "aliases", "category"], &rows)
            )?;
        }
        let (speakers, cases) = crate::ops::names::shown_as(&p)?;
        if !speakers.is_empty() {
            writeln!(out)?;
            let rows: Vec<Vec<String>> = speakers.into_iter().map(|(a, b)| vec![a, b]).collect();
            write!(out, "{}", table(&["speaker", "exports show"], &rows))?;
        }
        if !cases.is_empty() {
            writeln!(out)?;
            let rows: Vec<Vec<String>> = cases.into_iter().map(|(a, b)| vec![a, b]).collect();
            write!(out, "{}", table(&["case", "exports show"], &rows))?;
        }
        return Ok(());
    };
    if let NamesAction::Suggest { min, json } = action {
        let p = ctx.load(None, err)?;
        let list = crate::analysis::names::suggest(&p, min.max(1));
        if json {
            writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
            return Ok(());
        }
        if list.is_empty() {
            writeln!(out, "no candidates found")?;
        }
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|s| {
                vec![
                    s.name.clone(),
                    s.count.to_string(),
                    s.documents.to_string(),
                    if s.listed { "name list" } else { "recurs" }.to_string(),
                    s.first.clone(),
                    ellipsize(&s.sample, 60),
                ]
            })
            .collect();
        if !rows.is_empty() {
            write!(
                out,
                "{}",
                table(
                    &["candidate", "count", "docs", "why", "first", "sample"],
                    &rows
                )
            )?;
        }
        return Ok(());
    }
    let mut s = ctx.session(err)?;
    let msg = match action {
        NamesAction::Add {
            name,
            replacement,
            aliases,
            category,
            any_case,
        } => {
            let r = crate::ops::names::register(
                &mut s,
                crate::ops::names::Registration {
                    name,
                    replacement,
                    aliases,
                    category: category.parse()?,
                    any_case,
                },
            )?;
            if r.replacement_leaks {
                writeln!(
                    err,
                    "koda: warning: the replacement {:?} itself contains a registered name, so exports will fail their leak check",
                    r.entry.replacement
                )?;
            }
            for o in &r.ordinary {
                writeln!(
                    err,
                    "koda: note: {:?} also occurs {} as an ordinary word (\"…{}…\"); exports keep those and replace it only where it is written as a name (`--any-case` replaces every one)",
                    o.form,
                    if o.count == 1 {
                        "once".to_string()
                    } else {
                        format!("{} times", o.count)
                    },
                    o.example
                )?;
            }
            format!("registered {}", r.entry.name)
        }
        NamesAction::Rm { name } => {
            crate::ops::names::remove(&mut s, &name)?;
            format!("removed {name}")
        }
        NamesAction::Speaker { label, pseudonym } => {
            crate::ops::names::pseudonym_for_speaker(&mut s, &label, &pseudonym)?;
            format!("speaker {label} shows as {pseudonym}")
        }
        NamesAction::Case { case, pseudonym } => {
            crate::ops::names::pseudonym_for_case(&mut s, &case, &pseudonym)?;
            format!("case {case} shows as {pseudonym}")
        }
        NamesAction::Accept => {
            let n = crate::ops::names::accept(&mut s)?;
            format!("sealed names.json as it is: {n} names")
        }
        NamesAction::Suggest { .. } => String::new(),
    };
    writeln!(out, "{msg}")?;
    Ok(())
}
