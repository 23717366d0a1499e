//! The automata of loose words (`koordinatorn~1`, `barneha*`): which index terms a query
//! matches, and which words of a hit to highlight, answered by the same automaton.
//!
//! tantivy's `FuzzyTermQuery` builds its Levenshtein automaton on every search, and
//! highlighting needed one of its own: building them was about a tenth of a fuzzy search.
//! Here a fuzzy word's automaton is built once per open index ([`Automata`]) and serves both,
//! and a prefix is matched by a plain prefix automaton, which costs nothing to build (tantivy
//! builds a Levenshtein automaton of distance 0 for it).

use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder, SINK_STATE};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use tantivy::query::{AutomatonWeight, EnableScoring, Query, Weight};
use tantivy::schema::Field;
use tantivy_fst::Automaton;

/// The words within `distance` edits of a word, counting a swap of two neighbouring letters
/// as one edit, as tantivy's fuzzy query does.
pub(crate) struct Fuzzy {
    dfa: DFA,
    word: String,
    distance: u8,
    /// The lengths in chars a word within the distance can have.
    lengths: std::ops::RangeInclusive<usize>,
}

impl std::fmt::Debug for Fuzzy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}~{}", self.word, self.distance)
    }
}

impl Fuzzy {
    /// Builds the automaton of `word` (folded) within `distance` edits (at most 2). Costly:
    /// use [`Automata::fuzzy`] to build each once.
    pub(crate) fn new(word: &str, distance: u8) -> Fuzzy {
        static BUILDERS: [OnceLock<LevenshteinAutomatonBuilder>; 3] =
            [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let distance = distance.min(2);
        let dfa = BUILDERS[usize::from(distance)]
            .get_or_init(|| LevenshteinAutomatonBuilder::new(distance, true))
            .build_dfa(word);
        // No word is fewer edits away than the difference in length.
        let (len, d) = (word.chars().count(), usize::from(distance));
        Fuzzy {
            dfa,
            word: word.to_string(),
            distance,
            lengths: len.saturating_sub(d)..=len + d,
        }
    }

    /// Whether `word` is within the distance.
    pub(crate) fn within(&self, word: &str) -> bool {
        self.within_bytes(word.bytes())
    }

    /// [`Fuzzy::within`] over a word's bytes as they come.
    pub(crate) fn within_bytes(&self, word: impl Iterator<Item = u8>) -> bool {
        self.walk(word)
            .is_some_and(|state| matches!(self.dfa.distance(state), Distance::Exact(_)))
    }

    /// Whether a word starting with these bytes may still be within the distance.
    pub(crate) fn leads_on(&self, head: impl Iterator<Item = u8>) -> bool {
        self.walk(head).is_some()
    }

    /// The state these bytes lead to, or `None` from the first byte that leaves no way back
    /// (in most words of a text, after a letter or two).
    fn walk(&self, bytes: impl Iterator<Item = u8>) -> Option<u32> {
        let mut state = self.dfa.initial_state();
        for b in bytes {
            state = self.dfa.transition(state, b);
            if state == SINK_STATE {
                return None;
            }
        }
        Some(state)
    }

    /// Whether a word of `chars` chars can be within the distance: no word is fewer edits
    /// away than the difference in length.
    pub(crate) fn may_have_length(&self, chars: usize) -> bool {
        self.lengths.contains(&chars)
    }
}

impl Automaton for Fuzzy {
    type State = u32;

    fn start(&self) -> u32 {
        self.dfa.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.dfa.distance(*state), Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.dfa.transition(*state, byte)
    }
}

/// The terms that start with a prefix.
#[derive(Debug)]
pub(crate) struct Prefix(Box<[u8]>);

impl Prefix {
    pub(crate) fn new(prefix: &str) -> Prefix {
        Prefix(prefix.as_bytes().into())
    }
}

impl Automaton for Prefix {
    /// How many bytes of the prefix the term matched so far; `None` once it strayed.
    type State = Option<usize>;

    fn start(&self) -> Option<usize> {
        Some(0)
    }

    fn is_match(&self, state: &Option<usize>) -> bool {
        *state == Some(self.0.len())
    }

    fn can_match(&self, state: &Option<usize>) -> bool {
        state.is_some()
    }

    fn will_always_match(&self, state: &Option<usize>) -> bool {
        *state == Some(self.0.len())
    }

    fn accept(&self, state: &Option<usize>, byte: u8) -> Option<usize> {
        let at = (*state)?;
        match self.0.get(at) {
            None => Some(at),
            Some(&b) if b == byte => Some(at + 1),
            Some(_) => None,
        }
    }
}

/// The turns holding a term of `field` that the automaton accepts, each scored alike, as
/// tantivy's fuzzy query scores them.
#[derive(Debug)]
pub(crate) struct AutomatonQuery<A> {
    field: Field,
    automaton: Arc<A>,
}

impl<A> AutomatonQuery<A> {
    pub(crate) fn new(field: Field, automaton: Arc<A>) -> AutomatonQuery<A> {
        AutomatonQuery { field, automaton }
    }
}

impl<A> Clone for AutomatonQuery<A> {
    fn clone(&self) -> Self {
        AutomatonQuery {
            field: self.field,
            automaton: self.automaton.clone(),
        }
    }
}

impl<A> Query for AutomatonQuery<A>
where
    A: Automaton + std::fmt::Debug + Send + Sync + 'static,
    A::State: Clone,
{
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(AutomatonWeight::<A>::new(
            self.field,
            self.automaton.clone(),
        )))
    }
}

/// The most fuzzy words whose automata are kept.
const FUZZY_KEPT: usize = 16;

/// The most automaton states kept in all (a state takes 1 KB: a word of ten letters within
/// two edits has about 300).
const FUZZY_STATES_KEPT: usize = 4096;

/// The automata of the fuzzy words searched last in an open index, each built once while
/// kept, the least recently used forgotten first. A handful is all a session refines at a
/// time, and freeing one at a time lets the next automaton reuse its memory.
#[derive(Default)]
pub(crate) struct Automata {
    /// Least recently used first.
    fuzzy: Mutex<std::collections::VecDeque<Arc<Fuzzy>>>,
}

impl Automata {
    /// The automaton of `word` within `distance` edits.
    pub(crate) fn fuzzy(&self, word: &str, distance: u8) -> Arc<Fuzzy> {
        let mut kept = self.fuzzy.lock().unwrap_or_else(PoisonError::into_inner);
        let distance = distance.min(2);
        let found = kept
            .iter()
            .position(|f| f.distance == distance && f.word == word);
        if let Some(f) = found.and_then(|at| kept.remove(at)) {
            kept.push_back(f.clone());
            return f;
        }
        let f = Arc::new(Fuzzy::new(word, distance));
        kept.push_back(f.clone());
        let mut states: usize = kept.iter().map(|f| f.dfa.num_states()).sum();
        while kept.len() > 1 && (kept.len() > FUZZY_KEPT || states > FUZZY_STATES_KEPT) {
            if let Some(old) = kept.pop_front() {
                states -= old.dfa.num_states();
            }
        }
        f
    }

    #[cfg(test)]
    pub(crate) fn kept(&self) -> Vec<String> {
        let kept = self.fuzzy.lock().unwrap_or_else(PoisonError::into_inner);
        kept.iter().map(|f| format!("{f:?}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::schema::{self, TOK_FOLD};
    use std::collections::BTreeSet;
    use tantivy::collector::DocSetCollector;
    use tantivy::query::FuzzyTermQuery;
    use tantivy::{Index, IndexWriter, TantivyDocument, Term};

    #[test]
    fn fuzzy_distance() {
        let one = Fuzzy::new("koordinatorn", 1);
        assert!(one.within("koordinator"));
        assert!(one.within("koordniatorn"), "a swap is one edit");
        assert!(!one.within("koordinat"));
        let tillit = Fuzzy::new("tillit", 1);
        assert!(tillit.within("tilit"));
        assert!(!tillit.within("tilt"));
        assert!(Fuzzy::new("tillit", 2).within("tilt"));
        assert!(Fuzzy::new("bølge", 1).within("bolge"), "letters, not bytes");
        assert!(tillit.leads_on("til".bytes()));
        assert!(!tillit.leads_on("xyz".bytes()));
        assert!(!tillit.may_have_length(4));
        assert!((5..=7).all(|n| tillit.may_have_length(n)));
        assert!(!tillit.may_have_length(8));
        assert_eq!(format!("{tillit:?}"), "tillit~1");
    }

    #[test]
    fn fuzzy_words_are_built_once_while_kept_and_the_least_recent_go_first() {
        let automata = Automata::default();
        let a = automata.fuzzy("tillit", 1);
        assert!(Arc::ptr_eq(&a, &automata.fuzzy("tillit", 1)));
        assert!(!Arc::ptr_eq(&a, &automata.fuzzy("tillit", 2)));
        assert_eq!(automata.kept(), ["tillit~1", "tillit~2"]);
        // Using a word makes it the most recent.
        automata.fuzzy("tillit", 1);
        assert_eq!(automata.kept(), ["tillit~2", "tillit~1"]);
        for i in 0..FUZZY_KEPT - 1 {
            automata.fuzzy(&format!("ord{i}"), 1);
        }
        let kept = automata.kept();
        assert_eq!(kept.len(), FUZZY_KEPT);
        assert_eq!(
            kept[0], "tillit~1",
            "the least recent, tillit~2, went first"
        );
        assert!(Arc::ptr_eq(&a, &automata.fuzzy("tillit", 1)));
        // Long words within two edits are kept by their size, not their number.
        for i in 0..FUZZY_KEPT {
            automata.fuzzy(&format!("familiekoordinatorene{i}"), 2);
        }
        let states: usize = automata
            .fuzzy
            .lock()
            .unwrap()
            .iter()
            .map(|f| f.dfa.num_states())
            .sum();
        assert!(states <= FUZZY_STATES_KEPT, "{states}");
        assert!(automata.kept().len() < FUZZY_KEPT);
        // The newest is kept whatever its size.
        let huge = automata.fuzzy(&"a".repeat(200), 2);
        assert!(huge.dfa.num_states() > 0);
        assert_eq!(automata.kept().last().map(|k| k.len()), Some(202));
    }

    proptest::proptest! {
        /// The queries find the very turns tantivy's fuzzy and prefix queries find.
        #[test]
        fn loose_queries_match_as_tantivys_do(
            turns in proptest::collection::vec("([a-dæø]{1,7} ){1,6}", 1..40),
            word in "[a-dæ]{1,6}",
            distance in 0u8..=2,
        ) {
            let (schema, f) = schema::build();
            let index = Index::create_in_ram(schema);
            schema::register(&index);
            let mut w: IndexWriter<TantivyDocument> =
                index.writer_with_num_threads(1, 15_000_000).unwrap();
            for t in &turns {
                let mut d = TantivyDocument::default();
                d.add_text(f.text_fold, t);
                w.add_document(d).unwrap();
            }
            w.commit().unwrap();
            let searcher = index.reader().unwrap().searcher();
            let docs = |q: &dyn Query| -> BTreeSet<u32> {
                let found = searcher.search(q, &DocSetCollector).unwrap();
                found.into_iter().map(|a| a.doc_id).collect()
            };
            let folded: String = schema::tokens(TOK_FOLD, &word)
                .into_iter()
                .map(|t| t.term)
                .collect();
            let term = Term::from_field_text(f.text_fold, &folded);
            let ours = AutomatonQuery::new(f.text_fold, Arc::new(Fuzzy::new(&folded, distance)));
            let theirs = FuzzyTermQuery::new(term.clone(), distance, true);
            proptest::prop_assert_eq!(docs(&ours), docs(&theirs));
            let ours = AutomatonQuery::new(f.text_fold, Arc::new(Prefix::new(&folded)));
            let theirs = FuzzyTermQuery::new_prefix(term, 0, false);
            proptest::prop_assert_eq!(docs(&ours), docs(&theirs));
        }
    }
}
