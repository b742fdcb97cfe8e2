use std::process::ExitCode;

use anyhow::Result;
use pyman_resolver::find_target;

use crate::app::App;
use crate::error::target_error;

pub fn run(app: &App, args: &crate::args::WhichArgs) -> Result<ExitCode> {
    app.refresh_inventory()?;
    let name = pyman_resolver::target::command_name(&args.name);
    let target = find_target(&app.shim_context(), &name).map_err(|e| {
        // `which` answers "is there one?": 1, whatever the reason.
        let mut hinted = crate::error::Hinted::from(e);
        hinted.code = 1;
        anyhow::Error::new(hinted)
    });
    let target = match target {
        Ok(t) => t,
        Err(e) => return Err(e),
    };
    app.printer.data(target.program.display().to_string());
    app.printer.debug(format!(
        "from the {} ({})",
        target.kind.as_str(),
        target
            .selection
            .as_ref()
            .map_or_else(|| "by name".to_string(), |s| s.source.reason())
    ));
    let _ = target_error;
    Ok(ExitCode::SUCCESS)
}
