//! Reading virtual environments: `pyvenv.cfg` and where their executables are.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

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

fn is_command(path: &Path) -> bool {
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
}
