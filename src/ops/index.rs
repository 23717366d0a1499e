//! The search index as the use cases see it: opened up to date, with what the researcher should
//! be told about it, and refreshed after every change.

use crate::Result;
use crate::index::{Rebuild, SearchIndex};
use crate::store::Project;

/// Something about the index that the researcher should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Another koda is updating the index; it was searched as last saved.
    Busy,
    /// The index was rebuilt, for a reason other than there being none yet.
    Rebuilt(Rebuild),
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::Busy => f.write_str(
                "another koda is updating the search index; searching it as last saved, so the latest changes may be missing",
            ),
            Notice::Rebuilt(why) => write!(f, "the search index was rebuilt because {why}"),
        }
    }
}

/// Opens the project's index, brought up to date, with the notices to show.
pub fn open(project: &Project) -> Result<(SearchIndex, Vec<Notice>)> {
    let (idx, report) = SearchIndex::open(project)?;
    let mut notices = Vec::new();
    if report.busy {
        notices.push(Notice::Busy);
    }
    if report.rebuilt
        && let Some(why) = report.reason
        && why != Rebuild::NoIndexYet
    {
        notices.push(Notice::Rebuilt(why));
    }
    Ok((idx, notices))
}

/// Brings the index up to date after a change. A failure is returned as a warning, not an
/// error: the change itself is already safe, and the index is rebuilt when next needed.
pub fn after_change(project: &Project) -> Option<String> {
    crate::index::refresh(project)
        .err()
        .map(|e| format!("the search index could not be updated ({e}); `koda reindex` rebuilds it"))
}
