//! The Names view: the name register and name suggestions (registered through
//! [`crate::ops::names`]).

use crate::tui::action::{Action, View};
use crate::tui::app::App;
use crate::tui::keymap::{self, Context};
use crate::tui::popup::{Popup, Prompt, Purpose};
use crate::tui::render::{ColorMode, cut, selected_style};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

/// The Names view's state.
#[derive(Debug, Default)]
pub struct NamesView {
    /// Name suggestions (computed when the view opens or the register changes).
    pub suggestions: Option<Vec<crate::analysis::names::Suggestion>>,
    /// The selected suggestion.
    pub sel: usize,
}

impl App {
    /// The name suggestions, computed once until the register changes.
    pub fn name_suggestions(&mut self) -> &[crate::analysis::names::Suggestion] {
        if self.names.suggestions.is_none() {
            self.names.suggestions =
                Some(crate::analysis::names::suggest(self.session.project(), 2));
        }
        self.names.suggestions.as_deref().unwrap_or(&[])
    }

    pub(crate) fn update_names(&mut self, action: Action) {
        let n = self.name_suggestions().len();
        match action {
            Action::Enter | Action::RegisterName => {
                let sel = self.names.sel;
                let name = self.name_suggestions().get(sel).map(|s| s.name.clone());
                if let Some(name) = name {
                    self.popup = Some(Popup::Prompt(Prompt {
                        label: format!("exports show {name} as"),
                        text: crate::ops::names::default_replacement(self.project()).into(),
                        purpose: Purpose::RegisterName(name),
                    }));
                }
            }
            a => Self::move_list(&mut self.names.sel, n, &a, 5),
        }
    }
}

pub(crate) fn render_names(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    let p = app.project();
    let mut lines: Vec<Line> = vec![Line::styled(
        format!(
            " Registered names ({}): exports show the replacement",
            p.names.names.len()
        ),
        colors.style(Style::new().add_modifier(Modifier::BOLD)),
    )];
    for n in &p.names.names {
        let aliases = if n.aliases.is_empty() {
            String::new()
        } else {
            format!(" (also {})", n.aliases.join(", "))
        };
        lines.push(Line::raw(format!(
            "   {}{aliases} → {}",
            n.name, n.replacement
        )));
    }
    lines.push(Line::raw(""));
    let suggestions = app.names.suggestions.as_deref().unwrap_or(&[]);
    lines.push(Line::styled(
        format!(
            " Suggestions ({}): listed names, recurring capitalised words · {}",
            suggestions.len(),
            keymap::hint(
                &app.keymap,
                Context::View(View::Names),
                &[(Action::RegisterName, "registers")]
            )
        ),
        colors.style(Style::new().add_modifier(Modifier::BOLD)),
    ));
    let w = usize::from(area.width).saturating_sub(4);
    let room = usize::from(area.height).saturating_sub(lines.len());
    let top = app.names.sel.saturating_sub(room.saturating_sub(1));
    for (i, s) in suggestions.iter().enumerate().skip(top).take(room) {
        let text = format!(
            "{} {} ×{}{} · {} · {}",
            if i == app.names.sel { "▶" } else { " " },
            s.name,
            s.count,
            if s.listed { " (name list)" } else { "" },
            s.first,
            s.sample
        );
        let style = if i == app.names.sel {
            selected_style(colors)
        } else {
            Style::new()
        };
        lines.push(Line::styled(cut(&text, w + 2), style));
    }
    f.render_widget(Paragraph::new(lines), area);
}
