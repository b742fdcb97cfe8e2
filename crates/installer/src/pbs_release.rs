//! python-build-standalone's own release files: `latest-release.json` (the
//! newest release tag and where its assets are) and each release's
//! `SHA256SUMS` (every asset with its sha256). From these two small files
//! pyman learns about new builds without a new pyman.

use pyman_resolver::{Variant, Version};
use serde::Deserialize;

use crate::index::Build;

/// Where python-build-standalone publishes `latest-release.json` (the
/// `latest-release` branch), when no mirror is set.
pub const LATEST_RELEASE_URL: &str = "https://raw.githubusercontent.com/astral-sh/python-build-standalone/latest-release/latest-release.json";

/// `latest-release.json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LatestRelease {
    pub tag: String,
    /// `https://github.com/astral-sh/python-build-standalone/releases/download/<tag>`.
    pub asset_url_prefix: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("`{origin}` is not a python-build-standalone `latest-release.json`")]
    Latest {
        origin: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("`{origin}` names the release tag `{tag}`, which is not a release date tag")]
    Tag { origin: String, tag: String },
    #[error("`{origin}` line {line} is not `<sha256>  <asset>`")]
    Sums { origin: String, line: usize },
    #[error("`{origin}` lists no CPython build pyman can install")]
    Empty { origin: String },
}

impl LatestRelease {
    pub fn parse(text: &str, origin: &str) -> Result<LatestRelease, ReleaseError> {
        let origin = &crate::url::redact(origin);
        let latest: LatestRelease =
            serde_json::from_str(text).map_err(|source| ReleaseError::Latest {
                origin: origin.to_string(),
                source,
            })?;
        // Tags are release dates (`20260814`); anything else would end up in URLs.
        if latest.tag.is_empty() || !latest.tag.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReleaseError::Tag {
                origin: origin.to_string(),
                tag: latest.tag,
            });
        }
        Ok(latest)
    }
}

/// The most of a `SHA256SUMS` pyman reads. A real one lists about 1,500
/// assets in about 250 KB; 8 MiB leaves room for growth while an endless or
/// huge answer (a broken or hostile server) costs a bounded read, not memory.
pub const MAX_SUMS_BYTES: u64 = 8 << 20;

/// The most of a `latest-release.json` pyman reads: the real one is 300 bytes.
pub const MAX_LATEST_BYTES: u64 = 64 << 10;

/// One `SHA256SUMS` line as `(sha256, asset)`, unchecked: the digest and
/// the name split at the first blank, `sha256sum`'s binary-mode `*` dropped.
pub fn sums_line(line: &str) -> Option<(&str, &str)> {
    let (sha, name) = line.trim().split_once(char::is_whitespace)?;
    Some((sha, name.trim_start().trim_start_matches('*')))
}

/// The lines of a `SHA256SUMS` that name builds pyman installs, so the cache
/// keeps those and not the debug, full and PGO assets (or a server's junk).
pub fn used_sums_lines(text: &str, tag: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if let Some((_, name)) = sums_line(line)
            && parse_asset(name, tag).is_some()
        {
            out.push_str(line.trim());
            out.push('\n');
        }
    }
    out
}

/// The builds of one release from its `SHA256SUMS`. Assets pyman does not
/// install (debug, full and PGO builds, other implementations) are skipped;
/// a line that is not a checksum line is an error, so a garbage file never
/// passes for an empty release.
pub fn parse_sums(
    text: &str,
    tag: &str,
    asset_url_prefix: &str,
    origin: &str,
) -> Result<Vec<Build>, ReleaseError> {
    let origin = &crate::url::redact(origin);
    let prefix = asset_url_prefix.trim_end_matches('/');
    let mut builds = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = || ReleaseError::Sums {
            origin: origin.to_string(),
            line: i + 1,
        };
        let (sha, name) = sums_line(line).ok_or_else(bad)?;
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) || name.is_empty() {
            return Err(bad());
        }
        if let Some(mut build) = parse_asset(name, tag) {
            build.url = format!("{prefix}/{}", name.replace('+', "%2B")).into();
            build.sha256 = Some(sha.to_ascii_lowercase());
            builds.push(build);
        }
    }
    if builds.is_empty() {
        return Err(ReleaseError::Empty {
            origin: origin.to_string(),
        });
    }
    Ok(builds)
}

/// `cpython-3.12.13+20260814-x86_64_v3-unknown-linux-gnu-install_only_stripped.tar.gz`
/// as a build (its URL and sha256 left empty). `None` for assets pyman does
/// not install, or of another release.
pub fn parse_asset(name: &str, tag: &str) -> Option<Build> {
    // Every python-build-standalone asset name is made of these; anything
    // else (`%2F`, `/`, `..` hidden in a field) is not an asset of theirs,
    // and the name becomes a file name in `pyman mirror`.
    if !crate::url::is_one_component(name)
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-'))
    {
        return None;
    }
    let rest = name.strip_prefix("cpython-")?;
    let (version, rest) = rest.split_once('+')?;
    let rest = rest.strip_prefix(tag)?.strip_prefix('-')?;
    let (rest, variant) = [
        (
            "-freethreaded-install_only_stripped.tar.gz",
            Variant::Freethreaded,
        ),
        ("-freethreaded-install_only.tar.gz", Variant::Freethreaded),
        ("-install_only_stripped.tar.gz", Variant::Default),
        ("-install_only.tar.gz", Variant::Default),
    ]
    .iter()
    .find_map(|(suffix, v)| rest.strip_suffix(suffix).map(|r| (r, *v)))?;
    let version: Version = version.parse().ok()?;
    let (cpu, platform) = rest.split_once('-')?;
    let (arch, level) = match cpu.strip_prefix("x86_64_") {
        Some(level @ ("v2" | "v3" | "v4")) => ("x86_64", Some(level)),
        Some(_) => return None,
        None => (cpu, None),
    };
    if arch.is_empty() || !arch.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let (os, libc) = match platform {
        "unknown-linux-gnu" => ("linux", "gnu"),
        "unknown-linux-musl" => ("linux", "musl"),
        "apple-darwin" => ("darwin", "none"),
        "pc-windows-msvc" => ("windows", "none"),
        "unknown-linux-gnueabihf" => ("linux", "gnueabihf"),
        "unknown-linux-gnueabi" => ("linux", "gnueabi"),
        _ => return None,
    };
    Some(Build {
        version,
        variant,
        os: os.to_string(),
        arch: arch.to_string(),
        arch_level: level.map(str::to_string),
        libc: libc.to_string(),
        url: crate::url::SafeUrl::default(),
        sha256: None,
        build: Some(tag.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFIX: &str =
        "https://github.com/astral-sh/python-build-standalone/releases/download/20260814";

    #[test]
    fn asset_names_become_builds() {
        let b = parse_asset(
            "cpython-3.12.13+20260814-x86_64_v3-unknown-linux-gnu-install_only_stripped.tar.gz",
            "20260814",
        )
        .unwrap();
        assert_eq!(b.version.to_string(), "3.12.13");
        assert_eq!(
            (
                b.os.as_str(),
                b.arch.as_str(),
                b.arch_level.as_deref(),
                b.libc.as_str()
            ),
            ("linux", "x86_64", Some("v3"), "gnu")
        );
        assert_eq!(b.build.as_deref(), Some("20260814"));
        let ft = parse_asset(
            "cpython-3.14.0rc2+20260814-aarch64-apple-darwin-freethreaded-install_only.tar.gz",
            "20260814",
        )
        .unwrap();
        assert_eq!(
            (
                ft.version.to_string(),
                ft.variant,
                ft.os.as_str(),
                ft.libc.as_str()
            ),
            (
                "3.14.0rc2".to_string(),
                Variant::Freethreaded,
                "darwin",
                "none"
            )
        );
        let win = parse_asset(
            "cpython-3.13.5+20260814-x86_64-pc-windows-msvc-install_only_stripped.tar.gz",
            "20260814",
        )
        .unwrap();
        assert_eq!((win.os.as_str(), win.arch_level), ("windows", None));
        for skipped in [
            "cpython-3.12.13+20260814-x86_64-unknown-linux-gnu-debug-full.tar.zst",
            "cpython-3.12.13+20260814-x86_64-unknown-linux-gnu-pgo+lto-full.tar.zst",
            "cpython-3.12.13+20260101-x86_64-unknown-linux-gnu-install_only.tar.gz",
            "pypy-3.10+20260814-x86_64-unknown-linux-gnu-install_only.tar.gz",
            "cpython-3.12.13+20260814-x86_64-unknown-freebsd-install_only.tar.gz",
            "SHA256SUMS",
            // Hostile names: a path hidden in the CPU level, or anywhere.
            "cpython-3.12.99+20260814-x86_64_v3%2F..%2F..%2Ftmp%2FESCAPED-unknown-linux-gnu-install_only.tar.gz",
            "cpython-3.12.99+20260814-x86_64_v3/../../tmp/ESCAPED-unknown-linux-gnu-install_only.tar.gz",
            "cpython-3.12.99+20260814-x86_64_v9-unknown-linux-gnu-install_only.tar.gz",
            "cpython-3.12.99+20260814-x86_64_..-unknown-linux-gnu-install_only.tar.gz",
            "cpython-3.12.99+20260814-a\\b-unknown-linux-gnu-install_only.tar.gz",
            "cpython-3.12.99+20260814-x86_64-unknown-linux-gnu-install_only.tar.gz\u{1b}[2J",
        ] {
            assert!(parse_asset(skipped, "20260814").is_none(), "{skipped}");
        }
    }

    #[test]
    fn sums_give_verified_urls_and_garbage_is_an_error() {
        let sha = "a".repeat(64);
        let text = format!(
            "{sha}  cpython-3.12.13+20260814-x86_64-unknown-linux-gnu-install_only.tar.gz\n\
             {sha}  cpython-3.12.13+20260814-x86_64-unknown-linux-gnu-debug-full.tar.zst\n"
        );
        let builds = parse_sums(&text, "20260814", PREFIX, "SHA256SUMS").unwrap();
        assert_eq!(builds.len(), 1);
        assert_eq!(
            builds[0].url.expose(),
            format!(
                "{PREFIX}/cpython-3.12.13%2B20260814-x86_64-unknown-linux-gnu-install_only.tar.gz"
            )
        );
        assert_eq!(builds[0].sha256.as_deref(), Some(sha.as_str()));
        for garbage in [
            "<html>not found</html>",
            "abc  x.tar.gz",
            &format!("{sha}\n"),
        ] {
            assert!(
                matches!(
                    parse_sums(garbage, "20260814", PREFIX, "S"),
                    Err(ReleaseError::Sums { .. })
                ),
                "{garbage}"
            );
        }
        assert!(matches!(
            parse_sums("", "20260814", PREFIX, "S"),
            Err(ReleaseError::Empty { .. })
        ));
    }

    #[test]
    fn only_used_lines_are_kept() {
        let sha = "b".repeat(64);
        let text = format!(
            "{sha}  cpython-3.12.13+20260814-x86_64-unknown-linux-gnu-install_only.tar.gz\n\
             {sha}  cpython-3.12.13+20260814-x86_64-unknown-linux-gnu-debug-full.tar.zst\n\
             junk\n"
        );
        assert_eq!(
            used_sums_lines(&text, "20260814"),
            format!(
                "{sha}  cpython-3.12.13+20260814-x86_64-unknown-linux-gnu-install_only.tar.gz\n"
            )
        );
    }

    #[test]
    fn origins_in_errors_are_redacted() {
        let e = parse_sums(
            "junk",
            "20260814",
            PREFIX,
            "http://ci:PASSWORD@m/20260814/SHA256SUMS",
        )
        .unwrap_err();
        assert!(!e.to_string().contains("PASSWORD"), "{e}");
        let e = LatestRelease::parse("{", "http://ci:PASSWORD@m/latest-release.json").unwrap_err();
        assert!(!e.to_string().contains("PASSWORD"), "{e}");
    }

    #[test]
    fn latest_release_json() {
        let l = LatestRelease::parse(
            r#"{"version":1,"tag":"20260814","release_url":"u","asset_url_prefix":"https://x/download/20260814"}"#,
            "l",
        )
        .unwrap();
        assert_eq!(l.tag, "20260814");
        assert!(LatestRelease::parse("{}", "l").is_err());
        assert!(LatestRelease::parse(r#"{"tag":"../x","asset_url_prefix":"p"}"#, "l").is_err());
    }
}
