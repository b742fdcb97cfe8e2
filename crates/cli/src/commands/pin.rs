use std::process::ExitCode;

use anyhow::{Context as _, Result};
use pyman_resolver::VersionRequest;
use pyman_resolver::project::{find_version_file, read_candidate};
use pyman_resolver::version_file::FileKind;

use crate::app::App;
use crate::error::usage;

pub fn run(app: &App, args: &crate::args::PinArgs) -> Result<ExitCode> {
    let file = if args.global {
        app.home().global_version_file()
    } else {
        app.cwd().join(FileKind::PythonVersion.file_name())
    };
    let Some(text) = &args.request else {
        return show(app, args.global);
    };
    let request: VersionRequest = crate::error::parse_request(text)?;
    if let VersionRequest::Path(path) = &request
        && !path.is_file()
    {
        return Err(usage(
            format!(
                "`{}` does not exist, so it cannot be pinned",
                path.display()
            ),
            "pin a version instead, for example `pyman pin 3.12`",
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

    if let Some((major, minor)) = request.minor() {
        crate::support_status::warn_if_end_of_life(app, major, minor);
    }
    let inventory = app.refresh_inventory()?;
    match &request {
        VersionRequest::Version { .. } | VersionRequest::Specifiers(_) => {
            match inventory.best(&request) {
                Some(i) => app.printer.info(format!(
                    "`{request}` is Python {} at `{}`",
                    i.version_string(),
                    i.executable.display()
                )),
                None => {
                    app.printer
                        .warn(format!("no installed Python satisfies `{request}`"));
                    app.printer
                        .hint(format!("install it with `pyman install {request}`"));
                }
            }
        }
        VersionRequest::System | VersionRequest::Path(_) => {}
    }
    if !args.global {
        if !args.no_venv {
            project_venv(app, &request, &inventory);
        }
        crate::commands::rehash::after_change(app)?;
    }
    Ok(ExitCode::SUCCESS)
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

/// `pyman pin` alone: print the pin that applies here.
fn show(app: &App, global: bool) -> Result<ExitCode> {
    let found = if global {
        read_candidate(&app.home().global_version_file(), FileKind::Global)
    } else {
        find_version_file(app.cwd())
    }
    .map_err(crate::error::lib)?;
    match found {
        Some(found) => {
            app.printer.data(found.request.request.to_string());
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
                    "no version file in `{}` or any folder above it",
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
