//! The name register: real names and their replacements, speaker and case pseudonyms, and the
//! pseudonymiser that applies them to any text.
//!
//! A registered name matches case-insensitively at word boundaries, with its inflected forms
//! (Norwegian genitive `Karis`, English `Kari's`), and a name of several words matches across
//! any whitespace, line breaks included. Names inside other words never match (`Ole` is left
//! alone in `Oleum`).

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What kind of name an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// A person.
    #[default]
    Person,
    /// A place.
    Place,
    /// An organisation.
    Organisation,
    /// A school or kindergarten.
    School,
    /// Anything else.
    Other,
}

impl std::str::FromStr for Category {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_lowercase().as_str() {
            "person" => Ok(Category::Person),
            "place" | "sted" => Ok(Category::Place),
            "organisation" | "organization" | "org" => Ok(Category::Organisation),
            "school" | "skole" => Ok(Category::School),
            "other" => Ok(Category::Other),
            _ => Err(crate::Error::invalid(format!(
                "unknown category {s:?}: use person, place, organisation, school or other"
            ))),
        }
    }
}

/// One registered name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameEntry {
    /// The name as it occurs, e.g. `Kari Nordmann`.
    pub name: String,
    /// What exports show instead, e.g. `(navn forelder)`.
    pub replacement: String,
    /// Other forms: first names, nicknames, short forms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// What kind of name it is.
    #[serde(default)]
    pub category: Category,
    /// Match in lower case too (`kari`), not only as a name is written (`Kari`, `KARI`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub any_case: bool,
}

/// The register, stored as `names.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Names {
    /// Registered names.
    #[serde(default)]
    pub names: Vec<NameEntry>,
    /// Pseudonyms chosen for speaker labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub speakers: BTreeMap<String, String>,
    /// Pseudonyms chosen for cases.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cases: BTreeMap<String, String>,
}

/// Speaker labels that name a role, not a person, and are kept as they are.
const ROLE_WORDS: &[&str] = &[
    "intervjuer",
    "interviewer",
    "int",
    "i",
    "forelder",
    "parent",
    "mor",
    "far",
    "mother",
    "father",
    "koordinator",
    "coordinator",
    "moderator",
    "deltaker",
    "participant",
    "respondent",
    "informant",
    "facilitator",
    "observatør",
    "observer",
    "barn",
    "child",
    "ungdom",
    "youth",
    "veileder",
    "adviser",
    "advisor",
    "leder",
    "manager",
    "lærer",
    "teacher",
    "forsker",
    "researcher",
    "p",
    "r",
    "k",
    "m",
    "d",
];

/// True when a speaker label names a role (`Intervjuer`, `FORELDER 2`, `P3`) rather than a person.
pub fn is_role_label(label: &str) -> bool {
    let lower = label.to_lowercase();
    let first = lower.split_whitespace().next().unwrap_or("");
    let stem: String = first.chars().take_while(|c| c.is_alphabetic()).collect();
    label.chars().any(|c| c.is_ascii_digit())
        || (label.chars().any(char::is_alphabetic)
            && label
                .chars()
                .filter(|c| c.is_alphabetic())
                .all(char::is_uppercase)
            && label.chars().count() <= 3)
        || ROLE_WORDS.contains(&stem.as_str())
}

/// What a registered form matches, in any case: the form at word boundaries, its words over
/// any white space, with a Norwegian genitive `s` or an English `'s` (group 1). Whether a match
/// is written as a name is [`written_as_name`].
pub fn form_matcher(form: &str) -> Option<Regex> {
    case_free(&format!(r"\b{}(?:(['’]s)|s)?\b", pattern_for(form)))
}

fn case_free(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .unicode(true)
        .build()
        .ok()
}

fn pattern_for(form: &str) -> String {
    let words: Vec<String> = form.split_whitespace().map(regex::escape).collect();
    words.join(r"\s+")
}

/// True when `found` (a match of the registered `form`, any case) is written as a name: each
/// word the register capitalises is capitalised here too, in Title case or in capitals, so
/// the name `Per` is found in "Per kom" and "PER KOM" but not in "500 kr per måned", and a
/// particle registered in lower case (`Ana de la Cruz`) may be written either way.
pub fn written_as_name(found: &str, form: &str) -> bool {
    let capital = |w: &str| {
        w.chars()
            .find(|c| c.is_alphabetic())
            .is_some_and(char::is_uppercase)
    };
    found
        .split_whitespace()
        .zip(form.split_whitespace())
        .all(|(f, r)| !capital(r) || capital(f))
}

/// Applies a register to text.
#[derive(Debug, Clone)]
pub struct Pseudonymiser {
    /// Per form: its matcher, its replacement, the form as registered and whether it matches
    /// in any case.
    rules: Vec<(Regex, String, String, bool)>,
    finder: Option<Regex>,
}

impl Pseudonymiser {
    /// Builds the matchers for a register (longest forms first).
    pub fn new(names: &Names) -> Pseudonymiser {
        let mut forms: Vec<(String, String, bool)> = Vec::new();
        for e in &names.names {
            for f in std::iter::once(&e.name).chain(&e.aliases) {
                // Texts are NFC; a name pasted in NFD (as macOS may) must match them.
                let f: String =
                    unicode_normalization::UnicodeNormalization::nfc(f.trim()).collect();
                if !f.is_empty() {
                    forms.push((f, e.replacement.clone(), e.any_case));
                }
            }
        }
        forms.sort_by_key(|(f, _, _)| std::cmp::Reverse(f.chars().count()));
        let rules = forms
            .iter()
            .filter_map(|(f, r, any)| form_matcher(f).map(|re| (re, r.clone(), f.clone(), *any)))
            .collect();
        let finder = if forms.is_empty() {
            None
        } else {
            let all: Vec<String> = forms.iter().map(|(f, _, _)| pattern_for(f)).collect();
            case_free(&format!(r"\b(?:{})(?:['’]s|s)?\b", all.join("|")))
        };
        Pseudonymiser { rules, finder }
    }

    /// True when nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Replaces every registered name (and inflection) in `text`. An English possessive keeps
    /// its `'s`; a Norwegian genitive `s` is dropped with the name.
    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (re, replacement, form, any_case) in &self.rules {
            if re.is_match(&out) {
                out = re
                    .replace_all(&out, |c: &regex::Captures<'_>| {
                        let whole = c.get(0).map_or("", |m| m.as_str());
                        if !any_case && !written_as_name(whole, form) {
                            return whole.to_string();
                        }
                        match c.get(1) {
                            Some(poss) => format!("{replacement}{}", poss.as_str()),
                            None => replacement.clone(),
                        }
                    })
                    .into_owned();
            }
        }
        out
    }

    /// True when `found` is a registered form written as a name (or a form that matches in
    /// any case).
    fn names_here(&self, found: &str) -> bool {
        self.rules.iter().any(|(re, _, form, any_case)| {
            re.find(found)
                .is_some_and(|m| m.start() == 0 && m.end() == found.len())
                && (*any_case || written_as_name(found, form))
        })
    }

    /// Every place a registered name (or inflection) occurs: (line, column, the match), 1-based.
    pub fn find(&self, text: &str) -> Vec<(usize, usize, String)> {
        let Some(re) = &self.finder else {
            return Vec::new();
        };
        re.find_iter(text)
            .filter(|m| self.names_here(m.as_str()))
            .map(|m| {
                let before = &text[..m.start()];
                let line = before.matches('\n').count() + 1;
                let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                (line, col, m.as_str().to_string())
            })
            .collect()
    }
}

impl Names {
    /// The pseudonym for a speaker label: the chosen one, a registered name's replacement, the
    /// label itself when it names a role, else `Speaker N` in order of first appearance.
    pub fn speaker(&self, label: &str, all_labels: &[String], pz: &Pseudonymiser) -> String {
        if let Some(p) = self.speakers.get(label) {
            return p.clone();
        }
        let replaced = pz.apply(label);
        if replaced != label {
            return replaced;
        }
        if is_role_label(label) {
            return label.to_string();
        }
        let named: Vec<&String> = all_labels
            .iter()
            .filter(|l| !is_role_label(l) && !self.speakers.contains_key(*l))
            .collect();
        let n = named
            .iter()
            .position(|l| *l == label)
            .map_or(named.len() + 1, |i| i + 1);
        format!("Speaker {n}")
    }

    /// The pseudonym for a case: the chosen one, else its role and a number (`Parent 2`), else
    /// `Case N`. `cases` gives every case with its role, in name order.
    pub fn case(&self, name: &str, cases: &[(String, Option<String>)]) -> String {
        if let Some(p) = self.cases.get(name) {
            return p.clone();
        }
        let role = cases
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, r)| r.clone());
        let same: Vec<&String> = cases
            .iter()
            .filter(|(_, r)| *r == role)
            .map(|(n, _)| n)
            .collect();
        let n = same.iter().position(|x| *x == name).map_or(1, |i| i + 1);
        match role {
            Some(r) => {
                let mut c = r.chars();
                let cap = c
                    .next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default();
                format!("{cap} {n}")
            }
            None => format!("Case {n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register() -> Names {
        Names {
            names: vec![
                NameEntry {
                    name: "Kari Nordmann".into(),
                    replacement: "(navn forelder)".into(),
                    aliases: vec!["Kari".into()],
                    category: Category::Person,
                    any_case: false,
                },
                NameEntry {
                    name: "Ole".into(),
                    replacement: "(navn barn)".into(),
                    aliases: vec![],
                    category: Category::Person,
                    any_case: false,
                },
                NameEntry {
                    name: "Solbakken skole".into(),
                    replacement: "(skole)".into(),
                    aliases: vec!["Solbakken".into()],
                    category: Category::School,
                    any_case: false,
                },
            ],
            ..Names::default()
        }
    }

    #[test]
    fn names_inflections_and_case_are_replaced() {
        let p = Pseudonymiser::new(&register());
        assert_eq!(p.apply("Kari Nordmann ringte."), "(navn forelder) ringte.");
        assert_eq!(
            p.apply("KARI sa at Karis mor kom."),
            "(navn forelder) sa at (navn forelder) mor kom."
        );
        assert_eq!(
            p.apply("Kari's mother and Kari’s son"),
            "(navn forelder)'s mother and (navn forelder)’s son"
        );
        assert_eq!(p.apply("Kari\nNordmann"), "(navn forelder)");
        assert_eq!(
            p.apply("Ole går på Solbakken skole."),
            "(navn barn) går på (skole)."
        );
        assert_eq!(
            p.apply("Oleum og Kariana og bOLEro"),
            "Oleum og Kariana og bOLEro"
        );
        assert_eq!(p.apply("æOle Oleø Ole."), "æOle Oleø (navn barn).");
    }

    #[test]
    fn names_that_are_also_words_match_only_as_names() {
        let entry = |name: &str, rep: &str, any_case: bool| NameEntry {
            name: name.into(),
            replacement: rep.into(),
            aliases: vec![],
            category: Category::Person,
            any_case,
        };
        let names = Names {
            names: vec![
                NameEntry {
                    aliases: vec!["Per".into()],
                    ..entry("Per Olsen", "(navn2)", false)
                },
                NameEntry {
                    aliases: vec!["Are".into()],
                    ..entry("Are Halland", "(navn)", false)
                },
                entry("Liv", "(navn3)", false),
                entry("Ana de la Cruz", "(navn4)", false),
            ],
            ..Names::default()
        };
        let p = Pseudonymiser::new(&names);
        assert_eq!(
            p.apply("Det koster 500 kr per måned, sa Per."),
            "Det koster 500 kr per måned, sa (navn2)."
        );
        assert_eq!(
            p.apply("We are happy that Are came. ARE HALLAND signed."),
            "We are happy that (navn) came. (navn) signed."
        );
        assert_eq!(
            p.apply("Et godt liv, sa Liv. Livs mor kom."),
            "Et godt liv, sa (navn3). (navn3) mor kom."
        );
        assert_eq!(
            p.apply("Ana De La Cruz og Ana de la Cruz"),
            "(navn4) og (navn4)"
        );
        // What is not replaced is not a leak either: the check finds only names.
        assert!(
            p.find("500 kr per måned, we are happy, et godt liv")
                .is_empty()
        );
        assert_eq!(p.find("per Per").len(), 1);
        // A name registered to match in any case does.
        let names = Names {
            names: vec![entry("Kari", "(navn)", true)],
            ..Names::default()
        };
        let p = Pseudonymiser::new(&names);
        assert_eq!(p.apply("kari og Kari"), "(navn) og (navn)");
        assert_eq!(p.find("kari").len(), 1);
    }

    #[test]
    fn a_name_registered_in_nfd_matches_the_nfc_text() {
        let names = Names {
            names: vec![NameEntry {
                name: "A\u{30a}se Lie".into(),
                replacement: "(navn)".into(),
                aliases: vec!["A\u{30a}se".into()],
                category: Category::Person,
                any_case: false,
            }],
            ..Names::default()
        };
        let p = Pseudonymiser::new(&names);
        assert_eq!(
            p.apply("Åse Lie ringte. Åses mor kom."),
            "(navn) ringte. (navn) mor kom."
        );
        assert_eq!(p.find("Hei, Åse.").len(), 1);
    }

    #[test]
    fn find_reports_line_and_column() {
        let p = Pseudonymiser::new(&register());
        let hits = p.find("Hei.\nDet var Karis idé, og Ole.");
        assert_eq!(
            hits,
            vec![(2, 9, "Karis".to_string()), (2, 23, "Ole".to_string())]
        );
        assert!(
            Pseudonymiser::new(&Names::default())
                .find("Kari")
                .is_empty()
        );
    }

    #[test]
    fn speakers_and_cases_get_pseudonyms() {
        let mut n = register();
        n.speakers.insert("Bo".into(), "Far".into());
        let p = Pseudonymiser::new(&n);
        let labels: Vec<String> = [
            "Intervjuer",
            "Kari",
            "Lise",
            "Bo",
            "FORELDER 2",
            "P3",
            "Per",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
        assert_eq!(n.speaker("Intervjuer", &labels, &p), "Intervjuer");
        assert_eq!(n.speaker("FORELDER 2", &labels, &p), "FORELDER 2");
        assert_eq!(n.speaker("P3", &labels, &p), "P3");
        assert_eq!(n.speaker("Kari", &labels, &p), "(navn forelder)");
        assert_eq!(n.speaker("Bo", &labels, &p), "Far");
        assert_eq!(n.speaker("Lise", &labels, &p), "Speaker 2");
        assert_eq!(n.speaker("Per", &labels, &p), "Speaker 3");
        let cases = vec![
            ("F01".to_string(), Some("parent".to_string())),
            ("F02".to_string(), Some("parent".to_string())),
            ("K01".to_string(), Some("coordinator".to_string())),
            ("X".to_string(), None),
        ];
        assert_eq!(n.case("F02", &cases), "Parent 2");
        assert_eq!(n.case("K01", &cases), "Coordinator 1");
        assert_eq!(n.case("X", &cases), "Case 1");
        n.cases.insert("F01".into(), "Familie A".into());
        assert_eq!(n.case("F01", &cases), "Familie A");
    }
}
