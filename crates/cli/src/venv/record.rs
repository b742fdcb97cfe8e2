//! Every venv pyman creates, remembered in `$PYMAN_HOME/venvs.json`, so an
//! interpreter knows which venvs use it (`list`, `uninstall`, `venv --list`).
//! Venvs that no longer exist are forgotten when the list is read. Which
//! interpreter a venv uses is always read from its own `pyvenv.cfg`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use pyman_resolver::Hint;
use pyman_resolver::PymanHome;
use pyman_resolver::inventory::Interpreter;
use pyman_resolver::venv::{VenvInfo, read_venv};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    path: PathBuf,
}

/// A venv that exists.
#[derive(Debug, Clone)]
pub struct Known {
    pub info: VenvInfo,
    /// An interpreter's default venv (`$PYMAN_HOME/venvs/…`), not a project's.
    pub default: bool,
}

impl Known {
    pub fn uses(&self, interpreter: &Interpreter) -> bool {
        self.info.built_from(interpreter.bin_dir())
    }

    /// Its interpreter is gone (uninstalled, or a pyenv version removed).
    pub fn is_stale(&self) -> bool {
        self.info.home.as_ref().is_some_and(|h| !h.exists())
    }
}

fn file(home: &PymanHome) -> PathBuf {
    home.root().join("venvs.json")
}

/// `venvs.json` is there but cannot be read: never taken for an empty list
/// (that would switch off `uninstall`'s protection) and never overwritten.
#[derive(Debug, thiserror::Error)]
#[error("pyman's list of venvs `{}` is damaged ({why}), so pyman cannot tell which projects use which interpreter", path.display())]
pub struct Damaged {
    pub path: PathBuf,
    pub why: String,
}

impl Hint for Damaged {
    fn hint(&self) -> Option<String> {
        Some(format!(
            "restore `{0}` from a backup, or move it away (`mv {0} {0}.bad`) to start a new list; venvs made before are then no longer protected until `pyman venv --recreate` in each project",
            self.path.display()
        ))
    }
}

fn read(home: &PymanHome) -> Result<Vec<Record>, Damaged> {
    let path = file(home);
    let damaged = |why: String| Damaged {
        path: path.clone(),
        why,
    };
    match fs_err::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| damaged(e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(damaged(e.to_string())),
    }
}

/// Rewrites the list under a lock (several pyman processes create venvs).
fn update(home: &PymanHome, change: impl FnOnce(&mut Vec<Record>)) -> anyhow::Result<()> {
    fs_err::create_dir_all(home.root())?;
    let _lock = pyman_installer::lock::acquire(
        &home.root().join("venvs.lock"),
        "the list of venvs",
        Duration::from_secs(30),
        || {},
    )?;
    let mut records = read(home)?;
    change(&mut records);
    let text = serde_json::to_vec_pretty(&records)?;
    pyman_installer::atomic::write(&file(home), text)
        .map_err(|e| anyhow::anyhow!("cannot write `{}`: {e}", file(home).display()))
}

/// Remembers a venv pyman just created. The venv is usable either way; a
/// list that could not be written (or is damaged, and so is left alone) is
/// the caller's warning.
pub fn remember(home: &PymanHome, path: &Path) -> anyhow::Result<()> {
    // Absolute as given, not canonical: Windows' canonical form (`\\?\C:\…`)
    // would neither read well nor compare with `PYMAN_HOME`.
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    update(home, |records| {
        if !records.iter().any(|r| r.path == path) {
            records.push(Record { path });
        }
    })
}

/// Every venv that still exists: those remembered, and every default venv.
pub fn known(home: &PymanHome) -> Result<Vec<Known>, Damaged> {
    let records = read(home)?;
    let mut out: Vec<Known> = Vec::new();
    let mut gone = false;
    for r in &records {
        match read_venv(&r.path) {
            Ok(Some(info)) => out.push(Known {
                default: r.path.starts_with(home.venvs()),
                info,
            }),
            _ => gone = true,
        }
    }
    if let Ok(dir) = fs_err::read_dir(home.venvs()) {
        for e in dir.flatten() {
            let path = e.path();
            if out.iter().any(|k| k.info.root == path) {
                continue;
            }
            if let Ok(Some(info)) = read_venv(&path) {
                out.push(Known {
                    info,
                    default: true,
                });
            }
        }
    }
    if gone {
        let _ = update(home, |records| {
            records.retain(|r| matches!(read_venv(&r.path), Ok(Some(_))));
        });
    }
    out.sort_by(|a, b| (a.default, &a.info.root).cmp(&(b.default, &b.info.root)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn venv(dir: &Path, home_bin: &Path) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(
            dir.join("pyvenv.cfg"),
            format!("home = {}\nversion = 3.12.1\n", home_bin.display()),
        )
        .unwrap();
        dir.to_path_buf()
    }

    #[test]
    fn remembers_and_forgets_deleted_venvs() {
        let tmp = tempfile::tempdir().unwrap();
        let home = PymanHome::new(tmp.path().join("pyman"));
        let bin = tmp.path().join("py/bin");
        std::fs::create_dir_all(&bin).unwrap();
        let a = venv(&tmp.path().join("a/.venv"), &bin);
        let b = venv(&tmp.path().join("b/.venv"), &bin);
        remember(&home, &a).unwrap();
        remember(&home, &b).unwrap();
        remember(&home, &a).unwrap();
        let d = venv(&home.venvs().join("cpython-3.12-x"), &bin);
        let known = known(&home).unwrap();
        let roots: Vec<_> = known
            .iter()
            .map(|k| (k.info.root.clone(), k.default))
            .collect();
        assert_eq!(
            roots,
            vec![(a.clone(), false), (b.clone(), false), (d, true)]
        );
        assert!(!known[0].is_stale());

        std::fs::remove_dir_all(tmp.path().join("b")).unwrap();
        assert_eq!(known_projects(&home), vec![a]);
        assert_eq!(
            read(&home).unwrap().len(),
            1,
            "the deleted one is forgotten"
        );
    }

    #[test]
    fn a_damaged_list_is_an_error_and_is_never_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        let home = PymanHome::new(tmp.path().join("pyman"));
        let bin = tmp.path().join("py/bin");
        std::fs::create_dir_all(&bin).unwrap();
        let a = venv(&tmp.path().join("a/.venv"), &bin);
        remember(&home, &a).unwrap();
        let full = std::fs::read_to_string(file(&home)).unwrap();
        let truncated = &full[..full.len() / 2];
        std::fs::write(file(&home), truncated).unwrap();
        let e = known(&home).unwrap_err();
        assert!(e.to_string().contains("venvs.json"), "{e}");
        let b = venv(&tmp.path().join("b/.venv"), &bin);
        assert!(remember(&home, &b).is_err());
        assert_eq!(std::fs::read_to_string(file(&home)).unwrap(), truncated);
    }

    fn known_projects(home: &PymanHome) -> Vec<PathBuf> {
        known(home)
            .unwrap()
            .into_iter()
            .filter(|k| !k.default)
            .map(|k| k.info.root)
            .collect()
    }
}
