//! `koda batch`: requests as JSON lines on standard input (code, uncode, memo), one answer line each.

use super::Outcome;
use super::ctx::Ctx;
use crate::Error;
use crate::model::MemoTarget;
use crate::store::Session;
use crate::store::project::Selection;
use anyhow::{Context, Result, bail};
use serde_json::json;
use std::io::{BufRead, Write};

/// One request of `koda batch`.
#[derive(Debug, serde::Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub(super) enum BatchOp {
    Code {
        doc: String,
        code: String,
        turn: Option<usize>,
        range: Option<(usize, usize)>,
        #[serde(rename = "match")]
        matching: Option<String>,
        #[serde(default)]
        all: bool,
        memo: Option<String>,
    },
    Uncode {
        id: String,
    },
    Memo {
        text: String,
        doc: Option<String>,
        code: Option<String>,
        coding: Option<String>,
        id: Option<String>,
    },
}

pub(super) fn batch_one(s: &mut Session, line: &str) -> Result<serde_json::Value> {
    let op: BatchOp = serde_json::from_str(line).context("not a valid request")?;
    match op {
        BatchOp::Code {
            doc,
            code,
            turn,
            range,
            matching,
            all,
            memo,
        } => {
            let sel = match (turn, range, matching) {
                (Some(n), None, None) => Selection::Turn(n),
                (None, Some((a, b)), None) => Selection::Range(a, b),
                (None, None, Some(m)) => Selection::Match { text: m, all },
                _ => bail!("give exactly one of turn, range, match"),
            };
            let d = s.project().find_doc(&doc)?.clone();
            let c = s.project().codebook.find(&code)?.id.clone();
            let spans = s.project().resolve_selection(&d, &sel)?;
            let made = s.add_codings(&d.id, &c, &spans, memo.as_deref())?;
            Ok(json!({"ok": true, "ids": made.iter().map(|m| m.id.clone()).collect::<Vec<_>>()}))
        }
        BatchOp::Uncode { id } => {
            s.remove_codings(std::slice::from_ref(&id))?;
            Ok(json!({"ok": true, "ids": [id]}))
        }
        BatchOp::Memo {
            text,
            doc,
            code,
            coding,
            id,
        } => {
            let p = s.project();
            let target = if let Some(i) = &id {
                p.memos
                    .get(i)
                    .map(|m| m.target.clone())
                    .ok_or_else(|| Error::invalid(format!("no memo {i:?}")))?
            } else if let Some(d) = doc {
                MemoTarget::Document(p.find_doc(&d)?.id.clone())
            } else if let Some(c) = code {
                MemoTarget::Code(p.codebook.find(&c)?.id.clone())
            } else if let Some(c) = coding {
                MemoTarget::Coding(c)
            } else {
                MemoTarget::Project
            };
            let m = s.set_memo(id.as_deref(), target, &text)?;
            Ok(json!({"ok": true, "ids": [m.id]}))
        }
    }
}

pub(super) fn batch(ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome> {
    let mut s = ctx.session()?;
    let stdin = std::io::stdin();
    let mut failed = false;
    for (i, line) in stdin.lock().lines().enumerate() {
        let line = line.context("reading standard input")?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = match batch_one(&mut s, &line) {
            Ok(v) => v,
            Err(e) => {
                failed = true;
                json!({"ok": false, "line": i + 1, "error": format!("{e:#}")})
            }
        };
        writeln!(out, "{reply}")?;
        out.flush()?;
    }
    ctx.after_change(s.project(), err)?;
    Ok(if failed {
        Outcome::PartialFailure
    } else {
        Outcome::Success
    })
}
