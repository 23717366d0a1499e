//! Plain text in any encoding: decoding, normalisation and turn detection never panic, and the
//! turns always lie inside the text.
#![no_main]
use koda::import::{decode, text};
use koda::model::text::{char_len, normalise};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = decode::decode(data) {
        let parsed = text::parse(&normalise(&d.text));
        let len = char_len(&parsed.text);
        for t in &parsed.turns {
            assert!(t.start <= t.end && t.end <= len);
        }
    }
});
