//! The layering, checked: each layer uses only the layers below it (with the exceptions written
//! down in `lib.rs`), and the front ends hold no use case: the calls that change a project or
//! gate an export are made in `ops/`, never in `cli/` or `tui/`.

use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file of a layer (`name.rs` and `name/**`), with its code outside comments and
/// test modules.
fn layer(name: &str) -> Vec<(PathBuf, String)> {
    let mut files = vec![src().join(format!("{name}.rs"))];
    let mut stack = vec![src().join(name)];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    files
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let code: String = text
                .split("#[cfg(test)]")
                .next()
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            (p, code)
        })
        .collect()
}

fn rel(p: &Path) -> String {
    p.strip_prefix(src()).unwrap().display().to_string()
}

#[test]
fn each_layer_uses_only_the_layers_below_it() {
    const ALL: &[&str] = &[
        "model", "store", "import", "index", "analysis", "export", "ops", "cli", "tui",
    ];
    let allowed: &[(&str, &[&str])] = &[
        ("model", &["model"]),
        ("store", &["model", "store"]),
        ("import", &["model", "store", "import"]),
        ("index", &["model", "store", "index"]),
        ("analysis", &["model", "store", "analysis"]),
        ("export", &["model", "store", "analysis", "export"]),
        (
            "ops",
            &[
                "model", "store", "import", "index", "analysis", "export", "ops",
            ],
        ),
        (
            "cli",
            &[
                "model", "store", "import", "index", "analysis", "export", "ops", "cli",
            ],
        ),
        (
            "tui",
            &[
                "model", "store", "import", "index", "analysis", "export", "ops", "tui",
            ],
        ),
    ];
    // Arrows that point up, each written down in lib.rs with the reason.
    let exceptions: &[(&str, &str)] = &[
        ("store/session.rs", "import"),
        ("store/refi.rs", "import"),
        ("store/edit.rs", "import"),
        ("store/doctor.rs", "index"),
        ("cli/dispatch.rs", "tui"),
    ];
    let mut wrong = Vec::new();
    for (name, ok) in allowed {
        for (path, code) in layer(name) {
            for other in ALL {
                if ok.contains(other) || exceptions.contains(&(rel(&path).as_str(), other)) {
                    continue;
                }
                if code.contains(&format!("crate::{other}::"))
                    || code.contains(&format!("crate::{other};"))
                    || code.contains(&format!("crate::{{{other}"))
                {
                    wrong.push(format!("{} uses crate::{other}", rel(&path)));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "arrows pointing up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_front_ends_leave_every_use_case_to_ops() {
    // Changes to a project and the export gate: only ops/ (and the core) may call these.
    let forbidden = [
        ".add_codings(",
        ".add_codings_in(",
        ".remove_codings(",
        ".remove_batch(",
        ".set_memo(",
        ".remove_memo(",
        ".save_names(",
        ".import(",
        ".import_refi(",
        ".import_refi_codes(",
        ".edit_document(",
        ".add_code(",
        ".rename_code(",
        ".move_code(",
        ".merge_codes(",
        ".delete_code(",
        ".describe_code(",
        ".color_code(",
        "leak_check(",
        "Privacy::new(",
        "Texts::pseudonymised(",
        "prepare_all(",
        "expand_paths(",
        "Feed::",
        "index::refresh(",
        "spans_for(",
        "resolve_selection(",
        "write_file(",
        ".set_case_attrs(",
        ".replace_cases(",
        ".map_speaker(",
        "csv::",
    ];
    let mut found = Vec::new();
    for face in ["cli", "tui"] {
        for (path, code) in layer(face) {
            for f in forbidden {
                if code.contains(f) {
                    found.push(format!("{} calls {f}", rel(&path)));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "use cases in a front end (move them to ops/):\n{}",
        found.join("\n")
    );
}
