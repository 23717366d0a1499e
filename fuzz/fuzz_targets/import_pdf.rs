//! PDFs never make the PDF reader panic (a panic inside the PDF library is contained).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = koda::import::pdf::read(data);
});
