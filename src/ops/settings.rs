//! The report settings: the language of exports' words and how quotes are attributed.

use crate::Result;
use crate::export::labels::Lang;
use crate::export::quote::check_template;
use crate::model::ReportSettings;
use crate::store::Session;

/// A change to the report settings; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// The language: `Some(None)` goes back to the project's first language.
    pub lang: Option<Option<String>>,
    /// The attribution template: `Some(None)` goes back to the default form.
    pub attribution: Option<Option<String>>,
}

/// Checks and makes a change (one step `koda undo` takes back); returns the settings now.
pub fn change(session: &mut Session, change: &Change) -> Result<ReportSettings> {
    let p = session.project();
    let mut settings = p.config.report.clone();
    if let Some(lang) = &change.lang {
        settings.lang = match lang {
            Some(l) => Some(Lang::parse(l)?.tag().to_string()),
            None => None,
        };
    }
    if let Some(template) = &change.attribution {
        if let Some(t) = template {
            check_template(t, &crate::analysis::attribute_names(p))?;
        }
        settings.attribution = template.clone();
    }
    session.set_report_settings(settings)?;
    Ok(session.project().config.report.clone())
}
