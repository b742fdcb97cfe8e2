use std::process::ExitCode;

use anyhow::Result;
use pyman_installer::lock;
use pyman_installer::managed;
use pyman_resolver::inventory::Origin;
use pyman_resolver::{Inventory, VersionRequest};

use crate::app::App;
use crate::error::{fail, hinted, usage};
use pyman_resolver::Hint;

pub fn run(app: &App, args: &crate::args::UninstallArgs) -> Result<ExitCode> {
    let inventory = app.refresh_inventory()?;
    let timeout = pyman_installer::Options::from_env(app.env()).lock_timeout;
    let mut removed = Vec::new();
    // A damaged list cannot say which projects would break: refused, unless forced.
    let known = match crate::venv::record::known(app.home()) {
        Ok(k) => k,
        Err(e) if args.force => {
            app.printer.warn(e.to_string());
            Vec::new()
        }
        Err(e) => {
            let hint = format!(
                "{}; or `--force` removes it anyway",
                e.hint().unwrap_or_default()
            );
            return Err(hinted(e, hint, 1));
        }
    };
    let project_venvs: Vec<_> = known.into_iter().filter(|k| !k.default).collect();
    for text in &args.requests {
        let request: VersionRequest = crate::error::parse_request(text)?;
        if matches!(request, VersionRequest::System | VersionRequest::Path(_)) {
            return Err(usage(
                format!("`{request}` is not an install pyman manages"),
                "name a version, for example `pyman uninstall 3.12`",
            ));
        }
        let matching: Vec<_> = inventory
            .interpreters
            .iter()
            .filter(|i| request.matches(&i.version, i.variant))
            .collect();
        let managed_matches: Vec<_> = matching
            .iter()
            .filter(|i| i.origin == Origin::Managed)
            .collect();
        if managed_matches.is_empty() {
            if let Some(other) = matching.first() {
                return Err(fail(
                    format!(
                        "Python {} at `{}` was installed by {}, not pyman; pyman never removes interpreters it did not install",
                        other.version_string(),
                        other.executable.display(),
                        other.origin.as_str()
                    ),
                    "remove it with the tool that installed it, or check `pyman list`",
                ));
            }
            return Err(fail(
                format!("no installed Python matches `{request}`"),
                "see what is installed with `pyman list`",
            ));
        }
        for i in managed_matches {
            // Venvs follow the per-minor link to another patch of the minor;
            // with the last one gone, they would break.
            let last_of_minor = !inventory.interpreters.iter().any(|o| {
                o.origin == Origin::Managed
                    && o.minor_key() == i.minor_key()
                    && o.key != i.key
                    && !removed.contains(&o.key)
            });
            let users: Vec<_> = if last_of_minor {
                project_venvs
                    .iter()
                    .filter(|k| k.uses(i))
                    .map(|k| &k.info.root)
                    .collect()
            } else {
                Vec::new()
            };
            if !users.is_empty() {
                let tools = app.home().tools();
                let list: Vec<String> = users
                    .iter()
                    .map(|p| match p.strip_prefix(&tools) {
                        Ok(name) => format!("  the tool `{}` ({})", name.display(), p.display()),
                        Err(_) => format!("  {}", p.display()),
                    })
                    .collect();
                if !args.force {
                    return Err(fail(
                        format!(
                            "Python {} is used by {} project venv{}:\n{}",
                            i.version_string(),
                            users.len(),
                            if users.len() == 1 { "" } else { "s" },
                            list.join("\n")
                        ),
                        format!(
                            "move each project to another Python first (`pyman migrate 3.13` in it; a tool with `pyman tool upgrade NAME --python 3.13`), or remove it anyway with `pyman uninstall --force {text}`"
                        ),
                    ));
                }
                app.printer.warn(format!(
                    "these venvs stop working without Python {}:\n{}",
                    i.version_string(),
                    list.join("\n")
                ));
            }
            let lock_path = app.home().locks().join(format!("{}.lock", i.key));
            let _lock = lock::acquire(&lock_path, &i.key, timeout, || {
                app.printer
                    .info(format!("Waiting for another pyman working on `{}`", i.key));
            })
            .map_err(crate::error::lib)?;
            managed::remove(app.home(), &i.key).map_err(|e| hinted(e, None, 1))?;
            if let Err(e) = crate::pep514::unregister(i) {
                app.printer
                    .warn(format!("its PEP 514 registry key was not removed: {e}"));
            }
            app.printer
                .success(format!("Removed Python {} ({})", i.version_string(), i.key));
            // The default venv goes with the last install of its minor version.
            let link = managed::update_minor_link(app.home(), &i.minor_key())
                .map_err(|e| hinted(e, None, 1))?;
            if link.is_none() {
                let venv = crate::venv::default_venv_path(app.home(), i);
                if venv.exists() {
                    let packages = crate::venv::installed_packages(&venv);
                    fs_err::remove_dir_all(&venv)?;
                    let held = if packages.is_empty() {
                        String::new()
                    } else {
                        format!(" (it held {})", packages.join(", "))
                    };
                    app.printer.info(format!(
                        "Removed its default venv `{}`{held}",
                        venv.display()
                    ));
                }
            }
            removed.push(i.key.clone());
        }
    }
    crate::commands::rehash::after_change(app)?;
    let inventory = app.refresh_inventory()?;
    warn_dangling_pins(app, &inventory);
    Ok(ExitCode::SUCCESS)
}

/// Pins in this folder chain (and the global one) that now resolve to nothing.
fn warn_dangling_pins(app: &App, inventory: &Inventory) {
    for selection in pyman_resolver::selection::pins_in_chain(app.cwd(), app.env(), app.home())
        .into_iter()
        .flatten()
    {
        let request = &selection.request;
        if matches!(
            request,
            VersionRequest::Version { .. } | VersionRequest::Specifiers(..)
        ) && inventory.best(request).is_none()
        {
            app.printer.warn(format!(
                "{} pins `{request}`, which no installed Python satisfies now",
                selection.source
            ));
            app.printer.hint(format!(
                "reinstall it with `pyman install {}`, or pin another version",
                pyman_resolver::hint::shell_word(&request.to_string())
            ));
        }
    }
}
