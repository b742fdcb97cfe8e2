//! What can go wrong in an install, and what to do next.

use std::io;
use std::path::{Path, PathBuf};

use crate::download::DownloadError;
use crate::env;
use crate::extract::ExtractError;
use crate::lock::LockError;
use crate::url::SafeUrl;
use pyman_resolver::Hint;

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("no sha256 is known for `{key}` ({url}); pyman does not install unverified builds")]
    MissingChecksum { key: String, url: SafeUrl },
    #[error("`{url}` is not an archive pyman can unpack (.tar.gz, .tar.zst or .zip)")]
    UnknownArchive { url: SafeUrl },
    #[error("the download of `{url}` failed after {attempts} attempt{}", if *attempts == 1 { "" } else { "s" })]
    Download {
        url: SafeUrl,
        attempts: u32,
        #[source]
        source: DownloadError,
    },
    #[error("checksum mismatch for `{url}`: expected sha256 {expected}, got {actual}")]
    HashMismatch {
        url: SafeUrl,
        expected: String,
        actual: String,
    },
    #[error("cannot unpack `{url}`")]
    Extract {
        url: SafeUrl,
        #[source]
        source: ExtractError,
    },
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error("cannot write in `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the archive `{url}` has no interpreter at `{expected}`")]
    NoInterpreter { url: SafeUrl, expected: String },
    #[error("the unpacked interpreter `{}` does not run: {detail}", exe.display())]
    Smoke { exe: PathBuf, detail: String },
    /// Ctrl-C reached the smoke run's interpreter.
    #[error("interrupted: nothing was installed")]
    Interrupted,
    #[error("{what} is not in the download cache{}, and offline mode forbids downloading `{url}`", cache.as_ref().map(|c| format!(" (`{}`)", c.display())).unwrap_or_default())]
    Offline {
        what: String,
        url: SafeUrl,
        cache: Option<PathBuf>,
    },
    #[error(transparent)]
    Rewrite(#[from] crate::build_values::RewriteError),
    #[error("`{url}` holds Python {actual}, but the index says {expected}")]
    VersionMismatch {
        url: SafeUrl,
        expected: String,
        actual: String,
    },
}

impl Hint for InstallError {
    fn exit_code(&self) -> i32 {
        if matches!(self, InstallError::Interrupted) {
            130
        } else {
            1
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            InstallError::MissingChecksum { .. } => {
                "download the archive yourself and install it with `pyman install PATH --sha256 HEX`".into()
            }
            InstallError::Download { source, .. } => match source {
                DownloadError::Unauthorized { .. }
                | DownloadError::Insecure(_)
                | DownloadError::Html { .. }
                | DownloadError::TooLarge { .. } => return source.hint(),
                DownloadError::NotFound { .. } => {
                    "the build is not at that address: check `--mirror` / `PYMAN_MIRROR` and `--downloads-json`, or see `pyman list --available`".into()
                }
                DownloadError::File { .. } => "check the path, or use an `https://` URL".into(),
                _ => "check the network and proxy settings (`HTTPS_PROXY`), try a mirror with `--mirror`, or install from a downloaded archive with `pyman install PATH --sha256 HEX`".into(),
            },
            InstallError::HashMismatch { .. } => {
                "the download is corrupt or was tampered with; nothing was installed. If you use a mirror, check that it serves the same files".into()
            }
            // The archive was fine; the disk was not.
            InstallError::Extract {
                source: ExtractError::Write { source, .. },
                ..
            } => {
                if source.kind() == io::ErrorKind::StorageFull {
                    "nothing was installed; the disk is full: free space where pyman's data folder (`PYMAN_HOME`) lives, then install again".into()
                } else {
                    "nothing was installed; check that pyman's data folder (`PYMAN_HOME`) is writable and has free space".into()
                }
            }
            InstallError::Extract { .. } | InstallError::NoInterpreter { .. } => {
                "nothing was installed; use a python-build-standalone archive (`…-install_only.tar.gz`)".into()
            }
            InstallError::Lock(e) => return e.hint(),
            InstallError::Io { .. } | InstallError::Rewrite(_) => "check that pyman's data folder (`PYMAN_HOME`) is writable and has free space".into(),
            InstallError::Interrupted => return None,
            InstallError::Smoke { .. } | InstallError::VersionMismatch { .. } => {
                "nothing was installed; the build may not suit this machine (see `pyman list --available`)".into()
            }
            InstallError::UnknownArchive { .. } => "give a `.tar.gz`, `.tar.zst` or `.zip` archive".into(),
            InstallError::Offline { .. } => format!(
                "fetch it while online with the same `{}` (`pyman install` or `pyman mirror DIR`), or point `--mirror` at a `file://` mirror made by `pyman mirror`; drop `--offline` / `{}` to download it",
                env::PYMAN_CACHE_DIR,
                env::PYMAN_OFFLINE
            ),
        })
    }
}

pub(super) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> InstallError + '_ {
    move |source| InstallError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_while_unpacking_is_not_blamed_on_the_archive() {
        let write = |kind: io::ErrorKind| InstallError::Extract {
            url: SafeUrl::new("https://example.org/x.tar.gz"),
            source: ExtractError::Write {
                path: "/home/u/.local/share/pyman/pythons/.temp/x/lib/libpython3.12.so".into(),
                source: io::Error::from(kind),
            },
        };
        let full = write(io::ErrorKind::StorageFull).hint().unwrap();
        assert!(full.contains("the disk is full"), "{full}");
        assert!(!full.contains("install_only"), "{full}");
        let denied = write(io::ErrorKind::PermissionDenied).hint().unwrap();
        assert!(denied.contains("writable"), "{denied}");
        let damaged = InstallError::Extract {
            url: SafeUrl::new("https://example.org/x.tar.gz"),
            source: ExtractError::NoRoot {
                root: "python".into(),
            },
        };
        assert!(damaged.hint().unwrap().contains("install_only"));
    }
}
