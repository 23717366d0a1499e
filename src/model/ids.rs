//! Identifiers: random ids for codes, codings and memos, and readable slugs for documents.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use unicode_normalization::UnicodeNormalization;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new id: `prefix` followed by 12 hex digits that are unique with overwhelming probability
/// (48 random bits, seeded per process by the standard library's random hasher keys, mixed with
/// the clock and a counter). Ids never carry meaning, so renaming or merging never changes them.
pub fn new_id(prefix: &str) -> String {
    let mut h = RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    h.write_u128(nanos);
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    format!("{prefix}{:012x}", h.finish() & 0xffff_ffff_ffff)
}

/// The GUID koda gives a thing of `kind` (`code`, `source`, `coding`, …) with koda id `id` in
/// a REFI-QDA export when it has none of its own: a SHA-256 of kind and id shaped as
/// 8-4-4-4-12, so exporting the same project twice gives the same GUIDs, and an import of
/// koda's own export finds the things it came from.
pub fn refi_guid(kind: &str, id: &str) -> String {
    let h = crate::model::text::sha256_hex(format!("koda:{kind}:{id}").as_bytes());
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Whether two GUIDs are the same (REFI-QDA allows either case and optional braces).
pub fn same_guid(a: &str, b: &str) -> bool {
    let t = |s: &str| {
        s.trim()
            .trim_matches(|c| c == '{' || c == '}')
            .to_ascii_lowercase()
    };
    !a.trim().is_empty() && t(a) == t(b)
}

/// A lowercase ASCII slug of a title for use as a document id and file name:
/// `Foreldreintervju 04 (bølge 2)` becomes `foreldreintervju-04-bolge-2`.
///
/// ```
/// assert_eq!(koda::model::ids::slug("Fokusgruppe Kristiansand, bølge 2"), "fokusgruppe-kristiansand-bolge-2");
/// ```
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.nfd() {
        let mapped: Option<&str> = match c {
            'æ' | 'Æ' => Some("ae"),
            'ø' | 'Ø' => Some("o"),
            'ß' => Some("ss"),
            _ => None,
        };
        if let Some(m) = mapped {
            out.push_str(m);
        } else if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if unicode_normalization::char::is_combining_mark(c) {
            // accents are dropped: "é" -> "e"
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut s: String = out.trim_matches('-').chars().take(48).collect();
    while s.ends_with('-') {
        s.pop();
    }
    if s.is_empty() { "document".into() } else { s }
}

/// Checks that a document id can name its files: 1 to 100 ASCII letters, digits, `-`, `_` and
/// `.`, not starting with `.`, so it never holds a path separator or `..` and never leaves
/// `sources/`. An id is a name, never a path.
pub fn check_doc_id(id: &str) -> Result<(), String> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if id.is_empty() || id.len() > 100 || id.starts_with('.') || !id.chars().all(ok_char) {
        return Err(format!(
            "{id:?} is not a document id koda accepts (1–100 letters, digits, '-', '_' or '.', not starting with '.')"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_id_is_never_a_path() {
        for bad in [
            "../cases", "../names", "/tmp/x", "a/b", "a\\b", "..", ".hidden", "", "x\0y",
        ] {
            assert!(check_doc_id(bad).is_err(), "{bad:?} accepted");
        }
        for good in [
            "intervju-4",
            "fokusgruppe-kristiansand-bolge-2",
            "doc_1.r2",
            "document",
        ] {
            assert!(check_doc_id(good).is_ok(), "{good:?} refused");
        }
        assert!(check_doc_id(&slug("../../etc/passwd")).is_ok());
    }

    #[test]
    fn ids_are_unique_and_prefixed() {
        let a = new_id("x");
        let b = new_id("x");
        assert_ne!(a, b);
        assert!(a.starts_with('x'));
        assert_eq!(a.len(), 13);
    }

    #[test]
    fn slugs_are_ascii_and_readable() {
        assert_eq!(
            slug("Foreldreintervju 04 (bølge 2)"),
            "foreldreintervju-04-bolge-2"
        );
        assert_eq!(slug("Ærlig talt – café"), "aerlig-talt-cafe");
        assert_eq!(slug("  ***  "), "document");
        assert_eq!(slug("Blåbær"), "blabaer");
    }
}
