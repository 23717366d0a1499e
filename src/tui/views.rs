//! One file per view: its state, what its keys do (`impl App` blocks of `update_<view>`), and
//! how it is drawn (`render_<view>`).

pub mod codebook;
pub mod documents;
pub mod excerpts;
pub mod memos;
pub mod names;
pub mod reader;
pub mod search;
