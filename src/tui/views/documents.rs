//! The Documents view: the document list, filtered as you type and sorted.

use crate::model::Document;
use crate::tui::action::{Action, View};
use crate::tui::app::{App, delete_word};
use crate::tui::keymap::{self, Context};
use crate::tui::popup::{Confirm, Popup, Prompt, Purpose};
use crate::tui::render::{ColorMode, selected_style};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Paragraph, Row, Table};

/// The Documents view's state.
#[derive(Debug)]
pub struct DocumentsView {
    /// The filter typed.
    pub filter: String,
    /// Typing into the filter.
    pub filtering: bool,
    /// The list's order.
    pub sort: DocSort,
    /// The selected row.
    pub sel: usize,
    /// Show the cases and their attributes instead of the documents.
    pub cases: bool,
    /// The selected case.
    pub case_sel: usize,
}

impl Default for DocumentsView {
    fn default() -> Self {
        DocumentsView {
            filter: String::new(),
            filtering: false,
            sort: DocSort::Imported,
            sel: 0,
            cases: false,
            case_sel: 0,
        }
    }
}

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

impl App {
    /// Documents in list order, filtered.
    pub fn doc_rows(&self) -> Vec<&Document> {
        let p = self.project();
        let f = self.documents.filter.to_lowercase();
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
        match self.documents.sort {
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

    /// The cases in name order, with how many documents each has.
    pub fn case_rows(&self) -> Vec<(crate::model::Case, usize)> {
        let p = self.project();
        p.cases
            .cases
            .values()
            .map(|c| {
                let n = p
                    .docs
                    .values()
                    .filter(|d| d.case.as_deref() == Some(&c.name))
                    .count();
                (c.clone(), n)
            })
            .collect()
    }

    /// The Cases pane of the Documents view: attributes edited in place, and a case's
    /// documents or excerpts one key away.
    fn update_cases(&mut self, action: Action) {
        let rows = self.case_rows();
        let page = self.body_height().saturating_sub(3);
        let sel = rows.get(self.documents.case_sel).map(|(c, _)| c.clone());
        match action {
            Action::ToggleCases => self.documents.cases = false,
            Action::EditCase => {
                if let Some(c) = sel {
                    let text = c
                        .attributes
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(" ");
                    self.popup = Some(Popup::Prompt(Prompt {
                        label: format!(
                            "attributes of {} (KEY=VALUE …; a key left out goes)",
                            c.name
                        ),
                        text,
                        purpose: Purpose::EditCase(c.name),
                    }));
                }
            }
            Action::NewCase => {
                self.popup = Some(Popup::Prompt(Prompt {
                    label: "new case: NAME KEY=VALUE …".into(),
                    text: String::new(),
                    purpose: Purpose::NewCase,
                }));
            }
            Action::Enter => {
                if let Some(c) = sel {
                    self.excerpts.filter = vec![("case".into(), c.name.clone())];
                    self.excerpts.code = None;
                    self.excerpts.sel = 0;
                    self.view = View::Excerpts;
                }
            }
            Action::Filter => {
                if let Some(c) = sel {
                    self.documents.cases = false;
                    self.documents.filter = c.name.clone();
                    self.documents.sel = 0;
                }
            }
            a => Self::move_list(&mut self.documents.case_sel, rows.len(), &a, page),
        }
    }

    pub(crate) fn update_documents(&mut self, action: Action) {
        if self.documents.cases {
            return self.update_cases(action);
        }
        if action == Action::ToggleCases {
            self.documents.cases = true;
            return;
        }
        let rows = self.doc_rows().len();
        let page = self.body_height().saturating_sub(3);
        match action {
            Action::Filter => {
                self.documents.filtering = true;
                self.status = format!(
                    "type to filter; {} or {} ends",
                    self.key(Context::Global, Action::Enter),
                    self.key(Context::Global, Action::Escape)
                );
            }
            Action::Type(c) => {
                self.documents.filter.push(c);
                self.documents.sel = 0;
            }
            Action::Backspace => {
                self.documents.filter.pop();
            }
            Action::DeleteWord => delete_word(&mut self.documents.filter),
            Action::ClearField => self.documents.filter.clear(),
            Action::Escape => {
                if self.documents.filtering {
                    self.documents.filtering = false;
                } else {
                    self.documents.filter.clear();
                }
            }
            Action::Sort => {
                self.documents.sort = match self.documents.sort {
                    DocSort::Imported => DocSort::Title,
                    DocSort::Title => DocSort::Codings,
                    DocSort::Codings => DocSort::Imported,
                };
            }
            Action::Enter => {
                if self.documents.filtering {
                    self.documents.filtering = false;
                    return;
                }
                let id = self
                    .doc_rows()
                    .get(self.documents.sel)
                    .map(|d| d.id.clone());
                if let Some(id) = id {
                    self.open_doc(&id, None);
                }
            }
            Action::RenameDoc | Action::RetypeDoc | Action::RecaseDoc | Action::ReplaceDoc => {
                let Some(d) = self
                    .doc_rows()
                    .get(self.documents.sel)
                    .map(|d| (*d).clone())
                else {
                    return;
                };
                let (label, text, purpose) = match action {
                    Action::RenameDoc => {
                        ("new title".to_string(), d.title, Purpose::RenameDoc(d.id))
                    }
                    Action::RetypeDoc => (
                        "type: interview, focus-group, field-note or other".to_string(),
                        d.kind.to_string(),
                        Purpose::RetypeDoc(d.id),
                    ),
                    Action::RecaseDoc => (
                        "case (empty: none)".to_string(),
                        d.case.unwrap_or_default(),
                        Purpose::RecaseDoc(d.id),
                    ),
                    _ => (
                        format!("file with the corrected text of {}", d.title),
                        String::new(),
                        Purpose::ReplaceDoc(d.id),
                    ),
                };
                self.popup = Some(Popup::Prompt(Prompt {
                    label,
                    text,
                    purpose,
                }));
            }
            Action::RemoveDoc => {
                let Some(id) = self
                    .doc_rows()
                    .get(self.documents.sel)
                    .map(|d| d.id.clone())
                else {
                    return;
                };
                match crate::ops::docs::removal(&self.session, &id) {
                    Ok((id, title, n)) => {
                        self.popup = Some(Popup::Confirm(
                            Confirm::RemoveDoc(id),
                            format!(
                                "Remove {title} with its {n} codings? ({} brings them back)",
                                self.key(Context::Global, Action::Undo)
                            ),
                        ));
                    }
                    Err(e) => self.set_error(e),
                }
            }
            a => Self::move_list(&mut self.documents.sel, rows, &a, page),
        }
    }
}

fn render_cases(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    let rows = app.case_rows();
    let [head, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    f.render_widget(
        Paragraph::new(format!(
            " {} cases · {}",
            rows.len(),
            keymap::hint(
                &app.keymap,
                Context::View(View::Documents),
                &[
                    (Action::EditCase, "edits attributes"),
                    (Action::NewCase, "adds a case"),
                    (Action::Enter, "its excerpts"),
                    (Action::Filter, "its documents"),
                    (Action::ToggleCases, "documents"),
                ]
            )
        )),
        head,
    );
    let name_w = rows
        .iter()
        .map(|(c, _)| unicode_width::UnicodeWidthStr::width(c.name.as_str()))
        .max()
        .unwrap_or(4)
        .clamp(4, 24);
    let header = Row::new(vec!["case", "docs", "attributes"])
        .style(colors.style(Style::new().add_modifier(Modifier::BOLD)));
    let height = usize::from(list.height).saturating_sub(1).max(1);
    let top = app
        .documents
        .case_sel
        .saturating_sub(height.saturating_sub(1));
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, (c, n))| {
            let attrs = c
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("  ");
            let row = Row::new(vec![c.name.clone(), n.to_string(), attrs]);
            if i == app.documents.case_sel {
                row.style(selected_style(colors))
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(u16::try_from(name_w).unwrap_or(24)),
        Constraint::Length(4),
        Constraint::Min(20),
    ];
    f.render_widget(Table::new(body, widths).header(header), list);
}

pub(crate) fn render_documents(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    if app.documents.cases {
        return render_cases(app, f, area, colors);
    }
    let p = app.project();
    let rows = app.doc_rows();
    let [head, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let filter = if app.documents.filtering || !app.documents.filter.is_empty() {
        format!(
            " filter: {}{}",
            app.documents.filter,
            if app.documents.filtering { "▏" } else { "" }
        )
    } else {
        let order = match app.documents.sort {
            DocSort::Imported => "as imported",
            DocSort::Title => "by title",
            DocSort::Codings => "by codings",
        };
        format!(
            " {} documents, {order} · {}",
            rows.len(),
            keymap::hint(
                &app.keymap,
                Context::View(View::Documents),
                &[
                    (Action::Filter, "filters"),
                    (Action::Sort, "sorts"),
                    (Action::Enter, "opens"),
                    (Action::ToggleCases, "cases")
                ]
            )
        )
    };
    f.render_widget(Paragraph::new(filter), head);
    let header = Row::new(vec![
        "title",
        "type",
        "case",
        "turns",
        "spk",
        "chars",
        "codings",
        "last change",
    ])
    .style(colors.style(Style::new().add_modifier(Modifier::BOLD)));
    let height = usize::from(list.height).saturating_sub(1).max(1);
    let top = app.documents.sel.saturating_sub(height.saturating_sub(1));
    // Codings and the last change of the visible documents, in one pass over the codings.
    let mut counts: std::collections::HashMap<&str, (usize, &str)> = rows
        .iter()
        .skip(top)
        .take(height)
        .map(|d| (d.id.as_str(), (0, "")))
        .collect();
    for c in p.codings.values() {
        if let Some((n, last)) = counts.get_mut(c.doc.as_str()) {
            *n += 1;
            *last = (*last).max(c.at.as_str());
        }
    }
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, d)| {
            let (n, last) = counts.get(d.id.as_str()).copied().unwrap_or((0, ""));
            let last: String = last.chars().take(10).collect();
            let row = Row::new(vec![
                d.title.clone(),
                d.kind.to_string(),
                d.case.clone().unwrap_or_default(),
                d.turn_count.to_string(),
                d.speakers.len().to_string(),
                d.chars.to_string(),
                n.to_string(),
                last,
            ]);
            if i == app.documents.sel {
                row.style(selected_style(colors))
            } else {
                row
            }
        })
        .collect();
    // The case column as wide as its longest case (within reason), never cut to a few letters.
    let case_w = rows
        .iter()
        .filter_map(|d| d.case.as_deref())
        .map(unicode_width::UnicodeWidthStr::width)
        .max()
        .unwrap_or(0)
        .clamp(4, 16);
    let widths = [
        Constraint::Min(20),
        Constraint::Length(11),
        Constraint::Length(u16::try_from(case_w).unwrap_or(16)),
        Constraint::Length(5),
        Constraint::Length(3),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Length(11),
    ];
    f.render_widget(Table::new(body, widths).header(header), list);
}
