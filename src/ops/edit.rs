//! Correcting a transcript: the whole text (from a file or the researcher's editor) or one
//! turn in place. Codings follow their words through the change; those whose words changed are
//! flagged for a look ([`crate::store::edit`]).

use crate::store::edit::EditReport;
use crate::store::{PRIVATE_DIR, Session, fsio};
use crate::{Error, Result};
use std::path::Path;

/// Where the corrected text comes from.
#[derive(Debug, Clone)]
pub enum Source<'a> {
    /// A UTF-8 file holding the whole corrected text.
    File(&'a Path),
    /// A corrected file read as an import reads it (text, Word, subtitles, a transcription
    /// tool's JSON): `koda docs replace`.
    Imported(&'a Path),
    /// The researcher's editor (a shell command such as `$EDITOR`), opened on a draft kept
    /// inside the project's private folder, never in a system temporary folder.
    Editor(&'a str),
}

/// Replaces a document's text with a corrected one.
pub fn correct(session: &mut Session, doc: &str, from: Source<'_>) -> Result<EditReport> {
    let id = session.project().find_doc(doc)?.id.clone();
    let text = match from {
        Source::File(f) => read_utf8(f)?,
        Source::Imported(f) => {
            let kind = session.project().find_doc(&id)?.kind;
            crate::import::prepare(f, Some(kind))?.text
        }
        Source::Editor(editor) => {
            let dir = session.project().root().join(PRIVATE_DIR).join("edit");
            fsio::ensure_dir(&dir)?;
            let draft = dir.join(format!("{id}.txt"));
            fsio::write_atomic(&draft, session.project().text(&id)?.as_bytes())?;
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("{editor} \"$1\""))
                .arg("koda-edit")
                .arg(&draft)
                .status()
                .map_err(|e| Error::invalid(format!("cannot start the editor {editor:?}: {e}")));
            let text = read_utf8(&draft);
            let _ = std::fs::remove_file(&draft);
            let status = status?;
            if !status.success() {
                return Err(Error::invalid(format!(
                    "the editor {editor:?} failed ({status}); nothing was changed"
                )));
            }
            text?
        }
    };
    session.edit_document(&id, &text)
}

/// What re-dividing a document into turns did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resegmented {
    /// The document's id.
    pub doc: String,
    /// How many turns it had.
    pub before: usize,
    /// How many it has now.
    pub after: usize,
    /// Its speakers now, with their turn counts.
    pub speakers: Vec<(String, usize)>,
    /// Speakers mapped to a case that no longer speak in it (their mapping is kept).
    pub unheard: Vec<String>,
}

/// Finds a document's turns and speakers again, the way `how` says. The text does not change,
/// so every coding stays exactly where it is; `koda undo` brings the old turns back.
pub fn resegment(
    session: &mut Session,
    doc: &str,
    how: &crate::model::Segmentation,
) -> Result<Resegmented> {
    let d = session.project().find_doc(doc)?.clone();
    let before = session.project().turns(&d.id)?.len();
    let text = session.project().text(&d.id)?.to_string();
    let parsed = crate::import::text::segment(text, how).map_err(|m| Error::invalid(m.0))?;
    let speakers = crate::model::speaker_turns(&parsed.turns);
    let unheard = d
        .speaker_cases
        .keys()
        .filter(|l| !parsed.speakers.contains(l))
        .cloned()
        .collect();
    let after = parsed.turns.len();
    session.set_turns(&d.id, how.clone(), parsed.turns)?;
    Ok(Resegmented {
        doc: d.id,
        before,
        after,
        speakers,
        unheard,
    })
}

/// Replaces the chars `start..end` of a document (a turn's text, say) with `replacement`.
pub fn correct_span(
    session: &mut Session,
    doc: &str,
    (start, end): (usize, usize),
    replacement: &str,
) -> Result<EditReport> {
    let text = session.project().text(doc)?;
    let idx = crate::model::text::CharIndex::new(&text);
    let new = format!(
        "{}{}{}",
        idx.slice(&text, 0, start),
        replacement,
        idx.slice(&text, end, idx.len())
    );
    session.edit_document(doc, &new)
}

fn read_utf8(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    crate::import::text::decode_utf8(&bytes).map_err(|m| Error::Import {
        path: path.to_path_buf(),
        msg: m.0,
    })
}
