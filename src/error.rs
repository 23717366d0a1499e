//! The error type of koda's core library.
//!
//! Every failure a user can fix carries a message that names the file, document, code or
//! coding involved and says what to do. The CLI prints these messages and exits with 1;
//! nothing in here knows about terminals or exit codes.

use std::io;
use std::path::PathBuf;

/// Advice for the errors that mean the disk (or a quota or size limit) is full.
fn space_hint(e: &io::Error) -> &'static str {
    // ENOSPC, EFBIG, EDQUOT on Linux.
    match e.raw_os_error() {
        Some(28 | 27 | 122) => {
            " (the disk is full or a size limit was reached: free some space and try again; the change was not made)"
        }
        _ => "",
    }
}

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An operating-system error while reading or writing a file of the project.
    #[error("{}: {source}{}", path.display(), space_hint(source))]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The folder (and none of its parents) holds no `koda.json`.
    #[error(
        "{} is not a koda project (no koda.json in it or any parent folder); create one with `koda init`, or name one with --project",
        .0.display()
    )]
    NotAProject(PathBuf),
    /// A project file exists but cannot be understood.
    #[error("{}: {msg}", path.display())]
    Corrupt {
        /// The damaged file.
        path: PathBuf,
        /// What is wrong with it, and where.
        msg: String,
    },
    /// Another process holds the project's single-writer lock.
    #[error(
        "the project is being changed by another koda process ({holder}); close it and try again (reading is never blocked)"
    )]
    Locked {
        /// Who holds the lock, as written in `.koda/lock`.
        holder: String,
    },
    /// A file given to `koda import` cannot be imported.
    #[error("{}: {msg}", path.display())]
    Import {
        /// The file that failed.
        path: PathBuf,
        /// What is wrong, with a line and column where there is one.
        msg: String,
    },
    /// A search query that cannot be understood; the message points at the place.
    #[error("{0}")]
    Query(String),
    /// The search index failed in a way a rebuild did not cure.
    #[error("search index in {}: {msg}", path.display())]
    Index {
        /// The index folder.
        path: PathBuf,
        /// What went wrong.
        msg: String,
    },
    /// The file or object is already in the project (same content imported before); nothing
    /// was changed.
    #[error("{}: {msg}; nothing was imported", path.display())]
    Duplicate {
        /// The file given.
        path: PathBuf,
        /// Which document already holds it.
        msg: String,
    },
    /// A document, code, coding, case or name that the request names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A name or match that fits more than one thing; the message lists them.
    #[error("{0}")]
    Ambiguous(String),
    /// A request that cannot be carried out as asked (invalid input); the message says where.
    #[error("{0}")]
    Invalid(String),
}

/// The result type of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Builds an [`Error::Invalid`] from anything printable.
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }
}
