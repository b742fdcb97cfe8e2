use std::process::ExitCode;

use anyhow::Result;
use pyman_resolver::target::{require_selection, resolve};
use serde_json::json;

use crate::app::App;
use crate::args::ListArgs;
use crate::error::fail;
use pyman_installer::Build;

pub fn run(app: &App, args: &ListArgs) -> Result<ExitCode> {
    if args.available {
        return list_available(app, args);
    }
    let inventory = app.inventory()?;
    let ctx = app.shim_context();
    let selected = require_selection(&ctx)
        .ok()
        .and_then(|s| resolve(&ctx, &s, &inventory).ok())
        .map(|r| r.executable);
    let today = crate::support_status::today(app);
    let known = crate::support_status::known_patches(app);
    let build_tag = |i: &pyman_resolver::Interpreter| {
        (i.origin == pyman_resolver::Origin::Managed)
            .then(|| {
                pyman_installer::managed::InstallMetadata::read(&app.home().pythons().join(&i.key))
                    .ok()
                    .and_then(|m| m.build)
            })
            .flatten()
    };
    // A damaged list costs `list` its venv counts, not its answer: prompts
    // call it (doctor and uninstall are where the damage is an error).
    let venvs = match crate::venv::record::known(app.home()) {
        Ok(v) => v,
        Err(e) => {
            app.printer.warn(e.to_string());
            Vec::new()
        }
    };

    let used_by = |i: &pyman_resolver::Interpreter| venvs.iter().filter(|k| k.uses(i)).count();
    let rows: Vec<_> = inventory
        .interpreters
        .iter()
        .map(|i| (i, crate::support_status::newer_patch(&known, i)))
        .filter(|(_, newer)| !args.outdated || newer.is_some())
        .collect();
    if args.json {
        let rows: Vec<_> = rows
            .iter()
            .map(|(i, newer)| {
                json!({
                    "key": i.key,
                    "version": i.version.to_string(),
                    "variant": i.variant.name(),
                    "origin": i.origin.as_str(),
                    "executable": i.executable,
                    "build": build_tag(i),
                    "selected": selected.as_ref() == Some(&i.executable),
                    "support": crate::support_status::support_json(i.version.major, i.version.minor, today),
                    "newer_patch": newer.map(|b| b.version_string()),
                    "upgrade": newer.map(|b| crate::support_status::upgrade_command(i, &b)),
                    "venvs": used_by(i),
                })
            })
            .collect();
        app.printer.data(serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if args.outdated && rows.is_empty() {
        app.printer
            .info("Every interpreter has the newest patch pyman knows of");
        return Ok(ExitCode::SUCCESS);
    }
    if inventory.interpreters.is_empty() {
        app.printer.info("No interpreters installed or found");
        app.printer.hint("install one with `pyman install 3.12`");
        return Ok(ExitCode::SUCCESS);
    }
    let width = inventory
        .interpreters
        .iter()
        .map(|i| i.version_string().len())
        .max()
        .unwrap_or(6);
    for (i, newer) in &rows {
        let mark = if selected.as_ref() == Some(&i.executable) {
            "*"
        } else {
            " "
        };
        let status = pyman_installer::support::status(i.version.major, i.version.minor, today);
        let mut notes = vec![status.to_string()];
        if let Some(tag) = build_tag(i) {
            notes.push(format!("build {tag}"));
        }
        match used_by(i) {
            0 => {}
            1 => notes.push("1 venv".into()),
            n => notes.push(format!("{n} venvs")),
        }
        if let Some(b) = newer {
            notes.push(format!(
                "{} is out: `{}`",
                b.version_string(),
                crate::support_status::upgrade_command(i, b)
            ));
        }
        app.printer.data(format!(
            "{mark} {:width$}  {:8}  {}  ({})",
            i.version_string(),
            i.origin.as_str(),
            i.executable.display(),
            notes.join("; ")
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// `pyman list --available [REQUEST]`: the newest build of each minor (or every
/// build matching REQUEST) for this machine.
pub fn list_available(app: &App, args: &ListArgs) -> Result<ExitCode> {
    let session = crate::session::Session::new(app, &args.index, false)?;
    let installer = &session.installer;
    let index = session.index()?;
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
            format!(
                "available: {}",
                crate::session::available_minors(index, installer)
            ),
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
