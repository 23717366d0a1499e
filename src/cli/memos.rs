//! `koda memo` and `koda memos`: writing, removing and listing memos.

use super::args::MemoAction;
use super::ctx::Ctx;
use super::output::indent;
use crate::model::{Memo, MemoTarget};
use crate::store::Project;
use anyhow::Result;
use serde_json::json;
use std::io::Write;

pub(super) fn memo_target_label(p: &Project, t: &MemoTarget) -> String {
    crate::ops::memos::target_label(p, t)
}

pub(super) fn memo(
    ctx: &Ctx,
    action: MemoAction,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    use crate::ops::memos;
    let mut s = ctx.session(err)?;
    match action {
        MemoAction::Add {
            text,
            doc,
            code,
            coding,
        } => {
            let about = memos::About { doc, code, coding };
            let target = memos::target(s.project(), &about)?;
            let m = memos::add(&mut s, target, &text)?;
            writeln!(
                out,
                "memo {} on {}",
                m.id,
                memo_target_label(s.project(), &m.target)
            )?;
        }
        MemoAction::Edit { id, text } => {
            let m = memos::edit(&mut s, &id, &text)?;
            writeln!(out, "memo {} updated", m.id)?;
        }
        MemoAction::Rm { id } => {
            let m = memos::remove(&mut s, &id)?;
            writeln!(out, "memo {} removed", m.id)?;
        }
    }
    Ok(())
}

pub(super) fn memos(p: &Project, json_out: bool, out: &mut dyn Write) -> Result<()> {
    let mut list: Vec<&Memo> = p.memos.values().collect();
    list.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
    if json_out {
        let v: Vec<_> = list
            .iter()
            .map(|m| json!({"id": m.id, "target": m.target, "about": memo_target_label(p, &m.target), "text": m.text, "coder": m.coder, "at": m.at}))
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    if list.is_empty() {
        writeln!(
            out,
            "no memos yet: `koda memo add TEXT --doc DOC` (or --code, --coding)"
        )?;
    }
    for m in list {
        writeln!(
            out,
            "{} · {} · {} · {}",
            m.id,
            memo_target_label(p, &m.target),
            m.coder,
            m.at
        )?;
        writeln!(out, "{}", indent(&m.text, 2))?;
    }
    Ok(())
}
