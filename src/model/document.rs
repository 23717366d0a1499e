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

/// An imported document's metadata. Its text is stored beside it in `sources/<id>.txt`, and its
/// turn table in the same `sources/<id>.json` as the metadata (see [`DocumentFile`]), read
/// apart: a project holds every document's metadata in memory, and a document's turns only
/// while they are used (see `Project::turns`).
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
    /// How many turns the document has (its `turns` in the file, counted as it is read).
    #[serde(
        rename = "turns",
        default,
        skip_serializing,
        deserialize_with = "count_turns"
    )]
    pub turn_count: usize,
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
    /// How the text is divided into turns when it is read again (after a correction): koda's
    /// own rules unless the import or `koda resegment` said otherwise.
    #[serde(default, skip_serializing_if = "Segmentation::is_auto")]
    pub segmentation: Segmentation,
    /// The source's GUID in the REFI-QDA project it came from, written back on export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
}

/// The speakers of a turn table in order of first appearance, each with how many turns it has.
pub fn speaker_turns(turns: &[Turn]) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for t in turns {
        if let Some(s) = &t.speaker {
            match out.iter_mut().find(|(n, _)| n == s) {
                Some((_, c)) => *c += 1,
                None => out.push((s.clone(), 1)),
            }
        }
    }
    out
}

/// A word as a transcription tool timed it: where it is in the text (chars, end exclusive),
/// when it was said and how sure the tool was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimedWord {
    /// Char offset of the word's first char in the text.
    pub start: usize,
    /// Char offset just past the word.
    pub end: usize,
    /// When the word starts, in milliseconds from the start of the recording.
    pub from_ms: u64,
    /// When it ends.
    pub to_ms: u64,
    /// The tool's confidence in the word, from 0 to 1, where it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

/// The word times of a document, as written to `sources/<id>.words.json` when the import had
/// them: they belong to the text whose hash they carry (the text as imported).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordTimes {
    /// SHA-256 of the normalised text the offsets point into.
    pub text_sha256: String,
    /// The words, in order.
    pub words: Vec<TimedWord>,
}

/// How a text is divided into turns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Segmentation {
    /// koda's rules for speaker labels and time stamps.
    #[default]
    Auto,
    /// No speakers: paragraphs at blank lines.
    None,
    /// A turn starts on each line the regular expression matches at its start; its named
    /// groups `speaker` and `time` give the speaker and the time stamp.
    Pattern(String),
}

impl Segmentation {
    /// True for koda's own rules.
    pub fn is_auto(&self) -> bool {
        *self == Segmentation::Auto
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Counts the elements of the `turns` list without keeping them.
fn count_turns<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    struct Count;
    impl<'de> serde::de::Visitor<'de> for Count {
        type Value = usize;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of turns")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
            let mut n = 0;
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                n += 1;
            }
            Ok(n)
        }
    }
    d.deserialize_seq(Count)
}

/// A document as written to `sources/<id>.json`: its metadata with its turn table.
#[derive(Debug, Serialize)]
pub struct DocumentFile<'a> {
    /// The metadata.
    #[serde(flatten)]
    pub doc: &'a Document,
    /// The turns, in order, covering the text.
    pub turns: &'a [Turn],
}

/// The turn table of a `sources/<id>.json`, read without the rest but with the hash of the
/// text it belongs to.
#[derive(Debug, Deserialize)]
pub struct TurnTable {
    /// The turns, in order.
    #[serde(default)]
    pub turns: Vec<Turn>,
    /// SHA-256 of the normalised text these turns divide.
    #[serde(default)]
    pub text_sha256: String,
}

impl Document {
    /// The file name of this document's current text under `sources/`.
    pub fn text_file(&self) -> String {
        text_file(&self.id, self.revision)
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

    /// The case of the turn of `turns` (this document's) holding char offset `c`.
    pub fn case_at(&self, turns: &[Turn], c: usize) -> Option<&str> {
        match turn_at(turns, c) {
            Some(t) => self.case_of_turn(t),
            None => self.case.as_deref(),
        }
    }

    /// Every case the document's turns belong to, sorted: the cases its speakers are mapped
    /// to and its own (`speakers` lists every speaker of its turns).
    pub fn all_cases(&self) -> std::collections::BTreeSet<&str> {
        let mut out: std::collections::BTreeSet<&str> = self
            .speakers
            .iter()
            .filter_map(|s| self.speaker_cases.get(s))
            .map(String::as_str)
            .collect();
        out.extend(self.case.as_deref());
        out
    }
}

/// The turn with 1-based number `n`.
pub fn turn(turns: &[Turn], n: usize) -> Option<&Turn> {
    n.checked_sub(1).and_then(|i| turns.get(i))
}

/// The turn containing char offset `c` (or the last turn starting before it).
pub fn turn_at(turns: &[Turn], c: usize) -> Option<&Turn> {
    let idx = turns.partition_point(|t| t.start <= c);
    if idx == 0 {
        turns.first()
    } else {
        turns.get(idx - 1)
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

/// The stable key exports show for a document whose id carries a registered name: `doc-`
/// and the first eight hex digits of the id's SHA-256. `koda show` and every other command
/// accept it in place of the id.
pub fn doc_key(id: &str) -> String {
    let sha = super::text::sha256_hex(id.as_bytes());
    format!("doc-{}", &sha[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc_with_turns(spans: &[(usize, usize)]) -> (Document, Vec<Turn>) {
        let turns: Vec<Turn> = spans
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
            .collect();
        let doc = Document {
            id: "d".into(),
            title: "D".into(),
            kind: DocKind::Interview,
            case: None,
            seq: 1,
            speakers: vec![],
            turn_count: turns.len(),
            chars: 100,
            text_sha256: String::new(),
            revision: 0,
            origin: Origin {
                file: "d.txt".into(),
                format: "text".into(),
                sha256: String::new(),
            },
            guid: None,
            imported_at: String::new(),
            metadata: BTreeMap::new(),
            speaker_cases: BTreeMap::new(),
            segmentation: Segmentation::Auto,
        };
        (doc, turns)
    }

    #[test]
    fn turns_are_found_by_number_and_offset() {
        let (_, t) = doc_with_turns(&[(0, 10), (12, 30), (35, 50)]);
        assert_eq!(turn(&t, 2).map(|t| t.start), Some(12));
        assert!(turn(&t, 0).is_none());
        assert!(turn(&t, 4).is_none());
        assert_eq!(turn_at(&t, 13).map(|t| t.number), Some(2));
        assert_eq!(turn_at(&t, 31).map(|t| t.number), Some(2));
        assert_eq!(turn_at(&t, 49).map(|t| t.number), Some(3));
        assert_eq!(turn_at(&t, 0).map(|t| t.number), Some(1));
    }

    #[test]
    fn the_file_holds_the_turns_and_the_metadata_counts_them() {
        let (mut d, t) = doc_with_turns(&[(0, 10), (12, 30), (35, 50)]);
        d.turn_count = 0;
        let json = serde_json::to_string(&DocumentFile { doc: &d, turns: &t }).unwrap();
        let meta: Document = serde_json::from_str(&json).unwrap();
        assert_eq!(meta.turn_count, 3);
        assert_eq!(meta.title, d.title);
        let table: TurnTable = serde_json::from_str(&json).unwrap();
        assert_eq!(table.turns, t);
        // Metadata alone never writes a count in place of the table.
        assert!(!serde_json::to_string(&d).unwrap().contains("turns"));
    }

    #[test]
    fn mapped_speakers_give_their_turns_their_case() {
        let (mut d, mut t) = doc_with_turns(&[(0, 10), (12, 30), (35, 50)]);
        t[0].speaker = Some("Intervjuer".into());
        t[1].speaker = Some("Forelder 2".into());
        t[2].speaker = Some("Forelder 3".into());
        d.speakers = vec![
            "Intervjuer".into(),
            "Forelder 2".into(),
            "Forelder 3".into(),
        ];
        assert_eq!(d.case_at(&t, 15), None);
        assert!(d.all_cases().is_empty());
        d.case = Some("FG1".into());
        d.speaker_cases.insert("Forelder 2".into(), "P02".into());
        assert_eq!(d.case_at(&t, 15), Some("P02"));
        assert_eq!(d.case_at(&t, 3), Some("FG1"));
        assert_eq!(d.case_at(&t, 40), Some("FG1"));
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
