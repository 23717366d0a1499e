//! koda-bench: measures koda against a raw-tantivy baseline, SQLite FTS5 and ripgrep on one
//! generated corpus, in one run, so that the machine's noise cancels in the ratios.
//!
//! ```text
//! cargo build --release && cargo run --release -p koda-bench -- --sizes 50,100,200,400
//! ```
//!
//! Each size writes `results-<size>.json` and a Markdown table; with several sizes an SVG plot
//! of cost against corpus size is written too. See BENCHMARKS.md for the report.

mod corpus;
mod long;
mod peers;
mod plot;
mod refi;

use anyhow::{Context, Result, bail};
use clap::Parser;
use koda::index::{SearchIndex, Unit, spans_for};
use koda::store::{Project, Session};
use peers::{Fts5, RawTantivy};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Parser)]
#[command(about = "Benchmarks koda against raw tantivy, SQLite FTS5 and ripgrep")]
struct Args {
    /// Corpus sizes in MB, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "50")]
    sizes: Vec<f64>,
    /// Where corpora, projects and results go (emptied per size).
    #[arg(long, default_value = "target/koda-bench")]
    out: PathBuf,
    /// Seed of the corpus generator.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Runs of each query (warm), at least: a fast query runs on until a quarter of a second
    /// is spent (at most 2000 runs), so that its p99 is not merely its slowest run.
    #[arg(long, default_value_t = 30)]
    runs: usize,
    /// Size of the transcript opened in the reader, in MB.
    #[arg(long, default_value_t = 5.0)]
    tui_mb: f64,
    /// Codings on that transcript.
    #[arg(long, default_value_t = 10_000)]
    tui_codings: usize,
    /// Codings in the project before the export phase.
    #[arg(long, default_value_t = 100_000)]
    export_codings: usize,
    /// Durable single codings for the journal throughput.
    #[arg(long, default_value_t = 500)]
    journal_codings: usize,
    /// Write the plot here (with several sizes).
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Measure the reader only (no corpus sizes).
    #[arg(long)]
    reader_only: bool,
    /// Registered names for the confidentiality phase.
    #[arg(long, default_value_t = 100_000)]
    privacy_names: usize,
    /// Size of the export the confidentiality phase checks, in MB.
    #[arg(long, default_value_t = 10.0)]
    privacy_mb: f64,
    /// Measure the confidentiality gate only (no reader, no corpus sizes).
    #[arg(long)]
    privacy_only: bool,
    /// Turns of the long document (0: leave that phase out).
    #[arg(long, default_value_t = 1_000_000)]
    long_turns: usize,
    /// Measure the long document only.
    #[arg(long)]
    long_only: bool,
    /// Size of the one-line source of the REFI-QDA phase, in MB (0: leave that phase out).
    #[arg(long, default_value_t = 200.0)]
    refi_mb: f64,
    /// The entry of the ZIP bomb the REFI-QDA phase refuses, in MiB (just under the old 2 GiB
    /// cap by default).
    #[arg(long, default_value_t = 2007)]
    refi_bomb_mib: usize,
    /// Measure the REFI-QDA import only.
    #[arg(long)]
    refi_only: bool,
}

/// A `kB` figure of this process's `/proc/self/status` (Linux; 0 elsewhere).
fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .unwrap_or(0)
}

/// Peak resident memory since the last reset, in MB. It counts the pages of files mapped in
/// (tantivy reads its segments through mmap), so it overstates what a phase allocated.
fn peak_rss_mb() -> f64 {
    status_kb("VmHWM:") as f64 / 1024.0
}

/// The largest anonymous resident memory (the heap: what the process allocated, not file
/// pages it mapped) seen since the last reset, sampled every 5 ms, in MB.
static PEAK_ANON_KB: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Whether the sampler reads `/proc` (only while memory is measured, so that it never wakes
/// during the timing of searches).
static SAMPLING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn start_anon_sampler() {
    std::thread::spawn(|| {
        loop {
            if SAMPLING.load(std::sync::atomic::Ordering::Relaxed) {
                PEAK_ANON_KB.fetch_max(status_kb("RssAnon:"), std::sync::atomic::Ordering::Relaxed);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    });
}

/// Starts or stops sampling anonymous memory.
fn sampling(on: bool) {
    SAMPLING.store(on, std::sync::atomic::Ordering::Relaxed);
}

fn peak_anon_mb() -> f64 {
    PEAK_ANON_KB
        .load(std::sync::atomic::Ordering::Relaxed)
        .max(status_kb("RssAnon:")) as f64
        / 1024.0
}

/// Resets the peaks so the next reading covers one phase only (Linux 4.0+).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    PEAK_ANON_KB.store(status_kb("RssAnon:"), std::sync::atomic::Ordering::Relaxed);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

/// Runs koda's own command line in this process (the same code as the binary).
fn koda(args: &[&str]) -> Result<String> {
    let cli = <koda::cli::Cli as Parser>::try_parse_from(
        std::iter::once("koda").chain(args.iter().copied()),
    )?;
    let mut out = Vec::new();
    let mut err = Vec::new();
    let r = koda::cli::run(cli, &mut out, &mut err);
    match r {
        Ok(koda::cli::Outcome::Success) => Ok(String::from_utf8_lossy(&out).into_owned()),
        Ok(_) | Err(_) => bail!(
            "koda {} failed: {:?}\n{}",
            args.join(" "),
            r.err(),
            String::from_utf8_lossy(&err)
        ),
    }
}

const CLASSES: &[&str] = &[
    "one word",
    "two words",
    "phrase",
    "prefix",
    "fuzzy",
    "attribute filter",
    "code filter",
    "compound",
];

/// Times `f` `runs` times after one warm-up; returns the latencies in ms.
fn time_runs(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<Vec<f64>> {
    f()?;
    let mut v = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        v.push(ms(t.elapsed()));
    }
    Ok(v)
}

/// Times a query at least `runs` times after one warm-up, and on until [`QUERY_BUDGET`] is
/// spent (at most [`QUERY_RUNS_MAX`] runs): with 30 runs, a p99 is the slowest run.
fn time_query(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<Vec<f64>> {
    let start = Instant::now();
    let mut v = time_runs(runs, &mut f)?;
    while start.elapsed() < QUERY_BUDGET && v.len() < QUERY_RUNS_MAX {
        let t = Instant::now();
        f()?;
        v.push(ms(t.elapsed()));
    }
    Ok(v)
}

/// Times two peers on one query interleaved, one run of each in turn with the order
/// alternating, after one warm-up each: at least `runs` of each, and on until each has spent
/// [`QUERY_BUDGET`] (at most [`QUERY_RUNS_MAX`] runs each). A burst of noise on the machine
/// (another process, the kernel's writeback) then falls on both peers alike, where timing
/// one peer's runs after the other's left it to whichever ran at that moment.
fn time_pair(
    runs: usize,
    mut a: impl FnMut() -> Result<()>,
    mut b: impl FnMut() -> Result<()>,
) -> Result<(Vec<f64>, Vec<f64>)> {
    a()?;
    b()?;
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    let (mut spent_a, mut spent_b) = (Duration::ZERO, Duration::ZERO);
    while ta.len() < QUERY_RUNS_MAX
        && (ta.len() < runs || spent_a < QUERY_BUDGET || spent_b < QUERY_BUDGET)
    {
        for first in [ta.len() % 2 == 0, ta.len() % 2 == 1] {
            let t = Instant::now();
            if first {
                a()?
            } else {
                b()?
            }
            let took = t.elapsed();
            if first {
                spent_a += took;
                ta.push(ms(took));
            } else {
                spent_b += took;
                tb.push(ms(took));
            }
        }
    }
    Ok((ta, tb))
}

/// Time spent on each query of each peer, at least.
const QUERY_BUDGET: Duration = Duration::from_millis(250);

/// Runs of one query, at most.
const QUERY_RUNS_MAX: usize = 2000;

/// Runs `koda ARGS` as its own process, as a user would, and samples its peak resident and
/// anonymous memory from `/proc` every 5 ms: (seconds, peak RSS MB, peak anonymous MB).
pub(crate) fn koda_process(exe: &std::path::Path, args: &[&str]) -> Result<(f64, f64, f64)> {
    koda_process_ending(exe, args, true)
}

/// [`koda_process`] of a command expected to succeed (`ok`) or to be refused.
pub(crate) fn koda_process_ending(
    exe: &std::path::Path,
    args: &[&str],
    ok: bool,
) -> Result<(f64, f64, f64)> {
    let t = Instant::now();
    let mut child = Command::new(exe)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let status = format!("/proc/{}/status", child.id());
    let (mut rss, mut anon) = (0u64, 0u64);
    loop {
        if let Ok(s) = std::fs::read_to_string(&status) {
            let kb = |key: &str| {
                s.lines()
                    .find(|l| l.starts_with(key))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            rss = rss.max(kb("VmHWM:"));
            anon = anon.max(kb("RssAnon:"));
        }
        if let Some(st) = child.try_wait()? {
            if st.success() != ok {
                bail!("koda {} ended with {st}", args.join(" "));
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok((
        t.elapsed().as_secs_f64(),
        rss as f64 / 1024.0,
        anon as f64 / 1024.0,
    ))
}

/// The `koda` binary beside this one, if it was built.
fn koda_exe() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()?
        .parent()
        .map(|d| d.join("koda"))
        .filter(|p| p.exists())
}

/// Runs of each whole-process search: a koda search takes a few milliseconds, so its median
/// needs more runs than rg's to settle (the first runs after the heavier phases are slower).
const KODA_PROCESS_RUNS: usize = 21;
const RG_PROCESS_RUNS: usize = 9;

fn median_process(runs: usize, mut cmd: impl FnMut() -> Command) -> Result<Option<f64>> {
    let mut v = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let status = match cmd().stdout(Stdio::null()).stderr(Stdio::null()).status() {
            Ok(s) => s,
            Err(_) => return Ok(None),
        };
        if !status.success() && status.code() != Some(1) {
            bail!("a peer process failed: {status}");
        }
        v.push(ms(t.elapsed()));
    }
    Ok(Some(percentile(&mut v, 0.5)))
}

fn run_size(a: &Args, size: f64) -> Result<Value> {
    let dir = a.out.join(format!("s{size}"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let dir = dir.canonicalize()?;
    eprintln!("== {size} MB: generating the corpus");
    let corpus = corpus::generate(&dir.join("corpus"), size, a.seed)?;
    let mb = corpus.bytes as f64 / 1e6;
    let proj = dir.join("project");
    let p = proj.to_str().context("path")?;
    let mut r = json!({"size_mb": mb, "files": corpus.files.len()});

    // Import + index.
    eprintln!("== import + index (koda)");
    koda(&[
        "init", p, "--coder", "bench", "--lang", "no", "--lang", "en",
    ])?;
    let transcripts = dir.join("corpus/transcripts");
    let import_args = [
        "-p",
        p,
        "import",
        transcripts.to_str().context("path")?,
        "--speakers",
        corpus.speakers.to_str().context("path")?,
    ];
    // As its own process when the binary is there, so that its memory is its own.
    sampling(true);
    let (koda_import, rss, anon) = match koda_exe() {
        Some(exe) => koda_process(&exe, &import_args)?,
        None => {
            reset_peak();
            let t = Instant::now();
            koda(&import_args)?;
            (t.elapsed().as_secs_f64(), peak_rss_mb(), peak_anon_mb())
        }
    };
    r["import"] = json!({"koda_s": koda_import, "koda_mb_s": mb / koda_import, "koda_rss_mb": rss,
        "koda_anon_mb": anon, "koda_own_process": koda_exe().is_some()});

    eprintln!("== index (raw tantivy)");
    reset_peak();
    let t = Instant::now();
    let mut turns = Vec::new();
    for f in &corpus.files {
        let text = std::fs::read_to_string(f)?;
        peers::turns_of(
            &f.file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            &text,
            &mut turns,
        );
    }
    let mut raw = RawTantivy::build(&dir.join("tantivy"), &turns)?;
    let raw_s = t.elapsed().as_secs_f64();
    r["import"]["tantivy_s"] = json!(raw_s);
    let (index_mb, parts_mb) = raw.space_mb()?;
    r["index"] = json!({"tantivy_mb": index_mb, "parts_mb": parts_mb, "text_mb": mb});
    r["import"]["tantivy_mb_s"] = json!(mb / raw_s);
    r["import"]["tantivy_rss_mb"] = json!(peak_rss_mb());
    r["import"]["tantivy_anon_mb"] = json!(peak_anon_mb());
    r["import"]["ratio_koda_to_tantivy"] = json!(raw_s / koda_import);

    eprintln!("== index (SQLite FTS5)");
    reset_peak();
    let t = Instant::now();
    let fts = Fts5::build(&dir.join("fts5.db"), &turns)?;
    let fts_s = t.elapsed().as_secs_f64();
    r["import"]["fts5_s"] = json!(fts_s);
    r["import"]["fts5_mb_s"] = json!(mb / fts_s);
    r["import"]["fts5_rss_mb"] = json!(peak_rss_mb());
    r["import"]["fts5_anon_mb"] = json!(peak_anon_mb());
    sampling(false);
    r["import"]["turns"] = json!(turns.len());
    drop(turns);

    // Journal: durable single codings, then an autocoding run of 10,000 hits.
    eprintln!("== journal");
    let mut session = Session::open(&proj, "bench")?;
    let code = session.add_code("tillit", "", None)?;
    let docs: Vec<(String, Vec<(usize, usize)>)> = session
        .project()
        .documents()
        .iter()
        .map(|d| {
            let turns = session.project().turns_uncached(&d.id)?;
            Ok((
                d.id.clone(),
                turns.iter().map(|t| (t.start, t.end)).collect(),
            ))
        })
        .collect::<koda::Result<_>>()?;
    reset_peak();
    let t = Instant::now();
    for i in 0..a.journal_codings {
        let (doc, spans) = &docs[i % docs.len()];
        let span = spans[(i * 7) % spans.len()];
        session.add_codings(doc, &code, &[span], None)?;
    }
    let secs = t.elapsed().as_secs_f64();
    r["journal"] = json!({"codings": a.journal_codings, "codings_per_s": a.journal_codings as f64 / secs, "rss_mb": peak_rss_mb()});
    drop(session);

    reset_peak();
    let t = Instant::now();
    let hits_coded = {
        let mut session = Session::open(&proj, "bench")?;
        let (ix, _) = SearchIndex::open(session.project())?;
        let res = ix.search(session.project(), "og", Some(10_000))?;
        let mut spans = Vec::new();
        for h in &res.hits {
            let text = session.project().text(&h.doc)?;
            let ix = session.project().char_index(&h.doc)?;
            for (s, e) in spans_for(h, Unit::Match, &text, &ix) {
                spans.push((h.doc.clone(), s, e));
            }
        }
        session.add_codings_in(&code, &spans, None, Some("bench-autocode"))?;
        koda::index::refresh(session.project())?;
        res.hits.len()
    };
    let secs = t.elapsed().as_secs_f64();
    r["autocode"] = json!({"hits": hits_coded, "s": secs, "rss_mb": peak_rss_mb()});

    // Search latency, warm, in process.
    eprintln!("== search latency");
    let project = Project::open(&proj)?;
    let (ix, _) = SearchIndex::open(&project)?;
    // The baseline searches the words koda's search adds to a word (its compounds) too.
    for (_, spec) in peers::queries() {
        for w in spec.words() {
            raw.set_compounds(w, ix.compounds_of(w));
        }
    }
    let mut per_class = serde_json::Map::new();
    for class in CLASSES {
        let (mut k, mut b, mut f) = (Vec::new(), Vec::new(), Vec::new());
        let mut counts = Vec::new();
        for (_, spec) in peers::queries().into_iter().filter(|(c, _)| c == class) {
            let q = spec.koda();
            let res = ix.search(&project, &q, Some(20))?;
            counts.push(json!({"query": q, "koda_hits": res.total}));
            let koda_run = || {
                ix.search(&project, &q, Some(20))
                    .map(|_| ())
                    .map_err(Into::into)
            };
            match raw.query(&spec) {
                Some(query) => {
                    let (n, _) = raw.search(&*query)?;
                    if let Some(c) = counts.last_mut() {
                        c["tantivy_hits"] = json!(n);
                    }
                    let (kt, bt) = time_pair(a.runs, koda_run, || raw.search(&*query).map(|_| ()))?;
                    k.extend(kt);
                    b.extend(bt);
                }
                None => k.extend(time_query(a.runs, koda_run)?),
            }
            if let Some(fq) = spec.fts5() {
                f.extend(time_query(a.runs, || fts.search(&fq).map(|_| ()))?);
            }
        }
        let stat = |v: &mut Vec<f64>| {
            if v.is_empty() {
                Value::Null
            } else {
                json!({"p50_ms": percentile(v, 0.5), "p99_ms": percentile(v, 0.99)})
            }
        };
        let (ks, bs, fs) = (stat(&mut k), stat(&mut b), stat(&mut f));
        let ratio = match (ks["p99_ms"].as_f64(), bs["p99_ms"].as_f64()) {
            (Some(x), Some(y)) => json!(x / y),
            _ => Value::Null,
        };
        per_class.insert(
            (*class).to_string(),
            json!({"koda": ks, "tantivy": bs, "fts5": fs, "p99_ratio_koda_to_tantivy": ratio, "queries": counts}),
        );
    }
    // A fuzzy word searched for the first time: koda builds its automaton then (and reuses
    // it for the word's next searches, as in the fuzzy class above); the baseline builds one
    // on every search. Each run here searches a word the last hundred runs did not.
    let (mut for_koda, mut for_raw) = (peers::FreshFuzzy::default(), peers::FreshFuzzy::default());
    let words = for_koda.count();
    let (mut k, mut b) = time_pair(
        a.runs,
        || {
            let (w, n) = for_koda.next_word();
            ix.search(&project, &format!("{w}~{n}"), Some(20))
                .map(|_| ())
                .map_err(Into::into)
        },
        || {
            let (w, n) = for_raw.next_word();
            raw.search(&*raw.fuzzy(w, n)).map(|_| ())
        },
    )?;
    let (kp99, bp99) = (percentile(&mut k, 0.99), percentile(&mut b, 0.99));
    per_class.insert(
        "fuzzy, each word new".into(),
        json!({
            "koda": {"p50_ms": percentile(&mut k, 0.5), "p99_ms": kp99},
            "tantivy": {"p50_ms": percentile(&mut b, 0.5), "p99_ms": bp99},
            "fts5": Value::Null,
            "p99_ratio_koda_to_tantivy": kp99 / bp99,
            "words": words,
        }),
    );
    r["search"] = Value::Object(per_class);

    // Opening the project (index ready), in process.
    let mut opens = time_runs(5, || {
        let p = Project::open(&proj)?;
        SearchIndex::open(&p)?;
        Ok(())
    })?;
    r["open"] = json!({"in_process_warm_ms": percentile(&mut opens, 0.5)});

    // Whole process: `koda search` against `rg` over the same files.
    eprintln!("== whole process: koda search vs rg");
    let exe = koda_exe();
    let mut whole = serde_json::Map::new();
    if let Some(exe) = &exe {
        let first = Instant::now();
        let ok = Command::new(exe)
            .args(["-p", p, "search", "tillit"])
            .stdout(Stdio::null())
            .status()?;
        if ok.success() {
            r["open"]["first_process_ms"] = json!(ms(first.elapsed()));
        }
    }
    for word in ["tillit", "koordinatoren", "søknaden"] {
        let k = match &exe {
            Some(exe) => median_process(KODA_PROCESS_RUNS, || {
                let mut c = Command::new(exe);
                c.args(["-p", p, "search", word]);
                c
            })?,
            None => None,
        };
        let g = median_process(RG_PROCESS_RUNS, || {
            let mut c = Command::new("rg");
            c.args(["-i", word]).arg(&transcripts);
            c
        })?;
        let ratio = match (k, g) {
            (Some(k), Some(g)) => json!(g / k),
            _ => Value::Null,
        };
        whole.insert(
            word.to_string(),
            json!({"koda_ms": k, "rg_ms": g, "rg_over_koda": ratio}),
        );
    }
    r["whole_process"] = Value::Object(whole);
    if exe.is_none() {
        eprintln!("   (no koda binary beside koda-bench: run `cargo build --release` first)");
    }

    // Exports of a project with many codings.
    eprintln!("== export");
    {
        let mut session = Session::open(&proj, "bench")?;
        let codes: Vec<String> = ["timing", "roles", "roles/coordinator", "economy", "help"]
            .iter()
            .map(|c| session.add_code(c, "", None))
            .collect::<koda::Result<_>>()?;
        let have = session.project().codings.len();
        let mut made = have;
        let mut i = 0usize;
        while made < a.export_codings {
            let mut batch = Vec::new();
            while batch.len() < 10_000 && made + batch.len() < a.export_codings {
                let (doc, spans) = &docs[i % docs.len()];
                let (s, e) = spans[(i * 13) % spans.len()];
                batch.push((doc.clone(), s, e));
                i += 1;
            }
            let code = &codes[i % codes.len()];
            made += batch.len();
            session.add_codings_in(code, &batch, None, None)?;
        }
    }
    let codings = Project::open(&proj)?.codings.len();
    reset_peak();
    let t = Instant::now();
    let summary = dir.join("summary.md");
    koda(&[
        "-p",
        p,
        "export",
        "summary",
        "-o",
        summary.to_str().context("path")?,
    ])?;
    let summary_s = t.elapsed().as_secs_f64();
    let summary_rss = peak_rss_mb();
    reset_peak();
    let t = Instant::now();
    let csv = dir.join("excerpts.csv");
    koda(&[
        "-p",
        p,
        "export",
        "excerpts",
        "--format",
        "csv",
        "-o",
        csv.to_str().context("path")?,
    ])?;
    r["export"] = json!({"codings": codings, "summary_s": summary_s, "summary_rss_mb": summary_rss,
        "csv_s": t.elapsed().as_secs_f64(), "csv_rss_mb": peak_rss_mb(),
        "csv_mb": std::fs::metadata(&csv).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0)});
    Ok(r)
}

fn run_tui(a: &Args) -> Result<Value> {
    use koda::tui::app::{Action, App};
    use koda::tui::render::{ColorMode, render};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    eprintln!(
        "== reader: {} MB transcript, {} codings",
        a.tui_mb, a.tui_codings
    );
    let dir = a.out.join("tui");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("intervju-lang.txt");
    std::fs::write(
        &file,
        corpus::one_transcript((a.tui_mb * 1e6) as usize, a.seed),
    )?;
    let proj = dir.join("project");
    let p = proj.to_str().context("path")?;
    koda(&["init", p, "--coder", "bench"])?;
    koda(&["-p", p, "import", file.to_str().context("path")?])?;
    {
        let mut s = Session::open(&proj, "bench")?;
        let codes: Vec<String> = ["tillit", "timing", "roles", "roles/coordinator"]
            .iter()
            .map(|c| s.add_code(c, "", None))
            .collect::<koda::Result<_>>()?;
        let doc = s.project().documents()[0].clone();
        let turns = s.project().turns(&doc.id)?;
        for (k, code) in codes.iter().enumerate() {
            let spans: Vec<(String, usize, usize)> = (0..a.tui_codings / codes.len())
                .map(|i| {
                    let t = &turns[(i * 3 + k) % turns.len()];
                    (doc.id.clone(), t.start, (t.start + 40).min(t.end))
                })
                .collect();
            s.add_codings_in(code, &spans, None, None)?;
        }
    }
    reset_peak();
    let t = Instant::now();
    let session = Session::open(&proj, "bench")?;
    let doc = session.project().documents()[0].id.clone();
    let mut app = App::new(session, (120, 40));
    app.open_doc(&doc, None);
    let mut term = Terminal::new(TestBackend::new(120, 40))?;
    term.draw(|f| render(&app, f, ColorMode::TrueColor))?;
    let first = ms(t.elapsed());
    let mut frames = Vec::new();
    let mut draws = Vec::new();
    for i in 0..600 {
        let t = Instant::now();
        app.update(if i % 3 == 0 {
            Action::PageDown
        } else {
            Action::Down
        });
        let d = Instant::now();
        term.draw(|f| render(&app, f, ColorMode::TrueColor))?;
        draws.push(ms(d.elapsed()));
        frames.push(ms(t.elapsed()));
    }
    Ok(
        json!({"transcript_mb": a.tui_mb, "codings": a.tui_codings, "first_frame_ms": first,
        "frame_p50_ms": percentile(&mut frames, 0.5), "frame_p99_ms": percentile(&mut frames, 0.99),
        "draw_p50_ms": percentile(&mut draws, 0.5), "draw_p99_ms": percentile(&mut draws, 0.99),
        "rss_mb": peak_rss_mb()}),
    )
}

/// The confidentiality gate at scale: a register of `privacy_names` names against an export
/// of `privacy_mb` MB: building the pseudonymiser and the leak check, pseudonymising the text,
/// and checking it with 100 registered names left in; against the plain engine (one
/// case-insensitive Aho-Corasick automaton over the raw names, no folding, no rules) in process
/// and ripgrep (`rg -c -i -F -f names`) as a process.
fn run_privacy(a: &Args) -> Result<Value> {
    use koda::export::leak::Checker;
    use koda::model::identifiers::Settings;
    use koda::model::names::{Category, NameEntry, Names, Pseudonymiser};
    eprintln!(
        "== confidentiality: {} names, {} MB export",
        a.privacy_names, a.privacy_mb
    );
    let dir = a.out.join("privacy");
    std::fs::create_dir_all(&dir)?;
    let given = [
        "Kari", "Ole", "Ingrid", "Per", "Åse", "Bjørn", "Liv", "Tor", "Siri", "Jonas",
    ];
    let family = [
        "Nordmann",
        "Ødegård",
        "Hansen",
        "Lie",
        "Berg",
        "Haugen",
        "Dahl",
        "Moe",
    ];
    let names = Names {
        names: (0..a.privacy_names)
            .map(|i| NameEntry {
                name: format!(
                    "{} {}{}",
                    given[i % given.len()],
                    family[(i / given.len()) % family.len()],
                    i / (given.len() * family.len())
                ),
                replacement: format!("(navn {i})"),
                aliases: Vec::new(),
                category: Category::Person,
                any_case: false,
            })
            .collect(),
        ..Names::default()
    };
    let text = corpus::one_transcript((a.privacy_mb * 1e6) as usize, a.seed);
    // 100 registered names left in, one every few hundred lines.
    let mut leaky = String::with_capacity(text.len() + 4096);
    let mut planted = 0;
    for (i, line) in text.lines().enumerate() {
        if i % 97 == 50 && planted < 100 {
            leaky.push_str(&names.names[(planted * 7919) % names.names.len()].name);
            leaky.push_str(" sa det. ");
            planted += 1;
        }
        leaky.push_str(line);
        leaky.push('\n');
    }
    reset_peak();
    let t = Instant::now();
    let checker = Checker::new(&names, Settings::default())?;
    let check_build_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let leaks = checker.check_text(&leaky, "export.md");
    let check_s = t.elapsed().as_secs_f64();
    let found: std::collections::BTreeSet<&str> = leaks
        .iter()
        .filter_map(|l| match &l.found {
            koda::export::leak::Found::Name(n) => Some(n.as_str()),
            koda::export::leak::Found::Identifier(_) => None,
        })
        .collect();
    if found.len() < planted {
        bail!(
            "the leak check found {} of {planted} planted names",
            found.len()
        );
    }
    let check_rss = peak_rss_mb();
    let t = Instant::now();
    let pz = Pseudonymiser::new(&names);
    let pz_build_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let replaced = pz.apply(&leaky);
    let pseudonymise_s = t.elapsed().as_secs_f64();
    if !checker
        .check_text(&replaced, "export.md")
        .iter()
        .all(|l| matches!(l.found, koda::export::leak::Found::Identifier(_)))
    {
        bail!("names left after pseudonymising");
    }
    let t = Instant::now();
    let plain = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(names.names.iter().map(|n| n.name.as_str()))?;
    let plain_build_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let plain_hits = plain.find_iter(&leaky).count();
    let plain_s = t.elapsed().as_secs_f64();
    let list = dir.join("names.txt");
    let export = dir.join("export.md");
    std::fs::write(
        &list,
        names
            .names
            .iter()
            .map(|n| format!("{}\n", n.name))
            .collect::<String>(),
    )?;
    std::fs::write(&export, &leaky)?;
    let t = Instant::now();
    let rg = Command::new("rg")
        .args([
            "-c",
            "-i",
            "-F",
            "--regex-size-limit",
            "4G",
            "--dfa-size-limit",
            "4G",
            "-f",
        ])
        .arg(&list)
        .arg(&export)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    // 0: found, 1: found nothing; anything else (no rg, a refusal) is no figure.
    let rg_s = rg
        .ok()
        .filter(|s| matches!(s.code(), Some(0 | 1)))
        .map(|_| t.elapsed().as_secs_f64());
    Ok(
        json!({"names": a.privacy_names, "export_mb": leaky.len() as f64 / 1e6,
        "planted": planted, "found": found.len(),
        "check_build_s": check_build_s, "check_s": check_s, "check_rss_mb": check_rss,
        "pseudonymiser_build_s": pz_build_s, "pseudonymise_s": pseudonymise_s,
        "plain_build_s": plain_build_s, "plain_s": plain_s, "plain_hits": plain_hits,
        "rg_s": rg_s}),
    )
}

fn main() -> Result<()> {
    let a = Args::parse();
    std::fs::create_dir_all(&a.out)?;
    start_anon_sampler();
    if a.long_turns > 0 {
        let long = long::run(&a.out, a.long_turns, a.seed)?;
        std::fs::write(
            a.out.join("results-long.json"),
            serde_json::to_string_pretty(&long)?,
        )?;
        println!("{}", serde_json::to_string_pretty(&json!({"long": long}))?);
    }
    if a.long_only {
        return Ok(());
    }
    if a.refi_mb > 0.0 {
        let exe =
            koda_exe().context("the REFI-QDA phase runs koda as a process: build it first")?;
        let refi = refi::run(&a.out, a.refi_mb, a.refi_bomb_mib, &exe)?;
        std::fs::write(
            a.out.join("results-refi.json"),
            serde_json::to_string_pretty(&refi)?,
        )?;
        println!("{}", serde_json::to_string_pretty(&json!({"refi": refi}))?);
    }
    if a.refi_only {
        return Ok(());
    }
    let privacy = run_privacy(&a)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({"confidentiality": privacy}))?
    );
    if a.privacy_only {
        return Ok(());
    }
    let mut all = Vec::new();
    let tui = run_tui(&a)?;
    println!("{}", serde_json::to_string_pretty(&json!({"reader": tui}))?);
    if a.reader_only {
        return Ok(());
    }
    for &size in &a.sizes {
        let r = run_size(&a, size)?;
        std::fs::write(
            a.out.join(format!("results-{size}.json")),
            serde_json::to_string_pretty(&r)?,
        )?;
        println!("{}", plot::table(&r));
        all.push(r);
    }
    let summary = json!({"reader": tui, "confidentiality": privacy, "sizes": all});
    std::fs::write(
        a.out.join("results.json"),
        serde_json::to_string_pretty(&summary)?,
    )?;
    if let Some(svg) = &a.svg {
        std::fs::write(svg, plot::svg(&all))?;
        eprintln!("wrote {}", svg.display());
    }
    Ok(())
}
