//! Writing XML (the REFI-QDA project and codebook, a DOCX's document properties) through
//! quick-xml, so every name and text is escaped by the writer.

use crate::{Error, Result};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// An XML document being written, indented by two spaces.
pub(crate) struct Xml {
    w: Writer<Vec<u8>>,
}

/// Attributes as name and value.
pub(crate) type Attrs<'a> = &'a [(&'a str, &'a str)];

impl Xml {
    pub(crate) fn new() -> Result<Xml> {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))
            .map_err(xml_err)?;
        Ok(Xml { w })
    }
    pub(crate) fn open(&mut self, name: &str, attrs: Attrs<'_>) -> Result<()> {
        let start = BytesStart::new(name).with_attributes(attrs.iter().copied());
        self.w.write_event(Event::Start(start)).map_err(xml_err)
    }
    pub(crate) fn close(&mut self, name: &str) -> Result<()> {
        self.w
            .write_event(Event::End(BytesEnd::new(name)))
            .map_err(xml_err)
    }
    pub(crate) fn empty(&mut self, name: &str, attrs: Attrs<'_>) -> Result<()> {
        let start = BytesStart::new(name).with_attributes(attrs.iter().copied());
        self.w.write_event(Event::Empty(start)).map_err(xml_err)
    }
    pub(crate) fn text(&mut self, name: &str, text: &str) -> Result<()> {
        self.open(name, &[])?;
        self.w
            .write_event(Event::Text(BytesText::new(text)))
            .map_err(xml_err)?;
        self.close(name)
    }
    /// Text inside the element opened last.
    pub(crate) fn raw_text(&mut self, text: &str) -> Result<()> {
        self.w
            .write_event(Event::Text(BytesText::new(text)))
            .map_err(xml_err)
    }
    pub(crate) fn finish(self) -> Vec<u8> {
        let mut v = self.w.into_inner();
        v.push(b'\n');
        v
    }
}

pub(crate) fn xml_err(e: impl std::fmt::Display) -> Error {
    Error::invalid(format!("cannot write XML: {e}"))
}
