//! Codings (passages tagged with a code) and memos.

use serde::{Deserialize, Serialize};

/// A passage of a document tagged with a code by a coder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coding {
    /// Unique id (`x` + 12 hex digits).
    pub id: String,
    /// The document's id.
    pub doc: String,
    /// Start of the span in chars of the normalised text, on a grapheme boundary.
    pub start: usize,
    /// End of the span (exclusive), on a grapheme boundary.
    pub end: usize,
    /// [`crate::model::text::quote_hash`] of the quoted text when the coding was made.
    pub hash: String,
    /// The code's id as written; see [`crate::model::Codebook::resolve`] for merged codes.
    pub code: String,
    /// Who made the coding.
    pub coder: String,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// A short memo written with the coding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    /// The autocoding run that made it, so the run can be undone as one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// The revision of the document's text the span refers to.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rev: u32,
    /// Set when a correction of the text changed the coded words: the coding needs a look.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
    /// Where an imported coding came from: its REFI-QDA coding and selection GUIDs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refi: Option<RefiIds>,
}

/// The GUIDs a coding had in the REFI-QDA project it came from, written back on export so a
/// round trip through another tool keeps its identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefiIds {
    /// The `PlainTextSelection` (several codings may share one).
    pub selection: String,
    /// The `Coding`.
    pub coding: String,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Coding {
    /// Text order: by start, then end, then id (so that equal spans keep one order).
    pub fn by_position(&self, other: &Coding) -> std::cmp::Ordering {
        (self.start, self.end, &self.id).cmp(&(other.start, other.end, &other.id))
    }
}

/// What a memo is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemoTarget {
    /// A document, by id.
    Document(String),
    /// A code, by id.
    Code(String),
    /// A coding, by id.
    Coding(String),
    /// The project as a whole.
    Project,
}

/// A memo: the analyst's note on a document, code, coding or the whole project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memo {
    /// Unique id (`m` + 12 hex digits); editing a memo keeps its id.
    pub id: String,
    /// What the memo is about.
    pub target: MemoTarget,
    /// The memo's text.
    pub text: String,
    /// Who wrote (or last edited) it.
    pub coder: String,
    /// When it was last written (RFC 3339, UTC).
    pub at: String,
    /// The memo's GUID in the REFI-QDA project it came from (a `Note`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
}

/// The mark of a part left out of a report form.
pub const ELISION: &str = "(...)";

/// An excerpt chosen for the report: its coding, its place among the chosen, and the form it
/// takes there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    /// The coding's id.
    pub coding: String,
    /// Where it stands among the pinned excerpts: pins sort by this number, so the report
    /// quotes them in the order the researcher gave.
    pub order: u64,
    /// The report form: the coding's words with parts left out, each marked [`ELISION`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    /// Who pinned it.
    pub coder: String,
}

/// Checks a report form against the quote it shortens: every part between [`ELISION`] marks
/// is whole words of the quote (spaces and line breaks count as one space), the parts in the
/// quote's order without overlapping, and at least one part is left out. Returns the form
/// with its spacing tidied, or what is wrong.
pub fn check_form(quote: &str, form: &str) -> std::result::Result<String, String> {
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let quote = flat(quote);
    let form = flat(form);
    if !form.contains(ELISION) {
        return Err(format!(
            "a report form leaves parts of the quote out, each marked {ELISION}"
        ));
    }
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let parts: Vec<&str> = form.split(ELISION).map(str::trim).collect();
    let last = parts.len() - 1;
    // Where each kept part lies in the quote (byte offsets of the flattened quote).
    let mut spans: Vec<Option<(usize, usize)>> = Vec::new();
    let mut from = 0;
    for (k, part) in parts.iter().enumerate() {
        if part.is_empty() {
            if k != 0 && k != last {
                return Err(format!(
                    "two {ELISION} marks with nothing between them; one mark stands for each gap"
                ));
            }
            spans.push(None);
            continue;
        }
        let found = quote[from..].match_indices(part).find(|(i, _)| {
            let at = from + i;
            let end = at + part.len();
            // A part may start or end at the quote's punctuation, never inside a word.
            let cuts_before =
                is_word(quote[..at].chars().next_back()) && is_word(part.chars().next());
            let cuts_after =
                is_word(quote[end..].chars().next()) && is_word(part.chars().next_back());
            !cuts_before && !cuts_after
        });
        let Some((i, _)) = found else {
            return Err(format!(
                "{part:?} is not whole words of the quote after what comes before it; a report form keeps the quote's own words, in order"
            ));
        };
        spans.push(Some((from + i, from + i + part.len())));
        from += i + part.len();
    }
    if spans.iter().all(Option::is_none) {
        return Err("a report form keeps some of the quote's words".into());
    }
    // Each mark stands where words were left out.
    for k in 0..last {
        let left = spans[..=k].iter().rev().flatten().next().map_or(0, |s| s.1);
        let right = spans[k + 1..]
            .iter()
            .flatten()
            .next()
            .map_or(quote.len(), |s| s.0);
        if !quote[left..right].chars().any(char::is_alphanumeric) {
            return Err(format!(
                "{ELISION} stands where no word of the quote is left out (after {:?})",
                parts[k]
            ));
        }
    }
    Ok(parts.join(&format!(" {ELISION} ")).trim().to_string())
}

#[cfg(test)]
mod form_tests {
    use super::check_form;

    const QUOTE: &str =
        "Hun ringer ofte, nesten hver dag.\nMed Kari er det gjerne sånn at vi snakker lenge.";

    #[test]
    fn a_form_keeps_whole_words_in_order() {
        assert_eq!(
            check_form(QUOTE, "Hun ringer ofte (...) Med Kari er det gjerne sånn").unwrap(),
            "Hun ringer ofte (...) Med Kari er det gjerne sånn"
        );
        // Leaving out the start or the end is marked too; spacing is tidied.
        assert_eq!(
            check_form(QUOTE, "(...)  nesten hver dag.   (...)").unwrap(),
            "(...) nesten hver dag. (...)"
        );
        // A part may run across a line break of the quote.
        assert!(check_form(QUOTE, "dag. Med Kari (...)").is_ok());
    }

    #[test]
    fn a_form_that_changes_the_quote_is_refused() {
        // Not the quote's words.
        assert!(check_form(QUOTE, "Hun ringer alltid (...) sånn").is_err());
        // Out of order.
        assert!(check_form(QUOTE, "Med Kari (...) Hun ringer").is_err());
        // Half a word.
        assert!(check_form(QUOTE, "Hun ring (...) dag.").is_err());
        assert!(check_form(QUOTE, "un ringer (...) dag.").is_err());
        // Nothing left out, or nothing kept.
        assert!(check_form(QUOTE, "Hun ringer ofte").is_err());
        assert!(check_form(QUOTE, "(...)").is_err());
        let all = QUOTE.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(check_form(QUOTE, &format!("{all} (...)")).is_err());
        // A mark where nothing was left out, or two marks for one gap.
        assert!(check_form(QUOTE, "Hun ringer (...) ofte, (...) lenge.").is_err());
        assert!(check_form(QUOTE, "Hun ringer (...) (...) lenge.").is_err());
    }
}
