//! The REFI-QDA phase: peak memory of importing a `.qdpx` whose one source is a single line of
//! `mb` MB, against importing the same text as a `.txt` (the plain path), and the cost of
//! refusing a ZIP bomb (a small archive holding an entry just under 2 GiB).
//!
//! The goal is an import within 3× the largest source plus a constant; the `.txt` import is
//! the baseline that shows what the rest of koda (normalising, turns, index) costs anyway.

use anyhow::{Context, Result};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;

const GUID: &str = "d6000000-0000-4000-8000-000000000001";

/// Words, `bytes` long, in the style of a transcript: a new line about every 400 bytes, or
/// none at all (a source some tools export without line breaks).
fn words(bytes: usize, lines: bool) -> String {
    let vocabulary = [
        "vi",
        "ventet",
        "lenge",
        "på",
        "svar",
        "fra",
        "kommunen",
        "og",
        "ingen",
        "ringte",
        "tilbake",
        "før",
        "sommeren",
        "Forelder:",
        "tillit",
        "tar",
        "tid",
    ];
    let mut s = String::with_capacity(bytes + 16);
    let mut i = 0usize;
    while s.len() < bytes {
        s.push_str(vocabulary[i % vocabulary.len()]);
        s.push(if lines && i.is_multiple_of(61) {
            '\n'
        } else {
            ' '
        });
        i = i.wrapping_mul(31).wrapping_add(7) % 1_000_003;
    }
    s
}

fn qde(plain: bool) -> String {
    let path = if plain {
        format!(" plainTextPath=\"internal://{GUID}.txt\"")
    } else {
        String::new()
    };
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="bench" origin="koda-bench">
  <CodeBook><Codes><Code guid="c6000000-0000-4000-8000-000000000001" name="tillit" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="{GUID}" name="Langt"{path}>
    <PlainTextSelection guid="f6000000-0000-4000-8000-000000000001" startPosition="0" endPosition="2">
      <Coding guid="96000000-0000-4000-8000-000000000001"><CodeRef targetGUID="c6000000-0000-4000-8000-000000000001"/></Coding>
    </PlainTextSelection>
  </TextSource></Sources>
</Project>"#
    )
}

fn write_archive(
    path: &Path,
    entry: &str,
    body: &mut dyn FnMut(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let f = std::fs::File::create(path)?;
    let mut z = zip::ZipWriter::new(f);
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    z.start_file("project.qde", o)?;
    z.write_all(qde(true).as_bytes())?;
    z.start_file(entry, o)?;
    body(&mut z)?;
    z.finish()?;
    Ok(())
}

fn project(dir: &Path, exe: &Path) -> Result<String> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    let p = dir.to_str().context("path")?.to_string();
    let ok = std::process::Command::new(exe)
        .args(["init", &p, "--coder", "bench"])
        .output()?
        .status
        .success();
    anyhow::ensure!(ok, "koda init failed");
    Ok(p)
}

/// Runs the phase under `out/refi`.
pub fn run(out: &Path, mb: f64, bomb_mib: usize, exe: &Path) -> Result<Value> {
    let dir = out.join("refi");
    std::fs::create_dir_all(&dir)?;
    let bytes = (mb * 1e6) as usize;
    eprintln!("== REFI-QDA: a {mb} MB source, as .txt and as .qdpx, with lines and as one line");
    let mut measured = Vec::new();
    for (name, lines) in [("lines", true), ("one-line", false)] {
        let text = words(bytes, lines);
        let txt = dir.join(format!("{name}.txt"));
        std::fs::write(&txt, &text)?;
        let qdpx = dir.join(format!("{name}.qdpx"));
        write_archive(&qdpx, &format!("sources/{GUID}.txt"), &mut |w| {
            w.write_all(text.as_bytes())?;
            Ok(())
        })?;
        drop(text);
        // koda reads a .txt with a line over 4 MB as a data file and refuses it.
        let txt_run = if lines {
            let p = project(&dir.join(format!("p-txt-{name}")), exe)?;
            Some(crate::koda_process(
                exe,
                &["-p", &p, "import", txt.to_str().context("path")?],
            )?)
        } else {
            None
        };
        let p = project(&dir.join(format!("p-qdpx-{name}")), exe)?;
        let q = crate::koda_process(exe, &["-p", &p, "import", qdpx.to_str().context("path")?])?;
        measured.push(json!({
            "text": name,
            "txt_import_s": txt_run.map(|r| r.0),
            "txt_import_rss_mb": txt_run.map(|r| r.1),
            "qdpx_import_s": q.0,
            "qdpx_import_rss_mb": q.1,
            "qdpx_rss_per_source": q.1 / (bytes as f64 / 1e6),
        }));
    }

    eprintln!("== REFI-QDA: a bomb (an entry of {bomb_mib} MiB in a small archive)");
    let bomb = dir.join("bomb.qdpx");
    let chunk = vec![b'a'; 1 << 20];
    write_archive(&bomb, &format!("sources/{GUID}.txt"), &mut |w| {
        for _ in 0..bomb_mib {
            w.write_all(&chunk)?;
        }
        Ok(())
    })?;
    let bomb_size = std::fs::metadata(&bomb)?.len();
    let p = project(&dir.join("p-bomb"), exe)?;
    let (bomb_s, bomb_rss, _) = crate::koda_process_ending(
        exe,
        &["-p", &p, "import", bomb.to_str().context("path")?],
        false,
    )?;
    let written = std::fs::read_dir(Path::new(&p).join("sources"))
        .map(|d| d.count())
        .unwrap_or(0);
    let source_mb = bytes as f64 / 1e6;
    Ok(json!({
        "source_mb": source_mb,
        "imports": measured,
        "goal_rss_mb": 3.0 * source_mb + 100.0,
        "bomb_archive_kb": bomb_size / 1024,
        "bomb_refused": true,
        "bomb_s": bomb_s,
        "bomb_rss_mb": bomb_rss,
        "bomb_files_written": written,
    }))
}
