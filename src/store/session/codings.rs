//! Coding and memos: adding and removing codings (one by one or as an autocoding run) and
//! writing memos.

use super::*;

/// The longest memo, in bytes of UTF-8: a few hundred pages of notes.
pub const MAX_MEMO_BYTES: usize = 1_000_000;

impl Session {
    /// Codes spans of a document; all spans are journalled in one durable write.
    pub fn add_codings(
        &mut self,
        doc_id: &str,
        code_id: &str,
        spans: &[(usize, usize)],
        memo: Option<&str>,
    ) -> Result<Vec<Coding>> {
        let doc = self.project.find_doc(doc_id)?.id.clone();
        let spans: Vec<(String, usize, usize)> =
            spans.iter().map(|&(a, b)| (doc.clone(), a, b)).collect();
        self.add_codings_in(code_id, &spans, memo, None)
    }

    /// Codes spans in any documents with one code, in one durable write; `batch` marks them as
    /// one autocoding run that [`Session::remove_batch`] can undo.
    pub fn add_codings_in(
        &mut self,
        code_id: &str,
        spans: &[(String, usize, usize)],
        memo: Option<&str>,
        batch: Option<&str>,
    ) -> Result<Vec<Coding>> {
        self.atomically(|s| s.add_codings_in_now(code_id, spans, memo, batch))
    }

    /// The change itself, inside the transaction its public form opens.
    fn add_codings_in_now(
        &mut self,
        code_id: &str,
        spans: &[(String, usize, usize)],
        memo: Option<&str>,
        batch: Option<&str>,
    ) -> Result<Vec<Coding>> {
        if self.project.codebook.get(code_id).is_none() {
            return Err(Error::invalid(format!("no code with id {code_id}")));
        }
        self.project.codebook.check_codable(code_id)?;
        let at = now();
        let mut out: Vec<Coding> = Vec::new();
        let mut new_ids: std::collections::HashSet<String> = std::collections::HashSet::new();
        for (doc_id, a, b) in spans {
            let (a, b) = (*a, *b);
            let doc = self
                .project
                .docs
                .get(doc_id)
                .ok_or_else(|| Error::invalid(format!("no document {doc_id:?}")))?;
            if b > doc.chars || a >= b {
                return Err(Error::invalid(format!(
                    "span {a}..{b} is not inside {:?} ({} characters)",
                    doc.id, doc.chars
                )));
            }
            let text = self.project.text(doc_id)?;
            let ix = self.project.char_index(doc_id)?;
            let (start, end) = ix.snap(&text, a, b);
            let id = self.fresh_coding_id(&mut new_ids);
            out.push(Coding {
                id,
                doc: doc_id.clone(),
                start,
                end,
                hash: quote_hash(ix.slice(&text, start, end)),
                code: code_id.to_string(),
                coder: self.coder.clone(),
                at: at.clone(),
                memo: memo.filter(|m| !m.trim().is_empty()).map(str::to_string),
                batch: batch.map(str::to_string),
                rev: doc.revision,
                stale: false,
                refi: None,
            });
        }
        let events: Vec<Event> = out.iter().cloned().map(Event::CodingAdd).collect();
        if !events.is_empty() {
            self.append(&events)?;
        }
        for c in &out {
            self.project.codings.insert(c.id.clone(), c.clone());
        }
        if !out.is_empty() {
            let label = format!("code {}", self.project.codebook.path(code_id));
            let ids = out.iter().map(|c| c.id.clone()).collect();
            self.record(&label, Op::RemoveCodings { ids });
        }
        Ok(out)
    }

    /// Removes every live coding made by an autocoding run, in one durable write.
    pub fn remove_batch(&mut self, batch: &str) -> Result<Vec<Coding>> {
        self.atomically(|s| s.remove_batch_now(batch))
    }

    /// The change itself, inside the transaction its public form opens.
    fn remove_batch_now(&mut self, batch: &str) -> Result<Vec<Coding>> {
        let ids: Vec<String> = self
            .project
            .codings
            .values()
            .filter(|c| c.batch.as_deref() == Some(batch))
            .map(|c| c.id.clone())
            .collect();
        if ids.is_empty() {
            return Err(Error::invalid(format!(
                "no codings of autocoding run {batch:?} are left"
            )));
        }
        self.remove_codings(&ids)
    }

    /// Removes codings by id (made by any coder).
    pub fn remove_codings(&mut self, ids: &[String]) -> Result<Vec<Coding>> {
        self.atomically(|s| s.remove_codings_now(ids))
    }

    /// The change itself, inside the transaction its public form opens.
    fn remove_codings_now(&mut self, ids: &[String]) -> Result<Vec<Coding>> {
        let mut gone = Vec::new();
        for id in ids {
            let c = self.project.codings.get(id).ok_or_else(|| {
                Error::NotFound(format!(
                    "no coding {id:?} in the project; see the ids in `koda excerpts`"
                ))
            })?;
            gone.push(c.clone());
        }
        let at = now();
        let events: Vec<Event> = gone
            .iter()
            .map(|c| Event::CodingRemove {
                id: c.id.clone(),
                coder: self.coder.clone(),
                at: at.clone(),
            })
            .collect();
        self.append(&events)?;
        for c in &gone {
            self.project.codings.remove(&c.id);
        }
        let label = match gone.as_slice() {
            [one] => format!("uncode {}", self.project.codebook.path(&one.code)),
            many => format!("remove {} codings", many.len()),
        };
        self.record(
            &label,
            Op::RestoreCodings {
                codings: gone.clone(),
            },
        );
        Ok(gone)
    }

    /// Writes a memo (a new one for `id = None`, else an edit that keeps the id).
    pub fn set_memo(&mut self, id: Option<&str>, target: MemoTarget, text: &str) -> Result<Memo> {
        self.atomically(|s| s.set_memo_now(id, target, text))
    }

    /// The change itself, inside the transaction its public form opens.
    fn set_memo_now(&mut self, id: Option<&str>, target: MemoTarget, text: &str) -> Result<Memo> {
        if text.trim().is_empty() {
            return Err(Error::invalid("a memo needs some text"));
        }
        if text.len() > MAX_MEMO_BYTES {
            return Err(Error::invalid(format!(
                "the memo is {} KB; a memo holds at most {} KB (every command reads every memo): keep long notes in a file beside the project and say in the memo where",
                text.len() / 1000,
                MAX_MEMO_BYTES / 1000
            )));
        }
        match &target {
            MemoTarget::Document(d) if !self.project.docs.contains_key(d) => {
                return Err(Error::invalid(format!("no document {d:?}")));
            }
            MemoTarget::Code(c) if self.project.codebook.get(c).is_none() => {
                return Err(Error::invalid(format!("no code {c:?}")));
            }
            MemoTarget::Coding(c) if !self.project.codings.contains_key(c) => {
                return Err(Error::invalid(format!("no coding {c:?}")));
            }
            _ => {}
        }
        let id = match id {
            Some(i) => {
                if !self.project.memos.contains_key(i) {
                    return Err(Error::invalid(format!("no memo {i:?}; see `koda memos`")));
                }
                i.to_string()
            }
            None => ids::new_id("m"),
        };
        let previous = self.project.memos.get(&id).cloned();
        let memo = Memo {
            id: id.clone(),
            target,
            text: text.to_string(),
            coder: self.coder.clone(),
            at: now(),
            guid: previous.as_ref().and_then(|p| p.guid.clone()),
        };
        self.append(&[Event::MemoSet {
            id,
            target: memo.target.clone(),
            text: memo.text.clone(),
            coder: memo.coder.clone(),
            at: memo.at.clone(),
            guid: memo.guid.clone(),
        }])?;
        self.project.memos.insert(memo.id.clone(), memo.clone());
        let op = match previous {
            Some(p) => Op::SetMemo {
                id: p.id,
                target: p.target,
                text: p.text,
            },
            None => Op::RemoveMemo {
                id: memo.id.clone(),
            },
        };
        self.record("write a memo", op);
        Ok(memo)
    }

    /// Removes a memo.
    pub fn remove_memo(&mut self, id: &str) -> Result<Memo> {
        self.atomically(|s| s.remove_memo_now(id))
    }

    /// The change itself, inside the transaction its public form opens.
    fn remove_memo_now(&mut self, id: &str) -> Result<Memo> {
        let memo = self
            .project
            .memos
            .get(id)
            .cloned()
            .ok_or_else(|| Error::invalid(format!("no memo {id:?}; see `koda memos`")))?;
        self.append(&[Event::MemoRemove {
            id: id.to_string(),
            coder: self.coder.clone(),
            at: now(),
        }])?;
        self.project.memos.remove(id);
        self.record(
            "remove a memo",
            Op::SetMemo {
                id: memo.id.clone(),
                target: memo.target.clone(),
                text: memo.text.clone(),
            },
        );
        Ok(memo)
    }
}
