//! No bytes make the journal reader panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("koda-fuzz-journal-{}", std::process::id()));
    if std::fs::create_dir_all(&dir).is_ok() {
        let path = dir.join("fuzz.jsonl");
        if std::fs::write(&path, data).is_ok() {
            let _ = koda::store::journal::read(&path);
        }
    }
});
