//! `pyman install` / `uninstall` against a real HTTP server on 127.0.0.1
//! serving real CPython archives in python-build-standalone layout.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{TestContext, assert_no_leftovers};
use crate::fixtures::{self, SourcePython};
use crate::server::{Fault, Server};

const GITHUB: &str =
    "https://github.com/astral-sh/python-build-standalone/releases/download/20250101";

fn arch() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "aarch64"
    } else {
        "x86_64"
    }
}

/// Installed builds (the per-minor links are not installs).
fn installs(ctx: &TestContext) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(ctx.pyman_home.join("pythons"))
        .map(|e| {
            e.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[track_caller]
fn key(src: &SourcePython) -> String {
    format!("cpython-{}-linux-{}-gnu", src.version, arch())
}

fn managed_python(ctx: &TestContext, src: &SourcePython) -> std::path::PathBuf {
    ctx.pyman_home
        .join("pythons")
        .join(key(src))
        .join("bin/python3")
}

#[test]
fn installs_two_versions_side_by_side_and_they_run() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let ctx = TestContext::new();
    let server = Server::start();
    let (a, b) = (fixtures::install_only(py[0]), fixtures::install_only(py[1]));
    let json = fixtures::serve(&server, &[(py[0], &a), (py[1], &b)]);
    let out = ctx.pyman(
        "",
        &[
            "install",
            &py[0].minor,
            &py[1].minor,
            "--downloads-json",
            &json,
        ],
    );
    out.ok()
        .stderr_has(&format!("Installed Python {}", py[0].version))
        .stderr_has(&format!("Installed Python {}", py[1].version));
    assert_eq!(installs(&ctx), {
        let mut k = vec![key(py[0]), key(py[1])];
        k.sort();
        k
    });
    for src in [py[0], py[1]] {
        let exe = managed_python(&ctx, src);
        let out = std::process::Command::new(&exe)
            .args(["-c", "import sys, json, sqlite3, ssl; print('%d.%d.%d' % sys.version_info[:3]); print(sys.prefix)"])
            .env_clear()
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with(&src.version),
            "{text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains(
                &ctx.pyman_home
                    .join("pythons")
                    .join(key(src))
                    .display()
                    .to_string()
            ),
            "{text}"
        );
        let meta = std::fs::read_to_string(
            ctx.pyman_home
                .join("pythons")
                .join(key(src))
                .join("pyman-install.json"),
        )
        .unwrap();
        assert!(
            meta.contains(&src.version) && meta.contains(&server.url),
            "{meta}"
        );
    }
    assert_no_leftovers(&ctx);
    ctx.pyman("", &["list"]).ok().stdout_has("managed");
    // Through the shim, pinned.
    ctx.write("p/.python-version", &py[1].minor);
    // Through the shim, pinned: the interpreter's default venv runs.
    let out = ctx.run(
        "p",
        "python",
        &[
            "-c",
            "import sys; print(sys.prefix); print(sys.base_prefix)",
        ],
    );
    let lines: Vec<&str> = out.ok().stdout.lines().collect();
    assert!(
        lines[0].ends_with(&format!(
            "venvs/cpython-{}-linux-{}-gnu",
            py[1].minor,
            arch()
        )),
        "{out}"
    );
    assert!(
        lines[1].contains(&key(py[1]))
            || lines[1].ends_with(&format!("cpython-{}-linux-{}-gnu", py[1].minor, arch())),
        "{out}"
    );
    // Already installed: nothing downloaded again.
    let hits = server.hits(&a.file_name);
    ctx.pyman("", &["install", &py[0].minor, "--downloads-json", &json])
        .ok()
        .stderr_has("already installed");
    assert_eq!(server.hits(&a.file_name), hits);
    // `--reinstall` replaces it, from the download cache (still verified);
    // with `--no-cache` from the server.
    for (flag, downloads) in [(None, 0), (Some("--no-cache"), 1)] {
        let mut args = vec![
            "install",
            &py[0].minor,
            "--reinstall",
            "--downloads-json",
            &json,
        ];
        args.extend(flag);
        ctx.pyman("", &args).ok().stderr_has("Installed");
        assert_eq!(server.hits(&a.file_name), hits + downloads, "{flag:?}");
    }
    assert_no_leftovers(&ctx);
}

#[test]
fn mirror_file_urls_and_direct_archives() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::new();
    let a = fixtures::install_only(py[0]);

    // --mirror: the JSON names GitHub; the mirror serves the same paths.
    let server = Server::start();
    server.add(&format!("20250101/{}", a.file_name), a.bytes.clone());
    let gh = fixtures::downloads_json(&[fixtures::index_entry(
        &py[0].version,
        "linux",
        "gnu",
        &format!("{GITHUB}/{}", a.file_name),
        Some(&a.sha256),
    )]);
    let json_path = ctx.write("dl/github.json", gh);
    ctx.pyman_env(
        "",
        &["install", &py[0].minor],
        &[
            ("PYMAN_DOWNLOADS_JSON", &json_path.display().to_string()),
            ("PYMAN_MIRROR", &server.url),
        ],
    )
    .ok();
    assert_eq!(installs(&ctx), vec![key(py[0])]);
    ctx.pyman("", &["uninstall", &py[0].version]).ok();

    // file:// for both the JSON and the archive: air-gapped.
    let archive = ctx.write(&format!("dl/{}", a.file_name), a.bytes.as_slice());
    let local = fixtures::downloads_json(&[fixtures::index_entry(
        &py[0].version,
        "linux",
        "gnu",
        &format!("file://{}", archive.display()),
        Some(&a.sha256),
    )]);
    let local_json = ctx.write("dl/local.json", local);
    ctx.pyman(
        "",
        &[
            "install",
            &py[0].minor,
            "--downloads-json",
            &format!("file://{}", local_json.display()),
        ],
    )
    .ok();
    ctx.pyman("", &["uninstall", &py[0].minor]).ok();

    // A direct archive: verified with --sha256, or installed with a warning.
    ctx.pyman(
        "",
        &[
            "install",
            &archive.display().to_string(),
            "--sha256",
            &"0".repeat(64),
        ],
    )
    .code(1)
    .stderr_has("checksum mismatch");
    assert!(installs(&ctx).is_empty());
    ctx.pyman(
        "",
        &[
            "install",
            &archive.display().to_string(),
            "--sha256",
            &a.sha256,
        ],
    )
    .ok()
    .stderr_has(&py[0].version);
    ctx.pyman("", &["uninstall", &py[0].minor]).ok();
    ctx.pyman("", &["install", &archive.display().to_string()])
        .ok()
        .stderr_has("unverified");
    assert_eq!(installs(&ctx), vec![key(py[0])]);
    assert_no_leftovers(&ctx);
}

#[test]
fn full_zst_and_zip_archives_install() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::new();
    for archive in [fixtures::full_zst(py[0]), fixtures::zip(py[0])] {
        let path = ctx.write(
            &format!("dl/{}", archive.file_name),
            archive.bytes.as_slice(),
        );
        ctx.pyman(
            "",
            &[
                "install",
                &path.display().to_string(),
                "--sha256",
                &archive.sha256,
            ],
        )
        .ok();
        let out = std::process::Command::new(managed_python(&ctx, py[0]))
            .args(["-c", "import os; print(os.sep)"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{} {}",
            archive.file_name,
            String::from_utf8_lossy(&out.stderr)
        );
        ctx.pyman("", &["uninstall", &py[0].minor]).ok();
    }
    assert_no_leftovers(&ctx);
}

#[test]
fn a_checksum_mismatch_installs_nothing_and_is_not_retried() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::new();
    let server = Server::start();
    let a = fixtures::install_only(py[0]);
    let url = server.add(&a.file_name, a.bytes.clone());
    let json = server.add(
        "d.json",
        fixtures::downloads_json(&[fixtures::index_entry(
            &py[0].version,
            "linux",
            "gnu",
            &url,
            Some(&"ab".repeat(32)),
        )])
        .into_bytes()
        .into(),
    );
    ctx.pyman("", &["install", &py[0].minor, "--downloads-json", &json])
        .code(1)
        .stderr_has("checksum mismatch")
        .stderr_has(&url)
        .stderr_has(&a.sha256)
        .stderr_has("nothing was installed");
    assert_eq!(server.hits(&a.file_name), 1);
    assert!(installs(&ctx).is_empty());
    assert_no_leftovers(&ctx);

    // An entry without a checksum is refused before any download.
    let json = server.add(
        "nosha.json",
        fixtures::downloads_json(&[fixtures::index_entry(
            &py[0].version,
            "linux",
            "gnu",
            &url,
            None,
        )])
        .into_bytes()
        .into(),
    );
    ctx.pyman("", &["install", &py[0].minor, "--downloads-json", &json])
        .code(1)
        .stderr_has("no sha256 is known");
    assert_eq!(server.hits(&a.file_name), 1);
}

#[test]
fn http_failures_are_retried_or_explained() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let mut ctx = TestContext::new();
    // The network path every time: no download cache.
    ctx.set_env("PYMAN_NO_CACHE", "1");
    let server = Server::start();
    let a = fixtures::install_only(py[0]);
    let json = fixtures::serve(&server, &[(py[0], &a)]);
    let install = || ctx.pyman("", &["install", &py[0].minor, "--downloads-json", &json]);

    // 500, then a body cut in the middle, then success.
    server.fail_next(
        &a.file_name,
        vec![Fault::Status(500), Fault::Truncate(a.bytes.len() / 2)],
    );
    install().ok().stderr_has("Retrying");
    assert_eq!(server.hits(&a.file_name), 3);
    assert_no_leftovers(&ctx);
    ctx.pyman("", &["uninstall", &py[0].minor]).ok();

    // Cut with no length announced (HTTP sees a whole body): the archive
    // ending mid-way makes it a cut download, retried, not "tampered with".
    server.fail_next(
        &a.file_name,
        vec![Fault::TruncateUnsized(a.bytes.len() / 2)],
    );
    let before = server.hits(&a.file_name);
    install()
        .ok()
        .stderr_has("Retrying")
        .stderr_has("stopped after")
        .stderr_lacks("checksum");
    assert_eq!(server.hits(&a.file_name) - before, 2);
    assert_no_leftovers(&ctx);
    ctx.pyman("", &["uninstall", &py[0].minor]).ok();

    // Always cut short: fails after the retries, naming the URL and what to try.
    server.fail_always(&a.file_name, Fault::Truncate(1000));
    let before = server.hits(&a.file_name);
    install()
        .code(1)
        .stderr_has("failed after 4 attempts")
        .stderr_has("stopped after")
        .stderr_has("--mirror");
    assert_eq!(server.hits(&a.file_name) - before, 4);
    assert!(installs(&ctx).is_empty());
    assert_no_leftovers(&ctx);

    // 404: not retried.
    let missing = server.add(
        "m.json",
        fixtures::downloads_json(&[fixtures::index_entry(
            &py[0].version,
            "linux",
            "gnu",
            &format!("{}/nope.tar.gz", server.url),
            Some(&a.sha256),
        )])
        .into_bytes()
        .into(),
    );
    ctx.pyman("", &["install", &py[0].minor, "--downloads-json", &missing])
        .code(1)
        .stderr_has("does not exist (HTTP 404)")
        .stderr_has("after 1 attempt");
    assert_eq!(server.hits("nope.tar.gz"), 1);

    // A connection refused: a clear error naming the URL.
    let dead = fixtures::downloads_json(&[fixtures::index_entry(
        &py[0].version,
        "linux",
        "gnu",
        "http://127.0.0.1:9/x.tar.gz",
        Some(&a.sha256),
    )]);
    let dead = ctx.write("dead.json", dead);
    ctx.pyman_env(
        "",
        &[
            "install",
            &py[0].minor,
            "--downloads-json",
            &dead.display().to_string(),
        ],
        &[("PYMAN_HTTP_RETRIES", "1")],
    )
    .code(1)
    .stderr_has("cannot reach `http://127.0.0.1:9/x.tar.gz`");
}

#[test]
fn hostile_archives_fail_and_write_nothing_outside() {
    let ctx = TestContext::new();
    let server = Server::start();
    for kind in ["dotdot", "absolute", "symlink"] {
        let a = fixtures::hostile(kind);
        let url = server.add(&a.file_name, a.bytes.clone());
        let json = server.add(
            &format!("{kind}.json"),
            fixtures::downloads_json(&[fixtures::index_entry(
                "3.12.99",
                "linux",
                "gnu",
                &url,
                Some(&a.sha256),
            )])
            .into_bytes()
            .into(),
        );
        ctx.pyman("", &["install", "3.12.99", "--downloads-json", &json])
            .code(1)
            .stderr_has("unsafe");
        assert!(installs(&ctx).is_empty(), "{kind}");
        assert_no_leftovers(&ctx);
    }
    assert!(!ctx.pyman_home.join("pyman-e2e-escaped").exists());
    assert!(!ctx.root.join("pyman-e2e-escaped").exists());
    assert!(!Path::new("/tmp/pyman-e2e-absolute").exists());
}

#[test]
fn eight_concurrent_installs_of_one_version_download_it_once() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::new();
    let server = Server::start();
    let a = fixtures::install_only(py[0]);
    let json = fixtures::serve(&server, &[(py[0], &a)]);
    let children: Vec<_> = (0..8)
        .map(|_| {
            let mut cmd = ctx.shell_command(
                "",
                &crate::common::pyman_bin().display().to_string(),
                &["install", &py[0].minor, "--downloads-json", &json],
            );
            cmd.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(server.hits(&a.file_name), 1, "installed once");
    assert_eq!(installs(&ctx), vec![key(py[0])]);
    assert_no_leftovers(&ctx);
}

#[test]
fn a_killed_install_leaves_nothing_a_later_run_trips_over() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::new();
    let server = Server::start();
    let a = fixtures::install_only(py[0]);
    let json = fixtures::serve(&server, &[(py[0], &a)]);
    server.fail_next(&a.file_name, vec![Fault::Slow(Duration::from_millis(40))]);
    let mut child = std::process::Command::new(crate::common::pyman_bin());
    child
        .env_clear()
        .args(["install", &py[0].minor, "--downloads-json", &json]);
    for (k, v) in &ctx.env {
        child.env(k, v);
    }
    let mut child = child.stderr(std::process::Stdio::null()).spawn().unwrap();
    // Wait until it is unpacking into its scratch folder, then kill -9.
    let temp = ctx.pyman_home.join("pythons/.temp");
    let start = Instant::now();
    loop {
        let busy = std::fs::read_dir(&temp)
            .map(|e| e.flatten().any(|e| e.path().join("attempt-1/bin").exists()))
            .unwrap_or(false);
        if busy {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the install never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        installs(&ctx).is_empty(),
        "nothing half-installed is visible"
    );
    assert_eq!(
        std::fs::read_dir(&temp).unwrap().count(),
        1,
        "the killed run's scratch is still there"
    );
    ctx.pyman("", &["install", &py[0].minor, "--downloads-json", &json])
        .ok()
        .stderr_has("interrupted");
    assert_eq!(installs(&ctx), vec![key(py[0])]);
    assert_no_leftovers(&ctx);
}

#[test]
fn uninstall_removes_managed_installs_only_and_names_orphaned_pins() {
    let Some(py) = fixtures::require(2) else {
        return;
    };
    let ctx = TestContext::with_pythons(&[py[1]]);
    let server = Server::start();
    let a = fixtures::install_only(py[0]);
    let json = fixtures::serve(&server, &[(py[0], &a)]);
    ctx.write("p/.python-version", &py[0].minor);
    // No argument: installs what the folder selects.
    ctx.pyman("p", &["install", "--downloads-json", &json])
        .ok()
        .stderr_has("selected by");
    let out = ctx.pyman("p", &["uninstall", &py[0].minor]);
    out.ok()
        .stderr_has(&format!("Removed Python {}", py[0].version))
        .stderr_has(&format!(
            "pins `{}`, which no installed Python satisfies now",
            py[0].minor
        ));
    assert!(installs(&ctx).is_empty());
    ctx.pyman("p", &["uninstall", &py[1].minor])
        .code(1)
        .stderr_has("was installed by pyenv");
    assert!(
        ctx.pyenv_root
            .join("versions")
            .join(&py[1].version)
            .join("bin/python3")
            .exists()
    );
    ctx.pyman("p", &["uninstall", "3.4"])
        .code(1)
        .stderr_has("no installed Python matches `3.4`");
}

#[test]
fn unknown_versions_and_bad_indexes_are_explained() {
    let ctx = TestContext::new();
    ctx.pyman("", &["install", "3.4"])
        .code(1)
        .stderr_has("no build of Python `3.4`")
        .stderr_has("available: 3.");
    let bad = ctx.write("bad.json", "{ not json");
    ctx.pyman(
        "",
        &[
            "install",
            "3.12",
            "--downloads-json",
            &bad.display().to_string(),
        ],
    )
    .code(2)
    .stderr_has("bad.json` is not valid");
    ctx.pyman("", &["install", "system"])
        .code(2)
        .stderr_has("not something pyman can install");
    let out = ctx.pyman("", &["list", "--available", "3.12"]);
    out.ok().stdout_has("cpython-3.12.");
}

#[test]
fn ctrl_c_during_an_install_removes_its_scratch_and_exits_130() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let mut ctx = TestContext::new();
    let cache = ctx.root.join("cache");
    ctx.set_env("PYMAN_CACHE_DIR", cache.as_os_str());
    let server = Server::start();
    let a = fixtures::install_only(py[0]);
    let json = fixtures::serve(&server, &[(py[0], &a)]);
    server.fail_next(&a.file_name, vec![Fault::Slow(Duration::from_millis(40))]);
    let mut cmd = std::process::Command::new(crate::common::pyman_bin());
    cmd.env_clear()
        .args(["install", &py[0].minor, "--downloads-json", &json]);
    for (k, v) in &ctx.env {
        cmd.env(k, v);
    }
    let child = cmd.stderr(std::process::Stdio::piped()).spawn().unwrap();
    let temp = ctx.pyman_home.join("pythons/.temp");
    let start = Instant::now();
    while !std::fs::read_dir(&temp)
        .map(|e| e.flatten().any(|e| e.path().join("attempt-1/bin").exists()))
        .unwrap_or(false)
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the install never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted: nothing was installed"));
    assert!(installs(&ctx).is_empty());
    assert_no_leftovers(&ctx);
    // Nor the partial download that was going into the cache.
    let partial: Vec<_> = std::fs::read_dir(cache.join("tmp"))
        .map(|e| e.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(partial.is_empty(), "partial downloads left: {partial:?}");
}

#[test]
fn auto_install_lets_a_shim_install_its_missing_selection() {
    let Some(py) = fixtures::require(1) else {
        return;
    };
    let ctx = TestContext::new();
    let server = Server::start();
    let a = fixtures::install_only(py[0]);
    let json = fixtures::serve(&server, &[(py[0], &a)]);
    ctx.pyman("", &["rehash"]).ok();
    ctx.write("p/.python-version", &py[0].minor);
    // Without the variable: the shim says what to run, and installs nothing.
    ctx.run("p", "python", &["-V"])
        .code(1)
        .stderr_has(&format!("pyman install {}", py[0].minor));
    assert_eq!(server.hits(&a.file_name), 0);
    let out = ctx.run_env(
        "p",
        "python",
        &["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
        &[("PYMAN_AUTO_INSTALL", "1"), ("PYMAN_DOWNLOADS_JSON", &json)],
    );
    // The install's output goes to stderr; stdout is the program's alone.
    assert_eq!(out.ok().stdout, format!("{}\n", py[0].version), "{out}");
    out.stderr_has("PYMAN_AUTO_INSTALL is set")
        .stderr_has("Installed Python");
    assert_eq!(installs(&ctx), vec![key(py[0])]);
}
