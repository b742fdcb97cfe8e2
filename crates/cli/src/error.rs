//! Errors at the binary edge: any error, plus an optional hint and exit code.

use std::fmt;

use pyman_resolver::Hint;

/// An error with what to do next. Printed as `error: …` then `hint: …`.
#[derive(Debug)]
pub struct Hinted {
    pub error: Box<dyn std::error::Error + Send + Sync>,
    pub hint: Option<String>,
    pub code: i32,
}

impl fmt::Display for Hinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for Hinted {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

/// A plain message as an error.
#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Message {}

pub fn hinted(
    error: impl std::error::Error + Send + Sync + 'static,
    hint: impl Into<Option<String>>,
    code: i32,
) -> anyhow::Error {
    anyhow::Error::new(Hinted {
        error: Box::new(error),
        hint: hint.into(),
        code,
    })
}

/// A message with a hint, exit code 1.
pub fn fail(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    hinted(Message(message.into()), Some(hint.into()), 1)
}

/// A bad-input message with a hint, exit code 2.
pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    hinted(Message(message.into()), Some(hint.into()), 2)
}

/// A library error as it reaches the user: its own hint and exit code
/// (the `Hint` trait), never a generic one in its place.
pub fn lib<E: Hint + Send + Sync + 'static>(e: E) -> anyhow::Error {
    let (hint, code) = (e.hint(), e.exit_code());
    anyhow::Error::new(Hinted {
        error: Box::new(e),
        hint,
        code,
    })
}

impl From<pyman_resolver::TargetError> for Hinted {
    fn from(e: pyman_resolver::TargetError) -> Self {
        Hinted {
            hint: e.hint(),
            code: e.exit_code(),
            error: Box::new(e),
        }
    }
}

/// A request typed by the user; a bad one is a usage error with the valid forms.
pub fn parse_request(text: &str) -> anyhow::Result<pyman_resolver::VersionRequest> {
    text.parse()
        .map_err(lib::<pyman_resolver::request::RequestError>)
}

/// Resolver errors carry their own hints.
pub fn target_error(e: pyman_resolver::TargetError) -> anyhow::Error {
    lib(e)
}

/// The one error printer: `error: …`, each cause on its own line, then
/// `hint: …` (the innermost hint given). Returns the exit code to use.
pub fn print(printer: &crate::printer::Printer, err: &anyhow::Error) -> u8 {
    printer.error(err.to_string());
    for cause in err.chain().skip(1) {
        printer.cause(cause.to_string());
    }
    let hinted = err.chain().find_map(|e| e.downcast_ref::<Hinted>());
    if let Some(hint) = hinted.and_then(|h| h.hint.as_deref()) {
        printer.hint(hint);
    }
    u8::try_from(hinted.map_or(1, |h| h.code)).unwrap_or(1)
}
