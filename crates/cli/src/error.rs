//! Errors at the binary edge: any error, plus an optional hint and exit code.

use std::fmt;

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
        .map_err(|e: pyman_resolver::request::RequestError| {
            let hint = e.hint();
            hinted(e, hint, 2)
        })
}

/// Resolver errors carry their own hints.
pub fn target_error(e: pyman_resolver::TargetError) -> anyhow::Error {
    anyhow::Error::new(Hinted::from(e))
}
