//! Files written whole or not at all: a temporary file beside the target,
//! renamed over it, so no reader ever sees half of one.

use std::io::{self, Write};
use std::path::Path;

/// Replaces `path` with `bytes`, creating its folder when missing.
pub fn write(path: &Path, bytes: impl AsRef<[u8]>) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs_err::create_dir_all(dir)?;
    // The umask's mode, not tempfile's 0600: a mirror folder is served by
    // nginx as its own user, and a shared cache is read by other users.
    let mut tmp = crate::fsafe::temp_builder().tempfile_in(dir)?;
    tmp.write_all(bytes.as_ref())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_whole_files_and_makes_folders() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/file");
        super::write(&path, "one").unwrap();
        super::write(&path, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(
            std::fs::read_dir(dir.path().join("a/b")).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
