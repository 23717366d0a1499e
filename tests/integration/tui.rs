//! The TUI: every view rendered into a test backend (snapshots at 80x24 and 120x40), and an
//! end-to-end run of the real binary in tmux.

use koda::store::Session;
use koda::tui::app::{Action, App, View};
use koda::tui::render::{ColorMode, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus-example");
    let ok = Command::new("cp")
        .arg("-r")
        .arg(format!("{}/.", src.display()))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(ok.success());
    let _ = std::fs::remove_dir_all(dir.path().join(".koda"));
    dir
}

fn app(dir: &Path, w: u16, h: u16) -> App {
    App::new(Session::open(dir, "anna").unwrap(), (w, h))
}

fn draw(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| render(app, f, ColorMode::None)).unwrap();
    format!("{}", t.backend())
}

/// Puts the app in each view and state, and snapshots it at one size.
fn snapshots(w: u16, h: u16) {
    let dir = example_copy();
    let mut a = app(dir.path(), w, h);
    let name = |view: &str| format!("{view}_{w}x{h}");
    insta::assert_snapshot!(name("documents"), draw(&a));
    a.update(Action::Enter);
    insta::assert_snapshot!(name("reader"), draw(&a));
    a.update(Action::ToggleLineNumbers);
    a.update(Action::TurnNext);
    a.update(Action::TurnNext);
    a.update(Action::SelectTurn);
    insta::assert_snapshot!(name("reader_lines_selection"), draw(&a));
    a.update(Action::CodeSelection);
    insta::assert_snapshot!(name("picker"), draw(&a));
    a.update(Action::Escape);
    a.update(Action::Help);
    insta::assert_snapshot!(name("help"), draw(&a));
    a.update(Action::Escape);
    a.update(Action::GoView(View::Codebook));
    insta::assert_snapshot!(name("codebook"), draw(&a));
    a.update(Action::Enter);
    insta::assert_snapshot!(name("excerpts"), draw(&a));
    a.update(Action::GoView(View::Search));
    for c in "tillit OR trust".chars() {
        a.update(Action::Type(c));
    }
    a.flush_search();
    insta::assert_snapshot!(name("search"), draw(&a));
    a.update(Action::GoView(View::Memos));
    insta::assert_snapshot!(name("memos"), draw(&a));
    a.update(Action::GoView(View::Names));
    insta::assert_snapshot!(name("names"), draw(&a));
}

#[test]
fn views_at_80x24() {
    snapshots(80, 24);
}

#[test]
fn views_at_120x40() {
    snapshots(120, 40);
}

#[test]
fn too_small_a_window_says_so() {
    let dir = example_copy();
    let a = app(dir.path(), 60, 20);
    let screen = draw(&a);
    assert!(
        screen.contains("koda needs a window of at least 80x24; this one is 60x20."),
        "{screen}"
    );
}

struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    /// Runs `command` in a new session of the given size and waits for koda's first screen.
    fn start(&self, command: &str, (w, h): (u16, u16)) {
        let (w, h) = (w.to_string(), h.to_string());
        let o = self.cmd(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &w,
            "-y",
            &h,
            command,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        self.wait_for("1 Documents");
    }

    fn wait_for(&self, what: &str) -> String {
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
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status.success());
    }

    fn typed(&self, text: &str) {
        assert!(
            self.cmd(&["send-keys", "-t", "e2e", "-l", text])
                .status
                .success()
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

#[test]
fn end_to_end_in_tmux() {
    let version = Command::new("tmux").arg("-V").output();
    assert!(
        version.is_ok_and(|o| o.status.success()),
        "this test drives the TUI in tmux: install tmux (bash .ci/run does)"
    );
    let dir = example_copy();
    let bin = env!("CARGO_BIN_EXE_koda");
    let t = Tmux {
        socket: format!("koda-e2e-{}", std::process::id()),
    };
    let command = format!("{bin} --coder tester tui {}", dir.path().display());
    t.start(&command, (120, 40));
    t.keys(&["4"]);
    t.wait_for("search:");
    t.typed("ventetid");
    let s = t.wait_for("turns in");
    assert!(s.contains("Feltnotat samarbeidsmøte"), "{s}");
    t.keys(&["Down", "Enter"]);
    t.wait_for("2 Reader");
    t.keys(&["t", "c"]);
    t.wait_for("code the selection");
    t.typed("e2e/ventetid");
    t.wait_for("+ new code e2e/ventetid");
    t.keys(&[
        "Down", "Down", "Down", "Down", "Down", "Down", "Down", "Down", "Down", "Down", "Down",
        "Down", "Down", "Enter",
    ]);
    t.wait_for("coded e2e/ventetid");
    t.keys(&["q"]);
    let start = Instant::now();
    while t.cmd(&["has-session", "-t", "e2e"]).status.success() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "koda did not quit"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = Command::new(bin)
        .arg("-p")
        .arg(dir.path())
        .args(["excerpts", "--code", "e2e/ventetid", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 1, "{v}");
    assert_eq!(list[0]["coder"], "tester");
    assert!(
        list[0]["text"].as_str().unwrap().contains("ventetid"),
        "{v}"
    );
}

#[test]
fn a_terminal_that_vanishes_ends_the_session_keeps_the_memo_draft_and_frees_the_project() {
    for tool in ["tmux", "setsid"] {
        let version = Command::new(tool).arg("-V").output();
        assert!(
            version.is_ok_and(|o| o.status.success()),
            "this test runs koda in tmux under setsid: install {tool} (bash .ci/run does)"
        );
    }
    let dir = example_copy();
    let aside = tempfile::tempdir().unwrap();
    let pid_file = aside.path().join("koda.pid");
    let bin = env!("CARGO_BIN_EXE_koda");
    let t = Tmux {
        socket: format!("koda-gone-{}", std::process::id()),
    };
    // Without a controlling terminal (setsid), koda gets no hangup signal when its terminal
    // goes: it only finds reads at end of file, as under a killed emulator or multiplexer.
    let command = format!(
        "setsid -w sh -c 'echo $$ > {}; exec {bin} --coder tester tui {}'",
        pid_file.display(),
        dir.path().display()
    );
    t.start(&command, (100, 30));
    // A memo half written when the terminal goes.
    t.keys(&["6"]);
    t.wait_for("a adds");
    t.keys(&["a"]);
    t.typed("Utkast: tillit før tjenester");
    t.wait_for("Utkast: tillit før tjenester");
    let server = t.cmd(&["display-message", "-p", "#{pid}"]);
    let server = String::from_utf8_lossy(&server.stdout).trim().to_string();
    assert!(!server.is_empty(), "tmux names its server's pid");
    assert!(
        Command::new("kill")
            .args(["-9", &server])
            .status()
            .unwrap()
            .success()
    );
    let start = Instant::now();
    loop {
        let out = Command::new(bin)
            .arg("-p")
            .arg(dir.path())
            .args(["--coder", "tester", "codes", "add", "after/vanished"])
            .output()
            .unwrap();
        if out.status.success() {
            break;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let pid = std::fs::read_to_string(&pid_file).unwrap_or_default();
            let _ = Command::new("kill").args(["-9", pid.trim()]).status();
            panic!(
                "koda kept the project after its terminal went away: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let memos = Command::new(bin)
        .arg("-p")
        .arg(dir.path())
        .args(["memos", "--json"])
        .output()
        .unwrap();
    let memos = String::from_utf8_lossy(&memos.stdout);
    assert!(
        memos.contains("Utkast: tillit før tjenester"),
        "the memo being written is kept: {memos}"
    );
}

#[test]
fn compare_mode_shows_two_coders_side_by_side() {
    let dir = example_copy();
    let mut a = app(dir.path(), 120, 40);
    a.update(Action::Enter);
    a.on_key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('K'),
        crossterm::event::KeyModifiers::SHIFT,
    ));
    a.update(Action::Enter);
    assert_eq!(
        a.reader.compare,
        Some(("anna".to_string(), "bo".to_string()))
    );
    let screen = draw(&a);
    let both: Vec<&str> = screen
        .lines()
        .filter(|l| l.matches("▌person").count() == 2)
        .collect();
    assert!(
        !both.is_empty(),
        "a line coded by anna and bo shows both columns:\n{screen}"
    );
    let only_anna: Vec<&str> = screen.lines().filter(|l| l.contains("▌instit")).collect();
    assert!(!only_anna.is_empty(), "{screen}");
    assert!(screen.contains("margin: anna | bo"), "{screen}");
}
