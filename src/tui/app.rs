//! The TUI's state and its one update function: `Action -> App::update -> state`.
//!
//! Each view's state is its own struct in `views/` (`documents`, `reader`, `search`, …); `App`
//! holds them with what the views share: the session, the keymap, the popup and the status line.
//! `App` is plain data over a [`Session`]; every change goes through the session, so it is
//! journalled and undoable before the screen shows it. Rendering (in `render.rs`) only reads it.

pub use super::action::{Action, VIEWS, View};
use super::keymap::{self, Binding, Context};
pub use super::popup::{
    Confirm, MemoEditor, PickFor, PickItem, Picker, Popup, Prompt, Purpose, fuzzy_score,
};
pub use super::views::codebook::CodebookView;
pub use super::views::documents::{DocSort, DocumentsView};
pub use super::views::excerpts::ExcerptsView;
pub use super::views::memos::MemosView;
pub use super::views::names::NamesView;
pub use super::views::reader::{EditingCoding, MARGIN_W, ReaderView, SPEAKER_W};
use super::views::search::DEBOUNCE;
pub use super::views::search::{SHOWN_HITS, SearchView, unit_name};
#[cfg(test)]
use crate::model::text::slice_chars;
use crate::model::{Document, Turn};
use crate::store::{Project, Session};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::rc::Rc;
use std::time::Instant;

/// The whole TUI state.
pub struct App {
    /// The writing session (holds the project's write lock).
    pub session: Session,
    /// The keymap.
    pub keymap: Vec<Binding>,
    /// The current view.
    pub view: View,
    /// The view shown before this one (where leaving the Search view goes back to).
    pub back: View,
    /// The popup, if any.
    pub popup: Option<Popup>,
    /// The last message or error.
    pub status: String,
    /// Set when the user quits.
    pub quit: bool,
    /// Terminal size.
    pub size: (u16, u16),
    /// The Documents view.
    pub documents: DocumentsView,
    /// The Reader view.
    pub reader: ReaderView,
    /// The Codebook view.
    pub codebook: CodebookView,
    /// The Search view.
    pub search: SearchView,
    /// The Excerpts view.
    pub excerpts: ExcerptsView,
    /// The Memos view.
    pub memos: MemosView,
    /// Recently applied codes, newest first.
    pub recent: Vec<String>,
    /// First line of the help overlay shown.
    pub help_scroll: usize,
    /// The Names view.
    pub names: NamesView,
    /// Bumped on every change of the project; derived figures of another generation are stale.
    pub(crate) generation: u64,
    /// Figures derived from the project, kept until it changes.
    pub(crate) derived: super::derived::Cache,
    /// Where a mouse drag started (a char offset).
    pub(crate) drag_from: Option<usize>,
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
            back: View::Documents,
            popup: None,
            status: String::new(),
            quit: false,
            size,
            documents: DocumentsView::default(),
            reader: ReaderView::default(),
            codebook: CodebookView::default(),
            search: SearchView::default(),
            excerpts: ExcerptsView::default(),
            memos: MemosView::default(),
            recent: Vec::new(),
            help_scroll: 0,
            names: NamesView::default(),
            generation: 0,
            derived: Default::default(),
            drag_from: None,
        };
        app.status = format!("{} shows the keys", app.key(Context::Global, Action::Help));
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

    /// Handles a key: popups first, then text fields, then the keymap.
    pub fn on_key(&mut self, key: KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if let Some(Popup::Memo(_)) = &self.popup {
            let action = keymap::lookup(&self.keymap, Context::Editor, &key)
                .unwrap_or(Action::EditorKey(key));
            self.update(action);
            return;
        }
        let typing = match &self.popup {
            Some(Popup::Prompt(_) | Popup::Picker(_)) => true,
            Some(Popup::Confirm(..) | Popup::Help | Popup::ChooseCoding(..)) => false,
            Some(Popup::Memo(_)) => true,
            None => {
                (self.view == View::Search && !self.search.on_hits)
                    || (self.view == View::Documents && self.documents.filtering)
            }
        };
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
            // A question is answered yes only by its key; any other key is no.
            let a = keymap::lookup(&self.keymap, Context::Confirm, &key).unwrap_or(Action::Escape);
            self.update(a);
            return;
        }
        let context = match &self.popup {
            Some(Popup::Picker(_) | Popup::Prompt(_) | Popup::ChooseCoding(..)) => Context::Picker,
            _ => Context::View(self.view),
        };
        if let Some(a) = keymap::lookup(&self.keymap, context, &key) {
            self.update(a);
        }
    }

    /// The key bound to `action` in `context` (or everywhere), as help shows it; the action's
    /// description when no key is bound. For status messages, so they stay true after a
    /// rebinding.
    pub fn key(&self, context: Context, action: Action) -> String {
        keymap::key_for(&self.keymap, context, &action).unwrap_or_else(|| action.doc().to_string())
    }

    /// `(u undoes)`, with the key that undoes.
    pub fn undo_hint(&self) -> String {
        format!("({} undoes)", self.key(Context::Global, Action::Undo))
    }

    /// What the memo editor says before anything is typed.
    pub(crate) fn editor_placeholder(&self, what: &str) -> String {
        format!(
            "{what}; {}",
            keymap::hint(
                &self.keymap,
                Context::Editor,
                &[(Action::SaveMemo, "saves"), (Action::Escape, "cancels")]
            )
        )
    }

    pub(crate) fn set_error(&mut self, e: impl std::fmt::Display) {
        self.status = format!("error: {e}");
    }

    pub(crate) fn changed(&mut self) {
        self.search.index = None;
        self.generation += 1;
        if !self.search.query.trim().is_empty() {
            self.search.dirty = Some(
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
        if self.view == View::Names && self.names.suggestions.is_none() {
            self.name_suggestions();
        }
    }

    pub(crate) fn apply(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Resize(w, h) => self.size = (w, h),
            Action::Tick => self.run_search_if_due(false),
            _ => {}
        }
        if self.popup.is_some() {
            // The mouse moving over the screen says nothing to a popup.
            if !matches!(action, Action::Hover(..)) {
                self.update_popup(action);
            }
            return;
        }
        let before = self.view;
        self.apply_view(action);
        if self.view != before {
            self.back = before;
            if self.view == View::Search {
                // Coming to Search is coming to type a query.
                self.search.on_hits = false;
            }
        }
    }

    fn apply_view(&mut self, action: Action) {
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

    pub(crate) fn after_undo(&mut self) {
        self.changed();
        self.names.suggestions = None;
        if let Some(d) = self.doc().map(|d| d.chars) {
            self.reader.cursor = self.reader.cursor.min(d);
        }
        self.reader.editing = None;
        self.reader.anchor = None;
    }

    pub(crate) fn move_list(sel: &mut usize, len: usize, action: &Action, page: usize) {
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
        Some(
            match crate::ops::memos::save(&mut self.session, id.as_deref(), target, &text) {
                Ok(_) => {
                    self.popup = None;
                    format!("the memo being written was saved {}", self.undo_hint())
                }
                Err(e) => format!("the memo being written could not be saved: {e}"),
            },
        )
    }
}

/// Deletes the last word of a text field and the spaces after it, as Ctrl-w does in a shell.
pub(crate) fn delete_word(text: &mut String) {
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
    fn figures_shown_follow_every_change_and_undo() {
        let (_d, mut a) = app();
        a.excerpts.code = None;
        assert_eq!(a.excerpt_rows().len(), 0);
        let before = a.generation;
        a.update(Action::TurnNext);
        a.update(Action::SelectTurn);
        key(&mut a, 'c');
        for c in "trust/personal".chars() {
            key(&mut a, c);
        }
        a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert!(a.generation > before, "a change bumps the generation");
        assert_eq!(a.excerpt_rows().len(), 1, "the excerpts are recomputed");
        let rows = a.excerpt_rows();
        assert!(
            std::rc::Rc::ptr_eq(&rows, &a.excerpt_rows()),
            "and kept while nothing changes"
        );
        a.update(Action::Undo);
        assert_eq!(a.excerpt_rows().len(), 0, "undo is a change too");
    }

    #[test]
    fn status_messages_name_the_keys_as_bound() {
        let (_d, mut a) = app();
        assert_eq!(a.status, "? shows the keys");
        for b in a.keymap.iter_mut().filter(|b| b.action == Action::Undo) {
            b.key.code = KeyCode::Char('z');
        }
        a.update(Action::TurnNext);
        a.update(Action::SelectTurn);
        key(&mut a, 'c');
        for c in "trust".chars() {
            key(&mut a, c);
        }
        a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(a.status, "coded trust (z undoes)");
        key(&mut a, 'z');
        assert!(a.project().codings.is_empty(), "z undoes now");
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
        assert_eq!(a.search.query, "venter q");
        a.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        a.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        a.flush_search();
        assert_eq!(a.search.results.as_ref().map(|r| r.total), Some(1));
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
        assert_eq!(a.search.query, "venter ");
        a.flush_search();
        assert_eq!(a.search.results.as_ref().map(|r| r.total), Some(1));
        ctrl(&mut a, KeyCode::Char('w'));
        assert_eq!(a.search.query, "");
        for c in "og nav".chars() {
            key(&mut a, c);
        }
        ctrl(&mut a, KeyCode::Char('u'));
        assert_eq!(a.search.query, "");
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
            a.names
                .suggestions
                .as_ref()
                .map(|v| v[0].name.clone())
                .as_deref(),
            Some("Lise")
        );
        key(&mut a, 'a');
        a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(a.project().names.names[0].name, "Lise");
        assert_eq!(a.project().names.names[0].replacement, "(navn)");
        assert!(
            a.names.suggestions.as_ref().is_some_and(Vec::is_empty),
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
