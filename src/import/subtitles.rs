//! Subtitles from automatic transcription (Teams, Zoom, Whisper): WebVTT and SubRip.
//!
//! Cues become speaker turns with their start times: the speaker comes from a voice tag
//! (`<v Kari>`) or a `Name:` prefix, styling tags are removed, cue settings ignored, and
//! consecutive cues of one speaker are merged into one turn. The result is written as a plain
//! transcript (`[00:01:23.500] Kari: …`) so that it reads and codes like any other.

use regex::Regex;
use std::sync::LazyLock;

static TIMING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})",
    )
    .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});
static VOICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<v(?:\.[^ >]*)?\s+([^>]+)>").unwrap_or_else(|e| unreachable!("static regex: {e}"))
});
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<[^>]*>").unwrap_or_else(|e| unreachable!("static regex: {e}")));
/// A speaker's name before the words of a cue: capitalised words or numbers (`Kari Nordmann:`,
/// `Speaker 2:`), never a sentence (`Hide these tags:`).
static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^-?\s*(\p{Lu}[\p{L}\p{N}'’.\-]*(?: (?:\p{Lu}[\p{L}\p{N}'’.\-]*|\p{N}+)){0,3}):\s+")
        .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});
/// SubStation override tags that SubRip files carry over (`{\an8}`, `{\i1}`).
static ASS_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\\[^}]*\}").unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

fn millis(t: &str) -> Option<u64> {
    let t = t.replace(',', ".");
    let (hms, frac) = t.split_once('.')?;
    super::text::parse_timestamp(hms, Some(frac))
}

/// A time stamp as koda writes it: `[00:01:23.500]`.
pub(crate) fn stamp(ms: u64) -> String {
    let s = ms / 1000;
    format!(
        "[{:02}:{:02}:{:02}.{:03}]",
        s / 3600,
        (s / 60) % 60,
        s % 60,
        ms % 1000
    )
}

struct Cue {
    start: u64,
    speaker: Option<String>,
    text: String,
}

fn cue_text(lines: &[&str]) -> (Option<String>, String) {
    let joined = lines.join("\n");
    let voice = VOICE.captures(&joined).map(|c| c[1].trim().to_string());
    let plain = TAG.replace_all(&joined, "");
    let plain = ASS_TAG.replace_all(&plain, "");
    let plain = plain
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ");
    let mut text: Vec<String> = plain
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let mut speaker = voice;
    if speaker.is_none()
        && let Some(first) = text.first_mut()
        && let Some(c) = PREFIX.captures(first)
    {
        speaker = Some(c[1].to_string());
        let rest = first[c.get(0).map_or(0, |m| m.end())..].to_string();
        *first = rest;
    }
    text.retain(|l| !l.is_empty());
    (speaker, text.join(" "))
}

fn render(cues: Vec<Cue>) -> String {
    let mut out = String::new();
    let mut current: Option<(u64, Option<String>, String)> = None;
    let flush = |out: &mut String, c: Option<(u64, Option<String>, String)>| {
        if let Some((start, speaker, text)) = c {
            out.push_str(&stamp(start));
            out.push(' ');
            if let Some(s) = speaker {
                out.push_str(&s);
                out.push_str(": ");
            }
            out.push_str(&text);
            out.push('\n');
        }
    };
    for cue in cues {
        if cue.text.is_empty() {
            continue;
        }
        match &mut current {
            Some((_, speaker, text)) if cue.speaker.is_some() && *speaker == cue.speaker => {
                text.push(' ');
                text.push_str(&cue.text);
            }
            _ => {
                flush(&mut out, current.take());
                current = Some((cue.start, cue.speaker, cue.text));
            }
        }
    }
    flush(&mut out, current);
    out
}

/// Parses cues from subtitle text: blocks separated by blank lines, each with a timing line.
/// A cue that cannot be read is left out with a warning naming its line, or, when `strict`,
/// refuses the file.
fn cues(
    text: &str,
    vtt: bool,
    strict: bool,
    warnings: &mut Vec<String>,
) -> Result<Vec<Cue>, String> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines = text.lines().enumerate().peekable();
    if vtt {
        match lines.next() {
            Some((_, l)) if l.trim_start_matches('\u{feff}').starts_with("WEBVTT") => {}
            _ => return Err("line 1: a WebVTT file must start with WEBVTT".into()),
        }
        // The header's own lines (`Kind: captions`, `Language: en`) run to the first blank line.
        while lines.peek().is_some_and(|(_, l)| !l.trim().is_empty()) {
            lines.next();
        }
    }
    let mut out = Vec::new();
    let mut block: Vec<(usize, &str)> = Vec::new();
    let mut blocks: Vec<Vec<(usize, &str)>> = Vec::new();
    for (i, l) in lines.by_ref() {
        if l.trim().is_empty() {
            if !block.is_empty() {
                blocks.push(std::mem::take(&mut block));
            }
        } else {
            block.push((i + 1, l));
        }
    }
    if !block.is_empty() {
        blocks.push(block);
    }
    for b in blocks {
        let first = b[0].1.trim();
        if vtt
            && (first.starts_with("NOTE")
                || first.starts_with("STYLE")
                || first.starts_with("REGION"))
        {
            continue;
        }
        if b.iter()
            .all(|(_, l)| l.trim().chars().all(|c| c.is_ascii_digit()))
        {
            continue;
        }
        match cue(&b) {
            Ok(c) => out.push(c),
            Err(e) if strict => return Err(e),
            Err(e) => warnings.push(format!("{e}; the cue was left out")),
        }
    }
    Ok(out)
}

/// One cue block: its timing line and its text.
fn cue(b: &[(usize, &str)]) -> Result<Cue, String> {
    let Some(t) = b.iter().position(|(_, l)| l.contains("-->")) else {
        return Err(format!(
            "line {}: a cue without a timing line (expected 00:00:01.000 --> 00:00:04.000)",
            b[0].0
        ));
    };
    let (line_no, timing) = b[t];
    let c = TIMING.captures(timing).ok_or_else(|| {
        format!(
            "line {line_no}: cue timing {:?} is not understood",
            timing.trim()
        )
    })?;
    let start =
        millis(&c[1]).ok_or_else(|| format!("line {line_no}: bad start time {:?}", &c[1]))?;
    let end = millis(&c[2]).ok_or_else(|| format!("line {line_no}: bad end time {:?}", &c[2]))?;
    if end < start {
        return Err(format!("line {line_no}: the cue ends before it starts"));
    }
    let payload: Vec<&str> = b[t + 1..].iter().map(|(_, l)| *l).collect();
    let (speaker, text) = cue_text(&payload);
    Ok(Cue {
        start,
        speaker,
        text,
    })
}

/// A subtitle file read as a transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subtitles {
    /// The transcript (`[00:01:23.500] Kari: …` per turn).
    pub text: String,
    /// Cues left out, each naming its line.
    pub warnings: Vec<String>,
}

/// Reads WebVTT (`vtt`) or SubRip; a broken cue is left out with a warning, or refuses the
/// file when `strict`.
pub fn read(text: &str, vtt: bool, strict: bool) -> Result<Subtitles, super::Malformed> {
    let mut warnings = Vec::new();
    let cues = cues(text, vtt, strict, &mut warnings)?;
    if cues.is_empty() && !warnings.is_empty() {
        return Err(super::Malformed(format!(
            "no cue could be read: {}",
            warnings.join("; ")
        )));
    }
    Ok(Subtitles {
        text: render(cues),
        warnings,
    })
}

/// A WebVTT file as a transcript, refusing any cue it cannot read.
pub fn vtt(text: &str) -> Result<String, super::Malformed> {
    read(text, true, true).map(|s| s.text)
}

/// A SubRip file as a transcript, refusing any cue it cannot read.
pub fn srt(text: &str) -> Result<String, super::Malformed> {
    read(text, false, true).map(|s| s.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webvtt_voices_styling_settings_and_merging() {
        let v = "WEBVTT\n\nNOTE made by Teams\n\n1\n00:00:01.000 --> 00:00:03.500 align:start position:10%\n<v Kari Nordmann>Hei, <b>velkommen</b>.</v>\n\n00:00:03.600 --> 00:00:05.000\n<v Kari Nordmann>Skal vi starte?\n\n00:00:05.100 --> 00:00:07.000\n<v.loud Ola>Ja &amp; gjerne.\n\n00:01:07.250 --> 00:01:09.000\nIntervjuer: Takk.\n";
        assert_eq!(
            vtt(v).unwrap(),
            "[00:00:01.000] Kari Nordmann: Hei, velkommen. Skal vi starte?\n[00:00:05.100] Ola: Ja & gjerne.\n[00:01:07.250] Intervjuer: Takk.\n"
        );
    }

    #[test]
    fn subrip_separators_prefixes_and_tags() {
        let s = "1\r\n00:00:01,000 --> 00:00:02,000\r\n<i>Intervjuer:</i> Hvordan gikk det?\r\n\r\n2\r\n00:00:02.500 --> 00:00:04.000\r\n- Forelder: Bra, <font color=\"red\">takk</font>.\r\n\r\n3\r\n00:00:04,100 --> 00:00:05,000\r\nForelder: Veldig bra.\r\n";
        assert_eq!(
            srt(s).unwrap(),
            "[00:00:01.000] Intervjuer: Hvordan gikk det?\n[00:00:02.500] Forelder: Bra, takk. Veldig bra.\n"
        );
    }

    #[test]
    fn time_stamps_too_large_for_any_recording_are_refused_not_wrapped() {
        // Found by fuzzing: hours that overflow milliseconds.
        let v = "WEBVTTT\n\n00:01.000 --> 0000000000000000000000000000053491973699054251:00:01.00050 \n";
        assert!(vtt(v).unwrap_err().0.contains("line 3"), "{:?}", vtt(v));
        let s = "1\n18446744073709551:00:00,000 --> 18446744073709551:00:01,000\nKari: Hei.\n";
        assert!(srt(s).unwrap_err().0.contains("line 2"), "{:?}", srt(s));
        assert_eq!(millis("1:02:03.5"), Some(3_723_500));
        assert_eq!(
            millis("00:00:01,00050"),
            Some(1000),
            "digits below a millisecond"
        );
        assert_eq!(millis("5124095576030431:00:00.000"), None);
        assert_eq!(millis("307445734561825860:00.000"), None);
    }

    #[test]
    fn broken_timings_name_the_line() {
        assert!(vtt("no header\n").unwrap_err().0.starts_with("line 1"));
        let e = srt("1\n00:00:01,000 -> 00:00:02,000\nHei\n").unwrap_err();
        assert!(
            e.0.starts_with("line 1: a cue without a timing line"),
            "{e}"
        );
        let e = srt("1\n00:00:05,000 --> 00:00:02,000\nHei\n").unwrap_err();
        assert!(
            e.0.contains("line 2") && e.0.contains("ends before it starts"),
            "{e}"
        );
    }
}
