//! The `koda` command line: argument definitions and one small function per subcommand.
//!
//! Each subcommand unpacks its arguments, calls the core ([`crate::store`],
//! [`crate::analysis`], [`crate::import`]) and formats the result. No behaviour lives here
//! that the core does not also offer to other front ends.

pub mod args;
mod batch;
mod cases;
mod codes;
mod coding;
mod ctx;
mod dispatch;
mod excerpts;
mod export;
mod import;
mod memos;
mod names;
pub mod output;
mod project;
mod search;
mod stats;
mod team;

pub use args::Cli;

use std::io::Write;

/// How a run of the CLI ended.
#[derive(Debug)]
pub enum Outcome {
    /// Everything worked (exit 0).
    Success,
    /// Some items of a batch failed; each was reported (exit 1).
    PartialFailure,
}

/// A command line that names something that is neither a command nor a project (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Runs a parsed command line, writing normal output to `out` and warnings to `err`.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<Outcome> {
    dispatch::dispatch(cli, out, err)
}
