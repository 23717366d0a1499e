//! The Reader view: a transcript as speaker turns, the cursor and selection (by grapheme, word,
//! sentence and turn), coding from the keyboard and the mouse, and the code margin.

use crate::model::text::slice_chars;
use crate::model::text::{CharIndex, trim_span};
use crate::model::{MemoTarget, turn_at};
use crate::tui::action::{Action, View};
use crate::tui::app::App;
use crate::tui::keymap::Context;
use crate::tui::layout::{self, VisualLine};
use crate::tui::popup::{MemoEditor, PickFor, Picker, Popup, Prompt, Purpose};
use crate::tui::render::{ColorMode, cut, pad};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use tui_textarea::TextArea;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Moving a coding's boundaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditingCoding {
    /// The coding.
    pub id: String,
    /// Proposed start.
    pub start: usize,
    /// Proposed end.
    pub end: usize,
}

/// State of the reader.
#[derive(Debug, Default)]
pub struct ReaderView {
    /// The open document.
    pub doc: Option<String>,
    /// Cursor (char offset).
    pub cursor: usize,
    /// The other end of the selection, if selecting.
    pub anchor: Option<usize>,
    /// First screen line shown.
    pub scroll: usize,
    /// Show line numbers.
    pub line_numbers: bool,
    /// A coding whose boundaries are being moved.
    pub editing: Option<EditingCoding>,
    /// Two coders whose codings the margin shows side by side.
    pub compare: Option<(String, String)>,
    /// The coding chosen among several at the cursor, for the action being carried out.
    pub chosen: Option<String>,
    /// Laid-out lines of the open document at the last width.
    pub(crate) cache: RefCell<Option<LayoutCache>>,
}

/// What the margin shows on a screen line: a coding's code, and how many more codings of the
/// turn did not find a line of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stripe<'a> {
    /// This coding, with this many left over (shown on the turn's last line).
    Code(&'a crate::model::Coding, usize),
    /// No label here, but this coding goes on over the line: its stripe without a name.
    Along(&'a crate::model::Coding),
}

/// The margin of the screen lines `visible` (first and last index into `lines`): each coding
/// of a turn gets the first free line of the turn at or below the line it starts on; those
/// that find none are counted on the turn's last line.
pub(crate) fn stripes<'a>(
    lines: &[VisualLine],
    (first, last): (usize, usize),
    codings: &[&'a crate::model::Coding],
) -> BTreeMap<usize, Stripe<'a>> {
    let mut out = BTreeMap::new();
    if lines.is_empty() {
        return out;
    }
    let (mut i, last) = (first.min(lines.len() - 1), last.min(lines.len() - 1));
    // Back to the first line of the first visible turn.
    while i > 0 && lines[i - 1].turn == lines[i].turn {
        i -= 1;
    }
    while i <= last {
        let turn = lines[i].turn;
        let mut end = i;
        while end + 1 < lines.len() && lines[end + 1].turn == turn {
            end += 1;
        }
        let (t_start, t_end) = (lines[i].start, lines[end].end.max(lines[end].start + 1));
        let mut mine: Vec<&&crate::model::Coding> = codings
            .iter()
            .filter(|c| c.start < t_end && t_start < c.end)
            .collect();
        mine.sort_by(|a, b| a.by_position(b));
        let mut taken: Vec<Option<&'a crate::model::Coding>> = vec![None; end - i + 1];
        let mut left = 0;
        for c in mine.iter().copied() {
            let from = (i..=end)
                .find(|&k| c.start < lines[k].end.max(lines[k].start + 1))
                .unwrap_or(i)
                - i;
            match (from..taken.len()).find(|&k| taken[k].is_none()) {
                Some(k) => taken[k] = Some(*c),
                None => left += 1,
            }
        }
        let n = taken.len();
        for (k, c) in taken.into_iter().enumerate() {
            let line = &lines[i + k];
            match c {
                Some(c) => {
                    let more = if k + 1 == n { left } else { 0 };
                    out.insert(i + k, Stripe::Code(c, more));
                }
                None => {
                    let over = mine
                        .iter()
                        .find(|c| c.start < line.end.max(line.start + 1) && line.start < c.end);
                    if let Some(c) = over {
                        out.insert(i + k, Stripe::Along(c));
                    }
                }
            }
        }
        i = end + 1;
    }
    out
}

/// The reader's laid-out lines for one document at one width.
pub(crate) type LayoutCache = (String, usize, Rc<Vec<VisualLine>>);

/// Width of the reader's speaker column.
pub const SPEAKER_W: usize = 14;

/// Width of the reader's code margin.
pub const MARGIN_W: usize = 16;

/// Width of the margin when it compares two coders: a column of 12 for each.
pub const COMPARE_W: usize = 24;

impl App {
    /// Width of the reader's code margin: wider when it compares two coders.
    pub fn margin_width(&self) -> usize {
        if self.reader.compare.is_some() {
            COMPARE_W
        } else {
            MARGIN_W
        }
    }

    /// Width of the reader's text column.
    pub fn text_width(&self) -> usize {
        let ln = if self.reader.line_numbers { 6 } else { 0 };
        usize::from(self.size.0)
            .saturating_sub(ln + SPEAKER_W + 3 + self.margin_width() + 1)
            .max(10)
    }

    /// The reader's screen lines (cached per document and width).
    pub fn lines(&self) -> Rc<Vec<VisualLine>> {
        let Some(doc) = self.doc() else {
            return Rc::new(Vec::new());
        };
        let width = self.text_width();
        if let Some((id, w, lines)) = &*self.reader.cache.borrow()
            && *id == doc.id
            && *w == width
        {
            return Rc::clone(lines);
        }
        let text = self
            .project()
            .text(&doc.id)
            .unwrap_or_else(|_| Rc::from(""));
        let lines = Rc::new(layout::layout(&self.turns(), &text, width));
        *self.reader.cache.borrow_mut() = Some((doc.id.clone(), width, Rc::clone(&lines)));
        lines
    }

    /// The selection as a char span, if any.
    pub fn selection(&self) -> Option<(usize, usize)> {
        if let Some(e) = &self.reader.editing {
            return Some((e.start, e.end));
        }
        let a = self.reader.anchor?;
        let c = self.reader.cursor;
        Some((a.min(c), a.max(c)))
    }

    /// Opens a document in the reader with the cursor at `at` (or where it was).
    pub fn open_doc(&mut self, id: &str, at: Option<usize>) {
        if self.reader.doc.as_deref() != Some(id) {
            self.reader.doc = Some(id.to_string());
            self.reader.cursor = self.turns().first().map_or(0, |t| t.start);
            self.reader.scroll = 0;
        }
        self.reader.anchor = None;
        self.reader.editing = None;
        if let Some(a) = at {
            self.reader.cursor = a;
        }
        self.view = View::Reader;
        self.keep_cursor_visible();
    }

    pub(crate) fn keep_cursor_visible(&mut self) {
        let lines = self.lines();
        let line = layout::line_of(&lines, self.reader.cursor);
        let h = self.body_height().saturating_sub(1);
        if line < self.reader.scroll {
            self.reader.scroll = line;
        } else if line >= self.reader.scroll + h {
            self.reader.scroll = line + 1 - h;
        }
    }

    /// The open text's char index (the project's, built once per text).
    pub fn char_index(&self) -> Rc<CharIndex> {
        self.doc()
            .and_then(|d| self.project().char_index(&d.id).ok())
            .unwrap_or_default()
    }

    /// The text around `pos`: from the start of the turn before its turn to the end of the turn
    /// after, as (first char, text). Movement looks only here, so it costs the same in a
    /// 5 MB transcript as in a short one.
    pub(crate) fn window(&self, pos: usize) -> (usize, String) {
        let Some(doc) = self.doc() else {
            return (0, String::new());
        };
        let text = self
            .project()
            .text(&doc.id)
            .unwrap_or_else(|_| Rc::from(""));
        let turns = self.turns();
        let i = turns.partition_point(|t| t.start <= pos).saturating_sub(1);
        let from = turns.get(i.saturating_sub(1)).map_or(0, |t| t.start);
        let to = turns
            .get(i + 1)
            .map_or(doc.chars, |t| t.end)
            .max(pos)
            .min(doc.chars);
        let idx = self.char_index();
        (from, idx.slice(&text, from, to).to_string())
    }

    /// Grapheme boundaries around `pos` (char offsets).
    pub(crate) fn bounds(&self, pos: usize) -> Vec<usize> {
        let (from, text) = self.window(pos);
        let mut v = vec![from];
        let mut at = from;
        for g in text.graphemes(true) {
            at += g.chars().count();
            v.push(at);
        }
        v
    }

    /// The word `pos` is in (start, end), if it is in one.
    fn word_at(&self, pos: usize) -> Option<(usize, usize)> {
        let (starts, ends) = self.words_around(pos);
        starts
            .into_iter()
            .zip(ends)
            .find(|&(s, e)| s <= pos && pos < e)
    }

    /// The start of the word `pos` is in (`pos` itself between words).
    fn word_start_at(&self, pos: usize) -> usize {
        self.word_at(pos).map_or(pos, |w| w.0)
    }

    /// The end of the word `pos` is in (`pos` itself between words).
    fn word_end_at(&self, pos: usize) -> usize {
        self.word_at(pos).map_or(pos, |w| w.1)
    }

    /// Starts and ends of the words around `pos`.
    pub(crate) fn words_around(&self, pos: usize) -> (Vec<usize>, Vec<usize>) {
        let (from, text) = self.window(pos);
        let mut starts = Vec::new();
        let mut ends = Vec::new();
        let mut at = from;
        for w in text.split_word_bounds() {
            let n = w.chars().count();
            if w.chars().any(char::is_alphanumeric) {
                starts.push(at);
                ends.push(at + n);
            }
            at += n;
        }
        (starts, ends)
    }

    /// Sentences (trimmed) of the turns around `pos`.
    pub(crate) fn sentences_around(&self, pos: usize) -> Vec<(usize, usize)> {
        if self.doc().is_none() {
            return vec![];
        }
        let (from, text) = self.window(pos);
        let to = from + text.chars().count();
        let mut out = Vec::new();
        for t in self
            .turns()
            .iter()
            .filter(|t| t.start >= from && t.end <= to)
        {
            let body = slice_chars(&text, t.start - from, t.end - from);
            out.extend(crate::model::text::sentences_in(body, t.start));
        }
        out
    }

    pub(crate) fn coding_at(&self, c: usize) -> Option<crate::model::Coding> {
        if let Some(chosen) = &self.reader.chosen
            && let Some(x) = self.project().codings.get(chosen)
            && x.start <= c
            && c < x.end
        {
            return Some(x.clone());
        }
        self.codings_covering(c).into_iter().next()
    }

    /// The codings of the open document that cover char `c`, the innermost (shortest) first.
    pub(crate) fn codings_covering(&self, c: usize) -> Vec<crate::model::Coding> {
        let Some(doc) = self.doc() else {
            return Vec::new();
        };
        let mut v: Vec<crate::model::Coding> = self
            .project()
            .codings
            .values()
            .filter(|x| x.doc == doc.id && x.start <= c && c < x.end)
            .cloned()
            .collect();
        v.sort_by(|a, b| {
            (a.end - a.start, a.start, a.end, &a.id).cmp(&(b.end - b.start, b.start, b.end, &b.id))
        });
        v
    }

    pub(crate) fn move_cursor(&mut self, to: usize, extend: bool) {
        if extend && self.reader.anchor.is_none() {
            self.reader.anchor = Some(self.reader.cursor);
        }
        self.reader.cursor = to;
        self.keep_cursor_visible();
    }

    pub(crate) fn update_reader(&mut self, action: Action) {
        let Some(doc) = self.doc().cloned() else {
            self.status = "no document open: choose one in Documents (1)".into();
            return;
        };
        // x, e, m and y act on the coding at the cursor; where several cover it, a small
        // picker asks which (the innermost first).
        if matches!(
            action,
            Action::Uncode | Action::EditCoding | Action::MemoHere | Action::ConfirmCoding
        ) && self.reader.chosen.is_none()
        {
            let ids: Vec<String> = self
                .codings_covering(self.reader.cursor)
                .into_iter()
                .filter(|c| action != Action::ConfirmCoding || c.stale)
                .map(|c| c.id)
                .collect();
            if ids.len() > 1 {
                self.popup = Some(Popup::ChooseCoding(action, ids, 0));
                return;
            }
        }
        match action {
            Action::Left
            | Action::ExtendLeft
            | Action::Right
            | Action::ExtendRight
            | Action::WordNext
            | Action::WordPrev
            | Action::ExtendWordNext
            | Action::ExtendWordPrev
            | Action::SentenceNext
            | Action::SentencePrev
            | Action::TurnNext
            | Action::TurnPrev
            | Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => {
                self.reader_move(action);
                self.describe_coding_at_cursor();
            }
            Action::ToggleSelect
            | Action::SelectSentence
            | Action::SelectTurn
            | Action::Escape
            | Action::CodeSelection
            | Action::Uncode
            | Action::NextCoding
            | Action::PrevCoding
            | Action::EditCoding
            | Action::StartLeft
            | Action::StartRight
            | Action::EndLeft
            | Action::EndRight
            | Action::Enter => self.reader_select_and_code(&doc, action),
            _ => self.reader_other(&doc, action),
        }
    }

    /// After a move, the status line says which coding the cursor is in (code, coder, span,
    /// memo), so the margin's stripes can be read without leaving the keyboard.
    fn describe_coding_at_cursor(&mut self) {
        if self.reader.anchor.is_some() {
            return;
        }
        let covering = self.codings_covering(self.reader.cursor);
        if let Some(c) = covering.first() {
            self.status = self.describe_coding(c, covering.len() - 1);
        }
    }

    /// A coding in a line: its code, coder, span and memo, and how many `more` share its place.
    fn describe_coding(&self, c: &crate::model::Coding, more: usize) -> String {
        let p = self.project();
        let memo = c.memo.clone().or_else(|| {
            p.memos_on(&MemoTarget::Coding(c.id.clone()))
                .first()
                .map(|m| m.text.clone())
        });
        format!(
            "{} · {} · {}..{}{}{}",
            p.codebook.path(&c.code),
            c.coder,
            c.start,
            c.end,
            memo.map(|m| format!(
                " · ✎ {}",
                m.split_whitespace().collect::<Vec<_>>().join(" ")
            ))
            .unwrap_or_default(),
            match more {
                0 => String::new(),
                n => format!(" (+{n} more here)"),
            }
        )
    }

    /// The mouse over the margin: the stripe under it says which coding it is.
    fn hover(&mut self, col: u16, row: u16) {
        let ln = if self.reader.line_numbers { 6 } else { 0 };
        let x0 = ln + SPEAKER_W + 3 + self.text_width() + 1;
        let (col, row) = (usize::from(col), usize::from(row));
        if col < x0 || row == 0 {
            return;
        }
        let lines = self.lines();
        let i = self.reader.scroll + row - 1;
        if i >= lines.len() {
            return;
        }
        let Some(doc) = self.doc() else { return };
        let coder = self
            .reader
            .compare
            .as_ref()
            .map(|(a, b)| if col >= x0 + COMPARE_W / 2 { b } else { a });
        let codings: Vec<&crate::model::Coding> = self
            .project()
            .codings
            .values()
            .filter(|c| c.doc == doc.id && coder.is_none_or(|k| c.coder == *k))
            .collect();
        let text = match stripes(&lines, (i, i), &codings).get(&i) {
            Some(Stripe::Code(c, more)) => Some(self.describe_coding(c, *more)),
            Some(Stripe::Along(c)) => Some(self.describe_coding(c, 0)),
            None => None,
        };
        if let Some(t) = text {
            self.status = t;
        }
    }

    /// Moving the cursor (and extending a selection) by grapheme, word, sentence, turn, line and page.
    fn reader_move(&mut self, action: Action) {
        let selecting = self.reader.anchor.is_some();
        let cur = self.reader.cursor;
        match action {
            Action::Left | Action::ExtendLeft | Action::Right | Action::ExtendRight => {
                let b = self.bounds(cur);
                let i = b.partition_point(|x| *x < cur);
                let to = if matches!(action, Action::Left | Action::ExtendLeft) {
                    b[..i].last().copied().unwrap_or(0)
                } else {
                    b.get(i + usize::from(b.get(i) == Some(&cur)))
                        .copied()
                        .unwrap_or(cur)
                };
                self.move_cursor(
                    to,
                    selecting || matches!(action, Action::ExtendLeft | Action::ExtendRight),
                );
            }
            Action::WordNext | Action::WordPrev => {
                let (starts, _) = self.words_around(cur);
                let to = if action == Action::WordNext {
                    starts.iter().copied().find(|s| *s > cur).unwrap_or(cur)
                } else {
                    starts
                        .iter()
                        .copied()
                        .rev()
                        .find(|s| *s < cur)
                        .unwrap_or(cur)
                };
                self.move_cursor(to, selecting);
            }
            Action::ExtendWordNext | Action::ExtendWordPrev => {
                let (_, ends) = self.words_around(cur);
                if self.reader.anchor.is_none() {
                    let (starts, _) = self.words_around(cur);
                    let start = starts
                        .iter()
                        .copied()
                        .rev()
                        .find(|s| *s <= cur)
                        .unwrap_or(cur);
                    self.reader.anchor = Some(start);
                    self.reader.cursor = start;
                }
                let cur = self.reader.cursor;
                let to = if action == Action::ExtendWordNext {
                    ends.iter().copied().find(|e| *e > cur).unwrap_or(cur)
                } else {
                    let anchor = self.reader.anchor.unwrap_or(0);
                    ends.iter()
                        .copied()
                        .rev()
                        .find(|e| *e < cur && *e > anchor)
                        .unwrap_or(anchor)
                };
                self.move_cursor(to, true);
            }
            Action::SentenceNext | Action::SentencePrev => {
                let s = self.sentences_around(cur);
                let to = if action == Action::SentenceNext {
                    s.iter().map(|x| x.0).find(|x| *x > cur).unwrap_or(cur)
                } else {
                    s.iter()
                        .map(|x| x.0)
                        .rev()
                        .find(|x| *x < cur)
                        .unwrap_or(cur)
                };
                self.move_cursor(to, selecting);
            }
            Action::TurnNext | Action::TurnPrev => {
                let turns = self.turns();
                let to = if action == Action::TurnNext {
                    turns
                        .iter()
                        .map(|t| t.start)
                        .find(|s| *s > cur)
                        .unwrap_or(cur)
                } else {
                    turns
                        .iter()
                        .map(|t| t.start)
                        .rev()
                        .find(|s| *s < cur)
                        .unwrap_or(cur)
                };
                self.move_cursor(to, selecting);
            }
            Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
                let lines = self.lines();
                if lines.is_empty() {
                    return;
                }
                let li = layout::line_of(&lines, cur);
                let step = if matches!(action, Action::PageUp | Action::PageDown) {
                    self.body_height().saturating_sub(2).max(1)
                } else {
                    1
                };
                let target = if matches!(action, Action::Up | Action::PageUp) {
                    li.saturating_sub(step)
                } else {
                    (li + step).min(lines.len() - 1)
                };
                let col = cur.saturating_sub(lines[li].start);
                let l = &lines[target];
                let to = (l.start + col).min(l.end.max(l.start));
                self.move_cursor(to, selecting);
            }
            Action::Top => {
                let to = self.turns().first().map_or(0, |t| t.start);
                self.move_cursor(to, selecting);
            }
            Action::Bottom => {
                let to = self.turns().last().map_or(0, |t| t.start);
                self.move_cursor(to, selecting);
            }
            _ => {}
        }
    }

    /// Selecting, coding, uncoding and moving a coding's boundaries.
    fn reader_select_and_code(&mut self, doc: &crate::model::Document, action: Action) {
        let selecting = self.reader.anchor.is_some();
        let cur = self.reader.cursor;
        match action {
            Action::ToggleSelect => {
                self.reader.anchor = if selecting { None } else { Some(cur) };
                self.status = if selecting {
                    "selection ended".into()
                } else {
                    "selecting: move to extend, c codes it".into()
                };
            }
            Action::SelectSentence => {
                if let Some((a, b)) = self
                    .sentences_around(cur)
                    .into_iter()
                    .find(|(a, b)| *a <= cur && cur < *b)
                    .or_else(|| {
                        self.sentences_around(cur)
                            .into_iter()
                            .find(|(a, _)| *a >= cur)
                    })
                {
                    self.reader.anchor = Some(a);
                    self.move_cursor(b, true);
                }
            }
            Action::SelectTurn => {
                if let Some(t) = turn_at(&self.turns(), cur) {
                    self.reader.anchor = Some(t.start);
                    self.move_cursor(t.end, true);
                }
            }
            Action::Escape => {
                if self.reader.editing.take().is_some() {
                    self.status = "boundaries left as they were".into();
                } else {
                    self.reader.anchor = None;
                }
            }
            Action::CodeSelection => {
                let span = match self.selection() {
                    Some((a, b)) if b > a => Some((a, b)),
                    _ => turn_at(&self.turns(), cur).map(|t| (t.start, t.end)),
                };
                if let Some((a, b)) = span {
                    let text = self
                        .project()
                        .text(&doc.id)
                        .unwrap_or_else(|_| Rc::from(""));
                    let (a, b) = trim_span(&text, a, b);
                    if b > a {
                        self.popup = Some(Popup::Picker(Picker {
                            filter: String::new(),
                            selected: 0,
                            target: PickFor::Span(doc.id.clone(), a, b),
                        }));
                    }
                }
            }
            Action::Uncode => match self.coding_at(cur) {
                Some(c) => match crate::ops::coding::uncode(
                    &mut self.session,
                    &crate::ops::coding::Uncode::Ids(vec![c.id.clone()]),
                ) {
                    Ok(_) => {
                        self.status = format!(
                            "removed a coding of {} {}",
                            self.project().codebook.path(&c.code),
                            self.undo_hint()
                        );
                        self.changed();
                    }
                    Err(e) => self.set_error(e),
                },
                None => self.status = "no coding at the cursor".into(),
            },
            Action::NextCoding | Action::PrevCoding => {
                let starts: Vec<usize> = self
                    .project()
                    .codings_of_doc(&doc.id)
                    .iter()
                    .map(|c| c.start)
                    .collect();
                let to = if action == Action::NextCoding {
                    starts.iter().copied().find(|s| *s > cur)
                } else {
                    starts.iter().copied().rev().find(|s| *s < cur)
                };
                match to {
                    Some(t) => self.move_cursor(t, selecting),
                    None => self.status = "no more codings that way".into(),
                }
            }
            Action::EditCoding => match self.coding_at(cur) {
                Some(c) => {
                    let r = Context::View(View::Reader);
                    self.status = format!(
                        "moving {}: {} {} start, {} {} end, {} keeps, {} cancels",
                        self.project().codebook.path(&c.code),
                        self.key(r, Action::StartLeft),
                        self.key(r, Action::StartRight),
                        self.key(r, Action::EndLeft),
                        self.key(r, Action::EndRight),
                        self.key(r, Action::Enter),
                        self.key(r, Action::Escape)
                    );
                    self.reader.editing = Some(EditingCoding {
                        id: c.id,
                        start: c.start,
                        end: c.end,
                    });
                }
                None => self.status = "no coding at the cursor".into(),
            },
            Action::StartLeft | Action::StartRight | Action::EndLeft | Action::EndRight => {
                let around = self.reader.editing.as_ref().map_or(cur, |e| {
                    if matches!(action, Action::EndLeft | Action::EndRight) {
                        e.end
                    } else {
                        e.start
                    }
                });
                let (starts, ends) = self.words_around(around);
                if let Some(e) = &mut self.reader.editing {
                    match action {
                        Action::StartLeft => {
                            e.start = starts
                                .iter()
                                .copied()
                                .rev()
                                .find(|s| *s < e.start)
                                .unwrap_or(e.start)
                        }
                        Action::StartRight => {
                            e.start = starts
                                .iter()
                                .copied()
                                .find(|s| *s > e.start && *s < e.end)
                                .unwrap_or(e.start)
                        }
                        Action::EndLeft => {
                            e.end = ends
                                .iter()
                                .copied()
                                .rev()
                                .find(|x| *x < e.end && *x > e.start)
                                .unwrap_or(e.end)
                        }
                        _ => e.end = ends.iter().copied().find(|x| *x > e.end).unwrap_or(e.end),
                    }
                    let to = e.start;
                    self.reader.cursor = to;
                    self.keep_cursor_visible();
                }
            }
            Action::Enter => {
                if let Some(e) = self.reader.editing.take() {
                    match self.session.adjust_coding(&e.id, e.start, e.end) {
                        Ok(c) => {
                            self.status =
                                format!("coding now {}..{} {}", c.start, c.end, self.undo_hint());
                            self.changed();
                        }
                        Err(err) => self.set_error(err),
                    }
                }
            }
            _ => {}
        }
    }

    /// Line numbers, compare mode, correcting a turn, memos, jumping, and the mouse.
    fn reader_other(&mut self, doc: &crate::model::Document, action: Action) {
        let cur = self.reader.cursor;
        match action {
            Action::ToggleLineNumbers => {
                self.reader.line_numbers = !self.reader.line_numbers;
                self.keep_cursor_visible();
            }
            Action::CompareCoders => {
                if self.reader.compare.take().is_some() {
                    self.status = "compare mode off".into();
                } else {
                    let coders = self.project().config.coders.clone();
                    self.popup = Some(Popup::Prompt(Prompt {
                        label: format!("compare two coders ({})", coders.join(", ")),
                        text: coders.iter().take(2).cloned().collect::<Vec<_>>().join(","),
                        purpose: Purpose::Compare,
                    }));
                }
            }
            Action::EditTurn => {
                if let Some(t) = turn_at(&self.turns(), cur).cloned() {
                    let text = self
                        .project()
                        .text(&doc.id)
                        .unwrap_or_else(|_| Rc::from(""));
                    let body = self.char_index().slice(&text, t.start, t.end).to_string();
                    let mut area = TextArea::new(body.lines().map(str::to_string).collect());
                    area.set_placeholder_text(self.editor_placeholder("the turn's text"));
                    self.popup = Some(Popup::Memo(Box::new(MemoEditor {
                        area,
                        target: MemoTarget::Document(doc.id.clone()),
                        id: None,
                        title: format!("correct turn {} (codings follow their words)", t.number),
                        turn: Some((doc.id.clone(), t.start, t.end)),
                    })));
                }
            }
            Action::ConfirmCoding => match self.coding_at(cur).filter(|c| c.stale) {
                Some(c) => match self.session.confirm_codings(std::slice::from_ref(&c.id)) {
                    Ok(_) => {
                        self.status = format!(
                            "kept the coding of {} as it is",
                            self.project().codebook.path(&c.code)
                        )
                    }
                    Err(e) => self.set_error(e),
                },
                None => self.status = "no flagged coding at the cursor".into(),
            },
            Action::JumpToTurn => {
                self.popup = Some(Popup::Prompt(Prompt {
                    label: "turn number".into(),
                    text: String::new(),
                    purpose: Purpose::JumpToTurn,
                }));
            }
            Action::MemoHere => {
                let (target, title) = match self.coding_at(cur) {
                    Some(c) => (
                        MemoTarget::Coding(c.id.clone()),
                        format!(
                            "memo on a coding of {}",
                            self.project().codebook.path(&c.code)
                        ),
                    ),
                    None => (
                        MemoTarget::Document(doc.id.clone()),
                        format!("memo on {}", doc.title),
                    ),
                };
                self.open_memo(target, title);
            }
            Action::Click(col, row) => {
                if let Some(c) = self.char_at(col, row) {
                    self.reader.anchor = None;
                    self.reader.cursor = c;
                    self.drag_from = Some(c);
                }
            }
            Action::Drag(col, row) => {
                if let (Some(c), Some(from)) = (self.char_at(col, row), self.drag_from) {
                    // A drag selects whole words: from the start of the word it began in to
                    // the end of the word it reached (or the other way round).
                    let (anchor, cursor) = if c >= from {
                        (self.word_start_at(from), self.word_end_at(c))
                    } else {
                        (self.word_end_at(from), self.word_start_at(c))
                    };
                    self.reader.anchor = Some(anchor);
                    self.reader.cursor = cursor;
                    self.keep_cursor_visible();
                }
            }
            Action::Hover(col, row) => self.hover(col, row),
            Action::ScrollUp => self.reader.scroll = self.reader.scroll.saturating_sub(3),
            Action::ScrollDown => {
                let max = self.lines().len().saturating_sub(1);
                self.reader.scroll = (self.reader.scroll + 3).min(max);
            }
            _ => {}
        }
    }

    /// The char under a screen cell of the reader, if it shows text.
    pub fn char_at(&self, col: u16, row: u16) -> Option<usize> {
        let row = usize::from(row);
        if row < 1 || row > self.body_height() {
            return None;
        }
        let lines = self.lines();
        let line = lines.get(self.reader.scroll + row - 1)?;
        let ln = if self.reader.line_numbers { 6 } else { 0 };
        let left = ln + SPEAKER_W + 3;
        let col = usize::from(col).checked_sub(left)?;
        let text = self.project().text(self.reader.doc.as_deref()?).ok()?;
        let s = self.char_index().slice(&text, line.start, line.end);
        let mut w = 0;
        let mut pos = line.start;
        for g in s.graphemes(true) {
            let gw = unicode_width::UnicodeWidthStr::width(g).max(1);
            if col < w + gw {
                return Some(pos);
            }
            w += gw;
            pos += g.chars().count();
        }
        Some(line.end)
    }
}

pub(crate) fn render_reader(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    let Some(doc) = app.doc() else {
        f.render_widget(
            Paragraph::new(" No document open: choose one in Documents (1)."),
            area,
        );
        return;
    };
    let p = app.project();
    let Ok(text) = p.text(&doc.id) else {
        f.render_widget(Paragraph::new(" The document's text cannot be read."), area);
        return;
    };
    let turns = match p.turns(&doc.id) {
        Ok(t) => t,
        Err(e) => {
            f.render_widget(Paragraph::new(format!(" {e}")), area);
            return;
        }
    };
    let lines = app.lines();
    let char_index = app.char_index();
    let height = usize::from(area.height);
    let visible: Vec<_> = lines
        .iter()
        .enumerate()
        .skip(app.reader.scroll)
        .take(height)
        .collect();
    let (vis_start, vis_end) = (
        visible.first().map_or(0, |l| l.1.start),
        visible.last().map_or(0, |l| l.1.end),
    );
    // The codings of the turns on screen, whole (the margin stacks a turn's codes over all
    // its lines, also those scrolled away).
    let (turns_start, turns_end) = (
        visible
            .first()
            .and_then(|l| crate::model::turn(&turns, l.1.turn))
            .map_or(vis_start, |t| t.start.min(vis_start)),
        visible
            .last()
            .and_then(|l| crate::model::turn(&turns, l.1.turn))
            .map_or(vis_end, |t| t.end.max(vis_end)),
    );
    let mut codings: Vec<&crate::model::Coding> = p
        .codings
        .values()
        .filter(|c| c.doc == doc.id && c.start <= turns_end && turns_start <= c.end)
        .collect();
    codings.sort_unstable_by(|a, b| a.by_position(b));
    let code_color = |id: &str| {
        colors
            .code(p.codebook.effective_color(id).as_deref())
            .unwrap_or(Color::Cyan)
    };
    let sel = app.selection();
    let cursor = app.reader.cursor;
    let text_w = app.text_width();
    let columns: Vec<(Option<&str>, usize)> = match &app.reader.compare {
        Some((a, b)) => vec![
            (Some(a.as_str()), COMPARE_W / 2),
            (Some(b.as_str()), COMPARE_W - COMPARE_W / 2),
        ],
        None => vec![(None, MARGIN_W)],
    };
    // Codings with a memo, found once per screen rather than once per stripe.
    let with_memo: std::collections::HashSet<&str> = p
        .memos
        .values()
        .filter_map(|m| match &m.target {
            MemoTarget::Coding(id) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let first_visible = visible.first().map_or(0, |l| l.0);
    let last_visible = visible.last().map_or(0, |l| l.0);
    let stripes: Vec<BTreeMap<usize, Stripe>> = columns
        .iter()
        .map(|(coder, _)| {
            let mine: Vec<&crate::model::Coding> = codings
                .iter()
                .copied()
                .filter(|c| coder.is_none_or(|k| c.coder == k))
                .collect();
            stripes(&lines, (first_visible, last_visible), &mine)
        })
        .collect();
    let mut out: Vec<Line> = Vec::new();
    for (i, l) in visible {
        let mut spans: Vec<Span> = Vec::new();
        if app.reader.line_numbers {
            let show = i == 0 || lines[i - 1].text_line != l.text_line;
            let n = if show {
                format!("{:>4}  ", l.text_line)
            } else {
                "      ".into()
            };
            spans.push(Span::styled(
                n,
                colors.style(Style::new().fg(Color::DarkGray)),
            ));
        }
        let turn = crate::model::turn(&turns, l.turn);
        let speaker_cell = if l.first {
            Span::styled(
                pad(
                    turn.and_then(|t| t.speaker.as_deref()).unwrap_or(""),
                    SPEAKER_W,
                ),
                colors.style(Style::new().add_modifier(Modifier::BOLD)),
            )
        } else if i > 0 && lines[i - 1].first && lines[i - 1].turn == l.turn {
            let ts = turn
                .and_then(|t| t.timestamp_ms)
                .map(crate::model::display::timestamp)
                .unwrap_or_default();
            Span::styled(
                pad(&ts, SPEAKER_W),
                colors.style(Style::new().fg(Color::DarkGray)),
            )
        } else {
            Span::raw(" ".repeat(SPEAKER_W))
        };
        spans.push(speaker_cell);
        spans.push(Span::styled(
            " │ ",
            colors.style(Style::new().fg(Color::DarkGray)),
        ));
        let mut pos = l.start;
        let mut used = 0;
        for g in char_index.slice(&text, l.start, l.end).graphemes(true) {
            let n = g.chars().count();
            let mut style = Style::new();
            if let Some(c) = codings.iter().rev().find(|c| c.start <= pos && pos < c.end) {
                style = colors
                    .style(style.fg(code_color(&c.code)))
                    .add_modifier(Modifier::UNDERLINED);
            }
            if sel.is_some_and(|(a, b)| a <= pos && pos < b) {
                style = style.add_modifier(Modifier::REVERSED);
            }
            if pos == cursor {
                style = style.add_modifier(Modifier::BOLD | Modifier::REVERSED);
            }
            used += g.width();
            spans.push(Span::styled(g.to_string(), style));
            pos += n;
        }
        if cursor == l.end && (i + 1 == lines.len() || lines[i + 1].start > l.end) {
            spans.push(Span::styled(
                " ",
                Style::new().add_modifier(Modifier::REVERSED),
            ));
            used += 1;
        }
        spans.push(Span::raw(" ".repeat(text_w.saturating_sub(used) + 1)));
        // The margin: every code of the turn, stacked down its lines from where each coding
        // starts, in the code's colour (✎ when the coding has a memo, ! when flagged); "+N"
        // on a turn's last line when it has more codings than lines. In compare mode one
        // column per coder.
        for ((_, width), column) in columns.iter().zip(&stripes) {
            let width = *width;
            let piece = match column.get(&i) {
                Some(Stripe::Code(c, more)) => {
                    let name = p.codebook.get(&c.code).map_or("?", |x| x.name.as_str());
                    let flag = if c.stale { "!" } else { "▌" };
                    let memo = c.memo.is_some() || with_memo.contains(c.id.as_str());
                    let tail = match (memo, *more) {
                        (true, 0) => "✎".to_string(),
                        (false, 0) => String::new(),
                        (true, n) => format!("✎+{n}"),
                        (false, n) => format!("+{n}"),
                    };
                    let room = width.saturating_sub(tail.width() + 1);
                    let label = cut(&format!("{flag}{name}"), room);
                    Some((format!("{label}{tail}"), code_color(&c.code)))
                }
                Some(Stripe::Along(c)) => Some(("▌".to_string(), code_color(&c.code))),
                None => None,
            };
            match piece {
                Some((text, colour)) => {
                    let pad = width.saturating_sub(text.width());
                    spans.push(Span::styled(text, colors.style(Style::new().fg(colour))));
                    spans.push(Span::raw(" ".repeat(pad)));
                }
                None => spans.push(Span::raw(" ".repeat(width))),
            }
        }
        out.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(out), area);
}
