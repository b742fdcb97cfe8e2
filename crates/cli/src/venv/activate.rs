//! Activation scripts, from the interpreter's own `venv` templates (bash/zsh,
//! fish, csh, PowerShell; cmd on Windows), so they match its `python -m venv`.

use std::path::Path;

use anyhow::Result;
use fs_err as fs;

use super::Base;

pub fn write_scripts(base: &Base, bin: &Path, target: &Path, prompt: &str) -> Result<()> {
    let scripts = base.stdlib().join("venv").join("scripts");
    let platform_dir = if cfg!(windows) { "nt" } else { "posix" };
    let env_exe = bin.file_name().map_or_else(
        || target.join("bin").join("python"),
        |b| {
            target
                .join(b)
                .join(format!("python{}", pyman_resolver::platform::EXE_SUFFIX))
        },
    );
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for dir in ["common", platform_dir] {
        let Ok(entries) = fs_err::read_dir(scripts.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let file = entry.file_name();
            let Ok(text) = fs_err::read_to_string(entry.path()) else {
                // Binary templates (old Windows launchers) are copied as they are.
                fs::copy(entry.path(), bin.join(&file))?;
                continue;
            };
            let text = text
                .replace("__VENV_DIR__", &target.display().to_string())
                .replace("__VENV_NAME__", &name)
                .replace("__VENV_PROMPT__", &format!("({prompt}) "))
                .replace(
                    "__VENV_BIN_NAME__",
                    &bin.file_name().unwrap_or_default().to_string_lossy(),
                )
                .replace("__VENV_PYTHON__", &env_exe.display().to_string());
            fs::write(bin.join(&file), text)?;
        }
    }
    Ok(())
}
