//! The name register: registering, removing and choosing pseudonyms, the same from both front
//! ends.
//!
//! Registering a name that is already in the register adds the new aliases to it and updates
//! its replacement and category, rather than adding a second entry that would shadow the
//! first. A name registered without a replacement shows as `(navn)` in a project whose first
//! language is Norwegian and `(name)` otherwise.

use crate::model::names::{Category, NameEntry, Names};
use crate::store::{Project, Session};
use crate::{Error, Result};

/// A name to register.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    /// The name as it occurs in the material.
    pub name: String,
    /// What exports show instead; the project's default when `None`.
    pub replacement: Option<String>,
    /// Other forms of the name.
    pub aliases: Vec<String>,
    /// What kind of name it is.
    pub category: Category,
    /// Match it in lower case too (by default only as a name is written: `Per`, `PER`).
    pub any_case: bool,
}

/// What registering did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// The entry as it now stands.
    pub entry: NameEntry,
    /// The name was already registered; aliases were merged into it.
    pub merged: bool,
    /// The replacement itself contains a registered name, so exports would fail their leak
    /// check until it is changed.
    pub replacement_leaks: bool,
    /// Forms of the name that also occur in the project as an ordinary lower-case word (which
    /// exports keep): the form, how often, and an example.
    pub ordinary: Vec<Ordinary>,
}

/// A registered form that the project also uses as an ordinary word (`per` in "500 kr per
/// måned").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ordinary {
    /// The form as registered.
    pub form: String,
    /// How often it occurs in lower case.
    pub count: usize,
    /// A few words around the first occurrence.
    pub example: String,
}

/// Where the forms of an entry occur in lower case in the project's texts.
fn ordinary_uses(session: &Session, entry: &NameEntry) -> Vec<Ordinary> {
    if entry.any_case {
        return Vec::new();
    }
    let project = session.project();
    let mut out = Vec::new();
    for form in std::iter::once(&entry.name).chain(&entry.aliases) {
        let Some(re) = crate::model::names::form_matcher(form) else {
            continue;
        };
        let mut count = 0;
        let mut example = String::new();
        for id in project.docs.keys() {
            let Ok(text) = project.text(id) else { continue };
            for m in re.find_iter(&text) {
                if crate::model::names::written_as_name(m.as_str(), form) {
                    continue;
                }
                count += 1;
                if example.is_empty() {
                    let from = text[..m.start()]
                        .char_indices()
                        .rev()
                        .nth(24)
                        .map_or(0, |(i, _)| i);
                    let to = text[m.end()..]
                        .char_indices()
                        .nth(24)
                        .map_or(text.len(), |(i, _)| m.end() + i);
                    example = text[from..to].replace('\n', " ");
                }
            }
        }
        if count > 0 {
            out.push(Ordinary {
                form: form.clone(),
                count,
                example,
            });
        }
    }
    out
}

/// The replacement a name gets when none is given, in the project's first language.
pub fn default_replacement(project: &Project) -> &'static str {
    match project.config.languages.first().map(String::as_str) {
        Some("no" | "nb" | "nn") => "(navn)",
        _ => "(name)",
    }
}

/// Registers a name (or adds to its entry) and saves the register.
pub fn register(session: &mut Session, r: Registration) -> Result<Registered> {
    // Stored in NFC, as every text is, whatever form the name was typed or pasted in.
    let nfc = |s: &str| -> String {
        unicode_normalization::UnicodeNormalization::nfc(s.trim()).collect()
    };
    let name = nfc(&r.name);
    let aliases: Vec<String> = r.aliases.iter().map(|a| nfc(a)).collect();
    if name.is_empty() {
        return Err(Error::invalid("give the name to register"));
    }
    let mut names = session.project().names.clone();
    let default = default_replacement(session.project());
    let merged = match names
        .names
        .iter_mut()
        .find(|n| n.name.eq_ignore_ascii_case(&name))
    {
        Some(e) => {
            for al in aliases {
                if !e.aliases.iter().any(|x| x.eq_ignore_ascii_case(&al)) {
                    e.aliases.push(al);
                }
            }
            if let Some(rep) = r.replacement {
                e.replacement = rep;
            }
            e.category = r.category;
            e.any_case |= r.any_case;
            true
        }
        None => {
            names.names.push(NameEntry {
                name: name.clone(),
                replacement: r.replacement.unwrap_or_else(|| default.to_string()),
                aliases,
                category: r.category,
                any_case: r.any_case,
            });
            false
        }
    };
    let entry = find(&names, &name)?.clone();
    // The gate's own check: a replacement that holds a registered name would stop every export.
    let replacement_leaks = crate::export::leak::Checker::new(&names, Default::default())?
        .check_text(&entry.replacement, "replacement")
        .iter()
        .any(|l| matches!(l.found, crate::export::leak::Found::Name(_)));
    session.save_names(names)?;
    let ordinary = ordinary_uses(session, &entry);
    Ok(Registered {
        entry,
        merged,
        replacement_leaks,
        ordinary,
    })
}

fn find<'a>(names: &'a Names, name: &str) -> Result<&'a NameEntry> {
    names
        .names
        .iter()
        .find(|n| n.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| Error::NotFound(format!("{name:?} is not registered; see `koda names`")))
}

/// Seals the register as it is on disk (`koda names accept`); returns how many names it holds.
pub fn accept(session: &mut Session) -> Result<usize> {
    session.accept_names()
}

/// A real label or case and what exports show instead.
pub type ShownAs = (String, String);

/// How exports show each speaker label and each case: (real, shown) pairs, speakers in the
/// order they first appear, then cases.
pub fn shown_as(project: &Project) -> Result<(Vec<ShownAs>, Vec<ShownAs>)> {
    let privacy = crate::export::privacy::Privacy::new(project, true)?;
    let mut labels: Vec<String> = Vec::new();
    for d in project.documents() {
        for s in &d.speakers {
            if !labels.contains(s) {
                labels.push(s.clone());
            }
        }
    }
    let speakers = labels
        .into_iter()
        .map(|l| {
            let shown = privacy.speaker(&l);
            (l, shown)
        })
        .collect();
    let cases = project
        .cases
        .cases
        .keys()
        .map(|c| (c.clone(), privacy.case(c)))
        .collect();
    Ok((speakers, cases))
}

/// Removes a registered name.
pub fn remove(session: &mut Session, name: &str) -> Result<()> {
    let mut names = session.project().names.clone();
    find(&names, name)?;
    names.names.retain(|n| !n.name.eq_ignore_ascii_case(name));
    session.save_names(names)
}

/// Chooses the pseudonym exports show for a speaker label.
pub fn pseudonym_for_speaker(session: &mut Session, label: &str, pseudonym: &str) -> Result<()> {
    let mut names = session.project().names.clone();
    names
        .speakers
        .insert(label.to_string(), pseudonym.to_string());
    session.save_names(names)
}

/// Chooses the pseudonym exports show for a case.
pub fn pseudonym_for_case(session: &mut Session, case: &str, pseudonym: &str) -> Result<()> {
    if !session.project().cases.cases.contains_key(case) {
        return Err(Error::NotFound(format!(
            "no case {case:?}; see `koda cases`"
        )));
    }
    let mut names = session.project().names.clone();
    names.cases.insert(case.to_string(), pseudonym.to_string());
    session.save_names(names)
}

/// Searches a file (any export, or any text) for registered names and identifiers with the
/// gate's own check, every part of a DOCX or QDPX included.
pub fn check(
    project: &Project,
    bytes: &[u8],
    what: &str,
) -> Result<Vec<crate::export::leak::Leak>> {
    crate::export::leak::Checker::new(&project.names, project.config.privacy.identifiers)?
        .check(bytes, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(lang: &str) -> (tempfile::TempDir, Session) {
        let dir = tempfile::tempdir().unwrap();
        Project::init(dir.path(), "t", &[lang.to_string()], "anna").unwrap();
        let s = Session::open(dir.path(), "anna").unwrap();
        (dir, s)
    }

    #[test]
    fn registering_again_merges_aliases_and_the_default_follows_the_language() {
        let (_d, mut s) = session("no");
        let r = register(
            &mut s,
            Registration {
                name: "Kari Nordmann".into(),
                aliases: vec!["Kari".into()],
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(r.entry.replacement, "(navn)");
        assert!(!r.merged);
        let r = register(
            &mut s,
            Registration {
                name: "kari nordmann".into(),
                aliases: vec!["kari".into(), "Nordmann".into()],
                ..Default::default()
            },
        )
        .unwrap();
        assert!(r.merged);
        assert_eq!(s.project().names.names.len(), 1, "one entry, not two");
        assert_eq!(r.entry.aliases, vec!["Kari", "Nordmann"]);
        assert_eq!(r.entry.replacement, "(navn)", "kept when none is given");
        let (_d, mut en) = session("en");
        let r = register(
            &mut en,
            Registration {
                name: "Per".into(),
                replacement: Some("Per".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(default_replacement(en.project()), "(name)");
        assert!(
            r.replacement_leaks,
            "a replacement holding the name is flagged"
        );
        assert!(remove(&mut en, "Ola").is_err());
        remove(&mut en, "per").unwrap();
        assert!(en.project().names.names.is_empty());
    }
}
