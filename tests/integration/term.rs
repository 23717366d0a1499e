//! Driving the TUI from Rust: a pseudo-terminal for the real binary (its screen parsed by
//! `vt100`), and one small key-script language for both it and an in-process [`App`].
//!
//! A key script is text typed as it stands, with special keys in angle brackets: `<Enter>`,
//! `<Esc>`, `<Tab>`, `<Up>`, `<Down>`, `<Left>`, `<Right>`, `<PgUp>`, `<PgDn>`, `<Home>`,
//! `<End>`, `<BS>`, `<Space>`, and `<C-x>` for Ctrl with a letter. `4ventet<Down><Enter>tc`
//! goes to the Search view, types "ventet", opens the second hit and codes its turn.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use koda::tui::app::App;
use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The keys of a script, in order.
pub fn keys(script: &str) -> Vec<KeyEvent> {
    let mut out = Vec::new();
    let mut rest = script;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
            && end > 1
        {
            let name = &rest[1..end];
            out.push(special(name).unwrap_or_else(|| panic!("unknown key <{name}>")));
            rest = &rest[end + 1..];
            continue;
        }
        let mods = if c.is_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        out.push(KeyEvent::new(KeyCode::Char(c), mods));
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn special(name: &str) -> Option<KeyEvent> {
    let plain = |code| Some(KeyEvent::new(code, KeyModifiers::NONE));
    match name {
        "Enter" => plain(KeyCode::Enter),
        "Esc" => plain(KeyCode::Esc),
        "Tab" => plain(KeyCode::Tab),
        "Up" => plain(KeyCode::Up),
        "Down" => plain(KeyCode::Down),
        "Left" => plain(KeyCode::Left),
        "Right" => plain(KeyCode::Right),
        "PgUp" => plain(KeyCode::PageUp),
        "PgDn" => plain(KeyCode::PageDown),
        "Home" => plain(KeyCode::Home),
        "End" => plain(KeyCode::End),
        "BS" => plain(KeyCode::Backspace),
        "Space" => plain(KeyCode::Char(' ')),
        _ => {
            let c = name.strip_prefix("C-")?;
            let mut chars = c.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else {
                return None;
            };
            Some(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
        }
    }
}

/// What a terminal sends for a key.
fn bytes(k: &KeyEvent) -> Vec<u8> {
    let seq: &[u8] = match k.code {
        KeyCode::Enter => b"\r",
        KeyCode::Esc => b"\x1b",
        KeyCode::Tab => b"\t",
        KeyCode::Up => b"\x1b[A",
        KeyCode::Down => b"\x1b[B",
        KeyCode::Right => b"\x1b[C",
        KeyCode::Left => b"\x1b[D",
        KeyCode::PageUp => b"\x1b[5~",
        KeyCode::PageDown => b"\x1b[6~",
        KeyCode::Home => b"\x1b[H",
        KeyCode::End => b"\x1b[F",
        KeyCode::Backspace => b"\x7f",
        KeyCode::Char(c) if k.modifiers.contains(KeyModifiers::CONTROL) => {
            return vec![(c.to_ascii_lowercase() as u8) & 0x1f];
        }
        KeyCode::Char(c) => return c.to_string().into_bytes(),
        other => panic!("no terminal bytes for {other:?}"),
    };
    seq.to_vec()
}

/// Feeds a key script to an in-process app, through its keymap.
pub fn press(app: &mut App, script: &str) {
    for k in keys(script) {
        app.on_key(k);
    }
}

/// The real `koda` binary in a pseudo-terminal of its own. The child has the terminal as
/// standard input, output and error but not as its controlling terminal, so it gets no
/// hangup signal when the terminal goes: only reads at end of file, as under a killed
/// terminal emulator or multiplexer.
pub struct Term {
    master: Option<std::fs::File>,
    parser: vt100::Parser,
    child: Child,
}

impl Term {
    /// Starts `koda ARGS` in a terminal of `w` x `h` and waits for its first screen.
    pub fn start(args: &[&std::ffi::OsStr], (w, h): (u16, u16)) -> Term {
        let master = rustix::pty::openpt(
            rustix::pty::OpenptFlags::RDWR
                | rustix::pty::OpenptFlags::NOCTTY
                | rustix::pty::OpenptFlags::CLOEXEC,
        )
        .expect("a pseudo-terminal");
        rustix::pty::grantpt(&master).expect("grantpt");
        rustix::pty::unlockpt(&master).expect("unlockpt");
        let name = rustix::pty::ptsname(&master, Vec::new()).expect("ptsname");
        let slave: OwnedFd = rustix::fs::open(
            Path::new(std::ffi::OsStr::new(
                name.to_str().expect("the terminal's name is UTF-8"),
            )),
            OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .expect("open the terminal");
        rustix::termios::tcsetwinsize(
            &master,
            rustix::termios::Winsize {
                ws_row: h,
                ws_col: w,
                ws_xpixel: 0,
                ws_ypixel: 0,
            },
        )
        .expect("set the window size");
        let flags = rustix::fs::fcntl_getfl(&master).expect("getfl");
        rustix::fs::fcntl_setfl(&master, flags | OFlags::NONBLOCK).expect("setfl");
        let child = Command::new(crate::util::koda_bin())
            .args(args)
            .env_remove("KODA_CODER")
            .env("TERM", "xterm-256color")
            .stdin(Stdio::from(slave.try_clone().expect("dup")))
            .stdout(Stdio::from(slave.try_clone().expect("dup")))
            .stderr(Stdio::from(slave))
            .spawn()
            .expect("start koda");
        let mut t = Term {
            master: Some(std::fs::File::from(master)),
            parser: vt100::Parser::new(h, w, 0),
            child,
        };
        t.wait_for("1 Documents");
        t
    }

    /// Reads whatever koda has drawn since the last look.
    fn pump(&mut self) {
        let Some(m) = self.master.as_mut() else {
            return;
        };
        let mut buf = [0u8; 16 * 1024];
        loop {
            match m.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => self.parser.process(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                // EIO: koda has closed its end (it quit).
                Err(_) => break,
            }
        }
    }

    /// The screen as text, one line per row.
    pub fn screen(&mut self) -> String {
        self.pump();
        self.parser.screen().contents()
    }

    /// Waits until the screen shows `what` and returns the screen.
    #[track_caller]
    pub fn wait_for(&mut self, what: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "waited for {what:?}; the screen shows:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Sends a key script, a key at a time (as a person types).
    pub fn press(&mut self, script: &str) {
        for k in keys(script) {
            let m = self.master.as_mut().expect("the terminal is open");
            m.write_all(&bytes(&k)).expect("send a key");
            m.flush().expect("flush");
            std::thread::sleep(Duration::from_millis(15));
            self.pump();
        }
    }

    /// Waits for koda to exit; false if it had not within `limit`.
    pub fn exited_within(&mut self, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            self.pump();
            if self.child.try_wait().expect("wait").is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(30));
        }
        false
    }

    /// Closes the terminal under koda, as when its emulator is killed.
    pub fn vanish(&mut self) {
        self.master = None;
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
