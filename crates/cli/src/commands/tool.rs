//! `pyman tool`: applications in their own venvs.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use fs_err as fs;
use pyman_resolver::platform::{BIN_DIR, EXE_SUFFIX};
use serde_json::json;

use crate::app::App;
use crate::args::{ToolCommand, ToolInstallArgs, ToolRunArgs, ToolUpgradeArgs};
use crate::error::{fail, usage};
use crate::tool::{self, Built, Receipt, Request, receipt};

pub fn run(app: &App, cmd: &ToolCommand) -> Result<ExitCode> {
    match cmd {
        ToolCommand::Install(args) => install(app, args),
        ToolCommand::List { json } => list(app, *json),
        ToolCommand::Upgrade(args) => upgrade(app, args),
        ToolCommand::Uninstall { names } => uninstall(app, names),
        ToolCommand::Run(args) => run_tool(app, args),
    }
}

fn install(app: &App, args: &ToolInstallArgs) -> Result<ExitCode> {
    let interpreter = tool::interpreter_for(app, args.python.as_deref())?;
    for spec in &args.specs {
        if let Some(name) = receipt::name_in(&receipt::pip_spec(spec)) {
            refuse_existing(app, &name, args.force)?;
        }
        let request = Request {
            requirement: spec.clone(),
            with: args.with.clone(),
            python: args.python.clone(),
        };
        let built = tool::build(app, &request, &interpreter)?;
        let name = built.receipt.name.clone();
        let _lock = lock(app, &name)?;
        refuse_existing(app, &name, args.force)?;
        check_commands(app, &name, &built.receipt.commands, args.force)?;
        let receipt = place(app, built)?;
        app.printer.success(format!(
            "Installed {} {} on Python {}: {}",
            name,
            receipt.version.as_deref().unwrap_or("?"),
            interpreter.version_string(),
            commands_text(&receipt.commands)
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn commands_text(commands: &[String]) -> String {
    let list: Vec<String> = commands.iter().map(|c| format!("`{c}`")).collect();
    format!(
        "command{} {}",
        if list.len() == 1 { "" } else { "s" },
        list.join(", ")
    )
}

fn refuse_existing(app: &App, name: &str, force: bool) -> Result<()> {
    let dir = tool::dir(app.home(), name);
    if force || !dir.exists() {
        return Ok(());
    }
    let version = Receipt::read(&dir)
        .ok()
        .and_then(|r| r.version)
        .map_or_else(String::new, |v| format!(" {v}"));
    Err(fail(
        format!("the tool `{name}`{version} is already installed"),
        format!("upgrade it with `pyman tool upgrade {name}`, or reinstall it with `--force`"),
    ))
}

/// A command another tool provides is refused unless `force` takes it
/// over; a file in the shims folder that is not pyman's is never replaced.
fn check_commands(app: &App, name: &str, commands: &[String], force: bool) -> Result<()> {
    let owners = tool::command_owners(app.home());
    for c in commands {
        match clash(app, &owners, name, c) {
            Some(Clash::Tool(other)) if !force => {
                return Err(fail(
                    format!(
                        "the command `{c}` of `{name}` is already provided by the tool `{other}`"
                    ),
                    format!(
                        "`pyman tool install {name} --force` takes `{c}` over, or `pyman tool uninstall {other}` first"
                    ),
                ));
            }
            Some(Clash::ForeignFile(shim)) => {
                return Err(fail(
                    format!(
                        "`{}` is not one of pyman's shims, and pyman never overwrites it; `{name}` was not installed",
                        shim.display()
                    ),
                    format!(
                        "move `{}` out of pyman's shims folder, then install again",
                        shim.display()
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Why the command `c` cannot simply be `name`'s.
enum Clash {
    /// Another installed tool provides it.
    Tool(String),
    /// The shims folder holds a file of that name that is not a pyman shim.
    ForeignFile(std::path::PathBuf),
}

fn clash(app: &App, owners: &[(String, String)], name: &str, c: &str) -> Option<Clash> {
    let shim = app.home().shims().join(format!("{c}{EXE_SUFFIX}"));
    let master = app.home().shims().join(crate::shims::SHIM_FILE);
    if shim.exists() && !crate::shims::same_file(&shim, &master) {
        return Some(Clash::ForeignFile(shim));
    }
    owners
        .iter()
        .find(|(cmd, t)| cmd == c && t != name && tool::dir(app.home(), t).exists())
        .map(|(_, other)| Clash::Tool(other.clone()))
}

/// One change to a tool at a time: two installs of one name would race on
/// its folder and its command files.
fn lock(app: &App, name: &str) -> Result<pyman_installer::lock::FileLock> {
    let timeout = pyman_installer::Options::from_env(app.env()).lock_timeout;
    let path = app.home().locks().join(format!("tool-{name}.lock"));
    Ok(pyman_installer::lock::acquire(
        &path,
        &format!("the tool `{name}`"),
        timeout,
        || {
            app.printer.info(format!(
                "Waiting for another pyman changing the tool `{name}`"
            ));
        },
    )?)
}

/// An upgrade keeps the tool's commands, less those another tool provides
/// now (taken over with `--force`, or new in this version): said, not an
/// error after pip already ran.
fn keep_own_commands(app: &App, name: &str, commands: Vec<String>) -> Vec<String> {
    let owners = tool::command_owners(app.home());
    commands
        .into_iter()
        .filter(|c| match clash(app, &owners, name, c) {
            Some(Clash::ForeignFile(shim)) => {
                app.printer.warn(format!(
                    "`{}` is not one of pyman's shims and stays; `{c}` of `{name}` is not linked",
                    shim.display()
                ));
                false
            }
            Some(Clash::Tool(other)) => {
                app.printer.warn(format!(
                    "`{c}` of `{name}` stays the command of the tool `{other}`; `pyman tool install {name} --force` takes it over"
                ));
                false
            }
            None => true,
        })
        .collect()
}

/// Moves a built tool into place (swapping out an old one), then links its
/// commands and writes the shims.
fn place(app: &App, built: Built) -> Result<Receipt> {
    let home = app.home();
    let name = built.receipt.name.clone();
    let target = tool::dir(home, &name);
    tool::retarget(&built.build, &target)?;
    built.receipt.write(&built.build)?;
    if target.exists() {
        let keep = home.tools().join(format!(".{name}.old"));
        crate::venv::migrate::swap(&built.build, &target, &keep)?;
        let _ = fs_err::remove_dir_all(&keep);
    } else {
        fs::rename(&built.build, &target)?;
    }
    tool::unlink_commands(home, &name)?;
    tool::link_commands(home, &name, &built.receipt.commands)?;
    if let Err(e) = crate::venv::record::remember(home, &target) {
        app.printer.warn(format!(
            "`{}` is not in pyman's list of venvs, so `pyman uninstall` will not protect it: {e:#}",
            target.display()
        ));
    }
    crate::commands::rehash::after_change(app)?;
    Ok(built.receipt.clone())
}

fn list(app: &App, as_json: bool) -> Result<ExitCode> {
    let today = crate::support_status::today(app);
    let owners = tool::command_owners(app.home());
    let tools = tool::installed(app.home());
    let mut rows = Vec::new();
    for t in &tools {
        let name = t.name();
        let commands: Vec<&str> = owners
            .iter()
            .filter(|(_, owner)| *owner == name)
            .map(|(c, _)| c.as_str())
            .collect();
        let python = t.venv.as_ref().and_then(|v| v.version.clone());
        let status = t
            .minor()
            .map(|(a, b)| pyman_installer::support::status(a, b, today));
        let receipt = t.receipt.as_ref().ok();
        rows.push(json!({
            "name": name,
            "version": receipt.and_then(|r| r.version.clone()),
            "requirement": receipt.map(|r| r.requirement.clone()),
            "with": receipt.map(|r| r.with.clone()),
            "python": python,
            "support": t.minor().map(|(a, b)| crate::support_status::support_json(a, b, today)),
            "commands": commands,
            "venv": t.dir,
            "broken": t.is_broken(),
            "error": t.receipt.as_ref().err(),
        }));
        if as_json {
            continue;
        }
        let mut line = format!(
            "{name} {}  Python {}  {}",
            receipt.and_then(|r| r.version.as_deref()).unwrap_or("?"),
            python.as_deref().unwrap_or("?"),
            commands.join(", ")
        );
        if let Some(s) = status {
            line.push_str(&format!("  ({s})"));
        }
        app.printer.data(line);
        if t.is_broken() {
            app.printer.warn(format!(
                "`{name}` is broken: the Python it was built on (`{}`) is gone",
                t.venv
                    .as_ref()
                    .and_then(|v| v.home.as_deref())
                    .map_or_else(|| "unknown".into(), |h| h.display().to_string())
            ));
            app.printer.hint(format!(
                "`pyman tool upgrade {name} --python 3.13` rebuilds it on an installed Python, as it was asked for"
            ));
        } else if status.is_some_and(|s| s.is_end_of_life()) {
            app.printer.hint(format!(
                "`{name}` runs on a Python past its end of life: `pyman tool upgrade {name} --python 3.13`"
            ));
        }
        if let Err(e) = &t.receipt {
            app.printer.warn(e.clone());
        }
    }
    if as_json {
        app.printer.data(serde_json::to_string_pretty(&rows)?);
    } else if tools.is_empty() {
        app.printer
            .info("No tool is installed; `pyman tool install NAME` installs one");
    }
    Ok(ExitCode::SUCCESS)
}

fn upgrade(app: &App, args: &ToolUpgradeArgs) -> Result<ExitCode> {
    let installed = tool::installed(app.home());
    let names: Vec<String> = if args.all {
        installed.iter().map(tool::Installed::name).collect()
    } else {
        args.names.iter().map(|n| receipt::normalize(n)).collect()
    };
    let mut failed = 0;
    for name in &names {
        let one = || -> Result<String> {
            if !receipt::is_tool_name(name) || !installed.iter().any(|t| t.name() == *name) {
                return Err(unknown(name));
            }
            // Read again under the lock: another pyman may have changed or
            // removed the tool while this one waited.
            let _lock = lock(app, name)?;
            let t = tool::installed(app.home())
                .into_iter()
                .find(|t| t.name() == *name)
                .ok_or_else(|| unknown(name))?;
            let receipt = t.receipt.clone().map_err(|e| {
                fail(
                    format!("`{name}` cannot be upgraded: {e}"),
                    format!("reinstall it: `pyman tool install {name} --force`"),
                )
            })?;
            if args.python.is_some() || t.is_broken() {
                rebuild(app, &t, &receipt, args.python.as_deref())
            } else {
                in_place(app, &t, &receipt)
            }
        };
        match one() {
            Ok(msg) => app.printer.success(msg),
            Err(e) if names.len() > 1 => {
                failed += 1;
                app.printer.error(format!("{name}: {e:#}"));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Within what was asked, on the same Python.
fn in_place(app: &App, t: &tool::Installed, receipt: &Receipt) -> Result<String> {
    let mut args = vec![
        "install".to_string(),
        "--upgrade".to_string(),
        receipt::pip_spec(&receipt.requirement),
    ];
    args.extend(receipt.with.iter().cloned());
    let interpreter = t
        .venv
        .as_ref()
        .and_then(|v| v.version.clone())
        .unwrap_or_default();
    let after = format!(
        "pip may have changed part of the venv; `pyman tool install {} --force` rebuilds it as asked",
        receipt.name
    );
    tool::pip_in(&t.dir, &args, &interpreter, &receipt.requirement, &after)?;
    let (version, scripts) = tool::metadata(&t.dir, &receipt.name)?;
    let mut new = receipt.clone();
    let was = new.version.replace(version.clone());
    new.commands = keep_own_commands(app, &new.name, tool::commands_of(&t.dir, scripts));
    new.write(&t.dir)?;
    tool::unlink_commands(app.home(), &new.name)?;
    tool::link_commands(app.home(), &new.name, &new.commands)?;
    crate::commands::rehash::after_change(app)?;
    Ok(match was {
        Some(w) if w == version => format!(
            "{} {version} is the newest `{}` allows",
            new.name, new.requirement
        ),
        Some(w) => format!("Upgraded {} {w} -> {version}", new.name),
        None => format!("Upgraded {} to {version}", new.name),
    })
}

/// On another Python (or its own again, when it was broken): built beside
/// the old venv, swapped in only once everything installed.
fn rebuild(
    app: &App,
    t: &tool::Installed,
    receipt: &Receipt,
    python: Option<&str>,
) -> Result<String> {
    let name = &receipt.name;
    // A broken tool goes back to the minor it was built on, unless told.
    let was_minor = t.minor().map(|(a, b)| format!("{a}.{b}"));
    let want = python
        .map(str::to_string)
        .or_else(|| receipt.python.clone())
        .or_else(|| was_minor.clone());
    let interpreter = tool::interpreter_for(app, want.as_deref()).with_context(|| {
        format!(
            "`{name}` was not rebuilt: no installed Python for `{}`; install one (`pyman install {0}`) or pass `--python`",
            want.as_deref().unwrap_or("its Python")
        )
    })?;
    let request = Request {
        requirement: receipt.requirement.clone(),
        with: receipt.with.clone(),
        python: python
            .map(str::to_string)
            .or_else(|| receipt.python.clone()),
    };
    let built = tool::build(app, &request, &interpreter).with_context(|| {
        format!(
            "`{name}` is unchanged (still on Python {})",
            was_minor.as_deref().unwrap_or("?")
        )
    })?;
    let mut built = built;
    built.receipt.commands =
        keep_own_commands(app, name, std::mem::take(&mut built.receipt.commands));
    let new = place(app, built)?;
    Ok(format!(
        "Rebuilt {name} {} on Python {}{}",
        new.version.as_deref().unwrap_or("?"),
        interpreter.version_string(),
        if new.with.is_empty() {
            String::new()
        } else {
            format!(" with {}", new.with.join(", "))
        }
    ))
}

fn unknown(name: &str) -> anyhow::Error {
    usage(
        format!("no tool named `{name}` is installed"),
        "`pyman tool list` shows the installed tools",
    )
}

fn uninstall(app: &App, names: &[String]) -> Result<ExitCode> {
    // As pip names packages: `My_Tool` is `my-tool`.
    let names: Vec<String> = names.iter().map(|n| receipt::normalize(n)).collect();
    for name in &names {
        let dir = tool::dir(app.home(), name);
        if !receipt::is_tool_name(name) || !dir.is_dir() {
            return Err(unknown(name));
        }
    }
    for name in &names {
        let dir = tool::dir(app.home(), name);
        let _lock = lock(app, name)?;
        if !dir.is_dir() {
            app.printer
                .info(format!("The tool `{name}` was removed meanwhile"));
            continue;
        }
        tool::unlink_commands(app.home(), name)?;
        fs::remove_dir_all(&dir)?;
        app.printer.success(format!("Removed the tool `{name}`"));
    }
    crate::commands::rehash::after_change(app)?;
    Ok(ExitCode::SUCCESS)
}

/// `pyman tool run`: from a venv kept in the cache, keyed by what was asked
/// and the Python, built on first use; never listed as installed.
fn run_tool(app: &App, args: &ToolRunArgs) -> Result<ExitCode> {
    let command = args
        .command
        .split(['=', '<', '>', '!', '~', '[', '@', ';', ' '])
        .next()
        .unwrap_or_default()
        .to_string();
    if command.is_empty() || command.contains(['/', '\\']) {
        return Err(usage(
            format!("`{}` does not name a command", args.command),
            "`pyman tool run NAME`, or `--from SPEC NAME` when the package is named otherwise",
        ));
    }
    let package = args.from.clone().unwrap_or_else(|| args.command.clone());
    let interpreter = tool::interpreter_for(app, args.python.as_deref())?;
    let key = format!(
        "{package}\n{}\n{}",
        args.with.join("\n"),
        interpreter.executable.display()
    );
    let venv = app.home().cache().join("tool-run").join(format!(
        "{:08x}",
        pyman_resolver::venv::path_hash(Path::new(&key))
    ));
    let whole =
        |v: &Path| crate::venv::migrate::venv_python(v).exists() && Receipt::read(v).is_ok();
    if !whole(&venv) {
        let request = Request {
            requirement: package.clone(),
            with: args.with.clone(),
            python: args.python.clone(),
        };
        let built = tool::build(app, &request, &interpreter)?;
        tool::retarget(&built.build, &venv)?;
        built.receipt.write(&built.build)?;
        fs::create_dir_all(venv.parent().unwrap_or(&venv))?;
        // A damaged leftover goes; a whole venv another run placed meanwhile
        // stays (it may be running), and this one is dropped.
        if venv.exists() && !whole(&venv) {
            fs::remove_dir_all(&venv)?;
        }
        if let Err(e) = fs_err::rename(&built.build, &venv)
            && !whole(&venv)
        {
            return Err(e.into());
        }
    }
    let program = venv.join(BIN_DIR).join(format!("{command}{EXE_SUFFIX}"));
    if !program.is_file() {
        let commands = Receipt::read(&venv).map(|r| r.commands).unwrap_or_default();
        return Err(fail(
            format!(
                "`{package}` provides no command `{command}` (it has {})",
                commands_text(&commands)
            ),
            format!(
                "`pyman tool run --from {package} {}`",
                commands.first().map_or("NAME", String::as_str)
            ),
        ));
    }
    let mut cmd = std::process::Command::new(&program);
    cmd.args(&args.args).env_remove("PYTHONHOME");
    crate::commands::run::exec(cmd, &program)
}
