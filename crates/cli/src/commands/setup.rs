use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use fs_err as fs;

use crate::app::App;
use crate::error::usage;
use crate::shell::{self, Shell};

/// The snippet's inputs: the shims folder, the `pyman` binary's folder, and
/// PYMAN_HOME when it is not the default (so new shells find the same one).
fn snippet_for(app: &App, shell: Shell) -> String {
    let bin = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(PathBuf::from));
    let default = pyman_resolver::home::default_data_dir(app.env()).map(|d| d.join("pyman"));
    let custom = (default.as_deref() != Some(app.home().root())).then(|| app.home().root());
    shell::snippet(shell, &app.home().shims(), bin.as_deref(), custom)
}

pub fn run(app: &App, args: &crate::args::SetupArgs) -> Result<ExitCode> {
    if let Some(name) = &args.print {
        let shell = Shell::parse(name)
            .map_err(|e| usage(e.to_string(), "use one of bash, zsh, fish, powershell, sh"))?;
        app.printer.data(snippet_for(app, shell).trim_end());
        return Ok(ExitCode::SUCCESS);
    }
    let home = app.home();
    for dir in [home.pythons(), home.shims(), home.venvs(), home.cache()] {
        fs::create_dir_all(&dir)?;
    }
    crate::commands::rehash::after_change(app)?;
    app.printer.info(format!(
        "pyman's data folder is `{}`",
        home.root().display()
    ));

    let shell = Shell::detect();
    let snippet = snippet_for(app, shell);
    let user_home = app.env().home_dir();
    let Some(user_home) = user_home.filter(|_| !args.no_modify_path) else {
        app.printer.info(format!(
            "Add this to your shell's startup file ({}) so that pyman's shims come first on PATH:\n\n{snippet}",
            user_home_files(shell)
        ));
        return Ok(ExitCode::SUCCESS);
    };
    let mut changed = Vec::new();
    for file in shell.rc_files(&user_home) {
        if shell::write_block(&file, &snippet)? {
            changed.push(file);
        }
    }
    if changed.is_empty() {
        app.printer
            .info("PATH is already set up in your shell's startup files");
    } else {
        let list: Vec<String> = changed
            .iter()
            .map(|f| format!("`{}`", f.display()))
            .collect();
        app.printer.success(format!(
            "Put pyman's shims first on PATH in {}",
            list.join(" and ")
        ));
        app.printer
            .hint("open a new shell (or `source` that file) for it to take effect");
    }
    Ok(ExitCode::SUCCESS)
}

fn user_home_files(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "~/.bashrc and ~/.profile",
        Shell::Zsh => "~/.zshenv",
        Shell::Fish => "~/.config/fish/conf.d/pyman.fish",
        Shell::Pwsh => "$PROFILE",
        Shell::Sh => "~/.profile",
    }
}
