//! Plain text in any encoding: decoding, normalisation and turn detection never panic, and the
//! turns always lie inside the text; the same bytes read as a transcription tool's JSON never
//! panic, and its timed words lie inside its text.
#![no_main]
use koda::import::{asr, decode, text};
use koda::model::Segmentation;
use koda::model::text::{char_len, normalise};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = decode::decode(data) {
        let normalised = normalise(&d.text);
        let parsed = text::parse(&normalised);
        let len = char_len(&parsed.text);
        for t in &parsed.turns {
            assert!(t.start <= t.end && t.end <= len);
        }
        if let Ok(p) = text::segment(normalised, &Segmentation::None) {
            assert!(p.speakers.is_empty());
        }
        if let Ok(t) = asr::read(&d.text) {
            let n = char_len(&t.text);
            for w in &t.words {
                assert!(w.start <= w.end && w.end <= n);
            }
        }
    }
});
