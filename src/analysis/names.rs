//! Name suggestions: capitalised words that recur inside sentences, so the researcher can
//! register the names a transcript holds before anything is exported.

use crate::model::names::{Pseudonymiser, is_role_label};
use crate::model::text::slice_chars;
use crate::store::Project;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
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
];

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
}

/// Suggestions ordered by count, occurring at least `min` times.
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
    for doc in project.documents() {
        let Ok(text) = project.text(&doc.id) else {
            continue;
        };
        let Ok(turns) = project.turns_uncached(&doc.id) else {
            continue;
        };
        for t in turns.iter() {
            if let Some(s) = &t.speaker
                && !is_role_label(s)
                && pz.apply(s) == *s
            {
                note(s.clone(), &doc.id, t.number, s);
            }
            let body = slice_chars(&text, t.start, t.end);
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
        .filter(|(_, (n, ..))| *n >= min)
        .map(|(name, (count, docs, first, sample))| Suggestion {
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
