//! What a user may ask for: on the command line, in a version file or in `PYMAN_PYTHON`.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use crate::hint::Hint;
use crate::specifier::{SpecifierParseError, SpecifierSet};
use crate::version::{Release, Variant, Version, parse_release};

/// The forms pyman accepts, shown in every parse error.
pub const VALID_FORMS: &str = "3, 3.12, 3.12.4, 3.13.0rc2, 3.13t, 312, cpython@3.12, cp312, \
python3.12, >=3.11,<3.13, ~=3.11, ==3.12, >=3.13t, any, system, or an absolute path to an \
interpreter or its folder";

/// A parsed request. `Display` writes the canonical form (what `pyman pin` writes),
/// and parsing that form gives the same request back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VersionRequest {
    /// `3`, `3.12`, `3.12.4`, `3.13.0rc2`, `3.13t`.
    Version { release: Release, variant: Variant },
    /// `>=3.11,<3.13`, `~=3.11`, `==3.12.*`; `>=3.13t` in the free-threaded build.
    Specifiers(SpecifierSet, Variant),
    /// `any`, `cpython`, `cp`: the newest interpreter there is.
    Any,
    /// The first `python3` on `PATH` outside pyman's and other managers' shims.
    System,
    /// An absolute path to an interpreter executable, or to its folder.
    Path(PathBuf),
    /// A named environment, only from version files (and `pyman pin` of an
    /// environment that exists): pyman's `pyman venv --name`, or
    /// pyenv-virtualenv's `NAME` and `3.12.1/envs/NAME`.
    Env(EnvName),
}

/// An environment's name as a version file holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnvName {
    pub name: String,
    /// pyenv-virtualenv's long form `3.12.1/envs/NAME` names the version.
    pub version: Option<String>,
}

impl fmt::Display for EnvName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            Some(v) => write!(f, "{v}/envs/{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the Python request is empty")]
    Empty,
    #[error("`{input}` asks for {implementation}, which pyman does not support yet (only CPython)")]
    UnsupportedImplementation {
        input: String,
        implementation: &'static str,
    },
    #[error("`{input}` is a relative path; pyman only accepts absolute interpreter paths")]
    RelativePath { input: String },
    #[error("`{input}` contains `..`; interpreter paths must not climb out of a folder")]
    ParentDirInPath { input: String },
    #[error("`{input}` looks like a pyenv-virtualenv environment, not a Python version")]
    PyenvVirtualenv {
        input: String,
        version: Option<String>,
    },
    #[error("`{input}` looks like a conda environment, not a Python version")]
    Conda { input: String },
    #[error("`{input}` looks like a pasted shell command, not a Python version")]
    ShellCommand {
        input: String,
        version: Option<String>,
    },
    #[error("`{input}` looks like the name of an environment, not a Python version")]
    EnvironmentName { input: String },
    #[error("`{input}` asks for the latest Python, which is not a version pyman can pin")]
    Latest { input: String },
    #[error(
        "`{input}` asks for a free-threaded build, and free-threaded builds exist from Python 3.13"
    )]
    NoFreethreaded { input: String },
    #[error("`{input}` asks for a {variant} build, which pyman does not install")]
    UnsupportedVariant {
        input: String,
        variant: &'static str,
    },
    #[error("`{input}` is not a valid Python request")]
    Invalid { input: String },
    #[error("`{input}` is not a valid version specifier set")]
    Specifier {
        input: String,
        #[source]
        source: SpecifierParseError,
    },
}

impl Hint for RequestError {
    /// What the user can do about it, shown after the message.
    fn hint(&self) -> Option<String> {
        Some(match self {
            RequestError::PyenvVirtualenv {
                version: Some(v), ..
            } => format!(
                "pyman pins interpreters and keeps environments in `.venv`: use `pyman pin {v}`, then `pyman venv`"
            ),
            RequestError::EnvironmentName { input } if is_env_name(input) => format!(
                "write a version such as `pyman pin 3.12`; for a named environment, create it with `pyman venv --name {input} --python 3.12` and write `{input}` in `.python-version`"
            ),
            RequestError::PyenvVirtualenv { version: None, .. }
            | RequestError::Conda { .. }
            | RequestError::EnvironmentName { .. } => {
                "pyman pins interpreters and keeps environments in `.venv`: write a version such as `pyman pin 3.12`".to_string()
            }
            RequestError::Latest { .. } => {
                "`3` selects the newest installed Python 3, and `pyman install 3` installs the newest release".to_string()
            }
            RequestError::NoFreethreaded { .. } => {
                "ask for `3.13t` or later, or for the default build without the `t`".to_string()
            }
            RequestError::UnsupportedVariant { .. } => {
                "ask for the default build (`3.13`) or the free-threaded one (`3.13t`)".to_string()
            }
            RequestError::ShellCommand {
                version: Some(v), ..
            } => format!("write only the version: `pyman pin {v}`"),
            RequestError::UnsupportedImplementation { .. } => {
                "install CPython instead, for example `pyman install 3.12`".to_string()
            }
            _ => format!("valid forms: {VALID_FORMS}"),
        })
    }

    fn exit_code(&self) -> i32 {
        2
    }
}

const UNSUPPORTED: &[(&str, &str)] = &[
    ("pypy", "PyPy"),
    ("graalpy", "GraalPy"),
    ("graalpython", "GraalPy"),
    ("jython", "Jython"),
    ("ironpython", "IronPython"),
    ("micropython", "MicroPython"),
    ("pyston", "Pyston"),
    ("stackless", "Stackless Python"),
    ("activepython", "ActivePython"),
];

const CONDA_PREFIXES: &[&str] = &[
    "anaconda",
    "miniconda",
    "miniforge",
    "mambaforge",
    "micromamba",
];

/// Words that start a shell command someone pasted into a version file.
const SHELL_WORDS: &[&str] = &[
    "echo", "pyenv", "uv", "python", "python3", "cat", "sudo", "export", "set", "asdf", "mise",
    "pyman", "conda", "source", "printf", "$",
];

impl FromStr for VersionRequest {
    type Err = RequestError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        parse(input)
    }
}

fn parse(input: &str) -> Result<VersionRequest, RequestError> {
    parse_with(input, false)
}

/// The request on a version-file line: everything [`VersionRequest`]'s
/// `FromStr` accepts, and the name of an environment (`webapp`,
/// `3.10.2/envs/webapp`), as pyenv-virtualenv writes them.
pub fn parse_line(input: &str) -> Result<VersionRequest, RequestError> {
    parse_with(input, true)
}

fn parse_with(input: &str, env_names: bool) -> Result<VersionRequest, RequestError> {
    let s = input.trim();
    let owned = || s.to_string();
    if s.is_empty() {
        return Err(RequestError::Empty);
    }
    if s.eq_ignore_ascii_case("system") {
        return Ok(VersionRequest::System);
    }
    let lower = s.to_ascii_lowercase();

    if s.split_whitespace().nth(1).is_some() && !starts_with_operator(s) {
        let mut words = s.split_whitespace();
        let first = words.next().unwrap_or_default();
        if SHELL_WORDS.contains(&first.to_ascii_lowercase().as_str()) || first.starts_with('$') {
            let version = words
                .map(|w| w.trim_matches(|c| c == '"' || c == '\''))
                .find(|w| parse(w).is_ok())
                .map(str::to_string);
            return Err(RequestError::ShellCommand {
                input: owned(),
                version,
            });
        }
        return Err(RequestError::Invalid { input: owned() });
    }

    if is_absolute(s) {
        let path = PathBuf::from(s);
        if path.components().any(|c| c == Component::ParentDir) {
            return Err(RequestError::ParentDirInPath { input: owned() });
        }
        // `/proc/self/cwd/…` and `/dev/fd/…` are relative paths in disguise:
        // a version file could name a program of the folder it is read in.
        let mut parts = path.components().filter_map(|c| match c {
            Component::Normal(p) => p.to_str(),
            _ => None,
        });
        let indirect = match (parts.next(), parts.next()) {
            (Some("proc"), _) => true,
            (Some("dev"), Some(next)) => matches!(next, "fd" | "stdin"),
            _ => false,
        };
        if indirect {
            return Err(RequestError::RelativePath { input: owned() });
        }
        return Ok(VersionRequest::Path(path));
    }
    if CONDA_PREFIXES.iter().any(|p| lower.starts_with(p)) {
        return Err(RequestError::Conda { input: owned() });
    }
    if let Some((before, name)) = s.split_once("/envs/") {
        let version = parse_release(before).map(|_| before.to_string());
        if env_names && version.is_some() && is_env_name(name) {
            return Ok(VersionRequest::Env(EnvName {
                name: name.to_string(),
                version,
            }));
        }
        return Err(RequestError::PyenvVirtualenv {
            input: owned(),
            version,
        });
    }
    // Implementation prefixes: `cpython-3.12`, `cpython@3.12`, `cpython3.12`,
    // `python3.12`, uv's `any-3.12`; a bare `cpython`, `cp` or `any` is any version.
    if ["any", "cpython", "cp", "python", "default"].contains(&lower.as_str()) {
        return Ok(VersionRequest::Any);
    }
    if lower == "latest" || lower.ends_with("@latest") {
        return Err(RequestError::Latest { input: owned() });
    }
    let rest = [
        "cpython@", "cpython-", "cpython", "python@", "python-", "python", "any@", "any-",
    ]
    .iter()
    .find_map(|p| lower.strip_prefix(p))
    .unwrap_or(&lower);
    if starts_with_operator(rest) {
        return parse_specifiers(rest).map_err(|source| RequestError::Specifier {
            input: owned(),
            source,
        });
    }
    if s.contains('/') || s.contains('\\') || s.starts_with('.') || s.starts_with('~') {
        if Path::new(s).components().any(|c| c == Component::ParentDir) || s.contains("..") {
            return Err(RequestError::ParentDirInPath { input: owned() });
        }
        return Err(RequestError::RelativePath { input: owned() });
    }
    if let Some(implementation) = unsupported_implementation(&lower) {
        return Err(RequestError::UnsupportedImplementation {
            input: owned(),
            implementation,
        });
    }
    if let Some(tag) = rest.strip_prefix("cp")
        && tag.starts_with(|c: char| c.is_ascii_digit())
    {
        return parse_cp_tag(tag).ok_or_else(|| RequestError::Invalid { input: owned() });
    }

    // uv's keys: `3.13.5t-macos-aarch64-none`, and partial ones
    // (`3.12-linux-x86_64`, `3.12-any`): the version, then os, arch, libc.
    let (version_part, platform) = match rest.split_once('-') {
        Some((v, platform)) => (v, Some(platform)),
        None => (rest, None),
    };
    // `cpython-linux-x86_64`, `any-any-any-any-any`: no version asked.
    if is_platform(rest) {
        return Ok(VersionRequest::Any);
    }
    if let Some(platform) = platform
        && !is_platform(platform)
    {
        return unknown(s, env_names);
    }
    if version_part == "any" {
        return Ok(VersionRequest::Any);
    }

    let (version_part, variant) =
        split_variant(version_part).map_err(|variant| RequestError::UnsupportedVariant {
            input: owned(),
            variant,
        })?;
    // Dotless, as in wheel tags and uv: `312` is 3.12, `27` is 2.7, `313rc4` is 3.13.0rc4.
    let digits = version_part.bytes().take_while(u8::is_ascii_digit).count();
    let release = if digits > 1 && !version_part.contains('.') {
        dotless(version_part).ok_or_else(|| RequestError::Invalid { input: owned() })?
    } else {
        match parse_release(version_part) {
            Some(release) => release,
            None => return unknown(s, env_names),
        }
    };
    // uv's limits: a minor or patch past 255 is a typo (`31000`, `3.300`).
    if release.minor.is_some_and(|m| m > 255) || release.patch.is_some_and(|p| p > 255) {
        return Err(RequestError::Invalid { input: owned() });
    }
    if variant == Variant::Freethreaded
        && release.major == 3
        && release.minor.is_some_and(|m| m < 13)
    {
        return Err(RequestError::NoFreethreaded { input: owned() });
    }
    Ok(VersionRequest::Version { release, variant })
}

/// A specifier set, with uv's readings: `==3.12` is any 3.12 (uv#9695, as
/// people mean it), and a trailing `t` asks for the free-threaded build.
fn parse_specifiers(s: &str) -> Result<VersionRequest, SpecifierParseError> {
    // A debug suffix stays on, for the specifier parser to refuse.
    let (s, variant) = split_variant(s).unwrap_or((s, Variant::Default));
    let mut set: SpecifierSet = s.parse()?;
    // One `==3.12` or `==3.12.1` is that version, as uv reads it.
    if let [one] = set.0.as_slice()
        && one.operator == crate::specifier::Operator::Equal
        && !one.wildcard
        && (1..=3).contains(&one.release.len())
    {
        let release = Release {
            major: one.release[0],
            minor: one.release.get(1).copied(),
            patch: one.release.get(2).copied(),
            pre: one.pre,
        };
        if release.pre.is_none() || release.patch.is_some() {
            return Ok(VersionRequest::Version { release, variant });
        }
    }
    set.widen_exact_minors();
    Ok(VersionRequest::Specifiers(set, variant))
}

/// A name a version file may hold for an environment: one path component
/// of the characters pyenv-virtualenv and pyman use.
pub fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with(['.', '-'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.contains("..")
}

fn unsupported_implementation(lower: &str) -> Option<&'static str> {
    if let Some((_, name)) = UNSUPPORTED.iter().find(|(p, _)| lower.starts_with(p)) {
        return Some(name);
    }
    // Tags as in wheel names: `pp310` (PyPy), `gp310` (GraalPy).
    let tag = |p: &str| {
        lower
            .strip_prefix(p)
            .is_some_and(|d| d.starts_with(|c: char| c.is_ascii_digit()))
    };
    if tag("pp") || lower == "pp" {
        Some("PyPy")
    } else if tag("gp") || lower == "gp" {
        Some("GraalPy")
    } else {
        None
    }
}

/// The parts after the version in a uv key: os, arch and libc, each of
/// them a name uv uses or `any`, trailing ones left out.
fn is_platform(platform: &str) -> bool {
    const OS: &[&str] = &["linux", "macos", "darwin", "windows", "any"];
    const LIBC: &[&str] = &["gnu", "musl", "none", "gnueabi", "gnueabihf", "msvc", "any"];
    let parts: Vec<&str> = platform.split('-').collect();
    let arch = |a: &str| {
        let a = a
            .strip_suffix("_v2")
            .or_else(|| a.strip_suffix("_v3"))
            .or_else(|| a.strip_suffix("_v4"))
            .unwrap_or(a);
        [
            "x86_64", "aarch64", "arm64", "x86", "i686", "armv7", "ppc64le", "s390x", "riscv64",
            "any",
        ]
        .contains(&a)
    };
    match parts.as_slice() {
        [os] => OS.contains(os),
        [os, a] => OS.contains(os) && arch(a),
        [os, a, libc] => OS.contains(os) && arch(a) && LIBC.contains(libc),
        _ => false,
    }
}

/// Not a request: in a version file, a name that starts with a letter is
/// an environment's (found or not, the selection says); elsewhere an error.
/// A name starting with a digit is a mistyped version (`3.12.x`), whose
/// error helps more than "no such environment".
fn unknown(s: &str, env_names: bool) -> Result<VersionRequest, RequestError> {
    if env_names && s.starts_with(|c: char| c.is_ascii_alphabetic()) && is_env_name(s) {
        return Ok(VersionRequest::Env(EnvName {
            name: s.to_string(),
            version: None,
        }));
    }
    Err(classify_unknown(s))
}

fn starts_with_operator(s: &str) -> bool {
    s.starts_with(['<', '>', '=', '!', '~'])
}

fn classify_unknown(s: &str) -> RequestError {
    let first = s.chars().next().unwrap_or(' ');
    // `cpython-3.12-linux-x86_64-gnu-extra` holds a version: a bad request, not a name.
    let holds_version = s
        .split(['-', '@'])
        .any(|part| parse_release(part).is_some());
    let looks_like_name = first.is_ascii_alphabetic()
        && !holds_version
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if looks_like_name {
        RequestError::EnvironmentName {
            input: s.to_string(),
        }
    } else {
        RequestError::Invalid {
            input: s.to_string(),
        }
    }
}

/// `3.13t` and `3.13+freethreaded` are the free-threaded build, `3.13+gil`
/// the default one; `Err` names a variant pyman does not install (`+debug`).
fn split_variant(s: &str) -> Result<(&str, Variant), &'static str> {
    if let Some(v) = s.strip_suffix("+freethreaded") {
        return Ok((v, Variant::Freethreaded));
    }
    if let Some(v) = s.strip_suffix("+gil") {
        return Ok((v, Variant::Default));
    }
    if s.ends_with("+debug") || s.ends_with("+freethreaded+debug") {
        return Err("debug");
    }
    if let Some(v) = s.strip_suffix('t')
        && v.ends_with(|c: char| c.is_ascii_digit())
    {
        return Ok((v, Variant::Freethreaded));
    }
    if let Some(v) = s.strip_suffix('d')
        && v.ends_with(|c: char| c.is_ascii_digit())
        && v.contains('.')
    {
        return Err("debug");
    }
    Ok((s, Variant::Default))
}

/// `312` is 3.12, `27` is 2.7, `313rc4` is 3.13.0rc4: one digit of
/// major, the other digits minor (as uv reads them).
fn dotless(s: &str) -> Option<Release> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (number, pre) = s.split_at(digits);
    let (major, minor) = number.split_at(1);
    if minor.is_empty() || (minor.len() > 1 && minor.starts_with('0')) {
        return None;
    }
    parse_release(&format!("{major}.{minor}{pre}"))
}

/// `cp312` is 3.12, `cp3` is 3, `cp27` is 2.7, `cp313t` is 3.13t, and
/// `cp3.12` (uv) is 3.12.
fn parse_cp_tag(tag: &str) -> Option<VersionRequest> {
    let (digits, variant) = split_variant(tag).ok()?;
    if digits.contains('.') {
        let release = parse_release(digits)?;
        return Some(VersionRequest::Version { release, variant });
    }
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let release = if digits.len() == 1 {
        parse_release(digits)?
    } else {
        dotless(digits)?
    };
    Some(VersionRequest::Version { release, variant })
}

fn is_absolute(s: &str) -> bool {
    if s.starts_with('/') {
        return true;
    }
    // Windows: `C:\...`, `C:/...` and UNC paths, accepted on every OS so a file
    // written on Windows gives a clear answer elsewhere.
    let b = s.as_bytes();
    (b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/'))
        || s.starts_with("\\\\")
}

impl fmt::Display for VersionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionRequest::Version { release, variant } => {
                write!(f, "{}", release.major)?;
                if let Some(minor) = release.minor {
                    write!(f, ".{minor}")?;
                }
                if let Some(patch) = release.patch {
                    write!(f, ".{patch}")?;
                }
                if let Some(pre) = release.pre {
                    write!(f, "{pre}")?;
                }
                f.write_str(variant.suffix())
            }
            VersionRequest::Specifiers(set, variant) => {
                write!(f, "{set}{}", variant.suffix())
            }
            VersionRequest::Any => f.write_str("any"),
            VersionRequest::System => f.write_str("system"),
            VersionRequest::Path(p) => write!(f, "{}", p.display()),
            VersionRequest::Env(env) => write!(f, "{env}"),
        }
    }
}

impl VersionRequest {
    /// The minor series of `version` in `variant`: `3.12` (or `3.13t`),
    /// built, not formatted and parsed again.
    pub fn minor_of(version: &Version, variant: Variant) -> VersionRequest {
        VersionRequest::Version {
            release: Release {
                major: version.major,
                minor: Some(version.minor),
                patch: None,
                pre: None,
            },
            variant,
        }
    }

    /// Whether an interpreter of this version and variant satisfies the request,
    /// pre-releases included. Callers prefer final releases with [`Self::best`].
    pub fn matches(&self, version: &Version, variant: Variant) -> bool {
        match self {
            VersionRequest::Version {
                release,
                variant: want,
            } => {
                *want == variant
                    && release.major == version.major
                    && release.minor.is_none_or(|m| m == version.minor)
                    && release.patch.is_none_or(|p| p == version.patch)
                    // `3.13.0` is the final release; `3.13.0rc2` only when asked for.
                    && match (release.pre, release.patch) {
                        (Some(pre), _) => version.pre == Some(pre),
                        (None, Some(_)) => version.pre.is_none(),
                        (None, None) => true,
                    }
            }
            // A pre-release matches where its final release would, unless a
            // clause names pre-releases: `>=3.14` finds 3.14.0rc3 when that
            // is all there is (`best` prefers final releases), as with uv;
            // `<3.14` still excludes 3.14's pre-releases.
            VersionRequest::Specifiers(set, want) => {
                *want == variant
                    && (set.contains(version)
                        || version.is_prerelease()
                            && !set.mentions_prerelease()
                            && set.contains(&Version {
                                pre: None,
                                ..*version
                            }))
            }
            VersionRequest::Any => variant == Variant::Default,
            VersionRequest::System | VersionRequest::Path(_) | VersionRequest::Env(_) => false,
        }
    }

    /// Picks the newest candidate that matches: final releases first, and
    /// pre-releases only when no final release matches (as pip and uv do).
    pub fn best<'a, T>(
        &self,
        candidates: impl IntoIterator<Item = (&'a Version, Variant, T)>,
    ) -> Option<T> {
        let mut best_final: Option<(&Version, T)> = None;
        let mut best_pre: Option<(&Version, T)> = None;
        for (version, variant, item) in candidates {
            if !self.matches(version, variant) {
                continue;
            }
            let slot = if version.is_prerelease() {
                &mut best_pre
            } else {
                &mut best_final
            };
            if slot.as_ref().is_none_or(|(v, _)| version > *v) {
                *slot = Some((version, item));
            }
        }
        best_final.or(best_pre).map(|(_, item)| item)
    }

    /// Whether some version satisfies both requests (a pin of `3.10` and
    /// `requires-python = ">=3.11"` share none). Versions are tried from
    /// 2.0 to 3.40 with every patch below 50 (and an exact pin itself):
    /// enough for any request a person writes. Requests without a version
    /// (`system`, paths, environments) are not judged: they overlap.
    pub fn overlaps(&self, other: &VersionRequest) -> bool {
        let judged = |r: &VersionRequest| {
            matches!(
                r,
                VersionRequest::Version { .. }
                    | VersionRequest::Specifiers(..)
                    | VersionRequest::Any
            )
        };
        if !judged(self) || !judged(other) {
            return true;
        }
        // Each side in its own build: a `3.13t` pin and `requires-python`
        // (which says nothing of builds) meet at 3.13.
        let both =
            |v: &Version| self.matches(v, self.variant()) && other.matches(v, other.variant());
        if let VersionRequest::Version { release, .. } = self
            && let (Some(minor), Some(patch)) = (release.minor, release.patch)
        {
            return both(&Version {
                major: release.major,
                minor,
                patch,
                pre: release.pre,
            });
        }
        (2..=3).any(|major| {
            (0..=40).any(|minor| (0..50).any(|patch| both(&Version::new(major, minor, patch))))
        })
    }

    /// The variant this request asks for.
    pub fn variant(&self) -> Variant {
        match self {
            VersionRequest::Version { variant, .. } | VersionRequest::Specifiers(_, variant) => {
                *variant
            }
            _ => Variant::Default,
        }
    }

    /// The `X.Y` a request pins exactly, when it does (`3.12`, `3.12.4`), used
    /// for per-minor venvs and `python3.X` shims.
    pub fn minor(&self) -> Option<(u64, u64)> {
        match self {
            VersionRequest::Version { release, .. } => release.minor.map(|m| (release.major, m)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(s: &str) -> VersionRequest {
        s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }
    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn every_accepted_form_parses_to_its_canonical_form() {
        let cases = [
            ("3", "3"),
            ("3.12", "3.12"),
            (" 3.12.4 ", "3.12.4"),
            ("3.13.0rc2", "3.13.0rc2"),
            ("3.13rc2", "3.13.0rc2"),
            ("3.13t", "3.13t"),
            ("3.13+freethreaded", "3.13t"),
            ("cpython-3.12", "3.12"),
            ("cpython@3.12", "3.12"),
            ("CPython3.12", "3.12"),
            ("cp312", "3.12"),
            ("cp313t", "3.13t"),
            ("cp3", "3"),
            ("python3.12", "3.12"),
            ("python3", "3"),
            (">=3.11,<3.13", ">=3.11, <3.13"),
            ("~=3.11", "~=3.11"),
            ("==3.12.*", "==3.12.*"),
            ("system", "system"),
            ("System", "system"),
            ("/usr/bin/python3.11", "/usr/bin/python3.11"),
            ("cpython-3.13.5t-macos-aarch64-none", "3.13.5t"),
            ("cpython-3.12.4-linux-x86_64-gnu", "3.12.4"),
        ];
        for (input, canonical) in cases {
            let r = req(input);
            assert_eq!(r.to_string(), canonical, "{input}");
            assert_eq!(req(canonical), r, "round trip of {canonical}");
        }
    }

    #[test]
    fn other_implementations_are_not_supported_yet() {
        for s in ["pypy@3.10", "pypy3.10", "graalpy", "graalpy-24.1", "PyPy"] {
            let e = s.parse::<VersionRequest>().unwrap_err();
            assert!(
                matches!(e, RequestError::UnsupportedImplementation { .. }),
                "{s}: {e}"
            );
            assert!(e.to_string().contains("not support"), "{e}");
        }
    }

    #[test]
    fn errors_quote_the_input_and_classify_it() {
        let err = |s: &str| s.parse::<VersionRequest>().unwrap_err();
        assert_eq!(err(""), RequestError::Empty);
        assert!(matches!(
            err("myproject-env"),
            RequestError::EnvironmentName { .. }
        ));
        assert!(matches!(
            err("3.10.4/envs/foo"),
            RequestError::PyenvVirtualenv { version: Some(ref v), .. } if v == "3.10.4"
        ));
        assert!(matches!(
            err("miniforge3-22.11.1-4/envs/test"),
            RequestError::Conda { .. }
        ));
        assert!(matches!(
            err("anaconda3-2023.03"),
            RequestError::Conda { .. }
        ));
        assert!(matches!(
            err("echo 3.11"),
            RequestError::ShellCommand { version: Some(ref v), .. } if v == "3.11"
        ));
        assert!(matches!(
            err("../python"),
            RequestError::ParentDirInPath { .. }
        ));
        assert!(matches!(
            err("/opt/../bin/python"),
            RequestError::ParentDirInPath { .. }
        ));
        assert!(matches!(
            err("./venv/bin/python"),
            RequestError::RelativePath { .. }
        ));
        // The current folder reached through /proc or /dev/fd, however spelled.
        for indirect in [
            "/proc/self/cwd/bin/python3",
            "//proc/self/cwd/evil/python",
            "/./proc/self/cwd/x",
            "/dev/fd/3",
        ] {
            assert!(
                matches!(err(indirect), RequestError::RelativePath { .. }),
                "{indirect}"
            );
        }
        assert!("/devices/python3".parse::<VersionRequest>().is_ok());
        assert!(matches!(err(">=3.x"), RequestError::Specifier { .. }));
        for bad in [
            "3.",
            "3.12.x",
            "latest",
            "3.12.4.1",
            "<<<<<<< HEAD",
            "3.12-foo",
            "\u{0}",
            "cp3x",
        ] {
            let e = err(bad);
            assert!(e.to_string().contains('`'), "{bad:?}: {e}");
        }
        assert!(err("3.12.x").hint().unwrap().contains("3.12.4"));
    }

    #[test]
    fn matching_and_best() {
        assert!(req("3").matches(&v("3.12.1"), Variant::Default));
        assert!(!req("3.12").matches(&v("3.12.1"), Variant::Freethreaded));
        assert!(req("3.13t").matches(&v("3.13.0"), Variant::Freethreaded));
        assert!(!req("3.13.0").matches(&v("3.13.0rc2"), Variant::Default));
        assert!(req("3.13.0rc2").matches(&v("3.13.0rc2"), Variant::Default));

        let installed = [v("3.11.7"), v("3.12.1"), v("3.13.0"), v("3.14.0rc1")];
        let pick = |r: &str| {
            req(r).best(
                installed
                    .iter()
                    .map(|x| (x, Variant::Default, x.to_string())),
            )
        };
        assert_eq!(pick("3").as_deref(), Some("3.13.0"));
        assert_eq!(
            pick("3.14").as_deref(),
            Some("3.14.0rc1"),
            "pre-release when nothing final"
        );
        assert_eq!(pick(">=3.11,<3.13").as_deref(), Some("3.12.1"));
        assert_eq!(pick("~=3.11").as_deref(), Some("3.13.0"));
        assert_eq!(pick("3.10"), None);
    }

    #[test]
    fn a_minor_request_is_built_as_parsed() {
        let v: Version = "3.13.2".parse().unwrap();
        assert_eq!(
            VersionRequest::minor_of(&v, Variant::Freethreaded),
            "3.13t".parse().unwrap()
        );
        assert_eq!(
            VersionRequest::minor_of(&v, Variant::Default).to_string(),
            "3.13"
        );
    }
}
