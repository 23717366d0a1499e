//! REFI-QDA exchange, import side: `.qdpx` projects and `.qdc` codebooks from other QDA tools.
//!
//! Reading is a pass that writes nothing: the `.qde` is parsed whole (it holds structure, not
//! the sources' texts), every source's text is read out of the archive one at a time to check
//! the selections against it, and what koda cannot hold is counted in a [`Dropped`] report.
//! The archive is never unpacked into memory: entries are streamed, and the bytes unpacked are
//! capped both absolutely and relative to the archive's size ([`Limits`]). Entity references
//! other than XML's own five are refused, never expanded.
//!
//! Known vendor deviations are tolerated: positions in UTF-16 code units (NVivo) or with CRLF
//! counted as one character (ATLAS.ti) instead of code points; a `Sources/` folder or a `.qde`
//! file under another name; memos kept as `Description`s; cases without names; element names
//! with a namespace prefix. Every position is converted to code points of the file's text, then
//! carried through koda's normalisation (CRLF, NFC, …) by a character diff, so each coding
//! lands on the same words.

use crate::{Error, Result};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::collections::BTreeMap;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

/// How much an archive may unpack to: at most `ratio` times its own size plus a small floor
/// (so a tiny project is never refused), and never more than `max_bytes`. Counted on the bytes
/// actually unpacked, not on the sizes the archive declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Unpacked bytes allowed per byte of archive.
    pub ratio: u64,
    /// The absolute cap on the unpacked bytes, all entries together.
    pub max_bytes: u64,
}

/// What every archive may unpack to whatever its ratio (64 MiB).
pub const LIMIT_FLOOR: u64 = 64 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            ratio: 100,
            max_bytes: 4 * 1024 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// The bytes an archive of `size` bytes may unpack to.
    pub fn budget(&self, size: u64) -> u64 {
        self.ratio
            .saturating_mul(size)
            .saturating_add(LIMIT_FLOOR)
            .min(self.max_bytes)
    }
}

/// How to read a REFI-QDA file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Caps on what the archive unpacks to.
    pub limits: Limits,
    /// Swap inverted selections and clamp those outside their text, saying what changed,
    /// instead of refusing the file.
    pub repair_selections: bool,
}

/// A code read from REFI-QDA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefiCode {
    /// GUID.
    pub guid: String,
    /// Name (a `/` in it is replaced, and said so in [`RefiProject::changes`]).
    pub name: String,
    /// Parent GUID.
    pub parent: Option<String>,
    /// Description.
    pub description: String,
    /// Colour `#rrggbb`.
    pub color: Option<String>,
    /// Notes attached to the code.
    pub notes: Vec<String>,
    /// False for a category that cannot be applied to text.
    pub codable: bool,
}

impl Default for RefiCode {
    fn default() -> RefiCode {
        RefiCode {
            guid: String::new(),
            name: String::new(),
            parent: None,
            description: String::new(),
            color: None,
            notes: Vec::new(),
            codable: true,
        }
    }
}

/// One coding of a selection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefiCoding {
    /// GUID.
    pub guid: String,
    /// The code's GUID.
    pub code: String,
    /// Who coded (user GUID).
    pub user: Option<String>,
    /// When.
    pub at: Option<String>,
    /// Notes attached to the coding.
    pub notes: Vec<String>,
}

/// A text selection with its codings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefiSelection {
    /// GUID.
    pub guid: String,
    /// Start, in the file's units (negative in a damaged file).
    pub start: i64,
    /// End, in the file's units.
    pub end: i64,
    /// Who made it.
    pub user: Option<String>,
    /// When.
    pub at: Option<String>,
    /// Its description (some tools keep memos here).
    pub description: String,
    /// Codings.
    pub codings: Vec<RefiCoding>,
    /// Notes attached to it.
    pub notes: Vec<String>,
}

/// Where a source's text is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TextAt {
    /// Written in the `.qde` itself (`PlainTextContent`).
    Inline(String),
    /// A plain-text entry of the archive.
    Plain(String),
    /// A Word (`.docx`) entry of the archive, read with koda's DOCX reader.
    Rich(String),
    /// Nowhere.
    #[default]
    Missing,
}

/// What kind of source a document comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceKind {
    /// A `TextSource`.
    #[default]
    Text,
    /// The text representation of a `PDFSource`.
    Pdf,
    /// The `Transcript` of an `AudioSource` or `VideoSource`.
    Transcript,
}

/// A source koda imports as a document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefiSource {
    /// GUID (of the `TextSource`, `PDFSource` or media source).
    pub guid: String,
    /// Name (title).
    pub name: String,
    /// Where the text is.
    pub text: TextAt,
    /// What it was in the other tool.
    pub kind: SourceKind,
    /// Selections.
    pub selections: Vec<RefiSelection>,
    /// Codings of the source as a whole.
    pub whole: Vec<RefiCoding>,
    /// Notes attached to it.
    pub notes: Vec<String>,
    /// Its description, kept as a document memo.
    pub description: String,
    /// Variable values (variable GUID, value).
    pub values: Vec<(String, String)>,
    /// A transcript's sync points: (position in the file's units, milliseconds).
    pub sync: Vec<(i64, u64)>,
}

/// A case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefiCase {
    /// GUID.
    pub guid: String,
    /// Name, if the tool wrote one.
    pub name: Option<String>,
    /// Variable values (variable GUID, value).
    pub values: Vec<(String, String)>,
    /// Sources of the case.
    pub sources: Vec<String>,
    /// Description.
    pub description: String,
    /// Codes linked to the case.
    pub codes: Vec<String>,
    /// Selections linked to the case.
    pub selections: Vec<String>,
}

/// A note (memo).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefiNote {
    /// GUID.
    pub guid: String,
    /// Text.
    pub text: String,
    /// Who wrote it.
    pub user: Option<String>,
    /// When.
    pub at: Option<String>,
}

/// A set of codes and sources.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefiSet {
    /// GUID.
    pub guid: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Member codes.
    pub codes: Vec<String>,
    /// Member sources.
    pub sources: Vec<String>,
}

/// A link between two objects.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefiLink {
    /// GUID.
    pub guid: String,
    /// Name (the relation's label).
    pub name: String,
    /// `OneWay`, `Bidirectional` or `Associative`.
    pub direction: Option<String>,
    /// Where it starts.
    pub origin: String,
    /// Where it points.
    pub target: String,
    /// Notes on the link.
    pub notes: Vec<String>,
}

/// What a file held that koda cannot keep: by kind, how many and the first few names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Kind → (count, first names).
    pub kinds: BTreeMap<String, (usize, Vec<String>)>,
}

impl Dropped {
    /// Counts one thing of `kind`, keeping its name among the first few.
    pub fn add(&mut self, kind: &str, name: &str) {
        let e = self.kinds.entry(kind.to_string()).or_default();
        e.0 += 1;
        let name = name.trim();
        if e.1.len() < 3 && !name.is_empty() && !e.1.iter().any(|n| n == name) {
            e.1.push(name.chars().take(60).collect());
        }
    }

    /// True when nothing was dropped.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// One line per kind: `2 graphs (Modell, Oversikt)`.
    pub fn lines(&self) -> Vec<String> {
        self.kinds
            .iter()
            .map(|(k, (n, names))| {
                if names.is_empty() {
                    format!("{n} {k}")
                } else {
                    format!("{n} {k} ({})", names.join(", "))
                }
            })
            .collect()
    }
}

/// How a file counts text positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// Unicode code points (the standard).
    CodePoints,
    /// UTF-16 code units (NVivo).
    Utf16,
    /// Code points with CRLF counted as one (ATLAS.ti).
    CrlfAsOne,
}

/// Everything read from a `.qdpx` or `.qdc`, the sources' texts left in the archive.
#[derive(Debug, Clone, Default)]
pub struct RefiProject {
    /// The project's name.
    pub name: Option<String>,
    /// The tool that wrote it.
    pub origin: Option<String>,
    /// Users by GUID.
    pub users: BTreeMap<String, String>,
    /// Codes, parents before children.
    pub codes: Vec<RefiCode>,
    /// Variable names by GUID.
    pub variables: BTreeMap<String, String>,
    /// Cases.
    pub cases: Vec<RefiCase>,
    /// Sources koda imports as documents.
    pub sources: Vec<RefiSource>,
    /// Notes by GUID.
    pub notes: BTreeMap<String, RefiNote>,
    /// Notes on the project as a whole.
    pub project_notes: Vec<String>,
    /// Sets.
    pub sets: Vec<RefiSet>,
    /// Links.
    pub links: Vec<RefiLink>,
    /// What koda cannot hold.
    pub dropped: Dropped,
    /// What koda changed to keep it (a renamed code, a repaired selection), one line each.
    pub changes: Vec<String>,
}

impl RefiProject {
    /// The position units of the tool that wrote the file.
    pub fn units(&self) -> Units {
        let o = self.origin.as_deref().unwrap_or("").to_lowercase();
        if o.contains("nvivo") {
            Units::Utf16
        } else if o.contains("atlas") {
            Units::CrlfAsOne
        } else {
            Units::CodePoints
        }
    }
}

/// [`to_code_points`] of many positions in one pass over `text` (positions in any order, the
/// result in the order given), so a large source with many selections is walked once.
pub fn all_to_code_points(text: &str, positions: &[usize], units: Units) -> Vec<usize> {
    let mut order: Vec<usize> = (0..positions.len()).collect();
    order.sort_by_key(|&i| positions[i]);
    let mut out = vec![0usize; positions.len()];
    let mut next = 0usize;
    let mut n = 0usize; // position in the file's units
    let mut chars = text.chars().peekable();
    let mut i = 0usize; // code points so far
    while next < order.len() {
        while next < order.len() && positions[order[next]] <= n {
            out[order[next]] = i;
            next += 1;
        }
        let Some(c) = chars.next() else {
            break;
        };
        i += 1;
        n += match units {
            Units::CodePoints => 1,
            Units::Utf16 => c.len_utf16(),
            Units::CrlfAsOne => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                    i += 1;
                }
                1
            }
        };
    }
    for k in &order[next..] {
        out[*k] = i;
    }
    out
}

/// Converts a position in `units` to a code-point offset of `text`.
pub fn to_code_points(text: &str, pos: usize, units: Units) -> usize {
    match units {
        Units::CodePoints => pos.min(text.chars().count()),
        Units::Utf16 => {
            let mut n = 0;
            for (i, c) in text.chars().enumerate() {
                if n >= pos {
                    return i;
                }
                n += c.len_utf16();
            }
            text.chars().count()
        }
        Units::CrlfAsOne => {
            let chars: Vec<char> = text.chars().collect();
            let mut n = 0;
            let mut i = 0;
            while i < chars.len() {
                if n >= pos {
                    return i;
                }
                if chars[i] == '\r' && chars.get(i + 1) == Some(&'\n') {
                    i += 2;
                } else {
                    i += 1;
                }
                n += 1;
            }
            chars.len()
        }
    }
}

/// The title a source gets: its name without a document extension (QualCoder names a source
/// by its file, `Intervju 3.docx`); a source without a name, or named by its GUID or its
/// internal file (`4f1c….txt`), is titled by the first words of its text.
pub fn source_title(name: &str, guid: &str, text: &str) -> String {
    let name = name.trim();
    let stem = match name.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && [
                    "docx", "doc", "txt", "md", "odt", "rtf", "pdf", "htm", "html",
                ]
                .contains(&ext.to_ascii_lowercase().as_str()) =>
        {
            stem
        }
        _ => name,
    };
    let guid_like = |s: &str| {
        let hex: String = s
            .chars()
            .filter(|c| *c != '-' && *c != '{' && *c != '}')
            .collect();
        hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
    };
    if !stem.is_empty() && !guid_like(stem) && !stem.eq_ignore_ascii_case(guid) {
        return stem.to_string();
    }
    let first: String = text
        .split_whitespace()
        .take(8)
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(60)
        .collect();
    if first.is_empty() {
        "source".to_string()
    } else {
        first
    }
}

fn local(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    s.rsplit(':').next().unwrap_or("").to_string()
}

fn bad(path: &Path, msg: impl std::fmt::Display) -> Error {
    Error::Import {
        path: path.to_path_buf(),
        msg: msg.to_string(),
    }
}

/// An entity reference is refused with where it is, never kept as text or expanded.
fn entity_error(path: &Path, pos: u64, e: impl std::fmt::Display) -> Error {
    bad(
        path,
        format!(
            "near byte {pos} of the project file: {e}; koda reads XML's own character references (&amp; &lt; &#233; …) and refuses other entities rather than expanding them"
        ),
    )
}

fn attrs(e: &BytesStart<'_>, path: &Path, pos: u64) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for a in e.attributes() {
        let a =
            a.map_err(|err| bad(path, format!("a damaged attribute near byte {pos}: {err}")))?;
        let raw = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        if raw == "xmlns" || raw.starts_with("xmlns:") || raw.starts_with("xsi:") {
            continue;
        }
        let value = a
            .unescape_value()
            .map_err(|err| entity_error(path, pos, err))?
            .into_owned();
        out.push((local(a.key.as_ref()), value));
    }
    Ok(out)
}

trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// A `.qdpx` archive opened for reading: entries are streamed, never unpacked all at once, and
/// every byte unpacked counts against the archive's budget ([`Limits`]).
pub struct Archive {
    zip: zip::ZipArchive<Box<dyn ReadSeek>>,
    path: PathBuf,
    /// Lower-case entry name → entry name.
    names: BTreeMap<String, String>,
    budget: u64,
    used: u64,
    limits: Limits,
    size: u64,
}

impl Archive {
    fn new(reader: Box<dyn ReadSeek>, size: u64, path: &Path, limits: Limits) -> Result<Archive> {
        let zip = zip::ZipArchive::new(reader)
            .map_err(|e| bad(path, format!("not a readable QDPX (ZIP) file: {e}")))?;
        let names = zip
            .file_names()
            .map(|n| (n.to_lowercase(), n.to_string()))
            .collect();
        Ok(Archive {
            zip,
            path: path.to_path_buf(),
            names,
            budget: limits.budget(size),
            used: 0,
            limits,
            size,
        })
    }

    /// Opens the archive at `path`.
    pub fn open(path: &Path, limits: Limits) -> Result<Archive> {
        let f = std::fs::File::open(path).map_err(|e| bad(path, format!("cannot read: {e}")))?;
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        Archive::new(Box::new(std::io::BufReader::new(f)), size, path, limits)
    }

    /// An archive held in memory (tests, fuzzing).
    pub fn from_bytes(bytes: Vec<u8>, path: &Path, limits: Limits) -> Result<Archive> {
        let size = bytes.len() as u64;
        Archive::new(Box::new(std::io::Cursor::new(bytes)), size, path, limits)
    }

    /// The entry an internal path names (`internal://x.txt`, `sources/x.txt`, `Sources/x.txt`).
    fn find(&self, reference: &str) -> Option<String> {
        let rel = reference
            .trim_start_matches("internal://")
            .trim_start_matches("relative://")
            .to_lowercase();
        [format!("sources/{rel}"), rel.clone()]
            .iter()
            .find_map(|c| self.names.get(c))
            .or_else(|| {
                self.names
                    .iter()
                    .find(|(k, _)| k.ends_with(&format!("/{rel}")))
                    .map(|(_, v)| v)
            })
            .cloned()
    }

    /// Unpacks one entry, counting its bytes against the budget.
    fn entry(&mut self, name: &str) -> Result<Vec<u8>> {
        let path = self.path.clone();
        let left = self.budget.saturating_sub(self.used);
        let too_much = bad(
            &path,
            format!(
                "{name} takes the archive past {} MiB unpacked ({}× its {} KiB, at most {} MiB); refused as a damaged file or a ZIP bomb. If the file is sound, raise the limit with --max-unpacked or --max-ratio",
                self.budget >> 20,
                self.limits.ratio,
                self.size >> 10,
                self.limits.max_bytes >> 20
            ),
        );
        let mut f = self
            .zip
            .by_name(name)
            .map_err(|e| bad(&path, format!("{name}: {e}")))?;
        // An entry that says it is too large is refused unread; one that lies about its size
        // is stopped when its bytes pass the budget.
        if f.size() > left {
            return Err(too_much);
        }
        let mut buf = Vec::with_capacity(f.size() as usize);
        f.by_ref()
            .take(left + 1)
            .read_to_end(&mut buf)
            .map_err(|e| bad(&path, format!("{name}: {e}")))?;
        self.used += buf.len() as u64;
        if self.used > self.budget {
            return Err(too_much);
        }
        Ok(buf)
    }

    /// The `.qde` project file (any name ending in `.qde`).
    fn qde(&mut self) -> Result<String> {
        let name = self
            .names
            .iter()
            .find(|(k, _)| k.ends_with(".qde"))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| bad(&self.path, "the archive holds no .qde project file"))?;
        let bytes = self.entry(&name)?;
        String::from_utf8(bytes).map_err(|_| bad(&self.path, format!("{name} is not UTF-8")))
    }

    /// The text of a source as the file has it (before koda's normalisation).
    pub fn text(&mut self, s: &RefiSource) -> Result<String> {
        let path = self.path.clone();
        let entry = |a: &Archive, r: &str| {
            a.find(r).ok_or_else(|| {
                bad(
                    &path,
                    format!(
                        "source {:?} refers to {r}, which is not in the archive",
                        s.name
                    ),
                )
            })
        };
        match &s.text {
            TextAt::Inline(t) => Ok(t.clone()),
            TextAt::Missing => Ok(String::new()),
            TextAt::Plain(r) => {
                let name = entry(self, r)?;
                let mut bytes = self.entry(&name)?;
                if bytes.starts_with(b"\xef\xbb\xbf") {
                    bytes.drain(..3);
                }
                String::from_utf8(bytes).map_err(|e| {
                    let m = crate::import::text::decode_utf8(e.as_bytes())
                        .err()
                        .map(|m| m.to_string())
                        .unwrap_or_default();
                    bad(&path, format!("source {:?} ({name}): {m}", s.name))
                })
            }
            TextAt::Rich(r) => {
                let name = entry(self, r)?;
                let bytes = self.entry(&name)?;
                crate::import::docx::read(&bytes)
                    .map(|d| d.text)
                    .map_err(|m| bad(&path, format!("source {:?} ({name}): {m}", s.name)))
            }
        }
    }
}

/// A `.qdpx` read and checked: its structure, and the archive its texts are read from.
pub struct Qdpx {
    /// What the file holds.
    pub project: RefiProject,
    /// The archive, for the sources' texts.
    pub archive: Archive,
}

/// Reads and checks a `.qdpx` on disk. Nothing is written.
pub fn open_qdpx(path: &Path, opts: &ReadOptions) -> Result<Qdpx> {
    let archive = Archive::open(path, opts.limits)?;
    read_archive(archive, opts)
}

/// Reads and checks a `.qdpx` held in memory (tests, fuzzing). Nothing is written.
pub fn read_qdpx(bytes: &[u8], path: &Path) -> Result<Qdpx> {
    let archive = Archive::from_bytes(bytes.to_vec(), path, Limits::default())?;
    read_archive(archive, &ReadOptions::default())
}

fn read_archive(mut archive: Archive, opts: &ReadOptions) -> Result<Qdpx> {
    let path = archive.path.clone();
    let qde = archive.qde()?;
    let mut project = parse_qde(&qde, &path)?;
    drop(qde);
    check_selections(&mut project, &mut archive, opts)?;
    // What was read to check counts once: the import reads each text again.
    archive.used = 0;
    Ok(Qdpx { project, archive })
}

/// The length of `text` in `units`.
fn len_in(text: &str, units: Units) -> i64 {
    let n = match units {
        Units::CodePoints => text.chars().count(),
        Units::Utf16 => text.encode_utf16().count(),
        Units::CrlfAsOne => text.chars().count() - text.matches("\r\n").count(),
    };
    n as i64
}

/// Checks every selection against its source's text, one text in memory at a time: an
/// inverted selection, or one outside its text, refuses the file (naming the selection's GUID
/// and the source), unless `repair_selections`, which mends it and says what it changed.
fn check_selections(p: &mut RefiProject, archive: &mut Archive, opts: &ReadOptions) -> Result<()> {
    let units = p.units();
    let path = archive.path.clone();
    let mut changes = Vec::new();
    let mut dropped = Vec::new();
    for s in &mut p.sources {
        if s.selections.is_empty() && s.sync.is_empty() {
            // Its text is checked when it is imported.
            continue;
        }
        let text = archive.text(s)?;
        let len = len_in(&text, units);
        drop(text);
        let name = s.name.clone();
        s.selections.retain_mut(|sel| {
            let (a, b) = (sel.start, sel.end);
            let wrong = if a < 0 || b < 0 {
                Some("a negative position")
            } else if a > b {
                Some("its start after its end")
            } else if b > len {
                Some("an end beyond the text")
            } else {
                None
            };
            let Some(why) = wrong else {
                return true;
            };
            if !opts.repair_selections {
                changes.push(Err(bad(
                    &path,
                    format!(
                        "selection {} in source {name:?} has {why} ({a}..{b}; the text is {len} long); nothing was imported. Correct it in the tool that wrote the file, or import with --repair-selections to swap and clamp such selections",
                        sel.guid
                    ),
                )));
                return true;
            }
            let (mut x, mut y) = (a.clamp(0, len), b.clamp(0, len));
            if x > y {
                std::mem::swap(&mut x, &mut y);
            }
            if x == y {
                dropped.push(("selections empty after repair", sel.guid.clone()));
                changes.push(Ok(format!(
                    "selection {} in {name:?} ({a}..{b}) left nothing of the text once clamped: not imported",
                    sel.guid
                )));
                return false;
            }
            sel.start = x;
            sel.end = y;
            changes.push(Ok(format!(
                "selection {} in {name:?} had {why}: {a}..{b} became {x}..{y}",
                sel.guid
            )));
            true
        });
        let before = s.sync.len();
        s.sync.retain(|(pos, _)| (0..=len).contains(pos));
        for _ in s.sync.len()..before {
            dropped.push(("sync points outside their transcript", name.clone()));
        }
    }
    for c in changes {
        p.changes.push(c?);
    }
    for (kind, name) in dropped {
        p.dropped.add(kind, &name);
    }
    Ok(())
}

/// Attributes the standard gives every element that has them, which koda reads or may ignore
/// without loss (who changed a thing last, and when).
const COMMON: &[&str] = &[
    "guid",
    "name",
    "creatingUser",
    "creationDateTime",
    "modifyingUser",
    "modifiedDateTime",
];

/// The standard's attributes per element, beyond [`COMMON`]; anything else is reported.
fn known_attribute(element: &str, attr: &str) -> bool {
    if COMMON.contains(&attr) {
        return true;
    }
    let extra: &[&str] = match element {
        "Project" => &[
            "origin",
            "creatingUserGUID",
            "modifyingUserGUID",
            "basePath",
        ],
        "User" => &["id"],
        "Code" => &["isCodable", "color"],
        "Variable" => &["typeOfVariable"],
        "TextSource" | "Representation" | "Transcript" | "Note" => {
            &["richTextPath", "plainTextPath"]
        }
        "PlainTextSelection" => &["startPosition", "endPosition"],
        "PictureSource" | "PDFSource" | "AudioSource" | "VideoSource" => &["path", "currentPath"],
        "PictureSelection" => &["firstX", "firstY", "secondX", "secondY"],
        "PDFSelection" => &["page", "firstX", "firstY", "secondX", "secondY"],
        "AudioSelection" | "VideoSelection" => &["begin", "end"],
        "TranscriptSelection" => &["fromSyncPoint", "toSyncPoint"],
        "SyncPoint" => &["timeStamp", "position"],
        "Link" => &["direction", "color", "originGUID", "targetGUID"],
        "NoteRef" | "CodeRef" | "SourceRef" | "SelectionRef" | "VariableRef" | "MemberCode"
        | "MemberSource" | "MemberNote" => &["targetGUID"],
        _ => &[],
    };
    extra.contains(&attr)
}

/// Elements whose content koda reads.
const KNOWN_ELEMENTS: &[&str] = &[
    "Project",
    "Users",
    "User",
    "CodeBook",
    "Codes",
    "Code",
    "Variables",
    "Variable",
    "Cases",
    "Case",
    "VariableValue",
    "VariableRef",
    "TextValue",
    "BooleanValue",
    "IntegerValue",
    "FloatValue",
    "DateValue",
    "DateTimeValue",
    "Sources",
    "TextSource",
    "PlainTextContent",
    "PlainTextSelection",
    "Description",
    "Coding",
    "CodeRef",
    "NoteRef",
    "SourceRef",
    "SelectionRef",
    "PictureSource",
    "PDFSource",
    "Representation",
    "AudioSource",
    "VideoSource",
    "Transcript",
    "SyncPoint",
    "TranscriptSelection",
    "Notes",
    "Note",
    "Links",
    "Link",
    "Sets",
    "Set",
    "MemberCode",
    "MemberSource",
    "MemberNote",
    "Graphs",
];

/// Where a `Coding` or `NoteRef` being read belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holder {
    Selection,
    Coding,
    Source,
    Code,
    Case,
    Project,
    Link,
    Other,
}

fn parse_pos(
    a: &BTreeMap<String, String>,
    k: &str,
    el: &str,
    guid: &str,
    path: &Path,
) -> Result<i64> {
    let v = a
        .get(k)
        .ok_or_else(|| bad(path, format!("{el} {guid} has no {k}")))?;
    v.trim().parse().map_err(|_| {
        bad(
            path,
            format!("{el} {guid} has a {k} that is not a whole number: {v:?}"),
        )
    })
}

/// Parses a `.qde` (or `.qdc`) document. Sources' texts kept in the archive are not read here.
pub fn parse_qde(xml: &str, path: &Path) -> Result<RefiProject> {
    let mut r = Reader::from_str(xml);
    r.config_mut().trim_text(false);
    let mut p = RefiProject::default();
    let mut stack: Vec<String> = Vec::new();
    let mut code_stack: Vec<usize> = Vec::new();
    let mut text = String::new();
    // Depth inside a subtree koda does not keep (a graph, a picture, an area of a PDF).
    let mut skipping = 0usize;
    // The media or PDF source being read: (guid, name, element).
    let mut outer: Option<(String, String, String)> = None;
    let mut outer_has_text = false;
    let mut sync_ids: BTreeMap<String, i64> = BTreeMap::new();
    let mut value_var: Option<String> = None;
    let mut current_note: Option<String> = None;
    let mut in_note = false;
    let mut saw_project = false;
    // Where the `Coding` being read went (a selection, a whole source, or nowhere).
    let mut coding_of = Holder::Other;
    loop {
        let pos = r.buffer_position();
        let ev = r.read_event().map_err(|e| {
            bad(
                path,
                format!("the project file is not well-formed XML near byte {pos}: {e}"),
            )
        })?;
        match ev {
            Event::DocType(_) => {
                return Err(bad(
                    path,
                    "the project file declares a DOCTYPE; koda does not read document type declarations or expand the entities they define, so the file is refused",
                ));
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(ev, Event::Empty(_));
                let name = local(e.name().as_ref());
                let list = attrs(e, path, pos)?;
                let a: BTreeMap<String, String> = list.iter().cloned().collect();
                text.clear();
                let parent = stack.last().cloned().unwrap_or_default();
                let guid = a.get("guid").cloned().unwrap_or_default();
                let label = a.get("name").cloned().unwrap_or_default();
                if skipping > 0 {
                    // Inside a subtree that is dropped as a whole: its parts are not counted
                    // again, except codings, which a researcher would miss.
                    if name == "Coding" {
                        p.dropped.add("codings of what koda cannot hold", &guid);
                    }
                    if !is_empty {
                        skipping += 1;
                        stack.push(name);
                    }
                    continue;
                }
                if !KNOWN_ELEMENTS.contains(&name.as_str()) {
                    let kind = match name.as_str() {
                        "Graph" => "graphs".to_string(),
                        "PictureSelection" => "picture selections".to_string(),
                        "PDFSelection" => "PDF area selections".to_string(),
                        "AudioSelection" => "audio selections".to_string(),
                        "VideoSelection" => "video selections".to_string(),
                        "TextDescription" => "picture text descriptions".to_string(),
                        other => format!("<{other}> elements koda does not know"),
                    };
                    if name != "Graphs" {
                        p.dropped.add(&kind, &label);
                    }
                    if !is_empty {
                        skipping = 1;
                        stack.push(name);
                    }
                    continue;
                }
                for (k, _) in &list {
                    if !(known_attribute(&name, k) || name == "Code" && k == "description") {
                        p.dropped
                            .add(&format!("{k}=\"…\" attributes on <{name}>"), &label);
                    }
                }
                let holder = match parent.as_str() {
                    "PlainTextSelection" | "TranscriptSelection" => Holder::Selection,
                    "Coding" => Holder::Coding,
                    "TextSource" | "Representation" | "Transcript" => Holder::Source,
                    // What is attached to a PDF or a recording is attached to the document
                    // its text became.
                    "PDFSource" | "AudioSource" | "VideoSource" if outer_has_text => Holder::Source,
                    "Code" => Holder::Code,
                    "Case" => Holder::Case,
                    "Project" => Holder::Project,
                    "Link" => Holder::Link,
                    _ => Holder::Other,
                };
                match name.as_str() {
                    "Project" => {
                        saw_project = true;
                        p.name = a.get("name").cloned();
                        p.origin = a.get("origin").cloned();
                    }
                    "CodeBook" => saw_project = true,
                    "User" if !guid.is_empty() => {
                        p.users.insert(
                            guid.clone(),
                            a.get("name")
                                .or(a.get("id"))
                                .cloned()
                                .unwrap_or_else(|| guid.clone()),
                        );
                    }
                    "Code" => {
                        let parent_guid = code_stack.last().map(|i| p.codes[*i].guid.clone());
                        let mut name = label.trim().to_string();
                        if name.is_empty() {
                            name = "code".into();
                        }
                        if name.contains('/') {
                            let kept = name.replace('/', "∕");
                            p.changes.push(format!(
                                "code {name:?} is named {kept:?}: '/' separates the levels of a code path in koda, so it became '∕' (division slash)"
                            ));
                            name = kept;
                        }
                        p.codes.push(RefiCode {
                            guid: guid.clone(),
                            name,
                            parent: parent_guid,
                            description: a.get("description").cloned().unwrap_or_default(),
                            color: a.get("color").cloned(),
                            notes: Vec::new(),
                            codable: a
                                .get("isCodable")
                                .is_none_or(|v| !matches!(v.trim(), "false" | "0")),
                        });
                        if !is_empty {
                            code_stack.push(p.codes.len() - 1);
                        }
                    }
                    "Variable" if !guid.is_empty() && !label.is_empty() => {
                        p.variables.insert(guid.clone(), label.clone());
                    }
                    "Case" => p.cases.push(RefiCase {
                        guid: guid.clone(),
                        name: a.get("name").cloned().filter(|n| !n.trim().is_empty()),
                        ..RefiCase::default()
                    }),
                    "VariableRef" => value_var = a.get("targetGUID").cloned(),
                    "SourceRef" if parent == "Case" => {
                        if let (Some(c), Some(g)) = (p.cases.last_mut(), a.get("targetGUID")) {
                            c.sources.push(g.clone());
                        }
                    }
                    "SelectionRef" if parent == "Case" => {
                        if let (Some(c), Some(g)) = (p.cases.last_mut(), a.get("targetGUID")) {
                            c.selections.push(g.clone());
                        }
                    }
                    "CodeRef" if parent == "Case" => {
                        if let (Some(c), Some(g)) = (p.cases.last_mut(), a.get("targetGUID")) {
                            c.codes.push(g.clone());
                        }
                    }
                    "TextSource" if parent == "Sources" => {
                        p.sources.push(RefiSource {
                            guid: guid.clone(),
                            name: if label.is_empty() {
                                guid.clone()
                            } else {
                                label
                            },
                            text: text_at(&a),
                            ..RefiSource::default()
                        });
                    }
                    "Note" => {
                        in_note = true;
                        current_note = Some(guid.clone());
                        p.notes.insert(
                            guid.clone(),
                            RefiNote {
                                guid: guid.clone(),
                                text: String::new(),
                                user: a.get("creatingUser").cloned(),
                                at: a.get("creationDateTime").cloned(),
                            },
                        );
                        if let TextAt::Plain(_) | TextAt::Rich(_) = text_at(&a) {
                            p.dropped.add("notes kept as separate files", &label);
                        }
                    }
                    "PDFSource" | "AudioSource" | "VideoSource" => {
                        outer = Some((guid.clone(), label.clone(), name.clone()));
                        outer_has_text = false;
                        if is_empty {
                            p.dropped.add(&outer_kind(&name), &label);
                            outer = None;
                        }
                    }
                    "PictureSource" => {
                        p.dropped.add("picture sources", &label);
                        if !is_empty {
                            skipping = 1;
                            stack.push(name);
                        }
                        continue;
                    }
                    "Representation" | "Transcript"
                        if matches!(
                            parent.as_str(),
                            "PDFSource" | "AudioSource" | "VideoSource"
                        ) =>
                    {
                        let (og, on, _) = outer.clone().unwrap_or_default();
                        if outer_has_text {
                            p.dropped.add("further transcripts of one recording", &on);
                            if !is_empty {
                                skipping = 1;
                                stack.push(name);
                            }
                            continue;
                        }
                        outer_has_text = true;
                        sync_ids.clear();
                        p.sources.push(RefiSource {
                            guid: if name == "Transcript" {
                                og
                            } else {
                                guid.clone()
                            },
                            name: if on.is_empty() { label } else { on },
                            text: text_at(&a),
                            kind: if name == "Transcript" {
                                SourceKind::Transcript
                            } else {
                                SourceKind::Pdf
                            },
                            ..RefiSource::default()
                        });
                    }
                    "SyncPoint" => {
                        let at = parse_pos(&a, "position", "SyncPoint", &guid, path)?;
                        let ms = a
                            .get("timeStamp")
                            .and_then(|t| t.trim().parse::<u64>().ok());
                        sync_ids.insert(guid.clone(), at);
                        if let (Some(s), Some(ms)) = (p.sources.last_mut(), ms) {
                            s.sync.push((at, ms));
                        }
                    }
                    "PlainTextSelection" | "TranscriptSelection" => {
                        let (start, end) = if name == "PlainTextSelection" {
                            (
                                parse_pos(&a, "startPosition", &name, &guid, path)?,
                                parse_pos(&a, "endPosition", &name, &guid, path)?,
                            )
                        } else {
                            let at = |k: &str| -> Result<i64> {
                                let g = a.get(k).ok_or_else(|| {
                                    bad(path, format!("TranscriptSelection {guid} has no {k}"))
                                })?;
                                sync_ids.get(g).copied().ok_or_else(|| {
                                    bad(
                                        path,
                                        format!(
                                            "TranscriptSelection {guid} refers to sync point {g}, which its transcript does not have"
                                        ),
                                    )
                                })
                            };
                            (at("fromSyncPoint")?, at("toSyncPoint")?)
                        };
                        let sel = RefiSelection {
                            guid: guid.clone(),
                            start,
                            end,
                            user: a.get("creatingUser").cloned(),
                            at: a.get("creationDateTime").cloned(),
                            ..RefiSelection::default()
                        };
                        match p.sources.last_mut() {
                            Some(s) => s.selections.push(sel),
                            None => {
                                return Err(bad(
                                    path,
                                    format!("{name} {guid} stands outside any source"),
                                ));
                            }
                        }
                    }
                    "Coding" => {
                        let c = RefiCoding {
                            guid: guid.clone(),
                            code: String::new(),
                            user: a.get("creatingUser").cloned(),
                            at: a.get("creationDateTime").cloned(),
                            notes: Vec::new(),
                        };
                        coding_of = holder;
                        match holder {
                            Holder::Selection => {
                                if let Some(sel) =
                                    p.sources.last_mut().and_then(|s| s.selections.last_mut())
                                {
                                    sel.codings.push(c);
                                }
                            }
                            Holder::Source => {
                                if let Some(s) = p.sources.last_mut() {
                                    s.whole.push(c);
                                }
                            }
                            _ => p.dropped.add("codings of what koda cannot hold", &guid),
                        }
                    }
                    "CodeRef" if parent == "Coding" => {
                        // Only a coding that was kept gets its code: the code of one left out
                        // is never given to another.
                        let target = a.get("targetGUID").cloned().unwrap_or_default();
                        let s = p.sources.last_mut();
                        let c = match coding_of {
                            Holder::Source => s.and_then(|s| s.whole.last_mut()),
                            Holder::Selection => s
                                .and_then(|s| s.selections.last_mut())
                                .and_then(|s| s.codings.last_mut()),
                            _ => None,
                        };
                        if let Some(c) = c {
                            c.code = target;
                        }
                    }
                    "NoteRef" => {
                        let g = a.get("targetGUID").cloned().unwrap_or_default();
                        match holder {
                            Holder::Code => {
                                if let Some(i) = code_stack.last() {
                                    p.codes[*i].notes.push(g);
                                }
                            }
                            Holder::Selection => {
                                if let Some(sel) =
                                    p.sources.last_mut().and_then(|s| s.selections.last_mut())
                                {
                                    sel.notes.push(g);
                                }
                            }
                            Holder::Coding => {
                                if let Some(sel) =
                                    p.sources.last_mut().and_then(|s| s.selections.last_mut())
                                    && let Some(c) = sel.codings.last_mut()
                                {
                                    c.notes.push(g);
                                }
                            }
                            Holder::Source => {
                                if let Some(s) = p.sources.last_mut() {
                                    s.notes.push(g);
                                }
                            }
                            Holder::Project => p.project_notes.push(g),
                            Holder::Link => {
                                if let Some(l) = p.links.last_mut() {
                                    l.notes.push(g);
                                }
                            }
                            Holder::Case | Holder::Other => {
                                p.dropped.add("notes attached to what koda cannot hold", &g)
                            }
                        }
                    }
                    "Set" => p.sets.push(RefiSet {
                        guid: guid.clone(),
                        name: label,
                        ..RefiSet::default()
                    }),
                    "MemberCode" | "MemberSource" => {
                        if let (Some(s), Some(g)) = (p.sets.last_mut(), a.get("targetGUID")) {
                            if name == "MemberCode" {
                                s.codes.push(g.clone());
                            } else {
                                s.sources.push(g.clone());
                            }
                        }
                    }
                    "MemberNote" => {
                        let set = p.sets.last().map(|s| s.name.clone()).unwrap_or_default();
                        p.dropped.add("notes as members of sets", &set);
                    }
                    "Link" => p.links.push(RefiLink {
                        guid: guid.clone(),
                        name: label,
                        direction: a.get("direction").cloned(),
                        origin: a.get("originGUID").cloned().unwrap_or_default(),
                        target: a.get("targetGUID").cloned().unwrap_or_default(),
                        notes: Vec::new(),
                    }),
                    _ => {}
                }
                if !is_empty {
                    stack.push(name);
                }
            }
            Event::Text(t) if skipping == 0 => {
                let s = t.unescape().map_err(|e| entity_error(path, pos, e))?;
                text.push_str(&s);
            }
            Event::CData(c) if skipping == 0 => {
                text.push_str(&String::from_utf8_lossy(&c));
            }
            Event::End(e) => {
                let name = local(e.name().as_ref());
                stack.pop();
                if skipping > 0 {
                    skipping -= 1;
                    continue;
                }
                let parent = stack.last().cloned().unwrap_or_default();
                let body = std::mem::take(&mut text);
                match name.as_str() {
                    "Code" => {
                        code_stack.pop();
                    }
                    "Note" => {
                        in_note = false;
                        current_note = None;
                    }
                    "Description" => {
                        let body = body.trim().to_string();
                        match parent.as_str() {
                            "Code" => {
                                if let Some(i) = code_stack.last() {
                                    p.codes[*i].description = body;
                                }
                            }
                            "PlainTextSelection" | "TranscriptSelection" => {
                                if let Some(sel) =
                                    p.sources.last_mut().and_then(|s| s.selections.last_mut())
                                {
                                    sel.description = body;
                                }
                            }
                            "TextSource" | "Representation" | "Transcript" if !in_note => {
                                if let Some(s) = p.sources.last_mut() {
                                    s.description = body;
                                }
                            }
                            "Case" => {
                                if let Some(c) = p.cases.last_mut() {
                                    c.description = body;
                                }
                            }
                            "Set" => {
                                if let Some(s) = p.sets.last_mut() {
                                    s.description = body;
                                }
                            }
                            "Project" if !body.is_empty() => {
                                let g = "project-description".to_string();
                                p.notes.insert(
                                    g.clone(),
                                    RefiNote {
                                        guid: String::new(),
                                        text: body,
                                        ..RefiNote::default()
                                    },
                                );
                                p.project_notes.push(g);
                            }
                            _ if !body.is_empty() => {
                                p.dropped.add(&format!("descriptions of <{parent}>"), "")
                            }
                            _ => {}
                        }
                    }
                    "PlainTextContent" => {
                        if parent == "Note" {
                            if let Some(n) = current_note.as_ref().and_then(|g| p.notes.get_mut(g))
                            {
                                n.text = body;
                            }
                        } else if let Some(s) = p.sources.last_mut()
                            && s.text == TextAt::Missing
                        {
                            s.text = TextAt::Inline(body);
                        }
                    }
                    "TextValue" | "IntegerValue" | "FloatValue" | "BooleanValue" | "DateValue"
                    | "DateTimeValue" => {
                        if let Some(v) = value_var.take() {
                            match stack.iter().rev().nth(1).map(String::as_str) {
                                Some("Case") => {
                                    if let Some(c) = p.cases.last_mut() {
                                        c.values.push((v, body.trim().to_string()));
                                    }
                                }
                                Some("TextSource") => {
                                    if let Some(s) = p.sources.last_mut() {
                                        s.values.push((v, body.trim().to_string()));
                                    }
                                }
                                // A PDF's or a recording's values go to the document its text
                                // became, if it became one.
                                Some("PDFSource" | "AudioSource" | "VideoSource") => {
                                    if outer_has_text && let Some(s) = p.sources.last_mut() {
                                        s.values.push((v, body.trim().to_string()));
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                    "PDFSource" | "AudioSource" | "VideoSource" => {
                        if !outer_has_text {
                            let (_, on, el) = outer.clone().unwrap_or_default();
                            p.dropped.add(&outer_kind(&el), &on);
                        }
                        outer = None;
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(bad(
            path,
            format!(
                "the project file ends inside <{}>: it is truncated",
                stack.join("><")
            ),
        ));
    }
    if !saw_project {
        return Err(bad(
            path,
            "no REFI-QDA <Project> or <CodeBook> found in the file",
        ));
    }
    number_sibling_names(&mut p);
    Ok(p)
}

fn outer_kind(element: &str) -> String {
    match element {
        "PDFSource" => "PDF sources without a text representation",
        "AudioSource" => "audio sources without a transcript",
        _ => "video sources without a transcript",
    }
    .to_string()
}

fn text_at(a: &BTreeMap<String, String>) -> TextAt {
    if let Some(p) = a.get("plainTextPath") {
        TextAt::Plain(p.clone())
    } else if let Some(r) = a
        .get("richTextPath")
        .filter(|r| r.to_lowercase().ends_with(".docx"))
    {
        TextAt::Rich(r.clone())
    } else {
        TextAt::Missing
    }
}

/// Two sibling codes of one name stay two codes: the second is numbered, and said so.
fn number_sibling_names(p: &mut RefiProject) {
    let mut seen: BTreeMap<(Option<String>, String), usize> = BTreeMap::new();
    for c in &mut p.codes {
        let key = (c.parent.clone(), c.name.to_lowercase());
        let n = seen.entry(key).or_insert(0);
        *n += 1;
        if *n > 1 {
            let new = format!("{} ({})", c.name, n);
            p.changes.push(format!(
                "two codes at one level are named {:?}: the second became {new:?}",
                c.name
            ));
            c.name = new;
        }
    }
}

/// Reads a `.qdc` codebook (or the codebook of a `.qde`), with what it could not keep.
pub fn read_qdc(bytes: &[u8], path: &Path) -> Result<RefiProject> {
    let xml = std::str::from_utf8(bytes).map_err(|_| bad(path, "not UTF-8 text"))?;
    parse_qde(xml, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_titled_by_their_names_never_by_guid() {
        let g = "3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f";
        assert_eq!(source_title("Intervju 3.docx", g, "x"), "Intervju 3");
        assert_eq!(source_title("fokusgruppe.v2", g, "x"), "fokusgruppe.v2");
        assert_eq!(
            source_title(g, g, "Intervjuer: Hvordan var det første møtet?"),
            "Intervjuer: Hvordan var det første møtet?"
        );
        assert_eq!(
            source_title(&format!("{}.txt", g.to_uppercase()), g, "Mor: Bra."),
            "Mor: Bra."
        );
        assert_eq!(source_title("", g, ""), "source");
    }

    #[test]
    fn the_unpacked_budget_grows_with_the_archive_up_to_its_cap() {
        let l = Limits::default();
        assert_eq!(
            l.budget(0),
            LIMIT_FLOOR,
            "a tiny archive may still unpack to the floor"
        );
        assert_eq!(l.budget(1 << 20), 100 * (1 << 20) + LIMIT_FLOOR);
        assert_eq!(
            l.budget(1 << 40),
            l.max_bytes,
            "never past the absolute cap"
        );
        // A 2 MB archive holding an entry of 1.96 GiB is refused well before the entry ends.
        assert!(l.budget(2_000_000) < 300 << 20);
        let tight = Limits {
            ratio: 10,
            max_bytes: 8 << 20,
        };
        assert_eq!(tight.budget(100), 8 << 20);
    }

    #[test]
    fn position_units_convert_to_code_points() {
        let t = "a👍🏽b\r\nc";
        // chars: a, 👍, 🏽, b, \r, \n, c
        assert_eq!(
            to_code_points(t, 5, Units::Utf16),
            3,
            "two surrogate pairs before b"
        );
        assert_eq!(to_code_points(t, 3, Units::CodePoints), 3);
        assert_eq!(
            to_code_points(t, 5, Units::CrlfAsOne),
            6,
            "CRLF counts once: c is at 5"
        );
        assert_eq!(to_code_points(t, 99, Units::Utf16), 7);
        for units in [Units::CodePoints, Units::Utf16, Units::CrlfAsOne] {
            let asked: Vec<usize> = (0..12).rev().collect();
            let one: Vec<usize> = asked.iter().map(|&p| to_code_points(t, p, units)).collect();
            assert_eq!(all_to_code_points(t, &asked, units), one, "{units:?}");
        }
    }
}
