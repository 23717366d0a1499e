//! `koda excerpts`: the coded passages of codes, documents and coders, as text or JSON.

use super::args::{ExcerptsAction, ExcerptsArgs, ExcerptsAt};
use super::ctx::Ctx;
use super::output::indent;
use crate::analysis::{self, ExcerptFilter};
use crate::ops::pins::{Change, Excerpts};
use anyhow::Result;
use std::io::Write;

pub(super) fn excerpts(
    ctx: &Ctx,
    a: ExcerptsArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    if let Some(action) = a.action {
        let which = |ids: Vec<String>, at: ExcerptsAt| -> Result<Excerpts> {
            let placed = at.code.is_some() || at.doc.is_some() || at.turn.is_some();
            match (ids.is_empty(), placed) {
                (false, true) => Err(crate::Error::invalid(
                    "name the excerpts by id or by --code/--doc/--turn, not both",
                )
                .into()),
                (true, true) => Ok(Excerpts::At {
                    code: at.code,
                    doc: at.doc,
                    turn: at.turn,
                }),
                _ => Ok(Excerpts::Ids(ids)),
            }
        };
        let change = match action {
            ExcerptsAction::Pin { ids, at } => Change::Pin(which(ids, at)?),
            ExcerptsAction::Unpin { ids, at } => Change::Unpin(which(ids, at)?),
            ExcerptsAction::Trim { id, at, form, .. } => {
                Change::Form(which(id.into_iter().collect(), at)?, form)
            }
        };
        let mut s = ctx.session(err)?;
        let report = crate::ops::pins::change(&mut s, &change)?;
        writeln!(out, "{}", report.describe())?;
        return ctx.after_change(s.project(), err);
    }
    let p = ctx.load(None, err)?;
    let codes = p.codebook.find_ids(&a.code)?;
    let docs = p.find_doc_ids(&a.doc)?;
    let list = analysis::excerpts(
        &p,
        &ExcerptFilter {
            codes,
            include_subcodes: !a.no_subcodes,
            docs,
            coders: ctx.coders.clone(),
            wheres: crate::model::case::parse_attrs(&a.wheres)?,
            pinned_only: a.pinned,
            and: p.codebook.find_ids(&a.and)?,
            not: p.codebook.find_ids(&a.not)?,
        },
    )?;
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
        return Ok(());
    }
    if list.is_empty() {
        if a.pinned {
            writeln!(
                out,
                "no excerpts are pinned; pin some with `koda excerpts pin ID…`"
            )?;
            return Ok(());
        }
        writeln!(out, "no excerpts match")?;
        return Ok(());
    }
    let mut current = None;
    for e in &list {
        if current != Some(&e.code_path) {
            let n = list.iter().filter(|x| x.code_path == e.code_path).count();
            if current.is_some() {
                writeln!(out)?;
            }
            writeln!(
                out,
                "{}  ({n} excerpt{})",
                e.code_path,
                if n == 1 { "" } else { "s" }
            )?;
            current = Some(&e.code_path);
        }
        let turns = if e.turn_end != e.turn {
            format!("turns {}-{}", e.turn, e.turn_end)
        } else {
            format!("turn {}", e.turn)
        };
        writeln!(
            out,
            "  {} · {} · {}{} · line {} · {}..{}  [{} {}]{}",
            e.doc,
            e.doc_type,
            turns,
            e.speaker
                .as_ref()
                .map(|s| format!(" · {s}"))
                .unwrap_or_default(),
            e.line,
            e.start,
            e.end,
            e.coding,
            e.coder,
            if e.stale {
                "  (STALE: the text under this coding changed)"
            } else {
                ""
            }
        )?;
        writeln!(out, "{}", indent(&format!("«{}»", e.text), 4))?;
        if let Some(rank) = e.pinned {
            writeln!(out, "    pinned #{rank}")?;
        }
        if let Some(form) = &e.form {
            writeln!(out, "    report form: «{form}»")?;
        }
        for m in e.memo.iter().chain(&e.memos) {
            writeln!(out, "    memo: {m}")?;
        }
    }
    Ok(())
}
