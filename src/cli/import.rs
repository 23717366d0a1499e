//! `koda import`: unpacks the options into an import request and prints each step (the import itself is `ops::import`).

use super::Outcome;
use super::args::ImportArgs;
use super::ctx::Ctx;
use super::output::ellipsize;
use crate::model::case::parse_attr;
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
    let attrs = a
        .attrs
        .iter()
        .map(|s| parse_attr(s))
        .collect::<Result<Vec<_>, _>>()?;
    let metadata = a
        .meta
        .iter()
        .map(|s| parse_attr(s))
        .collect::<Result<Vec<_>, _>>()?;
    let format = a.format.as_deref().map(import::Format::parse).transpose()?;
    let mut speakers = a
        .speaker
        .iter()
        .map(|s| import::speakers::parse_pair(s))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(f) = &a.speakers_file {
        speakers.extend(import::speakers::read_file(f)?);
    }
    let req = ops::import::Request {
        paths: a.files.clone(),
        read: import::ReadOptions {
            kind,
            format,
            text_columns: a.text_columns.clone(),
            id_column: a.id_column.clone(),
            per_column: a.per == "column",
            strict: a.strict,
        },
        opts: ImportOptions {
            case: a.case.clone(),
            attrs,
            title: a.title.clone(),
            metadata,
            speakers,
        },
    };
    let mut session = ctx.session()?;
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
    let report = ops::import::run(&mut session, &req, &mut |ev| {
        let r = show_event(&ev, req.paths.len() == 1, &mut obuf, &mut ebuf);
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

/// Prints one step of an import.
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
            if !r.skipped.is_empty() {
                writeln!(
                    out,
                    "skipped {} sources koda cannot hold: {}",
                    r.skipped.len(),
                    r.skipped.join(", ")
                )?;
            }
            for d in &r.dropped {
                writeln!(err, "koda: warning: left out {d}")?;
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
