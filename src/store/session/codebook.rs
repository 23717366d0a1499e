//! Changing the codebook: add, rename, move, merge, delete, describe and colour codes.

use super::*;

impl Session {
    pub(super) fn save_codebook(&mut self, cb: Codebook) -> Result<()> {
        self.save_codebook_as(cb, "change the codebook")
    }

    pub(crate) fn save_codebook_as(&mut self, cb: Codebook, label: &str) -> Result<()> {
        fsio::write_json(&self.project.root.join(CODEBOOK_FILE), &cb)?;
        let old = std::mem::replace(&mut self.project.codebook, cb);
        self.record(label, Op::Codebook { codebook: old });
        Ok(())
    }

    /// Changes the codebook with `f` as one undoable step labelled `label`: categories, sets
    /// and relations are changed this way.
    pub fn edit_codebook<T>(
        &mut self,
        label: &str,
        f: impl FnOnce(&mut Codebook) -> Result<T>,
    ) -> Result<T> {
        self.atomically(|s| {
            let mut cb = s.project.codebook.clone();
            let v = f(&mut cb)?;
            if cb != s.project.codebook {
                s.save_codebook_as(cb, label)?;
            }
            Ok(v)
        })
    }

    /// Adds a code (and any missing parents). Returns the new code's id.
    pub fn add_code(
        &mut self,
        path: &str,
        description: &str,
        color: Option<String>,
    ) -> Result<String> {
        self.atomically(|s| s.add_code_now(path, description, color))
    }

    /// The change itself, inside the transaction its public form opens.
    fn add_code_now(
        &mut self,
        path: &str,
        description: &str,
        color: Option<String>,
    ) -> Result<String> {
        let mut cb = self.project.codebook.clone();
        let created = cb.add(path, description, color)?;
        let id = created.last().cloned().unwrap_or_default();
        self.save_codebook_as(cb, "add a code")?;
        Ok(id)
    }

    /// Renames a code.
    pub fn rename_code(&mut self, id: &str, new_name: &str) -> Result<()> {
        self.atomically(|s| s.rename_code_now(id, new_name))
    }

    /// The change itself, inside the transaction its public form opens.
    fn rename_code_now(&mut self, id: &str, new_name: &str) -> Result<()> {
        let mut cb = self.project.codebook.clone();
        cb.rename(id, new_name)?;
        self.save_codebook_as(cb, "rename a code")
    }

    /// Moves a code under another (or to the top for `None`).
    pub fn move_code(&mut self, id: &str, parent: Option<&str>) -> Result<()> {
        self.atomically(|s| s.move_code_now(id, parent))
    }

    /// The change itself, inside the transaction its public form opens.
    fn move_code_now(&mut self, id: &str, parent: Option<&str>) -> Result<()> {
        let mut cb = self.project.codebook.clone();
        cb.move_to(id, parent)?;
        self.save_codebook_as(cb, "move a code")
    }

    /// Merges `from` into `into`; returns how many codings moved.
    pub fn merge_codes(&mut self, from: &str, into: &str) -> Result<usize> {
        self.atomically(|s| s.merge_codes_now(from, into))
    }

    /// The change itself, inside the transaction its public form opens.
    fn merge_codes_now(&mut self, from: &str, into: &str) -> Result<usize> {
        let mut cb = self.project.codebook.clone();
        let moved_ids = cb.subtree(from);
        cb.merge(from, into, &now())?;
        self.save_codebook_as(cb, "merge codes")?;
        let mut n = 0;
        let cb = &self.project.codebook;
        for c in self.project.codings.values_mut() {
            if moved_ids.contains(&c.code) {
                if let Some(r) = cb.resolve(&c.code) {
                    c.code = r;
                }
                n += 1;
            }
        }
        Ok(n)
    }

    /// Codings that deleting `id` would remove (the code's and all its sub-codes').
    pub fn codings_under(&self, id: &str) -> usize {
        let sub = self.project.codebook.subtree(id);
        self.project
            .codings
            .values()
            .filter(|c| sub.contains(&c.code))
            .count()
    }

    /// Deletes a code with its sub-codes and their codings. Returns (codes, codings) removed.
    pub fn delete_code(&mut self, id: &str) -> Result<(usize, usize)> {
        self.atomically(|s| s.delete_code_now(id))
    }

    /// The change itself, inside the transaction its public form opens.
    fn delete_code_now(&mut self, id: &str) -> Result<(usize, usize)> {
        let mut cb = self.project.codebook.clone();
        let gone = cb.delete(id, &now());
        self.save_codebook_as(cb, "delete a code")?;
        let before = self.project.codings.len();
        self.project.codings.retain(|_, c| !gone.contains(&c.code));
        Ok((gone.len(), before - self.project.codings.len()))
    }

    /// Sets a code's description.
    pub fn describe_code(&mut self, id: &str, text: &str) -> Result<()> {
        self.atomically(|s| s.describe_code_now(id, text))
    }

    /// The change itself, inside the transaction its public form opens.
    fn describe_code_now(&mut self, id: &str, text: &str) -> Result<()> {
        let mut cb = self.project.codebook.clone();
        cb.describe(id, text)?;
        self.save_codebook_as(cb, "describe a code")
    }

    /// Sets a code's colour.
    pub fn color_code(&mut self, id: &str, color: Option<String>) -> Result<()> {
        self.atomically(|s| s.color_code_now(id, color))
    }

    /// The change itself, inside the transaction its public form opens.
    fn color_code_now(&mut self, id: &str, color: Option<String>) -> Result<()> {
        let mut cb = self.project.codebook.clone();
        cb.set_color(id, color)?;
        self.save_codebook_as(cb, "colour a code")
    }
}
