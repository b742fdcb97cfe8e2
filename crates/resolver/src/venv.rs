//! Reading virtual environments: `pyvenv.cfg` and where their executables are.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::home::PymanHome;
use crate::inventory::{Interpreter, Origin};
use crate::platform::BIN_DIR;

/// The name of a project's venv folder, next to its version file.
pub const PROJECT_VENV: &str = ".venv";

/// What `pyvenv.cfg` says about a venv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenvInfo {
    pub root: PathBuf,
    /// The folder of the interpreter the venv was built from.
    pub home: Option<PathBuf>,
    /// `version` / `version_info` as written by `venv` or pyman.
    pub version: Option<String>,
}

impl VenvInfo {
    pub fn bin_dir(&self) -> PathBuf {
        self.root.join(BIN_DIR)
    }

    /// Whether this venv was built from the interpreter whose executable lives
    /// in `interpreter_bin`. Compares text first and canonical paths only when
    /// the text differs (a per-minor link, a symlinked prefix).
    pub fn built_from(&self, interpreter_bin: &Path) -> bool {
        let Some(home) = &self.home else {
            return false;
        };
        if home == interpreter_bin {
            return true;
        }
        match (fs::canonicalize(home), fs::canonicalize(interpreter_bin)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }
}

/// Reads `root/pyvenv.cfg`; `Ok(None)` when `root` is not a venv.
pub fn read_venv(root: &Path) -> io::Result<Option<VenvInfo>> {
    let text = match fs::read_to_string(root.join("pyvenv.cfg")) {
        Ok(t) => t,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let mut info = VenvInfo {
        root: root.to_path_buf(),
        home: None,
        version: None,
    };
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "home" => info.home = Some(PathBuf::from(value)),
            "version" | "version_info" => info.version = Some(value.to_string()),
            _ => {}
        }
    }
    Ok(Some(info))
}

/// Whether `root` holds a venv whose `pyvenv.cfg` names its interpreter
/// (a missing or garbled one is a damaged venv, to rebuild).
pub fn is_whole(root: &Path) -> bool {
    read_venv(root)
        .ok()
        .flatten()
        .is_some_and(|v| v.home.is_some())
}

impl VenvInfo {
    /// The venv's Python version as its `pyvenv.cfg` says (`3.12.1`, or
    /// `3.12.1.final.0` as some tools write it).
    pub fn python_version(&self) -> Option<crate::Version> {
        let v = self.version.as_deref()?;
        let three: Vec<&str> = v.split('.').take(3).collect();
        three.join(".").parse().ok()
    }

    /// Whether the venv may serve a selection although another interpreter
    /// built it (`virtualenv -p 3.12` from another 3.12.x, `uv sync` with
    /// uv's own CPython, poetry): its interpreter still exists and its
    /// version satisfies the request.
    pub fn satisfies(&self, request: &crate::VersionRequest) -> bool {
        let interpreter_exists = self.home.as_ref().is_some_and(|h| {
            ["python3", "python", "python.exe"]
                .iter()
                .any(|n| h.join(n).is_file())
        });
        interpreter_exists
            && self
                .python_version()
                .is_some_and(|v| request.matches(&v, crate::Variant::Default))
    }
}

/// The `python` of the venv at `root`.
pub fn venv_python(root: &Path) -> PathBuf {
    root.join(BIN_DIR)
        .join(format!("python{}", crate::platform::EXE_SUFFIX))
}

/// Commands in a venv's `bin/` that deserve a shim: console scripts and
/// interpreters, not activate scripts or other non-executables.
pub fn commands_in(bin: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(bin) else {
        return Vec::new();
    };
    let suffix = crate::platform::EXE_SUFFIX;
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| is_command(&e.path()))
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            if !suffix.is_empty() && !file.ends_with(suffix) {
                return None;
            }
            let name = file.strip_suffix(suffix).unwrap_or(&file).to_string();
            let ok = !name.starts_with('.')
                && !name.to_ascii_lowercase().starts_with("activate")
                && !name.contains(['/', '\\', ' ']);
            ok.then_some(name)
        })
        .collect();
    names.sort();
    names
}

/// A file that runs: on Unix, with an execute bit.
pub fn is_command(path: &Path) -> bool {
    let Ok(md) = fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        md.is_file() && md.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        md.is_file()
    }
}

/// `$PYMAN_HOME/venvs/<name>`: where an interpreter's default venv lives.
/// Managed interpreters: one per minor (`cpython-3.12-linux-x86_64-gnu`),
/// kept across patch upgrades by the per-minor link. Others (pyenv, uv, the
/// system, a path) are named by origin, version and a hash of their path
/// (`pyenv-3.12.1-3f2a9c1e`), so two of one version never share one.
pub fn default_venv_dir(
    home: &PymanHome,
    installed: Option<&Interpreter>,
    executable: &Path,
) -> PathBuf {
    let name = match installed {
        Some(i) if i.origin == Origin::Managed => i.minor_key(),
        Some(i) => format!(
            "{}-{}-{:08x}",
            i.origin.as_str(),
            i.version_string(),
            path_hash(executable)
        ),
        None => format!("path-{:08x}", path_hash(executable)),
    };
    home.venvs().join(name)
}

/// FNV-1a of the path, folded to 32 bits: stable across runs and builds
/// (std's hasher is not), and enough to tell a few interpreters (or
/// projects) apart in file names.
pub fn path_hash(path: &Path) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.as_os_str().as_encoded_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    ((h >> 32) ^ h) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pyvenv_cfg() {
        let dir = std::env::temp_dir().join(format!("pyman-venv-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        assert_eq!(read_venv(&dir).unwrap(), None);
        fs::write(
            dir.join("pyvenv.cfg"),
            "home = /opt/py/bin\ninclude-system-site-packages = false\nversion = 3.12.1\n",
        )
        .unwrap();
        let info = read_venv(&dir).unwrap().unwrap();
        assert_eq!(info.home.as_deref(), Some(Path::new("/opt/py/bin")));
        assert_eq!(info.version.as_deref(), Some("3.12.1"));
        assert!(info.built_from(Path::new("/opt/py/bin")));
        assert!(!info.built_from(Path::new("/opt/other/bin")));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn default_venv_names_are_stable_and_distinct() {
        let home = PymanHome::new("/h");
        let pyenv = |exe: &str| Interpreter {
            key: "cpython-3.12.1-linux-x86_64-gnu".into(),
            version: "3.12.1".parse().unwrap(),
            variant: crate::Variant::Default,
            origin: Origin::Pyenv,
            executable: PathBuf::from(exe),
        };
        let venv_dir_of =
            |home: &PymanHome, i: &Interpreter| default_venv_dir(home, Some(i), &i.executable);
        let a = venv_dir_of(&home, &pyenv("/p/versions/3.12.1/bin/python3"));
        let b = venv_dir_of(&home, &pyenv("/q/versions/3.12.1/bin/python3"));
        assert_ne!(a, b);
        assert_eq!(
            a,
            venv_dir_of(&home, &pyenv("/p/versions/3.12.1/bin/python3"))
        );
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("pyenv-3.12.1-") && name.len() == 21,
            "{name}"
        );
        // FNV-1a is fixed: a changed hash would orphan every user's default venvs.
        assert_eq!(path_hash(Path::new("/usr/bin/python3")), 0x01e1_bc80);
    }
}
