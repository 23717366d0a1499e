//! PDF: the text layer, page by page.
//!
//! Text comes from `pdf-extract`. Pages are joined with a blank line; a word hyphenated at a
//! line end (`koordi-` / `natoren`, both sides lower-case) is joined again. A PDF whose pages
//! hold no text at all is a scan without a text layer and is refused, not imported empty;
//! pages without text in an otherwise readable PDF are named in a warning.

/// Text read from a PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfText {
    /// The text of every page, joined.
    pub text: String,
    /// Number of pages.
    pub pages: usize,
    /// Warnings (pages without text).
    pub warnings: Vec<String>,
}

/// Reads the text layer of a PDF.
pub fn read(bytes: &[u8]) -> Result<PdfText, super::Malformed> {
    if !bytes.starts_with(b"%PDF-") {
        return Err("not a PDF file (it does not start with %PDF-)".into());
    }
    let pages = crate::contain_panic(|| pdf_extract::extract_text_from_mem_by_pages(bytes))
        .ok_or_else(|| "the PDF is damaged or uses features koda cannot read; export its text as .txt and import that".to_string())?
        .map_err(|e| format!("cannot read the PDF: {e}"))?;
    if pages.is_empty() {
        return Err("the PDF has no pages".into());
    }
    let empty: Vec<usize> = pages
        .iter()
        .enumerate()
        .filter(|(_, t)| t.trim().is_empty())
        .map(|(i, _)| i + 1)
        .collect();
    if empty.len() == pages.len() {
        return Err(super::Malformed(format!(
            "the PDF's {} page(s) hold no text layer: it looks like a scan; run it through OCR (text recognition) and import the result",
            pages.len()
        )));
    }
    let mut warnings = Vec::new();
    if !empty.is_empty() {
        warnings.push(format!(
            "page(s) {} hold no text (scanned images?) and were left out",
            empty
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let text = pages
        .iter()
        .map(|p| dehyphenate(p.trim_matches(|c: char| c == '\n' || c == '\r' || c == ' ')))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    Ok(PdfText {
        text,
        pages: pages.len(),
        warnings,
    })
}

/// Joins words hyphenated at a line end: `-` + newline between two lower-case letters.
fn dehyphenate(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '-'
            && chars.get(i + 1) == Some(&'\n')
            && i > 0
            && chars[i - 1].is_lowercase()
            && chars.get(i + 2).is_some_and(|c| c.is_lowercase())
        {
            i += 2;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_end_hyphens_between_lower_case_letters_are_joined() {
        assert_eq!(dehyphenate("koordi-\nnatoren"), "koordinatoren");
        assert_eq!(dehyphenate("NAV-\nkontoret"), "NAV-\nkontoret");
        assert_eq!(dehyphenate("barne- og\nungdom"), "barne- og\nungdom");
        assert_eq!(dehyphenate("slutt-\n"), "slutt-\n");
    }

    #[test]
    fn non_pdfs_and_broken_pdfs_are_refused() {
        assert!(read(b"hello").unwrap_err().0.contains("not a PDF"));
        let err = read(b"%PDF-1.4\n1 0 obj << >> endobj\n").unwrap_err();
        assert!(err.0.contains("PDF"), "{err}");
    }
}
