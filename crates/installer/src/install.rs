//! The install pipeline: lock, re-check, download through the hasher into the
//! unpacker inside a scratch folder, verify, check that the interpreter runs,
//! then rename into `pythons/` in one step.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pyman_resolver::inventory::{install_key, minor_key};
use pyman_resolver::{Env, PymanHome, Version};

use crate::download::{Client, DownloadError, Location, Progress};
use crate::env;
use crate::extract::{self, ArchiveKind, ExtractError, Limits};
use crate::host::Host;
use crate::index::Build;
use crate::lock::{self, LockError};
use crate::managed::{self, InstallMetadata};
use crate::probe;
use crate::scratch::{self, Scratch};

/// Tunables, from the environment.
#[derive(Debug, Clone)]
pub struct Options {
    pub reinstall: bool,
    pub retries: u32,
    pub retry_delay: bool,
    pub lock_timeout: Duration,
    pub max_unpack_bytes: Option<u64>,
    pub read_timeout: Duration,
}

impl Options {
    pub fn from_env(env: &Env) -> Options {
        let num = |name: &str| {
            env.var_os(name)
                .and_then(|v| v.to_str().and_then(|s| s.trim().parse::<u64>().ok()))
        };
        Options {
            reinstall: false,
            retries: num(env::PYMAN_HTTP_RETRIES).map_or(3, |n| u32::try_from(n).unwrap_or(3)),
            retry_delay: !env.is_true(env::PYMAN_TEST_NO_RETRY_DELAY),
            lock_timeout: Duration::from_secs(num(env::PYMAN_LOCK_TIMEOUT).unwrap_or(600)),
            max_unpack_bytes: num(env::PYMAN_MAX_UNPACK_BYTES),
            read_timeout: Duration::from_secs(num(env::PYMAN_HTTP_TIMEOUT).unwrap_or(30)),
        }
    }
}

/// How the installer talks to the user; the CLI draws progress bars.
pub trait Reporter: Send + Sync {
    fn progress(&self, label: &str) -> Arc<dyn Progress>;
    fn message(&self, msg: &str);
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Installed {
        key: String,
        path: PathBuf,
        version: Version,
    },
    AlreadyInstalled {
        key: String,
        path: PathBuf,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("no sha256 is known for `{key}` ({url}); pyman does not install unverified builds")]
    MissingChecksum { key: String, url: String },
    #[error("`{url}` is not an archive pyman can unpack (.tar.gz, .tar.zst or .zip)")]
    UnknownArchive { url: String },
    #[error("the download of `{url}` failed after {attempts} attempt{}", if *attempts == 1 { "" } else { "s" })]
    Download {
        url: String,
        attempts: u32,
        #[source]
        source: DownloadError,
    },
    #[error("checksum mismatch for `{url}`: expected sha256 {expected}, got {actual}")]
    HashMismatch {
        url: String,
        expected: String,
        actual: String,
    },
    #[error("cannot unpack `{url}`")]
    Extract {
        url: String,
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
    NoInterpreter { url: String, expected: String },
    #[error("the unpacked interpreter `{}` does not run: {detail}", exe.display())]
    Smoke { exe: PathBuf, detail: String },
    #[error("`{url}` holds Python {actual}, but the index says {expected}")]
    VersionMismatch {
        url: String,
        expected: String,
        actual: String,
    },
}

impl InstallError {
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            InstallError::MissingChecksum { .. } => {
                "download the archive yourself and install it with `pyman install PATH --sha256 HEX`".into()
            }
            InstallError::Download { source, .. } => match source {
                DownloadError::NotFound { .. } => {
                    "the build is not at that address: check `--mirror` / `PYMAN_MIRROR` and `--downloads-json`, or see `pyman list --available`".into()
                }
                DownloadError::File { .. } => "check the path, or use an `https://` URL".into(),
                _ => "check the network and proxy settings (`HTTPS_PROXY`), try a mirror with `--mirror`, or install from a downloaded archive with `pyman install PATH --sha256 HEX`".into(),
            },
            InstallError::HashMismatch { .. } => {
                "the download is corrupt or was tampered with; nothing was installed. If you use a mirror, check that it serves the same files".into()
            }
            InstallError::Extract { .. } | InstallError::NoInterpreter { .. } => {
                "nothing was installed; use a python-build-standalone archive (`…-install_only.tar.gz`)".into()
            }
            InstallError::Lock(e) => e.hint(),
            InstallError::Io { .. } => "check that pyman's data folder (`PYMAN_HOME`) is writable and has free space".into(),
            InstallError::Smoke { .. } | InstallError::VersionMismatch { .. } => {
                "nothing was installed; the build may not suit this machine (see `pyman list --available`)".into()
            }
            InstallError::UnknownArchive { .. } => "give a `.tar.gz`, `.tar.zst` or `.zip` archive".into(),
        })
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> InstallError + '_ {
    move |source| InstallError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub struct Installer {
    pub home: PymanHome,
    pub host: Host,
    client: Client,
    options: Options,
    reporter: Arc<dyn Reporter>,
}

impl Installer {
    pub fn new(
        home: PymanHome,
        options: Options,
        reporter: Arc<dyn Reporter>,
    ) -> Result<Installer, DownloadError> {
        let client = Client::new(options.read_timeout)?;
        Ok(Installer {
            home,
            host: Host::current(),
            client,
            options,
            reporter,
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Creates `pythons/` (with a `.gitignore`) and sweeps what killed installs left.
    fn prepare(&self) -> Result<(), InstallError> {
        let pythons = self.home.pythons();
        std::fs::create_dir_all(self.home.scratch()).map_err(io_err(&pythons))?;
        let ignore = pythons.join(".gitignore");
        if !ignore.exists() {
            std::fs::write(&ignore, "*\n").map_err(io_err(&ignore))?;
        }
        let removed = scratch::sweep(&self.home);
        if removed > 0 {
            self.reporter.message(&format!(
                "Removed {removed} unfinished install(s) left by an interrupted pyman"
            ));
        }
        Ok(())
    }

    async fn lock(&self, key: &str) -> Result<lock::FileLock, InstallError> {
        let path = self.home.locks().join(format!("{key}.lock"));
        let timeout = self.options.lock_timeout;
        let reporter = Arc::clone(&self.reporter);
        let what = key.to_string();
        tokio::task::spawn_blocking(move || {
            lock::acquire(&path, &what, timeout, || {
                reporter.message(&format!(
                    "Waiting for another pyman to finish installing `{what}` (lock `{}`)",
                    path.display()
                ));
            })
        })
        .await
        .map_err(|e| InstallError::Io {
            path: self.home.locks(),
            source: io::Error::other(e),
        })?
        .map_err(InstallError::from)
    }

    fn is_installed(&self, key: &str) -> Option<PathBuf> {
        let path = self.home.pythons().join(key);
        InstallMetadata::read(&path).ok().map(|_| path)
    }

    /// Installs one build from the index.
    pub async fn install(&self, build: &Build) -> Result<Outcome, InstallError> {
        let key = build.install_key();
        let sha = build
            .sha256
            .clone()
            .ok_or_else(|| InstallError::MissingChecksum {
                key: key.clone(),
                url: build.url.clone(),
            })?;
        let kind = build
            .archive_kind()
            .ok_or_else(|| InstallError::UnknownArchive {
                url: build.url.clone(),
            })?;
        self.prepare()?;
        let _lock = self.lock(&key).await?;
        if !self.options.reinstall
            && let Some(path) = self.is_installed(&key)
        {
            return Ok(Outcome::AlreadyInstalled { key, path });
        }
        let scratch = Scratch::new(&self.home, &key).map_err(io_err(&self.home.scratch()))?;
        let location = Location::parse(&build.url);
        let dir = self
            .fetch_and_unpack(
                &location,
                kind,
                Some(&sha),
                scratch.path(),
                &build.version_string(),
            )
            .await?;
        let exe = managed::executable(&dir);
        let (version, _) = smoke(&exe, &build.url)?;
        if version != build.version {
            return Err(InstallError::VersionMismatch {
                url: build.url.clone(),
                expected: build.version.to_string(),
                actual: version.to_string(),
            });
        }
        let meta = InstallMetadata {
            key: key.clone(),
            version: version.to_string(),
            variant: build.variant.name().to_string(),
            platform: build.triple(),
            source: build.url.clone(),
            sha256: Some(sha),
            build: build.build.clone(),
        };
        let path = self.commit(&dir, &meta, scratch.path())?;
        Ok(Outcome::Installed { key, path, version })
    }

    /// Installs an archive given by path or URL; its version is read by running it.
    pub async fn install_archive(
        &self,
        source: &str,
        sha256: Option<&str>,
    ) -> Result<Outcome, InstallError> {
        let kind = ArchiveKind::from_name(source).ok_or_else(|| InstallError::UnknownArchive {
            url: source.to_string(),
        })?;
        self.prepare()?;
        let scratch = Scratch::new(&self.home, "archive").map_err(io_err(&self.home.scratch()))?;
        let location = Location::parse(source);
        let expected = sha256.map(str::to_ascii_lowercase);
        let dir = self
            .fetch_and_unpack(
                &location,
                kind,
                expected.as_deref(),
                scratch.path(),
                "archive",
            )
            .await?;
        let exe = managed::executable(&dir);
        if !exe.exists() {
            return Err(InstallError::NoInterpreter {
                url: source.to_string(),
                expected: if cfg!(windows) {
                    "python/python.exe"
                } else {
                    "python/bin/python3"
                }
                .to_string(),
            });
        }
        let (version, variant) = smoke(&exe, source)?;
        let key = install_key(&version, variant, &self.host.triple());
        let _lock = self.lock(&key).await?;
        if !self.options.reinstall
            && let Some(path) = self.is_installed(&key)
        {
            return Ok(Outcome::AlreadyInstalled { key, path });
        }
        let meta = InstallMetadata {
            key: key.clone(),
            version: version.to_string(),
            variant: variant.name().to_string(),
            platform: self.host.triple(),
            source: location.display(),
            sha256: expected,
            build: None,
        };
        let path = self.commit(&dir, &meta, scratch.path())?;
        Ok(Outcome::Installed { key, path, version })
    }

    /// Downloads and unpacks with retries; returns the unpacked install folder.
    async fn fetch_and_unpack(
        &self,
        location: &Location,
        kind: ArchiveKind,
        expected: Option<&str>,
        scratch: &Path,
        label: &str,
    ) -> Result<PathBuf, InstallError> {
        let url = location.display();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let dest = scratch.join(format!("attempt-{attempt}"));
            let spooled = scratch.join(format!("archive-{attempt}.zip"));
            let max = self.options.max_unpack_bytes;
            let (dest_c, spooled_c) = (dest.clone(), spooled.clone());
            let result = self
                .client
                .stream(
                    location,
                    self.reporter.progress(label),
                    move |reader, len| {
                        let limits = max.map_or_else(
                            || Limits::for_archive(len),
                            |max_bytes| Limits { max_bytes },
                        );
                        match kind {
                            // Zip needs random access: spool it (hashing as it goes) and
                            // unpack only after the checksum matched.
                            ArchiveKind::Zip => extract::spool(reader, &spooled_c)
                                .map(|_| ())
                                .map_err(|source| ExtractError::Write {
                                    path: spooled_c,
                                    source,
                                }),
                            _ => extract::extract_tar(reader, kind, &dest_c, limits),
                        }
                    },
                )
                .await;
            let streamed = match result {
                Ok(s) => s,
                Err(e) if e.is_retriable() && attempt <= self.options.retries => {
                    let delay = self.delay(attempt, e.retry_after());
                    self.reporter.message(&format!(
                        "Retrying in {:.1}s ({e}; attempt {} of {})",
                        delay.as_secs_f32(),
                        attempt + 1,
                        self.options.retries + 1
                    ));
                    let _ = std::fs::remove_dir_all(&dest);
                    let _ = std::fs::remove_file(&spooled);
                    tokio::time::sleep(delay).await;
                    continue;
                }
                Err(source) => {
                    return Err(InstallError::Download {
                        url,
                        attempts: attempt,
                        source,
                    });
                }
            };
            // The checksum decides first: a corrupt download that also failed to
            // unpack is reported as what it is.
            if let Some(expected) = expected
                && streamed.sha256 != expected
            {
                return Err(InstallError::HashMismatch {
                    url,
                    expected: expected.to_string(),
                    actual: streamed.sha256,
                });
            }
            streamed.value.map_err(|source| InstallError::Extract {
                url: url.clone(),
                source,
            })?;
            if kind == ArchiveKind::Zip {
                let file = std::fs::File::open(&spooled).map_err(io_err(&spooled))?;
                let limits = self.options.max_unpack_bytes.map_or_else(
                    || Limits::for_archive(Some(streamed.bytes)),
                    |max_bytes| Limits { max_bytes },
                );
                let dest_c = dest.clone();
                tokio::task::spawn_blocking(move || extract::extract_zip(file, &dest_c, limits))
                    .await
                    .map_err(|e| InstallError::Io {
                        path: dest.clone(),
                        source: io::Error::other(e),
                    })?
                    .map_err(|source| InstallError::Extract {
                        url: url.clone(),
                        source,
                    })?;
                let _ = std::fs::remove_file(&spooled);
            }
            return Ok(dest);
        }
    }

    fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if !self.options.retry_delay {
            return Duration::ZERO;
        }
        if let Some(after) = retry_after {
            return after.min(Duration::from_secs(30));
        }
        let base = Duration::from_millis(500) * 2u32.saturating_pow(attempt.saturating_sub(1));
        let jitter = Duration::from_millis(u64::from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_millis())
                % 500,
        ));
        (base + jitter).min(Duration::from_secs(10))
    }

    /// Writes the metadata and renames the install into place.
    fn commit(
        &self,
        dir: &Path,
        meta: &InstallMetadata,
        scratch: &Path,
    ) -> Result<PathBuf, InstallError> {
        add_python_link(dir).map_err(io_err(dir))?;
        if let Some(version) = meta.version() {
            managed::mark_externally_managed(dir, &version).map_err(io_err(dir))?;
        }
        meta.write(dir).map_err(io_err(dir))?;
        let target = self.home.pythons().join(&meta.key);
        let old = scratch.join("replaced");
        let had_old = target.exists();
        if had_old {
            std::fs::rename(&target, &old).map_err(io_err(&target))?;
        }
        if let Err(e) = std::fs::rename(dir, &target) {
            if had_old {
                let _ = std::fs::rename(&old, &target);
            }
            return Err(InstallError::Io {
                path: target,
                source: e,
            });
        }
        if let Some(version) = meta.version() {
            let minor = minor_key(&version, meta.variant(), &meta.platform);
            managed::update_minor_link(&self.home, &minor).map_err(io_err(&target))?;
        }
        Ok(target)
    }
}

/// Runs the interpreter once: it must start, and it tells its exact version.
fn smoke(exe: &Path, url: &str) -> Result<(Version, pyman_resolver::Variant), InstallError> {
    if !exe.exists() {
        return Err(InstallError::NoInterpreter {
            url: url.to_string(),
            expected: exe.display().to_string(),
        });
    }
    probe::probe(exe).map_err(|detail| InstallError::Smoke {
        exe: exe.to_path_buf(),
        detail,
    })
}

/// python-build-standalone ships `bin/python3`; add `bin/python` as uv does.
fn add_python_link(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let link = dir.join("bin").join("python");
        if std::fs::symlink_metadata(&link).is_err() && dir.join("bin").join("python3").exists() {
            std::os::unix::fs::symlink("python3", &link)?;
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
