use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use pyman_resolver::inventory::{Interpreter, Origin, install_key};
use pyman_resolver::target::{require_selection, resolve};
use pyman_resolver::venv::PROJECT_VENV;
use pyman_resolver::{Selection, VersionRequest, platform};

use crate::app::App;
use crate::error::{fail, target_error};
use crate::venv::{self, Base, Options};

/// The interpreter to build from: `--python REQUEST`, else the selection's.
pub fn choose_interpreter(
    app: &App,
    python: Option<&str>,
) -> Result<(Interpreter, Option<Selection>)> {
    let inventory = app.refresh_inventory()?;
    let ctx = app.shim_context();
    let (selection, resolved) = match python {
        Some(text) => {
            let request: VersionRequest = crate::error::parse_request(text)?;
            let selection = Selection {
                request,
                source: pyman_resolver::SelectionSource::Env { var: "--python" },
            };
            let resolved = resolve(&ctx, &selection, &inventory).map_err(target_error)?;
            (None, resolved)
        }
        None => {
            let selection = require_selection(&ctx).map_err(target_error)?;
            let resolved = resolve(&ctx, &selection, &inventory).map_err(target_error)?;
            (Some(selection), resolved)
        }
    };
    let interpreter = match resolved.installed {
        Some(i) => i,
        None => {
            // `system` or a path pyman did not discover: ask the interpreter.
            let (version, variant) =
                pyman_installer::probe::probe(&resolved.executable).map_err(|detail| {
                    fail(
                        format!("`{}` does not run: {detail}", resolved.executable.display()),
                        "choose another interpreter with `--python`",
                    )
                })?;
            Interpreter {
                key: install_key(&version, variant, &platform::triple()),
                version,
                variant,
                origin: Origin::System,
                executable: resolved.executable,
            }
        }
    };
    Ok((interpreter, selection))
}

pub fn run(app: &App, args: &crate::args::VenvArgs) -> Result<ExitCode> {
    let (interpreter, selection) = choose_interpreter(app, args.python.as_deref())?;
    let target = match &args.path {
        Some(p) => app.cwd().join(p),
        None => selection
            .as_ref()
            .and_then(Selection::project_dir)
            .unwrap_or(app.cwd())
            .join(PROJECT_VENV),
    };
    let base = Base::new(app.home(), &interpreter);
    let options = Options {
        with_pip: !args.without_pip,
        prompt: args.prompt.clone(),
    };
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
                    target.display()
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
    created(app, &target, &interpreter, options.with_pip);
    crate::commands::rehash::after_change(app)?;
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
