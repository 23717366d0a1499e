//! The leak check: an independent search of finished export bytes for registered names and
//! for identifiers, run before anything is written.
//!
//! It shares nothing with the pseudonymiser's matcher ([`crate::model::names::Pseudonymiser`]),
//! so a blind spot there is not a blind spot here. What it reads is normalised first: NFC and
//! NFD alike (combining marks dropped), soft hyphens and zero-width characters removed, HTML
//! and XML entities decoded, case and diacritics folded (`Ødegård` and `odegard` are one
//! word), and every run of punctuation and white space made one space, so `@kari_n`,
//! `Kari N.` and `bjorn.odegard@` are words like any other. Markup (DOCX, QDPX, HTML) is read
//! twice: as written, and as its text nodes joined, so a name split across DOCX runs
//! (`Ka</w:t></w:r><w:r><w:t>ri`) is one word again.
//!
//! Every registered name and alias, folded the same way, goes into one multi-pattern automaton
//! (Aho-Corasick), linear in the text whatever the number of names. A match counts when it
//! stands at word boundaries (a genitive `s` may follow) and is written as a name: each word
//! the register capitalises is capitalised in the original (so "500 kr per måned" passes while
//! "Per kom" does not), unless the name is registered `--any-case` or the match lies inside an
//! e-mail address or URL, where names are written in any case.

use crate::model::identifiers::{self, Kind};
use crate::model::names::Names;
use crate::{Error, Result};
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::BTreeSet;
use std::io::Read;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A registered name or alias, as registered.
    Name(String),
    /// An identifier of this kind.
    Identifier(Kind),
}

/// One place where something identifying is still in an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    /// Where: `file:line:column` (in a ZIP-based file, `file/entry:line:column`).
    pub place: String,
    /// The text found there, as written.
    pub text: String,
    /// What it is.
    pub found: Found,
}

impl std::fmt::Display for Leak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.found {
            Found::Name(n) => write!(f, "{}: «{}» (registered name {n:?})", self.place, self.text),
            Found::Identifier(k) => write!(f, "{}: «{}» ({})", self.place, self.text, k.name()),
        }
    }
}

/// A registered form, folded, with which of its words must be capitalised.
#[derive(Debug, Clone)]
struct Form {
    registered: String,
    caps: Vec<bool>,
    any_case: bool,
}

/// The check for one register and one set of identifier kinds.
#[derive(Debug, Clone)]
pub struct Checker {
    automaton: Option<AhoCorasick>,
    forms: Vec<Form>,
    identifiers: identifiers::Settings,
}

const UPPER: u8 = 1;
const ADDRESS: u8 = 2;

/// Text folded for matching, with each byte's origin in what was read and its flags.
#[derive(Debug, Default)]
struct Folded {
    text: String,
    origin: Vec<u32>,
    flags: Vec<u8>,
}

/// Characters that never show and can hide a name: soft hyphen, zero-width space and joiners,
/// word joiner, byte-order mark.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
    ) || is_combining_mark(c)
}

/// Byte ranges of the white-space separated tokens of `s` that are e-mail addresses or URLs.
/// An e-mail address (text, `@`, a domain with a dot) or a web address.
fn is_address(token: &str) -> bool {
    let token = token.trim_matches(|c: char| !c.is_alphanumeric());
    if let Some((user, domain)) = token.split_once('@') {
        return !user.is_empty() && domain.contains('.');
    }
    token.contains("://") || token.starts_with("www.")
}

fn address_tokens(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        if c.is_whitespace() {
            if let Some(st) = start.take() {
                let tok = &s[st..i];
                let lower = tok.to_lowercase();
                if is_address(&lower) {
                    out.push((st, i));
                }
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    out
}

impl Folded {
    fn push(&mut self, c: char, at: usize, flags: u8) {
        let mut buf = [0; 4];
        let n = c.encode_utf8(&mut buf).len();
        self.text.push(c);
        for _ in 0..n {
            self.origin.push(at as u32);
            self.flags.push(flags);
        }
    }

    fn space(&mut self, at: usize) {
        if !self.text.is_empty() && !self.text.ends_with(' ') {
            self.push(' ', at, 0);
        }
    }

    fn fold(&mut self, c: char, at: usize, address: bool) {
        if invisible(c) {
            return;
        }
        if !c.is_alphanumeric() {
            self.space(at);
            return;
        }
        let flags = if c.is_uppercase() { UPPER } else { 0 } | if address { ADDRESS } else { 0 };
        let special = match c {
            'ø' | 'Ø' => Some("o"),
            'æ' | 'Æ' => Some("ae"),
            'œ' | 'Œ' => Some("oe"),
            'ß' => Some("ss"),
            'đ' | 'Đ' => Some("d"),
            'ł' | 'Ł' => Some("l"),
            'þ' | 'Þ' => Some("th"),
            'ı' => Some("i"),
            _ => None,
        };
        match special {
            Some(s) => s.chars().for_each(|f| self.push(f, at, flags)),
            None => {
                for l in c.to_lowercase() {
                    for d in std::iter::once(l).nfd() {
                        if !is_combining_mark(d) {
                            self.push(d, at, flags);
                        }
                    }
                }
            }
        }
    }

    /// Folds `piece`, which starts at byte `origin` of what was read; entities are decoded
    /// when `entities` is set.
    fn add(&mut self, piece: &str, origin: usize, entities: bool) {
        let addresses = address_tokens(piece);
        let in_address = |i: usize| addresses.iter().any(|(s, e)| (*s..*e).contains(&i));
        let mut skip_to = 0;
        for (i, c) in piece.char_indices() {
            if i < skip_to {
                continue;
            }
            if entities && c == '&' {
                let tail = &piece[i..piece.len().min(i + 40)];
                if let Some(end) = tail.find(';')
                    && let Ok(decoded) = quick_xml::escape::unescape(&tail[..=end])
                    && decoded != tail[..=end]
                {
                    for d in decoded.chars() {
                        self.fold(d, origin + i, in_address(i));
                    }
                    skip_to = i + end + 1;
                    continue;
                }
            }
            self.fold(c, origin + i, in_address(i));
        }
    }
}

/// The text nodes and attribute values of markup, joined without separators, with where each
/// began in the markup. `None` when it is not markup koda can read.
fn text_nodes(raw: &str) -> Vec<(usize, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(raw);
    reader.config_mut().check_end_names = false;
    reader.config_mut().allow_unmatched_ends = true;
    let mut out = Vec::new();
    loop {
        let at = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(Event::Text(t)) => {
                let s = t
                    .unescape()
                    .map(|c| c.into_owned())
                    .unwrap_or_else(|_| String::from_utf8_lossy(&t).into_owned());
                out.push((at, s));
            }
            Ok(Event::CData(t)) => out.push((at, String::from_utf8_lossy(&t).into_owned())),
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

/// True when a part is read as markup as well as text.
fn is_markup(name: &str, raw: &str) -> bool {
    let l = name.to_lowercase();
    [".xml", ".rels", ".qde", ".qdc", ".html", ".htm"]
        .iter()
        .any(|x| l.ends_with(x))
        || raw
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('<')
}

/// The readable parts of an export: `(name, text)`, one for a text file, one per XML or text
/// entry of a ZIP-based file (DOCX, QDPX). An error when a part cannot be read as text, so an
/// export that cannot be checked is never written.
pub fn parts(bytes: &[u8], what: &str) -> Result<Vec<(String, String)>> {
    if bytes.starts_with(b"PK") {
        let bad = |e: String| Error::invalid(format!("{what}: cannot be checked for names: {e}"));
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| bad(format!("not a readable ZIP file ({e})")))?;
        let mut out = Vec::new();
        let names: Vec<String> = z.file_names().map(str::to_string).collect();
        for name in names {
            let l = name.to_lowercase();
            let texty = [
                ".xml", ".rels", ".qde", ".qdc", ".txt", ".html", ".htm", ".md", ".csv", ".json",
            ]
            .iter()
            .any(|x| l.ends_with(x));
            if !texty {
                continue;
            }
            let mut f = z.by_name(&name).map_err(|e| bad(format!("{name}: {e}")))?;
            let mut part = Vec::new();
            f.read_to_end(&mut part)
                .map_err(|e| bad(format!("{name}: {e}")))?;
            let text =
                String::from_utf8(part).map_err(|_| bad(format!("{name} is not UTF-8 text")))?;
            out.push((format!("{what}/{name}"), text));
        }
        return Ok(out);
    }
    let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
        Error::invalid(format!(
            "{what} is not a text, DOCX or QDPX file koda can check for names"
        ))
    })?;
    Ok(vec![(what.to_string(), text)])
}

fn line_col(raw: &str, at: usize) -> (usize, usize) {
    let at = at.min(raw.len());
    let mut at = at;
    while !raw.is_char_boundary(at) {
        at -= 1;
    }
    let before = &raw[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn excerpt(raw: &str, from: usize, to: usize) -> String {
    let mut to = to.min(raw.len());
    while !raw.is_char_boundary(to) {
        to += 1;
    }
    let s: String = raw[from..to]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if s.chars().count() > 60 {
        s.chars().take(60).collect::<String>() + "…"
    } else {
        s
    }
}

impl Checker {
    /// The check for a register and the identifier kinds a project protects. An error when
    /// the automaton cannot be built: the export must then be refused, not written unchecked.
    pub fn new(names: &Names, identifiers: identifiers::Settings) -> Result<Checker> {
        let mut forms = Vec::new();
        let mut patterns = Vec::new();
        let mut seen = BTreeSet::new();
        for e in &names.names {
            for form in std::iter::once(&e.name).chain(&e.aliases) {
                let nfc: String = form.trim().nfc().collect();
                let mut f = Folded::default();
                f.add(&nfc, 0, false);
                let folded = f.text.trim().to_string();
                if folded.is_empty() {
                    continue;
                }
                let lead = f.text.len() - f.text.trim_start().len();
                let mut caps = Vec::new();
                let mut word_start = true;
                for (i, b) in f.text.bytes().enumerate().skip(lead) {
                    if b == b' ' {
                        word_start = true;
                    } else if word_start {
                        caps.push(f.flags[i] & UPPER != 0);
                        word_start = false;
                    }
                }
                if !seen.insert((folded.clone(), caps.clone(), e.any_case)) {
                    continue;
                }
                forms.push(Form {
                    registered: nfc,
                    caps,
                    any_case: e.any_case,
                });
                patterns.push(folded);
            }
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)
                    .map_err(|e| {
                        Error::invalid(format!(
                            "the leak check cannot be built for {} registered names ({e}), so nothing is exported",
                            patterns.len()
                        ))
                    })?,
            )
        };
        Ok(Checker {
            automaton,
            forms,
            identifiers,
        })
    }

    /// True when there is nothing to look for.
    pub fn is_empty(&self) -> bool {
        self.automaton.is_none() && !Kind::ALL.iter().any(|k| self.identifiers.on(*k))
    }

    /// True when a registered name or alias occurs in `s` in any case (for ids and file
    /// names, which are written in lower case).
    pub fn mentions(&self, s: &str) -> bool {
        let mut f = Folded::default();
        f.add(s, 0, false);
        self.name_matches(&f, true).next().is_some()
    }

    /// Matches of registered forms in folded text: (start, end, form index).
    fn name_matches<'a>(
        &'a self,
        f: &'a Folded,
        any_case: bool,
    ) -> impl Iterator<Item = (usize, usize, usize)> + 'a {
        let bytes = f.text.as_bytes();
        self.automaton
            .iter()
            .flat_map(move |ac| ac.find_overlapping_iter(&f.text))
            .filter_map(move |m| {
                let (s, e) = (m.start(), m.end());
                let before = s == 0 || bytes[s - 1] == b' ';
                let after = e == bytes.len()
                    || bytes[e] == b' '
                    || (bytes[e] == b's' && (e + 1 == bytes.len() || bytes[e + 1] == b' '));
                if !before || !after {
                    return None;
                }
                let form = &self.forms[m.pattern().as_usize()];
                let address = f.flags[s..e].iter().any(|x| x & ADDRESS != 0);
                if !(any_case || form.any_case || address) {
                    let mut word = 0;
                    let mut start = true;
                    for (i, &b) in bytes.iter().enumerate().take(e).skip(s) {
                        if b == b' ' {
                            start = true;
                        } else if start {
                            if form.caps.get(word) == Some(&true) && f.flags[i] & UPPER == 0 {
                                return None;
                            }
                            word += 1;
                            start = false;
                        }
                    }
                }
                Some((s, e, m.pattern().as_usize()))
            })
    }

    fn scan(
        &self,
        f: &Folded,
        raw: &str,
        what: &str,
        seen: &mut BTreeSet<(usize, usize)>,
    ) -> Vec<Leak> {
        let mut out = Vec::new();
        let bytes = f.text.as_bytes();
        let ends = |i: usize| i == bytes.len() || bytes[i] == b' ';
        for (s, e, form) in self.name_matches(f, false) {
            // The excerpt takes in a genitive: `Karis`, `Kari's`.
            let e = if e < bytes.len() && bytes[e] == b's' && ends(e + 1) {
                e + 1
            } else if e + 1 < bytes.len()
                && bytes[e + 1] == b's'
                && ends(e + 2)
                && raw[f.origin[e] as usize..].starts_with(['\'', '’'])
            {
                e + 2
            } else {
                e
            };
            let from = f.origin[s] as usize;
            let to = f.origin[e - 1] as usize + 1;
            if !seen.insert((from, to)) {
                continue;
            }
            let registered = self.forms[form].registered.clone();
            let (l, c) = line_col(raw, from);
            out.push(Leak {
                place: format!("{what}:{l}:{c}"),
                text: excerpt(raw, from, to),
                found: Found::Name(registered),
            });
        }
        out
    }

    fn identifiers_in(
        &self,
        text: &str,
        raw: &str,
        origin: impl Fn(usize) -> usize,
        what: &str,
    ) -> Vec<Leak> {
        identifiers::find(text, &self.identifiers)
            .into_iter()
            .map(|(r, kind)| {
                let (l, c) = line_col(raw, origin(r.start));
                Leak {
                    place: format!("{what}:{l}:{c}"),
                    text: text[r].to_string(),
                    found: Found::Identifier(kind),
                }
            })
            .collect()
    }

    /// Every leak in one readable part.
    pub fn check_text(&self, raw: &str, what: &str) -> Vec<Leak> {
        let mut seen = BTreeSet::new();
        let mut f = Folded::default();
        f.add(raw, 0, true);
        let mut leaks = self.scan(&f, raw, what, &mut seen);
        let markup = is_markup(what, raw);
        // In markup, identifiers are looked for in the text only: the tags' namespaces and
        // schema addresses are the format's, not anyone's.
        if !markup {
            let nfc: String = raw.nfc().collect();
            if nfc == raw {
                leaks.extend(self.identifiers_in(raw, raw, |i| i, what));
            } else {
                leaks.extend(self.identifiers_in(&nfc, raw, |_| 0, what));
            }
        }
        if markup {
            let nodes = text_nodes(raw);
            let mut joined = Folded::default();
            let mut plain = String::new();
            let mut starts = Vec::new();
            for (at, s) in &nodes {
                joined.add(s, *at, false);
                starts.push((plain.len(), *at));
                plain.push_str(s);
            }
            // A name the plain pass found is not reported again from the
            // text nodes (whose decoded spans map back less exactly).
            let mut more = self.scan(&joined, raw, what, &mut seen);
            more.retain(|l| !leaks.iter().any(|x| x.place == l.place));
            let origin = |i: usize| {
                let k = starts.partition_point(|(p, _)| *p <= i);
                starts.get(k.saturating_sub(1)).map_or(0, |(_, a)| *a)
            };
            for l in self.identifiers_in(&plain, raw, origin, what) {
                if !leaks.iter().any(|x| x.text == l.text && x.found == l.found) {
                    more.push(l);
                }
            }
            leaks.extend(more);
        }
        leaks
    }

    /// Every leak in an export's bytes; an error when they cannot be read.
    pub fn check(&self, bytes: &[u8], what: &str) -> Result<Vec<Leak>> {
        let mut leaks = Vec::new();
        for (name, text) in parts(bytes, what)? {
            leaks.extend(self.check_text(&text, &name));
        }
        Ok(leaks)
    }
}

/// The error that refuses an export with leaks in it, listing the first places.
pub fn refusal(leaks: &[Leak]) -> Error {
    let places: Vec<String> = leaks.iter().take(20).map(|l| format!("  {l}")).collect();
    let more = if leaks.len() > 20 {
        format!("\n  … and {} more", leaks.len() - 20)
    } else {
        String::new()
    };
    let names = leaks.iter().any(|l| matches!(l.found, Found::Name(_)));
    let hint = if names {
        "\nCheck the replacements in `koda names` (a replacement must not contain the name)."
    } else {
        "\nThese identifiers are replaced unless turned off in koda.json (privacy.identifiers)."
    };
    Error::invalid(format!(
        "names or identifiers are still in the export, so it was not written:\n{}{more}{hint}",
        places.join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::names::{Category, NameEntry};

    fn register(entries: &[(&str, &[&str], bool)]) -> Checker {
        let names = Names {
            names: entries
                .iter()
                .map(|(n, a, any)| NameEntry {
                    name: n.to_string(),
                    replacement: "(navn)".into(),
                    aliases: a.iter().map(|s| s.to_string()).collect(),
                    category: Category::Person,
                    any_case: *any,
                })
                .collect(),
            ..Names::default()
        };
        Checker::new(&names, identifiers::Settings::default()).unwrap()
    }

    fn found(c: &Checker, text: &str) -> Vec<String> {
        c.check_text(text, "x")
            .into_iter()
            .map(|l| l.text)
            .collect()
    }

    #[test]
    fn names_are_found_through_every_disguise() {
        let c = register(&[
            ("Kari Nordmann", &["Kari", "@kari_n", "Kari N."], false),
            ("Bjørn Ødegård", &["Bjørn"], false),
        ]);
        assert_eq!(found(&c, "Kari kom"), ["Kari"]);
        assert_eq!(found(&c, "Karis mor og Kari's bror"), ["Karis", "Kari's"]);
        assert_eq!(found(&c, "skrev @kari_n i går"), ["kari_n"]);
        assert_eq!(found(&c, "Det var Kari N. som sa det"), ["Kari", "Kari N"]);
        assert_eq!(found(&c, "Ka\u{ad}ri kom"), ["Ka\u{ad}ri"]);
        assert_eq!(found(&c, "K\u{200b}ari kom"), ["K\u{200b}ari"]);
        assert_eq!(found(&c, "<p>Bj&oslash;rn</p>"), ["Bj&oslash;rn"]);
        assert_eq!(found(&c, "Bj&#248;rn"), ["Bj&#248;rn"]);
        assert_eq!(found(&c, "Bjo\u{308}rn, Björn"), ["Bjo\u{308}rn", "Björn"]);
        // NFD text (as macOS may write it) is the same word.
        assert_eq!(
            found(&c, "Ødega\u{30a}rd"),
            Vec::<String>::new(),
            "a surname alone is not registered"
        );
        assert_eq!(found(&c, "Bjørn O\u{308}"), ["Bjørn"]);
        let mail = found(&c, "mail bjorn.odegard@example.no");
        assert!(mail.contains(&"bjorn.odegard".to_string()), "{mail:?}");
        assert!(
            mail.contains(&"bjorn.odegard@example.no".to_string()),
            "{mail:?}"
        );
        assert_eq!(found(&c, "Kari\nNordmann"), ["Kari", "Kari Nordmann"]);
        let split =
            "<w:p><w:r><w:t>Ka</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>ri</w:t></w:r></w:p>";
        assert_eq!(c.check_text(split, "word/document.xml").len(), 1);
    }

    #[test]
    fn ordinary_words_pass_and_any_case_names_do_not() {
        let c = register(&[
            ("Per Olsen", &["Per"], false),
            ("Are Halland", &["Are"], false),
        ]);
        assert!(found(&c, "500 kr per måned, and we are happy").is_empty());
        assert!(found(&c, "Persen og Perlen, Arendal").is_empty());
        assert_eq!(found(&c, "PER kom, Are ble"), ["PER", "Are"]);
        let any = register(&[("Liv", &[], true)]);
        assert_eq!(found(&any, "et godt liv"), ["liv"]);
        assert!(c.mentions("intervju-med-per"));
        assert!(!c.mentions("intervju-med-persen"));
    }

    #[test]
    fn identifiers_are_found_and_places_named() {
        let c = register(&[]);
        let leaks = c.check_text("linje en\nring 412 34 567\n", "ut.md");
        assert_eq!(leaks.len(), 1);
        assert_eq!(leaks[0].place, "ut.md:2:6");
        assert_eq!(leaks[0].found, Found::Identifier(Kind::Phone));
        assert!(c.check(&[0xff, 0xfe, 0x00], "bin").is_err());
    }

    #[test]
    fn a_large_register_builds_and_finds() {
        let names = Names {
            names: (0..20_000)
                .map(|i| NameEntry {
                    name: format!("Navn{i} Etternavn{i}"),
                    replacement: "(navn)".into(),
                    aliases: vec![format!("Navn{i}")],
                    category: Category::Person,
                    any_case: false,
                })
                .collect(),
            ..Names::default()
        };
        let c = Checker::new(&names, identifiers::Settings::default()).unwrap();
        assert_eq!(found(&c, "hei Navn19999 og navn3"), ["Navn19999"]);
    }
}
