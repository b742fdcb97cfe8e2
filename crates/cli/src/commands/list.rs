use std::process::ExitCode;

use anyhow::Result;
use pyman_resolver::target::{require_selection, resolve};
use serde_json::json;

use crate::app::App;

pub fn run(app: &App, args: &crate::args::ListArgs) -> Result<ExitCode> {
    if args.available {
        return crate::commands::install::list_available(app, args);
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
    let venvs = crate::venv::record::known(app.home()).map_err(|e| {
        let hint = e.hint();
        crate::error::hinted(e, hint, 1)
    })?;
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
