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
                attributes: BTreeMap::new(),
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
pub fn parse_attr(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("attribute {s:?} must look like KEY=VALUE, e.g. role=parent"))?;
    let k = k.trim();
    if k.is_empty() || k.contains(char::is_whitespace) {
        return Err(format!(
            "attribute name in {s:?} must be one word, e.g. role=parent"
        ));
    }
    Ok((k.to_string(), v.trim().to_string()))
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
            parse_attr("site=Kristiansand"),
            Ok(("site".into(), "Kristiansand".into()))
        );
        assert_eq!(parse_attr("note=a=b"), Ok(("note".into(), "a=b".into())));
        assert!(parse_attr("role").is_err());
        assert!(parse_attr("=x").is_err());
        assert!(parse_attr("my role=x").is_err());
    }
}
