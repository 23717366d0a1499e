//! Changing the codebook: codes named by path, name or id, the same from both front ends.

use crate::model::codebook::parse_color;
use crate::store::Session;
use crate::{Error, Result};
use std::path::Path;

fn id_of(session: &Session, key: &str) -> Result<String> {
    Ok(session.project().codebook.find(key)?.id.clone())
}

/// A colour as typed: a colour name or `#rrggbb`; `none` (or nothing) for no colour.
pub fn color_of(text: &str) -> Result<Option<String>> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("none") {
        Ok(None)
    } else {
        parse_color(t).map(Some)
    }
}

/// Adds a code at a path (its parents are created as needed); returns its id.
pub fn add(
    session: &mut Session,
    path: &str,
    description: &str,
    color: Option<&str>,
) -> Result<String> {
    let color = color.map(color_of).transpose()?.flatten();
    session.add_code(path, description, color)
}

/// Renames a code.
pub fn rename(session: &mut Session, code: &str, new_name: &str) -> Result<()> {
    let id = id_of(session, code)?;
    session.rename_code(&id, new_name)
}

/// Moves a code under another (`None`: to the top level).
pub fn move_under(session: &mut Session, code: &str, parent: Option<&str>) -> Result<()> {
    let id = id_of(session, code)?;
    let parent = parent.map(|p| id_of(session, p)).transpose()?;
    session.move_code(&id, parent.as_deref())
}

/// Merges a code into another; returns how many codings moved.
pub fn merge(session: &mut Session, from: &str, into: &str) -> Result<usize> {
    let (f, i) = (id_of(session, from)?, id_of(session, into)?);
    session.merge_codes(&f, &i)
}

/// Deletes a code with its sub-codes and their codings; returns (codes, codings) deleted. A
/// code that has codings or sub-codes is deleted only when `confirmed` (the researcher said so).
pub fn delete(session: &mut Session, code: &str, confirmed: bool) -> Result<(usize, usize)> {
    let id = id_of(session, code)?;
    let n = session.codings_under(&id);
    let subs = session.project().codebook.subtree(&id).len() - 1;
    if (n > 0 || subs > 0) && !confirmed {
        return Err(Error::invalid(format!(
            "code {} has {n} codings and {subs} sub-codes; add --force to delete them all",
            session.project().codebook.path(&id)
        )));
    }
    session.delete_code(&id)
}

/// Describes a code.
pub fn describe(session: &mut Session, code: &str, text: &str) -> Result<()> {
    let id = id_of(session, code)?;
    session.describe_code(&id, text)
}

/// Colours a code (`none` removes its colour); returns the colour set.
pub fn color(session: &mut Session, code: &str, color: &str) -> Result<Option<String>> {
    let id = id_of(session, code)?;
    let c = color_of(color)?;
    session.color_code(&id, c.clone())?;
    Ok(c)
}

/// Makes a code a category (`codable` false: it groups codes and is not applied to text), or
/// codable again. A code with codings cannot become a category.
pub fn set_codable(session: &mut Session, code: &str, codable: bool) -> Result<()> {
    let id = id_of(session, code)?;
    let used = session
        .project()
        .codings
        .values()
        .filter(|c| c.code == id)
        .count();
    if !codable && used > 0 {
        return Err(Error::invalid(format!(
            "{:?} has {used} codings of its own, so it cannot become a category; move them to a code under it first (`koda recode`), or merge it",
            session.project().codebook.path(&id)
        )));
    }
    let label = if codable {
        "make a code codable"
    } else {
        "make a code a category"
    };
    session.edit_codebook(label, |cb| {
        if let Some(c) = cb.codes.iter_mut().find(|c| c.id == id) {
            c.codable = codable;
        }
        Ok(())
    })
}

/// Relates two codes; returns the relation's id.
pub fn relate(
    session: &mut Session,
    from: &str,
    to: &str,
    label: &str,
    direction: crate::model::sets::Direction,
) -> Result<String> {
    let (a, b) = (id_of(session, from)?, id_of(session, to)?);
    session.edit_codebook("relate codes", |cb| cb.relate(&a, &b, label, direction))
}

/// Removes the relations between two codes, either way round (only those with `label` when
/// given); returns how many.
pub fn unrelate(session: &mut Session, from: &str, to: &str, label: Option<&str>) -> Result<usize> {
    let (a, b) = (id_of(session, from)?, id_of(session, to)?);
    session.edit_codebook("unrelate codes", |cb| {
        let live: Vec<String> = cb
            .live_relations()
            .into_iter()
            .filter(|r| {
                ((r.from == a && r.to == b) || (r.from == b && r.to == a))
                    && label.is_none_or(|l| r.label.eq_ignore_ascii_case(l.trim()))
            })
            .map(|r| r.id)
            .collect();
        if live.is_empty() {
            return Err(Error::NotFound(format!(
                "{:?} and {:?} are not related{}; see `koda codes relations`",
                cb.path(&a),
                cb.path(&b),
                label.map(|l| format!(" as {l:?}")).unwrap_or_default()
            )));
        }
        cb.relations.retain(|r| !live.contains(&r.id));
        Ok(live.len())
    })
}

/// What importing a codebook did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodesImported {
    /// Codes added.
    pub added: usize,
    /// Codes already in the codebook (by GUID) that the file renamed, described or recoloured.
    pub updated: usize,
    /// Codes in the file.
    pub in_file: usize,
    /// What koda changed to keep a code (a `/` in its name, a name too long).
    pub changes: Vec<String>,
}

/// Adds the codes of a REFI-QDA codebook (`.qdc`) or project (`.qdpx`) file that are not in the
/// codebook yet (found by GUID, then by path), as one undoable step.
pub fn import_codes(session: &mut Session, file: &Path) -> Result<CodesImported> {
    let mut head = [0u8; 2];
    let zipped = std::fs::File::open(file)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && &head == b"PK";
    let p = if zipped {
        crate::import::qdpx::open_qdpx(file, &Default::default())?.project
    } else {
        let bytes = std::fs::read(file).map_err(|e| Error::Import {
            path: file.to_path_buf(),
            msg: format!("cannot read: {e}"),
        })?;
        crate::import::qdpx::read_qdc(&bytes, file)?
    };
    let (added, updated, changes) = session.import_refi_codes(&p)?;
    Ok(CodesImported {
        added,
        updated,
        in_file: p.codes.len(),
        changes,
    })
}
