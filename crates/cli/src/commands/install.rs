//! `pyman install [REQUEST...]`: builds from the index, or archives by path
//! or URL, installed concurrently through the install session.

use std::process::ExitCode;

use anyhow::Result;
use pyman_resolver::VersionRequest;
use pyman_resolver::target::require_selection;

use crate::app::App;
use crate::args::{InstallArgs, is_archive_argument};
use crate::error::{target_error, usage};
use crate::session::{self, Job, Session};

pub fn run(app: &App, args: &InstallArgs) -> Result<ExitCode> {
    let session = Session::new(app, &args.index, args.reinstall)?;
    // Ctrl-C: remove this run's scratch folders and partial downloads, then
    // leave with 130. On a thread of its own, so that it also acts while
    // the install thread is busy (the smoke run, the rename, the venv).
    let _ = ctrlc::set_handler(|| {
        let unfinished = pyman_installer::scratch::remove_active();
        pyman_installer::cache::remove_active_downloads();
        #[allow(clippy::print_stderr, clippy::exit)]
        {
            if unfinished > 0 {
                eprintln!("\ninterrupted: nothing was installed");
            } else {
                eprintln!("\ninterrupted");
            }
            std::process::exit(130);
        }
    });
    install(app, args, &session)
}

fn install(app: &App, args: &InstallArgs, session: &Session) -> Result<ExitCode> {
    // Discovery (which may run interpreters once to learn their versions)
    // overlaps with the download; the refresh after the install then only
    // finds cached answers.
    let (home, env) = (app.home().clone(), app.env().clone());
    let warm = std::thread::spawn(move || crate::discovery::refresh(&home, &env));
    let mut requests = args.requests.clone();
    if requests.is_empty() {
        let selection = require_selection(&app.ctx).map_err(target_error)?;
        app.printer.info(format!(
            "Installing `{}`, {}",
            selection.request,
            selection.source.reason()
        ));
        requests.push(selection.request.to_string());
    }
    let archives = requests.iter().filter(|r| is_archive_argument(r)).count();
    if args.sha256.is_some() && (archives != 1 || requests.len() != 1) {
        return Err(usage(
            "`--sha256` applies to one archive given by path or URL",
            "install archives one at a time: `pyman install ./python.tar.gz --sha256 HEX`",
        ));
    }

    let mut jobs = Vec::new();
    for text in &requests {
        if is_archive_argument(text) {
            if args.sha256.is_none() {
                app.printer.warn(format!(
                    "`{}` is installed unverified: give `--sha256 HEX` to check it",
                    pyman_installer::url::redact(text)
                ));
            }
            // The label is shown in messages: without the URL's credentials.
            jobs.push((
                pyman_installer::url::redact(text),
                Job::Archive {
                    source: text.clone(),
                    sha256: args.sha256.clone(),
                },
            ));
            continue;
        }
        let request: VersionRequest = crate::error::parse_request(text)?;
        if matches!(request, VersionRequest::System | VersionRequest::Path(_)) {
            return Err(usage(
                format!("`{request}` is not something pyman can install"),
                "install a version such as `pyman install 3.12`",
            ));
        }
        jobs.push((text.clone(), Job::Build(session.find(&request)?)));
    }

    let report = session::report(app, session.run(jobs)?);
    if report.interrupted {
        return Ok(ExitCode::from(130));
    }
    let _ = warm.join();
    let venvs_failed = session::finish(app, &report, args.no_registry)?;
    Ok(if report.failed + venvs_failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
