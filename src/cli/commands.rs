//! One function per subcommand: unpack arguments, call the core, print the result.

use super::Outcome;
use super::args::{
    AgreeArgs, AgreeUnit, AutocodeArgs, CasesAction, CasesArgs, Cli, CodeArgs, CodesAction,
    CodesArgs, CodingsAction, CodingsArgs, Command, ContextArg, CountArg, ExcerptsArgs, ExportArgs,
    ExportKind, ImportArgs, InitArgs, MemoAction, MergeArgs, NamesAction, NamesArgs, OrderArg,
    PreferArg, SearchArgs, Selector, SpeakersArgs, StatsArgs, StatsTable, UncodeArgs, UnitArg,
};
use super::output::{ellipsize, indent, table, timestamp};
use crate::analysis::{self, ExcerptFilter};
use crate::model::case::parse_attr;
use crate::model::codebook::parse_color;
use crate::model::text::slice_chars;
use crate::model::{Memo, MemoTarget};
use crate::store::project::{ImportOptions, Selection, parse_kind};
use crate::store::{Project, Session};
use crate::{Error, import};
use anyhow::{Context, Result, bail};
use clap::CommandFactory;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// Runs the parsed command line.
pub fn dispatch(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome> {
    let ctx = Ctx {
        project: cli.project.clone(),
        coders: cli.coder.clone(),
        wait: cli.wait,
    };
    match cli.command {
        None => {
            if let Some(open) = &cli.open
                && !open.exists()
            {
                return Err(super::UsageError(format!(
                    "{:?} is neither a koda command nor a folder; see `koda --help`",
                    open.display().to_string()
                ))
                .into());
            }
            if std::io::IsTerminal::is_terminal(&std::io::stdout())
                && std::io::IsTerminal::is_terminal(&std::io::stdin())
            {
                return tui(&ctx, cli.open.as_deref());
            }
            let p = ctx.load(cli.open.as_deref(), err)?;
            overview(&p, out)?;
        }
        Some(Command::Tui { project }) => return tui(&ctx, project.as_deref()),
        Some(Command::Init(a)) => init(&ctx, a, out)?,
        Some(Command::Import(a)) => return import_files(&ctx, a, out, err),
        Some(Command::Docs(a)) => docs(&ctx.load(None, err)?, a.json, out)?,
        Some(Command::Show(a)) => show(&ctx.load(None, err)?, &a.doc, a.json, out)?,
        Some(Command::Codes(a)) => codes(&ctx, a, out, err)?,
        Some(Command::Code(a)) => code(&ctx, a, out, err)?,
        Some(Command::Uncode(a)) => uncode(&ctx, a, out, err)?,
        Some(Command::Excerpts(a)) => excerpts(&ctx, a, out, err)?,
        Some(Command::Search(a)) => search(&ctx, a, out, err)?,
        Some(Command::Autocode(a)) => autocode(&ctx, a, out, err)?,
        Some(Command::Reindex) => {
            let p = ctx.load(None, err)?;
            let (_, r) = crate::index::SearchIndex::rebuild(&p)?;
            writeln!(out, "search index rebuilt: {} documents", r.indexed)?;
        }
        Some(Command::Export(a)) => export(&ctx, a, out, err)?,
        Some(Command::Stats(a)) => stats(&ctx, a, out, err)?,
        Some(Command::Edit { doc, from }) => edit(&ctx, &doc, from.as_deref(), out, err)?,
        Some(Command::Codings(a)) => codings(&ctx, a, out, err)?,
        Some(Command::Undo) => history_step(&ctx, true, out, err)?,
        Some(Command::Redo) => history_step(&ctx, false, out, err)?,
        Some(Command::Names(a)) => names(&ctx, a, out, err)?,
        Some(Command::Check { file }) => {
            let p = ctx.load(None, err)?;
            let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
            let pz = crate::model::names::Pseudonymiser::new(&p.names);
            if pz.is_empty() {
                bail!(Error::invalid(
                    "no names are registered: add them with `koda names add NAME --as REPLACEMENT`"
                ));
            }
            let what = file.display().to_string();
            let text = crate::export::privacy::export_text(&bytes, &what)?;
            let hits = pz.find(&text);
            if hits.is_empty() {
                writeln!(out, "{what}: no registered name found")?;
            } else {
                for (l, c, m) in &hits {
                    writeln!(out, "{what}:{l}:{c}: «{m}»")?;
                }
                bail!(Error::invalid(format!(
                    "{what}: {} registered names found",
                    hits.len()
                )));
            }
        }
        Some(Command::Doctor { repair }) => {
            let root = ctx.root(None)?;
            let findings = crate::store::doctor::check(&root);
            let mut problems = 0;
            for f in &findings {
                let tag = match f.level {
                    crate::store::doctor::Level::Ok => "ok     ",
                    crate::store::doctor::Level::Note => "note   ",
                    crate::store::doctor::Level::Problem => {
                        problems += 1;
                        "PROBLEM"
                    }
                };
                writeln!(
                    out,
                    "{tag} {}{}",
                    f.what,
                    if f.repairable && !repair {
                        "  (--repair mends this)"
                    } else {
                        ""
                    }
                )?;
            }
            if repair {
                // Hold the writer lock while repairing.
                let session = ctx.session()?;
                let (done, backup) = crate::store::doctor::repair(&root)?;
                drop(session);
                for d in &done {
                    writeln!(out, "repaired: {d}")?;
                }
                writeln!(out, "backups of everything changed: {}", backup.display())?;
                let after = crate::store::doctor::check(&root);
                problems = after
                    .iter()
                    .filter(|f| f.level == crate::store::doctor::Level::Problem)
                    .count();
                writeln!(out, "{problems} problems left")?;
            }
            if problems > 0 {
                return Ok(Outcome::PartialFailure);
            }
        }
        Some(Command::Coders(a)) => coders(&ctx.load(None, err)?, a.json, out)?,
        Some(Command::Merge(a)) => merge(&ctx, a, out, err)?,
        Some(Command::Agree(a)) => agree(&ctx, a, out, err)?,
        Some(Command::Memo(a)) => memo(&ctx, a.action, out)?,
        Some(Command::Memos(a)) => memos(&ctx.load(None, err)?, a.json, out)?,
        Some(Command::Cases(a)) => cases(&ctx, a, out, err)?,
        Some(Command::Speakers(a)) => speakers(&ctx, a, out, err)?,
        Some(Command::Batch) => return batch(&ctx, out, err),
        Some(Command::Attr { action }) => {
            let action = match action {
                super::args::AttrAction::Set { case, attrs } => CasesAction::Set { case, attrs },
                super::args::AttrAction::Rm { case, keys } => CasesAction::Unset { case, keys },
            };
            cases(
                &ctx,
                CasesArgs {
                    action: Some(action),
                    json: false,
                },
                out,
                err,
            )?;
        }
        Some(Command::Completions(a)) => {
            let mut cmd = Cli::command();
            clap_complete::generate(a.shell, &mut cmd, "koda", out);
        }
        Some(Command::Man) => {
            clap_mangen::Man::new(Cli::command()).render(out)?;
        }
    }
    Ok(Outcome::Success)
}

fn tui(ctx: &Ctx, explicit: Option<&Path>) -> Result<Outcome> {
    let root = ctx.root(explicit)?;
    let coder = ctx.coder_for(&root)?;
    let session = Session::open(&root, &coder)?;
    crate::tui::run(session)?;
    Ok(Outcome::Success)
}

/// `koda undo` and `koda redo`.
fn history_step(ctx: &Ctx, undo: bool, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let mut s = ctx.session()?;
    let (done, verb, noun) = if undo {
        (s.undo()?, "undid", "undo")
    } else {
        (s.redo()?, "redid", "redo")
    };
    match done {
        Some(label) => writeln!(out, "{verb}: {label}")?,
        None => writeln!(out, "nothing to {noun}")?,
    }
    ctx.after_change(s.project(), err)
}

/// Options every subcommand shares.
struct Ctx {
    project: Option<PathBuf>,
    coders: Vec<String>,
    wait: bool,
}

impl Ctx {
    fn root(&self, explicit: Option<&Path>) -> Result<PathBuf> {
        let start = explicit
            .map(Path::to_path_buf)
            .or_else(|| self.project.clone())
            .unwrap_or_else(|| PathBuf::from("."));
        if explicit.is_some() || self.project.is_some() {
            // A named folder must itself be the project, as with `git -C`.
            if start.join(crate::store::CONFIG_FILE).is_file() {
                return Ok(start);
            }
            return Err(Error::NotAProject(start).into());
        }
        Ok(Project::discover(&start)?)
    }

    /// Loads the project read-only and reports load warnings on `err`.
    fn load(&self, explicit: Option<&Path>, err: &mut dyn Write) -> Result<Project> {
        let p = Project::open(&self.root(explicit)?)?;
        for w in &p.warnings {
            writeln!(err, "koda: warning: {w}")?;
        }
        Ok(p)
    }

    fn coder_for(&self, root: &Path) -> Result<String> {
        if self.coders.len() > 1 {
            bail!(
                "give one --coder when changing the project (you gave {})",
                self.coders.len()
            );
        }
        if let Some(c) = self.coders.first() {
            return Ok(c.clone());
        }
        if let Ok(c) = std::env::var("KODA_CODER")
            && !c.trim().is_empty()
        {
            return Ok(c.trim().to_string());
        }
        let config: crate::model::ProjectConfig =
            crate::store::fsio::read_json(&root.join(crate::store::CONFIG_FILE))?;
        Ok(config.default_coder)
    }

    /// Brings the search index up to date after a change; a failure is only a warning, since
    /// the change itself is already safe and the index is rebuilt when next needed.
    fn after_change(&self, project: &Project, err: &mut dyn Write) -> Result<()> {
        if let Err(e) = crate::index::refresh(project) {
            writeln!(
                err,
                "koda: warning: the search index could not be updated ({e}); `koda reindex` rebuilds it"
            )?;
        }
        Ok(())
    }

    /// Opens a writing session (takes the lock).
    fn session(&self) -> Result<Session> {
        let root = self.root(None)?;
        let coder = self.coder_for(&root)?;
        Ok(Session::open_with(&root, &coder, self.wait)?)
    }
}

fn init(ctx: &Ctx, a: InitArgs, out: &mut dyn Write) -> Result<()> {
    let dir = a
        .dir
        .or_else(|| ctx.project.clone())
        .unwrap_or_else(|| PathBuf::from("."));
    let name = match a.name {
        Some(n) => n,
        None => std::path::absolute(&dir)
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "study".into()),
    };
    let coder = match ctx.coders.first() {
        Some(c) => c.clone(),
        None => std::env::var("KODA_CODER")
            .ok()
            .filter(|c| !c.trim().is_empty())
            .unwrap_or_else(|| "analyst".into()),
    };
    let langs: Vec<String> = a
        .langs
        .iter()
        .flat_map(|l| l.split(','))
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .collect();
    let p = Project::init(&dir, &name, &langs, &coder)?;
    writeln!(
        out,
        "created project {:?} in {} (coder {coder}); import transcripts with `koda import FILE...`",
        p.config.name,
        dir.display()
    )?;
    Ok(())
}

fn import_refi_file(
    s: &mut Session,
    file: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    let bytes = std::fs::read(file).map_err(|e| Error::Import {
        path: file.to_path_buf(),
        msg: format!("cannot read: {e}"),
    })?;
    let refi = crate::import::qdpx::read_qdpx(&bytes, file)?;
    let r = s.import_refi(&refi, file)?;
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
        refi.origin
            .as_ref()
            .map(|o| format!(" (from {o})"))
            .unwrap_or_default()
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
    Ok(())
}

fn import_files(
    ctx: &Ctx,
    a: ImportArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Outcome> {
    let kind = a.kind.as_deref().map(parse_kind).transpose()?;
    let attrs = a
        .attrs
        .iter()
        .map(|s| parse_attr(s).map_err(Error::Invalid))
        .collect::<Result<Vec<_>, _>>()?;
    let metadata = a
        .meta
        .iter()
        .map(|s| parse_attr(s).map_err(Error::Invalid))
        .collect::<Result<Vec<_>, _>>()?;
    let format = a
        .format
        .as_deref()
        .map(import::Format::parse)
        .transpose()
        .map_err(Error::Invalid)?;
    let read = import::ReadOptions {
        kind,
        format,
        text_columns: a.text_columns.clone(),
        id_column: a.id_column.clone(),
        per_column: a.per == "column",
    };
    if a.title.is_some() && a.files.len() > 1 {
        bail!(Error::invalid(
            "--title can only be given when importing a single file"
        ));
    }
    // Each file is read and parsed before anything is written; a file that fails is reported
    // and the others go on. A project never holds half a document.
    let mut failed: Vec<String> = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    for f in &a.files {
        match import::expand_paths(std::slice::from_ref(f)) {
            Ok(list) => files.extend(list),
            Err(e) => failed.push(e.to_string()),
        }
    }
    let mut speakers = a
        .speaker
        .iter()
        .map(|s| import::speakers::parse_pair(s).map_err(Error::Invalid))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(f) = &a.speakers_file {
        speakers.extend(import::speakers::read_file(f)?);
    }
    let mut session = ctx.session()?;
    let opts = ImportOptions {
        case: a.case.clone(),
        attrs,
        title: a.title.clone(),
        metadata,
        speakers,
    };
    let mut mapped: BTreeSet<usize> = BTreeSet::new();
    let (mut imported, mut skipped) = (0usize, 0usize);
    // Several files are indexed as they are imported, overlapping with reading the next.
    let mut feed = if files.len() > 1 {
        crate::index::Feed::start(session.project()).ok().flatten()
    } else {
        None
    };
    // A progress bar on a terminal, once the import has taken more than a moment.
    let started = std::time::Instant::now();
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(files.len() as u64),
        indicatif::ProgressDrawTarget::hidden(),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut shown = false;
    // Each file's messages are written with the bar out of the way.
    let (mut obuf, mut ebuf): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
    for f in &files {
        bar.suspend(|| -> std::io::Result<()> {
            out.write_all(&obuf)?;
            err.write_all(&ebuf)
        })?;
        obuf.clear();
        ebuf.clear();
        let out: &mut dyn Write = &mut obuf;
        let err: &mut dyn Write = &mut ebuf;
        if !shown
            && files.len() > 1
            && started.elapsed() > std::time::Duration::from_millis(400)
            && std::io::IsTerminal::is_terminal(&std::io::stderr())
        {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            shown = true;
        }
        bar.set_message(ellipsize(&f.display().to_string(), 60));
        bar.inc(1);
        if f.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("qdpx"))
        {
            match import_refi_file(&mut session, f, out, err) {
                Ok(()) => imported += 1,
                Err(e) => failed.push(format!("{e:#}")),
            }
            continue;
        }
        let prepared = match import::prepare_all(f, &read) {
            Ok(p) => p,
            Err(e) => {
                failed.push(e.to_string());
                continue;
            }
        };
        let info: Vec<(bool, Vec<String>)> = prepared
            .iter()
            .map(|p| (p.kind_guessed, p.warnings.clone()))
            .collect();
        match session.import(prepared, &opts) {
            Ok(ids) => {
                let fed = feed.as_mut().map(|fd| fd.add(session.project(), &ids));
                if let Some(Err(e)) = fed {
                    // Dropped uncommitted: the index is brought up to date at the end instead.
                    writeln!(
                        err,
                        "koda: warning: indexing {} as it was imported failed ({e})",
                        f.display()
                    )?;
                    feed = None;
                }
                for (id, (guessed, warnings)) in ids.iter().zip(info) {
                    let d = session.project().find_doc(id)?;
                    writeln!(
                        out,
                        "imported {} as {} ({}{}, {} turns, {} speakers{})",
                        f.display(),
                        d.id,
                        d.kind,
                        if guessed { ", guessed" } else { "" },
                        d.turn_count,
                        d.speakers.len(),
                        d.case
                            .as_ref()
                            .map(|c| format!(", case {c}"))
                            .unwrap_or_default()
                    )?;
                    if !d.speakers.is_empty() && files.len() == 1 {
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
                    for (i, m) in opts.speakers.iter().enumerate() {
                        if m.applies_to(&d.origin.file) && m.find(&d.speakers).is_some() {
                            mapped.insert(i);
                        }
                    }
                    for w in warnings {
                        writeln!(err, "koda: warning: {}: {w}", f.display())?;
                    }
                    imported += 1;
                }
            }
            Err(Error::Import { msg, .. }) if msg.contains("already in the project") => {
                skipped += 1;
                writeln!(
                    err,
                    "skipped {}: {}",
                    f.display(),
                    msg.trim_end_matches("; nothing was imported")
                )?;
            }
            Err(e) => failed.push(e.to_string()),
        }
    }
    bar.finish_and_clear();
    out.write_all(&obuf)?;
    err.write_all(&ebuf)?;
    for (i, m) in opts.speakers.iter().enumerate() {
        if !mapped.contains(&i) && imported > 0 {
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
    }
    for e in &failed {
        writeln!(err, "koda: failed: {e}")?;
    }
    if files.len() + failed.len() > 1 || !failed.is_empty() || skipped > 0 {
        writeln!(
            err,
            "{imported} imported, {skipped} skipped as duplicates, {} failed",
            failed.len()
        )?;
    }
    match feed.map(|f| f.finish(session.project())) {
        Some(Ok(_)) => {}
        Some(Err(e)) => writeln!(
            err,
            "koda: warning: the search index could not be updated ({e}); `koda reindex` rebuilds it"
        )?,
        None => ctx.after_change(session.project(), err)?,
    }
    Ok(if failed.is_empty() {
        Outcome::Success
    } else {
        Outcome::PartialFailure
    })
}

fn overview(p: &Project, out: &mut dyn Write) -> Result<()> {
    let docs = p.documents();
    writeln!(
        out,
        "{}: {} documents, {} codes, {} codings, {} memos, coders {}",
        p.config.name,
        docs.len(),
        p.codebook.codes.len(),
        p.codings.len(),
        p.memos.len(),
        p.config.coders.join(", ")
    )?;
    writeln!(out)?;
    writeln!(out, "Documents")?;
    write!(out, "{}", indent(&docs_table(p), 2))?;
    writeln!(out)?;
    writeln!(out)?;
    writeln!(out, "Codes")?;
    write!(out, "{}", indent(&codes_tree(p), 2))?;
    writeln!(out)?;
    writeln!(out)?;
    writeln!(
        out,
        "Next: `koda show DOC` reads a document, `koda excerpts --code PATH` retrieves quotes, `koda --help` lists every command."
    )?;
    Ok(())
}

fn docs_table(p: &Project) -> String {
    let per_doc = p.coding_counts();
    let rows: Vec<Vec<String>> = p
        .documents()
        .iter()
        .map(|d| {
            vec![
                d.id.clone(),
                d.kind.to_string(),
                d.case.clone().unwrap_or_else(|| "-".into()),
                d.turn_count.to_string(),
                d.speakers.len().to_string(),
                per_doc.get(d.id.as_str()).copied().unwrap_or(0).to_string(),
                d.title.clone(),
            ]
        })
        .collect();
    if rows.is_empty() {
        return "(none yet: `koda import FILE...`)".into();
    }
    table(
        &[
            "id", "type", "case", "turns", "speakers", "codings", "title",
        ],
        &rows,
    )
}

fn docs(p: &Project, json_out: bool, out: &mut dyn Write) -> Result<()> {
    if json_out {
        let counts = p.coding_counts();
        let v: Vec<_> = p
            .documents()
            .iter()
            .map(|d| {
                json!({
                    "id": d.id, "title": d.title, "type": d.kind, "case": d.case, "speaker_cases": d.speaker_cases,
                    "speakers": d.speakers, "turns": d.turn_count, "chars": d.chars,
                    "codings": counts.get(d.id.as_str()).copied().unwrap_or(0),
                    "imported_at": d.imported_at, "origin": d.origin, "metadata": d.metadata,
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        write!(out, "{}", docs_table(p))?;
    }
    Ok(())
}

fn show(p: &Project, key: &str, json_out: bool, out: &mut dyn Write) -> Result<()> {
    let d = p.find_doc(key)?;
    let text = p.text(&d.id)?;
    let turn_table = p.turns(&d.id)?;
    let codings = p.codings_of_doc(&d.id);
    if json_out {
        let turns: Vec<_> = turn_table
            .iter()
            .map(|t| {
                json!({
                    "number": t.number, "speaker": t.speaker, "timestamp_ms": t.timestamp_ms,
                    "line": t.line, "start": t.start, "end": t.end,
                    "text": slice_chars(&text, t.start, t.end),
                })
            })
            .collect();
        let cods: Vec<_> = codings
            .iter()
            .map(|c| {
                json!({
                    "id": c.id, "code": c.code, "code_path": p.codebook.path(&c.code),
                    "start": c.start, "end": c.end, "coder": c.coder, "at": c.at, "memo": c.memo,
                    "text": slice_chars(&text, c.start, c.end),
                })
            })
            .collect();
        let v = json!({
            "id": d.id, "title": d.title, "type": d.kind, "case": d.case, "speaker_cases": d.speaker_cases,
            "attributes": d.case.as_ref().and_then(|c| p.cases.cases.get(c)).map(|c| &c.attributes),
            "speakers": d.speakers, "chars": d.chars, "metadata": d.metadata, "origin": d.origin,
            "text": &*text, "turns": turns, "codings": cods,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    let attrs = d
        .case
        .as_ref()
        .and_then(|c| p.cases.cases.get(c))
        .map(|c| {
            c.attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    writeln!(
        out,
        "{} ({}) · {} · {} turns{}{}",
        d.title,
        d.id,
        d.kind,
        d.turn_count,
        d.case
            .as_ref()
            .map(|c| format!(" · case {c}"))
            .unwrap_or_default(),
        if attrs.is_empty() {
            String::new()
        } else {
            format!(" ({attrs})")
        }
    )?;
    for m in p.memos_on(&MemoTarget::Document(d.id.clone())) {
        writeln!(out, "memo {} ({}): {}", m.id, m.coder, m.text)?;
    }
    writeln!(out)?;
    for t in turn_table.iter() {
        let mut head = format!("{:>4}  ", t.number);
        if let Some(ms) = t.timestamp_ms {
            head.push_str(&format!("[{}] ", timestamp(ms)));
        }
        if let Some(s) = &t.speaker {
            head.push_str(&format!("{s}: "));
        }
        let body = slice_chars(&text, t.start, t.end);
        let mut lines = body.lines();
        writeln!(out, "{head}{}", lines.next().unwrap_or(""))?;
        for l in lines {
            writeln!(out, "      {l}")?;
        }
        for c in codings.iter().filter(|c| {
            crate::model::turn_at(&turn_table, c.start).is_some_and(|x| x.number == t.number)
        }) {
            writeln!(
                out,
                "      ◆ {}  «{}»  [{} {}]",
                p.codebook.path(&c.code),
                ellipsize(&slice_chars(&text, c.start, c.end).replace('\n', " "), 60),
                c.id,
                c.coder
            )?;
        }
    }
    Ok(())
}

fn codes_tree(p: &Project) -> String {
    let counts = analysis::code_counts(p);
    if counts.is_empty() {
        return "(no codes yet: `koda codes add PATH`)".into();
    }
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|c| {
            vec![
                format!("{}{}", "  ".repeat(c.depth), c.name),
                c.codings.to_string(),
                c.codings_with_subcodes.to_string(),
                c.documents.to_string(),
                c.color.clone().unwrap_or_default(),
                ellipsize(&c.description, 60),
            ]
        })
        .collect();
    table(
        &[
            "code",
            "codings",
            "with sub",
            "docs",
            "colour",
            "description",
        ],
        &rows,
    )
}

fn codes(ctx: &Ctx, a: CodesArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let Some(action) = a.action else {
        let p = ctx.load(None, err)?;
        if a.json {
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&analysis::code_counts(&p))?
            )?;
        } else {
            write!(out, "{}", codes_tree(&p))?;
        }
        return Ok(());
    };
    let mut s = ctx.session()?;
    if let CodesAction::Import { file } = &action {
        let bytes = std::fs::read(file).map_err(|e| Error::Import {
            path: file.clone(),
            msg: format!("cannot read: {e}"),
        })?;
        let codes = if bytes.starts_with(b"PK") {
            crate::import::qdpx::read_qdpx(&bytes, file)?.codes
        } else {
            crate::import::qdpx::read_qdc(&bytes, file)?
        };
        let (_, added) = s.group("import codes", |s| s.import_refi_codes(&codes))?;
        writeln!(
            out,
            "{added} codes added from {} ({} in the file)",
            file.display(),
            codes.len()
        )?;
        return ctx.after_change(s.project(), err);
    }
    let find = |s: &Session, path: &str| -> Result<String> {
        Ok(s.project().codebook.find(path)?.id.clone())
    };
    match action {
        CodesAction::Add {
            path,
            description,
            color,
        } => {
            let color = color.as_deref().map(parse_color).transpose()?;
            let id = s.add_code(&path, description.as_deref().unwrap_or(""), color)?;
            writeln!(out, "added code {} ({id})", s.project().codebook.path(&id))?;
        }
        CodesAction::Rename { path, new_name } => {
            let id = find(&s, &path)?;
            let old = s.project().codebook.path(&id);
            s.rename_code(&id, &new_name)?;
            writeln!(out, "renamed {old} to {}", s.project().codebook.path(&id))?;
        }
        CodesAction::Move { path, parent, root } => {
            let id = find(&s, &path)?;
            let parent_id = if root {
                None
            } else {
                parent.as_deref().map(|pp| find(&s, pp)).transpose()?
            };
            s.move_code(&id, parent_id.as_deref())?;
            writeln!(out, "moved to {}", s.project().codebook.path(&id))?;
        }
        CodesAction::Merge { from, into } => {
            let f = find(&s, &from)?;
            let i = find(&s, &into)?;
            let from_path = s.project().codebook.path(&f);
            let n = s.merge_codes(&f, &i)?;
            writeln!(
                out,
                "merged {from_path} into {} ({n} codings moved)",
                s.project().codebook.path(&i)
            )?;
        }
        CodesAction::Rm { path, force } => {
            let id = find(&s, &path)?;
            let code_path = s.project().codebook.path(&id);
            let n = s.codings_under(&id);
            let subs = s.project().codebook.subtree(&id).len() - 1;
            if (n > 0 || subs > 0) && !force {
                bail!(Error::invalid(format!(
                    "code {code_path} has {n} codings and {subs} sub-codes; add --force to delete them all"
                )));
            }
            let (codes_gone, codings_gone) = s.delete_code(&id)?;
            writeln!(
                out,
                "deleted {code_path} ({codes_gone} codes, {codings_gone} codings)"
            )?;
        }
        CodesAction::Describe { path, text } => {
            let id = find(&s, &path)?;
            s.describe_code(&id, &text)?;
            writeln!(out, "described {}", s.project().codebook.path(&id))?;
        }
        CodesAction::Import { .. } => {}
        CodesAction::Color { path, color } => {
            let id = find(&s, &path)?;
            let c = if color.eq_ignore_ascii_case("none") {
                None
            } else {
                Some(parse_color(&color)?)
            };
            s.color_code(&id, c.clone())?;
            writeln!(
                out,
                "{} is now {}",
                s.project().codebook.path(&id),
                c.unwrap_or_else(|| "uncoloured".into())
            )?;
        }
    }
    Ok(())
}

fn parse_range(s: &str) -> Result<(usize, usize)> {
    let (a, b) = s.split_once("..").ok_or_else(|| {
        Error::invalid(format!(
            "range {s:?} must look like START..END, e.g. 120..185"
        ))
    })?;
    let a: usize = a
        .trim()
        .parse()
        .map_err(|_| Error::invalid(format!("range {s:?}: start {a:?} is not a number")))?;
    let b: usize = b
        .trim()
        .parse()
        .map_err(|_| Error::invalid(format!("range {s:?}: end {b:?} is not a number")))?;
    Ok((a, b))
}

fn selection(sel: &Selector, all: bool) -> Result<Option<Selection>> {
    Ok(if let Some(n) = sel.turn {
        Some(Selection::Turn(n))
    } else if let Some(r) = &sel.range {
        let (a, b) = parse_range(r)?;
        Some(Selection::Range(a, b))
    } else {
        sel.matching.as_ref().map(|m| Selection::Match {
            text: m.clone(),
            all,
        })
    })
}

fn code(ctx: &Ctx, a: CodeArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let sel = selection(&a.selector, a.all)?.ok_or_else(|| {
        Error::invalid("say what to code with --turn N, --range A..B or --match TEXT")
    })?;
    let mut s = ctx.session()?;
    let doc = s.project().find_doc(&a.doc)?.clone();
    let code = s.project().codebook.find(&a.code)?.id.clone();
    let spans = s.project().resolve_selection(&doc, &sel)?;
    let made = s.add_codings(&doc.id, &code, &spans, a.memo.as_deref())?;
    let text = s.project().text(&doc.id)?;
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&made)?)?;
        return ctx.after_change(s.project(), err);
    }
    for c in &made {
        writeln!(
            out,
            "coded {} {} on {} [{}..{}] «{}»",
            c.id,
            s.project().codebook.path(&c.code),
            c.doc,
            c.start,
            c.end,
            ellipsize(&slice_chars(&text, c.start, c.end).replace('\n', " "), 70)
        )?;
    }
    ctx.after_change(s.project(), err)
}

fn uncode(ctx: &Ctx, a: UncodeArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let mut s = ctx.session()?;
    if let Some(run) = &a.batch {
        let gone = s.remove_batch(run)?;
        writeln!(
            out,
            "removed {} codings of autocoding run {run}",
            gone.len()
        )?;
        return ctx.after_change(s.project(), err);
    }
    let ids: Vec<String> = if let Some(doc_key) = &a.doc {
        let p = s.project();
        let doc = p.find_doc(doc_key)?.clone();
        let code_key = a.code.as_deref().unwrap_or_default();
        let code = p.codebook.find(code_key)?.id.clone();
        let spans = match selection(&a.selector, true)? {
            Some(sel) => p.resolve_selection(&doc, &sel)?,
            None => vec![(0, doc.chars)],
        };
        let coder = s.coder().to_string();
        let ids: Vec<String> = p
            .codings_of_doc(&doc.id)
            .iter()
            .filter(|c| c.code == code && (a.any_coder || c.coder == coder))
            .filter(|c| spans.iter().any(|&(st, en)| c.start < en && st < c.end))
            .map(|c| c.id.clone())
            .collect();
        if ids.is_empty() {
            bail!(Error::invalid(format!(
                "no coding of {} by {} there in {:?}{}",
                p.codebook.path(&code),
                if a.any_coder {
                    "anyone".to_string()
                } else {
                    coder
                },
                doc.id,
                if a.any_coder {
                    ""
                } else {
                    " (add --any-coder to include other coders)"
                }
            )));
        }
        ids
    } else {
        a.ids.clone()
    };
    let gone = s.remove_codings(&ids)?;
    for c in gone {
        writeln!(
            out,
            "removed coding {} ({} on {})",
            c.id,
            s.project().codebook.path(&c.code),
            c.doc
        )?;
    }
    Ok(())
}

fn excerpts(ctx: &Ctx, a: ExcerptsArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let p = ctx.load(None, err)?;
    let codes = a
        .code
        .iter()
        .map(|c| p.codebook.find(c).map(|c| c.id.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let docs = a
        .doc
        .iter()
        .map(|d| p.find_doc(d).map(|d| d.id.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let list = analysis::excerpts(
        &p,
        &ExcerptFilter {
            codes,
            include_subcodes: !a.no_subcodes,
            docs,
            coders: ctx.coders.clone(),
        },
    )?;
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
        return Ok(());
    }
    if list.is_empty() {
        writeln!(out, "no excerpts match")?;
        return Ok(());
    }
    let mut current = None;
    for e in &list {
        if current != Some(&e.code_path) {
            let n = list.iter().filter(|x| x.code_path == e.code_path).count();
            if current.is_some() {
                writeln!(out)?;
            }
            writeln!(
                out,
                "{}  ({n} excerpt{})",
                e.code_path,
                if n == 1 { "" } else { "s" }
            )?;
            current = Some(&e.code_path);
        }
        let turns = if e.turn_end != e.turn {
            format!("turns {}-{}", e.turn, e.turn_end)
        } else {
            format!("turn {}", e.turn)
        };
        writeln!(
            out,
            "  {} · {} · {}{} · line {} · {}..{}  [{} {}]{}",
            e.doc,
            e.doc_type,
            turns,
            e.speaker
                .as_ref()
                .map(|s| format!(" · {s}"))
                .unwrap_or_default(),
            e.line,
            e.start,
            e.end,
            e.coding,
            e.coder,
            if e.stale {
                "  (STALE: the text under this coding changed)"
            } else {
                ""
            }
        )?;
        writeln!(out, "{}", indent(&format!("«{}»", e.text), 4))?;
        for m in e.memo.iter().chain(&e.memos) {
            writeln!(out, "    memo: {m}")?;
        }
    }
    Ok(())
}

fn memo_target_label(p: &Project, t: &MemoTarget) -> String {
    match t {
        MemoTarget::Document(d) => format!("document {d}"),
        MemoTarget::Code(c) => match p.codebook.get(c) {
            Some(_) => format!("code {}", p.codebook.path(c)),
            None => format!("code {c} (deleted)"),
        },
        MemoTarget::Coding(c) => format!("coding {c}"),
        MemoTarget::Project => "project".into(),
    }
}

fn memo(ctx: &Ctx, action: MemoAction, out: &mut dyn Write) -> Result<()> {
    let mut s = ctx.session()?;
    match action {
        MemoAction::Add {
            text,
            doc,
            code,
            coding,
        } => {
            let p = s.project();
            let target = if let Some(d) = doc {
                MemoTarget::Document(p.find_doc(&d)?.id.clone())
            } else if let Some(c) = code {
                MemoTarget::Code(p.codebook.find(&c)?.id.clone())
            } else if let Some(c) = coding {
                MemoTarget::Coding(c)
            } else {
                MemoTarget::Project
            };
            let m = s.set_memo(None, target, &text)?;
            writeln!(
                out,
                "memo {} on {}",
                m.id,
                memo_target_label(s.project(), &m.target)
            )?;
        }
        MemoAction::Edit { id, text } => {
            let target = s
                .project()
                .memos
                .get(&id)
                .map(|m| m.target.clone())
                .ok_or_else(|| Error::invalid(format!("no memo {id:?}; see `koda memos`")))?;
            let m = s.set_memo(Some(&id), target, &text)?;
            writeln!(out, "memo {} updated", m.id)?;
        }
        MemoAction::Rm { id } => {
            let m = s.remove_memo(&id)?;
            writeln!(out, "memo {} removed", m.id)?;
        }
    }
    Ok(())
}

fn memos(p: &Project, json_out: bool, out: &mut dyn Write) -> Result<()> {
    let mut list: Vec<&Memo> = p.memos.values().collect();
    list.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
    if json_out {
        let v: Vec<_> = list
            .iter()
            .map(|m| json!({"id": m.id, "target": m.target, "about": memo_target_label(p, &m.target), "text": m.text, "coder": m.coder, "at": m.at}))
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    if list.is_empty() {
        writeln!(
            out,
            "no memos yet: `koda memo add TEXT --doc DOC` (or --code, --coding)"
        )?;
    }
    for m in list {
        writeln!(
            out,
            "{} · {} · {} · {}",
            m.id,
            memo_target_label(p, &m.target),
            m.coder,
            m.at
        )?;
        writeln!(out, "{}", indent(&m.text, 2))?;
    }
    Ok(())
}

fn speakers(ctx: &Ctx, a: SpeakersArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let changes = !a.map.is_empty() || !a.unset.is_empty();
    if changes {
        let maps = a
            .map
            .iter()
            .map(|s| import::speakers::parse_pair(s).map_err(Error::Invalid))
            .collect::<Result<Vec<_>, _>>()?;
        let mut session = ctx.session()?;
        for m in &maps {
            let label = session.map_speaker(&a.doc, &m.label, Some(&m.case))?;
            writeln!(err, "mapped {label:?} to case {}", m.case)?;
        }
        for l in &a.unset {
            let label = session.map_speaker(&a.doc, l, None)?;
            writeln!(err, "unmapped {label:?}")?;
        }
        ctx.after_change(session.project(), err)?;
    }
    let project = ctx.load(None, err)?;
    let d = project.find_doc(&a.doc)?;
    let turn_table = project.turns(&d.id)?;
    let turns = |s: &str| {
        turn_table
            .iter()
            .filter(|t| t.speaker.as_deref() == Some(s))
            .count()
    };
    if a.json {
        let v: Vec<_> = d
            .speakers
            .iter()
            .map(|s| json!({"speaker": s, "turns": turns(s), "case": d.speaker_cases.get(s).or(d.case.as_ref())}))
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    } else if d.speakers.is_empty() {
        writeln!(out, "{} has no speaker labels", d.id)?;
    } else {
        let rows: Vec<Vec<String>> = d
            .speakers
            .iter()
            .map(|s| {
                vec![
                    s.clone(),
                    turns(s).to_string(),
                    match (d.speaker_cases.get(s), &d.case) {
                        (Some(c), _) => c.clone(),
                        (None, Some(c)) => format!("{c} (the document's)"),
                        (None, None) => "-".into(),
                    },
                ]
            })
            .collect();
        write!(out, "{}", table(&["speaker", "turns", "case"], &rows))?;
    }
    Ok(())
}

fn cases(ctx: &Ctx, a: CasesArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    match a.action {
        None => {
            let p = ctx.load(None, err)?;
            if a.json {
                let v: Vec<_> = p
                    .cases
                    .cases
                    .values()
                    .map(|c| {
                        let docs: Vec<&str> = p
                            .documents()
                            .iter()
                            .filter(|d| d.all_cases().contains(c.name.as_str()))
                            .map(|d| d.id.as_str())
                            .collect();
                        json!({"name": c.name, "attributes": c.attributes, "documents": docs})
                    })
                    .collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                let rows: Vec<Vec<String>> = p
                    .cases
                    .cases
                    .values()
                    .map(|c| {
                        vec![
                            c.name.clone(),
                            p.docs
                                .values()
                                .filter(|d| d.all_cases().contains(c.name.as_str()))
                                .count()
                                .to_string(),
                            c.attributes
                                .iter()
                                .map(|(k, v)| format!("{k}={v}"))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ]
                    })
                    .collect();
                write!(out, "{}", table(&["case", "docs", "attributes"], &rows))?;
            }
        }
        Some(CasesAction::Import { file }) => {
            let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
            let text = crate::import::decode::decode(&bytes)
                .map_err(|msg| Error::Import {
                    path: file.clone(),
                    msg,
                })?
                .text;
            let tsv = file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
            let mut r = csv::ReaderBuilder::new()
                .delimiter(if tsv { b'\t' } else { b',' })
                .from_reader(text.as_bytes());
            let header: Vec<String> = r
                .headers()
                .map_err(|e| Error::Import {
                    path: file.clone(),
                    msg: format!("line 1: {e}"),
                })?
                .iter()
                .map(|h| h.trim().to_string())
                .collect();
            let name_col = header
                .iter()
                .position(|h| h.eq_ignore_ascii_case("case"))
                .unwrap_or(0);
            let mut rows = Vec::new();
            for (i, rec) in r.records().enumerate() {
                let rec = rec.map_err(|e| Error::Import {
                    path: file.clone(),
                    msg: format!("line {}: {e}", i + 2),
                })?;
                let name = rec.get(name_col).unwrap_or("").trim().to_string();
                if name.is_empty() {
                    return Err(Error::Import {
                        path: file.clone(),
                        msg: format!("line {}: the case has no name", i + 2),
                    }
                    .into());
                }
                let attrs: Vec<(String, String)> = header
                    .iter()
                    .enumerate()
                    .filter(|(c, h)| *c != name_col && !h.is_empty())
                    .filter_map(|(c, h)| {
                        rec.get(c)
                            .map(|v| (h.replace(char::is_whitespace, "_"), v.trim().to_string()))
                    })
                    .filter(|(_, v)| !v.is_empty())
                    .collect();
                rows.push((name, attrs));
            }
            let mut s = ctx.session()?;
            let n = rows.len();
            s.group("import cases", |s| {
                for (name, attrs) in &rows {
                    s.set_case_attrs(name, attrs)?;
                }
                Ok(())
            })?;
            writeln!(out, "{n} cases read from {}", file.display())?;
            ctx.after_change(s.project(), err)?;
        }
        Some(CasesAction::Unset { case, keys }) => {
            let mut s = ctx.session()?;
            let mut cases = s.project().cases.clone();
            let c = cases
                .cases
                .get_mut(&case)
                .ok_or_else(|| Error::invalid(format!("no case {case:?}; see `koda cases`")))?;
            for k in &keys {
                if c.attributes.remove(k).is_none() {
                    bail!(Error::invalid(format!(
                        "case {case} has no attribute {k:?}"
                    )));
                }
            }
            s.replace_cases(cases)?;
            writeln!(out, "case {case} updated")?;
            ctx.after_change(s.project(), err)?;
        }
        Some(CasesAction::Set { case, attrs }) => {
            let attrs = attrs
                .iter()
                .map(|s| parse_attr(s).map_err(Error::Invalid))
                .collect::<Result<Vec<_>, _>>()?;
            let mut s = ctx.session()?;
            s.set_case_attrs(&case, &attrs)?;
            writeln!(out, "case {case} updated")?;
            ctx.after_change(s.project(), err)?;
        }
    }
    Ok(())
}

/// One request of `koda batch`.
#[derive(Debug, serde::Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum BatchOp {
    Code {
        doc: String,
        code: String,
        turn: Option<usize>,
        range: Option<(usize, usize)>,
        #[serde(rename = "match")]
        matching: Option<String>,
        #[serde(default)]
        all: bool,
        memo: Option<String>,
    },
    Uncode {
        id: String,
    },
    Memo {
        text: String,
        doc: Option<String>,
        code: Option<String>,
        coding: Option<String>,
        id: Option<String>,
    },
}

fn batch_one(s: &mut Session, line: &str) -> Result<serde_json::Value> {
    let op: BatchOp = serde_json::from_str(line).context("not a valid request")?;
    match op {
        BatchOp::Code {
            doc,
            code,
            turn,
            range,
            matching,
            all,
            memo,
        } => {
            let sel = match (turn, range, matching) {
                (Some(n), None, None) => Selection::Turn(n),
                (None, Some((a, b)), None) => Selection::Range(a, b),
                (None, None, Some(m)) => Selection::Match { text: m, all },
                _ => bail!("give exactly one of turn, range, match"),
            };
            let d = s.project().find_doc(&doc)?.clone();
            let c = s.project().codebook.find(&code)?.id.clone();
            let spans = s.project().resolve_selection(&d, &sel)?;
            let made = s.add_codings(&d.id, &c, &spans, memo.as_deref())?;
            Ok(json!({"ok": true, "ids": made.iter().map(|m| m.id.clone()).collect::<Vec<_>>()}))
        }
        BatchOp::Uncode { id } => {
            s.remove_codings(std::slice::from_ref(&id))?;
            Ok(json!({"ok": true, "ids": [id]}))
        }
        BatchOp::Memo {
            text,
            doc,
            code,
            coding,
            id,
        } => {
            let p = s.project();
            let target = if let Some(i) = &id {
                p.memos
                    .get(i)
                    .map(|m| m.target.clone())
                    .ok_or_else(|| Error::invalid(format!("no memo {i:?}")))?
            } else if let Some(d) = doc {
                MemoTarget::Document(p.find_doc(&d)?.id.clone())
            } else if let Some(c) = code {
                MemoTarget::Code(p.codebook.find(&c)?.id.clone())
            } else if let Some(c) = coding {
                MemoTarget::Coding(c)
            } else {
                MemoTarget::Project
            };
            let m = s.set_memo(id.as_deref(), target, &text)?;
            Ok(json!({"ok": true, "ids": [m.id]}))
        }
    }
}

fn batch(ctx: &Ctx, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome> {
    let mut s = ctx.session()?;
    let stdin = std::io::stdin();
    let mut failed = false;
    for (i, line) in stdin.lock().lines().enumerate() {
        let line = line.context("reading standard input")?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = match batch_one(&mut s, &line) {
            Ok(v) => v,
            Err(e) => {
                failed = true;
                json!({"ok": false, "line": i + 1, "error": format!("{e:#}")})
            }
        };
        writeln!(out, "{reply}")?;
        out.flush()?;
    }
    ctx.after_change(s.project(), err)?;
    Ok(if failed {
        Outcome::PartialFailure
    } else {
        Outcome::Success
    })
}

fn open_index(p: &Project, err: &mut dyn Write) -> Result<crate::index::SearchIndex> {
    let (idx, report) = crate::index::SearchIndex::open(p)?;
    if report.busy {
        writeln!(
            err,
            "koda: another koda is updating the search index; searching it as last saved, so the latest changes may be missing"
        )?;
    }
    if report.rebuilt
        && let Some(reason) = report.reason.as_deref()
        && reason != "there was no index yet"
    {
        writeln!(err, "koda: the search index was rebuilt because {reason}")?;
    }
    Ok(idx)
}

fn emphasis(s: &str, terminal: bool) -> String {
    if terminal {
        format!("\x1b[1m{s}\x1b[0m")
    } else {
        format!("**{s}**")
    }
}

fn search(ctx: &Ctx, a: SearchArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    // Hits go out in one write rather than one per line (stdout is line-buffered).
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    search_to(ctx, a, &mut out, err)?;
    out.flush()?;
    Ok(())
}

fn search_to(ctx: &Ctx, a: SearchArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    use std::io::IsTerminal;
    let query = a.query.join(" ");
    let limit = if a.count { 0 } else { a.limit };
    // An index current with the project's files answers alone; otherwise the project is
    // loaded (reporting any problems) and the index brought up to date first.
    let res = match crate::index::SearchIndex::open_current(&ctx.root(None)?)? {
        Some((idx, known)) => idx.search_by(&known, &query, Some(limit), &ctx.coders)?,
        None => {
            let p = ctx.load(None, err)?;
            let idx = open_index(&p, err)?;
            idx.search_by(&p, &query, Some(limit), &ctx.coders)?
        }
    };
    if a.json {
        let v = if a.count {
            json!({"query": query, "total": res.total, "documents": res.documents})
        } else {
            let hits: Vec<Value> = res
                .hits
                .iter()
                .map(|h| {
                    let mut v = serde_json::to_value(h)?;
                    v["marked"] = Value::String(h.marked());
                    Ok(v)
                })
                .collect::<Result<_>>()?;
            json!({"query": query, "total": res.total, "documents": res.documents, "hits": hits})
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} turn{} in {} document{} match{}",
        res.total,
        if res.total == 1 { "" } else { "s" },
        res.documents,
        if res.documents == 1 { "" } else { "s" },
        if res.hits.len() < res.total && !a.count {
            format!("; showing the best {}", res.hits.len())
        } else {
            String::new()
        }
    )?;
    let terminal = std::io::stdout().is_terminal();
    for h in &res.hits {
        writeln!(out)?;
        writeln!(
            out,
            "{} · turn {}{}{} · {} · line {}",
            h.doc,
            h.turn,
            h.speaker
                .as_ref()
                .map(|s| format!(" · {s}"))
                .unwrap_or_default(),
            h.case
                .as_ref()
                .map(|c| format!(" · {c}"))
                .unwrap_or_default(),
            h.doc_type,
            h.line
        )?;
        let mut line = String::new();
        let mut last = 0;
        for &(x, y) in &h.highlights {
            line.push_str(slice_chars(&h.snippet, last, x));
            line.push_str(&emphasis(slice_chars(&h.snippet, x, y), terminal));
            last = y;
        }
        line.push_str(slice_chars(&h.snippet, last, h.snippet.chars().count()));
        writeln!(out, "    {line}")?;
    }
    Ok(())
}

fn autocode(ctx: &Ctx, a: AutocodeArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let query = a.query.join(" ");
    let unit = match a.unit {
        UnitArg::Match => crate::index::Unit::Match,
        UnitArg::Sentence => crate::index::Unit::Sentence,
        UnitArg::Turn => crate::index::Unit::Turn,
    };
    let mut s = ctx.session()?;
    let code = s.project().codebook.find(&a.code)?.id.clone();
    let code_path = s.project().codebook.path(&code);
    let idx = open_index(s.project(), err)?;
    let res = idx.search(s.project(), &query, None)?;
    let coder = s.coder().to_string();
    let mut planned: Vec<(String, usize, usize)> = Vec::new();
    let mut seen: std::collections::HashSet<(String, usize, usize)> = s
        .project()
        .codings
        .values()
        .filter(|c| c.code == code && c.coder == coder)
        .map(|c| (c.doc.clone(), c.start, c.end))
        .collect();
    let mut already = 0;
    for h in &res.hits {
        let text = s.project().text(&h.doc)?;
        let ix = s.project().char_index(&h.doc)?;
        for (x, y) in crate::index::spans_for(h, unit, &text, &ix) {
            let (x, y) = ix.snap(&text, x, y);
            if seen.insert((h.doc.clone(), x, y)) {
                planned.push((h.doc.clone(), x, y));
            } else {
                already += 1;
            }
        }
    }
    planned.sort_by_key(|(d, x, _)| (s.project().docs.get(d).map_or(0, |d| d.seq), *x));
    if a.dry_run {
        writeln!(
            out,
            "would code {} passage{} with {code_path} ({} already coded); nothing was changed",
            planned.len(),
            if planned.len() == 1 { "" } else { "s" },
            already
        )?;
        for (d, x, y) in &planned {
            let text = s.project().text(d)?;
            let turn = crate::model::turn_at(&s.project().turns(d)?, *x).map_or(0, |t| t.number);
            writeln!(
                out,
                "  {d} · turn {turn} · {x}..{y}  «{}»",
                ellipsize(&slice_chars(&text, *x, *y).replace('\n', " "), 80)
            )?;
        }
        return Ok(());
    }
    if planned.is_empty() {
        writeln!(
            out,
            "nothing to code: {} hits, {already} already coded with {code_path}",
            res.total
        )?;
        return Ok(());
    }
    let run = crate::model::ids::new_id("a");
    let made = s.add_codings_in(&code, &planned, a.memo.as_deref(), Some(&run))?;
    let docs: std::collections::BTreeSet<&str> = made.iter().map(|c| c.doc.as_str()).collect();
    writeln!(
        out,
        "coded {} passage{} in {} document{} with {code_path} ({already} already coded); run {run}, undo with `koda uncode --batch {run}`",
        made.len(),
        if made.len() == 1 { "" } else { "s" },
        docs.len(),
        if docs.len() == 1 { "" } else { "s" },
    )?;
    ctx.after_change(s.project(), err)
}

/// Writes an export to standard output or, atomically, to its file.
fn deliver(a: &ExportArgs, bytes: &[u8], out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    if a.output.as_os_str() == "-" {
        out.write_all(bytes)?;
    } else {
        crate::export::write_file(&a.output, bytes, a.force)?;
        writeln!(err, "wrote {} ({} bytes)", a.output.display(), bytes.len())?;
    }
    Ok(())
}

fn export_refi(
    p: &Project,
    a: &ExportArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    use crate::export::{privacy::Privacy, qdpx};
    let to_stdout = a.output.as_os_str() == "-";
    let bytes = if a.kind == ExportKind::Qdc {
        let privacy = Privacy::new(p, true);
        let b = qdpx::qdc(p)?;
        crate::export::privacy::leak_check(
            &b,
            &a.output.display().to_string(),
            privacy.pseudonymiser(),
        )?;
        b
    } else {
        if to_stdout {
            bail!(Error::invalid(
                "a QDPX archive cannot go to standard output; name a file with -o"
            ));
        }
        let privacy = Privacy::new(p, a.pseudonymise);
        let texts = if a.pseudonymise {
            qdpx::Texts::pseudonymised(p, &privacy)?
        } else {
            qdpx::Texts::of(p)?
        };
        let b = qdpx::qdpx(p, &texts, &privacy)?;
        if a.pseudonymise {
            let what = a.output.display().to_string();
            let z = zip::ZipArchive::new(std::io::Cursor::new(&b))
                .map_err(|e| Error::invalid(e.to_string()));
            let mut z = z?;
            for i in 0..z.len() {
                let mut f = z.by_index(i).map_err(|e| Error::invalid(e.to_string()))?;
                let mut content = Vec::new();
                std::io::Read::read_to_end(&mut f, &mut content)?;
                crate::export::privacy::leak_check(
                    &content,
                    &format!("{what}/{}", f.name()),
                    privacy.pseudonymiser(),
                )?;
            }
        } else if !p.names.names.is_empty() {
            writeln!(
                err,
                "koda: note: the QDPX holds the real texts; add --pseudonymise to replace registered names"
            )?;
        }
        b
    };
    deliver(a, &bytes, out, err)
}

fn export(ctx: &Ctx, a: ExportArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    use crate::export::{Format, quote::Context, summary, tables};
    let p = ctx.load(None, err)?;
    if matches!(a.kind, ExportKind::Qdpx | ExportKind::Qdc) {
        return export_refi(&p, &a, out, err);
    }
    let to_stdout = a.output.as_os_str() == "-";
    let format = match &a.format {
        Some(f) => Format::parse(f)?,
        None => match Format::from_path(&a.output) {
            Some(f) => f,
            None if to_stdout => match a.kind {
                ExportKind::Excerpts | ExportKind::Matrix => Format::Csv,
                ExportKind::Report => Format::Html,
                _ => Format::Markdown,
            },
            None => bail!(Error::invalid(format!(
                "cannot tell the format from {:?}: name the file .md, .html, .json or .csv, or give --format",
                a.output.display().to_string()
            ))),
        },
    };
    let allowed: &[Format] = match a.kind {
        ExportKind::Summary => &[Format::Markdown, Format::Html, Format::Json, Format::Docx],
        ExportKind::Memos | ExportKind::Codebook => &[Format::Markdown, Format::Csv, Format::Json],
        ExportKind::Excerpts | ExportKind::Matrix => {
            &[Format::Csv, Format::Json, Format::Markdown, Format::Html]
        }
        ExportKind::Report => &[Format::Html],
        ExportKind::Qdpx | ExportKind::Qdc => &[],
    };
    if !allowed.contains(&format) {
        let names: Vec<&str> = allowed.iter().map(|f| f.name()).collect();
        bail!(Error::invalid(format!(
            "{} cannot be exported as {}: use {}",
            format!("{:?}", a.kind).to_lowercase(),
            format.name(),
            names.join(", ")
        )));
    }
    let codes = a
        .code
        .iter()
        .map(|c| p.codebook.find(c).map(|c| c.id.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let lang = p
        .config
        .languages
        .first()
        .cloned()
        .unwrap_or_else(|| "no".into());
    let privacy = crate::export::privacy::Privacy::new(&p, !a.no_pseudonymise);
    let title = |t: String| privacy.text(&t);
    if let Some(by) = &a.by
        && !crate::analysis::attribute_names(&p).contains(by)
    {
        bail!(Error::invalid(format!(
            "no attribute {by:?} in the project; attributes are {}",
            crate::analysis::attribute_names(&p).join(", ")
        )));
    }
    let bytes: Vec<u8> = match a.kind {
        ExportKind::Summary | ExportKind::Report => {
            let by = a.by.clone().or_else(|| {
                (a.kind == ExportKind::Report)
                    .then(|| crate::analysis::attribute_names(&p))
                    .and_then(|names| {
                        names
                            .iter()
                            .find(|n| *n == "role")
                            .or(names.first())
                            .cloned()
                    })
            });
            let opts = summary::Options {
                codes,
                max_quotes: a.max_quotes,
                order: match a.order {
                    OrderArg::Document => summary::Order::Document,
                    OrderArg::Length => summary::Order::Length,
                    OrderArg::Random => summary::Order::Random(a.seed),
                },
                context: match a.context {
                    ContextArg::Coded => Context::Coded,
                    ContextArg::Sentence => Context::Sentence,
                    ContextArg::Turn => Context::Turn,
                },
                memos: a.memos,
                by,
                max_chars: a.max_chars.max(20),
                coders: ctx.coders.clone(),
            };
            if a.kind == ExportKind::Report {
                let html = crate::export::report::html(
                    &p,
                    &crate::export::report::Options { summary: opts },
                    &privacy,
                )?;
                html.into_bytes()
            } else {
                let mut s = summary::build(&p, &opts)?;
                privacy.summary(&mut s);
                match format {
                    Format::Html => summary::html(&s, &lang).into_bytes(),
                    Format::Docx => summary::docx(&s)?,
                    Format::Json => format!("{}\n", serde_json::to_string_pretty(&s)?).into_bytes(),
                    _ => summary::markdown(&s).into_bytes(),
                }
            }
        }
        ExportKind::Excerpts => {
            let docs = a
                .doc
                .iter()
                .map(|d| p.find_doc(d).map(|d| d.id.clone()))
                .collect::<Result<Vec<_>, _>>()?;
            let filter = ExcerptFilter {
                codes,
                include_subcodes: true,
                docs,
                coders: ctx.coders.clone(),
            };
            let mut t = tables::excerpt_table(&p, &filter)?;
            privacy.table(&mut t);
            t.render(
                format,
                &title(format!("Excerpts: {}", p.config.name)),
                a.bom,
                &lang,
            )?
        }
        ExportKind::Matrix => {
            let mut t = tables::matrix_table(&p, a.presence)?;
            privacy.table(&mut t);
            t.render(
                format,
                &title(format!("Cases by codes: {}", p.config.name)),
                a.bom,
                &lang,
            )?
        }
        ExportKind::Memos => match format {
            Format::Markdown => title(tables::memos_markdown(&p)).into_bytes(),
            f => {
                let mut t = tables::memo_table(&p);
                privacy.table(&mut t);
                t.render(f, "Memos", a.bom, &lang)?
            }
        },
        ExportKind::Codebook => match format {
            Format::Markdown => title(tables::codebook_markdown(&p)).into_bytes(),
            Format::Json => {
                let mut t = tables::codebook_table(&p);
                privacy.table(&mut t);
                let mut v = tables::codebook_json(&p);
                if privacy.on
                    && let Some(items) = v.as_array_mut()
                {
                    for (item, row) in items.iter_mut().zip(&t.rows) {
                        item["path"] = serde_json::Value::String(row[0].clone());
                        item["description"] = serde_json::Value::String(row[2].clone());
                    }
                }
                format!("{}\n", serde_json::to_string_pretty(&v)?).into_bytes()
            }
            f => {
                let mut t = tables::codebook_table(&p);
                privacy.table(&mut t);
                t.render(f, "Codebook", a.bom, &lang)?
            }
        },
        ExportKind::Qdpx | ExportKind::Qdc => return export_refi(&p, &a, out, err),
    };
    let bytes = if privacy.on {
        crate::export::privacy::leak_check(
            &bytes,
            &a.output.display().to_string(),
            privacy.pseudonymiser(),
        )?;
        bytes
    } else {
        writeln!(
            err,
            "koda: warning: {}",
            crate::export::privacy::NOT_PSEUDONYMISED
        )?;
        match format {
            Format::Markdown if !matches!(a.kind, ExportKind::Summary) => {
                let mut b =
                    format!("> **{}**\n\n", crate::export::privacy::NOT_PSEUDONYMISED).into_bytes();
                b.extend(bytes);
                b
            }
            _ => bytes,
        }
    };
    if to_stdout && format == Format::Docx {
        bail!(Error::invalid(
            "a DOCX file cannot go to standard output; name a file with -o"
        ));
    }
    deliver(&a, &bytes, out, err)
}

fn stats(ctx: &Ctx, a: StatsArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    use crate::analysis::stats;
    use crate::export::tables::Table;
    let p = ctx.load(None, err)?;
    let check_attr = |name: &str| -> Result<()> {
        let names = crate::analysis::attribute_names(&p);
        if names.iter().any(|n| n == name) {
            Ok(())
        } else {
            bail!(Error::invalid(format!(
                "no attribute {name:?} in the project; attributes are {}",
                names.join(", ")
            )))
        }
    };
    let (table, json_value) = match a.table {
        StatsTable::Frequencies { by } => {
            if let Some(b) = &by {
                check_attr(b)?;
            }
            let f = stats::frequencies(&p, by.as_deref(), true)?;
            let values: Vec<String> = {
                let mut v: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
                for x in &f {
                    v.extend(x.by.keys().cloned());
                }
                v.into_iter().collect()
            };
            let mut header: Vec<String> = ["code", "excerpts", "documents", "cases"]
                .iter()
                .map(|s| (*s).to_string())
                .collect();
            header.extend(
                values
                    .iter()
                    .map(|v| format!("{}={v}", by.clone().unwrap_or_default())),
            );
            let rows = f
                .iter()
                .map(|x| {
                    let mut r = vec![
                        x.code.clone(),
                        x.excerpts.to_string(),
                        x.documents.to_string(),
                        x.cases.to_string(),
                    ];
                    r.extend(
                        values
                            .iter()
                            .map(|v| x.by.get(v).map_or(0, |b| b.excerpts).to_string()),
                    );
                    r
                })
                .collect();
            (Table { header, rows }, serde_json::to_value(&f)?)
        }
        StatsTable::Cooccurrence => {
            let c = stats::cooccurrence(&p)?;
            let rows = c
                .iter()
                .map(|x| {
                    vec![
                        x.a.clone(),
                        x.b.clone(),
                        x.overlaps.to_string(),
                        x.shared_turns.to_string(),
                        format!("{:.3}", x.jaccard),
                    ]
                })
                .collect();
            let header = ["code_a", "code_b", "overlaps", "shared_turns", "jaccard"]
                .iter()
                .map(|s| (*s).to_string())
                .collect();
            (Table { header, rows }, serde_json::to_value(&c)?)
        }
        StatsTable::Matrix { rows, cols, count } => {
            if rows != "codes" {
                bail!(Error::invalid(format!(
                    "--rows {rows:?}: only codes can be rows for now"
                )));
            }
            check_attr(&cols)?;
            let m = stats::code_by_attribute(
                &p,
                &cols,
                match count {
                    CountArg::Excerpts => stats::CellCount::Excerpts,
                    CountArg::Cases => stats::CellCount::Cases,
                },
            )?;
            let mut header = vec!["code".to_string()];
            header.extend(m.values.iter().map(|v| format!("{cols}={v}")));
            let body = m
                .rows
                .iter()
                .map(|(code, cells)| {
                    let mut r = vec![code.clone()];
                    r.extend(cells.iter().map(ToString::to_string));
                    r
                })
                .collect();
            (Table { header, rows: body }, serde_json::to_value(&m)?)
        }
    };
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&json_value)?)?;
    } else if a.csv {
        out.write_all(&table.csv(false)?)?;
    } else {
        let header: Vec<&str> = table.header.iter().map(String::as_str).collect();
        write!(out, "{}", super::output::table(&header, &table.rows))?;
    }
    Ok(())
}

fn coders(p: &Project, json_out: bool, out: &mut dyn Write) -> Result<()> {
    let mut names: Vec<String> = p.config.coders.clone();
    for c in p.codings.values() {
        if !names.contains(&c.coder) {
            names.push(c.coder.clone());
        }
    }
    let rows: Vec<serde_json::Value> = names
        .iter()
        .map(|k| {
            let mine: Vec<_> = p.codings.values().filter(|c| &c.coder == k).collect();
            let docs: std::collections::BTreeSet<&str> =
                mine.iter().map(|c| c.doc.as_str()).collect();
            let codes: std::collections::BTreeSet<&str> =
                mine.iter().map(|c| c.code.as_str()).collect();
            let last = mine.iter().map(|c| c.at.as_str()).max().unwrap_or("");
            json!({
                "coder": k, "default": *k == p.config.default_coder, "codings": mine.len(),
                "documents": docs.len(), "codes": codes.len(),
                "memos": p.memos.values().filter(|m| &m.coder == k).count(), "last_coding": last,
            })
        })
        .collect();
    if json_out {
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    let table_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let s = |k: &str| match &r[k] {
                serde_json::Value::String(x) => x.clone(),
                v => v.to_string(),
            };
            vec![
                format!(
                    "{}{}",
                    s("coder"),
                    if r["default"] == true {
                        " (default)"
                    } else {
                        ""
                    }
                ),
                s("codings"),
                s("documents"),
                s("codes"),
                s("memos"),
                s("last_coding"),
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        table(
            &[
                "coder",
                "codings",
                "documents",
                "codes",
                "memos",
                "last coding"
            ],
            &table_rows
        )
    )?;
    Ok(())
}

fn merge(ctx: &Ctx, a: MergeArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let mut s = ctx.session()?;
    if !a.other.join(crate::store::CONFIG_FILE).is_file() {
        bail!(Error::NotAProject(a.other.clone()));
    }
    let prefer = a.prefer.map(|p| match p {
        PreferArg::Ours => crate::store::merge::Prefer::Ours,
        PreferArg::Theirs => crate::store::merge::Prefer::Theirs,
    });
    let r = s.merge_from(&a.other, prefer)?;
    if r.is_empty() {
        writeln!(
            out,
            "nothing to merge: {} holds nothing new",
            a.other.display()
        )?;
        return Ok(());
    }
    writeln!(out, "merged {}:", a.other.display())?;
    writeln!(out, "  documents added: {}", r.documents_added.len())?;
    writeln!(
        out,
        "  codes added: {}{}",
        r.codes_added.len(),
        if r.codes_added.is_empty() {
            String::new()
        } else {
            format!(" ({})", r.codes_added.join(", "))
        }
    )?;
    writeln!(out, "  codes changed: {}", r.codes_changed.len())?;
    writeln!(out, "  cases added or changed: {}", r.cases_changed.len())?;
    for (coder, n) in &r.events_added {
        writeln!(out, "  {coder}: {n} journal events")?;
    }
    for c in &r.clashes {
        writeln!(out, "  clash: {c}")?;
    }
    ctx.after_change(s.project(), err)
}

fn fmt_stat(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "n/a".to_string(), |x| format!("{x:.digits$}"))
}

fn agree(ctx: &Ctx, a: AgreeArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    use crate::analysis::agreement;
    let p = ctx.load(None, err)?;
    let mut coders: Vec<String> = Vec::new();
    for c in &a.coders {
        let c = c.trim().to_string();
        if !c.is_empty() && !coders.contains(&c) {
            coders.push(c);
        }
    }
    if coders.len() < 2 {
        bail!(Error::invalid(
            "give at least two coders, e.g. --coders anna,bo"
        ));
    }
    for c in &coders {
        if !p.codings.values().any(|x| &x.coder == c) {
            writeln!(
                err,
                "koda: warning: coder {c:?} has no codings in this project"
            )?;
        }
    }
    let codes = a
        .code
        .iter()
        .map(|c| p.codebook.find(c).map(|c| c.id.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let unit = match a.unit {
        AgreeUnit::Char => agreement::Unit::Char,
        AgreeUnit::Turn => agreement::Unit::Turn,
        AgreeUnit::Document => agreement::Unit::Document,
    };
    let r = agreement::agree(&p, &coders, &codes, unit, a.disagreements)?;
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&r)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "agreement of {} over {} document{} all of them coded, unit: {}",
        coders.join(", "),
        r.documents.len(),
        if r.documents.len() == 1 { "" } else { "s" },
        format!("{unit:?}").to_lowercase()
    )?;
    let two = coders.len() == 2;
    let mut header = vec!["code", "units"];
    header.push("coded by each");
    header.push("agree %");
    if two {
        header.push("Cohen κ");
    }
    header.push("Fleiss κ");
    header.push("Krippendorff α");
    let rows: Vec<Vec<String>> = r
        .codes
        .iter()
        .chain(std::iter::once(&r.overall))
        .map(|f| {
            let mut row = vec![
                f.code.clone(),
                f.units.to_string(),
                f.coded
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" / "),
                fmt_stat(f.percent, 1),
            ];
            if two {
                row.push(fmt_stat(f.cohen_kappa, 3));
            }
            row.push(fmt_stat(f.fleiss_kappa, 3));
            row.push(fmt_stat(f.krippendorff_alpha, 3));
            row
        })
        .collect();
    write!(out, "{}", table(&header, &rows))?;
    if a.disagreements {
        writeln!(out)?;
        if r.disagreements.is_empty() {
            writeln!(out, "no disagreements")?;
        }
        for d in &r.disagreements {
            writeln!(
                out,
                "{} · {} · turn {} · {}..{}",
                d.code, d.doc, d.turn, d.start, d.end
            )?;
            writeln!(out, "    «{}»", ellipsize(&d.text.replace('\n', " "), 100))?;
            for (coder, texts) in &d.by_coder {
                if texts.is_empty() {
                    writeln!(out, "    {coder}: (not coded)")?;
                } else {
                    for t in texts {
                        writeln!(
                            out,
                            "    {coder}: «{}»",
                            ellipsize(&t.replace('\n', " "), 100)
                        )?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn names(ctx: &Ctx, a: NamesArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    use crate::model::names::{Category, NameEntry, Pseudonymiser};
    let Some(action) = a.action else {
        let p = ctx.load(None, err)?;
        if a.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&p.names)?)?;
            return Ok(());
        }
        if p.names.names.is_empty() {
            writeln!(
                out,
                "no names registered yet: `koda names suggest` lists candidates, `koda names add NAME --as REPLACEMENT` registers one"
            )?;
        }
        let rows: Vec<Vec<String>> = p
            .names
            .names
            .iter()
            .map(|n| {
                vec![
                    n.name.clone(),
                    n.replacement.clone(),
                    n.aliases.join(", "),
                    format!("{:?}", n.category).to_lowercase(),
                ]
            })
            .collect();
        if !rows.is_empty() {
            write!(
                out,
                "{}",
                table(&["name", "replacement", "aliases", "category"], &rows)
            )?;
        }
        let privacy = crate::export::privacy::Privacy::new(&p, true);
        let mut labels: Vec<String> = Vec::new();
        for d in p.documents() {
            for s in &d.speakers {
                if !labels.contains(s) {
                    labels.push(s.clone());
                }
            }
        }
        if !labels.is_empty() {
            writeln!(out)?;
            let rows: Vec<Vec<String>> = labels
                .iter()
                .map(|l| vec![l.clone(), privacy.speaker(l)])
                .collect();
            write!(out, "{}", table(&["speaker", "exports show"], &rows))?;
        }
        if !p.cases.cases.is_empty() {
            writeln!(out)?;
            let rows: Vec<Vec<String>> = p
                .cases
                .cases
                .keys()
                .map(|c| vec![c.clone(), privacy.case(c)])
                .collect();
            write!(out, "{}", table(&["case", "exports show"], &rows))?;
        }
        return Ok(());
    };
    if let NamesAction::Suggest { min, json } = action {
        let p = ctx.load(None, err)?;
        let list = crate::analysis::names::suggest(&p, min.max(1));
        if json {
            writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
            return Ok(());
        }
        if list.is_empty() {
            writeln!(out, "no candidates found")?;
        }
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|s| {
                vec![
                    s.name.clone(),
                    s.count.to_string(),
                    s.documents.to_string(),
                    s.first.clone(),
                    ellipsize(&s.sample, 60),
                ]
            })
            .collect();
        if !rows.is_empty() {
            write!(
                out,
                "{}",
                table(&["candidate", "count", "docs", "first", "sample"], &rows)
            )?;
        }
        return Ok(());
    }
    let mut s = ctx.session()?;
    let mut names = s.project().names.clone();
    let msg = match action {
        NamesAction::Add {
            name,
            replacement,
            aliases,
            category,
        } => {
            let name = name.trim().to_string();
            if name.is_empty() {
                bail!(Error::invalid("give the name to register"));
            }
            let category: Category = category.parse().map_err(Error::Invalid)?;
            match names
                .names
                .iter_mut()
                .find(|n| n.name.eq_ignore_ascii_case(&name))
            {
                Some(e) => {
                    for al in aliases {
                        if !e.aliases.iter().any(|x| x.eq_ignore_ascii_case(&al)) {
                            e.aliases.push(al);
                        }
                    }
                    if let Some(r) = replacement {
                        e.replacement = r;
                    }
                    e.category = category;
                }
                None => {
                    let replacement = replacement.unwrap_or_else(|| "(name)".to_string());
                    names.names.push(NameEntry {
                        name: name.clone(),
                        replacement,
                        aliases,
                        category,
                    });
                }
            }
            let entry = names
                .names
                .iter()
                .find(|n| n.name.eq_ignore_ascii_case(&name))
                .cloned();
            if let Some(e) = entry
                && !Pseudonymiser::new(&names).find(&e.replacement).is_empty()
            {
                writeln!(
                    err,
                    "koda: warning: the replacement {:?} itself contains a registered name, so exports will fail their leak check",
                    e.replacement
                )?;
            }
            format!("registered {name}")
        }
        NamesAction::Rm { name } => {
            let before = names.names.len();
            names.names.retain(|n| !n.name.eq_ignore_ascii_case(&name));
            if names.names.len() == before {
                bail!(Error::invalid(format!(
                    "{name:?} is not registered; see `koda names`"
                )));
            }
            format!("removed {name}")
        }
        NamesAction::Speaker { label, pseudonym } => {
            names.speakers.insert(label.clone(), pseudonym.clone());
            format!("speaker {label} shows as {pseudonym}")
        }
        NamesAction::Case { case, pseudonym } => {
            if !s.project().cases.cases.contains_key(&case) {
                bail!(Error::invalid(format!(
                    "no case {case:?}; see `koda cases`"
                )));
            }
            names.cases.insert(case.clone(), pseudonym.clone());
            format!("case {case} shows as {pseudonym}")
        }
        NamesAction::Suggest { .. } => String::new(),
    };
    s.save_names(names)?;
    writeln!(out, "{msg}")?;
    Ok(())
}

fn edit(
    ctx: &Ctx,
    doc: &str,
    from: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    let mut s = ctx.session()?;
    let d = s.project().find_doc(doc)?.clone();
    let new_text = match from {
        Some(f) => {
            let bytes = std::fs::read(f).map_err(|e| Error::io(f, e))?;
            crate::import::text::decode_utf8(&bytes).map_err(|msg| Error::Import {
                path: f.to_path_buf(),
                msg,
            })?
        }
        None => {
            let editor = std::env::var("VISUAL")
                .ok()
                .or_else(|| std::env::var("EDITOR").ok())
                .filter(|e| !e.trim().is_empty())
                .ok_or_else(|| {
                    Error::invalid(
                        "set $EDITOR (or $VISUAL), or give the corrected text with --from FILE",
                    )
                })?;
            // The draft stays inside the project's private folder, never in a system temp folder.
            let dir = s
                .project()
                .root()
                .join(crate::store::PRIVATE_DIR)
                .join("edit");
            crate::store::fsio::ensure_dir(&dir)?;
            let draft = dir.join(format!("{}.txt", d.id));
            crate::store::fsio::write_atomic(&draft, s.project().text(&d.id)?.as_bytes())?;
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("{editor} \"$1\""))
                .arg("koda-edit")
                .arg(&draft)
                .status()
                .map_err(|e| Error::invalid(format!("cannot start the editor {editor:?}: {e}")))?;
            let text = std::fs::read(&draft).map_err(|e| Error::io(&draft, e));
            let _ = std::fs::remove_file(&draft);
            if !status.success() {
                bail!(Error::invalid(format!(
                    "the editor {editor:?} failed ({status}); nothing was changed"
                )));
            }
            crate::import::text::decode_utf8(&text?).map_err(|msg| Error::Import {
                path: draft.clone(),
                msg,
            })?
        }
    };
    let r = s.edit_document(&d.id, &new_text)?;
    if !r.changed {
        writeln!(out, "{}: no change", d.id)?;
        return Ok(());
    }
    writeln!(
        out,
        "{}: revision {}; {} codings kept their words, {} flagged for a look{}",
        d.id,
        r.revision,
        r.kept,
        r.stale.len(),
        if r.stale.is_empty() {
            String::new()
        } else {
            " (`koda codings --stale`)".to_string()
        }
    )?;
    ctx.after_change(s.project(), err)
}

fn codings(ctx: &Ctx, a: CodingsArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    if let Some(CodingsAction::Confirm { ids }) = a.action {
        let mut s = ctx.session()?;
        let n = s.confirm_codings(&ids)?;
        writeln!(out, "{n} codings confirmed")?;
        return ctx.after_change(s.project(), err);
    }
    let p = ctx.load(None, err)?;
    let doc = a
        .doc
        .as_deref()
        .map(|d| p.find_doc(d).map(|d| d.id.clone()))
        .transpose()?;
    let list = analysis::excerpts(
        &p,
        &ExcerptFilter {
            docs: doc.into_iter().collect(),
            coders: ctx.coders.clone(),
            ..ExcerptFilter::default()
        },
    )?;
    let list: Vec<_> = list.into_iter().filter(|e| !a.stale || e.stale).collect();
    if a.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
        return Ok(());
    }
    if list.is_empty() {
        writeln!(
            out,
            "{}",
            if a.stale {
                "no codings need a look"
            } else {
                "no codings"
            }
        )?;
    }
    for e in &list {
        writeln!(
            out,
            "{}{} · {} · {} · turn {} · {}..{} · {}",
            e.coding,
            if e.stale { " (stale)" } else { "" },
            e.code_path,
            e.doc,
            e.turn,
            e.start,
            e.end,
            e.coder
        )?;
        writeln!(out, "    «{}»", ellipsize(&e.text.replace('\n', " "), 100))?;
    }
    if a.stale && !list.is_empty() {
        writeln!(
            out,
            "\nKeep one as it is with `koda codings confirm ID`, move it with the TUI (e), or remove it with `koda uncode ID`."
        )?;
    }
    Ok(())
}
