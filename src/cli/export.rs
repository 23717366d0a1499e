//! `koda export`: unpacks the options into an export request (the export and its privacy gate are in `ops::export`).

use super::args::{ContextArg, ExportArgs, ExportKind, OrderArg, SettingsArgs};
use super::ctx::Ctx;
use anyhow::Result;
use std::io::Write;

/// `koda export`: unpacks the options into a request; the export itself, with its privacy
/// gate, is [`crate::ops::export`].
pub(super) fn export(
    ctx: &Ctx,
    a: ExportArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    use crate::export::{quote::Context, summary::Order};
    use crate::ops::export::{self as op, Kind, Target};
    let p = ctx.load(None, err)?;
    let kind = match a.kind {
        ExportKind::Summary => Kind::Summary,
        ExportKind::Report => Kind::Report,
        ExportKind::Excerpts => Kind::Excerpts,
        ExportKind::Matrix => Kind::Matrix,
        ExportKind::Memos => Kind::Memos,
        ExportKind::Codebook => Kind::Codebook,
        ExportKind::Qdpx => Kind::Qdpx,
        ExportKind::Qdc => Kind::Qdc,
    };
    let target = if a.output.as_os_str() == "-" {
        Target::Stdout
    } else {
        Target::File(a.output.clone())
    };
    let req = op::Request {
        kind,
        format: a
            .format
            .as_deref()
            .map(crate::export::Format::parse)
            .transpose()?,
        target: target.clone(),
        pseudonymise: if kind == Kind::Qdpx {
            a.pseudonymise
        } else {
            !a.no_pseudonymise
        },
        codes: a.code.clone(),
        docs: a.doc.clone(),
        and: a.and.clone(),
        not: a.not.clone(),
        coders: ctx.coders.clone(),
        wheres: crate::model::case::parse_attrs(&a.wheres)?,
        pinned: a.pinned,
        hide_empty: a.hide_empty,
        lang: a
            .lang
            .as_deref()
            .map(crate::export::labels::Lang::parse)
            .transpose()?,
        max_quotes: a.max_quotes,
        order: match a.order {
            OrderArg::Document => Order::Document,
            OrderArg::Length => Order::Length,
            OrderArg::Random => Order::Random(a.seed),
        },
        context: match a.context {
            ContextArg::Coded => Context::Coded,
            ContextArg::Sentence => Context::Sentence,
            ContextArg::Turn => Context::Turn,
        },
        memos: a.memos,
        by: a.by.clone(),
        max_chars: a.max_chars,
        presence: a.presence,
        bom: a.bom,
        taguette: a.taguette,
        positions: a.positions.parse()?,
    };
    let export = op::build(&p, &req)?;
    for n in &export.notices {
        writeln!(err, "koda: {n}")?;
    }
    match &target {
        Target::Stdout => out.write_all(&export.bytes)?,
        Target::File(path) => {
            op::deliver(path, &export, a.force)?;
            writeln!(
                err,
                "wrote {} ({} bytes)",
                path.display(),
                export.bytes.len()
            )?;
        }
    }
    Ok(())
}

/// `koda settings`: shows the report settings, or changes them.
pub(super) fn settings(
    ctx: &Ctx,
    a: SettingsArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    use crate::export::labels::Lang;
    use crate::ops::settings::Change;
    let change = Change {
        lang: if a.default_report_lang {
            Some(None)
        } else {
            a.report_lang.map(Some)
        },
        attribution: if a.default_attribution {
            Some(None)
        } else {
            a.attribution.map(Some)
        },
    };
    let (settings, config) = if change == Change::default() {
        let p = ctx.load(None, err)?;
        (p.config.report.clone(), p.config.clone())
    } else {
        let mut s = ctx.session(err)?;
        let now = crate::ops::settings::change(&mut s, &change)?;
        ctx.after_change(s.project(), err)?;
        (now, s.project().config.clone())
    };
    let lang = Lang::of_project(&config);
    if a.json {
        let v = serde_json::json!({
            "report_lang": lang.tag(),
            "report_lang_set": settings.lang,
            "attribution": settings.attribution,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "report language: {}{}",
        lang.tag(),
        if settings.lang.is_some() {
            ""
        } else {
            " (the project's first language)"
        }
    )?;
    writeln!(
        out,
        "attribution:     {}",
        settings
            .attribution
            .as_deref()
            .unwrap_or("role, title, turn, wave (the default)")
    )?;
    Ok(())
}
