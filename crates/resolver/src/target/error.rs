//! Why a command has no target, with the fix and a stable exit code.

use std::io;
use std::path::PathBuf;

use crate::hint::Hint;
use crate::home::HomeError;
use crate::inventory::InventoryError;
use crate::request::{EnvName, VersionRequest};
use crate::selection::SelectError;

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("the current folder cannot be read (was it deleted?)")]
    Cwd(#[source] io::Error),
    #[error(transparent)]
    Home(#[from] HomeError),
    #[error(transparent)]
    Select(#[from] SelectError),
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    #[error("no Python is selected here: no `PYMAN_PYTHON`, no version file from `{}` up to the root, and no global default", cwd.display())]
    NoSelection { cwd: PathBuf },
    #[error("Python `{request}` is not installed ({reason})")]
    NotInstalled {
        request: VersionRequest,
        reason: String,
    },
    #[error("`{name}` asks for Python {major}.{minor}, which is not installed")]
    MinorNotInstalled {
        name: String,
        major: u64,
        minor: u64,
    },
    #[error("the interpreter `{}` does not exist ({reason})", path.display())]
    PathMissing { path: PathBuf, reason: String },
    #[error("`{}` is {what}, not a Python interpreter ({reason})", path.display())]
    PathNotInterpreter {
        path: PathBuf,
        what: String,
        reason: String,
    },
    #[error("no environment named `{name}` exists ({reason}): pyman looked in {looked}")]
    EnvNotFound {
        name: EnvName,
        reason: String,
        /// The folders searched, as the message shows them.
        looked: String,
    },
    #[error("the environment `{name}` at `{}` has no `python` ({reason}); its interpreter may be gone", root.display())]
    EnvBroken {
        name: EnvName,
        root: PathBuf,
        reason: String,
    },
    #[error("`{name}` belongs to the tool `{tool}`, whose Python is gone (its venv `{}` was built on `{}`)", venv.display(), venv_home.as_deref().map_or_else(|| "an unknown interpreter".into(), |h| h.display().to_string()))]
    ToolBroken {
        name: String,
        tool: String,
        venv: PathBuf,
        venv_home: Option<PathBuf>,
    },
    #[error("`{name}` would install into Python {version} itself (`{}`): Python 2 has no `venv` module, so pyman gives it no default venv", interpreter.display())]
    Python2Pip {
        name: String,
        interpreter: PathBuf,
        version: String,
    },
    #[error(
        "no system Python (`python3`, `python`) found on `PATH` outside shims for the `system` selection ({reason})"
    )]
    SystemNotFound { reason: String },
    #[error(
        "the project venv `{}` was built from `{}`, but the selected interpreter is `{}` ({reason})",
        venv.display(),
        venv_home.as_deref().map_or_else(|| "an unknown interpreter".into(), |h| h.display().to_string()),
        interpreter.display()
    )]
    StaleVenv {
        venv: PathBuf,
        venv_home: Option<PathBuf>,
        interpreter: PathBuf,
        reason: String,
    },
    #[error("cannot read the venv `{}`", venv.display())]
    VenvUnreadable {
        venv: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("`{name}` is not in the {where_} (searched {})", list(searched))]
    CommandNotFound {
        name: String,
        where_: String,
        searched: Vec<PathBuf>,
        elsewhere: Vec<PathBuf>,
    },
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Hint for TargetError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            TargetError::Cwd(_) => "`cd` into a folder that exists".to_string(),
            TargetError::Home(e) => return e.hint(),
            TargetError::Select(e) => return e.hint(),
            TargetError::Inventory(e) => return e.hint(),
            TargetError::NoSelection { .. } => {
                "pin one for this project with `pyman pin 3.12`, or a default with `pyman pin --global 3.12`".to_string()
            }
            TargetError::NotInstalled { request, .. } => {
                format!(
                    "install it with `pyman install {}`, or see what is installed with `pyman list`",
                    crate::hint::shell_word(&request.to_string())
                )
            }
            TargetError::MinorNotInstalled { major, minor, .. } => {
                format!("install it with `pyman install {major}.{minor}`")
            }
            TargetError::PathMissing { .. } => {
                "fix the path, or pin an installed version with `pyman pin 3.12`".to_string()
            }
            TargetError::PathNotInterpreter { .. } => {
                "give the path of the interpreter itself (for example `/opt/python/bin/python3`), or pin a version with `pyman pin 3.12`".to_string()
            }
            TargetError::EnvNotFound { name, .. } => format!(
                "create it with `pyman venv --name {0} --python 3.12`, or write a version such as `3.12` in place of `{name}`",
                name.name
            ),
            TargetError::EnvBroken { name, .. } => format!(
                "rebuild it with `pyman venv --name {} --recreate --python 3.12`, or pin a version instead",
                name.name
            ),
            TargetError::ToolBroken { tool, .. } => format!(
                "rebuild it on an installed Python with `pyman tool upgrade {tool} --python 3.13`, or reinstall its Python and run `pyman tool upgrade {tool}`"
            ),
            TargetError::Python2Pip { .. } => {
                "make a virtualenv for it with virtualenv 20.x (`pip install 'virtualenv<20.22'`, the last that makes 2.7 ones, with `pyvenv.cfg`): `virtualenv -p python2.7 .venv`, or `pyenv virtualenv 2.7.18 NAME`, and select it by writing its name or path in `.python-version`".to_string()
            }
            TargetError::SystemNotFound { .. } => {
                "install a system Python, or pin a version with `pyman pin 3.12`".to_string()
            }
            TargetError::StaleVenv { venv, .. } => format!(
                "rebuild it with `pyman venv --recreate {}` (it lists the packages to reinstall), or pin the venv's version",
                crate::hint::shell_word(&venv.display().to_string())
            ),
            TargetError::VenvUnreadable { .. } => return None,
            TargetError::CommandNotFound { elsewhere, name, .. } if !elsewhere.is_empty() => {
                format!("`{name}` exists in {}; install it into this environment with `pip install`, or select that interpreter", list(elsewhere))
            }
            TargetError::CommandNotFound { .. } => {
                "install it into this environment with `pip install`".to_string()
            }
        })
    }

    /// Stable exit codes: 2 bad input, 127 command not found, 1 anything else.
    fn exit_code(&self) -> i32 {
        match self {
            TargetError::Select(_) => 2,
            TargetError::CommandNotFound { .. } => 127,
            _ => 1,
        }
    }
}
