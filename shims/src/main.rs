//! `pyman-shim`: installed as `python`, `pip`, … in pyman's shims folder. It
//! resolves what the current folder selects and replaces itself with it.
//!
//! This runs before every `python` a user types, so it builds no runtime,
//! parses no arguments, and reads only the files the answer needs.

#![allow(clippy::print_stderr, clippy::exit)]

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use pyman_resolver::env::{self, MAX_SHIM_DEPTH};
use pyman_resolver::target::{FileId, command_name, find_on_path};
use pyman_resolver::{Context, Target, TargetError, find_target};

mod handoff;

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    let name = command_name(&argv0.to_string_lossy());
    if name.starts_with("pyman-shim") {
        eprintln!(
            "pyman-shim {}: run it through the links in pyman's shims folder (`pyman rehash` makes them)",
            env!("CARGO_PKG_VERSION")
        );
        return ExitCode::from(2);
    }
    let rest: Vec<OsString> = args.collect();

    let depth = std::env::var(env::PYMAN_SHIM_DEPTH)
        .ok()
        .and_then(|d| d.parse::<u32>().ok())
        .unwrap_or(0);
    let mut ctx = match Context::from_process() {
        Ok(ctx) => ctx,
        Err(e) => return report(&e),
    };
    if depth >= MAX_SHIM_DEPTH {
        eprintln!(
            "pyman: error: `{name}` went through pyman's shims {depth} times: a shim is calling itself\n\
             pyman: hint: something on the way resolves back into `{}`; check `PATH` and any venv whose `python` is a shim (`pyman doctor`)",
            ctx.home.shims().display()
        );
        return ExitCode::from(1);
    }
    // Our own file, so that a target which is (a link to) a shim is never chosen.
    ctx.shim_id = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
        .and_then(|md| FileId::of(&md));

    let target = match find_target(&ctx, &name) {
        Ok(t) => t,
        Err(e) => match missing_request(&e) {
            Some(request)
                if ctx.env.is_true(env::PYMAN_AUTO_INSTALL) && auto_install(&ctx, &request) =>
            {
                match find_target(&ctx, &name) {
                    Ok(t) => t,
                    Err(e) => return report(&e),
                }
            }
            _ => return report(&e),
        },
    };
    if ctx.env.is_true(env::PYMAN_DEBUG) {
        eprintln!(
            "pyman: debug: `{name}` -> `{}` ({}; interpreter `{}`)",
            target.program.display(),
            target.kind.as_str(),
            target.interpreter.executable.display()
        );
    }
    if changes_packages(&name, &rest)
        && let Some(venv) = &target.venv
    {
        return run_then_link(&ctx, &target, rest, depth, venv);
    }
    run(&target, rest, depth)
}

/// `pip install` / `pip uninstall` (also `pip3.12 …`).
fn changes_packages(name: &str, args: &[OsString]) -> bool {
    name.starts_with("pip")
        && args
            .iter()
            .find(|a| !a.to_string_lossy().starts_with('-'))
            .is_some_and(|a| a == "install" || a == "uninstall")
}

/// pip runs as a child so that, once it is done, the commands it installed
/// (`pytest`, `black`, …) get shims at once, as pyenv's pip hook does. Its
/// exit code is passed on.
fn run_then_link(
    ctx: &Context,
    target: &Target,
    args: Vec<OsString>,
    depth: u32,
    venv: &std::path::Path,
) -> ExitCode {
    let mut cmd = Command::new(&target.program);
    cmd.args(args)
        .env(env::PYMAN_SHIM_DEPTH, (depth + 1).to_string())
        .env(env::VIRTUAL_ENV, venv);
    let status = match cmd.status() {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "pyman: error: cannot run `{}`: {e}",
                target.program.display()
            );
            return ExitCode::from(126);
        }
    };
    link_new_commands(ctx, &venv.join(pyman_resolver::platform::BIN_DIR));
    handoff::exit_code(status)
}

/// Hard links of the shim for commands in `bin` that have none yet.
fn link_new_commands(ctx: &Context, bin: &std::path::Path) {
    let shims = ctx.home.shims();
    let master = shims.join(".pyman-shim");
    for name in pyman_resolver::venv::commands_in(bin) {
        let link = shims.join(format!("{name}{}", pyman_resolver::platform::EXE_SUFFIX));
        if link.exists() {
            continue;
        }
        let tmp = shims.join(format!(".{name}.tmp"));
        if std::fs::hard_link(&master, &tmp).is_ok() && std::fs::rename(&tmp, &link).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

fn run(target: &Target, args: Vec<OsString>, depth: u32) -> ExitCode {
    let mut cmd = Command::new(&target.program);
    cmd.args(args)
        .env(env::PYMAN_SHIM_DEPTH, (depth + 1).to_string());
    if let Some(venv) = &target.venv {
        cmd.env(env::VIRTUAL_ENV, venv);
    }
    handoff::replace_process(cmd, &target.program)
}

/// The request to install when the selection is missing.
fn missing_request(e: &TargetError) -> Option<String> {
    match e {
        TargetError::NotInstalled { request, .. } => Some(request.to_string()),
        TargetError::MinorNotInstalled { major, minor, .. } => Some(format!("{major}.{minor}")),
        _ => None,
    }
}

/// `PYMAN_AUTO_INSTALL=1`: let `pyman install` fetch the missing interpreter.
/// The network code stays in `pyman`; the shim only runs it.
fn auto_install(ctx: &Context, request: &str) -> bool {
    let pyman = std::fs::read_to_string(ctx.home.pyman_path_file())
        .ok()
        .map(|s| PathBuf::from(s.trim()))
        .filter(|p| p.is_file())
        .or_else(|| find_on_path(ctx, "pyman"));
    let Some(pyman) = pyman else {
        eprintln!("pyman: error: `PYMAN_AUTO_INSTALL` is set but the `pyman` binary was not found");
        return false;
    };
    eprintln!("pyman: installing Python {request} (PYMAN_AUTO_INSTALL is set)");
    Command::new(&pyman)
        .args(["install", request])
        .stdout(handoff::stderr_as_stdio())
        .status()
        .is_ok_and(|s| s.success())
}

fn report(e: &TargetError) -> ExitCode {
    let mut msg = format!("pyman: error: {e}");
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        msg.push_str(&format!("\npyman:   caused by: {cause}"));
        source = cause.source();
    }
    if let Some(hint) = e.hint() {
        msg.push_str(&format!("\npyman: hint: {hint}"));
    }
    eprintln!("{msg}");
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
}
