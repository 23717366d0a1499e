//! Rendering: a pure function of the [`App`] state into a ratatui frame, one function per view
//! and popup.

use super::app::{App, VIEWS, View};
use super::popup::render_popup;
use super::views::{
    codebook::render_codebook, documents::render_documents, excerpts::render_excerpts,
    memos::render_memos, names::render_names, reader::render_reader, search::render_search,
};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs, Wrap};
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

    pub(crate) fn style(self, s: Style) -> Style {
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

pub(crate) fn nearest_ansi(r: u8, g: u8, b: u8) -> Color {
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

pub(crate) use crate::model::display::{cut, pad};

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
    if app.view == View::Reader
        && let Some((a, b)) = &app.reader.compare
    {
        // Compare mode: each coder's name heads their column of the margin, on the tab row.
        let half = crate::tui::views::reader::COMPARE_W / 2;
        let ln = if app.reader.line_numbers { 6 } else { 0 };
        let x = ln + crate::tui::views::reader::SPEAKER_W + 3 + app.text_width() + 1;
        let head = format!(
            "{}{}",
            pad(&cut(a, half - 1), half),
            pad(&cut(b, half - 1), half)
        );
        if let (Ok(x), Ok(w)) = (u16::try_from(x), u16::try_from(head.width())) {
            let r = Rect::new(
                tabs.x + x.min(tabs.width),
                tabs.y,
                w.min(tabs.width.saturating_sub(x)),
                1,
            );
            f.render_widget(ratatui::widgets::Clear, r);
            f.render_widget(
                Paragraph::new(head).style(
                    colors.style(Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)),
                ),
                r,
            );
        }
    }
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
    let in_reader = app.view == View::Reader && app.doc().is_some();
    let mut left = if area.width >= 120 && !in_reader {
        format!(" {} · {}", cut(&p.config.name, 32), app.session.coder())
    } else {
        format!(" {}", app.session.coder())
    };
    match app.doc().filter(|_| app.view == View::Reader) {
        // In the reader: where you are, always: the document, its type and case, the turn.
        Some(d) => {
            let turns = p.turns(&d.id).ok();
            let turn = turns
                .as_deref()
                .and_then(|t| crate::model::turn_at(t, app.reader.cursor))
                .map_or(0, |t| t.number);
            left.push_str(&format!(
                " · {} · {}{} · turn {turn}/{}",
                cut(&d.title, if area.width >= 120 { 36 } else { 24 }),
                d.kind,
                d.case
                    .as_deref()
                    .map(|c| format!(" · {c}"))
                    .unwrap_or_default(),
                d.turn_count
            ));
            if let Some((a, b)) = app.selection() {
                left.push_str(&format!(" · sel {a}..{b}"));
            }
            left.push_str(&compare);
            left.push(' ');
        }
        None => {
            if let Some(d) = app.doc() {
                left.push_str(&format!(" · {}", d.id));
            }
            left.push_str(&format!(" · {} codings ", p.codings.len()));
        }
    }
    let w = usize::from(area.width);
    // A message that does not fit beside the orientation gets the room: in the reader the
    // orientation gives up the title first, then the type and case (keeping the turn).
    let fits = |left: &str| app.status.width() < w.saturating_sub(left.width());
    if !fits(&left) {
        let shorter: Vec<String> = match app.doc().filter(|_| in_reader) {
            Some(d) => {
                let turn = p
                    .turns(&d.id)
                    .ok()
                    .as_deref()
                    .and_then(|t| crate::model::turn_at(t, app.reader.cursor))
                    .map_or(0, |t| t.number);
                let sel = app
                    .selection()
                    .map(|(a, b)| format!(" · sel {a}..{b}"))
                    .unwrap_or_default();
                let case = d
                    .case
                    .as_deref()
                    .map(|c| format!(" · {c}"))
                    .unwrap_or_default();
                let coder = app.session.coder();
                let n = d.turn_count;
                vec![
                    format!(
                        " {coder} · {}{case} · turn {turn}/{n}{sel}{compare} ",
                        d.kind
                    ),
                    format!(" {coder} · turn {turn}/{n}{sel}{compare} "),
                    format!(" {coder} · turn {turn}/{n}{compare} "),
                ]
            }
            None => vec![format!(" {} ", app.session.coder())],
        };
        left = shorter
            .iter()
            .find(|l| fits(l))
            .or(shorter.last())
            .cloned()
            .unwrap_or(left);
    }
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

pub(crate) fn selected_style(colors: ColorMode) -> Style {
    colors.style(Style::new().add_modifier(Modifier::REVERSED))
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
