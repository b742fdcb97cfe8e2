//! Applications in their own venvs (`pyman tool install`), as the shim
//! sees them: `$PYMAN_HOME/tools/NAME` is the tool's venv, and
//! `$PYMAN_HOME/tools/commands/CMD` a one-line file naming the tool that
//! provides the command `CMD`. One small read, and only for a command that
//! is not Python's own.

use std::fs;
use std::path::PathBuf;

use crate::home::PymanHome;
use crate::platform::{BIN_DIR, EXE_SUFFIX};

/// The folder of command files.
pub fn commands_dir(home: &PymanHome) -> PathBuf {
    home.tools().join("commands")
}

/// A command a tool provides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCommand {
    /// The tool's name (its folder in `$PYMAN_HOME/tools`).
    pub tool: String,
    /// The tool's venv.
    pub venv: PathBuf,
    /// The console script.
    pub program: PathBuf,
}

impl ToolCommand {
    /// The tool venv's interpreter; gone when the Python it was built on was removed.
    pub fn python(&self) -> PathBuf {
        crate::venv::venv_python(&self.venv)
    }
}

/// The tool that provides `name`, if any.
pub fn command(home: &PymanHome, name: &str) -> Option<ToolCommand> {
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return None;
    }
    let text = fs::read_to_string(commands_dir(home).join(name)).ok()?;
    let tool = text.trim();
    if tool.is_empty() || tool.contains(['/', '\\']) || tool.starts_with('.') {
        return None;
    }
    let venv = home.tools().join(tool);
    Some(ToolCommand {
        program: venv.join(BIN_DIR).join(format!("{name}{EXE_SUFFIX}")),
        tool: tool.to_string(),
        venv,
    })
}
