//! The report's table and its plot of cost against corpus size (SVG, written by hand).

use serde_json::Value;
use std::fmt::Write as _;

fn f(v: &Value, digits: usize) -> String {
    match v.as_f64() {
        Some(x) if x.is_finite() => format!("{x:.digits$}"),
        _ => "n/a".into(),
    }
}

/// A Markdown table of one size's results.
pub fn table(r: &Value) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n### {} MB ({} files, {} turns)\n",
        f(&r["size_mb"], 0),
        r["files"],
        r["import"]["turns"]
    );
    let i = &r["import"];
    let _ = writeln!(
        s,
        "| import + index | koda | raw tantivy | SQLite FTS5 | koda / tantivy |\n| --- | --- | --- | --- | --- |"
    );
    let _ = writeln!(
        s,
        "| seconds | {} | {} | {} | |\n| MB/s | {} | {} | {} | {} |\n| peak RSS MB | {} | {} | {} | |\n| peak anonymous (heap) MB | {} | {} | {} | |",
        f(&i["koda_s"], 1),
        f(&i["tantivy_s"], 1),
        f(&i["fts5_s"], 1),
        f(&i["koda_mb_s"], 1),
        f(&i["tantivy_mb_s"], 1),
        f(&i["fts5_mb_s"], 1),
        f(&i["ratio_koda_to_tantivy"], 2),
        f(&i["koda_rss_mb"], 0),
        f(&i["tantivy_rss_mb"], 0),
        f(&i["fts5_rss_mb"], 0),
        f(&i["koda_anon_mb"], 0),
        f(&i["tantivy_anon_mb"], 0),
        f(&i["fts5_anon_mb"], 0),
    );
    let _ = writeln!(
        s,
        "\n| search (ms, warm) | koda p50 | koda p99 | tantivy p50 | tantivy p99 | FTS5 p50 | FTS5 p99 | koda/tantivy p99 |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    if let Some(m) = r["search"].as_object() {
        for (class, v) in m {
            let _ = writeln!(
                s,
                "| {class} | {} | {} | {} | {} | {} | {} | {} |",
                f(&v["koda"]["p50_ms"], 2),
                f(&v["koda"]["p99_ms"], 2),
                f(&v["tantivy"]["p50_ms"], 2),
                f(&v["tantivy"]["p99_ms"], 2),
                f(&v["fts5"]["p50_ms"], 2),
                f(&v["fts5"]["p99_ms"], 2),
                f(&v["p99_ratio_koda_to_tantivy"], 2),
            );
        }
    }
    let _ = writeln!(
        s,
        "\n| whole process | koda search ms | rg ms | rg / koda |\n| --- | --- | --- | --- |"
    );
    if let Some(m) = r["whole_process"].as_object() {
        for (w, v) in m {
            let _ = writeln!(
                s,
                "| {w} | {} | {} | {} |",
                f(&v["koda_ms"], 1),
                f(&v["rg_ms"], 1),
                f(&v["rg_over_koda"], 1)
            );
        }
    }
    let _ = writeln!(
        s,
        "\n| other | value |\n| --- | --- |\n| open project + index, in process (ms) | {} |\n| first `koda search` process after import (ms) | {} |\n| durable codings per second | {} |\n| autocoding {} hits (s) | {} |\n| export summary of {} codings (s, peak RSS MB) | {}, {} |\n| export excerpts CSV (s, peak RSS MB, file MB) | {}, {}, {} |",
        f(&r["open"]["in_process_warm_ms"], 1),
        f(&r["open"]["first_process_ms"], 1),
        f(&r["journal"]["codings_per_s"], 0),
        r["autocode"]["hits"],
        f(&r["autocode"]["s"], 2),
        r["export"]["codings"],
        f(&r["export"]["summary_s"], 2),
        f(&r["export"]["summary_rss_mb"], 0),
        f(&r["export"]["csv_s"], 2),
        f(&r["export"]["csv_rss_mb"], 0),
        f(&r["export"]["csv_mb"], 1),
    );
    s
}

/// A panel: its title and its lines (name, colour, values per size).
type Panel<'a> = (&'a str, Vec<(&'a str, &'a str, Vec<f64>)>);

/// Two panels: import + index seconds, and one-word search p99, against corpus size.
pub fn svg(all: &[Value]) -> String {
    let xs: Vec<f64> = all.iter().filter_map(|r| r["size_mb"].as_f64()).collect();
    let series = |path: &[&str]| -> Vec<f64> {
        all.iter()
            .map(|r| {
                let mut v = r;
                for p in path {
                    v = &v[*p];
                }
                v.as_f64().unwrap_or(f64::NAN)
            })
            .collect()
    };
    let panels: [Panel; 2] = [
        (
            "import + index (s)",
            vec![
                ("koda", "#1b6ca8", series(&["import", "koda_s"])),
                ("raw tantivy", "#d1495b", series(&["import", "tantivy_s"])),
                ("SQLite FTS5", "#66a182", series(&["import", "fts5_s"])),
            ],
        ),
        (
            "search p99, one word (ms)",
            vec![
                (
                    "koda",
                    "#1b6ca8",
                    series(&["search", "one word", "koda", "p99_ms"]),
                ),
                (
                    "raw tantivy",
                    "#d1495b",
                    series(&["search", "one word", "tantivy", "p99_ms"]),
                ),
                (
                    "SQLite FTS5",
                    "#66a182",
                    series(&["search", "one word", "fts5", "p99_ms"]),
                ),
            ],
        ),
    ];
    let (w, h, pad) = (420.0, 300.0, 50.0);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        w * 2.0
    );
    let xmax = xs.iter().copied().fold(1.0, f64::max);
    for (k, (title, lines)) in panels.iter().enumerate() {
        let ox = k as f64 * w;
        let ymax = lines
            .iter()
            .flat_map(|(_, _, v)| v.iter().copied())
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
            .max(1e-9)
            * 1.1;
        let px = |x: f64| ox + pad + (x / xmax) * (w - 2.0 * pad);
        let py = |y: f64| h - pad - (y / ymax) * (h - 2.0 * pad);
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"20\" font-size=\"13\">{title}</text>\n<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>",
            ox + pad,
            px(0.0),
            py(0.0),
            px(xmax),
            py(0.0),
            px(0.0),
            py(0.0),
            px(0.0),
            py(ymax)
        );
        for t in 0..=4 {
            let y = ymax * t as f64 / 4.0;
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{y:.1}</text>",
                px(0.0) - 4.0,
                py(y) + 4.0
            );
        }
        for x in &xs {
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{x:.0}</text>",
                px(*x),
                py(0.0) + 14.0
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">corpus size (MB)</text>",
            px(xmax / 2.0),
            h - 12.0
        );
        for (n, (name, colour, ys)) in lines.iter().enumerate() {
            let pts: Vec<String> = xs
                .iter()
                .zip(ys)
                .filter(|(_, y)| y.is_finite())
                .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
                .collect();
            let _ = writeln!(
                s,
                "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
                pts.join(" ")
            );
            for p in &pts {
                if let Some((x, y)) = p.split_once(',') {
                    let _ = writeln!(
                        s,
                        "<circle cx=\"{x}\" cy=\"{y}\" r=\"3\" fill=\"{colour}\"/>"
                    );
                }
            }
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{}\" fill=\"{colour}\">{name}</text>",
                ox + pad + 10.0,
                40.0 + 14.0 * n as f64
            );
        }
    }
    s.push_str("</svg>\n");
    s
}
