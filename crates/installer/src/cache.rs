//! The download cache: archives kept by their sha256, so reinstalls, other
//! `PYMAN_HOME`s and `pyman mirror` read them instead of the network. Shared
//! by several homes and users (`PYMAN_CACHE_DIR`): every entry is written to
//! a temporary file and renamed in only once its hash matched, and a lock per
//! archive makes concurrent installs download it once.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::download::{Watch, Watched};
use crate::fsafe::{self, Sharing};
use crate::lock::{self, FileLock, LockError};
use pyman_resolver::Hint;

/// A cache folder: `archives/<sha256>`, `tmp/`, `locks/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cache {
    root: PathBuf,
    sharing: Sharing,
}

/// A cache folder pyman will not use, and why.
#[derive(Debug, thiserror::Error)]
#[error("the download cache `{}` is not used: {why}", root.display())]
pub struct Untrusted {
    pub root: PathBuf,
    pub why: fsafe::Untrusted,
}

impl Hint for Untrusted {
    fn hint(&self) -> Option<String> {
        Some(format!(
            "downloads go without the cache; use a cache of your own (`{}`), or set the shared one up as docs/installing.md says (a setgid group folder)",
            crate::env::PYMAN_CACHE_DIR
        ))
    }
}

/// One cached archive.
#[derive(Debug, Clone)]
pub struct Entry {
    pub sha256: String,
    pub path: PathBuf,
    pub bytes: u64,
    pub modified: SystemTime,
}

impl Cache {
    /// A cache at `root`, unchecked (for listing and cleaning one's own).
    pub fn new(root: impl Into<PathBuf>) -> Cache {
        Cache {
            root: root.into(),
            sharing: Sharing::Private,
        }
    }

    /// A cache at `root` that installs may read and fill: its owner and
    /// mode, and those of its folders, are checked first (another user
    /// could otherwise plant links that make pyman write elsewhere).
    pub fn open(root: impl Into<PathBuf>) -> Result<Cache, Untrusted> {
        let root = root.into();
        let untrusted = |why| Untrusted {
            root: root.clone(),
            why,
        };
        let sharing = fsafe::check_root(&root).map_err(untrusted)?;
        // Resolved once: an admin's link to the folder is fine, and what is
        // checked is what is used.
        let real = fs_err::canonicalize(&root).unwrap_or_else(|_| root.clone());
        for child in ["archives", "locks", "tmp"] {
            fsafe::check_child(&real, child, sharing).map_err(untrusted)?;
        }
        Ok(Cache {
            root: real,
            sharing,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn archives(&self) -> PathBuf {
        self.root.join("archives")
    }

    /// Where the archive with this sha256 lives (whether or not it is there).
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.archives().join(sha256.to_ascii_lowercase())
    }

    /// The cached archive, if any. Its content is verified by whoever reads it.
    pub fn get(&self, sha256: &str) -> Option<PathBuf> {
        if !is_sha256(sha256) {
            return None;
        }
        let p = self.path_of(sha256);
        // A link is not an entry (whoever planted it).
        std::fs::symlink_metadata(&p)
            .is_ok_and(|m| m.is_file())
            .then_some(p)
    }

    /// Takes the lock of one archive, so that one process downloads it
    /// while the others wait and then read it from the cache.
    pub fn lock(
        &self,
        sha256: &str,
        what: &str,
        timeout: Duration,
        on_wait: impl FnOnce(),
    ) -> Result<FileLock, LockError> {
        let path = self
            .root
            .join("locks")
            .join(format!("{}.lock", sha256.to_ascii_lowercase()));
        let lock = lock::acquire(&path, what, timeout, on_wait)?;
        if let Some(f) = lock.file() {
            fsafe::share_file(f, self.sharing);
        }
        Ok(lock)
    }

    /// A temporary file in the cache, renamed in by [`Cache::commit`].
    /// Downloads a killed pyman left (untouched for ten minutes: a live one
    /// writes as it goes) are removed first.
    pub fn begin(&self) -> io::Result<tempfile::NamedTempFile> {
        let tmp = self.root.join("tmp");
        for dir in [&tmp, &self.archives()] {
            // Not followed if it is a link (checked at open; made here if gone).
            if std::fs::symlink_metadata(dir).is_err() {
                fs_err::create_dir_all(dir)?;
                fsafe::share_dir(dir, self.sharing);
            }
        }
        sweep_stale_downloads(&tmp);
        let file = fsafe::temp_builder().prefix("download-").tempfile_in(tmp)?;
        if let Ok(mut active) = ACTIVE_DOWNLOADS.lock() {
            active.retain(|p| p.exists());
            active.push(file.path().to_path_buf());
        }
        Ok(file)
    }

    /// Moves a fully written, verified archive into the cache.
    pub fn commit(&self, mut file: tempfile::NamedTempFile, sha256: &str) -> io::Result<PathBuf> {
        file.as_file_mut().flush()?;
        let dest = self.path_of(sha256);
        fsafe::share_file(file.as_file(), self.sharing);
        file.persist(&dest).map_err(|e| e.error)?;
        Ok(dest)
    }

    /// Drops an entry that failed verification.
    pub fn remove(&self, sha256: &str) {
        let _ = fs_err::remove_file(self.path_of(sha256));
    }

    /// Every cached archive.
    pub fn entries(&self) -> io::Result<Vec<Entry>> {
        let mut out = Vec::new();
        let dir = match fs_err::read_dir(self.archives()) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        for entry in dir {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let md = entry.metadata()?;
            if !md.is_file() || !is_sha256(&name) {
                continue;
            }
            out.push(Entry {
                sha256: name,
                path: entry.path(),
                bytes: md.len(),
                modified: md.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            });
        }
        out.sort_by(|a, b| a.sha256.cmp(&b.sha256));
        Ok(out)
    }

    /// Removes archives last written more than `older_than` ago (all when
    /// `None`), and temporary files left by killed downloads. Returns what
    /// was removed.
    pub fn clean(&self, older_than: Option<Duration>) -> io::Result<Vec<Entry>> {
        let now = SystemTime::now();
        let mut removed = Vec::new();
        for e in self.entries()? {
            let age = now.duration_since(e.modified).unwrap_or_default();
            if older_than.is_none_or(|limit| age >= limit) {
                fs_err::remove_file(&e.path)?;
                removed.push(e);
            }
        }
        if older_than.is_none() {
            // A temporary file another process is writing is open, and removing
            // its name only loses that one cache entry: clean all.
            let _ = fs_err::remove_dir_all(self.root.join("tmp"));
        }
        Ok(removed)
    }
}

/// This process's downloads in progress, removed on Ctrl-C (a destructor
/// does not run on `exit`).
static ACTIVE_DOWNLOADS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes this process's partial downloads; for a Ctrl-C handler.
pub fn remove_active_downloads() {
    if let Ok(active) = ACTIVE_DOWNLOADS.lock() {
        for p in active.iter() {
            let _ = fs_err::remove_file(p);
        }
    }
}

/// How long a partial download may sit unwritten before it counts as left
/// by a killed pyman.
const STALE_DOWNLOAD: Duration = Duration::from_secs(600);

fn sweep_stale_downloads(tmp: &Path) {
    let Ok(entries) = fs_err::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry.file_name().to_string_lossy().starts_with("download-")
            && entry.metadata().is_ok_and(|m| {
                m.is_file()
                    && m.modified()
                        .ok()
                        .and_then(|t| SystemTime::now().duration_since(t).ok())
                        .is_some_and(|age| age > STALE_DOWNLOAD)
            });
        if stale {
            // Another user's, in a shared cache, stays (the sticky bit).
            let _ = fs_err::remove_file(entry.path());
        }
    }
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A reader that copies every byte its consumer consumes into a file. A
/// write error (a full disk) only loses the cache entry, never the install:
/// writing stops and [`Tee::finish`] returns `None`.
pub type Tee<'a> = Watched<'a, TeeFile>;

/// The cache file a [`Tee`] writes.
pub struct TeeFile {
    /// Buffered: the consumer consumes a tar header, a file, its padding at
    /// a time, and each would otherwise be a `write` of its own.
    file: Option<io::BufWriter<File>>,
}

const TEE_BUFFER: usize = 256 * 1024;

impl Watch for TeeFile {
    fn see(&mut self, bytes: &[u8]) {
        if let Some(f) = &mut self.file
            && f.write_all(bytes).is_err()
        {
            self.file = None;
        }
    }
}

impl<'a> Tee<'a> {
    pub fn copying_to(inner: &'a mut dyn io::BufRead, file: File) -> Tee<'a> {
        Watched::new(
            inner,
            TeeFile {
                file: Some(io::BufWriter::with_capacity(TEE_BUFFER, file)),
            },
        )
    }

    /// Reads what the consumer left, so the file holds the whole archive.
    pub fn finish(mut self) -> Option<File> {
        let _ = crate::download::copy_buffered(&mut self, &mut io::sink());
        self.watch.file.take().and_then(|w| w.into_inner().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    const SHA: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    #[test]
    fn the_tee_keeps_every_byte_once_whatever_the_consumer_reads() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tee");
        let mut inner = io::BufReader::with_capacity(13, &data[..]);
        let mut tee = Tee::copying_to(&mut inner, File::create(&path).unwrap());
        // Mixed use: a read, consume of part of a buffer, consume(0), then
        // the consumer stops and `finish` drains the rest.
        let mut first = [0u8; 5];
        tee.read_exact(&mut first).unwrap();
        let avail = io::BufRead::fill_buf(&mut tee).unwrap().len();
        io::BufRead::consume(&mut tee, avail / 2);
        io::BufRead::consume(&mut tee, 0);
        let mut more = vec![0u8; 1000];
        tee.read_exact(&mut more).unwrap();
        assert_eq!(&more[..], &data[5 + avail / 2..5 + avail / 2 + 1000]);
        tee.finish().unwrap();
        assert!(
            std::fs::read(&path).unwrap() == data,
            "the tee's copy differs"
        );
    }

    #[test]
    fn downloads_a_killed_pyman_left_are_swept_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        drop(cache.begin().unwrap());
        let tmp = dir.path().join("tmp");
        let old = tmp.join("download-old");
        let live = tmp.join("download-live");
        let other = tmp.join("notes");
        for p in [&old, &live, &other] {
            std::fs::write(p, b"partial").unwrap();
        }
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        for p in [&old, &other] {
            File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
        }
        let _f = cache.begin().unwrap();
        assert!(!old.exists(), "a stale partial download stays");
        assert!(live.exists() && other.exists());
        // Ctrl-C's removal (`remove_active_downloads`) acts on the whole
        // process, so the end-to-end Ctrl-C test checks it, not this one.
    }

    #[test]
    fn entries_appear_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        assert!(cache.get(SHA).is_none());
        let mut f = cache.begin().unwrap();
        f.write_all(b"archive").unwrap();
        assert!(cache.get(SHA).is_none(), "not before commit");
        assert!(cache.entries().unwrap().is_empty());
        cache.commit(f, SHA).unwrap();
        assert_eq!(std::fs::read(cache.get(SHA).unwrap()).unwrap(), b"archive");
        let entries = cache.entries().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].bytes, 7);
        assert!(cache.get("../etc/passwd").is_none());
    }

    #[test]
    fn clean_keeps_recent_entries_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let f = cache.begin().unwrap();
        cache.commit(f, SHA).unwrap();
        let kept = cache.clean(Some(Duration::from_secs(3600))).unwrap();
        assert!(kept.is_empty());
        assert!(cache.get(SHA).is_some());
        assert_eq!(cache.clean(None).unwrap().len(), 1);
        assert!(cache.get(SHA).is_none());
    }

    #[test]
    fn tee_copies_what_the_consumer_read_and_what_it_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("copy");
        let data = b"0123456789".to_vec();
        let mut src: &[u8] = &data;
        let mut tee = Tee::copying_to(&mut src, File::create(&path).unwrap());
        let mut first = [0u8; 4];
        tee.read_exact(&mut first).unwrap();
        assert!(tee.finish().is_some());
        assert_eq!(std::fs::read(&path).unwrap(), data);
    }
}
