//! Cases and their attributes, and speakers mapped to cases.

use crate::model::SpeakerMap;
use crate::store::Session;
use crate::{Error, Result};
use std::path::Path;

/// Sets attributes of a case (creating it when new).
pub fn set(session: &mut Session, case: &str, attrs: &[(String, String)]) -> Result<()> {
    session.set_case_attrs(case, attrs)
}

/// Gives a case exactly these attributes (those not given are removed), creating it when new:
/// what editing a case's attributes in place does, as one undoable step.
pub fn replace_attrs(session: &mut Session, case: &str, attrs: &[(String, String)]) -> Result<()> {
    let case = case.trim();
    if case.is_empty() {
        return Err(Error::invalid("a case needs a name: give one, e.g. F01"));
    }
    if let Some((k, _)) = attrs.iter().find(|(k, _)| k.trim().is_empty()) {
        return Err(Error::invalid(format!(
            "an attribute needs a name before '=' ({k:?} given): write NAME=VALUE"
        )));
    }
    let mut cases = session.project().cases.clone();
    let entry = cases
        .cases
        .entry(case.to_string())
        .or_insert_with(|| crate::model::Case {
            name: case.to_string(),
            ..Default::default()
        });
    entry.attributes = attrs
        .iter()
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    if cases == session.project().cases {
        return Ok(());
    }
    session.replace_cases(cases)
}

/// Removes attributes of a case; every key must be set.
pub fn unset(session: &mut Session, case: &str, keys: &[String]) -> Result<()> {
    let mut cases = session.project().cases.clone();
    let c = cases
        .cases
        .get_mut(case)
        .ok_or_else(|| Error::NotFound(format!("no case {case:?}; see `koda cases`")))?;
    for k in keys {
        if c.attributes.remove(k).is_none() {
            return Err(Error::NotFound(format!(
                "case {case} has no attribute {k:?}"
            )));
        }
    }
    session.replace_cases(cases)
}

/// Reads a table of cases and sets them all, as one undoable step; returns how many.
pub fn import_table(session: &mut Session, file: &Path) -> Result<usize> {
    let rows = crate::import::cases::read_file(file)?;
    session.group("import cases", |s| {
        for (name, attrs) in &rows {
            s.set_case_attrs(name, attrs)?;
        }
        Ok(())
    })?;
    Ok(rows.len())
}

/// Maps speakers of a document to cases (`map`) and undoes mappings (`unset`); returns the
/// labels as the document spells them, in order: mapped, then unmapped.
pub fn map_speakers(
    session: &mut Session,
    doc: &str,
    map: &[SpeakerMap],
    unset: &[String],
) -> Result<(Vec<String>, Vec<String>)> {
    let mut mapped = Vec::new();
    for m in map {
        mapped.push(session.map_speaker(doc, &m.label, Some(&m.case))?);
    }
    let mut unmapped = Vec::new();
    for l in unset {
        unmapped.push(session.map_speaker(doc, l, None)?);
    }
    Ok((mapped, unmapped))
}
