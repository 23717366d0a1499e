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
    /// The researcher's editor (a shell command such as `$EDITOR`), opened on a draft kept
    /// inside the project's private folder, never in a system temporary folder.
    Editor(&'a str),
}

/// Replaces a document's text with a corrected one.
pub fn correct(session: &mut Session, doc: &str, from: Source<'_>) -> Result<EditReport> {
    let id = session.project().find_doc(doc)?.id.clone();
    let text = match from {
        Source::File(f) => read_utf8(f)?,
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
