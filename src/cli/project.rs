//! `koda init`, the overview, `koda docs` and `koda show`.

use super::args::{DocsAction, DocsArgs, InitArgs};
use super::ctx::Ctx;
use super::output::{ellipsize, indent, table, timestamp};
use crate::model::MemoTarget;
use crate::store::Project;
use anyhow::Result;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

pub(super) fn init(ctx: &Ctx, a: InitArgs, out: &mut dyn Write) -> Result<()> {
    let dir = a
        .dir
        .or_else(|| ctx.project.clone())
        .unwrap_or_else(|| PathBuf::from("."));
    let name = match a.name {
        Some(n) => n,
        None => std::path::absolute(&dir)
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "study".into()),
    };
    let coder = match ctx.coders.first() {
        Some(c) => c.clone(),
        None => std::env::var("KODA_CODER")
            .ok()
            .filter(|c| !c.trim().is_empty())
            .unwrap_or_else(|| "analyst".into()),
    };
    let langs: Vec<String> = a
        .langs
        .iter()
        .flat_map(|l| l.split(','))
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .collect();
    let p = Project::init(&dir, &name, &langs, &coder)?;
    writeln!(
        out,
        "created project {:?} in {} (coder {coder}); import transcripts with `koda import FILE...`",
        p.config.name,
        dir.display()
    )?;
    Ok(())
}

pub(super) fn overview(p: &Project, out: &mut dyn Write) -> Result<()> {
    let docs = p.documents();
    writeln!(
        out,
        "{}: {} documents, {} codes, {} codings, {} memos, coders {}",
        p.config.name,
        docs.len(),
        p.codebook.codes.len(),
        p.codings.len(),
        p.memos.len(),
        p.config.coders.join(", ")
    )?;
    writeln!(out)?;
    writeln!(out, "Documents")?;
    write!(out, "{}", indent(&docs_table(p), 2))?;
    writeln!(out)?;
    writeln!(out)?;
    writeln!(out, "Codes")?;
    write!(out, "{}", indent(&super::codes::codes_tree(p), 2))?;
    writeln!(out)?;
    writeln!(out)?;
    writeln!(
        out,
        "Next: `koda show DOC` reads a document, `koda excerpts --code PATH` retrieves quotes, `koda --help` lists every command."
    )?;
    Ok(())
}

pub(super) fn docs_table(p: &Project) -> String {
    let per_doc = p.coding_counts();
    let rows: Vec<Vec<String>> = p
        .documents()
        .iter()
        .map(|d| {
            vec![
                d.id.clone(),
                d.kind.to_string(),
                d.case.clone().unwrap_or_else(|| "-".into()),
                d.turn_count.to_string(),
                d.speakers.len().to_string(),
                per_doc.get(d.id.as_str()).copied().unwrap_or(0).to_string(),
                d.title.clone(),
            ]
        })
        .collect();
    if rows.is_empty() {
        return "(none yet: `koda import FILE...`)".into();
    }
    table(
        &[
            "id", "type", "case", "turns", "speakers", "codings", "title",
        ],
        &rows,
    )
}

pub(super) fn docs(ctx: &Ctx, a: DocsArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let change = match a.action {
        None => return list_docs(&ctx.load(None, err)?, a.json, out),
        Some(DocsAction::Rm { doc, yes }) => return remove_doc(ctx, &doc, yes, out, err),
        Some(DocsAction::Replace { doc, file }) => {
            return super::coding::edit(ctx, &doc, Some(&file), true, out, err);
        }
        Some(DocsAction::Rename { doc, title }) => (
            doc,
            crate::ops::docs::Change {
                title: Some(title),
                ..Default::default()
            },
        ),
        Some(DocsAction::Set {
            doc,
            kind,
            case,
            no_case,
            meta,
            unmeta,
        }) => (
            doc,
            crate::ops::docs::Change {
                kind,
                case,
                no_case,
                meta: crate::model::case::parse_attrs(&meta)?,
                unmeta,
                ..Default::default()
            },
        ),
    };
    let mut s = ctx.session(err)?;
    let id = crate::ops::docs::change(&mut s, &change.0, &change.1)?;
    let d = s.project().find_doc(&id)?;
    writeln!(
        out,
        "{id}: {:?}, {}{}",
        d.title,
        d.kind.as_str(),
        d.case
            .as_deref()
            .map(|c| format!(", case {c}"))
            .unwrap_or_default()
    )?;
    ctx.after_change(s.project(), err)?;
    Ok(())
}

/// `koda docs rm`: asks first at a terminal, needs `--yes` elsewhere.
fn remove_doc(
    ctx: &Ctx,
    doc: &str,
    yes: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    use std::io::IsTerminal;
    let mut s = ctx.session(err)?;
    let (id, title, codings) = crate::ops::docs::removal(&s, doc)?;
    if !yes {
        let question = format!("remove {id} ({title:?}) and its {codings} codings?");
        if !std::io::stdin().is_terminal() {
            anyhow::bail!("{question} Add --yes to remove it (koda undo brings it back)");
        }
        write!(err, "{question} [y/N] ")?;
        err.flush()?;
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "ja" | "j") {
            writeln!(out, "nothing removed")?;
            return Ok(());
        }
    }
    let (id, n) = crate::ops::docs::remove(&mut s, &id)?;
    writeln!(
        out,
        "removed {id} and {n} codings (koda undo brings them back)"
    )?;
    ctx.after_change(s.project(), err)?;
    Ok(())
}

fn list_docs(p: &Project, json_out: bool, out: &mut dyn Write) -> Result<()> {
    if json_out {
        let counts = p.coding_counts();
        let v: Vec<_> = p
            .documents()
            .iter()
            .map(|d| {
                json!({
                    "id": d.id, "title": d.title, "type": d.kind, "case": d.case, "speaker_cases": d.speaker_cases,
                    "speakers": d.speakers, "turns": d.turn_count, "chars": d.chars,
                    "codings": counts.get(d.id.as_str()).copied().unwrap_or(0),
                    "imported_at": d.imported_at, "origin": d.origin, "metadata": d.metadata,
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        write!(out, "{}", docs_table(p))?;
    }
    Ok(())
}

pub(super) fn show(p: &Project, key: &str, json_out: bool, out: &mut dyn Write) -> Result<()> {
    let d = p.find_doc(key)?;
    let text = p.text(&d.id)?;
    let ix = p.char_index(&d.id)?;
    let slice_chars = |text: &str, s: usize, e: usize| ix.slice(text, s, e).to_string();
    let turn_table = p.turns(&d.id)?;
    let codings = p.codings_of_doc(&d.id);
    if json_out {
        let turns: Vec<_> = turn_table
            .iter()
            .map(|t| {
                json!({
                    "number": t.number, "speaker": t.speaker, "timestamp_ms": t.timestamp_ms,
                    "line": t.line, "start": t.start, "end": t.end,
                    "text": slice_chars(&text, t.start, t.end),
                })
            })
            .collect();
        let cods: Vec<_> = codings
            .iter()
            .map(|c| {
                json!({
                    "id": c.id, "code": c.code, "code_path": p.codebook.path(&c.code),
                    "start": c.start, "end": c.end, "coder": c.coder, "at": c.at, "memo": c.memo,
                    "text": slice_chars(&text, c.start, c.end),
                })
            })
            .collect();
        let v = json!({
            "id": d.id, "title": d.title, "type": d.kind, "case": d.case, "speaker_cases": d.speaker_cases,
            "attributes": d.case.as_ref().and_then(|c| p.cases.cases.get(c)).map(|c| &c.attributes),
            "speakers": d.speakers, "chars": d.chars, "metadata": d.metadata, "origin": d.origin,
            "text": &*text, "turns": turns, "codings": cods,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    let attrs = d
        .case
        .as_ref()
        .and_then(|c| p.cases.cases.get(c))
        .map(|c| {
            c.attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    writeln!(
        out,
        "{} ({}) · {} · {} turns{}{}",
        d.title,
        d.id,
        d.kind,
        d.turn_count,
        d.case
            .as_ref()
            .map(|c| format!(" · case {c}"))
            .unwrap_or_default(),
        if attrs.is_empty() {
            String::new()
        } else {
            format!(" ({attrs})")
        }
    )?;
    for m in p.memos_on(&MemoTarget::Document(d.id.clone())) {
        writeln!(out, "memo {} ({}): {}", m.id, m.coder, m.text)?;
    }
    writeln!(out)?;
    for t in turn_table.iter() {
        let mut head = format!("{:>4}  ", t.number);
        if let Some(ms) = t.timestamp_ms {
            head.push_str(&format!("[{}] ", timestamp(ms)));
        }
        if let Some(s) = &t.speaker {
            head.push_str(&format!("{s}: "));
        }
        let body = slice_chars(&text, t.start, t.end);
        let mut lines = body.lines();
        writeln!(out, "{head}{}", lines.next().unwrap_or(""))?;
        for l in lines {
            writeln!(out, "      {l}")?;
        }
        for c in codings.iter().filter(|c| {
            crate::model::turn_at(&turn_table, c.start).is_some_and(|x| x.number == t.number)
        }) {
            writeln!(
                out,
                "      ◆ {}  «{}»  [{} {}]",
                p.codebook.path(&c.code),
                ellipsize(&slice_chars(&text, c.start, c.end).replace('\n', " "), 60),
                c.id,
                c.coder
            )?;
        }
    }
    Ok(())
}
