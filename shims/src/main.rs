//! `pyman-shim`: installed as `python`, `pip`, … in pyman's shims folder. It
//! resolves what the current folder selects and replaces itself with it.
//!
//! This runs before every `python` a user types, so it builds no runtime,
//! parses no arguments, and reads only the files the answer needs.

#![allow(clippy::print_stderr, clippy::exit)]
// std's file functions, not fs_err: every dependency of the shim costs every
// `python` call (its few file errors name their paths themselves).
#![allow(clippy::disallowed_methods)]

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use pyman_resolver::Hint;
use pyman_resolver::env::{self, MAX_SHIM_DEPTH};
use pyman_resolver::target::{FileId, command_name, find_on_path};
use pyman_resolver::{Context, Target, TargetError, TargetKind, find_target_or_next};

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
    // Our own path: it names the home when `PYMAN_HOME` is not passed on.
    let exe = std::env::current_exe().ok();
    let mut ctx = match Context::for_shim(exe.as_deref()) {
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
    ctx.shim_id = exe
        .as_ref()
        .and_then(|p| std::fs::metadata(p).ok())
        .and_then(|md| FileId::of(&md));

    let mut target = match find_target_or_next(&ctx, &name) {
        Ok(t) => t,
        Err(e) => match missing_request(&e) {
            Some(request)
                if ctx.env.is_true(env::PYMAN_AUTO_INSTALL) && auto_install(&ctx, &request) =>
            {
                match find_target_or_next(&ctx, &name) {
                    Ok(t) => t,
                    Err(e) => return report(&e),
                }
            }
            _ => return report(&e),
        },
    };
    // An interpreter run directly gets its default venv first (once, on
    // first need): `pip` and `python -m pip` then install there, never into
    // the interpreter, whoever installed it.
    if let Some(venv) = target.missing_default_venv.clone()
        && matches!(target.kind, TargetKind::Interpreter | TargetKind::System)
        && create_default_venv(&ctx, &target, &venv)
    {
        match find_target_or_next(&ctx, &name) {
            Ok(t) => target = t,
            Err(e) => return report(&e),
        }
    }
    // Still the interpreter's own command (no default venv could be made, or
    // it has no pip): pip is told to refuse installing outside a venv.
    let unprotected = target.venv.is_none()
        && matches!(target.kind, TargetKind::Interpreter | TargetKind::System);
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
        if target.kind == TargetKind::DefaultVenv {
            tool_hint_once(&ctx, &rest);
        }
        return run_then_link(&ctx, &target, rest, depth, venv);
    }
    run(&target, rest, depth, unprotected)
}

/// `pip install` / `pip uninstall` (also `pip3.12 …`), and `python -m pip
/// install`, the form CI scripts and pip's own docs use.
fn changes_packages(name: &str, args: &[OsString]) -> bool {
    let pip_args = if name.starts_with("pip") {
        args
    } else if name.starts_with("python") {
        // Interpreter options may come first (`python -I -m pip …`).
        let Some(at) = args
            .iter()
            .position(|a| a == "-mpip" || a == "-m")
            .filter(|&i| {
                args[..i]
                    .iter()
                    .all(|a| a.to_string_lossy().starts_with('-'))
            })
        else {
            return false;
        };
        match args[at].to_str() {
            Some("-mpip") => &args[at + 1..],
            _ if args.get(at + 1).is_some_and(|m| m == "pip") => &args[at + 2..],
            _ => return false,
        }
    } else {
        return false;
    };
    pip_args
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
    let bin = venv.join(pyman_resolver::platform::BIN_DIR);
    let before = pyman_resolver::venv::commands_in(&bin);
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
    // Only a successful run, and only what it added: a failed `pip install`
    // links nothing, and commands that were already there are not pip's doing.
    if status.success() {
        let added = pyman_resolver::venv::commands_in(&bin)
            .into_iter()
            .filter(|n| !before.contains(n));
        link_new_commands(ctx, added);
    }
    handoff::exit_code(status)
}

/// `pip install` outside any project goes into the interpreter's default
/// venv, shared by everything there: said once per pyman home (a marker
/// file), that applications belong in their own venvs.
fn tool_hint_once(ctx: &Context, args: &[OsString]) {
    if !args.iter().any(|a| a == "install") {
        return;
    }
    let dir = ctx.home.cache();
    let marker = dir.join("said-pip-tool-hint");
    if marker.exists() {
        return;
    }
    let _ = std::fs::create_dir_all(&dir);
    if std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&marker)
        .is_ok()
    {
        eprintln!(
            "pyman: note: outside a project, `pip install` puts packages into this Python's default venv, shared by everything here; an application belongs in its own venv: `pyman tool install NAME` (said once)"
        );
    }
}

/// Hard links of the shim for `names` that have none yet.
fn link_new_commands(ctx: &Context, names: impl Iterator<Item = String>) {
    let shims = ctx.home.shims();
    let master = shims.join(".pyman-shim");
    for name in names {
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

fn run(target: &Target, args: Vec<OsString>, depth: u32, unprotected: bool) -> ExitCode {
    let mut cmd = Command::new(&target.program);
    cmd.args(args)
        .env(env::PYMAN_SHIM_DEPTH, (depth + 1).to_string());
    if let Some(venv) = &target.venv {
        cmd.env(env::VIRTUAL_ENV, venv);
    }
    if unprotected {
        cmd.env("PIP_REQUIRE_VIRTUALENV", "1");
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

/// The `pyman` binary that wrote the shims (recorded by `pyman rehash`).
fn pyman_binary(ctx: &Context) -> Option<PathBuf> {
    std::fs::read_to_string(ctx.home.pyman_path_file())
        .ok()
        .map(|s| PathBuf::from(s.trim()))
        .filter(|p| p.is_file())
        .or_else(|| find_on_path(ctx, "pyman"))
}

/// `PYMAN_AUTO_INSTALL=1`: let `pyman install` fetch the missing interpreter.
/// The network code stays in `pyman`; the shim only runs it.
fn auto_install(ctx: &Context, request: &str) -> bool {
    let Some(pyman) = pyman_binary(ctx) else {
        eprintln!("pyman: error: `PYMAN_AUTO_INSTALL` is set but the `pyman` binary was not found");
        return false;
    };
    eprintln!("pyman: installing Python {request} (PYMAN_AUTO_INSTALL is set)");
    Command::new(&pyman)
        .args(["install", request])
        // The home this shim found (perhaps from its own location).
        .env(env::PYMAN_HOME, ctx.home.root())
        .stdout(handoff::stderr_as_stdio())
        .status()
        .is_ok_and(|s| s.success())
}

/// Asks `pyman` to create the interpreter's default venv; said once, as it
/// happens once per interpreter.
fn create_default_venv(ctx: &Context, target: &Target, venv: &std::path::Path) -> bool {
    let interpreter = &target.interpreter;
    let what = interpreter.installed.as_ref().map_or_else(
        || format!("`{}`", interpreter.executable.display()),
        |i| format!("Python {} ({})", i.version_string(), i.origin.as_str()),
    );
    let Some(pyman) = pyman_binary(ctx) else {
        eprintln!(
            "pyman: warning: {what} has no default venv and the `pyman` binary was not found to create one; pip will refuse to install"
        );
        return false;
    };
    eprintln!(
        "pyman: creating the default venv of {what} at `{}`: packages installed outside projects go there, not into the interpreter",
        venv.display()
    );
    let ok = Command::new(&pyman)
        .args(["venv", "--default", "--quiet", "--python"])
        .arg(&interpreter.executable)
        .stdout(handoff::stderr_as_stdio())
        .env(env::PYMAN_HOME, ctx.home.root())
        .env_remove(env::PYMAN_PYTHON)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "pyman: warning: the default venv was not created (see above); `pyman venv --default --python {}` retries",
            interpreter.executable.display()
        );
    }
    ok
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

#[cfg(test)]
mod tests {
    use super::changes_packages;
    use std::ffi::OsString;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn pip_runs_that_may_add_commands() {
        for (name, a, want) in [
            ("pip", &["install", "x"][..], true),
            ("pip3.12", &["-q", "uninstall", "x"], true),
            ("pip", &["list"], false),
            ("python", &["-m", "pip", "install", "-r", "r.txt"], true),
            ("python3", &["-I", "-m", "pip", "uninstall", "x"], true),
            ("python", &["-mpip", "install", "x"], true),
            ("python", &["-m", "pip", "list"], false),
            ("python", &["-m", "venv", "install"], false),
            ("python", &["script.py", "-m", "pip", "install"], false),
            ("python", &["-c", "pass"], false),
            ("pytest", &["install"], false),
        ] {
            assert_eq!(changes_packages(name, &args(a)), want, "{name} {a:?}");
        }
    }
}
