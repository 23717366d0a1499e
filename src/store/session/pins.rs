//! Pinning excerpts for the report: which quotes go in, in which order, and in which form.
//! Pins are journal events like codings, so they merge, survive a crash and undo the same way.

use super::*;
use crate::model::Pin;
use crate::model::coding::check_form;

impl Session {
    /// Pins codings for the report after those pinned already, in the order given; a coding
    /// pinned already moves to its new place and keeps its report form.
    pub fn pin(&mut self, ids: &[String]) -> Result<Vec<Pin>> {
        self.atomically(|s| s.pin_now(ids))
    }

    fn pin_now(&mut self, ids: &[String]) -> Result<Vec<Pin>> {
        let mut next = self
            .project
            .pins
            .values()
            .map(|p| p.order)
            .max()
            .unwrap_or(0);
        let mut set = Vec::new();
        for id in ids {
            self.live_coding(id)?;
            if set.iter().any(|p: &Pin| p.coding == *id) {
                continue;
            }
            next += 1;
            set.push(Pin {
                coding: id.clone(),
                order: next,
                form: self.pinned(id).and_then(|p| p.form.clone()),
                coder: self.coder.clone(),
            });
        }
        let label = match set.len() {
            1 => "pin an excerpt".to_string(),
            n => format!("pin {n} excerpts"),
        };
        self.change_pins(&label, set.clone(), Vec::new())?;
        Ok(set)
    }

    /// Unpins codings; their report forms go with the pins (`koda undo` brings both back).
    pub fn unpin(&mut self, ids: &[String]) -> Result<Vec<Pin>> {
        self.atomically(|s| s.unpin_now(ids))
    }

    fn unpin_now(&mut self, ids: &[String]) -> Result<Vec<Pin>> {
        let mut gone = Vec::new();
        for id in ids {
            self.live_coding(id)?;
            let pin = self.pinned(id).cloned().ok_or_else(|| {
                Error::invalid(format!(
                    "excerpt {id} is not pinned; `koda excerpts --pinned` lists the pinned ones"
                ))
            })?;
            if !gone.contains(&pin) {
                gone.push(pin);
            }
        }
        let label = match gone.len() {
            1 => "unpin an excerpt".to_string(),
            n => format!("unpin {n} excerpts"),
        };
        let remove = gone.iter().map(|p| p.coding.clone()).collect();
        self.change_pins(&label, Vec::new(), remove)?;
        Ok(gone)
    }

    /// Gives a coding a report form (checked against its words; see [`check_form`]), pinning
    /// it if it is not pinned; `None` takes the form away and leaves the pin.
    pub fn set_report_form(&mut self, id: &str, form: Option<&str>) -> Result<Pin> {
        self.atomically(|s| s.set_report_form_now(id, form))
    }

    fn set_report_form_now(&mut self, id: &str, form: Option<&str>) -> Result<Pin> {
        let coding = self.live_coding(id)?.clone();
        let form = match form {
            Some(f) => {
                let text = self.project.text(&coding.doc)?;
                let ix = self.project.char_index(&coding.doc)?;
                let quote = ix.slice(&text, coding.start, coding.end);
                Some(
                    check_form(quote, f)
                        .map_err(|e| Error::invalid(format!("report form of excerpt {id}: {e}")))?,
                )
            }
            None => None,
        };
        let pin = match self.pinned(id) {
            Some(p) => Pin {
                form,
                coder: self.coder.clone(),
                ..p.clone()
            },
            None => Pin {
                coding: id.to_string(),
                order: self
                    .project
                    .pins
                    .values()
                    .map(|p| p.order)
                    .max()
                    .unwrap_or(0)
                    + 1,
                form,
                coder: self.coder.clone(),
            },
        };
        self.change_pins("report form", vec![pin.clone()], Vec::new())?;
        Ok(pin)
    }

    /// The live pin of a coding.
    fn pinned(&self, id: &str) -> Option<&Pin> {
        self.project
            .pins
            .get(id)
            .filter(|_| self.project.codings.contains_key(id))
    }

    fn live_coding(&self, id: &str) -> Result<&Coding> {
        self.project.codings.get(id).ok_or_else(|| {
            Error::NotFound(format!(
                "no excerpt {id:?} in the project; the ids are in `koda excerpts`"
            ))
        })
    }

    /// Writes pins and removals in one durable write and records how to undo them.
    pub(super) fn change_pins(
        &mut self,
        label: &str,
        set: Vec<Pin>,
        remove: Vec<String>,
    ) -> Result<()> {
        if set.is_empty() && remove.is_empty() {
            return Ok(());
        }
        let at = now();
        let mut events: Vec<Event> = set
            .iter()
            .map(|pin| Event::PinSet {
                pin: pin.clone(),
                at: at.clone(),
            })
            .collect();
        events.extend(remove.iter().map(|coding| Event::PinRemove {
            coding: coding.clone(),
            coder: self.coder.clone(),
            at: at.clone(),
        }));
        self.append(&events)?;
        let mut undo_set = Vec::new();
        let mut undo_remove = Vec::new();
        for id in set.iter().map(|p| &p.coding).chain(&remove) {
            match self.pinned(id) {
                Some(p) => undo_set.push(p.clone()),
                None => undo_remove.push(id.clone()),
            }
        }
        for pin in set {
            self.project.pins.insert(pin.coding.clone(), pin);
        }
        for id in &remove {
            self.project.pins.remove(id);
        }
        self.record(
            label,
            Op::Pins {
                set: undo_set,
                remove: undo_remove,
            },
        );
        Ok(())
    }

    /// The pins of codings that came back as `made` (new ids) from `old`, as events to write
    /// with them: an undone removal brings the pin back in its place.
    pub(super) fn pins_following(&self, old: &[Coding], made: &[Coding]) -> Vec<Event> {
        let at = now();
        old.iter()
            .zip(made)
            .filter_map(|(o, m)| {
                self.project.pins.get(&o.id).map(|p| Event::PinSet {
                    pin: Pin {
                        coding: m.id.clone(),
                        ..p.clone()
                    },
                    at: at.clone(),
                })
            })
            .collect()
    }
}
