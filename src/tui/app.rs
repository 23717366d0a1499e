//! The TUI's state and its one update function: `Action -> App::update -> state`.
//!
//! `App` is plain data over a [`Session`]; every change goes through the session, so it is
//! journalled and undoable before the screen shows it. Rendering (in `render.rs`) only reads it.

use super::keymap::{self, Binding, Context};
use super::layout::{self, VisualLine};
use crate::analysis::{self, Excerpt, ExcerptFilter};
use crate::index::{SearchIndex, SearchResults, Unit};
#[cfg(test)]
use crate::model::text::slice_chars;
use crate::model::text::{CharIndex, trim_span};
use crate::model::{Document, MemoTarget, Turn, turn_at};
use crate::store::{Project, Session};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tui_textarea::TextArea;
use unicode_segmentation::UnicodeSegmentation;

/// The views, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// The document list.
    Documents,
    /// One transcript.
    Reader,
    /// The code tree.
    Codebook,
    /// Search.
    Search,
    /// Excerpts of a code.
    Excerpts,
    /// Memos.
    Memos,
    /// The name register and name suggestions.
    Names,
}

/// Every view in tab order.
pub const VIEWS: [View; 7] = [
    View::Documents,
    View::Reader,
    View::Codebook,
    View::Search,
    View::Excerpts,
    View::Memos,
    View::Names,
];

impl View {
    /// The tab title.
    pub fn title(self) -> &'static str {
        match self {
            View::Documents => "Documents",
            View::Reader => "Reader",
            View::Codebook => "Codebook",
            View::Search => "Search",
            View::Excerpts => "Excerpts",
            View::Memos => "Memos",
            View::Names => "Names",
        }
    }
}

/// Everything the user can ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Action {
    Quit,
    Help,
    NextView,
    PrevView,
    GoView(View),
    Undo,
    Redo,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Enter,
    Escape,
    Left,
    Right,
    ExtendLeft,
    ExtendRight,
    WordNext,
    WordPrev,
    ExtendWordNext,
    ExtendWordPrev,
    SentenceNext,
    SentencePrev,
    TurnNext,
    TurnPrev,
    ToggleSelect,
    SelectSentence,
    SelectTurn,
    CodeSelection,
    Uncode,
    NextCoding,
    PrevCoding,
    EditCoding,
    StartLeft,
    StartRight,
    EndLeft,
    EndRight,
    ToggleLineNumbers,
    JumpToTurn,
    CompareCoders,
    EditTurn,
    ConfirmCoding,
    MemoHere,
    Filter,
    Sort,
    AddCode,
    RenameCode,
    MoveCode,
    MergeCode,
    DescribeCode,
    ColorCode,
    DeleteCode,
    ToggleCollapse,
    Autocode,
    CycleUnit,
    ToggleMark,
    ToggleContext,
    NewMemo,
    DeleteMemo,
    /// A character typed into the active text field.
    Type(char),
    /// Delete the last character of the active text field.
    Backspace,
    /// Delete the last word of the active text field (Ctrl-w, as in a shell).
    DeleteWord,
    /// Empty the active text field (Ctrl-u, as in a shell).
    ClearField,
    /// Mouse button pressed at a cell.
    Click(u16, u16),
    /// Mouse dragged to a cell.
    Drag(u16, u16),
    /// Mouse wheel up.
    ScrollUp,
    /// Mouse wheel down.
    ScrollDown,
    /// Time passes (runs a debounced search).
    Tick,
    /// The terminal has a new size.
    Resize(u16, u16),
    /// A key for the memo editor.
    EditorKey(KeyEvent),
    /// Save the memo being edited.
    SaveMemo,
}

/// What a one-line prompt is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// Add a code at this path.
    AddCode,
    /// Rename this code.
    RenameCode(String),
    /// Move this code under a path (empty: top level).
    MoveCode(String),
    /// Merge this code into a path.
    MergeCode(String),
    /// Describe this code.
    DescribeCode(String),
    /// Colour this code.
    ColorCode(String),
    /// Jump to a turn number.
    JumpToTurn,
    /// Compare two coders in the reader's margin.
    Compare,
    /// Register this suggested name with the typed replacement.
    RegisterName(String),
    /// Filter the excerpts.
    ExcerptFilter,
}

/// A one-line prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// The question.
    pub label: String,
    /// What has been typed.
    pub text: String,
    /// What happens on Enter.
    pub purpose: Purpose,
}

/// What the code picker applies the code to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickFor {
    /// A span of a document.
    Span(String, usize, usize),
    /// Every hit of a search (or the marked ones), by a unit.
    Autocode {
        /// The query.
        query: String,
        /// The marked hits (document, turn); every hit of the query when `None`.
        turns: Option<Vec<(String, usize)>>,
        /// How many turns that is.
        count: usize,
        /// What to code around each hit.
        unit: Unit,
    },
}

/// The code picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    /// The filter typed so far.
    pub filter: String,
    /// The highlighted row.
    pub selected: usize,
    /// What to apply the code to.
    pub target: PickFor,
}

/// One row of the code picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickItem {
    /// The code's id; `None` for the row that creates a new code.
    pub code: Option<String>,
    /// What the row shows.
    pub label: String,
    /// 1 to 9 for the nine most used codes (when nothing is typed).
    pub number: Option<usize>,
}

/// A question answered with y or n.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Delete this code.
    DeleteCode(String),
    /// Delete this memo.
    DeleteMemo(String),
}

/// The memo editor.
pub struct MemoEditor {
    /// The text area.
    pub area: TextArea<'static>,
    /// What the memo is attached to.
    pub target: MemoTarget,
    /// The memo's id when editing an existing one.
    pub id: Option<String>,
    /// Title shown on the frame.
    pub title: String,
    /// When set, the editor corrects this span of a document's text instead of writing a memo.
    pub turn: Option<(String, usize, usize)>,
}

/// A popup over the view.
pub enum Popup {
    /// The code picker.
    Picker(Picker),
    /// A one-line prompt.
    Prompt(Prompt),
    /// A yes/no question.
    Confirm(Confirm, String),
    /// The memo editor.
    Memo(Box<MemoEditor>),
    /// The key help.
    Help,
}

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
pub struct Reader {
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
    cache: RefCell<Option<LayoutCache>>,
}

/// The reader's laid-out lines for one document at one width.
type LayoutCache = (String, usize, Rc<Vec<VisualLine>>);

/// Order of the document list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocSort {
    /// As imported.
    Imported,
    /// By title.
    Title,
    /// Most codings first.
    Codings,
}

/// Width of the reader's speaker column.
pub const SPEAKER_W: usize = 14;
/// Width of the reader's code margin.
pub const MARGIN_W: usize = 16;
const DEBOUNCE: Duration = Duration::from_millis(180);
/// Hits the Search view lists (autocoding codes every hit, not only these).
pub const SHOWN_HITS: usize = 200;

/// The autocoding unit as the status line names it.
pub fn unit_name(unit: Unit) -> &'static str {
    match unit {
        Unit::Match => "the matched words",
        Unit::Sentence => "the sentence around each match",
        Unit::Turn => "the whole turn",
    }
}

/// The whole TUI state.
pub struct App {
    /// The writing session (holds the project's write lock).
    pub session: Session,
    /// The keymap.
    pub keymap: Vec<Binding>,
    /// The current view.
    pub view: View,
    /// The popup, if any.
    pub popup: Option<Popup>,
    /// The last message or error.
    pub status: String,
    /// Set when the user quits.
    pub quit: bool,
    /// Terminal size.
    pub size: (u16, u16),
    /// Document list filter.
    pub doc_filter: String,
    /// Typing into the document filter.
    pub doc_filtering: bool,
    /// Document list order.
    pub doc_sort: DocSort,
    /// Selected document row.
    pub doc_sel: usize,
    /// The reader.
    pub reader: Reader,
    /// Selected codebook row.
    pub code_sel: usize,
    /// Folded codes.
    pub collapsed: BTreeSet<String>,
    /// The search query.
    pub query: String,
    /// When the query last changed and has not been run yet.
    pub query_dirty: Option<Instant>,
    /// Results of the last search.
    pub results: Option<SearchResults>,
    /// The last search's error.
    pub search_error: Option<String>,
    /// Selected hit.
    pub hit_sel: usize,
    /// Marked hits.
    pub marked: BTreeSet<usize>,
    /// What autocoding codes around each hit.
    pub unit: Unit,
    index: Option<SearchIndex>,
    /// Code shown in the excerpts view (all codes when `None`).
    pub ex_code: Option<String>,
    /// Excerpt filters `key=value` (attributes, or `coder`).
    pub ex_filter: Vec<(String, String)>,
    /// Selected excerpt.
    pub ex_sel: usize,
    /// Show whole turns in the excerpts view.
    pub ex_context: bool,
    /// Selected memo.
    pub memo_sel: usize,
    /// Recently applied codes, newest first.
    pub recent: Vec<String>,
    /// First line of the help overlay shown.
    pub help_scroll: usize,
    /// Name suggestions (computed when the Names view opens or the register changes).
    pub suggestions: Option<Vec<crate::analysis::names::Suggestion>>,
    /// Selected suggestion.
    pub name_sel: usize,
    drag_from: Option<usize>,
}

/// `n` and the word, in the plural unless `n` is 1.
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

impl App {
    /// A new app over a session, sized `size`.
    pub fn new(session: Session, size: (u16, u16)) -> App {
        let first = session.project().documents().first().map(|d| d.id.clone());
        let mut app = App {
            session,
            keymap: keymap::default_keymap(),
            view: View::Documents,
            popup: None,
            status: "? shows the keys".into(),
            quit: false,
            size,
            doc_filter: String::new(),
            doc_filtering: false,
            doc_sort: DocSort::Imported,
            doc_sel: 0,
            reader: Reader::default(),
            code_sel: 0,
            collapsed: BTreeSet::new(),
            query: String::new(),
            query_dirty: None,
            results: None,
            search_error: None,
            hit_sel: 0,
            marked: BTreeSet::new(),
            unit: Unit::Match,
            index: None,
            ex_code: None,
            ex_filter: Vec::new(),
            ex_sel: 0,
            ex_context: false,
            memo_sel: 0,
            recent: Vec::new(),
            help_scroll: 0,
            suggestions: None,
            name_sel: 0,
            drag_from: None,
        };
        app.reader.doc = first;
        app.reader.cursor = app.turns().first().map_or(0, |t| t.start);
        app
    }

    /// The project as it stands.
    pub fn project(&self) -> &Project {
        self.session.project()
    }

    /// The open document.
    pub fn doc(&self) -> Option<&Document> {
        self.reader
            .doc
            .as_ref()
            .and_then(|d| self.project().docs.get(d))
    }

    /// The open document's turns (none when no document is open or they cannot be read; the
    /// reader then shows why instead of the text).
    pub fn turns(&self) -> Rc<[Turn]> {
        self.doc()
            .and_then(|d| self.project().turns(&d.id).ok())
            .unwrap_or_else(|| Rc::from(Vec::new()))
    }

    /// Rows of the body (between the tab bar and the status bar).
    pub fn body_height(&self) -> usize {
        usize::from(self.size.1).saturating_sub(2).max(1)
    }

    /// Width of the reader's text column.
    pub fn text_width(&self) -> usize {
        let ln = if self.reader.line_numbers { 6 } else { 0 };
        usize::from(self.size.0)
            .saturating_sub(ln + SPEAKER_W + 3 + MARGIN_W + 1)
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

    /// Documents in list order, filtered.
    pub fn doc_rows(&self) -> Vec<&Document> {
        let p = self.project();
        let f = self.doc_filter.to_lowercase();
        let mut docs: Vec<&Document> = p
            .documents()
            .into_iter()
            .filter(|d| {
                f.is_empty()
                    || d.title.to_lowercase().contains(&f)
                    || d.id.contains(&f)
                    || d.case
                        .as_deref()
                        .is_some_and(|c| c.to_lowercase().contains(&f))
                    || d.kind.as_str().contains(&f)
            })
            .collect();
        match self.doc_sort {
            DocSort::Imported => {}
            DocSort::Title => docs.sort_by_key(|d| d.title.to_lowercase()),
            DocSort::Codings => {
                let counts = p.coding_counts();
                docs.sort_by_key(|d| {
                    std::cmp::Reverse(counts.get(d.id.as_str()).copied().unwrap_or(0))
                });
            }
        }
        docs
    }

    /// Visible codebook rows: (code id, depth).
    pub fn code_rows(&self) -> Vec<(String, usize)> {
        let cb = &self.project().codebook;
        let mut out = Vec::new();
        let mut hidden_below: Option<usize> = None;
        for (c, depth) in cb.walk() {
            if let Some(d) = hidden_below {
                if depth > d {
                    continue;
                }
                hidden_below = None;
            }
            out.push((c.id.clone(), depth));
            if self.collapsed.contains(&c.id) {
                hidden_below = Some(depth);
            }
        }
        out
    }

    /// The excerpts view's rows.
    pub fn excerpt_rows(&self) -> Vec<Excerpt> {
        let coders: Vec<String> = self
            .ex_filter
            .iter()
            .filter(|(k, _)| k == "coder")
            .map(|(_, v)| v.clone())
            .collect();
        let filter = ExcerptFilter {
            codes: self.ex_code.iter().cloned().collect(),
            include_subcodes: true,
            docs: Vec::new(),
            coders,
        };
        let list = analysis::excerpts(self.project(), &filter).unwrap_or_default();
        list.into_iter()
            .filter(|e| {
                self.ex_filter
                    .iter()
                    .filter(|(k, _)| k != "coder")
                    .all(|(k, v)| {
                        e.attributes
                            .get(k)
                            .is_some_and(|x| x.eq_ignore_ascii_case(v))
                    })
            })
            .collect()
    }

    /// Memos in list order.
    pub fn memo_rows(&self) -> Vec<crate::model::Memo> {
        let mut v: Vec<_> = self.project().memos.values().cloned().collect();
        v.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
        v
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

    /// Rows of the code picker.
    pub fn pick_items(&self, p: &Picker) -> Vec<PickItem> {
        let project = self.project();
        let cb = &project.codebook;
        let mut counts: Vec<(String, usize)> = cb
            .walk()
            .iter()
            .map(|(c, _)| {
                (
                    c.id.clone(),
                    project.codings.values().filter(|x| x.code == c.id).count(),
                )
            })
            .collect();
        counts.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        let top: Vec<String> = counts.iter().take(9).map(|(id, _)| id.clone()).collect();
        let number = |id: &str| top.iter().position(|t| t == id).map(|i| i + 1);
        let f = p.filter.trim().to_lowercase();
        let mut items: Vec<(i64, PickItem)> = Vec::new();
        let mut order: Vec<String> = self
            .recent
            .iter()
            .filter(|id| cb.get(id).is_some())
            .cloned()
            .collect();
        for (c, _) in cb.walk() {
            if !order.contains(&c.id) {
                order.push(c.id.clone());
            }
        }
        for (i, id) in order.iter().enumerate() {
            let path = cb.path(id);
            let score = if f.is_empty() {
                Some(0)
            } else {
                fuzzy_score(&path.to_lowercase(), &f)
            };
            if let Some(s) = score {
                let rank = i64::try_from(i).unwrap_or(i64::MAX);
                items.push((
                    s * 1000 - rank,
                    PickItem {
                        code: Some(id.clone()),
                        label: path,
                        number: if f.is_empty() { number(id) } else { None },
                    },
                ));
            }
        }
        if !f.is_empty() {
            items.sort_by_key(|(s, _)| std::cmp::Reverse(*s));
        }
        let mut out: Vec<PickItem> = items.into_iter().map(|(_, i)| i).collect();
        let exact = out.iter().any(|i| i.label.to_lowercase() == f);
        if !f.is_empty() && !exact {
            out.push(PickItem {
                code: None,
                label: format!("+ new code {}", p.filter.trim()),
                number: None,
            });
        }
        out
    }

    /// Handles a key: popups first, then text fields, then the keymap.
    pub fn on_key(&mut self, key: KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if let Some(Popup::Memo(_)) = &self.popup {
            let action = match (key.code, ctrl) {
                (KeyCode::Char('s'), true) => Action::SaveMemo,
                (KeyCode::Esc, _) => Action::Escape,
                _ => Action::EditorKey(key),
            };
            self.update(action);
            return;
        }
        let typing = match &self.popup {
            Some(Popup::Prompt(_) | Popup::Picker(_)) => true,
            Some(Popup::Confirm(..) | Popup::Help) => false,
            Some(Popup::Memo(_)) => true,
            None => {
                (self.view == View::Search) || (self.view == View::Documents && self.doc_filtering)
            }
        };
        if let Some(Popup::Picker(p)) = &self.popup
            && p.filter.is_empty()
            && let KeyCode::Char(c @ '1'..='9') = key.code
        {
            self.update(Action::Type(c));
            return;
        }
        if typing && !ctrl {
            match key.code {
                KeyCode::Char(c) => {
                    self.update(Action::Type(c));
                    return;
                }
                KeyCode::Backspace => {
                    self.update(Action::Backspace);
                    return;
                }
                _ => {}
            }
        }
        if let Some(Popup::Confirm(..)) = &self.popup {
            let yes = matches!(key.code, KeyCode::Char('y' | 'Y'));
            self.update(if yes { Action::Enter } else { Action::Escape });
            return;
        }
        let context = match &self.popup {
            Some(Popup::Picker(_) | Popup::Prompt(_)) => Context::Picker,
            _ => Context::View(self.view),
        };
        if let Some(a) = keymap::lookup(&self.keymap, context, &key) {
            self.update(a);
        }
    }

    /// Plans an autocoding run over the project's index (opened when first needed).
    fn plan_autocode(
        &mut self,
        req: &crate::ops::autocode::Request,
    ) -> crate::Result<crate::ops::autocode::Plan> {
        let project = self.session.project();
        let idx = match &mut self.index {
            Some(idx) => idx,
            slot @ None => slot.insert(SearchIndex::open(project)?.0),
        };
        crate::ops::autocode::plan(project, idx, self.session.coder(), req)
    }

    fn set_error(&mut self, e: impl std::fmt::Display) {
        self.status = format!("error: {e}");
    }

    fn changed(&mut self) {
        self.index = None;
        if !self.query.trim().is_empty() {
            self.query_dirty = Some(
                Instant::now()
                    .checked_sub(DEBOUNCE)
                    .unwrap_or_else(Instant::now),
            );
        }
        if let Err(e) = crate::index::refresh(self.session.project()) {
            self.status = format!("{} (the search index will catch up: {e})", self.status);
        }
        *self.reader.cache.borrow_mut() = None;
    }

    /// Applies an action to the state.
    pub fn update(&mut self, action: Action) {
        self.apply(action);
        if self.view == View::Names && self.suggestions.is_none() {
            self.name_suggestions();
        }
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Resize(w, h) => self.size = (w, h),
            Action::Tick => self.run_search_if_due(false),
            _ => {}
        }
        if self.popup.is_some() {
            self.update_popup(action);
            return;
        }
        match action {
            Action::Help => self.popup = Some(Popup::Help),
            Action::NextView | Action::PrevView => {
                let i = VIEWS.iter().position(|v| *v == self.view).unwrap_or(0);
                let n = VIEWS.len();
                let j = if action == Action::NextView {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.view = VIEWS[j];
            }
            Action::GoView(v) => self.view = v,
            Action::Undo => match self.session.undo() {
                Ok(Some(l)) => {
                    self.status = format!("undid: {l}");
                    self.after_undo();
                }
                Ok(None) => self.status = "nothing to undo".into(),
                Err(e) => self.set_error(e),
            },
            Action::Redo => match self.session.redo() {
                Ok(Some(l)) => {
                    self.status = format!("redid: {l}");
                    self.after_undo();
                }
                Ok(None) => self.status = "nothing to redo".into(),
                Err(e) => self.set_error(e),
            },
            Action::Quit | Action::Resize(..) | Action::Tick => {}
            other => match self.view {
                View::Documents => self.update_documents(other),
                View::Reader => self.update_reader(other),
                View::Codebook => self.update_codebook(other),
                View::Search => self.update_search(other),
                View::Excerpts => self.update_excerpts(other),
                View::Memos => self.update_memos(other),
                View::Names => self.update_names(other),
            },
        }
    }

    fn after_undo(&mut self) {
        self.changed();
        self.suggestions = None;
        if let Some(d) = self.doc().map(|d| d.chars) {
            self.reader.cursor = self.reader.cursor.min(d);
        }
        self.reader.editing = None;
        self.reader.anchor = None;
    }

    fn move_list(sel: &mut usize, len: usize, action: &Action, page: usize) {
        let last = len.saturating_sub(1);
        *sel = match action {
            Action::Up => sel.saturating_sub(1),
            Action::Down => (*sel + 1).min(last),
            Action::PageUp => sel.saturating_sub(page),
            Action::PageDown => (*sel + page).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            _ => *sel,
        }
        .min(last);
    }

    fn update_documents(&mut self, action: Action) {
        let rows = self.doc_rows().len();
        let page = self.body_height().saturating_sub(3);
        match action {
            Action::Filter => {
                self.doc_filtering = true;
                self.status = "type to filter; Enter or Esc ends".into();
            }
            Action::Type(c) => {
                self.doc_filter.push(c);
                self.doc_sel = 0;
            }
            Action::Backspace => {
                self.doc_filter.pop();
            }
            Action::DeleteWord => delete_word(&mut self.doc_filter),
            Action::ClearField => self.doc_filter.clear(),
            Action::Escape => {
                if self.doc_filtering {
                    self.doc_filtering = false;
                } else {
                    self.doc_filter.clear();
                }
            }
            Action::Sort => {
                self.doc_sort = match self.doc_sort {
                    DocSort::Imported => DocSort::Title,
                    DocSort::Title => DocSort::Codings,
                    DocSort::Codings => DocSort::Imported,
                };
            }
            Action::Enter => {
                if self.doc_filtering {
                    self.doc_filtering = false;
                    return;
                }
                let id = self.doc_rows().get(self.doc_sel).map(|d| d.id.clone());
                if let Some(id) = id {
                    self.open_doc(&id, None);
                }
            }
            a => Self::move_list(&mut self.doc_sel, rows, &a, page),
        }
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

    fn keep_cursor_visible(&mut self) {
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
    fn window(&self, pos: usize) -> (usize, String) {
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
    fn bounds(&self, pos: usize) -> Vec<usize> {
        let (from, text) = self.window(pos);
        let mut v = vec![from];
        let mut at = from;
        for g in text.graphemes(true) {
            at += g.chars().count();
            v.push(at);
        }
        v
    }

    /// Starts and ends of the words around `pos`.
    fn words_around(&self, pos: usize) -> (Vec<usize>, Vec<usize>) {
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
    fn sentences_around(&self, pos: usize) -> Vec<(usize, usize)> {
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
            let body: String = text
                .chars()
                .skip(t.start - from)
                .take(t.end - t.start)
                .collect();
            let mut at = t.start;
            for s in body.split_sentence_bounds() {
                let n = s.chars().count();
                let lead = s.chars().take_while(|c| c.is_whitespace()).count();
                let trail = s.chars().rev().take_while(|c| c.is_whitespace()).count();
                if lead < n {
                    out.push((at + lead, at + n - trail));
                }
                at += n;
            }
        }
        out
    }

    fn coding_at(&self, c: usize) -> Option<crate::model::Coding> {
        let doc = self.doc()?;
        self.project()
            .codings
            .values()
            .filter(|x| x.doc == doc.id && x.start <= c && c < x.end)
            .min_by(|a, b| {
                (a.end - a.start, a.start, a.end, &a.id).cmp(&(
                    b.end - b.start,
                    b.start,
                    b.end,
                    &b.id,
                ))
            })
            .cloned()
    }

    fn move_cursor(&mut self, to: usize, extend: bool) {
        if extend && self.reader.anchor.is_none() {
            self.reader.anchor = Some(self.reader.cursor);
        }
        self.reader.cursor = to;
        self.keep_cursor_visible();
    }

    fn update_reader(&mut self, action: Action) {
        let Some(doc) = self.doc().cloned() else {
            self.status = "no document open: choose one in Documents (1)".into();
            return;
        };
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
                Some(c) => match self.session.remove_codings(std::slice::from_ref(&c.id)) {
                    Ok(_) => {
                        self.status = format!(
                            "removed a coding of {} (u undoes)",
                            self.project().codebook.path(&c.code)
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
                    self.status = format!(
                        "moving {}: [ ] start, < > end, Enter keeps, Esc cancels",
                        self.project().codebook.path(&c.code)
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
                            self.status = format!("coding now {}..{} (u undoes)", c.start, c.end);
                            self.changed();
                        }
                        Err(err) => self.set_error(err),
                    }
                }
            }
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
                    area.set_placeholder_text("the turn's text; Ctrl-s saves, Esc cancels");
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
                    self.reader.anchor = Some(from);
                    self.reader.cursor = c;
                    self.keep_cursor_visible();
                }
            }
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

    fn open_memo(&mut self, target: MemoTarget, title: String) {
        let existing = self
            .project()
            .memos_on(&target)
            .first()
            .map(|m| (m.id.clone(), m.text.clone()));
        let (id, text) = match existing {
            Some((id, text)) => (Some(id), text),
            None => (None, String::new()),
        };
        let mut area = TextArea::new(text.lines().map(str::to_string).collect());
        area.set_placeholder_text("Write the memo; Ctrl-s saves, Esc cancels");
        self.popup = Some(Popup::Memo(Box::new(MemoEditor {
            area,
            target,
            id,
            title,
            turn: None,
        })));
    }

    fn update_codebook(&mut self, action: Action) {
        let rows = self.code_rows();
        let page = self.body_height().saturating_sub(3);
        let sel = rows.get(self.code_sel).map(|(id, _)| id.clone());
        let prompt = |label: &str, text: String, purpose: Purpose| {
            Some(Popup::Prompt(Prompt {
                label: label.into(),
                text,
                purpose,
            }))
        };
        match (action, sel) {
            (Action::AddCode, sel) => {
                let prefix = sel
                    .map(|id| format!("{}/", self.project().codebook.path(&id)))
                    .unwrap_or_default();
                self.popup = prompt("new code path", prefix, Purpose::AddCode);
            }
            (Action::RenameCode, Some(id)) => {
                let name = self
                    .project()
                    .codebook
                    .get(&id)
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
                self.popup = prompt("new name", name, Purpose::RenameCode(id));
            }
            (Action::MoveCode, Some(id)) => {
                self.popup = prompt(
                    "move under (empty: top level)",
                    String::new(),
                    Purpose::MoveCode(id),
                )
            }
            (Action::MergeCode, Some(id)) => {
                self.popup = prompt("merge into", String::new(), Purpose::MergeCode(id))
            }
            (Action::DescribeCode, Some(id)) => {
                let d = self
                    .project()
                    .codebook
                    .get(&id)
                    .map(|c| c.description.clone())
                    .unwrap_or_default();
                self.popup = prompt("description", d, Purpose::DescribeCode(id));
            }
            (Action::ColorCode, Some(id)) => {
                self.popup = prompt(
                    "colour (#rrggbb, red, blue, …, none)",
                    String::new(),
                    Purpose::ColorCode(id),
                )
            }
            (Action::DeleteCode, Some(id)) => {
                let n = self.session.codings_under(&id);
                let q = format!(
                    "delete {} and its {}? y/n",
                    self.project().codebook.path(&id),
                    plural(n, "coding")
                );
                self.popup = Some(Popup::Confirm(Confirm::DeleteCode(id), q));
            }
            (Action::ToggleCollapse, Some(id)) => {
                if !self.collapsed.remove(&id) {
                    self.collapsed.insert(id);
                }
            }
            (Action::MemoHere, Some(id)) => {
                let title = format!("memo on {}", self.project().codebook.path(&id));
                self.open_memo(MemoTarget::Code(id), title);
            }
            (Action::Enter, Some(id)) => {
                self.ex_code = Some(id);
                self.ex_sel = 0;
                self.view = View::Excerpts;
            }
            (a, _) => Self::move_list(&mut self.code_sel, rows.len(), &a, page),
        }
    }

    fn run_search_if_due(&mut self, now: bool) {
        let Some(t) = self.query_dirty else { return };
        if !now && t.elapsed() < DEBOUNCE {
            return;
        }
        self.query_dirty = None;
        if self.query.trim().is_empty() {
            self.results = None;
            self.search_error = None;
            return;
        }
        let project = self.session.project();
        let idx = match &mut self.index {
            Some(idx) => idx,
            slot @ None => match SearchIndex::open(project) {
                Ok((idx, _)) => slot.insert(idx),
                Err(e) => {
                    self.search_error = Some(e.to_string());
                    return;
                }
            },
        };
        {
            match idx.search(project, &self.query, Some(SHOWN_HITS)) {
                Ok(r) => {
                    self.results = Some(r);
                    self.search_error = None;
                    self.hit_sel = 0;
                    self.marked.clear();
                }
                Err(e) => self.search_error = Some(e.to_string()),
            }
        }
    }

    /// Saves the memo being written when the session ends other than by the user's choice
    /// (a signal, the terminal gone), so that no typed thought is lost: as a memo, which `u`
    /// undoes. A correction of a transcript's turn is not applied half-typed. Returns what it
    /// did, if anything.
    pub fn keep_draft(&mut self) -> Option<String> {
        let Some(Popup::Memo(ed)) = &self.popup else {
            return None;
        };
        if ed.turn.is_some() {
            return None;
        }
        let text = ed.area.lines().join("\n");
        let saved = ed
            .id
            .as_ref()
            .and_then(|id| self.project().memos.get(id))
            .map(|m| m.text.as_str());
        if text.trim().is_empty() || saved == Some(text.as_str()) {
            return None;
        }
        let (id, target) = (ed.id.clone(), ed.target.clone());
        Some(match self.session.set_memo(id.as_deref(), target, &text) {
            Ok(_) => {
                self.popup = None;
                "the memo being written was saved (u undoes)".to_string()
            }
            Err(e) => format!("the memo being written could not be saved: {e}"),
        })
    }

    /// Runs the pending search at once (the debounce elapsed).
    pub fn flush_search(&mut self) {
        self.run_search_if_due(true);
    }

    fn update_search(&mut self, action: Action) {
        let n = self.results.as_ref().map_or(0, |r| r.hits.len());
        match action {
            Action::Type(c) => {
                self.query.push(c);
                self.query_dirty = Some(Instant::now());
            }
            Action::Backspace => {
                self.query.pop();
                self.query_dirty = Some(Instant::now());
            }
            Action::DeleteWord => {
                delete_word(&mut self.query);
                self.query_dirty = Some(Instant::now());
            }
            Action::ClearField => {
                self.query.clear();
                self.query_dirty = Some(Instant::now());
            }
            Action::Escape => {
                self.query.clear();
                self.query_dirty = Some(Instant::now());
            }
            Action::ToggleMark => {
                if !self.marked.remove(&self.hit_sel) && n > 0 {
                    self.marked.insert(self.hit_sel);
                }
            }
            Action::Autocode => {
                self.flush_search();
                let Some(r) = &self.results else { return };
                if r.hits.is_empty() {
                    self.status = "no hits to code".into();
                    return;
                }
                let (turns, count) = if self.marked.is_empty() {
                    (None, r.total)
                } else {
                    let t: Vec<(String, usize)> = self
                        .marked
                        .iter()
                        .filter_map(|i| r.hits.get(*i))
                        .map(|h| (h.doc.clone(), h.turn))
                        .collect();
                    let n = t.len();
                    (Some(t), n)
                };
                self.popup = Some(Popup::Picker(Picker {
                    filter: String::new(),
                    selected: 0,
                    target: PickFor::Autocode {
                        query: self.query.clone(),
                        turns,
                        count,
                        unit: self.unit,
                    },
                }));
            }
            Action::CycleUnit => {
                self.unit = match self.unit {
                    Unit::Match => Unit::Sentence,
                    Unit::Sentence => Unit::Turn,
                    Unit::Turn => Unit::Match,
                };
                self.status = format!("autocode codes {}", unit_name(self.unit));
            }
            Action::Enter => {
                self.flush_search();
                let hit = self
                    .results
                    .as_ref()
                    .and_then(|r| r.hits.get(self.hit_sel))
                    .cloned();
                if let Some(h) = hit {
                    let at = h.matches.first().map_or(h.start, |m| m.0);
                    self.open_doc(&h.doc, Some(at));
                }
            }
            a => {
                let page = self.body_height().saturating_sub(4) / 3;
                Self::move_list(&mut self.hit_sel, n, &a, page.max(1));
            }
        }
    }

    fn update_excerpts(&mut self, action: Action) {
        let n = self.excerpt_rows().len();
        match action {
            Action::Filter => {
                let text = self
                    .ex_filter
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                self.popup = Some(Popup::Prompt(Prompt {
                    label: "filter (role=parent wave=2 coder=anna)".into(),
                    text,
                    purpose: Purpose::ExcerptFilter,
                }));
            }
            Action::ToggleContext => self.ex_context = !self.ex_context,
            Action::Escape => {
                self.ex_filter.clear();
                self.ex_code = None;
            }
            Action::Enter => {
                if let Some(e) = self.excerpt_rows().get(self.ex_sel).cloned() {
                    self.open_doc(&e.doc, Some(e.start));
                    self.reader.anchor = Some(e.start);
                    self.reader.cursor = e.end;
                }
            }
            a => Self::move_list(&mut self.ex_sel, n, &a, 3),
        }
    }

    fn update_memos(&mut self, action: Action) {
        let rows = self.memo_rows();
        match action {
            Action::NewMemo => self.open_memo_new(),
            Action::Enter => {
                if let Some(m) = rows.get(self.memo_sel) {
                    let mut area = TextArea::new(m.text.lines().map(str::to_string).collect());
                    area.set_placeholder_text("Write the memo; Ctrl-s saves, Esc cancels");
                    self.popup = Some(Popup::Memo(Box::new(MemoEditor {
                        area,
                        target: m.target.clone(),
                        id: Some(m.id.clone()),
                        title: "memo".into(),
                        turn: None,
                    })));
                }
            }
            Action::DeleteMemo => {
                if let Some(m) = rows.get(self.memo_sel) {
                    self.popup = Some(Popup::Confirm(
                        Confirm::DeleteMemo(m.id.clone()),
                        "delete this memo? y/n".into(),
                    ));
                }
            }
            a => Self::move_list(&mut self.memo_sel, rows.len(), &a, 3),
        }
    }

    /// The name suggestions, computed once until the register changes.
    pub fn name_suggestions(&mut self) -> &[crate::analysis::names::Suggestion] {
        if self.suggestions.is_none() {
            self.suggestions = Some(crate::analysis::names::suggest(self.session.project(), 2));
        }
        self.suggestions.as_deref().unwrap_or(&[])
    }

    fn update_names(&mut self, action: Action) {
        let n = self.name_suggestions().len();
        match action {
            Action::Enter | Action::NewMemo => {
                let sel = self.name_sel;
                let name = self.name_suggestions().get(sel).map(|s| s.name.clone());
                if let Some(name) = name {
                    self.popup = Some(Popup::Prompt(Prompt {
                        label: format!("exports show {name} as"),
                        text: crate::ops::names::default_replacement(self.project()).into(),
                        purpose: Purpose::RegisterName(name),
                    }));
                }
            }
            a => Self::move_list(&mut self.name_sel, n, &a, 5),
        }
    }

    fn open_memo_new(&mut self) {
        let mut area = TextArea::default();
        area.set_placeholder_text("Write the memo; Ctrl-s saves, Esc cancels");
        self.popup = Some(Popup::Memo(Box::new(MemoEditor {
            area,
            target: MemoTarget::Project,
            id: None,
            title: "project memo".into(),
            turn: None,
        })));
    }

    fn update_popup(&mut self, action: Action) {
        let Some(popup) = self.popup.take() else {
            return;
        };
        match popup {
            Popup::Help => {
                if !matches!(
                    action,
                    Action::Help | Action::Escape | Action::Enter | Action::Quit
                ) {
                    self.popup = Some(Popup::Help);
                }
            }
            Popup::Confirm(what, q) => match action {
                Action::Enter => {
                    let r = match &what {
                        Confirm::DeleteCode(id) => self.session.delete_code(id).map(|(c, n)| {
                            format!(
                                "deleted {} and {} (u undoes)",
                                plural(c, "code"),
                                plural(n, "coding")
                            )
                        }),
                        Confirm::DeleteMemo(id) => self
                            .session
                            .remove_memo(id)
                            .map(|_| "memo deleted (u undoes)".to_string()),
                    };
                    match r {
                        Ok(m) => {
                            self.status = m;
                            self.changed();
                        }
                        Err(e) => self.set_error(e),
                    }
                }
                Action::Escape => self.status = "left as it was".into(),
                _ => self.popup = Some(Popup::Confirm(what, q)),
            },
            Popup::Memo(mut ed) => match action {
                Action::SaveMemo if ed.turn.is_some() => {
                    let Some((doc, a, b)) = ed.turn.clone() else {
                        return;
                    };
                    let edited = ed.area.lines().join("\n");
                    let text = self
                        .project()
                        .text(&doc)
                        .map(|t| t.to_string())
                        .unwrap_or_default();
                    let idx = crate::model::text::CharIndex::new(&text);
                    let new = format!(
                        "{}{}{}",
                        idx.slice(&text, 0, a),
                        edited,
                        idx.slice(&text, b, idx.len())
                    );
                    match self.session.edit_document(&doc, &new) {
                        Ok(r) if !r.changed => self.status = "no change".into(),
                        Ok(r) => {
                            self.status = format!(
                                "corrected (revision {}): {} codings kept their words, {} flagged ! (y keeps one, u undoes)",
                                r.revision,
                                r.kept,
                                r.stale.len()
                            );
                            self.changed();
                        }
                        Err(e) => {
                            self.set_error(e);
                            self.popup = Some(Popup::Memo(ed));
                        }
                    }
                }
                Action::SaveMemo => {
                    let text = ed.area.lines().join("\n");
                    let r = if text.trim().is_empty() {
                        match &ed.id {
                            Some(id) => self
                                .session
                                .remove_memo(id)
                                .map(|_| "memo removed".to_string()),
                            None => Ok("empty memo not saved".to_string()),
                        }
                    } else {
                        self.session
                            .set_memo(ed.id.as_deref(), ed.target.clone(), &text)
                            .map(|_| "memo saved".to_string())
                    };
                    match r {
                        Ok(m) => self.status = m,
                        Err(e) => {
                            self.set_error(e);
                            self.popup = Some(Popup::Memo(ed));
                        }
                    }
                }
                Action::Escape => self.status = "memo not saved".into(),
                Action::EditorKey(k) => {
                    ed.area.input(k);
                    self.popup = Some(Popup::Memo(ed));
                }
                _ => self.popup = Some(Popup::Memo(ed)),
            },
            Popup::Prompt(mut p) => match action {
                Action::Type(c) => {
                    p.text.push(c);
                    self.popup = Some(Popup::Prompt(p));
                }
                Action::Backspace => {
                    p.text.pop();
                    self.popup = Some(Popup::Prompt(p));
                }
                Action::DeleteWord => {
                    delete_word(&mut p.text);
                    self.popup = Some(Popup::Prompt(p));
                }
                Action::ClearField => {
                    p.text.clear();
                    self.popup = Some(Popup::Prompt(p));
                }
                Action::Enter => self.submit_prompt(p),
                Action::Escape => {}
                _ => self.popup = Some(Popup::Prompt(p)),
            },
            Popup::Picker(mut p) => {
                let items = self.pick_items(&p);
                match action {
                    Action::Type(c @ '1'..='9') if p.filter.is_empty() => {
                        let n = c.to_digit(10).and_then(|d| usize::try_from(d).ok());
                        match items.iter().find(|i| i.number == n) {
                            Some(item) => self.apply_pick(&p.target, item.clone()),
                            None => self.popup = Some(Popup::Picker(p)),
                        }
                    }
                    Action::Type(c) => {
                        p.filter.push(c);
                        p.selected = 0;
                        self.popup = Some(Popup::Picker(p));
                    }
                    Action::Backspace => {
                        p.filter.pop();
                        p.selected = 0;
                        self.popup = Some(Popup::Picker(p));
                    }
                    Action::DeleteWord | Action::ClearField => {
                        if action == Action::DeleteWord {
                            delete_word(&mut p.filter);
                        } else {
                            p.filter.clear();
                        }
                        p.selected = 0;
                        self.popup = Some(Popup::Picker(p));
                    }
                    Action::Up | Action::Down => {
                        Self::move_list(&mut p.selected, items.len(), &action, 1);
                        self.popup = Some(Popup::Picker(p));
                    }
                    Action::Enter => match items.get(p.selected) {
                        Some(item) => {
                            let mut item = item.clone();
                            if item.code.is_none() {
                                item.label = p.filter.trim().to_string();
                            }
                            self.apply_pick(&p.target, item);
                        }
                        None => self.popup = Some(Popup::Picker(p)),
                    },
                    Action::Escape => {}
                    _ => self.popup = Some(Popup::Picker(p)),
                }
            }
        }
    }

    fn apply_pick(&mut self, target: &PickFor, item: PickItem) {
        let code = match item.code {
            Some(c) => c,
            None => match self.session.add_code(&item.label, "", None) {
                Ok(id) => id,
                Err(e) => {
                    self.set_error(e);
                    return;
                }
            },
        };
        self.recent.retain(|c| *c != code);
        self.recent.insert(0, code.clone());
        let path = self.project().codebook.path(&code);
        match target {
            PickFor::Span(doc, a, b) => {
                match self.session.add_codings(doc, &code, &[(*a, *b)], None) {
                    Ok(_) => {
                        self.status = format!("coded {path} (u undoes)");
                        self.reader.anchor = None;
                        self.changed();
                    }
                    Err(e) => self.set_error(e),
                }
            }
            PickFor::Autocode {
                query, turns, unit, ..
            } => {
                use crate::ops::autocode;
                let req = autocode::Request {
                    query: query.clone(),
                    code,
                    unit: *unit,
                    scope: turns
                        .clone()
                        .map_or(autocode::Scope::All, autocode::Scope::Turns),
                };
                let result = self
                    .plan_autocode(&req)
                    .and_then(|plan| autocode::apply(&mut self.session, &plan, None));
                match result {
                    Ok(r) => {
                        self.status = format!(
                            "coded {} with {path} ({} already coded; u undoes)",
                            plural(r.coded, "passage"),
                            r.already
                        );
                        self.changed();
                    }
                    Err(e) => self.set_error(e),
                }
            }
        }
    }

    fn submit_prompt(&mut self, p: Prompt) {
        let text = p.text.trim().to_string();
        let cb = self.project().codebook.clone();
        let find = |path: &str| cb.find(path).map(|c| c.id.clone());
        let result: crate::Result<String> = match p.purpose {
            Purpose::AddCode => self
                .session
                .add_code(&text, "", None)
                .map(|id| format!("added {}", self.session.project().codebook.path(&id))),
            Purpose::RenameCode(id) => self
                .session
                .rename_code(&id, &text)
                .map(|()| format!("renamed to {text}")),
            Purpose::MoveCode(id) => {
                let parent = if text.is_empty() {
                    Ok(None)
                } else {
                    find(&text).map(Some)
                };
                parent
                    .and_then(|pa| self.session.move_code(&id, pa.as_deref()))
                    .map(|()| "moved".to_string())
            }
            Purpose::MergeCode(id) => find(&text)
                .and_then(|into| self.session.merge_codes(&id, &into))
                .map(|n| format!("merged ({} moved)", plural(n, "coding"))),
            Purpose::DescribeCode(id) => self
                .session
                .describe_code(&id, &text)
                .map(|()| "described".to_string()),
            Purpose::ColorCode(id) => {
                let c = if text.eq_ignore_ascii_case("none") || text.is_empty() {
                    Ok(None)
                } else {
                    crate::model::codebook::parse_color(&text).map(Some)
                };
                c.and_then(|c| self.session.color_code(&id, c))
                    .map(|()| "coloured".to_string())
            }
            Purpose::JumpToTurn => {
                let n: Option<usize> = text.parse().ok();
                match n.and_then(|n| crate::model::turn(&self.turns(), n).map(|t| t.start)) {
                    Some(at) => {
                        self.reader.anchor = None;
                        self.move_cursor(at, false);
                        return;
                    }
                    None => Err(crate::Error::invalid(format!(
                        "no turn {text:?} in this document"
                    ))),
                }
            }
            Purpose::RegisterName(name) => crate::ops::names::register(
                &mut self.session,
                crate::ops::names::Registration {
                    name,
                    replacement: (!text.is_empty()).then(|| text.clone()),
                    ..Default::default()
                },
            )
            .map(|r| {
                self.suggestions = None;
                format!(
                    "registered {}: exports show {}{}",
                    r.entry.name,
                    r.entry.replacement,
                    if r.replacement_leaks {
                        " (the replacement itself holds a registered name: exports will refuse)"
                    } else {
                        ""
                    }
                )
            }),
            Purpose::Compare => {
                let parts: Vec<String> = text
                    .split([',', ' '])
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect();
                match parts.as_slice() {
                    [a, b] if a != b => {
                        self.status = format!("margin: {a} left, {b} right (K ends)");
                        self.reader.compare = Some((a.clone(), b.clone()));
                    }
                    _ => self.set_error("give two different coders, e.g. anna,bo"),
                }
                return;
            }
            Purpose::ExcerptFilter => {
                let mut f = Vec::new();
                for part in text.split_whitespace() {
                    match part.split_once('=') {
                        Some((k, v)) if !k.is_empty() => f.push((k.to_string(), v.to_string())),
                        _ => {
                            self.set_error(format!("{part:?} is not KEY=VALUE"));
                            return;
                        }
                    }
                }
                self.ex_filter = f;
                self.ex_sel = 0;
                return;
            }
        };
        match result {
            Ok(m) => {
                self.status = m;
                self.changed();
            }
            Err(e) => self.set_error(e),
        }
    }
}

/// A fuzzy match score of `needle` as a subsequence of `hay` (higher is better).
pub fn fuzzy_score(hay: &str, needle: &str) -> Option<i64> {
    if hay.contains(needle) {
        let at = hay.find(needle).unwrap_or(0);
        return Some(1000 - i64::try_from(at).unwrap_or(0));
    }
    let mut score = 0;
    let mut last: Option<usize> = None;
    let chars: Vec<char> = hay.chars().collect();
    let mut i = 0;
    for n in needle.chars() {
        let found = chars[i..].iter().position(|c| *c == n)? + i;
        score += if last.is_some_and(|l| l + 1 == found) {
            10
        } else {
            1
        };
        last = Some(found);
        i = found + 1;
    }
    Some(score)
}

/// Deletes the last word of a text field and the spaces after it, as Ctrl-w does in a shell.
fn delete_word(text: &mut String) {
    let kept = text.trim_end().len();
    text.truncate(kept);
    let start = text
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    text.truncate(start);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::prepare;
    use crate::store::project::ImportOptions;

    const TEXT: &str = "Intervjuer: Hvordan var det?\nForelder: Blåbær og æøå er fint. Vi venter på NAV! 👍🏽 Ja.\nIntervjuer: Og q\u{301}tter det?\n";

    fn app() -> (tempfile::TempDir, App) {
        let dir = tempfile::tempdir().unwrap();
        Project::init(dir.path(), "t", &["no".into()], "anna").unwrap();
        let f = dir.path().join("i.txt");
        std::fs::write(&f, TEXT).unwrap();
        let mut s = Session::open(dir.path(), "anna").unwrap();
        s.import(vec![prepare(&f, None).unwrap()], &ImportOptions::default())
            .unwrap();
        s.add_code("trust/personal", "", None).unwrap();
        let mut a = App::new(s, (100, 30));
        a.open_doc("i", None);
        (dir, a)
    }

    fn selected(a: &App) -> String {
        let (x, y) = a.selection().unwrap();
        let text = a.project().text("i").unwrap();
        slice_chars(&text, x, y).to_string()
    }

    fn key(a: &mut App, c: char) {
        a.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }

    #[test]
    fn selection_by_word_sentence_and_turn_over_multilingual_text() {
        let (_d, mut a) = app();
        a.update(Action::TurnNext);
        a.update(Action::ExtendWordNext);
        assert_eq!(selected(&a), "Blåbær");
        a.update(Action::ExtendWordNext);
        a.update(Action::ExtendWordNext);
        assert_eq!(selected(&a), "Blåbær og æøå");
        a.update(Action::ExtendWordPrev);
        assert_eq!(selected(&a), "Blåbær og");
        a.update(Action::Escape);
        assert!(a.selection().is_none());
        a.update(Action::SentenceNext);
        a.update(Action::SelectSentence);
        assert_eq!(selected(&a), "Vi venter på NAV!");
        a.update(Action::Escape);
        a.update(Action::SelectTurn);
        assert_eq!(
            selected(&a),
            "Blåbær og æøå er fint. Vi venter på NAV! 👍🏽 Ja."
        );
        // Grapheme steps never split the thumbs-up with its skin tone, or e + accent.
        a.update(Action::Escape);
        let text = a.project().text("i").unwrap();
        let thumb = text[..text.find('👍').unwrap()].chars().count();
        a.reader.cursor = thumb;
        a.update(Action::ExtendRight);
        assert_eq!(selected(&a), "👍🏽");
        a.update(Action::Escape);
        a.update(Action::TurnNext);
        a.update(Action::WordNext);
        a.update(Action::ExtendWordNext);
        assert_eq!(selected(&a), "q\u{301}tter");
    }

    #[test]
    fn code_picker_filters_creates_and_applies() {
        let (_d, mut a) = app();
        a.update(Action::TurnNext);
        a.update(Action::ExtendWordNext);
        key(&mut a, 'c');
        let Some(Popup::Picker(p)) = &a.popup else {
            panic!("no picker")
        };
        let items = a.pick_items(p);
        assert_eq!(
            items.iter().map(|i| i.label.as_str()).collect::<Vec<_>>(),
            vec!["trust", "trust/personal"]
        );
        for c in "prsnl".chars() {
            key(&mut a, c);
        }
        let Some(Popup::Picker(p)) = &a.popup else {
            panic!("no picker")
        };
        let items = a.pick_items(p);
        assert_eq!(items[0].label, "trust/personal", "fuzzy: p-r-s-n-l");
        assert_eq!(
            items.last().map(|i| i.code.is_none()),
            Some(true),
            "a row creates a new code"
        );
        a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert!(a.popup.is_none());
        assert_eq!(a.project().codings.len(), 1);
        assert!(a.status.starts_with("coded trust/personal"), "{}", a.status);
        // A new code made inline, then digits for the most used codes.
        a.update(Action::SelectTurn);
        key(&mut a, 'c');
        for c in "timing/waiting".chars() {
            key(&mut a, c);
        }
        a.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
        a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert!(a.project().codebook.find("timing/waiting").is_ok());
        assert_eq!(a.project().codings.len(), 2);
        a.update(Action::TurnPrev);
        a.update(Action::SelectTurn);
        key(&mut a, 'c');
        let Some(Popup::Picker(p)) = &a.popup else {
            panic!("no picker")
        };
        let items = a.pick_items(p);
        assert_eq!(items[0].label, "timing/waiting", "recent codes first");
        let one = items
            .iter()
            .find(|i| i.number == Some(1))
            .map(|i| i.label.clone());
        key(&mut a, '1');
        assert!(a.popup.is_none());
        assert_eq!(a.project().codings.len(), 3);
        assert!(
            a.status.contains(one.as_deref().unwrap_or("?")),
            "{}",
            a.status
        );
    }

    #[test]
    fn undo_redo_and_moving_a_coding() {
        let (_d, mut a) = app();
        a.update(Action::TurnNext);
        a.update(Action::SelectTurn);
        key(&mut a, 'c');
        key(&mut a, '1');
        assert_eq!(a.project().codings.len(), 1);
        key(&mut a, 'u');
        assert!(a.project().codings.is_empty());
        assert_eq!(a.status, "undid: code trust");
        a.on_key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL));
        assert_eq!(a.project().codings.len(), 1);
        // Move the coding's start one word later and its end one word earlier.
        a.update(Action::Escape);
        let start = a
            .project()
            .codings
            .values()
            .next()
            .map(|c| c.start)
            .unwrap();
        a.reader.cursor = start + 2;
        key(&mut a, 'e');
        key(&mut a, ']');
        key(&mut a, '<');
        a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        let c = a.project().codings.values().next().unwrap().clone();
        let text = a.project().text("i").unwrap();
        assert_eq!(
            slice_chars(&text, c.start, c.end),
            "og æøå er fint. Vi venter på NAV! 👍🏽 Ja"
        );
        key(&mut a, 'u');
        let c = a.project().codings.values().next().unwrap().clone();
        assert_eq!(c.start, start, "one undo restores the old boundaries");
        // Removing the coding under the cursor.
        a.reader.cursor = start + 1;
        key(&mut a, 'x');
        assert!(a.project().codings.is_empty());
    }

    #[test]
    fn text_fields_take_letters_that_are_keys_elsewhere() {
        let (_d, mut a) = app();
        a.update(Action::GoView(View::Search));
        for c in "venter q".chars() {
            key(&mut a, c);
        }
        assert!(!a.quit, "q typed into the query does not quit");
        assert_eq!(a.query, "venter q");
        a.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        a.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        a.flush_search();
        assert_eq!(a.results.as_ref().map(|r| r.total), Some(1));
        a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(a.view, View::Reader);
        let text = a.project().text("i").unwrap();
        assert!(slice_chars(&text, a.reader.cursor, a.reader.cursor + 6) == "venter");
        a.update(Action::GoView(View::Documents));
        key(&mut a, '/');
        key(&mut a, 'z');
        assert_eq!(a.doc_rows().len(), 0);
        key(&mut a, 'q');
        assert!(!a.quit);
        a.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        a.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        assert_eq!(a.doc_rows().len(), 1);
        key(&mut a, 'q');
        assert!(a.quit);
    }

    #[test]
    fn shell_keys_delete_a_word_and_empty_a_text_field() {
        let ctrl =
            |a: &mut App, code: KeyCode| a.on_key(KeyEvent::new(code, KeyModifiers::CONTROL));
        let mut text = String::from("tillit  speaker:forelder  ");
        delete_word(&mut text);
        assert_eq!(text, "tillit  ");
        delete_word(&mut text);
        assert_eq!(text, "");
        delete_word(&mut text);
        assert_eq!(text, "");
        let mut text = String::from("blåbær æøå");
        delete_word(&mut text);
        assert_eq!(text, "blåbær ");

        let (_d, mut a) = app();
        a.update(Action::GoView(View::Search));
        for c in "venter nav".chars() {
            key(&mut a, c);
        }
        ctrl(&mut a, KeyCode::Char('w'));
        assert_eq!(a.query, "venter ");
        a.flush_search();
        assert_eq!(a.results.as_ref().map(|r| r.total), Some(1));
        ctrl(&mut a, KeyCode::Char('w'));
        assert_eq!(a.query, "");
        for c in "og nav".chars() {
            key(&mut a, c);
        }
        ctrl(&mut a, KeyCode::Char('u'));
        assert_eq!(a.query, "");
        assert!(!a.quit);

        a.update(Action::GoView(View::Documents));
        key(&mut a, '/');
        for c in "x y".chars() {
            key(&mut a, c);
        }
        assert_eq!(a.doc_rows().len(), 0);
        ctrl(&mut a, KeyCode::Char('u'));
        assert_eq!(a.doc_rows().len(), 1, "the filter is empty again");

        a.open_doc("i", None);
        a.update(Action::TurnNext);
        key(&mut a, 'c');
        for c in "trust per".chars() {
            key(&mut a, c);
        }
        ctrl(&mut a, KeyCode::Char('w'));
        let Some(Popup::Picker(p)) = &a.popup else {
            panic!("no picker")
        };
        assert_eq!(p.filter, "trust ");
        ctrl(&mut a, KeyCode::Char('u'));
        let Some(Popup::Picker(p)) = &a.popup else {
            panic!("Ctrl-u keeps the picker open")
        };
        assert_eq!(p.filter, "");
        assert_eq!(a.pick_items(p).len(), 2, "every code again");
        for context in [
            keymap::Context::View(View::Search),
            keymap::Context::View(View::Documents),
            keymap::Context::Picker,
        ] {
            let help = keymap::help_lines(&a.keymap, context);
            for k in ["Ctrl-w", "Ctrl-u"] {
                assert!(help.iter().any(|(key, _)| key == k), "{k} in {context:?}");
            }
        }
    }

    #[test]
    fn one_key_registers_a_suggested_name() {
        let dir = tempfile::tempdir().unwrap();
        Project::init(dir.path(), "t", &["no".into()], "anna").unwrap();
        let f = dir.path().join("i.txt");
        std::fs::write(
            &f,
            "Intervjuer: Og Lise?\nForelder: Jeg ringte Lise i går.\nIntervjuer: Takk.\n",
        )
        .unwrap();
        let mut s = Session::open(dir.path(), "anna").unwrap();
        s.import(vec![prepare(&f, None).unwrap()], &ImportOptions::default())
            .unwrap();
        let mut a = App::new(s, (100, 30));
        key(&mut a, '7');
        assert_eq!(a.view, View::Names);
        assert_eq!(
            a.suggestions.as_ref().map(|v| v[0].name.clone()).as_deref(),
            Some("Lise")
        );
        key(&mut a, 'a');
        a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(a.project().names.names[0].name, "Lise");
        assert_eq!(a.project().names.names[0].replacement, "(navn)");
        assert!(
            a.suggestions.as_ref().is_some_and(Vec::is_empty),
            "registered names leave the list"
        );
        key(&mut a, 'u');
        assert!(
            a.project().names.names.is_empty(),
            "registering is undoable"
        );
    }

    #[test]
    fn a_memo_being_written_is_kept_when_the_session_ends_unasked() {
        let typed = |a: &mut App, text: &str| {
            for c in text.chars() {
                a.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
            }
        };
        let memo_texts = |a: &App| -> Vec<String> {
            a.project().memos.values().map(|m| m.text.clone()).collect()
        };
        let (_d, mut a) = app();
        assert_eq!(a.keep_draft(), None, "no editor open");
        a.update(Action::GoView(View::Memos));
        a.update(Action::NewMemo);
        assert_eq!(a.keep_draft(), None, "nothing typed yet");
        typed(&mut a, "Tillit kommer før tjenester");
        let kept = a.keep_draft().unwrap_or_default();
        assert!(kept.contains("was saved"), "{kept}");
        assert!(a.popup.is_none());
        let memos = memo_texts(&a);
        assert_eq!(memos, ["Tillit kommer før tjenester"]);
        assert_eq!(a.keep_draft(), None, "the editor closed once saved");

        // An existing memo reopened and left as it was is not written again.
        a.update(Action::Enter);
        assert!(matches!(a.popup, Some(Popup::Memo(_))));
        assert_eq!(a.keep_draft(), None);
        // Changed, it is saved in place.
        typed(&mut a, ", tror jeg");
        assert!(a.keep_draft().is_some());
        let memos = memo_texts(&a);
        assert_eq!(memos.len(), 1);
        assert!(memos[0].contains("tror jeg"), "{memos:?}");

        // A half-typed correction of a turn is not applied.
        a.open_doc("i", None);
        a.update(Action::TurnNext);
        let before = a.project().text("i").unwrap().to_string();
        a.on_key(KeyEvent::new(KeyCode::Char('E'), KeyModifiers::SHIFT));
        assert!(matches!(a.popup, Some(Popup::Memo(_))));
        typed(&mut a, "Halv");
        assert_eq!(a.keep_draft(), None);
        assert_eq!(a.project().text("i").unwrap().to_string(), before);
    }

    #[test]
    fn correcting_a_turn_in_place() {
        let (_d, mut a) = app();
        a.update(Action::TurnNext);
        a.update(Action::SelectSentence);
        key(&mut a, 'c');
        key(&mut a, '1');
        let id = a.project().codings.keys().next().cloned().unwrap();
        a.on_key(KeyEvent::new(KeyCode::Char('E'), KeyModifiers::SHIFT));
        assert!(matches!(a.popup, Some(Popup::Memo(_))));
        // Type at the start of the turn, then save.
        for c in "Vel, ".chars() {
            a.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        a.on_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
        assert!(a.popup.is_none(), "{}", a.status);
        assert!(
            a.status
                .starts_with("corrected (revision 1): 1 codings kept their words"),
            "{}",
            a.status
        );
        let text = a.project().text("i").unwrap();
        assert!(
            text.contains("Forelder: Vel, Blåbær og æøå er fint."),
            "{text}"
        );
        let c = a.project().codings[&id].clone();
        assert_eq!(slice_chars(&text, c.start, c.end), "Blåbær og æøå er fint.");
        assert!(!c.stale);
        key(&mut a, 'u');
        assert!(!a.project().text("i").unwrap().contains("Vel, "));
    }

    #[test]
    fn fuzzy_scores() {
        assert!(fuzzy_score("trust/personal", "prsnl").is_some());
        assert!(fuzzy_score("trust/personal", "xyz").is_none());
        assert!(fuzzy_score("trust", "tr") > fuzzy_score("timing/right", "tr"));
    }
}
