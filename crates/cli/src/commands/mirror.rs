//! `pyman mirror DIR [REQUEST...]`: a folder in the release layout for
//! air-gapped networks and fleets, filled from the cache or the network,
//! every archive verified; run again, it adds only what is missing.

use std::process::ExitCode;

use anyhow::{Context, Result};
use pyman_installer::mirror::{self, Platforms};
use pyman_installer::support::{self, Date};
use pyman_resolver::VersionRequest;

use crate::app::App;
use crate::args::MirrorArgs;
use crate::commands::cache::human_bytes;
use crate::error::fail;
use crate::session::Session;

pub fn run(app: &App, args: &MirrorArgs) -> Result<ExitCode> {
    let requests: Vec<VersionRequest> = if args.requests.is_empty() {
        supported_minors(app)
    } else {
        args.requests
            .iter()
            .map(|t| crate::error::parse_request(t))
            .collect::<Result<_>>()?
    };
    let session = Session::new(app, &args.index, false)?;
    let (rt, installer) = (&session.rt, &session.installer);
    let index = session.index()?;
    let platforms = if args.all_platforms {
        Platforms::All
    } else if args.platform.is_empty() {
        Platforms::Host(installer.host.clone())
    } else {
        Platforms::Named(args.platform.clone())
    };
    let builds = mirror::select(index, &requests, &platforms);
    if builds.is_empty() {
        let asked: Vec<String> = requests.iter().map(ToString::to_string).collect();
        return Err(fail(
            format!(
                "no build in the index (`{}`) matches {} for {}",
                index.origin,
                asked.join(", "),
                match &platforms {
                    Platforms::Host(h) => h.triple(),
                    Platforms::Named(p) => p.join(", "),
                    Platforms::All => "any platform".into(),
                }
            ),
            "see `pyman list --available --all`; platforms are named like `linux-x86_64-gnu`, `darwin-aarch64-none`, `windows-x86_64-none`",
        ));
    }

    let dir = app.cwd().join(&args.dir);
    let (mut present, mut fetched, mut from_cache) = (0usize, 0usize, 0usize);
    let mut done = Vec::new();
    for b in &builds {
        // Names come from the server: one that is not a plain file name is
        // refused before anything is written.
        let path = mirror::archive_path(&dir, b).map_err(|e| {
            fail(
                e.to_string(),
                "the release files (`SHA256SUMS`, the downloads JSON) are damaged or hostile: check the mirror or `--downloads-json`",
            )
        })?;
        let sha = b.sha256.as_deref().unwrap_or_default();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_file() && mirror::is_verified(&path, sha) {
            present += 1;
            app.printer.debug(format!("present and verified: {name}"));
            done.push(b.clone());
            continue;
        }
        if args.dry_run {
            app.printer
                .data(format!("{}/{name}", mirror::tag(b).unwrap_or_default()));
            fetched += 1;
            continue;
        }
        app.printer.info(format!("Fetching {name}"));
        let used_network = rt
            .block_on(installer.fetch_to(b, &path))
            .map_err(crate::error::lib)
            .with_context(|| format!("the mirror `{}` keeps what it had", dir.display()))?;
        if used_network {
            fetched += 1;
        } else {
            from_cache += 1;
        }
        done.push(b.clone());
    }
    if args.dry_run {
        app.printer.info(format!(
            "Would fetch {fetched} archive{} into `{}`; {present} already there",
            if fetched == 1 { "" } else { "s" },
            dir.display()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let write = || -> std::io::Result<(usize, u64)> {
        mirror::record(&dir, &done)?;
        mirror::write_indexes(&dir)?;
        let held = mirror::contents(&dir)?;
        Ok((held.len(), held.iter().map(|(_, _, n)| n).sum()))
    };
    let (held, bytes) = write().with_context(|| {
        format!(
            "cannot write the index files of the mirror `{}`",
            dir.display()
        )
    })?;
    app.printer.success(format!(
        "Mirror `{}`: {held} archive{} ({}); this run downloaded {fetched}, copied {from_cache} from the cache, found {present} in place",
        dir.display(),
        if held == 1 { "" } else { "s" },
        human_bytes(bytes),
    ));
    app.printer.info(format!(
        "Use it with `PYMAN_MIRROR=file://{}` (or serve it over HTTP); uv: `UV_PYTHON_INSTALL_MIRROR`",
        dir.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// With no request: the newest patch of every minor still supported today.
fn supported_minors(app: &App) -> Vec<VersionRequest> {
    let today_env = app.env().var_os(pyman_installer::env::PYMAN_TODAY);
    let today = Date::today(today_env.as_deref().and_then(|v| v.to_str()));
    support::table()
        .iter()
        .filter(|m| {
            matches!(
                m.status(today),
                support::Status::Bugfix { .. } | support::Status::Security { .. }
            )
        })
        .filter_map(|m| m.name().parse().ok())
        .collect()
}
