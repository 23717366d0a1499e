//! Correcting a transcript after coding: a new revision of the text, with every coding carried
//! through a character diff of the old and new text.
//!
//! A coding whose words are untouched moves with them exactly. A coding whose words were
//! changed, partly deleted or split by an insertion is kept where its surviving words are and
//! flagged stale, so the analyst confirms, adjusts or removes it; nothing is moved silently.
//! The old text stays in `sources/` under its revision number, the edit is journalled (one
//! `doc.edit` event and one `coding.anchor` event per coding), and `koda undo` brings back the
//! previous text and the previous spans exactly.

use crate::model::text::{
    char_len, normalise, quote_hash, sha256_hex, slice_chars, snap_to_graphemes,
};
use crate::model::{Document, now};
use crate::store::history::Op;
use crate::store::journal::Event;
use crate::store::{SOURCES_DIR, Session, fsio};
use crate::{Error, Result};
use std::time::Duration;

const GONE: u32 = u32::MAX;

/// Maps spans of `old` onto `new`: (start, end, stale) per span, end exclusive, in chars.
pub fn map_spans(old: &str, new: &str, spans: &[(usize, usize)]) -> Vec<(usize, usize, bool)> {
    let old_len = char_len(old);
    let new_len = char_len(new);
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .timeout(Duration::from_secs(20))
        .diff_chars(old, new);
    let mut map = vec![GONE; old_len + 1];
    for op in diff.ops() {
        if let similar::DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = *op
        {
            for k in 0..len {
                if let Some(slot) = map.get_mut(old_index + k) {
                    *slot = u32::try_from(new_index + k).unwrap_or(GONE);
                }
            }
        }
    }
    map[old_len] = u32::try_from(new_len).unwrap_or(GONE);
    let at = |i: usize| {
        map.get(i)
            .copied()
            .filter(|v| *v != GONE)
            .map(|v| v as usize)
    };
    let mut chars: Option<(Vec<char>, Vec<char>)> = None;
    spans
        .iter()
        .map(|&(s, e)| {
            let e = e.min(old_len);
            let s = s.min(e);
            let touched = (s..e).any(|i| at(i).is_none())
                || (s..e.saturating_sub(1)).any(|i| match (at(i), at(i + 1)) {
                    (Some(a), Some(b)) => b != a + 1,
                    _ => true,
                });
            let first = (s..e).find_map(at);
            let last = (s..e).rev().find_map(at).map(|x| x + 1);
            if touched && s < e {
                let (old_chars, new_chars) =
                    chars.get_or_insert_with(|| (old.chars().collect(), new.chars().collect()));
                // Between the nearest text the diff kept before and after the span.
                let from = (0..s).rev().find_map(at).map_or(0, |x| x + 1);
                let to = (e..=old_len).find_map(at).unwrap_or(new_len);
                let from = first.map_or(from, |f| f.min(from));
                let to = last.map_or(to, |l| l.max(to));
                if let Some(a) = found_once(&new_chars[from..to], &old_chars[s..e]) {
                    return (from + a, from + a + (e - s), false);
                }
            }
            match (first, last) {
                (Some(a), Some(b)) if b > a => (a, b, touched),
                _ => {
                    // Every coded word is gone: keep a one-character span where they were.
                    let p = (e..=old_len).find_map(at).unwrap_or(new_len);
                    let a = p.min(new_len.saturating_sub(1));
                    (a, (a + 1).min(new_len), true)
                }
            }
        })
        .collect()
}

/// Where `needle` stands in `hay`, when it stands there exactly once.
///
/// A coding whose words the diff saw touched may stand unchanged between the text kept before
/// and after it: the diff paired some of its letters with letters inserted nearby (inserting
/// "øøaåx ø" before "ø xa" can pair the coded "x" with the inserted one). Found once there, it
/// is the coding's own words; found twice, which one is unknown, and it stays stale.
fn found_once(hay: &[char], needle: &[char]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    let mut hits = hay
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle);
    let (a, _) = hits.next()?;
    hits.next().is_none().then_some(a)
}

/// What an edit did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditReport {
    /// The new revision number (unchanged when the text was the same).
    pub revision: u32,
    /// Codings whose words were untouched (moved or not).
    pub kept: usize,
    /// Codings flagged stale: their words changed.
    pub stale: Vec<String>,
    /// False when the new text equals the old.
    pub changed: bool,
}

impl Session {
    /// Replaces a document's text with a corrected one, carrying every coding through a diff.
    pub fn edit_document(&mut self, doc_id: &str, new_text: &str) -> Result<EditReport> {
        self.set_document_text(doc_id, new_text, None)
    }

    pub(crate) fn set_document_text(
        &mut self,
        doc_id: &str,
        new_text: &str,
        explicit: Option<&[(String, usize, usize, bool)]>,
    ) -> Result<EditReport> {
        self.atomically(|s| s.set_document_text_now(doc_id, new_text, explicit))
    }

    /// The change itself, inside the transaction its public form opens.
    fn set_document_text_now(
        &mut self,
        doc_id: &str,
        new_text: &str,
        explicit: Option<&[(String, usize, usize, bool)]>,
    ) -> Result<EditReport> {
        let doc: Document = self.project().find_doc(doc_id)?.clone();
        let old = self.project().text(&doc.id)?.to_string();
        let new = normalise(new_text);
        if new.trim().is_empty() {
            return Err(Error::invalid(format!(
                "the corrected text of {:?} is empty; nothing was changed",
                doc.id
            )));
        }
        if new == old {
            return Ok(EditReport {
                revision: doc.revision,
                kept: 0,
                stale: Vec::new(),
                changed: false,
            });
        }
        let codings: Vec<crate::model::Coding> = self
            .project()
            .codings_of_doc(&doc.id)
            .into_iter()
            .cloned()
            .collect();
        let spans: Vec<(usize, usize)> = codings.iter().map(|c| (c.start, c.end)).collect();
        let mut mapped = map_spans(&old, &new, &spans);
        // A coding still stale from an earlier correction stays stale, unless the spans are
        // given (an undo puts back exactly what was).
        for (c, m) in codings.iter().zip(mapped.iter_mut()) {
            m.2 |= c.stale;
        }
        if let Some(list) = explicit {
            for (c, m) in codings.iter().zip(mapped.iter_mut()) {
                if let Some((_, s, e, st)) = list.iter().find(|(id, ..)| *id == c.id) {
                    *m = (*s, *e, *st);
                }
            }
        }
        let rev = doc.revision + 1;
        let parsed = crate::import::text::segment(new.clone(), &doc.segmentation)
            .map_err(|m| Error::invalid(format!("{}: {m}", doc.id)))?;
        let mut updated = doc.clone();
        updated.revision = rev;
        updated.turn_count = parsed.turns.len();
        updated.speakers = parsed.speakers;
        updated.chars = char_len(&new);
        updated.text_sha256 = sha256_hex(new.as_bytes());
        // 1. The new text, under its own name: until the metadata points at it, it is unused.
        let sources = self.project().root().join(SOURCES_DIR);
        fsio::write_atomic(&sources.join(updated.text_file()), new.as_bytes())?;
        // 2. The journal: the edit and where every coding now is (ignored until step 3).
        let at = now();
        let coder = self.coder().to_string();
        let mut events = vec![Event::DocEdit {
            doc: doc.id.clone(),
            rev,
            coder: coder.clone(),
            at: at.clone(),
        }];
        let mut report = EditReport {
            revision: rev,
            changed: true,
            ..EditReport::default()
        };
        let mut moved: Vec<(String, usize, usize, String, bool)> = Vec::new();
        for (c, &(s, e, stale)) in codings.iter().zip(&mapped) {
            let (s, e) = if e > s {
                snap_to_graphemes(&new, s, e)
            } else {
                (s, e)
            };
            let hash = quote_hash(slice_chars(&new, s, e));
            if stale {
                report.stale.push(c.id.clone());
            } else {
                report.kept += 1;
            }
            events.push(Event::CodingAnchor {
                id: c.id.clone(),
                start: s,
                end: e,
                hash: hash.clone(),
                rev,
                stale,
                coder: coder.clone(),
                at: at.clone(),
            });
            moved.push((c.id.clone(), s, e, hash, stale));
        }
        self.append(&events)?;
        // 3. The metadata: from here on the new revision is the document.
        fsio::write_json(
            &sources.join(format!("{}.json", doc.id)),
            &crate::model::DocumentFile {
                doc: &updated,
                turns: &parsed.turns,
            },
        )?;
        let old_spans: Vec<(String, usize, usize, bool)> = codings
            .iter()
            .map(|c| (c.id.clone(), c.start, c.end, c.stale))
            .collect();
        self.apply_edit_in_memory(updated, new, &moved);
        self.record(
            &format!("edit {}", doc.id),
            Op::DocText {
                doc: doc.id.clone(),
                text: old,
                spans: old_spans,
            },
        );
        Ok(report)
    }

    /// Clears the stale flag of codings after the analyst looked at them.
    pub fn confirm_codings(&mut self, ids: &[String]) -> Result<usize> {
        self.atomically(|s| s.confirm_codings_now(ids))
    }

    /// The change itself, inside the transaction its public form opens.
    fn confirm_codings_now(&mut self, ids: &[String]) -> Result<usize> {
        let at = now();
        let mut events = Vec::new();
        let mut confirmed = Vec::new();
        for id in ids {
            let c = self.project().codings.get(id).cloned().ok_or_else(|| {
                Error::invalid(format!("no coding {id:?}; see `koda codings --stale`"))
            })?;
            let rev = self.project().docs.get(&c.doc).map_or(0, |d| d.revision);
            let text = self.project().text(&c.doc)?;
            events.push(Event::CodingAnchor {
                id: c.id.clone(),
                start: c.start,
                end: c.end,
                hash: quote_hash(slice_chars(&text, c.start, c.end)),
                rev,
                stale: false,
                coder: self.coder().to_string(),
                at: at.clone(),
            });
            confirmed.push(c.id);
        }
        self.append(&events)?;
        self.mark_confirmed(&confirmed);
        Ok(confirmed.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::prepare;
    use crate::store::Project;
    use crate::store::project::ImportOptions;
    use proptest::prelude::*;

    const TEXT: &str = "Intervjuer: Hvordan var det?\nForelder: Hun ringte tilbake samme dag. Det betydde alt.\nIntervjuer: Og NAV?\nForelder: Der venter vi fortsatt.\n";

    fn session() -> (tempfile::TempDir, Session) {
        let dir = tempfile::tempdir().unwrap();
        Project::init(dir.path(), "t", &["no".into()], "anna").unwrap();
        let f = dir.path().join("i.txt");
        std::fs::write(&f, TEXT).unwrap();
        let mut s = Session::open(dir.path(), "anna").unwrap();
        s.import(vec![prepare(&f, None).unwrap()], &ImportOptions::default())
            .unwrap();
        s.add_code("x", "", None).unwrap();
        (dir, s)
    }

    fn code(s: &mut Session, words: &str) -> String {
        let text = s.project().text("i").unwrap();
        let b = text.find(words).unwrap();
        let a = text[..b].chars().count();
        let id = s.project().codebook.find("x").unwrap().id.clone();
        s.add_codings("i", &id, &[(a, a + words.chars().count())], None)
            .unwrap()[0]
            .id
            .clone()
    }

    fn quoted(s: &Session, id: &str) -> (String, bool) {
        let c = &s.project().codings[id];
        let text = s.project().text(&c.doc).unwrap();
        (slice_chars(&text, c.start, c.end).to_string(), c.stale)
    }

    #[test]
    fn untouched_codings_follow_their_words_and_touched_ones_are_flagged() {
        let (dir, mut s) = session();
        let ringte = code(&mut s, "Hun ringte tilbake samme dag.");
        let venter = code(&mut s, "Der venter vi fortsatt.");
        let corrected = TEXT
            .replace(
                "Hvordan var det?",
                "Hvordan opplevde dere det første møtet?",
            )
            .replace("venter vi", "ventet vi");
        let r = s.edit_document("i", &corrected).unwrap();
        assert_eq!(r.revision, 1);
        assert_eq!(
            quoted(&s, &ringte),
            ("Hun ringte tilbake samme dag.".to_string(), false)
        );
        assert_eq!(
            quoted(&s, &venter),
            ("Der ventet vi fortsatt.".to_string(), true),
            "changed words are flagged"
        );
        assert_eq!(r.stale, vec![venter.clone()]);
        // The state on disk agrees, and the old text is kept.
        drop(s);
        let p = Project::open(dir.path()).unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.docs["i"].revision, 1);
        assert!(p.codings[&venter].stale && !p.codings[&ringte].stale);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("sources/i.txt")).unwrap(),
            TEXT
        );
        assert!(dir.path().join("sources/i.r1.txt").is_file());
        let mut s = Session::open(dir.path(), "anna").unwrap();
        assert_eq!(s.confirm_codings(std::slice::from_ref(&venter)).unwrap(), 1);
        assert!(!s.project().codings[&venter].stale);
        drop(s);
        assert!(!Project::open(dir.path()).unwrap().codings[&venter].stale);
    }

    #[test]
    fn deleting_a_turn_flags_its_codings_and_undo_restores_everything() {
        let (_d, mut s) = session();
        let nav = code(&mut s, "Og NAV?");
        let dag = code(&mut s, "samme dag");
        let before: Vec<_> = s
            .project()
            .codings
            .values()
            .map(|c| (c.id.clone(), c.start, c.end))
            .collect();
        let corrected = TEXT.replace("Intervjuer: Og NAV?\n", "");
        let r = s.edit_document("i", &corrected).unwrap();
        assert_eq!(r.stale, vec![nav.clone()]);
        assert!(!s.project().codings[&dag].stale);
        assert_eq!(s.project().docs["i"].turn_count, 3);
        assert_eq!(s.project().turns("i").unwrap().len(), 3);
        assert_eq!(s.undo().unwrap().as_deref(), Some("edit i"));
        assert_eq!(&*s.project().text("i").unwrap(), TEXT);
        let after: Vec<_> = s
            .project()
            .codings
            .values()
            .map(|c| (c.id.clone(), c.start, c.end))
            .collect();
        assert_eq!(after, before, "undo restores the previous spans exactly");
        assert!(s.project().codings.values().all(|c| !c.stale));
        assert_eq!(s.project().docs["i"].turn_count, 4);
        assert_eq!(s.project().turns("i").unwrap().len(), 4);
        s.redo().unwrap();
        assert!(s.project().codings[&nav].stale);
    }

    #[test]
    fn an_empty_or_identical_text_changes_nothing() {
        let (_d, mut s) = session();
        assert!(s.edit_document("i", "  \n").is_err());
        let r = s.edit_document("i", &TEXT.replace('\n', "\r\n")).unwrap();
        assert!(!r.changed, "a change of line ends only is no change");
        assert_eq!(s.project().docs["i"].revision, 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn edits_outside_coded_words_keep_every_coding_exact(
            words in prop::collection::vec("[a-zæøå]{1,8}", 20..60),
            coded in prop::collection::vec((0usize..60, 1usize..4), 1..5),
            edits in prop::collection::vec((0usize..60, 0u8..4, "[a-zæøå ]{0,6}"), 1..8),
        ) {
            // A text of words; codings on some runs of words.
            let text = words.join(" ");
            let starts: Vec<usize> = {
                let mut v = vec![0];
                for w in &words { v.push(v.last().unwrap() + w.chars().count() + 1); }
                v
            };
            let mut spans: Vec<(usize, usize)> = Vec::new();
            for (w, n) in coded {
                let w = w % words.len();
                let last = (w + n).min(words.len()) - 1;
                spans.push((starts[w], starts[last] + words[last].chars().count()));
            }
            let protected = |pos: usize| spans.iter().any(|&(a, b)| pos >= a && pos < b);
            // Edits only at word gaps that no coding covers (inserting, deleting the gap's space
            // is not allowed as it would glue words; replacing adds words).
            let mut out = String::new();
            let chars: Vec<char> = text.chars().collect();
            let mut expected_shift: Vec<(usize, String)> = Vec::new();
            let mut plan: std::collections::BTreeMap<usize, String> = std::collections::BTreeMap::new();
            for (g, kind, ins) in edits {
                let gap = starts[g % words.len()];
                // the position just before a word start, outside any coding
                if gap == 0 || protected(gap - 1) || protected(gap) { continue; }
                let piece = match kind {
                    0 => format!(" {} ", ins.trim()),
                    1 => "\r\n".to_string(),
                    2 => " \n ".to_string(),
                    _ => format!(" {}x ", ins.trim()),
                };
                plan.insert(gap, piece);
            }
            for (i, c) in chars.iter().enumerate() {
                if let Some(p) = plan.get(&i) { out.push_str(p); expected_shift.push((i, p.clone())); }
                out.push(*c);
            }
            let quotes: Vec<String> = spans.iter().map(|&(a, b)| chars[a..b].iter().collect()).collect();
            let new = normalise(&out);
            let mapped = map_spans(&normalise(&text), &new, &spans);
            for ((s, e, stale), q) in mapped.iter().zip(&quotes) {
                prop_assert!(!stale, "untouched coding flagged: {q:?} in {new:?}");
                prop_assert_eq!(slice_chars(&new, *s, *e), q.as_str());
            }
        }
    }
}
