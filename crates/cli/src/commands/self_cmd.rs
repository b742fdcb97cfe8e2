use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;

use anyhow::{Context as _, Result};
use fs_err as fs;
use pyman_installer::download::{Client, Location, NoProgress};
use pyman_resolver::platform::EXE_SUFFIX;

use crate::app::App;
use crate::args::SelfCommand;
use crate::error::fail;
use crate::self_release;
use crate::shell::{self, Shell};

pub fn run(app: &App, cmd: &SelfCommand) -> Result<ExitCode> {
    match cmd {
        SelfCommand::Update => update(app),
        SelfCommand::Uninstall { yes } => uninstall(app, *yes),
    }
}

fn base_url(app: &App) -> String {
    app.env()
        .non_empty(self_release::PYMAN_DOWNLOAD_URL)
        .map_or_else(
            || self_release::DEFAULT_DOWNLOAD_URL.to_string(),
            |v| v.to_string_lossy().into_owned(),
        )
        .trim_end_matches('/')
        .to_string()
}

fn update(app: &App) -> Result<ExitCode> {
    let base = base_url(app);
    let rt = crate::session::runtime()?;
    let client = Client::new(std::time::Duration::from_secs(30))
        .map_err(|e| crate::error::hinted(e, None, 1))?;
    let get = |url: String| {
        // `VERSION` and `SHA256SUMS` are a few lines: 1 MiB bounds a bad answer.
        rt.block_on(client.get_text(&Location::parse(&url), 1 << 20))
            .map_err(|e| {
                crate::error::hinted(
                    e,
                    Some(format!(
                        "check the network, or point `{}` at a mirror",
                        self_release::PYMAN_DOWNLOAD_URL
                    )),
                    1,
                )
            })
    };
    let latest = get(format!("{base}/VERSION"))?.trim().to_string();
    let current = env!("CARGO_PKG_VERSION");
    if latest == current {
        app.printer
            .info(format!("pyman {current} is the newest release"));
        return Ok(ExitCode::SUCCESS);
    }
    let name = self_release::archive_name(&latest);
    let url = format!("{base}/{name}");
    let expected = get(format!("{url}.sha256"))?;
    let expected = expected
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if expected.len() != 64 {
        return Err(fail(
            format!("`{url}.sha256` does not hold a sha256"),
            "check the mirror's files",
        ));
    }

    let exe = std::env::current_exe().context("cannot find the running pyman")?;
    let dir = exe.parent().context("pyman's folder")?.to_path_buf();
    let staging = tempfile::Builder::new()
        .prefix(".pyman-update-")
        .tempdir_in(&dir)
        .with_context(|| format!("cannot write in `{}`", dir.display()))?;
    let archive = staging.path().join(&name);
    let spool = archive.clone();
    let streamed = rt
        .block_on(client.stream(
            &Location::parse(&url),
            Arc::new(NoProgress),
            move |reader, _| pyman_installer::extract::spool(reader, &spool).map(drop),
        ))
        .map_err(|e| {
            crate::error::hinted(
                e,
                Some("check the network, or point `PYMAN_DOWNLOAD_URL` at a mirror".into()),
                1,
            )
        })?;
    streamed
        .value
        .with_context(|| format!("cannot save `{url}`"))?;
    if streamed.sha256 != expected {
        return Err(fail(
            format!(
                "checksum mismatch for `{url}`: expected sha256 {expected}, got {}",
                streamed.sha256
            ),
            "nothing was changed; the download is corrupt or the mirror serves other files",
        ));
    }
    let binaries = unpack_binaries(&archive, staging.path())?;
    // The shim first: a new pyman with an old shim is fine, the reverse too;
    // each rename is atomic.
    for (name, path) in [("pyman-shim", &binaries.1), ("pyman", &binaries.0)] {
        let target = dir.join(format!("{name}{EXE_SUFFIX}"));
        replace_file(path, &target)?;
    }
    app.printer.success(format!(
        "Updated pyman {current} -> {latest} in `{}`",
        dir.display()
    ));
    // The new binaries rewrite the shims with the new shim.
    let _ = Command::new(dir.join(format!("pyman{EXE_SUFFIX}")))
        .args(["rehash", "-q"])
        .status();
    Ok(ExitCode::SUCCESS)
}

/// `pyman` and `pyman-shim` from a release archive (`.tar.gz`, or `.zip` on
/// Windows), in a top folder or not.
fn unpack_binaries(archive: &Path, dir: &Path) -> Result<(PathBuf, PathBuf)> {
    let names = [
        format!("pyman{EXE_SUFFIX}"),
        format!("pyman-shim{EXE_SUFFIX}"),
    ];
    let mut found: [Option<PathBuf>; 2] = [None, None];
    let mut keep = |file_name: &str, reader: &mut dyn Read| -> Result<()> {
        if let Some(i) = names.iter().position(|n| n == file_name) {
            let out = dir.join(&names[i]);
            let mut data = Vec::new();
            reader.read_to_end(&mut data)?;
            fs_err::File::create(&out)?.write_all(&data)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755))?;
            }
            found[i] = Some(out);
        }
        Ok(())
    };
    let damaged = "the release archive is damaged";
    if archive.extension().is_some_and(|e| e == "zip") {
        let mut zip = zip::ZipArchive::new(fs_err::File::open(archive)?).context(damaged)?;
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).context(damaged)?;
            let name = entry
                .name()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            keep(&name, &mut entry)?;
        }
    } else {
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(fs_err::File::open(archive)?));
        for entry in tar.entries().context(damaged)? {
            let mut entry = entry.context(damaged)?;
            let path = entry.path()?.into_owned();
            let Some(name) = path.file_name().map(|f| f.to_string_lossy().into_owned()) else {
                continue;
            };
            keep(&name, &mut entry)?;
        }
    }
    match found {
        [Some(a), Some(b)] => Ok((a, b)),
        _ => Err(fail(
            "the release archive lacks `pyman` or `pyman-shim`",
            "check the mirror's files",
        )),
    }
}

/// Atomic on Unix; on Windows a running .exe is renamed away first.
fn replace_file(new: &Path, target: &Path) -> Result<()> {
    if cfg!(windows) && target.exists() {
        let old = target.with_extension("old.exe");
        let _ = fs_err::remove_file(&old);
        fs::rename(target, &old)?;
    }
    fs::rename(new, target)?;
    Ok(())
}

fn uninstall(app: &App, yes: bool) -> Result<ExitCode> {
    let home = app.home().root().to_path_buf();
    let remove_home = yes
        || confirm(&format!(
            "Remove `{}` (interpreters, venvs and shims pyman installed)? [y/N] ",
            home.display()
        ));
    if remove_home && home.exists() {
        fs::remove_dir_all(&home)?;
        app.printer.success(format!("Removed `{}`", home.display()));
    } else if home.exists() {
        app.printer.info(format!(
            "Kept `{}`; remove it yourself, or run `pyman self uninstall --yes`",
            home.display()
        ));
    }
    if let Some(user_home) = app.env().home_dir() {
        for sh in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Pwsh, Shell::Sh] {
            for file in sh.rc_files(&user_home) {
                if shell::remove_block(&file)? {
                    app.printer
                        .info(format!("Removed pyman's block from `{}`", file.display()));
                }
            }
        }
    }
    let exe = std::env::current_exe().context("cannot find the running pyman")?;
    let shim = exe.with_file_name(format!("pyman-shim{EXE_SUFFIX}"));
    if shim.exists() {
        fs::remove_file(&shim)?;
    }
    // A running binary can be unlinked on Unix; Windows keeps it until exit.
    if cfg!(unix) {
        fs::remove_file(&exe)?;
    }
    app.printer.success(format!(
        "Removed pyman from `{}`",
        exe.parent().unwrap_or(&exe).display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Asks on the terminal; without one, the answer is no.
fn confirm(question: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    let mut err = std::io::stderr();
    let _ = write!(err, "{question}");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes")
}
