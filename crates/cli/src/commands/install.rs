use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use pyman_installer::auth::Credentials;
use pyman_installer::download::{Client, Location};
use pyman_installer::refresh;
use pyman_installer::{Build, Index, InstallError, Installer, Options, Outcome};
use pyman_resolver::VersionRequest;
use pyman_resolver::target::require_selection;
use serde_json::json;

use crate::app::App;
use crate::args::{IndexArgs, InstallArgs, ListArgs, is_archive_argument};
use crate::error::{Hinted, fail, hinted, target_error, usage};
use crate::reporter::BarReporter;

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

pub fn installer(app: &App, reinstall: bool, args: &IndexArgs) -> Result<Installer> {
    let mut options = Options::from_env(app.env());
    options.reinstall = reinstall;
    options.offline = args.offline;
    options.cache = if args.no_cache {
        None
    } else {
        let cache = crate::commands::cache::location(app);
        match pyman_installer::cache::Cache::open(cache.root()) {
            Ok(c) => Some(c),
            Err(e) => {
                app.printer.warn(e.to_string());
                app.printer.hint(e.hint());
                None
            }
        }
    };
    let creds = Credentials::from_env(app.env(), args.mirror.as_deref());
    if let Some(problem) = &creds.problem {
        app.printer.warn(format!(
            "{problem}; mirror credentials from it are not used"
        ));
    }
    options.credentials = Arc::new(creds);
    let reporter = Arc::new(BarReporter::new(app.printer.quiet));
    Installer::new(app.home().clone(), options, reporter).map_err(|e| hinted(e, None, 1))
}

/// The builds pyman can install: `--downloads-json` alone when given, else
/// the embedded index with python-build-standalone's newest release merged
/// over it (cached for `PYMAN_INDEX_TTL`), with `--mirror` applied.
pub async fn load_index(app: &App, installer: &Installer, args: &IndexArgs) -> Result<Index> {
    let index = match &args.downloads_json {
        Some(source) => {
            let location = Location::parse(source);
            if args.offline && matches!(location, Location::Http(_)) {
                return Err(fail(
                    format!(
                        "offline mode forbids downloading the index `{}`",
                        location.display()
                    ),
                    "give `--downloads-json` a file (the `downloads.json` of a `pyman mirror` folder works), or drop `--offline`",
                ));
            }
            let text = installer
                .client()
                .get_text(&location, pyman_installer::index::MAX_INDEX_BYTES)
                .await
                .map_err(|e| {
                    hinted(
                        e,
                        "check `--downloads-json` / `PYMAN_DOWNLOADS_JSON`".to_string(),
                        1,
                    )
                })?;
            Index::parse(&text, source).map_err(|e| {
                let hint = e.hint().to_string();
                hinted(e, hint, 2)
            })?
        }
        None => {
            let policy = if args.refresh {
                refresh::Policy::Force
            } else if args.offline {
                refresh::Policy::Never
            } else {
                let ttl = app.env().var_os(pyman_installer::env::PYMAN_INDEX_TTL);
                refresh::Policy::from_ttl(ttl.as_deref().and_then(|v| v.to_str()))
            };
            let client = Client::for_index(std::time::Duration::from_secs(5))
                .map_err(|e| hinted(e, None, 1))?
                .with_credentials(installer.credentials());
            let fresh =
                refresh::fresh_builds(&client, app.home(), args.mirror.as_deref(), policy).await;
            for note in &fresh.notes {
                app.printer.debug(note);
            }
            for warning in &fresh.warnings {
                app.printer.warn(warning);
            }
            let mut index = Index::embedded();
            if let Some(tag) = &fresh.tag {
                index.origin = format!("built-in and release {tag}");
            }
            index.merge(fresh.builds)
        }
    };
    Ok(match &args.mirror {
        Some(mirror) => index.with_mirror(mirror),
        None => index,
    })
}

enum Job {
    Build(Build),
    Archive(String),
}

pub fn run(app: &App, args: &InstallArgs) -> Result<ExitCode> {
    let rt = runtime()?;
    rt.block_on(async {
        // Ctrl-C: remove this run's scratch folders, then leave with 130.
        tokio::spawn(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                pyman_installer::scratch::remove_active();
                #[allow(clippy::print_stderr, clippy::exit)]
                {
                    eprintln!("\ninterrupted: nothing was installed");
                    std::process::exit(130);
                }
            }
        });
        install(app, args).await
    })
}

async fn install(app: &App, args: &InstallArgs) -> Result<ExitCode> {
    let installer = Arc::new(installer(app, args.reinstall, &args.index)?);
    // Discovery (which may run interpreters once to learn their versions)
    // overlaps with the download; the refresh after the install then only
    // finds cached answers.
    let (home, env) = (app.home().clone(), app.env().clone());
    let warm = tokio::task::spawn_blocking(move || crate::discovery::refresh(&home, &env));
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
    let mut index: Option<Index> = None;
    for text in &requests {
        if is_archive_argument(text) {
            if args.sha256.is_none() {
                app.printer.warn(format!(
                    "`{text}` is installed unverified: give `--sha256 HEX` to check it"
                ));
            }
            jobs.push((text.clone(), Job::Archive(text.clone())));
            continue;
        }
        let request: VersionRequest = crate::error::parse_request(text)?;
        if matches!(request, VersionRequest::System | VersionRequest::Path(_)) {
            return Err(usage(
                format!("`{request}` is not something pyman can install"),
                "install a version such as `pyman install 3.12`",
            ));
        }
        if index.is_none() {
            index = Some(load_index(app, &installer, &args.index).await?);
        }
        let index = index.as_ref().map_or_else(Index::default, Clone::clone);
        let build = index
            .find(&request, &installer.host)
            .cloned()
            .ok_or_else(|| {
                let minors = available_minors(&index, &installer);
                fail(
                    format!(
                        "no build of Python `{request}` for {} in the {} index",
                        installer.host.triple(),
                        index.origin
                    ),
                    format!("available: {minors}; see `pyman list --available`"),
                )
            })?;
        jobs.push((text.clone(), Job::Build(build)));
    }

    // Several requests install concurrently; each has its own lock and scratch.
    let mut set = tokio::task::JoinSet::new();
    for (i, (label, job)) in jobs.into_iter().enumerate() {
        let installer = Arc::clone(&installer);
        let sha = args.sha256.clone();
        set.spawn(async move {
            let result = match &job {
                Job::Build(b) => installer.install(b).await,
                Job::Archive(a) => installer.install_archive(a, sha.as_deref()).await,
            };
            (i, label, result)
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = set.join_next().await {
        results.push(joined?);
    }
    results.sort_by_key(|(i, ..)| *i);

    let mut failed = 0;
    let mut changed = false;
    let mut installed_keys = Vec::new();
    for (_, label, result) in results {
        match result {
            Ok(Outcome::Installed { key, path, version }) => {
                changed = true;
                installed_keys.push(key.clone());
                app.printer.success(format!(
                    "Installed Python {version} ({key}) to `{}`",
                    path.display()
                ));
                crate::support_status::warn_if_end_of_life(app, version.major, version.minor);
            }
            Ok(Outcome::AlreadyInstalled { key, path }) => {
                app.printer.info(format!(
                    "`{key}` is already installed at `{}` (`--reinstall` replaces it)",
                    path.display()
                ));
                // An earlier install whose default venv failed (a full disk)
                // gets it now.
                if let Some(i) = managed_interpreter(&key, &path)
                    && !crate::venv::default_venv_path(app.home(), &i)
                        .join("pyvenv.cfg")
                        .is_file()
                {
                    changed = true;
                    installed_keys.push(key);
                }
            }
            Err(e) => {
                failed += 1;
                report_install_error(app, &label, e);
            }
        }
    }
    let _ = warm.await;
    if changed {
        let inventory = app.refresh_inventory()?;
        for i in inventory
            .interpreters
            .iter()
            .filter(|i| installed_keys.contains(&i.key))
        {
            if !args.no_registry
                && let Err(e) = crate::registry::register(i, i.bin_dir())
            {
                app.printer.warn(format!(
                    "Python {} was not registered for the `py` launcher: {e}",
                    i.version_string()
                ));
            }
            match crate::venv::ensure_default(app.home(), i) {
                Ok(Some(path)) => app
                    .printer
                    .info(format!("Created its default venv `{}`", path.display())),
                Ok(None) => {}
                Err(e) => {
                    // The interpreter is installed, but `pip` outside
                    // projects would have nowhere to go: a failure.
                    failed += 1;
                    app.printer.error(format!(
                        "the default venv of Python {} was not created: {e:#}",
                        i.version_string()
                    ));
                    let full = e.chain().any(|c| {
                        c.downcast_ref::<std::io::Error>()
                            .is_some_and(|io| io.kind() == std::io::ErrorKind::StorageFull)
                    }) || format!("{e:#}").contains("No space left");
                    app.printer.hint(format!(
                        "{}then `pyman install {}` (or `pyman venv --default --python {}`) creates it",
                        if full {
                            format!(
                                "the disk is full: free space where `{}` lives, ",
                                app.home().venvs().display()
                            )
                        } else {
                            String::new()
                        },
                        i.version_string(),
                        i.version_string()
                    ));
                }
            }
        }
        // Default venvs add no interpreter: the inventory just read is current.
        crate::commands::rehash::write_shims(app, &inventory);
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The interpreter of a managed install folder, from its metadata.
fn managed_interpreter(key: &str, path: &std::path::Path) -> Option<pyman_resolver::Interpreter> {
    let meta = pyman_installer::managed::InstallMetadata::read(path).ok()?;
    Some(pyman_resolver::Interpreter {
        key: key.to_string(),
        version: meta.version()?,
        variant: meta.variant(),
        origin: pyman_resolver::inventory::Origin::Managed,
        executable: pyman_installer::managed::executable(path),
    })
}

fn report_install_error(app: &App, label: &str, e: InstallError) {
    let hint = e.hint();
    let err = anyhow::Error::new(Hinted {
        hint,
        code: 1,
        error: Box::new(e),
    })
    .context(format!("cannot install `{label}`"));
    app.printer.error(err.to_string());
    for cause in err.chain().skip(1) {
        app.printer.cause(cause.to_string());
    }
    if let Some(h) = err
        .chain()
        .find_map(|c| c.downcast_ref::<Hinted>())
        .and_then(|h| h.hint.as_deref())
    {
        app.printer.hint(h);
    }
}

fn available_minors(index: &Index, installer: &Installer) -> String {
    let mut minors: Vec<(u64, u64)> = index
        .for_host(&installer.host)
        .map(|b| (b.version.major, b.version.minor))
        .collect();
    minors.sort_unstable();
    minors.dedup();
    let list: Vec<String> = minors
        .iter()
        .rev()
        .map(|(a, b)| format!("{a}.{b}"))
        .collect();
    if list.is_empty() {
        "nothing for this machine".to_string()
    } else {
        list.join(", ")
    }
}

/// `pyman list --available [REQUEST]`: the newest build of each minor (or every
/// build matching REQUEST) for this machine.
pub fn list_available(app: &App, args: &ListArgs) -> Result<ExitCode> {
    let rt = runtime()?;
    let installer = installer(app, false, &args.index)?;
    let index = rt.block_on(load_index(app, &installer, &args.index))?;
    let request = match &args.request {
        Some(text) => Some(crate::error::parse_request(text)?),
        None => None,
    };
    let host = &installer.host;
    let mut builds: Vec<&Build> = index
        .for_host(host)
        .filter(|b| {
            request
                .as_ref()
                .is_none_or(|r| r.matches(&b.version, b.variant))
        })
        .collect();
    // One sort: minors newest first, finals before prereleases within a
    // minor, versions newest first, then, among builds of one version, the
    // one `install` would pick (best CPU level, preferred archive, newest
    // tag) first. Then one pass keeps the first of each group: linear in
    // the builds after the sort, however many versions are listed.
    builds.sort_by(|a, b| {
        (b.version.major, b.version.minor)
            .cmp(&(a.version.major, a.version.minor))
            .then(a.variant.cmp(&b.variant))
            .then(a.version.is_prerelease().cmp(&b.version.is_prerelease()))
            .then(b.version.cmp(&a.version))
            .then(
                host.level_rank(b.arch_level.as_deref())
                    .cmp(&host.level_rank(a.arch_level.as_deref())),
            )
            .then(a.archive_rank().cmp(&b.archive_rank()))
            .then(b.build.cmp(&a.build))
    });
    // One line per version and variant; by default only the newest of each
    // minor, a prerelease only where a minor has nothing else yet.
    let mut seen = std::collections::HashSet::new();
    let picks: Vec<&Build> = builds
        .into_iter()
        .filter(|b| {
            if args.all || request.is_some() {
                seen.insert((Some(b.version), b.variant, 0, 0))
            } else {
                seen.insert((None, b.variant, b.version.major, b.version.minor))
            }
        })
        .collect();
    let today = crate::support_status::today(app);
    let installed = pyman_installer::managed::installed(app.home())?;
    let is_installed = |b: &Build| installed.iter().any(|i| i.key == b.install_key());
    if args.json {
        let rows: Vec<_> = picks
            .iter()
            .map(|b| {
                json!({
                    "key": b.install_key(),
                    "version": b.version.to_string(),
                    "variant": b.variant.name(),
                    "build": b.build,
                    "url": b.url.redacted(),
                    "sha256": b.sha256,
                    "installed": is_installed(b),
                    "support": crate::support_status::support_json(b.version.major, b.version.minor, today),
                })
            })
            .collect();
        app.printer.data(serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if picks.is_empty() {
        return Err(fail(
            format!(
                "no build matches for {} in the {} index",
                installer.host.triple(),
                index.origin
            ),
            format!("available: {}", available_minors(&index, &installer)),
        ));
    }
    for b in picks {
        let status = pyman_installer::support::status(b.version.major, b.version.minor, today);
        let mark = if is_installed(b) { ", installed" } else { "" };
        app.printer.data(format!(
            "{:<12} {:<50} {status}{mark}",
            b.version_string(),
            b.install_key()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
