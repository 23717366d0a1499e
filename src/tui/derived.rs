//! Whole-project figures the views show (excerpts, code counts, how often each code is used),
//! computed once per change of the project instead of on every frame. [`crate::tui::app::App`]
//! bumps its generation on every change; a figure computed at another generation is recomputed.

use crate::analysis::{CodeCount, Excerpt};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The excerpts view's rows with what they were computed for: the code and the filters.
pub(crate) type ExcerptKey = (Option<String>, Vec<(String, String)>);

/// Figures derived from the project, each kept until the project changes.
#[derive(Default)]
pub(crate) struct Derived {
    generation: u64,
    excerpts: Option<(ExcerptKey, Rc<Vec<Excerpt>>)>,
    code_counts: Option<Rc<BTreeMap<String, CodeCount>>>,
    usage: Option<Rc<Vec<(String, usize)>>>,
}

/// A cache of [`Derived`] figures (interior mutability: rendering only reads the app).
#[derive(Default)]
pub(crate) struct Cache(RefCell<Derived>);

impl Cache {
    fn at(&self, generation: u64) -> std::cell::RefMut<'_, Derived> {
        let mut d = self.0.borrow_mut();
        if d.generation != generation {
            *d = Derived {
                generation,
                ..Derived::default()
            };
        }
        d
    }

    /// The excerpts for `key`, computed by `f` when not known at this generation.
    pub(crate) fn excerpts(
        &self,
        generation: u64,
        key: ExcerptKey,
        f: impl FnOnce() -> Vec<Excerpt>,
    ) -> Rc<Vec<Excerpt>> {
        let mut d = self.at(generation);
        if let Some((k, rows)) = &d.excerpts
            && *k == key
        {
            return Rc::clone(rows);
        }
        let rows = Rc::new(f());
        d.excerpts = Some((key, Rc::clone(&rows)));
        rows
    }

    /// The codebook's counts by code id.
    pub(crate) fn code_counts(
        &self,
        generation: u64,
        f: impl FnOnce() -> BTreeMap<String, CodeCount>,
    ) -> Rc<BTreeMap<String, CodeCount>> {
        let mut d = self.at(generation);
        Rc::clone(d.code_counts.get_or_insert_with(|| Rc::new(f())))
    }

    /// Codings per code id, most used first.
    pub(crate) fn usage(
        &self,
        generation: u64,
        f: impl FnOnce() -> Vec<(String, usize)>,
    ) -> Rc<Vec<(String, usize)>> {
        let mut d = self.at(generation);
        Rc::clone(d.usage.get_or_insert_with(|| Rc::new(f())))
    }
}
