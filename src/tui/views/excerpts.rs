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
use ratatui::text::{Line, Span};
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
                    label: "filter (role=parent wave=2 coder=anna set=rapport)".into(),
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
                    // The cursor rests inside the coding, so that e, m and x act on it.
                    self.open_doc(&e.doc, Some(e.start));
                    self.reader.anchor = None;
                    self.reader.cursor = e.start;
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
        let whole = app.excerpts.context && i == app.excerpts.sel;
        let flat = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        // The quote, or with Space the whole turn with the coded words marked: the text as
        // one line and the coded part's char range in it.
        let (text, coded) = match (whole, p.turns(&e.doc), p.text(&e.doc)) {
            (true, Ok(turns), Ok(tx)) => match crate::model::turn(&turns, e.turn) {
                Some(t) => {
                    let (a, b) = (t.start.min(e.start), t.end.max(e.end));
                    let before = flat(slice_chars(&tx, a, e.start));
                    let inside = flat(slice_chars(&tx, e.start, e.end));
                    let after = flat(slice_chars(&tx, e.end, b));
                    let lead = if before.is_empty() {
                        0
                    } else {
                        before.chars().count() + 1
                    };
                    let joined = [before, inside.clone(), after]
                        .into_iter()
                        .filter(|x| !x.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ");
                    (joined, Some((lead, lead + inside.chars().count())))
                }
                None => (flat(&e.text), None),
            },
            _ => (flat(&e.text), None),
        };
        let text = format!("«{text}»");
        let coded = coded.map(|(a, b)| (a + 1, b + 1));
        let max_lines = if whole { 8 } else { 2 };
        let chars: Vec<char> = text.chars().collect();
        let mark = colors.style(Style::new().add_modifier(Modifier::REVERSED));
        let pieces = crate::tui::layout::wrap_line(&text, w.max(10), 0);
        let shown = pieces.len().min(max_lines);
        for (n, &(a, b)) in pieces.iter().take(max_lines).enumerate() {
            // A line broken at a space does not start with it.
            let a = if n > 0 && chars.get(a) == Some(&' ') {
                a + 1
            } else {
                a
            };
            let mut spans = vec![Span::raw("   ")];
            let mut at = a;
            let cuts = coded.map_or(vec![], |(ca, cb)| vec![ca.clamp(a, b), cb.clamp(a, b)]);
            for cut_at in cuts.into_iter().chain([b]) {
                if cut_at > at {
                    let piece: String = chars[at..cut_at].iter().collect();
                    let inside = coded.is_some_and(|(ca, cb)| at >= ca && cut_at <= cb);
                    spans.push(if inside {
                        Span::styled(piece, mark)
                    } else {
                        Span::raw(piece)
                    });
                    at = cut_at;
                }
            }
            if n + 1 == shown && pieces.len() > shown {
                spans.push(Span::raw(" …"));
            }
            lines.push(Line::from(spans));
        }
        // Memos under the excerpt, a line each.
        for m in e.memo.iter().chain(&e.memos) {
            lines.push(Line::styled(
                cut(&format!("   ✎ {}", flat(m)), w + 2),
                colors.style(Style::new().add_modifier(Modifier::DIM)),
            ));
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
