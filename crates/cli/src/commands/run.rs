use std::ffi::OsString;
use std::process::{Command, ExitCode};

use anyhow::Result;
use pyman_resolver::platform::BIN_DIR;

use crate::app::App;
use crate::error::{fail, target_error};

pub fn run(app: &App, args: &crate::args::RunArgs) -> Result<ExitCode> {
    app.refresh_inventory()?;
    let mut ctx = app.shim_context();
    if let Some(python) = &args.python {
        ctx.env = pyman_resolver::Env::from_pairs(
            std::env::vars_os()
                .filter_map(|(k, v)| k.into_string().ok().map(|k| (k, v)))
                .chain([(
                    pyman_resolver::env::PYMAN_PYTHON.to_string(),
                    OsString::from(python),
                )]),
        );
    }
    let target = app.shim_target(&ctx, "python").map_err(target_error)?;
    // The venv's bin, or the interpreter's own folder when it has no venv.
    let bin = match &target.venv {
        Some(v) => v.join(BIN_DIR),
        None => target.interpreter.bin_dir().to_path_buf(),
    };
    let path = std::env::var_os("PATH").unwrap_or_default();
    let new_path =
        std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(&path)))?;

    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| fail("no command given", "`pyman run -- python -V`"))?;
    let program = which_in(&new_path, program).unwrap_or_else(|| program.into());
    let mut cmd = Command::new(&program);
    cmd.args(rest)
        .env("PATH", &new_path)
        .env_remove("PYTHONHOME");
    match &target.venv {
        Some(venv) => {
            cmd.env(pyman_resolver::env::VIRTUAL_ENV, venv);
        }
        // The interpreter itself (Python 2, which has no venv): pip refuses
        // to install outside a virtualenv, as through the shims.
        None => {
            cmd.env("PIP_REQUIRE_VIRTUALENV", "1");
        }
    }
    app.printer.debug(format!(
        "running `{}` with `{}` first on PATH",
        program.display(),
        bin.display()
    ));
    exec(cmd, &program)
}

fn which_in(path: &OsString, program: &OsString) -> Option<std::path::PathBuf> {
    if std::path::Path::new(program).components().count() > 1 {
        return None;
    }
    std::env::split_paths(path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

#[cfg(unix)]
pub fn exec(mut cmd: Command, program: &std::path::Path) -> Result<ExitCode> {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    Err(crate::error::hinted(
        std::io::Error::new(
            err.kind(),
            format!("cannot run `{}`: {err}", program.display()),
        ),
        Some("check the command name; `pyman run -- python -V` runs the venv's python".to_string()),
        127,
    ))
}

#[cfg(not(unix))]
pub fn exec(mut cmd: Command, program: &std::path::Path) -> Result<ExitCode> {
    let status = cmd.status().map_err(|e| {
        fail(
            format!("cannot run `{}`: {e}", program.display()),
            "check the command name",
        )
    })?;
    Ok(ExitCode::from(
        u8::try_from(status.code().unwrap_or(1)).unwrap_or(1),
    ))
}
