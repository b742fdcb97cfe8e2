//! `pyman migrate REQUEST`: moves a project's venv to another Python with
//! its packages. The new venv is built beside the old one; only when every
//! package installed and `pip check` passed are the pin rewritten and the
//! venvs swapped. Until then nothing of the project changes, whatever
//! happens (a failed install, Ctrl-C, a crash).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context as _, Result};
use fs_err as fs;
use pyman_resolver::venv::{PROJECT_VENV, read_venv};
use pyman_resolver::version_file::{self, FileKind};
use pyman_resolver::{Interpreter, Selection, SelectionSource, VersionRequest};

use crate::app::App;
use crate::args::MigrateArgs;
use crate::error::fail;
use crate::venv::migrate::{kept_venvs, pip, pip_errors, relocate, swap, venv_python};
use crate::venv::requirements::{self, Plan};
use crate::venv::{self, Base, Options};

/// Where the new venv is built, beside the old one: `.venv.migrating`.
const BUILDING_SUFFIX: &str = "migrating";

pub fn run(app: &App, args: &MigrateArgs) -> Result<ExitCode> {
    let request = crate::error::parse_request(&args.request)?;
    let word = pyman_resolver::hint::shell_word(&request.to_string());
    let selection = pyman_resolver::select(app.cwd(), app.env(), app.home())
        .ok()
        .flatten()
        .filter(|s| matches!(s.source, SelectionSource::File { .. }));
    let project = selection
        .as_ref()
        .and_then(Selection::project_dir)
        .unwrap_or(app.cwd())
        .to_path_buf();
    // Two migrations of one project at once would delete each other's
    // half-built venv: the second waits for the first.
    let _lock = project_lock(app, &project)?;
    // Another migration may have rewritten the pin while this one waited.
    let selection = pyman_resolver::select(app.cwd(), app.env(), app.home())
        .ok()
        .flatten()
        .filter(|s| matches!(s.source, SelectionSource::File { .. }));
    // A pin that names one of pyman's environments migrates that
    // environment, and the pin (its name) stays as it is.
    let named = match selection.as_ref().map(|s| &s.request) {
        Some(VersionRequest::Env(name)) => {
            match pyman_resolver::pyenv::find_env(app.env(), app.home(), name) {
                Some(root) if root.starts_with(app.home().envs()) => Some(root),
                found => {
                    let whose = if found.is_some() {
                        "an environment pyman did not make (pyenv-virtualenv's); pyman does not change it"
                    } else {
                        "an environment that exists nowhere"
                    };
                    return Err(fail(
                        format!("the pin `{name}` names {whose}"),
                        format!(
                            "make pyman's own environment of that name, which then takes precedence: `pyman venv --name {} --python {word}` (then `pip install` what it needs)",
                            name.name
                        ),
                    ));
                }
            }
        }
        _ => None,
    };
    let link = named.clone().unwrap_or_else(|| project.join(PROJECT_VENV));
    // A `.venv` that is a link is migrated where it points: the new venv is
    // built beside the real folder, and the link keeps pointing at it.
    let target = if std::fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink()) {
        fs::canonicalize(&link)?
    } else {
        link.clone()
    };
    let Some(old) = read_venv(&target).ok().flatten() else {
        return Err(fail(
            format!("there is no venv to migrate at `{}`", target.display()),
            format!(
                "run this in a project with a `.venv`; for a new one, `pyman pin {word}` creates it"
            ),
        ));
    };

    let choose = || crate::commands::venv::choose_interpreter(app, Some(&args.request));
    let not_installed = |e: anyhow::Error| {
        e.context(format!(
            "`{request}` is not installed: `pyman install {word}`, or `pyman migrate --install {word}`"
        ))
    };
    // Installed only when missing.
    let (interpreter, _) = match choose() {
        Ok(found) => found,
        Err(_) if args.install || app.env().is_true(pyman_resolver::env::PYMAN_AUTO_INSTALL) => {
            let session = crate::session::Session::new(app, &args.index, false)?;
            if !crate::session::install(&session, std::slice::from_ref(&request))? {
                return Err(fail(
                    format!("Python `{request}` could not be installed; nothing was migrated"),
                    "see the error above",
                ));
            }
            choose().map_err(not_installed)?
        }
        Err(e) => return Err(not_installed(e)),
    };
    let base = Base::new(app.home(), &interpreter);
    if old.built_from(&base.home_bin) || old.built_from(interpreter.bin_dir()) {
        app.printer.info(format!(
            "`{}` already uses Python {}",
            target.display(),
            interpreter.version_string()
        ));
        // A migration killed between the swap and the pin left the old pin:
        // finish it.
        if let Some(sel) = &selection
            && named.is_none()
            && !sel
                .request
                .matches(&interpreter.version, interpreter.variant)
        {
            let pin = rewrite_pin(Some(sel), &project, &request, &interpreter)?;
            app.printer.success(format!(
                "Pinned `{}` in `{}`, as the venv already uses it",
                pin.written,
                pin.path.display()
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let old_version = old.version.clone().unwrap_or_else(|| "unknown".into());
    let old_minor = old_version.split('.').take(2).collect::<Vec<_>>().join(".");

    // What to install: the project's declarations, else the old venv's freeze.
    let frozen = requirements::freeze(&venv_python(&target)).or_else(|| {
        app.printer.warn(
            "the old venv's interpreter does not run: its packages are read from its site-packages (editable installs are not kept)",
        );
        Some(venv::installed_packages(&target))
    });
    let plan = requirements::plan(&project, frozen.as_deref()).unwrap_or(Plan {
        source: "nothing (the old venv is empty)".into(),
        lines: Vec::new(),
    });
    app.printer.info(format!(
        "Moving `{}` from Python {old_version} to {}: packages from {}",
        target.display(),
        interpreter.version_string(),
        plan.source
    ));
    let scratch = tempfile::tempdir().context("cannot create a temporary folder")?;
    let reqs = scratch.path().join("requirements.txt");
    fs::write(&reqs, plan.lines.join("\n") + "\n")?;

    if args.dry_run {
        return dry_run(app, &base, &plan, scratch.path(), &reqs);
    }

    // Ctrl-C reaches pip too (same process group); pyman outlives it to
    // remove the half-built venv. The old venv is never touched before the swap.
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));

    let build = sibling(&target, BUILDING_SUFFIX);
    if build.exists() {
        // Left by a migration that was killed.
        fs::remove_dir_all(&build)?;
    }
    let mut guard = Removal(Some(build.clone()));
    venv::build_for(&base, &build, &target, &Options::project(true, None))?;
    let installed = if plan.lines.is_empty() {
        None
    } else {
        app.printer.info(format!(
            "Installing {} requirement line{} with the new venv's pip",
            plan.lines.len(),
            if plan.lines.len() == 1 { "" } else { "s" }
        ));
        // No bytecode now: it would record the build folder's paths.
        Some(pip(&build, &["install", "--no-compile"], Some(&reqs))?)
    };
    if interrupted.load(Ordering::SeqCst) {
        drop(guard);
        app.printer.error(format!(
            "interrupted: `{}` and the pin are unchanged",
            target.display()
        ));
        return Ok(ExitCode::from(130));
    }
    if let Some(out) = &installed {
        app.printer.debug(String::from_utf8_lossy(&out.stdout));
        if !out.status.success() {
            return Err(failed(
                "some packages did not install",
                &pip_errors(out),
                &interpreter,
                &target,
            ));
        }
    }
    let check = pip(&build, &["check"], None)?;
    if !check.status.success() {
        return Err(failed(
            "`pip check` found broken requirements",
            &pip_errors(&check),
            &interpreter,
            &target,
        ));
    }
    relocate(&build, &target)?;
    crash_point(app, "built");

    // Everything installed: older kept venvs go first, then the venvs are
    // swapped, and the pin is written last. Killed at any step, the project
    // is consistent (old venv and old pin), or has the new venv and the old
    // pin, which the next `pyman migrate` finishes by writing the pin.
    let keep = sibling(&target, &format!("old-{old_minor}"));
    for older in kept_venvs(&target) {
        fs::remove_dir_all(&older)?;
    }
    crash_point(app, "cleared");
    if let Err(e) = swap(&build, &target, &keep) {
        return Err(e.context("the venvs could not be swapped; the old venv and pin are unchanged"));
    }
    guard.0 = None;
    crash_point(app, "swapped");
    let pin = match (&named, &selection) {
        (Some(_), Some(sel)) => Pin {
            path: sel.source.to_string().into(),
            written: sel.request.to_string(),
        },
        _ => rewrite_pin(selection.as_ref(), &project, &request, &interpreter).with_context(
            || {
                format!(
                    "`{}` now uses Python {}, but its pin was not rewritten: run `pyman migrate {word}` again to write it",
                    target.display(),
                    interpreter.version_string()
                )
            },
        )?,
    };
    if let Err(e) = venv::record::remember(app.home(), &target) {
        app.printer.warn(format!(
            "`{}` is not in pyman's list of venvs: {e:#}",
            target.display()
        ));
    }
    crate::commands::rehash::after_change(app)?;
    app.printer.success(format!(
        "Migrated `{}` to Python {} ({}); pinned `{}` in `{}`",
        target.display(),
        interpreter.version_string(),
        plan.source,
        pin.written,
        pin.path.display()
    ));
    app.printer.info(format!(
        "The old venv is kept at `{}` until the next migrate or `pyman venv --prune`",
        keep.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Removes the half-built venv unless the migration got through.
struct Removal(Option<PathBuf>);

impl Drop for Removal {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs_err::remove_dir_all(p);
        }
    }
}

fn failed(
    what: &str,
    errors: &[String],
    interpreter: &Interpreter,
    target: &Path,
) -> anyhow::Error {
    let mut msg = format!(
        "{what} on Python {}; `{}` and the pin are unchanged",
        interpreter.version_string(),
        target.display()
    );
    for e in errors {
        msg.push_str("\n  ");
        msg.push_str(e);
    }
    fail(
        msg,
        "a package with no wheel for the new Python, or whose `Requires-Python` excludes it, needs a newer release of it: update it in the old venv (or your requirements), then migrate again; `pyman migrate --dry-run` lists every such package",
    )
}

/// Resolves what would be installed in a throw-away venv of the new Python
/// (`pip install --dry-run --report`), then names every requirement line
/// that would not install. Changes nothing.
fn dry_run(app: &App, base: &Base, plan: &Plan, scratch: &Path, reqs: &Path) -> Result<ExitCode> {
    let probe = scratch.join("venv");
    venv::build_for(base, &probe, &probe, &Options::project(true, None))?;
    let report = scratch.join("report.json");
    let report_arg = report.display().to_string();
    let args = [
        "install",
        "--dry-run",
        "--ignore-installed",
        "--quiet",
        "--report",
        &report_arg,
    ];
    let out = pip(&probe, &args, Some(reqs))?;
    if out.status.success() {
        let text = fs::read_to_string(&report).unwrap_or_default();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let mut names: Vec<String> = json["install"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| {
                format!(
                    "{}=={}",
                    i["metadata"]["name"].as_str().unwrap_or("?"),
                    i["metadata"]["version"].as_str().unwrap_or("?")
                )
            })
            .collect();
        names.sort_by_key(|n| n.to_ascii_lowercase());
        for n in &names {
            app.printer.data(n);
        }
        app.printer.success(format!(
            "Every package would install on Python {} ({} in all); nothing was changed",
            base.interpreter.version_string(),
            names.len()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    // pip stops at the first failure: try each line alone to name them all.
    let mut failing = Vec::new();
    for line in &plan.lines {
        let one = scratch.join("one.txt");
        fs::write(&one, format!("{line}\n"))?;
        let out = pip(&probe, &args, Some(&one))?;
        if !out.status.success() {
            failing.push((line.clone(), pip_errors(&out)));
        }
    }
    if failing.is_empty() {
        failing.push(("(the requirements together)".into(), pip_errors(&out)));
    }
    app.printer.error(format!(
        "{} requirement line{} would not install on Python {}; nothing was changed:",
        failing.len(),
        if failing.len() == 1 { "" } else { "s" },
        base.interpreter.version_string()
    ));
    for (line, errors) in &failing {
        app.printer.data(line);
        for e in errors {
            app.printer.cause(e);
        }
    }
    Ok(ExitCode::from(1))
}

/// Tests only: dies here as `kill -9` would (no destructor, no cleanup).
fn crash_point(app: &App, step: &str) {
    if app
        .env()
        .var_os(pyman_installer::env::PYMAN_TEST_CRASH_AT)
        .is_some_and(|v| v == step)
    {
        std::process::abort();
    }
}

/// The pin written.
struct Pin {
    path: PathBuf,
    /// The line written.
    written: String,
}

/// `.venv` → `.venv.<suffix>`, in the same folder (for a linked `.venv`,
/// beside the folder it points at).
fn sibling(venv: &Path, suffix: &str) -> PathBuf {
    let name = venv
        .file_name()
        .map_or_else(|| PROJECT_VENV.into(), |n| n.to_string_lossy().into_owned());
    venv.with_file_name(format!("{name}.{suffix}"))
}

/// The project's migrate lock, in pyman's data folder (nothing is added to
/// the project), named by a hash of the project's path.
fn project_lock(app: &App, project: &Path) -> Result<pyman_installer::lock::FileLock> {
    let real = fs_err::canonicalize(project).unwrap_or_else(|_| project.to_path_buf());
    let hash = pyman_resolver::venv::path_hash(&real);
    let path = app.home().locks().join(format!("migrate-{hash:08x}.lock"));
    let timeout = pyman_installer::Options::from_env(app.env()).lock_timeout;
    let printer = app.printer;
    pyman_installer::lock::acquire(&path, "a migration of this project", timeout, || {
        printer.info(format!(
            "Waiting for another `pyman migrate` in `{}` to finish",
            project.display()
        ));
    })
    .map_err(crate::error::lib)
}

/// Rewrites the line that selected the old Python, keeping the file's kind
/// and the pin's form: `.python-version(s)` keep a minor or exact form,
/// `.tool-versions` gets the exact version (asdf's form). A `pyproject.toml` or no project pin gets a
/// `.python-version` beside the project (it takes precedence).
fn rewrite_pin(
    selection: Option<&Selection>,
    project: &Path,
    request: &VersionRequest,
    interpreter: &Interpreter,
) -> Result<Pin> {
    let (path, line, kind) = match selection.map(|s| &s.source) {
        Some(SelectionSource::File { path, line, kind })
            if !matches!(kind, FileKind::Pyproject) =>
        {
            (path.clone(), *line, *kind)
        }
        _ => (
            project.join(FileKind::PythonVersion.file_name()),
            1,
            FileKind::PythonVersion,
        ),
    };
    let text = fs_err::read_to_string(&path).unwrap_or_default();
    // The old pin's form: `3.12` becomes `3.13`, `3.12.4` the exact
    // version; anything else (a range, a path) the request as given.
    // `.tool-versions` takes the exact version (asdf's form).
    let pin = match (kind, selection.map(|s| &s.request)) {
        (FileKind::ToolVersions, _) => interpreter.version_string(),
        (_, Some(VersionRequest::Version { release, .. })) if release.patch.is_some() => {
            interpreter.version_string()
        }
        (_, Some(VersionRequest::Version { release, .. })) if release.minor.is_some() => format!(
            "{}{}",
            interpreter.version.minor_string(),
            interpreter.variant.suffix()
        ),
        _ => request.to_string(),
    };
    let old_line = text.lines().nth(line.saturating_sub(1));
    let new_line = version_file::pin_line(kind, old_line, &pin);
    write_atomic(&path, &version_file::replace_line(&text, line, &new_line))?;
    Ok(Pin {
        path,
        written: new_line,
    })
}

fn write_atomic(path: &Path, text: &str) -> Result<()> {
    pyman_installer::atomic::write(path, text)
        .with_context(|| format!("cannot write `{}`", path.display()))
}
