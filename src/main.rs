//! The `koda` binary: parses the command line and hands it to [`koda::cli`].
//!
//! Exit codes: 0 success; 1 an error the user can fix (message on stderr, nothing changed);
//! 2 a usage error. A closed output pipe (`koda excerpts | head`) counts as success.

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        if koda::panic_is_contained() {
            return;
        }
        eprintln!(
            "koda: internal error: {info}\nThis is a bug in koda. Every change koda acknowledged before it is safe on disk; please report the command you ran."
        );
    }));
    let cli = koda::cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut err = std::io::stderr();
    let result = koda::cli::run(cli, &mut out, &mut err);
    let flushed = out.flush();
    match result {
        Ok(koda::cli::Outcome::Success) => match flushed {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                let _ = writeln!(err, "koda: {e}");
                ExitCode::from(1)
            }
            _ => ExitCode::SUCCESS,
        },
        Ok(koda::cli::Outcome::PartialFailure) => ExitCode::from(1),
        Err(e) => {
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            // The chain of causes, each said once: koda's messages already name their cause.
            let mut msg = e.to_string();
            for cause in e.chain().skip(1) {
                let c = cause.to_string();
                if !msg.contains(&c) {
                    msg.push_str(": ");
                    msg.push_str(&c);
                }
            }
            let _ = writeln!(err, "koda: {msg}");
            if e.downcast_ref::<koda::cli::UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
