//! A deterministic corpus of transcript-like files: interviews, focus groups and field notes
//! in Norwegian and English, with speaker turns and time stamps, drawn from a Zipf-like
//! vocabulary with æøå, compounds and inflections. The same seed and size give the same bytes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A small, fast, seeded generator (SplitMix64): the corpus must not depend on a crate's
/// version to stay the same.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A float in `0..1`.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const NO_STEMS: &[&str] = &[
    "koordinator",
    "tillit",
    "barnehage",
    "nav",
    "søknad",
    "familie",
    "økonomi",
    "møte",
    "skole",
    "hjelp",
    "kontakt",
    "trygghet",
    "bolig",
    "arbeid",
    "lege",
    "helsestasjon",
    "tid",
    "venting",
    "bydel",
    "kommune",
    "barn",
    "forelder",
    "mor",
    "far",
    "penger",
    "regning",
    "fritid",
    "aktivitet",
    "ferie",
    "telefon",
    "melding",
    "avtale",
    "vedtak",
    "saksbehandler",
    "veileder",
    "tolk",
    "språk",
    "norskkurs",
    "jobb",
    "praksis",
    "utdanning",
    "lekse",
    "fotball",
    "svømming",
    "tur",
    "blåbær",
    "hytte",
    "nabo",
    "venn",
    "bekymring",
    "stress",
    "glede",
    "håp",
    "endring",
    "plan",
    "mål",
    "støtte",
    "oppfølging",
    "samarbeid",
    "rolle",
    "ansvar",
    "grense",
    "tjeneste",
    "kontor",
    "brev",
    "skjema",
    "frist",
    "svar",
    "spørsmål",
    "erfaring",
    "hverdag",
    "kveld",
    "morgen",
    "uke",
    "måned",
    "år",
    "sommer",
    "vinter",
    "høst",
    "vår",
    "klær",
    "mat",
    "butikk",
    "buss",
    "bil",
    "vei",
    "sted",
    "hjem",
    "rom",
    "seng",
    "søsken",
    "bestemor",
    "kusine",
    "lærer",
];
const NO_VERBS: &[&str] = &[
    "ring", "vent", "hjelp", "snakk", "forklar", "lov", "svar", "søk", "betal", "jobb", "lær",
    "prøv", "trenger", "tenk", "føl", "stol", "møt", "kom", "gå", "få", "si", "vis", "sjekk",
    "husk", "glem", "spør", "send", "les", "skriv", "bo", "flytt", "spar", "kjøp", "reis",
];
const NO_FUNCTION: &[&str] = &[
    "og", "jeg", "det", "er", "at", "på", "i", "vi", "hun", "han", "ikke", "som", "med", "for",
    "til", "av", "en", "et", "de", "så", "men", "har", "var", "kan", "skal", "vil", "om", "når",
    "da", "litt", "mye", "veldig", "også", "bare", "ja", "nei", "liksom", "egentlig", "hva",
    "hvordan", "hvorfor", "meg", "oss", "dem", "henne", "ham", "min", "vår", "deres", "sin",
];
const NO_SUFFIX_NOUN: &[&str] = &["", "en", "et", "er", "ene", "a", "ens", "ets"];
const NO_SUFFIX_VERB: &[&str] = &["e", "er", "te", "de", "et", "ende", "es"];
const EN_STEMS: &[&str] = &[
    "coordinator",
    "trust",
    "kindergarten",
    "welfare",
    "application",
    "family",
    "money",
    "meeting",
    "school",
    "help",
    "contact",
    "safety",
    "housing",
    "work",
    "doctor",
    "clinic",
    "time",
    "waiting",
    "district",
    "council",
    "child",
    "parent",
    "mother",
    "father",
    "bill",
    "leisure",
    "activity",
    "holiday",
    "phone",
    "message",
    "appointment",
    "decision",
    "caseworker",
    "adviser",
    "interpreter",
    "language",
    "course",
    "job",
    "training",
    "homework",
    "football",
    "swimming",
    "trip",
    "neighbour",
    "friend",
    "worry",
    "stress",
    "joy",
    "hope",
    "change",
    "plan",
    "goal",
    "support",
    "follow-up",
    "partnership",
    "role",
    "responsibility",
    "service",
    "office",
    "letter",
    "form",
    "deadline",
    "answer",
    "question",
    "experience",
    "evening",
    "morning",
];
const EN_VERBS: &[&str] = &[
    "call", "wait", "help", "talk", "explain", "promise", "answer", "apply", "pay", "work",
    "learn", "try", "need", "think", "feel", "trust", "meet", "visit", "check", "remember",
    "forget", "ask", "send", "read", "write", "live", "move", "save", "buy", "travel",
];
const EN_FUNCTION: &[&str] = &[
    "and", "i", "the", "is", "that", "on", "in", "we", "she", "he", "not", "which", "with", "for",
    "to", "of", "a", "they", "so", "but", "have", "was", "can", "will", "would", "about", "when",
    "then", "a bit", "a lot", "very", "also", "just", "yes", "no", "like", "really", "what", "how",
    "why", "me", "us", "them", "her", "him", "my", "our", "their",
];
const EN_SUFFIX_NOUN: &[&str] = &["", "s", "'s"];
const EN_SUFFIX_VERB: &[&str] = &["", "s", "ed", "ing"];
const NO_PHRASES: &[&str] = &[
    "ringte tilbake",
    "samme dag",
    "tok tid",
    "på en måte",
    "var til stede",
];
const EN_PHRASES: &[&str] = &[
    "called back",
    "the same day",
    "took a long time",
    "in a way",
    "was there for us",
];

/// The word lists of one language.
#[derive(Clone, Copy)]
struct Language {
    function: &'static [&'static str],
    stems: &'static [&'static str],
    verbs: &'static [&'static str],
    noun_suffix: &'static [&'static str],
    verb_suffix: &'static [&'static str],
    phrases: &'static [&'static str],
    compounds: bool,
}

/// A vocabulary in Zipf order with its cumulative weights.
pub struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
    phrases: &'static [&'static str],
}

impl Vocabulary {
    fn build(l: &Language, rng: &mut Rng) -> Vocabulary {
        let Language {
            function,
            stems,
            verbs,
            noun_suffix,
            verb_suffix,
            phrases,
            compounds,
        } = *l;
        let mut words: Vec<String> = function.iter().map(|w| (*w).to_string()).collect();
        // Inflected forms of every stem and verb, then compounds, in a shuffled order so that
        // frequency does not follow the alphabet.
        let mut content: Vec<String> = Vec::new();
        for s in stems {
            for suf in noun_suffix {
                content.push(format!("{s}{suf}"));
            }
        }
        for v in verbs {
            for suf in verb_suffix {
                content.push(format!("{v}{suf}"));
            }
        }
        if compounds {
            for (i, a) in stems.iter().enumerate() {
                for b in stems.iter().skip(i + 1).step_by(3) {
                    content.push(format!("{a}{b}"));
                    content.push(format!("{b}s{a}"));
                }
            }
        }
        for i in (1..content.len()).rev() {
            let j = rng.below(i + 1);
            content.swap(i, j);
        }
        words.extend(content);
        let mut total = 0.0;
        let cumulative = (1..=words.len())
            .map(|r| {
                total += 1.0 / (r as f64).powf(1.07);
                total
            })
            .collect();
        Vocabulary {
            words,
            cumulative,
            phrases,
        }
    }

    /// Norwegian: about 6,000 word forms.
    pub fn norwegian(rng: &mut Rng) -> Vocabulary {
        Vocabulary::build(
            &Language {
                function: NO_FUNCTION,
                stems: NO_STEMS,
                verbs: NO_VERBS,
                noun_suffix: NO_SUFFIX_NOUN,
                verb_suffix: NO_SUFFIX_VERB,
                phrases: NO_PHRASES,
                compounds: true,
            },
            rng,
        )
    }

    /// English: about 2,000 word forms.
    pub fn english(rng: &mut Rng) -> Vocabulary {
        Vocabulary::build(
            &Language {
                function: EN_FUNCTION,
                stems: EN_STEMS,
                verbs: EN_VERBS,
                noun_suffix: EN_SUFFIX_NOUN,
                verb_suffix: EN_SUFFIX_VERB,
                phrases: EN_PHRASES,
                compounds: false,
            },
            rng,
        )
    }

    /// A word drawn by its Zipf weight.
    pub fn word(&self, rng: &mut Rng) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = rng.unit() * total;
        let i = self.cumulative.partition_point(|c| *c < x);
        &self.words[i.min(self.words.len() - 1)]
    }

    #[cfg(test)]
    /// The word of rank `r` (0-based), for building queries with known frequencies.
    pub fn rank(&self, r: usize) -> &str {
        &self.words[r.min(self.words.len() - 1)]
    }
}

/// What kind of file to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Interview,
    FocusGroup,
    FieldNote,
}

/// A generated corpus.
pub struct Corpus {
    /// The files, in order.
    pub files: Vec<PathBuf>,
    /// Their total size in bytes.
    pub bytes: u64,
    /// The speaker file mapping speakers to cases with a role.
    pub speakers: PathBuf,
}

fn sentence(v: &Vocabulary, rng: &mut Rng, out: &mut String) {
    let n = 5 + rng.below(20);
    let start = out.len();
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        if rng.below(40) == 0 {
            out.push_str(v.phrases[rng.below(v.phrases.len())]);
        } else {
            out.push_str(v.word(rng));
        }
    }
    // Capitalise the first letter.
    if let Some(c) = out[start..].chars().next() {
        let upper: String = c.to_uppercase().collect();
        out.replace_range(start..start + c.len_utf8(), &upper);
    }
    out.push(if rng.below(5) == 0 { '?' } else { '.' });
}

fn write_file(
    kind: Kind,
    norwegian: bool,
    target: usize,
    no: &Vocabulary,
    en: &Vocabulary,
    rng: &mut Rng,
) -> String {
    let v = if norwegian { no } else { en };
    let (interviewer, parent, coord) = if norwegian {
        ("Intervjuer", "Forelder", "Koordinator")
    } else {
        ("Interviewer", "Parent", "Coordinator")
    };
    let mut out = String::with_capacity(target + 512);
    let mut secs = 0u64;
    match kind {
        Kind::FieldNote => {
            let _ = writeln!(
                out,
                "{}\n",
                if norwegian {
                    "Feltnotat fra møte"
                } else {
                    "Field note from a meeting"
                }
            );
            while out.len() < target {
                for _ in 0..1 + rng.below(5) {
                    sentence(v, rng, &mut out);
                    out.push(' ');
                }
                out.pop();
                out.push_str("\n\n");
            }
        }
        Kind::Interview | Kind::FocusGroup => {
            let participants = if kind == Kind::Interview {
                1
            } else {
                4 + rng.below(4)
            };
            while out.len() < target {
                let speaker = match rng.below(3 + participants) {
                    0 | 1 => interviewer.to_string(),
                    2 if kind == Kind::FocusGroup => coord.to_string(),
                    n => {
                        if kind == Kind::Interview {
                            parent.to_string()
                        } else {
                            format!("{parent} {}", n - 2)
                        }
                    }
                };
                secs += 5 + rng.below(60) as u64;
                let _ = write!(
                    out,
                    "[{:02}:{:02}:{:02}] {speaker}: ",
                    secs / 3600,
                    secs / 60 % 60,
                    secs % 60
                );
                for _ in 0..1 + rng.below(4) {
                    sentence(v, rng, &mut out);
                    out.push(' ');
                }
                out.pop();
                out.push('\n');
            }
        }
    }
    out
}

/// Writes about `megabytes` MB of files into `dir` (emptied first), with the given seed.
pub fn generate(dir: &Path, megabytes: f64, seed: u64) -> anyhow::Result<Corpus> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir.join("transcripts"))?;
    let mut rng = Rng::new(seed);
    let no = Vocabulary::norwegian(&mut rng);
    let en = Vocabulary::english(&mut rng);
    let want = (megabytes * 1_000_000.0) as u64;
    let mut files = Vec::new();
    let mut bytes = 0u64;
    let mut n = 0;
    while bytes < want {
        n += 1;
        let norwegian = rng.below(10) < 7;
        let (kind, size, name) = match rng.below(10) {
            0..=3 => (Kind::Interview, 40_000 + rng.below(120_000), "intervju"),
            4..=6 => (Kind::FocusGroup, 80_000 + rng.below(200_000), "fokusgruppe"),
            _ => (Kind::FieldNote, 10_000 + rng.below(40_000), "feltnotat"),
        };
        let size = size.min((want - bytes) as usize + 1_000);
        let text = write_file(kind, norwegian, size, &no, &en, &mut rng);
        let path = dir.join("transcripts").join(format!(
            "{name}-{n:05}-{}.txt",
            if norwegian { "no" } else { "en" }
        ));
        std::fs::write(&path, &text)?;
        bytes += text.len() as u64;
        files.push(path);
    }
    let speakers = dir.join("talere.csv");
    let mut map = String::from("speaker,case,role\n");
    for (label, case, role) in [
        ("Forelder", "parent", "parent"),
        ("Parent", "parent-en", "parent"),
        ("Koordinator", "coordinator", "coordinator"),
        ("Coordinator", "coordinator-en", "coordinator"),
        ("Intervjuer", "interviewer", "interviewer"),
        ("Interviewer", "interviewer-en", "interviewer"),
    ] {
        let _ = writeln!(map, "{label},{case},{role}");
    }
    for p in 1..8 {
        let _ = writeln!(map, "Forelder {p},parent-{p},parent");
        let _ = writeln!(map, "Parent {p},parent-en-{p},parent");
    }
    std::fs::write(&speakers, map)?;
    Ok(Corpus {
        files,
        bytes,
        speakers,
    })
}

/// One transcript of about `bytes` bytes (for the reader benchmark).
pub fn one_transcript(bytes: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let no = Vocabulary::norwegian(&mut rng);
    let en = Vocabulary::english(&mut rng);
    write_file(Kind::Interview, true, bytes, &no, &en, &mut rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_corpus_and_another_seed_another() {
        let a = one_transcript(20_000, 7);
        assert_eq!(a, one_transcript(20_000, 7));
        assert_ne!(a, one_transcript(20_000, 8));
        assert!(a.len() >= 20_000);
        assert!(a.starts_with("[00:00:"), "{}", &a[..40]);
        assert!(a.contains("Intervjuer: ") && a.contains("Forelder: "));
    }

    #[test]
    fn words_follow_zipf_and_include_norwegian_letters() {
        let mut rng = Rng::new(1);
        let v = Vocabulary::norwegian(&mut rng);
        assert!(v.words.len() > 3_000, "{}", v.words.len());
        let mut counts = std::collections::HashMap::new();
        for _ in 0..100_000 {
            *counts.entry(v.word(&mut rng).to_string()).or_insert(0usize) += 1;
        }
        let first = counts.get(v.rank(0)).copied().unwrap_or(0);
        let tenth = counts.get(v.rank(9)).copied().unwrap_or(0);
        // Rank 1 is drawn about 10^1.07 ≈ 11.7 times as often as rank 10.
        let ratio = first as f64 / tenth.max(1) as f64;
        assert!((8.0..16.0).contains(&ratio), "{ratio}");
        assert!(counts.keys().any(|w| w.contains('ø') || w.contains('å')));
    }

    #[test]
    fn a_corpus_reaches_its_size() {
        let dir = std::env::temp_dir().join(format!("koda-bench-test-{}", std::process::id()));
        let c = generate(&dir, 0.3, 3).expect("corpus");
        assert!(c.bytes >= 300_000, "{}", c.bytes);
        assert!(c.files.len() >= 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
