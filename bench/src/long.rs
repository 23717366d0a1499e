//! The long document: one transcript of a million turns (a year of field notes, a survey
//! imported as one document), and the commands that go over all of it: reading it whole
//! (`show`), looking for names (`names suggest`), coding every match of a common word, counting
//! co-occurrences, and the REFI-QDA and HTML report exports.
//!
//! Each command runs at a quarter of the turns and at all of them; linear work grows about
//! four times, quadratic work sixteen. The floor is a plain pass over the same transcript (read
//! it, split it into lines, find the word in each): no command that reads every turn can beat
//! it, so the ratio says how much koda adds to that pass.

use anyhow::Result;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// Speakers of the transcript, in turn.
const SPEAKERS: [&str; 3] = ["Intervjuer", "Forelder", "Koordinator"];
/// Words turns are made of; two capitalised names among them, as notes name people.
const WORDS: [&str; 24] = [
    "vi",
    "venter",
    "fortsatt",
    "på",
    "svar",
    "fra",
    "NAV",
    "og",
    "skolen",
    "hun",
    "ringte",
    "tilbake",
    "samme",
    "dag",
    "det",
    "betydde",
    "mye",
    "for",
    "oss",
    "Kari",
    "møtet",
    "Solvik",
    "tillit",
    "koordinatoren",
];

/// One transcript of `turns` turns, `[hh:mm:ss] Speaker: words.` per line.
pub fn transcript(turns: usize, seed: u64) -> String {
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut out = String::with_capacity(turns * 60);
    for t in 0..turns {
        let secs = t * 7;
        let _ = write!(
            out,
            "[{:02}:{:02}:{:02}] {}:",
            secs / 3600 % 100,
            secs / 60 % 60,
            secs % 60,
            SPEAKERS[t % SPEAKERS.len()]
        );
        let n = 4 + (next() % 8) as usize;
        for _ in 0..n {
            out.push(' ');
            out.push_str(WORDS[(next() % WORDS.len() as u64) as usize]);
        }
        out.push_str(".\n");
    }
    out
}

/// Seconds `f` takes.
fn timed(f: impl FnOnce() -> Result<()>) -> Result<f64> {
    let t = Instant::now();
    f()?;
    Ok(t.elapsed().as_secs_f64())
}

/// The floor: read the transcript, split it into lines and find `word` in each.
fn plain_pass(file: &Path, word: &str) -> Result<f64> {
    timed(|| {
        let text = std::fs::read_to_string(file)?;
        let hits = text.lines().filter(|l| l.contains(word)).count();
        std::hint::black_box(hits);
        Ok(())
    })
}

/// Every command over one document of `turns` turns, in seconds.
fn one_size(dir: &Path, turns: usize, seed: u64) -> Result<Value> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    let project = dir.join("project");
    let p = project.to_str().unwrap_or_default().to_string();
    let file = dir.join("lang.txt");
    std::fs::write(&file, transcript(turns, seed))?;
    let f = file.to_str().unwrap_or_default().to_string();
    let k = |args: &[&str]| -> Result<String> {
        let mut all = vec!["-p", p.as_str()];
        all.extend_from_slice(args);
        crate::koda(&all)
    };
    crate::koda(&["init", p.as_str()])?;
    let mut secs = serde_json::Map::new();
    let mut put = |name: &str, s: f64| {
        secs.insert(name.into(), json!(s));
    };
    put("plain pass", plain_pass(&file, "tillit")?);
    put("import", timed(|| k(&["import", &f]).map(drop))?);
    let mut shown = 0;
    put(
        "show",
        timed(|| {
            shown = k(&["show", "lang"])?.lines().count();
            Ok(())
        })?,
    );
    anyhow::ensure!(
        shown >= turns,
        "show printed {shown} lines for {turns} turns"
    );
    put(
        "names suggest",
        timed(|| k(&["names", "suggest"]).map(drop))?,
    );
    k(&["codes", "add", "tillit"])?;
    k(&["codes", "add", "venting"])?;
    put(
        "code --match --all",
        timed(|| {
            k(&[
                "code", "lang", "--code", "tillit", "--match", "tillit", "--all",
            ])?;
            k(&[
                "code", "lang", "--code", "venting", "--match", "venter", "--all",
            ])
            .map(drop)
        })? / 2.0,
    );
    put(
        "stats cooccurrence",
        timed(|| k(&["stats", "cooccurrence"]).map(drop))?,
    );
    let qdpx = dir.join("lang.qdpx");
    put(
        "export qdpx",
        timed(|| k(&["export", "qdpx", "-o", qdpx.to_str().unwrap_or_default()]).map(drop))?,
    );
    let report = dir.join("lang.html");
    put(
        "export report",
        timed(|| {
            k(&[
                "export",
                "report",
                "-o",
                report.to_str().unwrap_or_default(),
            ])
            .map(drop)
        })?,
    );
    let _ = std::fs::remove_dir_all(dir);
    Ok(json!({"turns": turns, "seconds": secs}))
}

/// The phase: a quarter of `turns`, then all of them, with each command's growth.
pub fn run(out: &Path, turns: usize, seed: u64) -> Result<Value> {
    let dir = out.join("long");
    let small = one_size(&dir, (turns / 4).max(1), seed)?;
    let large = one_size(&dir, turns, seed)?;
    let mut growth = serde_json::Map::new();
    if let (Some(a), Some(b)) = (small["seconds"].as_object(), large["seconds"].as_object()) {
        for (name, t) in b {
            let (Some(t), Some(s)) = (t.as_f64(), a.get(name).and_then(Value::as_f64)) else {
                continue;
            };
            growth.insert(name.clone(), json!(t / s.max(1e-9)));
        }
    }
    Ok(json!({"quarter": small, "full": large, "growth": growth}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transcript_has_one_speaker_turn_per_line_with_times() {
        let t = transcript(5, 7);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(
            lines[0].starts_with("[00:00:00] Intervjuer: "),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with("[00:00:07] Forelder: "),
            "{}",
            lines[1]
        );
        assert!(lines.iter().all(|l| l.ends_with('.')));
        assert_eq!(transcript(5, 7), t, "the same seed gives the same text");
    }
}
