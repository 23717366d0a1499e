//! Bringing a project written with an older on-disk format up to the current one.
//!
//! Format history (`schema_version` in `koda.json`):
//! - **1**: the first format.
//! - **2**: a document's metadata may map speaker labels to cases (`speaker_cases`). A koda that
//!   knows only format 1 would silently ignore the mapping and attribute those turns to the
//!   document's case, so such a koda must refuse the project; nothing else changed on disk.
//!
//! A migration runs when a project is opened, under the writer lock, after copying every file
//! it rewrites into `.koda/backup/<time>-format-<old>/`. When the lock is busy or the folder
//! cannot be written, the project is read as it is (every older format is readable) and the
//! migration runs on a later open.

use super::fsio;
use super::lock::WriteLock;
use crate::model::{ProjectConfig, SCHEMA_VERSION};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Migrates the project at `root` from `config.schema_version` to [`SCHEMA_VERSION`], updating
/// `config`. Returns the backup folder, or `None` when nothing was done (already current, or
/// the project could not be locked for writing).
pub fn migrate(root: &Path, config: &mut ProjectConfig) -> Result<Option<PathBuf>> {
    if config.schema_version >= SCHEMA_VERSION {
        return Ok(None);
    }
    let private = root.join(super::PRIVATE_DIR);
    let Ok(_lock) = WriteLock::acquire(&private, "format upgrade") else {
        return Ok(None);
    };
    let from = config.schema_version;
    let stamp = crate::model::now().replace(':', "");
    let backup = private
        .join("backup")
        .join(format!("{stamp}-format-{from}"));
    fsio::ensure_dir(&backup)?;
    let config_path = root.join(super::CONFIG_FILE);
    std::fs::copy(&config_path, backup.join(super::CONFIG_FILE))
        .map_err(|e| Error::io(&config_path, e))?;
    // Steps from each version to the next; each rewrites what its format change needs (1 → 2
    // needs only the new version number) and backs up what it rewrites first.
    let mut upgraded = config.clone();
    upgraded.schema_version = SCHEMA_VERSION;
    fsio::write_json(&config_path, &upgraded)?;
    *config = upgraded;
    Ok(Some(backup))
}
