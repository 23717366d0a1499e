//! Name suggestions, so the researcher can register the names a transcript holds before
//! anything is exported: capitalised words inside sentences that are in koda's list of common
//! given names and surnames (`data/names/`), suggested at their first mention, since one
//! mention of a child's name identifies the child; and other capitalised words that recur.
//! Sentence-initial words, role words, months, weekdays and institutions are never suggested.

use crate::model::names::{Pseudonymiser, is_role_label};
use crate::store::Project;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::OnceLock;
use unicode_segmentation::UnicodeSegmentation;

/// Capitalised words that are common and never names.
const STOP: &[&str] = &[
    "i",
    "i'm",
    "i've",
    "i'll",
    "i'd",
    "ok",
    "okay",
    "mr",
    "mrs",
    "ms",
    "dr",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "english",
    "norwegian",
    "norway",
    "norge",
    "norsk",
    "christmas",
    "jul",
    "påske",
    "easter",
    "god",
    "gud",
    "teams",
    "zoom",
    "covid",
    "corona",
    "mandag",
    "tirsdag",
    "onsdag",
    "torsdag",
    "fredag",
    "lørdag",
    "søndag",
    "januar",
    "februar",
    "mars",
    "mai",
    "juni",
    "juli",
    "oktober",
    "desember",
    "nav",
    "bufetat",
    "bufdir",
    "barnevernet",
    "barnevern",
    "helsestasjonen",
    "kommunen",
    "kommune",
    "fylkeskommunen",
    "statsforvalteren",
    "fylkesmannen",
    "udir",
    "helsedirektoratet",
    "ppt",
    "bup",
    "sfo",
    "facebook",
    "messenger",
    "whatsapp",
    "snapchat",
    "instagram",
    "google",
    "microsoft",
    "forelder",
    "foreldre",
    "koordinator",
    "koordinatoren",
    "intervjuer",
];

/// koda's list of common given names and surnames, lower-case.
fn gazetteer() -> &'static HashSet<String> {
    static LIST: OnceLock<HashSet<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        [
            include_str!("../../data/names/given-names.txt"),
            include_str!("../../data/names/surnames.txt"),
        ]
        .iter()
        .flat_map(|f| f.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_lowercase)
        .collect()
    })
}

/// True when a word is in koda's list of common given names and surnames.
pub fn is_listed_name(word: &str) -> bool {
    gazetteer().contains(&word.to_lowercase())
}

/// A word that may be a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// The word (or run of capitalised words).
    pub name: String,
    /// How often it occurs inside a sentence.
    pub count: usize,
    /// Documents it occurs in.
    pub documents: usize,
    /// Where it first occurs: document and turn.
    pub first: String,
    /// The sentence around the first occurrence.
    pub sample: String,
    /// A word of it is in koda's list of common names, so it is suggested at one mention.
    pub listed: bool,
}

/// Suggestions ordered by count: names in koda's list from their first mention, other
/// capitalised words occurring at least `min` times.
pub fn suggest(project: &Project, min: usize) -> Vec<Suggestion> {
    let pz = Pseudonymiser::new(&project.names);
    let mut known: BTreeSet<String> = BTreeSet::new();
    for (c, _) in project.codebook.walk() {
        known.insert(c.name.to_lowercase());
    }
    let mut found: BTreeMap<String, (usize, BTreeSet<String>, String, String)> = BTreeMap::new();
    let mut note = |name: String, doc: &str, turn: usize, sample: &str| {
        let e = found.entry(name).or_insert_with(|| {
            (
                0,
                BTreeSet::new(),
                format!("{doc} turn {turn}"),
                sample.to_string(),
            )
        });
        e.0 += 1;
        e.1.insert(doc.to_string());
    };
    let listed = |name: &str| name.split_whitespace().any(is_listed_name);
    for doc in project.documents() {
        let Ok(text) = project.text(&doc.id) else {
            continue;
        };
        let Ok(turns) = project.turns_uncached(&doc.id) else {
            continue;
        };
        let Ok(ix) = project.char_index(&doc.id) else {
            continue;
        };
        for t in turns.iter() {
            if let Some(s) = &t.speaker
                && !is_role_label(s)
                && pz.apply(s) == *s
            {
                note(s.clone(), &doc.id, t.number, s);
            }
            let body = ix.slice(&text, t.start, t.end);
            for sentence in body.split_sentence_bounds() {
                let words: Vec<(usize, &str)> = sentence.split_word_bound_indices().collect();
                let mut seen_word = false;
                let mut run: Vec<&str> = Vec::new();
                let mut flush = |run: &mut Vec<&str>| {
                    if !run.is_empty() {
                        let name = run.join(" ");
                        if pz.apply(&name) == name {
                            note(name, &doc.id, t.number, sentence.trim());
                        }
                        run.clear();
                    }
                };
                for (_, w) in words {
                    let is_word = w.chars().next().is_some_and(char::is_alphabetic);
                    if w.trim().is_empty() {
                        continue;
                    }
                    if !is_word {
                        flush(&mut run);
                        continue;
                    }
                    let first_of_sentence = !seen_word;
                    seen_word = true;
                    let capital = w.chars().next().is_some_and(char::is_uppercase);
                    let acronym = w
                        .chars()
                        .filter(|c| c.is_alphabetic())
                        .all(char::is_uppercase);
                    let candidate = capital
                        && !first_of_sentence
                        && !acronym
                        && w.chars().count() >= 2
                        && !STOP.contains(&w.to_lowercase().as_str())
                        && !is_role_label(w)
                        && !known.contains(&w.to_lowercase());
                    if candidate {
                        run.push(w);
                    } else {
                        flush(&mut run);
                    }
                }
                flush(&mut run);
            }
        }
    }
    let mut out: Vec<Suggestion> = found
        .into_iter()
        .filter(|(name, (n, ..))| *n >= min || listed(name))
        .map(|(name, (count, docs, first, sample))| Suggestion {
            listed: listed(&name),
            name,
            count,
            documents: docs.len(),
            first,
            sample: sample.chars().take(160).collect(),
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    out
}
