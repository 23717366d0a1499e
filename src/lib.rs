//! koda: qualitative data analysis in the terminal.
//!
//! The library is the whole of koda's behaviour; the `koda` binary's CLI is a thin layer over
//! it. Modules, from the bottom up:
//! - [`model`]: plain data (documents, turns, codes, codings, memos, cases) and text positions;
//! - [`store`]: the project folder on disk, the journal, the writer lock and recovery;
//! - [`import`]: files to normalised documents with speaker turns;
//! - [`index`]: the derived tantivy search index, the query language, snippets;
//! - [`analysis`]: retrieval of coded excerpts and counts;
//! - [`export`]: theme summaries, excerpt tables, matrices, memos and codebook files;
//! - [`cli`]: argument parsing and output for the `koda` command.

pub mod analysis;
pub mod cli;
pub mod error;
pub mod import;
pub mod index;
pub mod model;
pub mod store;
pub mod tui;

pub use error::{Error, Result};
pub mod export;
