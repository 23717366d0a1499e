//! The popups over a view: the code picker, one-line prompts, yes/no questions, the memo editor
//! and the key help; their state, what their keys do, and how they are drawn.

use crate::index::Unit;
use crate::model::MemoTarget;
use crate::tui::action::{Action, View};
use crate::tui::app::{App, delete_word, plural};
use crate::tui::keymap::{self, Context};
use crate::tui::render::ColorMode;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_textarea::TextArea;

/// What a one-line prompt is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// Add a code at this path.
    AddCode,
    /// Add a code under this code (its id) with the name typed.
    AddChildCode(String),
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
    /// Give this coding a report form (empty: take it away).
    TrimQuote(String),
    /// Give this document a new title.
    RenameDoc(String),
    /// Give this document a type.
    RetypeDoc(String),
    /// Put this document in a case (empty: none).
    RecaseDoc(String),
    /// Replace this document's text with the file at the path typed.
    ReplaceDoc(String),
    /// Give this case exactly the attributes typed.
    EditCase(String),
    /// Add the case typed with its attributes.
    NewCase,
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
    /// Remove this document.
    RemoveDoc(String),
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
    /// Which of the codings at the cursor an action is for (ids, innermost first; the row
    /// highlighted).
    ChooseCoding(Action, Vec<String>, usize),
    /// The memo editor.
    Memo(Box<MemoEditor>),
    /// The key help.
    Help,
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

impl App {
    /// Rows of the code picker.
    pub fn pick_items(&self, p: &Picker) -> Vec<PickItem> {
        let project = self.project();
        let cb = &project.codebook;
        let counts = self.derived.usage(self.generation, || {
            let mut per: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
            for c in project.codings.values() {
                *per.entry(c.code.as_str()).or_default() += 1;
            }
            let mut counts: Vec<(String, usize)> = cb
                .walk()
                .iter()
                .map(|(c, _)| (c.id.clone(), per.get(c.id.as_str()).copied().unwrap_or(0)))
                .collect();
            counts.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
            counts
        });
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

    pub(crate) fn update_popup(&mut self, action: Action) {
        let Some(popup) = self.popup.take() else {
            return;
        };
        match popup {
            Popup::Help => {
                let rows = help_text(self, usize::from(HELP_W).saturating_sub(2)).len();
                let fit = self.body_height().saturating_sub(2).max(1);
                let last = rows.saturating_sub(fit);
                let at = self.help_scroll.min(last);
                self.help_scroll = match action {
                    Action::Help | Action::Escape | Action::Enter | Action::Quit => {
                        self.help_scroll = 0;
                        return;
                    }
                    Action::Up | Action::ScrollUp => at.saturating_sub(1),
                    Action::Down | Action::ScrollDown => (at + 1).min(last),
                    Action::PageUp => at.saturating_sub(fit),
                    Action::PageDown => (at + fit).min(last),
                    Action::Top => 0,
                    Action::Bottom => last,
                    _ => at,
                };
                self.popup = Some(Popup::Help);
            }
            Popup::ChooseCoding(then, ids, sel) => match action {
                Action::Up => {
                    self.popup = Some(Popup::ChooseCoding(then, ids, sel.saturating_sub(1)))
                }
                Action::Down => {
                    let sel = (sel + 1).min(ids.len().saturating_sub(1));
                    self.popup = Some(Popup::ChooseCoding(then, ids, sel));
                }
                Action::Enter => {
                    self.reader.chosen = ids.get(sel).cloned();
                    self.update_reader(then);
                    self.reader.chosen = None;
                }
                Action::Escape => self.status = "left as it was".into(),
                _ => self.popup = Some(Popup::ChooseCoding(then, ids, sel)),
            },
            Popup::Confirm(what, q) => match action {
                Action::Enter => {
                    let undo = self.undo_hint();
                    let r = match &what {
                        Confirm::DeleteCode(id) => {
                            crate::ops::codebook::delete(&mut self.session, id, true).map(
                                |(c, n)| {
                                    format!(
                                        "deleted {} and {} {}",
                                        plural(c, "code"),
                                        plural(n, "coding"),
                                        undo
                                    )
                                },
                            )
                        }
                        Confirm::DeleteMemo(id) => crate::ops::memos::remove(&mut self.session, id)
                            .map(|_| format!("memo deleted {undo}")),
                        Confirm::RemoveDoc(id) => crate::ops::docs::remove(&mut self.session, id)
                            .map(|(d, n)| {
                                format!("removed {d} and {} {undo}", plural(n, "coding"))
                            }),
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
                    match crate::ops::edit::correct_span(&mut self.session, &doc, (a, b), &edited) {
                        Ok(r) if !r.changed => self.status = "no change".into(),
                        Ok(r) => {
                            self.status = format!(
                                "corrected (revision {}): {} codings kept their words, {} flagged ! ({} keeps one, {} undoes)",
                                r.revision,
                                r.kept,
                                r.stale.len(),
                                self.key(Context::View(View::Reader), Action::ConfirmCoding),
                                self.key(Context::Global, Action::Undo)
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
                            Some(id) => crate::ops::memos::remove(&mut self.session, id)
                                .map(|_| "memo removed".to_string()),
                            None => Ok("empty memo not saved".to_string()),
                        }
                    } else {
                        crate::ops::memos::save(
                            &mut self.session,
                            ed.id.as_deref(),
                            ed.target.clone(),
                            &text,
                        )
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

    pub(crate) fn apply_pick(&mut self, target: &PickFor, item: PickItem) {
        let code = match item.code {
            Some(c) => c,
            None => match crate::ops::codebook::add(&mut self.session, &item.label, "", None) {
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
                match crate::ops::coding::code_span(&mut self.session, doc, &code, (*a, *b)) {
                    Ok(made) => {
                        self.status = format!(
                            "coded {path}{} {}",
                            if made.len() > 1 {
                                format!(" in {} turns", made.len())
                            } else {
                                String::new()
                            },
                            self.undo_hint()
                        );
                        self.reader.anchor = None;
                        // The cursor rests inside the new coding, so that m, e and x act on it.
                        if let Some(c) = made.last() {
                            self.reader.cursor = c.start;
                        }
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
                            "coded {} with {path} ({} already coded; {} undoes)",
                            plural(r.coded, "passage"),
                            r.already,
                            self.key(Context::Global, Action::Undo)
                        );
                        self.changed();
                    }
                    Err(e) => self.set_error(e),
                }
            }
        }
    }

    pub(crate) fn submit_prompt(&mut self, p: Prompt) {
        let text = p.text.trim().to_string();
        use crate::ops::codebook as op;
        let s = &mut self.session;
        let result: crate::Result<String> = match p.purpose {
            Purpose::AddCode => op::add(s, &text, "", None)
                .map(|id| format!("added {}", s.project().codebook.path(&id))),
            Purpose::AddChildCode(parent) => {
                let path = format!("{}/{text}", s.project().codebook.path(&parent));
                op::add(s, &path, "", None)
                    .map(|id| format!("added {}", s.project().codebook.path(&id)))
            }
            Purpose::RenameCode(id) => {
                op::rename(s, &id, &text).map(|()| format!("renamed to {text}"))
            }
            Purpose::MoveCode(id) => {
                op::move_under(s, &id, (!text.is_empty()).then_some(text.as_str()))
                    .map(|()| "moved".to_string())
            }
            Purpose::MergeCode(id) => {
                op::merge(s, &id, &text).map(|n| format!("merged ({} moved)", plural(n, "coding")))
            }
            Purpose::DescribeCode(id) => {
                op::describe(s, &id, &text).map(|()| "described".to_string())
            }
            Purpose::ColorCode(id) => op::color(s, &id, &text).map(|_| "coloured".to_string()),
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
                self.names.suggestions = None;
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
                        self.status = format!(
                            "margin: {a} left, {b} right ({} ends)",
                            self.key(Context::View(View::Reader), Action::CompareCoders)
                        );
                        self.reader.compare = Some((a.clone(), b.clone()));
                    }
                    _ => self.set_error("give two different coders, e.g. anna,bo"),
                }
                return;
            }
            Purpose::TrimQuote(id) => {
                let form = (!text.is_empty()).then(|| text.clone());
                crate::ops::pins::change(
                    &mut self.session,
                    &crate::ops::pins::Change::Form(
                        crate::ops::pins::Excerpts::Ids(vec![id]),
                        form,
                    ),
                )
                .map(|r| r.describe())
            }
            Purpose::RenameDoc(id) => {
                let change = crate::ops::docs::Change {
                    title: Some(text.clone()),
                    ..Default::default()
                };
                crate::ops::docs::change(s, &id, &change).map(|_| format!("renamed to {text}"))
            }
            Purpose::RetypeDoc(id) => {
                let change = crate::ops::docs::Change {
                    kind: Some(text.clone()),
                    ..Default::default()
                };
                crate::ops::docs::change(s, &id, &change).map(|_| format!("now a {text}"))
            }
            Purpose::RecaseDoc(id) => {
                let change = crate::ops::docs::Change {
                    case: (!text.is_empty()).then(|| text.clone()),
                    no_case: text.is_empty(),
                    ..Default::default()
                };
                crate::ops::docs::change(s, &id, &change).map(|_| {
                    if text.is_empty() {
                        "in no case now".to_string()
                    } else {
                        format!("in case {text} now")
                    }
                })
            }
            Purpose::ReplaceDoc(id) => {
                let path = std::path::PathBuf::from(&text);
                crate::ops::edit::correct(s, &id, crate::ops::edit::Source::Imported(&path)).map(
                    |r| {
                        if r.changed {
                            format!(
                                "revision {}: {} codings kept their words, {} flagged (!) for a look",
                                r.revision,
                                r.kept,
                                r.stale.len()
                            )
                        } else {
                            "the file holds the same text: no change".to_string()
                        }
                    },
                )
            }
            Purpose::EditCase(case) => {
                let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
                crate::model::case::parse_attrs(&words).and_then(|attrs| {
                    crate::ops::cases::replace_attrs(s, &case, &attrs).map(|()| {
                        if words.is_empty() {
                            format!("{case}: no attributes")
                        } else {
                            format!("{case}: {}", words.join(" "))
                        }
                    })
                })
            }
            Purpose::NewCase => {
                let mut words = text.split_whitespace().map(str::to_string);
                match words.next() {
                    Some(name) if !name.contains('=') => {
                        let rest: Vec<String> = words.collect();
                        crate::model::case::parse_attrs(&rest).and_then(|attrs| {
                            if s.project().cases.cases.contains_key(&name) {
                                return Err(crate::Error::invalid(format!(
                                    "case {name} exists already: e edits its attributes"
                                )));
                            }
                            crate::ops::cases::replace_attrs(s, &name, &attrs)
                                .map(|()| format!("added case {name}"))
                        })
                    }
                    _ => Err(crate::Error::invalid(
                        "give the case's name first, then KEY=VALUE pairs",
                    )),
                }
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
                self.excerpts.filter = f;
                self.excerpts.sel = 0;
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

    pub(crate) fn open_memo(&mut self, target: MemoTarget, title: String) {
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
        area.set_placeholder_text(self.editor_placeholder("Write the memo"));
        self.popup = Some(Popup::Memo(Box::new(MemoEditor {
            area,
            target,
            id,
            title,
            turn: None,
        })));
    }

    pub(crate) fn open_memo_new(&mut self) {
        let mut area = TextArea::default();
        area.set_placeholder_text(self.editor_placeholder("Write the memo"));
        self.popup = Some(Popup::Memo(Box::new(MemoEditor {
            area,
            target: MemoTarget::Project,
            id: None,
            title: "project memo".into(),
            turn: None,
        })));
    }
}

pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Width of the help overlay (it is as tall as the body).
const HELP_W: u16 = 76;

/// The help overlay's rows at a width: the open view's keys, then those that work everywhere,
/// each description wrapped under itself so that nothing is cut.
pub fn help_text(app: &App, width: usize) -> Vec<String> {
    const KEY_W: usize = 12;
    let desc_w = width.saturating_sub(KEY_W + 2).max(10);
    let mut out = Vec::new();
    let sections = [
        (
            format!("{} view", app.view.title()),
            Context::View(app.view),
        ),
        ("everywhere".to_string(), Context::Global),
    ];
    for (title, ctx) in sections {
        let rows: Vec<_> = app.keymap.iter().filter(|b| b.context == ctx).collect();
        if rows.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(String::new());
        }
        out.push(title);
        for b in rows {
            for (i, part) in crate::model::display::wrap(b.help, desc_w)
                .into_iter()
                .enumerate()
            {
                let key = if i == 0 {
                    keymap::describe(&b.key)
                } else {
                    String::new()
                };
                out.push(format!("{key:>KEY_W$}  {part}"));
            }
        }
    }
    out
}

pub(crate) fn render_popup(app: &App, f: &mut Frame, body: Rect, colors: ColorMode) {
    let Some(popup) = &app.popup else { return };
    let frame = |title: &str| {
        Block::default()
            .borders(Borders::ALL)
            .title(format!(" {title} "))
    };
    match popup {
        Popup::Help => {
            let area = centered(body, HELP_W, body.height);
            let lines = help_text(app, usize::from(area.width).saturating_sub(2));
            let fit = usize::from(area.height).saturating_sub(2).max(1);
            let top = app.help_scroll.min(lines.len().saturating_sub(fit));
            let shown: Vec<Line> = lines
                .iter()
                .skip(top)
                .take(fit)
                .map(|l| Line::raw(l.clone()))
                .collect();
            let title = if lines.len() > fit {
                format!(
                    "keys: {} · rows {}–{} of {} · ↑↓ PgUp PgDn scroll · Esc closes",
                    app.view.title(),
                    top + 1,
                    (top + fit).min(lines.len()),
                    lines.len()
                )
            } else {
                format!("keys: {} · Esc closes", app.view.title())
            };
            f.render_widget(Clear, area);
            f.render_widget(Paragraph::new(shown).block(frame(&title)), area);
        }
        Popup::Prompt(p) => {
            let area = centered(body, 64, 3);
            f.render_widget(Clear, area);
            // A new code's prompt names the whole path it will create as it is typed.
            let label = match &p.purpose {
                Purpose::AddCode => format!("{}: {}", p.label, p.text.trim()),
                Purpose::AddChildCode(parent) => format!(
                    "{}: {}/{}",
                    p.label,
                    app.project().codebook.path(parent),
                    p.text.trim()
                ),
                _ => p.label.clone(),
            };
            f.render_widget(
                Paragraph::new(format!("{}▏", p.text)).block(frame(&label)),
                area,
            );
        }
        Popup::ChooseCoding(then, ids, sel) => {
            let p = app.project();
            let rows: Vec<Line> = ids
                .iter()
                .enumerate()
                .filter_map(|(i, id)| p.codings.get(id).map(|c| (i, c)))
                .map(|(i, c)| {
                    let memo = c.memo.is_some()
                        || !p.memos_on(&MemoTarget::Coding(c.id.clone())).is_empty();
                    let text = format!(
                        "{} {} · {} · {} chars{}",
                        if i == *sel { "▶" } else { " " },
                        p.codebook.path(&c.code),
                        c.coder,
                        c.end - c.start,
                        if memo { " · ✎" } else { "" }
                    );
                    if i == *sel {
                        Line::styled(text, crate::tui::render::selected_style(colors))
                    } else {
                        Line::raw(text)
                    }
                })
                .collect();
            let height = u16::try_from(rows.len() + 2).unwrap_or(12).min(body.height);
            let area = centered(body, 64, height);
            f.render_widget(Clear, area);
            let title = match then {
                Action::Uncode => "remove which coding?",
                Action::EditCoding => "move which coding?",
                Action::MemoHere => "memo on which coding?",
                _ => "keep which coding?",
            };
            f.render_widget(Paragraph::new(rows).block(frame(title)), area);
        }
        Popup::Confirm(_, q) => {
            let area = centered(body, 64, 3);
            f.render_widget(Clear, area);
            f.render_widget(Paragraph::new(q.as_str()).block(frame("confirm")), area);
        }
        Popup::Picker(p) => {
            let items = app.pick_items(p);
            let area = centered(body, 60, 16.min(body.height));
            let title = match &p.target {
                PickFor::Span(..) => "code the selection".to_string(),
                PickFor::Autocode {
                    query, count, unit, ..
                } => format!(
                    "autocode {} of {query}: {}",
                    crate::tui::app::plural(*count, "turn"),
                    crate::tui::app::unit_name(*unit)
                ),
            };
            let mut lines = vec![Line::raw(format!("> {}▏", p.filter)), Line::raw("")];
            let fit = usize::from(area.height).saturating_sub(4);
            let top = p.selected.saturating_sub(fit.saturating_sub(1));
            for (i, it) in items.iter().enumerate().skip(top).take(fit) {
                let num = it.number.map_or("  ".to_string(), |n| format!("{n} "));
                let color = it.code.as_ref().and_then(|c| {
                    colors.code(app.project().codebook.effective_color(c).as_deref())
                });
                let mut style = color.map_or(Style::new(), |c| Style::new().fg(c));
                if i == p.selected {
                    style = style.add_modifier(Modifier::REVERSED);
                }
                lines.push(Line::styled(format!("{num}{}", it.label), style));
            }
            f.render_widget(Clear, area);
            f.render_widget(Paragraph::new(lines).block(frame(&title)), area);
        }
        Popup::Memo(ed) => {
            let area = centered(body, 72, 14.min(body.height));
            f.render_widget(Clear, area);
            let block = frame(&format!(
                "{} · {}",
                ed.title,
                keymap::hint(
                    &app.keymap,
                    Context::Editor,
                    &[(Action::SaveMemo, "saves"), (Action::Escape, "cancels")]
                )
            ));
            let inner = block.inner(area);
            f.render_widget(block, area);
            f.render_widget(&ed.area, inner);
        }
    }
}
