//! What pyenv made, read where pyman adopts it without changing a file:
//! pyenv's root, its global `version` file (`pyenv global`) and
//! pyenv-virtualenv's environments. pyman never writes into any of them.

use std::path::{Path, PathBuf};

use crate::env::{self, Env};
use crate::home::PymanHome;
use crate::platform::BIN_DIR;
use crate::request::EnvName;

/// `$PYENV_ROOT`, else `~/.pyenv`; a root that is not an absolute path
/// here (relative, or a Unix path seen by a Windows program) names nothing.
pub fn root(env: &Env) -> Option<PathBuf> {
    match env.non_empty(env::PYENV_ROOT) {
        Some(root) => Some(PathBuf::from(root)),
        None => env.home_dir().map(|h| h.join(".pyenv")),
    }
    .filter(|r| r.is_absolute())
}

/// `$PYENV_ROOT/version`, which `pyenv global` writes.
pub fn global_version_file(env: &Env) -> Option<PathBuf> {
    root(env).map(|r| r.join("version"))
}

/// Where an environment of this name lives, first found: pyman's own
/// (`$PYMAN_HOME/envs/NAME`), then pyenv-virtualenv's link
/// `$PYENV_ROOT/versions/NAME`, then `$PYENV_ROOT/versions/*/envs/NAME`.
/// The long form `3.12.1/envs/NAME` names its one place.
pub fn find_env(env: &Env, home: &PymanHome, name: &EnvName) -> Option<PathBuf> {
    let versions = root(env).map(|r| r.join("versions"));
    if let Some(version) = &name.version {
        let dir = versions?.join(version).join("envs").join(&name.name);
        return is_env(&dir).then_some(dir);
    }
    let own = home.envs().join(&name.name);
    if is_env(&own) {
        return Some(own);
    }
    let versions = versions?;
    let link = versions.join(&name.name);
    if is_env(&link) {
        return Some(link);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(&versions)
        .ok()?
        .flatten()
        .map(|e| e.path().join("envs").join(&name.name))
        .filter(|d| is_env(d))
        .collect();
    // Deterministic when two versions hold an env of one name (pyenv
    // itself goes by its link, checked above): the last in name order.
    found.sort();
    found.pop()
}

/// The interpreter pyenv keeps under a name that is not a version
/// (`versions/mybuild`, a linked Homebrew Python): what pyenv runs for a
/// version file line `mybuild`.
/// Its folder; the interpreter in it is found as for any folder request.
pub fn named_interpreter_dir(env: &Env, name: &EnvName) -> Option<PathBuf> {
    if name.version.is_some() {
        return None;
    }
    let prefix = root(env)?.join("versions").join(&name.name);
    (prefix.is_dir() && !is_env(&prefix)).then_some(prefix)
}

/// A venv (`pyvenv.cfg`), a conda environment (`conda-meta`), or an old
/// virtualenv (`lib/pythonX.Y/orig-prefix.txt`, what virtualenv before 20
/// made, for Python 2.7). An interpreter is not an environment: pip run
/// "in" it would install into the interpreter.
pub fn is_env(dir: &Path) -> bool {
    // A venv, or a conda environment (pyenv-virtualenv makes those too).
    if dir.join("pyvenv.cfg").is_file() || dir.join("conda-meta").is_dir() {
        return true;
    }
    let has_python = dir
        .join(BIN_DIR)
        .join(format!("python{}", crate::platform::EXE_SUFFIX))
        .is_file();
    has_python
        && std::fs::read_dir(dir.join("lib")).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.path().join("orig-prefix.txt").is_file())
        })
}
