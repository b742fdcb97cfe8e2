//! What `pyman tool install` was asked, kept in the tool's venv as
//! `pyman-tool.json`, so an upgrade, a move to another Python or a repair
//! rebuilds the tool as it was asked for.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const FILE: &str = "pyman-tool.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The package's name (the tool's folder).
    pub name: String,
    /// What was asked, as pip takes it: `black==24.*`, a path, a wheel, a URL.
    pub requirement: String,
    /// `--with` requirements.
    #[serde(default)]
    pub with: Vec<String>,
    /// `--python`, when one was asked for; `None`: the selection at the time.
    #[serde(default)]
    pub python: Option<String>,
    /// The version pip installed.
    #[serde(default)]
    pub version: Option<String>,
    /// The package's own console scripts, linked as commands.
    #[serde(default)]
    pub commands: Vec<String>,
}

impl Receipt {
    pub fn path(venv: &Path) -> PathBuf {
        venv.join(FILE)
    }

    pub fn read(venv: &Path) -> Result<Receipt, String> {
        let path = Self::path(venv);
        let text = fs_err::read_to_string(&path).map_err(|e| e.to_string())?;
        serde_json::from_str(&text).map_err(|e| format!("`{}` is damaged: {e}", path.display()))
    }

    pub fn write(&self, venv: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_vec_pretty(self)?;
        pyman_installer::atomic::write(&Self::path(venv), text)?;
        Ok(())
    }
}

/// The package name a requirement names, when its text says it: `black`,
/// `black[d]>=24`, `Black==24.1`, `black@24.1`, a wheel's file name. A
/// path to a folder, an sdist or a URL say it only once pip has read them.
pub fn name_in(spec: &str) -> Option<String> {
    let spec = spec.trim();
    let file = spec.rsplit(['/', '\\']).next().unwrap_or(spec);
    if let Some(stem) = file.strip_suffix(".whl") {
        return stem.split('-').next().map(normalize);
    }
    if spec.contains(['/', '\\']) || spec.contains("://") || spec.starts_with('.') {
        return None;
    }
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    let name = &spec[..end];
    (!name.is_empty() && name.starts_with(|c: char| c.is_ascii_alphanumeric()))
        .then(|| normalize(name))
}

/// PEP 503: lower case, runs of `-`, `_` and `.` as one `-`.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// A normalized package name that is safe as one folder name: letters,
/// digits and single `-`, as PEP 503 names are.
pub fn is_tool_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && name != "commands"
}

/// `ruff@0.5.0` (uvx's form) as pip's `ruff==0.5.0`; other specs as given.
pub fn pip_spec(spec: &str) -> String {
    match spec.split_once('@') {
        Some((name, version))
            if !name.is_empty()
                && !version.is_empty()
                && !version.contains("://")
                && !name.contains(['/', '\\', ' '])
                && version.starts_with(|c: char| c.is_ascii_digit()) =>
        {
            format!("{name}=={version}")
        }
        _ => spec.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_requirements() {
        for (spec, name) in [
            ("black", Some("black")),
            ("Black==24.1", Some("black")),
            ("black[d]>=24", Some("black")),
            ("zope.interface", Some("zope-interface")),
            ("My_Tool", Some("my-tool")),
            ("ruff@0.5.0", Some("ruff")),
            ("/tmp/w/my_tool-1.0-py3-none-any.whl", Some("my-tool")),
            ("./dist/x-2.0-py3-none-any.whl", Some("x")),
            ("./src/mytool", None),
            ("https://example.com/pkg.tar.gz", None),
            ("git+https://example.com/r.git", None),
            ("", None),
        ] {
            assert_eq!(name_in(spec).as_deref(), name, "{spec}");
        }
        assert_eq!(pip_spec("ruff@0.5.0"), "ruff==0.5.0");
        for bad in ["", "../x", "/x", "a/b", "commands", "-x", "A", "..", "a b"] {
            assert!(!is_tool_name(bad), "{bad}");
        }
        // What normalizing leaves of a path is still no tool name.
        assert_eq!(normalize("../x"), "/x");
        assert!(is_tool_name("my-tool") && is_tool_name("black"));
        assert_eq!(pip_spec("pkg @ https://x/y.whl"), "pkg @ https://x/y.whl");
        assert_eq!(pip_spec("black>=24"), "black>=24");
    }

    #[test]
    fn a_receipt_reads_back() {
        let tmp = tempfile::tempdir().unwrap();
        let r = Receipt {
            name: "black".into(),
            requirement: "black>=24".into(),
            with: vec!["click<9".into()],
            python: Some("3.12".into()),
            version: Some("24.1.0".into()),
            commands: vec!["black".into(), "blackd".into()],
        };
        r.write(tmp.path()).unwrap();
        assert_eq!(Receipt::read(tmp.path()).unwrap(), r);
        fs_err::write(Receipt::path(tmp.path()), "{").unwrap();
        assert!(Receipt::read(tmp.path()).unwrap_err().contains("damaged"));
    }
}
