//! A table of cases and their attributes (`.csv` or `.tsv`): a header row, a `case` column
//! (else the first column) naming each case, and one column per attribute. Empty cells set
//! nothing; spaces in a column name become `_`.

use super::Malformed;
use crate::{Error, Result};
use std::path::Path;

/// One case of the table: its name and its attributes.
pub type CaseRow = (String, Vec<(String, String)>);

/// Reads a cases table; an error names the file and the line.
pub fn read_file(file: &Path) -> Result<Vec<CaseRow>> {
    let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    let fail = |msg: String| Error::Import {
        path: file.to_path_buf(),
        msg,
    };
    let text = super::decode::decode(&bytes)
        .map_err(|Malformed(m)| fail(m))?
        .text;
    let tsv = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    let mut r = csv::ReaderBuilder::new()
        .delimiter(if tsv { b'\t' } else { b',' })
        .from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| fail(format!("line 1: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let name_col = header
        .iter()
        .position(|h| h.eq_ignore_ascii_case("case"))
        .unwrap_or(0);
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| fail(format!("line {}: {e}", i + 2)))?;
        let name = rec.get(name_col).unwrap_or("").trim().to_string();
        if name.is_empty() {
            return Err(fail(format!("line {}: the case has no name", i + 2)));
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
    Ok(rows)
}
