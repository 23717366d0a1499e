//! The JSON that transcription tools write: OpenAI Whisper and WhisperX (`segments`, with
//! `speaker` and per-word times and scores where the tool gave them), whisper.cpp
//! (`transcription`, with per-token times and probabilities in its full output) and Rev
//! (`monologues` of timed elements).
//!
//! Segments become turns, consecutive segments of one speaker merged into one turn that starts
//! at the first segment's time; segments without a speaker are a turn each, with its time. The
//! text is written in koda's own transcript layout (`[00:01:23.500] SPEAKER_00: …`, one turn a
//! line) with a segmentation that finds exactly these turns again, so a corrected text keeps
//! them. Each word the tool timed keeps its time and confidence, located in the text.

use super::Malformed;
use crate::model::{Segmentation, TimedWord};
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

/// Which tool wrote a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// OpenAI Whisper (`segments`, no speakers).
    Whisper,
    /// WhisperX (`segments` with speakers and scored words).
    WhisperX,
    /// whisper.cpp (`transcription` with offsets).
    WhisperCpp,
    /// Rev (`monologues`).
    Rev,
}

impl Tool {
    /// The name recorded as the document's format.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Whisper => "whisper",
            Tool::WhisperX => "whisperx",
            Tool::WhisperCpp => "whisper.cpp",
            Tool::Rev => "rev",
        }
    }
}

/// A transcript read from a tool's JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// The tool, as told by the file's shape.
    pub tool: Tool,
    /// The text in koda's transcript layout (already normalised).
    pub text: String,
    /// How to find its turns again.
    pub segmentation: Segmentation,
    /// The timed words, located in `text`.
    pub words: Vec<TimedWord>,
    /// What the reader should know (words that could not be placed).
    pub warnings: Vec<String>,
}

/// True when a JSON document looks like a transcription tool's (for telling formats apart by
/// content).
pub fn looks_like(text: &str) -> bool {
    let head: String = text.chars().take(4096).collect();
    head.trim_start().starts_with('{')
        && ["\"segments\"", "\"transcription\"", "\"monologues\""]
            .iter()
            .any(|k| text.contains(k))
}

#[derive(Deserialize)]
struct Segments {
    segments: Vec<Segment>,
}

#[derive(Deserialize)]
struct Segment {
    start: Option<f64>,
    #[serde(default)]
    text: String,
    speaker: Option<String>,
    #[serde(default)]
    words: Vec<SegWord>,
}

#[derive(Deserialize)]
struct SegWord {
    #[serde(default)]
    word: String,
    start: Option<f64>,
    end: Option<f64>,
    score: Option<f64>,
    probability: Option<f64>,
}

#[derive(Deserialize)]
struct Cpp {
    transcription: Vec<CppSegment>,
}

#[derive(Deserialize)]
struct CppSegment {
    offsets: CppOffsets,
    #[serde(default)]
    text: String,
    #[serde(default)]
    tokens: Vec<CppToken>,
}

#[derive(Deserialize)]
struct CppOffsets {
    from: u64,
    to: u64,
}

#[derive(Deserialize)]
struct CppToken {
    #[serde(default)]
    text: String,
    offsets: Option<CppOffsets>,
    p: Option<f64>,
}

#[derive(Deserialize)]
struct Rev {
    monologues: Vec<Monologue>,
}

#[derive(Deserialize)]
struct Monologue {
    speaker: Option<serde_json::Value>,
    speaker_name: Option<String>,
    #[serde(default)]
    elements: Vec<Element>,
}

#[derive(Deserialize)]
struct Element {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    value: String,
    ts: Option<f64>,
    end_ts: Option<f64>,
    confidence: Option<f64>,
}

/// A word as the tool gave it, before it is placed in the text.
struct Word {
    text: String,
    from_ms: u64,
    to_ms: u64,
    score: Option<f64>,
}

/// One segment in the tool's order.
struct Piece {
    start_ms: Option<u64>,
    speaker: Option<String>,
    text: String,
    words: Vec<Word>,
}

fn ms(secs: f64) -> Option<u64> {
    (secs.is_finite() && (0.0..1.0e7).contains(&secs)).then(|| (secs * 1000.0).round() as u64)
}

/// A piece of text on one line as normalising would leave it: composed, without control
/// characters, runs of white space as one space, trimmed.
fn clean(s: &str) -> String {
    let composed: String = s
        .nfc()
        .filter(|c| !matches!(c, '\u{feff}' | '\u{200b}'))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    composed.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn json_error(e: &serde_json::Error, what: &str) -> Malformed {
    Malformed(format!(
        "line {}, column {}: {what}: {e}",
        e.line(),
        e.column()
    ))
}

/// Reads a transcription tool's JSON.
pub fn read(text: &str) -> Result<Transcript, Malformed> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| json_error(&e, "not valid JSON"))?;
    let (tool, pieces) = if value.get("monologues").is_some() {
        let rev: Rev = serde_json::from_value(value)
            .map_err(|e| Malformed(format!("a Rev transcript, but {e}")))?;
        (Tool::Rev, rev_pieces(rev))
    } else if value.get("transcription").is_some() {
        let cpp: Cpp = serde_json::from_value(value)
            .map_err(|e| Malformed(format!("a whisper.cpp transcript, but {e}")))?;
        (Tool::WhisperCpp, cpp_pieces(cpp))
    } else if value.get("segments").is_some() {
        let s: Segments = serde_json::from_value(value)
            .map_err(|e| Malformed(format!("a Whisper transcript, but {e}")))?;
        let x = s
            .segments
            .iter()
            .any(|g| g.speaker.is_some() || g.words.iter().any(|w| w.score.is_some()));
        (
            if x { Tool::WhisperX } else { Tool::Whisper },
            segment_pieces(s),
        )
    } else {
        return Err(Malformed(
            "this JSON is not a transcript koda knows: it has no `segments` (Whisper, WhisperX), `transcription` (whisper.cpp) or `monologues` (Rev)".into(),
        ));
    };
    Ok(render(tool, merge(pieces)))
}

fn segment_pieces(s: Segments) -> Vec<Piece> {
    s.segments
        .into_iter()
        .map(|g| Piece {
            start_ms: g.start.and_then(ms),
            speaker: g.speaker.map(|s| clean(&s)).filter(|s| !s.is_empty()),
            text: g.text,
            words: g
                .words
                .into_iter()
                .filter_map(|w| {
                    Some(Word {
                        text: w.word,
                        from_ms: ms(w.start?)?,
                        to_ms: ms(w.end?)?,
                        score: w.score.or(w.probability),
                    })
                })
                .collect(),
        })
        .collect()
}

fn cpp_pieces(c: Cpp) -> Vec<Piece> {
    c.transcription
        .into_iter()
        .map(|g| {
            // Tokens are parts of words: a token that starts with a space starts a word;
            // special tokens (`[_BEG_]`, `<|endoftext|>`) are not text.
            let mut words: Vec<Word> = Vec::new();
            for t in g.tokens {
                let Some(o) = t.offsets else { continue };
                if t.text.starts_with("[_") || t.text.starts_with("<|") || t.text.is_empty() {
                    continue;
                }
                match words.last_mut() {
                    Some(w) if !t.text.starts_with(' ') => {
                        w.text.push_str(&t.text);
                        w.to_ms = o.to.max(w.to_ms);
                        w.score = match (w.score, t.p) {
                            (Some(a), Some(b)) => Some(a.min(b)),
                            (a, b) => a.or(b),
                        };
                    }
                    _ => words.push(Word {
                        text: t.text.trim_start().to_string(),
                        from_ms: o.from,
                        to_ms: o.to,
                        score: t.p,
                    }),
                }
            }
            Piece {
                start_ms: Some(g.offsets.from),
                speaker: None,
                text: g.text,
                words,
            }
        })
        .collect()
}

fn rev_pieces(r: Rev) -> Vec<Piece> {
    r.monologues
        .into_iter()
        .map(|m| {
            let speaker = m
                .speaker_name
                .map(|s| clean(&s))
                .filter(|s| !s.is_empty())
                .or_else(|| {
                    m.speaker.map(|v| match v {
                        serde_json::Value::String(s) => format!("Speaker {s}"),
                        other => format!("Speaker {other}"),
                    })
                });
            let mut text = String::new();
            let mut words = Vec::new();
            let mut start_ms = None;
            for e in m.elements {
                if e.kind == "text"
                    && let (Some(from), Some(to)) = (e.ts.and_then(ms), e.end_ts.and_then(ms))
                {
                    start_ms.get_or_insert(from);
                    words.push(Word {
                        text: e.value.clone(),
                        from_ms: from,
                        to_ms: to,
                        score: e.confidence,
                    });
                }
                text.push_str(&e.value);
            }
            Piece {
                start_ms,
                speaker,
                text,
                words,
            }
        })
        .collect()
}

/// Merges consecutive pieces of one speaker; pieces without a speaker stay apart.
fn merge(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    for p in pieces {
        if clean(&p.text).is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if p.speaker.is_some() && last.speaker == p.speaker => {
                last.text.push(' ');
                last.text.push_str(&p.text);
                last.words.extend(p.words);
                if last.start_ms.is_none() {
                    last.start_ms = p.start_ms;
                }
            }
            _ => out.push(p),
        }
    }
    out
}

fn render(tool: Tool, pieces: Vec<Piece>) -> Transcript {
    let mut text = String::new();
    let mut chars = 0usize;
    let mut words = Vec::new();
    let mut unplaced = 0usize;
    let mut speakers: Vec<String> = Vec::new();
    for p in pieces {
        let mut line = super::subtitles::stamp(p.start_ms.unwrap_or(0));
        line.push(' ');
        if let Some(s) = &p.speaker {
            line.push_str(s);
            line.push_str(": ");
            if !speakers.contains(s) {
                speakers.push(s.clone());
            }
        }
        let body = clean(&p.text);
        let body_at = chars + line.chars().count();
        // Each timed word is found in the turn's text after the word before it.
        let mut cursor = 0usize;
        for w in p.words {
            let needle = clean(&w.text);
            if needle.is_empty() {
                continue;
            }
            match body[cursor..].find(&needle) {
                Some(i) => {
                    let from = cursor + i;
                    let start = body_at + body[..from].chars().count();
                    words.push(TimedWord {
                        start,
                        end: start + needle.chars().count(),
                        from_ms: w.from_ms,
                        to_ms: w.to_ms.max(w.from_ms),
                        score: w.score.filter(|s| s.is_finite()),
                    });
                    cursor = from + needle.len();
                }
                None => unplaced += 1,
            }
        }
        line.push_str(&body);
        chars += line.chars().count() + 1;
        text.push_str(&line);
        text.push('\n');
    }
    let time = r"\[(?P<time>\d{2}:\d{2}:\d{2}\.\d{3})\]";
    let segmentation = if speakers.is_empty() {
        Segmentation::Pattern(time.into())
    } else {
        let names: Vec<String> = speakers.iter().map(|s| regex::escape(s)).collect();
        Segmentation::Pattern(format!("{time}(?: (?P<speaker>{}):)?", names.join("|")))
    };
    let mut warnings = Vec::new();
    if unplaced > 0 {
        warnings.push(format!(
            "{unplaced} timed words were not found in their segment's text and have no time"
        ));
    }
    Transcript {
        tool,
        text,
        segmentation,
        words,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_placed_in_the_text_with_their_times() {
        let t = read(r#"{"segments":[{"start":1.5,"end":3.0,"text":" Hei, og velkommen.","speaker":"SPEAKER_00","words":[{"word":"Hei,","start":1.5,"end":1.8,"score":0.91},{"word":"og","start":1.9,"end":2.0,"score":0.5},{"word":"velkommen.","start":2.1,"end":2.9,"score":0.88}]}]}"#).unwrap();
        assert_eq!(t.tool, Tool::WhisperX);
        assert_eq!(t.text, "[00:00:01.500] SPEAKER_00: Hei, og velkommen.\n");
        let slice = |w: &TimedWord| -> String {
            t.text.chars().skip(w.start).take(w.end - w.start).collect()
        };
        let got: Vec<(String, u64, Option<f64>)> = t
            .words
            .iter()
            .map(|w| (slice(w), w.from_ms, w.score))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Hei,".to_string(), 1500, Some(0.91)),
                ("og".to_string(), 1900, Some(0.5)),
                ("velkommen.".to_string(), 2100, Some(0.88)),
            ]
        );
    }

    #[test]
    fn json_that_is_not_a_transcript_is_refused_with_the_place() {
        let e = read("{\"segments\": [ {\"start\": 1.0, ").unwrap_err().0;
        assert!(e.starts_with("line 1, column"), "{e}");
        let e = read("{\"name\": \"x\"}").unwrap_err().0;
        assert!(e.contains("`segments`") && e.contains("Rev"), "{e}");
        let e = read("{\"segments\": 3}").unwrap_err().0;
        assert!(e.contains("Whisper transcript, but"), "{e}");
    }
}
