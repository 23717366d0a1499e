//! The bundled example project is sound, and importing its transcripts reproduces its sources.

use crate::util::TestProject;
use koda::analysis::{ExcerptFilter, code_counts, excerpts};
use koda::store::Project;
use std::path::PathBuf;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus-example")
}

#[test]
fn the_example_project_is_a_coded_study() {
    let p = Project::open(&example()).unwrap();
    // A checkout's folder modes are git's (0755), which koda rightly warns of; nothing else.
    let permissions = koda::store::project::WarningAbout::Permissions;
    assert!(
        p.warnings.iter().all(|w| w.about == permissions),
        "{:?}",
        p.warnings
    );
    assert!(p.docs.len() >= 8);
    assert!(p.codings.len() >= 40, "{} codings", p.codings.len());
    let kinds: std::collections::BTreeSet<String> =
        p.docs.values().map(|d| d.kind.to_string()).collect();
    assert!(
        kinds.contains("interview")
            && kinds.contains("focus-group")
            && kinds.contains("field-note")
    );
    assert!(
        p.docs.values().any(|d| d.speakers.len() >= 6),
        "a focus group with 5+ participants"
    );
    let counts = code_counts(&p);
    for top in ["trust", "timing", "roles"] {
        let subs: Vec<_> = counts
            .iter()
            .filter(|c| c.path.starts_with(&format!("{top}/")))
            .collect();
        assert!(
            (2..=3).contains(&subs.len()),
            "{top} has {} sub-codes",
            subs.len()
        );
        assert!(
            subs.iter()
                .all(|c| !c.description.is_empty() && c.codings > 0)
        );
    }
    let all = excerpts(&p, &ExcerptFilter::default()).unwrap();
    assert!(all.iter().all(|e| !e.stale && !e.text.trim().is_empty()));
}

#[test]
fn importing_the_transcripts_reproduces_the_sources() {
    let p = Project::open(&example()).unwrap();
    let t = TestProject::new();
    for d in p.documents() {
        let file = example().join("transcripts").join(&d.origin.file);
        let kind = d.kind.to_string();
        let mut args = vec![
            "import",
            file.to_str().unwrap(),
            "--type",
            &kind,
            "--title",
            &d.title,
        ];
        if let Some(c) = &d.case {
            args.extend(["--case", c]);
        }
        t.koda(&args).ok();
    }
    let q = Project::open(t.path()).unwrap();
    assert_eq!(q.docs.len(), p.docs.len());
    for d in p.documents() {
        let e = q.find_doc(&d.id).unwrap();
        assert_eq!(*p.text(&d.id).unwrap(), *q.text(&e.id).unwrap(), "{}", d.id);
        assert_eq!(e.turn_count, d.turn_count, "{}", d.id);
        assert_eq!(q.turns(&e.id).unwrap(), p.turns(&d.id).unwrap(), "{}", d.id);
        assert_eq!(e.speakers, d.speakers);
        assert_eq!(e.text_sha256, d.text_sha256);
        assert_eq!(e.origin, d.origin);
        let a = std::fs::read(example().join("sources").join(format!("{}.txt", d.id))).unwrap();
        let b = std::fs::read(t.path().join("sources").join(format!("{}.txt", e.id))).unwrap();
        assert_eq!(a, b);
    }
}

#[test]
fn excerpts_are_filtered_by_attribute_type_speaker_and_coder() {
    let p = Project::open(&example()).unwrap();
    let all = excerpts(&p, &ExcerptFilter::default()).unwrap();
    let filtered = |w: &[(&str, &str)]| {
        excerpts(
            &p,
            &ExcerptFilter {
                wheres: w
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..ExcerptFilter::default()
            },
        )
    };
    let role = |e: &koda::analysis::Excerpt| e.attributes.get("role").cloned().unwrap_or_default();
    let parents = filtered(&[("role", "parent")]).unwrap();
    assert!(!parents.is_empty() && parents.len() < all.len());
    assert_eq!(
        parents.len(),
        all.iter().filter(|e| role(e) == "parent").count()
    );
    assert!(parents.iter().all(|e| role(e) == "parent"));
    // One key twice is either value; two keys must both hold; values in any case.
    let either = filtered(&[("role", "parent"), ("ROLE", "Coordinator")]).unwrap();
    assert_eq!(
        either.len(),
        all.iter()
            .filter(|e| role(e) == "parent" || role(e) == "coordinator")
            .count()
    );
    let oslo = filtered(&[("role", "parent"), ("site", "oslo")]).unwrap();
    assert!(!oslo.is_empty() && oslo.len() < parents.len());
    assert!(oslo.iter().all(|e| e.attributes["site"] == "Oslo"));
    let groups = filtered(&[("type", "focus-group")]).unwrap();
    assert!(!groups.is_empty() && groups.iter().all(|e| e.doc_type == "focus-group"));
    let coder = &all[0].coder;
    let by_coder = filtered(&[("coder", coder)]).unwrap();
    assert_eq!(
        by_coder.len(),
        all.iter().filter(|e| &e.coder == coder).count()
    );
    let speaker = all.iter().find_map(|e| e.speaker.clone()).unwrap();
    let by_speaker = filtered(&[("speaker", &speaker)]).unwrap();
    assert!(!by_speaker.is_empty());
    assert!(
        by_speaker
            .iter()
            .all(|e| e.speaker.as_deref() == Some(speaker.as_str()))
    );
    // A key nobody has is refused, naming the keys there are.
    let e = filtered(&[("rolle", "parent")]).unwrap_err().to_string();
    assert!(
        e.contains("\"rolle\"") && e.contains("role") && e.contains("speaker"),
        "{e}"
    );

    // The command line gives the same, in excerpts and in the excerpt table.
    let copy = TestProject::empty();
    crate::crash_points::copy_dir(&example(), copy.path());
    let v = copy
        .koda(&["excerpts", "--where", "role=parent", "--json"])
        .json();
    assert_eq!(v.as_array().unwrap().len(), parents.len());
    let csv = copy
        .koda(&[
            "export",
            "excerpts",
            "-o",
            "-",
            "--format",
            "csv",
            "--where",
            "role=parent",
            "--where",
            "site=Oslo",
        ])
        .ok()
        .to_string();
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(rows.records().count(), oslo.len());
    // The summary quotes parents only.
    let md = copy
        .koda(&["export", "summary", "-o", "-", "--where", "role=parent"])
        .ok()
        .to_string();
    assert!(
        md.contains("(parent,") && !md.contains("(coordinator,"),
        "{md}"
    );
}
