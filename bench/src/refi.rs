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

/// A line of words, `bytes` long, in the style of a transcript without line breaks.
fn one_line(bytes: usize) -> String {
    let words = [
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
        s.push_str(words[i % words.len()]);
        s.push(' ');
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
pub fn run(out: &Path, mb: f64, exe: &Path) -> Result<Value> {
    let dir = out.join("refi");
    std::fs::create_dir_all(&dir)?;
    let bytes = (mb * 1e6) as usize;
    eprintln!("== REFI-QDA: a {mb} MB one-line source");
    let text = one_line(bytes);
    let txt = dir.join("langt.txt");
    std::fs::write(&txt, &text)?;
    let qdpx = dir.join("langt.qdpx");
    write_archive(&qdpx, &format!("sources/{GUID}.txt"), &mut |w| {
        w.write_all(text.as_bytes())?;
        Ok(())
    })?;
    drop(text);
    let p = project(&dir.join("p-txt"), exe)?;
    let (txt_s, txt_rss, _) =
        crate::koda_process(exe, &["-p", &p, "import", txt.to_str().context("path")?])?;
    let p = project(&dir.join("p-qdpx"), exe)?;
    let (qdpx_s, qdpx_rss, _) =
        crate::koda_process(exe, &["-p", &p, "import", qdpx.to_str().context("path")?])?;

    eprintln!("== REFI-QDA: a bomb (an entry of 1.96 GiB in a small archive)");
    let bomb = dir.join("bomb.qdpx");
    let chunk = vec![b'a'; 1 << 20];
    write_archive(&bomb, &format!("sources/{GUID}.txt"), &mut |w| {
        for _ in 0..2007 {
            w.write_all(&chunk)?;
        }
        Ok(())
    })?;
    let bomb_size = std::fs::metadata(&bomb)?.len();
    let p = project(&dir.join("p-bomb"), exe)?;
    let t = std::time::Instant::now();
    let mut child = std::process::Command::new(exe)
        .args(["-p", &p, "import", bomb.to_str().context("path")?])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let refused = !child.wait()?.success();
    let bomb_s = t.elapsed().as_secs_f64();
    let (_, bomb_rss, _) =
        crate::koda_process(exe, &["-p", &p, "import", bomb.to_str().context("path")?])
            .map(|r| (r.0, r.1, r.2))
            .or_else(|_| Ok::<_, anyhow::Error>((0.0, 0.0, 0.0)))?;
    let written = std::fs::read_dir(Path::new(&p).join("sources"))
        .map(|d| d.count())
        .unwrap_or(0);
    let source_mb = bytes as f64 / 1e6;
    Ok(json!({
        "source_mb": source_mb,
        "txt_import_s": txt_s,
        "txt_import_rss_mb": txt_rss,
        "qdpx_import_s": qdpx_s,
        "qdpx_import_rss_mb": qdpx_rss,
        "qdpx_rss_per_source": qdpx_rss / source_mb,
        "qdpx_over_txt": qdpx_rss / txt_rss,
        "goal_rss_mb": 3.0 * source_mb + 100.0,
        "bomb_archive_kb": bomb_size / 1024,
        "bomb_refused": refused,
        "bomb_s": bomb_s,
        "bomb_rss_mb": bomb_rss,
        "bomb_files_written": written,
    }))
}
