//! Per-coder journals: append-only JSON Lines of coding and memo events.
//!
//! Each line is one [`Event`]. A line is acknowledged only after it is written whole and the
//! file is fsynced. Reading tolerates damage: a line that does not parse is reported with its
//! file and line number and skipped; a last line without its newline (a write torn by a crash)
//! is reported and skipped, and the next writer moves it aside into `.koda/recovered/` before
//! appending, so nothing is silently thrown away.

use crate::model::{Coding, MemoTarget, Pin};
use crate::store::fsio;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One event in a coder's journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op")]
pub enum Event {
    /// A coding was made.
    #[serde(rename = "coding.add")]
    CodingAdd(Coding),
    /// A coding (by any coder) was removed.
    #[serde(rename = "coding.remove")]
    CodingRemove {
        /// The coding's id.
        id: String,
        /// Who removed it.
        coder: String,
        /// When.
        at: String,
    },
    /// A coding was moved by a correction of its document's text (or confirmed after one).
    #[serde(rename = "coding.anchor")]
    CodingAnchor {
        /// The coding's id.
        id: String,
        /// New start.
        start: usize,
        /// New end.
        end: usize,
        /// Hash of the words now under the span.
        hash: String,
        /// The document revision the span refers to.
        rev: u32,
        /// True when the correction changed the coded words.
        stale: bool,
        /// Who edited.
        coder: String,
        /// When.
        at: String,
    },
    /// A document's text was corrected, making revision `rev`.
    #[serde(rename = "doc.edit")]
    DocEdit {
        /// The document's id.
        doc: String,
        /// The new revision.
        rev: u32,
        /// Who edited.
        coder: String,
        /// When.
        at: String,
    },
    /// A memo was written or edited (the newest text of an id wins).
    #[serde(rename = "memo.set")]
    MemoSet {
        /// The memo's id.
        id: String,
        /// What it is attached to.
        target: MemoTarget,
        /// Its text.
        text: String,
        /// Who wrote it.
        coder: String,
        /// When.
        at: String,
        /// The GUID of the REFI-QDA note it was imported from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        guid: Option<String>,
    },
    /// A memo was removed.
    #[serde(rename = "memo.remove")]
    MemoRemove {
        /// The memo's id.
        id: String,
        /// Who removed it.
        coder: String,
        /// When.
        at: String,
    },
    /// An excerpt was pinned for the report, or its place or report form changed.
    #[serde(rename = "pin.set")]
    PinSet {
        /// The pin.
        pin: Pin,
        /// When.
        at: String,
    },
    /// An excerpt was unpinned.
    #[serde(rename = "pin.remove")]
    PinRemove {
        /// The coding's id.
        coding: String,
        /// Who unpinned it.
        coder: String,
        /// When.
        at: String,
    },
}

impl Event {
    /// The event's time stamp, used to order events from several journals.
    pub fn at(&self) -> &str {
        match self {
            Event::CodingAdd(c) => &c.at,
            Event::CodingRemove { at, .. }
            | Event::MemoSet { at, .. }
            | Event::MemoRemove { at, .. }
            | Event::CodingAnchor { at, .. }
            | Event::DocEdit { at, .. }
            | Event::PinSet { at, .. }
            | Event::PinRemove { at, .. } => at,
        }
    }
}

const SUM: &str = ",\"sum\":\"";

fn checksum(line: &str) -> String {
    use sha2::Digest;
    crate::model::text::hex(&sha2::Sha256::digest(line.as_bytes())[..4])
}

/// Adds a checksum of the line's JSON as a last field, so a changed byte is detected on reading.
fn seal(line: &str) -> String {
    match line.strip_suffix('}') {
        Some(body) => format!("{body}{SUM}{}\"}}", checksum(line)),
        None => line.to_string(),
    }
}

/// Checks a line's checksum (lines written before checksums existed have none and pass).
fn verify(line: &str) -> std::result::Result<(), String> {
    let Some(pos) = line.rfind(SUM) else {
        return Ok(());
    };
    let rest = &line[pos + SUM.len()..];
    match rest.strip_suffix("\"}") {
        Some(sum) if sum.len() == 8 => {
            let original = format!("{}}}", &line[..pos]);
            if checksum(&original) == sum {
                Ok(())
            } else {
                Err("checksum mismatch: the line was changed after it was written".into())
            }
        }
        _ => Err("the checksum field is damaged".into()),
    }
}

/// A problem found while reading a journal; reading goes on past it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalIssue {
    /// The journal file.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub msg: String,
}

impl std::fmt::Display for JournalIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.msg)
    }
}

/// What reading a journal found.
#[derive(Debug, Default)]
pub struct JournalRead {
    /// The events that parsed, in file order.
    pub events: Vec<Event>,
    /// Damaged lines that were skipped.
    pub issues: Vec<JournalIssue>,
    /// Byte length of the intact part (everything up to the last newline).
    pub intact_len: u64,
    /// True when the file ends in a torn (unterminated) line.
    pub torn_tail: bool,
}

/// Reads a journal, skipping and reporting damaged lines. A missing file reads as empty.
pub fn read(path: &Path) -> Result<JournalRead> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(JournalRead::default()),
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut out = JournalRead::default();
    let intact = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    out.intact_len = intact as u64;
    for (i, raw) in bytes[..intact].split(|&b| b == b'\n').enumerate() {
        let line_no = i + 1;
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match std::str::from_utf8(raw)
            .map_err(|e| e.to_string())
            .and_then(|s| verify(s).map(|()| s))
            .and_then(|s| serde_json::from_str::<Event>(s).map_err(|e| e.to_string()))
        {
            Ok(ev) => out.events.push(ev),
            Err(e) => out.issues.push(JournalIssue {
                path: path.to_path_buf(),
                line: line_no,
                msg: format!("damaged line skipped ({e})"),
            }),
        }
    }
    // `split` yields one empty piece after the final newline; that is not a line.
    if intact < bytes.len() {
        let tail = &bytes[intact..];
        if !tail.iter().all(u8::is_ascii_whitespace) {
            out.torn_tail = true;
            out.issues.push(JournalIssue {
                path: path.to_path_buf(),
                line: bytes[..intact].iter().filter(|&&b| b == b'\n').count() + 1,
                msg: format!(
                    "incomplete last line ({} bytes, a write interrupted by a crash) skipped; it was never acknowledged",
                    tail.len()
                ),
            });
        }
    }
    Ok(out)
}

/// An open journal to which one coder's events are appended durably.
#[derive(Debug)]
pub struct JournalWriter {
    path: PathBuf,
    file: File,
}

impl JournalWriter {
    /// Opens (creating if needed) the journal at `path` for appending. A torn last line is
    /// first copied into `recovered_dir` and cut off, so new events start on a line of their own.
    pub fn open(path: &Path, recovered_dir: &Path) -> Result<JournalWriter> {
        fsio::refuse_link(path)?;
        let existed = path.exists();
        super::txn::before_append(path)?;
        if existed {
            let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
            let intact = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            if intact < bytes.len() {
                fsio::ensure_dir(recovered_dir)?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let stamp = crate::model::now().replace(':', "");
                let keep = recovered_dir.join(format!("{name}.{stamp}.torn"));
                fsio::write_atomic(&keep, &bytes[intact..])?;
                let f = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| Error::io(path, e))?;
                f.set_len(intact as u64).map_err(|e| Error::io(path, e))?;
                f.sync_all().map_err(|e| Error::io(path, e))?;
            }
        }
        let file = fsio::private_options()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        if !existed && let Some(dir) = path.parent() {
            fsio::sync_dir(dir)?;
        }
        Ok(JournalWriter {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends events as one write and fsyncs; when this returns `Ok`, they are durable.
    pub fn append(&mut self, events: &[Event]) -> Result<()> {
        let mut buf = String::new();
        for ev in events {
            let line = serde_json::to_string(ev)
                .map_err(|e| Error::invalid(format!("cannot serialise event: {e}")))?;
            buf.push_str(&seal(&line));
            buf.push('\n');
        }
        // A write that fails half-way (a full disk) is cut back off, so the journal ends as
        // it did before: the change is refused whole, never left torn.
        super::txn::before_append(&self.path)?;
        let before = self.file.metadata().map(|m| m.len()).ok();
        if fsio::would_crash("journal: half a line written") {
            let _ = self.file.write_all(&buf.as_bytes()[..buf.len() / 2]);
            fsio::die();
        }
        let written = self
            .file
            .write_all(buf.as_bytes())
            .and_then(|()| self.file.sync_data());
        fsio::crash_point("journal: appended");
        if let Err(e) = written {
            if let Some(len) = before {
                let _ = self.file.set_len(len);
                let _ = self.file.sync_data();
            }
            return Err(Error::io(&self.path, e));
        }
        Ok(())
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coding(id: &str) -> Event {
        Event::CodingAdd(Coding {
            id: id.into(),
            doc: "d".into(),
            start: 0,
            end: 3,
            hash: "h".into(),
            code: "c1".into(),
            coder: "anna".into(),
            at: "2026-01-01T00:00:00Z".into(),
            memo: None,
            batch: None,
            refi: None,
            rev: 0,
            stale: false,
        })
    }

    #[test]
    fn append_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("anna.jsonl");
        let mut w = JournalWriter::open(&p, &dir.path().join("rec")).unwrap();
        w.append(&[coding("x1"), coding("x2")]).unwrap();
        let r = read(&p).unwrap();
        assert_eq!(r.events, vec![coding("x1"), coding("x2")]);
        assert!(r.issues.is_empty());
        let text = fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("{\"op\":\"coding.add\""), "{text}");
    }

    #[test]
    fn torn_last_line_is_reported_skipped_and_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("anna.jsonl");
        let rec = dir.path().join("rec");
        let mut w = JournalWriter::open(&p, &rec).unwrap();
        w.append(&[coding("x1")]).unwrap();
        drop(w);
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"{\"op\":\"coding.add\",\"id\":\"x2\",\"do")
            .unwrap();
        let r = read(&p).unwrap();
        assert_eq!(r.events.len(), 1);
        assert!(r.torn_tail);
        assert_eq!(r.issues.len(), 1);
        assert!(
            r.issues[0].to_string().contains("anna.jsonl:2"),
            "{}",
            r.issues[0]
        );
        let mut w = JournalWriter::open(&p, &rec).unwrap();
        w.append(&[coding("x3")]).unwrap();
        let r = read(&p).unwrap();
        assert_eq!(r.events, vec![coding("x1"), coding("x3")]);
        assert!(r.issues.is_empty());
        let kept: Vec<_> = fs::read_dir(&rec).unwrap().collect();
        assert_eq!(kept.len(), 1, "the torn bytes are kept aside");
    }

    #[test]
    fn damaged_middle_line_is_skipped_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bo.jsonl");
        let good = serde_json::to_string(&coding("x1")).unwrap();
        fs::write(&p, format!("{good}\n{{garbage\n\n{good}\n")).unwrap();
        let r = read(&p).unwrap();
        assert_eq!(r.events.len(), 2);
        assert_eq!(r.issues.len(), 1);
        assert_eq!(r.issues[0].line, 2);
        assert!(!r.torn_tail);
    }

    #[test]
    fn a_flipped_byte_is_caught_by_the_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("anna.jsonl");
        let mut w = JournalWriter::open(&p, &dir.path().join("rec")).unwrap();
        w.append(&[coding("x1"), coding("x2"), coding("x3")])
            .unwrap();
        let text = fs::read_to_string(&p).unwrap();
        assert!(text.lines().all(|l| l.contains(",\"sum\":\"")), "{text}");
        // Change one character inside a string of the second line: still valid JSON.
        let damaged = text.replacen("\"id\":\"x2\"", "\"id\":\"x7\"", 1);
        fs::write(&p, damaged).unwrap();
        let r = read(&p).unwrap();
        assert_eq!(r.events, vec![coding("x1"), coding("x3")]);
        assert_eq!(r.issues.len(), 1);
        assert!(
            r.issues[0].msg.contains("checksum mismatch") && r.issues[0].line == 2,
            "{}",
            r.issues[0]
        );
        // Lines written before checksums existed are still read.
        let old = serde_json::to_string(&coding("x9")).unwrap();
        fs::write(&p, format!("{old}\n")).unwrap();
        assert_eq!(read(&p).unwrap().events, vec![coding("x9")]);
    }

    #[test]
    fn missing_journal_reads_empty() {
        let r = read(Path::new("/nonexistent/koda/x.jsonl")).unwrap();
        assert!(r.events.is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        #[test]
        fn no_bytes_make_the_journal_reader_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400), good in 0usize..3) {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("x.jsonl");
            let mut content = Vec::new();
            for i in 0..good {
                content.extend(seal(&serde_json::to_string(&coding(&format!("x{i}"))).unwrap()).as_bytes());
                content.push(b'\n');
            }
            content.extend(&bytes);
            fs::write(&p, &content).unwrap();
            let r = read(&p).unwrap();
            // The intact lines before the noise are always kept, in order.
            let expected: Vec<Event> = (0..good).map(|i| coding(&format!("x{i}"))).collect();
            proptest::prop_assert!(r.events.len() >= good);
            proptest::prop_assert_eq!(&r.events[..good], &expected[..]);
            let mut w = JournalWriter::open(&p, &dir.path().join("rec")).unwrap();
            w.append(&[coding("after")]).unwrap();
            let again = read(&p).unwrap();
            proptest::prop_assert!(again.events.iter().any(|e| matches!(e, Event::CodingAdd(c) if c.id == "after")));
        }
    }
}
