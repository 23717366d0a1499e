//! The Codebook view: the code tree with counts, and its changes.

use crate::model::MemoTarget;
use crate::tui::action::{Action, View};
use crate::tui::app::{App, plural};
use crate::tui::popup::{Confirm, Popup, Prompt, Purpose};
use crate::tui::render::{ColorMode, selected_style};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Row, Table};

/// The Codebook view's state.
#[derive(Debug, Default)]
pub struct CodebookView {
    /// The selected row.
    pub sel: usize,
    /// Folded codes.
    pub collapsed: std::collections::BTreeSet<String>,
}

impl App {
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
            if self.codebook.collapsed.contains(&c.id) {
                hidden_below = Some(depth);
            }
        }
        out
    }

    pub(crate) fn update_codebook(&mut self, action: Action) {
        let rows = self.code_rows();
        let page = self.body_height().saturating_sub(3);
        let sel = rows.get(self.codebook.sel).map(|(id, _)| id.clone());
        let prompt = |label: &str, text: String, purpose: Purpose| {
            Some(Popup::Prompt(Prompt {
                label: label.into(),
                text,
                purpose,
            }))
        };
        match (action, sel) {
            (Action::AddCode, _) => {
                self.popup = prompt("new top-level code", String::new(), Purpose::AddCode);
            }
            (Action::AddChildCode, Some(id)) => {
                self.popup = prompt("new code", String::new(), Purpose::AddChildCode(id));
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
                if !self.codebook.collapsed.remove(&id) {
                    self.codebook.collapsed.insert(id);
                }
            }
            (Action::MemoHere, Some(id)) => {
                let title = format!("memo on {}", self.project().codebook.path(&id));
                self.open_memo(MemoTarget::Code(id), title);
            }
            (Action::Enter, Some(id)) => {
                self.excerpts.code = Some(id);
                self.excerpts.sel = 0;
                self.view = View::Excerpts;
            }
            (a, _) => Self::move_list(&mut self.codebook.sel, rows.len(), &a, page),
        }
    }
}

pub(crate) fn render_codebook(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    let p = app.project();
    let counts = app.derived.code_counts(app.generation, || {
        crate::analysis::code_counts(p)
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect()
    });
    let rows = app.code_rows();
    let header = Row::new(vec!["code", "codings", "with sub", "docs", "description"])
        .style(colors.style(Style::new().add_modifier(Modifier::BOLD)));
    let height = usize::from(area.height).saturating_sub(1).max(1);
    let top = app.codebook.sel.saturating_sub(height.saturating_sub(1));
    let relations = p.codebook.live_relations();
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, (id, depth))| {
            let c = counts.get(id);
            let fold = if app.codebook.collapsed.contains(id) {
                "▸"
            } else {
                " "
            };
            // A category (grouping, not applied to text) is an open square.
            let codable = p.codebook.get(id).is_none_or(|c| c.codable);
            let name = format!(
                "{}{fold}{} {}",
                "  ".repeat(*depth),
                if codable { "■" } else { "□" },
                c.map_or("", |c| c.name.as_str())
            );
            // Categories and relations come first: a long description is cut at the edge.
            let mut about = String::new();
            if !codable {
                about.push_str("(category) ");
            }
            for r in relations.iter().filter(|r| &r.from == id) {
                let label = if r.label.is_empty() {
                    String::new()
                } else {
                    format!("{} ", r.label)
                };
                about.push_str(&format!(
                    "[{} {label}{}] ",
                    r.direction.arrow(),
                    p.codebook.get(&r.to).map_or("", |c| c.name.as_str())
                ));
            }
            about.push_str(c.map_or("", |c| c.description.as_str()));
            let color = colors.code(p.codebook.effective_color(id).as_deref());
            let row = Row::new(vec![
                ratatui::text::Text::from(Span::styled(
                    name,
                    color.map_or(Style::new(), |c| Style::new().fg(c)),
                )),
                c.map_or(0, |c| c.codings).to_string().into(),
                c.map_or(0, |c| c.codings_with_subcodes).to_string().into(),
                c.map_or(0, |c| c.documents).to_string().into(),
                about.trim().to_string().into(),
            ]);
            if i == app.codebook.sel {
                row.style(selected_style(colors))
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(28),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(4),
        Constraint::Min(10),
    ];
    f.render_widget(Table::new(body, widths).header(header), area);
}
