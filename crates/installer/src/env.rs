//! Environment variables of the installer.

/// Replaces the embedded index with this downloads JSON (URL or path).
pub const PYMAN_DOWNLOADS_JSON: &str = "PYMAN_DOWNLOADS_JSON";
/// Replaces the GitHub release base URL of every build.
pub const PYMAN_MIRROR: &str = "PYMAN_MIRROR";
/// How many times a failed download is tried again (default 3).
pub const PYMAN_HTTP_RETRIES: &str = "PYMAN_HTTP_RETRIES";
/// Seconds without data before a download counts as stalled (default 30).
pub const PYMAN_HTTP_TIMEOUT: &str = "PYMAN_HTTP_TIMEOUT";
/// Seconds to wait for another pyman's install lock (default 600).
pub const PYMAN_LOCK_TIMEOUT: &str = "PYMAN_LOCK_TIMEOUT";
/// Caps the unpacked size of an archive, in bytes (default: 20× the archive, at least 512 MiB).
pub const PYMAN_MAX_UNPACK_BYTES: &str = "PYMAN_MAX_UNPACK_BYTES";
/// Tests only: retry at once instead of backing off.
pub const PYMAN_TEST_NO_RETRY_DELAY: &str = "PYMAN_TEST_NO_RETRY_DELAY";
/// Seconds between checks for a newer python-build-standalone release
/// (default a day); `never` keeps to the cache and the embedded index.
pub const PYMAN_INDEX_TTL: &str = "PYMAN_INDEX_TTL";
/// `1`: no network at all (installs from the cache or a `file://` mirror).
pub const PYMAN_OFFLINE: &str = "PYMAN_OFFLINE";
/// Tests only: the date pyman takes as today (`YYYY-MM-DD`), for support status.
pub const PYMAN_TODAY: &str = "PYMAN_TODAY";
/// The download cache folder (default: the user cache folder, `~/.cache/pyman`
/// on Linux); several homes and users may share one.
pub const PYMAN_CACHE_DIR: &str = "PYMAN_CACHE_DIR";
/// `1`: neither read nor fill the download cache (`--no-cache`).
pub const PYMAN_NO_CACHE: &str = "PYMAN_NO_CACHE";
/// A bearer token sent to the mirror's host and port (`PYMAN_MIRROR`), and only there.
pub const PYMAN_MIRROR_TOKEN: &str = "PYMAN_MIRROR_TOKEN";
/// The netrc file with mirror credentials (default `~/.netrc`).
pub const NETRC: &str = "NETRC";
/// Hosts (`host` or `host:port`, comma-separated) that may receive
/// credentials over plain `http://`, as pip's `--trusted-host`. Loopback
/// always may; any other host gets them only over `https://` unless named here.
pub const PYMAN_INSECURE_HOST: &str = "PYMAN_INSECURE_HOST";
/// Tests only: `pyman migrate` dies at once (as by `kill -9`) at this step
/// (`built`, `cleared`, `swapped`), to prove each step leaves a consistent project.
pub const PYMAN_TEST_CRASH_AT: &str = "PYMAN_TEST_CRASH_AT";
