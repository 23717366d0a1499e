//! `koda code`, `koda uncode`, `koda codings` and `koda edit`: making, removing and reviewing codings, and correcting a transcript.

use super::args::{CodeArgs, CodingsAction, CodingsArgs, Selector, UncodeArgs};
use super::ctx::Ctx;
use super::output::ellipsize;
use crate::analysis::{self, ExcerptFilter};
use crate::store::project::Selection;
use crate::{Error, ops};
use anyhow::{Result, bail};
use std::io::Write;
use std::path::Path;

pub(super) fn parse_range(s: &str) -> Result<(usize, usize)> {
    let (a, b) = s.split_once("..").ok_or_else(|| {
        Error::invalid(format!(
            "range {s:?} must look like START..END, e.g. 120..185"
        ))
    })?;
    let a: usize = a
        .trim()
        .parse()
        .map_err(|_| Error::invalid(format!("range {s:?}: start {a:?} is not a number")))?;
    let b: usize = b
        .trim()
        .parse()
        .map_err(|_| Error::invalid(format!("range {s:?}: end {b:?} is not a number")))?;
    Ok((a, b))
}

pub(super) fn selection(sel: &Selector, all: bool) -> Result<Option<Selection>> {
    Ok(if let Some(n) = sel.turn {
        Some(Selection::Turn(n))
    } else if let Some(r) = &sel.range {
        let (a, b) = parse_range(r)?;
        Some(Selection::Range(a, b))
    } else {
        sel.matching.as_ref().map(|m| Selection::Match {
            text: m.clone(),
            all,
        })
    })
}

pub(super) fn code(ctx: &Ctx, a: CodeArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let selection = selection(&a.selector, a.all)?.ok_or_else(|| {
        Error::invalid("say what to code with --turn N, --range A..B or --match TEXT")
    })?;
    let mut s = ctx.session(err)?;
    let req = ops::coding::Request {
        doc: a.doc.clone(),
        code: a.code.clone(),
        selection,
        memo: a.memo.clone(),
    };
    let made = ops::coding::code(&mut s, &req)?;
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&made)?)?;
        return ctx.after_change(s.project(), err);
    }
    for c in &made {
        let text = s.project().text(&c.doc)?;
        let ix = s.project().char_index(&c.doc)?;
        writeln!(
            out,
            "coded {} {} on {} [{}..{}] «{}»",
            c.id,
            s.project().codebook.path(&c.code),
            c.doc,
            c.start,
            c.end,
            ellipsize(&ix.slice(&text, c.start, c.end).replace('\n', " "), 70)
        )?;
    }
    ctx.after_change(s.project(), err)
}

pub(super) fn uncode(
    ctx: &Ctx,
    a: UncodeArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    use ops::coding::Uncode;
    let mut s = ctx.session(err)?;
    let what = if let Some(run) = &a.batch {
        Uncode::Run(run.clone())
    } else if let Some(doc) = &a.doc {
        Uncode::Place {
            doc: doc.clone(),
            code: a.code.clone().unwrap_or_default(),
            selection: selection(&a.selector, true)?,
            any_coder: a.any_coder,
        }
    } else {
        Uncode::Ids(a.ids.clone())
    };
    let gone = ops::coding::uncode(&mut s, &what)?;
    if let Some(run) = &a.batch {
        writeln!(
            out,
            "removed {} codings of autocoding run {run}",
            gone.len()
        )?;
    } else {
        for c in &gone {
            writeln!(
                out,
                "removed coding {} ({} on {})",
                c.id,
                s.project().codebook.path(&c.code),
                c.doc
            )?;
        }
    }
    ctx.after_change(s.project(), err)
}

/// `koda edit`, and `koda docs replace` (`imported`: the file is read as an import reads it).
pub(super) fn edit(
    ctx: &Ctx,
    doc: &str,
    from: Option<&Path>,
    imported: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    let mut s = ctx.session(err)?;
    let d = s.project().find_doc(doc)?.clone();
    let editor = std::env::var("VISUAL")
        .ok()
        .or_else(|| std::env::var("EDITOR").ok())
        .filter(|e| !e.trim().is_empty());
    let source = match (from, editor.as_deref()) {
        (Some(f), _) if imported => ops::edit::Source::Imported(f),
        (Some(f), _) => ops::edit::Source::File(f),
        (None, Some(e)) => ops::edit::Source::Editor(e),
        (None, None) => bail!(Error::invalid(
            "set $EDITOR (or $VISUAL), or give the corrected text with --from FILE"
        )),
    };
    let r = ops::edit::correct(&mut s, &d.id, source)?;
    if !r.changed {
        writeln!(out, "{}: no change", d.id)?;
        return Ok(());
    }
    writeln!(
        out,
        "{}: revision {}; {} codings kept their words, {} flagged for a look{}",
        d.id,
        r.revision,
        r.kept,
        r.stale.len(),
        if r.stale.is_empty() {
            String::new()
        } else {
            " (`koda codings --stale`)".to_string()
        }
    )?;
    ctx.after_change(s.project(), err)
}

pub(super) fn codings(
    ctx: &Ctx,
    a: CodingsArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    if let Some(CodingsAction::Confirm { ids }) = a.action {
        let mut s = ctx.session(err)?;
        let n = s.confirm_codings(&ids)?;
        writeln!(out, "{n} codings confirmed")?;
        return ctx.after_change(s.project(), err);
    }
    let p = ctx.load(None, err)?;
    let doc = a
        .doc
        .as_deref()
        .map(|d| p.find_doc(d).map(|d| d.id.clone()))
        .transpose()?;
    let list = analysis::excerpts(
        &p,
        &ExcerptFilter {
            docs: doc.into_iter().collect(),
            coders: ctx.coders.clone(),
            ..ExcerptFilter::default()
        },
    )?;
    let list: Vec<_> = list.into_iter().filter(|e| !a.stale || e.stale).collect();
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
        return Ok(());
    }
    if list.is_empty() {
        writeln!(
            out,
            "{}",
            if a.stale {
                "no codings need a look"
            } else {
                "no codings"
            }
        )?;
    }
    for e in &list {
        writeln!(
            out,
            "{}{} · {} · {} · turn {} · {}..{} · {}",
            e.coding,
            if e.stale { " (stale)" } else { "" },
            e.code_path,
            e.doc,
            e.turn,
            e.start,
            e.end,
            e.coder
        )?;
        writeln!(out, "    «{}»", ellipsize(&e.text.replace('\n', " "), 100))?;
    }
    if a.stale && !list.is_empty() {
        writeln!(
            out,
            "\nKeep one as it is with `koda codings confirm ID`, move it with the TUI (e), or remove it with `koda uncode ID`."
        )?;
    }
    Ok(())
}
