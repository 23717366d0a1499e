//! Checksums in the project's snapshot files, so that a damaged file is refused instead of
//! being taken as the truth.
//!
//! A flipped bit that keeps a file valid JSON (a renamed code, a changed parent, a changed
//! attribute) would otherwise be read as if the researcher had made that change. koda writes a
//! `"check"` into these files and verifies it on every read:
//!
//! - `codebook.json` and `cases.json`: one check in **each code and each case**, over that
//!   entry alone. Two copies of a project that changed different codes still merge cleanly
//!   line by line (in git, say), because no check covers more than its own entry.
//! - `sources/<id>.json` (a document's metadata and turns), `koda.json` and each coder's undo
//!   history in `.koda/history/`: one check over the whole file, on the line after its
//!   opening brace.
//!
//! A file without any check (written by hand, or by an older koda) is read as it is. In a file
//! that has checks, an entry without one, or one that does not match, is refused with the
//! file, the entry and what to do. [`accept`] seals files that were changed on purpose.
//!
//! The check is the first 32 hex digits of SHA-256 over the entry's compact JSON without it.

use crate::model::text::sha256_hex;
use crate::store::{CASES_FILE, CODEBOOK_FILE, CONFIG_FILE, SOURCES_DIR};
use crate::{Error, Result};
use serde_json::Value;
use std::path::Path;

/// The key of a check.
const KEY: &str = "check";
/// How many hex digits a check keeps (128 bits).
const DIGITS: usize = 32;

/// How a file kind carries its checks.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Seal {
    /// One check in each element of the arrays or objects under these keys, which are the
    /// only keys the file holds.
    Entries(&'static [&'static str]),
    /// One check over the whole file.
    Whole,
}

/// The seal the file at `path` carries, by its name and folder.
fn seal_of(path: &Path) -> Option<Seal> {
    let name = path.file_name()?.to_str()?;
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str());
    match name {
        CODEBOOK_FILE => Some(Seal::Entries(&["codes", "retired", "relations", "sets"])),
        CASES_FILE => Some(Seal::Entries(&["cases"])),
        CONFIG_FILE => Some(Seal::Whole),
        // A coder's undo history: a damaged one would undo the wrong change.
        _ if parent == Some("history")
            && name.ends_with(".json")
            && path
                .parent()
                .and_then(Path::parent)
                .and_then(|p| p.file_name())
                .is_some_and(|n| n == crate::store::PRIVATE_DIR) =>
        {
            Some(Seal::Whole)
        }
        _ if parent == Some(SOURCES_DIR)
            && name.ends_with(".json")
            && !name.starts_with('.')
            && !name.ends_with(crate::store::project::WORDS_SUFFIX) =>
        {
            Some(Seal::Whole)
        }
        _ => None,
    }
}

fn digest(bytes: &[u8]) -> String {
    let mut h = sha256_hex(bytes);
    h.truncate(DIGITS);
    h
}

/// The bytes to write for the pretty JSON `pretty` at `path`: with its checks when the file
/// kind has them, unchanged otherwise.
pub fn seal(path: &Path, pretty: Vec<u8>) -> Result<Vec<u8>> {
    match seal_of(path) {
        None => Ok(pretty),
        Some(Seal::Whole) => {
            let Some(rest) = pretty.strip_prefix(b"{\n") else {
                return Ok(pretty);
            };
            if rest.starts_with(b"}") {
                return Ok(pretty);
            }
            let mut out = Vec::with_capacity(pretty.len() + 64);
            out.extend_from_slice(b"{\n");
            out.extend_from_slice(format!("  \"{KEY}\": \"{}\",\n", digest(&pretty)).as_bytes());
            out.extend_from_slice(rest);
            Ok(out)
        }
        Some(Seal::Entries(under)) => {
            let mut v: Value = serde_json::from_slice(&pretty)
                .map_err(|e| Error::invalid(format!("cannot seal {}: {e}", path.display())))?;
            for (key, entry) in entries_mut(&mut v, under) {
                if let Value::Object(o) = entry {
                    o.remove(KEY);
                    let sum = entry_digest(key.as_deref(), o);
                    o.insert(KEY.into(), Value::String(sum));
                }
            }
            let mut text = serde_json::to_string_pretty(&v)
                .map_err(|e| Error::invalid(format!("cannot seal {}: {e}", path.display())))?;
            text.push('\n');
            Ok(text.into_bytes())
        }
    }
}

/// The check of one entry: over its compact JSON without the check, and over its key when
/// the entries are an object's values (a case's name is its key).
fn entry_digest(key: Option<&str>, o: &serde_json::Map<String, Value>) -> String {
    let mut bytes = Vec::new();
    if let Some(k) = key {
        bytes.extend_from_slice(k.as_bytes());
        bytes.push(0);
    }
    bytes.extend_from_slice(&serde_json::to_vec(o).unwrap_or_default());
    digest(&bytes)
}

/// The entries under each key of `under`, with their key when they are an object's values.
fn entries_mut<'a>(v: &'a mut Value, under: &[&str]) -> Vec<(Option<String>, &'a mut Value)> {
    let mut out = Vec::new();
    let Value::Object(top) = v else {
        return out;
    };
    for (k, list) in top.iter_mut() {
        if !under.contains(&k.as_str()) {
            continue;
        }
        match list {
            Value::Array(a) => out.extend(a.iter_mut().map(|e| (None, e))),
            Value::Object(o) => out.extend(o.iter_mut().map(|(k, e)| (Some(k.clone()), e))),
            _ => {}
        }
    }
    out
}

/// Each entry under `under` with the name it is reported by and its key, if any.
fn entries<'a>(v: &'a Value, under: &[&str]) -> Vec<(String, Option<&'a str>, &'a Value)> {
    let mut out = Vec::new();
    let Value::Object(top) = v else {
        return out;
    };
    for (k, list) in top {
        if !under.contains(&k.as_str()) {
            continue;
        }
        match list {
            Value::Array(a) => out.extend(a.iter().enumerate().map(|(i, e)| {
                (
                    label(e).unwrap_or_else(|| format!("number {}", i + 1)),
                    None,
                    e,
                )
            })),
            Value::Object(o) => out.extend(
                o.iter()
                    .map(|(k, e)| (format!("{k:?}"), Some(k.as_str()), e)),
            ),
            _ => {}
        }
    }
    out
}

fn label(e: &Value) -> Option<String> {
    let name = e.get("name")?.as_str()?;
    Some(format!("{name:?}"))
}

/// What to do about a file whose check fails.
fn advice(path: &Path) -> String {
    format!(
        "koda does not use a damaged file. Restore {} from a backup or another copy of the project (git, a coder's copy); if it was changed on purpose outside koda, `koda doctor --accept` seals it as it is",
        path.display()
    )
}

/// Verifies the checks of the file at `path` read as `bytes`; an error names the entry.
///
/// `koda.json` is left to [`settings_problem`]: it holds the settings a researcher edits by
/// hand, so a change to it is said on every command rather than refused.
pub fn verify(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.file_name().is_some_and(|n| n == CONFIG_FILE) {
        return Ok(());
    }
    verify_sealed(path, bytes)
}

/// What is wrong with `koda.json` in the project at `root`, if its check does not hold.
pub fn settings_problem(root: &Path) -> Option<String> {
    let path = root.join(CONFIG_FILE);
    let bytes = std::fs::read(&path).ok()?;
    verify_sealed(&path, &bytes).err()?;
    Some(format!(
        "{} does not match its checksum (line 2): it was edited by hand, or damaged. koda uses it as it is; if you edited it, check it and run `koda doctor --accept`; if not, restore it from .koda/backup or another copy of the project",
        path.display()
    ))
}

fn verify_sealed(path: &Path, bytes: &[u8]) -> Result<()> {
    match seal_of(path) {
        None => Ok(()),
        Some(Seal::Whole) => {
            let head = format!("{{\n  \"{KEY}\": \"");
            let Some(rest) = bytes.strip_prefix(head.as_bytes()) else {
                // No check: a file written by hand or by an older koda.
                return Ok(());
            };
            let ok = rest.len() > DIGITS + 3 && &rest[DIGITS..DIGITS + 3] == b"\",\n";
            let matches = ok && {
                let want = &rest[..DIGITS];
                let mut body = Vec::with_capacity(bytes.len());
                body.extend_from_slice(b"{\n");
                body.extend_from_slice(&rest[DIGITS + 3..]);
                digest(&body).as_bytes() == want
            };
            if matches {
                Ok(())
            } else {
                Err(Error::Corrupt {
                    path: path.to_path_buf(),
                    msg: format!(
                        "its content does not match its checksum (line 2): it was damaged, or changed outside koda. {}",
                        advice(path)
                    ),
                })
            }
        }
        Some(Seal::Entries(under)) => {
            let Ok(v) = serde_json::from_slice::<Value>(bytes) else {
                // Not JSON at all: the parser names the place.
                return Ok(());
            };
            // A file written by hand or by an older koda has no check anywhere.
            let key = format!("\"{KEY}\"");
            if !bytes.windows(key.len()).any(|w| w == key.as_bytes()) {
                return Ok(());
            }
            let damaged = |msg: String| Error::Corrupt {
                path: path.to_path_buf(),
                msg: format!("{msg}. {}", advice(path)),
            };
            // A damaged key outside the entries would empty a whole list without a word.
            match &v {
                Value::Object(top) => {
                    if let Some(k) = top.keys().find(|k| !under.contains(&k.as_str())) {
                        return Err(Error::Corrupt {
                            path: path.to_path_buf(),
                            msg: format!(
                                "it holds {k:?}, which koda does not write there (only {}): it was damaged, or changed outside koda. Restore it from a backup or another copy of the project, or correct that key by hand and run `koda doctor --accept`",
                                under.join(" and ")
                            ),
                        });
                    }
                }
                _ => return Err(damaged("it is not a JSON object".into())),
            }
            let what = if under.contains(&"codes") {
                "code"
            } else {
                "case"
            };
            for (name, key, e) in entries(&v, under) {
                let Value::Object(o) = e else {
                    return Err(damaged(format!("{what} {name} is not a JSON object")));
                };
                let mut o = o.clone();
                let found = o.remove(KEY);
                let problem = match found {
                    None => {
                        "has no checksum, though the others have: it was added outside koda, or its checksum was damaged"
                    }
                    Some(Value::String(s)) if s == entry_digest(key, &o) => continue,
                    Some(_) => {
                        "does not match its checksum: it was damaged, or changed outside koda"
                    }
                };
                return Err(Error::Corrupt {
                    path: path.to_path_buf(),
                    msg: format!("{what} {name} {problem}. {}", advice(path)),
                });
            }
            Ok(())
        }
    }
}

/// Seals the file at `path` as it now is (after a change made on purpose outside koda);
/// whether it was rewritten. Files without checks, or whose checks hold, are left alone.
pub fn accept(path: &Path) -> Result<bool> {
    if seal_of(path).is_none() || !path.is_file() {
        return Ok(false);
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if verify_sealed(path, &bytes).is_ok() && has_checks(path, &bytes) {
        return Ok(false);
    }
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
        path: path.to_path_buf(),
        msg: format!("line {}, column {}: {e}", e.line(), e.column()),
    })?;
    let mut v = v;
    if let Value::Object(o) = &mut v {
        o.remove(KEY);
    }
    let mut text = serde_json::to_string_pretty(&v)
        .map_err(|e| Error::invalid(format!("cannot seal {}: {e}", path.display())))?;
    text.push('\n');
    let sealed = seal(path, text.into_bytes())?;
    // What sealing cannot make whole (a key koda does not write) is refused, not sealed in.
    verify_sealed(path, &sealed)?;
    crate::store::fsio::write_atomic(path, &sealed)?;
    Ok(true)
}

fn has_checks(path: &Path, bytes: &[u8]) -> bool {
    match seal_of(path) {
        Some(Seal::Whole) => bytes.starts_with(format!("{{\n  \"{KEY}\": \"").as_bytes()),
        Some(Seal::Entries(under)) => serde_json::from_slice::<Value>(bytes)
            .map(|v| {
                entries(&v, under)
                    .iter()
                    .all(|(_, _, e)| e.get(KEY).is_some())
            })
            .unwrap_or(false),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fsio;

    #[test]
    fn a_changed_code_is_refused_by_name_and_a_resealed_file_is_read() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(CODEBOOK_FILE);
        let mut cb = crate::model::Codebook::default();
        cb.add("trust/personal", "", None).unwrap();
        cb.add("timing", "Når hjelpen kom", None).unwrap();
        fsio::write_json(&p, &cb).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(text.matches("\"check\"").count(), 3, "{text}");
        let back: crate::model::Codebook = fsio::read_json(&p).unwrap();
        assert_eq!(back, cb);
        // One letter of a description changed, the JSON still valid.
        std::fs::write(&p, text.replace("Når hjelpen kom", "Når hjelpen kim")).unwrap();
        let err = fsio::read_json::<crate::model::Codebook>(&p)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("codebook.json")
                && err.contains("code \"timing\"")
                && err.contains("doctor --accept"),
            "{err}"
        );
        assert!(accept(&p).unwrap());
        let back: crate::model::Codebook = fsio::read_json(&p).unwrap();
        assert_eq!(back.codes[2].description, "Når hjelpen kim");
        assert!(!accept(&p).unwrap(), "a sealed file is left alone");
    }

    #[test]
    fn a_document_file_is_checked_whole_and_a_file_without_checks_is_read() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join(SOURCES_DIR);
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("i.json");
        let v = serde_json::json!({"id": "i", "turns": [{"number": 1, "start": 0}]});
        fsio::write_json(&p, &v).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("{\n  \"check\": \""), "{text}");
        assert_eq!(fsio::read_json::<Value>(&p).unwrap()["id"], "i");
        std::fs::write(&p, text.replace("\"start\": 0", "\"start\": 8")).unwrap();
        let err = fsio::read_json::<Value>(&p).unwrap_err().to_string();
        assert!(err.contains("i.json") && err.contains("checksum"), "{err}");
        // Written by hand, without a check: read as it is.
        std::fs::write(&p, "{\"id\": \"i\"}").unwrap();
        assert_eq!(fsio::read_json::<Value>(&p).unwrap()["id"], "i");
    }

    #[test]
    fn a_damaged_list_key_empties_nothing_and_is_not_sealed_in() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(CODEBOOK_FILE);
        let mut cb = crate::model::Codebook::default();
        cb.add("timing", "", None).unwrap();
        fsio::write_json(&p, &cb).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        // One flipped bit in "codes" would otherwise read as an empty codebook.
        let damaged = text.replace("\"codes\"", "\"codez\"");
        std::fs::write(&p, &damaged).unwrap();
        let err = fsio::read_json::<crate::model::Codebook>(&p)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"codez\"") && err.contains("only codes and retired"),
            "{err}"
        );
        assert!(accept(&p).is_err());
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            damaged,
            "nothing sealed in"
        );
    }
}
