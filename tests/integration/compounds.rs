//! Norwegian compounds in search: a word finds the compounds it is part of (as head, with
//! their inflections, and as modifier, with the linking letters), ranked below the word
//! itself; `*lærer`, `*koordinator*` and `=koordinator` say what to find explicitly; no part
//! is found inside an unrelated word.

use crate::util::TestProject;
use proptest::prelude::*;
use std::collections::BTreeSet;

/// A parent interview about the family coordinator programme, each turn on its own line.
const INTERVIEW: &str = "\
Intervjuer: Hvordan fikk dere kontakt med en koordinator?
Forelder: Familiekoordinatoren ringte meg første uka.
Intervjuer: Hva med samarbeidet mellom skolen og foreldre?
Forelder: Samarbeidspartnerne i bydelen var mange, men kontaktlæreren var best.
Intervjuer: Snakket dere om tillit?
Forelder: Tillitsforholdet tok tid. Vi hadde et foreldremøte om det.
Intervjuer: Og læreren?
Forelder: Et godt forhold, og et møte hver måned. Barnehagen var også med.
Intervjuer: Var det lærerikt?
Forelder: Veldig lærerikt, men jeg var forsiktig i starten.
Intervjuer: Hvem i familien var til stede?
Forelder: En ny barnehagelærer og to familiekoordinatorer fra partnerne våre.
Intervjuer: Gikk dere tur?
Forelder: Vi gikk i skogen og plukket blåbær.
Intervjuer: Og koordinatorrollen?
Forelder: Den rollen er uklar for mange, sier en lærer.
";

fn project() -> TestProject {
    let p = TestProject::new();
    let f = p.write("foreldreintervju.txt", INTERVIEW);
    p.koda(&["import", f.to_str().unwrap()]).ok();
    p
}

/// The turns a query finds, in rank order, and each hit's marked snippet.
fn found(p: &TestProject, q: &str) -> (Vec<u64>, Vec<String>) {
    let v = p.koda(&["search", q, "--json"]).json();
    let hits = v["hits"].as_array().unwrap();
    let turns = hits.iter().map(|h| h["turn"].as_u64().unwrap()).collect();
    let marked = hits
        .iter()
        .map(|h| h["marked"].as_str().unwrap_or_default().to_string())
        .collect();
    (turns, marked)
}

fn sorted(mut v: Vec<u64>) -> Vec<u64> {
    v.sort_unstable();
    v
}

#[test]
fn a_word_finds_the_compounds_it_is_head_or_modifier_of_the_word_itself_first() {
    let p = project();
    // koordinator: the word (turn 1), familiekoordinatoren (2), familiekoordinatorer (12),
    // koordinatorrollen (15); the word itself ranks first.
    let (turns, marked) = found(&p, "koordinator");
    assert_eq!(turns[0], 1, "{turns:?}");
    assert_eq!(sorted(turns.clone()), vec![1, 2, 12, 15]);
    let all = marked.join("\n");
    assert!(all.contains("Familie**koordinatoren**"), "{all}");
    assert!(all.contains("familie**koordinatorer**"), "{all}");
    assert!(all.contains("**koordinator**rollen"), "{all}");

    // samarbeid as modifier, joined by s: samarbeidet (3, the word's own inflection, first)
    // and samarbeidspartnerne (4).
    let (turns, marked) = found(&p, "samarbeid");
    assert_eq!(turns, vec![3, 4]);
    assert!(
        marked[1].contains("**Samarbeid**spartnerne"),
        "{}",
        marked[1]
    );

    // lærer: the word (16), then læreren (7, an inflection the stemmer misses), then as head
    // kontaktlæreren (4) and barnehagelærer (12); not lærerikt (9, 10), where what follows
    // is no word of the study.
    let (turns, marked) = found(&p, "lærer");
    assert_eq!(turns, vec![16, 7, 4, 12], "{marked:?}");
    assert!(marked[3].contains("barnehage**lærer**"), "{marked:?}");
    assert!(marked[2].contains("kontakt**læreren**"), "{marked:?}");

    // forhold: the word (8) first, then tillitsforholdet (6); møte: the word (8), then
    // foreldremøte (6); tillit: the word (5), then tillitsforholdet (6).
    for (q, want) in [("forhold", [8, 6]), ("møte", [8, 6]), ("tillit", [5, 6])] {
        let (turns, marked) = found(&p, q);
        assert_eq!(turns, want.to_vec(), "{q}: {marked:?}");
    }
    let (_, marked) = found(&p, "forhold");
    assert!(marked[1].contains("Tillits**forholdet**"), "{}", marked[1]);
    let (_, marked) = found(&p, "tillit");
    assert!(marked[1].contains("**Tillit**sforholdet"), "{}", marked[1]);

    // Partnere finds samarbeidspartnerne as head and partnerne as the word.
    assert_eq!(sorted(found(&p, "partnerne").0), vec![4, 12]);
    // Barnehage as modifier of barnehagelærer (lærer is a word of the study).
    assert_eq!(sorted(found(&p, "barnehage").0), vec![8, 12]);
}

#[test]
fn short_parts_and_unrelated_words_are_never_found_inside_words() {
    let p = project();
    // og (two letters) is not found in skogen (14), only where it is a word.
    let (turns, marked) = found(&p, "og");
    assert!(turns.contains(&14) && turns.contains(&8), "{turns:?}");
    assert!(marked.iter().all(|m| !m.contains("sk**og**")), "{marked:?}");
    // sikt is not a part of forsiktig: what follows it (ig) is no word.
    assert!(found(&p, "sikt").0.is_empty());
    // A part must be surrounded by words: klar in uklar (u is too short).
    assert!(found(&p, "klar").0.is_empty());
}

#[test]
fn explicit_forms_say_what_to_find_inside_words() {
    let p = project();
    // Any word ending in lærer, whatever comes before.
    let (turns, marked) = found(&p, "*lærer");
    assert_eq!(sorted(turns), vec![12, 16], "{marked:?}");
    assert!(
        marked.iter().any(|m| m.contains("barnehage**lærer**")),
        "{marked:?}"
    );
    // Any word containing it: lærerikt too.
    let (turns, marked) = found(&p, "*lærer*");
    assert_eq!(sorted(turns), vec![4, 7, 9, 10, 12, 16], "{marked:?}");
    assert!(
        marked.iter().any(|m| m.contains("Veldig **lærer**ikt")),
        "{marked:?}"
    );
    assert!(
        marked.iter().any(|m| m.contains("kontakt**lærer**en")),
        "{marked:?}"
    );
    // The word and its inflections only.
    assert_eq!(found(&p, "=koordinator").0, vec![1]);
    assert_eq!(sorted(found(&p, "*koordinator*").0), vec![1, 2, 12, 15]);
    // Too short or malformed: a clear error naming the column.
    p.koda(&["search", "tid *og"])
        .fails_with(&["at least 4 letters", "column 5"]);
    p.koda(&["search", "*"])
        .fails_with(&["needs letters beside it"]);
}

#[test]
fn autocoding_a_part_codes_the_whole_compound_word() {
    let p = project();
    p.koda(&["codes", "add", "roles"]).ok();
    p.koda(&[
        "autocode",
        "koordinator",
        "--code",
        "roles",
        "--unit",
        "match",
    ])
    .ok();
    let v = p.koda(&["excerpts", "--code", "roles", "--json"]).json();
    let texts: BTreeSet<String> = v
        .as_array()
        .or_else(|| v["excerpts"].as_array())
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    let want: BTreeSet<String> = [
        "koordinator",
        "Familiekoordinatoren",
        "familiekoordinatorer",
        "koordinatorrollen",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(texts, want);
}

/// Parts of real Norwegian compounds, none inside another.
const PARTS: [&str; 14] = [
    "barn",
    "hage",
    "lærer",
    "familie",
    "koordinator",
    "tillit",
    "forhold",
    "foreldre",
    "møte",
    "samarbeid",
    "partner",
    "skole",
    "tjeneste",
    "kontor",
];

/// Letters no word of the study is made of, for words that only look like compounds.
const JUNK: [&str; 4] = ["qxz", "zvkq", "xjqv", "kxqz"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Over random compounds of real parts (two or three, joined directly or by s or e),
    /// every part finds every turn whose compound holds it and its own word first, and no
    /// turn where a part is glued to letters that are no words of the study.
    #[test]
    fn every_part_finds_its_compounds_and_nothing_else(
        compounds in proptest::collection::vec(
            (proptest::collection::vec(0..PARTS.len(), 2..=3), proptest::collection::vec(0..3usize, 2)),
            4..10,
        ),
        decoys in proptest::collection::vec((0..PARTS.len(), 0..JUNK.len(), proptest::bool::ANY), 2..6),
    ) {
        let p = TestProject::new();
        let mut text = String::new();
        // One turn per part with the part as a word, so that each is a word of the study.
        for part in PARTS {
            text.push_str(&format!("Forelder: Vi snakket om {part} i dag.\n"));
        }
        let first = PARTS.len() + 1;
        let mut holds: Vec<Vec<usize>> = Vec::new();
        for (parts, links) in &compounds {
            let mut word = String::new();
            for (i, &k) in parts.iter().enumerate() {
                if i > 0 {
                    word.push_str(["", "s", "e"][links[i - 1]]);
                }
                word.push_str(PARTS[k]);
            }
            text.push_str(&format!("Forelder: Det handlet mest om {word} den gangen.\n"));
            holds.push(parts.clone());
        }
        let decoy_from = first + compounds.len();
        for &(k, j, before) in &decoys {
            let word = if before {
                format!("{}{}", JUNK[j], PARTS[k])
            } else {
                format!("{}{}", PARTS[k], JUNK[j])
            };
            text.push_str(&format!("Forelder: Det var {word} hele veien.\n"));
        }
        let f = p.write("sammensatte.txt", &text);
        p.koda(&["import", f.to_str().unwrap()]).ok();
        for (k, part) in PARTS.iter().enumerate() {
            let (turns, marked) = found(&p, part);
            let mut want: Vec<u64> = vec![(k + 1) as u64];
            for (i, parts) in holds.iter().enumerate() {
                if parts.contains(&k) {
                    want.push((first + i) as u64);
                }
            }
            prop_assert_eq!(turns.first().copied(), Some((k + 1) as u64), "{}: the word first", part);
            prop_assert_eq!(sorted(turns.clone()), sorted(want), "{}: {:?}", part, marked);
            prop_assert!(turns.iter().all(|&t| (t as usize) < decoy_from), "{}: a decoy was found", part);
        }
    }
}
