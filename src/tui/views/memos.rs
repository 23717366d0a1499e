//! The Memos view: every memo, edited and deleted in place.

use crate::tui::action::{Action, View};
use crate::tui::app::App;
use crate::tui::keymap::{self, Context};
use crate::tui::popup::{Confirm, MemoEditor, Popup};
use crate::tui::render::{ColorMode, cut, selected_style};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use tui_textarea::TextArea;

/// The Memos view's state.
#[derive(Debug, Default)]
pub struct MemosView {
    /// The selected memo.
    pub sel: usize,
}

impl App {
    /// Memos in list order.
    pub fn memo_rows(&self) -> Vec<crate::model::Memo> {
        let mut v: Vec<_> = self.project().memos.values().cloned().collect();
        v.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
        v
    }

    pub(crate) fn update_memos(&mut self, action: Action) {
        let rows = self.memo_rows();
        match action {
            Action::NewMemo => self.open_memo_new(),
            Action::Enter => {
                if let Some(m) = rows.get(self.memos.sel) {
                    let mut area = TextArea::new(m.text.lines().map(str::to_string).collect());
                    area.set_placeholder_text(self.editor_placeholder("Write the memo"));
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
                if let Some(m) = rows.get(self.memos.sel) {
                    self.popup = Some(Popup::Confirm(
                        Confirm::DeleteMemo(m.id.clone()),
                        "delete this memo? y/n".into(),
                    ));
                }
            }
            a => Self::move_list(&mut self.memos.sel, rows.len(), &a, 3),
        }
    }
}

pub(crate) fn render_memos(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    let p = app.project();
    let rows = app.memo_rows();
    let [head, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    f.render_widget(
        Paragraph::new(format!(
            " {} memos · {}",
            rows.len(),
            keymap::hint(
                &app.keymap,
                Context::View(View::Memos),
                &[
                    (Action::Enter, "edits"),
                    (Action::NewMemo, "adds"),
                    (Action::DeleteMemo, "deletes")
                ]
            )
        )),
        head,
    );
    let w = usize::from(list.width).saturating_sub(4);
    let mut lines: Vec<Line> = Vec::new();
    for (i, m) in rows.iter().enumerate() {
        let about = match &m.target {
            crate::model::MemoTarget::Document(d) => format!(
                "document {}",
                p.docs.get(d).map_or(d.as_str(), |x| x.title.as_str())
            ),
            crate::model::MemoTarget::Code(c) => format!("code {}", p.codebook.path(c)),
            crate::model::MemoTarget::Coding(c) => {
                p.codings.get(c).map_or("a removed coding".into(), |x| {
                    format!("a coding of {} in {}", p.codebook.path(&x.code), x.doc)
                })
            }
            crate::model::MemoTarget::Project => "the project".into(),
        };
        let style = if i == app.memos.sel {
            selected_style(colors)
        } else {
            colors.style(Style::new().add_modifier(Modifier::BOLD))
        };
        lines.push(Line::styled(
            cut(
                &format!(
                    "{}{about} · {}",
                    if i == app.memos.sel { "▶" } else { " " },
                    m.coder
                ),
                w + 2,
            ),
            style,
        ));
        lines.push(Line::raw(format!(
            "   {}",
            cut(m.text.lines().next().unwrap_or(""), w)
        )));
    }
    f.render_widget(Paragraph::new(lines), list);
}
