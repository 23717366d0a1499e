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

/// Adds the codes of a REFI-QDA codebook (`.qdc`) or project (`.qdpx`) file that are not in the
/// codebook yet, as one undoable step; returns (added, codes in the file).
pub fn import_codes(session: &mut Session, file: &Path) -> Result<(usize, usize)> {
    let bytes = std::fs::read(file).map_err(|e| Error::Import {
        path: file.to_path_buf(),
        msg: format!("cannot read: {e}"),
    })?;
    let codes = if bytes.starts_with(b"PK") {
        crate::import::qdpx::read_qdpx(&bytes, file)?.codes
    } else {
        crate::import::qdpx::read_qdc(&bytes, file)?
    };
    let (_, added) = session.group("import codes", |s| s.import_refi_codes(&codes))?;
    Ok((added, codes.len()))
}
