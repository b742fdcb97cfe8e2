//! From a folder and a command name to the executable to run. The shim and
//! `pyman which` / `pyman current` all call this, so they always agree.

use std::fs;
use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::home::PymanHome;
use crate::inventory::{Interpreter, Inventory};
use crate::platform::BIN_DIR;
use crate::request::VersionRequest;
use crate::selection::{Selection, SelectionSource, select};
use crate::venv::{PROJECT_VENV, default_venv_dir, read_venv};

mod error;
mod names;
mod path;

pub use error::TargetError;
use names::interpreter_names;
pub use names::{command_name, is_python_command, minor_in_name};
use path::{find_in, interpreter_dirs, is_executable};
pub use path::{find_on_path, next_on_path, shims_manager};

/// What the resolver needs to know about the caller.
#[derive(Debug, Clone)]
pub struct Context {
    pub cwd: PathBuf,
    pub env: Env,
    pub home: PymanHome,
    /// The running shim's file, so that no candidate ever resolves to a shim.
    pub shim_id: Option<FileId>,
}

impl Context {
    /// The process's own folder and environment.
    pub fn from_process() -> Result<Context, TargetError> {
        Context::for_shim(None)
    }

    /// The process's context as a shim at `exe` sees it: without
    /// `PYMAN_HOME` (tox, nox and others pass their commands only a few
    /// variables), the home is the one the shim belongs to, the parent of
    /// its `shims` folder, as pyenv's shims carry their root. The variable
    /// still wins when set.
    pub fn for_shim(exe: Option<&Path>) -> Result<Context, TargetError> {
        let cwd = std::env::current_dir().map_err(TargetError::Cwd)?;
        let env = Env::Process;
        let from_location = env
            .non_empty(crate::env::PYMAN_HOME)
            .is_none()
            .then(|| exe.and_then(home_of_shim))
            .flatten();
        let home = match from_location {
            Some(home) => home,
            None => PymanHome::from_env(&env, &cwd)?,
        };
        Ok(Context {
            cwd,
            env,
            home,
            shim_id: None,
        })
    }
}

/// `<home>/shims/<name>` → `<home>`: a shim lives in its home's `shims`
/// folder (`pyman rehash` puts it there), so its path names the home.
pub fn home_of_shim(exe: &Path) -> Option<PymanHome> {
    let dir = exe.parent()?;
    let home = dir.parent()?;
    (dir.file_name()? == "shims").then(|| PymanHome::new(home))
}

/// A file's identity (device and inode on Unix), to recognise hard links of the shim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    #[cfg(unix)]
    pub fn of(md: &fs::Metadata) -> Option<FileId> {
        use std::os::unix::fs::MetadataExt;
        Some(FileId {
            dev: md.dev(),
            ino: md.ino(),
        })
    }

    #[cfg(not(unix))]
    pub fn of(_md: &fs::Metadata) -> Option<FileId> {
        None
    }
}

/// Which candidate supplied the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// The project's `.venv`, next to the file that made the selection.
    ProjectVenv,
    /// A named environment a version file selects: pyman's
    /// (`pyman venv --name`) or pyenv-virtualenv's.
    NamedEnv,
    /// An application's command from its own venv (`pyman tool install`).
    Tool,
    /// The interpreter's default venv in `$PYMAN_HOME/venvs`.
    DefaultVenv,
    /// The interpreter's own folder.
    Interpreter,
    /// A `system` selection: the command on `PATH`, outside any shims.
    System,
    /// Not a Python command of the selected environment: the next executable
    /// of that name on `PATH` after pyman's shims, as if the shim were absent.
    FallThrough,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::ProjectVenv => "project venv",
            TargetKind::NamedEnv => "named environment",
            TargetKind::Tool => "tool",
            TargetKind::DefaultVenv => "default venv",
            TargetKind::Interpreter => "interpreter",
            TargetKind::System => "system",
            TargetKind::FallThrough => "next on PATH",
        }
    }
}

/// The interpreter a selection resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub executable: PathBuf,
    /// Its inventory entry; `None` for `system` and paths pyman does not
    /// know. For an environment, the interpreter it was built from.
    pub installed: Option<Interpreter>,
    /// The environment the selection names (a named environment, a bare
    /// `.venv`, a path to a venv's `python`): commands run from it.
    pub env: Option<PathBuf>,
}

impl Resolved {
    pub fn bin_dir(&self) -> &Path {
        self.executable.parent().unwrap_or(Path::new("/"))
    }
}

/// The executable a shim named `name` runs here.
#[derive(Debug, Clone)]
pub struct Target {
    pub program: PathBuf,
    pub kind: TargetKind,
    /// Set as `VIRTUAL_ENV` when the program runs from a venv.
    pub venv: Option<PathBuf>,
    pub selection: Option<Selection>,
    /// The selected interpreter; for [`TargetKind::FallThrough`], the program itself.
    pub interpreter: Resolved,
    /// The interpreter's default venv, when it should have one and has none
    /// yet: the shim asks `pyman` to create it before running anything, so
    /// that no `pip` ever writes into the interpreter itself.
    pub missing_default_venv: Option<PathBuf>,
}

/// The selection here, or the error that says how to make one.
pub fn require_selection(ctx: &Context) -> Result<Selection, TargetError> {
    select(&ctx.cwd, &ctx.env, &ctx.home)?.ok_or_else(|| TargetError::NoSelection {
        cwd: ctx.cwd.clone(),
    })
}

/// The interpreter a selection resolves to.
pub fn resolve(
    ctx: &Context,
    selection: &Selection,
    inventory: &Inventory,
) -> Result<Resolved, TargetError> {
    match &selection.request {
        VersionRequest::System => {
            let executable = ["python3", "python"]
                .iter()
                .find_map(|n| find_on_path(ctx, n))
                .ok_or_else(|| TargetError::SystemNotFound {
                    reason: selection.source.reason(),
                })?;
            Ok(Resolved {
                installed: inventory.by_executable(&executable).cloned(),
                executable,
                env: None,
            })
        }
        VersionRequest::Path(path) => {
            let executable = interpreter_at(ctx, path, selection)?;
            Ok(resolved_at(executable, inventory))
        }
        VersionRequest::Env(name) => {
            let Some(root) = crate::pyenv::find_env(&ctx.env, &ctx.home, name) else {
                // pyenv's own name for an interpreter (`versions/mybuild`):
                // that interpreter, with its default venv, as pyenv runs it.
                if let Some(dir) = crate::pyenv::named_interpreter_dir(&ctx.env, name)
                    && let Ok(exe) = interpreter_at(ctx, &dir, selection)
                {
                    return Ok(resolved_at(exe, inventory));
                }
                let pyenv = crate::pyenv::root(&ctx.env).map_or_else(String::new, |r| {
                    format!(" and pyenv's `{}`", r.join("versions").display())
                });
                return Err(TargetError::EnvNotFound {
                    name: name.clone(),
                    reason: selection.source.reason(),
                    looked: format!("`{}`{pyenv}", ctx.home.envs().display()),
                });
            };
            let bin = root.join(BIN_DIR);
            let executable = find_in(ctx, &bin, &["python", "python3"]).ok_or_else(|| {
                TargetError::EnvBroken {
                    name: name.clone(),
                    root: root.clone(),
                    reason: selection.source.reason(),
                }
            })?;
            Ok(Resolved {
                executable,
                installed: base_of(&root, inventory),
                env: Some(root),
            })
        }
        request => inventory
            .best(request)
            .map(|i| Resolved {
                executable: i.executable.clone(),
                installed: Some(i.clone()),
                env: None,
            })
            .ok_or_else(|| TargetError::NotInstalled {
                request: request.clone(),
                reason: selection.source.reason(),
            }),
    }
}

/// The interpreter a path request names: the file, or in a folder (a
/// prefix, a venv, a `bin`) its `python3`; each way it is not one said.
fn interpreter_at(
    ctx: &Context,
    path: &Path,
    selection: &Selection,
) -> Result<PathBuf, TargetError> {
    let not = |what: &str| TargetError::PathNotInterpreter {
        path: path.to_path_buf(),
        what: what.to_string(),
        reason: selection.source.reason(),
    };
    match fs::metadata(path) {
        Err(_) => Err(TargetError::PathMissing {
            path: path.to_path_buf(),
            reason: selection.source.reason(),
        }),
        Ok(md) if md.is_dir() => {
            let exe = crate::platform::EXE_SUFFIX;
            let inside = [
                format!("bin/python3{exe}"),
                format!("bin/python{exe}"),
                format!("Scripts/python{exe}"),
                format!("python{exe}"),
                format!("python3{exe}"),
            ];
            inside
                .iter()
                .map(|rel| path.join(rel))
                .find(|p| is_executable(ctx, p))
                .ok_or_else(|| {
                    not("a folder with no Python interpreter in it (looked for `bin/python3`, `bin/python` and `python`)")
                })
        }
        Ok(_) if !is_executable(ctx, path) => Err(not("a file that is not executable")),
        Ok(_) => Ok(path.to_path_buf()),
    }
}

/// An interpreter at a path: known to the inventory, or a venv's `python`
/// (then the venv is the environment, its interpreter the one it was built from).
fn resolved_at(executable: PathBuf, inventory: &Inventory) -> Resolved {
    // By its path, else by file identity (`…/bin/python2.7` for the
    // inventory's `…/bin/python`): a path pin only, never a version's.
    let installed = inventory.by_executable(&executable).cloned().or_else(|| {
        let id = fs::metadata(&executable)
            .ok()
            .and_then(|m| FileId::of(&m))?;
        inventory
            .interpreters
            .iter()
            .find(|i| {
                fs::metadata(&i.executable)
                    .ok()
                    .and_then(|m| FileId::of(&m))
                    == Some(id)
            })
            .cloned()
    });
    let env = executable
        .parent()
        .and_then(Path::parent)
        .filter(|root| root.join("pyvenv.cfg").is_file())
        .map(Path::to_path_buf);
    let installed = installed.or_else(|| env.as_deref().and_then(|r| base_of(r, inventory)));
    Resolved {
        executable,
        installed,
        env,
    }
}

/// The inventory's entry for the interpreter a venv was built from.
fn base_of(root: &Path, inventory: &Inventory) -> Option<Interpreter> {
    let info = read_venv(root).ok().flatten()?;
    inventory
        .interpreters
        .iter()
        .find(|i| info.built_from(i.bin_dir()))
        .cloned()
}

/// Finds what a shim named `name` runs in `ctx`.
pub fn find_target(ctx: &Context, name: &str) -> Result<Target, TargetError> {
    let selection = select(&ctx.cwd, &ctx.env, &ctx.home)?;
    find_target_for(ctx, name, selection)
}

/// [`find_target`] for a selection already made.
fn find_target_for(
    ctx: &Context,
    name: &str,
    selection: Option<Selection>,
) -> Result<Target, TargetError> {
    // Read for `system` too: the interpreter's entry names its default venv.
    let inventory = Inventory::read(&ctx.home.inventory_file())?;

    // `python3.11` where the selection is not 3.11: the newest installed 3.11.
    if let Some((major, minor)) = minor_in_name(name) {
        let selected = selection.as_ref().map(|s| resolve(ctx, s, &inventory));
        let same = matches!(&selected, Some(Ok(r)) if r.installed.as_ref()
            .is_some_and(|i| (i.version.major, i.version.minor) == (major, minor)));
        if !same {
            if let Some(Err(e @ TargetError::Select(_))) = selected {
                return Err(e);
            }
            // A version the file lists further down answers for its minor
            // (`3.12.1` then `3.11.7`: `python3.11` is 3.11.7), as with pyenv.
            let listed = selection
                .iter()
                .flat_map(|s| s.others.iter().map(move |r| (s, r)))
                .find(|(_, r)| r.minor() == Some((major, minor)));
            let interp = match listed {
                Some((s, r)) => inventory.best(r).ok_or_else(|| TargetError::NotInstalled {
                    request: r.clone(),
                    reason: s.source.reason(),
                })?,
                None => inventory.newest_minor(major, minor).ok_or_else(|| {
                    TargetError::MinorNotInstalled {
                        name: name.to_string(),
                        major,
                        minor,
                    }
                })?,
            }
            .clone();
            let resolved = Resolved {
                executable: interp.executable.clone(),
                installed: Some(interp),
                env: None,
            };
            return lookup(ctx, name, None, resolved, &inventory);
        }
    }

    // Nothing selected: the system's Python, as pyenv does (a pin is the way
    // to choose another), with the same protection as any interpreter.
    let selection = selection
        .unwrap_or_else(|| Selection::new(VersionRequest::System, SelectionSource::Fallback));
    let resolved = resolve(ctx, &selection, &inventory)?;
    lookup(ctx, name, Some(selection), resolved, &inventory)
}

fn lookup(
    ctx: &Context,
    name: &str,
    selection: Option<Selection>,
    resolved: Resolved,
    inventory: &Inventory,
) -> Result<Target, TargetError> {
    let version = resolved
        .installed
        .as_ref()
        .map(|i| (i.version.major, i.version.minor));
    let owned_names = interpreter_names(name, version);
    let names: Vec<&str> = owned_names.iter().map(String::as_str).collect();
    let mut searched = Vec::new();
    let target = |program, kind, venv: Option<&Path>, selection| Target {
        program,
        kind,
        venv: venv.map(Path::to_path_buf),
        selection,
        interpreter: resolved.clone(),
        missing_default_venv: None,
    };

    // Versioned interpreter names (`python3.13`) are what tools probe for
    // an interpreter to build environments from (uv, pdm, tox, virtualenv,
    // pipx): they get the interpreter itself, never a venv, as with pyenv.
    // pip stays out of it: managed interpreters carry the PEP 668 marker and
    // the shim sets `PIP_REQUIRE_VIRTUALENV` for any other (docs/shims.md).
    let versioned = name.starts_with("python") && minor_in_name(name).is_some();

    // 0. The environment the selection names is where every command runs
    // from (pyenv-virtualenv's way): its own, or the error that says so.
    if let Some(root) = &resolved.env {
        let bin = root.join(BIN_DIR);
        if let Some(p) = find_in(ctx, &bin, &names) {
            let kind = match selection.as_ref().map(|s| &s.source) {
                Some(SelectionSource::Venv { .. }) => TargetKind::ProjectVenv,
                _ => TargetKind::NamedEnv,
            };
            return Ok(target(p, kind, Some(root), selection));
        }
        return Err(TargetError::CommandNotFound {
            name: name.to_string(),
            where_: format!("environment `{}`", root.display()),
            elsewhere: elsewhere(ctx, name, inventory, std::slice::from_ref(&bin)),
            searched: vec![bin],
        });
    }

    // 1. The project's venv, when it was built from the selected interpreter
    // (or from another one that satisfies the selection and still exists).
    if let Some(dir) = selection
        .as_ref()
        .filter(|_| !versioned)
        .and_then(Selection::project_dir)
    {
        let root = dir.join(PROJECT_VENV);
        let venv = read_venv(&root).map_err(|source| TargetError::VenvUnreadable {
            venv: root.clone(),
            source,
        })?;
        // Someone else's `.venv` (or one in a folder anyone may write to)
        // is not the project's to run.
        let venv = venv.filter(|_| crate::trust::owned_like_its_folder(dir, &root));
        if let Some(venv) = venv {
            // Adoption is looked at only when the venv is not the selected
            // interpreter's own: its checks cost `stat`s on the shim's path.
            let adopted = || {
                selection
                    .as_ref()
                    .is_some_and(|s| venv.satisfies(&s.request))
            };
            if !venv.built_from(resolved.bin_dir()) && !adopted() {
                let reason = match &venv.home {
                    Some(h) if !h.exists() => "its interpreter no longer exists".to_string(),
                    _ => selection
                        .as_ref()
                        .map_or_else(String::new, |s| s.source.reason()),
                };
                return Err(TargetError::StaleVenv {
                    venv: root,
                    venv_home: venv.home,
                    interpreter: resolved.executable.clone(),
                    reason,
                });
            }
            let bin = venv.bin_dir();
            if let Some(p) = find_in(ctx, &bin, &names) {
                return Ok(target(
                    p,
                    TargetKind::ProjectVenv,
                    Some(&venv.root),
                    selection,
                ));
            }
            searched.push(bin);
        }
    }

    // 2. The interpreter's default venv: every interpreter has one, made on
    // first need, so packages installed outside projects never land in it.
    let mut missing_default_venv = None;
    // Python 2 has no `venv` module: no default venv, and pip is refused below.
    let python2 = match &resolved.installed {
        Some(i) => i.version.major == 2,
        // An interpreter pyman does not know: its name says Python 2.
        None => resolved
            .executable
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("python2")),
    };
    if !versioned && !python2 && !is_venv_interpreter(&resolved) {
        let root = default_venv_dir(&ctx.home, resolved.installed.as_ref(), &resolved.executable);
        match read_venv(&root) {
            Ok(Some(venv)) if venv.built_from(resolved.bin_dir()) => {
                let bin = venv.bin_dir();
                if let Some(p) = find_in(ctx, &bin, &names) {
                    return Ok(target(
                        p,
                        TargetKind::DefaultVenv,
                        Some(&venv.root),
                        selection,
                    ));
                }
                searched.push(bin);
            }
            // Missing, or damaged (no `pyvenv.cfg`, or one naming no
            // interpreter): made (or rebuilt) on first need, never silently
            // skipped for the bare interpreter.
            Ok(None) => missing_default_venv = Some(root),
            Ok(Some(venv)) if venv.home.is_none() => missing_default_venv = Some(root),
            Err(_) => missing_default_venv = Some(root),
            // Built from another interpreter (a folder reused): not this
            // interpreter's; `pyman doctor` reports it.
            _ => {}
        }
    }
    let target = |program, kind, venv: Option<&Path>, selection| Target {
        missing_default_venv: missing_default_venv.clone(),
        ..target(program, kind, venv, selection)
    };

    // 3. The interpreter itself, or PATH for `system`.
    let system = matches!(
        selection.as_ref().map(|s| &s.request),
        Some(VersionRequest::System)
    );
    if system {
        let names = interpreter_names(name, None);
        if let Some(p) = names.iter().find_map(|n| find_on_path(ctx, n)) {
            return Ok(target(p, TargetKind::System, None, selection));
        }
        searched.push(PathBuf::from("$PATH"));
    } else {
        if python2 && name.starts_with("pip") && is_python_command(name) {
            return Err(TargetError::Python2Pip {
                name: name.to_string(),
                interpreter: resolved.executable.clone(),
                version: resolved
                    .installed
                    .as_ref()
                    .map_or_else(|| "2".to_string(), Interpreter::version_string),
            });
        }
        for dir in interpreter_dirs(resolved.bin_dir()) {
            if let Some(p) = find_in(ctx, &dir, &names) {
                return Ok(target(p, TargetKind::Interpreter, None, selection));
            }
            searched.push(dir);
        }
    }

    let where_ = match &resolved.installed {
        Some(i) => format!("environment of Python {}", i.version_string()),
        None => format!("environment of `{}`", resolved.executable.display()),
    };
    Err(TargetError::CommandNotFound {
        name: name.to_string(),
        where_,
        elsewhere: elsewhere(ctx, name, inventory, &searched),
        searched,
    })
}

/// An "interpreter" that is itself a venv's python (a path pin into a
/// venv): it needs no default venv of its own.
/// (A selected environment never gets here: step 0 answers for it.)
fn is_venv_interpreter(resolved: &Resolved) -> bool {
    resolved.installed.is_none()
        && resolved
            .bin_dir()
            .parent()
            .is_some_and(|p| p.join("pyvenv.cfg").is_file())
}

/// What a shim named `name` runs here: [`find_target`], except that a
/// command which is not one of Python's own falls through to the next of
/// its name on `PATH` when the selected environment does not have it, or
/// nothing usable is selected. A command that works without pyman keeps
/// working with pyman's shims first on `PATH`.
pub fn find_target_or_next(ctx: &Context, name: &str) -> Result<Target, TargetError> {
    if !is_python_command(name)
        && let Some(tool) = crate::tool::command(&ctx.home, name)
    {
        return tool_target(ctx, name, tool);
    }
    let err = match find_target(ctx, name) {
        Ok(t) => return Ok(t),
        Err(e) => e,
    };
    let falls_through = match &err {
        // The environment's own commands keep their errors.
        _ if is_python_command(name) => false,
        // A stale project venv that has the command: the user meant that one.
        TargetError::StaleVenv { venv, .. } => find_in(ctx, &venv.join(BIN_DIR), &[name]).is_none(),
        TargetError::Cwd(_) | TargetError::Home(_) | TargetError::VenvUnreadable { .. } => false,
        _ => true,
    };
    if !falls_through {
        return Err(err);
    }
    match next_on_path(ctx, name) {
        Some(program) => Ok(Target {
            interpreter: Resolved {
                executable: program.clone(),
                installed: None,
                env: None,
            },
            program,
            kind: TargetKind::FallThrough,
            venv: None,
            selection: None,
            missing_default_venv: None,
        }),
        None => Err(err),
    }
}

/// A tool's command: inside a project (or a named environment) that has a
/// command of that name, the project's wins; elsewhere the tool's. A tool
/// whose Python is gone says so, never a bad-interpreter error.
fn tool_target(
    ctx: &Context,
    name: &str,
    tool: crate::tool::ToolCommand,
) -> Result<Target, TargetError> {
    // Only where the project's venv (or the named environment) has such a
    // command is the whole lookup made: a tool's command costs a shim's.
    if let Ok(Some(selection)) = select(&ctx.cwd, &ctx.env, &ctx.home)
        && let Some(bin) = selected_env_bin(ctx, &selection)
        && find_in(ctx, &bin, &[name]).is_some()
        && let Ok(t) = find_target_for(ctx, name, Some(selection))
        && matches!(t.kind, TargetKind::ProjectVenv | TargetKind::NamedEnv)
    {
        return Ok(t);
    }
    let python = tool.python();
    if !python.exists() {
        let venv_home = read_venv(&tool.venv).ok().flatten().and_then(|v| v.home);
        return Err(TargetError::ToolBroken {
            name: name.to_string(),
            tool: tool.tool,
            venv: tool.venv,
            venv_home,
        });
    }
    Ok(Target {
        program: tool.program,
        kind: TargetKind::Tool,
        venv: None,
        selection: None,
        interpreter: Resolved {
            executable: python,
            installed: None,
            env: Some(tool.venv),
        },
        missing_default_venv: None,
    })
}

/// The bin folder of the environment the selection here runs commands
/// from, when it has one of its own: a named environment, a bare `.venv`,
/// or the project's `.venv`.
fn selected_env_bin(ctx: &Context, selection: &Selection) -> Option<PathBuf> {
    let root = match (&selection.request, &selection.source) {
        (VersionRequest::Env(name), _) => crate::pyenv::find_env(&ctx.env, &ctx.home, name)?,
        (_, SelectionSource::Venv { root }) => root.clone(),
        _ => selection.project_dir()?.join(PROJECT_VENV),
    };
    Some(root.join(BIN_DIR))
}

/// For the error path only: other venvs and interpreters that do have `name`.
fn elsewhere(
    ctx: &Context,
    name: &str,
    inventory: &Inventory,
    searched: &[PathBuf],
) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = inventory
        .interpreters
        .iter()
        .flat_map(|i| interpreter_dirs(i.bin_dir()))
        .collect();
    if let Ok(entries) = fs::read_dir(ctx.home.venvs()) {
        dirs.extend(entries.flatten().map(|e| e.path().join(BIN_DIR)));
    }
    let mut found: Vec<PathBuf> = dirs
        .iter()
        .filter(|d| !searched.contains(d))
        .filter_map(|d| find_in(ctx, d, &[name]))
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(minor_in_name("python3.12"), Some((3, 12)));
        assert_eq!(minor_in_name("pip3.11"), Some((3, 11)));
        assert_eq!(minor_in_name("python3"), None);
        assert_eq!(minor_in_name("python"), None);
        assert_eq!(minor_in_name("3.12"), None);
        assert_eq!(minor_in_name("python3."), None);
        assert_eq!(
            command_name("/home/u/.local/share/pyman/shims/python3"),
            "python3"
        );
        assert_eq!(command_name("pip"), "pip");
        assert_eq!(
            interpreter_names("python", Some((3, 12))),
            ["python", "python3", "python3.12"]
        );
        assert_eq!(interpreter_names("black", Some((3, 12))), ["black"]);
        assert_eq!(
            interpreter_names("python3.12", Some((3, 12))),
            ["python3.12", "python"]
        );
        assert_eq!(interpreter_names("pip3", None), ["pip3", "pip"]);
        assert_eq!(interpreter_names("black2", None), ["black2"]);
    }

    #[test]
    fn python_commands_keep_strict_behaviour_others_fall_through() {
        for strict in [
            "python",
            "python3",
            "python3.12",
            "python3.13t",
            "pip",
            "pip3",
            "pip3.11",
            "pydoc3",
            "idle3",
            "python3-config",
            "python3.12-config",
        ] {
            assert!(is_python_command(strict), "{strict}");
        }
        for other in [
            "base64",
            "pytest",
            "black",
            "pipx",
            "pipenv",
            "python-foo",
            "pip3.x",
            "pythonw2",
            "idlex",
        ] {
            assert!(!is_python_command(other), "{other}");
        }
    }
}
