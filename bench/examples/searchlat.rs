//! Search latency of koda and the raw-tantivy baseline on a project and baseline index that
//! `koda-bench` left behind, without rebuilding them:
//! `cargo run --release -p koda-bench --example searchlat -- target/koda-bench/s200 [CLASS]`,
//! where CLASS is one of the query classes or `fresh` (fuzzy words new to koda's automaton
//! cache, as the report's "fuzzy, each word new").

#[path = "../src/peers.rs"]
#[allow(dead_code)]
mod peers;

use koda::index::SearchIndex;
use koda::store::Project;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_default());
    let p = Project::open(&dir.join("project"))?;
    let (ix, _) = SearchIndex::open(&p)?;
    let mut raw = match peers::RawTantivy::open(&dir.join("tantivy")) {
        Ok(raw) => raw,
        Err(e) => {
            eprintln!("rebuilding the baseline ({e})");
            let _ = std::fs::remove_dir_all(dir.join("tantivy"));
            let mut turns = Vec::new();
            for f in std::fs::read_dir(dir.join("corpus/transcripts"))? {
                let f = f?.path();
                let name = f.file_name().map(|s| s.to_string_lossy().into_owned());
                peers::turns_of(
                    &name.unwrap_or_default(),
                    &std::fs::read_to_string(&f)?,
                    &mut turns,
                );
            }
            peers::RawTantivy::build(&dir.join("tantivy"), &turns)?
        }
    };
    for (_, spec) in peers::queries() {
        for w in spec.words() {
            raw.set_compounds(w, ix.compounds_of(w));
        }
    }
    // One class alone (for profiling) runs long enough to outweigh loading the project.
    let runs = if std::env::args().nth(2).is_some() {
        900
    } else {
        30
    };
    let time = |f: &mut dyn FnMut() -> anyhow::Result<()>| -> anyhow::Result<Vec<f64>> {
        f()?;
        let mut v = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            f()?;
            v.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        Ok(v)
    };
    let pc = |v: &mut Vec<f64>, x: f64| {
        v.sort_by(|a, b| a.total_cmp(b));
        v.get(((v.len() as f64 - 1.0) * x).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let mut queries = peers::queries();
    queries.insert(0, ("no hit", peers::Spec::Words(vec!["zzqqxx"])));
    let mut classes: Vec<&str> = queries.iter().map(|(c, _)| *c).collect();
    classes.dedup();
    classes.push("fresh");
    // An optional second argument picks one class (for profiling).
    if let Some(only) = std::env::args().nth(2) {
        classes.retain(|c| *c == only);
    }
    for class in classes {
        let (mut k, mut b) = (Vec::new(), Vec::new());
        // "fresh": fuzzy words, each new to the index's automaton cache when searched.
        if class == "fresh" {
            let mut fresh = peers::FreshFuzzy::default();
            k = time(&mut || {
                let (w, n) = fresh.next_word();
                ix.search(&p, &format!("{w}~{n}"), Some(20))?;
                Ok(())
            })?;
            let mut fresh = peers::FreshFuzzy::default();
            b = time(&mut || {
                let (w, n) = fresh.next_word();
                raw.search(&*raw.fuzzy(w, n)).map(|_| ())
            })?;
        }
        for (_, spec) in queries.iter().filter(|(c, _)| *c == class) {
            let q = spec.koda();
            let limit = std::env::var("KODA_LIMIT")
                .ok()
                .and_then(|l| l.parse().ok());
            k.extend(time(&mut || {
                ix.search(&p, &q, Some(limit.unwrap_or(20)))?;
                Ok(())
            })?);
            if let Some(query) = raw.query(spec) {
                b.extend(time(&mut || raw.search(&*query).map(|_| ()))?);
            }
        }
        println!(
            "{class:16} koda p50 {:6.2} p99 {:6.2} | tantivy p50 {:6.2} p99 {:6.2} | p99 ratio {:.2}",
            pc(&mut k, 0.5),
            pc(&mut k, 0.99),
            pc(&mut b, 0.5),
            pc(&mut b, 0.99),
            pc(&mut k, 0.99) / pc(&mut b, 0.99)
        );
    }
    Ok(())
}
