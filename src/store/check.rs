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
//! - `sources/<id>.json` (a document's metadata and turns): one check over the whole file,
//!   on the line after its opening brace.
//!
//! A file without any check (written by hand, or by an older koda) is read as it is. In a file
//! that has checks, an entry without one, or one that does not match, is refused with the
//! file, the entry and what to do. [`accept`] seals files that were changed on purpose.
//!
//! The check is the first 32 hex digits of SHA-256 over the entry's compact JSON without it.

use crate::model::text::sha256_hex;
use crate::store::{CASES_FILE, CODEBOOK_FILE, SOURCES_DIR};
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
    /// One check in each element of the array or object under this key.
    Entries(&'static str),
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
        CODEBOOK_FILE => Some(Seal::Entries("codes")),
        CASES_FILE => Some(Seal::Entries("cases")),
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
            for entry in entries_mut(&mut v, under) {
                if let Value::Object(o) = entry {
                    o.remove(KEY);
                    let compact = serde_json::to_vec(&*o).unwrap_or_default();
                    o.insert(KEY.into(), Value::String(digest(&compact)));
                }
            }
            let mut text = serde_json::to_string_pretty(&v)
                .map_err(|e| Error::invalid(format!("cannot seal {}: {e}", path.display())))?;
            text.push('\n');
            Ok(text.into_bytes())
        }
    }
}

fn entries_mut<'a>(v: &'a mut Value, under: &str) -> Vec<&'a mut Value> {
    match v.get_mut(under) {
        Some(Value::Array(a)) => a.iter_mut().collect(),
        Some(Value::Object(o)) => o.values_mut().collect(),
        _ => Vec::new(),
    }
}

fn entries<'a>(v: &'a Value, under: &str) -> Vec<(String, &'a Value)> {
    match v.get(under) {
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, e)| (label(e).unwrap_or_else(|| format!("number {}", i + 1)), e))
            .collect(),
        Some(Value::Object(o)) => o.iter().map(|(k, e)| (format!("{k:?}"), e)).collect(),
        _ => Vec::new(),
    }
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
pub fn verify(path: &Path, bytes: &[u8]) -> Result<()> {
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
            let list = entries(&v, under);
            if !list.iter().any(|(_, e)| e.get(KEY).is_some()) {
                return Ok(());
            }
            let what = if under == "codes" { "code" } else { "case" };
            for (name, e) in list {
                let Value::Object(o) = e else { continue };
                let mut o = o.clone();
                let found = o.remove(KEY);
                let compact = serde_json::to_vec(&o).unwrap_or_default();
                let problem = match found {
                    None => {
                        "has no checksum, though the others have: it was added outside koda, or its checksum was damaged"
                    }
                    Some(Value::String(s)) if s == digest(&compact) => continue,
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
    if verify(path, &bytes).is_ok() && has_checks(path, &bytes) {
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
    crate::store::fsio::write_atomic(path, &seal(path, text.into_bytes())?)?;
    Ok(true)
}

fn has_checks(path: &Path, bytes: &[u8]) -> bool {
    match seal_of(path) {
        Some(Seal::Whole) => bytes.starts_with(format!("{{\n  \"{KEY}\": \"").as_bytes()),
        Some(Seal::Entries(under)) => serde_json::from_slice::<Value>(bytes)
            .map(|v| entries(&v, under).iter().all(|(_, e)| e.get(KEY).is_some()))
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
}
