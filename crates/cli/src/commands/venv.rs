use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use pyman_resolver::inventory::{Interpreter, Origin, install_key};
use pyman_resolver::target::{require_selection, resolve};
use pyman_resolver::venv::PROJECT_VENV;
use pyman_resolver::{Inventory, Selection, VersionRequest, platform};

use crate::app::App;
use crate::error::{fail, target_error};
use crate::venv::{self, Base, Options};

/// The interpreter to build from: `--python REQUEST`, else the selection's.
///
/// The inventory the shims read answers first; the machine is rescanned
/// only when it does not know the request. Interpreters it does not know
/// (a path) are probed once and remembered by path, size and mtime.
pub fn choose_interpreter(
    app: &App,
    python: Option<&str>,
) -> Result<(Interpreter, Option<Selection>)> {
    let ctx = app.shim_context();
    let (selection, from_selection) = match python {
        Some(text) => (
            Selection::new(
                crate::error::parse_request(text)?,
                pyman_resolver::SelectionSource::Env { var: "--python" },
            ),
            false,
        ),
        None => (require_selection(&ctx).map_err(target_error)?, true),
    };
    let stored = Inventory::read(&app.home().inventory_file()).unwrap_or_default();
    let known = |r: &pyman_resolver::Resolved| match &r.installed {
        Some(i) => i.executable.is_file(),
        // Paths and `system` need no inventory entry.
        None => matches!(
            selection.request,
            VersionRequest::Path(_) | VersionRequest::System
        ),
    };
    let resolved = match resolve(&ctx, &selection, &stored) {
        Ok(r) if known(&r) => r,
        _ => {
            let inventory = app.refresh_inventory()?;
            resolve(&ctx, &selection, &inventory).map_err(target_error)?
        }
    };
    let interpreter = match resolved.installed {
        Some(i) => i,
        None => {
            // `system` or a path pyman did not discover: ask the interpreter (once).
            let (version, variant) =
                crate::discovery::probe_cached(app.home(), &resolved.executable).map_err(
                    |detail| {
                        fail(
                            format!("`{}` does not run: {detail}", resolved.executable.display()),
                            "choose another interpreter with `--python`",
                        )
                    },
                )?;
            Interpreter {
                key: install_key(&version, variant, &platform::triple()),
                version,
                variant,
                origin: Origin::System,
                executable: resolved.executable,
            }
        }
    };
    Ok((interpreter, from_selection.then_some(selection)))
}

pub fn run(app: &App, args: &crate::args::VenvArgs) -> Result<ExitCode> {
    if args.prune {
        return prune(app);
    }
    if args.list {
        return list(app);
    }
    let named = args
        .name
        .as_deref()
        .map(|name| named_env_path(app, name))
        .transpose()?;
    let (interpreter, selection) = choose_interpreter(app, args.python.as_deref())?;
    if args.default {
        return default(app, &interpreter);
    }
    let target = match (named, &args.path) {
        (Some(path), _) => path,
        (None, Some(p)) => app.cwd().join(p),
        (None, None) => selection
            .as_ref()
            .and_then(Selection::project_dir)
            .unwrap_or(app.cwd())
            .join(PROJECT_VENV),
    };
    let base = Base::new(app.home(), &interpreter);
    let options = Options::project(!args.without_pip, args.prompt.clone());
    let existing = venv::check_target(&target, args.recreate)?;
    match existing {
        Some(info) if !args.recreate => {
            if info.built_from(&base.home_bin) || info.built_from(interpreter.bin_dir()) {
                app.printer.info(format!(
                    "`{}` already exists and uses Python {}",
                    target.display(),
                    interpreter.version_string()
                ));
                return Ok(ExitCode::SUCCESS);
            }
            return Err(fail(
                format!(
                    "`{}` exists and was built from `{}`, not Python {}",
                    target.display(),
                    info.home.as_deref().map_or_else(
                        || "an unknown interpreter".into(),
                        |h| h.display().to_string()
                    ),
                    interpreter.version_string()
                ),
                format!(
                    "rebuild it with `pyman venv --recreate {}`",
                    pyman_resolver::hint::shell_word(&target.display().to_string())
                ),
            ));
        }
        Some(_) => {
            let packages = venv::recreate(&base, &target, &options)?;
            report_packages(app, &target, &packages)?;
        }
        None => {
            if target.is_dir() {
                fs_err::remove_dir(&target)?;
            }
            venv::create(&base, &target, &options)?;
        }
    }
    // A new venv brings no command without a shim (pip's names are always
    // shimmed): no rehash, which keeps `pyman venv` in milliseconds.
    created(app, &target, &interpreter, options.with_pip);
    Ok(ExitCode::SUCCESS)
}

/// `$PYMAN_HOME/envs/NAME`, for a name a version file can hold.
fn named_env_path(app: &App, name: &str) -> Result<PathBuf> {
    // Only a name a version file line reads as this environment's.
    let selectable = matches!(
        pyman_resolver::request::parse_line(name),
        Ok(VersionRequest::Env(ref e)) if e.version.is_none() && e.name == name
    );
    if !selectable {
        return Err(crate::error::usage(
            format!("`{name}` cannot name an environment"),
            "use a name that starts with a letter and holds only letters, digits, `-`, `_` and `.`, and is not a version (`webapp`, `data-tools`)",
        ));
    }
    Ok(app.home().envs().join(name))
}

/// `pyman venv --list`: every venv pyman knows, one per line.
fn list(app: &App) -> Result<ExitCode> {
    let today = crate::support_status::today(app);
    let known = venv::record::known(app.home()).map_err(crate::error::lib)?;
    if known.is_empty() {
        app.printer.info("No venv created by pyman exists");
        return Ok(ExitCode::SUCCESS);
    }
    for k in &known {
        let version = k.info.version.clone().unwrap_or_else(|| "?".into());
        let mut notes = Vec::new();
        let mut parts = version.split('.').map(|p| p.parse::<u64>().ok());
        if let (Some(Some(major)), Some(Some(minor))) = (parts.next(), parts.next()) {
            notes.push(pyman_installer::support::status(major, minor, today).to_string());
        }
        if k.is_stale() {
            notes.push(format!(
                "stale: its interpreter `{}` is gone",
                k.info
                    .home
                    .as_deref()
                    .map(Path::display)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ));
        }
        let kind = if k.default {
            "default"
        } else if k.info.root.starts_with(app.home().envs()) {
            "named"
        } else {
            "project"
        };
        app.printer.data(format!(
            "{kind}  {}  Python {version}  ({})",
            k.info.root.display(),
            notes.join("; ")
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// `pyman venv --prune`: the venvs `pyman migrate` kept in this project.
fn prune(app: &App) -> Result<ExitCode> {
    let project = pyman_resolver::select(app.cwd(), app.env(), app.home())
        .ok()
        .flatten()
        .and_then(|s| s.project_dir().map(Path::to_path_buf))
        .unwrap_or_else(|| app.cwd().to_path_buf());
    // A linked `.venv` keeps its old venvs beside the folder it points at.
    let venv_path = project.join(PROJECT_VENV);
    let mut kept = venv::migrate::kept_venvs(&venv_path);
    if let Ok(real) = fs_err::canonicalize(&venv_path)
        && real != venv_path
    {
        kept.extend(venv::migrate::kept_venvs(&real));
    }
    for k in &kept {
        fs_err::remove_dir_all(k)?;
        app.printer.info(format!("Removed `{}`", k.display()));
    }
    if kept.is_empty() {
        app.printer
            .info(format!("No old venv to remove in `{}`", project.display()));
    }
    Ok(ExitCode::SUCCESS)
}

/// `pyman venv --default`: the interpreter's default venv, used outside
/// projects (the shims create it on first need).
fn default(app: &App, interpreter: &Interpreter) -> Result<ExitCode> {
    let path = venv::default_venv_path(app.home(), interpreter);
    match venv::ensure_default(app.home(), interpreter)? {
        Some(path) => created(app, &path, interpreter, true),
        None => app.printer.info(format!(
            "`{}` already exists: the default venv of Python {}",
            path.display(),
            interpreter.version_string()
        )),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn created(app: &App, target: &Path, interpreter: &Interpreter, with_pip: bool) {
    app.printer.success(format!(
        "Created `{}` with Python {} ({}){}",
        target.display(),
        interpreter.version_string(),
        interpreter.executable.display(),
        if with_pip { " and pip" } else { "" }
    ));
}

/// The old venv's packages: printed, and saved so `pip install -r` can restore them.
fn report_packages(app: &App, target: &Path, packages: &[String]) -> Result<()> {
    if packages.is_empty() {
        return Ok(());
    }
    let name = target
        .file_name()
        .map_or_else(|| "venv".into(), |n| n.to_string_lossy().into_owned());
    let file: PathBuf = target.parent().unwrap_or(target).join(format!(
        "{}.old-requirements.txt",
        name.trim_start_matches('.')
    ));
    fs_err::write(&file, packages.join("\n") + "\n")?;
    app.printer.info(format!(
        "The old venv had {} packages: {}",
        packages.len(),
        packages.join(", ")
    ));
    app.printer.hint(format!(
        "reinstall them with `pip install -r {}` (pip itself came with the new venv)",
        file.display()
    ));
    Ok(())
}
