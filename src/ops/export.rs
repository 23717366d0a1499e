//! Exports: every kind and format, with pseudonymisation and the leak check applied here, so
//! that no front end can forget them.
//!
//! [`build`] turns a [`Request`] into the bytes to write and the notices to show. Every export
//! goes the same way: the register is checked ([`Privacy::new`]), the content is built and
//! pseudonymised, and the finished bytes pass one gate ([`gate`]): the leak check of every
//! byte (every part of a DOCX or QDPX), or the note that the export is not pseudonymised.
//! Nothing returns bytes by another way. [`deliver`] writes them atomically to the named file.

use crate::analysis::{self, ExcerptFilter};
use crate::export::labels::Lang;
use crate::export::privacy::{NOT_PSEUDONYMISED, Privacy};
use crate::export::summary::{self, Order};
use crate::export::{Format, qdpx, quote::Context, tables};
use crate::store::Project;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// What is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A theme summary: every code with its quotes.
    Summary,
    /// An HTML report: the summary with counts by an attribute.
    Report,
    /// A table of coded excerpts.
    Excerpts,
    /// Cases by codes.
    Matrix,
    /// The memos.
    Memos,
    /// The codebook.
    Codebook,
    /// A REFI-QDA project archive.
    Qdpx,
    /// A REFI-QDA codebook.
    Qdc,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 8] = [
        Kind::Summary,
        Kind::Report,
        Kind::Excerpts,
        Kind::Matrix,
        Kind::Memos,
        Kind::Codebook,
        Kind::Qdpx,
        Kind::Qdc,
    ];

    /// The kind's name as the CLI spells it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Summary => "summary",
            Kind::Report => "report",
            Kind::Excerpts => "excerpts",
            Kind::Matrix => "matrix",
            Kind::Memos => "memos",
            Kind::Codebook => "codebook",
            Kind::Qdpx => "qdpx",
            Kind::Qdc => "qdc",
        }
    }

    /// The formats this kind can be written in.
    pub fn formats(self) -> &'static [Format] {
        match self {
            Kind::Summary => &[Format::Markdown, Format::Html, Format::Json, Format::Docx],
            Kind::Memos | Kind::Codebook => &[Format::Markdown, Format::Csv, Format::Json],
            Kind::Excerpts | Kind::Matrix => {
                &[Format::Csv, Format::Json, Format::Markdown, Format::Html]
            }
            Kind::Report => &[Format::Html],
            Kind::Qdpx | Kind::Qdc => &[],
        }
    }

    fn stdout_format(self) -> Format {
        match self {
            Kind::Excerpts | Kind::Matrix => Format::Csv,
            Kind::Report => Format::Html,
            _ => Format::Markdown,
        }
    }
}

/// Where an export goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Standard output.
    Stdout,
    /// A file, written atomically.
    File(PathBuf),
}

impl Target {
    /// The target as the user named it (`-` for standard output).
    pub fn label(&self) -> String {
        match self {
            Target::Stdout => "-".into(),
            Target::File(p) => p.display().to_string(),
        }
    }
}

/// An export to make.
#[derive(Debug, Clone)]
pub struct Request {
    /// What to export.
    pub kind: Kind,
    /// The format; from the file's extension when `None`.
    pub format: Option<Format>,
    /// Where it goes.
    pub target: Target,
    /// Replace registered names, speakers and cases (summaries, tables and reports default to
    /// this; a QDPX archive holds the real texts unless asked).
    pub pseudonymise: bool,
    /// Only these codes (paths or names), with their sub-codes.
    pub codes: Vec<String>,
    /// Only these documents (excerpts).
    pub docs: Vec<String>,
    /// Only these coders' codings.
    pub coders: Vec<String>,
    /// Only codings whose excerpts meet these `KEY=VALUE` conditions, quoted and counted
    /// (summaries, reports, excerpt tables, matrices; see
    /// [`crate::analysis::ExcerptFilter::wheres`]).
    pub wheres: Vec<(String, String)>,
    /// Excerpt tables: only where codings of these codes (paths or names, with sub-codes)
    /// overlap, the overlap as the quote.
    pub and: Vec<String>,
    /// Excerpt tables: leave out excerpts codings of these codes overlap.
    pub not: Vec<String>,
    /// Summary and report: quote the pinned excerpts first, in the order they were pinned.
    pub pinned: bool,
    /// Summary and report: leave out codes without excerpts (sub-codes included).
    pub hide_empty: bool,
    /// The language of the words; the project's report language when `None`.
    pub lang: Option<Lang>,
    /// At most this many quotes per code.
    pub max_quotes: Option<usize>,
    /// Quote order.
    pub order: Order,
    /// Context around each quote.
    pub context: Context,
    /// Include memos.
    pub memos: bool,
    /// Break counts down by this attribute.
    pub by: Option<String>,
    /// Cut quotes longer than this.
    pub max_chars: usize,
    /// Matrix: presence (1/0) instead of counts.
    pub presence: bool,
    /// CSV: start with a byte-order mark (for spreadsheet programs).
    pub bom: bool,
    /// Codebook CSV: Taguette's columns (`path`, `description`).
    pub taguette: bool,
    /// QDPX: how text positions are counted.
    pub positions: qdpx::Positions,
}

/// Something the researcher should be told about an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The export holds real names (pseudonymisation was turned off).
    NotPseudonymised,
    /// A QDPX archive with the real texts, in a project that has registered names.
    RealTextsInArchive,
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::NotPseudonymised => write!(f, "warning: {NOT_PSEUDONYMISED}"),
            Notice::RealTextsInArchive => f.write_str(
                "note: the QDPX holds the real texts; add --pseudonymise to replace registered names",
            ),
        }
    }
}

/// A built export.
#[derive(Debug)]
pub struct Export {
    /// The bytes to write.
    pub bytes: Vec<u8>,
    /// The format they are in (`None` for REFI-QDA).
    pub format: Option<Format>,
    /// What to tell the researcher.
    pub notices: Vec<Notice>,
}

/// Builds an export. Nothing is written. A project with a document left out for damage (its
/// text or metadata missing or unreadable) is refused: a report must not quietly lack an
/// interview.
pub fn build(p: &Project, r: &Request) -> Result<Export> {
    if !r.wheres.is_empty()
        && !matches!(
            r.kind,
            Kind::Summary | Kind::Report | Kind::Excerpts | Kind::Matrix
        )
    {
        return Err(Error::invalid(format!(
            "--where narrows the codings of a summary, report, excerpt table or matrix; {} does not take it",
            r.kind.name()
        )));
    }
    if (!r.and.is_empty() || !r.not.is_empty()) && r.kind != Kind::Excerpts {
        return Err(Error::invalid(format!(
            "--and and --not choose the rows of an excerpt table (`koda export excerpts`); {} does not take them",
            r.kind.name()
        )));
    }
    if (r.pinned || r.hide_empty) && !matches!(r.kind, Kind::Summary | Kind::Report) {
        return Err(Error::invalid(format!(
            "--pinned and --hide-empty shape a summary or a report; {} does not take them",
            r.kind.name()
        )));
    }
    // Under --where, everything below sees only the codings that meet the conditions.
    let narrowed = analysis::narrowed(p, &r.wheres)?;
    let p = narrowed.as_ref().unwrap_or(p);
    let left_out: Vec<&str> = p
        .warnings
        .iter()
        .filter(|w| w.about == crate::store::project::WarningAbout::Document)
        .map(|w| w.message.as_str())
        .collect();
    if !left_out.is_empty() {
        return Err(Error::invalid(format!(
            "the export would lack documents, so it was not made:\n  {}\nRestore the files (see `koda doctor`), then export again",
            left_out.join("\n  ")
        )));
    }
    if matches!(r.kind, Kind::Qdpx | Kind::Qdc) {
        return refi(p, r);
    }
    let format = match r.format {
        Some(f) => f,
        None => match &r.target {
            Target::Stdout => r.kind.stdout_format(),
            Target::File(path) => Format::from_path(path).ok_or_else(|| {
                Error::invalid(format!(
                    "cannot tell the format from {:?}: name the file .md, .html, .json or .csv, or give --format",
                    path.display().to_string()
                ))
            })?,
        },
    };
    let allowed = r.kind.formats();
    if !allowed.contains(&format) {
        let names: Vec<&str> = allowed.iter().map(|f| f.name()).collect();
        return Err(Error::invalid(format!(
            "{} cannot be exported as {}: use {}",
            r.kind.name(),
            format.name(),
            names.join(", ")
        )));
    }
    if r.target == Target::Stdout && format == Format::Docx {
        return Err(Error::invalid(
            "a DOCX file cannot go to standard output; name a file with -o",
        ));
    }
    let codes = p.codebook.find_ids(&r.codes)?;
    let language = r.lang.unwrap_or_else(|| Lang::of_project(&p.config));
    let words = language.labels();
    let lang = language.tag();
    let privacy = Privacy::new(p, r.pseudonymise)?;
    let title = |t: String| privacy.text(&t);
    if let Some(by) = &r.by
        && !analysis::attribute_names(p).contains(by)
    {
        return Err(Error::invalid(format!(
            "no attribute {by:?} in the project; attributes are {}",
            analysis::attribute_names(p).join(", ")
        )));
    }
    let bytes: Vec<u8> = match r.kind {
        Kind::Summary | Kind::Report => {
            let by = r.by.clone().or_else(|| {
                (r.kind == Kind::Report)
                    .then(|| analysis::attribute_names(p))
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
                max_quotes: r.max_quotes,
                order: r.order,
                context: r.context,
                memos: r.memos,
                by,
                max_chars: r.max_chars.max(20),
                coders: r.coders.clone(),
                pinned: r.pinned,
                hide_empty: r.hide_empty,
                lang: language,
                attribution: p.config.report.attribution.clone(),
            };
            if r.kind == Kind::Report {
                crate::export::report::html(
                    p,
                    &crate::export::report::Options { summary: opts },
                    &privacy,
                )?
                .into_bytes()
            } else {
                let mut s = summary::build(p, &opts)?;
                privacy.summary(&mut s);
                match format {
                    Format::Html => summary::html(&s).into_bytes(),
                    Format::Docx => summary::docx(&s)?,
                    Format::Json => json(&s)?,
                    _ => summary::markdown(&s).into_bytes(),
                }
            }
        }
        Kind::Excerpts => {
            let docs = p.find_doc_ids(&r.docs)?;
            let filter = ExcerptFilter {
                codes,
                include_subcodes: true,
                docs,
                coders: r.coders.clone(),
                wheres: r.wheres.clone(),
                pinned_only: false,
                and: p.codebook.find_ids(&r.and)?,
                not: p.codebook.find_ids(&r.not)?,
            };
            let mut t = tables::excerpt_table(p, &filter)?;
            privacy.table(&mut t);
            t.render(
                format,
                &title(format!("{}: {}", words.excerpts_title, p.config.name)),
                r.bom,
                lang,
            )?
        }
        Kind::Matrix => {
            let mut t = tables::matrix_table(p, r.presence)?;
            privacy.table(&mut t);
            t.render(
                format,
                &title(format!("{}: {}", words.matrix_title, p.config.name)),
                r.bom,
                lang,
            )?
        }
        Kind::Memos => match format {
            Format::Markdown => title(tables::memos_markdown(p, words)).into_bytes(),
            f => {
                let mut t = tables::memo_table(p, words);
                privacy.table(&mut t);
                t.render(f, words.memos_title, r.bom, lang)?
            }
        },
        Kind::Codebook => match format {
            Format::Markdown => title(tables::codebook_markdown(p, words)).into_bytes(),
            Format::Json => {
                let mut t = tables::codebook_table(p);
                privacy.table(&mut t);
                let mut v = tables::codebook_json(p);
                if privacy.on
                    && let Some(items) = v.as_array_mut()
                {
                    for (item, row) in items.iter_mut().zip(&t.rows) {
                        item["path"] = serde_json::Value::String(row[0].clone());
                        item["description"] = serde_json::Value::String(row[2].clone());
                    }
                }
                json(&v)?
            }
            f => {
                let mut t = tables::codebook_table(p);
                privacy.table(&mut t);
                if r.taguette {
                    // Taguette reads a tag's path and description, nothing else.
                    t.header = vec!["path".into(), "description".into()];
                    for row in &mut t.rows {
                        *row = vec![row[0].clone(), row[2].clone()];
                    }
                }
                t.render(f, words.codebook_title, r.bom, lang)?
            }
        },
        Kind::Qdpx | Kind::Qdc => return refi(p, r),
    };
    let mut notices = Vec::new();
    let bytes = gate(
        &privacy,
        bytes,
        &r.target.label(),
        Some(Notice::NotPseudonymised),
        &mut notices,
    )?;
    let bytes = match format {
        Format::Markdown if !privacy.on && r.kind != Kind::Summary => {
            let mut b = format!("> **{}**\n\n", words.not_pseudonymised).into_bytes();
            b.extend(bytes);
            b
        }
        _ => bytes,
    };
    Ok(Export {
        bytes,
        format: Some(format),
        notices,
    })
}

/// The one gate every export's bytes pass: a pseudonymised export is leak-checked whole (every
/// part of a ZIP-based file) and refused on any hit; one that is not gets `unprotected`, the
/// notice that says so in words fitting the export.
fn gate(
    privacy: &Privacy,
    bytes: Vec<u8>,
    what: &str,
    unprotected: Option<Notice>,
    notices: &mut Vec<Notice>,
) -> Result<Vec<u8>> {
    if privacy.on {
        privacy.gate(&bytes, what)?;
    } else {
        notices.extend(unprotected);
    }
    Ok(bytes)
}

fn json<T: serde::Serialize>(v: &T) -> Result<Vec<u8>> {
    let s = serde_json::to_string_pretty(v).map_err(|e| Error::invalid(e.to_string()))?;
    Ok(format!("{s}\n").into_bytes())
}

/// REFI-QDA: a codebook (`.qdc`, always leak-checked) or a project archive (`.qdpx`, every
/// entry leak-checked when pseudonymised).
fn refi(p: &Project, r: &Request) -> Result<Export> {
    let what = r.target.label();
    let mut notices = Vec::new();
    let bytes = if r.kind == Kind::Qdc {
        // A codebook holds no texts: it is always pseudonymised and checked.
        let privacy = Privacy::new(p, true)?;
        gate(&privacy, qdpx::qdc(p, &privacy)?, &what, None, &mut notices)?
    } else {
        if r.target == Target::Stdout {
            return Err(Error::invalid(
                "a QDPX archive cannot go to standard output; name a file with -o",
            ));
        }
        let privacy = Privacy::new(p, r.pseudonymise)?;
        let texts = if r.pseudonymise {
            qdpx::Texts::pseudonymised(p, &privacy)?
        } else {
            qdpx::Texts::of(p)?
        };
        // An archive of real texts is a working copy, not a report: it is said so in words
        // that fit it, and only where there are registered names to say it of.
        let unprotected = (!p.names.names.is_empty()).then_some(Notice::RealTextsInArchive);
        gate(
            &privacy,
            qdpx::qdpx(p, &texts, &privacy, r.positions)?,
            &what,
            unprotected,
            &mut notices,
        )?
    };
    Ok(Export {
        bytes,
        format: None,
        notices,
    })
}

/// Writes a built export to its file, atomically (`force` replaces an existing file).
/// Standard output is the front end's to write.
pub fn deliver(path: &Path, export: &Export, force: bool) -> Result<()> {
    crate::export::write_file(path, &export.bytes, force)
}
