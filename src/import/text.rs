//! Plain-text transcripts: UTF-8 decoding and speaker-turn detection.
//!
//! Recognised turn starts, each at the start of a line:
//! `Intervjuer: …`, `FORELDER 2: …`, `[00:01:23] Coordinator: …`, `00:01:23 Kari: …`,
//! `P3 - …` (a short speaker code before a dash), `Deltaker 1 (Åse): …` (a name in brackets
//! after the label), `p03: …` and `int-2: …` (lower-case ids with a number), `[P3] …` (an id in
//! brackets), labels in any script (`Заря 1: …`, `Συντονιστής: …`, `主持人：…`), and labels
//! followed by tabs. A time stamp alone on its line (`[00:00:06:10]`, frames dropped; a
//! countdown `[-00:01:57:00]` has no time) is the time of the labelled turn after it; a stamp's
//! brackets must match. Continuation lines belong to the current
//! turn. A label counts as a speaker when it is backed by a time stamp, recurs, carries a
//! number or is in capitals, or when the document is clearly a transcript and the label is
//! one or two capitalised words; this keeps `Note: …` in field notes from becoming a speaker.
//! Text without speakers is split into paragraphs at blank lines.
//!
//! Meeting tools put a name and a time alone on a line with the text below it (`Kari Lunde
//! 0:03`, `Speaker 1  0:00`, `[Ola Berg] 10:02:31`); such lines count where a document has two
//! or more, and the tools' notices (`… stopped transcription`) belong to no turn. [`segment`]
//! divides a text by a researcher's own pattern instead, or into paragraphs only.

use crate::model::{Segmentation, Turn};
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// A time stamp at the start of a line, bare or in matching brackets: `00:05`, `[00:01:23]`,
/// `(1:02:03.5)`, `[00:00:10,250]`, four parts with frames `[00:00:00:02]`, and a countdown
/// before the recording starts `[-00:01:57:00]`. Groups: the opening bracket, the sign, the
/// time, the frames, the fraction, the closing bracket.
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([\[(]?)(-?)((?:\d{1,2}:)?\d{1,2}:\d{2})(?::(\d{2}))?(?:[.,](\d{1,3}))?([\])]?)(?:\s+|$)",
    )
    .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});
/// A label before a colon: a capitalised word, then up to three more that are capitalised,
/// numbers or short particles (`Mor til Kari`, `Ana de la Cruz`), so a sentence such as
/// `Hide these tags:` is not taken for a name; a name in brackets may follow.
static COLON_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\p{Lu}[\p{L}'’\-]*\.?(?:\d{1,3})?(?: (?:\p{Lu}[\p{L}'’\-]*\.?|\p{Ll}{1,3}|\d{1,3})){0,3}(?: \([^()\n]{1,30}\))?):(?:\s+|$)",
    )
    .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});
static DASH_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\p{Lu}{1,4}\d{0,3}) [-–—](?:\s+|$)")
        .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});
/// A lower-case participant id with a number: `p03:`, `int-2:`, `admin-1:`.
static ID_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\p{Ll}{1,8}-?\d{1,3}):(?:\s+|$)")
        .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});
/// A participant id in brackets: `[P3] …`, `[id1] …` (a number is needed, so `[latter]` and
/// `[inaudible]` stay text).
static BRACKET_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[(\p{L}{1,6}-?\d{1,3})\](?:\s+|$)")
        .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});
/// A label in a script without capitals (Chinese, Japanese, Korean), before an ASCII or a
/// full-width colon: `主持人：…`.
static CJK_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^((?:\p{Han}|\p{Hiragana}|\p{Katakana}|\p{Hangul}){1,8}\d{0,3})[:：]\s*")
        .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

/// A name and a time alone on a line, the text on the lines after it, as Teams (`Kari Lunde
/// 0:03`), Otter (`Speaker 1  0:00`) and Zoom (`[Kari Lunde] 10:02:15`) write their transcripts.
static HEADER_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\p{Lu}[\p{L}'’.\-]*(?: (?:\p{Lu}[\p{L}'’.\-]*|\d{1,3})){0,3}|\[[^\[\]\n]{1,40}\]) +((?:\d{1,2}:)?\d{1,2}:\d{2})$",
    )
    .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});
/// The line a meeting tool writes when someone starts or stops its transcription, or the
/// line Otter signs its transcripts with: a notice, not something said.
static TRANSCRIPTION_NOTICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\S.{0,60} (?:started|stopped|startet|stoppet) (?:transcription|transkripsjonen|transkripsjon|transkriberingen)\.?|Transcribed by https?://otter\.ai\S*)$",
    )
    .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

/// Decodes UTF-8 (a byte-order mark is allowed), or says where the first invalid byte is.
pub fn decode_utf8(bytes: &[u8]) -> Result<String, super::Malformed> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let upto = &bytes[..e.valid_up_to()];
            let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
            let line_start = upto.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let col = String::from_utf8_lossy(&upto[line_start..]).chars().count() + 1;
            Err(super::Malformed(format!(
                "line {line}, column {col}: byte 0x{:02x} is not UTF-8; save the file as UTF-8 and import it again",
                bytes[e.valid_up_to()]
            )))
        }
    }
}

/// The result of parsing a normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The text (unchanged: parsing never alters the normalised text).
    pub text: String,
    /// Turns in order.
    pub turns: Vec<Turn>,
    /// Distinct speakers in order of first appearance.
    pub speakers: Vec<String>,
}

#[derive(Debug, Clone)]
struct Candidate {
    timestamp_ms: Option<u64>,
    /// The line starts with a time stamp (its time is `None` for a countdown).
    stamp: bool,
    speaker: Option<String>,
    /// Chars from the line start to where the spoken text starts.
    content_offset: usize,
    /// A name-and-time line with the text on the lines after it.
    header: bool,
}

/// Milliseconds of a time stamp `h:mm:ss` or `mm:ss` with an optional fraction (digits past
/// the third are below a millisecond and dropped). `None` when it is not one, or too large
/// for any recording.
pub(crate) fn parse_timestamp(hms: &str, frac: Option<&str>) -> Option<u64> {
    let parts: Vec<u64> = hms
        .split(':')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let secs = match parts.as_slice() {
        [m, s] => m.checked_mul(60)?.checked_add(*s)?,
        [h, m, s] => h
            .checked_mul(3600)?
            .checked_add(m.checked_mul(60)?)?
            .checked_add(*s)?,
        _ => return None,
    };
    let ms = frac.map_or(0, |f| {
        let millis: String = f.chars().take(3).collect();
        format!("{millis:0<3}").parse::<u64>().unwrap_or(0)
    });
    secs.checked_mul(1000)?.checked_add(ms)
}

fn candidate(line: &str) -> Option<Candidate> {
    if let Some(c) = HEADER_LABEL.captures(line) {
        let name = c[1].trim_start_matches('[').trim_end_matches(']').trim();
        return Some(Candidate {
            timestamp_ms: parse_timestamp(&c[2], None),
            stamp: true,
            speaker: Some(name.to_string()),
            content_offset: line.chars().count(),
            header: true,
        });
    }
    let mut rest = line;
    let mut consumed = 0;
    let mut timestamp_ms = None;
    let mut stamp = false;
    if let Some(c) = TIMESTAMP.captures(rest) {
        let (open, close) = (&c[1], &c[6]);
        // Brackets must match: `00:22:01] needs…` is the end of a marker wrapped over a line
        // (`[inaudible` on the line before), not a time stamp.
        if matches!((open, close), ("", "") | ("[", "]") | ("(", ")")) {
            let whole = c.get(0).map_or("", |m| m.as_str());
            // A countdown before the recording starts is a stamp without a time in it.
            timestamp_ms = if &c[2] == "-" {
                None
            } else {
                parse_timestamp(&c[3], c.get(5).map(|m| m.as_str()))
            };
            stamp = true;
            consumed += whole.chars().count();
            rest = &rest[whole.len()..];
        }
    }
    let label = COLON_LABEL
        .captures(rest)
        .or_else(|| DASH_LABEL.captures(rest))
        .or_else(|| ID_LABEL.captures(rest))
        .or_else(|| BRACKET_LABEL.captures(rest))
        .or_else(|| CJK_LABEL.captures(rest));
    if let Some(c) = label {
        let whole = c.get(0).map_or("", |m| m.as_str());
        let name = c[1].trim().to_string();
        if name.chars().count() <= 40 {
            return Some(Candidate {
                timestamp_ms,
                stamp,
                speaker: Some(name),
                content_offset: consumed + whole.chars().count(),
                header: false,
            });
        }
    }
    stamp.then_some(Candidate {
        timestamp_ms,
        stamp,
        speaker: None,
        content_offset: consumed,
        header: false,
    })
}

fn is_strong(c: &Candidate, counts: &HashMap<String, usize>) -> bool {
    let Some(name) = &c.speaker else {
        return c.stamp;
    };
    let words = name.split(' ').count();
    c.stamp
        || name.chars().any(|ch| ch.is_ascii_digit())
        || (name.chars().any(char::is_alphabetic)
            && name
                .chars()
                .filter(|ch| ch.is_alphabetic())
                .all(char::is_uppercase))
        || (words <= 3 && counts.get(&name.to_lowercase()).copied().unwrap_or(0) >= 2)
}

fn is_weak_ok(c: &Candidate) -> bool {
    c.speaker.as_ref().is_some_and(|name| {
        // A name in brackets after the label (`Moderator (Kari)`) does not count as a word.
        let name = name.split(" (").next().unwrap_or(name);
        // A short name in a script without capitals (张三, 主持人) counts as capitalised.
        let caseless = |ch: char| ch.is_alphabetic() && !ch.is_uppercase() && !ch.is_lowercase();
        if name.chars().count() <= 4 && name.chars().all(caseless) {
            return true;
        }
        let words: Vec<&str> = name.split(' ').collect();
        words.len() <= 2
            && words
                .iter()
                .all(|w| w.chars().next().is_some_and(char::is_uppercase))
    })
}

/// Finds the turns of a normalised text (see the module docs for the rules).
///
/// ```
/// let p = koda::import::text::parse("Intervjuer: Hvordan var det?\n[00:01:23] Forelder: Bra.\nVeldig bra.\n");
/// assert_eq!(p.speakers, ["Intervjuer", "Forelder"]);
/// assert_eq!(p.turns[1].timestamp_ms, Some(83_000));
/// assert_eq!(&p.text[p.turns[1].start..p.turns[1].end], "Bra.\nVeldig bra.");
/// ```
pub fn parse(text: &str) -> Parsed {
    parse_owned(text.to_string())
}

/// [`parse`] taking the text by value, so a long transcript is not copied.
pub fn parse_owned(text: String) -> Parsed {
    let (turns, speakers) = turns_of(&text, &Rule::Auto);
    Parsed {
        text,
        turns,
        speakers,
    }
}

/// Divides a normalised text into turns the way `how` says; a pattern that is not a regular
/// expression, or has no group named `speaker` or `time`, is refused.
///
/// ```
/// use koda::model::Segmentation;
/// let how = Segmentation::Pattern(r"(?P<speaker>[A-ZÆØÅ]{2,4})>".into());
/// let p = koda::import::text::segment("KH> Hei.\nOL> Hei, hei.\n".into(), &how).unwrap();
/// assert_eq!(p.speakers, ["KH", "OL"]);
/// ```
pub fn segment(text: String, how: &Segmentation) -> Result<Parsed, super::Malformed> {
    let rule = Rule::of(how)?;
    let (turns, speakers) = turns_of(&text, &rule);
    Ok(Parsed {
        text,
        turns,
        speakers,
    })
}

/// A [`Segmentation`] ready to use.
enum Rule {
    Auto,
    Paragraphs,
    Pattern(Regex),
}

impl Rule {
    fn of(how: &Segmentation) -> Result<Rule, super::Malformed> {
        Ok(match how {
            Segmentation::Auto => Rule::Auto,
            Segmentation::None => Rule::Paragraphs,
            Segmentation::Pattern(p) => {
                let re = Regex::new(&format!("^(?:{p})")).map_err(|e| {
                    super::Malformed(format!(
                        "the speaker pattern {p:?} is not a regular expression: {e}"
                    ))
                })?;
                let names: Vec<&str> = re.capture_names().flatten().collect();
                if !names.contains(&"speaker") && !names.contains(&"time") {
                    return Err(super::Malformed(format!(
                        "the speaker pattern {p:?} has no group named `speaker` (or `time`); write it like (?P<speaker>[A-Z]+):"
                    )));
                }
                Rule::Pattern(re)
            }
        })
    }

    /// Where a turn starts on this line, by a pattern.
    fn pattern_candidate(re: &Regex, line: &str) -> Option<Candidate> {
        let c = re.captures(line)?;
        let whole = c.get(0)?;
        if whole.as_str().is_empty() {
            return None;
        }
        let speaker = c
            .name("speaker")
            .map(|m| m.as_str().trim().to_string())
            .filter(|s| !s.is_empty());
        let time = c.name("time").map(|m| m.as_str().trim());
        let timestamp_ms = time.and_then(|t| {
            let t = t.trim_matches(|ch| matches!(ch, '[' | ']' | '(' | ')'));
            let (hms, frac) = match t.split_once(['.', ',']) {
                Some((a, b)) => (a, Some(b)),
                None => (t, None),
            };
            parse_timestamp(hms, frac)
        });
        let rest = &line[whole.end()..];
        let skipped = rest.chars().take_while(|c| c.is_whitespace()).count();
        Some(Candidate {
            timestamp_ms,
            stamp: time.is_some(),
            speaker,
            content_offset: line[..whole.end()].chars().count() + skipped,
            header: false,
        })
    }
}

fn turns_of(text: &str, rule: &Rule) -> (Vec<Turn>, Vec<String>) {
    struct Line<'a> {
        text: &'a str,
        start: usize,
        number: usize,
    }
    let mut lines = Vec::new();
    let mut pos = 0;
    for (i, l) in text.split('\n').enumerate() {
        lines.push(Line {
            text: l,
            start: pos,
            number: i + 1,
        });
        pos += l.chars().count() + 1;
    }
    let mut candidates: Vec<Option<Candidate>> = match rule {
        Rule::Auto => lines.iter().map(|l| candidate(l.text)).collect(),
        Rule::Paragraphs => lines.iter().map(|_| None).collect(),
        Rule::Pattern(re) => lines
            .iter()
            .map(|l| Rule::pattern_candidate(re, l.text))
            .collect(),
    };
    // A name-and-time line counts as a turn's header only where the document has several
    // (one such line in field notes is a sentence).
    if candidates.iter().flatten().filter(|c| c.header).count() < 2 {
        for c in &mut candidates {
            if c.as_ref().is_some_and(|c| c.header) {
                *c = None;
            }
        }
    }
    // A time stamp alone on its line is the time of the labelled turn that follows it (not the
    // end of the turn before); the stamp's line then belongs to no turn, like a label. A
    // meeting tool's notice that transcription started or stopped belongs to no turn either.
    let mut stamp_lines: Vec<bool> = lines
        .iter()
        .map(|l| matches!(rule, Rule::Auto) && TRANSCRIPTION_NOTICE.is_match(l.text))
        .collect();
    for i in 0..lines.len() {
        let alone = candidates[i].as_ref().is_some_and(|c| {
            c.stamp
                && c.speaker.is_none()
                && lines[i]
                    .text
                    .chars()
                    .skip(c.content_offset)
                    .all(char::is_whitespace)
        });
        if !alone {
            continue;
        }
        let time = candidates[i].as_ref().and_then(|c| c.timestamp_ms);
        let next = (i + 1..lines.len()).find(|&j| !lines[j].text.trim().is_empty());
        if let Some(j) = next
            && let Some(n) = candidates[j].as_mut()
            && n.speaker.is_some()
            && !n.stamp
        {
            n.timestamp_ms = time;
            n.stamp = true;
            candidates[i] = None;
            stamp_lines[i] = true;
        }
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for c in candidates.iter().flatten() {
        if let Some(s) = &c.speaker {
            *counts.entry(s.to_lowercase()).or_default() += 1;
        }
    }
    let strong: Vec<bool> = candidates
        .iter()
        .map(|c| c.as_ref().is_some_and(|c| is_strong(c, &counts)))
        .collect();
    let strong_count = strong.iter().filter(|s| **s).count();
    let candidate_count = candidates
        .iter()
        .flatten()
        .filter(|c| c.speaker.is_some())
        .count();
    // A short exchange has no label twice yet; a text whose every line opens with a
    // capitalised label, two of them different, is one all the same.
    let all_labelled = {
        let mut labels = std::collections::HashSet::new();
        let every = lines.iter().zip(&candidates).all(|(l, c)| match c {
            Some(c) if is_weak_ok(c) => {
                labels.insert(c.speaker.as_deref().unwrap_or("").to_lowercase());
                true
            }
            _ => l.text.trim().is_empty(),
        });
        every && labels.len() >= 2
    };
    let transcript =
        strong_count >= 2 || (strong_count == 1 && candidate_count >= 2) || all_labelled;
    let given = matches!(rule, Rule::Pattern(_));
    let starts: Vec<Option<&Candidate>> = candidates
        .iter()
        .zip(&strong)
        .map(|(c, &s)| {
            let c = c.as_ref()?;
            (given || (transcript && (s || is_weak_ok(c)))).then_some(c)
        })
        .collect();

    // Group lines into blocks: a turn start opens a block; in paragraph mode (or before the
    // first turn start) a blank line closes one.
    let mut turns: Vec<Turn> = Vec::new();
    // The open turn, the end of its last non-empty line, and whether its text is still to come
    // (a label alone on its line).
    let mut open: Option<(Turn, usize, bool)> = None;
    let close = |open: &mut Option<(Turn, usize, bool)>, turns: &mut Vec<Turn>| {
        if let Some((mut t, end, _)) = open.take() {
            t.end = end.max(t.start);
            if t.end > t.start || t.speaker.is_some() || t.timestamp_ms.is_some() {
                t.number = turns.len() + 1;
                turns.push(t);
            }
        }
    };
    let mut seen_start = false;
    for (i, line) in lines.iter().enumerate() {
        if stamp_lines[i] {
            continue;
        }
        let len = line.text.chars().count();
        let lead = line.text.chars().take_while(|c| c.is_whitespace()).count();
        if let Some(c) = starts[i] {
            close(&mut open, &mut turns);
            seen_start = true;
            let content = c.content_offset.min(len);
            let has_body = line
                .text
                .chars()
                .skip(content)
                .any(|ch| !ch.is_whitespace());
            let start = if has_body {
                line.start + content
            } else {
                line.start + len
            };
            open = Some((
                Turn {
                    number: 0,
                    speaker: c.speaker.clone(),
                    timestamp_ms: c.timestamp_ms,
                    line: line.number,
                    start,
                    end: 0,
                },
                line.start + len,
                !has_body,
            ));
            continue;
        }
        if line.text.trim().is_empty() {
            if !seen_start {
                close(&mut open, &mut turns);
            }
            continue;
        }
        match &mut open {
            Some((t, end, awaiting)) => {
                if *awaiting {
                    t.start = line.start + lead;
                    *awaiting = false;
                }
                *end = line.start + len;
            }
            None => {
                open = Some((
                    Turn {
                        number: 0,
                        speaker: None,
                        timestamp_ms: None,
                        line: line.number,
                        start: line.start + lead,
                        end: 0,
                    },
                    line.start + len,
                    false,
                ));
            }
        }
    }
    close(&mut open, &mut turns);
    let speakers = crate::model::speaker_turns(&turns)
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    (turns, speakers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::text::{normalise, slice_chars};

    fn turns(raw: &str) -> Vec<(Option<String>, Option<u64>, String)> {
        let text = normalise(raw);
        let p = parse(&text);
        p.turns
            .iter()
            .map(|t| {
                (
                    t.speaker.clone(),
                    t.timestamp_ms,
                    slice_chars(&text, t.start, t.end).to_string(),
                )
            })
            .collect()
    }

    fn s(x: &str) -> Option<String> {
        Some(x.to_string())
    }

    #[test]
    fn speaker_labels_of_every_kind() {
        let t = turns(
            "Intervjuer: Hvordan var det?\nFORELDER 2: Det var fint.\nMen litt rart.\n\n[00:01:23] Coordinator: We called back.\nP3 - Ja, visst.\nIntervjuer: Takk.",
        );
        assert_eq!(
            t,
            vec![
                (s("Intervjuer"), None, "Hvordan var det?".into()),
                (
                    s("FORELDER 2"),
                    None,
                    "Det var fint.\nMen litt rart.".into()
                ),
                (s("Coordinator"), Some(83_000), "We called back.".into()),
                (s("P3"), None, "Ja, visst.".into()),
                (s("Intervjuer"), None, "Takk.".into()),
            ]
        );
    }

    #[test]
    fn timestamps_in_several_forms() {
        let t = turns("00:05 Anna: hei\n(1:02:03.5) Bo: hallo\n[00:00:10,250] Anna: ja");
        assert_eq!(t[0].1, Some(5_000));
        assert_eq!(t[1].1, Some(3_723_500));
        assert_eq!(t[2].1, Some(10_250));
    }

    #[test]
    fn field_notes_become_paragraphs() {
        let t = turns(
            "Møte i bydelen, tirsdag.\nNote: koordinator kom sent.\n\nVi snakket om ventetid.\nDet var kaldt: ingen kaffe.\n",
        );
        assert_eq!(t.len(), 2);
        assert!(t.iter().all(|x| x.0.is_none()));
        assert_eq!(
            t[1].2,
            "Vi snakket om ventetid.\nDet var kaldt: ingen kaffe."
        );
    }

    #[test]
    fn a_short_exchange_is_a_transcript_though_no_label_repeats() {
        // Each label once: every line opens with one, so these are turns.
        let t = turns("Intervjuer: Hvordan går det?\nForelder: Bra, takk.\n");
        assert_eq!(
            t,
            vec![
                (s("Intervjuer"), None, "Hvordan går det?".into()),
                (s("Forelder"), None, "Bra, takk.".into()),
            ]
        );
        let t = turns("Intervjuer: Hvordan går det?\n\nForelder: Bra, takk.\n");
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].0, s("Forelder"));
        // One label alone, or a line without one, is still a note.
        assert!(
            turns("Note: koordinator kom sent.\n")
                .iter()
                .all(|x| x.0.is_none())
        );
        let t = turns("Note: koordinator kom sent.\nVi snakket om ventetid.\nObs: ingen kaffe.\n");
        assert!(t.iter().all(|x| x.0.is_none()), "{t:?}");
    }

    #[test]
    fn one_off_name_in_a_transcript_and_sentences_with_colons() {
        let t = turns(
            "Moderator: Velkommen.\nDeltaker 1: Takk.\nKari: Jeg vil si noe.\nModerator: Det var sånn: vi venter.\nDet var sånn: vi ventet lenge.",
        );
        let speakers: Vec<_> = t.iter().map(|x| x.0.clone()).collect();
        assert_eq!(
            speakers,
            vec![s("Moderator"), s("Deltaker 1"), s("Kari"), s("Moderator")]
        );
        assert_eq!(
            t[3].2,
            "Det var sånn: vi venter.\nDet var sånn: vi ventet lenge."
        );
    }

    #[test]
    fn preamble_before_first_speaker_and_label_on_own_line() {
        let t = turns(
            "Intervju 4, bølge 1\n\nIntervjuer:\nHvordan gikk det?\nForelder: Bra.\nIntervjuer: Takk.\n",
        );
        assert_eq!(t[0], (None, None, "Intervju 4, bølge 1".into()));
        assert_eq!(t[1], (s("Intervjuer"), None, "Hvordan gikk det?".into()));
        assert_eq!(t[2], (s("Forelder"), None, "Bra.".into()));
    }

    #[test]
    fn turn_numbers_and_lines() {
        let text = normalise("A: en\nB: to\n\nA: tre\n");
        let p = parse(&text);
        let nums: Vec<(usize, usize)> = p.turns.iter().map(|t| (t.number, t.line)).collect();
        assert_eq!(nums, vec![(1, 1), (2, 2), (3, 4)]);
        assert_eq!(p.speakers, vec!["A".to_string(), "B".to_string()]);
    }

    #[test]
    fn utf8_errors_name_line_and_column() {
        let err = decode_utf8(b"ok\nab\xf8c").unwrap_err();
        assert!(err.0.starts_with("line 2, column 3"), "{err}");
        assert_eq!(decode_utf8(b"\xef\xbb\xbfhei").unwrap(), "hei");
    }

    #[test]
    fn labels_with_names_in_brackets_ids_and_other_scripts() {
        let t =
            turns("Moderator: Velkommen.\nDeltaker 1 (Åse): Takk for det.\nDeltaker 2 (Per): Ja.");
        assert_eq!(
            t,
            vec![
                (s("Moderator"), None, "Velkommen.".into()),
                (s("Deltaker 1 (Åse)"), None, "Takk for det.".into()),
                (s("Deltaker 2 (Per)"), None, "Ja.".into()),
            ]
        );
        let t = turns("int-2: Hvordan var det?\np03: Det var fint.\nadmin-1: Vi noterer.");
        assert_eq!(
            t.iter()
                .map(|x| (x.0.clone(), x.2.as_str()))
                .collect::<Vec<_>>(),
            vec![
                (s("int-2"), "Hvordan var det?"),
                (s("p03"), "Det var fint."),
                (s("admin-1"), "Vi noterer.")
            ]
        );
        let t = turns("[id1] Hvordan var det?\n[P3] Det var fint.\n[inaudible] og så videre.");
        assert_eq!(
            t.iter()
                .map(|x| (x.0.clone(), x.2.as_str()))
                .collect::<Vec<_>>(),
            vec![
                (s("id1"), "Hvordan var det?"),
                (s("P3"), "Det var fint.\n[inaudible] og så videre.")
            ],
            "a bracket without a number is text"
        );
        let t = turns("主持人：大家好。\n张三：谢谢。\n主持人：好的。\n张三：是的。");
        assert_eq!(t[1], (s("张三"), None, "谢谢。".into()));
        let t =
            turns("Max Bigman:\t\tOkay, let's start.\nSue Smith:\t\tSure.\nMax Bigman:\t\tGood.");
        assert_eq!(t[1], (s("Sue Smith"), None, "Sure.".into()));
    }

    /// Every char of the text is in at most one turn, turns are in order, and a char in no turn
    /// is white space or markup: a line's label or time stamp before its turn's text, a stamp
    /// or label alone on its line, or a meeting tool's notice.
    fn check_cover(text: &str, p: &Parsed) -> Result<(), String> {
        let chars: Vec<char> = text.chars().collect();
        let mut owner = vec![None; chars.len()];
        let mut last_end = 0;
        for (i, t) in p.turns.iter().enumerate() {
            if t.start < last_end || t.end < t.start || t.end > chars.len() {
                return Err(format!(
                    "turn {} ({}..{}) out of order",
                    i + 1,
                    t.start,
                    t.end
                ));
            }
            last_end = t.end;
            for o in &mut owner[t.start..t.end] {
                *o = Some(i);
            }
        }
        let mut pos = 0;
        for line in text.split('\n') {
            let n = line.chars().count();
            let covered: Vec<bool> = (pos..pos + n).map(|i| owner[i].is_some()).collect();
            let first = covered.iter().position(|c| *c);
            let stray = |k: usize| !covered[k] && !chars[pos + k].is_whitespace();
            match first {
                // Uncovered text only before the turn's text starts on this line.
                Some(f) => {
                    if let Some(k) = (f..n).find(|&k| stray(k)) {
                        return Err(format!("{:?}: char {k} is in no turn", line));
                    }
                }
                None if (0..n).any(stray) => {
                    let markup = candidate(line).is_some_and(|c| {
                        line.chars().skip(c.content_offset).all(char::is_whitespace)
                    }) || TRANSCRIPTION_NOTICE.is_match(line);
                    if !markup {
                        return Err(format!("line {line:?} is in no turn and is not markup"));
                    }
                }
                None => {}
            }
            pos += n + 1;
        }
        Ok(())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
        #[test]
        fn every_char_is_in_one_turn_or_markup(lines in proptest::collection::vec(
            proptest::prop_oneof![
                "(Intervjuer|Forelder 2|P3|p03|Deltaker 1 \\(Åse\\)|主持人|Kari Lunde): [a-zæøå ,.?]{0,30}",
                "\\[00:0[0-9]:[0-5][0-9](:[0-9]{2})?\\]( [A-Z][a-z]{1,6}:)?( [a-zæøå ,.]{0,20})?",
                "(Speaker [12]|Kari Lunde|\\[Ola Berg\\]) {1,3}[0-9]:[0-5][0-9]",
                "\\[(P3|id1|inaudible)\\] [a-z ]{0,20}",
                "[A-Za-zæøå ,.:\\[\\]()0-9-]{0,40}",
                "Kari Lunde (startet transkripsjon|stopped transcription)",
                "",
            ],
            0..14,
        )) {
            let text = normalise(&lines.join("\n"));
            let auto = parse(&text);
            proptest::prop_assert!(check_cover(&text, &auto).is_ok(), "{:?}", check_cover(&text, &auto));
            let none = segment(text.clone(), &Segmentation::None).unwrap();
            proptest::prop_assert!(none.speakers.is_empty());
            proptest::prop_assert!(check_cover(&text, &none).is_ok(), "{:?}", check_cover(&text, &none));
            let pat = segment(text.clone(), &Segmentation::Pattern("(?P<speaker>[A-Z][a-z]+):".into())).unwrap();
            for t in &pat.turns {
                proptest::prop_assert!(t.end <= text.chars().count() && t.start <= t.end);
            }
        }
    }
}
