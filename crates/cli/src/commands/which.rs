use std::process::ExitCode;

use anyhow::Result;

use crate::app::App;
use crate::error::Hinted;

pub fn run(app: &App, args: &crate::args::WhichArgs) -> Result<ExitCode> {
    app.inventory()?;
    let name = pyman_resolver::target::command_name(&args.name);
    let target = app.shim_target(&app.shim_context(), &name).map_err(|e| {
        // `which` answers "is there one?": 1 whatever the reason.
        let mut hinted = Hinted::from(e);
        hinted.code = 1;
        anyhow::Error::new(hinted)
    })?;
    app.printer.data(target.program.display().to_string());
    app.printer.debug(format!(
        "from the {} ({})",
        target.kind.as_str(),
        target
            .selection
            .as_ref()
            .map_or_else(|| "by name".to_string(), |s| s.source.reason())
    ));
    Ok(ExitCode::SUCCESS)
}
