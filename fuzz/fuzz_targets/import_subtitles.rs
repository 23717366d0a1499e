//! WebVTT and SubRip cues never make the subtitle readers panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = koda::import::subtitles::vtt(s);
        let _ = koda::import::subtitles::srt(s);
    }
});
