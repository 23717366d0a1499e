//! Quotes for reports: context, elision marks and anonymised attribution.

use crate::analysis::Excerpt;
use crate::export::labels::Labels;
use crate::model::DocKind;
use crate::model::text::{char_len, slice_chars};
use crate::store::Project;

pub use crate::model::coding::ELISION;

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
        body = cut_at_word(&body, max_chars);
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

/// What an attribution is made of, besides the excerpt's attributes.
#[derive(Debug, Clone, Copy)]
pub struct Cite<'a> {
    /// The words of the study's language.
    pub labels: &'a Labels,
    /// The document's type.
    pub kind: DocKind,
    /// The document's number among the project's documents of its type, in import order.
    pub number: usize,
    /// The project's attribution template, if it has one.
    pub template: Option<&'a str>,
}

/// The fields of an attribution template besides attributes.
pub const TEMPLATE_FIELDS: [&str; 4] = ["title", "type", "number", "turn"];

/// Placeholders an attribution may not use: they would name people.
const NAMING: [&str; 4] = ["case", "speaker", "coder", "name"];

/// Anonymised attribution, never a speaker's name or the case's name. Without a template:
/// role, document title, turn (a field note's paragraph) and wave, e.g. `parent, Foreldreintervju
/// 4, replikk 7, bølge 1`. A template such as `{rolle}, {type} {number}` gives `forelder, intervju
/// 4`: `{title}`, `{type}`, `{number}`, `{turn}` and any attribute; a comma-separated part whose
/// placeholder has no value for the excerpt is left out.
pub fn attribution(e: &Excerpt, cite: &Cite) -> String {
    let l = cite.labels;
    let place = l.place(cite.kind, e.turn);
    if let Some(template) = cite.template {
        let value = |field: &str| -> Option<String> {
            match field {
                "title" => Some(e.doc_title.clone()),
                "type" => Some(l.kind(cite.kind).to_string()),
                "number" => Some(cite.number.to_string()),
                "turn" => Some(place.clone()),
                attr => e
                    .attributes
                    .iter()
                    .find(|(k, _)| k.to_lowercase() == attr.to_lowercase())
                    .map(|(_, v)| v.clone()),
            }
        };
        let parts: Vec<String> = template
            .split(',')
            .filter_map(|part| fill(part, &value))
            .filter(|p| !p.is_empty())
            .collect();
        return parts.join(", ");
    }
    let mut parts: Vec<String> = Vec::new();
    if let Some(role) = e.attributes.get("role") {
        parts.push(role.clone());
    }
    parts.push(e.doc_title.clone());
    parts.push(place);
    if let Some(w) = e.attributes.get("wave") {
        let title = e.doc_title.to_lowercase();
        let named = [l.wave, "wave", "bølge", "bølgje"]
            .iter()
            .any(|word| title.contains(&format!("{word} {w}")));
        if !named {
            parts.push(format!("{} {w}", l.wave));
        }
    }
    parts.join(", ")
}

/// One part of a template with its placeholders filled, or `None` when one has no value.
fn fill(part: &str, value: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = part;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        out.push_str(&value(after[..close].trim())?);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out.trim().to_string())
}

/// Checks an attribution template: its braces close, and each placeholder is one of
/// [`TEMPLATE_FIELDS`] or an attribute in `attributes`, never one that would name people.
pub fn check_template(template: &str, attributes: &[String]) -> crate::Result<()> {
    let mut rest = template;
    let mut any = false;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| {
            crate::Error::invalid(format!("attribution {template:?}: a {{ is not closed"))
        })?;
        let field = after[..close].trim().to_lowercase();
        if NAMING.contains(&field.as_str()) {
            return Err(crate::Error::invalid(format!(
                "attribution {template:?}: {{{field}}} would name a person or a case in the report; use a role or another attribute"
            )));
        }
        if !TEMPLATE_FIELDS.contains(&field.as_str())
            && !attributes.iter().any(|a| a.to_lowercase() == field)
        {
            return Err(crate::Error::invalid(format!(
                "attribution {template:?}: no field or attribute {{{field}}}; fields are {}, attributes {}",
                TEMPLATE_FIELDS.join(", "),
                if attributes.is_empty() {
                    "(none yet)".to_string()
                } else {
                    attributes.join(", ")
                }
            )));
        }
        any = true;
        rest = &after[close + 1..];
    }
    if !any {
        return Err(crate::Error::invalid(format!(
            "attribution {template:?} has no placeholder; e.g. \"{{role}}, {{type}} {{number}}\""
        )));
    }
    Ok(())
}

/// The first `max_chars` characters of `text`, cut back to the last whole word (and the
/// punctuation that would dangle); the text itself when it is not longer.
pub fn cut_at_word(text: &str, max_chars: usize) -> String {
    if char_len(text) <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let at_word = cut.rfind(' ').map_or(cut.as_str(), |i| &cut[..i]);
    at_word.trim_end_matches([',', ';', ':']).to_string()
}

#[cfg(test)]
mod attribution_tests {
    use super::*;
    use crate::export::labels::Lang;
    use std::collections::BTreeMap;

    fn excerpt(attrs: &[(&str, &str)]) -> Excerpt {
        Excerpt {
            coding: "x1".into(),
            code: "c".into(),
            code_path: "c".into(),
            doc: "d".into(),
            doc_title: "Foreldreintervju 4, bølge 1".into(),
            doc_type: "interview".into(),
            case: Some("F04".into()),
            turn: 7,
            turn_end: 7,
            speaker: Some("Forelder".into()),
            line: 1,
            line_end: 1,
            start: 0,
            end: 1,
            text: "x".into(),
            coder: "anna".into(),
            at: String::new(),
            memo: None,
            memos: Vec::new(),
            stale: false,
            pinned: None,
            form: None,
            attributes: attrs
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    fn cite(lang: Lang, kind: DocKind, template: Option<&'static str>) -> Cite<'static> {
        Cite {
            labels: lang.labels(),
            kind,
            number: 4,
            template,
        }
    }

    #[test]
    fn the_default_attribution_speaks_the_study_s_language() {
        let e = excerpt(&[("role", "forelder"), ("wave", "1")]);
        assert_eq!(
            attribution(&e, &cite(Lang::Bokmal, DocKind::Interview, None)),
            "forelder, Foreldreintervju 4, bølge 1, replikk 7"
        );
        let e = excerpt(&[("role", "parent"), ("wave", "2")]);
        assert_eq!(
            attribution(&e, &cite(Lang::English, DocKind::FieldNote, None)),
            "parent, Foreldreintervju 4, bølge 1, paragraph 7, wave 2"
        );
    }

    #[test]
    fn a_template_names_what_the_study_cites() {
        let e = excerpt(&[("rolle", "forelder")]);
        let t = Some("{rolle}, {type} {number}");
        assert_eq!(
            attribution(&e, &cite(Lang::Bokmal, DocKind::Interview, t)),
            "forelder, intervju 4"
        );
        // A part whose attribute the excerpt lacks is left out.
        let t = Some("{rolle}, {type} {number}, {bølge}. bølge, {turn}");
        assert_eq!(
            attribution(&e, &cite(Lang::Nynorsk, DocKind::FieldNote, t)),
            "forelder, feltnotat 4, avsnitt 7"
        );
    }

    #[test]
    fn templates_that_would_name_people_or_do_not_fit_are_refused() {
        let attrs = vec!["rolle".to_string()];
        assert!(check_template("{rolle}, {type} {number}", &attrs).is_ok());
        for (t, why) in [
            ("{case}, {type}", "would name"),
            ("{speaker}", "would name"),
            ("{rolle", "not closed"),
            ("{role}", "no field or attribute"),
            ("intervju", "no placeholder"),
        ] {
            let e = check_template(t, &attrs).unwrap_err().to_string();
            assert!(e.contains(why), "{t}: {e}");
        }
    }
}
