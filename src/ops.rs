//! The use cases, written once for both front ends: a typed request in, calls into the core,
//! a typed report out. Nothing here parses a command line, draws a screen or prints; the CLI
//! and the TUI only turn what the user asked for into a request and the report into words.
//!
//! - [`import`]: files into the project (expansion, parsing, duplicates, the index fed);
//! - [`export`]: every export kind and format, through the pseudonymisation and leak-check gate;
//! - [`cases`]: cases and their attributes (one by one or from a table), speakers to cases;
//! - [`codebook`]: adding, renaming, moving, merging, deleting, describing, colouring codes;
//! - [`coding`]: code a passage (turn, range, words, a selected span) and remove codings;
//! - [`autocode`]: code every hit of a search, by the unit chosen, skipping what is coded;
//! - [`memos`]: memos on the project, documents, codes and codings;
//! - [`edit`]: correcting a transcript, whole or a turn, codings following their words;
//! - [`names`]: the name register and pseudonyms;
//! - [`pins`]: the excerpts pinned for the report, in order, and their report forms;
//! - [`sets`]: named sets of codes and documents;
//! - [`settings`]: the report's language and how quotes are attributed;
//! - [`index`]: the search index opened up to date, and refreshed after a change.

pub mod autocode;
pub mod cases;
pub mod codebook;
pub mod coding;
pub mod docs;
pub mod edit;
pub mod export;
pub mod import;
pub mod index;
pub mod memos;
pub mod names;
pub mod pins;
pub mod sets;
pub mod settings;
