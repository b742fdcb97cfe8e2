use std::process::ExitCode;

use anyhow::Result;
use pyman_resolver::Hint;
use pyman_resolver::selection::SelectionSource;
use pyman_resolver::target::{require_selection, resolve};
use pyman_resolver::{Selection, TargetError};
use serde_json::{Value, json};

use crate::app::App;
use crate::error::Hinted;

pub fn run(app: &App, args: &crate::args::CurrentArgs) -> Result<ExitCode> {
    let inventory = app.inventory()?;
    let ctx = app.shim_context();
    let selection = match require_selection(&ctx) {
        Ok(s) => s,
        Err(e) => return failed(app, args.json, None, e),
    };
    let resolved = match resolve(&ctx, &selection, &inventory) {
        Ok(r) => r,
        Err(e) => return failed(app, args.json, Some(&selection), e),
    };
    // The venv the `python` shim would use, with the same checks (a stale
    // project venv is an error here too).
    let target = match app.shim_target(&ctx, "python") {
        Ok(t) => t,
        Err(e) => return failed(app, args.json, Some(&selection), e),
    };
    let version = resolved.installed.as_ref().map(|i| i.version_string());
    let today = crate::support_status::today(app);
    let minor = resolved
        .installed
        .as_ref()
        .map(|i| (i.version.major, i.version.minor));
    let end_of_life =
        minor.is_some_and(|(a, b)| pyman_installer::support::status(a, b, today).is_end_of_life());
    let newer = resolved.installed.as_ref().and_then(|i| {
        let known = crate::support_status::known_patches(app);
        crate::support_status::newer_patch(&known, i).map(|b| {
            (
                b.version_string(),
                crate::support_status::newer_patch_message(i, &b),
            )
        })
    });
    if args.json {
        let out = json!({
            "request": selection.request.to_string(),
            "source": source_json(&selection.source),
            "interpreter": {
                "version": version,
                "variant": resolved.installed.as_ref().map(|i| i.variant.name()),
                "origin": resolved.installed.as_ref().map(|i| i.origin.as_str()),
                "key": resolved.installed.as_ref().map(|i| i.key.clone()),
                "executable": resolved.executable,
            },
            "venv": target.venv,
            "python": target.program,
            "support": minor.map(|(a, b)| crate::support_status::support_json(a, b, today)),
            "newer_patch": newer.as_ref().map(|(v, _)| v),
        });
        app.printer.data(serde_json::to_string_pretty(&out)?);
    } else {
        let origin = resolved
            .installed
            .as_ref()
            .map_or("unmanaged", |i| i.origin.as_str());
        app.printer.data(format!(
            "Python {} ({origin}) at {}",
            version.as_deref().unwrap_or("(unknown version)"),
            resolved.executable.display()
        ));
        app.printer.data(format!(
            "  requested `{}` by {}",
            selection.request, selection.source
        ));
        if let Some(venv) = &target.venv {
            app.printer.data(format!(
                "  runs in the {} {}",
                target.kind.as_str(),
                venv.display()
            ));
        }
        if let Some((a, b)) = minor {
            app.printer.data(format!(
                "  {}",
                pyman_installer::support::status(a, b, today)
            ));
        }
    }
    if let Some((a, b)) = minor {
        crate::support_status::warn_if_end_of_life(app, a, b);
    }
    if let Some(conflict) = pyman_resolver::selection::requires_python_conflict(&selection) {
        app.printer.warn(conflict.to_string());
        app.printer.hint(conflict.hint().unwrap_or_default());
    }
    if let Some((_, message)) = &newer {
        app.printer.warn(message);
    }
    if args.strict && end_of_life {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn source_json(source: &SelectionSource) -> Value {
    match source {
        SelectionSource::Env { var } => json!({ "kind": source.kind(), "variable": var }),
        SelectionSource::File { path, line, .. }
        | SelectionSource::Global { path, line }
        | SelectionSource::PyenvGlobal { path, line } => {
            json!({ "kind": source.kind(), "path": path, "line": line })
        }
        SelectionSource::Venv { root } => json!({ "kind": source.kind(), "path": root }),
        SelectionSource::Fallback => json!({ "kind": source.kind() }),
    }
}

/// Prints what is known (the selection), then fails with the resolver's error.
fn failed(
    app: &App,
    json: bool,
    selection: Option<&Selection>,
    e: TargetError,
) -> Result<ExitCode> {
    if json {
        let out = json!({
            "request": selection.map(|s| s.request.to_string()),
            "source": selection.map(|s| source_json(&s.source)),
            "interpreter": null,
            "error": e.to_string(),
            "hint": e.hint(),
        });
        app.printer.data(serde_json::to_string_pretty(&out)?);
    } else if let Some(s) = selection {
        app.printer
            .data(format!("requested `{}` by {}", s.request, s.source));
    }
    Err(anyhow::Error::new(Hinted::from(e)))
}
