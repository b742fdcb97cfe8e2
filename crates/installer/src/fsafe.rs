//! File system rules for folders other users may write: which folders pyman
//! trusts, files opened without following links, and modes that follow the
//! umask (or the shared group's setup) instead of tempfile's private 0600.
//!
//! The trust model (docs/design.md): a shared folder is trusted when only
//! pyman's user, root, or the members of a setgid group can change it. A
//! folder anyone can write is trusted only with the sticky bit (others can
//! add entries but not replace ours), and then an entry another user made
//! is not.

#[cfg(unix)]
use std::fs::Permissions;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// How a checked folder is shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sharing {
    /// Pyman's user's own (or root's): files follow the umask.
    #[default]
    Private,
    /// A group-writable setgid folder: the documented shared-group setup.
    /// Folders and files pyman creates are made group-writable whatever the
    /// umask, so every member can lock and fill the cache.
    Group,
}

/// Why a folder is not trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untrusted(pub String);

impl std::fmt::Display for Untrusted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The mode for files pyman creates: `0o666` less the umask (the kernel
/// applies it at `open`), so other users can read a shared cache or a mirror.
#[cfg(unix)]
pub fn file_permissions() -> Permissions {
    use std::os::unix::fs::PermissionsExt;
    Permissions::from_mode(0o666)
}

/// tempfile's `Builder` with the umask's mode instead of 0600.
pub fn temp_builder<'a>() -> tempfile::Builder<'a, 'a> {
    #[cfg(unix)]
    {
        let mut b = tempfile::Builder::new();
        b.permissions(file_permissions());
        b
    }
    #[cfg(not(unix))]
    tempfile::Builder::new()
}

/// Makes a file pyman just created in a group-shared folder group-writable,
/// through its open descriptor: a path could by now be a link another
/// member planted, and a chmod by path would follow it.
pub fn share_file(file: &File, sharing: Sharing) {
    #[cfg(unix)]
    if sharing == Sharing::Group {
        use std::os::unix::fs::PermissionsExt;
        let _ = file.set_permissions(Permissions::from_mode(0o664));
    }
    #[cfg(not(unix))]
    let _ = (file, sharing);
}

/// The same for a folder pyman just created: opened without following a
/// link (`O_DIRECTORY|O_NOFOLLOW`), then changed through the descriptor.
pub fn share_dir(path: &Path, sharing: Sharing) {
    #[cfg(unix)]
    if sharing == Sharing::Group {
        use rustix::fs::{Mode, OFlags};
        if let Ok(fd) = rustix::fs::open(
            path,
            OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            let _ = rustix::fs::fchmod(&fd, Mode::from_raw_mode(0o3775));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, sharing);
}

/// Opens for locking without following a link planted at `path`: created
/// when missing; read-only when another user's file cannot be opened for
/// writing (`flock` needs no write access).
pub fn open_lock_file(path: &Path) -> io::Result<(File, bool)> {
    let mut rw = OpenOptions::new();
    rw.read(true).write(true).create(true).truncate(false);
    nofollow(&mut rw);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        rw.mode(0o666);
    }
    let existed = std::fs::symlink_metadata(path).is_ok();
    match rw.open(path) {
        Ok(f) => Ok((f, !existed)),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied && existed => {
            let mut ro = OpenOptions::new();
            ro.read(true);
            nofollow(&mut ro);
            ro.open(path).map(|f| (f, false))
        }
        Err(e) => Err(e),
    }
}

/// Opens an existing file for reading, refusing a link.
pub fn open_nofollow(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true);
    nofollow(&mut o);
    o.open(path)
}

fn nofollow(o: &mut OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits().cast_signed());
    }
    #[cfg(not(unix))]
    let _ = o;
}

/// Checks a shared folder's owner and mode; creates it (and reports it
/// private) when missing.
pub fn check_root(root: &Path) -> Result<Sharing, Untrusted> {
    if std::fs::symlink_metadata(root).is_err() {
        fs_err::create_dir_all(root)
            .map_err(|e| Untrusted(format!("it cannot be created: {e}")))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // The folder itself (an admin's link to it is fine: it is resolved).
        let md = std::fs::metadata(root).map_err(|e| Untrusted(e.to_string()))?;
        if !md.is_dir() {
            return Err(Untrusted("it is not a folder".into()));
        }
        let me = rustix::process::getuid().as_raw();
        let mode = md.mode();
        // Others who can write the folder could rename our entries away and
        // put links in their place: only with the sticky bit can they not.
        if mode & 0o022 != 0 && mode & 0o1000 == 0 {
            return Err(Untrusted(format!(
                "others can write it (mode {:o}) and it has no sticky bit, so they could replace its files (a shared cache wants `chmod 3775`, see docs/installing.md)",
                mode & 0o7777
            )));
        }
        let in_group = rustix::process::getegid().as_raw() == md.gid()
            || rustix::process::getgroups().is_ok_and(|g| g.iter().any(|g| g.as_raw() == md.gid()));
        // The folder's setup decides how pyman shares what it creates there
        // (so the admin's own first run makes group folders); membership
        // decides whether a folder someone else owns is trusted at all.
        let group_shared = mode & 0o2020 == 0o2020;
        if md.uid() != me && md.uid() != 0 && !(group_shared && in_group) {
            return Err(Untrusted(format!(
                "it belongs to another user (uid {}) and is not a group-shared (setgid, group-writable, sticky) folder of a group this user is in",
                md.uid()
            )));
        }
        Ok(if group_shared {
            Sharing::Group
        } else {
            Sharing::Private
        })
    }
    #[cfg(not(unix))]
    Ok(Sharing::Private)
}

/// Checks (or creates) a folder inside a checked root: a real folder, not a
/// link, made by someone the root's setup trusts.
pub fn check_child(root: &Path, name: &str, sharing: Sharing) -> Result<(), Untrusted> {
    let path = root.join(name);
    match std::fs::symlink_metadata(&path) {
        Err(_) => match fs_err::create_dir(&path) {
            Ok(()) => {
                share_dir(&path, sharing);
                Ok(())
            }
            // Another process made it meanwhile: check what it made.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                check_existing_child(root, &path, name, sharing)
            }
            // Not ours to create (another user's cache we may only read).
            Err(_) => Ok(()),
        },
        Ok(_) => check_existing_child(root, &path, name, sharing),
    }
}

fn check_existing_child(
    root: &Path,
    path: &Path,
    name: &str,
    sharing: Sharing,
) -> Result<(), Untrusted> {
    let md = std::fs::symlink_metadata(path).map_err(|e| Untrusted(e.to_string()))?;
    if md.file_type().is_symlink() {
        return Err(Untrusted(format!(
            "`{name}` in it is a link, which pyman does not follow there"
        )));
    }
    if !md.is_dir() {
        return Err(Untrusted(format!("`{name}` in it is not a folder")));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        use std::os::unix::fs::PermissionsExt;
        let me = rustix::process::getuid().as_raw();
        let root_owner = std::fs::metadata(root).map(|m| m.uid()).unwrap_or(me);
        // Made by this user, root, the cache's owner, or (in a group cache)
        // a member; and, if others may write it, sticky like the root.
        let trusted =
            md.uid() == me || md.uid() == 0 || md.uid() == root_owner || sharing == Sharing::Group;
        if !trusted {
            return Err(Untrusted(format!(
                "`{name}` in it belongs to another user (uid {})",
                md.uid()
            )));
        }
        let mode = md.permissions().mode();
        if mode & 0o022 != 0 && mode & 0o1000 == 0 {
            return Err(Untrusted(format!(
                "`{name}` in it can be written by others (mode {:o}) without the sticky bit",
                mode & 0o7777
            )));
        }
    }
    let _ = (root, sharing);
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn links_and_open_folders_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cache");
        assert_eq!(check_root(&root), Ok(Sharing::Private), "created");
        check_child(&root, "archives", Sharing::Private).unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("locks")).unwrap();
        assert!(check_child(&root, "locks", Sharing::Private).is_err());

        fs_err::set_permissions(&root, Permissions::from_mode(0o777)).unwrap();
        assert!(check_root(&root).is_err(), "world-writable without sticky");
        fs_err::set_permissions(&root, Permissions::from_mode(0o775)).unwrap();
        assert!(check_root(&root).is_err(), "group-writable without sticky");
        fs_err::set_permissions(&root, Permissions::from_mode(0o1777)).unwrap();
        assert_eq!(check_root(&root), Ok(Sharing::Private));
        fs_err::set_permissions(&root, Permissions::from_mode(0o2775)).unwrap();
        assert!(
            check_root(&root).is_err(),
            "a group folder needs the sticky bit too"
        );
        fs_err::set_permissions(&root, Permissions::from_mode(0o3775)).unwrap();
        assert_eq!(
            check_root(&root),
            Ok(Sharing::Group),
            "setgid, sticky, our group"
        );
    }

    #[test]
    fn lock_files_are_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        let link = dir.path().join("x.lock");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(open_lock_file(&link).is_err());
        assert!(!target.exists(), "nothing created through the link");
        let (_, created) = open_lock_file(&dir.path().join("y.lock")).unwrap();
        assert!(created);
    }

    /// This process's umask, as Linux reports it (reading it otherwise
    /// means setting it).
    fn umask() -> Option<u32> {
        let status = fs_err::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("Umask:"))?;
        u32::from_str_radix(line.split_whitespace().nth(1)?, 8).ok()
    }

    #[test]
    fn temp_files_follow_the_umask_not_0600() {
        let Some(umask) = umask() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let f = temp_builder().tempfile_in(dir.path()).unwrap();
        let mode = f.as_file().metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !umask);
    }
}
