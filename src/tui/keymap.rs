//! The keymap as data: one table per context, looked up for every key and listed by the help
//! overlay, so help can never drift from what the keys do.

use super::action::{Action, View};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Everywhere unless text is being typed.
    Global,
    /// One view.
    View(View),
    /// The code picker and one-line prompts (other keys type).
    Picker,
    /// The memo editor (other keys edit the text).
    Editor,
    /// A yes/no question (any other key answers no).
    Confirm,
}

/// A key with modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl, Alt, Shift.
    pub mods: KeyModifiers,
}

/// One binding: context, key, action and what it does.
#[derive(Debug, Clone)]
pub struct Binding {
    /// Where it applies.
    pub context: Context,
    /// The key.
    pub key: Key,
    /// The action.
    pub action: Action,
    /// A few words for the help overlay.
    pub help: &'static str,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

fn b(
    context: Context,
    code: KeyCode,
    mods: KeyModifiers,
    action: Action,
    help: &'static str,
) -> Binding {
    Binding {
        context,
        key: Key { code, mods },
        action,
        help,
    }
}

/// The default keymap.
pub fn default_keymap() -> Vec<Binding> {
    use Action as A;
    use Context::{Global as G, Picker as P, View as V};
    use KeyCode::{
        BackTab, Char, Down, End, Enter, Esc, F, Home, Left, PageDown, PageUp, Right, Tab, Up,
    };
    use View::{Codebook, Documents, Excerpts, Memos, Names, Reader, Search};
    vec![
        b(G, Char('q'), NONE, A::Quit, "quit"),
        b(G, Char('c'), CTRL, A::Quit, "quit"),
        b(G, Char('?'), NONE, A::Help, "help"),
        b(G, F(1), NONE, A::Help, "help"),
        b(G, Tab, NONE, A::NextView, "next view"),
        b(G, BackTab, SHIFT, A::PrevView, "previous view"),
        b(G, Char('1'), NONE, A::GoView(Documents), "documents"),
        b(G, Char('2'), NONE, A::GoView(Reader), "reader"),
        b(G, Char('3'), NONE, A::GoView(Codebook), "codebook"),
        b(G, Char('4'), NONE, A::GoView(Search), "search"),
        b(G, Char('5'), NONE, A::GoView(Excerpts), "excerpts"),
        b(G, Char('6'), NONE, A::GoView(Memos), "memos"),
        b(G, Char('7'), NONE, A::GoView(Names), "names"),
        b(G, Char('u'), NONE, A::Undo, "undo"),
        b(G, Char('r'), CTRL, A::Redo, "redo"),
        b(G, Up, NONE, A::Up, "up"),
        b(G, Down, NONE, A::Down, "down"),
        b(G, Char('k'), NONE, A::Up, "up"),
        b(G, Char('j'), NONE, A::Down, "down"),
        b(G, PageUp, NONE, A::PageUp, "page up"),
        b(G, PageDown, NONE, A::PageDown, "page down"),
        b(G, Home, NONE, A::Top, "top"),
        b(G, End, NONE, A::Bottom, "bottom"),
        b(G, Enter, NONE, A::Enter, "open"),
        b(G, Esc, NONE, A::Escape, "cancel"),
        b(
            V(Documents),
            Char('/'),
            NONE,
            A::Filter,
            "filter as you type",
        ),
        b(V(Documents), Char('s'), NONE, A::Sort, "change the order"),
        b(V(Documents), Char('r'), NONE, A::RenameDoc, "rename"),
        b(
            V(Documents),
            Char('t'),
            NONE,
            A::RetypeDoc,
            "change the type",
        ),
        b(
            V(Documents),
            Char('C'),
            SHIFT,
            A::RecaseDoc,
            "change the case",
        ),
        b(
            V(Documents),
            Char('R'),
            SHIFT,
            A::ReplaceDoc,
            "replace with a corrected file",
        ),
        b(
            V(Documents),
            Char('D'),
            SHIFT,
            A::RemoveDoc,
            "remove (asks)",
        ),
        b(
            V(Documents),
            Char('c'),
            NONE,
            A::ToggleCases,
            "cases and attributes, or documents",
        ),
        b(
            V(Documents),
            Char('e'),
            NONE,
            A::EditCase,
            "cases: edit the attributes",
        ),
        b(
            V(Documents),
            Char('n'),
            NONE,
            A::NewCase,
            "cases: add a case",
        ),
        b(V(Reader), Char('g'), NONE, A::Top, "start of document"),
        b(V(Reader), Char('G'), SHIFT, A::Bottom, "end of document"),
        b(V(Reader), Left, NONE, A::Left, "previous character"),
        b(V(Reader), Right, NONE, A::Right, "next character"),
        b(
            V(Reader),
            Left,
            SHIFT,
            A::ExtendLeft,
            "extend selection left",
        ),
        b(
            V(Reader),
            Right,
            SHIFT,
            A::ExtendRight,
            "extend selection right",
        ),
        b(V(Reader), Char('w'), NONE, A::WordNext, "next word"),
        b(V(Reader), Char('b'), NONE, A::WordPrev, "previous word"),
        b(
            V(Reader),
            Char('W'),
            SHIFT,
            A::ExtendWordNext,
            "extend selection by a word",
        ),
        b(
            V(Reader),
            Char('B'),
            SHIFT,
            A::ExtendWordPrev,
            "shrink selection by a word",
        ),
        b(V(Reader), Char(')'), NONE, A::SentenceNext, "next sentence"),
        b(
            V(Reader),
            Char('('),
            NONE,
            A::SentencePrev,
            "previous sentence",
        ),
        b(V(Reader), Char('}'), NONE, A::TurnNext, "next turn"),
        b(V(Reader), Char('{'), NONE, A::TurnPrev, "previous turn"),
        b(
            V(Reader),
            Char('v'),
            NONE,
            A::ToggleSelect,
            "start or end a selection",
        ),
        b(
            V(Reader),
            Char('s'),
            NONE,
            A::SelectSentence,
            "select the sentence",
        ),
        b(V(Reader), Char('t'), NONE, A::SelectTurn, "select the turn"),
        b(
            V(Reader),
            Char('c'),
            NONE,
            A::CodeSelection,
            "code the selection",
        ),
        b(
            V(Reader),
            Char('x'),
            NONE,
            A::Uncode,
            "remove the coding here",
        ),
        b(V(Reader), Char('n'), NONE, A::NextCoding, "next coding"),
        b(
            V(Reader),
            Char('N'),
            SHIFT,
            A::PrevCoding,
            "previous coding",
        ),
        b(
            V(Reader),
            Char('e'),
            NONE,
            A::EditCoding,
            "move the boundaries of the coding here",
        ),
        b(
            V(Reader),
            Char('['),
            NONE,
            A::StartLeft,
            "editing: start a word earlier",
        ),
        b(
            V(Reader),
            Char(']'),
            NONE,
            A::StartRight,
            "editing: start a word later",
        ),
        b(
            V(Reader),
            Char('<'),
            NONE,
            A::EndLeft,
            "editing: end a word earlier",
        ),
        b(
            V(Reader),
            Char('>'),
            NONE,
            A::EndRight,
            "editing: end a word later",
        ),
        b(
            V(Reader),
            Char('l'),
            NONE,
            A::ToggleLineNumbers,
            "line numbers",
        ),
        b(V(Reader), Char(':'), NONE, A::JumpToTurn, "jump to turn"),
        b(
            V(Reader),
            Char('K'),
            SHIFT,
            A::CompareCoders,
            "compare two coders in the margin",
        ),
        b(
            V(Reader),
            Char('E'),
            SHIFT,
            A::EditTurn,
            "correct the turn's text",
        ),
        b(
            V(Reader),
            Char('y'),
            NONE,
            A::ConfirmCoding,
            "keep a flagged (!) coding as it is",
        ),
        b(
            V(Reader),
            Char('m'),
            NONE,
            A::MemoHere,
            "memo on the coding here, else the document",
        ),
        b(
            V(Codebook),
            Char('a'),
            NONE,
            A::AddCode,
            "add a top-level code",
        ),
        b(
            V(Codebook),
            Char('A'),
            SHIFT,
            A::AddChildCode,
            "add a code under this one",
        ),
        b(V(Codebook), Char('r'), NONE, A::RenameCode, "rename"),
        b(
            V(Codebook),
            Char('o'),
            NONE,
            A::MoveCode,
            "move under another code",
        ),
        b(
            V(Codebook),
            Char('g'),
            NONE,
            A::MergeCode,
            "merge into another code",
        ),
        b(V(Codebook), Char('d'), NONE, A::DescribeCode, "describe"),
        b(V(Codebook), Char('C'), SHIFT, A::ColorCode, "colour"),
        b(V(Codebook), Char('D'), SHIFT, A::DeleteCode, "delete"),
        b(
            V(Codebook),
            Char(' '),
            NONE,
            A::ToggleCollapse,
            "fold or unfold",
        ),
        b(
            V(Codebook),
            Char('m'),
            NONE,
            A::MemoHere,
            "memo on the code",
        ),
        b(
            V(Search),
            Char('a'),
            CTRL,
            A::Autocode,
            "autocode the marked hits, or all",
        ),
        b(V(Search), Char(' '), CTRL, A::ToggleMark, "mark a hit"),
        b(
            V(Search),
            Char('/'),
            NONE,
            A::Filter,
            "in the hits: back to the query",
        ),
        b(
            V(Search),
            Char('t'),
            CTRL,
            A::CycleUnit,
            "autocode by: matched words, sentence, turn",
        ),
        b(
            V(Excerpts),
            Char('f'),
            NONE,
            A::Filter,
            "filter: role=parent wave=2 coder=anna",
        ),
        b(
            V(Excerpts),
            Char(' '),
            NONE,
            A::ToggleContext,
            "show the whole turn",
        ),
        b(
            V(Excerpts),
            Char('p'),
            NONE,
            A::TogglePin,
            "pin for the report, or unpin",
        ),
        b(
            V(Excerpts),
            Char('T'),
            SHIFT,
            A::TrimQuote,
            "report form: leave parts out as (...)",
        ),
        b(V(Memos), Char('a'), NONE, A::NewMemo, "new project memo"),
        b(V(Memos), Char('D'), SHIFT, A::DeleteMemo, "delete the memo"),
        b(
            V(Names),
            Char('a'),
            NONE,
            A::RegisterName,
            "register the suggested name",
        ),
        b(
            V(Search),
            Char('w'),
            CTRL,
            A::DeleteWord,
            "delete the query's last word",
        ),
        b(V(Search), Char('u'), CTRL, A::ClearField, "empty the query"),
        b(
            V(Documents),
            Char('w'),
            CTRL,
            A::DeleteWord,
            "delete the filter's last word",
        ),
        b(
            V(Documents),
            Char('u'),
            CTRL,
            A::ClearField,
            "empty the filter",
        ),
        b(
            P,
            Char('w'),
            CTRL,
            A::DeleteWord,
            "delete the last word typed",
        ),
        b(P, Char('u'), CTRL, A::ClearField, "empty what was typed"),
        b(P, Enter, NONE, A::Enter, "apply the code (or create it)"),
        b(
            Context::Editor,
            Char('s'),
            CTRL,
            A::SaveMemo,
            "save the memo",
        ),
        b(
            Context::Editor,
            Esc,
            NONE,
            A::Escape,
            "close without saving",
        ),
        b(Context::Confirm, Char('y'), NONE, A::Enter, "yes"),
        b(Context::Confirm, Char('Y'), SHIFT, A::Enter, "yes"),
        b(Context::Confirm, Char('n'), NONE, A::Escape, "no"),
        b(Context::Confirm, Esc, NONE, A::Escape, "no"),
        b(P, Esc, NONE, A::Escape, "close"),
        b(P, Up, NONE, A::Up, "up"),
        b(P, Down, NONE, A::Down, "down"),
    ]
}

fn same_key(a: &Key, e: &KeyEvent) -> bool {
    let mods = e.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
    if a.code != e.code {
        return false;
    }
    // Terminals differ in whether they report Shift with capitals and symbols.
    match a.code {
        KeyCode::Char(c) if !c.is_ascii_lowercase() && !c.is_ascii_digit() && a.mods != CTRL => {
            (mods - KeyModifiers::SHIFT) == (a.mods - KeyModifiers::SHIFT)
        }
        KeyCode::BackTab => true,
        _ => mods == a.mods,
    }
}

/// The action a key triggers in a view (view bindings win over global ones).
pub fn lookup(keymap: &[Binding], context: Context, e: &KeyEvent) -> Option<Action> {
    keymap
        .iter()
        .find(|b| b.context == context && same_key(&b.key, e))
        .or_else(|| {
            if !matches!(context, Context::View(_) | Context::Global) {
                None
            } else {
                keymap
                    .iter()
                    .find(|b| b.context == Context::Global && same_key(&b.key, e))
            }
        })
        .map(|b| b.action.clone())
}

/// A key as the help overlay shows it.
pub fn describe(k: &Key) -> String {
    let name = match k.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::BackTab => "Shift-Tab".into(),
        other => format!("{other:?}"),
    };
    if k.mods.contains(CTRL) {
        format!("Ctrl-{name}")
    } else if k.mods.contains(SHIFT) && !matches!(k.code, KeyCode::Char(_) | KeyCode::BackTab) {
        format!("Shift-{name}")
    } else {
        name
    }
}

/// A hint for a status or header line, generated from the keymap so that it stays true after a
/// rebinding: each action's key in `context` (or, for a view, a global key) with its words,
/// joined by ` · `; an action with no key is left out.
pub fn hint(keymap: &[Binding], context: Context, items: &[(Action, &str)]) -> String {
    items
        .iter()
        .filter_map(|(action, words)| {
            key_for(keymap, context, action).map(|key| format!("{key} {words}"))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The key bound to `action` in `context` (or, for a view, a global key), as help shows it.
pub fn key_for(keymap: &[Binding], context: Context, action: &Action) -> Option<String> {
    keymap
        .iter()
        .find(|b| b.context == context && b.action == *action)
        .or_else(|| {
            matches!(context, Context::View(_))
                .then(|| {
                    keymap
                        .iter()
                        .find(|b| b.context == Context::Global && b.action == *action)
                })
                .flatten()
        })
        .map(|b| describe(&b.key))
}

/// The bindings shown in help for a context: its own, then the global ones.
pub fn help_lines(keymap: &[Binding], context: Context) -> Vec<(String, &'static str)> {
    keymap
        .iter()
        .filter(|b| b.context == context)
        .chain(
            keymap
                .iter()
                .filter(|b| b.context == Context::Global && matches!(context, Context::View(_))),
        )
        .map(|b| (describe(&b.key), b.help))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        let km = default_keymap();
        for (i, a) in km.iter().enumerate() {
            for b in &km[i + 1..] {
                assert!(
                    !(a.context == b.context && a.key == b.key),
                    "{:?} {} is bound twice: {} / {}",
                    a.context,
                    describe(&a.key),
                    a.help,
                    b.help
                );
            }
        }
    }

    #[test]
    fn views_override_global_keys() {
        let km = default_keymap();
        let key = KeyEvent::new(KeyCode::Char('g'), NONE);
        assert_eq!(
            lookup(&km, Context::View(View::Reader), &key),
            Some(Action::Top)
        );
        assert_eq!(
            lookup(&km, Context::View(View::Codebook), &key),
            Some(Action::MergeCode)
        );
        let q = KeyEvent::new(KeyCode::Char('q'), NONE);
        assert_eq!(
            lookup(&km, Context::View(View::Memos), &q),
            Some(Action::Quit)
        );
        let shift_g = KeyEvent::new(KeyCode::Char('G'), SHIFT);
        assert_eq!(
            lookup(&km, Context::View(View::Reader), &shift_g),
            Some(Action::Bottom)
        );
        let plain_g = KeyEvent::new(KeyCode::Char('G'), NONE);
        assert_eq!(
            lookup(&km, Context::View(View::Reader), &plain_g),
            Some(Action::Bottom)
        );
        let help = help_lines(&km, Context::View(View::Reader));
        assert!(
            help.iter()
                .any(|(k, h)| k == "c" && *h == "code the selection")
        );
        assert!(help.iter().any(|(k, _)| k == "Ctrl-r"));
    }

    #[test]
    fn hints_follow_the_keymap_and_every_action_has_its_line() {
        let mut km = default_keymap();
        let ctx = Context::View(View::Memos);
        let items = [(Action::NewMemo, "adds"), (Action::Quit, "quits")];
        assert_eq!(hint(&km, ctx, &items), "a adds · q quits");
        for b in km.iter_mut().filter(|b| b.action == Action::NewMemo) {
            b.key = Key {
                code: KeyCode::Char('n'),
                mods: NONE,
            };
        }
        assert_eq!(hint(&km, ctx, &items), "n adds · q quits");
        km.retain(|b| b.action != Action::NewMemo);
        assert_eq!(
            hint(&km, ctx, &items),
            "q quits",
            "an unbound action is left out"
        );
        for b in default_keymap() {
            assert!(!b.action.doc().is_empty() && !b.help.is_empty());
        }
        assert_eq!(Action::GoView(View::Reader).doc(), "go to a view");
    }
}
