//! Autocoding units: the spans that coding a hit by its matched words, its sentence or its turn
//! would code.

use super::*;

/// How much of the text around a hit autocoding codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    /// The matched words (adjacent matches, such as a phrase, form one span).
    #[default]
    Match,
    /// The sentence around each match.
    Sentence,
    /// The whole turn.
    Turn,
}

/// The spans (chars of the document) that autocoding a hit with `unit` would code.
pub fn spans_for(hit: &Hit, unit: Unit, text: &str, ix: &CharIndex) -> Vec<(usize, usize)> {
    match unit {
        Unit::Turn => vec![(hit.start, hit.end)],
        Unit::Match => {
            let mut out: Vec<(usize, usize)> = Vec::new();
            for &(a, b) in &hit.matches {
                match out.last_mut() {
                    Some(last) if ix.slice(text, last.1, a).chars().all(char::is_whitespace) => {
                        last.1 = b
                    }
                    _ => out.push((a, b)),
                }
            }
            out
        }
        Unit::Sentence => {
            crate::model::text::sentences_in(ix.slice(text, hit.start, hit.end), hit.start)
                .into_iter()
                .filter(|&(a, e)| hit.matches.iter().any(|&(ms, me)| ms < e && a < me))
                .collect()
        }
    }
}

/// Checks that a char range is valid in `text` (used by tests and callers that build spans).
pub fn span_is_valid(text: &str, start: usize, end: usize) -> bool {
    start < end && char_to_byte(text, end).is_some()
}
