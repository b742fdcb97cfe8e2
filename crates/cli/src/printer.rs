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
        let text = safe(text);
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text
        }
    }

    /// A progress or status line.
    pub fn info(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", safe(msg.as_ref()));
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
        eprintln!("{} {}", self.paint("1;33", "warning:"), safe(msg.as_ref()));
    }

    pub fn hint(&self, msg: impl AsRef<str>) {
        eprintln!("{} {}", self.paint("1;36", "hint:"), safe(msg.as_ref()));
    }

    pub fn error(&self, msg: impl AsRef<str>) {
        eprintln!("{} {}", self.paint("1;31", "error:"), safe(msg.as_ref()));
    }

    pub fn cause(&self, msg: impl AsRef<str>) {
        eprintln!("  {} {}", self.paint("2", "caused by:"), safe(msg.as_ref()));
    }

    /// Data for scripts and pipes.
    pub fn data(&self, line: impl AsRef<str>) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "{}",
            pyman_installer::url::escape_controls(line.as_ref())
        );
    }
}

/// The longest line a message shows: a 1 MB requirement line or server
/// answer is cut, not poured onto the terminal.
const MAX_LINE: usize = 2000;

/// Messages as they may reach a terminal: control characters from servers
/// and files escaped, each over-long line cut with its size said.
pub(crate) fn safe(text: &str) -> String {
    let text = pyman_installer::url::escape_controls(text);
    let mut out = String::with_capacity(text.len().min(MAX_LINE * 2));
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.len() > MAX_LINE {
            let mut end = MAX_LINE;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            out.push_str(&line[..end]);
            out.push_str(&format!("… ({} more bytes)", line.len() - end));
        } else {
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_are_safe_for_terminals() {
        assert_eq!(super::safe("a\x1b[2Jb\nc"), "a\\u{1b}[2Jb\nc");
        let long = "x".repeat(10_000);
        let cut = super::safe(&long);
        assert!(cut.len() < 2100, "{}", cut.len());
        assert!(cut.ends_with("(8000 more bytes)"), "{cut}");
    }
}
