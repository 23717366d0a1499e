//! Plain data types of a koda project and their invariants.
//!
//! Documents with speaker turns, the code tree, codings, memos and cases live here, together
//! with the text helpers that keep positions exact (grapheme snapping, quote hashes). Nothing
//! in this module reads or writes files; that is the job of [`crate::store`].

pub mod case;
pub mod codebook;
pub mod coding;
pub mod display;
pub mod document;
pub mod identifiers;
pub mod ids;
pub mod names;
pub mod sets;
pub mod text;

pub use case::{Case, Cases, SpeakerMap};
pub use codebook::{Code, Codebook, Retired};
pub use coding::{Coding, Memo, MemoTarget, Pin, RefiIds};
pub use document::{
    DocKind, Document, DocumentFile, Origin, Segmentation, TimedWord, Turn, TurnTable, WordTimes,
    speaker_turns, turn, turn_at,
};

use serde::{Deserialize, Serialize};

/// The current version of the on-disk project format.
pub const SCHEMA_VERSION: u32 = 2;

/// Project settings, stored as `koda.json` at the project root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectConfig {
    /// Version of the on-disk format, see [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// A human name for the study.
    pub name: String,
    /// Languages of the material, as ISO 639-1 codes (`no`, `en`).
    pub languages: Vec<String>,
    /// Every coder that has written to the project, in order of appearance.
    pub coders: Vec<String>,
    /// The coder used when neither `--coder` nor `KODA_CODER` names one.
    pub default_coder: String,
    /// When the project was created (RFC 3339, UTC).
    pub created_at: String,
    /// What exports protect beyond registered names.
    #[serde(default, skip_serializing_if = "Privacy::is_default")]
    pub privacy: Privacy,
    /// The seal of the name register: set whenever koda writes `names.json`, so that a
    /// register deleted, emptied or changed outside koda stops exports instead of leaving
    /// them unprotected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register: Option<RegisterSeal>,
    /// How summaries and reports are written.
    #[serde(default, skip_serializing_if = "ReportSettings::is_default")]
    pub report: ReportSettings,
}

/// How summaries and reports are written (`report` in `koda.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSettings {
    /// The language of their words (`nb`, `nn`, `en`); the project's first language if unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// How a quote is attributed, e.g. `{rolle}, {type} {number}`; see
    /// [`crate::export::quote::attribution`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
}

impl ReportSettings {
    /// True when nothing differs from the defaults.
    pub fn is_default(&self) -> bool {
        *self == ReportSettings::default()
    }
}

/// Privacy settings of a project (`privacy` in `koda.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Privacy {
    /// Which identifiers exports replace with typed placeholders.
    #[serde(default, skip_serializing_if = "identifiers::Settings::is_default")]
    pub identifiers: identifiers::Settings,
}

impl Privacy {
    /// True when nothing differs from the defaults.
    pub fn is_default(&self) -> bool {
        self.identifiers.is_default()
    }
}

/// What koda last wrote to `names.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterSeal {
    /// How many names the register held.
    pub names: usize,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// The fingerprint of a register being written (set just before `names.json` is replaced,
    /// cleared just after), so a crash between the two writes leaves either file acceptable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
}

/// Checks that a coder name is usable as a journal file name: letters, digits, `.`, `_`, `-`.
pub fn validate_coder(name: &str) -> crate::Result<()> {
    let ok = !name.is_empty()
        && name.chars().count() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(crate::Error::invalid(format!(
            "coder name {name:?} is not usable: use letters, digits, '.', '_' or '-' (at most 64), not starting with '.'"
        )))
    }
}

/// The current time as RFC 3339 in UTC with seconds, the format of every timestamp koda writes.
pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coder_names_are_checked() {
        assert!(validate_coder("anna").is_ok());
        assert!(validate_coder("Ørjan_2").is_ok());
        assert!(validate_coder("").is_err());
        assert!(validate_coder("../x").is_err());
        assert!(validate_coder(".hidden").is_err());
        assert!(validate_coder("a b").is_err());
    }

    #[test]
    fn now_is_rfc3339_utc() {
        let t = now();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z'));
    }
}
