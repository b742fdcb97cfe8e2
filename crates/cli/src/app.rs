//! What every command needs: where pyman lives, the environment, the folder.

use std::path::PathBuf;

use anyhow::Result;
use pyman_resolver::{Context, Env, Inventory, PymanHome};

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
    pub fn refresh_inventory(&self) -> Result<Inventory> {
        discovery::refresh(self.home(), self.env())
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
