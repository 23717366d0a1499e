//! Import: turning files into normalised documents with speaker turns.
//!
//! One module per format turns bytes into a [`Prepared`] document; nothing here writes to the
//! project (that is [`crate::store::Session::import`]), so a failed import changes nothing.

pub mod asr;
pub mod cases;
pub mod decode;
pub mod docx;
pub mod pdf;
pub mod qdpx;
pub mod speakers;
pub mod subtitles;
pub mod survey;
pub mod text;

use crate::model::text::{normalise, sha256_hex};
use crate::model::{DocKind, Origin, Turn};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// A document read and parsed, ready to be added to a project.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The file it came from.
    pub path: PathBuf,
    /// Title (the file name without extension unless given).
    pub title: String,
    /// Document type, given or guessed.
    pub kind: DocKind,
    /// True when the type was guessed rather than given.
    pub kind_guessed: bool,
    /// The normalised text.
    pub text: String,
    /// Speaker turns (or paragraphs).
    pub turns: Vec<Turn>,
    /// Distinct speakers in order of appearance.
    pub speakers: Vec<String>,
    /// Where it came from.
    pub origin: Origin,
    /// Notes found in the file (Word footnotes and comments), kept as document memos.
    pub notes: Vec<String>,
    /// What the reader should know (a guessed encoding, mojibake).
    pub warnings: Vec<String>,
    /// The case this document belongs to when the file says so (a survey row).
    pub case: Option<String>,
    /// Attributes of that case.
    pub attrs: Vec<(String, String)>,
    /// Speakers that are cases of their own, as the file says (the respondents of a survey
    /// column, each with the attributes of their row).
    pub speaker_cases: Vec<crate::model::SpeakerMap>,
    /// How the turns were found, so that a corrected text is divided the same way.
    pub segmentation: crate::model::Segmentation,
    /// Word times and confidences from a transcription tool, where the file has them.
    pub words: Vec<crate::model::TimedWord>,
    /// The source's GUID, when it comes from a REFI-QDA project.
    pub guid: Option<String>,
}

impl Prepared {
    /// A document from a parsed text, with nothing else known about it yet (no notes,
    /// warnings, case or word times; koda's own segmentation).
    pub fn new(
        path: &Path,
        title: String,
        (kind, kind_guessed): (DocKind, bool),
        parsed: text::Parsed,
        origin: Origin,
    ) -> Prepared {
        Prepared {
            path: path.to_path_buf(),
            title,
            kind,
            kind_guessed,
            text: parsed.text,
            turns: parsed.turns,
            speakers: parsed.speakers,
            origin,
            notes: Vec::new(),
            warnings: Vec::new(),
            case: None,
            attrs: Vec::new(),
            speaker_cases: Vec::new(),
            segmentation: crate::model::Segmentation::Auto,
            words: Vec::new(),
            guid: None,
        }
    }
}

/// Formats koda can import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text or Markdown, in any common encoding.
    Text,
    /// WebVTT subtitles.
    Vtt,
    /// SubRip subtitles.
    Srt,
    /// A Word document.
    Docx,
    /// The text layer of a PDF.
    Pdf,
    /// Comma-separated survey answers.
    Csv,
    /// Tab-separated survey answers.
    Tsv,
    /// A transcription tool's JSON (Whisper, WhisperX, whisper.cpp, Rev).
    Json,
}

impl Format {
    /// Parses a format name as given to `--format`.
    pub fn parse(s: &str) -> Result<Format> {
        match s.to_ascii_lowercase().trim_start_matches('.') {
            "txt" | "text" | "md" | "markdown" => Ok(Format::Text),
            "vtt" | "webvtt" => Ok(Format::Vtt),
            "srt" | "subrip" => Ok(Format::Srt),
            "docx" | "word" => Ok(Format::Docx),
            "pdf" => Ok(Format::Pdf),
            "csv" => Ok(Format::Csv),
            "tsv" | "tab" => Ok(Format::Tsv),
            "json" | "whisper" | "whisperx" | "whisper.cpp" | "whisper-cpp" | "rev" => {
                Ok(Format::Json)
            }
            other => Err(Error::invalid(format!(
                "unknown format {other:?}: use txt, md, vtt, srt, docx, pdf, csv, tsv or json (Whisper, WhisperX, whisper.cpp, Rev; or import a .qdpx)"
            ))),
        }
    }

    /// Picks the format from a file's extension.
    pub fn from_path(path: &Path) -> Result<Format> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "" => Err(Error::Import {
                path: path.to_path_buf(),
                msg: "the file has no extension, so its format is unknown; name it .txt, .md, .vtt, .srt, .docx, .pdf, .csv, .tsv or .json, or give --format".into(),
            }),
            "doc" | "rtf" | "odt" => Err(Error::Import {
                path: path.to_path_buf(),
                msg: format!("cannot import .{ext} files: save the document as .docx or .txt"),
            }),
            other => Format::parse(other).map_err(|_| Error::Import {
                path: path.to_path_buf(),
                msg: format!("cannot import .{other} files; koda imports .txt, .md, .vtt, .srt, .docx, .pdf, .csv, .tsv, .json (transcription tools) and .qdpx"),
            }),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Vtt => "webvtt",
            Format::Srt => "subrip",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Json => "json",
        }
    }

    /// The format a text file's content shows, where its extension is ambiguous: a `.txt`
    /// that is WebVTT, SubRip or a transcription tool's JSON.
    fn by_content(self, text: &str) -> Format {
        if self != Format::Text {
            return self;
        }
        let head = text.trim_start_matches('\u{feff}').trim_start();
        if head.starts_with("WEBVTT") {
            return Format::Vtt;
        }
        let mut lines = head.lines();
        if let (Some(a), Some(b)) = (lines.next(), lines.next())
            && !a.trim().is_empty()
            && a.trim().chars().all(|c| c.is_ascii_digit())
            && b.contains("-->")
        {
            return Format::Srt;
        }
        // Only JSON that parses: a transcript that happens to open with `{` stays text.
        if asr::looks_like(head) && serde_json::from_str::<serde_json::Value>(head).is_ok() {
            return Format::Json;
        }
        Format::Text
    }
}

/// How to read files.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Document type for every file (else guessed).
    pub kind: Option<DocKind>,
    /// Format for every file (else from the extension).
    pub format: Option<Format>,
    /// Survey files: the columns holding answers.
    pub text_columns: Vec<String>,
    /// Survey files: the column naming the respondent.
    pub id_column: Option<String>,
    /// Survey files: one document per text column instead of one per answer.
    pub per_column: bool,
    /// Subtitles: refuse a file with a cue that cannot be read, instead of leaving the cue out
    /// with a warning.
    pub strict: bool,
    /// How to find the turns of a transcript (koda's rules unless given).
    pub segmentation: crate::model::Segmentation,
}

/// Reads and parses one file (the first document of a survey). Nothing is written anywhere.
pub fn prepare(path: &Path, kind: Option<DocKind>) -> Result<Prepared> {
    let mut all = prepare_all(
        path,
        &ReadOptions {
            kind,
            ..ReadOptions::default()
        },
    )?;
    if all.is_empty() {
        return Err(Error::Import {
            path: path.to_path_buf(),
            msg: "the file holds no text".into(),
        });
    }
    Ok(all.remove(0))
}

/// What is wrong inside a file being read (with the line, cue or part where there is one); the
/// caller adds the file's name when it reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

impl From<String> for Malformed {
    fn from(s: String) -> Self {
        Malformed(s)
    }
}

impl From<&str> for Malformed {
    fn from(s: &str) -> Self {
        Malformed(s.to_string())
    }
}

impl From<Malformed> for String {
    fn from(m: Malformed) -> Self {
        m.0
    }
}

fn fail(path: &Path, msg: impl Into<String>) -> Error {
    Error::Import {
        path: path.to_path_buf(),
        msg: msg.into(),
    }
}

/// The longest line koda imports, in bytes: a spoken turn is never this long, a data dump
/// saved as text may be.
pub const MAX_LINE_BYTES: usize = 4_000_000;

/// Builds a document from a text (normalising it and finding its turns).
pub fn document_from(
    path: &Path,
    title: String,
    raw: String,
    kind: Option<DocKind>,
    format: &str,
    sha: String,
    how: &crate::model::Segmentation,
) -> Result<Prepared> {
    let normalised = normalise(&raw);
    drop(raw);
    if normalised.trim().is_empty() {
        return Err(fail(path, "the file holds no text"));
    }
    if let Some((n, line)) = normalised
        .split('\n')
        .enumerate()
        .find(|(_, l)| l.len() > MAX_LINE_BYTES)
    {
        return Err(fail(
            path,
            format!(
                "line {} is {} MB long; koda refuses lines over {} MB (is this a transcript? a data file saved as text?)",
                n + 1,
                line.len() / 1_000_000,
                MAX_LINE_BYTES / 1_000_000
            ),
        ));
    }
    let parsed = text::segment(normalised, how).map_err(|m| fail(path, m))?;
    let (kind, kind_guessed) = match kind {
        Some(k) => (k, false),
        None => (guess_kind(path, &parsed.speakers), true),
    };
    let origin = Origin {
        file: path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        format: format.into(),
        sha256: sha,
    };
    let mut p = Prepared::new(path, title, (kind, kind_guessed), parsed, origin);
    p.segmentation = how.clone();
    Ok(p)
}

/// Reads and parses one file into its documents (a survey gives many). Nothing is written.
pub fn prepare_all(path: &Path, opts: &ReadOptions) -> Result<Vec<Prepared>> {
    let format = match opts.format {
        Some(f) => f,
        None => Format::from_path(path)?,
    };
    let bytes = std::fs::read(path).map_err(|e| fail(path, format!("cannot read: {e}")))?;
    let sha = sha256_hex(&bytes);
    let title = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "document".into());
    let text_of = |bytes: Vec<u8>| decode::decode_owned(bytes).map_err(|m| fail(path, m));
    match format {
        Format::Json => Ok(vec![json_document(
            path,
            title,
            text_of(bytes)?,
            opts,
            sha,
        )?]),
        Format::Text | Format::Vtt | Format::Srt => {
            let d = text_of(bytes)?;
            // A `.txt` may hold subtitles or a tool's JSON; the content says which (`--format`
            // decides where given).
            let format = if opts.format.is_some() {
                format
            } else {
                format.by_content(&d.text)
            };
            if format == Format::Json {
                let mut p = json_document(path, title, d, opts, sha)?;
                p.warnings.insert(
                    0,
                    "read as a transcription tool's JSON (by its content)".into(),
                );
                return Ok(vec![p]);
            }
            let mut warnings = d.warnings;
            if format != Format::Text && Format::from_path(path).ok() == Some(Format::Text) {
                warnings.insert(0, format!("read as {} (by its content)", format.name()));
            }
            let raw = match format {
                Format::Vtt | Format::Srt => {
                    let s = subtitles::read(&d.text, format == Format::Vtt, opts.strict)
                        .map_err(|m| fail(path, m))?;
                    warnings.extend(s.warnings);
                    s.text
                }
                _ => d.text,
            };
            let mut p = document_from(
                path,
                title,
                raw,
                opts.kind,
                format.name(),
                sha,
                &opts.segmentation,
            )?;
            p.warnings = warnings;
            Ok(vec![p])
        }
        Format::Docx => {
            let d = docx::read(&bytes).map_err(|m| fail(path, m))?;
            let mut p = document_from(
                path,
                title,
                d.text,
                opts.kind,
                "docx",
                sha,
                &opts.segmentation,
            )?;
            p.notes = d.notes;
            Ok(vec![p])
        }
        Format::Pdf => {
            let d = pdf::read(&bytes).map_err(|m| fail(path, m))?;
            let mut p = document_from(
                path,
                title,
                d.text,
                opts.kind,
                "pdf",
                sha,
                &opts.segmentation,
            )?;
            p.warnings = d.warnings;
            Ok(vec![p])
        }
        Format::Csv | Format::Tsv => {
            let d = text_of(bytes)?;
            survey::read(
                path,
                &d.text,
                if format == Format::Tsv { b'\t' } else { b',' },
                opts,
                &sha,
            )
        }
    }
}

/// A transcription tool's JSON, decoded, as a document with its word times.
fn json_document(
    path: &Path,
    title: String,
    d: decode::Decoded,
    opts: &ReadOptions,
    sha: String,
) -> Result<Prepared> {
    let t = asr::read(&d.text).map_err(|m| fail(path, m))?;
    let how = if opts.segmentation.is_auto() {
        t.segmentation
    } else {
        opts.segmentation.clone()
    };
    let mut p = document_from(
        path,
        title,
        t.text.clone(),
        opts.kind,
        t.tool.name(),
        sha,
        &how,
    )?;
    p.warnings = d.warnings;
    p.warnings.extend(t.warnings);
    if p.text == t.text {
        p.words = t.words;
    } else if !t.words.is_empty() {
        p.warnings
            .push("the text changed as it was normalised, so its word times were left out".into());
    }
    Ok(p)
}

/// Guesses the type from the file name, then from the speakers.
/// The words of a file name: split at anything not a letter or digit and where a lower-case
/// letter meets a capital (`SmithfieldInterview`), lower-cased.
fn name_words(path: &Path) -> Vec<String> {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut words = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for ch in stem.chars() {
        if (!ch.is_alphanumeric() || (prev_lower && ch.is_uppercase())) && !word.is_empty() {
            words.push(std::mem::take(&mut word).to_lowercase());
        }
        if ch.is_alphanumeric() {
            word.push(ch);
        }
        prev_lower = ch.is_lowercase();
    }
    if !word.is_empty() {
        words.push(word.to_lowercase());
    }
    words
}

/// Guesses a document's type from whole words of its file name (never a part of a word:
/// `Smithfield-interview` is an interview), Norwegian compounds by their head
/// (`foreldreintervju`, `feltnotat`, `fokusgruppe`), else from its speakers. A focus group is
/// more specific than an interview, and notes about an interview are field notes.
pub(crate) fn guess_kind(path: &Path, speakers: &[String]) -> DocKind {
    let words = name_words(path);
    let any = |f: &dyn Fn(&str) -> bool| words.iter().any(|w| f(w));
    let ends = |w: &str, heads: &[&str]| heads.iter().any(|h| w.ends_with(h));
    if any(&|w| {
        matches!(w, "focus" | "focusgroup" | "focusgroups" | "fokus") || w.starts_with("fokusgrupp")
    }) {
        DocKind::FocusGroup
    } else if any(&|w| {
        matches!(
            w,
            "field"
                | "fieldnote"
                | "fieldnotes"
                | "note"
                | "notes"
                | "felt"
                | "observation"
                | "observations"
        ) || ends(
            w,
            &[
                "notat",
                "notater",
                "notatet",
                "observasjon",
                "observasjoner",
            ],
        )
    }) {
        DocKind::FieldNote
    } else if any(&|w| {
        matches!(w, "interview" | "interviews")
            || ends(w, &["intervju", "intervjuer", "intervjuet", "intervjuene"])
    }) {
        DocKind::Interview
    } else if speakers.is_empty() {
        DocKind::FieldNote
    } else if speakers.len() >= 4 {
        DocKind::FocusGroup
    } else {
        DocKind::Interview
    }
}

/// Expands folders into the importable files they hold (sorted, not recursing into hidden
/// folders, links to folders, nor a koda project's own `sources/` and `journal/`), keeping
/// files as given.
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            if found.is_empty() {
                return Err(Error::Import {
                    path: p.clone(),
                    msg: "the folder holds no files koda can import (.txt, .md, .vtt, .srt, .docx, .pdf, .csv, .tsv, .qdpx)".into(),
                });
            }
            out.extend(found);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(Error::Import {
                path: p.clone(),
                msg: "no such file or folder".into(),
            });
        }
    }
    Ok(out)
}

/// True when a `.json` file in a folder is a transcription tool's (other JSON, a settings file
/// say, is not material to import).
fn json_transcript(path: &Path) -> bool {
    use std::io::Read;
    let mut head = vec![0u8; 64 * 1024];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    asr::looks_like(&String::from_utf8_lossy(&head[..n]))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    use crate::store::{CONFIG_FILE, JOURNAL_DIR, SOURCES_DIR};
    // In a koda project (this one or another), `sources/` holds koda's copies of documents
    // already imported and `journal/` its records: never new material. Transcripts kept
    // elsewhere in a project folder (`transcripts/`, say) are imported as in any folder.
    let project = dir.join(CONFIG_FILE).is_file();
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let name = entry.file_name();
        let hidden = name.to_string_lossy().starts_with('.');
        let internal = project && (name == SOURCES_DIR || name == JOURNAL_DIR);
        if hidden || internal {
            continue;
        }
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            walk(&path, out)?;
        } else if kind.is_symlink() && path.is_dir() {
            // A link to a folder is not followed: it may lead back up the tree.
            continue;
        } else if match Format::from_path(&path) {
            Ok(Format::Json) => json_transcript(&path),
            Ok(_) => true,
            Err(_) => path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("qdpx")),
        } {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_guessed_from_whole_words_of_the_file_name() {
        let two = ["Intervjuer".to_string(), "Forelder".to_string()];
        let g = |name: &str| guess_kind(Path::new(name), &two);
        assert_eq!(g("Smithfield-interview.txt"), DocKind::Interview);
        assert_eq!(g("SmithfieldInterview.txt"), DocKind::Interview);
        assert_eq!(g("Fieldhouse interview 3.txt"), DocKind::Interview);
        assert_eq!(g("foreldreintervju-01-bolge1.txt"), DocKind::Interview);
        assert_eq!(g("feltnotat-samarbeidsmote.txt"), DocKind::FieldNote);
        assert_eq!(g("fieldnotes-network-meeting.txt"), DocKind::FieldNote);
        assert_eq!(g("Notater_Hansen.txt"), DocKind::FieldNote);
        assert_eq!(g("fokusgruppe-koordinatorer.txt"), DocKind::FocusGroup);
        assert_eq!(g("focus group 2 interview.txt"), DocKind::FocusGroup);
        assert_eq!(
            g("Noteworthy families.txt"),
            DocKind::Interview,
            "not `note`"
        );
        assert_eq!(g("Feltham-foreldre.txt"), DocKind::Interview, "not `felt`");
        assert_eq!(guess_kind(Path::new("besok.txt"), &[]), DocKind::FieldNote);
    }

    #[test]
    fn folders_expand_past_hidden_folders_and_a_projects_own_copies() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "a.txt",
            "notes/b.md",
            "notes/c.docx",
            "notes/skip.json",
            ".hidden/d.txt",
            "study/koda.json",
            "study/sources/e.txt",
            "study/journal/f.txt",
            "study/transcripts/g.txt",
            "study/h.vtt",
            "plain/sources/i.txt",
        ] {
            let path = root.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        // A link back up the tree is not followed; a link to a file is imported.
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root, root.join("notes/up")).unwrap();
            std::os::unix::fs::symlink(root.join("a.txt"), root.join("notes/linked.txt")).unwrap();
        }
        let found = expand_paths(&[root.to_path_buf()]).unwrap();
        let names: Vec<String> = found
            .iter()
            .map(|p| {
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        let mut expected = vec![
            "a.txt",
            "notes/b.md",
            "notes/c.docx",
            "plain/sources/i.txt",
            "study/h.vtt",
            "study/transcripts/g.txt",
        ];
        if cfg!(unix) {
            expected.insert(3, "notes/linked.txt");
        }
        assert_eq!(names, expected);
        // A file named on its own is taken as given, even from a project's sources.
        let named = root.join("study/sources/e.txt");
        assert_eq!(expand_paths(std::slice::from_ref(&named)).unwrap(), [named]);
        // A project folder with only its own copies has nothing to import.
        let only = root.join("only");
        std::fs::create_dir_all(only.join("sources")).unwrap();
        std::fs::write(only.join("koda.json"), "{}").unwrap();
        std::fs::write(only.join("sources/x.txt"), "x").unwrap();
        assert!(expand_paths(&[only]).is_err());
    }

    #[test]
    fn kinds_are_guessed_from_names_then_speakers() {
        let p = Path::new;
        assert_eq!(guess_kind(p("fokusgruppe-1.txt"), &[]), DocKind::FocusGroup);
        assert_eq!(
            guess_kind(p("feltnotat.txt"), &["A".into()]),
            DocKind::FieldNote
        );
        assert_eq!(guess_kind(p("x.txt"), &[]), DocKind::FieldNote);
        let four: Vec<String> = ["A", "B", "C", "D"]
            .iter()
            .map(|s| (*s).to_string())
            .collect();
        assert_eq!(guess_kind(p("x.txt"), &four), DocKind::FocusGroup);
        assert_eq!(guess_kind(p("x.txt"), &four[..2]), DocKind::Interview);
    }

    #[test]
    fn a_txt_is_read_as_what_its_content_is() {
        let t = Format::Text;
        assert_eq!(
            t.by_content("WEBVTT\n\n00:01.000 --> 00:02.000\nHei"),
            Format::Vtt
        );
        assert_eq!(
            t.by_content("1\n00:00:01,000 --> 00:00:02,000\nHei"),
            Format::Srt
        );
        assert_eq!(t.by_content("{\"segments\": []}"), Format::Json);
        // Braces and the word in quotes do not make a transcript JSON.
        assert_eq!(
            t.by_content("{Lyd starter} Intervjuer: \"segments\" er ordet."),
            Format::Text
        );
        assert_eq!(t.by_content("Intervjuer: Hei\n2\n"), Format::Text);
        assert_eq!(Format::Docx.by_content("WEBVTT"), Format::Docx);
    }

    #[test]
    fn unsupported_formats_are_named() {
        let err = Format::from_path(Path::new("a/b.xlsx"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("b.xlsx") && err.contains(".pdf"), "{err}");
        assert_eq!(Format::from_path(Path::new("x.PDF")).unwrap(), Format::Pdf);
        let err = Format::from_path(Path::new("a/b.odt"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("save the document as .docx"), "{err}");
        assert_eq!(Format::from_path(Path::new("x.VTT")).unwrap(), Format::Vtt);
        assert!(Format::from_path(Path::new("x.TXT")).is_ok());
    }

    #[test]
    fn absurdly_long_lines_are_refused_with_their_number() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("dump.txt");
        let text = format!("Intervjuer: Hei\n{}\n", "x".repeat(MAX_LINE_BYTES + 1));
        std::fs::write(&p, text).unwrap();
        let err = prepare(&p, None).unwrap_err().to_string();
        assert!(
            err.contains("dump.txt") && err.contains("line 2") && err.contains("refuses lines"),
            "{err}"
        );
    }

    #[test]
    fn prepare_reads_legacy_encodings_and_refuses_binary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("latin1.txt");
        std::fs::write(
            &p,
            b"Hei\nHvordan g\xe5r det med bl\xe5b\xe6rene og \xf8konomien?\n",
        )
        .unwrap();
        let d = prepare(&p, None).unwrap();
        assert!(
            d.text.contains("går det med blåbærene og økonomien"),
            "{}",
            d.text
        );
        assert!(d.warnings[0].contains("not UTF-8"), "{:?}", d.warnings);
        let b = dir.path().join("bin.txt");
        std::fs::write(&b, b"\x00\x01garbage\x00").unwrap();
        let err = prepare(&b, None).unwrap_err().to_string();
        assert!(err.contains("bin.txt") && err.contains("binary"), "{err}");
        let e = dir.path().join("empty.txt");
        std::fs::write(&e, "\n \n").unwrap();
        assert!(
            prepare(&e, None)
                .unwrap_err()
                .to_string()
                .contains("no text")
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        #[test]
        fn no_input_makes_an_importer_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let path = Path::new("fuzz.bin");
            if let Ok(d) = decode::decode(&bytes) {
                let _ = text::parse(&normalise(&d.text));
                let _ = subtitles::vtt(&d.text);
                let _ = asr::read(&d.text);
                let _ = text::segment(normalise(&d.text), &crate::model::Segmentation::None);
                let _ = subtitles::srt(&d.text);
                let _ = survey::read(path, &d.text, b',', &ReadOptions::default(), "h");
                let _ = survey::read(path, &d.text, b'\t', &ReadOptions { per_column: true, ..ReadOptions::default() }, "h");
            }
            let _ = docx::read(&bytes);
            let mut pdfish = b"%PDF-1.4\n".to_vec();
            pdfish.extend(&bytes);
            let _ = pdf::read(&pdfish);
            let _ = qdpx::read_qdpx(&bytes, path);
            let _ = qdpx::read_qdc(&bytes, path);
            let mut zipped = b"PK\x03\x04".to_vec();
            zipped.extend(&bytes);
            let _ = docx::read(&zipped);
            let _ = qdpx::read_qdpx(&zipped, path);
        }

        #[test]
        fn no_transcription_json_makes_the_reader_panic(
            segs in proptest::collection::vec(("-?[0-9]{1,3}(\\.[0-9]{1,3})?", "[A-Za-zæ ,.\\\\\"]{0,12}", "(SPEAKER_0[0-2])?"), 0..6),
            key in "(segments|transcription|monologues)",
        ) {
            let body: Vec<String> = segs.iter().map(|(t, x, sp)| format!(
                r#"{{"start": {t}, "end": {t}, "text": "{x}", "speaker": "{sp}", "offsets": {{"from": {t}, "to": 1}}, "words": [{{"word": "{x}", "start": {t}, "end": 0.5, "score": {t}}}], "elements": [{{"type": "text", "value": "{x}", "ts": {t}, "end_ts": {t}}}], "tokens": [{{"text": "{x}", "offsets": {{"from": 0, "to": {t}}}, "p": {t}}}]}}"#
            )).collect();
            let json = format!("{{\"{key}\": [{}]}}", body.join(","));
            if let Ok(t) = asr::read(&json) {
                let n = t.text.chars().count();
                for w in &t.words {
                    proptest::prop_assert!(w.start <= w.end && w.end <= n);
                }
            }
        }

        #[test]
        fn no_subtitle_like_text_makes_a_parser_panic(s in "(WEBVTT\n\n)?([0-9:.,]{0,12}( --> )?[0-9:.,]{0,12}\n(<v [a-z]{0,5}>)?[a-zA-Zæøå: <>/]{0,20}\n\n){0,5}") {
            let _ = subtitles::vtt(&s);
            let _ = subtitles::srt(&s);
        }
    }
}
