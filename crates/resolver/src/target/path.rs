//! Finding executables: in a folder, on `PATH` (past every shims folder),
//! and which folders are another version manager's shims.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Context, FileId};
use crate::platform::EXE_SUFFIX;

/// The next `name` on `PATH` after pyman's shims folder (or anywhere on
/// `PATH` but that folder, when the shim was run by its full path): what
/// would run if pyman's shims were not there. Never a shim of pyman's.
pub fn next_on_path(ctx: &Context, name: &str) -> Option<PathBuf> {
    let path = ctx.env.var_os("PATH")?;
    let shims = ctx.home.shims();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    let after = dirs.iter().position(|d| *d == shims).map_or(0, |i| i + 1);
    dirs[after..]
        .iter()
        .filter(|d| d.is_absolute() && **d != shims)
        .find_map(|d| find_in(ctx, d, &[name]))
}

/// The folders of an interpreter that hold commands: `bin/` on Unix; the root
/// and `Scripts\` on Windows.
pub(crate) fn interpreter_dirs(bin: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![bin.to_path_buf()];
    if cfg!(windows) {
        dirs.push(bin.join("Scripts"));
    }
    dirs
}

pub(crate) fn find_in(ctx: &Context, dir: &Path, names: &[&str]) -> Option<PathBuf> {
    names.iter().find_map(|name| {
        let path = dir.join(format!("{name}{EXE_SUFFIX}"));
        is_executable(ctx, &path).then_some(path)
    })
}

/// An executable file that is not one of pyman's shims.
pub(crate) fn is_executable(ctx: &Context, path: &Path) -> bool {
    let Ok(md) = fs::metadata(path) else {
        return false;
    };
    if !md.is_file() || (ctx.shim_id.is_some() && FileId::of(&md) == ctx.shim_id) {
        return false;
    }
    if path.parent() == Some(ctx.home.shims().as_path()) {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if md.permissions().mode() & 0o111 == 0 {
            return false;
        }
    }
    true
}

/// Shims folders of pyman and of other managers, which `system` must skip or
/// it would run another manager's selection (or loop back into pyman).
pub(crate) fn is_shims_dir(ctx: &Context, dir: &Path) -> bool {
    dir == ctx.home.shims() || shims_manager(dir).is_some()
}

/// Whose shims folder `dir` is, when it is another manager's: the one rule
/// the shim (`system` skips them), discovery (no interpreter is taken from
/// them) and `pyman doctor` (which names the owner) share. Separators and
/// case are normalised, so Windows paths (`C:\Users\me\.pyenv\pyenv-win\shims`)
/// match too.
pub fn shims_manager(dir: &Path) -> Option<&'static str> {
    let s = dir
        .to_string_lossy()
        .replace('\\', "/")
        .to_ascii_lowercase();
    let s = s.trim_end_matches('/');
    if s.contains("/pyenv-win/") && s.ends_with("/shims") {
        Some("pyenv-win")
    } else if s.contains("/.pyenv/") && (s.ends_with("/shims") || s.contains("/plugins/")) {
        Some("pyenv")
    } else if s.ends_with("/.asdf/shims") {
        Some("asdf")
    } else if s.ends_with("/mise/shims") {
        Some("mise")
    } else if s.ends_with("/.rye/shims") {
        Some("rye")
    } else if s.ends_with("/shims") {
        Some("another tool")
    } else {
        None
    }
}

/// `name` on `PATH`, skipping every shims folder.
pub fn find_on_path(ctx: &Context, name: &str) -> Option<PathBuf> {
    let path = ctx.env.var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| dir.is_absolute() && !is_shims_dir(ctx, dir))
        .find_map(|dir| find_in(ctx, &dir, &[name]))
}

#[cfg(test)]
mod tests {
    use super::shims_manager;
    use std::path::Path;

    #[test]
    fn shims_folders_of_other_managers_on_every_platform() {
        for (dir, who) in [
            ("/home/me/.pyenv/shims", Some("pyenv")),
            ("/home/me/.pyenv/shims/", Some("pyenv")),
            (
                "/home/me/.pyenv/plugins/pyenv-virtualenv/shims",
                Some("pyenv"),
            ),
            (r"C:\Users\me\.pyenv\pyenv-win\shims", Some("pyenv-win")),
            (r"C:\Users\Me\.PYENV\pyenv-win\SHIMS", Some("pyenv-win")),
            ("/home/me/.asdf/shims", Some("asdf")),
            ("/home/me/.local/share/mise/shims", Some("mise")),
            (r"C:\Users\me\AppData\Local\mise\shims", Some("mise")),
            ("/home/me/.rye/shims", Some("rye")),
            ("/opt/tool/shims", Some("another tool")),
            ("/usr/bin", None),
            ("/home/me/.pyenv/versions/3.12.1/bin", None),
            ("/home/me/shimsfolder", None),
        ] {
            assert_eq!(shims_manager(Path::new(dir)), who, "{dir}");
        }
    }
}
