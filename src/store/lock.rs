//! The single-writer lock: one process changes a project at a time; readers never wait.
//!
//! The lock is an OS advisory lock on `.koda/lock`, released by the OS when the holder exits
//! or crashes, so a stale lock cannot outlive its process. The file's content names the holder
//! so that a refused writer can say who is writing.

use crate::{Error, Result};
use std::fs::{File, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// A held write lock; dropping it releases the lock.
#[derive(Debug)]
pub struct WriteLock {
    file: File,
}

impl WriteLock {
    /// Takes the lock of the project whose private folder is `private_dir`, or fails with
    /// [`Error::Locked`] naming the process that holds it.
    pub fn acquire(private_dir: &Path, coder: &str) -> Result<WriteLock> {
        Self::take(private_dir, coder, false)
    }

    /// Like [`WriteLock::acquire`], but waits for the holder to finish instead of failing.
    pub fn acquire_waiting(private_dir: &Path, coder: &str) -> Result<WriteLock> {
        Self::take(private_dir, coder, true)
    }

    fn take(private_dir: &Path, coder: &str, wait: bool) -> Result<WriteLock> {
        super::fsio::ensure_dir(private_dir)?;
        let path = private_dir.join("lock");
        let mut file = super::fsio::private_options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) if wait => {
                file.lock().map_err(|e| Error::io(&path, e))?;
            }
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(Error::Locked {
                    holder: if holder.is_empty() {
                        "holder unknown".into()
                    } else {
                        holder.to_string()
                    },
                });
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        let info = format!(
            "pid {}, coder {coder}, since {}",
            std::process::id(),
            crate::model::now()
        );
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = file.write_all(info.as_bytes());
        let _ = file.flush();
        Ok(WriteLock { file })
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_writer_is_refused_with_holder_named() {
        let dir = tempfile::tempdir().unwrap();
        let first = WriteLock::acquire(dir.path(), "anna").unwrap();
        let err = WriteLock::acquire(dir.path(), "bo")
            .unwrap_err()
            .to_string();
        assert!(err.contains("coder anna"), "{err}");
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        drop(first);
        assert!(WriteLock::acquire(dir.path(), "bo").is_ok());
    }

    #[test]
    fn a_waiting_writer_gets_the_lock_when_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = WriteLock::acquire(dir.path(), "anna").unwrap();
        let path = dir.path().to_path_buf();
        let waiter =
            std::thread::spawn(move || WriteLock::acquire_waiting(&path, "bo").map(|_| ()));
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(!waiter.is_finished(), "the second writer waits");
        drop(first);
        assert!(waiter.join().unwrap().is_ok());
    }
}
