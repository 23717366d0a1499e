//! Rendering: a pure function of the [`App`] state into a ratatui frame, one function per view
//! and popup.

use super::app::{App, MARGIN_W, PickFor, Popup, SPEAKER_W, VIEWS, View};
use super::keymap::{Context, help_lines};
use crate::model::text::slice_chars;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, Tabs, Wrap};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// The smallest terminal the TUI lays out for.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// How colours are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorMode {
    /// No colours (`NO_COLOR`): only bold, underline and reverse.
    None,
    /// The 16 ANSI colours.
    Ansi16,
    /// 24-bit colour.
    TrueColor,
}

impl ColorMode {
    /// Picks the mode from the environment: `NO_COLOR`, then `COLORTERM`.
    pub fn from_env() -> ColorMode {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            ColorMode::None
        } else if std::env::var("COLORTERM")
            .is_ok_and(|v| v.contains("truecolor") || v.contains("24bit"))
        {
            ColorMode::TrueColor
        } else {
            ColorMode::Ansi16
        }
    }

    /// A code's colour (`#rrggbb`) in this mode.
    pub fn code(self, hex: Option<&str>) -> Option<Color> {
        let hex = hex?.strip_prefix('#')?;
        let v = u32::from_str_radix(hex, 16).ok()?;
        let (r, g, b) = (
            ((v >> 16) & 0xff) as u8,
            ((v >> 8) & 0xff) as u8,
            (v & 0xff) as u8,
        );
        match self {
            ColorMode::None => None,
            ColorMode::TrueColor => Some(Color::Rgb(r, g, b)),
            ColorMode::Ansi16 => Some(nearest_ansi(r, g, b)),
        }
    }

    fn style(self, s: Style) -> Style {
        if self == ColorMode::None {
            Style {
                fg: None,
                bg: None,
                ..s
            }
        } else {
            s
        }
    }
}

fn nearest_ansi(r: u8, g: u8, b: u8) -> Color {
    const TABLE: [(Color, (i32, i32, i32)); 12] = [
        (Color::Red, (205, 49, 49)),
        (Color::Green, (13, 188, 121)),
        (Color::Yellow, (229, 229, 16)),
        (Color::Blue, (36, 114, 200)),
        (Color::Magenta, (188, 63, 188)),
        (Color::Cyan, (17, 168, 205)),
        (Color::Gray, (170, 170, 170)),
        (Color::LightRed, (241, 76, 76)),
        (Color::LightGreen, (35, 209, 139)),
        (Color::LightYellow, (245, 245, 67)),
        (Color::LightBlue, (59, 142, 234)),
        (Color::LightMagenta, (214, 112, 214)),
    ];
    let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
    TABLE
        .iter()
        .min_by_key(|(_, (x, y, z))| (r - x).pow(2) + (g - y).pow(2) + (b - z).pow(2))
        .map_or(Color::White, |(c, _)| *c)
}

fn pad(s: &str, w: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let gw = g.width();
        if used + gw > w {
            break;
        }
        out.push_str(g);
        used += gw;
    }
    out.push_str(&" ".repeat(w - used));
    out
}

fn cut(s: &str, w: usize) -> String {
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = pad(s, w.saturating_sub(1)).trim_end().to_string();
    out.push('…');
    out
}

/// Draws the whole screen.
pub fn render(app: &App, f: &mut Frame, colors: ColorMode) {
    let area = f.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let msg = format!(
            "koda needs a window of at least {}x{}; this one is {}x{}.",
            MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
        );
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let [tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_tabs(app, f, tabs, colors);
    match app.view {
        View::Documents => render_documents(app, f, body, colors),
        View::Reader => render_reader(app, f, body, colors),
        View::Codebook => render_codebook(app, f, body, colors),
        View::Search => render_search(app, f, body, colors),
        View::Excerpts => render_excerpts(app, f, body, colors),
        View::Memos => render_memos(app, f, body, colors),
        View::Names => render_names(app, f, body, colors),
    }
    render_status(app, f, status, colors);
    render_popup(app, f, body, colors);
}

fn render_tabs(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    let titles: Vec<String> = VIEWS
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{} {}", i + 1, v.title()))
        .collect();
    let selected = VIEWS.iter().position(|v| *v == app.view).unwrap_or(0);
    let tabs = Tabs::new(titles)
        .select(selected)
        .style(colors.style(Style::new().fg(Color::Gray)))
        .highlight_style(
            colors.style(Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)),
        )
        .divider("│");
    f.render_widget(tabs, area);
}

fn render_status(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    let p = app.project();
    let compare = app
        .reader
        .compare
        .as_ref()
        .filter(|_| app.view == View::Reader)
        .map(|(a, b)| format!(" · margin: {a} | {b}"))
        .unwrap_or_default();
    let mut left = if area.width >= 120 {
        format!(" {} · {}", cut(&p.config.name, 32), app.session.coder())
    } else {
        format!(" {}", app.session.coder())
    };
    if let Some(d) = app.doc() {
        left.push_str(&format!(" · {}", d.id));
    }
    if let Some((a, b)) = app.selection() {
        left.push_str(&format!(" · sel {a}..{b}"));
    }
    left.push_str(&compare);
    left.push_str(&format!(" · {} codings ", p.codings.len()));
    let w = usize::from(area.width);
    let right = cut(&app.status, w.saturating_sub(left.width() + 1));
    let line = Line::from(vec![
        Span::styled(
            left.clone(),
            colors.style(Style::new().add_modifier(Modifier::REVERSED)),
        ),
        Span::raw(" "),
        Span::styled(right, colors.style(Style::new().fg(Color::Yellow))),
    ]);
    f.render_widget(Paragraph::new(line), area);
}

fn selected_style(colors: ColorMode) -> Style {
    colors.style(Style::new().add_modifier(Modifier::REVERSED))
}

fn render_documents(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    let p = app.project();
    let rows = app.doc_rows();
    let [head, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let filter = if app.doc_filtering || !app.doc_filter.is_empty() {
        format!(
            " filter: {}{}",
            app.doc_filter,
            if app.doc_filtering { "▏" } else { "" }
        )
    } else {
        let order = match app.doc_sort {
            super::app::DocSort::Imported => "as imported",
            super::app::DocSort::Title => "by title",
            super::app::DocSort::Codings => "by codings",
        };
        format!(
            " {} documents, {order} · / filters · s sorts · Enter opens",
            rows.len()
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
    let top = app.doc_sel.saturating_sub(height.saturating_sub(1));
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
            if i == app.doc_sel {
                row.style(selected_style(colors))
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Min(20),
        Constraint::Length(11),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(3),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Length(11),
    ];
    f.render_widget(Table::new(body, widths).header(header), list);
}

fn render_reader(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    let Some(doc) = app.doc() else {
        f.render_widget(
            Paragraph::new(" No document open: choose one in Documents (1)."),
            area,
        );
        return;
    };
    let p = app.project();
    let Ok(text) = p.text(&doc.id) else {
        f.render_widget(Paragraph::new(" The document's text cannot be read."), area);
        return;
    };
    let turns = match p.turns(&doc.id) {
        Ok(t) => t,
        Err(e) => {
            f.render_widget(Paragraph::new(format!(" {e}")), area);
            return;
        }
    };
    let lines = app.lines();
    let char_index = app.char_index();
    let height = usize::from(area.height);
    let visible: Vec<_> = lines
        .iter()
        .enumerate()
        .skip(app.reader.scroll)
        .take(height)
        .collect();
    let (vis_start, vis_end) = (
        visible.first().map_or(0, |l| l.1.start),
        visible.last().map_or(0, |l| l.1.end),
    );
    let mut codings: Vec<&crate::model::Coding> = p
        .codings
        .values()
        .filter(|c| c.doc == doc.id && c.start <= vis_end && vis_start <= c.end)
        .collect();
    codings.sort_unstable_by(|a, b| a.by_position(b));
    let code_color = |id: &str| {
        colors
            .code(p.codebook.effective_color(id).as_deref())
            .unwrap_or(Color::Cyan)
    };
    let sel = app.selection();
    let cursor = app.reader.cursor;
    let text_w = app.text_width();
    let mut out: Vec<Line> = Vec::new();
    for (i, l) in visible {
        let mut spans: Vec<Span> = Vec::new();
        if app.reader.line_numbers {
            let show = i == 0 || lines[i - 1].text_line != l.text_line;
            let n = if show {
                format!("{:>4}  ", l.text_line)
            } else {
                "      ".into()
            };
            spans.push(Span::styled(
                n,
                colors.style(Style::new().fg(Color::DarkGray)),
            ));
        }
        let turn = crate::model::turn(&turns, l.turn);
        let speaker_cell = if l.first {
            Span::styled(
                pad(
                    turn.and_then(|t| t.speaker.as_deref()).unwrap_or(""),
                    SPEAKER_W,
                ),
                colors.style(Style::new().add_modifier(Modifier::BOLD)),
            )
        } else if i > 0 && lines[i - 1].first && lines[i - 1].turn == l.turn {
            let ts = turn
                .and_then(|t| t.timestamp_ms)
                .map(crate::cli::output::timestamp)
                .unwrap_or_default();
            Span::styled(
                pad(&ts, SPEAKER_W),
                colors.style(Style::new().fg(Color::DarkGray)),
            )
        } else {
            Span::raw(" ".repeat(SPEAKER_W))
        };
        spans.push(speaker_cell);
        spans.push(Span::styled(
            " │ ",
            colors.style(Style::new().fg(Color::DarkGray)),
        ));
        let mut pos = l.start;
        let mut used = 0;
        for g in char_index.slice(&text, l.start, l.end).graphemes(true) {
            let n = g.chars().count();
            let mut style = Style::new();
            if let Some(c) = codings.iter().rev().find(|c| c.start <= pos && pos < c.end) {
                style = colors
                    .style(style.fg(code_color(&c.code)))
                    .add_modifier(Modifier::UNDERLINED);
            }
            if sel.is_some_and(|(a, b)| a <= pos && pos < b) {
                style = style.add_modifier(Modifier::REVERSED);
            }
            if pos == cursor {
                style = style.add_modifier(Modifier::BOLD | Modifier::REVERSED);
            }
            used += g.width();
            spans.push(Span::styled(g.to_string(), style));
            pos += n;
        }
        if cursor == l.end && (i + 1 == lines.len() || lines[i + 1].start > l.end) {
            spans.push(Span::styled(
                " ",
                Style::new().add_modifier(Modifier::REVERSED),
            ));
            used += 1;
        }
        spans.push(Span::raw(" ".repeat(text_w.saturating_sub(used) + 1)));
        // The margin: the codes on this line, like coding stripes; in compare mode one column
        // per coder.
        let on_line =
            |c: &&&crate::model::Coding| c.start < l.end.max(l.start + 1) && l.start < c.end;
        let columns: Vec<(Option<&str>, usize)> = match &app.reader.compare {
            Some((a, b)) => vec![
                (Some(a.as_str()), MARGIN_W / 2),
                (Some(b.as_str()), MARGIN_W - MARGIN_W / 2),
            ],
            None => vec![(None, MARGIN_W)],
        };
        for (coder, width) in columns {
            let mut used_here = 0;
            for c in codings
                .iter()
                .filter(on_line)
                .filter(|c| coder.is_none_or(|k| c.coder == k))
            {
                let name = p.codebook.get(&c.code).map_or("?", |x| x.name.as_str());
                let flag = if c.stale { "!" } else { "▌" };
                let piece = cut(&format!("{flag}{name} "), width);
                if used_here + piece.width() > width {
                    break;
                }
                used_here += piece.width();
                spans.push(Span::styled(
                    piece,
                    colors.style(Style::new().fg(code_color(&c.code))),
                ));
            }
            spans.push(Span::raw(" ".repeat(width - used_here)));
        }
        out.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(out), area);
}

fn render_codebook(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    let p = app.project();
    let counts: std::collections::BTreeMap<String, crate::analysis::CodeCount> =
        crate::analysis::code_counts(p)
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
    let rows = app.code_rows();
    let header = Row::new(vec!["code", "codings", "with sub", "docs", "description"])
        .style(colors.style(Style::new().add_modifier(Modifier::BOLD)));
    let height = usize::from(area.height).saturating_sub(1).max(1);
    let top = app.code_sel.saturating_sub(height.saturating_sub(1));
    let body: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(i, (id, depth))| {
            let c = counts.get(id);
            let fold = if app.collapsed.contains(id) {
                "▸"
            } else {
                " "
            };
            let name = format!(
                "{}{fold}■ {}",
                "  ".repeat(*depth),
                c.map_or("", |c| c.name.as_str())
            );
            let color = colors.code(p.codebook.effective_color(id).as_deref());
            let row = Row::new(vec![
                ratatui::text::Text::from(Span::styled(
                    name,
                    color.map_or(Style::new(), |c| Style::new().fg(c)),
                )),
                c.map_or(0, |c| c.codings).to_string().into(),
                c.map_or(0, |c| c.codings_with_subcodes).to_string().into(),
                c.map_or(0, |c| c.documents).to_string().into(),
                c.map_or(String::new(), |c| c.description.clone()).into(),
            ]);
            if i == app.code_sel {
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

fn highlighted(snippet: &str, hl: &[(usize, usize)], colors: ColorMode) -> Vec<Span<'static>> {
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

fn render_search(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    let [head, info, list] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(format!(" search: {}▏", app.query)), head);
    let info_text = if let Some(e) = &app.search_error {
        e.lines().next().unwrap_or("").to_string()
    } else if let Some(r) = &app.results {
        format!(
            "{} turns in {} documents · ↑↓ choose · Enter opens · Ctrl-space marks · Ctrl-a autocodes{}",
            r.total,
            r.documents,
            if app.marked.is_empty() {
                String::new()
            } else {
                format!(" ({} marked)", app.marked.len())
            }
        )
    } else {
        "type words, \"phrases\", prefix*, fuzzy~1, speaker:, code:, role:…".into()
    };
    f.render_widget(
        Paragraph::new(format!(" {info_text}"))
            .style(colors.style(Style::new().fg(Color::DarkGray))),
        info,
    );
    let Some(r) = &app.results else { return };
    let per = 3;
    let fit = (usize::from(list.height) / per).max(1);
    let top = app.hit_sel.saturating_sub(fit.saturating_sub(1));
    let mut lines: Vec<Line> = Vec::new();
    let w = usize::from(list.width).saturating_sub(4);
    for (i, h) in r.hits.iter().enumerate().skip(top).take(fit) {
        let mark = if app.marked.contains(&i) { "*" } else { " " };
        let pointer = if i == app.hit_sel { "▶" } else { " " };
        let head = format!(
            "{pointer}{mark}{} · turn {}{}{}",
            h.doc_title,
            h.turn,
            h.speaker
                .as_ref()
                .map(|s| format!(" · {s}"))
                .unwrap_or_default(),
            h.case
                .as_ref()
                .map(|c| format!(" · {c}"))
                .unwrap_or_default()
        );
        let style = if i == app.hit_sel {
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

fn render_excerpts(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    let p = app.project();
    let rows = app.excerpt_rows();
    let [head, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let code = app
        .ex_code
        .as_ref()
        .map_or("all codes".to_string(), |c| p.codebook.path(c));
    let filters = app
        .ex_filter
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ");
    f.render_widget(
        Paragraph::new(format!(
            " {code} (with sub-codes) · {} excerpts{} · f filters · Space shows the turn · Enter opens",
            rows.len(),
            if filters.is_empty() { String::new() } else { format!(" · {filters}") }
        )),
        head,
    );
    let w = usize::from(list.width).saturating_sub(4);
    let mut lines: Vec<Line> = Vec::new();
    let top = app.ex_sel.saturating_sub(usize::from(list.height) / 4);
    for (i, e) in rows.iter().enumerate().skip(top) {
        if lines.len() >= usize::from(list.height) {
            break;
        }
        let head = format!(
            "{}{} · {} · turn {}{} · {}",
            if i == app.ex_sel { "▶" } else { " " },
            e.code_path,
            e.doc_title,
            e.turn,
            e.speaker
                .as_ref()
                .map(|s| format!(" · {s}"))
                .unwrap_or_default(),
            e.coder
        );
        let style = if i == app.ex_sel {
            selected_style(colors)
        } else {
            colors.style(Style::new().add_modifier(Modifier::BOLD))
        };
        lines.push(Line::styled(cut(&head, w + 2), style));
        let body = if app.ex_context && i == app.ex_sel {
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
        let max_lines = if app.ex_context && i == app.ex_sel {
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
    }
    f.render_widget(Paragraph::new(lines), list);
}

fn render_memos(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
    let p = app.project();
    let rows = app.memo_rows();
    let [head, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    f.render_widget(
        Paragraph::new(format!(
            " {} memos · Enter edits · a adds · D deletes",
            rows.len()
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
        let style = if i == app.memo_sel {
            selected_style(colors)
        } else {
            colors.style(Style::new().add_modifier(Modifier::BOLD))
        };
        lines.push(Line::styled(
            cut(
                &format!(
                    "{}{about} · {}",
                    if i == app.memo_sel { "▶" } else { " " },
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

fn render_names(app: &App, f: &mut Frame, area: Rect, colors: ColorMode) {
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
    let suggestions = app.suggestions.as_deref().unwrap_or(&[]);
    lines.push(Line::styled(
        format!(" Suggestions ({}): capitalised words that recur inside sentences · Enter or a registers", suggestions.len()),
        colors.style(Style::new().add_modifier(Modifier::BOLD)),
    ));
    let w = usize::from(area.width).saturating_sub(4);
    let room = usize::from(area.height).saturating_sub(lines.len());
    let top = app.name_sel.saturating_sub(room.saturating_sub(1));
    for (i, s) in suggestions.iter().enumerate().skip(top).take(room) {
        let text = format!(
            "{} {} ×{} · {} · {}",
            if i == app.name_sel { "▶" } else { " " },
            s.name,
            s.count,
            s.first,
            s.sample
        );
        let style = if i == app.name_sel {
            selected_style(colors)
        } else {
            Style::new()
        };
        lines.push(Line::styled(cut(&text, w + 2), style));
    }
    f.render_widget(Paragraph::new(lines), area);
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn render_popup(app: &App, f: &mut Frame, body: Rect, colors: ColorMode) {
    let Some(popup) = &app.popup else { return };
    let frame = |title: &str| {
        Block::default()
            .borders(Borders::ALL)
            .title(format!(" {title} "))
    };
    match popup {
        Popup::Help => {
            let ctx = Context::View(app.view);
            let items = help_lines(&app.keymap, ctx);
            let area = centered(body, 76, body.height);
            let half = items.len().div_ceil(2);
            let fit = usize::from(area.height).saturating_sub(2);
            let more = half > app.help_scroll + fit;
            let mut lines = Vec::new();
            for i in (0..half).skip(app.help_scroll).take(fit) {
                let left = items
                    .get(i)
                    .map(|(k, h)| format!("{:>11}  {}", k, h))
                    .unwrap_or_default();
                let right = items
                    .get(i + half)
                    .map(|(k, h)| format!("{:>11}  {}", k, h))
                    .unwrap_or_default();
                lines.push(Line::raw(format!("{}{}", pad(&left, 37), cut(&right, 37))));
            }
            f.render_widget(Clear, area);
            let title = format!(
                "keys: {} · Esc closes{}",
                app.view.title(),
                if more { " · ↓ more" } else { "" }
            );
            f.render_widget(Paragraph::new(lines).block(frame(&title)), area);
        }
        Popup::Prompt(p) => {
            let area = centered(body, 64, 3);
            f.render_widget(Clear, area);
            f.render_widget(
                Paragraph::new(format!("{}▏", p.text)).block(frame(&p.label)),
                area,
            );
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
                    super::app::plural(*count, "turn"),
                    super::app::unit_name(*unit)
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
            let block = frame(&format!("{} · Ctrl-s saves · Esc cancels", ed.title));
            let inner = block.inner(area);
            f.render_widget(block, area);
            f.render_widget(&ed.area, inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_degrade_and_no_color_removes_them() {
        assert_eq!(
            ColorMode::TrueColor.code(Some("#4575b4")),
            Some(Color::Rgb(0x45, 0x75, 0xb4))
        );
        assert_eq!(ColorMode::Ansi16.code(Some("#4575b4")), Some(Color::Blue));
        assert_eq!(ColorMode::Ansi16.code(Some("#d73027")), Some(Color::Red));
        assert_eq!(ColorMode::Ansi16.code(Some("#1a9850")), Some(Color::Green));
        assert_eq!(ColorMode::None.code(Some("#4575b4")), None);
        assert_eq!(ColorMode::TrueColor.code(None), None);
        let s = ColorMode::None.style(Style::new().fg(Color::Red).add_modifier(Modifier::BOLD));
        assert_eq!(s.fg, None);
        assert!(s.add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn padding_and_cutting_count_display_width() {
        assert_eq!(pad("東京", 6), "東京  ");
        assert_eq!(cut("blåbærsyltetøy", 6), "blåbæ…");
        assert_eq!(cut("kort", 6), "kort");
    }
}
