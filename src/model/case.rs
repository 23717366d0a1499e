//! Cases (participants, families, sites) and their attributes.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A case with its attributes, such as `role=parent`, `site=Kristiansand`, `wave=2`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// The case's name, unique in the project.
    pub name: String,
    /// Attribute values by attribute name.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// What the case is (REFI-QDA's case `Description`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Codes the case is linked to as a whole (REFI-QDA `CodeRef`), by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// Codings (passages) linked to the case (REFI-QDA `SelectionRef`), by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codings: Vec<String>,
    /// The case's GUID in the REFI-QDA project it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
}

/// One speaker label mapped to a case at import (`--speaker "Forelder 2=P02"` or a row of a
/// speaker file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpeakerMap {
    /// Only in this file (its name, with or without extension); any file when absent.
    pub file: Option<String>,
    /// The speaker label as written in the transcript (compared ignoring case).
    pub label: String,
    /// The case the speaker's turns belong to.
    pub case: String,
    /// Attributes to set on that case.
    pub attrs: Vec<(String, String)>,
}

impl SpeakerMap {
    /// True when this mapping applies to a file of this name.
    pub fn applies_to(&self, file_name: &str) -> bool {
        match &self.file {
            None => true,
            Some(f) => {
                let stem = std::path::Path::new(file_name)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                f == file_name || *f == stem
            }
        }
    }

    /// The transcript's own spelling of this mapping's label among `speakers`, if present.
    pub fn find<'a>(&self, speakers: &'a [String]) -> Option<&'a String> {
        let want = self.label.trim().to_lowercase();
        speakers.iter().find(|s| s.trim().to_lowercase() == want)
    }
}

/// All cases of a project, stored as `cases.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cases {
    /// Cases by name.
    #[serde(default)]
    pub cases: BTreeMap<String, Case>,
}

impl Cases {
    /// Creates the case if it does not exist and sets the given attributes on it.
    /// Returns true when anything changed.
    pub fn upsert(&mut self, name: &str, attrs: &[(String, String)]) -> bool {
        let mut changed = false;
        let case = self.cases.entry(name.to_string()).or_insert_with(|| {
            changed = true;
            Case {
                name: name.to_string(),
                ..Case::default()
            }
        });
        for (k, v) in attrs {
            if case.attributes.get(k) != Some(v) {
                case.attributes.insert(k.clone(), v.clone());
                changed = true;
            }
        }
        changed
    }
}

/// Parses `KEY=VALUE` as given to `--attr`.
pub fn parse_attr(s: &str) -> crate::Result<(String, String)> {
    let (k, v) = s.split_once('=').ok_or_else(|| {
        crate::Error::invalid(format!(
            "attribute {s:?} must look like KEY=VALUE, e.g. role=parent"
        ))
    })?;
    let k = k.trim();
    if k.is_empty() || k.contains(char::is_whitespace) {
        return Err(crate::Error::invalid(format!(
            "attribute name in {s:?} must be one word, e.g. role=parent"
        )));
    }
    Ok((k.to_string(), v.trim().to_string()))
}

/// [`parse_attr`] over every value of a repeated option (`--attr`, `--meta`, `--where`).
pub fn parse_attrs(list: &[String]) -> crate::Result<Vec<(String, String)>> {
    list.iter().map(|s| parse_attr(s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsert_creates_and_updates() {
        let mut c = Cases::default();
        assert!(c.upsert("F04", &[("role".into(), "parent".into())]));
        assert!(!c.upsert("F04", &[("role".into(), "parent".into())]));
        assert!(c.upsert("F04", &[("wave".into(), "2".into())]));
        let case = &c.cases["F04"];
        assert_eq!(case.attributes.len(), 2);
        assert_eq!(case.attributes["wave"], "2");
    }

    #[test]
    fn attrs_parse() {
        assert_eq!(
            parse_attr("site=Kristiansand").unwrap(),
            ("site".into(), "Kristiansand".into())
        );
        assert_eq!(
            parse_attr("note=a=b").unwrap(),
            ("note".into(), "a=b".into())
        );
        assert!(parse_attr("role").is_err());
        assert!(parse_attr("=x").is_err());
        assert!(parse_attr("my role=x").is_err());
    }
}
