//! Importing files into a project: paths expanded, each file read and parsed before anything is
//! written, documents added one file at a time (a file is all or nothing), duplicates of a
//! document already in the project skipped, the index fed as the files come in.
//!
//! The front end is told of each step through [`Event`]s, so the CLI prints as it goes and a
//! progress bar can follow; the [`Report`] sums it up.

use crate::Error;
use crate::import::{self, ReadOptions};
use crate::model::Document;
use crate::model::case::SpeakerMap;
use crate::store::Session;
use crate::store::project::ImportOptions;
use crate::store::refi::RefiReport;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What to import, and how.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Files and folders, as the researcher named them.
    pub paths: Vec<PathBuf>,
    /// How to read them.
    pub read: ReadOptions,
    /// Case, attributes, title, metadata and speaker mappings for what is imported.
    pub opts: ImportOptions,
    /// REFI-QDA projects: limits on what an archive unpacks to, and whether inverted or
    /// out-of-range selections are repaired (`read.strict` refuses a project that would lose
    /// anything).
    pub refi: import::qdpx::ReadOptions,
}

/// One step of an import, as it happens.
#[derive(Debug)]
pub enum Event<'a> {
    /// A file is about to be read (`n` of `of`).
    Reading {
        /// The file.
        file: &'a Path,
        /// Its place in the list, from 1.
        n: usize,
        /// How many files there are.
        of: usize,
    },
    /// A document was imported from a file.
    Document {
        /// The file.
        file: &'a Path,
        /// The new document.
        doc: &'a Document,
        /// Its type was guessed from its content.
        guessed: bool,
        /// What reading the file noticed (encoding repaired, lines skipped, …).
        warnings: &'a [String],
    },
    /// A REFI-QDA project was imported.
    Refi {
        /// The file.
        file: &'a Path,
        /// What it brought.
        report: &'a RefiReport,
        /// The program that wrote it, if it says.
        origin: Option<&'a str>,
    },
    /// A file holds a text already in the project; nothing was imported from it.
    Duplicate {
        /// The file.
        file: &'a Path,
        /// Which document holds it.
        msg: &'a str,
    },
    /// Feeding the index as files came in failed; it is brought up to date at the end instead.
    IndexFeedFailed {
        /// The file whose documents were being indexed.
        file: &'a Path,
        /// What went wrong.
        error: &'a Error,
    },
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Report {
    /// Documents (and REFI-QDA projects) imported.
    pub imported: usize,
    /// Files skipped as duplicates.
    pub skipped: usize,
    /// Files or paths that failed, each with its error.
    pub failed: Vec<Error>,
    /// Files the paths expanded to.
    pub files: usize,
    /// Speaker mappings that matched no imported speaker.
    pub unmatched_speakers: Vec<SpeakerMap>,
    /// The index could not be brought up to date; the warning to show.
    pub index_warning: Option<String>,
    /// Documents imported beside one the project had with the same title or file name (a
    /// corrected version, perhaps, which `koda docs replace` would have put in its place):
    /// (new document, the one it resembles, the file).
    pub resembling: Vec<(String, String, PathBuf)>,
}

/// What importing one file would make, without making it.
#[derive(Debug)]
pub struct Preview {
    /// The file.
    pub file: PathBuf,
    /// The documents it would give, or why it would fail.
    pub documents: Result<Vec<import::Prepared>, Error>,
}

/// Reads the files `req` names as an import would and says what each would give; nothing is
/// written and no project is needed. REFI-QDA projects are listed with what they hold.
pub fn preview(req: &Request) -> Vec<Preview> {
    let mut out = Vec::new();
    for f in &req.paths {
        match import::expand_paths(std::slice::from_ref(f)) {
            Ok(list) => {
                for file in list {
                    let documents = if file
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("qdpx"))
                    {
                        import::qdpx::open_qdpx(&file, &req.refi).and_then(|mut q| {
                            let sources = q.project.sources.clone();
                            let mut docs: Vec<import::Prepared> = sources
                                .iter()
                                .map(|s| Ok(refi_preview(&file, s, &q.archive.text(s)?)))
                                .collect::<crate::Result<_>>()?;
                            // What the import would leave out or change, said with the first
                            // document.
                            if let Some(first) = docs.first_mut() {
                                first.warnings.extend(
                                    q.project
                                        .dropped
                                        .lines()
                                        .into_iter()
                                        .map(|l| format!("the import would leave out {l}")),
                                );
                                first.warnings.extend(
                                    q.project
                                        .changes
                                        .iter()
                                        .map(|c| format!("the import would change: {c}")),
                                );
                            }
                            Ok(docs)
                        })
                    } else {
                        import::prepare_all(&file, &req.read)
                    };
                    out.push(Preview { file, documents });
                }
            }
            Err(e) => out.push(Preview {
                file: f.clone(),
                documents: Err(e),
            }),
        }
    }
    out
}

fn refi_preview(file: &Path, s: &import::qdpx::RefiSource, text: &str) -> import::Prepared {
    let parsed = import::text::parse(&crate::model::text::normalise(text));
    // As a REFI-QDA import types a source without a `type` variable: by its speakers.
    let kind = crate::import::guess_kind(Path::new(""), &parsed.speakers);
    import::Prepared::new(
        file,
        import::qdpx::source_title(&s.name, &s.guid, text),
        (kind, true),
        parsed,
        crate::model::Origin {
            file: s.name.clone(),
            format: "refi-qda".into(),
            sha256: String::new(),
        },
    )
}

/// Imports the files `req` names. An error here means nothing was tried (a bad request); a
/// file that fails is in [`Report::failed`] and the others go on.
pub fn run(
    session: &mut Session,
    req: &Request,
    on: &mut dyn FnMut(Event<'_>),
) -> crate::Result<Report> {
    if req.opts.title.is_some() && req.paths.len() > 1 {
        return Err(Error::invalid(
            "--title can only be given when importing a single file",
        ));
    }
    let mut report = Report::default();
    let mut files: Vec<PathBuf> = Vec::new();
    for f in &req.paths {
        match import::expand_paths(std::slice::from_ref(f)) {
            Ok(list) => files.extend(list),
            Err(e) => report.failed.push(e),
        }
    }
    report.files = files.len();
    let mut mapped: BTreeSet<usize> = BTreeSet::new();
    // The documents before this import, by title and by file name.
    let before: Vec<(String, String, String)> = session
        .project()
        .documents()
        .iter()
        .map(|d| (d.id.clone(), d.title.clone(), d.origin.file.clone()))
        .collect();
    // Several files are indexed as they are imported, overlapping with reading the next.
    let mut feed = if files.len() > 1 {
        crate::index::Feed::start(session.project()).ok().flatten()
    } else {
        None
    };
    // One transaction for the whole request: a file that fails takes back only its own
    // writes (a savepoint), while a crash part-way takes back the whole import, so a folder is
    // never left half imported.
    session.atomically(|session| {
        for (n, f) in files.iter().enumerate() {
            on(Event::Reading {
                file: f,
                n: n + 1,
                of: files.len(),
            });
            if f.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("qdpx"))
            {
                match import_refi(session, f, req) {
                    Ok((r, origin)) => {
                        on(Event::Refi {
                            file: f,
                            report: &r,
                            origin: origin.as_deref(),
                        });
                        report.imported += 1;
                    }
                    Err(e) => report.failed.push(e),
                }
                continue;
            }
            let prepared = match import::prepare_all(f, &req.read) {
                Ok(p) => p,
                Err(e) => {
                    report.failed.push(e);
                    continue;
                }
            };
            let info: Vec<(bool, Vec<String>)> = prepared
                .iter()
                .map(|p| (p.kind_guessed, p.warnings.clone()))
                .collect();
            match session.import(prepared, &req.opts) {
                Ok(ids) => {
                    let fed = feed.as_mut().map(|fd| fd.add(session.project(), &ids));
                    if let Some(Err(e)) = fed {
                        on(Event::IndexFeedFailed { file: f, error: &e });
                        feed = None;
                    }
                    for (id, (guessed, warnings)) in ids.iter().zip(info) {
                        let d = session.project().find_doc(id)?;
                        if let Some((old, _, _)) = before
                            .iter()
                            .find(|(_, title, file)| *title == d.title || *file == d.origin.file)
                        {
                            report
                                .resembling
                                .push((d.id.clone(), old.clone(), f.clone()));
                        }
                        for (i, m) in req.opts.speakers.iter().enumerate() {
                            if m.applies_to(&d.origin.file) && m.find(&d.speakers).is_some() {
                                mapped.insert(i);
                            }
                        }
                        on(Event::Document {
                            file: f,
                            doc: d,
                            guessed,
                            warnings: &warnings,
                        });
                        report.imported += 1;
                    }
                }
                Err(Error::Duplicate { msg, .. }) => {
                    report.skipped += 1;
                    on(Event::Duplicate { file: f, msg: &msg });
                }
                Err(e) => report.failed.push(e),
            }
        }
        Ok(())
    })?;
    if report.imported > 0 {
        report.unmatched_speakers = req
            .opts
            .speakers
            .iter()
            .enumerate()
            .filter(|(i, _)| !mapped.contains(i))
            .map(|(_, m)| m.clone())
            .collect();
    }
    report.index_warning = match feed.map(|f| f.finish(session.project())) {
        Some(Ok(_)) => None,
        Some(Err(e)) => Some(format!(
            "the search index could not be updated ({e}); `koda reindex` rebuilds it"
        )),
        None => super::index::after_change(session.project()),
    };
    Ok(report)
}

/// Imports one REFI-QDA project file.
fn import_refi(
    session: &mut Session,
    file: &Path,
    req: &Request,
) -> crate::Result<(RefiReport, Option<String>)> {
    let mut q = import::qdpx::open_qdpx(file, &req.refi)?;
    let opts = crate::store::refi::RefiOptions {
        strict: req.read.strict,
    };
    let r = session.import_refi(&mut q, file, opts)?;
    Ok((r, q.project.origin.clone()))
}
