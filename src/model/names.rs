//! The name register: real names and their replacements, speaker and case pseudonyms, and the
//! pseudonymiser that applies them to any text.
//!
//! A registered name matches case-insensitively at word boundaries, with its inflected forms
//! (Norwegian genitive `Karis`, English `Kari's`), and a name of several words matches across
//! any whitespace, line breaks included. Names inside other words never match (`Ole` is left
//! alone in `Oleum`).

use aho_corasick::AhoCorasick;
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

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
    "frivillig",
    "volunteer",
    "sykepleier",
    "helsesykepleier",
    "nurse",
    "lege",
    "doctor",
    "saksbehandler",
    "caseworker",
    "ansatt",
    "staff",
    "employee",
    "elev",
    "student",
    "pupil",
    "rektor",
    "principal",
    "headteacher",
    "pedagog",
    "assistent",
    "assistant",
    "miljøarbeider",
    "tolk",
    "interpreter",
    "ukjent",
    "unknown",
    "speaker",
    "taler",
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

/// What a registered form matches, in any case: the form at word boundaries (where its first
/// and last characters are word characters: `@kari_n` and `Kari N.` have none to keep there),
/// its words over any white space, letters with soft hyphens or zero-width characters between
/// them, and a Norwegian genitive `s` or an English `'s` (group 1). Whether a match is written
/// as a name is [`written_as_name`].
pub fn form_matcher(form: &str) -> Option<Regex> {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let lead = if word(form.chars().next()) { r"\b" } else { "" };
    let tail = if word(form.chars().last()) {
        r"(?:(['’]s)|s)?\b"
    } else {
        ""
    };
    RegexBuilder::new(&format!("{lead}{}{tail}", pattern_for(form)))
        .case_insensitive(true)
        .unicode(true)
        .size_limit(1 << 22)
        .build()
        .ok()
}

/// Characters that hide inside a written word without showing: soft hyphen, zero-width space
/// and joiners, word joiner, byte-order mark.
pub fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
    )
}

const INVISIBLE: &str = r"[\u{ad}\u{200b}-\u{200d}\u{2060}\u{feff}]*";

fn pattern_for(form: &str) -> String {
    let words: Vec<String> = form
        .split_whitespace()
        .map(|w| {
            let chars: Vec<String> = w.chars().map(|c| regex::escape(&c.to_string())).collect();
            chars.join(INVISIBLE)
        })
        .collect();
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

/// One registered form and what replaces it; its matcher is compiled when a text first holds
/// the form in some case (one Aho-Corasick pass over the text finds which), so a register of
/// 100,000 names costs nothing for the names a project never mentions.
#[derive(Debug, Clone)]
struct Rule {
    form: String,
    replacement: String,
    any_case: bool,
    matcher: OnceLock<Option<Regex>>,
}

impl Rule {
    fn matcher(&self) -> Option<&Regex> {
        self.matcher
            .get_or_init(|| form_matcher(&self.form))
            .as_ref()
    }
}

/// Applies a register to text.
#[derive(Debug, Clone)]
pub struct Pseudonymiser {
    /// Longest forms first, so `Kari Nordmann` is replaced before `Kari`.
    rules: Vec<Rule>,
    /// Every form in lower case with its words one space apart: which rules a text may need.
    forms: Option<AhoCorasick>,
    /// Per distinct lower-case form: the rules written that way.
    rules_of: Vec<Vec<usize>>,
}

/// A text or form as the quick pass compares them: lower case, hidden characters removed,
/// every run of white space one space.
fn probe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars().filter(|c| !invisible(*c)) {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    out
}

impl Pseudonymiser {
    /// Builds the rules for a register (longest forms first).
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
        let mut words: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut rules_of: Vec<Vec<usize>> = Vec::new();
        let rules: Vec<Rule> = forms
            .into_iter()
            .enumerate()
            .map(|(i, (form, replacement, any_case))| {
                let key = probe(&form);
                let w = *index.entry(key.clone()).or_insert_with(|| {
                    words.push(key);
                    rules_of.push(Vec::new());
                    words.len() - 1
                });
                rules_of[w].push(i);
                Rule {
                    form,
                    replacement,
                    any_case,
                    matcher: OnceLock::new(),
                }
            })
            .collect();
        let forms = if words.is_empty() {
            None
        } else {
            AhoCorasick::new(&words).ok()
        };
        Pseudonymiser {
            rules,
            forms,
            rules_of,
        }
    }

    /// True when nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules a text may need, longest form first: those whose form occurs in it in some
    /// case (every rule, should the quick pass be unavailable).
    fn candidates(&self, text: &str) -> Vec<usize> {
        let Some(ac) = &self.forms else {
            return (0..self.rules.len()).collect();
        };
        let mut hit: Vec<usize> = ac
            .find_overlapping_iter(&probe(text))
            .flat_map(|m| self.rules_of[m.pattern().as_usize()].iter().copied())
            .collect();
        hit.sort_unstable();
        hit.dedup();
        hit
    }

    /// Replaces every registered name (and inflection) in `text`. An English possessive keeps
    /// its `'s`; a Norwegian genitive `s` is dropped with the name.
    pub fn apply(&self, text: &str) -> String {
        if self.rules.is_empty() {
            return text.to_string();
        }
        let mut out = text.to_string();
        for i in self.candidates(text) {
            let rule = &self.rules[i];
            let Some(re) = rule.matcher() else { continue };
            if re.is_match(&out) {
                out = re
                    .replace_all(&out, |c: &regex::Captures<'_>| {
                        let whole = c.get(0).map_or("", |m| m.as_str());
                        if !rule.any_case && !written_as_name(whole, &rule.form) {
                            return whole.to_string();
                        }
                        match c.get(1) {
                            Some(poss) => format!("{}{}", rule.replacement, poss.as_str()),
                            None => rule.replacement.clone(),
                        }
                    })
                    .into_owned();
            }
        }
        out
    }
}

impl Names {
    /// The pseudonym for a speaker label, by one rule for every label: the pseudonym chosen in
    /// the register, else a registered name's replacement, else the label itself when it names
    /// a role (`Intervjuer`, `Forelder 2`, `Teacher B`, `Unknown`), else `{participant} N`
    /// (`Deltaker 1`, `Participant 1`) numbered by first appearance in `all_labels`, skipping
    /// numbers a real label already has.
    pub fn speaker(
        &self,
        label: &str,
        all_labels: &[String],
        pz: &Pseudonymiser,
        participant: &str,
    ) -> String {
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
        let taken = |n: usize| {
            let shown = format!("{participant} {n}");
            all_labels.iter().any(|l| l.eq_ignore_ascii_case(&shown))
                || self
                    .speakers
                    .values()
                    .any(|p| p.eq_ignore_ascii_case(&shown))
        };
        let mut n = 0;
        for l in all_labels
            .iter()
            .filter(|l| !is_role_label(l) && !self.speakers.contains_key(*l))
            .chain(std::iter::once(&label.to_string()))
        {
            n += 1;
            while taken(n) {
                n += 1;
            }
            if l == label {
                break;
            }
        }
        format!("{participant} {n}")
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
        // A name registered to match in any case does.
        let names = Names {
            names: vec![entry("Kari", "(navn)", true)],
            ..Names::default()
        };
        let p = Pseudonymiser::new(&names);
        assert_eq!(p.apply("kari og Kari"), "(navn) og (navn)");
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
        assert_eq!(p.apply("Hei, Åse."), "Hei, (navn).");
    }

    #[test]
    fn forms_with_punctuation_and_hidden_characters_are_replaced() {
        let names = Names {
            names: vec![NameEntry {
                name: "Kari Nordmann".into(),
                replacement: "(navn)".into(),
                aliases: vec!["@kari_n".into(), "Kari N.".into(), "Kari".into()],
                category: Category::Person,
                any_case: false,
            }],
            ..Names::default()
        };
        let p = Pseudonymiser::new(&names);
        assert_eq!(p.apply("skrev @kari_n i går"), "skrev (navn) i går");
        assert_eq!(p.apply("Det var Kari N. som sa"), "Det var (navn) som sa");
        assert_eq!(p.apply("Ka\u{ad}ri og K\u{200b}ari"), "(navn) og (navn)");
        assert_eq!(p.apply("Kari\nNordmann kom"), "(navn) kom");
        assert_eq!(p.apply("Karina og kari"), "Karina og kari");
    }

    #[test]
    fn a_large_register_replaces_only_what_the_text_holds() {
        let names = Names {
            names: (0..100_000)
                .map(|i| NameEntry {
                    name: format!("Navn{i} Etternavn{i}"),
                    replacement: format!("(navn {i})"),
                    aliases: vec![format!("Navn{i}")],
                    category: Category::Person,
                    any_case: false,
                })
                .collect(),
            ..Names::default()
        };
        let p = Pseudonymiser::new(&names);
        assert_eq!(
            p.apply("Navn99999 Etternavn99999 og Navn7 kom, navn8 ikke"),
            "(navn 99999) og (navn 7) kom, navn8 ikke"
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
            "Volunteer A",
            "Teacher B",
            "Unknown",
            "Ukjent",
            "Deltaker 3",
            "Åse",
        ]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
        let shown = |l: &str| n.speaker(l, &labels, &p, "Deltaker");
        for role in [
            "Intervjuer",
            "FORELDER 2",
            "P3",
            "Volunteer A",
            "Teacher B",
            "Unknown",
            "Ukjent",
            "Deltaker 3",
        ] {
            assert_eq!(shown(role), role, "a role label is kept");
        }
        assert_eq!(shown("Kari"), "(navn forelder)");
        assert_eq!(shown("Bo"), "Far");
        assert_eq!(shown("Lise"), "Deltaker 2");
        // 3 is a real label's number, so the next person is 4.
        assert_eq!(shown("Per"), "Deltaker 4");
        assert_eq!(shown("Åse"), "Deltaker 5");
        assert_eq!(
            n.speaker("Lise", &labels, &p, "Participant"),
            "Participant 2"
        );
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
