//! `koda merge`: bringing a copy of the project (another coder's) into this one.

use super::args::{MergeArgs, PreferArg};
use super::ctx::Ctx;
use crate::Error;
use anyhow::{Result, bail};
use std::io::Write;

pub(super) fn merge(
    ctx: &Ctx,
    a: MergeArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    let mut s = ctx.session(err)?;
    if !a.other.join(crate::store::CONFIG_FILE).is_file() {
        bail!(Error::NotAProject(a.other.clone()));
    }
    let prefer = a.prefer.map(|p| match p {
        PreferArg::Ours => crate::store::merge::Prefer::Ours,
        PreferArg::Theirs => crate::store::merge::Prefer::Theirs,
    });
    let r = s.merge_from(&a.other, prefer)?;
    if r.is_empty() {
        writeln!(
            out,
            "nothing to merge: {} holds nothing new",
            a.other.display()
        )?;
        return Ok(());
    }
    writeln!(out, "merged {}:", a.other.display())?;
    writeln!(out, "  documents added: {}", r.documents_added.len())?;
    writeln!(
        out,
        "  codes added: {}{}",
        r.codes_added.len(),
        if r.codes_added.is_empty() {
            String::new()
        } else {
            format!(" ({})", r.codes_added.join(", "))
        }
    )?;
    writeln!(out, "  codes changed: {}", r.codes_changed.len())?;
    writeln!(out, "  cases added or changed: {}", r.cases_changed.len())?;
    if !r.sets_changed.is_empty() || r.relations_added > 0 {
        writeln!(
            out,
            "  sets added or filled: {}, code relations added: {}",
            r.sets_changed.len(),
            r.relations_added
        )?;
    }
    for (coder, n) in &r.events_added {
        writeln!(out, "  {coder}: {n} journal events")?;
    }
    for c in &r.clashes {
        writeln!(out, "  clash: {c}")?;
    }
    ctx.after_change(s.project(), err)
}
