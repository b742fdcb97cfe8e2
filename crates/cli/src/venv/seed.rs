//! pip in a new venv, from the interpreter's own bundled wheels (ensurepip's),
//! unpacked directly: no network and no second Python process.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use fs_err as fs;

use super::{Base, site_packages};
use crate::error::fail;

/// The wheels `ensurepip` would install: pip, and setuptools before 3.12.
fn bundled_wheels(base: &Base) -> Vec<PathBuf> {
    let dir = base.stdlib().join("ensurepip").join("_bundled");
    let mut wheels: Vec<PathBuf> = fs_err::read_dir(&dir)
        .map(|e| {
            e.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "whl"))
                .collect()
        })
        .unwrap_or_default();
    wheels.sort();
    wheels
}

fn is_pip_wheel(w: &Path) -> bool {
    w.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("pip-"))
}

/// Whether the interpreter ships ensurepip's pip wheel.
pub fn has_bundled_pip(base: &Base) -> bool {
    bundled_wheels(base).iter().any(|w| is_pip_wheel(w))
}

pub fn seed(base: &Base, build: &Path, target: &Path, compiled: bool) -> Result<()> {
    let wheels = bundled_wheels(base);
    if !wheels.iter().any(|w| is_pip_wheel(w)) {
        return Err(fail(
            format!(
                "the interpreter `{}` has no bundled pip wheel (`ensurepip/_bundled`)",
                base.interpreter.executable.display()
            ),
            "create the venv with `--without-pip`, or use an interpreter that ships ensurepip",
        ));
    }
    let site = site_packages(base, build);
    for wheel in wheels {
        if let Some(entry_points) = link_installed(base, &wheel, &site, compiled) {
            write_console_scripts(base, &entry_points, build, target)?;
            continue;
        }
        if compiled && let Some(entry_points) = link_compiled(base, &wheel, &site) {
            write_console_scripts(base, &entry_points, build, target)?;
            continue;
        }
        install_wheel(base, &wheel, &site, build, target)
            .with_context(|| format!("cannot install `{}` into the venv", wheel.display()))?;
    }
    Ok(())
}

/// A managed interpreter already holds the bundled wheel's package,
/// installed from that very wheel when it was built: its files (as its
/// `RECORD` lists them) are hard-linked into the venv, one `link` each
/// instead of inflating and writing them, as uv links packages from its
/// cache. Only pyman's own installs (never modified in place: packages are
/// replaced by new files, bytecode by renames) and only on one file system;
/// anything unexpected undoes the links and returns `None` for the wheel.
fn link_installed(base: &Base, wheel: &Path, site: &Path, compiled: bool) -> Option<String> {
    if base.interpreter.origin != pyman_resolver::Origin::Managed {
        return None;
    }
    // `pip-23.2.1-py3-none-any.whl` → `pip-23.2.1.dist-info`.
    let name = wheel.file_name()?.to_str()?;
    let mut parts = name.splitn(3, '-');
    let dist_info = format!("{}-{}.dist-info", parts.next()?, parts.next()?);
    let from_site = site_packages(base, &base.prefix);
    let record = fs_err::read_to_string(from_site.join(&dist_info).join("RECORD")).ok()?;
    let entry_points =
        fs_err::read_to_string(from_site.join(&dist_info).join("entry_points.txt")).ok()?;
    let mut linked: Vec<PathBuf> = Vec::new();
    let mut made = std::collections::HashSet::new();
    let ok = record.lines().all(|line| {
        let rel = line.split(',').next().unwrap_or("");
        // Scripts (`../../../bin/pip`) are written below, for this venv.
        let Ok(rel) = pyman_installer::extract::safe_relative(rel) else {
            return rel.is_empty() || rel.starts_with("..");
        };
        let (from, to) = (from_site.join(&rel), site.join(&rel));
        // Bytecode is the venv's to compile, as after a wheel install
        // (unless asked for: pyc files are replaced by renames, never
        // written in place); the venv's own `INSTALLER` is written below.
        if rel.ends_with("INSTALLER") || (!compiled && rel.extension().is_some_and(|e| e == "pyc"))
        {
            return true;
        }
        if let Some(parent) = to.parent()
            && made.insert(parent.to_path_buf())
            && fs_err::create_dir_all(parent).is_err()
        {
            return false;
        }
        match fs_err::hard_link(&from, &to) {
            Ok(()) => {
                linked.push(to);
                true
            }
            // A pyc listed twice: linked already.
            Err(e) if compiled && e.kind() == std::io::ErrorKind::AlreadyExists => true,
            // Listed but not there (removed by hand): nothing to link.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !from.exists() => true,
            Err(_) => false,
        }
    });
    if !ok || linked.is_empty() {
        for l in &linked {
            let _ = fs_err::remove_file(l);
        }
        return None;
    }
    // A file of the venv's own, not written through a link; if it cannot
    // be written (a full disk), the links go before the wheel is unpacked.
    let installer = site.join(&dist_info).join("INSTALLER");
    let _ = fs_err::remove_file(&installer);
    if fs_err::write(&installer, "pyman\n").is_err() {
        for l in &linked {
            let _ = fs_err::remove_file(l);
        }
        return None;
    }
    Some(entry_points)
}

/// pip with its bytecode, hard-linked from a copy unpacked and compiled
/// once per interpreter and wheel in `$PYMAN_HOME/cache/seed`, pyman's
/// own and never changed in place (pip replaces files, Python replaces
/// bytecode by renames). A `.py` and its link share an mtime, so the
/// bytecode stays valid, and Python names the venv's path in tracebacks.
/// `None`: fall back to unpacking the wheel.
fn link_compiled(base: &Base, wheel: &Path, site: &Path) -> Option<String> {
    let stem = wheel.file_stem()?.to_str()?;
    let cache = base
        .pyman_home
        .cache()
        .join("seed")
        .join(format!("{}-{stem}", base.interpreter.key));
    if !cache.join(".complete").is_file() {
        build_compiled(base, wheel, &cache).ok()?;
    }
    // Never from a copy left half-made (its build killed, or damaged).
    if !cache.join(".complete").is_file() {
        return None;
    }
    let from = cache.join("site");
    let mut linked = Vec::new();
    if link_tree(&from, site, &mut linked).is_err() {
        for l in &linked {
            let _ = fs_err::remove_file(l);
        }
        return None;
    }
    let dist_info = fs_err::read_dir(&from)
        .ok()?
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with(".dist-info"))?;
    Some(fs_err::read_to_string(dist_info.path().join("entry_points.txt")).unwrap_or_default())
}

/// Unpacks `wheel` into `cache/site` and compiles it with the interpreter,
/// beside the final folder first, so a half-made copy is never used.
fn build_compiled(base: &Base, wheel: &Path, cache: &Path) -> Result<()> {
    let parent = cache.parent().context("the seed cache has no parent")?;
    fs::create_dir_all(parent)?;
    let tmp = tempfile::Builder::new()
        .prefix(".seed-")
        .tempdir_in(parent)?;
    let site = tmp.path().join("site");
    let scratch = tmp.path().join("scratch");
    fs::create_dir_all(scratch.join("bin"))?;
    fs::create_dir_all(&site)?;
    install_wheel(base, wheel, &site, &scratch, &scratch)?;
    let status = std::process::Command::new(&base.interpreter.executable)
        .args(["-m", "compileall", "-q", "-j", "0"])
        .arg(&site)
        .env_remove("PYTHONPYCACHEPREFIX")
        .env_remove("PYTHONPATH")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()?;
    if !status.success() {
        anyhow::bail!("compileall failed for `{}`", wheel.display());
    }
    fs::remove_dir_all(&scratch)?;
    fs::write(tmp.path().join(".complete"), "")?;
    // Another pyman may have made it meanwhile: either whole copy serves.
    // One without `.complete` (damaged) is replaced.
    if cache.exists() && !cache.join(".complete").is_file() {
        fs::remove_dir_all(cache)?;
    }
    if fs_err::rename(tmp.path(), cache).is_ok() {
        let _ = tmp.keep();
    }
    Ok(())
}

/// Hard-links every file under `from` to the same place under `to`.
fn link_tree(from: &Path, to: &Path, linked: &mut Vec<PathBuf>) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            link_tree(&src, &dst, linked)?;
        } else if kind.is_file() {
            fs::hard_link(&src, &dst)?;
            linked.push(dst);
        }
    }
    Ok(())
}

fn install_wheel(
    base: &Base,
    wheel: &Path,
    site: &Path,
    build: &Path,
    target: &Path,
) -> Result<()> {
    // Two threads, each inflating and writing every other entry: pip is ~800
    // files, and this halves the time a venv (and so an install) takes.
    // Read once, unpacked from memory: a zip read from a file costs two
    // seeks and two reads per entry.
    let bytes = fs::read(wheel)?;
    let (a, b) = std::thread::scope(|scope| {
        let other = scope.spawn(|| unpack_share(&bytes, site, 1, 2));
        let mine = unpack_share(&bytes, site, 0, 2);
        (mine, other.join())
    });
    let mine = a?;
    let other = b.map_err(|_| anyhow::anyhow!("the unpacking thread panicked"))??;
    let entry_points = mine.entry_points.or(other.entry_points).unwrap_or_default();
    if let Some(d) = mine.dist_info.or(other.dist_info) {
        fs::write(site.join(d).join("INSTALLER"), "pyman\n")?;
    }
    write_console_scripts(base, &entry_points, build, target)
}

#[derive(Default)]
struct Share {
    entry_points: Option<String>,
    dist_info: Option<String>,
}

/// Unpacks entries `first`, `first + step`, … of the wheel into `site`.
fn unpack_share(wheel: &[u8], site: &Path, first: usize, step: usize) -> Result<Share> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(wheel))?;
    let mut share = Share::default();
    // Each folder is made once by this thread (the other may make it
    // first: `create_dir_all` takes that as done).
    let mut made = std::collections::HashSet::new();
    for i in (first..zip.len()).step_by(step) {
        let mut file = zip.by_index(i)?;
        let name = file.name().to_string();
        // The same checks as archives: a wheel must not write outside site-packages.
        let rel = pyman_installer::extract::safe_relative(&name)?;
        let dest = site.join(&rel);
        if file.is_dir() {
            if made.insert(dest.clone()) {
                fs::create_dir_all(&dest)?;
            }
            continue;
        }
        if let Some(parent) = dest.parent()
            && made.insert(parent.to_path_buf())
        {
            fs::create_dir_all(parent)?;
        }
        let mut data = Vec::with_capacity(usize::try_from(file.size()).unwrap_or(0));
        file.read_to_end(&mut data)?;
        // Never written through an existing name: a hard link left by the
        // linking path (or anything else) must not be truncated in place.
        let _ = fs_err::remove_file(&dest);
        if name.ends_with(".dist-info/entry_points.txt") {
            share.entry_points = Some(String::from_utf8_lossy(&data).into_owned());
        }
        if let Some(d) = name.split('/').next().filter(|d| d.ends_with(".dist-info")) {
            share.dist_info = Some(d.to_string());
        }
        fs::write(&dest, data)?;
    }
    Ok(share)
}

/// `[console_scripts]` as executables in `bin/`, with pip's version-specific
/// names (`pip3.X`) for this interpreter.
fn write_console_scripts(
    base: &Base,
    entry_points: &str,
    build: &Path,
    target: &Path,
) -> Result<()> {
    if cfg!(windows) {
        // Windows needs .exe launchers: `python -m pip` works there meanwhile.
        return Ok(());
    }
    let python = target.join("bin").join("python");
    for (name, spec) in super::entry_point_scripts(entry_points, &["console_scripts"]) {
        let Some((module, func)) = spec.split_once(':') else {
            continue;
        };
        let names: Vec<String> = if name.starts_with("pip") {
            let (maj, min) = (
                base.interpreter.version.major,
                base.interpreter.version.minor,
            );
            if name.contains('.') || name == "pip3" || name == "pip" {
                // Regardless of the interpreter pip was built with.
                match name {
                    "pip" => vec!["pip".into()],
                    "pip3" => vec![format!("pip{maj}")],
                    _ => vec![format!("pip{maj}.{min}")],
                }
            } else {
                vec![name.to_string()]
            }
        } else {
            vec![name.to_string()]
        };
        let func_head = func.split('.').next().unwrap_or(func).trim();
        let script = format!(
            "#!{}\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom {} import {}\nif __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit({}())\n",
            python.display(),
            module.trim(),
            func_head,
            func.trim()
        );
        for n in names {
            let path = build.join("bin").join(&n);
            fs::write(&path, &script)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
            }
        }
    }
    Ok(())
}
