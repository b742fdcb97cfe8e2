//! Support status and security patches, as `pin`, `install`, `current`,
//! `list` and `doctor` report them. The shim says nothing: no per-call cost.

use pyman_installer::host::Host;
use pyman_installer::patches::{Newest, Patch};
use pyman_installer::refresh;
use pyman_installer::support::{self, Date, Status};
use pyman_resolver::inventory::{Interpreter, Origin};
use serde_json::{Value, json};

use crate::app::App;

pub fn today(app: &App) -> Date {
    let value = app.env().var_os(pyman_installer::env::PYMAN_TODAY);
    Date::today(value.as_deref().and_then(|v| v.to_str()))
}

/// `warning: Python 3.10 reached its end of life on 2026-10-31…` and what to move to.
pub fn warn_if_end_of_life(app: &App, major: u64, minor: u64) -> bool {
    let today = today(app);
    let Status::EndOfLife { since } = support::status(major, minor, today) else {
        return false;
    };
    app.printer.warn(format!(
        "Python {major}.{minor} reached its end of life on {since}: it gets no more security fixes"
    ));
    if let Some(newest) = support::newest_supported(today) {
        app.printer.hint(format!(
            "move to Python {} (supported until {}): `pyman install {0}`, then `pyman pin {0}` in the project",
            newest.name(),
            newest.end_of_life
        ));
        let tools = tools_on(app, major, minor);
        if !tools.is_empty() {
            app.printer.hint(format!(
                "the tools {} run on Python {major}.{minor} too: `pyman tool upgrade --all --python {}` moves them",
                tools.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "),
                newest.name()
            ));
        }
    }
    true
}

/// The tools (`pyman tool install`) built on Python `major.minor`.
pub fn tools_on(app: &App, major: u64, minor: u64) -> Vec<String> {
    crate::tool::installed(app.home())
        .iter()
        .filter(|t| t.minor() == Some((major, minor)))
        .map(crate::tool::Installed::name)
        .collect()
}

pub fn support_json(major: u64, minor: u64, today: Date) -> Value {
    let status = support::status(major, minor, today);
    let m = support::minor(major, minor);
    json!({
        "status": status.kind(),
        "end_of_life": m.map(|m| m.end_of_life.to_string()),
    })
}

/// The newest patches pyman knows without asking the network: the table
/// generated with the embedded index, and the release list cached by the
/// last refresh (read synchronously; no index parse, no HTTP client).
pub fn known_patches(app: &App) -> Newest {
    let mirror = app
        .env()
        .non_empty(pyman_installer::env::PYMAN_MIRROR)
        .map(|m| m.to_string_lossy().into_owned());
    let fresh = refresh::cached_builds(app.home(), mirror.as_deref());
    Newest::for_host(&Host::current(), &fresh)
}

/// A newer patch of the interpreter's minor version (same variant) than it is.
pub fn newer_patch(known: &Newest, i: &Interpreter) -> Option<Patch> {
    known.newer_than(&i.version, i.variant)
}

/// The exact command that gets the newer patch.
pub fn upgrade_command(i: &Interpreter, newer: &Patch) -> String {
    if i.origin == Origin::Managed {
        format!(
            "pyman upgrade {}.{}{}",
            i.version.major,
            i.version.minor,
            i.variant.suffix()
        )
    } else {
        format!("pyman install {}", newer.version_string())
    }
}

/// `Python 3.12.13 is out (this is 3.12.1): `pyman upgrade 3.12``, for messages.
pub fn newer_patch_message(i: &Interpreter, newer: &Patch) -> String {
    format!(
        "Python {} is out with fixes (this is {}): `{}`",
        newer.version_string(),
        i.version_string(),
        upgrade_command(i, newer)
    )
}
