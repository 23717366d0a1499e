//! Text as a person sees it, shared by every front end and export: width in terminal columns
//! (wide CJK characters count two, combining marks none), padding and cutting to a width,
//! wrapping at spaces, and time stamps. Positions *in* a text are [`super::text`]'s business.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Columns `s` takes on a terminal.
pub fn width(s: &str) -> usize {
    s.width()
}

/// `s` padded with spaces to exactly `w` columns, whole graphemes only (cut when longer).
pub fn pad(s: &str, w: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let gw = g.width();
        if used + gw > w {
            break;
        }
        out.push_str(g);
        used += gw;
    }
    out.push_str(&" ".repeat(w - used));
    out
}

/// `s` in at most `w` columns, a cut marked with `…`.
pub fn cut(s: &str, w: usize) -> String {
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = pad(s, w.saturating_sub(1)).trim_end().to_string();
    out.push('…');
    out
}

/// `s` wrapped into lines of at most `w` columns, broken at spaces; a word longer than a line
/// is broken between graphemes. Never breaks inside a word that fits on a line of its own.
pub fn wrap(s: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let ww = word.width();
        let lw = line.width();
        if !line.is_empty() && lw + 1 + ww <= w {
            line.push(' ');
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if ww <= w {
            line.push_str(word);
            continue;
        }
        for g in word.graphemes(true) {
            if line.width() + g.width() > w {
                lines.push(std::mem::take(&mut line));
            }
            line.push_str(g);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Milliseconds as `hh:mm:ss`, with `.mmm` when there are milliseconds.
pub fn timestamp(ms: u64) -> String {
    let s = ms / 1000;
    let base = format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
    if ms.is_multiple_of(1000) {
        base
    } else {
        format!("{base}.{:03}", ms % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_padding_and_cuts_count_columns() {
        assert_eq!(width("blåbær"), 6);
        assert_eq!(width("会議"), 4);
        assert_eq!(pad("æøå", 5), "æøå  ");
        assert_eq!(pad("会議です", 5), "会議 ");
        assert_eq!(cut("familiekoordinatoren", 8), "familie…");
        assert_eq!(cut("kort", 8), "kort");
    }

    #[test]
    fn wrapping_breaks_at_spaces_not_inside_words() {
        assert_eq!(
            wrap("extend the selection by a word", 14),
            vec!["extend the", "selection by a", "word"]
        );
        assert_eq!(
            wrap("familiekoordinatoren", 8),
            vec!["familiek", "oordinat", "oren"]
        );
        assert_eq!(wrap("", 8), vec![""]);
        for l in wrap("Vi kjente familien godt før koordinatoren kom inn", 10) {
            assert!(width(&l) <= 10, "{l}");
        }
    }

    #[test]
    fn timestamps_format() {
        assert_eq!(timestamp(83_000), "00:01:23");
        assert_eq!(timestamp(3_723_500), "01:02:03.500");
    }
}
