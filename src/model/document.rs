//! Documents: imported transcripts and notes, split into speaker turns.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// What kind of material a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocKind {
    /// A one-to-one (or one-to-few) interview.
    Interview,
    /// A focus group with several participants.
    FocusGroup,
    /// Field notes, usually without speakers.
    FieldNote,
    /// Anything else.
    Other,
}

impl DocKind {
    /// The kebab-case name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Interview => "interview",
            DocKind::FocusGroup => "focus-group",
            DocKind::FieldNote => "field-note",
            DocKind::Other => "other",
        }
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DocKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "interview" => Ok(DocKind::Interview),
            "focus-group" | "focusgroup" => Ok(DocKind::FocusGroup),
            "field-note" | "fieldnote" | "field-notes" => Ok(DocKind::FieldNote),
            "other" => Ok(DocKind::Other),
            _ => Err(format!(
                "unknown document type {s:?}: use interview, focus-group, field-note or other"
            )),
        }
    }
}

/// One speaker turn (or, in notes without speakers, one paragraph).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    /// 1-based number of the turn in its document; this is what `--turn N` and exports cite.
    pub number: usize,
    /// The speaker label as written in the transcript, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    /// Time stamp of the turn in milliseconds from the start of the recording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<u64>,
    /// 1-based line of the normalised text on which the turn starts.
    pub line: usize,
    /// Char offset where the spoken text starts (after any time stamp and speaker label).
    pub start: usize,
    /// Char offset just past the end of the turn's text.
    pub end: usize,
}

/// Where a document came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The imported file's name (the name only; folders are not recorded).
    pub file: String,
    /// The format it was read as (`text`).
    pub format: String,
    /// SHA-256 of the original bytes.
    pub sha256: String,
}

/// An imported document: its metadata and turn structure. The text itself is stored beside it
/// in `sources/<id>.txt` and never changes after import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Stable id, also the file name under `sources/`.
    pub id: String,
    /// Human title (by default the imported file's name without extension).
    pub title: String,
    /// What kind of material it is.
    pub kind: DocKind,
    /// The case (participant, family, site) it belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// Import order, used to list documents as they were added.
    pub seq: u64,
    /// Distinct speakers in order of first appearance.
    pub speakers: Vec<String>,
    /// The turns, in order, covering the text.
    pub turns: Vec<Turn>,
    /// Length of the normalised text in chars.
    pub chars: usize,
    /// SHA-256 of the normalised text, checked whenever the text is read.
    pub text_sha256: String,
    /// How often the text was corrected after import (0: as imported). The text of revision N
    /// is `sources/<id>.txt` for 0 and `sources/<id>.r<N>.txt` after that.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub revision: u32,
    /// Where the document came from.
    pub origin: Origin,
    /// When it was imported (RFC 3339, UTC).
    pub imported_at: String,
    /// Free-form metadata (interview date, interviewer, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// Speaker labels mapped to cases (`Forelder 2` → `P02`): a turn by a mapped speaker
    /// belongs to that case instead of the document's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub speaker_cases: BTreeMap<String, String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Document {
    /// The file name of this document's current text under `sources/`.
    pub fn text_file(&self) -> String {
        text_file(&self.id, self.revision)
    }

    /// The turn with 1-based number `n`.
    pub fn turn(&self, n: usize) -> Option<&Turn> {
        n.checked_sub(1).and_then(|i| self.turns.get(i))
    }

    /// The case a turn belongs to: its speaker's case when the speaker is mapped, else the
    /// document's.
    pub fn case_of_turn(&self, turn: &Turn) -> Option<&str> {
        turn.speaker
            .as_ref()
            .and_then(|s| self.speaker_cases.get(s))
            .or(self.case.as_ref())
            .map(String::as_str)
    }

    /// The case of the turn holding char offset `c`.
    pub fn case_at(&self, c: usize) -> Option<&str> {
        match self.turn_at(c) {
            Some(t) => self.case_of_turn(t),
            None => self.case.as_deref(),
        }
    }

    /// Every case the document's turns belong to, sorted.
    pub fn all_cases(&self) -> std::collections::BTreeSet<&str> {
        let mut out: std::collections::BTreeSet<&str> = self
            .turns
            .iter()
            .filter_map(|t| self.case_of_turn(t))
            .collect();
        out.extend(self.case.as_deref());
        out
    }

    /// The turn containing char offset `c` (or the last turn starting before it).
    pub fn turn_at(&self, c: usize) -> Option<&Turn> {
        let idx = self.turns.partition_point(|t| t.start <= c);
        if idx == 0 {
            self.turns.first()
        } else {
            self.turns.get(idx - 1)
        }
    }
}

/// The file name of a document's text at a revision.
pub fn text_file(id: &str, revision: u32) -> String {
    if revision == 0 {
        format!("{id}.txt")
    } else {
        format!("{id}.r{revision}.txt")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc_with_turns(spans: &[(usize, usize)]) -> Document {
        Document {
            id: "d".into(),
            title: "D".into(),
            kind: DocKind::Interview,
            case: None,
            seq: 1,
            speakers: vec![],
            turns: spans
                .iter()
                .enumerate()
                .map(|(i, &(start, end))| Turn {
                    number: i + 1,
                    speaker: None,
                    timestamp_ms: None,
                    line: i + 1,
                    start,
                    end,
                })
                .collect(),
            chars: 100,
            text_sha256: String::new(),
            revision: 0,
            origin: Origin {
                file: "d.txt".into(),
                format: "text".into(),
                sha256: String::new(),
            },
            imported_at: String::new(),
            metadata: BTreeMap::new(),
            speaker_cases: BTreeMap::new(),
        }
    }

    #[test]
    fn turns_are_found_by_number_and_offset() {
        let d = doc_with_turns(&[(0, 10), (12, 30), (35, 50)]);
        assert_eq!(d.turn(2).map(|t| t.start), Some(12));
        assert!(d.turn(0).is_none());
        assert!(d.turn(4).is_none());
        assert_eq!(d.turn_at(13).map(|t| t.number), Some(2));
        assert_eq!(d.turn_at(31).map(|t| t.number), Some(2));
        assert_eq!(d.turn_at(49).map(|t| t.number), Some(3));
        assert_eq!(d.turn_at(0).map(|t| t.number), Some(1));
    }

    #[test]
    fn mapped_speakers_give_their_turns_their_case() {
        let mut d = doc_with_turns(&[(0, 10), (12, 30), (35, 50)]);
        d.turns[0].speaker = Some("Intervjuer".into());
        d.turns[1].speaker = Some("Forelder 2".into());
        d.turns[2].speaker = Some("Forelder 3".into());
        assert_eq!(d.case_at(15), None);
        d.case = Some("FG1".into());
        d.speaker_cases.insert("Forelder 2".into(), "P02".into());
        assert_eq!(d.case_at(15), Some("P02"));
        assert_eq!(d.case_at(3), Some("FG1"));
        assert_eq!(d.case_at(40), Some("FG1"));
        assert_eq!(
            d.all_cases().into_iter().collect::<Vec<_>>(),
            vec!["FG1", "P02"]
        );
    }

    #[test]
    fn kinds_parse_and_print() {
        assert_eq!("focus-group".parse::<DocKind>(), Ok(DocKind::FocusGroup));
        assert_eq!("Field-Note".parse::<DocKind>(), Ok(DocKind::FieldNote));
        assert!("survey".parse::<DocKind>().is_err());
        assert_eq!(DocKind::FocusGroup.to_string(), "focus-group");
        let json = serde_json::to_string(&DocKind::FieldNote).unwrap();
        assert_eq!(json, "\"field-note\"");
    }
}
