use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Result;
use pyman_installer::{Build, Outcome, managed};
use pyman_resolver::Hint;
use pyman_resolver::inventory::Origin;
use pyman_resolver::{Interpreter, Version, VersionRequest};

use crate::app::App;
use crate::error::hinted;
use crate::session::Session;

/// Installs the newest patch of each installed minor (or of those asked for).
/// The per-minor link then points at it, which moves every venv of that minor;
/// the old patch is removed unless a pin names it exactly.
pub fn run(app: &App, args: &crate::args::UpgradeArgs) -> Result<ExitCode> {
    let requests: Vec<VersionRequest> = args
        .requests
        .iter()
        .map(|t| crate::error::parse_request(t))
        .collect::<Result<_>>()?;
    let inventory = app.refresh_inventory()?;
    let mut minors: BTreeMap<String, Vec<&Interpreter>> = BTreeMap::new();
    for i in inventory
        .interpreters
        .iter()
        .filter(|i| i.origin == Origin::Managed)
    {
        if requests.is_empty() || requests.iter().any(|r| r.matches(&i.version, i.variant)) {
            minors.entry(i.minor_key()).or_default().push(i);
        }
    }
    if minors.is_empty() {
        app.printer
            .info("Nothing to upgrade: no managed interpreter matches");
        return Ok(ExitCode::SUCCESS);
    }
    let session = Session::new(app, &args.index, false)?;
    let (rt, installer) = (&session.rt, &session.installer);
    let mut rebuilder: Option<Session> = None;
    let index = session.index()?;
    let pinned = exact_pins(app);
    let mut failed = false;
    // Installs made before pyman rewrote the build machine's values (a
    // `/install` prefix, `CC=clang`): repaired in place, whatever else happens.
    for i in minors.values().flatten() {
        match managed::repair_build_values(app.home(), &i.key) {
            Ok(Some(done)) => app.printer.info(format!(
                "Repaired Python {}: its build-time values named the build machine ({} file{} rewritten for C extensions to build here)",
                i.version_string(),
                done.files.len(),
                if done.files.len() == 1 { "" } else { "s" }
            )),
            Ok(None) => {}
            Err(e) => {
                failed = true;
                crate::error::print(&app.printer, &crate::error::lib(e));
            }
        }
    }
    for (minor_key, installed) in minors {
        let newest_installed = installed
            .iter()
            .map(|i| i.version)
            .max()
            .unwrap_or(Version::new(0, 0, 0));
        let first = installed[0];
        let request = VersionRequest::minor_of(&first.version, first.variant);
        let Some(build) = index.find(&request, &installer.host).cloned() else {
            continue;
        };
        if build.version == newest_installed
            && let Some(from) = older_build(app, &installed, &build)
        {
            // python-build-standalone rebuilds a patch when its bundled
            // libraries (OpenSSL, SQLite…) get security fixes.
            let rebuild = match &mut rebuilder {
                Some(r) => r,
                None => rebuilder.insert(Session::new(app, &args.index, true)?),
            };
            match rt.block_on(rebuild.installer.install(&build)) {
                Ok(_) => app.printer.success(format!(
                    "Rebuilt Python {} with the newer build {} (was {from}); its venvs keep working",
                    build.version_string(),
                    build.build.as_deref().unwrap_or("?")
                )),
                Err(e) => {
                    failed = true;
                    app.printer
                        .error(format!("cannot rebuild Python {request}: {e}"));
                    if let Some(h) = e.hint() {
                        app.printer.hint(h);
                    }
                }
            }
            continue;
        }
        if build.version <= newest_installed {
            app.printer.info(format!(
                "Python {request} is up to date ({newest_installed})"
            ));
            continue;
        }
        match rt.block_on(installer.install(&build)) {
            Ok(Outcome::Installed { .. } | Outcome::AlreadyInstalled { .. }) => {
                app.printer.success(format!(
                    "Upgraded Python {request}: {newest_installed} -> {}",
                    build.version
                ));
                for old in installed.iter().filter(|i| i.version < build.version) {
                    if pinned.contains(&old.version) {
                        app.printer
                            .info(format!("Kept Python {}: a pin names it", old.version));
                        continue;
                    }
                    managed::remove(app.home(), &old.key).map_err(|e| hinted(e, None, 1))?;
                    app.printer.info(format!(
                        "Removed Python {} (its venvs now use {})",
                        old.version, build.version
                    ));
                }
                managed::update_minor_link(app.home(), &minor_key)?;
            }
            Err(e) => {
                failed = true;
                app.printer
                    .error(format!("cannot upgrade Python {request}: {e}"));
                if let Some(h) = e.hint() {
                    app.printer.hint(h);
                }
            }
        }
    }
    crate::commands::rehash::after_change(app)?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The build tag of the installed `build.version`, when the index has a
/// newer build of that same patch.
fn older_build(app: &App, installed: &[&Interpreter], build: &Build) -> Option<String> {
    let same = installed
        .iter()
        .find(|i| i.version == build.version && i.variant == build.variant)?;
    let meta = managed::InstallMetadata::read(&app.home().pythons().join(&same.key)).ok()?;
    let (old, new) = (meta.build?, build.build.as_deref()?);
    (new > old.as_str()).then_some(old)
}

/// Exact versions named by pins this run can see: the folder chain, the
/// global default and `PYMAN_PYTHON`.
fn exact_pins(app: &App) -> Vec<Version> {
    pyman_resolver::selection::pins_in_chain(app.cwd(), app.env(), app.home())
        .into_iter()
        .flatten()
        .filter_map(|s| match s.request {
            VersionRequest::Version { release, .. } => Some(Version {
                major: release.major,
                minor: release.minor?,
                patch: release.patch?,
                pre: release.pre,
            }),
            _ => None,
        })
        .collect()
}
