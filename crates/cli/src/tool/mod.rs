//! Applications in their own venvs (`pyman tool`): building a tool's venv
//! from what was asked, linking its commands, and reading what is installed.
//! The shim side (which tool provides a command) is in the resolver's
//! `tool` module.

pub mod receipt;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use fs_err as fs;
use pyman_resolver::inventory::Interpreter;
use pyman_resolver::platform::{BIN_DIR, EXE_SUFFIX};
use pyman_resolver::target::is_python_command;
use pyman_resolver::{PymanHome, VersionRequest};

use crate::app::App;
use crate::error::fail;
use crate::venv::migrate::{pip, pip_errors, venv_python};
use crate::venv::{Base, Options};
pub use receipt::Receipt;

/// A tool's venv.
pub fn dir(home: &PymanHome, name: &str) -> PathBuf {
    home.tools().join(name)
}

/// What was asked for one tool.
#[derive(Debug, Clone)]
pub struct Request {
    pub requirement: String,
    pub with: Vec<String>,
    pub python: Option<String>,
}

/// A venv built and installed at a temporary path, not yet in place.
pub struct Built {
    pub build: PathBuf,
    pub receipt: Receipt,
}

impl Drop for Built {
    fn drop(&mut self) {
        // Moved into place, the build path is gone; otherwise nothing stays.
        let _ = fs_err::remove_dir_all(&self.build);
    }
}

/// The interpreter for a tool: `--python`, else what this folder selects,
/// else the newest installed.
pub fn interpreter_for(app: &App, python: Option<&str>) -> Result<Interpreter> {
    if python.is_some() {
        return crate::commands::venv::choose_interpreter(app, python).map(|(i, _)| i);
    }
    if let Ok((i, _)) = crate::commands::venv::choose_interpreter(app, None) {
        return Ok(i);
    }
    let inventory = app.refresh_inventory()?;
    inventory
        .best(&VersionRequest::Any)
        .cloned()
        .ok_or_else(|| {
            fail(
                "no Python is installed to build the tool on",
                "install one with `pyman install 3.13`, or pass `--python`",
            )
        })
}

/// Builds the tool's venv on `interpreter` beside the tools folder and
/// installs `request` into it with pip (pip's own configuration applies).
/// Nothing is left behind when it fails.
pub fn build(app: &App, request: &Request, interpreter: &Interpreter) -> Result<Built> {
    let tools = app.home().tools();
    fs::create_dir_all(&tools)?;
    let build = tempfile::Builder::new()
        .prefix(".build-")
        .tempdir_in(&tools)
        .context("cannot create a folder for the tool's venv")?
        .keep();
    let mut built = Built {
        build,
        receipt: Receipt {
            name: String::new(),
            requirement: request.requirement.clone(),
            with: request.with.clone(),
            python: request.python.clone(),
            version: None,
            commands: Vec::new(),
        },
    };
    let base = Base::new(app.home(), interpreter);
    fs::remove_dir(&built.build)?;
    let options = Options {
        compiled_pip: true,
        ..Options::project(true, Some("tool".to_string()))
    };
    crate::venv::build_for(&base, &built.build, &built.build, &options)?;
    let spec = receipt::pip_spec(&request.requirement);
    let known = receipt::name_in(&spec);
    let report = built.build.join("pyman-report.json");
    let mut first: Vec<String> = vec!["install".into()];
    if known.is_none() {
        // A folder, sdist or URL names its package once pip has read it.
        first.extend(["--report".into(), report.display().to_string()]);
    } else {
        first.extend(request.with.iter().cloned());
    }
    first.push(spec.clone());
    run_pip(&built.build, &first, interpreter, &request.requirement)?;
    let name = match known {
        Some(n) => n,
        None => {
            let name = requested_name(&report).with_context(|| {
                format!("pip did not say which package `{}` is", request.requirement)
            })?;
            let _ = fs_err::remove_file(&report);
            if !request.with.is_empty() {
                let mut args: Vec<String> = vec!["install".into()];
                args.extend(request.with.iter().cloned());
                run_pip(&built.build, &args, interpreter, &request.requirement)?;
            }
            name
        }
    };
    if !receipt::is_tool_name(&name) {
        return Err(fail(
            format!(
                "pip named the package of `{}` `{name}`, which cannot name a tool",
                request.requirement
            ),
            "install it by its name",
        ));
    }
    let (version, scripts) = metadata(&built.build, &name)?;
    built.receipt.name = name;
    built.receipt.version = Some(version);
    built.receipt.commands = commands_of(&built.build, scripts);
    if built.receipt.commands.is_empty() {
        return Err(fail(
            format!(
                "`{}` installed, but the package `{}` has no commands (console scripts)",
                request.requirement, built.receipt.name
            ),
            "`pyman tool` is for applications with commands; a library belongs in a project's `.venv` (`pip install` there)",
        ));
    }
    Ok(built)
}

/// The scripts that become commands: those in the venv's bin, not Python's own names.
pub fn commands_of(venv: &Path, scripts: Vec<String>) -> Vec<String> {
    scripts
        .into_iter()
        .filter(|c| !is_python_command(c) && !c.starts_with('.') && !c.contains(['/', '\\']))
        .filter(|c| {
            pyman_resolver::venv::is_command(&venv.join(BIN_DIR).join(format!("{c}{EXE_SUFFIX}")))
        })
        .collect()
}

fn run_pip(build: &Path, args: &[String], interpreter: &Interpreter, what: &str) -> Result<()> {
    pip_in(
        build,
        args,
        &interpreter.version_string(),
        what,
        "nothing was changed",
    )
}

/// pip in a tool's venv; its failure names the requirement, pip's errors
/// and what that left (`after`).
pub fn pip_in(venv: &Path, args: &[String], python: &str, what: &str, after: &str) -> Result<()> {
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    if args.first() == Some(&"install") && !args.contains(&"--no-compile") {
        args.insert(1, "--no-compile");
    }
    let out = pip(venv, &args, None).context("cannot run pip in the tool's venv")?;
    if out.status.success() {
        return Ok(());
    }
    let mut msg = format!("pip could not install `{what}` on Python {python}; {after}");
    for e in pip_errors(&out) {
        msg.push_str("\n  ");
        msg.push_str(&e);
    }
    Err(fail(
        msg,
        "check the requirement and pip's configuration (index, `PIP_FIND_LINKS`), or choose another Python with `--python`",
    ))
}

/// The name of the package pip was asked for, from its `--report`.
fn requested_name(report: &Path) -> Option<String> {
    let text = fs_err::read_to_string(report).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json.get("install")?
        .as_array()?
        .iter()
        .find(|i| i.get("requested").and_then(serde_json::Value::as_bool) == Some(true))?
        .get("metadata")?
        .get("name")?
        .as_str()
        .map(receipt::normalize)
}

/// The installed version of `name` and its console scripts, read from its
/// `.dist-info` (no Python process: a metadata query costs a Python start).
pub fn metadata(venv: &Path, name: &str) -> Result<(String, Vec<String>)> {
    for site in site_dirs(venv) {
        let Ok(entries) = fs_err::read_dir(&site) else {
            continue;
        };
        for e in entries.flatten() {
            let file = e.file_name().to_string_lossy().into_owned();
            let Some((dist, _version)) = file
                .strip_suffix(".dist-info")
                .and_then(|stem| stem.rsplit_once('-'))
            else {
                continue;
            };
            if receipt::normalize(dist) != name {
                continue;
            }
            let meta = fs_err::read_to_string(e.path().join("METADATA"))
                .with_context(|| format!("cannot read the metadata of `{name}`"))?;
            let version = meta
                .lines()
                .take_while(|l| !l.is_empty())
                .find_map(|l| l.strip_prefix("Version:"))
                .map(|v| v.trim().to_string())
                .with_context(|| format!("the metadata of `{name}` has no version"))?;
            let entry_points =
                fs_err::read_to_string(e.path().join("entry_points.txt")).unwrap_or_default();
            let mut scripts = scripts_in(&entry_points);
            // Scripts a wheel ships as files (`ruff`, `uv`, maturin's
            // binaries, `scripts=`) are not entry points: its `RECORD` says
            // which files pip put in `bin/`.
            let record = fs_err::read_to_string(e.path().join("RECORD")).unwrap_or_default();
            scripts.extend(bin_files_in(&record, &site, &venv.join(BIN_DIR)));
            scripts.sort();
            scripts.dedup();
            return Ok((version, scripts));
        }
    }
    Err(fail(
        format!(
            "the package `{name}` is not in the tool's venv `{}` after pip installed it",
            venv.display()
        ),
        "check that the requirement names the package it installs",
    ))
}

/// The names of the files a `RECORD` (paths relative to `site`) lists in `bin`.
fn bin_files_in(record: &str, site: &Path, bin: &Path) -> Vec<String> {
    record
        .lines()
        .filter_map(|line| {
            // CSV: a path with a comma is quoted (`"a,b",sha256=…,1`).
            let first = match line.strip_prefix('"') {
                Some(rest) => rest.split('"').next()?,
                None => line.split(',').next()?,
            };
            let rel = first.replace('\\', "/");
            let mut path = site.to_path_buf();
            for part in rel.split('/') {
                match part {
                    "" | "." => {}
                    ".." => {
                        path.pop();
                    }
                    p => path.push(p),
                }
            }
            (path.parent() == Some(bin))
                .then(|| path.file_name()?.to_str().map(str::to_string))
                .flatten()
        })
        .map(|n| {
            n.strip_suffix(EXE_SUFFIX)
                .map_or_else(|| n.clone(), str::to_string)
        })
        .filter(|n| !n.is_empty() && (EXE_SUFFIX.is_empty() || !n.ends_with("-script.py")))
        .collect()
}

/// `lib/python3.X/site-packages` (or `Lib/site-packages` on Windows).
fn site_dirs(venv: &Path) -> Vec<PathBuf> {
    if cfg!(windows) {
        return vec![venv.join("Lib").join("site-packages")];
    }
    fs_err::read_dir(venv.join("lib"))
        .map(|e| {
            e.flatten()
                .map(|e| e.path().join("site-packages"))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default()
}

/// The names in `[console_scripts]` and `[gui_scripts]` of an `entry_points.txt`.
fn scripts_in(text: &str) -> Vec<String> {
    let names: std::collections::BTreeSet<&str> =
        crate::venv::entry_point_scripts(text, &["console_scripts", "gui_scripts"])
            .into_iter()
            .map(|(name, _)| name)
            .collect();
    names.into_iter().map(str::to_string).collect()
}

/// Points what the build wrote (console scripts' `#!` lines, activate
/// scripts) at the venv's final path.
pub fn retarget(build: &Path, target: &Path) -> Result<()> {
    let from = build.to_string_lossy().into_owned();
    let to = target.to_string_lossy().into_owned();
    let mut files = vec![build.join("pyvenv.cfg")];
    for entry in fs::read_dir(build.join(BIN_DIR))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            files.push(entry.path());
        }
    }
    for path in files {
        let Ok(bytes) = fs_err::read(&path) else {
            continue;
        };
        // Text (scripts' `#!` lines, activate scripts, `pyvenv.cfg`), and
        // Windows' `.exe` launchers, whose `#!` line sits before the
        // appended zip (the launcher reads it back from there, and zip
        // readers allow any prefix length).
        if let Some(new) = replace_bytes(&bytes, from.as_bytes(), to.as_bytes()) {
            // In place: the file keeps its mode.
            fs::write(&path, new)?;
        }
    }
    Ok(())
}

/// `data` with every `from` replaced by `to`; `None` when there is none.
fn replace_bytes(data: &[u8], from: &[u8], to: &[u8]) -> Option<Vec<u8>> {
    if from.is_empty() || !data.windows(from.len()).any(|w| w == from) {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() + to.len());
    let mut i = 0;
    while i < data.len() {
        if data[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The tool owning each command file: `(command, tool)`.
pub fn command_owners(home: &PymanHome) -> Vec<(String, String)> {
    let dir = pyman_resolver::tool::commands_dir(home);
    let Ok(entries) = fs_err::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = entries
        .flatten()
        .filter_map(|e| {
            let cmd = e.file_name().to_string_lossy().into_owned();
            if cmd.starts_with('.') {
                return None;
            }
            let tool = fs_err::read_to_string(e.path()).ok()?.trim().to_string();
            Some((cmd, tool))
        })
        .collect();
    out.sort();
    out
}

/// Makes `tool`'s commands resolve to it.
pub fn link_commands(home: &PymanHome, tool: &str, commands: &[String]) -> Result<()> {
    let dir = pyman_resolver::tool::commands_dir(home);
    fs::create_dir_all(&dir)?;
    for c in commands {
        pyman_installer::atomic::write(&dir.join(c), format!("{tool}\n"))
            .with_context(|| format!("cannot write the command file for `{c}`"))?;
    }
    Ok(())
}

/// Removes the command files that point at `tool`.
pub fn unlink_commands(home: &PymanHome, tool: &str) -> Result<()> {
    let dir = pyman_resolver::tool::commands_dir(home);
    for (cmd, owner) in command_owners(home) {
        if owner == tool {
            fs::remove_file(dir.join(cmd))?;
        }
    }
    Ok(())
}

/// An installed tool, as `pyman tool list` shows it.
pub struct Installed {
    pub dir: PathBuf,
    pub receipt: Result<Receipt, String>,
    pub venv: Option<pyman_resolver::venv::VenvInfo>,
}

impl Installed {
    pub fn name(&self) -> String {
        self.dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Its Python is gone (uninstalled with `--force`, a pyenv version removed).
    pub fn is_broken(&self) -> bool {
        !venv_python(&self.dir).exists()
    }

    /// `(major, minor)` of the Python it was built on.
    pub fn minor(&self) -> Option<(u64, u64)> {
        let v = self.venv.as_ref()?.python_version()?;
        Some((v.major, v.minor))
    }
}

/// Every tool in `$PYMAN_HOME/tools`, by name.
pub fn installed(home: &PymanHome) -> Vec<Installed> {
    let Ok(entries) = fs_err::read_dir(home.tools()) else {
        return Vec::new();
    };
    let mut out: Vec<Installed> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| receipt::is_tool_name(&n.to_string_lossy()))
        })
        .map(|dir| Installed {
            receipt: Receipt::read(&dir),
            venv: pyman_resolver::venv::read_venv(&dir).ok().flatten(),
            dir,
        })
        .collect();
    out.sort_by(|a, b| a.dir.cmp(&b.dir));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn launchers_are_retargeted_byte_for_byte() {
        // A Windows launcher: binary stub, `#!` line, then the zip.
        let mut exe = vec![0x4d, 0x5a, 0, 0xff, 0x90];
        exe.extend_from_slice(b"#!C:\\h\\tools\\.build-1\\Scripts\\python.exe\r\n");
        exe.extend_from_slice(b"PK\x03\x04zipdata");
        let out =
            super::replace_bytes(&exe, b"C:\\h\\tools\\.build-1", b"C:\\h\\tools\\black").unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.contains("#!C:\\h\\tools\\black\\Scripts\\python.exe\r\nPK"),
            "{text}"
        );
        assert!(out.starts_with(&[0x4d, 0x5a, 0, 0xff, 0x90]));
        assert_eq!(super::replace_bytes(b"nothing here", b"x:\\", b"y"), None);
    }

    #[test]
    fn scripts_shipped_as_files_are_read_from_record() {
        let site = std::path::Path::new("/v/lib/python3.12/site-packages");
        let bin = std::path::Path::new("/v/bin");
        let record = "ruff-0.5.0.dist-info/RECORD,,\n../../../bin/ruff,sha256=x,123\nruff/__init__.py,sha256=y,1\n../../../bin/../lib/evil,,\n";
        assert_eq!(super::bin_files_in(record, site, bin), ["ruff"]);
        assert!(super::bin_files_in("", site, bin).is_empty());
    }

    #[test]
    fn console_scripts_are_read_from_entry_points() {
        let text = "[console_scripts]\nblack = black:patched_main\nblackd = blackd:patched_main [d]\n\n[gui_scripts]\nviewer=v:main\n[other]\nnot = x:y\n";
        assert_eq!(super::scripts_in(text), ["black", "blackd", "viewer"]);
        assert!(super::scripts_in("").is_empty());
    }
}
