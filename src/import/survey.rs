//! Spreadsheets of open survey answers (CSV, TSV): each answer becomes a document of its
//! respondent's case, and the other columns become the case's attributes.

use super::{Prepared, ReadOptions, document_from, fail};
use crate::Result;
use crate::model::DocKind;
use crate::model::Segmentation;
use std::path::Path;

/// Reads a CSV/TSV table: its trimmed header and its rows, errors naming the file and line.
pub fn table(path: &Path, text: &str, delimiter: u8) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| fail(path, format!("line 1: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| fail(path, format!("line {}: {e}", i + 2)))?;
        rows.push(rec.iter().map(str::to_string).collect());
    }
    Ok((header, rows))
}

/// Reads a survey file. Without `--text-column`, the column with the longest answers on
/// average is the text; without `--id-column`, a column named id, respondent or case, else the
/// row number, names the respondent.
pub fn read(
    path: &Path,
    text: &str,
    delimiter: u8,
    opts: &ReadOptions,
    sha: &str,
) -> Result<Vec<Prepared>> {
    let (header, rows) = table(path, text, delimiter)?;
    let col = |name: &str| -> Result<usize> {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                fail(
                    path,
                    format!("no column {name:?}; the columns are {}", header.join(", ")),
                )
            })
    };
    let text_cols: Vec<usize> = if opts.text_columns.is_empty() {
        let avg = |c: usize| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, String::len))
                .sum::<usize>()
        };
        let best = (0..header.len())
            .max_by_key(|c| avg(*c))
            .ok_or_else(|| fail(path, "the file has no columns"))?;
        vec![best]
    } else {
        opts.text_columns
            .iter()
            .map(|c| col(c))
            .collect::<Result<_>>()?
    };
    let id_col = match &opts.id_column {
        Some(c) => Some(col(c)?),
        None => header.iter().position(|h| {
            matches!(
                h.to_lowercase().as_str(),
                "id" | "respondent" | "case" | "respondent_id"
            )
        }),
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "survey".into());
    let id_of = |i: usize, row: &[String]| -> String {
        id_col
            .and_then(|c| row.get(c))
            .filter(|v| !v.trim().is_empty())
            .cloned()
            .unwrap_or_else(|| format!("{}", i + 1))
    };
    let attrs_of = |row: &[String]| -> Vec<(String, String)> {
        header
            .iter()
            .enumerate()
            .filter(|(c, h)| !text_cols.contains(c) && Some(*c) != id_col && !h.is_empty())
            .filter_map(|(c, h)| {
                row.get(c)
                    .map(|v| (h.replace(char::is_whitespace, "_"), v.trim().to_string()))
            })
            .filter(|(_, v)| !v.is_empty())
            .collect()
    };
    let mut out = Vec::new();
    if opts.per_column {
        for &c in &text_cols {
            let answered: Vec<(usize, &Vec<String>)> = rows
                .iter()
                .enumerate()
                .filter(|(_, r)| r.get(c).is_some_and(|v| !v.trim().is_empty()))
                .collect();
            let body: Vec<String> = answered
                .iter()
                .map(|(i, r)| format!("{}: {}", id_of(*i, r), r[c].trim()))
                .collect();
            if body.is_empty() {
                continue;
            }
            // Each line is one respondent's answer, by their id and nothing else.
            let ids: Vec<String> = answered
                .iter()
                .map(|(i, r)| regex::escape(&id_of(*i, r)))
                .collect();
            let how = Segmentation::Pattern(format!("(?P<speaker>{}):", ids.join("|")));
            let mut p = document_from(
                path,
                format!("{stem} {}", header[c]),
                body.join("\n"),
                Some(opts.kind.unwrap_or(DocKind::Other)),
                "survey",
                sha.to_string(),
                &how,
            )?;
            p.origin.file = format!("{} ({})", p.origin.file, header[c]);
            // Each respondent is a speaker of the column's document and a case of their own,
            // with the attributes of their row.
            p.speaker_cases = answered
                .iter()
                .map(|(i, r)| crate::model::SpeakerMap {
                    file: None,
                    label: id_of(*i, r),
                    case: id_of(*i, r),
                    attrs: attrs_of(r),
                })
                .collect();
            out.push(p);
        }
    } else {
        for (i, row) in rows.iter().enumerate() {
            let id = id_of(i, row);
            for &c in &text_cols {
                let Some(answer) = row.get(c).filter(|v| !v.trim().is_empty()) else {
                    continue;
                };
                let title = if text_cols.len() > 1 {
                    format!("{stem} {id} {}", header[c])
                } else {
                    format!("{stem} {id}")
                };
                let mut p = document_from(
                    path,
                    title,
                    answer.clone(),
                    Some(opts.kind.unwrap_or(DocKind::Other)),
                    "survey",
                    sha.to_string(),
                    // An answer is the respondent's own words: no speaker labels in it.
                    &Segmentation::None,
                )?;
                p.origin.file = format!("{} (row {})", p.origin.file, i + 2);
                p.case = Some(id.clone());
                p.attrs = attrs_of(row);
                out.push(p);
            }
        }
    }
    if out.is_empty() {
        return Err(fail(path, "no answers found in the text column"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_become_documents_and_columns_attributes() {
        let csv = "id,role,site,answer\nR1,parent,Oslo,\"Ventetiden var lang, men koordinatoren hjalp.\"\nR2,parent,Bergen,\nR3,coordinator,Oslo,Vi trenger faste møter.\n";
        let docs = read(
            Path::new("svar.csv"),
            csv,
            b',',
            &ReadOptions::default(),
            "h",
        )
        .unwrap();
        assert_eq!(docs.len(), 2, "an empty answer gives no document");
        assert_eq!(docs[0].title, "svar R1");
        assert_eq!(
            docs[0].text,
            "Ventetiden var lang, men koordinatoren hjalp.\n"
        );
        assert_eq!(docs[0].case.as_deref(), Some("R1"));
        assert_eq!(
            docs[0].attrs,
            vec![
                ("role".into(), "parent".into()),
                ("site".into(), "Oslo".into())
            ]
        );
        let per = ReadOptions {
            per_column: true,
            text_columns: vec!["answer".into()],
            ..ReadOptions::default()
        };
        let docs = read(Path::new("svar.csv"), csv, b',', &per, "h").unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].turns.len(), 2);
        let bad = ReadOptions {
            text_columns: vec!["svar".into()],
            ..ReadOptions::default()
        };
        let e = read(Path::new("svar.csv"), csv, b',', &bad, "h")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no column \"svar\"") && e.contains("id, role, site, answer"),
            "{e}"
        );
        let ragged = read(
            Path::new("svar.csv"),
            "a,b\n1,2,3\n",
            b',',
            &ReadOptions::default(),
            "h",
        )
        .unwrap_err()
        .to_string();
        assert!(ragged.contains("line 2"), "{ragged}");
    }
}
