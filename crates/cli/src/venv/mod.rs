//! Virtual environments, written natively (what `python -m venv` writes, in
//! milliseconds): built in a temporary folder beside the target, then renamed.

mod activate;
pub mod migrate;
mod packages;
pub mod record;
pub mod requirements;
mod seed;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use fs_err as fs;
use pyman_installer::managed;
use pyman_resolver::PymanHome;
use pyman_resolver::inventory::{Interpreter, Origin};
use pyman_resolver::venv::read_venv;

use crate::error::fail;

pub use packages::installed_packages;

/// What a venv is built from.
#[derive(Debug, Clone)]
pub struct Base {
    pub interpreter: Interpreter,
    /// The folder recorded as `home`: for managed interpreters the stable
    /// per-minor link, so patch upgrades carry the venv along.
    pub home_bin: PathBuf,
    /// The interpreter's prefix (its `lib/pythonX.Y` holds the stdlib).
    pub prefix: PathBuf,
    /// Where the venv is remembered once created.
    pub pyman_home: PymanHome,
}

impl Base {
    pub fn new(home: &PymanHome, interpreter: &Interpreter) -> Base {
        let exe_dir = interpreter.bin_dir().to_path_buf();
        let link = managed::minor_link(home, &interpreter.minor_key());
        let through_link = interpreter.origin == Origin::Managed
            && cfg!(unix)
            && fs_err::canonicalize(&link).ok()
                == fs_err::canonicalize(exe_dir.parent().unwrap_or(&exe_dir)).ok();
        let (home_bin, prefix) = if through_link {
            (link.join("bin"), link)
        } else {
            let prefix = if cfg!(windows) {
                exe_dir.clone()
            } else {
                exe_dir.parent().unwrap_or(&exe_dir).to_path_buf()
            };
            (exe_dir, prefix)
        };
        Base {
            interpreter: interpreter.clone(),
            home_bin,
            prefix,
            pyman_home: home.clone(),
        }
    }

    fn minor(&self) -> String {
        format!(
            "{}.{}",
            self.interpreter.version.major, self.interpreter.version.minor
        )
    }

    /// The interpreter as the venv's `python` link names it.
    #[cfg(unix)]
    fn python(&self) -> PathBuf {
        let versioned = self.home_bin.join(format!(
            "python{}{}",
            self.minor(),
            self.interpreter.variant.suffix()
        ));
        if versioned.exists() {
            versioned
        } else {
            self.home_bin
                .join(self.interpreter.executable.file_name().unwrap_or_default())
        }
    }

    pub fn stdlib(&self) -> PathBuf {
        if cfg!(windows) {
            self.prefix.join("Lib")
        } else {
            self.prefix.join("lib").join(format!(
                "python{}{}",
                self.minor(),
                self.interpreter.variant.suffix()
            ))
        }
    }
}

pub struct Options {
    pub with_pip: bool,
    pub prompt: Option<String>,
    /// `include-system-site-packages`: the interpreter's own packages stay importable.
    pub system_site_packages: bool,
    /// pip with its bytecode, for a venv whose pip runs at once (a tool's):
    /// linked from a compiled copy kept per interpreter, so pip does not
    /// compile itself on its first run in every new venv.
    pub compiled_pip: bool,
}

impl Options {
    /// A project venv: pip, the default prompt, a clean site-packages.
    pub fn project(with_pip: bool, prompt: Option<String>) -> Options {
        Options {
            with_pip,
            prompt,
            system_site_packages: false,
            compiled_pip: false,
        }
    }
}

/// Creates the venv at `target`, which must not exist. Nothing is left
/// behind on failure.
pub fn create(base: &Base, target: &Path, options: &Options) -> Result<()> {
    let parent = target
        .parent()
        .context("the venv path has no parent folder")?;
    fs::create_dir_all(parent)?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "venv".into());
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.pyman-tmp-"))
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a folder in `{}`", parent.display()))?;
    let build = tmp.path();
    build_for(base, build, target, options)?;
    fs::rename(build, target)?;
    // The temp folder is now the venv; do not let the guard delete it.
    let _ = tmp.keep();
    if let Err(e) = record::remember(&base.pyman_home, target) {
        // The venv works; what it costs is `uninstall`'s protection of it.
        crate::printer::Printer::new(false, false).warn(format!(
            "`{}` is not in pyman's list of venvs: {e:#}",
            target.display()
        ));
    }
    Ok(())
}

/// Writes a venv into `build` that is meant to live at `target` (its
/// scripts and `pyvenv.cfg` name `target`); the caller moves it there.
pub fn build_for(base: &Base, build: &Path, target: &Path, options: &Options) -> Result<()> {
    // Python 2 ignores `pyvenv.cfg`: such a "venv" would run (and pip would
    // install into) the interpreter itself.
    if base.interpreter.version.major < 3 {
        return Err(fail(
            format!(
                "Python {} has no `venv` module, so pyman makes no venv for it (`{}` would run, and pip would install into, the interpreter itself)",
                base.interpreter.version_string(),
                target.display()
            ),
            "make a virtualenv for it with virtualenv 20.x (`pip install 'virtualenv<20.22'`, the last that makes 2.7 ones, with `pyvenv.cfg`): `virtualenv -p python2.7 .venv`, or `pyenv virtualenv 2.7.18 NAME`, and select it by name or path in `.python-version`",
        ));
    }
    write_layout(base, build, target, options)?;
    if options.with_pip {
        seed::seed(base, build, target, options.compiled_pip)?;
    }
    Ok(())
}

fn write_layout(base: &Base, build: &Path, target: &Path, options: &Options) -> Result<()> {
    let bin_name = pyman_resolver::platform::BIN_DIR;
    let bin = build.join(bin_name);
    fs::create_dir_all(&bin)?;
    fs::create_dir_all(build.join("include"))?;
    let site = site_packages(base, build);
    fs::create_dir_all(&site)?;

    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        // As `python -m venv`: lib64 -> lib on 64-bit Linux.
        if cfg!(target_os = "linux") && cfg!(target_pointer_width = "64") {
            symlink("lib", build.join("lib64"))?;
        }
        let python = base.python();
        symlink(&python, bin.join("python"))?;
        symlink("python", bin.join("python3"))?;
        let versioned = format!(
            "python{}{}",
            base.minor(),
            base.interpreter.variant.suffix()
        );
        symlink("python", bin.join(&versioned))?;
        if base.interpreter.variant == pyman_resolver::Variant::Freethreaded {
            symlink("python", bin.join(format!("python{}", base.minor())))?;
        }
    }
    #[cfg(windows)]
    {
        for exe in ["python.exe", "pythonw.exe"] {
            let from = base.home_bin.join(exe);
            if from.exists() {
                fs::copy(&from, bin.join(exe))?;
            }
        }
    }

    let prompt = options
        .prompt
        .clone()
        .unwrap_or_else(|| default_prompt(target));
    let mut cfg = format!(
        "home = {}\ninclude-system-site-packages = {}\nversion = {}\nexecutable = {}\ncommand = pyman venv {}\n",
        base.home_bin.display(),
        options.system_site_packages,
        base.interpreter.version,
        fs_err::canonicalize(&base.interpreter.executable)
            .unwrap_or_else(|_| base.interpreter.executable.clone())
            .display(),
        target.display(),
    );
    cfg.push_str(&format!(
        "prompt = {prompt}\npyman = {}\n",
        env!("CARGO_PKG_VERSION")
    ));
    fs::write(build.join("pyvenv.cfg"), cfg)?;

    activate::write_scripts(base, &bin, target, &prompt)?;
    Ok(())
}

/// The entries of `dir` that `keep` accepts (given the path and its file
/// name), sorted; none when `dir` cannot be read.
fn entries_named(dir: &Path, keep: impl Fn(&Path, &str) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs_err::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| keep(p, n))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// `(name, object reference)` of each script in the given sections
/// (`[console_scripts]`, `[gui_scripts]`) of an `entry_points.txt`, in order;
/// comments and nameless lines skipped.
pub fn entry_point_scripts<'a>(text: &'a str, sections: &[&str]) -> Vec<(&'a str, &'a str)> {
    let mut wanted = false;
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            wanted = sections.contains(&line.trim_matches(['[', ']']));
        } else if wanted
            && !line.starts_with(['#', ';'])
            && let Some((name, spec)) = line.split_once('=')
            && !name.trim().is_empty()
        {
            out.push((name.trim(), spec.trim()));
        }
    }
    out
}

pub fn site_packages(base: &Base, venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Lib").join("site-packages")
    } else {
        venv.join("lib")
            .join(format!(
                "python{}{}",
                base.minor(),
                base.interpreter.variant.suffix()
            ))
            .join("site-packages")
    }
}

/// `.venv` of project `demo` shows `(demo)`, as uv does; other venvs their name.
fn default_prompt(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if (name == ".venv" || name == "venv")
        && let Some(project) = target.parent().and_then(Path::file_name)
    {
        return project.to_string_lossy().into_owned();
    }
    name
}

/// Where `pyman venv` may build: nothing there, or (with `recreate`) a venv.
pub fn check_target(
    target: &Path,
    recreate: bool,
) -> Result<Option<pyman_resolver::venv::VenvInfo>> {
    if !target.exists() {
        return Ok(None);
    }
    match read_venv(target).with_context(|| format!("cannot read `{}`", target.display()))? {
        Some(info) => Ok(Some(info)),
        None if target.is_dir()
            && fs_err::read_dir(target)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false) =>
        {
            Ok(None)
        }
        None => Err(fail(
            format!(
                "`{}` exists and is not a virtual environment (it has no `pyvenv.cfg`)",
                target.display()
            ),
            if recreate {
                "pyman only replaces venvs; move it away, or choose another path".to_string()
            } else {
                "choose another path: `pyman venv PATH`".to_string()
            },
        )),
    }
}

/// Replaces the venv at `target` with a new one built from `base`. The old
/// one's packages are listed first; it is removed only after the new one is
/// in place.
pub fn recreate(base: &Base, target: &Path, options: &Options) -> Result<Vec<String>> {
    let packages = installed_packages(target);
    let parent = target
        .parent()
        .context("the venv path has no parent folder")?;
    let aside = tempfile::Builder::new()
        .prefix(".venv.pyman-old-")
        .tempdir_in(parent)?;
    let old = aside.path().join("venv");
    fs::rename(target, &old)?;
    if let Err(e) = create(base, target, options) {
        // Put the old one back: never lose a venv.
        let _ = fs::rename(&old, target);
        return Err(e);
    }
    drop(aside);
    Ok(packages)
}

/// Where an interpreter's default venv lives: `$PYMAN_HOME/venvs/cpython-3.12-…`
/// for managed ones (per minor, so upgrades keep it), `venvs/pyenv-3.12.1-<hash>`
/// for discovered ones. The resolver names it, so the shim agrees.
pub fn default_venv_path(home: &PymanHome, interpreter: &Interpreter) -> PathBuf {
    pyman_resolver::venv::default_venv_dir(home, Some(interpreter), &interpreter.executable)
}

/// Packages that are not pip's own in an interpreter's site-packages:
/// what someone installed into it before pyman kept it clean.
pub fn third_party_packages(interpreter: &Interpreter) -> Vec<String> {
    let exe_dir = interpreter.bin_dir();
    let prefix = if cfg!(windows) {
        exe_dir
    } else {
        exe_dir.parent().unwrap_or(exe_dir)
    };
    installed_packages(prefix)
        .into_iter()
        .filter(|p| {
            let name = p.split("==").next().unwrap_or(p).to_ascii_lowercase();
            !matches!(
                name.as_str(),
                "pip" | "setuptools" | "wheel" | "distribute" | "pkg-resources"
            )
        })
        .collect()
}

/// Creates an interpreter's default venv when it has none: the venv that
/// `python`, `pip` and console scripts use outside projects.
///
/// Managed interpreters' venvs are clean. A discovered interpreter that
/// already holds packages gets `include-system-site-packages = true`, so
/// what imported before still imports while new installs land in the venv;
/// so does the system's Python, whose distribution packages are part of it.
pub fn ensure_default(home: &PymanHome, interpreter: &Interpreter) -> Result<Option<PathBuf>> {
    let path = default_venv_path(home, interpreter);
    if pyman_resolver::venv::is_whole(&path) {
        return Ok(None);
    }
    // Many shims may meet a missing default venv at once (a CI job's first
    // `python` calls): one builds it, the others wait, look again, and take
    // the finished venv as theirs.
    let name = path
        .file_name()
        .map_or_else(|| "default".into(), |n| n.to_string_lossy().into_owned());
    let lock_timeout =
        pyman_installer::Options::from_env(&pyman_resolver::Env::Process).lock_timeout;
    let _lock = pyman_installer::lock::acquire(
        &home.locks().join(format!("venv-{name}.lock")),
        &format!("the default venv `{name}`"),
        lock_timeout,
        || {},
    )?;
    if pyman_resolver::venv::is_whole(&path) {
        return Ok(None);
    }
    if std::fs::symlink_metadata(&path).is_ok() {
        set_aside_damaged(home, &path, &name)?;
    }
    let base = Base::new(home, interpreter);
    let system_site_packages = match interpreter.origin {
        Origin::Managed => false,
        Origin::System => true,
        Origin::Pyenv | Origin::Uv => !third_party_packages(interpreter).is_empty(),
    };
    // Debian's Python has no bundled pip wheel: the venv goes without.
    let with_pip = seed::has_bundled_pip(&base);
    create(
        &base,
        &path,
        &Options {
            with_pip,
            prompt: Some(
                path.file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            ),
            system_site_packages,
            // Not compiled here: `pyman install` makes this venv, and it
            // must not pay for compiling pip.
            compiled_pip: false,
        },
    )?;
    Ok(Some(path))
}

/// A damaged default venv (its `pyvenv.cfg` gone or garbled) is moved to
/// `venvs/.damaged/` with a warning that lists what it held, so it can be
/// rebuilt in its place and nothing is lost.
fn set_aside_damaged(home: &PymanHome, path: &Path, name: &str) -> Result<()> {
    let packages = installed_packages(path);
    let aside_dir = home.venvs().join(".damaged");
    fs::create_dir_all(&aside_dir)?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let aside = aside_dir.join(format!("{name}-{stamp}"));
    fs::rename(path, &aside)?;
    let held = if packages.is_empty() {
        "no packages".to_string()
    } else {
        packages.join(" ")
    };
    crate::printer::Printer::new(false, false).warn(format!(
        "the default venv `{}` was damaged (no usable `pyvenv.cfg`); it is rebuilt, and the old one is kept at `{}`. It held: {held}",
        path.display(),
        aside.display()
    ));
    Ok(())
}
