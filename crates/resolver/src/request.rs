//! What a user may ask for: on the command line, in a version file or in `PYMAN_PYTHON`.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use crate::hint::Hint;
use crate::specifier::{SpecifierParseError, SpecifierSet};
use crate::version::{Release, Variant, Version, parse_release};

/// The forms pyman accepts, shown in every parse error.
pub const VALID_FORMS: &str = "3, 3.12, 3.12.4, 3.13.0rc2, 3.13t, cpython@3.12, cp312, \
python3.12, >=3.11,<3.13, ~=3.11, ==3.12.*, system, or an absolute path to an interpreter";

/// A parsed request. `Display` writes the canonical form (what `pyman pin` writes),
/// and parsing that form gives the same request back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VersionRequest {
    /// `3`, `3.12`, `3.12.4`, `3.13.0rc2`, `3.13t`.
    Version { release: Release, variant: Variant },
    /// `>=3.11,<3.13`, `~=3.11`, `==3.12.*`.
    Specifiers(SpecifierSet),
    /// The first `python3` on `PATH` outside pyman's and other managers' shims.
    System,
    /// An absolute path to an interpreter executable.
    Path(PathBuf),
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
            RequestError::PyenvVirtualenv { version: None, .. }
            | RequestError::Conda { .. }
            | RequestError::EnvironmentName { .. } => {
                "pyman pins interpreters and keeps environments in `.venv`: write a version such as `pyman pin 3.12`".to_string()
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
        return Ok(VersionRequest::Path(path));
    }
    if CONDA_PREFIXES.iter().any(|p| lower.starts_with(p)) {
        return Err(RequestError::Conda { input: owned() });
    }
    if let Some((before, _)) = s.split_once("/envs/") {
        let version = parse_release(before).map(|_| before.to_string());
        return Err(RequestError::PyenvVirtualenv {
            input: owned(),
            version,
        });
    }
    if starts_with_operator(s) {
        return s
            .parse::<SpecifierSet>()
            .map(VersionRequest::Specifiers)
            .map_err(|source| RequestError::Specifier {
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
    if let Some((_, name)) = UNSUPPORTED.iter().find(|(p, _)| lower.starts_with(p)) {
        return Err(RequestError::UnsupportedImplementation {
            input: owned(),
            implementation: name,
        });
    }
    // Implementation prefixes: `cpython-3.12`, `cpython@3.12`, `cpython3.12`, `python3.12`, `cp312`.
    let rest = [
        "cpython@", "cpython-", "cpython", "python@", "python-", "python",
    ]
    .iter()
    .find_map(|p| lower.strip_prefix(p))
    .unwrap_or(&lower);
    if let Some(digits) = rest.strip_prefix("cp")
        && digits.starts_with(|c: char| c.is_ascii_digit())
    {
        return parse_cp_tag(digits).ok_or_else(|| RequestError::Invalid { input: owned() });
    }

    // uv's install keys: `3.13.5t-macos-aarch64-none`: the version, then os-arch-libc.
    let (version_part, platform) = match rest.split_once('-') {
        Some((v, platform)) => (v, Some(platform)),
        None => (rest, None),
    };
    if let Some(platform) = platform
        && (platform.split('-').count() != 3 || platform.split('-').any(str::is_empty))
    {
        return Err(classify_unknown(s));
    }
    let (version_part, variant) = split_variant(version_part);
    match parse_release(version_part) {
        Some(release) => Ok(VersionRequest::Version { release, variant }),
        None => Err(classify_unknown(s)),
    }
}

fn starts_with_operator(s: &str) -> bool {
    s.starts_with(['<', '>', '=', '!', '~'])
}

fn classify_unknown(s: &str) -> RequestError {
    let first = s.chars().next().unwrap_or(' ');
    let looks_like_name = first.is_ascii_alphabetic()
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

/// `3.13t` and `3.13+freethreaded` are the free-threaded build.
fn split_variant(s: &str) -> (&str, Variant) {
    if let Some(v) = s.strip_suffix("+freethreaded") {
        return (v, Variant::Freethreaded);
    }
    if let Some(v) = s.strip_suffix('t')
        && v.ends_with(|c: char| c.is_ascii_digit())
    {
        return (v, Variant::Freethreaded);
    }
    (s, Variant::Default)
}

/// `cp312` is 3.12, `cp3` is 3, `cp27` is 2.7, `cp313t` is 3.13t.
fn parse_cp_tag(digits: &str) -> Option<VersionRequest> {
    let (digits, variant) = split_variant(digits);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (major, minor) = digits.split_at(1);
    let major = major.parse().ok()?;
    let minor = if minor.is_empty() {
        None
    } else {
        if minor.len() > 1 && minor.starts_with('0') {
            return None;
        }
        Some(minor.parse().ok()?)
    };
    Some(VersionRequest::Version {
        release: Release {
            major,
            minor,
            patch: None,
            pre: None,
        },
        variant,
    })
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
            VersionRequest::Specifiers(set) => write!(f, "{set}"),
            VersionRequest::System => f.write_str("system"),
            VersionRequest::Path(p) => write!(f, "{}", p.display()),
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
            VersionRequest::Specifiers(set) => variant == Variant::Default && set.contains(version),
            VersionRequest::System | VersionRequest::Path(_) => false,
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

    /// The variant this request asks for.
    pub fn variant(&self) -> Variant {
        match self {
            VersionRequest::Version { variant, .. } => *variant,
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
        assert!(matches!(err(">=3.x"), RequestError::Specifier { .. }));
        for bad in [
            "3.",
            "3.12.x",
            "latest",
            "3.12.4.1",
            "<<<<<<< HEAD",
            "3.12-foo",
            "\u{0}",
            "cp",
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
