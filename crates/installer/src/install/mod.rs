//! The install pipeline: lock, re-check, download through the hasher into the
//! unpacker inside a scratch folder, verify, check that the interpreter runs,
//! then rename into `pythons/` in one step.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pyman_resolver::inventory::{install_key, minor_key};
use pyman_resolver::{Env, PymanHome, Version};

use crate::auth::Credentials;
use crate::build_values;
use crate::cache::Cache;
use crate::download::{Client, DownloadError, Location, Progress};
use crate::env;
use crate::extract::{self, ArchiveKind, ExtractError, Limits};
use crate::host::Host;
use crate::index::Build;
use crate::lock;
use crate::managed::{self, InstallMetadata};
use crate::probe;
use crate::scratch::{self, Scratch};
use crate::url::SafeUrl;

mod error;
mod fetch;

pub use error::InstallError;
use error::io_err;

/// Tunables, from the environment.
#[derive(Debug, Clone)]
pub struct Options {
    pub reinstall: bool,
    pub retries: u32,
    pub retry_delay: bool,
    pub lock_timeout: Duration,
    pub max_unpack_bytes: Option<u64>,
    pub read_timeout: Duration,
    /// The download cache; `None` with `--no-cache`.
    pub cache: Option<Cache>,
    /// No network request at all: the cache and `file://` only.
    pub offline: bool,
    pub credentials: Arc<Credentials>,
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
            cache: None,
            offline: env.is_true(env::PYMAN_OFFLINE),
            credentials: Arc::default(),
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
        let client =
            Client::new(options.read_timeout)?.with_credentials(Arc::clone(&options.credentials));
        Ok(Installer {
            home,
            host: Host::current(),
            client,
            options,
            reporter,
        })
    }

    pub fn credentials(&self) -> Arc<Credentials> {
        Arc::clone(&self.options.credentials)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Creates `pythons/` (with a `.gitignore`) and sweeps what killed installs left.
    fn prepare(&self) -> Result<(), InstallError> {
        let pythons = self.home.pythons();
        fs_err::create_dir_all(self.home.scratch()).map_err(io_err(&pythons))?;
        let ignore = pythons.join(".gitignore");
        if !ignore.exists() {
            fs_err::write(&ignore, "*\n").map_err(io_err(&ignore))?;
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
        let (key, sha) = verifiable(build)?;
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
        let location = Location::parse(build.url.expose());
        let what = format!("Python {} (`{key}`)", build.version_string());
        let dir = self
            .fetch_and_unpack(
                &location,
                kind,
                Some(&sha),
                scratch.path(),
                &build.version_string(),
                &what,
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
            source: build.url.redacted(),
            sha256: Some(sha),
            build: build.build.clone(),
            rewritten: self.rewrite_build_values(&dir, &key)?,
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
        let kind = ArchiveKind::from_name(source)
            .ok_or_else(|| InstallError::UnknownArchive { url: source.into() })?;
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
                &format!("the archive `{}`", location.display()),
            )
            .await?;
        let exe = managed::executable(&dir);
        if !exe.exists() {
            return Err(InstallError::NoInterpreter {
                url: source.into(),
                expected: if cfg!(windows) {
                    "python/python.exe"
                } else {
                    "python/bin/python3"
                }
                .to_string(),
            });
        }
        let (version, variant) = smoke(&exe, &source.into())?;
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
            rewritten: self.rewrite_build_values(&dir, &key)?,
        };
        let path = self.commit(&dir, &meta, scratch.path())?;
        Ok(Outcome::Installed { key, path, version })
    }

    /// Unpacks the archive into `scratch` and returns the install folder,
    /// through the cache when there is one.
    async fn fetch_and_unpack(
        &self,
        location: &Location,
        kind: ArchiveKind,
        expected: Option<&str>,
        scratch: &Path,
        label: &str,
        what: &str,
    ) -> Result<PathBuf, InstallError> {
        self.through_cache(location, expected, what, |from, cache| async move {
            self.unpack_from(&from, kind, expected, scratch, label, cache.as_ref())
                .await
        })
        .await
    }

    /// Streams one source into the unpacker, hashing (and, given a cache,
    /// teeing into it) as it goes.
    async fn unpack_from(
        &self,
        location: &Location,
        kind: ArchiveKind,
        expected: Option<&str>,
        scratch: &Path,
        label: &str,
        cache: Option<&Cache>,
    ) -> Result<PathBuf, InstallError> {
        let max = self.options.max_unpack_bytes;
        let limits_for = move |len| {
            max.map_or_else(
                || Limits::for_archive(len),
                |max_bytes| Limits { max_bytes },
            )
        };
        let dest_of = |attempt: u32| scratch.join(format!("attempt-{attempt}"));
        let spooled_of = |attempt: u32| scratch.join(format!("archive-{attempt}.zip"));
        let (streamed, attempt, tee) = self
            .stream_retrying(
                location,
                label,
                cache,
                |attempt| {
                    let (dest, spooled) = (dest_of(attempt), spooled_of(attempt));
                    move |reader: &mut dyn io::BufRead, len: Option<u64>| match kind {
                        // Zip needs random access: spool it (hashing as it goes) and
                        // unpack only after the checksum matched.
                        ArchiveKind::Zip => {
                            extract::spool(reader, &spooled)
                                .map(|_| ())
                                .map_err(|source| ExtractError::Write {
                                    path: spooled,
                                    source,
                                })
                        }
                        _ => extract::extract_tar(reader, kind, &dest, limits_for(len)),
                    }
                },
                |unpacked| matches!(unpacked, Err(ExtractError::Corrupt { source, .. }) if source.kind() == io::ErrorKind::UnexpectedEof),
                |attempt| {
                    let _ = fs_err::remove_dir_all(dest_of(attempt));
                    let _ = fs_err::remove_file(spooled_of(attempt));
                },
            )
            .await?;
        let url = location.display();
        // The checksum decides first: a corrupt download that also failed to
        // unpack is reported as what it is. What it unpacked goes, so that
        // the next source (after a corrupt cache entry) starts clean.
        if let Err(e) = verify(&url, expected, &streamed.sha256) {
            let _ = fs_err::remove_dir_all(dest_of(attempt));
            let _ = fs_err::remove_file(spooled_of(attempt));
            return Err(e);
        }
        streamed.value.map_err(|source| InstallError::Extract {
            url: url.as_str().into(),
            source,
        })?;
        let dest = dest_of(attempt);
        if kind == ArchiveKind::Zip {
            let spooled = spooled_of(attempt);
            let file = fs_err::File::open(&spooled).map_err(io_err(&spooled))?;
            let limits = limits_for(Some(streamed.bytes));
            let dest_c = dest.clone();
            tokio::task::spawn_blocking(move || {
                extract::extract_zip(file.into_parts().0, &dest_c, limits)
            })
            .await
            .map_err(|e| InstallError::Io {
                path: dest.clone(),
                source: io::Error::other(e),
            })?
            .map_err(|source| InstallError::Extract {
                url: url.as_str().into(),
                source,
            })?;
            let _ = fs_err::remove_file(&spooled);
        }
        self.keep_in_cache(cache, tee, expected);
        Ok(dest)
    }

    /// The build machine's values in the unpacked install, rewritten for
    /// its final place (verified and smoke-run already, not yet visible).
    /// `None` when nothing named the build machine.
    fn rewrite_build_values(
        &self,
        dir: &Path,
        key: &str,
    ) -> Result<Option<build_values::Rewritten>, InstallError> {
        let done = build_values::rewrite(dir, &self.home.pythons().join(key))?;
        Ok((!done.files.is_empty()).then_some(done))
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
            fs_err::rename(&target, &old).map_err(io_err(&target))?;
        }
        if let Err(e) = fs_err::rename(dir, &target) {
            if had_old {
                let _ = fs_err::rename(&old, &target);
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

/// The build's install key and sha256: pyman installs nothing unverified.
fn verifiable(build: &Build) -> Result<(String, String), InstallError> {
    let key = build.install_key();
    match &build.sha256 {
        Some(sha) => Ok((key, sha.clone())),
        None => Err(InstallError::MissingChecksum {
            key,
            url: build.url.clone(),
        }),
    }
}

fn verify(url: &str, expected: Option<&str>, actual: &str) -> Result<(), InstallError> {
    match expected {
        Some(expected) if actual != expected => Err(InstallError::HashMismatch {
            url: url.into(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Runs the interpreter once: it must start, and it tells its exact version.
fn smoke(exe: &Path, url: &SafeUrl) -> Result<(Version, pyman_resolver::Variant), InstallError> {
    if !exe.exists() {
        // Named as in the archive: the scratch folder is gone by now.
        return Err(InstallError::NoInterpreter {
            url: url.clone(),
            expected: if cfg!(windows) {
                "python/python.exe"
            } else {
                "python/bin/python3"
            }
            .to_string(),
        });
    }
    probe::probe(exe).map_err(|detail| {
        if detail == probe::INTERRUPTED {
            InstallError::Interrupted
        } else {
            InstallError::Smoke {
                exe: exe.to_path_buf(),
                detail,
            }
        }
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
