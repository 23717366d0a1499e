//! Identifiers that are not names: Norwegian national identity numbers (fødselsnummer and
//! D-numbers, validated by their two control digits), phone numbers, e-mail addresses and
//! URLs with a personal part (a path or query after the host).
//!
//! Exports replace each with a typed placeholder (`(fødselsnummer)`, `(telefon)`, `(e-post)`,
//! `(nettadresse)` in a Norwegian project); the leak check looks for them too. A project can
//! turn each kind off in `koda.json` (`privacy.identifiers`).

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::sync::OnceLock;

/// A kind of identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A fødselsnummer or D-number: eleven digits whose control digits check out.
    NationalId,
    /// A phone number: Norwegian eight digits (`412 34 567`, `41 23 45 67`, `41234567`) or an
    /// international number (`+47 …`, `+44 …`).
    Phone,
    /// An e-mail address.
    Email,
    /// A URL with a path or query (`https://facebook.com/kari.n`); a bare site stays.
    Url,
}

impl Kind {
    /// Every kind, in the order they are looked for.
    pub const ALL: [Kind; 4] = [Kind::NationalId, Kind::Email, Kind::Url, Kind::Phone];

    /// The kind's name in settings and messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::NationalId => "national_id",
            Kind::Phone => "phone",
            Kind::Email => "email",
            Kind::Url => "url",
        }
    }

    /// What an export shows instead, in the project's language.
    pub fn placeholder(self, norwegian: bool) -> &'static str {
        match (self, norwegian) {
            (Kind::NationalId, true) => "(fødselsnummer)",
            (Kind::NationalId, false) => "(national id number)",
            (Kind::Phone, true) => "(telefon)",
            (Kind::Phone, false) => "(phone)",
            (Kind::Email, true) => "(e-post)",
            (Kind::Email, false) => "(e-mail)",
            (Kind::Url, true) => "(nettadresse)",
            (Kind::Url, false) => "(url)",
        }
    }
}

/// Which kinds exports replace and the leak check looks for (all by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Fødselsnummer and D-numbers.
    #[serde(default = "yes")]
    pub national_id: bool,
    /// Phone numbers.
    #[serde(default = "yes")]
    pub phone: bool,
    /// E-mail addresses.
    #[serde(default = "yes")]
    pub email: bool,
    /// URLs with a personal part.
    #[serde(default = "yes")]
    pub url: bool,
}

fn yes() -> bool {
    true
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            national_id: true,
            phone: true,
            email: true,
            url: true,
        }
    }
}

impl Settings {
    /// True when this kind is looked for.
    pub fn on(&self, kind: Kind) -> bool {
        match kind {
            Kind::NationalId => self.national_id,
            Kind::Phone => self.phone,
            Kind::Email => self.email,
            Kind::Url => self.url,
        }
    }

    /// True when every kind is on (how the settings are left out of `koda.json`).
    pub fn is_default(&self) -> bool {
        *self == Settings::default()
    }
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).unwrap_or_else(|e| unreachable!("static regex: {e}")))
}

fn national_id_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"\d{6}[ \u00a0]?\d{5}")
}

fn email_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}",
    )
}

fn url_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r#"(?i)(?:https?://|www\.)[^\s<>"'()\[\]{}|\\^`]+"#)
}

fn phone_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(
        &R,
        r"(?:\+|00)\d{1,3}[ \u00a0\-]?\d(?:[ \u00a0\-]?\d){5,11}|[2-9]\d{2}[ \u00a0\-]\d{2}[ \u00a0\-]\d{3}|[2-9]\d[ \u00a0\-]\d{2}[ \u00a0\-]\d{2}[ \u00a0\-]\d{2}|[49]\d{7}",
    )
}

/// True when eleven digits form a valid fødselsnummer or D-number: a plausible day and month
/// (D-numbers add 40 to the day, H-numbers and synthetic numbers add 40 or 80 to the month)
/// and both control digits right.
pub fn valid_national_id(digits: &[u32]) -> bool {
    if digits.len() != 11 {
        return false;
    }
    let day = digits[0] * 10 + digits[1];
    let month = digits[2] * 10 + digits[3];
    let day_ok = (1..=31).contains(&day) || (41..=71).contains(&day);
    let month_ok = [0, 40, 80]
        .iter()
        .any(|o| (o + 1..=o + 12).contains(&month));
    if !day_ok || !month_ok {
        return false;
    }
    let control = |weights: &[u32]| -> Option<u32> {
        let sum: u32 = weights.iter().zip(digits).map(|(w, d)| w * d).sum();
        match 11 - sum % 11 {
            11 => Some(0),
            10 => None,
            k => Some(k),
        }
    };
    control(&[3, 7, 6, 1, 8, 9, 4, 5, 2]) == Some(digits[9])
        && control(&[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) == Some(digits[10])
}

/// True when the characters around `range` leave it a whole number, not part of a longer one,
/// a decimal, a date, an id or a word.
fn stands_alone(text: &str, range: &Range<usize>) -> bool {
    let before = text[..range.start].chars().next_back();
    let mut after = text[range.end..].chars();
    let next = after.next();
    let then = after.next();
    let glued = |c: char| c.is_alphanumeric() || matches!(c, '_' | '/' | '#' | '=' | '&');
    let joins = |c: Option<char>, d: Option<char>| {
        matches!(c, Some('-' | '.' | ',' | ':')) && d.is_some_and(|d| d.is_alphanumeric())
    };
    let before2 = text[..range.start].chars().rev().nth(1);
    !before.is_some_and(glued)
        && !joins(before, before2)
        && !next.is_some_and(glued)
        && !joins(next, then)
}

/// Every identifier of the kinds `settings` turns on, in text order, without overlaps.
pub fn find(text: &str, settings: &Settings) -> Vec<(Range<usize>, Kind)> {
    let mut found: Vec<(Range<usize>, Kind)> = Vec::new();
    let add = |r: Range<usize>, k: Kind, found: &mut Vec<(Range<usize>, Kind)>| {
        if !found
            .iter()
            .any(|(f, _)| f.start < r.end && r.start < f.end)
        {
            found.push((r, k));
        }
    };
    for kind in Kind::ALL {
        if !settings.on(kind) {
            continue;
        }
        match kind {
            Kind::NationalId => {
                for m in national_id_re().find_iter(text) {
                    let digits: Vec<u32> =
                        m.as_str().chars().filter_map(|c| c.to_digit(10)).collect();
                    if stands_alone(text, &m.range()) && valid_national_id(&digits) {
                        add(m.range(), kind, &mut found);
                    }
                }
            }
            Kind::Email => {
                for m in email_re().find_iter(text) {
                    add(m.range(), kind, &mut found);
                }
            }
            Kind::Url => {
                for m in url_re().find_iter(text) {
                    let s = m.as_str();
                    let trimmed = s.trim_end_matches(['.', ',', ';', ':', '!', '?']);
                    let rest = trimmed
                        .split_once("://")
                        .map_or(trimmed, |(_, r)| r)
                        .trim_end_matches('/');
                    if rest.contains(['/', '?']) {
                        add(m.start()..m.start() + trimmed.len(), kind, &mut found);
                    }
                }
            }
            Kind::Phone => {
                for m in phone_re().find_iter(text) {
                    if stands_alone(text, &m.range()) {
                        add(m.range(), kind, &mut found);
                    }
                }
            }
        }
    }
    found.sort_by_key(|(r, _)| r.start);
    found
}

/// `text` with every identifier replaced by its placeholder.
pub fn replace(text: &str, settings: &Settings, norwegian: bool) -> String {
    let found = find(text, settings);
    if found.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (r, kind) in found {
        out.push_str(&text[at..r.start]);
        out.push_str(kind.placeholder(norwegian));
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(String, Kind)> {
        find(text, &Settings::default())
            .into_iter()
            .map(|(r, k)| (text[r].to_string(), k))
            .collect()
    }

    /// A valid number for a date (`ddmmyy`): the first individual number from 123 up whose
    /// control digits exist, with them.
    fn with_controls(date: &str) -> String {
        for individual in 123..1000 {
            let first9 = format!("{date}{individual}");
            let d: Vec<u32> = first9.chars().map(|c| c.to_digit(10).unwrap()).collect();
            for k1 in 0..10 {
                for k2 in 0..10 {
                    let mut all = d.clone();
                    all.extend([k1, k2]);
                    if valid_national_id(&all) {
                        return all.iter().map(|x| x.to_string()).collect();
                    }
                }
            }
        }
        panic!("no valid number for {date}");
    }

    #[test]
    fn national_ids_are_caught_only_with_right_control_digits() {
        let fnr = with_controls("150387");
        let dnr = with_controls("550387");
        assert_eq!(
            kinds(&format!("fnr {fnr}.")),
            [(fnr.clone(), Kind::NationalId)]
        );
        let spaced = format!("{} {}", &fnr[..6], &fnr[6..]);
        assert_eq!(
            kinds(&format!("nr: {spaced}")),
            [(spaced, Kind::NationalId)]
        );
        assert_eq!(kinds(&dnr), [(dnr.clone(), Kind::NationalId)]);
        // The same digits with a wrong last digit, and eleven digits that are no date.
        let last = fnr.chars().last().unwrap().to_digit(10).unwrap();
        let wrong = format!("{}{}", &fnr[..10], (last + 1) % 10);
        assert!(kinds(&wrong).is_empty(), "{wrong}");
        assert!(kinds("12345678901").is_empty());
        assert!(kinds("99999999999").is_empty());
    }

    #[test]
    fn phones_emails_and_personal_urls_are_caught_and_ordinary_numbers_kept() {
        assert_eq!(
            kinds("ring 412 34 567 i dag"),
            [("412 34 567".into(), Kind::Phone)]
        );
        assert_eq!(
            kinds("tlf 41 23 45 67."),
            [("41 23 45 67".into(), Kind::Phone)]
        );
        assert_eq!(kinds("mob: 41234567"), [("41234567".into(), Kind::Phone)]);
        assert_eq!(
            kinds("call +47 412 34 567 or +44 20 7946 0958"),
            [
                ("+47 412 34 567".into(), Kind::Phone),
                ("+44 20 7946 0958".into(), Kind::Phone)
            ]
        );
        assert_eq!(
            kinds("skriv til kari.nordmann@example.no, takk"),
            [("kari.nordmann@example.no".into(), Kind::Email)]
        );
        assert_eq!(
            kinds("profilen https://facebook.com/kari.n. Se også www.nav.no og https://nav.no/"),
            [("https://facebook.com/kari.n".into(), Kind::Url)]
        );
        for ordinary in [
            "500 kr per måned",
            "12 500 kroner",
            "i 2024 og 2025",
            "20240101",
            "kl. 10:30",
            "3,5 prosent",
            "guid 41234567-1234-4321-8888-123456789012",
            "[00:12:34.567]",
            "12 345 678",
            "1.2.2024",
        ] {
            assert!(
                kinds(ordinary).is_empty(),
                "{ordinary}: {:?}",
                kinds(ordinary)
            );
        }
    }

    #[test]
    fn replacement_uses_typed_placeholders_and_respects_settings() {
        let s = "Ring 412 34 567 eller skriv til per@example.no";
        assert_eq!(
            replace(s, &Settings::default(), true),
            "Ring (telefon) eller skriv til (e-post)"
        );
        let no_phone = Settings {
            phone: false,
            ..Settings::default()
        };
        assert_eq!(
            replace(s, &no_phone, false),
            "Ring 412 34 567 eller skriv til (e-mail)"
        );
    }
}
