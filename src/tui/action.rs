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

/// Everything the user can ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Action {
    Quit,
    Help,
    NextView,
    PrevView,
    GoView(View),
    Undo,
    Redo,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Enter,
    Escape,
    Left,
    Right,
    ExtendLeft,
    ExtendRight,
    WordNext,
    WordPrev,
    ExtendWordNext,
    ExtendWordPrev,
    SentenceNext,
    SentencePrev,
    TurnNext,
    TurnPrev,
    ToggleSelect,
    SelectSentence,
    SelectTurn,
    CodeSelection,
    Uncode,
    NextCoding,
    PrevCoding,
    EditCoding,
    StartLeft,
    StartRight,
    EndLeft,
    EndRight,
    ToggleLineNumbers,
    JumpToTurn,
    CompareCoders,
    EditTurn,
    ConfirmCoding,
    MemoHere,
    Filter,
    Sort,
    AddCode,
    RenameCode,
    MoveCode,
    MergeCode,
    DescribeCode,
    ColorCode,
    DeleteCode,
    ToggleCollapse,
    Autocode,
    CycleUnit,
    ToggleMark,
    ToggleContext,
    NewMemo,
    DeleteMemo,
    /// A character typed into the active text field.
    Type(char),
    /// Delete the last character of the active text field.
    Backspace,
    /// Delete the last word of the active text field (Ctrl-w, as in a shell).
    DeleteWord,
    /// Empty the active text field (Ctrl-u, as in a shell).
    ClearField,
    /// Mouse button pressed at a cell.
    Click(u16, u16),
    /// Mouse dragged to a cell.
    Drag(u16, u16),
    /// Mouse wheel up.
    ScrollUp,
    /// Mouse wheel down.
    ScrollDown,
    /// Time passes (runs a debounced search).
    Tick,
    /// The terminal has a new size.
    Resize(u16, u16),
    /// A key for the memo editor.
    EditorKey(KeyEvent),
    /// Save the memo being edited.
    SaveMemo,
}
