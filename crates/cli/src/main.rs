//! The `pyman` binary.

// Tests may use std's file functions; the code they test uses fs_err.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

use std::process::ExitCode;

use clap::Parser;

mod app;
mod args;
mod commands;
mod discovery;
mod error;
mod pep514;
mod printer;
mod reporter;
mod self_release;
mod session;
mod shell;
mod shims;
mod support_status;
mod tool;
mod venv;

use args::{Cli, Command};
use printer::Printer;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let printer = Printer::new(cli.global.quiet, cli.global.verbose);
    let result = app::App::new(printer).and_then(|app| match cli.command {
        Command::Pin(args) => commands::pin::run(&app, &args),
        Command::Current(args) => commands::current::run(&app, &args),
        Command::Which(args) => commands::which::run(&app, &args),
        Command::List(args) => commands::list::run(&app, &args),
        Command::Install(args) => commands::install::run(&app, &args),
        Command::Uninstall(args) => commands::uninstall::run(&app, &args),
        Command::Venv(args) => commands::venv::run(&app, &args),
        Command::Run(args) => commands::run::run(&app, &args),
        Command::Upgrade(args) => commands::upgrade::run(&app, &args),
        Command::Cache(cmd) => commands::cache::run(&app, &cmd),
        Command::Migrate(args) => commands::migrate::run(&app, &args),
        Command::Mirror(args) => commands::mirror::run(&app, &args),
        Command::Setup(args) => commands::setup::run(&app, &args),
        Command::Doctor(args) => commands::doctor::run(&app, &args),
        Command::Completions(args) => commands::completions::run(&args),
        Command::SelfCmd(cmd) => commands::self_cmd::run(&app, &cmd),
        Command::Rehash => commands::rehash::run(&app),
        Command::Tool(cmd) => commands::tool::run(&app, &cmd),
    });
    match result {
        Ok(code) => code,
        Err(err) => ExitCode::from(error::print(&printer, &err)),
    }
}
