//! Integration tests: the real `koda` binary driven through whole workflows.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing test should stop at the failed step

mod autocode;
mod compounds;
mod confidentiality;
mod corpus;
mod corruption;
mod crash;
mod crash_points;
mod docs;
mod documents;
mod errors;
mod export;
mod imports;
mod layers;
mod privacy;
mod refi;
mod refi_fidelity;
mod report;
mod search;
mod team;
mod term;
mod tui;
mod util;
mod workflow;
mod xsd;
