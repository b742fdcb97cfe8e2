//! The install session: one runtime, one installer (HTTP client, download
//! cache, credentials), and the index of builds loaded once, shared by the
//! commands that install: `install`, `upgrade`, `migrate`, `mirror` and
//! `list --available`. `install` here is the one way an interpreter gets
//! installed, with what follows it (inventory, PEP 514, default venv, shims).

use std::cell::OnceCell;
use std::sync::Arc;

use anyhow::Result;
use pyman_installer::auth::Credentials;
use pyman_installer::download::{Client, Location};
use pyman_installer::refresh;
use pyman_installer::{Build, Index, InstallError, Installer, Options, Outcome};
use pyman_resolver::Hint;
use pyman_resolver::VersionRequest;

use crate::app::App;
use crate::args::IndexArgs;
use crate::error::{fail, hinted};
use crate::reporter::BarReporter;

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// What the commands that install share.
pub struct Session<'a> {
    app: &'a App,
    args: &'a IndexArgs,
    pub rt: tokio::runtime::Runtime,
    pub installer: Arc<Installer>,
    index: OnceCell<Index>,
}

impl<'a> Session<'a> {
    /// `reinstall`: replace builds already installed (`--reinstall`, rebuilt patches).
    pub fn new(app: &'a App, args: &'a IndexArgs, reinstall: bool) -> Result<Session<'a>> {
        Ok(Session {
            app,
            args,
            rt: runtime()?,
            installer: Arc::new(installer(app, reinstall, args)?),
            index: OnceCell::new(),
        })
    }

    /// The index, loaded (and refreshed, by policy) on first use.
    pub fn index(&self) -> Result<&Index> {
        if let Some(i) = self.index.get() {
            return Ok(i);
        }
        let index = self
            .rt
            .block_on(load_index(self.app, &self.installer, self.args))?;
        Ok(self.index.get_or_init(|| index))
    }

    /// The build `request` installs here, or an error naming what there is.
    pub fn find(&self, request: &VersionRequest) -> Result<Build> {
        let index = self.index()?;
        index
            .find(request, &self.installer.host)
            .cloned()
            .ok_or_else(|| {
                let minors = available_minors(index, &self.installer);
                fail(
                    format!(
                        "no build of Python `{request}` for {} in the {} index",
                        self.installer.host.triple(),
                        index.origin
                    ),
                    format!("available: {minors}; see `pyman list --available`"),
                )
            })
    }
}

/// One install to run: a build of the index, or an archive by path or URL
/// (with the sha256 it must have).
pub enum Job {
    Build(Build),
    Archive {
        source: String,
        sha256: Option<String>,
    },
}

impl Session<'_> {
    /// Runs the labelled jobs concurrently (each has its own lock and
    /// scratch folder); the outcomes come back in the jobs' order.
    pub fn run(
        &self,
        jobs: Vec<(String, Job)>,
    ) -> Result<Vec<(String, Result<Outcome, InstallError>)>> {
        self.rt.block_on(async {
            let mut set = tokio::task::JoinSet::new();
            for (i, (label, job)) in jobs.into_iter().enumerate() {
                let installer = Arc::clone(&self.installer);
                set.spawn(async move {
                    let result = match &job {
                        Job::Build(b) => installer.install(b).await,
                        Job::Archive { source, sha256 } => {
                            installer.install_archive(source, sha256.as_deref()).await
                        }
                    };
                    (i, label, result)
                });
            }
            let mut results = Vec::new();
            while let Some(joined) = set.join_next().await {
                results.push(joined?);
            }
            results.sort_by_key(|(i, ..)| *i);
            Ok(results.into_iter().map(|(_, l, r)| (l, r)).collect())
        })
    }
}

/// Installs `requests` (each resolved in the session's index), then does
/// what follows an install. Errors are printed; returns whether all went
/// well. For `migrate --install` and `PYMAN_AUTO_INSTALL`-style callers.
pub fn install(session: &Session, requests: &[VersionRequest]) -> Result<bool> {
    let mut jobs = Vec::new();
    for r in requests {
        jobs.push((r.to_string(), Job::Build(session.find(r)?)));
    }
    let outcome = report(session.app, session.run(jobs)?);
    Ok(outcome.failed == 0 && finish(session.app, &outcome, false)? == 0)
}

/// What a batch of installs did.
pub struct Report {
    pub failed: usize,
    /// Ctrl-C reached an install (its smoke run): exit 130.
    pub interrupted: bool,
    /// Keys whose interpreter (or its missing default venv) is new.
    pub changed: Vec<String>,
}

/// Prints each outcome; errors with their chain and hint.
pub fn report(app: &App, results: Vec<(String, Result<Outcome, InstallError>)>) -> Report {
    let mut out = Report {
        failed: 0,
        interrupted: false,
        changed: Vec::new(),
    };
    for (label, result) in results {
        match result {
            Ok(Outcome::Installed { key, path, version }) => {
                out.changed.push(key.clone());
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
                if let Some(i) = pyman_installer::managed::interpreter_at(&path)
                    && !crate::venv::default_venv_path(app.home(), &i)
                        .join("pyvenv.cfg")
                        .is_file()
                {
                    out.changed.push(key);
                }
            }
            Err(e) => {
                out.failed += 1;
                out.interrupted |= matches!(e, InstallError::Interrupted);
                report_install_error(app, &label, e);
            }
        }
    }
    out
}

/// After installs: the inventory, PEP 514 (unless `no_registry`), each new
/// interpreter's default venv, the shims. Returns how many default venvs
/// failed (a failure of the install: `pip` outside projects would have
/// nowhere to go).
pub fn finish(app: &App, report: &Report, no_registry: bool) -> Result<usize> {
    if report.changed.is_empty() {
        return Ok(0);
    }
    let mut failed = 0;
    let inventory = app.refresh_inventory()?;
    for i in inventory
        .interpreters
        .iter()
        .filter(|i| report.changed.contains(&i.key))
    {
        if !no_registry && let Err(e) = crate::pep514::register(i, i.bin_dir()) {
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
    Ok(failed)
}

fn report_install_error(app: &App, label: &str, e: InstallError) {
    let err = crate::error::lib(e).context(format!("cannot install `{label}`"));
    crate::error::print(&app.printer, &err);
}

fn installer(app: &App, reinstall: bool, args: &IndexArgs) -> Result<Installer> {
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
                if let Some(h) = e.hint() {
                    app.printer.hint(h);
                }
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
                // Its own hint: a 401 names where credentials go, a 404 the URL flags.
                .map_err(crate::error::lib)?;
            Index::parse(&text, source).map_err(crate::error::lib)?
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

pub fn available_minors(index: &Index, installer: &Installer) -> String {
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
