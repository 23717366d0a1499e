//! Bytes to text in whatever encoding an old PC saved: UTF-8 with or without BOM, UTF-16 with a
//! BOM, and legacy single-byte encodings (Windows-1252, Latin-1 …) detected by chardetng when
//! the bytes are not UTF-8.

/// Decoded text and what the reader should know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text.
    pub text: String,
    /// The encoding it was read as.
    pub encoding: &'static str,
    /// Warnings (a guessed encoding, mojibake).
    pub warnings: Vec<String>,
}

/// Sequences that betray UTF-8 read as Windows-1252 and saved again.
const MOJIBAKE: &[(&str, &str)] = &[
    ("Ã¸", "ø"),
    ("Ã¥", "å"),
    ("Ã¦", "æ"),
    ("Ã˜", "Ø"),
    ("Ã…", "Å"),
    ("Ã©", "é"),
    ("â€™", "’"),
    ("â€“", "–"),
];

/// Decodes a text file's bytes, or says why it is not text.
pub fn decode(bytes: &[u8]) -> Result<Decoded, super::Malformed> {
    decode_owned(bytes.to_vec())
}

/// [`decode`] taking the bytes by value: UTF-8 input becomes the text without a copy.
pub fn decode_owned(mut bytes: Vec<u8>) -> Result<Decoded, super::Malformed> {
    let (text, encoding, mut warnings) = if bytes.starts_with(b"\xef\xbb\xbf") {
        bytes.drain(..3);
        match String::from_utf8(bytes) {
            Ok(s) => (s, "UTF-8", Vec::new()),
            Err(e) => {
                let err = e.utf8_error();
                return Err(utf8_error(e.as_bytes(), &err).into());
            }
        }
    } else if bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff") {
        let enc = if bytes[0] == 0xff {
            encoding_rs::UTF_16LE
        } else {
            encoding_rs::UTF_16BE
        };
        let (cow, _, had_errors) = enc.decode(&bytes);
        if had_errors {
            return Err(super::Malformed(format!(
                "the file starts like {} but holds bytes that are not; is it damaged?",
                enc.name()
            )));
        }
        (cow.into_owned(), enc.name(), Vec::new())
    } else if std::str::from_utf8(&bytes).is_ok() {
        match String::from_utf8(bytes) {
            Ok(s) => (s, "UTF-8", Vec::new()),
            Err(e) => return Err(format!("not UTF-8: {e}").into()),
        }
    } else {
        let bytes = bytes.as_slice();
        if bytes.iter().take(8192).filter(|b| **b == 0).count() > 0 {
            return Err("this is a binary file, not text (it holds NUL bytes); save it as plain text (.txt)".into());
        }
        by_line(bytes)?
    };
    if text.contains('\0') {
        return Err("this is a binary file, not text (it holds NUL characters)".into());
    }
    if let Some((bad, good)) = MOJIBAKE.iter().find(|(bad, _)| text.contains(bad)) {
        warnings.push(format!("looks like mojibake: «{bad}» where «{good}» was meant (the file was probably converted twice)"));
    }
    Ok(Decoded {
        text,
        encoding,
        warnings,
    })
}

/// Decodes a file that is not UTF-8 as a whole line by line: a line that is valid UTF-8 is read
/// as UTF-8 (a transcript typed in UTF-8 with one line pasted from an old program), the others
/// in the legacy encoding the detector finds in them. The warning names the lines read that way
/// when the file mixes the two.
fn by_line(bytes: &[u8]) -> Result<(String, &'static str, Vec<String>), super::Malformed> {
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    let legacy: Vec<usize> = (0..lines.len())
        .filter(|&i| std::str::from_utf8(lines[i]).is_err())
        .collect();
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    for &i in &legacy {
        det.feed(lines[i], false);
    }
    det.feed(&[], true);
    let enc = det.guess(None, chardetng::Utf8Detection::Deny);
    // A line of UTF-8 beyond ASCII shows the file was written as UTF-8; ASCII lines read the
    // same either way.
    let mixed = lines
        .iter()
        .any(|l| !l.is_ascii() && std::str::from_utf8(l).is_ok());
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 8);
    for (i, line) in lines.iter().enumerate() {
        match std::str::from_utf8(line) {
            Ok(s) => text.push_str(s),
            Err(_) => {
                let (cow, had_errors) = enc.decode_without_bom_handling(line);
                if had_errors {
                    return Err(super::Malformed(format!(
                        "line {}: the text is neither UTF-8 nor {}; save it as UTF-8 and import it again",
                        i + 1,
                        enc.name()
                    )));
                }
                text.push_str(&cow);
            }
        }
    }
    let warning = if mixed {
        let shown: Vec<String> = legacy
            .iter()
            .take(10)
            .map(|i| (i + 1).to_string())
            .collect();
        let more = if legacy.len() > 10 {
            format!(" and {} more", legacy.len() - 10)
        } else {
            String::new()
        };
        format!(
            "not UTF-8 on line{} {}{more}: read as {} (the rest is UTF-8; check those lines in `koda show`)",
            if legacy.len() == 1 { "" } else { "s" },
            shown.join(", "),
            enc.name()
        )
    } else {
        format!(
            "not UTF-8: read as {} (check æøå in `koda show`)",
            enc.name()
        )
    };
    Ok((text, enc.name(), vec![warning]))
}

fn utf8_error(bytes: &[u8], e: &std::str::Utf8Error) -> String {
    let upto = &bytes[..e.valid_up_to()];
    let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
    format!("line {line}: the file starts with a UTF-8 byte-order mark but is not UTF-8 after it")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_common_encoding() {
        assert_eq!(decode("blåbær".as_bytes()).unwrap().text, "blåbær");
        assert_eq!(decode(b"\xef\xbb\xbfbl\xc3\xa5").unwrap().text, "blå");
        let le: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("blå".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&le).unwrap().text, "blå");
        let be: Vec<u8> = [0xfe, 0xff]
            .into_iter()
            .chain("blå".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(&be).unwrap().text, "blå");
        let latin = b"Hvordan g\xe5r det med bl\xe5b\xe6rene og \xf8konomien? Det g\xe5r fint, s\xe6rlig i \xe5r.";
        let d = decode(latin).unwrap();
        assert!(
            d.text.contains("går") && d.text.contains("blåbærene") && d.text.contains("økonomien"),
            "{}",
            d.text
        );
        assert!(d.warnings[0].contains("not UTF-8"), "{:?}", d.warnings);
        let moji = decode("BlÃ¥bÃ¦r og Ã¸l".as_bytes()).unwrap();
        assert!(
            moji.warnings.iter().any(|w| w.contains("mojibake")),
            "{:?}",
            moji.warnings
        );
        // UTF-8 with one line pasted from a Windows-1252 program: each line as it was written.
        let mixed = b"Intervjuer: Hvordan g\xc3\xa5r det?\nForelder: Det g\xe5r bra, s\xe6rlig n\xe5.\nIntervjuer: Bl\xc3\xa5b\xc3\xa6r?\n";
        let d = decode(mixed).unwrap();
        assert_eq!(
            d.text,
            "Intervjuer: Hvordan går det?\nForelder: Det går bra, særlig nå.\nIntervjuer: Blåbær?\n"
        );
        assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
        assert!(
            d.warnings[0].contains("on line 2:") && d.warnings[0].contains("the rest is UTF-8"),
            "{:?}",
            d.warnings
        );
        assert!(
            decode(b"\x00\x01\x02binary\x00")
                .unwrap_err()
                .0
                .contains("binary")
        );
    }
}
