//! Word files (ZIP + XML) never make the DOCX reader panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = koda::import::docx::read(data);
});
