//! Intercoder agreement: percent agreement, Cohen's kappa, Fleiss' kappa and Krippendorff's
//! alpha (nominal), over characters, turns or documents.
//!
//! The statistics work on a rating table: one row per unit, one value per coder, `None` where a
//! coder gave no rating. For a code, a coder's rating of a unit is 1 when the coder applied the
//! code to (any part of) the unit and 0 otherwise. Units are the characters, turns or documents
//! of the documents that every compared coder worked on (coded anything in), as the established
//! QDA tools do for character-level agreement. *Overall* figures pool every (unit, code) pair of
//! the codes compared.

use crate::Result;
use crate::model::text::slice_chars;
use crate::store::Project;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Share of units on which every coder who rated it gave the same value (units rated by fewer
/// than two coders are left out). `None` when no unit qualifies.
pub fn percent_agreement(table: &[Vec<Option<u32>>]) -> Option<f64> {
    let mut n = 0usize;
    let mut agree = 0usize;
    for row in table {
        let vals: Vec<u32> = row.iter().flatten().copied().collect();
        if vals.len() < 2 {
            continue;
        }
        n += 1;
        if vals.iter().all(|v| *v == vals[0]) {
            agree += 1;
        }
    }
    (n > 0).then(|| ratio(agree, n))
}

#[allow(clippy::cast_precision_loss)]
fn ratio(a: usize, b: usize) -> f64 {
    a as f64 / b as f64
}

/// Cohen's kappa for two coders over the units both rated. `None` when it is undefined (no
/// units, or both coders gave one and the same value everywhere).
pub fn cohen_kappa(table: &[Vec<Option<u32>>]) -> Option<f64> {
    let pairs: Vec<(u32, u32)> = table
        .iter()
        .filter_map(
            |r| match (r.first().copied().flatten(), r.get(1).copied().flatten()) {
                (Some(a), Some(b)) => Some((a, b)),
                _ => None,
            },
        )
        .collect();
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len();
    let po = ratio(pairs.iter().filter(|(a, b)| a == b).count(), n);
    let mut ca: BTreeMap<u32, usize> = BTreeMap::new();
    let mut cb: BTreeMap<u32, usize> = BTreeMap::new();
    for (a, b) in &pairs {
        *ca.entry(*a).or_default() += 1;
        *cb.entry(*b).or_default() += 1;
    }
    let pe: f64 = ca
        .iter()
        .map(|(k, na)| ratio(*na, n) * ratio(cb.get(k).copied().unwrap_or(0), n))
        .sum();
    if (1.0 - pe).abs() < 1e-12 {
        return None;
    }
    Some((po - pe) / (1.0 - pe))
}

/// Fleiss' kappa from a table of counts: per unit, how many raters chose each category. Every
/// unit must have the same number of raters (at least two). `None` when undefined.
pub fn fleiss_kappa_counts(counts: &[Vec<usize>]) -> Option<f64> {
    let n_units = counts.len();
    if n_units == 0 {
        return None;
    }
    let raters: usize = counts[0].iter().sum();
    if raters < 2 || counts.iter().any(|r| r.iter().sum::<usize>() != raters) {
        return None;
    }
    let k = counts[0].len();
    let total = ratio(n_units * raters, 1);
    let p_j: Vec<f64> = (0..k)
        .map(|j| ratio(counts.iter().map(|r| r[j]).sum::<usize>(), 1) / total)
        .collect();
    let rf = ratio(raters, 1);
    let p_bar: f64 = counts
        .iter()
        .map(|r| {
            let s: f64 = r.iter().map(|&c| ratio(c * c, 1)).sum();
            (s - rf) / (rf * (rf - 1.0))
        })
        .sum::<f64>()
        / ratio(n_units, 1);
    let pe: f64 = p_j.iter().map(|p| p * p).sum();
    if (1.0 - pe).abs() < 1e-12 {
        return None;
    }
    Some((p_bar - pe) / (1.0 - pe))
}

/// Fleiss' kappa over the units every coder rated.
pub fn fleiss_kappa(table: &[Vec<Option<u32>>]) -> Option<f64> {
    let cats: BTreeSet<u32> = table.iter().flatten().flatten().copied().collect();
    let cats: Vec<u32> = cats.into_iter().collect();
    let counts: Vec<Vec<usize>> = table
        .iter()
        .filter(|r| r.iter().all(Option::is_some))
        .map(|r| {
            cats.iter()
                .map(|c| r.iter().filter(|v| **v == Some(*c)).count())
                .collect()
        })
        .collect();
    fleiss_kappa_counts(&counts)
}

/// Krippendorff's alpha for nominal data, with missing ratings allowed (units with fewer than two
/// ratings are not pairable and left out). `None` when undefined (no pairable values, or one
/// value only).
pub fn krippendorff_alpha_nominal(table: &[Vec<Option<u32>>]) -> Option<f64> {
    // Coincidence matrix o[c][k].
    let mut o: BTreeMap<(u32, u32), f64> = BTreeMap::new();
    for row in table {
        let vals: Vec<u32> = row.iter().flatten().copied().collect();
        let m = vals.len();
        if m < 2 {
            continue;
        }
        let w = 1.0 / ratio(m - 1, 1);
        for (i, a) in vals.iter().enumerate() {
            for (j, b) in vals.iter().enumerate() {
                if i != j {
                    *o.entry((*a, *b)).or_default() += w;
                }
            }
        }
    }
    let mut n_c: BTreeMap<u32, f64> = BTreeMap::new();
    for ((c, _), v) in &o {
        *n_c.entry(*c).or_default() += v;
    }
    let n: f64 = n_c.values().sum();
    if n <= 1.0 {
        return None;
    }
    let d_o: f64 = o.iter().filter(|((c, k), _)| c != k).map(|(_, v)| v).sum();
    let mut d_e = 0.0;
    for (c, nc) in &n_c {
        for (k, nk) in &n_c {
            if c != k {
                d_e += nc * nk;
            }
        }
    }
    if d_e == 0.0 {
        return None;
    }
    Some(1.0 - (n - 1.0) * d_o / d_e)
}

/// Unit of agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Each character.
    Char,
    /// Each turn.
    Turn,
    /// Each document.
    Document,
}

/// Agreement on one code (or overall).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// Code path, or `(overall)`.
    pub code: String,
    /// Units compared.
    pub units: usize,
    /// Units each coder applied the code to, in the order of the coders.
    pub coded: Vec<usize>,
    /// Percent agreement (0 to 100).
    pub percent: Option<f64>,
    /// Cohen's kappa (two coders only).
    pub cohen_kappa: Option<f64>,
    /// Fleiss' kappa.
    pub fleiss_kappa: Option<f64>,
    /// Krippendorff's alpha (nominal).
    pub krippendorff_alpha: Option<f64>,
}

/// A passage where coders differ on a code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement {
    /// Code path.
    pub code: String,
    /// Document id.
    pub doc: String,
    /// Turn where the passage starts.
    pub turn: usize,
    /// Start (chars).
    pub start: usize,
    /// End (chars).
    pub end: usize,
    /// The passage.
    pub text: String,
    /// Per coder: the text of their codings of this code overlapping the passage (empty when
    /// they did not code it).
    pub by_coder: BTreeMap<String, Vec<String>>,
}

/// The result of `koda agree`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The coders compared.
    pub coders: Vec<String>,
    /// The unit.
    pub unit: Unit,
    /// Documents every coder worked on.
    pub documents: Vec<String>,
    /// Figures per code, in codebook order.
    pub codes: Vec<Figures>,
    /// Pooled over all (unit, code) pairs.
    pub overall: Figures,
    /// Passages where coders differ (when asked for).
    pub disagreements: Vec<Disagreement>,
}

fn figures(code: &str, table: &[Vec<Option<u32>>], coders: usize) -> Figures {
    let coded = (0..coders)
        .map(|i| {
            table
                .iter()
                .filter(|r| r.get(i).copied().flatten() == Some(1))
                .count()
        })
        .collect();
    Figures {
        code: code.to_string(),
        units: table.len(),
        coded,
        percent: percent_agreement(table).map(|p| p * 100.0),
        cohen_kappa: if coders == 2 {
            cohen_kappa(table)
        } else {
            None
        },
        fleiss_kappa: fleiss_kappa(table),
        krippendorff_alpha: krippendorff_alpha_nominal(table),
    }
}

/// Computes agreement between `coders` on the given code ids (all codes when empty).
pub fn agree(
    project: &Project,
    coders: &[String],
    codes: &[String],
    unit: Unit,
    with_disagreements: bool,
) -> Result<Report> {
    // A coder with no work in the project is a typo, not a coder who agrees with nobody.
    for k in coders {
        let known =
            project.config.coders.contains(k) || project.codings.values().any(|c| &c.coder == k);
        if !known {
            return Err(crate::Error::NotFound(format!(
                "no coder {k:?} in the project; coders are {}",
                project.config.coders.join(", ")
            )));
        }
    }
    let cb = &project.codebook;
    let code_ids: Vec<String> = if codes.is_empty() {
        cb.walk().iter().map(|(c, _)| c.id.clone()).collect()
    } else {
        codes.to_vec()
    };
    // Documents every coder worked on.
    let mut docs: Vec<String> = project
        .documents()
        .iter()
        .filter(|d| {
            coders.iter().all(|k| {
                project
                    .codings
                    .values()
                    .any(|c| c.doc == d.id && &c.coder == k)
            })
        })
        .map(|d| d.id.clone())
        .collect();
    docs.sort_by_key(|d| project.docs.get(d).map(|x| x.seq));
    let mut per_code: Vec<(String, Vec<Vec<Option<u32>>>)> = Vec::new();
    let mut disagreements = Vec::new();
    for code in &code_ids {
        let mut table: Vec<Vec<Option<u32>>> = Vec::new();
        for doc_id in &docs {
            let Some(doc) = project.docs.get(doc_id) else {
                continue;
            };
            let spans: Vec<Vec<(usize, usize)>> = coders
                .iter()
                .map(|k| {
                    project
                        .codings
                        .values()
                        .filter(|c| &c.doc == doc_id && &c.code == code && &c.coder == k)
                        .map(|c| (c.start, c.end))
                        .collect()
                })
                .collect();
            match unit {
                Unit::Char => {
                    let cover: Vec<Vec<bool>> = spans
                        .iter()
                        .map(|ss| {
                            let mut v = vec![false; doc.chars];
                            for &(a, b) in ss {
                                for x in v.iter_mut().take(b.min(doc.chars)).skip(a) {
                                    *x = true;
                                }
                            }
                            v
                        })
                        .collect();
                    let mut run: Option<usize> = None;
                    for i in 0..=doc.chars {
                        let differ = i < doc.chars && cover.iter().any(|c| c[i] != cover[0][i]);
                        if i < doc.chars {
                            table.push(cover.iter().map(|c| Some(u32::from(c[i]))).collect());
                        }
                        match (differ, run) {
                            (true, None) => run = Some(i),
                            (false, Some(s)) => {
                                if with_disagreements {
                                    disagreements
                                        .push(disagreement(project, doc_id, code, coders, s, i)?);
                                }
                                run = None;
                            }
                            _ => {}
                        }
                    }
                }
                Unit::Turn => {
                    for t in project.turns(&doc.id)?.iter() {
                        let row: Vec<Option<u32>> = spans
                            .iter()
                            .map(|ss| {
                                Some(u32::from(
                                    ss.iter()
                                        .any(|&(a, b)| a < t.end.max(t.start + 1) && t.start < b),
                                ))
                            })
                            .collect();
                        if with_disagreements && row.iter().any(|v| *v != row[0]) {
                            disagreements
                                .push(disagreement(project, doc_id, code, coders, t.start, t.end)?);
                        }
                        table.push(row);
                    }
                }
                Unit::Document => {
                    let row: Vec<Option<u32>> = spans
                        .iter()
                        .map(|ss| Some(u32::from(!ss.is_empty())))
                        .collect();
                    if with_disagreements && row.iter().any(|v| *v != row[0]) {
                        disagreements
                            .push(disagreement(project, doc_id, code, coders, 0, doc.chars)?);
                    }
                    table.push(row);
                }
            }
        }
        per_code.push((cb.path(code), table));
    }
    let pooled: Vec<Vec<Option<u32>>> = per_code
        .iter()
        .flat_map(|(_, t)| t.iter().cloned())
        .collect();
    Ok(Report {
        coders: coders.to_vec(),
        unit,
        documents: docs,
        codes: per_code
            .iter()
            .map(|(c, t)| figures(c, t, coders.len()))
            .collect(),
        overall: figures("(overall)", &pooled, coders.len()),
        disagreements,
    })
}

fn disagreement(
    project: &Project,
    doc: &str,
    code: &str,
    coders: &[String],
    start: usize,
    end: usize,
) -> Result<Disagreement> {
    let text = project.text(doc)?;
    let (start, end) = crate::model::text::trim_span(&text, start, end);
    let by_coder = coders
        .iter()
        .map(|k| {
            let texts = project
                .codings_of_doc(doc)
                .iter()
                .filter(|c| c.code == code && &c.coder == k && c.start < end && start < c.end)
                .map(|c| slice_chars(&text, c.start, c.end).to_string())
                .collect();
            (k.clone(), texts)
        })
        .collect();
    Ok(Disagreement {
        code: project.codebook.path(code),
        doc: doc.to_string(),
        turn: crate::model::turn_at(&project.turns(doc)?, start).map_or(0, |t| t.number),
        start,
        end,
        text: slice_chars(&text, start, end).to_string(),
        by_coder,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 0.0005)
    }

    /// Expands a 2x2 table of counts (yes/yes, yes/no, no/yes, no/no) into rows.
    fn two_by_two(yy: usize, yn: usize, ny: usize, nn: usize) -> Vec<Vec<Option<u32>>> {
        let mut t = Vec::new();
        t.extend(std::iter::repeat_n(vec![Some(1), Some(1)], yy));
        t.extend(std::iter::repeat_n(vec![Some(1), Some(0)], yn));
        t.extend(std::iter::repeat_n(vec![Some(0), Some(1)], ny));
        t.extend(std::iter::repeat_n(vec![Some(0), Some(0)], nn));
        t
    }

    #[test]
    fn cohen_textbook_example() {
        // 50 proposals, two readers: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no.
        // p_o = 0.70, p_e = 0.5·0.6 + 0.5·0.4 = 0.50, kappa = 0.40.
        let t = two_by_two(20, 5, 10, 15);
        assert!(close(percent_agreement(&t), 0.70));
        assert!(close(cohen_kappa(&t), 0.40));
        // For two coders and complete data Fleiss' kappa is Scott's pi: p_e = 0.55^2 + 0.45^2.
        assert!(close(fleiss_kappa(&t), (0.70 - 0.505) / (1.0 - 0.505)));
    }

    #[test]
    fn fleiss_textbook_example() {
        // Fleiss (1971) style table: 10 subjects, 14 raters, 5 categories; kappa = 0.210.
        let counts = vec![
            vec![0, 0, 0, 0, 14],
            vec![0, 2, 6, 4, 2],
            vec![0, 0, 3, 5, 6],
            vec![0, 3, 9, 2, 0],
            vec![2, 2, 8, 1, 1],
            vec![7, 7, 0, 0, 0],
            vec![3, 2, 6, 3, 0],
            vec![2, 5, 3, 2, 2],
            vec![6, 5, 2, 1, 0],
            vec![0, 2, 2, 3, 7],
        ];
        let k = fleiss_kappa_counts(&counts).unwrap();
        assert!((k - 0.210).abs() < 0.001, "{k}");
    }

    #[test]
    fn krippendorff_textbook_example() {
        // Krippendorff (2011), "Computing Krippendorff's alpha-reliability": four observers,
        // twelve units, nominal values with missing data; alpha = 0.743.
        let n = None;
        let s = Some;
        let a = [
            s(1),
            s(2),
            s(3),
            s(3),
            s(2),
            s(1),
            s(4),
            s(1),
            s(2),
            n,
            n,
            n,
        ];
        let b = [
            s(1),
            s(2),
            s(3),
            s(3),
            s(2),
            s(2),
            s(4),
            s(1),
            s(2),
            s(5),
            n,
            s(3),
        ];
        let c = [
            n,
            s(3),
            s(3),
            s(3),
            s(2),
            s(3),
            s(4),
            s(2),
            s(2),
            s(5),
            s(1),
            n,
        ];
        let d = [
            s(1),
            s(2),
            s(3),
            s(3),
            s(2),
            s(4),
            s(4),
            s(1),
            s(2),
            s(5),
            s(1),
            n,
        ];
        let table: Vec<Vec<Option<u32>>> = (0..12).map(|u| vec![a[u], b[u], c[u], d[u]]).collect();
        let alpha = krippendorff_alpha_nominal(&table).unwrap();
        assert!((alpha - 0.743).abs() < 0.001, "{alpha}");
    }

    #[test]
    fn edge_cases() {
        // Perfect agreement with variation: every statistic is 1.
        let t = two_by_two(3, 0, 0, 7);
        assert!(close(percent_agreement(&t), 1.0));
        assert!(close(cohen_kappa(&t), 1.0));
        assert!(close(krippendorff_alpha_nominal(&t), 1.0));
        // Nobody coded anything: agreement is total, the chance-corrected figures undefined.
        let none = two_by_two(0, 0, 0, 10);
        assert!(close(percent_agreement(&none), 1.0));
        assert_eq!(cohen_kappa(&none), None);
        assert_eq!(krippendorff_alpha_nominal(&none), None);
        // One coder coded nothing, the other some: kappa 0 (no agreement beyond chance).
        let one = two_by_two(0, 4, 0, 6);
        assert!(close(cohen_kappa(&one), 0.0));
        // No units at all.
        assert_eq!(percent_agreement(&[]), None);
        assert_eq!(fleiss_kappa(&[]), None);
    }
}
