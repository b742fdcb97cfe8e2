//! What every command needs: where pyman lives, the environment, the folder.

use std::path::PathBuf;

use anyhow::Result;
use pyman_resolver::inventory::{Interpreter, Origin, install_key};
use pyman_resolver::{
    Context, Env, Inventory, PymanHome, Target, TargetError, TargetKind, find_target_or_next,
};

use crate::discovery;
use crate::error::target_error;
use crate::printer::Printer;

pub struct App {
    pub printer: Printer,
    pub ctx: Context,
}

impl App {
    pub fn new(printer: Printer) -> Result<App> {
        let ctx = Context::from_process().map_err(target_error)?;
        Ok(App { printer, ctx })
    }

    pub fn home(&self) -> &PymanHome {
        &self.ctx.home
    }

    pub fn env(&self) -> &Env {
        &self.ctx.env
    }

    pub fn cwd(&self) -> &PathBuf {
        &self.ctx.cwd
    }

    /// Rescans the machine and rewrites the inventory the shims read.
    /// The inventory for queries: as stored, unless a folder discovery
    /// reads changed since the last scan (then scanned again).
    pub fn inventory(&self) -> Result<Inventory> {
        match discovery::cached(self.home(), self.env()) {
            Some(i) => Ok(i),
            None => self.refresh_inventory(),
        }
    }

    pub fn refresh_inventory(&self) -> Result<Inventory> {
        for file in pyman_installer::managed::repair_metadata(self.home()) {
            self.printer.warn(format!(
                "`{}` was damaged: rebuilt from its folder's name (the damaged copy is kept beside it); `pyman install --reinstall` restores its source and checksum",
                file.display()
            ));
        }
        discovery::refresh(self.home(), self.env())
    }

    /// What the shim named `name` would run here. Like the shim, it first
    /// creates the interpreter's default venv when that is missing, so the
    /// answer is the same as the shim's.
    pub fn shim_target(&self, ctx: &Context, name: &str) -> Result<Target, TargetError> {
        let target = find_target_or_next(ctx, name)?;
        let Some(_) = target
            .missing_default_venv
            .as_ref()
            .filter(|_| matches!(target.kind, TargetKind::Interpreter | TargetKind::System))
        else {
            return Ok(target);
        };
        let interpreter = target.interpreter.installed.clone().or_else(|| {
            let exe = &target.interpreter.executable;
            discovery::probe_cached(self.home(), exe)
                .ok()
                .map(|(version, variant)| Interpreter {
                    key: install_key(&version, variant, &pyman_resolver::platform::triple()),
                    version,
                    variant,
                    origin: Origin::System,
                    executable: exe.clone(),
                })
        });
        match interpreter.map(|i| crate::venv::ensure_default(self.home(), &i)) {
            Some(Ok(Some(path))) => {
                self.printer
                    .info(format!("Created the default venv `{}`", path.display()));
                find_target_or_next(ctx, name)
            }
            Some(Err(e)) => {
                self.printer
                    .warn(format!("the default venv was not created: {e:#}"));
                Ok(target)
            }
            _ => Ok(target),
        }
    }

    /// The resolver's context, as a shim in the shims folder would see it.
    pub fn shim_context(&self) -> Context {
        let mut ctx = self.ctx.clone();
        ctx.shim_id = std::fs::metadata(self.home().shims().join(crate::shims::SHIM_FILE))
            .ok()
            .and_then(|md| pyman_resolver::target::FileId::of(&md));
        ctx
    }
}
