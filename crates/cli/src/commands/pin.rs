use std::process::ExitCode;

use anyhow::{Context as _, Result};
use pyman_resolver::project::{find_version_file, read_candidate};
use pyman_resolver::request::{EnvName, RequestError};
use pyman_resolver::selection::conflicting_pyproject;
use pyman_resolver::version_file::FileKind;
use pyman_resolver::{Selection, SelectionSource, VersionRequest};

use crate::app::App;
use crate::error::usage;

pub fn run(app: &App, args: &crate::args::PinArgs) -> Result<ExitCode> {
    if args.rm {
        return remove(app, args.global);
    }
    let file = if args.global {
        app.home().global_version_file()
    } else {
        app.cwd().join(FileKind::PythonVersion.file_name())
    };
    let Some(text) = &args.request else {
        return show(app, args.global);
    };
    let request = parse(app, text)?;
    check_path(app, &request)?;
    if !args.global
        && !args.force
        && let Some(found) = conflicting_pyproject(app.cwd(), &request)
    {
        return Err(usage(
            format!(
                "`{request}` contradicts `requires-python = \"{}\"` in `{}` line {}: no Python satisfies both",
                found.request.request,
                found.path.display(),
                found.request.line
            ),
            format!(
                "pin a version the project supports (`pyman pin {}`), or write this one anyway with `pyman pin {} --force`",
                pyman_resolver::hint::shell_word(&found.request.request.to_string()),
                pyman_resolver::hint::shell_word(&request.to_string())
            ),
        ));
    }

    let previous = read_candidate(
        &file,
        if args.global {
            FileKind::Global
        } else {
            FileKind::PythonVersion
        },
    )
    .ok()
    .flatten()
    .map(|f| f.request.request);
    pyman_installer::atomic::write(&file, format!("{request}\n"))
        .with_context(|| format!("cannot write `{}`", file.display()))?;

    let was = match previous {
        Some(p) if p != request => format!(" (was `{p}`)"),
        _ => String::new(),
    };
    app.printer
        .success(format!("Pinned `{request}` in `{}`{was}", file.display()));
    if !args.global
        && let Some(dir) = file.parent()
        && !pyman_resolver::trust::owned_like_its_folder(dir, &file)
    {
        app.printer.warn(format!(
            "`{}` can be written by anyone (or is someone else's), so pyman passes over version files in it",
            dir.display()
        ));
        app.printer
            .hint("pin in a folder of your own, for example a project folder under your home");
    }

    if let Some((major, minor)) = request.minor() {
        crate::support_status::warn_if_end_of_life(app, major, minor);
    }
    let inventory = app.refresh_inventory()?;
    match &request {
        VersionRequest::Version { .. } | VersionRequest::Specifiers(..) | VersionRequest::Any => {
            match inventory.best(&request) {
                Some(i) => app.printer.info(format!(
                    "`{request}` is Python {} at `{}`",
                    i.version_string(),
                    i.executable.display()
                )),
                None => {
                    app.printer
                        .warn(format!("no installed Python satisfies `{request}`"));
                    app.printer.hint(format!(
                        "install it with `pyman install {}`",
                        pyman_resolver::hint::shell_word(&request.to_string())
                    ));
                }
            }
        }
        VersionRequest::System | VersionRequest::Path(_) | VersionRequest::Env(_) => {}
    }
    if !args.global {
        if !args.no_venv && !matches!(request, VersionRequest::Env(_)) {
            project_venv(app, &request, &inventory);
        }
        crate::commands::rehash::after_change(app)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The request to pin; an environment's name is accepted when that
/// environment exists (pyman's own or pyenv-virtualenv's).
fn parse(app: &App, text: &str) -> Result<VersionRequest> {
    match text.parse::<VersionRequest>() {
        Ok(r) => Ok(r),
        Err(e @ (RequestError::EnvironmentName { .. } | RequestError::PyenvVirtualenv { .. })) => {
            match pyman_resolver::request::parse_line(text) {
                Ok(VersionRequest::Env(name)) if env_exists(app, &name) => {
                    Ok(VersionRequest::Env(name))
                }
                _ => Err(crate::error::lib(e)),
            }
        }
        Err(e) => Err(crate::error::lib(e)),
    }
}

fn env_exists(app: &App, name: &EnvName) -> bool {
    pyman_resolver::pyenv::find_env(app.env(), app.home(), name).is_some()
}

/// A path is pinned only when it is (or holds) an interpreter, with the
/// resolver's own words for why not.
fn check_path(app: &App, request: &VersionRequest) -> Result<()> {
    if !matches!(request, VersionRequest::Path(_)) {
        return Ok(());
    }
    let ctx = app.shim_context();
    let selection = Selection::new(
        request.clone(),
        SelectionSource::Env {
            var: "the command line",
        },
    );
    pyman_resolver::target::resolve(&ctx, &selection, &pyman_resolver::Inventory::default())
        .map(|_| ())
        .map_err(|e| {
            usage(
                format!("{e}, so it cannot be pinned"),
                "pin a version instead, for example `pyman pin 3.12`, or the interpreter's own path",
            )
        })
}

/// Creates the project's `.venv` next to the new pin when there is none and
/// the pin resolves to an installed interpreter.
fn project_venv(app: &App, request: &VersionRequest, inventory: &pyman_resolver::Inventory) {
    let target = app.cwd().join(pyman_resolver::venv::PROJECT_VENV);
    if target.exists() {
        return;
    }
    let Some(interpreter) = inventory.best(request) else {
        return;
    };
    if interpreter.version.major < 3 {
        app.printer.info(format!(
            "Python {} has no `venv` module: no `.venv` was made (pip stays refused outside a virtualenv)",
            interpreter.version_string()
        ));
        return;
    }
    let base = crate::venv::Base::new(app.home(), interpreter);
    let options = crate::venv::Options::project(true, None);
    match crate::venv::create(&base, &target, &options) {
        Ok(()) => crate::commands::venv::created(app, &target, interpreter, true),
        Err(e) => {
            app.printer
                .warn(format!("the project venv was not created: {e:#}"));
            app.printer
                .hint("create it with `pyman venv`, or pin with `--no-venv`");
        }
    }
}

/// `pyman pin --rm`: removes the version file that applies here (the
/// nearest `.python-version` or `.python-versions`), or the global default.
fn remove(app: &App, global: bool) -> Result<ExitCode> {
    let path = if global {
        let path = app.home().global_version_file();
        path.is_file().then_some(path)
    } else {
        find_version_file(app.cwd())
            .map_err(crate::error::lib)?
            .filter(|f| matches!(f.kind, FileKind::PythonVersion | FileKind::PythonVersions))
            .map(|f| f.path)
    };
    let Some(path) = path else {
        return Err(crate::error::fail(
            if global {
                "no global default is set, so there is nothing to remove".to_string()
            } else {
                format!(
                    "no `.python-version` in `{}` or any folder above it, so there is nothing to remove",
                    app.cwd().display()
                )
            },
            "`pyman current` shows what selects Python here",
        ));
    };
    fs_err::remove_file(&path)?;
    app.printer
        .success(format!("Removed the pin `{}`", path.display()));
    if !global {
        crate::commands::rehash::after_change(app)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `pyman pin` alone: the pin that applies here; with none, the global
/// one (pyman's, else pyenv's), said to be global.
fn show(app: &App, global: bool) -> Result<ExitCode> {
    let local = if global {
        None
    } else {
        find_version_file(app.cwd()).map_err(crate::error::lib)?
    };
    let found = match local {
        Some(found) => Some((found, "")),
        None => pyman_resolver::selection::find_global(app.env(), app.home())
            .map_err(crate::error::lib)?
            .map(|f| {
                let what = if f.kind == FileKind::PyenvGlobal {
                    " (pyenv's global default)"
                } else {
                    " (global default)"
                };
                (f, what)
            }),
    };
    match found {
        Some((found, what)) => {
            if global || what.is_empty() {
                app.printer.data(found.request.request.to_string());
            } else {
                app.printer.data(format!("{}{what}", found.request.request));
            }
            app.printer.debug(format!(
                "from `{}` line {}",
                found.path.display(),
                found.request.line
            ));
            Ok(ExitCode::SUCCESS)
        }
        None => Err(crate::error::fail(
            if global {
                format!(
                    "no global default is set (`{}` does not exist)",
                    app.home().global_version_file().display()
                )
            } else {
                format!(
                    "no version file in `{}` or any folder above it, and no global default",
                    app.cwd().display()
                )
            },
            if global {
                "set one with `pyman pin --global 3.12`"
            } else {
                "pin one with `pyman pin 3.12`"
            },
        )),
    }
}
