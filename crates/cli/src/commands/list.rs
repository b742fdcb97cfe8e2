use std::process::ExitCode;

use anyhow::Result;
use pyman_resolver::target::{require_selection, resolve};
use serde_json::json;

use crate::app::App;

pub fn run(app: &App, args: &crate::args::ListArgs) -> Result<ExitCode> {
    if args.available {
        return crate::commands::install::list_available(app, args);
    }
    let inventory = app.refresh_inventory()?;
    let ctx = app.shim_context();
    let selected = require_selection(&ctx)
        .ok()
        .and_then(|s| resolve(&ctx, &s, &inventory).ok())
        .map(|r| r.executable);
    if args.json {
        let rows: Vec<_> = inventory
            .interpreters
            .iter()
            .map(|i| {
                json!({
                    "key": i.key,
                    "version": i.version.to_string(),
                    "variant": i.variant.name(),
                    "origin": i.origin.as_str(),
                    "executable": i.executable,
                    "selected": selected.as_ref() == Some(&i.executable),
                })
            })
            .collect();
        app.printer.data(serde_json::to_string_pretty(&rows)?);
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
    for i in &inventory.interpreters {
        let mark = if selected.as_ref() == Some(&i.executable) {
            "*"
        } else {
            " "
        };
        app.printer.data(format!(
            "{mark} {:width$}  {:8}  {}",
            i.version_string(),
            i.origin.as_str(),
            i.executable.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
