//! `koda code`, `koda uncode`, `koda codings` and `koda edit`: making, removing and reviewing codings, and correcting a transcript.

use super::args::{CodeArgs, CodingsAction, CodingsArgs, Selector, UncodeArgs};
use super::ctx::Ctx;
use super::output::ellipsize;
use crate::Error;
use crate::analysis::{self, ExcerptFilter};
use crate::model::text::slice_chars;
use crate::store::project::Selection;
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
    let sel = selection(&a.selector, a.all)?.ok_or_else(|| {
        Error::invalid("say what to code with --turn N, --range A..B or --match TEXT")
    })?;
    let mut s = ctx.session()?;
    let doc = s.project().find_doc(&a.doc)?.clone();
    let code = s.project().codebook.find(&a.code)?.id.clone();
    let spans = s.project().resolve_selection(&doc, &sel)?;
    let made = s.add_codings(&doc.id, &code, &spans, a.memo.as_deref())?;
    let text = s.project().text(&doc.id)?;
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&made)?)?;
        return ctx.after_change(s.project(), err);
    }
    for c in &made {
        writeln!(
            out,
            "coded {} {} on {} [{}..{}] «{}»",
            c.id,
            s.project().codebook.path(&c.code),
            c.doc,
            c.start,
            c.end,
            ellipsize(&slice_chars(&text, c.start, c.end).replace('\n', " "), 70)
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
    let mut s = ctx.session()?;
    if let Some(run) = &a.batch {
        let gone = s.remove_batch(run)?;
        writeln!(
            out,
            "removed {} codings of autocoding run {run}",
            gone.len()
        )?;
        return ctx.after_change(s.project(), err);
    }
    let ids: Vec<String> = if let Some(doc_key) = &a.doc {
        let p = s.project();
        let doc = p.find_doc(doc_key)?.clone();
        let code_key = a.code.as_deref().unwrap_or_default();
        let code = p.codebook.find(code_key)?.id.clone();
        let spans = match selection(&a.selector, true)? {
            Some(sel) => p.resolve_selection(&doc, &sel)?,
            None => vec![(0, doc.chars)],
        };
        let coder = s.coder().to_string();
        let ids: Vec<String> = p
            .codings_of_doc(&doc.id)
            .iter()
            .filter(|c| c.code == code && (a.any_coder || c.coder == coder))
            .filter(|c| spans.iter().any(|&(st, en)| c.start < en && st < c.end))
            .map(|c| c.id.clone())
            .collect();
        if ids.is_empty() {
            bail!(Error::invalid(format!(
                "no coding of {} by {} there in {:?}{}",
                p.codebook.path(&code),
                if a.any_coder {
                    "anyone".to_string()
                } else {
                    coder
                },
                doc.id,
                if a.any_coder {
                    ""
                } else {
                    " (add --any-coder to include other coders)"
                }
            )));
        }
        ids
    } else {
        a.ids.clone()
    };
    let gone = s.remove_codings(&ids)?;
    for c in gone {
        writeln!(
            out,
            "removed coding {} ({} on {})",
            c.id,
            s.project().codebook.path(&c.code),
            c.doc
        )?;
    }
    Ok(())
}

pub(super) fn edit(
    ctx: &Ctx,
    doc: &str,
    from: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    let mut s = ctx.session()?;
    let d = s.project().find_doc(doc)?.clone();
    let new_text = match from {
        Some(f) => {
            let bytes = std::fs::read(f).map_err(|e| Error::io(f, e))?;
            crate::import::text::decode_utf8(&bytes).map_err(|msg| Error::Import {
                path: f.to_path_buf(),
                msg: msg.0,
            })?
        }
        None => {
            let editor = std::env::var("VISUAL")
                .ok()
                .or_else(|| std::env::var("EDITOR").ok())
                .filter(|e| !e.trim().is_empty())
                .ok_or_else(|| {
                    Error::invalid(
                        "set $EDITOR (or $VISUAL), or give the corrected text with --from FILE",
                    )
                })?;
            // The draft stays inside the project's private folder, never in a system temp folder.
            let dir = s
                .project()
                .root()
                .join(crate::store::PRIVATE_DIR)
                .join("edit");
            crate::store::fsio::ensure_dir(&dir)?;
            let draft = dir.join(format!("{}.txt", d.id));
            crate::store::fsio::write_atomic(&draft, s.project().text(&d.id)?.as_bytes())?;
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("{editor} \"$1\""))
                .arg("koda-edit")
                .arg(&draft)
                .status()
                .map_err(|e| Error::invalid(format!("cannot start the editor {editor:?}: {e}")))?;
            let text = std::fs::read(&draft).map_err(|e| Error::io(&draft, e));
            let _ = std::fs::remove_file(&draft);
            if !status.success() {
                bail!(Error::invalid(format!(
                    "the editor {editor:?} failed ({status}); nothing was changed"
                )));
            }
            crate::import::text::decode_utf8(&text?).map_err(|msg| Error::Import {
                path: draft.clone(),
                msg: msg.0,
            })?
        }
    };
    let r = s.edit_document(&d.id, &new_text)?;
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
        let mut s = ctx.session()?;
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
