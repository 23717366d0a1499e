//! What organises the material without being it: named sets of codes and of documents, and
//! relations between codes. Both live in the codebook (`codebook.json`), so one snapshot
//! undoes, merges and exports them together with the codes they name.

use crate::model::Codebook;
use crate::model::ids::new_id;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// A named set of codes and documents, such as "wave 1 interviews" or "codes for the report".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Set {
    /// Stable id (`s` + 12 hex digits).
    pub id: String,
    /// Name, unique among sets (case-insensitively).
    pub name: String,
    /// What the set is for.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Member codes by id, in the order added.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// Member documents by id, in the order added.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub docs: Vec<String>,
    /// The set's GUID in the REFI-QDA project it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
}

/// Which way a relation between two codes reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// From the first code to the second ("leads to").
    #[default]
    OneWay,
    /// Both ways ("is in tension with").
    Bidirectional,
    /// No direction: the two are associated.
    Associative,
}

impl Direction {
    /// The REFI-QDA name (`OneWay`, `Bidirectional`, `Associative`).
    pub fn refi(self) -> &'static str {
        match self {
            Direction::OneWay => "OneWay",
            Direction::Bidirectional => "Bidirectional",
            Direction::Associative => "Associative",
        }
    }

    /// The arrow koda shows between the two codes.
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::OneWay => "→",
            Direction::Bidirectional => "↔",
            Direction::Associative => "—",
        }
    }
}

impl std::str::FromStr for Direction {
    type Err = Error;
    fn from_str(s: &str) -> Result<Direction> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_', ' '], "")
            .as_str()
        {
            "oneway" | "one" | "to" => Ok(Direction::OneWay),
            "bidirectional" | "both" | "two" | "twoway" => Ok(Direction::Bidirectional),
            "associative" | "none" | "association" => Ok(Direction::Associative),
            _ => Err(Error::invalid(format!(
                "direction {s:?} is not known: give one-way, bidirectional or associative"
            ))),
        }
    }
}

/// A relation between two codes, with a label ("leads to") and a direction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    /// Stable id (`r` + 12 hex digits).
    pub id: String,
    /// The code it starts from.
    pub from: String,
    /// The code it points to.
    pub to: String,
    /// What the relation says, e.g. `leads to`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// Which way it reads.
    #[serde(default)]
    pub direction: Direction,
    /// A note on the relation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub memo: String,
    /// The relation's GUID in the REFI-QDA project it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
}

impl Codebook {
    /// The set of this name (case-insensitively) or id.
    pub fn set(&self, name_or_id: &str) -> Result<&Set> {
        let want = name_or_id.trim().to_lowercase();
        self.sets
            .iter()
            .find(|s| s.id == name_or_id || s.name.to_lowercase() == want)
            .ok_or_else(|| {
                let names: Vec<&str> = self.sets.iter().map(|s| s.name.as_str()).collect();
                Error::NotFound(if names.is_empty() {
                    format!(
                        "no set {name_or_id:?}: the project has no sets yet; make one with `koda sets add NAME`"
                    )
                } else {
                    format!(
                        "no set {name_or_id:?}; the sets are: {}",
                        names.join(", ")
                    )
                })
            })
    }

    /// Adds an empty set; returns its id.
    pub fn add_set(&mut self, name: &str, description: &str) -> Result<String> {
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(Error::invalid("a set needs a name of printable characters"));
        }
        if self.set(name).is_ok() {
            return Err(Error::invalid(format!(
                "a set named {name:?} already exists"
            )));
        }
        let id = loop {
            let id = new_id("s");
            if !self.sets.iter().any(|s| s.id == id) {
                break id;
            }
        };
        self.sets.push(Set {
            id: id.clone(),
            name: name.to_string(),
            description: description.to_string(),
            ..Set::default()
        });
        Ok(id)
    }

    fn set_mut(&mut self, name_or_id: &str) -> Result<&mut Set> {
        let i = self.set_index(name_or_id)?;
        Ok(&mut self.sets[i])
    }

    fn set_index(&self, name_or_id: &str) -> Result<usize> {
        let id = self.set(name_or_id)?.id.clone();
        Ok(self
            .sets
            .iter()
            .position(|s| s.id == id)
            .unwrap_or_default())
    }

    /// Adds codes and documents to a set (those already in it stay where they are); returns
    /// how many were added.
    pub fn add_to_set(&mut self, set: &str, codes: &[String], docs: &[String]) -> Result<usize> {
        let s = self.set_mut(set)?;
        let mut n = 0;
        for c in codes {
            if !s.codes.contains(c) {
                s.codes.push(c.clone());
                n += 1;
            }
        }
        for d in docs {
            if !s.docs.contains(d) {
                s.docs.push(d.clone());
                n += 1;
            }
        }
        Ok(n)
    }

    /// Takes codes and documents out of a set; returns how many were taken out.
    pub fn remove_from_set(
        &mut self,
        set: &str,
        codes: &[String],
        docs: &[String],
    ) -> Result<usize> {
        let s = self.set_mut(set)?;
        let before = s.codes.len() + s.docs.len();
        s.codes.retain(|c| !codes.contains(c));
        s.docs.retain(|d| !docs.contains(d));
        Ok(before - s.codes.len() - s.docs.len())
    }

    /// Removes a set (its codes and documents stay in the project).
    pub fn remove_set(&mut self, set: &str) -> Result<Set> {
        let i = self.set_index(set)?;
        Ok(self.sets.remove(i))
    }

    /// The codes of a set as they stand now (merged codes followed, deleted ones left out).
    pub fn set_codes(&self, set: &Set) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in &set.codes {
            if let Some(id) = self.resolve(c)
                && !out.contains(&id)
            {
                out.push(id);
            }
        }
        out
    }

    /// Relates two codes; returns the relation's id. The same relation twice is refused.
    pub fn relate(
        &mut self,
        from: &str,
        to: &str,
        label: &str,
        direction: Direction,
    ) -> Result<String> {
        if from == to {
            return Err(Error::invalid("a code cannot be related to itself"));
        }
        for id in [from, to] {
            if self.get(id).is_none() {
                return Err(Error::invalid(format!("no code with id {id}")));
            }
        }
        if self
            .relations
            .iter()
            .any(|r| r.from == from && r.to == to && r.label == label)
        {
            return Err(Error::invalid(format!(
                "{:?} is already related to {:?} as {label:?}",
                self.path(from),
                self.path(to)
            )));
        }
        let id = loop {
            let id = new_id("r");
            if !self.relations.iter().any(|r| r.id == id) {
                break id;
            }
        };
        self.relations.push(Relation {
            id: id.clone(),
            from: from.to_string(),
            to: to.to_string(),
            label: label.trim().to_string(),
            direction,
            ..Relation::default()
        });
        Ok(id)
    }

    /// The relations as they stand now: ends resolved through merges, relations with a
    /// deleted end left out.
    pub fn live_relations(&self) -> Vec<Relation> {
        self.relations
            .iter()
            .filter_map(|r| {
                let (from, to) = (self.resolve(&r.from)?, self.resolve(&r.to)?);
                (from != to).then(|| Relation {
                    from,
                    to,
                    ..r.clone()
                })
            })
            .collect()
    }

    /// Refuses to code with a category (a code that only groups others).
    pub fn check_codable(&self, id: &str) -> Result<()> {
        match self.get(id) {
            Some(c) if !c.codable => Err(Error::invalid(format!(
                "{:?} is a category: it groups codes but is not applied to text; code with one of the codes under it, or make it codable with `koda codes codable {}`",
                self.path(id),
                self.path(id)
            ))),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_hold_codes_and_documents_and_follow_merges() {
        let mut cb = Codebook::default();
        let a = cb.add("tillit", "", None).unwrap().pop().unwrap();
        let b = cb.add("trygghet", "", None).unwrap().pop().unwrap();
        cb.add_set("Rapport", "koder til rapporten").unwrap();
        assert!(cb.add_set("rapport", "").is_err(), "names are unique");
        assert_eq!(
            cb.add_to_set("rapport", &[a.clone(), b.clone()], &["d1".into()])
                .unwrap(),
            3
        );
        assert_eq!(
            cb.add_to_set("Rapport", std::slice::from_ref(&a), &[])
                .unwrap(),
            0
        );
        cb.merge(&b, &a, "2026-01-01T00:00:00Z").unwrap();
        let s = cb.set("RAPPORT").unwrap().clone();
        assert_eq!(
            cb.set_codes(&s),
            vec![a.clone()],
            "the merged code counts once"
        );
        assert_eq!(
            cb.remove_from_set("rapport", &[], &["d1".into()]).unwrap(),
            1
        );
        assert!(cb.set("nope").unwrap_err().to_string().contains("Rapport"));
        cb.remove_set("rapport").unwrap();
        assert!(cb.sets.is_empty());
    }

    #[test]
    fn relations_refuse_self_and_repeats_and_drop_deleted_ends() {
        let mut cb = Codebook::default();
        let a = cb.add("tillit", "", None).unwrap().pop().unwrap();
        let b = cb.add("timing", "", None).unwrap().pop().unwrap();
        assert!(cb.relate(&a, &a, "x", Direction::OneWay).is_err());
        cb.relate(&a, &b, "fører til", Direction::OneWay).unwrap();
        assert!(cb.relate(&a, &b, "fører til", Direction::OneWay).is_err());
        assert_eq!(cb.live_relations().len(), 1);
        cb.delete(&b, "2026-01-01T00:00:00Z");
        assert!(cb.live_relations().is_empty());
        assert_eq!(
            "both".parse::<Direction>().unwrap(),
            Direction::Bidirectional
        );
        assert!("sideways".parse::<Direction>().is_err());
    }
}
