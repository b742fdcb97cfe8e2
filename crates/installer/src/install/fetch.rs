//! The fetch engine shared by installs and `pyman mirror`: the download
//! cache (hits read without the lock, one download per archive under it),
//! retries with backoff, checksum verification, and offline mode.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::cache::{Cache, Tee};
use crate::download::{DownloadError, Location, Streamed};
use crate::index::Build;
use crate::lock::{self, LockError};

use super::error::io_err;
use super::{InstallError, Installer, verifiable, verify};

impl Installer {
    /// Runs `run` on the cached copy of the archive with this sha256, else on
    /// `location` with the cache to fill (`Some` only then). A cached archive
    /// is read without the lock (entries never change once renamed in), so a
    /// fleet sharing the cache unpacks in parallel; only a miss takes the
    /// lock, and looks again once it has it: one download per archive across
    /// every home sharing the cache. `run` verifies the bytes either way; a
    /// cached copy that fails is removed and fetched again.
    pub(super) async fn through_cache<T, F>(
        &self,
        location: &Location,
        sha: Option<&str>,
        what: &str,
        run: impl Fn(Location, Option<Cache>) -> F,
    ) -> Result<T, InstallError>
    where
        F: Future<Output = Result<T, InstallError>>,
    {
        let cache = match (&self.options.cache, sha, location) {
            (Some(c), Some(sha), Location::Http(_)) => Some((c, sha)),
            _ => None,
        };
        let Some((cache, sha)) = cache else {
            self.check_online(location, what)?;
            return run(location.clone(), None).await;
        };
        let mut lock = None;
        loop {
            if let Some(path) = cache.get(sha) {
                drop(lock.take());
                match run(Location::File(path), None).await {
                    Err(InstallError::HashMismatch { .. }) => {
                        self.reporter.message(&format!(
                            "The cached archive of {what} was corrupt; removed it, downloading again"
                        ));
                        cache.remove(sha);
                    }
                    done => return done,
                }
            }
            if lock.is_some() {
                break;
            }
            match self.cache_lock(cache, sha, what).await {
                Ok(l) => lock = Some(l),
                // A shared cache this user may read but not lock (another
                // user's folder): download into this install's own scratch,
                // without filling the cache, rather than fail.
                Err(InstallError::Lock(LockError::Open { path, source })) => {
                    self.reporter.message(&format!(
                        "The download cache cannot be locked here (`{}`: {source}); downloading without it",
                        path.display()
                    ));
                    self.check_online(location, what)?;
                    return run(location.clone(), None).await;
                }
                Err(e) => return Err(e),
            }
        }
        self.check_online(location, what)?;
        run(location.clone(), Some(cache.clone())).await
    }

    /// Downloads a verified copy of `build`'s archive to `dest` (renamed in
    /// whole), from the cache when it holds it. Returns whether it came from
    /// the build's own URL rather than the cache. For `pyman mirror`.
    pub async fn fetch_to(&self, build: &Build, dest: &Path) -> Result<bool, InstallError> {
        let (key, sha) = verifiable(build)?;
        let what = format!("Python {} (`{key}`)", build.version_string());
        let location = Location::parse(build.url.expose());
        let dir = dest.parent().unwrap_or(Path::new("."));
        fs_err::create_dir_all(dir).map_err(io_err(dir))?;
        let (sha, key, source) = (sha.as_str(), key.as_str(), &location);
        self.through_cache(&location, Some(sha), &what, |from, cache| async move {
            self.copy_verified(&from, sha, dest, key, cache.as_ref())
                .await
                .map(|()| from == *source)
        })
        .await
    }

    async fn copy_verified(
        &self,
        location: &Location,
        sha: &str,
        dest: &Path,
        label: &str,
        cache: Option<&Cache>,
    ) -> Result<(), InstallError> {
        let dir = dest.parent().unwrap_or(Path::new("."));
        let tmp = crate::fsafe::temp_builder()
            .prefix(".download-")
            .tempfile_in(dir)
            .map_err(io_err(dir))?;
        let (streamed, _, tee) = self
            .stream_retrying(
                location,
                label,
                cache,
                |_| {
                    let file = tmp.as_file().try_clone();
                    move |reader: &mut dyn io::BufRead, _| -> io::Result<u64> {
                        let mut file = file?;
                        file.set_len(0)?;
                        io::Seek::rewind(&mut file)?;
                        crate::download::copy_buffered(reader, &mut file)
                    }
                },
                |_| false,
                |_| {},
            )
            .await?;
        verify(&location.display(), Some(sha), &streamed.sha256)?;
        streamed.value.map_err(io_err(dest))?;
        tmp.persist(dest).map_err(|e| InstallError::Io {
            path: dest.to_path_buf(),
            source: e.error,
        })?;
        self.keep_in_cache(cache, tee, Some(sha));
        Ok(())
    }

    /// Streams `location` into the consumer made for each attempt, retrying
    /// what is worth retrying. Returns the stream, the attempt that
    /// succeeded and, given a cache, the complete copy of the bytes.
    /// `ended_early` says whether the consumer found its data cut short.
    pub(super) async fn stream_retrying<T, F>(
        &self,
        location: &Location,
        label: &str,
        cache: Option<&Cache>,
        mut consumer_for: impl FnMut(u32) -> F,
        ended_early: impl Fn(&T) -> bool,
        cleanup: impl Fn(u32),
    ) -> Result<(Streamed<T>, u32, Option<tempfile::NamedTempFile>), InstallError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn io::BufRead, Option<u64>) -> T + Send + 'static,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            // A cache file that cannot be made costs only the cache entry.
            let tee = cache.and_then(|c| c.begin().ok());
            let tee_file = tee.as_ref().and_then(|t| t.as_file().try_clone().ok());
            let consume = consumer_for(attempt);
            let result = self
                .client
                .stream(
                    location,
                    self.reporter.progress(label),
                    move |reader, len| match tee_file {
                        Some(file) => {
                            let mut tee = Tee::copying_to(reader, file);
                            let value = consume(&mut tee, len);
                            let complete = tee.finish().is_some();
                            (value, complete)
                        }
                        None => (consume(reader, len), false),
                    },
                )
                .await;
            // With no announced length, a body cut off by a closed connection
            // looks whole to HTTP; the consumer, finding its archive ending
            // mid-way, knows better: a cut download, retried as one (not a
            // checksum mismatch that says "tampered with").
            let result = result.and_then(|s| match location {
                Location::Http(url) if s.length.is_none() && ended_early(&s.value.0) => {
                    Err(DownloadError::Interrupted {
                        url: url.clone(),
                        received: s.bytes,
                        expected: None,
                        source: None,
                    })
                }
                _ => Ok(s),
            });
            match result {
                Ok(s) => {
                    let (value, complete) = s.value;
                    let streamed = Streamed {
                        value,
                        sha256: s.sha256,
                        bytes: s.bytes,
                        length: s.length,
                    };
                    return Ok((streamed, attempt, tee.filter(|_| complete)));
                }
                Err(e) if e.is_retriable() && attempt <= self.options.retries => {
                    let delay = self.delay(attempt, e.retry_after());
                    self.reporter.message(&format!(
                        "Retrying in {:.1}s ({e}; attempt {} of {})",
                        delay.as_secs_f32(),
                        attempt + 1,
                        self.options.retries + 1
                    ));
                    cleanup(attempt);
                    tokio::time::sleep(delay).await;
                }
                Err(source) => {
                    return Err(InstallError::Download {
                        url: location.display().into(),
                        attempts: attempt,
                        source,
                    });
                }
            }
        }
    }

    /// Renames a verified download into the cache; a failure there only
    /// means the next install downloads again.
    pub(super) fn keep_in_cache(
        &self,
        cache: Option<&Cache>,
        tee: Option<tempfile::NamedTempFile>,
        sha: Option<&str>,
    ) {
        if let (Some(cache), Some(tee), Some(sha)) = (cache, tee, sha)
            && let Err(e) = cache.commit(tee, sha)
        {
            self.reporter.message(&format!(
                "Could not keep the download in the cache `{}`: {e}",
                cache.root().display()
            ));
        }
    }

    pub(super) async fn cache_lock(
        &self,
        cache: &Cache,
        sha: &str,
        what: &str,
    ) -> Result<lock::FileLock, InstallError> {
        let root = cache.root().to_path_buf();
        let cache = cache.clone();
        let (sha, what) = (sha.to_string(), what.to_string());
        let timeout = self.options.lock_timeout;
        let reporter = Arc::clone(&self.reporter);
        tokio::task::spawn_blocking(move || {
            cache.lock(&sha, &what, timeout, || {
                reporter.message(&format!(
                    "Waiting for another pyman to finish downloading {what} into the cache `{}`",
                    cache.root().display()
                ));
            })
        })
        .await
        .map_err(|e| InstallError::Io {
            path: root,
            source: io::Error::other(e),
        })?
        .map_err(InstallError::from)
    }

    pub(super) fn check_online(&self, location: &Location, what: &str) -> Result<(), InstallError> {
        if self.options.offline && matches!(location, Location::Http(_)) {
            return Err(InstallError::Offline {
                what: what.to_string(),
                url: location.display().into(),
                cache: self.options.cache.as_ref().map(|c| c.root().to_path_buf()),
            });
        }
        Ok(())
    }

    pub(super) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
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
}
