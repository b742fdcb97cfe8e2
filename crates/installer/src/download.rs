//! Fetching archives: HTTP(S) with reqwest, `file://` URLs and plain paths.
//! Bytes are handed to the unpacker as they arrive, through a SHA-256 hasher,
//! with no copy of the archive on disk first.

use std::io::{self, BufRead, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::auth::{Credentials, InsecureCredentials};
use crate::url::percent_decode;
pub use crate::url::{SafeUrl, redact};
use pyman_resolver::Hint;

/// Where an archive or index is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Http(SafeUrl),
    File(PathBuf),
}

impl Location {
    /// `http(s)://…`, `file://…`, or a plain path.
    pub fn parse(s: &str) -> Location {
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            Location::Http(SafeUrl::new(s))
        } else if let Some(rest) = s.strip_prefix("file://") {
            // `file:///abs/path` and `file://localhost/abs/path`.
            let rest = rest.strip_prefix("localhost").unwrap_or(rest);
            Location::File(PathBuf::from(percent_decode(rest)))
        } else {
            Location::File(PathBuf::from(s))
        }
    }

    /// For messages: credentials in the URL are redacted.
    pub fn display(&self) -> String {
        match self {
            Location::Http(u) => u.redacted(),
            Location::File(p) => p.display().to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("the HTTP client could not be set up")]
    Client(#[source] reqwest::Error),
    #[error("cannot reach `{url}`")]
    Request {
        url: SafeUrl,
        #[source]
        source: reqwest::Error,
    },
    #[error("`{url}` refused access (HTTP {status}{})", if *status == 401 { " Unauthorized" } else { " Forbidden" })]
    Unauthorized { url: SafeUrl, status: u16 },
    #[error("`{url}` does not exist (HTTP {status})")]
    NotFound { url: SafeUrl, status: u16 },
    #[error("`{url}` answered HTTP {status}")]
    Status {
        url: SafeUrl,
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("the download of `{url}` stopped after {received} bytes{}", expected.map(|e| format!(" of {e}")).unwrap_or_default())]
    Interrupted {
        url: SafeUrl,
        received: u64,
        expected: Option<u64>,
        #[source]
        source: Option<reqwest::Error>,
    },
    #[error("cannot read `{}`", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Insecure(#[from] InsecureCredentials),
    #[error("`{url}` answered with an HTML page, not the file (a web interface's URL?)")]
    Html { url: SafeUrl },
    #[error("`{url}` is larger than the {} KiB pyman reads of such a file", limit / 1024)]
    TooLarge { url: SafeUrl, limit: u64 },
}

impl Hint for DownloadError {
    /// What to do next.
    fn hint(&self) -> Option<String> {
        Some(match self {
            DownloadError::Unauthorized { status: 401, .. } => format!(
                "the server wants credentials, or refused the ones sent: put them in `~/.netrc` (`machine HOST login USER password TOKEN`; `{}` names another file), in the mirror URL (`https://USER:TOKEN@HOST/...`), or a bearer token in `{}`",
                crate::env::NETRC,
                crate::env::PYMAN_MIRROR_TOKEN
            ),
            DownloadError::Unauthorized { .. } => {
                "the credentials were accepted but do not grant access to this file: check the account's permissions on the mirror".into()
            }
            DownloadError::NotFound { .. } => "check the URL (`--mirror`, `PYMAN_MIRROR`, `--downloads-json`)".into(),
            DownloadError::File { .. } => "check the path, or use an `https://` URL".into(),
            DownloadError::Insecure(e) => e.hint().unwrap_or_default(),
            DownloadError::Html { .. } => "use the file's direct download URL (a repository manager's raw or artifact path), not the page that shows it".into(),
            DownloadError::TooLarge { .. } => "the server sent something else than the expected file: check the URL (`--mirror`, `PYMAN_MIRROR`, `--downloads-json`)".into(),
            _ => "check the network and proxy settings (`HTTPS_PROXY`), or try a mirror with `--mirror`".into(),
        })
    }
}

impl DownloadError {
    /// Connection problems, 5xx, 408, 429 and cut-off bodies are worth
    /// another try; a 404, another 4xx or a missing file is not.
    pub fn is_retriable(&self) -> bool {
        match self {
            DownloadError::Request { source, .. } => !is_certificate_error(source),
            DownloadError::Status { status, .. } => {
                *status >= 500 || *status == 408 || *status == 429
            }
            DownloadError::Interrupted { .. } => true,
            DownloadError::Client(_)
            | DownloadError::Insecure(_)
            | DownloadError::Html { .. }
            | DownloadError::TooLarge { .. }
            | DownloadError::Unauthorized { .. }
            | DownloadError::NotFound { .. }
            | DownloadError::File { .. } => false,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            DownloadError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A TLS certificate problem will not fix itself on retry.
fn is_certificate_error(e: &reqwest::Error) -> bool {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        let text = s.to_string().to_ascii_lowercase();
        if text.contains("certificate") || text.contains("invalid peer") {
            return true;
        }
        source = s.source();
    }
    false
}

/// Progress of one download, drawn by the caller.
pub trait Progress: Send + Sync {
    fn set_total(&self, bytes: u64);
    fn advance(&self, bytes: u64);
}

/// A progress sink that draws nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn set_total(&self, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// The HTTP client, configured once per command and built on first use,
/// one per scheme: loading the system's root certificates (the CA bundle
/// and every file in `/etc/ssl/certs`, tens of milliseconds) is paid only
/// by a command that makes an `https://` request. Plain `http://` (a local
/// mirror) gets the compiled-in roots only, for a redirect to an https
/// bucket.
#[derive(Clone)]
pub struct Client {
    config: Config,
    plain: Arc<std::sync::OnceLock<reqwest::Client>>,
    tls: Arc<std::sync::OnceLock<reqwest::Client>>,
    creds: Arc<Credentials>,
}

#[derive(Debug, Clone, Copy)]
struct Config {
    connect_timeout: Duration,
    read_timeout: Option<Duration>,
    timeout: Option<Duration>,
}

impl Client {
    /// rustls with the bundled webpki roots and the system's (which honours
    /// `SSL_CERT_FILE` / `SSL_CERT_DIR`); proxies from `HTTPS_PROXY` & co.
    pub fn new(read_timeout: Duration) -> Result<Client, DownloadError> {
        Ok(Client::with_config(Config {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Some(read_timeout),
            timeout: None,
        }))
    }

    fn with_config(config: Config) -> Client {
        Client {
            config,
            plain: Arc::default(),
            tls: Arc::default(),
            creds: Arc::default(),
        }
    }

    /// The client for `url`'s scheme, built on first use.
    fn http(&self, url: &SafeUrl) -> Result<&reqwest::Client, DownloadError> {
        let https = url
            .expose()
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        let cell = if https { &self.tls } else { &self.plain };
        if let Some(c) = cell.get() {
            return Ok(c);
        }
        let mut b = reqwest::Client::builder()
            .user_agent(concat!("pyman/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(self.config.connect_timeout)
            .tls_built_in_native_certs(https);
        if let Some(t) = self.config.read_timeout {
            b = b.read_timeout(t);
        }
        if let Some(t) = self.config.timeout {
            b = b.timeout(t);
        }
        let built = b.build().map_err(DownloadError::Client)?;
        Ok(cell.get_or_init(|| built))
    }

    /// Sends these credentials where they belong (see [`Credentials`]).
    pub fn with_credentials(mut self, creds: Arc<Credentials>) -> Client {
        self.creds = creds;
        self
    }

    /// A client for small index files: a short overall timeout, so an
    /// unreachable server costs a command a few seconds at most.
    pub fn for_index(timeout: Duration) -> Result<Client, DownloadError> {
        Ok(Client::with_config(Config {
            connect_timeout: timeout.min(Duration::from_secs(3)),
            read_timeout: None,
            timeout: Some(timeout),
        }))
    }

    /// A small document, unless it is unchanged since `validators` were
    /// seen (`If-None-Match` / `If-Modified-Since`). Files are always read.
    pub async fn get_if_changed(
        &self,
        location: &Location,
        validators: &Validators,
        limit: u64,
    ) -> Result<Fetched, DownloadError> {
        let url = match location {
            Location::File(path) => {
                return read_small_file(path, limit).map(|text| Fetched::Changed {
                    text,
                    validators: Validators::default(),
                });
            }
            Location::Http(url) => url,
        };
        let mut req = self.creds.request(self.http(url)?, url)?;
        if let Some(etag) = &validators.etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &validators.last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
        let resp = req.send().await.map_err(|source| DownloadError::Request {
            url: url.clone(),
            source: source.without_url(),
        })?;
        if resp.status() == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        let resp = check_status(url, resp)?;
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let validators = Validators {
            etag: header(reqwest::header::ETAG),
            last_modified: header(reqwest::header::LAST_MODIFIED),
        };
        let text = read_capped(url, resp, limit).await?;
        Ok(Fetched::Changed { text, validators })
    }

    /// Reads a whole small document (an index JSON, a `SHA256SUMS`), at
    /// most `limit` bytes of it: a larger one is an error, never a memory
    /// or disk bill a server can run up.
    pub async fn get_text(&self, location: &Location, limit: u64) -> Result<String, DownloadError> {
        match location {
            Location::File(path) => read_small_file(path, limit),
            Location::Http(url) => {
                let resp = self.send(url).await?;
                read_capped(url, resp, limit).await
            }
        }
    }

    async fn send(&self, url: &SafeUrl) -> Result<reqwest::Response, DownloadError> {
        let resp = self
            .creds
            .request(self.http(url)?, url)?
            .send()
            .await
            .map_err(|source| DownloadError::Request {
                url: url.clone(),
                source: source.without_url(),
            })?;
        check_status(url, resp)
    }

    /// Streams `location` into `consume` on a blocking thread. Returns what
    /// `consume` returned, with the SHA-256 and size of every byte received
    /// (the rest of the stream is drained after `consume` stops reading).
    pub async fn stream<T, F>(
        &self,
        location: &Location,
        progress: Arc<dyn Progress>,
        consume: F,
    ) -> Result<Streamed<T>, DownloadError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn BufRead, Option<u64>) -> T + Send + 'static,
    {
        match location {
            Location::File(path) => {
                let path = path.clone();
                let task = tokio::task::spawn_blocking(move || {
                    let file_err = |source| DownloadError::File {
                        path: path.clone(),
                        source,
                    };
                    let file = fs_err::File::open(&path).map_err(file_err)?;
                    let len = file.metadata().map_err(file_err)?.len();
                    progress.set_total(len);
                    let mut reader = io::BufReader::with_capacity(
                        READ_BUFFER,
                        ProgressReader {
                            inner: file,
                            progress,
                        },
                    );
                    Ok(consume_hashed(
                        &mut reader,
                        Some(len),
                        consume,
                        Sha256::new(),
                    ))
                });
                task.await.map_err(|e| DownloadError::File {
                    path: location_path(location),
                    source: io::Error::other(e),
                })?
            }
            Location::Http(url) => self.stream_http(url, progress, consume).await,
        }
    }

    async fn stream_http<T, F>(
        &self,
        url: &SafeUrl,
        progress: Arc<dyn Progress>,
        consume: F,
    ) -> Result<Streamed<T>, DownloadError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn BufRead, Option<u64>) -> T + Send + 'static,
    {
        let mut resp = self.send(url).await?;
        // An archive is never a web page: a 200 with HTML is a UI's URL (or a
        // captive portal), and saying so beats "checksum mismatch".
        if resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/html"))
        {
            return Err(DownloadError::Html { url: url.clone() });
        }
        let expected = resp.content_length();
        if let Some(n) = expected {
            progress.set_total(n);
        }
        // A short queue: chunks waiting for the unpacker are fresh memory
        // (hyper reads each into a new buffer), and a long queue of them
        // costs page faults that a short one, reusing freed chunks, does
        // not. The socket's own buffer absorbs the network's bursts.
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, ()>>(4);
        let consumer = tokio::task::spawn_blocking(move || {
            let mut reader = ChannelReader {
                rx,
                current: Bytes::new(),
                pos: 0,
            };
            consume(&mut reader, expected)
        });
        // The digest is computed here, on the network task, which is otherwise
        // idle: the unpacker's thread is the critical path.
        let mut hasher = Sha256::new();
        let mut received = 0u64;
        let mut network_error = None;
        let mut consumer_gone = false;
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    progress.advance(chunk.len() as u64);
                    hasher.update(&chunk);
                    received += chunk.len() as u64;
                    // After the unpacker stops (end of the tar stream, or an
                    // error), keep reading: every byte must be hashed.
                    if !consumer_gone && tx.send(Ok(chunk)).await.is_err() {
                        consumer_gone = true;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = tx.send(Err(())).await;
                    network_error = Some(e);
                    break;
                }
            }
        }
        drop(tx);
        // The consumer only fails to join if it panicked.
        let value = consumer.await.map_err(|_| DownloadError::Interrupted {
            url: url.clone(),
            received,
            expected,
            source: None,
        })?;
        let short = expected.is_some_and(|n| received < n);
        if network_error.is_some() || short {
            return Err(DownloadError::Interrupted {
                url: url.clone(),
                received,
                expected,
                source: network_error.map(reqwest::Error::without_url),
            });
        }
        Ok(Streamed {
            value,
            sha256: hex(&hasher.finalize()),
            bytes: received,
            length: expected,
        })
    }
}

/// The response if it succeeded, else the error its status means.
fn check_status(
    url: &SafeUrl,
    resp: reqwest::Response,
) -> Result<reqwest::Response, DownloadError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let code = status.as_u16();
    let url = url.clone();
    if code == 404 || code == 410 {
        return Err(DownloadError::NotFound { url, status: code });
    }
    if code == 401 || code == 403 {
        return Err(DownloadError::Unauthorized { url, status: code });
    }
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    Err(DownloadError::Status {
        url,
        status: code,
        retry_after,
    })
}

/// HTTP cache validators of a document.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A conditional fetch's answer.
#[derive(Debug)]
pub enum Fetched {
    NotModified,
    Changed {
        text: String,
        validators: Validators,
    },
}

fn location_path(l: &Location) -> PathBuf {
    match l {
        Location::File(p) => p.clone(),
        Location::Http(u) => PathBuf::from(u.redacted()),
    }
}

/// What a stream gave: the consumer's result and the digest of the bytes.
#[derive(Debug)]
pub struct Streamed<T> {
    pub value: T,
    /// Lower-case hex SHA-256 of every byte received.
    pub sha256: String,
    pub bytes: u64,
    /// The length the source announced (`Content-Length`, a file's size).
    pub length: Option<u64>,
}

fn consume_hashed<T>(
    reader: &mut dyn BufRead,
    expected: Option<u64>,
    consume: impl FnOnce(&mut dyn BufRead, Option<u64>) -> T,
    hasher: Sha256,
) -> Streamed<T> {
    let mut hashing = Watched::new(reader, Hashing { hasher, bytes: 0 });
    let value = consume(&mut hashing, expected);
    // The unpacker stops at the end of the tar stream; hash what follows too.
    let _ = copy_buffered(&mut hashing, &mut io::sink());
    let Hashing { hasher, bytes } = hashing.watch;
    Streamed {
        value,
        sha256: hex(&hasher.finalize()),
        bytes,
        length: expected,
    }
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Reads from files go through a buffer this large (the decoders read
/// from it in place).
const READ_BUFFER: usize = 256 * 1024;

/// Copies what `reader` has left into `out`, from its buffer in place (no
/// bounce buffer); returns how many bytes.
pub fn copy_buffered(reader: &mut dyn BufRead, out: &mut dyn io::Write) -> io::Result<u64> {
    let mut total = 0;
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(total);
        }
        out.write_all(buf)?;
        let n = buf.len();
        reader.consume(n);
        total += n as u64;
    }
}

/// `Read` for a `BufRead` whose `consume` does the work (hashing, teeing):
/// every byte read goes through it.
fn read_via_buffer(reader: &mut dyn BufRead, buf: &mut [u8]) -> io::Result<usize> {
    let avail = reader.fill_buf()?;
    let n = avail.len().min(buf.len());
    buf[..n].copy_from_slice(&avail[..n]);
    reader.consume(n);
    Ok(n)
}

/// What sees every byte a [`Watched`] reader's consumer consumes.
pub trait Watch {
    fn see(&mut self, bytes: &[u8]);
}

/// A `BufRead` that shows every byte its consumer consumes to a [`Watch`]
/// (the hasher, the cache's tee), read from the inner buffer in place.
pub struct Watched<'a, W> {
    inner: &'a mut dyn BufRead,
    pub watch: W,
}

impl<'a, W: Watch> Watched<'a, W> {
    pub fn new(inner: &'a mut dyn BufRead, watch: W) -> Watched<'a, W> {
        Watched { inner, watch }
    }
}

impl<W: Watch> Read for Watched<'_, W> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read_via_buffer(self, buf)
    }
}

impl<W: Watch> BufRead for Watched<'_, W> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if n == 0 {
            // Nothing to pass on, and `fill_buf` below must not read ahead.
            return;
        }
        // The bytes being consumed are still buffered: this `fill_buf`
        // returns them without reading.
        if let Ok(buf) = self.inner.fill_buf() {
            let n = n.min(buf.len());
            self.watch.see(&buf[..n]);
            self.inner.consume(n);
        }
    }
}

/// The SHA-256 and size of what was consumed.
struct Hashing {
    hasher: Sha256,
    bytes: u64,
}

impl Watch for Hashing {
    fn see(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.bytes += bytes.len() as u64;
    }
}

struct ProgressReader<R> {
    inner: R,
    progress: Arc<dyn Progress>,
}

impl<R: Read> Read for ProgressReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

/// Network chunks as a blocking `BufRead` for the unpacker: the decoder
/// inflates straight from each chunk.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, ()>>,
    current: Bytes,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read_via_buffer(self, buf)
    }
}

impl BufRead for ChannelReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.current.len() {
            match self.rx.blocking_recv() {
                None => return Ok(&[]),
                Some(Ok(chunk)) => {
                    self.current = chunk;
                    self.pos = 0;
                }
                Some(Err(())) => {
                    return Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        "the download was interrupted",
                    ));
                }
            }
        }
        Ok(&self.current[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.current.len());
    }
}

/// The body of a small document, at most `limit` bytes.
async fn read_capped(
    url: &SafeUrl,
    mut resp: reqwest::Response,
    limit: u64,
) -> Result<String, DownloadError> {
    let too_large = || DownloadError::TooLarge {
        url: url.clone(),
        limit,
    };
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() as u64 + chunk.len() as u64 > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(source) => {
                return Err(DownloadError::Interrupted {
                    url: url.clone(),
                    received: body.len() as u64,
                    expected: resp.content_length(),
                    source: Some(source.without_url()),
                });
            }
        }
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// Small files are read synchronously, at most `limit` bytes.
fn read_small_file(path: &std::path::Path, limit: u64) -> Result<String, DownloadError> {
    let err = |source| DownloadError::File {
        path: path.to_path_buf(),
        source,
    };
    let file = fs_err::File::open(path).map_err(err)?;
    let mut body = Vec::new();
    file.take(limit + 1).read_to_end(&mut body).map_err(err)?;
    if body.len() as u64 > limit {
        return Err(DownloadError::TooLarge {
            url: SafeUrl::new(path.display().to_string()),
            limit,
        });
    }
    String::from_utf8(body).map_err(|e| err(io::Error::new(io::ErrorKind::InvalidData, e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        assert_eq!(
            Location::parse("https://x/y.tar.gz"),
            Location::Http("https://x/y.tar.gz".into())
        );
        assert_eq!(
            Location::parse("file:///tmp/a%20b.json"),
            Location::File("/tmp/a b.json".into())
        );
        assert_eq!(
            Location::parse("file://localhost/tmp/x"),
            Location::File("/tmp/x".into())
        );
        assert_eq!(
            Location::parse("./x.tar.gz"),
            Location::File("./x.tar.gz".into())
        );
    }

    #[test]
    fn hashes_everything_even_what_the_consumer_leaves() {
        let data = b"hello world, and some trailing bytes".to_vec();
        let mut r: &[u8] = &data;
        let s = consume_hashed(
            &mut r,
            None,
            |rd, _| {
                let mut five = [0u8; 5];
                rd.read_exact(&mut five).unwrap();
                five
            },
            Sha256::new(),
        );
        assert_eq!(&s.value, b"hello");
        assert_eq!(s.bytes, data.len() as u64);
        assert_eq!(s.sha256, hex(&Sha256::digest(&data)));
    }

    #[test]
    fn a_decoder_reading_in_place_is_hashed_byte_for_byte() {
        // A deflate stream followed by trailing bytes, read through a tiny
        // buffer so the decoder refills and consumes in odd amounts.
        let text: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 97).to_le_bytes())
            .collect();
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        io::Write::write_all(&mut enc, &text).unwrap();
        let mut data = enc.finish().unwrap();
        data.extend_from_slice(b"trailer the decoder never reads");
        for capacity in [1, 7, 4096] {
            let mut r = io::BufReader::with_capacity(capacity, &data[..]);
            let s = consume_hashed(
                &mut r,
                None,
                |rd, _| {
                    let mut out = Vec::new();
                    flate2::bufread::DeflateDecoder::new(&mut *rd)
                        .read_to_end(&mut out)
                        .unwrap();
                    rd.consume(0);
                    out
                },
                Sha256::new(),
            );
            assert!(s.value == text, "inflated text differs (buffer {capacity})");
            assert_eq!(s.bytes, data.len() as u64, "buffer {capacity}");
            assert_eq!(s.sha256, hex(&Sha256::digest(&data)), "buffer {capacity}");
        }
    }
}
