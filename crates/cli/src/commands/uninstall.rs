use std::process::ExitCode;

use anyhow::Result;

use crate::app::App;

pub fn run(_app: &App, _args: &crate::args::UninstallArgs) -> Result<ExitCode> {
    anyhow::bail!("not built yet")
}
