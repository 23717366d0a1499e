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
                format!(
                    "{}{}{}",
                    "  ".repeat(c.depth),
                    c.name,
                    if c.codable { "" } else { " [category]" }
                ),
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
            let r = op::import_codes(&mut s, &file)?;
            writeln!(
                out,
                "{} codes added from {} ({} in the file{})",
                r.added,
                file.display(),
                r.in_file,
                if r.updated > 0 {
                    format!(", {} updated", r.updated)
                } else {
                    String::new()
                }
            )?;
            for c in &r.changes {
                writeln!(err, "koda: changed: {c}")?;
            }
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
        CodesAction::Category { path } => {
            op::set_codable(&mut s, &path, false)?;
            writeln!(
                out,
                "{} is a category: it groups codes and is not applied to text",
                path_of(&s, &path)?
            )?;
        }
        CodesAction::Codable { path } => {
            op::set_codable(&mut s, &path, true)?;
            writeln!(out, "{} can be applied to text", path_of(&s, &path)?)?;
        }
        CodesAction::Relate {
            from,
            to,
            label,
            direction,
        } => {
            op::relate(&mut s, &from, &to, &label, direction.parse()?)?;
            writeln!(
                out,
                "related: {}",
                relation_line(s.project(), s.project().codebook.live_relations().last())
            )?;
        }
        CodesAction::Unrelate { from, to, label } => {
            let n = op::unrelate(&mut s, &from, &to, label.as_deref())?;
            writeln!(out, "{n} relations removed")?;
        }
        CodesAction::Relations { json } => {
            let rels = s.project().codebook.live_relations();
            if json {
                let cb = &s.project().codebook;
                let v: Vec<serde_json::Value> = rels
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.id,
                            "from": cb.path(&r.from),
                            "to": cb.path(&r.to),
                            "label": r.label,
                            "direction": r.direction,
                            "memo": r.memo,
                        })
                    })
                    .collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
            } else if rels.is_empty() {
                writeln!(
                    out,
                    "(no relations between codes: `koda codes relate FROM TO --label ...`)"
                )?;
            } else {
                for r in &rels {
                    writeln!(out, "{}", relation_line(s.project(), Some(r)))?;
                }
            }
        }
    }
    Ok(())
}

fn relation_line(p: &Project, r: Option<&crate::model::sets::Relation>) -> String {
    let Some(r) = r else {
        return String::new();
    };
    let cb = &p.codebook;
    let label = if r.label.is_empty() {
        String::new()
    } else {
        format!(" {} ", r.label)
    };
    format!(
        "{} {}{}{} {}",
        cb.path(&r.from),
        r.direction.arrow(),
        label,
        r.direction.arrow(),
        cb.path(&r.to)
    )
    .replace("  ", " ")
}

/// `koda sets`: list the sets, or change one.
pub(super) fn sets(
    ctx: &Ctx,
    a: super::args::SetsArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    use super::args::SetsAction;
    use crate::ops::sets as op;
    let Some(action) = a.action else {
        let p = ctx.load(None, err)?;
        let listed = op::list(&p);
        if a.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&listed)?)?;
        } else if listed.is_empty() {
            writeln!(out, "(no sets yet: `koda sets add NAME`)")?;
        } else {
            let rows: Vec<Vec<String>> = listed
                .iter()
                .map(|s| {
                    vec![
                        s.name.clone(),
                        s.codes.len().to_string(),
                        s.docs.len().to_string(),
                        ellipsize(&s.description, 50),
                    ]
                })
                .collect();
            write!(
                out,
                "{}",
                table(&["set", "codes", "docs", "description"], &rows)
            )?;
        }
        return Ok(());
    };
    let mut s = ctx.session(err)?;
    match action {
        SetsAction::Add { name, description } => {
            op::add(&mut s, &name, &description)?;
            writeln!(out, "added set {name:?}")?;
        }
        SetsAction::Put { set, codes, docs } => {
            let n = op::put(&mut s, &set, &codes, &docs)?;
            writeln!(out, "{n} added to set {set:?}")?;
        }
        SetsAction::Take { set, codes, docs } => {
            let n = op::take(&mut s, &set, &codes, &docs)?;
            writeln!(out, "{n} taken out of set {set:?}")?;
        }
        SetsAction::Rm { set } => {
            op::remove(&mut s, &set)?;
            writeln!(out, "removed set {set:?} (its codes and documents stay)")?;
        }
    }
    Ok(())
}
