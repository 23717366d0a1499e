//! Import: turning files into normalised documents with speaker turns.
//!
//! One module per format turns bytes into a [`Prepared`] document; nothing here writes to the
//! project (that is [`crate::store::Session::import`]), so a failed import changes nothing.

pub mod decode;
pub mod docx;
pub mod qdpx;
pub mod subtitles;
pub mod text;

use crate::model::text::{char_len, normalise, sha256_hex};
use crate::model::{DocKind, Origin, Turn};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// A document read and parsed, ready to be added to a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The file it came from.
    pub path: PathBuf,
    /// Title (the file name without extension unless given).
    pub title: String,
    /// Document type, given or guessed.
    pub kind: DocKind,
    /// True when the type was guessed rather than given.
    pub kind_guessed: bool,
    /// The normalised text.
    pub text: String,
    /// Speaker turns (or paragraphs).
    pub turns: Vec<Turn>,
    /// Distinct speakers in order of appearance.
    pub speakers: Vec<String>,
    /// Where it came from.
    pub origin: Origin,
}

/// Formats koda can import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text or Markdown in UTF-8.
    Text,
}

impl Format {
    /// Picks the format from a file's extension.
    pub fn from_path(path: &Path) -> Result<Format> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "txt" | "md" | "text" | "markdown" => Ok(Format::Text),
            "" => Err(Error::Import {
                path: path.to_path_buf(),
                msg:
                    "the file has no extension, so its format is unknown; koda imports .txt and .md"
                        .into(),
            }),
            other => Err(Error::Import {
                path: path.to_path_buf(),
                msg: format!(
                    "cannot import .{other} files yet; koda imports .txt and .md (save the transcript as plain text)"
                ),
            }),
        }
    }
}

/// Reads and parses one file. Nothing is written anywhere.
pub fn prepare(path: &Path, kind: Option<DocKind>) -> Result<Prepared> {
    let format = Format::from_path(path)?;
    let bytes = std::fs::read(path).map_err(|e| Error::Import {
        path: path.to_path_buf(),
        msg: format!("cannot read: {e}"),
    })?;
    let raw = match format {
        Format::Text => text::decode_utf8(&bytes).map_err(|msg| Error::Import {
            path: path.to_path_buf(),
            msg,
        })?,
    };
    let normalised = normalise(&raw);
    if normalised.trim().is_empty() {
        return Err(Error::Import {
            path: path.to_path_buf(),
            msg: "the file holds no text".into(),
        });
    }
    let parsed = text::parse(&normalised);
    let (kind, kind_guessed) = match kind {
        Some(k) => (k, false),
        None => (guess_kind(path, &parsed.speakers), true),
    };
    let title = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "document".into());
    debug_assert_eq!(char_len(&normalised), char_len(&parsed.text));
    Ok(Prepared {
        path: path.to_path_buf(),
        title,
        kind,
        kind_guessed,
        text: parsed.text,
        turns: parsed.turns,
        speakers: parsed.speakers,
        origin: Origin {
            file: path
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            format: "text".into(),
            sha256: sha256_hex(&bytes),
        },
    })
}

/// Guesses the type from the file name, then from the speakers.
fn guess_kind(path: &Path, speakers: &[String]) -> DocKind {
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if ["fokus", "focus"].iter().any(|w| name.contains(w)) {
        DocKind::FocusGroup
    } else if [
        "felt",
        "field",
        "notat",
        "note",
        "observasjon",
        "observation",
    ]
    .iter()
    .any(|w| name.contains(w))
    {
        DocKind::FieldNote
    } else if ["intervju", "interview"].iter().any(|w| name.contains(w)) {
        DocKind::Interview
    } else if speakers.is_empty() {
        DocKind::FieldNote
    } else if speakers.len() >= 4 {
        DocKind::FocusGroup
    } else {
        DocKind::Interview
    }
}

/// Expands folders into the importable files they hold (sorted, not recursing into hidden
/// folders), keeping files as given.
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            if found.is_empty() {
                return Err(Error::Import {
                    path: p.clone(),
                    msg: "the folder holds no .txt or .md files".into(),
                });
            }
            out.extend(found);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(Error::Import {
                path: p.clone(),
                msg: "no such file or folder".into(),
            });
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else if Format::from_path(&path).is_ok() {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_guessed_from_names_then_speakers() {
        let p = Path::new;
        assert_eq!(guess_kind(p("fokusgruppe-1.txt"), &[]), DocKind::FocusGroup);
        assert_eq!(
            guess_kind(p("feltnotat.txt"), &["A".into()]),
            DocKind::FieldNote
        );
        assert_eq!(guess_kind(p("x.txt"), &[]), DocKind::FieldNote);
        let four: Vec<String> = ["A", "B", "C", "D"]
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        assert_eq!(guess_kind(p("x.txt"), &four), DocKind::FocusGroup);
        assert_eq!(guess_kind(p("x.txt"), &four[..2]), DocKind::Interview);
    }

    #[test]
    fn unsupported_formats_are_named() {
        let err = Format::from_path(Path::new("a/b.docx"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("b.docx") && err.contains(".docx"), "{err}");
        assert!(Format::from_path(Path::new("x.TXT")).is_ok());
    }

    #[test]
    fn prepare_reports_bad_bytes_with_place() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("latin1.txt");
        std::fs::write(&p, b"Hei\nHvordan g\xe5r det?\n").unwrap();
        let err = prepare(&p, None).unwrap_err().to_string();
        assert!(err.contains("latin1.txt"), "{err}");
        assert!(err.contains("line 2"), "{err}");
        let e = dir.path().join("empty.txt");
        std::fs::write(&e, "\n \n").unwrap();
        assert!(
            prepare(&e, None)
                .unwrap_err()
                .to_string()
                .contains("no text")
        );
    }
}
