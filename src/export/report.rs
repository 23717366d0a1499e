//! The HTML report: one self-contained file that opens offline, with a table of contents,
//! code frequencies and the co-occurrence heatmap as inline SVG in the codes' colours, the theme
//! summary, and the codes by an attribute.

use super::html::{esc, page, table};
use super::labels::Labels;
use super::summary::{self, anchor};
use crate::Result;
use crate::analysis::stats::{CellCount, code_by_attribute, cooccurrence, frequencies};
use crate::store::Project;
use std::collections::BTreeMap;

/// Options of the report.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The theme summary's options (its `by` is also the matrix attribute).
    pub summary: summary::Options,
}

/// The colour of each code by path: its own, else its nearest ancestor's, else a neutral grey.
fn colours(project: &Project) -> BTreeMap<String, String> {
    let cb = &project.codebook;
    cb.walk()
        .iter()
        .map(|(c, _)| {
            (
                cb.path(&c.id),
                cb.effective_color(&c.id)
                    .unwrap_or_else(|| "#8c8c8c".into()),
            )
        })
        .collect()
}

const ROW: usize = 24;
const LABEL_W: usize = 230;
const BAR_W: usize = 420;

/// Horizontal bars of excerpts per code (sub-codes included), indented by depth.
fn frequency_svg(
    project: &Project,
    colours: &BTreeMap<String, String>,
    l: &Labels,
) -> Result<String> {
    let freq = frequencies(project, None, true)?;
    let max = freq.iter().map(|f| f.excerpts).max().unwrap_or(0).max(1);
    let height = ROW * freq.len() + 10;
    let width = LABEL_W + BAR_W + 60;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"system-ui, sans-serif\" font-size=\"13\">\n",
        esc(l.frequencies_caption)
    );
    for (i, f) in freq.iter().enumerate() {
        let y = i * ROW + 5;
        let w = (f.excerpts * BAR_W).div_ceil(max);
        let name = f.code.rsplit('/').next().unwrap_or(&f.code);
        let colour = colours.get(&f.code).map_or("#8c8c8c", String::as_str);
        let opacity = if f.depth == 0 { "1" } else { "0.75" };
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" dominant-baseline=\"middle\" fill=\"#333\">{}</text>\n<rect x=\"{LABEL_W}\" y=\"{}\" width=\"{w}\" height=\"{}\" rx=\"2\" fill=\"{}\" fill-opacity=\"{opacity}\"><title>{}: {}</title></rect>\n<text x=\"{}\" y=\"{}\" dominant-baseline=\"middle\" fill=\"#555\">{}</text>\n",
            4 + f.depth * 16,
            y + ROW / 2,
            esc(name),
            y + 3,
            ROW - 6,
            esc(colour),
            esc(&f.code),
            esc(&l.counts(f.excerpts, f.documents, f.cases)),
            LABEL_W + w + 6,
            y + ROW / 2,
            f.excerpts
        ));
    }
    svg.push_str("</svg>\n");
    Ok(svg)
}

/// A code-by-code heatmap of the Jaccard index of their turns.
fn heatmap_svg(
    project: &Project,
    colours: &BTreeMap<String, String>,
    l: &Labels,
) -> Result<String> {
    let codes: Vec<String> = project
        .codebook
        .walk()
        .iter()
        .map(|(c, _)| project.codebook.path(&c.id))
        .collect();
    let mut j: BTreeMap<(String, String), (f64, usize)> = BTreeMap::new();
    for c in cooccurrence(project)? {
        j.insert((c.a.clone(), c.b.clone()), (c.jaccard, c.shared_turns));
        j.insert((c.b, c.a), (c.jaccard, c.shared_turns));
    }
    let max = j.values().map(|v| v.0).fold(0.0_f64, f64::max);
    let cell = 26;
    let left = LABEL_W;
    let top = 150;
    let n = codes.len();
    let width = left + n * cell + 130;
    let height = top + n * cell + 20;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"system-ui, sans-serif\" font-size=\"12\">\n",
        esc(l.cooccurrence)
    );
    for (i, code) in codes.iter().enumerate() {
        let colour = colours.get(code).map_or("#8c8c8c", String::as_str);
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"#333\">{}</text>\n",
            left - 6,
            top + i * cell + cell / 2,
            esc(code)
        ));
        svg.push_str(&format!(
            "<text transform=\"translate({},{}) rotate(-55)\" fill=\"#333\">{}</text>\n",
            left + i * cell + cell / 2,
            top - 6,
            esc(code)
        ));
        for (k, other) in codes.iter().enumerate() {
            let x = left + k * cell;
            let y = top + i * cell;
            if i == k {
                svg.push_str(&format!(
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"{}\" fill-opacity=\"0.25\" stroke=\"#fff\"/>\n",
                    esc(colour)
                ));
                continue;
            }
            let (v, shared) = j
                .get(&(code.clone(), other.clone()))
                .copied()
                .unwrap_or((0.0, 0));
            // Scaled to the strongest pair, so a sparse study still shows its pattern.
            let opacity = if v > 0.0 && max > 0.0 {
                0.2 + 0.8 * (v / max)
            } else {
                0.0
            };
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"#b2182b\" fill-opacity=\"{opacity:.3}\" stroke=\"#eee\"><title>{} + {}: Jaccard {v:.2}, {shared} {}</title></rect>\n",
                esc(code),
                esc(other),
                esc(l.shared_turns)
            ));
        }
    }
    svg.push_str("</svg>\n");
    Ok(svg)
}

/// Builds the report page.
pub fn html(
    project: &Project,
    opts: &Options,
    privacy: &super::privacy::Privacy,
) -> Result<String> {
    let colours = colours(project);
    let mut s = summary::build(project, &opts.summary)?;
    privacy.summary(&mut s);
    let l = opts.summary.lang.labels();
    let name = &privacy.text(&project.config.name);
    let mut body = format!(
        "{}<h1>{}</h1>\n<p class=\"meta\">{}, {}, {}, {} {} {}</p>\n",
        summary::not_pseudonymised_banner(l, privacy.on),
        esc(name),
        esc(&l.document.count(project.docs.len())),
        esc(&l.case.count(project.cases.cases.len())),
        esc(&l.code.count(project.codebook.codes.len())),
        esc(&l.coding.count(project.codings.len())),
        esc(l.by),
        esc(&project.config.coders.join(", "))
    );
    body.push_str(&format!(
        "<nav><h2>{}</h2>\n<ol>\n<li><a href=\"#frequencies\">{}</a></li>\n<li><a href=\"#cooccurrence\">{}</a></li>\n",
        esc(l.contents),
        esc(l.frequencies),
        esc(l.cooccurrence)
    ));
    if opts.summary.by.is_some() {
        body.push_str(&format!(
            "<li><a href=\"#matrix\">{}</a></li>\n",
            esc(l.codes_by_attribute)
        ));
    }
    body.push_str(&format!(
        "<li><a href=\"#themes\">{}</a>\n<ol>\n",
        esc(l.theme_summary)
    ));
    for t in s.themes.iter().filter(|t| t.depth == 0) {
        body.push_str(&format!(
            "<li><a href=\"#{}\">{}</a></li>\n",
            esc(&anchor(&t.code)),
            esc(&t.code)
        ));
    }
    body.push_str("</ol></li>\n</ol></nav>\n");
    body.push_str(&format!(
        "<h2 id=\"frequencies\">{}</h2>\n<p class=\"meta\">{}</p>\n<figure>",
        esc(l.frequencies),
        esc(l.frequencies_caption)
    ));
    body.push_str(&frequency_svg(project, &colours, l)?);
    body.push_str(&format!(
        "</figure>\n<h2 id=\"cooccurrence\">{}</h2>\n<p class=\"meta\">{}</p>\n<figure>",
        esc(l.cooccurrence),
        esc(l.cooccurrence_caption)
    ));
    body.push_str(&heatmap_svg(project, &colours, l)?);
    body.push_str("</figure>\n");
    if let Some(by) = &opts.summary.by {
        let m = code_by_attribute(project, by, CellCount::Excerpts)?;
        let mut header = vec![l.code.0.to_string()];
        header.extend(m.values.iter().map(|v| format!("{by}={}", l.value(v))));
        let rows: Vec<Vec<String>> = m
            .rows
            .iter()
            .map(|(c, cells)| {
                let mut r = vec![c.clone()];
                r.extend(cells.iter().map(ToString::to_string));
                r
            })
            .collect();
        body.push_str(&format!(
            "<h2 id=\"matrix\">{} {}</h2>\n<p class=\"meta\">{} {}.</p>\n{}",
            esc(l.codes_by),
            esc(by),
            esc(l.matrix_caption),
            esc(by),
            table(&header, &rows, 1)
        ));
    }
    body.push_str(&format!(
        "<h2 id=\"themes\">{}</h2>\n",
        esc(l.theme_summary)
    ));
    body.push_str(&summary::html_themes(&s));
    Ok(page(
        &format!("{}: {name}", l.report),
        opts.summary.lang.tag(),
        &body,
    ))
}
