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

thread_local! {
    static CONTAINED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning a panic inside it into `None`. For third-party parsers fed hostile input:
/// the panic is contained and reported as an error by the caller, and [`panic_is_contained`]
/// tells the binary's panic hook to stay quiet about it.
pub fn contain_panic<T>(f: impl FnOnce() -> T) -> Option<T> {
    CONTAINED.with(|c| c.set(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok();
    CONTAINED.with(|c| c.set(false));
    r
}

/// True while [`contain_panic`] runs on this thread.
pub fn panic_is_contained() -> bool {
    CONTAINED.with(std::cell::Cell::get)
}
