//! Where pyman keeps things: `PYMAN_HOME` and its layout.

use std::path::{Path, PathBuf};

use crate::env::{self, Env};
use crate::hint::Hint;

/// The layout of pyman's data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PymanHome {
    root: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    #[error("cannot tell where pyman's data folder is: neither `PYMAN_HOME` nor `HOME` is set")]
    NoHome,
}

impl Hint for HomeError {
    fn hint(&self) -> Option<String> {
        Some("set `PYMAN_HOME` to a folder pyman may write to, for example `export PYMAN_HOME=~/.local/share/pyman`".into())
    }
}

impl PymanHome {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        PymanHome { root: root.into() }
    }

    /// `PYMAN_HOME`, else the per-user data folder (the one the `directories`
    /// crate names, computed here with std alone so the shim stays small).
    /// A relative `PYMAN_HOME` is taken from `cwd`.
    pub fn from_env(env: &Env, cwd: &Path) -> Result<Self, HomeError> {
        if let Some(home) = env.non_empty(env::PYMAN_HOME) {
            return Ok(PymanHome::new(cwd.join(home)));
        }
        default_data_dir(env)
            .map(|d| PymanHome::new(d.join("pyman")))
            .ok_or(HomeError::NoHome)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    /// One folder per installed build, named by its install key.
    pub fn pythons(&self) -> PathBuf {
        self.root.join("pythons")
    }
    /// Copies or hard links of `pyman-shim`, one per command name.
    pub fn shims(&self) -> PathBuf {
        self.root.join("shims")
    }
    /// The default venv of each managed interpreter.
    pub fn venvs(&self) -> PathBuf {
        self.root.join("venvs")
    }
    /// Downloaded archives and index files.
    /// Named environments, `pyman venv --name NAME`: selected by a version
    /// file line `NAME`, as pyenv-virtualenv's are.
    pub fn envs(&self) -> PathBuf {
        self.root.join("envs")
    }

    /// Applications in their own venvs, `pyman tool install`.
    pub fn tools(&self) -> PathBuf {
        self.root.join("tools")
    }

    pub fn cache(&self) -> PathBuf {
        self.root.join("cache")
    }
    /// The global pin, written by `pyman pin --global`.
    pub fn global_version_file(&self) -> PathBuf {
        self.root.join("version")
    }
    /// What the shim knows of installed interpreters, refreshed by pyman's commands.
    pub fn inventory_file(&self) -> PathBuf {
        self.root.join("inventory")
    }
    /// The `pyman` binary the shim runs for `PYMAN_AUTO_INSTALL`.
    pub fn pyman_path_file(&self) -> PathBuf {
        self.root.join("shims").join(".pyman-path")
    }
    /// Scratch space for installs, on the same file system as `pythons/`.
    pub fn scratch(&self) -> PathBuf {
        self.pythons().join(".temp")
    }
    /// Per-build lock files.
    pub fn locks(&self) -> PathBuf {
        self.pythons().join(".locks")
    }
}

/// The per-user data folder: `$XDG_DATA_HOME` or `~/.local/share` on Linux,
/// `~/Library/Application Support` on macOS, `%LOCALAPPDATA%` on Windows.
pub fn default_data_dir(env: &Env) -> Option<PathBuf> {
    per_user_dir(
        env,
        "XDG_DATA_HOME",
        &[".local", "share"],
        "Application Support",
    )
}

/// The per-user cache folder: `$XDG_CACHE_HOME` or `~/.cache` on Linux,
/// `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows.
pub fn default_cache_dir(env: &Env) -> Option<PathBuf> {
    per_user_dir(env, "XDG_CACHE_HOME", &[".cache"], "Caches")
}

/// `%LOCALAPPDATA%` on Windows, `~/Library/<macos>` on macOS, else the XDG
/// variable or `~/<linux…>`.
fn per_user_dir(env: &Env, xdg_var: &str, linux: &[&str], macos: &str) -> Option<PathBuf> {
    if cfg!(windows) {
        return env.non_empty("LOCALAPPDATA").map(PathBuf::from);
    }
    let home = env.non_empty("HOME").map(PathBuf::from)?;
    if cfg!(target_os = "macos") {
        return Some(home.join("Library").join(macos));
    }
    match env.non_empty(xdg_var).map(PathBuf::from) {
        // The XDG spec says relative values are invalid and must be ignored.
        Some(xdg) if xdg.is_absolute() => Some(xdg),
        _ => Some(linux.iter().fold(home, |p, part| p.join(part))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyman_home_wins_and_relative_is_taken_from_cwd() {
        let env = Env::from_pairs([("PYMAN_HOME", "data"), ("HOME", "/home/u")]);
        let home = PymanHome::from_env(&env, Path::new("/work")).unwrap();
        assert_eq!(home.root(), Path::new("/work/data"));
        assert_eq!(home.pythons(), Path::new("/work/data/pythons"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn linux_default_follows_xdg() {
        let env = Env::from_pairs([("HOME", "/home/u")]);
        let home = PymanHome::from_env(&env, Path::new("/")).unwrap();
        assert_eq!(home.root(), Path::new("/home/u/.local/share/pyman"));
        let env = Env::from_pairs([("HOME", "/home/u"), ("XDG_DATA_HOME", "/xdg")]);
        assert_eq!(
            PymanHome::from_env(&env, Path::new("/")).unwrap().root(),
            Path::new("/xdg/pyman")
        );
        let env = Env::from_pairs([("HOME", "/home/u"), ("XDG_DATA_HOME", "rel")]);
        assert_eq!(
            PymanHome::from_env(&env, Path::new("/")).unwrap().root(),
            Path::new("/home/u/.local/share/pyman")
        );
        assert!(PymanHome::from_env(&Env::from_pairs::<&str, &str>([]), Path::new("/")).is_err());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn linux_cache_follows_xdg() {
        let env = Env::from_pairs([("HOME", "/home/u")]);
        assert_eq!(
            default_cache_dir(&env).unwrap(),
            Path::new("/home/u/.cache")
        );
        let env = Env::from_pairs([("HOME", "/home/u"), ("XDG_CACHE_HOME", "/c")]);
        assert_eq!(default_cache_dir(&env).unwrap(), Path::new("/c"));
        let env = Env::from_pairs([("HOME", "/home/u"), ("XDG_CACHE_HOME", "rel")]);
        assert_eq!(
            default_cache_dir(&env).unwrap(),
            Path::new("/home/u/.cache")
        );
    }
}
