//! The Excerpts view: a code's excerpts with its sub-codes, filtered by attributes and coder.

use crate::analysis::{self, Excerpt, ExcerptFilter};
use crate::model::text::slice_chars;
use crate::tui::action::{Action, View};
use crate::tui::app::App;
use crate::tui::keymap::{self, Context};
use crate::tui::popup::{Popup, Prompt, Purpose};
use crate::tui::render::{ColorMode, cut, selected_style};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

impl ExcerptsView {
    /// The filters as typed: `role=parent coder=anna`.
    pub fn filter_text(&self) -> String {
        self.filter
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The Excerpts view's state.
#[derive(Debug, Default)]
pub struct ExcerptsView {
    /// The code shown (every code when `None`).
    pub code: Option<String>,
    /// Filters `key=value` (attributes, or `coder`).
    pub filter: Vec<(String, String)>,
    /// The selected excerpt.
    pub sel: usize,
    /// Show whole turns.
    pub context: bool,
}

impl App {
    /// The excerpts view's rows.
    pub fn excerpt_rows(&self) -> std::rc::Rc<Vec<Excerpt>> {
        let key = (self.excerpts.code.clone(), self.excerpts.filter.clone());
        self.derived.excerpts(self.generation, key, || {
            // The filter is the CLI's `--where`: one rule for both.
            let filter = ExcerptFilter {
                codes: self.excerpts.code.iter().cloned().collect(),
                include_subcodes: true,
                wheres: self.excerpts.filter.clone(),
                ..ExcerptFilter::default()
            };
            analysis::excerpts(self.project(), &filter).unwrap_or_default()
        })
    }

    pub(crate) fn update_excerpts(&mut self, action: Action) {
        let n = self.excerpt_rows().len();
        match action {
            Action::Filter => {
                let text = self.excerpts.filter_text();
                self.popup = Some(Popup::Prompt(Prompt {
                    label: "filter (role=parent wave=2 coder=anna)".into(),
                    text,
                    purpose: Purpose::ExcerptFilter,
                }));
            }
            Action::ToggleContext => self.excerpts.context = !self.excerpts.context,
            Action::TogglePin => {
                if let Some(e) = self.excerpt_rows().get(self.excerpts.sel).cloned() {
                    let change = crate::ops::pins::Change::Toggle(e.coding.clone());
                    match crate::ops::pins::change(&mut self.session, &change) {
                        Ok(r) => {
                            self.status = format!("{} {}", r.describe(), self.undo_hint());
                            self.changed();
                        }
                        Err(err) => self.set_error(err),
                    }
                }
            }
            Action::TrimQuote => {
                if let Some(e) = self.excerpt_rows().get(self.excerpts.sel).cloned() {
                    let text = e
                        .form
                        .clone()
                        .unwrap_or_else(|| e.text.split_whitespace().collect::<Vec<_>>().join(" "));
                    self.popup = Some(Popup::Prompt(Prompt {
                        label: "report form: delete words, put (...) where they were (empty: none)"
                            .into(),
                        text,
                        purpose: Purpose::TrimQuote(e.coding.clone()),
                    }));
                }
            }
            Action::Escape => {
                self.excerpts.filter.clear();
                self.excerpts.code = None;
            }
            Action::Enter => {
                if let Some(e) = self.excerpt_rows().get(self.excerpts.sel).cloned() {
                    self.open_doc(&e.doc, Some(e.start));
                    self.reader.anchor = Some(e.start);
                    self.reader.cursor = e.end;
                }
            }
            a => Self::move_list(&mut self.excerpts.sel, n, &a, 3),
        }
    }
}

pub(crate) fn render_excerpts(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    let p = app.project();
    let rows = app.excerpt_rows();
    let [head, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let code = app
        .excerpts
        .code
        .as_ref()
        .map_or("all codes".to_string(), |c| p.codebook.path(c));
    let filters = app.excerpts.filter_text();
    f.render_widget(
        Paragraph::new(format!(
            " {code} (with sub-codes) · {} excerpts{} · {}",
            rows.len(),
            if filters.is_empty() {
                String::new()
            } else {
                format!(" · {filters}")
            },
            keymap::hint(
                &app.keymap,
                Context::View(View::Excerpts),
                &[
                    (Action::Filter, "filters"),
                    (Action::ToggleContext, "shows the turn"),
                    (Action::TogglePin, "pins"),
                    (Action::Enter, "opens")
                ]
            )
        )),
        head,
    );
    let w = usize::from(list.width).saturating_sub(4);
    let mut lines: Vec<Line> = Vec::new();
    let top = app
        .excerpts
        .sel
        .saturating_sub(usize::from(list.height) / 4);
    for (i, e) in rows.iter().enumerate().skip(top) {
        if lines.len() >= usize::from(list.height) {
            break;
        }
        let head = format!(
            "{}{} · {} · turn {}{} · {}{}",
            if i == app.excerpts.sel { "▶" } else { " " },
            e.code_path,
            e.doc_title,
            e.turn,
            e.speaker
                .as_ref()
                .map(|s| format!(" · {s}"))
                .unwrap_or_default(),
            e.coder,
            e.pinned
                .map(|n| format!(" · pinned #{n}"))
                .unwrap_or_default()
        );
        let style = if i == app.excerpts.sel {
            selected_style(colors)
        } else {
            colors.style(Style::new().add_modifier(Modifier::BOLD))
        };
        lines.push(Line::styled(cut(&head, w + 2), style));
        let body = if app.excerpts.context && i == app.excerpts.sel {
            p.turns(&e.doc)
                .ok()
                .and_then(|turns| crate::model::turn(&turns, e.turn).cloned())
                .and_then(|t| {
                    p.text(&e.doc)
                        .ok()
                        .map(|tx| slice_chars(&tx, t.start, t.end).to_string())
                })
                .unwrap_or_else(|| e.text.clone())
        } else {
            e.text.clone()
        };
        let flat = format!(
            "«{}»",
            body.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        let max_lines = if app.excerpts.context && i == app.excerpts.sel {
            8
        } else {
            2
        };
        let chars: Vec<char> = flat.chars().collect();
        for chunk in chars.chunks(w.max(10)).take(max_lines) {
            lines.push(Line::raw(format!(
                "   {}",
                chunk.iter().collect::<String>()
            )));
        }
        if let Some(form) = &e.form {
            lines.push(Line::styled(
                cut(&format!("   report: «{form}»"), w + 2),
                colors.style(Style::new().add_modifier(Modifier::ITALIC)),
            ));
        }
    }
    f.render_widget(Paragraph::new(lines), list);
}
