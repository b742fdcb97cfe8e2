//! Reading version files the way people actually write them: BOMs, UTF-16 from
//! PowerShell, CRLF, comments — and clear errors for everything else.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::hint::Hint;
use crate::request::{RequestError, VersionRequest, parse_line};

/// Version files larger than this are not version files.
pub const MAX_FILE_BYTES: u64 = 64 * 1024;

/// The kinds of file a selection can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `.python-version` (pyenv, uv): the first request in the file.
    PythonVersion,
    /// `.python-versions` (uv): several requests, one per line; the first selects.
    PythonVersions,
    /// `.tool-versions` (asdf, mise): the first version on the `python` line.
    ToolVersions,
    /// `pyproject.toml`: `[project] requires-python`.
    Pyproject,
    /// `$PYMAN_HOME/version`, written by `pyman pin --global`.
    Global,
    /// `$PYENV_ROOT/version`, written by `pyenv global`.
    PyenvGlobal,
}

impl FileKind {
    pub fn file_name(self) -> &'static str {
        match self {
            FileKind::PythonVersion => ".python-version",
            FileKind::PythonVersions => ".python-versions",
            FileKind::ToolVersions => ".tool-versions",
            FileKind::Pyproject => "pyproject.toml",
            FileKind::Global | FileKind::PyenvGlobal => "version",
        }
    }
}

/// A request read from a file, with the line it stood on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRequest {
    pub request: VersionRequest,
    pub line: usize,
    /// The file's further versions, in order (pyenv's several versions).
    pub others: Vec<VersionRequest>,
}

#[derive(Debug, thiserror::Error)]
pub enum VersionFileError {
    #[error("cannot read `{}`", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("`{}` is larger than {} KiB; it is not a version file", path.display(), MAX_FILE_BYTES / 1024)]
    TooLarge { path: PathBuf },
    #[error("`{}` is not text ({what}); pyman expected a Python version such as `3.12`", path.display())]
    Binary { path: PathBuf, what: &'static str },
    #[error("`{}` holds no Python version; pyman expected a line such as `3.12`", path.display())]
    Empty { path: PathBuf },
    #[error("`{}` line {line} is a merge-conflict marker (`{text}`); pyman expected a Python version", path.display())]
    MergeConflict {
        path: PathBuf,
        line: usize,
        text: String,
    },
    #[error("`{}` line {line}: pyman expected a Python version there", path.display())]
    Request {
        path: PathBuf,
        line: usize,
        #[source]
        source: RequestError,
    },
    #[error("`{}` line {line} is a pasted command (`{text}`), not a `python VERSION` line", path.display())]
    PastedCommand {
        path: PathBuf,
        line: usize,
        text: String,
        version: Option<String>,
    },
    #[error("`{}` line {line}: `requires-python` {reason}", path.display())]
    Pyproject {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

impl Hint for VersionFileError {
    fn hint(&self) -> Option<String> {
        Some({
            let file = self.path().display();
            match self {
                VersionFileError::Request { source, .. } => {
                    format!(
                        "{}; or rewrite `{file}` with `pyman pin 3.12`",
                        source.hint().unwrap_or_default()
                    )
                }
                VersionFileError::MergeConflict { .. } => {
                    format!("resolve the conflict in `{file}`, or rewrite it with `pyman pin 3.12`")
                }
                VersionFileError::Unreadable { .. } => {
                    format!(
                        "check the permissions of `{file}`, or rewrite it with `pyman pin 3.12`"
                    )
                }
                VersionFileError::PastedCommand {
                    version: Some(v), ..
                } => format!("replace that line with `python {v}`, or run `pyman pin {v}`"),
                VersionFileError::PastedCommand { .. } => {
                    "replace that line with `python 3.12` (asdf's format), or run `pyman pin 3.12`"
                        .to_string()
                }
                VersionFileError::Pyproject { .. } => format!(
                    "write a PEP 440 specifier such as `requires-python = \">=3.11\"` in `{file}`, or pin one with `pyman pin 3.12`"
                ),
                _ => format!("rewrite `{file}` with `pyman pin 3.12`"),
            }
        })
    }

    fn exit_code(&self) -> i32 {
        2
    }
}

impl VersionFileError {
    pub fn path(&self) -> &Path {
        match self {
            VersionFileError::Unreadable { path, .. }
            | VersionFileError::TooLarge { path }
            | VersionFileError::Binary { path, .. }
            | VersionFileError::Empty { path }
            | VersionFileError::MergeConflict { path, .. }
            | VersionFileError::Request { path, .. }
            | VersionFileError::PastedCommand { path, .. }
            | VersionFileError::Pyproject { path, .. } => path,
        }
    }
}

/// Reads a small text file; `Ok(None)` when it does not exist.
pub fn read_text(path: &Path) -> Result<Option<String>, VersionFileError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        // `a/.python-version/` where `a` is a file: nothing there either.
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => return Ok(None),
        Err(source) => {
            return Err(VersionFileError::Unreadable {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut bytes = Vec::with_capacity(64);
    let unreadable = |source| VersionFileError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(VersionFileError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    decode(&bytes)
        .map(Some)
        .map_err(|what| VersionFileError::Binary {
            path: path.to_path_buf(),
            what,
        })
}

/// UTF-8 (with or without a BOM) or UTF-16 with a BOM, as PowerShell 5 writes.
fn decode(bytes: &[u8]) -> Result<String, &'static str> {
    let text = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8(rest.to_vec()).map_err(|_| "invalid UTF-8")?
    } else if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        decode_utf16(rest, u16::from_le_bytes)?
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        decode_utf16(rest, u16::from_be_bytes)?
    } else {
        String::from_utf8(bytes.to_vec()).map_err(|_| "invalid UTF-8, maybe a binary file")?
    };
    if text.contains('\0') {
        return Err("it contains NUL bytes");
    }
    Ok(text)
}

fn decode_utf16(bytes: &[u8], from: fn([u8; 2]) -> u16) -> Result<String, &'static str> {
    if !bytes.len().is_multiple_of(2) {
        return Err("truncated UTF-16");
    }
    let units = bytes.chunks_exact(2).map(|c| from([c[0], c[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|_| "invalid UTF-16")
}

/// The meaningful lines of a file: comments and blanks dropped, `\r` and
/// whitespace trimmed, with 1-based line numbers.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n').enumerate().filter_map(|(i, raw)| {
        let line = raw.split('#').next().unwrap_or_default().trim();
        (!line.is_empty()).then_some((i + 1, line))
    })
}

fn is_conflict_marker(raw: &str) -> bool {
    ["<<<<<<<", "=======", ">>>>>>>", "|||||||"]
        .iter()
        .any(|m| raw.starts_with(m))
}

/// Parses the first request of a `.python-version`, `.python-versions` or global file.
pub fn parse_version_file(path: &Path, text: &str) -> Result<FileRequest, VersionFileError> {
    // Conflict markers anywhere mean the file is not what anyone meant.
    for (i, raw) in text.split('\n').enumerate() {
        if is_conflict_marker(raw.trim_start()) {
            return Err(VersionFileError::MergeConflict {
                path: path.to_path_buf(),
                line: i + 1,
                text: raw.trim_end().to_string(),
            });
        }
    }
    let mut entries = lines(text);
    let (line, content) = entries.next().ok_or_else(|| VersionFileError::Empty {
        path: path.to_path_buf(),
    })?;
    let error = |source| VersionFileError::Request {
        path: path.to_path_buf(),
        line,
        source,
    };
    // pyenv allows several versions on one line (`3.12.1 3.11.7`) and on
    // several lines: the first selects, and each further one answers for
    // its own `python3.X`.
    // Further words are kept when they are versions and, as pyenv does,
    // ignored otherwise (`3.3.5 2.7.6 hi`).
    let version = |w: &str| {
        parse_line(w)
            .ok()
            .filter(|r| !matches!(r, VersionRequest::Env(_)))
    };
    let mut rest = None;
    let request = match parse_line(content) {
        Ok(r) => r,
        Err(e @ RequestError::ShellCommand { .. }) => return Err(error(e)),
        Err(e) => {
            let mut words = content.split_whitespace();
            let first = words.next().unwrap_or_default();
            let r = parse_line(first).map_err(|_| error(e))?;
            rest = Some(words);
            r
        }
    };
    let others = rest
        .into_iter()
        .flatten()
        .chain(entries.flat_map(|(_, content)| content.split_whitespace()))
        .filter_map(version)
        .collect();
    Ok(FileRequest {
        request,
        line,
        others,
    })
}

/// First words of shell commands that get pasted into `.tool-versions`.
const PASTED_WORDS: &[&str] = &[
    "local", "global", "shell", "asdf", "mise", "rtx", "use", "set", "pyenv", "echo",
];

/// The `python` line of a `.tool-versions`; `Ok(None)` when there is none, so
/// the search goes on upwards as asdf's does.
pub fn parse_tool_versions(
    path: &Path,
    text: &str,
) -> Result<Option<FileRequest>, VersionFileError> {
    for (line, content) in lines(text) {
        let mut words = content.split_whitespace();
        let first = words.next();
        // `local python 3.12`, `asdf global python 3.12`, `mise use python@3.12`:
        // a command meant for a shell. Silently skipping it would select
        // another file's version (or none) with no word why.
        if first.is_some_and(|w| PASTED_WORDS.contains(&w))
            && content
                .split_whitespace()
                .any(|w| w == "python" || w.starts_with("python@"))
        {
            let version = content
                .split_whitespace()
                .skip_while(|w| *w != "python" && !w.starts_with("python@"))
                .filter(|w| *w != "python")
                .find_map(|w| {
                    let v = w.strip_prefix("python@").unwrap_or(w);
                    v.parse::<VersionRequest>().ok().map(|_| v.to_string())
                });
            return Err(VersionFileError::PastedCommand {
                path: path.to_path_buf(),
                line,
                text: content.to_string(),
                version,
            });
        }
        if first != Some("python") {
            continue;
        }
        let Some(version) = words.next() else {
            return Err(VersionFileError::Empty {
                path: path.to_path_buf(),
            });
        };
        return version
            .parse()
            .map(|request| {
                Some(FileRequest {
                    request,
                    line,
                    others: words.filter_map(|w| parse_line(w).ok()).collect(),
                })
            })
            .map_err(|source| VersionFileError::Request {
                path: path.to_path_buf(),
                line,
                source,
            });
    }
    Ok(None)
}

/// `[project] requires-python` of a `pyproject.toml`; `Ok(None)` without one.
/// A line-based reader covers how the key is written in practice, and keeps
/// a TOML parser out of the shim.
pub fn parse_pyproject(path: &Path, text: &str) -> Result<Option<FileRequest>, VersionFileError> {
    let mut in_project = false;
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            in_project = line
                .trim_end_matches(|c: char| c.is_whitespace())
                .starts_with("[project]")
                && !line.starts_with("[project.");
            continue;
        }
        if !in_project {
            continue;
        }
        let Some(rest) = line.strip_prefix("requires-python") else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let bad = |reason: &str| VersionFileError::Pyproject {
            path: path.to_path_buf(),
            line: i + 1,
            reason: reason.to_string(),
        };
        let value = value.trim();
        let quote = value
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
            .ok_or_else(|| bad("must be a quoted string"))?;
        let inner = &value[1..];
        let end = inner
            .find(quote)
            .ok_or_else(|| bad("has no closing quote"))?;
        let spec = inner[..end].trim();
        // A bare version (`"3.12"`) is not PEP 440 for requires-python, but it
        // is common and unambiguous; anything else must be a specifier set.
        return spec
            .parse::<VersionRequest>()
            .ok()
            .filter(|r| {
                matches!(
                    r,
                    VersionRequest::Specifiers(..) | VersionRequest::Version { .. }
                )
            })
            .map(|request| {
                Some(FileRequest {
                    request,
                    line: i + 1,
                    others: Vec::new(),
                })
            })
            .ok_or_else(|| {
                bad(&format!(
                    "`{spec}` is not a PEP 440 specifier set such as `>=3.11`"
                ))
            });
    }
    Ok(None)
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// The text of a version file with line `line` (1-based) replaced by
/// `new`, or `new` as the first line when `line` is 0 or past the end. The
/// other lines, a byte-order mark and the file's line endings (`\r\n`
/// stays `\r\n`) are kept: the reader above accepts all of them, and a
/// rewrite must not change what it does not mean to.
pub fn replace_line(text: &str, line: usize, new: &str) -> String {
    let (bom, body) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", text),
    };
    let eol = if body.contains("\r\n") { "\r\n" } else { "\n" };
    let mut lines: Vec<&str> = body.lines().collect();
    if line >= 1 && line <= lines.len() {
        lines[line - 1] = new;
    } else {
        lines.insert(0, new);
    }
    format!("{bom}{}{eol}", lines.join(eol))
}

/// The line that pins `pin` (a version as written, `3.13` or `3.13.1`) in a
/// file of `kind`, in place of `old`: `.tool-versions` keeps its tool name,
/// fallback versions and comment (`python 3.13.1 3.12.8 # why`); the other
/// kinds hold the request alone.
pub fn pin_line(kind: FileKind, old: Option<&str>, pin: &str) -> String {
    if kind != FileKind::ToolVersions {
        return pin.to_string();
    }
    let old = old.unwrap_or("");
    let (content, comment) = match old.find('#') {
        Some(i) => (&old[..i], Some(old[i..].trim_end())),
        None => (old, None),
    };
    let mut parts: Vec<&str> = content.split_whitespace().collect();
    if parts.len() >= 2 {
        parts[1] = pin;
    } else {
        parts = vec!["python", pin];
    }
    let mut line = parts.join(" ");
    if let Some(c) = comment {
        line.push(' ');
        line.push_str(c);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("/p/.python-version")
    }
    fn first(text: &str) -> String {
        parse_version_file(p(), text).unwrap().request.to_string()
    }
    fn first_line(text: &str) -> usize {
        parse_version_file(p(), text).unwrap().line
    }

    #[test]
    fn reads_real_world_formatting() {
        assert_eq!(first("3.12\n"), "3.12");
        assert_eq!(first("3.12"), "3.12");
        assert_eq!(first("  3.12  \r\n"), "3.12");
        assert_eq!(first("\n\n# pinned for CI\n3.11.7\n3.12\n"), "3.11.7");
        assert_eq!(first_line("\n\n# pinned for CI\n3.11.7\n"), 4);
        assert_eq!(first("3.12 # the LTS of our team\n"), "3.12");
        assert_eq!(first("3.12.1 3.11.7\n"), "3.12.1");
        assert_eq!(first("cpython-3.13.5t-macos-aarch64-none\n"), "3.13.5t");
        assert_eq!(first(">=3.11, <3.13\n"), ">=3.11, <3.13");
    }

    #[test]
    fn decodes_boms_and_utf16() {
        assert_eq!(decode(b"\xEF\xBB\xBF3.12\r\n").unwrap(), "3.12\r\n");
        // PowerShell 5: `echo 3.12 > .python-version` writes UTF-16LE with a BOM.
        let mut le = vec![0xFF, 0xFE];
        for u in "3.12\r\n".encode_utf16() {
            le.extend(u.to_le_bytes());
        }
        assert_eq!(first(&decode(&le).unwrap()), "3.12");
        let mut be = vec![0xFE, 0xFF];
        for u in "3.11".encode_utf16() {
            be.extend(u.to_be_bytes());
        }
        assert_eq!(decode(&be).unwrap(), "3.11");
        assert!(decode(b"\x7fELF\x02\x01\x01\0\0").is_err());
        assert!(decode(&[0xFF, 0xFE, 0x33]).is_err());
        assert!(decode(b"\xC3\x28").is_err());
    }

    #[test]
    fn bad_contents_name_file_and_line() {
        let err = |text: &str| parse_version_file(p(), text).unwrap_err();
        let e = err("3.12\n<<<<<<< HEAD\n3.11\n=======\n3.12\n>>>>>>> main\n");
        assert!(
            matches!(e, VersionFileError::MergeConflict { line: 2, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("/p/.python-version"));
        assert!(matches!(err(""), VersionFileError::Empty { .. }));
        assert!(matches!(
            err("# only a comment\n\n"),
            VersionFileError::Empty { .. }
        ));
        for (text, line) in [
            ("\n3.12-myproject\n", 2),
            ("miniforge3-22.11.1-4/envs/test", 1),
            ("echo 3.11", 1),
            ("../../bin/python", 1),
            ("3.12.x", 1),
        ] {
            match err(text) {
                VersionFileError::Request {
                    line: l,
                    ref source,
                    ..
                } => {
                    assert_eq!(l, line, "{text}");
                    let e = err(text);
                    let msg = format!("{e}");
                    assert!(msg.contains("line"), "{msg}");
                    let hint = e.hint().unwrap_or_default();
                    assert!(hint.contains("pyman pin"), "{text}: {hint}");
                    let _ = source;
                }
                other => panic!("{text}: {other}"),
            }
        }
    }

    #[test]
    fn environment_names_and_several_versions() {
        let read = |text: &str| parse_version_file(p(), text).unwrap();
        // pyenv-virtualenv: 90 of 155 real files hold a bare name.
        for (text, shown) in [
            ("webapp\n", "webapp"),
            ("\nmyproject-env\n", "myproject-env"),
            ("3.10.2/envs/webapp\n", "3.10.2/envs/webapp"),
            ("py3.12-tools\n", "py3.12-tools"),
        ] {
            let r = read(text);
            assert!(matches!(r.request, VersionRequest::Env(_)), "{text}");
            assert_eq!(r.request.to_string(), shown);
            assert_eq!(parse_line(shown).unwrap(), r.request, "round trip");
        }
        // Several versions, on one line or several: the first selects.
        let r = read("3.12.1\n3.11.7\n");
        assert_eq!(r.request.to_string(), "3.12.1");
        let others: Vec<String> = r.others.iter().map(ToString::to_string).collect();
        assert_eq!(others, ["3.11.7"]);
        let r = read("3.12.1 3.11.7 # two\n3.10.13\nnot/a/version\n");
        let others: Vec<String> = r.others.iter().map(ToString::to_string).collect();
        assert_eq!(
            others,
            ["3.11.7", "3.10.13"],
            "an unreadable later line is ignored"
        );
        assert_eq!(read("3.12\n").others, Vec::<VersionRequest>::new());
        // Not names: a pasted command, a conda env, a path.
        for bad in ["echo 3.11", "anaconda3-2023.03", "./venv", "3.12.x", "-x"] {
            assert!(parse_version_file(p(), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tool_versions_python_line() {
        let tv = Path::new("/p/.tool-versions");
        let r = parse_tool_versions(tv, "nodejs 20.1.0\npython 3.11.7 3.12.1 # two\nruby 3\n")
            .unwrap()
            .unwrap();
        assert_eq!((r.request.to_string(), r.line), ("3.11.7".to_string(), 2));
        assert!(parse_tool_versions(tv, "nodejs 20\n").unwrap().is_none());
        assert!(parse_tool_versions(tv, "python\n").is_err());
        assert!(parse_tool_versions(tv, "python myenv\n").is_err());
        for (text, line, version) in [
            ("nodejs 20\nlocal python 3.12\n", 2, Some("3.12")),
            ("global python 3.11.7\n", 1, Some("3.11.7")),
            (
                "asdf local python 3.12 # from the README\n",
                1,
                Some("3.12"),
            ),
            ("mise use python@3.13\n", 1, Some("3.13")),
            ("local python\n", 1, None),
        ] {
            let e = parse_tool_versions(tv, text).unwrap_err();
            match &e {
                VersionFileError::PastedCommand {
                    line: l,
                    version: v,
                    ..
                } => {
                    assert_eq!((*l, v.as_deref()), (line, version), "{text}");
                }
                other => panic!("{text}: {other}"),
            }
            assert!(e.to_string().contains(&format!("line {line}")), "{e}");
            let hint = e.hint().unwrap_or_default();
            assert!(hint.contains("python "), "{hint}");
        }
        // Other tools' lines that merely start with such a word are not Python's.
        assert!(
            parse_tool_versions(tv, "use nodejs 20\n")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn pyproject_requires_python() {
        let pp = Path::new("/p/pyproject.toml");
        let text = "[build-system]\nrequires-python = \"nope\"\n\n[project]\nname = \"x\"\nrequires-python = \">=3.11\"  # floor\n[tool.x]\n";
        let r = parse_pyproject(pp, text).unwrap().unwrap();
        assert_eq!((r.request.to_string(), r.line), (">=3.11".to_string(), 6));
        assert!(
            parse_pyproject(pp, "[project]\nname='x'\n")
                .unwrap()
                .is_none()
        );
        assert!(
            parse_pyproject(pp, "[tool.uv]\nrequires-python = '>=3'\n")
                .unwrap()
                .is_none()
        );
        assert_eq!(
            parse_pyproject(pp, "[project]\nrequires-python='~=3.12'\n")
                .unwrap()
                .unwrap()
                .request
                .to_string(),
            "~=3.12"
        );
        let e =
            parse_pyproject(pp, "[project]\nrequires-python = \"python3 please\"\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(parse_pyproject(pp, "[project]\nrequires-python = >=3.11\n").is_err());
    }

    #[test]
    fn read_text_limits_and_missing_files() {
        let dir = std::env::temp_dir().join(format!("pyman-vf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(read_text(&dir.join("missing")).unwrap().is_none());
        let huge = dir.join("huge");
        std::fs::write(&huge, vec![b'3'; (MAX_FILE_BYTES + 1) as usize]).unwrap();
        assert!(matches!(
            read_text(&huge),
            Err(VersionFileError::TooLarge { .. })
        ));
        let bin = dir.join("bin");
        std::fs::write(&bin, b"3.12\0\0\0").unwrap();
        assert!(matches!(
            read_text(&bin),
            Err(VersionFileError::Binary { .. })
        ));
        // A directory where a file was expected is unreadable, not absent.
        assert!(matches!(
            read_text(&dir),
            Err(VersionFileError::Unreadable { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn rewriting_a_line_keeps_everything_else() {
        for (text, line, new, want) in [
            ("3.11\n", 1, "3.12", "3.12\n"),
            ("3.11", 1, "3.12", "3.12\n"),
            (
                "# pinned for CI\n3.11\n",
                2,
                "3.12",
                "# pinned for CI\n3.12\n",
            ),
            ("3.11\r\n3.10\r\n", 1, "3.12", "3.12\r\n3.10\r\n"),
            ("\u{feff}3.11\n", 1, "3.12", "\u{feff}3.12\n"),
            ("", 1, "3.12", "3.12\n"),
            (
                "nodejs 20.1.0\n",
                0,
                "python 3.12.1",
                "python 3.12.1\nnodejs 20.1.0\n",
            ),
            (
                "nodejs 20.1.0\n",
                5,
                "python 3.12.1",
                "python 3.12.1\nnodejs 20.1.0\n",
            ),
        ] {
            assert_eq!(replace_line(text, line, new), want, "{text:?} line {line}");
        }
    }

    #[test]
    fn pin_lines_keep_the_file_kind_s_syntax() {
        use FileKind::*;
        for (kind, old, pin, want) in [
            (PythonVersion, Some("3.11"), "3.12", "3.12"),
            (PythonVersions, Some("3.11.7"), "3.12.1", "3.12.1"),
            (
                ToolVersions,
                Some("python 3.11.7"),
                "3.12.1",
                "python 3.12.1",
            ),
            (
                ToolVersions,
                Some("python  3.11.7 3.10.13"),
                "3.12.1",
                "python 3.12.1 3.10.13",
            ),
            (
                ToolVersions,
                Some("python 3.11.7 # for the lambda runtime"),
                "3.12.1",
                "python 3.12.1 # for the lambda runtime",
            ),
            (ToolVersions, Some("python"), "3.12.1", "python 3.12.1"),
            (ToolVersions, None, "3.12.1", "python 3.12.1"),
        ] {
            assert_eq!(pin_line(kind, old, pin), want, "{old:?}");
        }
        // What is written reads back as what was meant.
        let text = replace_line(
            "nodejs 20.1.0\npython 3.11.7 3.10.13\n",
            2,
            &pin_line(ToolVersions, Some("python 3.11.7 3.10.13"), "3.12.1"),
        );
        let found = parse_tool_versions(Path::new(".tool-versions"), &text)
            .unwrap()
            .unwrap();
        assert_eq!(
            (found.request.to_string().as_str(), found.line),
            ("3.12.1", 2)
        );
    }
}
