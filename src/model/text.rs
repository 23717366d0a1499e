//! Text positions: normalisation, character offsets, grapheme snapping and quote hashes.
//!
//! All positions in koda are counted in Unicode scalar values (chars) of the normalised text,
//! which is also how REFI-QDA counts. A span is half-open: `start..end`.

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// Normalises imported text once and for all: no byte-order mark, `\n` line ends, NFC,
/// no control characters (tabs become spaces), no trailing spaces on a line, no leading or
/// trailing blank lines, and exactly one final newline (none for empty text).
///
/// ```
/// use koda::model::text::normalise;
/// assert_eq!(normalise("Intervjuer:\tHei\r\nBla\u{030a}b\u{e6}r  \r\n\r\n"), "Intervjuer: Hei\nBlåbær\n");
/// ```
pub fn normalise(raw: &str) -> String {
    // One pass, line by line, into one output buffer: a long transcript is never held in
    // more than two copies (the input and the result). NFC never composes across a line end,
    // so normalising each line alone gives the same text as normalising the whole.
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let mut out = String::with_capacity(raw.len());
    let mut cleaned = String::new();
    let mut pending_blank = 0usize;
    let mut started = false;
    for piece in raw.split('\n') {
        let piece = piece.strip_suffix('\r').unwrap_or(piece);
        for line in piece.split('\r') {
            cleaned.clear();
            cleaned.extend(line.nfc().filter_map(|c| match c {
                '\t' => Some(' '),
                '\u{feff}' | '\u{200b}' => None,
                c if c.is_control() => None,
                c => Some(c),
            }));
            let kept = cleaned.trim_end();
            if kept.is_empty() {
                pending_blank += usize::from(started);
                continue;
            }
            if started {
                for _ in 0..=pending_blank {
                    out.push('\n');
                }
            }
            out.push_str(kept);
            started = true;
            pending_blank = 0;
        }
    }
    if started {
        out.push('\n');
    }
    out
}

/// Where char offsets of `raw` land in [`normalise`]`(raw)`, computed in one pass beside the
/// normalisation itself (no diff, no copy of the text beyond one line), so a selection of a
/// file from another tool is carried to the same words of koda's text. A position inside a
/// removed character or trailing spaces lands where the kept text resumes or ends; a position
/// inside a combining sequence lands after what is composed before it.
pub fn normalised_offsets(raw: &str, positions: &[usize]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..positions.len()).collect();
    order.sort_by_key(|&i| positions[i]);
    let mut out = vec![0usize; positions.len()];
    let mut next = 0usize; // into `order`
    let keep = |c: char| match c {
        '\t' => Some(' '),
        '\u{feff}' | '\u{200b}' => None,
        c if c.is_control() => None,
        c => Some(c),
    };
    let count = |s: &str| s.nfc().filter_map(keep).count();
    let bom = usize::from(raw.starts_with('\u{feff}'));
    let body = &raw[if bom == 1 { '\u{feff}'.len_utf8() } else { 0 }..];
    // Positions before the text (the byte-order mark) land at its start.
    while next < order.len() && positions[order[next]] < bom {
        out[order[next]] = 0;
        next += 1;
    }
    let mut ri = bom; // raw char index of the line being read
    let mut oi = 0usize; // chars written so far
    let mut pending_blank = 0usize;
    let mut started = false;
    let mut cleaned = String::new();
    let mut pieces = body.split('\n').peekable();
    while let Some(piece) = pieces.next() {
        let last_piece = pieces.peek().is_none();
        let stripped = piece.strip_suffix('\r');
        let piece = stripped.unwrap_or(piece);
        let mut lines = piece.split('\r').peekable();
        while let Some(line) = lines.next() {
            let len = line.chars().count();
            cleaned.clear();
            cleaned.extend(line.nfc().filter_map(keep));
            let kept = cleaned.trim_end().chars().count();
            let line_out = if kept > 0 && started {
                oi + pending_blank + 1
            } else {
                oi
            };
            // Positions in this line and on the separator after it.
            let sep = usize::from(lines.peek().is_some())
                + if lines.peek().is_none() && !last_piece {
                    1 + usize::from(stripped.is_some())
                } else {
                    0
                };
            let mut rest = line; // the part of the line not counted yet
            let mut from = 0usize; // chars of `line` before `rest`
            let mut counted = 0usize; // normalised chars of those
            while next < order.len() && positions[order[next]] < ri + len + sep {
                let at = (positions[order[next]] - ri).min(len);
                let b = rest
                    .char_indices()
                    .nth(at - from)
                    .map_or(rest.len(), |(b, _)| b);
                let here = counted + count(&rest[..b]);
                // Counting goes on from here only where nothing after composes with what is
                // before (a position inside a combining sequence is counted again from the
                // last such place, so the positions after it are not thrown off).
                let composes = rest[b..].chars().next().is_some_and(|c| {
                    unicode_normalization::char::canonical_combining_class(c) != 0
                        || unicode_normalization::char::is_combining_mark(c)
                        || ('\u{1160}'..='\u{11ff}').contains(&c)
                });
                if !composes {
                    counted = here;
                    rest = &rest[b..];
                    from = at;
                }
                out[order[next]] = line_out + here.min(kept);
                next += 1;
            }
            if kept > 0 {
                oi = line_out + kept;
                started = true;
                pending_blank = 0;
            } else {
                pending_blank += usize::from(started);
            }
            ri += len + usize::from(lines.peek().is_some());
        }
        if !last_piece {
            ri += 1 + usize::from(stripped.is_some());
        }
    }
    let total = oi + usize::from(started);
    while next < order.len() {
        out[order[next]] = total;
        next += 1;
    }
    out
}

/// The byte offset of char offset `c` in `text`, or `None` past the end.
pub fn char_to_byte(text: &str, c: usize) -> Option<usize> {
    if c == 0 {
        return Some(0);
    }
    let mut count = 0;
    for (b, _) in text.char_indices() {
        if count == c {
            return Some(b);
        }
        count += 1;
    }
    (count == c).then_some(text.len())
}

/// The char offset of byte offset `b` (which must lie on a char boundary).
pub fn byte_to_char(text: &str, b: usize) -> usize {
    text[..b.min(text.len())].chars().count()
}

/// Fast char-to-byte offsets for one text: a byte offset every [`CharIndex::STEP`] chars, so a
/// lookup walks at most that many chars instead of the whole text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CharIndex {
    checkpoints: Vec<usize>,
    /// Newlines before each checkpoint.
    lines: Vec<usize>,
    chars: usize,
}

impl CharIndex {
    /// Chars between checkpoints.
    pub const STEP: usize = 512;

    /// Indexes `text` (one pass).
    pub fn new(text: &str) -> CharIndex {
        let mut checkpoints = Vec::with_capacity(text.len() / Self::STEP + 1);
        let mut lines = Vec::with_capacity(text.len() / Self::STEP + 1);
        let mut n = 0;
        let mut newlines = 0;
        for (b, ch) in text.char_indices() {
            if n % Self::STEP == 0 {
                checkpoints.push(b);
                lines.push(newlines);
            }
            if ch == '\n' {
                newlines += 1;
            }
            n += 1;
        }
        CharIndex {
            checkpoints,
            lines,
            chars: n,
        }
    }

    /// The number of chars in the text.
    pub fn len(&self) -> usize {
        self.chars
    }

    /// True for an empty text.
    pub fn is_empty(&self) -> bool {
        self.chars == 0
    }

    /// The byte offset of char `c` (clamped to the end of the text).
    pub fn byte(&self, text: &str, c: usize) -> usize {
        if c >= self.chars {
            return text.len();
        }
        let base = self.checkpoints.get(c / Self::STEP).copied().unwrap_or(0);
        let skip = c % Self::STEP;
        text[base..]
            .char_indices()
            .nth(skip)
            .map_or(text.len(), |(b, _)| base + b)
    }

    /// The 1-based line on which char `c` lies (as [`line_of`], without walking the text).
    pub fn line(&self, text: &str, c: usize) -> usize {
        let c = c.min(self.chars);
        let k = (c / Self::STEP).min(self.checkpoints.len().saturating_sub(1));
        let base = self.checkpoints.get(k).copied().unwrap_or(0);
        let before = self.lines.get(k).copied().unwrap_or(0);
        let end = self.byte(text, c).max(base);
        before + text[base..end].matches('\n').count() + 1
    }

    /// [`snap_to_graphemes`] looking only at the text around the span, not from its start.
    pub fn snap(&self, text: &str, start: usize, end: usize) -> (usize, usize) {
        use unicode_segmentation::GraphemeCursor;
        let len = self.chars;
        let s = if start >= len {
            len
        } else {
            let sb = self.byte(text, start);
            let mut cur = GraphemeCursor::new(sb, text.len(), true);
            let b = if cur.is_boundary(text, 0).unwrap_or(true) {
                sb
            } else {
                cur.prev_boundary(text, 0).ok().flatten().unwrap_or(0)
            };
            start - text[b..sb].chars().count()
        };
        if end <= start {
            return (s, s);
        }
        let e = if end >= len {
            len
        } else {
            let eb = self.byte(text, end);
            let mut cur = GraphemeCursor::new(eb, text.len(), true);
            let b = if cur.is_boundary(text, 0).unwrap_or(true) {
                eb
            } else {
                cur.next_boundary(text, 0)
                    .ok()
                    .flatten()
                    .unwrap_or(text.len())
            };
            end + text[eb..b].chars().count()
        };
        (s, e.max(s))
    }

    /// The slice between two char offsets.
    pub fn slice<'a>(&self, text: &'a str, a: usize, b: usize) -> &'a str {
        let x = self.byte(text, a);
        let y = self.byte(text, b.max(a));
        &text[x..y]
    }
}

/// The number of chars in `text`.
pub fn char_len(text: &str) -> usize {
    text.chars().count()
}

/// The slice of `text` between two char offsets (clamped to the text).
pub fn slice_chars(text: &str, start: usize, end: usize) -> &str {
    let len = char_len(text);
    let s = char_to_byte(text, start.min(len)).unwrap_or(text.len());
    let e = char_to_byte(text, end.min(len)).unwrap_or(text.len());
    &text[s..e.max(s)]
}

/// Widens `start..end` (chars) to the nearest grapheme boundaries, so that a span never
/// splits `å` written as `a` + combining ring, an emoji with modifiers, or a CRLF pair.
///
/// ```
/// use koda::model::text::snap_to_graphemes;
/// // "a" + combining ring is one grapheme: a span ending inside it is widened.
/// assert_eq!(snap_to_graphemes("ba\u{030a}t", 0, 2), (0, 3));
/// ```
pub fn snap_to_graphemes(text: &str, start: usize, end: usize) -> (usize, usize) {
    let mut snapped_start = 0;
    let mut snapped_end = None;
    let mut pos = 0;
    for g in text.graphemes(true) {
        let next = pos + g.chars().count();
        if pos <= start {
            snapped_start = pos;
        }
        if snapped_end.is_none() && next >= end && next > start {
            snapped_end = Some(next);
        }
        pos = next;
    }
    let start_out = if start >= pos { pos } else { snapped_start };
    let end_out = snapped_end.unwrap_or(pos).max(start_out);
    if end <= start {
        return (start_out, start_out);
    }
    (start_out, end_out)
}

/// The sentences of `body` (Unicode sentence boundaries), each trimmed of surrounding whitespace,
/// as char spans counted from `base`, the char offset where `body` starts in its document.
/// This is the one definition of a sentence: the reader's `s`, autocoding by sentence and
/// exported quotes in sentence context all use it, so they always agree.
pub fn sentences_in(body: &str, base: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = base;
    for s in body.split_sentence_bounds() {
        let n = s.chars().count();
        let lead = s.chars().take_while(|c| c.is_whitespace()).count();
        if lead < n {
            let trail = s.chars().rev().take_while(|c| c.is_whitespace()).count();
            out.push((at + lead, at + n - trail));
        }
        at += n;
    }
    out
}

/// Trims whitespace off both ends of the span `start..end` (chars) of `text`.
pub fn trim_span(text: &str, start: usize, end: usize) -> (usize, usize) {
    let slice = slice_chars(text, start, end);
    let lead = slice.chars().take_while(|c| c.is_whitespace()).count();
    let total = slice.chars().count();
    if lead == total {
        return (start, start);
    }
    let trail = slice
        .chars()
        .rev()
        .take_while(|c| c.is_whitespace())
        .count();
    (start + lead, end - trail)
}

/// A short, stable fingerprint of a quoted passage: the first 16 hex digits of its SHA-256.
/// Stored with every coding so that any drift between coding and text is detected.
pub fn quote_hash(quote: &str) -> String {
    let digest = Sha256::digest(quote.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The full SHA-256 of some bytes as hex, used for document fingerprints.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// The 1-based line number of char offset `c` in `text`.
pub fn line_of(text: &str, c: usize) -> usize {
    let b = char_to_byte(text, c).unwrap_or(text.len());
    text[..b].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_the_normalisation_without_a_diff() {
        let texts = [
            "Intervjuer:\tHei\r\nBla\u{030a}b\u{e6}r  \r\n\r\nMor: ja\u{200b} takk\r\n",
            "\u{feff}\n\nFørste linje  \n\n\nAndre\rtredje\r\n",
            "én linje uten linjeskift og med 😀 i midten",
            "a\u{0007}b\tc   \n  \n d e\n",
        ];
        for raw in texts {
            let norm = normalise(raw);
            let n = raw.chars().count();
            let positions: Vec<usize> = (0..=n).collect();
            let got = normalised_offsets(raw, &positions);
            // Every offset lands in the text, in order, and a kept character lands on itself.
            assert!(got.windows(2).all(|w| w[0] <= w[1]), "{raw:?}: {got:?}");
            assert_eq!(*got.last().unwrap(), norm.chars().count(), "{raw:?}");
            let raw_chars: Vec<char> = raw.chars().collect();
            let norm_chars: Vec<char> = norm.chars().collect();
            let spans: Vec<(usize, usize)> = (0..n).map(|i| (i, i + 1)).collect();
            for ((i, (a, b, stale)), o) in spans
                .iter()
                .map(|s| s.0)
                .zip(crate::store::edit::map_spans(raw, &norm, &spans))
                .zip(&got)
            {
                // (Which of several line ends a diff pairs with which is arbitrary.)
                if !stale
                    && b == a + 1
                    && raw_chars[i] == norm_chars[a]
                    && !raw_chars[i].is_whitespace()
                {
                    assert_eq!(*o, a, "{raw:?}: char {i} ({:?})", raw_chars[i]);
                }
            }
        }
        // Unordered positions come back in the order asked.
        let raw = "Mor:\tja\r\nFar: nei\r\n";
        let norm = normalise(raw);
        let far = raw.find("Far").unwrap();
        let got = normalised_offsets(raw, &[far + 3, far]);
        let at = norm.find("Far").unwrap();
        assert_eq!(got, vec![at + 3, at]);
    }
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn char_index_lines_and_slices_agree_with_the_slow_way(
            text in "([a-zå\u{0301}\u{1F3FD}\u{200D}😀\r ]{0,40}\n?){0,60}",
            a in 0usize..2000,
            b in 0usize..2000,
        ) {
            let ix = CharIndex::new(&text);
            let (a, b) = (a.min(b), a.max(b));
            prop_assert_eq!(ix.slice(&text, a, b), slice_chars(&text, a, b));
            prop_assert_eq!(ix.line(&text, a), line_of(&text, a));
            prop_assert_eq!(ix.snap(&text, a, b), snap_to_graphemes(&text, a, b));
            prop_assert_eq!(ix.snap(&text, b, a), snap_to_graphemes(&text, b, a));
        }

        #[test]
        fn normalised_offsets_put_each_kept_letter_on_itself(
            raw in "\u{feff}?([abæ\t \u{200b}\u{7}]|e\u{301}|😀|\r\n|\r|\n){0,80}",
        ) {
            let norm = normalise(&raw);
            let n = raw.chars().count();
            let got = normalised_offsets(&raw, &(0..=n).collect::<Vec<_>>());
            prop_assert!(got.windows(2).all(|w| w[0] <= w[1]));
            prop_assert_eq!(got[n], norm.chars().count());
            let norm_chars: Vec<char> = norm.chars().collect();
            // A letter that survives normalisation unchanged lands on that letter.
            for (i, c) in raw.chars().enumerate() {
                let next_composes = raw.chars().nth(i + 1) == Some('\u{301}');
                if c.is_alphabetic() && !next_composes {
                    prop_assert_eq!(norm_chars.get(got[i]), Some(&c), "char {} of {:?}", i, raw);
                }
            }
        }
    }

    #[test]
    fn normalise_line_ends_nfc_and_controls() {
        let raw = "\u{feff}\r\n\r\nHei\tdu\r\nBla\u{030a}b\u{e6}r  \rslutt\u{7}\n\n\n";
        assert_eq!(normalise(raw), "Hei du\nBlåbær\nslutt\n");
        assert_eq!(normalise(""), "");
        assert_eq!(normalise("\n\n"), "");
    }

    #[test]
    fn char_and_byte_offsets_agree() {
        let t = "æøå abc";
        assert_eq!(char_to_byte(t, 0), Some(0));
        assert_eq!(char_to_byte(t, 3), Some(6));
        assert_eq!(char_to_byte(t, 7), Some(t.len()));
        assert_eq!(char_to_byte(t, 8), None);
        assert_eq!(byte_to_char(t, 6), 3);
        assert_eq!(slice_chars(t, 1, 5), "øå a");
    }

    #[test]
    fn snapping_never_splits_a_grapheme() {
        // "a" + combining ring above is one grapheme of two chars.
        let t = "xa\u{030a}y";
        assert_eq!(snap_to_graphemes(t, 2, 3), (1, 3));
        assert_eq!(snap_to_graphemes(t, 0, 2), (0, 3));
        // A family emoji is one grapheme of several chars.
        let e = "ok 👨‍👩‍👧 ja";
        let (s, end) = snap_to_graphemes(e, 4, 5);
        assert_eq!(slice_chars(e, s, end), "👨‍👩‍👧");
        assert_eq!(snap_to_graphemes("abc", 5, 9), (3, 3));
    }

    #[test]
    fn trim_and_lines() {
        let t = "ab\n  cd  \nef\n";
        assert_eq!(trim_span(t, 2, 9), (5, 7));
        assert_eq!(line_of(t, 0), 1);
        assert_eq!(line_of(t, 5), 2);
        assert_eq!(line_of(t, 10), 3);
    }

    #[test]
    fn char_index_agrees_with_walking() {
        let t: String = "æøå abc 👍🏽 ".repeat(300);
        let idx = CharIndex::new(&t);
        assert_eq!(idx.len(), char_len(&t));
        for c in [
            0,
            1,
            511,
            512,
            513,
            1500,
            idx.len() - 1,
            idx.len(),
            idx.len() + 5,
        ] {
            assert_eq!(
                Some(idx.byte(&t, c)),
                char_to_byte(&t, c.min(idx.len())),
                "{c}"
            );
        }
        assert_eq!(idx.slice(&t, 1, 5), slice_chars(&t, 1, 5));
    }

    #[test]
    fn quote_hash_is_stable_and_short() {
        assert_eq!(quote_hash("tillit"), quote_hash("tillit"));
        assert_ne!(quote_hash("tillit"), quote_hash("Tillit"));
        assert_eq!(quote_hash("x").len(), 16);
    }

    proptest! {
        #[test]
        fn snapped_spans_lie_on_grapheme_boundaries(s in "[a-zæøå\u{0301}\u{030a} 👍🏽]{0,30}", a in 0usize..40, b in 0usize..40) {
            let (start, end) = snap_to_graphemes(&s, a.min(b), a.max(b));
            prop_assert!(start <= end);
            prop_assert!(end <= char_len(&s));
            let bounds: Vec<usize> = {
                let mut v = vec![0];
                let mut pos = 0;
                for g in s.graphemes(true) { pos += g.chars().count(); v.push(pos); }
                v
            };
            prop_assert!(bounds.contains(&start), "start {start} not a boundary of {s:?}");
            prop_assert!(bounds.contains(&end), "end {end} not a boundary of {s:?}");
            if a.min(b) < char_len(&s) && a != b {
                prop_assert!(start <= a.min(b) && end >= a.max(b).min(char_len(&s)));
            }
            let again = snap_to_graphemes(&s, start, end);
            prop_assert_eq!(again, (start, end));
            prop_assert_eq!(normalise(&normalise(&s)), normalise(&s));
        }
    }
}
