use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use pyman_resolver::Hint;
use pyman_resolver::inventory::{Inventory, Origin};
use pyman_resolver::target::resolve;
use pyman_resolver::venv::{PROJECT_VENV, read_venv};
use serde::Serialize;

use crate::app::App;

#[derive(Debug, Serialize)]
struct Finding {
    check: &'static str,
    ok: bool,
    /// Worth knowing, not a problem: doctor still exits 0.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    note: bool,
    message: String,
    fix: Option<String>,
}

impl Finding {
    fn ok(check: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            check,
            ok: true,
            note: false,
            message: message.into(),
            fix: None,
        }
    }

    fn note(check: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            check,
            ok: true,
            note: true,
            message: message.into(),
            fix: Some(fix.into()),
        }
    }

    fn problem(check: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            check,
            ok: false,
            note: false,
            message: message.into(),
            fix: Some(fix.into()),
        }
    }
}

pub fn run(app: &App, args: &crate::args::DoctorArgs) -> Result<ExitCode> {
    let mut findings = Vec::new();
    data_folder(app, &mut findings);
    let inventory = match app.refresh_inventory() {
        Ok(i) => i,
        Err(e) => {
            findings.push(Finding::problem(
                "inventory",
                format!("cannot refresh the inventory: {e:#}"),
                "fix the data folder, then `pyman rehash`",
            ));
            Inventory::default()
        }
    };
    shims(app, &mut findings);
    path_order(app, &mut findings);
    pins_and_venvs(app, &inventory, &mut findings);
    default_venvs(app, &mut findings);
    build_values(&inventory, &mut findings);
    polluted_interpreters(&inventory, &mut findings);
    shadowing_shims(app, &mut findings);
    tools(app, &mut findings);

    let problems = findings.iter().filter(|f| !f.ok).count();
    if args.json {
        let out = serde_json::json!({ "ok": problems == 0, "checks": findings });
        app.printer.data(serde_json::to_string_pretty(&out)?);
    } else {
        for f in &findings {
            let status = match (f.ok, f.note) {
                (false, _) => "problem",
                (true, true) => "note",
                (true, false) => "ok",
            };
            app.printer.data(format!("{status:8} {}", f.message));
            if let Some(fix) = &f.fix {
                app.printer.data(format!("{:8} fix: {fix}", ""));
            }
        }
        if problems == 0 {
            app.printer.success("No problems found");
        } else {
            app.printer.error(format!(
                "{problems} problem{} found",
                if problems == 1 { "" } else { "s" }
            ));
        }
    }
    Ok(if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn data_folder(app: &App, out: &mut Vec<Finding>) {
    let root = app.home().root();
    let writable =
        fs_err::create_dir_all(root).and_then(|()| tempfile::NamedTempFile::new_in(root).map(drop));
    out.push(match writable {
        Ok(()) => Finding::ok(
            "data",
            format!("the data folder `{}` is writable", root.display()),
        ),
        Err(e) => Finding::problem(
            "data",
            format!("the data folder `{}` is not writable: {e}", root.display()),
            "set `PYMAN_HOME` to a folder you can write to, or fix its permissions",
        ),
    });
}

fn shims(app: &App, out: &mut Vec<Finding>) {
    let dir = app.home().shims();
    let master = dir.join(crate::shims::SHIM_FILE);
    let current = crate::shims::shim_binary()
        .ok()
        .and_then(|p| fs_err::read(p).ok());
    let installed = fs_err::read(&master).ok();
    out.push(if !dir.join("python").exists() || installed.is_none() {
        Finding::problem(
            "shims",
            format!("there are no shims in `{}`", dir.display()),
            "run `pyman setup` (or `pyman rehash`)",
        )
    } else if current.is_some() && current != installed {
        Finding::problem(
            "shims",
            "the shims are from another version of pyman",
            "run `pyman rehash`",
        )
    } else {
        Finding::ok("shims", format!("shims are in `{}`", dir.display()))
    });
}

/// Who owns a folder on PATH that has a `python` of its own.
fn owner(dir: &Path) -> String {
    if let Some(who) = pyman_resolver::target::shims_manager(dir) {
        format!("{who}'s shims")
    } else if dir.to_string_lossy().contains("/envs/")
        || dir.parent().is_some_and(|p| p.join("pyvenv.cfg").exists())
    {
        "an activated virtual environment".into()
    } else {
        "a system Python".into()
    }
}

fn path_order(app: &App, out: &mut Vec<Finding>) {
    let shims = app.home().shims();
    let canon = |p: &Path| fs_err::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let shims_c = canon(&shims);
    let dirs: Vec<PathBuf> = app
        .env()
        .var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    let Some(pos) = dirs.iter().position(|d| canon(d) == shims_c) else {
        out.push(Finding::problem(
            "path",
            format!("pyman's shims folder `{}` is not on PATH", shims.display()),
            "run `pyman setup`, then open a new shell",
        ));
        return;
    };
    let exe = pyman_resolver::platform::EXE_SUFFIX;
    let mut shadowed = false;
    for dir in &dirs[..pos] {
        if let Some(name) = ["python", "python3", "pip"]
            .iter()
            .find(|n| dir.join(format!("{n}{exe}")).is_file())
        {
            shadowed = true;
            let who = owner(dir);
            let fix = match who.as_str() {
                "pyenv's shims" | "pyenv-win's shims" => {
                    "remove `pyenv init` from your shell's rc file (or put it before pyman's block), then open a new shell"
                }
                "asdf's shims" | "mise's shims" | "rye's shims" => {
                    "remove that manager's activation from your rc file, or put pyman's block after it; then open a new shell"
                }
                "an activated virtual environment" => {
                    "run `deactivate`: pyman's shims already use the project's .venv"
                }
                _ => "run `pyman setup` so pyman's shims come first on PATH, then open a new shell",
            };
            out.push(Finding::problem(
                "path",
                format!(
                    "`{}` comes before pyman's shims on PATH and has `{name}` ({who})",
                    dir.display()
                ),
                fix,
            ));
        }
    }
    if !shadowed {
        out.push(Finding::ok("path", "pyman's shims come first on PATH"));
    }
}

/// Every pin in this folder chain (and the global one, and PYMAN_PYTHON)
/// resolves, and each project venv was built from its pin's interpreter.
fn pins_and_venvs(app: &App, inventory: &Inventory, out: &mut Vec<Finding>) {
    let ctx = app.shim_context();
    let mut selections = Vec::new();
    for pin in pyman_resolver::selection::pins_in_chain(app.cwd(), app.env(), app.home()) {
        match pin {
            Ok(selection) => selections.push(selection),
            Err(e) => out.push(Finding::problem(
                "pins",
                e.to_string(),
                e.hint().unwrap_or_default(),
            )),
        }
    }
    // Version files pyman passes over: in folders anyone may write to, or
    // someone else's.
    for dir in app.cwd().ancestors() {
        for kind in pyman_resolver::project::VERSION_FILES {
            let file = dir.join(kind.file_name());
            if file.is_file() && !pyman_resolver::trust::owned_like_its_folder(dir, &file) {
                out.push(Finding::note(
                    "pins",
                    format!(
                        "`{}` is passed over: its folder can be written by anyone, or the file is someone else's",
                        file.display()
                    ),
                    "pin in a folder of your own (`pyman pin 3.12` there)",
                ));
            }
        }
    }
    for selection in &selections {
        if let Some(conflict) = pyman_resolver::selection::requires_python_conflict(selection) {
            out.push(Finding::problem(
                "pins",
                conflict.to_string(),
                conflict.hint().unwrap_or_default(),
            ));
        }
        match resolve(&ctx, selection, inventory) {
            Ok(resolved) => {
                if let Some(i) = &resolved.installed {
                    support_findings(app, selection, i, out);
                }
                out.push(Finding::ok(
                    "pins",
                    format!(
                        "`{}` ({}) resolves to `{}`",
                        selection.request,
                        selection.source,
                        resolved.executable.display()
                    ),
                ));
                if let Some(dir) = selection.project_dir().filter(|_| resolved.env.is_none()) {
                    let venv = dir.join(PROJECT_VENV);
                    if let Ok(Some(info)) = read_venv(&venv) {
                        if info.built_from(resolved.bin_dir()) || info.satisfies(&selection.request)
                        {
                            out.push(Finding::ok(
                                "venvs",
                                format!("`{}` matches its pin", venv.display()),
                            ));
                        } else {
                            out.push(Finding::problem(
                                "venvs",
                                format!(
                                    "`{}` was built from `{}`, but its pin `{}` selects `{}`",
                                    venv.display(),
                                    info.home.as_deref().map_or_else(|| "an unknown interpreter".into(), |h| h.display().to_string()),
                                    selection.request,
                                    resolved.executable.display()
                                ),
                                format!("`pyman venv --recreate {}` (it lists the packages to reinstall)", pyman_resolver::hint::shell_word(&venv.display().to_string())),
                            ));
                        }
                    }
                }
            }
            Err(e) => out.push(Finding::problem(
                "pins",
                format!("`{}` ({}): {e}", selection.request, selection.source),
                e.hint().unwrap_or_default(),
            )),
        }
    }
}

/// Default venvs whose interpreter is gone or whose `pyvenv.cfg` is
/// damaged, and pyman's state files that cannot be read.
fn default_venvs(app: &App, out: &mut Vec<Finding>) {
    if let Err(e) = crate::venv::record::known(app.home()) {
        out.push(Finding::problem(
            "venvs",
            e.to_string(),
            e.hint().unwrap_or_default(),
        ));
    }
    if let Err(e) = Inventory::read(&app.home().inventory_file()) {
        out.push(Finding::problem(
            "venvs",
            e.to_string(),
            e.hint().unwrap_or_default(),
        ));
    }
    let Ok(entries) = fs_err::read_dir(app.home().venvs()) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if !path.is_dir() || e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if !pyman_resolver::venv::is_whole(&path) {
            out.push(Finding::problem(
                "venvs",
                format!(
                    "the default venv `{}` is damaged (its `pyvenv.cfg` is missing or names no interpreter)",
                    path.display()
                ),
                "`pyman venv --default --python VERSION` rebuilds it (its packages are listed first)",
            ));
            continue;
        }
        if let Ok(Some(info)) = read_venv(&path)
            && info.home.as_ref().is_some_and(|h| !h.exists())
        {
            out.push(Finding::problem(
                "venvs",
                format!(
                    "the default venv `{}` belongs to an interpreter that is gone",
                    e.path().display()
                ),
                format!(
                    "remove it (`rm -r {}`), or reinstall that version",
                    e.path().display()
                ),
            ));
        }
    }
}

/// Managed installs that still name python-build-standalone's build machine
/// (made before pyman rewrote those values at install): C extensions cannot
/// build with them.
fn build_values(inventory: &Inventory, out: &mut Vec<Finding>) {
    for i in inventory
        .interpreters
        .iter()
        .filter(|i| i.origin == Origin::Managed)
    {
        let Some(dir) = i.bin_dir().parent() else {
            continue;
        };
        if pyman_installer::build_values::needs_rewrite(dir) {
            out.push(Finding::problem(
                "installs",
                format!(
                    "Python {} (`{}`) still names the build machine (`/install`, `clang`): `pip install` of packages that compile C fails",
                    i.version_string(),
                    dir.display()
                ),
                format!("`pyman install --reinstall {}` (or `pyman upgrade`, which repairs it in place)", i.version_string()),
            ));
        }
    }
}

/// Discovered interpreters whose own site-packages hold packages someone
/// installed into them: projects that import those should get a venv.
fn polluted_interpreters(inventory: &Inventory, out: &mut Vec<Finding>) {
    for i in inventory
        .interpreters
        .iter()
        .filter(|i| matches!(i.origin, Origin::Pyenv | Origin::Uv))
    {
        let packages = crate::venv::third_party_packages(i);
        if packages.is_empty() {
            continue;
        }
        let names: Vec<&str> = packages
            .iter()
            .map(|p| p.split("==").next().unwrap_or(p))
            .collect();
        let shown = if names.len() > 12 {
            format!("{}, and {} more", names[..12].join(", "), names.len() - 12)
        } else {
            names.join(", ")
        };
        out.push(Finding::note(
            "clean",
            format!(
                "{} Python {} at `{}` has {} package{} in its own site-packages: {}",
                i.origin.as_str(),
                i.version_string(),
                i.executable.display(),
                packages.len(),
                if packages.len() == 1 { "" } else { "s" },
                shown
            ),
            format!(
                "in each project that uses them: `pyman pin {}` (it creates .venv), then `pip install` what it needs there; pip through pyman never adds to the interpreter",
                i.version_string(),
            ),
        ));
    }
}

/// Shims named like a command elsewhere on PATH (a console script called
/// `base64`, `cmake`, `http`): not a problem, they fall through to it.
fn shadowing_shims(app: &App, out: &mut Vec<Finding>) {
    let Ok(entries) = fs_err::read_dir(app.home().shims()) else {
        return;
    };
    let ctx = app.shim_context();
    let exe = pyman_resolver::platform::EXE_SUFFIX;
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .map(|n| {
            n.strip_suffix(exe)
                .map_or_else(|| n.clone(), str::to_string)
        })
        .filter(|n| !pyman_resolver::target::is_python_command(n))
        .collect();
    names.sort();
    for name in names {
        if let Some(other) = pyman_resolver::target::next_on_path(&ctx, &name) {
            out.push(Finding::note(
                "shims",
                format!(
                    "the shim `{name}` shadows `{}`; where the selected environment has no `{name}`, it runs that one",
                    other.display()
                ),
                format!("nothing to do; `pyman which {name}` shows which one runs in a folder"),
            ));
        }
    }
}

/// Tools whose Python is gone, or past its end of life.
fn tools(app: &App, out: &mut Vec<Finding>) {
    let today = crate::support_status::today(app);
    let to = pyman_installer::support::newest_supported(today)
        .map_or_else(|| "3.13".to_string(), |m| m.name());
    for t in crate::tool::installed(app.home()) {
        let name = t.name();
        if t.is_broken() {
            out.push(Finding::problem(
                "tools",
                format!("the tool `{name}` is broken: the Python it was built on is gone"),
                format!("`pyman tool upgrade {name} --python {to}`"),
            ));
        } else if let Some((major, minor)) = t.minor()
            && let pyman_installer::support::Status::EndOfLife { since } =
                pyman_installer::support::status(major, minor, today)
        {
            out.push(Finding::problem(
                "tools",
                format!("the tool `{name}` runs on Python {major}.{minor}, past its end of life since {since}"),
                format!("`pyman tool upgrade --all --python {to}`"),
            ));
        } else {
            out.push(Finding::ok("tools", format!("the tool `{name}` works")));
        }
    }
}

/// A pin whose Python is past its end of life is a problem; a newer patch
/// of it (security fixes) is a note with the command that gets it.
fn support_findings(
    app: &App,
    selection: &pyman_resolver::Selection,
    i: &pyman_resolver::Interpreter,
    out: &mut Vec<Finding>,
) {
    let today = crate::support_status::today(app);
    let (major, minor) = (i.version.major, i.version.minor);
    if let pyman_installer::support::Status::EndOfLife { since } =
        pyman_installer::support::status(major, minor, today)
    {
        let to = pyman_installer::support::newest_supported(today)
            .map_or_else(|| "a supported version".to_string(), |m| m.name());
        out.push(Finding::problem(
            "support",
            format!(
                "`{}` ({}) selects Python {major}.{minor}, past its end of life since {since}: no more security fixes",
                selection.request, selection.source
            ),
            format!("move the project to a supported Python: `pyman install {to}`, then `pyman pin {to}`"),
        ));
    }
    let known = crate::support_status::known_patches(app);
    if let Some(newer) = crate::support_status::newer_patch(&known, i) {
        out.push(Finding::note(
            "patches",
            format!(
                "`{}` ({}) runs Python {}; {} is out",
                selection.request,
                selection.source,
                i.version_string(),
                newer.version_string()
            ),
            format!("`{}`", crate::support_status::upgrade_command(i, &newer)),
        ));
    }
}
