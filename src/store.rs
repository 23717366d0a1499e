//! The project folder on disk: layout, durable writes, the journal, the writer lock, recovery.
//!
//! Plain files are the truth. `koda.json`, `codebook.json` and `cases.json` are snapshots,
//! always replaced whole through a temp file and a rename; `sources/` holds each document's
//! immutable text and metadata; `journal/<coder>.jsonl` holds each coder's codings and memos as
//! append-only events, fsynced before a change is acknowledged. Everything under `.koda/` is
//! private to this machine (lock, recovered fragments, later the search index).
//!
//! Nothing here parses transcripts or formats output; see [`crate::import`] and the CLI.

pub mod check;
pub mod doctor;
pub mod edit;
pub mod fsio;
pub mod history;
pub mod journal;
pub mod lock;
pub mod merge;
pub mod migrate;
pub mod project;
pub mod refi;
pub mod register;
pub mod seen;
pub mod session;
pub mod stamp;
pub mod txn;

pub use journal::Event;
pub use project::Project;
pub use session::{DocumentLabel, Session};

/// File name of the project settings, whose presence marks a project folder.
pub const CONFIG_FILE: &str = "koda.json";
/// File name of the codebook snapshot.
pub const CODEBOOK_FILE: &str = "codebook.json";
/// File name of the name register.
pub const NAMES_FILE: &str = "names.json";
/// File name of the cases snapshot.
pub const CASES_FILE: &str = "cases.json";
/// Folder of document texts and metadata.
pub const SOURCES_DIR: &str = "sources";
/// Folder of the per-coder journals.
pub const JOURNAL_DIR: &str = "journal";
/// Folder of machine-local state (lock, recovered fragments, index).
pub const PRIVATE_DIR: &str = ".koda";
