//! The words of the exports a reader sees (headings, counts, attributions, captions) in the
//! study's language: Norwegian bokmål, nynorsk or English. Column names of tables and the keys
//! of JSON stay the same in every language, so scripts keep working.

use crate::model::DocKind;
use crate::{Error, Result};

/// A language the exports are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Norwegian bokmål (`no`, `nb`).
    #[default]
    Bokmal,
    /// Norwegian nynorsk (`nn`).
    Nynorsk,
    /// English (`en`).
    English,
}

impl Lang {
    /// Every language, for help texts and tests.
    pub const ALL: [Lang; 3] = [Lang::Bokmal, Lang::Nynorsk, Lang::English];

    /// Reads `no`, `nb`, `nn` or `en`.
    pub fn parse(s: &str) -> Result<Lang> {
        match s.trim().to_lowercase().as_str() {
            "no" | "nb" | "nob" | "bokmål" | "bokmal" => Ok(Lang::Bokmal),
            "nn" | "nno" | "nynorsk" => Ok(Lang::Nynorsk),
            "en" | "eng" | "english" => Ok(Lang::English),
            other => Err(Error::invalid(format!(
                "no report language {other:?}: use nb (bokmål; also no), nn (nynorsk) or en"
            ))),
        }
    }

    /// The project's report language: its setting, else its first language, else bokmål.
    pub fn of_project(config: &crate::model::ProjectConfig) -> Lang {
        config
            .report
            .lang
            .as_deref()
            .or(config.languages.first().map(String::as_str))
            .and_then(|l| Lang::parse(l).ok())
            .unwrap_or_default()
    }

    /// The BCP 47 tag, for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Bokmal => "nb",
            Lang::Nynorsk => "nn",
            Lang::English => "en",
        }
    }

    /// The words in this language.
    pub fn labels(self) -> &'static Labels {
        match self {
            Lang::Bokmal => &NB,
            Lang::Nynorsk => &NN,
            Lang::English => &EN,
        }
    }
}

/// A noun in the singular and the plural.
#[derive(Debug)]
pub struct Noun(pub &'static str, pub &'static str);

impl Noun {
    /// `n` and the noun in the number that fits.
    pub fn count(&self, n: usize) -> String {
        format!("{n} {}", if n == 1 { self.0 } else { self.1 })
    }
}

/// The words of the exports in one language.
#[derive(Debug)]
pub struct Labels {
    /// Title of the theme summary.
    pub theme_summary: &'static str,
    /// Title of the report.
    pub report: &'static str,
    /// The report's table of contents.
    pub contents: &'static str,
    /// An excerpt.
    pub excerpt: Noun,
    /// A document.
    pub document: Noun,
    /// A case.
    pub case: Noun,
    /// A code.
    pub code: Noun,
    /// A coding.
    pub coding: Noun,
    /// "in" (excerpts in documents).
    pub in_: &'static str,
    /// "from" (from cases).
    pub from: &'static str,
    /// "by" (codings by coders).
    pub by: &'static str,
    /// A memo's lead.
    pub memo: &'static str,
    /// How many quotes were left out: "3 more excerpts not shown."
    pub more: fn(usize) -> String,
    /// A speaker turn, in an attribution.
    pub turn: &'static str,
    /// A paragraph of field notes, in an attribution.
    pub paragraph: &'static str,
    /// A wave of data collection, in an attribution.
    pub wave: &'static str,
    /// The value of an attribute a case does not have.
    pub none: &'static str,
    /// The report's frequency section and its caption.
    pub frequencies: &'static str,
    /// Caption of the frequency bars.
    pub frequencies_caption: &'static str,
    /// The report's co-occurrence section.
    pub cooccurrence: &'static str,
    /// Caption of the heatmap.
    pub cooccurrence_caption: &'static str,
    /// "shared turns" in a heatmap cell's title.
    pub shared_turns: &'static str,
    /// "Codes by" an attribute (the report's matrix).
    pub codes_by: &'static str,
    /// The matrix in the table of contents.
    pub codes_by_attribute: &'static str,
    /// Caption of the matrix: before the attribute.
    pub matrix_caption: &'static str,
    /// The project, as what a memo is about.
    pub project: &'static str,
    /// After a count of codings of a code and its sub-codes.
    pub with_subcodes: &'static str,
    /// Caption of a theme's breakdown table, before the attribute.
    pub breakdown_caption: &'static str,
    /// Title of the excerpt table.
    pub excerpts_title: &'static str,
    /// Title of the case matrix.
    pub matrix_title: &'static str,
    /// Title of the memos.
    pub memos_title: &'static str,
    /// Title of the codebook.
    pub codebook_title: &'static str,
    /// The warning at the top of an export made with `--no-pseudonymise`.
    pub not_pseudonymised: &'static str,
    /// The document types, as an attribution names them.
    pub kinds: [&'static str; 4],
}

impl Labels {
    /// "47 excerpts in 8 documents from 39 cases".
    pub fn counts(&self, excerpts: usize, documents: usize, cases: usize) -> String {
        format!(
            "{} {} {} {} {}",
            self.excerpt.count(excerpts),
            self.in_,
            self.document.count(documents),
            self.from,
            self.case.count(cases)
        )
    }

    /// Where a quote stands in its document: its turn, or for field notes its paragraph.
    pub fn place(&self, kind: DocKind, number: usize) -> String {
        let word = if kind == DocKind::FieldNote {
            self.paragraph
        } else {
            self.turn
        };
        format!("{word} {number}")
    }

    /// The document type in words.
    pub fn kind(&self, kind: DocKind) -> &'static str {
        match kind {
            DocKind::Interview => self.kinds[0],
            DocKind::FocusGroup => self.kinds[1],
            DocKind::FieldNote => self.kinds[2],
            DocKind::Other => self.kinds[3],
        }
    }

    /// An attribute value for display: the missing value in words.
    pub fn value<'a>(&self, v: &'a str) -> &'a str {
        if v == crate::analysis::stats::NONE {
            self.none
        } else {
            v
        }
    }
}

const NB: Labels = Labels {
    theme_summary: "Temaoversikt",
    report: "Rapport",
    contents: "Innhold",
    excerpt: Noun("utdrag", "utdrag"),
    document: Noun("dokument", "dokumenter"),
    case: Noun("case", "caser"),
    code: Noun("kode", "koder"),
    coding: Noun("koding", "kodinger"),
    in_: "i",
    from: "fra",
    by: "av",
    memo: "Notat",
    more: |n| format!("{n} utdrag til er ikke vist."),
    turn: "replikk",
    paragraph: "avsnitt",
    wave: "bølge",
    none: "(ingen)",
    frequencies: "Kodene og hvor ofte de forekommer",
    frequencies_caption: "Utdrag per kode, underkoder medregnet.",
    cooccurrence: "Koder som opptrer sammen",
    cooccurrence_caption: "Mørkere ruter: de to kodene deler flere av replikkene sine (Jaccard-indeksen for replikkene kodet med hver av dem, skyggelagt mot det sterkeste paret). Hold pekeren over en rute for tallene.",
    shared_turns: "felles replikker",
    codes_by: "Koder etter",
    codes_by_attribute: "Koder etter egenskap",
    matrix_caption: "Utdrag per kode (underkoder medregnet) og verdi av",
    project: "prosjekt",
    with_subcodes: "med underkoder",
    breakdown_caption: "Utdrag og caser etter",
    excerpts_title: "Utdrag",
    matrix_title: "Caser og koder",
    memos_title: "Notater",
    codebook_title: "Kodebok",
    not_pseudonymised: "IKKE PSEUDONYMISERT: denne eksporten kan inneholde navn (laget med --no-pseudonymise).",
    kinds: ["intervju", "fokusgruppe", "feltnotat", "dokument"],
};

const NN: Labels = Labels {
    theme_summary: "Temaoversikt",
    report: "Rapport",
    contents: "Innhald",
    excerpt: Noun("utdrag", "utdrag"),
    document: Noun("dokument", "dokument"),
    case: Noun("case", "casar"),
    code: Noun("kode", "kodar"),
    coding: Noun("koding", "kodingar"),
    in_: "i",
    from: "frå",
    by: "av",
    memo: "Notat",
    more: |n| format!("{n} utdrag til er ikkje viste."),
    turn: "replikk",
    paragraph: "avsnitt",
    wave: "bølgje",
    none: "(ingen)",
    frequencies: "Kodane og kor ofte dei førekjem",
    frequencies_caption: "Utdrag per kode, underkodar medrekna.",
    cooccurrence: "Kodar som opptrer saman",
    cooccurrence_caption: "Mørkare ruter: dei to kodane deler fleire av replikkane sine (Jaccard-indeksen for replikkane koda med kvar av dei, skuggelagd mot det sterkaste paret). Hald peikaren over ei rute for tala.",
    shared_turns: "felles replikkar",
    codes_by: "Kodar etter",
    codes_by_attribute: "Kodar etter eigenskap",
    matrix_caption: "Utdrag per kode (underkodar medrekna) og verdi av",
    project: "prosjekt",
    with_subcodes: "med underkodar",
    breakdown_caption: "Utdrag og casar etter",
    excerpts_title: "Utdrag",
    matrix_title: "Casar og kodar",
    memos_title: "Notat",
    codebook_title: "Kodebok",
    not_pseudonymised: "IKKJE PSEUDONYMISERT: denne eksporten kan innehalde namn (laga med --no-pseudonymise).",
    kinds: ["intervju", "fokusgruppe", "feltnotat", "dokument"],
};

const EN: Labels = Labels {
    theme_summary: "Theme summary",
    report: "Report",
    contents: "Contents",
    excerpt: Noun("excerpt", "excerpts"),
    document: Noun("document", "documents"),
    case: Noun("case", "cases"),
    code: Noun("code", "codes"),
    coding: Noun("coding", "codings"),
    in_: "in",
    from: "from",
    by: "by",
    memo: "Memo",
    more: |n| {
        format!(
            "{n} more excerpt{} not shown.",
            if n == 1 { "" } else { "s" }
        )
    },
    turn: "turn",
    paragraph: "paragraph",
    wave: "wave",
    none: "(none)",
    frequencies: "Codes and how often they occur",
    frequencies_caption: "Excerpts per code, sub-codes included.",
    cooccurrence: "Codes that occur together",
    cooccurrence_caption: "Darker cells: the two codes share more of their turns (Jaccard index of the turns coded with each, shaded relative to the strongest pair). Hover a cell for the figures.",
    shared_turns: "shared turns",
    codes_by: "Codes by",
    codes_by_attribute: "Codes by attribute",
    matrix_caption: "Excerpts per code (sub-codes included) and value of",
    project: "project",
    with_subcodes: "with sub-codes",
    breakdown_caption: "Excerpts and cases by",
    excerpts_title: "Excerpts",
    matrix_title: "Cases by codes",
    memos_title: "Memos",
    codebook_title: "Codebook",
    not_pseudonymised: super::privacy::NOT_PSEUDONYMISED,
    kinds: ["interview", "focus group", "field note", "document"],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_the_number_that_fits() {
        assert_eq!(
            Lang::Bokmal.labels().counts(1, 2, 3),
            "1 utdrag i 2 dokumenter fra 3 caser"
        );
        assert_eq!(
            Lang::Nynorsk.labels().counts(5, 1, 1),
            "5 utdrag i 1 dokument frå 1 case"
        );
        assert_eq!(
            Lang::English.labels().counts(1, 1, 2),
            "1 excerpt in 1 document from 2 cases"
        );
        assert_eq!(
            (Lang::English.labels().more)(1),
            "1 more excerpt not shown."
        );
        assert_eq!(
            (Lang::Bokmal.labels().more)(4),
            "4 utdrag til er ikke vist."
        );
    }

    #[test]
    fn field_notes_are_cited_by_paragraph() {
        let nb = Lang::Bokmal.labels();
        assert_eq!(nb.place(DocKind::FieldNote, 3), "avsnitt 3");
        assert_eq!(nb.place(DocKind::Interview, 7), "replikk 7");
        assert_eq!(
            Lang::English.labels().place(DocKind::FocusGroup, 2),
            "turn 2"
        );
    }

    #[test]
    fn languages_are_read_by_their_codes() {
        assert_eq!(Lang::parse("no").unwrap(), Lang::Bokmal);
        assert_eq!(Lang::parse("NN").unwrap(), Lang::Nynorsk);
        assert_eq!(Lang::parse("en").unwrap(), Lang::English);
        let e = Lang::parse("de").unwrap_err().to_string();
        assert!(
            e.contains("nb") && e.contains("nn") && e.contains("en"),
            "{e}"
        );
    }
}
