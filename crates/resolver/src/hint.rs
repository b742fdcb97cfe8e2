//! What to do next: every error pyman's libraries return says it through
//! this one trait, which the binaries' one error printer reads (`hint:`
//! line, exit code), so no caller replaces a library's hint with a generic one.

/// An error with its fix.
pub trait Hint: std::error::Error {
    /// The command or change that fixes it, printed after `hint:`.
    fn hint(&self) -> Option<String> {
        None
    }

    /// The exit code at the binary's edge: 2 for bad input, 1 for a failure,
    /// 127 for a command found nowhere (docs/design.md).
    fn exit_code(&self) -> i32 {
        1
    }
}

/// A request as a shell word in a hint: `3.12` as is, `>=3.11, <3.13`
/// quoted, so the command shown is the command to type (unquoted, `>`
/// would redirect).
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '@' | '+' | ':' | ',')
        })
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// An error and its causes on one line, `: `-separated, for notes and logs.
pub fn one_line(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn requests_are_shell_words() {
        assert_eq!(super::shell_word("3.12"), "3.12");
        assert_eq!(super::shell_word(">=3.11, <3.13"), "'>=3.11, <3.13'");
        assert_eq!(super::shell_word("==3.12.*"), "'==3.12.*'");
        assert_eq!(super::shell_word("it's"), "'it'\\''s'");
    }
}
