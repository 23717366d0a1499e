//! The theme summary: per code, its description, how widespread it is, and telling quotes with
//! anonymised attribution, in codebook order with the hierarchy as headings.

use super::html::{esc, page, table};
use super::labels::{Labels, Lang};
use super::quote::{Cite, Context, attribution, quote};
use crate::Result;
use crate::analysis::stats::{NONE, frequencies};
use crate::analysis::{ExcerptFilter, excerpts};
use crate::model::MemoTarget;
use crate::store::Project;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// In which order quotes are chosen and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Document order, then position.
    Document,
    /// Longest first.
    Length,
    /// Shuffled with a seed, the same for the same seed.
    Random(u64),
}

/// Options of the summary.
#[derive(Debug, Clone)]
pub struct Options {
    /// Only these code ids (with their sub-codes); all when empty.
    pub codes: Vec<String>,
    /// At most this many quotes per code.
    pub max_quotes: Option<usize>,
    /// Quote order.
    pub order: Order,
    /// Context around each quote.
    pub context: Context,
    /// Include memos on codes and codings.
    pub memos: bool,
    /// Break counts down by this attribute.
    pub by: Option<String>,
    /// Cut quotes longer than this many characters.
    pub max_chars: usize,
    /// Only these coders' codings (quotes); all when empty.
    pub coders: Vec<String>,
    /// Quote the excerpts pinned for the report first, in the order they were pinned.
    pub pinned: bool,
    /// Leave out codes without excerpts (sub-codes included).
    pub hide_empty: bool,
    /// The language of the words.
    pub lang: Lang,
    /// The attribution template (see [`super::quote::attribution`]); the default form if none.
    pub attribution: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            codes: Vec::new(),
            max_quotes: None,
            order: Order::Document,
            context: Context::Coded,
            memos: false,
            by: None,
            max_chars: 600,
            coders: Vec::new(),
            pinned: false,
            hide_empty: false,
            lang: Lang::default(),
            attribution: None,
        }
    }
}

/// A quote in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quote {
    /// The quote, with «(...)» where it was cut.
    pub text: String,
    /// Anonymised attribution.
    pub attribution: String,
    /// Document id.
    pub doc: String,
    /// Turn number.
    pub turn: usize,
    /// The coding's id.
    pub coding: String,
    /// Memos on the coding (with `--memos`).
    pub memos: Vec<String>,
}

/// One attribute value's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    /// The value.
    pub value: String,
    /// Excerpts.
    pub excerpts: usize,
    /// Distinct cases.
    pub cases: usize,
}

/// One code of the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Theme {
    /// Code path.
    pub code: String,
    /// Code name.
    pub name: String,
    /// Depth in the tree.
    pub depth: usize,
    /// Description.
    pub description: String,
    /// Colour (a sub-code without its own shows its parent's).
    pub color: Option<String>,
    /// Excerpts, sub-codes included.
    pub excerpts: usize,
    /// Documents, sub-codes included.
    pub documents: usize,
    /// Cases, sub-codes included.
    pub cases: usize,
    /// Counts by the `by` attribute.
    pub breakdown: Vec<Breakdown>,
    /// Quotes coded with this very code.
    pub quotes: Vec<Quote>,
    /// How many quotes were left out by `max_quotes`.
    pub more: usize,
    /// Memos on the code (with `--memos`).
    pub memos: Vec<String>,
}

/// The whole summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The study's name.
    pub project: String,
    /// Whether names were replaced (false only for `--no-pseudonymise`).
    pub pseudonymised: bool,
    /// The attribute of the breakdown.
    pub by: Option<String>,
    /// Themes in codebook order.
    pub themes: Vec<Theme>,
    /// The language of the words.
    #[serde(skip)]
    pub lang: Lang,
}

fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = usize::try_from(x % (i as u64 + 1)).unwrap_or(0);
        v.swap(i, j);
    }
}

/// Builds the summary.
pub fn build(project: &Project, opts: &Options) -> Result<Summary> {
    let wanted: Option<BTreeSet<String>> = (!opts.codes.is_empty()).then(|| {
        opts.codes
            .iter()
            .flat_map(|c| project.codebook.subtree(c))
            .collect()
    });
    let freq: BTreeMap<String, crate::analysis::stats::Frequency> =
        frequencies(project, opts.by.as_deref(), true)?
            .into_iter()
            .map(|f| (f.code.clone(), f))
            .collect();
    let all = excerpts(
        project,
        &ExcerptFilter {
            coders: opts.coders.clone(),
            ..ExcerptFilter::default()
        },
    )?;
    let seq: BTreeMap<&str, u64> = project
        .docs
        .values()
        .map(|d| (d.id.as_str(), d.seq))
        .collect();
    // Each document's number among those of its type, in import order, for attributions.
    let mut number: BTreeMap<&str, usize> = BTreeMap::new();
    let mut of_kind: BTreeMap<crate::model::DocKind, usize> = BTreeMap::new();
    for d in project.documents() {
        let n = of_kind.entry(d.kind).or_default();
        *n += 1;
        number.insert(d.id.as_str(), *n);
    }
    let labels = opts.lang.labels();
    let mut themes = Vec::new();
    for (code, depth) in project.codebook.walk() {
        if wanted.as_ref().is_some_and(|w| !w.contains(&code.id)) {
            continue;
        }
        let path = project.codebook.path(&code.id);
        let mut own: Vec<&crate::analysis::Excerpt> =
            all.iter().filter(|e| e.code == code.id).collect();
        // Pinned quotes come first, in their order; a passage inside or around one of them is
        // not quoted again.
        let mut pinned: Vec<&crate::analysis::Excerpt> = Vec::new();
        // The codings quoted under another's quote (the same passage coded twice, or one
        // inside another), by the coding whose quote stands for them: their memos go with it.
        let mut folded: BTreeMap<&str, Vec<&crate::analysis::Excerpt>> = BTreeMap::new();
        if opts.pinned {
            pinned = own.iter().copied().filter(|e| e.pinned.is_some()).collect();
            pinned.sort_by_key(|e| e.pinned);
            own.retain(|e| {
                let under = pinned
                    .iter()
                    .find(|p| p.doc == e.doc && p.start < e.end && e.start < p.end);
                if let (None, Some(p)) = (e.pinned, under) {
                    folded.entry(p.coding.as_str()).or_default().push(e);
                }
                e.pinned.is_none() && under.is_none()
            });
        }
        // The same passage coded twice (by two coders, or nested) is quoted once: the widest.
        own.sort_by_key(|e| {
            (
                seq.get(e.doc.as_str()).copied(),
                e.start,
                std::cmp::Reverse(e.end),
            )
        });
        // In this order a passage lies inside an earlier one exactly when it ends before the
        // furthest end reached so far in its document.
        let mut kept: Vec<&crate::analysis::Excerpt> = Vec::new();
        let mut reach: Option<(&str, usize)> = None;
        for e in own {
            let furthest = reach.filter(|(d, _)| *d == e.doc).map(|(_, end)| end);
            if furthest.is_some_and(|end| e.end <= end) {
                let around = kept
                    .iter()
                    .filter(|k| k.doc == e.doc && k.start <= e.start && e.end <= k.end)
                    .max_by_key(|k| k.end);
                if let Some(k) = around {
                    folded.entry(k.coding.as_str()).or_default().push(e);
                }
                continue;
            }
            reach = Some((e.doc.as_str(), furthest.map_or(e.end, |end| end.max(e.end))));
            kept.push(e);
        }
        let mut own = kept;
        match opts.order {
            Order::Document => own.sort_by_key(|e| (seq.get(e.doc.as_str()).copied(), e.start)),
            Order::Length => own.sort_by_key(|e| {
                (
                    std::cmp::Reverse(e.text.chars().count()),
                    seq.get(e.doc.as_str()).copied(),
                    e.start,
                )
            }),
            Order::Random(seed) => {
                own.sort_by_key(|e| (seq.get(e.doc.as_str()).copied(), e.start));
                shuffle(&mut own, seed);
            }
        }
        pinned.extend(own);
        let own = pinned;
        let total = own.len();
        let keep = opts.max_quotes.unwrap_or(total).min(total);
        let quotes = own[..keep]
            .iter()
            .map(|e| Quote {
                text: match &e.form {
                    Some(form) => form.clone(),
                    None => quote(project, e, opts.context, opts.max_chars),
                },
                attribution: attribution(
                    e,
                    &Cite {
                        labels,
                        kind: project
                            .docs
                            .get(&e.doc)
                            .map_or(crate::model::DocKind::Other, |d| d.kind),
                        number: number.get(e.doc.as_str()).copied().unwrap_or(0),
                        template: opts.attribution.as_deref(),
                    },
                ),
                doc: e.doc.clone(),
                turn: e.turn,
                coding: e.coding.clone(),
                memos: if opts.memos {
                    let mut memos: Vec<String> = Vec::new();
                    let with = folded.get(e.coding.as_str()).map_or(&[][..], Vec::as_slice);
                    for x in std::iter::once(e).chain(with) {
                        for m in x.memo.iter().chain(&x.memos) {
                            if !memos.contains(m) {
                                memos.push(m.clone());
                            }
                        }
                    }
                    memos
                } else {
                    Vec::new()
                },
            })
            .collect();
        let f = freq.get(&path);
        if opts.hide_empty && f.is_none_or(|f| f.excerpts == 0) {
            continue;
        }
        themes.push(Theme {
            code: path.clone(),
            name: code.name.clone(),
            depth,
            description: code.description.clone(),
            color: project.codebook.effective_color(&code.id),
            excerpts: f.map_or(0, |f| f.excerpts),
            documents: f.map_or(0, |f| f.documents),
            cases: f.map_or(0, |f| f.cases),
            breakdown: f
                .map(|f| {
                    f.by.iter()
                        .map(|(v, b)| Breakdown {
                            value: v.clone(),
                            excerpts: b.excerpts,
                            cases: b.cases,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            quotes,
            more: total - keep,
            memos: if opts.memos {
                project
                    .memos_on(&MemoTarget::Code(code.id.clone()))
                    .iter()
                    .map(|m| m.text.clone())
                    .collect()
            } else {
                Vec::new()
            },
        });
    }
    Ok(Summary {
        project: project.config.name.clone(),
        pseudonymised: true,
        by: opts.by.clone(),
        themes,
        lang: opts.lang,
    })
}

fn counts_line(l: &Labels, t: &Theme) -> String {
    l.counts(t.excerpts, t.documents, t.cases)
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Renders the summary as Markdown.
pub fn markdown(s: &Summary) -> String {
    let l = s.lang.labels();
    let mut out = if s.pseudonymised {
        String::new()
    } else {
        format!("> **{}**\n\n", l.not_pseudonymised)
    };
    out.push_str(&format!("# {}: {}\n", l.theme_summary, s.project));
    for t in &s.themes {
        let level = "#".repeat((t.depth + 2).min(6));
        out.push_str(&format!("\n{level} {}\n\n", t.code));
        if !t.description.is_empty() {
            out.push_str(&format!("*{}*\n\n", t.description.trim()));
        }
        out.push_str(&format!("{}.\n", counts_line(l, t)));
        if let Some(by) = &s.by
            && !t.breakdown.is_empty()
        {
            out.push_str(&format!(
                "\n| {} | {} | {} |\n| --- | ---: | ---: |\n",
                md_escape(by),
                l.excerpt.1,
                l.case.1
            ));
            for b in &t.breakdown {
                out.push_str(&format!(
                    "| {} | {} | {} |\n",
                    md_escape(l.value(&b.value)),
                    b.excerpts,
                    b.cases
                ));
            }
        }
        for m in &t.memos {
            out.push_str(&format!("\n**{}:** {}\n", l.memo, m.trim()));
        }
        for q in &t.quotes {
            out.push_str(&format!("\n> «{}» ({})\n", q.text, q.attribution));
            for m in &q.memos {
                out.push_str(&format!(">\n> *{}: {}*\n", l.memo, m.trim()));
            }
        }
        if t.more > 0 {
            out.push_str(&format!("\n*{}*\n", (l.more)(t.more)));
        }
    }
    out
}

/// Renders the summary as a self-contained HTML page.
pub fn html(s: &Summary) -> String {
    let l = s.lang.labels();
    let body = format!(
        "{}<h1>{}: {}</h1>\n<p class=\"meta\">{}</p>\n{}",
        not_pseudonymised_banner(l, s.pseudonymised),
        esc(l.theme_summary),
        esc(&s.project),
        esc(&l.code.count(s.themes.len())),
        html_themes(s)
    );
    page(
        &format!("{}: {}", l.theme_summary, s.project),
        s.lang.tag(),
        &body,
    )
}

/// The themes of the summary as HTML sections (each with an `id` for links), without a page.
pub fn html_themes(s: &Summary) -> String {
    let l = s.lang.labels();
    let mut body = String::new();
    for t in &s.themes {
        let level = (t.depth + 2).min(6);
        let color = t.color.clone().unwrap_or_else(|| "#999999".into());
        body.push_str(&format!(
            "<section id=\"{}\" style=\"--c:{}\">\n<h{level}><span class=\"swatch\" style=\"background:{}\"></span>{}</h{level}>\n",
            esc(&anchor(&t.code)),
            esc(&color),
            esc(&color),
            esc(&t.code)
        ));
        if !t.description.is_empty() {
            body.push_str(&format!(
                "<p class=\"desc\">{}</p>\n",
                esc(t.description.trim())
            ));
        }
        body.push_str(&format!(
            "<p class=\"meta\">{}.</p>\n",
            esc(&counts_line(l, t))
        ));
        if let Some(by) = &s.by
            && !t.breakdown.is_empty()
        {
            let rows: Vec<Vec<String>> = t
                .breakdown
                .iter()
                .map(|b| {
                    vec![
                        l.value(&b.value).to_string(),
                        b.excerpts.to_string(),
                        b.cases.to_string(),
                    ]
                })
                .collect();
            body.push_str(&table(
                &[by.clone(), l.excerpt.1.into(), l.case.1.into()],
                &rows,
                1,
            ));
        }
        for m in &t.memos {
            body.push_str(&format!(
                "<div class=\"memo\"><strong>{}:</strong> {}</div>\n",
                esc(l.memo),
                esc(m.trim())
            ));
        }
        for q in &t.quotes {
            body.push_str(&format!(
                "<blockquote><p>«{}»</p><p class=\"attr\">({})</p>",
                esc(&q.text),
                esc(&q.attribution)
            ));
            for m in &q.memos {
                body.push_str(&format!(
                    "<p class=\"memo\">{}: {}</p>",
                    esc(l.memo),
                    esc(m.trim())
                ));
            }
            body.push_str("</blockquote>\n");
        }
        if t.more > 0 {
            body.push_str(&format!(
                "<p class=\"meta\">{}</p>\n",
                esc(&(l.more)(t.more))
            ));
        }
        body.push_str("</section>\n");
    }
    body
}

/// The warning banner of an HTML export made with `--no-pseudonymise` (empty otherwise).
pub fn not_pseudonymised_banner(l: &Labels, pseudonymised: bool) -> String {
    if pseudonymised {
        String::new()
    } else {
        format!(
            "<p class=\"memo\"><strong>{}</strong></p>\n",
            esc(l.not_pseudonymised)
        )
    }
}

/// The HTML anchor of a code's section.
pub fn anchor(code_path: &str) -> String {
    format!("code-{}", crate::model::ids::slug(code_path))
}

/// The value shown for documents without the breakdown attribute.
pub fn none_label() -> &'static str {
    NONE
}

/// Renders the summary as a Word document (DOCX) a report writer pastes from: Word's own
/// heading styles (so the navigation pane and a table of contents work), a Quote style with
/// indents and spacing, the attribution as its own small right-aligned paragraph, a Caption
/// above each table with its numbers right-aligned, and the project's name and the time of
/// the export in the document's properties.
pub fn docx(s: &Summary) -> Result<Vec<u8>> {
    use docx_rs::{
        AlignmentType, Docx, LineSpacing, Paragraph, Run, Style, StyleType, Table, TableCell,
        TableRow,
    };
    let l = s.lang.labels();
    // Sizes in half-points, spacing and indents in twentieths of a point.
    let heading = |level: usize| {
        let size = [36, 30, 26, 24, 22, 22][level.clamp(1, 6) - 1];
        Style::new(format!("Heading{level}"), StyleType::Paragraph)
            .name(format!("heading {level}"))
            .based_on("Normal")
            .next("Normal")
            .q_format(true)
            .outline_lvl(level - 1)
            .line_spacing(
                LineSpacing::new()
                    .before(360 - 40 * level as u32)
                    .after(120),
            )
            .size(size)
            .bold()
    };
    // Normal is docx-rs's own style; its size and spacing are the document's defaults.
    let mut d = Docx::new()
        .default_size(22)
        .default_line_spacing(LineSpacing::new().after(160));
    for level in 1..=6 {
        d = d.add_style(heading(level));
    }
    d = d
        .add_style(
            Style::new("Quote", StyleType::Paragraph)
                .name("Quote")
                .based_on("Normal")
                .next("Attribution")
                .q_format(true)
                .indent(Some(720), None, Some(720), None)
                .line_spacing(LineSpacing::new().before(200).after(40))
                .italic(),
        )
        .add_style(
            Style::new("Attribution", StyleType::Paragraph)
                .name("Attribution")
                .based_on("Normal")
                .next("Normal")
                .indent(Some(720), None, Some(720), None)
                .line_spacing(LineSpacing::new().after(200))
                .align(AlignmentType::Right)
                .color("595959")
                .size(18),
        )
        .add_style(
            Style::new("Caption", StyleType::Paragraph)
                .name("caption")
                .based_on("Normal")
                .next("Normal")
                .q_format(true)
                .line_spacing(LineSpacing::new().before(120).after(60))
                .italic()
                .size(18),
        )
        .add_style(
            Style::new("Memo", StyleType::Paragraph)
                .name("Memo")
                .based_on("Normal")
                .indent(Some(720), None, None, None)
                .line_spacing(LineSpacing::new().before(120).after(120))
                .color("404040")
                .size(20),
        );
    let para = |text: &str| Paragraph::new().add_run(Run::new().add_text(text));
    let memo = |m: &str| {
        Paragraph::new()
            .style("Memo")
            .add_run(Run::new().add_text(format!("{}: ", l.memo)).bold())
            .add_run(Run::new().add_text(m.trim()))
    };
    if !s.pseudonymised {
        d = d.add_paragraph(
            Paragraph::new().add_run(Run::new().add_text(l.not_pseudonymised).bold()),
        );
    }
    d = d.add_paragraph(para(&format!("{}: {}", l.theme_summary, s.project)).style("Heading1"));
    for t in &s.themes {
        let level = (t.depth + 2).min(6);
        d = d.add_paragraph(para(&t.code).style(&format!("Heading{level}")));
        if !t.description.is_empty() {
            d = d.add_paragraph(
                Paragraph::new().add_run(Run::new().add_text(t.description.trim()).italic()),
            );
        }
        d = d.add_paragraph(para(&format!("{}.", counts_line(l, t))));
        if let Some(by) = &s.by
            && !t.breakdown.is_empty()
        {
            d = d.add_paragraph(
                para(&format!("{} {by}: {}", l.breakdown_caption, t.code)).style("Caption"),
            );
            let cell = |x: &str, number: bool| {
                let p = para(x);
                TableCell::new().add_paragraph(if number {
                    p.align(AlignmentType::Right)
                } else {
                    p
                })
            };
            let head = |x: &str, number: bool| {
                let p = Paragraph::new().add_run(Run::new().add_text(x).bold());
                TableCell::new().add_paragraph(if number {
                    p.align(AlignmentType::Right)
                } else {
                    p
                })
            };
            let mut rows = vec![TableRow::new(vec![
                head(by, false),
                head(l.excerpt.1, true),
                head(l.case.1, true),
            ])];
            for b in &t.breakdown {
                rows.push(TableRow::new(vec![
                    cell(l.value(&b.value), false),
                    cell(&b.excerpts.to_string(), true),
                    cell(&b.cases.to_string(), true),
                ]));
            }
            d = d.add_table(Table::new(rows));
        }
        for m in &t.memos {
            d = d.add_paragraph(memo(m));
        }
        for q in &t.quotes {
            d = d
                .add_paragraph(
                    Paragraph::new()
                        .style("Quote")
                        .keep_next(true)
                        .add_run(Run::new().add_text(format!("«{}»", q.text))),
                )
                .add_paragraph(para(&format!("({})", q.attribution)).style("Attribution"));
            for m in &q.memos {
                d = d.add_paragraph(memo(m));
            }
        }
        if t.more > 0 {
            d = d.add_paragraph(
                Paragraph::new().add_run(Run::new().add_text((l.more)(t.more)).italic()),
            );
        }
    }
    let at = crate::model::now();
    d = d.created_at(&at).updated_at(&at);
    let mut buf = std::io::Cursor::new(Vec::new());
    d.pack(&mut buf)
        .map_err(|e| crate::Error::invalid(format!("cannot write the DOCX file: {e}")))?;
    let title = format!("{}: {}", l.theme_summary, s.project);
    with_core_properties(&buf.into_inner(), &title, s.lang.tag(), &at)
}

/// The DOCX with its document properties (`docProps/core.xml`) naming the summary as its title,
/// koda as its author, its language and the time of the export.
fn with_core_properties(docx: &[u8], title: &str, lang: &str, at: &str) -> Result<Vec<u8>> {
    use std::io::{Read, Write};
    let err = |e: &dyn std::fmt::Display| {
        crate::Error::invalid(format!("cannot write the DOCX file: {e}"))
    };
    let mut core = super::xml::Xml::new()?;
    core.open(
        "cp:coreProperties",
        &[
            (
                "xmlns:cp",
                "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
            ),
            ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
            ("xmlns:dcterms", "http://purl.org/dc/terms/"),
            ("xmlns:dcmitype", "http://purl.org/dc/dcmitype/"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
        ],
    )?;
    core.text("dc:title", title)?;
    core.text("dc:creator", "koda")?;
    core.text("cp:lastModifiedBy", "koda")?;
    core.text("dc:language", lang)?;
    for when in ["dcterms:created", "dcterms:modified"] {
        core.open(when, &[("xsi:type", "dcterms:W3CDTF")])?;
        core.raw_text(at)?;
        core.close(when)?;
    }
    core.text("cp:revision", "1")?;
    core.close("cp:coreProperties")?;
    let core = core.finish();
    let mut from = zip::ZipArchive::new(std::io::Cursor::new(docx)).map_err(|e| err(&e))?;
    let mut to = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..from.len() {
        let mut entry = from.by_index(i).map_err(|e| err(&e))?;
        let name = entry.name().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(|e| err(&e))?;
        if name == "docProps/core.xml" {
            bytes.clone_from(&core);
        }
        to.start_file(name, opts).map_err(|e| err(&e))?;
        to.write_all(&bytes).map_err(|e| err(&e))?;
    }
    Ok(to.finish().map_err(|e| err(&e))?.into_inner())
}
