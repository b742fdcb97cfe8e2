//! Interpreters over time: new builds learned from python-build-standalone's
//! release files (served here in the release layout), support status
//! against a fixed "today", and newer-patch notices.

use crate::common::TestContext;
use crate::fixtures::{self, Archive, SourcePython};
use crate::server::Server;

/// A tag newer than any in the embedded index.
const TAG: &str = "29990101";

/// Serves `latest-release.json`, `<TAG>/SHA256SUMS` and the archive of `src`
/// under every x86-64 level's name (so it wins on any CPU); `sha` is what
/// SHA256SUMS claims.
fn serve_release(server: &Server, src: &SourcePython, archive: &Archive, sha: &str) {
    let arch = std::env::consts::ARCH;
    let cpus: Vec<String> = if arch == "x86_64" {
        ["", "_v2", "_v3", "_v4"]
            .iter()
            .map(|l| format!("x86_64{l}"))
            .collect()
    } else {
        vec![arch.to_string()]
    };
    let mut sums = String::new();
    for cpu in cpus {
        let name = format!(
            "cpython-{}+{TAG}-{cpu}-unknown-linux-gnu-install_only.tar.gz",
            src.version
        );
        server.add(
            &format!("{TAG}/{}", name.replace('+', "%2B")),
            archive.bytes.clone(),
        );
        sums.push_str(&format!("{sha}  {name}\n"));
        // Assets pyman does not install are listed too, as in real releases.
        sums.push_str(&format!(
            "{sha}  cpython-{}+{TAG}-{cpu}-unknown-linux-gnu-debug-full.tar.zst\n",
            src.version
        ));
    }
    server.add(&format!("{TAG}/SHA256SUMS"), sums.into_bytes().into());
    server.add(
        "latest-release.json",
        format!(
            r#"{{"version":1,"tag":"{TAG}","release_url":"x","asset_url_prefix":"https://github.com/astral-sh/python-build-standalone/releases/download/{TAG}"}}"#
        )
        .into_bytes()
        .into(),
    );
}

fn refreshing(server_url: &str) -> TestContext {
    let mut ctx = TestContext::new();
    ctx.set_env("PYMAN_MIRROR", server_url);
    ctx.set_env("PYMAN_INDEX_TTL", "3600");
    ctx
}

#[test]
fn a_newer_release_is_learned_cached_and_installed_verified() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let archive = fixtures::install_only(py[0]);
    let server = Server::start();
    serve_release(&server, py[0], &archive, &archive.sha256);
    let ctx = refreshing(&server.url);

    ctx.pyman("", &["install", &py[0].version]).ok();
    let list = ctx.pyman("", &["list", "--json"]);
    list.ok().stdout_has(&format!("\"build\": \"{TAG}\""));
    assert_eq!(server.hits("latest-release.json"), 1);
    assert_eq!(server.hits(&format!("{TAG}/SHA256SUMS")), 1);

    // Within the time to live: no request at all.
    ctx.pyman("", &["list", "--available", &py[0].minor]).ok();
    assert_eq!(server.hits("latest-release.json"), 1);
    // `--refresh` asks again; the same tag does not fetch its sums again.
    ctx.pyman(
        "",
        &["-v", "list", "--available", "--refresh", &py[0].version],
    )
    .ok()
    .stderr_has(&format!("the newest release is `{TAG}`"))
    .stdout_has(&py[0].version);
    assert_eq!(server.hits("latest-release.json"), 2);
    assert_eq!(server.hits(&format!("{TAG}/SHA256SUMS")), 1);
}

#[test]
fn a_wrong_sum_in_sha256sums_fails_the_install_and_leaves_nothing() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let archive = fixtures::install_only(py[0]);
    let server = Server::start();
    serve_release(&server, py[0], &archive, &"0".repeat(64));
    let ctx = refreshing(&server.url);
    ctx.pyman("", &["install", &py[0].version])
        .code(1)
        .stderr_has("checksum mismatch");
    crate::common::assert_no_leftovers(&ctx);
    let left: Vec<_> = std::fs::read_dir(ctx.pyman_home.join("pythons"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_down_missing_or_garbage_release_server_falls_back_and_is_asked_once() {
    let server = Server::start();
    server.add(
        "latest-release.json",
        b"<html>garbage</html>".to_vec().into(),
    );
    // A port nothing listens on, a server without the file, one with garbage.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let empty = Server::start();
    for (mirror, why, hits) in [
        (closed.as_str(), "could not check", None),
        (
            empty.url.as_str(),
            "does not exist (HTTP 404)",
            Some(&empty),
        ),
        (
            server.url.as_str(),
            "is not a python-build-standalone `latest-release.json`",
            Some(&server),
        ),
    ] {
        let ctx = refreshing(mirror);
        ctx.pyman("", &["-v", "list", "--available", "3.12"])
            .ok()
            .stderr_has(why)
            .stderr_has("using the built-in list of builds")
            .stdout_has("3.12.");
        // One request, no retries; the next commands keep to the built-in
        // list without asking again (what "quickly" means, without a clock).
        let asked = hits.map(|s| s.hits("latest-release.json"));
        assert!(asked.is_none_or(|n| n == 1), "{asked:?}");
        ctx.pyman("", &["-v", "list", "--available", "3.12"])
            .ok()
            .stderr_has("not asked again");
        assert_eq!(hits.map(|s| s.hits("latest-release.json")), asked);
    }
}

#[test]
fn end_of_life_pins_warn_and_strict_fails_newer_patches_are_named() {
    let ctx = {
        let mut ctx = TestContext::new();
        ctx.set_env("PYMAN_TODAY", "2026-11-24");
        ctx
    };
    ctx.pyman("old", &["pin", "3.10", "--no-venv"])
        .ok()
        .stderr_has("Python 3.10 reached its end of life on 2026-10-31")
        .stderr_has("move to Python 3.15");
    ctx.pyman("older", &["pin", "3.8", "--no-venv"])
        .ok()
        .stderr_has("end of life on 2024-10-07");
    let out = ctx.pyman("new", &["pin", "3.13", "--no-venv"]);
    assert!(!out.ok().stderr.contains("end of life"), "{out}");
    ctx.pyman("", &["list", "--available", "3.10"])
        .ok()
        .stdout_has("end of life since 2026-10-31");

    // With real interpreters: `current --strict` and the newer-patch notice.
    let Some(old) = fixtures::sources().iter().find(|s| s.minor == "3.10") else {
        crate::common::skip("part: needs a pyenv CPython 3.10");
        return;
    };
    let mut ctx = TestContext::with_pythons(&[old]);
    ctx.set_env("PYMAN_TODAY", "2026-11-24");
    ctx.write("p/.python-version", format!("{}\n", old.version));
    ctx.pyman("p", &["current"])
        .ok()
        .stderr_has("reached its end of life")
        .stderr_has(&format!("(this is {})", old.version))
        .stderr_has("`pyman install 3.10.");
    ctx.pyman("p", &["current", "--strict"]).code(1);
    ctx.pyman("p", &["doctor"])
        .code(1)
        .stdout_has("past its end of life since 2026-10-31");
    ctx.pyman("p", &["list", "--outdated"])
        .ok()
        .stdout_has(&old.version);
    // Before the end of life, strict passes.
    ctx.set_env("PYMAN_TODAY", "2026-01-01");
    ctx.pyman("p", &["current", "--strict"]).ok();
}

#[test]
fn upgrade_rebuilds_a_patch_when_a_newer_build_of_it_is_out() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::new();
    let server = Server::start();
    let a = fixtures::install_only(py[0]);
    let entry = fixtures::serve_entry(&server, py[0], &a);
    let old = ctx.write(
        "old.json",
        fixtures::downloads_json(std::slice::from_ref(&entry)),
    );
    // The same patch, rebuilt by a later release (new OpenSSL, say).
    let rebuilt = entry.replace(r#""build":"20250101""#, r#""build":"20260101""#);
    assert_ne!(rebuilt, entry);
    let new = ctx.write("new.json", fixtures::downloads_json(&[rebuilt]));
    let (old, new) = (old.display().to_string(), new.display().to_string());

    ctx.pyman("", &["install", &py[0].minor, "--downloads-json", &old])
        .ok();
    ctx.dir("proj");
    ctx.pyman("proj", &["pin", &py[0].minor]).ok();
    ctx.pyman("", &["upgrade", "--downloads-json", &old])
        .ok()
        .stderr_has("is up to date");
    ctx.pyman("", &["upgrade", "--downloads-json", &new])
        .ok()
        .stderr_has(&format!(
            "Rebuilt Python {} with the newer build 20260101 (was 20250101)",
            py[0].version
        ));
    let key = format!(
        "cpython-{}-linux-{}-gnu",
        py[0].version,
        std::env::consts::ARCH
    );
    let meta = std::fs::read_to_string(
        ctx.pyman_home
            .join("pythons")
            .join(&key)
            .join("pyman-install.json"),
    )
    .unwrap();
    assert!(meta.contains("20260101"), "{meta}");
    // The project venv still runs; a second upgrade has nothing to do.
    ctx.run("proj", "python", &["-c", "pass"]).ok();
    ctx.pyman("", &["upgrade", "--downloads-json", &new])
        .ok()
        .stderr_has("is up to date");
}
