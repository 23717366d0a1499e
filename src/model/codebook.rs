//! The codebook: a tree of codes (themes) with descriptions and colours.
//!
//! Codes are addressed by path (`trust/institutional`) or by id. Ids never change; a merged or
//! deleted code leaves a [`Retired`] entry so that codings made with it (possibly by another
//! coder, in another journal) resolve to the code it was merged into, or are known to be gone.

use crate::model::ids::new_id;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One code (theme) of the codebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Code {
    /// Stable id (`c` + 12 hex digits).
    pub id: String,
    /// Name, unique among its siblings (case-insensitively), without `/`.
    pub name: String,
    /// Parent code id; `None` for a top-level code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// What the code means and when to apply it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Display colour as `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// False for a category: a code that groups others but is not applied to text itself
    /// (REFI-QDA's `isCodable="false"`).
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    pub codable: bool,
    /// The code's GUID in the REFI-QDA project it came from, written back on export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
}

fn yes() -> bool {
    true
}

fn is_yes(b: &bool) -> bool {
    *b
}

/// The longest code name koda keeps (in characters); longer names are refused when typed and
/// shortened, with a warning, when imported.
pub const MAX_CODE_NAME: usize = 1000;

/// What became of a code that is no longer in the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fate", rename_all = "kebab-case")]
pub enum Retired {
    /// Merged into another code: its codings now count for that code.
    MergedInto {
        /// The id of the code it was merged into.
        into: String,
        /// When.
        at: String,
    },
    /// Deleted together with its codings.
    Deleted {
        /// When.
        at: String,
    },
}

/// The code tree, stored as `codebook.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Codebook {
    /// The codes; siblings are shown in this order.
    #[serde(default)]
    pub codes: Vec<Code>,
    /// Codes that were merged away or deleted, by id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub retired: BTreeMap<String, Retired>,
    /// Relations between codes (REFI-QDA `Link`s), in the order made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relations: Vec<crate::model::sets::Relation>,
    /// Named sets of codes and of documents ("wave 1 interviews", "codes for the report").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sets: Vec<crate::model::sets::Set>,
}

/// Named colours accepted by `--color`, with their hex values.
const NAMED_COLORS: &[(&str, &str)] = &[
    ("red", "#d73027"),
    ("orange", "#fc8d59"),
    ("yellow", "#fee08b"),
    ("green", "#1a9850"),
    ("teal", "#35978f"),
    ("blue", "#4575b4"),
    ("purple", "#762a83"),
    ("pink", "#de77ae"),
    ("brown", "#8c510a"),
    ("grey", "#878787"),
    ("gray", "#878787"),
];

/// Parses a colour given as `#rrggbb`, `rrggbb`, `#rgb` or a name (`red`, `blue`, …) into `#rrggbb`.
pub fn parse_color(s: &str) -> Result<String> {
    let t = s.trim().to_ascii_lowercase();
    if let Some((_, hex)) = NAMED_COLORS.iter().find(|(n, _)| *n == t) {
        return Ok((*hex).to_string());
    }
    let h = t.strip_prefix('#').unwrap_or(&t);
    if h.chars().all(|c| c.is_ascii_hexdigit()) {
        if h.len() == 6 {
            return Ok(format!("#{h}"));
        }
        if h.len() == 3 {
            let full: String = h.chars().flat_map(|c| [c, c]).collect();
            return Ok(format!("#{full}"));
        }
    }
    let names: Vec<&str> = NAMED_COLORS.iter().map(|(n, _)| *n).collect();
    Err(Error::invalid(format!(
        "colour {s:?} is not understood: give #rrggbb or one of {}",
        names.join(", ")
    )))
}

fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::invalid("a code name cannot be empty"));
    }
    if name.contains('/') {
        return Err(Error::invalid(format!(
            "code name {name:?} cannot contain '/', which separates levels of a code path"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "code name {name:?} contains control characters"
        )));
    }
    if name.trim() != name {
        return Err(Error::invalid(format!(
            "code name {name:?} has leading or trailing spaces"
        )));
    }
    if name.chars().count() > MAX_CODE_NAME {
        return Err(Error::invalid(format!(
            "code name {name:?} is longer than {MAX_CODE_NAME} characters"
        )));
    }
    Ok(())
}

fn split_path(path: &str) -> Vec<&str> {
    path.split('/')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

impl Codebook {
    /// The code with this id, if it is in the tree.
    pub fn get(&self, id: &str) -> Option<&Code> {
        self.codes.iter().find(|c| c.id == id)
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut Code> {
        self.codes.iter_mut().find(|c| c.id == id)
    }

    /// The children of `parent` (top-level codes for `None`), in display order.
    pub fn children<'a>(&'a self, parent: Option<&str>) -> impl Iterator<Item = &'a Code> + 'a {
        let parent = parent.map(str::to_string);
        self.codes
            .iter()
            .filter(move |c| c.parent.as_deref() == parent.as_deref())
    }

    fn child_named(&self, parent: Option<&str>, name: &str) -> Option<&Code> {
        self.children(parent)
            .find(|c| c.name.to_lowercase() == name.to_lowercase())
    }

    /// The full path of a code, such as `trust/institutional`.
    pub fn path(&self, id: &str) -> String {
        let mut parts = Vec::new();
        let mut cur = self.get(id);
        let mut guard = 0;
        while let Some(c) = cur {
            parts.push(c.name.as_str());
            cur = c.parent.as_deref().and_then(|p| self.get(p));
            guard += 1;
            if guard > self.codes.len() {
                break;
            }
        }
        parts.reverse();
        parts.join("/")
    }

    /// The colour a code is shown in: its own, else its nearest ancestor's.
    pub fn effective_color(&self, id: &str) -> Option<String> {
        let mut cur = self.get(id);
        for _ in 0..=self.codes.len() {
            let code = cur?;
            if let Some(c) = &code.color {
                return Some(c.clone());
            }
            cur = code.parent.as_deref().and_then(|p| self.get(p));
        }
        None
    }

    /// Depth of a code in the tree (0 for top level).
    pub fn depth(&self, id: &str) -> usize {
        self.path(id).matches('/').count()
    }

    /// The ids of codes named by path or id (see [`Codebook::find`]), in the order given.
    pub fn find_ids(&self, names: &[String]) -> Result<Vec<String>> {
        names
            .iter()
            .map(|n| self.find(n).map(|c| c.id.clone()))
            .collect()
    }

    /// Finds a code by path (case-insensitive per level) or by id.
    pub fn find(&self, path_or_id: &str) -> Result<&Code> {
        if let Some(c) = self.get(path_or_id) {
            return Ok(c);
        }
        if let Some(into) = self.resolve(path_or_id)
            && let Some(c) = self.get(&into)
        {
            return Ok(c);
        }
        let parts = split_path(path_or_id);
        let mut parent: Option<&str> = None;
        let mut found: Option<&Code> = None;
        for part in &parts {
            match self.child_named(parent, part) {
                Some(c) => {
                    found = Some(c);
                    parent = Some(c.id.as_str());
                }
                None => {
                    found = None;
                    break;
                }
            }
        }
        if let Some(c) = found {
            return Ok(c);
        }
        // A unique leaf name is accepted too: `institutional` for `trust/institutional`.
        if parts.len() == 1 {
            let matches: Vec<&Code> = self
                .codes
                .iter()
                .filter(|c| c.name.to_lowercase() == parts[0].to_lowercase())
                .collect();
            if matches.len() == 1 {
                return Ok(matches[0]);
            }
            if matches.len() > 1 {
                let paths: Vec<String> = matches.iter().map(|c| self.path(&c.id)).collect();
                return Err(Error::Ambiguous(format!(
                    "code {path_or_id:?} is ambiguous: it could be {}; give the full path",
                    paths.join(", ")
                )));
            }
        }
        Err(Error::NotFound(format!(
            "no code {path_or_id:?} in the codebook; see `koda codes`, or create it with `koda codes add {path_or_id}`"
        )))
    }

    /// The id a coding's code id stands for now: itself, the code it was (transitively) merged
    /// into, or `None` when the code was deleted or never existed.
    pub fn resolve(&self, id: &str) -> Option<String> {
        let mut cur = id.to_string();
        for _ in 0..=self.retired.len() {
            if self.get(&cur).is_some() {
                return Some(cur);
            }
            match self.retired.get(&cur) {
                Some(Retired::MergedInto { into, .. }) => cur.clone_from(into),
                _ => return None,
            }
        }
        None
    }

    /// True when the id belonged to a code that was deleted on purpose.
    pub fn was_deleted(&self, id: &str) -> bool {
        let mut cur = id.to_string();
        for _ in 0..=self.retired.len() {
            match self.retired.get(&cur) {
                Some(Retired::MergedInto { into, .. }) => cur.clone_from(into),
                Some(Retired::Deleted { .. }) => return true,
                None => return false,
            }
        }
        false
    }

    /// The code and all codes below it, in tree order.
    pub fn subtree(&self, id: &str) -> Vec<String> {
        let mut out = vec![id.to_string()];
        let mut i = 0;
        while i < out.len() {
            let kids: Vec<String> = self
                .children(Some(out[i].as_str()))
                .map(|c| c.id.clone())
                .collect();
            out.extend(kids);
            i += 1;
        }
        out
    }

    /// All codes in tree order (depth first, siblings in display order) with their depth.
    pub fn walk(&self) -> Vec<(&Code, usize)> {
        fn rec<'a>(
            cb: &'a Codebook,
            parent: Option<&str>,
            depth: usize,
            out: &mut Vec<(&'a Code, usize)>,
        ) {
            for c in cb.children(parent) {
                out.push((c, depth));
                if depth < 64 {
                    rec(cb, Some(c.id.as_str()), depth + 1, out);
                }
            }
        }
        let mut out = Vec::new();
        rec(self, None, 0, &mut out);
        out
    }

    /// Adds the code at `path`, creating missing parent codes on the way (like `mkdir -p`).
    /// Returns the ids of the codes created; the last is the code at `path`.
    /// An existing code at `path` is an error.
    pub fn add(
        &mut self,
        path: &str,
        description: &str,
        color: Option<String>,
    ) -> Result<Vec<String>> {
        let parts = split_path(path);
        if parts.is_empty() {
            return Err(Error::invalid(
                "give a code path such as trust/institutional",
            ));
        }
        for p in &parts {
            check_name(p)?;
        }
        let mut parent: Option<String> = None;
        let mut created = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            if let Some(existing) = self.child_named(parent.as_deref(), part) {
                if last {
                    return Err(Error::invalid(format!(
                        "code {:?} already exists",
                        self.path(&existing.id)
                    )));
                }
                parent = Some(existing.id.clone());
                continue;
            }
            let id = self.fresh_id();
            self.codes.push(Code {
                id: id.clone(),
                name: (*part).to_string(),
                parent: parent.clone(),
                description: if last {
                    description.to_string()
                } else {
                    String::new()
                },
                color: if last { color.clone() } else { None },
                codable: true,
                guid: None,
            });
            created.push(id.clone());
            parent = Some(id);
        }
        Ok(created)
    }

    fn fresh_id(&self) -> String {
        loop {
            let id = new_id("c");
            if self.get(&id).is_none() && !self.retired.contains_key(&id) {
                return id;
            }
        }
    }

    /// Renames a code (the last level of its path); its id, codings and children stay.
    pub fn rename(&mut self, id: &str, new_name: &str) -> Result<()> {
        check_name(new_name)?;
        let parent = self.get(id).and_then(|c| c.parent.clone());
        if let Some(other) = self.child_named(parent.as_deref(), new_name)
            && other.id != id
        {
            return Err(Error::invalid(format!(
                "a code named {:?} already exists at that level",
                self.path(&other.id)
            )));
        }
        let code = self
            .get_mut(id)
            .ok_or_else(|| Error::invalid(format!("no code with id {id}")))?;
        code.name = new_name.to_string();
        Ok(())
    }

    /// Moves a code (with its children) under `new_parent`, or to the top level for `None`.
    pub fn move_to(&mut self, id: &str, new_parent: Option<&str>) -> Result<()> {
        if let Some(p) = new_parent
            && self.subtree(id).iter().any(|d| d == p)
        {
            return Err(Error::invalid(format!(
                "cannot move {:?} under {:?}, which lies inside it",
                self.path(id),
                self.path(p)
            )));
        }
        let name = self
            .get(id)
            .map(|c| c.name.clone())
            .ok_or_else(|| Error::invalid(format!("no code with id {id}")))?;
        if let Some(other) = self.child_named(new_parent, &name)
            && other.id != id
        {
            return Err(Error::invalid(format!(
                "a code named {:?} already exists there",
                self.path(&other.id)
            )));
        }
        if let Some(code) = self.get_mut(id) {
            code.parent = new_parent.map(str::to_string);
        }
        Ok(())
    }

    /// Merges `from` into `into`: `from`'s children move under `into` (children with a name
    /// `into` already has are merged recursively), and every coding of `from` counts for `into`.
    pub fn merge(&mut self, from: &str, into: &str, at: &str) -> Result<()> {
        if from == into {
            return Err(Error::invalid("cannot merge a code into itself"));
        }
        if self.subtree(from).iter().any(|d| d == into) {
            return Err(Error::invalid(format!(
                "cannot merge {:?} into {:?}, which lies inside it",
                self.path(from),
                self.path(into)
            )));
        }
        let kids: Vec<(String, String)> = self
            .children(Some(from))
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect();
        for (kid, name) in kids {
            let clash = self.child_named(Some(into), &name).map(|c| c.id.clone());
            match clash {
                Some(target) => self.merge(&kid, &target, at)?,
                None => {
                    if let Some(k) = self.get_mut(&kid) {
                        k.parent = Some(into.to_string());
                    }
                }
            }
        }
        let (from_desc, into_desc_empty) = (
            self.get(from)
                .map(|c| c.description.clone())
                .unwrap_or_default(),
            self.get(into).is_some_and(|c| c.description.is_empty()),
        );
        if into_desc_empty
            && !from_desc.is_empty()
            && let Some(c) = self.get_mut(into)
        {
            c.description = from_desc;
        }
        self.codes.retain(|c| c.id != from);
        self.retired.insert(
            from.to_string(),
            Retired::MergedInto {
                into: into.to_string(),
                at: at.to_string(),
            },
        );
        Ok(())
    }

    /// Deletes a code and everything below it. Returns the ids deleted.
    pub fn delete(&mut self, id: &str, at: &str) -> Vec<String> {
        let gone = self.subtree(id);
        self.codes.retain(|c| !gone.contains(&c.id));
        for g in &gone {
            self.retired
                .insert(g.clone(), Retired::Deleted { at: at.to_string() });
        }
        gone
    }

    /// Sets a code's description.
    pub fn describe(&mut self, id: &str, text: &str) -> Result<()> {
        let code = self
            .get_mut(id)
            .ok_or_else(|| Error::invalid(format!("no code with id {id}")))?;
        code.description = text.to_string();
        Ok(())
    }

    /// Sets a code's colour (already parsed with [`parse_color`]).
    pub fn set_color(&mut self, id: &str, color: Option<String>) -> Result<()> {
        let code = self
            .get_mut(id)
            .ok_or_else(|| Error::invalid(format!("no code with id {id}")))?;
        code.color = color;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> Codebook {
        let mut cb = Codebook::default();
        cb.add("trust/institutional", "Trust in services", None)
            .unwrap();
        cb.add("trust/personal", "", Some("#00ff00".into()))
            .unwrap();
        cb.add("timing", "", None).unwrap();
        cb
    }

    #[test]
    fn add_creates_parents_and_refuses_duplicates() {
        let mut cb = book();
        assert_eq!(cb.codes.len(), 4);
        let inst = cb.find("trust/institutional").unwrap();
        assert_eq!(cb.path(&inst.id), "trust/institutional");
        assert_eq!(inst.description, "Trust in services");
        assert!(cb.add("Trust/Institutional", "", None).is_err());
        assert!(cb.add("a/b\u{0}/", "", None).is_err());
        assert!(cb.add("", "", None).is_err());
    }

    #[test]
    fn find_by_path_id_and_unique_leaf() {
        let mut cb = book();
        let id = cb.find("TRUST/personal").unwrap().id.clone();
        assert_eq!(cb.find(&id).unwrap().name, "personal");
        assert_eq!(cb.find("personal").unwrap().id, id);
        cb.add("timing/personal", "", None).unwrap();
        let err = cb.find("personal").unwrap_err().to_string();
        assert!(err.contains("ambiguous"), "{err}");
        assert!(cb.find("nope").unwrap_err().to_string().contains("no code"));
    }

    #[test]
    fn rename_and_move_keep_ids() {
        let mut cb = book();
        let id = cb.find("trust/personal").unwrap().id.clone();
        cb.rename(&id, "relational").unwrap();
        assert_eq!(cb.path(&id), "trust/relational");
        assert!(cb.rename(&id, "institutional").is_err());
        let timing = cb.find("timing").unwrap().id.clone();
        cb.move_to(&id, Some(&timing)).unwrap();
        assert_eq!(cb.path(&id), "timing/relational");
        let trust = cb.find("trust").unwrap().id.clone();
        let inst = cb.find("trust/institutional").unwrap().id.clone();
        assert!(cb.move_to(&trust, Some(&inst)).is_err(), "cycle refused");
        cb.move_to(&id, None).unwrap();
        assert_eq!(cb.path(&id), "relational");
    }

    #[test]
    fn merge_resolves_old_ids_and_merges_children() {
        let mut cb = book();
        cb.add("confidence/institutional", "", None).unwrap();
        cb.add("confidence/other", "", None).unwrap();
        let conf = cb.find("confidence").unwrap().id.clone();
        let conf_inst = cb.find("confidence/institutional").unwrap().id.clone();
        let trust = cb.find("trust").unwrap().id.clone();
        let trust_inst = cb.find("trust/institutional").unwrap().id.clone();
        cb.merge(&conf, &trust, "t").unwrap();
        assert!(cb.get(&conf).is_none());
        assert_eq!(cb.resolve(&conf).as_deref(), Some(trust.as_str()));
        assert_eq!(cb.resolve(&conf_inst).as_deref(), Some(trust_inst.as_str()));
        assert!(cb.find("trust/other").is_ok());
        assert!(cb.merge(&trust, &trust_inst, "t").is_err());
        // Merging chains resolve transitively, deleting ends them.
        let timing = cb.find("timing").unwrap().id.clone();
        cb.merge(&trust, &timing, "t").unwrap();
        assert_eq!(cb.resolve(&conf).as_deref(), Some(timing.as_str()));
        cb.delete(&timing, "t");
        assert_eq!(cb.resolve(&conf), None);
        assert!(cb.was_deleted(&conf));
        assert!(cb.codes.is_empty() || cb.walk().iter().all(|(c, _)| c.name != "timing"));
    }

    #[test]
    fn walk_is_depth_first() {
        let cb = book();
        let names: Vec<(String, usize)> = cb
            .walk()
            .iter()
            .map(|(c, d)| (c.name.clone(), *d))
            .collect();
        assert_eq!(
            names,
            vec![
                ("trust".into(), 0),
                ("institutional".into(), 1),
                ("personal".into(), 1),
                ("timing".into(), 0)
            ]
        );
    }

    #[test]
    fn sub_codes_inherit_colours() {
        let cb = book();
        let inst = cb.find("trust/institutional").unwrap().id.clone();
        let pers = cb.find("trust/personal").unwrap().id.clone();
        assert_eq!(cb.effective_color(&inst), None);
        assert_eq!(cb.effective_color(&pers).as_deref(), Some("#00ff00"));
    }

    #[test]
    fn colours_parse() {
        assert_eq!(parse_color("#AbCdEf").unwrap(), "#abcdef");
        assert_eq!(parse_color("f0a").unwrap(), "#ff00aa");
        assert_eq!(parse_color("Blue").unwrap(), "#4575b4");
        assert!(parse_color("#12345").is_err());
        assert!(parse_color("blurple").is_err());
    }
}
