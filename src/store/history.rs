//! Undo and redo: a per-coder history of inverse operations, kept across restarts.
//!
//! Every change a [`crate::store::Session`] makes is recorded as an [`Entry`]: the operations
//! that undo it. Undoing applies them (through the same journalled, durable paths as any change)
//! and records *their* inverses as the redo entry, like a history of inverses in a text editor.
//! Codings and memos are undone with new events (a removed coding comes back as a fresh coding
//! with the same span, code, coder and memo), so the journal stays append-only; codebook and case
//! changes are undone by restoring the earlier snapshot. The history lives in
//! `.koda/history/<coder>.json`, machine-local; imports and merges are not undoable.

use crate::model::{Cases, Codebook, Coding, MemoTarget};
use serde::{Deserialize, Serialize};

/// How many changes can be undone.
pub const MAX_ENTRIES: usize = 200;

/// One inverse operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    /// Remove these codings.
    RemoveCodings {
        /// Coding ids.
        ids: Vec<String>,
    },
    /// Bring these codings back (with new ids).
    RestoreCodings {
        /// The codings as they were.
        codings: Vec<Coding>,
    },
    /// Give a memo this text (creating it if it is gone).
    SetMemo {
        /// The memo's id.
        id: String,
        /// What it is attached to.
        target: MemoTarget,
        /// The text.
        text: String,
    },
    /// Remove a memo.
    RemoveMemo {
        /// The memo's id.
        id: String,
    },
    /// Put this codebook back.
    Codebook {
        /// The snapshot.
        codebook: Codebook,
    },
    /// Put these cases back.
    Cases {
        /// The snapshot.
        cases: Cases,
    },
    /// Put this text back as the document's text, with these coding spans.
    DocText {
        /// The document.
        doc: String,
        /// The text.
        text: String,
        /// Coding id, start, end and stale flag.
        spans: Vec<(String, usize, usize, bool)>,
    },
    /// Put these turns back as the document's turn table, found this way.
    Turns {
        /// The document.
        doc: String,
        /// How they were found.
        segmentation: crate::model::Segmentation,
        /// The turns.
        turns: Vec<crate::model::Turn>,
    },
    /// Give the document this title, type, case and metadata.
    Label {
        /// The document.
        doc: String,
        /// What it was called and filed as.
        label: crate::store::session::DocumentLabel,
    },
    /// Put this removed document back: its metadata and its files in `sources/` (name, text).
    RestoreDocument {
        /// The document as it was.
        doc: Box<crate::model::Document>,
        /// Its files, as they were.
        files: Vec<(String, String)>,
    },
    /// Remove this document again.
    RemoveDocument {
        /// The document.
        doc: String,
    },
    /// Pin these excerpts as they were, and unpin these.
    Pins {
        /// The pins to put back.
        set: Vec<crate::model::Pin>,
        /// The codings to unpin.
        remove: Vec<String>,
    },
    /// Put these report settings back.
    ReportSettings {
        /// The settings.
        settings: crate::model::ReportSettings,
    },
    /// Put this name register back.
    Names {
        /// The snapshot.
        names: crate::model::names::Names,
    },
}

/// One undoable change: a label for messages and the operations that undo it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// What the change was, e.g. `code trust/personal`.
    pub label: String,
    /// Operations to apply, in order, to undo it.
    pub ops: Vec<Op>,
}

/// The undo and redo stacks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// Changes that can be undone, newest last.
    pub undo: Vec<Entry>,
    /// Undone changes that can be redone, newest last.
    pub redo: Vec<Entry>,
}
