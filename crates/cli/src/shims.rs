//! The shims folder: one hard link (or copy) of `pyman-shim` per command name.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use fs_err as fs;
use pyman_resolver::platform::{BIN_DIR, EXE_SUFFIX};
use pyman_resolver::venv::PROJECT_VENV;
use pyman_resolver::{Inventory, PymanHome, Selection};

use crate::error::fail;

/// The shim binary inside the shims folder; every shim is a hard link of it,
/// so a target can be recognised as a shim by its file identity.
pub const SHIM_FILE: &str = ".pyman-shim";

/// Commands every interpreter has.
const BASE_NAMES: &[&str] = &["python", "python3", "pip", "pip3", "pydoc3", "idle3"];

/// `pyman-shim` next to the running `pyman`.
pub fn shim_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find the running `pyman` binary")?;
    let dir = exe.parent().context("the `pyman` binary has no folder")?;
    let shim = dir.join(format!("pyman-shim{EXE_SUFFIX}"));
    if shim.is_file() {
        Ok(shim)
    } else {
        Err(fail(
            format!(
                "`pyman-shim` is missing: expected it next to `pyman` at `{}`",
                shim.display()
            ),
            "reinstall pyman with install.sh, which installs both binaries",
        ))
    }
}

pub struct Rehash {
    pub shims: Vec<String>,
    pub removed: Vec<String>,
}

/// Writes the shims for `inventory` and the venvs pyman knows of, and removes
/// shims for commands that no longer exist.
pub fn rehash(
    home: &PymanHome,
    inventory: &Inventory,
    selection: Option<&Selection>,
) -> Result<Rehash> {
    let dir = home.shims();
    fs::create_dir_all(&dir)?;
    let master = dir.join(SHIM_FILE);
    install_master(&shim_binary()?, &master)?;

    let wanted = wanted_names(home, inventory, selection);
    for name in &wanted {
        let link = dir.join(format!("{name}{EXE_SUFFIX}"));
        if same_file(&link, &master) {
            continue;
        }
        let tmp = dir.join(format!(".{name}.tmp"));
        let _ = fs_err::remove_file(&tmp);
        if fs_err::hard_link(&master, &tmp).is_err() {
            fs::copy(&master, &tmp)?;
        }
        // Atomic replace: a `python` running right now never sees a missing shim.
        fs::rename(&tmp, &link)?;
    }

    let mut removed = Vec::new();
    for entry in fs::read_dir(&dir)?.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let name = file.strip_suffix(EXE_SUFFIX).unwrap_or(&file).to_string();
        // Only what pyman makes is pruned (on Windows, `.exe` files).
        let ours = EXE_SUFFIX.is_empty() || file.ends_with(EXE_SUFFIX);
        if file.starts_with('.') || wanted.contains(&name) || !ours {
            continue;
        }
        fs::remove_file(entry.path())?;
        removed.push(name);
    }

    if let Ok(exe) = std::env::current_exe() {
        let record = home.pyman_path_file();
        if fs_err::read_to_string(&record).ok().as_deref() != Some(&*exe.to_string_lossy()) {
            fs::write(record, exe.to_string_lossy().as_bytes())?;
        }
    }
    Ok(Rehash {
        shims: wanted.into_iter().collect(),
        removed,
    })
}

/// Copies the shim binary into the shims folder when it changed.
fn install_master(source: &Path, master: &Path) -> Result<()> {
    let new = fs::read(source)?;
    if fs_err::read(master).is_ok_and(|old| old == new) {
        return Ok(());
    }
    let dir = master.parent().context("shims folder")?;
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    fs::write(tmp.path(), &new)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755))?;
    }
    tmp.persist(master)
        .with_context(|| format!("cannot write `{}`", master.display()))?;
    // Links of the old binary are now stale copies: drop them so they are relinked.
    for entry in fs::read_dir(dir)?.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = EXE_SUFFIX.is_empty() || name.ends_with(EXE_SUFFIX);
        if ours && !name.starts_with('.') && !same_file(&entry.path(), master) {
            let _ = fs_err::remove_file(entry.path());
        }
    }
    Ok(())
}

pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => {
            let (a, b) = (
                pyman_resolver::target::FileId::of(&a),
                pyman_resolver::target::FileId::of(&b),
            );
            a.is_some() && a == b
        }
        _ => false,
    }
}

fn wanted_names(
    home: &PymanHome,
    inventory: &Inventory,
    selection: Option<&Selection>,
) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = BASE_NAMES.iter().map(|s| (*s).to_string()).collect();
    for i in &inventory.interpreters {
        let (major, minor) = (i.version.major, i.version.minor);
        names.insert(format!("python{major}.{minor}"));
        names.insert(format!("pip{major}.{minor}"));
    }
    let mut venv_bins: Vec<PathBuf> = fs_err::read_dir(home.venvs())
        .map(|e| e.flatten().map(|e| e.path().join(BIN_DIR)).collect())
        .unwrap_or_default();
    if let Some(dir) = selection.and_then(Selection::project_dir) {
        venv_bins.push(dir.join(PROJECT_VENV).join(BIN_DIR));
    }
    for bin in venv_bins {
        names.extend(pyman_resolver::venv::commands_in(&bin));
    }
    // Tools' commands, and those of the environment a version file names.
    names.extend(
        crate::tool::command_owners(home)
            .into_iter()
            .map(|(c, _)| c),
    );
    if let Some(pyman_resolver::VersionRequest::Env(name)) = selection.map(|s| &s.request)
        && let Some(root) =
            pyman_resolver::pyenv::find_env(&pyman_resolver::Env::Process, home, name)
    {
        names.extend(pyman_resolver::venv::commands_in(&root.join(BIN_DIR)));
    }
    names
}
