//! `koda search` and `koda autocode` (the autocoding plan is `ops::autocode`).

use super::args::{AutocodeArgs, SearchArgs, UnitArg};
use super::ctx::Ctx;
use super::output::ellipsize;
use crate::model::text::slice_chars;
use crate::store::Project;
use anyhow::Result;
use serde_json::{Value, json};
use std::io::Write;

/// Opens the project's index up to date, telling the researcher what they should know of it.
pub(super) fn open_index(p: &Project, err: &mut dyn Write) -> Result<crate::index::SearchIndex> {
    let (idx, notices) = crate::ops::index::open(p)?;
    for n in notices {
        writeln!(err, "koda: {n}")?;
    }
    Ok(idx)
}

pub(super) fn emphasis(s: &str, terminal: bool) -> String {
    if terminal {
        format!("\x1b[1m{s}\x1b[0m")
    } else {
        format!("**{s}**")
    }
}

pub(super) fn search(
    ctx: &Ctx,
    a: SearchArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    // Hits go out in one write rather than one per line (stdout is line-buffered).
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    search_to(ctx, a, &mut out, err)?;
    out.flush()?;
    Ok(())
}

pub(super) fn search_to(
    ctx: &Ctx,
    a: SearchArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    use std::io::IsTerminal;
    let query = a.query.join(" ");
    let limit = if a.count { 0 } else { a.limit };
    // An index current with the project's files answers alone; otherwise the project is
    // loaded (reporting any problems) and the index brought up to date first.
    let current = crate::index::SearchIndex::open_current(&ctx.root(None)?)
        .ok()
        .flatten();
    let first = current.map(|(idx, known)| idx.search_by(&known, &query, Some(limit), &ctx.coders));
    let res = match first {
        Some(Ok(res)) => res,
        Some(Err(e)) if !matches!(e, crate::Error::Index { .. }) => return Err(e.into()),
        // No current index, or one that fails when read: the project is loaded (reporting
        // any problems) and the index brought up to date, or rebuilt when it is damaged.
        failed => {
            let p = ctx.load(None, err)?;
            let idx = match failed {
                Some(Err(e)) => {
                    let (idx, _) = crate::index::SearchIndex::rebuild(&p)?;
                    writeln!(
                        err,
                        "koda: {}",
                        crate::ops::index::Notice::Rebuilt(crate::index::Rebuild::Damaged(
                            e.to_string()
                        ))
                    )?;
                    idx
                }
                _ => open_index(&p, err)?,
            };
            idx.search_by(&p, &query, Some(limit), &ctx.coders)?
        }
    };
    if a.json {
        let v = if a.count {
            json!({"query": query, "total": res.total, "documents": res.documents})
        } else {
            let hits: Vec<Value> = res
                .hits
                .iter()
                .map(|h| {
                    let mut v = serde_json::to_value(h)?;
                    v["marked"] = Value::String(h.marked());
                    Ok(v)
                })
                .collect::<Result<_>>()?;
            json!({"query": query, "total": res.total, "documents": res.documents, "hits": hits})
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} turn{} in {} document{} match{}",
        res.total,
        if res.total == 1 { "" } else { "s" },
        res.documents,
        if res.documents == 1 { "" } else { "s" },
        if res.hits.len() < res.total && !a.count {
            format!("; showing the best {}", res.hits.len())
        } else {
            String::new()
        }
    )?;
    let terminal = std::io::stdout().is_terminal();
    for h in &res.hits {
        writeln!(out)?;
        writeln!(
            out,
            "{} · {} · {} · line {}",
            h.doc,
            h.place(),
            h.doc_type,
            h.line
        )?;
        let mut line = String::new();
        let mut last = 0;
        for &(x, y) in &h.highlights {
            line.push_str(slice_chars(&h.snippet, last, x));
            line.push_str(&emphasis(slice_chars(&h.snippet, x, y), terminal));
            last = y;
        }
        line.push_str(slice_chars(&h.snippet, last, h.snippet.chars().count()));
        writeln!(out, "    {line}")?;
    }
    Ok(())
}

pub(super) fn autocode(
    ctx: &Ctx,
    a: AutocodeArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    use crate::ops::autocode;
    let mut s = ctx.session(err)?;
    let req = autocode::Request {
        query: a.query.join(" "),
        code: s.project().codebook.find(&a.code)?.id.clone(),
        unit: match a.unit {
            UnitArg::Match => crate::index::Unit::Match,
            UnitArg::Sentence => crate::index::Unit::Sentence,
            UnitArg::Turn => crate::index::Unit::Turn,
        },
        scope: autocode::Scope::All,
    };
    let idx = open_index(s.project(), err)?;
    let plan = autocode::plan(s.project(), &idx, s.coder(), &req)?;
    let path = &plan.code_path;
    let n = plan.passages.len();
    if a.dry_run {
        writeln!(
            out,
            "would code {n} passage{} with {path} ({} already coded); nothing was changed",
            if n == 1 { "" } else { "s" },
            plan.already
        )?;
        for p in &plan.passages {
            writeln!(
                out,
                "  {} · turn {} · {}..{}  «{}»",
                p.doc,
                p.turn,
                p.start,
                p.end,
                ellipsize(&p.text.replace('\n', " "), 80)
            )?;
        }
        return Ok(());
    }
    if plan.passages.is_empty() {
        writeln!(
            out,
            "nothing to code: {} hits, {} already coded with {path}",
            plan.hits, plan.already
        )?;
        return Ok(());
    }
    let r = autocode::apply(&mut s, &plan, a.memo.as_deref())?;
    writeln!(
        out,
        "coded {} passage{} in {} document{} with {path} ({} already coded); run {}, undo with `koda uncode --batch {}`",
        r.coded,
        if r.coded == 1 { "" } else { "s" },
        r.documents,
        if r.documents == 1 { "" } else { "s" },
        r.already,
        r.run,
        r.run,
    )?;
    ctx.after_change(s.project(), err)
}
