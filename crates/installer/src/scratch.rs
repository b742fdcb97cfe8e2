//! Scratch folders for installs, inside `pythons/.temp` (same file system as
//! the installs, so the final rename is atomic), each guarded by a lock so
//! that a later run can tell a live install from a killed one.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use pyman_resolver::PymanHome;

use crate::lock::{self, FileLock};

const LOCK_FILE: &str = ".owner.lock";

/// Scratch folders of this process, removed on Ctrl-C.
static ACTIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

pub struct Scratch {
    // Field order matters: the lock is released before the folder is removed.
    lock: Option<FileLock>,
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
}

impl Scratch {
    pub fn new(home: &PymanHome, label: &str) -> io::Result<Scratch> {
        let root = home.scratch();
        fs_err::create_dir_all(&root)?;
        let dir = tempfile::Builder::new()
            .prefix(&format!("{label}."))
            .tempdir_in(&root)?;
        let lock_path = dir.path().join(LOCK_FILE);
        fs_err::write(&lock_path, b"")?;
        let lock = lock::try_acquire(&lock_path);
        let path = dir.path().to_path_buf();
        if let Ok(mut active) = ACTIVE.lock() {
            active.push(path.clone());
        }
        Ok(Scratch {
            lock,
            dir: Some(dir),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        drop(self.lock.take());
        if let Some(dir) = self.dir.take() {
            let _ = dir.close();
        }
        if let Ok(mut active) = ACTIVE.lock() {
            active.retain(|p| p != &self.path);
        }
    }
}

/// Removes this process's scratch folders; for a Ctrl-C handler, while the
/// unpacker's threads may still be writing. Each folder is renamed away
/// first: their next file or folder, made by its old path, then fails
/// instead of landing in a half-removed tree. (A killed run's are swept.)
/// Returns how many there were.
pub fn remove_active() -> usize {
    let mut count = 0;
    if let Ok(active) = ACTIVE.lock() {
        count = active.len();
        for p in active.iter() {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            let trash = p.with_file_name(format!("{name}.interrupted"));
            if fs_err::rename(p, &trash).is_ok() {
                let _ = fs_err::remove_dir_all(&trash);
            }
            let _ = fs_err::remove_dir_all(p);
        }
    }
    count
}

/// Removes scratch folders left by killed installs: those whose owner lock
/// is free, and lock-less ones older than ten minutes.
pub fn sweep(home: &PymanHome) -> usize {
    let Ok(entries) = fs_err::read_dir(home.scratch()) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let lock_path = path.join(LOCK_FILE);
        let stale = if lock_path.exists() {
            lock::try_acquire(&lock_path).is_some()
        } else {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > Duration::from_secs(600))
        };
        if stale && fs_err::remove_dir_all(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}
