//! What is installed in a venv, to report before it is rebuilt.

use std::path::Path;

/// `name==version` for each distribution in the venv's site-packages, read
/// from the `*.dist-info` folder names. This works even when the venv's
/// interpreter is gone, unlike `pip freeze`.
pub fn installed_packages(venv: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let lib = if cfg!(windows) {
        venv.join("Lib")
    } else {
        venv.join("lib")
    };
    let site_dirs: Vec<std::path::PathBuf> = if cfg!(windows) {
        vec![lib.join("site-packages")]
    } else {
        fs_err::read_dir(&lib)
            .map(|e| {
                e.flatten()
                    .map(|e| e.path().join("site-packages"))
                    .collect()
            })
            .unwrap_or_default()
    };
    for site in site_dirs {
        let Ok(entries) = fs_err::read_dir(&site) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".dist-info")
                && let Some((dist, version)) = stem.rsplit_once('-')
            {
                out.push(format!("{}=={version}", dist.replace('_', "-")));
            }
        }
    }
    out.sort_by_key(|s| s.to_ascii_lowercase());
    out
}
