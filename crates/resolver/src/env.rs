//! Environment variables pyman reads, in one place, and an explicit environment
//! so the resolver can be tested without touching the process's own.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};

/// Overrides the selection for this shell: any request form (`3.12`, `system`, a path).
pub const PYMAN_PYTHON: &str = "PYMAN_PYTHON";
/// pyman's data folder (interpreters, shims, venvs, cache, global pin).
pub const PYMAN_HOME: &str = "PYMAN_HOME";
/// Incremented by each shim hop; a shim refuses to run past [`MAX_SHIM_DEPTH`].
pub const PYMAN_SHIM_DEPTH: &str = "PYMAN_SHIM_DEPTH";
/// `1`: a shim whose selection is not installed runs `pyman install` first.
pub const PYMAN_AUTO_INSTALL: &str = "PYMAN_AUTO_INSTALL";
/// `1`: the shim prints what it read and decided on stderr.
pub const PYMAN_DEBUG: &str = "PYMAN_DEBUG";
/// Set by the shim for the interpreter when a venv is used, as `activate` does.
pub const VIRTUAL_ENV: &str = "VIRTUAL_ENV";
/// Where pyenv keeps its interpreters (default `~/.pyenv`).
pub const PYENV_ROOT: &str = "PYENV_ROOT";
/// Where uv keeps its managed interpreters.
pub const UV_PYTHON_INSTALL_DIR: &str = "UV_PYTHON_INSTALL_DIR";

/// More hops than any legitimate nesting needs (rustup settled on 20 too).
pub const MAX_SHIM_DEPTH: u32 = 20;

/// The environment the resolver sees.
#[derive(Debug, Clone, Default)]
pub enum Env {
    /// The real process environment, read lazily one variable at a time.
    #[default]
    Process,
    /// A fixed map, for tests and for callers that compute one.
    Map(HashMap<String, OsString>),
}

impl Env {
    pub fn var_os(&self, name: &str) -> Option<OsString> {
        match self {
            Env::Process => std::env::var_os(name),
            Env::Map(map) => map.get(name).cloned(),
        }
    }

    /// A variable that is set and not empty.
    pub fn non_empty(&self, name: &str) -> Option<OsString> {
        self.var_os(name).filter(|v| !v.is_empty())
    }

    /// The user's home folder: `HOME`, or `USERPROFILE` on Windows.
    pub fn home_dir(&self) -> Option<std::path::PathBuf> {
        self.non_empty(if cfg!(windows) { "USERPROFILE" } else { "HOME" })
            .map(std::path::PathBuf::from)
    }

    pub fn is_true(&self, name: &str) -> bool {
        self.var_os(name)
            .is_some_and(|v| matches!(v.to_str(), Some("1" | "true" | "yes" | "on")))
    }

    pub fn from_pairs<K: Into<String>, V: AsRef<OsStr>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Env {
        Env::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.as_ref().to_os_string()))
                .collect(),
        )
    }
}
