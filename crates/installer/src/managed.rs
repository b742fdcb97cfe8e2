//! Interpreters pyman installed: `$PYMAN_HOME/pythons/<key>/`, each with a
//! small metadata file naming its version, variant, platform and origin.

use std::io;
use std::path::{Path, PathBuf};

use pyman_resolver::inventory::{Interpreter, Origin};
use pyman_resolver::{PymanHome, Variant, Version};
use serde::{Deserialize, Serialize};

/// Written into every install before it is renamed into place.
pub const METADATA_FILE: &str = "pyman-install.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallMetadata {
    pub key: String,
    pub version: String,
    pub variant: String,
    pub platform: String,
    /// Where the archive came from (URL or path) and its verified sha256.
    pub source: String,
    pub sha256: Option<String>,
    /// The python-build-standalone release tag, when known.
    pub build: Option<String>,
    /// The build machine's values rewritten for this machine at install
    /// (prefix, compilers, pkg-config), and from what; `None` when the
    /// archive named none (or the install predates the rewrite).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewritten: Option<crate::build_values::Rewritten>,
}

impl InstallMetadata {
    pub fn read(install: &Path) -> io::Result<InstallMetadata> {
        let text = fs_err::read_to_string(install.join(METADATA_FILE))?;
        serde_json::from_str(&text).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    pub fn write(&self, install: &Path) -> io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
        fs_err::write(install.join(METADATA_FILE), text + "\n")
    }

    pub fn version(&self) -> Option<Version> {
        self.version.parse().ok()
    }

    pub fn variant(&self) -> Variant {
        Variant::from_name(&self.variant).unwrap_or_default()
    }
}

/// The interpreter executable inside an install folder.
pub fn executable(install: &Path) -> PathBuf {
    if cfg!(windows) {
        install.join("python.exe")
    } else {
        install.join("bin").join("python3")
    }
}

/// The interpreter of the managed install at `path` (its folder name is
/// the key), when its metadata reads and its executable is there.
pub fn interpreter_at(path: &Path) -> Option<Interpreter> {
    let meta = InstallMetadata::read(path).ok()?;
    let exe = executable(path);
    exe.exists().then_some(Interpreter {
        key: path.file_name()?.to_string_lossy().into_owned(),
        version: meta.version()?,
        variant: meta.variant(),
        origin: Origin::Managed,
        executable: exe,
    })
}

/// Every complete managed install. Scratch folders, locks, per-minor links
/// and folders without metadata (not made by pyman) are skipped.
pub fn installed(home: &PymanHome) -> io::Result<Vec<Interpreter>> {
    let entries = match fs_err::read_dir(home.pythons()) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(io::Error::new(
                e.kind(),
                format!("cannot list `{}`: {e}", home.pythons().display()),
            ));
        }
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || entry.file_type().map(|t| t.is_symlink()).unwrap_or(true) {
            continue;
        }
        out.extend(interpreter_at(&entry.path()));
    }
    out.sort_by_key(|i| std::cmp::Reverse(i.version));
    Ok(out)
}

/// Installs whose `pyman-install.json` is there but damaged, while the
/// folder is a complete install (its interpreter is in place): the metadata
/// is rebuilt from the folder's name (`cpython-3.12.4-linux-x86_64-gnu`),
/// its source marked unknown. Returns each one rebuilt, for a warning. A
/// folder with no metadata at all was not made by pyman and is left alone.
pub fn repair_metadata(home: &PymanHome) -> Vec<PathBuf> {
    let Ok(entries) = fs_err::read_dir(home.pythons()) else {
        return Vec::new();
    };
    let mut repaired = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || entry.file_type().map_or(true, |t| t.is_symlink()) {
            continue;
        }
        let file = path.join(METADATA_FILE);
        let damaged = matches!(InstallMetadata::read(&path), Err(e) if e.kind() == io::ErrorKind::InvalidData);
        if !damaged || !executable(&path).exists() {
            continue;
        }
        let Some(meta) = metadata_from_key(&name) else {
            continue;
        };
        let _ = fs_err::rename(&file, path.join(format!("{METADATA_FILE}.damaged")));
        if meta.write(&path).is_ok() {
            repaired.push(file);
        }
    }
    repaired
}

/// `cpython-3.13.1+freethreaded-linux-x86_64-gnu` as install metadata.
fn metadata_from_key(key: &str) -> Option<InstallMetadata> {
    let rest = key.strip_prefix("cpython-")?;
    let (version, platform) = rest.split_once('-')?;
    let (version, variant) = match version.strip_suffix("+freethreaded") {
        Some(v) => (v, Variant::Freethreaded),
        None => (version, Variant::Default),
    };
    let parsed: Version = version.parse().ok()?;
    (platform.split('-').count() == 3).then(|| InstallMetadata {
        key: key.to_string(),
        version: parsed.to_string(),
        variant: variant.name().to_string(),
        platform: platform.to_string(),
        source: "unknown (its metadata was damaged and rebuilt)".into(),
        sha256: None,
        build: None,
        rewritten: None,
    })
}

/// Rewrites the build machine's values of an install made before pyman did
/// so at install (`pyman upgrade` repairs as it goes), and records it in its
/// metadata. `None`: nothing named the build machine.
pub fn repair_build_values(
    home: &PymanHome,
    key: &str,
) -> Result<Option<crate::build_values::Rewritten>, crate::build_values::RewriteError> {
    let dir = home.pythons().join(key);
    if !crate::build_values::needs_rewrite(&dir) {
        return Ok(None);
    }
    let done = crate::build_values::rewrite(&dir, &dir)?;
    if let Ok(mut meta) = InstallMetadata::read(&dir) {
        meta.rewritten = Some(done.clone());
        let _ = meta.write(&dir);
    }
    Ok(Some(done))
}

/// Removes a managed install: renamed out of `pythons/` first (so it vanishes
/// at once for every reader), then deleted.
pub fn remove(home: &PymanHome, key: &str) -> io::Result<()> {
    let target = home.pythons().join(key);
    if InstallMetadata::read(&target).is_err() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("`{}` is not an install made by pyman", target.display()),
        ));
    }
    fs_err::create_dir_all(home.scratch())?;
    let doomed = tempfile::Builder::new()
        .prefix(&format!("{key}.removing."))
        .tempdir_in(home.scratch())?;
    let aside = doomed.path().join("install");
    fs_err::rename(&target, &aside)?;
    doomed.close()
}

/// `pythons/cpython-3.12-linux-x86_64-gnu`: a link to the newest installed
/// 3.12.x. Venvs refer to their interpreter through it, so an upgrade to a
/// new patch moves every venv of that minor along without rebuilding it.
pub fn minor_link(home: &PymanHome, minor_key: &str) -> PathBuf {
    home.pythons().join(minor_key)
}

/// Points the minor link at the newest installed build of that minor, or
/// removes it when none is left. The new link is renamed over the old one.
pub fn update_minor_link(home: &PymanHome, minor_key: &str) -> io::Result<Option<PathBuf>> {
    let link = minor_link(home, minor_key);
    let newest = installed(home)?
        .into_iter()
        .find(|i| i.minor_key() == minor_key);
    let Some(newest) = newest else {
        if std::fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink()) {
            fs_err::remove_file(&link)?;
        }
        return Ok(None);
    };
    #[cfg(unix)]
    {
        if fs_err::read_link(&link).ok().as_deref() == Some(Path::new(&newest.key)) {
            return Ok(Some(link));
        }
        let tmp = home.pythons().join(format!(".{minor_key}.link-tmp"));
        let _ = fs_err::remove_file(&tmp);
        // Relative, so the data folder can move.
        std::os::unix::fs::symlink(&newest.key, &tmp)?;
        fs_err::rename(&tmp, &link)?;
        Ok(Some(link))
    }
    #[cfg(not(unix))]
    {
        // Directory links need privileges on Windows: venvs point at the
        // install itself there, and are rebuilt on upgrade.
        let _ = link;
        Ok(Some(home.pythons().join(&newest.key)))
    }
}

/// The text pip shows when asked to install into a managed interpreter (PEP 668).
const EXTERNALLY_MANAGED: &str = "[externally-managed]
Error=This Python is managed by pyman and kept clean: packages go into virtual environments.
 For a project: `pyman venv` creates .venv next to .python-version, and `python`/`pip` use it.
 Outside projects, the `pip` shim installs into this interpreter's default venv.
 To run one command in a venv: `pyman run -- pip install PACKAGE`.
";

/// Marks an install EXTERNALLY-MANAGED, so `pip install` into the interpreter
/// itself is refused with a pointer to `pyman venv`.
pub fn mark_externally_managed(install: &Path, version: &Version) -> io::Result<()> {
    let stdlib = if cfg!(windows) {
        install.join("Lib")
    } else {
        install
            .join("lib")
            .join(format!("python{}.{}", version.major, version.minor))
    };
    if stdlib.is_dir() {
        fs_err::write(stdlib.join("EXTERNALLY-MANAGED"), EXTERNALLY_MANAGED)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_metadata_is_rebuilt_from_the_folder_name() {
        let tmp = tempfile::tempdir().unwrap();
        let home = PymanHome::new(tmp.path());
        let key = "cpython-3.13.1+freethreaded-linux-x86_64-gnu";
        let install = home.pythons().join(key);
        let exe = executable(&install);
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        std::fs::write(&exe, "").unwrap();
        std::fs::write(install.join(METADATA_FILE), "{\"key\": \"cpy").unwrap();
        assert!(installed(&home).unwrap().is_empty(), "unreadable before");
        assert_eq!(repair_metadata(&home).len(), 1);
        let found = installed(&home).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].version.to_string(), "3.13.1");
        assert_eq!(found[0].variant, Variant::Freethreaded);
        assert!(install.join("pyman-install.json.damaged").exists());
        assert!(repair_metadata(&home).is_empty(), "once");
        // Without any metadata: not pyman's, never touched.
        let other = home.pythons().join("cpython-3.12.1-linux-x86_64-gnu");
        std::fs::create_dir_all(other.join("bin")).unwrap();
        std::fs::write(executable(&other), "").unwrap();
        assert!(repair_metadata(&home).is_empty());
    }
}
