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
}
