//! Speaker files: which speaker label in which transcript is which case.
//!
//! A CSV or TSV file with a header row: a `speaker` column (the label as written in the
//! transcript), a `case` column, optionally a `file` column (the transcript's file name, with or
//! without extension; the row then applies to that file only), and any other columns, which
//! become attributes of the case.

use crate::model::SpeakerMap;
use crate::{Error, Result};
use std::path::Path;

/// Parses `LABEL=CASE` as given to `--speaker`.
pub fn parse_pair(s: &str) -> Result<SpeakerMap> {
    match s.rsplit_once('=') {
        Some((label, case)) if !label.trim().is_empty() && !case.trim().is_empty() => {
            Ok(SpeakerMap {
                file: None,
                label: label.trim().to_string(),
                case: case.trim().to_string(),
                attrs: Vec::new(),
            })
        }
        _ => Err(Error::invalid(format!(
            "--speaker wants LABEL=CASE, such as \"Forelder 2=P02\"; got {s:?}"
        ))),
    }
}

/// Reads a speaker file (see the module documentation).
pub fn read_file(path: &Path) -> Result<Vec<SpeakerMap>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = super::decode::decode(&bytes)
        .map_err(|m| super::fail(path, m))?
        .text;
    let tab = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    parse(path, &text, if tab { b'\t' } else { b',' })
}

/// Parses the text of a speaker file.
pub fn parse(path: &Path, text: &str, delimiter: u8) -> Result<Vec<SpeakerMap>> {
    let (header, rows) = super::survey::table(path, text, delimiter)?;
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let speaker = find(&["speaker", "taler", "label"]).ok_or_else(|| {
        super::fail(
            path,
            format!(
                "line 1: no `speaker` column; the columns are {}",
                header.join(", ")
            ),
        )
    })?;
    let case = find(&["case", "case_id"]).ok_or_else(|| {
        super::fail(
            path,
            format!(
                "line 1: no `case` column; the columns are {}",
                header.join(", ")
            ),
        )
    })?;
    let file = find(&["file", "document", "fil"]);
    let mut out = Vec::new();
    for (i, rec) in rows.iter().enumerate() {
        let line = i + 2;
        let get = |c: usize| rec.get(c).map_or("", String::as_str).trim().to_string();
        let (label, name) = (get(speaker), get(case));
        if label.is_empty() && name.is_empty() {
            continue;
        }
        if label.is_empty() || name.is_empty() {
            return Err(super::fail(
                path,
                format!("line {line}: a row needs both a speaker and a case"),
            ));
        }
        let attrs = header
            .iter()
            .enumerate()
            .filter(|(c, _)| *c != speaker && *c != case && Some(*c) != file)
            .map(|(c, h)| (h.clone(), get(c)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        out.push(SpeakerMap {
            file: file.map(get).filter(|f| !f.is_empty()),
            label,
            case: name,
            attrs,
        });
    }
    if out.is_empty() {
        return Err(super::fail(path, "the speaker file has no rows"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_parse_and_bad_ones_are_explained() {
        let m = parse_pair("Forelder 2 = P02").unwrap();
        assert_eq!((m.label.as_str(), m.case.as_str()), ("Forelder 2", "P02"));
        assert!(
            parse_pair("Forelder 2")
                .unwrap_err()
                .to_string()
                .contains("LABEL=CASE")
        );
        assert!(parse_pair("=P02").is_err());
    }

    #[test]
    fn files_give_labels_cases_files_and_attributes() {
        let text = "file,speaker,case,role,site\nfokusgruppe-1.txt,Forelder 2,P02,parent,Bergen\n,Koordinator,K01,coordinator,\n\n";
        let maps = parse(Path::new("s.csv"), text, b',').unwrap();
        assert_eq!(maps.len(), 2);
        assert_eq!(maps[0].file.as_deref(), Some("fokusgruppe-1.txt"));
        assert_eq!(
            maps[0].attrs,
            vec![
                ("role".to_string(), "parent".to_string()),
                ("site".to_string(), "Bergen".to_string())
            ]
        );
        assert_eq!(maps[1].file, None);
        assert_eq!(
            maps[1].attrs,
            vec![("role".to_string(), "coordinator".to_string())]
        );
        assert!(maps[0].applies_to("fokusgruppe-1.txt"));
        assert!(!maps[0].applies_to("fokusgruppe-2.txt"));
        assert!(maps[1].applies_to("anything.docx"));
    }

    #[test]
    fn bad_files_name_the_line() {
        let err = parse(Path::new("s.csv"), "speaker,case\nForelder 2,\n", b',')
            .unwrap_err()
            .to_string();
        assert!(err.contains("s.csv") && err.contains("line 2"), "{err}");
        let err = parse(Path::new("s.csv"), "who,case\nA,B\n", b',')
            .unwrap_err()
            .to_string();
        assert!(err.contains("no `speaker` column"), "{err}");
    }
}
