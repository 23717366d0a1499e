//! `koda codes`: the codebook tree and its changes (add, rename, move, merge, describe, colour, delete).

use super::args::{CodesAction, CodesArgs};
use super::ctx::Ctx;
use super::output::{ellipsize, table};
use crate::analysis::{self};
use crate::store::{Project, Session};
use anyhow::Result;
use std::io::Write;

pub(super) fn codes_tree(p: &Project) -> String {
    let counts = analysis::code_counts(p);
    if counts.is_empty() {
        return "(no codes yet: `koda codes add PATH`)".into();
    }
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|c| {
            vec![
                format!("{}{}", "  ".repeat(c.depth), c.name),
                c.codings.to_string(),
                c.codings_with_subcodes.to_string(),
                c.documents.to_string(),
                c.color.clone().unwrap_or_default(),
                ellipsize(&c.description, 60),
            ]
        })
        .collect();
    table(
        &[
            "code",
            "codings",
            "with sub",
            "docs",
            "colour",
            "description",
        ],
        &rows,
    )
}

pub(super) fn codes(
    ctx: &Ctx,
    a: CodesArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    let Some(action) = a.action else {
        let p = ctx.load(None, err)?;
        if a.json {
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&analysis::code_counts(&p))?
            )?;
        } else {
            write!(out, "{}", codes_tree(&p))?;
        }
        return Ok(());
    };
    use crate::ops::codebook as op;
    let mut s = ctx.session(err)?;
    let path_of = |s: &Session, key: &str| -> Result<String> {
        let id = s.project().codebook.find(key)?.id.clone();
        Ok(s.project().codebook.path(&id))
    };
    match action {
        CodesAction::Import { file } => {
            let (added, total) = op::import_codes(&mut s, &file)?;
            writeln!(
                out,
                "{added} codes added from {} ({total} in the file)",
                file.display()
            )?;
        }
        CodesAction::Add {
            path,
            description,
            color,
        } => {
            let id = op::add(
                &mut s,
                &path,
                description.as_deref().unwrap_or(""),
                color.as_deref(),
            )?;
            writeln!(out, "added code {} ({id})", s.project().codebook.path(&id))?;
        }
        CodesAction::Rename { path, new_name } => {
            let id = s.project().codebook.find(&path)?.id.clone();
            let old = s.project().codebook.path(&id);
            op::rename(&mut s, &id, &new_name)?;
            writeln!(out, "renamed {old} to {}", s.project().codebook.path(&id))?;
        }
        CodesAction::Move { path, parent, root } => {
            let id = s.project().codebook.find(&path)?.id.clone();
            op::move_under(&mut s, &id, if root { None } else { parent.as_deref() })?;
            writeln!(out, "moved to {}", s.project().codebook.path(&id))?;
        }
        CodesAction::Merge { from, into } => {
            let from_path = path_of(&s, &from)?;
            let n = op::merge(&mut s, &from, &into)?;
            writeln!(
                out,
                "merged {from_path} into {} ({n} codings moved)",
                path_of(&s, &into)?
            )?;
        }
        CodesAction::Rm { path, force } => {
            let code_path = path_of(&s, &path)?;
            let (codes_gone, codings_gone) = op::delete(&mut s, &path, force)?;
            writeln!(
                out,
                "deleted {code_path} ({codes_gone} codes, {codings_gone} codings)"
            )?;
        }
        CodesAction::Describe { path, text } => {
            op::describe(&mut s, &path, &text)?;
            writeln!(out, "described {}", path_of(&s, &path)?)?;
        }
        CodesAction::Color { path, color } => {
            let c = op::color(&mut s, &path, &color)?;
            writeln!(
                out,
                "{} is now {}",
                path_of(&s, &path)?,
                c.unwrap_or_else(|| "uncoloured".into())
            )?;
        }
    }
    Ok(())
}
