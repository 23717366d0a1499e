//! Running a query: the hits (each read straight from the index's stored fields), counting
//! distinct documents, and the per-segment caches a search reuses.

use super::*;

/// A turn that matched a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// Document id.
    pub doc: String,
    /// Document title.
    pub doc_title: String,
    /// Document type.
    pub doc_type: String,
    /// Turn number.
    pub turn: usize,
    /// The turn's speaker.
    pub speaker: Option<String>,
    /// The document's case.
    pub case: Option<String>,
    /// BM25 score.
    pub score: f32,
    /// Start of the turn's text (chars).
    pub start: usize,
    /// End of the turn's text (chars).
    pub end: usize,
    /// 1-based line where the turn starts.
    pub line: usize,
    /// Keyword-in-context snippet, `…` marking cuts.
    pub snippet: String,
    /// Matched words in the snippet as char ranges `[start, end)`.
    pub highlights: Vec<(usize, usize)>,
    /// Matched words in the document as char ranges.
    pub matches: Vec<(usize, usize)>,
}

impl Hit {
    /// Where the hit is, as a result line shows it: `turn 4 · Forelder · F01` (speaker and case
    /// when there are).
    pub fn place(&self) -> String {
        let mut s = format!("turn {}", self.turn);
        for part in [&self.speaker, &self.case].into_iter().flatten() {
            s.push_str(" · ");
            s.push_str(part);
        }
        s
    }

    /// The snippet with its matched words marked `**like this**` (built when asked for, as
    /// only `--json` output shows it).
    pub fn marked(&self) -> String {
        let text = &self.snippet;
        let mut out = String::with_capacity(text.len() + 4 * self.highlights.len());
        let mut last = 0;
        for &(a, b) in &self.highlights {
            out.push_str(slice_chars(text, last, a));
            out.push_str("**");
            out.push_str(slice_chars(text, a, b));
            out.push_str("**");
            last = b;
        }
        out.push_str(slice_chars(text, last, usize::MAX));
        out
    }
}

/// The outcome of a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// Number of matching turns.
    pub total: usize,
    /// Number of documents with a matching turn.
    pub documents: usize,
    /// The best hits, best first.
    pub hits: Vec<Hit>,
}

/// Where each document's turns lie in one segment: `(first doc id, doc_seq)` per run, in
/// order. A document's turns are added side by side and merges keep their order, so each
/// document is one run.
pub(super) type Runs = std::sync::Arc<[(tantivy::DocId, Option<u64>)]>;

/// Per-segment [`Runs`], built on a segment's first search by an index that stays open (the
/// reader, a long session); segments never change, so they stay valid until merged away.
pub(super) type RunCache =
    std::sync::Mutex<std::collections::HashMap<tantivy::index::SegmentId, Runs>>;

pub(super) fn runs_of(reader: &tantivy::SegmentReader) -> tantivy::Result<Runs> {
    let column = reader.fast_fields().u64(schema::DOC_SEQ)?;
    let mut runs = Vec::new();
    let mut last = None;
    for doc in 0..reader.max_doc() {
        let v = column.first(doc);
        if runs.is_empty() || v != last {
            runs.push((doc, v));
            last = v;
        }
    }
    Ok(runs.into())
}

/// Counts the matching turns and collects their distinct documents from the `doc_seq` fast
/// field, without reading any stored document: through a segment's [`Runs`] when the index
/// keeps them (one comparison per match), else by reading the field at each match. One
/// collector does both since every match costs a search one call per collector.
pub(super) struct DistinctDocs<'a> {
    pub(super) cache: Option<&'a RunCache>,
}

/// [`DistinctDocs`] in one segment.
pub(super) struct DistinctInSegment {
    /// Matches counted.
    pub(super) count: usize,
    /// A match before this doc falls in the run of the last one and adds nothing.
    pub(super) next: tantivy::DocId,
    pub(super) source: SeqSource,
    /// The documents' sequence numbers, each once.
    pub(super) seen: Vec<u64>,
}

/// Where a segment's sequence numbers come from.
pub(super) enum SeqSource {
    /// The fast field, read at each match; `last` is the value read at the last one.
    Column {
        column: tantivy::columnar::Column<u64>,
        last: Option<u64>,
    },
    /// The segment's runs, and the run the last match fell in.
    Runs { runs: Runs, at: usize },
}

impl tantivy::collector::Collector for DistinctDocs<'_> {
    type Fruit = (usize, Vec<u64>);
    type Child = DistinctInSegment;

    fn for_segment(
        &self,
        _segment: tantivy::SegmentOrdinal,
        reader: &tantivy::SegmentReader,
    ) -> tantivy::Result<DistinctInSegment> {
        let source = match self.cache {
            None => SeqSource::Column {
                column: reader.fast_fields().u64(schema::DOC_SEQ)?,
                last: None,
            },
            Some(cache) => {
                let id = reader.segment_id();
                let cached = cache.lock().ok().and_then(|c| c.get(&id).cloned());
                let runs = match cached {
                    Some(r) => r,
                    None => {
                        let r = runs_of(reader)?;
                        if let Ok(mut c) = cache.lock() {
                            c.insert(id, r.clone());
                        }
                        r
                    }
                };
                SeqSource::Runs { runs, at: 0 }
            }
        };
        Ok(DistinctInSegment {
            count: 0,
            next: 0,
            source,
            seen: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(usize, Vec<u64>)>) -> tantivy::Result<(usize, Vec<u64>)> {
        let total = fruits.iter().map(|f| f.0).sum();
        // Each segment lists a document once, but a document's turns may span segments (the
        // writer can flush between two of its turns).
        let mut lists: Vec<Vec<u64>> = fruits
            .into_iter()
            .map(|f| f.1)
            .filter(|f| !f.is_empty())
            .collect();
        if lists.len() <= 1 {
            return Ok((total, lists.pop().unwrap_or_default()));
        }
        let max = lists.iter().flatten().copied().max().unwrap_or(0);
        let mut all: Vec<u64> = lists.into_iter().flatten().collect();
        // Sequence numbers are dense (one per imported document), so a bitset over them
        // finds the distinct ones in one pass.
        match usize::try_from(max).ok().filter(|m| *m < 1 << 26) {
            Some(max) => {
                let mut seen = vec![0u64; max / 64 + 1];
                all.retain(|&v| {
                    let (word, bit) = ((v / 64) as usize, 1u64 << (v % 64));
                    let new = seen[word] & bit == 0;
                    seen[word] |= bit;
                    new
                });
            }
            None => {
                all.sort_unstable();
                all.dedup();
            }
        }
        Ok((total, all))
    }
}

impl DistinctInSegment {
    /// A match past the last run: finds its run (or reads its value) and notes a new document.
    pub(super) fn enter(&mut self, doc: tantivy::DocId) {
        match &mut self.source {
            SeqSource::Column { column, last } => {
                // Read at every match: `next` stays 0.
                let v = column.first(doc);
                if v != *last {
                    *last = v;
                    if let Some(v) = v {
                        self.seen.push(v);
                    }
                }
            }
            SeqSource::Runs { runs, at } => {
                // Matches come in ascending order, so the run only moves forward.
                while *at + 1 < runs.len() && runs[*at + 1].0 <= doc {
                    *at += 1;
                }
                if let Some(v) = runs.get(*at).and_then(|r| r.1) {
                    self.seen.push(v);
                }
                self.next = runs.get(*at + 1).map_or(tantivy::DocId::MAX, |r| r.0);
            }
        }
    }
}

impl tantivy::collector::SegmentCollector for DistinctInSegment {
    type Fruit = (usize, Vec<u64>);

    #[inline]
    fn collect(&mut self, doc: tantivy::DocId, _score: tantivy::Score) {
        self.count += 1;
        if doc >= self.next {
            self.enter(doc);
        }
    }

    fn harvest(self) -> (usize, Vec<u64>) {
        (self.count, self.seen)
    }
}

/// A hit from a turn's stored fields, with its document's sequence number for ordering.
pub(super) fn hit_of(t: StoredTurn, score: f32, marker: &mut Highlighter) -> (u64, Hit) {
    let num = |n: u64| usize::try_from(n).unwrap_or(0);
    let body = t.text.as_str();
    let start = num(t.start);
    marker.mark(body);
    let (words, parts) = (&marker.bytes, &marker.parts);
    // The matches are whole words (what `--unit match` codes); the snippet marks the part of
    // a compound the query word covers.
    let matches = char_ranges(body, words, start);
    let snippet = if parts == words {
        snippet(body, words, &matches, start)
    } else {
        snippet(body, parts, &char_ranges(body, parts, start), start)
    };
    let hit = Hit {
        doc: t.doc,
        doc_title: t.title,
        doc_type: t.kind,
        turn: num(t.turn),
        speaker: t.speaker,
        case: t.case,
        score,
        start,
        end: num(t.end),
        line: num(t.line),
        snippet: snippet.text,
        highlights: snippet.highlights,
        matches,
    };
    (t.doc_seq, hit)
}

impl SearchIndex {
    pub(super) fn distinct_docs(&self) -> DistinctDocs<'_> {
        DistinctDocs {
            cache: self.runs.as_ref(),
        }
    }

    /// The words a search for `word` finds beside the word itself and the inflections the
    /// stemmer brings together, in lower case: its compounds, and its inflections the stemmer
    /// misses (none in a project without a compounding language).
    pub fn compounds_of(&self, word: &str) -> Vec<String> {
        if !self.langs.iter().any(|l| l.compounds()) {
            return Vec::new();
        }
        let searcher = self.reader.searcher();
        super::compounds::Vocabulary::new(&searcher, &self.fields, Some(&self.vocabulary))
            .compounds(&word.to_lowercase())
            .into_iter()
            .map(|f| f.word)
            .collect()
    }

    /// Runs a query; `limit` caps the hits returned (all when `None`).
    pub fn search(
        &self,
        lookup: &dyn query::Lookup,
        query: &str,
        limit: Option<usize>,
    ) -> Result<SearchResults> {
        self.search_by(lookup, query, limit, &[])
    }

    /// Runs a query on the turns coded by any of `coders` (all turns when empty).
    pub fn search_by(
        &self,
        lookup: &dyn query::Lookup,
        query: &str,
        limit: Option<usize>,
        coders: &[String],
    ) -> Result<SearchResults> {
        let mut node = query::parse(query)?;
        if !coders.is_empty() {
            let filters = coders
                .iter()
                .map(|c| query::Node::Field {
                    name: "coder".into(),
                    value: c.clone(),
                    prefix: false,
                    col: 1,
                })
                .collect();
            node = query::Node::And(vec![node, query::Node::Or(filters)]);
        }
        let dir = Path::new(".koda/index");
        // A damaged segment can make the search engine panic: that is the index's damage,
        // reported as such (and mended by a rebuild), never a crash.
        crate::contain_panic(|| self.run(lookup, query, &node, limit)).unwrap_or_else(|| {
            Err(ix_err(
                dir,
                "reading it failed inside the search engine (a damaged segment)",
            ))
        })
    }

    /// The search itself, for [`SearchIndex::search_by`].
    fn run(
        &self,
        lookup: &dyn query::Lookup,
        query: &str,
        node: &query::Node,
        limit: Option<usize>,
    ) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        let builder = query::Builder {
            fields: &self.fields,
            automata: &self.automata,
            langs: &self.langs,
            lookup,
            query,
            searcher: &searcher,
            memo: &self.vocabulary,
        };
        let (q, hl) = builder.build(node)?;
        let dir = Path::new(".koda/index");
        // One pass counts the turns and documents and keeps the best hits.
        let limit = match limit {
            Some(n) => n,
            None => searcher.search(&q, &Count).map_err(|e| ix_err(dir, e))?,
        };
        if limit == 0 {
            let (total, docs) = searcher
                .search(&q, &self.distinct_docs())
                .map_err(|e| ix_err(dir, e))?;
            return Ok(SearchResults {
                total,
                documents: docs.len(),
                hits: Vec::new(),
            });
        }
        let (top, (total, docs)) = searcher
            .search(
                &q,
                &(
                    TopDocs::with_limit(limit).order_by_score(),
                    self.distinct_docs(),
                ),
            )
            .map_err(|e| ix_err(dir, e))?;
        let documents = docs.len();
        let mut hits: Vec<(u64, Hit)> = Vec::with_capacity(top.len());
        let mut marker = Highlighter::new(&hl, &self.langs, &self.forms);
        for (score, addr) in top {
            let turn: StoredTurn = searcher.doc(addr).map_err(|e| ix_err(dir, e))?;
            hits.push(hit_of(turn, score, &mut marker));
        }
        hits.sort_by(|(sa, a), (sb, b)| {
            b.score
                .total_cmp(&a.score)
                .then(sa.cmp(sb))
                .then(a.turn.cmp(&b.turn))
        });
        let hits = hits.into_iter().map(|(_, h)| h).collect();
        Ok(SearchResults {
            total,
            documents,
            hits,
        })
    }
}
