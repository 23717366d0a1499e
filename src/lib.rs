//! koda: qualitative data analysis in the terminal.
//!
//! The library is the whole of koda's behaviour; the `koda` binary's CLI and the TUI are thin
//! layers over it. The layers, from the bottom up; a module may use the layers below it and
//! never one above:
//!
//! 1. [`model`]: plain data (documents, turns, codes, codings, memos, cases, names) and text
//!    positions, with their invariants. Uses nothing else of koda's.
//! 2. [`store`]: the project folder on disk: files, the journal, the writer lock, recovery,
//!    undo history, and the writing [`Session`]. Uses `model`.
//! 3. [`import`], [`index`], [`analysis`], [`export`]: files to documents; the derived tantivy
//!    index and its query language; retrieval and counts; the export formats and the privacy
//!    gate. Each uses `model` and `store`, and `export` uses `analysis`.
//! 4. [`ops`]: the use cases (import, export, autocode, names, index refresh), each written
//!    once for both front ends: typed request in, typed report out, no printing.
//! 5. [`cli`] and [`tui`]: the two front ends. They unpack what the user asked, call `ops` (or
//!    a read-only core query), and show the result. No business logic lives there.
//!
//! Arrows that point up, and why (the integration test `layers` checks the rest):
//! - `store/session.rs`, `store/refi.rs` and `store/edit.rs` take `import`'s parsed documents
//!   (`Prepared`, the REFI-QDA project) and its turn parser: a session adds parsed documents
//!   atomically, and a corrected text is split into turns exactly as an imported one was.
//! - `store/doctor.rs` rebuilds the search index when it repairs a project, since a repair can
//!   change what the index was built from.
//! - `cli/dispatch.rs` starts the TUI for `koda tui`, the one place the two faces meet.

pub mod analysis;
pub mod cli;
pub mod error;
pub mod import;
pub mod index;
pub mod model;
pub mod ops;
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
