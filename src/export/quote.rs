//! Quotes for reports: context, elision marks and anonymised attribution.

use crate::analysis::Excerpt;
use crate::model::text::{char_len, slice_chars};
use crate::store::Project;

/// The elision mark used where a quote is cut.
pub const ELISION: &str = "(...)";

/// How much text around a coding a quote shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Exactly the coded words, with elision marks where they cut a sentence.
    Coded,
    /// The whole sentences the coding touches.
    Sentence,
    /// The whole turn.
    Turn,
}

/// Sentence spans (chars, trimmed) of `text` between `from` and `to`.
fn sentences(text: &str, from: usize, to: usize) -> Vec<(usize, usize)> {
    crate::model::text::sentences_in(slice_chars(text, from, to), from)
}

/// The quote for an excerpt: its text with elision marks, cut to about `max_chars` at a word
/// boundary.
pub fn quote(project: &Project, e: &Excerpt, context: Context, max_chars: usize) -> String {
    let Ok(text) = project.text(&e.doc) else {
        return e.text.clone();
    };
    let turn = project
        .turns(&e.doc)
        .ok()
        .and_then(|turns| crate::model::turn(&turns, e.turn).cloned())
        .map_or((e.start, e.end), |t| {
            (t.start.min(e.start), t.end.max(e.end))
        });
    // Everything below works on the turn's own text (offsets relative to its start), so a
    // long transcript is never walked from its beginning for each quote.
    let base = turn.0;
    let local: &str = match project.char_index(&e.doc) {
        Ok(ix) => ix.slice(&text, turn.0, turn.1),
        Err(_) => slice_chars(&text, turn.0, turn.1),
    };
    let rel = |(a, b): (usize, usize)| (a - base, b - base);
    let abs = |(a, b): (usize, usize)| (a + base, b + base);
    let sents: Vec<(usize, usize)> = sentences(local, 0, char_len(local))
        .into_iter()
        .map(abs)
        .collect();
    let touching: Vec<&(usize, usize)> = sents
        .iter()
        .filter(|(a, b)| *a < e.end && e.start < *b)
        .collect();
    let sent_start = touching.first().map_or(e.start, |s| s.0);
    let sent_end = touching.last().map_or(e.end, |s| s.1);
    let (start, end) = match context {
        Context::Coded => {
            let (a, b) = rel((e.start, e.end));
            abs(crate::model::text::trim_span(local, a, b))
        }
        Context::Sentence => (sent_start.min(e.start), sent_end.max(e.end)),
        Context::Turn => turn,
    };
    let (ls, le) = rel((start, end));
    let mut body: String = slice_chars(local, ls, le)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let lead = context == Context::Coded && start > sent_start;
    let mut tail = context == Context::Coded && end < sent_end;
    if char_len(&body) > max_chars {
        let cut: String = body.chars().take(max_chars).collect();
        let at_word = cut.rfind(' ').map_or(cut.as_str(), |i| &cut[..i]);
        body = at_word.trim_end_matches([',', ';', ':']).to_string();
        tail = true;
    }
    let mut out = String::new();
    if lead {
        out.push_str(ELISION);
        out.push(' ');
    }
    out.push_str(&body);
    if tail {
        out.push(' ');
        out.push_str(ELISION);
    }
    out
}

/// Anonymised attribution: role, document title, turn and wave, never a speaker's name or
/// the case's name. For example `parent, Foreldreintervju 4, turn 7, wave 1`.
pub fn attribution(e: &Excerpt) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(role) = e.attributes.get("role") {
        parts.push(role.clone());
    }
    parts.push(e.doc_title.clone());
    parts.push(format!("turn {}", e.turn));
    if let Some(w) = e.attributes.get("wave")
        && !e.doc_title.to_lowercase().contains(&format!("wave {w}"))
    {
        parts.push(format!("wave {w}"));
    }
    parts.join(", ")
}
