//! The views and the actions: everything a key can ask for, each with the line the help shows.
//!
//! Both the keymap and the app use these; neither imports the other for them.

use crossterm::event::KeyEvent;

/// The views, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// The document list.
    Documents,
    /// One transcript.
    Reader,
    /// The code tree.
    Codebook,
    /// Search.
    Search,
    /// Excerpts of a code.
    Excerpts,
    /// Memos.
    Memos,
    /// The name register and name suggestions.
    Names,
}

/// Every view in tab order.
pub const VIEWS: [View; 7] = [
    View::Documents,
    View::Reader,
    View::Codebook,
    View::Search,
    View::Excerpts,
    View::Memos,
    View::Names,
];

impl View {
    /// The tab title.
    pub fn title(self) -> &'static str {
        match self {
            View::Documents => "Documents",
            View::Reader => "Reader",
            View::Codebook => "Codebook",
            View::Search => "Search",
            View::Excerpts => "Excerpts",
            View::Memos => "Memos",
            View::Names => "Names",
        }
    }
}

/// Defines [`Action`] with a one-line doc per variant, which [`Action::doc`] returns.
macro_rules! actions {
    ($($name:ident $(($($field:ty),*))? => $doc:literal,)*) => {
        /// Everything the user can ask for: a key, the mouse, or time passing.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Action {
            $(#[doc = $doc] $name $(($($field),*))?,)*
        }

        impl Action {
            /// What the action does, in a line.
            pub fn doc(&self) -> &'static str {
                match self {
                    $(Action::$name { .. } => $doc,)*
                }
            }
        }
    };
}

actions! {
    Quit => "quit koda (every change is already saved)",
    Help => "show the keys of this view",
    NextView => "go to the next view",
    PrevView => "go to the previous view",
    GoView(View) => "go to a view",
    Undo => "undo the last change",
    Redo => "redo what was undone",
    Up => "move up a row",
    Down => "move down a row",
    PageUp => "move up a page",
    PageDown => "move down a page",
    Top => "go to the first row (the start of the document)",
    Bottom => "go to the last row (the end of the document)",
    Enter => "open or apply what is highlighted; answer yes",
    Escape => "cancel: close the popup, end the selection; answer no",
    Left => "move back a character (a whole grapheme)",
    Right => "move on a character (a whole grapheme)",
    ExtendLeft => "extend the selection back a character",
    ExtendRight => "extend the selection on a character",
    WordNext => "move to the next word",
    WordPrev => "move to the previous word",
    ExtendWordNext => "extend the selection by a word",
    ExtendWordPrev => "shrink the selection by a word",
    SentenceNext => "move to the next sentence",
    SentencePrev => "move to the previous sentence",
    TurnNext => "move to the next turn",
    TurnPrev => "move to the previous turn",
    ToggleSelect => "start or end a selection at the cursor",
    SelectSentence => "select the sentence at the cursor",
    SelectTurn => "select the turn at the cursor",
    CodeSelection => "code the selection (or the turn) with a code picked",
    Uncode => "remove the coding at the cursor",
    NextCoding => "go to the next coding",
    PrevCoding => "go to the previous coding",
    EditCoding => "move the boundaries of the coding at the cursor",
    StartLeft => "move the coding's start back a word",
    StartRight => "move the coding's start on a word",
    EndLeft => "move the coding's end back a word",
    EndRight => "move the coding's end on a word",
    ToggleLineNumbers => "show or hide turn and line numbers",
    JumpToTurn => "jump to a turn by its number",
    CompareCoders => "show two coders' codings side by side in the margin",
    EditTurn => "correct the text of the turn",
    ConfirmCoding => "keep a coding flagged after a correction as it is",
    MemoHere => "write a memo on what is at the cursor",
    Filter => "filter the list",
    Sort => "change the order of the list",
    RenameDoc => "give the document a new title",
    RetypeDoc => "change the document's type",
    RecaseDoc => "put the document in another case, or in none",
    ReplaceDoc => "replace the document's text with a corrected file (codings follow their words)",
    RemoveDoc => "remove the document with its codings (asks first; undo brings them back)",
    ToggleCases => "show the cases and their attributes, or the documents again",
    EditCase => "edit the case's attributes in place",
    NewCase => "add a case with attributes",
    AddCode => "add a top-level code (a path such as trust/personal makes the levels)",
    AddChildCode => "add a code under the highlighted one",
    RenameCode => "rename the code",
    MoveCode => "move the code under another",
    MergeCode => "merge the code into another",
    DescribeCode => "describe the code",
    ColorCode => "colour the code",
    DeleteCode => "delete the code (asks first)",
    ToggleCollapse => "fold or unfold the code",
    Autocode => "autocode the marked hits, or every hit",
    CycleUnit => "choose what autocoding codes: the matched words, the sentence, the turn",
    ToggleMark => "mark or unmark the hit",
    ToggleContext => "show the whole turn around each excerpt",
    TogglePin => "pin the excerpt for the report, or unpin it",
    TrimQuote => "give the pinned excerpt a shorter report form, parts left out as (...)",
    NewMemo => "write a new project memo",
    RegisterName => "register the suggested name",
    DeleteMemo => "delete the memo (asks first)",
    Type(char) => "type a character into the text field",
    Backspace => "delete the last character of the text field",
    DeleteWord => "delete the last word of the text field (as in a shell)",
    ClearField => "empty the text field (as in a shell)",
    Click(u16, u16) => "the mouse button was pressed at a cell",
    Drag(u16, u16) => "the mouse was dragged to a cell",
    Hover(u16, u16) => "the mouse moved over a cell (over the margin: which coding a stripe is)",
    ScrollUp => "the mouse wheel turned up",
    ScrollDown => "the mouse wheel turned down",
    Tick => "time passes (runs a search typed a moment ago)",
    Resize(u16, u16) => "the terminal has a new size",
    EditorKey(KeyEvent) => "a key for the memo editor",
    SaveMemo => "save the memo being written",
}
