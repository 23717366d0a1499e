//! `koda codes`: the codebook tree and its changes (add, rename, move, merge, describe, colour, delete).

use super::args::{CodesAction, CodesArgs};
use super::ctx::Ctx;
use super::output::{ellipsize, table};
use crate::Error;
use crate::analysis::{self};
use crate::model::codebook::parse_color;
use crate::store::{Project, Session};
use anyhow::{Result, bail};
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
    let mut s = ctx.session()?;
    if let CodesAction::Import { file } = &action {
        let bytes = std::fs::read(file).map_err(|e| Error::Import {
            path: file.clone(),
            msg: format!("cannot read: {e}"),
        })?;
        let codes = if bytes.starts_with(b"PK") {
            crate::import::qdpx::read_qdpx(&bytes, file)?.codes
        } else {
            crate::import::qdpx::read_qdc(&bytes, file)?
        };
        let (_, added) = s.group("import codes", |s| s.import_refi_codes(&codes))?;
        writeln!(
            out,
            "{added} codes added from {} ({} in the file)",
            file.display(),
            codes.len()
        )?;
        return ctx.after_change(s.project(), err);
    }
    let find = |s: &Session, path: &str| -> Result<String> {
        Ok(s.project().codebook.find(path)?.id.clone())
    };
    match action {
        CodesAction::Add {
            path,
            description,
            color,
        } => {
            let color = color.as_deref().map(parse_color).transpose()?;
            let id = s.add_code(&path, description.as_deref().unwrap_or(""), color)?;
            writeln!(out, "added code {} ({id})", s.project().codebook.path(&id))?;
        }
        CodesAction::Rename { path, new_name } => {
            let id = find(&s, &path)?;
            let old = s.project().codebook.path(&id);
            s.rename_code(&id, &new_name)?;
            writeln!(out, "renamed {old} to {}", s.project().codebook.path(&id))?;
        }
        CodesAction::Move { path, parent, root } => {
            let id = find(&s, &path)?;
            let parent_id = if root {
                None
            } else {
                parent.as_deref().map(|pp| find(&s, pp)).transpose()?
            };
            s.move_code(&id, parent_id.as_deref())?;
            writeln!(out, "moved to {}", s.project().codebook.path(&id))?;
        }
        CodesAction::Merge { from, into } => {
            let f = find(&s, &from)?;
            let i = find(&s, &into)?;
            let from_path = s.project().codebook.path(&f);
            let n = s.merge_codes(&f, &i)?;
            writeln!(
                out,
                "merged {from_path} into {} ({n} codings moved)",
                s.project().codebook.path(&i)
            )?;
        }
        CodesAction::Rm { path, force } => {
            let id = find(&s, &path)?;
            let code_path = s.project().codebook.path(&id);
            let n = s.codings_under(&id);
            let subs = s.project().codebook.subtree(&id).len() - 1;
            if (n > 0 || subs > 0) && !force {
                bail!(Error::invalid(format!(
                    "code {code_path} has {n} codings and {subs} sub-codes; add --force to delete them all"
                )));
            }
            let (codes_gone, codings_gone) = s.delete_code(&id)?;
            writeln!(
                out,
                "deleted {code_path} ({codes_gone} codes, {codings_gone} codings)"
            )?;
        }
        CodesAction::Describe { path, text } => {
            let id = find(&s, &path)?;
            s.describe_code(&id, &text)?;
            writeln!(out, "described {}", s.project().codebook.path(&id))?;
        }
        CodesAction::Import { .. } => {}
        CodesAction::Color { path, color } => {
            let id = find(&s, &path)?;
            let c = if color.eq_ignore_ascii_case("none") {
                None
            } else {
                Some(parse_color(&color)?)
            };
            s.color_code(&id, c.clone())?;
            writeln!(
                out,
                "{} is now {}",
                s.project().codebook.path(&id),
                c.unwrap_or_else(|| "uncoloured".into())
            )?;
        }
    }
    Ok(())
}
