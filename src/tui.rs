//! The terminal interface: read, select, code, search, retrieve and memo from the keyboard.
//!
//! Data flows one way: a terminal event becomes an [`app::Action`] through the keymap, the
//! action updates the [`app::App`] state (every change through the core session), and the
//! screen is drawn from the state alone. The terminal is restored on quit, on error, on panic
//! and on SIGTERM or SIGHUP; a terminal that goes away without a signal ends the session too.

pub mod action;
pub mod app;
mod derived;
pub mod keymap;
pub mod layout;
pub mod popup;
pub mod render;
pub mod views;

use crate::store::Session;
use app::{Action, App};
use crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind, MouseButton, MouseEventKind,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use render::ColorMode;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        LeaveAlternateScreen,
        DisableMouseCapture,
        crossterm::cursor::Show
    );
}

/// Maps a terminal event to an action.
pub fn to_action(app: &mut App, ev: Event) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            app.on_key(k);
            None
        }
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(m.column, m.row)),
            MouseEventKind::Drag(MouseButton::Left) => Some(Action::Drag(m.column, m.row)),
            MouseEventKind::Moved => Some(Action::Hover(m.column, m.row)),
            MouseEventKind::ScrollUp => Some(Action::ScrollUp),
            MouseEventKind::ScrollDown => Some(Action::ScrollDown),
            _ => None,
        },
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        _ => None,
    }
}

/// Runs the loop on any backend until the user quits or `stop` is set: draw, wait for an
/// event (or a tick), update.
pub fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    colors: ColorMode,
    mut next_event: impl FnMut(Duration) -> std::io::Result<Option<Event>>,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    while !app.quit && !stop.load(Ordering::Relaxed) {
        terminal.draw(|f| render::render(app, f, colors))?;
        match next_event(Duration::from_millis(100))? {
            Some(ev) => {
                if let Some(a) = to_action(app, ev) {
                    app.update(a);
                }
            }
            None => app.update(Action::Tick),
        }
    }
    Ok(())
}

/// Opens the TUI on a session in the real terminal.
pub fn run(session: Session) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&stop))?;
    signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&stop))?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
    enable_raw_mode()?;
    let mut stdout = std::io::stdout();
    if let Err(e) = execute!(stdout, EnterAlternateScreen, EnableMouseCapture) {
        restore_terminal();
        return Err(e.into());
    }
    let mut kept: Option<String> = None;
    let result = (|| -> anyhow::Result<()> {
        let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
        let size = terminal.size()?;
        let mut app = App::new(session, (size.width, size.height));
        let colors = ColorMode::from_env();
        // A terminal that goes away without a hangup signal (its emulator or multiplexer
        // killed) reads as end of file for ever: koda would hold the project's lock with
        // nobody at the keys. Between events, a terminal that was one at the start and is no
        // longer ends the session (every acknowledged change is already in the journal).
        let watched = std::io::stdout().is_terminal();
        let ended = run_loop(
            &mut terminal,
            &mut app,
            colors,
            |t| {
                if event::poll(t)? {
                    event::read().map(Some)
                } else if watched && !std::io::stdout().is_terminal() {
                    Err(std::io::Error::new(
                        std::io::ErrorKind::BrokenPipe,
                        "the terminal went away; every change made is saved",
                    ))
                } else {
                    Ok(None)
                }
            },
            &stop,
        );
        // Not quit by the user: keep the memo being written.
        if !app.quit {
            kept = app.keep_draft();
        }
        ended?;
        Ok(())
    })();
    restore_terminal();
    if let Some(message) = kept {
        eprintln!("koda: {message}");
    }
    result
}
