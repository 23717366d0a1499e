//! `koda export`: unpacks the options into an export request (the export and its privacy gate are in `ops::export`).

use super::args::{ContextArg, ExportArgs, ExportKind, OrderArg};
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
        coders: ctx.coders.clone(),
        wheres: crate::model::case::parse_attrs(&a.wheres)?,
        pinned: a.pinned,
        hide_empty: a.hide_empty,
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
