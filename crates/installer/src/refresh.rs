//! Keeping the list of builds current: python-build-standalone's newest
//! release, read from its two small release files, cached in `PYMAN_HOME`
//! for a time to live, revalidated with conditional requests, and merged
//! over the embedded index. Any failure falls back to the cache, then to
//! the embedded index; a refresh never fails a command.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pyman_resolver::PymanHome;
use serde::{Deserialize, Serialize};

use crate::download::{Client, Fetched, Location, Validators};
use crate::index::Build;
use crate::pbs_release::{self, LatestRelease};

/// How often the release is checked: once a day by default.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// After a failed check, how long commands keep to the cache before asking
/// that server again: an unreachable mirror costs one command its timeout,
/// not every command.
pub const FAILURE_TTL: Duration = Duration::from_secs(10 * 60);

/// When to check for a newer release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// When the cache is older than this (`PYMAN_INDEX_TTL` seconds).
    Ttl(Duration),
    /// Now, whatever the cache's age (`--refresh`).
    Force,
    /// Never: the cache or the embedded index (`PYMAN_INDEX_TTL=never`, offline).
    Never,
}

impl Policy {
    /// From `PYMAN_INDEX_TTL` (seconds, or `never`).
    pub fn from_ttl(value: Option<&str>) -> Policy {
        match value.map(str::trim) {
            Some("never" | "off") => Policy::Never,
            Some(s) => s.parse().map_or(Policy::Ttl(DEFAULT_TTL), |secs| {
                Policy::Ttl(Duration::from_secs(secs))
            }),
            None => Policy::Ttl(DEFAULT_TTL),
        }
    }
}

/// What is kept between runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Cached {
    /// The `latest-release.json` it came from; another source is another cache.
    source: String,
    /// When the release was last checked (seconds since the epoch).
    checked: u64,
    tag: String,
    asset_url_prefix: String,
    validators: Validators,
    /// The release's `SHA256SUMS`, as served.
    sums: String,
}

/// The outcome of a refresh.
#[derive(Debug, Default)]
pub struct Fresh {
    /// Builds of the newest known release; empty when none is known.
    pub builds: Vec<Build>,
    pub tag: Option<String>,
    /// Whether the network was asked.
    pub requested: bool,
    /// What happened, for `-v`.
    pub notes: Vec<String>,
    /// What the user should see without `-v` (a damaged cache file).
    pub warnings: Vec<String>,
}

/// The last failed check of a source, so the next commands skip it for
/// [`FAILURE_TTL`].
#[derive(Debug, Serialize, Deserialize)]
struct Failure {
    source: String,
    at: u64,
}

fn failure_file(home: &PymanHome) -> PathBuf {
    home.cache().join("latest-release.failed")
}

fn recent_failure(home: &PymanHome, source: &str) -> Option<Duration> {
    let text = fs_err::read_to_string(failure_file(home)).ok()?;
    let f: Failure = serde_json::from_str(&text).ok()?;
    let ago = Duration::from_secs(now().saturating_sub(f.at));
    (f.source == source && ago < FAILURE_TTL).then_some(ago)
}

fn cache_file(home: &PymanHome) -> PathBuf {
    home.cache().join("latest-release.json")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Where `latest-release.json` and a release's `SHA256SUMS` are: the mirror's
/// `latest-release.json` and `<tag>/SHA256SUMS`, else GitHub's.
pub fn latest_url(mirror: Option<&str>) -> String {
    match mirror {
        Some(m) => format!("{}/latest-release.json", m.trim_end_matches('/')),
        None => pbs_release::LATEST_RELEASE_URL.to_string(),
    }
}

fn sums_url(mirror: Option<&str>, latest: &LatestRelease) -> String {
    match mirror {
        Some(m) => format!("{}/{}/SHA256SUMS", m.trim_end_matches('/'), latest.tag),
        None => format!(
            "{}/SHA256SUMS",
            latest.asset_url_prefix.trim_end_matches('/')
        ),
    }
}

/// The cache of this source; `Err` when the file is there but damaged.
fn read_cache(path: &Path, source: &str) -> Result<Option<Cached>, String> {
    let text = match fs_err::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    match serde_json::from_str::<Cached>(&text) {
        Ok(c) => Ok(Some(c).filter(|c| c.source == source)),
        Err(e) => Err(e.to_string()),
    }
}

/// Written whole or not at all: a temporary file renamed over the old one.
fn write_cache(path: &Path, cached: &Cached) -> std::io::Result<()> {
    let text = serde_json::to_string(cached).map_err(std::io::Error::other)?;
    crate::atomic::write(path, text)
}

fn builds_of(cached: &Cached, origin: &str) -> Result<Vec<Build>, pbs_release::ReleaseError> {
    pbs_release::parse_sums(&cached.sums, &cached.tag, &cached.asset_url_prefix, origin)
}

/// The builds of the release cached by the last refresh of this mirror
/// (`None`: GitHub), read synchronously: no client, no runtime, no network.
/// Empty when there is no usable cache.
pub fn cached_builds(home: &PymanHome, mirror: Option<&str>) -> Vec<Build> {
    let source = crate::url::redact(&latest_url(mirror));
    let path = cache_file(home);
    read_cache(&path, &source)
        .ok()
        .flatten()
        .and_then(|c| builds_of(&c, &path.display().to_string()).ok())
        .unwrap_or_default()
}

/// The newest release's builds, by `policy`.
pub async fn fresh_builds(
    client: &Client,
    home: &PymanHome,
    mirror: Option<&str>,
    policy: Policy,
) -> Fresh {
    let url = latest_url(mirror);
    // Without credentials: it is shown, and written into the cache.
    let source = crate::url::redact(&url);
    let path = cache_file(home);
    let mut fresh = Fresh::default();
    let cached = match read_cache(&path, &source) {
        Ok(c) => c,
        Err(why) => {
            // Rebuilt from the release itself below (or the embedded index
            // meanwhile), and said: never silently taken for "no release".
            fresh.warnings.push(format!(
                "the release cache `{}` is damaged ({why}); it is rebuilt from the release",
                path.display()
            ));
            None
        }
    };
    let from_cache =
        |cached: &Cached, fresh: &mut Fresh| match builds_of(cached, &path.display().to_string()) {
            Ok(builds) => {
                fresh.builds = builds;
                fresh.tag = Some(cached.tag.clone());
            }
            Err(e) => fresh
                .notes
                .push(format!("the cached release list is damaged: {e}")),
        };
    let age = cached
        .as_ref()
        .map(|c| Duration::from_secs(now().saturating_sub(c.checked)));
    let failed_recently = recent_failure(home, &source);
    let check = match policy {
        Policy::Force => true,
        Policy::Never => false,
        Policy::Ttl(ttl) => age.is_none_or(|a| a >= ttl) && failed_recently.is_none(),
    };
    if let (false, Some(ago), Policy::Ttl(_)) = (check, failed_recently, policy) {
        fresh.notes.push(format!(
            "`{source}` could not be reached {}s ago: not asked again for {}s (`--refresh` asks now)",
            ago.as_secs(),
            FAILURE_TTL.saturating_sub(ago).as_secs()
        ));
    }
    if !check {
        if let Some(c) = &cached {
            fresh.notes.push(format!(
                "using the release list of `{}` cached {}s ago (`--refresh` checks now)",
                c.tag,
                age.unwrap_or_default().as_secs()
            ));
            from_cache(c, &mut fresh);
        }
        return fresh;
    }
    fresh.requested = true;
    match check_latest(client, mirror, &url, cached.as_ref()).await {
        Ok(new) => {
            let _ = fs_err::remove_file(failure_file(home));
            if let Err(e) = write_cache(&path, &new) {
                fresh.notes.push(format!(
                    "the release list was not cached in `{}`: {e}",
                    path.display()
                ));
            }
            fresh.notes.push(format!(
                "checked `{source}`: the newest release is `{}`",
                new.tag
            ));
            from_cache(&new, &mut fresh);
        }
        Err(why) => {
            let fallback = match &cached {
                Some(c) => format!("using the cached release list of `{}`", c.tag),
                None => "using the built-in list of builds".to_string(),
            };
            fresh.notes.push(format!(
                "could not check `{source}` for new builds ({why}); {fallback}"
            ));
            let failure = Failure {
                source: source.clone(),
                at: now(),
            };
            if let Ok(text) = serde_json::to_string(&failure) {
                let _ = crate::atomic::write(&failure_file(home), text);
            }
            if let Some(c) = &cached {
                from_cache(c, &mut fresh);
            }
        }
    }
    fresh
}

/// Asks for `latest-release.json` (conditionally), and for the release's
/// `SHA256SUMS` only when the tag is new.
async fn check_latest(
    client: &Client,
    mirror: Option<&str>,
    source: &str,
    cached: Option<&Cached>,
) -> Result<Cached, String> {
    let validators = cached.map(|c| c.validators.clone()).unwrap_or_default();
    let fetched = client
        .get_if_changed(
            &Location::parse(source),
            &validators,
            pbs_release::MAX_LATEST_BYTES,
        )
        .await
        .map_err(|e| pyman_resolver::hint::one_line(&e))?;
    let (text, validators) = match (fetched, cached) {
        (Fetched::NotModified, Some(c)) => {
            return Ok(Cached {
                checked: now(),
                ..c.clone()
            });
        }
        (Fetched::NotModified, None) => {
            return Err("answered 304 to an unconditional request".into());
        }
        (Fetched::Changed { text, validators }, _) => (text, validators),
    };
    let source = crate::url::redact(source);
    let latest =
        LatestRelease::parse(&text, &source).map_err(|e| pyman_resolver::hint::one_line(&e))?;
    if let Some(c) = cached.filter(|c| c.tag == latest.tag) {
        // Releases never change: the sums already cached are the sums.
        return Ok(Cached {
            checked: now(),
            validators,
            ..c.clone()
        });
    }
    let sums_location = sums_url(mirror, &latest);
    let sums = client
        .get_text(
            &Location::parse(&sums_location),
            pbs_release::MAX_SUMS_BYTES,
        )
        .await
        .map_err(|e| pyman_resolver::hint::one_line(&e))?;
    // Checked whole (a garbage file is an error), then kept as the lines used.
    pbs_release::parse_sums(&sums, &latest.tag, &latest.asset_url_prefix, &sums_location)
        .map_err(|e| pyman_resolver::hint::one_line(&e))?;
    let sums = pbs_release::used_sums_lines(&sums, &latest.tag);
    let new = Cached {
        source,
        checked: now(),
        tag: latest.tag,
        asset_url_prefix: latest.asset_url_prefix,
        validators,
        sums,
    };
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_policy_from_the_environment() {
        assert_eq!(Policy::from_ttl(None), Policy::Ttl(DEFAULT_TTL));
        assert_eq!(
            Policy::from_ttl(Some("60")),
            Policy::Ttl(Duration::from_secs(60))
        );
        assert_eq!(Policy::from_ttl(Some("never")), Policy::Never);
        assert_eq!(Policy::from_ttl(Some("soon")), Policy::Ttl(DEFAULT_TTL));
    }

    #[test]
    fn urls_follow_the_mirror_layout() {
        let latest = LatestRelease {
            tag: "20261120".into(),
            asset_url_prefix:
                "https://github.com/astral-sh/python-build-standalone/releases/download/20261120"
                    .into(),
        };
        assert_eq!(
            latest_url(Some("http://m/pbs/")),
            "http://m/pbs/latest-release.json"
        );
        assert_eq!(
            sums_url(Some("http://m/pbs"), &latest),
            "http://m/pbs/20261120/SHA256SUMS"
        );
        assert_eq!(
            sums_url(None, &latest),
            format!("{}/SHA256SUMS", latest.asset_url_prefix)
        );
        assert!(latest_url(None).starts_with("https://raw.githubusercontent.com/"));
    }

    #[test]
    fn the_cache_is_written_whole_and_read_per_source() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache/latest-release.json");
        let c = Cached {
            source: "s".into(),
            checked: 1,
            tag: "20261120".into(),
            asset_url_prefix: "p".into(),
            validators: Validators::default(),
            sums: String::new(),
        };
        write_cache(&path, &c).unwrap();
        assert!(read_cache(&path, "s").unwrap().is_some());
        assert!(read_cache(&path, "other").unwrap().is_none());
        std::fs::write(&path, "{trunc").unwrap();
        assert!(read_cache(&path, "s").is_err(), "damaged is not absent");
        // Only the cache file is there: no temporary file left beside it.
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }
}
