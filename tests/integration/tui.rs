//! The TUI: every view rendered into a test backend (snapshots at 80x24 and 120x40), and the
//! real binary driven end to end in a pseudo-terminal.

use crate::term::Term;
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

#[test]
fn end_to_end_in_a_terminal() {
    let dir = example_copy();
    let bin = env!("CARGO_BIN_EXE_koda");
    let mut t = Term::start(
        &[
            "--coder".as_ref(),
            "tester".as_ref(),
            "tui".as_ref(),
            dir.path().as_os_str(),
        ],
        (120, 40),
    );
    t.press("4");
    t.wait_for("search:");
    t.press("ventetid");
    let s = t.wait_for("turns in");
    assert!(s.contains("Feltnotat samarbeidsmøte"), "{s}");
    t.press("<Down><Enter>");
    t.wait_for("2 Reader");
    t.press("tc");
    t.wait_for("code the selection");
    t.press("e2e/ventetid");
    t.wait_for("+ new code e2e/ventetid");
    t.press(&"<Down>".repeat(13));
    t.press("<Enter>");
    t.wait_for("coded e2e/ventetid");
    t.press("q");
    assert!(
        t.exited_within(Duration::from_secs(10)),
        "koda did not quit"
    );
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
    let dir = example_copy();
    let bin = env!("CARGO_BIN_EXE_koda");
    let mut t = Term::start(
        &[
            "--coder".as_ref(),
            "tester".as_ref(),
            "tui".as_ref(),
            dir.path().as_os_str(),
        ],
        (100, 30),
    );
    // A memo half written when the terminal goes.
    t.press("6");
    t.wait_for("a adds");
    t.press("aUtkast: tillit før tjenester");
    t.wait_for("Utkast: tillit før tjenester");
    t.vanish();
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
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "koda kept the project after its terminal went away: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(t.exited_within(Duration::from_secs(5)), "koda still runs");
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
        .filter(|l| l.matches("▌pers").count() == 2)
        .collect();
    assert!(
        !both.is_empty(),
        "a line coded by anna and bo shows both columns:\n{screen}"
    );
    let only_anna: Vec<&str> = screen.lines().filter(|l| l.contains("▌insti")).collect();
    assert!(!only_anna.is_empty(), "{screen}");
    assert!(screen.contains("margin: anna | bo"), "{screen}");
    // Each coder's name heads their column of the margin, on the tab row.
    let top = screen.lines().next().unwrap().trim_matches('"');
    let head: String = top
        .chars()
        .rev()
        .take(25)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert!(
        head.trim_start().starts_with("anna") && head.contains("bo"),
        "{head:?}"
    );
}

#[test]
fn the_help_overlay_scrolls_to_every_binding_of_a_view_at_80x24() {
    use koda::tui::keymap::{Context, describe};
    let dir = example_copy();
    for view in ["2", "3", "4"] {
        let mut a = app(dir.path(), 80, 24);
        crate::term::press(&mut a, view);
        a.update(Action::Help);
        let mut seen: Vec<String> = Vec::new();
        let mut last = String::new();
        for _ in 0..200 {
            let screen = draw(&a);
            // The rows inside the overlay's frame, in order, added once each as they scroll in.
            let rows: Vec<String> = screen
                .lines()
                .filter_map(|l| l.split('│').nth(1).map(|r| r.trim_end().to_string()))
                .collect();
            let fresh = rows.len().min(if seen.is_empty() { rows.len() } else { 1 });
            seen.extend(rows[rows.len() - fresh..].iter().cloned());
            if screen == last {
                break;
            }
            last = screen;
            a.update(Action::Down);
        }
        let all = seen
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let ctx = Context::View(a.view);
        for b in a
            .keymap
            .iter()
            .filter(|b| b.context == ctx || b.context == Context::Global)
        {
            let want = format!("{} {}", describe(&b.key), b.help);
            let want = want.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                all.contains(&want),
                "{:?}: the help never shows {want:?}; it showed:\n{}",
                a.view,
                seen.join("\n")
            );
        }
        a.update(Action::Escape);
        assert!(a.popup.is_none());
    }
}

#[test]
fn excerpts_are_pinned_and_trimmed_from_the_excerpts_view() {
    let dir = example_copy();
    let mut a = app(dir.path(), 120, 40);
    crate::term::press(&mut a, "5");
    let rows = a.excerpt_rows();
    let i = rows
        .iter()
        .position(|e| e.text.split_whitespace().count() >= 6)
        .unwrap();
    let (id, text) = (rows[i].coding.clone(), rows[i].text.clone());
    crate::term::press(&mut a, &"j".repeat(i));
    crate::term::press(&mut a, "p");
    assert!(a.status.contains("pinned an excerpt"), "{}", a.status);
    let pinned: Vec<String> = a
        .session
        .project()
        .pinned()
        .iter()
        .map(|p| p.coding.clone())
        .collect();
    assert_eq!(pinned, vec![id.clone()]);
    assert!(draw(&a).contains("pinned #1"), "{}", draw(&a));
    // T opens the report form with the quote in it; a shortened form is kept and shown.
    let words: Vec<&str> = text.split_whitespace().collect();
    let form = format!("{} (...) {}", words[..3].join(" "), words[words.len() - 1]);
    crate::term::press(&mut a, "T<C-u>");
    crate::term::press(&mut a, &form);
    crate::term::press(&mut a, "<Enter>");
    let row = a.excerpt_rows()[i].clone();
    assert_eq!(row.form.as_deref(), Some(form.as_str()), "{}", a.status);
    assert!(draw(&a).contains("report: «"), "{}", draw(&a));
    // A form that changes the words is refused with the reason, and the form stays.
    crate::term::press(&mut a, "T<C-u>");
    crate::term::press(&mut a, "ord som ikke står der (...)");
    crate::term::press(&mut a, "<Enter>");
    assert!(a.status.contains("not whole words"), "{}", a.status);
    assert_eq!(a.excerpt_rows()[i].form.as_deref(), Some(form.as_str()));
    // p again unpins; u brings the pin and its form back.
    crate::term::press(&mut a, "p");
    assert!(a.session.project().pinned().is_empty());
    crate::term::press(&mut a, "u");
    assert_eq!(a.excerpt_rows()[i].form.as_deref(), Some(form.as_str()));
}

#[test]
fn documents_are_renamed_refiled_replaced_and_removed_from_the_documents_view() {
    let dir = example_copy();
    let mut a = app(dir.path(), 120, 40);
    crate::term::press(&mut a, "1");
    let first = a.doc_rows()[0].clone();
    let codings = |a: &App, id: &str| {
        a.session
            .project()
            .codings
            .values()
            .filter(|c| c.doc == id)
            .count()
    };
    let before = codings(&a, &first.id);
    assert!(before > 0);
    // r renames, t retypes, C re-cases (empty: no case); each shows at once.
    crate::term::press(&mut a, "r<C-u>Familie 1, første intervju<Enter>");
    crate::term::press(&mut a, "t<C-u>other<Enter>");
    crate::term::press(&mut a, "C<C-u><Enter>");
    let d = a.session.project().docs[&first.id].clone();
    assert_eq!(d.title, "Familie 1, første intervju", "{}", a.status);
    assert_eq!(d.kind.to_string(), "other");
    assert_eq!(d.case, None);
    assert!(draw(&a).contains("Familie 1, første intervju"));
    // A type koda does not know is refused with the reason, and nothing changes.
    crate::term::press(&mut a, "t<C-u>dagbok<Enter>");
    assert!(a.status.starts_with("error:"), "{}", a.status);
    assert_eq!(
        a.session.project().docs[&first.id].kind.to_string(),
        "other"
    );
    // R replaces the text with a corrected file: codings follow their words.
    let text = a.session.project().text(&first.id).unwrap().to_string();
    let corrected = dir.path().join("rettet.txt");
    std::fs::write(
        &corrected,
        text.replacen("Intervjuer:", "Intervjuer (KH):", 1),
    )
    .unwrap();
    crate::term::press(&mut a, "R");
    crate::term::press(&mut a, corrected.to_str().unwrap());
    crate::term::press(&mut a, "<Enter>");
    assert!(a.status.contains("kept their words"), "{}", a.status);
    assert_eq!(codings(&a, &first.id), before);
    // D asks; n leaves it; y removes the document and its codings; u brings them back.
    crate::term::press(&mut a, "Dn");
    assert!(a.session.project().docs.contains_key(&first.id));
    crate::term::press(&mut a, "D");
    assert!(
        draw(&a).contains(&format!("with its {before} codings")),
        "{}",
        draw(&a)
    );
    crate::term::press(&mut a, "y");
    assert!(
        !a.session.project().docs.contains_key(&first.id),
        "{}",
        a.status
    );
    assert_eq!(codings(&a, &first.id), 0);
    crate::term::press(&mut a, "u");
    assert_eq!(codings(&a, &first.id), before, "{}", a.status);
    assert_eq!(
        a.session.project().docs[&first.id].title,
        "Familie 1, første intervju"
    );
}

#[test]
fn escape_leaves_the_query_for_the_hits_and_then_the_search_view() {
    let dir = example_copy();
    let mut a = app(dir.path(), 120, 40);
    crate::term::press(&mut a, "4tillit");
    a.flush_search();
    assert_eq!(a.search.query, "tillit");
    assert!(draw(&a).contains("Esc: to the hits"), "{}", draw(&a));
    // Esc: the query stays, keys now work on the hits (j moves, 1 goes to Documents).
    crate::term::press(&mut a, "<Esc>j");
    assert_eq!(a.search.query, "tillit");
    assert_eq!(a.search.sel, 1);
    assert!(draw(&a).contains("/ edits the query"), "{}", draw(&a));
    crate::term::press(&mut a, "1");
    assert_eq!(a.view, View::Documents);
    // Back in Search, typing goes to the query again (q is a letter there, not quit).
    crate::term::press(&mut a, "4q");
    assert_eq!(a.search.query, "tillitq");
    assert!(!a.quit);
    // / in the hits edits the query; Esc twice leaves to where we came from.
    crate::term::press(&mut a, "<Esc>/<BS>");
    assert_eq!(a.search.query, "tillit");
    crate::term::press(&mut a, "<Esc><Esc>");
    assert_eq!(a.view, View::Documents);
}

#[test]
fn codebook_a_adds_a_top_level_code_and_shift_a_a_child_showing_the_path() {
    let dir = example_copy();
    let mut a = app(dir.path(), 120, 40);
    crate::term::press(&mut a, "3");
    let path_of = |a: &App, name: &str| {
        let cb = &a.session.project().codebook;
        cb.codes
            .iter()
            .filter(|c| c.name == name)
            .map(|c| cb.path(&c.id))
            .collect::<Vec<_>>()
    };
    // The highlighted code is trust; a still makes a top-level code.
    crate::term::press(&mut a, "aøkonomi");
    assert!(
        draw(&a).contains("new top-level code: økonomi"),
        "{}",
        draw(&a)
    );
    crate::term::press(&mut a, "<Enter>");
    assert_eq!(path_of(&a, "økonomi"), vec!["økonomi".to_string()]);
    // A makes a child of the highlighted code, and its prompt shows the whole path.
    crate::term::press(&mut a, "<Home>Abudsjett");
    let screen = draw(&a);
    assert!(screen.contains("new code: trust/budsjett"), "{screen}");
    crate::term::press(&mut a, "<Enter>");
    assert_eq!(path_of(&a, "budsjett"), vec!["trust/budsjett".to_string()]);
}

#[test]
fn a_selection_across_turns_codes_their_texts_and_the_cursor_rests_in_the_new_coding() {
    let dir = example_copy();
    let mut a = app(dir.path(), 120, 40);
    crate::term::press(&mut a, "<Enter>");
    let doc = a.reader.doc.clone().unwrap();
    let before: std::collections::BTreeSet<String> =
        a.session.project().codings.keys().cloned().collect();
    // From inside turn 2 over the next turn's start: v } } then c and a code.
    crate::term::press(&mut a, "}w");
    crate::term::press(&mut a, "v}}c");
    crate::term::press(&mut a, "waiting<Enter>");
    assert!(a.status.starts_with("coded timing/waiting"), "{}", a.status);
    let p = a.session.project();
    let text = p.text(&doc).unwrap();
    let turns = p.turns(&doc).unwrap();
    let made: Vec<koda::model::Coding> = p
        .codings
        .values()
        .filter(|c| !before.contains(&c.id))
        .cloned()
        .collect();
    assert!(made.len() >= 2, "one coding per turn touched: {made:?}");
    for c in &made {
        let quote = koda::model::text::slice_chars(&text, c.start, c.end);
        // Each lies inside one turn's text: no speaker label, no time stamp.
        assert!(
            turns.iter().any(|t| t.start <= c.start && c.end <= t.end),
            "{quote:?} crosses a turn"
        );
        for label in ["Intervjuer:", "Forelder:", "[00:"] {
            assert!(!quote.contains(label), "{quote:?}");
        }
        assert_eq!(quote.trim(), quote);
    }
    // The cursor is inside the new coding: m writes a memo on it.
    crate::term::press(&mut a, "m");
    match &a.popup {
        Some(koda::tui::popup::Popup::Memo(ed)) => match &ed.target {
            koda::model::MemoTarget::Coding(id) => {
                assert!(made.iter().any(|c| c.id == *id), "{id}")
            }
            t => panic!("a memo on {t:?}"),
        },
        _ => panic!("no memo editor"),
    }
}

#[test]
fn excerpts_wrap_at_words_and_show_their_memos() {
    let dir = example_copy();
    for (w, h) in [(80, 24), (120, 40)] {
        let mut a = app(dir.path(), w, h);
        crate::term::press(&mut a, "5");
        let screen = draw(&a);
        let rows: Vec<String> = screen
            .lines()
            .map(|l| l.trim_matches('"').trim_end().to_string())
            .collect();
        // Each quote's screen lines, joined by a space, are its words in order: no word split.
        let excerpts = a.excerpt_rows();
        let mut checked = 0;
        for e in excerpts.iter().take(6) {
            let flat = e.text.split_whitespace().collect::<Vec<_>>().join(" ");
            let lead: Vec<&str> = flat.split(' ').take(4).collect();
            let lead = format!("   «{}", lead.join(" "));
            let Some(start) = rows.iter().position(|r| r.starts_with(&lead)) else {
                continue;
            };
            let mut shown = Vec::new();
            for r in &rows[start..] {
                if !r.starts_with("   ") || r.starts_with("   ✎") {
                    break;
                }
                shown.push(r.trim().to_string());
            }
            let joined = shown.join(" ");
            let joined = joined.trim_end_matches(" …");
            if joined.ends_with('»') {
                assert_eq!(joined, format!("«{flat}»"), "at {w}x{h}");
                checked += 1;
            }
        }
        assert!(checked >= 3, "at {w}x{h}:\n{screen}");
        assert!(
            screen.contains("✎ Key quote for the trust chapter."),
            "{screen}"
        );
    }
}

#[test]
fn space_shows_the_whole_turn_with_the_coded_words_marked() {
    let dir = example_copy();
    let mut a = app(dir.path(), 120, 40);
    crate::term::press(&mut a, "5");
    let e = a.excerpt_rows()[0].clone();
    let p = a.session.project();
    let turns = p.turns(&e.doc).unwrap();
    let turn = koda::model::turn(&turns, e.turn).unwrap().clone();
    let text = p.text(&e.doc).unwrap();
    let before = koda::model::text::slice_chars(&text, turn.start, e.start);
    let first_words: String = before
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(!first_words.is_empty());
    assert!(!draw(&a).contains(&first_words));
    crate::term::press(&mut a, "<Space>");
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| render(&a, f, ColorMode::None)).unwrap();
    let screen = format!("{}", t.backend());
    assert!(screen.contains(&format!("«{first_words}")), "{screen}");
    // The coded words are marked (reversed), the rest of the turn is not.
    let buf = t.backend().buffer().clone();
    let row = (0..40u16)
        .find(|&y| {
            (0..120u16)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                .contains(&format!("«{first_words}"))
        })
        .unwrap();
    let marked: String = (row..row + 8)
        .flat_map(|y| (0..120u16).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            buf[(x, y)]
                .modifier
                .contains(ratatui::style::Modifier::REVERSED)
        })
        .map(|(x, y)| buf[(x, y)].symbol().to_string())
        .collect();
    let coded: String = e.text.split_whitespace().collect();
    assert_eq!(marked.replace(' ', ""), coded, "{screen}");
}

/// The longest turn of a document and its shortest spoken turn of more than ten characters.
fn long_and_short(turns: &[koda::model::Turn]) -> (koda::model::Turn, koda::model::Turn) {
    let long = turns.iter().max_by_key(|t| t.end - t.start).unwrap();
    let short = turns
        .iter()
        .filter(|t| t.speaker.is_some() && t.end - t.start > 10)
        .min_by_key(|t| t.end - t.start)
        .unwrap();
    (long.clone(), short.clone())
}

#[test]
fn the_margin_shows_every_code_of_a_turn_and_counts_what_does_not_fit() {
    let dir = example_copy();
    let doc = "foreldreintervju-1-bolge-1";
    let codes = ["trust/broken", "timing/waiting", "roles/family"];
    {
        let mut s = Session::open(dir.path(), "anna").unwrap();
        let p = s.project();
        let turns = p.turns(doc).unwrap();
        // A long turn (several screen lines) and a one-line turn, each coded with three codes.
        let (long, short) = long_and_short(&turns);
        for path in codes {
            let id = s.project().codebook.find(path).unwrap().id.clone();
            s.add_codings(
                doc,
                &id,
                &[(long.start, long.end), (short.start, short.end)],
                None,
            )
            .unwrap();
        }
    }
    for (w, h) in [(80, 24), (120, 40)] {
        let mut a = app(dir.path(), w, h);
        crate::term::press(&mut a, "<Enter>");
        assert_eq!(a.reader.doc.as_deref(), Some(doc));
        let p = a.session.project();
        let text = p.text(doc).unwrap().to_string();
        let turns = p.turns(doc).unwrap();
        let (long, short) = long_and_short(&turns);
        for (turn, every) in [(&long, true), (&short, false)] {
            crate::term::press(&mut a, &format!(":{}<Enter>", turn.number));
            let screen = draw(&a);
            let lines: Vec<&str> = screen.lines().collect();
            let margin = |l: &str| {
                l.trim_matches('"')
                    .chars()
                    .rev()
                    .take(16)
                    .collect::<String>()
            };
            let all: String = lines.iter().map(|l| margin(l)).collect();
            let all: String = all.chars().rev().collect();
            if every {
                for name in ["broken", "waiting", "family"] {
                    assert!(
                        all.contains(&format!("▌{name}")),
                        "{name} at {w}x{h}:\n{screen}"
                    );
                }
            } else {
                // The one-line turn: one label, and how many more there are.
                let row = lines
                    .iter()
                    .find(|l| {
                        let words = koda::model::text::slice_chars(&text, turn.start, turn.end);
                        l.contains(&words.chars().take(12).collect::<String>())
                    })
                    .unwrap_or_else(|| panic!("turn {} not on screen:\n{screen}", turn.number));
                let m: String = margin(row).chars().rev().collect();
                assert!(
                    m.contains('▌') && m.contains('+'),
                    "{m:?} at {w}x{h}:\n{screen}"
                );
            }
        }
    }
}

#[test]
fn where_codings_overlap_x_and_m_ask_which_one_innermost_first() {
    let dir = example_copy();
    let mut a = app(dir.path(), 120, 40);
    crate::term::press(&mut a, "5");
    let rows = a.excerpt_rows();
    // Two coders coded the same words of one turn, one a little more than the other.
    let i = rows
        .iter()
        .position(|e| {
            rows.iter().any(|o| {
                o.coding != e.coding && o.doc == e.doc && o.start == e.start && o.end > e.end
            })
        })
        .unwrap();
    let inner = rows[i].clone();
    let outer = rows
        .iter()
        .find(|o| o.coding != inner.coding && o.doc == inner.doc && o.start == inner.start)
        .unwrap()
        .clone();
    crate::term::press(&mut a, &"j".repeat(i));
    crate::term::press(&mut a, "<Enter>");
    assert_eq!(a.view, View::Reader);
    // x asks which; the innermost is first. Down, Enter removes the outer one.
    crate::term::press(&mut a, "x");
    let screen = draw(&a);
    assert!(screen.contains("remove which coding?"), "{screen}");
    crate::term::press(&mut a, "<Down><Enter>");
    let live = &a.session.project().codings;
    assert!(!live.contains_key(&outer.coding) && live.contains_key(&inner.coding));
    crate::term::press(&mut a, "u");
    assert_eq!(a.session.project().codings.len(), rows.len());
    // m asks too; Enter takes the innermost; Esc would leave everything as it was.
    crate::term::press(&mut a, "x<Esc>");
    assert_eq!(a.session.project().codings.len(), rows.len());
    crate::term::press(&mut a, "m<Enter>");
    match &a.popup {
        Some(koda::tui::popup::Popup::Memo(ed)) => {
            assert_eq!(
                ed.target,
                koda::model::MemoTarget::Coding(inner.coding.clone())
            )
        }
        _ => panic!("no memo editor"),
    }
}

#[test]
fn the_status_line_tells_the_coding_under_the_cursor() {
    let dir = example_copy();
    let mut a = app(dir.path(), 120, 40);
    crate::term::press(&mut a, "5");
    // An excerpt with a memo, alone where it starts: the cursor lands in it, and one move on
    // says what it is.
    let rows = a.excerpt_rows();
    let alone = |e: &koda::analysis::Excerpt| {
        rows.iter()
            .filter(|x| x.doc == e.doc && x.start <= e.start + 1 && e.start + 1 < x.end)
            .count()
            == 1
    };
    let i = rows
        .iter()
        .position(|e| e.memo.is_some() && alone(e))
        .unwrap();
    let e = rows[i].clone();
    crate::term::press(&mut a, &"j".repeat(i));
    crate::term::press(&mut a, "<Enter><Right>");
    let inner = &e;
    assert!(
        a.status.starts_with(&format!(
            "{} · {} · {}..{}",
            inner.code_path, inner.coder, inner.start, inner.end
        )),
        "{}",
        a.status
    );
    let memo = inner.memo.clone().unwrap();
    assert!(a.status.contains(&format!("✎ {memo}")), "{}", a.status);
    // Where two codings cover the cursor, it says so.
    let j = rows.iter().position(|e| !alone(e)).unwrap();
    crate::term::press(&mut a, "5<Home>");
    crate::term::press(&mut a, &"j".repeat(j));
    crate::term::press(&mut a, "<Enter><Right>");
    assert!(a.status.contains("(+1 more here)"), "{}", a.status);
    // Compare mode gives each coder a column wide enough for the code names.
    crate::term::press(&mut a, "K<C-u>anna,bo<Enter>");
    let screen = draw(&a);
    assert!(screen.contains("▌personal"), "{screen}");
}

#[test]
fn cases_and_their_attributes_are_edited_in_the_documents_view() {
    let dir = example_copy();
    let mut a = app(dir.path(), 120, 40);
    crate::term::press(&mut a, "1c");
    let screen = draw(&a);
    assert!(
        screen.contains("F01") && screen.contains("role=parent"),
        "{screen}"
    );
    let i = a
        .case_rows()
        .iter()
        .position(|(c, _)| c.name == "F01")
        .unwrap();
    crate::term::press(&mut a, &"j".repeat(i));
    // e edits the attributes in place: the ones typed are the case's attributes now.
    crate::term::press(&mut a, "e<C-u>role=parent site=Bergen wave=1<Enter>");
    let attrs = |a: &App| a.session.project().cases.cases["F01"].attributes.clone();
    let want: std::collections::BTreeMap<String, String> =
        [("role", "parent"), ("site", "Bergen"), ("wave", "1")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    assert_eq!(attrs(&a), want, "{}", a.status);
    assert!(draw(&a).contains("site=Bergen"));
    crate::term::press(&mut a, "u");
    assert_eq!(attrs(&a)["site"], "Kristiansand");
    // A malformed attribute is refused, and nothing changes.
    crate::term::press(&mut a, "e<C-u>role=parent =x<Enter>");
    assert!(a.status.starts_with("error:"), "{}", a.status);
    assert_eq!(attrs(&a)["site"], "Kristiansand");
    // n adds a case.
    crate::term::press(&mut a, "nF99 role=partner<Enter>");
    assert_eq!(
        a.session.project().cases.cases["F99"].attributes["role"],
        "partner"
    );
    // Enter shows the case's excerpts; / its documents.
    let i = a
        .case_rows()
        .iter()
        .position(|(c, _)| c.name == "F01")
        .unwrap();
    crate::term::press(&mut a, "<Home>");
    crate::term::press(&mut a, &"j".repeat(i));
    crate::term::press(&mut a, "<Enter>");
    assert_eq!(a.view, View::Excerpts);
    let rows = a.excerpt_rows();
    assert!(!rows.is_empty() && rows.iter().all(|e| e.case.as_deref() == Some("F01")));
    crate::term::press(&mut a, "1/");
    let docs = a.doc_rows();
    assert!(!docs.is_empty() && docs.iter().all(|d| d.case.as_deref() == Some("F01")));
}

#[test]
fn a_mouse_drag_selects_whole_words() {
    let dir = example_copy();
    let mut a = app(dir.path(), 120, 40);
    crate::term::press(&mut a, "<Enter>");
    let doc = a.reader.doc.clone().unwrap();
    let text = a.session.project().text(&doc).unwrap().to_string();
    let first = koda::model::text::slice_chars(&text, 0, 40).to_string();
    assert!(
        first.starts_with("Foreldreintervju 1, bølge 1"),
        "{first:?}"
    );
    // The text column starts after the speaker column and its rule; the first screen line is
    // row 1, under the tabs. Press inside "Foreldreintervju", drag into "bølge".
    let x0 = u16::try_from(koda::tui::app::SPEAKER_W + 3).unwrap();
    a.update(Action::Click(x0 + 3, 1));
    a.update(Action::Drag(x0 + 22, 1));
    let (s, e) = (a.reader.anchor.unwrap(), a.reader.cursor);
    assert_eq!(
        koda::model::text::slice_chars(&text, s.min(e), s.max(e)),
        "Foreldreintervju 1, bølge"
    );
    // Dragging back from inside "bølge" to inside "1" takes both words whole too.
    a.update(Action::Click(x0 + 22, 1));
    a.update(Action::Drag(x0 + 17, 1));
    let (s, e) = (a.reader.anchor.unwrap(), a.reader.cursor);
    assert_eq!(
        koda::model::text::slice_chars(&text, s.min(e), s.max(e)),
        "1, bølge"
    );
}

#[test]
fn a_long_message_gets_the_status_line_at_80_columns() {
    let dir = example_copy();
    let mut a = app(dir.path(), 80, 24);
    crate::term::press(&mut a, "<Enter>");
    let msg = "revision 2: 7 codings kept their words, 1 flagged for a look";
    a.status = msg.to_string();
    let screen = draw(&a);
    let last = screen
        .lines()
        .rev()
        .find(|l| !l.trim_matches('"').trim().is_empty())
        .unwrap();
    assert!(last.contains(msg), "{last}");
    assert!(last.contains("anna") && last.contains("turn 1/"), "{last}");
    // A short message leaves the whole orientation.
    a.status = "ok".into();
    let screen = draw(&a);
    assert!(screen.contains("interview · F01 · turn 1/"), "{screen}");
}

#[test]
fn the_mouse_over_a_stripe_says_which_coding_it_is() {
    let dir = example_copy();
    let mut a = app(dir.path(), 120, 40);
    crate::term::press(&mut a, "<Enter>");
    let screen = draw(&a);
    // The first screen row with a named stripe in the margin.
    let (row, line) = screen
        .lines()
        .enumerate()
        .skip(1)
        .find(|(_, l)| l.contains("▌waiting"))
        .unwrap();
    let col = line
        .trim_matches('"')
        .chars()
        .position(|c| c == '▌')
        .unwrap();
    a.update(Action::Hover(
        u16::try_from(col).unwrap() + 1,
        u16::try_from(row).unwrap(),
    ));
    assert!(a.status.starts_with("timing/waiting · "), "{}", a.status);
    // Over the text nothing is said; a popup is left alone by the mouse.
    a.status.clear();
    a.update(Action::Hover(20, u16::try_from(row).unwrap()));
    assert!(a.status.is_empty(), "{}", a.status);
    crate::term::press(&mut a, "c");
    a.update(Action::Hover(
        u16::try_from(col).unwrap(),
        u16::try_from(row).unwrap(),
    ));
    assert!(a.popup.is_some());
}

#[test]
fn a_category_is_shown_open_and_cannot_be_applied_from_the_reader() {
    let dir = example_copy();
    {
        let mut s = Session::open(dir.path(), "anna").unwrap();
        koda::ops::codebook::add(&mut s, "rammer", "", None).unwrap();
        koda::ops::codebook::set_codable(&mut s, "rammer", false).unwrap();
        koda::ops::codebook::relate(
            &mut s,
            "trust",
            "rammer",
            "henger sammen med",
            koda::model::sets::Direction::OneWay,
        )
        .unwrap();
    }
    let mut a = app(dir.path(), 120, 40);
    a.update(Action::GoView(View::Codebook));
    let screen = draw(&a);
    assert!(screen.contains("□ rammer"), "{screen}");
    assert!(screen.contains("(category)"), "{screen}");
    assert!(screen.contains("[→ henger sammen med rammer]"), "{screen}");
    crate::term::press(&mut a, "1<Enter>");
    let before = a.session.project().codings.len();
    crate::term::press(&mut a, "tc");
    crate::term::press(&mut a, "rammer<Enter>");
    assert!(a.status.contains("is a category"), "{}", a.status);
    assert_eq!(
        a.session.project().codings.len(),
        before,
        "nothing was coded"
    );
}
