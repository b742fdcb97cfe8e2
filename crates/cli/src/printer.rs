//! All human-facing output: stderr for messages, stdout for data only.

#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::io::{IsTerminal, Write};

#[derive(Debug, Clone, Copy)]
pub struct Printer {
    pub quiet: bool,
    pub verbose: bool,
    color: bool,
}

impl Printer {
    pub fn new(quiet: bool, verbose: bool) -> Self {
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::io::stderr().is_terminal();
        Printer {
            quiet,
            verbose,
            color,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// A progress or status line.
    pub fn info(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", msg.as_ref());
        }
    }

    pub fn success(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", self.paint("32", msg.as_ref()));
        }
    }

    pub fn debug(&self, msg: impl AsRef<str>) {
        if self.verbose {
            eprintln!("{}", self.paint("2", msg.as_ref()));
        }
    }

    pub fn warn(&self, msg: impl AsRef<str>) {
        eprintln!("{} {}", self.paint("1;33", "warning:"), msg.as_ref());
    }

    pub fn hint(&self, msg: impl AsRef<str>) {
        eprintln!("{} {}", self.paint("1;36", "hint:"), msg.as_ref());
    }

    pub fn error(&self, msg: impl AsRef<str>) {
        eprintln!("{} {}", self.paint("1;31", "error:"), msg.as_ref());
    }

    pub fn cause(&self, msg: impl AsRef<str>) {
        eprintln!("  {} {}", self.paint("2", "caused by:"), msg.as_ref());
    }

    /// Data for scripts and pipes.
    pub fn data(&self, line: impl AsRef<str>) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", line.as_ref());
    }
}
