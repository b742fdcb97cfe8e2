//! File locks: one per build, so different versions install in parallel and
//! concurrent installs of one version happen once.

use pyman_resolver::Hint;
use std::fs::{File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Held until dropped (closing the file releases the lock, even on a crash).
#[derive(Debug)]
pub struct FileLock {
    _file: Option<File>,
}

impl FileLock {
    /// The open lock file (none where the file system has no locks).
    pub fn file(&self) -> Option<&File> {
        self._file.as_ref()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot open the lock file `{}`", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("gave up after {}s waiting for the lock `{}` (another pyman is installing {what})", waited.as_secs(), path.display())]
    Timeout {
        path: PathBuf,
        what: String,
        waited: Duration,
    },
}

impl Hint for LockError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            LockError::Timeout { .. } => format!(
                "wait for the other pyman to finish, or raise `{}` (seconds)",
                crate::env::PYMAN_LOCK_TIMEOUT
            ),
            LockError::Open { .. } => "check that pyman's data folder is writable".to_string(),
        })
    }
}

/// Takes the lock at `path`, calling `on_wait` once if another process holds it.
pub fn acquire(
    path: &Path,
    what: &str,
    timeout: Duration,
    on_wait: impl FnOnce(),
) -> Result<FileLock, LockError> {
    if let Some(dir) = path.parent() {
        let _ = fs_err::create_dir_all(dir);
    }
    // Never through a link another user planted in a shared folder.
    let (file, _) = crate::fsafe::open_lock_file(path).map_err(|source| LockError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let start = Instant::now();
    let mut on_wait = Some(on_wait);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(FileLock { _file: Some(file) }),
            Err(TryLockError::WouldBlock) => {
                if let Some(f) = on_wait.take() {
                    f();
                }
                if start.elapsed() >= timeout {
                    return Err(LockError::Timeout {
                        path: path.to_path_buf(),
                        what: what.to_string(),
                        waited: start.elapsed(),
                    });
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            // File systems without locks (some network mounts): go on unlocked, as cargo does.
            Err(TryLockError::Error(e)) if e.kind() == io::ErrorKind::Unsupported => {
                return Ok(FileLock { _file: None });
            }
            Err(TryLockError::Error(source)) => {
                return Err(LockError::Open {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
    }
}

/// Takes the lock only if it is free right now.
pub fn try_acquire(path: &Path) -> Option<FileLock> {
    let file = crate::fsafe::open_nofollow(path).ok()?;
    file.try_lock()
        .ok()
        .map(|()| FileLock { _file: Some(file) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_waits_then_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let held = acquire(&path, "x", Duration::from_secs(1), || {}).unwrap();
        let mut waited = false;
        let err = acquire(&path, "3.12", Duration::from_millis(120), || waited = true).unwrap_err();
        assert!(waited);
        assert!(err.to_string().contains("3.12"), "{err}");
        assert!(try_acquire(&path).is_none());
        drop(held);
        assert!(try_acquire(&path).is_some());
    }
}
