//! Putting the shims folder first on PATH, for the user's shells: one marked
//! block per rc file, replaced in place, so `pyman setup` can run any number
//! of times.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use fs_err as fs;

pub const BEGIN: &str = "# >>> pyman >>>";
pub const END: &str = "# <<< pyman <<<";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Pwsh,
    Sh,
}

impl Shell {
    pub fn parse(name: &str) -> Result<Shell> {
        let base = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(name)
            .to_ascii_lowercase();
        let base = base.strip_suffix(".exe").unwrap_or(&base);
        Ok(match base {
            "bash" => Shell::Bash,
            "zsh" => Shell::Zsh,
            "fish" => Shell::Fish,
            "pwsh" | "powershell" => Shell::Pwsh,
            "sh" | "dash" | "ksh" => Shell::Sh,
            other => {
                bail!("`{other}` is not a shell pyman knows (bash, zsh, fish, powershell, sh)")
            }
        })
    }

    /// The user's login shell, from `$SHELL` (PowerShell on Windows).
    pub fn detect() -> Shell {
        if cfg!(windows) {
            return Shell::Pwsh;
        }
        std::env::var("SHELL")
            .ok()
            .and_then(|s| Shell::parse(&s).ok())
            .unwrap_or(Shell::Sh)
    }

    /// The files a new shell of this kind reads, in the user's home.
    pub fn rc_files(self, home: &Path) -> Vec<PathBuf> {
        match self {
            // Interactive shells read .bashrc; login shells read .bash_profile
            // (or .profile when there is none), which often do not source .bashrc.
            Shell::Bash => {
                let login = if home.join(".bash_profile").exists() {
                    ".bash_profile"
                } else {
                    ".profile"
                };
                vec![home.join(".bashrc"), home.join(login)]
            }
            // Read by every zsh, login or not, interactive or not.
            Shell::Zsh => vec![home.join(".zshenv")],
            Shell::Fish => vec![home.join(".config/fish/conf.d/pyman.fish")],
            Shell::Pwsh => vec![powershell_profile(home)],
            Shell::Sh => vec![home.join(".profile")],
        }
    }
}

fn powershell_profile(home: &Path) -> PathBuf {
    if cfg!(windows) {
        home.join("Documents")
            .join("PowerShell")
            .join("Microsoft.PowerShell_profile.ps1")
    } else {
        home.join(".config/powershell/Microsoft.PowerShell_profile.ps1")
    }
}

/// The lines that put `shims` (and the folder of the `pyman` binary) first on PATH.
pub fn snippet(
    shell: Shell,
    shims: &Path,
    bin: Option<&Path>,
    pyman_home: Option<&Path>,
) -> String {
    let shims = shims.display();
    let mut out = Vec::new();
    match shell {
        Shell::Bash | Shell::Zsh | Shell::Sh => {
            if let Some(h) = pyman_home {
                out.push(format!("export PYMAN_HOME=\"{}\"", h.display()));
            }
            if let Some(bin) = bin {
                let bin = bin.display();
                out.push(format!(
                    "case \":$PATH:\" in *\":{bin}:\"*) ;; *) PATH=\"{bin}:$PATH\" ;; esac"
                ));
            }
            // Shims first, even when another manager put its own before them.
            out.push(format!(
                "case \"$PATH\" in \"{shims}\"|\"{shims}:\"*) ;; *) PATH=\"{shims}:$PATH\" ;; esac"
            ));
            out.push("export PATH".to_string());
        }
        Shell::Fish => {
            if let Some(h) = pyman_home {
                out.push(format!("set -gx PYMAN_HOME \"{}\"", h.display()));
            }
            if let Some(bin) = bin {
                out.push(format!(
                    "contains \"{}\" $PATH; or set -gx PATH \"{}\" $PATH",
                    bin.display(),
                    bin.display()
                ));
            }
            out.push(format!(
                "set -gx PATH \"{shims}\" (string match -v -- \"{shims}\" $PATH)"
            ));
        }
        Shell::Pwsh => {
            let sep = if cfg!(windows) { ";" } else { ":" };
            if let Some(h) = pyman_home {
                out.push(format!("$env:PYMAN_HOME = \"{}\"", h.display()));
            }
            if let Some(bin) = bin {
                out.push(format!(
                    "if (-not ($env:PATH -split '{sep}' -contains \"{b}\")) {{ $env:PATH = \"{b}{sep}\" + $env:PATH }}",
                    b = bin.display()
                ));
            }
            out.push(format!(
                "$env:PATH = \"{shims}{sep}\" + (($env:PATH -split '{sep}' | Where-Object {{ $_ -ne \"{shims}\" }}) -join '{sep}')"
            ));
        }
    }
    out.join("\n") + "\n"
}

/// Writes (or replaces) pyman's block in `file`; returns whether it changed.
pub fn write_block(file: &Path, body: &str) -> Result<bool> {
    let old = fs_err::read_to_string(file).unwrap_or_default();
    let block = format!(
        "{BEGIN}\n# Puts pyman's shims first on PATH; `pyman self uninstall` removes this block.\n{body}{END}\n"
    );
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(start), Some(end)) if end > start => {
            let after = old[end + END.len()..].trim_start_matches('\n');
            format!("{}{block}{}", &old[..start], after)
        }
        _ if old.is_empty() => block,
        _ => format!(
            "{}{}\n{block}",
            old,
            if old.ends_with('\n') { "" } else { "\n" }
        ),
    };
    if new == old {
        return Ok(false);
    }
    if let Some(dir) = file.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(file, new)?;
    Ok(true)
}

/// Removes pyman's block from `file`; returns whether there was one.
pub fn remove_block(file: &Path) -> Result<bool> {
    let Ok(old) = fs_err::read_to_string(file) else {
        return Ok(false);
    };
    let (Some(start), Some(end)) = (old.find(BEGIN), old.find(END)) else {
        return Ok(false);
    };
    if end < start {
        return Ok(false);
    }
    let after = old[end + END.len()..].trim_start_matches('\n');
    let before = old[..start].trim_end_matches('\n');
    let new = match (before.is_empty(), after.is_empty()) {
        (true, _) => after.to_string(),
        (false, true) => format!("{before}\n"),
        (false, false) => format!("{before}\n{after}"),
    };
    fs::write(file, new)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_is_written_once_and_removed_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let rc = dir.path().join(".bashrc");
        std::fs::write(&rc, "alias ll='ls -l'\n").unwrap();
        assert!(write_block(&rc, "export PATH=/a:$PATH\n").unwrap());
        assert!(
            !write_block(&rc, "export PATH=/a:$PATH\n").unwrap(),
            "second run changes nothing"
        );
        assert!(
            write_block(&rc, "export PATH=/b:$PATH\n").unwrap(),
            "a new body replaces the old one"
        );
        let text = std::fs::read_to_string(&rc).unwrap();
        assert_eq!(text.matches(BEGIN).count(), 1, "{text}");
        assert!(text.contains("/b:") && !text.contains("/a:"));
        assert!(text.starts_with("alias ll"));
        assert!(remove_block(&rc).unwrap());
        assert_eq!(std::fs::read_to_string(&rc).unwrap(), "alias ll='ls -l'\n");
    }

    #[test]
    fn sh_snippet_puts_shims_first() {
        let s = snippet(
            Shell::Bash,
            Path::new("/h/shims"),
            Some(Path::new("/h/bin")),
            None,
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("PATH=/x/shims:/usr/bin:/h/shims\n{s}echo $PATH"))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "/h/shims:/h/bin:/x/shims:/usr/bin:/h/shims"
        );
        assert!(Shell::parse("/usr/bin/zsh").unwrap() == Shell::Zsh);
        assert!(Shell::parse("tcsh").is_err());
    }
}
