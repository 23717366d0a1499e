//! From a parsed command line to the subcommand that handles it; `koda tui`, `undo` and `redo`, `reindex`, `check`, `doctor`.

use super::Outcome;
use super::args::{CasesAction, CasesArgs, Cli, Command};
use super::ctx::Ctx;
use super::{
    batch, cases, codes, coding, excerpts, export, import, memos, names, project, search, stats,
    team,
};
use crate::Error;
use crate::store::Session;
use anyhow::{Result, bail};
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

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
            project::overview(&p, out)?;
        }
        Some(Command::Tui { project }) => return tui(&ctx, project.as_deref()),
        Some(Command::Init(a)) => project::init(&ctx, a, out)?,
        Some(Command::Import(a)) => return import::import_files(&ctx, a, out, err),
        Some(Command::Docs(a)) => project::docs(&ctx, a, out, err)?,
        Some(Command::Show(a)) => project::show(&ctx.load(None, err)?, &a.doc, a.json, out)?,
        Some(Command::Codes(a)) => codes::codes(&ctx, a, out, err)?,
        Some(Command::Sets(a)) => codes::sets(&ctx, a, out, err)?,
        Some(Command::Code(a)) => coding::code(&ctx, a, out, err)?,
        Some(Command::Uncode(a)) => coding::uncode(&ctx, a, out, err)?,
        Some(Command::Excerpts(a)) => excerpts::excerpts(&ctx, a, out, err)?,
        Some(Command::Search(a)) => search::search(&ctx, a, out, err)?,
        Some(Command::Autocode(a)) => search::autocode(&ctx, a, out, err)?,
        Some(Command::Reindex) => {
            let p = ctx.load(None, err)?;
            let (_, r) = crate::index::SearchIndex::rebuild(&p)?;
            writeln!(out, "search index rebuilt: {} documents", r.indexed)?;
        }
        Some(Command::Export(a)) => export::export(&ctx, a, out, err)?,
        Some(Command::Stats(a)) => stats::stats(&ctx, a, out, err)?,
        Some(Command::Edit { doc, from }) => {
            coding::edit(&ctx, &doc, from.as_deref(), false, out, err)?
        }
        Some(Command::Resegment {
            doc,
            speaker_pattern,
            no_speakers,
        }) => import::resegment(
            &ctx,
            &doc,
            speaker_pattern.as_deref(),
            no_speakers,
            out,
            err,
        )?,
        Some(Command::Codings(a)) => coding::codings(&ctx, a, out, err)?,
        Some(Command::Undo) => history_step(&ctx, true, out, err)?,
        Some(Command::Redo) => history_step(&ctx, false, out, err)?,
        Some(Command::Names(a)) => names::names(&ctx, a, out, err)?,
        Some(Command::Settings(a)) => export::settings(&ctx, a, out, err)?,
        Some(Command::Check { file }) => {
            let p = ctx.load(None, err)?;
            let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
            let what = file.display().to_string();
            let leaks = crate::ops::names::check(&p, &bytes, &what)?;
            if leaks.is_empty() {
                writeln!(out, "{what}: no registered name or identifier found")?;
            } else {
                for l in &leaks {
                    writeln!(out, "{l}")?;
                }
                bail!(Error::invalid(format!(
                    "{what}: {} registered names or identifiers found",
                    leaks.len()
                )));
            }
        }
        Some(Command::Doctor { repair, accept }) => {
            let root = ctx.root(None)?;
            if accept {
                // The project may not open (that is why this is run): the lock alone is taken,
                // in the name of a coder koda.json may be too damaged to give.
                let coder = ctx.coder_for(&root).unwrap_or_else(|_| "doctor".into());
                let lock = crate::store::lock::WriteLock::acquire(
                    &root.join(crate::store::PRIVATE_DIR),
                    &coder,
                )?;
                let (done, backup) = crate::store::doctor::accept(&root)?;
                drop(lock);
                for d in &done {
                    writeln!(out, "accepted: {d}")?;
                }
                if done.is_empty() {
                    writeln!(
                        out,
                        "nothing to accept: every file's checksums hold, and no journal or snapshot is missing or shorter than koda last saw it"
                    )?;
                } else if backup.exists() {
                    writeln!(
                        out,
                        "copies of the files as they were: {}",
                        backup.display()
                    )?;
                }
                return Ok(Outcome::Success);
            }
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
                let session = ctx.session(err)?;
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
        Some(Command::Coders(a)) => stats::coders(&ctx.load(None, err)?, a.json, out)?,
        Some(Command::Merge(a)) => team::merge(&ctx, a, out, err)?,
        Some(Command::Agree(a)) => stats::agree(&ctx, a, out, err)?,
        Some(Command::Memo(a)) => memos::memo(&ctx, a.action, out, err)?,
        Some(Command::Memos(a)) => memos::memos(&ctx.load(None, err)?, a.json, out)?,
        Some(Command::Cases(a)) => cases::cases(&ctx, a, out, err)?,
        Some(Command::Speakers(a)) => cases::speakers(&ctx, a, out, err)?,
        Some(Command::Batch) => return batch::batch(&ctx, out, err),
        Some(Command::Attr { action }) => {
            let action = match action {
                super::args::AttrAction::Set { case, attrs } => CasesAction::Set { case, attrs },
                super::args::AttrAction::Rm { case, keys } => CasesAction::Unset { case, keys },
            };
            cases::cases(
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

pub(super) fn tui(ctx: &Ctx, explicit: Option<&Path>) -> Result<Outcome> {
    let root = ctx.root(explicit)?;
    let coder = ctx.coder_for(&root)?;
    let session = Session::open(&root, &coder)?;
    crate::tui::run(session)?;
    Ok(Outcome::Success)
}

/// `koda undo` and `koda redo`.
pub(super) fn history_step(
    ctx: &Ctx,
    undo: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    let mut s = ctx.session(err)?;
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
