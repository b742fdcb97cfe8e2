//! The file-system half of `pyman migrate`: running pip in the venv being
//! built, pointing what pip wrote at the venv's final path, and swapping the
//! new venv in for the old one.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{Context as _, Result};
use fs_err as fs;

pub use pyman_resolver::venv::venv_python;

/// `python -m pip ARGS` in the venv at `build`, output captured.
pub fn pip(build: &Path, args: &[&str], requirements: Option<&Path>) -> io::Result<Output> {
    let mut cmd = Command::new(venv_python(build));
    cmd.args(["-m", "pip"])
        .args(args)
        .arg("--disable-pip-version-check");
    if let Some(r) = requirements {
        cmd.arg("-r").arg(r);
    }
    // pip's own configuration (PIP_INDEX_URL, PIP_FIND_LINKS, pip.conf)
    // applies as for any pip run; the venv is the one being built.
    cmd.env("VIRTUAL_ENV", build)
        .env_remove("PYTHONPATH")
        .env_remove("PIP_REQUIRE_VIRTUALENV")
        .stdin(Stdio::null());
    cmd.output()
}

/// The lines of pip's output that say what went wrong.
pub fn pip_errors(out: &Output) -> Vec<String> {
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| {
            l.starts_with("ERROR:")
                || l.contains("requires a different Python")
                || l.contains("Failed to build")
                || l.contains("has requirement")
                || (l.contains(" requires ") && l.contains("which is not installed"))
        })
        .map(str::to_string)
        .collect();
    lines.dedup();
    if lines.is_empty() {
        lines = text
            .lines()
            .rev()
            .filter(|l| !l.trim().is_empty())
            .take(5)
            .map(str::to_string)
            .collect();
        lines.reverse();
    }
    lines
}

/// pip wrote `#!<build>/bin/python` into console scripts: point them at
/// the venv's final path. (pyman's own files already name it.)
pub fn relocate(build: &Path, target: &Path) -> Result<usize> {
    let bin = build.join(pyman_resolver::platform::BIN_DIR);
    let from = build.to_string_lossy().into_owned();
    let to = target.to_string_lossy().into_owned();
    let mut changed = 0;
    for entry in fs::read_dir(&bin)? {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        let path = entry.path();
        let Ok(bytes) = fs_err::read(&path) else {
            continue;
        };
        if !bytes.starts_with(b"#!") {
            continue;
        }
        let end = bytes
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(bytes.len());
        let first = String::from_utf8_lossy(&bytes[..end]);
        if !first.contains(&from) {
            continue;
        }
        let mut out = first.replace(&from, &to).into_bytes();
        out.extend_from_slice(&bytes[end..]);
        // Written in place: the file keeps its mode.
        fs::write(&path, out)?;
        changed += 1;
    }
    Ok(changed)
}

/// Puts `build` at `target` and the venv that was there at `keep`, with no
/// moment where `target` is missing on Linux (one `renameat2` exchange).
pub fn swap(build: &Path, target: &Path, keep: &Path) -> Result<()> {
    if keep.exists() {
        fs::remove_dir_all(keep)?;
    }
    if exchange(build, target).is_ok() {
        return fs::rename(build, keep).with_context(|| {
            format!(
                "the new venv is in place; the old one is at `{}`",
                build.display()
            )
        });
    }
    fs::rename(target, keep)?;
    if let Err(e) = fs::rename(build, target) {
        let _ = fs_err::rename(keep, target);
        return Err(e.into());
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Old venvs kept by earlier migrations of the venv at `venv`:
/// `.venv.old-3.12`, … beside it (beside the real folder, for a linked one).
pub fn kept_venvs(venv: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (venv.parent(), venv.file_name()) else {
        return Vec::new();
    };
    let prefix = format!("{}.old-", name.to_string_lossy());
    super::entries_named(dir, |p, n| p.is_dir() && n.starts_with(&prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relocation_rewrites_only_shebangs_naming_the_build() {
        let dir = tempfile::tempdir().unwrap();
        let build = dir.path().join(".venv.migrating");
        let target = dir.path().join(".venv");
        let bin = build.join(pyman_resolver::platform::BIN_DIR);
        std::fs::create_dir_all(&bin).unwrap();
        let script = format!(
            "#!{}/bin/python\nimport sys\nprint('{}')\n",
            build.display(),
            build.display()
        );
        std::fs::write(bin.join("tool"), &script).unwrap();
        std::fs::write(bin.join("other"), "#!/usr/bin/env python3\n").unwrap();
        std::fs::write(bin.join("data"), b"\x00\x01").unwrap();
        assert_eq!(relocate(&build, &target).unwrap(), 1);
        let got = std::fs::read_to_string(bin.join("tool")).unwrap();
        assert!(got.starts_with(&format!("#!{}/bin/python\n", target.display())));
        assert!(
            got.ends_with(&format!("print('{}')\n", build.display())),
            "only the first line"
        );
    }

    #[test]
    fn swap_keeps_the_old_venv_aside() {
        let dir = tempfile::tempdir().unwrap();
        let (build, target, keep) = (
            dir.path().join("new"),
            dir.path().join(".venv"),
            dir.path().join(".venv.old-3.12"),
        );
        for (p, mark) in [(&build, "new"), (&target, "old"), (&keep, "older")] {
            std::fs::create_dir_all(p).unwrap();
            std::fs::write(p.join("mark"), mark).unwrap();
        }
        swap(&build, &target, &keep).unwrap();
        assert_eq!(std::fs::read_to_string(target.join("mark")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(keep.join("mark")).unwrap(), "old");
        assert!(!build.exists());
        assert_eq!(kept_venvs(&target), vec![keep]);
    }
}
