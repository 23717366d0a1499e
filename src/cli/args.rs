//! clap definitions of every subcommand and option: the CLI contract.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// koda: code interviews, focus groups and field notes in the terminal.
#[derive(Debug, Parser)]
#[command(
    name = "koda",
    version,
    about = "Qualitative data analysis in the terminal: import transcripts, code passages, retrieve excerpts",
    after_help = "Without a subcommand, koda opens the terminal interface when its output is a terminal, and prints an overview of the project (documents, codes and counts) otherwise."
)]
pub struct Cli {
    /// The project folder (default: the nearest folder upwards holding koda.json).
    #[arg(short = 'p', long, global = true, value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// Who you are when changing the project (else $KODA_CODER, else the project's default
    /// coder); on reading commands such as `excerpts`, keeps only this coder's work (repeatable).
    #[arg(long, global = true, value_name = "NAME")]
    pub coder: Vec<String>,

    /// When another koda process is changing the project, wait for it instead of stopping.
    #[arg(long, global = true)]
    pub wait: bool,

    /// The command; none shows an overview of the project.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Project folder to open when no subcommand is given.
    #[arg(value_name = "PROJECT")]
    pub open: Option<PathBuf>,
}

/// Every subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the terminal interface (also what `koda` alone does in a terminal).
    Tui {
        /// The project folder.
        #[arg(value_name = "PROJECT")]
        project: Option<PathBuf>,
    },
    /// Create a new project in DIR (default: the current folder).
    Init(InitArgs),
    /// Import transcripts, subtitles, Word files, surveys or REFI-QDA projects (folders too).
    Import(ImportArgs),
    /// List the documents, or rename one, change its type, case or metadata, or remove it.
    Docs(DocsArgs),
    /// Show a document as numbered speaker turns with the codes on each.
    Show(ShowArgs),
    /// List the codebook with counts, or change it.
    Codes(CodesArgs),
    /// Sets of codes and documents ("wave 1 interviews"): list, add, put, take, rm. A set
    /// narrows excerpts, summaries and reports with --where set=NAME.
    Sets(SetsArgs),
    /// Code a passage of a document: a turn, a character range or quoted words.
    Code(CodeArgs),
    /// Remove codings, by id or by position.
    Uncode(UncodeArgs),
    /// List coded excerpts, by code, document or coder.
    Excerpts(ExcerptsArgs),
    /// Search every turn; the query language is in docs/search.md.
    Search(SearchArgs),
    /// Code every turn, sentence or phrase a search finds, as one undoable run.
    Autocode(AutocodeArgs),
    /// Rebuild the search index from the project.
    Reindex,
    /// Write a theme summary, excerpt table, case matrix, memos or the codebook to a file.
    Export(ExportArgs),
    /// Count: code frequencies, co-occurrence, codes by attribute.
    Stats(StatsArgs),
    /// Correct a document's text ($VISUAL/$EDITOR, or --from FILE); codings follow their words.
    Edit {
        /// Document id or title.
        #[arg(value_name = "DOC")]
        doc: String,
        /// Take the corrected text from this file instead of opening an editor.
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
    },
    /// Find a document's turns and speakers again (koda's rules, a pattern, or none); the text
    /// and every coding stay as they are, and `koda undo` brings the old turns back.
    Resegment {
        /// Document id or title.
        #[arg(value_name = "DOC")]
        doc: String,
        /// A turn starts on each line this regular expression matches at its start (a named
        /// group `speaker`, optionally `time`).
        #[arg(long, value_name = "REGEX", conflicts_with = "no_speakers")]
        speaker_pattern: Option<String>,
        /// No speakers: paragraphs at blank lines.
        #[arg(long)]
        no_speakers: bool,
    },
    /// List codings (e.g. those a correction flagged stale), or confirm flagged ones.
    Codings(CodingsArgs),
    /// Undo your last change (codings, memos, codebook, cases), even after a restart.
    Undo,
    /// Redo the last change you undid.
    Redo,
    /// The name register: names and their replacements, speaker and case pseudonyms.
    Names(NamesArgs),
    /// Show or change how reports are written: their language and how quotes are attributed.
    Settings(SettingsArgs),
    /// Check any file for registered names (what every export does before writing).
    Check {
        /// The file: text, Markdown, HTML, CSV, JSON or DOCX.
        file: PathBuf,
    },
    /// Check the project's files and explain its state; --repair mends what is safe to mend.
    Doctor {
        /// Move damaged journal lines out, clear temp files, rebuild the index (backups first).
        #[arg(long)]
        repair: bool,
        /// Accept codebook.json, cases.json and the documents' files as they now are, after a
        /// change made on purpose outside koda (by hand, or a merge in git): seal them anew
        /// (copies first go to .koda/backup), and take a journal, cases.json or codebook.json
        /// that is missing or shorter than koda last saw it as it now is
        #[arg(long, conflicts_with = "repair")]
        accept: bool,
    },
    /// List the coders with what each has done.
    Coders(JsonFlag),
    /// Bring another copy of the project (another coder's work) into this one.
    Merge(MergeArgs),
    /// Intercoder agreement: percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha.
    Agree(AgreeArgs),
    /// Write, edit or remove a memo.
    Memo(MemoArgs),
    /// List memos.
    Memos(JsonFlag),
    /// List cases with their attributes, or set attributes.
    Cases(CasesArgs),
    /// List a document's speakers with their cases, or map speakers to cases.
    Speakers(SpeakersArgs),
    /// Set or remove attributes of a case (the same as `koda cases set` / `koda cases unset`).
    Attr {
        /// What to do.
        #[command(subcommand)]
        action: AttrAction,
    },
    /// Apply many changes read as JSON lines from standard input, one acknowledgement line each.
    Batch,
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the manual page (roff).
    Man,
}

/// `--json` alone.
#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `koda init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder for the project (created if missing).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Name of the study (default: the folder's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Language of the material: no or en (repeatable).
    #[arg(long = "lang", value_name = "LANG", default_value = "no")]
    pub langs: Vec<String>,
}

/// `koda import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files or folders to import.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Document type: interview, focus-group, field-note or other (default: guessed).
    #[arg(long = "type", value_name = "TYPE")]
    pub kind: Option<String>,
    /// The case (participant, family, site) the documents belong to.
    #[arg(long, value_name = "NAME")]
    pub case: Option<String>,
    /// An attribute of the case, such as role=parent (repeatable).
    #[arg(long = "attr", value_name = "KEY=VALUE")]
    pub attrs: Vec<String>,
    /// Title of the document (one file only; default: the file name).
    #[arg(long)]
    pub title: Option<String>,
    /// Metadata recorded on each document, such as date=2025-03-14 (repeatable).
    #[arg(long = "meta", value_name = "KEY=VALUE")]
    pub meta: Vec<String>,
    /// The format, instead of the file's extension and content: txt, md, vtt, srt, docx, pdf,
    /// csv, tsv or json (Whisper, WhisperX, whisper.cpp and Rev are told apart by content).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Show what would be imported (type, turns, speakers, the first turns, warnings) and
    /// change nothing.
    #[arg(long)]
    pub preview: bool,
    /// A turn starts on each line this regular expression matches at the line's start: a
    /// named group `speaker` gives the speaker, an optional group `time` the time stamp,
    /// e.g. '(?P<speaker>[A-Z]{2,3})>'.
    #[arg(long, value_name = "REGEX", conflicts_with = "no_speakers")]
    pub speaker_pattern: Option<String>,
    /// The files have no speakers: paragraphs at blank lines, every label-like word kept as text.
    #[arg(long)]
    pub no_speakers: bool,
    /// Surveys: the column holding answers (repeatable; default: the longest answers).
    #[arg(long = "text-column", value_name = "COLUMN")]
    pub text_columns: Vec<String>,
    /// Surveys: the column naming the respondent (default: id, respondent or case, else the row).
    #[arg(long = "id-column", value_name = "COLUMN")]
    pub id_column: Option<String>,
    /// Surveys: one document per answer (row) or one per text column (column).
    #[arg(long, default_value = "row", value_parser = ["row", "column"])]
    pub per: String,
    /// Refuse a file rather than leave anything of it out: a subtitle cue that cannot be read
    /// (by default left out with a warning naming its line), or anything of a REFI-QDA project
    /// koda cannot keep (by default listed by kind after the import).
    #[arg(long)]
    pub strict: bool,
    /// REFI-QDA: swap inverted selections and clamp those beyond their text, saying which,
    /// instead of refusing the file.
    #[arg(long)]
    pub repair_selections: bool,
    /// REFI-QDA: the most an archive may unpack to, in MiB (default 4096).
    #[arg(long, value_name = "MIB")]
    pub max_unpacked: Option<u64>,
    /// REFI-QDA: the most an archive may unpack to per byte of its own size, above a floor of
    /// 64 MiB (default 100).
    #[arg(long, value_name = "N")]
    pub max_ratio: Option<u64>,
    /// Print what was imported as JSON (documents, and for a REFI-QDA project what it brought,
    /// what was left out by kind and what was changed).
    #[arg(long)]
    pub json: bool,
    /// Map a speaker label to a case, such as "Forelder 2=P02" (repeatable): that speaker's
    /// turns carry the case and its attributes.
    #[arg(long = "speaker", value_name = "LABEL=CASE")]
    pub speaker: Vec<String>,
    /// A CSV/TSV file mapping speakers to cases: columns speaker and case, optionally file
    /// (one transcript only), other columns become the case's attributes.
    #[arg(long = "speakers", value_name = "FILE")]
    pub speakers_file: Option<PathBuf>,
}

/// `koda speakers`.
#[derive(Debug, Args)]
pub struct SpeakersArgs {
    /// Document id or title.
    #[arg(value_name = "DOC")]
    pub doc: String,
    /// Map a speaker label to a case (LABEL=CASE, repeatable); none lists the speakers.
    #[arg(value_name = "LABEL=CASE")]
    pub map: Vec<String>,
    /// Remove a speaker's mapping (repeatable).
    #[arg(long, value_name = "LABEL")]
    pub unset: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `koda show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Document id or title.
    #[arg(value_name = "DOC")]
    pub doc: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `koda codes`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CodesArgs {
    /// Change the codebook; without an action the codebook is listed.
    #[command(subcommand)]
    pub action: Option<CodesAction>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Changes to the codebook.
#[derive(Debug, Subcommand)]
pub enum CodesAction {
    /// Add a code; missing parent codes are created (trust/institutional).
    Add {
        /// Path of the new code.
        path: String,
        /// What the code means and when to apply it.
        #[arg(long, short = 'd')]
        description: Option<String>,
        /// Colour: #rrggbb or a name (red, orange, yellow, green, teal, blue, purple, pink, brown, grey).
        #[arg(long, alias = "colour")]
        color: Option<String>,
    },
    /// Rename a code (its codings and sub-codes stay).
    Rename {
        /// The code's path or id.
        path: String,
        /// The new name (one level, no '/').
        new_name: String,
    },
    /// Move a code (with its sub-codes) under another code, or to the top with --root.
    Move {
        /// The code's path or id.
        path: String,
        /// The new parent's path or id.
        #[arg(required_unless_present = "root", conflicts_with = "root")]
        parent: Option<String>,
        /// Make it a top-level code.
        #[arg(long)]
        root: bool,
    },
    /// Merge a code into another: its codings and sub-codes move there.
    Merge {
        /// The code that disappears.
        from: String,
        /// The code that receives its codings.
        into: String,
    },
    /// Delete a code with its sub-codes; one in use needs --force and its codings go too.
    Rm {
        /// The code's path or id.
        path: String,
        /// Delete even though codings use it.
        #[arg(long)]
        force: bool,
    },
    /// Set a code's description.
    Describe {
        /// The code's path or id.
        path: String,
        /// The description.
        text: String,
    },
    /// Add the codes of a REFI-QDA codebook (.qdc) or project (.qdpx), matching existing paths.
    Import {
        /// The .qdc or .qdpx file.
        file: PathBuf,
    },
    /// Set a code's colour (`none` clears it).
    Color {
        /// The code's path or id.
        path: String,
        /// #rrggbb or a colour name.
        color: String,
    },
    /// Make a code a category: it groups the codes under it and is not applied to text.
    Category {
        /// The code's path or id.
        path: String,
    },
    /// Make a category a code that is applied to text again.
    Codable {
        /// The code's path or id.
        path: String,
    },
    /// Relate two codes ("tillit" leads to "deltakelse"); listed by `koda codes relations`.
    Relate {
        /// The code the relation starts from.
        from: String,
        /// The code it points to.
        to: String,
        /// What the relation says, e.g. "leads to".
        #[arg(long, default_value = "")]
        label: String,
        /// one-way (default), bidirectional or associative.
        #[arg(long, default_value = "one-way")]
        direction: String,
    },
    /// Remove the relations between two codes (with --label, only that one).
    Unrelate {
        /// One code.
        from: String,
        /// The other.
        to: String,
        /// Only the relation with this label.
        #[arg(long)]
        label: Option<String>,
    },
    /// List the relations between codes.
    Relations {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `koda sets`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SetsArgs {
    /// Change the sets; without an action the sets are listed.
    #[command(subcommand)]
    pub action: Option<SetsAction>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Changes to the sets of codes and documents.
#[derive(Debug, Subcommand)]
pub enum SetsAction {
    /// Make an empty set ("wave 1 interviews", "codes for the report").
    Add {
        /// The set's name.
        name: String,
        /// What the set is for.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Put codes and documents into a set.
    Put {
        /// The set's name.
        set: String,
        /// A code (path or id); repeatable.
        #[arg(long = "code", value_name = "CODE")]
        codes: Vec<String>,
        /// A document (id or title); repeatable.
        #[arg(long = "doc", value_name = "DOC")]
        docs: Vec<String>,
    },
    /// Take codes and documents out of a set.
    Take {
        /// The set's name.
        set: String,
        /// A code (path or id); repeatable.
        #[arg(long = "code", value_name = "CODE")]
        codes: Vec<String>,
        /// A document (id or title); repeatable.
        #[arg(long = "doc", value_name = "DOC")]
        docs: Vec<String>,
    },
    /// Remove a set (its codes and documents stay).
    Rm {
        /// The set's name.
        set: String,
    },
}

/// Where in a document: one of turn, range or match.
#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct Selector {
    /// Turn number, as shown by `koda show`.
    #[arg(long, value_name = "N")]
    pub turn: Option<usize>,
    /// Character range START..END of the normalised text (END exclusive).
    #[arg(long, value_name = "A..B")]
    pub range: Option<String>,
    /// The exact words to code (must occur once, unless --all).
    #[arg(long = "match", value_name = "TEXT")]
    pub matching: Option<String>,
}

/// `koda code`.
#[derive(Debug, Args)]
pub struct CodeArgs {
    /// Document id or title.
    #[arg(value_name = "DOC")]
    pub doc: String,
    /// The code's path or id.
    #[arg(long, value_name = "PATH")]
    pub code: String,
    /// What to code.
    #[command(flatten)]
    pub selector: Selector,
    /// With --match: code every occurrence.
    #[arg(long, requires = "matching")]
    pub all: bool,
    /// A memo to keep with the coding.
    #[arg(long)]
    pub memo: Option<String>,
    /// Print the new codings as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `koda uncode`.
#[derive(Debug, Args)]
pub struct UncodeArgs {
    /// Coding ids, as shown by `koda excerpts`.
    #[arg(value_name = "ID", required_unless_present_any = ["doc", "batch"], conflicts_with_all = ["doc", "batch"])]
    pub ids: Vec<String>,
    /// Undo an autocoding run: remove every coding it made.
    #[arg(long, value_name = "RUN", conflicts_with = "doc")]
    pub batch: Option<String>,
    /// Remove codings in this document instead (with --code and optionally a position).
    #[arg(long, value_name = "DOC", requires = "code")]
    pub doc: Option<String>,
    /// The code whose codings to remove.
    #[arg(long, value_name = "PATH")]
    pub code: Option<String>,
    /// Which part of the document: codings overlapping it are removed.
    #[command(flatten)]
    pub selector: Selector,
    /// Also remove other coders' codings (by default only your own go).
    #[arg(long)]
    pub any_coder: bool,
}

/// `koda settings`.
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// The language of summaries and reports: nb (bokmål; also no), nn (nynorsk) or en.
    #[arg(long, value_name = "LANG", conflicts_with = "default_report_lang")]
    pub report_lang: Option<String>,
    /// Write summaries and reports in the project's first language again.
    #[arg(long)]
    pub default_report_lang: bool,
    /// How a quote is attributed, e.g. '{rolle}, {type} {number}' gives «…» (forelder, intervju
    /// 4): {title}, {type}, {number}, {turn} and any attribute; a part (between commas) whose
    /// attribute a case lacks is left out.
    #[arg(long, value_name = "TEMPLATE", conflicts_with = "default_attribution")]
    pub attribution: Option<String>,
    /// Attribute quotes the default way again (role, title, turn, wave).
    #[arg(long)]
    pub default_attribution: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `koda excerpts`.
#[derive(Debug, Args)]
pub struct ExcerptsArgs {
    /// Choose the report's quotes; without an action the excerpts are listed.
    #[command(subcommand)]
    pub action: Option<ExcerptsAction>,
    /// Only the excerpts pinned for the report, in the order they were pinned.
    #[arg(long)]
    pub pinned: bool,
    /// Only these codes and their sub-codes (repeatable).
    #[arg(long, value_name = "PATH")]
    pub code: Vec<String>,
    /// Only these documents (repeatable).
    #[arg(long, value_name = "DOC")]
    pub doc: Vec<String>,
    /// Leave out sub-codes of the codes given.
    #[arg(long)]
    pub no_subcodes: bool,
    /// Only where a coding of this code (or a sub-code) overlaps, quoting the overlap
    /// (repeatable: where all meet).
    #[arg(long, value_name = "PATH")]
    pub and: Vec<String>,
    /// Leave out excerpts that a coding of this code (or a sub-code) overlaps (repeatable).
    #[arg(long, value_name = "PATH")]
    pub not: Vec<String>,
    /// Only excerpts where KEY is VALUE: coder, type, doc, case, speaker or any attribute
    /// (repeatable; one key given twice is either value).
    #[arg(long = "where", value_name = "KEY=VALUE")]
    pub wheres: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Choosing the report's quotes. Each is one step `koda undo` takes back.
#[derive(Debug, Subcommand)]
pub enum ExcerptsAction {
    /// Pin excerpts for the report, after those pinned already and in the order given
    /// (`export summary --pinned` quotes them first); pinning one again moves it to the end.
    Pin {
        /// Excerpt (coding) ids, as `koda excerpts` shows them.
        #[arg(value_name = "ID")]
        ids: Vec<String>,
        #[command(flatten)]
        at: ExcerptsAt,
    },
    /// Unpin excerpts (their report forms go too).
    Unpin {
        /// Excerpt (coding) ids.
        #[arg(value_name = "ID")]
        ids: Vec<String>,
        #[command(flatten)]
        at: ExcerptsAt,
    },
    /// Give an excerpt a shorter report form, leaving parts out with (...): only whole words
    /// of the excerpt, in order; the coding and the source stay as they are. The excerpt is
    /// pinned if it is not.
    Trim {
        /// Excerpt (coding) id.
        #[arg(value_name = "ID")]
        id: Option<String>,
        #[command(flatten)]
        at: ExcerptsAt,
        /// The form, e.g. 'Hun ringer ofte (...) Med (navn) er det gjerne sånn'.
        #[arg(long, value_name = "FORM", required_unless_present = "clear")]
        form: Option<String>,
        /// Take the report form away (the excerpt stays pinned).
        #[arg(long, conflicts_with = "form")]
        clear: bool,
    },
}

/// Excerpts named by where they are rather than by id.
#[derive(Debug, Args)]
pub struct ExcerptsAt {
    /// The excerpts of this very code (not its sub-codes).
    #[arg(long, value_name = "PATH")]
    pub code: Option<String>,
    /// In this document.
    #[arg(long, value_name = "DOC")]
    pub doc: Option<String>,
    /// That take in this turn.
    #[arg(long, value_name = "N")]
    pub turn: Option<usize>,
}

/// `koda docs`.
#[derive(Debug, Args)]
pub struct DocsArgs {
    /// Change a document; without an action the documents are listed.
    #[command(subcommand)]
    pub action: Option<DocsAction>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Document actions. Each is one step `koda undo` takes back.
#[derive(Debug, Subcommand)]
pub enum DocsAction {
    /// Give a document a new title (no other document may have it).
    Rename {
        /// The document (id, title or unique start of the id).
        doc: String,
        /// The new title.
        title: String,
    },
    /// Remove a document with its codings and the memos on it (`koda undo` brings them back).
    Rm {
        /// The document (id, title or unique start of the id).
        doc: String,
        /// Do not ask (needed when the input is not a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// Replace a document's text with a corrected file (text, Word, subtitles, a
    /// transcription tool's JSON); codings follow their words, as with `koda edit`.
    Replace {
        /// The document (id, title or unique start of the id).
        doc: String,
        /// The corrected file.
        file: PathBuf,
    },
    /// Change a document's type, case or metadata.
    Set {
        /// The document (id, title or unique start of the id).
        doc: String,
        /// The document type: interview, focus-group, field-note or other.
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        /// The case the document belongs to (created when new).
        #[arg(long, value_name = "NAME", conflicts_with = "no_case")]
        case: Option<String>,
        /// Take the document out of its case.
        #[arg(long)]
        no_case: bool,
        /// Metadata to set, such as date=2025-03-14 (repeatable).
        #[arg(long = "meta", value_name = "KEY=VALUE")]
        meta: Vec<String>,
        /// Metadata to remove (repeatable).
        #[arg(long = "unmeta", value_name = "KEY")]
        unmeta: Vec<String>,
    },
}

/// `koda search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query: words (in Norwegian with their compounds), "phrases", AND/OR/NOT, -word,
    /// prefix*, *suffix, *inside*, =word, fuzzy~1, field:value.
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    /// Show at most N hits.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
    /// Only count matching turns and documents.
    #[arg(long)]
    pub count: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// How much around each hit `koda autocode` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UnitArg {
    /// The matched words (a phrase as one span).
    Match,
    /// The sentence around each match.
    Sentence,
    /// The whole turn.
    Turn,
}

/// `koda autocode`.
#[derive(Debug, Args)]
pub struct AutocodeArgs {
    /// The query, as for `koda search`.
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    /// The code to apply.
    #[arg(long, value_name = "PATH")]
    pub code: String,
    /// What to code around each hit.
    #[arg(long, value_enum, default_value_t = UnitArg::Match)]
    pub unit: UnitArg,
    /// List what would be coded, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// A memo to keep with each coding.
    #[arg(long)]
    pub memo: Option<String>,
}

/// `koda memo`.
#[derive(Debug, Args)]
pub struct MemoArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: MemoAction,
}

/// Memo actions.
#[derive(Debug, Subcommand)]
pub enum MemoAction {
    /// Write a new memo on a document, a code, a coding or the project.
    Add {
        /// The memo's text.
        text: String,
        /// Attach it to this document.
        #[arg(long, value_name = "DOC", group = "target")]
        doc: Option<String>,
        /// Attach it to this code.
        #[arg(long, value_name = "PATH", group = "target")]
        code: Option<String>,
        /// Attach it to this coding.
        #[arg(long, value_name = "ID", group = "target")]
        coding: Option<String>,
    },
    /// Replace a memo's text.
    Edit {
        /// The memo's id.
        id: String,
        /// The new text.
        text: String,
    },
    /// Remove a memo.
    Rm {
        /// The memo's id.
        id: String,
    },
}

/// `koda cases`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CasesArgs {
    /// Change cases; without an action they are listed.
    #[command(subcommand)]
    pub action: Option<CasesAction>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Case actions.
#[derive(Debug, Subcommand)]
pub enum CasesAction {
    /// Read cases from a CSV or TSV file: one row per case, the first column (or one named
    /// case) the name, the other columns its attributes.
    Import {
        /// The file.
        file: PathBuf,
    },
    /// Remove attributes from a case.
    Unset {
        /// The case's name.
        case: String,
        /// Attribute names.
        #[arg(required = true, value_name = "KEY")]
        keys: Vec<String>,
    },
    /// Set attributes of a case (creating it).
    Set {
        /// The case's name.
        case: String,
        /// Attributes as KEY=VALUE.
        #[arg(required = true, value_name = "KEY=VALUE")]
        attrs: Vec<String>,
    },
}

/// `koda completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

/// What `koda export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportKind {
    /// Per theme: description, spread and quotes with anonymised attribution (md, html, json).
    Summary,
    /// One row per coding with every field (csv, json, md, html).
    Excerpts,
    /// Cases by codes, with case attributes (csv, json, md, html).
    Matrix,
    /// Every memo and what it is attached to (md, csv, json).
    Memos,
    /// The codebook with descriptions and counts (md, csv, json).
    Codebook,
    /// One self-contained HTML file: contents, frequency bars, co-occurrence heatmap, the
    /// theme summary and the codes by the --by attribute (html).
    Report,
    /// The whole project as REFI-QDA (.qdpx) for NVivo, ATLAS.ti, MAXQDA, QualCoder.
    Qdpx,
    /// The codebook as REFI-QDA (.qdc).
    Qdc,
}

/// Quote order of the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OrderArg {
    /// Document order.
    Document,
    /// Longest first.
    Length,
    /// Shuffled; the same --seed gives the same order.
    Random,
}

/// Context around quotes in the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ContextArg {
    /// The coded words, with «(...)» where they cut a sentence.
    Coded,
    /// The whole sentences the coding touches.
    Sentence,
    /// The whole turn.
    Turn,
}

/// `koda export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export.
    #[arg(value_enum)]
    pub kind: ExportKind,
    /// The file to write; - writes to standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// md, html, json or csv (default: from the file's extension).
    #[arg(long)]
    pub format: Option<String>,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Only these codes and their sub-codes (repeatable).
    #[arg(long, value_name = "PATH")]
    pub code: Vec<String>,
    /// Only these documents (excerpts; repeatable).
    #[arg(long, value_name = "DOC")]
    pub doc: Vec<String>,
    /// Excerpts: only where a coding of this code (or a sub-code) overlaps, the overlap as the
    /// quote (repeatable: where all meet).
    #[arg(long, value_name = "PATH")]
    pub and: Vec<String>,
    /// Excerpts: leave out those a coding of this code (or a sub-code) overlaps (repeatable).
    #[arg(long, value_name = "PATH")]
    pub not: Vec<String>,
    /// Summary, report, excerpts, matrix: only codings where KEY is VALUE, quoted and counted:
    /// coder, type, doc, case, speaker or any attribute (repeatable; one key given twice is
    /// either value).
    #[arg(long = "where", value_name = "KEY=VALUE")]
    pub wheres: Vec<String>,
    /// Summary, report: quote the excerpts pinned with `koda excerpts pin` first, in the order
    /// they were pinned (in their report forms).
    #[arg(long)]
    pub pinned: bool,
    /// Summary, report: leave out codes without excerpts.
    #[arg(long)]
    pub hide_empty: bool,
    /// The language of the export's words: nb (bokmål; also no), nn (nynorsk) or en
    /// (default: the project's report language, else its first language).
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
    /// Summary: at most N quotes per code.
    #[arg(long, value_name = "N")]
    pub max_quotes: Option<usize>,
    /// Summary: quote order.
    #[arg(long, value_enum, default_value_t = OrderArg::Document)]
    pub order: OrderArg,
    /// Summary: seed of --order random.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Summary: context around each quote.
    #[arg(long, value_enum, default_value_t = ContextArg::Coded)]
    pub context: ContextArg,
    /// Summary: cut quotes longer than this many characters, at a word.
    #[arg(long, default_value_t = 600, value_name = "N")]
    pub max_chars: usize,
    /// Summary, report: include memos on codes (under each code's heading) and on codings
    /// (under each quote).
    #[arg(long, alias = "with-memos")]
    pub memos: bool,
    /// Summary: break counts down by this attribute (e.g. role).
    #[arg(long, value_name = "ATTRIBUTE")]
    pub by: Option<String>,
    /// CSV: start with a UTF-8 byte-order mark, so Excel reads æøå right.
    #[arg(long)]
    pub bom: bool,
    /// Codebook CSV: the columns Taguette imports (`path`, `description`) instead of koda's.
    #[arg(long)]
    pub taguette: bool,
    /// QDPX: count text positions in Unicode code points (`codepoints`, the standard) or in
    /// UTF-16 code units (`utf16`, as NVivo and several other readers count).
    #[arg(long, value_name = "UNITS", default_value = "codepoints")]
    pub positions: String,
    /// Matrix: 0/1 presence instead of counts.
    #[arg(long)]
    pub presence: bool,
    /// Keep real names and speaker labels (the export says so at its top); by default names
    /// are replaced and the export is checked for leaks.
    #[arg(long)]
    pub no_pseudonymise: bool,
    /// QDPX: replace registered names in the exported texts (codings follow their words).
    #[arg(long)]
    pub pseudonymise: bool,
}

/// `koda stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Which table.
    #[command(subcommand)]
    pub table: StatsTable,
    /// Print JSON.
    #[arg(long, global = true, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV.
    #[arg(long, global = true)]
    pub csv: bool,
    /// Count only codings where KEY is VALUE: coder, type, doc, case, speaker or any attribute
    /// (repeatable; one key given twice is either value).
    #[arg(long = "where", value_name = "KEY=VALUE", global = true)]
    pub wheres: Vec<String>,
}

/// What a cell of `koda stats matrix` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CountArg {
    /// Excerpts.
    Excerpts,
    /// Distinct cases.
    Cases,
}

/// The tables of `koda stats`.
#[derive(Debug, Subcommand)]
pub enum StatsTable {
    /// Excerpts, documents and cases per code (sub-codes included).
    Frequencies {
        /// Break down by this attribute.
        #[arg(long, value_name = "ATTRIBUTE")]
        by: Option<String>,
    },
    /// Pairs of codes that overlap or share a turn, with the Jaccard index of their turns.
    Cooccurrence,
    /// Codes (rows) by the values of an attribute (columns).
    Matrix {
        /// Rows: only `codes` for now.
        #[arg(long, default_value = "codes")]
        rows: String,
        /// The attribute whose values are the columns.
        #[arg(long, value_name = "ATTRIBUTE")]
        cols: String,
        /// Count excerpts or distinct cases.
        #[arg(long, value_enum, default_value_t = CountArg::Excerpts)]
        count: CountArg,
    },
}

/// Which side wins a clash in `koda merge`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PreferArg {
    /// Keep this project's version.
    Ours,
    /// Take the other copy's version.
    Theirs,
}

/// `koda merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The other copy's project folder.
    #[arg(value_name = "OTHER_PROJECT")]
    pub other: PathBuf,
    /// How to resolve clashes; without it a clash stops the merge before anything is written.
    #[arg(long, value_enum)]
    pub prefer: Option<PreferArg>,
}

/// Unit of `koda agree`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AgreeUnit {
    /// Characters of the documents every coder worked on.
    Char,
    /// Turns.
    Turn,
    /// Documents.
    Document,
}

/// `koda agree`.
#[derive(Debug, Args)]
pub struct AgreeArgs {
    /// Coders to compare, comma-separated (two or more).
    #[arg(long, value_delimiter = ',', required = true, num_args = 1..)]
    pub coders: Vec<String>,
    /// Only these codes (repeatable); sub-codes are compared separately.
    #[arg(long, value_name = "PATH")]
    pub code: Vec<String>,
    /// What a unit of comparison is.
    #[arg(long, value_enum, default_value_t = AgreeUnit::Char)]
    pub unit: AgreeUnit,
    /// List the passages where the coders differ.
    #[arg(long)]
    pub disagreements: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `koda names`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct NamesArgs {
    /// Change the register; without an action it is listed.
    #[command(subcommand)]
    pub action: Option<NamesAction>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Changes to the name register.
#[derive(Debug, Subcommand)]
pub enum NamesAction {
    /// Register a name and what exports show instead (adding aliases to an existing name).
    Add {
        /// The name as it occurs, e.g. "Kari Nordmann".
        name: String,
        /// What exports show instead, e.g. "(navn forelder)".
        #[arg(long = "as", value_name = "REPLACEMENT")]
        replacement: Option<String>,
        /// Another form of the name: a first name, a nickname (repeatable).
        #[arg(long = "alias", value_name = "ALIAS")]
        aliases: Vec<String>,
        /// person, place, organisation, school or other.
        #[arg(long, default_value = "person")]
        category: String,
        /// Match the name in lower case too; by default it matches only as a name is written
        /// (`Per`, `PER`), so "500 kr per måned" keeps its word.
        #[arg(long)]
        any_case: bool,
    },
    /// Remove a registered name.
    Rm {
        /// The name.
        name: String,
    },
    /// Choose the pseudonym of a speaker label.
    Speaker {
        /// The label as in the transcripts.
        label: String,
        /// The pseudonym.
        #[arg(long = "as", value_name = "PSEUDONYM")]
        pseudonym: String,
    },
    /// Choose the pseudonym of a case.
    Case {
        /// The case.
        case: String,
        /// The pseudonym.
        #[arg(long = "as", value_name = "PSEUDONYM")]
        pseudonym: String,
    },
    /// Seal names.json as it is now, after it was edited, restored or emptied by hand (exports
    /// stop while the register differs from what koda last wrote).
    Accept,
    /// List words that may be names: capitalised inside a sentence and in koda's list of common
    /// given names and surnames (from one mention), or capitalised and recurring.
    Suggest {
        /// Words not in koda's name list are suggested when they occur at least this often.
        #[arg(long, default_value_t = 2)]
        min: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `koda codings`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CodingsArgs {
    /// Confirm flagged codings; without an action codings are listed.
    #[command(subcommand)]
    pub action: Option<CodingsAction>,
    /// Only codings flagged stale by a correction of their text.
    #[arg(long)]
    pub stale: bool,
    /// Only codings in this document.
    #[arg(long, value_name = "DOC")]
    pub doc: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Actions on codings.
#[derive(Debug, Subcommand)]
pub enum CodingsAction {
    /// Keep flagged codings as they are now (clears the stale flag).
    Confirm {
        /// Coding ids.
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
}

/// `koda attr`.
#[derive(Debug, Subcommand)]
pub enum AttrAction {
    /// Set attributes of a case (creating it).
    Set {
        /// The case's name.
        case: String,
        /// Attributes as KEY=VALUE.
        #[arg(required = true, value_name = "KEY=VALUE")]
        attrs: Vec<String>,
    },
    /// Remove attributes from a case.
    Rm {
        /// The case's name.
        case: String,
        /// Attribute names.
        #[arg(required = true, value_name = "KEY")]
        keys: Vec<String>,
    },
}
