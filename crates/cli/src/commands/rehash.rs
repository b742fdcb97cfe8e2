use std::process::ExitCode;

use anyhow::Result;
use pyman_resolver::select;

use crate::app::App;
use crate::shims;

pub fn run(app: &App) -> Result<ExitCode> {
    let inventory = app.refresh_inventory()?;
    let selection = select(app.cwd(), app.env(), app.home()).ok().flatten();
    let report = shims::rehash(app.home(), &inventory, selection.as_ref())?;
    app.printer.success(format!(
        "Wrote {} shims to `{}` for {} interpreters",
        report.shims.len(),
        app.home().shims().display(),
        inventory.interpreters.len()
    ));
    app.printer
        .debug(format!("shims: {}", report.shims.join(", ")));
    if !report.removed.is_empty() {
        app.printer
            .info(format!("Removed shims: {}", report.removed.join(", ")));
    }
    Ok(ExitCode::SUCCESS)
}

/// After a change to what is installed: refresh the inventory and the shims.
/// A missing shim binary is a warning here, not a failure of the install.
pub fn after_change(app: &App) -> Result<()> {
    let inventory = app.refresh_inventory()?;
    write_shims(app, &inventory);
    Ok(())
}

/// The shims for an inventory the caller has just refreshed.
pub fn write_shims(app: &App, inventory: &pyman_resolver::Inventory) {
    let selection = select(app.cwd(), app.env(), app.home()).ok().flatten();
    if let Err(e) = shims::rehash(app.home(), inventory, selection.as_ref()) {
        app.printer
            .warn(format!("the shims were not updated: {e:#}"));
    }
}
