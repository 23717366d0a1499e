//! What every subcommand shares: the project folder, the coder, opening the project to read or write, and refreshing the index after a change.

use crate::Error;
use crate::store::{Project, Session};
use anyhow::{Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Options every subcommand shares.
pub(super) struct Ctx {
    pub(super) project: Option<PathBuf>,
    pub(super) coders: Vec<String>,
    pub(super) wait: bool,
}

impl Ctx {
    pub(super) fn root(&self, explicit: Option<&Path>) -> Result<PathBuf> {
        let start = explicit
            .map(Path::to_path_buf)
            .or_else(|| self.project.clone())
            .unwrap_or_else(|| PathBuf::from("."));
        if explicit.is_some() || self.project.is_some() {
            // A named folder must itself be the project, as with `git -C`.
            if start.join(crate::store::CONFIG_FILE).is_file() {
                return Ok(start);
            }
            return Err(Error::NotAProject(start).into());
        }
        Ok(Project::discover(&start)?)
    }

    /// Loads the project read-only and reports load warnings on `err`.
    pub(super) fn load(&self, explicit: Option<&Path>, err: &mut dyn Write) -> Result<Project> {
        let p = Project::open(&self.root(explicit)?)?;
        for w in &p.warnings {
            writeln!(err, "koda: warning: {w}")?;
        }
        Ok(p)
    }

    pub(super) fn coder_for(&self, root: &Path) -> Result<String> {
        if self.coders.len() > 1 {
            bail!(
                "give one --coder when changing the project (you gave {})",
                self.coders.len()
            );
        }
        if let Some(c) = self.coders.first() {
            return Ok(c.clone());
        }
        if let Ok(c) = std::env::var("KODA_CODER")
            && !c.trim().is_empty()
        {
            return Ok(c.trim().to_string());
        }
        let config: crate::model::ProjectConfig =
            crate::store::fsio::read_json(&root.join(crate::store::CONFIG_FILE))?;
        Ok(config.default_coder)
    }

    /// Brings the search index up to date after a change; a failure is only a warning, since
    /// the change itself is already safe and the index is rebuilt when next needed.
    pub(super) fn after_change(&self, project: &Project, err: &mut dyn Write) -> Result<()> {
        if let Some(w) = crate::ops::index::after_change(project) {
            writeln!(err, "koda: warning: {w}")?;
        }
        Ok(())
    }

    /// Opens a writing session (takes the lock) and reports load warnings on `err`, so a
    /// document left out for damage is said before anything is changed.
    pub(super) fn session(&self, err: &mut dyn Write) -> Result<Session> {
        let root = self.root(None)?;
        let coder = self.coder_for(&root)?;
        let s = Session::open_with(&root, &coder, self.wait)?;
        for w in &s.project().warnings {
            writeln!(err, "koda: warning: {w}")?;
        }
        Ok(s)
    }
}
