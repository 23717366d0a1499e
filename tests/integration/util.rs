//! A temporary project folder and a runner for the `koda` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary folder holding a koda project (or not yet).
pub struct TestProject {
    pub dir: tempfile::TempDir,
}

/// The path of the compiled binary.
pub fn koda_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_koda"))
}

/// A `koda` command with a clean environment for coders.
pub fn koda_cmd() -> Command {
    let mut c = Command::new(koda_bin());
    c.env_remove("KODA_CODER");
    c
}

/// The result of one run, with both streams as text.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        &self.stdout
    }

    /// Asserts exit code 1 (a user error) and returns stderr.
    #[track_caller]
    pub fn fails(&self) -> &str {
        assert_eq!(
            self.code, 1,
            "expected exit 1\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "a panic reached the user: {}",
            self.stderr
        );
        &self.stderr
    }

    /// Asserts exit code 1 with each of `needles` in the message; returns stderr.
    #[track_caller]
    pub fn fails_with(&self, needles: &[&str]) -> &str {
        let err = self.fails();
        for n in needles {
            assert!(err.contains(n), "expected {n:?} in the error:\n{err}");
        }
        err
    }

    /// Parses stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.ok())
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

impl TestProject {
    /// An empty folder (no project yet).
    pub fn empty() -> TestProject {
        TestProject {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A fresh project created with `koda init` as coder `anna`.
    pub fn new() -> TestProject {
        let p = TestProject::empty();
        let r = Run::from(
            koda_cmd()
                .args(["init", "--name", "Test study", "--coder", "anna"])
                .arg(p.path())
                .output()
                .expect("run koda"),
        );
        r.ok();
        p
    }

    /// A fresh project with [`INTERVIEW`] imported as document `i`.
    pub fn with_interview() -> TestProject {
        let p = TestProject::new();
        let f = p.write("i.txt", INTERVIEW);
        p.koda(&["import", f.to_str().unwrap()]).ok();
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs koda on this project with the given arguments.
    pub fn koda(&self, args: &[&str]) -> Run {
        Run::from(
            koda_cmd()
                .arg("-p")
                .arg(self.path())
                .args(args)
                .current_dir(self.path())
                .output()
                .expect("run koda"),
        )
    }

    /// Starts `koda batch` on this project with piped standard input and output.
    pub fn spawn_batch(&self) -> std::process::Child {
        koda_cmd()
            .arg("-p")
            .arg(self.path())
            .arg("batch")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start koda batch")
    }

    /// Writes a file inside the project folder's `in/` subfolder and returns its path.
    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let dir = self.path().join("in");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let p = dir.join(name);
        std::fs::write(&p, content).expect("write");
        p
    }

    /// Runs koda, expects it to fail with each of `needles` in its message, and checks that
    /// not a byte of the project changed.
    #[track_caller]
    pub fn fails_unchanged(&self, args: &[&str], needles: &[&str]) -> String {
        let before = self.snapshot();
        let err = self.koda(args).fails_with(needles).to_string();
        assert!(
            self.snapshot() == before,
            "koda {args:?} failed but changed the project"
        );
        err
    }

    /// All files under the project (relative paths and contents), leaving out `.koda/`.
    pub fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        snap(self.path(), self.path(), &mut out);
        out.sort();
        out
    }
}

fn snap(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        let rel = p
            .strip_prefix(root)
            .expect("prefix")
            .to_string_lossy()
            .into_owned();
        if rel == ".koda" || rel == "in" {
            continue;
        }
        if p.is_dir() {
            snap(root, &p, out);
        } else {
            out.push((rel, std::fs::read(&p).expect("read")));
        }
    }
}

/// A small parent interview in the style of the example corpus.
pub const INTERVIEW: &str = "Foreldreintervju 9\n\n[00:00:05] Intervjuer: Hvordan var det første møtet?\n[00:00:09] Forelder: Hun kom hjem til oss. Jeg visste at hun ville ringe tilbake samme dag.\nDet betydde mye for meg.\n[00:00:30] Intervjuer: Og NAV?\n[00:00:33] Forelder: Der venter vi fortsatt. Vi venter og venter.\n";

/// A Word file holding `document` as `word/document.xml` and each of `parts` (name, XML) beside
/// it, the way Word stores comments and footnotes.
pub fn docx(document: &str, parts: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write as _;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    z.start_file("word/document.xml", o).unwrap();
    z.write_all(document.as_bytes()).unwrap();
    for (name, xml) in parts {
        z.start_file(*name, o).unwrap();
        z.write_all(xml.as_bytes()).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// A sealed JSON file's text without its whole-file checksum line, as a file written by hand
/// or by another program would be.
pub fn without_check(sealed: &str) -> String {
    sealed
        .lines()
        .filter(|l| !l.starts_with("  \"check\": "))
        .map(|l| format!("{l}\n"))
        .collect()
}
