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
