//! The documentation cannot drift from koda: the command reference is generated from the
//! argument definitions and compared here; the README's set-up and tour commands are real.

use clap::CommandFactory;
use std::fmt::Write;
use std::path::PathBuf;

fn reference() -> String {
    let mut out = String::from(
        "# Command reference\n\nEvery `koda` command and its options, as `koda help` prints them. This file is generated\nfrom koda's argument definitions and checked by the tests; after changing an option, run\n`KODA_UPDATE_DOCS=1 cargo test --test integration docs::` to write it again.\n",
    );
    fn walk(cmd: &mut clap::Command, path: &str, out: &mut String) {
        let mut cmd = cmd.clone().term_width(100).max_term_width(100);
        let help = cmd.render_long_help().to_string();
        let _ = write!(out, "\n## `{path}`\n\n```text\n{}\n```\n", help.trim_end());
        let mut subs: Vec<clap::Command> = cmd
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .cloned()
            .collect();
        for s in &mut subs {
            let name = format!("{path} {}", s.get_name());
            walk(s, &name, out);
        }
    }
    let mut cmd = koda::cli::Cli::command();
    cmd.build();
    walk(&mut cmd, "koda", &mut out);
    out
}

#[test]
fn the_command_reference_is_generated_from_the_argument_definitions() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/cli-reference.md");
    let want = reference();
    if std::env::var_os("KODA_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/cli-reference.md is out of date: run `KODA_UPDATE_DOCS=1 cargo test --test integration docs::`"
    );
    for sub in ["import", "autocode", "export", "names add", "codes add"] {
        assert!(want.contains(&format!("## `koda {sub}`")), "{sub}");
    }
}

#[test]
fn the_readme_tour_runs_as_written() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let tour = readme
        .split("## A study in ten minutes")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let mut script = String::from("set -e\nkoda() { \"$KODA\" \"$@\"; }\n");
    for block in tour.split("```sh\n").skip(1) {
        script.push_str(block.split("```").next().unwrap());
    }
    assert!(script.matches("koda ").count() > 15, "{script}");
    let dir = tempfile::tempdir().unwrap();
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus-example/transcripts");
    let to = dir.path().join("corpus-example/transcripts");
    std::fs::create_dir_all(&to).unwrap();
    for e in std::fs::read_dir(&from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("KODA", crate::util::koda_bin())
        .env_remove("KODA_CODER")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "{script}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains("coded 4 passages in 2 documents with timing/waiting"),
        "{stdout}"
    );
    let report = std::fs::read_to_string(dir.path().join("studie/rapport.md")).unwrap();
    assert!(
        report.contains("## trust") && report.contains("Jeg har sluttet å tro"),
        "{report}"
    );
    let parents = std::fs::read_to_string(dir.path().join("studie/foreldre.md")).unwrap();
    assert!(
        parents.contains("«(...) Jeg visste at hun ville ringe tilbake samme dag (...)» (parent,")
            && !parents.contains("coordinator,"),
        "{parents}"
    );
    assert!(dir.path().join("studie/rapport.html").is_file());
    assert!(dir.path().join("studie/utdrag.csv").is_file());
}

/// The keys a table cell names: `Shift-←/→` is `Shift-←` and `Shift-→`, `[ ]` is `[` and `]`.
fn keys_named(cell: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in cell.split_whitespace() {
        let mut parts = word.split('/');
        let first = parts.next().unwrap_or_default();
        let prefix = first
            .rfind('-')
            .filter(|&i| i > 0 && i + 1 < first.len())
            .map_or("", |i| &first[..=i]);
        out.push(first.to_string());
        out.extend(
            parts
                .filter(|p| !p.is_empty())
                .map(|p| format!("{prefix}{p}")),
        );
    }
    out
}

#[test]
fn the_reader_key_table_names_every_key_of_the_reader() {
    use koda::tui::app::View;
    use koda::tui::keymap::{Context, default_keymap, describe};
    let doc =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/tui.md"))
            .unwrap();
    let table = doc
        .split("Coding in the reader:")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .nth(1)
        .unwrap();
    let named: std::collections::BTreeSet<String> = table
        .split('`')
        .skip(1)
        .step_by(2)
        .flat_map(keys_named)
        .collect();
    let arrows = |d: String| {
        d.replace("Left", "←")
            .replace("Right", "→")
            .replace("Up", "↑")
            .replace("Down", "↓")
            .replace("PageUp", "PgUp")
            .replace("PageDown", "PgDn")
    };
    let keys: Vec<String> = default_keymap()
        .iter()
        .filter(|b| b.context == Context::View(View::Reader))
        .map(|b| arrows(describe(&b.key)))
        .collect();
    assert!(keys.len() >= 25, "{keys:?}");
    let missing: Vec<&String> = keys.iter().filter(|d| !named.contains(*d)).collect();
    assert!(
        missing.is_empty(),
        "docs/tui.md's reader table lacks {missing:?}; it names {named:?}"
    );
}
