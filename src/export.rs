//! Exports: theme summaries, tidy excerpt tables, matrices, memos and the codebook as files
//! researchers paste into reports or load into R, pandas and Excel.
//!
//! Each export is built as bytes in memory by a pure function of the [`Project`](crate::store::Project) and written by
//! [`write_file`]: to a temp file beside the target, then renamed, so a failed export never
//! leaves half a file, and an existing file is only replaced when asked.

pub mod html;
pub mod labels;
pub mod leak;
pub mod privacy;
pub mod qdpx;
pub mod quote;
pub mod report;
pub mod summary;
pub mod tables;
pub(crate) mod xml;

use crate::store::fsio;
use crate::{Error, Result};
use std::path::Path;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Markdown.
    Markdown,
    /// A self-contained HTML page.
    Html,
    /// JSON.
    Json,
    /// CSV (RFC 4180, UTF-8).
    Csv,
    /// A Word document.
    Docx,
}

impl Format {
    /// Parses a format name (`md`, `markdown`, `html`, `json`, `csv`).
    pub fn parse(s: &str) -> Result<Format> {
        match s.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Ok(Format::Markdown),
            "html" | "htm" => Ok(Format::Html),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "docx" => Ok(Format::Docx),
            other => Err(Error::invalid(format!(
                "unknown format {other:?}: use md, html, json, csv or docx"
            ))),
        }
    }

    /// The format a file name's extension asks for, if it names one.
    pub fn from_path(path: &Path) -> Option<Format> {
        path.extension()
            .and_then(|e| Format::parse(&e.to_string_lossy()).ok())
    }

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Docx => "docx",
        }
    }
}

/// Writes an export to `path` atomically. An existing file is an error unless `force`.
/// On any error nothing is left at `path` (an old file stays as it was).
pub fn write_file(path: &Path, bytes: &[u8], force: bool) -> Result<()> {
    if path.exists() && !force {
        return Err(Error::invalid(format!(
            "{} already exists; add --force to replace it",
            path.display()
        )));
    }
    if path.is_dir() {
        return Err(Error::invalid(format!("{} is a folder", path.display())));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(Error::invalid(format!(
            "cannot write {}: the folder {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    fsio::write_atomic(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_names_and_paths() {
        assert_eq!(Format::parse("MD").unwrap(), Format::Markdown);
        assert!(Format::parse("pdf").is_err());
        assert_eq!(Format::from_path(Path::new("a/b.html")), Some(Format::Html));
        assert_eq!(Format::from_path(Path::new("b.txt")), None);
    }

    #[test]
    fn write_file_refuses_to_overwrite_and_leaves_nothing_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.md");
        write_file(&p, b"one", false).unwrap();
        assert!(
            write_file(&p, b"two", false)
                .unwrap_err()
                .to_string()
                .contains("--force")
        );
        write_file(&p, b"two", true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let missing = dir.path().join("nope").join("x.md");
        assert!(write_file(&missing, b"x", false).is_err());
        assert!(!missing.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }
}
