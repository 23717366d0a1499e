//! Autocoding is one use case with two faces: the TUI and the CLI code every hit of a query (not
//! only the hits a view lists), by the unit chosen, and skip what is already coded.

use crate::term::press;
use crate::util::TestProject;
use koda::model::text::slice_chars;
use koda::store::{Project, Session};
use koda::tui::app::{App, SHOWN_HITS, View};
use std::collections::BTreeSet;

/// Two parent interviews of 150 answers each, every answer mentioning the waiting.
fn interview(n: usize) -> String {
    let mut t = format!("Foreldreintervju {n}\n\n");
    for i in 1..=150 {
        t.push_str(&format!(
            "Intervjuer: Hva skjedde i uke {i}?\nForelder {n}: Vi ventet på svar fra NAV i uke {i}. Så ringte koordinatoren.\n"
        ));
    }
    t
}

fn project() -> TestProject {
    let p = TestProject::new();
    let a = p.write("forelder-1.txt", &interview(1));
    let b = p.write("forelder-2.txt", &interview(2));
    p.koda(&["import", a.to_str().unwrap(), b.to_str().unwrap()])
        .ok();
    p.koda(&["codes", "add", "timing/waiting"]).ok();
    p
}

/// Each coding of a code as (document, coded words).
fn coded(dir: &std::path::Path, code: &str) -> BTreeSet<(String, String)> {
    let p = Project::open(dir).unwrap();
    let id = p.codebook.find(code).unwrap().id.clone();
    p.codings
        .values()
        .filter(|c| c.code == id)
        .map(|c| {
            let t = p.text(&c.doc).unwrap();
            (c.doc.clone(), slice_chars(&t, c.start, c.end).to_string())
        })
        .collect()
}

#[test]
fn tui_and_cli_autocode_all_300_turns_by_the_unit_chosen_and_skip_coded_ones() {
    let tui = project();
    let cli = project();
    let mut a = App::new(Session::open(tui.path(), "anna").unwrap(), (120, 40));
    press(&mut a, "4ventet");
    assert_eq!(a.view, View::Search);
    a.flush_search();
    let r = a.search.results.as_ref().unwrap();
    assert_eq!(r.total, 300, "the word is in 300 turns");
    assert_eq!(r.hits.len(), SHOWN_HITS, "the view lists only the best");
    // Ctrl-t twice: matched words -> sentence -> turn.
    press(&mut a, "<C-t><C-t><C-a>timing/waiting<Enter>");
    assert!(
        a.status
            .starts_with("coded 300 passages with timing/waiting (0 already coded"),
        "{}",
        a.status
    );
    drop(a);
    let by_tui = coded(tui.path(), "timing/waiting");
    assert_eq!(by_tui.len(), 300);
    assert!(by_tui.contains(&(
        "forelder-2".to_string(),
        "Vi ventet på svar fra NAV i uke 150. Så ringte koordinatoren.".to_string()
    )));
    assert!(by_tui.iter().all(|(_, t)| !t.contains("Intervjuer")));

    let out = cli
        .koda(&[
            "autocode",
            "ventet",
            "--code",
            "timing/waiting",
            "--unit",
            "turn",
        ])
        .ok()
        .to_string();
    assert!(
        out.starts_with("coded 300 passages in 2 documents with timing/waiting (0 already coded)"),
        "{out}"
    );
    assert_eq!(coded(cli.path(), "timing/waiting"), by_tui);

    // Again, by sentence: the turns' first sentences are new, nothing of the turns is redone;
    // then once more, and everything is already coded.
    let out = cli
        .koda(&[
            "autocode",
            "ventet",
            "--code",
            "timing/waiting",
            "--unit",
            "sentence",
        ])
        .ok()
        .to_string();
    assert!(out.starts_with("coded 300 passages"), "{out}");
    let again = cli
        .koda(&[
            "autocode",
            "ventet",
            "--code",
            "timing/waiting",
            "--unit",
            "sentence",
        ])
        .ok()
        .to_string();
    assert_eq!(
        again.trim(),
        "nothing to code: 300 hits, 300 already coded with timing/waiting"
    );
    let mut a = App::new(Session::open(tui.path(), "anna").unwrap(), (120, 40));
    press(&mut a, "4ventet<C-t><C-a>timing/waiting<Enter>");
    assert!(
        a.status
            .starts_with("coded 300 passages with timing/waiting (0 already coded"),
        "{}",
        a.status
    );
    drop(a);
    let both = coded(tui.path(), "timing/waiting");
    assert_eq!(both, coded(cli.path(), "timing/waiting"));
    assert!(both.contains(&(
        "forelder-1".to_string(),
        "Vi ventet på svar fra NAV i uke 7.".to_string()
    )));
}

#[test]
fn a_sentence_is_the_same_sentence_in_the_reader_in_autocoding_and_in_quotes() {
    let p = TestProject::new();
    let f = p.write(
        "feltnotat.txt",
        "Feltnotat 3\n\nKoordinator: Vi møtte familien i mars.  «Vi ventet i åtte uker», sa mora. Så ringte NAV!\n",
    );
    p.koda(&["import", f.to_str().unwrap()]).ok();
    p.koda(&["codes", "add", "timing/waiting"]).ok();
    // The reader: `s` with the cursor on "ventet".
    let text = Project::open(p.path()).unwrap().text("feltnotat").unwrap();
    let at = text.find("ventet").unwrap();
    let at = text[..at].chars().count();
    let mut a = App::new(Session::open(p.path(), "anna").unwrap(), (120, 40));
    a.open_doc("feltnotat", Some(at));
    press(&mut a, "s");
    let (x, y) = a.selection().unwrap();
    let selected = slice_chars(&text, x, y).to_string();
    assert_eq!(selected, "«Vi ventet i åtte uker», sa mora.");
    drop(a);
    // Autocoding by sentence codes exactly that.
    p.koda(&[
        "autocode",
        "ventet",
        "--code",
        "timing/waiting",
        "--unit",
        "sentence",
    ])
    .ok();
    let coded = coded(p.path(), "timing/waiting");
    assert_eq!(
        coded.into_iter().map(|(_, t)| t).collect::<Vec<_>>(),
        vec![selected.clone()]
    );
    // A quote in sentence context of a coding of one word is that sentence too.
    p.koda(&[
        "code",
        "feltnotat",
        "--code",
        "timing/waiting",
        "--match",
        "åtte uker",
    ])
    .ok();
    let out = p
        .koda(&["export", "summary", "--context", "sentence", "-o", "-"])
        .ok()
        .to_string();
    assert!(out.contains(&selected), "{out}");
}
