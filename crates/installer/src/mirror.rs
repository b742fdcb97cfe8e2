//! A mirror folder in python-build-standalone's release layout, as `pyman
//! mirror` writes it: `<tag>/<asset>`, `<tag>/SHA256SUMS`,
//! `latest-release.json`, and a uv-format `downloads.json`. The index files
//! are regenerated from the `SHA256SUMS` files on every run, so the folder
//! always describes exactly what it holds, whatever earlier runs added.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use pyman_resolver::{Variant, VersionRequest};

use crate::atomic;
use crate::download::hex;
use crate::host::Host;
use crate::index::{Build, GITHUB_RELEASES};
use crate::pbs_release;

/// Which platforms to mirror.
#[derive(Debug, Clone)]
pub enum Platforms {
    /// This machine's OS, CPU family and libc (every CPU level of it).
    Host(Host),
    /// `linux-x86_64-gnu` (pyman's form) or `x86_64-unknown-linux-gnu` (a target triple).
    Named(Vec<String>),
    All,
}

impl Platforms {
    fn matches(&self, b: &Build) -> bool {
        match self {
            Platforms::Host(h) => b.os == h.os && b.arch == h.arch && b.libc == h.libc,
            Platforms::Named(names) => names.iter().any(|p| {
                // uv spells macOS `macos`; the index, `darwin`.
                let p = p
                    .strip_prefix("macos-")
                    .map_or_else(|| p.clone(), |rest| format!("darwin-{rest}"));
                b.triple() == p || asset_name(b).is_some_and(|n| n.contains(&format!("-{p}-")))
            }),
            Platforms::All => true,
        }
    }
}

/// The builds to mirror: for each platform and request, the newest matching
/// version, in every CPU level the index has for it, one archive each (the
/// one `pyman install` would pick).
pub fn select(
    index: &crate::Index,
    requests: &[VersionRequest],
    platforms: &Platforms,
) -> Vec<Build> {
    let mut by_platform: BTreeMap<String, Vec<&Build>> = BTreeMap::new();
    for b in index
        .builds
        .iter()
        .filter(|b| platforms.matches(b) && b.sha256.is_some())
    {
        by_platform.entry(b.triple()).or_default().push(b);
    }
    let mut chosen: BTreeMap<(String, String), Build> = BTreeMap::new();
    for builds in by_platform.values() {
        for request in requests {
            let Some(best) = request.best(builds.iter().map(|b| (&b.version, b.variant, *b)))
            else {
                continue;
            };
            for b in builds
                .iter()
                .filter(|b| b.version == best.version && b.variant == best.variant)
            {
                let ident = (b.install_key(), b.arch_level.clone().unwrap_or_default());
                let better = chosen.get(&ident).is_none_or(|c| {
                    (b.archive_rank(), std::cmp::Reverse(&b.build))
                        < (c.archive_rank(), std::cmp::Reverse(&c.build))
                });
                if better {
                    chosen.insert(ident, (*b).clone());
                }
            }
        }
    }
    chosen.into_values().collect()
}

/// The asset's file name: the URL's last segment, decoded (`+`, not `%2B`).
/// `None` unless it is one safe path component: the name comes from a
/// server (`SHA256SUMS`, a downloads JSON) and becomes a file in the folder.
pub fn asset_name(b: &Build) -> Option<String> {
    let name = crate::url::percent_decode(b.url.last_segment());
    crate::url::is_one_component(&name).then_some(name)
}

/// The release tag: the build's, else the one in the asset name (`+TAG-`).
/// `None` unless it is one safe path component.
pub fn tag(b: &Build) -> Option<String> {
    let tag = match &b.build {
        Some(t) => t.clone(),
        None => asset_name(b)?
            .split_once('+')
            .and_then(|(_, rest)| rest.split_once('-'))
            .map_or_else(|| "local".to_string(), |(t, _)| t.to_string()),
    };
    crate::url::is_one_component(&tag).then_some(tag)
}

/// Where a build's archive lives in the mirror folder: always inside `dir`.
pub fn archive_path(dir: &Path, b: &Build) -> Result<PathBuf, UnsafeName> {
    match (tag(b), asset_name(b)) {
        (Some(tag), Some(name)) => Ok(dir.join(tag).join(name)),
        _ => Err(UnsafeName {
            url: b.url.clone(),
            tag: b.build.clone(),
        }),
    }
}

/// A build whose file name or tag is not one path component.
#[derive(Debug, thiserror::Error)]
#[error(
    "refusing the build at `{url}`: its file name or release tag{} is not a plain file name (a path or control characters from the server)",
    tag.as_ref().map(|t| format!(" `{}`", crate::url::escape_controls(t))).unwrap_or_default()
)]
pub struct UnsafeName {
    pub url: crate::url::SafeUrl,
    pub tag: Option<String>,
}

/// Whether the file at `path` exists with this sha256.
pub fn is_verified(path: &Path, sha256: &str) -> bool {
    file_sha256(path).is_ok_and(|h| h == sha256)
}

pub fn file_sha256(path: &Path) -> io::Result<String> {
    use sha2::Digest;
    let mut f = fs_err::File::open(path)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// Adds these builds (present in the folder) to their tags' `SHA256SUMS`.
pub fn record(dir: &Path, builds: &[Build]) -> io::Result<()> {
    let mut by_tag: BTreeMap<String, Vec<&Build>> = BTreeMap::new();
    for b in builds {
        if let Some(t) = tag(b) {
            by_tag.entry(t).or_default().push(b);
        }
    }
    for (tag, builds) in by_tag {
        let path = dir.join(&tag).join("SHA256SUMS");
        let mut lines = read_sums(&path);
        for b in builds {
            if let (Some(sha), Some(name)) = (&b.sha256, asset_name(b)) {
                lines.insert(name, sha.clone());
            }
        }
        let text: String = lines
            .iter()
            .map(|(name, sha)| format!("{sha}  {name}\n"))
            .collect();
        atomic::write(&path, text)?;
    }
    Ok(())
}

/// `asset -> sha256` of a `SHA256SUMS`, empty when missing.
fn read_sums(path: &Path) -> BTreeMap<String, String> {
    let text = fs_err::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let (sha, name) = pbs_release::sums_line(l)?;
            crate::url::is_one_component(name).then(|| (name.to_string(), sha.to_string()))
        })
        .collect()
}

/// What the folder holds, from its `SHA256SUMS` files (only files present).
pub fn contents(dir: &Path) -> io::Result<Vec<(String, Build, u64)>> {
    let mut out = Vec::new();
    let entries = match fs_err::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let tag = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type()?.is_dir() {
            continue;
        }
        for (name, sha) in read_sums(&entry.path().join("SHA256SUMS")) {
            let Ok(md) = std::fs::metadata(entry.path().join(&name)) else {
                continue;
            };
            if let Some(mut b) = pbs_release::parse_asset(&name, &tag) {
                b.url = format!("{GITHUB_RELEASES}/{tag}/{}", name.replace('+', "%2B")).into();
                b.sha256 = Some(sha);
                out.push((tag.clone(), b, md.len()));
            }
        }
    }
    out.sort_by(|a, b| (&a.0, a.1.install_key()).cmp(&(&b.0, b.1.install_key())));
    Ok(out)
}

/// Writes `latest-release.json` (the newest tag held) and `downloads.json`
/// (every build held, with python-build-standalone's own URLs: pyman's
/// `--mirror` and uv's `UV_PYTHON_INSTALL_MIRROR` point them at the mirror).
pub fn write_indexes(dir: &Path) -> io::Result<usize> {
    let held = contents(dir)?;
    if let Some(newest) = held
        .iter()
        .map(|(t, _, _)| t)
        .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))
        .max()
    {
        let latest = serde_json::json!({
            "version": 1,
            "tag": newest,
            "release_url": format!("https://github.com/astral-sh/python-build-standalone/releases/tag/{newest}"),
            "asset_url_prefix": format!("{GITHUB_RELEASES}/{newest}"),
        });
        atomic::write(&dir.join("latest-release.json"), pretty(&latest))?;
    }
    let mut downloads = serde_json::Map::new();
    for (_, b, _) in &held {
        let (key, entry) = downloads_entry(b);
        downloads.insert(key, entry);
    }
    atomic::write(
        &dir.join("downloads.json"),
        pretty(&serde_json::Value::Object(downloads)),
    )?;
    Ok(held.len())
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
}

/// One entry of uv's `download-metadata.json` format.
fn downloads_entry(b: &Build) -> (String, serde_json::Value) {
    let arch = match &b.arch_level {
        Some(l) => format!("{}_{l}", b.arch),
        None => b.arch.clone(),
    };
    let variant = match b.variant {
        Variant::Freethreaded => Some("freethreaded"),
        Variant::Default => None,
    };
    let pre = b.version.pre.map(|p| p.to_string()).unwrap_or_default();
    let key = format!(
        "cpython-{}.{}.{}{pre}{}-{}-{arch}-{}",
        b.version.major,
        b.version.minor,
        b.version.patch,
        variant.map(|v| format!("+{v}")).unwrap_or_default(),
        b.os,
        b.libc
    );
    let entry = serde_json::json!({
        "name": "cpython",
        "arch": {"family": b.arch, "variant": b.arch_level},
        "os": b.os,
        "libc": b.libc,
        "major": b.version.major,
        "minor": b.version.minor,
        "patch": b.version.patch,
        "prerelease": pre,
        "url": b.url.redacted(),
        "sha256": b.sha256,
        "variant": variant,
        "build": b.build,
    });
    (key, entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(asset: &str, sha: &str) -> Build {
        let tag = asset.split_once('+').unwrap().1.split_once('-').unwrap().0;
        let mut b = pbs_release::parse_asset(asset, tag).unwrap();
        b.url = format!("{GITHUB_RELEASES}/{tag}/{}", asset.replace('+', "%2B")).into();
        b.sha256 = Some(sha.repeat(64));
        b
    }

    #[test]
    fn the_folder_describes_what_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let a = build(
            "cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-install_only.tar.gz",
            "a",
        );
        let b = build(
            "cpython-3.13.1+20250115-aarch64-apple-darwin-install_only.tar.gz",
            "b",
        );
        for x in [&a, &b] {
            let p = archive_path(dir.path(), x).unwrap();
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, b"x").unwrap();
        }
        assert!(archive_path(dir.path(), &a).unwrap().ends_with(
            "20240726/cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-install_only.tar.gz"
        ));
        record(dir.path(), std::slice::from_ref(&a)).unwrap();
        record(dir.path(), std::slice::from_ref(&b)).unwrap();
        assert_eq!(write_indexes(dir.path()).unwrap(), 2);

        let latest = std::fs::read_to_string(dir.path().join("latest-release.json")).unwrap();
        let latest = pbs_release::LatestRelease::parse(&latest, "t").unwrap();
        assert_eq!(latest.tag, "20250115");
        let sums = std::fs::read_to_string(dir.path().join("20250115/SHA256SUMS")).unwrap();
        let from_sums =
            pbs_release::parse_sums(&sums, &latest.tag, &latest.asset_url_prefix, "t").unwrap();
        assert_eq!(from_sums, vec![b.clone()]);

        let text = std::fs::read_to_string(dir.path().join("downloads.json")).unwrap();
        let index = crate::Index::parse(&text, "t").unwrap();
        let mut got = index.builds.clone();
        got.sort_by_key(Build::install_key);
        assert_eq!(got, vec![a, b]);
    }

    #[test]
    fn hostile_names_never_leave_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = build(
            "cpython-3.12.4+20240726-x86_64-unknown-linux-gnu-install_only.tar.gz",
            "a",
        );
        b.url = "https://h/x/..%2F..%2F..%2Ftmp%2FESCAPED.tar.gz".into();
        assert!(archive_path(dir.path(), &b).is_err());
        b.url = "https://h/x/ok.tar.gz".into();
        b.build = Some("../../tmp".into());
        let e = archive_path(dir.path(), &b).unwrap_err();
        assert!(e.to_string().contains("../../tmp"), "{e}");
        b.build = Some("20240726".into());
        assert!(
            archive_path(dir.path(), &b)
                .unwrap()
                .starts_with(dir.path())
        );
    }

    #[test]
    fn selection_takes_every_cpu_level_of_the_newest_match() {
        let index = crate::Index::embedded();
        let req: VersionRequest = "3.12".parse().unwrap();
        let linux = select(
            &index,
            std::slice::from_ref(&req),
            &Platforms::Named(vec!["linux-x86_64-gnu".into()]),
        );
        assert!(!linux.is_empty());
        let v = linux[0].version;
        assert!(
            linux
                .iter()
                .all(|b| b.version == v && b.triple() == "linux-x86_64-gnu")
        );
        let levels: std::collections::BTreeSet<_> =
            linux.iter().map(|b| b.arch_level.clone()).collect();
        assert_eq!(levels.len(), linux.len(), "one archive per CPU level");
        let triple = select(
            &index,
            std::slice::from_ref(&req),
            &Platforms::Named(vec!["x86_64-unknown-linux-gnu".into()]),
        );
        assert_eq!(triple.len(), 1, "a target triple names one CPU level");
        let mac = select(
            &index,
            &[req],
            &Platforms::Named(vec!["macos-aarch64-none".into()]),
        );
        assert!(!mac.is_empty(), "uv's `macos` names the index's `darwin`");
        assert!(mac.iter().all(|b| b.triple() == "darwin-aarch64-none"));
    }
}
