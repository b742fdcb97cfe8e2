use std::process::ExitCode;

use anyhow::Result;

use crate::app::App;

pub fn run(_app: &App, _args: &crate::args::InstallArgs) -> Result<ExitCode> {
    anyhow::bail!("not built yet")
}

pub fn list_available(_app: &App, _args: &crate::args::ListArgs) -> Result<ExitCode> {
    anyhow::bail!("not built yet")
}
