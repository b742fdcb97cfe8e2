//! Finding the project file that selects an interpreter, walking up from a folder.

use std::path::{Path, PathBuf};

use crate::version_file::{
    FileKind, FileRequest, VersionFileError, parse_pyproject, parse_tool_versions,
    parse_version_file, read_text,
};

/// A version file found on the walk up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    pub kind: FileKind,
    pub request: FileRequest,
}

impl Found {
    /// The project folder: where the file is, and where its `.venv` lives.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("/"))
    }
}

/// In one folder, `.python-version` wins over `.python-versions`, which wins
/// over `.tool-versions`.
pub const VERSION_FILES: [FileKind; 3] = [
    FileKind::PythonVersion,
    FileKind::PythonVersions,
    FileKind::ToolVersions,
];

/// Reads and parses one candidate file; `Ok(None)` when absent or, for
/// `.tool-versions` and `pyproject.toml`, when it names no Python.
pub fn read_candidate(path: &Path, kind: FileKind) -> Result<Option<Found>, VersionFileError> {
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    // A project's file in a folder anyone may write to, or someone else's,
    // selects nothing (`/tmp/.python-version` could name any program).
    let project_file = !matches!(kind, FileKind::Global | FileKind::PyenvGlobal);
    if project_file
        && let Some(dir) = path.parent()
        && !crate::trust::owned_like_its_folder(dir, path)
    {
        return Ok(None);
    }
    let request = match kind {
        FileKind::ToolVersions => parse_tool_versions(path, &text)?,
        FileKind::Pyproject => parse_pyproject(path, &text)?,
        FileKind::PythonVersion
        | FileKind::PythonVersions
        | FileKind::Global
        | FileKind::PyenvGlobal => Some(parse_version_file(path, &text)?),
    };
    Ok(request.map(|request| Found {
        path: path.to_path_buf(),
        kind,
        request,
    }))
}

/// The nearest version file from `start` up to the root. An error in the
/// nearest file is reported, never skipped in favour of a file further up.
pub fn find_version_file(start: &Path) -> Result<Option<Found>, VersionFileError> {
    let mut path = PathBuf::new();
    for dir in start.ancestors() {
        for kind in VERSION_FILES {
            path.clear();
            path.push(dir);
            path.push(kind.file_name());
            if let Some(found) = read_candidate(&path, kind)? {
                return Ok(Some(found));
            }
        }
    }
    Ok(None)
}

/// The nearest `pyproject.toml` with `requires-python`.
pub fn find_pyproject(start: &Path) -> Result<Option<Found>, VersionFileError> {
    for dir in start.ancestors() {
        let path = dir.join(FileKind::Pyproject.file_name());
        if let Some(found) = read_candidate(&path, FileKind::Pyproject)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}
