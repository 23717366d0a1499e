//! Reading a turn's stored fields for a hit.
//!
//! A hit needs every stored field of its turn. Reading them into tantivy's generic document
//! and copying each out again cost twice the allocations of the fields themselves, and for a
//! search with few matching words (a fuzzy search at 200 MB), fetching the turns was about a
//! sixth of its time; this reads each stored value once, straight into the string or number
//! a hit keeps.

use super::schema::{self, Fields};
use tantivy::schema::Field;
use tantivy::schema::document::{
    DeserializeError, DocumentDeserialize, DocumentDeserializer, ValueDeserialize,
    ValueDeserializer, ValueVisitor,
};

/// The stored fields of one turn. A field the turn lacks (no speaker, no case) stays empty.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct StoredTurn {
    pub doc: String,
    pub title: String,
    pub kind: String,
    pub speaker: Option<String>,
    pub case: Option<String>,
    /// The turn's text as written.
    pub text: String,
    pub turn: u64,
    pub doc_seq: u64,
    pub start: u64,
    pub end: u64,
    pub line: u64,
}

/// One stored value: koda stores only text and unsigned numbers.
enum Stored {
    Text(String),
    Number(u64),
}

struct StoredVisitor;

impl ValueVisitor for StoredVisitor {
    type Value = Stored;

    fn visit_string(&self, val: String) -> Result<Stored, DeserializeError> {
        Ok(Stored::Text(val))
    }

    fn visit_u64(&self, val: u64) -> Result<Stored, DeserializeError> {
        Ok(Stored::Number(val))
    }
}

impl ValueDeserialize for Stored {
    fn deserialize<'de, D>(deserializer: D) -> Result<Self, DeserializeError>
    where
        D: ValueDeserializer<'de>,
    {
        deserializer.deserialize_any(StoredVisitor)
    }
}

/// The index's fields, built once (they never change for an index of this version).
fn fields() -> &'static Fields {
    static FIELDS: std::sync::OnceLock<Fields> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| schema::build().1)
}

impl StoredTurn {
    fn put(&mut self, f: &Fields, field: Field, value: Stored) -> Result<(), DeserializeError> {
        match value {
            Stored::Text(s) => {
                let slot = if field == f.text_fold {
                    &mut self.text
                } else if field == f.doc {
                    &mut self.doc
                } else if field == f.title {
                    &mut self.title
                } else if field == f.kind {
                    &mut self.kind
                } else if field == f.speaker {
                    self.speaker.get_or_insert_default()
                } else if field == f.case {
                    self.case.get_or_insert_default()
                } else {
                    return Err(unexpected(field, "text"));
                };
                *slot = s;
            }
            Stored::Number(n) => {
                let slot = if field == f.turn {
                    &mut self.turn
                } else if field == f.doc_seq {
                    &mut self.doc_seq
                } else if field == f.start {
                    &mut self.start
                } else if field == f.end {
                    &mut self.end
                } else if field == f.line {
                    &mut self.line
                } else {
                    return Err(unexpected(field, "a number"));
                };
                *slot = n;
            }
        }
        Ok(())
    }
}

fn unexpected(field: Field, what: &str) -> DeserializeError {
    DeserializeError::custom(format!(
        "stored field {} holds {what}, which this index version never stores there",
        field.field_id()
    ))
}

impl DocumentDeserialize for StoredTurn {
    fn deserialize<'de, D>(mut deserializer: D) -> Result<Self, DeserializeError>
    where
        D: DocumentDeserializer<'de>,
    {
        let f = fields();
        let mut turn = StoredTurn::default();
        while let Some((field, value)) = deserializer.next_field::<Stored>()? {
            turn.put(f, field, value)?;
        }
        Ok(turn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::{Index, IndexWriter, TantivyDocument};

    #[test]
    fn a_turn_reads_back_as_stored_with_absent_fields_empty() {
        let (schema, f) = schema::build();
        let index = Index::create_in_ram(schema);
        schema::register(&index);
        let mut w: IndexWriter<TantivyDocument> =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        let mut full = TantivyDocument::default();
        full.add_text(f.doc, "d7");
        full.add_text(f.title, "Intervju 4, forelder");
        full.add_text(f.kind, "interview");
        full.add_text(f.speaker, "Forelder 2");
        full.add_text(f.case, "Familie B");
        full.add_text(f.text_fold, "Vi fikk hjelp med søknaden.\nDet betydde mye.");
        full.add_text(f.text_no, "ignored: not stored");
        full.add_u64(f.turn, 3);
        full.add_u64(f.doc_seq, 12);
        full.add_u64(f.start, 140);
        full.add_u64(f.end, 183);
        full.add_u64(f.line, 9);
        w.add_document(full).unwrap();
        let mut bare = TantivyDocument::default();
        bare.add_text(f.doc, "d8");
        bare.add_text(f.text_fold, "Notat.");
        w.add_document(bare).unwrap();
        w.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let read = |doc| -> StoredTurn { searcher.doc(tantivy::DocAddress::new(0, doc)).unwrap() };
        assert_eq!(
            read(0),
            StoredTurn {
                doc: "d7".into(),
                title: "Intervju 4, forelder".into(),
                kind: "interview".into(),
                speaker: Some("Forelder 2".into()),
                case: Some("Familie B".into()),
                text: "Vi fikk hjelp med søknaden.\nDet betydde mye.".into(),
                turn: 3,
                doc_seq: 12,
                start: 140,
                end: 183,
                line: 9,
            }
        );
        assert_eq!(
            read(1),
            StoredTurn {
                doc: "d8".into(),
                text: "Notat.".into(),
                ..StoredTurn::default()
            }
        );
    }
}
