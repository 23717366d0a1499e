//! Text formatting shared by the subcommands: tables, time stamps, quotes.

use unicode_segmentation::UnicodeSegmentation;

/// Formats milliseconds as `hh:mm:ss` (with `.mmm` when there are milliseconds).
pub fn timestamp(ms: u64) -> String {
    let s = ms / 1000;
    let base = format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
    if ms.is_multiple_of(1000) {
        base
    } else {
        format!("{base}.{:03}", ms % 1000)
    }
}

/// Cuts `s` to at most `max` graphemes, marking a cut with `…`.
pub fn ellipsize(s: &str, max: usize) -> String {
    let g: Vec<&str> = s.graphemes(true).collect();
    if g.len() <= max {
        s.to_string()
    } else {
        let mut out: String = g[..max.saturating_sub(1)].concat();
        out.push('…');
        out
    }
}

/// Display width of `s` in graphemes (good enough for the alphabets of the material).
pub fn width(s: &str) -> usize {
    s.graphemes(true).count()
}

/// Pads `s` with spaces to `w` graphemes.
pub fn pad(s: &str, w: usize) -> String {
    let n = width(s);
    if n >= w {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

/// Renders rows as aligned columns separated by two spaces; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (i, cell) in r.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(width(cell));
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>| -> String {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                l.push_str(&pad(c, widths[i]));
                l.push_str("  ");
            }
        }
        l.trim_end().to_string()
    };
    out.push_str(&line(header.to_vec()));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// Indents every line of `s` by `n` spaces.
pub fn indent(s: &str, n: usize) -> String {
    let pre = " ".repeat(n);
    s.lines()
        .map(|l| format!("{pre}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_format() {
        assert_eq!(timestamp(83_000), "00:01:23");
        assert_eq!(timestamp(3_723_500), "01:02:03.500");
    }

    #[test]
    fn ellipsis_and_tables() {
        assert_eq!(ellipsize("blåbærsyltetøy", 6), "blåbæ…");
        assert_eq!(ellipsize("kort", 6), "kort");
        let t = table(
            &["id", "title"],
            &[
                vec!["a".into(), "Første".into()],
                vec!["bbb".into(), "x".into()],
            ],
        );
        assert_eq!(t, "id   title\na    Første\nbbb  x\n");
        assert_eq!(indent("a\nb", 2), "  a\n  b");
    }
}
