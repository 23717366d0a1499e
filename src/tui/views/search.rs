//! The Search view: results as you type (debounced), marking hits, and autocoding them through
//! [`crate::ops::autocode`].

use crate::index::{SearchIndex, Unit};
use crate::model::text::slice_chars;
use crate::tui::action::{Action, View};
use crate::tui::app::{App, delete_word};
use crate::tui::keymap::{self, Context};
use crate::tui::popup::{PickFor, Picker, Popup};
use crate::tui::render::{ColorMode, cut, selected_style};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::time::{Duration, Instant};

/// The Search view's state.
#[derive(Default)]
pub struct SearchView {
    /// The query typed.
    pub query: String,
    /// When the query last changed and has not been run yet.
    pub dirty: Option<Instant>,
    /// The last search's results.
    pub results: Option<crate::index::SearchResults>,
    /// The last search's error.
    pub error: Option<String>,
    /// The selected hit.
    pub sel: usize,
    /// Marked hits.
    pub marked: std::collections::BTreeSet<usize>,
    /// What autocoding codes around each hit.
    pub unit: Unit,
    /// Keys go to the hit list (view keys work) rather than into the query.
    pub on_hits: bool,
    /// The search index, opened when first searched (dropped after a change).
    pub(crate) index: Option<SearchIndex>,
}

/// How long typing must pause before the query runs.
pub(crate) const DEBOUNCE: Duration = Duration::from_millis(180);

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

impl App {
    /// Plans an autocoding run over the project's index (opened when first needed).
    pub(crate) fn plan_autocode(
        &mut self,
        req: &crate::ops::autocode::Request,
    ) -> crate::Result<crate::ops::autocode::Plan> {
        let project = self.session.project();
        let idx = match &mut self.search.index {
            Some(idx) => idx,
            slot @ None => slot.insert(SearchIndex::open(project)?.0),
        };
        crate::ops::autocode::plan(project, idx, self.session.coder(), req)
    }

    pub(crate) fn run_search_if_due(&mut self, now: bool) {
        let Some(t) = self.search.dirty else { return };
        if !now && t.elapsed() < DEBOUNCE {
            return;
        }
        self.search.dirty = None;
        if self.search.query.trim().is_empty() {
            self.search.results = None;
            self.search.error = None;
            return;
        }
        let project = self.session.project();
        let idx = match &mut self.search.index {
            Some(idx) => idx,
            slot @ None => match SearchIndex::open(project) {
                Ok((idx, _)) => slot.insert(idx),
                Err(e) => {
                    self.search.error = Some(e.to_string());
                    return;
                }
            },
        };
        {
            match idx.search(project, &self.search.query, Some(SHOWN_HITS)) {
                Ok(r) => {
                    self.search.results = Some(r);
                    self.search.error = None;
                    self.search.sel = 0;
                    self.search.marked.clear();
                }
                Err(e) => self.search.error = Some(e.to_string()),
            }
        }
    }

    /// Runs the pending search at once (the debounce elapsed).
    pub fn flush_search(&mut self) {
        self.run_search_if_due(true);
    }

    pub(crate) fn update_search(&mut self, action: Action) {
        let n = self.search.results.as_ref().map_or(0, |r| r.hits.len());
        match action {
            Action::Type(c) => {
                self.search.query.push(c);
                self.search.dirty = Some(Instant::now());
            }
            Action::Backspace => {
                self.search.query.pop();
                self.search.dirty = Some(Instant::now());
            }
            Action::DeleteWord => {
                delete_word(&mut self.search.query);
                self.search.dirty = Some(Instant::now());
            }
            Action::ClearField => {
                self.search.query.clear();
                self.search.dirty = Some(Instant::now());
            }
            // Esc leaves the query for the hits, where view keys work; from there it leaves.
            Action::Escape if !self.search.on_hits => {
                self.flush_search();
                self.search.on_hits = true;
                self.status = format!(
                    "in the hits: view keys work; {} edits the query, {} leaves",
                    self.key(Context::View(View::Search), Action::Filter),
                    self.key(Context::Global, Action::Escape)
                );
            }
            Action::Escape => {
                self.view = if self.back == View::Search {
                    View::Documents
                } else {
                    self.back
                };
            }
            Action::Filter => {
                self.search.on_hits = false;
                self.status.clear();
            }
            Action::ToggleMark => {
                if !self.search.marked.remove(&self.search.sel) && n > 0 {
                    self.search.marked.insert(self.search.sel);
                }
            }
            Action::Autocode => {
                self.flush_search();
                let Some(r) = &self.search.results else {
                    return;
                };
                if r.hits.is_empty() {
                    self.status = "no hits to code".into();
                    return;
                }
                let (turns, count) = if self.search.marked.is_empty() {
                    (None, r.total)
                } else {
                    let t: Vec<(String, usize)> = self
                        .search
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
                        query: self.search.query.clone(),
                        turns,
                        count,
                        unit: self.search.unit,
                    },
                }));
            }
            Action::CycleUnit => {
                self.search.unit = match self.search.unit {
                    Unit::Match => Unit::Sentence,
                    Unit::Sentence => Unit::Turn,
                    Unit::Turn => Unit::Match,
                };
                self.status = format!("autocode codes {}", unit_name(self.search.unit));
            }
            Action::Enter => {
                self.flush_search();
                let hit = self
                    .search
                    .results
                    .as_ref()
                    .and_then(|r| r.hits.get(self.search.sel))
                    .cloned();
                if let Some(h) = hit {
                    let at = h.matches.first().map_or(h.start, |m| m.0);
                    self.open_doc(&h.doc, Some(at));
                }
            }
            a => {
                let page = self.body_height().saturating_sub(4) / 3;
                Self::move_list(&mut self.search.sel, n, &a, page.max(1));
            }
        }
    }
}

pub(crate) fn highlighted(
    snippet: &str,
    hl: &[(usize, usize)],
    colors: ColorMode,
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut last = 0;
    let n = snippet.chars().count();
    for &(a, b) in hl {
        spans.push(Span::raw(slice_chars(snippet, last, a).to_string()));
        spans.push(Span::styled(
            slice_chars(snippet, a, b).to_string(),
            colors.style(Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)),
        ));
        last = b;
    }
    spans.push(Span::raw(slice_chars(snippet, last, n).to_string()));
    spans
}

pub(crate) fn render_search(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    let [head, info, list] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    let leave = app.key(Context::Global, Action::Escape);
    let head_text = if app.search.on_hits {
        format!(
            " search: {}  · {} edits the query · {leave} leaves",
            app.search.query,
            app.key(Context::View(View::Search), Action::Filter)
        )
    } else {
        format!(" search: {}▏  · {leave}: to the hits", app.search.query)
    };
    f.render_widget(Paragraph::new(head_text), head);
    let info_text = if let Some(e) = &app.search.error {
        e.lines().next().unwrap_or("").to_string()
    } else if let Some(r) = &app.search.results {
        format!(
            "{} turns in {} documents · {}{}",
            r.total,
            r.documents,
            keymap::hint(
                &app.keymap,
                Context::View(View::Search),
                &[
                    (Action::ToggleMark, "marks"),
                    (
                        Action::Autocode,
                        match app.search.unit {
                            Unit::Match => "codes words",
                            Unit::Sentence => "codes sentences",
                            Unit::Turn => "codes turns",
                        }
                    ),
                    (Action::CycleUnit, "unit"),
                ]
            ),
            if app.search.marked.is_empty() {
                String::new()
            } else {
                format!(" ({} marked)", app.search.marked.len())
            }
        )
    } else {
        "type words, \"phrases\", prefix*, *inside*, fuzzy~1, speaker:, code:, role:…".into()
    };
    f.render_widget(
        Paragraph::new(format!(" {info_text}"))
            .style(colors.style(Style::new().fg(Color::DarkGray))),
        info,
    );
    let Some(r) = &app.search.results else { return };
    let per = 3;
    let fit = (usize::from(list.height) / per).max(1);
    let top = app.search.sel.saturating_sub(fit.saturating_sub(1));
    let mut lines: Vec<Line> = Vec::new();
    let w = usize::from(list.width).saturating_sub(4);
    for (i, h) in r.hits.iter().enumerate().skip(top).take(fit) {
        let mark = if app.search.marked.contains(&i) {
            "*"
        } else {
            " "
        };
        let pointer = if i == app.search.sel { "▶" } else { " " };
        let head = format!("{pointer}{mark}{} · {}", h.doc_title, h.place());
        let style = if i == app.search.sel {
            selected_style(colors)
        } else {
            colors.style(Style::new().add_modifier(Modifier::BOLD))
        };
        lines.push(Line::styled(cut(&head, w + 2), style));
        // Two lines of snippet, broken at a space.
        let chars: Vec<char> = h.snippet.chars().collect();
        let mut first_len = chars.len().min(w);
        if chars.len() > w
            && let Some(sp) = chars[..w].iter().rposition(|c| c.is_whitespace())
            && sp > w / 2
        {
            first_len = sp + 1;
        }
        let second_end = (first_len + w).min(chars.len());
        let first = slice_chars(&h.snippet, 0, first_len).to_string();
        let second = slice_chars(&h.snippet, first_len, second_end).to_string();
        let hl1: Vec<(usize, usize)> = h
            .highlights
            .iter()
            .filter(|(_, b)| *b <= first_len)
            .copied()
            .collect();
        let hl2: Vec<(usize, usize)> = h
            .highlights
            .iter()
            .filter(|(a, b)| *a >= first_len && *b <= second_end)
            .map(|(a, b)| (a - first_len, b - first_len))
            .collect();
        let mut l1 = vec![Span::raw("   ")];
        l1.extend(highlighted(&first, &hl1, colors));
        let mut l2 = vec![Span::raw("   ")];
        l2.extend(highlighted(&second, &hl2, colors));
        lines.push(Line::from(l1));
        lines.push(Line::from(l2));
    }
    f.render_widget(Paragraph::new(lines), list);
}
