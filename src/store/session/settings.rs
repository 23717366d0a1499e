//! The project's settings that a researcher changes from koda: how reports are written.

use super::*;
use crate::model::ReportSettings;

impl Session {
    /// Replaces the report settings in `koda.json` (one undoable step).
    pub fn set_report_settings(&mut self, settings: ReportSettings) -> Result<()> {
        self.atomically(|s| s.set_report_settings_now(settings))
    }

    fn set_report_settings_now(&mut self, settings: ReportSettings) -> Result<()> {
        let mut config = self.project.config.clone();
        let old = std::mem::replace(&mut config.report, settings);
        if old == config.report {
            return Ok(());
        }
        fsio::write_json(&self.project.root.join(CONFIG_FILE), &config)?;
        self.project.config = config;
        self.record(
            "change the report settings",
            Op::ReportSettings { settings: old },
        );
        Ok(())
    }
}
