//! Survey spreadsheets (CSV and TSV) never make the survey reader panic.
#![no_main]
use koda::import::{ReadOptions, survey};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let path = Path::new("fuzz.csv");
        let _ = survey::read(path, s, b',', &ReadOptions::default(), "sha");
        let per_column = ReadOptions {
            per_column: true,
            ..ReadOptions::default()
        };
        let _ = survey::read(path, s, b'\t', &per_column, "sha");
    }
});
