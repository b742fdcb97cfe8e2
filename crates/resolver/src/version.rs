//! Exact CPython versions (`3.12.4`, `3.13.0rc2`) and build variants.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A pre-release marker, ordered as PEP 440 orders them: `a` < `b` < `rc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PreKind {
    Alpha,
    Beta,
    Rc,
}

impl PreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PreKind::Alpha => "a",
            PreKind::Beta => "b",
            PreKind::Rc => "rc",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Prerelease {
    pub kind: PreKind,
    pub number: u64,
}

impl fmt::Display for Prerelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.kind.as_str(), self.number)
    }
}

impl PartialOrd for Prerelease {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Prerelease {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.kind, self.number).cmp(&(other.kind, other.number))
    }
}

/// Which build of CPython: the default (with the GIL) or free-threaded (`3.13t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Variant {
    #[default]
    Default,
    Freethreaded,
}

impl Variant {
    /// The suffix used in version strings: `` or `t`.
    pub fn suffix(self) -> &'static str {
        match self {
            Variant::Default => "",
            Variant::Freethreaded => "t",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Variant::Default => "default",
            Variant::Freethreaded => "freethreaded",
        }
    }

    pub fn from_name(name: &str) -> Option<Variant> {
        match name {
            "default" | "" => Some(Variant::Default),
            "freethreaded" => Some(Variant::Freethreaded),
            _ => None,
        }
    }
}

/// A complete interpreter version: `3.12.4` or `3.13.0rc2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Option<Prerelease>,
}

impl Version {
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version {
            major,
            minor,
            patch,
            pre: None,
        }
    }

    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some()
    }

    /// `3.12`: the minor series this version belongs to.
    pub fn minor_string(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            // A final release sorts after all of its pre-releases.
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.cmp(b),
            })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(pre) = self.pre {
            write!(f, "{pre}")?;
        }
        Ok(())
    }
}

/// Error for a string that is not `X.Y.Z[pre]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a complete Python version such as `3.12.4` or `3.13.0rc2`")]
pub struct VersionParseError(pub String);

impl FromStr for Version {
    type Err = VersionParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts = parse_release(s).ok_or_else(|| VersionParseError(s.to_string()))?;
        match parts {
            Release {
                major,
                minor: Some(minor),
                patch: Some(patch),
                pre,
            } => Ok(Version {
                major,
                minor,
                patch,
                pre,
            }),
            _ => Err(VersionParseError(s.to_string())),
        }
    }
}

/// A release number with optional minor and patch parts and an optional pre-release,
/// as found in requests (`3`, `3.12`, `3.13.0rc2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Release {
    pub major: u64,
    pub minor: Option<u64>,
    pub patch: Option<u64>,
    pub pre: Option<Prerelease>,
}

/// Parses `3`, `3.12`, `3.12.4`, `3.13.0rc2` (also `3.13.0-rc.2`-free forms only).
/// Returns `None` for anything else. Never panics.
pub fn parse_release(s: &str) -> Option<Release> {
    let (numbers, pre) = split_prerelease(s)?;
    let mut it = numbers.split('.');
    let major = parse_number(it.next()?)?;
    let minor = it
        .next()
        .map(parse_number)
        .map_or(Some(None), |n| n.map(Some))?;
    let patch = it
        .next()
        .map(parse_number)
        .map_or(Some(None), |n| n.map(Some))?;
    if it.next().is_some() {
        return None;
    }
    // A pre-release only makes sense on a complete version (`3.13.0rc2`); accept
    // `3.13rc2` as pyenv does and read it as `3.13.0rc2`.
    let patch = match (patch, pre) {
        (None, Some(_)) if minor.is_some() => Some(0),
        (_, Some(_)) if minor.is_none() => return None,
        (p, _) => p,
    };
    Some(Release {
        major,
        minor,
        patch,
        pre,
    })
}

fn split_prerelease(s: &str) -> Option<(&str, Option<Prerelease>)> {
    let idx = s.find(|c: char| c.is_ascii_alphabetic());
    let Some(idx) = idx else {
        return Some((s, None));
    };
    let (numbers, rest) = s.split_at(idx);
    let (kind, digits) = if let Some(d) = rest.strip_prefix("rc") {
        (PreKind::Rc, d)
    } else if let Some(d) = rest.strip_prefix('a') {
        (PreKind::Alpha, d)
    } else if let Some(d) = rest.strip_prefix('b') {
        (PreKind::Beta, d)
    } else {
        return None;
    };
    let number = parse_number(digits)?;
    Some((numbers, Some(Prerelease { kind, number })))
}

fn parse_number(s: &str) -> Option<u64> {
    // Leading zeros and signs are not versions anyone writes; refuse them
    // rather than silently reading `03` as `3`.
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_versions() {
        for s in ["3.12.4", "3.13.0rc2", "3.14.0a1", "3.14.0b3", "2.7.18"] {
            let v: Version = s.parse().unwrap();
            assert_eq!(v.to_string(), s);
        }
        assert!("3.12".parse::<Version>().is_err());
        assert!("3.12.x".parse::<Version>().is_err());
        assert!("".parse::<Version>().is_err());
        assert!("3.012.1".parse::<Version>().is_err());
        assert!("3.12.1.1".parse::<Version>().is_err());
    }

    #[test]
    fn orders_prereleases_before_finals() {
        let v = |s: &str| s.parse::<Version>().unwrap();
        assert!(v("3.13.0a1") < v("3.13.0b1"));
        assert!(v("3.13.0b9") < v("3.13.0rc1"));
        assert!(v("3.13.0rc2") < v("3.13.0"));
        assert!(v("3.13.0") < v("3.13.1"));
        assert!(v("3.9.18") < v("3.10.0"));
    }

    #[test]
    fn parses_partial_releases() {
        let r = parse_release("3").unwrap();
        assert_eq!((r.major, r.minor, r.patch), (3, None, None));
        let r = parse_release("3.13rc2").unwrap();
        assert_eq!(r.patch, Some(0));
        assert!(parse_release("3rc1").is_none());
        assert!(parse_release("3.").is_none());
        assert!(parse_release(".3").is_none());
        assert!(parse_release("3.12.4dev1").is_none());
        assert!(parse_release("99999999999999999999").is_none());
    }
}
