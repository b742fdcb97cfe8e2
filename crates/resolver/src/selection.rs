//! The selection: which request applies in a folder, and where it came from.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::env::{self, Env};
use crate::hint::Hint;
use crate::home::PymanHome;
use crate::project::{Found, find_pyproject, find_version_file, read_candidate};
use crate::request::{RequestError, VersionRequest};
use crate::version_file::{FileKind, VersionFileError};

/// Where a selection came from, for `pyman current` and for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectionSource {
    /// An environment variable (`PYMAN_PYTHON`).
    Env { var: &'static str },
    /// A project file: `.python-version`, `.python-versions`, `.tool-versions` or `pyproject.toml`.
    File {
        path: PathBuf,
        line: usize,
        kind: FileKind,
    },
    /// The global default, `$PYMAN_HOME/version`.
    Global { path: PathBuf, line: usize },
    /// A project's `.venv` with no version file above it: the venv decides,
    /// as with uv and the `py` launcher.
    Venv { root: PathBuf },
    /// pyenv's global default, `$PYENV_ROOT/version` (`pyenv global`).
    PyenvGlobal { path: PathBuf, line: usize },
    /// Nothing selects a Python here: the shims use the system's, as pyenv does.
    Fallback,
}

impl fmt::Display for SelectionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectionSource::Env { var } => write!(f, "the `{var}` environment variable"),
            SelectionSource::File { path, line, .. } => write!(f, "{}:{line}", path.display()),
            SelectionSource::Global { path, line } => {
                write!(f, "{}:{line} (global default)", path.display())
            }
            SelectionSource::Venv { root } => {
                write!(
                    f,
                    "{} (the project's venv; no version file)",
                    root.display()
                )
            }
            SelectionSource::PyenvGlobal { path, line } => {
                write!(f, "{}:{line} (pyenv's global default)", path.display())
            }
            SelectionSource::Fallback => f.write_str("nothing (no pin here: the system's Python)"),
        }
    }
}

impl SelectionSource {
    /// A phrase for messages: "selected by `/p/.python-version` line 1".
    pub fn reason(&self) -> String {
        match self {
            SelectionSource::Env { var } => format!("selected by `{var}`"),
            SelectionSource::File { path, line, .. } => {
                format!("selected by `{}` line {line}", path.display())
            }
            SelectionSource::Global { path, .. } => {
                format!("the global default in `{}`", path.display())
            }
            SelectionSource::Venv { root } => format!(
                "selected by the venv `{}` (no version file up the tree)",
                root.display()
            ),
            SelectionSource::PyenvGlobal { path, line } => {
                format!("pyenv's global default in `{}` line {line}", path.display())
            }
            SelectionSource::Fallback => {
                "nothing is pinned here, so the system's Python is used".to_string()
            }
        }
    }

    /// A short machine-readable kind for `--json`.
    pub fn kind(&self) -> &'static str {
        match self {
            SelectionSource::Env { .. } => "env",
            SelectionSource::File { kind, .. } => match kind {
                FileKind::PythonVersion => "python-version",
                FileKind::PythonVersions => "python-versions",
                FileKind::ToolVersions => "tool-versions",
                FileKind::Pyproject => "pyproject",
                FileKind::Global => "global",
                FileKind::PyenvGlobal => "pyenv-global",
            },
            SelectionSource::Global { .. } => "global",
            SelectionSource::Venv { .. } => "venv",
            SelectionSource::PyenvGlobal { .. } => "pyenv-global",
            SelectionSource::Fallback => "fallback",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub request: VersionRequest,
    pub source: SelectionSource,
    /// The file's further versions (`3.12.1` then `3.11.7`, as pyenv
    /// allows): each one's `python3.X` runs that version.
    pub others: Vec<VersionRequest>,
}

impl Selection {
    /// A selection with no further versions.
    pub fn new(request: VersionRequest, source: SelectionSource) -> Selection {
        Selection {
            request,
            source,
            others: Vec::new(),
        }
    }
}

impl Selection {
    /// The project folder the selection belongs to: the folder of the project
    /// file. Its `.venv` is the project venv. Environment and global selections
    /// have none.
    pub fn project_dir(&self) -> Option<&Path> {
        match &self.source {
            SelectionSource::File { path, .. } => path.parent(),
            SelectionSource::Venv { root } => root.parent(),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    #[error(transparent)]
    File(#[from] VersionFileError),
    #[error("`{var}` is set to `{value}`, which is not a valid Python request")]
    Env {
        var: &'static str,
        value: String,
        #[source]
        source: RequestError,
    },
}

impl Hint for SelectError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            SelectError::File(e) => e.hint().unwrap_or_default(),
            SelectError::Env { var, source, .. } => {
                format!("{}; or unset `{var}`", source.hint().unwrap_or_default())
            }
        })
    }

    fn exit_code(&self) -> i32 {
        2
    }
}

fn from_found(found: Found) -> Selection {
    let line = found.request.line;
    let source = match found.kind {
        FileKind::Global => SelectionSource::Global {
            path: found.path,
            line,
        },
        FileKind::PyenvGlobal => SelectionSource::PyenvGlobal {
            path: found.path,
            line,
        },
        kind => SelectionSource::File {
            path: found.path,
            line,
            kind,
        },
    };
    Selection {
        request: found.request.request,
        source,
        others: found.request.others,
    }
}

/// The selection for `cwd`:
/// 1. `PYMAN_PYTHON`;
/// 2. the nearest `.python-version`, `.python-versions` or `.tool-versions` walking up;
/// 3. only where none exists, the nearest `pyproject.toml` `requires-python`;
/// 4. the nearest project `.venv` walking up;
/// 5. the global default, `$PYMAN_HOME/version`;
/// 6. pyenv's global default, `$PYENV_ROOT/version`;
/// 7. else `None`.
pub fn select(cwd: &Path, env: &Env, home: &PymanHome) -> Result<Option<Selection>, SelectError> {
    if let Some(selection) = env_selection(env) {
        return selection.map(Some);
    }
    if let Some(found) = find_version_file(cwd)? {
        return Ok(Some(from_found(found)));
    }
    if let Some(found) = find_pyproject(cwd)? {
        return Ok(Some(from_found(found)));
    }
    if let Some(root) = find_project_venv(cwd, env) {
        let python = crate::venv::venv_python(&root);
        return Ok(Some(Selection::new(
            VersionRequest::Path(python),
            SelectionSource::Venv { root },
        )));
    }
    Ok(find_global(env, home)?.map(from_found))
}

/// The global default: pyman's `$PYMAN_HOME/version`, else pyenv's
/// `$PYENV_ROOT/version`.
pub fn find_global(env: &Env, home: &PymanHome) -> Result<Option<Found>, VersionFileError> {
    if let Some(found) = read_candidate(&home.global_version_file(), FileKind::Global)? {
        return Ok(Some(found));
    }
    match crate::pyenv::global_version_file(env) {
        Some(path) => read_candidate(&path, FileKind::PyenvGlobal),
        None => Ok(None),
    }
}

/// The nearest `.venv` (a folder with `pyvenv.cfg`) from `start` up, within
/// the project: the walk stops at a repository's root (`.git`) and below
/// the home folder (a `~/.venv` would otherwise take over from the global
/// default everywhere). A `.venv` in a folder others may write to (`/tmp`)
/// or owned by someone other than its folder's owner is passed over: it
/// could be anyone's program.
fn find_project_venv(start: &Path, env: &Env) -> Option<PathBuf> {
    let home = env.home_dir();
    for dir in start.ancestors() {
        if home.as_deref() == Some(dir) {
            return None;
        }
        let root = dir.join(crate::venv::PROJECT_VENV);
        if root.join("pyvenv.cfg").is_file() && crate::trust::owned_like_its_folder(dir, &root) {
            return Some(root);
        }
        if dir.join(".git").exists() {
            return None;
        }
    }
    None
}

/// `PYMAN_PYTHON`, when set and not empty.
fn env_selection(env: &Env) -> Option<Result<Selection, SelectError>> {
    let value = env
        .non_empty(env::PYMAN_PYTHON)?
        .to_string_lossy()
        .into_owned();
    Some(
        value
            .parse()
            .map(|request| {
                Selection::new(
                    request,
                    SelectionSource::Env {
                        var: env::PYMAN_PYTHON,
                    },
                )
            })
            .map_err(|source| SelectError::Env {
                var: env::PYMAN_PYTHON,
                value,
                source,
            }),
    )
}

/// A pin no version of which the project's `requires-python` allows.
#[derive(Debug, Clone)]
pub struct PinConflict {
    pub pin: VersionRequest,
    pub source: SelectionSource,
    pub pyproject: Found,
}

impl fmt::Display for PinConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the pin `{}` ({}) contradicts `requires-python = \"{}\"` in `{}` line {}",
            self.pin,
            self.source,
            self.pyproject.request.request,
            self.pyproject.path.display(),
            self.pyproject.request.line
        )
    }
}

impl std::error::Error for PinConflict {}

impl Hint for PinConflict {
    fn hint(&self) -> Option<String> {
        Some(format!(
            "pin a version the project supports, for example `pyman pin {}`",
            crate::hint::shell_word(&self.pyproject.request.request.to_string())
        ))
    }
}

/// The `pyproject.toml` whose `requires-python` no version of this
/// selection's request can satisfy (a pin of `3.10` in a project that
/// requires `>=3.11`), searched from the selection's project up. For
/// `pyman current` and `doctor`; the shim does not pay for it.
pub fn requires_python_conflict(selection: &Selection) -> Option<PinConflict> {
    if let SelectionSource::File {
        kind: FileKind::Pyproject,
        ..
    } = selection.source
    {
        return None;
    }
    let dir = selection.project_dir()?;
    conflicting_pyproject(dir, &selection.request).map(|pyproject| PinConflict {
        pin: selection.request.clone(),
        source: selection.source.clone(),
        pyproject,
    })
}

/// The nearest `pyproject.toml` from `dir` up whose `requires-python`
/// `request` cannot satisfy.
pub fn conflicting_pyproject(dir: &Path, request: &VersionRequest) -> Option<Found> {
    let found = find_pyproject(dir).ok().flatten()?;
    (!request.overlaps(&found.request.request)).then_some(found)
}

/// Every pin visible from `cwd`, nearest first: `PYMAN_PYTHON`, each version
/// file and `pyproject.toml` on the walk up (not only the one that decides),
/// and the global default. For `pyman doctor`, and for telling which pins an
/// uninstall or upgrade affects. Unreadable or invalid ones are errors.
pub fn pins_in_chain(
    cwd: &Path,
    env: &Env,
    home: &PymanHome,
) -> Vec<Result<Selection, SelectError>> {
    let mut out: Vec<_> = env_selection(env).into_iter().collect();
    let kinds = [
        FileKind::PythonVersion,
        FileKind::PythonVersions,
        FileKind::ToolVersions,
        FileKind::Pyproject,
    ];
    let files = cwd
        .ancestors()
        .flat_map(|dir| kinds.map(|kind| (dir.join(kind.file_name()), kind)))
        .chain(std::iter::once((
            home.global_version_file(),
            FileKind::Global,
        )));
    for (path, kind) in files {
        match read_candidate(&path, kind) {
            Ok(Some(found)) => out.push(Ok(from_found(found))),
            Ok(None) => {}
            Err(e) => out.push(Err(e.into())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    struct Tree(PathBuf);
    impl Tree {
        fn new(name: &str) -> Tree {
            let root =
                std::env::temp_dir().join(format!("pyman-sel-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&root);
            fs::create_dir_all(root.join("home")).unwrap();
            Tree(root)
        }
        fn write(&self, rel: &str, text: &str) -> PathBuf {
            let p = self.0.join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, text).unwrap();
            p
        }
        fn dir(&self, rel: &str) -> PathBuf {
            let p = self.0.join(rel);
            fs::create_dir_all(&p).unwrap();
            p
        }
        fn home(&self) -> PymanHome {
            PymanHome::new(self.0.join("home"))
        }
        fn select(&self, cwd: &str, env: &Env) -> Result<Option<Selection>, SelectError> {
            select(&self.dir(cwd), env, &self.home())
        }
    }
    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
    fn none() -> Env {
        Env::from_pairs::<&str, &str>([])
    }

    #[test]
    fn precedence_env_file_pyproject_global() {
        let t = Tree::new("prec");
        assert_eq!(t.select("a/b/c", &none()).unwrap(), None);

        t.write("home/version", "3.10\n");
        let s = t.select("a/b/c", &none()).unwrap().unwrap();
        assert_eq!(s.request.to_string(), "3.10");
        assert!(matches!(s.source, SelectionSource::Global { .. }));
        assert_eq!(s.project_dir(), None);

        t.write(
            "a/pyproject.toml",
            "[project]\nrequires-python = \">=3.11\"\n",
        );
        let s = t.select("a/b/c", &none()).unwrap().unwrap();
        assert_eq!(s.request.to_string(), ">=3.11");
        assert_eq!(s.project_dir(), Some(t.0.join("a").as_path()));

        // A version file anywhere up the tree beats a nearer pyproject.toml.
        t.write(".tool-versions", "python 3.9.18\n");
        let s = t.select("a/b/c", &none()).unwrap().unwrap();
        assert_eq!(s.request.to_string(), "3.9.18");

        t.write("a/b/.python-version", "3.12\n");
        let s = t.select("a/b/c", &none()).unwrap().unwrap();
        assert_eq!(s.request.to_string(), "3.12");
        assert_eq!(
            s.source,
            SelectionSource::File {
                path: t.0.join("a/b/.python-version"),
                line: 1,
                kind: FileKind::PythonVersion
            }
        );

        let env = Env::from_pairs([("PYMAN_PYTHON", "3.13")]);
        let s = t.select("a/b/c", &env).unwrap().unwrap();
        assert_eq!(s.request.to_string(), "3.13");
        assert_eq!(
            s.source.to_string(),
            "the `PYMAN_PYTHON` environment variable"
        );
        // An empty variable is unset.
        let env = Env::from_pairs([("PYMAN_PYTHON", "")]);
        assert_eq!(
            t.select("a/b/c", &env)
                .unwrap()
                .unwrap()
                .request
                .to_string(),
            "3.12"
        );
        let env = Env::from_pairs([("PYMAN_PYTHON", "pypy@3.10")]);
        assert!(matches!(
            t.select("a/b/c", &env),
            Err(SelectError::Env { .. })
        ));
    }

    #[test]
    fn pins_in_chain_lists_every_pin_nearest_first() {
        let t = Tree::new("chain");
        t.write(".python-version", "3.11\n");
        t.write("p/.tool-versions", "python 3.10\n");
        t.write("p/q/.python-version", "bad-env-name\n");
        t.write("home/version", "3.9\n");
        let env = Env::from_pairs([("PYMAN_PYTHON", "3.13")]);
        let pins = pins_in_chain(&t.dir("p/q"), &env, &t.home());
        let text: Vec<String> = pins
            .iter()
            .map(|p| {
                p.as_ref()
                    .map_or_else(|_| "error".to_string(), |s| s.request.to_string())
            })
            .collect();
        assert_eq!(text, ["3.13", "bad-env-name", "3.10", "3.11", "3.9"]);
    }

    #[test]
    fn one_folder_prefers_python_version() {
        let t = Tree::new("folder");
        t.write("p/.tool-versions", "python 3.9\n");
        assert_eq!(
            t.select("p", &none()).unwrap().unwrap().request.to_string(),
            "3.9"
        );
        t.write("p/.python-versions", "3.11\n3.12\n");
        assert_eq!(
            t.select("p", &none()).unwrap().unwrap().request.to_string(),
            "3.11"
        );
        t.write("p/.python-version", "3.12\n");
        assert_eq!(
            t.select("p", &none()).unwrap().unwrap().request.to_string(),
            "3.12"
        );
    }

    #[test]
    fn tool_versions_without_python_is_skipped_but_bad_files_stop() {
        let t = Tree::new("skip");
        t.write(".python-version", "3.11\n");
        t.write("p/.tool-versions", "nodejs 20\n");
        assert_eq!(
            t.select("p/q", &none())
                .unwrap()
                .unwrap()
                .request
                .to_string(),
            "3.11"
        );
        // A broken nearer file is an error, never a silent fall-through.
        t.write("p/.python-version", "3.12.x\n");
        let e = t.select("p/q", &none()).unwrap_err();
        assert!(e.to_string().contains("p/.python-version` line 1"), "{e}");
    }
}
