//! Validation of an XML document against the REFI-QDA schemas, in Rust, so that the tests need
//! no external program. It reads the XSD itself (parsed with quick-xml) and checks what those
//! schemas use: the root element and namespace, named complex types whose content is a
//! sequence or a choice of local elements with `minOccurs`/`maxOccurs` (in order), attributes
//! (required ones present, no undeclared ones, values of their simple type: patterns,
//! enumerations, xsd:integer, boolean, dateTime, date, decimal), and elements of a simple type
//! with no children. Anything else in a schema is refused, so the check cannot silently
//! weaken; where xmllint is installed, the tests run it as well.

use quick_xml::Reader;
use quick_xml::events::Event;
use regex::Regex;
use std::collections::HashMap;

/// An element of a parsed XML document.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
    line: usize,
}

fn local(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    s.rsplit(':').next().unwrap_or_default().to_string()
}

fn parse(xml: &str) -> Result<Node, String> {
    let mut r = Reader::from_str(xml);
    let mut stack: Vec<Node> = vec![Node::default()];
    let line_at = |pos: u64| xml[..(pos as usize).min(xml.len())].matches('\n').count() + 1;
    loop {
        let pos = r.buffer_position();
        let ev = r
            .read_event()
            .map_err(|e| format!("line {}: {e}", line_at(pos)))?;
        let empty = matches!(ev, Event::Empty(_));
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let mut n = Node {
                    name: local(e.name().as_ref()),
                    line: line_at(pos),
                    ..Node::default()
                };
                for a in e.attributes() {
                    let a = a.map_err(|e| format!("line {}: {e}", n.line))?;
                    let v = a
                        .unescape_value()
                        .map_err(|e| format!("line {}: {e}", n.line))?;
                    n.attrs.push((
                        String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                        v.into_owned(),
                    ));
                }
                stack.push(n);
                if empty {
                    let n = stack.pop().unwrap();
                    stack.last_mut().unwrap().children.push(n);
                }
            }
            Event::End(_) => {
                let n = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(n);
            }
            Event::Text(t) => {
                let t = t.unescape().map_err(|e| e.to_string())?;
                stack.last_mut().unwrap().text.push_str(&t);
            }
            Event::CData(t) => {
                stack
                    .last_mut()
                    .unwrap()
                    .text
                    .push_str(&String::from_utf8_lossy(&t));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut doc = stack.pop().unwrap();
    assert!(stack.is_empty(), "unclosed elements");
    doc.children
        .pop()
        .filter(|_| doc.children.is_empty())
        .ok_or_else(|| "not one root element".to_string())
}

fn attr<'a>(n: &'a Node, name: &str) -> Option<&'a str> {
    n.attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[derive(Debug, Clone)]
enum Particle {
    Element {
        name: String,
        ty: String,
        min: usize,
        max: usize,
    },
    Sequence(Vec<Particle>, usize, usize),
    Choice(Vec<Particle>, usize, usize),
}

#[derive(Debug)]
struct Complex {
    content: Option<Particle>,
    attrs: Vec<(String, String, bool)>,
}

#[derive(Debug)]
enum Simple {
    Pattern(Regex),
    Enumeration(Vec<String>),
}

/// A schema, as far as the REFI-QDA schemas go.
pub struct Schema {
    namespace: String,
    roots: HashMap<String, String>,
    complex: HashMap<String, Complex>,
    simple: HashMap<String, Simple>,
}

fn occurs(n: &Node) -> (usize, usize) {
    let min = attr(n, "minOccurs").map_or(1, |v| v.parse().expect("minOccurs"));
    let max = match attr(n, "maxOccurs") {
        Some("unbounded") => usize::MAX,
        Some(v) => v.parse().expect("maxOccurs"),
        None => 1,
    };
    (min, max)
}

fn particle(n: &Node) -> Particle {
    let (min, max) = occurs(n);
    let parts = || {
        n.children
            .iter()
            .filter(|c| c.name != "annotation")
            .map(particle)
            .collect()
    };
    match n.name.as_str() {
        "element" => Particle::Element {
            name: attr(n, "name").expect("a local element has a name").into(),
            ty: attr(n, "type").expect("a local element has a type").into(),
            min,
            max,
        },
        "sequence" => Particle::Sequence(parts(), min, max),
        "choice" => Particle::Choice(parts(), min, max),
        other => panic!("the schema uses <xsd:{other}>, which this check does not know"),
    }
}

impl Schema {
    /// Reads a schema file.
    pub fn read(xsd: &str) -> Schema {
        let root = parse(xsd).expect("the schema parses");
        let mut s = Schema {
            namespace: attr(&root, "targetNamespace").unwrap_or_default().into(),
            roots: HashMap::new(),
            complex: HashMap::new(),
            simple: HashMap::new(),
        };
        for d in &root.children {
            let name = attr(d, "name").unwrap_or_default().to_string();
            match d.name.as_str() {
                "element" => {
                    s.roots
                        .insert(name, attr(d, "type").expect("type").to_string());
                }
                "complexType" => {
                    let mut c = Complex {
                        content: None,
                        attrs: Vec::new(),
                    };
                    for part in &d.children {
                        match part.name.as_str() {
                            "sequence" | "choice" => c.content = Some(particle(part)),
                            "attribute" => c.attrs.push((
                                attr(part, "name").expect("attribute name").into(),
                                attr(part, "type").unwrap_or("xsd:string").into(),
                                attr(part, "use") == Some("required"),
                            )),
                            "annotation" => {}
                            other => panic!("complexType with <xsd:{other}> is not known here"),
                        }
                    }
                    s.complex.insert(name, c);
                }
                "simpleType" => {
                    let r = d
                        .children
                        .iter()
                        .find(|c| c.name == "restriction")
                        .expect("a simple type is a restriction");
                    let pattern = r.children.iter().find(|c| c.name == "pattern");
                    let simple = match pattern {
                        Some(p) => Simple::Pattern(
                            Regex::new(&format!("^(?:{})$", attr(p, "value").expect("value")))
                                .expect("the pattern compiles"),
                        ),
                        None => Simple::Enumeration(
                            r.children
                                .iter()
                                .filter(|c| c.name == "enumeration")
                                .map(|c| attr(c, "value").expect("value").to_string())
                                .collect(),
                        ),
                    };
                    s.simple.insert(name, simple);
                }
                "annotation" => {}
                other => panic!("top-level <xsd:{other}> is not known here"),
            }
        }
        s
    }

    /// Validates a document; the errors name the line and the element.
    pub fn validate(&self, xml: &str) -> Vec<String> {
        let mut errors = Vec::new();
        let root = match parse(xml) {
            Ok(r) => r,
            Err(e) => return vec![e],
        };
        match self.roots.get(&root.name) {
            None => errors.push(format!("root element <{}> is not declared", root.name)),
            Some(ty) => {
                if attr(&root, "xmlns") != Some(self.namespace.as_str()) {
                    errors.push(format!(
                        "root element <{}> is not in the namespace {}",
                        root.name, self.namespace
                    ));
                }
                self.element(&root, ty, &mut errors);
            }
        }
        errors
    }

    fn value_ok(&self, ty: &str, v: &str) -> bool {
        let re = |p: &str| Regex::new(p).expect("regex").is_match(v);
        match ty {
            "xsd:string" | "xsd:token" => true,
            "xsd:integer" => re(r"^[+-]?\d+$"),
            "xsd:decimal" => re(r"^[+-]?(\d+(\.\d*)?|\.\d+)$"),
            "xsd:boolean" => matches!(v, "true" | "false" | "1" | "0"),
            "xsd:date" => re(r"^-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$"),
            "xsd:dateTime" => {
                re(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
            }
            other => match self.simple.get(other) {
                Some(Simple::Pattern(p)) => p.is_match(v.trim()),
                Some(Simple::Enumeration(list)) => list.iter().any(|x| x == v.trim()),
                None => panic!("unknown simple type {other}"),
            },
        }
    }

    fn element(&self, n: &Node, ty: &str, errors: &mut Vec<String>) {
        let at = format!("line {}: <{}>", n.line, n.name);
        let Some(c) = self.complex.get(ty) else {
            if !n.children.is_empty() {
                errors.push(format!("{at} may hold only text ({ty})"));
            }
            if !n.attrs.is_empty() {
                errors.push(format!("{at} may have no attributes ({ty})"));
            }
            if !self.value_ok(ty, &n.text) {
                errors.push(format!("{at}: {:?} is not a valid {ty}", n.text));
            }
            return;
        };
        for (k, v) in &n.attrs {
            if k == "xmlns" || k.starts_with("xmlns:") || k.starts_with("xsi:") {
                continue;
            }
            match c.attrs.iter().find(|(name, ..)| name == k) {
                None => errors.push(format!("{at}: attribute {k} is not declared")),
                Some((_, aty, _)) => {
                    if !self.value_ok(aty, v) {
                        errors.push(format!("{at}: {k}={v:?} is not a valid {aty}"));
                    }
                }
            }
        }
        for (name, _, required) in &c.attrs {
            if *required && attr(n, name).is_none() {
                errors.push(format!("{at}: required attribute {name} is missing"));
            }
        }
        if !n.text.trim().is_empty() {
            errors.push(format!("{at} may not hold text"));
        }
        let kids: Vec<&Node> = n.children.iter().collect();
        let mut placed: Vec<(&Node, String)> = Vec::new();
        let used = match &c.content {
            None => Some(0),
            Some(p) => self.take(p, &kids, &mut placed),
        };
        match used {
            Some(k) if k == kids.len() => {
                for (child, cty) in placed {
                    self.element(child, &cty, errors);
                }
            }
            Some(k) => errors.push(format!(
                "line {}: <{}> is not allowed here in <{}>",
                kids[k].line, kids[k].name, n.name
            )),
            None => errors.push(format!(
                "{at}: its content does not match the schema (a required element is missing)"
            )),
        }
    }

    /// Matches `p` against the children from the start, greedily (the REFI-QDA content models
    /// are deterministic); returns how many it took, or `None` when a required part is missing.
    fn take<'a>(
        &self,
        p: &Particle,
        kids: &[&'a Node],
        placed: &mut Vec<(&'a Node, String)>,
    ) -> Option<usize> {
        let (min, max) = match p {
            Particle::Element { min, max, .. }
            | Particle::Sequence(_, min, max)
            | Particle::Choice(_, min, max) => (*min, *max),
        };
        let mut used = 0;
        let mut times = 0;
        while times < max {
            let once = self.take_once(p, &kids[used..], placed);
            match once {
                Some(k) if k > 0 => {
                    used += k;
                    times += 1;
                }
                _ => break,
            }
        }
        (times >= min || self.take_once(p, &[], &mut Vec::new()).is_some()).then_some(used)
    }

    fn take_once<'a>(
        &self,
        p: &Particle,
        kids: &[&'a Node],
        placed: &mut Vec<(&'a Node, String)>,
    ) -> Option<usize> {
        match p {
            Particle::Element { name, ty, .. } => match kids.first() {
                Some(k) if k.name == *name => {
                    placed.push((k, ty.clone()));
                    Some(1)
                }
                _ => None,
            },
            Particle::Sequence(parts, ..) => {
                let mut used = 0;
                for part in parts {
                    used += self.take(part, &kids[used..], placed)?;
                }
                Some(used)
            }
            Particle::Choice(parts, ..) => {
                for part in parts {
                    let mark = placed.len();
                    match self.take(part, kids, placed) {
                        Some(k) if k > 0 => return Some(k),
                        _ => placed.truncate(mark),
                    }
                }
                parts
                    .iter()
                    .any(|part| self.take(part, &[], &mut Vec::new()).is_some())
                    .then_some(0)
            }
        }
    }
}

#[test]
fn the_checker_refuses_what_the_schema_refuses() {
    let xsd = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/refi-qda/Codebook-mrt2019.xsd"),
    )
    .unwrap();
    let s = Schema::read(&xsd);
    let good = r##"<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="koda"><Codes><Code guid="0c1f7a52-3f3e-4e8a-9d55-6f1c2b7a9e01" name="tillit" isCodable="true" color="#aabbcc"><Description>Trust</Description><Code guid="{0C1F7A52-3F3E-4E8A-9D55-6F1C2B7A9E02}" name="personlig" isCodable="false"/></Code></Codes></CodeBook>"##;
    assert_eq!(s.validate(good), Vec::<String>::new());
    let bad = [
        (
            good.replace(" isCodable=\"false\"", ""),
            "required attribute isCodable",
        ),
        (
            good.replace("0c1f7a52-3f3e", "0c1f7a52-3f3"),
            "not a valid GUIDType",
        ),
        (good.replace("#aabbcc", "blue"), "not a valid RGBType"),
        (
            good.replace("isCodable=\"true\"", "isCodable=\"yes\""),
            "not a valid xsd:boolean",
        ),
        (
            good.replace("</Code></Codes>", "</Code><Sets/></Codes>"),
            "<Sets> is not allowed here",
        ),
        (
            good.replace("<Codes>", "<Codes><Sets/>"),
            "a required element is missing",
        ),
        (
            good.replace(" origin=", " owner="),
            "attribute owner is not declared",
        ),
        (
            good.replace("<Description>Trust</Description>", "")
                .replace(
                    "</Code></Codes>",
                    "<Description>late</Description></Code></Codes>",
                ),
            "<Description> is not allowed here",
        ),
        (
            good.replace(
                r#"<Codes><Code guid"#,
                r#"<Codes></Codes><Codes><Code guid"#,
            ),
            "<Codes> is not allowed here in <CodeBook>",
        ),
        (
            r#"<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes></Codes></CodeBook>"#.to_string(),
            "<Codes>: its content does not match",
        ),
        (
            good.replace("urn:QDA-XML:codebook:1.0", "urn:other"),
            "namespace",
        ),
    ];
    for (doc, why) in bad {
        let errors = s.validate(&doc);
        assert!(
            errors.iter().any(|e| e.contains(why)),
            "expected {why:?} for {doc}\ngot {errors:?}"
        );
    }
}
