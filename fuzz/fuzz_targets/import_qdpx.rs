//! REFI-QDA projects and codebooks never make the readers panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.qdpx");
    let _ = koda::import::qdpx::read_qdpx(data, path);
    let _ = koda::import::qdpx::read_qdc(data, path);
});
