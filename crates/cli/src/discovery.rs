//! Finding interpreters on the machine and keeping pyman's inventory current.
//!
//! Discovery runs here, in `pyman`, never in the shim: the shim reads the
//! inventory this writes.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::Result;
use pyman_resolver::inventory::{Interpreter, Inventory, Origin, install_key};
use pyman_resolver::platform::{self, EXE_SUFFIX};
use pyman_resolver::{Env, PymanHome, Variant, Version};

use pyman_installer::managed;

/// The inventory as the last scan left it, if no folder discovery reads
/// from has changed since: a few `stat`s instead of a scan, for the
/// commands prompts call (`current`, `which`, `list`). `None`: scan.
pub fn cached(home: &PymanHome, env: &Env) -> Option<Inventory> {
    let text = fs_err::read_to_string(stamp_file(home)).ok()?;
    let (start, recorded) = text.split_once('\n')?;
    let start = UNIX_EPOCH + std::time::Duration::from_secs(start.trim().parse().ok()?);
    if recorded != sources_text(home, env) {
        return None;
    }
    for dir in sources(home, env) {
        let changed = std::fs::metadata(&dir)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t >= start);
        if changed {
            return None;
        }
    }
    Inventory::read(&home.inventory_file()).ok()
}

/// Where the last scan records when it started and what it read.
fn stamp_file(home: &PymanHome) -> PathBuf {
    home.cache().join("inventory-sources")
}

/// The folders discovery reads: pyman's installs, pyenv's and uv's
/// folders, and the `PATH` folders (with `/usr/bin`).
fn sources(home: &PymanHome, env: &Env) -> Vec<PathBuf> {
    let mut dirs = vec![home.pythons()];
    dirs.extend(pyenv_root(env).map(|r| r.join("versions")));
    dirs.extend(uv_root(env));
    dirs.extend(path_dirs(env));
    dirs
}

/// Each source with whether it exists: a folder that appears is a change.
fn sources_text(home: &PymanHome, env: &Env) -> String {
    sources(home, env)
        .iter()
        .map(|d| format!("{}\t{}\n", d.display(), u8::from(d.exists())))
        .collect()
}

/// Scans every source and writes the inventory when it changed.
pub fn refresh(home: &PymanHome, env: &Env) -> Result<Inventory> {
    // Whole seconds, rounded down: a folder changed during (or just before)
    // the scan counts as changed on file systems with coarse times.
    let start = std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let stamp = format!("{start}\n{}", sources_text(home, env));
    let mut seen = HashSet::new();
    let mut interpreters = Vec::new();
    let mut push = |i: Interpreter, seen: &mut HashSet<PathBuf>| {
        // The inventory holds absolute paths only (its reader refuses others).
        if !i.executable.is_absolute() {
            return;
        }
        let canonical =
            fs_err::canonicalize(&i.executable).unwrap_or_else(|_| i.executable.clone());
        if seen.insert(canonical) {
            interpreters.push(i);
        }
    };

    for i in managed::installed(home)? {
        push(i, &mut seen);
    }
    for i in pyenv(env) {
        push(i, &mut seen);
    }
    for i in uv(env) {
        push(i, &mut seen);
    }
    let mut probes = ProbeCache::load(home);
    for exe in path_candidates(home, env) {
        let canonical = fs_err::canonicalize(&exe).unwrap_or_else(|_| exe.clone());
        if seen.contains(&canonical) {
            continue;
        }
        if let Some((version, variant)) = probes.probe(&canonical) {
            push(
                Interpreter {
                    key: install_key(&version, variant, &platform::triple()),
                    version,
                    variant,
                    origin: Origin::System,
                    executable: exe,
                },
                &mut seen,
            );
        }
    }
    probes.save(home);

    let inventory = Inventory { interpreters };
    write_if_changed(&home.inventory_file(), &inventory.to_text())?;
    // Best effort: without it the next query scans again.
    let _ = pyman_installer::atomic::write(&stamp_file(home), stamp);
    Ok(Inventory::parse(&inventory.to_text()).unwrap_or(inventory))
}

fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if fs_err::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    pyman_installer::atomic::write(path, text).map_err(|e| {
        let full = e.kind() == std::io::ErrorKind::StorageFull;
        crate::error::hinted(
            e,
            Some(format!(
                "{} where pyman's data folder lives (`PYMAN_HOME`), then run `pyman rehash`",
                if full {
                    "the disk is full: free space"
                } else {
                    "check that it is writable"
                }
            )),
            1,
        )
        .context(format!("cannot replace `{}`", path.display()))
    })
}

fn interpreter_exe(prefix: &Path) -> PathBuf {
    if cfg!(windows) {
        prefix.join("python.exe")
    } else {
        prefix.join("bin").join("python3")
    }
}

/// `versions/3.12.1` (and `3.13.0t`) under `PYENV_ROOT`, default `~/.pyenv`.
fn pyenv_root(env: &Env) -> Option<PathBuf> {
    pyman_resolver::pyenv::root(env)
}

fn uv_root(env: &Env) -> Option<PathBuf> {
    env.non_empty(pyman_resolver::env::UV_PYTHON_INSTALL_DIR)
        .map(PathBuf::from)
        .or_else(|| {
            pyman_resolver::home::default_data_dir(env).map(|d| d.join("uv").join("python"))
        })
}

fn pyenv(env: &Env) -> Vec<Interpreter> {
    let Some(root) = pyenv_root(env) else {
        return Vec::new();
    };
    scan_named_dirs(&root.join("versions"), Origin::Pyenv, |name| {
        let (v, variant) = match name.strip_suffix('t') {
            Some(v) => (v, Variant::Freethreaded),
            None => (name, Variant::Default),
        };
        v.parse::<Version>().ok().map(|v| (v, variant))
    })
}

/// uv's `cpython-3.12.4-linux-x86_64-gnu` folders.
fn uv(env: &Env) -> Vec<Interpreter> {
    let Some(root) = uv_root(env) else {
        return Vec::new();
    };
    scan_named_dirs(&root, Origin::Uv, |name| {
        uv_folder(name, &platform::triple())
    })
}

/// The version in a uv install folder's name for this platform:
/// `cpython-3.12.4-linux-x86_64-gnu`, `cpython-3.13.0+freethreaded-…`, and
/// with a CPU level, `cpython-3.11.9-linux-x86_64_v3-gnu` (it runs here as
/// x86_64).
fn uv_folder(name: &str, triple: &str) -> Option<(Version, Variant)> {
    let rest = name.strip_prefix("cpython-")?;
    let (version, platform) = rest.split_once('-')?;
    let platform = ["_v2-", "_v3-", "_v4-"]
        .iter()
        .find_map(|level| platform.split_once(level))
        .map_or_else(|| platform.to_string(), |(a, b)| format!("{a}-{b}"));
    if platform != triple {
        return None;
    }
    let (v, variant) = match version.strip_suffix("+freethreaded") {
        Some(v) => (v, Variant::Freethreaded),
        None => (version, Variant::Default),
    };
    v.parse::<Version>().ok().map(|v| (v, variant))
}

fn scan_named_dirs(
    root: &Path,
    origin: Origin,
    parse: impl Fn(&str) -> Option<(Version, Variant)>,
) -> Vec<Interpreter> {
    let Ok(entries) = fs_err::read_dir(root) else {
        return Vec::new();
    };
    let mut found: Vec<Interpreter> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let (version, variant) = parse(&name)?;
            let mut executable = interpreter_exe(&e.path());
            if variant == Variant::Freethreaded && !executable.exists() {
                executable = e
                    .path()
                    .join("bin")
                    .join(format!("python{}.{}t", version.major, version.minor));
            }
            // Python 2 (pyenv's 2.7.18) has `python2` and `python`, no `python3`.
            if cfg!(unix) && version.major == 2 && !executable.exists() {
                executable = e.path().join("bin").join("python");
            }
            // A root from the environment that is not absolute here (a Unix
            // `PYENV_ROOT` seen by a Windows program under Wine) names nothing.
            (executable.is_absolute() && executable.is_file()).then(|| Interpreter {
                key: install_key(&version, variant, &platform::triple()),
                version,
                variant,
                origin,
                executable,
            })
        })
        .collect();
    found.sort_by_key(|i| std::cmp::Reverse(i.version));
    found
}

/// Interpreters on `PATH` (outside any shims folder and outside venvs), and
/// the system's `/usr/bin/python3.X`.
/// `PATH`'s folders, and `/usr/bin` on Unix.
fn path_dirs(env: &Env) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = env
        .var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if cfg!(unix) {
        dirs.push(PathBuf::from("/usr/bin"));
    }
    dirs
}

fn path_candidates(home: &PymanHome, env: &Env) -> Vec<PathBuf> {
    let dirs = path_dirs(env);
    let shims = home.shims();
    let mut out = Vec::new();
    for dir in dirs {
        if !dir.is_absolute()
            || dir == shims
            || pyman_resolver::target::shims_manager(&dir).is_some()
            || dir.parent().is_some_and(|p| p.join("pyvenv.cfg").exists())
        {
            continue;
        }
        let Ok(entries) = fs_err::read_dir(&dir) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| is_interpreter_name(n))
            .collect();
        names.sort();
        out.extend(names.into_iter().map(|n| dir.join(n)));
    }
    out
}

/// `python3`, `python3.12`, `python3.13t` (and `python.exe`), not `python3-config`.
fn is_interpreter_name(name: &str) -> bool {
    let Some(rest) = name
        .strip_suffix(EXE_SUFFIX)
        .unwrap_or(name)
        .strip_prefix("python")
    else {
        return false;
    };
    let rest = rest.strip_suffix('t').unwrap_or(rest);
    rest.is_empty()
        || rest == "3"
        || rest
            .strip_prefix("3.")
            .is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
}

/// The version of an interpreter pyman has not discovered (a `--python`
/// path, a pinned path), run once and then remembered like discovered ones.
pub fn probe_cached(home: &PymanHome, exe: &Path) -> Result<(Version, Variant), String> {
    let mut probes = ProbeCache::load(home);
    let found = probes.probe(exe);
    probes.save(home);
    found.ok_or_else(|| {
        pyman_installer::probe::probe(exe)
            .err()
            .unwrap_or_else(|| "it did not report a version".to_string())
    })
}

/// Versions of discovered executables, keyed by path, size and mtime, so an
/// unchanged interpreter is run once, not on every `pyman` command.
struct ProbeCache {
    entries: BTreeMap<String, String>,
    dirty: bool,
}

impl ProbeCache {
    fn file(home: &PymanHome) -> PathBuf {
        home.cache().join("probes")
    }

    fn load(home: &PymanHome) -> Self {
        let entries = fs_err::read_to_string(Self::file(home))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.rsplit_once('\t'))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ProbeCache {
            entries,
            dirty: false,
        }
    }

    fn save(&self, home: &PymanHome) {
        if !self.dirty {
            return;
        }
        let text: String = self
            .entries
            .iter()
            .map(|(k, v)| format!("{k}\t{v}\n"))
            .collect();
        // A cache: failing to write it only costs time next run.
        let _ = fs_err::create_dir_all(home.cache());
        let _ = write_if_changed(&Self::file(home), &text);
    }

    fn probe(&mut self, exe: &Path) -> Option<(Version, Variant)> {
        let md = std::fs::metadata(exe).ok()?;
        let mtime = md
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let key = format!("{}\t{}\t{mtime}", exe.display(), md.len());
        let value = match self.entries.get(&key) {
            Some(v) => v.clone(),
            None => {
                // `-config` scripts are not interpreters; "-" caches a failure.
                let v = (!exe.to_string_lossy().contains("-config"))
                    .then(|| pyman_installer::probe::probe(exe).ok())
                    .flatten()
                    .map_or_else(
                        || "-".to_string(),
                        |(v, variant)| format!("{v} {}", variant.name()),
                    );
                self.entries.insert(key, v.clone());
                self.dirty = true;
                v
            }
        };
        let (version, variant) = value.split_once(' ')?;
        Some((version.parse().ok()?, Variant::from_name(variant)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uv_folders_with_a_cpu_level_are_this_platforms() {
        let here = "linux-x86_64-gnu";
        let v = |s: &str| s.parse::<Version>().unwrap();
        for (name, want) in [
            (
                "cpython-3.12.4-linux-x86_64-gnu",
                Some((v("3.12.4"), Variant::Default)),
            ),
            (
                "cpython-3.11.9-linux-x86_64_v3-gnu",
                Some((v("3.11.9"), Variant::Default)),
            ),
            (
                "cpython-3.13.0+freethreaded-linux-x86_64_v2-gnu",
                Some((v("3.13.0"), Variant::Freethreaded)),
            ),
            ("cpython-3.12.4-linux-aarch64-gnu", None),
            ("cpython-3.12.4-linux-x86_64-musl", None),
            ("pypy-3.10.14-linux-x86_64-gnu", None),
            (".lock", None),
        ] {
            assert_eq!(uv_folder(name, here), want, "{name}");
        }
    }

    #[test]
    fn interpreter_names() {
        for ok in ["python", "python3", "python3.12", "python3.13t"] {
            assert!(is_interpreter_name(ok), "{ok}");
        }
        for no in [
            "python3-config",
            "python3.12-config",
            "python2",
            "pythonw",
            "python3.",
            "python3.12-gdb.py",
        ] {
            assert!(!is_interpreter_name(no), "{no}");
        }
    }
}
