//! `koda batch`: requests as JSON lines on standard input (code, uncode, memo), one answer line each.

use super::Outcome;
use super::ctx::Ctx;
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
            let made = crate::ops::coding::code(
                s,
                &crate::ops::coding::Request {
                    doc,
                    code,
                    selection: sel,
                    memo,
                },
            )?;
            Ok(json!({"ok": true, "ids": made.iter().map(|m| m.id.clone()).collect::<Vec<_>>()}))
        }
        BatchOp::Uncode { id } => {
            crate::ops::coding::uncode(s, &crate::ops::coding::Uncode::Ids(vec![id.clone()]))?;
            Ok(json!({"ok": true, "ids": [id]}))
        }
        BatchOp::Memo {
            text,
            doc,
            code,
            coding,
            id,
        } => {
            let m = match &id {
                Some(i) => crate::ops::memos::edit(s, i, &text)?,
                None => {
                    let about = crate::ops::memos::About { doc, code, coding };
                    let target = crate::ops::memos::target(s.project(), &about)?;
                    crate::ops::memos::add(s, target, &text)?
                }
            };
            Ok(json!({"ok": true, "ids": [m.id]}))
        }
    }
}

pub(super) fn batch(ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome> {
    let mut s = ctx.session(err)?;
    let stdin = std::io::stdin();
    let mut failed = false;
    for (i, line) in stdin.lock().split(b'\n').enumerate() {
        let bytes = line.context("reading standard input")?;
        // A line that is not UTF-8 is one failed line, like any other bad line.
        let Ok(line) = String::from_utf8(bytes) else {
            failed = true;
            let reply = json!({"ok": false, "line": i + 1, "error": "the line is not UTF-8 text"});
            writeln!(out, "{reply}")?;
            out.flush()?;
            continue;
        };
        let line = line.strip_suffix('\r').unwrap_or(&line);
        if line.trim().is_empty() {
            continue;
        }
        let reply = match batch_one(&mut s, line) {
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
