//! What a migrated venv must hold: the project's own declarations when it
//! has them (`requirements*.txt` beside the pin, else `pyproject.toml`'s
//! `[project] dependencies`), plus the editable installs of the old venv;
//! else everything `pip freeze` reports, editables and local paths as they were.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The requirement lines to give `pip install -r`, and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// For messages: `requirements.txt, requirements-dev.txt and 1 editable install`.
    pub source: String,
    pub lines: Vec<String>,
}

/// The requirements files beside the pin, sorted: `requirements.txt`,
/// `requirements-dev.txt`…
pub fn requirement_files(project: &Path) -> Vec<PathBuf> {
    super::entries_named(project, |p, name| {
        p.is_file() && name.starts_with("requirements") && name.ends_with(".txt")
    })
}

/// `[project] dependencies` of `pyproject.toml`, when it declares any.
pub fn pyproject_dependencies(project: &Path) -> Option<Vec<String>> {
    let text = fs_err::read_to_string(project.join("pyproject.toml")).ok()?;
    let doc: toml::Table = toml::from_str(&text).ok()?;
    let deps = doc.get("project")?.get("dependencies")?.as_array()?;
    let deps: Vec<String> = deps
        .iter()
        .filter_map(|d| d.as_str().map(str::to_string))
        .collect();
    (!deps.is_empty()).then_some(deps)
}

/// `pip freeze` of the venv (without pip itself), or `None` when its
/// interpreter does not run.
pub fn freeze(venv_python: &Path) -> Option<Vec<String>> {
    let out = Command::new(venv_python)
        .args([
            "-m",
            "pip",
            "freeze",
            "--disable-pip-version-check",
            "--exclude",
            "pip",
        ])
        .env_remove("PYTHONPATH")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect(),
    )
}

/// Editable installs among freeze lines: `-e /path` or `-e git+…`.
fn editables(frozen: &[String]) -> Vec<String> {
    frozen
        .iter()
        .filter(|l| l.starts_with("-e ") || l.starts_with("--editable"))
        .cloned()
        .collect()
}

/// Chooses what to install. `frozen` is the old venv's freeze, when it ran.
pub fn plan(project: &Path, frozen: Option<&[String]>) -> Option<Plan> {
    let editables = frozen.map(editables).unwrap_or_default();
    let with_editables = |source: String, mut lines: Vec<String>| {
        let n = editables.len();
        lines.extend(editables.iter().cloned());
        let source = match n {
            0 => source,
            1 => format!("{source} and 1 editable install from the old venv"),
            n => format!("{source} and {n} editable installs from the old venv"),
        };
        Plan { source, lines }
    };
    let files = requirement_files(project);
    if !files.is_empty() {
        let names: Vec<String> = files
            .iter()
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        let lines = files
            .iter()
            .map(|f| format!("-r {}", f.display()))
            .collect();
        return Some(with_editables(names.join(", "), lines));
    }
    if let Some(deps) = pyproject_dependencies(project) {
        return Some(with_editables(
            "pyproject.toml's [project] dependencies".into(),
            deps,
        ));
    }
    let frozen = frozen?;
    Some(Plan {
        source: format!(
            "the old venv's {} installed package{} (pip freeze)",
            frozen.len(),
            if frozen.len() == 1 { "" } else { "s" }
        ),
        lines: frozen.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_win_and_editables_come_along() {
        let dir = tempfile::tempdir().unwrap();
        let frozen = vec![
            "attrs==23.1.0".to_string(),
            "-e /src/mypkg".to_string(),
            "local @ file:///wheels/local-1.0-py3-none-any.whl".to_string(),
        ];
        let p = plan(dir.path(), Some(&frozen)).unwrap();
        assert_eq!(p.lines, frozen, "no declarations: the freeze, as it was");
        assert!(p.source.contains("3 installed packages"), "{}", p.source);

        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"x\"\ndependencies = [\"attrs>=23\"]\n",
        )
        .unwrap();
        let p = plan(dir.path(), Some(&frozen)).unwrap();
        assert_eq!(p.lines, vec!["attrs>=23", "-e /src/mypkg"]);
        assert!(p.source.starts_with("pyproject.toml"), "{}", p.source);

        std::fs::write(dir.path().join("requirements-dev.txt"), "pytest\n").unwrap();
        std::fs::write(dir.path().join("requirements.txt"), "attrs\n").unwrap();
        let p = plan(dir.path(), None).unwrap();
        assert_eq!(p.source, "requirements-dev.txt, requirements.txt");
        assert_eq!(p.lines.len(), 2);
        assert!(p.lines[0].starts_with("-r ") && p.lines[0].ends_with("requirements-dev.txt"));
    }

    #[test]
    fn nothing_to_go_on_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(plan(dir.path(), None), None);
    }
}
