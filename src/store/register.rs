//! The seal of the name register: `koda.json` records how many names `names.json` held and
//! the SHA-256 of its bytes each time koda writes it, so that a register deleted, emptied or
//! changed outside koda stops every export instead of leaving it unprotected.
//!
//! A write is three steps, each atomic: the seal gains a `pending` fingerprint of the new
//! register, `names.json` is replaced, the seal is set to the new fingerprint. A crash between
//! any two leaves a file that matches either the seal or its pending fingerprint, so exports go
//! on. A project made before the seal existed has none until `koda names accept`.

use crate::model::names::Names;
use crate::model::text::sha256_hex;
use crate::model::{ProjectConfig, RegisterSeal};
use crate::store::{CONFIG_FILE, NAMES_FILE, fsio};
use crate::{Error, Result};
use std::path::Path;

/// Writes `names.json` and seals it, updating `config` as written to `koda.json`.
pub fn write(root: &Path, config: &mut ProjectConfig, names: &Names) -> Result<()> {
    let path = root.join(NAMES_FILE);
    let bytes = fsio::json_bytes(&path, names)?;
    let sha = sha256_hex(&bytes);
    let mut pending = config.clone();
    match &mut pending.register {
        Some(seal) => seal.pending = Some(sha.clone()),
        None => {
            pending.register = Some(RegisterSeal {
                names: names.names.len(),
                sha256: sha.clone(),
                pending: None,
            });
        }
    }
    fsio::write_json(&root.join(CONFIG_FILE), &pending)?;
    fsio::write_atomic(&path, &bytes)?;
    let mut sealed = pending;
    sealed.register = Some(RegisterSeal {
        names: names.names.len(),
        sha256: sha,
        pending: None,
    });
    fsio::write_json(&root.join(CONFIG_FILE), &sealed)?;
    *config = sealed;
    Ok(())
}

/// Seals `names.json` as it is now (after it was edited by hand and checked), returning how
/// many names it holds.
pub fn accept(root: &Path, config: &mut ProjectConfig) -> Result<usize> {
    let path = root.join(NAMES_FILE);
    let bytes = std::fs::read(&path).map_err(|e| {
        Error::invalid(format!(
            "cannot read {} ({e}): restore it from a backup, or, to start an empty register, create it holding {{\"names\": []}}",
            path.display()
        ))
    })?;
    let names: Names = fsio::read_json(&path)?;
    let mut sealed = config.clone();
    sealed.register = Some(RegisterSeal {
        names: names.names.len(),
        sha256: sha256_hex(&bytes),
        pending: None,
    });
    fsio::write_json(&root.join(CONFIG_FILE), &sealed)?;
    *config = sealed;
    Ok(names.names.len())
}

/// What is wrong with the register, if anything: missing, emptied, changed or damaged since
/// koda sealed it. `None` also when the project has no seal (nothing was ever registered, or
/// the project predates the seal; see [`unsealed`]).
pub fn problem(root: &Path, config: &ProjectConfig) -> Option<String> {
    let seal = config.register.as_ref()?;
    let path = root.join(NAMES_FILE);
    let fix =
        "restore it from a backup, or check it and run `koda names accept` to seal it as it is";
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(_) if seal.names == 0 => return None,
        Err(_) => {
            return Some(format!(
                "{} is missing, but the project's name register held {} names; exports are stopped so that none goes out unprotected: {fix}",
                path.display(),
                seal.names
            ));
        }
    };
    let sha = sha256_hex(&bytes);
    if sha == seal.sha256 || seal.pending.as_deref() == Some(sha.as_str()) {
        return None;
    }
    let what = match serde_json::from_slice::<Names>(&bytes) {
        Err(e) => format!("is damaged ({e})"),
        Ok(n) if n.names.is_empty() && seal.names > 0 => {
            format!("was emptied (it held {} names)", seal.names)
        }
        Ok(n) => format!(
            "was changed outside koda ({} names now, {} when koda last wrote it)",
            n.names.len(),
            seal.names
        ),
    };
    Some(format!(
        "{} {what}; exports are stopped so that none goes out unprotected: {fix}",
        path.display()
    ))
}

/// True when `names.json` holds names but the project has no seal of it.
pub fn unsealed(root: &Path, config: &ProjectConfig) -> bool {
    config.register.is_none()
        && fsio::read_json::<Names>(&root.join(NAMES_FILE)).is_ok_and(|n| !n.names.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::names::{Category, NameEntry};

    fn config() -> ProjectConfig {
        serde_json::from_value(serde_json::json!({
            "schema_version": 1, "name": "t", "languages": ["no"], "coders": ["a"],
            "default_coder": "a", "created_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap()
    }

    #[test]
    fn a_sealed_register_that_vanishes_or_changes_is_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config();
        assert_eq!(problem(dir.path(), &c), None);
        let names = Names {
            names: vec![NameEntry {
                name: "Kari".into(),
                replacement: "(navn)".into(),
                aliases: vec![],
                category: Category::Person,
                any_case: false,
            }],
            ..Names::default()
        };
        write(dir.path(), &mut c, &names).unwrap();
        assert_eq!(problem(dir.path(), &c), None);
        let on_disk: ProjectConfig = fsio::read_json(&dir.path().join(CONFIG_FILE)).unwrap();
        assert_eq!(on_disk.register, c.register);
        let file = dir.path().join(NAMES_FILE);
        std::fs::write(&file, "{\"names\": []}\n").unwrap();
        assert!(problem(dir.path(), &c).unwrap().contains("was emptied"));
        std::fs::write(&file, "{").unwrap();
        assert!(problem(dir.path(), &c).unwrap().contains("is damaged"));
        std::fs::remove_file(&file).unwrap();
        assert!(problem(dir.path(), &c).unwrap().contains("is missing"));
        std::fs::write(&file, "{\"names\": []}\n").unwrap();
        assert_eq!(accept(dir.path(), &mut c).unwrap(), 0);
        assert_eq!(problem(dir.path(), &c), None);
    }
}
