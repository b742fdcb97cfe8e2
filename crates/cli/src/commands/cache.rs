//! `pyman cache`: where downloads are kept, how big they are, and cleaning.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use pyman_installer::cache::Cache;

use crate::app::App;
use crate::args::CacheCommand;

/// `PYMAN_CACHE_DIR`, else `pyman` in the per-user cache folder, else (no
/// home folder at all) `cache/downloads` in `PYMAN_HOME`.
pub fn location(app: &App) -> Cache {
    if let Some(dir) = app.env().non_empty(pyman_installer::env::PYMAN_CACHE_DIR) {
        return Cache::new(app.cwd().join(dir));
    }
    match pyman_resolver::home::default_cache_dir(app.env()) {
        Some(d) => Cache::new(d.join("pyman")),
        None => Cache::new(app.home().cache().join("downloads")),
    }
}

pub fn run(app: &App, cmd: &CacheCommand) -> Result<ExitCode> {
    let cache = location(app);
    match cmd {
        CacheCommand::Dir => app.printer.data(cache.root().display().to_string()),
        CacheCommand::Size => {
            let entries = cache
                .entries()
                .with_context(|| format!("cannot read the cache `{}`", cache.root().display()))?;
            let total: u64 = entries.iter().map(|e| e.bytes).sum();
            app.printer.data(format!(
                "{} ({} archive{}) in `{}`",
                human_bytes(total),
                entries.len(),
                if entries.len() == 1 { "" } else { "s" },
                cache.root().display()
            ));
        }
        CacheCommand::Clean { older_than } => {
            let limit = older_than.map(|days| Duration::from_secs(days * 86_400));
            let removed = cache
                .clean(limit)
                .with_context(|| format!("cannot clean the cache `{}`", cache.root().display()))?;
            let total: u64 = removed.iter().map(|e| e.bytes).sum();
            app.printer.success(format!(
                "Removed {} archive{} ({}) from `{}`",
                removed.len(),
                if removed.len() == 1 { "" } else { "s" },
                human_bytes(total),
                cache.root().display()
            ));
            // `pyman tool run`'s venvs are rebuilt on the next run.
            let runs = app.home().cache().join("tool-run");
            if older_than.is_none() && runs.is_dir() {
                fs_err::remove_dir_all(&runs)?;
                app.printer.success(format!(
                    "Removed the venvs of `pyman tool run` in `{}`",
                    runs.display()
                ));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `123.4 MiB`.
pub fn human_bytes(n: u64) -> String {
    if n < 1024 {
        return format!("{n} B");
    }
    #[allow(clippy::cast_precision_loss)]
    let mut v = n as f64 / 1024.0;
    for unit in ["KiB", "MiB"] {
        if v < 1024.0 {
            return format!("{v:.1} {unit}");
        }
        v /= 1024.0;
    }
    format!("{v:.1} GiB")
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_well() {
        assert_eq!(super::human_bytes(512), "512 B");
        assert_eq!(super::human_bytes(3 * 1024 * 1024 + 1024 * 512), "3.5 MiB");
    }
}
