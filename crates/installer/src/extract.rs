//! Unpacking archives safely. Every entry is checked here rather than trusting
//! `tar::Archive::unpack` (which silently skips `..` entries and creates
//! symlinks pointing anywhere): anything that would land outside the install,
//! or that is not a file, folder or inside-pointing link, fails the install.

use fs_err as fs;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, Read, Seek};
use std::path::{Component, Path, PathBuf};

/// The archive formats pyman unpacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// `install_only[_stripped].tar.gz`: the interpreter under `python/`.
    TarGz,
    /// `full.tar.zst`: the interpreter under `python/install/`.
    TarZst,
    /// `.zip`: the interpreter under `python/`.
    Zip,
}

impl ArchiveKind {
    /// From a file name or URL (query and fragment ignored).
    pub fn from_name(name: &str) -> Option<ArchiveKind> {
        let name = name
            .split(['?', '#'])
            .next()
            .unwrap_or(name)
            .to_ascii_lowercase();
        if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Some(ArchiveKind::TarGz)
        } else if name.ends_with(".tar.zst") || name.ends_with(".tzst") {
            Some(ArchiveKind::TarZst)
        } else if name.ends_with(".zip") {
            Some(ArchiveKind::Zip)
        } else {
            None
        }
    }

    /// The folder inside the archive that becomes the install.
    fn root(self) -> &'static [&'static str] {
        match self {
            ArchiveKind::TarZst => &["python", "install"],
            ArchiveKind::TarGz | ArchiveKind::Zip => &["python"],
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("the archive entry `{entry}` is unsafe: {reason}")]
    Unsafe { entry: String, reason: &'static str },
    #[error("the archive entry `{entry}` is a {kind}, which an interpreter archive never contains")]
    UnsupportedEntry { entry: String, kind: String },
    #[error(
        "the archive unpacks to more than {limit} bytes, far beyond its size; refusing a decompression bomb"
    )]
    TooLarge { limit: u64 },
    #[error("the archive has no `{root}/` folder; it is not a python-build-standalone archive")]
    NoRoot { root: String },
    #[error("the archive is damaged or not a {kind:?} archive")]
    Corrupt {
        kind: ArchiveKind,
        #[source]
        source: io::Error,
    },
    #[error("cannot write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// How much an archive may unpack to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: u64,
}

impl Limits {
    /// cargo's rule: 512 MiB, or 20 times the archive when that is larger.
    pub fn for_archive(compressed: Option<u64>) -> Limits {
        let floor = 512 * 1024 * 1024;
        let max_bytes = match compressed {
            Some(n) => floor.max(n.saturating_mul(20)),
            None => 4 * 1024 * 1024 * 1024,
        };
        Limits { max_bytes }
    }
}

/// What to write once every regular file is in place.
enum Deferred {
    Symlink { rel: PathBuf, target: PathBuf },
    Hardlink { rel: PathBuf, source: PathBuf },
}

struct Writer<'a> {
    dest: &'a Path,
    kind: ArchiveKind,
    limits: Limits,
    written: u64,
    deferred: Vec<Deferred>,
    saw_root: bool,
    sink: FileSink,
}

/// Work for the writer thread, in archive order.
enum Op {
    Dir(PathBuf),
    File {
        path: PathBuf,
        entry: String,
        data: Vec<u8>,
        mode: u32,
    },
    /// A large file, written as its pieces arrive: never held whole in
    /// memory, whose fresh pages (zeroed, faulted in, unmapped) cost more
    /// than inflating them.
    Stream {
        path: PathBuf,
        entry: String,
        mode: u32,
        size: usize,
        pieces: std::sync::mpsc::Receiver<Vec<u8>>,
    },
}

/// Entries go to the writer in batches of this many, or of [`BATCH_BYTES`]:
/// one hand-over (a cross-thread wake-up) per batch, not per file.
const BATCH_OPS: usize = 64;
const BATCH_BYTES: usize = 1 << 20;

/// Creates folders and files on a thread of its own, so that inflating the
/// next entries (CPU) overlaps with the file system calls for the previous
/// ones. One thread keeps the archive's order, which the safety checks need.
struct FileSink {
    tx: Option<std::sync::mpsc::SyncSender<Vec<Op>>>,
    batch: Vec<Op>,
    batch_bytes: usize,
    handle: Option<std::thread::JoinHandle<Result<(), ExtractError>>>,
    /// File buffers the writer is done with, for the next entries: large
    /// ones would otherwise be mapped, zeroed and unmapped for every file.
    spent: std::sync::mpsc::Receiver<Vec<u8>>,
    pool: Vec<Vec<u8>>,
}

/// At most this many spent buffers come back, and none larger than
/// [`POOL_MAX_BYTES`]: enough to cover a batch without holding a big file's
/// memory for the rest of the archive. Files up to that size are read
/// whole; with batches of [`BATCH_BYTES`] and 8 of them queued, memory stays
/// near 20 MiB whatever the archive holds.
const POOL_BUFFERS: usize = 2 * BATCH_OPS;
const POOL_MAX_BYTES: usize = 1 << 20;

/// Files larger than [`POOL_MAX_BYTES`] go to the writer in pieces this
/// long, at most [`STREAM_AHEAD`] of them waiting for it.
const STREAM_PIECE: usize = 1 << 20;
const STREAM_AHEAD: usize = 4;

impl FileSink {
    fn new(dest: &Path) -> FileSink {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Op>>(8);
        let (give_back, spent) = std::sync::mpsc::sync_channel::<Vec<u8>>(POOL_BUFFERS);
        let mut dirs = Dirs::new(dest);
        let dest = dest.to_path_buf();
        let handle = std::thread::spawn(move || {
            fs::create_dir_all(&dest).map_err(|source| ExtractError::Write {
                path: dest.clone(),
                source,
            })?;
            for batch in rx {
                for op in batch {
                    match op {
                        Op::Dir(path) => dirs.ensure(&path)?,
                        Op::File {
                            path,
                            entry,
                            data,
                            mode,
                        } => {
                            if let Some(parent) = path.parent() {
                                dirs.ensure(parent)?;
                            }
                            write_file(&path, &entry, &data, mode)?;
                            // Returned as it is (its bytes initialized), so
                            // the next file read into it needs no zeroing. A
                            // full pool drops the buffer.
                            if data.capacity() <= POOL_MAX_BYTES {
                                let _ = give_back.try_send(data);
                            }
                        }
                        Op::Stream {
                            path,
                            entry,
                            mode,
                            size,
                            pieces,
                        } => {
                            if let Some(parent) = path.parent() {
                                dirs.ensure(parent)?;
                            }
                            let mut out = open_new(&path, &entry, mode)?;
                            let mut written = 0;
                            for piece in pieces {
                                io::Write::write_all(&mut out, &piece).map_err(|source| {
                                    ExtractError::Write {
                                        path: path.clone(),
                                        source,
                                    }
                                })?;
                                written += piece.len();
                                let _ = give_back.try_send(piece);
                            }
                            // Short only when the unpacker stopped on an error
                            // of its own (the one reported); never taken as whole.
                            if written != size {
                                return Err(ExtractError::Write {
                                    path,
                                    source: io::Error::new(
                                        io::ErrorKind::UnexpectedEof,
                                        format!("{written} of {size} bytes arrived"),
                                    ),
                                });
                            }
                        }
                    }
                }
            }
            Ok(())
        });
        FileSink {
            tx: Some(tx),
            batch: Vec::with_capacity(BATCH_OPS),
            batch_bytes: 0,
            handle: Some(handle),
            spent,
            pool: Vec::new(),
        }
    }

    /// A buffer of exactly `size` bytes to read a file into: the shortest
    /// spent one that is long enough (shortened: no zeroing), else the
    /// longest (lengthened with zeros only past its old length), else a new
    /// one.
    fn buffer(&mut self, size: usize) -> Vec<u8> {
        self.pool.extend(self.spent.try_iter());
        let fits = (0..self.pool.len())
            .filter(|&i| self.pool[i].len() >= size)
            .min_by_key(|&i| self.pool[i].len());
        let pick = fits.or_else(|| (0..self.pool.len()).max_by_key(|&i| self.pool[i].len()));
        let mut buf = pick.map_or_else(Vec::new, |i| self.pool.swap_remove(i));
        buf.resize(size, 0);
        buf
    }

    fn send(&mut self, op: Op) -> Result<(), ExtractError> {
        if let Op::File { data, .. } = &op {
            self.batch_bytes += data.len();
        }
        self.batch.push(op);
        if self.batch.len() >= BATCH_OPS || self.batch_bytes >= BATCH_BYTES {
            return self.flush();
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ExtractError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_OPS));
        self.batch_bytes = 0;
        let sent = self.tx.as_ref().is_some_and(|tx| tx.send(batch).is_ok());
        if sent {
            Ok(())
        } else {
            // The writer stopped: its error is the one to report.
            self.finish()
        }
    }

    /// Waits for every queued write; the first error wins.
    fn finish(&mut self) -> Result<(), ExtractError> {
        if !self.batch.is_empty()
            && let Some(tx) = &self.tx
        {
            let _ = tx.send(std::mem::take(&mut self.batch));
        }
        drop(self.tx.take());
        match self.handle.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(ExtractError::Write {
                path: PathBuf::new(),
                source: io::Error::other("the writer thread panicked"),
            }),
            None => Ok(()),
        }
    }
}

impl Drop for FileSink {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// The folders known to exist in the scratch tree: each is created once
/// (one `mkdir`), never probed again. The tree is new and holds no links
/// while files are written (links come last), so a folder pyman made stays
/// a folder.
struct Dirs {
    known: std::collections::HashSet<PathBuf>,
    /// The install's root, left out of the names in errors (a scratch path
    /// means nothing to the user).
    root: PathBuf,
}

impl Dirs {
    fn new(dest: &Path) -> Dirs {
        Dirs {
            known: std::collections::HashSet::from([dest.to_path_buf()]),
            root: dest.to_path_buf(),
        }
    }

    fn ensure(&mut self, dir: &Path) -> Result<(), ExtractError> {
        if self.known.contains(dir) {
            return Ok(());
        }
        if let Some(parent) = dir.parent() {
            self.ensure(parent)?;
        }
        match fs::create_dir(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                // Made by a repeated entry, or the scratch root: it must be
                // a folder, not a file written there before.
                if !fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
                    return Err(ExtractError::Unsafe {
                        entry: dir
                            .strip_prefix(&self.root)
                            .unwrap_or(dir)
                            .display()
                            .to_string(),
                        reason: "a folder over an existing file",
                    });
                }
            }
            Err(source) => {
                return Err(ExtractError::Write {
                    path: dir.to_path_buf(),
                    source,
                });
            }
        }
        self.known.insert(dir.to_path_buf());
        Ok(())
    }
}

/// One `open` (the mode set there) and one `write`; a repeated entry
/// replaces the earlier file, checked only when the name is taken.
fn write_file(path: &Path, entry: &str, data: &[u8], mode: u32) -> Result<(), ExtractError> {
    let mut out = open_new(path, entry, mode)?;
    io::Write::write_all(&mut out, data).map_err(|source| ExtractError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// A new file for `entry` at `path`, its mode set at open.
fn open_new(path: &Path, entry: &str, mode: u32) -> Result<File, ExtractError> {
    let write_err = |source| ExtractError::Write {
        path: path.to_path_buf(),
        source,
    };
    match new_file(path, mode) {
        Ok(f) => Ok(f),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            // Never open an existing path for writing (it could be anything
            // by now): a file is removed and made anew; anything else is refused.
            match fs::symlink_metadata(path) {
                Ok(md) if md.is_file() => fs::remove_file(path).map_err(write_err)?,
                _ => {
                    return Err(ExtractError::Unsafe {
                        entry: entry.to_string(),
                        reason: "a file over an existing folder or link",
                    });
                }
            }
            new_file(path, mode).map_err(write_err)
        }
        Err(e) => Err(write_err(e)),
    }
}

/// Unpacks a tar stream (`.tar.gz` or `.tar.zst`) from `reader` into `dest`,
/// keeping only the interpreter folder. `reader` is left wherever the tar
/// stream ended; the caller drains it (to finish hashing).
pub fn extract_tar(
    reader: &mut dyn BufRead,
    kind: ArchiveKind,
    dest: &Path,
    limits: Limits,
) -> Result<(), ExtractError> {
    let corrupt = |source| ExtractError::Corrupt { kind, source };
    let decoder: Box<dyn Read + '_> = match kind {
        ArchiveKind::TarGz => Box::new(Gunzip::new(reader).map_err(corrupt)?),
        ArchiveKind::TarZst => {
            Box::new(zstd::stream::read::Decoder::with_buffer(reader).map_err(corrupt)?)
        }
        ArchiveKind::Zip => {
            return Err(corrupt(io::Error::other(
                "a zip archive is not a tar stream",
            )));
        }
    };
    let mut archive = tar::Archive::new(EofSeen {
        inner: decoder,
        eof: false,
    });
    let mut w = Writer::new(dest, limits, kind);
    for entry in archive.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(rel) = w.locate(&raw, kind)? else {
            // Outside the interpreter folder (full builds' sources): checked, not written.
            continue;
        };
        let etype = entry.header().entry_type();
        let mode = entry.header().mode().unwrap_or(0o644);
        match etype {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                // The PAX header's size where there is one, as tar reads it.
                let size = entry.size();
                w.file(&rel, &raw, &mut entry, mode, size)?;
            }
            tar::EntryType::Directory => w.dir(&rel)?,
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                w.symlink(rel, &raw, &target)?;
            }
            tar::EntryType::Link => {
                let source = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                let source = w.locate(&source, kind)?.ok_or(ExtractError::Unsafe {
                    entry: raw.clone(),
                    reason: "a hard link to a file outside the install",
                })?;
                w.deferred.push(Deferred::Hardlink { rel, source });
            }
            other => {
                return Err(ExtractError::UnsupportedEntry {
                    entry: raw,
                    kind: format!("{other:?}").to_lowercase(),
                });
            }
        }
    }
    let mut rest = archive.into_inner();
    // tar stops at its end-of-archive block; reaching the end of the stream
    // first means the archive was cut at an entry boundary (half a stdlib
    // would install). GNU tar accepts that silently; pyman does not.
    if rest.eof {
        return Err(corrupt(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the archive ends without tar's end-of-archive block: it was cut short",
        )));
    }
    // The compressed stream must end whole too (a gzip trailer, a zstd
    // frame), and what follows the tar counts against the unpack budget.
    let budget = w.limits.max_bytes.saturating_sub(w.written);
    let after =
        io::copy(&mut (&mut rest.inner).take(budget + 1), &mut io::sink()).map_err(corrupt)?;
    if after > budget {
        return Err(ExtractError::TooLarge {
            limit: w.limits.max_bytes,
        });
    }
    w.finish()
}

/// Whether a reader has reported its end (a `read` of 0 into a buffer).
struct EofSeen<R> {
    inner: R,
    eof: bool,
}

impl<R: Read> Read for EofSeen<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.eof = true;
        }
        Ok(n)
    }
}

/// A `.tar.gz`'s tar stream: every gzip member in turn (`cat a.gz b.gz`,
/// pigz and some archivers write several), each member's header parsed by
/// hand and its trailer's length checked. The CRC-32 is not: every byte of
/// the archive goes through SHA-256, the stronger check, and skipping CRC-32
/// takes ~5% off the unpacking thread, the critical path of an install.
/// Inflated from the reader's buffer in place, with no copy into one of the
/// decoder's own.
struct Gunzip<'a> {
    state: Member<'a>,
}

enum Member<'a> {
    /// Inflating a member; the bytes it gave so far (mod 2^32, as gzip's ISIZE).
    Inflating(flate2::bufread::DeflateDecoder<&'a mut dyn BufRead>, u32),
    /// Between members: another may follow.
    Between(&'a mut dyn BufRead),
    Done,
}

impl<'a> Gunzip<'a> {
    fn new(reader: &'a mut dyn BufRead) -> io::Result<Gunzip<'a>> {
        gzip_header(reader)?;
        Ok(Gunzip {
            state: Member::Inflating(flate2::bufread::DeflateDecoder::new(reader), 0),
        })
    }
}

impl Read for Gunzip<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            // An error leaves `Done`: the stream is over either way.
            match std::mem::replace(&mut self.state, Member::Done) {
                Member::Inflating(mut decoder, size) => {
                    let n = decoder.read(buf)?;
                    if n > 0 || buf.is_empty() {
                        self.state = Member::Inflating(decoder, size.wrapping_add(n as u32));
                        return Ok(n);
                    }
                    let reader = decoder.into_inner();
                    let mut trailer = [0u8; 8];
                    reader.read_exact(&mut trailer).map_err(|e| {
                        io::Error::new(
                            e.kind(),
                            "the gzip stream is cut short (a member's trailer is missing)",
                        )
                    })?;
                    let isize =
                        u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
                    if isize != size {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!(
                                "a gzip member says it holds {isize} bytes, and inflated to {size}"
                            ),
                        ));
                    }
                    self.state = Member::Between(reader);
                }
                Member::Between(reader) => {
                    // Another member, or the end; anything else after a whole
                    // member is ignored, as gzip(1) does (it is hashed all the
                    // same). One byte decides: a buffer may hold only one.
                    if reader.fill_buf()?.first() != Some(&0x1f) {
                        return Ok(0);
                    }
                    gzip_header(reader)?;
                    self.state = Member::Inflating(flate2::bufread::DeflateDecoder::new(reader), 0);
                }
                Member::Done => return Ok(0),
            }
        }
    }
}

/// Reads one gzip member's header (RFC 1952), leaving `reader` at its deflate data.
fn gzip_header(mut reader: &mut dyn BufRead) -> io::Result<()> {
    let bad = |what: &str| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not a gzip stream ({what})"),
        )
    };
    let mut header = [0u8; 10];
    reader.read_exact(&mut header)?;
    if header[0..3] != [0x1f, 0x8b, 8] {
        return Err(bad("bad magic"));
    }
    let flags = header[3];
    if flags & 0xE0 != 0 {
        return Err(bad("reserved flags"));
    }
    if flags & 0x04 != 0 {
        let mut len = [0u8; 2];
        reader.read_exact(&mut len)?;
        io::copy(
            &mut (&mut reader).take(u64::from(u16::from_le_bytes(len))),
            &mut io::sink(),
        )?;
    }
    for flag in [0x08, 0x10] {
        // File name, comment: NUL-terminated.
        if flags & flag != 0 {
            let mut byte = [0u8; 1];
            loop {
                reader.read_exact(&mut byte)?;
                if byte[0] == 0 {
                    break;
                }
            }
        }
    }
    if flags & 0x02 != 0 {
        let mut crc16 = [0u8; 2];
        reader.read_exact(&mut crc16)?;
    }
    Ok(())
}

/// Unpacks a `.zip` (already on disk and verified) into `dest`.
pub fn extract_zip(file: File, dest: &Path, limits: Limits) -> Result<(), ExtractError> {
    let kind = ArchiveKind::Zip;
    let corrupt = |e: zip::result::ZipError| ExtractError::Corrupt {
        kind,
        source: io::Error::new(io::ErrorKind::InvalidData, e),
    };
    let mut archive = zip::ZipArchive::new(file).map_err(corrupt)?;
    let mut w = Writer::new(dest, limits, kind);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(corrupt)?;
        let raw = String::from_utf8_lossy(entry.name_raw()).into_owned();
        // Zip names use `/`; a `\` is either a Windows tool's mistake or an attack.
        let Some(rel) = w.locate(&raw.replace('\\', "/"), kind)? else {
            continue;
        };
        let mode = entry.unix_mode().unwrap_or(0o644);
        if entry.is_dir() {
            w.dir(&rel)?;
        } else if mode & 0o170_000 == 0o120_000 {
            let mut target = String::new();
            entry
                .read_to_string(&mut target)
                .map_err(|source| ExtractError::Corrupt { kind, source })?;
            w.symlink(rel, &raw, &target)?;
        } else {
            let size = entry.size();
            w.file(&rel, &raw, &mut entry, mode, size)?;
        }
    }
    w.finish()
}

impl<'a> Writer<'a> {
    fn new(dest: &'a Path, limits: Limits, kind: ArchiveKind) -> Self {
        Writer {
            dest,
            kind,
            limits,
            written: 0,
            deferred: Vec::new(),
            saw_root: false,
            sink: FileSink::new(dest),
        }
    }

    /// Checks an archive path and maps it into the install: `Ok(None)` for
    /// safe entries outside the interpreter folder.
    fn locate(&mut self, raw: &str, kind: ArchiveKind) -> Result<Option<PathBuf>, ExtractError> {
        let rel = safe_relative(raw)?;
        let root = kind.root();
        let parts: Vec<&std::ffi::OsStr> = rel.iter().collect();
        if parts.len() < root.len() || parts.iter().zip(root).any(|(p, r)| p != r) {
            if parts.first().is_some_and(|p| *p == "python") {
                return Ok(None);
            }
            return Err(ExtractError::Unsafe {
                entry: raw.to_string(),
                reason: "it is outside the archive's `python/` folder",
            });
        }
        self.saw_root = true;
        Ok(Some(parts[root.len()..].iter().collect()))
    }

    fn target(&self, rel: &Path) -> PathBuf {
        self.dest.join(rel)
    }

    fn dir(&mut self, rel: &Path) -> Result<(), ExtractError> {
        let path = self.target(rel);
        self.sink.send(Op::Dir(path))
    }

    fn file(
        &mut self,
        rel: &Path,
        raw: &str,
        content: &mut dyn Read,
        mode: u32,
        size: u64,
    ) -> Result<(), ExtractError> {
        if rel.as_os_str().is_empty() {
            return Err(ExtractError::Unsafe {
                entry: raw.to_string(),
                reason: "a file where the install folder should be",
            });
        }
        let budget = self.limits.max_bytes - self.written;
        // The entry's declared size, checked against the budget before a
        // byte is read; an entry shorter than it says is a corrupt archive,
        // and one longer is read no further (the format's next header
        // follows it).
        if size > budget {
            return Err(ExtractError::TooLarge {
                limit: self.limits.max_bytes,
            });
        }
        let corrupt = |source| ExtractError::Corrupt {
            kind: self.kind,
            source,
        };
        let size_usize = usize::try_from(size).map_err(|e| corrupt(io::Error::other(e)))?;
        self.written += size;
        let path = self.target(rel);
        if size_usize > POOL_MAX_BYTES {
            return self.stream(path, raw, content, mode, size_usize);
        }
        let mut data = self.sink.buffer(size_usize);
        content.read_exact(&mut data).map_err(corrupt)?;
        self.sink.send(Op::File {
            path,
            entry: raw.to_string(),
            data,
            mode,
        })
    }

    /// A large file, handed over in pieces as it is inflated. Memory stays
    /// at a few pieces whatever an unverified header claims.
    fn stream(
        &mut self,
        path: PathBuf,
        raw: &str,
        content: &mut dyn Read,
        mode: u32,
        mut left: usize,
    ) -> Result<(), ExtractError> {
        let (tx, pieces) = std::sync::mpsc::sync_channel(STREAM_AHEAD);
        let shown = path.clone();
        self.sink.send(Op::Stream {
            path,
            entry: raw.to_string(),
            mode,
            size: left,
            pieces,
        })?;
        // The writer must reach this file before its pieces can drain.
        self.sink.flush()?;
        while left > 0 {
            let mut piece = self.sink.buffer(left.min(STREAM_PIECE));
            content.read_exact(&mut piece).map_err(|e| {
                let e = if e.kind() == io::ErrorKind::UnexpectedEof {
                    io::Error::new(e.kind(), format!("`{raw}` is shorter than its header says"))
                } else {
                    e
                };
                ExtractError::Corrupt {
                    kind: self.kind,
                    source: e,
                }
            })?;
            left -= piece.len();
            if tx.send(piece).is_err() {
                // The writer stopped: its error is the one to report.
                self.sink.finish()?;
                return Err(ExtractError::Write {
                    path: shown,
                    source: io::Error::other("the writer stopped"),
                });
            }
        }
        Ok(())
    }

    fn symlink(&mut self, rel: PathBuf, raw: &str, target: &str) -> Result<(), ExtractError> {
        let unsafe_link = |reason| ExtractError::Unsafe {
            entry: format!("{raw} -> {target}"),
            reason,
        };
        if target.is_empty() || target.contains('\0') {
            return Err(unsafe_link("a link with an empty target"));
        }
        let target_path = PathBuf::from(target);
        if target_path.has_root() || target.starts_with('\\') || target.contains(':') {
            return Err(unsafe_link("a link to an absolute path"));
        }
        // Resolve lexically from the link's folder; it must stay inside the install.
        let mut depth: Vec<Component> = rel
            .parent()
            .map(|p| p.components().collect())
            .unwrap_or_default();
        for c in target_path.components() {
            match c {
                Component::ParentDir => {
                    if depth.pop().is_none() {
                        return Err(unsafe_link("a link pointing outside the install"));
                    }
                }
                Component::Normal(_) => depth.push(c),
                Component::CurDir => {}
                Component::RootDir | Component::Prefix(_) => {
                    return Err(unsafe_link("a link to an absolute path"));
                }
            }
        }
        self.deferred.push(Deferred::Symlink {
            rel,
            target: target_path,
        });
        Ok(())
    }

    /// Links last, so that no file is ever written through one.
    fn finish(mut self) -> Result<(), ExtractError> {
        self.sink.finish()?;
        if !self.saw_root {
            return Err(ExtractError::NoRoot {
                root: self.kind.root().join("/"),
            });
        }
        for d in &self.deferred {
            match d {
                Deferred::Hardlink { rel, source } => {
                    let (from, to) = (self.target(source), self.target(rel));
                    let md = fs::symlink_metadata(&from).map_err(|source| ExtractError::Write {
                        path: from.clone(),
                        source,
                    })?;
                    if !md.is_file() {
                        return Err(ExtractError::Unsafe {
                            entry: rel.display().to_string(),
                            reason: "a hard link to something that is not a file of the install",
                        });
                    }
                    self.no_link_above(rel)?;
                    let _ = fs::remove_file(&to);
                    if let Some(parent) = to.parent() {
                        fs::create_dir_all(parent).map_err(|source| ExtractError::Write {
                            path: to.clone(),
                            source,
                        })?;
                    }
                    fs::hard_link(&from, &to)
                        .or_else(|_| fs::copy(&from, &to).map(|_| ()))
                        .map_err(|source| ExtractError::Write {
                            path: to.clone(),
                            source,
                        })?;
                }
                Deferred::Symlink { .. } => {}
            }
        }
        for d in &self.deferred {
            if let Deferred::Symlink { rel, target } = d {
                self.no_link_above(rel)?;
                let path = self.target(rel);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent).map_err(|source| ExtractError::Write {
                        path: path.clone(),
                        source,
                    })?;
                }
                if fs::symlink_metadata(&path)
                    .is_ok_and(|m| m.is_file() || m.file_type().is_symlink())
                {
                    let _ = fs::remove_file(&path);
                }
                make_symlink(target, &path).map_err(|source| ExtractError::Write {
                    path: path.clone(),
                    source,
                })?;
            }
        }
        Ok(())
    }

    /// A link must not be created through another link.
    fn no_link_above(&self, rel: &Path) -> Result<(), ExtractError> {
        let mut at = self.dest.to_path_buf();
        for c in rel.parent().into_iter().flat_map(Path::components) {
            at.push(c);
            if fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(ExtractError::Unsafe {
                    entry: rel.display().to_string(),
                    reason: "it would be written through a link",
                });
            }
        }
        Ok(())
    }
}

/// A relative path of only normal components, with no control characters.
pub fn safe_relative(raw: &str) -> Result<PathBuf, ExtractError> {
    let bad = |reason| ExtractError::Unsafe {
        entry: raw.escape_debug().to_string(),
        reason,
    };
    if raw.is_empty() {
        return Err(bad("an empty name"));
    }
    if raw.chars().any(char::is_control) {
        return Err(bad("control characters in the name"));
    }
    if raw.starts_with('/') || raw.starts_with('\\') || raw.get(1..2) == Some(":") {
        return Err(bad("an absolute path"));
    }
    let mut out = PathBuf::new();
    for c in Path::new(raw).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => return Err(bad("a `..` component")),
            Component::RootDir | Component::Prefix(_) => return Err(bad("an absolute path")),
        }
    }
    if raw.split(['/', '\\']).any(|p| p == "..") {
        return Err(bad("a `..` component"));
    }
    Ok(out)
}

/// Executable bits survive; setuid, setgid, sticky and group/other write do not.
fn new_file(path: &Path, mode: u32) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if mode & 0o111 != 0 { 0o755 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = mode;
    opts.open(path)
}

#[cfg(unix)]
fn make_symlink(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn make_symlink(target: &Path, link: &Path) -> io::Result<()> {
    // Symlinks need a privilege on Windows; a copy of the target works everywhere.
    let resolved = link.parent().unwrap_or(Path::new(".")).join(target);
    if resolved.is_dir() {
        std::os::windows::fs::symlink_dir(target, link)
    } else {
        fs::copy(&resolved, link).map(|_| ())
    }
}

/// Spools a reader into a file (zip needs random access), returning it rewound.
pub fn spool(reader: &mut dyn BufRead, path: &Path) -> io::Result<File> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)?;
    crate::download::copy_buffered(reader, &mut file)?;
    file.rewind()?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_gz(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        build(&mut b);
        gz(&b.into_inner().unwrap())
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        io::Write::write_all(&mut e, data).unwrap();
        e.finish().unwrap()
    }

    fn header(path: &str, kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        // Raw bytes, so hostile names reach the extractor unchanged.
        let name = path.as_bytes();
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(mode);
        h.set_cksum();
        h
    }

    fn file(b: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8], mode: u32) {
        let h = header(path, tar::EntryType::Regular, data.len() as u64, mode);
        b.append(&h, data).unwrap();
    }

    fn link(b: &mut tar::Builder<Vec<u8>>, path: &str, target: &str, kind: tar::EntryType) {
        let mut h = header(path, kind, 0, 0o777);
        let t = target.as_bytes();
        h.as_old_mut().linkname[..t.len()].copy_from_slice(t);
        h.set_cksum();
        b.append(&h, io::empty()).unwrap();
    }

    fn run(archive: &[u8]) -> (tempfile::TempDir, Result<(), ExtractError>) {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("install");
        let mut r: &[u8] = archive;
        let res = extract_tar(&mut r, ArchiveKind::TarGz, &dest, Limits::for_archive(None));
        (dir, res)
    }

    #[test]
    fn unpacks_files_modes_and_inside_links() {
        let a = tar_gz(|b| {
            file(b, "python/bin/python3.12", b"#!elf", 0o4755);
            file(b, "python/lib/python3.12/os.py", b"# os", 0o666);
            link(
                b,
                "python/bin/python3",
                "python3.12",
                tar::EntryType::Symlink,
            );
            link(
                b,
                "python/lib/libfoo.so",
                "python/lib/python3.12/os.py",
                tar::EntryType::Link,
            );
            link(
                b,
                "python/lib/up",
                "../bin/python3",
                tar::EntryType::Symlink,
            );
        });
        let (dir, res) = run(&a);
        res.unwrap();
        let root = dir.path().join("install");
        assert_eq!(fs::read(root.join("bin/python3")).unwrap(), b"#!elf");
        assert_eq!(fs::read(root.join("lib/libfoo.so")).unwrap(), b"# os");
        assert_eq!(fs::read(root.join("lib/up")).unwrap(), b"#!elf");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &str| fs::metadata(root.join(p)).unwrap().permissions().mode() & 0o7777;
            assert_eq!(mode("bin/python3.12"), 0o755, "setuid dropped, exec kept");
            assert_eq!(mode("lib/python3.12/os.py"), 0o644, "world-write dropped");
        }
    }

    #[test]
    fn hostile_entries_fail_and_write_nothing_outside() {
        let cases: Vec<(&str, Vec<u8>)> = vec![
            (
                "dotdot",
                tar_gz(|b| file(b, "python/../../evil", b"x", 0o644)),
            ),
            (
                "absolute",
                tar_gz(|b| file(b, "/tmp/pyman-evil-abs", b"x", 0o644)),
            ),
            ("outside root", tar_gz(|b| file(b, "evil.txt", b"x", 0o644))),
            (
                "symlink out",
                tar_gz(|b| {
                    link(
                        b,
                        "python/lib/evil",
                        "../../../../etc/passwd",
                        tar::EntryType::Symlink,
                    )
                }),
            ),
            (
                "symlink abs",
                tar_gz(|b| link(b, "python/lib/evil", "/etc/passwd", tar::EntryType::Symlink)),
            ),
            (
                "hardlink out",
                tar_gz(|b| link(b, "python/lib/evil", "../etc/passwd", tar::EntryType::Link)),
            ),
            (
                "hardlink abs",
                tar_gz(|b| link(b, "python/lib/evil", "/etc/passwd", tar::EntryType::Link)),
            ),
            (
                "fifo",
                tar_gz(|b| {
                    b.append(
                        &header("python/fifo", tar::EntryType::Fifo, 0, 0o644),
                        io::empty(),
                    )
                    .unwrap()
                }),
            ),
            (
                "device",
                tar_gz(|b| {
                    b.append(
                        &header("python/dev", tar::EntryType::Char, 0, 0o644),
                        io::empty(),
                    )
                    .unwrap()
                }),
            ),
            ("control", tar_gz(|b| file(b, "python/a\nb", b"x", 0o644))),
            (
                "write through link",
                tar_gz(|b| {
                    link(b, "python/lib", "bin", tar::EntryType::Symlink);
                    file(b, "python/bin/x", b"x", 0o644);
                    link(b, "python/lib/y", "x", tar::EntryType::Symlink);
                }),
            ),
            (
                "no root",
                tar_gz(|b| file(b, "pythonx/bin/python3", b"x", 0o644)),
            ),
            ("not gzip", b"this is not a gzip stream at all".to_vec()),
        ];
        for (name, archive) in cases {
            let (dir, res) = run(&archive);
            assert!(res.is_err(), "{name}: extracted without error");
            // Nothing was written next to the install folder.
            let siblings: Vec<_> = fs::read_dir(dir.path())
                .unwrap()
                .flatten()
                .map(|e| e.file_name())
                .collect();
            assert!(
                siblings.iter().all(|s| s == "install"),
                "{name}: {siblings:?}"
            );
            assert!(!Path::new("/tmp/pyman-evil-abs").exists());
        }
    }

    #[test]
    fn refuses_decompression_bombs() {
        let zeros = vec![0u8; 4 * 1024 * 1024];
        let a = tar_gz(|b| file(b, "python/big", &zeros, 0o644));
        let dir = tempfile::tempdir().unwrap();
        let mut r: &[u8] = &a;
        let err = extract_tar(
            &mut r,
            ArchiveKind::TarGz,
            &dir.path().join("i"),
            Limits {
                max_bytes: 1024 * 1024,
            },
        )
        .unwrap_err();
        assert!(matches!(err, ExtractError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn large_files_arrive_whole_in_pieces_and_cut_ones_fail() {
        // Past the pooled size: streamed to the writer in pieces.
        let size = POOL_MAX_BYTES + 3 * STREAM_PIECE + 17;
        let data: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
        let a = tar_gz(|b| {
            file(b, "python/lib/libpython.so", &data, 0o755);
            file(b, "python/lib/after.py", b"after", 0o644);
        });
        let (dir, res) = run(&a);
        res.unwrap();
        let lib = dir.path().join("install/lib/libpython.so");
        assert!(
            std::fs::read(&lib).unwrap() == data,
            "the large file differs"
        );
        assert_eq!(
            std::fs::read(dir.path().join("install/lib/after.py")).unwrap(),
            b"after"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&lib).unwrap().permissions().mode();
            assert_eq!(mode & 0o111, 0o111, "{mode:o}");
        }

        // The tar stream cut inside the large file (no end-of-archive): an
        // error naming the entry, not a hang or a short file taken as whole.
        let mut b = tar::Builder::new(Vec::new());
        file(&mut b, "python/lib/libpython.so", &data, 0o755);
        let tar = b.into_inner().unwrap();
        let cut = &tar[..512 + POOL_MAX_BYTES + STREAM_PIECE / 2];
        let (_dir, res) = run(&gz(cut));
        let err = res.unwrap_err();
        let ExtractError::Corrupt { source, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(
            source
                .to_string()
                .contains("`python/lib/libpython.so` is shorter"),
            "{source}"
        );
    }

    fn three_files() -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, body) in [("a", "first"), ("b", "second"), ("c", "third")] {
            file(
                &mut b,
                &format!("python/lib/{name}.py"),
                body.as_bytes(),
                0o644,
            );
        }
        b.into_inner().unwrap()
    }

    fn untar(archive: &[u8]) -> Result<Vec<String>, ExtractError> {
        let (dir, res) = run(archive);
        res?;
        Ok(["a", "b", "c"]
            .iter()
            .map(|n| {
                std::fs::read_to_string(dir.path().join(format!("install/lib/{n}.py")))
                    .unwrap_or_default()
            })
            .collect())
    }

    #[test]
    fn every_gzip_member_is_unpacked() {
        let tar = three_files();
        let whole = vec!["first".to_string(), "second".into(), "third".into()];
        // Split at an entry boundary (1,024: a's header and data) and inside
        // an entry (700): `cat a.gz b.gz` is one valid gzip stream.
        for cut in [1024, 700, 1] {
            let mut two = gz(&tar[..cut]);
            two.extend(gz(&tar[cut..]));
            assert_eq!(untar(&two).unwrap(), whole, "split at {cut}");
        }
        // Bytes after the last member are ignored, as gzip(1) does.
        let mut trailing = gz(&tar);
        trailing.extend_from_slice(b"\0\0\0garbage");
        assert_eq!(untar(&trailing).unwrap(), whole);
    }

    #[test]
    fn cut_or_unended_streams_are_damaged() {
        let tar = three_files();
        let damaged = |archive: &[u8], why: &str| {
            let err = untar(archive).unwrap_err();
            let ExtractError::Corrupt { source, .. } = &err else {
                panic!("{why}: {err:?}")
            };
            source.to_string()
        };
        let whole = gz(&tar);
        // Cut in the gzip trailer: the tar inside is whole, the stream is not.
        for short in [1, 4, 8] {
            let msg = damaged(&whole[..whole.len() - short], "trailer");
            assert!(msg.contains("cut short"), "{short}: {msg}");
        }
        // A trailer whose length disagrees.
        let mut lying = whole.clone();
        let n = lying.len();
        lying[n - 1] ^= 1;
        assert!(damaged(&lying, "isize").contains("inflated to"));
        // A well-formed gzip of a tar cut at an entry boundary, with no
        // end-of-archive block: half an install, refused.
        let msg = damaged(&gz(&tar[..1024]), "no end block");
        assert!(msg.contains("end-of-archive"), "{msg}");
    }

    #[test]
    fn a_pax_size_is_the_size() {
        // A PAX record saying 10 bytes before a header saying 3: tar reads
        // 10, and so must the file (not 3, with the rest skipped unsaid).
        let a = tar_gz(|b| {
            let record = b"11 size=10\n";
            let h = header("python/././@PaxHeader", tar::EntryType::XHeader, 11, 0o644);
            b.append(&h, &record[..]).unwrap();
            let h = header("python/lib/data.txt", tar::EntryType::Regular, 3, 0o644);
            b.append(&h, &b"0123456789"[..]).unwrap();
        });
        let (dir, res) = run(&a);
        res.unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("install/lib/data.txt")).unwrap(),
            b"0123456789"
        );
    }

    #[test]
    fn zip_slip_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for (name, entry) in [
            ("dotdot", "python/../../evil"),
            ("backslash", "python\\..\\..\\evil"),
            ("abs", "/evil"),
        ] {
            let path = dir.path().join(format!("{name}.zip"));
            let mut z = zip::ZipWriter::new(File::create(&path).unwrap());
            z.start_file(
                "python/python.exe",
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            io::Write::write_all(&mut z, b"MZ").unwrap();
            z.start_file(entry, zip::write::SimpleFileOptions::default())
                .unwrap();
            io::Write::write_all(&mut z, b"x").unwrap();
            z.finish().unwrap();
            let dest = dir.path().join(format!("out-{name}"));
            let res = extract_zip(File::open(&path).unwrap(), &dest, Limits::for_archive(None));
            assert!(res.is_err(), "{name}");
            assert!(!dir.path().join("evil").exists());
        }
    }

    #[test]
    fn archive_kinds() {
        assert_eq!(
            ArchiveKind::from_name("x-install_only_stripped.tar.gz"),
            Some(ArchiveKind::TarGz)
        );
        assert_eq!(
            ArchiveKind::from_name("https://h/x-full.tar.zst?raw=1"),
            Some(ArchiveKind::TarZst)
        );
        assert_eq!(ArchiveKind::from_name("X.ZIP"), Some(ArchiveKind::Zip));
        assert_eq!(ArchiveKind::from_name("x.tar.xz"), None);
    }
}
