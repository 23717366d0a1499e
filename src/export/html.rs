//! HTML helpers: escaping and a self-contained page with koda's report style.

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:Georgia,'Times New Roman',serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.5}\
h1,h2,h3,h4,h5,h6{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;line-height:1.2}\
h1{border-bottom:2px solid #ddd;padding-bottom:.3rem}\
.meta{color:#666;font-size:.9rem}\
.desc{font-style:italic;color:#444}\
blockquote{margin:1rem 0;padding:.5rem 1rem;border-left:4px solid var(--c,#999);background:#fafafa}\
blockquote p{margin:.2rem 0}\
.attr{color:#555;font-size:.9rem}\
table{border-collapse:collapse;margin:1rem 0;font-family:system-ui,sans-serif;font-size:.9rem}\
th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}\
th{background:#f3f3f3}\
td.n{text-align:right;font-variant-numeric:tabular-nums}\
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.4em;vertical-align:baseline}\
.memo{background:#fffbe6;border:1px solid #f0e2a0;padding:.4rem .8rem;margin:.5rem 0;font-size:.95rem}";

/// Wraps a body in a complete, self-contained HTML page.
pub fn page(title: &str, lang: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(lang),
        esc(title)
    )
}

/// Renders a table with a header row; cells are escaped.
pub fn table(header: &[String], rows: &[Vec<String>], numeric_from: usize) -> String {
    let mut out = String::from("<table>\n<thead><tr>");
    for h in header {
        out.push_str(&format!("<th>{}</th>", esc(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        out.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            if i >= numeric_from {
                out.push_str(&format!("<td class=\"n\">{}</td>", esc(c)));
            } else {
                out.push_str(&format!("<td>{}</td>", esc(c)));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<b>\"Kari\" & 'Ola'</b>"),
            "&lt;b&gt;&quot;Kari&quot; &amp; &#39;Ola&#39;&lt;/b&gt;"
        );
        let p = page("A & B", "no", "<p>x</p>\n");
        assert!(p.contains("<title>A &amp; B</title>") && p.contains("<html lang=\"no\">"));
    }
}
