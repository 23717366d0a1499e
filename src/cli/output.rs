//! Text formatting shared by the subcommands: tables, time stamps, quotes.

pub use crate::model::display::{pad, timestamp, width};

/// Cuts `s` to at most `max` columns, marking a cut with `…`.
pub fn ellipsize(s: &str, max: usize) -> String {
    crate::model::display::cut(s, max)
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
