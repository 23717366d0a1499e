//! `koda import`: unpacks the options into an import request and prints each step (the import itself is `ops::import`).

use super::Outcome;
use super::args::ImportArgs;
use super::ctx::Ctx;
use super::output::ellipsize;
use crate::model::case::parse_attrs;
use crate::store::project::{ImportOptions, parse_kind};
use crate::{import, ops};
use anyhow::Result;
use std::io::Write;

/// `koda import`: unpacks the options, runs the import, prints each step as it happens (with a
/// progress bar on a terminal once it takes more than a moment) and the sum at the end.
pub(super) fn import_files(
    ctx: &Ctx,
    a: ImportArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Outcome> {
    let kind = a.kind.as_deref().map(parse_kind).transpose()?;
    let attrs = parse_attrs(&a.attrs)?;
    let metadata = parse_attrs(&a.meta)?;
    let format = a.format.as_deref().map(import::Format::parse).transpose()?;
    let mut speakers = a
        .speaker
        .iter()
        .map(|s| import::speakers::parse_pair(s))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(f) = &a.speakers_file {
        speakers.extend(import::speakers::read_file(f)?);
    }
    let read = import::ReadOptions {
        kind,
        format,
        text_columns: a.text_columns.clone(),
        id_column: a.id_column.clone(),
        per_column: a.per == "column",
        strict: a.strict,
        segmentation: segmentation(a.speaker_pattern.as_deref(), a.no_speakers)?,
    };
    let defaults = import::qdpx::Limits::default();
    let refi = import::qdpx::ReadOptions {
        limits: import::qdpx::Limits {
            ratio: a.max_ratio.unwrap_or(defaults.ratio),
            max_bytes: a
                .max_unpacked
                .map_or(defaults.max_bytes, |m| m.saturating_mul(1024 * 1024)),
        },
        repair_selections: a.repair_selections,
    };
    if a.preview {
        let req = ops::import::Request {
            paths: a.files.clone(),
            read,
            refi,
            ..ops::import::Request::default()
        };
        return show_preview(&ops::import::preview(&req), out, err);
    }
    let req = ops::import::Request {
        paths: a.files.clone(),
        read,
        refi,
        opts: ImportOptions {
            case: a.case.clone(),
            attrs,
            title: a.title.clone(),
            metadata,
            speakers,
        },
    };
    let mut session = ctx.session(err)?;
    let started = std::time::Instant::now();
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    // Each file's messages are kept and written with the bar out of the way.
    let (mut obuf, mut ebuf): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
    let mut shown = false;
    let mut io: std::io::Result<()> = Ok(());
    let mut json: Vec<serde_json::Value> = Vec::new();
    let report = ops::import::run(&mut session, &req, &mut |ev| {
        let r = if a.json {
            collect_json(&ev, &mut json);
            Ok(())
        } else {
            show_event(&ev, req.paths.len() == 1, &mut obuf, &mut ebuf)
        };
        if let ops::import::Event::Reading { file, n, of } = ev {
            bar.set_length(of as u64);
            if !shown
                && of > 1
                && started.elapsed() > std::time::Duration::from_millis(400)
                && std::io::IsTerminal::is_terminal(&std::io::stderr())
            {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                shown = true;
            }
            bar.set_message(ellipsize(&file.display().to_string(), 60));
            bar.set_position(n as u64);
        }
        let flushed = bar.suspend(|| -> std::io::Result<()> {
            out.write_all(&obuf)?;
            err.write_all(&ebuf)
        });
        obuf.clear();
        ebuf.clear();
        if io.is_ok() {
            io = r.and(flushed);
        }
    })?;
    bar.finish_and_clear();
    io?;
    if a.json {
        let failed: Vec<String> = report.failed.iter().map(|e| e.to_string()).collect();
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "imported": json,
                "failed": failed,
            }))?
        )?;
    }
    for m in &report.unmatched_speakers {
        writeln!(
            err,
            "koda: warning: speaker {:?}{} was not found in the imported files; see `koda speakers DOC`",
            m.label,
            m.file
                .as_ref()
                .map(|f| format!(" (file {f})"))
                .unwrap_or_default()
        )?;
    }
    for (new, old, file) in &report.resembling {
        writeln!(
            err,
            "koda: warning: {} has the title or file name of {old}, already in the project; it was imported as {new}. If it is a corrected {old}, `koda docs rm {new} --yes` and `koda docs replace {old} {}` put its text in place of the old one, codings kept",
            file.display(),
            file.display()
        )?;
    }
    for e in &report.failed {
        writeln!(err, "koda: failed: {e}")?;
    }
    if report.files + report.failed.len() > 1 || !report.failed.is_empty() || report.skipped > 0 {
        writeln!(
            err,
            "{} imported, {} skipped as duplicates, {} failed",
            report.imported,
            report.skipped,
            report.failed.len()
        )?;
    }
    if let Some(w) = &report.index_warning {
        writeln!(err, "koda: warning: {w}")?;
    }
    Ok(if report.failed.is_empty() {
        Outcome::Success
    } else {
        Outcome::PartialFailure
    })
}

/// `koda resegment`: finds a document's turns again and says what changed.
pub(super) fn resegment(
    ctx: &Ctx,
    doc: &str,
    pattern: Option<&str>,
    no_speakers: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    let how = segmentation(pattern, no_speakers)?;
    let mut s = ctx.session(err)?;
    let r = ops::edit::resegment(&mut s, doc, &how)?;
    let speakers: Vec<String> = r
        .speakers
        .iter()
        .map(|(n, c)| format!("{n} ({c})"))
        .collect();
    writeln!(
        out,
        "{}: {} turns (was {}), speakers: {}; the text and its codings are unchanged (`koda undo` brings the old turns back)",
        r.doc,
        r.after,
        r.before,
        if speakers.is_empty() {
            "none".to_string()
        } else {
            speakers.join(", ")
        }
    )?;
    for l in &r.unheard {
        writeln!(
            err,
            "koda: warning: speaker {l:?} is mapped to a case but no longer has a turn in {}",
            r.doc
        )?;
    }
    ctx.after_change(s.project(), err)
}

/// How many of a preview's first turns are shown.
const PREVIEW_TURNS: usize = 6;

/// Prints what `koda import --preview` found: per document its type, turns, speakers with
/// their turn counts, the first turns and the warnings.
fn show_preview(
    previews: &[ops::import::Preview],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Outcome> {
    use crate::model::display::{cut, timestamp};
    let mut failed = false;
    for p in previews {
        let docs = match &p.documents {
            Ok(d) => d,
            Err(e) => {
                writeln!(err, "koda: failed: {e}")?;
                failed = true;
                continue;
            }
        };
        for d in docs {
            let counts = crate::model::speaker_turns(&d.turns);
            writeln!(
                out,
                "{} ({}): {}{}, {} turns, {} speakers{}",
                p.file.display(),
                d.origin.format,
                d.kind,
                if d.kind_guessed { " (guessed)" } else { "" },
                d.turns.len(),
                counts.len(),
                if d.words.is_empty() {
                    String::new()
                } else {
                    format!(", {} timed words", d.words.len())
                }
            )?;
            if docs.len() > 1 {
                writeln!(out, "  title: {}", d.title)?;
            }
            if !counts.is_empty() {
                let shown: Vec<String> = counts
                    .iter()
                    .map(|(s, c)| format!("{s} ({c} turn{})", if *c == 1 { "" } else { "s" }))
                    .collect();
                writeln!(out, "  speakers: {}", shown.join(", "))?;
            }
            for t in d.turns.iter().take(PREVIEW_TURNS) {
                let text: String = d
                    .text
                    .chars()
                    .skip(t.start)
                    .take(t.end.saturating_sub(t.start))
                    .collect();
                writeln!(
                    out,
                    "  {:>3} {}{}{}",
                    t.number,
                    t.timestamp_ms
                        .map(|ms| format!("[{}] ", timestamp(ms)))
                        .unwrap_or_default(),
                    t.speaker
                        .as_ref()
                        .map(|s| format!("{s}: "))
                        .unwrap_or_default(),
                    cut(&text.replace('\n', " "), 70)
                )?;
            }
            if d.turns.len() > PREVIEW_TURNS {
                writeln!(out, "      … {} more", d.turns.len() - PREVIEW_TURNS)?;
            }
            for w in &d.warnings {
                writeln!(out, "  warning: {w}")?;
            }
        }
    }
    writeln!(err, "preview only: nothing was imported")?;
    Ok(if failed {
        Outcome::PartialFailure
    } else {
        Outcome::Success
    })
}

/// The segmentation `--speaker-pattern` or `--no-speakers` asks for (checked before any file
/// is read).
pub(super) fn segmentation(
    pattern: Option<&str>,
    no_speakers: bool,
) -> Result<crate::model::Segmentation> {
    use crate::model::Segmentation;
    let how = match (pattern, no_speakers) {
        (Some(p), _) => Segmentation::Pattern(p.to_string()),
        (None, true) => Segmentation::None,
        (None, false) => Segmentation::Auto,
    };
    import::text::segment(String::new(), &how).map_err(|m| crate::Error::invalid(m.0))?;
    Ok(how)
}

/// Prints one step of an import.
/// What `--json` prints for an import step.
fn collect_json(ev: &ops::import::Event<'_>, into: &mut Vec<serde_json::Value>) {
    match ev {
        ops::import::Event::Document { file, doc, .. } => into.push(serde_json::json!({
            "file": file.display().to_string(),
            "document": doc.id,
            "title": doc.title,
            "type": doc.kind.as_str(),
            "turns": doc.turn_count,
        })),
        ops::import::Event::Refi {
            file,
            report: r,
            origin,
        } => {
            let dropped: Vec<serde_json::Value> = r
                .dropped
                .kinds
                .iter()
                .map(|(k, (n, names))| serde_json::json!({"kind": k, "count": n, "names": names}))
                .collect();
            into.push(serde_json::json!({
                "file": file.display().to_string(),
                "origin": origin,
                "documents": r.documents,
                "reused": r.reused,
                "codes": r.codes,
                "codes_updated": r.codes_updated,
                "codings": r.codings,
                "codings_known": r.codings_known,
                "memos": r.memos,
                "memos_updated": r.memos_updated,
                "cases": r.cases,
                "sets": r.sets,
                "relations": r.relations,
                "dropped": dropped,
                "changes": r.changes,
            }))
        }
        ops::import::Event::Duplicate { file, msg } => into.push(serde_json::json!({
            "file": file.display().to_string(),
            "duplicate": msg,
        })),
        _ => {}
    }
}

fn show_event(
    ev: &ops::import::Event<'_>,
    single: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<()> {
    use ops::import::Event;
    match ev {
        Event::Reading { .. } => {}
        Event::Document {
            file,
            doc: d,
            guessed,
            warnings,
        } => {
            writeln!(
                out,
                "imported {} as {} ({}{}, {} turns, {} speakers{})",
                file.display(),
                d.id,
                d.kind,
                if *guessed { ", guessed" } else { "" },
                d.turn_count,
                d.speakers.len(),
                d.case
                    .as_ref()
                    .map(|c| format!(", case {c}"))
                    .unwrap_or_default()
            )?;
            if !d.speakers.is_empty() && single {
                let shown: Vec<String> = d
                    .speakers
                    .iter()
                    .map(|s| match d.speaker_cases.get(s) {
                        Some(c) => format!("{s} (case {c})"),
                        None => s.clone(),
                    })
                    .collect();
                writeln!(out, "  speakers: {}", shown.join(", "))?;
            }
            for w in *warnings {
                writeln!(err, "koda: warning: {}: {w}", file.display())?;
            }
        }
        Event::Refi {
            file,
            report: r,
            origin,
        } => {
            writeln!(
                out,
                "imported {}: {} documents ({} already here), {} new codes, {} codings, {} memos, {} cases{}",
                file.display(),
                r.documents,
                r.reused,
                r.codes,
                r.codings,
                r.memos,
                r.cases,
                origin.map(|o| format!(" (from {o})")).unwrap_or_default()
            )?;
            let more: Vec<String> = [
                (r.codes_updated, "codes updated"),
                (r.codings_known, "codings already here"),
                (r.memos_updated, "memos updated"),
                (r.sets, "sets"),
                (r.relations, "code relations"),
            ]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
            if !more.is_empty() {
                writeln!(out, "  also: {}", more.join(", "))?;
            }
            for c in &r.changes {
                writeln!(err, "koda: changed: {c}")?;
            }
            if !r.dropped.is_empty() {
                writeln!(
                    err,
                    "koda: left out what koda cannot hold (`--strict` refuses such a file): {}",
                    r.dropped.lines().join("; ")
                )?;
            }
        }
        Event::Duplicate { file, msg } => {
            writeln!(err, "skipped {}: {msg}", file.display())?;
        }
        Event::IndexFeedFailed { file, error } => {
            writeln!(
                err,
                "koda: warning: indexing {} as it was imported failed ({error})",
                file.display()
            )?;
        }
    }
    Ok(())
}
