//! Which project files may choose a program to run. A version file, a
//! `.venv` or a pin in a folder anyone may write to (`/tmp`), or owned by
//! someone other than that folder's owner, could be anyone's: it is passed
//! over, as if absent. Checked only for a file that exists (two `stat`s).

use std::path::Path;

/// Whether `path` (a file or folder in `dir`) may select what runs.
#[cfg(unix)]
pub fn owned_like_its_folder(dir: &Path, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(dir), std::fs::symlink_metadata(path)) {
        (Ok(d), Ok(p)) => d.mode() & 0o002 == 0 && d.uid() == p.uid(),
        _ => false,
    }
}

#[cfg(not(unix))]
pub fn owned_like_its_folder(_dir: &Path, _path: &Path) -> bool {
    true
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_folder_anyone_may_write_to_selects_nothing() {
        let tmp = tempfile_dir();
        let file = tmp.join(".python-version");
        std::fs::write(&file, "3.12\n").unwrap();
        assert!(super::owned_like_its_folder(&tmp, &file));
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(!super::owned_like_its_folder(&tmp, &file));
        assert!(!super::owned_like_its_folder(&tmp, &tmp.join("missing")));
        let _ = std::fs::remove_dir_all(&tmp);
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("pyman-trust-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("a temporary folder");
        d
    }
}
