//! Laying a transcript out as screen lines: turns wrapped at the window width.
//!
//! Pure functions of the document and a width, so that rendering, cursor movement and mouse
//! hits agree on where every character is.

use crate::model::Turn;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// One screen line of the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisualLine {
    /// Turn number (1-based).
    pub turn: usize,
    /// True for the first screen line of its turn (where the speaker is shown).
    pub first: bool,
    /// First char (document offset).
    pub start: usize,
    /// Just past the last char shown (document offset, excluding the line break).
    pub end: usize,
    /// 1-based line of the normalised text the screen line starts on.
    pub text_line: usize,
}

/// Lays out every turn of a document at `width` columns of text, in one pass over the text.
pub fn layout(turns: &[Turn], text: &str, width: usize) -> Vec<VisualLine> {
    let width = width.max(10);
    let mut out = Vec::new();
    let mut text_line = 1;
    // Walk the text once: (char, byte) position reached so far.
    let (mut char_at, mut byte_at) = (0usize, 0usize);
    let advance_to = |c: usize,
                      char_at: &mut usize,
                      byte_at: &mut usize,
                      text_line: &mut usize|
     -> Option<usize> {
        if c < *char_at {
            return None;
        }
        let want = c - *char_at;
        let rest = &text[*byte_at..];
        let mut seen = 0;
        let mut b = None;
        for (i, ch) in rest.char_indices() {
            if seen == want {
                b = Some(i);
                break;
            }
            if ch == '\n' {
                *text_line += 1;
            }
            seen += 1;
        }
        let b = match b {
            Some(b) => b,
            None if seen == want => rest.len(),
            None => return None,
        };
        *byte_at += b;
        *char_at = c;
        Some(*byte_at)
    };
    for t in turns {
        let Some(bs) = advance_to(t.start, &mut char_at, &mut byte_at, &mut text_line) else {
            continue;
        };
        let turn_line = text_line;
        let Some(be) = advance_to(t.end, &mut char_at, &mut byte_at, &mut text_line) else {
            continue;
        };
        let body = &text[bs..be];
        let mut line_no = turn_line;
        let mut char_pos = t.start;
        let mut first = true;
        if body.is_empty() {
            out.push(VisualLine {
                turn: t.number,
                first: true,
                start: t.start,
                end: t.start,
                text_line: line_no,
            });
            continue;
        }
        for (li, line) in body.split('\n').enumerate() {
            if li > 0 {
                line_no += 1;
                char_pos += 1; // the newline
            }
            let pieces = wrap_line(line, width, char_pos);
            for &(start, end) in &pieces {
                out.push(VisualLine {
                    turn: t.number,
                    first,
                    start,
                    end,
                    text_line: line_no,
                });
                first = false;
            }
            char_pos = pieces.last().map_or(char_pos, |p| p.1);
        }
    }
    out
}

/// Breaks one line (no line breaks in it) into pieces of at most `width` display columns,
/// after a space where there is one and between graphemes where a word is wider than the
/// line: the char ranges of the pieces, counted from `from`. An empty line is one empty piece.
pub fn wrap_line(line: &str, width: usize, from: usize) -> Vec<(usize, usize)> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut col = 0;
    let mut line_start = from;
    let mut last_break: Option<(usize, usize)> = None; // (char pos after the space, col there)
    let mut pos = from;
    for g in line.graphemes(true) {
        let w = g.width().max(usize::from(!g.trim().is_empty()));
        let n = g.chars().count();
        if col + w > width && col > 0 {
            let (cut, cut_col) = match last_break {
                Some((p, c)) if p > line_start => (p, c),
                _ => (pos, col),
            };
            out.push((line_start, cut));
            col -= cut_col;
            line_start = cut;
            last_break = None;
        }
        pos += n;
        col += w;
        if g.chars().all(char::is_whitespace) {
            last_break = Some((pos, col));
        }
    }
    out.push((line_start, pos));
    out
}

/// `text` wrapped at `width` display columns (see [`wrap_line`]), each line a string; line
/// breaks of the text start new lines.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.split('\n') {
        let chars: Vec<char> = line.chars().collect();
        for (i, (a, b)) in wrap_line(line, width, 0).into_iter().enumerate() {
            let piece: String = chars[a..b].iter().collect();
            // A line broken at a space neither ends nor (after the first) starts with it.
            let piece = if i == 0 {
                piece.trim_end()
            } else {
                piece.trim()
            };
            out.push(piece.to_string());
        }
    }
    out
}

/// The index of the screen line holding char `c` (the last line starting at or before it).
pub fn line_of(lines: &[VisualLine], c: usize) -> usize {
    let i = lines.partition_point(|l| l.start <= c);
    i.saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::text::parse;
    use crate::model::text::slice_chars;

    fn turns(text: &str) -> Vec<Turn> {
        parse(text).turns
    }

    #[test]
    fn wraps_at_spaces_and_keeps_every_char() {
        let text = "Intervjuer: Hvordan gikk det med barnehagen?\nForelder: Bra.\nLinje to.\nIntervjuer: Takk.\n";
        let lines = layout(&turns(text), text, 16);
        let shown: Vec<&str> = lines
            .iter()
            .map(|l| slice_chars(text, l.start, l.end))
            .collect();
        assert_eq!(
            shown,
            vec![
                "Hvordan gikk ",
                "det med ",
                "barnehagen?",
                "Bra.",
                "Linje to.",
                "Takk."
            ]
        );
        assert!(lines[0].first && !lines[1].first && lines[3].first);
        assert_eq!(lines[3].text_line, 2);
        assert_eq!(lines[4].text_line, 3);
        assert_eq!(line_of(&lines, lines[1].start + 2), 1);
    }

    #[test]
    fn wrapped_text_splits_no_word() {
        let text = "Vi kjente familien fra før, så det gikk fort å få tillit igjen.";
        for width in [8, 12, 17, 30] {
            let lines = wrap(text, width);
            assert_eq!(lines.join(" "), text, "at {width}");
            for l in &lines {
                assert!(l.width() <= width, "{l:?} at {width}");
            }
        }
        assert_eq!(wrap(text, 18)[1], "familien fra før,");
        // Wide characters count by their display width; a word wider than the line is cut.
        assert!(wrap("東京東京東京 ok", 6).iter().all(|l| l.width() <= 6));
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
    }

    #[test]
    fn wide_and_combining_graphemes() {
        let text = "A: æøå 👍🏽 e\u{301}e\u{301}e\u{301} 東京東京東京\nB: x\n";
        let d = turns(text);
        let lines = layout(&d, text, 10);
        for l in &lines {
            let s = slice_chars(text, l.start, l.end);
            assert!(s.width() <= 10, "{s:?}");
            assert!(
                !s.starts_with('\u{301}'),
                "a combining mark never starts a line: {s:?}"
            );
        }
        let total: usize = lines
            .iter()
            .filter(|l| l.turn == 1)
            .map(|l| l.end - l.start)
            .sum();
        assert_eq!(total, d[0].end - d[0].start);
    }
}
